/* rss_gap: the RSS ledger of lib/mem, per capture: the component beyond
 * the Go heap that explains most of the resident memory. Every capture's
 * ledger is kept in r->ledgers, finding or not (the renderers draw them). */
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

bool cr_report_load_snap(struct cr_report *r, struct cr_memsnap *s, const char *path, enum cr_err *fatal)
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
bool cr_report_load_cgroup_files(struct cr_report *r, const struct cr_capture *c, struct cr_memsnap *s,
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
	s->have_rollup = cr_report_load_snap(r, &s->rollup, c->smaps_rollup, &fatal);
	s->have_smaps = cr_report_load_snap(r, &s->smaps, c->smaps, &fatal);
	s->have_status = cr_report_load_snap(r, &s->status, c->status, &fatal);
	s->have_cgroup = cr_report_load_snap(r, &s->cgroup, c->memory_stat, &fatal);
	if (!fatal && cr_report_load_cgroup_files(r, c, &s->cgroup, &fatal))
		s->have_cgroup = true;
	s->have_memstats = cr_report_load_snap(r, &s->memstats, c->heap_text ? c->heap_text : c->memstats, &fatal);
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

static bool has_rss_source(const struct cr_capture *c)
{
	return c->smaps_rollup || c->smaps || c->status;
}

/* Keep l as the ledger of capture i (r->ledgers, allocated on first use). */
static enum cr_err keep_ledger(struct cr_report *r, size_t i, const struct cr_ledger *l)
{
	if (!r->ledgers && !(r->ledgers = cr_calloc(r->in.ncaps, sizeof *r->ledgers)))
		return CR_NOMEM;
	struct cr_capledger *k = &r->ledgers[i];
	k->rss = l->rss;
	k->rss_source = cr_arena_strndup(&r->arena, l->rss_source, strlen(l->rss_source));
	if (!k->rss_source)
		return CR_NOMEM;
	for (int c = 0; c < CR_C_COUNT; c++)
		k->comp[c] = l->comp[c].bytes;
	k->have = true;
	return CR_OK;
}

/* The ledgers of the captures between the first and the last (those two
 * are computed for rss_gap). */
static enum cr_err middle_ledgers(struct cr_report *r, const struct cr_capture *a, const struct cr_capture *b)
{
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < r->in.ncaps && !rc; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		if (c == a || c == b || !has_rss_source(c))
			continue;
		struct snaps s;
		struct cr_ledger l;
		bool ok = false;
		rc = ledger(r, c, &s, &l, &ok);
		if (!rc && ok)
			rc = keep_ledger(r, i, &l);
		snaps_release(&s);
		cr_ledger_release(&l);
	}
	return rc;
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
	for (size_t i = 0; i < r->in.ncaps; i++)
		if (has_rss_source(&r->in.caps[i])) {
			if (!a)
				a = &r->in.caps[i];
			b = &r->in.caps[i];
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
	if (!rc && oka)
		rc = keep_ledger(r, (size_t)(a - r->in.caps), &la);
	if (!rc && okb)
		rc = keep_ledger(r, (size_t)(b - r->in.caps), &lb);
	if (!rc)
		rc = middle_ledgers(r, a, b);
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
