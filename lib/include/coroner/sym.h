/* Symbolization: addresses to functions, file:line and inlined frames.
 *
 * Three layers, each usable alone:
 *   - struct cr_pclntab: Go's own symbol table (runtime.pclntab), layouts of
 *     Go 1.2, 1.16, 1.18 and 1.20 (magic 0xfffffffb/fa/f0/f1): functions by
 *     pc, pc-value tables (pcsp, pcfile, pcln, pcdata), funcdata, and the
 *     inline tree. Works on stripped binaries (no DWARF, no .symtab).
 *   - struct cr_dwarf: DWARF 2-5 line tables and DW_TAG_inlined_subroutine
 *     trees via libdwarf, indexed once (no reliance on .debug_aranges).
 *   - struct cr_symbolizer: both behind one call. For Go binaries the
 *     pclntab is the authority (the names and inline call lines the Go
 *     runtime prints); DWARF answers what the pclntab does not cover (cgo,
 *     C); the ELF symbol table is the last resort (function name only).
 *
 * All addresses are link-time virtual addresses of the binary. Strings
 * handed out point into memory owned by the binary / table and live until
 * it is closed.
 */
#ifndef CORONER_SYM_H
#define CORONER_SYM_H

#include <stdbool.h>
#include <stdint.h>
#include "coroner/binary.h"
#include "coroner/frame.h"
#include "coroner/profile.h"

/* ---------------------------------------------------------------- pclntab */

struct cr_pclntab;

/* One function of the pclntab. idx is its index in the function table;
 * other fields are decoded from the _func record. */
struct cr_gofunc {
	uint32_t idx;
	uint64_t entry;      /* link-time address of the first instruction */
	uint64_t end;        /* entry of the next function (exclusive bound) */
	const char *name;    /* NUL-terminated, from funcnametab; "" if out of range */
	int32_t args;        /* argument bytes (or -1..-N special values) */
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln; /* pc-value table offsets */
	uint32_t npcdata, nfuncdata;
	uint32_t cu_offset;  /* index into cutab of this function's CU (1.16+) */
	int32_t start_line;  /* line of the func keyword (1.20+; 0 before) */
	uint8_t funcid, flag;
	/* private */
	uint64_t rec_off;    /* offset of the _func record in the table data */
};

/* Go's index constants used with the accessors below (runtime/symtab.go). */
enum {
	CR_PCDATA_UNSAFEPOINT = 0, CR_PCDATA_STACKMAPINDEX = 1, CR_PCDATA_INLTREEINDEX = 2,
	CR_FUNCDATA_ARGSPOINTERMAPS = 0, CR_FUNCDATA_LOCALSPOINTERMAPS = 1,
	CR_FUNCDATA_STACKOBJECTS = 2, CR_FUNCDATA_INLTREE = 3,
	CR_GOFUNCID_WRAPPER = 21, /* funcID_wrapper of Go 1.19 (informational) */
};

/* Find and index the pclntab of a Go binary: the .gopclntab /
 * .data.rel.ro.gopclntab section, the runtime.pclntab symbol, or a scan of
 * read-only data for a valid header. The text start and the funcdata base
 * (go:func.* / go.func.*, or moduledata.gofunc for stripped binaries) are
 * read with relocations applied (PIE). b must outlive the table.
 * Errors: CR_NOTFOUND (not a Go binary), CR_FORMAT (header/offsets bad),
 * CR_UNSUPPORTED (unknown layout). */
enum cr_err cr_pclntab_open(struct cr_binary *b, struct cr_pclntab **out, struct cr_error *e);

/* In-memory entry point (fuzzers, tests): data is the pclntab itself, at
 * link-time address addr. text_start is used when the header does not carry
 * one (Go < 1.18) or carries 0. No funcdata base: the inline tree is not
 * available (cr_pclntab_frames gives physical frames only), unless b is
 * given (may be NULL). data must outlive the table. */
enum cr_err cr_pclntab_parse(const uint8_t *data, size_t len, uint64_t addr, uint64_t text_start,
			     struct cr_binary *b, const char *name, struct cr_pclntab **out,
			     struct cr_error *e);

void cr_pclntab_close(struct cr_pclntab *t); /* NULL ok */
/* A second handle on t's table with a cache of its own: t's lookups write
 * their cache of decoded pc-value tables, so each thread looks up through
 * its own clone. Without cache, only the tables of the function asked
 * about last are kept, decoded as far as its pcs asked need (an inlined
 * frame's call site is another pc of the same function), which is faster
 * when most functions are asked about once or twice (a batch of random
 * addresses of a big binary: the cache costs a third more there). The
 * clone shares t's bytes and binary (it must not outlive them);
 * cr_pclntab_close frees it. */
enum cr_err cr_pclntab_clone(const struct cr_pclntab *t, bool cache, struct cr_pclntab **out);

/* 102, 116, 118 or 120 (the layout's first Go version). */
unsigned cr_pclntab_version(const struct cr_pclntab *t);
uint64_t cr_pclntab_text_start(const struct cr_pclntab *t);
unsigned cr_pclntab_ptrsize(const struct cr_pclntab *t);
unsigned cr_pclntab_quantum(const struct cr_pclntab *t);  /* instruction size unit (pcquantum) */
/* The funcdata base (moduledata.gofunc) for Go 1.18+; false if unknown. */
bool cr_pclntab_gofunc(const struct cr_pclntab *t, uint64_t *out);

size_t cr_pclntab_nfuncs(const struct cr_pclntab *t);
/* Function by index (0..nfuncs-1); false if idx or its record is bad. */
bool cr_pclntab_func(const struct cr_pclntab *t, size_t idx, struct cr_gofunc *f);
/* Function whose [entry, end) holds pc; false if none. */
bool cr_pclntab_find_func(const struct cr_pclntab *t, uint64_t pc, struct cr_gofunc *f);
/* Function by exact name (linear scan: for occasional lookups). */
bool cr_pclntab_func_by_name(const struct cr_pclntab *t, const char *name, struct cr_gofunc *f);
/* The same for n names in one scan: found[i] says whether f[i] was filled
 * (the first function of that name). Returns how many were found. */
size_t cr_pclntab_funcs_by_name(const struct cr_pclntab *t, const char *const *names, size_t n,
				struct cr_gofunc *f, bool *found);

/* Value of a pc-value table at pc (pc within f). table_off is one of
 * f->pcsp / pcfile / pcln or cr_pclntab_pcdata_off(). false if the table is
 * absent (offset 0) or pc is past its end or the stream is corrupt. */
bool cr_pclntab_pcvalue(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t table_off,
			uint64_t pc, int32_t *val);
/* Offset of PCDATA table i of f (0 if none). */
uint32_t cr_pclntab_pcdata_off(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i);
/* Shorthands: stack frame size at pc (pcsp), and PCDATA i at pc. */
bool cr_pclntab_spdelta(const struct cr_pclntab *t, const struct cr_gofunc *f, uint64_t pc, int32_t *sp);
bool cr_pclntab_pcdata(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i, uint64_t pc,
		       int32_t *val);
/* Link-time address of FUNCDATA i of f; false if absent or unknown base. */
bool cr_pclntab_funcdata(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i, uint64_t *addr);
/* File name of f's per-CU file number fileno (the pcfile value); NULL if bad. */
const char *cr_pclntab_file(const struct cr_pclntab *t, const struct cr_gofunc *f, int32_t fileno);
/* File and line at pc of f (the innermost position); file "" if its
 * number names no file. */
bool cr_pclntab_line(const struct cr_pclntab *t, const struct cr_gofunc *f, uint64_t pc,
		     const char **file, int32_t *line);
/* Name at a funcnametab offset (inline tree entries); NULL if bad. */
const char *cr_pclntab_name_at(const struct cr_pclntab *t, uint32_t nameoff);

/* ------------------------------------------------------------- frames */

/* The frames of a symbolized address are struct cr_frame (coroner/frame.h),
 * innermost first, unknown strings "" and pc left 0. */

/* Frames of pc as the Go runtime prints them (innermost inlined first, the
 * physical function last), at most max. Returns the count, 0 if pc is in no
 * function. Without a funcdata base only the physical frame is given, with
 * the innermost file:line. */
size_t cr_pclntab_frames(const struct cr_pclntab *t, uint64_t pc, struct cr_frame *out, size_t max);

/* ------------------------------------------------------------- DWARF */

struct cr_dwarf;

/* Read and index the DWARF of b (compressed sections inflated through b, so
 * its caps apply). b must outlive the index. CR_NOTFOUND if b has no
 * .debug_info; CR_FORMAT/CR_LIBDWARF on malformed data. A malformed unit
 * among good ones is skipped, counted in cr_dwarf_skipped_units(). */
enum cr_err cr_dwarf_open(struct cr_binary *b, struct cr_dwarf **out, struct cr_error *e);
/* The same for lookups of (mostly) the link-time addresses addrs[0, n): a
 * compressed .debug_info with .debug_aranges is inflated only as far as
 * the units holding them, in one pass; other addresses are looked up as
 * well, more slowly. */
enum cr_err cr_dwarf_open_for(struct cr_binary *b, const uint64_t *addrs, size_t n, struct cr_dwarf **out,
			      struct cr_error *e);
/* Either, with the file a dwz-processed b shares DIEs and strings with
 * (see cr_debug_find_alt): DW_FORM_GNU_ref_alt/ref_sup and
 * DW_FORM_GNU_strp_alt/strp_sup name from it. alt (NULL ok) is owned by
 * the index from then on, closed with it (or on failure). */
enum cr_err cr_dwarf_open_alt(struct cr_binary *b, struct cr_binary *alt, const uint64_t *addrs, size_t n,
			      struct cr_dwarf **out, struct cr_error *e);
/* A head start on b's compressed .debug_info, for when the addresses it
 * will be asked for are not known yet: a thread of its own inflates it
 * from its start until they are (cr_dwarf_open_head), and the units it
 * passed again from copies of its state. NULL when b's DWARF would not be
 * read in part or no thread can start. */
struct cr_dwarf_head;
struct cr_dwarf_head *cr_dwarf_head_start(struct cr_binary *b);
void cr_dwarf_head_close(struct cr_dwarf_head *h); /* NULL ok; stops the thread */
/* cr_dwarf_open_alt with head (NULL ok; owned from then on) taking the
 * inflation over where it is. */
enum cr_err cr_dwarf_open_head(struct cr_binary *b, struct cr_binary *alt, struct cr_dwarf_head *head,
			       const uint64_t *addrs, size_t n, struct cr_dwarf **out, struct cr_error *e);
void cr_dwarf_close(struct cr_dwarf *d); /* NULL ok */
size_t cr_dwarf_skipped_units(const struct cr_dwarf *d);
/* The i-th of the first few units skipped (or read without their line
 * table) whose place is known: the offset of its header in .debug_info
 * and why (a static string); false past the last. Units are read on
 * first need: ask after the lookups. */
bool cr_dwarf_skipped_unit(const struct cr_dwarf *d, size_t i, uint64_t *off, const char **why);
/* llvm-symbolizer's answer for addr: innermost inlined frame first; the
 * function names are DW_AT_linkage_name (else DW_AT_name) through
 * abstract_origin/specification; lines from the line table (innermost) and
 * DW_AT_call_file/call_line (outer frames). Returns the count (0 = unknown,
 * or no subprogram: then one frame with function "" may come from the
 * line table alone). The unit holding addr is indexed on its first lookup:
 * the strings returned stay valid until the index is closed. */
size_t cr_dwarf_frames(struct cr_dwarf *d, uint64_t addr, struct cr_frame *out, size_t max);
/* Choose an address's line row as gdb does rather than as llvm-symbolizer
 * and addr2line do (the default: the last row at the address): where that
 * row is not a statement (is_stmt false), the last statement row at the
 * same address before it, if any. */
void cr_dwarf_gdb_lines(struct cr_dwarf *d, bool on);

/* Call sites (DWARF 5 DW_TAG_call_site, DWARF 4's DW_TAG_GNU_call_site),
 * read with the unit that holds them; addresses are link-time. */
enum cr_call_kind {
	CR_CALL_UNKNOWN, /* an indirect call (DW_AT_call_target), or no callee named */
	CR_CALL_ADDR,    /* a callee defined here: target is its lowest range start */
	CR_CALL_NAME,    /* a callee only declared: name is its linkage name */
};
struct cr_call_site {
	uint64_t ret;     /* the return address (DW_AT_call_return_pc, DW_AT_low_pc) */
	uint64_t target;
	const char *name; /* "" unless CR_CALL_NAME; valid until the index is closed */
	enum cr_call_kind kind;
	bool multi;       /* CR_CALL_ADDR: the callee has more than one range */
	bool tail;        /* DW_AT_call_tail_call: a jump, no return address pushed */
};
/* The first call site (in DIE order) of the unit holding ret-1 whose return
 * address is ret; false if none. */
bool cr_dwarf_call_site(struct cr_dwarf *d, uint64_t ret, struct cr_call_site *out);
/* The concrete (not inlined) function whose entry is exactly entry: false
 * if there is none. Its tail-call sites, those in its inlined subroutines
 * and blocks included, last in DIE order first, into out[0, max); *n their
 * count (more than max: not all written). None unless the function says its
 * call sites are all recorded (DW_AT_call_all_calls, DW_AT_call_all_tail_calls
 * or their GNU forms). */
bool cr_dwarf_tail_calls(struct cr_dwarf *d, uint64_t entry, struct cr_call_site *out, size_t max, size_t *n);

/* Members of named structure types (DW_TAG_structure_type DIEs at the top
 * of a unit, e.g. "runtime.g"), without building the line/inline index:
 * fn(arg, type, NULL, byte_size) once per type found, then fn(arg, type,
 * member, offset) per DW_TAG_member with a constant
 * DW_AT_data_member_location. The first definition of a name counts.
 * Strings passed to fn live only during the call. CR_NOTFOUND if b has no
 * DWARF or none of the types; other errors as cr_dwarf_open. */
typedef void (*cr_dwarf_member_fn)(void *arg, const char *type, const char *member, uint64_t offset);
enum cr_err cr_dwarf_struct_members(struct cr_binary *b, const char *const *types, size_t ntypes,
				    cr_dwarf_member_fn fn, void *arg, struct cr_error *e);

/* ------------------------------------------------------------- C++ names */

struct cr_arena;
/* name demangled as c++filt does ("_ZNK5fleet6Ledger5totalEv" ->
 * "fleet::Ledger::total() const"), a symbol version kept after it; name
 * itself when it is not an Itanium C++ name, cannot be demangled, or the
 * build has no demangler. The result lives in a (or is name). */
const char *cr_demangle(struct cr_arena *a, const char *name);

/* ------------------------------------------------------------- symbolizer */

struct cr_symbolizer;

/* Open a binary for symbolization (owns it). Engines: pclntab if it is a Go
 * binary, DWARF if present, ELF symbols. Errors from cr_binary_open; a
 * broken DWARF is not fatal when the pclntab or symbols remain (a warning
 * is kept, see cr_symbolizer_warning). */
enum cr_err cr_symbolizer_open(struct cr_symbolizer **out, const char *path, struct cr_error *e);
/* The same on an open binary, which the symbolizer then owns. */
enum cr_err cr_symbolizer_new(struct cr_symbolizer **out, struct cr_binary *b, struct cr_error *e);
/* The same for a file that is looked up at (mostly) the link-time
 * addresses addrs[0, n) (a core's pcs in it): its compressed DWARF is
 * inflated only as far as those need (cr_dwarf_open_for), and no Go
 * pclntab is looked for unless a section or a Go build id says there is
 * one. Other addresses are answered as well. */
enum cr_err cr_symbolizer_new_for(struct cr_symbolizer **out, struct cr_binary *b, const uint64_t *addrs, size_t n,
				  struct cr_error *e);
/* cr_symbolizer_new_for (cr_symbolizer_new when addrs is NULL) with the
 * shared DWARF of a dwz-processed b (cr_dwarf_open_alt); alt (NULL ok) is
 * owned from then on. */
enum cr_err cr_symbolizer_new_alt(struct cr_symbolizer **out, struct cr_binary *b, struct cr_binary *alt,
				  const uint64_t *addrs, size_t n, struct cr_error *e);
/* The same with head (NULL ok), a head start on b's DWARF, owned from
 * then on. */
enum cr_err cr_symbolizer_new_head(struct cr_symbolizer **out, struct cr_binary *b, struct cr_binary *alt,
				   struct cr_dwarf_head *head, const uint64_t *addrs, size_t n, struct cr_error *e);
void cr_symbolizer_close(struct cr_symbolizer *s); /* NULL ok */
/* Name a physical frame as gdb does, from its DWARF subprogram, rather
 * than from the symbol table as llvm-symbolizer does (the default): the
 * symbol table then names only what DWARF leaves "??". */
void cr_symbolizer_dwarf_names(struct cr_symbolizer *s, bool on);
/* Choose line rows as gdb does (cr_dwarf_gdb_lines). */
void cr_symbolizer_gdb_lines(struct cr_symbolizer *s, bool on);
struct cr_binary *cr_symbolizer_binary(const struct cr_symbolizer *s);
struct cr_pclntab *cr_symbolizer_pclntab(const struct cr_symbolizer *s); /* NULL if not Go */
const char *cr_symbolizer_warning(const struct cr_symbolizer *s); /* "" if none */
/* Its DWARF index, NULL if none (for cr_dwarf_skipped_unit). */
const struct cr_dwarf *cr_symbolizer_dwarf(const struct cr_symbolizer *s);
/* The same, to look things up in (cr_dwarf_call_site). */
struct cr_dwarf *cr_symbolizer_dwarf_index(struct cr_symbolizer *s);

/* Frames of a link-time address, innermost first; with inlines=false only
 * the physical function (with the innermost file:line, as addr2line without
 * -i). Returns the count; 0 = unknown address. */
size_t cr_symbolize(struct cr_symbolizer *s, uint64_t addr, bool inlines, struct cr_frame *out,
		    size_t max);
/* The same for a return address (a traceback's pc, a profile's stack), as
 * the Go runtime reads one: the call is at ret-1, except when ret is the
 * entry of a Go function (a goroutine that has not run yet starts there),
 * which is looked up as it is. 0 is unknown. */
size_t cr_symbolize_return(struct cr_symbolizer *s, uint64_t ret, bool inlines, struct cr_frame *out,
			   size_t max);

/* What cr_symbolize (ret false) or cr_symbolize_return (ret true) answers
 * from the Go pclntab alone, looked up through t, a clone of the
 * symbolizer's pclntab (cr_pclntab_clone): threads may call this at once,
 * each with its own clone. 0 when the pclntab has no answer: then ask
 * cr_symbolize / cr_symbolize_return, which may read DWARF or symbols. */
size_t cr_symbolize_pclntab(struct cr_pclntab *t, uint64_t addr, bool ret, bool inlines, struct cr_frame *out,
			    size_t max);

/* Load bias of b in a process from a /proc/PID/maps or smaps snapshot:
 * runtime address = link address + bias. The file mapped is found by b's
 * load segments: all of its mappings lie in b's PT_LOAD segments at one
 * bias, its executable one in the executable segment (so a binary copied
 * under another name is found); the file name (basename of b's path without
 * .gz/.zst) breaks ties between such files, and is the fallback when none
 * matches. With want_name, only a file of that basename is taken. chosen
 * (may be NULL) gets the path of the file used, NUL-terminated, cut to
 * chosen_n bytes. CR_NOTFOUND if nothing matches. */
enum cr_err cr_binary_bias_from_maps(const struct cr_binary *b, const char *maps_text, size_t len,
				     const char *want_name, int64_t *bias, char *chosen, size_t chosen_n,
				     struct cr_error *e);

/* Load bias from one mapping: the file's bytes at file_offset are mapped
 * at runtime address start (an NT_FILE entry, a maps line). */
enum cr_err cr_binary_bias_for_mapping(const struct cr_binary *b, uint64_t start, uint64_t file_offset,
				       int64_t *bias, struct cr_error *e);

/* Give names to the locations of p that have an address but no lines,
 * from the ELF binary at path. */
enum cr_err cr_profile_symbolize_file(struct cr_profile *p, const char *path, struct cr_error *e);
/* go tool pprof's symbolization of one mapping (index mi) from the ELF
 * file at path: when it is a Go binary, each location of the mapping whose
 * address Go's line table knows gets one line (the physical function, the
 * innermost file:line), replacing the lines it had, and the mapping's
 * has_* flags are set as pprof sets them; other files change nothing. */
enum cr_err cr_profile_symbolize_mapping_go(struct cr_profile *p, size_t mi, const char *path, struct cr_error *e);

/* ------------------------------------------------------------- debug files */

/* The separate debug file of b (stripped binaries, distribution libraries):
 * DIR/.build-id/xx/rest.debug under each of dirs, SYSROOT/usr/lib/debug and
 * /usr/lib/debug; the debuginfod client cache ($DEBUGINFOD_CACHE_PATH, else
 * ~/.cache/debuginfod_client, BUILDID/debuginfo, read offline); then the
 * .gnu_debuglink name beside b (beside the file read: under --sysroot when
 * b was opened by cr_binary_open_named), in its .debug/ and under the debug
 * directories, its CRC32 checked. A file whose build id differs from b's is
 * not used. CR_NOTFOUND with the reasons (each file refused and why) in e
 * when none fits. *out is opened with cr_binary_open; close it. */
enum cr_err cr_debug_find(const struct cr_binary *b, const char *const *dirs, size_t ndirs,
			  struct cr_binary **out, struct cr_error *e);
/* The file whose DWARF a dwz-processed file d shares (its
 * .gnu_debugaltlink, or DWARF 5 .debug_sup), found as gdb finds it: the
 * name it gives (an absolute one under the sysroot first, a relative one
 * beside d's real path), DIR/.build-id/xx/rest.debug of its build id under
 * the debug directories (as cr_debug_find), the debuginfod client cache,
 * then the absolute name under each debug directory. Its build id must be
 * the link's. CR_OK with *out NULL when d has no link; CR_NOTFOUND (or
 * CR_FORMAT for a malformed link) with one line in e. */
enum cr_err cr_debug_find_alt(const struct cr_binary *d, const char *const *dirs, size_t ndirs,
			      struct cr_binary **out, struct cr_error *e);

#endif
