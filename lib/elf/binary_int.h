/* What lib/elf's files share about a struct cr_binary. Not installed. */
#ifndef CORONER_BINARY_INT_H
#define CORONER_BINARY_INT_H

#include "coroner/binary.h"
#include "coroner/input.h"

struct cr_reloc { uint64_t off, addend; };

/* An address symbol_at was asked about before the table was sorted, and
 * its answer (a copy in the arena, or NULL). */
struct cr_sym_seen { uint64_t addr; const struct cr_elf_symbol *y; };
/* The same for a name (symbol_by_name). */
struct cr_sym_named { const char *name; const struct cr_elf_symbol *y; };

struct cr_binary_priv {
	struct cr_input in;
	bool have_in;
	/* symbols (symbols.c): read and sorted on first need */
	struct cr_elf_symbol *syms; /* defined symbols with an address, sorted */
	size_t nsyms;
	bool syms_loaded;
	struct cr_sym_seen *seen;   /* before the table is sorted */
	size_t nseen;
	struct cr_sym_named *named; /* before the name index is built */
	size_t nnamed;
	struct cr_hmap byname;      /* symbol name -> index+1 (built lazily) */
	bool byname_built;
	struct cr_reloc *relocs;    /* RELATIVE relocations, sorted by offset */
	size_t nrelocs;
	size_t inflated_total;
	struct cr_arena arena;      /* names of sections we had to copy */
};

#endif
