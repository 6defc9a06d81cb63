/* The memory snapshot model and the RSS ledger.
 *
 * A struct cr_memsnap holds what one memory file says about one process (or
 * cgroup) at one moment: named counters in file order (every field is kept,
 * unknown ones included, since kernels differ) and, for smaps/maps, the
 * mappings with their residency. Readers: /proc/PID/smaps_rollup, smaps,
 * maps, status; cgroup v1 and v2 memory.stat; Go's runtime.MemStats (the
 * `# runtime.MemStats` block of a debug=1 heap profile, or MemStats as JSON,
 * also nested as expvar's "memstats"), and runtime/metrics (a Go service's
 * Prometheus /metrics text, "/NAME:UNIT: VALUE" lines, a JSON object of
 * them), read onto MemStats' field names with GOGC, GOMEMLIMIT, GOMAXPROCS,
 * Goroutines (docs/coroner-mem.md). GODEBUG=gctrace=1 logs have their own
 * reader (struct cr_gctrace).
 *
 * Units: every value whose source unit is kB is stored in BYTES (checked
 * multiplication: a value that overflows is an error, never a wrap). memory.stat
 * and MemStats are already bytes. Counts (Threads, pgfault, NumGC, ...) are
 * kept as they are, marked CR_MU_COUNT. Non-numeric fields (Name, VmFlags,
 * Cpus_allowed, ...) are kept as text.
 *
 * Ownership: a snapshot owns all its strings and arrays; cr_memsnap_release()
 * frees everything. Field names are interned: two fields with the same name
 * in one snapshot share the pointer.
 *
 * The ledger (cr_ledger_compute) joins snapshots: it splits RSS into
 * components that add up to RSS exactly (a signed `unexplained` catch-all
 * absorbs the rest), labels each mapping by what it holds, and states
 * findings. Diffs of two snapshots (coroner diff) are cr_memdiff_fields() and
 * cr_memdiff_labels().
 */
#ifndef CORONER_MEM_H
#define CORONER_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/util.h"

/* What a snapshot was read from. */
enum cr_memsrc {
	CR_MS_NONE,
	CR_MS_SMAPS_ROLLUP, /* /proc/PID/smaps_rollup */
	CR_MS_SMAPS,        /* /proc/PID/smaps: mappings + fields summed over them */
	CR_MS_MAPS,         /* /proc/PID/maps: mappings, no residency */
	CR_MS_STATUS,       /* /proc/PID/status */
	CR_MS_CGROUP_V1,    /* memory.stat of cgroup v1 (cache, rss, total_*) */
	CR_MS_CGROUP_V2,    /* memory.stat of cgroup v2 (anon, file, ...) */
	CR_MS_MEMSTATS,     /* Go runtime.MemStats (heap profile block, JSON, a core) */
};
const char *cr_memsrc_name(enum cr_memsrc s);

enum cr_memunit { CR_MU_BYTES, CR_MU_COUNT, CR_MU_TEXT };

struct cr_memfield {
	const char *name;  /* interned in the snapshot */
	const char *text;  /* CR_MU_TEXT only (else NULL) */
	int64_t value;     /* bytes or count */
	enum cr_memunit unit;
};

/* What a mapping holds (cr_memsnap_label). */
enum cr_maplabel {
	CR_ML_GO_ARENA,     /* Go heap arena (exact ranges, or the runtime's arena hints) */
	CR_ML_BINARY,       /* the main binary: text, data, and its bss right after it */
	CR_ML_SHARED_LIB,   /* *.so files */
	CR_ML_BRK_HEAP,     /* [heap]: brk, C malloc's main arena */
	CR_ML_MALLOC_ARENA, /* glibc per-thread malloc arenas (64 MiB aligned heaps) */
	CR_ML_THREAD_STACK, /* anonymous rw mapping right above a one-page guard */
	CR_ML_MAIN_STACK,   /* [stack] */
	CR_ML_ANON,         /* other anonymous memory (Go runtime metadata, C mmap, ...) */
	CR_ML_FILE,         /* other file mappings */
	CR_ML_SHMEM,        /* shared memory: /dev/shm, SysV, memfd, anonymous shared */
	CR_ML_KERNEL,       /* [vdso], [vvar], [vsyscall] */
	CR_ML_RESERVED,     /* no access (---p): reservations and guard pages */
	CR_ML_COUNT
};
/* "go_arena", "binary", "shared_lib", "brk_heap", "malloc_arena",
 * "thread_stack", "main_stack", "anon", "file", "shmem", "kernel", "reserved". */
const char *cr_maplabel_name(enum cr_maplabel l);

struct cr_memmap {
	uint64_t start, end, offset, inode;
	char perms[5];
	const char *path;   /* "" for anonymous mappings; "(deleted)" suffix kept */
	/* bytes; -1 when the file does not have the field (maps, old kernels) */
	int64_t rss, pss, anon, swap, anon_huge, lazyfree, shared_clean, shared_dirty,
		private_clean, private_dirty;
	uint32_t field_start, nfields; /* all fields, into cr_memsnap.mfields */
	enum cr_maplabel label;
};

struct cr_memsnap {
	enum cr_memsrc src;
	const char *name;      /* file name for messages (copied) */
	struct cr_memfield *fields; size_t nfields, cap_fields;
	struct cr_memmap *maps; size_t nmaps, cap_maps;
	struct cr_memfield *mfields; size_t nmfields, cap_mfields;
	/* private */
	struct cr_arena arena;
	struct cr_hmap names, index; /* name interning; field name -> index+1 */
};

void cr_memsnap_init(struct cr_memsnap *s);
void cr_memsnap_release(struct cr_memsnap *s);

/* Parse a memory file already in memory (decompressed). The kind is detected
 * from the content: smaps_rollup, smaps, maps, status, memory.stat (v1/v2),
 * a debug=1 heap profile (its MemStats block), MemStats JSON or Go runtime
 * metrics (a CR_MS_MEMSTATS snapshot; the names not understood are one
 * line of warn). For smaps,
 * `fields` holds the sums over all mappings of every numeric field (what
 * smaps_rollup reports for the same moment). warn (may be NULL) receives one
 * line per tolerated oddity. Errors: CR_FORMAT with "NAME: KIND: line N: ..."
 * (overflowing kB values, fields before any mapping, garbage lines, a
 * required field missing), CR_UNSUPPORTED for a file of another kind,
 * CR_NOMEM/CR_LIMIT. On error the snapshot is left empty-ish but releasable. */
enum cr_err cr_memsnap_parse(struct cr_memsnap *s, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e);
/* Go runtime metrics only (lib/mem/rtmetrics.c), whatever detection would
 * say: the Prometheus text exposition of a Go service's /metrics
 * (client_golang's Go collector: go_memstats_* and the names it derives
 * from runtime/metrics), "/NAME:UNIT: VALUE" lines of runtime/metrics names,
 * or a JSON object of name -> value (the form is chosen by the first byte:
 * '{', '/', else Prometheus). The snapshot becomes CR_MS_MEMSTATS with
 * MemStats' field names (HeapInuse = /memory/classes/heap/objects +
 * .../unused, ...) and GOGC, GOMEMLIMIT, GOMAXPROCS, Goroutines (Go <= 1.25:
 * NumGoroutine) or GoroutinesAll (Go 1.26+: the runtime's own goroutines
 * too), HeapLive, Threads; docs/coroner-mem.md has the table. The names not
 * understood (a newer release's) are counted and named in one line of warn.
 * CR_FORMAT for a malformed line or no Go memory figure at all. */
enum cr_err cr_memsnap_parse_metrics(struct cr_memsnap *s, const unsigned char *data, size_t len,
				     const char *name, struct cr_buf *warn, struct cr_error *e);
/* The same from a path ("-" = stdin; gzip/zstd inflated). */
enum cr_err cr_memsnap_load(struct cr_memsnap *s, const char *path, struct cr_buf *warn,
			    struct cr_error *e);

/* Builders, for sources that are not text files (a core's memstats, tests).
 * The snapshot's src must be set by the caller. */
enum cr_err cr_memsnap_set(struct cr_memsnap *s, const char *key, int64_t value,
			   enum cr_memunit unit);


/* ---- cgroup control files besides memory.stat (lib/mem/cgroup.c) ----
 * v2: memory.max, memory.high, memory.current, memory.peak, memory.swap.current,
 * memory.swap.max, memory.events; v1: memory.limit_in_bytes, memory.usage_in_bytes,
 * memory.max_usage_in_bytes, memory.failcnt, memory.oom_control. Known by name
 * (most hold one number). A single-value file becomes a field named as the
 * file ("max" = INT64_MAX); a keyed file one field per key, "FILE.KEY"
 * (memory.events.oom_kill). */
/* 2 or 1: the cgroup version a control file belongs to, by the base name of
 * path; 0 = not one. */
int cr_cgroup_file_version(const char *path);
/* Add one control file's content to a cgroup snapshot (an empty one becomes
 * CR_MS_CGROUP_V1/V2 by the file's version). display names it in messages. */
enum cr_err cr_memsnap_add_cgroup_file(struct cr_memsnap *s, const char *basename, const unsigned char *data,
				       size_t len, const char *display, struct cr_error *e);
/* The same from a path (its base name says what it is). */
enum cr_err cr_memsnap_add_cgroup_path(struct cr_memsnap *s, const char *path, struct cr_error *e);
/* A cgroup from a directory (its memory.stat and every control file above
 * that it holds: /sys/fs/cgroup/... or a copy) or from one file (memory.stat,
 * or a control file by name). */
enum cr_err cr_memsnap_load_cgroup(struct cr_memsnap *s, const char *path, struct cr_buf *warn,
				   struct cr_error *e);

#define CR_CGROUP_UNLIMITED INT64_MAX
/* What a cgroup snapshot says, whichever version and files. -1 = unknown. */
struct cr_cgroup_view {
	int version;
	bool have_stat;                 /* memory.stat was read */
	int64_t anon, file;             /* memory.stat: anonymous, page cache */
	int64_t limit;                  /* effective limit, or CR_CGROUP_UNLIMITED */
	int64_t usage, peak;            /* memory.current/usage_in_bytes, memory.peak/max_usage_in_bytes */
	int64_t oom_kills;              /* memory.events / memory.oom_control oom_kill */
	int64_t limit_hits;             /* v2 memory.events max; v1 memory.failcnt */
	const char *limit_from, *oom_from; /* file names, for evidence */
	/* CPU limit: quota and period (us) of cpu.max or cpu.cfs_quota_us and
	 * cpu.cfs_period_us; quota CR_CGROUP_UNLIMITED when unlimited, both -1
	 * when not given */
	int64_t cpu_quota, cpu_period;
	const char *cpu_from;
};
void cr_cgroup_view(const struct cr_memsnap *s, struct cr_cgroup_view *v);

/* ---- the kernel's OOM-killer reports in a kernel log (lib/mem/kmsg.c) ----
 * dmesg, journalctl -k or kern.log text; one record per "Killed process" line,
 * with what the report's earlier lines said about it. Bytes; -1 = not said. */
struct cr_oomkill {
	int64_t pid;                 /* the killed process */
	char comm[32];               /* its name as the kernel wrote it */
	int64_t total_vm, anon_rss, file_rss, shmem_rss;
	bool memcg;                  /* a memory cgroup's limit, not the whole system */
	char constraint[32];         /* CONSTRAINT_MEMCG, CONSTRAINT_NONE, ... ("" if not said) */
	int64_t constraint_pid;      /* pid= of the oom-kill: line */
	char memcg_path[128];        /* oom_memcg= */
	char trigger[32];            /* the task that invoked the OOM killer */
	int64_t usage, limit, failcnt; /* "memory: usage NkB, limit NkB, failcnt N" */
	size_t line;                 /* line of the "Killed process" line */
	char stamp[40];              /* that line's time stamp as written ("" if none) */
};
struct cr_ooms {
	struct cr_oomkill *v; size_t n, cap;
	size_t lines;
};
/* Parse the kills of a kernel log (o zeroed first). CR_EMPTY if none;
 * CR_LIMIT for a line past cr_limits.max_line or more than 100000 kills. */
enum cr_err cr_ooms_parse(struct cr_ooms *o, const unsigned char *data, size_t len, const char *name,
			  struct cr_error *e);
enum cr_err cr_ooms_load(struct cr_ooms *o, const char *path, struct cr_error *e);
void cr_ooms_release(struct cr_ooms *o);

/* Field value by name; false if absent or text. */
bool cr_memsnap_get(const struct cr_memsnap *s, const char *key, int64_t *value);
const struct cr_memfield *cr_memsnap_field(const struct cr_memsnap *s, const char *key);

/* Do two snapshots look like the same process at about the same time?
 * Appends one line per doubt to warn: status Pid/Name differ; MemStats
 * LastGC more than max_skew_s apart or NumGC going backwards (b is taken
 * as the later one). Returns false if anything was appended. Snapshots of
 * different kinds are compared on what they share (nothing: true). */
bool cr_memsnap_check_pair(const struct cr_memsnap *a, const struct cr_memsnap *b,
			   int64_t max_skew_s, struct cr_buf *warn);

/* ---- mapping labels ---- */
/* struct cr_range ([start, end)) is util.h's, so a core's arena list
 * (cr_gort.mem.arenas) can be passed as it is. */

/* Label every mapping of an smaps/maps snapshot. arenas: exact Go heap arena
 * ranges (e.g. read from a core's mheap_.arenas), NULL/0 = use the runtime's
 * arena hints (amd64/arm64: 0x00c0<<32 | i<<40, growing upwards). binary: path
 * of the main executable as it appears in smaps; NULL = the file of the
 * lowest mapping. */
void cr_memsnap_label(struct cr_memsnap *s, const struct cr_range *arenas, size_t narenas,
		      const char *binary);

struct cr_labelsum {
	int64_t count, size, rss, pss, anon, swap, anon_huge;
};
/* Sum the mappings of a labelled snapshot per label (out: CR_ML_COUNT). */
void cr_memsnap_label_sums(const struct cr_memsnap *s, struct cr_labelsum *out);

/* ---- GODEBUG=gctrace=1 ---- */
/* One collection. Go 1.5+ "gc N @Ts P%: ..." lines give every field; the
 * lines of Go <= 1.4 ("gcN(P): ...", old set) give no time, no CPU share and
 * no goal: at_s 0, cpu_pct 0, goal_mb -1, the pause (the whole collection
 * stopped the world) in stw1_ms, and the heap before and after it in
 * heap_start_mb and heap_end_mb = live_mb. */
struct cr_gc {
	uint64_t num;
	double at_s;           /* seconds since program start */
	int cpu_pct;           /* GC's share of CPU since start, % */
	double stw1_ms, conc_ms, stw2_ms; /* wall clock: sweep term., mark, mark term. */
	double heap_start_mb, heap_end_mb, live_mb, goal_mb; /* MB = 2^20 bytes */
	double stacks_mb, globals_mb; /* -1 when absent (Go < 1.18) */
	int procs;
	bool forced;
	bool leak_check;       /* "(checking for goroutine leaks)": the leak profile's GC (go1.26+) */
	int64_t scan_objs, scan_spans; /* gctrace=2 "scan: total" line after it (go1.25+); -1 absent;
					* spans only from the Green Tea collector */
	bool old;              /* a Go <= 1.4 line */
	int64_t objects;       /* live objects after it (Go <= 1.4 lines); -1 absent */
};
/* The scavenger (memory returned to the OS), from the same log:
 *   Go <= 1.14 with gctrace=1: "scvgN: inuse: I, idle: D, sys: S, released: R,
 *     consumed: C (MB)" (the last one is kept) and "scvgN: N MB released"
 *     (Go 1.13, 1.14: "scvg: ", and "N KB released" too);
 *   Go 1.15+ with scavtrace=1: "scav [GEN ]W KiB work, T KiB total, U% util"
 *     (1.21+: "W KiB work (bg), E KiB work (eager), T KiB now, U% util").
 * Absent figures are -1. */
struct cr_scavenge {
	size_t scvg_lines, scav_lines;
	double inuse_mb, idle_mb, sys_mb, consumed_mb; /* the last scvg summary */
	double released_mb;   /* returned to the OS and not reused: last scvg "released" or scav total */
	double freed_mb;      /* sum of what each line released ("N MB released", "W KiB work") */
	int util_pct;         /* the last scav line's utilisation; -1 absent */
};
struct cr_gctrace {
	struct cr_gc *gcs; size_t n, cap;
	size_t other_lines;    /* lines that are neither gc nor scavenger lines (program output) */
	size_t old_lines;      /* gc lines of Go <= 1.4 among gcs */
	struct cr_scavenge scav;
	/* gc lines read with a part not understood (a newer release's
	 * annotation or field): how many, the first's line and text */
	size_t unknown; size_t unknown_line; char unknown_what[96];
};
struct cr_gcstats {
	size_t count, forced;
	double span_s, interval_ms;        /* first to last GC; mean interval (0 for Go <= 1.4 lines) */
	double pause_p50_ms, pause_p90_ms, pause_p99_ms, pause_max_ms; /* STW = stw1+stw2 */
	double goal_first_mb, goal_last_mb, goal_max_mb, live_last_mb; /* goals -1 for Go <= 1.4 lines */
	double alloc_mb_s;                 /* allocated between GCs / time */
	int cpu_pct_last;
	uint64_t last_num;
	size_t leak_checks;                /* GCs of the goroutine leak detection */
	int64_t scan_objs_last, scan_spans_last; /* the last gctrace=2 scan totals; -1 none */
	bool old;                          /* the last line is of Go <= 1.4 (no time, CPU or goal) */
	struct cr_scavenge scav;
};
void cr_gctrace_init(struct cr_gctrace *t);
void cr_gctrace_release(struct cr_gctrace *t);
/* Parse gc lines (Go 1.5+ and Go <= 1.4) and scavenger lines out of a log
 * (other lines are counted and skipped; a gc line that does not parse is a
 * warning, and so is a line read without an annotation or field it does not
 * know). CR_EMPTY if there is neither a gc nor a scavenger line. */
enum cr_err cr_gctrace_parse(struct cr_gctrace *t, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e);
enum cr_err cr_gctrace_load(struct cr_gctrace *t, const char *path, struct cr_buf *warn,
			    struct cr_error *e);
void cr_gctrace_stats(const struct cr_gctrace *t, struct cr_gcstats *s);

/* ---- the ledger ---- */
enum cr_component {
	CR_C_GO_HEAP_INUSE, CR_C_GO_HEAP_IDLE, CR_C_GO_STACKS, CR_C_GO_RUNTIME,
	CR_C_NON_GO_ANON, CR_C_FILE_BACKED, CR_C_SHMEM, CR_C_UNEXPLAINED, CR_C_COUNT
};
const char *cr_component_name(enum cr_component c);

struct cr_ledger_in {
	/* any subset; NULL = not given. memstats: CR_MS_MEMSTATS snapshot. */
	const struct cr_memsnap *rollup, *smaps, *status, *cgroup, *memstats;
	const struct cr_gctrace *gctrace;
	const struct cr_range *arenas; size_t narenas; /* exact arenas (core) */
	const char *binary;                            /* main binary's path */
};

struct cr_ledger_comp {
	int64_t bytes;
	char source[160]; /* where the number comes from */
	char note[400];   /* how sure it is */
};

enum cr_severity { CR_SEV_INFO, CR_SEV_WARN, CR_SEV_HIGH };
struct cr_finding {
	const char *id;        /* stable: "non_go_anon", "idle_heap", "gc_frequent", ... */
	enum cr_severity severity;
	char text[600];
};

struct cr_ledger {
	int64_t rss;
	char rss_source[64];
	struct cr_ledger_comp comp[CR_C_COUNT];
	bool have_labels;
	struct cr_labelsum labels[CR_ML_COUNT];
	bool have_gc;
	struct cr_gcstats gc;
	/* the cgroup's view (memory.stat and control files), when given */
	bool have_cgroup;
	struct cr_cgroup_view cgroup;
	struct cr_finding *findings; size_t nfindings, cap_findings;
	struct cr_buf warnings; /* one per line: inputs that disagree, skew */
	int64_t pid;            /* from status; -1 unknown */
	char process[64];       /* status Name or the binary's base name */
};

/* Compute the ledger. The smaps snapshot (if any) gets its mappings labelled
 * (hence non-const through in->smaps; the cast is documented here: labels are
 * the only thing written). Needs a source of RSS: smaps_rollup Rss, status
 * VmRSS, or smaps (sum). CR_USAGE if none is given. Disagreeing inputs
 * (pids, names, RSS totals far apart, MemStats that do not fit the arena)
 * are warnings, and the ledger says which component they affect. */
enum cr_err cr_ledger_compute(struct cr_ledger *l, const struct cr_ledger_in *in,
			      struct cr_error *e);
void cr_ledger_release(struct cr_ledger *l);

/* ---- diffs of two snapshots (coroner diff) ---- */
struct cr_memdiff_row {
	const char *name;      /* field or label name (owned by the diff) */
	int64_t base, new_, delta; /* bytes or counts; absent side = 0 */
	enum cr_memunit unit;
	bool in_base, in_new;
};
struct cr_memdiff {
	enum cr_memsrc src;
	struct cr_memdiff_row *rows; size_t nrows, cap;
	struct cr_arena arena;
};
void cr_memdiff_init(struct cr_memdiff *d);
void cr_memdiff_release(struct cr_memdiff *d);
/* Field by field: every numeric field of base in base's order, then those
 * only in new. Both snapshots must be of the same kind (smaps_rollup, status,
 * memory.stat, MemStats; smaps compares its summed fields), else CR_FORMAT
 * "BASE and NEW are not the same kind of file". JSON contract of `coroner
 * diff`: {"fields":[{"name","base","new","delta"}]} with these rows. */
enum cr_err cr_memdiff_fields(struct cr_memdiff *d, const struct cr_memsnap *base,
			      const struct cr_memsnap *new_, struct cr_error *e);
/* Per mapping label of two smaps (labelled here, with arena hints and each
 * file's lowest mapping as the binary): one row per label that has mappings
 * on either side, Rss base/new/delta, sorted by |delta| descending then name.
 * CR_FORMAT if either is not smaps. */
enum cr_err cr_memdiff_labels(struct cr_memdiff *d, struct cr_memsnap *base,
			      struct cr_memsnap *new_, struct cr_error *e);

#endif
