/* Checks of a binary's raw DWARF sections before libdwarf reads them: unit
 * headers of the tables indexed by offset, and every line-program header
 * (libdwarf 20210528 trusts lengths in both). */
#include "dwarf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* DWARF 5 unit tables (.debug_rnglists, .debug_addr, .debug_str_offsets)
 * are checked before libdwarf sees them: this libdwarf frees twice on a
 * malformed .debug_rnglists header (found by fuzz-dwarf). Units must tile
 * the section; each header must fit its unit; rnglists' offset table too. */
enum cr_err dwarf_check_units(struct cr_binary *b, const char *name, struct cr_error *e)
{
	struct cr_elf_section *s = cr_binary_debug_section(b, name);
	if (!s || s->type == CR_SHT_NOBITS)
		return CR_OK;
	const uint8_t *d;
	size_t len;
	enum cr_err rc = cr_binary_section_data(b, s, &d, &len, e);
	if (rc)
		return rc;
	bool rng = strcmp(name, ".debug_rnglists") == 0;
	size_t off = 0;
	while (off < len) {
		size_t at = off;
		if (len - off < 4)
			goto bad;
		uint64_t ul = cr_binary_u32(b, d + off);
		size_t osz = 4;
		off += 4;
		if (ul == 0xffffffff) {
			if (len - off < 8)
				goto bad;
			ul = cr_binary_u64(b, d + off);
			off += 8;
			osz = 8;
		} else if (ul >= 0xfffffff0)
			goto bad;
		if (ul > len - off || ul < 4)
			goto bad;
		uint16_t ver = cr_binary_u16(b, d + off);
		if (ver != 5)
			goto bad;
		if (rng) {
			if (ul < 8)
				goto bad;
			uint8_t asz = d[off + 2], seg = d[off + 3];
			uint32_t cnt = cr_binary_u32(b, d + off + 4);
			if ((asz != 4 && asz != 8) || seg != 0 || (uint64_t)cnt * osz > ul - 8)
				goto bad;
		}
		off += (size_t)ul;
		if (off <= at)
			goto bad;
	}
	return CR_OK;
bad:
	return cr_fail(e, CR_FORMAT, "%s: DWARF: %s: offset 0x%zx: malformed unit header", b->path, name, off);
}

/* .debug_line headers are checked before libdwarf reads them: this libdwarf
 * follows include-directory and file-name entries it has not bounded
 * (found by fuzz-dwarf: a wild pointer in dwarf_srcfiles). Every unit must
 * tile the section; v2-4 directory and file tables must end inside the
 * header with directory indexes in range; v5 entry formats may use only
 * the forms below, string offsets must land on a NUL-terminated string of
 * .debug_str / .debug_line_str, directory indexes must be in range. */
static bool l_u8(struct lcur *c, uint64_t *v)
{
	if (c->p >= c->end)
		return false;
	*v = *c->p++;
	return true;
}

bool dwarf_cur_uleb(struct lcur *c, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned sh = 0; sh < 64; sh += 7) {
		if (c->p >= c->end)
			return false;
		uint8_t b = *c->p++;
		r |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

bool dwarf_cur_skip(struct lcur *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n)
		return false;
	c->p += n;
	return true;
}

/* Before an entry of a list ended by a 0 byte: 1 at the 0 (consumed), 0
 * when an entry follows, -1 when the header ends first. */
static int l_list_end(struct lcur *c)
{
	if (c->p >= c->end)
		return -1;
	if (*c->p)
		return 0;
	c->p++;
	return 1;
}

static bool l_cstr(struct lcur *c)
{
	const uint8_t *z = memchr(c->p, 0, (size_t)(c->end - c->p));
	if (!z)
		return false;
	c->p = z + 1;
	return true;
}

static bool str_at(const uint8_t *sec, size_t len, uint64_t off)
{
	return sec && off < len && memchr(sec + off, 0, len - off) != NULL;
}

/* one v5 entry per formats[]; *dir set from DW_LNCT_directory_index */
static bool l_entry(const struct cr_binary *b, struct lcur *c, const uint64_t (*fmt)[2], size_t nfmt,
		    unsigned osz, const uint8_t *str, size_t strl, const uint8_t *lstr, size_t lstrl,
		    uint64_t *dir)
{
	*dir = 0;
	for (size_t i = 0; i < nfmt; i++) {
		uint64_t v = 0, form = fmt[i][1];
		switch (form) {
		case 0x08: /* string */
			if (!l_cstr(c))
				return false;
			break;
		case 0x0e: case 0x1f: /* strp, line_strp */
			if ((uint64_t)(c->end - c->p) < osz)
				return false;
			v = osz == 8 ? cr_binary_u64(b, c->p) : cr_binary_u32(b, c->p);
			c->p += osz;
			if (form == 0x0e ? !str_at(str, strl, v) : !str_at(lstr, lstrl, v))
				return false;
			break;
		case 0x0f: if (!dwarf_cur_uleb(c, &v)) return false; break;          /* udata */
		case 0x0b: if (!l_u8(c, &v)) return false; break;             /* data1 */
		case 0x05: if ((uint64_t)(c->end - c->p) < 2) return false;  /* data2 */
			v = cr_binary_u16(b, c->p); c->p += 2; break;
		case 0x06: if ((uint64_t)(c->end - c->p) < 4) return false;  /* data4 */
			v = cr_binary_u32(b, c->p); c->p += 4; break;
		case 0x07: if (!dwarf_cur_skip(c, 8)) return false; break;            /* data8 */
		case 0x1e: if (!dwarf_cur_skip(c, 16)) return false; break;           /* data16 */
		case 0x09: if (!dwarf_cur_uleb(c, &v) || !dwarf_cur_skip(c, v)) return false; /* block */
			break;
		default:
			return false;
		}
		if (fmt[i][0] == 2 /* DW_LNCT_directory_index */)
			*dir = v;
	}
	return true;
}

/* The line unit at d[off, len): true when its header is sound, *next set
 * past the unit. */
bool dwarf_check_line_unit(const struct cr_binary *b, const uint8_t *d, size_t len, size_t off,
			   const struct dwarf_strs *ss, size_t *next)
{
	struct lcur c = { d + off, d + len };
	uint64_t ul, ver, hl, v;
	unsigned osz = 4;
	if (off > len || len - off < 4)
		return false;
	ul = cr_binary_u32(b, c.p);
	c.p += 4;
	if (ul == 0xffffffff) {
		if ((size_t)(c.end - c.p) < 8)
			return false;
		ul = cr_binary_u64(b, c.p);
		c.p += 8;
		osz = 8;
	} else if (ul >= 0xfffffff0)
		return false;
	if (ul > (uint64_t)(c.end - c.p) || ul < 2)
		return false;
	const uint8_t *unit_end = c.p + ul;
	c.end = unit_end;
	ver = cr_binary_u16(b, c.p);
	c.p += 2;
	if (ver < 2 || ver > 5)
		return false;
	if (ver >= 5 && !dwarf_cur_skip(&c, 2)) /* address_size, seg_sel_size */
		return false;
	if ((size_t)(c.end - c.p) < osz)
		return false;
	hl = osz == 8 ? cr_binary_u64(b, c.p) : cr_binary_u32(b, c.p);
	c.p += osz;
	if (hl > (uint64_t)(c.end - c.p))
		return false;
	c.end = c.p + hl; /* the header */
	uint64_t opbase, lrange;
	if (!dwarf_cur_skip(&c, ver >= 4 ? 4 : 3) || !l_u8(&c, &lrange) || !l_u8(&c, &opbase) || lrange == 0 ||
	    opbase == 0 || !dwarf_cur_skip(&c, opbase - 1))
		return false;
	/* bytes before line_base: min_inst (+ max_ops), default_is_stmt, line_base */
	if (ver < 5) {
		uint64_t ndirs = 0;
		int k;
		for (; (k = l_list_end(&c)) != 1; ndirs++) /* include_directories */
			if (k < 0 || !l_cstr(&c))
				return false;
		while ((k = l_list_end(&c)) != 1) { /* file_names */
			uint64_t dir;
			if (k < 0 || !l_cstr(&c) || !dwarf_cur_uleb(&c, &dir) || !dwarf_cur_uleb(&c, &v) || !dwarf_cur_uleb(&c, &v) ||
			    dir > ndirs)
				return false;
		}
	} else {
		uint64_t fmt[2][256][2], nf[2], count[2] = { 0, 0 };
		for (int t = 0; t < 2; t++) {
			if (!l_u8(&c, &nf[t]))
				return false;
			for (uint64_t i = 0; i < nf[t]; i++)
				if (!dwarf_cur_uleb(&c, &fmt[t][i][0]) || !dwarf_cur_uleb(&c, &fmt[t][i][1]))
					return false;
			if (!dwarf_cur_uleb(&c, &count[t]) || count[t] > (uint64_t)(c.end - c.p))
				return false;
			for (uint64_t i = 0; i < count[t]; i++) {
				uint64_t dir;
				if (!l_entry(b, &c, (const uint64_t (*)[2])fmt[t], nf[t], osz, ss->str, ss->strl,
					     ss->lstr, ss->lstrl, &dir))
					return false;
				if (t == 1 && dir >= count[0])
					return false;
			}
			if (count[t] && nf[t] == 0)
				return false;
		}
	}
	*next = (size_t)(unit_end - d);
	return true;
}

enum cr_err dwarf_strs_get(struct cr_binary *b, struct dwarf_strs *ss, struct cr_error *e)
{
	memset(ss, 0, sizeof *ss);
	struct cr_elf_section *s = cr_binary_debug_section(b, ".debug_str");
	enum cr_err rc;
	if (s && (rc = cr_binary_section_data(b, s, &ss->str, &ss->strl, e)))
		return rc;
	s = cr_binary_debug_section(b, ".debug_line_str");
	if (s && (rc = cr_binary_section_data(b, s, &ss->lstr, &ss->lstrl, e)))
		return rc;
	return CR_OK;
}

enum cr_err dwarf_check_line_headers(struct cr_binary *b, struct cr_error *e)
{
	struct cr_elf_section *s = cr_binary_debug_section(b, ".debug_line");
	if (!s || s->type == CR_SHT_NOBITS)
		return CR_OK;
	const uint8_t *d;
	size_t len;
	struct dwarf_strs ss;
	enum cr_err rc = cr_binary_section_data(b, s, &d, &len, e);
	if (!rc)
		rc = dwarf_strs_get(b, &ss, e);
	if (rc)
		return rc;
	size_t off = 0, next;
	while (off < len) {
		if (!dwarf_check_line_unit(b, d, len, off, &ss, &next) || next <= off)
			return cr_fail(e, CR_FORMAT, "%s: DWARF: .debug_line: offset 0x%zx: malformed unit header",
				       b->path, off);
		off = next;
	}
	return CR_OK;
}

enum cr_err dwarf_check_sections(struct cr_binary *b, const uint8_t **idata, size_t *ilen, struct cr_error *e)
{
	struct cr_elf_section *info = cr_binary_debug_section(b, ".debug_info");
	if (!info || info->type == CR_SHT_NOBITS)
		return cr_fail(e, CR_NOTFOUND, "%s: no DWARF", b->path);
	/* .debug_info first: its errors (caps, corrupt streams) are the ones
	 * to report */
	enum cr_err irc = cr_binary_section_data(b, info, idata, ilen, e);
	if (irc)
		return irc;
	return dwarf_check_other_sections(b, e);
}

enum cr_err dwarf_check_unit_tables(struct cr_binary *b, struct cr_error *e)
{
	static const char *const unit_tables[] = { ".debug_rnglists", ".debug_addr", ".debug_str_offsets" };
	for (size_t i = 0; i < sizeof unit_tables / sizeof unit_tables[0]; i++) {
		enum cr_err rc = dwarf_check_units(b, unit_tables[i], e);
		if (rc)
			return rc;
	}
	return CR_OK;
}

enum cr_err dwarf_check_other_sections(struct cr_binary *b, struct cr_error *e)
{
	enum cr_err rc = dwarf_check_unit_tables(b, e);
	return rc ? rc : dwarf_check_line_headers(b, e);
}

size_t dwarf_section_size(struct cr_binary *b, const char *name)
{
	struct cr_elf_section *s = cr_binary_debug_section(b, name);
	const uint8_t *src;
	size_t srclen, size;
	struct cr_error e2 = { 0 };
	if (!s || s->type == CR_SHT_NOBITS)
		return 0;
	if (s->loaded)
		return s->size;
	enum cr_err rc = cr_binary_section_stream(b, s, &src, &srclen, &size, &e2);
	if (rc == CR_NOTFOUND)
		return s->file_size; /* stored as is */
	return rc ? 0 : size;
}

bool dwarf_unit_header(const struct cr_binary *b, const uint8_t *d, size_t len, uint64_t abbrev_len,
		       struct dunit *u)
{
	size_t off = (size_t)u->hdr;
	if (u->hdr >= len || len - off < 4)
		return false;
	uint64_t ul = cr_binary_u32(b, d + off);
	size_t h = 4;
	if (ul == 0xffffffff) {
		if (len - off < 12)
			return false;
		ul = cr_binary_u64(b, d + off + 4);
		h = 12;
	} else if (ul >= 0xfffffff0)
		return false;
	size_t osz = h == 12 ? 8 : 4;
	if (ul > len - off - h || ul < 4 + osz)
		return false;
	const uint8_t *p = d + off + h;
	uint16_t ver = cr_binary_u16(b, p);
	uint64_t ab;
	uint8_t asz;
	if (ver >= 2 && ver <= 4) {
		ab = osz == 8 ? cr_binary_u64(b, p + 2) : cr_binary_u32(b, p + 2);
		asz = p[2 + osz];
	} else if (ver == 5) {
		ab = osz == 8 ? cr_binary_u64(b, p + 4) : cr_binary_u32(b, p + 4);
		asz = p[3];
	} else
		return false;
	if (ab >= abbrev_len || (asz != 4 && asz != 8))
		return false;
	u->abbrev = ab;
	u->len = h + ul;
	return true;
}

/* Unit starts of .debug_info, ascending; false if a header does not fit
 * (see dwarf_unit_header): the units are then read one after the other,
 * as before, which says what is wrong. */
static bool info_units(const struct cr_binary *b, const uint8_t *d, size_t len, uint64_t abbrev_len,
		       uint64_t **starts, size_t *n)
{
	size_t cap = 0, off = 0;
	*starts = NULL;
	*n = 0;
	while (off < len) {
		struct dunit u = { .hdr = off };
		if (!dwarf_unit_header(b, d, len, abbrev_len, &u))
			return false;
		if (cr_grow(starts, &cap, *n + 1, sizeof **starts))
			return false;
		(*starts)[(*n)++] = off;
		off += (size_t)u.len;
	}
	return true;
}

int dwarf_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

bool dwarf_read_aranges(struct cr_dwarf *d, const uint8_t *info, size_t infolen)
{
	struct cr_binary *b = d->bin;
	struct cr_elf_section *s = cr_binary_debug_section(b, ".debug_aranges");
	const uint8_t *p;
	size_t len;
	struct cr_error e2 = { 0 };
	if (!s || s->type == CR_SHT_NOBITS || cr_binary_section_data(b, s, &p, &len, &e2) || !len)
		return false;
	/* the abbreviations' size only, when .debug_info is inflated in part */
	size_t alen = dwarf_section_size(b, ".debug_abbrev");
	struct cr_elf_section *as = cr_binary_debug_section(b, ".debug_abbrev");
	const uint8_t *ap;
	if (!alen || (info && cr_binary_section_data(b, as, &ap, &alen, &e2)))
		return false;
	uint64_t *starts = NULL;
	size_t nstarts = 0;
	if (info && !info_units(b, info, infolen, alen, &starts, &nstarts)) {
		cr_free(starts);
		return false;
	}
	size_t off = 0;
	bool ok = true;
	while (ok && off < len) {
		size_t at = off;
		ok = false;
		if (len - off < 4)
			break;
		uint64_t ul = cr_binary_u32(b, p + off);
		size_t osz = 4;
		off += 4;
		if (ul == 0xffffffff) {
			if (len - off < 8)
				break;
			ul = cr_binary_u64(b, p + off);
			off += 8;
			osz = 8;
		} else if (ul >= 0xfffffff0)
			break;
		if (ul > len - off || ul < 2 + osz + 2)
			break;
		size_t end = off + (size_t)ul;
		uint16_t ver = cr_binary_u16(b, p + off);
		uint64_t cu = osz == 8 ? cr_binary_u64(b, p + off + 2) : cr_binary_u32(b, p + off + 2);
		uint8_t asz = p[off + 2 + osz], seg = p[off + 3 + osz];
		if (ver != 2 || (asz != 4 && asz != 8) || seg != 0)
			break;
		uint64_t *hit = info && nstarts ? bsearch(&cu, starts, nstarts, sizeof *starts, dwarf_u64_cmp) : NULL;
		if (info ? !hit : cu >= infolen)
			break;
		/* tuples start at a multiple of twice the address size */
		size_t t = at + (((off + 4 + osz) - at + 2 * asz - 1) / (2 * asz)) * (2 * asz);
		uint32_t ui = (uint32_t)d->nunits;
		if (d->nunits >= UINT32_MAX || cr_grow(&d->units, &d->capunits, d->nunits + 1, sizeof *d->units))
			break;
		d->units[ui] = (struct dunit){ 0 };
		d->units[ui].hdr = cu;
		if (hit) /* else read with the unit */
			d->units[ui].len = (hit + 1 < starts + nstarts ? hit[1] : infolen) - cu;
		d->nunits++;
		ok = true;
		for (; t + 2 * (size_t)asz <= end; t += 2 * (size_t)asz) {
			uint64_t lo = asz == 8 ? cr_binary_u64(b, p + t) : cr_binary_u32(b, p + t);
			uint64_t n = asz == 8 ? cr_binary_u64(b, p + t + 8) : cr_binary_u32(b, p + t + 4);
			if (lo == 0 && n == 0)
				break;
			if (n == 0 || lo + n < lo)
				continue;
			if (cr_grow(&d->uranges, &d->capuranges, d->nuranges + 1, sizeof *d->uranges)) {
				ok = false;
				break;
			}
			d->uranges[d->nuranges++] = (struct durange){ lo, lo + n, ui };
		}
		off = end;
	}
	cr_free(starts);
	if (!ok) { /* the unit DIEs, then */
		d->nunits = d->nuranges = 0;
		return false;
	}
	return d->nuranges > 0;
}
