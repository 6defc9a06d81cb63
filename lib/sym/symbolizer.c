/* The symbolizer: pclntab first for Go binaries, DWARF for the rest (cgo,
 * C), the ELF symbol table last. */
#include "coroner/sym.h"
#include "coroner/text.h"
#include <string.h>

struct cr_symbolizer {
	struct cr_binary *bin;
	struct cr_pclntab *pcln;
	struct cr_dwarf *dwarf;
	char warning[1100];
	bool dwarf_tried;
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

enum cr_err cr_symbolizer_new(struct cr_symbolizer **out, struct cr_binary *b, struct cr_error *e)
{
	*out = NULL;
	struct cr_symbolizer *s = cr_calloc(1, sizeof *s);
	if (!s) {
		cr_binary_close(b);
		return cr_fail(e, CR_NOMEM, "%s: out of memory", b->path);
	}
	s->bin = b;
	struct cr_error pe = { 0 };
	enum cr_err rc = cr_pclntab_open(b, &s->pcln, &pe);
	if (rc == CR_NOMEM || rc == CR_LIMIT) {
		cr_symbolizer_close(s);
		return cr_fail(e, rc, "%s", pe.msg);
	}
	if (rc && rc != CR_NOTFOUND)
		snprintf(s->warning, sizeof s->warning, "%s", pe.msg);
	/* a Go binary needs DWARF only for what the pclntab lacks (cgo): index
	 * it on first need */
	if (s->pcln) {
		*out = s;
		return CR_OK;
	}
	s->dwarf_tried = true;
	struct cr_error de = { 0 };
	rc = cr_dwarf_open(b, &s->dwarf, &de);
	if (rc == CR_NOMEM || rc == CR_LIMIT) {
		cr_symbolizer_close(s);
		return cr_fail(e, rc, "%s", de.msg);
	}
	if (rc && rc != CR_NOTFOUND) {
		if (!s->pcln && !b->nsymbols) {
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

struct cr_binary *cr_symbolizer_binary(const struct cr_symbolizer *s) { return s->bin; }
struct cr_pclntab *cr_symbolizer_pclntab(const struct cr_symbolizer *s) { return s->pcln; }
const char *cr_symbolizer_warning(const struct cr_symbolizer *s) { return s->warning; }

/* The ELF symbol table: a function name, no line (llvm-symbolizer's
 * fallback too). */
static size_t fallback_symbol(const struct cr_symbolizer *s, uint64_t addr, struct cr_symframe *out)
{
	const struct cr_elf_symbol *y = cr_binary_symbol_at(s->bin, addr);
	if (!y || y->type == CR_STT_OBJECT)
		return 0;
	/* llvm-symbolizer: a local symbol's file is its STT_FILE */
	out[0] = (struct cr_symframe){ y->name, y->file ? y->file : "??", 0, 0, y->value, false };
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

size_t cr_symbolize_return(struct cr_symbolizer *s, uint64_t ret, bool inlines, struct cr_symframe *out,
			   size_t max)
{
	struct cr_gofunc f;
	if (ret == 0)
		return 0;
	if (s->pcln && cr_pclntab_find_func(s->pcln, ret, &f) && f.entry == ret)
		return cr_symbolize(s, ret, inlines, out, max);
	return cr_symbolize(s, ret - 1, inlines, out, max);
}

size_t cr_symbolize(struct cr_symbolizer *s, uint64_t addr, bool inlines, struct cr_symframe *out,
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
		 * a line row without a subprogram DIE gets a name */
		struct cr_symframe sf;
		if (n && fallback_symbol(s, addr, &sf)) {
			out[n - 1].function = sf.function;
			out[n - 1].entry = sf.entry;
		}
	}
	if (!n)
		n = fallback_symbol(s, addr, out);
	if (!inlines && n > 1) {
		/* addr2line without -i: the physical function, innermost position */
		struct cr_symframe inner = out[0];
		out[0] = out[n - 1];
		out[0].file = inner.file;
		out[0].line = inner.line;
		out[0].column = inner.column;
		n = 1;
	}
	return n;
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

enum cr_err cr_binary_bias_from_maps(const struct cr_binary *b, const char *maps_text, size_t len,
				     const char *want_name, int64_t *bias, struct cr_error *e)
{
	size_t wl;
	const char *want = want_name ? want_name : b->path;
	want = base_name(want, strlen(want), &wl);
	/* strip a compression suffix of the binary's file name */
	if (!want_name && wl > 3 && (memcmp(want + wl - 3, ".gz", 3) == 0))
		wl -= 3;
	else if (!want_name && wl > 4 && memcmp(want + wl - 4, ".zst", 4) == 0)
		wl -= 4;
	struct cr_lines it;
	cr_lines_init(&it, maps_text, len);
	const char *l;
	size_t n;
	bool cut;
	/* the lowest-offset mapping of the file gives start - offset = the
	 * address where file offset 0 is; PT_LOAD tells where offset 0 was
	 * linked */
	bool found = false;
	uint64_t best_off = 0, best_start = 0;
	while (cr_lines_next(&it, &l, &n, 1 << 16, &cut)) {
		uint64_t st, en, off;
		char perms[5];
		const char *p;
		size_t pl, bl;
		if (!maps_line(l, n, &st, &en, perms, &off, &p, &pl))
			continue;
		while (pl > 0 && (p[pl - 1] == ' ' || p[pl - 1] == '\t'))
			pl--;
		if (pl > 10 && memcmp(p + pl - 10, " (deleted)", 10) == 0)
			pl -= 10;
		const char *bn = base_name(p, pl, &bl);
		if (bl != wl || memcmp(bn, want, wl) != 0)
			continue;
		/* prefer the executable mapping, as pprof does */
		if (perms[2] == 'x' || !found) {
			if (perms[2] == 'x' || !found) {
				best_off = off;
				best_start = st;
			}
			if (perms[2] == 'x') {
				found = true;
				break;
			}
			found = true;
		}
	}
	if (!found)
		return cr_fail(e, CR_NOTFOUND, "%s: no mapping of %.*s in the maps", b->path, (int)wl, want);
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
