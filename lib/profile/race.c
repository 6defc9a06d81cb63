/* Race-detector reports (WARNING: DATA RACE) out of a log; the format is in
 * coroner/race.h. Lines that belong to no report (the program's own output,
 * printed between or even inside reports) are counted and skipped. */
#include "coroner/input.h"
#include "coroner/race.h"
#include "coroner/text.h"

#include <string.h>

#define NAME_MAX_LEN 1024 /* longest function or file name kept */

void cr_races_init(struct cr_races *r)
{
	memset(r, 0, sizeof *r);
	cr_arena_init(&r->arena);
	r->found = -1;
}

void cr_races_release(struct cr_races *r)
{
	cr_free(r->frames);
	cr_free(r->reports);
	cr_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

static size_t skip_ws(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* A rule of '=' (10 or more) around a report; lines are not NUL-terminated */
static bool rule(const char *s, size_t n)
{
	if (n < 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '=')
			return false;
	return true;
}

bool cr_race_header(const char *s, size_t n)
{
	size_t i = skip_ws(s, n);
	return n - i == 18 && memcmp(s + i, "WARNING: DATA RACE", 18) == 0;
}

static bool lit(const char *s, size_t n, size_t *i, const char *l)
{
	size_t k = strlen(l);
	if (n - *i < k || memcmp(s + *i, l, k) != 0)
		return false;
	*i += k;
	return true;
}

/* "[Previous ](Read|Write|Atomic read|Atomic write)[ of size N] at 0xA by
 * (goroutine N|main goroutine):" */
static bool access_line(const char *s, size_t n, struct cr_race_access *a)
{
	size_t i = 0;
	memset(a, 0, sizeof *a);
	a->previous = lit(s, n, &i, "Previous ");
	bool atomic = a->previous ? lit(s, n, &i, "atomic ") : lit(s, n, &i, "Atomic ");
	if (lit(s, n, &i, atomic ? "read" : "Read") || (!atomic && lit(s, n, &i, "read")))
		a->write = false;
	else if (lit(s, n, &i, atomic ? "write" : "Write") || (!atomic && lit(s, n, &i, "write")))
		a->write = true;
	else
		return false;
	a->op = atomic ? (a->write ? "Atomic write" : "Atomic read") : (a->write ? "Write" : "Read");
	if (lit(s, n, &i, " of size ") && !cr_parse_i64(s, n, &i, &a->size))
		return false;
	if (!lit(s, n, &i, " at ") || !cr_parse_hex(s, n, &i, &a->addr) || !lit(s, n, &i, " by "))
		return false;
	if (lit(s, n, &i, "main goroutine")) {
		a->goid = 1;
		a->main_goroutine = true;
	} else if (!lit(s, n, &i, "goroutine ") || !cr_parse_i64(s, n, &i, &a->goid) || a->goid < 0) {
		return false;
	}
	return i < n && s[i] == ':';
}

/* "Goroutine N (status) created at:" */
static bool created_line(const char *s, size_t n, struct cr_race_creation *c, size_t *st, size_t *stlen)
{
	size_t i = 0;
	memset(c, 0, sizeof *c);
	if (!lit(s, n, &i, "Goroutine ") || !cr_parse_i64(s, n, &i, &c->goid) || c->goid < 0 || !lit(s, n, &i, " ("))
		return false;
	size_t a = i;
	while (i < n && i - a < 32 && s[i] != ')')
		i++;
	if (i >= n || s[i] != ')' || i == a)
		return false;
	*st = a;
	*stlen = i - a;
	i++;
	return lit(s, n, &i, " created at:");
}

/* "Found N data race(s)" */
static bool trailer(const char *s, size_t n, int64_t *v)
{
	size_t i = 0;
	return lit(s, n, &i, "Found ") && cr_parse_i64(s, n, &i, v) && *v >= 0 && lit(s, n, &i, " data race");
}

/* "file:line +0xOFF" (the offset may be missing); false if not that shape */
static bool file_line(const char *s, size_t n, size_t *flen, int64_t *line, uint64_t *off)
{
	size_t end = n;
	*off = 0;
	for (size_t k = n; k-- > 0;)
		if (s[k] == ' ') {
			size_t j = k + 1;
			if (j < n && s[j] == '+' && (j++, cr_parse_hex(s, n, &j, off)) && j == n)
				end = k;
			break;
		}
	size_t c = end;
	while (c > 0 && s[c - 1] != ':')
		c--;
	if (c < 2)
		return false;
	size_t j = c;
	if (!cr_parse_i64(s, end, &j, line) || j != end || *line < 0)
		return false;
	*flen = c - 1;
	return true;
}

struct rstate {
	struct cr_races *r;
	struct cr_race_report cur;
	bool open;
	struct cr_race_stack *stack; /* the stack frames go to; NULL outside one */
	bool pending;                /* a function line waits for its file line */
	size_t dropped, first_dropped;
};

static const char *keep(struct cr_races *r, const char *s, size_t n)
{
	return cr_arena_strndup(&r->arena, s, n < NAME_MAX_LEN ? n : NAME_MAX_LEN);
}

static enum cr_err add_frame(struct rstate *st, const char *fn, size_t fnlen)
{
	struct cr_races *r = st->r;
	if (st->stack->n >= cr_limits.max_frames) {
		st->stack->truncated = true;
		st->pending = false;
		return CR_OK;
	}
	if (cr_grow(&r->frames, &r->cap_frames, r->nframes + 1, sizeof *r->frames))
		return CR_NOMEM;
	if (fnlen >= 2 && fn[fnlen - 2] == '(' && fn[fnlen - 1] == ')')
		fnlen -= 2;
	struct cr_race_frame *f = &r->frames[r->nframes];
	memset(f, 0, sizeof *f);
	f->function = keep(r, fn, fnlen);
	f->file = "";
	if (!f->function)
		return CR_NOMEM;
	if (st->stack->n == 0)
		st->stack->start = r->nframes;
	r->nframes++;
	st->stack->n++;
	st->pending = true;
	return CR_OK;
}

static enum cr_err close_report(struct rstate *st, size_t lineno)
{
	struct cr_races *r = st->r;
	st->open = false;
	st->stack = NULL;
	st->pending = false;
	const struct cr_race_stack *a = &st->cur.acc[0].stack, *b = &st->cur.acc[1].stack;
	/* a stack the runtime could not restore is kept, empty */
	if (st->cur.nacc < 2 || (a->n == 0 && !a->truncated) || (b->n == 0 && !b->truncated)) {
		if (!st->dropped++)
			st->first_dropped = lineno;
		return CR_OK;
	}
	if (cr_grow(&r->reports, &r->cap, r->n + 1, sizeof *r->reports))
		return CR_NOMEM;
	r->reports[r->n++] = st->cur;
	return CR_OK;
}

/* One line inside an open report. */
static enum cr_err report_line(struct rstate *st, const char *s, size_t n, size_t lineno)
{
	struct cr_race_report *cur = &st->cur;
	size_t ws = skip_ws(s, n);
	if (ws == n) { /* a blank line ends a section */
		st->stack = NULL;
		st->pending = false;
		return CR_OK;
	}
	if (ws == 0 && rule(s, n)) {
		cur->complete = true;
		return close_report(st, lineno);
	}
	if (ws == 0) {
		struct cr_race_access a;
		struct cr_race_creation c;
		size_t so, sl;
		if (access_line(s, n, &a)) {
			st->pending = false;
			if (cur->nacc < 2) {
				cur->acc[cur->nacc] = a;
				st->stack = &cur->acc[cur->nacc++].stack;
			} else {
				st->stack = NULL; /* a third access: not in Go's reports */
			}
			return CR_OK;
		}
		if (created_line(s, n, &c, &so, &sl)) {
			st->pending = false;
			st->stack = NULL;
			if (cur->ncreated < 2) {
				c.status = keep(st->r, s + so, sl);
				if (!c.status)
					return CR_NOMEM;
				cur->created[cur->ncreated] = c;
				st->stack = &cur->created[cur->ncreated++].stack;
			}
			return CR_OK;
		}
		st->r->other_lines++; /* the program's output, printed meanwhile */
		return CR_OK;
	}
	if (!st->stack)
		return CR_OK;
	const char *t = s + ws;
	size_t tn = n - ws;
	if (cr_starts(t, tn, "[failed to restore the stack]")) {
		st->stack->truncated = true;
		return CR_OK;
	}
	size_t flen;
	int64_t line;
	uint64_t off;
	if (st->pending && ws >= 4 && file_line(t, tn, &flen, &line, &off)) {
		struct cr_race_frame *f = &st->r->frames[st->r->nframes - 1];
		f->file = keep(st->r, t, flen);
		f->line = line;
		f->offset = off;
		st->pending = false;
		return f->file ? CR_OK : CR_NOMEM;
	}
	return add_frame(st, t, tn);
}

enum cr_err cr_races_parse(struct cr_races *r, const unsigned char *data, size_t len,
			   const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct rstate st;
	memset(&st, 0, sizeof st);
	st.r = r;
	struct cr_lines it;
	const char *s;
	size_t n;
	enum cr_err rc = CR_OK;
	cr_lines_init(&it, data, len);
	while (!rc && cr_lines_next(&it, &s, &n, cr_limits.max_line, NULL)) {
		int64_t v;
		if (cr_race_header(s, n)) {
			if (st.open)
				rc = close_report(&st, it.lineno);
			memset(&st.cur, 0, sizeof st.cur);
			st.cur.line = it.lineno;
			st.open = true;
		} else if (trailer(s, n, &v)) {
			if (st.open)
				rc = close_report(&st, it.lineno);
			r->found = (r->found < 0 ? 0 : r->found) + (v > INT32_MAX ? INT32_MAX : v);
			r->ntrailers++;
		} else if (st.open) {
			rc = report_line(&st, s, n, it.lineno);
		} else if (!rule(s, n)) { /* not the rule above a report */
			r->other_lines++;
		}
	}
	if (!rc && st.open)
		rc = close_report(&st, it.lineno); /* kept when both accesses are there */
	if (rc)
		return cr_fail(e, rc, "%s: race report: %s", name, cr_strerror(rc));
	if (st.dropped && warn)
		cr_buf_addf(warn, "%s: race report: %zu report%s without two accesses with their stacks (first: line %zu), skipped\n",
			    name, st.dropped, st.dropped > 1 ? "s" : "", st.first_dropped);
	if (!r->n)
		return cr_fail(e, CR_EMPTY, "%s: race report: no complete 'WARNING: DATA RACE' report", name);
	return CR_OK;
}

enum cr_err cr_races_load(struct cr_races *r, const char *path, struct cr_buf *warn,
			  struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_races_parse(r, in.data, in.len, in.name, warn, e);
	cr_input_close(&in);
	return rc;
}
