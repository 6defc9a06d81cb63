/* Go's tracebacks (debug=2, panic, SIGQUIT, GOTRACEBACK=all|system|crash,
 * the Go 1.21+ header forms), also inside service logs with a prefix on
 * every line. The formats are described in goroutine.c. */
#include "coroner/detect.h"
#include "coroner/input.h"
#include "goroutine_int.h"

#include <stdio.h>
#include <string.h>


struct tframe {
	const char *fn; size_t fnlen;
	const char *file; size_t filelen;
	int64_t line;
	uint64_t pc;
	bool inlined;
};

struct gor {
	bool active, skip;   /* skip: ancestor tracebacks follow, not ours */
	size_t lineno;
	int64_t goid, wait, nelided;  /* nelided: frames left out (>= 1 when elided) */
	size_t dump;         /* which dump of the file (ids repeat: a new dump) */
	bool has_wait, locked, elided;
	const char *state; size_t statelen;
	const char *cby; size_t cbylen;
	const char *cat; size_t catlen; int64_t catline;
	bool want_file;      /* a function line waits for its file line */
	bool want_cfile;     /* a "created by" line waits for its file line */
	bool swallow;        /* the file line of a frame over the frame cap */
	struct tframe *frames; size_t nframes, cap_frames;
};

/* The header's fields into g (state is left alone when the header has no
 * '[' item; the elided mark is reset). */
static bool parse_header(const char *s, size_t n, struct gor *g, bool *complete)
{
	struct cr_gheader h = { .state = g->state, .statelen = g->statelen };
	if (!cr_gheader_parse(s, n, &h, complete))
		return false;
	g->goid = h.goid;
	g->has_wait = h.has_wait;
	g->locked = h.locked;
	g->elided = false;
	g->wait = h.wait;
	g->state = h.state;
	g->statelen = h.statelen;
	return true;
}

/* "\tfile.go:123 +0x1d fp=0x.. sp=0x.. pc=0x..": fills file, line, pc */
static bool parse_fileline(const char *s, size_t n, const char **file, size_t *filelen,
			   int64_t *line, uint64_t *pc, bool *has_off)
{
	size_t i = cr_skip_ws(s, n, 0);
	size_t end = n;
	*has_off = false;
	*pc = 0;
	/* the location ends at " +0x" or " fp=" or " pc=" */
	for (size_t k = i; k + 1 < n; k++)
		if (s[k] == ' ' && (s[k + 1] == '+' || cr_starts(s + k + 1, n - k - 1, "fp=") ||
				    cr_starts(s + k + 1, n - k - 1, "pc="))) {
			end = k;
			break;
		}
	for (size_t k = end; k < n; k++) {
		if (s[k] == '+' && k > 0 && s[k - 1] == ' ')
			*has_off = true;
		if (cr_starts(s + k, n - k, " pc=0x")) {
			size_t q = k + 4;
			uint64_t v;
			if (cr_parse_hex(s, n, &q, &v))
				*pc = v;
		}
	}
	size_t colon = SIZE_MAX;
	for (size_t k = end; k > i; k--)
		if (s[k - 1] == ':') {
			colon = k - 1;
			break;
		}
	if (colon == SIZE_MAX || colon == i)
		return false;
	size_t q = colon + 1;
	int64_t ln;
	if (!cr_parse_i64(s, end, &q, &ln) || q != end)
		return false;
	*file = s + i;
	*filelen = colon - i;
	*line = ln;
	return true;
}

static enum cr_err emit_goroutine(struct rd *r, struct gor *g)
{
	if (!g->active)
		return CR_OK;
	g->active = false;
	r->nstk = 0;
	r->nlabels = 0;
	for (size_t a = 0; a < g->nframes;) {
		size_t b = a;
		while (b + 1 < g->nframes && g->frames[b].inlined)
			b++;
		r->nlines = 0;
		for (size_t k = a; k <= b; k++) {
			const struct tframe *f = &g->frames[k];
			if (rd_push_line(r, f->fn, f->fnlen, f->file, f->filelen, f->line))
				return CR_NOMEM;
		}
		uint64_t pc = g->frames[b].pc;
		if (rd_push_loc(r, rd_location(r, pc ? pc - 1 : 0)))
			return CR_NOMEM;
		a = b + 1;
	}
	struct cr_profile *p = r->p;
	uint32_t st = cr_profile_intern(p, g->state, g->statelen);
	if (st == UINT32_MAX || rd_push_label(r, (struct cr_label){ .key = r->k_goid, .num = g->goid }) ||
	    (st && rd_push_label(r, (struct cr_label){ .key = r->k_state, .str = st })))
		return CR_NOMEM;
	if (g->has_wait &&
	    rd_push_label(r, (struct cr_label){ .key = r->k_wait, .num = g->wait, .num_unit = r->k_minutes }))
		return CR_NOMEM;
	if (g->cbylen) {
		uint32_t c = cr_profile_intern(p, g->cby, g->cbylen);
		if (c == UINT32_MAX || rd_push_label(r, (struct cr_label){ .key = r->k_created_by, .str = c }))
			return CR_NOMEM;
		if (g->catlen) {
			struct cr_buf *k = &r->key;
			k->len = 0;
			if (cr_buf_add(k, g->cat, g->catlen) || cr_buf_add(k, "", 1) ||
			    cr_buf_add(k, &g->catline, sizeof g->catline))
				return CR_NOMEM;
			uint32_t *v = cr_hmap_get(&r->atcache, k->data, k->len), ca;
			if (v) {
				ca = *v;
			} else {
				char at[4200];
				snprintf(at, sizeof at, "%.*s:%lld", (int)(g->catlen < 4096 ? g->catlen : 4096),
					 g->cat, (long long)g->catline);
				ca = cr_profile_intern_z(p, at);
				if (ca == UINT32_MAX || !cr_hmap_put(&r->atcache, k->data, k->len, ca, NULL))
					return CR_NOMEM;
			}
			if (rd_push_label(r, (struct cr_label){ .key = r->k_created_at, .str = ca }))
				return CR_NOMEM;
		}
	}
	if (g->locked && rd_push_label(r, (struct cr_label){ .key = r->k_locked, .str = r->s_true }))
		return CR_NOMEM;
	if (g->elided && rd_push_label(r, (struct cr_label){ .key = r->k_elided, .num = g->nelided }))
		return CR_NOMEM;
	int64_t one = 1;
	return cr_profile_add_sample(p, r->stk, r->nstk, &one, r->labels, r->nlabels);
}

/* "...additional frames elided..." (count 1: at least one) or
 * "...N frames elided..." (Go 1.21+: N). */
static bool is_elided(const char *s, size_t n, int64_t *count)
{
	if (!(n > 6 && cr_starts(s, n, "...") && memcmp(s + n - 3, "...", 3) == 0 &&
	      rd_find(s, n, "elided") != SIZE_MAX))
		return false;
	size_t j = 3;
	int64_t v;
	*count = cr_parse_i64(s, n, &j, &v) && v > 0 ? v : 1;
	return true;
}

/* Lines a build or test tool prints around a dump: they end the goroutine
 * before them and are no reason for a warning. */
static bool is_trailer(const char *s, size_t n)
{
	return cr_starts(s, n, "exit status ") || cr_starts(s, n, "make: ") ||
	       cr_starts(s, n, "make[") || cr_starts(s, n, "FAIL") || cr_starts(s, n, "--- FAIL") ||
	       cr_starts(s, n, "ok  ") || cr_starts(s, n, "PASS") || cr_starts(s, n, "signal: ") ||
	       cr_starts(s, n, "coverage: ") || cr_starts(s, n, "[process exited");
}

/* Inside a goroutine: a line with what frames are made of ("name(args)",
 * "file.go:N") or no words looks like a mangled dump; a log line printed
 * after the dump (words, from a letter or digit) ends the goroutine. */
static bool dumplike(const char *s, size_t n)
{
	if ((n > 0 && s[n - 1] == ')') || rd_find(s, n, ".go:") != SIZE_MAX || cr_starts(s, n, "...") ||
	    cr_starts(s, n, "created by ") || cr_starts(s, n, "[originating") || n == 0 ||
	    s[0] == '\t' || s[0] == ' ')
		return true;
	/* a log line: words separated by spaces, starting with a letter, digit or '[' */
	bool alnum = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		     (s[0] >= '0' && s[0] <= '9') || s[0] == '[';
	return !(alnum && memchr(s, ' ', n));
}

/* Offset of a complete goroutine header that ends the line after other
 * text (a log line the header was glued to), or SIZE_MAX. */
static size_t glued_header(const char *s, size_t n)
{
	if (n < 14 || s[n - 1] != ':' || s[n - 2] != ']')
		return SIZE_MAX;
	size_t lo = n > 400 ? n - 400 : 1;
	for (size_t c = n - 12; c >= lo; c--) {
		if (s[c] != 'g' || (s[c - 1] != ' ' && s[c - 1] != '\t' && s[c - 1] != ']' &&
				    s[c - 1] != '"' && s[c - 1] != ':' && s[c - 1] != '='))
			continue;
		struct cr_gheader h;
		bool complete;
		memset(&h, 0, sizeof h);
		if (cr_starts(s + c, n - c, "goroutine ") && cr_gheader_parse(s + c, n - c, &h, &complete) &&
		    complete)
			return c;
	}
	return SIZE_MAX;
}

/* Lines outside goroutine blocks worth keeping: what killed the process. */
static bool is_reason(const char *s, size_t n)
{
	return cr_starts(s, n, "panic: ") || cr_starts(s, n, "fatal error: ") ||
	       cr_starts(s, n, "[signal ") || cr_starts(s, n, "SIGQUIT: ") ||
	       cr_starts(s, n, "SIGABRT: ") || cr_starts(s, n, "SIGSEGV: ") ||
	       cr_starts(s, n, "SIGBUS: ") || cr_starts(s, n, "SIGILL: ") ||
	       cr_starts(s, n, "SIGTRAP: ") || cr_starts(s, n, "SIGFPE: ") ||
	       cr_starts(s, n, "unexpected fault address ") || cr_starts(s, n, "fatal: morestack");
}

/* ---- dumps in service logs: a prefix on every line ----
 * Container runtimes, journald and log shippers put a prefix before every
 * line of the runtime's output: CRI ("2024-05-01T10:00:00.123456789Z stderr
 * F "), kubectl logs --timestamps ("...Z "), journald ("May 01 10:00:00 host
 * app[123]: "), Go's log package ("2024/05/01 10:00:00 "). The prefix of the
 * first goroutine header is taken as the model: its part after the last
 * digit (the anchor: "Z stderr F ", "]: ") is searched near the same column
 * in every line and the line is cut after it; when that part is shorter than
 * 2 bytes, lines whose prefix has the same shape (digits as digits, the rest
 * as is) are cut at the same length. Lines without it stay as they are. */
#define PREFIX_MAX CR_LOG_PREFIX_MAX

struct logprefix {
	char model[PREFIX_MAX + 1];
	size_t len;             /* of the model */
	size_t anchor;          /* offset of the anchor in the model; len = no anchor (shape) */
};

static bool find_prefix(const unsigned char *data, size_t len, struct logprefix *lp)
{
	const char *d = (const char *)data;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(d + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - d) : len;
		if (e - i > 10 && cr_starts(d + i, e - i, "goroutine "))
			return false; /* a header at column 0: no prefix */
		size_t c = cr_gheader_after_prefix(d + i, e - i);
		if (c != SIZE_MAX) {
			memcpy(lp->model, d + i, c);
			lp->model[c] = 0;
			lp->len = c;
			size_t k = c;
			while (k > 0 && !(lp->model[k - 1] >= '0' && lp->model[k - 1] <= '9'))
				k--;
			lp->anchor = (c - k >= 2 || k == 0) ? k : c;
			return true;
		}
		i = e + 1;
	}
	return false;
}

/* Bytes of this line's prefix (0: none like the model). */
static size_t prefix_len(const struct logprefix *lp, const char *s, size_t n)
{
	if (lp->anchor < lp->len) {
		const char *a = lp->model + lp->anchor;
		size_t al = lp->len - lp->anchor;
		size_t lo = lp->len > 12 ? lp->len - 12 : 0, hi = lp->len + 12;
		for (size_t end = al; end <= n && end <= hi; end++)
			if (end >= lo && memcmp(s + end - al, a, al) == 0)
				return end;
		return 0;
	}
	if (n < lp->len)
		return 0;
	for (size_t k = 0; k < lp->len; k++) {
		bool dm = lp->model[k] >= '0' && lp->model[k] <= '9', ds = s[k] >= '0' && s[k] <= '9';
		if (dm != ds || (!dm && s[k] != lp->model[k]))
			return 0;
	}
	return lp->len;
}

static enum cr_err read_traceback(struct cr_profile *p, const unsigned char *data, size_t len,
				  const char *name, size_t which, struct cr_buf *warn,
				  struct cr_error *e);

enum cr_err cr_profile_read_traceback(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_buf *warn,
				      struct cr_error *e)
{
	return cr_profile_read_traceback_dump(p, data, len, name, SIZE_MAX, warn, e);
}

enum cr_err cr_profile_read_traceback_dump(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, size_t which,
					   struct cr_buf *warn, struct cr_error *e)
{
	struct logprefix lp;
	if (!find_prefix(data, len, &lp))
		return read_traceback(p, data, len, name, which, warn, e);
	unsigned char *copy = cr_malloc(len ? len : 1);
	if (!copy)
		return cr_fail(e, CR_NOMEM, "%s: traceback: out of memory (limit %zu MiB)", name,
			       cr_limits.max_memory >> 20);
	size_t out = 0, cut = 0, onlyhdr = 0;
	const char *d = (const char *)data;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(d + i, '\n', len - i);
		size_t e2 = nl ? (size_t)(nl - d) : len;
		size_t k = prefix_len(&lp, d + i, e2 - i);
		cut += k > 0;
		onlyhdr += k > 0 && cr_starts(d + i + k, e2 - i - k, "goroutine ");
		memcpy(copy + out, d + i + k, e2 - i - k);
		out += e2 - i - k;
		if (nl)
			copy[out++] = '\n';
		i = e2 + 1;
	}
	if (cut == onlyhdr) {
		/* headers glued to log lines, not a prefix of every line */
		cr_free(copy);
		return read_traceback(p, data, len, name, which, warn, e);
	}
	if (warn) {
		char shown[PREFIX_MAX * 4 + 1];
		size_t o = 0;
		for (size_t k = 0; k < lp.len && o + 4 < sizeof shown; k++) {
			unsigned char ch = (unsigned char)lp.model[k];
			if (ch >= 0x20 && ch < 0x7f)
				shown[o++] = (char)ch;
			else
				o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02x", ch);
		}
		shown[o] = 0;
		cr_buf_addf(warn, "%s: traceback: a log prefix like '%s' was stripped from %zu lines\n", name, shown, cut);
	}
	enum cr_err rc = read_traceback(p, copy, out, name, which, warn, e);
	cr_free(copy);
	return rc;
}

/* A line inside a goroutine block that is none of the traceback's forms:
 * the first is a warning with its line number, the rest are counted. */
static void mangled(struct rd *r, size_t lineno, const char *what)
{
	if (r->nmangled++ == 0)
		rd_warnf(r, lineno, "%s, skipped (text that looks like a mangled dump)", what);
}

/* An indented line inside a goroutine: the file:line of the frame (or of
 * "created by") before it, or a note the runtime indents. */
static void indented_line(struct rd *r, struct gor *g, const char *s, size_t n, size_t lineno)
{
	const char *file;
	size_t filelen;
	int64_t line;
	uint64_t pc;
	bool has_off;
	if (g->swallow) {
		g->swallow = false;
		return;
	}
	if (g->want_file) {
		g->want_file = false;
		struct tframe *f = &g->frames[g->nframes - 1];
		if (!parse_fileline(s, n, &file, &filelen, &line, &pc, &has_off)) {
			rd_warnf(r, lineno, "not a 'file:line' line%s", "");
			return;
		}
		f->file = file;
		f->filelen = filelen;
		f->line = line;
		f->pc = pc;
		/* an inlined frame has "(...)" and no +0x offset */
		f->inlined = f->inlined && !has_off;
		return;
	}
	if (g->want_cfile) {
		g->want_cfile = false;
		if (parse_fileline(s, n, &file, &filelen, &line, &pc, &has_off)) {
			g->cat = file;
			g->catlen = filelen;
			g->catline = line;
		} else {
			rd_warnf(r, lineno, "not a 'file:line' line after 'created by'%s", "");
		}
		return;
	}
	size_t k = cr_skip_ws(s, n, 0);
	if (cr_starts(s + k, n - k, "goroutine running on other thread") ||
	    cr_starts(s + k, n - k, "..."))
		return;
	mangled(r, lineno, "unexpected indented line");
}

/* Samples of the last dump only: the ones from index `from` on. */
static void keep_from(struct cr_profile *p, size_t from)
{
	size_t n = p->nsamples - from;
	memmove(p->samples, p->samples + from, n * sizeof *p->samples);
	memmove(p->values, p->values + from * p->ntypes, n * p->ntypes * sizeof *p->values);
	p->nsamples = n;
}

/* read_traceback's state from line to line. */
struct tb {
	struct cr_profile *p;
	struct rd r;
	struct gor g;          /* the goroutine being read */
	struct cr_hmap ids;    /* goroutine ids of the current dump */
	size_t which;          /* the dump whose goroutines are kept; SIZE_MAX: all */
	size_t dump, last_start, split_line, nglued, glued_line;
	bool per_thread;       /* past a crash's "-----" line */
};

/* The goroutine read so far is complete: into the profile if its dump is
 * the one kept. */
static enum cr_err tb_emit(struct tb *t)
{
	if (t->which == SIZE_MAX || t->g.dump == t->which) {
		enum cr_err rc = emit_goroutine(&t->r, &t->g);
		if (rc)
			return rc;
	}
	t->g.active = false;
	return CR_OK;
}

/* A goroutine header line (at s[hc]) ends the goroutine before it and
 * starts one; a goroutine id seen before in this dump starts a new dump.
 * 1: it was one, 0: it is no header, -1: out of memory. */
static int tb_header(struct tb *t, const char *s, size_t n, size_t hc, size_t lineno)
{
	struct gor h = t->g;
	bool complete;
	if (!parse_header(s + hc, n - hc, &h, &complete))
		return 0;
	if (t->g.active) {
		if (t->g.want_file || t->g.want_cfile)
			rd_warnf(&t->r, lineno - 1, "goroutine cut short before this line%s", "");
		if (tb_emit(t))
			return -1;
	}
	bool seen = false;
	/* GOTRACEBACK=crash prints each thread's stack again after "-----"
	 * lines (goroutine 0 for an idle M): one dump */
	if (!t->per_thread && h.goid != 0 && !cr_hmap_put(&t->ids, &h.goid, sizeof h.goid, 0, &seen))
		return -1;
	if (seen) {
		/* the same process dumped again: a new dump */
		t->dump++;
		if (!t->split_line)
			t->split_line = lineno;
		t->last_start = t->p->nsamples;
		cr_hmap_release(&t->ids);
		cr_hmap_init(&t->ids);
		if (!cr_hmap_put(&t->ids, &h.goid, sizeof h.goid, 0, NULL))
			return -1;
	}
	t->g = h;
	t->g.active = true;
	t->g.dump = t->dump;
	t->g.skip = false;
	t->g.lineno = lineno;
	t->g.nframes = 0;
	t->g.nelided = 0;
	t->g.cbylen = t->g.catlen = 0;
	t->g.want_file = t->g.want_cfile = t->g.swallow = false;
	if (!complete)
		rd_warnf(&t->r, lineno, "goroutine header without ']:' (state may be cut)%s", "");
	return 1;
}

/* A line of a goroutine that is not indented: "created by", an elision,
 * an ancestor's traceback, or a function line NAME(ARGS). last: the line
 * ends the input. */
static enum cr_err tb_body_line(struct tb *t, const char *s, size_t n, size_t lineno, bool last)
{
	struct gor *g = &t->g;
	if (g->want_file) {
		rd_warnf(&t->r, lineno - 1, "frame without its file:line%s", "");
		g->want_file = false;
	}
	g->want_cfile = g->swallow = false;
	if (cr_starts(s, n, "created by ")) {
		size_t a = strlen("created by "), b = n;
		size_t in = rd_find(s + a, n - a, " in goroutine ");
		if (in != SIZE_MAX)
			b = a + in;
		g->cby = s + a;
		g->cbylen = b - a;
		g->want_cfile = true;
		return CR_OK;
	}
	if (cr_starts(s, n, "...")) {
		int64_t ne;
		if (is_elided(s, n, &ne)) {
			g->elided = true;
			g->nelided = cr_sat_add(g->nelided, ne);
		} else {
			mangled(&t->r, lineno, "unexpected line");
		}
		return CR_OK;
	}
	if (cr_starts(s, n, "[originating from goroutine")) {
		g->skip = true; /* GODEBUG=tracebackancestors: not this goroutine's stack */
		return CR_OK;
	}
	size_t lp = SIZE_MAX;
	if (s[n - 1] == ')')
		for (size_t k = n - 1; k > 0; k--)
			if (s[k] == '(') {
				lp = k;
				break;
			}
	if (lp == SIZE_MAX || lp == 0) {
		if (last)
			rd_warnf(&t->r, lineno, "input ends inside a frame line (truncated)%s", "");
		else
			mangled(&t->r, lineno, "not a frame line");
		return CR_OK;
	}
	if (g->nframes >= cr_limits.max_frames) {
		g->elided = true;
		g->nelided = cr_sat_add(g->nelided, 1);
		g->swallow = true;
		return CR_OK;
	}
	if (cr_grow(&g->frames, &g->cap_frames, g->nframes + 1, sizeof *g->frames))
		return CR_NOMEM;
	struct tframe *f = &g->frames[g->nframes++];
	memset(f, 0, sizeof *f);
	f->fn = s;
	f->fnlen = lp;
	f->inlined = n - lp == 5 && memcmp(s + lp, "(...)", 5) == 0;
	g->want_file = true;
	return CR_OK;
}

/* One line of the file. */
static enum cr_err tb_line(struct tb *t, const char *s, size_t n, size_t lineno, bool last)
{
	struct gor *g = &t->g;
	size_t hc = SIZE_MAX;
	if (n > 10 && s[0] == 'g' && cr_starts(s, n, "goroutine "))
		hc = 0;
	else if (n > 10 && (hc = glued_header(s, n)) != SIZE_MAX && !t->nglued++)
		t->glued_line = lineno;
	if (hc != SIZE_MAX) {
		int h = tb_header(t, s, n, hc, lineno);
		if (h)
			return h < 0 ? CR_NOMEM : CR_OK;
	}
	if (n == 5 && memcmp(s, "-----", 5) == 0)
		t->per_thread = true;
	if (g->active && (is_trailer(s, n) || !dumplike(s, n))) {
		if (g->want_file || g->want_cfile)
			rd_warnf(&t->r, lineno, "frame without its file:line before this line%s", "");
		return tb_emit(t);
	}
	if (!g->active) {
		if (!is_reason(s, n))
			return CR_OK;
		struct cr_profile *p = t->p;
		if (cr_grow(&p->comments, &p->cap_comments, p->ncomments + 1, sizeof *p->comments))
			return CR_NOMEM;
		uint32_t c = cr_profile_intern(p, s, n > 4096 ? 4096 : n);
		if (c == UINT32_MAX)
			return CR_NOMEM;
		p->comments[p->ncomments++] = c;
		return CR_OK;
	}
	if (n == 0) {
		if (g->want_file || g->want_cfile)
			rd_warnf(&t->r, lineno, "frame without its file:line before this blank line%s", "");
		return tb_emit(t);
	}
	if (g->skip)
		return CR_OK;
	if (s[0] == '\t' || s[0] == ' ') {
		indented_line(&t->r, g, s, n, lineno);
		return CR_OK;
	}
	return tb_body_line(t, s, n, lineno, last);
}

/* After the last line: the notes on what was skipped or split, the dump
 * kept; CR_EMPTY when no goroutine was read. */
static enum cr_err tb_finish(struct tb *t, const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct cr_profile *p = t->p;
	if (t->r.nmangled > 1 && warn)
		cr_buf_addf(warn, "%s: traceback: %zu lines in all looked like a mangled dump and were skipped\n",
			    name, t->r.nmangled);
	if (t->nglued && warn)
		cr_buf_addf(warn, "%s: traceback: %zu goroutine header%s glued to the end of a log line (first at line %zu), read\n",
			    name, t->nglued, t->nglued == 1 ? "" : "s", t->glued_line);
	if (t->dump > 0) {
		if (t->which == SIZE_MAX)
			keep_from(p, t->last_start);
		if (cr_profile_add_extra(p, "dumps", (int64_t)t->dump + 1))
			return rd_nomem(&t->r, e);
		if (warn && t->which == SIZE_MAX)
			cr_buf_addf(warn, "%s: traceback: %zu dumps of one process (goroutine ids repeat from line %zu): "
				    "the last is read; `coroner leaks` on this file alone compares them as snapshots\n",
				    name, t->dump + 1, t->split_line);
	}
	rd_warn_summary(&t->r);
	if (p->nsamples == 0)
		return t->which != SIZE_MAX && t->which > t->dump
			       ? cr_fail(e, CR_EMPTY, "%s: traceback: no dump %zu (the file holds %zu)", name,
					 t->which + 1, t->dump + 1)
			       : cr_fail(e, CR_EMPTY, "%s: traceback: no goroutine found", name);
	return CR_OK;
}

static enum cr_err read_traceback(struct cr_profile *p, const unsigned char *data, size_t len,
				  const char *name, size_t which, struct cr_buf *warn,
				  struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	struct tb t;
	enum cr_err rc = CR_OK;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.which = which;
	cr_hmap_init(&t.ids);
	p->source = CR_SRC_TRACEBACK;
	if (rd_init(&t.r, p, name, "traceback", warn, "goroutine"))
		goto nomem;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (cut) {
			if (t.g.active)
				rd_warnf(&t.r, it.lineno, "longer than the line limit, skipped%s", "");
			continue;
		}
		if (tb_line(&t, s, n, it.lineno, (const unsigned char *)s + n == data + len))
			goto nomem;
	}
	if (t.g.active) {
		if (t.g.want_file || t.g.want_cfile)
			rd_warnf(&t.r, it.lineno, "input ends inside a goroutine (truncated)%s", "");
		if (tb_emit(&t))
			goto nomem;
	}
	rc = tb_finish(&t, name, warn, e);
	goto out;
nomem:
	rc = rd_nomem(&t.r, e);
out:
	cr_hmap_release(&t.ids);
	cr_free(t.g.frames);
	rd_release(&t.r);
	return rc;
}
