/* The crash of a C or C++ program's core: the innermost frame of the
 * program's own code (its executable's mappings), what the signal means
 * there, and the other threads grouped by stack.
 *   SIGSEGV/SIGBUS with a fault address below 64 KiB: a NULL dereference;
 *   SIGSEGV with the crashed thread's stack pointer within 64 KiB of the
 *   fault address: a stack overflow (the recursion: the function repeated
 *   most, with its count);
 *   SIGABRT: abort, with the message glibc kept in __abort_msg (assert());
 *   innermost frame in malloc's internals: heap corruption. */
#include "report/findings_int.h"
#include "coroner/core.h"
#include "coroner/sym.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool heap_fn(const char *f)
{
	return strstr(f, "malloc") || strstr(f, "_int_free") || strstr(f, "_int_realloc") ||
	       !strcmp(f, "free") || !strcmp(f, "__libc_free") || strstr(f, "malloc_printerr") ||
	       strstr(f, "unlink_chunk");
}

bool cr_report_is_c_binary(const char *bin)
{
	struct cr_binary *b = NULL;
	struct cr_pclntab *t = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open(&b, bin, &e))
		return false;
	enum cr_err rc = cr_pclntab_open(b, &t, &e);
	cr_pclntab_close(t);
	cr_binary_close(b);
	return rc == CR_NOTFOUND;
}

enum cr_err cr_report_ccrash(struct cr_report *r, const char *core_path, const char *bin)
{
	struct cr_ccore cc;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_ccore_open(&cc, bin, core_path, NULL, 0, 4096, &e);
	if (rc) {
		cr_ccore_close(&cc);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return rc;
		cr_report_warn(r, "%s", e.msg);
		return CR_OK;
	}
	const struct cr_core *c = &cc.core;
	int sig = c->sig.present ? c->sig.signo : (c->nthreads ? c->threads[0].cursig : 0);
	const struct cr_cthread *T = cc.nthreads ? &cc.threads[0] : NULL;
	if (!sig || !T) {
		cr_ccore_close(&cc);
		return CR_OK;
	}
	const char *exe = cr_core_exe_path(c);
	const struct cr_frame *own = NULL;
	for (size_t i = 0; i < T->nframes && !own; i++)
		if (exe && !strcmp(T->frames[i].module, exe))
			own = &T->frames[i];
	char what[600] = "", sb[16];
	const char *signame = cr_signal_name(sig, sb, sizeof sb);
	uint64_t addr = c->sig.addr;
	const char *top = T->nframes ? cr_frame_or(T->frames[0].function, "??") : "??";
	if ((sig == 11 || sig == 7) && c->sig.present && c->sig.code > 0 && addr < 65536)
		snprintf(what, sizeof what, "NULL dereference (address 0x%" PRIx64 ")", addr);
	else if (sig == 11 && c->sig.present && c->sig.code > 0 && T->regs &&
		 (addr > T->regs->sp ? addr - T->regs->sp : T->regs->sp - addr) < 65536) {
		/* the function repeated most on the stack */
		const char *rec = "??";
		size_t best = 0;
		for (size_t i = 0; i < T->nframes && i < 64; i++) {
			size_t n = 0;
			for (size_t k = 0; k < T->nframes; k++)
				n += !strcmp(T->frames[k].function, T->frames[i].function);
			if (n > best)
				best = n, rec = cr_frame_or(T->frames[i].function, "??");
		}
		snprintf(what, sizeof what, "stack overflow: %s recursed %zu times (fault address 0x%" PRIx64
			 " next to the stack pointer)", rec, best, addr);
	} else if (sig == 6) {
		uint64_t p, at = 0;
		char msg[512] = "";
		if (cr_ccore_symbol(&cc, "/libc.so.6", "__abort_msg", &at) && cr_core_read_u64(c, at, &p) && p &&
		    cr_core_read_cstr(c, p + 4, msg, sizeof msg)) {
			size_t l = strlen(msg);
			while (l && msg[l - 1] == '\n')
				msg[--l] = 0;
			snprintf(what, sizeof what, "abort: %s", msg);
		} else {
			snprintf(what, sizeof what, "abort() (no message in __abort_msg)");
		}
	} else {
		snprintf(what, sizeof what, "%s", signame);
	}
	for (size_t i = 0; i < T->nframes && i < 8; i++)
		if (heap_fn(T->frames[i].function) && sig != 6) {
			snprintf(what + strlen(what), sizeof what - strlen(what),
				 "; inside the allocator (%s): heap corruption", cr_frame_or(T->frames[i].function, "??"));
			break;
		}
	const char *subject = own ? cr_frame_or(own->function, "??") : top;
	struct cr_rfinding *f = cr_report_finding(r, "crash", subject, CR_FSEV_HIGH, 100);
	rc = CR_NOMEM;
	if (!f || cr_finding_summary(r, f, "%s in %s (%s:%" PRId64 "), thread %d: %s", signame, subject,
				     own ? cr_frame_or(own->file, "?") : "?", own ? own->line : 0, T->tid, what) ||
	    cr_finding_next(r, f, "coroner core %s %s for every thread's stack", bin, core_path) ||
	    cr_finding_fact(r, f, "signal", "signal", CR_FACT_STR, 0, 0, signame) ||
	    cr_finding_fact(r, f, "meaning", "meaning", CR_FACT_STR, 0, 0, what) ||
	    cr_finding_fact(r, f, "innermost", "innermost frame", CR_FACT_STR, 0, 0, top) ||
	    cr_finding_fact(r, f, "threads", "threads", CR_FACT_INT, (int64_t)cc.nthreads, 0, NULL))
		goto out;
	rc = CR_OK;
out:
	cr_ccore_close(&cc);
	return rc;
}
