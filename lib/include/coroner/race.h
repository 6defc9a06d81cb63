/* Race-detector reports: what a Go program built with -race prints on
 * stderr, read from a log that may hold other output between reports and
 * the same race printed many times:
 *
 *   ==================
 *   WARNING: DATA RACE
 *   Read at 0x00c0000180f8 by goroutine 8:
 *     main.(*stats).bump()
 *         raceprog/main.go:31 +0x76
 *     ...
 *
 *   Previous write at 0x00c0000180f8 by main goroutine:
 *     ...
 *
 *   Goroutine 8 (running) created at:
 *     main.round()
 *         raceprog/main.go:45 +0x78
 *     ...
 *   ==================
 *   ...
 *   Found 4 data race(s)
 *
 * An access line is [Previous ](Read|Write|Atomic read|Atomic write)
 * [ of size N] at 0xADDR by (goroutine N|main goroutine):, each followed by
 * its stack (the function, then its file:line +0xOFFSET indented below);
 * "Goroutine N (running|finished) created at:" sections follow for the
 * goroutines other than main. A program prints "Found N data race(s)" when
 * it exits (go test: once per test binary). The reader lives beside the
 * profile readers (lib/profile/race.c); `coroner report` turns the reports
 * into data_race findings.
 *
 * Ownership: a struct cr_races owns everything it points to (arena,
 * arrays); strings stay valid until cr_races_release().
 */
#ifndef CORONER_RACE_H
#define CORONER_RACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/util.h"

struct cr_race_frame {
	const char *function; /* "main.(*stats).bump", without the trailing "()" */
	const char *file;     /* "" when the report gave no file line */
	int64_t line;         /* 0 when unknown */
	uint64_t offset;      /* the "+0x76" offset in the function */
};

/* frames[start .. start+n) of struct cr_races, innermost first */
struct cr_race_stack {
	size_t start, n;
	bool truncated; /* more than cr_limits.max_frames frames, or "[failed to restore the stack]" */
};

struct cr_race_access {
	const char *op;      /* "Read", "Write", "Atomic read", "Atomic write" */
	bool previous;       /* printed as "Previous ...": the earlier access */
	bool write;
	uint64_t addr;
	int64_t size;        /* " of size N" when printed (C programs); 0 otherwise */
	int64_t goid;        /* the main goroutine is 1 */
	bool main_goroutine; /* printed "by main goroutine" */
	struct cr_race_stack stack;
};

struct cr_race_creation {
	int64_t goid;
	const char *status; /* "running", "finished" (as printed) */
	struct cr_race_stack stack;
};

struct cr_race_report {
	size_t line; /* 1-based line of its "WARNING: DATA RACE" */
	struct cr_race_access acc[2]; size_t nacc;
	struct cr_race_creation created[2]; size_t ncreated;
	bool complete; /* closed by its "==================" line */
};

struct cr_races {
	struct cr_arena arena;
	struct cr_race_frame *frames; size_t nframes, cap_frames;
	struct cr_race_report *reports; size_t n, cap;
	int64_t found;      /* sum of the "Found N data race(s)" trailers; -1 if none */
	size_t ntrailers;   /* how many such trailers (one per process that exited) */
	size_t other_lines; /* lines outside any report (the program's own output) */
};

void cr_races_init(struct cr_races *r);
void cr_races_release(struct cr_races *r);

/* Read every race report of a log. A report with fewer than two accesses
 * with their stacks (cut short, mangled; a stack printed as "[failed to
 * restore the stack]" counts, empty and truncated) is skipped with a warning (warn may be NULL), as is a
 * report the log ends inside of unless both its accesses are complete.
 * CR_EMPTY (with e filled) when the log holds no usable report;
 * CR_NOMEM / CR_LIMIT as usual. */
enum cr_err cr_races_parse(struct cr_races *r, const unsigned char *data, size_t len,
			   const char *name, struct cr_buf *warn, struct cr_error *e);
enum cr_err cr_races_load(struct cr_races *r, const char *path, struct cr_buf *warn,
			  struct cr_error *e);

/* Does this line (no newline) open a race report? */
bool cr_race_header(const char *s, size_t n);

#endif
