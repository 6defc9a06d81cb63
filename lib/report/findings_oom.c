/* oom_kill: the kernel's OOM killer ended a process (cgroup counters and
 * the kernel log's report). */
#include "coroner/mem.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Facts of the kernel's report of the kill (spid: the capture's pid, -1
 * unknown; nkills: kills in the log). */
static enum cr_err kill_facts(struct cr_report *r, struct cr_rfinding *f, const struct cr_oomkill *kill,
			      int64_t spid, size_t nkills)
{
	enum cr_err rc = cr_finding_fact(r, f, "killed_pid", "killed pid", CR_FACT_INT, kill->pid, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "killed_process", "killed process", CR_FACT_STR, 0, 0, kill->comm);
	if (!rc && spid >= 0)
		rc = cr_finding_fact(r, f, "is_capture_process", "the captured process", CR_FACT_STR, 0, 0,
				     kill->pid == spid ? "yes" : "no");
	if (!rc && kill->anon_rss >= 0)
		rc = cr_finding_fact(r, f, "anon_rss", "anon-rss when killed", CR_FACT_BYTES, kill->anon_rss, 0, NULL);
	if (!rc && kill->file_rss >= 0)
		rc = cr_finding_fact(r, f, "file_rss", "file-rss when killed", CR_FACT_BYTES, kill->file_rss, 0, NULL);
	if (!rc && kill->shmem_rss >= 0)
		rc = cr_finding_fact(r, f, "shmem_rss", "shmem-rss when killed", CR_FACT_BYTES, kill->shmem_rss, 0, NULL);
	if (!rc && kill->total_vm >= 0)
		rc = cr_finding_fact(r, f, "total_vm", "total-vm when killed", CR_FACT_BYTES, kill->total_vm, 0, NULL);
	if (!rc && kill->constraint[0])
		rc = cr_finding_fact(r, f, "constraint", "constraint", CR_FACT_STR, 0, 0, kill->constraint);
	if (!rc && kill->memcg_path[0])
		rc = cr_finding_fact(r, f, "memcg", "memory cgroup", CR_FACT_STR, 0, 0, kill->memcg_path);
	if (!rc && kill->stamp[0])
		rc = cr_finding_fact(r, f, "when", "kernel log time", CR_FACT_STR, 0, 0, kill->stamp);
	if (!rc && nkills > 1)
		rc = cr_finding_fact(r, f, "kills_in_log", "OOM kills in the log", CR_FACT_INT, (int64_t)nkills, 0, NULL);
	return rc;
}

/* The killed task's name, printable ASCII only ('?' for anything else). */
static void printable_comm(char *dst, size_t cap, const char *comm)
{
	size_t k = 0;
	for (const char *p = comm; *p && k + 1 < cap; p++)
		dst[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	dst[k] = 0;
}

/* oom_kill: the kernel's OOM killer ended a process. Two sources, either
 * enough: the cgroup's counters (oom_kill of memory.events or
 * memory.oom_control, with the limit and the peak) and the kernel log's
 * report (who was killed, with how much, cgroup or system-wide). The last
 * capture holding each says; a kill is final, so one is enough. */
enum cr_err cr_report_analyse_oom(struct cr_report *r)
{
	const struct cr_capture *c = NULL, *ck = NULL;
	for (size_t i = r->in.ncaps; i-- > 0 && !c;)
		if (r->in.caps[i].ncgroup_files)
			c = &r->in.caps[i];
	for (size_t i = r->in.ncaps; i-- > 0 && !ck;)
		if (r->in.caps[i].kernel_log)
			ck = &r->in.caps[i];
	if (!c && !ck)
		return CR_OK;
	const struct cr_capture *last = &r->in.caps[r->in.ncaps - 1];
	struct cr_memsnap cg, st, ms;
	struct cr_ooms ooms = { 0 };
	cr_memsnap_init(&cg);
	cr_memsnap_init(&st);
	cr_memsnap_init(&ms);
	enum cr_err fatal = CR_OK;
	bool have = false;
	if (c) {
		have = cr_report_load_snap(r, &cg, c->memory_stat, &fatal);
		if (!fatal)
			have = cr_report_load_cgroup_files(r, c, &cg, &fatal) || have;
	}
	/* the process's own figures: the capture that holds the evidence, else the last */
	const struct cr_capture *pc = c ? c : ck ? ck : last;
	bool have_st = !fatal && cr_report_load_snap(r, &st, pc->status, &fatal);
	bool have_ms = !fatal && cr_report_load_snap(r, &ms, pc->heap_text ? pc->heap_text : pc->memstats, &fatal) &&
		       ms.src == CR_MS_MEMSTATS;
	const struct cr_oomkill *kill = NULL;
	int64_t spid = -1, x;
	if (have_st && cr_memsnap_get(&st, "Pid", &x))
		spid = x;
	if (!fatal && ck) {
		struct cr_error e = { 0 };
		enum cr_err krc = cr_ooms_load(&ooms, ck->kernel_log, &e);
		if (krc == CR_NOMEM || krc == CR_LIMIT)
			fatal = krc;
		else if (krc && krc != CR_EMPTY)
			cr_report_warn(r, "oom_kill: %s", e.msg);
		for (size_t i = 0; i < ooms.n; i++)
			if (!kill || ooms.v[i].pid == spid || kill->pid != spid)
				kill = &ooms.v[i]; /* the capture's process, else the last kill */
	}
	enum cr_err rc = fatal;
	struct cr_cgroup_view v;
	memset(&v, 0, sizeof v);
	v.limit = v.usage = v.peak = v.oom_kills = v.limit_hits = -1;
	if (have)
		cr_cgroup_view(&cg, &v);
	if (rc)
		goto out;
	if (v.oom_kills <= 0 && !kill) {
		if (have)
			cr_report_note(r, "oom_kill: the cgroup's OOM killer killed nothing (%s oom_kill %s)", v.oom_from,
				       v.oom_kills == 0 ? "0" : "not given");
		else if (ck)
			cr_report_note(r, "oom_kill: no OOM kill in %s", ck->kernel_log);
		goto out;
	}
	bool memcg = kill ? kill->memcg : true;
	struct cr_rfinding *f = cr_report_finding(r, "oom_kill", memcg ? "cgroup" : "system", CR_FSEV_HIGH, 1e9);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	/* the limit: the cgroup's files, else the kernel's report */
	int64_t limit = v.limit == CR_CGROUP_UNLIMITED ? -1 : v.limit, peak = v.peak, heap = -1;
	const char *limit_from = v.limit_from;
	if (limit < 0 && kill && kill->memcg && kill->limit > 0 && kill->limit < ((int64_t)1 << 60)) {
		limit = kill->limit;
		limit_from = "the kernel's OOM report (memory: usage, limit)";
	}
	if (peak < 0 && kill && kill->memcg && kill->usage >= 0)
		peak = kill->usage;
	if (have_ms && cr_memsnap_get(&ms, "HeapInuse", &x))
		heap = x;
	char what[200], where[160] = "", who[200] = "", b1[32], b2[32], b3[32];
	if (kill) {
		cr_units_bytes(b1, sizeof b1, kill->anon_rss >= 0 ? kill->anon_rss : 0);
		char safe[40];
		printable_comm(safe, sizeof safe, kill->comm);
		snprintf(what, sizeof what, "the kernel's OOM killer killed pid %" PRId64 " (%s)%s, holding %s of anonymous memory",
			 kill->pid, safe, kill->pid == spid ? ", the process of this capture" : "", b1);
	} else
		snprintf(what, sizeof what, "the kernel's OOM killer killed %" PRId64 " process%s of this cgroup", v.oom_kills,
			 v.oom_kills == 1 ? "" : "es");
	if (memcg && limit > 0) {
		cr_units_bytes(b2, sizeof b2, limit);
		if (peak >= 0) {
			cr_units_bytes(b3, sizeof b3, peak);
			snprintf(where, sizeof where, ": the cgroup's memory reached %s against its %s limit", b3, b2);
		} else
			snprintf(where, sizeof where, ": the cgroup's limit is %s", b2);
	} else if (!memcg)
		snprintf(where, sizeof where, ": the whole system ran out of memory (%s)",
			 kill && kill->constraint[0] ? kill->constraint : "no cgroup limit");
	if (heap >= 0) {
		cr_units_bytes(b3, sizeof b3, heap);
		if (memcg && limit > 0) {
			double pct = 100.0 * (double)heap / (double)limit;
			snprintf(who, sizeof who, "; the Go heap in use was %s (%.0f%% of the limit) at the last capture%s", b3,
				 pct, pct >= 50 ? "" : ": most of that memory is not Go's heap");
		} else
			snprintf(who, sizeof who, "; the Go heap in use was %s at the last capture", b3);
	}
	rc = cr_finding_summary(r, f, "%s%s%s", what, where, who);
	char ml[200];
	if (!rc)
		rc = cr_report_gomemlimit(r, ml, sizeof ml);
	if (!rc && memcg)
		rc = cr_finding_next(r, f, "the cgroup's limit ended the process (SIGKILL, no Go traceback): the cgroup's total "
					   "counts, page cache included; rss_gap and heap_growth say what filled it. Set "
					   "%s so the GC works harder before the kernel kills",
				     ml);
	else if (!rc)
		rc = cr_finding_next(r, f, "%s",
				     "the machine ran out of memory and the kernel chose this process (SIGKILL, no Go "
				     "traceback): rss_gap and heap_growth say what it held; set GOMEMLIMIT, or give it a "
				     "cgroup limit of its own");
	if (!rc && kill)
		rc = kill_facts(r, f, kill, spid, ooms.n);
	if (!rc && v.oom_kills >= 0)
		rc = cr_finding_fact(r, f, "oom_kills", "OOM kills (cgroup counter)", CR_FACT_INT, v.oom_kills, 0, NULL);
	if (!rc && v.oom_kills >= 0)
		rc = cr_finding_fact(r, f, "oom_source", "counter from", CR_FACT_STR, 0, 0, v.oom_from);
	if (!rc && memcg && limit > 0)
		rc = cr_finding_fact(r, f, "limit", "limit", CR_FACT_BYTES, limit, 0, NULL);
	if (!rc && memcg && limit > 0)
		rc = cr_finding_fact(r, f, "limit_source", "limit from", CR_FACT_STR, 0, 0, limit_from);
	if (!rc && memcg && peak >= 0)
		rc = cr_finding_fact(r, f, "peak", "peak usage", CR_FACT_BYTES, peak, 0, NULL);
	if (!rc && v.usage >= 0)
		rc = cr_finding_fact(r, f, "usage", "usage now", CR_FACT_BYTES, v.usage, 0, NULL);
	int64_t hits = v.limit_hits >= 0 ? v.limit_hits : kill && kill->memcg ? kill->failcnt : -1;
	if (!rc && hits >= 0)
		rc = cr_finding_fact(r, f, "limit_hits", v.version == 2 ? "times at the limit (events max)" : "times at the limit (failcnt)",
				     CR_FACT_INT, hits, 0, NULL);
	if (!rc && have_st && cr_memsnap_get(&st, "VmRSS", &x))
		rc = cr_finding_fact(r, f, "last_rss", "process RSS at the last capture", CR_FACT_BYTES, x, 0, NULL);
	if (!rc && heap >= 0)
		rc = cr_finding_fact(r, f, "last_heap_inuse", "Go HeapInuse at the last capture", CR_FACT_BYTES, heap, 0, NULL);
out:
	cr_ooms_release(&ooms);
	cr_memsnap_release(&cg);
	cr_memsnap_release(&st);
	cr_memsnap_release(&ms);
	return rc;
}
