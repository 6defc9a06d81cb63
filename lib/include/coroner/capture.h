/* The capture loader: one place that turns the paths a user gives into what
 * the analyses read — profiles, memory snapshots, binaries, cores and the Go
 * runtime inside a core. Every command and `coroner report` load through it.
 *
 * It sits above gort (it opens binaries, cores and runtimes) and below
 * report and cmd (they call it); it never calls report and never prints:
 * warnings go into buffers the caller prints or keeps.
 *
 * Three entry points, from the smallest:
 *   cr_gocore_open()          a core read with its binary, through gort;
 *   cr_capture_load_profiles() profiles named on a command line (any kind,
 *                             goroutine dumps, cores with their binary)
 *                             merged into one profile (top, flame);
 *   cr_captures_add()         whole captures: a directory or a list of files,
 *                             each file recognised by its content (report).
 */
#ifndef CORONER_CAPTURE_H
#define CORONER_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/error.h"
#include "coroner/gort.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/util.h"

/* Called before a file is read (a CLI shows progress); what is its path. */
typedef void cr_progress_fn(void *ctx, const char *what);

/* ---- files ---- */

/* Open path with the profile cap, and again with the core cap
 * (cr_limits.max_core_inflate) when that is hit: a compressed core may
 * inflate past what a profile may. As cr_input_open otherwise. */
enum cr_err cr_capture_input_open(struct cr_input *in, const char *path, struct cr_error *e);

/* The kind of the file at path from its content, read once ("-" is not
 * re-readable: the caller keeps stdin for the real read). core_cap: an input
 * past the profile cap is read again up to cr_limits.max_core_inflate (cores
 * are large). goroutine (NULL allowed): set when a pprof profile's one sample
 * type is "goroutine" (or "goroutineleak"). CR_KIND_UNKNOWN with e (NULL allowed) filled when the
 * file cannot be read. */
enum cr_kind cr_capture_kind(const char *path, bool core_cap, bool *goroutine, struct cr_error *e);

/* ---- a core with its binary ---- */

/* A Go process image: the binary, its core and the runtime read from them.
 * Fields are valid once their flag is set (bin once non-NULL). */
struct cr_gocore {
	struct cr_binary *bin;
	struct cr_core core;
	struct cr_gort g;
	bool core_open; /* core (and core.warn) valid */
	bool gort_open; /* g.warn valid (g's other fields only when open succeeded) */
};

/* Open the binary, then the core, then the Go runtime in it (gort). On
 * failure the parts that were reached stay readable (core.warn, g.warn: a
 * CLI prints them before the error) until cr_gocore_close(), which must be
 * called in every case. A core of another build than binary fails in gort
 * with CR_FORMAT; cr_gocore_wrong_binary() tells that case apart. */
enum cr_err cr_gocore_open(struct cr_gocore *gc, const char *binary, const char *core,
			   struct cr_error *e);
void cr_gocore_close(struct cr_gocore *gc);

/* Did cr_gocore_open fail (with e) only because the core was written by
 * another build of the program (build ids differ)? Ask before closing. */
bool cr_gocore_wrong_binary(const struct cr_gocore *gc, const struct cr_error *e);

/* ---- profiles named on a command line ---- */

/* Load paths[0..n) and merge them into dst (initialised, empty): profiles
 * of any kind and goroutine dumps; an ELF core is read as its goroutines
 * with its binary (an ELF binary among paths, or `binary`); profiles that
 * carry addresses only are symbolized with `binary` (may be NULL). ELF
 * binaries among paths are not profiles. Per-file warnings are appended to
 * warn, one per line; progress (may be NULL) is called before each file.
 * Errors: those of the readers; CR_USAGE when a core has no binary or when
 * paths hold nothing but binaries. */
enum cr_err cr_capture_load_profiles(struct cr_profile *dst, const char *const *paths, size_t n,
				     const char *binary, struct cr_buf *warn,
				     cr_progress_fn *progress, void *progress_ctx, struct cr_error *e);

/* A file of cr_capture_load_profiles_opts that cannot be read (i its index
 * in paths, e its error; never a cap or an allocation failure): true
 * skips it, false stops the load with its error. Called in the order of
 * paths, on the calling thread. */
typedef bool cr_load_skip_fn(void *ctx, size_t i, const struct cr_error *e);

struct cr_load_opts {
	cr_load_skip_fn *skip; /* NULL: a file that cannot be read stops the load */
	void *skip_ctx;
	/* profiles merge only when their sample types are the same (go tool
	 * pprof before Go 1.21); else, as pprof since, on the types they all
	 * have, in the first one's order (CR_FORMAT when they share none) */
	bool exact_types;
	/* NULL, or where the units pprof will not make one are told (the load
	 * fails with CR_FORMAT then) */
	struct cr_unit_clash *clash;
	/* what of the samples the caller will not look at (CR_LEAVE_*): each
	 * profile's leave_out before it is read */
	unsigned char leave_out;
};

/* cr_capture_load_profiles with opts (NULL: the defaults above), e.g. the
 * files that cannot be read offered to skip (go tool pprof's fetch: the
 * profiles it can read are merged); *loaded (may be NULL) is the number
 * of files merged, 0 when every one was skipped (then dst is left empty
 * and CR_OK is returned). */
enum cr_err cr_capture_load_profiles_opts(struct cr_profile *dst, const char *const *paths, size_t n,
					  const char *binary, struct cr_buf *warn, cr_progress_fn *progress,
					  void *progress_ctx, const struct cr_load_opts *opts, size_t *loaded,
					  struct cr_error *e);

/* go tool pprof's symbolization of a loaded profile (its locateBinaries'
 * override and its local symbolizer): exec (may be NULL), the binary
 * named before the profiles, becomes the first mapping's file, buildid
 * (-buildid, may be NULL) its build id when it has none; each
 * mapping with locations and no has_* flag is named from its file when
 * that is a Go binary (the names the text readers took from comments are
 * dropped first); pprof's messages (symbolization failures) are appended
 * to msg, one per line. Errors: CR_NOMEM. */
enum cr_err cr_capture_pprof_symbolize(struct cr_profile *p, const char *exec, const char *buildid,
				       struct cr_buf *msg, struct cr_error *e);

/* ---- whole captures ---- */

/* A file of a capture and what it was recognised as. */
struct cr_capture_file {
	const char *path;
	enum cr_kind kind;
	const char *role;    /* "heap", "allocs", "goroutine", "goroutineleak", "cpu", "profile" for profiles;
			      * "cgroup", "memstats", "race"; NULL for other kinds */
	bool used;           /* an analysis read it */
	const char *problem; /* why it was skipped (unreadable, unsupported); NULL if fine */
};

struct cr_capture {
	const char *path; /* the directory, or the first usable file of a list */
	bool path_is_file; /* a list of files (named by one of them), not a directory */
	struct cr_capture_file *files; size_t nfiles, cap_files;
	/* the profiles chosen per role (NULL = none): pprof protobuf preferred
	 * for heap/allocs (inlined frames), a traceback for goroutines
	 * (states and wait times); goroutineleak: the goroutine leak profile
	 * (Go 1.26 experiment, 1.27), goroutines proved never to wake */
	struct cr_profile *heap, *allocs, *goroutine, *goroutineleak;
	const char *heap_path, *allocs_path, *goroutine_path, *goroutineleak_path; /* their files */
	const char *heap_text;  /* a debug=1 heap profile (its MemStats), path */
	const char *memstats;   /* runtime.MemStats as JSON (json.Marshal, expvar), path */
	const char *smaps_rollup, *smaps, *status, *memory_stat, *gctrace; /* paths */
	/* cgroup control files (memory.max, memory.events, memory.oom_control,
	 * ...), recognised by name: paths */
	const char *cgroup_files[16]; size_t ncgroup_files;
	const char *kernel_log;   /* dmesg / journalctl -k with an OOM-killer report, path */
	const char *race;         /* race-detector reports (WARNING: DATA RACE), path */
	const char *core, *binary; /* paths */
	int64_t time_nanos;        /* latest profile time; 0 if none says */
	int64_t pid;               /* from status; -1 unknown */
	const char *process;       /* status Name; NULL unknown */
	/* the core (path core) read with its binary, kept open by its reader
	 * (cr_capture_keep_gocore) for later renderers; NULL when not kept */
	struct cr_gocore *gocore;
};

/* The captures of one run. Owns everything it creates (arena, profiles,
 * tables); strings stay valid until cr_captures_release(). */
struct cr_captures {
	struct cr_arena arena;
	struct cr_capture *caps; size_t ncaps, cap_caps;
	/* an ELF binary given on its own (not inside a capture directory): it
	 * serves every capture that has none; NULL if none */
	const char *binary;
	struct cr_buf warnings; /* one per line: files skipped */
	struct cr_buf notes;    /* one per line: capture directories with nothing readable */
	cr_progress_fn *progress; /* may be NULL */
	void *progress_ctx;
};

void cr_captures_init(struct cr_captures *s);
/* Give c the open core gc (allocated with cr_malloc, opened with
 * cr_gocore_open): c owns it from now on and cr_captures_release closes it.
 * A capture keeps one: false (gc left to the caller) when it has one. */
bool cr_capture_keep_gocore(struct cr_capture *c, struct cr_gocore *gc);
void cr_captures_release(struct cr_captures *s);

/* Add one capture, given as one directory or a list of files (n >= 1).
 * Files of a directory are read at its top level, hidden files skipped.
 * A directory holding capture directories (and nothing but binaries and
 * unrecognised files itself) adds each subdirectory as a capture, oldest
 * first when their profiles all carry times; its binaries serve them all.
 * Every file is detected by content; profiles are loaded here. A file that
 * cannot be read or parsed is a warning (the capture goes on), unless
 * nothing usable remains: then CR_EMPTY and the capture is not added.
 * A "capture" made only of ELF binaries is not a capture: it sets
 * s->binary, for every capture.
 * CR_NOMEM/CR_LIMIT are fatal. */
enum cr_err cr_captures_add(struct cr_captures *s, const char *const *paths, size_t n,
			    struct cr_error *e);

/* Put the captures in the order they were taken, whatever order they were
 * given in: a capture holding a core last (its time is the crash, after
 * every snapshot); the others by their profiles' time (time_nanos) when
 * each has one, else by their files' newest mtime; ties keep the given
 * order. *moved: the order changed. CR_NOMEM only. */
enum cr_err cr_captures_order(struct cr_captures *s, bool *moved);

/* Split command-line arguments into captures: each directory is one
 * capture; consecutive files form one capture, and a file whose role and
 * format are already in the current group starts the next one (so "heap1
 * gr1 heap2 gr2", or "before/ * after/ *" expanded, is two captures); an
 * ELF binary is a group of its own. Returns the number of captures and fills
 * starts[k] / counts[k] (arrays of n entries). */
size_t cr_capture_group_args(const char *const *args, size_t n, size_t *starts, size_t *counts);

#endif
