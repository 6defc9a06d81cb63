/* arm64 frames of a core's threads from DWARF CFI (see cr_arm64_* in
 * coroner/core.h).
 *
 * AAPCS64: x29 is the frame pointer, x30 the link register, sp is DWARF
 * register 31 and the CFA is the caller's sp; the return address column is
 * 30. A frame is stepped by the CFA row of its pc (the return address less
 * one in callers: a call that does not return may end its function) from
 * the file's .eh_frame, else its .debug_frame (a stripped file's from its
 * separate debug file, as gdb reads it). Where no CFI covers the pc,
 * the frame record chain is followed: the innermost (or interrupted) frame
 * of a pc in no file (a call through a bad pointer) returns to x30;
 * otherwise [x29] holds
 * the caller's x29 and [x29+8] its return address. A return address signed
 * for pointer authentication (DW_CFA_AARCH64_negate_ra_state) has its code
 * cleared: user addresses fit in 48 bits here.
 *
 * A frame whose code is the rt_sigreturn trampoline (mov x8, #139; svc #0:
 * the kernel's vdso and qemu-user's own trampoline page alike) is a signal
 * frame: its sp is the kernel's struct rt_sigframe, a siginfo (128 bytes)
 * then a ucontext whose mcontext (struct sigcontext: fault_address, x0..x30,
 * sp, pc, pstate) starts 176 bytes in; the frame above it is the code the
 * signal interrupted, at the exact pc it was at (not a return address), and
 * it may be on another stack (sigaltstack), so sp is not compared there.
 *
 * The stack ends where the CFI leaves the return address undefined (glibc's
 * _start and thread_start say so), at a zero return address, or, with a
 * reason, at a read outside the core, a CFA below the previous one (CFI
 * that loops or lies), a pc outside every mapped file, or CFI that cannot
 * be run (a DWARF expression that cannot be evaluated: cr_cfi_eval). */
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/cfi.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_FILES 64
#define MAX_FDES (1u << 20)
#define PC_MASK 0x0000ffffffffffffull

struct file {
	uint64_t start, end; /* runtime range of its executable segments */
	int64_t bias;
	struct cr_cfi eh, dbg;
};

struct cr_arm64_unwind {
	const struct cr_core *core;
	struct file files[MAX_FILES];
	size_t nfiles;
	char why[256];
};

static void load_cfi(struct file *f, struct cr_binary *b, const char *name, bool debug_frame, struct cr_cfi *cfi,
		     struct cr_buf *warn)
{
	struct cr_elf_section *s = debug_frame ? cr_binary_debug_section(b, name) : cr_binary_section(b, name);
	const uint8_t *d = NULL;
	size_t n = 0;
	struct cr_error e = { 0 };
	memset(cfi, 0, sizeof *cfi);
	if (!s || s->type == 8 /* SHT_NOBITS */)
		return;
	if (cr_binary_section_data(b, s, &d, &n, &e) ||
	    cr_cfi_init(cfi, d, n, debug_frame ? 0 : s->addr, debug_frame, MAX_FDES, &e)) {
		if (warn)
			cr_buf_addf(warn, "%s: %s: %s\n", b->path, name, e.msg);
		return;
	}
	if (cfi->bad && warn)
		cr_buf_addf(warn, "%s: %s: %zu entries cannot be read (skipped)\n", b->path, name, cfi->bad);
	(void)f;
}

enum cr_err cr_arm64_open(struct cr_arm64_unwind **out, const struct cr_core *c, const struct cr_arm64_file *files,
			  size_t nfiles, struct cr_buf *warn, struct cr_error *e)
{
	*out = NULL;
	if (c->arch != CR_ARCH_ARM64)
		return cr_fail(e, CR_UNSUPPORTED, "%s: not an arm64 core", c->name);
	struct cr_arm64_unwind *u = cr_calloc(1, sizeof *u);
	if (!u)
		return cr_fail(e, CR_NOMEM, "out of memory");
	u->core = c;
	for (size_t i = 0; i < nfiles && u->nfiles < MAX_FILES; i++) {
		/* the section readers inflate and cache: the file is not const to them */
		struct cr_binary *b = (struct cr_binary *)files[i].file;
		if (!b)
			continue;
		struct file *f = &u->files[u->nfiles];
		memset(f, 0, sizeof *f);
		f->start = UINT64_MAX;
		f->bias = files[i].bias;
		for (size_t k = 0; k < b->nsegments; k++) {
			const struct cr_elf_segment *g = &b->segments[k];
			uint64_t s = g->vaddr + (uint64_t)f->bias, en = s + g->memsz;
			if (g->type != CR_PT_LOAD || !(g->flags & CR_PF_X) || en < s)
				continue;
			if (s < f->start)
				f->start = s;
			if (en > f->end)
				f->end = en;
		}
		if (f->start >= f->end)
			continue;
		load_cfi(f, b, ".eh_frame", false, &f->eh, warn);
		/* the debug file's sections are read and cached as the file's */
		struct cr_binary *db = (struct cr_binary *)files[i].debug;
		load_cfi(f, db && !cr_binary_debug_section(b, ".debug_frame") ? db : b, ".debug_frame", true, &f->dbg, warn);
		u->nfiles++;
	}
	*out = u;
	return CR_OK;
}

void cr_arm64_close(struct cr_arm64_unwind *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nfiles; i++) {
		cr_cfi_free(&u->files[i].eh);
		cr_cfi_free(&u->files[i].dbg);
	}
	cr_free(u);
}

static const struct file *file_of(const struct cr_arm64_unwind *u, uint64_t pc)
{
	for (size_t i = 0; i < u->nfiles; i++)
		if (pc >= u->files[i].start && pc < u->files[i].end)
			return &u->files[i];
	return NULL;
}

struct regs { uint64_t x[32]; bool have[32]; uint64_t pc; };

struct expr_frame { const struct cr_core *core; const struct regs *r; };

static bool expr_reg(void *arg, unsigned regno, uint64_t *v)
{
	const struct expr_frame *x = arg;
	if (regno >= 32 || !x->r->have[regno])
		return false;
	*v = x->r->x[regno];
	return true;
}

static bool expr_mem(void *arg, uint64_t addr, unsigned size, uint64_t *v)
{
	const struct expr_frame *x = arg;
	uint8_t b[8];
	if (size > 8 || cr_core_read(x->core, addr, b, size) != size)
		return false;
	*v = 0;
	for (unsigned i = 0; i < size; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return true;
}

/* The value of a DWARF expression of the frame at r (u->why on failure). */
static bool eval(struct cr_arm64_unwind *u, const struct cr_cfi *cfi, size_t off, size_t len, bool has_cfa,
		 uint64_t cfa, const struct regs *r, const char *what, uint64_t *out)
{
	struct expr_frame x = { u->core, r };
	struct cr_cfi_env env = { expr_reg, expr_mem, &x };
	const char *why;
	if (cr_cfi_eval(cfi, off, len, has_cfa, cfa, &env, out, &why))
		return true;
	snprintf(u->why, sizeof u->why, "%s at pc 0x%" PRIx64 ": %s", what, r->pc, why);
	return false;
}

/* One step by CFI (the row of cfi at r's pc): 1 stepped, 0 the stack ends
 * here, -1 stopped (u->why). */
static int step_cfi(struct cr_arm64_unwind *u, const struct cr_cfi *cfi, const struct cr_cfi_row *row, struct regs *r)
{
	const struct cr_core *c = u->core;
	uint64_t cfa;
	if (row->cfa_expr) {
		if (!eval(u, cfi, (size_t)row->cfa_off, row->cfa_reg, false, 0, r, "the CFA expression", &cfa))
			return -1;
	} else if (row->cfa_reg >= 32 || !r->have[row->cfa_reg]) {
		snprintf(u->why, sizeof u->why, "the CFA at pc 0x%" PRIx64 " is based on register %u, unknown here", r->pc,
			 row->cfa_reg);
		return -1;
	} else {
		cfa = r->x[row->cfa_reg] + (uint64_t)row->cfa_off;
	}
	if (row->ra >= 32) {
		snprintf(u->why, sizeof u->why, "return address column %u at pc 0x%" PRIx64 " is not a register", row->ra, r->pc);
		return -1;
	}
	struct regs n = *r;
	for (unsigned k = 0; k < 32; k++) {
		const struct cr_cfi_rule *rule = &row->reg[k];
		uint64_t at = cfa + (uint64_t)rule->off;
		switch (rule->how) {
		case CR_CFI_SAME: break;
		case CR_CFI_UNDEF: n.have[k] = false; break;
		case CR_CFI_EXPR: /* saved at the address it computes */
		case CR_CFI_OFFSET:
			if (rule->how == CR_CFI_EXPR &&
			    !eval(u, cfi, (size_t)rule->off, rule->reg, true, cfa, r, "a register's expression", &at))
				return -1;
			if (!cr_core_read_u64(c, at, &n.x[k])) {
				snprintf(u->why, sizeof u->why,
					 "register x%u of the frame at pc 0x%" PRIx64 " is saved at 0x%" PRIx64 ", not in the core", k,
					 r->pc, at);
				return -1;
			}
			n.have[k] = true;
			break;
		case CR_CFI_VAL_OFFSET: n.x[k] = at, n.have[k] = true; break;
		case CR_CFI_VAL_EXPR:
			if (!eval(u, cfi, (size_t)rule->off, rule->reg, true, cfa, r, "a register's value expression", &n.x[k]))
				return -1;
			n.have[k] = true;
			break;
		case CR_CFI_REGISTER:
			if (rule->reg < 32) {
				n.x[k] = r->x[rule->reg];
				n.have[k] = r->have[rule->reg];
			} else
				n.have[k] = false;
			break;
		default: n.have[k] = false; break;
		}
	}
	if (row->reg[row->ra].how == CR_CFI_UNDEF)
		return 0; /* the outermost frame */
	if (!n.have[row->ra]) {
		snprintf(u->why, sizeof u->why, "the return address of the frame at pc 0x%" PRIx64 " is not recoverable", r->pc);
		return -1;
	}
	n.pc = n.x[row->ra] & PC_MASK;
	n.x[31] = cfa;
	n.have[31] = true;
	*r = n;
	return 1;
}

#define SIGRETURN_INSNS 0xd4000001d2801168ull /* mov x8, #139 (rt_sigreturn); svc #0 */
#define SIGCONTEXT_OFF (128 + 176)           /* siginfo, then ucontext's uc_mcontext */

static bool is_sigreturn(const struct cr_arm64_unwind *u, uint64_t pc)
{
	uint64_t insns;
	return !(pc & 3) && cr_core_read_u64(u->core, pc, &insns) && insns == SIGRETURN_INSNS;
}

/* Step out of a signal frame: every register from the sigcontext at sp. */
static int step_sigframe(struct cr_arm64_unwind *u, struct regs *r)
{
	uint64_t sc = r->x[31] + SIGCONTEXT_OFF, v[33];
	for (unsigned k = 0; k < 33; k++)
		if (!r->have[31] || !cr_core_read_u64(u->core, sc + 8 + 8 * (uint64_t)k, &v[k])) {
			snprintf(u->why, sizeof u->why, "the signal frame at sp 0x%" PRIx64 " is not in the core", r->x[31]);
			return -1;
		}
	for (unsigned k = 0; k < 32; k++) {
		r->x[k] = v[k];
		r->have[k] = true;
	}
	r->pc = v[32] & PC_MASK;
	return 1;
}

/* One step by the frame record at x29: as step_cfi. */
static int step_fp(struct cr_arm64_unwind *u, struct regs *r, bool innermost, bool in_file)
{
	if (innermost && !in_file && r->have[30]) {
		r->pc = r->x[30] & PC_MASK; /* called through a bad pointer: the caller is at lr */
		return 1;
	}
	uint64_t fp = r->x[29], nfp, lr;
	if (!r->have[29] || !fp || (fp & 7) || fp < r->x[31]) {
		snprintf(u->why, sizeof u->why, "no CFI at pc 0x%" PRIx64 " and no frame record (x29 0x%" PRIx64 ")", r->pc, fp);
		return -1;
	}
	if (!cr_core_read_u64(u->core, fp, &nfp) || !cr_core_read_u64(u->core, fp + 8, &lr)) {
		snprintf(u->why, sizeof u->why, "the frame record at 0x%" PRIx64 " is not in the core", fp);
		return -1;
	}
	r->x[29] = nfp;
	r->x[30] = lr;
	r->x[31] = fp + 16;
	r->have[30] = true;
	r->pc = lr & PC_MASK;
	return 1;
}

size_t cr_arm64_unwind(struct cr_arm64_unwind *u, size_t thread, struct cr_native_frame *out, size_t max,
		       const char **stop)
{
	*stop = NULL;
	if (!u || !max || thread >= u->core->nthreads)
		return 0;
	const struct cr_regs *cr = &u->core->threads[thread].regs;
	if (cr->nraw < 33)
		return 0;
	struct regs r;
	memset(&r, 0, sizeof r);
	for (unsigned k = 0; k < 32; k++) {
		r.x[k] = cr->raw[k];
		r.have[k] = true;
	}
	r.pc = cr->raw[32];
	size_t n = 0;
	bool exact = true; /* r.pc is not a return address: the innermost frame, or one a signal interrupted */
	u->why[0] = 0;
	while (n < max) {
		out[n] = (struct cr_native_frame){ r.pc, r.x[31], exact && n > 0 };
		n++;
		uint64_t sp = r.x[31], pc = r.pc;
		if (is_sigreturn(u, r.pc)) {
			if (step_sigframe(u, &r) <= 0)
				break;
			exact = true;
			if (!r.pc)
				break;
			continue;
		}
		uint64_t at = exact ? r.pc : r.pc - 1;
		const struct file *f = file_of(u, at);
		if (!f && !exact) {
			snprintf(u->why, sizeof u->why, "pc 0x%" PRIx64 " is in no mapped file", r.pc);
			break;
		}
		struct cr_cfi_row row;
		const char *why = NULL;
		const struct cr_cfi *cfi = f ? &f->eh : NULL;
		int found = 0;
		uint64_t link = f ? at - (uint64_t)f->bias : 0;
		if (f)
			found = cr_cfi_row_at(cfi, link, &row, u->why, sizeof u->why, &why);
		if (f && found == 0) {
			cfi = &f->dbg;
			found = cr_cfi_row_at(cfi, link, &row, u->why, sizeof u->why, &why);
		}
		if (found < 0)
			break; /* u->why says it */
		int k = found ? step_cfi(u, cfi, &row, &r) : step_fp(u, &r, exact, f != NULL);
		exact = false;
		if (k <= 0)
			break;
		if (!r.pc)
			break; /* a zero return address: the end */
		if (r.x[31] < sp || (r.x[31] == sp && r.pc == pc)) {
			snprintf(u->why, sizeof u->why,
				 "the frame above pc 0x%" PRIx64 " would have sp 0x%" PRIx64 " (not above 0x%" PRIx64
				 "): CFI loops or is wrong",
				 pc, r.x[31], sp);
			break;
		}
	}
	if (u->why[0])
		*stop = u->why;
	return n;
}
