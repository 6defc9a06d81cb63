/* Helpers shared by the analyses of coroner report: which function a
 * sample is charged to (the innermost user frame), per-function sums over
 * one or two profiles, and the function tables of evidence. */
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
enum cr_err cr_fsums_profile(struct fsums *s, const struct cr_profile *p, int si, int slot)
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

int cr_fsum_by_delta(const void *a, const void *b)
{
	const struct fsum *x = a, *y = b;
	int64_t dx = cr_sat_sub(x->v[1], x->v[0]), dy = cr_sat_sub(y->v[1], y->v[0]);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

int cr_fsum_by_second(const void *a, const void *b)
{
	const struct fsum *x = a, *y = b;
	if (x->v[1] != y->v[1])
		return x->v[1] > y->v[1] ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

const struct cr_capture *cr_report_first_with(const struct cr_report *r, size_t off)
{
	for (size_t i = 0; i < r->in.ncaps; i++)
		if (*(struct cr_profile *const *)((const char *)&r->in.caps[i] + off))
			return &r->in.caps[i];
	return NULL;
}

const struct cr_capture *cr_report_last_with(const struct cr_report *r, size_t off)
{
	for (size_t i = r->in.ncaps; i-- > 0;)
		if (*(struct cr_profile *const *)((const char *)&r->in.caps[i] + off))
			return &r->in.caps[i];
	return NULL;
}

void cr_report_bytes_text(char *b, size_t n, int64_t v)
{
	cr_units_bytes(b, n, v);
}

void cr_report_signed_bytes(char *b, size_t n, int64_t v)
{
	char t[40];
	cr_units_bytes(t, sizeof t, v);
	snprintf(b, n, "%s%s", v > 0 ? "+" : "", t);
}

/* A function table: columns function, before, after, delta (two slots) or
 * function, bytes, share (one slot). */
enum cr_err cr_report_function_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
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
			cr_report_bytes_text(b, sizeof b, rows[i].v[0]);
			cr_table_int(t, rows[i].v[0], b);
			cr_report_bytes_text(b, sizeof b, rows[i].v[1]);
			cr_table_int(t, rows[i].v[1], b);
			cr_report_signed_bytes(b, sizeof b, cr_sat_sub(rows[i].v[1], rows[i].v[0]));
			cr_table_int(t, cr_sat_sub(rows[i].v[1], rows[i].v[0]), b);
		} else {
			cr_report_bytes_text(b, sizeof b, rows[i].v[1]);
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

/* ---- pieces of findings' text ---- */

/* A function name as a --focus pattern a shell and a regex both take
 * literally: metacharacters escaped ("main.(*cache).fill" ->
 * main\.\(\*cache\)\.fill), a quote (never in Go names) as '.'. */
const char *cr_report_focus_re(const char *name, char *buf, size_t n)
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

/* The profile with alloc_space of capture c: allocs, else heap. */
void cr_report_alloc_span(const struct cr_report *r, const struct cr_capture **first,
			  const struct cr_capture **last)
{
	*first = *last = NULL;
	for (size_t i = 0; i < r->in.ncaps; i++)
		if (r->in.caps[i].allocs || r->in.caps[i].heap) {
			if (!*first)
				*first = &r->in.caps[i];
			*last = &r->in.caps[i];
		}
}

const struct cr_profile *cr_report_alloc_profile(const struct cr_capture *c, const char **path)
{
	if (c->allocs) {
		*path = c->allocs_path;
		return c->allocs;
	}
	*path = c->heap_path;
	return c->heap;
}

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

