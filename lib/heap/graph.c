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
	void *s = heap_realloc(G->slot, G->cap * sizeof *G->slot, cap * sizeof *G->slot);
	if (s)
		G->slot = s;
	void *x = s ? heap_realloc(G->estart, (G->cap ? G->cap + 1 : 0) * sizeof *G->estart, (cap + 1) * sizeof *G->estart) : NULL;
	if (x)
		G->estart = x;
	if (!x)
		return cr_fail(e, CR_NOMEM, "out of memory for %zu heap objects (--max-memory)", need);
	G->cap = cap;
	return CR_OK;
}

/* Room for need edges at least, doubling (on huge pages: heap_realloc). */
static enum cr_err grow_edges(struct hgraph *G, size_t need, struct cr_error *e)
{
	if (need <= G->capedges)
		return CR_OK;
	size_t cap = G->capedges > need / 2 ? 2 * G->capedges : need;
	uint32_t *x = cap <= SIZE_MAX / sizeof *x ? heap_realloc(G->edges, G->capedges * sizeof *x, cap * sizeof *x) : NULL;
	if (!x)
		return cr_fail(e, CR_NOMEM, "out of memory for %zu references (--max-memory)", need);
	G->edges = x;
	G->capedges = cap;
	return CR_OK;
}

static enum cr_err add_edge(struct hgraph *G, uint32_t to, struct cr_error *e)
{
	if (G->nedges >= UINT32_MAX - 1)
		return cr_fail(e, CR_LIMIT, "over 4 billion references in the heap");
	enum cr_err rc = grow_edges(G, G->nedges + 1, e);
	if (rc)
		return rc;
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
	G->bytes += heap_object_size(&P->spans[span]);
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

/* The node of the allocated object at addr (a value known to be inside
 * [heaplo, heaphi)), made if new; NO_NODE if none. As node_for, inline
 * for the scan of small objects. */
static inline uint32_t node_fast(struct hpriv *P, uint64_t addr)
{
	const struct hspan *s;
	if (P->pagespan) {
		uint32_t i = P->pagespan[(addr - P->heaplo) / PAGE_SIZE_GO];
		if (!i)
			return NO_NODE;
		s = &P->spans[i - 1];
	} else if (!(s = heap_span_of(P, addr))) {
		return NO_NODE;
	}
	uint64_t i = heap_span_index(s, addr - s->base);
	if (i >= s->nelems || (i >= s->freeindex && !(s->abits && (s->abits[i / 8] >> (i % 8)) & 1)))
		return NO_NODE;
	uint64_t slot = s->slot0 + i;
	uint32_t v = P->slotnode[slot];
	if (v)
		return v;
	struct hgraph *G = &P->G;
	v = (uint32_t)G->n++; /* room made for every allocated object */
	G->slot[v] = (uint32_t)slot;
	G->bytes += heap_object_size(s);
	P->slotnode[slot] = v;
	return v;
}

/* nbits bits (at most 64) of the bitmap bits (nbytes long) from bit w0;
 * those past its end read as 0 */
static inline uint64_t bits_at(const uint8_t *bits, uint64_t nbytes, uint64_t w0, unsigned nbits)
{
	uint64_t x = 0, b = w0 / 8;
	unsigned sh = (unsigned)(w0 % 8);
	if (b + 8 <= nbytes) {
		x = hrd64(bits + b) >> sh;
		if (sh && b + 8 < nbytes)
			x |= (uint64_t)bits[b + 8] << (64 - sh);
	} else if (nbytes >= 8 && b < nbytes) {
		/* near the end: the last 8 bytes, shifted down to bit w0 */
		x = hrd64(bits + nbytes - 8) >> ((b - (nbytes - 8)) * 8 + sh);
	} else {
		for (unsigned k = 0; k < nbits; k++) {
			uint64_t w = w0 + k;
			if (w / 8 < nbytes)
				x |= (uint64_t)((bits[w / 8] >> (w % 8)) & 1) << k;
		}
	}
	return nbits >= 64 ? x : x & ((1ull << nbits) - 1);
}

/* Copies of the spans of small objects the mark reads, direct-mapped by
 * span index: read with cr_core_copy, so that the core's mapping is not
 * faulted in page by page (on a heap of a gigabyte, the page faults cost
 * several times the copies). */
#define NCOPY 256
#define COPY_MAX (64u << 10)
struct spancopy { uint32_t span; uint8_t *buf; size_t cap; };

/* The copy of span s, read if not held (each copy in C is tagged with its
 * span's index+1); NULL if the span is too large or not all in the core. */
static const uint8_t *span_copy(struct hpriv *P, struct spancopy *C, const struct hspan *s)
{
	uint64_t bytes = s->npages * PAGE_SIZE_GO;
	uint32_t i = (uint32_t)(s - P->spans) + 1;
	struct spancopy *c = &C[i % NCOPY];
	if (c->span == i)
		return c->buf;
	if (bytes > COPY_MAX)
		return NULL;
	c->span = 0;
	if (c->cap < bytes) {
		uint8_t *b = cr_realloc(c->buf, (size_t)bytes);
		if (!b)
			return NULL;
		c->buf = b;
		c->cap = (size_t)bytes;
	}
	if (cr_core_copy(P->core, s->base, c->buf, (size_t)bytes) != bytes)
		return NULL;
	c->span = i;
	return c->buf;
}

/* The span's bytes and its inline pointer bits (go1.22+, objects of 512
 * bytes or less), looked up once a span: both copied (copy) or in the
 * core, or NULL. */
struct spanmem { const struct hspan *s; const uint8_t *mem, *bits; uint64_t nbytes, at; bool copy; };

static void span_mem(struct hpriv *P, struct spancopy *C, const struct hspan *s, struct spanmem *M)
{
	uint64_t spanbytes = s->npages * PAGE_SIZE_GO;
	M->s = s;
	M->nbytes = spanbytes / 8 / 8;
	M->at = s->base + spanbytes - M->nbytes - (P->greentea && s->elemsize >= 16 ? 128 : 0);
	const uint8_t *copy = span_copy(P, C, s);
	M->copy = copy != NULL;
	if (copy) {
		M->bits = copy + (M->at - s->base);
		M->mem = copy;
		return;
	}
	M->bits = heap_mem(P, M->at, (size_t)M->nbytes);
	M->mem = M->bits ? heap_mem(P, s->base, (size_t)s->nelems * s->elemsize) : NULL;
}

/* The words of node v (an object) and, for a small object, its span's
 * inline bits, asked into the cache PREFETCH nodes before they are read,
 * where its span is copied already. */
#define PREFETCH 12
static inline void prefetch_node(const struct hpriv *P, const struct spancopy *C, uint32_t v, struct spanhint *hint)
{
	const struct hspan *s = heap_node_span(P, v, hint);
	if (s->noscan || s->sizeclass == 0 || s->elemsize > 512)
		return;
	uint32_t i = (uint32_t)(s - P->spans) + 1;
	const struct spancopy *c = &C[i % NCOPY];
	if (c->span != i)
		return;
	uint64_t off = (P->G.slot[v] - s->slot0) * s->elemsize, spanbytes = s->npages * PAGE_SIZE_GO;
	__builtin_prefetch(c->buf + off);
	__builtin_prefetch(c->buf + spanbytes - spanbytes / 64 - (P->greentea && s->elemsize >= 16 ? 128 : 0) + off / 64);
}

/* The references of a small object (go1.22+, 512 bytes or less) from its
 * span's inline bits: as heap_object_words and on_word, in one loop. */
static enum cr_err scan_small(struct hpriv *P, const struct spanmem *M, uint64_t base, uint32_t from,
			      struct cr_error *e)
{
	const struct hspan *s = M->s;
	struct hgraph *G = &P->G;
	if (P->ninputs < 100 && base == s->base)
		heap_input(P, "heapbits", M->at, (size_t)M->nbytes);
	const uint8_t *obj = M->mem + (base - s->base);
	uint64_t m = bits_at(M->bits, M->nbytes, (base - s->base) / 8, (unsigned)(s->elemsize / 8));
	uint64_t lo = P->heaplo, span = P->heaphi - P->heaplo;
	for (; m; m &= m - 1) {
		uint64_t val = hrd64(obj + 8 * (unsigned)__builtin_ctzll(m));
		if (val - lo >= span)
			continue;
		uint32_t w = node_fast(P, val);
		if (w == NO_NODE || w == from)
			continue;
		if (G->nedges >= G->capedges) {
			enum cr_err rc = add_edge(G, w, e);
			if (rc)
				return rc;
		} else {
			G->edges[G->nedges++] = w;
		}
	}
	return CR_OK;
}

/* The objects, in the order found: their references become edges and
 * new nodes. Small objects are read from copies of their spans; the
 * others from the core's mapping, whose pages are given back every 8 MiB
 * of objects read there (resident memory stays flat; they fault in again
 * if read later). */
static enum cr_err scan_objects(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	struct spancopy *C = cr_calloc(NCOPY, sizeof *C);
	if (!C)
		return cr_fail(e, CR_NOMEM, "out of memory");
	enum cr_err rc = CR_OK;
	uint64_t mapped = 0;
	struct spanhint hint = { 0, 0 }, ahead = { 0, 0 };
	struct spanmem M = { 0 };
	for (size_t v = 1 + P->nroots; v < G->n && !rc; v++) {
		G->estart[v] = (uint32_t)G->nedges;
		if (v + PREFETCH < G->n)
			prefetch_node(P, C, (uint32_t)(v + PREFETCH), &ahead);
		const struct hspan *s = heap_node_span(P, (uint32_t)v, &hint);
		uint64_t base = s->base + (G->slot[v] - s->slot0) * s->elemsize;
		if (s->noscan)
			continue;
		if (P->minor >= 22 && s->sizeclass != 0 && s->elemsize <= 512) {
			if (M.s != s)
				span_mem(P, C, s, &M);
			if (M.mem) {
				rc = scan_small(P, &M, base, (uint32_t)v, e);
				if (M.copy)
					continue;
				goto mapped;
			}
		}
		struct heap_scan S = { h, (uint32_t)v, CR_OK, e };
		if (!heap_object_words(h, s, base, heap_object_type(h, s, base, true), on_word, &S))
			h->conservative_objects++;
		rc = S.rc;
mapped:
		if ((mapped += heap_object_size(s)) >= (8u << 20)) {
			cr_core_trim(P->core);
			mapped = 0;
		}
	}
	for (size_t i = 0; i < NCOPY; i++)
		cr_free(C[i].buf);
	cr_free(C);
	return rc;
}

enum cr_err heap_mark(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	P->slotnode = heap_calloc(P->nslots ? (size_t)P->nslots : 1, sizeof *P->slotnode);
	if (!P->slotnode)
		return cr_fail(e, CR_NOMEM, "out of memory for %llu object slots (raise --max-memory)",
			       (unsigned long long)P->nslots);
	/* room for every allocated object at once: no doubling past it */
	uint64_t nalloc = 0;
	for (size_t i = 0; i < P->nspans; i++)
		nalloc += heap_span_allocated(&P->spans[i]);
	/* and, as a first guess, for an edge and a quarter an object */
	enum cr_err rc = grow_nodes(G, 1 + P->nroots + (size_t)nalloc, e);
	if (rc || (rc = grow_edges(G, P->nroots + (size_t)nalloc + (size_t)nalloc / 4, e)))
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
	if ((rc = scan_objects(h, e)))
		return rc;
	G->estart[G->n] = (uint32_t)G->nedges;
	cr_core_trim(P->core);
	/* the edges array grew by doubling: give back the rest */
	if (G->capedges > G->nedges + 1) {
		uint32_t *x = heap_realloc(G->edges, G->capedges * sizeof *G->edges, (G->nedges + 1) * sizeof *G->edges);
		if (x) {
			G->edges = x;
			G->capedges = G->nedges + 1;
		}
	}
	return CR_OK;
}
