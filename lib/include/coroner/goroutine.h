/* Goroutines grouped by stack, and goroutine leak candidates across
 * snapshots, computed from any profile whose samples are goroutines:
 * a goroutine profile (pprof proto, debug=1 text), a traceback (debug=2,
 * panic, SIGQUIT, GOTRACEBACK=all|crash) or goroutines read from a core.
 *
 * What the readers put in the profile model (lib/profile/goroutine.c and traceback.c):
 *   sample type ("goroutine", "count"); one sample per goroutine for
 *   tracebacks (value 1), one per distinct stack for goroutine profiles
 *   (value = count); stacks leaf first, inlined frames as extra lines of a
 *   location, innermost first, as in profile.proto.
 *   Labels (tracebacks; a core reader should set the same):
 *     "goid"             numeric: the goroutine id
 *     "state"            string: "chan receive", "running", ...
 *     "wait"             numeric, unit "minutes": blocked for N minutes
 *                        (absent: under a minute, or not waiting)
 *     "created_by"       string: the creator function ("main.dispatch")
 *     "created_at"       string: "file:line" of the go statement
 *     "locked_to_thread" string "true" when the header says so
 *     "frames_elided"    numeric: frames the traceback left out ("...N frames
 *                        elided...": N; "...additional frames elided...": 1,
 *                        at least one)
 *   p->extra "goroutine_total": the `goroutine profile: total N` header.
 *   p->extra "dumps": a traceback file holding N > 1 dumps of one process
 *                     (goroutine ids repeat); the samples are the last dump's.
 *   p->comments: the panic / fatal error / signal lines of a traceback.
 *
 * Nothing here prints. All results own their memory in an arena; strings
 * in them stay valid until the matching _release().
 */
#ifndef CORONER_GOROUTINE_H
#define CORONER_GOROUTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/frame.h"
#include "coroner/profile.h"
#include "coroner/util.h"

/* Load a goroutine source (path or "-", gzip/zstd): cr_profile_load /
 * cr_profile_parse, which also find a traceback after pages of log output
 * (cr_traceback_anywhere). Warnings (skipped lines) go to *warn. */
enum cr_err cr_goroutines_load(struct cr_profile *p, const char *path, struct cr_buf *warn,
			       struct cr_error *e);
enum cr_err cr_goroutines_parse(struct cr_profile *p, const unsigned char *data, size_t len,
				const char *name, struct cr_buf *warn, struct cr_error *e);
/* Dump `which` (0 = the first) of a file holding several dumps of one
 * process: cr_goroutines_load reads the last and sets p->extra "dumps". */
enum cr_err cr_goroutines_load_dump(struct cr_profile *p, const char *path, size_t which,
				    struct cr_buf *warn, struct cr_error *e);

/* How goroutines are put together:
 *   EXACT    same frames (function, file, line) and same creator;
 *   FUNCTION same function names (lines ignored) and same creator;
 *   USER     same innermost user frame (function, file, line).
 * Argument values, goroutine ids, states and wait minutes never split a
 * group in any mode. */
enum cr_group_by {
	CR_GROUP_EXACT, CR_GROUP_FUNCTION, CR_GROUP_USER,
	/* The cross-format matching key of cr_leaks_compute(): function names
	 * outside package runtime, without go-statement wrappers and nameless
	 * frames, at most CR_MATCH_FRAMES of them from the leaf: goroutine
	 * profiles keep 32 return addresses (Go <= 1.22), tracebacks 100, so
	 * deep stacks agree only on their leaf side. cr_ggroup.key holds it
	 * (names joined by '\n'). */
	CR_GROUP_MATCH,
};
#define CR_MATCH_FRAMES 20
/* "exact", "function", "user"; -1 if unknown. */
int cr_group_by_parse(const char *s);

/* The frames of a group (struct cr_frame, coroner/frame.h): function ""
 * when the source had no name (debug=1 hidden frames), pc the location's
 * address (0 if the source has none), no module, entry or column. */

struct cr_gstate {
	const char *state;
	int64_t count;
};

struct cr_ggroup {
	int64_t count;
	const char *state;           /* most frequent state; NULL if the source has none */
	struct cr_gstate *states;    /* every state, most frequent first */
	size_t nstates;
	bool has_wait;               /* the source records wait minutes */
	int64_t wait_min, wait_max;  /* minutes (0 = under a minute); valid if has_wait */
	const char *function;        /* innermost user frame, see cr_user_function() */
	const char *created_by;      /* NULL if the source does not say */
	bool locked;                 /* some goroutine is locked to its thread */
	bool elided;                 /* some traceback left frames out */
	int64_t first_goid;          /* lowest goroutine id; -1 if none */
	int64_t *ids;                /* every goroutine id of the group, ascending
				      * (sources that give ids); NULL if none */
	size_t nids;
	const char *key;             /* CR_GROUP_MATCH only: the matching key; else NULL */
	struct cr_frame *frames;     /* leaf first, of the group's first goroutine */
	size_t nframes;
};

struct cr_goroutines {
	struct cr_arena arena;
	int64_t total;           /* the runtime's total: header of a goroutine profile,
				  * else the sum of counts (= traceback headers) */
	int64_t counted;         /* sum of the group counts */
	bool has_state, has_wait;
	struct cr_ggroup *groups; /* by count desc, then function, then first goid */
	size_t ngroups;
};

/* Group the goroutines of p. p must have a count sample type ("goroutine"
 * or any type with unit "count"; else the first type is used). The result
 * does not point into p. Errors: CR_NOMEM/CR_LIMIT. */
enum cr_err cr_goroutines_compute(struct cr_goroutines *g, const struct cr_profile *p,
				  enum cr_group_by by, struct cr_error *e);
void cr_goroutines_release(struct cr_goroutines *g);

/* The "function" of a stack (names leaf first, n of them): the innermost
 * user frame, i.e. outside the Go runtime and the standard library
 * (package main, or an import path whose first element contains a dot);
 * else the innermost frame outside package runtime; else the goroutine's
 * start function (the outermost frame other than runtime.goexit). "" if
 * n == 0. Returns index into names, or -1. */
long cr_user_function(const char *const *names, size_t n);
/* Is the function in package runtime itself (not runtime/pprof, ...)? */
bool cr_func_is_runtime(const char *name);

/* Are p's samples goroutines: a "goroutine" sample type, or the goroutine
 * leak profile's "goroutineleak" (runtime/pprof "goroutineleak": Go 1.26
 * with GOEXPERIMENT=goroutineleakprofile, Go 1.27; proto and debug=1 text,
 * whose header is "goroutineleak profile: total N"; its debug=2 form is an
 * ordinary dump whose leaked goroutines' state ends in " (leaked)")? */
bool cr_profile_is_goroutines(const struct cr_profile *p);
/* Is p the goroutine leak profile: only goroutines the runtime's leak
 * detection (a GC cycle) proved can never be woken? */
bool cr_profile_is_goroutineleak(const struct cr_profile *p);

/* ---- leaks ---- */

struct cr_leak_opts {
	bool goleak_ignore; /* apply goleak's default ignore rules (default true) */
	int64_t min_delta;  /* smallest growth reported (default 1) */
};
void cr_leak_opts_default(struct cr_leak_opts *o);

struct cr_leak_candidate {
	const char *function;      /* user function, as in cr_ggroup */
	int64_t *counts;           /* one per snapshot */
	int64_t delta;             /* last count - first count */
	const char *state;         /* most frequent state in the last snapshot that has one */
	bool blocked;              /* that state is a wait (not running/runnable/syscall) */
	bool has_wait;
	int64_t wait_min, wait_max;/* minutes, over the snapshots that record them */
	const char *created_by;    /* NULL if no snapshot says */
	struct cr_frame *frames;   /* from the last snapshot naming all its frames, else the last */
	size_t nframes;
};

struct cr_leaks {
	struct cr_arena arena;
	size_t nsnap;
	int64_t *totals;           /* goroutines per snapshot (the runtime's total) */
	size_t ignored;            /* groups left out by the goleak rules / as runtime goroutines */
	size_t steady;             /* matched stacks that did not grow */
	struct cr_leak_candidate *cands; /* ranked: delta desc, blocked first, longest wait */
	size_t ncands;
};

/* Match goroutine stacks across n >= 2 snapshots (any mix of formats) and
 * rank the ones that grew. Stacks match by their function names outside
 * package runtime, with go-statement wrappers (main.f.func1 at the go
 * statement's line, .gowrapN) and frames without names left out, so a
 * debug=1 text, a proto and a SIGQUIT dump of the same moment agree.
 * Runtime-internal goroutines (start function in package runtime) are
 * never candidates. */
enum cr_err cr_leaks_compute(struct cr_leaks *l, const struct cr_profile *const *snaps, size_t n,
			     const struct cr_leak_opts *o, struct cr_error *e);
void cr_leaks_release(struct cr_leaks *l);

#endif
