/* arm64: a NULL store in a function called through via_expr(), whose call
 * frame information is written as DWARF expressions after its prologue, so
 * that an unwinder gets past it only by evaluating them:
 *   CFA  DW_CFA_def_cfa_expression   DW_OP_breg29 24; DW_OP_deref
 *        (the prologue stores the CFA at [x29 + 24])
 *   x29  DW_CFA_expression           DW_OP_const1u 32; DW_OP_minus
 *        (CFA - 32; the CFA is pushed first)
 *   x30  DW_CFA_expression           DW_OP_breg31 8; DW_OP_const1s -8; DW_OP_and
 *   x19  DW_CFA_val_expression       DW_OP_breg29 16; DW_OP_deref
 *        (the value saved at [x29 + 16]) */
#include <stdio.h>

void via_expr(void (*fn)(void));
__asm__(".text\n"
	".globl via_expr\n"
	".type via_expr, %function\n"
	"via_expr:\n"
	".cfi_startproc\n"
	"	stp x29, x30, [sp, #-32]!\n"
	".cfi_def_cfa_offset 32\n"
	".cfi_offset 29, -32\n"
	".cfi_offset 30, -24\n"
	"	mov x29, sp\n"
	"	add x9, sp, #32\n"
	"	str x9, [sp, #24]\n"
	"	str x19, [sp, #16]\n"
	".cfi_escape 0x0f, 0x03, 0x8d, 0x18, 0x06\n"
	".cfi_escape 0x10, 0x1d, 0x03, 0x08, 0x20, 0x1c\n"
	".cfi_escape 0x10, 0x1e, 0x05, 0x8f, 0x08, 0x09, 0xf8, 0x1a\n"
	".cfi_escape 0x16, 0x13, 0x03, 0x8d, 0x10, 0x06\n"
	"	mov x19, x0\n"
	"	blr x19\n"
	"	ldr x19, [sp, #16]\n"
	"	ldp x29, x30, [sp], #32\n"
	".cfi_def_cfa 31, 0\n"
	".cfi_restore 29\n"
	".cfi_restore 30\n"
	".cfi_restore 19\n"
	"	ret\n"
	".cfi_endproc\n"
	".size via_expr, .-via_expr\n");

static int *volatile nowhere;

__attribute__((noinline)) static void crash(void)
{
	*nowhere = 1;
}

__attribute__((noinline)) static void run(void)
{
	via_expr(crash);
	puts("not reached");
}

int main(void)
{
	run();
	return 0;
}
