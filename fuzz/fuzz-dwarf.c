/* DWARF index (lib/sym/dwarf.c over libdwarf's object interface): the input
 * is an ELF file; its debug sections are indexed (call-site records
 * included, lib/sym/dwarf_calls.c) and a few addresses looked up. */
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
		/* call sites (read with each unit): each function's tail calls,
		 * each of them found again by its return address */
		for (size_t i = 0; i < ns && i < 32; i++) {
			struct cr_call_site cs[8], one;
			size_t n = 0;
			if (cr_dwarf_tail_calls(d, sy[i].value, cs, 8, &n))
				for (size_t k = 0; k < n && k < 8; k++)
					cr_dwarf_call_site(d, cs[k].ret, &one);
			cr_dwarf_call_site(d, sy[i].value + 5, &one);
		}
		for (uint64_t a = 0; a < 0x3000; a += 0x101)
			cr_dwarf_frames(d, 0x401000 + a, fr, 16);
		cr_dwarf_close(d);
	}
	cr_binary_close(b);
out:
	fuzz_check_balanced(before);
	return 0;
}
