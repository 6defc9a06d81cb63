/* DWARF via libdwarf, indexed once.
 *
 * libdwarf 20210528 is handed the sections through its object-access
 * interface (dwarf_object_init_b) rather than its own ELF reader: sections
 * come from struct cr_binary, already validated and inflated under our caps
 * (SHF_COMPRESSED and .zdebug_*), and only the sections symbolization needs
 * are shown to it (Go's compressed .debug_loc/.debug_frame are never
 * inflated).
 *
 * One pass over every unit copies what lookups need into our own arrays
 * (names interned): line rows sorted by address, and the tree of
 * DW_TAG_subprogram / DW_TAG_inlined_subroutine scopes with their address
 * ranges in DFS order, so that a lookup is a binary search plus a walk down
 * one subtree. libdwarf is finished right after, so its memory is freed.
 * .debug_aranges is never used (Go writes none).
 */
#include "coroner/sym.h"
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <stdlib.h>
#include <string.h>

struct drow {
	uint64_t addr;
	uint32_t line, col, file; /* file: strtab id */
	uint32_t ord;             /* input order, for a stable sort */
	bool end;
};

struct dnode {
	uint32_t name;            /* strtab id; 0 = unknown */
	uint32_t call_file, call_line, call_col;
	uint32_t range0, nranges; /* into ranges[] */
	uint32_t subtree_end;     /* index after the last descendant */
	uint64_t entry;
	bool inlined;
};

struct drange { uint64_t lo, hi; };
struct dtop { uint64_t lo, hi; uint32_t node; };

struct cr_dwarf {
	struct cr_binary *bin;
	struct cr_strtab strs;
	struct drow *rows;
	size_t nrows, caprows;
	struct dnode *nodes;
	size_t nnodes, capnodes;
	struct drange *ranges;
	size_t nranges, capranges;
	struct dtop *tops;
	size_t ntops, captops;
	size_t skipped;
	/* indexing state */
	Dwarf_Debug dbg;
	struct cr_hmap origin_names; /* DIE offset -> name id + 1 */
	size_t die_budget;
	enum cr_err err;
	struct cr_error *e;
};

/* ---------------------------------------------------------- object access */

static bool wanted_section(const char *name)
{
	static const char *const want[] = {
		"info", "abbrev", "line", "str", "line_str", "ranges", "rnglists", "addr",
		"str_offsets",
	};
	const char *tail;
	if (strncmp(name, ".debug_", 7) == 0)
		tail = name + 7;
	else if (strncmp(name, ".zdebug_", 8) == 0)
		tail = name + 8;
	else
		return false;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strcmp(tail, want[i]) == 0)
			return true;
	return false;
}

struct oa {
	struct cr_dwarf *d;
	char names[64][24];
};

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
	if (idx == 0 || !wanted_section(s->name) || s->type == CR_SHT_NOBITS)
		return DW_DLV_OK;
	const uint8_t *data;
	size_t len;
	struct cr_error e2 = { 0 };
	enum cr_err rc = cr_binary_section_data(b, s, &data, &len, d->e ? d->e : &e2);
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
	if (!wanted_section(s->name) || s->type == CR_SHT_NOBITS)
		return DW_DLV_NO_ENTRY;
	const uint8_t *p;
	size_t len;
	if (cr_binary_section_data(b, s, &p, &len, NULL) || !p) {
		*err = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
		return DW_DLV_ERROR;
	}
	*data = (Dwarf_Small *)(uintptr_t)p; /* libdwarf only reads it */
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods oa_methods = {
	oa_section_info, oa_order, oa_lensize, oa_ptrsize, oa_count, oa_load, NULL,
};

/* ---------------------------------------------------------- indexing */

static void dwerr(struct cr_dwarf *d, Dwarf_Error *er)
{
	if (*er) {
		dwarf_dealloc(d->dbg, *er, DW_DLA_ERROR);
		*er = NULL;
	}
}

static uint32_t intern(struct cr_dwarf *d, const char *s)
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

static enum cr_err load_lines(struct cr_dwarf *d, Dwarf_Die cu, struct cufiles *cf, Dwarf_Half version)
{
	Dwarf_Error er = NULL;
	char **files = NULL;
	Dwarf_Signed nfiles = 0;
	cf->base = version >= 5 ? 0 : 1;
	Dwarf_Attribute pa;
	char *prod;
	if (dwarf_attr(cu, DW_AT_producer, &pa, &er) == DW_DLV_OK) {
		if (dwarf_formstring(pa, &prod, &er) == DW_DLV_OK)
			cf->gnu = strncmp(prod, "GNU ", 4) == 0;
		dwerr(d, &er);
		dwarf_dealloc(d->dbg, pa, DW_DLA_ATTR);
	}
	dwerr(d, &er);
	if (dwarf_srcfiles(cu, &files, &nfiles, &er) == DW_DLV_OK) {
		if (nfiles > 0) {
			cf->ids = cr_calloc((size_t)nfiles, sizeof *cf->ids);
			if (!cf->ids)
				d->err = CR_NOMEM;
			else
				cf->n = nfiles;
		}
		for (Dwarf_Signed i = 0; i < nfiles; i++) {
			if (cf->ids)
				cf->ids[i] = intern(d, files[i]);
			dwarf_dealloc(d->dbg, files[i], DW_DLA_STRING);
		}
		dwarf_dealloc(d->dbg, files, DW_DLA_LIST);
	}
	dwerr(d, &er);
	Dwarf_Unsigned lver;
	Dwarf_Small tcount;
	Dwarf_Line_Context ctx;
	if (dwarf_srclines_b(cu, &lver, &tcount, &ctx, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return CR_OK; /* a unit without a line table */
	}
	Dwarf_Signed bi, cnt, ei;
	if (dwarf_srclines_files_indexes(ctx, &bi, &cnt, &ei, &er) == DW_DLV_OK)
		cf->base = bi;
	dwerr(d, &er);
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
				dwerr(d, &er);
				continue;
			}
			dwarf_lineno(lines[i], &ln, &er);
			dwerr(d, &er);
			dwarf_lineoff_b(lines[i], &col, &er);
			dwerr(d, &er);
			dwarf_line_srcfileno(lines[i], &fno, &er);
			dwerr(d, &er);
			dwarf_lineendsequence(lines[i], &end, &er);
			dwerr(d, &er);
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
			r->ord = (uint32_t)d->nrows;
			d->nrows++;
			if (end)
				seq0 = d->nrows;
		}
	}
	dwerr(d, &er);
	dwarf_srclines_dealloc_b(ctx);
	return CR_OK;
}

static bool attr_udata(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return false;
	}
	int rc = dwarf_formudata(a, v, &er);
	dwerr(d, &er);
	if (rc != DW_DLV_OK) {
		/* DW_FORM_implicit_const (gcc's DWARF 5 call_file) is only
		 * answered as signed data by this libdwarf */
		Dwarf_Signed sv;
		rc = dwarf_formsdata(a, &sv, &er);
		dwerr(d, &er);
		if (rc == DW_DLV_OK && sv >= 0)
			*v = (Dwarf_Unsigned)sv;
		else
			rc = DW_DLV_ERROR;
	}
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	return rc == DW_DLV_OK;
}

static bool attr_string(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint32_t *id)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	char *s;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return false;
	}
	int rc = dwarf_formstring(a, &s, &er);
	dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	if (rc != DW_DLV_OK)
		return false;
	*id = intern(d, s);
	return true;
}

static bool attr_ref(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return false;
	}
	int rc = dwarf_global_formref(a, off, &er);
	dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	return rc == DW_DLV_OK;
}

/* llvm's getSubroutineName(LinkageName): linkage name, else name, through
 * abstract_origin and specification (chain capped, results cached). */
static uint32_t die_name(struct cr_dwarf *d, Dwarf_Die die, unsigned depth)
{
	uint32_t id;
	if (attr_string(d, die, DW_AT_linkage_name, &id) || attr_string(d, die, DW_AT_MIPS_linkage_name, &id) ||
	    attr_string(d, die, DW_AT_name, &id))
		return id;
	if (depth >= 64)
		return 0;
	Dwarf_Off off;
	if (!attr_ref(d, die, DW_AT_abstract_origin, &off) && !attr_ref(d, die, DW_AT_specification, &off))
		return 0;
	uint32_t *cached = cr_hmap_get(&d->origin_names, &off, sizeof off);
	if (cached)
		return *cached;
	Dwarf_Die o;
	Dwarf_Error er = NULL;
	if (dwarf_offdie_b(d->dbg, off, true, &o, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return 0;
	}
	/* insert a placeholder first: a cycle then ends at the cache */
	bool found;
	uint32_t *slot = cr_hmap_put(&d->origin_names, &off, sizeof off, 0, &found);
	id = die_name(d, o, depth + 1);
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

/* Ranges of a DIE: low_pc/high_pc or DW_AT_ranges (DWARF 2-4 .debug_ranges,
 * DWARF 5 .debug_rnglists). cu_base is the unit's base address. */
static void die_ranges(struct cr_dwarf *d, Dwarf_Die die, uint64_t cu_base, Dwarf_Half version,
		       uint64_t *entry)
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
		dwerr(d, &er);
	}
	dwerr(d, &er);
	Dwarf_Attribute a;
	if (dwarf_attr(die, DW_AT_ranges, &a, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return;
	}
	Dwarf_Half fm = 0;
	dwarf_whatform(a, &fm, &er);
	dwerr(d, &er);
	if (version >= 5) {
		Dwarf_Unsigned val = 0;
		if (fm == DW_FORM_rnglistx)
			dwarf_formudata(a, &val, &er);
		else
			dwarf_global_formref(a, &val, &er);
		dwerr(d, &er);
		Dwarf_Rnglists_Head head;
		Dwarf_Unsigned cnt = 0, goff;
		if (dwarf_rnglists_get_rle_head(a, fm, val, &head, &cnt, &goff, &er) == DW_DLV_OK) {
			for (Dwarf_Unsigned i = 0; i < cnt; i++) {
				unsigned elen, code;
				Dwarf_Unsigned r1, r2, c1, c2;
				Dwarf_Bool noaddr = 0;
				if (dwarf_get_rnglists_entry_fields_a(head, i, &elen, &code, &r1, &r2, &noaddr, &c1, &c2,
								      &er) != DW_DLV_OK) {
					dwerr(d, &er);
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
		dwerr(d, &er);
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
		dwerr(d, &er);
	}
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
}

/* Walk the children of die (not die itself) at depth, adding scopes. */
static void walk(struct cr_dwarf *d, Dwarf_Die parent, unsigned depth, const struct cufiles *cf,
		 uint64_t cu_base, Dwarf_Half version, bool in_scope)
{
	Dwarf_Error er = NULL;
	Dwarf_Die child;
	if (depth >= (cr_limits.max_depth ? cr_limits.max_depth : 256) || d->err)
		return;
	if (dwarf_child(parent, &child, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return;
	}
	while (child) {
		if (d->die_budget == 0 || d->err) {
			dwarf_dealloc_die(child);
			return;
		}
		d->die_budget--;
		Dwarf_Half tag = 0;
		dwarf_tag(child, &tag, &er);
		dwerr(d, &er);
		bool sub = tag == DW_TAG_subprogram, inl = tag == DW_TAG_inlined_subroutine;
		if ((sub || inl) && !d->err) {
			size_t r0 = d->nranges;
			uint64_t entry;
			die_ranges(d, child, cu_base, version, &entry);
			if (d->nranges > r0 || (inl && in_scope)) {
				if (cr_grow(&d->nodes, &d->capnodes, d->nnodes + 1, sizeof *d->nodes)) {
					d->err = CR_NOMEM;
				} else {
					size_t me = d->nnodes++;
					struct dnode *nd = &d->nodes[me];
					memset(nd, 0, sizeof *nd);
					nd->name = die_name(d, child, 0);
					nd = &d->nodes[me];
					nd->range0 = (uint32_t)r0;
					nd->nranges = (uint32_t)(d->nranges - r0);
					nd->entry = entry;
					nd->inlined = inl;
					Dwarf_Unsigned v;
					if (inl && attr_udata(d, child, DW_AT_call_file, &v))
						nd->call_file = file_id(cf, v);
					if (inl && attr_udata(d, child, DW_AT_call_line, &v))
						nd->call_line = v > UINT32_MAX ? 0 : (uint32_t)v;
					if (inl && attr_udata(d, child, DW_AT_call_column, &v))
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
					walk(d, child, depth + 1, cf, cu_base, version, true);
					d->nodes[me].subtree_end = (uint32_t)d->nnodes;
				}
			} else
				walk(d, child, depth + 1, cf, cu_base, version, in_scope);
		} else if (tag == DW_TAG_lexical_block || tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
			   tag == DW_TAG_structure_type || tag == DW_TAG_module || tag == DW_TAG_union_type ||
			   tag == DW_TAG_try_block || tag == DW_TAG_catch_block) {
			walk(d, child, depth + 1, cf, cu_base, version, in_scope);
		}
		Dwarf_Die next = NULL;
		Dwarf_Off o1 = 0, o2 = 0;
		dwarf_dieoffset(child, &o1, &er);
		dwerr(d, &er);
		int rc = dwarf_siblingof_b(d->dbg, child, true, &next, &er);
		dwerr(d, &er);
		dwarf_dealloc_die(child);
		if (rc != DW_DLV_OK)
			break;
		dwarf_dieoffset(next, &o2, &er);
		dwerr(d, &er);
		if (o2 <= o1) { /* a sibling pointing backwards: a cycle */
			dwarf_dealloc_die(next);
			d->skipped++;
			break;
		}
		child = next;
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

void cr_dwarf_close(struct cr_dwarf *d)
{
	if (!d)
		return;
	cr_strtab_release(&d->strs);
	cr_hmap_release(&d->origin_names);
	cr_free(d->rows);
	cr_free(d->nodes);
	cr_free(d->ranges);
	cr_free(d->tops);
	cr_free(d);
}

size_t cr_dwarf_skipped_units(const struct cr_dwarf *d)
{
	return d->skipped;
}

/* DWARF 5 unit tables (.debug_rnglists, .debug_addr, .debug_str_offsets)
 * are checked before libdwarf sees them: this libdwarf frees twice on a
 * malformed .debug_rnglists header (found by fuzz-dwarf). Units must tile
 * the section; each header must fit its unit; rnglists' offset table too. */
static enum cr_err check_units(struct cr_binary *b, const char *name, struct cr_error *e)
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
struct lcur { const uint8_t *p, *end; };

static bool l_u8(struct lcur *c, uint64_t *v)
{
	if (c->p >= c->end)
		return false;
	*v = *c->p++;
	return true;
}

static bool l_uleb(struct lcur *c, uint64_t *v)
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

static bool l_skip(struct lcur *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n)
		return false;
	c->p += n;
	return true;
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
		case 0x0f: if (!l_uleb(c, &v)) return false; break;          /* udata */
		case 0x0b: if (!l_u8(c, &v)) return false; break;             /* data1 */
		case 0x05: if ((uint64_t)(c->end - c->p) < 2) return false;  /* data2 */
			v = cr_binary_u16(b, c->p); c->p += 2; break;
		case 0x06: if ((uint64_t)(c->end - c->p) < 4) return false;  /* data4 */
			v = cr_binary_u32(b, c->p); c->p += 4; break;
		case 0x07: if (!l_skip(c, 8)) return false; break;            /* data8 */
		case 0x1e: if (!l_skip(c, 16)) return false; break;           /* data16 */
		case 0x09: if (!l_uleb(c, &v) || !l_skip(c, v)) return false; /* block */
			break;
		default:
			return false;
		}
		if (fmt[i][0] == 2 /* DW_LNCT_directory_index */)
			*dir = v;
	}
	return true;
}

static enum cr_err check_line_headers(struct cr_binary *b, struct cr_error *e)
{
	struct cr_elf_section *s = cr_binary_debug_section(b, ".debug_line");
	if (!s || s->type == CR_SHT_NOBITS)
		return CR_OK;
	const uint8_t *d, *str = NULL, *lstr = NULL;
	size_t len, strl = 0, lstrl = 0;
	enum cr_err rc = cr_binary_section_data(b, s, &d, &len, e);
	if (rc)
		return rc;
	struct cr_elf_section *ss = cr_binary_debug_section(b, ".debug_str");
	if (ss && (rc = cr_binary_section_data(b, ss, &str, &strl, e)))
		return rc;
	ss = cr_binary_debug_section(b, ".debug_line_str");
	if (ss && (rc = cr_binary_section_data(b, ss, &lstr, &lstrl, e)))
		return rc;
	size_t off = 0;
	while (off < len) {
		size_t at = off;
		struct lcur c = { d + off, d + len };
		uint64_t ul, ver, hl, v;
		unsigned osz = 4;
		if (len - off < 4)
			goto bad;
		ul = cr_binary_u32(b, c.p);
		c.p += 4;
		if (ul == 0xffffffff) {
			if ((size_t)(c.end - c.p) < 8)
				goto bad;
			ul = cr_binary_u64(b, c.p);
			c.p += 8;
			osz = 8;
		} else if (ul >= 0xfffffff0)
			goto bad;
		if (ul > (uint64_t)(c.end - c.p) || ul < 2)
			goto bad;
		const uint8_t *unit_end = c.p + ul;
		c.end = unit_end;
		ver = cr_binary_u16(b, c.p);
		c.p += 2;
		if (ver < 2 || ver > 5)
			goto bad;
		if (ver >= 5 && !l_skip(&c, 2)) /* address_size, seg_sel_size */
			goto bad;
		if ((size_t)(c.end - c.p) < osz)
			goto bad;
		hl = osz == 8 ? cr_binary_u64(b, c.p) : cr_binary_u32(b, c.p);
		c.p += osz;
		if (hl > (uint64_t)(c.end - c.p))
			goto bad;
		c.end = c.p + hl; /* the header */
		uint64_t opbase, lrange;
		if (!l_skip(&c, ver >= 4 ? 4 : 3) || !l_u8(&c, &lrange) || !l_u8(&c, &opbase) ||
		    lrange == 0 || opbase == 0 || !l_skip(&c, opbase - 1))
			goto bad;
		/* bytes before line_base: min_inst (+ max_ops), default_is_stmt, line_base */
		if (ver < 5) {
			uint64_t ndirs = 0;
			for (;;) {
				if (c.p >= c.end)
					goto bad;
				if (*c.p == 0) {
					c.p++;
					break;
				}
				if (!l_cstr(&c))
					goto bad;
				ndirs++;
			}
			for (;;) {
				if (c.p >= c.end)
					goto bad;
				if (*c.p == 0) {
					c.p++;
					break;
				}
				uint64_t dir;
				if (!l_cstr(&c) || !l_uleb(&c, &dir) || !l_uleb(&c, &v) || !l_uleb(&c, &v) || dir > ndirs)
					goto bad;
			}
		} else {
			uint64_t fmt[2][256][2], nf[2], count[2] = { 0, 0 };
			for (int t = 0; t < 2; t++) {
				if (!l_u8(&c, &nf[t]))
					goto bad;
				for (uint64_t i = 0; i < nf[t]; i++)
					if (!l_uleb(&c, &fmt[t][i][0]) || !l_uleb(&c, &fmt[t][i][1]))
						goto bad;
				if (!l_uleb(&c, &count[t]) || count[t] > (uint64_t)(c.end - c.p))
					goto bad;
				for (uint64_t i = 0; i < count[t]; i++) {
					uint64_t dir;
					if (!l_entry(b, &c, (const uint64_t (*)[2])fmt[t], nf[t], osz, str, strl, lstr, lstrl, &dir))
						goto bad;
					if (t == 1 && dir >= count[0])
						goto bad;
				}
				if (count[t] && nf[t] == 0)
					goto bad;
			}
		}
		off = (size_t)(unit_end - d);
		if (off <= at)
			goto bad;
	}
	return CR_OK;
bad:
	return cr_fail(e, CR_FORMAT, "%s: DWARF: .debug_line: offset 0x%zx: malformed unit header", b->path, off);
}

enum cr_err cr_dwarf_open(struct cr_binary *b, struct cr_dwarf **out, struct cr_error *e)
{
	*out = NULL;
	struct cr_elf_section *info = cr_binary_debug_section(b, ".debug_info");
	if (!info || info->type == CR_SHT_NOBITS)
		return cr_fail(e, CR_NOTFOUND, "%s: no DWARF", b->path);
	/* .debug_info first: its errors (caps, corrupt streams) are the ones
	 * to report */
	{
		const uint8_t *id;
		size_t il;
		enum cr_err irc = cr_binary_section_data(b, info, &id, &il, e);
		if (irc)
			return irc;
	}
	static const char *const unit_tables[] = { ".debug_rnglists", ".debug_addr", ".debug_str_offsets" };
	for (size_t i = 0; i < sizeof unit_tables / sizeof unit_tables[0]; i++) {
		enum cr_err rc = check_units(b, unit_tables[i], e);
		if (rc)
			return rc;
	}
	enum cr_err lrc = check_line_headers(b, e);
	if (lrc)
		return lrc;
	struct cr_dwarf *d = cr_calloc(1, sizeof *d);
	if (!d)
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	d->bin = b;
	d->e = e;
	cr_hmap_init(&d->origin_names);
	enum cr_err rc = cr_strtab_init(&d->strs);
	if (rc) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	/* inflate .debug_info first so its errors are ours, not libdwarf's */
	const uint8_t *idata;
	size_t ilen;
	rc = cr_binary_section_data(b, info, &idata, &ilen, e);
	if (rc) {
		cr_dwarf_close(d);
		return rc;
	}
	d->die_budget = ilen + 1; /* a DIE takes at least one byte */
	struct oa *oa = cr_calloc(1, sizeof *oa);
	if (!oa) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	oa->d = d;
	Dwarf_Obj_Access_Interface iface = { oa, &oa_methods };
	Dwarf_Error er = NULL;
	int drc = dwarf_object_init_b(&iface, NULL, NULL, DW_GROUPNUMBER_ANY, &d->dbg, &er);
	if (drc != DW_DLV_OK) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", drc == DW_DLV_ERROR && er ? dwarf_errmsg(er) : "no DWARF");
		if (er)
			dwarf_dealloc(NULL, er, DW_DLA_ERROR);
		cr_free(oa);
		enum cr_err code = d->err ? d->err : drc == DW_DLV_NO_ENTRY ? CR_NOTFOUND : CR_LIBDWARF;
		cr_dwarf_close(d);
		return cr_fail(e, code, "%s: DWARF: %s", b->path, msg);
	}
	size_t units = 0;
	for (;;) {
		Dwarf_Unsigned hlen, tyoff, next;
		Dwarf_Half ver, asz, lsz, esz, cutype;
		Dwarf_Off aoff;
		Dwarf_Sig8 sig;
		int r = dwarf_next_cu_header_d(d->dbg, true, &hlen, &ver, &aoff, &asz, &lsz, &esz, &sig, &tyoff,
					       &next, &cutype, &er);
		if (r == DW_DLV_NO_ENTRY)
			break;
		if (r != DW_DLV_OK) {
			/* libdwarf cannot step past a broken unit header */
			dwerr(d, &er);
			d->skipped++;
			break;
		}
		Dwarf_Die cu;
		if (dwarf_siblingof_b(d->dbg, NULL, true, &cu, &er) != DW_DLV_OK) {
			dwerr(d, &er);
			d->skipped++;
			continue;
		}
		units++;
		struct cufiles cf = { 0 };
		load_lines(d, cu, &cf, ver);
		Dwarf_Addr base = 0;
		if (dwarf_lowpc(cu, &base, &er) != DW_DLV_OK)
			base = 0;
		dwerr(d, &er);
		walk(d, cu, 0, &cf, base, ver, false);
		cr_free(cf.ids);
		dwarf_dealloc_die(cu);
		if (d->err)
			break;
	}
	dwarf_object_finish(d->dbg, &er);
	d->dbg = NULL;
	cr_free(oa);
	cr_hmap_release(&d->origin_names);
	cr_hmap_init(&d->origin_names);
	if (d->err) {
		enum cr_err code = d->err;
		cr_dwarf_close(d);
		if (e && e->code)
			return e->code;
		return cr_fail(e, code, "%s: DWARF: %s while indexing", b->path, cr_strerror(code));
	}
	if (units == 0 && d->skipped) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_FORMAT, "%s: DWARF: no readable compilation unit", b->path);
	}
	if (d->nrows)
		qsort(d->rows, d->nrows, sizeof *d->rows, row_cmp);
	if (d->ntops)
		qsort(d->tops, d->ntops, sizeof *d->tops, top_cmp);
	d->e = NULL;
	*out = d;
	return CR_OK;
}

/* ---------------------------------------------------------- lookup */

static const struct drow *row_at(const struct cr_dwarf *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->rows[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct drow *r = &d->rows[lo - 1];
	return r->end ? NULL : r;
}

static bool node_has(const struct cr_dwarf *d, const struct dnode *n, uint64_t addr)
{
	for (uint32_t i = 0; i < n->nranges; i++) {
		const struct drange *r = &d->ranges[n->range0 + i];
		if (addr >= r->lo && addr < r->hi)
			return true;
	}
	return false;
}

static const char *str(const struct cr_dwarf *d, uint32_t id, const char *dflt)
{
	const char *s = id ? cr_strtab_get(&d->strs, id) : "";
	return s[0] ? s : dflt;
}

size_t cr_dwarf_frames(const struct cr_dwarf *d, uint64_t addr, struct cr_symframe *out, size_t max)
{
	if (max == 0)
		return 0;
	/* the subprogram: last top range starting at or below addr that holds it */
	size_t lo = 0, hi = d->ntops;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->tops[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	int64_t top = -1;
	for (size_t k = lo, tries = 0; k > 0 && tries < 64; k--, tries++)
		if (addr < d->tops[k - 1].hi) {
			top = d->tops[k - 1].node;
			break;
		}
	const struct drow *row = row_at(d, addr);
	if (top < 0) {
		if (!row)
			return 0;
		out[0] = (struct cr_symframe){ "??", str(d, row->file, "??"), row->line, row->col, 0, false };
		return 1;
	}
	/* descend to the innermost scope holding addr */
	uint32_t chain[256];
	size_t depth = 0;
	uint32_t cur = (uint32_t)top;
	chain[depth++] = cur;
	uint32_t i = cur + 1;
	while (i < d->nodes[cur].subtree_end && depth < 256) {
		const struct dnode *n = &d->nodes[i];
		if (node_has(d, n, addr)) {
			cur = i;
			chain[depth++] = cur;
			i = cur + 1;
		} else
			i = n->subtree_end > i ? n->subtree_end : i + 1;
	}
	size_t k = 0;
	for (size_t j = depth; j > 0 && k < max; j--) {
		const struct dnode *n = &d->nodes[chain[j - 1]];
		struct cr_symframe *f = &out[k];
		f->function = str(d, n->name, "??");
		f->entry = n->entry;
		f->inlined = n->inlined;
		if (k == 0) {
			f->file = row ? str(d, row->file, "??") : "??";
			f->line = row ? row->line : 0;
			f->column = row ? row->col : 0;
		} else {
			const struct dnode *inner = &d->nodes[chain[j]];
			f->file = str(d, inner->call_file, "??");
			f->line = inner->call_line;
			f->column = inner->call_col;
		}
		k++;
	}
	return k;
}

/* ---------------------------------------------------------- struct layouts */

/* One unit's top-level DIEs: structure types whose name is wanted. */
static void struct_walk(struct cr_dwarf *d, Dwarf_Die cu, const char *const *types, size_t ntypes, bool *seen,
			cr_dwarf_member_fn fn, void *arg)
{
	Dwarf_Error er = NULL;
	Dwarf_Die child;
	if (dwarf_child(cu, &child, &er) != DW_DLV_OK) {
		dwerr(d, &er);
		return;
	}
	while (child && d->die_budget) {
		d->die_budget--;
		Dwarf_Half tag = 0;
		char *name = NULL;
		size_t k = ntypes;
		if (dwarf_tag(child, &tag, &er) == DW_DLV_OK && tag == DW_TAG_structure_type &&
		    dwarf_diename(child, &name, &er) == DW_DLV_OK && name)
			for (k = 0; k < ntypes && strcmp(types[k], name) != 0; k++)
				;
		dwerr(d, &er);
		if (k < ntypes && !seen[k]) {
			seen[k] = true;
			Dwarf_Unsigned size = 0;
			if (attr_udata(d, child, DW_AT_byte_size, &size))
				fn(arg, types[k], NULL, size);
			Dwarf_Die m;
			if (dwarf_child(child, &m, &er) == DW_DLV_OK) {
				while (m && d->die_budget) {
					d->die_budget--;
					Dwarf_Half mt = 0;
					char *mn = NULL;
					Dwarf_Unsigned off;
					if (dwarf_tag(m, &mt, &er) == DW_DLV_OK && mt == DW_TAG_member &&
					    dwarf_diename(m, &mn, &er) == DW_DLV_OK && mn &&
					    attr_udata(d, m, DW_AT_data_member_location, &off))
						fn(arg, types[k], mn, off);
					dwerr(d, &er);
					Dwarf_Die next = NULL;
					int r = dwarf_siblingof_b(d->dbg, m, true, &next, &er);
					dwerr(d, &er);
					dwarf_dealloc_die(m);
					m = r == DW_DLV_OK ? next : NULL;
				}
			}
			dwerr(d, &er);
		}
		Dwarf_Die next = NULL;
		int r = dwarf_siblingof_b(d->dbg, child, true, &next, &er);
		dwerr(d, &er);
		dwarf_dealloc_die(child);
		child = r == DW_DLV_OK ? next : NULL;
	}
	if (child)
		dwarf_dealloc_die(child);
}

enum cr_err cr_dwarf_struct_members(struct cr_binary *b, const char *const *types, size_t ntypes,
				    cr_dwarf_member_fn fn, void *arg, struct cr_error *e)
{
	struct cr_elf_section *info = cr_binary_debug_section(b, ".debug_info");
	if (!info || info->type == CR_SHT_NOBITS)
		return cr_fail(e, CR_NOTFOUND, "%s: no DWARF", b->path);
	/* .debug_info first: its errors (caps, corrupt streams) are the ones
	 * to report */
	{
		const uint8_t *id;
		size_t il;
		enum cr_err irc = cr_binary_section_data(b, info, &id, &il, e);
		if (irc)
			return irc;
	}
	static const char *const unit_tables[] = { ".debug_rnglists", ".debug_addr", ".debug_str_offsets" };
	for (size_t i = 0; i < sizeof unit_tables / sizeof unit_tables[0]; i++) {
		enum cr_err rc = check_units(b, unit_tables[i], e);
		if (rc)
			return rc;
	}
	enum cr_err lrc = check_line_headers(b, e);
	if (lrc)
		return lrc;
	const uint8_t *idata;
	size_t ilen;
	enum cr_err rc = cr_binary_section_data(b, info, &idata, &ilen, e);
	if (rc)
		return rc;
	struct cr_dwarf d;
	memset(&d, 0, sizeof d);
	d.bin = b;
	d.e = e;
	d.die_budget = ilen + 1;
	bool *seen = cr_calloc(ntypes ? ntypes : 1, sizeof *seen);
	struct oa *oa = cr_calloc(1, sizeof *oa);
	if (!seen || !oa) {
		cr_free(seen);
		cr_free(oa);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	oa->d = &d;
	Dwarf_Obj_Access_Interface iface = { oa, &oa_methods };
	Dwarf_Error er = NULL;
	int drc = dwarf_object_init_b(&iface, NULL, NULL, DW_GROUPNUMBER_ANY, &d.dbg, &er);
	if (drc != DW_DLV_OK) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", drc == DW_DLV_ERROR && er ? dwarf_errmsg(er) : "no DWARF");
		if (er)
			dwarf_dealloc(NULL, er, DW_DLA_ERROR);
		cr_free(oa);
		cr_free(seen);
		enum cr_err code = d.err ? d.err : drc == DW_DLV_NO_ENTRY ? CR_NOTFOUND : CR_LIBDWARF;
		return cr_fail(e, code, "%s: DWARF: %s", b->path, msg);
	}
	size_t found = 0;
	for (;;) {
		Dwarf_Unsigned hlen, tyoff, next;
		Dwarf_Half ver, asz, lsz, esz, cutype;
		Dwarf_Off aoff;
		Dwarf_Sig8 sig;
		int r = dwarf_next_cu_header_d(d.dbg, true, &hlen, &ver, &aoff, &asz, &lsz, &esz, &sig, &tyoff,
					       &next, &cutype, &er);
		if (r != DW_DLV_OK) {
			dwerr(&d, &er);
			break;
		}
		Dwarf_Die cu;
		if (dwarf_siblingof_b(d.dbg, NULL, true, &cu, &er) != DW_DLV_OK) {
			dwerr(&d, &er);
			continue;
		}
		struct_walk(&d, cu, types, ntypes, seen, fn, arg);
		dwarf_dealloc_die(cu);
		found = 0;
		for (size_t k = 0; k < ntypes; k++)
			found += seen[k];
		if (found == ntypes || d.err || !d.die_budget)
			break; /* keep reading units only while a type is missing */
	}
	dwarf_object_finish(d.dbg, &er);
	cr_free(oa);
	cr_free(seen);
	if (d.err)
		return e && e->code ? e->code : cr_fail(e, d.err, "%s: DWARF: %s", b->path, cr_strerror(d.err));
	return found ? CR_OK : cr_fail(e, CR_NOTFOUND, "%s: DWARF: none of the structure types", b->path);
}
