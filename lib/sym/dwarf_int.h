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
	bool stmt;                /* a recommended breakpoint location (is_stmt) */
};

struct dnode {
	uint32_t name;            /* strtab id; 0 = unknown */
	uint32_t call_file, call_line, call_col;
	uint32_t range0, nranges; /* into ranges[] */
	uint32_t subtree_end;     /* index after the last descendant */
	uint64_t entry;
	bool inlined;
	bool all_calls;           /* a subprogram whose call-site records are complete */
};

/* A call site (DW_TAG_call_site, DWARF 4's DW_TAG_GNU_call_site) of a
 * concrete subprogram, recorded while its unit is indexed (dwarf_calls.c) */
struct dsite {
	uint64_t ret;             /* return pc */
	uint64_t target;          /* CR_CALL_ADDR: the callee's entry */
	uint32_t name;            /* CR_CALL_NAME: the declared callee's linkage name (strtab id) */
	uint32_t owner;           /* node of the subprogram holding it */
	uint32_t ord;             /* the order it was read in (DIE order) */
	uint8_t kind;             /* enum cr_call_kind */
	bool tail;                /* DW_AT_call_tail_call */
	bool multi;               /* CR_CALL_ADDR: the callee has more than one range */
};
/* A unit's sites by the subprogram holding them: owners[i] for sites[i]'s
 * slice, sorted by owner then DIE order */
struct dsown { uint32_t owner, ord, site; };

struct drange { uint64_t lo, hi; };
/* .debug_str and .debug_line_str (line headers' string offsets land in them) */
struct dwarf_strs { const uint8_t *str, *lstr; size_t strl, lstrl; };
struct dtop { uint64_t lo, hi; uint32_t node; };

/* A compilation unit: indexed on the first lookup its ranges cover. Its
 * rows, nodes and tops are one slice each of the arrays below, each slice
 * sorted by address on its own. */
struct dunit {
	uint64_t die;             /* offset of the unit's DIE in .debug_info */
	uint64_t hdr, len;        /* from .debug_aranges: the unit's header offset and size */
	uint64_t abbrev;          /* its abbreviation table's offset (set with len) */
	uint32_t row0, nrows, top0, ntops;
	uint32_t site0, nsites;   /* its call sites (and owners), sorted by return pc */
	Dwarf_Half version;
	bool indexed;
};
/* One address range of a unit (DW_AT_low_pc/high_pc or DW_AT_ranges of its
 * DIE), sorted by lo. */
struct durange { uint64_t lo, hi; uint32_t unit; };

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
	struct dsite *sites;
	size_t nsites, capsites;
	struct dsown *owners;     /* as many as sites */
	size_t capowners;
	uint32_t cur_func;        /* indexing: node + 1 of the subprogram being walked, 0 if none */
	bool cu_cplus;            /* indexing: the unit is C++ (dwarf_calls_unit) */
	struct dunit *units;
	size_t nunits, capunits;
	struct durange *uranges;
	size_t nuranges, capuranges;
	uint32_t *eager;          /* units without ranges of their own: indexed at open */
	size_t neager, capeager;
	size_t skipped;
	struct { uint64_t off; const char *why; } skips[8]; /* the first units skipped, where known */
	size_t nskips;
	/* indexing state: libdwarf stays open while units remain unindexed */
	Dwarf_Debug dbg;
	void *oa;
	bool sliced;              /* units from .debug_aranges, each read alone (see dwarf.c) */
	struct dpart *part;       /* sliced, .debug_info compressed: inflated in part */
	struct dpart *apart, *lpart; /* with part, .debug_abbrev and .debug_line when compressed */
	const struct cr_elf_section *asec, *lsec; /* those sections */
	struct dwarf_strs lstrs;  /* with lpart: for checking each line header read */
	bool skip_lines;          /* the unit being indexed has no line table we trust */
	/* the unit being indexed alone gives every DW_AT_ranges as a section
	 * offset: its range lists are read here from .debug_rnglists, which
	 * libdwarf is not shown (it would read every unit's table header again
	 * for each unit read alone) */
	const uint8_t *rl;
	size_t rllen;
	/* the file a dwz-processed one shares DIEs and strings with (its
	 * libdwarf over the whole of it), names found in it by DIE offset */
	struct cr_dwarf *alt;
	bool alt_owned;
	bool gdb_lines;           /* choose line rows as gdb does (cr_dwarf_gdb_lines) */
	struct cr_hmap alt_names; /* alt DIE offset -> name id (here) + 1 */
	struct cr_hmap origin_names; /* DIE offset -> name id + 1 */
	struct cr_hmap ref_names; /* sliced: .debug_info offset (DW_FORM_ref_addr) -> name id + 1 */
	size_t die_budget;
	const char *tree_bad; /* why the DIE tree of the unit being indexed stopped being read */
	enum cr_err err;
	struct cr_error *e;
};


/* ---- a compressed .debug_info inflated in part (dwarf_part.c): bytes
 * [off, off+n) of it, valid until dpart_close; NULL with e set when the
 * stream is corrupt or the range is past the end. Ranges asked in
 * ascending order take one pass over the stream. */
struct dpart;
enum cr_err dpart_open(struct dpart **out, struct cr_binary *b, const struct cr_elf_section *s, struct cr_error *e);
size_t dpart_size(const struct dpart *p);
/* The section's bytes as far as kept (the rest reads as zeros). */
const uint8_t *dpart_base(const struct dpart *p);
/* Keep the abbreviation table at off (to its terminating 0 code, or the
 * section's end); false if the stream is corrupt. */
bool dpart_keep_abbrevs(struct dpart *p, uint64_t off);
/* Keep the line-program unit at off: its bytes, *len of them; NULL if its
 * length does not fit or the stream is corrupt. */
const uint8_t *dpart_keep_line_unit(struct dpart *p, uint64_t off, size_t *len);
const uint8_t *dpart_get(struct dpart *p, uint64_t off, size_t n, struct cr_error *e);
/* .debug_info's units at hdrs[0, n) (ascending; alen: .debug_abbrev's
 * size, for their headers) kept by a second thread, from the stream's
 * start, while the caller reads the units it has kept (dpart_get waits for
 * a range the thread has yet to keep, or for its end). Nothing happens if
 * the stream was started or the thread cannot be. */
void dpart_plan(struct dpart *p, const uint64_t *hdrs, size_t n, size_t alen);
/* Start the second thread before the plan: it goes through the stream
 * from its start, copying the stream's state as it goes, until dpart_plan
 * names the units (which must then be called, with n of 0 to stop it);
 * those it passed are inflated again from the copies. False if it cannot
 * be started (or ISA-L is not built in). */
bool dpart_head(struct dpart *p);
bool dpart_headed(const struct dpart *p);
void dpart_close(struct dpart *p); /* NULL ok */

/* A bounded cursor over a section's bytes: an unsigned LEB128 read, n
 * bytes skipped; false (nothing read) past the end. */
struct lcur { const uint8_t *p, *end; };
bool dwarf_cur_uleb(struct lcur *c, uint64_t *v);
bool dwarf_cur_skip(struct lcur *c, uint64_t n);
/* qsort/bsearch order of uint64_t */
int dwarf_u64_cmp(const void *a, const void *b);

/* ---- checks of the raw sections before libdwarf sees them (dwarf_check.c):
 * CR_FORMAT with the offset of the damage */
enum cr_err dwarf_check_units(struct cr_binary *b, const char *name, struct cr_error *e);
enum cr_err dwarf_check_line_headers(struct cr_binary *b, struct cr_error *e);
enum cr_err dwarf_strs_get(struct cr_binary *b, struct dwarf_strs *ss, struct cr_error *e);
/* One line unit's header at d[off, len) (see dwarf_check_line_headers);
 * *next: past the unit. */
bool dwarf_check_line_unit(const struct cr_binary *b, const uint8_t *d, size_t len, size_t off,
			   const struct dwarf_strs *ss, size_t *next);
/* With .debug_line inflated in part: the line unit of unit DIE cu kept
 * and its header checked; false if it cannot be read (none is fine). */
bool dwarf_keep_line_unit(struct cr_dwarf *d, Dwarf_Die cu);
/* The unit tables only (.debug_rnglists, .debug_addr, .debug_str_offsets) */
enum cr_err dwarf_check_unit_tables(struct cr_binary *b, struct cr_error *e);
/* A debug section's size once inflated, without inflating it (0 if absent
 * or unreadable). */
size_t dwarf_section_size(struct cr_binary *b, const char *name);
/* .debug_info (inflated first: its errors are the ones to report), then the
 * unit tables and line headers. *idata, *ilen: .debug_info's bytes (owned
 * by b). CR_NOTFOUND when the binary has no DWARF. */
enum cr_err dwarf_check_sections(struct cr_binary *b, const uint8_t **idata, size_t *ilen, struct cr_error *e);
/* The same checks but .debug_info's, which is not inflated. */
enum cr_err dwarf_check_other_sections(struct cr_binary *b, struct cr_error *e);

/* Units and their ranges from .debug_aranges into d->units/uranges (hdr,
 * len set); false (nothing kept) when absent, empty or malformed, or when
 * a set names no unit start of .debug_info (info, infolen). */
bool dwarf_read_aranges(struct cr_dwarf *d, const uint8_t *info, size_t infolen);
/* The same without .debug_info at hand (info NULL, infolen its size): the
 * units' lengths are read with them (dwarf_unit_header). */
/* The header of unit u at u->hdr in info[0, len): u->len set; false if
 * it does not fit or names an abbreviation table past abbrev_len or an
 * address size other than 4 or 8. */
bool dwarf_unit_header(const struct cr_binary *b, const uint8_t *info, size_t len, uint64_t abbrev_len,
		       struct dunit *u);

/* ---- what libdwarf is shown (dwarf_unit.c): the whole file (info NULL),
 * or .debug_info's [off, off+len) only */
struct oa {
	struct cr_dwarf *d;
	char names[64][24];
	Dwarf_Obj_Access_Interface iface; /* libdwarf keeps a pointer to it */
	const struct cr_elf_section *info; /* shown as [off, off+len) only, when set */
	uint64_t off, len;
	const uint8_t *slice; /* those bytes, when .debug_info is inflated in part */
	const struct cr_elf_section *shown[9]; /* the one section of each name libdwarf sees */
	bool shown_set;
	bool hide_rnglists; /* d->rl set: .debug_rnglists read by us */
};

extern const Dwarf_Obj_Access_Methods dwarf_oa_methods;
/* The next unit's header, its version in *ver: libdwarf's DW_DLV_OK,
 * DW_DLV_NO_ENTRY after the last unit, or DW_DLV_ERROR with *er set. */
int dwarf_next_unit(Dwarf_Debug dbg, Dwarf_Half *ver, Dwarf_Error *er);
/* Index unit u of a sliced index: libdwarf shown .debug_info as that unit
 * alone (so it reads no other unit's header), finished right after. */
void dwarf_index_slice(struct cr_dwarf *d, struct dunit *u);
/* The bytes of unit u of a partly inflated .debug_info, its header
 * checked (u->len set); false if they cannot be had. */
bool dwarf_part_unit(struct cr_dwarf *d, struct dunit *u);

/* n bytes at off of .debug_info as libdwarf is shown it (the unit alone
 * when sliced); NULL if they are not all there. */
const uint8_t *dwarf_info_at(struct cr_dwarf *d, uint64_t off, size_t n);

/* A unit skipped (or read in part): counted, and recorded with the offset
 * of its header in .debug_info (UINT64_MAX: not known, counted only) and
 * why (a static string). */
void dwarf_skip(struct cr_dwarf *d, uint64_t off, const char *why);

/* Sliced: the name (die_name) of the DIE at offset off of .debug_info (a
 * DW_FORM_ref_addr: in the unit being read, or in another one, dwz's
 * partial units, read alone for it); 0 if unknown. Cached. */
uint32_t dwarf_ref_addr_name(struct cr_dwarf *d, uint64_t off, unsigned depth);

/* ---- call sites (dwarf_calls.c), read while a unit is indexed: die, a
 * DW_TAG_call_site or DW_TAG_GNU_call_site, recorded for d->cur_func; a
 * subprogram's DW_AT_call_all_calls (or tail-call or GNU variants) */
void dwarf_calls_unit(struct cr_dwarf *d, Dwarf_Die cu); /* before a unit's walk */
void dwarf_call_site(struct cr_dwarf *d, Dwarf_Die die, uint64_t cu_base, Dwarf_Half version);
bool dwarf_all_calls(struct cr_dwarf *d, Dwarf_Die die);
/* After a unit's walk: its sites sorted, its owners built (dwarf_calls.c). */
void dwarf_sort_sites(struct cr_dwarf *d, struct dunit *u);
/* Index unit u if it is not yet (dwarf.c); false if it cannot be. */
bool dwarf_unit_ready(struct cr_dwarf *d, struct dunit *u);

/* ---- indexing (dwarf_index.c) */
/* die's reference attribute at (a DIE offset): *alt, the
 * DIE is in the shared dwz file; *global, a .debug_info offset of a unit
 * read alone */
bool dwarf_attr_ref(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off, bool *alt, bool *global);
void dwarf_dwerr(struct cr_dwarf *d, Dwarf_Error *er);
uint32_t dwarf_intern(struct cr_dwarf *d, const char *s);
/* An unsigned constant attribute (also DW_FORM_implicit_const, >= 0). */
bool dwarf_attr_udata(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v);
/* Ranges of a DIE (low_pc/high_pc or DW_AT_ranges) appended to d->ranges;
 * *entry: its entry (low_pc, else the first range's start), 0 if none. */
void dwarf_die_ranges(struct cr_dwarf *d, Dwarf_Die die, uint64_t cu_base, Dwarf_Half version, uint64_t *entry);
/* Whether every DW_AT_ranges the abbreviation table at off of
 * .debug_abbrev (abbrev, len bytes) declares is a section offset. */
bool dwarf_ranges_are_offsets(const uint8_t *abbrev, size_t len, uint64_t off);
/* Index unit u (its DIE cu): its rows, scopes and tops appended, each slice
 * sorted by address. */
uint32_t dwarf_die_name(struct cr_dwarf *d, Dwarf_Die die, unsigned depth);
void dwarf_index_unit(struct cr_dwarf *d, struct dunit *u, Dwarf_Die cu);
/* The sibling of die, a DIE at depth (freed), asked of libdwarf only once
 * that cannot loop: libdwarf 20210528, stepping through a DIE's children
 * to its sibling, loops for ever on a child whose DW_AT_sibling points at
 * itself, so those children are checked first, down to the leaves. NULL
 * at the end of the chain, or at a fault (d->tree_bad or d->err set: the
 * rest of the unit is not to be read). */
Dwarf_Die dwarf_sibling_checked(struct cr_dwarf *d, Dwarf_Die die, unsigned depth);

#endif
