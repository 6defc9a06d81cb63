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
 *   inputs_mismatch subject: what disagrees ("pid", "build_id", "time", "process")
 * Functions are attributed to the innermost *user* frame of each stack
 * (cr_user_function(): outside the runtime and the standard library), so a
 * subject is code the reader owns, not runtime.mallocgc.
 *
 * Ownership: a report owns everything it creates (arena + tables); strings
 * stay valid until cr_report_release().
 */
#ifndef CORONER_FINDINGS_H
#define CORONER_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
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

/* A file of a capture and what it was recognised as. */
struct cr_capture_file {
	const char *path;
	enum cr_kind kind;
	const char *role;    /* "heap", "allocs", "goroutine", "cpu", "profile" for profiles;
			      * NULL for other kinds */
	bool used;           /* an analysis read it */
	const char *problem; /* why it was skipped (unreadable, unsupported); NULL if fine */
};

struct cr_capture {
	const char *path; /* the directory, or the first file of a list */
	struct cr_capture_file *files; size_t nfiles, cap_files;
	/* the profiles chosen per role (NULL = none): pprof protobuf preferred
	 * for heap/allocs (inlined frames), a traceback for goroutines
	 * (states and wait times) */
	struct cr_profile *heap, *allocs, *goroutine;
	const char *heap_path, *allocs_path, *goroutine_path; /* their files */
	const char *heap_text;  /* a debug=1 heap profile (its MemStats), path */
	const char *memstats;   /* runtime.MemStats as JSON (json.Marshal, expvar), path */
	const char *smaps_rollup, *smaps, *status, *memory_stat, *gctrace; /* paths */
	/* cgroup control files (memory.max, memory.events, memory.oom_control,
	 * ...), recognised by name: paths */
	const char *cgroup_files[16]; size_t ncgroup_files;
	const char *kernel_log;   /* dmesg / journalctl -k with an OOM-killer report, path */
	const char *core, *binary; /* paths */
	int64_t time_nanos;        /* latest profile time; 0 if none says */
	int64_t pid;               /* from status; -1 unknown */
	const char *process;       /* status Name; NULL unknown */
};

struct cr_report {
	struct cr_arena arena;
	struct cr_capture *caps; size_t ncaps, cap_caps;
	struct cr_rfinding *findings; size_t nfindings, cap_findings;
	struct cr_buf warnings; /* one per line: files skipped, analyses that could not run */
	struct cr_buf notes;    /* one per line: analyses that ran and found nothing */
	/* called before each file is read (may be NULL): a CLI shows progress */
	void (*progress)(void *ctx, const char *what);
	void *progress_ctx;
	/* an ELF binary given on its own (not inside a capture directory): it
	 * serves every capture that has none (symbolizing heap text PCs) */
	const char *binary;
};

void cr_report_init(struct cr_report *r);
void cr_report_release(struct cr_report *r);

/* Add one capture, given as one directory or a list of files (n >= 1).
 * Files of a directory are read at its top level, hidden files skipped.
 * A directory holding capture directories (and nothing but binaries and
 * unrecognised files itself) adds each subdirectory as a capture, oldest
 * first when their profiles all carry times; its binaries serve them all.
 * Every file is detected by content; profiles are loaded here. A file that
 * cannot be read or parsed is a warning (the capture goes on), unless
 * nothing usable remains: then CR_EMPTY and the capture is not added.
 * A "capture" made only of ELF binaries is not a capture: it sets
 * r->binary, for every capture.
 * CR_NOMEM/CR_LIMIT are fatal. */
enum cr_err cr_report_add_capture(struct cr_report *r, const char *const *paths, size_t n,
				  struct cr_error *e);

/* Split command-line arguments into captures: each directory is one
 * capture; consecutive files form one capture, and a file whose role and
 * format are already in the current group starts the next one (so "heap1
 * gr1 heap2 gr2", or "before/ * after/ *" expanded, is two captures); an
 * ELF binary is a group of its own. Returns the number of captures and fills
 * starts[k] / counts[k] (arrays of n entries). */
size_t cr_report_group_args(const char *const *args, size_t n, size_t *starts, size_t *counts);

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
