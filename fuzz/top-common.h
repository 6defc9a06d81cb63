/* After a profile parses, run the reports a user would run on it: pprof's
 * pruning and `top` for every sample type and granularity, so hostile
 * profiles that parse (odd ids, negative values, cycles in stacks) reach the
 * report code too. */
#ifndef CORONER_FUZZ_TOP_COMMON_H
#define CORONER_FUZZ_TOP_COMMON_H

#include "coroner/profile.h"
#include "coroner/report.h"
#include "fuzz.h"

static inline void fuzz_top_all(struct cr_profile *p)
{
	for (size_t si = 0; si < p->ntypes && si < 4; si++) {
		for (int g = CR_GRAN_FUNCTIONS; g <= CR_GRAN_ADDRESSES; g++) {
			struct cr_top_opts o = { .sample_index = (int)si, .gran = (enum cr_granularity)g,
						 .nodecount = 80, .nodefraction = 0.005, .total = -1,
						 .noinlines = g == CR_GRAN_LINES };
			o.total = cr_profile_total(p, o.sample_index);
			struct cr_top t;
			struct cr_error e = { 0 };
			enum cr_err rc = cr_top_compute(&t, p, &o, &e);
			fuzz_check_error(rc, &e);
			if (rc == CR_OK) {
				char buf[64];
				for (size_t i = 0; i < t.nrows; i++)
					cr_top_format(&t, t.rows[i].flat, buf, sizeof buf);
				cr_top_release(&t);
			}
		}
	}
	struct cr_buf b = { 0 };
	(void)cr_profile_header(p, "", 0, "0", &b);
	cr_buf_release(&b);
}

#endif
