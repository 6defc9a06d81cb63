/* Runtime globals found without symbols (lib/gort/globals.c) against the
 * symbol table of the same binaries: for testdata/bin/gosym (amd64),
 * gosym-pie and gosym-arm64 the address decoded from machine code (or one
 * of its candidates, for the globals gort tells apart in the core) must be
 * the symbol's value (llvm-nm's, recorded in expected/gosym.nm.txt for
 * gosym); gosym-stripped (the same link minus .symtab and DWARF: .text
 * identical, expected/gosym-stripped.text-identical.txt) must give gosym's
 * symbol values. The Go version must be the one the runtime printed
 * (runtime.buildVersion read through the symbol). */
#include "../unit.h"
#include "coroner/binary.h"
#include "coroner/gort.h"
#include "coroner/sym.h"

#include <stddef.h>

static struct cr_binary *open_bin(const char *name)
{
	char path[4096], rel[256];
	snprintf(rel, sizeof rel, "bin/%s.gz", name);
	if (!unit_data(rel, path, sizeof path))
		return NULL;
	struct cr_binary *b = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open(&b, path, &e))
		return NULL;
	return b;
}

static bool has(const struct cr_goglobal *g, uint64_t v)
{
	for (size_t i = 0; i < g->ncand; i++)
		if (g->cand[i] == v)
			return true;
	return false;
}

/* Compare the code-derived globals of `code` with the symbols of `sym`. */
static void compare(const char *what, struct cr_binary *code, struct cr_binary *sym)
{
	struct cr_pclntab *t = NULL;
	struct cr_error e = { 0 };
	CHECK(cr_pclntab_open(code, &t, &e) == CR_OK);
	if (!t)
		return;
	struct cr_goglobals G, S;
	cr_goglobals_find(code, t, false, &G);
	cr_goglobals_find(sym, NULL, true, &S);
	CHECK(G.have_moduledata);
	const struct cr_elf_symbol *md = cr_binary_symbol_by_name(sym, "runtime.firstmoduledata");
	CHECK(md && md->value == G.firstmoduledata);
	CHECK(strcmp(G.go_version, "go1.19.8") == 0);
	const struct { const char *n; const struct cr_goglobal *g, *s; bool exact; } rows[] = {
		{ "allgs", &G.allgs, &S.allgs, false },
		{ "allm", &G.allm, &S.allm, false },
		{ "sched", &G.sched, &S.sched, false },
		{ "memstats", &G.memstats, &S.memstats, false },
		{ "mheap_", &G.mheap, &S.mheap, false },
		{ "class_to_size", &G.class_to_size, &S.class_to_size, true },
		{ "waitReasonStrings", &G.wait_reasons, &S.wait_reasons, true },
		{ "gStatusStrings", &G.gstatus_strings, &S.gstatus_strings, true },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const char *n = rows[i].n;
		CHECK(rows[i].s->addr != 0);
		bool ok = rows[i].exact ? rows[i].g->addr == rows[i].s->addr : has(rows[i].g, rows[i].s->addr);
		if (!ok)
			fprintf(stderr, "%s: runtime.%s: symbol 0x%llx, decoded 0x%llx (%zu candidates)\n", what, n,
				(unsigned long long)rows[i].s->addr, (unsigned long long)rows[i].g->addr,
				rows[i].g->ncand);
		CHECK(ok);
	}
	/* string table sizes counted from the data = the symbols' sizes */
	if (G.wait_reasons.size != S.wait_reasons.size || G.gstatus_strings.size != S.gstatus_strings.size)
		fprintf(stderr, "%s: sizes %llu/%llu %llu/%llu\n", what, (unsigned long long)G.wait_reasons.size, (unsigned long long)S.wait_reasons.size, (unsigned long long)G.gstatus_strings.size, (unsigned long long)S.gstatus_strings.size);
	CHECK(G.wait_reasons.size == S.wait_reasons.size);
	CHECK(G.gstatus_strings.size == S.gstatus_strings.size);
	cr_pclntab_close(t);
}

/* gort on a core of a binary with symbols, once with them and once
 * without (globals from machine code): the same goroutines, stacks, threads
 * and memory figures. */
static void same_gort(const char *core_rel, struct cr_binary *b)
{
	char path[4096];
	if (!unit_data(core_rel, path, sizeof path))
		return;
	struct cr_core c;
	struct cr_error e = { 0 };
	CHECK(cr_core_open(&c, path, &e) == CR_OK);
	struct cr_gort a, n;
	CHECK(cr_gort_open_flags(&a, &c, b, 0, &e) == CR_OK);
	CHECK(cr_gort_open_flags(&n, &c, b, CR_GORT_NO_SYMBOLS, &e) == CR_OK);
	CHECK(n.globals_from_code && !a.globals_from_code);
	CHECK_EQ_STR(a.go_version, n.go_version);
	CHECK_EQ_INT(a.ngs, n.ngs);
	CHECK(a.ngs > 0);
	for (size_t i = 0; i < a.ngs && i < n.ngs; i++) {
		CHECK_EQ_INT(a.gs[i].goid, n.gs[i].goid);
		CHECK_EQ_STR(a.gs[i].state, n.gs[i].state);
		CHECK_EQ_INT(a.gs[i].wait_minutes, n.gs[i].wait_minutes);
		CHECK_EQ_INT(a.gs[i].tid, n.gs[i].tid);
		CHECK_EQ_INT(a.gs[i].stack->nframes, n.gs[i].stack->nframes);
	}
	CHECK_EQ_INT(a.nthreads, n.nthreads);
	for (size_t i = 0; i < a.nthreads && i < n.nthreads; i++) {
		CHECK_EQ_INT(a.threads[i].mid, n.threads[i].mid);
		CHECK_EQ_INT(a.threads[i].stack->nframes, n.threads[i].stack->nframes);
	}
	CHECK_EQ_INT(a.now, n.now);
	CHECK(a.mem.present && n.mem.present);
	CHECK(memcmp(&a.mem, &n.mem, offsetof(struct cr_gort_mem, arenas)) == 0);
	CHECK_EQ_INT(a.mem.narenas, n.mem.narenas);
	CHECK_EQ_STR(cr_buf_str(&n.warn), "");
	cr_gort_release(&a);
	cr_gort_release(&n);
	cr_core_close(&c);
}

int main(void)
{
	struct cr_binary *gs = open_bin("gosym"), *pie = open_bin("gosym-pie"),
			 *arm = open_bin("gosym-arm64"), *str = open_bin("gosym-stripped");
	if (!gs || !pie || !arm || !str)
		SKIP("testdata/bin gosym binaries missing");
	compare("gosym", gs, gs);
	compare("gosym-pie", pie, pie);
	compare("gosym-arm64", arm, arm);
	compare("gosym-stripped", str, gs);
	/* the go1.19 layout table = the offsets in the DWARF of Go 1.19.8
	 * binaries, amd64 (static, PIE) and arm64 */
	struct cr_binary *dw[] = { gs, pie, arm };
	for (size_t i = 0; i < 3; i++) {
		struct cr_buf rep = { 0 };
		size_t nf = 0;
		int d = cr_gort_layout_check(dw[i], "go1.19.8", &nf, &rep);
		if (d)
			fprintf(stderr, "layout differs (binary %zu):\n%s", i, cr_buf_str(&rep));
		CHECK_EQ_INT(d, 0);
		CHECK_EQ_INT(nf, 58); /* every field gort reads */
		cr_buf_release(&rep);
	}
	CHECK_EQ_INT(cr_gort_layout_check(str, "go1.19.8", NULL, NULL), -1); /* no DWARF */
	same_gort("bin/core-gosym.zst", gs);
	same_gort("bin/core-gosym-pie.zst", pie);
	/* the stripped binary has no symbols to fall back on */
	CHECK(cr_binary_symbol_by_name(str, "runtime.allgs") == NULL);
	cr_binary_close(gs);
	cr_binary_close(pie);
	cr_binary_close(arm);
	cr_binary_close(str);
	return unit_done();
}
