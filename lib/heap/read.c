/* Reading the heap's spans, objects, types and pointer bits from a core
 * (see coroner/heap.h for what each release keeps where). */
#include "heap_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MISSING UINT32_MAX
#define MAX_WARN 64

void heap_warnf(struct cr_heap *h, const char *fmt, ...)
{
	struct hpriv *P = h->priv;
	h->partial = true;
	if (P->nwarn++ >= MAX_WARN) {
		if (P->nwarn == MAX_WARN + 1)
			cr_buf_addf(&h->warn, "(more problems not shown)\n");
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	cr_buf_linev(&h->warn, 512, fmt, ap);
	va_end(ap);
}

const uint8_t *heap_mem(struct hpriv *P, uint64_t addr, size_t n)
{
	const uint8_t *p = cr_core_ptr(P->core, addr, n);
	if (p)
		return p;
	if (addr >= P->bias)
		return cr_binary_ptr(P->bin, addr - P->bias, n);
	return NULL;
}

bool heap_u64(struct hpriv *P, uint64_t addr, uint64_t *v)
{
	const uint8_t *p = heap_mem(P, addr, 8);
	if (!p)
		return false;
	*v = hrd64(p);
	return true;
}

/* ---------------------------------------------------------------- offsets */

struct want {
	size_t off;            /* offsetof(struct hoff, ...) */
	const char *type, *member; /* member NULL: the type's size */
	bool optional;
};
#define W(f, t, m) { offsetof(struct hoff, f), t, m, false }
#define WO(f, t, m) { offsetof(struct hoff, f), t, m, true }
static const struct want wants[] = {
	W(mheap_allspans, "runtime.mheap", "allspans"), WO(mheap_arenas, "runtime.mheap", "arenas"),
	W(span_size, "runtime.mspan", NULL), W(span_startaddr, "runtime.mspan", "startAddr"),
	W(span_npages, "runtime.mspan", "npages"), W(span_freeindex, "runtime.mspan", "freeindex"),
	W(span_nelems, "runtime.mspan", "nelems"), W(span_allocbits, "runtime.mspan", "allocBits"),
	W(span_spanclass, "runtime.mspan", "spanclass"), W(span_state, "runtime.mspan", "state"),
	W(span_elemsize, "runtime.mspan", "elemsize"), W(span_specials, "runtime.mspan", "specials"),
	WO(span_largetype, "runtime.mspan", "largeType"),
	W(md_types, "runtime.moduledata", "types"), W(md_etypes, "runtime.moduledata", "etypes"),
	W(md_data, "runtime.moduledata", "data"), W(md_edata, "runtime.moduledata", "edata"),
	W(md_bss, "runtime.moduledata", "bss"), W(md_ebss, "runtime.moduledata", "ebss"),
	W(md_gcdatamask, "runtime.moduledata", "gcdatamask"), W(md_gcbssmask, "runtime.moduledata", "gcbssmask"),
	W(md_next, "runtime.moduledata", "next"),
	W(bv_n, "runtime.bitvector", "n"), W(bv_bytedata, "runtime.bitvector", "bytedata"),
	W(sp_next, "runtime.special", "next"), W(sp_offset, "runtime.special", "offset"),
	W(sp_kind, "runtime.special", "kind"), W(sp_size, "runtime.special", NULL),
	WO(arena_bitmap, "runtime.heapArena", "bitmap"),
	W(g_sched, "runtime.g", "sched"), W(g_syscallsp, "runtime.g", "syscallsp"),
	W(g_syscallpc, "runtime.g", "syscallpc"), W(gobuf_sp, "runtime.gobuf", "sp"), W(gobuf_pc, "runtime.gobuf", "pc"),
};
#undef W
#undef WO

struct collect {
	struct hoff *o;
	bool *seen;
};

static void on_member(void *arg, const char *type, const char *member, uint64_t off)
{
	struct collect *C = arg;
	for (size_t i = 0; i < sizeof wants / sizeof *wants; i++) {
		const struct want *w = &wants[i];
		if (C->seen[i] || strcmp(w->type, type) != 0 || (w->member == NULL) != (member == NULL) ||
		    (member && strcmp(w->member, member) != 0) || off >= MISSING)
			continue;
		unsigned v = (unsigned)off;
		memcpy((char *)C->o + w->off, &v, sizeof v);
		C->seen[i] = true;
	}
}

/* The first field wanted and not optional that was not seen; NULL if none. */
static const struct want *first_missing(const bool *seen)
{
	for (size_t i = 0; i < sizeof wants / sizeof *wants; i++)
		if (!seen[i] && !wants[i].optional)
			return &wants[i];
	return NULL;
}

enum cr_err heap_offsets(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	static const char *const types[] = { "runtime.mheap", "runtime.mspan", "runtime.moduledata",
					     "runtime.bitvector", "runtime.special", "runtime.heapArena",
					     "runtime.g", "runtime.gobuf" };
	bool seen[sizeof wants / sizeof *wants] = { 0 };
	memset(&P->o, 0xff, sizeof P->o);
	struct collect C = { &P->o, seen };
	enum cr_err rc = cr_dwarf_struct_members(P->bin, types, sizeof types / sizeof *types, on_member, &C, e);
	if (rc && rc != CR_NOMEM && rc != CR_LIMIT) {
		/* no DWARF (-ldflags=-w): the release's table, if it has them all */
		memset(&P->o, 0xff, sizeof P->o);
		memset(seen, 0, sizeof seen);
		if (cr_gort_layout_table(P->gort->go_version, types, sizeof types / sizeof *types, on_member, &C) &&
		    !first_missing(seen)) {
			cr_error_clear(e);
			h->layout_from_table = true;
			return CR_OK;
		}
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		cr_error_clear(e);
		return cr_fail(e, CR_UNSUPPORTED,
			       "heap analysis needs the runtime's struct layouts: the binary has no DWARF (%s) and "
			       "there is no table for %s", why,
			       P->gort->go_version && *P->gort->go_version ? P->gort->go_version : "its Go version");
	}
	if (rc)
		return rc;
	const struct want *w = first_missing(seen);
	if (w)
		return cr_fail(e, CR_UNSUPPORTED, "the binary's DWARF has no %s%s%s", w->type, w->member ? "." : " size",
			       w->member ? w->member : "");
	if (P->o.span_size > 4096 || P->o.sp_size > 64)
		return cr_fail(e, CR_FORMAT, "DWARF: runtime.mspan or runtime.special has an implausible size");
	return CR_OK;
}

/* ---------------------------------------------------------------- spans */

static int span_cmp(const void *a, const void *b)
{
	const struct hspan *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Field of width w (1, 2 or 8 bytes) at p. */
static uint64_t field(const uint8_t *p, unsigned w)
{
	if (w == 1)
		return p[0];
	if (w == 2)
		return (uint64_t)p[0] | (uint64_t)p[1] << 8;
	return hrd64(p);
}

/* A span as read, checked: false (with a warning) when it does not add up. */
static bool read_span(struct cr_heap *h, uint64_t sa, struct hspan *s, bool *inuse)
{
	struct hpriv *P = h->priv;
	const struct hoff *o = &P->o;
	const uint8_t *m = heap_mem(P, sa, o->span_size);
	*inuse = false;
	if (!m) {
		heap_warnf(h, "span 0x%llx: not in the core", (unsigned long long)sa);
		return false;
	}
	unsigned w16 = P->minor >= 22 ? 2 : 8;
	if (m[o->span_state] != 1) /* mSpanInUse */
		return true;
	*inuse = true;
	if (P->ninputs < 64)
		heap_input(P, "mspan", sa, o->span_size);
	memset(s, 0, sizeof *s);
	s->base = hrd64(m + o->span_startaddr);
	s->npages = hrd64(m + o->span_npages);
	uint64_t nelems = field(m + o->span_nelems, w16), freeindex = field(m + o->span_freeindex, w16);
	s->allocbits = hrd64(m + o->span_allocbits);
	s->elemsize = hrd64(m + o->span_elemsize);
	s->specials = hrd64(m + o->span_specials);
	s->largetype = o->span_largetype != MISSING ? hrd64(m + o->span_largetype) : 0;
	uint8_t spc = m[o->span_spanclass];
	s->sizeclass = spc >> 1;
	s->noscan = spc & 1;
	uint64_t bytes = s->npages * PAGE_SIZE_GO;
	if (s->npages == 0 || s->npages > (1ull << 28) || s->base % PAGE_SIZE_GO || s->base + bytes < s->base ||
	    s->elemsize == 0 || nelems == 0 || nelems > bytes / 8 || s->elemsize > bytes ||
	    nelems * s->elemsize > bytes || freeindex > nelems) {
		heap_warnf(h, "span 0x%llx: inconsistent (start 0x%llx, %llu pages, %llu objects of %llu bytes, "
			   "freeindex %llu): skipped", (unsigned long long)sa, (unsigned long long)s->base,
			   (unsigned long long)s->npages, (unsigned long long)nelems, (unsigned long long)s->elemsize,
			   (unsigned long long)freeindex);
		*inuse = false;
		return false;
	}
	s->nelems = (uint32_t)nelems;
	s->freeindex = (uint32_t)freeindex;
	/* the runtime's own division by multiplication, exact while bytes *
	 * elemsize < 2^32 (every offset o < bytes: o * (2^32/e + 1) >> 32 ==
	 * o / e) */
	if (s->elemsize > 1 && s->elemsize < (1ull << 32) && bytes < (1ull << 32) / s->elemsize)
		s->divmul = (uint32_t)(UINT32_MAX / s->elemsize + 1);
	s->abits = heap_mem(P, s->allocbits, (nelems + 7) / 8);
	if (P->ninputs < 64 && s->abits)
		heap_input(P, "allocbits", s->allocbits, (size_t)(nelems + 7) / 8);
	if (!s->abits && freeindex < nelems)
		heap_warnf(h, "span 0x%llx: alloc bits at 0x%llx not in the core: only objects below freeindex %llu counted",
			   (unsigned long long)s->base, (unsigned long long)s->allocbits, (unsigned long long)freeindex);
	return true;
}

enum cr_err heap_read_spans(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	uint64_t ptr, len;
	if (!heap_u64(P, P->mheap + P->o.mheap_allspans, &ptr) ||
	    !heap_u64(P, P->mheap + P->o.mheap_allspans + 8, &len))
		return cr_fail(e, CR_FORMAT, "core: runtime.mheap_.allspans at 0x%llx is not in the core",
			       (unsigned long long)(P->mheap + P->o.mheap_allspans));
	const uint8_t *arr = len <= (1ull << 32) / 8 ? heap_mem(P, ptr, (size_t)len * 8) : NULL;
	if (!arr)
		return cr_fail(e, CR_FORMAT, "core: runtime.mheap_.allspans (%llu spans at 0x%llx) is not in the core",
			       (unsigned long long)len, (unsigned long long)ptr);
	heap_input(P, "allspans", P->mheap + P->o.mheap_allspans, 24);
	heap_input(P, "spans", ptr, (size_t)(len * 8 < 4096 ? len * 8 : 4096));
	P->spans = heap_calloc((size_t)len ? (size_t)len : 1, sizeof *P->spans);
	if (!P->spans)
		return cr_fail(e, CR_NOMEM, "out of memory for %llu spans", (unsigned long long)len);
	size_t n = 0;
	for (uint64_t i = 0; i < len; i++) {
		bool inuse;
		struct hspan s;
		if (read_span(h, hrd64(arr + i * 8), &s, &inuse) && inuse)
			P->spans[n++] = s;
	}
	qsort(P->spans, n, sizeof *P->spans, span_cmp);
	/* overlapping spans: keep the first */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && P->spans[i].base < P->spans[k - 1].base + P->spans[k - 1].npages * PAGE_SIZE_GO) {
			heap_warnf(h, "span at 0x%llx overlaps the one at 0x%llx: skipped",
				   (unsigned long long)P->spans[i].base, (unsigned long long)P->spans[k - 1].base);
			continue;
		}
		P->spans[k++] = P->spans[i];
	}
	P->nspans = k;
	uint64_t slots = 0;
	for (size_t i = 0; i < k; i++) {
		P->spans[i].slot0 = slots;
		slots += P->spans[i].nelems;
	}
	if (slots >= UINT32_MAX || slots > (uint64_t)P->opts.max_objects)
		return cr_fail(e, CR_LIMIT, "the heap has %llu object slots, over the cap of %zu (--max-objects)",
			       (unsigned long long)slots, P->opts.max_objects);
	P->nslots = slots;
	uint64_t pages = 0;
	for (size_t i = 0; i < k; i++)
		pages += P->spans[i].npages;
	if (k) {
		P->heaplo = P->spans[0].base;
		P->heaphi = P->spans[k - 1].base + P->spans[k - 1].npages * PAGE_SIZE_GO;
	}
	h->nspans = k;
	/* the span of every 64th slot: heap_node_span */
	if (slots && (P->slotspan = heap_malloc((size_t)((slots + 63) / 64) * sizeof *P->slotspan))) {
		size_t i = 0;
		for (uint64_t c = 0; c < (slots + 63) / 64; c++) {
			while (P->spans[i].slot0 + P->spans[i].nelems <= c * 64)
				i++;
			P->slotspan[c] = (uint32_t)i;
		}
	}
	/* the span of each page, where the heap's range is not much wider than
	 * its spans (else a binary search) */
	uint64_t range = (P->heaphi - P->heaplo) / PAGE_SIZE_GO;
	if (k && range <= 2 * pages + (1u << 20) && (P->pagespan = heap_calloc((size_t)range, sizeof *P->pagespan)))
		for (size_t i = 0; i < k; i++)
			for (uint64_t g = 0; g < P->spans[i].npages; g++)
				P->pagespan[(P->spans[i].base - P->heaplo) / PAGE_SIZE_GO + g] = (uint32_t)i + 1;
	return CR_OK;
}

const struct hspan *heap_span_of(const struct hpriv *P, uint64_t addr)
{
	if (addr < P->heaplo || addr >= P->heaphi)
		return NULL;
	if (P->pagespan) {
		uint32_t i = P->pagespan[(addr - P->heaplo) / PAGE_SIZE_GO];
		return i ? &P->spans[i - 1] : NULL;
	}
	size_t lo = CR_UPPER_BOUND(P->spans, P->nspans, base, addr);
	if (!lo)
		return NULL;
	const struct hspan *s = &P->spans[lo - 1];
	return addr < s->base + s->npages * PAGE_SIZE_GO ? s : NULL;
}

bool cr_heap_slot_allocated(const uint8_t *allocbits, size_t nbytes, uint64_t freeindex, uint64_t i)
{
	if (i < freeindex)
		return true;
	return allocbits && i / 8 < nbytes && (allocbits[i / 8] >> (i % 8)) & 1;
}

uint64_t heap_span_allocated(const struct hspan *s)
{
	uint64_t n = s->freeindex;
	if (!s->abits)
		return n;
	for (uint64_t i = s->freeindex; i < s->nelems;) {
		if (i % 64 == 0 && i + 64 <= s->nelems) {
			n += (uint64_t)__builtin_popcountll(hrd64(s->abits + i / 8));
			i += 64;
		} else {
			n += (s->abits[i / 8] >> (i % 8)) & 1;
			i++;
		}
	}
	return n;
}

bool heap_object_of(const struct hpriv *P, uint64_t addr, uint64_t *slot, uint64_t *base, uint32_t *span)
{
	const struct hspan *s = heap_span_of(P, addr);
	if (!s)
		return false;
	uint64_t i = heap_span_index(s, addr - s->base);
	if (i >= s->nelems || !cr_heap_slot_allocated(s->abits, s->abits ? (s->nelems + 7) / 8 : 0, s->freeindex, i))
		return false;
	*slot = s->slot0 + i;
	*base = s->base + i * s->elemsize;
	*span = (uint32_t)(s - P->spans);
	return true;
}

uint64_t heap_object_size(const struct hspan *s)
{
	return s->sizeclass == 0 ? s->npages * PAGE_SIZE_GO : s->elemsize;
}

/* ---------------------------------------------------------------- types */

/* A name of the runtime's encoding: flags byte, uvarint length, bytes. */
static const char *type_name(struct cr_heap *h, uint64_t t, uint8_t tflag, int32_t nameoff)
{
	struct hpriv *P = h->priv;
	/* the module whose types section holds t */
	uint64_t md = P->firstmd, types = 0;
	for (int guard = 0; md && guard < 64; guard++) {
		uint64_t ts, te, next;
		if (!heap_u64(P, md + P->o.md_types, &ts) || !heap_u64(P, md + P->o.md_etypes, &te) ||
		    !heap_u64(P, md + P->o.md_next, &next))
			break;
		if (t >= ts && t < te) {
			types = ts;
			break;
		}
		md = next;
	}
	char buf[256];
	if (!types || nameoff <= 0)
		return NULL;
	const uint8_t *p = heap_mem(P, types + (uint64_t)nameoff, 3);
	if (!p)
		return NULL;
	uint64_t n = 0;
	size_t used = 0;
	for (size_t i = 1; i < 4; i++) {
		const uint8_t *q = heap_mem(P, types + (uint64_t)nameoff + i, 1);
		if (!q)
			return NULL;
		n |= (uint64_t)(q[0] & 0x7f) << (7 * (i - 1));
		if (!(q[0] & 0x80)) {
			used = i + 1;
			break;
		}
	}
	if (!used || n == 0 || n > 4096)
		return NULL;
	const uint8_t *s = heap_mem(P, types + (uint64_t)nameoff + used, (size_t)n);
	if (!s)
		return NULL;
	if ((tflag & 2) && n > 1 && s[0] == '*') { /* tflagExtraStar */
		s++;
		n--;
	}
	size_t k = 0;
	for (uint64_t i = 0; i < n && k + 1 < sizeof buf; i++)
		buf[k++] = s[i] >= 32 && s[i] < 127 ? (char)s[i] : '?';
	buf[k] = 0;
	return cr_arena_strndup(&h->arena, buf, k);
}

/* The index+1 of the type at t in P->types (read and cached); 0 if t is
 * not a readable type. */
static uint32_t type_at(struct cr_heap *h, uint64_t t)
{
	struct hpriv *P = h->priv;
	if (!t)
		return 0;
	uint32_t *v = cr_hmap_get(&P->typemap, &t, sizeof t);
	if (v)
		return *v;
	uint32_t id = 0;
	const uint8_t *m = heap_mem(P, t, 48);
	if (!m)
		heap_warnf(h, "type at 0x%llx: not in the core (objects of it are scanned conservatively)",
			   (unsigned long long)t);
	else if (P->ninputs < 120)
		heap_input(P, "type", t, 48);
	bool nomem = m && cr_grow(&P->types, &P->captypes, P->ntypes + 1, sizeof *P->types);
	if (nomem)
		heap_warnf(h, "type at 0x%llx: out of memory for the type cache (--max-memory): objects of it are "
			   "scanned conservatively", (unsigned long long)t);
	if (m && !nomem) {
		struct htype *x = &P->types[P->ntypes];
		memset(x, 0, sizeof *x);
		x->addr = t;
		x->size = hrd64(m);
		x->ptrdata = hrd64(m + 8);
		uint8_t tflag = m[20];
		uint64_t gcdata = hrd64(m + 32);
		int32_t nameoff;
		memcpy(&nameoff, m + 40, 4);
		if (x->size && x->ptrdata <= x->size && x->size < (1ull << 40)) {
			if (P->minor >= 24 && (tflag & 0x10)) /* TFlagGCMaskOnDemand: a cell holding the mask */
				if (!heap_u64(P, gcdata, &gcdata))
					gcdata = 0;
			if (gcdata && x->ptrdata)
				x->mask = heap_mem(P, gcdata, (size_t)((x->ptrdata / 8 + 7) / 8));
			if (x->mask && P->ninputs < 130)
				heap_input(P, "gcmask", gcdata, (size_t)((x->ptrdata / 8 + 7) / 8));
			x->name = type_name(h, t, tflag, nameoff);
			if (!x->name)
				x->name = cr_arena_strndup(&h->arena, "(unnamed type)", 14);
			id = (uint32_t)++P->ntypes;
		}
	}
	bool found;
	cr_hmap_put(&P->typemap, &t, sizeof t, id, &found);
	if (m && !id && !nomem)
		heap_warnf(h, "type at 0x%llx: implausible (size %llu, ptrdata %llu)", (unsigned long long)t,
			   (unsigned long long)hrd64(m), (unsigned long long)hrd64(m + 8));
	return id;
}

uint32_t heap_type_id(struct cr_heap *h, uint64_t t)
{
	return type_at(h, t);
}

uint32_t heap_object_type(struct cr_heap *h, const struct hspan *s, uint64_t base, bool record)
{
	struct hpriv *P = h->priv;
	if (P->minor < 22 || s->noscan)
		return 0;
	if (s->sizeclass == 0)
		return type_at(h, s->largetype);
	if (s->elemsize <= 512)
		return 0;
	uint64_t t;
	if (!heap_u64(P, base, &t))
		return 0;
	if (record && P->ninputs < 140)
		heap_input(P, "header", base, 8);
	return type_at(h, t);
}

/* ---------------------------------------------------------------- pointer words */

size_t cr_heap_inline_ptrs(const uint8_t *bits, size_t nbits, uint64_t w0, uint64_t nwords,
			   void (*fn)(void *arg, uint64_t word), void *arg)
{
	size_t n = 0;
	for (uint64_t i = 0; i < nwords; i++) {
		uint64_t w = w0 + i;
		if (w >= nbits)
			break;
		if ((bits[w / 8] >> (w % 8)) & 1) {
			fn(arg, i);
			n++;
		}
	}
	return n;
}

struct wordsink {
	const uint8_t *obj;
	heap_word_fn fn;
	void *arg;
};

static void emit_word(void *arg, uint64_t i)
{
	struct wordsink *W = arg;
	W->fn(W->arg, hrd64(W->obj + i * 8));
}

static void conservative(const uint8_t *obj, uint64_t size, heap_word_fn fn, void *arg)
{
	for (uint64_t i = 0; i + 8 <= size; i += 8)
		fn(arg, hrd64(obj + i));
}

/* The heap arena's bitmap (go1.19 .. go1.21) for the word at addr: *ptr,
 * and (go1.19) *scan. false if unreadable. */
static bool arena_bits(struct hpriv *P, uint64_t addr, bool *ptr, bool *scan)
{
	if (P->o.mheap_arenas == MISSING || P->o.arena_bitmap == MISSING)
		return false;
	uint64_t l2, ha;
	uint64_t off = P->amd64 ? 0xffff800000000000ull : 0;
	uint64_t ri = ((addr - off) >> 26) & ((1u << 22) - 1);
	if (!heap_u64(P, P->mheap + P->o.mheap_arenas, &l2) || !l2 || !heap_u64(P, l2 + ri * 8, &ha) || !ha)
		return false;
	uint64_t w = (addr & ((1u << 26) - 1)) / 8;
	const uint8_t *b;
	if (P->minor <= 19) {
		if (!(b = heap_mem(P, ha + P->o.arena_bitmap + w / 4, 1)))
			return false;
		*ptr = (*b >> (w % 4)) & 1;
		*scan = (*b >> (w % 4 + 4)) & 1;
		return true;
	}
	if (!(b = heap_mem(P, ha + P->o.arena_bitmap + w / 8, 1)))
		return false;
	*ptr = (*b >> (w % 8)) & 1;
	*scan = true;
	return true;
}

bool heap_object_words(struct cr_heap *h, const struct hspan *s, uint64_t base, uint32_t type, heap_word_fn fn,
		       void *arg)
{
	struct hpriv *P = h->priv;
	if (s->noscan)
		return true;
	uint64_t size = s->elemsize;
	const uint8_t *obj = heap_mem(P, base, (size_t)size);
	if (!obj) {
		heap_warnf(h, "object 0x%llx (%llu bytes): not in the core", (unsigned long long)base,
			   (unsigned long long)size);
		return true;
	}
	if (P->minor >= 22) {
		if (s->sizeclass != 0 && size <= 512) {
			uint64_t spanbytes = s->npages * PAGE_SIZE_GO;
			uint64_t nbytes = spanbytes / 8 / 8;
			uint64_t at = s->base + spanbytes - nbytes - (P->greentea && size >= 16 ? 128 : 0);
			const uint8_t *bits = heap_mem(P, at, (size_t)nbytes);
			if (bits && P->ninputs < 100 && base == s->base)
				heap_input(P, "heapbits", at, (size_t)nbytes);
			if (!bits) {
				conservative(obj, size, fn, arg);
				return false;
			}
			struct wordsink W = { obj, fn, arg };
			cr_heap_inline_ptrs(bits, (size_t)nbytes * 8, (base - s->base) / 8, size / 8, emit_word, &W);
			return true;
		}
		if (!type) {
			conservative(obj, size, fn, arg);
			return false;
		}
		/* a copy: fn may read new types, and P->types may move */
		const struct htype t = P->types[type - 1];
		uint64_t start = s->sizeclass == 0 ? 0 : 8; /* past the malloc header */
		if (!t.mask && t.ptrdata) {
			conservative(obj, size, fn, arg);
			return false;
		}
		for (uint64_t o = start; o + t.size <= size && t.ptrdata; o += t.size)
			for (uint64_t i = 0; i < t.ptrdata / 8; i++)
				if ((t.mask[i / 8] >> (i % 8)) & 1)
					fn(arg, hrd64(obj + o + i * 8));
		return true;
	}
	/* go1.19 .. go1.21: the arena's heap bitmap */
	for (uint64_t i = 0; i < size / 8; i++) {
		bool ptr, scan;
		if (!arena_bits(P, base + i * 8, &ptr, &scan)) {
			conservative(obj + i * 8, size - i * 8, fn, arg);
			return false;
		}
		if (!scan)
			break;
		if (ptr)
			fn(arg, hrd64(obj + i * 8));
	}
	return true;
}

void cr_heap_inputs(const struct cr_heap *h, void (*fn)(void *arg, const char *what, uint64_t addr, size_t len),
		    void *arg)
{
	const struct hpriv *P = h->priv;
	for (size_t i = 0; P && i < P->ninputs; i++)
		fn(arg, P->inputs[i].what, P->inputs[i].addr, P->inputs[i].len);
}
