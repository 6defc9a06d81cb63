/* The tags of pprof's visual call graph (-dot): what each node carries of
 * its samples' labels.
 *
 * - a sample's string labels make one label tag: "key:value" of each
 *   value (the diff base's marker label left out), sorted, joined by the
 *   two characters backslash-n; a sample without string labels has none;
 * - of the numeric labels only "bytes" counts: each of its values makes a
 *   numeric tag, named by the value scaled to the report's unit, under the
 *   sample's label tag ("" when it has none);
 * - a node adds a sample's value to the cum of the tags of that sample
 *   when it adds to its own cum, to their flat when it adds to its flat;
 * - key and value are escaped for a DOT string (backslash, quote,
 *   newline) before they are joined.
 */
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tag {
	uint32_t node, group, name; /* group, name: string ids (group 0 = "") */
	bool numeric;
	int64_t value, flat, cum;
	int64_t flat_div, cum_div; /* -mean */
};

/* A tag without its node: (group, name, numeric) */
struct tkey {
	uint32_t group, name;
	bool numeric;
};

/* (a, b) -> v + 1, open addressing (v + 1 = 0: a free slot) */
struct pairmap {
	uint64_t *a;
	uint32_t *b, *v;
	size_t cap, n;
};

struct cr_ptags {
	struct cr_arena arena;
	struct cr_hmap strs;           /* interned strings: text -> id */
	const char **str;              /* id -> text; 0 = "" */
	size_t nstr, cap_str;
	const char *unit;              /* the unit of "bytes" */
	struct tkey *tk;               /* distinct tag keys */
	size_t ntk, cap_tk;
	struct pairmap tkmap;          /* (group, name) -> label tag key; (value, group) -> numeric tag key */
	uint32_t *ent_start;           /* per sample: its tag keys from ent_start[s] to ent_start[s + 1] */
	uint32_t *ent_tk;              /* the samples' tag keys in order: the label tag, then numeric */
	int64_t *ent_val;              /* their values (numeric tags) */
	size_t nent, cap_ent, cap_val;
	struct tag *tags;
	size_t ntags, cap_tags;
	/* (node, tag key) -> tags index: a row per node of tags index + 1
	 * by tag key, or past a budget of cells, a hash map */
	uint32_t **row;
	size_t cap_row, cells;
	struct pairmap map;
};

enum { ROW_CELLS = 1 << 21 }; /* 8 MiB of rows at most */

static inline size_t pair_hash(uint64_t a, uint32_t b, size_t mask)
{
	return (size_t)(((a * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)b * 0xc2b2ae3d27d4eb4full)) >> 29) & mask;
}

static void pair_release(struct pairmap *m)
{
	cr_free(m->a);
	cr_free(m->b);
	cr_free(m->v);
	memset(m, 0, sizeof *m);
}

static bool pair_resize(struct pairmap *m, size_t cap)
{
	uint64_t *a = cr_malloc(cap * sizeof *a);
	uint32_t *b = cr_malloc(cap * sizeof *b), *v = cr_calloc(cap, sizeof *v);
	if (!a || !b || !v) {
		cr_free(a);
		cr_free(b);
		cr_free(v);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i])
			continue;
		size_t h = pair_hash(m->a[i], m->b[i], cap - 1);
		while (v[h])
			h = (h + 1) & (cap - 1);
		a[h] = m->a[i], b[h] = m->b[i], v[h] = m->v[i];
	}
	cr_free(m->a);
	cr_free(m->b);
	cr_free(m->v);
	m->a = a, m->b = b, m->v = v, m->cap = cap;
	return true;
}

/* the value of (a, b); UINT32_MAX when there is none */
static uint32_t pair_get(const struct pairmap *m, uint64_t a, uint32_t b)
{
	if (!m->cap)
		return UINT32_MAX;
	size_t mask = m->cap - 1, h = pair_hash(a, b, mask);
	for (; m->v[h]; h = (h + 1) & mask)
		if (m->a[h] == a && m->b[h] == b)
			return m->v[h] - 1;
	return UINT32_MAX;
}

/* the value of (a, b), or val (below UINT32_MAX) put there; *found says
 * which; UINT32_MAX when out of memory */
static uint32_t pair_put(struct pairmap *m, uint64_t a, uint32_t b, uint32_t val, bool *found)
{
	if (2 * (m->n + 1) > m->cap && !pair_resize(m, m->cap ? 2 * m->cap : 1024))
		return UINT32_MAX;
	size_t mask = m->cap - 1, h = pair_hash(a, b, mask);
	for (; m->v[h]; h = (h + 1) & mask)
		if (m->a[h] == a && m->b[h] == b) {
			*found = true;
			return m->v[h] - 1;
		}
	*found = false;
	m->a[h] = a, m->b[h] = b, m->v[h] = val + 1;
	m->n++;
	return val;
}

static uint32_t intern(struct cr_ptags *t, const char *s, size_t n, bool *nomem)
{
	bool found;
	uint32_t *v = cr_hmap_put(&t->strs, s, n, (uint32_t)t->nstr, &found);
	if (!v || (!found && cr_grow(&t->str, &t->cap_str, t->nstr + 1, sizeof *t->str))) {
		*nomem = true;
		return 0;
	}
	if (!found) {
		char *c = cr_arena_strndup(&t->arena, s, n);
		if (!c) {
			*nomem = true;
			return 0;
		}
		t->str[t->nstr++] = c;
	}
	return *v;
}

/* pprof's escaping of a DOT string: backslash, quote, newline as \l */
enum cr_err cr_pprof_dot_escape(struct cr_buf *b, const char *s)
{
	enum cr_err rc = CR_OK;
	for (const char *run = s;; s++) {
		unsigned char c = (unsigned char)*s;
		char ctl[8];
		const char *rep = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\l" : NULL;
		if (!rep && c && (c < 0x20 || c == 0x7f)) { /* a control byte: its code, visible */
			snprintf(ctl, sizeof ctl, "\\\\x%02x", c);
			rep = ctl;
		}
		if (!rep && c)
			continue;
		if (cr_buf_add(b, run, (size_t)(s - run)) || (rep && cr_buf_add(b, rep, strlen(rep))))
			rc = CR_NOMEM;
		if (!c)
			return rc;
		run = s + 1;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the label tag of sample s ("" when it has no string label) */
static uint32_t join_labels(struct cr_ptags *t, const struct cr_profile *p, size_t s, bool *nomem)
{
	const struct cr_sample *sm = &p->samples[s];
	size_t n = 0;
	for (uint32_t k = 0; k < sm->nlabel; k++) {
		const struct cr_label *l = &p->labels[sm->label_start + k];
		n += l->str && strcmp(cr_profile_str(p, l->key), "pprof::base");
	}
	if (!n)
		return 0;
	char **kv = cr_calloc(n, sizeof *kv);
	if (!kv) {
		*nomem = true;
		return 0;
	}
	size_t m = 0;
	for (uint32_t k = 0; k < sm->nlabel && !*nomem; k++) {
		const struct cr_label *l = &p->labels[sm->label_start + k];
		if (!l->str || !strcmp(cr_profile_str(p, l->key), "pprof::base"))
			continue;
		if (asprintf(&kv[m], "%s:%s", cr_profile_str(p, l->key), cr_profile_str(p, l->str)) < 0)
			*nomem = true, kv[m] = NULL;
		else
			m++;
	}
	uint32_t id = 0;
	if (!*nomem) {
		qsort(kv, m, sizeof *kv, cmp_str);
		struct cr_buf b = { 0 };
		for (size_t i = 0; i < m; i++) {
			if (i)
				cr_buf_add(&b, "\\n", 2);
			cr_pprof_dot_escape(&b, kv[i]);
		}
		id = intern(t, cr_buf_str(&b), b.len, nomem);
		cr_buf_release(&b);
	}
	for (size_t i = 0; i < m; i++)
		free(kv[i]);
	cr_free(kv);
	return id;
}

/* the tag key (group, name, numeric); UINT32_MAX when out of memory */
static uint32_t tag_key(struct cr_ptags *t, uint32_t group, uint32_t name, bool numeric)
{
	bool found;
	uint32_t k = pair_put(&t->tkmap, (uint64_t)numeric << 32 | name, group, (uint32_t)t->ntk, &found);
	if (k == UINT32_MAX || found)
		return k;
	if (cr_grow(&t->tk, &t->cap_tk, t->ntk + 1, sizeof *t->tk))
		return UINT32_MAX;
	t->tk[t->ntk++] = (struct tkey){ group, name, numeric };
	return k;
}

static bool add_entry(struct cr_ptags *t, uint32_t tk, int64_t value)
{
	if (tk == UINT32_MAX || cr_grow(&t->ent_tk, &t->cap_ent, t->nent + 1, sizeof *t->ent_tk) ||
	    cr_grow(&t->ent_val, &t->cap_val, t->nent + 1, sizeof *t->ent_val))
		return false;
	t->ent_tk[t->nent] = tk;
	t->ent_val[t->nent++] = value;
	return true;
}

enum cr_err cr_ptags_init(struct cr_ptags **out, const struct cr_profile *p, const struct cr_pprof_opts *o)
{
	struct cr_ptags *t = cr_calloc(1, sizeof *t);
	*out = t;
	if (!t)
		return CR_NOMEM;
	cr_arena_init(&t->arena);
	cr_hmap_init(&t->strs);
	bool nomem = false;
	intern(t, "", 0, &nomem);
	t->ent_start = cr_calloc(p->nsamples + 1, sizeof *t->ent_start);
	if (nomem || !t->ent_start)
		return CR_NOMEM;
	const char *ounit = o->unit && *o->unit ? o->unit : "minimum";
	/* the unit of the key "bytes": looked up once (a scan of all labels);
	 * a value's scaled name looked up once per value */
	uint32_t ukey = UINT32_MAX;
	const char *unit = NULL;
	struct pairmap names = { 0 };
	for (size_t s = 0; s < p->nsamples && !nomem; s++) {
		const struct cr_sample *sm = &p->samples[s];
		t->ent_start[s] = (uint32_t)t->nent;
		uint32_t g = join_labels(t, p, s, &nomem);
		if (g && !nomem && !add_entry(t, tag_key(t, 0, g, false), 0))
			nomem = true;
		for (uint32_t k = 0; k < sm->nlabel && !nomem; k++) {
			const struct cr_label *l = &p->labels[sm->label_start + k];
			if (l->str || strcmp(cr_profile_str(p, l->key), "bytes"))
				continue;
			if (l->key != ukey) {
				ukey = l->key, unit = cr_profile_label_unit(p, l->key);
				pair_release(&names);
			}
			t->unit = unit;
			uint32_t name = pair_get(&names, (uint64_t)l->num, 0);
			if (name == UINT32_MAX) {
				char text[96];
				bool found;
				cr_units_scaled(text, sizeof text, l->num, unit, ounit);
				name = intern(t, text, strlen(text), &nomem);
				if (!nomem && pair_put(&names, (uint64_t)l->num, 0, name, &found) == UINT32_MAX)
					nomem = true;
			}
			if (nomem || !add_entry(t, tag_key(t, g, name, true), l->num))
				nomem = true;
		}
	}
	t->ent_start[p->nsamples] = (uint32_t)t->nent;
	pair_release(&names);
	return nomem ? CR_NOMEM : CR_OK;
}

static void rows_release(struct cr_ptags *t)
{
	for (size_t i = 0; i < t->cap_row; i++)
		cr_free(t->row[i]);
	cr_free(t->row);
	t->row = NULL;
	t->cap_row = t->cells = 0;
}

void cr_ptags_reset(struct cr_ptags *t)
{
	t->ntags = 0;
	rows_release(t);
	if (t->map.cap)
		memset(t->map.v, 0, t->map.cap * sizeof *t->map.v);
	t->map.n = 0;
}

/* node's row, allocated on first use; NULL past the budget or when out of
 * memory (*nomem) */
static uint32_t *row_of(struct cr_ptags *t, uint32_t node, bool *nomem)
{
	if (node < t->cap_row && t->row[node])
		return t->row[node];
	if (t->cells + t->ntk > ROW_CELLS)
		return NULL;
	if (node >= t->cap_row) {
		size_t old = t->cap_row;
		if (cr_grow(&t->row, &t->cap_row, (size_t)node + 1, sizeof *t->row)) {
			*nomem = true;
			return NULL;
		}
		memset(t->row + old, 0, (t->cap_row - old) * sizeof *t->row);
	}
	if (!(t->row[node] = cr_calloc(t->ntk + 1, sizeof **t->row)))
		*nomem = true;
	t->cells += t->ntk;
	return t->row[node];
}

enum cr_err cr_ptags_add(struct cr_ptags *t, uint32_t node, size_t s, int64_t w, int64_t dw, bool flat)
{
	uint32_t j = t->ent_start[s], to = t->ent_start[s + 1];
	if (j == to)
		return CR_OK;
	bool nomem = false;
	uint32_t *row = row_of(t, node, &nomem);
	if (nomem)
		return CR_NOMEM;
	for (; j < to; j++) {
		bool found;
		uint32_t v;
		if (row) {
			uint32_t *c = &row[t->ent_tk[j]];
			found = *c != 0;
			v = found ? *c - 1 : (uint32_t)t->ntags;
			*c = v + 1;
		} else if ((v = pair_put(&t->map, node, t->ent_tk[j], (uint32_t)t->ntags, &found)) == UINT32_MAX) {
			return CR_NOMEM;
		}
		if (!found) {
			if (cr_grow(&t->tags, &t->cap_tags, t->ntags + 1, sizeof *t->tags))
				return CR_NOMEM;
			const struct tkey *k = &t->tk[t->ent_tk[j]];
			t->tags[t->ntags++] = (struct tag){ node, k->group, k->name, k->numeric, t->ent_val[j], 0, 0, 0, 0 };
		}
		struct tag *g = &t->tags[v];
		if (flat)
			g->flat = wadd(g->flat, w), g->flat_div = wadd(g->flat_div, dw);
		else
			g->cum = wadd(g->cum, w), g->cum_div = wadd(g->cum_div, dw);
	}
	return CR_OK;
}

static bool kept_tag(const struct tag *g, int64_t cutoff)
{
	return wabs(g->flat) >= cutoff || wabs(g->cum) >= cutoff;
}

void cr_ptags_counts(const struct cr_ptags *t, int64_t cutoff, size_t *counts)
{
	for (size_t i = 0; i < t->ntags; i++)
		if (kept_tag(&t->tags[i], cutoff) && t->tags[i].flat != 0)
			counts[t->tags[i].node]++;
}

enum cr_err cr_ptags_export(const struct cr_ptags *t, struct cr_pgraph *g, const uint32_t *newid, size_t nbuild,
			    int64_t cutoff)
{
	g->tag_start = cr_calloc(g->nnodes + 2, sizeof *g->tag_start);
	if (!g->tag_start)
		return CR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < t->ntags; i++) {
		const struct tag *x = &t->tags[i];
		if (x->node < nbuild && newid[x->node] < g->nnodes && kept_tag(x, cutoff))
			g->tag_start[newid[x->node] + 1]++, n++;
	}
	for (size_t i = 0; i < g->nnodes; i++)
		g->tag_start[i + 1] += g->tag_start[i];
	g->tags = cr_calloc(n + 1, sizeof *g->tags);
	uint32_t *fill = cr_calloc(g->nnodes + 1, sizeof *fill);
	if (!g->tags || !fill) {
		cr_free(fill);
		return CR_NOMEM;
	}
	for (size_t i = 0; i < t->ntags; i++) {
		const struct tag *x = &t->tags[i];
		if (x->node >= nbuild || newid[x->node] >= g->nnodes || !kept_tag(x, cutoff))
			continue;
		uint32_t id = newid[x->node];
		/* the strings live as long as the graph: in its names' arena */
		struct cr_arena *ar = &g->names.arena;
		const char *nm = t->str[x->name], *gr = t->str[x->group];
		struct cr_pgraph_tag *d = &g->tags[g->tag_start[id] + fill[id]++];
		*d = (struct cr_pgraph_tag){ .name = cr_arena_strndup(ar, nm, strlen(nm)),
					     .group = x->numeric ? cr_arena_strndup(ar, gr, strlen(gr)) : NULL,
					     .unit = x->numeric ? cr_arena_strndup(ar, t->unit, strlen(t->unit)) : NULL,
					     .value = x->value, .flat = x->flat, .cum = x->cum,
					     .flat_div = x->flat_div, .cum_div = x->cum_div };
		if (!d->name || (x->numeric && (!d->group || !d->unit))) {
			cr_free(fill);
			return CR_NOMEM;
		}
	}
	cr_free(fill);
	return CR_OK;
}

void cr_ptags_free(struct cr_ptags *t)
{
	if (!t)
		return;
	cr_arena_release(&t->arena);
	cr_hmap_release(&t->strs);
	pair_release(&t->tkmap);
	pair_release(&t->map);
	rows_release(t);
	cr_free(t->str);
	cr_free(t->tk);
	cr_free(t->ent_start);
	cr_free(t->ent_tk);
	cr_free(t->ent_val);
	cr_free(t->tags);
	cr_free(t);
}
