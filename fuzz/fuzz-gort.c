/* The Go runtime read from a core (lib/gort/): allgs, every g (status,
 * wait reason, stack bounds, creator), the Ms, memstats and the heap
 * arenas, and every stack unwound with the pclntab (frame sizes, inline
 * trees, sigpanic, systemstack, signal frames), then the goroutine profile
 * built from them. A core's memory is untrusted input as much as its
 * headers: a process that crashed may well have corrupted its own heap.
 *
 * Patch mode (gobin.h): three real cores with the binaries that dumped
 * them are loaded once (testdata/bin/core-gosym.zst, go1.19 with symbols,
 * 47 MB inflated; gover/go1.23/core.zst; gover/go1.21/core-stripped.zst,
 * no symbols: globals from machine code); an input overwrites one region of
 * a core's memory, the core is parsed and the runtime read from it, and the
 * bytes are restored. Byte 0: bit 7 set reads the runtime globals from
 * machine code even where there are symbols; the rest picks the region,
 * counting over the cores in that order: each goroutine's g and the top of
 * its stack, each thread's stack at its sp, the allgs slice and array,
 * allm and its first m, sched, memstats and mheap_ (their first 4 KiB),
 * runtime.buildVersion. C frames are left out (CR_GORT_NO_NATIVE):
 * libunwind-coredump reads the core through a file, a copy per input.
 *
 * Seeds are the regions' own bytes: run any build of this target with
 * FUZZ_GORT_SEEDS=DIR to write them (fuzz/seed.sh does).
 */
#include "coroner/core.h"
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "fuzz.h"
#include "gobin.h"

/* the cores, each with the binary that dumped it (parsed once: the inputs
 * patch the core only); a selector indexes their regions in this order */
static struct img {
	struct gobin core, exe;
	struct cr_binary *bin;
} imgs[] = {
	{ { .file = "bin/core-gosym.zst" }, { .file = "bin/gosym.gz" }, NULL },
	{ { .file = "gover/go1.23/core.zst" }, { .file = "gover/go1.23/gosym.gz" }, NULL },
	{ { .file = "gover/go1.21/core-stripped.zst" }, { .file = "gover/go1.21/gosym-stripped.gz" }, NULL },
};
#define NIMGS (sizeof imgs / sizeof *imgs)
static struct gobin *cores[NIMGS];

static void add_core(struct gobin *core, struct cr_core *c, uint64_t addr, size_t len, const char *what)
{
	if (addr)
		gobin_region_ptr(core, cr_core_ptr(c, addr, len), len, what);
}

static void load(struct img *im)
{
	struct cr_error e = { 0 };
	struct gobin *core = &im->core;
	if (!gobin_load(core) || !gobin_load(&im->exe))
		return;
	if (cr_binary_from_memory(&im->bin, im->exe.file, im->exe.data, im->exe.len, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s\n", e.msg);
		exit(1);
	}
	struct cr_core c;
	if (cr_core_parse(&c, core->data, core->len, core->file, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s\n", e.msg);
		exit(1);
	}
	struct cr_gort g;
	if (cr_gort_open_flags(&g, &c, im->bin, CR_GORT_NO_DWARF | CR_GORT_NO_NATIVE, &e) != CR_OK) {
		fprintf(stderr, "fuzz-gort: %s: %s\n", core->file, e.msg);
		exit(1);
	}
	char w[64];
	for (size_t i = 0; i < g.ngs && i < 12; i++) {
		const struct cr_goroutine *gr = &g.gs[i];
		snprintf(w, sizeof w, "g %lld", (long long)gr->goid);
		add_core(core, &c, gr->addr, 448, w);
		uint64_t lo = gr->stack_hi - gr->stack_lo > 2048 ? gr->stack_hi - 2048 : gr->stack_lo;
		snprintf(w, sizeof w, "stack of g %lld", (long long)gr->goid);
		add_core(core, &c, lo, (size_t)(gr->stack_hi - lo), w);
	}
	for (size_t i = 0; i < g.nthreads && i < 4; i++) {
		snprintf(w, sizeof w, "thread %d at sp", g.threads[i].tid);
		add_core(core, &c, g.threads[i].regs.sp, 1024, w);
	}
	struct cr_pclntab *t = NULL;
	struct cr_goglobals G;
	if (cr_pclntab_open(im->bin, &t, &e) == CR_OK) {
		cr_goglobals_find(im->bin, t, true, &G);
		uint64_t p;
		add_core(core, &c, G.allgs.addr, 24, "allgs slice");
		if (cr_core_read_u64(&c, G.allgs.addr, &p))
			add_core(core, &c, p, 8 * (g.ngs + g.ndead < 64 ? g.ngs + g.ndead : 64), "allgs array");
		add_core(core, &c, G.allm.addr, 8, "allm");
		if (cr_core_read_u64(&c, G.allm.addr, &p))
			add_core(core, &c, p, 1024, "first m");
		add_core(core, &c, G.sched.addr, 512, "sched");
		add_core(core, &c, G.memstats.addr, 4096, "memstats");
		add_core(core, &c, G.mheap.addr, 4096, "mheap_");
		cr_pclntab_close(t);
	}
	const struct cr_elf_symbol *v = cr_binary_symbol_by_name(im->bin, "runtime.buildVersion");
	if (v)
		add_core(core, &c, v->value, 16, "buildVersion");
	cr_gort_release(&g);
	cr_core_close(&c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_limits();
	for (size_t k = 0; k < NIMGS; k++) {
		load(&imgs[k]);
		cores[k] = &imgs[k].core;
	}
	gobin_write_core_seeds(cores, NIMGS, getenv("FUZZ_GORT_SEEDS"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1)
		return 0;
	size_t before = cr_mem_in_use();
	/* the region: bits 0-6 of byte 0 over every core's regions in turn */
	unsigned sel;
	size_t k = gobin_select(cores, NIMGS, data[0] & 0x7f, &sel);
	if (k == SIZE_MAX)
		return 0;
	struct img *im = &imgs[k];
	gobin_patch(&im->core, sel, data + 1, size - 1);
	unsigned flags = CR_GORT_NO_DWARF | CR_GORT_NO_NATIVE | (data[0] & 0x80 ? CR_GORT_NO_SYMBOLS : 0);
	struct cr_core c;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_core_parse(&c, im->core.data, im->core.len, "fuzz", &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_gort g;
		struct cr_error ge = { 0 };
		rc = cr_gort_open_flags(&g, &c, im->bin, flags, &ge);
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
	gobin_restore(&im->core);
	fuzz_check_balanced(before);
	return 0;
}
