/* arm64 C cores: the modules' files for the CFI unwinder (see
 * cr_ccore_arm64_open in coroner/core.h).
 *
 * A core without NT_FILE (qemu-user's) has its modules rebuilt from the
 * dynamic linker's list first (cr_core_files_from_rdebug). Then every
 * module's file is opened once, as the amd64 unwinder does (the
 * executable is the caller's; a library is read under --sysroot and kept
 * only if it is the file the core mapped), its image attached to the core
 * reader (qemu leaves text out of its cores) and kept in the module for
 * naming its frames afterwards. A file without .debug_frame has its
 * separate debug file's read, found as its DWARF is (cr_debug_find). */
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/sym.h"

#include <string.h>


static const struct cr_core_file *first_mapping(const struct cr_core *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (c->files[i].offset == 0 && strcmp(c->files[i].path, path) == 0)
			return &c->files[i];
	return NULL;
}

struct cr_arm64_unwind *cr_ccore_arm64_open(struct cr_ccore *cc, struct cr_binary *exe)
{
	struct cr_core *c = &cc->core;
	struct cr_arm64_file files[64];
	size_t n = 0;
	for (size_t i = 0; i < cc->nmods && n < 64; i++) {
		struct cr_cmodule *m = &cc->mods[i];
		const struct cr_core_file *f = first_mapping(c, m->path);
		if (!f)
			continue;
		struct cr_binary *b = m->is_exe ? exe : m->file;
		struct cr_error e = { 0 };
		if (!b) {
			const unsigned char *page = cr_core_ptr(c, f->start, 4096);
			if (!page) {
				cr_ccore_warn(cc, "%s: its first page is not in the core: its frames are not unwound", m->path);
				continue;
			}
			if (cr_binary_open_mapped(&b, m->path, page, 4096, &e)) {
				cr_ccore_warn(cc, "%s", e.msg);
				continue;
			}
			m->file = b;
			cr_core_attach_file(c, m->path, b->data, b->len);
		}
		int64_t bias;
		if (cr_binary_bias_for_mapping(b, f->start, 0, &bias, &e))
			continue;
		if (!m->frames && !cr_binary_debug_section(b, ".debug_frame") &&
		    cr_debug_find(b, cc->debug_dirs, cc->ndebug_dirs, &m->frames, &e))
			m->frames = NULL; /* none: said when the module is named */
		files[n++] = (struct cr_arm64_file){ b, bias, m->frames };
	}
	struct cr_arm64_unwind *u = NULL;
	struct cr_buf w = { 0 };
	struct cr_error e = { 0 };
	if (cr_arm64_open(&u, c, files, n, &w, &e))
		cr_ccore_warn(cc, "%s", e.msg);
	if (w.len)
		cr_buf_addf(&cc->warn, "%.*s", (int)w.len, w.data);
	cr_buf_release(&w);
	return u;
}
