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

struct numlab {
	uint32_t name;
	int64_t value;
};

struct cr_ptags {
	struct cr_arena arena;
	struct cr_hmap strs;           /* interned strings: text -> id */
	const char **str;              /* id -> text; 0 = "" */
	size_t nstr, cap_str;
	const char *unit;              /* the unit of "bytes" */
	uint32_t *group;               /* per sample: its label tag */
	uint32_t *num_start, *nnum;    /* per sample: into nums */
	struct numlab *nums;
	size_t nnums, cap_nums;
	struct tag *tags;
	size_t ntags, cap_tags;
	struct cr_hmap map;            /* (node, group, name, numeric) -> tags index */
};

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

enum cr_err cr_ptags_init(struct cr_ptags **out, const struct cr_profile *p, const struct cr_pprof_opts *o)
{
	struct cr_ptags *t = cr_calloc(1, sizeof *t);
	*out = t;
	if (!t)
		return CR_NOMEM;
	cr_arena_init(&t->arena);
	cr_hmap_init(&t->strs);
	cr_hmap_init(&t->map);
	bool nomem = false;
	intern(t, "", 0, &nomem);
	t->group = cr_calloc(p->nsamples + 1, sizeof *t->group);
	t->num_start = cr_calloc(p->nsamples + 1, sizeof *t->num_start);
	t->nnum = cr_calloc(p->nsamples + 1, sizeof *t->nnum);
	if (nomem || !t->group || !t->num_start || !t->nnum)
		return CR_NOMEM;
	const char *ounit = o->unit && *o->unit ? o->unit : "minimum";
	/* the unit of the key "bytes": looked up once (a scan of all labels) */
	uint32_t ukey = UINT32_MAX;
	const char *unit = NULL;
	for (size_t s = 0; s < p->nsamples && !nomem; s++) {
		const struct cr_sample *sm = &p->samples[s];
		t->group[s] = join_labels(t, p, s, &nomem);
		t->num_start[s] = (uint32_t)t->nnums;
		for (uint32_t k = 0; k < sm->nlabel && !nomem; k++) {
			const struct cr_label *l = &p->labels[sm->label_start + k];
			if (l->str || strcmp(cr_profile_str(p, l->key), "bytes"))
				continue;
			if (l->key != ukey)
				ukey = l->key, unit = cr_profile_label_unit(p, l->key);
			char name[96];
			cr_units_scaled(name, sizeof name, l->num, unit, ounit);
			t->unit = unit;
			if (cr_grow(&t->nums, &t->cap_nums, t->nnums + 1, sizeof *t->nums)) {
				nomem = true;
				break;
			}
			t->nums[t->nnums++] = (struct numlab){ intern(t, name, strlen(name), &nomem), l->num };
			t->nnum[s]++;
		}
	}
	return nomem ? CR_NOMEM : CR_OK;
}

void cr_ptags_reset(struct cr_ptags *t)
{
	t->ntags = 0;
	cr_hmap_release(&t->map);
	cr_hmap_init(&t->map);
}

static enum cr_err add_tag(struct cr_ptags *t, uint32_t node, uint32_t group, uint32_t name, bool numeric,
			   int64_t value, int64_t w, int64_t dw, bool flat)
{
	uint32_t key[4] = { node, group, name, numeric };
	bool found;
	uint32_t *v = cr_hmap_put(&t->map, key, sizeof key, (uint32_t)t->ntags, &found);
	if (!v)
		return CR_NOMEM;
	if (!found) {
		if (cr_grow(&t->tags, &t->cap_tags, t->ntags + 1, sizeof *t->tags))
			return CR_NOMEM;
		t->tags[t->ntags++] = (struct tag){ node, group, name, numeric, value, 0, 0, 0, 0 };
	}
	struct tag *g = &t->tags[*v];
	if (flat)
		g->flat = wadd(g->flat, w), g->flat_div = wadd(g->flat_div, dw);
	else
		g->cum = wadd(g->cum, w), g->cum_div = wadd(g->cum_div, dw);
	return CR_OK;
}

enum cr_err cr_ptags_add(struct cr_ptags *t, uint32_t node, size_t s, int64_t w, int64_t dw, bool flat)
{
	uint32_t g = t->group[s];
	if (g && add_tag(t, node, 0, g, false, 0, w, dw, flat))
		return CR_NOMEM;
	for (uint32_t k = 0; k < t->nnum[s]; k++) {
		const struct numlab *nl = &t->nums[t->num_start[s] + k];
		if (add_tag(t, node, g, nl->name, true, nl->value, w, dw, flat))
			return CR_NOMEM;
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
	cr_hmap_release(&t->map);
	cr_free(t->str);
	cr_free(t->group);
	cr_free(t->num_start);
	cr_free(t->nnum);
	cr_free(t->nums);
	cr_free(t->tags);
	cr_free(t);
}
