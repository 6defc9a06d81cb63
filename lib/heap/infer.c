/* Types the runtime does not record, inferred from the ones it does
 * (go1.22+): a typed object's pointer fields say what they point to — a
 * *T field points to a T, a []T field to an array of T — so an object
 * without a header (512 bytes or less) that such a field points to (at its
 * start) takes that type. Read from the runtime's own type data
 * (internal/abi: Type.Kind_, PtrType.Elem, SliceType.Elem, ArrayType.Elem
 * and Len, StructType.Fields {Name, Typ, Offset}). One pass in the order the
 * mark found the objects, so chains of typed parents carry types down. */
#include "heap_int.h"

#include <string.h>

enum { K_ARRAY = 17, K_PTR = 22, K_SLICE = 23, K_STRUCT = 25 };
#define MAX_SLOTS 64
#define MAX_DEPTH 4

struct slot { uint64_t off; uint64_t elem; bool array; };
struct slots { struct slot v[MAX_SLOTS]; size_t n; };

static void slots_of(struct hpriv *P, uint64_t t, uint64_t off, int depth, struct slots *S)
{
	const uint8_t *m = heap_mem(P, t, 80);
	if (!m || depth > MAX_DEPTH || S->n >= MAX_SLOTS)
		return;
	uint64_t ptrdata = hrd64(m + 8);
	if (!ptrdata)
		return;
	unsigned kind = m[23] & 0x1f;
	switch (kind) {
	case K_PTR:
	case K_SLICE:
		S->v[S->n++] = (struct slot){ off, hrd64(m + 48), kind == K_SLICE };
		return;
	case K_ARRAY: {
		uint64_t elem = hrd64(m + 48), len = hrd64(m + 64), esz;
		if (!heap_u64(P, elem, &esz) || !esz)
			return;
		for (uint64_t i = 0; i < len && i < 8 && S->n < MAX_SLOTS; i++)
			slots_of(P, elem, off + i * esz, depth + 1, S);
		return;
	}
	case K_STRUCT: {
		uint64_t fields = hrd64(m + 56), n = hrd64(m + 64);
		for (uint64_t i = 0; i < n && i < 256 && S->n < MAX_SLOTS; i++) {
			const uint8_t *f = heap_mem(P, fields + i * 24, 24);
			if (!f)
				return;
			uint64_t ft = hrd64(f + 8), fo = hrd64(f + 16);
			if (fo < ptrdata)
				slots_of(P, ft, off + fo, depth + 1, S);
		}
		return;
	}
	default:
		return;
	}
}

/* reach: a bit a slot, set for the reachable objects */
static void infer(struct cr_heap *h, const uint64_t *reach)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	struct spanhint hint = { 0, 0 };
	for (size_t v = 1 + P->nroots; v < G->n; v++) {
		if (!(v & 0xfffff)) /* every million objects: the core's pages back */
			cr_core_trim(P->core);
		uint32_t ty = G->type[G->slot[v]];
		if (!ty)
			continue;
		bool inferred = ty & TYPE_INFERRED, array = ty & TYPE_ARRAY;
		const struct hspan *s = heap_node_span(P, (uint32_t)v, &hint);
		uint64_t addr = s->base + (G->slot[v] - s->slot0) * s->elemsize;
		struct htype t = P->types[(ty & TYPE_INDEX) - 1];
		if (!t.size || (inferred && !array && s->elemsize < t.size))
			continue;
		struct slots S = { .n = 0 };
		slots_of(P, t.addr, 0, 0, &S);
		if (!S.n)
			continue;
		uint64_t start = inferred || s->sizeclass == 0 ? 0 : 8;
		uint64_t size = heap_object_size(s);
		/* every element of an array allocation, a single one otherwise */
		uint64_t nel = (inferred && !array) ? 1 : (size - start) / t.size;
		for (uint64_t e = 0; e < nel && e < 4096; e++)
			for (size_t k = 0; k < S.n; k++) {
				uint64_t at = addr + start + e * t.size + S.v[k].off, val, slot, base;
				uint32_t span;
				if (!heap_u64(P, at, &val) || !heap_object_of(P, val, &slot, &base, &span) || base != val)
					continue;
				if (!((reach[slot / 64] >> (slot % 64)) & 1) || G->type[slot])
					continue;
				uint32_t id = heap_type_id(h, S.v[k].elem);
				if (id && id <= TYPE_INDEX)
					G->type[slot] = id | TYPE_INFERRED | (S.v[k].array ? TYPE_ARRAY : 0);
			}
	}
}

enum cr_err heap_types(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct hgraph *G = &P->G;
	size_t ns = P->nslots ? (size_t)P->nslots : 1;
	G->type = heap_words(P, ns);
	if (G->type)
		memset(G->type, 0, ns * sizeof *G->type);
	if (!G->type)
		return cr_fail(e, CR_NOMEM, "out of memory for the types of %zu heap objects (--max-memory)", ns);
	G->reach = heap_calloc((ns + 63) / 64, sizeof *G->reach);
	if (!G->reach)
		return cr_fail(e, CR_NOMEM, "out of memory for %zu object slots (raise --max-memory)", ns);
	for (size_t v = 1 + P->nroots; v < G->n; v++)
		G->reach[G->slot[v] / 64] |= 1ull << (G->slot[v] % 64);
	if (P->minor < 22) /* no types recorded */
		return CR_OK;
	/* the recorded types: of large objects and those with a malloc header */
	for (size_t i = 0; i < P->nspans; i++) {
		const struct hspan *s = &P->spans[i];
		if (s->noscan || (s->sizeclass != 0 && s->elemsize <= 512))
			continue;
		for (uint64_t slot = s->slot0; slot < s->slot0 + s->nelems; slot++)
			if ((G->reach[slot / 64] >> (slot % 64)) & 1)
				G->type[slot] = heap_object_type(h, s, s->base + (slot - s->slot0) * s->elemsize, false);
	}
	infer(h, G->reach);
	cr_core_trim(P->core);
	return CR_OK;
}
