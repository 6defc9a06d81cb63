/* The object graph: a breadth-first mark from the roots (node order is the
 * order found, so the first node with an edge to an object is its BFS
 * parent, a shortest retainer path), edges in one compact array. A node
 * keeps only its slot and its edges here: its type is read again when it is
 * scanned, and kept once the dominators are done (dom.c, infer.c). */
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
	void *s = heap_realloc(G->slot, cap * sizeof *G->slot);
	if (s)
		G->slot = s;
	void *x = s ? heap_realloc(G->estart, (cap + 1) * sizeof *G->estart) : NULL;
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

/* The node of the object containing addr, created if new; NO_NODE if addr
 * is not in an allocated object. */
static enum cr_err node_for(struct cr_heap *h, uint64_t addr, uint32_t *out, struct cr_error *e)
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
	S->rc = node_for(S->h, val, &w, S->e);
	if (!S->rc && w != NO_NODE && w != S->from)
		S->rc = add_edge(&P->G, w, S->e);
}

enum cr_err heap_mark(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	P->slotnode = heap_calloc(P->nslots ? (size_t)P->nslots : 1, sizeof *P->slotnode);
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
	for (size_t v = 0; v < G->n; v++)
		G->slot[v] = NO_SLOT;
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
			if ((rc = node_for(h, P->rrefs[k].target, &w, e)))
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
	 * every 8 MiB of objects scanned (a mapped core: resident memory
	 * stays flat; they fault in again if read later) */
	uint64_t scanned = 0;
	size_t hint = 0;
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		G->estart[v] = (uint32_t)G->nedges;
		const struct hspan *s = heap_node_span(P, (uint32_t)v, &hint);
		uint64_t base = s->base + (G->slot[v] - s->slot0) * s->elemsize;
		struct heap_scan S = { h, (uint32_t)v, CR_OK, e };
		if (!heap_object_words(h, s, base, heap_object_type(h, s, base, true), on_word, &S))
			h->conservative_objects++;
		if (S.rc)
			return S.rc;
		if ((scanned += heap_object_size(s)) >= (8u << 20)) {
			cr_core_trim(P->core);
			scanned = 0;
		}
	}
	G->estart[G->n] = (uint32_t)G->nedges;
	cr_core_trim(P->core);
	/* the edges array grew by doubling: give back the rest */
	if (G->capedges > G->nedges + 1) {
		uint32_t *x = heap_realloc(G->edges, (G->nedges + 1) * sizeof *G->edges);
		if (x) {
			G->edges = x;
			G->capedges = G->nedges + 1;
		}
	}
	return CR_OK;
}
