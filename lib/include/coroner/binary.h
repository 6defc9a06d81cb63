/* ELF files: sections (compressed ones inflated once, on first use),
 * segments, symbols, build ids, dynamic RELATIVE relocations, and reads of
 * bytes by virtual address.
 *
 * ELF32 and ELF64, little and big endian, any machine. Every header, table
 * and section is validated against the file size before anything reads it
 * (docs/HACKING.md, "Hardening rules"); compressed sections are inflated under
 * cr_limits.max_debug (total) and cr_limits.max_ratio (per section).
 *
 * Addresses are link-time virtual addresses (what the file says). A caller
 * with runtime addresses subtracts the load bias first (see
 * cr_binary_bias_from_maps in sym.h).
 *
 * One struct cr_binary owns everything it hands out: names, section data,
 * symbol tables. Pointers stay valid until cr_binary_close().
 */
#ifndef CORONER_BINARY_H
#define CORONER_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/util.h"

/* ELF constants we name (values are from the ELF gABI). */
enum {
	CR_ET_EXEC = 2, CR_ET_DYN = 3, CR_ET_CORE = 4,
	CR_EM_386 = 3, CR_EM_ARM = 40, CR_EM_X86_64 = 62, CR_EM_AARCH64 = 183,
	CR_EM_PPC64 = 21, CR_EM_S390 = 22, CR_EM_RISCV = 243, CR_EM_MIPS = 8,
	CR_PT_LOAD = 1, CR_PT_NOTE = 4,
	CR_PF_X = 1, CR_PF_W = 2, CR_PF_R = 4,
	CR_SHT_PROGBITS = 1, CR_SHT_SYMTAB = 2, CR_SHT_STRTAB = 3, CR_SHT_RELA = 4,
	CR_SHT_NOTE = 7, CR_SHT_NOBITS = 8, CR_SHT_REL = 9, CR_SHT_DYNSYM = 11,
	CR_SHF_ALLOC = 0x2, CR_SHF_EXECINSTR = 0x4, CR_SHF_COMPRESSED = 0x800,
	CR_STT_NOTYPE = 0, CR_STT_OBJECT = 1, CR_STT_FUNC = 2, CR_STT_FILE = 4, CR_STT_TLS = 6,
};

struct cr_elf_section {
	const char *name;   /* "" if the name is out of range */
	uint32_t type, link, info;
	uint64_t flags, addr, offset, entsize, align;
	uint64_t file_size; /* bytes in the file (compressed size if compressed) */
	/* private: filled by cr_binary_section_data() */
	const uint8_t *data;
	uint64_t size;      /* bytes after inflation; valid once data is set */
	bool loaded, compressed;
};

struct cr_elf_segment {
	uint32_t type, flags; /* CR_PT_*, CR_PF_* */
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct cr_elf_symbol {
	const char *name;
	const char *file;   /* local symbols: the STT_FILE before them in the table; else NULL */
	uint64_t value, size;
	uint8_t type, bind; /* STT_*, STB_* */
	uint16_t shndx;
};

struct cr_binary_priv;
struct cr_binary {
	const char *path;          /* as given to open (display name) */
	const uint8_t *data;       /* the whole file */
	size_t len;
	bool is64, big_endian;
	uint16_t type, machine;    /* e_type, e_machine */
	uint64_t entry;
	struct cr_elf_section *sections; /* index = ELF section index; [0] is the null section */
	size_t nsections;
	struct cr_elf_segment *segments;
	size_t nsegments;
	char gnu_build_id[129];    /* hex, "" if none */
	char go_build_id[256];     /* as Go writes it ("abc/def/..."), "" if none */
	uint64_t text_addr;        /* lowest vaddr of an executable PT_LOAD (0 if none) */
	/* e_shstrndx names no string table while there are sections: no section
	 * has a name, so nothing is found by name (.debug_*, .gopclntab) */
	bool names_unknown;
	unsigned long long shstrndx;
	bool named;                /* opened by cr_binary_open_named: path is under --sysroot */
	struct cr_binary_priv *priv;
};

/* Open an ELF file (gzip/zstd-compressed files are inflated first, under
 * cr_limits.max_core_inflate). Errors: CR_IO, CR_FORMAT (not ELF, or a
 * table/section lies outside the file), CR_LIMIT/CR_NOMEM.
 * On success *out owns everything; free with cr_binary_close(). */
enum cr_err cr_binary_open(struct cr_binary **out, const char *path, struct cr_error *e);

/* The same over memory (fuzzers, tests): data is NOT copied and must outlive
 * the binary. name is used in messages. */
enum cr_err cr_binary_from_memory(struct cr_binary **out, const char *name, const void *data,
				  size_t len, struct cr_error *e);

/* Open a binary an input names (a core's mapped file), through
 * cr_input_open_named: only under --sysroot, regular files, no links out. */
enum cr_err cr_binary_open_named(struct cr_binary **out, const char *path, struct cr_error *e);

/* The same, then trusted only if it is the file the core mapped: page is
 * the core's copy of the mapping's first bytes (pagelen of them); its GNU
 * build id (when the page holds one) must equal the file's, and the file
 * must start with the same bytes. CR_UNSUPPORTED when it is another file. */
enum cr_err cr_binary_open_mapped(struct cr_binary **out, const char *path,
				  const unsigned char *page, size_t pagelen, struct cr_error *e);

void cr_binary_close(struct cr_binary *b); /* NULL ok */

/* "amd64", "arm64", "386", "arm", "ppc64", "s390x", "riscv64", "mips",
 * or "unknown": Go's GOARCH spelling. */
const char *cr_binary_arch(const struct cr_binary *b);
unsigned cr_binary_ptrsize(const struct cr_binary *b); /* 4 or 8 */

/* First section with this name, or NULL. */
struct cr_elf_section *cr_binary_section(const struct cr_binary *b, const char *name);

/* The bytes of a section: inflated on first call if SHF_COMPRESSED (zlib)
 * or a ".zdebug_*" section (then also answered for the ".debug_*" name by
 * cr_binary_debug_section). NOBITS sections give len 0. The data is owned by
 * b. Errors: CR_FORMAT (corrupt stream, lying size), CR_LIMIT (caps). */
enum cr_err cr_binary_section_data(struct cr_binary *b, struct cr_elf_section *s,
				   const uint8_t **data, size_t *len, struct cr_error *e);

/* For inflating part of a compressed section (zlib, SHF_COMPRESSED or
 * ".zdebug_*"): its compressed stream and inflated size, checked against
 * the caps cr_binary_section_data applies (not counted against
 * --max-debug: the caller keeps only part). CR_NOTFOUND when s is not
 * compressed. */
enum cr_err cr_binary_section_stream(struct cr_binary *b, const struct cr_elf_section *s, const uint8_t **src,
				     size_t *srclen, size_t *size, struct cr_error *e);
/* A debug section by its ".debug_X" name, also found as ".zdebug_X".
 * NULL if absent. */
struct cr_elf_section *cr_binary_debug_section(const struct cr_binary *b, const char *name);

/* Symbols: the defined symbols with an address, from .symtab (or .dynsym
 * when there is no .symtab), sorted by value then name. They are read on
 * first need (a library opened only to unwind never reads them); the first
 * few cr_binary_symbol_at() answers come from a pass over the table, which
 * is read and sorted only once more addresses are asked. Out of memory,
 * the table is empty. */
const struct cr_elf_symbol *cr_binary_symbols(const struct cr_binary *b, size_t *n);
size_t cr_binary_nsymbols(const struct cr_binary *b);
/* by_name is exact (first of duplicates; a name with a default version,
 * sem_wait@@GLIBC_2.34, also answers to sem_wait when no symbol is named
 * so); at() returns the symbol
 * whose [value, value+size) holds addr, or for size-0 symbols the nearest one
 * at or below addr within the same section. NULL if none. */
const struct cr_elf_symbol *cr_binary_symbol_by_name(struct cr_binary *b, const char *name);
/* The symbols cr_binary_symbol_by_name() gives for names[0, n), copied
 * into out[k] (found[k] false for a name without one), from one pass over
 * the raw table: no sorted table or name index is built (a few names of a
 * big binary looked up once). */
void cr_binary_symbols_named(struct cr_binary *b, const char *const *names, size_t n,
			     struct cr_elf_symbol *out, bool *found);
const struct cr_elf_symbol *cr_binary_symbol_at(const struct cr_binary *b, uint64_t addr);
/* The cr_binary_symbol_at() answers for addrs[0, n) found in one pass over
 * the table and kept (nothing done if the sorted table is built, or when
 * they would not all be kept). */
void cr_binary_symbols_at_prefetch(const struct cr_binary *b, const uint64_t *addrs, size_t n);

/* File bytes backing [vaddr, vaddr+n) in one PT_LOAD segment (or, for files
 * without segments, one allocated section); NULL if not all of it is backed
 * by file bytes (bss, out of range). Relocations are not applied. */
const uint8_t *cr_binary_ptr(const struct cr_binary *b, uint64_t vaddr, size_t n);

/* Copy up to n bytes at vaddr; bytes past filesz but within memsz read as
 * zero. Returns the count copied (stops at the first unmapped byte). */
size_t cr_binary_read(const struct cr_binary *b, uint64_t vaddr, void *buf, size_t n);

/* Read an unsigned integer of size 1, 2, 4 or 8 at vaddr in the file's byte
 * order. false if unmapped. */
bool cr_binary_read_uint(const struct cr_binary *b, uint64_t vaddr, unsigned size, uint64_t *out);

/* Read a pointer-sized word at vaddr as the dynamic loader would leave it at
 * the link-time base: when a RELATIVE relocation (x86-64, aarch64, 386, arm)
 * targets vaddr, its addend; otherwise the stored word. PIE Go binaries keep
 * pointers (pcHeader.textStart, moduledata) this way. */
bool cr_binary_read_addr(const struct cr_binary *b, uint64_t vaddr, uint64_t *out);

/* Decode integers in the binary's byte order from p (caller checked bounds). */
uint16_t cr_binary_u16(const struct cr_binary *b, const uint8_t *p);
uint32_t cr_binary_u32(const struct cr_binary *b, const uint8_t *p);
uint64_t cr_binary_u64(const struct cr_binary *b, const uint8_t *p);

/* Iterate ELF notes in buf (a PT_NOTE segment or SHT_NOTE section):
 * returns false at the end or on a malformed note (*off is past the end
 * then). name/desc point into buf. Every call advances *off. */
struct cr_elf_note {
	const char *name; /* not NUL-terminated; namesz bytes minus the NUL */
	size_t namelen;
	uint32_t type;
	const uint8_t *desc;
	size_t desclen;
};
bool cr_elf_note_next(const struct cr_binary *b, const uint8_t *buf, size_t len, size_t *off,
		      struct cr_elf_note *n);

#endif
