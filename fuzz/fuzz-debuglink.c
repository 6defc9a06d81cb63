/* Separate debug files (lib/sym/debuglink.c): the input is a binary and a
 * candidate debug file, [u32 little-endian length L][L bytes: the binary]
 * [the rest: the debug file]. Both are written to a private directory,
 * the binary as "ccrash-strip" and the candidate as "ccrash-strip.debug"
 * (the name the seeds' .gnu_debuglink gives), and cr_debug_find reads the
 * link, checks the CRC and the build id, and opens what it takes. The
 * debuginfod cache is pointed into the directory, made under $TMPDIR (/tmp
 * by default: a tmpfs there keeps the fuzzer off the disk). */
#include "coroner/binary.h"
#include "coroner/sym.h"
#include "fuzz.h"
#include "twofiles.h"

#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	twofiles_init("debuglink", "ccrash-strip", "ccrash-strip.debug");
	if (!twofiles_put(data, size))
		return 0;
	size_t before = cr_mem_in_use();
	char p[224];
	snprintf(p, sizeof p, "%s/ccrash-strip", dir);
	struct cr_binary *b, *d = NULL;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_open(&b, p, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_error de = { 0 };
		rc = cr_debug_find(b, NULL, 0, &d, &de);
		fuzz_check_error(rc, &de);
		if (rc == CR_OK && d)
			cr_binary_debug_section(d, ".debug_info");
		cr_binary_close(d);
		cr_binary_close(b);
	}
	fuzz_check_balanced(before);
	return 0;
}
