/* Naming the address-only locations of a profile from a binary
 * (`coroner top --binary`, `coroner symbolize ... -o`).
 *
 * Go binaries are read as `go tool pprof` reads them (its objfile reader):
 * the pclntab, physical function with the innermost file:line, no inline
 * expansion (testdata/gen/README.md, heap.txt.bin). Other binaries get
 * DWARF frames with inlines, as pprof's llvm-symbolizer path does. */
#include "coroner/sym.h"
#include <string.h>

/* Link-time address of a runtime address in mapping m (PIE, shared
 * objects): its file offset is addr - start + offset; the PT_LOAD holding
 * that offset says where it was linked (pprof's ObjAddr). */
static uint64_t to_link(const struct cr_binary *b, const struct cr_mapping *m, uint64_t addr)
{
	if (!m || b->type != CR_ET_DYN || m->start == 0 || addr < m->start)
		return addr;
	uint64_t fo = addr - m->start + m->offset;
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type == CR_PT_LOAD && fo >= g->offset && fo - g->offset < g->filesz)
			return g->vaddr + (fo - g->offset);
	}
	return addr;
}

enum cr_err cr_profile_symbolize_file(struct cr_profile *p, const char *path, struct cr_error *e)
{
	struct cr_symbolizer *s;
	enum cr_err rc = cr_symbolizer_open(&s, path, e);
	if (rc)
		return rc;
	const struct cr_binary *b = cr_symbolizer_binary(s);
	bool inlines = cr_symbolizer_pclntab(s) == NULL;
	size_t named = 0;
	struct cr_frame fr[64];
	struct cr_line lines[64];
	for (size_t i = 0; i < p->nlocations && !rc; i++) {
		struct cr_location *l = &p->locations[i];
		if (l->nlines || !l->address)
			continue;
		const struct cr_mapping *m = l->mapping && l->mapping <= p->nmappings ? &p->mappings[l->mapping - 1] : NULL;
		/* the binary is the main one (the first mapping, as pprof takes
		 * it): a shared library's addresses are not its own */
		if (m && l->mapping > 1 && *cr_profile_str(p, m->filename))
			continue;
		size_t n = cr_symbolize(s, to_link(b, m, l->address), inlines, fr, 64);
		if (!n)
			continue;
		for (size_t k = 0; k < n; k++) {
			uint32_t f = cr_profile_function(p, cr_frame_or(fr[k].function, "??"), fr[k].file, 0);
			if (f == UINT32_MAX) {
				rc = cr_fail(e, CR_NOMEM, "%s: out of memory while symbolizing", path);
				break;
			}
			lines[k] = (struct cr_line){ f, fr[k].line };
		}
		if (rc)
			break;
		if (p->nlines + n >= UINT32_MAX ||
		    cr_grow(&p->lines, &p->cap_lines, p->nlines + n, sizeof *p->lines)) {
			rc = cr_fail(e, CR_NOMEM, "%s: out of memory while symbolizing", path);
			break;
		}
		l = &p->locations[i];
		l->line_start = (uint32_t)p->nlines;
		l->nlines = (uint32_t)n;
		memcpy(&p->lines[p->nlines], lines, n * sizeof *lines);
		p->nlines += n;
		named++;
	}
	for (size_t i = 0; i < p->nmappings; i++) {
		p->mappings[i].has_functions = true;
		p->mappings[i].has_filenames = true;
		p->mappings[i].has_line_numbers = true;
		p->mappings[i].has_inline_frames = inlines;
	}
	cr_symbolizer_close(s);
	/* pprof symbolizes, then applies drop_frames/keep_frames (a legacy heap
	 * profile's allocator frames): the names exist only now */
	if (!rc && named)
		rc = cr_profile_prune(p, e);
	return rc;
}

/* pprof's address in the file for a runtime address of mapping m (its
 * objfile reader): less start minus the page-aligned start of the first
 * executable PT_LOAD, when the mapping has a start */
static uint64_t pprof_obj_addr(const struct cr_binary *b, const struct cr_mapping *m, uint64_t addr)
{
	if (!m->start)
		return addr;
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type == CR_PT_LOAD && (g->flags & CR_PF_X))
			return addr - (m->start - (g->vaddr - (g->align ? g->vaddr % g->align : 0)));
	}
	return addr;
}

enum cr_err cr_profile_symbolize_mapping_go(struct cr_profile *p, size_t mi, const char *path, struct cr_error *e)
{
	struct cr_symbolizer *s;
	enum cr_err rc = cr_symbolizer_open(&s, path, e);
	if (rc)
		return rc;
	if (!cr_symbolizer_pclntab(s)) { /* go tool pprof reads only Go's line table */
		cr_symbolizer_close(s);
		return CR_OK;
	}
	const struct cr_binary *b = cr_symbolizer_binary(s);
	struct cr_frame fr[1];
	for (size_t i = 0; i < p->nlocations && !rc; i++) {
		struct cr_location *l = &p->locations[i];
		if (l->mapping != mi + 1)
			continue;
		struct cr_mapping *m = &p->mappings[mi];
		if (!cr_symbolize(s, pprof_obj_addr(b, m, l->address), false, fr, 1))
			continue;
		uint32_t f = cr_profile_function(p, fr[0].function, fr[0].file, 0);
		if (f == UINT32_MAX || p->nlines + 1 >= UINT32_MAX ||
		    cr_grow(&p->lines, &p->cap_lines, p->nlines + 1, sizeof *p->lines)) {
			rc = cr_fail(e, CR_NOMEM, "%s: out of memory while symbolizing", path);
			break;
		}
		l = &p->locations[i];
		m = &p->mappings[mi];
		l->line_start = (uint32_t)p->nlines;
		l->nlines = 1;
		l->is_folded = false;
		p->lines[p->nlines++] = (struct cr_line){ f, fr[0].line };
		m->has_functions |= *fr[0].function != 0;
		m->has_filenames |= *fr[0].file != 0;
		m->has_line_numbers |= fr[0].line != 0;
		m->has_inline_frames = true;
	}
	cr_symbolizer_close(s);
	return rc;
}
