/* go tool pprof's other reports over the profile model (-traces, -tags),
 * computed here and printed by cmd/; `top` has its own header (top.h). */
#ifndef CORONER_PPROF_H
#define CORONER_PPROF_H

#include "coroner/profile.h"
#include "coroner/top.h"

/* What pprof's report options set, for the reports below. */
struct cr_pprof_opts {
	int sample_index;          /* resolved index into p->types */
	enum cr_granularity gran;
	bool noinlines;
	const char *unit;          /* output unit; NULL or "minimum": pprof's default */
	double divide_by;          /* pprof's -divide_by; 0 or 1: none */
	bool merged;               /* several sources or a base: pprof merged them, and
				    * its merge drops the samples whose values are all 0 */
};

/* pprof's printable name of every line of every location at a granularity
 * (its Aggregate, then NodeInfo.PrintableName): the names of location li are
 * name[start[li] .. start[li] + n[li]), innermost (inlined) first. */
struct cr_pprof_frame {
	const char *name, *file, *objfile; /* what the granularity keeps ("" if not) */
	uint64_t address;
	int64_t line;
};
struct cr_pprof_names {
	struct cr_arena arena;
	const char **name;
	struct cr_pprof_frame *frame; /* the parts of each name */
	uint32_t *start, *n;
};
enum cr_err cr_pprof_names_build(struct cr_pprof_names *nm, const struct cr_profile *p,
				 enum cr_granularity g, bool noinlines, struct cr_error *e);
void cr_pprof_names_release(struct cr_pprof_names *nm);

/* A value as pprof's report prints it (divide_by applied, then scaled). */
void cr_pprof_format(const struct cr_pprof_opts *o, const char *sample_unit, int64_t v, char *out,
		     size_t n);

/* ---- -traces ---- */
struct cr_trace_label {
	const char *key, *values; /* the values joined by ' ' (numbers scaled) */
	bool numeric;
};
struct cr_trace {
	int64_t value;                    /* the sample's value (before -divide_by) */
	struct cr_trace_label *labels;    /* string labels, then numeric, each sorted as pprof */
	uint32_t nlabels;
	uint32_t loc_start, nloc;         /* its locations: stack[loc_start..], leaf first */
};
struct cr_traces {
	struct cr_arena arena;
	struct cr_pprof_names names;
	const char *sample_type, *sample_unit;
	struct cr_trace *traces;
	size_t ntraces;
	const uint32_t *stack; /* the profile's location indices */
};
/* Every sample with a stack, in the profile's order. A location li of a
 * trace has the frames names.name[names.start[li] + j], j < names.n[li],
 * each but the last inlined into the next. */
enum cr_err cr_traces_compute(struct cr_traces *t, const struct cr_profile *p,
			      const struct cr_pprof_opts *o, struct cr_error *e);
void cr_traces_release(struct cr_traces *t);

/* ---- -tags ---- */
struct cr_tag_value {
	const char *name;  /* a string label's value, or a number scaled to text */
	int64_t value;     /* sum of the samples' values carrying it */
};
struct cr_tag_key {
	const char *key;
	int64_t total;     /* sum over the key's values */
	struct cr_tag_value *values; /* pprof's order: by |value| desc, then name */
	size_t nvalues;
};
struct cr_tags {
	struct cr_arena arena;
	const char *sample_type, *sample_unit;
	int64_t total;     /* the report's total (pprof's rpt.total) */
	struct cr_tag_key *keys; /* pprof's order: by |total| desc, then key */
	size_t nkeys;
};
/* total: the report's total (pprof takes it before the filters). */
enum cr_err cr_tags_compute(struct cr_tags *t, const struct cr_profile *p, const struct cr_pprof_opts *o,
			    int64_t total, struct cr_error *e);
void cr_tags_release(struct cr_tags *t);

/* ---- the call graph of -tree and -peek ---- */
struct cr_pgraph_node {
	const char *name;
	uint32_t slot;     /* a name slot of the node: names.frame[slot] are its parts */
	int64_t flat, cum;
	bool ghost;        /* not in the graph (its values cancelled out), an edge's end */
};
struct cr_pgraph_edge {
	uint32_t from, to;  /* node indices (caller, callee) */
	int64_t weight;
	bool residual, inl;
};
struct cr_pgraph_trim {
	long nodecount;      /* <= 0: all */
	double nodefraction, edgefraction;
	bool cum;            /* order nodes by cum (pprof -cum) */
	bool integer_unit;   /* the output unit for integers (callgrind): no 1/100 scaling */
};
struct cr_pgraph {
	struct cr_pprof_names names;
	const char *sample_type, *sample_unit;
	const char *output_unit; /* pprof's selectOutputUnit over the nodes */
	int64_t total;
	struct cr_pgraph_node *nodes; /* in pprof's order; then the ghosts edges reach */
	size_t nnodes, orig_count, dropped_nodes, dropped_edges;
	struct cr_pgraph_edge *edges;
	size_t nedges;
	/* node i's incoming edges (i < nnodes): in[in_start[i] .. in_start[i+1]),
	 * sorted as pprof prints them; the same for out */
	uint32_t *in_start, *out_start, *in, *out;
};
/* total: pprof's rpt.total (before the filters). */
enum cr_err cr_pgraph_compute(struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
			      const struct cr_pgraph_trim *tr, int64_t total, struct cr_error *e);
void cr_pgraph_release(struct cr_pgraph *g);

/* ---- -raw ---- */
typedef void cr_emit_fn(void *ctx, const char *s, size_t n);
/* pprof's Profile.String() of p, handed to emit in pieces; merge: of
 * pprof's Merge of p (pprof merged several profiles, and before go1.21 a
 * single one too). */
enum cr_err cr_pprof_raw(const struct cr_profile *p, bool merge, cr_emit_fn *emit, void *ctx, struct cr_error *e);

/* pprof's unit of the numeric label key (NumLabelUnits): the first
 * num_unit a sample gives it; else "bytes" for alignment and request, else
 * the key itself. Points into p. */
const char *cr_profile_label_unit(const struct cr_profile *p, uint32_t key);

#endif
