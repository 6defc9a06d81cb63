/* The object graph: a breadth-first mark from the roots (node order is the
 * order found, so the BFS parent is a shortest retainer path), edges in
 * one compact array, then the dominator tree (Semi-NCA over depth-first
 * preorder numbers, iterative, the forward edges freed once turned into
 * predecessors) and the retained size of every node. */
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
	void *s = cr_realloc(G->slot, cap * sizeof *G->slot);
	if (s)
		G->slot = s;
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
	G->slot[v] = (uint32_t)slot;
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
		G->slot[v] = NO_SLOT;
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
	size_t hint = 0;
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		G->estart[v] = (uint32_t)G->nedges;
		const struct hspan *s = heap_node_span(P, (uint32_t)v, &hint);
		uint64_t base = s->base + (G->slot[v] - s->slot0) * s->elemsize;
		struct heap_scan S = { h, (uint32_t)v, CR_OK, e };
		if (!heap_object_words(h, s, base, G->type[v], on_word, &S))
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

/* Every step works over depth-first preorder numbers, in arrays of 32 bits
 * a node allocated when the step starts and freed when it ends; with the
 * node's slot, type and BFS parent, no step holds more than 8 words a node
 * (an edge counted as a word). */

#define NONE UINT32_MAX

static enum cr_err dom_nomem(struct cr_error *e, size_t n)
{
	return cr_fail(e, CR_NOMEM, "out of memory for the dominator tree of %zu objects (--max-memory)", n);
}

/* Depth-first search from node 0, iterative, each node's edges in order:
 * pre[node], its preorder number (NONE: not reached). */
static enum cr_err dfs_preorder(const struct hgraph *G, uint32_t *pre, uint32_t *count, struct cr_error *e)
{
	struct frame { uint32_t v, k; } *stk = NULL;
	size_t sp = 0, cap = 0;
	for (size_t i = 0; i < G->n; i++)
		pre[i] = NONE;
	if (cr_grow(&stk, &cap, 64, sizeof *stk))
		return dom_nomem(e, G->n);
	uint32_t cnt = 1;
	pre[0] = 0;
	stk[sp++] = (struct frame){ 0, G->estart[0] };
	while (sp) {
		struct frame *f = &stk[sp - 1];
		if (f->k >= G->estart[f->v + 1]) {
			sp--;
			continue;
		}
		uint32_t w = G->edges[f->k++];
		if (pre[w] != NONE)
			continue;
		pre[w] = cnt++;
		if (cr_grow(&stk, &cap, sp + 1, sizeof *stk)) {
			cr_free(stk);
			return dom_nomem(e, G->n);
		}
		stk[sp++] = (struct frame){ w, G->estart[w] };
	}
	cr_free(stk);
	*count = cnt;
	return CR_OK;
}

/* The predecessors of every node, in preorder numbers: those of w are
 * (*preds)[pstart[w] .. pstart[w+1]). The forward edges are freed as soon
 * as they are read, before the semidominators' arrays exist. (Turning
 * them in place follows the cycles of a permutation, one cache miss after
 * another: 10 times slower.) */
static enum cr_err transpose(struct hgraph *G, const uint32_t *pre, uint32_t cnt, uint32_t **pstart_out,
			     uint32_t **preds_out, struct cr_error *e)
{
	size_t E = G->nedges;
	if (cnt != G->n) /* every node is made from a reachable one */
		return cr_fail(e, CR_FORMAT, "heap graph: %zu of %zu objects unreachable from the roots",
			       G->n - cnt, G->n);
	uint32_t *pstart = cr_calloc((size_t)cnt + 1, sizeof *pstart);
	uint32_t *preds = pstart ? cr_malloc((E ? E : 1) * sizeof *preds) : NULL;
	if (!preds) {
		cr_free(pstart);
		return dom_nomem(e, G->n);
	}
	const uint32_t *es = G->estart, *ed = G->edges;
	for (size_t k = 0; k < E; k++)
		pstart[pre[ed[k]] + 1]++;
	for (uint32_t i = 0; i < cnt; i++)
		pstart[i + 1] += pstart[i];
	/* pstart[w] is the next free place of w's predecessors meanwhile */
	for (size_t v = 0; v < G->n; v++)
		for (uint32_t k = es[v]; k < es[v + 1]; k++)
			preds[pstart[pre[ed[k]]]++] = pre[v];
	for (uint32_t i = cnt; i > 0; i--)
		pstart[i] = pstart[i - 1];
	pstart[0] = 0;
	cr_free(G->estart);
	cr_free(G->edges);
	G->estart = G->edges = NULL;
	G->nedges = G->capedges = 0;
	*pstart_out = pstart;
	*preds_out = preds;
	return CR_OK;
}

/* The least semidominator (ls: the semidominator of the best label, kept
 * as the value itself) on v's path up the forest of linked nodes (those
 * numbered last or higher), compressing the path: the links walked are
 * reversed on the way up and pointed at the top on the way down, so no
 * stack is needed. */
static uint32_t eval(uint32_t v, uint32_t last, uint32_t *anc, uint32_t *ls)
{
	if (anc[v] < last)
		return ls[v];
	uint32_t prev = NONE, x = v;
	do {
		uint32_t up = anc[x];
		anc[x] = prev;
		prev = x;
		x = up;
	} while (anc[x] >= last);
	uint32_t top = anc[x], pls = ls[x];
	while (prev != NONE) {
		uint32_t y = prev;
		prev = anc[y];
		anc[y] = top;
		if (pls < ls[y])
			ls[y] = pls;
		else
			pls = ls[y];
	}
	return ls[v];
}

/* Semi-NCA over preorder numbers 0..cnt-1, the search tree's parents in
 * anc (every w > 0 has its parent among its predecessors: the greatest
 * one below w). Semidominators in reverse preorder; each w's predecessors
 * are not read again, so its first two places keep its parent and (with
 * two or more) its semidominator, which is its parent otherwise. Then
 * each immediate dominator, into anc: the nearest node of its parent's
 * dominator chain not below its semidominator. */
static enum cr_err semi_nca(uint32_t cnt, uint32_t *anc, const uint32_t *pstart, uint32_t *preds,
			    struct cr_error *e)
{
	uint32_t *ls = cr_malloc((size_t)cnt * sizeof *ls);
	if (!ls)
		return dom_nomem(e, cnt);
	anc[0] = 0;
	for (uint32_t w = 0; w < cnt; w++) {
		ls[w] = w;
		for (uint32_t k = pstart[w]; k < pstart[w + 1]; k++)
			if (preds[k] < w && (anc[w] == NONE || preds[k] > anc[w]))
				anc[w] = preds[k];
		if (w && anc[w] >= w) {
			cr_free(ls);
			return cr_fail(e, CR_FORMAT, "heap graph: object %u has no predecessor in the search", w);
		}
	}
	for (uint32_t w = cnt - 1; w >= 1; w--) {
		uint32_t p = anc[w], s = p;
		for (uint32_t k = pstart[w]; k < pstart[w + 1]; k++) {
			uint32_t u = eval(preds[k], w + 1, anc, ls);
			if (u < s)
				s = u;
		}
		ls[w] = s;
		preds[pstart[w]] = p;
		if (pstart[w + 1] - pstart[w] >= 2)
			preds[pstart[w] + 1] = s;
	}
	cr_free(ls);
	uint32_t *idom = anc;
	idom[0] = 0;
	for (uint32_t w = 1; w < cnt; w++) {
		uint32_t d = preds[pstart[w]];
		uint32_t s = pstart[w + 1] - pstart[w] >= 2 ? preds[pstart[w] + 1] : d;
		while (d > s)
			d = idom[d];
		idom[w] = d;
	}
	return CR_OK;
}

/* Retained bytes and objects of every node (its own and its dominator
 * subtree's), summed up the tree in reverse preorder, kept for the roots;
 * best: the child retaining the most bytes (ties: the last in preorder).
 * The objects are summed in a second pass, in the bytes' array. Then
 * idom and best by node. */
static enum cr_err retained(struct cr_heap *h, uint32_t cnt, const uint32_t *vert, const uint32_t *idom,
			    struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	uint64_t *rb = cr_calloc(cnt, sizeof *rb);
	uint32_t *best = rb ? cr_malloc((size_t)cnt * sizeof *best) : NULL;
	G->rbytes = cr_calloc(P->nroots + 1, sizeof *G->rbytes);
	G->robjs = cr_calloc(P->nroots + 1, sizeof *G->robjs);
	enum cr_err rc = CR_OK;
	if (!best || !G->rbytes || !G->robjs) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for retained sizes (--max-memory)");
		goto out;
	}
	size_t hint = 0;
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t v = vert[i];
		best[i] = NONE;
		if (G->slot[v] != NO_SLOT)
			rb[i] = heap_object_size(heap_node_span(P, v, &hint));
	}
	for (uint32_t i = cnt - 1; i >= 1; i--) {
		uint32_t d = idom[i];
		rb[d] += rb[i];
		if (best[d] == NONE || rb[i] > rb[best[d]])
			best[d] = i;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t v = vert[i];
		if (v <= P->nroots)
			G->rbytes[v] = rb[i];
		rb[i] = G->slot[v] != NO_SLOT;
	}
	for (uint32_t i = cnt - 1; i >= 1; i--)
		rb[idom[i]] += rb[i];
	for (uint32_t i = 0; i < cnt; i++)
		if (vert[i] <= P->nroots)
			G->robjs[vert[i]] = (uint32_t)rb[i];
	cr_free(rb);
	rb = NULL;
	G->best = cr_malloc(G->n * sizeof *G->best);
	G->idom = cr_calloc(G->n, sizeof *G->idom);
	if (!G->best || !G->idom) {
		rc = dom_nomem(e, G->n);
		goto out;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t v = vert[i];
		G->best[v] = best[i] == NONE ? NO_NODE : vert[best[i]];
		if (i)
			G->idom[v] = vert[idom[i]];
	}
out:
	cr_free(rb);
	cr_free(best);
	return rc;
}

enum cr_err heap_dominators(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	size_t n = G->n;
	enum cr_err rc = CR_OK;
	uint32_t cnt = 0, *pstart = NULL, *preds = NULL, *vert = NULL, *anc = NULL;
	uint32_t *pre = cr_malloc(n * sizeof *pre);       /* node -> preorder */
	if (!pre) {
		rc = dom_nomem(e, n);
		goto out;
	}
	if ((rc = dfs_preorder(G, pre, &cnt, e)) || (rc = transpose(G, pre, cnt, &pstart, &preds, e)))
		goto out;
	vert = cr_malloc(n * sizeof *vert);               /* preorder -> node */
	if (!vert) {
		rc = dom_nomem(e, n);
		goto out;
	}
	for (size_t v = 0; v < n; v++)
		vert[pre[v]] = (uint32_t)v;
	cr_free(pre);
	pre = NULL;
	anc = cr_malloc(n * sizeof *anc);
	if (!anc) {
		rc = dom_nomem(e, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		anc[i] = NONE;
	if ((rc = semi_nca(cnt, anc, pstart, preds, e)))
		goto out;
	cr_free(pstart);
	cr_free(preds);
	pstart = preds = NULL;
	rc = retained(h, cnt, vert, anc, e);
out:
	cr_free(pre);
	cr_free(vert);
	cr_free(anc);
	cr_free(pstart);
	cr_free(preds);
	return rc;
}
