/* coroner report: the finding model (findings, facts, evidence tables),
 * the report's warnings and notes, and the ranking of findings. */
#include "coroner/report.h"
#include "report/findings_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cr_fsev_name(enum cr_fsev s)
{
	switch (s) {
	case CR_FSEV_HIGH: return "high";
	case CR_FSEV_MEDIUM: return "medium";
	default: return "low";
	}
}

const char *cr_report_strdup(struct cr_report *r, const char *s)
{
	return cr_arena_strndup(&r->arena, s, strlen(s));
}

void cr_report_warn(struct cr_report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_buf_linev(&r->warnings, 1024, fmt, ap);
	va_end(ap);
}

void cr_report_note(struct cr_report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_buf_linev(&r->notes, 1024, fmt, ap);
	va_end(ap);
}

/* ---- findings ---- */

struct cr_rfinding *cr_report_finding(struct cr_report *r, const char *kind, const char *subject,
				      enum cr_fsev sev, double score)
{
	if (cr_grow(&r->findings, &r->cap_findings, r->nfindings + 1, sizeof *r->findings))
		return NULL;
	struct cr_rfinding *f = &r->findings[r->nfindings];
	memset(f, 0, sizeof *f);
	f->kind = cr_report_strdup(r, kind);
	f->subject = cr_report_strdup(r, subject ? subject : "");
	f->severity = sev;
	f->score = score;
	f->summary = f->next_step = "";
	if (!f->kind || !f->subject)
		return NULL;
	r->nfindings++;
	return f;
}

static enum cr_err vset(struct cr_report *r, const char **dst, const char *fmt, va_list ap)
{
	char b[2048];
	vsnprintf(b, sizeof b, fmt, ap);
	*dst = cr_report_strdup(r, b);
	return *dst ? CR_OK : CR_NOMEM;
}

enum cr_err cr_finding_summary(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum cr_err rc = vset(r, &f->summary, fmt, ap);
	va_end(ap);
	return rc;
}

enum cr_err cr_finding_next(struct cr_report *r, struct cr_rfinding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum cr_err rc = vset(r, &f->next_step, fmt, ap);
	va_end(ap);
	return rc;
}

enum cr_err cr_finding_fact(struct cr_report *r, struct cr_rfinding *f, const char *key,
			    const char *label, enum cr_fact_kind kind, int64_t i, double d,
			    const char *s)
{
	if (cr_grow(&f->facts, &f->cap_facts, f->nfacts + 1, sizeof *f->facts))
		return CR_NOMEM;
	struct cr_fact *x = &f->facts[f->nfacts];
	x->key = cr_report_strdup(r, key);
	x->label = cr_report_strdup(r, label);
	x->kind = kind;
	x->i = i;
	x->d = d;
	x->s = s ? cr_report_strdup(r, s) : NULL;
	if (!x->key || !x->label || (s && !x->s))
		return CR_NOMEM;
	f->nfacts++;
	return CR_OK;
}

struct cr_table *cr_finding_table(struct cr_report *r, struct cr_rfinding *f, const char *key,
				  const char *title)
{
	if (cr_grow(&f->tables, &f->cap_tables, f->ntables + 1, sizeof *f->tables))
		return NULL;
	struct cr_evtable *t = &f->tables[f->ntables];
	t->key = cr_report_strdup(r, key);
	t->title = cr_report_strdup(r, title);
	if (!t->key || !t->title)
		return NULL;
	cr_table_init(&t->t);
	f->ntables++;
	return &t->t;
}

/* Kinds in the order a reader should see them within one severity: what
 * invalidates the rest first, then what kills the process. */
static int kind_rank(const char *k)
{
	static const char *const order[] = { "inputs_mismatch", "crash", "oom_kill", "data_race", "goroutine_leak", "rss_gap",
					     "heap_growth", "map_growth", "alloc_hotspot", "gc_pressure" };
	for (int i = 0; i < (int)(sizeof order / sizeof *order); i++)
		if (!strcmp(k, order[i]))
			return i;
	return 100;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct cr_rfinding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	int kx = kind_rank(x->kind), ky = kind_rank(y->kind);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

void cr_report_rank(struct cr_report *r)
{
	if (r->nfindings > 1)
		qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
}

