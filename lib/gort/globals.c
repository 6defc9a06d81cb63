/* Finding the Go runtime's globals in a binary without a symbol table
 * (`go build -ldflags='-s -w'`), see coroner/gort.h (struct cr_goglobals).
 *
 * What a stripped Go binary still has:
 *   - .go.buildinfo: 16-byte aligned, magic "\xff Go buildinf:" (14 bytes),
 *     then ptrsize (1 byte) and flags (1 byte). With flags & 2 (Go 1.18+)
 *     the 32-byte header is followed by two uvarint-length-prefixed strings,
 *     the Go version and the module info; before, words at 16 and 16+ptrsize
 *     point to Go string headers (runtime.buildVersion, runtime.modinfo).
 *     (Written down from debug/buildinfo/buildinfo.go of Go 1.19.)
 *   - the pclntab, which names every function: the runtime's small
 *     functions that touch a global (forEachG touches allgs) are found by
 *     name, and the global's address is decoded from their machine code:
 *     amd64 RIP-relative operands (ModRM mod=00 r/m=101: disp32 from the
 *     end of the instruction), arm64 ADRP followed by ADD/LDR/STR with an
 *     unsigned 12-bit offset on the same register.
 *   - runtime.firstmoduledata, found as the word pointing to the pclntab
 *     header (the pcHeader magic) whose next word points to funcnametab;
 *     its words 24..31 (noptrdata, enoptrdata, data, edata, bss, ebss,
 *     noptrbss, enoptrbss; the same from Go 1.16 to 1.23) bound the
 *     candidates: a global lies in [noptrdata, enoptrbss).
 *
 * A function usually touches several globals, so each rule yields a list
 * of candidates filtered by a static check on the binary's data (string
 * tables, class_to_size) or left for gort to choose with a check in the core
 * (allgs, allm, sched, memstats, mheap_). The rules were checked on the
 * symbol-table build of the same program (tests/core: the decoded address
 * equals the symbol's value for every global, Go 1.19.8 amd64 and arm64).
 */
#include "coroner/gort.h"
#include "coroner/sym.h"

#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------- buildinfo */

static const char bi_magic[14] = "\xff Go buildinf:";

static bool uvarint(const uint8_t *p, size_t n, size_t *used, uint64_t *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n && i < 10; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*used = i + 1;
			*v = x;
			return true;
		}
	}
	return false;
}

static void copy_printable(char *out, size_t outn, const uint8_t *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outn; i++)
		out[o++] = (s[i] >= 32 && s[i] < 127) ? (char)s[i] : '?';
	out[o] = 0;
}

bool cr_go_buildinfo_version(struct cr_binary *b, char *out, size_t outn)
{
	if (!outn)
		return false;
	out[0] = 0;
	const uint8_t *d = NULL;
	uint64_t addr = 0;
	size_t len = 0;
	struct cr_elf_section *s = cr_binary_section(b, ".go.buildinfo");
	if (s && s->type != CR_SHT_NOBITS && cr_in_bounds(s->offset, s->file_size, b->len)) {
		d = b->data + s->offset;
		len = (size_t)s->file_size;
		addr = s->addr;
	} else {
		/* no section headers: the start of the first writable segment */
		for (size_t i = 0; i < b->nsegments && !d; i++) {
			const struct cr_elf_segment *g = &b->segments[i];
			if (g->type != CR_PT_LOAD || !(g->flags & CR_PF_W) ||
			    !cr_in_bounds(g->offset, g->filesz, b->len))
				continue;
			len = (size_t)(g->filesz < 65536 ? g->filesz : 65536);
			for (size_t o = 0; o + 32 <= len; o += 16)
				if (memcmp(b->data + g->offset + o, bi_magic, sizeof bi_magic) == 0) {
					d = b->data + g->offset + o;
					addr = g->vaddr + o;
					len -= o;
					break;
				}
		}
	}
	if (!d || len < 32 || memcmp(d, bi_magic, sizeof bi_magic) != 0)
		return false;
	unsigned ps = d[14];
	if (ps != 4 && ps != 8)
		return false;
	if (d[15] & 2) {
		size_t used;
		uint64_t n;
		if (!uvarint(d + 32, len - 32, &used, &n) || n > len - 32 - used || n == 0)
			return false;
		copy_printable(out, outn, d + 32 + used, (size_t)n);
		return true;
	}
	/* pointer to a Go string header (relocated in PIE files) */
	(void)addr;
	uint64_t hdr, p, n;
	uint64_t w = 0;
	if (ps == 8)
		w = cr_binary_u64(b, d + 16);
	else
		w = cr_binary_u32(b, d + 16);
	if (!cr_binary_read_addr(b, addr + 16, &hdr))
		hdr = w;
	if (!hdr || !cr_binary_read_addr(b, hdr, &p) || !cr_binary_read_uint(b, hdr + ps, ps, &n) ||
	    n == 0 || n > 64)
		return false;
	uint8_t tmp[64];
	if (cr_binary_read(b, p, tmp, (size_t)n) != n)
		return false;
	copy_printable(out, outn, tmp, (size_t)n);
	return true;
}

/* ---------------------------------------------------------------- moduledata */

/* Words of runtime.moduledata (runtime/symtab.go, Go 1.16-1.23). */
enum { MD_PCHEADER = 0, MD_FUNCNAMETAB = 1, MD_TEXT = 22, MD_ETEXT = 23, MD_NOPTRDATA = 24,
       MD_ENOPTRBSS = 31 };

static bool read_md(struct cr_binary *b, uint64_t md, unsigned ps, unsigned w, uint64_t *v)
{
	return cr_binary_read_addr(b, md + (uint64_t)w * ps, v);
}

/* The pclntab header address: the .gopclntab section, else a pcHeader
 * magic (0xfffffff0/f1/fa/fb, two zero bytes, quantum, ptrsize) in a
 * read-only segment. 0 if none. */
static uint64_t pclntab_addr(struct cr_binary *b, uint64_t after)
{
	struct cr_elf_section *s = cr_binary_section(b, ".gopclntab");
	if (!s)
		s = cr_binary_section(b, ".data.rel.ro.gopclntab");
	if (s && !after)
		return s->addr;
	if (s)
		return 0;
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type != CR_PT_LOAD || (g->flags & CR_PF_X) || !cr_in_bounds(g->offset, g->filesz, b->len))
			continue;
		const uint8_t *p = b->data + g->offset;
		for (uint64_t o = 0; o + 8 <= g->filesz; o += 8) {
			if (g->vaddr + o <= after)
				continue;
			uint32_t m = cr_binary_u32(b, p + o);
			if ((m == 0xfffffff0u || m == 0xfffffff1u || m == 0xfffffffau || m == 0xfffffffbu) &&
			    !p[o + 4] && !p[o + 5] && (p[o + 6] == 1 || p[o + 6] == 2 || p[o + 6] == 4) &&
			    (p[o + 7] == 4 || p[o + 7] == 8))
				return g->vaddr + o;
		}
	}
	return 0;
}

static bool find_moduledata(struct cr_binary *b, struct cr_goglobals *G)
{
	unsigned ps = cr_binary_ptrsize(b);
	for (uint64_t ph = pclntab_addr(b, 0), tries = 0; ph && tries < 16; ph = pclntab_addr(b, ph), tries++) {
		for (size_t i = 0; i < b->nsegments; i++) {
			const struct cr_elf_segment *g = &b->segments[i];
			if (g->type != CR_PT_LOAD || !(g->flags & CR_PF_W))
				continue;
			/* scan only what the file holds: a hostile filesz must not
			 * make this loop (16 tries x words) run for minutes */
			uint64_t inf = g->offset < b->len ? b->len - g->offset : 0;
			uint64_t span = g->filesz < inf ? g->filesz : inf;
			const uint8_t *seg = b->data + g->offset;
			for (uint64_t o = 0; o + 32 * (uint64_t)ps <= span; o += ps) {
				uint64_t md = g->vaddr + o, v1, w[8], t0, t1;
				/* the first word straight from the file: this runs for every word */
				uint64_t v0 = ps == 8 ? cr_binary_u64(b, seg + o) : cr_binary_u32(b, seg + o);
				if (v0 != ph)
					continue;
				if (!read_md(b, md, ps, MD_FUNCNAMETAB, &v1) || v1 <= ph)
					continue;
				if (!read_md(b, md, ps, MD_TEXT, &t0) || !read_md(b, md, ps, MD_ETEXT, &t1) || t0 > t1)
					continue;
				/* four (start, end) pairs; the internal linker lays them
				 * out in this order, an external linker (cgo) may put
				 * .data before .noptrdata: the span is the lowest start
				 * to the highest end */
				bool ok = true;
				uint64_t lo = UINT64_MAX, hi = 0;
				for (unsigned k = 0; k < 8 && ok; k++) {
					ok = read_md(b, md, ps, MD_NOPTRDATA + k, &w[k]);
					if (ok && k % 2)
						ok = w[k] >= w[k - 1];
					if (ok && w[k] < lo)
						lo = w[k];
					if (ok && w[k] > hi)
						hi = w[k];
				}
				if (!ok || hi == lo || hi - lo > ((uint64_t)1 << 32))
					continue;
				G->firstmoduledata = md;
				G->noptrdata = lo;
				G->data = w[2];
				G->bss = w[4];
				G->enoptrbss = hi;
				return true;
			}
		}
	}
	/* no moduledata: the writable sections, if there are section headers */
	uint64_t lo = UINT64_MAX, hi = 0;
	static const char *const names[] = { ".noptrdata", ".data", ".bss", ".noptrbss" };
	for (size_t k = 0; k < 4; k++) {
		struct cr_elf_section *s = cr_binary_section(b, names[k]);
		if (!s || !s->addr)
			continue;
		if (s->addr < lo)
			lo = s->addr;
		/* file_size is sh_size, also of a NOBITS section (its size in memory) */
		if (s->addr + s->file_size > hi)
			hi = s->addr + s->file_size;
		if (k == 1)
			G->data = s->addr;
		if (k == 2)
			G->bss = s->addr;
	}
	if (lo < hi) {
		G->noptrdata = lo;
		G->enoptrbss = hi;
	}
	return false;
}

/* ---------------------------------------------------------------- decoding */

/* Distinct data addresses a function's code refers to, in code order. */
struct refs {
	uint64_t a[64];
	uint32_t bound[64]; /* bounds check just before the first use: array length, 0 if none */
	size_t n;
};

static void refs_add(struct refs *r, const struct cr_goglobals *G, uint64_t t, uint32_t bound)
{
	if (t < G->noptrdata || t >= G->enoptrbss)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->a[i] == t)
			return;
	if (r->n < sizeof r->a / sizeof *r->a) {
		r->bound[r->n] = bound;
		r->a[r->n++] = t;
	}
}

/* An index bounds check "CMP reg, $imm; unsigned Jcc" within this many
 * bytes before a table's address is loaded gives the table's length. */
enum { BOUND_WINDOW = 48 };

/* amd64: bytes after the disp32 of a RIP-relative instruction with this
 * opcode (imm size), or -1 for opcodes we do not take. */
static int amd64_imm(const uint8_t *op, bool two, bool opsize16)
{
	uint8_t o = op[0];
	if (two) {
		switch (o) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf: case 0x10: case 0x11: case 0x28: case 0x29:
		case 0xb0: case 0xb1: case 0xc0: case 0xc1: case 0x6f: case 0x7f: case 0xd6: case 0x2e:
		case 0x2f: case 0x6e: case 0x7e: case 0x18: case 0x1f:
			return 0;
		case 0xba:
			return 1;
		}
		return -1;
	}
	switch (o) {
	case 0x01: case 0x03: case 0x09: case 0x0b: case 0x21: case 0x23: case 0x29: case 0x2b:
	case 0x31: case 0x33: case 0x39: case 0x3b: case 0x84: case 0x85: case 0x86: case 0x87:
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8d: case 0xff: case 0xfe: case 0x38:
	case 0x3a: case 0x00: case 0x02: case 0x08: case 0x0a: case 0x20: case 0x22: case 0x28:
	case 0x2a: case 0x30: case 0x32: case 0xd1: case 0xd3:
		return 0;
	case 0x80: case 0x83: case 0xc6: case 0xc0: case 0xc1:
		return 1;
	case 0x81: case 0xc7:
		return opsize16 ? 2 : 4;
	}
	return -1;
}

static void decode_amd64(const uint8_t *p, size_t n, uint64_t pc0, const struct cr_goglobals *G,
			 struct refs *r)
{
	size_t cmp_at = SIZE_MAX;
	uint32_t cmp_len = 0;
	for (size_t i = 0; i + 6 <= n; i++) {
		/* cmp r32/r64/r8, imm8 (83 /7, 80 /7, REX optional) + jb/jae/jbe/ja */
		{
			size_t k = i + ((p[i] & 0xf0) == 0x40 ? 1 : 0);
			if (k + 3 < n && (p[k] == 0x83 || p[k] == 0x80) && (p[k + 1] & 0xf8) == 0xf8) {
				uint8_t jc = p[k + 3] == 0x0f && k + 4 < n ? (uint8_t)(p[k + 4] - 0x10) : p[k + 3];
				if (jc == 0x72 || jc == 0x73)
					cmp_len = p[k + 2], cmp_at = i;
				else if (jc == 0x76 || jc == 0x77)
					cmp_len = (uint32_t)p[k + 2] + 1, cmp_at = i;
			}
		}
		size_t j = i;
		bool o16 = false;
		if (p[j] == 0x66 || p[j] == 0xf0 || p[j] == 0xf2 || p[j] == 0xf3) {
			o16 = p[j] == 0x66;
			j++;
		}
		if (j < n && (p[j] & 0xf0) == 0x40)
			j++;
		bool two = false;
		if (j < n && p[j] == 0x0f) {
			two = true;
			j++;
		}
		if (j + 6 > n)
			continue;
		int imm = amd64_imm(p + j, two, o16);
		if (imm < 0 || (p[j + 1] & 0xc7) != 0x05)
			continue;
		int32_t disp;
		memcpy(&disp, p + j + 2, 4);
		size_t end = j + 6 + (size_t)imm;
		if (end > n)
			continue;
		uint64_t t = pc0 + end + (uint64_t)(int64_t)disp;
		size_t before = r->n;
		refs_add(r, G, t, cmp_at != SIZE_MAX && i - cmp_at <= BOUND_WINDOW ? cmp_len : 0);
		if (r->n != before || (t >= G->noptrdata && t < G->enoptrbss))
			i = end - 1; /* a match: continue after it */
	}
}

static void decode_arm64(struct cr_binary *b, const uint8_t *p, size_t n, uint64_t pc0,
			 const struct cr_goglobals *G, struct refs *r)
{
	size_t cmp_at = SIZE_MAX;
	uint32_t cmp_len = 0;
	for (size_t i = 0; i + 8 <= n; i += 4) {
		uint32_t w = cr_binary_u32(b, p + i), x = cr_binary_u32(b, p + i + 4);
		/* CMP Wn/Xn, #imm12 (SUBS xZR) + B.HS/LO (len) or B.HI/LS (len-1) */
		if ((w & 0x7f80001fu) == 0x7100001fu && (x & 0xff000010u) == 0x54000000u) {
			unsigned cond = x & 15;
			if (cond == 2 || cond == 3)
				cmp_len = (w >> 10) & 0xfff, cmp_at = i;
			else if (cond == 8 || cond == 9)
				cmp_len = ((w >> 10) & 0xfff) + 1, cmp_at = i;
		}
		if ((w & 0x9f000000u) != 0x90000000u) /* ADRP */
			continue;
		unsigned rd = w & 31;
		int64_t imm = (int64_t)((((w >> 5) & 0x7ffffu) << 2) | ((w >> 29) & 3));
		if (imm & ((int64_t)1 << 20))
			imm -= (int64_t)1 << 21;
		uint64_t page = ((pc0 + i) & ~(uint64_t)0xfff) + ((uint64_t)imm << 12); /* wraps below pc */
		if (((x >> 5) & 31) != rd)
			continue;
		uint64_t off;
		if ((x & 0xffc00000u) == 0x91000000u) /* ADD Xd, Xn, #imm12 */
			off = (x >> 10) & 0xfff;
		else if ((x & 0x3b000000u) == 0x39000000u) /* LDR/STR (unsigned offset), any size */
			off = (uint64_t)((x >> 10) & 0xfff) << (x >> 30);
		else
			continue;
		refs_add(r, G, page + off, cmp_at != SIZE_MAX && i - cmp_at <= BOUND_WINDOW ? cmp_len : 0);
	}
}

/* f: the function, NULL if the pclntab has none of that name */
static void func_refs(struct cr_binary *b, const struct cr_gofunc *f, const struct cr_goglobals *G,
		      struct refs *r)
{
	r->n = 0;
	if (!f || f->end <= f->entry || f->end - f->entry > 64 * 1024)
		return;
	const uint8_t *p = cr_binary_ptr(b, f->entry, (size_t)(f->end - f->entry));
	if (!p)
		return;
	if (b->machine == CR_EM_X86_64)
		decode_amd64(p, (size_t)(f->end - f->entry), f->entry, G, r);
	else if (b->machine == CR_EM_AARCH64)
		decode_arm64(b, p, (size_t)(f->end - f->entry), f->entry, G, r);
}

/* ---------------------------------------------------------------- static checks */

/* A Go string in the binary's initialised data: readable, printable. */
static bool static_string(struct cr_binary *b, uint64_t hdr, char *out, size_t outn, bool *empty)
{
	unsigned ps = cr_binary_ptrsize(b);
	uint64_t p, n;
	if (!cr_binary_read_addr(b, hdr, &p) || !cr_binary_read_uint(b, hdr + ps, ps, &n))
		return false;
	*empty = n == 0;
	if (n == 0)
		return p == 0 || true;
	if (n > 64 || !p)
		return false;
	uint8_t tmp[64];
	if (cr_binary_read(b, p, tmp, (size_t)n) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tmp[i] < 32 || tmp[i] >= 127)
			return false;
	copy_printable(out, outn, tmp, (size_t)n);
	return true;
}

/* Count of an array of Go strings at a (stops at the first non-string,
 * trailing empty strings dropped); first0/first1: its first two entries. */
static size_t string_array(struct cr_binary *b, uint64_t a, char *first0, char *first1, size_t fn)
{
	unsigned ps = cr_binary_ptrsize(b);
	size_t n = 0, last = 0;
	first0[0] = first1[0] = 0;
	for (size_t i = 0; i < 256; i++) {
		char tmp[72];
		bool empty;
		if (!static_string(b, a + (uint64_t)i * 2 * ps, tmp, sizeof tmp, &empty))
			break;
		if (empty)
			tmp[0] = 0;
		if (i == 0)
			memcpy(first0, tmp, fn);
		if (i == 1)
			memcpy(first1, tmp, fn);
		n = i + 1;
		if (!empty)
			last = n;
	}
	(void)n;
	return last;
}

/* ---------------------------------------------------------------- rules */

enum gl { GL_ALLGS, GL_ALLM, GL_SCHED, GL_MEMSTATS, GL_MHEAP, GL_CLASS_TO_SIZE, GL_WAITREASONS,
	  GL_GSTATUS, GL_N };

static const char *const gl_symbol[GL_N] = {
	"runtime.allgs", "runtime.allm", "runtime.sched", "runtime.memstats", "runtime.mheap_",
	"runtime.class_to_size", "runtime.waitReasonStrings", "runtime.gStatusStrings",
};

/* Which runtime functions refer to which global (Go 1.19 sources; the same
 * code in 1.20-1.23 as far as runtime/proc.go, mgc.go, mcache.go,
 * traceback.go read): every data address they touch is a candidate. */
static const struct rule { enum gl gl; const char *func; } rules[] = {
	{ GL_ALLGS, "runtime.forEachG" },       /* lock(&allglock); for _, gp := range allgs */
	{ GL_ALLGS, "runtime.allgadd" },
	{ GL_ALLM, "runtime.mcommoninit" },     /* mp.alllink = allm; atomicstorep(&allm, mp) */
	{ GL_ALLM, "runtime.schedtrace" },
	{ GL_ALLM, "runtime.checkdead" },
	{ GL_SCHED, "runtime.newproc1" },       /* sched.goidgen (offset 0) */
	{ GL_SCHED, "runtime.checkdead" },
	{ GL_MEMSTATS, "runtime.(*mcache).allocLarge" }, /* memstats.heapStats, mheap_.alloc */
	{ GL_MEMSTATS, "runtime.(*mheap).allocSpan" },
	{ GL_MEMSTATS, "runtime.(*mcache).refill" },
	{ GL_MHEAP, "runtime.(*mcache).allocLarge" },
	{ GL_MHEAP, "runtime.materializeGCProg" },
	{ GL_MHEAP, "runtime.freeStackSpans" },
	{ GL_CLASS_TO_SIZE, "runtime.rawbyteslice" }, /* roundupsize */
	{ GL_CLASS_TO_SIZE, "runtime.makeBucketArray" },
	{ GL_CLASS_TO_SIZE, "runtime.(*mheap).allocSpan" },
	{ GL_WAITREASONS, "runtime.goroutineheader" },
	{ GL_WAITREASONS, "runtime.waitReason.String" },
	{ GL_GSTATUS, "runtime.goroutineheader" },
};

static void cand_add(struct cr_goglobal *g, uint32_t *bounds, uint64_t a, uint32_t bound)
{
	for (size_t i = 0; i < g->ncand; i++)
		if (g->cand[i] == a) {
			if (!bounds[i])
				bounds[i] = bound;
			return;
		}
	if (g->ncand < CR_GOGLOBAL_MAXCAND) {
		bounds[g->ncand] = bound;
		g->cand[g->ncand++] = a;
	}
}

static struct cr_goglobal *slot(struct cr_goglobals *G, enum gl k)
{
	switch (k) {
	case GL_ALLGS: return &G->allgs;
	case GL_ALLM: return &G->allm;
	case GL_SCHED: return &G->sched;
	case GL_MEMSTATS: return &G->memstats;
	case GL_MHEAP: return &G->mheap;
	case GL_CLASS_TO_SIZE: return &G->class_to_size;
	case GL_WAITREASONS: return &G->wait_reasons;
	case GL_GSTATUS: return &G->gstatus_strings;
	default: return NULL;
	}
}

void cr_goglobals_find(struct cr_binary *b, struct cr_pclntab *t, bool use_symbols,
		       struct cr_goglobals *G)
{
	memset(G, 0, sizeof *G);
	cr_go_buildinfo_version(b, G->go_version, sizeof G->go_version);
	G->have_moduledata = find_moduledata(b, G);
	unsigned ps = cr_binary_ptrsize(b);
	uint32_t bounds[GL_N][CR_GOGLOBAL_MAXCAND] = { { 0 } };
	enum { NRULES = sizeof rules / sizeof *rules };
	struct cr_gofunc rf[NRULES];
	bool have_rf[NRULES] = { false }, resolved = false;
	for (int k = 0; k < GL_N; k++) {
		struct cr_goglobal *g = slot(G, (enum gl)k);
		const struct cr_elf_symbol *s = use_symbols ? cr_binary_symbol_by_name(b, gl_symbol[k]) : NULL;
		if (s) {
			g->cand[0] = g->addr = s->value;
			g->ncand = 1;
			g->size = s->size;
			g->how = "symbol";
			continue;
		}
		if (!t || !G->enoptrbss)
			continue;
		if (!resolved) { /* every rule's function, in one scan of the pclntab */
			const char *names[NRULES];
			for (size_t i = 0; i < NRULES; i++)
				names[i] = rules[i].func;
			cr_pclntab_funcs_by_name(t, names, NRULES, rf, have_rf);
			resolved = true;
		}
		struct refs r;
		for (size_t i = 0; i < NRULES; i++) {
			if (rules[i].gl != (enum gl)k)
				continue;
			func_refs(b, have_rf[i] ? &rf[i] : NULL, G, &r);
			for (size_t j = 0; j < r.n; j++) {
				uint64_t a = r.a[j];
				/* pointer-aligned, and a slice head for allgs: its len word is used too */
				if (a % ps)
					continue;
				if (k == GL_ALLGS) {
					bool len_used = false;
					for (size_t x = 0; x < r.n; x++)
						len_used |= r.a[x] == a + ps;
					if (!len_used)
						continue;
				}
				cand_add(g, bounds[k], a, r.bound[j]);
			}
		}
		if (g->ncand)
			g->how = "machine code";
	}
	/* static checks: string tables and class_to_size live in initialised data */
	for (int k = GL_CLASS_TO_SIZE; k < GL_N; k++) {
		struct cr_goglobal *g = slot(G, (enum gl)k);
		size_t keep = 0;
		for (size_t i = 0; i < g->ncand; i++) {
			uint64_t a = g->cand[i];
			bool ok = false;
			if (k == GL_CLASS_TO_SIZE) {
				uint64_t v0, v1, v2;
				ok = cr_binary_read_uint(b, a, 2, &v0) && cr_binary_read_uint(b, a + 2, 2, &v1) &&
				     cr_binary_read_uint(b, a + 4, 2, &v2) && v0 == 0 && v1 == 8 && v2 == 16;
			} else {
				char f0[72], f1[72];
				size_t n = string_array(b, a, f0, f1, sizeof f0);
				if (k == GL_WAITREASONS)
					ok = n >= 2 && f0[0] == 0 && f1[0] != 0; /* waitReasonZero is "" */
				else
					ok = n >= 2 && strcmp(f0, "idle") == 0 && strcmp(f1, "runnable") == 0;
				/* length: the bounds check of the code when it is plausible,
				 * else the count of strings (which may run into the next table) */
				if (ok && g->how && strcmp(g->how, "symbol") != 0)
					g->size = (uint64_t)(bounds[k][i] && bounds[k][i] <= n ? bounds[k][i] : n) * 2 * ps;
			}
			if (ok || (g->how && strcmp(g->how, "symbol") == 0))
				g->cand[keep++] = a;
		}
		g->ncand = keep;
	}
	for (int k = 0; k < GL_N; k++) {
		struct cr_goglobal *g = slot(G, (enum gl)k);
		if (g->ncand == 1)
			g->addr = g->cand[0];
		else if (!g->ncand)
			g->how = NULL;
	}
}
