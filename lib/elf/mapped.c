/* A core's mapped files, trusted only when they are the file that was
 * mapped: the GNU build id in the core's copy of the first page against
 * the file's, then the bytes themselves. */
#include "coroner/binary.h"
#include "coroner/util.h"

#include <stdio.h>
#include <string.h>

static uint64_t rd(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The GNU build id (hex) of an ELF64 little-endian image's first len
 * bytes, from PT_NOTE segments inside them; false if there is none. */
static bool page_build_id(const unsigned char *p, size_t len, char *hex, size_t hexlen)
{
	if (len < 64 || memcmp(p, "\177ELF", 4) || p[4] != 2 || p[5] != 1)
		return false;
	uint64_t phoff = rd(p + 0x20, 8), phentsize = rd(p + 0x36, 2), phnum = rd(p + 0x38, 2);
	if (phentsize < 56 || phoff > len)
		return false;
	for (uint64_t i = 0; i < phnum && phoff + (i + 1) * phentsize <= len; i++) {
		const unsigned char *ph = p + phoff + i * phentsize;
		if (rd(ph, 4) != 4 /* PT_NOTE */)
			continue;
		uint64_t off = rd(ph + 8, 8), sz = rd(ph + 0x20, 8);
		if (off > len || sz > len - off)
			continue;
		uint64_t k = 0;
		while (sz - k >= 12) {
			const unsigned char *n = p + off + k;
			uint64_t namesz = rd(n, 4), descsz = rd(n + 4, 4), type = rd(n + 8, 4);
			uint64_t nal = (namesz + 3) & ~(uint64_t)3, dal = (descsz + 3) & ~(uint64_t)3;
			if (nal > sz - k - 12 || dal > sz - k - 12 - nal)
				break;
			if (type == 3 && namesz == 4 && memcmp(n + 12, "GNU", 4) == 0 && descsz &&
			    descsz * 2 < hexlen) {
				for (uint64_t j = 0; j < descsz; j++)
					snprintf(hex + 2 * j, 3, "%02x", n[12 + nal + j]);
				return true;
			}
			k += 12 + nal + dal;
		}
	}
	return false;
}

enum cr_err cr_binary_open_mapped(struct cr_binary **out, const char *path,
				  const unsigned char *page, size_t pagelen, struct cr_error *e)
{
	struct cr_binary *b = NULL;
	*out = NULL;
	enum cr_err rc = cr_binary_open_named(&b, path, e);
	if (rc)
		return rc;
	char want[129] = "";
	if (page_build_id(page, pagelen, want, sizeof want) && strcmp(want, b->gnu_build_id) != 0) {
		cr_fail(e, CR_UNSUPPORTED, "%s: build id %s, the core's mapping has %s (not used)",
			path, b->gnu_build_id[0] ? b->gnu_build_id : "(none)", want);
		cr_binary_close(b);
		return CR_UNSUPPORTED;
	}
	if (b->len < pagelen || memcmp(b->data, page, pagelen) != 0) {
		cr_binary_close(b);
		return cr_fail(e, CR_UNSUPPORTED, "%s: not the file the core mapped (its first bytes differ)", path);
	}
	*out = b;
	return CR_OK;
}
