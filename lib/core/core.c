/* ELF core files: program headers, notes, memory reads (see coroner/core.h).
 *
 * Layouts written down from the Linux UAPI (elf.h, elfcore.h, signal.h) for
 * 64-bit targets:
 *   elf_prstatus: pr_info{signo,code,errno} @0, pr_cursig (short) @12,
 *     pr_pid @32, pr_ppid @36, pr_reg @112 (amd64 27 regs = 216 bytes,
 *     arm64 34 regs = 272 bytes), then pr_fpvalid.
 *   elf_prpsinfo: pr_state @0, pr_uid @16, pr_gid @20, pr_pid @24,
 *     pr_ppid @28, pr_fname[16] @40, pr_psargs[80] @56 (136 bytes).
 *   siginfo_t (128 bytes): si_signo @0, si_errno @4, si_code @8; union @16:
 *     si_addr for faults, si_pid/si_uid for kill()/tgkill().
 *   NT_FILE: count, page_size, count x {start, end, page offset}, then count
 *     NUL-terminated names.
 */
#include "coroner/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PT_LOAD_ 1
#define PT_NOTE_ 4
#define ET_CORE_ 4
#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define NT_PRSTATUS_ 1
#define NT_PRPSINFO_ 3
#define NT_AUXV_ 6
#define NT_SIGINFO_ 0x53494749
#define NT_FILE_ 0x46494c45

const char *cr_arch_name(enum cr_arch a)
{
	switch (a) {
	case CR_ARCH_AMD64: return "amd64";
	case CR_ARCH_ARM64: return "arm64";
	default: return "unknown";
	}
}

const char *cr_signal_name(int sig, char *buf, size_t n)
{
	static const char *const names[] = {
		NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
		"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
		"SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};
	if (sig > 0 && (size_t)sig < sizeof names / sizeof *names)
		return names[sig];
	snprintf(buf, n, "SIG%d", sig);
	return buf;
}

static void warnf(struct cr_core *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct cr_core *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_warn_linev(&c->warn, fmt, ap);
	va_end(ap);
}

static enum cr_err add_thread(struct cr_core *c, const unsigned char *d, size_t n,
			      size_t *cap, struct cr_error *e)
{
	size_t nregs = c->arch == CR_ARCH_ARM64 ? 34 : 27;
	if (n < 112 + nregs * 8) {
		warnf(c, "%s: core: NT_PRSTATUS of %zu bytes is too short for %s; thread skipped",
		      c->name, n, cr_arch_name(c->arch));
		return CR_OK;
	}
	if (cr_grow(&c->threads, cap, c->nthreads + 1, sizeof *c->threads))
		return cr_fail(e, CR_NOMEM, "%s: core: out of memory", c->name);
	struct cr_core_thread *t = &c->threads[c->nthreads++];
	memset(t, 0, sizeof *t);
	t->cursig = (int16_t)cr_ld16(d + 12);
	t->tid = (int32_t)cr_ld32(d + 32);
	struct cr_regs *r = &t->regs;
	r->nraw = (unsigned)nregs;
	for (size_t i = 0; i < nregs; i++)
		r->raw[i] = cr_ld64(d + 112 + i * 8);
	if (c->arch == CR_ARCH_ARM64) {
		r->fp = r->raw[29];
		r->lr = r->raw[30];
		r->sp = r->raw[31];
		r->pc = r->raw[32];
	} else {
		r->fp = r->raw[4];
		r->pc = r->raw[16];
		r->sp = r->raw[19];
		r->tls = r->raw[21];
	}
	return CR_OK;
}

static enum cr_err parse_nt_file(struct cr_core *c, const unsigned char *d, size_t n,
				 struct cr_error *e)
{
	if (n < 16) {
		warnf(c, "%s: core: NT_FILE too short", c->name);
		return CR_OK;
	}
	uint64_t count = cr_ld64(d), pagesz = cr_ld64(d + 8);
	size_t tab;
	/* each entry needs 24 bytes of table and at least 1 byte of name */
	if (count > (n - 16) / 25 || !cr_mul_ok((size_t)count, 24, &tab) || pagesz == 0 ||
	    pagesz > ((uint64_t)1 << 30)) {
		warnf(c, "%s: core: NT_FILE count %llu or page size %llu does not fit its %zu bytes; mappings ignored",
		      c->name, (unsigned long long)count, (unsigned long long)pagesz, n);
		return CR_OK;
	}
	if (c->files)
		return CR_OK; /* one NT_FILE per core; keep the first */
	c->files = cr_calloc(count ? count : 1, sizeof *c->files);
	if (!c->files)
		return cr_fail(e, CR_NOMEM, "%s: core: out of memory", c->name);
	const unsigned char *names = d + 16 + tab, *end = d + n;
	size_t k = 0;
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *p = d + 16 + i * 24;
		const unsigned char *z = memchr(names, 0, (size_t)(end - names));
		if (!z) {
			warnf(c, "%s: core: NT_FILE names end early (%llu of %llu)", c->name,
			      (unsigned long long)i, (unsigned long long)count);
			break;
		}
		struct cr_core_file *f = &c->files[k];
		f->start = cr_ld64(p);
		f->end = cr_ld64(p + 8);
		uint64_t pg = cr_ld64(p + 16);
		f->path = cr_arena_strndup(&c->arena, (const char *)names, (size_t)(z - names));
		if (!f->path)
			return cr_fail(e, CR_NOMEM, "%s: core: out of memory", c->name);
		names = z + 1;
		if (f->end < f->start || (pg && pg > UINT64_MAX / pagesz)) {
			warnf(c, "%s: core: NT_FILE entry %llu is malformed; skipped", c->name,
			      (unsigned long long)i);
			continue;
		}
		f->offset = pg * pagesz;
		k++;
	}
	c->nfiles = k;
	return CR_OK;
}

enum cr_err cr_core_parse_notes(struct cr_core *c, const unsigned char *p, size_t n,
				struct cr_error *e)
{
	size_t off = 0, cap = c->nthreads;
	while (off < n) {
		if (n - off < 12) {
			warnf(c, "%s: core: note header cut at the end of PT_NOTE", c->name);
			break;
		}
		uint32_t namesz = cr_ld32(p + off), descsz = cr_ld32(p + off + 4), type = cr_ld32(p + off + 8);
		size_t nameoff = off + 12;
		size_t namepad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t descpad = ((size_t)descsz + 3) & ~(size_t)3;
		if (namepad > n - nameoff || descpad > n - nameoff - namepad) {
			/* a descsz that is not padded at the very end is tolerated */
			if (namepad <= n - nameoff && descsz <= n - nameoff - namepad)
				descpad = descsz;
			else {
				warnf(c, "%s: core: note at PT_NOTE offset 0x%zx claims %u+%u bytes past its end; later notes ignored",
				      c->name, off, namesz, descsz);
				break;
			}
		}
		const unsigned char *name = p + nameoff, *desc = p + nameoff + namepad;
		bool core_owner = namesz >= 4 && memcmp(name, "CORE", 4) == 0 && (namesz == 4 || name[4] == 0);
		bool linux_owner = namesz >= 5 && memcmp(name, "LINUX", 5) == 0;
		enum cr_err rc = CR_OK;
		if (core_owner) {
			switch (type) {
			case NT_PRSTATUS_:
				rc = add_thread(c, desc, descsz, &cap, e);
				break;
			case NT_PRPSINFO_:
				if (descsz >= 136 && !c->ps.present) {
					c->ps.present = true;
					c->ps.state = (char)desc[1];
					c->ps.uid = (int32_t)cr_ld32(desc + 16);
					c->ps.gid = (int32_t)cr_ld32(desc + 20);
					c->ps.pid = (int32_t)cr_ld32(desc + 24);
					c->ps.ppid = (int32_t)cr_ld32(desc + 28);
					memcpy(c->ps.fname, desc + 40, 16);
					c->ps.fname[16] = 0;
					memcpy(c->ps.psargs, desc + 56, 80);
					c->ps.psargs[80] = 0;
				}
				break;
			case NT_SIGINFO_:
				if (descsz >= 24 && !c->sig.present) {
					c->sig.present = true;
					c->sig.signo = (int32_t)cr_ld32(desc);
					c->sig.err = (int32_t)cr_ld32(desc + 4);
					c->sig.code = (int32_t)cr_ld32(desc + 8);
					c->sig.addr = cr_ld64(desc + 16);
					c->sig.pid = (int32_t)cr_ld32(desc + 16);
					c->sig.uid = (int32_t)cr_ld32(desc + 20);
				}
				break;
			case NT_AUXV_:
				for (size_t i = 0; i + 16 <= descsz; i += 16) {
					uint64_t k = cr_ld64(desc + i), v = cr_ld64(desc + i + 8);
					if (k == 0)
						break;
					if (k == 3) c->auxv_phdr = v;
					else if (k == 6) c->auxv_pagesz = v;
					else if (k == 7) c->auxv_base = v;
					else if (k == 9) c->auxv_entry = v;
					else if (k == 31) c->auxv_execfn = v;
				}
				break;
			case NT_FILE_:
				rc = parse_nt_file(c, desc, descsz, e);
				break;
			}
		}
		(void)linux_owner;
		if (rc)
			return rc;
		off = nameoff + namepad + descpad; /* strictly advances: >= 12 */
	}
	return CR_OK;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct cr_core_seg *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

enum cr_err cr_core_parse(struct cr_core *c, const unsigned char *d, size_t len,
			  const char *name, struct cr_error *e)
{
	memset(c, 0, sizeof *c);
	cr_arena_init(&c->arena);
	c->name = name;
	c->in.data = d;
	c->in.len = len;
	enum cr_err rc = CR_OK;
	if (len < 64 || memcmp(d, "\177ELF", 4) != 0)
		return cr_fail(e, CR_FORMAT, "%s: core: not an ELF file", name);
	if (d[4] != 2 || d[5] != 1)
		return cr_fail(e, CR_UNSUPPORTED, "%s: core: only 64-bit little-endian cores are supported", name);
	if (cr_ld16(d + 16) != ET_CORE_)
		return cr_fail(e, CR_FORMAT, "%s: core: ELF type %u is not a core (ET_CORE)", name, cr_ld16(d + 16));
	uint16_t mach = cr_ld16(d + 18);
	if (mach == EM_X86_64_)
		c->arch = CR_ARCH_AMD64;
	else if (mach == EM_AARCH64_)
		c->arch = CR_ARCH_ARM64;
	else
		return cr_fail(e, CR_UNSUPPORTED, "%s: core: machine %u is not amd64 or arm64", name, mach);
	uint64_t phoff = cr_ld64(d + 32);
	uint16_t phentsize = cr_ld16(d + 54);
	uint64_t phnum = cr_ld16(d + 56);
	if (phnum == 0xffff) {
		/* extended numbering: the real count is in section header 0's sh_info */
		uint64_t shoff = cr_ld64(d + 40);
		if (!cr_in_bounds(shoff, 64, len))
			return cr_fail(e, CR_FORMAT, "%s: core: offset 0x%llx: section header 0 (extended phnum) past the end",
				       name, (unsigned long long)shoff);
		phnum = cr_ld32(d + shoff + 44);
	}
	size_t phbytes;
	if (phentsize < 56 || !cr_mul_ok(phnum, phentsize, &phbytes) || !cr_in_bounds(phoff, phbytes, len))
		return cr_fail(e, CR_FORMAT, "%s: core: offset 0x%llx: %llu program headers of %u bytes do not fit in the file",
			       name, (unsigned long long)phoff, (unsigned long long)phnum, phentsize);
	c->segs = cr_calloc(phnum ? phnum : 1, sizeof *c->segs);
	if (!c->segs)
		return cr_fail(e, CR_NOMEM, "%s: core: out of memory", name);
	size_t nnotes = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *ph = d + phoff + i * phentsize;
		uint32_t type = cr_ld32(ph), flags = cr_ld32(ph + 4);
		uint64_t off = cr_ld64(ph + 8), vaddr = cr_ld64(ph + 16), filesz = cr_ld64(ph + 32), memsz = cr_ld64(ph + 40);
		if (type == PT_NOTE_) {
			if (!cr_in_bounds(off, filesz, len)) {
				c->truncated = true;
				warnf(c, "%s: core: offset 0x%llx: PT_NOTE of %llu bytes past the end of the file (truncated core?)",
				      name, (unsigned long long)off, (unsigned long long)filesz);
				if (off >= len)
					continue;
				filesz = len - off;
			}
			rc = cr_core_parse_notes(c, d + off, (size_t)filesz, e);
			if (rc)
				return rc;
			nnotes++;
		} else if (type == PT_LOAD_) {
			if (memsz < filesz)
				memsz = filesz;
			if (vaddr + memsz < vaddr) {
				warnf(c, "%s: core: PT_LOAD at 0x%llx wraps the address space; ignored", name,
				      (unsigned long long)vaddr);
				continue;
			}
			if (!cr_in_bounds(off, filesz, len)) {
				uint64_t have = off < len ? len - off : 0;
				c->truncated = true;
				c->missing += filesz - have;
				filesz = have;
			}
			struct cr_core_seg *s = &c->segs[c->nsegs++];
			s->vaddr = vaddr;
			s->memsz = memsz;
			s->offset = off;
			s->filesz = filesz;
			s->flags = flags;
		}
	}
	if (c->truncated && c->missing)
		warnf(c, "%s: core: truncated: %llu bytes of memory the core should hold are missing; reads there fail",
		      name, (unsigned long long)c->missing);
	if (!nnotes)
		return cr_fail(e, CR_FORMAT, "%s: core: no PT_NOTE segment (not a process core?)", name);
	if (!c->nthreads)
		warnf(c, "%s: core: no NT_PRSTATUS note: no threads", name);
	qsort(c->segs, c->nsegs, sizeof *c->segs, seg_cmp);
	return CR_OK;
}

enum cr_err cr_core_open(struct cr_core *c, const char *path, struct cr_error *e)
{
	struct cr_input in;
	const char *name = cr_input_display_name(path);
	enum cr_err rc = cr_input_open(&in, path, cr_limits.max_core_inflate, e);
	if (rc) {
		memset(c, 0, sizeof *c);
		return rc;
	}
	rc = cr_core_parse(c, in.data, in.len, name, e);
	c->in = in;
	if (rc)
		cr_core_close(c);
	return rc;
}

void cr_core_close(struct cr_core *c)
{
	if (!c)
		return;
	if (c->in.map || c->in.buf)
		cr_input_close(&c->in);
	cr_free(c->threads);
	cr_free(c->segs);
	cr_free(c->files);
	cr_buf_release(&c->warn);
	cr_arena_release(&c->arena);
	memset(c, 0, sizeof *c);
}

const char *cr_core_exe_path(const struct cr_core *c)
{
	uint64_t keys[2] = { c->auxv_phdr, c->auxv_entry };
	for (int k = 0; k < 2; k++) {
		if (!keys[k])
			continue;
		for (size_t i = 0; i < c->nfiles; i++)
			if (keys[k] >= c->files[i].start && keys[k] < c->files[i].end)
				return c->files[i].path;
	}
	return NULL;
}

size_t cr_core_attach_file(struct cr_core *c, const char *mapped_path,
			   const unsigned char *image, size_t image_len)
{
	if (!mapped_path)
		mapped_path = cr_core_exe_path(c);
	if (!mapped_path)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i].path, mapped_path) == 0) {
			c->files[i].image = image;
			c->files[i].image_len = image_len;
			k++;
		}
	return k;
}

size_t cr_core_attach_loads(struct cr_core *c, const struct cr_core_load *loads, size_t n, uint64_t bias,
			    const char *path, const unsigned char *image, size_t image_len)
{
	if (c->nfiles || !n || n > 64)
		return 0;
	struct cr_core_file *f = cr_calloc(n, sizeof *f);
	if (!f)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t start, end;
		/* the part the file backs; a hostile header must not wrap */
		if (!loads[i].filesz || loads[i].offset >= image_len ||
		    __builtin_add_overflow(loads[i].vaddr, bias, &start) ||
		    __builtin_add_overflow(start, loads[i].filesz, &end))
			continue;
		f[k].start = start;
		f[k].end = end;
		f[k].offset = loads[i].offset;
		f[k].path = path;
		f[k].image = image;
		f[k].image_len = image_len;
		k++;
	}
	if (!k) {
		cr_free(f);
		return 0;
	}
	c->files = f;
	c->nfiles = k;
	return k;
}

/* Index of the last segment with vaddr <= addr, or -1. */
static long seg_find(const struct cr_core *c, uint64_t addr)
{
	return (long)CR_UPPER_BOUND(c->segs, c->nsegs, vaddr, addr) - 1;
}

/* Bytes available at addr as a direct pointer: *avail set to how many. */
static const unsigned char *span(const struct cr_core *c, uint64_t addr, size_t *avail)
{
	long i = seg_find(c, addr);
	if (i >= 0) {
		const struct cr_core_seg *s = &c->segs[i];
		uint64_t rel = addr - s->vaddr;
		if (rel < s->filesz) {
			*avail = (size_t)(s->filesz - rel);
			return c->in.data + s->offset + rel;
		}
		/* in the segment but not dumped (or cut): try a backing file below */
		if (rel >= s->memsz)
			i = -1;
	}
	for (size_t k = 0; k < c->nfiles; k++) {
		const struct cr_core_file *f = &c->files[k];
		if (!f->image || addr < f->start || addr >= f->end)
			continue;
		uint64_t rel = addr - f->start, fo;
		if (__builtin_add_overflow(f->offset, rel, &fo) || fo >= f->image_len)
			return NULL;
		uint64_t n = f->image_len - fo, inmap = f->end - addr;
		*avail = (size_t)(n < inmap ? n : inmap);
		return f->image + fo;
	}
	return NULL;
}

/* cr_core_read; copy: the core's own bytes through cr_input_copy */
static size_t read_at(const struct cr_core *c, uint64_t addr, void *buf, size_t n, bool copy)
{
	size_t done = 0;
	while (done < n) {
		size_t avail = 0;
		uint64_t a;
		if (__builtin_add_overflow(addr, (uint64_t)done, &a))
			break;
		const unsigned char *p = span(c, a, &avail);
		if (!p || !avail)
			break;
		size_t k = n - done < avail ? n - done : avail;
		if (copy && p >= c->in.data && p < c->in.data + c->in.len) {
			if (cr_input_copy(&c->in, (size_t)(p - c->in.data), (unsigned char *)buf + done, k) != k)
				break;
		} else {
			memcpy((unsigned char *)buf + done, p, k);
		}
		done += k;
	}
	return done;
}

size_t cr_core_read(const struct cr_core *c, uint64_t addr, void *buf, size_t n)
{
	return read_at(c, addr, buf, n, false);
}

size_t cr_core_copy(const struct cr_core *c, uint64_t addr, void *buf, size_t n)
{
	return read_at(c, addr, buf, n, true);
}

const unsigned char *cr_core_ptr(const struct cr_core *c, uint64_t addr, size_t n)
{
	size_t avail = 0;
	const unsigned char *p = span(c, addr, &avail);
	return p && avail >= n ? p : NULL;
}

bool cr_core_read_u64(const struct cr_core *c, uint64_t addr, uint64_t *v)
{
	unsigned char b[8];
	if (cr_core_read(c, addr, b, 8) != 8)
		return false;
	*v = cr_ld64(b);
	return true;
}

bool cr_core_read_u32(const struct cr_core *c, uint64_t addr, uint32_t *v)
{
	unsigned char b[4];
	if (cr_core_read(c, addr, b, 4) != 4)
		return false;
	*v = cr_ld32(b);
	return true;
}

void cr_core_trim(struct cr_core *c)
{
	/* MADV_DONTNEED on a read-only private file mapping only drops our
	 * references: the pages stay in the page cache, a later read faults them
	 * back in cheaply. */
	if (c->in.map && c->in.maplen)
		madvise(c->in.map, c->in.maplen, MADV_DONTNEED);
}
