/* What the files of lib/gort share: the layout of the runtime's structs
 * for a Go version, the reader's private state and the unwinder's cache.
 * Not installed; only lib/gort includes it. */
#ifndef CORONER_GORT_INT_H
#define CORONER_GORT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "coroner/gort.h"
#include "coroner/sym.h"

/* A field the release does not have (heapStatsDelta.inPtrScalarBits went
 * away in go1.25): readers skip what it would add. */
#define LAYOUT_NONE 0xffffffffu

/* Offsets and sizes of the runtime's structs (lib/gort/layout.c). */
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
	/* runtime.mheap: allArenas, named heapArenas from go1.25 */
	unsigned mheap_allarenas;
};

/* The lengths of consistentHeapStats.stats (the runtime's numStatsDeltas)
 * and of heapStatsDelta.smallAllocCount (_NumSizeClasses), the same in
 * every release with a table (testdata/gen/rt-layout.py checks). */
#define RT_NUM_STATS_DELTAS 3
#define RT_NUM_SIZE_CLASSES 68

/* *out: the table's layout for a runtime.buildVersion; false if no table
 * has it. */
bool gort_layout_for(const char *version, struct layout *out);
/* *out: the oldest table's (go1.19) without its memory offsets, for
 * versions without a table. */
void gort_layout_fallback(struct layout *out);
/* "go1.19, go1.20, ..." for messages (a static buffer). */
const char *gort_known_layouts(void);
/* The offsets from the binary's DWARF types over base; the number of
 * fields found (0: none, out = base), *missing: fields DWARF lacks. */
size_t gort_layout_from_dwarf(struct cr_binary *b, const struct layout *base, struct layout *out,
			      size_t *missing, struct cr_error *e);

struct pccache;
struct priv {
	struct cr_core *core;
	struct cr_binary *bin;
	struct cr_pclntab *tab;
	const struct layout *L;
	struct layout Ltable;     /* the release's table */
	struct layout Ldwarf;     /* the table (or go1.19) with DWARF's offsets over it */
	bool arm64;
	/* link-time entries of functions the unwinder treats specially */
	uint64_t f_sigreturn, f_sigtramp;
	/* ms: allm list (address, procid, id, g0, gsignal, curg) */
	struct mrec { uint64_t addr, procid, g0, gsignal, curg; int64_t id; } *ms;
	size_t nms;
	struct cr_frame *fbuf; /* scratch for cr_pclntab_frames */
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

static inline uint64_t g_u64(const unsigned char *gb, unsigned off) { return cr_ld64(gb + off); }

/* One problem per line into g->warn (capped). */
void gort_warnf(struct cr_gort *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string formatted into g's arena (NULL when out of memory). */
const char *gort_arena_fmt(struct cr_gort *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A check of a candidate address (runtime) of a global in the core. */
typedef bool (*glob_check)(struct cr_gort *g, uint64_t addr);
/* Runtime address of a runtime global: its symbol, else the candidate
 * decoded from machine code that passes check in the core (the first one;
 * with check NULL, only a single candidate is taken). 0 if none. */
uint64_t gort_glob_addr(struct cr_gort *g, struct cr_goglobal *x, const char *name, glob_check check);

/* ---- the unwinder (lib/gort/unwind.c) */
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
	struct cr_frame *pool; size_t npool, cap_pool;
	struct cr_hmap stacks;                      /* key: entry ids + stop text -> index */
	const struct cr_gstack **svec; size_t nsvec, cap_svec;
	uint32_t *ids; size_t nids, cap_ids;        /* scratch: entries of the stack being built */
};

/* The stack of no frames (shared; never freed). */
extern struct cr_gstack gort_empty_stack;
/* Unwind from pc/sp (lr on arm64); thread: from a thread's registers. The
 * stack is interned in P->cache (equal stacks share one). */
const struct cr_gstack *gort_unwind(struct cr_gort *g, uint64_t pc, uint64_t sp, uint64_t lr, bool thread,
				    struct uctx *u);
/* The stack of the cache's current entry list (P->cache->ids) ending with stop. */
const struct cr_gstack *gort_intern_stack(struct cr_gort *g, const char *stop);
void gort_cache_release(struct pccache *C);

/* ---- memory figures (lib/gort/memstats.c): fills g->mem */
void gort_read_mem(struct cr_gort *g);

#endif
