/* The CLI: one file per command exporting `int cmd_NAME(int argc, char **argv)`.
 *
 * Adding a command (checklist):
 *   1. cmd/cmd-NAME.c with cmd_NAME(): a struct cmd_spec (usage, about,
 *      epilogue with examples) and one option table (options.h: OPT_*,
 *      the shared groups where they fit, OPT_FORMAT with text|json at least)
 *      given to cmd_parse(), which also prints --help; then compute through
 *      lib and render;
 *   2. a row in the command table in cmd/main.c and the file in cmd/meson.build;
 *   3. a section in docs/coroner.1 and a page docs/coroner-NAME.md;
 *   4. a golden test under tests/ (expected values from a reference tool).
 * Only cmd/ prints; the library returns codes and fills struct cr_error.
 */
#ifndef CORONER_CMD_H
#define CORONER_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include "coroner/error.h"
#include "coroner/out.h"
#include "coroner/filter.h"

int cmd_top(int argc, char **argv);
/* coroner top's text (the profile's header lines; after the filter lines,
 * the rows) and JSON of a computed top, for coroner pprof -top */
struct cr_top;
struct cr_profile;
void cmd_top_render_head(const struct cr_top *t, const struct cr_profile *p);
void cmd_top_render_rows(const struct cr_top *t);
void cmd_top_render_json(const struct cr_top *t);
int cmd_symbolize(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_core(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_heap(int argc, char **argv);
int cmd_pprof(int argc, char **argv);

/* Print "coroner: MSG" for a library error and return its exit code. */
int cmd_error(const struct cr_error *e);
/* Print "coroner: FMT..." and return 2 (usage) */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print warnings collected in a buffer, one "coroner: warning: " line each. */
void cmd_warnings(const char *text);
/* Parse --format; returns false (after printing) if not one of allowed
 * (a mask of 1 << CR_FMT_*). */
bool cmd_parse_format(const char *cmd, const char *arg, unsigned allowed, enum cr_format *out);
/* Flush stdout and check it; returns the exit code to use (0 or 1). */
int cmd_finish(int rc);
/* Is stdout a terminal (and colour allowed: NO_COLOR unset, TERM not dumb)? */
bool cmd_stdout_tty(void);
bool cmd_color(void);
/* A progress line on stderr for work that takes over a second: the latest
 * message set here is shown (and refreshed) from a timer once a second has
 * passed, only when stderr is a terminal. cmd_progress_done() erases it. */
void cmd_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_progress_done(void);
/* Shared by goroutines and leaks (cmd-goroutines.c): does p hold goroutines
 * (a "goroutine" sample type)? Print frames of a group, at most max (0 = all). */
struct cr_profile;
struct cr_frame;
bool cmd_is_goroutine_profile(const struct cr_profile *p);
void cmd_print_frames(const struct cr_frame *f, size_t n, size_t max, const char *indent);
/* More of what the stack listings share: "-", "N min" or "N-M min"; JSON's
 * "wait_minutes": [min, max] (nothing without a wait); "frames" (detail:
 * the address of a nameless frame and "inlined"); "    created by F". */
struct cr_json;
void cmd_wait_text(char *buf, size_t n, bool has_wait, int64_t min, int64_t max);
void cmd_json_wait(struct cr_json *j, bool has_wait, int64_t min, int64_t max);
void cmd_json_frames(struct cr_json *j, const struct cr_frame *f, size_t n, bool detail);
void cmd_print_created_by(const char *created_by);
/* How many of n rows --nodecount=N shows (N <= 0: all). */
size_t cmd_shown(int64_t nodecount, size_t n);
/* Load a goroutine dump or profile of any format into p (initialised),
 * printing its warnings; not goroutines is an error (name_type: saying the
 * sample type it has). Returns 0 or the exit code (printed). */
int cmd_load_goroutines(struct cr_profile *p, const char *path, bool name_type);
/* Load and merge the profiles paths[0..n) into dst (initialised, empty):
 * profiles of any kind, goroutine dumps, and cores (read with their binary:
 * an ELF binary among paths, or `binary`), symbolized with `binary` where
 * they carry addresses only. Warnings are printed; returns 0, or 1 with e
 * filled. */
int cmd_load_profiles(struct cr_profile *dst, char **paths, int n, const char *binary,
		      struct cr_error *e);
/* cmd_load_profiles, less a base profile when one is named: diff_base
 * (pprof -diff_base: kept as pprof::base samples) or base (pprof -base:
 * subtracted); a profile with no sample types is an error. Returns 0 or
 * the exit code (printed). */
int cmd_load_input(struct cr_profile *p, char **paths, int n, const char *binary, const char *diff_base,
		   const char *base);
/* cmd_load_input; normalize: pprof's -normalize (the profiles scaled to
 * the base's totals first). Both read each profile with p's leave_out. */
int cmd_load_input_norm(struct cr_profile *p, char **paths, int n, const char *binary, const char *diff_base,
			const char *base, bool normalize);
/* pprof's filters from their options (options.h: OPT_PPROF_FILTERS), for
 * top and flame; note: print pprof's line on how a numeric tag filter was
 * read. Returns 0 or an exit code (printed); release f either way. */
struct cmd_filter_args;
struct cmd_filters {
	struct cr_filter re;
	struct cr_tagfilter tag[2];
	const char *tagshow, *taghide; /* pprof lists them last among its filters */
};
int cmd_filters_compile(const struct cmd_filter_args *a, struct cmd_filters *f, bool note);
void cmd_filters_release(struct cmd_filters *f);
/* e's error; in pprof's words (cmd_pprof_words) a pattern Go refuses is
 * "WHAT: error parsing regexp: ..." (WHAT NULL: e's message has it), exit 2 */
int cmd_regexp_error(const char *what, const struct cr_error *e);
/* the same for the pattern of -peek, -list, -disasm ("parsing argument regexp RE") */
int cmd_symbol_regexp_error(const char *symbol, const struct cr_error *e);
/* pprof's "Expression matched no samples" lines (stderr) and its "Active
 * filters:" block (stdout), as top and pprof print them (cmd-top.c). */
struct cr_filter_matches;
void cmd_filter_warnings(const struct cmd_filters *f, const struct cr_filter_matches *fm);
void cmd_render_filters(const struct cmd_filters *fl);
/* "sample index 'SI' not in WHERE (it has: ...)", exit code 2. */
int cmd_bad_sample_index(const char *cmd, const char *si, const char *where, const struct cr_profile *p);
/* set by `coroner pprof`: the error above in pprof's words */
extern bool cmd_pprof_words;
/* the exit status of `go tool pprof` (of --pprof-release) when pprof fails (load.c) */
int cmd_pprof_fail_status(void);
/* how many sources the last load of coroner pprof read (-1: none yet) */
int cmd_pprof_fetched(void);
/* coroner pprof: do the profiles paths[0, n) share no sample type (each
 * read alone)? pprof then refuses to merge them (pprof-locate.c) */
bool cmd_pprof_no_common_types(char **paths, int n);
struct cr_profile;
bool cmd_pprof_types_disjoint(const struct cr_profile *a, const struct cr_profile *b);
/* After a profile went to stdout (-o -): the rest of the command's output
 * (its report) goes to stderr, so stdout holds the profile alone. No-op
 * unless output is "-". */
void cmd_report_after_profile(const char *output);
extern const char *cmd_progname;

#endif
