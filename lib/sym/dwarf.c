/* DWARF via libdwarf, indexed once.
 *
 * libdwarf 20210528 is handed the sections through its object-access
 * interface (dwarf_object_init_b) rather than its own ELF reader: sections
 * come from struct cr_binary, already validated and inflated under our caps
 * (SHF_COMPRESSED and .zdebug_*), and only the sections symbolization needs
 * are shown to it (Go's compressed .debug_loc/.debug_frame are never
 * inflated).
 *
 * Opening reads only each unit's header and DIE: the address ranges of
 * the unit (DW_AT_low_pc/high_pc or DW_AT_ranges), in one table sorted by
 * address. A unit is indexed when a lookup first falls in its ranges (a
 * core's few dozen pcs touch a few dozen of libc's 1,700 units): what
 * lookups need is copied into our own arrays (names interned): its line
 * rows sorted by address, and the tree of DW_TAG_subprogram /
 * DW_TAG_inlined_subroutine scopes with their address ranges in DFS order,
 * so that a lookup is a binary search plus a walk down one subtree. A unit
 * whose DIE gives no ranges is indexed at once. libdwarf stays open until
 * the index is closed. .debug_aranges is not used: Go writes none, and the
 * unit DIEs say the same.
 *
 * Opened for known addresses (cr_dwarf_open_for, a core's pcs), a
 * compressed .debug_info with .debug_aranges is inflated only in part:
 * the units holding them (dwarf_part.c).
 *
 * dwarf_check.c checks the raw sections first; dwarf_unit.c shows
 * libdwarf the file or one unit of it; dwarf_index.c builds the index;
 * this file opens, looks up and reads struct layouts.
 */
#include "dwarf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cr_dwarf_close(struct cr_dwarf *d)
{
	if (!d)
		return;
	if (d->dbg) {
		Dwarf_Error er = NULL;
		dwarf_object_finish(d->dbg, &er);
		d->dbg = NULL;
	}
	cr_free(d->oa);
	dpart_close(d->part);
	dpart_close(d->apart);
	dpart_close(d->lpart);
	if (d->alt && d->alt_owned) {
		cr_binary_close(d->alt->bin);
		cr_dwarf_close(d->alt);
	}
	cr_hmap_release(&d->alt_names);
	cr_hmap_release(&d->ref_names);
	cr_free(d->units);
	cr_free(d->uranges);
	cr_free(d->eager);
	cr_strtab_release(&d->strs);
	cr_hmap_release(&d->origin_names);
	cr_free(d->rows);
	cr_free(d->nodes);
	cr_free(d->ranges);
	cr_free(d->tops);
	cr_free(d->sites);
	cr_free(d->owners);
	cr_free(d);
}

size_t cr_dwarf_skipped_units(const struct cr_dwarf *d)
{
	return d->skipped;
}

void dwarf_skip(struct cr_dwarf *d, uint64_t off, const char *why)
{
	d->skipped++;
	if (off == UINT64_MAX || d->nskips >= sizeof d->skips / sizeof d->skips[0])
		return;
	for (size_t i = 0; i < d->nskips; i++)
		if (d->skips[i].off == off && d->skips[i].why == why)
			return;
	d->skips[d->nskips].off = off;
	d->skips[d->nskips++].why = why;
}

/* dwarf_skip, the unit listed at index at (the ones from there on moved
 * up, the last dropped if the list is full); whether it was listed. */
static bool skip_at(struct cr_dwarf *d, size_t at, uint64_t off, const char *why)
{
	const size_t cap = sizeof d->skips / sizeof d->skips[0];
	d->skipped++;
	for (size_t i = 0; i < d->nskips; i++)
		if (d->skips[i].off == off && d->skips[i].why == why)
			return false;
	if (off == UINT64_MAX || at >= cap || at > d->nskips)
		return false;
	if (d->nskips == cap)
		d->nskips--;
	memmove(&d->skips[at + 1], &d->skips[at], (d->nskips - at) * sizeof d->skips[0]);
	d->skips[at].off = off;
	d->skips[at].why = why;
	d->nskips++;
	return true;
}

bool cr_dwarf_skipped_unit(const struct cr_dwarf *d, size_t i, uint64_t *off, const char **why)
{
	if (!d || i >= d->nskips)
		return false;
	*off = d->skips[i].off;
	*why = d->skips[i].why;
	return true;
}


static int urange_cmp(const void *a, const void *b)
{
	const struct durange *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* Record unit cu: its ranges in d->uranges, or, when its DIE has none, its
 * index at once. */
static void add_unit(struct cr_dwarf *d, Dwarf_Die cu, Dwarf_Half version)
{
	Dwarf_Error er = NULL;
	Dwarf_Off off = 0;
	if (d->nunits >= UINT32_MAX || cr_grow(&d->units, &d->capunits, d->nunits + 1, sizeof *d->units)) {
		d->err = CR_NOMEM;
		return;
	}
	if (dwarf_dieoffset(cu, &off, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		dwarf_skip(d, UINT64_MAX, NULL);
		return;
	}
	uint32_t ui = (uint32_t)d->nunits++;
	struct dunit *u = &d->units[ui];
	memset(u, 0, sizeof *u);
	u->die = off;
	Dwarf_Off hdr = 0, hlen = 0;
	u->hdr = dwarf_die_CU_offset_range(cu, &hdr, &hlen, &er) == DW_DLV_OK ? hdr : UINT64_MAX;
	dwarf_dwerr(d, &er);
	u->version = version;
	Dwarf_Addr base = 0;
	if (dwarf_lowpc(cu, &base, &er) != DW_DLV_OK)
		base = 0;
	dwarf_dwerr(d, &er);
	size_t r0 = d->nranges;
	uint64_t entry;
	dwarf_die_ranges(d, cu, base, version, &entry);
	if (d->nranges == r0) {
		dwarf_index_unit(d, u, cu);
		if (!u->nrows && !u->ntops)
			return; /* types only */
		if (cr_grow(&d->eager, &d->capeager, d->neager + 1, sizeof *d->eager))
			d->err = CR_NOMEM;
		else
			d->eager[d->neager++] = ui;
		return;
	}
	for (size_t k = r0; k < d->nranges && !d->err; k++) {
		if (cr_grow(&d->uranges, &d->capuranges, d->nuranges + 1, sizeof *d->uranges))
			d->err = CR_NOMEM;
		else
			d->uranges[d->nuranges++] = (struct durange){ d->ranges[k].lo, d->ranges[k].hi, ui };
	}
	d->nranges = r0; /* the scopes' ranges only */
}

/* See dwarf_int.h. */
bool dwarf_unit_ready(struct cr_dwarf *d, struct dunit *u)
{
	if (u->indexed)
		return true;
	if (d->err)
		return false;
	if (d->sliced) {
		if (d->part && !u->len && !dwarf_part_unit(d, u)) {
			u->indexed = true; /* unreadable: nothing in it */
			dwarf_skip(d, u->hdr, "its header or abbreviations cannot be read");
			return true;
		}
		dwarf_index_slice(d, u);
		return !d->err;
	}
	if (!d->dbg)
		return false;
	Dwarf_Die cu;
	Dwarf_Error er = NULL;
	if (dwarf_offdie_b(d->dbg, u->die, true, &cu, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		u->indexed = true; /* nothing in it, then */
		dwarf_skip(d, u->hdr, "its DIE cannot be read");
		return true;
	}
	dwarf_index_unit(d, u, cu);
	dwarf_dealloc_die(cu);
	return !d->err;
}

/* libdwarf over iface into d->dbg; on failure what libdwarf said (or the
 * error d's reads met first), d->dbg unset. */
static enum cr_err dwarf_attach(struct cr_dwarf *d, Dwarf_Obj_Access_Interface *iface, struct cr_error *e)
{
	Dwarf_Error er = NULL;
	int drc = dwarf_object_init_b(iface, NULL, NULL, DW_GROUPNUMBER_ANY, &d->dbg, &er);
	if (drc == DW_DLV_OK)
		return CR_OK;
	char msg[256];
	snprintf(msg, sizeof msg, "%s", drc == DW_DLV_ERROR && er ? dwarf_errmsg(er) : "no DWARF");
	if (er)
		dwarf_dealloc(NULL, er, DW_DLA_ERROR);
	enum cr_err code = d->err ? d->err : drc == DW_DLV_NO_ENTRY ? CR_NOTFOUND : CR_LIBDWARF;
	return cr_fail(e, code, "%s: DWARF: %s", d->bin->path, msg);
}

static enum cr_err dwarf_open(struct cr_binary *b, struct cr_dwarf *alt, struct cr_dwarf **out, struct cr_error *e)
{
	*out = NULL;
	const uint8_t *idata;
	size_t ilen;
	enum cr_err rc = dwarf_check_sections(b, &idata, &ilen, e);
	if (rc)
		return rc;
	struct cr_dwarf *d = cr_calloc(1, sizeof *d);
	if (!d)
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	d->bin = b;
	d->e = e;
	d->alt = alt;
	cr_hmap_init(&d->origin_names);
	cr_hmap_init(&d->alt_names);
	cr_hmap_init(&d->ref_names);
	if (cr_strtab_init(&d->strs)) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	d->die_budget = ilen + 1; /* a DIE takes at least one byte */
	if (dwarf_read_aranges(d, idata, ilen)) {
		d->sliced = true;
		qsort(d->uranges, d->nuranges, sizeof *d->uranges, urange_cmp);
		d->e = NULL;
		*out = d;
		return CR_OK;
	}
	struct oa *oa = cr_calloc(1, sizeof *oa);
	if (!oa) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	oa->d = d;
	oa->iface = (Dwarf_Obj_Access_Interface){ oa, &dwarf_oa_methods };
	if ((rc = dwarf_attach(d, &oa->iface, e))) {
		cr_free(oa);
		cr_dwarf_close(d);
		return rc;
	}
	Dwarf_Error er = NULL;
	d->oa = oa;
	size_t units = 0;
	for (;;) {
		Dwarf_Half ver;
		int r = dwarf_next_unit(d->dbg, &ver, &er);
		if (r == DW_DLV_NO_ENTRY)
			break;
		if (r != DW_DLV_OK) {
			/* libdwarf cannot step past a broken unit header */
			dwarf_dwerr(d, &er);
			dwarf_skip(d, UINT64_MAX, NULL);
			break;
		}
		Dwarf_Die cu;
		if (dwarf_siblingof_b(d->dbg, NULL, true, &cu, &er) != DW_DLV_OK) {
			dwarf_dwerr(d, &er);
			dwarf_skip(d, UINT64_MAX, NULL);
			continue;
		}
		units++;
		add_unit(d, cu, ver);
		dwarf_dealloc_die(cu);
		if (d->err)
			break;
	}
	if (!d->err && d->nuranges)
		qsort(d->uranges, d->nuranges, sizeof *d->uranges, urange_cmp);
	if (d->err) {
		enum cr_err code = d->err;
		cr_dwarf_close(d);
		if (e && e->code)
			return e->code;
		return cr_fail(e, code, "%s: DWARF: %s while indexing", b->path, cr_strerror(code));
	}
	if (units == 0 && d->skipped) {
		cr_dwarf_close(d);
		return cr_fail(e, CR_FORMAT, "%s: DWARF: no readable compilation unit", b->path);
	}
	d->e = NULL;
	*out = d;
	return CR_OK;
}

static int unit_hdr_cmp(const void *a, const void *b)
{
	const struct dunit *x = *(const struct dunit *const *)a, *y = *(const struct dunit *const *)b;
	return x->hdr < y->hdr ? -1 : x->hdr > y->hdr;
}

/* .debug_info's units to read kept by a second thread while those it
 * has kept are indexed (with .debug_line compressed too: the thread then
 * has the other half of the work). */
static void plan_units(struct cr_dwarf *d, struct dunit *const *want, size_t n)
{
	bool head = dpart_headed(d->part); /* its thread runs: it must be told, even of nothing */
	if (!head && (!d->lpart || n < 2))
		return;
	uint64_t *hdrs = cr_malloc((n ? n : 1) * sizeof *hdrs);
	size_t k = 0;
	for (size_t i = 0; hdrs && i < n; i++)
		if (!want[i]->len && want[i]->hdr != UINT64_MAX)
			hdrs[k++] = want[i]->hdr;
	if (hdrs || head)
		dpart_plan(d->part, hdrs, k, dwarf_section_size(d->bin, ".debug_abbrev"));
	cr_free(hdrs);
}

/* The units of a sliced index whose ranges hold one of addrs[0, n), read
 * from the stream in the order they lie in it (one pass). */
static void prefetch_units(struct cr_dwarf *d, const uint64_t *addrs, size_t n)
{
	struct dunit **want = NULL;
	size_t nwant = 0, cap = 0;
	/* each address once (a core's threads share most of their pcs): the
	 * ranges below one are walked back from it */
	uint64_t *uniq = cr_malloc(n * sizeof *uniq);
	if (uniq) {
		memcpy(uniq, addrs, n * sizeof *uniq);
		qsort(uniq, n, sizeof *uniq, dwarf_u64_cmp);
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (!m || uniq[m - 1] != uniq[i])
				uniq[m++] = uniq[i];
		addrs = uniq;
		n = m;
	}
	for (size_t i = 0; i < n; i++) {
		size_t lo = CR_UPPER_BOUND(d->uranges, d->nuranges, lo, addrs[i]);
		for (size_t k = lo, seen = 0; k > 0 && seen < 64; k--) {
			const struct durange *r = &d->uranges[k - 1];
			if (addrs[i] >= r->hi)
				continue;
			seen++;
			struct dunit *u = &d->units[r->unit];
			if (u->len || u->indexed)
				continue;
			if (cr_grow(&want, &cap, nwant + 1, sizeof *want))
				break;
			u->len = 1; /* listed; set again when read */
			want[nwant++] = u;
		}
	}
	for (size_t i = 0; i < nwant; i++)
		want[i]->len = 0;
	if (nwant)
		qsort(want, nwant, sizeof *want, unit_hdr_cmp);
	plan_units(d, want, nwant);
	/* each unit read, then indexed (with .debug_line compressed: its line
	 * unit read in the same pass); the skips of the reads are listed
	 * before those of the indexing, as when all were read first */
	size_t s0 = d->nskips, reads = 0;
	for (size_t i = 0; i < nwant; i++) {
		if (!want[i]->len && !dwarf_part_unit(d, want[i])) {
			want[i]->indexed = true;
			reads += skip_at(d, s0 + reads, want[i]->hdr, "its header or abbreviations cannot be read");
		}
		if (d->lpart && !d->err)
			(void)dwarf_unit_ready(d, want[i]);
	}
	cr_free(want);
	cr_free(uniq);
}

struct cr_dwarf_head {
	struct dpart *p;
	const struct cr_binary *bin;
};

/* b's compressed .debug_info, when only the units some addresses need
 * would be inflated from it (open_part); NULL otherwise. */
static struct cr_elf_section *part_info(struct cr_binary *b)
{
	struct cr_elf_section *info = cr_binary_debug_section(b, ".debug_info");
	const uint8_t *zs;
	size_t zl, size;
	struct cr_error e2 = { 0 };
	if (!info || info->type == CR_SHT_NOBITS || info->loaded || !cr_binary_debug_section(b, ".debug_aranges") ||
	    cr_binary_section_stream(b, info, &zs, &zl, &size, &e2) == CR_NOTFOUND)
		return NULL; /* (stored as is: nothing to spare) */
	return info;
}

struct cr_dwarf_head *cr_dwarf_head_start(struct cr_binary *b)
{
	struct cr_elf_section *info = part_info(b);
	struct cr_dwarf_head *h = info ? cr_calloc(1, sizeof *h) : NULL;
	struct cr_error e2 = { 0 };
	if (!h || dpart_open(&h->p, b, info, &e2) || !dpart_head(h->p)) {
		cr_dwarf_head_close(h);
		return NULL;
	}
	h->bin = b;
	return h;
}

void cr_dwarf_head_close(struct cr_dwarf_head *h)
{
	if (!h)
		return;
	dpart_close(h->p);
	cr_free(h);
}

/* A compressed .debug_info with .debug_aranges: only the units holding
 * addrs are inflated (see dwarf_part.c), by head's thread if it was
 * started (taken over, or closed). CR_NOTFOUND when this does not apply
 * (the caller opens the whole index then). */
static enum cr_err open_part(struct cr_binary *b, struct cr_dwarf *alt, struct cr_dwarf_head *head,
			     const uint64_t *addrs, size_t n, struct cr_dwarf **out, struct cr_error *e)
{
	struct dpart *hp = head && head->bin == b ? head->p : NULL;
	if (head && !hp)
		dpart_close(head->p);
	cr_free(head);
	struct cr_elf_section *info = part_info(b);
	if (!n || !info) {
		dpart_close(hp);
		return CR_NOTFOUND;
	}
	const uint8_t *zs;
	size_t zl, size;
	struct cr_error e2 = { 0 };
	struct cr_dwarf *d = cr_calloc(1, sizeof *d);
	if (!d) {
		dpart_close(hp);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	d->bin = b;
	d->alt = alt;
	cr_hmap_init(&d->origin_names);
	cr_hmap_init(&d->alt_names);
	cr_hmap_init(&d->ref_names);
	enum cr_err rc = CR_OK;
	if (hp)
		d->part = hp;
	else
		rc = dpart_open(&d->part, b, info, e);
	if (!rc)
		rc = dwarf_check_unit_tables(b, e);
	/* .debug_abbrev and .debug_line in part too, when compressed: the
	 * tables of the units read, each line header checked as it is */
	d->asec = cr_binary_debug_section(b, ".debug_abbrev");
	d->lsec = cr_binary_debug_section(b, ".debug_line");
	if (!rc && d->asec && d->asec->type != CR_SHT_NOBITS && !d->asec->loaded &&
	    cr_binary_section_stream(b, d->asec, &zs, &zl, &size, &e2) == CR_OK)
		rc = dpart_open(&d->apart, b, d->asec, e);
	if (!rc && d->lsec && d->lsec->type != CR_SHT_NOBITS && !d->lsec->loaded &&
	    cr_binary_section_stream(b, d->lsec, &zs, &zl, &size, &e2) == CR_OK) {
		rc = dpart_open(&d->lpart, b, d->lsec, e);
		if (!rc)
			rc = dwarf_strs_get(b, &d->lstrs, e);
	} else if (!rc)
		rc = dwarf_check_line_headers(b, e);
	if (!rc)
		rc = cr_binary_section_stream(b, info, &zs, &zl, &size, e);
	if (!rc && cr_strtab_init(&d->strs))
		rc = cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	if (rc) {
		cr_dwarf_close(d);
		return rc;
	}
	if (!dwarf_read_aranges(d, NULL, size)) {
		cr_dwarf_close(d);
		return CR_NOTFOUND;
	}
	d->sliced = true;
	d->die_budget = size + 1;
	qsort(d->uranges, d->nuranges, sizeof *d->uranges, urange_cmp);
	prefetch_units(d, addrs, n);
	*out = d;
	return CR_OK;
}

enum cr_err cr_dwarf_open(struct cr_binary *b, struct cr_dwarf **out, struct cr_error *e)
{
	return dwarf_open(b, NULL, out, e);
}

enum cr_err cr_dwarf_open_for(struct cr_binary *b, const uint64_t *addrs, size_t n, struct cr_dwarf **out,
			      struct cr_error *e)
{
	return cr_dwarf_open_alt(b, NULL, addrs, n, out, e);
}

/* libdwarf over the whole of alt, for its DIEs by offset; NULL (alt
 * closed) if it cannot be read. */
static struct cr_dwarf *alt_attach(struct cr_binary *alt)
{
	const uint8_t *idata;
	size_t ilen;
	struct cr_error e2 = { 0 };
	struct cr_dwarf *a = cr_calloc(1, sizeof *a);
	struct oa *oa = cr_calloc(1, sizeof *oa);
	if (a && oa) {
		a->bin = alt;
		cr_hmap_init(&a->origin_names);
		cr_hmap_init(&a->alt_names);
		cr_hmap_init(&a->ref_names);
		oa->d = a;
		oa->iface = (Dwarf_Obj_Access_Interface){ oa, &dwarf_oa_methods };
		if (!dwarf_check_sections(alt, &idata, &ilen, &e2) && !cr_strtab_init(&a->strs) &&
		    !dwarf_attach(a, &oa->iface, &e2)) {
			a->oa = oa;
			return a;
		}
	}
	cr_free(oa);
	cr_dwarf_close(a);
	cr_binary_close(alt);
	return NULL;
}

enum cr_err cr_dwarf_open_alt(struct cr_binary *b, struct cr_binary *alt, const uint64_t *addrs, size_t n,
			      struct cr_dwarf **out, struct cr_error *e)
{
	return cr_dwarf_open_head(b, alt, NULL, addrs, n, out, e);
}

enum cr_err cr_dwarf_open_head(struct cr_binary *b, struct cr_binary *alt, struct cr_dwarf_head *head,
			       const uint64_t *addrs, size_t n, struct cr_dwarf **out, struct cr_error *e)
{
	*out = NULL;
	struct cr_dwarf *ad = alt ? alt_attach(alt) : NULL;
	enum cr_err rc = open_part(b, ad, head, addrs, n, out, e);
	if (rc == CR_NOTFOUND)
		rc = dwarf_open(b, ad, out, e);
	if (rc && ad) {
		cr_binary_close(ad->bin);
		cr_dwarf_close(ad);
	} else if (ad)
		(*out)->alt_owned = true;
	return rc;
}

/* ---------------------------------------------------------- lookup */

static const struct drow *row_at(const struct cr_dwarf *d, const struct dunit *u, uint64_t addr)
{
	if (!u->nrows)
		return NULL; /* d->rows may be NULL then */
	const struct drow *rows = d->rows + u->row0;
	size_t lo = CR_UPPER_BOUND(rows, u->nrows, addr, addr);
	if (lo == 0)
		return NULL;
	const struct drow *r = &rows[lo - 1];
	/* gdb: a row that is not a statement gives way to the statement row
	 * before it at the same address (an inlined callee's line where the
	 * caller's non-statement row comes last), if there is one */
	for (size_t k = lo - 1; d->gdb_lines && !r->end && !r->stmt && k > 0; k--) {
		const struct drow *p = &rows[k - 1];
		if (p->addr != r->addr || p->end || !p->line)
			break;
		if (p->stmt) {
			r = p;
			break;
		}
	}
	return r->end ? NULL : r;
}

void cr_dwarf_gdb_lines(struct cr_dwarf *d, bool on)
{
	if (d)
		d->gdb_lines = on;
}

static bool node_has(const struct cr_dwarf *d, const struct dnode *n, uint64_t addr)
{
	for (uint32_t i = 0; i < n->nranges; i++) {
		const struct drange *r = &d->ranges[n->range0 + i];
		if (addr >= r->lo && addr < r->hi)
			return true;
	}
	return false;
}

static const char *str(const struct cr_dwarf *d, uint32_t id)
{
	return id ? cr_strtab_get(&d->strs, id) : "";
}

/* The subprogram of unit u holding addr: the last top range starting at or
 * below addr that holds it; -1 if none. */
static int64_t top_at(const struct cr_dwarf *d, const struct dunit *u, uint64_t addr)
{
	if (!u->ntops)
		return -1; /* d->tops may be NULL then */
	const struct dtop *tops = d->tops + u->top0;
	size_t lo = CR_UPPER_BOUND(tops, u->ntops, lo, addr);
	for (size_t k = lo, tries = 0; k > 0 && tries < 64; k--, tries++)
		if (addr < tops[k - 1].hi)
			return tops[k - 1].node;
	return -1;
}

/* Frames of addr in unit u (see cr_dwarf_frames); 0 if u knows nothing.
 * *scoped: a subprogram holds addr (else the one frame is a line row's). */
static size_t unit_frames(const struct cr_dwarf *d, const struct dunit *u, uint64_t addr, struct cr_frame *out,
			  size_t max, bool *scoped)
{
	int64_t top = top_at(d, u, addr);
	const struct drow *row = row_at(d, u, addr);
	*scoped = top >= 0;
	if (top < 0) {
		if (!row)
			return 0;
		out[0] = (struct cr_frame){ .function = "", .file = str(d, row->file), .module = "", .line = row->line,
					    .column = row->col };
		return 1;
	}
	/* descend to the innermost scope holding addr */
	uint32_t chain[256];
	size_t depth = 0;
	uint32_t cur = (uint32_t)top;
	chain[depth++] = cur;
	uint32_t i = cur + 1;
	while (i < d->nodes[cur].subtree_end && depth < 256) {
		const struct dnode *n = &d->nodes[i];
		if (node_has(d, n, addr)) {
			cur = i;
			chain[depth++] = cur;
			i = cur + 1;
		} else
			i = n->subtree_end > i ? n->subtree_end : i + 1;
	}
	size_t k = 0;
	for (size_t j = depth; j > 0 && k < max; j--) {
		const struct dnode *n = &d->nodes[chain[j - 1]];
		struct cr_frame *f = &out[k];
		*f = (struct cr_frame){ .function = str(d, n->name), .module = "", .entry = n->entry,
					.inlined = n->inlined };
		if (k == 0) {
			f->file = row ? str(d, row->file) : "";
			f->line = row ? row->line : 0;
			f->column = row ? row->col : 0;
		} else {
			const struct dnode *inner = &d->nodes[chain[j]];
			f->file = str(d, inner->call_file);
			f->line = inner->call_line;
			f->column = inner->call_col;
		}
		k++;
	}
	return k;
}

size_t cr_dwarf_frames(struct cr_dwarf *d, uint64_t addr, struct cr_frame *out, size_t max)
{
	if (max == 0)
		return 0;
	/* the units whose ranges hold addr (indexed now if not yet), then
	 * those without ranges, indexed at open */
	size_t lo = 0, hi = d->nuranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->uranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct cr_frame row_only;
	bool have_row = false, scoped;
	size_t nranged = 0;
	for (size_t k = lo; k > 0 && nranged < 64; k--) {
		const struct durange *r = &d->uranges[k - 1];
		if (addr >= r->hi)
			continue;
		nranged++;
		struct dunit *u = &d->units[r->unit];
		if (!dwarf_unit_ready(d, u))
			return 0;
		size_t n = unit_frames(d, u, addr, out, max, &scoped);
		if (n && scoped)
			return n;
		if (n && !have_row) {
			row_only = out[0];
			have_row = true;
		}
	}
	for (size_t i = 0; i < d->neager; i++) {
		size_t n = unit_frames(d, &d->units[d->eager[i]], addr, out, max, &scoped);
		if (n && scoped)
			return n;
		if (n && !have_row) {
			row_only = out[0];
			have_row = true;
		}
	}
	if (have_row)
		out[0] = row_only;
	return have_row;
}

/* ---------------------------------------------------------- struct layouts */

/* One unit's top-level DIEs: structure types whose name is wanted. */
static void struct_walk(struct cr_dwarf *d, Dwarf_Die cu, const char *const *types, size_t ntypes, bool *seen,
			cr_dwarf_member_fn fn, void *arg)
{
	Dwarf_Error er = NULL;
	Dwarf_Die child;
	if (dwarf_child(cu, &child, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return;
	}
	while (child && d->die_budget) {
		d->die_budget--;
		Dwarf_Half tag = 0;
		char *name = NULL;
		size_t k = ntypes;
		if (dwarf_tag(child, &tag, &er) == DW_DLV_OK && tag == DW_TAG_structure_type &&
		    dwarf_diename(child, &name, &er) == DW_DLV_OK && name)
			for (k = 0; k < ntypes && strcmp(types[k], name) != 0; k++)
				;
		dwarf_dwerr(d, &er);
		if (k < ntypes && !seen[k]) {
			seen[k] = true;
			Dwarf_Unsigned size = 0;
			if (dwarf_attr_udata(d, child, DW_AT_byte_size, &size))
				fn(arg, types[k], NULL, size);
			Dwarf_Die m;
			if (dwarf_child(child, &m, &er) == DW_DLV_OK) {
				while (m && d->die_budget) {
					d->die_budget--;
					Dwarf_Half mt = 0;
					char *mn = NULL;
					Dwarf_Unsigned off;
					if (dwarf_tag(m, &mt, &er) == DW_DLV_OK && mt == DW_TAG_member &&
					    dwarf_diename(m, &mn, &er) == DW_DLV_OK && mn &&
					    dwarf_attr_udata(d, m, DW_AT_data_member_location, &off))
						fn(arg, types[k], mn, off);
					dwarf_dwerr(d, &er);
					m = dwarf_sibling_checked(d, m, 2);
				}
			}
			dwarf_dwerr(d, &er);
		}
		child = dwarf_sibling_checked(d, child, 1);
	}
	if (child)
		dwarf_dealloc_die(child);
}

enum cr_err cr_dwarf_struct_members(struct cr_binary *b, const char *const *types, size_t ntypes,
				    cr_dwarf_member_fn fn, void *arg, struct cr_error *e)
{
	const uint8_t *idata;
	size_t ilen;
	enum cr_err rc = dwarf_check_sections(b, &idata, &ilen, e);
	if (rc)
		return rc;
	struct cr_dwarf d = { .bin = b, .e = e, .die_budget = ilen + 1 };
	bool *seen = cr_calloc(ntypes ? ntypes : 1, sizeof *seen);
	struct oa *oa = cr_calloc(1, sizeof *oa);
	if (!seen || !oa) {
		cr_free(seen);
		cr_free(oa);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
	}
	oa->d = &d;
	Dwarf_Obj_Access_Interface iface = { oa, &dwarf_oa_methods };
	if ((rc = dwarf_attach(&d, &iface, e))) {
		cr_free(oa);
		cr_free(seen);
		return rc;
	}
	Dwarf_Error er = NULL;
	size_t found = 0;
	for (;;) {
		Dwarf_Half ver;
		int r = dwarf_next_unit(d.dbg, &ver, &er);
		if (r != DW_DLV_OK) {
			dwarf_dwerr(&d, &er);
			break;
		}
		Dwarf_Die cu;
		if (dwarf_siblingof_b(d.dbg, NULL, true, &cu, &er) != DW_DLV_OK) {
			dwarf_dwerr(&d, &er);
			continue;
		}
		d.tree_bad = NULL; /* a unit whose tree is bad is left, the next one read */
		struct_walk(&d, cu, types, ntypes, seen, fn, arg);
		dwarf_dealloc_die(cu);
		found = 0;
		for (size_t k = 0; k < ntypes; k++)
			found += seen[k];
		if (found == ntypes || d.err || !d.die_budget)
			break; /* keep reading units only while a type is missing */
	}
	dwarf_object_finish(d.dbg, &er);
	cr_free(oa);
	cr_free(seen);
	if (d.err)
		return e && e->code ? e->code : cr_fail(e, d.err, "%s: DWARF: %s", b->path, cr_strerror(d.err));
	return found ? CR_OK : cr_fail(e, CR_NOTFOUND, "%s: DWARF: none of the structure types", b->path);
}

