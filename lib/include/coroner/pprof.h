/* go tool pprof's other reports over the profile model (-traces, -tags),
 * computed here and printed by cmd/; `top` has its own header (top.h). */
#ifndef CORONER_PPROF_H
#define CORONER_PPROF_H

#include "coroner/profile.h"
#include "coroner/top.h"

#include <regex.h>

/* What pprof's report options set, for the reports below. */
struct cr_pprof_opts {
	int sample_index;          /* resolved index into p->types */
	enum cr_granularity gran;
	bool noinlines;
	const char *unit;          /* output unit; NULL or "minimum": pprof's default */
	double divide_by;          /* pprof's -divide_by; 0 or 1: none */
	bool merged;               /* several sources or a base: pprof merged them, and
				    * its merge drops the samples whose values are all 0 */
	bool drop_negative;        /* graph reports: nodes with a negative flat (or
				    * cum, flat 0) left out, as pprof's -drop_negative */
	bool mean;                 /* pprof's -mean: each sum has a divisor, the sum of
				    * the same samples' first value; the report shows
				    * sum / divisor (the sum when the divisor is 0) */
};

/* pprof's mean of a sum v over its divisor d (Go's int64 division: by
 * 0 none, INT64_MIN / -1 wraps). */
static inline int64_t cr_pprof_mean(int64_t v, int64_t d)
{
	if (d == 0)
		return v;
	if (d == -1)
		return (int64_t)(0 - (uint64_t)v);
	return v / d;
}
/* The divisor a sample adds under -mean (its first value), 0 without. */
static inline int64_t cr_pprof_div(const struct cr_profile *p, const struct cr_pprof_opts *o, size_t s)
{
	return o->mean && p->ntypes ? p->values[s * p->ntypes] : 0;
}
/* pprof's report total (computeTotal): the sum of |value| (of the diff
 * base's samples only, when there are any), divided under -mean by the
 * sum of the divisors of the same samples. */
int64_t cr_pprof_total(const struct cr_profile *p, const struct cr_pprof_opts *o);
/* The report's sample type: the profile's, "mean_" before it under -mean
 * (in arena a). NULL when out of memory. */
const char *cr_pprof_type_name(const struct cr_profile *p, const struct cr_pprof_opts *o, struct cr_arena *a);

/* pprof's printable name of every line of every location at a granularity
 * (its Aggregate, then NodeInfo.PrintableName): the names of location li are
 * name[start[li] .. start[li] + n[li]), innermost (inlined) first. */
struct cr_pprof_frame {
	const char *name, *file, *objfile; /* what the granularity keeps ("" if not) */
	uint64_t address;
	int64_t line;
	int64_t start_line; /* the function's when name is "" (0 else): pprof's nodes differ by it */
};
/* pprof's last word between two nodes of one name and value: the text of
 * their NodeInfo structs (Go's fmt.Sprint) compared; <0, 0, >0. */
int cr_pprof_frame_cmp(const struct cr_pprof_frame *a, const struct cr_pprof_frame *b);
struct cr_pprof_names {
	struct cr_arena arena;
	const char **name;
	struct cr_pprof_frame *frame; /* the parts of each name */
	uint32_t *start, *n;
};
enum cr_err cr_pprof_names_build(struct cr_pprof_names *nm, const struct cr_profile *p,
				 enum cr_granularity g, bool noinlines, struct cr_error *e);
void cr_pprof_names_release(struct cr_pprof_names *nm);

/* Go's filepath.Clean of in into out (cap bytes, NUL-terminated); returns
 * the length written. An input of cap bytes or more is copied as is,
 * truncated to fit. */
size_t cr_pprof_clean_path(const char *in, char *out, size_t cap);

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
	int64_t flat_div, cum_div; /* -mean: their divisors (0 without) */
	bool ghost;        /* not in the graph (its values cancelled out), an edge's end */
};
/* what pprof prints of a node: FlatValue, CumValue */
static inline int64_t cr_pgraph_flat(const struct cr_pgraph_node *n) { return cr_pprof_mean(n->flat, n->flat_div); }
static inline int64_t cr_pgraph_cum(const struct cr_pgraph_node *n) { return cr_pprof_mean(n->cum, n->cum_div); }
struct cr_pgraph_edge {
	uint32_t from, to;  /* node indices (caller, callee) */
	int64_t weight;
	bool residual, inl;
	int64_t weight_div; /* -mean: the weight's divisor (-dot shows the mean, the
			     * text reports the weight) */
};
struct cr_pgraph_trim {
	long nodecount;      /* <= 0: all */
	double nodefraction, edgefraction;
	bool cum;            /* order nodes by cum (pprof -cum) */
	bool integer_unit;   /* the output unit for integers (callgrind): no 1/100 scaling */
	bool visual;         /* -dot: nodes by entropy, tags count against nodecount,
			      * tags kept, redundant residual edges removed */
	bool call_tree;      /* pprof's -call_tree: a node per path (pprof honours it
			      * with -dot and -callgrind only) */
};
/* A tag of a node (visual graphs): a sample's string labels joined (group
 * NULL), or a value of its numeric label "bytes" under the string labels
 * of its samples (group; "" when none). */
struct cr_pgraph_tag {
	const char *name;    /* the labels "k:v" sorted, joined by a backslash-n; or
			      * the number scaled to the output unit */
	const char *group;   /* numeric tags: the label tag they belong to */
	const char *unit;    /* numeric tags: the label's unit */
	int64_t value;       /* numeric tags: the number */
	int64_t flat, cum;
	int64_t flat_div, cum_div; /* -mean: their divisors */
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
	/* visual graphs: node i's tags are tags[tag_start[i] .. tag_start[i+1]) */
	struct cr_pgraph_tag *tags;
	uint32_t *tag_start;
};
/* pprof's escaping of a DOT string into b: backslash and quote escaped,
 * a newline as \l; other control bytes (pprof writes them as they are)
 * as the text \xNN. */
enum cr_err cr_pprof_dot_escape(struct cr_buf *b, const char *s);
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
/* p rewritten as pprof's Merge of it (what -raw prints with merge): its
 * locations and mappings renumbered in first use, equal samples summed,
 * zero samples dropped. For the filters pprof applies after its merge. */
enum cr_err cr_pprof_merge(struct cr_profile *p, struct cr_error *e);

/* pprof's unit of the numeric label key (NumLabelUnits): the first
 * num_unit a sample gives it; else "bytes" for alignment and request, else
 * the key itself. Points into p. */
const char *cr_profile_label_unit(const struct cr_profile *p, uint32_t key);

/* ---- file names, -list ---- */
/* pprof's trimPath: path without the prefix that -trim_path (':'-separated
 * prefixes; when empty, the heuristic on the base names of search, the
 * -source_path) and /proc/self/cwd/ give; points into path. */
const char *cr_pprof_trim_path(const char *path, const char *trim, const char *search);
/* The same over every function's file name (pprof does it before each
 * graph report: -top, -tree, -peek, -list, -disasm, -callgrind, -dot). */
enum cr_err cr_pprof_trim_paths(struct cr_profile *p, const char *trim, const char *search, struct cr_error *e);

struct cr_src_line {
	int64_t lineno, flat, cum;
	const char *text;
};
struct cr_src_routine {
	const char *name, *file;     /* file "": pprof's "No source information" */
	int64_t flat, cum;
	const char *error;           /* NULL, or why the file could not be read */
	struct cr_src_line *lines;   /* the function's lines with their values */
	size_t nlines;
};
struct cr_srclist {
	struct cr_arena arena;
	const char *sample_type, *sample_unit;
	int64_t total;
	struct cr_src_routine *routines; /* by name, then file */
	size_t nroutines;                /* 0: RE matched no function */
};
/* pprof's -list RE over p: rx matches function names; search is the
 * ':'-separated -source_path (pprof's default: the current directory), trim
 * the -trim_path. Reads the source files the profile names, found there
 * (regular files only, each read once, under the input cap). */
enum cr_err cr_srclist_compute(struct cr_srclist *l, const struct cr_profile *p, const struct cr_pprof_opts *o,
			       const regex_t *rx, const char *search, const char *trim, int64_t total,
			       struct cr_error *e);
void cr_srclist_release(struct cr_srclist *l);

/* ---- -disasm (pprof_disasm.c): binutils' text read as pprof reads it ---- */
struct cr_dis_sym {
	const char **names;  /* the first the report's name; more only when found by address */
	size_t nnames;
	uint64_t start, end; /* end: inclusive (the next symbol's address - 1) */
};
struct cr_dis_syms {
	struct cr_arena arena;
	struct cr_dis_sym *syms;
	size_t n, cap;
};
/* The symbols of `nm -n`'s text (names at one address grouped, each group
 * ending before the next address) with a name rx matches, or (addr != 0)
 * whose range holds addr: pprof's findSymbols. out starts zeroed with its
 * arena initialized; appended to. */
enum cr_err cr_disasm_symbols(struct cr_dis_syms *out, const char *text, size_t len, const regex_t *rx, uint64_t addr,
			      struct cr_error *e);
void cr_disasm_syms_release(struct cr_dis_syms *s);

struct cr_dis_inst {
	uint64_t addr;
	const char *text;            /* the instruction as objdump prints it */
	const char *function, *file; /* objdump's (file: its base name after annotate) */
	int64_t line;
	int64_t flat, cum;           /* after annotate */
};
struct cr_dis_insts {
	struct cr_arena arena;
	struct cr_dis_inst *insts;
	size_t n, cap;
};
/* The instructions of `objdump --disassemble --line-numbers`'s text, each
 * with the function and FILE:LINE lines above it (GNU's and LLVM's forms;
 * any other line forgets them): pprof's disassemble. */
enum cr_err cr_disasm_parse(struct cr_dis_insts *out, const char *text, size_t len, struct cr_error *e);
void cr_disasm_insts_release(struct cr_dis_insts *s);
/* A symbol's range in its file, and where the file was mapped. */
struct cr_dis_range {
	uint64_t start, end;           /* the symbol's, inclusive */
	uint64_t base;                 /* a sample's address - base: the file's address */
	uint64_t map_start, map_limit; /* samples outside are not the file's (when start < limit) */
};
/* g's nodes (pprof's address granularity, inlines folded) in the range:
 * their count, flat and cum sums. */
size_t cr_disasm_sym_nodes(const struct cr_pgraph *g, const struct cr_dis_range *r, int64_t *flat, int64_t *cum);
/* Each instruction's flat and cum: the nodes from its address up to the
 * next instruction's (pprof's annotateAssembly), which also give the
 * function, file and line objdump did not. */
enum cr_err cr_disasm_annotate(struct cr_dis_insts *in, const struct cr_pgraph *g, const struct cr_dis_range *r,
			       struct cr_error *e);

/* ---- options that rewrite the profile (pprof_opts.c) ---- */
/* -noinlines of -raw and -proto (pprof's address granularity): each
 * location keeps only its outermost line, no mapping has inline frames. */
void cr_profile_drop_inlined(struct cr_profile *p);
/* -prune_from: each location loses the inlined lines beneath the first
 * whose simplified function name matches rx, each sample the frames
 * beneath the first such location (pprof's Profile.PruneFrom). */
enum cr_err cr_profile_prune_from(struct cr_profile *p, const regex_t *rx, struct cr_error *e);
/* -tagshow/-taghide: labels whose key does not match show (when given) or
 * matches hide are dropped; *sm, *hm: whether any key matched each. */
void cr_profile_filter_tag_names(struct cr_profile *p, const regex_t *show, const regex_t *hide, bool *sm,
				 bool *hm);
/* -tagroot/-tagleaf: pseudo-frames named by each sample's values of the
 * comma-separated label keys root (above its stack) and leaf (beneath it),
 * numeric values scaled to unit (pprof's -unit; NULL: "minimum");
 * *rootm, *leafm: whether any sample had a value for those keys. */
enum cr_err cr_profile_add_label_frames(struct cr_profile *p, const char *root, const char *leaf, const char *unit,
					bool *rootm, bool *leafm, struct cr_error *e);
/* -normalize: p's values scaled so that each sample type sums to base's
 * (before the base is subtracted); samples scaled to 0 dropped. */
void cr_profile_normalize(struct cr_profile *p, const struct cr_profile *base);

#endif
