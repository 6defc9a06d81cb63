/* Call sites: DWARF 5's DW_TAG_call_site and DWARF 4's GNU extension
 * DW_TAG_GNU_call_site, recorded while a unit is indexed (dwarf_index.c
 * calls dwarf_call_site for each one it meets under a subprogram with
 * code) and looked up by return address or by the function holding them.
 *
 * A record gives the call's return address (DW_AT_call_return_pc; the GNU
 * form's DW_AT_low_pc), whether it is a tail call (a jump: DW_AT_call_tail_call,
 * DW_AT_GNU_tail_call) and the callee when it is named: DW_AT_call_origin
 * (GNU: DW_AT_abstract_origin) refers to the callee's DIE, a declaration
 * (the callee is then found by its linkage name) or a definition (its
 * entry). An indirect call (DW_AT_call_target, DW_AT_GNU_call_site_target:
 * an expression over registers) names none. */
#include "dwarf_int.h"

#include <stdlib.h>
#include <string.h>

/* Whether die has attribute at as a true flag. */
static bool flag_true(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return false;
	}
	Dwarf_Bool v = 0;
	int rc = dwarf_formflag(a, &v, &er);
	dwarf_dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	return rc == DW_DLV_OK && v;
}

static bool has_attr(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Bool has = 0;
	Dwarf_Error er = NULL;
	if (dwarf_hasattr(die, at, &has, &er) != DW_DLV_OK)
		has = 0;
	dwarf_dwerr(d, &er);
	return has;
}

void dwarf_calls_unit(struct cr_dwarf *d, Dwarf_Die cu)
{
	Dwarf_Unsigned lang = 0;
	Dwarf_Error er = NULL;
	if (dwarf_srclang(cu, &lang, &er) != DW_DLV_OK)
		lang = 0;
	dwarf_dwerr(d, &er);
	d->cur_func = 0;
	d->cu_cplus = lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 || lang == DW_LANG_C_plus_plus_11 ||
		      lang == DW_LANG_C_plus_plus_14 || lang == DW_LANG_ObjC_plus_plus;
}

bool dwarf_all_calls(struct cr_dwarf *d, Dwarf_Die die)
{
	return flag_true(d, die, DW_AT_call_all_calls) || flag_true(d, die, DW_AT_GNU_all_call_sites) ||
	       flag_true(d, die, DW_AT_call_all_tail_calls) || flag_true(d, die, DW_AT_GNU_all_tail_call_sites);
}

static bool attr_addr(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t *v)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	if (dwarf_attr(die, at, &a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return false;
	}
	Dwarf_Addr x = 0;
	int rc = dwarf_formaddr(a, &x, &er);
	dwarf_dwerr(d, &er);
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	*v = x;
	return rc == DW_DLV_OK;
}

/* The callee of s from the DIE o of libdwarf dbg (d's own or the shared
 * file's: alt): a declaration by its name, a definition by its entry. */
static void callee_from(struct cr_dwarf *d, struct cr_dwarf *od, Dwarf_Die o, uint64_t cu_base, Dwarf_Half version,
			struct dsite *s)
{
	if (flag_true(od, o, DW_AT_declaration) && !has_attr(od, o, DW_AT_specification)) {
		/* gdb names a C++ function without a linkage name with its
		 * parameter list, which no symbol matches: not resolved */
		bool named = !d->cu_cplus || has_attr(od, o, DW_AT_linkage_name) ||
			     has_attr(od, o, DW_AT_MIPS_linkage_name);
		uint32_t id = named ? dwarf_die_name(od, o, 1) : 0;
		if (id && od != d)
			id = dwarf_intern(d, cr_strtab_get(&od->strs, id));
		s->name = id;
		s->kind = id ? CR_CALL_NAME : CR_CALL_UNKNOWN;
		return;
	}
	if (od != d)
		return; /* the shared file holds no code */
	size_t r0 = d->nranges;
	uint64_t entry = 0;
	dwarf_die_ranges(d, o, cu_base, version, &entry);
	if (d->nranges > r0) {
		s->kind = CR_CALL_ADDR;
		s->target = entry;
		s->multi = d->nranges - r0 > 1;
	}
	d->nranges = r0;
}

/* The callee named by the reference at of die, if any. */
static void callee(struct cr_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t cu_base, Dwarf_Half version,
		   struct dsite *s)
{
	Dwarf_Off off;
	bool alt, global;
	if (!dwarf_attr_ref(d, die, at, &off, &alt, &global))
		return;
	if (global) { /* in another unit of a file read unit by unit: by its name */
		s->name = dwarf_ref_addr_name(d, off, 1);
		s->kind = s->name ? CR_CALL_NAME : CR_CALL_UNKNOWN;
		return;
	}
	struct cr_dwarf *od = alt ? d->alt : d;
	if (!od || !od->dbg)
		return;
	Dwarf_Die o;
	Dwarf_Error er = NULL;
	if (dwarf_offdie_b(od->dbg, off, true, &o, &er) != DW_DLV_OK) {
		dwarf_dwerr(od, &er);
		return;
	}
	callee_from(d, od, o, cu_base, version, s);
	dwarf_dealloc_die(o);
}

void dwarf_call_site(struct cr_dwarf *d, Dwarf_Die die, uint64_t cu_base, Dwarf_Half version)
{
	if (!d->cur_func || d->err)
		return;
	struct dsite s = { .owner = d->cur_func - 1, .kind = CR_CALL_UNKNOWN, .ord = (uint32_t)d->nsites };
	if (!attr_addr(d, die, DW_AT_call_return_pc, &s.ret) && !attr_addr(d, die, DW_AT_low_pc, &s.ret))
		return;
	s.tail = flag_true(d, die, DW_AT_call_tail_call) || flag_true(d, die, DW_AT_GNU_tail_call);
	if (!has_attr(d, die, DW_AT_call_target) && !has_attr(d, die, DW_AT_GNU_call_site_target)) {
		if (has_attr(d, die, DW_AT_call_origin))
			callee(d, die, DW_AT_call_origin, cu_base, version, &s);
		else
			callee(d, die, DW_AT_abstract_origin, cu_base, version, &s);
	}
	if (cr_grow(&d->sites, &d->capsites, d->nsites + 1, sizeof *d->sites)) {
		d->err = CR_NOMEM;
		return;
	}
	d->sites[d->nsites++] = s;
}

static int site_cmp(const void *a, const void *b)
{
	const struct dsite *x = a, *y = b;
	if (x->ret != y->ret)
		return x->ret < y->ret ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int own_cmp(const void *a, const void *b)
{
	const struct dsown *x = a, *y = b;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

void dwarf_sort_sites(struct cr_dwarf *d, struct dunit *u)
{
	if (!u->nsites)
		return;
	struct dsite *s = d->sites + u->site0;
	qsort(s, u->nsites, sizeof *s, site_cmp);
	if (cr_grow(&d->owners, &d->capowners, d->nsites, sizeof *d->owners)) {
		d->err = CR_NOMEM;
		return;
	}
	struct dsown *o = d->owners + u->site0;
	for (uint32_t i = 0; i < u->nsites; i++)
		o[i] = (struct dsown){ s[i].owner, s[i].ord, u->site0 + i };
	qsort(o, u->nsites, sizeof *o, own_cmp);
}

/* ---------------------------------------------------------- lookup */

/* The units holding addr, indexed: the one whose range starting nearest
 * below it holds it (gdb's compilation unit of an address), then those
 * without ranges; at most max. */
static size_t units_at(struct cr_dwarf *d, uint64_t addr, struct dunit **out, size_t max)
{
	size_t n = 0;
	size_t lo = CR_UPPER_BOUND(d->uranges, d->nuranges, lo, addr);
	for (size_t k = lo; k > 0 && n < max; k--) {
		const struct durange *r = &d->uranges[k - 1];
		if (addr >= r->hi)
			continue;
		struct dunit *u = &d->units[r->unit];
		if (!dwarf_unit_ready(d, u))
			return n;
		out[n++] = u;
		break;
	}
	for (size_t i = 0; i < d->neager && n < max; i++)
		out[n++] = &d->units[d->eager[i]];
	return n;
}

static void site_out(const struct cr_dwarf *d, const struct dsite *s, struct cr_call_site *out)
{
	*out = (struct cr_call_site){ .ret = s->ret, .target = s->target, .kind = (enum cr_call_kind)s->kind,
				      .multi = s->multi, .tail = s->tail, .name = "" };
	if (s->kind == CR_CALL_NAME && s->name)
		out->name = cr_strtab_get(&d->strs, s->name);
}

bool cr_dwarf_call_site(struct cr_dwarf *d, uint64_t ret, struct cr_call_site *out)
{
	struct dunit *us[8];
	size_t nu = d && ret ? units_at(d, ret - 1, us, 8) : 0;
	for (size_t i = 0; i < nu; i++) {
		if (!us[i]->nsites)
			continue;
		const struct dsite *s = d->sites + us[i]->site0;
		size_t k = CR_UPPER_BOUND(s, us[i]->nsites, ret, ret - 1); /* the first at ret: gdb keeps it */
		if (k < us[i]->nsites && s[k].ret == ret) {
			site_out(d, &s[k], out);
			return true;
		}
	}
	return false;
}

/* The node of u's concrete function whose entry is exactly entry; -1 if
 * none. */
static int64_t func_at_entry(const struct cr_dwarf *d, const struct dunit *u, uint64_t entry)
{
	if (!u->ntops)
		return -1;
	const struct dtop *tops = d->tops + u->top0;
	size_t k = CR_UPPER_BOUND(tops, u->ntops, lo, entry);
	for (; k > 0 && tops[k - 1].lo == entry; k--) {
		const struct dnode *n = &d->nodes[tops[k - 1].node];
		if (!n->inlined && n->entry == entry)
			return tops[k - 1].node;
	}
	return -1;
}

bool cr_dwarf_tail_calls(struct cr_dwarf *d, uint64_t entry, struct cr_call_site *out, size_t max, size_t *n)
{
	struct dunit *us[8];
	size_t nu = d ? units_at(d, entry, us, 8) : 0;
	*n = 0;
	for (size_t i = 0; i < nu; i++) {
		int64_t f = func_at_entry(d, us[i], entry);
		if (f < 0)
			continue;
		if (!d->nodes[f].all_calls || !us[i]->nsites)
			return true;
		/* its sites, the last in DIE order first */
		const struct dsown *o = d->owners + us[i]->site0;
		size_t k = 0, hi = us[i]->nsites; /* after the last of f's */
		while (k < hi) {
			size_t mid = k + (hi - k) / 2;
			if (o[mid].owner <= (uint32_t)f)
				k = mid + 1;
			else
				hi = mid;
		}
		for (; k > 0 && o[k - 1].owner == (uint32_t)f; k--) {
			const struct dsite *s = &d->sites[o[k - 1].site];
			if (!s->tail)
				continue;
			if (*n < max)
				site_out(d, s, &out[*n]);
			(*n)++;
		}
		return true;
	}
	return false;
}
