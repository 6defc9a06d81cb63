/* The CLI: one file per command exporting `int cmd_NAME(int argc, char **argv)`.
 *
 * Adding a command (checklist):
 *   1. cmd/cmd-NAME.c with cmd_NAME(), parsing its options with getopt_long,
 *      --help printing usage + examples, --format=text|json at least;
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

int cmd_top(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_core(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_heap(int argc, char **argv);

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
struct cr_gframe;
bool cmd_is_goroutine_profile(const struct cr_profile *p);
void cmd_print_frames(const struct cr_gframe *f, size_t n, size_t max, const char *indent);
/* Parse a size like "256M", "4G", "1024" (bytes). */
bool cmd_parse_size(const char *s, size_t *out);
/* Load and merge the profiles paths[0..n) into dst (initialised, empty):
 * profiles of any kind, goroutine dumps, and cores (read with their binary:
 * an ELF binary among paths, or `binary`), symbolized with `binary` where
 * they carry addresses only. Warnings are printed; returns 0, or 1 with e
 * filled. */
int cmd_load_profiles(struct cr_profile *dst, char **paths, int n, const char *binary,
		      struct cr_error *e);
extern const char *cmd_progname;

#endif
