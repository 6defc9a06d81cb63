/* Cores: a capture holding an ELF core and its binary (in the capture, or
 * given on its own) is read through gort. The goroutine on the signalled
 * thread gives a `crash` finding; the goroutines become the capture's
 * goroutine profile when it has no dump, so goroutine_leak works on cores.
 * A core that does not belong to the binary is an inputs_mismatch. */
#include "coroner/capture.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static enum cr_err crash_finding(struct cr_report *r, const char *core_path, const char *bin_path,
				 const struct cr_core *core, struct cr_gort *g)
{
	const struct cr_goroutine *G = NULL;
	for (size_t i = 0; i < g->ngs; i++)
		if (g->gs[i].goid == g->crash_goid)
			G = &g->gs[i];
	int sig = core->sig.present ? core->sig.signo : 0;
	for (size_t i = 0; !sig && i < g->nthreads; i++)
		if (g->threads[i].tid == g->crash_tid)
			sig = g->threads[i].cursig;
	char sb[32];
	const char *signame = sig ? cr_signal_name(sig, sb, sizeof sb) : "a signal";
	const struct cr_gstack *S = G ? G->stack : NULL;
	/* the innermost frame of the program's own code; else of the standard
	 * library; else the innermost Go frame (never a C or signal frame) */
	const char *subject = "", *lib = NULL;
	for (size_t i = 0; S && i < S->nframes; i++) {
		const char *fn = cr_frame_or(S->frames[i].function, "?");
		if (S->frames[i].native || *fn == '<')
			continue;
		if (!*subject)
			subject = fn;
		if (cr_report_is_user(fn)) {
			lib = fn;
			break;
		}
		if (!lib && !cr_report_is_runtime(fn))
			lib = fn;
	}
	if (lib)
		subject = lib;
	/* what the runtime was doing about it, from the frames it left */
	const char *what = NULL;
	size_t from = 0;
	for (size_t i = 0; S && i < S->nframes; i++) {
		const char *fn = cr_frame_or(S->frames[i].function, "?");
		if (!strcmp(fn, subject))
			break;
		if (!strcmp(fn, "runtime.panicmem") || !strcmp(fn, "runtime.panicmemAddr"))
			what = "invalid memory address or nil pointer dereference";
		else if (!strncmp(fn, "runtime.goPanicIndex", 20) || !strncmp(fn, "runtime.goPanicSlice", 20) ||
			 !strcmp(fn, "runtime.panicIndex") || !strncmp(fn, "runtime.panicSlice", 18) ||
			 !strncmp(fn, "runtime.panicBounds", 19)) /* go1.26 */
			what = "index out of range";
		else if (!strcmp(fn, "runtime.panicdivide"))
			what = "integer divide by zero";
		else if ((!strcmp(fn, "runtime.throw") || !strcmp(fn, "runtime.fatal")) && !what)
			what = "fatal error";
		else if (!strcmp(fn, "runtime.gopanic") && !what)
			what = "panic";
		from = i + 1;
	}
	/* keep a little of the runtime's frames for context */
	from = from > 3 ? from - 3 : 0;
	if (!G && g->nthreads && g->threads[0].stack && g->threads[0].stack->nframes)
		subject = cr_frame_or(g->threads[0].stack->frames[0].function, "?");
	struct cr_rfinding *f = cr_report_finding(r, "crash", subject, CR_FSEV_HIGH, 0);
	if (!f)
		return CR_NOMEM;
	enum cr_err rc;
	char gosig[64] = "";
	if (G && g->go_sig && g->go_sig_goid == G->goid) {
		char b2[32];
		snprintf(gosig, sizeof gosig, "%s at 0x%" PRIx64 ", ", cr_signal_name(g->go_sig, b2, sizeof b2),
			 g->go_sigaddr);
	}
	/* the value it panicked with, as the runtime printed it */
	const char *ptype = NULL, *pval = G ? cr_gort_panic_value(g, G, &ptype) : NULL;
	if (pval)
		rc = cr_finding_summary(r, f, "panic: %s (%s%s raised) in goroutine %" PRId64 " at %s (core dump)", pval,
					gosig, signame, G->goid, subject);
	else if (G && what)
		rc = cr_finding_summary(r, f, "%s (%s%s raised) in goroutine %" PRId64 " at %s (core dump)", what,
					gosig, signame, G->goid, subject);
	else if (G)
		rc = cr_finding_summary(r, f, "the process died on %s in goroutine %" PRId64 " at %s (core dump)", signame,
					G->goid, subject);
	else
		rc = cr_finding_summary(r, f, "the process died on %s on thread %d, outside any goroutine (core dump)",
					signame, (int)g->crash_tid);
	if (!rc)
		rc = cr_finding_next(r, f, "coroner core %s %s shows every goroutine; the first user frame below is where it stopped",
				     bin_path, core_path);
	if (!rc && what)
		rc = cr_finding_fact(r, f, "cause", "cause", CR_FACT_STR, 0, 0, what);
	if (!rc && pval) {
		char *m = cr_malloc(strlen(pval) + 8);
		if (!m)
			return CR_NOMEM;
		snprintf(m, strlen(pval) + 8, "panic: %s", pval);
		rc = cr_finding_fact(r, f, "message", "message", CR_FACT_STR, 0, 0, m);
		cr_free(m);
	}
	/* the runtime turns an error or Stringer into its text before printing:
	 * a string here may have been either */
	if (!rc && ptype && strcmp(ptype, "string"))
		rc = cr_finding_fact(r, f, "panic_type", "panic value type", CR_FACT_STR, 0, 0, ptype);
	if (!rc)
		rc = cr_finding_fact(r, f, "signal", "signal", CR_FACT_STR, 0, 0, signame);
	if (!rc && core->sig.present && core->sig.code > 0 &&
	    (sig == 11 || sig == 7 || sig == 4 || sig == 8)) {
		char a[32];
		snprintf(a, sizeof a, "0x%" PRIx64, core->sig.addr);
		rc = cr_finding_fact(r, f, "fault_addr", "fault address", CR_FACT_STR, 0, 0, a);
	}
	if (!rc && G)
		rc = cr_finding_fact(r, f, "goroutine", "goroutine", CR_FACT_INT, G->goid, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "thread", "thread", CR_FACT_INT, g->crash_tid, 0, NULL);
	if (!rc && g->go_version && *g->go_version)
		rc = cr_finding_fact(r, f, "go_version", "Go version", CR_FACT_STR, 0, 0, g->go_version);
	if (!rc)
		rc = cr_finding_fact(r, f, "file", "core", CR_FACT_STR, 0, 0, core_path);
	if (rc || !S)
		return rc;
	struct cr_table *t = cr_finding_table(r, f, "stack", "stack of the crashing goroutine (symbolized; signal frames left out)");
	if (!t)
		return CR_NOMEM;
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "file", "file:line", CR_LEFT);
	for (size_t i = from; i < S->nframes && i < from + 24; i++) {
		const struct cr_frame *fr = &S->frames[i];
		char fl[1024];
		snprintf(fl, sizeof fl, "%s:%" PRId64, cr_frame_or(fr->file, "?"), fr->line);
		if (cr_table_row(t) || cr_table_str(t, cr_frame_or(fr->function, "?")) ||
		    cr_table_str(t, fl))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* The core's goroutines become the capture's goroutine profile when it has
 * no dump of its own. */
static enum cr_err core_goroutines(struct cr_report *r, struct cr_capture *c, const char *core_path,
				   struct cr_gort *g)
{
	struct cr_error e = { 0 };
	struct cr_profile *p = cr_malloc(sizeof *p);
	if (!p || cr_profile_init(p)) {
		cr_free(p);
		return CR_NOMEM;
	}
	enum cr_err err = cr_gort_profile(g, p, &e);
	if (err) {
		cr_profile_release(p);
		cr_free(p);
		if (err == CR_NOMEM || err == CR_LIMIT)
			return err;
		cr_report_warn(r, "%s", e.msg);
		return CR_OK;
	}
	p->name = core_path;
	c->goroutine = p;
	c->goroutine_path = core_path;
	return CR_OK;
}

/* Read one core with the first of the binaries that produced it. */
static enum cr_err read_core(struct cr_report *r, struct cr_capture *c, const char *core_path,
			     const char *const *bins, size_t nbins, size_t cap_index, bool heap)
{
	enum cr_err rc = CR_OK;
	char mismatch[1024] = "";
	for (size_t bi = 0; bi < nbins; bi++) {
		if (cr_report_is_c_binary(bins[bi]))
			return cr_report_ccrash(r, core_path, bins[bi]);
		struct cr_error e = { 0 };
		struct cr_gocore *gc = cr_malloc(sizeof *gc); /* kept by the capture (keep_cores) */
		if (!gc)
			return CR_NOMEM;
		enum cr_err err = cr_gocore_open(gc, bins[bi], core_path, &e);
		if (err && cr_gocore_wrong_binary(gc, &e)) {
			/* not this binary: try the next one */
			if (!mismatch[0])
				snprintf(mismatch, sizeof mismatch, "%s", e.msg);
			cr_gocore_close(gc);
			cr_free(gc);
			continue;
		}
		if (err) {
			if (err == CR_NOMEM || err == CR_LIMIT)
				rc = err;
			else
				cr_report_warn(r, "%s", e.msg);
			cr_gocore_close(gc);
			cr_free(gc);
			return rc;
		}
		struct cr_gort *g = &gc->g;
		if (g->crash_goid >= 0 || g->crash_tid > 0)
			rc = crash_finding(r, core_path, bins[bi], &gc->core, g);
		if (!rc && !c->goroutine)
			rc = core_goroutines(r, c, core_path, &gc->g);
		/* the heap of the last capture with a core (the others' would be replaced) */
		if (!rc && heap)
			rc = cr_report_core_heap(r, cap_index, core_path, bins[bi], gc);
		const char *w = cr_buf_str(&g->warn);
		if (*w)
			cr_report_warn(r, "%s: %.*s%s", core_path, (int)strcspn(w, "\n"), w,
				       strchr(w, '\n') && strchr(w, '\n')[1] ? " (and more: coroner core)" : "");
		if (!r->keep_cores || strcmp(core_path, c->core ? c->core : "") || !cr_capture_keep_gocore(c, gc)) {
			cr_gocore_close(gc);
			cr_free(gc);
		}
		return rc;
	}
	/* every binary given is of another build */
	struct cr_rfinding *f = cr_report_finding(r, "inputs_mismatch", "build_id", CR_FSEV_HIGH, 0);
	if (!f || cr_finding_summary(r, f, "%s", mismatch) ||
	    cr_finding_next(r, f, "give the binary that produced %s (same build id)", core_path) ||
	    cr_finding_fact(r, f, "core", "core", CR_FACT_STR, 0, 0, core_path) ||
	    cr_finding_fact(r, f, "binary", "binary", CR_FACT_STR, 0, 0, bins[0]))
		return CR_NOMEM;
	return CR_OK;
}

enum cr_err cr_report_analyse_cores(struct cr_report *r)
{
	enum cr_err rc = CR_OK;
	size_t last = SIZE_MAX;
	for (size_t ci = 0; ci < r->in.ncaps; ci++)
		if (r->in.caps[ci].core)
			last = ci;
	for (size_t ci = 0; ci < r->in.ncaps && !rc; ci++) {
		struct cr_capture *c = &r->in.caps[ci];
		if (!c->core)
			continue;
		/* the capture's binaries, then the one given alone */
		const char *bins[16];
		size_t nb = 0;
		for (size_t i = 0; i < c->nfiles && nb < 15; i++)
			if (c->files[i].kind == CR_KIND_ELF_EXEC && !c->files[i].problem)
				bins[nb++] = c->files[i].path;
		if (r->in.binary)
			bins[nb++] = r->in.binary;
		for (size_t i = 0; i < c->nfiles && !rc; i++) {
			const struct cr_capture_file *cf = &c->files[i];
			if (cf->kind != CR_KIND_ELF_CORE || cf->problem)
				continue;
			if (!nb) {
				cr_report_warn(r, "%s: a core without its binary: give the binary in the capture or on the command line",
					       cf->path);
				continue;
			}
			if (r->progress)
				r->progress(r->progress_ctx, cf->path);
			rc = read_core(r, c, cf->path, bins, nb, ci, ci == last);
		}
	}
	return rc;
}
