/* The Go runtime read from a core (lib/gort/gort.c): allgs, every g (status,
 * wait reason, stack bounds, creator), the Ms, memstats and the heap
 * arenas, and every stack unwound with the pclntab (frame sizes, inline
 * trees, sigpanic, systemstack, signal frames), then the goroutine profile
 * built from them. A core's memory is untrusted input as much as its
 * headers: a process that crashed may well have corrupted its own heap.
 *
 * Patch mode (gobin.h): the real core testdata/bin/core-gosym.zst (47 MB
 * inflated) and its binary gosym.gz are loaded once; an input overwrites
 * one region of the core's memory, the core is parsed and the runtime read
 * from it, and the bytes are restored. Byte 0: bit 7 set reads the runtime
 * globals from machine code instead of the symbol table (as for a stripped
 * binary), the rest picks the region: each goroutine's g and the top of
 * its stack, each thread's stack at its sp, the allgs slice and array,
 * allm and its first m, sched, memstats and mheap_ (their first 4 KiB),
 * runtime.buildVersion. C frames are left out (CR_GORT_NO_NATIVE):
 * libunwind-coredump reads the core through a file, a 47 MB copy per input.
 *
 * Seeds are the regions' own bytes: run any build of this target with
 * FUZZ_GORT_SEEDS=DIR to write them (fuzz/seed.sh does).
 */
#include "coroner/core.h"
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "fuzz.h"
#include "gobin.h"

static struct gobin core = { .file = "core-gosym.zst" };
static struct gobin exe = { .file = "gosym.gz" };
static struct cr_binary *bin; /* parsed once: the inputs patch the core only */

static void add_core(struct cr_core *c, uint64_t addr, size_t len, const char *what)
{
	if (addr)
		gobin_region_ptr(&core, cr_core_ptr(c, addr, len), len, what);
}

static void load(void)
{
	struct cr_error e = { 0 };
	if (!gobin_load(&core) || !gobin_load(&exe))
		return;
	if (cr_binary_from_memory(&bin, exe.file, exe.pristine, exe.len, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s\n", e.msg);
		exit(1);
	}
	struct cr_core c;
	if (cr_core_parse(&c, core.pristine, core.len, core.file, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s\n", e.msg);
		exit(1);
	}
	struct cr_gort g;
	if (cr_gort_open_flags(&g, &c, bin, CR_GORT_NO_DWARF | CR_GORT_NO_NATIVE, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s\n", e.msg);
		exit(1);
	}
	char w[64];
	for (size_t i = 0; i < g.ngs && i < 24; i++) {
		const struct cr_goroutine *gr = &g.gs[i];
		snprintf(w, sizeof w, "g %lld", (long long)gr->goid);
		add_core(&c, gr->addr, 448, w);
		uint64_t lo = gr->stack_hi - gr->stack_lo > 2048 ? gr->stack_hi - 2048 : gr->stack_lo;
		snprintf(w, sizeof w, "stack of g %lld", (long long)gr->goid);
		add_core(&c, lo, (size_t)(gr->stack_hi - lo), w);
	}
	for (size_t i = 0; i < g.nthreads && i < 8; i++) {
		snprintf(w, sizeof w, "thread %d at sp", g.threads[i].tid);
		add_core(&c, g.threads[i].regs.sp, 1024, w);
	}
	struct cr_pclntab *t = NULL;
	struct cr_goglobals G;
	if (cr_pclntab_open(bin, &t, &e) == CR_OK) {
		cr_goglobals_find(bin, t, true, &G);
		uint64_t p;
		add_core(&c, G.allgs.addr, 24, "allgs slice");
		if (cr_core_read_u64(&c, G.allgs.addr, &p))
			add_core(&c, p, 8 * (g.ngs + g.ndead < 64 ? g.ngs + g.ndead : 64), "allgs array");
		add_core(&c, G.allm.addr, 8, "allm");
		if (cr_core_read_u64(&c, G.allm.addr, &p))
			add_core(&c, p, 1024, "first m");
		add_core(&c, G.sched.addr, 512, "sched");
		add_core(&c, G.memstats.addr, 4096, "memstats");
		add_core(&c, G.mheap.addr, 4096, "mheap_");
		cr_pclntab_close(t);
	}
	const struct cr_elf_symbol *v = cr_binary_symbol_by_name(bin, "runtime.buildVersion");
	if (v)
		add_core(&c, v->value, 16, "buildVersion");
	cr_gort_release(&g);
	cr_core_close(&c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_limits();
	load();
	const char *dir = getenv("FUZZ_GORT_SEEDS");
	if (dir)
		gobin_write_seeds(&core, dir, "core", "", 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1 || !core.nr || !bin)
		return 0;
	size_t before = cr_mem_in_use();
	gobin_patch(&core, data[0] & 0x7f, data + 1, size - 1);
	unsigned flags = CR_GORT_NO_DWARF | CR_GORT_NO_NATIVE | (data[0] & 0x80 ? CR_GORT_NO_SYMBOLS : 0);
	struct cr_core c;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_core_parse(&c, core.work, core.len, "fuzz", &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_gort g;
		struct cr_error ge = { 0 };
		rc = cr_gort_open_flags(&g, &c, bin, flags, &ge);
		fuzz_check_error(rc, &ge);
		if (rc == CR_OK) {
			struct cr_profile p;
			if (cr_profile_init(&p) == CR_OK) {
				struct cr_error pe = { 0 };
				fuzz_check_error(cr_gort_profile(&g, &p, &pe), &pe);
				cr_profile_release(&p);
			}
			if (cr_profile_init(&p) == CR_OK) {
				struct cr_error pe = { 0 };
				fuzz_check_error(cr_gort_profile_grouped(&g, &p, &pe), &pe);
				cr_profile_release(&p);
			}
		}
		cr_gort_release(&g);
		cr_core_close(&c);
	}
	gobin_restore(&core);
	fuzz_check_balanced(before);
	return 0;
}
