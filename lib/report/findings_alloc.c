/* alloc_hotspot: the function allocating the largest share of alloc_space
 * (over the interval between captures when there are two). */
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cr_err cr_report_analyse_alloc_hotspot(struct cr_report *r)
{
	char fre[512];
	const struct cr_capture *a, *b;
	cr_report_alloc_span(r, &a, &b);
	if (!b)
		return CR_OK;
	const char *pa_path = NULL, *pb_path = NULL;
	const struct cr_profile *pb = cr_report_alloc_profile(b, &pb_path);
	const struct cr_profile *pa = a != b ? cr_report_alloc_profile(a, &pa_path) : NULL;
	int sb = cr_profile_sample_index(pb, "alloc_space");
	int sa = pa ? cr_profile_sample_index(pa, "alloc_space") : -1;
	if (sb < 0)
		return CR_OK;
	struct fsums s = { 0 };
	cr_hmap_init(&s.idx);
	enum cr_err rc = cr_fsums_profile(&s, pb, sb, 1);
	if (!rc && pa && sa >= 0)
		rc = cr_fsums_profile(&s, pa, sa, 0);
	if (rc)
		goto out;
	/* over an interval: what was allocated between the captures */
	bool interval = pa && sa >= 0;
	int64_t total = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (interval)
			s.rows[i].v[1] = cr_sat_sub(s.rows[i].v[1], s.rows[i].v[0]);
		if (s.rows[i].v[1] > 0 && __builtin_add_overflow(total, s.rows[i].v[1], &total))
			total = INT64_MAX;
	}
	qsort(s.rows, s.n, sizeof *s.rows, cr_fsum_by_second);
	if (s.n == 0 || total <= 0 || s.rows[0].v[1] <= 0) {
		cr_report_note(r, "alloc_hotspot: no allocations%s", interval ? " between the captures" : "");
		goto out;
	}
	const struct fsum *top = &s.rows[0];
	double share = 100.0 * (double)top->v[1] / (double)total;
	if (share < 20) {
		cr_report_note(r, "alloc_hotspot: no function allocates 20%% or more (top: %s, %.1f%%)",
			       top->name, share);
		goto out;
	}
	enum cr_fsev sev = share >= 50 ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
	struct cr_rfinding *f = cr_report_finding(r, "alloc_hotspot", top->name, sev, share);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	char x[48], y[48];
	cr_report_bytes_text(x, sizeof x, top->v[1]);
	cr_report_bytes_text(y, sizeof y, total);
	double secs = 0;
	if (interval && b->time_nanos > a->time_nanos && a->time_nanos > 0)
		secs = (double)(b->time_nanos - a->time_nanos) / 1e9;
	if (interval && secs > 0) {
		char rate[48];
		cr_report_bytes_text(rate, sizeof rate, (int64_t)((double)total / secs));
		rc = cr_finding_summary(r, f, "%s allocated %.0f%% of the %s allocated between the captures (%s/s)",
					top->name, share, y, rate);
	} else {
		rc = cr_finding_summary(r, f, "%s allocated %.0f%% of all bytes allocated%s (%s of %s)", top->name,
					share, interval ? " between the captures" : " since the program started",
					x, y);
	}
	if (!rc)
		rc = cr_finding_next(r, f, "coroner top -i alloc_space --focus='%s' %s  (reuse buffers, preallocate, avoid conversions in the loop)",
				     cr_report_focus_re(top->name, fre, sizeof fre), pb_path);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_bytes", "bytes allocated by the subject", CR_FACT_BYTES, top->v[1], 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_total", interval ? "bytes allocated between captures" : "bytes allocated",
				     CR_FACT_BYTES, total, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "share_pct", "share", CR_FACT_PCT, 0, share, NULL);
	if (!rc && secs > 0)
		rc = cr_finding_fact(r, f, "alloc_rate_bytes_per_s", "allocation rate (bytes/s)", CR_FACT_BYTES,
				     (int64_t)((double)total / secs), 0, NULL);
	if (!rc)
		rc = cr_report_function_table(r, f, "functions", "allocated bytes by function (innermost user frame)",
				    s.rows, s.n, 5, false, total);
out:
	cr_fsums_release(&s);
	return rc;
}

