/* DWARF call frame information (lib/elf/cfi.c) and the arm64 unwinder
 * over it (lib/core/unwind_arm64.c). The first byte picks the mode:
 *   'U': the rest is an ELF file whose PT_LOADs are the memory of a
 *        one-thread arm64 core (bias 0), its last 264 bytes that thread's
 *        registers (x0..x30, sp, pc); the thread is unwound through the
 *        file's .eh_frame and .debug_frame;
 *   else: bit 0 chooses .debug_frame (1) or .eh_frame (0); the next 8
 *        bytes are the section's address and the rest the section: its
 *        FDEs are indexed and the row looked up at each FDE's first, middle
 *        and last address and at the 8-byte words of the input; the DWARF
 *        expressions of each row found are evaluated (cr_cfi_eval). */
#include "coroner/binary.h"
#include "coroner/cfi.h"
#include "coroner/core.h"
#include "fuzz.h"

#include <string.h>

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Registers and memory for the expressions: register n holds n * 0x1000;
 * memory is the section's bytes at their address, nothing elsewhere. */
static bool env_reg(void *arg, unsigned regno, uint64_t *v)
{
	(void)arg;
	*v = (uint64_t)regno * 0x1000;
	return regno < 64;
}

static bool env_mem(void *arg, uint64_t addr, unsigned size, uint64_t *v)
{
	const struct cr_cfi *cfi = arg;
	if (addr < cfi->addr || addr - cfi->addr > cfi->len || size > cfi->len - (addr - cfi->addr))
		return false;
	*v = 0;
	for (unsigned i = 0; i < size; i++)
		*v |= (uint64_t)cfi->data[addr - cfi->addr + i] << (8 * i);
	return true;
}

static void eval(const struct cr_cfi *cfi, size_t off, size_t len, bool push)
{
	struct cr_cfi_env env = { env_reg, env_mem, (void *)cfi };
	uint64_t v;
	const char *why;
	if (!cr_cfi_eval(cfi, off, len, push, 0x7ff0000, &env, &v, &why) && !why)
		abort(); /* a refusal must say why */
}

static void rows(const struct cr_cfi *cfi, uint64_t pc)
{
	struct cr_cfi_row row;
	char buf[128];
	const char *why;
	int k = cr_cfi_row_at(cfi, pc, &row, buf, sizeof buf, &why);
	if (k < 0 && !why)
		abort(); /* a refusal must say why */
	if (k <= 0)
		return;
	if (row.cfa_expr)
		eval(cfi, (size_t)row.cfa_off, row.cfa_reg, false);
	for (size_t i = 0; i < CR_CFI_NREGS; i++)
		if (row.reg[i].how == CR_CFI_EXPR || row.reg[i].how == CR_CFI_VAL_EXPR)
			eval(cfi, (size_t)row.reg[i].off, row.reg[i].reg, true);
}

static void unwind(const uint8_t *data, size_t size)
{
	struct cr_binary *b = NULL;
	struct cr_error e = { 0 };
	if (size < 264 || cr_binary_from_memory(&b, "fuzz", data, size, &e)) {
		cr_binary_close(b);
		return;
	}
	struct cr_core c;
	memset(&c, 0, sizeof c);
	cr_arena_init(&c.arena);
	c.name = "fuzz";
	c.arch = CR_ARCH_ARM64;
	c.threads = cr_calloc(1, sizeof *c.threads);
	if (c.threads) {
		c.nthreads = 1;
		struct cr_regs *r = &c.threads[0].regs;
		r->nraw = 34;
		for (size_t i = 0; i < 33; i++)
			r->raw[i] = ld64(data + size - 264 + i * 8);
		struct cr_core_load loads[16];
		size_t n = 0;
		for (size_t i = 0; i < b->nsegments && n < 16; i++)
			if (b->segments[i].type == CR_PT_LOAD)
				loads[n++] = (struct cr_core_load){ b->segments[i].vaddr, b->segments[i].offset,
								    b->segments[i].filesz };
		cr_core_attach_loads(&c, loads, n, 0, "fuzz", data, size);
		struct cr_arm64_unwind *u = NULL;
		struct cr_buf w = { 0 };
		struct cr_arm64_file f = { b, 0 };
		if (cr_arm64_open(&u, &c, &f, 1, &w, &e) == CR_OK) {
			struct cr_native_frame fr[64];
			const char *stop;
			(void)cr_arm64_unwind(u, 0, fr, 64, &stop);
		} else {
			fuzz_check_error(CR_UNSUPPORTED, &e);
		}
		cr_arm64_close(u);
		cr_buf_release(&w);
	}
	cr_core_close(&c);
	cr_binary_close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1)
		return 0;
	size_t before = cr_mem_in_use();
	if (data[0] == 'U') {
		unwind(data + 1, size - 1);
	} else if (size >= 9) {
		struct cr_cfi cfi;
		struct cr_error e = { 0 };
		enum cr_err rc = cr_cfi_init(&cfi, data + 9, size - 9, ld64(data + 1), data[0] & 1, 4096, &e);
		fuzz_check_error(rc, &e);
		if (rc == CR_OK) {
			for (size_t i = 0; i < cfi.nfdes && i < 256; i++) {
				const struct cr_cfi_fde *f = &cfi.fdes[i];
				rows(&cfi, f->start);
				rows(&cfi, f->start + (f->end - f->start) / 2);
				rows(&cfi, f->end - 1);
			}
			for (size_t i = 9; i + 8 <= size && i < 9 + 512; i += 8)
				rows(&cfi, ld64(data + i));
			cr_cfi_free(&cfi);
		}
	}
	fuzz_check_balanced(before);
	return 0;
}
