/* After a profile parses, run the reports a user would run on it: pprof's
 * pruning and `top`, so hostile
 * profiles that parse (odd ids, negative values, cycles in stacks) reach the
 * report code too. */
#ifndef CORONER_FUZZ_TOP_COMMON_H
#define CORONER_FUZZ_TOP_COMMON_H

#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/top.h"
#include "fuzz.h"

/* One top per input (a whole sweep of types x granularities made every
 * input 20x slower): which one is chosen from the input's bytes, so the
 * corpus as a whole covers them all. */
static inline void fuzz_top_all(struct cr_profile *p, const uint8_t *data, size_t size)
{
	if (p->ntypes == 0)
		return;
	unsigned h = size ? data[size / 2] ^ data[size - 1] : 0;
	struct cr_top_opts o = { .sample_index = (int)(h % p->ntypes),
				 .gran = (enum cr_granularity)((h >> 2) % 5),
				 .noinlines = (h & 0x80) != 0, .cum_sort = (h & 0x40) != 0,
				 .nodecount = 80, .nodefraction = 0.005 };
	o.total = cr_profile_total(p, o.sample_index);
	struct cr_error e = { 0 };
	enum cr_err rc;
	if (h & 0x20) {
		/* pprof's tag filters over the profile's labels: a numeric range
		 * (unit conversion), a keyed and an unkeyed string pattern */
		static const char *const tf[] = { "1kb:", "bytes=16b:2mb", "handler=a|b", "k:v,x", ":-5" };
		struct cr_tagfilter t1 = { 0 }, t2 = { 0 };
		struct cr_error te = { 0 };
		struct cr_filter_matches fm;
		if (cr_tagfilter_set(&t1, "tagfocus", tf[(h >> 1) % 5], NULL, &te) == CR_OK &&
		    cr_tagfilter_set(&t2, "tagignore", tf[(h >> 3) % 5], NULL, &te) == CR_OK) {
			rc = cr_profile_filter_tags(p, &t1, (h & 1) ? &t2 : NULL, &fm, &te);
			fuzz_check_error(rc, &te);
		}
		cr_tagfilter_release(&t1);
		cr_tagfilter_release(&t2);
	}
	struct cr_top t;
	rc = cr_top_compute(&t, p, &o, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		char buf[64];
		for (size_t i = 0; i < t.nrows; i++)
			cr_top_format(&t, t.rows[i].flat, buf, sizeof buf);
		cr_top_release(&t);
	}
	struct cr_buf b = { 0 };
	(void)cr_profile_header(p, "", "", 0, "0", &b);
	cr_buf_release(&b);
}

/* A reader of one text or binary profile format, warnings into warn. */
typedef enum cr_err (*fuzz_profile_reader)(struct cr_profile *p, const unsigned char *data, size_t len,
					   const char *name, struct cr_buf *warn, struct cr_error *e);

/* The whole of a target whose parser is one such reader: read, prune, top,
 * with both contracts checked. Returns 0 (LLVMFuzzerTestOneInput's). */
static inline int fuzz_read_then_top(fuzz_profile_reader read, const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	enum cr_err rc = read(&p, data, size, "fuzz", &warn, &e);
	if (rc == CR_OK)
		rc = cr_profile_prune(&p, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK)
		fuzz_top_all(&p, data, size);
	cr_buf_release(&warn);
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}

#endif
