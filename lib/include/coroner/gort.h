/* The Go runtime seen from a core: version, goroutines (allgs) with their
 * state, wait reason and stacks, the threads (Ms) running them, and the
 * runtime's memory figures (memstats, heap arenas).
 *
 * Struct layouts (runtime.g, m, gobuf, mstats, mheap) come from a
 * per-version table keyed by runtime.buildVersion (gort.c says which
 * versions and how they were verified). Names of wait reasons and
 * goroutine states are read from the binary's own runtime.waitReasonStrings
 * and runtime.gStatusStrings, so they are spelled as that runtime prints
 * them.
 *
 * Stacks are unwound with the binary's pclntab, as the runtime's own
 * gentraceback does: frame sizes from the pcsp table, inlined frames from
 * the inline tree, goexit/mstart/rt0_go end a stack, the caller of sigpanic
 * is a trap pc, systemstack/morestack on g0 continue on the goroutine, and
 * a kernel signal frame (runtime.sigreturn as return address) continues
 * with the registers saved in its ucontext. Depth is capped by
 * cr_limits.max_frames; unreadable memory ends a stack with a note.
 *
 * Everything lives in the gort's arena; cr_gort_release() frees it all.
 */
#ifndef CORONER_GORT_H
#define CORONER_GORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/error.h"
#include "coroner/frame.h"
#include "coroner/mem.h"
#include "coroner/profile.h"
#include "coroner/util.h"

/* Stacks are shared: goroutines with the same frames point to one. The
 * frames' functions are named as the runtime names them ("runtime.gopanic"
 * for panic, see cr_gort_print_name()); pc and entry are runtime addresses
 * (entry: of the physical function); C frames are native. */
struct cr_gstack {
	struct cr_frame *frames;     /* innermost first */
	size_t nframes;
	const char *stop;            /* NULL when the unwind reached the stack's top frame;
				      * else why it stopped ("depth cap", "unreadable memory at 0x...") */
};

enum cr_gstatus_code {
	CR_G_IDLE = 0, CR_G_RUNNABLE = 1, CR_G_RUNNING = 2, CR_G_SYSCALL = 3, CR_G_WAITING = 4,
	CR_G_DEAD = 6, CR_G_COPYSTACK = 8, CR_G_PREEMPTED = 9,
	CR_G_LEAKED = 10,     /* go1.26+: found by the goroutine leak detector */
	CR_G_DEADEXTRA = 11,  /* go1.26+: dead, kept for an extra M's cgo callbacks */
	CR_G_SCAN = 0x1000,
};

struct cr_goroutine {
	int64_t goid;
	uint64_t addr;           /* address of the g */
	uint32_t status;         /* raw atomicstatus */
	uint8_t waitreason;
	bool locked;             /* lockedm != 0 ("locked to thread") */
	bool system;             /* started in package runtime (isSystemGoroutine by start fn) */
	const char *state;       /* as the runtime's traceback header: "running",
				  * "chan receive", ... (+ " (scan)") */
	int64_t waitsince;       /* nanotime; 0 = not recorded */
	int64_t wait_minutes;    /* against the core's time estimate (cr_gort.now); 0 = under 1 */
	uint64_t stack_lo, stack_hi;
	uint64_t gopc;
	const char *start_function;  /* function at startpc */
	const char *created_by;      /* function of the go statement (gopc), NULL for goroutine 1 / none */
	const char *created_file;
	int32_t created_line;
	uint32_t created_off;        /* gopc - entry, printed as +0x.. */
	int32_t tid;             /* thread running it (m.procid), 0 if none */
	int32_t mid;             /* m.id, -1 if none */
	const struct cr_gstack *stack; /* never NULL */
};

struct cr_gthread {
	int32_t tid;
	int64_t mid;             /* -1 if no M has this procid */
	int32_t cursig;
	int64_t curg;            /* goid of m.curg, -1 if none */
	const char *on;          /* which stack the registers are on: "g0", "gsignal", "goroutine", "?" */
	struct cr_regs regs;
	const struct cr_gstack *stack; /* from the registers, through signal frames and
					* stack switches; never NULL */
};

/* Runtime memory figures, in bytes unless said otherwise. Names follow
 * runtime.MemStats; valid only when `present`. */
struct cr_gort_mem {
	bool present;
	uint64_t heap_inuse, heap_idle, heap_released, heap_sys, heap_alloc;
	uint64_t stack_inuse, stack_sys, mspan_sys, mcache_sys, buckhash_sys, gc_sys, other_sys, sys;
	uint64_t total_alloc, mallocs, frees;
	uint32_t num_gc;
	uint64_t last_gc_unix, pause_total_ns;
	bool have_alloc;         /* heap_alloc/total_alloc/mallocs/frees are valid */
	/* Heap arenas: [start, end) ranges of heapArenaBytes each, merged when
	 * adjacent, from mheap_.allArenas. */
	struct cr_range *arenas;
	size_t narenas;
	uint64_t arena_bytes;    /* heapArenaBytes (64 MiB on 64-bit Linux) */
};

struct cr_gort {
	const char *go_version;  /* runtime.buildVersion ("go1.19.8"); "" if unreadable */
	const char *arch;        /* "amd64", "arm64" */
	uint64_t bias;           /* load bias of the executable (PIE) */
	struct cr_goroutine *gs; size_t ngs; /* allgs order, dead goroutines left out */
	size_t ndead;            /* dead, and dead-extra (go1.26+) ones */
	struct cr_gthread *threads; size_t nthreads; /* one per NT_PRSTATUS */
	int64_t crash_goid;      /* goroutine on the signalled thread (-1 if none) */
	int32_t crash_tid;
	/* The Go-level fault of the panicking goroutine (g.sig/sigcode1/sigpc),
	 * when a goroutine recorded one. */
	int32_t go_sig; uint64_t go_sigaddr, go_sigpc; int64_t go_sig_goid;
	bool globals_from_code;  /* no symbol table: runtime globals decoded from machine code */
	bool native_frames;      /* C frames were unwound with libunwind-coredump */
	bool layout_from_dwarf;  /* struct offsets read from the binary's DWARF (else the version table) */
	int64_t now;             /* time estimate (nanotime) for wait minutes; 0 if none */
	struct cr_gort_mem mem;
	struct cr_buf warn;      /* one problem per line */
	struct cr_arena arena;
	/* private */
	void *priv;
};

/* Where the runtime's globals are in a binary (link-time addresses). With
 * a symbol table they are the symbols; without one (`-ldflags=-s -w`) they
 * are decoded from the machine code of runtime functions the pclntab names
 * (see lib/gort/globals.c): then a global may have several candidates
 * (cand[]) that only a look at the core can tell apart (cr_gort_open does),
 * and addr is 0 until one is chosen. */
#define CR_GOGLOBAL_MAXCAND 8
struct cr_goglobal {
	uint64_t addr;            /* 0: unknown or not yet chosen */
	uint64_t cand[CR_GOGLOBAL_MAXCAND];
	size_t ncand;
	uint64_t size;            /* bytes (symbol size; string tables: counted) */
	const char *how;          /* "symbol", "machine code", NULL: not found */
};
struct cr_goglobals {
	char go_version[64];      /* from .go.buildinfo ("go1.19.8"), "" if none */
	bool have_moduledata;     /* runtime.firstmoduledata found */
	uint64_t firstmoduledata; /* its address (0 if not found) */
	uint64_t noptrdata, data, bss, enoptrbss; /* the module's data range */
	struct cr_goglobal allgs, allm, sched, memstats, mheap, class_to_size,
		wait_reasons, gstatus_strings;
};
/* Fill G for binary b (t: its pclntab, may be NULL: symbols only).
 * use_symbols=false ignores the symbol table (tests compare the two). */
struct cr_pclntab;
void cr_goglobals_find(struct cr_binary *b, struct cr_pclntab *t, bool use_symbols,
		       struct cr_goglobals *G);
/* The Go version recorded in .go.buildinfo (debug/buildinfo's format);
 * false if the binary has none. out is NUL-terminated, printable. */
bool cr_go_buildinfo_version(struct cr_binary *b, char *out, size_t outn);

/* Read the Go runtime from core c with its binary b (b must be the binary
 * that produced c: a different build id is CR_FORMAT with a message saying
 * so). Partial results are returned with warnings where memory is missing.
 * Errors: CR_FORMAT (not a Go binary, wrong binary), CR_UNSUPPORTED (Go
 * version without a layout), CR_NOMEM/CR_LIMIT. c and b must outlive g.
 * Call cr_gort_release() afterwards whether or not it succeeded. */
enum cr_err cr_gort_open(struct cr_gort *g, struct cr_core *c, struct cr_binary *b,
			 struct cr_error *e);
void cr_gort_release(struct cr_gort *g);
/* The same with flags: CR_GORT_NO_SYMBOLS ignores the ELF symbol table
 * (runtime globals decoded from machine code, as for a stripped binary);
 * CR_GORT_NO_DWARF ignores DWARF (struct layouts from the per-version
 * tables); CR_GORT_NO_NATIVE leaves C frames out (stacks stop at the
 * first pc outside Go code). Tests use them to check one way against the
 * other. C frames (threads only, amd64, libunwind-coredump) read the core
 * file by c->name when it is a plain file, else a temporary copy. */
enum { CR_GORT_NO_SYMBOLS = 1, CR_GORT_NO_DWARF = 2, CR_GORT_NO_NATIVE = 4 };
enum cr_err cr_gort_open_flags(struct cr_gort *g, struct cr_core *c, struct cr_binary *b, unsigned flags,
			       struct cr_error *e);

/* The goroutines as a goroutine profile: sample type (goroutine, count),
 * one sample per goroutine with labels goid, state, wait (minutes, when
 * >= 1), created_by, created_at, locked_to_thread (see goroutine.h).
 * Locations carry pcs and inlined lines; one mapping for the executable.
 * p must be initialised. */
enum cr_err cr_gort_profile(const struct cr_gort *g, struct cr_profile *p, struct cr_error *e);
/* The same with goroutines of equal stack, state, wait minutes, creator and
 * locking folded into one sample (value = count, no goid label): what
 * grouping needs, in memory proportional to the distinct stacks. */
enum cr_err cr_gort_profile_grouped(const struct cr_gort *g, struct cr_profile *p,
				    struct cr_error *e);

/* Compare the per-version layout table for `version` ("go1.19.8") with
 * the offsets in b's DWARF: returns the number of fields that differ
 * (described one per line in report, if given), -1 if there is no table
 * for version or b has no usable DWARF. *nfields: fields DWARF gave. For
 * tests and for checking a table against a real binary of that version. */
struct cr_buf;
int cr_gort_layout_check(struct cr_binary *b, const char *version, size_t *nfields, struct cr_buf *report);

/* The runtime's struct offsets a release's table holds (lib/gort/layout.c,
 * for binaries without DWARF), told as cr_dwarf_struct_members tells
 * DWARF's: fn(arg, type, NULL, byte_size) and fn(arg, type, member,
 * offset) for the facts the table has of types[0..ntypes) (the types
 * gort and heap read). Returns the table's release ("go1.21") or NULL if
 * no table has version ("go1.21.4", "go1.26rc1"). */
const char *cr_gort_layout_table(const char *version, const char *const *types, size_t ntypes,
				 void (*fn)(void *arg, const char *type, const char *member, uint64_t offset),
				 void *arg);
/* The struct layout gort takes from version's table, one field a line
 * (".g_size = 392,"), appended to out; -1 if no table has version. For
 * tests (tests/core/layout-tables.sh). */
int cr_gort_layout_print(const char *version, struct cr_buf *out);

/* The value goroutine G is panicking with (its innermost _panic), as the
 * runtime printed it after "panic: " for strings, integers,
 * *errors.errorString, *fmt.wrapError(s), runtime.plainError,
 * runtime.errorString and runtime.boundsError (nothing is called: the text
 * must be in memory). NULL when G has no panic or its value cannot be read
 * or printed; *type: the value's type name when it was read ("*errors.errorString"),
 * else NULL. The strings live in g's arena. */
const char *cr_gort_panic_value(struct cr_gort *g, const struct cr_goroutine *G, const char **type);

/* Name as the runtime's traceback prints it ("panic" for runtime.gopanic). */
const char *cr_gort_print_name(const char *function);

/* Fill an empty snapshot with a core's runtime memory figures (src becomes
 * CR_MS_MEMSTATS, names as runtime.MemStats: HeapInuse, StackInuse, ...).
 * CR_EMPTY if the core had none (m->present false). */
enum cr_err cr_memsnap_from_gort(struct cr_memsnap *s, const struct cr_gort_mem *m, const char *name,
				 struct cr_error *e);

#endif
