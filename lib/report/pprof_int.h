/* Shared between top.c, pprof_traces.c and pprof_graph.c (pprof's reports);
 * not public API. */
#ifndef CORONER_REPORT_PPROF_INT_H
#define CORONER_REPORT_PPROF_INT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Go's int64 arithmetic wraps and pprof's sums and abs64 do too: the same
 * numbers on hostile values (INT64_MIN, sums past 2^63), without C's UB. */
static inline int64_t wadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t wabs(int64_t v) { return v < 0 ? (int64_t)(0 - (uint64_t)v) : v; }

/* Go's filepath.Clean of in into out (also in pprof.h, for cmd/) */
size_t cr_pprof_clean_path(const char *in, char *out, size_t cap);

/* The part of s after its last '/', or s when there is none or it ends in
 * '/'; points into s. */
const char *cr_pprof_base_name(const char *s);

/* The tags of a visual graph's nodes (pprof_tags.c), gathered while the
 * graph is walked: init once per profile, reset before each walk, add as
 * the walk adds a sample to a node's cum (flat false) or flat. */
struct cr_ptags;
struct cr_pprof_opts;
struct cr_profile;
struct cr_pgraph;
enum cr_err cr_ptags_init(struct cr_ptags **t, const struct cr_profile *p, const struct cr_pprof_opts *o);
void cr_ptags_reset(struct cr_ptags *t);
enum cr_err cr_ptags_add(struct cr_ptags *t, uint32_t node, size_t sample, int64_t w, int64_t dw, bool flat);
/* counts[node] += the tags with a flat value left by a trim at cutoff */
void cr_ptags_counts(const struct cr_ptags *t, int64_t cutoff, size_t *counts);
/* g's tags (tags, tag_start) from the build's: newid maps build nodes to g's */
enum cr_err cr_ptags_export(const struct cr_ptags *t, struct cr_pgraph *g, const uint32_t *newid, size_t nbuild,
			    int64_t cutoff);
void cr_ptags_free(struct cr_ptags *t);

/* Shared by pprof_graph.c and pprof_tree.c (-call_tree) */
struct cr_pgraph_edge;
struct cr_pgraph_trim;
/* the entropy scores of n nodes whose flat, cum and score are the int64s at
 * vals + i*stride bytes, in that order (pprof_graph.c says how) */
enum cr_err cr_pgraph_entropy(int64_t *vals, size_t stride, size_t n, const struct cr_pgraph_edge *edges, size_t ne);
/* g's in/out edge lists over its n nodes (the ghosts included), sorted */
enum cr_err cr_pgraph_index_edges(struct cr_pgraph *g, size_t n);
/* pprof's selectOutputUnit over g's nodes */
void cr_pgraph_select_unit(struct cr_pgraph *g, const struct cr_pprof_opts *o, bool integer_unit);
/* the call tree of -call_tree, trimmed as pprof trims it (pprof_tree.c);
 * g->names, sample_type/unit and total are set by the caller */
enum cr_err cr_ptree_compute(struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
			     const struct cr_pgraph_trim *tr);

#endif
