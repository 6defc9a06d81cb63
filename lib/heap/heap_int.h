/* What the files of lib/heap share: the offsets read from DWARF, the span
 * table, the type cache and the object graph. Not installed. */
#ifndef CORONER_HEAP_INT_H
#define CORONER_HEAP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "coroner/heap.h"
#include "coroner/sym.h"

#define PAGE_SIZE_GO 8192u
#define NO_NODE 0u

/* Offsets of the runtime's fields (DWARF, or lib/gort/layout.c's table of
 * the release); UINT32_MAX: missing. */
struct hoff {
	unsigned mheap_allspans, mheap_arenas;
	unsigned span_size, span_startaddr, span_npages, span_freeindex, span_nelems, span_allocbits,
		span_spanclass, span_state, span_elemsize, span_specials, span_largetype;
	unsigned md_types, md_etypes, md_data, md_edata, md_bss, md_ebss, md_gcdatamask, md_gcbssmask,
		md_next;
	unsigned bv_n, bv_bytedata;
	unsigned sp_next, sp_offset, sp_kind, sp_size;
	unsigned arena_bitmap;
	unsigned g_sched, g_syscallsp, g_syscallpc, gobuf_sp, gobuf_pc;
};

struct hspan {
	uint64_t base, elemsize, npages;
	uint64_t slot0;           /* index of its first slot among all spans' slots */
	uint64_t allocbits, largetype, specials;
	uint32_t nelems, freeindex;
	uint32_t divmul;          /* slot of offset o: (o * divmul) >> 32; 0: o / elemsize */
	uint8_t sizeclass;
	bool noscan;
	const uint8_t *abits;     /* (nelems+7)/8 bytes in the core; NULL: unreadable */
};

/* The slot index in span s of offset off (< its pages' bytes). */
static inline uint64_t heap_span_index(const struct hspan *s, uint64_t off)
{
	return s->divmul ? (off * s->divmul) >> 32 : off / s->elemsize;
}

/* The spans of the last two nodes looked up (indices in P->spans): nodes
 * in the mark's order alternate between a few spans (an object and what
 * it holds). */
struct spanhint { size_t last, before; };

/* A runtime type (runtime._type / internal/abi.Type). */
struct htype {
	uint64_t addr, size, ptrdata;
	const uint8_t *mask;      /* ptrdata/8 bits; NULL: unknown (scan conservatively) */
	const char *name;
};

/* The object graph: node 0 is the super-root, 1..nroots the roots, then
 * the reachable objects in the order the mark found them. Made in steps,
 * so that few arrays of a word a node exist at once: the mark makes slot
 * and the edges; the dominators turn the edges into the dominator tree
 * (by depth-first preorder number: ipre, bpre, vert) and the BFS parents;
 * then type is read (heap_types). */
struct hgraph {
	size_t n, cap;
	uint32_t *slot;           /* the object's slot (roots: NO_SLOT); its span
				   * and address: heap_node_span, heap_node_addr */
	uint32_t *type;           /* by slot (P->nslots): index+1 in types
				   * (TYPE_INDEX bits); 0: none; TYPE_INFERRED:
				   * not recorded but inferred (infer.c),
				   * TYPE_ARRAY: an array of it */
	uint64_t *reach;          /* a bit a slot: set for the reachable objects */
	/* BFS parents (shortest paths; 0 for roots): a node's immediate
	 * dominator, unless its bit in pbits is set (heap_node_parent) */
	uint64_t *pbits;          /* a bit a node */
	uint32_t *prank;          /* per 64 nodes: bits set in pbits before */
	uint32_t *pother;         /* the parents of the nodes whose bit is set, in node order */
	uint32_t *estart;         /* n+1 entries: edges of node v are edges[estart[v]..estart[v+1]) */
	uint32_t *edges; size_t nedges, capedges;
	uint32_t *vert;           /* preorder number -> node */
	uint32_t *ipre;           /* by preorder number: the immediate dominator's */
	uint32_t *bpre;           /* by preorder number: the child in the dominator
				   * tree retaining the most (NO_PRE: none) */
	uint32_t *rpre;           /* the preorder numbers of nodes 0..nroots */
	uint32_t *idom;           /* by node, made when needed (heap_idom) */
	uint64_t bytes;           /* of the objects (made by the mark) */
	uint64_t *rbytes;         /* retained bytes (self included), of 0..nroots */
	uint32_t *robjs;          /* retained objects, of 0..nroots */
};

#define NO_SLOT UINT32_MAX
#define NO_PRE UINT32_MAX
#define TYPE_INFERRED 0x80000000u
#define TYPE_ARRAY 0x40000000u
#define TYPE_INDEX 0x3fffffffu

struct hpriv {
	struct cr_core *core;
	struct cr_binary *bin;
	struct cr_gort *gort;
	struct cr_pclntab *tab;   /* NULL: stacks are scanned conservatively */
	struct cr_heap_opts opts;
	int minor;                /* go1.MINOR */
	bool greentea;            /* span-inline mark bits (go1.26 default collector) */
	bool amd64, arm64;
	uint64_t bias;
	struct hoff o;
	struct hspan *spans; size_t nspans;
	uint64_t nslots;
	uint32_t *slotnode;       /* per slot: graph node, NO_NODE if not reached */
	uint64_t heaplo, heaphi;  /* bounds of all spans */
	uint32_t *slotspan;       /* per 64 slots: the span index of the first; NULL: not made */
	uint32_t *pagespan;       /* per page of 8 KiB from heaplo: span index+1, 0: none; NULL: not made */
	struct htype *types; size_t ntypes, captypes;
	struct cr_hmap typemap;   /* type address -> index+1 */
	uint64_t mheap;           /* runtime.mheap_ */
	uint64_t firstmd;         /* runtime.firstmoduledata; 0: not found */
	bool nosyms;              /* no symbol table: globals are named by section+offset */
	struct hgraph G;
	/* a block of nspare words no step needs any more, kept for the next
	 * that needs one (heap_words): its pages are in already */
	uint32_t *spare; size_t nspare;
	struct spanhint typehint; /* heap_node_type's */
	/* roots under construction: (root node, target address) */
	struct rref { uint32_t root; uint64_t target; } *rrefs; size_t nrrefs, caprrefs;
	struct cr_hmap rootmap;   /* global symbol address -> root index+1 */
	struct cr_heap_root *roots; size_t nroots, caproots;
	size_t nwarn;
	struct hinput { const char *what; uint64_t addr; size_t len; } inputs[160];
	size_t ninputs;
};

static inline uint64_t hrd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline bool span_has(const struct hspan *s, uint32_t slot)
{
	return slot >= s->slot0 && slot - s->slot0 < s->nelems;
}

/* The span of object node v (not a root): the last whose first slot is at
 * or below v's, looked for first at the hint's two (kept by the caller,
 * zero to start), then from the span of v's slot rounded down to 64. */
static inline const struct hspan *heap_node_span(const struct hpriv *P, uint32_t v, struct spanhint *hint)
{
	uint32_t slot = P->G.slot[v];
	size_t i = hint->last < P->nspans ? hint->last : 0, j = hint->before < P->nspans ? hint->before : 0;
	if (span_has(&P->spans[i], slot))
		return &P->spans[i];
	if (span_has(&P->spans[j], slot)) {
		hint->before = i;
		hint->last = j;
		return &P->spans[j];
	}
	hint->before = i;
	if (P->slotspan) {
		size_t k = P->slotspan[slot / 64];
		while (P->spans[k].slot0 + P->spans[k].nelems <= slot)
			k++;
		hint->last = k;
	} else {
		hint->last = CR_UPPER_BOUND(P->spans, P->nspans, slot0, slot) - 1;
	}
	return &P->spans[hint->last];
}

/* The BFS parent of node v (G->idom made). */
static inline uint32_t heap_node_parent(const struct hpriv *P, uint32_t v)
{
	const struct hgraph *G = &P->G;
	uint64_t w = G->pbits[v / 64], below = w & ((1ull << (v % 64)) - 1);
	if (!((w >> (v % 64)) & 1))
		return G->idom[v];
	return G->pother[G->prank[v / 64] + (uint32_t)__builtin_popcountll(below)];
}

static inline uint64_t heap_node_addr(const struct hpriv *P, uint32_t v, struct spanhint *hint)
{
	const struct hspan *s = heap_node_span(P, v, hint);
	return s->base + (P->G.slot[v] - s->slot0) * s->elemsize;
}

/* lib/heap/read.c */
/* Remember a region read (cr_heap_inputs), while there is room. */
static inline void heap_input(struct hpriv *P, const char *what, uint64_t addr, size_t len)
{
	if (P->ninputs < sizeof P->inputs / sizeof *P->inputs && len)
		P->inputs[P->ninputs++] = (struct hinput){ what, addr, len };
}
void heap_warnf(struct cr_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n bytes at addr, from the core or else the binary's file image; NULL if
 * neither has them all. */
const uint8_t *heap_mem(struct hpriv *P, uint64_t addr, size_t n);
bool heap_u64(struct hpriv *P, uint64_t addr, uint64_t *v);
enum cr_err heap_offsets(struct cr_heap *h, struct cr_error *e);
enum cr_err heap_read_spans(struct cr_heap *h, struct cr_error *e);
/* The span holding addr, or NULL. */
const struct hspan *heap_span_of(const struct hpriv *P, uint64_t addr);
/* The allocated object containing addr: its slot, base and span; false if
 * none. */
bool heap_object_of(const struct hpriv *P, uint64_t addr, uint64_t *slot, uint64_t *base, uint32_t *span);
uint64_t heap_object_size(const struct hspan *s);
/* How many of span s's slots are allocated (cr_heap_slot_allocated). */
uint64_t heap_span_allocated(const struct hspan *s);
/* The type of the object at base (go1.22+ malloc header or largeType):
 * index+1 in P->types, 0 if none recorded; record: the header read is
 * remembered (cr_heap_inputs), the first time it is read. */
uint32_t heap_object_type(struct cr_heap *h, const struct hspan *s, uint64_t base, bool record);
/* Call fn for every pointer-sized word of the object [base, base+size)
 * that may hold a pointer (the precise bits where the release keeps them).
 * Returns false when the words were taken conservatively (all of them). */
typedef void (*heap_word_fn)(void *arg, uint64_t value);
/* The arg of a heap_word_fn that records the references of one node or
 * root (from): the first error stops it (rc, e filled). */
struct heap_scan {
	struct cr_heap *h;
	uint32_t from;
	enum cr_err rc;
	struct cr_error *e;
};
bool heap_object_words(struct cr_heap *h, const struct hspan *s, uint64_t base, uint32_t type, heap_word_fn fn,
		       void *arg);

/* index+1 of the type at address t in P->types (read and cached); 0 if
 * it is not a readable type. */
uint32_t heap_type_id(struct cr_heap *h, uint64_t t);
/* lib/heap/infer.c: the type of every object (G->type): as recorded, then
 * those of unrecorded objects inferred from their typed parents */
enum cr_err heap_types(struct cr_heap *h, struct cr_error *e);
/* lib/heap/roots.c: fills P->roots and P->rrefs */
enum cr_err heap_roots(struct cr_heap *h, struct cr_error *e);
/* lib/heap/heap.c: cr_malloc, cr_calloc, cr_realloc for the per-object
 * arrays, advised to use huge pages (freed with cr_free); heap_realloc
 * is told the block's old size in bytes. */
void *heap_malloc(size_t n);
void *heap_calloc(size_t n, size_t size);
void *heap_realloc(void *p, size_t old, size_t n);
/* A block of n words (uninitialised): blk, which has room for have words,
 * if that is enough, else a new one (blk freed); NULL when out of memory. */
uint32_t *heap_reuse(uint32_t *blk, size_t have, size_t n);
/* heap_reuse of P's spare block, which is given up either way. */
uint32_t *heap_words(struct hpriv *P, size_t n);
/* Keep blk (words long) as P's spare block, in place of the one before. */
void heap_keep(struct hpriv *P, uint32_t *blk, size_t words);
/* lib/heap/stack.c: the pointer words of a goroutine stack from (pc, sp)
 * (pc 0: none) within [lo, hi), passed to fn; while fn runs, *frame is the
 * function of the frame being read (NULL in the part scanned
 * conservatively, without a stack map; *conservative then). */
typedef enum cr_err (*word_fn)(struct cr_heap *h, void *arg, uint64_t value);
struct heap_ctx {
	uint64_t pc, sp;
	uint64_t lr; /* arm64: the link register where known (signal frame, gobuf.lr), else 0 */
};
enum cr_err heap_scan_stack(struct cr_heap *h, const struct heap_ctx *start, uint64_t lo, uint64_t hi,
			    bool innermost, word_fn fn, void *arg, bool *conservative, const char **frame);
/* The goroutine registers (pc, sp within [lo, hi), arm64's lr) a kernel
 * signal frame saved on a signal stack at or above tsp holds (amd64,
 * arm64); false if none. */
bool heap_signal_context(struct cr_heap *h, uint64_t tsp, uint64_t lo, uint64_t hi, struct heap_ctx *x);
/* lib/heap/graph.c */
enum cr_err heap_mark(struct cr_heap *h, struct cr_error *e);
enum cr_err heap_dominators(struct cr_heap *h, struct cr_error *e);
/* G->idom, the immediate dominator of each node, from the tree by preorder */
enum cr_err heap_idom(struct cr_heap *h, struct cr_error *e);
/* lib/heap/result.c */
enum cr_err heap_summarize(struct cr_heap *h, struct cr_error *e);
/* A short name of node v's type ("main.entry", "(noscan, 1024 B)"), in buf. */
const char *heap_node_type(struct cr_heap *h, uint32_t v, char *buf, size_t n);

#endif
