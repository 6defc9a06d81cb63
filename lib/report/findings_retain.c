/* retained_by: who keeps the memory, from the Go heap of a core (lib/heap,
 * what `coroner heap` prints). The last Go core of the captures is read
 * once, when the cores are read (cr_report_core_heap); its summary answers
 * three questions:
 *   - retained_by: the roots that retain the most of the reachable heap;
 *   - goroutine_leak: how much the leaked goroutines' stacks retain (the
 *     finding's goroutines, by id in the core's capture, joined with the
 *     heap's stack roots of the same ids);
 *   - heap_growth: "who keeps it": the roots retaining the most in the core.
 *     A core cannot tie an allocation site to the objects it made (heap
 *     profiles have no object identities, the heap has no allocation
 *     stacks), so the answer is the largest retainers, worded as such. */
#include "coroner/heap.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RHEAP_ROOTS 10

static int cmp_goid(const void *a, const void *b)
{
	int64_t x = ((const struct cr_rheap_g *)a)->goid, y = ((const struct cr_rheap_g *)b)->goid;
	return (x > y) - (x < y);
}

/* Copy what the analyses need out of h (the heap is released after). */
static enum cr_err keep_summary(struct cr_report *r, const struct cr_heap *h, size_t cap_index,
				const char *core_path, const char *bin_path)
{
	struct cr_rheap *s = cr_arena_alloc(&r->arena, sizeof *s);
	if (!s)
		return CR_NOMEM;
	memset(s, 0, sizeof *s);
	s->cap_index = cap_index;
	s->core = cr_report_strdup(r, core_path);
	s->binary = cr_report_strdup(r, bin_path);
	s->go_version = cr_report_strdup(r, h->go_version ? h->go_version : "");
	if (!s->core || !s->binary || !s->go_version)
		return CR_NOMEM;
	s->reachable_bytes = h->reachable_bytes;
	s->reachable_objects = h->reachable_objects;
	s->unreachable_bytes = h->unreachable_bytes;
	s->have_heap_alloc = h->have_heap_alloc;
	s->heap_alloc = h->heap_alloc;
	s->partial = h->partial;
	if (h->ntypes && !(s->top_type = cr_report_strdup(r, h->types[0].type)))
		return CR_NOMEM;
	size_t nstack = 0;
	for (size_t i = 0; i < h->nroots; i++)
		if (h->roots[i].kind == CR_ROOT_STACK && h->roots[i].retained_bytes)
			nstack++;
	s->roots = cr_arena_alloc(&r->arena, RHEAP_ROOTS * sizeof *s->roots);
	s->gs = cr_arena_alloc(&r->arena, (nstack + 1) * sizeof *s->gs);
	if (!s->roots || !s->gs)
		return CR_NOMEM;
	/* h->roots: largest first */
	for (size_t i = 0; i < h->nroots; i++) {
		const struct cr_heap_root *hr = &h->roots[i];
		if (!hr->retained_bytes)
			continue;
		s->nretaining++;
		if (hr->kind == CR_ROOT_STACK)
			s->gs[s->ngs++] = (struct cr_rheap_g){ hr->goroutine, hr->retained_bytes, hr->retained_objects };
		if (s->nroots >= RHEAP_ROOTS)
			continue;
		struct cr_rheap_root *o = &s->roots[s->nroots++];
		memset(o, 0, sizeof *o);
		o->kind = cr_heap_root_kind_name(hr->kind);
		o->name = cr_report_strdup(r, hr->name ? hr->name : "");
		o->function = cr_report_strdup(r, hr->function ? hr->function : "");
		o->path = cr_report_strdup(r, hr->path ? hr->path : "");
		if (!o->name || !o->function || !o->path)
			return CR_NOMEM;
		o->goroutine = hr->goroutine;
		o->bytes = hr->retained_bytes;
		o->objects = hr->retained_objects;
		o->conservative = hr->conservative;
	}
	/* a goroutine's frames are roots of their own: one sum per goroutine */
	qsort(s->gs, s->ngs, sizeof *s->gs, cmp_goid);
	size_t o = 0;
	for (size_t i = 0; i < s->ngs; i++) {
		if (o && s->gs[o - 1].goid == s->gs[i].goid) {
			s->gs[o - 1].bytes += s->gs[i].bytes;
			s->gs[o - 1].objects += s->gs[i].objects;
		} else
			s->gs[o++] = s->gs[i];
	}
	s->ngs = o;
	r->heap = s;
	return CR_OK;
}

enum cr_err cr_report_core_heap(struct cr_report *r, size_t cap_index, const char *core_path,
				const char *bin_path, struct cr_gocore *gc)
{
	struct cr_heap h;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_heap_open(&h, &gc->g, &gc->core, gc->bin, NULL, &e);
	if (rc) {
		/* a heap that cannot be read (or does not fit --max-memory: all
		 * of it is given back here) does not stop the report */
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			cr_report_warn(r, "retained_by: %s: %s", core_path, e.msg);
		else
			cr_report_note(r, "retained_by: %s: %s", core_path, e.msg);
		cr_heap_release(&h);
		return CR_OK;
	}
	const char *w = cr_buf_str(&h.warn);
	if (h.partial && *w)
		cr_report_warn(r, "retained_by: %s: partial heap: %.*s", core_path, (int)strcspn(w, "\n"), w);
	rc = keep_summary(r, &h, cap_index, core_path, bin_path);
	cr_heap_release(&h);
	return rc;
}

/* A type for --paths: the first named type down the root's path
 * ("main.entry" of "(48 B) -> []map.bucket[string]*main.entry -> main.entry"),
 * else the heap's largest type; in buf. */
static const char *paths_type(const struct cr_rheap *s, const struct cr_rheap_root *o, char *buf, size_t n)
{
	for (const char *p = o->path; p && *p;) {
		size_t len = strcspn(p, " ");
		if (len && *p != '(' && *p != '[' && *p != '*' && memchr(p, '.', len) && len < n) {
			memcpy(buf, p, len);
			buf[len] = 0;
			return buf;
		}
		p = strstr(p, " -> ");
		p = p ? p + 4 : NULL;
	}
	return s->top_type ? s->top_type : o->name;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* One root as "main.registry (3.2 MiB, 45%)"; stack roots name their
 * goroutine's function. */
static void root_text(const struct cr_rheap *s, const struct cr_rheap_root *o, char *buf, size_t n)
{
	char b[48];
	cr_report_bytes_text(b, sizeof b, (int64_t)o->bytes);
	if (*o->function)
		snprintf(buf, n, "%s in %s (%s, %.0f%%)", o->name, o->function, b, share(o->bytes, s->reachable_bytes));
	else
		snprintf(buf, n, "%s (%s, %.0f%%)", o->name, b, share(o->bytes, s->reachable_bytes));
}

/* The roots table: the largest retainers, at most max. */
static enum cr_err roots_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_rheap *s,
			       const char *key, const char *title, size_t max)
{
	struct cr_table *t = cr_finding_table(r, f, key, title);
	if (!t)
		return CR_NOMEM;
	cr_table_col(t, "kind", "kind", CR_LEFT);
	cr_table_col(t, "root", "root", CR_LEFT);
	cr_table_col(t, "goroutine", NULL, CR_RIGHT);
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "retained_bytes", "retained", CR_RIGHT);
	cr_table_col(t, "retained_objects", "objects", CR_RIGHT);
	cr_table_col(t, "share", "share", CR_RIGHT);
	cr_table_col(t, "type", "types down its largest branch", CR_LEFT);
	for (size_t i = 0; i < s->nroots && i < max; i++) {
		const struct cr_rheap_root *o = &s->roots[i];
		char b[48], p[32];
		cr_report_bytes_text(b, sizeof b, (int64_t)o->bytes);
		double sh = share(o->bytes, s->reachable_bytes);
		snprintf(p, sizeof p, "%.1f%%", sh);
		if (cr_table_row(t) || cr_table_str(t, o->kind) || cr_table_str(t, o->name) ||
		    (o->goroutine ? cr_table_int(t, o->goroutine, NULL) : cr_table_none(t)) ||
		    cr_table_str(t, o->function) || cr_table_int(t, (int64_t)o->bytes, b) ||
		    cr_table_int(t, (int64_t)o->objects, NULL) || cr_table_double(t, sh, p) ||
		    cr_table_str(t, o->path))
			return CR_NOMEM;
	}
	return CR_OK;
}

static enum cr_err retained_by(struct cr_report *r, const struct cr_rheap *s)
{
	if (!s->nroots) {
		cr_report_note(r, "retained_by: %s: no root retains any heap", s->core);
		return CR_OK;
	}
	const struct cr_rheap_root *top = &s->roots[0];
	const uint64_t MiB = 1 << 20;
	double sh = share(top->bytes, s->reachable_bytes);
	enum cr_fsev sev = CR_FSEV_LOW;
	if (top->bytes >= 256 * MiB && sh >= 50)
		sev = CR_FSEV_HIGH;
	else if (top->bytes >= 64 * MiB && sh >= 25)
		sev = CR_FSEV_MEDIUM;
	struct cr_rfinding *f = cr_report_finding(r, "retained_by", top->name, sev, (double)top->bytes);
	if (!f)
		return CR_NOMEM;
	char a[48], b[48], t1[512], t2[640] = "";
	cr_report_bytes_text(a, sizeof a, (int64_t)top->bytes);
	cr_report_bytes_text(b, sizeof b, (int64_t)s->reachable_bytes);
	uint64_t sum = 0;
	size_t k = s->nroots < 3 ? s->nroots : 3;
	for (size_t i = 0; i < k; i++)
		sum += s->roots[i].bytes;
	if (s->nroots > 1) {
		root_text(s, &s->roots[1], t1, sizeof t1);
		snprintf(t2, sizeof t2, "; next: %s; the top %zu roots hold %.0f%%", t1, k, share(sum, s->reachable_bytes));
	}
	enum cr_err rc = cr_finding_summary(r, f, "%s%s%s retains %s (%.0f%% of the %s reachable heap in the core)%s%s",
					    top->name, *top->function ? " in " : "", top->function, a, sh, b,
					    *top->path ? ", down to " : "", top->path);
	if (!rc && *t2) /* the summary is one line: the runners-up after it */
		rc = cr_finding_summary(r, f, "%s%s", f->summary, t2);
	char ty[256];
	if (!rc)
		rc = cr_finding_next(r, f, "coroner heap --paths='%s' %s %s prints the shortest retainer paths of its "
				     "objects; -o refs.pb.gz and coroner flame show every path",
				     paths_type(s, top, ty, sizeof ty), s->binary, s->core);
	if (!rc)
		rc = cr_finding_fact(r, f, "retained_bytes", "retained by the subject", CR_FACT_BYTES,
				     (int64_t)top->bytes, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "retained_objects", "objects retained by the subject", CR_FACT_INT,
				     (int64_t)top->objects, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "share", "share of the reachable heap", CR_FACT_PCT, 0, sh, NULL);
	if (!rc && *top->path)
		rc = cr_finding_fact(r, f, "type", "types down its largest branch", CR_FACT_STR, 0, 0, top->path);
	if (!rc)
		rc = cr_finding_fact(r, f, "root_kind", "root kind", CR_FACT_STR, 0, 0, top->kind);
	if (!rc)
		rc = cr_finding_fact(r, f, "reachable_bytes", "reachable heap", CR_FACT_BYTES,
				     (int64_t)s->reachable_bytes, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "unreachable_bytes", "garbage not yet swept", CR_FACT_BYTES,
				     (int64_t)s->unreachable_bytes, 0, NULL);
	if (!rc && s->have_heap_alloc)
		rc = cr_finding_fact(r, f, "heap_alloc", "HeapAlloc (runtime.memstats)", CR_FACT_BYTES,
				     (int64_t)s->heap_alloc, 0, NULL);
	if (!rc && s->partial)
		rc = cr_finding_fact(r, f, "partial", "partial", CR_FACT_STR, 0, 0,
				     "parts of the heap could not be read: coroner heap names them");
	if (!rc && *s->go_version)
		rc = cr_finding_fact(r, f, "go_version", "Go version", CR_FACT_STR, 0, 0, s->go_version);
	if (!rc)
		rc = cr_finding_fact(r, f, "file", "core", CR_FACT_STR, 0, 0, s->core);
	if (!rc)
		rc = roots_table(r, f, s, "roots", "roots retaining the most (their dominator subtrees)", RHEAP_ROOTS);
	return rc;
}

/* Bytes and objects the stacks of the goroutines of finding f retain: the
 * goroutines of the core's capture whose innermost user function is the
 * finding's subject, joined by id with the heap's stack roots. */
static enum cr_err leak_join(struct cr_report *r, size_t fi, const struct cr_rheap *s)
{
	const struct cr_capture *c = &r->in.caps[s->cap_index];
	const struct cr_profile *p = c->goroutine;
	if (!p)
		return CR_OK;
	uint32_t k_goid = UINT32_MAX;
	for (uint32_t i = 0; i < p->str.n && k_goid == UINT32_MAX; i++)
		if (!strcmp(cr_profile_str(p, i), "goid"))
			k_goid = i;
	if (k_goid == UINT32_MAX)
		return CR_OK;
	const char *fn = r->findings[fi].subject;
	uint64_t bytes = 0, objects = 0;
	int64_t ngor = 0, nheld = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct cr_sample *sm = &p->samples[i];
		if (strcmp(cr_sample_user_function(p, i), fn))
			continue;
		for (uint32_t l = 0; l < sm->nlabel; l++) {
			const struct cr_label *lb = &p->labels[sm->label_start + l];
			if (lb->key != k_goid || lb->str)
				continue;
			ngor++;
			struct cr_rheap_g key = { .goid = lb->num };
			const struct cr_rheap_g *g = bsearch(&key, s->gs, s->ngs, sizeof *s->gs, cmp_goid);
			if (g) {
				bytes += g->bytes;
				objects += g->objects;
				nheld++;
			}
		}
	}
	if (!ngor)
		return CR_OK;
	struct cr_rfinding *f = &r->findings[fi];
	char b[48];
	cr_report_bytes_text(b, sizeof b, (int64_t)bytes);
	enum cr_err rc = cr_finding_summary(r, f, "%s; their stacks retain %s of heap (%" PRId64 " of %" PRId64
					    " goroutines hold some, core)", f->summary, b, nheld, ngor);
	if (!rc)
		rc = cr_finding_fact(r, f, "stack_retained_bytes", "heap their stacks retain (core)", CR_FACT_BYTES,
				     (int64_t)bytes, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "stack_retained_objects", "objects their stacks retain (core)",
				     CR_FACT_INT, (int64_t)objects, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "stack_retained_goroutines", "goroutines of the core joined",
				     CR_FACT_INT, ngor, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "heap_core", "core read for retention", CR_FACT_STR, 0, 0, s->core);
	return rc;
}

/* heap_growth's "who keeps it": the core's largest retainers. */
static enum cr_err growth_join(struct cr_report *r, size_t fi, const struct cr_rheap *s)
{
	struct cr_rfinding *f = &r->findings[fi];
	if (!s->nroots)
		return CR_OK;
	char list[1024] = "", t[512];
	size_t k = s->nroots < 3 ? s->nroots : 3;
	for (size_t i = 0; i < k; i++) {
		root_text(s, &s->roots[i], t, sizeof t);
		size_t l = strlen(list);
		snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", t);
	}
	/* the question the finding asked is answered: keep its command */
	const char *prev = f->next_step ? f->next_step : "";
	const char *q = strstr(prev, "  (who keeps it:");
	int plen = q ? (int)(q - prev) : (int)strlen(prev);
	char ty[256];
	enum cr_err rc = cr_finding_next(r, f, "%.*s%swho keeps it: in the core (%s) the roots retaining the most are %s "
					 "(a core cannot tie objects to %s's allocations: check that they are its); "
					 "coroner heap --paths='%s' %s %s",
					 plen, prev, plen ? "; " : "", s->core, list, f->subject,
					 paths_type(s, &s->roots[0], ty, sizeof ty), s->binary, s->core);
	if (!rc)
		rc = cr_finding_fact(r, f, "kept_by", "largest retainer in the core", CR_FACT_STR, 0, 0, s->roots[0].name);
	if (!rc)
		rc = cr_finding_fact(r, f, "kept_by_bytes", "retained by it", CR_FACT_BYTES, (int64_t)s->roots[0].bytes,
				     0, NULL);
	if (!rc)
		rc = roots_table(r, f, s, "retainers", "who keeps it: roots retaining the most in the core", 5);
	return rc;
}

enum cr_err cr_report_analyse_retention(struct cr_report *r)
{
	const struct cr_rheap *s = r->heap;
	if (!s)
		return CR_OK;
	size_t n = r->nfindings; /* the joins amend the findings made before this one */
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!strcmp(r->findings[i].kind, "goroutine_leak"))
			rc = leak_join(r, i, s);
		else if (!strcmp(r->findings[i].kind, "heap_growth"))
			rc = growth_join(r, i, s);
	}
	if (!rc)
		rc = retained_by(r, s);
	return rc;
}
