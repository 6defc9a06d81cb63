/* coroner report: captures, the finding model, ranking, and the analyses
 * that need only the profile model (heap_growth, alloc_hotspot, map_growth,
 * crash, inputs_mismatch). The goroutine and memory analyses live in
 * findings_leak.c and findings_mem.c. */
#include "coroner/findings.h"
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *cr_fsev_name(enum cr_fsev s)
{
	switch (s) {
	case CR_FSEV_HIGH: return "high";
	case CR_FSEV_MEDIUM: return "medium";
	default: return "low";
	}
}

void cr_report_init(struct cr_report *r)
{
	memset(r, 0, sizeof *r);
	cr_arena_init(&r->arena);
}

void cr_report_release(struct cr_report *r)
{
	for (size_t i = 0; i < r->ncaps; i++) {
		struct cr_capture *c = &r->caps[i];
		struct cr_profile *ps[3] = { c->heap, c->allocs, c->goroutine };
		for (int k = 0; k < 3; k++)
			if (ps[k]) {
				cr_profile_release(ps[k]);
				cr_free(ps[k]);
			}
		cr_free(c->files);
	}
	for (size_t i = 0; i < r->nfindings; i++) {
		struct cr_rfinding *f = &r->findings[i];
		for (size_t k = 0; k < f->ntables; k++)
			cr_table_release(&f->tables[k].t);
		cr_free(f->tables);
		cr_free(f->facts);
	}
	cr_free(r->caps);
	cr_free(r->findings);
	cr_buf_release(&r->warnings);
	cr_buf_release(&r->notes);
	cr_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

const char *cr_report_strdup(struct cr_report *r, const char *s)
{
	return cr_arena_strndup(&r->arena, s, strlen(s));
}

void cr_report_warn(struct cr_report *r, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	cr_buf_addf(&r->warnings, "%s\n", b);
}

void cr_report_note(struct cr_report *r, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	cr_buf_addf(&r->notes, "%s\n", b);
}

/* ---- findings ---- */

struct cr_rfinding *cr_report_finding(struct cr_report *r, const char *kind, const char *subject,
				      enum cr_fsev sev, double score)
{
	if (cr_grow(&r->findings, &r->cap_findings, r->nfindings + 1, sizeof *r->findings))
		return NULL;
	struct cr_rfinding *f = &r->findings[r->nfindings];
	memset(f, 0, sizeof *f);
	f->kind = cr_report_strdup(r, kind);
	f->subject = cr_report_strdup(r, subject ? subject : "");
	f->severity = sev;
	f->score = score;
	f->summary = f->next_step = "";
	if (!f->kind || !f->subject)
		return NULL;
	r->nfindings++;
	return f;
}

static enum cr_err vset(struct cr_report *r, const char **dst, const char *fmt, va_list ap)
{
	char b[2048];
	vsnprintf(b, sizeof b, fmt, ap);
	*dst = cr_report_strdup(r, b);
	return *dst ? CR_OK : CR_NOMEM;
}

enum cr_err cr_finding_summary(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum cr_err rc = vset(r, &f->summary, fmt, ap);
	va_end(ap);
	return rc;
}

enum cr_err cr_finding_next(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum cr_err rc = vset(r, &f->next_step, fmt, ap);
	va_end(ap);
	return rc;
}

enum cr_err cr_finding_fact(struct cr_report *r, struct cr_rfinding *f, const char *key,
			    const char *label, enum cr_fact_kind kind, int64_t i, double d,
			    const char *s)
{
	if (cr_grow(&f->facts, &f->cap_facts, f->nfacts + 1, sizeof *f->facts))
		return CR_NOMEM;
	struct cr_fact *x = &f->facts[f->nfacts];
	x->key = cr_report_strdup(r, key);
	x->label = cr_report_strdup(r, label);
	x->kind = kind;
	x->i = i;
	x->d = d;
	x->s = s ? cr_report_strdup(r, s) : NULL;
	if (!x->key || !x->label || (s && !x->s))
		return CR_NOMEM;
	f->nfacts++;
	return CR_OK;
}

struct cr_table *cr_finding_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
				  const char *title)
{
	if (cr_grow(&f->tables, &f->cap_tables, f->ntables + 1, sizeof *f->tables))
		return NULL;
	struct cr_evtable *t = &f->tables[f->ntables];
	t->key = cr_report_strdup(r, key);
	t->title = cr_report_strdup(r, title);
	if (!t->key || !t->title)
		return NULL;
	cr_table_init(&t->t);
	f->ntables++;
	return &t->t;
}

/* Kinds in the order a reader should see them within one severity: what
 * invalidates the rest first, then what kills the process. */
static int kind_rank(const char *k)
{
	static const char *const order[] = { "inputs_mismatch", "crash", "oom_kill", "goroutine_leak", "rss_gap",
					     "heap_growth", "map_growth", "alloc_hotspot", "gc_pressure" };
	for (int i = 0; i < (int)(sizeof order / sizeof *order); i++)
		if (!strcmp(k, order[i]))
			return i;
	return 100;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct cr_rfinding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	int kx = kind_rank(x->kind), ky = kind_rank(y->kind);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

void cr_report_rank(struct cr_report *r)
{
	if (r->nfindings > 1)
		qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
}

/* ---- function attribution ---- */

/* Is name in package runtime proper (runtime.x, not runtime/pprof.x), or
 * the panic pseudo-frames the runtime prints? */
bool cr_report_is_runtime(const char *name)
{
	return !strncmp(name, "runtime.", 8) || !strncmp(name, "internal/runtime/", 17) ||
	       !strcmp(name, "panic") || !strncmp(name, "panic(", 6) || !strcmp(name, "runtime");
}

/* User code: package main, or an import path whose first element has a dot
 * (github.com/..., golang.org/x/...): what the reader of a report owns. */
bool cr_report_is_user(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *pkgend = strchr(slash ? slash : name, '.');
	if (!pkgend)
		return false;
	size_t plen = (size_t)(pkgend - name);
	if (plen == 4 && !strncmp(name, "main", 4))
		return true;
	const char *first_end = memchr(name, '/', plen);
	if (!first_end)
		return false; /* a standard library package: "fmt", "encoding/json" */
	return memchr(name, '.', (size_t)(first_end - name)) != NULL;
}

/* Function names of sample i, leaf first, inlined frames expanded; at most
 * max; returns how many. */
size_t cr_report_sample_names(const struct cr_profile *p, size_t i, const char **out, size_t max)
{
	const struct cr_sample *s = &p->samples[i];
	size_t n = 0;
	for (uint32_t k = 0; k < s->nloc && n < max; k++) {
		uint32_t li = p->stack[s->loc_start + k];
		if (li >= p->nlocations)
			continue;
		const struct cr_location *loc = &p->locations[li];
		for (uint32_t l = 0; l < loc->nlines && n < max; l++) {
			const char *nm = cr_line_function_name(p, &p->lines[loc->line_start + l]);
			if (*nm)
				out[n++] = nm;
		}
	}
	return n;
}

const char *cr_sample_user_function(const struct cr_profile *p, size_t i)
{
	const char *names[512];
	size_t n = cr_report_sample_names(p, i, names, 512);
	if (n == 0)
		return "";
	for (size_t k = 0; k < n; k++)
		if (cr_report_is_user(names[k]))
			return names[k];
	for (size_t k = 0; k < n; k++)
		if (!cr_report_is_runtime(names[k]))
			return names[k];
	return names[0];
}

/* ---- per-function sums over one or two profiles ---- */

enum cr_err cr_fsums_add(struct fsums *s, const char *name, int slot, int64_t v)
{
	bool found;
	uint32_t *ix = cr_hmap_put(&s->idx, name, strlen(name), (uint32_t)s->n, &found);
	if (!ix)
		return CR_NOMEM;
	if (!found) {
		/* the map's NUL-terminated key copy outlives the profiles */
		const struct cr_hslot *hs =
			(const struct cr_hslot *)((const char *)ix - offsetof(struct cr_hslot, val));
		if (cr_grow(&s->rows, &s->cap, s->n + 1, sizeof *s->rows))
			return CR_NOMEM;
		s->rows[s->n++] = (struct fsum){ .name = hs->key };
	}
	struct fsum *row = &s->rows[*ix];
	int64_t t;
	row->v[slot] = __builtin_add_overflow(row->v[slot], v, &t) ? row->v[slot] : t;
	return CR_OK;
}

/* Sum value si of every sample of p into slot, by user function. */
static enum cr_err fsums_profile(struct fsums *s, const struct cr_profile *p, int si, int slot)
{
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = cr_sample_values(p, i)[si];
		if (v == 0)
			continue;
		enum cr_err rc = cr_fsums_add(s, cr_sample_user_function(p, i), slot, v);
		if (rc)
			return rc;
	}
	return CR_OK;
}

void cr_fsums_release(struct fsums *s)
{
	cr_hmap_release(&s->idx);
	cr_free(s->rows);
}

static int by_delta(const void *a, const void *b)
{
	const struct fsum *x = a, *y = b;
	int64_t dx = cr_sat_sub(x->v[1], x->v[0]), dy = cr_sat_sub(y->v[1], y->v[0]);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int by_second(const void *a, const void *b)
{
	const struct fsum *x = a, *y = b;
	if (x->v[1] != y->v[1])
		return x->v[1] > y->v[1] ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static const struct cr_capture *first_with(const struct cr_report *r, size_t off)
{
	for (size_t i = 0; i < r->ncaps; i++)
		if (*(struct cr_profile *const *)((const char *)&r->caps[i] + off))
			return &r->caps[i];
	return NULL;
}

static const struct cr_capture *last_with(const struct cr_report *r, size_t off)
{
	for (size_t i = r->ncaps; i-- > 0;)
		if (*(struct cr_profile *const *)((const char *)&r->caps[i] + off))
			return &r->caps[i];
	return NULL;
}

static void bytes_text(char *b, size_t n, int64_t v)
{
	cr_units_bytes(b, n, v);
}

static void signed_bytes(char *b, size_t n, int64_t v)
{
	char t[40];
	cr_units_bytes(t, sizeof t, v);
	snprintf(b, n, "%s%s", v > 0 ? "+" : "", t);
}

/* A function table: columns function, before, after, delta (two slots) or
 * function, bytes, share (one slot). */
static enum cr_err function_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
				  const char *title, struct fsum *rows, size_t n, size_t max,
				  bool two, int64_t total)
{
	struct cr_table *t = cr_finding_table(r, f, key, title);
	if (!t)
		return CR_NOMEM;
	char b[64];
	if (two) {
		cr_table_col(t, "before", "before", CR_RIGHT);
		cr_table_col(t, "after", "after", CR_RIGHT);
		cr_table_col(t, "delta", "delta", CR_RIGHT);
	} else {
		cr_table_col(t, "bytes", "bytes", CR_RIGHT);
		cr_table_col(t, "share_pct", "share", CR_RIGHT);
	}
	cr_table_col(t, "function", "function", CR_LEFT);
	for (size_t i = 0; i < n && i < max; i++) {
		if (cr_table_row(t))
			return CR_NOMEM;
		if (two) {
			bytes_text(b, sizeof b, rows[i].v[0]);
			cr_table_int(t, rows[i].v[0], b);
			bytes_text(b, sizeof b, rows[i].v[1]);
			cr_table_int(t, rows[i].v[1], b);
			signed_bytes(b, sizeof b, cr_sat_sub(rows[i].v[1], rows[i].v[0]));
			cr_table_int(t, cr_sat_sub(rows[i].v[1], rows[i].v[0]), b);
		} else {
			bytes_text(b, sizeof b, rows[i].v[1]);
			cr_table_int(t, rows[i].v[1], b);
			double pct = total ? 100.0 * (double)rows[i].v[1] / (double)total : 0;
			snprintf(b, sizeof b, "%.1f%%", pct);
			cr_table_double(t, pct, b);
		}
		if (cr_table_str(t, rows[i].name ? rows[i].name : ""))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* ---- heap_growth ---- */

/* A function name as a --focus pattern a shell and a regex both take
 * literally: metacharacters escaped ("main.(*cache).fill" ->
 * main\.\(\*cache\)\.fill), a quote (never in Go names) as '.'. */
static const char *focus_re(const char *name, char *buf, size_t n)
{
	size_t o = 0;
	for (const char *c = name; *c && o + 3 < n; c++) {
		if (strchr("\\.+*?()|[]{}^$", *c))
			buf[o++] = '\\';
		buf[o++] = *c == '\'' ? '.' : *c;
	}
	buf[o] = 0;
	return buf;
}

static enum cr_err analyse_heap_growth(struct cr_report *r)
{
	char fre[512];
	const struct cr_capture *a = first_with(r, offsetof(struct cr_capture, heap));
	const struct cr_capture *b = last_with(r, offsetof(struct cr_capture, heap));
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
	enum cr_err rc = fsums_profile(&s, pa, sa, 0);
	if (!rc)
		rc = fsums_profile(&s, pb, sb, 1);
	if (rc)
		goto out;
	qsort(s.rows, s.n, sizeof *s.rows, by_delta);
	if (d <= 0 || s.n == 0 || cr_sat_sub(s.rows[0].v[1], s.rows[0].v[0]) <= 0) {
		char t[48];
		signed_bytes(t, sizeof t, d);
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
	bytes_text(x, sizeof x, ta);
	bytes_text(y, sizeof y, tb);
	signed_bytes(z, sizeof z, td);
	double held = d > 0 ? 100.0 * (double)td / (double)d : 0;
	if (held >= 99.5)
		rc = cr_finding_summary(r, f, "in-use heap grew %s -> %s; all of the growth (%s) is held by %s", x, y,
					z, top->name);
	else
		rc = cr_finding_summary(r, f, "in-use heap grew %s -> %s; %.0f%% of the growth (%s) is held by %s",
					x, y, held, z, top->name);
	if (!rc)
		rc = cr_finding_next(r, f, "coroner top --diff-base=%s %s --focus='%s'  (who keeps it: what still references these objects?)",
				     a->heap_path, b->heap_path, focus_re(top->name, fre, sizeof fre));
	if (!rc)
		rc = cr_finding_fact(r, f, "inuse_before", "in-use heap before", CR_FACT_BYTES, ta, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "inuse_after", "in-use heap after", CR_FACT_BYTES, tb, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "growth", "growth", CR_FACT_BYTES, d, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "subject_growth", "growth held by the subject", CR_FACT_BYTES, td, 0, NULL);
	if (!rc)
		rc = function_table(r, f, "functions", "in-use bytes by function (innermost user frame)",
				    s.rows, s.n, 5, true, 0);
out:
	cr_fsums_release(&s);
	return rc;
}

/* ---- alloc_hotspot ---- */

/* The profile with alloc_space of capture c: allocs, else heap. */
static const struct cr_profile *alloc_profile(const struct cr_capture *c, const char **path)
{
	if (c->allocs) {
		*path = c->allocs_path;
		return c->allocs;
	}
	*path = c->heap_path;
	return c->heap;
}

static enum cr_err analyse_alloc_hotspot(struct cr_report *r)
{
	char fre[512];
	const struct cr_capture *a = NULL, *b = NULL;
	for (size_t i = 0; i < r->ncaps; i++)
		if (r->caps[i].allocs || r->caps[i].heap) {
			if (!a)
				a = &r->caps[i];
			b = &r->caps[i];
		}
	if (!b)
		return CR_OK;
	const char *pa_path = NULL, *pb_path = NULL;
	const struct cr_profile *pb = alloc_profile(b, &pb_path);
	const struct cr_profile *pa = a != b ? alloc_profile(a, &pa_path) : NULL;
	int sb = cr_profile_sample_index(pb, "alloc_space");
	int sa = pa ? cr_profile_sample_index(pa, "alloc_space") : -1;
	if (sb < 0)
		return CR_OK;
	struct fsums s = { 0 };
	cr_hmap_init(&s.idx);
	enum cr_err rc = fsums_profile(&s, pb, sb, 1);
	if (!rc && pa && sa >= 0)
		rc = fsums_profile(&s, pa, sa, 0);
	if (rc)
		goto out;
	/* over an interval: what was allocated between the captures */
	bool interval = pa && sa >= 0;
	int64_t total = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (interval)
			s.rows[i].v[1] = cr_sat_sub(s.rows[i].v[1], s.rows[i].v[0]);
		if (s.rows[i].v[1] > 0 && __builtin_add_overflow(total, s.rows[i].v[1], &total))
			total = INT64_MAX;
	}
	qsort(s.rows, s.n, sizeof *s.rows, by_second);
	if (s.n == 0 || total <= 0 || s.rows[0].v[1] <= 0) {
		cr_report_note(r, "alloc_hotspot: no allocations%s", interval ? " between the captures" : "");
		goto out;
	}
	const struct fsum *top = &s.rows[0];
	double share = 100.0 * (double)top->v[1] / (double)total;
	if (share < 20) {
		cr_report_note(r, "alloc_hotspot: no function allocates 20%% or more (top: %s, %.1f%%)",
			       top->name, share);
		goto out;
	}
	enum cr_fsev sev = share >= 50 ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
	struct cr_rfinding *f = cr_report_finding(r, "alloc_hotspot", top->name, sev, share);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	char x[48], y[48];
	bytes_text(x, sizeof x, top->v[1]);
	bytes_text(y, sizeof y, total);
	double secs = 0;
	if (interval && b->time_nanos > a->time_nanos && a->time_nanos > 0)
		secs = (double)(b->time_nanos - a->time_nanos) / 1e9;
	if (interval && secs > 0) {
		char rate[48];
		bytes_text(rate, sizeof rate, (int64_t)((double)total / secs));
		rc = cr_finding_summary(r, f, "%s allocated %.0f%% of the %s allocated between the captures (%s/s)",
					top->name, share, y, rate);
	} else {
		rc = cr_finding_summary(r, f, "%s allocated %.0f%% of all bytes allocated%s (%s of %s)", top->name,
					share, interval ? " between the captures" : " since the program started",
					x, y);
	}
	if (!rc)
		rc = cr_finding_next(r, f, "coroner top -i alloc_space --focus='%s' %s  (reuse buffers, preallocate, avoid conversions in the loop)",
				     focus_re(top->name, fre, sizeof fre), pb_path);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_bytes", "bytes allocated by the subject", CR_FACT_BYTES, top->v[1], 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_total", interval ? "bytes allocated between captures" : "bytes allocated",
				     CR_FACT_BYTES, total, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "share_pct", "share", CR_FACT_PCT, 0, share, NULL);
	if (!rc && secs > 0)
		rc = cr_finding_fact(r, f, "alloc_rate_bytes_per_s", "allocation rate (bytes/s)", CR_FACT_BYTES,
				     (int64_t)((double)total / secs), 0, NULL);
	if (!rc)
		rc = function_table(r, f, "functions", "allocated bytes by function (innermost user frame)",
				    s.rows, s.n, 5, false, total);
out:
	cr_fsums_release(&s);
	return rc;
}

/* ---- map_growth ---- */

/* The Go runtime's map code: the hashmap of Go <= 1.23 (runtime.*) and the
 * Swiss tables of Go >= 1.24 (internal/runtime/maps.*). */
bool cr_report_is_map_func(const char *n)
{
	return !strncmp(n, "runtime.mapassign", 17) || !strncmp(n, "runtime.makemap", 15) ||
	       !strcmp(n, "runtime.hashGrow") || !strcmp(n, "runtime.makeBucketArray") ||
	       !strcmp(n, "runtime.growWork") || !strncmp(n, "runtime.growWork_", 17) ||
	       !strncmp(n, "runtime.evacuate", 16) || !strcmp(n, "runtime.newoverflow") ||
	       !strncmp(n, "runtime.mapinitnoescape", 23) || !strncmp(n, "internal/runtime/maps.", 22);
}

/* The caller of the map code in sample i: the first frame outward from the
 * outermost map frame that is not runtime code; NULL if no map frame. */
static const char *map_caller(const struct cr_profile *p, size_t i)
{
	const char *names[512];
	size_t n = cr_report_sample_names(p, i, names, 512);
	long outer = -1;
	for (size_t k = 0; k < n; k++)
		if (cr_report_is_map_func(names[k]))
			outer = (long)k;
	if (outer < 0)
		return NULL;
	for (size_t k = (size_t)outer + 1; k < n; k++)
		if (!cr_report_is_runtime(names[k]))
			return names[k];
	return names[outer];
}

static enum cr_err map_sums(struct fsums *s, const struct cr_profile *p, int si, int slot, int64_t *sum)
{
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = cr_sample_values(p, i)[si];
		if (v == 0)
			continue;
		const char *c = map_caller(p, i);
		if (!c)
			continue;
		*sum = cr_sat_add(*sum, v);
		enum cr_err rc = cr_fsums_add(s, c, slot, v);
		if (rc)
			return rc;
	}
	return CR_OK;
}

static enum cr_err analyse_map_growth(struct cr_report *r)
{
	const struct cr_capture *b = NULL, *a = NULL;
	for (size_t i = 0; i < r->ncaps; i++)
		if (r->caps[i].allocs || r->caps[i].heap) {
			if (!a)
				a = &r->caps[i];
			b = &r->caps[i];
		}
	if (!b)
		return CR_OK;
	const char *path;
	const struct cr_profile *p = alloc_profile(b, &path);
	int si = cr_profile_sample_index(p, "alloc_space");
	if (si < 0)
		return CR_OK;
	struct fsums s = { 0 };
	cr_hmap_init(&s.idx);
	int64_t map_alloc = 0, map_in_a = 0, map_in_b = 0;
	int64_t total = cr_profile_total(p, si);
	enum cr_err rc = map_sums(&s, p, si, 1, &map_alloc);
	/* in-use growth through map code between the first and last heap */
	int64_t growth = 0;
	if (!rc && a != b && a->heap && b->heap) {
		struct fsums g = { 0 };
		cr_hmap_init(&g.idx);
		int ia = cr_profile_sample_index(a->heap, "inuse_space"), ib = cr_profile_sample_index(b->heap, "inuse_space");
		if (ia >= 0 && ib >= 0) {
			rc = map_sums(&g, a->heap, ia, 0, &map_in_a);
			if (!rc)
				rc = map_sums(&g, b->heap, ib, 1, &map_in_b);
			if (__builtin_sub_overflow(cr_profile_total(b->heap, ib), cr_profile_total(a->heap, ia), &growth))
				growth = 0;
		}
		cr_fsums_release(&g);
	}
	if (rc)
		goto out;
	double share = total > 0 ? 100.0 * (double)map_alloc / (double)total : 0;
	double gshare = growth > 0 ? 100.0 * ((double)map_in_b - (double)map_in_a) / (double)growth : 0;
	bool hidden = false;
	if (s.n == 0) {
		/* Go <= 1.23: the map frames are only on the '@' lines of debug=1 text */
		const char *bin_b = b->binary ? b->binary : r->binary;
		if (!b->heap_text || !bin_b) {
			cr_report_note(r, "map_growth: no runtime map frames in the allocation stacks "
					  "(Go <= 1.23 hides them; a debug=1 heap profile and the binary show them)");
			goto out;
		}
		struct cr_hidden_maps hb, ha;
		rc = cr_report_heaptext_maps(r, b->heap_text, bin_b, b->smaps, &s, 1, &hb);
		if (rc)
			goto out;
		total = hb.alloc_total;
		map_alloc = hb.map_alloc;
		growth = 0;
		map_in_a = map_in_b = 0;
		const char *bin_a = a->binary ? a->binary : r->binary;
		if (a != b && a->heap_text && bin_a) {
			rc = cr_report_heaptext_maps(r, a->heap_text, bin_a, a->smaps, NULL, 0, &ha);
			if (rc)
				goto out;
			if (__builtin_sub_overflow(hb.inuse_total, ha.inuse_total, &growth))
				growth = 0;
			map_in_a = ha.map_inuse;
			map_in_b = hb.map_inuse;
		}
		hidden = true;
		path = b->heap_text;
		if (s.n == 0) {
			cr_report_note(r, "map_growth: no runtime map frames in %s (symbolized with %s)", b->heap_text, bin_b);
			goto out;
		}
	}
	share = total > 0 ? 100.0 * (double)map_alloc / (double)total : 0;
	gshare = growth > 0 ? 100.0 * ((double)map_in_b - (double)map_in_a) / (double)growth : 0;
	if (share <= 15 && gshare <= 15) {
		cr_report_note(r, "map_growth: map code holds %.1f%% of alloc_space (threshold 15%%)", share);
		goto out;
	}
	qsort(s.rows, s.n, sizeof *s.rows, by_second);
	const struct fsum *top = &s.rows[0];
	enum cr_fsev sev = (share >= 40 || gshare >= 40) ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
	if (gshare >= 50 && (double)map_in_b - (double)map_in_a >= (double)(64 << 20))
		sev = CR_FSEV_HIGH;
	struct cr_rfinding *f = cr_report_finding(r, "map_growth", top->name, sev, share > gshare ? share : gshare);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	char x[48];
	bytes_text(x, sizeof x, map_alloc);
	if (gshare > 15)
		rc = cr_finding_summary(r, f, "map assignments in %s: %.0f%% of the in-use growth, %.0f%% of alloc_space (%s)",
					top->name, gshare, share, x);
	else
		rc = cr_finding_summary(r, f, "map assignments in %s allocate %.0f%% of alloc_space (%s in map buckets and growth)",
					top->name, share, x);
	if (!rc)
		rc = cr_finding_next(r, f, "check that entries of the map written by %s are ever deleted; bound it (LRU, TTL) or give make() its final size",
				     top->name);
	if (!rc)
		rc = cr_finding_fact(r, f, "map_alloc_bytes", "bytes allocated by map code", CR_FACT_BYTES, map_alloc, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_share_pct", "share of alloc_space", CR_FACT_PCT, 0, share, NULL);
	if (!rc && growth > 0)
		rc = cr_finding_fact(r, f, "growth_share_pct", "share of the in-use growth", CR_FACT_PCT, 0, gshare, NULL);
	if (!rc && hidden)
		rc = cr_finding_fact(r, f, "frames_from", "map frames found in", CR_FACT_STR, 0, 0, path);
	if (!rc)
		rc = function_table(r, f, "callers", "map allocations by calling function", s.rows, s.n, 5, false, total);
out:
	cr_fsums_release(&s);
	return rc;
}

/* ---- crash ---- */

static enum cr_err analyse_crash(struct cr_report *r)
{
	for (size_t ci = r->ncaps; ci-- > 0;) {
		const struct cr_capture *c = &r->caps[ci];
		const struct cr_profile *p = c->goroutine;
		if (!p || p->source != CR_SRC_TRACEBACK || p->ncomments == 0 || p->nsamples == 0)
			continue;
		const char *msg = NULL;
		for (size_t k = 0; k < p->ncomments; k++) {
			const char *cm = cr_profile_str(p, p->comments[k]);
			if (!strncmp(cm, "panic:", 6) || !strncmp(cm, "fatal error:", 12) ||
			    !strncmp(cm, "unexpected signal", 17) || !strncmp(cm, "SIG", 3) ||
			    !strncmp(cm, "fatal:", 6)) {
				msg = cm;
				break;
			}
		}
		if (!msg)
			continue;
		/* the goroutine printed first is the one that panicked or faulted */
		const char *names[512];
		size_t n = cr_report_sample_names(p, 0, names, 512);
		const char *subject = n ? names[0] : "";
		for (size_t k = 0; k < n; k++)
			if (!cr_report_is_runtime(names[k])) {
				subject = names[k];
				break;
			}
		/* a core of the same crash said it already, with more */
		for (size_t k = 0; k < r->nfindings; k++)
			if (!strcmp(r->findings[k].kind, "crash") && !strcmp(r->findings[k].subject, subject))
				return CR_OK;
		struct cr_rfinding *f = cr_report_finding(r, "crash", subject, CR_FSEV_HIGH, 0);
		if (!f)
			return CR_NOMEM;
		enum cr_err rc = cr_finding_summary(r, f, "%s in %s", msg, subject);
		if (!rc)
			rc = cr_finding_next(r, f, "open the first user frame of the stack below; the message says what was nil or out of range");
		if (!rc)
			rc = cr_finding_fact(r, f, "message", "message", CR_FACT_STR, 0, 0, msg);
		for (size_t k = 0; !rc && k < p->ncomments; k++) {
			const char *cm = cr_profile_str(p, p->comments[k]);
			if (cm != msg && *cm) {
				rc = cr_finding_fact(r, f, "detail", "detail", CR_FACT_STR, 0, 0, cm);
				break;
			}
		}
		if (!rc)
			rc = cr_finding_fact(r, f, "file", "file", CR_FACT_STR, 0, 0, c->goroutine_path);
		if (rc)
			return rc;
		struct cr_table *t = cr_finding_table(r, f, "stack", "stack of the crashing goroutine");
		if (!t)
			return CR_NOMEM;
		cr_table_col(t, "function", "function", CR_LEFT);
		cr_table_col(t, "file", "file:line", CR_LEFT);
		const struct cr_sample *s = &p->samples[0];
		for (uint32_t k = 0; k < s->nloc; k++) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			for (uint32_t l = 0; l < loc->nlines; l++) {
				const struct cr_line *ln = &p->lines[loc->line_start + l];
				char fl[1024];
				snprintf(fl, sizeof fl, "%s:%" PRId64, cr_line_file_name(p, ln), ln->line);
				if (cr_table_row(t) || cr_table_str(t, cr_line_function_name(p, ln)) ||
				    cr_table_str(t, fl))
					return CR_NOMEM;
			}
		}
		return CR_OK; /* the latest crash only */
	}
	return CR_OK;
}

/* ---- inputs_mismatch ---- */

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

static enum cr_err analyse_mismatch(struct cr_report *r)
{
	char sum[1024], la[512], lb[512];
	enum cr_err rc = CR_OK;
	/* pids and process names across captures */
	const struct cr_capture *pc = NULL;
	for (size_t i = 0; i < r->ncaps && !rc; i++) {
		const struct cr_capture *c = &r->caps[i];
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
	for (size_t i = 0; i < r->ncaps && !rc; i++) {
		const struct cr_capture *c = &r->caps[i];
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
	for (size_t i = 0; i < r->ncaps && !rc; i++) {
		const struct cr_capture *c = &r->caps[i];
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
	for (size_t i = 1; i < r->ncaps && !rc; i++) {
		const struct cr_capture *x = &r->caps[i - 1], *y = &r->caps[i];
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

/* ---- captures ---- */

static const char *profile_role(const struct cr_profile *p)
{
	if (p->source == CR_SRC_GOROUTINE_TEXT || p->source == CR_SRC_TRACEBACK || p->source == CR_SRC_CORE)
		return "goroutine";
	if (p->source == CR_SRC_HEAP_TEXT)
		return "heap";
	bool inuse = false, alloc = false;
	for (size_t i = 0; i < p->ntypes; i++) {
		const char *t = cr_profile_str(p, p->types[i].type);
		if (!strcmp(t, "inuse_space"))
			inuse = true;
		else if (!strcmp(t, "alloc_space"))
			alloc = true;
		else if (!strcmp(t, "goroutine"))
			return "goroutine";
		else if (!strcmp(t, "cpu"))
			return "cpu";
	}
	if (inuse && alloc)
		return !strcmp(cr_profile_str(p, p->default_type), "alloc_space") ? "allocs" : "heap";
	if (alloc)
		return "allocs";
	return "profile";
}

/* Read Pid and Name from a /proc/PID/status file. */
static void read_status(struct cr_capture *c, struct cr_report *r, const unsigned char *d, size_t n)
{
	struct cr_lines it;
	const char *s;
	size_t len;
	cr_lines_init(&it, d, n);
	while (cr_lines_next(&it, &s, &len, 4096, NULL)) {
		if (cr_starts(s, len, "Pid:")) {
			size_t i = cr_skip_ws(s, len, 4);
			int64_t v;
			if (cr_parse_i64(s, len, &i, &v))
				c->pid = v;
		} else if (cr_starts(s, len, "Name:")) {
			size_t i = cr_skip_ws(s, len, 5);
			c->process = cr_arena_strndup(&r->arena, s + i, len - i);
		}
	}
}

/* Does this profile beat the one already chosen for its role? Protobuf
 * over text for heaps (inlined frames); for goroutines a traceback (states,
 * wait times, creators) over the rest. */
static bool better(const struct cr_profile *cand, const struct cr_profile *cur, const char *role)
{
	if (!cur)
		return true;
	if (!strcmp(role, "goroutine"))
		return cand->source == CR_SRC_TRACEBACK && cur->source != CR_SRC_TRACEBACK;
	return cand->source == CR_SRC_PPROF && cur->source != CR_SRC_PPROF;
}

static enum cr_err add_file(struct cr_report *r, struct cr_capture *c, const char *path,
			    struct cr_error *e)
{
	if (cr_grow(&c->files, &c->cap_files, c->nfiles + 1, sizeof *c->files))
		return cr_fail(e, CR_NOMEM, "out of memory");
	struct cr_capture_file *cf = &c->files[c->nfiles];
	memset(cf, 0, sizeof *cf);
	cf->path = cr_report_strdup(r, path);
	if (!cf->path)
		return cr_fail(e, CR_NOMEM, "out of memory");
	c->nfiles++;
	if (r->progress)
		r->progress(r->progress_ctx, path);

	struct cr_input in;
	struct cr_error fe = { 0 };
	enum cr_err rc = cr_input_open(&in, path, 0, &fe);
	if (rc == CR_LIMIT) {
		/* a compressed core may inflate past the profile cap: cores have their own */
		cr_error_clear(&fe);
		rc = cr_input_open(&in, path, cr_limits.max_core_inflate, &fe);
	}
	if (rc) {
		if (rc == CR_NOMEM)
			return cr_fail(e, rc, "%s", fe.msg);
		cf->problem = cr_report_strdup(r, fe.msg);
		cr_report_warn(r, "%s", fe.msg);
		return CR_OK;
	}
	if (cr_cgroup_file_version(path)) {
		/* most hold one number: known by name, read by the memory analyses */
		cf->kind = CR_KIND_CGROUP_FILE;
		cf->role = "cgroup";
		if (c->ncgroup_files < sizeof c->cgroup_files / sizeof c->cgroup_files[0])
			c->cgroup_files[c->ncgroup_files++] = cf->path;
		cr_input_close(&in);
		return CR_OK;
	}
	cf->kind = cr_detect_kind(in.data, in.len);
	switch (cf->kind) {
	case CR_KIND_PPROF:
	case CR_KIND_HEAP_TEXT:
	case CR_KIND_GOROUTINE_TEXT:
	case CR_KIND_TRACEBACK:
	case CR_KIND_OTHER_TEXT_PROFILE: {
		struct cr_profile *p = cr_malloc(sizeof *p);
		struct cr_buf warn = { 0 };
		if (!p || cr_profile_init(p)) {
			cr_free(p);
			rc = cr_fail(e, CR_NOMEM, "out of memory");
			break;
		}
		p->name = cf->path;
		rc = cr_profile_parse(p, in.data, in.len, cf->path, &warn, &fe);
		if (warn.len) {
			size_t nl = 0;
			for (size_t k = 0; k < warn.len; k++)
				nl += warn.data[k] == '\n';
			cr_report_warn(r, "%s: %zu warning%s (first: %.*s)", cf->path, nl ? nl : 1,
				       nl > 1 ? "s" : "", (int)strcspn(cr_buf_str(&warn), "\n"),
				       cr_buf_str(&warn));
		}
		cr_buf_release(&warn);
		if (rc) {
			cr_profile_release(p);
			cr_free(p);
			if (rc == CR_NOMEM || rc == CR_LIMIT) {
				cr_fail(e, rc, "%s", fe.msg);
				break;
			}
			cf->problem = cr_report_strdup(r, fe.msg);
			cr_report_warn(r, "%s", fe.msg);
			rc = CR_OK;
			break;
		}
		const char *role = profile_role(p);
		cf->role = role;
		if (cf->kind == CR_KIND_HEAP_TEXT && !c->heap_text)
			c->heap_text = cf->path;
		if (p->time_nanos > c->time_nanos)
			c->time_nanos = p->time_nanos;
		struct cr_profile **slot = !strcmp(role, "heap") ? &c->heap
					   : !strcmp(role, "allocs") ? &c->allocs
					   : !strcmp(role, "goroutine") ? &c->goroutine : NULL;
		const char **pslot = !strcmp(role, "heap") ? &c->heap_path
				     : !strcmp(role, "allocs") ? &c->allocs_path
				     : !strcmp(role, "goroutine") ? &c->goroutine_path : NULL;
		if (slot && better(p, *slot, role)) {
			if (*slot) {
				cr_profile_release(*slot);
				cr_free(*slot);
			}
			*slot = p;
			*pslot = cf->path;
		} else {
			cr_profile_release(p);
			cr_free(p);
		}
		break;
	}
	case CR_KIND_SMAPS_ROLLUP: c->smaps_rollup = cf->path; break;
	case CR_KIND_SMAPS: c->smaps = cf->path; break;
	case CR_KIND_STATUS:
		c->status = cf->path;
		read_status(c, r, in.data, in.len);
		break;
	case CR_KIND_MEMORY_STAT: c->memory_stat = cf->path; break;
	case CR_KIND_KERNEL_LOG: c->kernel_log = cf->path; break;
	case CR_KIND_GCTRACE: c->gctrace = cf->path; break;
	case CR_KIND_NET: cf->role = "net"; break; /* read by cr_report_analyse_net */
	case CR_KIND_ELF_CORE: c->core = cf->path; break;
	case CR_KIND_ELF_EXEC: c->binary = cf->path; break;
	default: {
		/* runtime.MemStats as JSON (expvar's /debug/vars, json.Marshal) */
		size_t k = 0;
		while (k < in.len && k < 64 && (in.data[k] == ' ' || in.data[k] == '\n' || in.data[k] == '\t' ||
						 in.data[k] == '\r'))
			k++;
		if (k < in.len && in.data[k] == '{') {
			struct cr_memsnap ms;
			cr_memsnap_init(&ms);
			enum cr_err mr = cr_memsnap_parse(&ms, in.data, in.len, cf->path, NULL, NULL);
			bool ok = mr == CR_OK && ms.src == CR_MS_MEMSTATS;
			cr_memsnap_release(&ms);
			if (mr == CR_NOMEM) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			if (ok) {
				c->memstats = cf->path;
				cf->role = "memstats";
				break;
			}
		}
		cf->problem = "not recognised";
		break;
	}
	}
	cr_input_close(&in);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_cap_time(const void *a, const void *b)
{
	const struct cr_capture *x = a, *y = b;
	return x->time_nanos < y->time_nanos ? -1 : x->time_nanos > y->time_nanos;
}

static enum cr_err add_capture(struct cr_report *r, const char *const *paths, size_t n, int depth,
			       struct cr_error *e)
{
	if (n == 0)
		return cr_fail(e, CR_USAGE, "empty capture");
	if (cr_grow(&r->caps, &r->cap_caps, r->ncaps + 1, sizeof *r->caps))
		return cr_fail(e, CR_NOMEM, "out of memory");
	size_t ci = r->ncaps++;
	struct cr_capture *c = &r->caps[ci];
	memset(c, 0, sizeof *c);
	c->pid = -1;
	c->path = cr_report_strdup(r, paths[0]);
	enum cr_err rc = CR_OK;
	struct stat st;
	const char **subdirs = NULL;
	size_t nsub = 0, capsub = 0;
	if (n == 1 && strcmp(paths[0], "-") && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(paths[0]);
		if (!d) {
			r->ncaps--;
			return cr_fail(e, CR_IO, "%s: cannot read directory: %s", paths[0], strerror(errno));
		}
		const char **names = NULL;
		size_t nn = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d)) && !rc) {
			if (de->d_name[0] == '.')
				continue;
			char full[4096];
			snprintf(full, sizeof full, "%s/%s", paths[0], de->d_name);
			if (stat(full, &st) != 0)
				continue;
			if (S_ISDIR(st.st_mode) && depth == 0) {
				if (cr_grow(&subdirs, &capsub, nsub + 1, sizeof *subdirs) ||
				    !(subdirs[nsub++] = cr_report_strdup(r, full)))
					rc = cr_fail(e, CR_NOMEM, "out of memory");
				continue;
			}
			if (!S_ISREG(st.st_mode))
				continue;
			if (cr_grow(&names, &cap, nn + 1, sizeof *names) ||
			    !(names[nn++] = cr_report_strdup(r, full)))
				rc = cr_fail(e, CR_NOMEM, "out of memory");
			if (nn > 10000 || nsub > 1000)
				rc = cr_fail(e, CR_LIMIT, "%s: more than 10000 files", paths[0]);
		}
		closedir(d);
		if (!rc && nn > 1)
			qsort(names, nn, sizeof *names, cmp_str);
		for (size_t i = 0; i < nn && !rc; i++)
			rc = add_file(r, &r->caps[ci], names[i], e);
		cr_free(names);
	} else {
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_file(r, c, paths[i], e);
	}
	c = &r->caps[ci];
	if (rc) {
		cr_free(subdirs);
		return rc;
	}
	bool any = false;
	size_t nbin = 0, ndata = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cr_capture_file *f = &c->files[i];
		if (f->problem)
			continue;
		/* under a capture root, a directory of MemStats JSON alone (say,
		 * reference outputs) is no capture */
		if (depth > 0 && f->role && !strcmp(f->role, "memstats"))
			continue;
		any = true;
		nbin += f->kind == CR_KIND_ELF_EXEC;
		ndata += f->kind != CR_KIND_ELF_EXEC;
	}
	/* only binaries (given alone), or a directory of capture directories
	 * (its binaries serve them all): not a capture itself */
	if (!any || (nbin && !ndata && (n == c->nfiles || nsub)) || (!ndata && nsub)) {
		const char *bin = nbin ? c->binary : NULL;
		cr_free(c->files);
		r->ncaps--;
		if (bin)
			r->binary = bin; /* in the report's arena */
		if (nsub) {
			qsort(subdirs, nsub, sizeof *subdirs, cmp_str);
			size_t first = r->ncaps;
			for (size_t i = 0; i < nsub && !rc; i++) {
				rc = add_capture(r, &subdirs[i], 1, depth + 1, e);
				if (rc == CR_EMPTY) {
					cr_report_note(r, "%s", e->msg);
					cr_error_clear(e);
					rc = CR_OK;
				}
			}
			/* oldest first, when every one of them says when it was taken */
			bool timed = r->ncaps - first > 1;
			for (size_t i = first; i < r->ncaps; i++)
				timed = timed && r->caps[i].time_nanos > 0;
			if (!rc && timed)
				qsort(&r->caps[first], r->ncaps - first, sizeof *r->caps, cmp_cap_time);
			cr_free(subdirs);
			if (rc)
				return rc;
			if (r->ncaps > first)
				return CR_OK;
			return cr_fail(e, CR_EMPTY, "%s: no file coroner can read in this capture", paths[0]);
		}
		if (bin)
			return CR_OK;
		return cr_fail(e, CR_EMPTY, "%s: no file coroner can read in this capture", paths[0]);
	}
	cr_free(subdirs);
	return CR_OK;
}

enum cr_err cr_report_add_capture(struct cr_report *r, const char *const *paths, size_t n,
				  struct cr_error *e)
{
	return add_capture(r, paths, n, 0, e);
}

/* The role a file would take, from its first bytes (for grouping args). */
/* The slot a file would take in a capture, from its content (for grouping
 * args): role and format, so heap.pb.gz and heap.txt of one moment, or a
 * goroutine profile and a debug=2 dump, share a capture. NULL for files
 * that take no slot (unrecognised ones). */
static const char *arg_role(const char *path)
{
	struct cr_input in;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (cr_cgroup_file_version(path))
		return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (cr_input_open(&in, path, 0, NULL))
		return NULL;
	enum cr_kind k = cr_detect_kind(in.data, in.len);
	const char *role = k == CR_KIND_UNKNOWN ? NULL : cr_kind_name(k);
	if (k == CR_KIND_PPROF) {
		struct cr_profile p;
		role = "profile/pprof";
		if (cr_profile_init(&p) == CR_OK && cr_profile_parse(&p, in.data, in.len, path, NULL, NULL) == CR_OK) {
			const char *pr = profile_role(&p);
			role = !strcmp(pr, "heap") ? "heap/pprof" : !strcmp(pr, "allocs") ? "allocs/pprof"
			       : !strcmp(pr, "goroutine") ? "goroutine/pprof" : !strcmp(pr, "cpu") ? "cpu/pprof"
			       : "profile/pprof";
		}
		cr_profile_release(&p);
	}
	cr_input_close(&in);
	return role;
}

size_t cr_report_group_args(const char *const *args, size_t n, size_t *starts, size_t *counts)
{
	size_t ng = 0;
	const char *roles[64];
	size_t nroles = 0;
	bool open = false;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		bool dir = strcmp(args[i], "-") && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode);
		if (dir) {
			starts[ng] = i;
			counts[ng++] = 1;
			open = false;
			continue;
		}
		const char *role = arg_role(args[i]);
		if (role && !strcmp(role, cr_kind_name(CR_KIND_ELF_EXEC))) {
			starts[ng] = i;
			counts[ng++] = 1;
			open = false;
			continue;
		}
		bool repeat = false;
		for (size_t k = 0; role && k < nroles; k++)
			if (!strcmp(roles[k], role))
				repeat = true;
		if (!open || repeat) {
			starts[ng] = i;
			counts[ng++] = 0;
			open = true;
			nroles = 0;
		}
		counts[ng - 1]++;
		if (role && nroles < 64)
			roles[nroles++] = role;
	}
	return ng;
}

enum cr_err cr_report_run(struct cr_report *r, struct cr_error *e)
{
	enum cr_err rc = CR_OK;
	enum cr_err (*const steps[])(struct cr_report *) = {
		analyse_mismatch, cr_report_analyse_cores, analyse_crash, cr_report_analyse_leaks,
		cr_report_analyse_oom, cr_report_analyse_mem,
		analyse_heap_growth, analyse_map_growth, analyse_alloc_hotspot, cr_report_analyse_gc,
		cr_report_analyse_net,
	};
	for (size_t i = 0; i < sizeof steps / sizeof *steps && !rc; i++)
		rc = steps[i](r);
	if (rc)
		return cr_fail(e, rc, "report: %s", cr_strerror(rc));
	cr_report_rank(r);
	return CR_OK;
}
