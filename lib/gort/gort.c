/* The Go runtime read from a core (see coroner/gort.h): the runtime's
 * globals, the Ms, every goroutine and thread with its stack. The struct
 * layouts are in layout.c, the unwinder in unwind.c, the memory figures in
 * memstats.c, the goroutines as a profile in profile.c. */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gort_warnf(struct cr_gort *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_warn_linev(&g->warn, fmt, ap);
	va_end(ap);
}

const char *cr_gort_print_name(const char *function)
{
	return function && strcmp(function, "runtime.gopanic") == 0 ? "panic" : function;
}

/* Runtime address of a symbol; 0 if absent. */
static uint64_t sym_addr(struct cr_gort *g, const char *name)
{
	struct priv *P = g->priv;
	const struct cr_elf_symbol *s = cr_binary_symbol_by_name(P->bin, name);
	return s ? s->value + g->bias : 0;
}

/* Runtime address of a runtime global: its symbol, else the candidate
 * decoded from machine code that passes check in the core (the first one;
 * with check NULL, only a single candidate is taken). 0 if none. */
uint64_t gort_glob_addr(struct cr_gort *g, struct cr_goglobal *x, const char *name, glob_check check)
{
	if (x->how && strcmp(x->how, "symbol") == 0)
		return x->addr + g->bias;
	if (x->addr && !check)
		return x->addr + g->bias;
	for (size_t i = 0; i < x->ncand; i++)
		if (check && check(g, x->cand[i] + g->bias)) {
			x->addr = x->cand[i];
			return x->addr + g->bias;
		}
	if (x->ncand)
		gort_warnf(g, "runtime.%s: no symbol, and none of the %zu addresses decoded from the runtime's machine code "
			   "looks right in the core", name, x->ncand);
	else if (!x->how)
		gort_warnf(g, "runtime.%s: no symbol, and not found in the runtime's machine code", name);
	return 0;
}

/* A Go string (ptr, len) at addr, copied into the arena (capped at max). */
static const char *read_gostring(struct cr_gort *g, uint64_t addr, size_t max)
{
	struct priv *P = g->priv;
	uint64_t p, n;
	if (!cr_core_read_u64(P->core, addr, &p) || !cr_core_read_u64(P->core, addr + 8, &n))
		return NULL;
	if (n > max)
		n = max;
	char *s = cr_arena_alloc(&g->arena, (size_t)n + 1);
	if (!s)
		return NULL;
	size_t got = cr_core_read(P->core, p, s, (size_t)n);
	s[got] = 0;
	return got == n ? s : NULL;
}

/* An array of Go strings (a runtime global) as a table of C strings. */
static const char **read_string_table(struct cr_gort *g, struct cr_goglobal *x, const char *name, size_t *count)
{
	uint64_t size = x->size, a = gort_glob_addr(g, x, name, NULL);
	*count = 0;
	if (!a || size % 16 || size / 16 > 4096)
		return NULL;
	size_t n = (size_t)(size / 16);
	const char **t = cr_arena_alloc(&g->arena, (n ? n : 1) * sizeof *t);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		t[i] = read_gostring(g, a + 16 * i, 256);
		if (!t[i])
			t[i] = "";
	}
	*count = n;
	return t;
}

/* Check that core and binary belong together: the build id notes of the
 * binary must be in the core's dumped pages where it has them. */
static enum cr_err check_build_id(struct cr_gort *g, struct cr_error *e)
{
	struct priv *P = g->priv;
	static const char *const notes[] = { ".note.go.buildid", ".note.gnu.build-id" };
	int checked = 0;
	for (size_t k = 0; k < 2; k++) {
		struct cr_elf_section *s = cr_binary_section(P->bin, notes[k]);
		if (!s || !s->addr || s->file_size == 0 || s->file_size > 4096)
			continue;
		const uint8_t *want = cr_binary_ptr(P->bin, s->addr, (size_t)s->file_size);
		const unsigned char *have = cr_core_ptr(P->core, s->addr + g->bias, (size_t)s->file_size);
		if (!want || !have)
			continue;
		checked++;
		if (memcmp(want, have, (size_t)s->file_size) != 0) {
			const char *bid = P->bin->go_build_id[0] ? P->bin->go_build_id : P->bin->gnu_build_id;
			/* show what the core holds: the note's desc after its 16-byte header+name */
			char coreid[129] = "";
			size_t hdr = 12 + ((cr_ld32(have) + 3) & ~3u);
			size_t dl = cr_ld32(have + 4);
			if (hdr < s->file_size && dl <= s->file_size - hdr) {
				size_t o = 0;
				for (size_t i = 0; i < dl && o + 3 < sizeof coreid; i++) {
					unsigned char ch = have[hdr + i];
					if (k == 0)
						coreid[o++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
					else
						o += (size_t)snprintf(coreid + o, sizeof coreid - o, "%02x", ch);
				}
				coreid[o] = 0;
			}
			return cr_fail(e, CR_FORMAT,
				       "%s: core: was not produced by %s: build id mismatch (core has %s, binary has %s)",
				       P->core->name, P->bin->path, coreid[0] ? coreid : "another id", bid);
		}
	}
	if (!checked) {
		/* The kernel dumps the first page of every ELF file mapping: compare
		 * the executable's with the binary's (the Go build id note usually
		 * lies in it). */
		const char *exe = cr_core_exe_path(P->core);
		for (size_t i = 0; exe && i < P->core->nfiles; i++) {
			const struct cr_core_file *f = &P->core->files[i];
			if (f->offset != 0 || strcmp(f->path, exe) != 0)
				continue;
			size_t n = P->bin->len < 4096 ? P->bin->len : 4096;
			const unsigned char *have = cr_core_ptr(P->core, f->start, n);
			if (!have)
				break;
			checked++;
			if (memcmp(have, P->bin->data, n) != 0) {
				char coreid[129] = "";
				for (size_t k = 16; k + 4 <= n; k++)
					if (memcmp(have + k, "Go\0\0", 4) == 0 && cr_ld32(have + k - 12) == 4 &&
					    cr_ld32(have + k - 4) == 4) {
						size_t dl = cr_ld32(have + k - 8), o = 0;
						for (size_t x = 0; x < dl && k + 4 + x < n && o + 1 < sizeof coreid; x++) {
							unsigned char ch = have[k + 4 + x];
							if (!ch)
								break;
							coreid[o++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
						}
						coreid[o] = 0;
						break;
					}
				const char *bid = P->bin->go_build_id[0] ? P->bin->go_build_id : P->bin->gnu_build_id;
				return cr_fail(e, CR_FORMAT,
					       "%s: core: was not produced by %s: build id mismatch (core has %s, binary has %s)",
					       P->core->name, P->bin->path, coreid[0] ? coreid : "another id",
					       bid[0] ? bid : "none");
			}
			break;
		}
	}
	if (!checked)
		gort_warnf(g, "%s: core: cannot verify that it belongs to %s (build id not in the dumped pages)",
			   P->core->name, P->bin->path);
	return CR_OK;
}

/* ---------------------------------------------------------------- globals
 * Checks of candidate addresses of runtime globals in the core (binaries
 * without symbols: lib/gort/globals.c finds the candidates). */

static bool plausible_g(struct cr_gort *g, uint64_t ga)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	unsigned char gb[1024];
	if (!ga || L->g_size > sizeof gb || cr_core_read(P->core, ga, gb, L->g_size) != L->g_size)
		return false;
	uint32_t st = cr_ld32(gb + L->g_atomicstatus) & ~(uint32_t)CR_G_SCAN;
	int64_t goid = (int64_t)cr_ld64(gb + L->g_goid);
	return st <= 9 && goid >= 0 && goid < ((int64_t)1 << 48) && cr_ld64(gb + L->g_stack_lo) <= cr_ld64(gb + L->g_stack_hi);
}

/* allgs: a slice (ptr, len <= cap) whose first element is a g */
static bool check_allgs(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t p, n, cap, g0;
	return cr_core_read_u64(P->core, a, &p) && cr_core_read_u64(P->core, a + 8, &n) &&
	       cr_core_read_u64(P->core, a + 16, &cap) && n > 0 && n <= cap &&
	       cap <= (uint64_t)P->core->in.len / 8 && cr_core_read_u64(P->core, p, &g0) && plausible_g(g, g0);
}

/* allm: points to an m whose procid is a thread of the core */
static bool check_allm(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t m, procid, g0;
	if (!cr_core_read_u64(P->core, a, &m) || !m || !cr_core_read_u64(P->core, m + P->L->m_procid, &procid) ||
	    !cr_core_read_u64(P->core, m + P->L->m_g0, &g0) || !g0)
		return false;
	for (size_t i = 0; i < P->core->nthreads; i++)
		if ((uint64_t)P->core->threads[i].tid == procid)
			return true;
	return false;
}

/* sched: goidgen (offset 0) is at least every goid handed out, and not far
 * above (ids are handed out to Ps in batches of 16) */
static bool check_sched(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t gen, mnext;
	uint32_t maxmcount;
	/* and mnext (Ms created so far) covers the threads, maxmcount is a
	 * thread limit (10000 unless debug.SetMaxThreads changed it) */
	return cr_core_read_u64(P->core, a, &gen) && P->maxgoid > 0 && gen >= (uint64_t)P->maxgoid &&
	       gen - (uint64_t)P->maxgoid < ((uint64_t)1 << 24) &&
	       cr_core_read_u64(P->core, a + P->L->sched_mnext, &mnext) && mnext >= P->core->nthreads &&
	       mnext < 1000000 && cr_core_read_u32(P->core, a + P->L->sched_maxmcount, &maxmcount) &&
	       maxmcount >= 1 && maxmcount <= 100000000;
}

static void read_ms(struct cr_gort *g)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	uint64_t a = gort_glob_addr(g, &P->G.allm, "allm", check_allm), m;
	if (!a || !cr_core_read_u64(P->core, a, &m))
		return;
	size_t cap = 0;
	/* read up to the last field used, not the whole runtime.m (1000+ bytes
	 * and growing: past 1 KiB in go1.23) */
	unsigned need = 0, used[] = { L->m_procid, L->m_g0, L->m_gsignal, L->m_curg, L->m_id, L->m_alllink };
	for (size_t i = 0; i < sizeof used / sizeof *used; i++)
		if (used[i] + 8 > need)
			need = used[i] + 8;
	for (size_t guard = 0; m && guard < 100000; guard++) {
		unsigned char mb[4096];
		if (need > sizeof mb || cr_core_read(P->core, m, mb, need) != need) {
			gort_warnf(g, "runtime.m at 0x%llx unreadable", (unsigned long long)m);
			break;
		}
		if (cr_grow(&P->ms, &cap, P->nms + 1, sizeof *P->ms))
			break;
		struct mrec *r = &P->ms[P->nms++];
		r->addr = m;
		r->procid = cr_ld64(mb + L->m_procid);
		r->g0 = cr_ld64(mb + L->m_g0);
		r->gsignal = cr_ld64(mb + L->m_gsignal);
		r->curg = cr_ld64(mb + L->m_curg);
		r->id = (int64_t)cr_ld64(mb + L->m_id);
		uint64_t next = cr_ld64(mb + L->m_alllink);
		for (size_t i = 0; i < P->nms; i++)
			if (P->ms[i].addr == next)
				next = 0; /* cycle */
		m = next;
	}
}

static struct mrec *m_by_addr(struct priv *P, uint64_t a)
{
	for (size_t i = 0; i < P->nms; i++)
		if (P->ms[i].addr == a)
			return &P->ms[i];
	return NULL;
}

static struct mrec *m_by_tid(struct priv *P, int32_t tid)
{
	for (size_t i = 0; i < P->nms; i++)
		if ((int64_t)P->ms[i].procid == tid)
			return &P->ms[i];
	return NULL;
}

/* Read gobuf sched of the g at addr. */
static bool read_sched(struct cr_gort *g, uint64_t gaddr, uint64_t *pc, uint64_t *sp, uint64_t *lr)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	uint64_t b = gaddr + L->g_sched;
	*lr = 0;
	return cr_core_read_u64(P->core, b + L->gobuf_pc, pc) &&
	       cr_core_read_u64(P->core, b + L->gobuf_sp, sp) &&
	       (!P->arm64 || cr_core_read_u64(P->core, b + L->gobuf_lr, lr));
}

static const char *func_name_at(struct cr_gort *g, uint64_t pc, struct cr_gofunc *f)
{
	struct priv *P = g->priv;
	if (!pc || !cr_pclntab_find_func(P->tab, pc - g->bias, f))
		return NULL;
	return f->name;
}

static bool stack_in(uint64_t sp, uint64_t lo, uint64_t hi) { return sp >= lo && sp < hi; }

enum cr_err cr_gort_open(struct cr_gort *g, struct cr_core *c, struct cr_binary *b, struct cr_error *e)
{
	return cr_gort_open_flags(g, c, b, 0, e);
}

/* The runtime's string tables goroutineheader() prints states with. */
struct gtables {
	const char **wr, **gss;
	size_t nwr, ngs;
};

/* One live g (its struct read into gb) into g->gs, with its stack unless
 * it runs on a thread (read_threads unwinds those). */
static void read_goroutine(struct cr_gort *g, uint64_t ga, const unsigned char *gb, uint32_t st,
			   const struct gtables *T)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	uint32_t base = st & ~(uint32_t)CR_G_SCAN;
	const char **wr = T->wr, **gss = T->gss;
	size_t nwr = T->nwr, ngs = T->ngs;
	struct cr_goroutine *G = &g->gs[g->ngs++];
	G->addr = ga;
	G->status = st;
	G->goid = (int64_t)g_u64(gb, L->g_goid);
	G->stack_lo = g_u64(gb, L->g_stack_lo);
	G->stack_hi = g_u64(gb, L->g_stack_hi);
	uint64_t sched_sp = g_u64(gb, L->g_sched + L->gobuf_sp);
	uint64_t sched_pc = g_u64(gb, L->g_sched + L->gobuf_pc);
	uint64_t sched_lr = g_u64(gb, L->g_sched + L->gobuf_lr);
	uint64_t syscallsp = g_u64(gb, L->g_syscallsp);
	uint64_t syscallpc = g_u64(gb, L->g_syscallpc);
	G->waitsince = (int64_t)g_u64(gb, L->g_waitsince);
	G->waitreason = gb[L->g_waitreason];
	G->locked = g_u64(gb, L->g_lockedm) != 0;
	G->gopc = g_u64(gb, L->g_gopc);
	uint64_t startpc = g_u64(gb, L->g_startpc);
	G->tid = 0;
	G->mid = -1;
	G->stack = &gort_empty_stack;
	uint64_t maddr = g_u64(gb, L->g_m);
	struct mrec *mr = maddr ? m_by_addr(P, maddr) : NULL;
	if (mr) {
		G->mid = (int32_t)mr->id;
		if (mr->curg == ga)
			G->tid = (int32_t)mr->procid;
	}
	uint32_t sig = cr_ld32(gb + L->g_sig);
	if (sig && g->go_sig_goid < 0) {
		g->go_sig = (int32_t)sig;
		g->go_sigaddr = g_u64(gb, L->g_sigcode1);
		g->go_sigpc = g_u64(gb, L->g_sigpc);
		g->go_sig_goid = G->goid;
	}
	if (G->waitsince > g->now && (base == CR_G_WAITING || base == CR_G_SYSCALL))
		g->now = G->waitsince;
	/* state, as goroutineheader() */
	const char *state = base < ngs && gss[base][0] ? gss[base] : "???";
	if (!gss) {
		static const char *const dflt[] = { "idle", "runnable", "running", "syscall", "waiting",
						    "", "dead", "", "copystack", "preempted", "leaked" };
		state = base < sizeof dflt / sizeof *dflt && dflt[base][0] ? dflt[base] : "???";
	}
	if (base == CR_G_WAITING && G->waitreason != 0)
		state = G->waitreason < nwr ? wr[G->waitreason] : "unknown wait reason";
	if (st & CR_G_SCAN)
		state = gort_arena_fmt(g, "%s (scan)", state);
	G->state = state;
	struct cr_gofunc sf;
	G->start_function = func_name_at(g, startpc, &sf);
	G->system = G->start_function && strncmp(G->start_function, "runtime.", 8) == 0 &&
		    strcmp(G->start_function, "runtime.main") != 0 &&
		    strcmp(G->start_function, "runtime.handleAsyncEvent") != 0;
	if (G->goid != 1 && func_name_at(g, G->gopc, &sf)) {
		G->created_by = sf.name;
		uint64_t tp = G->gopc - g->bias;
		if (tp > sf.entry)
			tp--;
		int32_t ln = 0;
		const char *file = NULL;
		if (cr_pclntab_line(P->tab, &sf, tp, &file, &ln)) {
			G->created_file = file;
			G->created_line = ln;
		}
		G->created_off = (uint32_t)(G->gopc - g->bias - sf.entry);
	}
	/* stack: running goroutines are unwound from their thread below */
	if (base != CR_G_RUNNING || !G->tid) {
		struct uctx u = { 0 };
		u.thread = -1;
		if (syscallsp)
			G->stack = gort_unwind(g, syscallpc, syscallsp, 0, false, &u);
		else
			G->stack = gort_unwind(g, sched_pc, sched_sp, sched_lr, false, &u);
	}
}

/* Every goroutine of runtime.allgs, the Ms first (read_ms) for their
 * threads; g->now from the latest wait or poll time. */
static enum cr_err read_allgs(struct cr_gort *g, struct cr_error *e)
{
	struct priv *P = g->priv;
	struct cr_core *c = P->core;
	struct cr_binary *b = P->bin;
	const struct layout *L = P->L;
	struct gtables T = { 0 };
	T.wr = read_string_table(g, &P->G.wait_reasons, "waitReasonStrings", &T.nwr);
	T.gss = read_string_table(g, &P->G.gstatus_strings, "gStatusStrings", &T.ngs);

	/* allgs */
	uint64_t ag = gort_glob_addr(g, &P->G.allgs, "allgs", check_allgs), gptr = 0, glen = 0;
	if (!ag)
		return cr_fail(e, CR_FORMAT, "%s: cannot find runtime.allgs (no symbol table, and the machine code of "
			       "runtime.forEachG/allgadd did not give it): cannot list goroutines", b->path);
	if (!cr_core_read_u64(c, ag, &gptr) || !cr_core_read_u64(c, ag + 8, &glen))
		return cr_fail(e, CR_FORMAT, "%s: core: runtime.allgs at 0x%llx is not in the core (truncated core?)",
			       c->name, (unsigned long long)ag);
	if (glen > (uint64_t)c->in.len / L->g_size + 1) {
		gort_warnf(g, "runtime.allgs claims %llu goroutines, more than the core can hold; capped",
			   (unsigned long long)glen);
		glen = (uint64_t)c->in.len / L->g_size + 1;
	}
	g->gs = cr_calloc(glen ? glen : 1, sizeof *g->gs);
	if (!g->gs)
		return cr_fail(e, CR_NOMEM, "out of memory for %llu goroutines", (unsigned long long)glen);
	size_t unreadable = 0;
	for (uint64_t i = 0; i < glen; i++) {
		uint64_t ga;
		unsigned char gb[1024];
		if (!cr_core_read_u64(c, gptr + 8 * i, &ga)) {
			gort_warnf(g, "%s: core: runtime.allgs[%llu..] unreadable at 0x%llx; %llu goroutines missing",
				   c->name, (unsigned long long)i, (unsigned long long)(gptr + 8 * i),
				   (unsigned long long)(glen - i));
			break;
		}
		if (L->g_size > sizeof gb || cr_core_read(c, ga, gb, L->g_size) != L->g_size) {
			unreadable++;
			continue;
		}
		uint32_t st = cr_ld32(gb + L->g_atomicstatus);
		uint32_t base = st & ~(uint32_t)CR_G_SCAN;
		/* the crash traceback leaves out _Gdead and (go1.26+, the code
		 * was unused before) _Gdeadextra: a dead g an extra M keeps for
		 * cgo callbacks ("waiting for cgo callback") */
		if (base == CR_G_DEAD || base == CR_G_DEADEXTRA) {
			g->ndead++;
			continue;
		}
		if (base > 16) {
			unreadable++;
			continue;
		}
		read_goroutine(g, ga, gb, st, &T);
		if ((i & 1023) == 1023)
			cr_core_trim(c); /* keep resident memory flat on huge cores */
	}
	if (unreadable)
		gort_warnf(g, "%s: core: %zu goroutine structs unreadable or corrupt; left out", c->name, unreadable);
	for (size_t k = 0; k < g->ngs; k++)
		if (g->gs[k].goid > P->maxgoid)
			P->maxgoid = g->gs[k].goid;
	uint64_t sched = gort_glob_addr(g, &P->G.sched, "sched", check_sched), lastpoll = 0;
	if (sched && cr_core_read_u64(P->core, sched + L->sched_lastpoll, &lastpoll) && (int64_t)lastpoll > g->now)
		g->now = (int64_t)lastpoll;

	return CR_OK;
}

/* One struct cr_gthread per thread of the core, unwound from its registers
 * (through the stack switches to its goroutine); the running goroutines
 * take their thread's stack. */
static enum cr_err read_threads(struct cr_gort *g)
{
	struct priv *P = g->priv;
	struct cr_core *c = P->core;
	const struct layout *L = P->L;
	/* threads */
	g->threads = cr_calloc(c->nthreads ? c->nthreads : 1, sizeof *g->threads);
	if (!g->threads)
		return CR_NOMEM;
	g->crash_tid = c->nthreads ? c->threads[0].tid : 0;
	for (size_t i = 0; i < c->nthreads; i++) {
		struct cr_gthread *T = &g->threads[g->nthreads++];
		const struct cr_core_thread *ct = &c->threads[i];
		T->tid = ct->tid;
		T->cursig = ct->cursig;
		T->regs = ct->regs;
		T->mid = -1;
		T->curg = -1;
		T->stack = &gort_empty_stack;
		T->on = "?";
		struct mrec *mr = m_by_tid(P, ct->tid);
		struct uctx u = { 0 };
		struct cr_goroutine *cg = NULL;
		if (mr) {
			T->mid = mr->id;
			for (size_t k = 0; k < g->ngs; k++)
				if (g->gs[k].addr == mr->curg)
					cg = &g->gs[k];
			if (cg)
				T->curg = cg->goid;
			uint64_t lo, hi;
			uint64_t sp = ct->regs.sp;
			if (mr->g0 && cr_core_read_u64(c, mr->g0 + L->g_stack_lo, &lo) &&
			    cr_core_read_u64(c, mr->g0 + L->g_stack_hi, &hi) && stack_in(sp, lo, hi))
				T->on = "g0";
			else if (mr->gsignal && cr_core_read_u64(c, mr->gsignal + L->g_stack_lo, &lo) &&
				 cr_core_read_u64(c, mr->gsignal + L->g_stack_hi, &hi) && stack_in(sp, lo, hi))
				T->on = "gsignal";
			else if (cg && stack_in(sp, cg->stack_lo, cg->stack_hi))
				T->on = "goroutine";
			if (strcmp(T->on, "goroutine") != 0 && cg) {
				u.on_g0 = true;
				u.have_curg = read_sched(g, mr->curg, &u.curg_sched_pc, &u.curg_sched_sp,
							 &u.curg_sched_lr);
				/* a goroutine in a cgo call (syscall state): asmcgocall
				 * saved sched at systemstack_switch; the runtime's
				 * traceback starts from syscallpc/sp (in cgocall) */
				uint64_t ssp = 0, spc = 0;
				if (cr_core_read_u64(c, mr->curg + L->g_syscallsp, &ssp) && ssp &&
				    cr_core_read_u64(c, mr->curg + L->g_syscallpc, &spc)) {
					u.curg_call_pc = spc;
					u.curg_call_sp = ssp;
				}
			}
		}
		u.thread = P->arm64 ? -1 : (int)i;
		T->stack = gort_unwind(g, ct->regs.pc, ct->regs.sp, P->arm64 ? ct->regs.lr : 0, true, &u);
		if (cg && (cg->status & ~(uint32_t)CR_G_SCAN) == CR_G_RUNNING && cg->tid == ct->tid)
			cg->stack = T->stack;
		if (i == 0)
			g->crash_goid = cg ? cg->goid : -1;
	}
	return CR_OK;
}

/* The Go version, where the runtime's globals are, and the struct layout:
 * the version's table with the binary's DWARF offsets over it. */
static void pick_layout(struct cr_gort *g, struct cr_binary *b, unsigned flags)
{
	struct priv *P = g->priv;
	cr_goglobals_find(b, P->tab, !(flags & CR_GORT_NO_SYMBOLS), &P->G);
	uint64_t bv = flags & CR_GORT_NO_SYMBOLS ? 0 : sym_addr(g, "runtime.buildVersion");
	g->go_version = bv ? read_gostring(g, bv, 64) : NULL;
	if (!g->go_version && P->G.go_version[0])
		g->go_version = cr_arena_strndup(&g->arena, P->G.go_version, strlen(P->G.go_version));
	if (!g->go_version) {
		g->go_version = "";
		gort_warnf(g, "Go version unknown (no runtime.buildVersion symbol, no .go.buildinfo)");
	}
	g->globals_from_code = P->G.allgs.how && strcmp(P->G.allgs.how, "machine code") == 0;
	P->L = gort_layout_for(g->go_version, &P->Ltable) ? &P->Ltable : NULL;
	const struct layout *table = P->L;
	size_t missing = 0, from_dwarf = 0;
	if (!(flags & CR_GORT_NO_DWARF)) {
		struct cr_error de = { 0 };
		/* no table for this version: go1.19's for what DWARF lacks, but
		 * never its memory offsets */
		struct layout fb;
		gort_layout_fallback(&fb);
		from_dwarf = gort_layout_from_dwarf(b, P->L ? P->L : &fb, &P->Ldwarf, &missing, &de);
		if (from_dwarf) {
			P->L = &P->Ldwarf;
			g->layout_from_dwarf = true;
			if (missing)
				gort_warnf(g, "DWARF of %s: %zu runtime struct fields not found; taken from the %s table", b->path,
					   missing, table ? table->version_prefix : "go1.19");
		}
	}
	if (!P->L) {
		gort_layout_fallback(&P->Ldwarf);
		P->L = &P->Ldwarf;
		gort_warnf(g, "Go version '%s' has no layout table (known: %s) and the binary has no DWARF types; "
			   "reading it as go1.19: results may be wrong", g->go_version, gort_known_layouts());
	}
	if (!table && from_dwarf && missing)
		gort_warnf(g, "Go version '%s' has no layout table: fields missing from DWARF read at go1.19 offsets",
			   g->go_version);
}

/* A core with no NT_FILE note (qemu-user writes none): the binary's PT_LOAD
 * segments at their link addresses (ET_EXEC) or at the bias AT_ENTRY, else
 * AT_PHDR, gives (PIE). */
static size_t attach_loads(struct cr_gort *g, struct cr_core *c, struct cr_binary *b)
{
	if (c->nfiles)
		return 0;
	struct cr_core_load L[64];
	size_t n = 0;
	uint64_t phdr = 0;
	bool have_phdr = false;
	for (size_t i = 0; i < b->nsegments && n < 64; i++) {
		const struct cr_elf_segment *s = &b->segments[i];
		if (s->type == CR_PT_LOAD) {
			L[n].vaddr = s->vaddr;
			L[n].offset = s->offset;
			L[n].filesz = s->filesz;
			n++;
		} else if (s->type == 6 /* PT_PHDR */) {
			phdr = s->vaddr;
			have_phdr = true;
		}
	}
	uint64_t bias = 0;
	if (b->type == CR_ET_DYN) {
		if (c->auxv_entry && b->entry)
			bias = c->auxv_entry - b->entry;
		else if (c->auxv_phdr && have_phdr)
			bias = c->auxv_phdr - phdr;
		else
			return 0;
		g->bias = bias;
	}
	return cr_core_attach_loads(c, L, n, bias, b->path, b->data, b->len);
}

enum cr_err cr_gort_open_flags(struct cr_gort *g, struct cr_core *c, struct cr_binary *b, unsigned flags,
			       struct cr_error *e)
{
	memset(g, 0, sizeof *g);
	cr_arena_init(&g->arena);
	g->crash_goid = -1;
	g->go_sig_goid = -1;
	struct priv *P = cr_calloc(1, sizeof *P);
	if (!P)
		return cr_fail(e, CR_NOMEM, "out of memory");
	g->priv = P;
	P->core = c;
	P->bin = b;
	P->arm64 = c->arch == CR_ARCH_ARM64;
	g->arch = cr_arch_name(c->arch);
	enum cr_err rc = CR_OK;
	if ((c->arch == CR_ARCH_AMD64 && b->machine != CR_EM_X86_64) ||
	    (c->arch == CR_ARCH_ARM64 && b->machine != CR_EM_AARCH64))
		return cr_fail(e, CR_FORMAT, "%s: core: was not produced by %s: core is %s, binary is %s",
			       c->name, b->path, g->arch, cr_binary_arch(b));
	P->fbuf = cr_calloc(FBUF_MAX, sizeof *P->fbuf);
	P->cache = cr_calloc(1, sizeof *P->cache);
	if (P->cache)
		cr_hmap_init(&P->cache->stacks);
	if (!P->fbuf || !P->cache)
		return cr_fail(e, CR_NOMEM, "out of memory");
	rc = cr_pclntab_open(b, &P->tab, e);
	if (rc)
		return rc == CR_NOTFOUND ? cr_fail(e, CR_FORMAT, "%s: not a Go binary (no pclntab)", b->path) : rc;

	/* load bias: AT_ENTRY is the relocated e_entry */
	if (c->auxv_entry && b->entry)
		g->bias = c->auxv_entry - b->entry;
	if ((rc = check_build_id(g, e)))
		return rc;
	/* pages the kernel did not dump (text, rodata) come from the binary */
	if (!cr_core_attach_file(c, NULL, b->data, b->len) && !attach_loads(g, c, b))
		gort_warnf(g, "%s: core: no NT_FILE mapping of the executable: text and read-only data are not readable",
			   c->name);

	struct cr_gofunc f;
	if (cr_pclntab_func_by_name(P->tab, "runtime.sigreturn", &f) ||
	    cr_pclntab_func_by_name(P->tab, "runtime.sigreturn__sigaction", &f))
		P->f_sigreturn = f.entry;
	if (cr_pclntab_func_by_name(P->tab, "runtime.sigtramp", &f))
		P->f_sigtramp = f.entry;
	if (cr_pclntab_func_by_name(P->tab, "runtime.asmcgocall", &f))
		P->f_asmcgocall = f.entry;
	P->flags = flags;

	pick_layout(g, b, flags);
	read_ms(g);
	gort_read_mem(g);
	if ((rc = read_allgs(g, e)))
		return rc;
	if (read_threads(g))
		return cr_fail(e, CR_NOMEM, "out of memory");
	/* running goroutines without a thread in the core */
	for (size_t k = 0; k < g->ngs; k++) {
		struct cr_goroutine *G = &g->gs[k];
		if ((G->status & ~(uint32_t)CR_G_SCAN) == CR_G_RUNNING && G->stack == &gort_empty_stack) {
			P->cache->nids = 0;
			G->stack = gort_intern_stack(g, "running on a thread that is not in the core");
		}
	}
	if (g->now) {
		for (size_t k = 0; k < g->ngs; k++) {
			struct cr_goroutine *G = &g->gs[k];
			uint32_t base = G->status & ~(uint32_t)CR_G_SCAN;
			if ((base == CR_G_WAITING || base == CR_G_SYSCALL) && G->waitsince)
				G->wait_minutes = (g->now - G->waitsince) / 60000000000LL;
		}
	}
	return CR_OK;
}

void cr_gort_release(struct cr_gort *g)
{
	if (!g)
		return;
	struct priv *P = g->priv;
	if (P) {
		cr_pclntab_close(P->tab);
		cr_native_close(P->native);
		cr_dwarf_close(P->dwarf);
		for (size_t i = 0; i < P->nlibs; i++)
			cr_binary_close(P->libs[i].b);
		gort_cache_release(P->cache);
		cr_free(P->ms);
		cr_free(P->fbuf);
		cr_free(P);
	}
	cr_free(g->gs);
	cr_free(g->threads);
	cr_free(g->mem.arenas);
	cr_buf_release(&g->warn);
	cr_arena_release(&g->arena);
	memset(g, 0, sizeof *g);
}
