/* What the graph says: totals, roots ranked by what they retain with the
 * types down their largest branch, the histogram by type, retainer paths
 * and the profile of references. */
#include "heap_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cr_heap_root_kind_name(enum cr_heap_root_kind k)
{
	switch (k) {
	case CR_ROOT_GLOBAL: return "global";
	case CR_ROOT_STACK: return "stack";
	case CR_ROOT_FINALIZER: return "finalizer";
	case CR_ROOT_RUNTIME: return "runtime";
	}
	return "?";
}

/* The short name of the type of an object of span s whose G->type is ty. */
static const char *object_type(const struct hpriv *P, const struct hspan *s, uint32_t ty, char *buf, size_t n)
{
	uint64_t size = heap_object_size(s);
	if (ty) {
		const struct htype *t = &P->types[(ty & TYPE_INDEX) - 1];
		uint64_t room = s->sizeclass == 0 || (ty & TYPE_INFERRED) ? size : size - 8;
		if ((ty & TYPE_ARRAY) || (!(ty & TYPE_INFERRED) && t->size && room / t->size >= 2))
			snprintf(buf, n, "[]%s", t->name);
		else
			snprintf(buf, n, "%s", t->name);
		return buf;
	}
	snprintf(buf, n, s->noscan ? "(noscan, %" PRIu64 " B)" : "(%" PRIu64 " B)", size);
	return buf;
}

const char *heap_node_type(struct cr_heap *h, uint32_t v, char *buf, size_t n)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	if (G->slot[v] == NO_SLOT)
		return v == 0 ? "(several roots)" : P->roots[v - 1].name;
	return object_type(P, heap_node_span(P, v, &P->typehint), G->type[G->slot[v]], buf, n);
}

struct tstat { uint64_t count, bytes; };

static int root_cmp(const void *a, const void *b)
{
	const struct cr_heap_root *x = a, *y = b;
	if (x->retained_bytes != y->retained_bytes)
		return x->retained_bytes > y->retained_bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int type_cmp(const void *a, const void *b)
{
	const struct cr_heap_type *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->type, y->type);
}

/* "a -> b -> c" down the largest branch from node v (a root or node 0),
 * repeats folded. */
static const char *root_path(struct cr_heap *h, uint32_t v, size_t depth)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	struct cr_buf b = { 0 };
	char prev[256] = "", cur[256];
	size_t steps = 0;
	for (uint32_t i = G->bpre[G->rpre[v]]; i != NO_PRE && steps < depth; i = G->bpre[i]) {
		const char *t = heap_node_type(h, G->vert[i], cur, sizeof cur);
		if (strcmp(t, prev) == 0)
			continue;
		cr_buf_addf(&b, "%s%s", b.len ? " -> " : "", t);
		snprintf(prev, sizeof prev, "%s", t);
		steps++;
	}
	const char *r = cr_arena_strndup(&h->arena, cr_buf_str(&b), b.len);
	cr_buf_release(&b);
	return r ? r : "";
}

/* The type of each reachable object (h->types: count and bytes by type
 * name), read in slot order, span by span. A type name depends only on the
 * type, size and span kind: each is named once, and the objects of a span
 * of one type are counted together. */
static enum cr_err histogram(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	struct cr_strtab names;
	if (cr_strtab_init(&names))
		return cr_fail(e, CR_NOMEM, "out of memory");
	struct tstat *st = NULL;
	size_t cap = 0;
	enum cr_err rc = CR_OK;
	struct cr_hmap seen;
	cr_hmap_init(&seen);
	for (size_t i = 0; i < P->nspans && !rc; i++) {
		const struct hspan *s = &P->spans[i];
		struct { uint64_t size; uint32_t type, kind; } key = { heap_object_size(s), 0,
								      (uint32_t)s->noscan | (s->sizeclass == 0) << 1 };
		uint32_t id = UINT32_MAX;
		uint64_t end = s->slot0 + s->nelems;
		for (uint64_t k = s->slot0 / 64; k * 64 < end && !rc; k++) {
			uint64_t m = G->reach[k];
			if (k * 64 < s->slot0)
				m &= ~0ull << (s->slot0 - k * 64);
			if (end - k * 64 < 64)
				m &= (1ull << (end - k * 64)) - 1;
			for (; m; m &= m - 1) {
				uint32_t ty = G->type[k * 64 + (unsigned)__builtin_ctzll(m)];
				if (id == UINT32_MAX || ty != key.type) {
					key.type = ty;
					uint32_t *known = cr_hmap_get(&seen, &key, sizeof key);
					if (known) {
						id = *known;
					} else {
						char buf[300];
						const char *t = object_type(P, s, ty, buf, sizeof buf);
						bool found;
						id = cr_strtab_intern(&names, t, strlen(t));
						if (id != UINT32_MAX && !cr_hmap_put(&seen, &key, sizeof key, id, &found))
							id = UINT32_MAX;
					}
					if (id == UINT32_MAX || cr_grow(&st, &cap, (size_t)id + 1, sizeof *st)) {
						rc = cr_fail(e, CR_NOMEM, "out of memory");
						break;
					}
					if (id >= h->ntypes) {
						memset(st + h->ntypes, 0, ((size_t)id + 1 - h->ntypes) * sizeof *st);
						h->ntypes = (size_t)id + 1;
					}
				}
				st[id].count++;
				st[id].bytes += key.size;
				if (ty & TYPE_INFERRED)
					h->inferred_objects++;
				else if (ty)
					h->typed_objects++;
			}
		}
	}
	cr_hmap_release(&seen);
	if (!rc && h->ntypes) {
		h->types = cr_arena_alloc(&h->arena, h->ntypes * sizeof *h->types);
		if (!h->types)
			rc = cr_fail(e, CR_NOMEM, "out of memory");
		size_t k = 0;
		for (size_t i = 0; !rc && i < h->ntypes; i++) {
			if (!st[i].count)
				continue;
			const char *nm = cr_strtab_get(&names, (uint32_t)i);
			h->types[k].type = cr_arena_strndup(&h->arena, nm, strlen(nm));
			h->types[k].count = st[i].count;
			h->types[k].bytes = st[i].bytes;
			k++;
		}
		h->ntypes = k;
		qsort(h->types, h->ntypes, sizeof *h->types, type_cmp);
	} else if (rc) {
		h->ntypes = 0;
	}
	cr_free(st);
	cr_strtab_release(&names);
	return rc;
}

enum cr_err heap_summarize(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	/* everything allocated */
	for (size_t i = 0; i < P->nspans; i++) {
		uint64_t k = heap_span_allocated(&P->spans[i]);
		h->objects += k;
		h->bytes += k * heap_object_size(&P->spans[i]);
	}
	h->reachable_objects = G->n - 1 - P->nroots;
	h->reachable_bytes = G->bytes;
	h->unreachable_objects = h->objects - h->reachable_objects;
	h->unreachable_bytes = h->bytes - h->reachable_bytes;
	/* roots */
	size_t depth = P->opts.path_depth ? P->opts.path_depth : 6;
	for (size_t r = 0; r < P->nroots; r++) {
		uint32_t v = (uint32_t)(r + 1);
		P->roots[r].retained_bytes = G->rbytes[v];
		P->roots[r].retained_objects = G->robjs[v];
		P->roots[r].path = root_path(h, v, depth);
	}
	/* the only use of the tree's largest branches: room for heap_idom */
	cr_free(G->bpre);
	G->bpre = NULL;
	h->roots = P->roots;
	h->nroots = P->nroots;
	enum cr_err rc = histogram(h, e);
	/* rank the roots last: node ids follow the unsorted order, so paths
	 * and the profile use P->roots through a copy */
	if (!rc) {
		struct cr_heap_root *sorted = cr_arena_alloc(&h->arena, (P->nroots ? P->nroots : 1) * sizeof *sorted);
		if (!sorted)
			return cr_fail(e, CR_NOMEM, "out of memory");
		if (P->nroots) {
			memcpy(sorted, P->roots, P->nroots * sizeof *sorted);
			qsort(sorted, P->nroots, sizeof *sorted, root_cmp);
		}
		h->roots = sorted;
	}
	return rc;
}

/* ---------------------------------------------------------------- paths */

static void path_of(struct cr_heap *h, uint32_t v, struct cr_buf *out)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	uint32_t chain[64];
	size_t n = 0, skipped = 0;
	for (uint32_t w = v; w != 0; w = heap_node_parent(P, w)) {
		if (n < 64)
			chain[n++] = w;
		else
			skipped++, chain[63] = w;
		if (G->slot[w] == NO_SLOT)
			break;
	}
	for (size_t i = n; i-- > 0;) {
		char buf[300];
		uint32_t w = chain[i];
		struct spanhint hint = { 0, 0 };
		if (G->slot[w] == NO_SLOT)
			cr_buf_addf(out, "%s", P->roots[w - 1].name);
		else
			cr_buf_addf(out, " -> %s@0x%" PRIx64, heap_node_type(h, w, buf, sizeof buf),
				    heap_node_addr(P, w, &hint));
		if (i == 63 && skipped)
			cr_buf_addf(out, " -> [%zu more]", skipped);
	}
	cr_buf_addf(out, "\n");
}

enum cr_err cr_heap_paths(struct cr_heap *h, const char *query, size_t max, struct cr_buf *out, size_t *nfound,
			  struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	*nfound = 0;
	if (!P || !G->n)
		return cr_fail(e, CR_NOTFOUND, "no heap");
	enum cr_err rc = heap_idom(h, e);
	if (rc)
		return rc;
	if (query[0] == '0' && (query[1] == 'x' || query[1] == 'X')) {
		char *end;
		uint64_t a = strtoull(query, &end, 16);
		uint64_t slot, base;
		uint32_t span;
		if (*end || !heap_object_of(P, a, &slot, &base, &span))
			return cr_fail(e, CR_NOTFOUND, "%s is not an allocated object of the heap", query);
		/* the slot -> node map is gone after the mark: one pass */
		uint32_t v = NO_NODE;
		for (size_t k = 1 + P->nroots; k < G->n && v == NO_NODE; k++)
			if (G->slot[k] == slot)
				v = (uint32_t)k;
		if (v == NO_NODE)
			return cr_fail(e, CR_NOTFOUND, "the object at 0x%" PRIx64 " is not reachable (garbage)", base);
		*nfound = 1;
		path_of(h, v, out);
		return CR_OK;
	}
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		char buf[300];
		if (strcmp(heap_node_type(h, (uint32_t)v, buf, sizeof buf), query) != 0)
			continue;
		if ((*nfound)++ < max)
			path_of(h, (uint32_t)v, out);
	}
	if (!*nfound)
		return cr_fail(e, CR_NOTFOUND, "no reachable object of type %s", query);
	return CR_OK;
}

/* ---------------------------------------------------------------- profile */

#define MAX_PATH_DEPTH 16

struct pnode { uint32_t parent, name, depth; };

enum cr_err cr_heap_profile(struct cr_heap *h, struct cr_profile *p, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	enum cr_err rc = CR_OK;
	struct cr_strtab names;
	struct cr_hmap pmap;
	struct pnode *pn = NULL;
	size_t npn = 0, cappn = 0;
	uint32_t *pid = NULL, *stk = NULL;
	int64_t *vals = NULL;
	if ((rc = heap_idom(h, e)))
		return rc;
	if (cr_strtab_init(&names))
		return cr_fail(e, CR_NOMEM, "out of memory");
	cr_hmap_init(&pmap);
	pid = heap_calloc(G->n ? G->n : 1, sizeof *pid);
	stk = heap_malloc((G->n ? G->n : 1) * sizeof *stk);
	if (!pid || !stk || cr_profile_add_type(p, "inuse_objects", "count") ||
	    cr_profile_add_type(p, "inuse_space", "bytes")) {
		rc = cr_fail(e, CR_NOMEM, "out of memory");
		goto out;
	}
	/* path node 0: none; path ids of graph nodes, memoised up the dominator tree */
	if (cr_grow(&pn, &cappn, 1, sizeof *pn)) {
		rc = cr_fail(e, CR_NOMEM, "out of memory");
		goto out;
	}
	pn[npn++] = (struct pnode){ 0, 0, 0 };
	for (size_t v0 = 0; v0 < G->n && !rc; v0++) {
		size_t sp = 0;
		for (uint32_t w = (uint32_t)v0; !pid[w]; w = G->idom[w]) {
			stk[sp++] = w;
			if (w == 0)
				break;
		}
		while (sp && !rc) {
			uint32_t w = stk[--sp];
			uint32_t up = w == 0 || G->slot[w] == NO_SLOT ? 0 : pid[G->idom[w]];
			char buf[300];
			const char *nm;
			if (w == 0)
				nm = "(several roots)";
			else if (G->slot[w] == NO_SLOT) {
				const struct cr_heap_root *r = &P->roots[w - 1];
				if (r->kind == CR_ROOT_STACK)
					snprintf(buf, sizeof buf, "stack of %s", r->function ? r->function : "?");
				else if (r->kind == CR_ROOT_FINALIZER)
					snprintf(buf, sizeof buf, "%s", strncmp(r->name, "cleanup", 7) ? "finalizer" : "cleanup");
				else
					snprintf(buf, sizeof buf, "%s", r->name);
				nm = buf;
			} else
				nm = heap_node_type(h, w, buf, sizeof buf);
			uint32_t name = cr_strtab_intern(&names, nm, strlen(nm));
			if (name == UINT32_MAX) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			if (up && (pn[up].name == name || pn[up].depth >= MAX_PATH_DEPTH)) {
				pid[w] = up;
				continue;
			}
			uint32_t key[2] = { up, name };
			bool found;
			uint32_t *slot = cr_hmap_put(&pmap, key, sizeof key, (uint32_t)npn, &found);
			if (!slot || (!found && cr_grow(&pn, &cappn, npn + 1, sizeof *pn))) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			if (!found)
				pn[npn++] = (struct pnode){ up, name, up ? pn[up].depth + 1 : 1 };
			pid[w] = *slot;
		}
	}
	if (rc)
		goto out;
	vals = heap_calloc(npn * 2, sizeof *vals);
	if (!vals) {
		rc = cr_fail(e, CR_NOMEM, "out of memory");
		goto out;
	}
	struct spanhint hint = { 0, 0 };
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		vals[pid[v] * 2] += 1;
		vals[pid[v] * 2 + 1] += (int64_t)heap_object_size(heap_node_span(P, (uint32_t)v, &hint));
	}
	for (size_t i = 1; i < npn && !rc; i++) {
		if (!vals[i * 2])
			continue;
		uint32_t locs[MAX_PATH_DEPTH + 4];
		size_t nl = 0;
		for (uint32_t q = (uint32_t)i; q && nl < MAX_PATH_DEPTH + 4; q = pn[q].parent) {
			struct cr_line line = { cr_profile_function(p, cr_strtab_get(&names, pn[q].name), "", 0), 0 };
			uint32_t loc = line.function == UINT32_MAX ? UINT32_MAX : cr_profile_location(p, 0, 0, &line, 1);
			if (loc == UINT32_MAX) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			locs[nl++] = loc;
		}
		if (!rc && cr_profile_add_sample(p, locs, nl, &vals[i * 2], NULL, 0))
			rc = cr_fail(e, CR_NOMEM, "out of memory");
	}
out:
	cr_free(vals);
	cr_free(pid);
	cr_free(stk);
	cr_free(pn);
	cr_hmap_release(&pmap);
	cr_strtab_release(&names);
	return rc;
}
