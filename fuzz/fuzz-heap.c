/* The Go heap read from a core (lib/heap): the span table, alloc bits,
 * span-inline pointer bits, malloc headers and the types they point to,
 * moduledata and its masks, special records; then the mark, the
 * dominator tree, paths and the profile of references over what was read.
 *
 * Patch mode (gobin.h): the cores of testdata/retain (go1.19, go1.22,
 * go1.26) are loaded once with their binaries; the regions are what the
 * heap reader itself reports reading from each (cr_heap_inputs: allspans,
 * mspan records, alloc bits, heap bits, types, masks, headers, moduledata,
 * specials). An input overwrites one region of a core, the runtime and the
 * heap are read from it, and the bytes are restored. Byte 0 picks the
 * region over the cores in that order.
 *
 * Seeds are the regions' own bytes: run any build of this target with
 * FUZZ_HEAP_SEEDS=DIR to write them.
 */
#include "coroner/core.h"
#include "coroner/gort.h"
#include "coroner/heap.h"
#include "fuzz.h"
#include "gobin.h"

static struct img {
	struct gobin core, exe;
	struct cr_binary *bin;
} imgs[] = {
	{ { .file = "retain/core-1.19.zst" }, { .file = "retain/retain-1.19.gz" }, NULL },
	{ { .file = "retain/core-1.22.zst" }, { .file = "retain/retain-1.22.gz" }, NULL },
	{ { .file = "retain/core-1.26.zst" }, { .file = "retain/retain-1.26.gz" }, NULL },
};
#define NIMGS (sizeof imgs / sizeof *imgs)
static struct gobin *cores[NIMGS];

struct regs {
	struct gobin *core;
	struct cr_core *c;
};

static void on_input(void *arg, const char *what, uint64_t addr, size_t len)
{
	struct regs *R = arg;
	if (len > 4096)
		len = 4096;
	gobin_region_ptr(R->core, cr_core_ptr(R->c, addr, len), len, what);
}

static void load(struct img *im)
{
	struct cr_error e = { 0 };
	if (!gobin_load(&im->core) || !gobin_load(&im->exe))
		return;
	if (cr_binary_from_memory(&im->bin, im->exe.file, im->exe.data, im->exe.len, &e) != CR_OK) {
		fprintf(stderr, "fuzz-heap: %s\n", e.msg);
		exit(1);
	}
	struct cr_core c;
	struct cr_gort g;
	struct cr_heap h;
	if (cr_core_parse(&c, im->core.data, im->core.len, im->core.file, &e) != CR_OK ||
	    cr_gort_open_flags(&g, &c, im->bin, CR_GORT_NO_NATIVE, &e) != CR_OK ||
	    cr_heap_open(&h, &g, &c, im->bin, NULL, &e) != CR_OK) {
		fprintf(stderr, "fuzz-heap: %s: %s\n", im->core.file, e.msg);
		exit(1);
	}
	struct regs R = { &im->core, &c };
	cr_heap_inputs(&h, on_input, &R);
	cr_heap_release(&h);
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
	gobin_write_core_seeds(cores, NIMGS, getenv("FUZZ_HEAP_SEEDS"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1)
		return 0;
	size_t before = cr_mem_in_use();
	unsigned sel;
	size_t k = gobin_select(cores, NIMGS, data[0], &sel);
	if (k == SIZE_MAX)
		return 0;
	struct img *im = &imgs[k];
	gobin_patch(&im->core, sel, data + 1, size - 1);
	struct cr_core c;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_core_parse(&c, im->core.data, im->core.len, "fuzz", &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_gort g;
		struct cr_error ge = { 0 };
		rc = cr_gort_open_flags(&g, &c, im->bin, CR_GORT_NO_NATIVE, &ge);
		fuzz_check_error(rc, &ge);
		if (rc == CR_OK) {
			struct cr_heap h;
			struct cr_heap_opts o = { .max_objects = 1000000 };
			struct cr_error he = { 0 };
			rc = cr_heap_open(&h, &g, &c, im->bin, &o, &he);
			fuzz_check_error(rc, &he);
			if (rc == CR_OK) {
				struct cr_profile p;
				if (cr_profile_init(&p) == CR_OK) {
					struct cr_error pe = { 0 };
					fuzz_check_error(cr_heap_profile(&h, &p, &pe), &pe);
					cr_profile_release(&p);
				}
				struct cr_buf out = { 0 };
				size_t n;
				struct cr_error qe = { 0 };
				if (h.ntypes)
					cr_heap_paths(&h, h.types[0].type, 3, &out, &n, &qe);
				cr_buf_release(&out);
			}
			cr_heap_release(&h);
		}
		cr_gort_release(&g);
		cr_core_close(&c);
	}
	gobin_restore(&im->core);
	fuzz_check_balanced(before);
	return 0;
}
