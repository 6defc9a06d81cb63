/* Shared between the parts of `coroner report` (lib/report/findings*.c);
 * not public API. */
#ifndef CORONER_REPORT_FINDINGS_INT_H
#define CORONER_REPORT_FINDINGS_INT_H

#include "coroner/findings.h"

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
void cr_fsums_release(struct fsums *s);

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

/* Analyses in their own files. Each returns CR_OK unless out of memory;
 * what it cannot do goes to warnings/notes. */
enum cr_err cr_report_analyse_cores(struct cr_report *r); /* crash from cores; core goroutines */
enum cr_err cr_report_analyse_leaks(struct cr_report *r); /* goroutine_leak */
enum cr_err cr_report_analyse_mem(struct cr_report *r);   /* rss_gap */
enum cr_err cr_report_analyse_oom(struct cr_report *r);   /* oom_kill */
enum cr_err cr_report_analyse_gc(struct cr_report *r);    /* gc_pressure */
enum cr_err cr_report_analyse_net(struct cr_report *r);   /* conn_leak, fd_exhaustion, accept_backlog */

#endif
