/* Runtime globals of a Go binary without symbols (lib/gort/globals.c).
 *
 * Two kinds of input:
 *
 * - An ELF file (starts with \x7fELF): .go.buildinfo is decoded,
 *   runtime.firstmoduledata is searched for, the machine code of the runtime
 *   functions the pclntab names is decoded, with the static checks of
 *   string tables and class_to_size, and the DWARF layout comparison
 *   (cr_dwarf_struct_members via cr_gort_layout_check).
 *
 * - A patch of a real Go binary (anything else; gobin.h): the two real
 *   binaries of testdata/bin (amd64 stripped, arm64) are loaded once and
 *   the input overwrites one region of one of them: byte 0 picks
 *   the binary (bit 7) and the region (the rest, modulo the count), two
 *   bytes give an offset in the region and the rest is written there. Regions: the code of each
 *   runtime function globals.c decodes (amd64 RIP-relative operands, arm64
 *   ADRP pairs, bounds checks), the moduledata, .go.buildinfo, the pclntab
 *   header and the tables the static checks read. The binary is restored
 *   after every input.
 *
 * Seeds for the patch mode are the regions' own bytes: run any build of this
 * target with FUZZ_GOGLOBALS_SEEDS=DIR to write them (fuzz/seed.sh does).
 */
#include "coroner/binary.h"
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "fuzz.h"
#include "gobin.h"

/* The functions of globals.c's rules (every one it decodes). */
static const char *const decoded[] = {
	"runtime.forEachG",        "runtime.allgadd",         "runtime.mcommoninit",
	"runtime.schedtrace",      "runtime.checkdead",       "runtime.newproc1",
	"runtime.(*mcache).allocLarge", "runtime.(*mheap).allocSpan", "runtime.(*mcache).refill",
	"runtime.materializeGCProg", "runtime.freeStackSpans", "runtime.rawbyteslice",
	"runtime.makeBucketArray", "runtime.goroutineheader", "runtime.waitReason.String",
};

static struct gobin images[2] = { { .file = "bin/gosym-stripped.gz" }, { .file = "bin/gosym-arm64.gz" } };

static void load_image(struct gobin *im)
{
	struct cr_binary *b;
	struct cr_pclntab *t;
	if (!gobin_open(im, &b, &t))
		return;
	for (size_t i = 0; i < sizeof decoded / sizeof *decoded; i++) {
		struct cr_gofunc f;
		if (cr_pclntab_func_by_name(t, decoded[i], &f) && f.end > f.entry)
			gobin_region(im, b, f.entry, (size_t)(f.end - f.entry), decoded[i]);
	}
	struct cr_goglobals G;
	cr_goglobals_find(b, t, false, &G);
	unsigned ps = cr_binary_ptrsize(b);
	gobin_region(im, b, G.firstmoduledata, 64 * (size_t)ps, "moduledata");
	struct cr_elf_section *s = cr_binary_section(b, ".go.buildinfo");
	if (s)
		gobin_region(im, b, s->addr, s->file_size < 256 ? (size_t)s->file_size : 256, "buildinfo");
	s = cr_binary_section(b, ".gopclntab");
	if (s)
		gobin_region(im, b, s->addr, 128, "pclntab header");
	const struct cr_goglobal *tables[] = { &G.class_to_size, &G.wait_reasons, &G.gstatus_strings };
	const char *const tnames[] = { "class_to_size", "waitReasonStrings", "gStatusStrings" };
	for (size_t i = 0; i < 3; i++)
		gobin_region(im, b, tables[i]->addr, 16 * (size_t)ps, tnames[i]);
	cr_pclntab_close(t);
	cr_binary_close(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gobin_init_pair(images, load_image, "FUZZ_GOGLOBALS_SEEDS", "");
	return 0;
}

static void run_globals(struct cr_binary *b, bool layout)
{
	char v[64];
	(void)cr_go_buildinfo_version(b, v, sizeof v);
	struct cr_pclntab *t = NULL;
	struct cr_error pe = { 0 };
	enum cr_err rc = cr_pclntab_open(b, &t, &pe);
	fuzz_check_error(rc, &pe);
	if (rc == CR_OK) {
		struct cr_goglobals G;
		cr_goglobals_find(b, t, false, &G);
		cr_goglobals_find(b, t, true, &G);
		cr_pclntab_close(t);
	}
	if (layout) {
		struct cr_buf rep = { 0 };
		(void)cr_gort_layout_check(b, "go1.19.8", NULL, &rep);
		cr_buf_release(&rep);
	}
}

static void run_patched(struct cr_binary *b, const struct gobin_region *r)
{
	(void)r;
	run_globals(b, false); /* the DWARF path is the ELF mode's */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	if (size >= 4 && memcmp(data, "\177ELF", 4) == 0) {
		struct cr_binary *b = NULL;
		struct cr_error e = { 0 };
		enum cr_err rc = cr_binary_from_memory(&b, "fuzz", data, size, &e);
		fuzz_check_error(rc, &e);
		if (rc == CR_OK) {
			run_globals(b, true);
			cr_binary_close(b);
		}
	} else if (size >= 1)
		gobin_pair_patch_run(images, data, size, run_patched);
	fuzz_check_balanced(before);
	return 0;
}
