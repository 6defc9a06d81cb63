/* data_race: the race detector's reports (a program built with -race),
 * one finding per pair of access stacks, however often it was printed. */
#include "coroner/goroutine.h"
#include "coroner/race.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RACE_FINDINGS 10 /* distinct races shown as findings; the rest is a note */

struct rgroup {
	size_t first;   /* the first report of the pair */
	int64_t count;  /* reports of the pair */
};

/* One stack as "function\tfile\tline\n"... (offsets left out: the read and
 * the write of one line differ only there) */
static enum cr_err stack_key(struct cr_buf *b, const struct cr_races *rs, const struct cr_race_stack *st)
{
	for (size_t k = 0; k < st->n; k++) {
		const struct cr_race_frame *f = &rs->frames[st->start + k];
		if (cr_buf_addf(b, "%s\t%s\t%" PRId64 "\n", f->function, f->file, f->line))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* The key of a report: its two access stacks, in a fixed order (the same
 * pair is reported either way round, depending on which goroutine ran
 * last). s0, s1: scratch. */
static enum cr_err pair_key(struct cr_buf *key, struct cr_buf *s0, struct cr_buf *s1, const struct cr_races *rs,
			    const struct cr_race_report *rp)
{
	key->len = s0->len = s1->len = 0;
	if (stack_key(s0, rs, &rp->acc[0].stack) || stack_key(s1, rs, &rp->acc[1].stack))
		return CR_NOMEM;
	int c = memcmp(s0->data, s1->data, s0->len < s1->len ? s0->len : s1->len);
	if (c > 0 || (c == 0 && s0->len > s1->len)) {
		struct cr_buf *x = s0;
		s0 = s1;
		s1 = x;
	}
	if (cr_buf_add(key, s0->data, s0->len) || cr_buf_add(key, "\x1d", 1) || cr_buf_add(key, s1->data, s1->len))
		return CR_NOMEM;
	return CR_OK;
}

/* The innermost user frame of a stack (cr_user_function) */
static const struct cr_race_frame *user_frame(const struct cr_races *rs, const struct cr_race_stack *st)
{
	const char *names[256];
	size_t n = st->n < 256 ? st->n : 256;
	for (size_t k = 0; k < n; k++)
		names[k] = rs->frames[st->start + k].function;
	long u = cr_user_function(names, n);
	return u >= 0 ? &rs->frames[st->start + (size_t)u] : NULL;
}

static void where(char *b, size_t n, const struct cr_race_frame *f)
{
	if (!f)
		snprintf(b, n, "no stack");
	else if (*f->file)
		snprintf(b, n, "%s:%" PRId64, f->file, f->line);
	else
		snprintf(b, n, "%s", f->function);
}

static void who(char *b, size_t n, const struct cr_race_access *a)
{
	if (a->main_goroutine)
		snprintf(b, n, "the main goroutine");
	else
		snprintf(b, n, "goroutine %" PRId64, a->goid);
}

static const struct cr_race_creation *creation_of(const struct cr_race_report *rp, const struct cr_race_access *a)
{
	for (size_t k = 0; k < rp->ncreated; k++)
		if (!a->main_goroutine && rp->created[k].goid == a->goid)
			return &rp->created[k];
	return NULL;
}

static enum cr_err stack_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_races *rs,
			       const char *key, const char *title, const struct cr_race_stack *st)
{
	struct cr_table *t = cr_finding_table(r, f, key, title);
	if (!t)
		return CR_NOMEM;
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "file", "file:line", CR_LEFT);
	for (size_t k = 0; k < st->n && k < 40; k++) {
		const struct cr_race_frame *fr = &rs->frames[st->start + k];
		char fl[1100];
		where(fl, sizeof fl, fr);
		if (cr_table_row(t) || cr_table_str(t, fr->function) || cr_table_str(t, *fr->file ? fl : ""))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* The two accesses: what, by whom, where; then where each goroutine was
 * started (the main goroutine was not). */
static enum cr_err access_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_races *rs,
				const struct cr_race_report *rp)
{
	struct cr_table *t = cr_finding_table(r, f, "accesses", "the two accesses (the first tripped the detector)");
	struct cr_table *g = t ? cr_finding_table(r, f, "goroutines", "their goroutines") : NULL;
	if (!g)
		return CR_NOMEM;
	t = &f->tables[f->ntables - 2].t; /* the array may have moved */
	cr_table_col(t, "access", "access", CR_LEFT);
	cr_table_col(t, "goroutine", "goroutine", CR_RIGHT);
	cr_table_col(t, "function", "function", CR_LEFT);
	cr_table_col(t, "file", "file:line", CR_LEFT);
	cr_table_col(g, "goroutine", "goroutine", CR_RIGHT);
	cr_table_col(g, "status", "status", CR_LEFT);
	cr_table_col(g, "created_by", "created by", CR_LEFT);
	cr_table_col(g, "file", "file:line", CR_LEFT);
	for (size_t k = 0; k < 2; k++) {
		const struct cr_race_access *a = &rp->acc[k];
		const struct cr_race_frame *u = user_frame(rs, &a->stack);
		const struct cr_race_creation *c = creation_of(rp, a);
		char op[64], gid[64], fl[1100];
		snprintf(op, sizeof op, "%s%s", a->previous ? "previous " : "", a->op);
		who(gid, sizeof gid, a);
		where(fl, sizeof fl, u);
		if (cr_table_row(t) || cr_table_str(t, op) || cr_table_int(t, a->goid, a->main_goroutine ? "main" : NULL) ||
		    cr_table_str(t, u ? u->function : "") || cr_table_str(t, fl))
			return CR_NOMEM;
		if (k == 1 && !a->main_goroutine && !rp->acc[0].main_goroutine && a->goid == rp->acc[0].goid)
			continue; /* one goroutine, listed once */
		const struct cr_race_frame *cu = c && c->stack.n ? user_frame(rs, &c->stack) : NULL;
		char cl[1100] = "";
		if (cu)
			where(cl, sizeof cl, cu);
		if (cr_table_row(g) || cr_table_int(g, a->goid, a->main_goroutine ? "main" : NULL) ||
		    cr_table_str(g, c ? c->status : a->main_goroutine ? "main goroutine" : "") ||
		    cr_table_str(g, cu ? cu->function : "") || cr_table_str(g, cl))
			return CR_NOMEM;
	}
	return CR_OK;
}

static enum cr_err race_finding(struct cr_report *r, const struct cr_capture *c, const struct cr_races *rs,
				const struct rgroup *g)
{
	const struct cr_race_report *rp = &rs->reports[g->first];
	const struct cr_race_access *a = &rp->acc[0], *b = &rp->acc[1];
	const struct cr_race_frame *ua = user_frame(rs, &a->stack), *ub = user_frame(rs, &b->stack);
	/* a stack the runtime could not restore has no frame to name */
	const char *fa = ua ? ua->function : "[stack not restored]", *fb = ub ? ub->function : "[stack not restored]";
	char subject[2100], wa[1100], wb[1100], ga[64], gb[64];
	if (!ub || (ua && !strcmp(fa, fb)))
		snprintf(subject, sizeof subject, "%s", fa);
	else if (!ua)
		snprintf(subject, sizeof subject, "%s", fb);
	else if (!strcmp(fa, fb))
		snprintf(subject, sizeof subject, "%s", fa);
	else
		snprintf(subject, sizeof subject, "%s vs %s", fa, fb);
	where(wa, sizeof wa, ua);
	where(wb, sizeof wb, ub);
	who(ga, sizeof ga, a);
	who(gb, sizeof gb, b);
	struct cr_rfinding *f = cr_report_finding(r, "data_race", subject, CR_FSEV_HIGH, (double)g->count);
	if (!f)
		return CR_NOMEM;
	enum cr_err rc = cr_finding_summary(r, f, "data race: %s %s in %s (%s) after %s %s in %s (%s), with nothing "
					    "ordering the two; reported %" PRId64 " time%s",
					    ga, a->write ? "wrote" : "read", fa, wa, gb, b->write ? "wrote" : "read", fb, wb,
					    g->count, g->count == 1 ? "" : "s");
	if (!rc)
		rc = cr_finding_next(r, f, "two goroutines use this memory at once and at least one of them writes: guard both "
					   "accesses with one sync.Mutex, use sync/atomic, or hand the value over through a "
					   "channel; the stacks below show both accesses and where each goroutine was started");
	if (!rc)
		rc = cr_finding_fact(r, f, "reports", "reports of this race", CR_FACT_INT, g->count, 0, NULL);
	if (!rc && rs->found >= 0)
		rc = cr_finding_fact(r, f, "runtime_found", "races the runtime counted", CR_FACT_INT,
				     rs->found, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "file", "file", CR_FACT_STR, 0, 0, c->race);
	if (!rc)
		rc = cr_finding_fact(r, f, "first_line", "first report at line", CR_FACT_INT, (int64_t)rp->line, 0, NULL);
	if (!rc)
		rc = access_table(r, f, rs, rp);
	char title[200];
	snprintf(title, sizeof title, "stack of the %s by %s", a->write ? "write" : "read", ga);
	if (!rc)
		rc = stack_table(r, f, rs, "stack_1", title, &a->stack);
	snprintf(title, sizeof title, "stack of the earlier %s by %s", b->write ? "write" : "read", gb);
	if (!rc)
		rc = stack_table(r, f, rs, "stack_2", title, &b->stack);
	return rc;
}

static int cmp_group(const void *x, const void *y)
{
	const struct rgroup *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static enum cr_err analyse_one(struct cr_report *r, const struct cr_capture *c)
{
	struct cr_races rs;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 }, key = { 0 }, k1 = { 0 }, k2 = { 0 };
	struct cr_hmap idx;
	struct rgroup *gs = NULL;
	size_t ng = 0, capg = 0;
	cr_races_init(&rs);
	cr_hmap_init(&idx);
	enum cr_err rc = cr_races_load(&rs, c->race, &warn, &e);
	if (warn.len)
		cr_report_warn(r, "data_race: %.*s", (int)strcspn(cr_buf_str(&warn), "\n"), cr_buf_str(&warn));
	if (rc) {
		if (rc != CR_NOMEM && rc != CR_LIMIT) {
			cr_report_warn(r, "data_race: %s", e.msg);
			rc = CR_OK;
		}
		goto out;
	}
	for (size_t i = 0; i < rs.n && !rc; i++) {
		bool found;
		uint32_t *slot;
		if (pair_key(&key, &k1, &k2, &rs, &rs.reports[i]) ||
		    !(slot = cr_hmap_put(&idx, key.data, key.len, (uint32_t)ng, &found)) ||
		    (!found && cr_grow(&gs, &capg, ng + 1, sizeof *gs))) {
			rc = CR_NOMEM;
			break;
		}
		if (!found)
			gs[ng++] = (struct rgroup){ .first = i, .count = 0 };
		gs[*slot].count++;
	}
	if (rc)
		goto out;
	qsort(gs, ng, sizeof *gs, cmp_group);
	for (size_t i = 0; i < ng && i < MAX_RACE_FINDINGS && !rc; i++)
		rc = race_finding(r, c, &rs, &gs[i]);
	if (!rc && ng > MAX_RACE_FINDINGS)
		cr_report_note(r, "data_race: %zu more distinct races in %s (the %d reported most often are shown)",
			       ng - MAX_RACE_FINDINGS, c->race, MAX_RACE_FINDINGS);
	if (!rc && rs.found >= 0 && (size_t)rs.found != rs.n)
		cr_report_note(r, "data_race: %s holds %zu complete report%s; the runtime counted %" PRId64 " (Found N data race(s))",
			       c->race, rs.n, rs.n == 1 ? "" : "s", rs.found);
out:
	cr_free(gs);
	cr_hmap_release(&idx);
	cr_buf_release(&warn);
	cr_buf_release(&key);
	cr_buf_release(&k1);
	cr_buf_release(&k2);
	cr_races_release(&rs);
	return rc;
}

enum cr_err cr_report_analyse_race(struct cr_report *r)
{
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < r->in.ncaps && !rc; i++)
		if (r->in.caps[i].race)
			rc = analyse_one(r, &r->in.caps[i]);
	return rc;
}
