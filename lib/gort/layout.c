/* The layouts of the runtime's structs: a table per Go version, and the
 * same offsets read from a binary's DWARF. */
/*
 * go1.19 (all patch releases; runtime2.go, mstats.go, mheap.go of
 * Go 1.19 declare the same structs): offsets below were read from the DWARF
 * of testdata/bin/gosym (Go 1.19.8, amd64) with llvm-dwarfdump
 * (DW_AT_data_member_location of runtime.g, gobuf, m, mstats, mheap,
 * heapStatsDelta) and agree with the field order and sizes of
 * /usr/lib/go-1.19/src/runtime/runtime2.go. They are the same on arm64
 * (both 64-bit; no arch-dependent fields before the ones read).
 * go1.21 to go1.27: printed by testdata/gen/gort-layout.py from the DWARF
 * of a build of each release (amd64; tests/core/layout-tables.sh compares
 * them with testdata's references). go1.25 dropped
 * heapStatsDelta.inPtrScalarBits (LAYOUT_NONE) and renamed
 * mheap.allArenas to heapArenas (the same field for what is read here).
 * Other versions fall back to the go1.19 table with a warning and every g is
 * sanity-checked (status range, stack bounds) before use.
 */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const struct layout gort_layouts[] = {
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
	{
		/* go1.24: from the DWARF of a go1.24 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.24", .have_mem = true,
		.g_size = 440, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 112,
		.g_syscallpc = 120, .g_atomicstatus = 152, .g_goid = 160, .g_waitsince = 176,
		.g_waitreason = 184, .g_lockedm = 216, .g_sig = 228, .g_sigcode0 = 256, .g_sigcode1 = 264,
		.g_sigpc = 272, .g_gopc = 288, .g_startpc = 304, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40,
		.gobuf_bp = 48, .m_size = 1808, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192,
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
		/* go1.25: from the DWARF of a go1.25 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.25", .have_mem = true,
		.g_size = 440, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 104,
		.g_syscallpc = 112, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 220, .g_sigcode0 = 248, .g_sigcode1 = 256,
		.g_sigpc = 264, .g_gopc = 280, .g_startpc = 296, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 32,
		.gobuf_bp = 40, .m_size = 1816, .m_g0 = 0, .m_procid = 64, .m_gsignal = 72, .m_curg = 184,
		.m_id = 224, .m_alllink = 344, .sched_lastpoll = 8, .sched_mnext = 56, .sched_maxmcount = 64,
		.ms_heapstats = 0, .ms_stacks_sys = 3520, .ms_mspan_sys = 3528, .ms_mcache_sys = 3536,
		.ms_buckhash_sys = 3544, .ms_gcmisc_sys = 3552, .ms_other_sys = 3560, .ms_last_gc_unix = 3568,
		.ms_pause_total_ns = 3576, .ms_numgc = 7680, .ms_last_gc_nanotime = 7696, .hsd_size = 1168,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_tinyalloccount = 40, .hsd_largealloc = 48, .hsd_largealloccount = 56,
		.hsd_smallalloccount = 64, .hsd_largefree = 608, .hsd_largefreecount = 616,
		.hsd_smallfreecount = 624, .hsd_n = 3, .nsizeclasses = 68,
		.hsd_inptrscalarbits = LAYOUT_NONE, /* gone in go1.25 */
		.mheap_allarenas = 66096, /* mheap.heapArenas (allArenas renamed in go1.25) */
	},
	{
		/* go1.26: from the DWARF of a go1.26 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.26", .have_mem = true,
		.g_size = 456, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 104,
		.g_syscallpc = 112, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 224, .g_sigcode0 = 256, .g_sigcode1 = 264,
		.g_sigpc = 272, .g_gopc = 288, .g_startpc = 304, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 32,
		.gobuf_bp = 40, .m_size = 1824, .m_g0 = 0, .m_procid = 64, .m_gsignal = 72, .m_curg = 184,
		.m_id = 232, .m_alllink = 352, .sched_lastpoll = 8, .sched_mnext = 72, .sched_maxmcount = 80,
		.ms_heapstats = 0, .ms_stacks_sys = 3520, .ms_mspan_sys = 3528, .ms_mcache_sys = 3536,
		.ms_buckhash_sys = 3544, .ms_gcmisc_sys = 3552, .ms_other_sys = 3560, .ms_last_gc_unix = 3568,
		.ms_pause_total_ns = 3576, .ms_numgc = 7680, .ms_last_gc_nanotime = 7696, .hsd_size = 1168,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_tinyalloccount = 40, .hsd_largealloc = 48, .hsd_largealloccount = 56,
		.hsd_smallalloccount = 64, .hsd_largefree = 608, .hsd_largefreecount = 616,
		.hsd_smallfreecount = 624, .hsd_n = 3, .nsizeclasses = 68,
		.hsd_inptrscalarbits = LAYOUT_NONE, /* gone in go1.25 */
		.mheap_allarenas = 66096, /* mheap.heapArenas (allArenas renamed in go1.25) */
	},
	{
		/* go1.27: from the DWARF of a go1.27 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.27", .have_mem = true,
		.g_size = 456, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 104,
		.g_syscallpc = 112, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 224, .g_sigcode0 = 256, .g_sigcode1 = 264,
		.g_sigpc = 272, .g_gopc = 288, .g_startpc = 304, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 32,
		.gobuf_bp = 40, .m_size = 1832, .m_g0 = 0, .m_procid = 64, .m_gsignal = 72, .m_curg = 184,
		.m_id = 232, .m_alllink = 352, .sched_lastpoll = 8, .sched_mnext = 72, .sched_maxmcount = 80,
		.ms_heapstats = 0, .ms_stacks_sys = 3520, .ms_mspan_sys = 3528, .ms_mcache_sys = 3536,
		.ms_buckhash_sys = 3544, .ms_gcmisc_sys = 3552, .ms_other_sys = 3560, .ms_last_gc_unix = 3568,
		.ms_pause_total_ns = 3576, .ms_numgc = 7680, .ms_last_gc_nanotime = 7696, .hsd_size = 1168,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_tinyalloccount = 40, .hsd_largealloc = 48, .hsd_largealloccount = 56,
		.hsd_smallalloccount = 64, .hsd_largefree = 608, .hsd_largefreecount = 616,
		.hsd_smallfreecount = 624, .hsd_n = 3, .nsizeclasses = 68,
		.hsd_inptrscalarbits = LAYOUT_NONE, /* gone in go1.25 */
		.mheap_allarenas = 66096, /* mheap.heapArenas (allArenas renamed in go1.25) */
	},
};

const char *gort_known_layouts(void)
{
	static char buf[128];
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof gort_layouts / sizeof *gort_layouts && o + 12 < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", gort_layouts[i].version_prefix);
	return buf;
}

const struct layout *gort_layout_for(const char *version)
{
	for (size_t i = 0; i < sizeof gort_layouts / sizeof *gort_layouts; i++)
		if (version && strncmp(version, gort_layouts[i].version_prefix, strlen(gort_layouts[i].version_prefix)) == 0) {
			char c = version[strlen(gort_layouts[i].version_prefix)];
			if (c == 0 || c == '.' || c == ' ' || c == '-' || c == 'r' || c == 'b' || c == 'X')
				return &gort_layouts[i];
		}
	return NULL;
}

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
	const char *renamed; /* the member's name in later releases */
	bool optional;       /* later releases dropped it: absent is LAYOUT_NONE */
};
#define F(fld, t, m) { offsetof(struct layout, fld), t, m, NULL, NULL, NULL, false }
#define F2(fld, t, m, t2, m2) { offsetof(struct layout, fld), t, m, t2, m2, NULL, false }
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
	{ offsetof(struct layout, hsd_inptrscalarbits), "runtime.heapStatsDelta", "inPtrScalarBits", NULL, NULL, NULL,
	  true },
	F(hsd_tinyalloccount, "runtime.heapStatsDelta", "tinyAllocCount"),
	F(hsd_largealloc, "runtime.heapStatsDelta", "largeAlloc"),
	F(hsd_largealloccount, "runtime.heapStatsDelta", "largeAllocCount"),
	F(hsd_smallalloccount, "runtime.heapStatsDelta", "smallAllocCount"),
	F(hsd_largefree, "runtime.heapStatsDelta", "largeFree"),
	F(hsd_largefreecount, "runtime.heapStatsDelta", "largeFreeCount"),
	F(hsd_smallfreecount, "runtime.heapStatsDelta", "smallFreeCount"),
	{ offsetof(struct layout, mheap_allarenas), "runtime.mheap", "allArenas", NULL, NULL, "heapArenas", false },
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
size_t gort_layout_from_dwarf(struct cr_binary *b, const struct layout *base, struct layout *out,
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
		bool found = dw_find(&C, f->type, f->member, &o1) || (f->renamed && dw_find(&C, f->type, f->renamed, &o1));
		if (!found && f->optional && dw_find(&C, f->type, NULL, &o1)) {
			/* the type is there without the member: this release has none */
			unsigned none = LAYOUT_NONE;
			memcpy((char *)out + f->off, &none, sizeof none);
			n++;
			continue;
		}
		if (!found || (f->type2 && !dw_find(&C, f->type2, f->member2, &o2)) || o1 + o2 >= LAYOUT_NONE) {
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
	const struct layout *t = gort_layout_for(version);
	if (!t)
		return -1;
	struct layout d;
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
