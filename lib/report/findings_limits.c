/* The container's limits against what the Go runtime was told:
 *
 * memory_limit: the cgroup uses 80% or more of its memory limit (or the
 *   GC's heap goal is above it). The advice names GOMEMLIMIT with a value:
 *   90% of the limit the capture's cgroup files give, rounded down to MiB.
 * cpu_limit: the cgroup has a CPU limit (cpu.max, cpu.cfs_quota_us). Go
 *   1.25+ sets GOMAXPROCS from it when GOMAXPROCS is not set: min(CPUs,
 *   max(2, ceil(quota / period))); older releases use the machine's CPU
 *   count. The GOMAXPROCS the process ran with is the "N P" of its gctrace;
 *   its Go release is the binary's build info.
 *
 * GOMEMLIMIT as the process ran with it (runtime metrics of a capture:
 * /gc/gomemlimit:bytes, go_gc_gomemlimit_bytes) turns the advice into
 * "already set" or "lower it"; the heap goal and GOMAXPROCS come from the
 * MemStats or runtime metrics when no gctrace gives them.
 *
 * cr_report_gomemlimit() gives the other memory findings (oom_kill,
 * gc_pressure) the same value. */
#include "coroner/binary.h"
#include "coroner/gort.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the last capture with cgroup files says. */
struct limits {
	const struct cr_capture *c;
	struct cr_cgroup_view v;
	int procs;          /* the last gctrace line's "N P" (else runtime metrics'); -1 unknown */
	double goal_mb;     /* its heap goal (else MemStats NextGC); -1 unknown */
	const char *procs_from, *goal_from;
	int64_t gomemlimit; /* GOMEMLIMIT as the process ran (runtime metrics); -1 unknown */
	int go_minor;       /* 1.N's N from the binary's build info; -1 unknown */
	char go_version[64];
};

static int go_minor(const char *v)
{
	if (strncmp(v, "go1.", 4) != 0 || v[4] < '0' || v[4] > '9')
		return -1;
	return (int)strtol(v + 4, NULL, 10);
}

/* *have false when no capture has cgroup files; the Go release (which
 * opens the binary) only when release is set. */
static enum cr_err limits_load(struct cr_report *r, struct limits *L, bool *have, bool release)
{
	memset(L, 0, sizeof *L);
	L->procs = -1;
	L->goal_mb = -1;
	L->go_minor = -1;
	L->gomemlimit = -1;
	L->procs_from = L->goal_from = "gctrace";
	*have = false;
	for (size_t i = r->in.ncaps; i-- > 0 && !L->c;)
		if (r->in.caps[i].ncgroup_files || r->in.caps[i].memory_stat)
			L->c = &r->in.caps[i];
	if (!L->c)
		return CR_OK;
	const struct cr_capture *c = L->c;
	struct cr_memsnap cg;
	enum cr_err fatal = CR_OK;
	bool got = false;
	struct cr_error e = { 0 };
	/* quietly: oom_kill and the ledger already warn about these files */
	cr_memsnap_init(&cg);
	if (c->memory_stat) {
		fatal = cr_memsnap_load(&cg, c->memory_stat, NULL, &e);
		got = !fatal;
	}
	for (size_t i = 0; i < c->ncgroup_files && fatal != CR_NOMEM && fatal != CR_LIMIT; i++) {
		fatal = cr_memsnap_add_cgroup_path(&cg, c->cgroup_files[i], &e);
		got |= !fatal;
	}
	if (fatal != CR_NOMEM && fatal != CR_LIMIT)
		fatal = CR_OK;
	if (got && !fatal)
		cr_cgroup_view(&cg, &L->v);
	cr_memsnap_release(&cg);
	if (fatal || !got)
		return fatal;
	*have = true;
	if (c->gctrace) {
		struct cr_gctrace t;
		cr_gctrace_init(&t);
		enum cr_err rc = cr_gctrace_load(&t, c->gctrace, NULL, &e);
		if (rc == CR_NOMEM || rc == CR_LIMIT) {
			cr_gctrace_release(&t);
			return rc;
		}
		if (!rc && t.n) {
			L->procs = t.gcs[t.n - 1].procs;
			L->goal_mb = t.gcs[t.n - 1].goal_mb;
		}
		cr_gctrace_release(&t);
	}
	/* the Go figures of a capture (MemStats, runtime metrics): GOMEMLIMIT,
	 * and the goal and GOMAXPROCS a gctrace did not give */
	const char *msp = c->memstats;
	for (size_t i = r->in.ncaps; !msp && i-- > 0;)
		msp = r->in.caps[i].memstats;
	if (msp) {
		struct cr_memsnap ms;
		int64_t x;
		cr_memsnap_init(&ms);
		enum cr_err rc = cr_memsnap_load(&ms, msp, NULL, &e);
		if (rc == CR_NOMEM || rc == CR_LIMIT) {
			cr_memsnap_release(&ms);
			return rc;
		}
		if (!rc && cr_memsnap_get(&ms, "GOMEMLIMIT", &x) && x > 0)
			L->gomemlimit = x;
		if (!rc && L->goal_mb < 0 && cr_memsnap_get(&ms, "NextGC", &x) && x > 0) {
			L->goal_mb = (double)x / (1 << 20);
			L->goal_from = "MemStats NextGC";
		}
		if (!rc && L->procs < 0 && cr_memsnap_get(&ms, "GOMAXPROCS", &x) && x > 0 && x < 1 << 20) {
			L->procs = (int)x;
			L->procs_from = "runtime metrics";
		}
		cr_memsnap_release(&ms);
	}
	const char *bin = c->binary ? c->binary : r->in.binary;
	if (bin && release) {
		struct cr_binary *b;
		enum cr_err rc = cr_binary_open(&b, bin, &e);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		if (!rc) {
			if (cr_go_buildinfo_version(b, L->go_version, sizeof L->go_version))
				L->go_minor = go_minor(L->go_version);
			cr_binary_close(b);
		}
	}
	return CR_OK;
}

static bool mem_limited(const struct limits *L)
{
	return L->v.limit > 0 && L->v.limit != CR_CGROUP_UNLIMITED;
}

/* GOMEMLIMIT's value for a limit: 90% of it, rounded down to MiB. */
static int64_t memlimit_mib(int64_t limit)
{
	return limit / 10 * 9 / (1 << 20);
}

static void memlimit_text(const struct limits *L, char *buf, size_t n)
{
	if (mem_limited(L)) {
		char b[32];
		cr_report_bytes_text(b, sizeof b, L->v.limit);
		snprintf(buf, n, "GOMEMLIMIT=%" PRId64 "MiB (90%% of the cgroup's %s limit, %s; Go 1.19+)",
			 memlimit_mib(L->v.limit), b, L->v.limit_from);
	} else {
		snprintf(buf, n, "GOMEMLIMIT to about 90%% of the container's memory limit (Go 1.19+)");
	}
}

enum cr_err cr_report_gomemlimit(struct cr_report *r, char *buf, size_t n)
{
	struct limits L;
	bool have;
	enum cr_err rc = limits_load(r, &L, &have, false);
	if (rc)
		return rc;
	memlimit_text(&L, buf, n);
	return CR_OK;
}

static enum cr_err memory_limit(struct cr_report *r, const struct limits *L)
{
	if (!mem_limited(L))
		return CR_OK;
	int64_t used = L->v.usage >= 0 ? L->v.usage : -1;
	int64_t goal = L->goal_mb >= 0 ? (int64_t)(L->goal_mb * (1 << 20)) : -1;
	bool near = used >= 0 && used >= L->v.limit / 10 * 8;
	bool over_goal = goal > L->v.limit;
	if (!near && !over_goal)
		return CR_OK;
	double pct = used >= 0 ? 100.0 * (double)used / (double)L->v.limit : 0;
	struct cr_rfinding *f = cr_report_finding(r, "memory_limit", "cgroup", near && pct >= 90 ? CR_FSEV_HIGH : CR_FSEV_MEDIUM,
						  pct);
	if (!f)
		return CR_NOMEM;
	char b1[32], b2[32], ml[200], g[96] = "";
	cr_report_bytes_text(b1, sizeof b1, used >= 0 ? used : 0);
	cr_report_bytes_text(b2, sizeof b2, L->v.limit);
	if (over_goal)
		snprintf(g, sizeof g, "; the GC's heap goal (%.0f MB) is above the limit", L->goal_mb);
	enum cr_err rc;
	if (near)
		rc = cr_finding_summary(r, f, "the cgroup uses %s of its %s memory limit (%.0f%%)%s", b1, b2, pct, g);
	else
		rc = cr_finding_summary(r, f, "the cgroup's memory limit is %s%s", b2, g);
	memlimit_text(L, ml, sizeof ml);
	bool set = L->gomemlimit > 0 && L->gomemlimit != INT64_MAX;
	char gl[32];
	cr_report_bytes_text(gl, sizeof gl, set ? L->gomemlimit : 0);
	if (!rc && set && L->gomemlimit > L->v.limit / 100 * 95)
		rc = cr_finding_next(r, f, "GOMEMLIMIT is %s (runtime metrics), at or above the cgroup's limit: lower it "
					   "to %s, so the GC works harder before the kernel's OOM killer acts",
				     gl, ml);
	else if (!rc && set)
		rc = cr_finding_next(r, f, "GOMEMLIMIT is already %s (runtime metrics): the Go heap is held under it; what "
					   "fills the rest of the cgroup is outside it (non-Go memory, page cache: see the ledger)",
				     gl);
	else if (!rc)
		rc = cr_finding_next(r, f, "set %s: the GC then works harder as the heap nears it, before the kernel's "
					   "OOM killer acts on the cgroup's total",
				     ml);
	if (!rc && set)
		rc = cr_finding_fact(r, f, "gomemlimit", "GOMEMLIMIT (runtime metrics)", CR_FACT_BYTES, L->gomemlimit, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "limit", "memory limit", CR_FACT_BYTES, L->v.limit, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "limit_source", "limit from", CR_FACT_STR, 0, 0, L->v.limit_from);
	if (!rc && used >= 0)
		rc = cr_finding_fact(r, f, "usage", "cgroup usage", CR_FACT_BYTES, used, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "gomemlimit_mib", "suggested GOMEMLIMIT (MiB)", CR_FACT_INT,
				     memlimit_mib(L->v.limit), 0, NULL);
	if (!rc && goal >= 0)
		rc = cr_finding_fact(r, f, "heap_goal", !strcmp(L->goal_from, "gctrace") ? "GC heap goal (gctrace)"
											 : "GC heap goal (MemStats NextGC)",
				     CR_FACT_BYTES, goal, 0, NULL);
	return rc;
}

static enum cr_err cpu_limit(struct cr_report *r, const struct limits *L)
{
	const struct cr_cgroup_view *v = &L->v;
	if (v->cpu_period <= 0 || v->cpu_quota < 0 || v->cpu_quota == CR_CGROUP_UNLIMITED)
		return CR_OK;
	double cpus = (double)v->cpu_quota / (double)v->cpu_period;
	/* what Go 1.25+ picks (before the bound by the machine's CPUs) */
	int64_t want = (v->cpu_quota + v->cpu_period - 1) / v->cpu_period;
	if (want < 2)
		want = 2;
	bool aware = L->go_minor >= 25;
	bool over = L->procs > 0 && L->procs > want;
	enum cr_fsev sev = over ? (L->procs >= 2 * want ? CR_FSEV_MEDIUM : CR_FSEV_LOW) : CR_FSEV_LOW;
	struct cr_rfinding *f = cr_report_finding(r, "cpu_limit", "cgroup", sev, cpus);
	if (!f)
		return CR_NOMEM;
	char p[64] = "";
	if (L->procs > 0)
		snprintf(p, sizeof p, "GOMAXPROCS was %d (%s)", L->procs, L->procs_from);
	else
		snprintf(p, sizeof p, "GOMAXPROCS unknown (no gctrace)");
	const char *rel = L->go_minor >= 0 ? L->go_version : "an unknown Go release (give the binary)";
	enum cr_err rc = cr_finding_summary(r, f, "the cgroup allows %.2f CPUs (%s); %s, built by %s", cpus, v->cpu_from,
					    p, rel);
	if (rc)
		return rc;
	if (aware && !over)
		rc = cr_finding_next(r, f, "nothing to set: Go 1.25+ already follows the cgroup's CPU limit "
					   "(GOMAXPROCS = max(2, ceil(%.2f)) = %" PRId64 ", at most the CPUs it may run on); "
					   "GOMEMLIMIT is the limit it does not take from the cgroup",
				     cpus, want);
	else if (aware)
		rc = cr_finding_next(r, f, "GOMAXPROCS=%d was set by hand above the limit: unset it and Go 1.25+ follows "
					   "the cgroup's CPU limit (max(2, ceil(%.2f)) = %" PRId64 ")",
				     L->procs, cpus, want);
	else
		rc = cr_finding_next(r, f, "%s does not read the cgroup's CPU limit: set GOMAXPROCS=%" PRId64
					   " (the limit rounded up, at least 2, as Go 1.25+ chooses), or build with Go 1.25+, "
					   "which follows the limit by itself",
				     L->go_minor >= 0 ? "this Go release (before 1.25)" : "Go before 1.25", want);
	if (!rc)
		rc = cr_finding_fact(r, f, "cpu_limit", "CPU limit (CPUs)", CR_FACT_DOUBLE, 0, cpus, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "cpu_limit_source", "limit from", CR_FACT_STR, 0, 0, v->cpu_from);
	if (!rc)
		rc = cr_finding_fact(r, f, "gomaxprocs_suggested", "GOMAXPROCS Go 1.25+ picks", CR_FACT_INT, want, 0, NULL);
	if (!rc && L->procs > 0)
		rc = cr_finding_fact(r, f, "gomaxprocs", !strcmp(L->procs_from, "gctrace") ? "GOMAXPROCS (gctrace)"
											   : "GOMAXPROCS (runtime metrics)",
				     CR_FACT_INT, L->procs, 0, NULL);
	if (!rc && L->go_minor >= 0)
		rc = cr_finding_fact(r, f, "go_version", "Go version (build info)", CR_FACT_STR, 0, 0, L->go_version);
	return rc;
}

enum cr_err cr_report_analyse_limits(struct cr_report *r)
{
	struct limits L;
	bool have;
	enum cr_err rc = limits_load(r, &L, &have, true);
	if (rc || !have)
		return rc;
	rc = memory_limit(r, &L);
	if (!rc)
		rc = cpu_limit(r, &L);
	return rc;
}
