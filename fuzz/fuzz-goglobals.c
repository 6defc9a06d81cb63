/* Runtime globals of a Go binary without symbols (lib/gort/globals.c): the
 * input is an ELF file; .go.buildinfo is decoded, runtime.firstmoduledata
 * is searched for, and the machine code of the runtime functions the
 * pclntab names is decoded (amd64 RIP-relative, arm64 ADRP pairs), with
 * the static checks of string tables and class_to_size. Also the DWARF
 * layout comparison (cr_dwarf_struct_members via cr_gort_layout_check).
 * Seeds: testdata/bin/gosym-stripped, gosym-arm64 (large: not in the
 * corpus; -max_len must allow a few MB, or use the ELF corpus). */
#include "coroner/elf.h"
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_binary *b = NULL;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_from_memory(&b, "fuzz", data, size, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		char v[64];
		(void)cr_go_buildinfo_version(b, v, sizeof v);
		struct cr_pclntab *t = NULL;
		struct cr_error pe = { 0 };
		if (cr_pclntab_open(b, &t, &pe) == CR_OK) {
			struct cr_goglobals G;
			cr_goglobals_find(b, t, false, &G);
			cr_goglobals_find(b, t, true, &G);
			cr_pclntab_close(t);
		}
		struct cr_buf rep = { 0 };
		(void)cr_gort_layout_check(b, "go1.19.8", NULL, &rep);
		cr_buf_release(&rep);
		cr_binary_close(b);
	}
	fuzz_check_balanced(before);
	return 0;
}
