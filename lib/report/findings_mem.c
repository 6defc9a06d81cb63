/* rss_gap (the RSS ledger of lib/mem, per capture) and gc_pressure
 * (GODEBUG=gctrace=1 logs). */
#include "coroner/mem.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct snaps {
	struct cr_memsnap rollup, smaps, status, cgroup, memstats;
	struct cr_gctrace gc;
	bool have_rollup, have_smaps, have_status, have_cgroup, have_memstats, have_gc;
};

static bool load_one(struct cr_report *r, struct cr_memsnap *s, const char *path, enum cr_err *fatal)
{
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	cr_memsnap_init(s);
	if (!path)
		return false;
	enum cr_err rc = cr_memsnap_load(s, path, &warn, &e);
	cr_buf_release(&warn);
	if (rc) {
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			*fatal = rc;
		else
			cr_report_warn(r, "rss_gap: %s", e.msg);
		return false;
	}
	return true;
}

/* The capture's cgroup control files into s (memory.stat or not); true if
 * any was read. */
static bool load_cgroup_files(struct cr_report *r, const struct cr_capture *c, struct cr_memsnap *s,
			      enum cr_err *fatal)
{
	bool any = false;
	for (size_t i = 0; i < c->ncgroup_files; i++) {
		struct cr_error e = { 0 };
		enum cr_err rc = cr_memsnap_add_cgroup_path(s, c->cgroup_files[i], &e);
		if (rc == CR_NOMEM || rc == CR_LIMIT) {
			*fatal = rc;
			return false;
		}
		if (rc)
			cr_report_warn(r, "oom_kill: %s", e.msg);
		else
			any = true;
	}
	return any;
}

static enum cr_err snaps_load(struct cr_report *r, const struct cr_capture *c, struct snaps *s)
{
	enum cr_err fatal = CR_OK;
	memset(s, 0, sizeof *s);
	s->have_rollup = load_one(r, &s->rollup, c->smaps_rollup, &fatal);
	s->have_smaps = load_one(r, &s->smaps, c->smaps, &fatal);
	s->have_status = load_one(r, &s->status, c->status, &fatal);
	s->have_cgroup = load_one(r, &s->cgroup, c->memory_stat, &fatal);
	if (!fatal && load_cgroup_files(r, c, &s->cgroup, &fatal))
		s->have_cgroup = true;
	s->have_memstats = load_one(r, &s->memstats, c->heap_text ? c->heap_text : c->memstats, &fatal);
	if (s->have_memstats && s->memstats.src != CR_MS_MEMSTATS)
		s->have_memstats = false;
	cr_gctrace_init(&s->gc);
	if (c->gctrace) {
		struct cr_error e = { 0 };
		enum cr_err rc = cr_gctrace_load(&s->gc, c->gctrace, NULL, &e);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			fatal = rc;
		else if (rc)
			cr_report_warn(r, "gc_pressure: %s", e.msg);
		else
			s->have_gc = true;
	}
	return fatal;
}

static void snaps_release(struct snaps *s)
{
	cr_memsnap_release(&s->rollup);
	cr_memsnap_release(&s->smaps);
	cr_memsnap_release(&s->status);
	cr_memsnap_release(&s->cgroup);
	cr_memsnap_release(&s->memstats);
	cr_gctrace_release(&s->gc);
}

/* Ledger of capture c; *ok false when the capture has no RSS source. */
static enum cr_err ledger(struct cr_report *r, const struct cr_capture *c, struct snaps *s,
			  struct cr_ledger *l, bool *ok)
{
	*ok = false;
	memset(l, 0, sizeof *l);
	enum cr_err rc = snaps_load(r, c, s);
	if (rc)
		return rc;
	if (!s->have_rollup && !s->have_smaps && !s->have_status)
		return CR_OK;
	struct cr_ledger_in in = {
		.rollup = s->have_rollup ? &s->rollup : NULL,
		.smaps = s->have_smaps ? &s->smaps : NULL,
		.status = s->have_status ? &s->status : NULL,
		.cgroup = s->have_cgroup ? &s->cgroup : NULL,
		.memstats = s->have_memstats ? &s->memstats : NULL,
		.gctrace = s->have_gc ? &s->gc : NULL,
	};
	struct cr_error e = { 0 };
	rc = cr_ledger_compute(l, &in, &e);
	if (rc) {
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "rss_gap: %s: %s", c->path, e.msg);
		return CR_OK;
	}
	const char *w = cr_buf_str(&l->warnings);
	while (*w) {
		size_t n = strcspn(w, "\n");
		cr_report_warn(r, "rss_gap: %s: %.*s", c->path, (int)n, w);
		w += n + (w[n] == '\n');
	}
	*ok = true;
	return CR_OK;
}

static const char *next_step(enum cr_component c)
{
	switch (c) {
	case CR_C_NON_GO_ANON:
		return "no Go profile shows this memory: look at cgo call sites that allocate and never free "
		       "(C.malloc, C.CString) and at C libraries' caches; coroner mem SMAPS shows the mappings";
	case CR_C_GO_HEAP_IDLE:
		return "the Go heap freed this memory but the OS has not taken it back yet: set GOMEMLIMIT, "
		       "or call debug.FreeOSMemory after a spike; the spike itself is in the allocs profile";
	case CR_C_GO_STACKS:
		return "goroutine stacks: too many or too deep goroutines; coroner goroutines DUMP groups them";
	case CR_C_GO_RUNTIME:
		return "runtime metadata (GC bitmaps, spans) grows with the heap: shrink the heap first";
	case CR_C_FILE_BACKED:
		return "file-backed pages (binary, libraries, mmap'd files) are reclaimable; see which files "
		       "with coroner mem SMAPS";
	case CR_C_SHMEM:
		return "shared memory (/dev/shm, memfd, SysV) counts in full; find its owner with coroner mem SMAPS";
	default:
		return "the inputs disagree or were read at different moments: capture them together";
	}
}

enum cr_err cr_report_analyse_mem(struct cr_report *r)
{
	/* the last capture with an RSS source, and the first for growth */
	const struct cr_capture *a = NULL, *b = NULL;
	for (size_t i = 0; i < r->ncaps; i++)
		if (r->caps[i].smaps_rollup || r->caps[i].smaps || r->caps[i].status) {
			if (!a)
				a = &r->caps[i];
			b = &r->caps[i];
		}
	if (!b)
		return CR_OK;
	const char *ms_a = a->heap_text ? a->heap_text : a->memstats;
	const char *ms_b = b->heap_text ? b->heap_text : b->memstats;
	struct snaps sa, sb;
	struct cr_ledger la, lb;
	bool oka = false, okb = false;
	memset(&sa, 0, sizeof sa);
	memset(&la, 0, sizeof la);
	enum cr_err rc = ledger(r, b, &sb, &lb, &okb);
	if (!rc && a != b)
		rc = ledger(r, a, &sa, &la, &oka);
	if (rc || !okb)
		goto out;

	/* MemStats going backwards between captures: the process restarted
	 * (unless the captures were given newest first: inputs_mismatch time) */
	bool reversed = a->time_nanos > 0 && b->time_nanos > 0 && a->time_nanos > b->time_nanos;
	if (oka && sa.have_memstats && sb.have_memstats && !reversed) {
		struct cr_buf w = { 0 };
		if (!cr_memsnap_check_pair(&sa.memstats, &sb.memstats, INT64_MAX / 4, &w)) {
			struct cr_rfinding *f = cr_report_finding(r, "inputs_mismatch", "process", CR_FSEV_HIGH, 0);
			if (!f || cr_finding_summary(r, f, "%s and %s: %.*s", ms_a, ms_b,
						     (int)strcspn(cr_buf_str(&w), "\n"), cr_buf_str(&w)) ||
			    cr_finding_next(r, f, "the process restarted between the captures: compare captures of one run") ||
			    cr_finding_fact(r, f, "first", "first", CR_FACT_STR, 0, 0, ms_a) ||
			    cr_finding_fact(r, f, "second", "second", CR_FACT_STR, 0, 0, ms_b))
				rc = CR_NOMEM;
		}
		cr_buf_release(&w);
		if (rc)
			goto out;
	}
	int64_t rss = lb.rss, heap = lb.comp[CR_C_GO_HEAP_INUSE].bytes, gap = rss - heap;
	enum cr_component top = CR_C_COUNT;
	for (int c = 0; c < CR_C_COUNT; c++) {
		if (c == CR_C_GO_HEAP_INUSE)
			continue;
		if (lb.comp[c].bytes > 0 && (top == CR_C_COUNT || lb.comp[c].bytes > lb.comp[top].bytes))
			top = (enum cr_component)c;
	}
	double gap_pct = rss > 0 ? 100.0 * (double)gap / (double)rss : 0;
	double top_pct = rss > 0 && top != CR_C_COUNT ? 100.0 * (double)lb.comp[top].bytes / (double)rss : 0;
	char x[48], y[48], z[48];
	if (top == CR_C_COUNT || gap_pct < 25 || top_pct < 10) {
		cr_units_bytes(x, sizeof x, rss);
		cr_report_note(r, "rss_gap: the Go heap in use explains %.0f%% of RSS %s (%s)", 100 - gap_pct, x,
			       b->path);
		goto out;
	}
	enum cr_fsev sev = top_pct >= 30 ? CR_FSEV_HIGH : top_pct >= 15 ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
	/* without MemStats and smaps the ledger cannot tell Go's anonymous
	 * memory from the rest: say so, and do not rank it high */
	bool blind = !sb.have_memstats && !sb.have_smaps;
	if (blind)
		sev = CR_FSEV_LOW;
	const char *name = cr_component_name(top);
	struct cr_rfinding *f = cr_report_finding(r, "rss_gap", name, sev, top_pct);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	cr_units_bytes(x, sizeof x, lb.comp[top].bytes);
	cr_units_bytes(y, sizeof y, rss);
	cr_units_bytes(z, sizeof z, heap);
	char grew[128] = "";
	if (oka) {
		char d[48];
		int64_t delta = lb.comp[top].bytes - la.comp[top].bytes;
		cr_units_bytes(d, sizeof d, delta < 0 ? -delta : delta);
		snprintf(grew, sizeof grew, "; %s %s since the first capture", delta >= 0 ? "up" : "down", d);
	}
	if (blind)
		rc = cr_finding_summary(r, f, "%s of RSS %s (%.0f%%) is anonymous memory that Go and non-Go share: "
					      "without MemStats (a debug=1 heap profile) or smaps it cannot be split%s",
					x, y, top_pct, grew);
	else
		rc = cr_finding_summary(r, f, "%s of RSS %s (%.0f%%) is %s, beyond the Go heap in use (%s)%s", x, y,
					top_pct, name, z, grew);
	if (!rc)
		rc = cr_finding_next(r, f, "%s", next_step(top));
	if (!rc)
		rc = cr_finding_fact(r, f, "rss", "RSS", CR_FACT_BYTES, rss, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "rss_source", "RSS from", CR_FACT_STR, 0, 0, lb.rss_source);
	if (!rc)
		rc = cr_finding_fact(r, f, "go_heap_inuse", "Go heap in use", CR_FACT_BYTES, heap, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "subject_bytes", name, CR_FACT_BYTES, lb.comp[top].bytes, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "subject_pct_of_rss", "share of RSS", CR_FACT_PCT, 0, top_pct, NULL);
	if (!rc && lb.comp[top].note[0])
		rc = cr_finding_fact(r, f, "how_measured", "how measured", CR_FACT_STR, 0, 0, lb.comp[top].note);
	struct cr_table *t = rc ? NULL : cr_finding_table(r, f, "ledger", "RSS ledger (components add up to RSS)");
	if (!rc && !t)
		rc = CR_NOMEM;
	if (!rc) {
		cr_table_col(t, "component", "component", CR_LEFT);
		if (oka)
			cr_table_col(t, "before", "before", CR_RIGHT);
		cr_table_col(t, "bytes", oka ? "after" : "bytes", CR_RIGHT);
		if (oka)
			cr_table_col(t, "delta", "delta", CR_RIGHT);
		cr_table_col(t, "pct_of_rss", "%rss", CR_RIGHT);
		for (int c = 0; c <= CR_C_COUNT && !rc; c++) {
			bool is_rss = c == CR_C_COUNT;
			int64_t v = is_rss ? lb.rss : lb.comp[c].bytes, v0 = is_rss ? la.rss : la.comp[c].bytes;
			char bv[48], b0[48], bd[48], pc[16];
			cr_units_bytes(bv, sizeof bv, v);
			cr_units_bytes(b0, sizeof b0, v0);
			cr_units_bytes(bd, sizeof bd, v - v0);
			if (v - v0 > 0) {
				memmove(bd + 1, bd, strnlen(bd, sizeof bd - 2) + 1);
				bd[0] = '+';
			}
			double p = rss ? 100.0 * (double)v / (double)rss : 0;
			snprintf(pc, sizeof pc, "%.1f%%", p);
			if (cr_table_row(t) || cr_table_str(t, is_rss ? "rss" : cr_component_name((enum cr_component)c)) ||
			    (oka && cr_table_int(t, v0, b0)) || cr_table_int(t, v, bv) ||
			    (oka && cr_table_int(t, v - v0, bd)) || cr_table_double(t, p, pc))
				rc = CR_NOMEM;
		}
	}
out:
	if (okb || b)
		snaps_release(&sb), cr_ledger_release(&lb);
	if (a != b)
		snaps_release(&sa), cr_ledger_release(&la);
	return rc;
}

enum cr_err cr_report_analyse_gc(struct cr_report *r)
{
	const struct cr_capture *c = NULL;
	for (size_t i = r->ncaps; i-- > 0 && !c;)
		if (r->caps[i].gctrace)
			c = &r->caps[i];
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
	if (!rc)
		rc = cr_finding_next(r, f, "allocate less in the hot paths (see alloc_hotspot / coroner top -i alloc_space), "
					   "or raise GOGC / set GOMEMLIMIT if memory allows");
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

/* oom_kill: the kernel's OOM killer ended a process. Two sources, either
 * enough: the cgroup's counters (oom_kill of memory.events or
 * memory.oom_control, with the limit and the peak) and the kernel log's
 * report (who was killed, with how much, cgroup or system-wide). The last
 * capture holding each says; a kill is final, so one is enough. */
enum cr_err cr_report_analyse_oom(struct cr_report *r)
{
	const struct cr_capture *c = NULL, *ck = NULL;
	for (size_t i = r->ncaps; i-- > 0 && !c;)
		if (r->caps[i].ncgroup_files)
			c = &r->caps[i];
	for (size_t i = r->ncaps; i-- > 0 && !ck;)
		if (r->caps[i].kernel_log)
			ck = &r->caps[i];
	if (!c && !ck)
		return CR_OK;
	const struct cr_capture *last = &r->caps[r->ncaps - 1];
	struct cr_memsnap cg, st, ms;
	struct cr_ooms ooms = { 0 };
	cr_memsnap_init(&cg);
	cr_memsnap_init(&st);
	cr_memsnap_init(&ms);
	enum cr_err fatal = CR_OK;
	bool have = false;
	if (c) {
		have = load_one(r, &cg, c->memory_stat, &fatal);
		if (!fatal)
			have = load_cgroup_files(r, c, &cg, &fatal) || have;
	}
	/* the process's own figures: the capture that holds the evidence, else the last */
	const struct cr_capture *pc = c ? c : ck ? ck : last;
	bool have_st = !fatal && load_one(r, &st, pc->status, &fatal);
	bool have_ms = !fatal && load_one(r, &ms, pc->heap_text ? pc->heap_text : pc->memstats, &fatal) &&
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
		else
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
		size_t k = 0;
		for (const char *p = kill->comm; *p && k + 1 < sizeof safe; p++)
			safe[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
		safe[k] = 0;
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
	if (!rc)
		rc = cr_finding_next(r, f, "%s",
				     memcg ? "the cgroup's limit ended the process (SIGKILL, no Go traceback): the cgroup's total "
					     "counts, page cache included; rss_gap and heap_growth say what filled it. Set "
					     "GOMEMLIMIT to about 90% of the limit so the GC works harder before the kernel kills"
					   : "the machine ran out of memory and the kernel chose this process (SIGKILL, no Go "
					     "traceback): rss_gap and heap_growth say what it held; set GOMEMLIMIT, or give it a "
					     "cgroup limit of its own");
	if (!rc && kill) {
		rc = cr_finding_fact(r, f, "killed_pid", "killed pid", CR_FACT_INT, kill->pid, 0, NULL);
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
		if (!rc && ooms.n > 1)
			rc = cr_finding_fact(r, f, "kills_in_log", "OOM kills in the log", CR_FACT_INT, (int64_t)ooms.n, 0, NULL);
	}
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
