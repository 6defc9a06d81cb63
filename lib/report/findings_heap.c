/* heap_growth: the function whose in-use heap grew most between the first
 * and the last capture with a heap profile. */
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cr_err cr_report_analyse_heap_growth(struct cr_report *r)
{
	char fre[512];
	const struct cr_capture *a = cr_report_first_with(r, offsetof(struct cr_capture, heap));
	const struct cr_capture *b = cr_report_last_with(r, offsetof(struct cr_capture, heap));
	if (!a || a == b) {
		if (a)
			cr_report_note(r, "heap_growth: one heap profile only; give two captures to see growth");
		return CR_OK;
	}
	const struct cr_profile *pa = a->heap, *pb = b->heap;
	int sa = cr_profile_sample_index(pa, "inuse_space"), sb = cr_profile_sample_index(pb, "inuse_space");
	if (sa < 0 || sb < 0) {
		cr_report_warn(r, "heap_growth: the heap profiles have no inuse_space");
		return CR_OK;
	}
	int64_t ta = cr_profile_total(pa, sa), tb = cr_profile_total(pb, sb), d;
	if (__builtin_sub_overflow(tb, ta, &d))
		d = 0;
	struct fsums s = { 0 };
	cr_hmap_init(&s.idx);
	enum cr_err rc = cr_fsums_profile(&s, pa, sa, 0);
	if (!rc)
		rc = cr_fsums_profile(&s, pb, sb, 1);
	if (rc)
		goto out;
	qsort(s.rows, s.n, sizeof *s.rows, cr_fsum_by_delta);
	if (d <= 0 || s.n == 0 || cr_sat_sub(s.rows[0].v[1], s.rows[0].v[0]) <= 0) {
		char t[48];
		cr_report_signed_bytes(t, sizeof t, d);
		cr_report_note(r, "heap_growth: in-use heap did not grow (%s)", t);
		goto out;
	}
	double ratio = ta > 0 ? (double)d / (double)ta : 1e9;
	const int64_t MiB = 1 << 20;
	enum cr_fsev sev;
	if (d >= 64 * MiB || (d >= 16 * MiB && ratio >= 1))
		sev = CR_FSEV_HIGH;
	else if (d >= 32 * MiB || (d >= 4 * MiB && ratio >= 0.25))
		sev = CR_FSEV_MEDIUM;
	else if (d >= MiB)
		sev = CR_FSEV_LOW;
	else {
		cr_report_note(r, "heap_growth: in-use heap grew by less than 1 MiB");
		goto out;
	}
	const struct fsum *top = &s.rows[0];
	int64_t td = cr_sat_sub(top->v[1], top->v[0]);
	struct cr_rfinding *f = cr_report_finding(r, "heap_growth", top->name, sev, (double)d);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	char x[48], y[48], z[48];
	cr_report_bytes_text(x, sizeof x, ta);
	cr_report_bytes_text(y, sizeof y, tb);
	cr_report_signed_bytes(z, sizeof z, td);
	double held = d > 0 ? 100.0 * (double)td / (double)d : 0;
	if (held >= 99.5)
		rc = cr_finding_summary(r, f, "in-use heap grew %s -> %s; all of the growth (%s) is held by %s", x, y,
					z, top->name);
	else
		rc = cr_finding_summary(r, f, "in-use heap grew %s -> %s; %.0f%% of the growth (%s) is held by %s",
					x, y, held, z, top->name);
	if (!rc)
		rc = cr_finding_next(r, f, "coroner top --diff-base=%s %s --focus='%s'  (who keeps it: what still references these objects?)",
				     a->heap_path, b->heap_path, cr_report_focus_re(top->name, fre, sizeof fre));
	if (!rc)
		rc = cr_finding_fact(r, f, "inuse_before", "in-use heap before", CR_FACT_BYTES, ta, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "inuse_after", "in-use heap after", CR_FACT_BYTES, tb, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "growth", "growth", CR_FACT_BYTES, d, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "subject_growth", "growth held by the subject", CR_FACT_BYTES, td, 0, NULL);
	if (!rc)
		rc = cr_report_function_table(r, f, "functions", "in-use bytes by function (innermost user frame)",
				    s.rows, s.n, 5, true, 0);
out:
	cr_fsums_release(&s);
	return rc;
}

