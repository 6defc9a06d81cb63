/* `top` over the profile model, computed first and formatted by cmd/;
 * it follows pprof's graph semantics exactly (see top.c). */
#ifndef CORONER_TOP_H
#define CORONER_TOP_H

#include "coroner/profile.h"

enum cr_granularity {
	CR_GRAN_FUNCTIONS, CR_GRAN_FILEFUNCTIONS, CR_GRAN_LINES, CR_GRAN_FILES, CR_GRAN_ADDRESSES
};
/* "functions", ...; -1 if unknown. */
int cr_granularity_parse(const char *s);

struct cr_top_opts {
	int sample_index;        /* resolved index into p->types */
	enum cr_granularity gran;
	bool noinlines;
	bool cum_sort;
	long nodecount;          /* <= 0: all */
	double nodefraction;     /* pprof default 0.005 */
	const char *unit;        /* output unit, "minimum" (default) or e.g. "B", "MB" */
	int64_t total;           /* percentages against this; < 0: compute from p.
				  * pprof takes it before filters are applied. */
	bool drop_negative;      /* pprof's -drop_negative: nodes with a negative flat
				  * (or flat 0 and a negative cum) left out */
};

struct cr_top_row {
	const char *name; /* printable name (pprof's NodeInfo.PrintableName) */
	int64_t flat, cum;
	const char *inline_label; /* "", "(inline)" or "(partial-inline)" */
};

struct cr_top {
	struct cr_arena arena;
	const char *sample_type, *sample_unit;
	const char *output_unit; /* chosen like pprof's selectOutputUnit */
	int64_t total;           /* pprof's rpt.total */
	int64_t shown_flat;      /* flat sum of the rows */
	size_t dropped_nodes;
	size_t orig_count;       /* nodes before --nodecount */
	double nodefraction;
	struct cr_top_row *rows;
	size_t nrows;
};

/* Compute top over p (which should already be filtered). */
enum cr_err cr_top_compute(struct cr_top *t, const struct cr_profile *p,
			   const struct cr_top_opts *o, struct cr_error *e);
void cr_top_release(struct cr_top *t);
/* pprof's value label for v in the top's output unit (e.g. "1.50MB"). */
void cr_top_format(const struct cr_top *t, int64_t v, char *out, size_t n);

/* Which Go release's pprof the header lines reproduce, as its minor number
 * (19 for go1.19); 0, the default, is the newest. pprof's layout of the
 * Time: line changed in go1.24 ("Jan 2, 2006 at 3:04pm (MST)" before,
 * "2006-01-02 15:04:05 MST" since). */
extern unsigned cr_pprof_release;

/* pprof's header lines for a profile (File:, Build ID:, comments, Type:,
 * Time:, Duration:) appended to b, one per line. */
enum cr_err cr_profile_header(const struct cr_profile *p, const char *sample_type,
			      const char *sample_unit, int64_t total, const char *total_text,
			      struct cr_buf *b);

#endif
