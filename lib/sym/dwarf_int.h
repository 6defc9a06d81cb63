/* What the files of lib/sym/dwarf*.c share: the index built from a
 * binary's DWARF. Not installed. */
#ifndef CORONER_DWARF_INT_H
#define CORONER_DWARF_INT_H

#include "coroner/sym.h"
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

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


/* ---- checks of the raw sections before libdwarf sees them (dwarf_check.c):
 * CR_FORMAT with the offset of the damage */
enum cr_err dwarf_check_units(struct cr_binary *b, const char *name, struct cr_error *e);
enum cr_err dwarf_check_line_headers(struct cr_binary *b, struct cr_error *e);
/* .debug_info (inflated first: its errors are the ones to report), then the
 * unit tables and line headers. *info: .debug_info's section.
 * CR_NOTFOUND when the binary has no DWARF. */
enum cr_err dwarf_check_sections(struct cr_binary *b, struct cr_elf_section **info, struct cr_error *e);

/* ---- indexing (dwarf_index.c) */
void dwarf_dwerr(struct cr_dwarf *d, Dwarf_Error *er);
uint32_t dwarf_intern(struct cr_dwarf *d, const char *s);
/* An unsigned constant attribute (also DW_FORM_implicit_const, >= 0). */
bool dwarf_attr_udata(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v);
/* Index every unit below cu; sorts rows and tops. */
void dwarf_index_unit(struct cr_dwarf *d, Dwarf_Die cu, Dwarf_Half version);
/* Sort rows and scopes by address once every unit is indexed. */
void dwarf_index_sort(struct cr_dwarf *d);

#endif
