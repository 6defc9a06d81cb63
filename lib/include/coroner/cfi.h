/* DWARF call frame information (.eh_frame, .debug_frame): the CIEs and
 * FDEs of one section, indexed by address, and the row of the CFA table
 * (DWARF 5 section 6.4) in force at a pc, computed by running the CIE's
 * initial instructions and the FDE's instructions up to that pc.
 *
 * Every input byte is untrusted: each read is bounded by the section, the
 * instruction stream and the remember/restore stack are bounded, and what
 * the reader does not handle (DWARF expressions, indirect pointers) is an
 * answer with a reason, not a guess. Register numbers are the DWARF ones
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
	CR_CFI_EXPR,       /* a DWARF expression: not evaluated */
};

struct cr_cfi_rule { uint8_t how; uint16_t reg; int64_t off; };

struct cr_cfi_row {
	uint64_t start, end;     /* the FDE's address range */
	uint16_t cfa_reg;        /* CFA = cfa_reg + cfa_off, unless cfa_expr */
	int64_t cfa_off;
	bool cfa_expr;
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

#endif
