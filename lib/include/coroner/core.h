/* ELF core dumps: threads (NT_PRSTATUS), the process (NT_PRPSINFO), the
 * fatal signal (NT_SIGINFO), the aux vector (NT_AUXV), mapped files
 * (NT_FILE), and a memory reader over the PT_LOAD segments.
 *
 * Linux cores, 64-bit little-endian, amd64 and arm64. The kernel leaves out
 * file-backed pages it can re-read (text, rodata: PT_LOAD with p_filesz <
 * p_memsz); cr_core_attach_file() gives the reader a file image (the binary)
 * to serve those bytes from, through the NT_FILE mapping table.
 *
 * A truncated core (disk full while dumping) opens fine: segments are cut to
 * what the file holds, `truncated` is set, and reads past the cut fail.
 */
#ifndef CORONER_CORE_H
#define CORONER_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/frame.h"
#include "coroner/input.h"
#include "coroner/util.h"

enum cr_arch { CR_ARCH_UNKNOWN, CR_ARCH_AMD64, CR_ARCH_ARM64 };
const char *cr_arch_name(enum cr_arch a);

/* Registers normalised across architectures; raw[] keeps the kernel's
 * user_regs_struct order (amd64: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax
 * rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs;
 * arm64: x0..x30 sp pc pstate). */
struct cr_regs {
	uint64_t pc, sp, fp; /* fp: rbp / x29 */
	uint64_t lr;         /* arm64 x30; 0 on amd64 */
	uint64_t tls;        /* amd64 fs_base; arm64: 0 (TPIDR_EL0 is not in prstatus) */
	uint64_t raw[34];
	unsigned nraw;
};

struct cr_core_thread {
	int32_t tid;
	int32_t cursig;      /* signal being delivered when the core was taken (pr_cursig) */
	struct cr_regs regs;
};

struct cr_core_seg {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz; /* filesz already cut to what the file holds */
	uint32_t flags;          /* PF_R=4, PF_W=2, PF_X=1 */
};

/* One NT_FILE entry: [start, end) maps path at byte offset `offset`. */
struct cr_core_file {
	uint64_t start, end, offset;
	const char *path; /* arena copy, NUL-terminated, untrusted */
	/* attached image serving this range, if any (see cr_core_attach_file) */
	const unsigned char *image;
	size_t image_len;
};

struct cr_siginfo {
	bool present;
	int32_t signo, code, err;
	uint64_t addr; /* si_addr: meaningful for SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP with code > 0 */
	int32_t pid, uid; /* sender, for kill()/tgkill() (code <= 0) */
};

struct cr_psinfo {
	bool present;
	char state;
	int32_t pid, ppid, uid, gid;
	char fname[17];   /* NUL-terminated, untrusted */
	char psargs[81];  /* NUL-terminated, untrusted */
};

struct cr_core {
	const char *name;    /* for messages (not owned) */
	enum cr_arch arch;
	struct cr_input in;  /* the whole (decompressed) core */
	struct cr_core_thread *threads; size_t nthreads; /* note order: first = the signalled one */
	struct cr_core_seg *segs; size_t nsegs;           /* sorted by vaddr */
	struct cr_core_file *files; size_t nfiles;        /* NT_FILE order (by address) */
	struct cr_siginfo sig;
	struct cr_psinfo ps;
	uint64_t auxv_entry, auxv_phdr, auxv_execfn, auxv_pagesz, auxv_base; /* 0 if absent */
	bool truncated;      /* some PT_LOAD lies (partly) past the end of the file */
	uint64_t missing;    /* bytes of p_filesz the file does not hold */
	struct cr_buf warn;  /* problems found while parsing, one per line */
	struct cr_arena arena;
};

/* Open a core (path or "-"; gzip/zstd inflated up to cr_limits.max_core_inflate).
 * Errors: CR_IO, CR_FORMAT (not an ELF core, notes unusable), CR_UNSUPPORTED
 * (32-bit, big-endian, other machine), CR_LIMIT/CR_NOMEM. On error the core
 * is released. */
enum cr_err cr_core_open(struct cr_core *c, const char *path, struct cr_error *e);
/* The same on bytes in memory (fuzzers); data must outlive c. */
enum cr_err cr_core_parse(struct cr_core *c, const unsigned char *data, size_t len,
			  const char *name, struct cr_error *e);
void cr_core_close(struct cr_core *c);

/* Attach a file image (typically the binary, whole) to every NT_FILE
 * mapping whose path is `mapped_path` (NULL: the mappings of the main
 * executable, found through AT_PHDR/AT_ENTRY). Bytes the kernel did not
 * dump are then read from it. image must outlive c. Returns the number of
 * mappings attached (0: none matched). */
size_t cr_core_attach_file(struct cr_core *c, const char *mapped_path,
			   const unsigned char *image, size_t image_len);

/* A core without NT_FILE (qemu-user's guest cores): the executable's
 * PT_LOAD segments (file offset, link address, file size) mapped at their
 * link address + bias (0 for a non-PIE executable, else what AT_ENTRY or
 * AT_PHDR gives), served from image. Only when the core has no NT_FILE
 * mappings at all; returns the number of mappings added (0: none). path is
 * kept (not copied). */
struct cr_core_load { uint64_t vaddr, offset, filesz; };
size_t cr_core_attach_loads(struct cr_core *c, const struct cr_core_load *loads, size_t n, uint64_t bias,
			    const char *path, const unsigned char *image, size_t image_len);

/* Path of the main executable as mapped (NT_FILE entry holding AT_PHDR, or
 * AT_ENTRY); NULL if unknown. */
const char *cr_core_exe_path(const struct cr_core *c);

/* Copy n bytes at virtual address addr into buf. Returns the number of
 * leading bytes that could be read (n when all were): from the core, else
 * an attached file image; bytes in neither stop the read. */
size_t cr_core_read(const struct cr_core *c, uint64_t addr, void *buf, size_t n);
/* Little-endian helpers; false if not all bytes could be read. */
/* cr_core_read of many bytes read once (a span of the heap): the core's
 * own bytes are copied with cr_input_copy, without faulting in its mapping. */
size_t cr_core_copy(const struct cr_core *c, uint64_t addr, void *buf, size_t n);
bool cr_core_read_u64(const struct cr_core *c, uint64_t addr, uint64_t *v);
bool cr_core_read_u32(const struct cr_core *c, uint64_t addr, uint32_t *v);
/* Pointer to n contiguous bytes at addr when they lie inside one dumped
 * segment or one attached image (no copy); NULL otherwise. */
const unsigned char *cr_core_ptr(const struct cr_core *c, uint64_t addr, size_t n);

/* Give back the resident pages of an mmap'd core (reads stay valid; they
 * fault pages in again). Long passes over huge cores call it now and then so
 * resident memory stays flat. No-op for inflated (compressed) cores. */
void cr_core_trim(struct cr_core *c);

/* Signal names: "SIGSEGV"; "SIG%d" for unknown numbers (buf used then). */
const char *cr_signal_name(int sig, char *buf, size_t n);

/* In-memory entry point for the corenotes fuzz target: parse one PT_NOTE
 * payload (as found in a core) of the given arch into c (which must be
 * zeroed, with an initialised arena). */
enum cr_err cr_core_parse_notes(struct cr_core *c, const unsigned char *p, size_t n,
				struct cr_error *e);

/* ---------------------------------------------------------------- C frames
 * Native unwinding with libunwind's remote API over this reader
 * (lib/core/unwind.c; amd64; a stub answering "not available" when the
 * build has no libunwind). Registers use DWARF x86-64 numbering: rax rdx rcx
 * rbx rsi rdi rbp rsp r8..r15 rip. */
#define CR_NATIVE_NREGS 17
struct cr_native_regs { uint64_t r[CR_NATIVE_NREGS]; bool have[CR_NATIVE_NREGS]; };
/* interrupted: pc is where a signal interrupted this frame (the frame
 * before it is the kernel's signal return trampoline): exact, not a return
 * address. */
struct cr_native_frame { uint64_t pc, sp; bool interrupted; };
struct cr_native;
bool cr_native_available(void);
/* Open c for native unwinding. exe: the executable (its image backs the
 * executable's mappings). Other mapped files are read from their paths on
 * this machine when their first page is the core's (else a line in warn,
 * which may be NULL) and attached to c's reader until cr_native_close.
 * c and exe must outlive *out. Errors: CR_UNSUPPORTED (no libunwind, not
 * amd64), CR_NOMEM. */
struct cr_binary;
enum cr_err cr_native_open(struct cr_native **out, struct cr_core *c, struct cr_binary *exe,
			   struct cr_buf *warn, struct cr_error *e);
/* Frames of thread `thread` (index in c->threads) from seed registers
 * (NULL or missing ones: the thread's NT_PRSTATUS), innermost first, at
 * most max; stops where libunwind finds no unwind info or the stack
 * pointer goes down. Returns the count (0: none). */
size_t cr_native_unwind(struct cr_native *n, size_t thread, const struct cr_native_regs *seed,
			struct cr_native_frame *out, size_t max);
/* The library n opened for the file mapped at path (checked against the
 * core's first page), handed over: the caller closes it, after
 * cr_native_close (which still detaches it from c's reader). NULL if n
 * opened none there or gave it already. */
struct cr_binary *cr_native_take(struct cr_native *n, const char *path);
void cr_native_close(struct cr_native *n); /* NULL ok */

/* A core without NT_FILE (qemu-user's): its mapped files rebuilt from the
 * aux vector and the dynamic linker's r_debug/link_map list in the core's
 * memory (lib/core/rdebug.c): exe's PT_LOADs at its load bias, then each
 * shared object's, read by the name the list gives under --sysroot. The
 * libraries opened are handed to the caller (libs, at most max_libs; it
 * closes them after c); problems are lines in warn. Only when c has no
 * mappings yet; returns the number of libraries. */
struct cr_rdebug_lib { const char *path; struct cr_binary *file; int64_t bias; };
size_t cr_core_files_from_rdebug(struct cr_core *c, struct cr_binary *exe, struct cr_rdebug_lib *libs,
				 size_t max_libs, struct cr_buf *warn);

/* arm64 frames from .eh_frame/.debug_frame CFI (lib/core/unwind_arm64.c;
 * no libunwind): the files are given with their load bias (their images
 * attached to c's reader); a pc in none of them, or in code without CFI,
 * is stepped by the frame record chain (x29, x30). */
struct cr_arm64_unwind;
/* debug (NULL ok): where .debug_frame is read from when file has none */
struct cr_arm64_file { const struct cr_binary *file; int64_t bias; const struct cr_binary *debug; };
enum cr_err cr_arm64_open(struct cr_arm64_unwind **out, const struct cr_core *c, const struct cr_arm64_file *files,
			  size_t nfiles, struct cr_buf *warn, struct cr_error *e);
/* Frames of thread `thread`, innermost first, at most max. *stop: NULL
 * when the stack ended where its CFI says it ends (or max was reached),
 * else why it stops early (CFI that loops, a pc outside every mapping,
 * memory not in the core), in u until the next call. */
size_t cr_arm64_unwind(struct cr_arm64_unwind *u, size_t thread, struct cr_native_frame *out, size_t max,
		       const char **stop);
void cr_arm64_close(struct cr_arm64_unwind *u); /* NULL ok */

/* ---------------------------------------------------------------- C cores
 * Any ELF core read with its binary, for programs without a Go runtime (or
 * whose threads are read as C): each thread's frames unwound with the
 * native unwinder above, named by DWARF (inlined frames, file:line) of the
 * binary and of every library the core maps (opened under --sysroot and
 * only when its build id is the mapping's), their debug info looked up as
 * cr_debug_find does (lib/sym/debuglink.c). */
struct cr_cthread {
	int32_t tid;
	bool crashed;         /* the thread the fatal signal was delivered to */
	const struct cr_regs *regs;
	/* function names are the link names (C++ mangled); pc and entry are
	 * runtime addresses; module is the file as mapped ("" if pc is in none) */
	struct cr_frame *frames; size_t nframes;
	const char *stop;     /* why the stack is shorter than it should be, or NULL */
};
struct cr_dwarf_head;
struct cr_cmodule {
	const char *path;     /* as the core maps it */
	uint64_t start, end;  /* lowest and highest address of its mappings */
	int64_t bias;
	bool is_exe, tried;
	const char *debug;    /* separate debug file used, or NULL */
	const char *note;     /* why it is not symbolized (or partly), or NULL */
	struct cr_symbolizer *sym, *dbg;
	struct cr_binary *file; /* opened by the unwinder, not yet used (cr_native_take) */
	struct cr_binary *frames; /* arm64: the separate debug file whose .debug_frame
	                           * the unwinder read (file has none), or NULL */
	struct cr_binary *head_debug;   /* its debug file, found before the unwinding, */
	struct cr_dwarf_head *head;     /* and the head start on its DWARF (or NULL) */
};
struct cr_ccore {
	struct cr_core core;
	bool core_open;
	const char *binpath;
	struct cr_cthread *threads; size_t nthreads;
	struct cr_cmodule *mods; size_t nmods;
	const char *const *debug_dirs; size_t ndebug_dirs;
	bool llvm_names;      /* name physical frames as llvm-symbolizer does (symbol table), not gdb */
	struct cr_buf warn;   /* one line per problem (module refused, thread without frames) */
	struct cr_arena arena;
	struct cr_binary *exe_image; /* backs the core reader's executable bytes */
};
/* Open core and binary and unwind every thread (at most max_frames each).
 * debug_dirs (may be NULL) must outlive cc. Errors: the core's (CR_IO,
 * CR_FORMAT...), the binary's; problems of one module or thread are lines in
 * cc->warn and that thread's stop, the rest goes on. */
enum cr_err cr_ccore_open(struct cr_ccore *cc, const char *binpath, const char *corepath,
			  const char *const *debug_dirs, size_t ndebug_dirs, size_t max_frames,
			  struct cr_error *e);
/* Open a core only to name addresses in the files it maps
 * (cr_ccore_frames): no unwinding; every module, the executable too, is
 * read from the path the core maps it under (--sysroot), build id and
 * first page checked, and named as llvm-symbolizer does. A core without
 * NT_FILE (qemu-user's) has its modules from the dynamic linker's list
 * when binpath (the executable, NULL ok) is given, else a line in
 * cc->warn says so. Close with cr_ccore_close. */
enum cr_err cr_ccore_open_modules(struct cr_ccore *cc, const char *corepath, const char *binpath,
				  const char *const *debug_dirs, size_t ndebug_dirs, struct cr_error *e);
/* arm64 (lib/core/ccore_arm64.c): open every module's file and the CFI
 * unwinder over them (exe: the executable, the caller's); problems are
 * lines in cc->warn. NULL when nothing can be unwound. */
struct cr_arm64_unwind *cr_ccore_arm64_open(struct cr_ccore *cc, struct cr_binary *exe);
/* One line of cc's warnings (what a thread or module lost, and why). */
void cr_ccore_warn(struct cr_ccore *cc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frames of runtime address addr in the module mapping it (opened on first
 * need; a module that cannot be read is a line in cc->warn), innermost
 * first, raw link names, entry a runtime address, module its mapped path,
 * pc left 0; ret: a return address, looked up at addr-1. 0 when addr lies
 * in no mapped file or its module does not know it. */
size_t cr_ccore_frames(struct cr_ccore *cc, uint64_t addr, bool ret, bool inlines, struct cr_frame *out,
		       size_t max);
void cr_ccore_close(struct cr_ccore *cc);
/* Read a NUL-terminated string of at most n-1 bytes at addr; false if unreadable. */
bool cr_core_read_cstr(const struct cr_core *c, uint64_t addr, char *buf, size_t n);
/* Runtime address of a symbol of a mapped module (its .symtab, else the
 * debug file's); false if not found. */
bool cr_ccore_symbol(struct cr_ccore *cc, const char *module_suffix, const char *name, uint64_t *addr);

#endif
