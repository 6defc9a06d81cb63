/* What libdwarf is shown (the whole file, or one unit of .debug_info
 * alone when units are read one at a time), through its object-access
 * interface (see dwarf.c); units read alone: indexed, and read for the
 * DIE a DW_FORM_ref_addr names in another unit (dwz's partial units). */
#include "dwarf_int.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------- object access */

static const char *const want[] = {
	"info", "abbrev", "line", "str", "line_str", "ranges", "rnglists", "addr", "str_offsets",
};

/* s if libdwarf is to see it: a section we read, and the one of its name
 * that the checks before libdwarf looked at (cr_binary_debug_section's
 * choice). A second section of the same name (or .debug_X beside
 * .zdebug_X) is hidden: this libdwarf frees twice on a bad .debug_rnglists
 * header, and would read an unchecked duplicate (found by fuzz-altlink). */
static bool shown_section(struct oa *o, const struct cr_elf_section *s)
{
	const char *tail;
	if (s->type == CR_SHT_NOBITS)
		return false;
	if (strncmp(s->name, ".debug_", 7) == 0)
		tail = s->name + 7;
	else if (strncmp(s->name, ".zdebug_", 8) == 0)
		tail = s->name + 8;
	else
		return false;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (strcmp(tail, want[i]) != 0)
			continue;
		if (o->hide_rnglists && strcmp(want[i], "rnglists") == 0)
			return false;
		if (!o->shown_set) {
			for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
				char n[32];
				snprintf(n, sizeof n, ".debug_%s", want[k]);
				o->shown[k] = cr_binary_debug_section(o->d->bin, n);
			}
			o->shown_set = true;
		}
		return o->shown[i] == s;
	}
	return false;
}

/* .debug_abbrev or .debug_line inflated in part: its bytes as far as kept
 * (the units being read), *len the section's size; NULL otherwise. */
static const uint8_t *part_data(const struct cr_dwarf *d, const struct cr_elf_section *s, size_t *len)
{
	const struct dpart *p = !s ? NULL : s == d->asec ? d->apart : s == d->lsec ? d->lpart : NULL;
	if (!p)
		return NULL;
	*len = dpart_size(p);
	return dpart_base(p);
}

static int oa_section_info(void *obj, Dwarf_Half idx, Dwarf_Obj_Access_Section *ret, int *err)
{
	struct cr_dwarf *d = ((struct oa *)obj)->d;
	struct cr_binary *b = d->bin;
	memset(ret, 0, sizeof *ret);
	if (idx >= b->nsections)
		return DW_DLV_NO_ENTRY;
	struct cr_elf_section *s = &b->sections[idx];
	ret->addr = s->addr;
	ret->type = s->type;
	ret->link = s->link;
	ret->info = s->info;
	ret->name = ".coroner.skip";
	if (idx == 0 || !shown_section(obj, s))
		return DW_DLV_OK;
	const uint8_t *data;
	size_t len = 0;
	struct cr_error e2 = { 0 };
	enum cr_err rc = (((struct oa *)obj)->slice && ((struct oa *)obj)->info == s) || part_data(d, s, &len)
				 ? CR_OK
				 : cr_binary_section_data(b, s, &data, &len, d->e ? d->e : &e2);
	if (rc) {
		if (!d->err)
			d->err = rc;
		*err = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
		return DW_DLV_ERROR;
	}
	/* present .zdebug_X as .debug_X: we inflated it */
	ret->name = s->name[1] == 'z' ? s->name + 2 - 1 : s->name;
	if (s->name[1] == 'z') {
		struct oa *o = obj;
		if (idx < 64) {
			snprintf(o->names[idx], sizeof o->names[idx], ".%s", s->name + 2);
			ret->name = o->names[idx];
		} else
			ret->name = ".coroner.skip";
	}
	ret->size = len;
	if (((struct oa *)obj)->info == s)
		ret->size = ((struct oa *)obj)->len;
	ret->entrysize = s->entsize;
	return DW_DLV_OK;
}

static Dwarf_Endianness oa_order(void *obj)
{
	return ((struct oa *)obj)->d->bin->big_endian ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

static Dwarf_Small oa_lensize(void *obj)
{
	return ((struct oa *)obj)->d->bin->is64 ? 8 : 4;
}

static Dwarf_Small oa_ptrsize(void *obj)
{
	return ((struct oa *)obj)->d->bin->is64 ? 8 : 4;
}

static Dwarf_Unsigned oa_count(void *obj)
{
	return ((struct oa *)obj)->d->bin->nsections;
}

static int oa_load(void *obj, Dwarf_Half idx, Dwarf_Small **data, int *err)
{
	struct cr_dwarf *d = ((struct oa *)obj)->d;
	struct cr_binary *b = d->bin;
	if (idx >= b->nsections)
		return DW_DLV_NO_ENTRY;
	struct cr_elf_section *s = &b->sections[idx];
	if (!shown_section(obj, s))
		return DW_DLV_NO_ENTRY;
	const uint8_t *p;
	size_t len;
	const struct oa *o = obj;
	if (o->slice && o->info == s) {
		*data = (Dwarf_Small *)(uintptr_t)o->slice;
		return DW_DLV_OK;
	}
	if ((p = part_data(d, s, &len))) {
		*data = (Dwarf_Small *)(uintptr_t)p;
		return DW_DLV_OK;
	}
	if (cr_binary_section_data(b, s, &p, &len, NULL) || !p) {
		*err = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
		return DW_DLV_ERROR;
	}
	if (o->info == s) {
		if (o->off > len || o->len > len - o->off) {
			*err = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
			return DW_DLV_ERROR;
		}
		p += o->off;
	}
	*data = (Dwarf_Small *)(uintptr_t)p; /* libdwarf only reads it */
	return DW_DLV_OK;
}

const Dwarf_Obj_Access_Methods dwarf_oa_methods = {
	oa_section_info, oa_order, oa_lensize, oa_ptrsize, oa_count, oa_load, NULL,
};

const uint8_t *dwarf_info_at(struct cr_dwarf *d, uint64_t off, size_t n)
{
	const struct oa *o = d->oa;
	const struct cr_elf_section *s = cr_binary_debug_section(d->bin, ".debug_info");
	const uint8_t *p;
	size_t len;
	if (!o || !s)
		return NULL;
	if (o->info == s && o->slice) {
		p = o->slice;
		len = o->len;
	} else if (cr_binary_section_data(d->bin, (struct cr_elf_section *)s, &p, &len, NULL) || !p) {
		return NULL;
	} else if (o->info == s) {
		if (o->off > len || o->len > len - o->off)
			return NULL;
		p += o->off;
		len = o->len;
	}
	return off <= len && n <= len - off ? p + off : NULL;
}



/* Unit u's range lists read by us (d->rl) and .debug_rnglists not shown to
 * libdwarf (o), when its abbreviations give every DW_AT_ranges as a
 * section offset (gcc's DWARF 5; a DW_FORM_rnglistx needs libdwarf's
 * reading of the table). */
static void hide_rnglists(struct cr_dwarf *d, const struct dunit *u, struct oa *o)
{
	struct cr_elf_section *rs = cr_binary_debug_section(d->bin, ".debug_rnglists");
	const uint8_t *ab, *rl;
	size_t alen, rllen;
	if (!rs || rs->type == CR_SHT_NOBITS || cr_binary_section_data(d->bin, rs, &rl, &rllen, NULL) || !rl)
		return;
	if (d->apart) {
		ab = dpart_base(d->apart); /* the unit's table kept by dwarf_part_unit */
		alen = dpart_size(d->apart);
	} else {
		struct cr_elf_section *as = cr_binary_debug_section(d->bin, ".debug_abbrev");
		if (!as || cr_binary_section_data(d->bin, as, &ab, &alen, NULL))
			return;
	}
	uint64_t aoff = u->abbrev; /* set with the unit's bytes when inflated in part */
	if (!d->part) {
		struct cr_elf_section *is = cr_binary_debug_section(d->bin, ".debug_info");
		const uint8_t *info;
		size_t ilen;
		struct dunit t = *u;
		if (!is || cr_binary_section_data(d->bin, is, &info, &ilen, NULL) ||
		    !dwarf_unit_header(d->bin, info, ilen, alen, &t))
			return;
		aoff = t.abbrev;
	}
	if (!dwarf_ranges_are_offsets(ab, alen, aoff))
		return;
	o->hide_rnglists = true;
	d->rl = rl;
	d->rllen = rllen;
}

/* Index unit u of a sliced index: libdwarf shown .debug_info as that unit
 * alone (so it reads no other unit's header), finished right after. */
void dwarf_index_slice(struct cr_dwarf *d, struct dunit *u)
{
	u->indexed = true;
	struct oa *o = cr_calloc(1, sizeof *o);
	if (!o) {
		d->err = CR_NOMEM;
		return;
	}
	o->d = d;
	o->info = cr_binary_debug_section(d->bin, ".debug_info");
	o->off = u->hdr;
	o->len = u->len;
	if (d->part)
		o->slice = dpart_get(d->part, u->hdr, (size_t)u->len, NULL); /* kept by dwarf_part_unit */
	o->iface = (Dwarf_Obj_Access_Interface){ o, &dwarf_oa_methods };
	hide_rnglists(d, u, o);
	Dwarf_Error er = NULL;
	Dwarf_Debug dbg = NULL;
	if (dwarf_object_init_b(&o->iface, NULL, NULL, DW_GROUPNUMBER_ANY, &dbg, &er) != DW_DLV_OK) {
		if (er)
			dwarf_dealloc(NULL, er, DW_DLA_ERROR);
		cr_free(o);
		d->rl = NULL;
		dwarf_skip(d, u->hdr, "its header or abbreviations cannot be read");
		return;
	}
	d->dbg = dbg;
	d->oa = o;
	Dwarf_Unsigned hlen, tyoff, next;
	Dwarf_Half ver, asz, lsz, esz, cutype;
	Dwarf_Off aoff;
	Dwarf_Sig8 sig;
	Dwarf_Die cu;
	if (dwarf_next_cu_header_d(dbg, true, &hlen, &ver, &aoff, &asz, &lsz, &esz, &sig, &tyoff, &next, &cutype,
				   &er) == DW_DLV_OK &&
	    dwarf_siblingof_b(dbg, NULL, true, &cu, &er) == DW_DLV_OK) {
		u->version = ver;
		d->skip_lines = d->lpart && !dwarf_keep_line_unit(d, cu);
		if (d->skip_lines)
			dwarf_skip(d, u->hdr, "its line table's header is malformed: no file:line from it");
		dwarf_index_unit(d, u, cu);
		d->skip_lines = false;
		dwarf_dealloc_die(cu);
	} else
		dwarf_skip(d, u->hdr, "its header or abbreviations cannot be read");
	dwarf_dwerr(d, &er);
	dwarf_object_finish(dbg, &er);
	d->dbg = NULL;
	d->oa = NULL;
	d->rl = NULL;
	d->rllen = 0;
	cr_free(o);
	/* DIE offsets were the slice's own */
	cr_hmap_release(&d->origin_names);
	cr_hmap_init(&d->origin_names);
}

/* The bytes of unit u of a partly inflated .debug_info, its header
 * checked (u->len set); false if they cannot be had. */
bool dwarf_part_unit(struct cr_dwarf *d, struct dunit *u)
{
	size_t size = dpart_size(d->part);
	size_t alen = dwarf_section_size(d->bin, ".debug_abbrev");
	if (u->hdr >= size || !alen)
		return false;
	/* a header is at most 23 bytes, all inside its unit */
	size_t n = size - u->hdr < 24 ? size - (size_t)u->hdr : 24;
	const uint8_t *p = dpart_get(d->part, u->hdr, n, NULL);
	if (!p || !dwarf_unit_header(d->bin, p - u->hdr, size, alen, u))
		return false;
	if (!dpart_get(d->part, u->hdr, (size_t)u->len, NULL) || (d->apart && !dpart_keep_abbrevs(d->apart, u->abbrev))) {
		u->len = 0;
		return false;
	}
	return true;
}

/* The next unit's header, its version in *ver: libdwarf's DW_DLV_OK,
 * DW_DLV_NO_ENTRY after the last unit, or DW_DLV_ERROR with *er set. */
int dwarf_next_unit(Dwarf_Debug dbg, Dwarf_Half *ver, Dwarf_Error *er)
{
	Dwarf_Unsigned hlen, tyoff, next;
	Dwarf_Half asz, lsz, esz, cutype;
	Dwarf_Off aoff;
	Dwarf_Sig8 sig;
	return dwarf_next_cu_header_d(dbg, true, &hlen, ver, &aoff, &asz, &lsz, &esz, &sig, &tyoff, &next, &cutype,
				      er);
}

/* The unit of .debug_info holding offset off (u: hdr, len, abbrev), walked
 * from the start (dwz puts its partial units first); with .debug_info
 * inflated in part, its bytes and abbreviations are kept. */
static bool unit_holding(struct cr_dwarf *d, uint64_t off, struct dunit *u)
{
	struct cr_elf_section *s = cr_binary_debug_section(d->bin, ".debug_info");
	size_t alen = dwarf_section_size(d->bin, ".debug_abbrev"), size;
	const uint8_t *info = NULL;
	if (!s || !alen)
		return false;
	if (d->part)
		size = dpart_size(d->part);
	else if (cr_binary_section_data(d->bin, s, &info, &size, NULL) || !info)
		return false;
	uint64_t h = 0;
	for (size_t n = 0; h < size && h <= off && n < 1000000; n++) {
		memset(u, 0, sizeof *u);
		u->hdr = h;
		if (d->part ? !dwarf_part_unit(d, u) : !dwarf_unit_header(d->bin, info, size, alen, u))
			return false;
		if (off - h < u->len)
			return true;
		h += u->len;
	}
	return false;
}

/* The name of the DIE at off of unit u, read alone for it (the index's
 * libdwarf and caches set aside meanwhile). */
static uint32_t name_in_unit(struct cr_dwarf *d, const struct dunit *u, uint64_t off, unsigned depth)
{
	struct oa *o = cr_calloc(1, sizeof *o);
	if (!o)
		return 0;
	o->d = d;
	o->info = cr_binary_debug_section(d->bin, ".debug_info");
	o->off = u->hdr;
	o->len = u->len;
	if (d->part)
		o->slice = dpart_get(d->part, u->hdr, (size_t)u->len, NULL); /* kept by unit_holding */
	o->iface = (Dwarf_Obj_Access_Interface){ o, &dwarf_oa_methods };
	Dwarf_Error er = NULL;
	Dwarf_Debug dbg = NULL, saved = d->dbg;
	void *saved_oa = d->oa;
	struct cr_hmap saved_names = d->origin_names;
	uint32_t id = 0;
	if (dwarf_object_init_b(&o->iface, NULL, NULL, DW_GROUPNUMBER_ANY, &dbg, &er) != DW_DLV_OK) {
		if (er)
			dwarf_dealloc(NULL, er, DW_DLA_ERROR);
		cr_free(o);
		return 0;
	}
	d->dbg = dbg;
	d->oa = o;
	cr_hmap_init(&d->origin_names);
	Dwarf_Half ver;
	Dwarf_Die die;
	if (dwarf_next_unit(dbg, &ver, &er) == DW_DLV_OK && dwarf_offdie_b(dbg, off - u->hdr, true, &die, &er) == DW_DLV_OK) {
		id = dwarf_die_name(d, die, depth + 1);
		dwarf_dealloc_die(die);
	}
	dwarf_dwerr(d, &er);
	cr_hmap_release(&d->origin_names);
	dwarf_object_finish(dbg, &er);
	d->dbg = saved;
	d->oa = saved_oa;
	d->origin_names = saved_names;
	cr_free(o);
	return id;
}

uint32_t dwarf_ref_addr_name(struct cr_dwarf *d, uint64_t off, unsigned depth)
{
	uint32_t *cached = cr_hmap_get(&d->ref_names, &off, sizeof off);
	if (cached)
		return *cached - 1;
	/* a placeholder first: a cycle then ends at the cache */
	bool found;
	if (!cr_hmap_put(&d->ref_names, &off, sizeof off, 1, &found)) {
		d->err = CR_NOMEM;
		return 0;
	}
	uint32_t id = 0;
	const struct oa *cur = d->oa;
	struct dunit u;
	if (cur && cur->info && off >= cur->off && off - cur->off < cur->len) {
		Dwarf_Die die;
		Dwarf_Error er = NULL;
		if (dwarf_offdie_b(d->dbg, off - cur->off, true, &die, &er) == DW_DLV_OK) {
			id = dwarf_die_name(d, die, depth + 1);
			dwarf_dealloc_die(die);
		}
		dwarf_dwerr(d, &er);
	} else if (d->dbg && unit_holding(d, off, &u)) {
		id = name_in_unit(d, &u, off, depth);
	}
	uint32_t *slot = cr_hmap_get(&d->ref_names, &off, sizeof off);
	if (slot)
		*slot = id + 1;
	return id;
}
