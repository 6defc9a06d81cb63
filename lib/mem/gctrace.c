/* GODEBUG=gctrace=1 lines (runtime/mgc.go gcMarkTermination):
 *   gc 7 @0.227s 5%: 0.018+8.4+0.003 ms clock, 0.037+0/1.2/7.9+0.007 ms cpu,
 *   33->33->27 MB, 56 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
 * "stacks" and "globals" exist since Go 1.18; older lines end "goal, N P".
 * go1.26+ marks the goroutine leak profile's GC "5% (checking for goroutine
 * leaks): ..."; gctrace=2 adds "scan:" lines after each (go1.25+). The line
 * is the same with the Green Tea collector (go1.25 GOEXPERIMENT=greenteagc,
 * the default since go1.26): only its scan lines count spans. */
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/out.h"
#include "coroner/text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cr_gctrace_init(struct cr_gctrace *t) { memset(t, 0, sizeof *t); }

void cr_gctrace_release(struct cr_gctrace *t)
{
	cr_free(t->gcs);
	memset(t, 0, sizeof *t);
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
		 * interleaving): find "gc N @" anywhere */
		const char *g = NULL;
		for (size_t k = 0; k + 4 <= n; k++)
			if (s[k] == 'g' && s[k + 1] == 'c' && s[k + 2] == ' ' && s[k + 3] >= '0' && s[k + 3] <= '9' &&
			    (k == 0 || s[k - 1] == ' ' || s[k - 1] == '\t')) {
				g = s + k;
				break;
			}
		if (!g) {
			if (!scan_line(s, n, t->n ? &t->gcs[t->n - 1] : NULL))
				t->other_lines++;
			continue;
		}
		struct cr_gc gc;
		char what[sizeof t->unknown_what];
		if (!parse_line(g, n - (size_t)(g - s), &gc, what, sizeof what)) {
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
	if (!t->n)
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
