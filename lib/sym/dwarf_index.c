/* Indexing one unit of a binary's DWARF: its line rows and the tree of
 * subprogram / inlined-subroutine scopes with their address ranges are
 * copied into the arrays of struct cr_dwarf (see dwarf.c). */
#include "dwarf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void dwarf_dwerr(struct cr_dwarf *d, Dwarf_Error *er)
{
	if (*er) {
		dwarf_dealloc(d->dbg, *er, DW_DLA_ERROR);
		*er = NULL;
	}
}

uint32_t dwarf_intern(struct cr_dwarf *d, const char *s)
{
	uint32_t id = cr_strtab_intern(&d->strs, s, strlen(s));
	if (id == UINT32_MAX) {
		d->err = CR_NOMEM;
		return 0;
	}
	return id;
}

/* files[i] of the unit's line table as strtab ids */
struct cufiles {
	uint32_t *ids;
	Dwarf_Signed n;
	Dwarf_Signed base; /* file number of ids[0]: 1 before DWARF 5, 0 in 5 */
	bool gnu;          /* DW_AT_producer "GNU ..." (gcc) */
};

static uint32_t file_id(const struct cufiles *cf, uint64_t fileno)
{
	if (fileno < (uint64_t)cf->base)
		return 0;
	uint64_t i = fileno - (uint64_t)cf->base;
	return i < (uint64_t)cf->n ? cf->ids[i] : 0;
}

/* A string attribute of the unit DIE (in the section's bytes); NULL if it
 * has none. */
static char *unit_string(struct cr_dwarf *d, Dwarf_Die cu, Dwarf_Half at)
{
	Dwarf_Error er = NULL;
	Dwarf_Attribute a;
	char *s = NULL;
	if (dwarf_attr(cu, at, &a, &er) == DW_DLV_OK) {
		if (dwarf_formstring(a, &s, &er) != DW_DLV_OK)
			s = NULL;
		dwarf_dwerr(d, &er);
		dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	}
	dwarf_dwerr(d, &er);
	return s;
}

/* The unit's files [bi, ei) named as gdb names them, from the line
 * table's own entries rather than libdwarf's paths (which put the
 * comp_dir before every relative directory): a relative name goes after
 * its directory entry as written (DWARF 5's entry 0 is the comp_dir:
 * glibc's "./nptl"; before 5, directory 0 means the comp_dir, which gdb
 * does not put before it: "include/x.h", "../sysdeps/x.c"), and the
 * unit's own file keeps its DW_AT_name where that path is
 * comp_dir/DW_AT_name ("src/x.c" for `cc -c src/x.c` run in /build, not
 * "/build/src/x.c"). */
static void gdb_file_names(struct cr_dwarf *d, Dwarf_Line_Context ctx, struct cufiles *cf, Dwarf_Half version,
			   Dwarf_Signed bi, Dwarf_Signed ei, const char *cuname, const char *comp)
{
	Dwarf_Error er = NULL;
	Dwarf_Signed ndirs = 0;
	if (dwarf_srclines_include_dir_count(ctx, &ndirs, &er) != DW_DLV_OK)
		ndirs = 0;
	dwarf_dwerr(d, &er);
	bool own = cuname && cuname[0] && cuname[0] != '/' && comp && comp[0] == '/';
	size_t cl = own ? strlen(comp) : 0;
	for (Dwarf_Signed i = bi; i < ei && i - bi < cf->n && !d->err; i++) {
		const char *fn = NULL, *dir = NULL;
		Dwarf_Unsigned di = 0, mt, len;
		Dwarf_Form_Data16 *md5;
		if (dwarf_srclines_files_data_b(ctx, i, &fn, &di, &mt, &len, &md5, &er) != DW_DLV_OK || !fn) {
			dwarf_dwerr(d, &er);
			continue;
		}
		/* directories from 0 in DWARF 5, from 1 before (0: the comp_dir) */
		bool v5 = version >= 5;
		if (fn[0] != '/' && di >= (v5 ? 0u : 1u) && di < (uint64_t)ndirs + !v5 &&
		    dwarf_srclines_include_dir_data(ctx, (Dwarf_Signed)di, &dir, &er) != DW_DLV_OK)
			dir = NULL;
		dwarf_dwerr(d, &er);
		char path[4096];
		const char *f = fn;
		if (dir && dir[0] && fn[0] != '/' && (size_t)snprintf(path, sizeof path, "%s/%s", dir, fn) < sizeof path)
			f = path;
		if (own && strncmp(f, comp, cl) == 0 && f[cl] == '/' && strcmp(f + cl + 1, cuname) == 0)
			f = cuname;
		cf->ids[i - bi] = dwarf_intern(d, f);
	}
}

static enum cr_err load_lines(struct cr_dwarf *d, Dwarf_Die cu, struct cufiles *cf, Dwarf_Half version)
{
	Dwarf_Error er = NULL;
	char **files = NULL;
	Dwarf_Signed nfiles = 0;
	cf->base = version >= 5 ? 0 : 1;
	if (d->skip_lines)
		return CR_OK;
	Dwarf_Attribute pa;
	char *prod;
	if (dwarf_attr(cu, DW_AT_producer, &pa, &er) == DW_DLV_OK) {
		if (dwarf_formstring(pa, &prod, &er) == DW_DLV_OK)
			cf->gnu = strncmp(prod, "GNU ", 4) == 0;
		dwarf_dwerr(d, &er);
		dwarf_dealloc(d->dbg, pa, DW_DLA_ATTR);
	}
	dwarf_dwerr(d, &er);
	/* libdwarf puts DW_AT_comp_dir before every relative directory,
	 * directory 0 included, which in DWARF 5 is the comp_dir itself:
	 * glibc's "./nptl" gives "./nptl/./nptl/x.c" and
	 * "./misc/../sysdeps/clone3.S". gdb names a file by its directory
	 * entry and name alone ("./nptl/x.c", "../sysdeps/clone3.S"): a
	 * relative comp_dir is taken off again. */
	char *comp = unit_string(d, cu, DW_AT_comp_dir), *rel = comp;
	size_t clen = 0;
	if (version < 5 || !rel || rel[0] == '/' || !rel[0])
		rel = NULL;
	if (rel)
		clen = strlen(rel);
	if (dwarf_srcfiles(cu, &files, &nfiles, &er) == DW_DLV_OK) {
		if (nfiles > 0) {
			cf->ids = cr_calloc((size_t)nfiles, sizeof *cf->ids);
			if (!cf->ids)
				d->err = CR_NOMEM;
			else
				cf->n = nfiles;
		}
		for (Dwarf_Signed i = 0; i < nfiles; i++) {
			const char *f = files[i];
			if (clen && strncmp(f, rel, clen) == 0 && f[clen] == '/' && f[clen + 1])
				f += clen + 1;
			if (cf->ids)
				cf->ids[i] = dwarf_intern(d, f);
			dwarf_dealloc(d->dbg, files[i], DW_DLA_STRING);
		}
		dwarf_dealloc(d->dbg, files, DW_DLA_LIST);
	}
	dwarf_dwerr(d, &er);
	Dwarf_Unsigned lver;
	Dwarf_Small tcount;
	Dwarf_Line_Context ctx;
	if (dwarf_srclines_b(cu, &lver, &tcount, &ctx, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return CR_OK; /* a unit without a line table */
	}
	Dwarf_Signed bi, cnt, ei;
	if (dwarf_srclines_files_indexes(ctx, &bi, &cnt, &ei, &er) == DW_DLV_OK) {
		cf->base = bi;
		if (d->gdb_lines)
			gdb_file_names(d, ctx, cf, version, bi, ei, unit_string(d, cu, DW_AT_name), comp);
	}
	dwarf_dwerr(d, &er);
	Dwarf_Line *lines;
	Dwarf_Signed nl;
	if (tcount == 1 && dwarf_srclines_from_linecontext(ctx, &lines, &nl, &er) == DW_DLV_OK) {
		if (nl > 0 && cr_grow(&d->rows, &d->caprows, d->nrows + (size_t)nl, sizeof *d->rows)) {
			d->err = CR_NOMEM;
			nl = 0;
		}
		size_t seq0 = d->nrows;
		for (Dwarf_Signed i = 0; i < nl; i++) {
			Dwarf_Addr a;
			Dwarf_Unsigned ln = 0, col = 0, fno = 0;
			Dwarf_Bool end = 0;
			if (dwarf_lineaddr(lines[i], &a, &er) != DW_DLV_OK) {
				dwarf_dwerr(d, &er);
				continue;
			}
			dwarf_lineno(lines[i], &ln, &er);
			dwarf_dwerr(d, &er);
			dwarf_lineoff_b(lines[i], &col, &er);
			dwarf_dwerr(d, &er);
			dwarf_line_srcfileno(lines[i], &fno, &er);
			dwarf_dwerr(d, &er);
			dwarf_lineendsequence(lines[i], &end, &er);
			dwarf_dwerr(d, &er);
			Dwarf_Bool stmt = 1;
			dwarf_linebeginstatement(lines[i], &stmt, &er);
			dwarf_dwerr(d, &er);
			if (end) {
				/* rows at the end address of their own sequence cover
				 * nothing: drop them, so the end row is what a lookup
				 * at that address finds (unless another sequence starts
				 * there: end rows sort first) */
				while (d->nrows > seq0 && d->rows[d->nrows - 1].addr == a)
					d->nrows--;
			}
			struct drow *r = &d->rows[d->nrows];
			r->addr = a;
			r->line = ln > UINT32_MAX ? 0 : (uint32_t)ln;
			r->col = col > UINT32_MAX ? 0 : (uint32_t)col;
			/* libdwarf 20210528 starts a DWARF 5 sequence with file
			 * register 0 where the standard (and gcc, which relies on
			 * it and never names file 0 in a row) says 1; clang always
			 * sets the file explicitly, 0 included */
			if (fno == 0 && version >= 5 && cf->gnu)
				fno = 1;
			r->file = file_id(cf, fno);
			r->end = end;
			r->stmt = stmt != 0;
			r->ord = (uint32_t)d->nrows;
			d->nrows++;
			if (end)
				seq0 = d->nrows;
		}
	}
	dwarf_dwerr(d, &er);
	dwarf_srclines_dealloc_b(ctx);
	return CR_OK;
}

bool dwarf_attr_udata(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return false;
	}
	int rc = dwarf_formudata(a, v, &er);
	dwarf_dwerr(d, &er);
	if (rc != DW_DLV_OK) {
		/* DW_FORM_implicit_const (gcc's DWARF 5 call_file) is only
		 * answered as signed data by this libdwarf */
		Dwarf_Signed sv;
		rc = dwarf_formsdata(a, &sv, &er);
		dwarf_dwerr(d, &er);
		if (rc == DW_DLV_OK && sv >= 0)
			*v = (Dwarf_Unsigned)sv;
		else
			rc = DW_DLV_ERROR;
	}
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	return rc == DW_DLV_OK;
}

/* die's attribute at and its form (0 if libdwarf cannot tell); false if
 * die has no such attribute. The caller deallocates *a. */
static bool attr_form(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Attribute *a, Dwarf_Half *form)
{
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return false;
	}
	*form = 0;
	if (dwarf_whatform(*a, form, &er) != DW_DLV_OK)
		*form = 0;
	dwarf_dwerr(d, &er);
	return true;
}

/* The string at off of the shared file's .debug_str; NULL if none. */
static const char *alt_str(struct cr_dwarf *alt, Dwarf_Off off)
{
	struct cr_elf_section *ss = cr_binary_debug_section(alt->bin, ".debug_str");
	const uint8_t *p;
	size_t n;
	struct cr_error e2 = { 0 };
	if (!ss || cr_binary_section_data(alt->bin, ss, &p, &n, &e2) || off >= n || !memchr(p + off, 0, n - off))
		return NULL;
	return (const char *)p + off;
}

static bool attr_string(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint32_t *id)
{
	Dwarf_Attribute a;
	Dwarf_Half form;
	Dwarf_Error er = NULL;
	char *s;
	if (!attr_form(d, die, at, &a, &form))
		return false;
	/* a dwz string lives in the .gnu_debugaltlink file: its offset
	 * there (libdwarf would give a placeholder as the name) */
	int rc = DW_DLV_NO_ENTRY;
	Dwarf_Off off = 0;
	bool alt = form == DW_FORM_GNU_strp_alt || form == DW_FORM_strp_sup;
	if (!alt)
		rc = dwarf_formstring(a, &s, &er);
	else if (d->alt)
		rc = dwarf_global_formref(a, &off, &er);
	dwarf_dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	if (rc == DW_DLV_OK && alt)
		s = (char *)alt_str(d->alt, off);
	if (rc != DW_DLV_OK || !s)
		return false;
	*id = dwarf_intern(d, s);
	return true;
}

/* *alt: off is in the shared file (dwz -m); *global: off is a .debug_info
 * offset of a sliced index's file (dwarf_ref_addr_name) */
bool dwarf_attr_ref(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off, bool *alt, bool *global)
{
	Dwarf_Attribute a;
	Dwarf_Half form;
	Dwarf_Error er = NULL;
	if (!attr_form(d, die, at, &a, &form))
		return false;
	/* a unit read alone cannot follow a reference into another one; a
	 * dwz reference is into another file (followed there when it was
	 * found) */
	int rc = DW_DLV_NO_ENTRY;
	*global = false;
	*alt = form == DW_FORM_GNU_ref_alt || form == 0x1c || form == 0x24; /* DW_FORM_ref_sup4, ref_sup8 */
	if ((form == 0x1c || form == 0x24) && d->alt) {
		/* libdwarf (20210528) refuses the DWARF 5 forms: the value's
		 * bytes are read here, an offset in the shared .debug_info */
		Dwarf_Off at_off;
		const uint8_t *v;
		if (dwarf_attr_offset(die, a, &at_off, &er) == DW_DLV_OK &&
		    (v = dwarf_info_at(d, at_off, form == 0x1c ? 4 : 8))) {
			*off = form == 0x1c ? cr_binary_u32(d->bin, v) : cr_binary_u64(d->bin, v);
			rc = DW_DLV_OK;
		}
	} else if (d->sliced && form == DW_FORM_ref_addr) {
		/* the unit is read alone: the offset's bytes read here (4 or 8
		 * from DWARF 3 on), the DIE found by dwarf_ref_addr_name */
		Dwarf_Half ver = 0, osz = 0;
		Dwarf_Off at_off;
		const uint8_t *v;
		if (dwarf_get_version_of_die(die, &ver, &osz) == DW_DLV_OK && ver >= 3 && (osz == 4 || osz == 8) &&
		    dwarf_attr_offset(die, a, &at_off, &er) == DW_DLV_OK && (v = dwarf_info_at(d, at_off, osz))) {
			*off = osz == 4 ? cr_binary_u32(d->bin, v) : cr_binary_u64(d->bin, v);
			*global = true;
			rc = DW_DLV_OK;
		}
	} else if (form && (!*alt || d->alt))
		rc = dwarf_global_formref(a, off, &er);
	dwarf_dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	return rc == DW_DLV_OK;
}


/* The name of the shared file's DIE at off (die_name there), as an id
 * here; cached. */
static uint32_t alt_name(struct cr_dwarf *d, Dwarf_Off off, unsigned depth)
{
	uint32_t *cached = cr_hmap_get(&d->alt_names, &off, sizeof off);
	if (cached)
		return *cached - 1;
	Dwarf_Die o;
	Dwarf_Error er = NULL;
	uint32_t id = 0;
	if (dwarf_offdie_b(d->alt->dbg, off, true, &o, &er) == DW_DLV_OK) {
		uint32_t aid = dwarf_die_name(d->alt, o, depth + 1);
		if (aid)
			id = dwarf_intern(d, cr_strtab_get(&d->alt->strs, aid));
		dwarf_dealloc_die(o);
	}
	dwarf_dwerr(d->alt, &er);
	bool found;
	if (!cr_hmap_put(&d->alt_names, &off, sizeof off, id + 1, &found))
		d->err = CR_NOMEM;
	return id;
}

/* llvm's getSubroutineName(LinkageName): linkage name, else name, through
 * abstract_origin and specification (chain capped, results cached). */
uint32_t dwarf_die_name(struct cr_dwarf *d, Dwarf_Die die, unsigned depth)
{
	uint32_t id;
	if (attr_string(d, die, DW_AT_linkage_name, &id) || attr_string(d, die, DW_AT_MIPS_linkage_name, &id) ||
	    attr_string(d, die, DW_AT_name, &id))
		return id;
	if (depth >= 64)
		return 0;
	Dwarf_Off off;
	bool alt, global;
	if (!dwarf_attr_ref(d, die, DW_AT_abstract_origin, &off, &alt, &global) &&
	    !dwarf_attr_ref(d, die, DW_AT_specification, &off, &alt, &global))
		return 0;
	if (alt)
		return alt_name(d, off, depth);
	if (global)
		return dwarf_ref_addr_name(d, off, depth);
	uint32_t *cached = cr_hmap_get(&d->origin_names, &off, sizeof off);
	if (cached)
		return *cached;
	Dwarf_Die o;
	Dwarf_Error er = NULL;
	if (dwarf_offdie_b(d->dbg, off, true, &o, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return 0;
	}
	/* insert a placeholder first: a cycle then ends at the cache */
	bool found;
	uint32_t *slot = cr_hmap_put(&d->origin_names, &off, sizeof off, 0, &found);
	id = dwarf_die_name(d, o, depth + 1);
	slot = cr_hmap_get(&d->origin_names, &off, sizeof off);
	if (slot)
		*slot = id;
	dwarf_dealloc_die(o);
	return id;
}

static void add_range(struct cr_dwarf *d, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return;
	if (cr_grow(&d->ranges, &d->capranges, d->nranges + 1, sizeof *d->ranges)) {
		d->err = CR_NOMEM;
		return;
	}
	d->ranges[d->nranges++] = (struct drange){ lo, hi };
}

bool dwarf_ranges_are_offsets(const uint8_t *abbrev, size_t len, uint64_t off)
{
	if (!abbrev || off >= len)
		return false;
	struct lcur c = { abbrev + off, abbrev + len };
	uint64_t code, tag, at, form, v;
	for (;;) {
		if (!dwarf_cur_uleb(&c, &code))
			return false;
		if (!code)
			return true;
		if (!dwarf_cur_uleb(&c, &tag) || !dwarf_cur_skip(&c, 1)) /* children */
			return false;
		do {
			if (!dwarf_cur_uleb(&c, &at) || !dwarf_cur_uleb(&c, &form))
				return false;
			if (form == DW_FORM_implicit_const && !dwarf_cur_uleb(&c, &v)) /* (sleb: same length) */
				return false;
			if (form == DW_FORM_indirect || (at == DW_AT_ranges && form != DW_FORM_sec_offset))
				return false;
		} while (at || form);
	}
}

/* An address of the unit's .debug_addr (DW_RLE_*x entries); false if
 * libdwarf cannot give it. */
static bool rle_addrx(struct cr_dwarf *d, Dwarf_Die die, uint64_t idx, uint64_t *addr)
{
	Dwarf_Error er = NULL;
	Dwarf_Addr a = 0;
	int rc = dwarf_debug_addr_index_to_addr(die, idx, &a, &er);
	dwarf_dwerr(d, &er);
	*addr = a;
	return rc == DW_DLV_OK;
}

/* The range list at off of d->rl (DWARF 5 .debug_rnglists) appended to
 * d->ranges, as libdwarf's cooked entries: offset pairs from base (the
 * unit's, then DW_RLE_base_address*), an entry whose address index cannot
 * be read left out; it ends at DW_RLE_end_of_list or at the first byte
 * that is not an entry. */
static void rle_ranges(struct cr_dwarf *d, Dwarf_Die die, uint64_t off, uint64_t base, uint64_t *entry)
{
	Dwarf_Error er = NULL;
	Dwarf_Half asz = 0;
	int rc = dwarf_get_die_address_size(die, &asz, &er);
	dwarf_dwerr(d, &er);
	if (rc != DW_DLV_OK || (asz != 4 && asz != 8) || off >= d->rllen)
		return;
	struct lcur c = { d->rl + off, d->rl + d->rllen };
	bool base_ok = true;
	while (c.p < c.end) {
		uint8_t kind = *c.p++;
		uint64_t x = 0, y = 0, lo = 0, hi = 0;
		bool ok = true;
		const uint8_t *at = c.p;
		switch (kind) {
		case DW_RLE_end_of_list:
			return;
		case DW_RLE_base_addressx:
			if (!dwarf_cur_uleb(&c, &x))
				return;
			base_ok = rle_addrx(d, die, x, &base);
			continue;
		case DW_RLE_startx_endx:
		case DW_RLE_startx_length:
			if (!dwarf_cur_uleb(&c, &x) || !dwarf_cur_uleb(&c, &y))
				return;
			ok = rle_addrx(d, die, x, &lo) && (kind == DW_RLE_startx_length || rle_addrx(d, die, y, &hi));
			if (kind == DW_RLE_startx_length)
				hi = lo + y;
			break;
		case DW_RLE_offset_pair:
			if (!dwarf_cur_uleb(&c, &x) || !dwarf_cur_uleb(&c, &y))
				return;
			ok = base_ok;
			lo = base + x;
			hi = base + y;
			break;
		case DW_RLE_base_address:
		case DW_RLE_start_end:
		case DW_RLE_start_length:
			if (!dwarf_cur_skip(&c, asz))
				return;
			lo = asz == 8 ? cr_binary_u64(d->bin, at) : cr_binary_u32(d->bin, at);
			if (kind == DW_RLE_base_address) {
				base = lo;
				base_ok = true;
				continue;
			}
			at = c.p;
			if (kind == DW_RLE_start_length ? !dwarf_cur_uleb(&c, &y) : !dwarf_cur_skip(&c, asz))
				return;
			hi = kind == DW_RLE_start_length ? lo + y : asz == 8 ? cr_binary_u64(d->bin, at) : cr_binary_u32(d->bin, at);
			break;
		default:
			return;
		}
		if (!ok)
			continue;
		if (!*entry)
			*entry = lo;
		add_range(d, lo, hi);
	}
}

/* Ranges of a DIE: low_pc/high_pc or DW_AT_ranges (DWARF 2-4 .debug_ranges,
 * DWARF 5 .debug_rnglists). cu_base is the unit's base address. */
void dwarf_die_ranges(struct cr_dwarf *d, Dwarf_Die die, uint64_t cu_base, Dwarf_Half version, uint64_t *entry)
{
	Dwarf_Error er = NULL;
	Dwarf_Addr lo, hi;
	Dwarf_Half form;
	enum Dwarf_Form_Class cls;
	*entry = 0;
	if (dwarf_lowpc(die, &lo, &er) == DW_DLV_OK) {
		*entry = lo;
		if (dwarf_highpc_b(die, &hi, &form, &cls, &er) == DW_DLV_OK) {
			if (cls == DW_FORM_CLASS_CONSTANT)
				hi = lo + hi;
			add_range(d, lo, hi);
			return;
		}
		dwarf_dwerr(d, &er);
	}
	dwarf_dwerr(d, &er);
	Dwarf_Attribute a;
	if (dwarf_attr(die, DW_AT_ranges, &a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return;
	}
	Dwarf_Half fm = 0;
	dwarf_whatform(a, &fm, &er);
	dwarf_dwerr(d, &er);
	if (version >= 5 && d->rl && fm == DW_FORM_sec_offset) {
		Dwarf_Unsigned val = 0;
		if (dwarf_global_formref(a, &val, &er) == DW_DLV_OK)
			rle_ranges(d, die, val, cu_base, entry);
		dwarf_dwerr(d, &er);
	} else if (version >= 5) {
		Dwarf_Unsigned val = 0;
		if (fm == DW_FORM_rnglistx)
			dwarf_formudata(a, &val, &er);
		else
			dwarf_global_formref(a, &val, &er);
		dwarf_dwerr(d, &er);
		Dwarf_Rnglists_Head head;
		Dwarf_Unsigned cnt = 0, goff;
		if (dwarf_rnglists_get_rle_head(a, fm, val, &head, &cnt, &goff, &er) == DW_DLV_OK) {
			for (Dwarf_Unsigned i = 0; i < cnt; i++) {
				unsigned elen, code;
				Dwarf_Unsigned r1, r2, c1, c2;
				Dwarf_Bool noaddr = 0;
				if (dwarf_get_rnglists_entry_fields_a(head, i, &elen, &code, &r1, &r2, &noaddr, &c1, &c2,
								      &er) != DW_DLV_OK) {
					dwarf_dwerr(d, &er);
					break;
				}
				if (noaddr)
					continue;
				if (code == DW_RLE_offset_pair || code == DW_RLE_startx_endx ||
				    code == DW_RLE_startx_length || code == DW_RLE_start_end ||
				    code == DW_RLE_start_length) {
					if (!*entry)
						*entry = c1;
					add_range(d, c1, c2);
				}
			}
			dwarf_dealloc_rnglists_head(head);
		}
		dwarf_dwerr(d, &er);
	} else {
		Dwarf_Off off = 0;
		if (dwarf_global_formref(a, &off, &er) == DW_DLV_OK) {
			Dwarf_Ranges *rs;
			Dwarf_Signed n;
			Dwarf_Unsigned bytes;
			Dwarf_Off real;
			if (dwarf_get_ranges_b(d->dbg, off, die, &real, &rs, &n, &bytes, &er) == DW_DLV_OK) {
				uint64_t base = cu_base;
				for (Dwarf_Signed i = 0; i < n; i++) {
					if (rs[i].dwr_type == DW_RANGES_END)
						break;
					if (rs[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
						base = rs[i].dwr_addr2;
						continue;
					}
					uint64_t l = base + rs[i].dwr_addr1, h = base + rs[i].dwr_addr2;
					if (!*entry)
						*entry = l;
					add_range(d, l, h);
				}
				dwarf_ranges_dealloc(d->dbg, rs, n);
			}
		}
		dwarf_dwerr(d, &er);
	}
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
}

/* The sibling of die (freed); NULL at the end of its chain, or when the
 * sibling does not lie after it (d->tree_bad set). */
static Dwarf_Die next_sibling(struct cr_dwarf *d, Dwarf_Die die)
{
	Dwarf_Error er = NULL;
	Dwarf_Die next = NULL;
	Dwarf_Off o1 = 0, o2 = 0;
	dwarf_dieoffset(die, &o1, &er);
	dwarf_dwerr(d, &er);
	int rc = dwarf_siblingof_b(d->dbg, die, true, &next, &er);
	dwarf_dwerr(d, &er);
	dwarf_dealloc_die(die);
	if (rc != DW_DLV_OK)
		return NULL;
	dwarf_dieoffset(next, &o2, &er);
	dwarf_dwerr(d, &er);
	if (o2 <= o1) {
		dwarf_dealloc_die(next);
		d->tree_bad = "a DW_AT_sibling in it does not point forward";
		return NULL;
	}
	return next;
}

/* Whether the tree below parent may be entered at depth; if not, the
 * rest of the unit is not read (d->tree_bad). */
static bool tree_enter(struct cr_dwarf *d, unsigned depth)
{
	if (d->err || d->tree_bad)
		return false;
	if (depth >= (cr_limits.max_depth ? cr_limits.max_depth : 256)) {
		d->tree_bad = "its DIEs nest deeper than the depth limit";
		return false;
	}
	return true;
}

/* One DIE more visited; false (d->tree_bad) past one per byte of the
 * section, which a tree read once cannot need. */
static bool tree_visit(struct cr_dwarf *d)
{
	if (d->err || d->tree_bad)
		return false;
	if (d->die_budget == 0) {
		d->tree_bad = "it has more DIEs than bytes";
		return false;
	}
	d->die_budget--;
	return true;
}

/* Whether libdwarf, asked for die's sibling, would step through die's
 * children: it has some and no DW_AT_sibling. */
static bool steps_through(struct cr_dwarf *d, Dwarf_Die die)
{
	Dwarf_Error er = NULL;
	Dwarf_Half kids = 0;
	Dwarf_Bool sib = 0;
	if (dwarf_die_abbrev_children_flag(die, &kids) != DW_DLV_OK || !kids)
		return false;
	if (dwarf_hasattr(die, DW_AT_sibling, &sib, &er) != DW_DLV_OK)
		sib = 0;
	dwarf_dwerr(d, &er);
	return !sib;
}

/* The first child of parent at depth, once the depth is allowed: false
 * when there is none (or libdwarf failed, recorded in d). */
static void walk_check(struct cr_dwarf *d, Dwarf_Die parent, unsigned depth);

static bool first_child(struct cr_dwarf *d, Dwarf_Die parent, unsigned depth, Dwarf_Die *child)
{
	Dwarf_Error er = NULL;
	if (!tree_enter(d, depth))
		return false;
	if (dwarf_child(parent, child, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return false;
	}
	return true;
}

/* The children of parent visited only to check them. libdwarf 20210528,
 * stepping through a DIE's children to its sibling, follows their
 * DW_AT_sibling and refuses one pointing back, but not one pointing at its
 * own DIE: it then loops for ever. So before a sibling is asked of a DIE
 * whose children libdwarf steps through, each of them has been seen to
 * have its sibling after it (next_sibling), down to the leaves. */
static void walk_check(struct cr_dwarf *d, Dwarf_Die parent, unsigned depth)
{
	Dwarf_Die child;
	if (!first_child(d, parent, depth, &child))
		return;
	while (child) {
		if (!tree_visit(d)) {
			dwarf_dealloc_die(child);
			return;
		}
		child = dwarf_sibling_checked(d, child, depth);
	}
}

Dwarf_Die dwarf_sibling_checked(struct cr_dwarf *d, Dwarf_Die die, unsigned depth)
{
	if (steps_through(d, die))
		walk_check(d, die, depth + 1);
	if (d->err || d->tree_bad) {
		dwarf_dealloc_die(die);
		return NULL;
	}
	return next_sibling(d, die);
}

/* Walk the children of die (not die itself) at depth, adding scopes. Each
 * DIE whose sibling is asked has had its children walked or checked first
 * (walk_check); the walk stops at the first fault (d->tree_bad). */
static void walk(struct cr_dwarf *d, Dwarf_Die parent, unsigned depth, const struct cufiles *cf,
		 uint64_t cu_base, Dwarf_Half version, bool in_scope, bool in_func)
{
	Dwarf_Error er = NULL;
	Dwarf_Die child;
	if (!first_child(d, parent, depth, &child))
		return;
	while (child) {
		if (!tree_visit(d)) {
			dwarf_dealloc_die(child);
			return;
		}
		Dwarf_Half tag = 0;
		dwarf_tag(child, &tag, &er);
		dwarf_dwerr(d, &er);
		bool sub = tag == DW_TAG_subprogram, inl = tag == DW_TAG_inlined_subroutine;
		if ((sub || inl) && !d->err) {
			size_t r0 = d->nranges;
			uint64_t entry;
			uint32_t func = d->cur_func;
			dwarf_die_ranges(d, child, cu_base, version, &entry);
			if (sub)
				d->cur_func = 0; /* its call sites are kept only if it has code */
			if (d->nranges > r0 || (inl && in_scope)) {
				if (cr_grow(&d->nodes, &d->capnodes, d->nnodes + 1, sizeof *d->nodes)) {
					d->err = CR_NOMEM;
				} else {
					size_t me = d->nnodes++;
					struct dnode *nd = &d->nodes[me];
					memset(nd, 0, sizeof *nd);
					nd->name = dwarf_die_name(d, child, 0);
					nd = &d->nodes[me];
					nd->range0 = (uint32_t)r0;
					nd->nranges = (uint32_t)(d->nranges - r0);
					nd->entry = entry;
					nd->inlined = inl;
					if (sub) {
						nd->all_calls = dwarf_all_calls(d, child);
						d->cur_func = (uint32_t)me + 1;
					}
					Dwarf_Unsigned v;
					if (inl && dwarf_attr_udata(d, child, DW_AT_call_file, &v))
						nd->call_file = file_id(cf, v);
					if (inl && dwarf_attr_udata(d, child, DW_AT_call_line, &v))
						nd->call_line = v > UINT32_MAX ? 0 : (uint32_t)v;
					if (inl && dwarf_attr_udata(d, child, DW_AT_call_column, &v))
						nd->call_col = v > UINT32_MAX ? 0 : (uint32_t)v;
					if (!in_scope)
						for (size_t k = r0; k < d->nranges; k++) {
							if (cr_grow(&d->tops, &d->captops, d->ntops + 1, sizeof *d->tops)) {
								d->err = CR_NOMEM;
								break;
							}
							d->tops[d->ntops++] = (struct dtop){ d->ranges[k].lo, d->ranges[k].hi,
											     (uint32_t)me };
						}
					walk(d, child, depth + 1, cf, cu_base, version, true, true);
					d->nodes[me].subtree_end = (uint32_t)d->nnodes;
				}
			} else
				walk(d, child, depth + 1, cf, cu_base, version, in_scope, true);
			d->cur_func = func;
		} else if (tag == DW_TAG_lexical_block || tag == DW_TAG_namespace || tag == DW_TAG_module ||
			   tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
			   (in_func && (tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
					tag == DW_TAG_union_type))) {
			/* a class outside functions declares its member
			 * functions, defined outside it (DW_AT_specification);
			 * a local one's (a lambda's) are defined in it */
			walk(d, child, depth + 1, cf, cu_base, version, in_scope, in_func);
		} else {
			if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site)
				dwarf_call_site(d, child, cu_base, version);
			if (steps_through(d, child))
				walk_check(d, child, depth + 1);
		}
		if (d->err || d->tree_bad) {
			dwarf_dealloc_die(child);
			return;
		}
		child = next_sibling(d, child);
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct drow *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->end != y->end)
		return x->end ? -1 : 1; /* a sequence's end before the next one's start */
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int top_cmp(const void *a, const void *b)
{
	const struct dtop *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

void dwarf_index_unit(struct cr_dwarf *d, struct dunit *u, Dwarf_Die cu)
{
	Dwarf_Error er = NULL;
	struct cufiles cf = { 0 };
	size_t row0 = d->nrows, top0 = d->ntops;
	u->indexed = true;
	load_lines(d, cu, &cf, u->version);
	Dwarf_Addr base = 0;
	if (dwarf_lowpc(cu, &base, &er) != DW_DLV_OK)
		base = 0;
	dwarf_dwerr(d, &er);
	d->tree_bad = NULL;
	size_t site0 = d->nsites;
	dwarf_calls_unit(d, cu);
	walk(d, cu, 0, &cf, base, u->version, false, false);
	if (d->tree_bad) /* what was read before the fault is kept */
		dwarf_skip(d, u->hdr, d->tree_bad);
	d->tree_bad = NULL;
	cr_free(cf.ids);
	if (d->nrows - row0 > UINT32_MAX || d->ntops - top0 > UINT32_MAX || d->nrows > UINT32_MAX ||
	    d->ntops > UINT32_MAX || d->nsites > UINT32_MAX) {
		d->err = CR_LIMIT;
		return;
	}
	u->row0 = (uint32_t)row0;
	u->nrows = (uint32_t)(d->nrows - row0);
	u->top0 = (uint32_t)top0;
	u->ntops = (uint32_t)(d->ntops - top0);
	u->site0 = (uint32_t)site0;
	u->nsites = (uint32_t)(d->nsites - site0);
	dwarf_sort_sites(d, u);
	if (u->nrows)
		qsort(d->rows + row0, u->nrows, sizeof *d->rows, row_cmp);
	if (u->ntops)
		qsort(d->tops + top0, u->ntops, sizeof *d->tops, top_cmp);
}
