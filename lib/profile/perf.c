/* perf script text and folded stacks as profiles (see coroner/perf.h). */
#include "coroner/perf.h"
#include "coroner/text.h"

#include <stdio.h>
#include <string.h>

#define PERF_MAX_LINE 65536
#define PERF_MAX_WARN 5

struct rd {
	const char *name;
	struct cr_buf *warn;
	size_t warned;
};

static void warn_line(struct rd *r, size_t lineno, const char *why)
{
	if (r->warn && r->warned < PERF_MAX_WARN) {
		r->warned++;
		cr_buf_addf(r->warn, "%s: line %zu: %s: skipped\n", r->name, lineno, why);
	}
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

static size_t tokens(const char *s, size_t n, const char **tok, size_t *tl, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max) {
		while (i < n && is_ws(s[i]))
			i++;
		if (i >= n)
			break;
		size_t st = i;
		while (i < n && !is_ws(s[i]))
			i++;
		tok[k] = s + st;
		tl[k++] = i - st;
	}
	return k;
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool all_hex(const char *s, size_t n)
{
	if (!n || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* "12345.678901:" */
static bool time_token(const char *s, size_t n)
{
	if (n < 3 || s[n - 1] != ':')
		return false;
	const char *dot = memchr(s, '.', n);
	return dot && all_digits(s, (size_t)(dot - s)) && all_digits(dot + 1, n - 1 - (size_t)(dot - s) - 1);
}

#define MAXTOK 48

/* Index of the time token of a sample header; -1 if none. */
static long header_time(const char **tok, const size_t *tl, size_t k)
{
	for (size_t i = 1; i < k && i < 8; i++)
		if (time_token(tok[i], tl[i]))
			return (long)i;
	return -1;
}

bool cr_perf_script_detect(const unsigned char *data, size_t len)
{
	struct cr_lines it;
	if (!cr_lines_probe(&it, data, len, 8192))
		return false;
	const char *s;
	size_t n;
	while (cr_lines_next(&it, &s, &n, 4096, NULL)) {
		if (cr_skip_ws(s, n, 0) == n || s[0] == '#')
			continue;
		const char *tok[MAXTOK];
		size_t tl[MAXTOK];
		size_t k = tokens(s, n, tok, tl, MAXTOK);
		long t = header_time(tok, tl, k);
		if (t < 1)
			return false;
		/* an event name ending in ':' follows the time (and a period) */
		for (size_t i = (size_t)t + 1; i < k && i < (size_t)t + 3; i++)
			if (tl[i] > 1 && tok[i][tl[i] - 1] == ':')
				return true;
		return false;
	}
	return false;
}

/* "stack COUNT" / "stack BASE COUNT": offset of the stack's end, count. */
static bool folded_line(const char *s, size_t n, size_t *stack_end, int64_t *count, bool *diff)
{
	size_t e = n;
	while (e > 0 && is_ws(s[e - 1]))
		e--;
	size_t b = e;
	while (b > 0 && !is_ws(s[b - 1]))
		b--;
	if (b == 0 || !all_digits(s + b, e - b) || e - b > 18)
		return false;
	size_t i = b;
	uint64_t v;
	if (!cr_parse_u64(s, e, &i, &v))
		return false;
	*count = (int64_t)v;
	size_t se = b;
	while (se > 0 && is_ws(s[se - 1]))
		se--;
	*diff = false;
	/* differential: a second number before the count */
	size_t b2 = se;
	while (b2 > 0 && !is_ws(s[b2 - 1]))
		b2--;
	if (b2 > 0 && all_digits(s + b2, se - b2) && se - b2 <= 18) {
		*diff = true;
		se = b2;
		while (se > 0 && is_ws(s[se - 1]))
			se--;
	}
	*stack_end = se;
	return se > 0;
}

bool cr_folded_detect(const unsigned char *data, size_t len)
{
	struct cr_lines it;
	size_t probe = cr_lines_probe(&it, data, len, 8192);
	if (!probe)
		return false;
	const char *s;
	size_t n;
	int good = 0, bad = 0, semis = 0;
	bool cut;
	while (cr_lines_next(&it, &s, &n, 4096, &cut) && good + bad < 40) {
		if (n == 0)
			continue;
		if (it.p >= (const char *)data + probe && probe < len)
			break; /* a line cut by the probe */
		size_t se;
		int64_t c;
		bool d;
		if (cut || !folded_line(s, n, &se, &c, &d)) {
			if (good == 0)
				return false; /* the first line must be a stack */
			bad++;
			continue;
		}
		good++;
		semis += memchr(s, ';', se) != NULL;
	}
	/* "NAME N" lines alone are too common (memory.events, ...): some
	 * stack must have a caller */
	return good > 0 && semis > 0 && bad <= good;
}

static enum cr_err intern_label(struct cr_profile *p, struct cr_label *l, const char *key,
				const char *s, size_t n)
{
	memset(l, 0, sizeof *l);
	l->key = cr_profile_intern_z(p, key);
	l->str = cr_profile_intern(p, s, n);
	return l->key == UINT32_MAX || l->str == UINT32_MAX ? CR_NOMEM : CR_OK;
}

/* A frame's function: SYM without "+0xOFF", Go's ".abi0" dropped. */
static uint32_t frame_location(struct cr_profile *p, uint64_t addr, const char *sym, size_t n)
{
	for (size_t i = n; i > 1; i--)
		if (sym[i - 1] == '+' && i + 1 < n && sym[i] == '0' && sym[i + 1] == 'x') {
			n = i - 1;
			break;
		}
	if (n > 5 && !memcmp(sym + n - 5, ".abi0", 5))
		n -= 5;
	if (n == 0)
		sym = "[unknown]", n = 9;
	if (n > 4096)
		n = 4096;
	char buf[4097];
	memcpy(buf, sym, n);
	buf[n] = 0;
	uint32_t f = cr_profile_function(p, buf, "", 0);
	if (f == UINT32_MAX)
		return UINT32_MAX;
	struct cr_line ln = { .function = f, .line = 0 };
	return cr_profile_location(p, addr, 0, &ln, 1);
}

/* "IP SYM+OFF (DSO)" in s: the location; UINT32_MAX-1 if not a frame. */
#define NOT_FRAME (UINT32_MAX - 1)
static uint32_t parse_frame(struct cr_profile *p, const char *s, size_t n)
{
	size_t i = cr_skip_ws(s, n, 0), st = i;
	while (i < n && !is_ws(s[i]))
		i++;
	uint64_t addr;
	size_t k = 0;
	if (!all_hex(s + st, i - st) || !cr_parse_hex(s + st, i - st, &k, &addr))
		return NOT_FRAME;
	i = cr_skip_ws(s, n, i);
	size_t e = n;
	while (e > i && is_ws(s[e - 1]))
		e--;
	/* the dso in parentheses at the end */
	if (e > i && s[e - 1] == ')') {
		size_t o = e;
		while (o > i && s[o - 1] != '(')
			o--;
		if (o > i) {
			e = o - 1;
			while (e > i && is_ws(s[e - 1]))
				e--;
		}
	}
	return frame_location(p, addr, s + i, e - i);
}

struct sample {
	bool open;
	size_t lineno;
	uint32_t *stack;
	size_t nstack, cap;
	bool cut;
	struct cr_label labels[4];
	int64_t values[2];
};

static enum cr_err flush(struct cr_profile *p, struct sample *sm, size_t *nsamples)
{
	if (!sm->open)
		return CR_OK;
	sm->open = false;
	(*nsamples)++;
	return cr_profile_add_sample(p, sm->stack, sm->nstack, sm->values, sm->labels, 4);
}

/* Start the sample whose header line is s: comm, pid, tid and event labels,
 * its values, and (without -g) the frame on the same line. */
static enum cr_err open_sample(struct cr_profile *p, struct sample *sm, const char *s, size_t n,
			       const char *const *tok, const size_t *tl, size_t k, size_t pi, size_t ei,
			       size_t evn, uint64_t pid, uint64_t tid, int64_t period, size_t lineno)
{
	size_t cn = (size_t)(tok[pi] - s);
	while (cn > 0 && is_ws(s[cn - 1]))
		cn--;
	size_t c0 = cr_skip_ws(s, cn, 0);
	sm->open = true;
	sm->cut = false;
	sm->lineno = lineno;
	sm->nstack = 0;
	sm->values[0] = 1;
	sm->values[1] = period;
	if (intern_label(p, &sm->labels[0], "comm", s + c0, cn - c0 > 256 ? 256 : cn - c0) ||
	    intern_label(p, &sm->labels[3], "event", tok[ei], evn > 256 ? 256 : evn))
		return CR_NOMEM;
	sm->labels[1] = (struct cr_label){ .key = cr_profile_intern_z(p, "pid"), .num = (int64_t)(pid & INT64_MAX) };
	sm->labels[2] = (struct cr_label){ .key = cr_profile_intern_z(p, "tid"), .num = (int64_t)(tid & INT64_MAX) };
	/* without -g the sample's ip and symbol follow on the same line */
	if (ei + 1 < k) {
		size_t off = (size_t)(tok[ei + 1] - s);
		uint32_t loc = parse_frame(p, s + off, n - off);
		if (loc == UINT32_MAX)
			return CR_NOMEM;
		if (loc != NOT_FRAME) {
			if (cr_grow(&sm->stack, &sm->cap, 1, sizeof *sm->stack))
				return CR_NOMEM;
			sm->stack[sm->nstack++] = loc;
		}
	}
	return CR_OK;
}

/* One line each for what a read left out. */
static void summary_warnings(struct cr_buf *warn, const char *name, size_t bad_headers, size_t left_out,
			     size_t cut_stacks)
{
	if (bad_headers)
		cr_buf_addf(warn, "%s: %zu sample%s dropped (unreadable headers)\n", name, bad_headers,
			    bad_headers == 1 ? "" : "s");
	if (left_out)
		cr_buf_addf(warn, "%s: %zu frame line%s left out of stacks\n", name, left_out,
			    left_out == 1 ? "" : "s");
	if (cut_stacks)
		cr_buf_addf(warn, "%s: %zu stack%s cut at %u frames\n", name, cut_stacks,
			    cut_stacks == 1 ? "" : "s", cr_limits.max_frames);
}

enum cr_err cr_profile_read_perf_script(struct cr_profile *p, const unsigned char *data,
					size_t len, const char *name, struct cr_buf *warn,
					struct cr_error *e)
{
	struct rd r = { .name = name, .warn = warn };
	struct sample sm = { 0 };
	struct cr_lines it;
	const char *s;
	size_t n, nsamples = 0, bad_headers = 0, bad_frames = 0, cut_stacks = 0, stray = 0;
	bool cut, dropping = false;
	enum cr_err rc = CR_OK;
	char event[128] = "";
	p->source = CR_SRC_OTHER;
	cr_lines_init(&it, data, len);
	while (!rc && cr_lines_next(&it, &s, &n, PERF_MAX_LINE, &cut)) {
		if (cr_skip_ws(s, n, 0) == n) {
			rc = flush(p, &sm, &nsamples);
			dropping = false;
			continue;
		}
		if (s[0] == '#' && !sm.open)
			continue;
		if (cut) {
			warn_line(&r, it.lineno, "line too long");
			bad_frames++;
			continue;
		}
		const char *tok[MAXTOK];
		size_t tl[MAXTOK];
		size_t k = tokens(s, n, tok, tl, MAXTOK);
		long t = header_time(tok, tl, k);
		if (t < 0 && !is_ws(s[0]))
			t = 0; /* a header without a time we can read */
		if (t < 0) { /* a frame */
			if (!sm.open) {
				stray++;
				if (!dropping)
					warn_line(&r, it.lineno, "frame outside a sample");
				continue;
			}
			uint32_t loc = parse_frame(p, s, n);
			if (loc == UINT32_MAX) {
				rc = CR_NOMEM;
				break;
			}
			if (loc == NOT_FRAME) {
				bad_frames++;
				warn_line(&r, it.lineno, "not a frame (IP SYM (DSO))");
				continue;
			}
			if (sm.nstack >= cr_limits.max_frames) {
				if (!sm.cut)
					cut_stacks++;
				sm.cut = true;
				continue;
			}
			if (cr_grow(&sm.stack, &sm.cap, sm.nstack + 1, sizeof *sm.stack)) {
				rc = CR_NOMEM;
				break;
			}
			sm.stack[sm.nstack++] = loc;
			continue;
		}
		rc = flush(p, &sm, &nsamples);
		if (rc)
			break;
		dropping = false;
		/* COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT: [IP SYM (DSO)] */
		size_t pi = t >= 1 ? (size_t)t - 1 : 0;
		if (t >= 2 && tok[pi][0] == '[' && tok[pi][tl[pi] - 1] == ']')
			pi--;
		uint64_t pid = 0, tid = 0;
		size_t i = 0;
		bool ok = t >= 2 && cr_parse_u64(tok[pi], tl[pi], &i, &pid);
		if (ok && i < tl[pi] && tok[pi][i] == '/') {
			i++;
			ok = cr_parse_u64(tok[pi], tl[pi], &i, &tid);
		} else {
			tid = pid; /* perf script's default shows the thread id only */
		}
		ok = ok && i == tl[pi] && pi >= 1;
		size_t ei = (size_t)t + 1;
		int64_t period = 1;
		if (ok && ei < k && all_digits(tok[ei], tl[ei])) {
			uint64_t v;
			size_t j = 0;
			if (cr_parse_u64(tok[ei], tl[ei], &j, &v) && v <= INT64_MAX)
				period = (int64_t)v;
			ei++;
		}
		ok = ok && ei < k && tl[ei] > 1 && tok[ei][tl[ei] - 1] == ':';
		if (!ok) {
			bad_headers++;
			warn_line(&r, it.lineno, "not a sample header (COMM PID/TID [CPU] TIME: PERIOD EVENT:)");
			/* its frames would join the previous sample: drop them */
			sm.open = false;
			dropping = true;
			continue;
		}
		/* the event: "cpu-clock:ppp:" -> "cpu-clock" */
		size_t evn = tl[ei] - 1;
		const char *colon = memchr(tok[ei], ':', evn);
		if (colon)
			evn = (size_t)(colon - tok[ei]);
		if (!event[0]) {
			snprintf(event, sizeof event, "%.*s", (int)(evn < 100 ? evn : 100), tok[ei]);
			bool cpu = !strcmp(event, "cpu-clock") || !strcmp(event, "task-clock");
			if (cr_profile_add_type(p, "samples", "count") ||
			    cr_profile_add_type(p, cpu ? "cpu" : event, cpu ? "nanoseconds" : "count")) {
				rc = CR_NOMEM;
				break;
			}
			p->default_type = cr_profile_intern_z(p, "samples");
		}
		if ((rc = open_sample(p, &sm, s, n, tok, tl, k, pi, ei, evn, pid, tid, period, it.lineno)))
			break;
	}
	if (!rc)
		rc = flush(p, &sm, &nsamples);
	cr_free(sm.stack);
	if (rc)
		return cr_fail(e, rc, "%s: perf script: out of memory (raise --max-memory)", name);
	if (warn)
		summary_warnings(warn, name, bad_headers, bad_frames + stray, cut_stacks);
	if (!nsamples)
		return cr_fail(e, CR_EMPTY, "%s: perf script: no sample could be read", name);
	return CR_OK;
}

enum cr_err cr_profile_read_folded(struct cr_profile *p, const unsigned char *data, size_t len,
				   const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct rd r = { .name = name, .warn = warn };
	struct cr_lines it;
	const char *s;
	size_t n, nsamples = 0, skipped = 0, cuts = 0;
	bool cut, diff_seen = false;
	uint32_t *stack = NULL;
	size_t cap = 0;
	enum cr_err rc = CR_OK;
	p->source = CR_SRC_OTHER;
	if (cr_profile_add_type(p, "samples", "count"))
		return cr_fail(e, CR_NOMEM, "%s: out of memory", name);
	cr_lines_init(&it, data, len);
	while (!rc && cr_lines_next(&it, &s, &n, PERF_MAX_LINE, &cut)) {
		if (cr_skip_ws(s, n, 0) == n)
			continue;
		size_t se;
		int64_t count;
		bool diff;
		if (cut || !folded_line(s, n, &se, &count, &diff)) {
			skipped++;
			warn_line(&r, it.lineno, cut ? "line too long" : "no count at the end (STACK COUNT)");
			continue;
		}
		diff_seen |= diff;
		/* frames root first; the profile wants leaf first */
		size_t nf = 0;
		for (size_t i = 0; i < se; i++)
			nf += s[i] == ';';
		nf++;
		if (nf > cr_limits.max_frames) {
			cuts++;
			nf = cr_limits.max_frames;
		}
		if (cr_grow(&stack, &cap, nf, sizeof *stack)) {
			rc = CR_NOMEM;
			break;
		}
		size_t k = 0, b = 0;
		for (size_t i = 0; i <= se && k < nf; i++) {
			if (i < se && s[i] != ';')
				continue;
			size_t fb = cr_skip_ws(s, i, b), fe = i;
			b = i + 1;
			if (fe == fb)
				continue; /* ";;": an empty frame */
			uint32_t loc = frame_location(p, 0, s + fb, fe - fb);
			if (loc == UINT32_MAX) {
				rc = CR_NOMEM;
				break;
			}
			stack[k++] = loc;
		}
		if (rc)
			break;
		for (size_t i = 0; i < k / 2; i++) {
			uint32_t t = stack[i];
			stack[i] = stack[k - 1 - i];
			stack[k - 1 - i] = t;
		}
		rc = cr_profile_add_sample(p, stack, k, &count, NULL, 0);
		nsamples++;
	}
	cr_free(stack);
	if (rc)
		return cr_fail(e, rc, "%s: folded stacks: out of memory (raise --max-memory)", name);
	if (warn) {
		if (skipped)
			cr_buf_addf(warn, "%s: %zu line%s without a count skipped\n", name, skipped,
				    skipped == 1 ? "" : "s");
		if (diff_seen)
			cr_buf_addf(warn, "%s: differential folded stacks: the second count is used\n", name);
		if (cuts)
			cr_buf_addf(warn, "%s: %zu stack%s cut at %u frames\n", name, cuts, cuts == 1 ? "" : "s",
				    cr_limits.max_frames);
	}
	if (!nsamples)
		return cr_fail(e, CR_EMPTY, "%s: folded stacks: no line could be read", name);
	return CR_OK;
}
