/* ELF core notes and the core reader (lib/core/core.c): the first byte
 * picks the mode. 'E': the rest is a whole core (program headers, notes,
 * PT_LOAD table), followed by memory reads at the threads' registers and
 * through every segment; otherwise the rest is one PT_NOTE payload of an
 * amd64 (even byte) or arm64 (odd byte) core. */
#include "coroner/core.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1)
		return 0;
	size_t before = cr_mem_in_use();
	struct cr_error e = { 0 };
	struct cr_core c;
	enum cr_err rc;
	if (data[0] == 'E') {
		rc = cr_core_parse(&c, data + 1, size - 1, "fuzz", &e);
		fuzz_check_error(rc, &e);
		if (rc == CR_OK) {
			unsigned char buf[64];
			for (size_t i = 0; i < c.nthreads; i++) {
				cr_core_read(&c, c.threads[i].regs.sp, buf, sizeof buf);
				cr_core_read(&c, c.threads[i].regs.pc, buf, sizeof buf);
			}
			for (size_t i = 0; i < c.nsegs; i++) {
				const struct cr_core_seg *s = &c.segs[i];
				cr_core_read(&c, s->vaddr, buf, sizeof buf);
				cr_core_read(&c, s->vaddr + s->memsz - 1, buf, sizeof buf);
				(void)cr_core_ptr(&c, s->vaddr, 16);
			}
			/* attach the input itself as the executable's image */
			cr_core_attach_file(&c, NULL, data, size);
			for (size_t i = 0; i < c.nfiles; i++)
				cr_core_read(&c, c.files[i].start, buf, sizeof buf);
			(void)cr_core_exe_path(&c);
		}
		cr_core_close(&c);
	} else {
		memset(&c, 0, sizeof c);
		cr_arena_init(&c.arena);
		c.name = "fuzz";
		c.arch = (data[0] & 1) ? CR_ARCH_ARM64 : CR_ARCH_AMD64;
		rc = cr_core_parse_notes(&c, data + 1, size - 1, &e);
		fuzz_check_error(rc, &e);
		cr_core_close(&c);
	}
	fuzz_check_balanced(before);
	return 0;
}
