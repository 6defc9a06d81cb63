/* Reports over the profile model, computed first and formatted by cmd/.
 * `top` follows pprof's graph semantics exactly (see top.c). */
#ifndef CORONER_REPORT_H
#define CORONER_REPORT_H

#include <regex.h>
#include "coroner/profile.h"

enum cr_granularity {
	CR_GRAN_FUNCTIONS, CR_GRAN_FILEFUNCTIONS, CR_GRAN_LINES, CR_GRAN_FILES, CR_GRAN_ADDRESSES
};
/* "functions", ...; -1 if unknown. */
int cr_granularity_parse(const char *s);

/* pprof's -focus/-ignore/-hide/-show/-show_from (POSIX extended regexes,
 * matched anywhere in function names, file names and mapping files). */
struct cr_filter {
	regex_t re[5];
	bool set[5];
	const char *text[5];
};
enum { CR_FOCUS, CR_IGNORE, CR_HIDE, CR_SHOW, CR_SHOW_FROM };
/* Compile pattern `re` (NULL = unset) into slot which. */
enum cr_err cr_filter_set(struct cr_filter *f, int which, const char *re, struct cr_error *e);
void cr_filter_release(struct cr_filter *f);
bool cr_filter_any(const struct cr_filter *f);
/* Apply to p in place, as pprof's FilterSamplesByName + ShowFrom. */
enum cr_err cr_profile_filter(struct cr_profile *p, const struct cr_filter *f, struct cr_error *e);

/* What the last cr_profile_filter_m / cr_profile_filter_tags matched, for
 * pprof's "X expression matched no samples" warnings: per location for the
 * name filters (as pprof's FilterSamplesByName), per sample for tags. */
struct cr_filter_matches {
	bool focus, ignore, hide, show, show_from, tagfocus, tagignore;
};
enum cr_err cr_profile_filter_m(struct cr_profile *p, const struct cr_filter *f, struct cr_filter_matches *m,
				struct cr_error *e);

/* pprof's -tagfocus / -tagignore (its driver_focus.go compileTagFilter):
 *   [KEY=]VALUE. VALUE is a numeric range when it is N[unit], N[unit]:,
 *   :N[unit] or N[unit]:M[unit] (64kb:, :1kb, 16b:256b, 80b): numeric labels
 *   (heap profiles' "bytes") are converted to the range's unit and compared;
 *   a label's unit is its num_unit, else "bytes" for alignment/request, else
 *   the key itself. Otherwise VALUE is a comma-separated list of regexes:
 *   with KEY, a sample matches when any regex matches any value of KEY;
 *   without, when every regex matches some "key:value" of the sample. */
struct cr_tagfilter {
	bool set, numeric;
	const char *text;          /* the option's value, as given */
	char key[128];             /* "" = every key */
	int mode;                  /* numeric: 0 ==, 1 >=, 2 <=, 3 lo..hi */
	double lo, hi;
	const char *unit;          /* the range's canonical unit ("kB"; "" none) */
	regex_t *rx; size_t nrx;
};
/* Compile; name is "tagfocus" or "tagignore" (messages). note (may be NULL)
 * gets pprof's stderr line "NAME:Interpreted 'V' as range, not regexp". */
enum cr_err cr_tagfilter_set(struct cr_tagfilter *t, const char *name, const char *value, struct cr_buf *note,
			     struct cr_error *e);
void cr_tagfilter_release(struct cr_tagfilter *t);
/* Keep the samples that match focus (if set) and do not match ignore (if
 * set), as pprof's FilterSamplesByTag; m (may be NULL) gets tagfocus /
 * tagignore: whether any sample matched. */
enum cr_err cr_profile_filter_tags(struct cr_profile *p, const struct cr_tagfilter *focus,
				   const struct cr_tagfilter *ignore, struct cr_filter_matches *m,
				   struct cr_error *e);

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

/* Retained growth across three heap profiles snap[0..2] = A, B, C: what was
 * allocated between A and B and is still in use at C, as bounds per stack.
 * out (uninitialised on entry, released by the caller) gets the sample types
 * retained_objects_min, retained_space_min (default), retained_objects_max,
 * retained_space_max. */
enum cr_err cr_profile_retained(struct cr_profile *out, const struct cr_profile *snap[3],
				struct cr_error *e);

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
