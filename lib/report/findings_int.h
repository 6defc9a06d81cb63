/* Shared between the parts of `coroner report` (lib/report/findings*.c);
 * not public API. */
#ifndef CORONER_REPORT_FINDINGS_INT_H
#define CORONER_REPORT_FINDINGS_INT_H

#include "coroner/findings.h"

/* Copy into the report's arena; NULL on NOMEM. */
const char *cr_report_strdup(struct cr_report *r, const char *s);
/* One line into r->warnings / r->notes. */
void cr_report_warn(struct cr_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cr_report_note(struct cr_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool cr_report_is_runtime(const char *name);
bool cr_report_is_user(const char *name);
bool cr_report_is_map_func(const char *name);
size_t cr_report_sample_names(const struct cr_profile *p, size_t i, const char **out, size_t max);

/* Analyses in their own files. Each returns CR_OK unless out of memory;
 * what it cannot do goes to warnings/notes. */
enum cr_err cr_report_analyse_leaks(struct cr_report *r); /* goroutine_leak */
enum cr_err cr_report_analyse_mem(struct cr_report *r);   /* rss_gap */
enum cr_err cr_report_analyse_gc(struct cr_report *r);    /* gc_pressure */

#endif
