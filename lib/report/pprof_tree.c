/* pprof's call tree (-call_tree with -dot): a node per distinct path from a
 * root, not per function, trimmed as pprof trims it.
 *
 * - each sample walks its stack from the root: under the node reached so
 *   far, the child of that name (found or made) gets the sample's value in
 *   its cum and on the edge from its parent; the last node gets it in its
 *   flat; the edge is inline only while every sample reached the child
 *   between lines of one location; nodes with flat and cum 0 are left out;
 * - trimming drops nodes without rebuilding anything: a dropped node's
 *   children hang from its parent by a residual edge (inline when both
 *   edges were), or become roots when it had no parent; values stay as
 *   they were;
 * - nodes with |cum| under the node cutoff are dropped first; the rest are
 *   ordered by entropy (pprof_graph.c); with a nodecount, edges under the
 *   edge cutoff are cut (their child becomes a root), the first nodes are
 *   chosen as in the graph (tags counting) and the others dropped, and the
 *   rest ordered again; at the end edges under the edge cutoff are cut and
 *   counted;
 * - pprof orders nodes of equal score, name and flat (the same function on
 *   two paths) as its maps happen to give them; here by the order the
 *   samples first reached them.
 */
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <stdlib.h>
#include <string.h>

struct tnode {
	int64_t flat, cum, score; /* together, in this order: cr_pgraph_entropy */
	int64_t ew;               /* the edge from the parent */
	int64_t flat_div, cum_div, ew_div; /* -mean */
	const char *name;
	uint32_t slot, parent;    /* parent: UINT32_MAX for a root */
	uint8_t state;            /* 0 in the tree, 1 dropped, 2 never there (no values) */
	bool attached, inl, residual;
};

struct tree {
	struct tnode *n;
	size_t nn, cap;
	struct cr_ptags *tags;
};

static enum cr_err grow(struct tree *t, const struct cr_pprof_names *nm, const struct cr_profile *p,
			const struct cr_pprof_opts *o)
{
	struct cr_hmap map;
	cr_hmap_init(&map);
	enum cr_err rc = CR_NOMEM;
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t w = p->values[s * p->ntypes + (size_t)o->sample_index], dw = cr_pprof_div(p, o, s);
		if (w == 0 && dw == 0)
			continue;
		const struct cr_sample *sm = &p->samples[s];
		uint32_t parent = UINT32_MAX;
		for (uint32_t k = sm->nloc; k-- > 0;) {
			uint32_t li = p->stack[sm->loc_start + k];
			uint32_t ln = nm->n[li], st = nm->start[li];
			for (uint32_t ni = ln; ni-- > 0;) {
				struct {
					uint32_t parent;
					const char *name;
				} key;
				memset(&key, 0, sizeof key);
				key.parent = parent, key.name = nm->name[st + ni];
				bool found;
				uint32_t *v = cr_hmap_put(&map, &key, sizeof key, (uint32_t)t->nn, &found);
				if (!v)
					goto out;
				if (!found) {
					if (cr_grow(&t->n, &t->cap, t->nn + 1, sizeof *t->n))
						goto out;
					t->n[t->nn++] = (struct tnode){ .name = key.name, .slot = st + ni, .parent = parent,
									.attached = parent != UINT32_MAX, .inl = true };
				}
				struct tnode *n = &t->n[*v];
				n->cum = wadd(n->cum, w);
				n->cum_div = wadd(n->cum_div, dw);
				if (cr_ptags_add(t->tags, *v, s, w, dw, false))
					goto out;
				if (parent != UINT32_MAX) {
					n->ew = wadd(n->ew, w);
					n->ew_div = wadd(n->ew_div, dw);
					if (ni == ln - 1)
						n->inl = false;
				}
				parent = *v;
			}
		}
		if (parent != UINT32_MAX) {
			t->n[parent].flat = wadd(t->n[parent].flat, w);
			t->n[parent].flat_div = wadd(t->n[parent].flat_div, dw);
			if (cr_ptags_add(t->tags, parent, s, w, dw, true))
				goto out;
		}
	}
	rc = CR_OK;
out:
	cr_hmap_release(&map);
	return rc;
}

/* the nodes marked dropped leave: their children hang from the nearest
 * ancestor left, by a residual edge */
static void trim(struct tree *t)
{
	for (size_t i = 0; i < t->nn; i++) {
		struct tnode *c = &t->n[i];
		if (c->state != 0 || !c->attached || t->n[c->parent].state != 1)
			continue;
		uint32_t p = c->parent;
		bool inl = c->inl;
		while (t->n[p].state == 1 && t->n[p].attached)
			inl = inl && t->n[p].inl, p = t->n[p].parent;
		if (t->n[p].state == 1) { /* a dropped root: c becomes one */
			c->attached = false;
			continue;
		}
		c->parent = p, c->inl = inl, c->residual = true;
	}
}

/* cut the edges under cutoff; how many */
static size_t cut_edges(struct tree *t, int64_t cutoff)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].state == 0 && t->n[i].attached && wabs(t->n[i].ew) < cutoff)
			t->n[i].attached = false, n++;
	return n;
}

static int cmp_tnodes(const void *x, const void *y, void *arg)
{
	const struct tnode *ns = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	const struct tnode *l = &ns[a], *r = &ns[b];
	if (wabs(l->score) != wabs(r->score))
		return wabs(l->score) > wabs(r->score) ? -1 : 1;
	int c = strcmp(l->name, r->name);
	if (c)
		return c;
	if (wabs(l->flat) != wabs(r->flat))
		return wabs(l->flat) > wabs(r->flat) ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* -callgrind's order: by |flat| (|cum| with -cum), name, then |cum|
 * (|flat|); the nodes pprof ties as its maps give them, here as the
 * samples first reached them */
struct text_order {
	const struct tnode *n;
	bool cum;
};

static int cmp_tnodes_text(const void *x, const void *y, void *arg)
{
	const struct text_order *to = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	const struct tnode *l = &to->n[a], *r = &to->n[b];
	int64_t u = wabs(to->cum ? l->cum : l->flat), v = wabs(to->cum ? r->cum : r->flat);
	if (u != v)
		return u > v ? -1 : 1;
	int c = strcmp(l->name, r->name);
	if (c)
		return c;
	u = wabs(to->cum ? l->flat : l->cum), v = wabs(to->cum ? r->flat : r->cum);
	if (u != v)
		return u > v ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* the nodes in the tree, ordered by entropy (-dot) or as text (cum: by
 * cum); *n of them */
static uint32_t *order(struct tree *t, size_t *n, bool visual, bool cum)
{
	struct cr_pgraph_edge *e = cr_calloc(t->nn + 1, sizeof *e);
	uint32_t *ord = cr_calloc(t->nn + 1, sizeof *ord);
	size_t ne = 0, k = 0;
	if (!e || !ord)
		goto fail;
	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].attached && t->n[i].state != 1)
			e[ne++] = (struct cr_pgraph_edge){ .from = t->n[i].parent, .to = (uint32_t)i, .weight = t->n[i].ew };
	if (t->nn && cr_pgraph_entropy(&t->n[0].flat, sizeof *t->n, t->nn, e, ne))
		goto fail;
	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].state == 0)
			ord[k++] = (uint32_t)i;
	struct text_order to = { t->n, cum };
	if (visual)
		qsort_r(ord, k, sizeof *ord, cmp_tnodes, t->n);
	else
		qsort_r(ord, k, sizeof *ord, cmp_tnodes_text, &to);
	cr_free(e);
	*n = k;
	return ord;
fail:
	cr_free(e);
	cr_free(ord);
	return NULL;
}

/* g's nodes, edges and tags out of the tree */
static enum cr_err finish(struct cr_pgraph *g, struct tree *t, const uint32_t *ord, size_t n, int64_t node_cutoff)
{
	uint32_t *newid = cr_calloc(t->nn + 1, sizeof *newid);
	g->nodes = cr_calloc(n + 1, sizeof *g->nodes);
	g->edges = cr_calloc(n + 1, sizeof *g->edges);
	if (!newid || !g->nodes || !g->edges) {
		cr_free(newid);
		return CR_NOMEM;
	}
	for (size_t i = 0; i < t->nn; i++)
		newid[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct tnode *s = &t->n[ord[i]];
		g->nodes[i] = (struct cr_pgraph_node){ .name = s->name, .slot = s->slot, .flat = s->flat, .cum = s->cum,
						       .flat_div = s->flat_div, .cum_div = s->cum_div };
		newid[ord[i]] = (uint32_t)i;
	}
	g->nnodes = n;
	for (size_t i = 0; i < n; i++) {
		const struct tnode *c = &t->n[ord[i]];
		if (c->attached && newid[c->parent] != UINT32_MAX) /* not from a node without values */
			g->edges[g->nedges++] = (struct cr_pgraph_edge){ newid[c->parent], (uint32_t)i, c->ew, c->residual,
									 c->inl, c->ew_div };
	}
	enum cr_err rc = cr_ptags_export(t->tags, g, newid, t->nn, node_cutoff);
	cr_free(newid);
	return rc ? rc : cr_pgraph_index_edges(g, n);
}

enum cr_err cr_ptree_compute(struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
			     const struct cr_pgraph_trim *tr)
{
	struct tree t = { 0 };
	uint32_t *ord = NULL;
	size_t *tagcount = NULL;
	enum cr_err rc = CR_NOMEM;
	if (cr_ptags_init(&t.tags, p, o) || grow(&t, &g->names, p, o))
		goto out;
	int64_t flat_sum = 0;
	size_t live = 0, n;
	for (size_t i = 0; i < t.nn; i++) {
		if (!t.n[i].flat && !t.n[i].cum)
			t.n[i].state = 2;
		else
			live++, flat_sum = wadd(flat_sum, t.n[i].flat);
	}
	int64_t node_cutoff = wabs((int64_t)((double)flat_sum * tr->nodefraction));
	int64_t edge_cutoff = wabs((int64_t)((double)flat_sum * tr->edgefraction));
	if (node_cutoff > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < t.nn; i++)
			if (t.n[i].state == 0 && wabs(t.n[i].cum) < node_cutoff)
				t.n[i].state = 1;
			else
				kept += t.n[i].state == 0;
		g->dropped_nodes = live - kept;
		trim(&t);
	}
	if (!(ord = order(&t, &n, tr->visual, tr->cum)))
		goto out;
	g->orig_count = n;
	if (tr->nodecount > 0) {
		cut_edges(&t, edge_cutoff);
		if (!(tagcount = cr_calloc(t.nn + 1, sizeof *tagcount)))
			goto out;
		cr_ptags_counts(t.tags, node_cutoff, tagcount);
		size_t keep = (size_t)tr->nodecount, count = 0;
		for (size_t i = 0; i < n; i++) {
			count += (tagcount[ord[i]] < 4 ? tagcount[ord[i]] : 4) + 1;
			if (count >= keep) {
				keep = i + 1;
				break;
			}
		}
		if (keep < n) {
			for (size_t i = keep; i < n; i++)
				t.n[ord[i]].state = 1;
			trim(&t);
			cr_free(ord);
			if (!(ord = order(&t, &n, tr->visual, tr->cum)))
				goto out;
		}
	}
	g->dropped_edges = cut_edges(&t, edge_cutoff);
	if (finish(g, &t, ord, n, node_cutoff))
		goto out;
	rc = CR_OK;
out:
	cr_free(ord);
	cr_free(tagcount);
	cr_free(t.n);
	cr_ptags_free(t.tags);
	return rc;
}
