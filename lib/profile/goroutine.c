/* Goroutine dump readers: the debug=1 goroutine profile text and Go's
 * tracebacks (debug=2, panic, SIGQUIT, GOTRACEBACK=all|system|crash, the
 * Go 1.21+ header forms). What they put in the profile model is described
 * in coroner/goroutine.h.
 *
 * debug=1 (runtime/pprof printCountProfile):
 *   goroutine profile: total 63
 *   50 @ 0x43a316 0x407bbb 0x4076f8 0x4ed77d 0x4665e1
 *   # labels: {"k":"v"}                                   (optional)
 *   #	0x4ed77c	main.leakWorker+0x3c	leakprog/main.go:34
 * The `@` list holds every return address; the `#` lines name them
 * (pc = address - 1), except the leading runtime frames and runtime.goexit
 * that printStackRecord hides. Named pcs become locations at address - 1
 * (as pprof's legacy parser makes them); a run of pcs in one physical
 * function (same entry = pc - offset) is one location whose lines are the
 * inlined frames, innermost first, as the runtime's protobuf has them.
 * Hidden leading pcs stay as address-only locations (pprof calls them
 * <unknown>; --binary names them); the hidden trailing goexit is dropped,
 * as the protobuf drops it.
 *
 * Tracebacks (runtime/traceback.go):
 *   goroutine 7 [semacquire, 5 minutes, locked to thread]:
 *   goroutine 7 gp=0xc000007a40 m=nil [chan receive]:     (Go 1.21+)
 *   sync.(*Mutex).Lock(...)                 inlined: args "(...)", no +0x
 *   	/usr/lib/go/src/sync/mutex.go:90
 *   main.worker(0xc000012345, {0x4b3a00, 0x5})
 *   	/src/main.go:79 +0x50 fp=0x... sp=0x... pc=0x4edad0
 *   ...additional frames elided...  /  ...12 frames elided...
 *   created by main.start in goroutine 1
 *   	/src/main.go:148 +0x13e
 * One sample per goroutine; a frame marked inlined is folded into the next
 * frame's location.
 */
#include "coroner/detect.h"
#include "coroner/goroutine.h"
#include "coroner/profile.h"
#include "coroner/text.h"
#include "frames.h"

#include <stdio.h>
#include <string.h>

#define MAX_WARN 20

/* Offset of needle in s[0..n), or SIZE_MAX. */
static size_t find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0)
			return i;
	return SIZE_MAX;
}

/* pprof's cpuProfilerRxStr: legacy count profiles get it as drop_frames. */
static const char count_drop_frames[] =
	"ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|"
	"__pthread_sighandler|__restore";

struct rd {
	struct cr_profile *p;
	const char *name, *what;
	struct cr_buf *warn;
	size_t nwarn;
	struct cr_hmap locmap; /* (address, lines) -> location index */
	struct cr_hmap fncache; /* raw "function\0file" bytes -> function index+1 */
	struct cr_hmap atcache; /* raw "file\0line" bytes -> string id of "file:line" */
	struct cr_buf key;
	struct cr_line *lines; size_t nlines, cap_lines;
	uint32_t *stk; size_t nstk, cap_stk;
	struct cr_label *labels; size_t nlabels, cap_labels;
	uint32_t k_goid, k_state, k_wait, k_minutes, k_created_by, k_created_at, k_locked,
		k_elided, s_true;
};

static void warnf(struct rd *r, size_t lineno, const char *fmt, const char *arg)
{
	r->nwarn++;
	if (!r->warn || r->nwarn > MAX_WARN)
		return;
	cr_buf_addf(r->warn, "%s: %s: line %zu: ", r->name, r->what, lineno);
	cr_buf_addf(r->warn, fmt, arg);
	cr_buf_add(r->warn, "\n", 1);
}

static void warn_summary(struct rd *r)
{
	if (r->warn && r->nwarn > MAX_WARN)
		cr_buf_addf(r->warn, "%s: %s: %zu more lines skipped\n", r->name, r->what,
			    r->nwarn - MAX_WARN);
}

static void rd_release(struct rd *r)
{
	cr_hmap_release(&r->locmap);
	cr_hmap_release(&r->fncache);
	cr_hmap_release(&r->atcache);
	cr_buf_release(&r->key);
	cr_free(r->lines);
	cr_free(r->stk);
	cr_free(r->labels);
}

/* Location for (address, r->lines[0..nlines)), deduplicated. */
static uint32_t rd_location(struct rd *r, uint64_t address)
{
	struct cr_buf *k = &r->key;
	k->len = 0;
	if (cr_buf_add(k, &address, sizeof address))
		return UINT32_MAX;
	for (size_t i = 0; i < r->nlines; i++)
		if (cr_buf_add(k, &r->lines[i].function, sizeof r->lines[i].function) ||
		    cr_buf_add(k, &r->lines[i].line, sizeof r->lines[i].line))
			return UINT32_MAX;
	bool found;
	uint32_t *v = cr_hmap_put(&r->locmap, k->data, k->len, (uint32_t)r->p->nlocations, &found);
	if (!v)
		return UINT32_MAX;
	if (found)
		return *v;
	uint32_t li = cr_profile_add_location(r->p, 0, address, 0, r->lines, r->nlines);
	if (li == UINT32_MAX)
		return UINT32_MAX;
	*v = li;
	return li;
}

/* Function index+1 for raw (name, file) bytes: a cache in front of
 * cr_profile_function, which wants NUL-terminated strings. */
static uint32_t rd_function(struct rd *r, const char *fn, size_t fnlen, const char *file,
			    size_t filelen)
{
	struct cr_buf *k = &r->key;
	k->len = 0;
	if (cr_buf_add(k, fn, fnlen) || cr_buf_add(k, "", 1) || cr_buf_add(k, file, filelen))
		return UINT32_MAX;
	uint32_t *v = cr_hmap_get(&r->fncache, k->data, k->len);
	if (v)
		return *v;
	char nb[4096], fb[4096];
	snprintf(nb, sizeof nb, "%.*s", (int)(fnlen < 4095 ? fnlen : 4095), fn);
	snprintf(fb, sizeof fb, "%.*s", (int)(filelen < 4095 ? filelen : 4095), file);
	uint32_t f = cr_profile_function(r->p, nb, fb, 0);
	if (f == UINT32_MAX || !cr_hmap_put(&r->fncache, k->data, k->len, f, NULL))
		return UINT32_MAX;
	return f;
}

static enum cr_err push_line(struct rd *r, const char *fn, size_t fnlen, const char *file,
			     size_t filelen, int64_t line)
{
	uint32_t f = rd_function(r, fn, fnlen, file, filelen);
	if (f == UINT32_MAX || cr_grow(&r->lines, &r->cap_lines, r->nlines + 1, sizeof *r->lines))
		return CR_NOMEM;
	r->lines[r->nlines++] = (struct cr_line){ .function = f, .line = line };
	return CR_OK;
}

static enum cr_err push_loc(struct rd *r, uint32_t li)
{
	if (li == UINT32_MAX || cr_grow(&r->stk, &r->cap_stk, r->nstk + 1, sizeof *r->stk))
		return CR_NOMEM;
	r->stk[r->nstk++] = li;
	return CR_OK;
}

static enum cr_err push_label(struct rd *r, struct cr_label l)
{
	if (cr_grow(&r->labels, &r->cap_labels, r->nlabels + 1, sizeof *r->labels))
		return CR_NOMEM;
	r->labels[r->nlabels++] = l;
	return CR_OK;
}

static enum cr_err rd_init(struct rd *r, struct cr_profile *p, const char *name, const char *what,
			   struct cr_buf *warn, const char *type)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->name = name;
	r->what = what;
	r->warn = warn;
	cr_hmap_init(&r->locmap);
	cr_hmap_init(&r->fncache);
	cr_hmap_init(&r->atcache);
	p->name = name;
	if (cr_profile_add_type(p, type, "count"))
		return CR_NOMEM;
	p->period_type = p->types[0];
	p->period = 1;
	r->k_goid = cr_profile_intern_z(p, "goid");
	r->k_state = cr_profile_intern_z(p, "state");
	r->k_wait = cr_profile_intern_z(p, "wait");
	r->k_minutes = cr_profile_intern_z(p, "minutes");
	r->k_created_by = cr_profile_intern_z(p, "created_by");
	r->k_created_at = cr_profile_intern_z(p, "created_at");
	r->k_locked = cr_profile_intern_z(p, "locked_to_thread");
	r->k_elided = cr_profile_intern_z(p, "frames_elided");
	r->s_true = cr_profile_intern_z(p, "true");
	if (r->k_goid == UINT32_MAX || r->k_state == UINT32_MAX || r->k_wait == UINT32_MAX ||
	    r->k_minutes == UINT32_MAX || r->k_created_by == UINT32_MAX ||
	    r->k_created_at == UINT32_MAX || r->k_locked == UINT32_MAX ||
	    r->k_elided == UINT32_MAX || r->s_true == UINT32_MAX)
		return CR_NOMEM;
	return CR_OK;
}

static enum cr_err nomem(struct rd *r, struct cr_error *e)
{
	return cr_fail(e, CR_NOMEM, "%s: %s: out of memory (limit %zu MiB)", r->name, r->what,
		       cr_limits.max_memory >> 20);
}

/* ---------------------------------------------------------------- debug=1 */


struct pend {
	bool active;
	size_t lineno;
	int64_t count;
	uint64_t *addrs; size_t naddrs, cap_addrs;
	struct cr_cframe *frames; size_t nframes, cap_frames;
};


/* `# labels: {"k":"v", "k2":"v2"}` (fmt %v of a map of strings). */
static enum cr_err parse_labels(struct rd *r, const char *s, size_t n)
{
	size_t i = cr_skip_ws(s, n, strlen("# labels:"));
	if (i >= n || s[i] != '{')
		return CR_OK;
	i++;
	while (i < n && s[i] != '}') {
		i = cr_skip_ws(s, n, i);
		if (i >= n || s[i] != '"')
			return CR_OK;
		size_t ks = ++i;
		while (i < n && s[i] != '"')
			i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
		if (i >= n)
			return CR_OK;
		size_t ke = i++;
		if (i >= n || s[i] != ':' || i + 1 >= n || s[i + 1] != '"')
			return CR_OK;
		i += 2;
		size_t vs = i;
		while (i < n && s[i] != '"')
			i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
		if (i >= n)
			return CR_OK;
		size_t ve = i++;
		uint32_t k = cr_profile_intern(r->p, s + ks, ke - ks),
			 v = cr_profile_intern(r->p, s + vs, ve - vs);
		if (k == UINT32_MAX || v == UINT32_MAX || push_label(r, (struct cr_label){ .key = k, .str = v }))
			return CR_NOMEM;
		i = cr_skip_ws(s, n, i);
		if (i < n && s[i] == ',')
			i++;
	}
	return CR_OK;
}

static bool same_fn(const struct cr_cframe *a, const struct cr_cframe *b)
{
	return a->fnlen == b->fnlen && memcmp(a->fn, b->fn, a->fnlen) == 0;
}

static enum cr_err flush_count(struct rd *r, struct pend *pd)
{
	if (!pd->active)
		return CR_OK;
	pd->active = false;
	r->nstk = 0;
	/* match each pc with its `#` frame, in order */
	size_t cur = 0, *match = NULL;
	enum cr_err rc = CR_NOMEM;
	match = cr_calloc(pd->naddrs ? pd->naddrs : 1, sizeof *match);
	if (!match)
		return CR_NOMEM;
	size_t last_named = SIZE_MAX;
	for (size_t a = 0; a < pd->naddrs; a++) {
		match[a] = SIZE_MAX;
		for (size_t f = cur; f < pd->nframes; f++)
			if (pd->frames[f].pc == pd->addrs[a] - 1 || pd->frames[f].pc == pd->addrs[a]) {
				match[a] = f;
				cur = f + 1;
				last_named = a;
				break;
			}
	}
	for (size_t a = 0; a < pd->naddrs;) {
		if (match[a] == SIZE_MAX) {
			if (last_named != SIZE_MAX && a > last_named)
				break; /* the hidden runtime.goexit */
			r->nlines = 0;
			if (push_loc(r, rd_location(r, pd->addrs[a] - 1)))
				goto out;
			a++;
			continue;
		}
		/* a run of pcs in one physical function: inlined frames */
		size_t b = a;
		while (b + 1 < pd->naddrs && match[b + 1] != SIZE_MAX &&
		       pd->frames[match[b + 1]].entry == pd->frames[match[a]].entry) {
			bool dup = false;
			for (size_t k = a; k <= b; k++)
				if (same_fn(&pd->frames[match[k]], &pd->frames[match[b + 1]]))
					dup = true;
			if (dup)
				break;
			b++;
		}
		r->nlines = 0;
		for (size_t k = a; k <= b; k++) {
			const struct cr_cframe *f = &pd->frames[match[k]];
			if (push_line(r, f->fn, f->fnlen, f->file, f->filelen, f->line))
				goto out;
		}
		if (push_loc(r, rd_location(r, pd->addrs[a] - 1)))
			goto out;
		a = b + 1;
	}
	rc = cr_profile_add_sample(r->p, r->stk, r->nstk, &pd->count, r->labels, r->nlabels);
out:
	cr_free(match);
	r->nlabels = 0;
	return rc;
}

enum cr_err cr_profile_read_goroutine_text(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, struct cr_buf *warn,
					   struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut, header = false;
	struct rd r;
	struct pend pd;
	enum cr_err rc = CR_OK;
	int64_t total = 0;
	memset(&pd, 0, sizeof pd);
	memset(&r, 0, sizeof r);
	cr_hmap_init(&r.locmap);
	p->source = CR_SRC_GOROUTINE_TEXT;
	cr_lines_init(&it, data, len);
	/* pprof: comments and blank lines may precede "TYPE profile: total N" */
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		size_t k = cr_skip_ws(s, n, 0);
		if (k == n || s[k] == '#')
			continue;
		size_t sp = 0;
		while (sp < n && s[sp] != ' ' && s[sp] != '\t')
			sp++;
		size_t j = sp;
		if (sp > 0 && sp < 64 && cr_starts(s + sp, n - sp, " profile: total ") &&
		    (j = sp + strlen(" profile: total "), cr_parse_i64(s, n, &j, &total)) && j == n &&
		    total >= 0) {
			char type[64];
			snprintf(type, sizeof type, "%.*s", (int)sp, s);
			cr_hmap_release(&r.locmap);
			if (rd_init(&r, p, name, "goroutine profile", warn, type))
				goto nomem;
			header = true;
		}
		break;
	}
	if (!header) {
		rc = cr_fail(e, CR_FORMAT, "%s: goroutine profile: line %zu: missing 'goroutine profile: total N' header",
			     name, it.lineno ? it.lineno : 1);
		goto out;
	}
	if (cr_profile_add_extra(p, "goroutine_total", total))
		goto nomem;
	p->drop_frames = cr_profile_intern_z(p, count_drop_frames);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (cut) {
			warnf(&r, it.lineno, "longer than the line limit, skipped%s", "");
			continue;
		}
		size_t k = cr_skip_ws(s, n, 0);
		s += k;
		n -= k;
		if (n == 0)
			continue;
		if (s[0] == '#') {
			if (!pd.active)
				continue;
			if (cr_starts(s, n, "# labels:")) {
				if (parse_labels(&r, s, n))
					goto nomem;
				continue;
			}
			struct cr_cframe f;
			if (cr_parse_comment_frame(s, n, &f)) {
				if (pd.nframes >= cr_limits.max_frames) {
					warnf(&r, it.lineno, "more frames than the limit, frame skipped%s", "");
					continue;
				}
				if (cr_grow(&pd.frames, &pd.cap_frames, pd.nframes + 1, sizeof f))
					goto nomem;
				pd.frames[pd.nframes++] = f;
			}
			continue;
		}
		if (cr_starts(s, n, "---"))
			break; /* pprof: additional sections (memory map) follow */
		if ((rc = flush_count(&r, &pd)))
			goto nomem;
		/* "N @ 0x... 0x..." */
		size_t j = 0;
		int64_t count;
		if (!cr_parse_i64(s, n, &j, &count) || count < 0 || j + 2 > n || s[j] != ' ' || s[j + 1] != '@') {
			warnf(&r, it.lineno, "not a 'COUNT @ ADDRESSES' line, skipped%s", "");
			continue;
		}
		if (count > ((int64_t)1 << 40)) {
			warnf(&r, it.lineno, "absurd goroutine count, skipped%s", "");
			continue;
		}
		j += 2;
		pd.naddrs = 0;
		pd.nframes = 0;
		bool bad = false;
		for (;;) {
			j = cr_skip_ws(s, n, j);
			if (j >= n)
				break;
			uint64_t a;
			if (!cr_parse_hex(s, n, &j, &a) || a == 0 || (j < n && s[j] != ' ' && s[j] != '\t')) {
				bad = true;
				break;
			}
			if (pd.naddrs >= cr_limits.max_frames)
				break; /* keep the leaf side, as the runtime does */
			if (cr_grow(&pd.addrs, &pd.cap_addrs, pd.naddrs + 1, sizeof a))
				goto nomem;
			pd.addrs[pd.naddrs++] = a;
		}
		if (bad) {
			warnf(&r, it.lineno, "bad address in the stack, line skipped%s", "");
			continue;
		}
		pd.count = count;
		pd.lineno = it.lineno;
		pd.active = true;
	}
	if ((rc = flush_count(&r, &pd)))
		goto nomem;
	warn_summary(&r);
	if (p->nsamples == 0 && total > 0) {
		rc = cr_fail(e, CR_EMPTY, "%s: goroutine profile: no stacks found (header says %lld goroutines)",
			     name, (long long)total);
		goto out;
	}
	rc = cr_profile_prune(p, e);
	goto out;
nomem:
	rc = nomem(&r, e);
out:
	cr_free(pd.addrs);
	cr_free(pd.frames);
	rd_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- tracebacks */

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
	int64_t goid, wait;
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
			if (push_line(r, f->fn, f->fnlen, f->file, f->filelen, f->line))
				return CR_NOMEM;
		}
		uint64_t pc = g->frames[b].pc;
		if (push_loc(r, rd_location(r, pc ? pc - 1 : 0)))
			return CR_NOMEM;
		a = b + 1;
	}
	struct cr_profile *p = r->p;
	uint32_t st = cr_profile_intern(p, g->state, g->statelen);
	if (st == UINT32_MAX || push_label(r, (struct cr_label){ .key = r->k_goid, .num = g->goid }) ||
	    (st && push_label(r, (struct cr_label){ .key = r->k_state, .str = st })))
		return CR_NOMEM;
	if (g->has_wait &&
	    push_label(r, (struct cr_label){ .key = r->k_wait, .num = g->wait, .num_unit = r->k_minutes }))
		return CR_NOMEM;
	if (g->cbylen) {
		uint32_t c = cr_profile_intern(p, g->cby, g->cbylen);
		if (c == UINT32_MAX || push_label(r, (struct cr_label){ .key = r->k_created_by, .str = c }))
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
			if (push_label(r, (struct cr_label){ .key = r->k_created_at, .str = ca }))
				return CR_NOMEM;
		}
	}
	if (g->locked && push_label(r, (struct cr_label){ .key = r->k_locked, .str = r->s_true }))
		return CR_NOMEM;
	if (g->elided && push_label(r, (struct cr_label){ .key = r->k_elided, .num = 1 }))
		return CR_NOMEM;
	int64_t one = 1;
	return cr_profile_add_sample(p, r->stk, r->nstk, &one, r->labels, r->nlabels);
}

static bool is_elided(const char *s, size_t n)
{
	return n > 6 && cr_starts(s, n, "...") && memcmp(s + n - 3, "...", 3) == 0 &&
	       find(s, n, "elided") != SIZE_MAX;
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
				  const char *name, struct cr_buf *warn, struct cr_error *e);

enum cr_err cr_profile_read_traceback(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_buf *warn,
				      struct cr_error *e)
{
	struct logprefix lp;
	if (!find_prefix(data, len, &lp))
		return read_traceback(p, data, len, name, warn, e);
	unsigned char *copy = cr_malloc(len ? len : 1);
	if (!copy)
		return cr_fail(e, CR_NOMEM, "%s: traceback: out of memory (limit %zu MiB)", name,
			       cr_limits.max_memory >> 20);
	size_t out = 0, cut = 0;
	const char *d = (const char *)data;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(d + i, '\n', len - i);
		size_t e2 = nl ? (size_t)(nl - d) : len;
		size_t k = prefix_len(&lp, d + i, e2 - i);
		cut += k > 0;
		memcpy(copy + out, d + i + k, e2 - i - k);
		out += e2 - i - k;
		if (nl)
			copy[out++] = '\n';
		i = e2 + 1;
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
	enum cr_err rc = read_traceback(p, copy, out, name, warn, e);
	cr_free(copy);
	return rc;
}

static enum cr_err read_traceback(struct cr_profile *p, const unsigned char *data, size_t len,
				  const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	struct rd r;
	struct gor g;
	enum cr_err rc = CR_OK;
	memset(&g, 0, sizeof g);
	p->source = CR_SRC_TRACEBACK;
	if (rd_init(&r, p, name, "traceback", warn, "goroutine"))
		goto nomem;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (cut) {
			if (g.active)
				warnf(&r, it.lineno, "longer than the line limit, skipped%s", "");
			continue;
		}
		if (n > 10 && s[0] == 'g' && cr_starts(s, n, "goroutine ")) {
			struct gor h = g;
			bool complete;
			if (parse_header(s, n, &h, &complete)) {
				if (g.active) {
					if (g.want_file || g.want_cfile)
						warnf(&r, it.lineno - 1, "goroutine cut short before this line%s", "");
					if ((rc = emit_goroutine(&r, &g)))
						goto nomem;
				}
				g = h;
				g.active = true;
				g.skip = false;
				g.lineno = it.lineno;
				g.nframes = 0;
				g.cbylen = g.catlen = 0;
				g.want_file = g.want_cfile = g.swallow = false;
				if (!complete)
					warnf(&r, it.lineno, "goroutine header without ']:' (state may be cut)%s", "");
				continue;
			}
		}
		if (!g.active) {
			if (!is_reason(s, n))
				continue;
			if (cr_grow(&p->comments, &p->cap_comments, p->ncomments + 1, sizeof *p->comments))
				goto nomem;
			uint32_t c = cr_profile_intern(p, s, n > 4096 ? 4096 : n);
			if (c == UINT32_MAX)
				goto nomem;
			p->comments[p->ncomments++] = c;
			continue;
		}
		if (n == 0) {
			if (g.want_file || g.want_cfile)
				warnf(&r, it.lineno, "frame without its file:line before this blank line%s", "");
			if ((rc = emit_goroutine(&r, &g)))
				goto nomem;
			continue;
		}
		if (g.skip)
			continue;
		if (s[0] == '\t' || s[0] == ' ') {
			const char *file;
			size_t filelen;
			int64_t line;
			uint64_t pc;
			bool has_off;
			if (g.swallow) {
				g.swallow = false;
				continue;
			}
			if (g.want_file) {
				g.want_file = false;
				struct tframe *f = &g.frames[g.nframes - 1];
				if (!parse_fileline(s, n, &file, &filelen, &line, &pc, &has_off)) {
					warnf(&r, it.lineno, "not a 'file:line' line%s", "");
					continue;
				}
				f->file = file;
				f->filelen = filelen;
				f->line = line;
				f->pc = pc;
				/* an inlined frame has "(...)" and no +0x offset */
				f->inlined = f->inlined && !has_off;
				continue;
			}
			if (g.want_cfile) {
				g.want_cfile = false;
				if (parse_fileline(s, n, &file, &filelen, &line, &pc, &has_off)) {
					g.cat = file;
					g.catlen = filelen;
					g.catline = line;
				} else {
					warnf(&r, it.lineno, "not a 'file:line' line after 'created by'%s", "");
				}
				continue;
			}
			size_t k = cr_skip_ws(s, n, 0);
			if (cr_starts(s + k, n - k, "goroutine running on other thread") ||
			    cr_starts(s + k, n - k, "..."))
				continue;
			warnf(&r, it.lineno, "unexpected indented line, skipped%s", "");
			continue;
		}
		if (g.want_file) {
			warnf(&r, it.lineno - 1, "frame without its file:line%s", "");
			g.want_file = false;
		}
		g.want_cfile = g.swallow = false;
		if (cr_starts(s, n, "created by ")) {
			size_t a = strlen("created by "), b = n;
			size_t in = find(s + a, n - a, " in goroutine ");
			if (in != SIZE_MAX)
				b = a + in;
			g.cby = s + a;
			g.cbylen = b - a;
			g.want_cfile = true;
			continue;
		}
		if (cr_starts(s, n, "...")) {
			if (is_elided(s, n))
				g.elided = true;
			else
				warnf(&r, it.lineno, "unexpected line, skipped%s", "");
			continue;
		}
		if (cr_starts(s, n, "[originating from goroutine")) {
			g.skip = true; /* GODEBUG=tracebackancestors: not this goroutine's stack */
			continue;
		}
		/* a function line: NAME(ARGS) */
		if (s[n - 1] != ')') {
			warnf(&r, it.lineno, "not a frame line, skipped%s", "");
			continue;
		}
		size_t lp = SIZE_MAX;
		for (size_t k = n - 1; k > 0; k--)
			if (s[k] == '(') {
				lp = k;
				break;
			}
		if (lp == SIZE_MAX || lp == 0) {
			warnf(&r, it.lineno, "not a frame line, skipped%s", "");
			continue;
		}
		if (g.nframes >= cr_limits.max_frames) {
			g.elided = true;
			g.swallow = true;
			continue;
		}
		if (cr_grow(&g.frames, &g.cap_frames, g.nframes + 1, sizeof *g.frames))
			goto nomem;
		struct tframe *f = &g.frames[g.nframes++];
		memset(f, 0, sizeof *f);
		f->fn = s;
		f->fnlen = lp;
		f->inlined = n - lp == 5 && memcmp(s + lp, "(...)", 5) == 0;
		g.want_file = true;
	}
	if (g.active) {
		if (g.want_file || g.want_cfile)
			warnf(&r, it.lineno, "input ends inside a goroutine (truncated)%s", "");
		if ((rc = emit_goroutine(&r, &g)))
			goto nomem;
	}
	warn_summary(&r);
	if (p->nsamples == 0) {
		rc = cr_fail(e, CR_EMPTY, "%s: traceback: no goroutine found", name);
		goto out;
	}
	goto out;
nomem:
	rc = nomem(&r, e);
out:
	cr_free(g.frames);
	rd_release(&r);
	return rc;
}
