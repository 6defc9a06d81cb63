/* The dominator tree of the object graph (Semi-NCA over depth-first
 * preorder numbers, iterative), the retained size of every node, and each
 * node's BFS parent, all from the mark's edges, which are freed once
 * turned into predecessors.
 *
 * Every step works over preorder numbers, in arrays of 32 bits a node
 * allocated when the step starts and freed when it ends: with the node's
 * slot, no step holds more than 5 words a node (an edge counted as a word;
 * 6 when the reachable heap is 4 GiB or more). Most objects have a single
 * predecessor: it is kept in place of a list, only the nodes with several
 * have one. An object's BFS parent is its predecessor that the mark found
 * first, the least in node order; it is its immediate dominator unless the
 * object has several predecessors, so only those others are kept. The tree
 * stays by preorder number (G->ipre, bpre, vert); the immediate dominator
 * of each node is made only for the paths and the profile (heap_idom). */
#include "heap_int.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static enum cr_err dom_nomem(struct cr_error *e, size_t n)
{
	return cr_fail(e, CR_NOMEM, "out of memory for the dominator tree of %zu objects (--max-memory)", n);
}

/* The predecessors of every node, by preorder number w: its only one
 * (one[w], a preorder number; NONE for node 0), or, when the bit w of
 * multi is set, list one[w] of several: list[start[k] .. start[k+1]). */
struct preds {
	uint32_t *one;
	uint64_t *multi;
	uint32_t *start, *list;
	uint32_t *ps;             /* of each list: its node's search parent and semidominator */
	uint32_t nmulti;
	/* while the search runs: the predecessors after the first, as
	 * (node, predecessor) preorder pairs */
	struct extra { uint32_t w, p; } *extra;
	size_t nextra, capextra;
};

static inline bool is_multi(const struct preds *R, uint32_t w)
{
	return (R->multi[w / 64] >> (w % 64)) & 1;
}

static void preds_release(struct preds *R)
{
	cr_free(R->one);
	cr_free(R->multi);
	cr_free(R->start);
	cr_free(R->list);
	cr_free(R->ps);
	cr_free(R->extra);
	memset(R, 0, sizeof *R);
}

/* Predecessor pw of node w (preorder numbers), met on an edge of the
 * search: the first is one[w]; another (a repeat of the first does not
 * count) makes w a node of several, kept in extra. */
static inline enum cr_err pred_add(struct preds *R, uint32_t w, uint32_t pw)
{
	if (R->one[w] == pw)
		return CR_OK;
	R->multi[w / 64] |= 1ull << (w % 64);
	if (R->nextra >= R->capextra) {
		size_t cap = R->capextra ? 2 * R->capextra : 4096;
		struct extra *x = cap <= SIZE_MAX / sizeof *x ?
			heap_realloc(R->extra, R->capextra * sizeof *x, cap * sizeof *x) : NULL;
		if (!x)
			return CR_NOMEM;
		R->extra = x;
		R->capextra = cap;
	}
	R->extra[R->nextra++] = (struct extra){ w, pw };
	return CR_OK;
}

/* Depth-first search from node 0, iterative, each node's edges in order:
 * pre[node], its preorder number (NONE: not reached), and every node's
 * predecessors met on the way (R->one, R->multi, R->extra), each edge read
 * once. */
static enum cr_err dfs_preorder(const struct hgraph *G, uint32_t *pre, struct preds *R, uint32_t *count,
				struct cr_error *e)
{
	struct frame { uint32_t v, k; } *stk = NULL;
	size_t sp = 0, cap = 0;
	for (size_t i = 0; i < G->n; i++)
		pre[i] = NONE;
	if (cr_grow(&stk, &cap, 64, sizeof *stk))
		return dom_nomem(e, G->n);
	uint32_t cnt = 1;
	pre[0] = 0;
	R->one[0] = NONE;
	stk[sp++] = (struct frame){ 0, G->estart[0] };
	while (sp) {
		struct frame *f = &stk[sp - 1];
		if (f->k >= G->estart[f->v + 1]) {
			sp--;
			continue;
		}
		uint32_t w = G->edges[f->k++], pv = pre[f->v];
		if (pre[w] != NONE) {
			if (pred_add(R, pre[w], pv))
				goto nomem;
			continue;
		}
		R->one[cnt] = pv;
		pre[w] = cnt++;
		if (G->estart[w] == G->estart[w + 1]) /* no edges: nothing to push */
			continue;
		if (cr_grow(&stk, &cap, sp + 1, sizeof *stk))
			goto nomem;
		stk[sp++] = (struct frame){ w, G->estart[w] };
	}
	cr_free(stk);
	*count = cnt;
	return CR_OK;
nomem:
	cr_free(stk);
	return dom_nomem(e, G->n);
}

/* The lists of the nodes of several predecessors (the first and the
 * others the search kept), in place of their first in one[]. */
static enum cr_err pred_lists(struct preds *R, uint32_t cnt, struct cr_error *e)
{
	uint32_t m = 0;
	for (size_t k = 0; k < ((size_t)cnt + 63) / 64; k++)
		m += (uint32_t)__builtin_popcountll(R->multi[k]);
	R->nmulti = m;
	R->start = heap_calloc((size_t)m + 1, sizeof *R->start);
	size_t nl = (size_t)m + R->nextra;
	R->list = heap_malloc((nl ? nl : 1) * sizeof *R->list);
	if (!R->start || !R->list)
		return dom_nomem(e, cnt);
	/* list l starts with its node's first predecessor */
	uint32_t l = 0;
	for (uint32_t w = 0; w < cnt; w++)
		if (is_multi(R, w)) {
			R->list[R->nextra + l] = R->one[w];
			R->one[w] = l;
			R->start[++l] = 1;
		}
	for (size_t k = 0; k < R->nextra; k++)
		R->start[R->one[R->extra[k].w] + 1]++;
	for (uint32_t i = 0; i < m; i++)
		R->start[i + 1] += R->start[i];
	/* start[l] is the next free place of list l meanwhile; the first
	 * predecessors wait past the others' room */
	for (uint32_t i = 0; i < m; i++)
		R->list[R->start[i]++] = R->list[R->nextra + i];
	for (size_t k = 0; k < R->nextra; k++)
		R->list[R->start[R->one[R->extra[k].w]]++] = R->extra[k].p;
	for (uint32_t i = m; i > 0; i--)
		R->start[i] = R->start[i - 1];
	R->start[0] = 0;
	cr_free(R->extra);
	R->extra = NULL;
	R->nextra = R->capextra = 0;
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
 * one below w; a node's only predecessor is its parent and its
 * semidominator). Semidominators in reverse preorder, kept for the nodes
 * with several predecessors with their parents (ps). Then each immediate
 * dominator, into anc: the nearest node of its parent's dominator chain
 * not below its semidominator. ls: room for cnt labels. */
static enum cr_err semi_nca(uint32_t cnt, uint32_t *anc, uint32_t *ls, struct preds *R, struct cr_error *e)
{
	R->ps = heap_malloc(((size_t)R->nmulti ? R->nmulti : 1) * 2 * sizeof *R->ps);
	if (!R->ps)
		return dom_nomem(e, cnt);
	anc[0] = 0;
	for (uint32_t w = 0; w < cnt; w++) {
		ls[w] = w;
		if (!is_multi(R, w)) {
			if (w)
				anc[w] = R->one[w];
		} else {
			uint32_t l = R->one[w], a = NONE;
			for (uint32_t k = R->start[l]; k < R->start[l + 1]; k++)
				if (R->list[k] < w && (a == NONE || R->list[k] > a))
					a = R->list[k];
			anc[w] = a;
		}
		if (w && anc[w] >= w)
			return cr_fail(e, CR_FORMAT, "heap graph: object %u has no predecessor in the search", w);
	}
	for (uint32_t w = cnt - 1; w >= 1; w--) {
		if (!is_multi(R, w)) {
			ls[w] = anc[w];
			continue;
		}
		uint32_t l = R->one[w], p = anc[w], s = p;
		for (uint32_t k = R->start[l]; k < R->start[l + 1]; k++) {
			uint32_t u = eval(R->list[k], w + 1, anc, ls);
			if (u < s)
				s = u;
		}
		ls[w] = s;
		R->ps[2 * l] = p;
		R->ps[2 * l + 1] = s;
	}
	uint32_t *idom = anc;
	idom[0] = 0;
	for (uint32_t w = 1; w < cnt; w++) {
		if (!is_multi(R, w)) {
			idom[w] = R->one[w];
			continue;
		}
		uint32_t l = R->one[w], d = R->ps[2 * l], s = R->ps[2 * l + 1];
		while (d > s)
			d = idom[d];
		idom[w] = d;
	}
	return CR_OK;
}

/* Retained sums in 32 bits while the whole reachable heap fits. */
struct sums { uint32_t *s32; uint64_t *s64; };
static inline uint64_t sum_get(const struct sums *S, uint32_t i)
{
	return S->s32 ? S->s32[i] : S->s64[i];
}
static inline void sum_set(struct sums *S, uint32_t i, uint64_t x)
{
	if (S->s32)
		S->s32[i] = (uint32_t)x;
	else
		S->s64[i] = x;
}
static inline void sum_add(struct sums *S, uint32_t i, uint64_t x)
{
	if (S->s32)
		S->s32[i] += (uint32_t)x;
	else
		S->s64[i] += x;
}

/* Retained bytes and objects of every node (its own and its dominator
 * subtree's), summed up the tree in reverse preorder, kept for the roots;
 * best: the child retaining the most bytes (ties: the last in preorder).
 * The objects are summed in a second pass, in the bytes' array: *blk, a
 * block of cnt words, while the heap's bytes fit in 32 bits (the block is
 * given back in *blk). */
static enum cr_err retained(struct cr_heap *h, uint32_t cnt, const uint32_t *vert, const uint32_t *idom,
			    uint32_t *best, uint32_t **blk, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	struct spanhint hint = { 0, 0 };
	struct sums S = { NULL, NULL };
	if (G->bytes < UINT32_MAX) {
		S.s32 = *blk; /* cnt words */
	} else {
		cr_free(*blk);
		S.s64 = heap_malloc((size_t)cnt * sizeof *S.s64);
	}
	*blk = NULL;
	G->rbytes = heap_calloc(P->nroots + 1, sizeof *G->rbytes);
	G->robjs = heap_calloc(P->nroots + 1, sizeof *G->robjs);
	enum cr_err rc = CR_OK;
	if ((!S.s32 && !S.s64) || !G->rbytes || !G->robjs) {
		rc = cr_fail(e, CR_NOMEM, "out of memory for retained sizes (--max-memory)");
		goto out;
	}
	/* nodes 1..nroots are the roots, the rest objects */
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t v = vert[i];
		if (i + 16 < cnt) /* the slots are read out of order */
			__builtin_prefetch(&G->slot[vert[i + 16]]);
		best[i] = NONE;
		sum_set(&S, i, v > P->nroots ? heap_object_size(heap_node_span(P, v, &hint)) : 0);
	}
	for (uint32_t i = cnt - 1; i >= 1; i--) {
		uint32_t d = idom[i];
		uint64_t x = sum_get(&S, i);
		sum_add(&S, d, x);
		if (best[d] == NONE || x > sum_get(&S, best[d]))
			best[d] = i;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t v = vert[i];
		if (v <= P->nroots)
			G->rbytes[v] = sum_get(&S, i);
		sum_set(&S, i, v > P->nroots);
	}
	for (uint32_t i = cnt - 1; i >= 1; i--)
		sum_add(&S, idom[i], sum_get(&S, i));
	for (uint32_t i = 0; i < cnt; i++)
		if (vert[i] <= P->nroots)
			G->robjs[vert[i]] = (uint32_t)sum_get(&S, i);
out:
	*blk = S.s32; /* for the caller's next array */
	cr_free(S.s64);
	return rc;
}


/* The BFS parent of node w (a preorder number), a node number: its
 * predecessor the mark found first, the least in node order. */
static uint32_t bfs_parent(const struct preds *R, const uint32_t *vert, uint32_t w)
{
	if (!is_multi(R, w))
		return vert[R->one[w]];
	uint32_t l = R->one[w], least = NONE;
	for (uint32_t k = R->start[l]; k < R->start[l + 1]; k++)
		if (vert[R->list[k]] < least)
			least = vert[R->list[k]];
	return least;
}

/* The BFS parents that are not the immediate dominator (of nodes with
 * several predecessors only), into G->pbits, prank and pother. */
static enum cr_err parents(struct hgraph *G, const struct preds *R, const uint32_t *vert, const uint32_t *idom,
			   uint32_t cnt, struct cr_error *e)
{
	size_t words = ((size_t)cnt + 63) / 64;
	G->pbits = heap_calloc(words, sizeof *G->pbits);
	G->prank = heap_malloc(words * sizeof *G->prank);
	if (!G->pbits || !G->prank)
		return dom_nomem(e, cnt);
	uint32_t m = 0;
	for (uint32_t w = 1; w < cnt; w++)
		if (is_multi(R, w) && bfs_parent(R, vert, w) != vert[idom[w]]) {
			G->pbits[vert[w] / 64] |= 1ull << (vert[w] % 64);
			m++;
		}
	uint32_t below = 0;
	for (size_t k = 0; k < words; k++) {
		G->prank[k] = below;
		below += (uint32_t)__builtin_popcountll(G->pbits[k]);
	}
	G->pother = heap_malloc(((size_t)m ? m : 1) * sizeof *G->pother);
	if (!G->pother)
		return dom_nomem(e, cnt);
	for (uint32_t w = 1; w < cnt; w++) {
		uint32_t v = vert[w];
		if ((G->pbits[v / 64] >> (v % 64)) & 1) {
			uint64_t under = G->pbits[v / 64] & ((1ull << (v % 64)) - 1);
			G->pother[G->prank[v / 64] + (uint32_t)__builtin_popcountll(under)] = bfs_parent(R, vert, w);
		}
	}
	return CR_OK;
}

enum cr_err heap_dominators(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	size_t n = G->n;
	enum cr_err rc = CR_OK;
	uint32_t cnt = 0, *vert = NULL, *anc = NULL, *best = NULL, *blk = NULL;
	struct preds R = { 0 };
	/* each array of a word a node takes the block of one no longer
	 * needed, where there is one: fewer new pages to fault in and zero */
	uint32_t *pre = heap_words(P, n);                   /* node -> preorder */
	if (!pre) {
		rc = dom_nomem(e, n);
		goto out;
	}
	R.one = heap_malloc(n * sizeof *R.one);
	R.multi = heap_calloc((n + 63) / 64, sizeof *R.multi);
	if (!R.one || !R.multi) {
		rc = dom_nomem(e, n);
		goto out;
	}
	if ((rc = dfs_preorder(G, pre, &R, &cnt, e)))
		goto out;
	if (cnt != n) { /* every node is made from a reachable one */
		rc = cr_fail(e, CR_FORMAT, "heap graph: %zu of %zu objects unreachable from the roots", n - cnt, n);
		goto out;
	}
	if ((rc = pred_lists(&R, cnt, e)))
		goto out;
	/* the edges are read: their arrays are the next two */
	vert = heap_reuse(G->estart, G->cap + 1, n);         /* preorder -> node */
	size_t blkcap = G->capedges > n ? G->capedges : n;
	blk = heap_reuse(G->edges, G->capedges, n);
	G->estart = G->edges = NULL;
	G->nedges = G->capedges = 0;
	if (!vert || !blk) {
		rc = dom_nomem(e, n);
		goto out;
	}
	for (size_t v = 0; v < n; v++)
		vert[pre[v]] = (uint32_t)v;
	anc = pre;
	pre = NULL;
	for (size_t i = 0; i < n; i++)
		anc[i] = NONE;
	if ((rc = semi_nca(cnt, anc, blk, &R, e)))
		goto out;
	if ((rc = parents(G, &R, vert, anc, cnt, e)))
		goto out;
	best = R.one;
	R.one = NULL;
	preds_release(&R);
	if ((rc = retained(h, cnt, vert, anc, best, &blk, e)))
		goto out;
	G->rpre = cr_malloc(((size_t)P->nroots + 1) * sizeof *G->rpre);
	if (!G->rpre) {
		rc = dom_nomem(e, n);
		goto out;
	}
	for (size_t i = 0; i < cnt; i++)
		if (vert[i] <= P->nroots)
			G->rpre[vert[i]] = (uint32_t)i;
	G->ipre = anc;
	G->bpre = best;
	G->vert = vert;
	anc = best = vert = NULL;
	/* the sums, not needed now: the next step's block */
	heap_keep(P, blk, blkcap);
	blk = NULL;
out:
	cr_free(pre);
	cr_free(vert);
	cr_free(anc);
	cr_free(best);
	cr_free(blk);
	preds_release(&R);
	return rc;
}

enum cr_err heap_idom(struct cr_heap *h, struct cr_error *e)
{
	struct hgraph *G = &((struct hpriv *)h->priv)->G;
	if (G->idom || !G->n)
		return CR_OK;
	G->idom = heap_malloc(G->n * sizeof *G->idom);
	if (!G->idom)
		return dom_nomem(e, G->n);
	for (size_t i = 0; i < G->n; i++)
		G->idom[G->vert[i]] = G->vert[G->ipre[i]];
	return CR_OK;
}
