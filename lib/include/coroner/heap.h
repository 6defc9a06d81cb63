/* The Go heap seen from a core: every allocated object, the roots that
 * reference them, what is reachable, and how much each root retains.
 *
 * Objects come from the runtime's span table (mheap_.allspans): every span
 * in use, its size class, element size and count, and its alloc bits (an
 * object is allocated when its index is below freeindex or its alloc bit
 * is set: objects allocated since the last sweep have no alloc bit yet).
 * Where an object's pointers are (so what it references):
 *   - go1.22 and later: small objects of up to 512 bytes have one bit per
 *     word at the end of their span (before the span-inline mark bits of
 *     the go1.26 collector); larger ones start with a malloc header (the
 *     address of their runtime type) and large objects' spans hold it
 *     (mspan.largeType); the type's GC mask gives the pointer words. These
 *     typed objects are named by their type (runtime type name), and an
 *     unrecorded object a typed one points to from a *T or []T field (at
 *     its start) is named T or []T (inferred_objects).
 *   - go1.19 to go1.21: the heap bitmap of each arena (two bits per word in
 *     go1.19, one in go1.20 and go1.21). No type is recorded.
 *   - objects whose span is pointer-free (noscan) reference nothing;
 *     objects whose bits cannot be read are scanned conservatively (every
 *     word that points into an allocated object) and counted as such.
 * Roots: the data and bss of every module with their GC masks (a global is
 * named by its symbol), each goroutine's stack (frame by frame with the
 * compiler's stack maps on amd64 and arm64; where a frame has no map, the
 * rest conservatively: every word that points into an allocated object
 * counts, and the root says so), and the finalizer and cleanup
 * records (their function and what the object itself references).
 * Reachability is a breadth-first mark from the roots (which also gives the
 * shortest retainer path of every object); retention is the dominator tree
 * (Lengauer-Tarjan) over the reachable graph, with one super-root above the
 * roots: an object reachable from two roots is retained by neither.
 *
 * Struct offsets come from the binary's DWARF (runtime.mspan, mheap,
 * moduledata, special, heapArena, g, gobuf), or, for a binary without
 * DWARF (-ldflags='-s -w'), from a table per Go release (lib/gort/layout.c,
 * cr_gort_layout_table;
 * a release without one is CR_UNSUPPORTED). Without a symbol table,
 * runtime.mheap_ and firstmoduledata are found as `coroner core` finds
 * them (cr_goglobals_find) and a global is named by its section and offset
 * ("bss+0x1a0"), one root per pointer word. Everything read is checked against the core; what
 * does not add up is reported in warn and makes the result partial.
 * Everything lives in the heap's arena; cr_heap_release() frees it all.
 */
#ifndef CORONER_HEAP_H
#define CORONER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/error.h"
#include "coroner/gort.h"
#include "coroner/profile.h"
#include "coroner/util.h"

enum cr_heap_root_kind { CR_ROOT_GLOBAL, CR_ROOT_STACK, CR_ROOT_FINALIZER, CR_ROOT_RUNTIME };
/* "global", "stack", "finalizer", "runtime" */
const char *cr_heap_root_kind_name(enum cr_heap_root_kind k);

struct cr_heap_root {
	enum cr_heap_root_kind kind;
	const char *name;         /* symbol ("main.registry"), "goroutine 18", "finalizer of 0x..." */
	int64_t goroutine;        /* stack roots: goroutine id; else 0 */
	const char *function;     /* stack roots: the innermost frame outside package runtime; else NULL */
	const char *path;         /* the types down the largest retained branch:
				   * "map.buckets -> main.entry -> ..." ("" if it retains nothing) */
	uint64_t addr;            /* a global's address, a goroutine's g, a finalized object */
	uint64_t retained_bytes, retained_objects;
	uint64_t refs;            /* pointers from this root into the heap */
	bool conservative;        /* scanned without a pointer map */
};

struct cr_heap_type {
	const char *type;         /* runtime type name, or "(no type, N B)" / "(noscan, N B)" */
	uint64_t count, bytes;    /* reachable objects of this type */
};

struct cr_heap_opts {
	size_t max_objects;       /* CR_LIMIT past this many allocated objects (0: 100 million) */
	size_t path_depth;        /* steps of a root's path (0: 6) */
};

struct cr_heap {
	const char *go_version;
	uint64_t nspans;             /* spans in use */
	uint64_t objects, bytes;     /* allocated (reachable or not) */
	uint64_t reachable_objects, reachable_bytes;
	uint64_t unreachable_objects, unreachable_bytes;
	uint64_t typed_objects;      /* reachable objects whose type the runtime recorded */
	uint64_t inferred_objects;   /* reachable objects typed from a typed parent's field */
	uint64_t conservative_objects; /* reachable objects scanned without pointer bits */
	bool layout_from_table;      /* no DWARF: struct offsets from the release's table */
	bool no_symbols;             /* no symbol table: globals named "data+0x..." / "bss+0x..." */
	bool have_heap_alloc;
	uint64_t heap_alloc;         /* runtime.memstats' HeapAlloc, when the core has it */
	struct cr_heap_root *roots; size_t nroots; /* retained bytes, largest first */
	struct cr_heap_type *types; size_t ntypes; /* bytes, largest first */
	bool partial;                /* something could not be read: see warn */
	struct cr_buf warn;          /* one problem per line */
	struct cr_arena arena;
	void *priv;                  /* the object graph, for paths and the profile */
};

/* Read the heap of core c (its runtime g, binary b) and compute roots,
 * reachability and retention. c, b and g must outlive h. Errors:
 * CR_UNSUPPORTED (no DWARF, no span table), CR_FORMAT (the span table
 * cannot be read), CR_LIMIT (opts.max_objects), CR_NOMEM. Call
 * cr_heap_release() whatever the result. */
enum cr_err cr_heap_open(struct cr_heap *h, struct cr_gort *g, struct cr_core *c, struct cr_binary *b,
			 const struct cr_heap_opts *opts, struct cr_error *e);
void cr_heap_release(struct cr_heap *h);

/* The shortest retainer paths of the objects of a type (query is a type
 * name as in h->types) or of the object containing an address (query
 * "0x..."): one line per object, at most max objects, root outermost:
 * "main.registry -> map.buckets@0xc000123000 -> main.entry@0xc000456000".
 * Appended to out; *nfound: objects matched. CR_NOTFOUND if none. */
enum cr_err cr_heap_paths(struct cr_heap *h, const char *query, size_t max, struct cr_buf *out,
			  size_t *nfound, struct cr_error *e);

/* A profile of references: sample types inuse_objects/count and
 * inuse_space/bytes, one sample per retention path (root outermost, then
 * the types down the dominator tree, repeats of one type folded), each
 * "frame" a function named after the root or the type. p must be
 * initialised and empty. */
enum cr_err cr_heap_profile(struct cr_heap *h, struct cr_profile *p, struct cr_error *e);

/* ---- the span and bitmap reader, for tests and fuzzing */
/* The regions of the core the reader took its structure from (at most
 * 160: the allspans slice and array, the first spans' mspan records, their
 * alloc bits and span-inline bits, the first types and their masks, object
 * headers, moduledata, special records), each as fn(arg, what, addr, len)
 * with what one of "allspans", "spans", "mspan", "allocbits", "heapbits",
 * "type", "gcmask", "header", "moduledata", "special". */
void cr_heap_inputs(const struct cr_heap *h, void (*fn)(void *arg, const char *what, uint64_t addr, size_t len),
		    void *arg);
/* Whether slot i of a span with nelems slots is allocated: i < freeindex
 * or bit i of allocbits (nbytes bytes) is set. Bits beyond nbytes read 0. */
bool cr_heap_slot_allocated(const uint8_t *allocbits, size_t nbytes, uint64_t freeindex, uint64_t i);
/* Pointer words of an object from a go1.22+ span-inline bitmap: bits (one
 * per word of the span, nbits of them) from word w0 for nwords words;
 * calls fn(arg, word) for each pointer word. Returns the number found. */
size_t cr_heap_inline_ptrs(const uint8_t *bits, size_t nbits, uint64_t w0, uint64_t nwords,
			   void (*fn)(void *arg, uint64_t word), void *arg);

#endif
