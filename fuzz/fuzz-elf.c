/* ELF reader (lib/elf/binary.c): headers, section/segment tables, symbols,
 * notes, compressed sections (zlib, .zdebug), reads by virtual address. */
#include "coroner/binary.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_binary *b;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_from_memory(&b, "fuzz", data, size, &e);
	fuzz_check_error(rc, &e);
	if (rc)
		goto out;
	for (size_t i = 0; i < b->nsections; i++) {
		const uint8_t *d;
		size_t len;
		struct cr_error se = { 0 };
		enum cr_err src = cr_binary_section_data(b, &b->sections[i], &d, &len, &se);
		fuzz_check_error(src, &se);
		if (src == CR_OK && len) /* touch the first and last byte */
			if (d[0] == 0x42 && d[len - 1] == 0x42)
				cr_binary_arch(b);
	}
	/* lookups before the table is read (a pass over it each), then sorted */
	for (size_t i = 0; i < b->nsegments && i < 8; i++)
		cr_binary_symbol_at(b, b->segments[i].vaddr + 16);
	size_t ns;
	const struct cr_elf_symbol *sy = cr_binary_symbols(b, &ns);
	for (size_t i = 0; i < ns && i < 64; i++) {
		cr_binary_symbol_at(b, sy[i].value);
		cr_binary_symbol_by_name(b, sy[i].name);
	}
	uint64_t v;
	uint8_t buf[64];
	for (size_t i = 0; i < b->nsegments; i++) {
		cr_binary_read(b, b->segments[i].vaddr, buf, sizeof buf);
		cr_binary_read_addr(b, b->segments[i].vaddr + b->segments[i].memsz - 1, &v);
	}
	cr_binary_read_uint(b, b->entry, 8, &v);
	cr_binary_close(b);
out:
	fuzz_check_balanced(before);
	return 0;
}
