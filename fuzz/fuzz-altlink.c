/* dwz's shared DWARF (lib/sym/debuglink.c's alt_link and
 * cr_debug_find_alt, then lib/sym/dwarf*.c over both files): the input is a
 * debug file and the file its link names, [u32 little-endian length L]
 * [L bytes: the debug file][the rest: the shared file]. The debug file is
 * written to a private directory as "ccrash-dwz.debug", the shared file
 * beside it as "ccrash-dwz-common.debug" (the relative name the seeds'
 * .gnu_debugaltlink or .debug_sup gives; an absolute "/ccrash-dwz-common.debug"
 * finds it too, the directory being the sysroot). The link is parsed, the
 * file looked up (its build id checked) and the debug file's DWARF read
 * with it: names through DW_FORM_GNU_ref_alt/strp_alt and
 * DW_FORM_ref_sup4/8/strp_sup, at the symbols' addresses. The debuginfod
 * cache is pointed into the directory, made under $TMPDIR (/tmp by
 * default: a tmpfs there keeps the fuzzer off the disk). */
#include "coroner/binary.h"
#include "coroner/input.h"
#include "coroner/sym.h"
#include "fuzz.h"
#include "twofiles.h"

#include <string.h>
#include <unistd.h>

static void read_dwarf(struct cr_binary *d, struct cr_binary *alt)
{
	uint64_t addrs[16];
	size_t n = 0, ns;
	const struct cr_elf_symbol *sy = cr_binary_symbols(d, &ns);
	for (size_t i = 0; i < ns && n < 12; i += 1 + ns / 12)
		addrs[n++] = sy[i].value + 1;
	for (uint64_t a = 0x401000; n < 16; a += 0x155)
		addrs[n++] = a;
	struct cr_dwarf *dw;
	struct cr_error de = { 0 };
	enum cr_err rc = cr_dwarf_open_alt(d, alt, addrs, n, &dw, &de); /* owns alt */
	fuzz_check_error(rc, &de);
	if (rc != CR_OK)
		return;
	struct cr_frame fr[16];
	for (size_t i = 0; i < n; i++)
		cr_dwarf_frames(dw, addrs[i], fr, 16);
	for (size_t i = 0; i < ns && i < 48; i++)
		cr_dwarf_frames(dw, sy[i].value + 3, fr, 16);
	cr_dwarf_close(dw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (twofiles_init("altlink", "ccrash-dwz.debug", "ccrash-dwz-common.debug"))
		cr_sysroot = dir;
	if (!twofiles_put(data, size))
		return 0;
	size_t before = cr_mem_in_use();
	char p[224];
	snprintf(p, sizeof p, "%s/ccrash-dwz.debug", dir);
	const char *dirs[1] = { dir };
	struct cr_binary *d, *alt = NULL;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_open(&d, p, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_error ae = { 0 };
		rc = cr_debug_find_alt(d, dirs, 1, &alt, &ae);
		fuzz_check_error(rc, &ae);
		/* (a .debug_sup may be a shared file's own, which links to none) */
		if (rc == CR_OK && !alt && cr_binary_section(d, ".gnu_debugaltlink"))
			fuzz_die("a link, no file and no error");
		read_dwarf(d, alt);
		cr_binary_close(d);
	}
	fuzz_check_balanced(before);
	return 0;
}
