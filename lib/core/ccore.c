/* C cores: every thread's frames, named (see cr_ccore_* in coroner/core.h).
 *
 * The native unwinder gives each thread's pcs; a pc is named by the module
 * (NT_FILE path) whose mappings hold it: its link-time address is pc minus
 * the module's bias (from the mapping of file offset 0), looked up first in
 * its separate debug file (DWARF: inlined frames, file:line), then in the
 * file itself (DWARF or its symbol table). Callers' pcs are return
 * addresses: they are looked up at pc-1 (the call), as gdb does, except in
 * the innermost frame and in frames a signal interrupted. Modules are
 * opened when a frame first needs them. Between a callee and its caller go
 * the frames of functions left by tail calls (ccore_tail.c). */
#include "ccore_int.h"
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/input.h"
#include "coroner/sym.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cr_ccore_warn(struct cr_ccore *cc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_warn_linev(&cc->warn, fmt, ap);
	va_end(ap);
}

bool cr_core_read_cstr(const struct cr_core *c, uint64_t addr, char *buf, size_t n)
{
	if (!n)
		return false;
	size_t i = 0;
	for (; i + 1 < n; i++) {
		if (cr_core_read(c, addr + i, buf + i, 1) != 1)
			return false;
		if (!buf[i])
			return true;
	}
	buf[i] = 0;
	return true;
}

static void build_modules(struct cr_ccore *cc)
{
	struct cr_core *c = &cc->core;
	const char *exe = cr_core_exe_path(c);
	cc->mods = cr_arena_alloc(&cc->arena, (c->nfiles + 1) * sizeof *cc->mods);
	if (!cc->mods)
		return;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cr_core_file *f = &c->files[i];
		struct cr_cmodule *m = NULL;
		for (size_t k = 0; k < cc->nmods; k++)
			if (strcmp(cc->mods[k].path, f->path) == 0)
				m = &cc->mods[k];
		if (!m) {
			m = &cc->mods[cc->nmods++];
			memset(m, 0, sizeof *m);
			m->path = f->path;
			m->start = f->start;
			m->is_exe = exe && strcmp(exe, f->path) == 0;
		}
		if (f->start < m->start)
			m->start = f->start;
		if (f->end > m->end)
			m->end = f->end;
	}
}

/* The file whose DWARF the dwz-processed b shares, if it has one and it
 * is found (a line otherwise). */
static struct cr_binary *find_alt(struct cr_ccore *cc, const struct cr_binary *b)
{
	struct cr_binary *alt = NULL;
	struct cr_error e = { 0 };
	if (cr_debug_find_alt(b, cc->debug_dirs, cc->ndebug_dirs, &alt, &e))
		cr_ccore_warn(cc, "%s", e.msg);
	return alt;
}

/* The mapping of path's first page (file offset 0): it gives the bias. */
static const struct cr_core_file *first_mapping(const struct cr_core *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i].path, path) == 0 && c->files[i].offset == 0)
			return &c->files[i];
	return NULL;
}

/* Open a module's files for symbolization (once); pcs[0, npcs): the
 * runtime addresses its frames will be looked up at, if known (their
 * DWARF is then read only as far as they need). */
static void open_module_for(struct cr_ccore *cc, struct cr_cmodule *m, uint64_t *pcs, size_t npcs)
{
	if (m->tried)
		return;
	m->tried = true;
	struct cr_core *c = &cc->core;
	const struct cr_core_file *first = first_mapping(c, m->path);
	if (!first) {
		m->note = "no mapping of its first page: not symbolized";
		return;
	}
	struct cr_binary *b = NULL;
	struct cr_error e = { 0 };
	const unsigned char *page = cr_core_ptr(c, first->start, 4096);
	enum cr_err rc;
	if (m->is_exe && cc->binpath) {
		rc = cr_binary_open(&b, cc->binpath, &e);
	} else if (!page) {
		m->note = "its first page is not in the core: not symbolized";
		cr_ccore_warn(cc, "%s: its first page is not in the core: not symbolized", m->path);
		return;
	} else if (m->file) { /* the unwinder's, checked the same way */
		b = m->file;
		m->file = NULL;
		rc = CR_OK;
	} else {
		rc = cr_binary_open_mapped(&b, m->path, page, 4096, &e);
	}
	if (rc) {
		m->note = cr_arena_strndup(&cc->arena, e.msg, strlen(e.msg));
		cr_ccore_warn(cc, "%s", e.msg);
		return;
	}
	if (cr_binary_bias_for_mapping(b, first->start, 0, &m->bias, &e)) {
		m->note = "no load bias: not symbolized";
		cr_ccore_warn(cc, "%s: %s", m->path, e.msg);
		cr_binary_close(b);
		return;
	}
	for (size_t i = 0; i < npcs; i++)
		pcs[i] -= (uint64_t)m->bias; /* link-time */
	struct cr_binary *d = m->head_debug;
	struct cr_error de = { 0 };
	m->head_debug = NULL;
	if (!cr_binary_debug_section(b, ".debug_info")) {
		if (d || cr_debug_find(b, cc->debug_dirs, cc->ndebug_dirs, &d, &de) == CR_OK) {
			m->debug = cr_arena_strndup(&cc->arena, d->path, strlen(d->path));
			struct cr_dwarf_head *h = m->head;
			m->head = NULL;
			if (cr_symbolizer_new_head(&m->dbg, d, find_alt(cc, d), h, npcs ? pcs : NULL, npcs, &de)) {
				cr_ccore_warn(cc, "%s: %s", m->path, de.msg);
				m->dbg = NULL;
			} else {
				cr_symbolizer_dwarf_names(m->dbg, true); /* llvm_names: see lookup() */
				cr_symbolizer_gdb_lines(m->dbg, !cc->llvm_names);
			}
		} else if (!strstr(de.msg, "no separate debug file found")) {
			cr_ccore_warn(cc, "%s", de.msg); /* files there, refused: say which and why */
		}
	}
	struct cr_binary *alt = cr_binary_debug_section(b, ".debug_info") ? find_alt(cc, b) : NULL;
	if (cr_symbolizer_new_alt(&m->sym, b, alt, npcs ? pcs : NULL, npcs, &e)) {
		cr_ccore_warn(cc, "%s: %s", m->path, e.msg);
		m->sym = NULL;
	} else {
		cr_symbolizer_dwarf_names(m->sym, !cc->llvm_names);
		cr_symbolizer_gdb_lines(m->sym, !cc->llvm_names);
	}
	/* each frame named from DWARF is also looked up in the symbol table
	 * of that file (see lookup()): all of them in one pass over it */
	const struct cr_symbolizer *named = m->dbg ? m->dbg : m->sym;
	if (named && npcs)
		cr_binary_symbols_at_prefetch(cr_symbolizer_binary(named), pcs, npcs);
}

/* A head start for the library most threads' pcs are in, when its
 * DWARF is in a debug file of its own, compressed: the units its frames
 * need are known only once every thread is unwound, but inflating the
 * stream up to them is the longest step, and it needs only the file. A
 * thread inflates it from its start meanwhile (cr_dwarf_head_start);
 * open_module_for takes it over. Anything amiss: nothing is started, and
 * open_module_for finds the files again and says what is wrong. */
static void head_start(struct cr_ccore *cc)
{
	struct cr_core *c = &cc->core;
	struct cr_cmodule *m = NULL;
	size_t most = 0;
	for (size_t i = 0; i < cc->nmods; i++) {
		size_t k = 0;
		for (size_t t = 0; t < c->nthreads; t++)
			k += c->threads[t].regs.pc >= cc->mods[i].start && c->threads[t].regs.pc < cc->mods[i].end;
		if (k > most && !cc->mods[i].is_exe && !cc->mods[i].file) {
			most = k;
			m = &cc->mods[i];
		}
	}
	const struct cr_core_file *first = m ? first_mapping(c, m->path) : NULL;
	const unsigned char *page = first ? cr_core_ptr(c, first->start, 4096) : NULL;
	struct cr_binary *b = NULL, *d = NULL;
	struct cr_error e = { 0 };
	if (!page || cr_binary_open_mapped(&b, m->path, page, 4096, &e) || cr_binary_debug_section(b, ".debug_info") ||
	    cr_debug_find(b, cc->debug_dirs, cc->ndebug_dirs, &d, &e) || !(m->head = cr_dwarf_head_start(d))) {
		cr_binary_close(d);
		cr_binary_close(b);
		return;
	}
	m->file = b;
	m->head_debug = d;
}

/* One line per DWARF file that had units skipped (or read without their
 * line table) while the frames were named, with where they are and why:
 * frames in the other units are named as usual. */
static void report_skipped_units(struct cr_ccore *cc)
{
	for (size_t i = 0; i < cc->nmods; i++) {
		struct cr_cmodule *m = &cc->mods[i];
		for (int k = 0; k < 2; k++) {
			const struct cr_symbolizer *s = k ? m->sym : m->dbg;
			const struct cr_dwarf *dw = s ? cr_symbolizer_dwarf(s) : NULL;
			size_t n = dw ? cr_dwarf_skipped_units(dw) : 0;
			if (!n)
				continue;
			struct cr_buf b = { 0 };
			uint64_t off;
			const char *why;
			for (size_t j = 0; cr_dwarf_skipped_unit(dw, j, &off, &why); j++)
				cr_buf_addf(&b, "; unit at .debug_info offset 0x%" PRIx64 ": %s", off, why);
			const char *path = cr_symbolizer_binary(s)->path;
			bool other = strcmp(path, m->path) != 0;
			cr_ccore_warn(cc, "%s%s%s%s: DWARF: %zu compilation unit%s not read whole%.*s", path, other ? " (debug file of " : "",
			     other ? m->path : "", other ? ")" : "", n, n == 1 ? "" : "s", (int)b.len, b.data ? b.data : "");
			cr_buf_release(&b);
		}
	}
}

void ccore_open_module(struct cr_ccore *cc, struct cr_cmodule *m)
{
	open_module_for(cc, m, NULL, 0);
}

struct cr_cmodule *ccore_module_of(struct cr_ccore *cc, uint64_t pc)
{
	for (size_t i = 0; i < cc->core.nfiles; i++) {
		const struct cr_core_file *f = &cc->core.files[i];
		if (pc >= f->start && pc < f->end)
			for (size_t k = 0; k < cc->nmods; k++)
				if (strcmp(cc->mods[k].path, f->path) == 0)
					return &cc->mods[k];
	}
	return NULL;
}

static size_t look(struct cr_symbolizer *s, uint64_t link, bool ret, bool inlines, struct cr_frame *out,
		   size_t max)
{
	return ret ? cr_symbolize_return(s, link, inlines, out, max) : cr_symbolize(s, link, inlines, out, max);
}

/* Frames of link-time address link in m (opened): its debug file first,
 * then the file itself; raw link names. */
static size_t lookup(const struct cr_ccore *cc, struct cr_cmodule *m, uint64_t link, bool ret, bool inlines,
		     struct cr_frame *out, size_t max)
{
	size_t n = 0;
	if (m->dbg)
		n = look(m->dbg, link, ret, inlines, out, max);
	if (n && cc->llvm_names && m->sym) {
		/* llvm-symbolizer names the physical frame from the symbol
		 * table of the file itself (a library's .dynsym), not of its
		 * debug file, and keeps the DWARF name where none covers it */
		struct cr_frame sf;
		if (look(m->sym, link, ret, false, &sf, 1) && *sf.function) {
			out[n - 1].function = sf.function;
			out[n - 1].entry = sf.entry;
		}
		return n > max ? max : n;
	}
	if ((!n || !*out[n - 1].function) && m->sym)
		n = look(m->sym, link, ret, inlines, out, max);
	if (n && n <= max && !*out[n - 1].function && m->dbg && m->sym) /* the line table knew it; */
		(void)look(m->sym, link, ret, false, out + n - 1, 1);    /* the symbol table knows the name */
	return n > max ? max : n;
}

/* See ccore_int.h. */
size_t ccore_name_pc(struct cr_ccore *cc, uint64_t pc, uint64_t addr, struct cr_frame *out, size_t max)
{
	struct cr_cmodule *m = ccore_module_of(cc, pc);
	size_t n = 0;
	if (max > 16)
		max = 16;
	if (m) {
		ccore_open_module(cc, m);
		n = lookup(cc, m, addr - (uint64_t)m->bias, false, true, out, max);
	}
	if (!n) {
		out[0] = (struct cr_frame){ .function = "", .file = "", .module = m ? m->path : "", .pc = pc };
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (*out[i].function)
			out[i].function = cr_demangle(&cc->arena, out[i].function);
		out[i].module = m->path;
		out[i].pc = pc;
		out[i].entry = out[i].entry ? out[i].entry + (uint64_t)m->bias : 0;
	}
	return n;
}

size_t cr_ccore_frames(struct cr_ccore *cc, uint64_t addr, bool ret, bool inlines, struct cr_frame *out, size_t max)
{
	struct cr_cmodule *m = ccore_module_of(cc, ret && addr ? addr - 1 : addr);
	if (!m || !max)
		return 0;
	ccore_open_module(cc, m);
	size_t n = lookup(cc, m, addr - (uint64_t)m->bias, ret, inlines, out, max);
	for (size_t i = 0; i < n; i++) {
		/* a symbol's version (glibc's pthread_join@GLIBC_2.2.5) is not
		 * part of the name the library's dynamic symbol table gives */
		const char *at = strchr(out[i].function, '@');
		if (at && at > out[i].function) {
			const char *f = cr_arena_strndup(&cc->arena, out[i].function, (size_t)(at - out[i].function));
			if (f)
				out[i].function = f;
		}
		out[i].module = m->path;
		out[i].entry = out[i].entry ? out[i].entry + (uint64_t)m->bias : 0;
	}
	return n;
}

/* Where frame i of f[0, n) is looked up: at its pc if that is not a return
 * address (the innermost frame, one a signal interrupted, the signal
 * trampoline above it, which was entered by no call), else at pc-1. */
static uint64_t lookup_at(const struct cr_native_frame *f, size_t i, size_t n)
{
	uint64_t pc = f[i].pc;
	bool tramp = i + 1 < n && f[i + 1].interrupted;
	return (i == 0 || f[i].interrupted || tramp || !pc) ? pc : pc - 1;
}

/* Open the modules the frames tf[t][0, tn[t]) fall in, in the order they
 * first appear, each with the addresses its frames are looked up at. */
static void open_modules_for(struct cr_ccore *cc, struct cr_native_frame **tf, const size_t *tn, size_t total)
{
	uint64_t *at = cr_calloc(total ? 2 * total : 1, sizeof *at), *mine = at ? at + total : NULL;
	struct cr_cmodule **of = cr_calloc(total ? total : 1, sizeof *of);
	size_t k = 0;
	for (size_t t = 0; at && of && t < cc->core.nthreads; t++)
		for (size_t i = 0; i < tn[t]; i++, k++) {
			at[k] = lookup_at(tf[t], i, tn[t]);
			of[k] = ccore_module_of(cc, tf[t][i].pc);
		}
	for (size_t i = 0; at && of && i < k; i++) {
		struct cr_cmodule *m = of[i];
		if (!m || m->tried)
			continue;
		size_t n = 0;
		for (size_t j = i; j < k; j++)
			if (of[j] == m) {
				mine[n++] = at[j];
				of[j] = NULL;
			}
		open_module_for(cc, m, mine, n);
	}
	cr_free(at);
	cr_free(of);
}

/* The modules of a core without NT_FILE (qemu-user's), from the dynamic
 * linker's list (cr_core_files_from_rdebug), each library's file kept in
 * its module and every file's image attached to the core reader. */
static void modules_from_rdebug(struct cr_ccore *cc, struct cr_binary *exe)
{
	struct cr_core *c = &cc->core;
	struct cr_rdebug_lib libs[64];
	struct cr_buf rw = { 0 };
	size_t nl = cr_core_files_from_rdebug(c, exe, libs, 64, &rw);
	cr_buf_addf(&cc->warn, "%.*s", (int)rw.len, rw.data ? rw.data : "");
	cr_buf_release(&rw);
	cc->nmods = 0;
	build_modules(cc);
	for (size_t i = 0; i < nl; i++) {
		struct cr_cmodule *m = NULL;
		for (size_t k = 0; cc->mods && k < cc->nmods; k++)
			if (cc->mods[k].path == libs[i].path)
				m = &cc->mods[k];
		if (m && !m->file)
			m->file = libs[i].file;
		else
			cr_binary_close(libs[i].file);
	}
	if (!cr_core_attach_file(c, NULL, exe->data, exe->len))
		cr_ccore_warn(cc, "%s: AT_PHDR is in none of its segments: is it the binary that dumped it?", exe->path);
	for (size_t i = 0; cc->mods && i < cc->nmods; i++)
		if (cc->mods[i].file)
			cr_core_attach_file(c, cc->mods[i].path, cc->mods[i].file->data, cc->mods[i].file->len);
}

/* The core and its modules (none opened yet). */
static enum cr_err open_core(struct cr_ccore *cc, const char *binpath, const char *corepath,
			     const char *const *debug_dirs, size_t ndebug_dirs, struct cr_error *e)
{
	memset(cc, 0, sizeof *cc);
	cr_arena_init(&cc->arena);
	cc->binpath = binpath;
	cc->debug_dirs = debug_dirs;
	cc->ndebug_dirs = ndebug_dirs;
	enum cr_err rc = cr_core_open(&cc->core, corepath, e);
	if (rc)
		return rc;
	cc->core_open = true;
	build_modules(cc);
	if (!cc->mods)
		return cr_fail(e, CR_NOMEM, "out of memory");
	return CR_OK;
}

enum cr_err cr_ccore_open_modules(struct cr_ccore *cc, const char *corepath, const char *binpath,
				  const char *const *debug_dirs, size_t ndebug_dirs, struct cr_error *e)
{
	enum cr_err rc = open_core(cc, NULL, corepath, debug_dirs, ndebug_dirs, e);
	cc->llvm_names = true;
	if (rc || cc->core.nfiles)
		return rc;
	if (!binpath) {
		cr_ccore_warn(cc, "%s: no NT_FILE note (a qemu-user core): give the executable (-e) to find its "
			      "libraries through the dynamic linker's list", corepath);
		return CR_OK;
	}
	struct cr_binary *exe = NULL;
	if ((rc = cr_binary_open(&exe, binpath, e)))
		return rc;
	modules_from_rdebug(cc, exe);
	cc->exe_image = exe; /* backs the executable's mappings in the core reader */
	return CR_OK;
}

enum cr_err cr_ccore_open(struct cr_ccore *cc, const char *binpath, const char *corepath,
			  const char *const *debug_dirs, size_t ndebug_dirs, size_t max_frames,
			  struct cr_error *e)
{
	enum cr_err rc = open_core(cc, binpath, corepath, debug_dirs, ndebug_dirs, e);
	if (rc)
		return rc;
	struct cr_core *c = &cc->core;
	struct cr_binary *exe = NULL;
	rc = cr_binary_open(&exe, binpath, e);
	if (rc)
		return rc;
	if (!cr_core_attach_file(c, NULL, exe->data, exe->len) && (c->nfiles || c->arch != CR_ARCH_ARM64))
		cr_ccore_warn(cc, "%s: the core maps no file at its entry point: is it the binary that dumped it?", binpath);
	if (c->arch == CR_ARCH_AMD64)
		head_start(cc);
	cc->threads = cr_arena_alloc(&cc->arena, (c->nthreads + 1) * sizeof *cc->threads);
	if (!cc->threads) {
		cr_binary_close(exe);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	cc->nthreads = c->nthreads;
	struct cr_native *N = NULL;
	struct cr_arm64_unwind *A = NULL;
	struct cr_error ne = { 0 };
	struct cr_buf nw = { 0 };
	if (c->arch == CR_ARCH_ARM64) {
		if (!c->nfiles) /* qemu-user: no NT_FILE */
			modules_from_rdebug(cc, exe);
		if (cc->mods)
			A = cr_ccore_arm64_open(cc, exe);
	} else if (cr_native_open(&N, c, exe, &nw, &ne)) {
		cr_ccore_warn(cc, "%s", ne.msg);
	}
	(void)nw; /* the modules' own lines say it (opened again for names) */
	cr_buf_release(&nw);
	if (max_frames < 1)
		max_frames = 1;
	struct cr_native_frame *nf = cr_calloc(max_frames, sizeof *nf);
	if (!nf) {
		cr_native_close(N);
		cr_binary_close(exe);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	/* every thread unwound first: each module is then opened knowing the
	 * pcs it will be asked for */
	struct cr_native_frame **tf = cr_arena_alloc(&cc->arena, (c->nthreads + 1) * sizeof *tf);
	size_t *tn = cr_arena_alloc(&cc->arena, (c->nthreads + 1) * sizeof *tn);
	if (!tf || !tn) {
		cr_free(nf);
		cr_native_close(N);
		cr_binary_close(exe);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	size_t total = 0;
	for (size_t t = 0; t < c->nthreads; t++) {
		struct cr_cthread *T = &cc->threads[t];
		memset(T, 0, sizeof *T);
		tf[t] = NULL;
		tn[t] = 0;
		T->tid = c->threads[t].tid;
		T->regs = &c->threads[t].regs;
		T->crashed = t == 0 && (c->sig.present || c->threads[t].cursig);
		if (!T->regs->nraw) {
			T->stop = "no registers in the core for this thread";
			cr_ccore_warn(cc, "thread %d: no registers in the core", T->tid);
			continue;
		}
		const char *why = NULL;
		size_t n = A ? cr_arm64_unwind(A, t, nf, max_frames, &why) : N ? cr_native_unwind(N, t, NULL, nf, max_frames) : 0;
		if (why) {
			T->stop = cr_arena_strndup(&cc->arena, why, strlen(why));
			cr_ccore_warn(cc, "thread %d: %s", T->tid, why);
		}
		if (!n) {
			/* at least the pc */
			nf[0] = (struct cr_native_frame){ T->regs->pc, T->regs->sp, true };
			n = 1;
			T->stop = N || A ? "no unwind information at the pc" : "no native unwinder";
		} else if (n == 1 && cr_core_read(c, T->regs->sp, &(uint64_t){ 0 }, 8) != 8) {
			T->stop = "its stack is not in the core";
			cr_ccore_warn(cc, "thread %d: its stack (sp 0x%" PRIx64 ") is not in the core", T->tid, T->regs->sp);
		} else if (n == max_frames) {
			T->stop = "frame cap reached";
		}
		tf[t] = cr_arena_alloc(&cc->arena, n * sizeof **tf);
		if (!tf[t])
			break;
		memcpy(tf[t], nf, n * sizeof *nf);
		tn[t] = n;
		total += n;
	}
	cr_arm64_close(A);
	for (size_t i = 0; i < cc->nmods; i++)
		if (!cc->mods[i].is_exe && !cc->mods[i].file)
			cc->mods[i].file = cr_native_take(N, cc->mods[i].path);
	open_modules_for(cc, tf, tn, total);
	/* each thread's frames named into room for the most they can be, then
	 * kept as many as they are */
	size_t most = 0;
	for (size_t t = 0; t < c->nthreads; t++)
		most = tn[t] > most ? tn[t] : most;
	struct cr_frame *fr = cr_calloc(most ? most * (16 + CCORE_TAIL_MAX) : 1, sizeof *fr);
	for (size_t t = 0; fr && t < c->nthreads; t++) {
		struct cr_cthread *T = &cc->threads[t];
		size_t n = tn[t];
		if (!n)
			continue;
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			k += ccore_name_pc(cc, tf[t][i].pc, lookup_at(tf[t], i, n), fr + k, 16);
			if (i + 1 < n && tf[t][i + 1].interrupted)
				fr[k - 1].signal = true;
			else if (i + 1 < n) /* a caller's return address: tail calls between them? */
				k += ccore_tail_frames(cc, fr[k - 1].entry, tf[t][i + 1].pc, fr + k);
		}
		if (!(T->frames = cr_arena_alloc(&cc->arena, k * sizeof *fr)))
			break;
		memcpy(T->frames, fr, k * sizeof *fr);
		T->nframes = k;
	}
	cr_free(fr);
	report_skipped_units(cc);
	cr_free(nf);
	cr_native_close(N);
	/* the core reader serves the executable's bytes from exe's image */
	cc->exe_image = exe;
	for (size_t i = 0; i < cc->nmods; i++)
		if (cc->mods[i].is_exe)
			ccore_open_module(cc, &cc->mods[i]);
	return CR_OK;
}

bool cr_ccore_symbol(struct cr_ccore *cc, const char *suffix, const char *name, uint64_t *addr)
{
	size_t sl = strlen(suffix);
	for (size_t i = 0; i < cc->nmods; i++) {
		struct cr_cmodule *m = &cc->mods[i];
		size_t pl = strlen(m->path);
		if (pl < sl || strcmp(m->path + pl - sl, suffix) != 0)
			continue;
		ccore_open_module(cc, m);
		const struct cr_elf_symbol *y = NULL;
		if (m->sym)
			y = cr_binary_symbol_by_name(cr_symbolizer_binary(m->sym), name);
		if (!y && m->dbg)
			y = cr_binary_symbol_by_name(cr_symbolizer_binary(m->dbg), name);
		if (y) {
			*addr = y->value + (uint64_t)m->bias;
			return true;
		}
	}
	return false;
}

void cr_ccore_close(struct cr_ccore *cc)
{
	if (cc->mods) {
		for (size_t i = 0; i < cc->nmods; i++) {
			cr_binary_close(cc->mods[i].file);
			cr_binary_close(cc->mods[i].frames);
			cr_symbolizer_close(cc->mods[i].sym);
			cr_symbolizer_close(cc->mods[i].dbg);
			cr_dwarf_head_close(cc->mods[i].head); /* before its file */
			cr_binary_close(cc->mods[i].head_debug);
		}
	}
	if (cc->core_open)
		cr_core_close(&cc->core);
	cr_binary_close(cc->exe_image);
	cr_buf_release(&cc->warn);
	cr_arena_release(&cc->arena);
	memset(cc, 0, sizeof *cc);
}
