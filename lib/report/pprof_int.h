/* Shared between top.c, pprof_traces.c and pprof_graph.c (pprof's reports);
 * not public API. */
#ifndef CORONER_REPORT_PPROF_INT_H
#define CORONER_REPORT_PPROF_INT_H

#include <stddef.h>
#include <stdint.h>

/* Go's int64 arithmetic wraps and pprof's sums and abs64 do too: the same
 * numbers on hostile values (INT64_MIN, sums past 2^63), without C's UB. */
static inline int64_t wadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t wabs(int64_t v) { return v < 0 ? (int64_t)(0 - (uint64_t)v) : v; }

/* Go's filepath.Clean of in into out (cap bytes, NUL-terminated); returns
 * the length written. An input of cap bytes or more is copied as is,
 * truncated to fit. */
size_t cr_pprof_clean_path(const char *in, char *out, size_t cap);

/* The part of s after its last '/', or s when there is none or it ends in
 * '/'; points into s. */
const char *cr_pprof_base_name(const char *s);

#endif
