/* The mapped files of a core without NT_FILE (see cr_core_files_from_rdebug
 * in coroner/core.h).
 *
 * qemu-user writes a guest's core with NT_PRSTATUS, NT_PRPSINFO and NT_AUXV
 * only, and leaves the text of every file out of it. The files are found as
 * a debugger finds them: the executable's load bias from AT_PHDR (less its
 * PT_PHDR address; else AT_ENTRY less e_entry), its PT_DYNAMIC read in the
 * core's memory for DT_DEBUG, which points at the dynamic linker's r_debug
 * (glibc's link.h, 64-bit: r_version @0, r_map @8), whose r_map starts the
 * list of loaded objects (struct link_map: l_addr @0, l_name @8, l_ld @16,
 * l_next @24). Each object's file is read by its l_name under --sysroot
 * and kept only if its PT_DYNAMIC, moved by l_addr, is l_ld: its first page
 * (with the build id) is not in the core to compare. */
#include "coroner/core.h"
#include "coroner/binary.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PT_DYNAMIC_ 2
#define PT_PHDR_ 6
#define DT_DEBUG_ 21
#define MAX_OBJECTS 256

static bool add_loads(struct cr_core *c, size_t *cap, const struct cr_binary *b, uint64_t bias, const char *path)
{
	uint64_t pg = c->auxv_pagesz && !(c->auxv_pagesz & (c->auxv_pagesz - 1)) ? c->auxv_pagesz : 4096;
	bool first = true;
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		uint64_t s, e;
		if (g->type != CR_PT_LOAD || !g->memsz || __builtin_add_overflow(g->vaddr, bias, &s) ||
		    __builtin_add_overflow(s, g->memsz, &e))
			continue;
		if (cr_grow(&c->files, cap, c->nfiles + 1, sizeof *c->files))
			return false;
		struct cr_core_file *f = &c->files[c->nfiles++];
		memset(f, 0, sizeof *f);
		f->start = s & ~(pg - 1);
		f->end = e + (pg - 1) < e ? e : (e + (pg - 1)) & ~(pg - 1); /* whole pages, as mapped */
		/* the first mapping is the file from offset 0 (its ELF header) */
		f->offset = first ? 0 : g->offset & ~(pg - 1);
		f->path = path;
		first = false;
	}
	return true;
}

static const struct cr_elf_segment *segment(const struct cr_binary *b, uint32_t type)
{
	for (size_t i = 0; i < b->nsegments; i++)
		if (b->segments[i].type == type)
			return &b->segments[i];
	return NULL;
}

/* r_debug's address from the executable's dynamic section, or 0. */
static uint64_t find_r_debug(const struct cr_core *c, const struct cr_binary *exe, uint64_t bias)
{
	const struct cr_elf_segment *d = segment(exe, PT_DYNAMIC_);
	if (!d)
		return 0;
	uint64_t n = d->memsz / 16;
	for (uint64_t i = 0; i < n && i < 1024; i++) {
		uint64_t tag, val;
		uint64_t at = d->vaddr + bias + i * 16;
		if (!cr_core_read_u64(c, at, &tag) || !cr_core_read_u64(c, at + 8, &val) || tag == 0)
			return 0;
		if (tag == DT_DEBUG_)
			return val;
	}
	return 0;
}

size_t cr_core_files_from_rdebug(struct cr_core *c, struct cr_binary *exe, struct cr_rdebug_lib *libs,
				 size_t max_libs, struct cr_buf *warn)
{
	if (c->nfiles || !exe)
		return 0;
	size_t cap = 0, nlibs = 0;
	const struct cr_elf_segment *ph = segment(exe, PT_PHDR_);
	uint64_t bias = 0;
	if (ph && c->auxv_phdr)
		bias = c->auxv_phdr - ph->vaddr;
	else if (c->auxv_entry && exe->entry)
		bias = c->auxv_entry - exe->entry;
	if (!add_loads(c, &cap, exe, bias, exe->path))
		return 0;
	uint64_t rd = find_r_debug(c, exe, bias), lm = 0;
	if (!rd) {
		cr_buf_addf(warn, "%s: no DT_DEBUG in the executable's dynamic section in the core: "
			    "its shared libraries are not known\n", c->name);
		return 0;
	}
	if (!cr_core_read_u64(c, rd + 8, &lm)) {
		cr_buf_addf(warn, "%s: r_debug at 0x%" PRIx64 " is not in the core: shared libraries not known\n", c->name, rd);
		return 0;
	}
	size_t k = 0;
	for (; lm && k < MAX_OBJECTS; k++) {
		uint64_t l_addr, l_name, l_ld, next;
		if (!cr_core_read_u64(c, lm, &l_addr) || !cr_core_read_u64(c, lm + 8, &l_name) ||
		    !cr_core_read_u64(c, lm + 16, &l_ld) || !cr_core_read_u64(c, lm + 24, &next)) {
			cr_buf_addf(warn, "%s: link_map entry at 0x%" PRIx64 " is not in the core: the list ends there\n",
				    c->name, lm);
			break;
		}
		lm = next;
		char name[4096];
		if (!l_name || !cr_core_read_cstr(c, l_name, name, sizeof name) || !name[0])
			continue; /* the executable, the vDSO */
		if (nlibs >= max_libs) {
			cr_buf_addf(warn, "%s: more than %zu shared libraries: the rest are not read\n", c->name, max_libs);
			break;
		}
		const char *path = cr_arena_strndup(&c->arena, name, strlen(name));
		if (!path)
			break;
		struct cr_binary *b = NULL;
		struct cr_error e = { 0 };
		if (cr_binary_open_named(&b, path, &e)) {
			cr_buf_addf(warn, "%s\n", e.msg);
			continue;
		}
		const struct cr_elf_segment *d = segment(b, PT_DYNAMIC_);
		if (b->machine != exe->machine || !d || d->vaddr + l_addr != l_ld) {
			cr_buf_addf(warn,
				    "%s: not the file the core mapped (its dynamic section would be at 0x%" PRIx64
				    ", the dynamic linker has 0x%" PRIx64 "): not used\n",
				    b->path, d ? d->vaddr + l_addr : 0, l_ld);
			cr_binary_close(b);
			continue;
		}
		if (!add_loads(c, &cap, b, l_addr, path)) {
			cr_binary_close(b);
			break;
		}
		libs[nlibs++] = (struct cr_rdebug_lib){ path, b, (int64_t)l_addr };
	}
	if (lm && k == MAX_OBJECTS)
		cr_buf_addf(warn, "%s: the dynamic linker's list of objects does not end after %d entries: the rest are not read\n",
			    c->name, MAX_OBJECTS);
	return nlibs;
}
