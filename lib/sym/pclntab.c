/* Go's pclntab (runtime/symtab.go, cmd/link/internal/ld/pcln.go).
 *
 * Layout facts this reader relies on (all fields in the target byte order):
 *   header: magic u32 (0xfffffffb Go 1.2, 0xfffffffa 1.16, 0xfffffff0 1.18,
 *     0xfffffff1 1.20), two zero bytes, pc quantum u8, pointer size u8, then
 *     pointer-sized words: 1.16: nfunc, nfiles, funcnameOffset, cuOffset,
 *     filetabOffset, pctabOffset, pclnOffset; 1.18+: nfunc, nfiles,
 *     textStart, then the same five offsets. 1.2: nfunc, then the functab.
 *   functab: nfunc+1 pairs (entry, funcoff); 1.18+ u32 entry offsets from
 *     textStart, earlier pointer-sized absolute entries. funcoff is relative
 *     to the pcln table (1.16+) or the pclntab start (1.2).
 *   _func: entry (u32 off 1.18+, else uintptr), nameoff, args, deferreturn,
 *     pcsp, pcfile, pcln, npcdata (1.2: followed by funcID/_/_/nfuncdata),
 *     cuOffset (1.16+), startLine (1.20+), funcID u8, flag u8, _ u8,
 *     nfuncdata u8, pcdata[npcdata] u32, funcdata[nfuncdata]: u32 offsets from
 *     moduledata.gofunc (1.18+) or pointer-aligned uintptrs (before).
 *   pc-value streams: zigzag varint value delta, varint pc delta (× quantum),
 *     value starts at -1, ends at a zero value delta after the first pair.
 *   inline tree (FUNCDATA 3, PCDATA 2): 1.16-1.19 entries of 20 bytes
 *     {parent i16, funcID u8, _, file i32, line i32, nameoff i32, parentPc i32};
 *     1.20+: 16 bytes {funcID u8, _[3], nameoff i32, parentPc i32, startLine i32}.
 *     The call site of an inlined body is the position at entry+parentPc.
 *     Go 1.2 layout (Go 1.2-1.15): 1.12-1.15 keep the 20-byte entries at
 *     FUNCDATA 4 / PCDATA 2; 1.9-1.11 have 16 bytes {parent i32, file i32,
 *     line i32, nameoff i32} at FUNCDATA 2 / PCDATA 1, where the call site is
 *     the entry's own file:line and the next entry is its parent. Names are
 *     offsets from the pclntab's start. Go 1.2-1.9 end _func with an i32
 *     nfuncdata (1.10+: funcID u8, _ [2], nfuncdata u8). The release is told
 *     from the table itself: no _func of 1.10+ has a zero last byte while
 *     one has a non-zero first byte, and only 1.12+ has a third PCDATA.
 * Every count and offset is checked against the bytes present
 * (golang/go#81191: nfunc is attacker-chosen), every stream step advances.
 */
#include "coroner/sym.h"
#include "pclntab_int.h"
#include <string.h>

static uint32_t rd32(const struct cr_pclntab *t, const uint8_t *p)
{
	if (!t->be && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	if (t->be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rdptr(const struct cr_pclntab *t, const uint8_t *p)
{
	if (t->ptrsize == 4)
		return rd32(t, p);
	uint64_t a = rd32(t, p), b = rd32(t, p + 4);
	return t->be ? a << 32 | b : b << 32 | a;
}

/* bytes at data[off, off+n) or NULL */
static const uint8_t *at(const struct cr_pclntab *t, uint64_t off, uint64_t n)
{
	return cr_in_bounds(off, n, t->len) ? t->data + off : NULL;
}

unsigned cr_pclntab_version(const struct cr_pclntab *t) { return t->version; }
uint64_t cr_pclntab_text_start(const struct cr_pclntab *t) { return t->text_start; }
unsigned cr_pclntab_ptrsize(const struct cr_pclntab *t) { return t->ptrsize; }
unsigned cr_pclntab_quantum(const struct cr_pclntab *t) { return t->quantum; }
size_t cr_pclntab_nfuncs(const struct cr_pclntab *t) { return (size_t)t->nfunc; }

bool cr_pclntab_gofunc(const struct cr_pclntab *t, uint64_t *out)
{
	*out = t->gofunc;
	return t->have_gofunc;
}

void cr_pclntab_close(struct cr_pclntab *t)
{
	if (!t)
		return;
	cr_free(t->runs);
	cr_free(t->slots);
	for (size_t i = 0; i < sizeof t->inc / sizeof t->inc[0]; i++)
		cr_free(t->inc[i].runs);
	cr_free(t);
}

enum cr_err cr_pclntab_clone(const struct cr_pclntab *t, bool cache, struct cr_pclntab **out)
{
	struct cr_pclntab *c = cr_malloc(sizeof *c);
	*out = c;
	if (!c)
		return CR_NOMEM;
	*c = *t;
	c->runs = NULL;
	c->slots = NULL;
	c->nruns = c->cap_runs = c->nslots = c->cap_slots = 0;
	memset(c->inc, 0, sizeof c->inc);
	c->have_last = false;
	c->cache_off = !cache;
	return CR_OK;
}

/* entry pc of functab slot i (0..nfunc) */
static bool ftab_entry(const struct cr_pclntab *t, uint64_t i, uint64_t *pc)
{
	const uint8_t *p = at(t, t->functab + i * 2 * t->functab_size, t->functab_size);
	if (!p)
		return false;
	if (t->version >= 118)
		*pc = t->text_start + rd32(t, p);
	else
		*pc = rdptr(t, p);
	return true;
}

static bool ftab_funcoff(const struct cr_pclntab *t, uint64_t i, uint64_t *off)
{
	const uint8_t *p = at(t, t->functab + (i * 2 + 1) * t->functab_size, t->functab_size);
	if (!p)
		return false;
	uint64_t v = t->functab_size == 4 ? rd32(t, p) : rdptr(t, p);
	uint64_t base = t->version >= 116 ? t->pcln : 0;
	if (!cr_add_ok(base, v, (size_t *)&v))
		return false;
	*off = v;
	return true;
}

static const char *cstr_at(const struct cr_pclntab *t, uint64_t off)
{
	if (off >= t->len)
		return NULL;
	const char *s = (const char *)t->data + off;
	if (off < t->str_end)
		return s;
	return memchr(s, 0, t->len - off) ? s : NULL;
}

const char *cr_pclntab_name_at(const struct cr_pclntab *t, uint32_t nameoff)
{
	uint64_t base = t->version >= 116 ? t->funcnametab : 0;
	return cstr_at(t, base + nameoff);
}

bool cr_pclntab_func(const struct cr_pclntab *t, size_t idx, struct cr_gofunc *f)
{
	if (idx >= t->nfunc)
		return false;
	uint64_t off, entry, end;
	if (!ftab_funcoff(t, idx, &off) || !ftab_entry(t, idx, &entry) || !ftab_entry(t, idx + 1, &end))
		return false;
	size_t e0 = t->version >= 118 ? 4 : t->ptrsize;
	size_t hdr = e0 + (t->version >= 120 ? 36 : t->version >= 116 ? 32 : 28) + 4;
	const uint8_t *p = at(t, off, hdr);
	if (!p)
		return false;
	memset(f, 0, sizeof *f);
	f->idx = (uint32_t)idx;
	f->rec_off = off;
	f->entry = entry;
	f->end = end;
	const uint8_t *q = p + e0;
	uint32_t nameoff = rd32(t, q);
	f->args = (int32_t)rd32(t, q + 4);
	f->deferreturn = rd32(t, q + 8);
	f->pcsp = rd32(t, q + 12);
	f->pcfile = rd32(t, q + 16);
	f->pcln = rd32(t, q + 20);
	f->npcdata = rd32(t, q + 24);
	q += 28;
	if (t->version >= 116) {
		f->cu_offset = rd32(t, q);
		q += 4;
	}
	if (t->version >= 120) {
		f->start_line = (int32_t)rd32(t, q);
		q += 4;
	}
	f->funcid = q[0];
	f->flag = t->version >= 116 ? q[1] : 0;
	f->nfuncdata = q[3];
	if (t->nfuncdata_i32) {
		f->nfuncdata = rd32(t, q);
		f->funcid = 0;
		if (f->nfuncdata > 255)
			return false;
	}
	/* the trailing arrays must be present too */
	uint64_t tail = (uint64_t)f->npcdata * 4 + (uint64_t)f->nfuncdata * (t->version >= 118 ? 4 : t->ptrsize);
	if (f->npcdata > (1u << 16) || !at(t, off + hdr, tail))
		return false;
	const char *n = cr_pclntab_name_at(t, nameoff);
	f->name = n ? n : "";
	return true;
}

/* The last functab slot from lo on whose entry is <= pc; false when pc is
 * outside the table's functions. */
static bool find_slot(const struct cr_pclntab *t, uint64_t pc, uint64_t lo, uint64_t *slot)
{
	uint64_t first, last, hi = t->nfunc;
	if (t->nfunc == 0 || !ftab_entry(t, 0, &first) || !ftab_entry(t, t->nfunc, &last) || pc < first ||
	    pc >= last)
		return false;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2, e;
		if (!ftab_entry(t, mid, &e))
			return false;
		if (e <= pc)
			lo = mid;
		else
			hi = mid;
	}
	*slot = lo;
	return true;
}

bool cr_pclntab_find_func(const struct cr_pclntab *ct, uint64_t pc, struct cr_gofunc *f)
{
	struct cr_pclntab *t = (struct cr_pclntab *)ct; /* the last function found is not part of the value */
	if (t->have_last && pc >= t->last.entry && pc < t->last.end) {
		*f = t->last;
		return true;
	}
	/* past the last function found when pc is */
	uint64_t lo = t->have_last && pc >= t->last.end ? t->last.idx : 0;
	if (!find_slot(t, pc, lo, &lo) || !cr_pclntab_func(t, (size_t)lo, f) || pc < f->entry || pc >= f->end)
		return false;
	t->last = *f;
	t->have_last = true;
	return true;
}

/* The name of functab slot i alone (a name search reads nothing else). */
static const char *func_name(const struct cr_pclntab *t, size_t i)
{
	uint64_t off;
	size_t e0 = t->version >= 118 ? 4 : t->ptrsize;
	const uint8_t *p;
	if (!ftab_funcoff(t, i, &off) || !cr_add_ok(off, e0, (size_t *)&off) || !(p = at(t, off, 4)))
		return NULL;
	return cr_pclntab_name_at(t, rd32(t, p));
}

bool cr_pclntab_func_by_name(const struct cr_pclntab *t, const char *name, struct cr_gofunc *f)
{
	bool found = false;
	cr_pclntab_funcs_by_name(t, &name, 1, f, &found);
	return found;
}

size_t cr_pclntab_funcs_by_name(const struct cr_pclntab *t, const char *const *names, size_t n,
				struct cr_gofunc *f, bool *found)
{
	size_t got = 0;
	memset(found, 0, n * sizeof *found);
	for (size_t i = 0; i < t->nfunc && got < n; i++) {
		const char *nm = func_name(t, i);
		if (!nm)
			continue;
		for (size_t k = 0; k < n; k++)
			if (!found[k] && nm[0] == names[k][0] && strcmp(nm, names[k]) == 0 &&
			    cr_pclntab_func(t, i, &f[k])) {
				found[k] = true;
				got++;
			}
	}
	return got;
}

uint32_t cr_pclntab_pcdata_off(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i)
{
	if (i >= f->npcdata)
		return 0;
	size_t e0 = t->version >= 118 ? 4 : t->ptrsize;
	size_t hdr = e0 + (t->version >= 120 ? 36 : t->version >= 116 ? 32 : 28) + 4;
	const uint8_t *p = at(t, f->rec_off + hdr + (uint64_t)i * 4, 4);
	return p ? rd32(t, p) : 0;
}

bool cr_pclntab_spdelta(const struct cr_pclntab *t, const struct cr_gofunc *f, uint64_t pc, int32_t *sp)
{
	return cr_pclntab_pcvalue(t, f, f->pcsp, pc, sp);
}

bool cr_pclntab_pcdata(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i, uint64_t pc,
		       int32_t *val)
{
	return cr_pclntab_pcvalue(t, f, cr_pclntab_pcdata_off(t, f, i), pc, val);
}

bool cr_pclntab_funcdata(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t i, uint64_t *addr)
{
	if (i >= f->nfuncdata)
		return false;
	size_t e0 = t->version >= 118 ? 4 : t->ptrsize;
	uint64_t off = f->rec_off + e0 + (t->version >= 120 ? 36 : t->version >= 116 ? 32 : 28) + 4 +
		       (uint64_t)f->npcdata * 4;
	if (t->version >= 118) {
		const uint8_t *p = at(t, off + (uint64_t)i * 4, 4);
		if (!p || !t->have_gofunc)
			return false;
		uint32_t v = rd32(t, p);
		if (v == UINT32_MAX)
			return false;
		*addr = t->gofunc + v;
		return true;
	}
	if (t->ptrsize == 8 && (off & 4))
		off += 4;
	off += (uint64_t)i * t->ptrsize;
	if (!at(t, off, t->ptrsize))
		return false;
	uint64_t v;
	if (t->bin) {
		if (!cr_binary_read_addr(t->bin, t->addr + off, &v))
			return false;
	} else
		v = rdptr(t, t->data + off);
	if (v == 0)
		return false;
	*addr = v;
	return true;
}

const char *cr_pclntab_file(const struct cr_pclntab *t, const struct cr_gofunc *f, int32_t fileno)
{
	if (fileno < 0)
		return NULL;
	if (t->version >= 116) {
		uint64_t idx = (uint64_t)f->cu_offset + (uint64_t)fileno;
		const uint8_t *p = at(t, t->cutab + idx * 4, 4);
		if (!p)
			return NULL;
		uint32_t off = rd32(t, p);
		if (off == UINT32_MAX)
			return NULL;
		return cstr_at(t, t->filetab + (uint64_t)off);
	}
	/* Go 1.2: filetab[fileno] is a u32 offset of the name in the pclntab */
	const uint8_t *p = at(t, t->filetab + (uint64_t)fileno * 4, 4);
	if (!p || (uint64_t)fileno >= t->nfiles)
		return NULL;
	return cstr_at(t, rd32(t, p));
}

bool cr_pclntab_line(const struct cr_pclntab *t, const struct cr_gofunc *f, uint64_t pc,
		     const char **file, int32_t *line)
{
	int32_t fno, ln;
	if (!cr_pclntab_pcvalue(t, f, f->pcfile, pc, &fno) || !cr_pclntab_pcvalue(t, f, f->pcln, pc, &ln))
		return false;
	const char *fn = cr_pclntab_file(t, f, fno);
	*file = fn ? fn : "";
	*line = ln;
	return true;
}

/* The inline tree of the Go 1.2 layout before 1.12: entries name their
 * parent, and carry the call site's file and line themselves. */
static size_t frames_parent_walk(const struct cr_pclntab *t, const struct cr_gofunc *f, uint64_t pc,
				 uint64_t tree, struct cr_frame *out, size_t max)
{
	size_t n = 0;
	const char *file;
	int32_t line, ix;
	if (!cr_pclntab_line(t, f, pc, &file, &line))
		file = "", line = 0;
	unsigned guard = cr_limits.max_depth ? cr_limits.max_depth : 256;
	if (!cr_pclntab_pcdata(t, f, t->inl_pcdata, pc, &ix))
		ix = -1;
	while (ix >= 0 && n + 1 < max && guard--) {
		const uint8_t *e = cr_binary_ptr(t->bin, tree + (uint64_t)ix * 16, 16);
		if (!e)
			break;
		const char *nm = cr_pclntab_name_at(t, rd32(t, e + 12));
		out[n++] = (struct cr_frame){ .function = nm ? nm : "", .file = file, .module = "",
					      .line = line > 0 ? line : 0, .inlined = true };
		const char *cf = cr_pclntab_file(t, f, (int32_t)rd32(t, e + 4));
		file = cf ? cf : "";
		line = (int32_t)rd32(t, e + 8);
		ix = (int32_t)rd32(t, e);
	}
	out[n] = (struct cr_frame){ .function = f->name, .file = file, .module = "", .line = line > 0 ? line : 0,
				    .entry = f->entry };
	return n + 1;
}

size_t cr_pclntab_frames(const struct cr_pclntab *t, uint64_t pc, struct cr_frame *out, size_t max)
{
	struct cr_gofunc f;
	if (max == 0 || !cr_pclntab_find_func(t, pc, &f))
		return 0;
	size_t n = 0;
	uint64_t tree = 0;
	uint32_t inl_pcdata = CR_PCDATA_INLTREEINDEX, inl_funcdata = CR_FUNCDATA_INLTREE;
	size_t esz = t->version >= 120 ? 16 : 20;
	if (t->version < 116) {
		inl_pcdata = t->inl_pcdata;
		inl_funcdata = t->inl_funcdata;
		esz = t->inl_size;
	}
	bool have_tree = t->bin && esz && cr_pclntab_funcdata(t, &f, inl_funcdata, &tree);
	if (have_tree && esz == 16 && t->version < 116)
		return frames_parent_walk(t, &f, pc, tree, out, max);
	uint64_t tracepc = pc;
	unsigned guard = cr_limits.max_depth ? cr_limits.max_depth : 256;
	while (have_tree && n + 1 < max && guard--) {
		int32_t ix;
		if (!cr_pclntab_pcdata(t, &f, inl_pcdata, tracepc, &ix) || ix < 0)
			break;
		const uint8_t *e = cr_binary_ptr(t->bin, tree + (uint64_t)ix * esz, esz);
		if (!e)
			break;
		uint32_t nameoff = rd32(t, e + (t->version >= 120 ? 4 : 12));
		uint32_t parentpc = rd32(t, e + (t->version >= 120 ? 8 : 16));
		const char *file;
		int32_t line;
		const char *nm = cr_pclntab_name_at(t, nameoff);
		if (!cr_pclntab_line(t, &f, tracepc, &file, &line))
			file = "", line = 0;
		out[n++] = (struct cr_frame){ .function = nm ? nm : "", .file = file, .module = "",
					      .line = line > 0 ? line : 0, .inlined = true };
		uint64_t np = f.entry + parentpc;
		if (np < f.entry || np >= f.end)
			break;
		tracepc = np;
	}
	const char *file;
	int32_t line;
	if (!cr_pclntab_line(t, &f, tracepc, &file, &line))
		file = "", line = 0;
	out[n] = (struct cr_frame){ .function = f.name, .file = file, .module = "", .line = line > 0 ? line : 0,
				    .entry = f.entry };
	return n + 1;
}

/* Go 1.2 layout: tell Go <= 1.9, 1.10-1.11 and 1.12-1.15 apart by their
 * _func records (see the top of this file). One pass over the functions. */
static void classify_go12(struct cr_pclntab *t)
{
	bool last_byte = false, first_byte = false;
	uint32_t max_npcdata = 0;
	for (uint64_t i = 0; i < t->nfunc; i++) {
		uint64_t off;
		if (!ftab_funcoff(t, i, &off))
			break;
		const uint8_t *q = at(t, off + t->ptrsize, 32);
		if (!q)
			break;
		uint32_t np = rd32(t, q + 24);
		if (np > max_npcdata && np < 256)
			max_npcdata = np;
		last_byte |= q[28 + 3] != 0;
		first_byte |= q[28] != 0;
	}
	t->nfuncdata_i32 = !t->be && !last_byte && first_byte;
	if (t->nfuncdata_i32 || max_npcdata < 3) /* 1.9-1.11 (older ones have no tree) */
		t->inl_pcdata = 1, t->inl_funcdata = 2, t->inl_size = 16;
	else
		t->inl_pcdata = 2, t->inl_funcdata = 4, t->inl_size = 20;
}

static enum cr_err parse_header(struct cr_pclntab *t, uint64_t text_start, struct cr_error *e)
{
	const uint8_t *d = t->data;
	const char *nm = t->name;
	if (t->len < 16 || d[4] != 0 || d[5] != 0 || (d[6] != 1 && d[6] != 2 && d[6] != 4) ||
	    (d[7] != 4 && d[7] != 8))
		return cr_fail(e, CR_FORMAT, "%s: pclntab: offset 0x0: bad header", nm);
	uint32_t le = (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[1] << 8 | d[0];
	uint32_t be = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	static const struct { uint32_t magic; unsigned ver; } magics[] = {
		{ 0xfffffffb, 102 }, { 0xfffffffa, 116 }, { 0xfffffff0, 118 }, { 0xfffffff1, 120 },
	};
	t->version = 0;
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		if (le == magics[i].magic) {
			t->version = magics[i].ver;
			t->be = false;
		} else if (be == magics[i].magic) {
			t->version = magics[i].ver;
			t->be = true;
		}
	}
	if (!t->version)
		return cr_fail(e, CR_UNSUPPORTED, "%s: pclntab: offset 0x0: unknown magic 0x%08x", nm, le);
	t->quantum = d[6];
	t->ptrsize = d[7];
	size_t ps = t->ptrsize;
	size_t nwords = t->version >= 118 ? 8 : t->version >= 116 ? 7 : 1;
	if (t->len < 8 + nwords * ps)
		return cr_fail(e, CR_FORMAT, "%s: pclntab: truncated header", nm);
#define W(i) rdptr(t, d + 8 + (i) * ps)
	t->nfunc = W(0);
	uint64_t offs[5];
	if (t->version >= 116) {
		t->nfiles = W(1);
		size_t k = t->version >= 118 ? 3 : 2;
		if (t->version >= 118) {
			uint64_t ts = W(2);
			t->text_start = ts ? ts : text_start;
		} else
			t->text_start = text_start;
		for (size_t i = 0; i < 5; i++) {
			offs[i] = W(k + i);
			if (offs[i] >= t->len)
				return cr_fail(e, CR_FORMAT, "%s: pclntab: offset 0x%zx: table offset 0x%llx past the end (%zu bytes)",
					       nm, 8 + (k + i) * ps, (unsigned long long)offs[i], t->len);
		}
		t->funcnametab = offs[0];
		t->cutab = offs[1];
		t->filetab = offs[2];
		t->pctab = offs[3];
		t->pcln = offs[4];
		t->functab = offs[4];
		t->functab_size = t->version >= 118 ? 4 : ps;
	} else {
		t->text_start = text_start;
		t->functab = 8 + ps;
		t->functab_size = ps;
	}
#undef W
	/* the function table must fit: (2*nfunc+1) fields */
	uint64_t fields, bytes;
	if (__builtin_mul_overflow(t->nfunc, 2, &fields) || __builtin_add_overflow(fields, 1, &fields) ||
	    __builtin_mul_overflow(fields, t->functab_size, &bytes) || !cr_in_bounds(t->functab, bytes, t->len))
		return cr_fail(e, CR_FORMAT, "%s: pclntab: function count %llu does not fit in %zu bytes",
			       nm, (unsigned long long)t->nfunc, t->len);
	if (t->version == 102) {
		const uint8_t *p = at(t, t->functab + bytes, 4);
		if (!p)
			return cr_fail(e, CR_FORMAT, "%s: pclntab: truncated after the function table", nm);
		t->filetab = rd32(t, p);
		const uint8_t *q = at(t, t->filetab, 4);
		if (!q)
			return cr_fail(e, CR_FORMAT, "%s: pclntab: file table offset 0x%zx past the end", nm, t->filetab);
		t->nfiles = rd32(t, q);
	}
	return CR_OK;
}

enum cr_err cr_pclntab_parse(const uint8_t *data, size_t len, uint64_t addr, uint64_t text_start,
			     struct cr_binary *b, const char *name, struct cr_pclntab **out,
			     struct cr_error *e)
{
	*out = NULL;
	struct cr_pclntab *t = cr_calloc(1, sizeof *t);
	if (!t)
		return cr_fail(e, CR_NOMEM, "%s: pclntab: out of memory", name);
	t->bin = b;
	t->name = name;
	t->data = data;
	t->len = len;
	t->addr = addr;
	enum cr_err rc = parse_header(t, text_start, e);
	if (rc) {
		cr_free(t);
		return rc;
	}
	if (t->version < 116)
		classify_go12(t);
	/* the last NUL bounds every string that starts before it (a table
	 * ends in _func records, which hold zeros: looked for at its end only) */
	for (size_t i = len; i > 0 && len - i < 64; i--)
		if (data[i - 1] == 0) {
			t->str_end = i;
			break;
		}
	*out = t;
	return CR_OK;
}

/* moduledata (runtime/symtab.go) starts with a pointer to the pcHeader and
 * the funcnametab slice; gofunc is word 38 (Go 1.18/1.19: after ... types,
 * etypes, rodata), 40 (1.20+: covctrs/ecovctrs added) or 43 (1.27+). From
 * Go 1.26 moduledata is in a section of its own, .go.module. Find it by the
 * first two fields, reading words as relocated (PIE). */
static bool find_gofunc_moduledata(struct cr_pclntab *t, bool want_text)
{
	struct cr_binary *b = t->bin;
	unsigned ps = t->ptrsize;
	uint64_t want0 = t->addr, want1 = t->addr + t->funcnametab;
	size_t word = t->version >= 120 ? 40 : 38;
	for (size_t i = 1; i < b->nsections; i++) {
		const struct cr_elf_section *s = &b->sections[i];
		if (!(s->flags & CR_SHF_ALLOC) || s->type != CR_SHT_PROGBITS || (s->flags & CR_SHF_EXECINSTR) ||
		    (s->flags & CR_SHF_COMPRESSED))
			continue;
		/* .go.module: its own section from Go 1.26 */
		if (strcmp(s->name, ".noptrdata") != 0 && strcmp(s->name, ".data") != 0 &&
		    strcmp(s->name, ".data.rel.ro") != 0 && strcmp(s->name, ".go.module") != 0)
			continue;
		for (uint64_t off = 0; off + (word + 1) * ps <= s->file_size; off += ps) {
			uint64_t v0, v1, g;
			if (!cr_binary_read_addr(b, s->addr + off, &v0) || v0 != want0)
				continue;
			if (!cr_binary_read_addr(b, s->addr + off + ps, &v1) || v1 != want1)
				continue;
			/* 1.27 added typedesclen, itaboffset, itabsize before rodata:
			 * gofunc is word 43; the word after gofunc is epclntab */
			if (t->version >= 120) {
				static const size_t words[] = { 40, 43 };
				for (size_t k = 0; k < 2; k++) {
					uint64_t ep;
					if (off + (words[k] + 2) * ps <= s->file_size &&
					    cr_binary_read_addr(b, s->addr + off + (words[k] + 1) * ps, &ep) &&
					    ep > t->addr + t->funcnametab && ep <= t->addr + t->len) {
						word = words[k];
						break;
					}
				}
			}
			if (!cr_binary_read_addr(b, s->addr + off + word * ps, &g) || !g)
				continue;
			/* text (word 22, after findfunctab, minpc, maxpc): where
			 * the functab's offsets start; the pcHeader's copy is 0
			 * from Go 1.26 on (and in PIE files) */
			uint64_t tx, etx;
			if (want_text && cr_binary_read_addr(b, s->addr + off + 22 * ps, &tx) &&
			    cr_binary_read_addr(b, s->addr + off + 23 * ps, &etx) && tx && tx < etx)
				t->text_start = tx;
			t->gofunc = g;
			t->have_gofunc = true;
			return true;
		}
	}
	return false;
}

enum cr_err cr_pclntab_open(struct cr_binary *b, struct cr_pclntab **out, struct cr_error *e)
{
	*out = NULL;
	struct cr_elf_section *s = cr_binary_section(b, ".gopclntab");
	if (!s)
		s = cr_binary_section(b, ".data.rel.ro.gopclntab");
	uint64_t addr = 0;
	const uint8_t *data = NULL;
	size_t len = 0;
	if (s && s->type != CR_SHT_NOBITS && !(s->flags & CR_SHF_COMPRESSED)) {
		addr = s->addr;
		data = b->data + s->offset;
		len = s->file_size;
	} else {
		const struct cr_elf_symbol *y = cr_binary_symbol_by_name(b, "runtime.pclntab");
		const struct cr_elf_symbol *z = cr_binary_symbol_by_name(b, "runtime.epclntab");
		if (y && z && z->value > y->value && (data = cr_binary_ptr(b, y->value, z->value - y->value))) {
			addr = y->value;
			len = z->value - y->value;
		} else {
			/* scan read-only data for a header that parses */
			for (size_t i = 1; i < b->nsections && !data; i++) {
				const struct cr_elf_section *r = &b->sections[i];
				if (!(r->flags & CR_SHF_ALLOC) || r->type != CR_SHT_PROGBITS ||
				    (r->flags & (CR_SHF_EXECINSTR | CR_SHF_COMPRESSED)))
					continue;
				const uint8_t *p = b->data + r->offset;
				for (uint64_t o = 0; o + 16 <= r->file_size; o += 4) {
					if (p[o + 4] || p[o + 5] || (p[o] != 0xff && p[o + 3] != 0xff))
						continue;
					struct cr_pclntab *tt;
					if (cr_pclntab_parse(p + o, r->file_size - o, r->addr + o, 0, NULL, b->path, &tt, NULL))
						continue;
					bool ok = tt->nfunc > 0;
					cr_pclntab_close(tt);
					if (ok) {
						data = p + o;
						addr = r->addr + o;
						len = r->file_size - o;
						break;
					}
				}
			}
		}
	}
	if (!data)
		return cr_fail(e, CR_NOTFOUND, "%s: no Go pclntab (not a Go binary?)", b->path);
	/* text start: relocated header word for 1.18+ (0 in a PIE file), else
	 * runtime.text / the first executable segment */
	uint64_t text = 0;
	/* three names: one pass over the symbols, no index of them all */
	static const char *const names[3] = { "runtime.text", "go:func.*", "go.func.*" };
	struct cr_elf_symbol syms[3];
	bool found[3];
	cr_binary_symbols_named(b, names, 3, syms, found);
	const struct cr_elf_symbol *rt = found[0] ? &syms[0] : NULL;
	if (rt)
		text = rt->value;
	else {
		struct cr_elf_section *ts = cr_binary_section(b, ".text");
		text = ts ? ts->addr : b->text_addr;
	}
	struct cr_pclntab *t;
	enum cr_err rc = cr_pclntab_parse(data, len, addr, text, b, b->path, &t, e);
	if (rc)
		return rc;
	if (t->version >= 118) {
		uint64_t ts;
		bool have_ts = cr_binary_read_addr(b, addr + 8 + 2 * t->ptrsize, &ts) && ts;
		if (have_ts)
			t->text_start = ts;
		const struct cr_elf_symbol *g = found[1] ? &syms[1] : found[2] ? &syms[2] : NULL;
		if (g) {
			t->gofunc = g->value;
			t->have_gofunc = true;
		}
		/* no textStart in the header, no runtime.text: moduledata.text (an
		 * external linker's .text starts with C code before the Go text) */
		if (!g || (!have_ts && !rt))
			find_gofunc_moduledata(t, !have_ts && !rt);
	} else
		t->have_gofunc = true; /* funcdata are absolute pointers */
	*out = t;
	return CR_OK;
}
