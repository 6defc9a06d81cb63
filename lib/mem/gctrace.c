/* GODEBUG=gctrace=1 lines (runtime/mgc.go gcMarkTermination):
 *   gc 7 @0.227s 5%: 0.018+8.4+0.003 ms clock, 0.037+0/1.2/7.9+0.007 ms cpu,
 *   33->33->27 MB, 56 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
 * "stacks" and "globals" exist since Go 1.18; older lines end "goal, N P".
 * go1.26+ marks the goroutine leak profile's GC "5% (checking for goroutine
 * leaks): ..."; gctrace=2 adds "scan:" lines after each (go1.25+). The line
 * is the same with the Green Tea collector (go1.25 GOEXPERIMENT=greenteagc,
 * the default since go1.26): only its scan lines count spans.
 *
 * Go <= 1.4 printed another line at the end of each (stop-the-world)
 * collection (runtime/mgc0.c), gcN(P) with P the GC's procs:
 *   Go 1.3, 1.4: gcN(P): T1+T2+T3+T4 us, H0 -> H1 MB, LIVE (MALLOCS-FREES) objects,
 *                [G goroutines, (1.4)] S/B/P sweeps, N(N) handoff, N(N) steal, N/N/N yields
 *   Go 1.1, 1.2: gcN(P): T1+T2+T3 ms, H0 -> H1 MB O0 -> O1 (MALLOCS-FREES) objects,
 *                N(N) handoff, N(N) steal, N/N/N yields
 * where the times are the phases of the pause, H0 and H1 the heap in use
 * (MB) before and after the collection, LIVE / O1 the objects after it.
 * The scavenger's lines (struct cr_scavenge in coroner/mem.h) come from the
 * same log. */
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/out.h"
#include "coroner/text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void scav_init(struct cr_scavenge *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->inuse_mb = sc->idle_mb = sc->sys_mb = sc->consumed_mb = sc->released_mb = -1;
	sc->util_pct = -1;
}

void cr_gctrace_init(struct cr_gctrace *t)
{
	memset(t, 0, sizeof *t);
	scav_init(&t->scav);
}

void cr_gctrace_release(struct cr_gctrace *t)
{
	cr_free(t->gcs);
	cr_gctrace_init(t);
}

/* A non-negative decimal like 0.018, 8.4, 33 (no exponent). */
static bool num(const char *s, size_t n, size_t *i, double *out)
{
	size_t k = *i;
	double v = 0;
	int digits = 0;
	while (k < n && s[k] >= '0' && s[k] <= '9' && digits < 19) {
		v = v * 10 + (s[k++] - '0');
		digits++;
	}
	if (!digits || (k < n && s[k] >= '0' && s[k] <= '9'))
		return false;
	if (k < n && s[k] == '.') {
		double f = 0.1;
		k++;
		int fd = 0;
		while (k < n && s[k] >= '0' && s[k] <= '9') {
			if (fd++ < 18)
				v += (s[k] - '0') * f, f /= 10;
			k++;
		}
	}
	*out = v;
	*i = k;
	return true;
}

static bool lit(const char *s, size_t n, size_t *i, const char *l)
{
	size_t k = strlen(l);
	if (n - *i < k || memcmp(s + *i, l, k) != 0)
		return false;
	*i += k;
	return true;
}

/* Add a part of a line that was not understood to what ("A, B"; cut at
 * cap). */
static void unknown(char *what, size_t cap, const char *s, size_t n)
{
	size_t w = strlen(what);
	if (w && w + 2 < cap) {
		memcpy(what + w, ", ", 2);
		w += 2;
	}
	if (n > cap - 1 - w)
		n = cap - 1 - w;
	memcpy(what + w, s, n);
	what[w + n] = 0;
}

/* " (TEXT)" at s+*i: TEXT's span, *i past it; false if none. */
static bool paren(const char *s, size_t n, size_t *i, const char **t, size_t *tn)
{
	size_t k = *i;
	if (n - k < 3 || s[k] != ' ' || s[k + 1] != '(')
		return false;
	const char *c = memchr(s + k + 2, ')', n - k - 2);
	if (!c)
		return false;
	*t = s + k + 2;
	*tn = (size_t)(c - *t);
	*i = (size_t)(c - s) + 1;
	return true;
}

/* Parse "gc N @Ts P%: ..." into g; false if the line does not follow the
 * format. A parenthesised annotation or an "N MB name" field this reader
 * does not know is skipped and copied into what (the caller warns). */
static bool parse_line(const char *s, size_t n, struct cr_gc *g, char *what, size_t whatcap)
{
	size_t i = 3, tn;
	double d;
	const char *t;
	memset(g, 0, sizeof *g);
	g->stacks_mb = g->globals_mb = -1;
	g->scan_objs = g->scan_spans = -1;
	*what = 0;
	g->objects = -1;
	if (!cr_parse_u64(s, n, &i, &g->num) || !lit(s, n, &i, " @") || !num(s, n, &i, &g->at_s) ||
	    !lit(s, n, &i, "s ") || !num(s, n, &i, &d) || !lit(s, n, &i, "%"))
		return false;
	if (d > 1000)
		return false; /* a share of CPU, in % */
	g->cpu_pct = (int)d;
	/* go1.26+: " (checking for goroutine leaks)" before the colon */
	while (paren(s, n, &i, &t, &tn)) {
		if (tn == 28 && !memcmp(t, "checking for goroutine leaks", 28))
			g->leak_check = true;
		else
			unknown(what, whatcap, t - 1, tn + 2);
	}
	if (!lit(s, n, &i, ": "))
		return false;
	if (!num(s, n, &i, &g->stw1_ms) || !lit(s, n, &i, "+") || !num(s, n, &i, &g->conc_ms) ||
	    !lit(s, n, &i, "+") || !num(s, n, &i, &g->stw2_ms) || !lit(s, n, &i, " ms clock, "))
		return false;
	/* cpu times: skip to " ms cpu, " */
	const char *mc = NULL;
	for (size_t k = i; k + 9 <= n; k++)
		if (memcmp(s + k, " ms cpu, ", 9) == 0) {
			mc = s + k;
			break;
		}
	if (!mc)
		return false;
	i = (size_t)(mc - s) + 9;
	if (!num(s, n, &i, &g->heap_start_mb) || !lit(s, n, &i, "->") || !num(s, n, &i, &g->heap_end_mb) ||
	    !lit(s, n, &i, "->") || !num(s, n, &i, &g->live_mb) || !lit(s, n, &i, " MB, ") ||
	    !num(s, n, &i, &g->goal_mb) || !lit(s, n, &i, " MB goal, "))
		return false;
	/* optional "N MB stacks, N MB globals, " (Go 1.18+; another "N MB
	 * name, " is skipped as not understood) then "N P" */
	while (i < n) {
		if (!num(s, n, &i, &d))
			return false;
		if (lit(s, n, &i, " MB stacks, ")) {
			g->stacks_mb = d;
		} else if (lit(s, n, &i, " MB globals, ")) {
			g->globals_mb = d;
		} else if (lit(s, n, &i, " P")) {
			if (d > 1e6)
				return false;
			g->procs = (int)d;
			break;
		} else if (lit(s, n, &i, " MB ")) {
			size_t f = i;
			while (i < n && s[i] != ',' && s[i] != ' ')
				i++;
			if (i == f || !lit(s, n, &i, ", "))
				return false;
			unknown(what, whatcap, s + f, i - 2 - f);
		} else {
			return false;
		}
	}
	if (g->procs <= 0)
		return false;
	while (paren(s, n, &i, &t, &tn)) {
		if (tn == 6 && !memcmp(t, "forced", 6))
			g->forced = true;
		else
			unknown(what, whatcap, t - 1, tn + 2);
	}
	return true;
}

/* gctrace=2 (go1.25+) prints after each gc line "scan: total A+B+C=T objs,
 * S+D=U spans" (the Green Tea collector: objects scanned alone, in sparse
 * spans, in dense spans; spans sparse and dense) or "scan: total T objs"
 * (the older collector), then one "scan: class ..." line per size class.
 * The totals go to the gc line before; true if the line is a scan line. */
static bool scan_line(const char *s, size_t n, struct cr_gc *last)
{
	if (!cr_starts(s, n, "scan: "))
		return false;
	if (!cr_starts(s, n, "scan: total "))
		return cr_starts(s, n, "scan: class ");
	size_t i = 12;
	uint64_t v;
	/* A+B+C=T or T */
	while (cr_parse_u64(s, n, &i, &v) && lit(s, n, &i, "+"))
		;
	if (lit(s, n, &i, "=") && !cr_parse_u64(s, n, &i, &v))
		return true;
	if (!lit(s, n, &i, " objs") || !last || v > INT64_MAX)
		return true;
	last->scan_objs = (int64_t)v;
	if (lit(s, n, &i, ", ")) {
		while (cr_parse_u64(s, n, &i, &v) && lit(s, n, &i, "+"))
			;
		if (lit(s, n, &i, "=") && cr_parse_u64(s, n, &i, &v) && lit(s, n, &i, " spans") && v <= INT64_MAX)
			last->scan_spans = (int64_t)v;
	}
	return true;
}

/* "gcN(P): ..." of Go <= 1.4 (formats above); false if not that shape. */
static bool parse_old_line(const char *s, size_t n, struct cr_gc *g)
{
	size_t i = 2;
	uint64_t procs, v;
	double t[4] = { 0 }, h0, h1;
	memset(g, 0, sizeof *g);
	g->stacks_mb = g->globals_mb = g->goal_mb = -1;
	g->objects = -1;
	g->scan_objs = g->scan_spans = -1;
	g->old = true;
	if (!cr_parse_u64(s, n, &i, &g->num) || !lit(s, n, &i, "(") || !cr_parse_u64(s, n, &i, &procs) ||
	    procs == 0 || procs > 1000000 || !lit(s, n, &i, "): "))
		return false;
	g->procs = (int)procs;
	int nt = 0;
	while (nt < 4 && num(s, n, &i, &t[nt])) {
		nt++;
		if (!lit(s, n, &i, "+"))
			break;
	}
	bool us = nt == 4 && lit(s, n, &i, " us, "); /* Go 1.3, 1.4 */
	if (!us && !(nt == 3 && lit(s, n, &i, " ms, "))) /* Go 1.1, 1.2 */
		return false;
	g->stw1_ms = (t[0] + t[1] + t[2] + t[3]) / (us ? 1000.0 : 1.0);
	if (!num(s, n, &i, &h0) || !lit(s, n, &i, " -> ") || !num(s, n, &i, &h1) || !lit(s, n, &i, us ? " MB, " : " MB "))
		return false;
	g->heap_start_mb = h0;
	g->heap_end_mb = g->live_mb = h1;
	if (!us && (!cr_parse_u64(s, n, &i, &v) || !lit(s, n, &i, " -> ")))
		return false;
	if (!cr_parse_u64(s, n, &i, &v) || !lit(s, n, &i, " ("))
		return false;
	g->objects = v > INT64_MAX ? INT64_MAX : (int64_t)v;
	return true;
}

/* Scavenger lines (struct cr_scavenge); false if s is not one. */
static bool parse_scvg(const char *s, size_t n, struct cr_scavenge *sc)
{
	size_t i = 4;
	uint64_t v;
	double d[5];
	if (!cr_starts(s, n, "scvg"))
		return false;
	cr_parse_u64(s, n, &i, &v); /* Go 1.1 - 1.12 number them, 1.13 and 1.14 do not */
	if (!lit(s, n, &i, ": "))
		return false;
	size_t at = i;
	if (lit(s, n, &i, "inuse: ") && num(s, n, &i, &d[0]) && lit(s, n, &i, ", idle: ") && num(s, n, &i, &d[1]) &&
	    lit(s, n, &i, ", sys: ") && num(s, n, &i, &d[2]) && lit(s, n, &i, ", released: ") && num(s, n, &i, &d[3]) &&
	    lit(s, n, &i, ", consumed: ") && num(s, n, &i, &d[4]) && lit(s, n, &i, " (MB)")) {
		sc->inuse_mb = d[0];
		sc->idle_mb = d[1];
		sc->sys_mb = d[2];
		sc->released_mb = d[3];
		sc->consumed_mb = d[4];
	} else if (i = at, num(s, n, &i, &d[0])) {
		if (lit(s, n, &i, " MB released"))
			sc->freed_mb += d[0];
		else if (lit(s, n, &i, " KB released")) /* Go 1.14 */
			sc->freed_mb += d[0] / 1024.0;
		else
			return false;
	} else if (i = at, !lit(s, n, &i, "GC forced")) {
		return false;
	}
	sc->scvg_lines++;
	return true;
}

/* "scav [GEN ]W KiB work, T KiB total, U% util" (Go 1.15 - 1.20) or
 * "scav W KiB work (bg), E KiB work (eager), T KiB now, U% util" (1.21+) */
static bool parse_scav(const char *s, size_t n, struct cr_scavenge *sc)
{
	size_t i = 5;
	double d, work = 0, total = -1;
	int util = -1, items = 0;
	if (!cr_starts(s, n, "scav "))
		return false;
	size_t k = i;
	if (num(s, n, &k, &d) && lit(s, n, &k, " ") && k < n && s[k] >= '0' && s[k] <= '9')
		i = k; /* Go 1.15's generation */
	while (i < n && items < 8) {
		if (!num(s, n, &i, &d))
			return false;
		if (lit(s, n, &i, " KiB work")) {
			work += d;
			if (!lit(s, n, &i, " (bg)"))
				lit(s, n, &i, " (eager)");
		} else if (lit(s, n, &i, " KiB total") || lit(s, n, &i, " KiB now")) {
			total = d;
		} else if (lit(s, n, &i, "% util")) {
			util = d > 1000 ? 1000 : (int)d;
			items++;
			break;
		} else {
			return false;
		}
		items++;
		if (!lit(s, n, &i, ", "))
			return false;
	}
	if (total < 0 || util < 0)
		return false;
	sc->freed_mb += work / 1024.0;
	sc->released_mb = total / 1024.0;
	sc->util_pct = util;
	sc->scav_lines++;
	return true;
}

/* Where a gc line starts: "gc N @" (Go 1.5+) or "gcN(" (Go <= 1.4), at the
 * start of the line or after a blank (a line of program output glued in
 * front, stderr interleaving); NULL if none. */
static const char *find_gc(const char *s, size_t n, bool *old)
{
	for (size_t k = 0; k + 4 <= n; k++) {
		if (s[k] != 'g' || s[k + 1] != 'c' || (k && s[k - 1] != ' ' && s[k - 1] != '\t'))
			continue;
		if (s[k + 2] == ' ' && s[k + 3] >= '0' && s[k + 3] <= '9') {
			*old = false;
			return s + k;
		}
		size_t j = k + 2;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j > k + 2 && j < n && s[j] == '(') {
			*old = true;
			return s + k;
		}
	}
	return NULL;
}

enum cr_err cr_gctrace_parse(struct cr_gctrace *t, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	size_t bad = 0, first_bad = 0;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, NULL)) {
		/* a gc line may follow program output on the same line (stderr
		 * interleaving): find it anywhere */
		bool old = false;
		const char *g = find_gc(s, n, &old);
		if (!g) {
			size_t k = cr_skip_ws(s, n, 0);
			if (!scan_line(s, n, t->n ? &t->gcs[t->n - 1] : NULL) && !parse_scvg(s + k, n - k, &t->scav) &&
			    !parse_scav(s + k, n - k, &t->scav))
				t->other_lines++;
			continue;
		}
		struct cr_gc gc;
		char what[sizeof t->unknown_what];
		size_t gn = n - (size_t)(g - s);
		what[0] = 0;
		if (old ? !parse_old_line(g, gn, &gc) : !parse_line(g, gn, &gc, what, sizeof what)) {
			if (!bad++)
				first_bad = it.lineno;
			t->other_lines++;
			continue;
		}
		if (*what && !t->unknown++) {
			t->unknown_line = it.lineno;
			memcpy(t->unknown_what, what, sizeof what);
		}
		if (cr_grow(&t->gcs, &t->cap, t->n + 1, sizeof *t->gcs))
			return cr_fail(e, CR_NOMEM, "out of memory");
		t->gcs[t->n++] = gc;
		t->old_lines += old;
	}
	if (bad && warn)
		cr_buf_addf(warn, "%s: gctrace: %zu 'gc N' line%s not in the gctrace format (first: line %zu), skipped\n",
			    name, bad, bad > 1 ? "s" : "", first_bad);
	if (t->unknown && warn) {
		cr_buf_addf(warn, "%s: gctrace: %zu gc line%s read without a part not understood (first: line %zu, '",
			    name, t->unknown, t->unknown > 1 ? "s" : "", t->unknown_line);
		cr_escape_text(warn, t->unknown_what, strlen(t->unknown_what), sizeof t->unknown_what);
		cr_buf_addf(warn, "'): a newer Go release's field?\n");
	}
	if (!t->n && !t->scav.scvg_lines && !t->scav.scav_lines)
		return cr_fail(e, CR_EMPTY, "%s: gctrace: no 'gc N @Ts P%%: ...' lines (run with GODEBUG=gctrace=1)", name);
	return CR_OK;
}

enum cr_err cr_gctrace_load(struct cr_gctrace *t, const char *path, struct cr_buf *warn,
			    struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_gctrace_parse(t, in.data, in.len, in.name, warn, e);
	cr_input_close(&in);
	return rc;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *v, size_t n, double p)
{
	size_t r = (size_t)ceil(p / 100.0 * (double)n);
	return v[r ? r - 1 : 0];
}

void cr_gctrace_stats(const struct cr_gctrace *t, struct cr_gcstats *s)
{
	memset(s, 0, sizeof *s);
	s->scav = t->scav;
	if (!t->n)
		return;
	const struct cr_gc *g = t->gcs;
	size_t n = t->n;
	s->count = n;
	s->span_s = g[n - 1].at_s - g[0].at_s;
	s->interval_ms = n > 1 ? s->span_s * 1000.0 / (double)(n - 1) : 0;
	s->goal_first_mb = g[0].goal_mb;
	s->goal_last_mb = g[n - 1].goal_mb;
	s->live_last_mb = g[n - 1].live_mb;
	s->cpu_pct_last = g[n - 1].cpu_pct;
	s->last_num = g[n - 1].num;
	s->scan_objs_last = s->scan_spans_last = -1;
	s->old = g[n - 1].old;
	double alloc = 0;
	double *p = cr_malloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		if (g[i].forced)
			s->forced++;
		if (g[i].leak_check)
			s->leak_checks++;
		if (g[i].scan_objs >= 0) {
			s->scan_objs_last = g[i].scan_objs;
			s->scan_spans_last = g[i].scan_spans;
		}
		if (g[i].goal_mb > s->goal_max_mb)
			s->goal_max_mb = g[i].goal_mb;
		if (i && g[i].heap_start_mb > g[i - 1].live_mb)
			alloc += g[i].heap_start_mb - g[i - 1].live_mb;
		if (p)
			p[i] = g[i].stw1_ms + g[i].stw2_ms;
	}
	if (s->goal_max_mb == 0 && s->goal_last_mb < 0)
		s->goal_max_mb = -1; /* Go <= 1.4 lines: no goal */
	s->alloc_mb_s = s->span_s > 0 ? alloc / s->span_s : 0;
	if (p) {
		qsort(p, n, sizeof *p, cmpd);
		s->pause_p50_ms = pct(p, n, 50);
		s->pause_p90_ms = pct(p, n, 90);
		s->pause_p99_ms = pct(p, n, 99);
		s->pause_max_ms = p[n - 1];
		cr_free(p);
	}
}
