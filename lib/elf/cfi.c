/* DWARF call frame information: FDE index and CFA rows (see coroner/cfi.h).
 *
 * Layouts from DWARF 5 section 6.4 and the LSB's .eh_frame description:
 *   entry: length (u32; 0xffffffff: u64 follows), id / CIE pointer;
 *   CIE: version, augmentation string, [address size, segment size if
 *     version 4], code alignment (uleb), data alignment (sleb), return
 *     address column (u8 in version 1, else uleb), augmentation data
 *     ('z': its length, then 'L' 'P' 'R' operands), initial instructions;
 *   FDE: initial location and range (the CIE's 'R' encoding; .debug_frame:
 *     8-byte addresses), augmentation data length if 'z', instructions.
 * In .eh_frame a CIE has id 0 and an FDE's CIE pointer counts back from
 * its own position; in .debug_frame a CIE has id 0xffffffff and an FDE's
 * CIE pointer is an offset in the section. */
#include "coroner/cfi.h"
#include "coroner/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t end, off; /* reads stay below end */
	bool bad;
};

static uint64_t rd_n(struct rd *r, unsigned n)
{
	if (r->bad || n > r->end - r->off) {
		r->bad = true;
		return 0;
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; !r->bad; shift += 7) {
		if (r->off >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		uint8_t b = r->p[r->off++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	return 0;
}

static int64_t rd_sleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		if (r->bad || r->off >= r->end || shift > 63) {
			r->bad = true;
			return 0;
		}
		uint8_t b = r->p[r->off++];
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			return (int64_t)v;
		}
	}
}

/* A pointer of encoding enc at r's position; base: the section's address. */
static uint64_t rd_ptr(struct rd *r, uint8_t enc, uint64_t base)
{
	uint64_t at = base + r->off, v;
	if (enc == 0xff || (enc & 0x80)) { /* omitted here, or indirect: not read */
		r->bad = true;
		return 0;
	}
	switch (enc & 0x0f) {
	case 0x00: v = rd_n(r, 8); break;
	case 0x01: v = rd_uleb(r); break;
	case 0x02: v = rd_n(r, 2); break;
	case 0x03: v = rd_n(r, 4); break;
	case 0x04: v = rd_n(r, 8); break;
	case 0x09: v = (uint64_t)rd_sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)rd_n(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)rd_n(r, 4); break;
	case 0x0c: v = rd_n(r, 8); break;
	default: r->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: return v;
	case 0x10: return v + at; /* pcrel */
	default: r->bad = true; return 0; /* textrel, datarel...: not in CFI ranges */
	}
}

struct cie {
	size_t insn, end;           /* initial instructions [insn, end) */
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	bool z, signal;
};

/* An entry's header at off: its length and where its body starts. false
 * when it does not fit the section; *len 0: a terminator. */
static bool entry_at(const struct cr_cfi *cfi, size_t off, size_t *body, size_t *endp, bool *is64)
{
	struct rd r = { cfi->data, cfi->len, off, false };
	uint64_t len = rd_n(&r, 4);
	*is64 = len == 0xffffffffu;
	if (*is64)
		len = rd_n(&r, 8);
	if (r.bad || len > r.end - r.off)
		return false;
	*body = r.off;
	*endp = r.off + (size_t)len;
	return true;
}

static bool read_cie(const struct cr_cfi *cfi, size_t off, struct cie *c)
{
	size_t body, end;
	bool is64;
	memset(c, 0, sizeof *c);
	if (!entry_at(cfi, off, &body, &end, &is64) || end == body)
		return false;
	struct rd r = { cfi->data, end, body, false };
	uint64_t id = rd_n(&r, is64 ? 8 : 4);
	uint64_t want = cfi->debug_frame ? (is64 ? ~(uint64_t)0 : 0xffffffffu) : 0;
	if (r.bad || id != want)
		return false;
	uint8_t version = (uint8_t)rd_n(&r, 1);
	if (version != 1 && version != 3 && version != 4)
		return false;
	const char *aug = (const char *)r.p + r.off;
	const uint8_t *z = r.bad ? NULL : memchr(r.p + r.off, 0, r.end - r.off);
	if (!z)
		return false;
	size_t auglen = (size_t)(z - (r.p + r.off));
	r.off += auglen + 1;
	if (version == 4)
		(void)rd_n(&r, 2); /* address and segment selector sizes */
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra = version == 1 ? rd_n(&r, 1) : rd_uleb(&r);
	c->fde_enc = 0x00; /* absolute, 8 bytes, unless 'R' says otherwise */
	if (auglen && aug[0] == 'z') {
		c->z = true;
		uint64_t alen = rd_uleb(&r);
		if (r.bad || alen > r.end - r.off)
			return false;
		size_t aend = r.off + (size_t)alen;
		struct rd a = { r.p, aend, r.off, false };
		for (size_t i = 1; i < auglen && !a.bad; i++) {
			switch (aug[i]) {
			case 'R': c->fde_enc = (uint8_t)rd_n(&a, 1); break;
			case 'L': (void)rd_n(&a, 1); break;
			case 'P': {
				uint8_t pe = (uint8_t)rd_n(&a, 1);
				(void)rd_ptr(&a, (uint8_t)(pe & 0x7f), cfi->addr); /* the personality routine: unused */
				break;
			}
			case 'S': c->signal = true; break;
			case 'B': case 'G': break; /* aarch64 pointer-auth key, memory tagging */
			default: i = auglen; break; /* unknown: the rest is skipped by length */
			}
		}
		if (a.bad)
			return false;
		r.off = aend;
	} else if (auglen) {
		return false; /* augmentation without its length: cannot be skipped */
	}
	if (r.bad || !c->code_align)
		return false;
	c->insn = r.off;
	c->end = end;
	return true;
}

/* The FDE at off: its range, its CIE and instructions [*insn, *iend). */
static bool read_fde(const struct cr_cfi *cfi, size_t off, struct cie *c, uint64_t *start, uint64_t *end,
		     size_t *insn, size_t *iend, struct cie *cached, size_t *cached_off)
{
	size_t body, eend;
	bool is64;
	if (!entry_at(cfi, off, &body, &eend, &is64) || eend == body)
		return false;
	struct rd r = { cfi->data, eend, body, false };
	uint64_t ptr = rd_n(&r, is64 ? 8 : 4);
	if (r.bad)
		return false;
	size_t cie_off;
	if (cfi->debug_frame) {
		if (ptr >= cfi->len)
			return false;
		cie_off = (size_t)ptr;
	} else {
		if (ptr == 0 || ptr > body)
			return false;
		cie_off = body - (size_t)ptr;
	}
	if (cached && *cached_off == cie_off) {
		*c = *cached;
	} else if (!read_cie(cfi, cie_off, c)) {
		return false;
	} else if (cached) {
		*cached = *c;
		*cached_off = cie_off;
	}
	*start = rd_ptr(&r, c->fde_enc, cfi->addr);
	uint64_t range = rd_ptr(&r, (uint8_t)(c->fde_enc & 0x0f), cfi->addr);
	if (c->z) {
		uint64_t alen = rd_uleb(&r);
		if (r.bad || alen > r.end - r.off)
			return false;
		r.off += (size_t)alen;
	}
	if (r.bad || *start + range < *start)
		return false;
	*end = *start + range;
	*insn = r.off;
	*iend = eend;
	return true;
}

static int fde_cmp(const void *a, const void *b)
{
	const struct cr_cfi_fde *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

enum cr_err cr_cfi_init(struct cr_cfi *cfi, const uint8_t *data, size_t len, uint64_t addr, bool debug_frame,
			size_t max_fdes, struct cr_error *e)
{
	memset(cfi, 0, sizeof *cfi);
	cfi->data = data;
	cfi->len = data ? len : 0;
	cfi->addr = addr;
	cfi->debug_frame = debug_frame;
	size_t cap = 0, off = 0, cie_off = SIZE_MAX;
	struct cie cached;
	memset(&cached, 0, sizeof cached);
	while (off < cfi->len) {
		size_t body, end;
		bool is64;
		if (!entry_at(cfi, off, &body, &end, &is64)) {
			cfi->bad++;
			break; /* the length leaves the section: nothing after it can be found */
		}
		if (end == body) {
			if (!debug_frame)
				break; /* .eh_frame's terminator */
			off = end;
			continue;
		}
		struct rd r = { data, end, body, false };
		uint64_t id = rd_n(&r, is64 ? 8 : 4);
		bool is_cie = debug_frame ? id == (is64 ? ~(uint64_t)0 : 0xffffffffu) : id == 0;
		if (!is_cie) {
			struct cie c;
			uint64_t s, en;
			size_t insn, iend;
			if (!read_fde(cfi, off, &c, &s, &en, &insn, &iend, &cached, &cie_off)) {
				cfi->bad++;
			} else if (en > s) {
				if (cfi->nfdes >= max_fdes) {
					cr_cfi_free(cfi);
					return cr_fail(e, CR_LIMIT, "call frame information: more than %zu FDEs", max_fdes);
				}
				if (cr_grow(&cfi->fdes, &cap, cfi->nfdes + 1, sizeof *cfi->fdes)) {
					cr_cfi_free(cfi);
					return cr_fail(e, CR_NOMEM, "out of memory");
				}
				cfi->fdes[cfi->nfdes++] = (struct cr_cfi_fde){ s, en, off };
			}
		}
		off = end;
	}
	if (cfi->nfdes > 1)
		qsort(cfi->fdes, cfi->nfdes, sizeof *cfi->fdes, fde_cmp);
	return CR_OK;
}

void cr_cfi_free(struct cr_cfi *cfi)
{
	if (!cfi)
		return;
	cr_free(cfi->fdes);
	cfi->fdes = NULL;
	cfi->nfdes = 0;
}

#define STACK_MAX 8

/* Factored offsets wrap as the address arithmetic they feed does. */
static int64_t mul(uint64_t a, int64_t b)
{
	return (int64_t)(a * (uint64_t)b);
}

struct state { uint16_t cfa_reg; int64_t cfa_off; bool cfa_expr, ra_signed; struct cr_cfi_rule reg[CR_CFI_NREGS]; };

#define EXPR_MAX 0xffff /* an expression's length fits a rule's reg field */

static void set_rule(struct state *s, uint64_t reg, uint8_t how, int64_t off, uint64_t other)
{
	if (reg < CR_CFI_NREGS)
		s->reg[reg] = (struct cr_cfi_rule){ how, (uint16_t)(other < 0xffff ? other : 0xffff), off };
}

/* Run the instructions [from, to) until the location passes pc. init: the
 * state after the CIE's instructions (NULL while running them). */
static const char *run(const struct cr_cfi *cfi, const struct cie *c, size_t from, size_t to, uint64_t pc,
		       uint64_t loc, struct state *s, const struct state *init)
{
	struct rd r = { cfi->data, to, from, false };
	struct state stack[STACK_MAX];
	size_t depth = 0;
	while (r.off < r.end && !r.bad) {
		uint8_t op = (uint8_t)rd_n(&r, 1);
		uint8_t hi = op & 0xc0, lo = op & 0x3f;
		uint64_t reg, adv = 0;
		bool advance = false;
		if (hi == 0x40) {
			adv = lo, advance = true;
		} else if (hi == 0x80) {
			set_rule(s, lo, CR_CFI_OFFSET, mul(rd_uleb(&r), c->data_align), 0);
		} else if (hi == 0xc0) {
			if (lo < CR_CFI_NREGS)
				s->reg[lo] = init ? init->reg[lo] : (struct cr_cfi_rule){ 0 };
		} else {
			switch (op) {
			case 0x00: break; /* nop */
			case 0x01: { /* set_loc */
				uint64_t to_loc = rd_ptr(&r, c->fde_enc, cfi->addr);
				if (!r.bad && pc < to_loc)
					return NULL;
				loc = to_loc;
				break;
			}
			case 0x02: adv = rd_n(&r, 1), advance = true; break;
			case 0x03: adv = rd_n(&r, 2), advance = true; break;
			case 0x04: adv = rd_n(&r, 4), advance = true; break;
			case 0x05:
				reg = rd_uleb(&r);
				set_rule(s, reg, CR_CFI_OFFSET, mul(rd_uleb(&r), c->data_align), 0);
				break;
			case 0x06:
				reg = rd_uleb(&r);
				if (reg < CR_CFI_NREGS)
					s->reg[reg] = init ? init->reg[reg] : (struct cr_cfi_rule){ 0 };
				break;
			case 0x07: set_rule(s, rd_uleb(&r), CR_CFI_UNDEF, 0, 0); break;
			case 0x08: set_rule(s, rd_uleb(&r), CR_CFI_SAME, 0, 0); break;
			case 0x09: reg = rd_uleb(&r); set_rule(s, reg, CR_CFI_REGISTER, 0, rd_uleb(&r)); break;
			case 0x0a: /* remember_state */
				if (depth >= STACK_MAX)
					return "DW_CFA_remember_state nested too deep";
				stack[depth++] = *s;
				break;
			case 0x0b: /* restore_state: the CFA rule too, as libgcc and gdb read it */
				if (!depth)
					return "DW_CFA_restore_state without a remembered state";
				*s = stack[--depth];
				break;
			case 0x0c:
				reg = rd_uleb(&r);
				s->cfa_reg = (uint16_t)(reg < 0xffff ? reg : 0xffff);
				s->cfa_off = (int64_t)rd_uleb(&r);
				s->cfa_expr = false;
				break;
			case 0x0d:
				if (s->cfa_expr)
					return "DW_CFA_def_cfa_register after a CFA expression";
				reg = rd_uleb(&r);
				s->cfa_reg = (uint16_t)(reg < 0xffff ? reg : 0xffff);
				break;
			case 0x0e:
				if (s->cfa_expr)
					return "DW_CFA_def_cfa_offset after a CFA expression";
				s->cfa_off = (int64_t)rd_uleb(&r);
				break;
			case 0x0f: { /* def_cfa_expression */
				uint64_t n = rd_uleb(&r);
				if (r.bad || n > r.end - r.off)
					return "DW_CFA_def_cfa_expression longer than its FDE";
				if (n > EXPR_MAX)
					return "DW_CFA_def_cfa_expression longer than 65535 bytes";
				s->cfa_reg = (uint16_t)n;
				s->cfa_off = (int64_t)r.off;
				s->cfa_expr = true;
				r.off += (size_t)n;
				break;
			}
			case 0x10: case 0x16: { /* expression, val_expression */
				reg = rd_uleb(&r);
				uint64_t n = rd_uleb(&r);
				if (r.bad || n > r.end - r.off)
					return "DW_CFA_expression longer than its FDE";
				if (n > EXPR_MAX)
					return "DW_CFA_expression longer than 65535 bytes";
				set_rule(s, reg, op == 0x10 ? CR_CFI_EXPR : CR_CFI_VAL_EXPR, (int64_t)r.off, n);
				r.off += (size_t)n;
				break;
			}
			case 0x11:
				reg = rd_uleb(&r);
				set_rule(s, reg, CR_CFI_OFFSET, mul((uint64_t)rd_sleb(&r), c->data_align), 0);
				break;
			case 0x12:
				reg = rd_uleb(&r);
				s->cfa_reg = (uint16_t)(reg < 0xffff ? reg : 0xffff);
				s->cfa_off = mul((uint64_t)rd_sleb(&r), c->data_align);
				s->cfa_expr = false;
				break;
			case 0x13:
				if (s->cfa_expr)
					return "DW_CFA_def_cfa_offset_sf after a CFA expression";
				s->cfa_off = mul((uint64_t)rd_sleb(&r), c->data_align);
				break;
			case 0x14:
				reg = rd_uleb(&r);
				set_rule(s, reg, CR_CFI_VAL_OFFSET, mul(rd_uleb(&r), c->data_align), 0);
				break;
			case 0x15:
				reg = rd_uleb(&r);
				set_rule(s, reg, CR_CFI_VAL_OFFSET, mul((uint64_t)rd_sleb(&r), c->data_align), 0);
				break;
			case 0x2d: s->ra_signed = !s->ra_signed; break; /* DW_CFA_AARCH64_negate_ra_state */
			case 0x2e: (void)rd_uleb(&r); break;                 /* GNU_args_size */
			case 0x2f: reg = rd_uleb(&r); set_rule(s, reg, CR_CFI_OFFSET, mul(-rd_uleb(&r), c->data_align), 0); break;
			default: return "unknown DW_CFA instruction";
			}
		}
		if (advance) {
			uint64_t d = adv * c->code_align;
			if (loc + d < loc)
				return "DW_CFA_advance_loc past the end of the address space";
			loc += d;
			if (pc < loc)
				return NULL;
		}
	}
	return r.bad ? "instruction operands run past the end of the entry" : NULL;
}

int cr_cfi_row_at(const struct cr_cfi *cfi, uint64_t pc, struct cr_cfi_row *row, char *why_buf, size_t why_n,
		  const char **why)
{
	*why = NULL;
	size_t lo = 0, hi = cfi->nfdes;
	while (lo < hi) { /* first FDE starting after pc */
		size_t mid = lo + (hi - lo) / 2;
		if (cfi->fdes[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || pc >= cfi->fdes[lo - 1].end)
		return 0;
	const struct cr_cfi_fde *f = &cfi->fdes[lo - 1];
	struct cie c;
	uint64_t start, end;
	size_t insn, iend;
	if (!read_fde(cfi, f->off, &c, &start, &end, &insn, &iend, NULL, NULL)) {
		snprintf(why_buf, why_n, "FDE at section offset 0x%zx cannot be read", f->off);
		*why = why_buf;
		return -1;
	}
	struct state init, s;
	memset(&init, 0, sizeof init);
	const char *err = run(cfi, &c, c.insn, c.end, UINT64_MAX, 0, &init, NULL);
	if (!err) {
		s = init;
		err = run(cfi, &c, insn, iend, pc, start, &s, &init);
	}
	if (err) {
		snprintf(why_buf, why_n, "FDE at section offset 0x%zx: %s", f->off, err);
		*why = why_buf;
		return -1;
	}
	memset(row, 0, sizeof *row);
	row->start = start;
	row->end = end;
	row->cfa_reg = s.cfa_reg;
	row->cfa_off = s.cfa_off;
	row->cfa_expr = s.cfa_expr;
	row->signal_frame = c.signal;
	row->ra_signed = s.ra_signed;
	row->ra = (uint16_t)(c.ra < 0xffff ? c.ra : 0xffff);
	memcpy(row->reg, s.reg, sizeof row->reg);
	return 1;
}

#define EVAL_STACK 64
#define EVAL_OPS 1024

static bool eval_fail(const char **why, const char *msg)
{
	*why = msg;
	return false;
}

/* The binary operations (0x1a..0x2e less the unary and the branch ones):
 * false if op is not one. */
static bool binop(uint8_t op, uint64_t a, uint64_t b, uint64_t *v, const char **why)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	switch (op) {
	case 0x1a: *v = a & b; return true;
	case 0x1b: /* div: signed */
		if (!b)
			return eval_fail(why, "DW_OP_div by zero");
		*v = sa == INT64_MIN && sb == -1 ? a : (uint64_t)(sa / sb);
		return true;
	case 0x1c: *v = a - b; return true;
	case 0x1d:
		if (!b)
			return eval_fail(why, "DW_OP_mod by zero");
		*v = a % b;
		return true;
	case 0x1e: *v = a * b; return true;
	case 0x21: *v = a | b; return true;
	case 0x22: *v = a + b; return true;
	case 0x24: *v = b >= 64 ? 0 : a << b; return true;
	case 0x25: *v = b >= 64 ? 0 : a >> b; return true;
	case 0x26: *v = b >= 64 ? (sa < 0 ? ~(uint64_t)0 : 0) : (uint64_t)(sa >> b); return true;
	case 0x27: *v = a ^ b; return true;
	case 0x29: *v = sa == sb; return true;
	case 0x2a: *v = sa >= sb; return true;
	case 0x2b: *v = sa > sb; return true;
	case 0x2c: *v = sa <= sb; return true;
	case 0x2d: *v = sa < sb; return true;
	case 0x2e: *v = sa != sb; return true;
	}
	return eval_fail(why, "unknown DWARF operation in CFI");
}

/* Operations that read nothing but the stack; false with *why unset if op
 * is not one of them. */
static bool stack_op(uint8_t op, struct rd *r, uint64_t *st, size_t *sp, const char **why)
{
	size_t n = *sp;
	uint64_t t;
	switch (op) {
	case 0x12: /* dup */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		st[n] = st[n - 1], n++;
		break;
	case 0x13: /* drop */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		n--;
		break;
	case 0x14: /* over */
		if (n < 2) return eval_fail(why, "DWARF expression stack underflow");
		st[n] = st[n - 2], n++;
		break;
	case 0x15: { /* pick */
		uint64_t i = rd_n(r, 1);
		if (i >= n) return eval_fail(why, "DW_OP_pick past the bottom of the stack");
		st[n] = st[n - 1 - i], n++;
		break;
	}
	case 0x16: /* swap */
		if (n < 2) return eval_fail(why, "DWARF expression stack underflow");
		t = st[n - 1], st[n - 1] = st[n - 2], st[n - 2] = t;
		break;
	case 0x17: /* rot: the top entry goes under the next two */
		if (n < 3) return eval_fail(why, "DWARF expression stack underflow");
		t = st[n - 1], st[n - 1] = st[n - 2], st[n - 2] = st[n - 3], st[n - 3] = t;
		break;
	case 0x19: /* abs */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		if ((int64_t)st[n - 1] < 0) st[n - 1] = -st[n - 1];
		break;
	case 0x1f: /* neg */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		st[n - 1] = -st[n - 1];
		break;
	case 0x20: /* not */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		st[n - 1] = ~st[n - 1];
		break;
	case 0x23: /* plus_uconst */
		if (!n) return eval_fail(why, "DWARF expression stack underflow");
		st[n - 1] += rd_uleb(r);
		break;
	default:
		if (op < 0x1a || op > 0x2e || op == 0x23 || op == 0x28)
			return false;
		if (n < 2)
			return eval_fail(why, "DWARF expression stack underflow");
		if (!binop(op, st[n - 2], st[n - 1], &st[n - 2], why))
			return false;
		n--;
	}
	*sp = n;
	return true;
}

/* A value an operation pushes (constants, registers, memory); false with
 * *why set if it cannot, with *why unset if op is not one of them. */
static bool value_op(uint8_t op, struct rd *r, const struct cr_cfi_env *env, uint64_t *st, size_t n, uint64_t *v,
		     const char **why)
{
	uint64_t reg;
	int64_t off;
	if (op >= 0x30 && op <= 0x4f) { /* lit0..lit31 */
		*v = op - 0x30u;
		return true;
	}
	if ((op >= 0x70 && op <= 0x8f) || op == 0x92) { /* breg0..31, bregx */
		reg = op == 0x92 ? rd_uleb(r) : op - 0x70u;
		off = rd_sleb(r);
		if (r->bad)
			return eval_fail(why, "DWARF expression operands run past its end");
		if (reg > 0xffff || !env->reg(env->arg, (unsigned)reg, v))
			return eval_fail(why, "a DWARF expression reads a register unknown here");
		*v += (uint64_t)off;
		return true;
	}
	switch (op) {
	case 0x03: *v = rd_n(r, 8); return true; /* addr */
	case 0x08: *v = rd_n(r, 1); return true;
	case 0x09: *v = (uint64_t)(int64_t)(int8_t)rd_n(r, 1); return true;
	case 0x0a: *v = rd_n(r, 2); return true;
	case 0x0b: *v = (uint64_t)(int64_t)(int16_t)rd_n(r, 2); return true;
	case 0x0c: *v = rd_n(r, 4); return true;
	case 0x0d: *v = (uint64_t)(int64_t)(int32_t)rd_n(r, 4); return true;
	case 0x0e: case 0x0f: *v = rd_n(r, 8); return true;
	case 0x10: *v = rd_uleb(r); return true;
	case 0x11: *v = (uint64_t)rd_sleb(r); return true;
	case 0x06: case 0x94: { /* deref, deref_size: the address is popped (the caller drops it) */
		unsigned size = op == 0x06 ? 8 : (unsigned)rd_n(r, 1);
		if (!n)
			return eval_fail(why, "DWARF expression stack underflow");
		if (!size || size > 8)
			return eval_fail(why, "DW_OP_deref_size of more than 8 bytes");
		if (!env->mem(env->arg, st[n - 1], size, v))
			return eval_fail(why, "a DWARF expression reads memory not in the core");
		return true;
	}
	}
	return false;
}

bool cr_cfi_eval(const struct cr_cfi *cfi, size_t off, size_t len, bool has_push, uint64_t push,
		 const struct cr_cfi_env *env, uint64_t *out, const char **why)
{
	*why = NULL;
	if (off > cfi->len || len > cfi->len - off)
		return eval_fail(why, "DWARF expression outside its section");
	struct rd r = { cfi->data, off + len, off, false };
	uint64_t st[EVAL_STACK + 1];
	size_t n = 0;
	if (has_push)
		st[n++] = push;
	for (unsigned ops = 0; r.off < r.end; ops++) {
		if (ops >= EVAL_OPS)
			return eval_fail(why, "DWARF expression runs more than 1024 operations");
		if (n >= EVAL_STACK)
			return eval_fail(why, "DWARF expression stack deeper than 64");
		uint8_t op = (uint8_t)rd_n(&r, 1);
		uint64_t v;
		if (op == 0x96) /* nop */
			continue;
		if (op == 0x2f || op == 0x28) { /* skip, bra */
			int64_t d = (int64_t)(int16_t)rd_n(&r, 2);
			if (op == 0x28) {
				if (!n)
					return eval_fail(why, "DWARF expression stack underflow");
				if (!st[--n])
					continue;
			}
			if ((d < 0 && (uint64_t)-d > r.off - off) || (d > 0 && (uint64_t)d > r.end - r.off))
				return eval_fail(why, "DWARF expression branches out of itself");
			r.off = (size_t)((int64_t)r.off + d);
			continue;
		}
		if (stack_op(op, &r, st, &n, why))
			continue;
		if (*why)
			return false;
		if (!value_op(op, &r, env, st, n, &v, why))
			return *why ? false : eval_fail(why, "a DWARF operation CFI cannot use");
		if (op == 0x06 || op == 0x94)
			n--; /* the address, replaced by what it holds */
		st[n++] = v;
		if (r.bad)
			break;
	}
	if (r.bad)
		return eval_fail(why, "DWARF expression operands run past its end");
	if (!n)
		return eval_fail(why, "DWARF expression leaves an empty stack");
	*out = st[n - 1];
	return true;
}
