/* DWARF call frame information (.eh_frame, .debug_frame): the CIEs and
 * FDEs of one section, indexed by address, and the row of the CFA table
 * (DWARF 5 section 6.4) in force at a pc, computed by running the CIE's
 * initial instructions and the FDE's instructions up to that pc.
 *
 * Every input byte is untrusted: each read is bounded by the section, the
 * instruction stream and the remember/restore stack are bounded, and what
 * the reader does not handle (indirect pointers, DWARF operations that have
 * no meaning in CFI) is an answer with a reason, not a guess. DWARF
 * expressions are evaluated by cr_cfi_eval, bounded in stack depth and in
 * operations run. Register numbers are the DWARF ones
 * of the target (aarch64: x0..x30 = 0..30, sp = 31); rules for numbers at
 * or past CR_CFI_NREGS are read and ignored (vector registers). */
#ifndef CORONER_CFI_H
#define CORONER_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"

#define CR_CFI_NREGS 33

enum cr_cfi_how {
	CR_CFI_SAME = 0,   /* unchanged from the callee (the default) */
	CR_CFI_UNDEF,      /* not recoverable: for the return address, the end of the stack */
	CR_CFI_OFFSET,     /* saved at CFA + off */
	CR_CFI_VAL_OFFSET, /* the value is CFA + off */
	CR_CFI_REGISTER,   /* in register reg */
	CR_CFI_EXPR,       /* saved at the address a DWARF expression computes (the
	                    * CFA pushed first): off is its section offset, reg its length */
	CR_CFI_VAL_EXPR,   /* the value is what that expression computes */
};

struct cr_cfi_rule { uint8_t how; uint16_t reg; int64_t off; };

struct cr_cfi_row {
	uint64_t start, end;     /* the FDE's address range */
	uint16_t cfa_reg;        /* CFA = cfa_reg + cfa_off, unless cfa_expr */
	int64_t cfa_off;
	bool cfa_expr;           /* CFA = the expression at section offset cfa_off,
	                          * cfa_reg bytes long (nothing pushed first) */
	bool signal_frame;       /* the CIE's 'S' augmentation */
	bool ra_signed;          /* aarch64: the return address carries a pointer
	                          * authentication code (DW_CFA_AARCH64_negate_ra_state) */
	uint16_t ra;             /* return address column */
	struct cr_cfi_rule reg[CR_CFI_NREGS];
};

struct cr_cfi_fde { uint64_t start, end; size_t off; };
struct cr_cfi {
	const uint8_t *data;     /* the section's bytes (not owned) */
	size_t len;
	uint64_t addr;           /* its address (for pc-relative pointers) */
	bool debug_frame;        /* .debug_frame's CIE ids and absolute addresses */
	struct cr_cfi_fde *fdes; /* sorted by start */
	size_t nfdes;
	size_t bad;              /* entries that could not be read (skipped) */
};

/* Index the FDEs of one section (data, len bytes, at address addr; for
 * .eh_frame the runtime or link-time address the pcs given later use).
 * Unreadable entries are counted in cfi->bad and skipped; a length that
 * leaves the section ends the walk. Errors: CR_NOMEM, CR_LIMIT (over
 * max_fdes entries). Release with cr_cfi_free. */
enum cr_err cr_cfi_init(struct cr_cfi *cfi, const uint8_t *data, size_t len, uint64_t addr, bool debug_frame,
			size_t max_fdes, struct cr_error *e);
void cr_cfi_free(struct cr_cfi *cfi);

/* The row in force at pc. 1: found, *row filled; 0: no FDE covers pc;
 * -1: the FDE or its CIE cannot be read or run (*why says what, at which
 * offset of the section: a static string or one written into why_buf). */
int cr_cfi_row_at(const struct cr_cfi *cfi, uint64_t pc, struct cr_cfi_row *row, char *why_buf, size_t why_n,
		  const char **why);

/* How an expression reads the frame it describes: reg gives DWARF
 * register regno's value, mem size (1..8) bytes at addr (little-endian);
 * each false when unknown. */
struct cr_cfi_env {
	bool (*reg)(void *arg, unsigned regno, uint64_t *v);
	bool (*mem)(void *arg, uint64_t addr, unsigned size, uint64_t *v);
	void *arg;
};

/* Evaluate the DWARF expression of len bytes at section offset off of cfi
 * (a row's cfa_expr, or a CR_CFI_EXPR / CR_CFI_VAL_EXPR rule), with push
 * on the stack first if has_push (the CFA, for a register's rule). The
 * operations of DWARF 5 section 2.5 that CFI can use: literals and
 * constants, breg/bregx, deref/deref_size, the stack, arithmetic and
 * logic, comparisons, skip and bra. true: *out is the top of the stack;
 * false: *why says why (an unknown or unsupported operation, a register
 * or memory that cannot be read, a stack under- or overflow, a branch out
 * of the expression, more than 1024 operations). */
bool cr_cfi_eval(const struct cr_cfi *cfi, size_t off, size_t len, bool has_push, uint64_t push,
		 const struct cr_cfi_env *env, uint64_t *out, const char **why);

#endif
