/* DWARF read in part (lib/sym/dwarf_part.c through cr_dwarf_open_for): the
 * input is an ELF file whose compressed .debug_info is inflated only as far
 * as the units .debug_aranges names for a few addresses. The addresses are
 * the symbols' and a fixed range; lookups then also ask for addresses the
 * open was not told about, so units are inflated late as well.
 *
 * Each input is read twice: as above, then with a head start
 * (cr_dwarf_head_start: the stream inflated from its start on a thread
 * before the addresses are known). When the stream is sound (it inflates
 * whole), no unit was skipped and no allocation refused, both must name
 * every address alike. */
#include "coroner/sym.h"
#include "fuzz.h"

#include <string.h>

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix_frames(uint64_t h, const struct cr_frame *fr, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		h = mix(h, fr[i].function, strlen(fr[i].function) + 1);
		h = mix(h, fr[i].file, strlen(fr[i].file) + 1);
		h = mix(h, &fr[i].line, sizeof fr[i].line);
		h = mix(h, &fr[i].inlined, sizeof fr[i].inlined);
	}
	return mix(h, &k, sizeof k);
}

/* Open b's DWARF for addrs (with head, NULL ok) and name them and the
 * symbols' addresses; true if all went through whole (*h: the frames). */
static bool read_all(struct cr_binary *b, struct cr_dwarf_head *head, const uint64_t *addrs, size_t n,
		     const uint64_t *more, size_t nmore, uint64_t *h)
{
	size_t refused = cr_mem_refused();
	struct cr_dwarf *d;
	struct cr_error de = { 0 };
	enum cr_err rc = cr_dwarf_open_head(b, NULL, head, addrs, n, &d, &de);
	fuzz_check_error(rc, &de);
	if (rc)
		return false;
	struct cr_frame fr[16];
	*h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		*h = mix_frames(*h, fr, cr_dwarf_frames(d, addrs[i], fr, 16));
	for (size_t i = 0; i < nmore; i++)
		*h = mix_frames(*h, fr, cr_dwarf_frames(d, more[i], fr, 16));
	bool whole = !cr_dwarf_skipped_units(d) && cr_mem_refused() == refused;
	cr_dwarf_close(d);
	return whole;
}

/* The compressed .debug_info inflates whole. */
static bool sound_stream(const uint8_t *data, size_t size)
{
	struct cr_binary *b;
	struct cr_error e = { 0 };
	if (cr_binary_from_memory(&b, "fuzz", data, size, &e))
		return false;
	struct cr_elf_section *s = cr_binary_debug_section(b, ".debug_info");
	const uint8_t *p;
	size_t len;
	bool ok = s && cr_binary_section_data(b, s, &p, &len, &e) == CR_OK;
	cr_binary_close(b);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_binary *b, *b2 = NULL;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_from_memory(&b, "fuzz", data, size, &e);
	if (rc)
		goto out;
	uint64_t addrs[16], more[32];
	size_t n = 0, ns, nmore = 0;
	const struct cr_elf_symbol *sy = cr_binary_symbols(b, &ns);
	for (size_t i = 0; i < ns && n < 8; i += 1 + ns / 8)
		addrs[n++] = sy[i].value + 1;
	for (uint64_t a = 0x401000; n < 16; a += 0x333)
		addrs[n++] = a;
	for (size_t i = 0; i < ns && nmore < 32; i++)
		more[nmore++] = sy[i].value + 2;
	uint64_t h0 = 0, h1 = 0;
	bool whole0 = read_all(b, NULL, addrs, n, more, nmore, &h0);
	if (cr_binary_from_memory(&b2, "fuzz", data, size, &e) == CR_OK) {
		bool whole1 = read_all(b2, cr_dwarf_head_start(b2), addrs, n, more, nmore, &h1);
		if (whole0 && whole1 && h0 != h1 && sound_stream(data, size))
			fuzz_die("a head start named the addresses otherwise");
		cr_binary_close(b2);
	}
	cr_binary_close(b);
out:
	fuzz_check_balanced(before);
	return 0;
}
