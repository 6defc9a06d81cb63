/* goroutine_leak: goroutine stacks that grew across captures (cr_leaks_compute,
 * goleak's ignore rules), or, with a single dump, a large group blocked for
 * a long time. The goroutine leak profile (Go 1.26 experiment, 1.27), when a
 * capture has one, is the strongest evidence: goroutines the runtime's GC
 * proved can never be woken. A stack that grows and is in it is a certain
 * leak; one that grows but is absent is a suspect; one in it that does not
 * grow is still a leak the runtime proved. */
#include "coroner/goroutine.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static enum cr_err stack_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_frame *fr,
			       size_t n)
{
	struct cr_table *t = cr_finding_table(r, f, "stack", "stack (innermost first)");
	if (!t)
		return CR_NOMEM;
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "file", "file:line", CR_LEFT);
	for (size_t i = 0; i < n && i < 12; i++) {
		char fl[1024];
		if (fr[i].file && *fr[i].file)
			snprintf(fl, sizeof fl, "%s:%" PRId64, fr[i].file, fr[i].line);
		else
			fl[0] = 0;
		if (cr_table_row(t) || cr_table_str(t, *fr[i].function ? fr[i].function : "?") ||
		    cr_table_str(t, fl))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* The goroutine leak profile of the latest capture that has one, grouped
 * by function (lp->ngroups == 0 when none). */
struct leakprof {
	struct cr_goroutines g;
	const char *path;
	bool *matched; /* per group: a growth finding named it */
};

static enum cr_err leakprof_load(struct cr_report *r, struct leakprof *lp)
{
	memset(lp, 0, sizeof *lp);
	const struct cr_profile *p = NULL;
	for (size_t i = r->in.ncaps; i-- > 0 && !p;)
		if (r->in.caps[i].goroutineleak) {
			p = r->in.caps[i].goroutineleak;
			lp->path = r->in.caps[i].goroutineleak_path;
		}
	if (!p)
		return CR_OK;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_goroutines_compute(&lp->g, p, CR_GROUP_FUNCTION, &e);
	if (rc) {
		memset(lp, 0, sizeof *lp);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "goroutine_leak: %s", e.msg);
		return CR_OK;
	}
	if (lp->g.ngroups && !(lp->matched = cr_calloc(lp->g.ngroups, sizeof *lp->matched))) {
		cr_goroutines_release(&lp->g);
		memset(lp, 0, sizeof *lp);
		return CR_NOMEM;
	}
	return CR_OK;
}

static void leakprof_release(struct leakprof *lp)
{
	if (lp->path)
		cr_goroutines_release(&lp->g);
	cr_free(lp->matched);
}

/* Goroutines of the leak profile in function fn (-1: no leak profile). */
static int64_t leakprof_count(struct leakprof *lp, const char *fn, bool mark)
{
	if (!lp->path)
		return -1;
	int64_t n = 0;
	for (size_t i = 0; i < lp->g.ngroups; i++)
		if (lp->g.groups[i].function && fn && !strcmp(lp->g.groups[i].function, fn)) {
			n += lp->g.groups[i].count;
			if (mark)
				lp->matched[i] = true;
		}
	return n;
}

/* The leak profile's groups no growth finding named: leaks all the same. */
static enum cr_err leakprof_rest(struct cr_report *r, struct leakprof *lp)
{
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < lp->g.ngroups && !rc; i++) {
		const struct cr_ggroup *gr = &lp->g.groups[i];
		if (lp->matched[i] || !gr->function || !*gr->function)
			continue;
		struct cr_rfinding *f = cr_report_finding(r, "goroutine_leak", gr->function,
							  gr->count >= 100 ? CR_FSEV_HIGH : CR_FSEV_MEDIUM, (double)gr->count);
		if (!f)
			return CR_NOMEM;
		rc = cr_finding_summary(r, f, "%" PRId64 " goroutines in %s are leaked: the runtime's goroutine leak profile proved they can never wake",
					gr->count, gr->function);
		if (!rc)
			rc = cr_finding_next(r, f, "find what %s waits on and why nothing else can reach it: a channel, select or lock whose other side is gone",
					     gr->function);
		if (!rc)
			rc = cr_finding_fact(r, f, "leak_profile", "in the goroutine leak profile", CR_FACT_STR, 0, 0, "certain");
		if (!rc)
			rc = cr_finding_fact(r, f, "leak_profile_count", "goroutines in the leak profile", CR_FACT_INT, gr->count, 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "leak_profile_file", "goroutine leak profile", CR_FACT_STR, 0, 0, lp->path);
		if (!rc)
			rc = stack_table(r, f, gr->frames, gr->nframes);
	}
	return rc;
}

static enum cr_err across(struct cr_report *r, const struct cr_profile **snaps, const char **names,
			  size_t n, struct leakprof *lp)
{
	struct cr_leaks l;
	struct cr_leak_opts o;
	struct cr_error e = { 0 };
	cr_leak_opts_default(&o);
	enum cr_err rc = cr_leaks_compute(&l, snaps, n, &o, &e);
	if (rc) {
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "goroutine_leak: %s", e.msg);
		return CR_OK;
	}
	int64_t first = l.totals[0], last = l.totals[n - 1];
	size_t reported = 0;
	/* with the leak profile, every growing stack is named certain or suspect */
	size_t limit = lp->path ? 8 : 3;
	for (size_t i = 0; i < l.ncands && reported < limit && !rc; i++) {
		const struct cr_leak_candidate *c = &l.cands[i];
		int64_t c0 = c->counts[0], c1 = c->counts[n - 1];
		if (c->delta < 10 && !(c->delta > 0 && c0 > 0 && c1 >= 4 * c0))
			continue;
		int64_t inlp = leakprof_count(lp, c->function, true);
		/* a dump without states (debug=1, protobuf) cannot say "blocked":
		 * growth in one stack is then evidence enough */
		bool waits = c->blocked || !c->state;
		enum cr_fsev sev = CR_FSEV_LOW;
		if ((c->delta >= 100 && waits) || inlp > 0)
			sev = CR_FSEV_HIGH;
		else if (c->delta >= 100 || (c->delta >= 20 && waits))
			sev = CR_FSEV_MEDIUM;
		struct cr_rfinding *f = cr_report_finding(r, "goroutine_leak", c->function, sev, (double)c->delta);
		if (!f)
			return CR_NOMEM;
		reported++;
		char how[256] = "";
		if (c->state)
			snprintf(how, sizeof how, ", %s in %s", c->blocked ? "blocked" : "state", c->state);
		char wait[96] = "";
		if (c->has_wait && c->wait_max > 0)
			snprintf(wait, sizeof wait, " for up to %" PRId64 " min", c->wait_max);
		char by[512] = "";
		if (c->created_by)
			snprintf(by, sizeof by, "; created by %s", c->created_by);
		char proof[256] = "";
		if (inlp > 0)
			snprintf(proof, sizeof proof, "; certain leak: %" PRId64 " of them in the runtime's goroutine leak profile (proved never to wake)", inlp);
		else if (inlp == 0)
			snprintf(proof, sizeof proof, "; suspect: growing, but not in the runtime's goroutine leak profile");
		rc = cr_finding_summary(r, f, "+%" PRId64 " goroutines in %s (%" PRId64 " -> %" PRId64 ")%s%s%s%s",
					c->delta, c->function, c0, c1, how, wait, by, proof);
		if (!rc)
			rc = cr_finding_next(r, f, "find what should wake %s%s%s%s and why it never comes: a missing send/close, cancel or timeout%s%s",
					     c->function, c->state ? " (" : "", c->state ? c->state : "", c->state ? ")" : "",
					     c->created_by ? "; start from " : "", c->created_by ? c->created_by : "");
		if (!rc)
			rc = cr_finding_fact(r, f, "delta", "goroutines added", CR_FACT_INT, c->delta, 0, NULL);
		if (!rc && inlp >= 0)
			rc = cr_finding_fact(r, f, "leak_profile", "in the goroutine leak profile", CR_FACT_STR, 0, 0,
					     inlp > 0 ? "certain" : "suspect");
		if (!rc && inlp >= 0)
			rc = cr_finding_fact(r, f, "leak_profile_count", "goroutines in the leak profile", CR_FACT_INT, inlp, 0, NULL);
		if (!rc && c->state)
			rc = cr_finding_fact(r, f, "state", "state", CR_FACT_STR, 0, 0, c->state);
		if (!rc && c->created_by)
			rc = cr_finding_fact(r, f, "created_by", "created by", CR_FACT_STR, 0, 0, c->created_by);
		if (!rc && c->has_wait && c->wait_max > 0)
			rc = cr_finding_fact(r, f, "wait_max_minutes", "longest wait (minutes)", CR_FACT_INT, c->wait_max, 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "goroutines_total_first", "goroutines in the first capture", CR_FACT_INT, first, 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "goroutines_total_last", "goroutines in the last capture", CR_FACT_INT, last, 0, NULL);
		struct cr_table *t = rc ? NULL : cr_finding_table(r, f, "counts", "goroutines in this stack per capture");
		if (!rc && !t)
			rc = CR_NOMEM;
		if (!rc) {
			cr_table_col(t, "capture", "capture", CR_LEFT);
			cr_table_col(t, "count", "count", CR_RIGHT);
			cr_table_col(t, "total", "all goroutines", CR_RIGHT);
			for (size_t k = 0; k < n && !rc; k++)
				if (cr_table_row(t) || cr_table_str(t, names[k]) ||
				    cr_table_int(t, c->counts[k], NULL) || cr_table_int(t, l.totals[k], NULL))
					rc = CR_NOMEM;
		}
		if (!rc)
			rc = stack_table(r, f, c->frames, c->nframes);
	}
	if (!rc && reported == 0)
		cr_report_note(r, "goroutine_leak: no goroutine stack grew by 10 or more (%" PRId64 " -> %" PRId64 " goroutines)",
			       first, last);
	cr_leaks_release(&l);
	return rc;
}

/* One dump: a big group of goroutines waiting for a long time. */
static enum cr_err single(struct cr_report *r, const struct cr_profile *p, const char *name,
			  struct leakprof *lp)
{
	struct cr_goroutines g;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_goroutines_compute(&g, p, CR_GROUP_FUNCTION, &e);
	if (rc) {
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "goroutine_leak: %s", e.msg);
		return CR_OK;
	}
	bool found = false;
	for (size_t i = 0; i < g.ngroups && !found && !rc; i++) {
		const struct cr_ggroup *gr = &g.groups[i];
		if (!gr->function || !*gr->function || cr_report_is_runtime(gr->function))
			continue;
		/* parked on a channel, a lock or a select; not network waits
		 * (IO wait: idle connections are normal), not running */
		bool waiting = gr->state && strcmp(gr->state, "running") && strcmp(gr->state, "runnable") &&
			       strncmp(gr->state, "syscall", 7) && strncmp(gr->state, "IO wait", 7) &&
			       strncmp(gr->state, "sleep", 5);
		/* a dump without states (debug=1, protobuf): the share must speak */
		bool stateless = !gr->state;
		bool dominant = gr->count >= 100 && g.total > 0 && gr->count * 2 >= g.total;
		bool old = gr->has_wait && gr->wait_max >= 10;
		if (!((waiting && (gr->count >= 1000 || dominant)) || (stateless && dominant && gr->count >= 500)))
			continue;
		if (leakprof_count(lp, gr->function, false) > 0)
			continue; /* the leak profile's finding says more */
		found = true;
		enum cr_fsev sev = old && gr->count >= 1000 ? CR_FSEV_HIGH
				   : old || gr->count >= 1000 ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
		struct cr_rfinding *f = cr_report_finding(r, "goroutine_leak", gr->function, sev, (double)gr->count);
		if (!f)
			return CR_NOMEM;
		char wait[96] = "";
		if (gr->has_wait && gr->wait_max > 0)
			snprintf(wait, sizeof wait, " for up to %" PRId64 " min", gr->wait_max);
		rc = cr_finding_summary(r, f, "%" PRId64 " of %" PRId64 " goroutines wait in %s%s%s%s%s; one dump only: a second capture would show growth",
					gr->count, g.total, gr->function, gr->state ? " (" : "",
					gr->state ? gr->state : "", gr->state ? ")" : "", wait);
		if (!rc)
			rc = cr_finding_next(r, f, "capture again later and run coroner report on both (or coroner leaks %s LATER-DUMP)", name);
		if (!rc)
			rc = cr_finding_fact(r, f, "count", "goroutines in the group", CR_FACT_INT, gr->count, 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "total", "goroutines", CR_FACT_INT, g.total, 0, NULL);
		if (!rc && gr->state)
			rc = cr_finding_fact(r, f, "state", "state", CR_FACT_STR, 0, 0, gr->state);
		if (!rc && gr->created_by)
			rc = cr_finding_fact(r, f, "created_by", "created by", CR_FACT_STR, 0, 0, gr->created_by);
		if (!rc)
			rc = stack_table(r, f, gr->frames, gr->nframes);
	}
	cr_goroutines_release(&g);
	return rc;
}

enum cr_err cr_report_analyse_leaks(struct cr_report *r)
{
	const struct cr_profile *snaps[256];
	const char *names[256];
	size_t n = 0;
	for (size_t i = 0; i < r->in.ncaps && n < 256; i++)
		if (r->in.caps[i].goroutine) {
			names[n] = r->in.caps[i].path;
			snaps[n++] = r->in.caps[i].goroutine;
		}
	struct leakprof lp;
	enum cr_err rc = leakprof_load(r, &lp);
	if (rc)
		return rc;
	if (n == 1)
		rc = single(r, snaps[0], names[0], &lp);
	else if (n > 1)
		rc = across(r, snaps, names, n, &lp);
	if (!rc && lp.path)
		rc = leakprof_rest(r, &lp);
	leakprof_release(&lp);
	return rc;
}
