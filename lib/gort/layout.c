/* The layouts of the runtime's structs: one table of offsets per Go
 * release, read by gort and heap in binaries without DWARF, and the same
 * offsets read from a binary's DWARF.
 *
 * The table holds what DWARF would say: TYPE.MEMBER's
 * DW_AT_data_member_location, or TYPE's DW_AT_byte_size (member NULL), for
 * the types and members gort and heap read. Its rows were printed by
 * `testdata/gen/rt-layout.py table go1.19=BIN go1.21=BIN ...` from the
 * DWARF of a build of each release (testdata/gorel/go1.N/relprog, amd64;
 * llvm-dwarfdump, not coroner's own reader): the first release in full,
 * each later one as its differences from the one before. They are the
 * same on arm64 (tests/core/layout-tables.sh compares gort's view of each
 * release with testdata's references; tests/heap/retain.py the stripped
 * builds' heap answers with the programs' measurements).
 *
 * go1.20 has no build here: runtime.g, m, gobuf and schedt of
 * src/runtime/runtime2.go of go1.20.6 (read from
 * github.com/GeeVong/GolangSrcReading1.20.6, a copy of the release) compared
 * field by field with go1.19's keep every field before the ones read at
 * its size and alignment (g: parkingOnChan uint8 -> atomic.Bool,
 * runnableStamp -> trackingStamp, atomicstatus uint32 -> atomic.Uint32,
 * goid int64 -> uint64; m: isextra bool fills padding before freeWait;
 * schedt: goidgen, lastpoll, pollUntil became atomic types of the same
 * size), so its row is go1.19's for those types only: no memory figures
 * and no heap without DWARF. Other versions fall back to go1.19's offsets
 * with a warning and every g is sanity-checked (status range, stack bounds)
 * before use.
 */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* TYPE.MEMBER at off; member NULL: TYPE's size; RT_GONE: a release dropped
 * the member (heapStatsDelta.inPtrScalarBits in go1.25). */
struct rtfact {
	const char *type, *member;
	unsigned off;
};
#define RT_GONE UINT32_MAX

/* go1.19: in full */
static const struct rtfact go1_19[] = {
	{ "runtime.g", NULL, 392 }, { "runtime.m", NULL, 1008 }, { "runtime.heapStatsDelta", NULL, 1176 },
	{ "runtime.mspan", NULL, 144 }, { "runtime.special", NULL, 16 }, { "runtime.g", "stack", 0 },
	{ "runtime.g", "m", 48 }, { "runtime.g", "sched", 56 }, { "runtime.g", "syscallsp", 112 },
	{ "runtime.g", "syscallpc", 120 }, { "runtime.g", "atomicstatus", 144 },
	{ "runtime.g", "goid", 152 }, { "runtime.g", "waitsince", 168 },
	{ "runtime.g", "waitreason", 176 }, { "runtime.g", "lockedm", 232 }, { "runtime.g", "sig", 240 },
	{ "runtime.g", "sigcode0", 272 }, { "runtime.g", "sigcode1", 280 }, { "runtime.g", "sigpc", 288 },
	{ "runtime.g", "gopc", 296 }, { "runtime.g", "startpc", 312 }, { "runtime.stack", "lo", 0 },
	{ "runtime.stack", "hi", 8 }, { "runtime.gobuf", "sp", 0 }, { "runtime.gobuf", "pc", 8 },
	{ "runtime.gobuf", "lr", 40 }, { "runtime.gobuf", "bp", 48 }, { "runtime.m", "g0", 0 },
	{ "runtime.m", "procid", 72 }, { "runtime.m", "gsignal", 80 }, { "runtime.m", "curg", 192 },
	{ "runtime.m", "id", 232 }, { "runtime.m", "alllink", 336 }, { "runtime.schedt", "lastpoll", 8 },
	{ "runtime.schedt", "mnext", 48 }, { "runtime.schedt", "maxmcount", 56 },
	{ "runtime.mstats", "heapStats", 0 }, { "runtime.mstats", "stacks_sys", 3544 },
	{ "runtime.mstats", "mspan_sys", 3552 }, { "runtime.mstats", "mcache_sys", 3560 },
	{ "runtime.mstats", "buckhash_sys", 3568 }, { "runtime.mstats", "gcMiscSys", 3576 },
	{ "runtime.mstats", "other_sys", 3584 }, { "runtime.mstats", "last_gc_unix", 3592 },
	{ "runtime.mstats", "pause_total_ns", 3600 }, { "runtime.mstats", "numgc", 7704 },
	{ "runtime.mstats", "last_gc_nanotime", 7720 }, { "runtime.consistentHeapStats", "stats", 0 },
	{ "runtime.heapStatsDelta", "committed", 0 }, { "runtime.heapStatsDelta", "released", 8 },
	{ "runtime.heapStatsDelta", "inHeap", 16 }, { "runtime.heapStatsDelta", "inStacks", 24 },
	{ "runtime.heapStatsDelta", "inWorkBufs", 32 },
	{ "runtime.heapStatsDelta", "inPtrScalarBits", 40 },
	{ "runtime.heapStatsDelta", "tinyAllocCount", 48 },
	{ "runtime.heapStatsDelta", "largeAlloc", 56 },
	{ "runtime.heapStatsDelta", "largeAllocCount", 64 },
	{ "runtime.heapStatsDelta", "smallAllocCount", 72 },
	{ "runtime.heapStatsDelta", "largeFree", 616 },
	{ "runtime.heapStatsDelta", "largeFreeCount", 624 },
	{ "runtime.heapStatsDelta", "smallFreeCount", 632 }, { "runtime.mheap", "allspans", 65856 },
	{ "runtime.mheap", "arenas", 65936 }, { "runtime.mheap", "allArenas", 66016 },
	{ "runtime.mspan", "startAddr", 24 }, { "runtime.mspan", "npages", 32 },
	{ "runtime.mspan", "freeindex", 48 }, { "runtime.mspan", "nelems", 56 },
	{ "runtime.mspan", "allocBits", 72 }, { "runtime.mspan", "spanclass", 98 },
	{ "runtime.mspan", "state", 99 }, { "runtime.mspan", "elemsize", 104 },
	{ "runtime.mspan", "specials", 128 }, { "runtime.moduledata", "types", 280 },
	{ "runtime.moduledata", "etypes", 288 }, { "runtime.moduledata", "data", 208 },
	{ "runtime.moduledata", "edata", 216 }, { "runtime.moduledata", "bss", 224 },
	{ "runtime.moduledata", "ebss", 232 }, { "runtime.moduledata", "gcdatamask", 496 },
	{ "runtime.moduledata", "gcbssmask", 512 }, { "runtime.moduledata", "next", 544 },
	{ "runtime.bitvector", "n", 0 }, { "runtime.bitvector", "bytedata", 8 },
	{ "runtime.special", "next", 0 }, { "runtime.special", "offset", 8 },
	{ "runtime.special", "kind", 10 }, { "runtime.heapArena", "bitmap", 0 },
	{ NULL, NULL, 0 },
};
/* go1.21: what changed since the release before */
static const struct rtfact go1_21[] = {
	{ "runtime.g", NULL, 408 }, { "runtime.mspan", NULL, 168 }, { "runtime.g", "lockedm", 208 },
	{ "runtime.g", "sig", 216 }, { "runtime.g", "sigcode0", 248 }, { "runtime.g", "sigcode1", 256 },
	{ "runtime.g", "sigpc", 264 }, { "runtime.g", "gopc", 280 }, { "runtime.g", "startpc", 296 },
	{ "runtime.mheap", "allspans", 65864 }, { "runtime.mheap", "arenas", 65944 },
	{ "runtime.mheap", "allArenas", 66032 }, { "runtime.mspan", "spanclass", 106 },
	{ "runtime.mspan", "state", 107 }, { "runtime.mspan", "elemsize", 112 },
	{ "runtime.mspan", "specials", 136 }, { "runtime.moduledata", "types", 296 },
	{ "runtime.moduledata", "etypes", 304 }, { "runtime.moduledata", "gcdatamask", 536 },
	{ "runtime.moduledata", "gcbssmask", 552 }, { "runtime.moduledata", "next", 584 },
	{ NULL, NULL, 0 },
};
/* go1.22: what changed since the release before */
static const struct rtfact go1_22[] = {
	{ "runtime.g", NULL, 424 }, { "runtime.m", NULL, 2024 }, { "runtime.mspan", NULL, 160 },
	{ "runtime.m", "alllink", 328 }, { "runtime.mheap", "arenas", 66008 },
	{ "runtime.mheap", "allArenas", 66096 }, { "runtime.mspan", "nelems", 50 },
	{ "runtime.mspan", "allocBits", 64 }, { "runtime.mspan", "spanclass", 98 },
	{ "runtime.mspan", "state", 99 }, { "runtime.mspan", "elemsize", 104 },
	{ "runtime.mspan", "specials", 128 }, { "runtime.mspan", "largeType", 152 },
	{ "runtime.heapArena", "bitmap", RT_GONE },
	{ NULL, NULL, 0 },
};
/* go1.23: what changed since the release before */
static const struct rtfact go1_23[] = {
	{ "runtime.g", NULL, 432 }, { "runtime.m", NULL, 1760 }, { "runtime.g", "atomicstatus", 152 },
	{ "runtime.g", "goid", 160 }, { "runtime.g", "waitsince", 176 },
	{ "runtime.g", "waitreason", 184 }, { "runtime.g", "lockedm", 216 }, { "runtime.g", "sig", 224 },
	{ "runtime.g", "sigcode0", 256 }, { "runtime.g", "sigcode1", 264 }, { "runtime.g", "sigpc", 272 },
	{ "runtime.g", "gopc", 288 }, { "runtime.g", "startpc", 304 },
	{ "runtime.moduledata", "next", 576 },
	{ NULL, NULL, 0 },
};
/* go1.24: what changed since the release before */
static const struct rtfact go1_24[] = {
	{ "runtime.g", NULL, 440 }, { "runtime.m", NULL, 1808 }, { "runtime.special", NULL, 24 },
	{ "runtime.g", "sig", 228 }, { "runtime.special", "kind", 16 },
	{ NULL, NULL, 0 },
};
/* go1.25: what changed since the release before */
static const struct rtfact go1_25[] = {
	{ "runtime.m", NULL, 1816 }, { "runtime.heapStatsDelta", NULL, 1168 },
	{ "runtime.g", "syscallsp", 104 }, { "runtime.g", "syscallpc", 112 },
	{ "runtime.g", "atomicstatus", 144 }, { "runtime.g", "goid", 152 },
	{ "runtime.g", "waitsince", 168 }, { "runtime.g", "waitreason", 176 },
	{ "runtime.g", "lockedm", 208 }, { "runtime.g", "sig", 220 }, { "runtime.g", "sigcode0", 248 },
	{ "runtime.g", "sigcode1", 256 }, { "runtime.g", "sigpc", 264 }, { "runtime.g", "gopc", 280 },
	{ "runtime.g", "startpc", 296 }, { "runtime.gobuf", "lr", 32 }, { "runtime.gobuf", "bp", 40 },
	{ "runtime.m", "procid", 64 }, { "runtime.m", "gsignal", 72 }, { "runtime.m", "curg", 184 },
	{ "runtime.m", "id", 224 }, { "runtime.m", "alllink", 344 }, { "runtime.schedt", "mnext", 56 },
	{ "runtime.schedt", "maxmcount", 64 }, { "runtime.mstats", "stacks_sys", 3520 },
	{ "runtime.mstats", "mspan_sys", 3528 }, { "runtime.mstats", "mcache_sys", 3536 },
	{ "runtime.mstats", "buckhash_sys", 3544 }, { "runtime.mstats", "gcMiscSys", 3552 },
	{ "runtime.mstats", "other_sys", 3560 }, { "runtime.mstats", "last_gc_unix", 3568 },
	{ "runtime.mstats", "pause_total_ns", 3576 }, { "runtime.mstats", "numgc", 7680 },
	{ "runtime.mstats", "last_gc_nanotime", 7696 },
	{ "runtime.heapStatsDelta", "tinyAllocCount", 40 },
	{ "runtime.heapStatsDelta", "largeAlloc", 48 },
	{ "runtime.heapStatsDelta", "largeAllocCount", 56 },
	{ "runtime.heapStatsDelta", "smallAllocCount", 64 },
	{ "runtime.heapStatsDelta", "largeFree", 608 },
	{ "runtime.heapStatsDelta", "largeFreeCount", 616 },
	{ "runtime.heapStatsDelta", "smallFreeCount", 624 }, { "runtime.mheap", "heapArenas", 66096 },
	{ "runtime.heapStatsDelta", "inPtrScalarBits", RT_GONE },
	{ "runtime.mheap", "allArenas", RT_GONE },
	{ NULL, NULL, 0 },
};
/* go1.26: what changed since the release before */
static const struct rtfact go1_26[] = {
	{ "runtime.g", NULL, 456 }, { "runtime.m", NULL, 1824 }, { "runtime.g", "sig", 224 },
	{ "runtime.g", "sigcode0", 256 }, { "runtime.g", "sigcode1", 264 }, { "runtime.g", "sigpc", 272 },
	{ "runtime.g", "gopc", 288 }, { "runtime.g", "startpc", 304 }, { "runtime.m", "id", 232 },
	{ "runtime.m", "alllink", 352 }, { "runtime.schedt", "mnext", 72 },
	{ "runtime.schedt", "maxmcount", 80 }, { "runtime.moduledata", "gcdatamask", 544 },
	{ "runtime.moduledata", "gcbssmask", 560 }, { "runtime.moduledata", "next", 584 },
	{ NULL, NULL, 0 },
};
/* go1.27: what changed since the release before */
static const struct rtfact go1_27[] = {
	{ "runtime.m", NULL, 1832 }, { "runtime.moduledata", "etypes", 312 },
	{ "runtime.moduledata", "gcdatamask", 520 }, { "runtime.moduledata", "gcbssmask", 536 },
	{ "runtime.moduledata", "next", 560 },
	{ NULL, NULL, 0 },
};

/* go1.20: go1.19's, for these types only */
static const char *const go1_20_types[] = { "runtime.g", "runtime.stack", "runtime.gobuf", "runtime.m",
					    "runtime.schedt", NULL };

/* Oldest first: a row's facts are the ones before it with its diff over
 * them. rt_releases[0] is the fallback for versions without a row. */
static const struct rtrelease {
	const char *prefix;
	const char *const *only; /* NULL: every type; else the types the row knows */
	const struct rtfact *diff; /* ends with { NULL } */
} rt_releases[] = {
	{ "go1.19", NULL, go1_19 }, { "go1.20", go1_20_types, NULL }, { "go1.21", NULL, go1_21 },
	{ "go1.22", NULL, go1_22 }, { "go1.23", NULL, go1_23 }, { "go1.24", NULL, go1_24 },
	{ "go1.25", NULL, go1_25 }, { "go1.26", NULL, go1_26 }, { "go1.27", NULL, go1_27 },
};
#define NRELEASES (sizeof rt_releases / sizeof *rt_releases)

static const struct rtrelease *rt_release(const char *version)
{
	for (size_t i = 0; version && i < NRELEASES; i++) {
		size_t n = strlen(rt_releases[i].prefix);
		if (strncmp(version, rt_releases[i].prefix, n))
			continue;
		char c = version[n];
		/* "go1.22", "go1.22.3", "go1.26rc1", "go1.25 X:greenteagc" */
		if (c == 0 || c == '.' || c == ' ' || c == '-' || c == 'r' || c == 'b' || c == 'X')
			return &rt_releases[i];
	}
	return NULL;
}

/* type is one of types[] and, if the row names its types (only), one of
 * those */
static bool wanted(const char *type, const char *const *types, size_t ntypes, const char *const *only)
{
	size_t i = 0;
	while (only && only[i] && strcmp(only[i], type) != 0)
		i++;
	if (only && !only[i])
		return false;
	for (i = 0; i < ntypes; i++)
		if (strcmp(types[i], type) == 0)
			return true;
	return false;
}

static bool same_fact(const struct rtfact *a, const struct rtfact *b)
{
	return strcmp(a->type, b->type) == 0 &&
	       (a->member && b->member ? strcmp(a->member, b->member) == 0 : a->member == b->member);
}

const char *cr_gort_layout_table(const char *version, const char *const *types, size_t ntypes,
				 cr_dwarf_member_fn fn, void *arg)
{
	const struct rtrelease *r = rt_release(version);
	if (!r)
		return NULL;
	/* every fact of the wanted types, the latest row's value winning */
	struct rtfact cur[160];
	size_t n = 0;
	for (const struct rtrelease *row = rt_releases; row <= r; row++)
		for (const struct rtfact *f = row->diff; f && f->type; f++) {
			if (!wanted(f->type, types, ntypes, r->only))
				continue;
			size_t i = 0;
			while (i < n && !same_fact(&cur[i], f))
				i++;
			if (i == sizeof cur / sizeof *cur)
				return NULL; /* more facts than cur holds: make it larger */
			cur[i] = *f;
			n += i == n;
		}
	for (size_t i = 0; i < n; i++)
		if (cur[i].off != RT_GONE)
			fn(arg, cur[i].type, cur[i].member, cur[i].off);
	return r->prefix;
}

const char *gort_known_layouts(void)
{
	static char buf[128];
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < NRELEASES && o + 12 < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", rt_releases[i].prefix);
	return buf;
}
/* ---------------------------------------------------------------- DWARF layouts
 * Offsets of the fields gort reads, from the binary's own DWARF types
 * (DW_TAG_member DW_AT_data_member_location of runtime.g, ...), so that a
 * Go version without a table works when it has DWARF. A field is
 * type.member (+ type2.member2 for a nested struct, e.g. g.stack + stack.lo);
 * member NULL means the type's byte size. Fields DWARF does not have keep
 * the table's value (counted in missing). */
struct dwfield {
	const char *name;    /* the field's name in struct layout */
	size_t off;          /* offsetof(struct layout, ...) */
	const char *type, *member, *type2, *member2;
	const char *renamed; /* the member's name in later releases */
	bool optional;       /* later releases dropped it: absent is LAYOUT_NONE */
};
#define F(fld, t, m) { #fld, offsetof(struct layout, fld), t, m, NULL, NULL, NULL, false }
#define F2(fld, t, m, t2, m2) { #fld, offsetof(struct layout, fld), t, m, t2, m2, NULL, false }
static const struct dwfield dwfields[] = {
	F(g_size, "runtime.g", NULL),
	F2(g_stack_lo, "runtime.g", "stack", "runtime.stack", "lo"),
	F2(g_stack_hi, "runtime.g", "stack", "runtime.stack", "hi"),
	F(g_m, "runtime.g", "m"), F(g_sched, "runtime.g", "sched"),
	F(g_syscallsp, "runtime.g", "syscallsp"), F(g_syscallpc, "runtime.g", "syscallpc"),
	F(g_atomicstatus, "runtime.g", "atomicstatus"), F(g_goid, "runtime.g", "goid"),
	F(g_waitsince, "runtime.g", "waitsince"), F(g_waitreason, "runtime.g", "waitreason"),
	F(g_lockedm, "runtime.g", "lockedm"), F(g_sig, "runtime.g", "sig"),
	F(g_sigcode0, "runtime.g", "sigcode0"), F(g_sigcode1, "runtime.g", "sigcode1"),
	F(g_sigpc, "runtime.g", "sigpc"), F(g_gopc, "runtime.g", "gopc"), F(g_startpc, "runtime.g", "startpc"),
	F(gobuf_sp, "runtime.gobuf", "sp"), F(gobuf_pc, "runtime.gobuf", "pc"),
	F(gobuf_lr, "runtime.gobuf", "lr"), F(gobuf_bp, "runtime.gobuf", "bp"),
	F(m_size, "runtime.m", NULL), F(m_g0, "runtime.m", "g0"), F(m_procid, "runtime.m", "procid"),
	F(m_gsignal, "runtime.m", "gsignal"), F(m_curg, "runtime.m", "curg"), F(m_id, "runtime.m", "id"),
	F(m_alllink, "runtime.m", "alllink"),
	F(sched_lastpoll, "runtime.schedt", "lastpoll"), F(sched_mnext, "runtime.schedt", "mnext"),
	F(sched_maxmcount, "runtime.schedt", "maxmcount"),
	F2(ms_heapstats, "runtime.mstats", "heapStats", "runtime.consistentHeapStats", "stats"),
	F(ms_stacks_sys, "runtime.mstats", "stacks_sys"), F(ms_mspan_sys, "runtime.mstats", "mspan_sys"),
	F(ms_mcache_sys, "runtime.mstats", "mcache_sys"), F(ms_buckhash_sys, "runtime.mstats", "buckhash_sys"),
	F(ms_gcmisc_sys, "runtime.mstats", "gcMiscSys"), F(ms_other_sys, "runtime.mstats", "other_sys"),
	F(ms_last_gc_unix, "runtime.mstats", "last_gc_unix"),
	F(ms_pause_total_ns, "runtime.mstats", "pause_total_ns"), F(ms_numgc, "runtime.mstats", "numgc"),
	F(ms_last_gc_nanotime, "runtime.mstats", "last_gc_nanotime"),
	F(hsd_size, "runtime.heapStatsDelta", NULL), F(hsd_committed, "runtime.heapStatsDelta", "committed"),
	F(hsd_released, "runtime.heapStatsDelta", "released"), F(hsd_inheap, "runtime.heapStatsDelta", "inHeap"),
	F(hsd_instacks, "runtime.heapStatsDelta", "inStacks"),
	F(hsd_inworkbufs, "runtime.heapStatsDelta", "inWorkBufs"),
	{ "hsd_inptrscalarbits", offsetof(struct layout, hsd_inptrscalarbits), "runtime.heapStatsDelta", "inPtrScalarBits", NULL, NULL, NULL,
	  true },
	F(hsd_tinyalloccount, "runtime.heapStatsDelta", "tinyAllocCount"),
	F(hsd_largealloc, "runtime.heapStatsDelta", "largeAlloc"),
	F(hsd_largealloccount, "runtime.heapStatsDelta", "largeAllocCount"),
	F(hsd_smallalloccount, "runtime.heapStatsDelta", "smallAllocCount"),
	F(hsd_largefree, "runtime.heapStatsDelta", "largeFree"),
	F(hsd_largefreecount, "runtime.heapStatsDelta", "largeFreeCount"),
	F(hsd_smallfreecount, "runtime.heapStatsDelta", "smallFreeCount"),
	{ "mheap_allarenas", offsetof(struct layout, mheap_allarenas), "runtime.mheap", "allArenas", NULL, NULL,
	  "heapArenas", false },
};
#undef F
#undef F2

struct dwmember { char type[40], member[40]; uint64_t off; bool size; };
struct dwcollect { struct dwmember *v; size_t n, cap; bool nomem; };

static void dw_member(void *arg, const char *type, const char *member, uint64_t off)
{
	struct dwcollect *C = arg;
	if (C->nomem || strlen(type) >= sizeof C->v->type || (member && strlen(member) >= sizeof C->v->member))
		return;
	if (cr_grow(&C->v, &C->cap, C->n + 1, sizeof *C->v)) {
		C->nomem = true;
		return;
	}
	struct dwmember *m = &C->v[C->n++];
	snprintf(m->type, sizeof m->type, "%s", type);
	snprintf(m->member, sizeof m->member, "%s", member ? member : "");
	m->off = off;
	m->size = member == NULL;
}

static bool dw_find(const struct dwcollect *C, const char *type, const char *member, uint64_t *off)
{
	for (size_t i = 0; i < C->n; i++)
		if (strcmp(C->v[i].type, type) == 0 &&
		    (member ? !C->v[i].size && strcmp(C->v[i].member, member) == 0 : C->v[i].size)) {
			*off = C->v[i].off;
			return true;
		}
	return false;
}

/* The types gort reads. */
static const char *const gort_types[] = { "runtime.g", "runtime.stack", "runtime.gobuf", "runtime.m",
					  "runtime.schedt", "runtime.mstats", "runtime.consistentHeapStats",
					  "runtime.heapStatsDelta", "runtime.mheap" };
#define NGORT_TYPES (sizeof gort_types / sizeof *gort_types)

/* Fill *out from base with the offsets in C (DWARF's or the table's).
 * Returns how many fields C gave; *missing: how many kept base's value. */
static size_t layout_apply(const struct dwcollect *C, const struct layout *base, struct layout *out,
			   size_t *missing)
{
	*out = *base;
	*missing = 0;
	size_t n = 0;
	bool mem_missing = false;
	for (size_t i = 0; i < sizeof dwfields / sizeof *dwfields; i++) {
		const struct dwfield *f = &dwfields[i];
		uint64_t o1, o2 = 0;
		bool found = dw_find(C, f->type, f->member, &o1) || (f->renamed && dw_find(C, f->type, f->renamed, &o1));
		if (!found && f->optional && dw_find(C, f->type, NULL, &o1)) {
			/* the type is there without the member: this release has none */
			unsigned none = LAYOUT_NONE;
			memcpy((char *)out + f->off, &none, sizeof none);
			n++;
			continue;
		}
		if (!found || (f->type2 && !dw_find(C, f->type2, f->member2, &o2)) || o1 + o2 >= LAYOUT_NONE) {
			(*missing)++;
			if (!strcmp(f->type, "runtime.mstats") || !strcmp(f->type, "runtime.heapStatsDelta") ||
			    !strcmp(f->type, "runtime.mheap"))
				mem_missing = true;
			continue;
		}
		unsigned v = (unsigned)(o1 + o2);
		memcpy((char *)out + f->off, &v, sizeof v);
		n++;
	}
	/* memory figures need every mstats/heapStatsDelta/mheap field */
	out->have_mem = !mem_missing || base->have_mem;
	return n;
}

bool gort_layout_for(const char *version, struct layout *out)
{
	struct dwcollect C = { 0 };
	const char *release = cr_gort_layout_table(version, gort_types, NGORT_TYPES, dw_member, &C);
	if (!release || C.nomem) {
		cr_free(C.v);
		return false;
	}
	/* the array lengths are the same in every release (rt-layout.py checks) */
	const struct layout base = { .version_prefix = release, .hsd_n = RT_NUM_STATS_DELTAS,
				     .nsizeclasses = RT_NUM_SIZE_CLASSES };
	size_t missing;
	layout_apply(&C, &base, out, &missing);
	cr_free(C.v);
	return true;
}

void gort_layout_fallback(struct layout *out)
{
	gort_layout_for(rt_releases[0].prefix, out);
	out->have_mem = false;
}

/* Fill *out from base with the offsets DWARF gives. Returns how many
 * fields came from DWARF (0: no DWARF or no runtime types); *missing: how
 * many kept base's value. */
size_t gort_layout_from_dwarf(struct cr_binary *b, const struct layout *base, struct layout *out,
			      size_t *missing, struct cr_error *e)
{
	*out = *base;
	*missing = 0;
	struct dwcollect C = { 0 };
	if (cr_dwarf_struct_members(b, gort_types, NGORT_TYPES, dw_member, &C, e) || C.nomem) {
		cr_free(C.v);
		return 0;
	}
	size_t n = layout_apply(&C, base, out, missing);
	cr_free(C.v);
	return n;
}

int cr_gort_layout_check(struct cr_binary *b, const char *version, size_t *nfields, struct cr_buf *report)
{
	struct layout table, d;
	const struct layout *t = &table;
	if (!gort_layout_for(version, &table))
		return -1;
	size_t missing = 0;
	struct cr_error e = { 0 };
	size_t n = gort_layout_from_dwarf(b, t, &d, &missing, &e);
	if (nfields)
		*nfields = n;
	if (!n)
		return -1;
	int diff = 0;
	for (size_t i = 0; i < sizeof dwfields / sizeof *dwfields; i++) {
		const struct dwfield *f = &dwfields[i];
		unsigned a, x;
		memcpy(&a, (const char *)t + f->off, sizeof a);
		memcpy(&x, (const char *)&d + f->off, sizeof x);
		if (a == x)
			continue;
		diff++;
		if (report)
			cr_buf_addf(report, "%s.%s%s%s: table %u, DWARF %u\n", f->type, f->member ? f->member : "(size)",
				    f->type2 ? "+" : "", f->member2 ? f->member2 : "", a, x);
	}
	return diff;
}

int cr_gort_layout_print(const char *version, struct cr_buf *out)
{
	struct layout t;
	if (!gort_layout_for(version, &t))
		return -1;
	cr_buf_addf(out, "\t{\n\t\t.version_prefix = \"%s\", .have_mem = %s,\n", t.version_prefix,
		    t.have_mem ? "true" : "false");
	for (size_t i = 0; i < sizeof dwfields / sizeof *dwfields; i++) {
		unsigned v;
		memcpy(&v, (const char *)&t + dwfields[i].off, sizeof v);
		if (v != LAYOUT_NONE)
			cr_buf_addf(out, "\t\t.%s = %u,\n", dwfields[i].name, v);
	}
	cr_buf_addf(out, "\t\t.hsd_n = %u, .nsizeclasses = %u,\n\t},\n", t.hsd_n, t.nsizeclasses);
	return 0;
}
