/* The symbolizer: pclntab first for Go binaries, DWARF for the rest (cgo,
 * C), the ELF symbol table last. */
#include "coroner/sym.h"
#include "coroner/text.h"
#include <stdlib.h>
#include <string.h>

struct cr_symbolizer {
	struct cr_binary *bin;
	struct cr_pclntab *pcln;
	struct cr_dwarf *dwarf;
	char warning[1100];
	bool dwarf_tried;
	bool dwarf_names; /* gdb's names rather than llvm-symbolizer's */
	bool gdb_lines;   /* and gdb's line rows (cr_dwarf_gdb_lines) */
};

/* Say why a binary that might well have had DWARF has none we can use
 * (otherwise every answer silently degrades to symbol names). */
static void warn_no_dwarf(struct cr_symbolizer *s)
{
	const struct cr_binary *b = s->bin;
	if (s->warning[0])
		return;
	const struct cr_elf_section *info = cr_binary_debug_section(b, ".debug_info");
	if (info && info->type == CR_SHT_NOBITS)
		snprintf(s->warning, sizeof s->warning,
			 "%s: DWARF: .debug_info has no data in this file (SHT_NOBITS; split off into a separate debug file?): no file:line from DWARF",
			 b->path);
	else if (!info && b->names_unknown)
		snprintf(s->warning, sizeof s->warning,
			 "%s: ELF: e_shstrndx %llu is not a string table: section names unknown, no DWARF or .gopclntab found by name",
			 b->path, b->shstrndx);
}

/* A Go pclntab is looked for (a scan of the read-only data when no
 * section or symbol names it) unless go is false; addrs: see
 * cr_symbolizer_new_for. */
static enum cr_err symbolizer_new(struct cr_symbolizer **out, struct cr_binary *b, bool go, const uint64_t *addrs,
				  size_t naddrs, struct cr_binary *alt, struct cr_dwarf_head *head, struct cr_error *e)
{
	*out = NULL;
	struct cr_symbolizer *s = cr_calloc(1, sizeof *s);
	if (!s) {
		cr_dwarf_head_close(head);
		cr_binary_close(alt);
		cr_binary_close(b);
		return cr_fail(e, CR_NOMEM, "%s: out of memory", b->path);
	}
	s->bin = b;
	struct cr_error pe = { 0 };
	enum cr_err rc = go ? cr_pclntab_open(b, &s->pcln, &pe) : CR_NOTFOUND;
	if (rc == CR_NOMEM || rc == CR_LIMIT) {
		cr_dwarf_head_close(head);
		cr_binary_close(alt);
		cr_symbolizer_close(s);
		return cr_fail(e, rc, "%s", pe.msg);
	}
	if (rc && rc != CR_NOTFOUND)
		snprintf(s->warning, sizeof s->warning, "%s", pe.msg);
	/* a Go binary needs DWARF only for what the pclntab lacks (cgo): index
	 * it on first need (and it is not dwz's) */
	if (s->pcln) {
		cr_dwarf_head_close(head);
		cr_binary_close(alt);
		*out = s;
		return CR_OK;
	}
	s->dwarf_tried = true;
	struct cr_error de = { 0 };
	rc = cr_dwarf_open_head(b, alt, head, addrs, naddrs, &s->dwarf, &de);
	if (rc == CR_NOMEM || rc == CR_LIMIT) {
		cr_symbolizer_close(s);
		return cr_fail(e, rc, "%s", de.msg);
	}
	if (rc && rc != CR_NOTFOUND) {
		if (!s->pcln && !cr_binary_nsymbols(b)) {
			cr_symbolizer_close(s);
			return cr_fail(e, rc, "%s", de.msg);
		}
		if (!s->warning[0])
			snprintf(s->warning, sizeof s->warning, "%s (DWARF ignored)", de.msg);
	} else if (rc == CR_NOTFOUND)
		warn_no_dwarf(s);
	*out = s;
	return CR_OK;
}

enum cr_err cr_symbolizer_new(struct cr_symbolizer **out, struct cr_binary *b, struct cr_error *e)
{
	return symbolizer_new(out, b, true, NULL, 0, NULL, NULL, e);
}

enum cr_err cr_symbolizer_new_for(struct cr_symbolizer **out, struct cr_binary *b, const uint64_t *addrs, size_t n,
				  struct cr_error *e)
{
	return cr_symbolizer_new_alt(out, b, NULL, addrs, n, e);
}

enum cr_err cr_symbolizer_new_alt(struct cr_symbolizer **out, struct cr_binary *b, struct cr_binary *alt,
				  const uint64_t *addrs, size_t n, struct cr_error *e)
{
	return cr_symbolizer_new_head(out, b, alt, NULL, addrs, n, e);
}

enum cr_err cr_symbolizer_new_head(struct cr_symbolizer **out, struct cr_binary *b, struct cr_binary *alt,
				   struct cr_dwarf_head *head, const uint64_t *addrs, size_t n, struct cr_error *e)
{
	bool go = !addrs || b->go_build_id[0] || cr_binary_section(b, ".gopclntab") ||
		  cr_binary_section(b, ".data.rel.ro.gopclntab");
	return symbolizer_new(out, b, go, addrs, n, alt, head, e);
}

enum cr_err cr_symbolizer_open(struct cr_symbolizer **out, const char *path, struct cr_error *e)
{
	struct cr_binary *b;
	*out = NULL;
	enum cr_err rc = cr_binary_open(&b, path, e);
	if (rc)
		return rc;
	return cr_symbolizer_new(out, b, e);
}

void cr_symbolizer_close(struct cr_symbolizer *s)
{
	if (!s)
		return;
	cr_dwarf_close(s->dwarf);
	cr_pclntab_close(s->pcln);
	cr_binary_close(s->bin);
	cr_free(s);
}

void cr_symbolizer_dwarf_names(struct cr_symbolizer *s, bool on) { s->dwarf_names = on; }

void cr_symbolizer_gdb_lines(struct cr_symbolizer *s, bool on)
{
	s->gdb_lines = on;
	cr_dwarf_gdb_lines(s->dwarf, on);
}
struct cr_binary *cr_symbolizer_binary(const struct cr_symbolizer *s) { return s->bin; }
struct cr_pclntab *cr_symbolizer_pclntab(const struct cr_symbolizer *s) { return s->pcln; }
const char *cr_symbolizer_warning(const struct cr_symbolizer *s) { return s->warning; }
const struct cr_dwarf *cr_symbolizer_dwarf(const struct cr_symbolizer *s) { return s->dwarf; }
struct cr_dwarf *cr_symbolizer_dwarf_index(struct cr_symbolizer *s) { return s->dwarf; }

/* The ELF symbol table: a function name, no line (llvm-symbolizer's
 * fallback too). */
static size_t fallback_symbol(const struct cr_symbolizer *s, uint64_t addr, struct cr_frame *out)
{
	const struct cr_elf_symbol *y = cr_binary_symbol_at(s->bin, addr);
	if (!y || y->type == CR_STT_OBJECT)
		return 0;
	/* llvm-symbolizer: a local symbol's file is its STT_FILE */
	out[0] = (struct cr_frame){ .function = y->name ? y->name : "", .file = y->file ? y->file : "", .module = "",
				    .entry = y->value };
	return 1;
}

static bool go_dwarf_candidate(const struct cr_symbolizer *s, uint64_t addr)
{
	const struct cr_binary *b = s->bin;
	bool exec = false;
	for (size_t i = 0; i < b->nsegments && !exec; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		exec = g->type == CR_PT_LOAD && (g->flags & CR_PF_X) && addr >= g->vaddr && addr - g->vaddr < g->memsz;
	}
	if (!exec)
		return false;
	struct cr_gofunc first, last;
	size_t nf = cr_pclntab_nfuncs(s->pcln);
	if (nf && cr_pclntab_func(s->pcln, 0, &first) && cr_pclntab_func(s->pcln, nf - 1, &last) &&
	    addr >= first.entry && addr < last.end)
		return false;
	return true;
}

/* addr2line without -i: the physical function, innermost position */
static size_t physical_only(struct cr_frame *out, size_t n)
{
	if (n <= 1)
		return n;
	struct cr_frame inner = out[0];
	out[0] = out[n - 1];
	out[0].file = inner.file;
	out[0].line = inner.line;
	out[0].column = inner.column;
	return 1;
}

size_t cr_symbolize_return(struct cr_symbolizer *s, uint64_t ret, bool inlines, struct cr_frame *out,
			   size_t max)
{
	struct cr_gofunc f;
	if (ret == 0)
		return 0;
	if (s->pcln && cr_pclntab_find_func(s->pcln, ret, &f) && f.entry == ret)
		return cr_symbolize(s, ret, inlines, out, max);
	return cr_symbolize(s, ret - 1, inlines, out, max);
}

size_t cr_symbolize(struct cr_symbolizer *s, uint64_t addr, bool inlines, struct cr_frame *out,
		    size_t max)
{
	if (max == 0)
		return 0;
	size_t n = 0;
	if (s->pcln)
		n = cr_pclntab_frames(s->pcln, addr, out, max);
	/* DWARF of a Go binary is indexed (seconds for a big one) only for an
	 * address in executable code the pclntab does not cover: cgo's C */
	if (!n && !s->dwarf_tried && s->pcln && !go_dwarf_candidate(s, addr))
		return fallback_symbol(s, addr, out);
	if (!n && !s->dwarf_tried) {
		struct cr_error de = { 0 };
		s->dwarf_tried = true;
		enum cr_err rc = cr_dwarf_open(s->bin, &s->dwarf, &de);
		cr_dwarf_gdb_lines(s->dwarf, s->gdb_lines);
		if (rc && rc != CR_NOTFOUND && !s->warning[0])
			snprintf(s->warning, sizeof s->warning, "%s (DWARF ignored)", de.msg);
		else if (rc == CR_NOTFOUND)
			warn_no_dwarf(s);
	}
	if (!n && s->dwarf) {
		n = cr_dwarf_frames(s->dwarf, addr, out, max);
		/* llvm-symbolizer names the physical (outermost) frame from the
		 * symbol table when a symbol covers the address: gcc's clones
		 * (foo.cold, foo.isra.0, foo.constprop.0) keep their suffix, and
		 * a line row without a subprogram DIE gets a name. gdb keeps
		 * the subprogram's name (its DW_AT_linkage_name, else
		 * DW_AT_name): glibc's __GI_raise, not raise; but a C++
		 * symbol's mangled name carries the scopes (namespaces,
		 * classes) a bare DW_AT_name lacks and gdb prints */
		struct cr_frame sf;
		if (n && fallback_symbol(s, addr, &sf) &&
		    (!s->dwarf_names || !*out[n - 1].function || !strncmp(sf.function, "_Z", 2))) {
			out[n - 1].function = sf.function;
			out[n - 1].entry = sf.entry;
		}
	}
	if (!n)
		n = fallback_symbol(s, addr, out);
	return inlines ? n : physical_only(out, n);
}

size_t cr_symbolize_pclntab(struct cr_pclntab *t, uint64_t addr, bool ret, bool inlines, struct cr_frame *out,
			    size_t max)
{
	struct cr_gofunc f;
	if (max == 0 || (ret && addr == 0))
		return 0;
	if (ret && !(cr_pclntab_find_func(t, addr, &f) && f.entry == addr))
		addr--;
	size_t n = cr_pclntab_frames(t, addr, out, max);
	return inlines ? n : physical_only(out, n);
}

/* Parse one maps/smaps mapping line: "start-end perms offset dev inode path" */
static bool maps_line(const char *l, size_t n, uint64_t *start, uint64_t *end, char perms[5],
		      uint64_t *off, const char **path, size_t *plen)
{
	size_t i = 0;
	if (!cr_parse_hex(l, n, &i, start) || i >= n || l[i] != '-')
		return false;
	i++;
	if (!cr_parse_hex(l, n, &i, end) || i >= n || l[i] != ' ')
		return false;
	i++;
	if (i + 4 > n)
		return false;
	memcpy(perms, l + i, 4);
	perms[4] = 0;
	i += 4;
	i = cr_skip_ws(l, n, i);
	if (!cr_parse_hex(l, n, &i, off))
		return false;
	i = cr_skip_ws(l, n, i);
	while (i < n && l[i] != ' ' && l[i] != '\t') /* dev */
		i++;
	i = cr_skip_ws(l, n, i);
	while (i < n && l[i] != ' ' && l[i] != '\t') /* inode */
		i++;
	i = cr_skip_ws(l, n, i);
	*path = l + i;
	*plen = n - i;
	return true;
}

static const char *base_name(const char *p, size_t n, size_t *blen)
{
	size_t s = n;
	while (s > 0 && p[s - 1] != '/')
		s--;
	*blen = n - s;
	return p + s;
}

/* One file-backed mapping of a maps text. */
struct maprow {
	uint64_t start, end, off;
	const char *path;
	size_t plen;
	bool exec;
};

static int maprow_cmp(const void *a, const void *b)
{
	const struct maprow *x = a, *y = b;
	size_t n = x->plen < y->plen ? x->plen : y->plen;
	int c = memcmp(x->path, y->path, n);
	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The PT_LOAD segment of b whose file bytes (from the page its offset lies
 * in) hold the mapping's start offset; NULL if none. */
static const struct cr_elf_segment *seg_holding(const struct cr_binary *b, uint64_t off)
{
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type == CR_PT_LOAD && g->filesz && off >= (g->offset & ~(uint64_t)4095) &&
		    off < g->offset + g->filesz)
			return g;
	}
	return NULL;
}

/* Does the group rows[0..n) (one file, by start address) map b? Every
 * mapping starts in one of b's load segments, is executable exactly when
 * that segment is, and gives the same bias; together they map the file
 * bytes of every load segment (the kernel may merge the last page of one
 * segment with the next, RELRO splits one in two). */
static bool group_maps_binary(const struct cr_binary *b, const struct maprow *rows, size_t n, uint64_t *start,
			      uint64_t *off)
{
	bool exec = false;
	int64_t bias0 = 0;
	for (size_t i = 0; i < n; i++) {
		const struct maprow *m = &rows[i];
		const struct cr_elf_segment *g = seg_holding(b, m->off);
		if (!g || m->exec != !!(g->flags & CR_PF_X))
			return false;
		int64_t bias = (int64_t)(m->start - (g->vaddr - (g->offset - m->off)));
		if (i && bias != bias0)
			return false;
		bias0 = bias;
		if (m->exec && !exec) {
			exec = true;
			*start = m->start;
			*off = m->off;
		}
	}
	for (size_t k = 0; exec && k < b->nsegments; k++) {
		const struct cr_elf_segment *g = &b->segments[k];
		if (g->type != CR_PT_LOAD || !g->filesz)
			continue;
		uint64_t need = g->offset & ~(uint64_t)4095, end = g->offset + g->filesz;
		for (size_t i = 0; i < n && need < end; i++) /* rows ascend in offset too */
			if (rows[i].off <= need && rows[i].off + (rows[i].end - rows[i].start) > need)
				need = rows[i].off + (rows[i].end - rows[i].start);
		if (need < end)
			return false;
	}
	return exec;
}

enum cr_err cr_binary_bias_from_maps(const struct cr_binary *b, const char *maps_text, size_t len,
				     const char *want_name, int64_t *bias, char *chosen, size_t chosen_n,
				     struct cr_error *e)
{
	size_t wl;
	const char *want = want_name ? want_name : b->path;
	want = base_name(want, strlen(want), &wl);
	/* strip a compression suffix of the binary's file name */
	if (!want_name && wl > 3 && (memcmp(want + wl - 3, ".gz", 3) == 0))
		wl -= 3;
	else if (!want_name && wl > 4 && memcmp(want + wl - 4, ".zst", 4) == 0)
		wl -= 4;
	if (chosen && chosen_n)
		chosen[0] = 0;
	struct maprow *rows = NULL;
	size_t nrows = 0, cap = 0;
	struct cr_lines it;
	cr_lines_init(&it, maps_text, len);
	const char *l;
	size_t n;
	bool cut;
	while (cr_lines_next(&it, &l, &n, 1 << 16, &cut)) {
		struct maprow r;
		char perms[5];
		if (!maps_line(l, n, &r.start, &r.end, perms, &r.off, &r.path, &r.plen) || r.end <= r.start)
			continue;
		while (r.plen > 0 && (r.path[r.plen - 1] == ' ' || r.path[r.plen - 1] == '\t'))
			r.plen--;
		if (r.plen > 10 && memcmp(r.path + r.plen - 10, " (deleted)", 10) == 0)
			r.plen -= 10;
		if (!r.plen || r.path[0] == '[')
			continue; /* anonymous, [heap], [stack], [vdso] */
		r.exec = perms[2] == 'x';
		if (cr_grow(&rows, &cap, nrows + 1, sizeof *rows)) {
			cr_free(rows);
			return cr_fail(e, CR_NOMEM, "%s: out of memory reading the maps", b->path);
		}
		rows[nrows++] = r;
	}
	if (nrows)
		qsort(rows, nrows, sizeof *rows, maprow_cmp);
	/* by the load segments first; the name breaks ties (and is the
	 * fallback: a mapping of that name, its executable part preferred) */
	size_t best = SIZE_MAX, named = SIZE_MAX;
	bool best_named = false;
	uint64_t best_start = 0, best_off = 0, st = 0, of = 0;
	for (size_t i = 0; i < nrows;) {
		size_t j = i + 1;
		while (j < nrows && rows[j].plen == rows[i].plen && memcmp(rows[j].path, rows[i].path, rows[i].plen) == 0)
			j++;
		size_t bl;
		const char *bn = base_name(rows[i].path, rows[i].plen, &bl);
		bool is_named = bl == wl && memcmp(bn, want, wl) == 0;
		if (is_named && named == SIZE_MAX)
			named = i;
		if (!want_name && group_maps_binary(b, rows + i, j - i, &st, &of) &&
		    (best == SIZE_MAX || (is_named && !best_named))) {
			best = i;
			best_named = is_named;
			best_start = st;
			best_off = of;
		}
		i = j;
	}
	if (best == SIZE_MAX && named != SIZE_MAX) {
		best = named;
		best_start = rows[named].start;
		best_off = rows[named].off;
		for (size_t k = named; k < nrows && rows[k].plen == rows[named].plen &&
				       memcmp(rows[k].path, rows[named].path, rows[k].plen) == 0; k++)
			if (rows[k].exec) {
				best_start = rows[k].start;
				best_off = rows[k].off;
				break;
			}
	}
	if (best == SIZE_MAX) {
		cr_free(rows);
		return cr_fail(e, CR_NOTFOUND, "%s: no mapping in the maps matches its load segments or its name %.*s",
			       b->path, (int)wl, want);
	}
	if (chosen && chosen_n) {
		size_t k = rows[best].plen < chosen_n - 1 ? rows[best].plen : chosen_n - 1;
		memcpy(chosen, rows[best].path, k);
		chosen[k] = 0;
	}
	cr_free(rows);
	return cr_binary_bias_for_mapping(b, best_start, best_off, bias, e);
}

enum cr_err cr_binary_bias_for_mapping(const struct cr_binary *b, uint64_t start, uint64_t file_offset,
				       int64_t *bias, struct cr_error *e)
{
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type != CR_PT_LOAD)
			continue;
		uint64_t pa = g->align > 1 && (g->align & (g->align - 1)) == 0 ? g->align : 1;
		uint64_t seg_off = g->offset & ~(pa - 1);
		if (file_offset >= seg_off && file_offset < g->offset + (g->filesz ? g->filesz : 1)) {
			uint64_t link = g->vaddr - (g->offset - file_offset);
			*bias = (int64_t)(start - link);
			return CR_OK;
		}
	}
	return cr_fail(e, CR_NOTFOUND, "%s: file offset 0x%llx is in no PT_LOAD segment", b->path,
		       (unsigned long long)file_offset);
}
