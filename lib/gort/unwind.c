/* The Go unwinder over a core: frames from pclntab (with inlined calls),
 * stack switches (g0, gsignal, cgo calls, signal frames) and C frames with
 * libunwind where the core has them. Stacks are interned in a pc cache. */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_named(const struct cr_gofunc *f, const char *name)
{
	return f->name && strcmp(f->name, name) == 0;
}

struct cr_gstack gort_empty_stack = { 0 };

const char *gort_arena_fmt(struct cr_gort *g, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	return cr_arena_strndup(&g->arena, tmp, strlen(tmp));
}

static bool pool_push(struct pccache *C, const struct cr_frame *f)
{
	if (cr_grow(&C->pool, &C->cap_pool, C->npool + 1, sizeof *C->pool))
		return false;
	C->pool[C->npool++] = *f;
	return true;
}

/* The entry of key in the cache's open-addressing table (nslots > 0), or
 * NULL with *slot the free slot where it would go. */
static struct pcent *cache_find(struct pccache *C, uint64_t key, size_t *slot)
{
	size_t h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
	while (C->slots[h]) {
		struct pcent *e = &C->ents[C->slots[h] - 1];
		if (e->key == key)
			return e;
		h = (h + 1) & (C->nslots - 1);
	}
	*slot = h;
	return NULL;
}

/* A new entry of key at the end of the cache's entries (not in its table
 * yet), its frames the next ones pushed to the pool; NULL on NOMEM. */
static struct pcent *cache_new(struct pccache *C, uint64_t key)
{
	if (cr_grow(&C->ents, &C->cap, C->n + 1, sizeof *C->ents))
		return NULL;
	struct pcent *e = &C->ents[C->n];
	memset(e, 0, sizeof *e);
	e->key = key;
	e->fstart = (uint32_t)C->npool;
	return e;
}

/* The cache entry of pc (runtime address); NULL on NOMEM. */
static const struct pcent *pc_lookup(struct cr_gort *g, uint64_t pc, bool trap, bool sigreturn_frame)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	uint64_t lpc = pc - g->bias;
	uint64_t key = ((lpc << 1) | (trap ? 1 : 0)) + 1;
	if (C->n * 2 >= C->nslots) {
		size_t ns = C->nslots ? C->nslots * 2 : 4096;
		uint32_t *sl = cr_calloc(ns, sizeof *sl);
		if (!sl)
			return NULL;
		for (size_t i = 0; i < C->n; i++) {
			size_t h = (size_t)(C->ents[i].key * 0x9e3779b97f4a7c15ull) & (ns - 1);
			while (sl[h])
				h = (h + 1) & (ns - 1);
			sl[h] = (uint32_t)i + 1;
		}
		cr_free(C->slots);
		C->slots = sl;
		C->nslots = ns;
	}
	size_t h;
	struct pcent *hit = cache_find(C, key, &h);
	if (hit)
		return hit;
	struct pcent *e = cache_new(C, key);
	if (!e)
		return NULL;
	e->valid = cr_pclntab_find_func(P->tab, lpc, &e->f);
	if (!e->valid) {
		struct cr_frame fr = { .function = "", .file = "", .module = "", .pc = pc };
		if (!pool_push(C, &fr))
			return NULL;
	} else {
		e->have_delta = cr_pclntab_spdelta(P->tab, &e->f, lpc, &e->delta) && e->delta >= 0;
		uint64_t tracepc = lpc;
		if (!trap && lpc > e->f.entry)
			tracepc--;
		size_t n = sigreturn_frame ? 0 : cr_pclntab_frames(P->tab, tracepc, P->fbuf, FBUF_MAX);
		if (n == 0) {
			struct cr_frame fr = { .function = e->f.name, .file = "", .module = "", .pc = pc,
					       .entry = e->f.entry + g->bias };
			int32_t ln = 0;
			if (cr_pclntab_line(P->tab, &e->f, tracepc, &fr.file, &ln))
				fr.line = ln;
			if (!pool_push(C, &fr))
				return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			struct cr_frame fr = P->fbuf[i];
			fr.pc = pc;
			fr.entry = (i + 1 == n ? e->f.entry : fr.entry) + g->bias;
			if (!pool_push(C, &fr))
				return NULL;
		}
	}
	e->fn = (uint32_t)(C->npool - e->fstart);
	size_t idx = C->n++;
	C->slots[h] = (uint32_t)idx + 1; /* the free slot cache_find gave: no slot was taken since */
	return e;
}

static bool ids_push(struct pccache *C, const struct pcent *e)
{
	if (cr_grow(&C->ids, &C->cap_ids, C->nids + 1, sizeof *C->ids))
		return false;
	C->ids[C->nids++] = (uint32_t)(e - C->ents);
	return true;
}

/* The shared stack for the ids gathered in C->ids and stop. */
const struct cr_gstack *gort_intern_stack(struct cr_gort *g, const char *stop)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	struct cr_buf key = { 0 };
	if (cr_buf_add(&key, C->ids, C->nids * sizeof *C->ids) ||
	    (stop && cr_buf_add(&key, stop, strlen(stop))))
		goto nomem;
	bool found = false;
	uint32_t *v = cr_hmap_put(&C->stacks, key.data ? key.data : "", key.len, (uint32_t)C->nsvec, &found);
	cr_buf_release(&key);
	if (!v)
		return &gort_empty_stack;
	if (found)
		return C->svec[*v];
	struct cr_gstack *S = cr_arena_alloc(&g->arena, sizeof *S);
	size_t nf = 0;
	for (size_t i = 0; i < C->nids; i++)
		nf += C->ents[C->ids[i]].fn;
	if (!S || cr_grow(&C->svec, &C->cap_svec, C->nsvec + 1, sizeof *C->svec))
		goto nomem;
	S->frames = nf ? cr_arena_alloc(&g->arena, nf * sizeof *S->frames) : NULL;
	S->nframes = 0;
	S->stop = stop ? cr_arena_strndup(&g->arena, stop, strlen(stop)) : NULL;
	if (nf && !S->frames)
		goto nomem;
	for (size_t i = 0; i < C->nids; i++) {
		const struct pcent *e = &C->ents[C->ids[i]];
		memcpy(S->frames + S->nframes, C->pool + e->fstart, e->fn * sizeof *S->frames);
		S->nframes += e->fn;
	}
	C->svec[C->nsvec++] = S;
	return S;
nomem:
	cr_buf_release(&key);
	gort_warnf(g, "out of memory keeping a stack");
	return &gort_empty_stack;
}

/* ---------------------------------------------------------------- C frames */

static bool native_ready(struct cr_gort *g)
{
	struct priv *P = g->priv;
	if (!P->native_tried) {
		P->native_tried = true;
		if (!(P->flags & CR_GORT_NO_NATIVE) && cr_native_available()) {
			struct cr_error e = { 0 };
			struct cr_buf w = { 0 };
			if (cr_native_open(&P->native, P->core, P->bin, &w, &e))
				gort_warnf(g, "no C frames: %s", e.msg);
			else
				g->native_frames = true;
			if (w.len)
				gort_warnf(g, "%.*s", (int)(w.len && w.data[w.len - 1] == '\n' ? w.len - 1 : w.len), w.data);
			cr_buf_release(&w);
		}
	}
	return P->native != NULL;
}

/* Frames of a C pc (runtime address): the executable's DWARF (inlined
 * frames too) or ELF symbols, else the mapped library's ELF symbols. */
static void native_symbolize(struct cr_gort *g, uint64_t pc, bool ret, struct cr_frame *out, size_t *n,
			     size_t max)
{
	struct priv *P = g->priv;
	*n = 0;
	const struct cr_core_file *f = NULL;
	for (size_t i = 0; i < P->core->nfiles; i++)
		if (pc >= P->core->files[i].start && pc < P->core->files[i].end)
			f = &P->core->files[i];
	const char *exe = cr_core_exe_path(P->core);
	uint64_t q = ret ? pc - 1 : pc;
	struct cr_frame fr = { .function = "", .file = "", .module = "", .native = true, .pc = pc };
	if (!f || (exe && strcmp(f->path, exe) == 0)) {
		uint64_t lpc = q - g->bias;
		if (!P->dwarf_tried) {
			P->dwarf_tried = true;
			if (cr_dwarf_open(P->bin, &P->dwarf, NULL))
				P->dwarf = NULL;
		}
		struct cr_frame sf[16];
		size_t k = P->dwarf ? cr_dwarf_frames(P->dwarf, lpc, sf, 16) : 0;
		for (size_t i = 0; i < k && *n < max; i++) {
			if (!*sf[i].function)
				continue;
			out[*n] = sf[i];
			out[*n].pc = pc;
			out[*n].native = true;
			out[*n].entry = sf[i].entry ? sf[i].entry + g->bias : 0;
			(*n)++;
		}
		if (*n)
			return;
		const struct cr_elf_symbol *s = cr_binary_symbol_at(P->bin, lpc);
		if (s) {
			fr.function = s->name;
			fr.entry = s->value + g->bias;
		}
		if (exe)
			fr.file = exe;
		out[(*n)++] = fr;
		return;
	}
	/* a library: its ELF symbols */
	struct libbin *L = NULL;
	for (size_t i = 0; i < P->nlibs; i++)
		if (strcmp(P->libs[i].path, f->path) == 0)
			L = &P->libs[i];
	if (!L && P->nlibs < sizeof P->libs / sizeof *P->libs) {
		L = &P->libs[P->nlibs++];
		memset(L, 0, sizeof *L);
		L->path = f->path;
		/* the first mapping of the file gives the bias */
		for (size_t i = 0; i < P->core->nfiles; i++) {
			const struct cr_core_file *m = &P->core->files[i];
			if (strcmp(m->path, f->path) || m->offset)
				continue;
			const unsigned char *have = cr_core_ptr(P->core, m->start, 4096);
			if (have && !cr_binary_open_mapped(&L->b, f->path, have, 4096, NULL)) {
				/* only the file that was mapped: same ELF header as the dumped page */
				if (L->b->len < 64 || memcmp(L->b->data, have, 64) != 0 ||
				    cr_binary_bias_for_mapping(L->b, m->start, 0, &L->bias, NULL)) {
					cr_binary_close(L->b);
					L->b = NULL;
				} else
					L->ok = true;
			}
			break;
		}
	}
	fr.file = f->path;
	if (L && L->ok) {
		const struct cr_elf_symbol *s = cr_binary_symbol_at(L->b, (uint64_t)((int64_t)q - L->bias));
		if (s) {
			fr.function = s->name;
			fr.entry = (uint64_t)((int64_t)s->value + L->bias);
		}
	}
	out[(*n)++] = fr;
}

/* The cache entry of a C pc (separate key space from Go pcs). */
static const struct pcent *native_lookup(struct cr_gort *g, uint64_t pc, bool trap, bool sigframe)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	uint64_t key = ((((pc - g->bias) << 1) | (trap ? 1 : 0)) + 1) | ((uint64_t)1 << 63) |
		       (sigframe ? (uint64_t)1 << 62 : 0);
	size_t slot;
	struct pcent *hit = C->nslots ? cache_find(C, key, &slot) : NULL;
	if (hit)
		return hit;
	/* make room through pc_lookup's table growth, then add by hand */
	if (!pc_lookup(g, pc, trap, false))
		return NULL;
	struct pcent *e = cache_new(C, key);
	if (!e)
		return NULL;
	struct cr_frame fr[16];
	size_t n = 0;
	native_symbolize(g, pc, !trap, fr, &n, 16);
	if (sigframe && n == 1 && !*fr[0].function)
		fr[0].function = "<signal handler called>"; /* the signal return trampoline, as gdb says */
	for (size_t i = 0; i < n; i++)
		if (!pool_push(C, &fr[i]))
			return NULL;
	e->fn = (uint32_t)(C->npool - e->fstart);
	size_t idx = C->n++;
	if (C->n * 2 >= C->nslots)
		return e; /* rehash happens on the next pc_lookup; find it by scan until then */
	size_t h = (size_t)(key * 0x9e3779b97f4a7c15ull) & (C->nslots - 1);
	while (C->slots[h])
		h = (h + 1) & (C->nslots - 1);
	C->slots[h] = (uint32_t)idx + 1;
	return e;
}

/* Unwind C frames from the current registers (the thread's when first,
 * else the signal frame's seed) and push them. On return to Go code,
 * *pc and *sp are the Go frame's and the count of frames pushed is returned;
 * 0 when the C frames end the stack; -1 when there were none. */
static int native_frames(struct cr_gort *g, struct uctx *u, bool first, uint64_t *pc, uint64_t *sp, bool *trap)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	struct cr_native_frame nf[128];
	unsigned max = cr_limits.max_frames ? cr_limits.max_frames : 4096;
	size_t nn = cr_native_unwind(P->native, (size_t)u->thread, first ? NULL : &u->seed, nf,
				     max < 128 ? max : 128);
	if (nn == 0 || nf[0].pc != *pc)
		return -1; /* libunwind did not start where we are */
	int pushed = 0;
	for (size_t k = 0; k < nn; k++) {
		struct cr_gofunc gf;
		bool exact = k == 0 || nf[k].interrupted; /* not a return address */
		if (k > 0 && cr_pclntab_find_func(P->tab, nf[k].pc - g->bias, &gf)) {
			*pc = nf[k].pc;
			*sp = nf[k].sp;
			*trap = exact;
			return pushed;
		}
		const struct pcent *e = native_lookup(g, nf[k].pc, exact, k + 1 < nn && nf[k + 1].interrupted);
		if (!e || !ids_push(C, e))
			return pushed ? 0 : -1;
		pushed++;
	}
	return 0;
}

/* C code at *pc: native frames (libunwind) from the registers we have (the
 * thread's, or a signal frame's), back to Go where they return into it.
 * > 0: frames pushed, pc, sp and trap where Go resumes; 0: the C frames end
 * the stack; < 0: not unwound. */
static int c_frames(struct cr_gort *g, struct uctx *u, bool first, uint64_t *pc, uint64_t *sp, bool *trap)
{
	if (u->thread < 0 || !native_ready(g))
		return -1;
	if (!first && !u->have_seed) {
		/* a C return address (libc's __restore_rt after a Go signal
		 * handler in a cgo program): pc and the caller's sp are all we
		 * know; enough for CFA-based CFI */
		memset(&u->seed, 0, sizeof u->seed);
		u->seed.r[16] = *pc;
		u->seed.r[7] = *sp;
		u->seed.have[16] = u->seed.have[7] = true;
		u->have_seed = true;
	}
	bool ntrap = false;
	int r = native_frames(g, u, first, pc, sp, &ntrap);
	if (r > 0)
		*trap = ntrap;
	return r;
}

/* arm64, after a call the runtime injected (sigpanic, asyncPreempt,
 * debugCall): the interrupted frame's lr was saved at *sp (16 bytes). */
static bool after_injected(struct cr_gort *g, uint64_t *pc, uint64_t *sp, uint64_t *lr)
{
	struct priv *P = g->priv;
	uint64_t x;
	if (!cr_core_read_u64(P->core, *sp, &x))
		return false;
	*sp += 16;
	const struct pcent *e2 = pc_lookup(g, *pc, false, false);
	if (!e2 || !e2->valid)
		*pc = x;
	else if (e2->have_delta && e2->delta == 0)
		*lr = x;
	return true;
}

/* amd64: the kernel's signal frame at *sp (struct ucontext: uc_flags,
 * uc_link, uc_stack (24), then sigcontext r8..r15 rdi rsi rbp rbx rdx rax
 * rcx rsp rip): the interrupted pc/sp, and every register as the seed of C
 * frames. false if unreadable (nothing changed). */
static bool signal_frame(struct priv *P, struct uctx *u, uint64_t *pc, uint64_t *sp)
{
	uint64_t mc = *sp + 40, nrip, nrsp;
	if (!cr_core_read_u64(P->core, mc + 16 * 8, &nrip) || !cr_core_read_u64(P->core, mc + 15 * 8, &nrsp))
		return false;
	/* all of it, for C frames: sigcontext order -> DWARF numbering */
	static const int dw[17] = { 8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16 };
	memset(&u->seed, 0, sizeof u->seed);
	for (int k = 0; k < 17; k++)
		u->seed.have[dw[k]] = cr_core_read_u64(P->core, mc + 8 * (uint64_t)k, &u->seed.r[dw[k]]);
	u->have_seed = true;
	*pc = nrip;
	*sp = nrsp;
	return true;
}

/* The return address of the frame at sp whose frame ends at fp (arm64: the
 * link register while it still holds it). false if unreadable; *at: where. */
static bool return_address(struct priv *P, bool first, uint64_t sp, uint64_t fp, uint64_t lr, uint64_t *ra,
			   uint64_t *at)
{
	if (P->arm64) {
		if ((first && sp < fp) || lr == 0) {
			*at = sp;
			return cr_core_read_u64(P->core, sp, ra);
		}
		*ra = lr;
		return true;
	}
	*at = fp - 8;
	return cr_core_read_u64(P->core, fp - 8, ra);
}

/* Unwind from pc/sp/lr. trap: pc is exact (registers, not a return address).
 * On amd64 a kernel signal frame is crossed through its ucontext. */
const struct cr_gstack *gort_unwind(struct cr_gort *g, uint64_t pc, uint64_t sp, uint64_t lr,
				    bool trap, struct uctx *u)
{
	struct priv *P = g->priv;
	struct pccache *C = P->cache;
	char stopbuf[200];
	const char *stop = NULL;
	unsigned max = cr_limits.max_frames ? cr_limits.max_frames : 4096;
	bool waspanic = false, first = true;
	uint64_t prev_sp = 0;
	unsigned physical = 0;
	C->nids = 0;
#define STOP(...) do { snprintf(stopbuf, sizeof stopbuf, __VA_ARGS__); stop = stopbuf; } while (0)
	for (;;) {
		if (physical >= max) {
			STOP("stack deeper than %u frames: cut", max);
			break;
		}
		if (pc == 0) {
			if (first)
				STOP("no pc");
			break;
		}
		bool sigret = !P->arm64 && P->f_sigreturn && !first && pc - g->bias == P->f_sigreturn;
		const struct pcent *e = pc_lookup(g, pc, trap || waspanic || sigret, sigret);
		if (!e) {
			STOP("out of memory");
			break;
		}
		if (!e->valid) {
			/* C code: native frames from the registers we have (the
			 * thread's, or a signal frame's), back to Go where they return
			 * into it (asmcgocall, then the goroutine that called C) */
			int r = c_frames(g, u, first, &pc, &sp, &trap);
			if (r > 0) {
				physical += (unsigned)r;
				lr = 0;
				first = false;
				waspanic = false;
				prev_sp = 0;
				u->have_seed = false;
				continue;
			}
			if (r == 0)
				break; /* the C frames end the stack */
			STOP("pc 0x%llx is not in Go code (C or unknown code; not unwound)",
			     (unsigned long long)pc);
			ids_push(C, e);
			break;
		}
		const struct cr_gofunc *f = &e->f;
		/* The kernel's signal return trampoline: the saved context follows. */
		if (sigret) {
			ids_push(C, e);
			physical++;
			if (!signal_frame(P, u, &pc, &sp)) {
				STOP("signal frame at 0x%llx unreadable", (unsigned long long)sp);
				break;
			}
			lr = 0;
			trap = true;
			waspanic = false;
			prev_sp = 0;
			u->on_g0 = false;
			continue;
		}
		/* asmcgocall runs C on g0; the goroutine that called it (cgocall,
		 * in syscall state) has its sched saved: continue there */
		if (P->f_asmcgocall && f->entry == P->f_asmcgocall && !first && u->have_curg) {
			if (!ids_push(C, e)) {
				STOP("out of memory");
				break;
			}
			physical++;
			pc = u->curg_call_sp ? u->curg_call_pc : u->curg_sched_pc;
			sp = u->curg_call_sp ? u->curg_call_sp : u->curg_sched_sp;
			lr = u->curg_call_sp ? 0 : u->curg_sched_lr;
			u->have_curg = false;
			u->on_g0 = false;
			prev_sp = 0;
			trap = false;
			continue;
		}
		/* g0 -> goroutine stack switches (gentraceback's _TraceJumpStack) */
		if (u->on_g0 && u->have_curg && is_named(f, "runtime.morestack")) {
			pc = u->curg_sched_pc;
			sp = u->curg_sched_sp;
			lr = u->curg_sched_lr;
			u->on_g0 = false;
			prev_sp = 0;
			e = pc_lookup(g, pc, false, false);
			if (!e || !e->valid) {
				STOP("morestack: goroutine pc unknown");
				break;
			}
			f = &e->f;
		} else if (u->on_g0 && u->have_curg && is_named(f, "runtime.systemstack") &&
			   !(P->arm64 && e->have_delta && e->delta == 0)) {
			sp = u->curg_sched_sp;
			u->on_g0 = false;
			prev_sp = 0;
		}
		if (!ids_push(C, e)) {
			STOP("out of memory");
			break;
		}
		physical++;
		if (!e->have_delta) {
			STOP("no frame size for %s at pc 0x%llx", f->name, (unsigned long long)pc);
			break;
		}
		uint64_t fp = sp + (uint64_t)e->delta + (P->arm64 ? 0 : 8);
		bool sigtramp = P->f_sigtramp && f->entry == P->f_sigtramp;
		if ((f->flag & 1) && !(sigtramp && !P->arm64)) /* funcFlag_TOPFRAME */
			break; /* goexit, mstart, rt0_go: the end of this stack */
		if ((f->flag & 2) && !first && !sigtramp) { /* funcFlag_SPWRITE */
			STOP("%s writes SP: cannot unwind past it", f->name);
			break;
		}
		uint64_t nlr, at;
		if (!return_address(P, first, sp, fp, lr, &nlr, &at)) {
			STOP("unreadable memory at 0x%llx (return address)", (unsigned long long)at);
			break;
		}
		waspanic = is_named(f, "runtime.sigpanic");
		bool injected = waspanic || is_named(f, "runtime.asyncPreempt") ||
				(f->name && strncmp(f->name, "runtime.debugCall", 17) == 0);
		if (nlr == pc && fp == sp) {
			STOP("unwinding is stuck (cyclic stack)");
			break;
		}
		if (!first && prev_sp && fp <= prev_sp && !sigtramp) {
			STOP("stack pointer went backwards (corrupt or cyclic stack)");
			break;
		}
		prev_sp = sp;
		pc = nlr;
		lr = 0;
		sp = fp;
		trap = false;
		first = false;
		if (P->arm64 && injected && !after_injected(g, &pc, &sp, &lr)) {
			STOP("unreadable memory after an injected call");
			break;
		}
	}
#undef STOP
	return gort_intern_stack(g, stop);
}

void gort_cache_release(struct pccache *C)
{
	if (!C)
		return;
	cr_free(C->ents);
	cr_free(C->slots);
	cr_free(C->pool);
	cr_free(C->svec);
	cr_free(C->ids);
	cr_hmap_release(&C->stacks);
	cr_free(C);
}
