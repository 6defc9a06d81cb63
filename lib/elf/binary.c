/* ELF reading. Our own bounds-checked decoder rather than libelf: every
 * header and table is validated against the file before use, both byte
 * orders and classes go through the same few accessors, and nothing is
 * allocated from a size the file states without a check against the bytes
 * actually present (docs/HACKING.md, "Hardening rules"). */
#include "coroner/binary.h"
#include "coroner/input.h"
#include "binary_int.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#ifdef CORONER_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

uint16_t cr_binary_u16(const struct cr_binary *b, const uint8_t *p)
{
	return b->big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t cr_binary_u32(const struct cr_binary *b, const uint8_t *p)
{
	if (b->big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

uint64_t cr_binary_u64(const struct cr_binary *b, const uint8_t *p)
{
	uint64_t hi = cr_binary_u32(b, p + (b->big_endian ? 0 : 4));
	uint64_t lo = cr_binary_u32(b, p + (b->big_endian ? 4 : 0));
	return hi << 32 | lo;
}

/* a word of the class's size (4 or 8) */
static uint64_t rdw(const struct cr_binary *b, const uint8_t *p)
{
	return b->is64 ? cr_binary_u64(b, p) : cr_binary_u32(b, p);
}

const char *cr_binary_arch(const struct cr_binary *b)
{
	switch (b->machine) {
	case CR_EM_X86_64: return "amd64";
	case CR_EM_AARCH64: return "arm64";
	case CR_EM_386: return "386";
	case CR_EM_ARM: return "arm";
	case CR_EM_PPC64: return b->big_endian ? "ppc64" : "ppc64le";
	case CR_EM_S390: return "s390x";
	case CR_EM_RISCV: return b->is64 ? "riscv64" : "riscv";
	case CR_EM_MIPS: return b->is64 ? (b->big_endian ? "mips64" : "mips64le")
				       : (b->big_endian ? "mips" : "mipsle");
	default: return "unknown";
	}
}

unsigned cr_binary_ptrsize(const struct cr_binary *b)
{
	return b->is64 ? 8 : 4;
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct cr_reloc *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

bool cr_elf_note_next(const struct cr_binary *b, const uint8_t *buf, size_t len, size_t *off,
		      struct cr_elf_note *n)
{
	size_t o = *off;
	if (o >= len || len - o < 12) {
		*off = len;
		return false;
	}
	uint32_t namesz = cr_binary_u32(b, buf + o), descsz = cr_binary_u32(b, buf + o + 4);
	n->type = cr_binary_u32(b, buf + o + 8);
	o += 12;
	size_t namepad = ((size_t)namesz + 3) & ~(size_t)3, descpad = ((size_t)descsz + 3) & ~(size_t)3;
	if (namepad < namesz || !cr_in_bounds(o, namesz, len)) {
		*off = len;
		return false;
	}
	n->name = (const char *)buf + o;
	n->namelen = namesz && buf[o + namesz - 1] == 0 ? namesz - 1 : namesz;
	o = namepad <= len - o ? o + namepad : len;
	if (descpad < descsz || !cr_in_bounds(o, descsz, len)) {
		*off = len;
		return false;
	}
	n->desc = buf + o;
	n->desclen = descsz;
	*off = descpad <= len - o ? o + descpad : len;
	return true;
}

static void hexcpy(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t j = 0;
	for (size_t i = 0; i < n && j + 2 < cap; i++) {
		out[j++] = hx[p[i] >> 4];
		out[j++] = hx[p[i] & 15];
	}
	out[j] = 0;
}

static void scan_notes(struct cr_binary *b, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	struct cr_elf_note n;
	while (cr_elf_note_next(b, buf, len, &off, &n)) {
		if (n.namelen == 3 && memcmp(n.name, "GNU", 3) == 0 && n.type == 3 && !b->gnu_build_id[0])
			hexcpy(b->gnu_build_id, sizeof b->gnu_build_id, n.desc, n.desclen);
		else if (n.namelen >= 2 && memcmp(n.name, "Go", 2) == 0 && (n.namelen == 2 || n.name[2] == 0) &&
			 n.type == 4 && !b->go_build_id[0]) {
			/* Go writes namesz 4: "Go\0\0" */
			size_t k = n.desclen < sizeof b->go_build_id - 1 ? n.desclen : sizeof b->go_build_id - 1;
			size_t m = 0;
			for (size_t i = 0; i < k && n.desc[i]; i++)
				b->go_build_id[m++] = (char)n.desc[i];
			b->go_build_id[m] = 0;
		}
	}
}

static enum cr_err load_relocs(struct cr_binary *b, struct cr_error *e)
{
	uint32_t rel_type;
	switch (b->machine) {
	case CR_EM_X86_64: rel_type = 8; break;   /* R_X86_64_RELATIVE */
	case CR_EM_AARCH64: rel_type = 1027; break; /* R_AARCH64_RELATIVE */
	case CR_EM_386: rel_type = 8; break;      /* R_386_RELATIVE */
	case CR_EM_ARM: rel_type = 23; break;     /* R_ARM_RELATIVE */
	default: return CR_OK;
	}
	size_t total = 0;
	for (size_t i = 1; i < b->nsections; i++) {
		const struct cr_elf_section *s = &b->sections[i];
		if (s->type != CR_SHT_RELA || !(s->flags & CR_SHF_ALLOC) || (s->flags & CR_SHF_COMPRESSED))
			continue;
		total += s->file_size / (b->is64 ? 24 : 12);
	}
	if (!total)
		return CR_OK;
	struct cr_binary_priv *pv = b->priv;
	pv->relocs = cr_calloc(total, sizeof *pv->relocs);
	if (!pv->relocs)
		return cr_fail(e, CR_NOMEM, "%s: ELF: no memory for %zu relocations", b->path, total);
	for (size_t i = 1; i < b->nsections; i++) {
		const struct cr_elf_section *s = &b->sections[i];
		if (s->type != CR_SHT_RELA || !(s->flags & CR_SHF_ALLOC) || (s->flags & CR_SHF_COMPRESSED))
			continue;
		size_t es = b->is64 ? 24 : 12, n = s->file_size / es;
		for (size_t j = 0; j < n && pv->nrelocs < total; j++) {
			const uint8_t *p = b->data + s->offset + j * es;
			uint64_t off = rdw(b, p), info = rdw(b, p + (es / 3));
			uint32_t type = b->is64 ? (uint32_t)info : (uint32_t)(info & 0xff);
			if (type != rel_type)
				continue;
			uint64_t add = b->is64 ? cr_binary_u64(b, p + 16) : cr_binary_u32(b, p + 8);
			pv->relocs[pv->nrelocs++] = (struct cr_reloc){ off, add };
		}
	}
	qsort(pv->relocs, pv->nrelocs, sizeof *pv->relocs, reloc_cmp);
	return CR_OK;
}

/* A cursor over an ELF header's fields in file order, in bounds: the
 * Addr/Off/Xword fields are 8 bytes in ELFCLASS64, 4 in ELFCLASS32, so one
 * walk reads both classes. */
struct efields {
	const struct cr_binary *b;
	const uint8_t *p;
};

static uint16_t ef_u16(struct efields *c)
{
	uint16_t v = cr_binary_u16(c->b, c->p);
	c->p += 2;
	return v;
}

static uint32_t ef_u32(struct efields *c)
{
	uint32_t v = cr_binary_u32(c->b, c->p);
	c->p += 4;
	return v;
}

/* An Addr, Off or Xword field: the class's width. */
static uint64_t ef_word(struct efields *c)
{
	if (!c->b->is64)
		return ef_u32(c);
	uint64_t v = cr_binary_u64(c->b, c->p);
	c->p += 8;
	return v;
}

/* One program header (Elf64_Phdr / Elf32_Phdr at p, in bounds): p_flags
 * comes second in ELFCLASS64, before p_align in ELFCLASS32. */
static void read_phdr(const struct cr_binary *b, const uint8_t *p, struct cr_elf_segment *g)
{
	struct efields c = { b, p };
	g->type = ef_u32(&c);
	if (b->is64)
		g->flags = ef_u32(&c);
	g->offset = ef_word(&c);
	g->vaddr = ef_word(&c);
	(void)ef_word(&c); /* p_paddr */
	g->filesz = ef_word(&c);
	g->memsz = ef_word(&c);
	if (!b->is64)
		g->flags = ef_u32(&c);
	g->align = ef_word(&c);
}

/* One section header (Elf64_Shdr / Elf32_Shdr at p, in bounds); the name
 * stays an offset into the section name table, cast to a pointer. */
static void read_shdr(const struct cr_binary *b, const uint8_t *p, struct cr_elf_section *s)
{
	struct efields c = { b, p };
	uint32_t name = ef_u32(&c);
	s->name = (const char *)(uintptr_t)name; /* resolved by parse() */
	s->type = ef_u32(&c);
	s->flags = ef_word(&c);
	s->addr = ef_word(&c);
	s->offset = ef_word(&c);
	s->file_size = ef_word(&c);
	s->link = ef_u32(&c);
	s->info = ef_u32(&c);
	s->align = ef_word(&c);
	s->entsize = ef_word(&c);
}

static enum cr_err parse(struct cr_binary *b, struct cr_error *e)
{
	const uint8_t *d = b->data;
	size_t len = b->len;
	const char *nm = b->path;
	if (len < 16 || memcmp(d, "\x7f" "ELF", 4) != 0)
		return cr_fail(e, CR_FORMAT, "%s: ELF: not an ELF file", nm);
	if (d[4] != 1 && d[4] != 2)
		return cr_fail(e, CR_FORMAT, "%s: ELF: offset 0x4: bad class %u", nm, d[4]);
	if (d[5] != 1 && d[5] != 2)
		return cr_fail(e, CR_FORMAT, "%s: ELF: offset 0x5: bad data encoding %u", nm, d[5]);
	b->is64 = d[4] == 2;
	b->big_endian = d[5] == 2;
	size_t ehsize = b->is64 ? 64 : 52;
	if (len < ehsize)
		return cr_fail(e, CR_FORMAT, "%s: ELF: truncated header (%zu bytes)", nm, len);
	b->type = cr_binary_u16(b, d + 16);
	b->machine = cr_binary_u16(b, d + 18);
	struct efields c = { b, d + 24 };
	b->entry = ef_word(&c);
	uint64_t phoff = ef_word(&c), shoff = ef_word(&c);
	c.p += 4 + 2; /* e_flags, e_ehsize */
	uint16_t phentsize = ef_u16(&c), phnum = ef_u16(&c);
	uint16_t shentsize = ef_u16(&c), shnum = ef_u16(&c), shstrndx = ef_u16(&c);
	size_t want_sh = b->is64 ? 64 : 40, want_ph = b->is64 ? 56 : 32;
	uint64_t nsh = shnum, nph = phnum, shstr = shstrndx;
	if (shoff) {
		if (shentsize < want_sh)
			return cr_fail(e, CR_FORMAT, "%s: ELF: e_shentsize %u too small", nm, shentsize);
		if (!cr_in_bounds(shoff, shentsize, len))
			return cr_fail(e, CR_FORMAT, "%s: ELF: offset 0x%llx: section headers past the end of the file",
				       nm, (unsigned long long)shoff);
		/* extended numbering lives in section header 0 */
		const uint8_t *s0 = d + shoff;
		if (nsh == 0)
			nsh = b->is64 ? cr_binary_u64(b, s0 + 32) : cr_binary_u32(b, s0 + 20);
		if (shstr == 0xffff) /* SHN_XINDEX: the index is in sh_link */
			shstr = cr_binary_u32(b, s0 + (b->is64 ? 40 : 24));
		if (nph == 0xffff) /* PN_XNUM: the count is in sh_info */
			nph = cr_binary_u32(b, s0 + (b->is64 ? 44 : 28));
		size_t tot;
		if (!cr_mul_ok(nsh, shentsize, &tot) || !cr_in_bounds(shoff, tot, len))
			return cr_fail(e, CR_FORMAT, "%s: ELF: offset 0x%llx: %llu section headers of %u bytes pass the end of the file",
				       nm, (unsigned long long)shoff, (unsigned long long)nsh, shentsize);
	} else
		nsh = 0;
	if (phoff && nph) {
		size_t tot;
		if (phentsize < want_ph)
			return cr_fail(e, CR_FORMAT, "%s: ELF: e_phentsize %u too small", nm, phentsize);
		if (!cr_mul_ok(nph, phentsize, &tot) || !cr_in_bounds(phoff, tot, len))
			return cr_fail(e, CR_FORMAT, "%s: ELF: offset 0x%llx: %llu program headers pass the end of the file",
				       nm, (unsigned long long)phoff, (unsigned long long)nph);
	} else
		nph = 0;

	if (nph) {
		b->segments = cr_calloc(nph, sizeof *b->segments);
		if (!b->segments)
			return cr_fail(e, CR_NOMEM, "%s: ELF: no memory for program headers", nm);
		b->nsegments = nph;
		b->text_addr = 0;
		bool have_text = false;
		for (size_t i = 0; i < nph; i++) {
			const uint8_t *p = d + phoff + i * phentsize;
			struct cr_elf_segment *g = &b->segments[i];
			read_phdr(b, p, g);
			/* a truncated file (or core) keeps the segments it has;
			 * cr_binary_ptr() refuses what is missing */
			if (g->type == CR_PT_LOAD && (g->flags & CR_PF_X) && (!have_text || g->vaddr < b->text_addr)) {
				b->text_addr = g->vaddr;
				have_text = true;
			}
		}
	}

	if (nsh) {
		b->sections = cr_calloc(nsh, sizeof *b->sections);
		if (!b->sections)
			return cr_fail(e, CR_NOMEM, "%s: ELF: no memory for section headers", nm);
		b->nsections = nsh;
		for (size_t i = 0; i < nsh; i++) {
			const uint8_t *p = d + shoff + i * shentsize;
			struct cr_elf_section *s = &b->sections[i];
			read_shdr(b, p, s);
			if (i == 0) { /* holds extended counts only: never data */
				s->type = 0;
				s->offset = s->file_size = 0; /* a symtab linking to 0 reads nothing */
				continue;
			}
			if (s->type == 0) /* SHT_NULL: no data, whatever the header says (and */
				s->offset = s->file_size = 0; /* data + offset is computed by users) */
			if (s->type != CR_SHT_NOBITS && s->type != 0 && !cr_in_bounds(s->offset, s->file_size, len))
				return cr_fail(e, CR_FORMAT, "%s: ELF: section %zu: offset 0x%llx size 0x%llx past the end of the file (%zu bytes)",
					       nm, i, (unsigned long long)s->offset, (unsigned long long)s->file_size, len);
		}
		const uint8_t *strs = NULL;
		size_t strsz = 0;
		if (shstr && shstr < nsh && b->sections[shstr].type == CR_SHT_STRTAB) {
			strs = d + b->sections[shstr].offset;
			strsz = b->sections[shstr].file_size;
		}
		b->shstrndx = shstr;
		b->names_unknown = !strs && nsh > 1;
		for (size_t i = 0; i < nsh; i++) {
			struct cr_elf_section *s = &b->sections[i];
			size_t name = (size_t)(uintptr_t)s->name;
			s->name = "";
			if (strs && name < strsz && memchr(strs + name, 0, strsz - name))
				s->name = (const char *)strs + name;
			if (s->type == CR_SHT_NOTE && !(s->flags & CR_SHF_COMPRESSED))
				scan_notes(b, d + s->offset, s->file_size);
		}
		b->sections[0].name = "";
	}
	if (!b->gnu_build_id[0] || !b->go_build_id[0])
		for (size_t i = 0; i < b->nsegments; i++) {
			const struct cr_elf_segment *g = &b->segments[i];
			if (g->type == CR_PT_NOTE && cr_in_bounds(g->offset, g->filesz, len))
				scan_notes(b, d + g->offset, g->filesz);
		}
	return load_relocs(b, e);
}

static enum cr_err new_binary(struct cr_binary **out, const char *name, struct cr_error *e)
{
	struct cr_binary *b = cr_calloc(1, sizeof *b);
	struct cr_binary_priv *pv = cr_calloc(1, sizeof *pv);
	if (!b || !pv) {
		cr_free(b);
		cr_free(pv);
		return cr_fail(e, CR_NOMEM, "%s: ELF: out of memory", name);
	}
	b->priv = pv;
	cr_hmap_init(&pv->byname);
	cr_arena_init(&pv->arena);
	pv->arena.first = 1024; /* its path, and few symbols if any (a core opens a dozen files) */
	b->path = cr_arena_strndup(&pv->arena, name, strlen(name));
	if (!b->path) {
		cr_binary_close(b);
		return cr_fail(e, CR_NOMEM, "%s: ELF: out of memory", name);
	}
	*out = b;
	return CR_OK;
}

enum cr_err cr_binary_from_memory(struct cr_binary **out, const char *name, const void *data,
				  size_t len, struct cr_error *e)
{
	struct cr_binary *b;
	*out = NULL;
	enum cr_err rc = new_binary(&b, name, e);
	if (rc)
		return rc;
	b->data = data;
	b->len = len;
	rc = parse(b, e);
	if (rc) {
		cr_binary_close(b);
		return rc;
	}
	*out = b;
	return CR_OK;
}

static enum cr_err binary_open(struct cr_binary **out, const char *path, bool named,
			       struct cr_error *e)
{
	struct cr_binary *b;
	*out = NULL;
	enum cr_err rc = new_binary(&b, cr_input_display_name(path), e);
	if (rc)
		return rc;
	rc = named ? cr_input_open_named(&b->priv->in, path, cr_limits.max_core_inflate, e)
		   : cr_input_open(&b->priv->in, path, cr_limits.max_core_inflate, e);
	if (rc) {
		cr_binary_close(b);
		return rc;
	}
	b->priv->have_in = true;
	b->named = named;
	b->data = b->priv->in.data;
	b->len = b->priv->in.len;
	rc = parse(b, e);
	if (rc) {
		cr_binary_close(b);
		return rc;
	}
	*out = b;
	return CR_OK;
}

enum cr_err cr_binary_open(struct cr_binary **out, const char *path, struct cr_error *e)
{
	return binary_open(out, path, false, e);
}

enum cr_err cr_binary_open_named(struct cr_binary **out, const char *path, struct cr_error *e)
{
	return binary_open(out, path, true, e);
}

void cr_binary_close(struct cr_binary *b)
{
	if (!b)
		return;
	struct cr_binary_priv *pv = b->priv;
	for (size_t i = 0; i < b->nsections; i++)
		if (b->sections[i].compressed && b->sections[i].data)
			cr_free((void *)b->sections[i].data);
	cr_free(b->sections);
	cr_free(b->segments);
	if (pv) {
		cr_free(pv->syms);
		cr_free(pv->seen);
		cr_free(pv->named);
		if (pv->have_in)
			cr_input_close(&pv->in);
		cr_hmap_release(&pv->byname);
		cr_free(pv->relocs);
		cr_arena_release(&pv->arena);
		cr_free(pv);
	}
	cr_free(b);
}

struct cr_elf_section *cr_binary_section(const struct cr_binary *b, const char *name)
{
	for (size_t i = 1; i < b->nsections; i++)
		if (strcmp(b->sections[i].name, name) == 0)
			return &b->sections[i];
	return NULL;
}

struct cr_elf_section *cr_binary_debug_section(const struct cr_binary *b, const char *name)
{
	struct cr_elf_section *s = cr_binary_section(b, name);
	if (s || strncmp(name, ".debug_", 7) != 0)
		return s;
	char z[128];
	snprintf(z, sizeof z, ".zdebug_%s", name + 7);
	return cr_binary_section(b, z);
}

/* Caps on inflating want bytes of section s from srclen compressed ones. */
static enum cr_err inflate_caps(const struct cr_binary *b, const struct cr_elf_section *s, size_t srclen,
				size_t want, struct cr_error *e)
{
	size_t ratio_cap;
	if (!cr_mul_ok(srclen, cr_limits.max_ratio, &ratio_cap))
		ratio_cap = SIZE_MAX;
	if (want > ratio_cap)
		return cr_fail(e, CR_FORMAT, "%s: ELF: section %s: claims %zu bytes from %zu compressed (ratio over %u)",
			       b->path, s->name, want, srclen, cr_limits.max_ratio);
	if (want > cr_limits.max_debug || b->priv->inflated_total + want > cr_limits.max_debug)
		return cr_fail(e, CR_LIMIT, "%s: ELF: section %s: inflating %zu bytes passes --max-debug (%zu)",
			       b->path, s->name, want, cr_limits.max_debug);
	return CR_OK;
}

/* Inflate a zlib stream into exactly want bytes. */
static enum cr_err inflate_exact(struct cr_binary *b, const struct cr_elf_section *s,
				 const uint8_t *src, size_t srclen, size_t want, uint8_t **out,
				 struct cr_error *e)
{
	struct cr_binary_priv *pv = b->priv;
	enum cr_err rc = inflate_caps(b, s, srclen, want, e);
	if (rc)
		return rc;
	uint8_t *buf = cr_malloc(want ? want : 1);
	if (!buf)
		return cr_fail(e, CR_NOMEM, "%s: ELF: section %s: no memory for %zu bytes", b->path, s->name, want);
	cr_mem_hint_huge(buf, want); /* fewer page faults filling it */
#ifdef MADV_POPULATE_WRITE
	/* every byte is written: map the pages in one call rather than a
	 * fault each (a C library's 10 MB of DWARF is 2500 faults); refused
	 * by kernels before 5.14, which then fault as before */
	if (want >= (256u << 10)) {
		uintptr_t a = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095, z = ((uintptr_t)buf + want) & ~(uintptr_t)4095;
		if (z > a)
			(void)madvise((void *)a, z - a, MADV_POPULATE_WRITE);
	}
#endif
#ifdef CORONER_HAVE_LIBDEFLATE
	/* libdeflate inflates a whole buffer about twice as fast as zlib (a
	 * C library's debug file holds 10 MB of compressed DWARF); on any
	 * failure zlib inflates it again and says what is wrong */
	struct libdeflate_decompressor *ld = libdeflate_alloc_decompressor();
	if (ld) {
		size_t got = 0;
		enum libdeflate_result lr = libdeflate_zlib_decompress(ld, src, srclen, buf, want, &got);
		libdeflate_free_decompressor(ld);
		if (lr == LIBDEFLATE_SUCCESS && got == want) {
			pv->inflated_total += want;
			*out = buf;
			return CR_OK;
		}
	}
#endif
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit(&zs) != Z_OK) {
		cr_free(buf);
		return cr_fail(e, CR_ZLIB, "%s: ELF: section %s: zlib init failed", b->path, s->name);
	}
	size_t done_in = 0, done_out = 0;
	int zr = Z_OK;
	while (zr == Z_OK) {
		size_t in_chunk = srclen - done_in > (1u << 30) ? (1u << 30) : srclen - done_in;
		size_t out_chunk = want - done_out > (1u << 30) ? (1u << 30) : want - done_out;
		zs.next_in = (Bytef *)(uintptr_t)(src + done_in);
		zs.avail_in = (uInt)in_chunk;
		zs.next_out = buf + done_out;
		zs.avail_out = (uInt)out_chunk;
		zr = inflate(&zs, Z_NO_FLUSH);
		size_t ate = in_chunk - zs.avail_in, made = out_chunk - zs.avail_out;
		done_in += ate;
		done_out += made;
		if (zr == Z_OK && ate == 0 && made == 0)
			break; /* no progress: truncated input or output full */
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END || done_out != want) {
		cr_free(buf);
		return cr_fail(e, CR_FORMAT, "%s: ELF: section %s: corrupt compressed data (%zu of %zu bytes inflated)",
			       b->path, s->name, done_out, want);
	}
	pv->inflated_total += want;
	*out = buf;
	return CR_OK;
}

/* The zlib stream of a compressed section (SHF_COMPRESSED or .zdebug_*)
 * and its inflated size; CR_NOTFOUND when s is stored as is. */
static enum cr_err zlib_source(const struct cr_binary *b, const struct cr_elf_section *s, const uint8_t **zsrc,
			       size_t *zlen, uint64_t *size, struct cr_error *e)
{
	const uint8_t *src = b->data + s->offset; /* bounds checked at open */
	size_t srclen = s->file_size;
	if (s->flags & CR_SHF_COMPRESSED) {
		size_t hdr = b->is64 ? 24 : 12;
		if (srclen < hdr)
			return cr_fail(e, CR_FORMAT, "%s: ELF: section %s: compression header truncated", b->path, s->name);
		uint32_t type = cr_binary_u32(b, src);
		*size = b->is64 ? cr_binary_u64(b, src + 8) : cr_binary_u32(b, src + 4);
		if (type != 1 /* ELFCOMPRESS_ZLIB */)
			return cr_fail(e, CR_UNSUPPORTED, "%s: ELF: section %s: unknown compression type %u",
				       b->path, s->name, type);
		*zsrc = src + hdr;
		*zlen = srclen - hdr;
	} else if (strncmp(s->name, ".zdebug", 7) == 0 && srclen >= 12 && memcmp(src, "ZLIB", 4) == 0) {
		for (int i = (*size = 0); i < 8; i++)
			*size = *size << 8 | src[4 + i];
		*zsrc = src + 12;
		*zlen = srclen - 12;
	} else
		return CR_NOTFOUND;
	if (*size > SIZE_MAX)
		return cr_fail(e, CR_LIMIT, "%s: ELF: section %s: size too large", b->path, s->name);
	return CR_OK;
}

enum cr_err cr_binary_section_stream(struct cr_binary *b, const struct cr_elf_section *s, const uint8_t **src,
				     size_t *srclen, size_t *size, struct cr_error *e)
{
	uint64_t sz;
	enum cr_err rc = zlib_source(b, s, src, srclen, &sz, e);
	if (!rc && !(rc = inflate_caps(b, s, *srclen, (size_t)sz, e)))
		*size = (size_t)sz;
	return rc;
}

enum cr_err cr_binary_section_data(struct cr_binary *b, struct cr_elf_section *s,
				   const uint8_t **data, size_t *len, struct cr_error *e)
{
	if (s->loaded) {
		*data = s->data;
		*len = s->size;
		return CR_OK;
	}
	*data = NULL;
	*len = 0;
	if (s->type == CR_SHT_NOBITS || s->type == 0) {
		s->loaded = true;
		s->data = NULL;
		s->size = 0;
		return CR_OK;
	}
	const uint8_t *src;
	size_t srclen;
	uint64_t size;
	enum cr_err rc = zlib_source(b, s, &src, &srclen, &size, e);
	if (rc && rc != CR_NOTFOUND)
		return rc;
	if (rc == CR_OK) {
		uint8_t *out = NULL;
		rc = inflate_exact(b, s, src, srclen, (size_t)size, &out, e);
		if (rc)
			return rc;
		s->data = out;
		s->size = size;
		s->compressed = true;
	} else {
		s->data = b->data + s->offset;
		s->size = s->file_size;
	}
	s->loaded = true;
	*data = s->data;
	*len = s->size;
	return CR_OK;
}

const uint8_t *cr_binary_ptr(const struct cr_binary *b, uint64_t vaddr, size_t n)
{
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type != CR_PT_LOAD || vaddr < g->vaddr)
			continue;
		uint64_t rel = vaddr - g->vaddr;
		if (!cr_in_bounds(rel, n, g->filesz))
			continue;
		uint64_t off = g->offset + rel;
		if (off < g->offset || !cr_in_bounds(off, n, b->len))
			return NULL;
		return b->data + off;
	}
	if (b->nsegments == 0)
		for (size_t i = 1; i < b->nsections; i++) {
			const struct cr_elf_section *s = &b->sections[i];
			if (!(s->flags & CR_SHF_ALLOC) || s->type == CR_SHT_NOBITS || (s->flags & CR_SHF_COMPRESSED) ||
			    vaddr < s->addr)
				continue;
			uint64_t rel = vaddr - s->addr;
			if (cr_in_bounds(rel, n, s->file_size))
				return b->data + s->offset + rel;
		}
	return NULL;
}

size_t cr_binary_read(const struct cr_binary *b, uint64_t vaddr, void *buf, size_t n)
{
	size_t done = 0;
	uint8_t *out = buf;
	while (done < n) {
		uint64_t a = vaddr + done;
		if (a < vaddr)
			break;
		const struct cr_elf_segment *hit = NULL;
		for (size_t i = 0; i < b->nsegments; i++) {
			const struct cr_elf_segment *g = &b->segments[i];
			if (g->type == CR_PT_LOAD && a >= g->vaddr && a - g->vaddr < g->memsz) {
				hit = g;
				break;
			}
		}
		if (!hit) {
			const uint8_t *p = cr_binary_ptr(b, a, n - done);
			if (p) {
				memcpy(out + done, p, n - done);
				done = n;
			}
			break;
		}
		uint64_t rel = a - hit->vaddr, room = hit->memsz - rel, take = n - done < room ? n - done : room;
		for (uint64_t k = 0; k < take;) {
			uint64_t r = rel + k;
			if (r < hit->filesz && hit->offset + r >= hit->offset && hit->offset + r < b->len) {
				uint64_t avail = hit->filesz - r, inf = b->len - (hit->offset + r);
				uint64_t c = take - k;
				if (c > avail) c = avail;
				if (c > inf) c = inf;
				memcpy(out + done + k, b->data + hit->offset + r, c);
				k += c;
			} else if (r >= hit->filesz) {
				memset(out + done + k, 0, take - k);
				k = take;
			} else {
				return done + k; /* file truncated */
			}
		}
		done += take;
	}
	return done;
}

bool cr_binary_read_uint(const struct cr_binary *b, uint64_t vaddr, unsigned size, uint64_t *out)
{
	uint8_t buf[8];
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (cr_binary_read(b, vaddr, buf, size) != size)
		return false;
	switch (size) {
	case 1: *out = buf[0]; break;
	case 2: *out = cr_binary_u16(b, buf); break;
	case 4: *out = cr_binary_u32(b, buf); break;
	default: *out = cr_binary_u64(b, buf); break;
	}
	return true;
}

bool cr_binary_read_addr(const struct cr_binary *b, uint64_t vaddr, uint64_t *out)
{
	const struct cr_binary_priv *pv = b->priv;
	size_t lo = 0, hi = pv->nrelocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pv->relocs[mid].off < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pv->nrelocs && pv->relocs[lo].off == vaddr) {
		*out = pv->relocs[lo].addend;
		return true;
	}
	return cr_binary_read_uint(b, vaddr, cr_binary_ptrsize(b), out);
}
