/* Frames for functions left by a tail call, made up as gdb makes them.
 *
 * A function that ends in a jump to another (a tail call) leaves no return
 * address: the unwinder goes from the callee straight to the caller of the
 * function that jumped. gdb puts the missing functions back from the DWARF
 * call-site records (lib/sym/dwarf_calls.c), for each callee and caller
 * pair of physical frames:
 *
 * - F is the entry of the callee's concrete function; C0 the call site of
 *   the caller's module whose return address is the caller's pc (none: no
 *   frames).
 * - If C0 calls F, the call was direct. Otherwise the function C0 calls
 *   (it must start exactly at that address) is searched depth-first through
 *   its tail-call sites and theirs, a site never twice on one path, for
 *   paths whose last site jumps to F. A path is a candidate; of all of them
 *   gdb keeps the sites they share at their start (callers) and at their end
 *   (callees); none shared means ambiguous: no frames.
 * - A callee given as a declaration is found by its name over the modules,
 *   the executable first; a site whose callee cannot be resolved (an
 *   indirect call, an unknown name, no function with that entry) stops the
 *   whole search: no frames, as gdb gives none.
 *
 * Each site kept becomes a frame at its return address, named at the
 * address before it (the innermost function there, inlined or not, one
 * frame), innermost first: the shared end sites, then the shared start
 * sites. The search is bounded (path length, tail-call sites per function,
 * sites entered), and gives up past a bound. */
#include "ccore_int.h"
#include "coroner/binary.h"
#include "coroner/sym.h"

#include <string.h>

#define LIST_MAX 64   /* tail-call sites of one function */
#define BUDGET 4096   /* sites entered for one pair of frames */

struct tsite {
	uint64_t ret;  /* runtime return address */
	const struct cr_call_site *cs;
	struct cr_cmodule *m;
};

struct search {
	struct cr_ccore *cc;
	uint64_t callee;                       /* F */
	struct tsite path[CCORE_TAIL_MAX];
	size_t depth;
	struct tsite best[CCORE_TAIL_MAX];     /* the first candidate */
	size_t len, callers, callees;
	bool have;
	size_t budget;
	struct cr_call_site (*lists)[LIST_MAX]; /* a tail-call list per depth */
};

static struct cr_dwarf *dwarf_of(struct cr_cmodule *m, bool debug)
{
	struct cr_symbolizer *s = debug ? m->dbg : m->sym;
	return s ? cr_symbolizer_dwarf_index(s) : NULL;
}

/* The runtime address of symbol name in module m: global only unless
 * local; opened modules through the symbol table of their debug file, else
 * of the file itself, the others through the file the unwinder read (global
 * symbols only: no debug file is opened for a lookup). */
static bool module_symbol(struct cr_ccore *cc, struct cr_cmodule *m, const char *name, bool local, uint64_t *addr)
{
	const struct cr_elf_symbol *y = NULL;
	int64_t bias = m->bias;
	if (m->tried) { /* a debug file's .symtab holds what the file's own tables hold */
		struct cr_symbolizer *s = m->dbg ? m->dbg : m->sym;
		y = s ? cr_binary_symbol_by_name(cr_symbolizer_binary(s), name) : NULL;
	} else if (!local && m->file) {
		y = cr_binary_symbol_by_name(m->file, name);
		bool mapped = false;
		for (size_t i = 0; y && !mapped && i < cc->core.nfiles; i++) {
			const struct cr_core_file *f = &cc->core.files[i];
			struct cr_error e = { 0 };
			mapped = f->offset == 0 && strcmp(f->path, m->path) == 0 &&
				 cr_binary_bias_for_mapping(m->file, f->start, 0, &bias, &e) == CR_OK;
		}
		if (!mapped)
			y = NULL;
	}
	if (!y || (y->bind == 0) != local) /* STB_LOCAL */
		return false;
	*addr = y->value + (uint64_t)bias;
	return true;
}

/* The runtime address of a defined symbol named name over the modules,
 * the executable first, as gdb looks a call's declared callee up: a global
 * one, else a local one. The modules no frame has opened are searched last
 * (their global symbols: a global there would come before a local one of
 * an opened module in gdb, a case let go for not reading every module's
 * symbol table each time a local name is looked up). */
static bool symbol_addr(struct cr_ccore *cc, const char *name, uint64_t *addr)
{
	for (int pass = 0; pass < 3; pass++)
		for (int exe = 1; exe >= 0; exe--)
			for (size_t i = 0; i < cc->nmods; i++) {
				struct cr_cmodule *m = &cc->mods[i];
				if (m->is_exe == exe && m->tried == (pass < 2) &&
				    module_symbol(cc, m, name, pass == 1, addr))
					return true;
			}
	return false;
}

/* The runtime address site s calls; false if it cannot be known. */
static bool target_of(struct search *S, const struct tsite *s, uint64_t *t)
{
	switch (s->cs->kind) {
	case CR_CALL_ADDR:
		*t = s->cs->target + (uint64_t)s->m->bias;
		return true;
	case CR_CALL_NAME:
		return symbol_addr(S->cc, s->cs->name, t);
	default:
		return false;
	}
}

/* The tail-call sites of the function whose entry is exactly t into
 * S->lists[S->depth], with their module; false if there is no such
 * function or too many sites. */
static bool tail_list(struct search *S, uint64_t t, size_t *n, struct cr_cmodule **mod)
{
	struct cr_cmodule *m = ccore_module_of(S->cc, t);
	if (!m)
		return false;
	ccore_open_module(S->cc, m);
	for (int k = 0; k < 2; k++) {
		struct cr_dwarf *d = dwarf_of(m, k == 0);
		if (d && cr_dwarf_tail_calls(d, t - (uint64_t)m->bias, S->lists[S->depth], LIST_MAX, n)) {
			*mod = m;
			return *n <= LIST_MAX;
		}
	}
	return false;
}

/* A path to F: kept as the first candidate, or intersected with it. */
static void candidate(struct search *S)
{
	size_t len = S->depth;
	if (!S->have) {
		memcpy(S->best, S->path, len * sizeof *S->path);
		S->len = S->callers = S->callees = len;
		S->have = true;
		return;
	}
	size_t c = S->callers < len ? S->callers : len;
	for (size_t i = 0; i < c; i++)
		if (S->best[i].ret != S->path[i].ret) {
			S->callers = i;
			break;
		}
	c = S->callees < len ? S->callees : len;
	for (size_t i = 0; i < c; i++)
		if (S->best[S->len - 1 - i].ret != S->path[len - 1 - i].ret) {
			S->callees = i;
			break;
		}
	if (!S->callers && !S->callees)
		S->have = false; /* ambiguous */
}

enum { GO_ON, STOP, FAIL };

/* Visit site s (the last of S->path, or C0): see the file's comment. */
static int visit(struct search *S, const struct tsite *s)
{
	uint64_t t;
	if (!target_of(S, s, &t))
		return FAIL;
	if (t == S->callee) {
		candidate(S);
		return S->have ? GO_ON : STOP;
	}
	size_t n;
	struct cr_cmodule *m;
	if (s->cs->multi || S->depth >= CCORE_TAIL_MAX || !tail_list(S, t, &n, &m))
		return FAIL;
	const struct cr_call_site *list = S->lists[S->depth];
	for (size_t i = 0; i < n; i++) {
		uint64_t ret = list[i].ret + (uint64_t)m->bias;
		bool on_path = false;
		for (size_t k = 0; k < S->depth; k++)
			on_path |= S->path[k].ret == ret;
		if (on_path)
			continue;
		if (!S->budget)
			return FAIL;
		S->budget--;
		S->path[S->depth++] = (struct tsite){ ret, &list[i], m };
		int rc = visit(S, &S->path[S->depth - 1]);
		S->depth--;
		if (rc != GO_ON)
			return rc;
	}
	return GO_ON;
}

/* The frame of a tail-call site at its return address ret. */
static void site_frame(struct cr_ccore *cc, uint64_t ret, struct cr_frame *out)
{
	struct cr_frame fr[16];
	ccore_name_pc(cc, ret, ret - 1, fr, 16);
	*out = fr[0];
	out->pc = ret;
	out->inlined = false;
	out->signal = false;
	out->tail_call = true;
}

size_t ccore_tail_frames(struct cr_ccore *cc, uint64_t entry, uint64_t ret, struct cr_frame *out)
{
	struct cr_cmodule *m = ret ? ccore_module_of(cc, ret - 1) : NULL;
	if (!entry || !m)
		return 0;
	ccore_open_module(cc, m);
	struct cr_call_site c0;
	bool found = false;
	for (int k = 0; k < 2 && !found; k++) {
		struct cr_dwarf *d = dwarf_of(m, k == 0);
		found = d && cr_dwarf_call_site(d, ret - (uint64_t)m->bias, &c0);
	}
	if (!found)
		return 0;
	struct search S = { .cc = cc, .callee = entry, .budget = BUDGET };
	struct tsite s0 = { ret, &c0, m };
	uint64_t t;
	if (c0.kind == CR_CALL_ADDR && c0.target + (uint64_t)m->bias == entry)
		return 0; /* a direct call: the common case, no search */
	if (!target_of(&S, &s0, &t) || t == entry)
		return 0;
	S.lists = cr_calloc(CCORE_TAIL_MAX + 1, sizeof *S.lists);
	if (!S.lists)
		return 0;
	int rc = visit(&S, &s0);
	cr_free(S.lists);
	if (rc == FAIL || !S.have)
		return 0;
	size_t levels = S.callers == S.len && S.callees == S.len ? S.len : S.callers + S.callees;
	size_t k = 0;
	for (size_t j = 0; j < levels && k < CCORE_TAIL_MAX; j++) {
		size_t at;
		if (j < S.callees)
			at = S.len - 1 - j;
		else if (S.callees != S.len && j - S.callees < S.callers)
			at = S.callers - 1 - (j - S.callees);
		else
			break;
		site_frame(cc, S.best[at].ret, &out[k++]);
	}
	return k;
}
