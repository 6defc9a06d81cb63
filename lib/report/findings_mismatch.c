/* inputs_mismatch: inputs that do not belong together (pids, process
 * names, build ids, capture order). */
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *main_build_id(const struct cr_profile *p)
{
	if (!p || p->nmappings == 0)
		return NULL;
	const char *b = cr_profile_str(p, p->mappings[0].build_id);
	return *b ? b : NULL;
}

static const char *main_file(const struct cr_profile *p)
{
	if (!p || p->nmappings == 0)
		return NULL;
	const char *f = cr_profile_str(p, p->mappings[0].filename);
	if (!*f)
		return NULL;
	const char *s = strrchr(f, '/');
	return s ? s + 1 : f;
}

static enum cr_err mismatch(struct cr_report *r, const char *subject, enum cr_fsev sev,
			    const char *summary, const char *next, const char *a_label,
			    const char *a, const char *b_label, const char *b)
{
	struct cr_rfinding *f = cr_report_finding(r, "inputs_mismatch", subject, sev, 0);
	if (!f)
		return CR_NOMEM;
	enum cr_err rc = cr_finding_summary(r, f, "%s", summary);
	if (!rc)
		rc = cr_finding_next(r, f, "%s", next);
	if (!rc)
		rc = cr_finding_fact(r, f, "first", a_label, CR_FACT_STR, 0, 0, a);
	if (!rc)
		rc = cr_finding_fact(r, f, "second", b_label, CR_FACT_STR, 0, 0, b);
	return rc;
}

enum cr_err cr_report_analyse_mismatch(struct cr_report *r)
{
	char sum[1024], la[512], lb[512];
	enum cr_err rc = CR_OK;
	/* pids and process names across captures */
	const struct cr_capture *pc = NULL;
	for (size_t i = 0; i < r->in.ncaps && !rc; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		if (c->pid < 0)
			continue;
		if (pc && pc->pid != c->pid) {
			snprintf(sum, sizeof sum, "captures come from different processes: pid %" PRId64 " (%s) and pid %" PRId64 " (%s)",
				 pc->pid, pc->path, c->pid, c->path);
			snprintf(la, sizeof la, "%s: pid", pc->path);
			snprintf(lb, sizeof lb, "%s: pid", c->path);
			char va[32], vb[32];
			snprintf(va, sizeof va, "%" PRId64, pc->pid);
			snprintf(vb, sizeof vb, "%" PRId64, c->pid);
			rc = mismatch(r, "pid", CR_FSEV_HIGH, sum,
				      "growth between different processes is not a leak: capture twice from the same pid",
				      la, va, lb, vb);
		}
		pc = c;
	}
	/* status Name against the profiles' main binary (Name is cut to 15 bytes) */
	for (size_t i = 0; i < r->in.ncaps && !rc; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		const struct cr_profile *ps[2] = { c->heap, c->allocs };
		for (int k = 0; k < 2 && !rc && c->process; k++) {
			const char *mf = main_file(ps[k]);
			if (!mf || !strncmp(mf, c->process, 15))
				continue;
			snprintf(sum, sizeof sum, "%s: status is process '%s' but the profiles were written by '%s'",
				 c->path, c->process, mf);
			rc = mismatch(r, "process", CR_FSEV_HIGH, sum,
				      "check that every file of the capture was taken from the same process",
				      "status Name", c->process, "profile binary", mf);
			break;
		}
	}
	/* build ids of the main binary across all profiles */
	const char *bid = NULL, *bid_where = NULL;
	for (size_t i = 0; i < r->in.ncaps && !rc; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		const struct cr_profile *ps[3] = { c->heap, c->allocs, c->goroutine };
		const char *paths[3] = { c->heap_path, c->allocs_path, c->goroutine_path };
		for (int k = 0; k < 3 && !rc; k++) {
			const char *b = main_build_id(ps[k]);
			if (!b)
				continue;
			if (!bid) {
				bid = b;
				bid_where = paths[k];
			} else if (strcmp(bid, b)) {
				snprintf(sum, sizeof sum, "profiles come from different builds: %s has build id %s, %s has %s",
					 bid_where, bid, paths[k], b);
				rc = mismatch(r, "build_id", CR_FSEV_HIGH, sum,
					      "compare captures of the same build only; a redeploy happened in between",
					      bid_where, bid, paths[k], b);
				bid = b;
				bid_where = paths[k];
				break;
			}
		}
	}
	/* capture order: oldest first */
	for (size_t i = 1; i < r->in.ncaps && !rc; i++) {
		const struct cr_capture *x = &r->in.caps[i - 1], *y = &r->in.caps[i];
		if (x->time_nanos > 0 && y->time_nanos > 0 && y->time_nanos < x->time_nanos) {
			snprintf(sum, sizeof sum, "captures are not oldest first: %s was taken %.1f s before %s",
				 y->path, (double)(x->time_nanos - y->time_nanos) / 1e9, x->path);
			char va[32], vb[32];
			snprintf(va, sizeof va, "%" PRId64, x->time_nanos);
			snprintf(vb, sizeof vb, "%" PRId64, y->time_nanos);
			rc = mismatch(r, "time", CR_FSEV_MEDIUM, sum,
				      "give the captures oldest first: growth is read from first to last",
				      x->path, va, y->path, vb);
		}
	}
	return rc;
}

