/* The roots of the heap: module data and bss (their GC masks), goroutine
 * stacks (conservatively, from the stack pointer up), finalizer and cleanup
 * records. Each root gets a graph node (1..nroots) and the addresses it
 * references (P->rrefs); the mark resolves them to objects. */
#include "heap_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_SPECIALS 10000000u

static enum cr_err add_root(struct cr_heap *h, enum cr_heap_root_kind kind, const char *name, uint64_t addr,
			    uint32_t *idx, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	if (cr_grow(&P->roots, &P->caproots, P->nroots + 1, sizeof *P->roots))
		return cr_fail(e, CR_NOMEM, "out of memory for roots");
	struct cr_heap_root *r = &P->roots[P->nroots];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->name = cr_arena_strndup(&h->arena, name, strlen(name));
	r->addr = addr;
	if (!r->name)
		return cr_fail(e, CR_NOMEM, "out of memory for roots");
	*idx = (uint32_t)P->nroots++;
	return CR_OK;
}

static enum cr_err add_ref(struct hpriv *P, uint32_t root, uint64_t target, struct cr_error *e)
{
	if (cr_grow(&P->rrefs, &P->caprrefs, P->nrrefs + 1, sizeof *P->rrefs))
		return cr_fail(e, CR_NOMEM, "out of memory for root references");
	P->rrefs[P->nrrefs].root = root;
	P->rrefs[P->nrrefs].target = target;
	P->nrrefs++;
	P->roots[root].refs++;
	return CR_OK;
}

static bool in_heap(const struct hpriv *P, uint64_t v)
{
	uint64_t slot, base;
	uint32_t span;
	return v >= P->heaplo && v < P->heaphi && heap_object_of(P, v, &slot, &base, &span);
}

/* The sized symbol covering link-time address a (a marker such as
 * runtime.bss shares the address of the first variable), else the nearest
 * one below. */
static const struct cr_elf_symbol *symbol_of(const struct cr_binary *b, uint64_t a)
{
	size_t n;
	const struct cr_elf_symbol *syms = cr_binary_symbols(b, &n);
	size_t lo = CR_UPPER_BOUND(syms, n, value, a);
	for (size_t k = 0; k < 32 && lo > 0; k++, lo--) {
		const struct cr_elf_symbol *y = &syms[lo - 1];
		if (y->size && a - y->value < y->size)
			return y;
	}
	return cr_binary_symbol_at(b, a);
}

/* The root of the global at addr (grouped by symbol; without a symbol
 * table, one per word, named by its section (what, from start) and
 * offset). */
static enum cr_err global_root(struct cr_heap *h, uint64_t addr, const char *what, uint64_t start, uint32_t *idx,
			       struct cr_error *e)
{
	struct hpriv *P = h->priv;
	const struct cr_elf_symbol *s = P->nosyms ? NULL : symbol_of(P->bin, addr - P->bias);
	uint64_t key = s ? s->value : P->nosyms ? addr : 0;
	uint32_t *v = cr_hmap_get(&P->rootmap, &key, sizeof key);
	if (v) {
		*idx = *v - 1;
		return CR_OK;
	}
	char name[256];
	if (s && s->name)
		snprintf(name, sizeof name, "%s", s->name);
	else if (P->nosyms)
		snprintf(name, sizeof name, "%s+0x%" PRIx64, what, addr - start);
	else
		snprintf(name, sizeof name, "(data without a symbol)");
	for (char *c = name; *c; c++)
		if ((unsigned char)*c < 32 || (unsigned char)*c > 126)
			*c = '?';
	enum cr_heap_root_kind kind = !strncmp(name, "runtime.", 8) || !strncmp(name, "internal/", 9) ||
						      !strncmp(name, "runtime/", 8)
					      ? CR_ROOT_RUNTIME
					      : CR_ROOT_GLOBAL;
	enum cr_err rc = add_root(h, kind, name, s ? s->value + P->bias : addr, idx, e);
	if (rc)
		return rc;
	bool found;
	if (!cr_hmap_put(&P->rootmap, &key, sizeof key, *idx + 1, &found))
		return cr_fail(e, CR_NOMEM, "out of memory for roots");
	return CR_OK;
}

/* One data or bss range with its mask (bitvector: n bits, bytedata). */
static enum cr_err scan_masked(struct cr_heap *h, uint64_t start, uint64_t end, uint64_t bv, const char *what,
			       struct cr_error *e)
{
	struct hpriv *P = h->priv;
	uint64_t nbits = 0, bytes = 0;
	const uint8_t *nb = heap_mem(P, bv + P->o.bv_n, 4);
	if (end <= start || end - start > (1ull << 32))
		return CR_OK;
	if (!nb || !heap_u64(P, bv + P->o.bv_bytedata, &bytes)) {
		heap_warnf(h, "module %s mask at 0x%" PRIx64 ": not in the core", what, bv);
		return CR_OK;
	}
	int32_t n32;
	memcpy(&n32, nb, 4);
	nbits = n32 > 0 ? (uint64_t)n32 : 0;
	if (nbits > (end - start) / 8)
		nbits = (end - start) / 8;
	const uint8_t *mask = heap_mem(P, bytes, (size_t)((nbits + 7) / 8));
	if (!mask) {
		heap_warnf(h, "module %s mask at 0x%" PRIx64 ": not in the core", what, bytes);
		return CR_OK;
	}
	size_t missing = 0;
	for (uint64_t i = 0; i < nbits; i++) {
		if (!((mask[i / 8] >> (i % 8)) & 1))
			continue;
		uint64_t v;
		if (!heap_u64(P, start + i * 8, &v)) {
			if (!missing++)
				heap_warnf(h, "module %s: word at 0x%" PRIx64 " not in the core", what, start + i * 8);
			continue;
		}
		if (!in_heap(P, v))
			continue;
		uint32_t r;
		enum cr_err rc = global_root(h, start + i * 8, what, start, &r, e);
		if (!rc)
			rc = add_ref(P, r, v, e);
		if (rc)
			return rc;
	}
	return CR_OK;
}

static enum cr_err scan_modules(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	if (!P->firstmd) {
		heap_warnf(h, "runtime.firstmoduledata not found: globals are not roots");
		return CR_OK;
	}
	uint64_t md = P->firstmd;
	for (int guard = 0; md && guard < 64; guard++) {
		uint64_t data, edata, bss, ebss, next;
		if (!heap_u64(P, md + P->o.md_data, &data) || !heap_u64(P, md + P->o.md_edata, &edata) ||
		    !heap_u64(P, md + P->o.md_bss, &bss) || !heap_u64(P, md + P->o.md_ebss, &ebss) ||
		    !heap_u64(P, md + P->o.md_next, &next)) {
			heap_warnf(h, "moduledata at 0x%" PRIx64 ": not in the core", md);
			break;
		}
		heap_input(P, "moduledata", md, 512);
		if (data > edata || bss > ebss || (guard == 0 && (data == edata || bss == ebss)))
			heap_warnf(h, "moduledata at 0x%" PRIx64 ": data [0x%" PRIx64 ", 0x%" PRIx64 ") or bss [0x%" PRIx64
				   ", 0x%" PRIx64 ") empty or inverted: its globals are not roots", md, data, edata, bss, ebss);
		enum cr_err rc = scan_masked(h, data, edata, md + P->o.md_gcdatamask, "data", e);
		if (!rc)
			rc = scan_masked(h, bss, ebss, md + P->o.md_gcbssmask, "bss", e);
		if (rc)
			return rc;
		md = next;
	}
	return CR_OK;
}

static const char *user_function(const struct cr_goroutine *g)
{
	for (size_t i = 0; i < g->stack->nframes; i++) {
		const char *f = cr_frame_or(g->stack->frames[i].function, "?");
		if (strncmp(f, "runtime.", 8) != 0 && strncmp(f, "runtime/", 8) != 0)
			return f;
	}
	return g->start_function;
}

struct stackscan {
	uint32_t root;
	const struct cr_goroutine *G;
	const char *frame;        /* the frame being read (NULL: conservative part) */
	const char *root_frame;   /* the frame of root */
	bool root_cons;
	struct cr_error *e;
};

/* One root per goroutine and frame function holding pointers (the
 * conservative part of a stack is one more, named by the goroutine's
 * innermost function outside the runtime). */
static enum cr_err stack_word(struct cr_heap *h, void *arg, uint64_t v)
{
	struct hpriv *P = h->priv;
	struct stackscan *S = arg;
	if (!in_heap(P, v))
		return CR_OK;
	bool cons = S->frame == NULL;
	if (S->root == UINT32_MAX || S->root_cons != cons || (!cons && S->root_frame != S->frame)) {
		char name[64];
		snprintf(name, sizeof name, "goroutine %lld", (long long)S->G->goid);
		enum cr_err rc = add_root(h, CR_ROOT_STACK, name, S->G->addr, &S->root, S->e);
		if (rc)
			return rc;
		P->roots[S->root].goroutine = S->G->goid;
		P->roots[S->root].function = cons ? user_function(S->G) : S->frame;
		P->roots[S->root].conservative = cons;
		S->root_frame = S->frame;
		S->root_cons = cons;
	}
	return add_ref(P, S->root, v, S->e);
}

static enum cr_err scan_stacks(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	const struct cr_gort *g = P->gort;
	size_t nconservative = 0;
	for (size_t i = 0; i < g->ngs; i++) {
		const struct cr_goroutine *G = &g->gs[i];
		uint64_t lo = G->stack_lo, hi = G->stack_hi, v, w;
		struct heap_ctx x = { 0, 0, 0 };
		if (hi <= lo || hi - lo > (1ull << 30))
			continue;
		bool running = false, innermost = false;
		/* a goroutine running on a thread: on its own stack, that thread's
		 * sp, scanned conservatively (the innermost frame may be anywhere);
		 * on the signal stack, the registers the signal interrupted */
		for (size_t t = 0; t < g->nthreads && !running; t++) {
			const struct cr_gthread *T = &g->threads[t];
			if (T->curg != G->goid || !T->on)
				continue;
			if (!strcmp(T->on, "goroutine")) {
				x.sp = T->regs.sp;
				running = true;
			} else if (!strcmp(T->on, "gsignal") && heap_signal_context(h, T->regs.sp, lo, hi, &x)) {
				running = innermost = true;
			}
		}
		if (!running && (G->status & ~(uint32_t)CR_G_SCAN) == CR_G_SYSCALL &&
		    heap_u64(P, G->addr + P->o.g_syscallsp, &v) && v >= lo && v < hi &&
		    heap_u64(P, G->addr + P->o.g_syscallpc, &w)) {
			x.sp = v;
			x.pc = w;
		} else if (!running && heap_u64(P, G->addr + P->o.g_sched + P->o.gobuf_sp, &v) && v >= lo && v < hi &&
			   heap_u64(P, G->addr + P->o.g_sched + P->o.gobuf_pc, &w)) {
			x.sp = v;
			x.pc = w;
		}
		struct stackscan S = { UINT32_MAX, G, NULL, NULL, false, e };
		bool cons;
		enum cr_err rc = heap_scan_stack(h, &x, lo, hi, innermost, stack_word, &S, &cons, &S.frame);
		if (rc)
			return rc;
		if (cons)
			nconservative++;
	}
	(void)nconservative;
	return CR_OK;
}

static void obj_ref(void *arg, uint64_t v)
{
	struct heap_scan *R = arg;
	struct hpriv *P = R->h->priv;
	if (!R->rc && in_heap(P, v))
		R->rc = add_ref(P, R->from, v, R->e);
}

static enum cr_err scan_specials(struct cr_heap *h, struct cr_error *e)
{
	struct hpriv *P = h->priv;
	unsigned k_fin = P->minor >= 25 ? 2 : 1, k_cleanup = P->minor >= 25 ? 7 : P->minor == 24 ? 6 : 0;
	unsigned owidth = P->o.sp_kind - P->o.sp_offset >= 8 ? 8 : 2;
	uint64_t total = 0;
	for (size_t i = 0; i < P->nspans; i++) {
		const struct hspan *s = &P->spans[i];
		uint64_t sp = s->specials;
		while (sp) {
			if (++total > MAX_SPECIALS) {
				heap_warnf(h, "more than %u special records: the rest are not roots", MAX_SPECIALS);
				return CR_OK;
			}
			const uint8_t *m = heap_mem(P, sp, P->o.sp_size + 16);
			if (!m) {
				heap_warnf(h, "span 0x%" PRIx64 ": special record 0x%" PRIx64 " not in the core", s->base, sp);
				break;
			}
			heap_input(P, "special", sp, P->o.sp_size + 16);
			uint64_t next = hrd64(m + P->o.sp_next);
			uint64_t off = owidth == 8 ? hrd64(m + P->o.sp_offset)
						   : (uint64_t)m[P->o.sp_offset] | (uint64_t)m[P->o.sp_offset + 1] << 8;
			unsigned kind = m[P->o.sp_kind];
			if (next == sp) {
				heap_warnf(h, "span 0x%" PRIx64 ": special record 0x%" PRIx64 " points to itself", s->base, sp);
				next = 0;
			}
			if ((kind == k_fin || (k_cleanup && kind == k_cleanup)) && off < s->npages * PAGE_SIZE_GO) {
				uint64_t obj = s->base + off;
				char name[64];
				snprintf(name, sizeof name, "%s of 0x%" PRIx64, kind == k_fin ? "finalizer" : "cleanup", obj);
				uint32_t r;
				enum cr_err rc = add_root(h, CR_ROOT_FINALIZER, name, obj, &r, e);
				if (rc)
					return rc;
				/* the function (closure) */
				uint64_t fn = hrd64(m + P->o.sp_size);
				if (in_heap(P, fn) && (rc = add_ref(P, r, fn, e)))
					return rc;
				/* what the object references (not the object itself) */
				uint64_t slot, base;
				uint32_t si;
				if (kind == k_fin && heap_object_of(P, obj, &slot, &base, &si)) {
					struct heap_scan R = { h, r, CR_OK, e };
					heap_object_words(h, &P->spans[si], base, heap_object_type(h, &P->spans[si], base, true),
							  obj_ref, &R);
					if (R.rc)
						return R.rc;
				}
			}
			sp = next;
		}
	}
	return CR_OK;
}

enum cr_err heap_roots(struct cr_heap *h, struct cr_error *e)
{
	enum cr_err rc = scan_modules(h, e);
	if (!rc)
		rc = scan_stacks(h, e);
	if (!rc)
		rc = scan_specials(h, e);
	return rc;
}
