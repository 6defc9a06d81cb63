/* The object graph: a breadth-first mark from the roots (node order is the
 * order found, so the BFS parent is a shortest retainer path), edges in
 * one compact array, then the dominator tree (Lengauer-Tarjan, the simple
 * version with path compression, over preorder numbers) and the retained
 * size of every node. */
#include "heap_int.h"

#include <stdlib.h>
#include <string.h>

static enum cr_err grow_nodes(struct hgraph *G, size_t need, struct cr_error *e)
{
	if (need <= G->cap)
		return CR_OK;
	size_t cap = G->cap ? G->cap : 1024;
	while (cap < need)
		cap *= 2;
	if (!G->cap && need > 1024)
		cap = need; /* the first call sizes it exactly */
	void *a = cr_realloc(G->addr, cap * sizeof *G->addr);
	if (a)
		G->addr = a;
	void *s = a ? cr_realloc(G->span, cap * sizeof *G->span) : NULL;
	if (s)
		G->span = s;
	void *t = s ? cr_realloc(G->type, cap * sizeof *G->type) : NULL;
	if (t)
		G->type = t;
	void *p = t ? cr_realloc(G->parent, cap * sizeof *G->parent) : NULL;
	if (p)
		G->parent = p;
	void *x = p ? cr_realloc(G->estart, (cap + 1) * sizeof *G->estart) : NULL;
	if (x)
		G->estart = x;
	if (!x)
		return cr_fail(e, CR_NOMEM, "out of memory for %zu heap objects (--max-memory)", need);
	G->cap = cap;
	return CR_OK;
}

static enum cr_err add_edge(struct hgraph *G, uint32_t to, struct cr_error *e)
{
	if (G->nedges >= UINT32_MAX - 1)
		return cr_fail(e, CR_LIMIT, "over 4 billion references in the heap");
	if (cr_grow(&G->edges, &G->capedges, G->nedges + 1, sizeof *G->edges))
		return cr_fail(e, CR_NOMEM, "out of memory for %zu references (--max-memory)", G->nedges + 1);
	G->edges[G->nedges++] = to;
	return CR_OK;
}

/* The node of the object containing addr, created (parent from) if new;
 * NO_NODE if addr is not in an allocated object. */
static enum cr_err node_for(struct cr_heap *h, uint64_t addr, uint32_t from, uint32_t *out, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	uint64_t slot, base;
	uint32_t span;
	*out = NO_NODE;
	if (addr < P->heaplo || addr >= P->heaphi || !heap_object_of(P, addr, &slot, &base, &span))
		return CR_OK;
	if (P->slotnode[slot]) {
		*out = P->slotnode[slot];
		return CR_OK;
	}
	if (G->n >= UINT32_MAX - 1)
		return cr_fail(e, CR_LIMIT, "over 4 billion reachable objects");
	enum cr_err rc = grow_nodes(G, G->n + 1, e);
	if (rc)
		return rc;
	uint32_t v = (uint32_t)G->n++;
	G->addr[v] = base;
	G->span[v] = span;
	G->type[v] = heap_object_type(h, &P->spans[span], base);
	G->parent[v] = from;
	P->slotnode[slot] = v;
	*out = v;
	return CR_OK;
}

static int rref_cmp(const void *a, const void *b)
{
	const struct rref *x = a, *y = b;
	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return x->target < y->target ? -1 : x->target > y->target;
}

static void on_word(void *arg, uint64_t val)
{
	struct heap_scan *S = arg;
	struct hpriv *P = S->h->priv;
	if (S->rc || val < P->heaplo || val >= P->heaphi)
		return;
	uint32_t w;
	S->rc = node_for(S->h, val, S->from, &w, S->e);
	if (!S->rc && w != NO_NODE && w != S->from)
		S->rc = add_edge(&P->G, w, S->e);
}

enum cr_err heap_mark(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	P->slotnode = cr_calloc(P->nslots ? (size_t)P->nslots : 1, sizeof *P->slotnode);
	if (!P->slotnode)
		return cr_fail(e, CR_NOMEM, "out of memory for %llu object slots (--max-memory)",
			       (unsigned long long)P->nslots);
	/* room for every allocated object at once: no doubling past it */
	uint64_t nalloc = 0;
	for (size_t i = 0; i < P->nspans; i++) {
		const struct hspan *s = &P->spans[i];
		size_t nb = s->abits ? (s->nelems + 7) / 8 : 0;
		for (uint64_t k = 0; k < s->nelems; k++)
			nalloc += cr_heap_slot_allocated(s->abits, nb, s->freeindex, k);
	}
	enum cr_err rc = grow_nodes(G, 1 + P->nroots + (size_t)nalloc, e);
	if (rc)
		return rc;
	G->n = 1 + P->nroots;
	for (size_t v = 0; v < G->n; v++) {
		G->addr[v] = 0;
		G->span[v] = UINT32_MAX;
		G->type[v] = 0;
		G->parent[v] = 0;
	}
	/* the super-root's edges: every root */
	G->estart[0] = 0;
	for (size_t r = 0; r < P->nroots; r++)
		if ((rc = add_edge(G, (uint32_t)(r + 1), e)))
			return rc;
	if (P->nrrefs)
		qsort(P->rrefs, P->nrrefs, sizeof *P->rrefs, rref_cmp);
	size_t k = 0;
	for (size_t r = 0; r < P->nroots; r++) {
		uint32_t v = (uint32_t)(r + 1);
		G->estart[v] = (uint32_t)G->nedges;
		uint32_t last = NO_NODE;
		for (; k < P->nrrefs && P->rrefs[k].root == r; k++) {
			uint32_t w;
			if ((rc = node_for(h, P->rrefs[k].target, v, &w, e)))
				return rc;
			if (w != NO_NODE && w != last && (rc = add_edge(G, w, e)))
				return rc;
			last = w;
		}
	}
	cr_free(P->rrefs);
	P->rrefs = NULL;
	P->nrrefs = P->caprrefs = 0;
	/* objects, in the order found; the core's pages read are given back
	 * every 64 MiB of objects scanned (a mapped core: resident memory
	 * stays flat; they fault in again if read later) */
	uint64_t scanned = 0;
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		G->estart[v] = (uint32_t)G->nedges;
		const struct hspan *s = &P->spans[G->span[v]];
		struct heap_scan S = { h, (uint32_t)v, CR_OK, e };
		if (!heap_object_words(h, s, G->addr[v], G->type[v], on_word, &S))
			h->conservative_objects++;
		if (S.rc)
			return S.rc;
		if ((scanned += heap_object_size(s)) >= (64u << 20)) {
			cr_core_trim(P->core);
			scanned = 0;
		}
	}
	G->estart[G->n] = (uint32_t)G->nedges;
	cr_core_trim(P->core);
	/* the edges array grew by doubling: give back the rest */
	if (G->capedges > G->nedges + 1) {
		uint32_t *x = cr_realloc(G->edges, (G->nedges + 1) * sizeof *G->edges);
		if (x) {
			G->edges = x;
			G->capedges = G->nedges + 1;
		}
	}
	return CR_OK;
}

/* ---------------------------------------------------------------- dominators */

/* eval with path compression over preorder numbers (ancestor, label, semi). */
static uint32_t eval(uint32_t v, uint32_t *anc, uint32_t *label, const uint32_t *semi, uint32_t *stk)
{
	if (anc[v] == UINT32_MAX)
		return v;
	/* compress: collect the path up to the forest root's child */
	size_t n = 0;
	uint32_t x = v;
	while (anc[anc[x]] != UINT32_MAX) {
		stk[n++] = x;
		x = anc[x];
	}
	/* x's ancestor is a root: x is compressed; walk back down */
	while (n) {
		uint32_t y = stk[--n];
		uint32_t a = anc[y];
		if (semi[label[a]] < semi[label[y]])
			label[y] = label[a];
		anc[y] = anc[a];
	}
	return label[v];
}

enum cr_err heap_dominators(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	size_t n = G->n;
	enum cr_err rc = CR_OK;
	/* arrays over preorder numbers, each freed as soon as it is done with
	 * (the peak is the Lengauer-Tarjan loop: 10 words a node, 1 an edge) */
	uint32_t *pre = cr_malloc(n * sizeof *pre);       /* node -> preorder */
	uint32_t *vert = cr_malloc(n * sizeof *vert);     /* preorder -> node */
	uint32_t *par = cr_malloc(n * sizeof *par);       /* preorder -> parent preorder */
	uint32_t *stk = cr_malloc(n * sizeof *stk), *stke = cr_malloc(n * sizeof *stke);
	uint32_t *semi = NULL, *anc = NULL, *label = NULL, *dom = NULL, *bhead = NULL, *bnext = NULL;
	uint32_t *pstart = NULL, *preds = NULL;
	if (!pre || !vert || !par || !stk || !stke) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for the dominator tree of %zu objects (--max-memory)", n);
		goto out;
	}
	/* iterative DFS from 0: preorder */
	for (size_t i = 0; i < n; i++)
		pre[i] = UINT32_MAX;
	uint32_t cnt = 0;
	size_t sp = 0;
	stk[sp] = 0;
	stke[sp++] = G->estart[0];
	pre[0] = cnt;
	vert[cnt] = 0;
	par[cnt++] = UINT32_MAX;
	while (sp) {
		uint32_t v = stk[sp - 1];
		if (stke[sp - 1] >= G->estart[v + 1]) {
			sp--;
			continue;
		}
		uint32_t w = G->edges[stke[sp - 1]++];
		if (pre[w] != UINT32_MAX)
			continue;
		pre[w] = cnt;
		vert[cnt] = w;
		par[cnt++] = pre[v];
		stk[sp] = w;
		stke[sp++] = G->estart[w];
	}
	cr_free(stke);
	stke = NULL;
	semi = cr_malloc(n * sizeof *semi);
	anc = cr_malloc(n * sizeof *anc);
	label = cr_malloc(n * sizeof *label);
	/* dom shares par's array: dom[w] is written (bucket flush) only after
	 * w was processed, that is after par[w] was read */
	dom = par;
	bhead = cr_malloc(n * sizeof *bhead);
	bnext = cr_malloc(n * sizeof *bnext);
	pstart = cr_calloc(n + 1, sizeof *pstart);
	preds = cr_malloc((G->nedges ? G->nedges : 1) * sizeof *preds);
	if (!semi || !anc || !label || !dom || !bhead || !bnext || !pstart || !preds) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for the dominator tree of %zu objects (--max-memory)", n);
		goto out;
	}
	/* predecessors, in preorder numbers */
	for (size_t i = 0; i < G->nedges; i++)
		pstart[pre[G->edges[i]] + 1]++;
	for (size_t i = 0; i < n; i++)
		pstart[i + 1] += pstart[i];
	for (size_t v = 0; v < n; v++)
		for (uint32_t k = G->estart[v]; k < G->estart[v + 1]; k++) {
			uint32_t w = pre[G->edges[k]];
			preds[pstart[w]++] = pre[v];
		}
	for (size_t i = n; i > 0; i--)
		pstart[i] = pstart[i - 1];
	pstart[0] = 0;
	for (uint32_t i = 0; i < cnt; i++) {
		semi[i] = i;
		anc[i] = UINT32_MAX;
		label[i] = i;
		bhead[i] = UINT32_MAX;
	}
	for (uint32_t w = cnt - 1; w >= 1; w--) {
		for (uint32_t k = pstart[w]; k < pstart[w + 1]; k++) {
			uint32_t u = eval(preds[k], anc, label, semi, stk);
			if (semi[u] < semi[w])
				semi[w] = semi[u];
		}
		bnext[w] = bhead[semi[w]];
		bhead[semi[w]] = w;
		uint32_t p = par[w];
		anc[w] = p;
		for (uint32_t v = bhead[p]; v != UINT32_MAX; v = bnext[v]) {
			uint32_t u = eval(v, anc, label, semi, stk);
			dom[v] = semi[u] < semi[v] ? u : p;
		}
		bhead[p] = UINT32_MAX;
	}
	dom[0] = 0;
	for (uint32_t w = 1; w < cnt; w++)
		if (dom[w] != semi[w])
			dom[w] = dom[dom[w]];
	/* back to node ids */
	G->idom = cr_malloc(n * sizeof *G->idom);
	if (!G->idom) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for the dominator tree of %zu objects (--max-memory)", n);
		goto out;
	}
	for (size_t v = 0; v < n; v++)
		G->idom[v] = pre[v] == UINT32_MAX || pre[v] == 0 ? 0 : vert[dom[pre[v]]];
	cr_free(semi); cr_free(anc); cr_free(label); cr_free(bhead); cr_free(bnext);
	cr_free(stk); cr_free(pstart); cr_free(preds); cr_free(par);
	semi = anc = label = dom = bhead = bnext = stk = pstart = preds = par = NULL;
	/* nothing reads the edges from here on */
	cr_free(G->edges);
	cr_free(G->estart);
	G->edges = G->estart = NULL;
	G->nedges = G->capedges = 0;
	/* retained sizes in reverse preorder */
	G->rbytes = cr_calloc(n, sizeof *G->rbytes);
	G->robjs = cr_calloc(n, sizeof *G->robjs);
	G->best = cr_malloc(n * sizeof *G->best);
	if (!G->rbytes || !G->robjs || !G->best) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for retained sizes (--max-memory)");
		goto out;
	}
	for (size_t v = 0; v < n; v++) {
		G->best[v] = NO_NODE;
		if (G->span[v] != UINT32_MAX && pre[v] != UINT32_MAX) {
			G->rbytes[v] = heap_object_size(&P->spans[G->span[v]]);
			G->robjs[v] = 1;
		}
	}
	for (uint32_t i = cnt - 1; i >= 1; i--) {
		uint32_t v = vert[i], d = G->idom[v];
		G->rbytes[d] += G->rbytes[v];
		G->robjs[d] += G->robjs[v];
		if (G->best[d] == NO_NODE || G->rbytes[v] > G->rbytes[G->best[d]])
			G->best[d] = v;
	}
out:
	cr_free(pre);
	cr_free(vert);
	cr_free(par);
	cr_free(semi);
	cr_free(anc);
	cr_free(label); /* dom is par's array */
	cr_free(bhead);
	cr_free(bnext);
	cr_free(stk);
	cr_free(stke);
	cr_free(pstart);
	cr_free(preds);
	return rc;
}
