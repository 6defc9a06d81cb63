/* gc_pressure: the GC's share of CPU and its frequency, from
 * GODEBUG=gctrace=1 logs. */
#include "coroner/mem.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum cr_err cr_report_analyse_gc(struct cr_report *r)
{
	const struct cr_capture *c = NULL;
	for (size_t i = r->in.ncaps; i-- > 0 && !c;)
		if (r->in.caps[i].gctrace)
			c = &r->in.caps[i];
	if (!c)
		return CR_OK;
	struct cr_gctrace t;
	struct cr_gcstats s;
	struct cr_error e = { 0 };
	cr_gctrace_init(&t);
	enum cr_err rc = cr_gctrace_load(&t, c->gctrace, NULL, &e);
	if (rc) {
		cr_gctrace_release(&t);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "gc_pressure: %s", e.msg);
		return CR_OK;
	}
	cr_gctrace_stats(&t, &s);
	cr_gctrace_release(&t);
	const struct cr_scavenge *sc = &s.scav;
	if (sc->scvg_lines && sc->consumed_mb >= 0)
		cr_report_note(r, "scavenger: %.0f MB released to the OS, %.0f MB consumed (heap sys %.0f MB) at its last scvg line (%s)",
			       sc->released_mb, sc->consumed_mb, sc->sys_mb, c->gctrace);
	else if (sc->scvg_lines)
		cr_report_note(r, "scavenger: %.0f MB released to the OS by its scvg lines (%s)", sc->freed_mb, c->gctrace);
	if (sc->scav_lines)
		cr_report_note(r, "scavenger: %.1f MB released to the OS at its last scav line, %d%% of the retained heap in use (%s)",
			       sc->released_mb, sc->util_pct, c->gctrace);
	if (s.count && s.old) {
		cr_report_note(r, "gc_pressure: %zu GCs in Go <= 1.4 lines (no time or CPU share to judge), STW pause p99 %.1f ms, "
			       "heap %.0f MB after the last (%s)", s.count, s.pause_p99_ms, s.live_last_mb, c->gctrace);
		return CR_OK;
	}
	if (!s.count)
		return CR_OK;
	enum cr_fsev sev;
	bool frequent = s.count >= 20 && s.interval_ms > 0 && s.interval_ms < 100;
	if (s.cpu_pct_last >= 25)
		sev = CR_FSEV_HIGH;
	else if (s.cpu_pct_last >= 10 || frequent)
		sev = CR_FSEV_MEDIUM;
	else if (s.cpu_pct_last >= 5)
		sev = CR_FSEV_LOW;
	else {
		cr_report_note(r, "gc_pressure: %zu GCs, every %.0f ms, GC CPU %d%% (%s)", s.count, s.interval_ms,
			       s.cpu_pct_last, c->gctrace);
		return CR_OK;
	}
	struct cr_rfinding *f = cr_report_finding(r, "gc_pressure", "gc", sev, s.cpu_pct_last);
	if (!f)
		return CR_NOMEM;
	rc = cr_finding_summary(r, f, "the GC takes %d%% of CPU and runs every %.0f ms (%zu GCs, live heap %.0f MB, goal %.0f MB)",
				s.cpu_pct_last, s.interval_ms, s.count, s.live_last_mb, s.goal_last_mb);
	char ml[200];
	if (!rc)
		rc = cr_report_gomemlimit(r, ml, sizeof ml);
	if (!rc)
		rc = cr_finding_next(r, f, "allocate less in the hot paths (see alloc_hotspot / coroner top -i alloc_space), "
					   "or raise GOGC / set %s if memory allows",
				     ml);
	if (!rc)
		rc = cr_finding_fact(r, f, "gc_cpu_pct", "GC CPU (since start)", CR_FACT_PCT, 0, s.cpu_pct_last, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "gcs", "GCs", CR_FACT_INT, (int64_t)s.count, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "interval_ms", "mean interval (ms)", CR_FACT_DOUBLE, 0, s.interval_ms, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "pause_p99_ms", "STW pause p99 (ms)", CR_FACT_DOUBLE, 0, s.pause_p99_ms, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_mb_per_s", "allocation (MB/s)", CR_FACT_DOUBLE, 0, s.alloc_mb_s, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "forced", "forced GCs", CR_FACT_INT, (int64_t)s.forced, 0, NULL);
	return rc;
}
