/* DWARF read in part (lib/sym/dwarf_part.c through cr_dwarf_open_for): the
 * input is an ELF file whose compressed .debug_info is inflated only as far
 * as the units .debug_aranges names for a few addresses. The addresses are
 * the symbols' and a fixed range; lookups then also ask for addresses the
 * open was not told about, so units are inflated late as well. */
#include "coroner/sym.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_binary *b;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_from_memory(&b, "fuzz", data, size, &e);
	if (rc)
		goto out;
	uint64_t addrs[16];
	size_t n = 0, ns;
	const struct cr_elf_symbol *sy = cr_binary_symbols(b, &ns);
	for (size_t i = 0; i < ns && n < 8; i += 1 + ns / 8)
		addrs[n++] = sy[i].value + 1;
	for (uint64_t a = 0x401000; n < 16; a += 0x333)
		addrs[n++] = a;
	struct cr_dwarf *d;
	struct cr_error de = { 0 };
	rc = cr_dwarf_open_for(b, addrs, n, &d, &de);
	fuzz_check_error(rc, &de);
	if (rc == CR_OK) {
		struct cr_frame fr[16];
		for (size_t i = 0; i < n; i++)
			cr_dwarf_frames(d, addrs[i], fr, 16);
		for (size_t i = 0; i < ns && i < 32; i++)
			cr_dwarf_frames(d, sy[i].value + 2, fr, 16);
		cr_dwarf_close(d);
	}
	cr_binary_close(b);
out:
	fuzz_check_balanced(before);
	return 0;
}
