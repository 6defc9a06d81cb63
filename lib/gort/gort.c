/* The Go runtime read from a core (see coroner/gort.h).
 *
 * Layouts. go1.19 (all patch releases; runtime2.go, mstats.go, mheap.go of
 * Go 1.19 declare the same structs): offsets below were read from the DWARF
 * of testdata/bin/gosym (Go 1.19.8, amd64) with llvm-dwarfdump
 * (DW_AT_data_member_location of runtime.g, gobuf, m, mstats, mheap,
 * heapStatsDelta) and agree with the field order and sizes of
 * /usr/lib/go-1.19/src/runtime/runtime2.go. They are the same on arm64
 * (both 64-bit; no arch-dependent fields before the ones read).
 * Other versions fall back to the go1.19 table with a warning and every g is
 * sanity-checked (status range, stack bounds) before use.
 */
#include "coroner/gort.h"
#include "coroner/sym.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct layout {
	const char *version_prefix;
	bool have_mem;  /* the mstats/heapStatsDelta/mheap offsets are known */
	/* runtime.g */
	unsigned g_size, g_stack_lo, g_stack_hi, g_m, g_sched, g_syscallsp, g_syscallpc,
		g_atomicstatus, g_goid, g_waitsince, g_waitreason, g_lockedm, g_sig, g_sigcode0,
		g_sigcode1, g_sigpc, g_gopc, g_startpc;
	/* runtime.gobuf */
	unsigned gobuf_sp, gobuf_pc, gobuf_lr, gobuf_bp;
	/* runtime.m */
	unsigned m_size, m_g0, m_procid, m_gsignal, m_curg, m_id, m_alllink;
	/* runtime.schedt */
	unsigned sched_lastpoll, sched_mnext, sched_maxmcount;
	/* runtime.mstats */
	unsigned ms_heapstats, ms_stacks_sys, ms_mspan_sys, ms_mcache_sys, ms_buckhash_sys,
		ms_gcmisc_sys, ms_other_sys, ms_last_gc_unix, ms_pause_total_ns, ms_numgc,
		ms_last_gc_nanotime;
	/* runtime.heapStatsDelta and the number of them in consistentHeapStats */
	unsigned hsd_size, hsd_committed, hsd_released, hsd_inheap, hsd_instacks, hsd_inworkbufs,
		hsd_inptrscalarbits, hsd_tinyalloccount, hsd_largealloc, hsd_largealloccount,
		hsd_smallalloccount, hsd_largefree, hsd_largefreecount, hsd_smallfreecount, hsd_n;
	unsigned nsizeclasses;
	/* runtime.mheap */
	unsigned mheap_allarenas;
};

static const struct layout layouts[] = {
	{
		.version_prefix = "go1.19", .have_mem = true,
		.g_size = 392, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56,
		.g_syscallsp = 112, .g_syscallpc = 120, .g_atomicstatus = 144, .g_goid = 152,
		.g_waitsince = 168, .g_waitreason = 176, .g_lockedm = 232, .g_sig = 240,
		.g_sigcode0 = 272, .g_sigcode1 = 280, .g_sigpc = 288, .g_gopc = 296, .g_startpc = 312,
		.gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40, .gobuf_bp = 48,
		.m_size = 1008, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192, .m_id = 232,
		.m_alllink = 336,
		.sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.ms_heapstats = 0, .ms_stacks_sys = 3544, .ms_mspan_sys = 3552, .ms_mcache_sys = 3560,
		.ms_buckhash_sys = 3568, .ms_gcmisc_sys = 3576, .ms_other_sys = 3584,
		.ms_last_gc_unix = 3592, .ms_pause_total_ns = 3600, .ms_numgc = 7704,
		.ms_last_gc_nanotime = 7720,
		.hsd_size = 1176, .hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16,
		.hsd_instacks = 24, .hsd_inworkbufs = 32, .hsd_inptrscalarbits = 40,
		.hsd_tinyalloccount = 48, .hsd_largealloc = 56, .hsd_largealloccount = 64,
		.hsd_smallalloccount = 72, .hsd_largefree = 616, .hsd_largefreecount = 624,
		.hsd_smallfreecount = 632, .hsd_n = 3,
		.nsizeclasses = 68,
		.mheap_allarenas = 66016,
	},
	{
		/* go1.20: runtime.g, m, gobuf and schedt of src/runtime/runtime2.go of
		 * go1.20.6 (read from github.com/GeeVong/GolangSrcReading1.20.6, a
		 * copy of the release) compared field by field with go1.19's: every
		 * field before the ones read keeps its size and alignment (g:
		 * parkingOnChan uint8 -> atomic.Bool, runnableStamp -> trackingStamp,
		 * atomicstatus uint32 -> atomic.Uint32, goid int64 -> uint64; m:
		 * isextra bool fills padding before freeWait; schedt: goidgen,
		 * lastpoll, pollUntil became atomic types of the same size), so the
		 * offsets are go1.19's. Not verified against a go1.20 binary (none can
		 * be built here). mstats/mheap of go1.20 were not available: no
		 * memory figures without DWARF. */
		.version_prefix = "go1.20", .have_mem = false,
		.g_size = 392, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56,
		.g_syscallsp = 112, .g_syscallpc = 120, .g_atomicstatus = 144, .g_goid = 152,
		.g_waitsince = 168, .g_waitreason = 176, .g_lockedm = 232, .g_sig = 240,
		.g_sigcode0 = 272, .g_sigcode1 = 280, .g_sigpc = 288, .g_gopc = 296, .g_startpc = 312,
		.gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40, .gobuf_bp = 48,
		.m_size = 1008, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192, .m_id = 232,
		.m_alllink = 336,
		.sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.hsd_n = 3, .nsizeclasses = 68,
	},
	{
		/* go1.21: from the DWARF of a go1.21 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.21", .have_mem = true,
		.g_size = 408, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 112,
		.g_syscallpc = 120, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 216, .g_sigcode0 = 248, .g_sigcode1 = 256,
		.g_sigpc = 264, .g_gopc = 280, .g_startpc = 296, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40,
		.gobuf_bp = 48, .m_size = 1008, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192,
		.m_id = 232, .m_alllink = 336, .sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.ms_heapstats = 0, .ms_stacks_sys = 3544, .ms_mspan_sys = 3552, .ms_mcache_sys = 3560,
		.ms_buckhash_sys = 3568, .ms_gcmisc_sys = 3576, .ms_other_sys = 3584, .ms_last_gc_unix = 3592,
		.ms_pause_total_ns = 3600, .ms_numgc = 7704, .ms_last_gc_nanotime = 7720, .hsd_size = 1176,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_inptrscalarbits = 40, .hsd_tinyalloccount = 48, .hsd_largealloc = 56,
		.hsd_largealloccount = 64, .hsd_smallalloccount = 72, .hsd_largefree = 616,
		.hsd_largefreecount = 624, .hsd_smallfreecount = 632, .hsd_n = 3, .nsizeclasses = 68,
		.mheap_allarenas = 66032,
	},
	{
		/* go1.22: from the DWARF of a go1.22 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.22", .have_mem = true,
		.g_size = 424, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 112,
		.g_syscallpc = 120, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 216, .g_sigcode0 = 248, .g_sigcode1 = 256,
		.g_sigpc = 264, .g_gopc = 280, .g_startpc = 296, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40,
		.gobuf_bp = 48, .m_size = 2024, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192,
		.m_id = 232, .m_alllink = 328, .sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.ms_heapstats = 0, .ms_stacks_sys = 3544, .ms_mspan_sys = 3552, .ms_mcache_sys = 3560,
		.ms_buckhash_sys = 3568, .ms_gcmisc_sys = 3576, .ms_other_sys = 3584, .ms_last_gc_unix = 3592,
		.ms_pause_total_ns = 3600, .ms_numgc = 7704, .ms_last_gc_nanotime = 7720, .hsd_size = 1176,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_inptrscalarbits = 40, .hsd_tinyalloccount = 48, .hsd_largealloc = 56,
		.hsd_largealloccount = 64, .hsd_smallalloccount = 72, .hsd_largefree = 616,
		.hsd_largefreecount = 624, .hsd_smallfreecount = 632, .hsd_n = 3, .nsizeclasses = 68,
		.mheap_allarenas = 66096,
	},
	{
		/* go1.23: from the DWARF of a go1.23 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.23", .have_mem = true,
		.g_size = 432, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 112,
		.g_syscallpc = 120, .g_atomicstatus = 152, .g_goid = 160, .g_waitsince = 176,
		.g_waitreason = 184, .g_lockedm = 216, .g_sig = 224, .g_sigcode0 = 256, .g_sigcode1 = 264,
		.g_sigpc = 272, .g_gopc = 288, .g_startpc = 304, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40,
		.gobuf_bp = 48, .m_size = 1760, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192,
		.m_id = 232, .m_alllink = 328, .sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.ms_heapstats = 0, .ms_stacks_sys = 3544, .ms_mspan_sys = 3552, .ms_mcache_sys = 3560,
		.ms_buckhash_sys = 3568, .ms_gcmisc_sys = 3576, .ms_other_sys = 3584, .ms_last_gc_unix = 3592,
		.ms_pause_total_ns = 3600, .ms_numgc = 7704, .ms_last_gc_nanotime = 7720, .hsd_size = 1176,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_inptrscalarbits = 40, .hsd_tinyalloccount = 48, .hsd_largealloc = 56,
		.hsd_largealloccount = 64, .hsd_smallalloccount = 72, .hsd_largefree = 616,
		.hsd_largefreecount = 624, .hsd_smallfreecount = 632, .hsd_n = 3, .nsizeclasses = 68,
		.mheap_allarenas = 66096,
	},
};

struct pccache;
struct priv {
	struct cr_core *core;
	struct cr_binary *bin;
	struct cr_pclntab *tab;
	const struct layout *L;
	struct layout Ldwarf;     /* the table (or go1.19) with DWARF's offsets over it */
	bool arm64;
	/* link-time entries of functions the unwinder treats specially */
	uint64_t f_sigreturn, f_sigtramp;
	/* ms: allm list (address, procid, id, g0, gsignal, curg) */
	struct mrec { uint64_t addr, procid, g0, gsignal, curg; int64_t id; } *ms;
	size_t nms;
	struct cr_symframe *fbuf; /* scratch for cr_pclntab_frames */
	struct cr_goglobals G;    /* where the runtime's globals are */
	/* C frames */
	unsigned flags;
	struct cr_native *native; bool native_tried;
	struct cr_dwarf *dwarf; bool dwarf_tried;
	struct libbin { const char *path; struct cr_binary *b; int64_t bias; bool ok; } libs[32];
	size_t nlibs;
	uint64_t f_asmcgocall;
	int64_t maxgoid;          /* highest goid in allgs (the sched check) */
	struct pccache *cache;
};

#define FBUF_MAX 64

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}
static inline uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void warnf(struct cr_gort *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct cr_gort *g, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (g->warn.len < 64 * 1024)
		cr_buf_addf(&g->warn, "%s\n", tmp);
}

const char *cr_gort_print_name(const char *function)
{
	return function && strcmp(function, "runtime.gopanic") == 0 ? "panic" : function;
}

/* Runtime address of a symbol; 0 if absent. */
static uint64_t sym_addr(struct cr_gort *g, const char *name)
{
	struct priv *P = g->priv;
	const struct cr_elf_symbol *s = cr_binary_symbol_by_name(P->bin, name);
	return s ? s->value + g->bias : 0;
}

/* A check of a candidate address (runtime) of a global in the core. */
typedef bool (*glob_check)(struct cr_gort *g, uint64_t addr);

/* Runtime address of a runtime global: its symbol, else the candidate
 * decoded from machine code that passes check in the core (the first one;
 * with check NULL, only a single candidate is taken). 0 if none. */
static uint64_t glob_addr(struct cr_gort *g, struct cr_goglobal *x, const char *name, glob_check check)
{
	if (x->how && strcmp(x->how, "symbol") == 0)
		return x->addr + g->bias;
	if (x->addr && !check)
		return x->addr + g->bias;
	for (size_t i = 0; i < x->ncand; i++)
		if (check && check(g, x->cand[i] + g->bias)) {
			x->addr = x->cand[i];
			return x->addr + g->bias;
		}
	if (x->ncand)
		warnf(g, "runtime.%s: no symbol, and none of the %zu addresses decoded from the runtime's machine code "
		      "looks right in the core", name, x->ncand);
	else if (!x->how)
		warnf(g, "runtime.%s: no symbol, and not found in the runtime's machine code", name);
	return 0;
}

/* A Go string (ptr, len) at addr, copied into the arena (capped at max). */
static const char *read_gostring(struct cr_gort *g, uint64_t addr, size_t max)
{
	struct priv *P = g->priv;
	uint64_t p, n;
	if (!cr_core_read_u64(P->core, addr, &p) || !cr_core_read_u64(P->core, addr + 8, &n))
		return NULL;
	if (n > max)
		n = max;
	char *s = cr_arena_alloc(&g->arena, (size_t)n + 1);
	if (!s)
		return NULL;
	size_t got = cr_core_read(P->core, p, s, (size_t)n);
	s[got] = 0;
	return got == n ? s : NULL;
}

/* An array of Go strings (a runtime global) as a table of C strings. */
static const char **read_string_table(struct cr_gort *g, struct cr_goglobal *x, const char *name, size_t *count)
{
	uint64_t size = x->size, a = glob_addr(g, x, name, NULL);
	*count = 0;
	if (!a || size % 16 || size / 16 > 4096)
		return NULL;
	size_t n = (size_t)(size / 16);
	const char **t = cr_arena_alloc(&g->arena, (n ? n : 1) * sizeof *t);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		t[i] = read_gostring(g, a + 16 * i, 256);
		if (!t[i])
			t[i] = "";
	}
	*count = n;
	return t;
}

/* ---------------------------------------------------------------- unwinding */

static bool is_named(const struct cr_gofunc *f, const char *name)
{
	return f->name && strcmp(f->name, name) == 0;
}

struct uctx {
	uint64_t curg_sched_pc, curg_sched_sp, curg_sched_lr;
	bool have_curg;
	bool on_g0;                     /* registers are on g0/gsignal: stack switches apply */
	int thread;                     /* index in core->threads for C frames; -1: none */
	uint64_t curg_call_pc, curg_call_sp; /* curg's syscallpc/sp (0: not in a syscall/cgo call) */
	bool have_seed;                 /* seed: registers a kernel signal frame saved */
	struct cr_native_regs seed;
};

/* The pc cache: each (pc, trap) is looked up and expanded once; stacks are
 * lists of cache entries, and equal lists share one struct cr_gstack. */
struct pcent {
	uint64_t key;          /* (link-time pc << 1 | trap) + 1; 0 = empty slot */
	struct cr_gofunc f;
	int32_t delta;
	bool valid, have_delta;
	uint32_t fstart, fn;   /* frames in pool */
};

struct pccache {
	struct pcent *ents; size_t cap, n;          /* entries, in insertion order */
	uint32_t *slots; size_t nslots;             /* open addressing: index+1 */
	struct cr_gframe_rt *pool; size_t npool, cap_pool;
	struct cr_hmap stacks;                      /* key: entry ids + stop text -> index */
	const struct cr_gstack **svec; size_t nsvec, cap_svec;
	uint32_t *ids; size_t nids, cap_ids;        /* scratch: entries of the stack being built */
};

static struct cr_gstack empty_stack = { 0 };

static const char *arena_fmt(struct cr_gort *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *arena_fmt(struct cr_gort *g, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	return cr_arena_strndup(&g->arena, tmp, strlen(tmp));
}

static bool pool_push(struct pccache *C, const struct cr_gframe_rt *f)
{
	if (cr_grow(&C->pool, &C->cap_pool, C->npool + 1, sizeof *C->pool))
		return false;
	C->pool[C->npool++] = *f;
	return true;
}

/* The cache entry of pc (runtime address); NULL on NOMEM. */
static const struct pcent *pc_lookup(struct cr_gort *g, uint64_t pc, bool trap, bool sigreturn_frame)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	uint64_t lpc = pc - g->bias;
	uint64_t key = ((lpc << 1) | (trap ? 1 : 0)) + 1;
	if (C->n * 2 >= C->nslots) {
		size_t ns = C->nslots ? C->nslots * 2 : 4096;
		uint32_t *sl = cr_calloc(ns, sizeof *sl);
		if (!sl)
			return NULL;
		for (size_t i = 0; i < C->n; i++) {
			size_t h = (size_t)(C->ents[i].key * 0x9e3779b97f4a7c15ull) & (ns - 1);
			while (sl[h])
				h = (h + 1) & (ns - 1);
			sl[h] = (uint32_t)i + 1;
		}
		cr_free(C->slots);
		C->slots = sl;
		C->nslots = ns;
	}
	size_t h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
	while (C->slots[h]) {
		struct pcent *e = &C->ents[C->slots[h] - 1];
		if (e->key == key)
			return e;
		h = (h + 1) & (C->nslots - 1);
	}
	if (cr_grow(&C->ents, &C->cap, C->n + 1, sizeof *C->ents))
		return NULL;
	struct pcent *e = &C->ents[C->n];
	memset(e, 0, sizeof *e);
	e->key = key;
	e->fstart = (uint32_t)C->npool;
	e->valid = cr_pclntab_find_func(P->tab, lpc, &e->f);
	if (!e->valid) {
		struct cr_gframe_rt fr = { .pc = pc, .function = "?", .file = "?" };
		if (!pool_push(C, &fr))
			return NULL;
	} else {
		e->have_delta = cr_pclntab_spdelta(P->tab, &e->f, lpc, &e->delta) && e->delta >= 0;
		uint64_t tracepc = lpc;
		if (!trap && lpc > e->f.entry)
			tracepc--;
		size_t n = sigreturn_frame ? 0 : cr_pclntab_frames(P->tab, tracepc, P->fbuf, FBUF_MAX);
		if (n == 0) {
			struct cr_gframe_rt fr = { .pc = pc, .entry = e->f.entry + g->bias,
						   .function = e->f.name, .file = "?", .line = 0 };
			int32_t ln = 0;
			if (cr_pclntab_line(P->tab, &e->f, tracepc, &fr.file, &ln))
				fr.line = ln;
			if (!pool_push(C, &fr))
				return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			struct cr_gframe_rt fr = {
				.pc = pc,
				.entry = (i + 1 == n ? e->f.entry : P->fbuf[i].entry) + g->bias,
				.function = P->fbuf[i].function, .file = P->fbuf[i].file,
				.line = P->fbuf[i].line, .inlined = i + 1 < n,
			};
			if (!pool_push(C, &fr))
				return NULL;
		}
	}
	e->fn = (uint32_t)(C->npool - e->fstart);
	size_t idx = C->n++;
	h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
	while (C->slots[h])
		h = (h + 1) & (C->nslots - 1);
	C->slots[h] = (uint32_t)idx + 1;
	return e;
}

static bool ids_push(struct pccache *C, const struct pcent *e)
{
	if (cr_grow(&C->ids, &C->cap_ids, C->nids + 1, sizeof *C->ids))
		return false;
	C->ids[C->nids++] = (uint32_t)(e - C->ents);
	return true;
}

/* The shared stack for the ids gathered in C->ids and stop. */
static const struct cr_gstack *intern_stack(struct cr_gort *g, const char *stop)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	struct cr_buf key = { 0 };
	if (cr_buf_add(&key, C->ids, C->nids * sizeof *C->ids) ||
	    (stop && cr_buf_add(&key, stop, strlen(stop))))
		goto nomem;
	bool found = false;
	uint32_t *v = cr_hmap_put(&C->stacks, key.data ? key.data : "", key.len, (uint32_t)C->nsvec, &found);
	cr_buf_release(&key);
	if (!v)
		return &empty_stack;
	if (found)
		return C->svec[*v];
	struct cr_gstack *S = cr_arena_alloc(&g->arena, sizeof *S);
	size_t nf = 0;
	for (size_t i = 0; i < C->nids; i++)
		nf += C->ents[C->ids[i]].fn;
	if (!S || cr_grow(&C->svec, &C->cap_svec, C->nsvec + 1, sizeof *C->svec))
		goto nomem;
	S->frames = nf ? cr_arena_alloc(&g->arena, nf * sizeof *S->frames) : NULL;
	S->nframes = 0;
	S->stop = stop ? cr_arena_strndup(&g->arena, stop, strlen(stop)) : NULL;
	if (nf && !S->frames)
		goto nomem;
	for (size_t i = 0; i < C->nids; i++) {
		const struct pcent *e = &C->ents[C->ids[i]];
		memcpy(S->frames + S->nframes, C->pool + e->fstart, e->fn * sizeof *S->frames);
		S->nframes += e->fn;
	}
	C->svec[C->nsvec++] = S;
	return S;
nomem:
	cr_buf_release(&key);
	warnf(g, "out of memory keeping a stack");
	return &empty_stack;
}

/* ---------------------------------------------------------------- C frames */

static bool native_ready(struct cr_gort *g)
{
	struct priv *P = g->priv;
	if (!P->native_tried) {
		P->native_tried = true;
		if (!(P->flags & CR_GORT_NO_NATIVE) && cr_native_available()) {
			struct cr_error e = { 0 };
			struct cr_buf w = { 0 };
			if (cr_native_open(&P->native, P->core, P->bin, &w, &e))
				warnf(g, "no C frames: %s", e.msg);
			else
				g->native_frames = true;
			if (w.len)
				warnf(g, "%.*s", (int)(w.len && w.data[w.len - 1] == '\n' ? w.len - 1 : w.len), w.data);
			cr_buf_release(&w);
		}
	}
	return P->native != NULL;
}

/* Frames of a C pc (runtime address): the executable's DWARF (inlined
 * frames too) or ELF symbols, else the mapped library's ELF symbols. */
static void native_symbolize(struct cr_gort *g, uint64_t pc, bool ret, struct cr_gframe_rt *out, size_t *n,
			     size_t max)
{
	struct priv *P = g->priv;
	*n = 0;
	const struct cr_core_file *f = NULL;
	for (size_t i = 0; i < P->core->nfiles; i++)
		if (pc >= P->core->files[i].start && pc < P->core->files[i].end)
			f = &P->core->files[i];
	const char *exe = cr_core_exe_path(P->core);
	uint64_t q = ret ? pc - 1 : pc;
	struct cr_gframe_rt fr = { .pc = pc, .function = "?", .file = "?", .native = true };
	if (!f || (exe && strcmp(f->path, exe) == 0)) {
		uint64_t lpc = q - g->bias;
		if (!P->dwarf_tried) {
			P->dwarf_tried = true;
			if (cr_dwarf_open(P->bin, &P->dwarf, NULL))
				P->dwarf = NULL;
		}
		struct cr_symframe sf[16];
		size_t k = P->dwarf ? cr_dwarf_frames(P->dwarf, lpc, sf, 16) : 0;
		for (size_t i = 0; i < k && *n < max; i++) {
			if (!sf[i].function || strcmp(sf[i].function, "??") == 0)
				continue;
			out[*n] = fr;
			out[*n].function = sf[i].function;
			out[*n].file = sf[i].file && strcmp(sf[i].file, "??") ? sf[i].file : "?";
			out[*n].line = sf[i].line;
			out[*n].entry = sf[i].entry ? sf[i].entry + g->bias : 0;
			out[*n].inlined = sf[i].inlined;
			(*n)++;
		}
		if (*n)
			return;
		const struct cr_elf_symbol *s = cr_binary_symbol_at(P->bin, lpc);
		if (s) {
			fr.function = s->name;
			fr.entry = s->value + g->bias;
		}
		if (exe)
			fr.file = exe;
		out[(*n)++] = fr;
		return;
	}
	/* a library: its ELF symbols */
	struct libbin *L = NULL;
	for (size_t i = 0; i < P->nlibs; i++)
		if (strcmp(P->libs[i].path, f->path) == 0)
			L = &P->libs[i];
	if (!L && P->nlibs < sizeof P->libs / sizeof *P->libs) {
		L = &P->libs[P->nlibs++];
		memset(L, 0, sizeof *L);
		L->path = f->path;
		/* the first mapping of the file gives the bias */
		for (size_t i = 0; i < P->core->nfiles; i++) {
			const struct cr_core_file *m = &P->core->files[i];
			if (strcmp(m->path, f->path) || m->offset)
				continue;
			const unsigned char *have = cr_core_ptr(P->core, m->start, 4096);
			if (have && !cr_binary_open_mapped(&L->b, f->path, have, 4096, NULL)) {
				/* only the file that was mapped: same ELF header as the dumped page */
				if (L->b->len < 64 || memcmp(L->b->data, have, 64) != 0 ||
				    cr_binary_bias_for_mapping(L->b, m->start, 0, &L->bias, NULL)) {
					cr_binary_close(L->b);
					L->b = NULL;
				} else
					L->ok = true;
			}
			break;
		}
	}
	fr.file = f->path;
	if (L && L->ok) {
		const struct cr_elf_symbol *s = cr_binary_symbol_at(L->b, (uint64_t)((int64_t)q - L->bias));
		if (s) {
			fr.function = s->name;
			fr.entry = (uint64_t)((int64_t)s->value + L->bias);
		}
	}
	out[(*n)++] = fr;
}

/* The cache entry of a C pc (separate key space from Go pcs). */
static const struct pcent *native_lookup(struct cr_gort *g, uint64_t pc, bool trap, bool sigframe)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	uint64_t key = ((((pc - g->bias) << 1) | (trap ? 1 : 0)) + 1) | ((uint64_t)1 << 63) |
		       (sigframe ? (uint64_t)1 << 62 : 0);
	if (C->nslots) {
		size_t h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
		while (C->slots[h]) {
			struct pcent *e = &C->ents[C->slots[h] - 1];
			if (e->key == key)
				return e;
			h = (h + 1) & (C->nslots - 1);
		}
	}
	/* make room through pc_lookup's table growth, then add by hand */
	if (!pc_lookup(g, pc, trap, false))
		return NULL;
	if (cr_grow(&C->ents, &C->cap, C->n + 1, sizeof *C->ents))
		return NULL;
	struct pcent *e = &C->ents[C->n];
	memset(e, 0, sizeof *e);
	e->key = key;
	e->fstart = (uint32_t)C->npool;
	struct cr_gframe_rt fr[16];
	size_t n = 0;
	native_symbolize(g, pc, !trap, fr, &n, 16);
	if (sigframe && n == 1 && strcmp(fr[0].function, "?") == 0)
		fr[0].function = "<signal handler called>"; /* the signal return trampoline, as gdb says */
	for (size_t i = 0; i < n; i++)
		if (!pool_push(C, &fr[i]))
			return NULL;
	e->fn = (uint32_t)(C->npool - e->fstart);
	size_t idx = C->n++;
	if (C->n * 2 >= C->nslots)
		return e; /* rehash happens on the next pc_lookup; find it by scan until then */
	size_t h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
	while (C->slots[h])
		h = (h + 1) & (C->nslots - 1);
	C->slots[h] = (uint32_t)idx + 1;
	return e;
}

/* Unwind C frames from the current registers (the thread's when first,
 * else the signal frame's seed) and push them. On return to Go code,
 * *pc and *sp are the Go frame's and the count of frames pushed is returned;
 * 0 when the C frames end the stack; -1 when there were none. */
static int native_frames(struct cr_gort *g, struct uctx *u, bool first, uint64_t *pc, uint64_t *sp, bool *trap)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	struct cr_native_frame nf[128];
	unsigned max = cr_limits.max_frames ? cr_limits.max_frames : 4096;
	size_t nn = cr_native_unwind(P->native, (size_t)u->thread, first ? NULL : &u->seed, nf,
				     max < 128 ? max : 128);
	if (nn == 0 || nf[0].pc != *pc)
		return -1; /* libunwind did not start where we are */
	int pushed = 0;
	for (size_t k = 0; k < nn; k++) {
		struct cr_gofunc gf;
		bool exact = k == 0 || nf[k].interrupted; /* not a return address */
		if (k > 0 && cr_pclntab_find_func(P->tab, nf[k].pc - g->bias, &gf)) {
			*pc = nf[k].pc;
			*sp = nf[k].sp;
			*trap = exact;
			return pushed;
		}
		const struct pcent *e = native_lookup(g, nf[k].pc, exact, k + 1 < nn && nf[k + 1].interrupted);
		if (!e || !ids_push(C, e))
			return pushed ? 0 : -1;
		pushed++;
	}
	return 0;
}

/* Unwind from pc/sp/lr. trap: pc is exact (registers, not a return address).
 * On amd64 a kernel signal frame is crossed through its ucontext. */
static const struct cr_gstack *unwind(struct cr_gort *g, uint64_t pc, uint64_t sp, uint64_t lr,
				      bool trap, struct uctx *u)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	char stopbuf[200];
	const char *stop = NULL;
	unsigned max = cr_limits.max_frames ? cr_limits.max_frames : 4096;
	bool waspanic = false, first = true;
	uint64_t prev_sp = 0;
	unsigned physical = 0;
	C->nids = 0;
#define STOP(...) do { snprintf(stopbuf, sizeof stopbuf, __VA_ARGS__); stop = stopbuf; } while (0)
	for (;;) {
		if (physical >= max) {
			STOP("stack deeper than %u frames: cut", max);
			break;
		}
		if (pc == 0) {
			if (first)
				STOP("no pc");
			break;
		}
		bool sigret = !P->arm64 && P->f_sigreturn && !first && pc - g->bias == P->f_sigreturn;
		const struct pcent *e = pc_lookup(g, pc, trap || waspanic || sigret, sigret);
		if (!e) {
			STOP("out of memory");
			break;
		}
		if (!e->valid) {
			/* C code: native frames from the registers we have (the
			 * thread's, or a signal frame's), back to Go where they return
			 * into it (asmcgocall, then the goroutine that called C) */
			if (u->thread >= 0 && native_ready(g)) {
				if (!first && !u->have_seed) {
					/* a C return address (libc's __restore_rt after a Go
					 * signal handler in a cgo program): pc and the caller's
					 * sp are all we know; enough for CFA-based CFI */
					memset(&u->seed, 0, sizeof u->seed);
					u->seed.r[16] = pc;
					u->seed.r[7] = sp;
					u->seed.have[16] = u->seed.have[7] = true;
					u->have_seed = true;
				}
				bool ntrap = false;
				int r = native_frames(g, u, first, &pc, &sp, &ntrap);
				if (r > 0) {
					physical += (unsigned)r;
					lr = 0;
					trap = ntrap;
					first = false;
					waspanic = false;
					prev_sp = 0;
					u->have_seed = false;
					continue;
				}
				if (r == 0)
					break; /* the C frames end the stack */
			}
			STOP("pc 0x%llx is not in Go code (C or unknown code; not unwound)",
			     (unsigned long long)pc);
			ids_push(C, e);
			break;
		}
		const struct cr_gofunc *f = &e->f;
		/* The kernel's signal return trampoline: the saved context follows. */
		if (sigret) {
			ids_push(C, e);
			physical++;
			/* sp points at struct ucontext: uc_flags, uc_link, uc_stack (24), then
			 * sigcontext r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip */
			uint64_t mc = sp + 40, nrip, nrsp;
			if (!cr_core_read_u64(P->core, mc + 16 * 8, &nrip) ||
			    !cr_core_read_u64(P->core, mc + 15 * 8, &nrsp)) {
				STOP("signal frame at 0x%llx unreadable", (unsigned long long)sp);
				break;
			}
			/* all of it, for C frames: sigcontext order -> DWARF numbering */
			static const int dw[17] = { 8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16 };
			memset(&u->seed, 0, sizeof u->seed);
			for (int k = 0; k < 17; k++)
				u->seed.have[dw[k]] = cr_core_read_u64(P->core, mc + 8 * (uint64_t)k, &u->seed.r[dw[k]]);
			u->have_seed = true;
			pc = nrip;
			sp = nrsp;
			lr = 0;
			trap = true;
			waspanic = false;
			prev_sp = 0;
			u->on_g0 = false;
			continue;
		}
		/* asmcgocall runs C on g0; the goroutine that called it (cgocall,
		 * in syscall state) has its sched saved: continue there */
		if (P->f_asmcgocall && f->entry == P->f_asmcgocall && !first && u->have_curg) {
			if (!ids_push(C, e)) {
				STOP("out of memory");
				break;
			}
			physical++;
			pc = u->curg_call_sp ? u->curg_call_pc : u->curg_sched_pc;
			sp = u->curg_call_sp ? u->curg_call_sp : u->curg_sched_sp;
			lr = u->curg_call_sp ? 0 : u->curg_sched_lr;
			u->have_curg = false;
			u->on_g0 = false;
			prev_sp = 0;
			trap = false;
			continue;
		}
		/* g0 -> goroutine stack switches (gentraceback's _TraceJumpStack) */
		if (u->on_g0 && u->have_curg) {
			if (is_named(f, "runtime.morestack")) {
				pc = u->curg_sched_pc;
				sp = u->curg_sched_sp;
				lr = u->curg_sched_lr;
				u->on_g0 = false;
				prev_sp = 0;
				e = pc_lookup(g, pc, false, false);
				if (!e || !e->valid) {
					STOP("morestack: goroutine pc unknown");
					break;
				}
				f = &e->f;
			} else if (is_named(f, "runtime.systemstack")) {
				if (!(P->arm64 && e->have_delta && e->delta == 0)) {
					sp = u->curg_sched_sp;
					u->on_g0 = false;
					prev_sp = 0;
				}
			}
		}
		if (!ids_push(C, e)) {
			STOP("out of memory");
			break;
		}
		physical++;
		if (!e->have_delta) {
			STOP("no frame size for %s at pc 0x%llx", f->name, (unsigned long long)pc);
			break;
		}
		uint64_t fp = sp + (uint64_t)e->delta + (P->arm64 ? 0 : 8);
		bool sigtramp = P->f_sigtramp && f->entry == P->f_sigtramp;
		if ((f->flag & 1) && !(sigtramp && !P->arm64)) /* funcFlag_TOPFRAME */
			break; /* goexit, mstart, rt0_go: the end of this stack */
		if ((f->flag & 2) && !first && !sigtramp) { /* funcFlag_SPWRITE */
			STOP("%s writes SP: cannot unwind past it", f->name);
			break;
		}
		uint64_t nlr;
		if (P->arm64) {
			if ((first && sp < fp) || lr == 0) {
				if (!cr_core_read_u64(P->core, sp, &nlr)) {
					STOP("unreadable memory at 0x%llx (return address)", (unsigned long long)sp);
					break;
				}
			} else
				nlr = lr;
		} else if (!cr_core_read_u64(P->core, fp - 8, &nlr)) {
			STOP("unreadable memory at 0x%llx (return address)", (unsigned long long)(fp - 8));
			break;
		}
		waspanic = is_named(f, "runtime.sigpanic");
		bool injected = waspanic || is_named(f, "runtime.asyncPreempt") ||
				(f->name && strncmp(f->name, "runtime.debugCall", 17) == 0);
		if (nlr == pc && fp == sp) {
			STOP("unwinding is stuck (cyclic stack)");
			break;
		}
		if (!first && prev_sp && fp <= prev_sp && !sigtramp) {
			STOP("stack pointer went backwards (corrupt or cyclic stack)");
			break;
		}
		prev_sp = sp;
		pc = nlr;
		lr = 0;
		sp = fp;
		trap = false;
		first = false;
		if (P->arm64 && injected) {
			uint64_t x;
			if (!cr_core_read_u64(P->core, sp, &x)) {
				STOP("unreadable memory after an injected call");
				break;
			}
			sp += 16;
			const struct pcent *e2 = pc_lookup(g, pc, false, false);
			if (!e2 || !e2->valid)
				pc = x;
			else if (e2->have_delta && e2->delta == 0)
				lr = x;
		}
	}
#undef STOP
	return intern_stack(g, stop);
}

static void cache_release(struct pccache *C)
{
	if (!C)
		return;
	cr_free(C->ents);
	cr_free(C->slots);
	cr_free(C->pool);
	cr_free(C->svec);
	cr_free(C->ids);
	cr_hmap_release(&C->stacks);
	cr_free(C);
}

/* ---------------------------------------------------------------- reading */

static const char *known_layouts(void)
{
	static char buf[128];
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof layouts / sizeof *layouts && o + 12 < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", layouts[i].version_prefix);
	return buf;
}

static const struct layout *layout_for(const char *version)
{
	for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++)
		if (version && strncmp(version, layouts[i].version_prefix, strlen(layouts[i].version_prefix)) == 0) {
			char c = version[strlen(layouts[i].version_prefix)];
			if (c == 0 || c == '.' || c == ' ' || c == '-' || c == 'r' || c == 'b' || c == 'X')
				return &layouts[i];
		}
	return NULL;
}

/* Check that core and binary belong together: the build id notes of the
 * binary must be in the core's dumped pages where it has them. */
static enum cr_err check_build_id(struct cr_gort *g, struct cr_error *e)
{
	struct priv *P = g->priv;
	static const char *const notes[] = { ".note.go.buildid", ".note.gnu.build-id" };
	int checked = 0;
	for (size_t k = 0; k < 2; k++) {
		struct cr_elf_section *s = cr_binary_section(P->bin, notes[k]);
		if (!s || !s->addr || s->file_size == 0 || s->file_size > 4096)
			continue;
		const uint8_t *want = cr_binary_ptr(P->bin, s->addr, (size_t)s->file_size);
		const unsigned char *have = cr_core_ptr(P->core, s->addr + g->bias, (size_t)s->file_size);
		if (!want || !have)
			continue;
		checked++;
		if (memcmp(want, have, (size_t)s->file_size) != 0) {
			const char *bid = P->bin->go_build_id[0] ? P->bin->go_build_id : P->bin->gnu_build_id;
			/* show what the core holds: the note's desc after its 16-byte header+name */
			char coreid[129] = "";
			size_t hdr = 12 + ((rd32(have) + 3) & ~3u);
			size_t dl = rd32(have + 4);
			if (hdr < s->file_size && dl <= s->file_size - hdr) {
				size_t o = 0;
				for (size_t i = 0; i < dl && o + 3 < sizeof coreid; i++) {
					unsigned char ch = have[hdr + i];
					if (k == 0)
						coreid[o++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
					else
						o += (size_t)snprintf(coreid + o, sizeof coreid - o, "%02x", ch);
				}
				coreid[o] = 0;
			}
			return cr_fail(e, CR_FORMAT,
				       "%s: core: was not produced by %s: build id mismatch (core has %s, binary has %s)",
				       P->core->name, P->bin->path, coreid[0] ? coreid : "another id", bid);
		}
	}
	if (!checked) {
		/* The kernel dumps the first page of every ELF file mapping: compare
		 * the executable's with the binary's (the Go build id note usually
		 * lies in it). */
		const char *exe = cr_core_exe_path(P->core);
		for (size_t i = 0; exe && i < P->core->nfiles; i++) {
			const struct cr_core_file *f = &P->core->files[i];
			if (f->offset != 0 || strcmp(f->path, exe) != 0)
				continue;
			size_t n = P->bin->len < 4096 ? P->bin->len : 4096;
			const unsigned char *have = cr_core_ptr(P->core, f->start, n);
			if (!have)
				break;
			checked++;
			if (memcmp(have, P->bin->data, n) != 0) {
				char coreid[129] = "";
				for (size_t k = 16; k + 4 <= n; k++)
					if (memcmp(have + k, "Go\0\0", 4) == 0 && rd32(have + k - 12) == 4 &&
					    rd32(have + k - 4) == 4) {
						size_t dl = rd32(have + k - 8), o = 0;
						for (size_t x = 0; x < dl && k + 4 + x < n && o + 1 < sizeof coreid; x++) {
							unsigned char ch = have[k + 4 + x];
							if (!ch)
								break;
							coreid[o++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
						}
						coreid[o] = 0;
						break;
					}
				const char *bid = P->bin->go_build_id[0] ? P->bin->go_build_id : P->bin->gnu_build_id;
				return cr_fail(e, CR_FORMAT,
					       "%s: core: was not produced by %s: build id mismatch (core has %s, binary has %s)",
					       P->core->name, P->bin->path, coreid[0] ? coreid : "another id",
					       bid[0] ? bid : "none");
			}
			break;
		}
	}
	if (!checked)
		warnf(g, "%s: core: cannot verify that it belongs to %s (build id not in the dumped pages)",
		      P->core->name, P->bin->path);
	return CR_OK;
}

static uint64_t g_u64(const unsigned char *gb, unsigned off) { return rd64(gb + off); }

/* ---------------------------------------------------------------- globals
 * Checks of candidate addresses of runtime globals in the core (binaries
 * without symbols: lib/gort/globals.c finds the candidates). */

static bool plausible_g(struct cr_gort *g, uint64_t ga)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	unsigned char gb[1024];
	if (!ga || L->g_size > sizeof gb || cr_core_read(P->core, ga, gb, L->g_size) != L->g_size)
		return false;
	uint32_t st = rd32(gb + L->g_atomicstatus) & ~(uint32_t)CR_G_SCAN;
	int64_t goid = (int64_t)rd64(gb + L->g_goid);
	return st <= 9 && goid >= 0 && goid < ((int64_t)1 << 48) && rd64(gb + L->g_stack_lo) <= rd64(gb + L->g_stack_hi);
}

/* allgs: a slice (ptr, len <= cap) whose first element is a g */
static bool check_allgs(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t p, n, cap, g0;
	return cr_core_read_u64(P->core, a, &p) && cr_core_read_u64(P->core, a + 8, &n) &&
	       cr_core_read_u64(P->core, a + 16, &cap) && n > 0 && n <= cap &&
	       cap <= (uint64_t)P->core->in.len / 8 && cr_core_read_u64(P->core, p, &g0) && plausible_g(g, g0);
}

/* allm: points to an m whose procid is a thread of the core */
static bool check_allm(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t m, procid, g0;
	if (!cr_core_read_u64(P->core, a, &m) || !m || !cr_core_read_u64(P->core, m + P->L->m_procid, &procid) ||
	    !cr_core_read_u64(P->core, m + P->L->m_g0, &g0) || !g0)
		return false;
	for (size_t i = 0; i < P->core->nthreads; i++)
		if ((uint64_t)P->core->threads[i].tid == procid)
			return true;
	return false;
}

/* sched: goidgen (offset 0) is at least every goid handed out, and not far
 * above (ids are handed out to Ps in batches of 16) */
static bool check_sched(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t gen, mnext;
	uint32_t maxmcount;
	/* and mnext (Ms created so far) covers the threads, maxmcount is a
	 * thread limit (10000 unless debug.SetMaxThreads changed it) */
	return cr_core_read_u64(P->core, a, &gen) && P->maxgoid > 0 && gen >= (uint64_t)P->maxgoid &&
	       gen - (uint64_t)P->maxgoid < ((uint64_t)1 << 24) &&
	       cr_core_read_u64(P->core, a + P->L->sched_mnext, &mnext) && mnext >= P->core->nthreads &&
	       mnext < 1000000 && cr_core_read_u32(P->core, a + P->L->sched_maxmcount, &maxmcount) &&
	       maxmcount >= 1 && maxmcount <= 100000000;
}

/* mheap_: allArenas is a slice of arena indices, 0 < len <= cap */
static bool check_mheap(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t p, n, cap, idx;
	uint64_t o = a + P->L->mheap_allarenas;
	return cr_core_read_u64(P->core, o, &p) && cr_core_read_u64(P->core, o + 8, &n) &&
	       cr_core_read_u64(P->core, o + 16, &cap) && n > 0 && n <= cap && cap < ((uint64_t)1 << 22) &&
	       cr_core_read_u64(P->core, p, &idx) && idx < ((uint64_t)1 << 22);
}

/* memstats: heap stats that add up (0 < in heap <= committed, released >= 0;
 * released is counted apart from committed), sane *_sys figures and GC count */
static bool check_memstats(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	if (P->G.mheap.addr && a == P->G.mheap.addr + g->bias)
		return false;
	int64_t committed = 0, released = 0, inheap = 0;
	for (unsigned k = 0; k < L->hsd_n; k++) {
		uint64_t base = a + L->ms_heapstats + (uint64_t)k * L->hsd_size, v1, v2, v3;
		if (!cr_core_read_u64(P->core, base + L->hsd_committed, &v1) ||
		    !cr_core_read_u64(P->core, base + L->hsd_released, &v2) ||
		    !cr_core_read_u64(P->core, base + L->hsd_inheap, &v3))
			return false;
		/* wrapping sums (Go's int64 arithmetic): hostile cores overflow */
		committed = (int64_t)((uint64_t)committed + v1);
		released = (int64_t)((uint64_t)released + v2);
		inheap = (int64_t)((uint64_t)inheap + v3);
	}
	if (committed <= 0 || inheap <= 0 || inheap > committed || released < 0)
		return false;
	unsigned offs[] = { L->ms_stacks_sys, L->ms_mspan_sys, L->ms_mcache_sys, L->ms_buckhash_sys,
			    L->ms_gcmisc_sys, L->ms_other_sys };
	for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
		uint64_t v;
		if (!cr_core_read_u64(P->core, a + offs[i], &v) || v >= ((uint64_t)1 << 44))
			return false;
	}
	uint32_t numgc;
	return cr_core_read_u32(P->core, a + L->ms_numgc, &numgc) && numgc < (1u << 30);
}

static void read_ms(struct cr_gort *g)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	uint64_t a = glob_addr(g, &P->G.allm, "allm", check_allm), m;
	if (!a || !cr_core_read_u64(P->core, a, &m))
		return;
	size_t cap = 0;
	/* read up to the last field used, not the whole runtime.m (1000+ bytes
	 * and growing: past 1 KiB in go1.23) */
	unsigned need = 0, used[] = { L->m_procid, L->m_g0, L->m_gsignal, L->m_curg, L->m_id, L->m_alllink };
	for (size_t i = 0; i < sizeof used / sizeof *used; i++)
		if (used[i] + 8 > need)
			need = used[i] + 8;
	for (size_t guard = 0; m && guard < 100000; guard++) {
		unsigned char mb[4096];
		if (need > sizeof mb || cr_core_read(P->core, m, mb, need) != need) {
			warnf(g, "runtime.m at 0x%llx unreadable", (unsigned long long)m);
			break;
		}
		if (cr_grow(&P->ms, &cap, P->nms + 1, sizeof *P->ms))
			break;
		struct mrec *r = &P->ms[P->nms++];
		r->addr = m;
		r->procid = rd64(mb + L->m_procid);
		r->g0 = rd64(mb + L->m_g0);
		r->gsignal = rd64(mb + L->m_gsignal);
		r->curg = rd64(mb + L->m_curg);
		r->id = (int64_t)rd64(mb + L->m_id);
		uint64_t next = rd64(mb + L->m_alllink);
		for (size_t i = 0; i < P->nms; i++)
			if (P->ms[i].addr == next)
				next = 0; /* cycle */
		m = next;
	}
}

static struct mrec *m_by_addr(struct priv *P, uint64_t a)
{
	for (size_t i = 0; i < P->nms; i++)
		if (P->ms[i].addr == a)
			return &P->ms[i];
	return NULL;
}

static struct mrec *m_by_tid(struct priv *P, int32_t tid)
{
	for (size_t i = 0; i < P->nms; i++)
		if ((int64_t)P->ms[i].procid == tid)
			return &P->ms[i];
	return NULL;
}

/* Read gobuf sched of the g at addr. */
static bool read_sched(struct cr_gort *g, uint64_t gaddr, uint64_t *pc, uint64_t *sp, uint64_t *lr)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	uint64_t b = gaddr + L->g_sched;
	*lr = 0;
	return cr_core_read_u64(P->core, b + L->gobuf_pc, pc) &&
	       cr_core_read_u64(P->core, b + L->gobuf_sp, sp) &&
	       (!P->arm64 || cr_core_read_u64(P->core, b + L->gobuf_lr, lr));
}

static void read_mem(struct cr_gort *g)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	struct cr_gort_mem *M = &g->mem;
	if (!L->have_mem) {
		warnf(g, "no memory figures: the offsets of runtime.mstats/mheap for %s are not known without DWARF",
		      g->go_version);
		return;
	}
	uint64_t mh = glob_addr(g, &P->G.mheap, "mheap_", check_mheap), sp, sl;
	uint64_t ms = glob_addr(g, &P->G.memstats, "memstats", check_memstats);
	if (!ms)
		return;
	uint64_t v[16] = { 0 };
	/* heapStats: sum of all generations, as consistentHeapStats.unsafeRead */
	int64_t committed = 0, released = 0, inheap = 0, instacks = 0, inwb = 0, inpsb = 0;
	uint64_t tiny = 0, lalloc = 0, lallocn = 0, lfree = 0, lfreen = 0, salloc = 0, sfree = 0;
	uint64_t csize_addr, csize_len = 0;
	csize_addr = glob_addr(g, &P->G.class_to_size, "class_to_size", NULL);
	(void)csize_len;
	uint16_t csz[128] = { 0 };
	bool have_sizes = csize_addr && L->nsizeclasses <= 128 &&
			  cr_core_read(P->core, csize_addr, csz, L->nsizeclasses * 2) == L->nsizeclasses * 2;
	bool ok = true;
	for (unsigned k = 0; k < L->hsd_n && ok; k++) {
		unsigned char hb[2048];
		uint64_t base = ms + L->ms_heapstats + (uint64_t)k * L->hsd_size;
		if (L->hsd_size > sizeof hb || cr_core_read(P->core, base, hb, L->hsd_size) != L->hsd_size) {
			ok = false;
			break;
		}
		/* wrapping sums (Go's int64 arithmetic): hostile cores overflow */
		committed = (int64_t)((uint64_t)committed + rd64(hb + L->hsd_committed));
		released = (int64_t)((uint64_t)released + rd64(hb + L->hsd_released));
		inheap = (int64_t)((uint64_t)inheap + rd64(hb + L->hsd_inheap));
		instacks = (int64_t)((uint64_t)instacks + rd64(hb + L->hsd_instacks));
		inwb = (int64_t)((uint64_t)inwb + rd64(hb + L->hsd_inworkbufs));
		inpsb = (int64_t)((uint64_t)inpsb + rd64(hb + L->hsd_inptrscalarbits));
		tiny += rd64(hb + L->hsd_tinyalloccount);
		lalloc += rd64(hb + L->hsd_largealloc);
		lallocn += rd64(hb + L->hsd_largealloccount);
		lfree += rd64(hb + L->hsd_largefree);
		lfreen += rd64(hb + L->hsd_largefreecount);
		for (unsigned i = 0; i < L->nsizeclasses; i++) {
			uint64_t a = rd64(hb + L->hsd_smallalloccount + 8 * i);
			uint64_t f = rd64(hb + L->hsd_smallfreecount + 8 * i);
			salloc += a * csz[i];
			sfree += f * csz[i];
			v[0] += a;
			v[1] += f;
		}
	}
	unsigned offs[] = { L->ms_stacks_sys, L->ms_mspan_sys, L->ms_mcache_sys, L->ms_buckhash_sys,
			    L->ms_gcmisc_sys, L->ms_other_sys, L->ms_last_gc_unix, L->ms_pause_total_ns };
	uint64_t sysv[8];
	for (size_t i = 0; i < 8 && ok; i++)
		ok = cr_core_read_u64(P->core, ms + offs[i], &sysv[i]);
	uint32_t numgc = 0;
	if (ok)
		ok = cr_core_read_u32(P->core, ms + L->ms_numgc, &numgc);
	if (!ok) {
		warnf(g, "runtime.memstats unreadable in the core: no memory figures");
		return;
	}
	M->present = true;
	M->heap_inuse = (uint64_t)inheap;
	M->heap_released = (uint64_t)released;
	int64_t retained = (int64_t)((uint64_t)committed - (uint64_t)instacks - (uint64_t)inwb - (uint64_t)inpsb);
	M->heap_idle = ((uint64_t)retained - (uint64_t)inheap) + (uint64_t)released;
	M->heap_sys = M->heap_inuse + M->heap_idle;
	M->stack_inuse = (uint64_t)instacks;
	M->stack_sys = (uint64_t)instacks + sysv[0];
	M->mspan_sys = sysv[1];
	M->mcache_sys = sysv[2];
	M->buckhash_sys = sysv[3];
	M->gc_sys = sysv[4] + (uint64_t)inwb + (uint64_t)inpsb;
	M->other_sys = sysv[5];
	M->last_gc_unix = sysv[6];
	M->pause_total_ns = sysv[7];
	M->num_gc = numgc;
	M->sys = M->heap_sys + M->stack_sys + M->mspan_sys + M->mcache_sys + M->buckhash_sys +
		 M->gc_sys + M->other_sys;
	if (have_sizes) {
		M->have_alloc = true;
		M->total_alloc = lalloc + salloc;
		M->mallocs = lallocn + v[0] + tiny;
		M->frees = lfreen + v[1] + tiny;
		M->heap_alloc = M->total_alloc - (lfree + sfree);
	}
	/* arenas */
	M->arena_bytes = (uint64_t)64 << 20;
	if (mh && cr_core_read_u64(P->core, mh + L->mheap_allarenas, &sp) &&
	    cr_core_read_u64(P->core, mh + L->mheap_allarenas + 8, &sl) && sl < (1u << 22)) {
		uint64_t base = P->arm64 ? 0 : 0xffff800000000000ull;
		size_t cap = 0;
		for (uint64_t i = 0; i < sl; i++) {
			uint64_t idx;
			if (!cr_core_read_u64(P->core, sp + 8 * i, &idx))
				break;
			uint64_t start = idx * M->arena_bytes + base, end = start + M->arena_bytes;
			if (M->narenas && M->arenas[M->narenas - 1].end == start) {
				M->arenas[M->narenas - 1].end = end;
				continue;
			}
			if (cr_grow(&M->arenas, &cap, M->narenas + 1, sizeof *M->arenas))
				break;
			M->arenas[M->narenas].start = start;
			M->arenas[M->narenas].end = end;
			M->narenas++;
		}
	}
	uint64_t lgn;
	if (cr_core_read_u64(P->core, ms + L->ms_last_gc_nanotime, &lgn) && (int64_t)lgn > g->now)
		g->now = (int64_t)lgn;
}

static const char *func_name_at(struct cr_gort *g, uint64_t pc, struct cr_gofunc *f)
{
	struct priv *P = g->priv;
	if (!pc || !cr_pclntab_find_func(P->tab, pc - g->bias, f))
		return NULL;
	return f->name;
}

static bool stack_in(uint64_t sp, uint64_t lo, uint64_t hi) { return sp >= lo && sp < hi; }

/* ---------------------------------------------------------------- DWARF layouts
 * Offsets of the fields gort reads, from the binary's own DWARF types
 * (DW_TAG_member DW_AT_data_member_location of runtime.g, ...), so that a
 * Go version without a table works when it has DWARF. A field is
 * type.member (+ type2.member2 for a nested struct, e.g. g.stack + stack.lo);
 * member NULL means the type's byte size. Fields DWARF does not have keep
 * the table's value (counted in missing). */
struct dwfield {
	size_t off;          /* offsetof(struct layout, ...) */
	const char *type, *member, *type2, *member2;
};
#define F(fld, t, m) { offsetof(struct layout, fld), t, m, NULL, NULL }
#define F2(fld, t, m, t2, m2) { offsetof(struct layout, fld), t, m, t2, m2 }
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
	F(hsd_inptrscalarbits, "runtime.heapStatsDelta", "inPtrScalarBits"),
	F(hsd_tinyalloccount, "runtime.heapStatsDelta", "tinyAllocCount"),
	F(hsd_largealloc, "runtime.heapStatsDelta", "largeAlloc"),
	F(hsd_largealloccount, "runtime.heapStatsDelta", "largeAllocCount"),
	F(hsd_smallalloccount, "runtime.heapStatsDelta", "smallAllocCount"),
	F(hsd_largefree, "runtime.heapStatsDelta", "largeFree"),
	F(hsd_largefreecount, "runtime.heapStatsDelta", "largeFreeCount"),
	F(hsd_smallfreecount, "runtime.heapStatsDelta", "smallFreeCount"),
	F(mheap_allarenas, "runtime.mheap", "allArenas"),
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

/* Fill *out from base with the offsets DWARF gives. Returns how many
 * fields came from DWARF (0: no DWARF or no runtime types); *missing: how
 * many kept base's value. */
static size_t layout_from_dwarf(struct cr_binary *b, const struct layout *base, struct layout *out,
				size_t *missing, struct cr_error *e)
{
	static const char *const types[] = { "runtime.g", "runtime.stack", "runtime.gobuf", "runtime.m",
					     "runtime.schedt", "runtime.mstats", "runtime.consistentHeapStats",
					     "runtime.heapStatsDelta", "runtime.mheap" };
	*out = *base;
	*missing = 0;
	struct dwcollect C = { 0 };
	if (cr_dwarf_struct_members(b, types, sizeof types / sizeof *types, dw_member, &C, e) || C.nomem) {
		cr_free(C.v);
		return 0;
	}
	size_t n = 0;
	bool mem_missing = false;
	for (size_t i = 0; i < sizeof dwfields / sizeof *dwfields; i++) {
		const struct dwfield *f = &dwfields[i];
		uint64_t o1, o2 = 0;
		if (!dw_find(&C, f->type, f->member, &o1) || (f->type2 && !dw_find(&C, f->type2, f->member2, &o2)) ||
		    o1 + o2 > UINT32_MAX) {
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
	cr_free(C.v);
	/* memory figures need every mstats/heapStatsDelta/mheap field */
	out->have_mem = !mem_missing || base->have_mem;
	return n;
}

int cr_gort_layout_check(struct cr_binary *b, const char *version, size_t *nfields, struct cr_buf *report)
{
	const struct layout *t = layout_for(version);
	if (!t)
		return -1;
	struct layout d;
	size_t missing = 0;
	struct cr_error e = { 0 };
	size_t n = layout_from_dwarf(b, t, &d, &missing, &e);
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

enum cr_err cr_gort_open(struct cr_gort *g, struct cr_core *c, struct cr_binary *b, struct cr_error *e)
{
	return cr_gort_open_flags(g, c, b, 0, e);
}

enum cr_err cr_gort_open_flags(struct cr_gort *g, struct cr_core *c, struct cr_binary *b, unsigned flags,
			       struct cr_error *e)
{
	memset(g, 0, sizeof *g);
	cr_arena_init(&g->arena);
	g->crash_goid = -1;
	g->go_sig_goid = -1;
	struct priv *P = cr_calloc(1, sizeof *P);
	if (!P)
		return cr_fail(e, CR_NOMEM, "out of memory");
	g->priv = P;
	P->core = c;
	P->bin = b;
	P->arm64 = c->arch == CR_ARCH_ARM64;
	g->arch = cr_arch_name(c->arch);
	enum cr_err rc = CR_OK;
	if ((c->arch == CR_ARCH_AMD64 && b->machine != CR_EM_X86_64) ||
	    (c->arch == CR_ARCH_ARM64 && b->machine != CR_EM_AARCH64))
		return cr_fail(e, CR_FORMAT, "%s: core: was not produced by %s: core is %s, binary is %s",
			       c->name, b->path, g->arch, cr_binary_arch(b));
	P->fbuf = cr_calloc(FBUF_MAX, sizeof *P->fbuf);
	P->cache = cr_calloc(1, sizeof *P->cache);
	if (P->cache)
		cr_hmap_init(&P->cache->stacks);
	if (!P->fbuf || !P->cache)
		return cr_fail(e, CR_NOMEM, "out of memory");
	rc = cr_pclntab_open(b, &P->tab, e);
	if (rc)
		return rc == CR_NOTFOUND ? cr_fail(e, CR_FORMAT, "%s: not a Go binary (no pclntab)", b->path) : rc;

	/* load bias: AT_ENTRY is the relocated e_entry */
	if (c->auxv_entry && b->entry)
		g->bias = c->auxv_entry - b->entry;
	if ((rc = check_build_id(g, e)))
		return rc;
	/* pages the kernel did not dump (text, rodata) come from the binary */
	if (!cr_core_attach_file(c, NULL, b->data, b->len))
		warnf(g, "%s: core: no NT_FILE mapping of the executable: text and read-only data are not readable",
		      c->name);

	struct cr_gofunc f;
	if (cr_pclntab_func_by_name(P->tab, "runtime.sigreturn", &f) ||
	    cr_pclntab_func_by_name(P->tab, "runtime.sigreturn__sigaction", &f))
		P->f_sigreturn = f.entry;
	if (cr_pclntab_func_by_name(P->tab, "runtime.sigtramp", &f))
		P->f_sigtramp = f.entry;
	if (cr_pclntab_func_by_name(P->tab, "runtime.asmcgocall", &f))
		P->f_asmcgocall = f.entry;
	P->flags = flags;

	cr_goglobals_find(b, P->tab, !(flags & CR_GORT_NO_SYMBOLS), &P->G);
	uint64_t bv = flags & CR_GORT_NO_SYMBOLS ? 0 : sym_addr(g, "runtime.buildVersion");
	g->go_version = bv ? read_gostring(g, bv, 64) : NULL;
	if (!g->go_version && P->G.go_version[0])
		g->go_version = cr_arena_strndup(&g->arena, P->G.go_version, strlen(P->G.go_version));
	if (!g->go_version) {
		g->go_version = "";
		warnf(g, "Go version unknown (no runtime.buildVersion symbol, no .go.buildinfo)");
	}
	g->globals_from_code = P->G.allgs.how && strcmp(P->G.allgs.how, "machine code") == 0;
	P->L = layout_for(g->go_version);
	const struct layout *table = P->L;
	size_t missing = 0, from_dwarf = 0;
	if (!(flags & CR_GORT_NO_DWARF)) {
		struct cr_error de = { 0 };
		/* no table for this version: go1.19's for what DWARF lacks, but
		 * never its memory offsets */
		struct layout fb = layouts[0];
		fb.have_mem = false;
		from_dwarf = layout_from_dwarf(b, P->L ? P->L : &fb, &P->Ldwarf, &missing, &de);
		if (from_dwarf) {
			P->L = &P->Ldwarf;
			g->layout_from_dwarf = true;
			if (missing)
				warnf(g, "DWARF of %s: %zu runtime struct fields not found; taken from the %s table", b->path,
				      missing, table ? table->version_prefix : "go1.19");
		}
	}
	if (!P->L) {
		P->Ldwarf = layouts[0];
		P->Ldwarf.have_mem = false;
		P->L = &P->Ldwarf;
		warnf(g, "Go version '%s' has no layout table (known: %s) and the binary has no DWARF types; "
		      "reading it as go1.19: results may be wrong", g->go_version, known_layouts());
	}
	if (!table && from_dwarf && missing)
		warnf(g, "Go version '%s' has no layout table: fields missing from DWARF read at go1.19 offsets",
		      g->go_version);
	const struct layout *L = P->L;

	size_t nwr = 0, ngs = 0;
	const char **wr = read_string_table(g, &P->G.wait_reasons, "waitReasonStrings", &nwr);
	const char **gss = read_string_table(g, &P->G.gstatus_strings, "gStatusStrings", &ngs);

	read_ms(g);
	read_mem(g);

	/* allgs */
	uint64_t ag = glob_addr(g, &P->G.allgs, "allgs", check_allgs), gptr = 0, glen = 0;
	if (!ag)
		return cr_fail(e, CR_FORMAT, "%s: cannot find runtime.allgs (no symbol table, and the machine code of "
			       "runtime.forEachG/allgadd did not give it): cannot list goroutines", b->path);
	if (!cr_core_read_u64(c, ag, &gptr) || !cr_core_read_u64(c, ag + 8, &glen))
		return cr_fail(e, CR_FORMAT, "%s: core: runtime.allgs at 0x%llx is not in the core (truncated core?)",
			       c->name, (unsigned long long)ag);
	if (glen > (uint64_t)c->in.len / L->g_size + 1) {
		warnf(g, "runtime.allgs claims %llu goroutines, more than the core can hold; capped",
		      (unsigned long long)glen);
		glen = (uint64_t)c->in.len / L->g_size + 1;
	}
	g->gs = cr_calloc(glen ? glen : 1, sizeof *g->gs);
	if (!g->gs)
		return cr_fail(e, CR_NOMEM, "out of memory for %llu goroutines", (unsigned long long)glen);
	size_t unreadable = 0;
	for (uint64_t i = 0; i < glen; i++) {
		uint64_t ga;
		unsigned char gb[1024];
		if (!cr_core_read_u64(c, gptr + 8 * i, &ga)) {
			warnf(g, "%s: core: runtime.allgs[%llu..] unreadable at 0x%llx; %llu goroutines missing",
			      c->name, (unsigned long long)i, (unsigned long long)(gptr + 8 * i),
			      (unsigned long long)(glen - i));
			break;
		}
		if (L->g_size > sizeof gb || cr_core_read(c, ga, gb, L->g_size) != L->g_size) {
			unreadable++;
			continue;
		}
		uint32_t st = rd32(gb + L->g_atomicstatus);
		uint32_t base = st & ~(uint32_t)CR_G_SCAN;
		if (base == CR_G_DEAD) {
			g->ndead++;
			continue;
		}
		if (base > 16) {
			unreadable++;
			continue;
		}
		struct cr_goroutine *G = &g->gs[g->ngs++];
		G->addr = ga;
		G->status = st;
		G->goid = (int64_t)g_u64(gb, L->g_goid);
		G->stack_lo = g_u64(gb, L->g_stack_lo);
		G->stack_hi = g_u64(gb, L->g_stack_hi);
		uint64_t sched_sp = g_u64(gb, L->g_sched + L->gobuf_sp);
		uint64_t sched_pc = g_u64(gb, L->g_sched + L->gobuf_pc);
		uint64_t sched_lr = g_u64(gb, L->g_sched + L->gobuf_lr);
		uint64_t syscallsp = g_u64(gb, L->g_syscallsp);
		uint64_t syscallpc = g_u64(gb, L->g_syscallpc);
		G->waitsince = (int64_t)g_u64(gb, L->g_waitsince);
		G->waitreason = gb[L->g_waitreason];
		G->locked = g_u64(gb, L->g_lockedm) != 0;
		G->gopc = g_u64(gb, L->g_gopc);
		uint64_t startpc = g_u64(gb, L->g_startpc);
		G->tid = 0;
		G->mid = -1;
		G->stack = &empty_stack;
		uint64_t maddr = g_u64(gb, L->g_m);
		struct mrec *mr = maddr ? m_by_addr(P, maddr) : NULL;
		if (mr) {
			G->mid = (int32_t)mr->id;
			if (mr->curg == ga)
				G->tid = (int32_t)mr->procid;
		}
		uint32_t sig = rd32(gb + L->g_sig);
		if (sig && g->go_sig_goid < 0) {
			g->go_sig = (int32_t)sig;
			g->go_sigaddr = g_u64(gb, L->g_sigcode1);
			g->go_sigpc = g_u64(gb, L->g_sigpc);
			g->go_sig_goid = G->goid;
		}
		if (G->waitsince > g->now && (base == CR_G_WAITING || base == CR_G_SYSCALL))
			g->now = G->waitsince;
		/* state, as goroutineheader() */
		const char *state = base < ngs && gss[base][0] ? gss[base] : "???";
		if (!gss) {
			static const char *const dflt[] = { "idle", "runnable", "running", "syscall", "waiting",
							    "", "dead", "", "copystack", "preempted" };
			state = base < 10 && dflt[base][0] ? dflt[base] : "???";
		}
		if (base == CR_G_WAITING && G->waitreason != 0)
			state = G->waitreason < nwr ? wr[G->waitreason] : "unknown wait reason";
		if (st & CR_G_SCAN)
			state = arena_fmt(g, "%s (scan)", state);
		G->state = state;
		struct cr_gofunc sf;
		G->start_function = func_name_at(g, startpc, &sf);
		G->system = G->start_function && strncmp(G->start_function, "runtime.", 8) == 0 &&
			    strcmp(G->start_function, "runtime.main") != 0 &&
			    strcmp(G->start_function, "runtime.handleAsyncEvent") != 0;
		if (G->goid != 1 && func_name_at(g, G->gopc, &sf)) {
			G->created_by = sf.name;
			uint64_t tp = G->gopc - g->bias;
			if (tp > sf.entry)
				tp--;
			int32_t ln = 0;
			const char *file = NULL;
			if (cr_pclntab_line(P->tab, &sf, tp, &file, &ln)) {
				G->created_file = file;
				G->created_line = ln;
			}
			G->created_off = (uint32_t)(G->gopc - g->bias - sf.entry);
		}
		/* stack: running goroutines are unwound from their thread below */
		if (base != CR_G_RUNNING || !G->tid) {
			struct uctx u = { 0 };
			u.thread = -1;
			if (syscallsp)
				G->stack = unwind(g, syscallpc, syscallsp, 0, false, &u);
			else
				G->stack = unwind(g, sched_pc, sched_sp, sched_lr, false, &u);
		}
		if ((i & 1023) == 1023)
			cr_core_trim(c); /* keep resident memory flat on huge cores */
	}
	if (unreadable)
		warnf(g, "%s: core: %zu goroutine structs unreadable or corrupt; left out", c->name, unreadable);
	for (size_t k = 0; k < g->ngs; k++)
		if (g->gs[k].goid > P->maxgoid)
			P->maxgoid = g->gs[k].goid;
	uint64_t sched = glob_addr(g, &P->G.sched, "sched", check_sched), lastpoll = 0;
	if (sched && cr_core_read_u64(P->core, sched + L->sched_lastpoll, &lastpoll) && (int64_t)lastpoll > g->now)
		g->now = (int64_t)lastpoll;

	/* threads */
	g->threads = cr_calloc(c->nthreads ? c->nthreads : 1, sizeof *g->threads);
	if (!g->threads)
		return cr_fail(e, CR_NOMEM, "out of memory");
	g->crash_tid = c->nthreads ? c->threads[0].tid : 0;
	for (size_t i = 0; i < c->nthreads; i++) {
		struct cr_gthread *T = &g->threads[g->nthreads++];
		const struct cr_core_thread *ct = &c->threads[i];
		T->tid = ct->tid;
		T->cursig = ct->cursig;
		T->regs = ct->regs;
		T->mid = -1;
		T->curg = -1;
		T->stack = &empty_stack;
		T->on = "?";
		struct mrec *mr = m_by_tid(P, ct->tid);
		struct uctx u = { 0 };
		struct cr_goroutine *cg = NULL;
		if (mr) {
			T->mid = mr->id;
			for (size_t k = 0; k < g->ngs; k++)
				if (g->gs[k].addr == mr->curg)
					cg = &g->gs[k];
			if (cg)
				T->curg = cg->goid;
			uint64_t lo, hi;
			uint64_t sp = ct->regs.sp;
			if (mr->g0 && cr_core_read_u64(c, mr->g0 + L->g_stack_lo, &lo) &&
			    cr_core_read_u64(c, mr->g0 + L->g_stack_hi, &hi) && stack_in(sp, lo, hi))
				T->on = "g0";
			else if (mr->gsignal && cr_core_read_u64(c, mr->gsignal + L->g_stack_lo, &lo) &&
				 cr_core_read_u64(c, mr->gsignal + L->g_stack_hi, &hi) && stack_in(sp, lo, hi))
				T->on = "gsignal";
			else if (cg && stack_in(sp, cg->stack_lo, cg->stack_hi))
				T->on = "goroutine";
			if (strcmp(T->on, "goroutine") != 0 && cg) {
				u.on_g0 = true;
				u.have_curg = read_sched(g, mr->curg, &u.curg_sched_pc, &u.curg_sched_sp,
							 &u.curg_sched_lr);
				/* a goroutine in a cgo call (syscall state): asmcgocall
				 * saved sched at systemstack_switch; the runtime's
				 * traceback starts from syscallpc/sp (in cgocall) */
				uint64_t ssp = 0, spc = 0;
				if (cr_core_read_u64(c, mr->curg + L->g_syscallsp, &ssp) && ssp &&
				    cr_core_read_u64(c, mr->curg + L->g_syscallpc, &spc)) {
					u.curg_call_pc = spc;
					u.curg_call_sp = ssp;
				}
			}
		}
		u.thread = P->arm64 ? -1 : (int)i;
		T->stack = unwind(g, ct->regs.pc, ct->regs.sp, P->arm64 ? ct->regs.lr : 0, true, &u);
		if (cg && (cg->status & ~(uint32_t)CR_G_SCAN) == CR_G_RUNNING && cg->tid == ct->tid)
			cg->stack = T->stack;
		if (i == 0)
			g->crash_goid = cg ? cg->goid : -1;
	}
	/* running goroutines without a thread in the core */
	for (size_t k = 0; k < g->ngs; k++) {
		struct cr_goroutine *G = &g->gs[k];
		if ((G->status & ~(uint32_t)CR_G_SCAN) == CR_G_RUNNING && G->stack == &empty_stack) {
			P->cache->nids = 0;
			G->stack = intern_stack(g, "running on a thread that is not in the core");
		}
	}
	if (g->now) {
		for (size_t k = 0; k < g->ngs; k++) {
			struct cr_goroutine *G = &g->gs[k];
			uint32_t base = G->status & ~(uint32_t)CR_G_SCAN;
			if ((base == CR_G_WAITING || base == CR_G_SYSCALL) && G->waitsince)
				G->wait_minutes = (g->now - G->waitsince) / 60000000000LL;
		}
	}
	return CR_OK;
}

void cr_gort_release(struct cr_gort *g)
{
	if (!g)
		return;
	struct priv *P = g->priv;
	if (P) {
		cr_pclntab_close(P->tab);
		cr_native_close(P->native);
		cr_dwarf_close(P->dwarf);
		for (size_t i = 0; i < P->nlibs; i++)
			cr_binary_close(P->libs[i].b);
		cache_release(P->cache);
		cr_free(P->ms);
		cr_free(P->fbuf);
		cr_free(P);
	}
	cr_free(g->gs);
	cr_free(g->threads);
	cr_free(g->mem.arenas);
	cr_buf_release(&g->warn);
	cr_arena_release(&g->arena);
	memset(g, 0, sizeof *g);
}

struct gkey {
	const struct cr_gstack *stack;
	const char *state, *created_by, *created_file;
	int64_t wait;
	int32_t line;
	uint32_t locked;
};

static enum cr_err build_profile(const struct cr_gort *g, struct cr_profile *p, bool grouped,
				 struct cr_error *e)
{
	p->source = CR_SRC_CORE;
	if (cr_profile_add_type(p, "goroutine", "count"))
		return cr_fail(e, CR_NOMEM, "out of memory");
	p->period_type.type = cr_profile_intern_z(p, "goroutine");
	p->period_type.unit = cr_profile_intern_z(p, "count");
	p->period = 1;
	uint32_t *stack = NULL;
	size_t scap = 0;
	enum cr_err rc = CR_OK;
	uint32_t k_goid = cr_profile_intern_z(p, "goid"), k_state = cr_profile_intern_z(p, "state"),
		 k_wait = cr_profile_intern_z(p, "wait"), k_cb = cr_profile_intern_z(p, "created_by"),
		 k_ca = cr_profile_intern_z(p, "created_at"), k_lock = cr_profile_intern_z(p, "locked_to_thread"),
		 u_min = cr_profile_intern_z(p, "minutes");
	/* grouped: representative goroutine index and count per key */
	struct cr_hmap map;
	size_t *rep = NULL, nrep = 0, caprep = 0;
	int64_t *cnt = NULL;
	size_t capcnt = 0;
	cr_hmap_init(&map);
	size_t n = g->ngs;
	if (grouped) {
		for (size_t i = 0; i < g->ngs; i++) {
			const struct cr_goroutine *G = &g->gs[i];
			struct gkey k;
			memset(&k, 0, sizeof k);
			k.stack = G->stack;
			k.state = G->state;
			k.created_by = G->created_by;
			k.created_file = G->created_file;
			k.wait = G->wait_minutes;
			k.line = G->created_line;
			k.locked = G->locked;
			bool found;
			uint32_t *v = cr_hmap_put(&map, &k, sizeof k, (uint32_t)nrep, &found);
			if (!v || (!found && (cr_grow(&rep, &caprep, nrep + 1, sizeof *rep) ||
					      cr_grow(&cnt, &capcnt, nrep + 1, sizeof *cnt)))) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				goto out;
			}
			if (!found) {
				rep[nrep] = i;
				cnt[nrep++] = 0;
			}
			cnt[*v]++;
		}
		n = nrep;
	}
	for (size_t s = 0; s < n && !rc; s++) {
		const struct cr_goroutine *G = &g->gs[grouped ? rep[s] : s];
		const struct cr_gstack *S = G->stack;
		size_t nloc = 0;
		if (cr_grow(&stack, &scap, S->nframes + 1, sizeof *stack)) {
			rc = cr_fail(e, CR_NOMEM, "out of memory");
			break;
		}
		for (size_t j = 0; j < S->nframes;) {
			/* one location per physical frame: inlined frames + the physical one */
			size_t k = j;
			while (k < S->nframes && S->frames[k].inlined)
				k++;
			if (k == S->nframes)
				k--;
			struct cr_line lines[FBUF_MAX];
			size_t nl = 0;
			for (size_t x = j; x <= k && nl < FBUF_MAX; x++) {
				lines[nl].function = cr_profile_function(p, S->frames[x].function,
									 S->frames[x].file, 0);
				lines[nl].line = S->frames[x].line;
				nl++;
			}
			uint32_t loc = cr_profile_location(p, S->frames[k].pc, 0, lines, nl);
			if (loc == UINT32_MAX) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			stack[nloc++] = loc;
			j = k + 1;
		}
		if (rc)
			break;
		struct cr_label lb[6];
		size_t nlb = 0;
		if (!grouped)
			lb[nlb++] = (struct cr_label){ .key = k_goid, .num = G->goid };
		lb[nlb++] = (struct cr_label){ .key = k_state, .str = cr_profile_intern_z(p, G->state) };
		if (G->wait_minutes >= 1)
			lb[nlb++] = (struct cr_label){ .key = k_wait, .num = G->wait_minutes, .num_unit = u_min };
		if (G->created_by) {
			lb[nlb++] = (struct cr_label){ .key = k_cb, .str = cr_profile_intern_z(p, G->created_by) };
			char at[512];
			snprintf(at, sizeof at, "%s:%d", G->created_file ? G->created_file : "?",
				 G->created_line);
			lb[nlb++] = (struct cr_label){ .key = k_ca, .str = cr_profile_intern_z(p, at) };
		}
		if (G->locked)
			lb[nlb++] = (struct cr_label){ .key = k_lock, .str = cr_profile_intern_z(p, "true") };
		int64_t one = grouped ? cnt[s] : 1;
		if (cr_profile_add_sample(p, stack, nloc, &one, lb, nlb))
			rc = cr_fail(e, CR_NOMEM, "out of memory");
	}
out:
	cr_hmap_release(&map);
	cr_free(rep);
	cr_free(cnt);
	cr_free(stack);
	return rc;
}

enum cr_err cr_gort_profile(const struct cr_gort *g, struct cr_profile *p, struct cr_error *e)
{
	return build_profile(g, p, false, e);
}

enum cr_err cr_gort_profile_grouped(const struct cr_gort *g, struct cr_profile *p, struct cr_error *e)
{
	return build_profile(g, p, true, e);
}
