/* cr_heap_open: the steps (offsets, spans, roots, mark, dominators,
 * summary) and the release of everything. */
#include "heap_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The per-object arrays (tens of MB on a heap of millions of objects) on
 * transparent huge pages where the system leaves that to madvise: a 2 MiB
 * page faults in at once instead of 512 small ones, which took about a
 * third of the run's CPU on a heap of 10 million objects. Only the 2 MiB
 * pages inside the block are advised; a failure changes nothing. */
#define THP ((uintptr_t)2 << 20)
static void *advise(void *p, size_t n)
{
	if (p && n >= 2 * THP) {
		uintptr_t a = ((uintptr_t)p + THP - 1) & ~(THP - 1), b = ((uintptr_t)p + n) & ~(THP - 1);
		if (b > a)
			(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
	}
	return p;
}

void *heap_malloc(size_t n)
{
	return advise(cr_malloc(n), n);
}

void *heap_calloc(size_t n, size_t size)
{
	size_t total;
	if (!cr_mul_ok(n, size, &total))
		return NULL;
	void *p = advise(cr_malloc(total), total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *heap_realloc(void *p, size_t old, size_t n)
{
	/* a large block grows into a new one, advised before the copy
	 * touches it (realloc may copy into pages not advised yet) */
	if (!p || n <= old || n < 2 * THP)
		return advise(cr_realloc(p, n), n);
	void *q = heap_malloc(n);
	if (q) {
		memcpy(q, p, old);
		cr_free(p);
	}
	return q;
}

uint32_t *heap_reuse(uint32_t *blk, size_t have, size_t n)
{
	if (blk && have >= n)
		return blk;
	cr_free(blk);
	return n <= SIZE_MAX / sizeof *blk ? heap_malloc(n * sizeof *blk) : NULL;
}

uint32_t *heap_words(struct hpriv *P, size_t n)
{
	uint32_t *b = heap_reuse(P->spare, P->nspare, n ? n : 1);
	P->spare = NULL;
	P->nspare = 0;
	return b;
}

void heap_keep(struct hpriv *P, uint32_t *blk, size_t words)
{
	cr_free(P->spare);
	P->spare = blk;
	P->nspare = blk ? words : 0;
}

static int go_minor(const char *v)
{
	if (!v || strncmp(v, "go1.", 4) != 0)
		return 0;
	char *end;
	unsigned long m = strtoul(v + 4, &end, 10);
	return end != v + 4 && m < 1000 ? (int)m : 0;
}

/* mheap_ whose allspans slice is sane: 0 < len <= cap, its array in the core */
static bool mheap_ok(struct hpriv *P, uint64_t a)
{
	uint64_t arr, len, cap;
	if (!heap_u64(P, a + P->o.mheap_allspans, &arr) || !heap_u64(P, a + P->o.mheap_allspans + 8, &len) ||
	    !heap_u64(P, a + P->o.mheap_allspans + 16, &cap))
		return false;
	return len > 0 && len <= cap && len < (1ull << 32) && cr_core_ptr(P->core, arr, 8) != NULL;
}

/* runtime.mheap_ and firstmoduledata without symbols: as gort finds them
 * (from the machine code of the runtime functions that use them). */
static enum cr_err find_globals(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	struct cr_goglobals G;
	cr_goglobals_find(P->bin, P->tab, true, &G);
	if (!P->firstmd && G.have_moduledata)
		P->firstmd = G.firstmoduledata + P->bias;
	if (!P->mheap) {
		if (G.mheap.addr && mheap_ok(P, G.mheap.addr + P->bias))
			P->mheap = G.mheap.addr + P->bias;
		for (size_t i = 0; !P->mheap && i < G.mheap.ncand && i < CR_GOGLOBAL_MAXCAND; i++)
			if (mheap_ok(P, G.mheap.cand[i] + P->bias))
				P->mheap = G.mheap.cand[i] + P->bias;
	}
	if (!P->mheap)
		return cr_fail(e, CR_UNSUPPORTED, "runtime.mheap_ not found (no symbol, and none of the runtime's "
			       "code that uses it leads to a span table in the core)");
	return CR_OK;
}

enum cr_err cr_heap_open(struct cr_heap *h, struct cr_gort *g, struct cr_core *c, struct cr_binary *b,
			 const struct cr_heap_opts *opts, struct cr_error *e)
{
	static const struct cr_heap_opts defaults = { 0 };
	memset(h, 0, sizeof *h);
	cr_arena_init(&h->arena);
	struct hpriv *P = cr_calloc(1, sizeof *P);
	if (!P)
		return cr_fail(e, CR_NOMEM, "out of memory");
	h->priv = P;
	P->core = c;
	P->bin = b;
	P->gort = g;
	P->opts = opts ? *opts : defaults;
	if (!P->opts.max_objects)
		P->opts.max_objects = 100000000;
	cr_hmap_init(&P->typemap);
	cr_hmap_init(&P->rootmap);
	h->go_version = g->go_version;
	P->minor = go_minor(g->go_version);
	P->amd64 = g->arch && !strcmp(g->arch, "amd64");
	P->arm64 = g->arch && !strcmp(g->arch, "arm64");
	P->bias = g->bias;
	bool nogt = g->go_version && strstr(g->go_version, "nogreenteagc");
	P->greentea = (P->minor >= 26 && !nogt) || (P->minor == 25 && g->go_version && strstr(g->go_version, "greenteagc") && !nogt);
	if (P->minor < 19)
		return cr_fail(e, CR_UNSUPPORTED, "heap analysis reads go1.19 and later; the core is of %s",
			       g->go_version && *g->go_version ? g->go_version : "an unknown Go version");
	if (cr_binary_ptrsize(b) != 8)
		return cr_fail(e, CR_UNSUPPORTED, "heap analysis reads 64-bit programs only");
	/* 0 before the first collection has aggregated the heap's statistics */
	h->have_heap_alloc = g->mem.present && g->mem.have_alloc && g->mem.heap_alloc > 0;
	h->heap_alloc = g->mem.heap_alloc;
	enum cr_err rc = heap_offsets(h, e);
	if (rc)
		return rc;
	struct cr_error pe = { 0 };
	if (cr_pclntab_open(b, &P->tab, &pe)) {
		P->tab = NULL;
		heap_warnf(h, "no pclntab (%s): goroutine stacks are scanned conservatively", pe.msg);
	}
	const struct cr_elf_symbol *mh = cr_binary_symbol_by_name(b, "runtime.mheap_");
	const struct cr_elf_symbol *fm = cr_binary_symbol_by_name(b, "runtime.firstmoduledata");
	P->mheap = mh ? mh->value + P->bias : 0;
	P->firstmd = fm ? fm->value + P->bias : 0;
	h->no_symbols = P->nosyms = cr_binary_nsymbols(b) == 0;
	if ((!mh || !fm) && (rc = find_globals(h, e)))
		return rc;
	if ((rc = heap_read_spans(h, e)) || (rc = heap_roots(h, e)) || (rc = heap_mark(h, e)))
		return rc;
	/* the slot -> node map is not needed again: its block is the
	 * dominators' first */
	heap_keep(P, P->slotnode, (size_t)P->nslots);
	P->slotnode = NULL;
	if ((rc = heap_dominators(h, e)) || (rc = heap_types(h, e)) || (rc = heap_summarize(h, e)))
		return rc;
	return CR_OK;
}

void cr_heap_release(struct cr_heap *h)
{
	struct hpriv *P = h->priv;
	if (P) {
		struct hgraph *G = &P->G;
		cr_free(G->slot);
		cr_free(G->type);
		cr_free(G->reach);
		cr_free(G->pbits);
		cr_free(G->prank);
		cr_free(G->pother);
		cr_free(G->estart);
		cr_free(G->edges);
		cr_free(G->vert);
		cr_free(G->ipre);
		cr_free(G->bpre);
		cr_free(G->rpre);
		cr_free(G->idom);
		cr_free(G->rbytes);
		cr_free(G->robjs);
		cr_pclntab_close(P->tab);
		cr_free(P->spans);
		cr_free(P->pagespan);
		cr_free(P->slotspan);
		cr_free(P->slotnode);
		cr_free(P->spare);
		cr_free(P->types);
		cr_free(P->rrefs);
		cr_free(P->roots);
		cr_hmap_release(&P->typemap);
		cr_hmap_release(&P->rootmap);
		cr_free(P);
	}
	cr_buf_release(&h->warn);
	cr_arena_release(&h->arena);
	memset(h, 0, sizeof *h);
}
