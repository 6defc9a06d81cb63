/* crash: the goroutine that panicked or faulted, from a traceback. */
#include "coroner/goroutine.h"
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What to do next, by what the runtime said. */
static const char *crash_hint(const char *msg)
{
	if (strstr(msg, "all goroutines are asleep"))
		return "a deadlock: every goroutine is blocked (listed below, grouped by stack) on a channel, lock "
		       "or WaitGroup that none of the others will release; find the send, unlock or Done that never comes";
	if (strstr(msg, "concurrent map writes") || strstr(msg, "concurrent map read and map write") ||
	    strstr(msg, "concurrent map iteration and map write"))
		return "two goroutines used one map at the same time, one of them writing: guard the map with a "
		       "sync.Mutex (or use sync.Map); a build with -race names the other goroutine";
	if (strstr(msg, "stack overflow"))
		return "unbounded recursion: the stack below repeats one call; look for the call that never reaches "
		       "its base case (or a method that calls itself, like String calling Sprintf on its receiver)";
	if (strstr(msg, "nil pointer") || strstr(msg, "nil map") || strstr(msg, "index out of range") ||
	    strstr(msg, "slice bounds out of range"))
		return "open the first user frame of the stack below; the message says what was nil or out of range";
	return "open the first user frame of the stack below; the message says what went wrong";
}

/* Every goroutine of a deadlock, grouped by stack. */
static enum cr_err blocked_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_profile *p)
{
	struct cr_goroutines gs;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_goroutines_compute(&gs, p, CR_GROUP_EXACT, &e);
	if (rc)
		return rc == CR_NOMEM || rc == CR_LIMIT ? rc : CR_OK;
	struct cr_table *t = cr_finding_table(r, f, "blocked", "every goroutine, grouped by stack");
	if (!t) {
		cr_goroutines_release(&gs);
		return CR_NOMEM;
	}
	cr_table_col(t, "count", "goroutines", CR_RIGHT);
	cr_table_col(t, "state", "state", CR_LEFT);
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "first_goid", "first id", CR_RIGHT);
	for (size_t i = 0; !rc && i < gs.ngroups; i++) {
		const struct cr_ggroup *gr = &gs.groups[i];
		if (cr_table_row(t) || cr_table_int(t, gr->count, NULL) || cr_table_str(t, gr->state ? gr->state : "") ||
		    cr_table_str(t, gr->function ? gr->function : "") || cr_table_int(t, gr->first_goid, NULL))
			rc = CR_NOMEM;
	}
	if (!rc)
		rc = cr_finding_fact(r, f, "blocked_goroutines", "blocked goroutines", CR_FACT_INT, gs.counted, 0, NULL);
	cr_goroutines_release(&gs);
	return rc;
}

enum cr_err cr_report_analyse_crash(struct cr_report *r)
{
	for (size_t ci = r->in.ncaps; ci-- > 0;) {
		const struct cr_capture *c = &r->in.caps[ci];
		const struct cr_profile *p = c->goroutine;
		if (!p || p->source != CR_SRC_TRACEBACK || p->ncomments == 0 || p->nsamples == 0)
			continue;
		const char *msg = NULL;
		for (size_t k = 0; k < p->ncomments; k++) {
			const char *cm = cr_profile_str(p, p->comments[k]);
			if (!strncmp(cm, "panic:", 6) || !strncmp(cm, "fatal error:", 12) ||
			    !strncmp(cm, "unexpected signal", 17) || !strncmp(cm, "SIG", 3) ||
			    !strncmp(cm, "fatal:", 6)) {
				msg = cm;
				break;
			}
		}
		if (!msg)
			continue;
		/* the goroutine printed first is the one that panicked or faulted;
		 * the subject is its innermost frame of the program's own code (else
		 * of the standard library, else the innermost) */
		const char *names[512];
		size_t n = cr_report_sample_names(p, 0, names, 512);
		long ui = cr_user_function(names, n);
		const char *subject = ui >= 0 ? names[ui] : "";
		/* a core of the same crash said it already, with more */
		for (size_t k = 0; k < r->nfindings; k++)
			if (!strcmp(r->findings[k].kind, "crash") && !strcmp(r->findings[k].subject, subject))
				return CR_OK;
		struct cr_rfinding *f = cr_report_finding(r, "crash", subject, CR_FSEV_HIGH, 0);
		if (!f)
			return CR_NOMEM;
		enum cr_err rc = cr_finding_summary(r, f, "%s in %s", msg, subject);
		if (!rc)
			rc = cr_finding_next(r, f, "%s", crash_hint(msg));
		if (!rc)
			rc = cr_finding_fact(r, f, "message", "message", CR_FACT_STR, 0, 0, msg);
		for (size_t k = 0; !rc && k < p->ncomments; k++) {
			const char *cm = cr_profile_str(p, p->comments[k]);
			if (cm != msg && *cm) {
				rc = cr_finding_fact(r, f, "detail", "detail", CR_FACT_STR, 0, 0, cm);
				break;
			}
		}
		if (!rc)
			rc = cr_finding_fact(r, f, "file", "file", CR_FACT_STR, 0, 0, c->goroutine_path);
		if (rc)
			return rc;
		struct cr_table *t = cr_finding_table(r, f, "stack", "stack of the crashing goroutine");
		if (!t)
			return CR_NOMEM;
		cr_table_col(t, "function", "function", CR_LEFT);
		cr_table_col(t, "file", "file:line", CR_LEFT);
		const struct cr_sample *s = &p->samples[0];
		/* a stack overflow repeats one call a hundred times: its innermost 40 */
		for (uint32_t k = 0; k < s->nloc && t->nrows < 40; k++) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			for (uint32_t l = 0; l < loc->nlines; l++) {
				const struct cr_line *ln = &p->lines[loc->line_start + l];
				char fl[1024];
				snprintf(fl, sizeof fl, "%s:%" PRId64, cr_line_file_name(p, ln), ln->line);
				if (cr_table_row(t) || cr_table_str(t, cr_line_function_name(p, ln)) ||
				    cr_table_str(t, fl))
					return CR_NOMEM;
			}
		}
		if (!strncmp(msg, "fatal error: all goroutines are asleep", 38))
			return blocked_table(r, f, p);
		return CR_OK; /* the latest crash only */
	}
	return CR_OK;
}

