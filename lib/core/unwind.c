/* Native (C) frames of a core's threads with libunwind (see cr_native_*
 * in coroner/core.h).
 *
 * libunwind's remote API with our own accessors, as perf does
 * (tools/perf/util/unwind-libunwind-local.c): memory comes from the core
 * reader (so compressed cores and the caps work as everywhere else),
 * registers from NT_PRSTATUS or a seed (a kernel signal frame's), and
 * find_proc_info looks the pc up in the .eh_frame_hdr search table of the
 * mapped file holding it, through libunwind's dwarf_search_unwind_table.
 * libunwind 1.6.2's coredump backend (_UCD_find_proc_info) is not used: it
 * assumes a file's text is mapped from file offset 0 (mapoff 0), which is
 * false for today's binaries with a separate read-only first segment (the
 * Go linker's and ld's -z separate-code, libc), so it finds no CFI there.
 *
 * Files: the executable is the caller's image; every other NT_FILE mapping
 * is read from its path on this machine only if the file's first page is
 * the one the kernel dumped (ELF header, build id note): another libc would
 * give wrong frames. Their images are attached to the core reader, which
 * then serves their text and .eh_frame. libunwind allocates with malloc,
 * outside cr_limits' accounting (a few hundred bytes per frame looked up);
 * frame counts are capped by the caller.
 */
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/sym.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(CORONER_HAVE_LIBUNWIND) && defined(__x86_64__)
#include <libunwind.h>

/* exported by libunwind, not declared in its headers (perf declares it too) */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

struct module {
	uint64_t start, end;       /* runtime range of the file's mappings */
	uint64_t hdr;              /* runtime address of .eh_frame_hdr, 0 if none */
	uint64_t table;            /* its binary search table */
	uint64_t nfde;
	const char *path;
};

/* Blocks of the core read whole for libunwind, which asks for a word at
 * a time: a thread's stack is a few of them. A large core is read with
 * pread (cr_core_copy): each thread's stack lies in its own part of the
 * file, and faulting the mapping there costs a page table and a fault
 * per thread, dear on a virtual machine. */
enum { BLOCK = 4096, NBLOCKS = 16 };

struct block {
	uint64_t base;
	size_t len; /* bytes read from base (0: unused) */
	unsigned char b[BLOCK];
};

struct cr_native {
	struct cr_core *core;
	unw_addr_space_t as;
	unw_accessors_t acc;
	struct module mods[64];
	size_t nmods;
	struct cr_binary *libs[64]; /* opened libraries (images attached to the core) */
	const char *lib_paths[64];
	bool taken[64];             /* handed over by cr_native_take */
	size_t nlibs;
	struct block blocks[NBLOCKS];
	unsigned next_block;
	/* during one unwind */
	const struct cr_native_regs *seed;
	size_t thread;
};

/* libunwind blocks every signal around its cache's lock (sigprocmask,
 * twice a frame: 1,150 system calls for a 64-thread core, 2 ms of CPU on
 * this kind of VM). That guards a program unwinding itself from a signal
 * handler; coroner calls libunwind only from this file, never from a
 * handler (its SIGBUS one writes a line and exits). So while such a call
 * runs on a thread (in_libunwind), sigprocmask is answered without a
 * system call. The executable's definition is the one libunwind binds
 * to; any other caller gets the real call. */
static _Thread_local bool in_libunwind;

#ifndef CORONER_SANITIZED /* (the sanitizers' runtimes have their own) */
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (in_libunwind) {
		if (old)
			sigemptyset(old);
		return 0;
	}
	int rc = pthread_sigmask(how, set, old);
	if (rc) {
		errno = rc;
		return -1;
	}
	return 0;
}
#endif

static int acc_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need, void *arg)
{
	struct cr_native *N = arg;
	for (size_t i = 0; i < N->nmods; i++) {
		const struct module *m = &N->mods[i];
		if (ip < m->start || ip >= m->end || !m->hdr)
			continue;
		unw_dyn_info_t di;
		memset(&di, 0, sizeof di);
		di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
		di.start_ip = m->start;
		di.end_ip = m->end;
		di.u.rti.segbase = m->hdr;
		di.u.rti.table_data = m->table;
		di.u.rti.table_len = m->nfde * 8 / sizeof(unw_word_t);
		return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need, arg);
	}
	return -UNW_ENOINFO;
}

static void acc_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as;
	(void)pi;
	(void)arg; /* libunwind's pool keeps it (as in perf) */
}

static int acc_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dil, void *arg)
{
	(void)as;
	(void)dil;
	(void)arg;
	return -UNW_ENOINFO;
}

/* The word at addr from a block of the core (read on first use); false
 * if the block does not hold all of it. */
static bool block_word(struct cr_native *N, uint64_t addr, uint64_t *v)
{
	uint64_t base = addr & ~(uint64_t)(BLOCK - 1);
	size_t off = (size_t)(addr - base);
	struct block *k = NULL;
	for (size_t i = 0; i < NBLOCKS && !k; i++)
		if (N->blocks[i].len && N->blocks[i].base == base)
			k = &N->blocks[i];
	if (!k) {
		k = &N->blocks[N->next_block++ % NBLOCKS];
		k->base = base;
		k->len = cr_core_copy(N->core, base, k->b, BLOCK);
	}
	if (off + 8 > k->len)
		return false;
	*v = cr_ld64(k->b + off);
	return true;
}

static int acc_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	(void)as;
	struct cr_native *N = arg;
	uint64_t v;
	if (write || (!block_word(N, addr, &v) && !cr_core_read_u64(N->core, addr, &v)))
		return -UNW_EINVAL;
	*val = v;
	return 0;
}

/* NT_PRSTATUS (user_regs_struct) index of each DWARF register number */
static const int prstatus_index[CR_NATIVE_NREGS] = {
	10 /* rax */, 12 /* rdx */, 11 /* rcx */, 5 /* rbx */, 13 /* rsi */, 14 /* rdi */, 4 /* rbp */,
	19 /* rsp */, 9, 8, 7, 6, 3, 2, 1, 0 /* r8..r15 */, 16 /* rip */,
};

static int acc_access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	(void)as;
	struct cr_native *N = arg;
	if (write || reg < 0 || reg >= CR_NATIVE_NREGS)
		return -UNW_EBADREG;
	if (N->seed && N->seed->have[reg]) {
		*val = N->seed->r[reg];
		return 0;
	}
	if (N->seed || N->thread >= N->core->nthreads)
		return -UNW_EBADREG; /* a seed stands alone: the thread's registers are of another frame */
	const struct cr_regs *r = &N->core->threads[N->thread].regs;
	unsigned k = (unsigned)prstatus_index[reg];
	if (k >= r->nraw)
		return -UNW_EBADREG;
	*val = r->raw[k];
	return 0;
}

static int acc_access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;
}

static int acc_resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as;
	(void)c;
	(void)arg;
	return -UNW_EINVAL;
}

static int acc_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len, unw_word_t *off,
			     void *arg)
{
	(void)as;
	(void)addr;
	(void)buf;
	(void)len;
	(void)off;
	(void)arg;
	return -UNW_ENOINFO;
}

/* Decode an .eh_frame_hdr pointer of the encodings linkers write. */
static bool eh_ptr(const uint8_t *p, size_t n, size_t *off, uint8_t enc, uint64_t at, uint64_t hdr, uint64_t *v)
{
	int64_t x;
	size_t sz;
	switch (enc & 0x0f) {
	case 0x03: sz = 4; break; /* udata4 */
	case 0x0b: sz = 4; break; /* sdata4 */
	case 0x04: case 0x0c: sz = 8; break;
	default: return false;
	}
	if (*off + sz > n)
		return false;
	if (sz == 4) {
		uint32_t u;
		memcpy(&u, p + *off, 4);
		x = (enc & 0x0f) == 0x0b ? (int64_t)(int32_t)u : (int64_t)u;
	} else
		memcpy(&x, p + *off, 8);
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: x += (int64_t)(at + *off); break; /* pcrel */
	case 0x30: x += (int64_t)hdr; break;          /* datarel */
	default: return false;
	}
	*off += sz;
	*v = (uint64_t)x;
	return true;
}

/* Add the module of file image b mapped at runtime bias. */
static void add_module(struct cr_native *N, struct cr_binary *b, int64_t bias, const char *path)
{
	if (N->nmods >= sizeof N->mods / sizeof *N->mods)
		return;
	struct module m = { .start = UINT64_MAX, .path = path };
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *g = &b->segments[i];
		if (g->type == CR_PT_LOAD && (g->flags & CR_PF_X)) {
			uint64_t s = g->vaddr + (uint64_t)bias, e = s + g->memsz;
			if (s < m.start)
				m.start = s;
			if (e > m.end)
				m.end = e;
		}
		if (g->type == 0x6474e550u && !m.hdr) { /* PT_GNU_EH_FRAME */
			const uint8_t *p = cr_binary_ptr(b, g->vaddr, (size_t)g->filesz);
			uint64_t hdr = g->vaddr + (uint64_t)bias, ehf, cnt;
			size_t off = 4;
			if (!p || g->filesz < 12 || p[0] != 1)
				continue;
			if (!eh_ptr(p, (size_t)g->filesz, &off, p[1], hdr, hdr, &ehf) ||
			    !eh_ptr(p, (size_t)g->filesz, &off, p[2], hdr, hdr, &cnt) || p[3] != 0x3b ||
			    cnt > (g->filesz - off) / 8)
				continue; /* libunwind's table search wants datarel sdata4 pairs */
			m.hdr = hdr;
			m.table = hdr + off;
			m.nfde = cnt;
		}
	}
	if (m.start < m.end)
		N->mods[N->nmods++] = m;
}

enum cr_err cr_native_open(struct cr_native **out, struct cr_core *c, struct cr_binary *exe,
			   struct cr_buf *warn, struct cr_error *e)
{
	*out = NULL;
	if (c->arch != CR_ARCH_AMD64)
		return cr_fail(e, CR_UNSUPPORTED, "%s: C frames are only unwound in amd64 cores", c->name);
	struct cr_native *N = cr_calloc(1, sizeof *N);
	if (!N)
		return cr_fail(e, CR_NOMEM, "out of memory");
	N->core = c;
	const char *exe_mapped = cr_core_exe_path(c);
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cr_core_file *f = &c->files[i];
		if (f->offset != 0)
			continue; /* a file's first mapping gives its bias */
		bool is_exe = exe_mapped && strcmp(f->path, exe_mapped) == 0;
		struct cr_binary *b = NULL;
		if (is_exe)
			b = exe;
		else if (N->nlibs < sizeof N->libs / sizeof *N->libs) {
			const unsigned char *have = cr_core_ptr(c, f->start, 4096);
			struct cr_error oe = { 0 };
			if (!have || cr_binary_open_mapped(&b, f->path, have, 4096, &oe)) {
				if (warn && warn->len < 16384)
					cr_buf_addf(warn, "not used for C frames: %s%s\n", have ? oe.msg : f->path,
						    have ? "" : ": its first page is not in the core");
				cr_binary_close(b);
				continue;
			}
			N->lib_paths[N->nlibs] = f->path;
			N->libs[N->nlibs++] = b;
			cr_core_attach_file(c, f->path, b->data, b->len);
		}
		if (!b)
			continue;
		int64_t bias;
		if (cr_binary_bias_for_mapping(b, f->start, 0, &bias, NULL))
			continue;
		add_module(N, b, bias, f->path);
	}
	N->acc.find_proc_info = acc_find_proc_info;
	N->acc.put_unwind_info = acc_put_unwind_info;
	N->acc.get_dyn_info_list_addr = acc_get_dyn_info_list_addr;
	N->acc.access_mem = acc_access_mem;
	N->acc.access_reg = acc_access_reg;
	N->acc.access_fpreg = acc_access_fpreg;
	N->acc.resume = acc_resume;
	N->acc.get_proc_name = acc_get_proc_name;
	N->as = unw_create_addr_space(&N->acc, 0);
	if (!N->as) {
		cr_native_close(N);
		return cr_fail(e, CR_NOMEM, "libunwind: cannot create an address space");
	}
	/* a remote address space caches nothing by default: every step then
	 * searched the table and parsed its FDE and CIE again, a byte per
	 * access_mem call (about 100 calls a frame; the threads of a core share
	 * most of their pcs). The register states a pc's CFI gives are kept. */
	unw_set_caching_policy(N->as, UNW_CACHE_GLOBAL);
	*out = N;
	return CR_OK;
}

size_t cr_native_unwind(struct cr_native *N, size_t thread, const struct cr_native_regs *seed,
			struct cr_native_frame *out, size_t max)
{
	if (!N || !max || thread >= N->core->nthreads)
		return 0;
	N->seed = seed;
	N->thread = thread;
	unw_cursor_t cur;
	size_t n = 0;
	in_libunwind = true;
	if (unw_init_remote(&cur, N->as, N) == 0) {
		uint64_t prev_sp = 0;
		for (;;) {
			unw_word_t ip = 0, sp = 0;
			if (unw_get_reg(&cur, UNW_REG_IP, &ip) || unw_get_reg(&cur, UNW_REG_SP, &sp) || !ip)
				break;
			if (n && sp < prev_sp)
				break; /* callers are above: a lower sp is garbage */
			out[n].pc = ip;
			out[n].sp = sp;
			/* libunwind 1.6 answers true here for the frame the
			 * trampoline returns to (checked on a cgo core against gdb) */
			out[n].interrupted = unw_is_signal_frame(&cur) > 0;
			n++;
			prev_sp = sp;
			if (n >= max || unw_step(&cur) <= 0)
				break;
		}
	}
	in_libunwind = false;
	N->seed = NULL;
	return n;
}

void cr_native_close(struct cr_native *N)
{
	if (!N)
		return;
	if (N->as)
		unw_destroy_addr_space(N->as);
	/* detach the library images from the core before freeing them */
	for (size_t i = 0; i < N->core->nfiles; i++) {
		const struct cr_core_file *f = &N->core->files[i];
		for (size_t k = 0; k < N->nlibs; k++)
			if (f->image == N->libs[k]->data)
				N->core->files[i].image = NULL, N->core->files[i].image_len = 0;
	}
	for (size_t i = 0; i < N->nlibs; i++)
		if (!N->taken[i])
			cr_binary_close(N->libs[i]);
	cr_free(N);
}

struct cr_binary *cr_native_take(struct cr_native *N, const char *path)
{
	for (size_t i = 0; N && i < N->nlibs; i++)
		if (!N->taken[i] && strcmp(N->lib_paths[i], path) == 0) {
			N->taken[i] = true;
			return N->libs[i];
		}
	return NULL;
}

bool cr_native_available(void) { return true; }

#else /* no libunwind: C frames are not unwound */

enum cr_err cr_native_open(struct cr_native **out, struct cr_core *c, struct cr_binary *exe,
			   struct cr_buf *warn, struct cr_error *e)
{
	(void)exe;
	(void)warn;
	*out = NULL;
	return cr_fail(e, CR_UNSUPPORTED, "%s: C frames need libunwind-coredump (not built in)", c->name);
}

size_t cr_native_unwind(struct cr_native *N, size_t thread, const struct cr_native_regs *seed,
			struct cr_native_frame *out, size_t max)
{
	(void)N;
	(void)thread;
	(void)seed;
	(void)out;
	(void)max;
	return 0;
}

void cr_native_close(struct cr_native *N) { (void)N; }

struct cr_binary *cr_native_take(struct cr_native *N, const char *path)
{
	(void)N;
	(void)path;
	return NULL;
}

bool cr_native_available(void) { return false; }

#endif
