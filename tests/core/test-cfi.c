/* cr_cfi_eval (lib/elf/cfi.c): DWARF expressions as CFI uses them, each
 * with the value DWARF 5 section 2.5 defines for it, and the refusals. */
#include "coroner/cfi.h"
#include "../unit.h"

/* register n holds n * 0x100; memory: 8-byte words at 0x1000 + 8k hold k */
static bool reg(void *arg, unsigned regno, uint64_t *v)
{
	(void)arg;
	*v = (uint64_t)regno * 0x100;
	return regno < 32;
}

static bool mem(void *arg, uint64_t addr, unsigned size, uint64_t *v)
{
	(void)arg;
	if (addr < 0x1000 || addr >= 0x2000 || (addr & 7))
		return false;
	*v = (addr - 0x1000) / 8;
	if (size < 8)
		*v &= (1ull << (8 * size)) - 1;
	return true;
}

struct ecase {
	const char *name;
	unsigned char expr[24];
	size_t len;
	bool push;
	bool ok;
	uint64_t want;
};

static const struct ecase cases[] = {
	{ "lit5", { 0x35 }, 1, false, true, 5 },
	{ "breg31 +16", { 0x8f, 0x10 }, 2, false, true, 31 * 0x100 + 16 },
	{ "breg29 -8", { 0x8d, 0x78 }, 2, false, true, 29 * 0x100 - 8 },
	{ "bregx 30, 0", { 0x92, 0x1e, 0x00 }, 3, false, true, 30 * 0x100 },
	{ "CFA const1u 32 minus", { 0x08, 0x20, 0x1c }, 3, true, true, 0x1000 - 32 },
	{ "CFA plus_uconst 200", { 0x23, 0xc8, 0x01 }, 3, true, true, 0x1000 + 200 },
	{ "const2u deref", { 0x0a, 0x18, 0x10, 0x06 }, 4, false, true, 3 },
	{ "const4u deref_size 1", { 0x0c, 0x28, 0x10, 0, 0, 0x94, 1 }, 7, false, true, 5 },
	{ "const1s -8 and", { 0x8f, 0x0f, 0x09, 0xf8, 0x1a }, 5, false, true, (31 * 0x100 + 15) & ~7ull },
	{ "dup plus", { 0x37, 0x12, 0x22 }, 3, false, true, 14 },
	{ "over minus", { 0x39, 0x32, 0x14, 0x1c }, 4, false, true, (uint64_t)-7 },
	{ "swap minus", { 0x32, 0x39, 0x16, 0x1c }, 4, false, true, 7 },
	{ "rot", { 0x31, 0x32, 0x33, 0x17, 0x13, 0x13 }, 6, false, true, 3 },
	{ "pick 2", { 0x31, 0x32, 0x33, 0x15, 0x02 }, 5, false, true, 1 },
	{ "neg abs", { 0x35, 0x1f, 0x19 }, 3, false, true, 5 },
	{ "shl shr", { 0x31, 0x34, 0x24, 0x32, 0x25 }, 5, false, true, 4 },
	{ "shra", { 0x11, 0x70, 0x32, 0x26 }, 4, false, true, (uint64_t)-4 },
	{ "div signed", { 0x11, 0x78, 0x33, 0x1b }, 4, false, true, (uint64_t)-2 },
	{ "mod", { 0x3b, 0x34, 0x1d }, 3, false, true, 3 },
	{ "mul xor or not", { 0x33, 0x34, 0x1e, 0x35, 0x27, 0x30, 0x21, 0x20 }, 8, false, true, ~9ull },
	{ "lt", { 0x32, 0x33, 0x2d }, 3, false, true, 1 },
	{ "eq ne", { 0x32, 0x32, 0x29, 0x31, 0x2e }, 5, false, true, 0 },
	{ "bra taken", { 0x31, 0x28, 0x01, 0x00, 0x3f, 0x3e }, 6, false, true, 14 },
	{ "bra not taken", { 0x30, 0x28, 0x01, 0x00, 0x3f }, 5, false, true, 15 },
	{ "skip", { 0x2f, 0x01, 0x00, 0x3f, 0x3e }, 5, false, true, 14 },
	{ "nop const8u", { 0x96, 0x0e, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, false, true, 0x0807060504030201ull },
	/* refusals */
	{ "empty", { 0 }, 0, false, false, 0 },
	{ "underflow", { 0x22 }, 1, false, false, 0 },
	{ "div by zero", { 0x31, 0x30, 0x1b }, 3, false, false, 0 },
	{ "register location", { 0x50 }, 1, false, false, 0 },
	{ "call_frame_cfa", { 0x9c }, 1, false, false, 0 },
	{ "unknown register", { 0x92, 0x40, 0x00 }, 3, false, false, 0 },
	{ "memory outside", { 0x30, 0x06 }, 2, false, false, 0 },
	{ "deref_size 9", { 0x0a, 0x00, 0x10, 0x94, 9 }, 5, false, false, 0 },
	{ "branch out", { 0x2f, 0x10, 0x00, 0x30 }, 4, false, false, 0 },
	{ "loop", { 0x2f, 0xfd, 0xff }, 3, false, false, 0 },
	{ "truncated", { 0x0e, 1, 2 }, 3, false, false, 0 },
};

int main(void)
{
	struct cr_cfi_env env = { reg, mem, NULL };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct ecase *c = &cases[i];
		struct cr_cfi cfi = { .data = c->expr, .len = c->len };
		uint64_t v = 0;
		const char *why = NULL;
		bool ok = cr_cfi_eval(&cfi, 0, c->len, c->push, 0x1000, &env, &v, &why);
		if (ok != c->ok || (ok && v != c->want) || (!ok && !why))
			fprintf(stderr, "case %s: ok %d value 0x%" PRIx64 " (%s)\n", c->name, ok, v, why ? why : "");
		CHECK(ok == c->ok);
		if (ok)
			CHECK(v == c->want);
		else
			CHECK(why != NULL);
	}
	/* a stack deeper than 64 */
	unsigned char deep[80];
	memset(deep, 0x31, sizeof deep);
	struct cr_cfi cfi = { .data = deep, .len = sizeof deep };
	uint64_t v;
	const char *why = NULL;
	CHECK(!cr_cfi_eval(&cfi, 0, sizeof deep, false, 0, &env, &v, &why) && why);
	/* an expression outside its section */
	CHECK(!cr_cfi_eval(&cfi, 70, 20, false, 0, &env, &v, &why) && why);
	return unit_done();
}
