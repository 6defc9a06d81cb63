/* DWARF index (lib/sym/dwarf.c over libdwarf's object interface): the input
 * is an ELF file; its debug sections are indexed and a few addresses looked
 * up. */
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
	struct cr_dwarf *d;
	struct cr_error de = { 0 };
	rc = cr_dwarf_open(b, &d, &de);
	fuzz_check_error(rc, &de);
	if (rc == CR_OK) {
		struct cr_frame fr[16];
		size_t ns;
		const struct cr_elf_symbol *sy = cr_binary_symbols(b, &ns);
		for (size_t i = 0; i < ns && i < 32; i++)
			cr_dwarf_frames(d, sy[i].value + 1, fr, 16);
		for (uint64_t a = 0; a < 0x3000; a += 0x101)
			cr_dwarf_frames(d, 0x401000 + a, fr, 16);
		cr_dwarf_close(d);
	}
	cr_binary_close(b);
out:
	fuzz_check_balanced(before);
	return 0;
}
