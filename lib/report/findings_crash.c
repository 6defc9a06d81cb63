/* crash: the goroutine that panicked or faulted, from a traceback. */
#include "coroner/report.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		/* the goroutine printed first is the one that panicked or faulted */
		const char *names[512];
		size_t n = cr_report_sample_names(p, 0, names, 512);
		const char *subject = n ? names[0] : "";
		for (size_t k = 0; k < n; k++)
			if (!cr_report_is_runtime(names[k])) {
				subject = names[k];
				break;
			}
		/* a core of the same crash said it already, with more */
		for (size_t k = 0; k < r->nfindings; k++)
			if (!strcmp(r->findings[k].kind, "crash") && !strcmp(r->findings[k].subject, subject))
				return CR_OK;
		struct cr_rfinding *f = cr_report_finding(r, "crash", subject, CR_FSEV_HIGH, 0);
		if (!f)
			return CR_NOMEM;
		enum cr_err rc = cr_finding_summary(r, f, "%s in %s", msg, subject);
		if (!rc)
			rc = cr_finding_next(r, f, "open the first user frame of the stack below; the message says what was nil or out of range");
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
		for (uint32_t k = 0; k < s->nloc; k++) {
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
		return CR_OK; /* the latest crash only */
	}
	return CR_OK;
}

