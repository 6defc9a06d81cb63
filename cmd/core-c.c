/* coroner core on a core whose binary has no Go runtime: C and C++
 * programs. Threads with registers and frames (inlined ones included),
 * the signal, auxv and the mapped files; text groups threads by stack. */
#include "cmd.h"
#include "options.h"
#include "core-c.h"
#include "coroner/core.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const amd64_regs[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
	"rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const char *reg_name(enum cr_arch a, unsigned i, char *buf, size_t n)
{
	if (a == CR_ARCH_AMD64 && i < sizeof amd64_regs / sizeof *amd64_regs)
		return amd64_regs[i];
	if (a == CR_ARCH_ARM64) {
		if (i < 31)
			snprintf(buf, n, "x%u", i);
		else
			snprintf(buf, n, "%s", i == 31 ? "sp" : i == 32 ? "pc" : "pstate");
		return buf;
	}
	snprintf(buf, n, "r%u", i);
	return buf;
}

/* si_code spelled as <signal.h> does, for the signals that have codes */
const char *cmd_sigcode_name(int sig, int code)
{
	switch (code) {
	case 0: return "SI_USER";
	case -1: return "SI_QUEUE";
	case -6: return "SI_TKILL";
	case 0x80: return "SI_KERNEL";
	}
	if (sig == 11)
		return code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" : code == 3 ? "SEGV_BNDERR" : "";
	if (sig == 7)
		return code == 1 ? "BUS_ADRALN" : code == 2 ? "BUS_ADRERR" : code == 3 ? "BUS_OBJERR" : "";
	if (sig == 8)
		return code == 1 ? "FPE_INTDIV" : code == 2 ? "FPE_INTOVF" : code == 3 ? "FPE_FLTDIV" : "";
	if (sig == 4)
		return code == 1 ? "ILL_ILLOPC" : code == 2 ? "ILL_ILLOPN" : code == 5 ? "ILL_PRVOPC" : "";
	return "";
}

int cmd_opt_debug_dir(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	struct cmd_debug_dirs *d = o->value;
	if (d->n >= sizeof d->dirs / sizeof *d->dirs)
		return cmd_usage_error(st->cmd, "at most %zu --debug-dir", sizeof d->dirs / sizeof *d->dirs);
	d->dirs[d->n++] = arg;
	return 0;
}

static bool fault_sig(int s) { return s == 4 || s == 5 || s == 7 || s == 8 || s == 11; }

static bool same_stack(const struct cr_cthread *a, const struct cr_cthread *b)
{
	if (a->nframes != b->nframes || a->crashed || b->crashed)
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (strcmp(a->frames[i].function, b->frames[i].function) ||
		    a->frames[i].line != b->frames[i].line)
			return false;
	return true;
}

static void print_frames(const struct cr_cthread *T)
{
	for (size_t i = 0; i < T->nframes; i++) {
		const struct cr_frame *f = &T->frames[i];
		bool addr = i == 0 || !T->frames[i - 1].inlined;
		printf("#%-2zu ", i);
		if (f->signal) { /* as gdb prints it */
			printf("<signal handler called>\n");
			continue;
		}
		if (addr)
			printf("0x%016" PRIx64 " in ", f->pc);
		const char *fn = cr_frame_or(f->function, "??");
		cr_fputs_safe(stdout, fn);
		if (!strchr(fn, '(')) /* a demangled C++ name has its own */
			printf(" ()");
		if (*f->file) {
			printf(" at ");
			cr_fputs_safe(stdout, f->file);
			printf(":%" PRId64, f->line);
		} else if (*f->module) {
			printf(" from ");
			cr_fputs_safe(stdout, f->module);
		}
		printf("\n");
	}
	if (T->stop) {
		printf("    (");
		cr_fputs_safe(stdout, T->stop);
		printf(")\n");
	}
}

static void render_text(const struct cr_ccore *cc, const char *binpath, const char *corepath, int signo)
{
	const struct cr_core *c = &cc->core;
	char sb[16];
	printf("core ");
	cr_fputs_safe(stdout, corepath);
	printf(" of ");
	cr_fputs_safe(stdout, binpath);
	printf(": %s", cr_arch_name(c->arch));
	if (c->ps.present) {
		printf(", pid %d (", c->ps.pid);
		cr_fputs_safe(stdout, c->ps.fname);
		printf("): ");
		cr_fputs_safe(stdout, c->ps.psargs);
	}
	printf("\n");
	if (signo) {
		printf("signal: %s (%d)", cr_signal_name(signo, sb, sizeof sb), signo);
		if (c->sig.present) {
			const char *cn = cmd_sigcode_name(signo, c->sig.code);
			printf(" code=%d%s%s%s", c->sig.code, *cn ? " (" : "", cn, *cn ? ")" : "");
			if (fault_sig(signo) && c->sig.code > 0)
				printf(" fault address 0x%" PRIx64, c->sig.addr);
			else if (c->sig.code <= 0)
				printf(" sent by pid %d", c->sig.pid);
		} else {
			printf(" (code and fault address absent: the core has no NT_SIGINFO)");
		}
		if (c->nthreads)
			printf(" on thread %d", c->threads[0].tid);
		printf("\n");
	}
	if (c->truncated)
		printf("core is TRUNCATED: %" PRIu64 " bytes missing; results are partial\n", c->missing);
	size_t ngroups = 0;
	bool *done = cr_calloc(cc->nthreads + 1, sizeof *done);
	if (!done)
		return;
	for (size_t i = 0; i < cc->nthreads; i++) {
		if (done[i])
			continue;
		ngroups++;
		size_t count = 1;
		for (size_t k = i + 1; k < cc->nthreads; k++)
			if (!done[k] && same_stack(&cc->threads[i], &cc->threads[k]))
				count++;
		const struct cr_cthread *T = &cc->threads[i];
		printf("\n");
		if (count > 1) {
			printf("%zu threads:", count);
			for (size_t k = i; k < cc->nthreads; k++)
				if (k == i || (!done[k] && same_stack(T, &cc->threads[k]))) {
					printf(" %d", cc->threads[k].tid);
					done[k] = true;
				}
			printf("\n");
		} else {
			printf("thread %d%s:\n", T->tid, T->crashed ? " (crashed)" : "");
		}
		done[i] = true;
		print_frames(T);
	}
	cr_free(done);
	printf("\n%zu threads, %zu distinct stacks\n", cc->nthreads, ngroups);
}

static void render_json(const struct cr_ccore *cc, int signo)
{
	const struct cr_core *c = &cc->core;
	struct cr_json js, *j = &js;
	char sb[16], rb[16];
	cr_json_init(j, stdout, true);
	cr_json_obj(j);
	cr_json_kstr(j, "arch", cr_arch_name(c->arch));
	cr_json_kint(j, "pid", c->ps.present ? c->ps.pid : 0);
	cr_json_kstr(j, "command", c->ps.present ? c->ps.psargs : "");
	cr_json_key(j, "signal");
	if (signo) {
		cr_json_obj(j);
		cr_json_kint(j, "number", signo);
		cr_json_kstr(j, "name", cr_signal_name(signo, sb, sizeof sb));
		cr_json_key(j, "code"); /* null: the core has no NT_SIGINFO */
		if (c->sig.present)
			cr_json_int(j, c->sig.code);
		else
			cr_json_null(j);
		cr_json_key(j, "code_name");
		if (c->sig.present)
			cr_json_str(j, cmd_sigcode_name(signo, c->sig.code));
		else
			cr_json_null(j);
		cr_json_key(j, "fault_address");
		if (c->sig.present && fault_sig(signo) && c->sig.code > 0)
			cr_json_hex(j, c->sig.addr);
		else
			cr_json_null(j);
		cr_json_kint(j, "thread", c->nthreads ? c->threads[0].tid : 0);
		cr_json_obj_end(j);
	} else {
		cr_json_null(j);
	}
	cr_json_key(j, "threads");
	cr_json_arr(j);
	for (size_t i = 0; i < cc->nthreads; i++) {
		const struct cr_cthread *T = &cc->threads[i];
		cr_json_obj(j);
		cr_json_kint(j, "tid", T->tid);
		cr_json_key(j, "crashed");
		cr_json_bool(j, T->crashed);
		cr_json_key(j, "registers");
		cr_json_obj(j);
		for (unsigned r = 0; r < T->regs->nraw; r++) {
			cr_json_key(j, reg_name(c->arch, r, rb, sizeof rb));
			cr_json_hex(j, T->regs->raw[r]);
		}
		cr_json_obj_end(j);
		cr_json_key(j, "frames");
		cr_json_arr(j);
		for (size_t k = 0; k < T->nframes; k++) {
			const struct cr_frame *f = &T->frames[k];
			cr_json_obj(j);
			cr_json_kstr(j, "function", cr_frame_or(f->function, "??"));
			cr_json_key(j, "file");
			if (*f->file)
				cr_json_str(j, f->file);
			else
				cr_json_null(j);
			cr_json_kint(j, "line", f->line);
			cr_json_key(j, "pc");
			cr_json_hex(j, f->pc);
			cr_json_key(j, "inlined");
			cr_json_bool(j, f->inlined);
			cr_json_key(j, "signal_frame");
			cr_json_bool(j, f->signal);
			cr_json_key(j, "tail_call");
			cr_json_bool(j, f->tail_call);
			cr_json_key(j, "module");
			if (*f->module)
				cr_json_str(j, f->module);
			else
				cr_json_null(j);
			cr_json_obj_end(j);
		}
		cr_json_arr_end(j);
		cr_json_key(j, "incomplete");
		if (T->stop)
			cr_json_str(j, T->stop);
		else
			cr_json_null(j);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_key(j, "auxv");
	cr_json_obj(j);
	cr_json_key(j, "AT_ENTRY");
	cr_json_hex(j, c->auxv_entry);
	cr_json_key(j, "AT_PHDR");
	cr_json_hex(j, c->auxv_phdr);
	cr_json_key(j, "AT_EXECFN");
	cr_json_hex(j, c->auxv_execfn);
	cr_json_kint(j, "AT_PAGESZ", (int64_t)c->auxv_pagesz);
	cr_json_obj_end(j);
	cr_json_key(j, "mapped_files");
	cr_json_arr(j);
	for (size_t i = 0; i < c->nfiles; i++) {
		cr_json_obj(j);
		cr_json_key(j, "start");
		cr_json_hex(j, c->files[i].start);
		cr_json_key(j, "end");
		cr_json_hex(j, c->files[i].end);
		cr_json_key(j, "offset");
		cr_json_hex(j, c->files[i].offset);
		cr_json_kstr(j, "path", c->files[i].path);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_key(j, "modules");
	cr_json_arr(j);
	for (size_t i = 0; i < cc->nmods; i++) {
		const struct cr_cmodule *m = &cc->mods[i];
		if (!m->tried)
			continue;
		cr_json_obj(j);
		cr_json_kstr(j, "path", m->path);
		cr_json_key(j, "debug_file");
		if (m->debug)
			cr_json_str(j, m->debug);
		else
			cr_json_null(j);
		cr_json_key(j, "problem");
		if (m->note)
			cr_json_str(j, m->note);
		else
			cr_json_null(j);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_key(j, "truncated");
	cr_json_bool(j, c->truncated);
	cr_json_obj_end(j);
	cr_json_end(j);
}

int cmd_core_c(const char *binpath, const char *corepath, enum cr_format fmt,
	       const char *const *dirs, size_t ndirs)
{
	struct cr_ccore cc;
	struct cr_error e = { 0 };
	cmd_progress("reading core %s", corepath);
	/* libdwarf's many small allocations, a few MB in all, on huge pages:
	 * a page fault per 4 KiB of heap was a tenth of the run */
	cr_mem_heap_huge((size_t)16 << 20);
	enum cr_err r = cr_ccore_open(&cc, binpath, corepath, dirs, ndirs, 4096, &e);
	cmd_progress_done();
	if (cc.core_open)
		cmd_warnings(cr_buf_str(&cc.core.warn));
	cmd_warnings(cr_buf_str(&cc.warn));
	if (r) {
		cr_ccore_close(&cc);
		return cmd_error(&e);
	}
	const struct cr_core *c = &cc.core;
	int signo = c->sig.present ? c->sig.signo : (c->nthreads ? c->threads[0].cursig : 0);
	/* stdout held once: the reading thread (lib/sym/dwarf_part.c) made
	 * stdio lock on every putc and fwrite */
	flockfile(stdout);
	if (fmt == CR_FMT_JSON)
		render_json(&cc, signo);
	else
		render_text(&cc, binpath, corepath, signo);
	funlockfile(stdout);
#ifdef CORONER_SANITIZED
	cr_ccore_close(&cc);
#else
	/* the process ends next: unmapping a large core and the debug files
	 * one by one (and freeing the DWARF indexes) took a millisecond the
	 * kernel does not spend taking them back at exit */
	(void)cc;
#endif
	return 0;
}
