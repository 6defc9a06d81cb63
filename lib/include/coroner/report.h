/* `coroner report`: read whole captures (directories or lists of files,
 * each file recognised by its content), run every analysis the files allow,
 * and return findings ranked by severity, each with its evidence (numbers,
 * tables, stacks) and a next step. Nothing here prints: cmd/cmd-report.c
 * renders a struct cr_report as text or JSON.
 *
 * Finding kinds (stable strings, the "kind" of the JSON contract):
 *   goroutine_leak  subject: the leaking function      (goroutine dumps, >= 2 captures,
 *                                                       or one dump with a huge blocked group)
 *   rss_gap         subject: the RSS component beyond the Go heap that explains most
 *                   ("non_go_anon", "go_heap_idle", ...; cr_component_name())
 *   heap_growth     subject: the function whose in-use heap grew most (>= 2 captures)
 *   map_growth      subject: the function whose map assignments allocate (runtime map
 *                   frames holding > 15% of alloc_space or of the in-use growth)
 *   alloc_hotspot   subject: the function allocating the largest share of alloc_space
 *   gc_pressure     subject: "gc" (GODEBUG=gctrace=1 logs)
 *   crash           subject: the function that panicked or faulted (tracebacks)
 *   data_race       subject: the innermost user frames of the two accesses ("f", or
 *                   "f vs g"), one finding per pair of access stacks (race-detector reports)
 *   inputs_mismatch subject: what disagrees ("pid", "build_id", "time", "process")
 *   retained_by     subject: the root retaining the most of the Go heap of the last core
 *                   (a global's symbol, "goroutine N", "finalizer of 0x..."; lib/heap)
 * Functions are attributed to the innermost *user* frame of each stack
 * (cr_user_function(): outside the runtime and the standard library), so a
 * subject is code the reader owns, not runtime.mallocgc.
 *
 * Captures are read by the capture loader (coroner/capture.h) into r->in;
 * the analyses (lib/report/findings_*.c, one each) read them.
 *
 * Ownership: a report owns everything it creates (arena + tables, its
 * captures); strings stay valid until cr_report_release().
 */
#ifndef CORONER_REPORT_H
#define CORONER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/capture.h"
#include "coroner/error.h"
#include "coroner/mem.h"
#include "coroner/out.h"
#include "coroner/profile.h"

enum cr_fsev { CR_FSEV_LOW, CR_FSEV_MEDIUM, CR_FSEV_HIGH };
const char *cr_fsev_name(enum cr_fsev s); /* "low", "medium", "high" */

/* One piece of evidence: a scalar under a JSON key, with a label for text. */
enum cr_fact_kind { CR_FACT_INT, CR_FACT_BYTES, CR_FACT_STR, CR_FACT_PCT, CR_FACT_DOUBLE };
struct cr_fact {
	const char *key;   /* JSON key in "evidence" */
	const char *label; /* text label */
	enum cr_fact_kind kind;
	int64_t i;         /* INT, BYTES */
	double d;          /* PCT (0..100), DOUBLE */
	const char *s;     /* STR */
};

/* A table of evidence: JSON "evidence": {KEY: [rows as objects]}. */
struct cr_evtable {
	const char *key, *title;
	struct cr_table t;
};

struct cr_rfinding {
	const char *kind, *subject;
	enum cr_fsev severity;
	double score;          /* orders findings of one severity (larger first) */
	const char *summary;   /* one line */
	const char *next_step; /* one line: what to look at or do next */
	struct cr_fact *facts; size_t nfacts, cap_facts;
	struct cr_evtable *tables; size_t ntables, cap_tables;
};

/* The RSS ledger of one capture: lib/mem's cr_ledger_compute over the
 * capture's smaps_rollup, smaps, status, memory.stat, MemStats and gctrace
 * (what `coroner mem` shows for the same files). The components add up to
 * rss exactly (unexplained is signed: negative when the others overcount). */
struct cr_capledger {
	bool have;                /* the capture has an RSS source and the ledger was computed */
	int64_t rss;              /* bytes */
	const char *rss_source;   /* "smaps_rollup Rss", "status VmRSS", ... */
	int64_t comp[CR_C_COUNT]; /* bytes per enum cr_component (cr_component_name) */
};

struct cr_report {
	struct cr_arena arena;
	struct cr_captures in; /* the captures read (lib/capture) */
	struct cr_rfinding *findings; size_t nfindings, cap_findings;
	/* after cr_report_run: the ledger of each capture, in r->in.caps order
	 * (r->in.ncaps entries; NULL when no capture has an RSS source) */
	struct cr_capledger *ledgers;
	struct cr_buf warnings; /* one per line: files skipped, analyses that could not run */
	struct cr_buf notes;    /* one per line: empty capture directories, analyses that found nothing */
	/* keep each capture's core open after the analyses (struct
	 * cr_capture.gocore: a renderer shows its threads); set before the run */
	bool keep_cores;
	/* the Go heap of the last core read (findings_retain.c); NULL if none */
	struct cr_rheap *heap;
	/* called before each file is read (may be NULL): a CLI shows progress */
	cr_progress_fn *progress;
	void *progress_ctx;
};

void cr_report_init(struct cr_report *r);
void cr_report_release(struct cr_report *r);

/* Add one capture to r->in, as cr_captures_add() (a directory or a list of
 * files; CR_EMPTY when nothing in it is usable, CR_NOMEM/CR_LIMIT fatal);
 * the loader's warnings and notes join r->warnings and r->notes. */
enum cr_err cr_report_add_capture(struct cr_report *r, const char *const *paths, size_t n,
				  struct cr_error *e);

/* Run every analysis the captures allow (oldest capture first) and rank
 * the findings: severity, then score. Analyses that cannot run say why in
 * r->warnings/notes. CR_NOMEM/CR_LIMIT only: a broken input never stops
 * the other analyses. */
enum cr_err cr_report_run(struct cr_report *r, struct cr_error *e);

/* ---- building findings (used by the analyses; exposed for tests) ---- */
struct cr_rfinding *cr_report_finding(struct cr_report *r, const char *kind, const char *subject,
				      enum cr_fsev sev, double score);
/* Strings are copied into the report's arena; printf-style for text. */
enum cr_err cr_finding_summary(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum cr_err cr_finding_next(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum cr_err cr_finding_fact(struct cr_report *r, struct cr_rfinding *f, const char *key,
			    const char *label, enum cr_fact_kind kind, int64_t i, double d,
			    const char *s);
/* A new evidence table (columns to be added with cr_table_col). */
struct cr_table *cr_finding_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
				  const char *title);
/* Sort findings: high first, then score descending, then kind, subject. */
void cr_report_rank(struct cr_report *r);

/* The innermost user frame of sample i of p (see cr_user_function), or the
 * leaf function; "" if the stack is empty. */
const char *cr_sample_user_function(const struct cr_profile *p, size_t i);

#endif
