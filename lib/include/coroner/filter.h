/* pprof's sample filters over the profile model, applied in place before a
 * report (top, flame, diff) is computed: by name (-focus, -ignore, -hide,
 * -show, -show_from) and by tag (-tagfocus, -tagignore). See filter.c. */
#ifndef CORONER_FILTER_H
#define CORONER_FILTER_H

#include <regex.h>
#include "coroner/profile.h"

/* pprof's -focus/-ignore/-hide/-show/-show_from (POSIX extended regexes,
 * matched anywhere in function names, file names and mapping files). */
struct cr_filter {
	regex_t re[5];
	bool set[5];
	const char *text[5];
};
enum { CR_FOCUS, CR_IGNORE, CR_HIDE, CR_SHOW, CR_SHOW_FROM };
/* Whether re is a pattern Go's regexp package takes; if not, Go's error
 * "CODE: `PART`" (as after "error parsing regexp: ") into msg (goregexp.c). */
bool cr_go_regexp_check(const char *re, char *msg, size_t n);
/* A pattern cr_go_regexp_check took, as a POSIX extended regex matching
 * what Go's matches (goregexp.c); CR_USAGE with *why for what it
 * cannot write (Unicode classes). */
enum cr_err cr_go_regexp_posix(const char *re, struct cr_buf *out, const char **why);
/* Compile pattern `re` (NULL = unset) into slot which; a pattern Go
 * refuses fails with Go's "error parsing regexp: ..." (CR_USAGE). */
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

#endif
