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
#include "coroner/goroutine.h"
#include "coroner/profile.h"
#include "coroner/text.h"
#include "frames.h"
#include "goroutine_int.h"
#include "legacy_int.h"

#include <stdio.h>
#include <string.h>


/* Offset of needle in s[0..n), or SIZE_MAX. */
size_t rd_find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0)
			return i;
	return SIZE_MAX;
}


void rd_warnf(struct rd *r, size_t lineno, const char *fmt, const char *arg)
{
	r->nwarn++;
	if (!r->warn || r->nwarn > MAX_WARN)
		return;
	cr_buf_addf(r->warn, "%s: %s: line %zu: ", r->name, r->what, lineno);
	cr_buf_addf(r->warn, fmt, arg);
	cr_buf_add(r->warn, "\n", 1);
}

void rd_warn_summary(struct rd *r)
{
	if (r->warn && r->nwarn > MAX_WARN)
		cr_buf_addf(r->warn, "%s: %s: %zu more lines skipped\n", r->name, r->what,
			    r->nwarn - MAX_WARN);
}

void rd_release(struct rd *r)
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
uint32_t rd_location(struct rd *r, uint64_t address)
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
uint32_t rd_function(struct rd *r, const char *fn, size_t fnlen, const char *file,
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

enum cr_err rd_push_line(struct rd *r, const char *fn, size_t fnlen, const char *file,
			 size_t filelen, int64_t line)
{
	uint32_t f = rd_function(r, fn, fnlen, file, filelen);
	if (f == UINT32_MAX || cr_grow(&r->lines, &r->cap_lines, r->nlines + 1, sizeof *r->lines))
		return CR_NOMEM;
	r->lines[r->nlines++] = (struct cr_line){ .function = f, .line = line };
	return CR_OK;
}

enum cr_err rd_push_loc(struct rd *r, uint32_t li)
{
	if (li == UINT32_MAX || cr_grow(&r->stk, &r->cap_stk, r->nstk + 1, sizeof *r->stk))
		return CR_NOMEM;
	r->stk[r->nstk++] = li;
	return CR_OK;
}

enum cr_err rd_push_label(struct rd *r, struct cr_label l)
{
	if (cr_grow(&r->labels, &r->cap_labels, r->nlabels + 1, sizeof *r->labels))
		return CR_NOMEM;
	r->labels[r->nlabels++] = l;
	return CR_OK;
}

enum cr_err rd_init(struct rd *r, struct cr_profile *p, const char *name, const char *what,
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

enum cr_err rd_nomem(struct rd *r, struct cr_error *e)
{
	return cr_fail(e, CR_NOMEM, "%s: %s: out of memory (limit %zu MiB)", r->name, r->what,
		       cr_limits.max_memory >> 20);
}


/* ---------------------------------------------------------------- debug=1 */


struct pend {
	bool active;
	size_t lineno;
	int64_t count[2];    /* the sample's values (ntypes of them) */
	uint64_t *addrs; size_t naddrs, cap_addrs;
	struct cr_comment_frame *frames; size_t nframes, cap_frames;
};


/* The stack "0x... 0x..." of a record line from s[j] on, into pd (frames
 * past the cap dropped on the root side, as the runtime does). Returns 1
 * for a token that is no address (the line is skipped), -1 on NOMEM. */
static int read_addrs(struct pend *pd, const char *s, size_t n, size_t j)
{
	pd->naddrs = 0;
	pd->nframes = 0;
	for (;;) {
		j = cr_skip_ws(s, n, j);
		if (j >= n)
			return 0;
		uint64_t a;
		if (!cr_parse_hex(s, n, &j, &a) || (j < n && s[j] != ' ' && s[j] != '\t'))
			return 1;
		if (pd->naddrs >= cr_limits.max_frames)
			return 0;
		if (cr_grow(&pd->addrs, &pd->cap_addrs, pd->naddrs + 1, sizeof a))
			return -1;
		pd->addrs[pd->naddrs++] = a;
	}
}

/* read_addrs for the line numbered lineno, a bad address warned about:
 * -1 out of memory, 1 skip the line, 0 the stack is in pd. */
static int read_addrs_or_warn(struct rd *r, struct pend *pd, const char *s, size_t n, size_t j, size_t lineno)
{
	int bad = read_addrs(pd, s, n, j);
	if (bad > 0)
		rd_warnf(r, lineno, "bad address in the stack, line skipped%s", "");
	return bad;
}

/* Whether a record reader looks at this line: one cut at the line limit is
 * warned about and skipped, a blank one skipped; s, n lose the indentation. */
static bool record_line(struct rd *r, size_t lineno, bool cut, const char **s, size_t *n)
{
	if (cut) {
		rd_warnf(r, lineno, "longer than the line limit, skipped%s", "");
		return false;
	}
	return cr_trim_left(s, n);
}

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
		if (k == UINT32_MAX || v == UINT32_MAX || rd_push_label(r, (struct cr_label){ .key = k, .str = v }))
			return CR_NOMEM;
		i = cr_skip_ws(s, n, i);
		if (i < n && s[i] == ',')
			i++;
	}
	return CR_OK;
}

static bool same_fn(const struct cr_comment_frame *a, const struct cr_comment_frame *b)
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
		if (cr_profile_addresses_only)
			continue; /* pprof's parse: every pc a location, no names */
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
			if (rd_push_loc(r, rd_location(r, pd->addrs[a] - 1)))
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
			const struct cr_comment_frame *f = &pd->frames[match[k]];
			if (rd_push_line(r, f->fn, f->fnlen, f->file, f->filelen, f->line))
				goto out;
		}
		if (rd_push_loc(r, rd_location(r, pd->addrs[a] - 1)))
			goto out;
		a = b + 1;
	}
	rc = cr_profile_add_sample(r->p, r->stk, r->nstk, pd->count, r->labels, r->nlabels);
out:
	cr_free(match);
	r->nlabels = 0;
	return rc;
}

/* After a debug=1 reader's last line: its pending record, the summary of
 * its warnings, pprof's pruning. */
static enum cr_err pend_end(struct rd *r, struct pend *pd, struct cr_profile *p, struct cr_error *e)
{
	if (flush_count(r, pd))
		return rd_nomem(r, e);
	rd_warn_summary(r);
	return cr_profile_prune(p, e);
}

/* A debug=1 reader's end: frees pd and r, returns rc (CR_NOMEM with the
 * reader's out-of-memory message unless e holds one already). */
static enum cr_err pend_close(struct rd *r, struct pend *pd, enum cr_err rc, struct cr_error *e)
{
	if (rc == CR_NOMEM)
		rc = rd_nomem(r, e);
	cr_free(pd->addrs);
	cr_free(pd->frames);
	rd_release(r);
	return rc;
}

enum cr_err cr_profile_read_goroutine_text(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, struct cr_buf *warn,
					   struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut, header = false, seen_end = false;
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
	p->drop_frames = cr_profile_intern_z(p, cr_cpu_drop_frames);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (!record_line(&r, it.lineno, cut, &s, &n))
			continue;
		if (s[0] == '#') {
			if (!pd.active)
				continue;
			if (cr_starts(s, n, "# labels:")) {
				if (parse_labels(&r, s, n))
					goto nomem;
				continue;
			}
			int added = cr_comment_frame_add(s, n, &pd.frames, &pd.nframes, &pd.cap_frames,
							 cr_limits.max_frames);
			if (added < 0)
				goto nomem;
			if (added == 2)
				rd_warnf(&r, it.lineno, "more frames than the limit, frame skipped%s", "");
			continue;
		}
		if (cr_starts(s, n, "---")) {
			seen_end = true;
			break; /* pprof: additional sections (memory map) follow */
		}
		if ((rc = flush_count(&r, &pd)))
			goto nomem;
		/* "N @ 0x... 0x..." */
		size_t j = 0;
		int64_t count;
		bool counted = cr_parse_i64(s, n, &j, &count) && count >= 0 && j + 2 <= n && s[j] == ' ' && s[j + 1] == '@';
		if (counted && cr_profile_addresses_only) {
			int bad = read_addrs(&pd, s, n, j + 2);
			if (bad < 0)
				goto nomem;
			counted = !bad && pd.naddrs > 0;
		}
		if (!counted && cr_profile_addresses_only) {
			/* pprof's parse takes "COUNT @ 0x..." lines only (Go before
			 * 1.26 writes "7 @" for threads of unknown origin) and refuses
			 * the file on any other */
			rc = cr_fail(e, CR_FORMAT, "%s: %s profile: line %zu: malformed profile format (not 'COUNT @ ADDRESSES')",
				     name, cr_profile_str(p, p->types[0].type), it.lineno);
			goto out;
		}
		if (!counted) {
			rd_warnf(&r, it.lineno, "not a 'COUNT @ ADDRESSES' line, skipped%s", "");
			continue;
		}
		if (count > ((int64_t)1 << 40)) {
			rd_warnf(&r, it.lineno, "absurd goroutine count, skipped%s", "");
			continue;
		}
		j += 2;
		int bad = read_addrs_or_warn(&r, &pd, s, n, j, it.lineno);
		if (bad < 0)
			goto nomem;
		if (bad)
			continue;
		pd.count[0] = count;
		pd.lineno = it.lineno;
		pd.active = true;
	}
	if (cr_profile_addresses_only) {
		/* pprof's parse: the memory map after its sentinel, else one
		 * mapping holding every address */
		while (seen_end && !cr_legacy_maps_sentinel(s, n))
			seen_end = cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut);
		if (flush_count(&r, &pd) || cr_legacy_maps(p, seen_end ? it.p : "", seen_end ? (size_t)(it.end - it.p) : 0))
			goto nomem;
	}
	if (!(rc = pend_end(&r, &pd, p, e)) && p->nsamples == 0 && total > 0)
		rc = cr_fail(e, CR_EMPTY, "%s: goroutine profile: no stacks found (header says %lld goroutines)",
			     name, (long long)total);
	goto out;
nomem:
	rc = CR_NOMEM;
out:
	return pend_close(&r, &pd, rc, e);
}

/* ---------------------------------------------------------------- contention */

bool cr_contention_header(const char *s, size_t n)
{
	return cr_starts(s, n, "--- mutex:") || cr_starts(s, n, "--- contention:") ||
	       cr_starts(s, n, "--- contentionz ");
}

/* "KEY=VALUE" (spaces around either allowed): value parsed as pprof's
 * strconv.ParseInt(v, 0, 64); false when the line has no '='. */
static bool attr_line(const char *s, size_t n, const char **key, size_t *keylen, int64_t *v, bool *num)
{
	const char *eq = memchr(s, '=', n);
	if (!eq)
		return false;
	size_t kl = (size_t)(eq - s);
	while (kl > 0 && (s[kl - 1] == ' ' || s[kl - 1] == '\t'))
		kl--;
	*key = s;
	*keylen = kl;
	size_t j = cr_skip_ws(s, n, (size_t)(eq - s) + 1), e = n;
	while (e > j && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
		e--;
	*num = false;
	if (e > j + 2 && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
		uint64_t u;
		size_t q = j;
		*num = cr_parse_hex(s, e, &q, &u) && q == e && u <= INT64_MAX;
		*v = (int64_t)u;
	} else {
		size_t q = j;
		*num = cr_parse_i64(s, e, &q, v) && q == e;
	}
	return true;
}

static bool key_is(const char *k, size_t kl, const char *want)
{
	return kl == strlen(want) && memcmp(k, want, kl) == 0;
}

/* Go's debug=1 mutex and block profiles ("--- mutex:", "--- contention:")
 * and C++ contentionz text, read as pprof's legacy parser reads them
 * (sample types contentions/count, delay/nanoseconds; values unsampled by
 * the sampling period and turned from cycles into nanoseconds with
 * cycles/second), with the `#` frame lines runtime/pprof writes naming the
 * addresses as in the goroutine profile. */
enum cr_err cr_profile_read_contention(struct cr_profile *p, const unsigned char *data, size_t len,
				       const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	struct rd r;
	struct pend pd;
	enum cr_err rc = CR_OK;
	int64_t cpuhz = 0, period = 1;
	memset(&pd, 0, sizeof pd);
	p->source = CR_SRC_OTHER;
	if (rd_init(&r, p, name, "contention profile", warn, "contentions"))
		goto nomem;
	if (cr_profile_add_type(p, "delay", "nanoseconds"))
		goto nomem;
	p->period_type = p->types[0];
	cr_lines_init(&it, data, len);
	if (!cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut) || cut || !cr_contention_header(s, n)) {
		rc = cr_fail(e, CR_FORMAT, "%s: contention profile: line 1: not a '--- mutex:' or '--- contention:' header", name);
		goto out;
	}
	/* "attribute = value" lines before the samples */
	bool have_line = false;
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		size_t k = cr_skip_ws(s, n, 0);
		if (cut || k == n || s[k] == '#')
			continue;
		const char *key;
		size_t kl;
		int64_t v;
		bool num;
		if (cr_starts(s + k, n - k, "---") || !attr_line(s + k, n - k, &key, &kl, &v, &num)) {
			have_line = true;
			break;
		}
		if (key_is(key, kl, "cycles/second") || key_is(key, kl, "sampling period") ||
		    key_is(key, kl, "ms since reset")) {
			if (!num || v < 0) {
				rc = cr_fail(e, CR_FORMAT, "%s: contention profile: line %zu: '%.*s' is not a number", name,
					     it.lineno, (int)kl, key);
				goto out;
			}
			if (key_is(key, kl, "cycles/second"))
				cpuhz = v;
			else if (key_is(key, kl, "sampling period"))
				period = v;
			else if (v <= INT64_MAX / 1000000)
				p->duration_nanos = v * 1000000;
		} else if (!key_is(key, kl, "discarded samples")) {
			rc = cr_fail(e, CR_UNSUPPORTED, "%s: contention profile: line %zu: unknown attribute '%.*s' (pprof refuses it too)",
				     name, it.lineno, (int)(kl < 64 ? kl : 64), key);
			goto out;
		}
	}
	p->period = period;
	p->drop_frames = cr_profile_intern_z(p, cr_lock_drop_frames);
	if (p->drop_frames == UINT32_MAX)
		goto nomem;
	while (have_line || cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		have_line = false;
		if (!record_line(&r, it.lineno, cut, &s, &n))
			continue;
		if (s[0] == '#') {
			if (pd.active && cr_comment_frame_add(s, n, &pd.frames, &pd.nframes, &pd.cap_frames,
							      cr_limits.max_frames) < 0)
				goto nomem;
			continue;
		}
		if (cr_starts(s, n, "---")) {
			/* pprof: additional sections, the memory map last */
			have_line = true;
			break;
		}
		if ((rc = flush_count(&r, &pd)))
			goto nomem;
		/* "CYCLES COUNT @ 0x... 0x..." */
		size_t j = 0;
		int64_t cyc, cnt;
		if (!cr_parse_i64(s, n, &j, &cyc) || cyc < 0 || (j = cr_skip_ws(s, n, j), !cr_parse_i64(s, n, &j, &cnt)) ||
		    cnt < 0 || (j = cr_skip_ws(s, n, j), j >= n || s[j] != '@')) {
			rd_warnf(&r, it.lineno, "not a 'CYCLES COUNT @ ADDRESSES' line, skipped%s", "");
			continue;
		}
		j++;
		int bad = read_addrs_or_warn(&r, &pd, s, n, j, it.lineno);
		if (bad < 0)
			goto nomem;
		if (bad)
			continue;
		/* pprof's unsampling: delay in cycles -> ns, both times the period */
		if (period > 0) {
			if (cpuhz > 0) {
				double d = (double)cyc * (double)period / ((double)cpuhz / 1e9);
				cyc = d >= 9.2e18 ? INT64_MAX : (int64_t)d;
			}
			if (__builtin_mul_overflow(cnt, period, &cnt))
				cnt = INT64_MAX;
		}
		pd.count[0] = cnt;
		pd.count[1] = cyc;
		pd.lineno = it.lineno;
		pd.active = true;
	}
	if ((rc = flush_count(&r, &pd)))
		goto nomem;
	while (have_line && !cr_legacy_maps_sentinel(s, n))
		have_line = cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut);
	if ((have_line || cr_profile_addresses_only) &&
	    cr_legacy_maps(p, have_line ? it.p : "", have_line ? (size_t)(it.end - it.p) : 0))
		goto nomem; /* pprof's parse gives no memory map one mapping for all */
	return pend_close(&r, &pd, pend_end(&r, &pd, p, e), e);
nomem:
	rc = CR_NOMEM;
out:
	return pend_close(&r, &pd, rc, e);
}

/* ---------------------------------------------------------------- tracebacks */
