/* Shared between the parts of `coroner report`; not public API.
 *
 * Who calls whom (downward only): report.c runs the analyses
 * (findings_<analysis>.c, one file each); the analyses build findings with
 * findings.c (the finding model and ranking) and attribute samples with
 * findings_attr.c; findings_map.c also scans debug=1 heap text. */
#ifndef CORONER_REPORT_FINDINGS_INT_H
#define CORONER_REPORT_FINDINGS_INT_H

#include "coroner/mem.h"
#include "coroner/report.h"

/* Copy into the report's arena; NULL on NOMEM. */
const char *cr_report_strdup(struct cr_report *r, const char *s);
/* One line into r->warnings / r->notes. */
void cr_report_warn(struct cr_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cr_report_note(struct cr_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool cr_report_is_runtime(const char *name);
bool cr_report_is_user(const char *name);
bool cr_report_is_map_func(const char *name);
size_t cr_report_sample_names(const struct cr_profile *p, size_t i, const char **out, size_t max);

/* Sums per function name, two slots (first/last capture). Names point into
 * the map's arena. */
struct fsum {
	const char *name;
	int64_t v[2];
};
struct fsums {
	struct cr_hmap idx;
	struct fsum *rows;
	size_t n, cap;
};
enum cr_err cr_fsums_add(struct fsums *s, const char *name, int slot, int64_t v);
/* Sum value si of every sample of p into slot, by user function. */
enum cr_err cr_fsums_profile(struct fsums *s, const struct cr_profile *p, int si, int slot);
void cr_fsums_release(struct fsums *s);
/* qsort orders of fsum rows: by v[1] - v[0], by v[1]; larger first, then name. */
int cr_fsum_by_delta(const void *a, const void *b);
int cr_fsum_by_second(const void *a, const void *b);

/* A function table: columns function, before, after, delta (two slots) or
 * function, bytes, share (one slot); at most max rows. */
enum cr_err cr_report_function_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
				     const char *title, struct fsum *rows, size_t n, size_t max,
				     bool two, int64_t total);

/* The first / last capture whose profile pointer at byte offset off of
 * struct cr_capture (offsetof(struct cr_capture, heap), ...) is set. */
const struct cr_capture *cr_report_first_with(const struct cr_report *r, size_t off);
const struct cr_capture *cr_report_last_with(const struct cr_report *r, size_t off);
/* The profile with alloc_space of capture c: allocs, else heap; *path its file. */
const struct cr_profile *cr_report_alloc_profile(const struct cr_capture *c, const char **path);
/* The first and the last capture with an allocation profile (allocs or
 * heap); the last is NULL when none has one. */
void cr_report_alloc_span(const struct cr_report *r, const struct cr_capture **first,
			  const struct cr_capture **last);

/* Bytes as text ("1.5 MiB"); signed with a leading '+' when positive. */
void cr_report_bytes_text(char *b, size_t n, int64_t v);
void cr_report_signed_bytes(char *b, size_t n, int64_t v);
/* name as a --focus pattern a shell and a regex both take literally. */
const char *cr_report_focus_re(const char *name, char *buf, size_t n);

/* Map code hidden by runtime/pprof in a debug=1 heap profile, found again
 * with the binary (findings_map.c). Callers' alloc_space goes to slot of s
 * (may be NULL). */
struct cr_hidden_maps {
	int64_t alloc_total, map_alloc; /* alloc_space, unsampled as pprof */
	int64_t inuse_total, map_inuse; /* inuse_space */
	size_t records, map_records;
};
enum cr_err cr_report_heaptext_maps(struct cr_report *r, const char *heap_text, const char *binary,
				    const char *smaps, struct fsums *s, int slot,
				    struct cr_hidden_maps *out);

/* The in-memory part (fuzz target fuzz-heaptext-maps): scan debug=1 heap
 * text for records whose hidden leading PCs are_map() says are map code. */
enum cr_err cr_heaptext_hidden_scan(const unsigned char *data, size_t len,
				    bool (*is_map)(void *arg, uint64_t pc, bool *nomem), void *arg,
				    struct fsums *s, int slot, struct cr_hidden_maps *out);

/* Load path (may be NULL: false) into s (initialised here, released by the
 * caller); a file that cannot be read is a warning, CR_NOMEM/CR_LIMIT go to
 * *fatal. True if loaded. (findings_mem.c) */
bool cr_report_load_snap(struct cr_report *r, struct cr_memsnap *s, const char *path, enum cr_err *fatal);
/* The capture's cgroup control files into s (memory.stat or not); true if
 * any was read. */
bool cr_report_load_cgroup_files(struct cr_report *r, const struct cr_capture *c, struct cr_memsnap *s,
				 enum cr_err *fatal);

/* The Go heap of the last core of the captures (findings_retain.c), kept
 * in the report's arena for the joins. */
struct cr_rheap_root {
	const char *kind, *name, *function, *path; /* function, path: "" if none */
	int64_t goroutine;                         /* stack roots; else 0 */
	uint64_t bytes, objects;                   /* retained */
	bool conservative;
};
struct cr_rheap_g {
	int64_t goid;
	uint64_t bytes, objects; /* what the goroutine's stack frames retain */
};
struct cr_rheap {
	const char *core, *binary, *go_version;
	size_t cap_index; /* the capture of the core, in r->in.caps */
	uint64_t reachable_bytes, reachable_objects, unreachable_bytes, heap_alloc;
	bool have_heap_alloc, partial;
	const char *top_type; /* the type with the most reachable bytes; NULL if none */
	struct cr_rheap_root *roots; size_t nroots; /* the largest retainers, largest first */
	size_t nretaining;    /* roots retaining anything */
	struct cr_rheap_g *gs; size_t ngs; /* by goroutine id */
};
struct cr_gocore;
/* Read the heap of a core just opened (gc) and keep its summary in r->heap
 * (a later core replaces it). A heap that cannot be read is a note. */
enum cr_err cr_report_core_heap(struct cr_report *r, size_t cap_index, const char *core_path,
				const char *bin_path, struct cr_gocore *gc);

/* Analyses, one file each. Each returns CR_OK unless out of memory;
 * what it cannot do goes to warnings/notes. */
enum cr_err cr_report_analyse_mismatch(struct cr_report *r);      /* inputs_mismatch */
enum cr_err cr_report_analyse_crash(struct cr_report *r);         /* crash from tracebacks */
enum cr_err cr_report_analyse_heap_growth(struct cr_report *r);   /* heap_growth */
enum cr_err cr_report_analyse_map_growth(struct cr_report *r);    /* map_growth */
enum cr_err cr_report_analyse_alloc_hotspot(struct cr_report *r); /* alloc_hotspot */
enum cr_err cr_report_analyse_cores(struct cr_report *r); /* crash from cores; core goroutines */
/* C and C++ cores (findings_ccrash.c): a binary without a Go pclntab, its crash finding */
bool cr_report_is_c_binary(const char *bin);
enum cr_err cr_report_ccrash(struct cr_report *r, const char *core_path, const char *bin);
enum cr_err cr_report_analyse_leaks(struct cr_report *r); /* goroutine_leak */
enum cr_err cr_report_analyse_mem(struct cr_report *r);   /* rss_gap */
enum cr_err cr_report_analyse_oom(struct cr_report *r);   /* oom_kill */
enum cr_err cr_report_analyse_gc(struct cr_report *r);    /* gc_pressure */
enum cr_err cr_report_analyse_race(struct cr_report *r);  /* data_race */
enum cr_err cr_report_analyse_net(struct cr_report *r);   /* conn_leak, fd_exhaustion, accept_backlog */
enum cr_err cr_report_analyse_limits(struct cr_report *r); /* memory_limit, cpu_limit */
/* retained_by; joins the heap into goroutine_leak and heap_growth (run after them) */
enum cr_err cr_report_analyse_retention(struct cr_report *r);
/* "GOMEMLIMIT=NMiB (90% of the cgroup's ... limit, FILE; Go 1.19+)" from the
 * last capture's cgroup files, or without a value when none gives a limit
 * (findings_limits.c). */
enum cr_err cr_report_gomemlimit(struct cr_report *r, char *buf, size_t n);

#endif
