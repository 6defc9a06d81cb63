/* Legacy profile formats, read as pprof's legacy parser reads them (the
 * formats are described in docs/coroner-inputs.md):
 *
 *  - gperftools CPU profiles (binary words of 4 or 8 bytes, either byte
 *    order; a header of 0, 3, 0 (C++) or 1 (Java), the period in
 *    microseconds, 0; then COUNT DEPTH PC... records up to 0 1 0; then the
 *    text memory map, or, for Java, the "0xADDR frame" lines);
 *  - threadz text ("--- threadz 1 ---", "--- Thread ID (name: N/TID) stack:
 *    ---" and the hex addresses of each thread's stack);
 *  - Java heapz and contentionz text ("--- heapz 1 ---", attributes,
 *    "VALUE COUNT @ 0x..." records, then "0xADDR frame (file:line)" lines).
 *
 * Stacks are leaf first; a caller's return address is moved back one byte
 * onto its call (not the leaf's, and never in Java profiles).
 */
#include "coroner/profile.h"
#include "coroner/text.h"
#include "legacy_int.h"

#include <stdio.h>
#include <string.h>

/* pprof's cpuProfilerRxStr and lockRxStr */
const char cr_cpu_drop_frames[] =
	"ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|"
	"__pthread_sighandler|__restore";
const char cr_lock_drop_frames[] =
	"RecordLockProfileData|(base::)?RecordLockProfileData.*|(base::)?SubmitMutexProfileData.*|"
	"(base::)?SubmitSpinLockProfileData.*|(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|"
	"(base::Mutex::)?UnlockSlow.*|(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|"
	"(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|"
	"(MutexLock::)?~MutexLock.*|(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|"
	"(SpinLockHolder::)?~SpinLockHolder.*";

/* ---------------------------------------------------------------- samples */

/* Samples gathered as address lists first: pprof rewrites stacks (frames
 * stripped, duplicates removed) before the locations exist. */
struct lsamp {
	size_t start, n;
	int64_t v[2];
	int64_t bytes; /* the "bytes" label (Java heap); 0 = none */
};
struct lset {
	uint64_t *a; size_t na, cap_a;
	struct lsamp *s; size_t ns, cap_s;
	uint32_t *stk; size_t cap_stk;
	struct cr_hmap locs; /* address -> location index */
};

static void lset_release(struct lset *l)
{
	cr_free(l->a);
	cr_free(l->s);
	cr_free(l->stk);
	cr_hmap_release(&l->locs);
}

static enum cr_err lset_addr(struct lset *l, uint64_t a)
{
	if (cr_grow(&l->a, &l->cap_a, l->na + 1, sizeof *l->a))
		return CR_NOMEM;
	l->a[l->na++] = a;
	return CR_OK;
}

static enum cr_err lset_sample(struct lset *l, size_t start, int64_t v0, int64_t v1, int64_t bytes)
{
	if (cr_grow(&l->s, &l->cap_s, l->ns + 1, sizeof *l->s))
		return CR_NOMEM;
	l->s[l->ns++] = (struct lsamp){ start, l->na - start, { v0, v1 }, bytes };
	return CR_OK;
}

/* drop frame k of sample s */
static void lset_drop(struct lset *l, struct lsamp *s, size_t k)
{
	memmove(&l->a[s->start + k], &l->a[s->start + k + 1], (s->n - k - 1) * sizeof *l->a);
	s->n--;
}

/* One location per distinct address, in order of first use (pprof's ids). */
static enum cr_err lset_locations(struct cr_profile *p, struct lset *l)
{
	for (size_t i = 0; i < l->ns; i++)
		for (size_t k = 0; k < l->s[i].n; k++) {
			uint64_t a = l->a[l->s[i].start + k];
			bool found;
			uint32_t *v = cr_hmap_put(&l->locs, &a, sizeof a, (uint32_t)p->nlocations, &found);
			if (!v)
				return CR_NOMEM;
			if (!found && cr_profile_add_location(p, p->nlocations + 1, a, 0, NULL, 0) == UINT32_MAX)
				return CR_NOMEM;
		}
	return CR_OK;
}

static enum cr_err lset_emit(struct cr_profile *p, struct lset *l, size_t nvals)
{
	uint32_t kb = 0;
	for (size_t i = 0; i < l->ns; i++) {
		struct lsamp *s = &l->s[i];
		if (cr_grow(&l->stk, &l->cap_stk, s->n ? s->n : 1, sizeof *l->stk))
			return CR_NOMEM;
		for (size_t k = 0; k < s->n; k++) {
			uint64_t a = l->a[s->start + k];
			uint32_t *v = cr_hmap_get(&l->locs, &a, sizeof a);
			if (!v)
				return CR_NOMEM; /* cannot happen: lset_locations saw it */
			l->stk[k] = *v;
		}
		struct cr_label lab = { 0 };
		size_t nl = 0;
		if (s->bytes) {
			if (!kb && (kb = cr_profile_intern_z(p, "bytes")) == UINT32_MAX)
				return CR_NOMEM;
			lab = (struct cr_label){ .key = kb, .num = s->bytes }; /* no unit, as pprof */
			nl = 1;
		}
		int64_t v[2] = { s->v[0], s->v[1] };
		if (nvals == 1)
			v[0] = s->v[0];
		if (cr_profile_add_sample(p, l->stk, s->n, v, nl ? &lab : NULL, nl))
			return CR_NOMEM;
	}
	return CR_OK;
}

/* pprof's cleanupDuplicateLocations: a leaf taken from the signal context
 * and again, one byte back, from unwinding */
static void drop_duplicate_leaf(struct lset *l)
{
	for (size_t i = 0; i < l->ns; i++) {
		struct lsamp *s = &l->s[i];
		if (s->n > 1 && l->a[s->start] == l->a[s->start + 1] + 1)
			lset_drop(l, s, 1);
	}
}

/* The end of reading a CPU-like profile: l's locations into p, the memory
 * map (maps, n bytes) as its mappings, duplicate leaves dropped, nvals
 * values a sample, pprof's CPU drop_frames. CR_NOMEM or CR_OK. */
static enum cr_err lset_finish_cpu(struct cr_profile *p, struct lset *l, const char *maps, size_t n, size_t nvals)
{
	if (lset_locations(p, l) || cr_legacy_maps(p, maps, n))
		return CR_NOMEM;
	drop_duplicate_leaf(l);
	if (lset_emit(p, l, nvals))
		return CR_NOMEM;
	p->drop_frames = cr_profile_intern_z(p, cr_cpu_drop_frames);
	return p->drop_frames == UINT32_MAX ? CR_NOMEM : CR_OK;
}

static enum cr_err nomem(const char *name, const char *what, struct cr_error *e)
{
	return cr_fail(e, CR_NOMEM, "%s: %s: out of memory (limit %zu MiB)", name, what,
		       cr_limits.max_memory >> 20);
}

/* The end of every reader here: l released, rc returned; CR_NOMEM is said
 * as running out while reading name. */
static enum cr_err lset_done(struct lset *l, enum cr_err rc, const char *name, const char *what, struct cr_error *e)
{
	lset_release(l);
	return rc == CR_NOMEM ? nomem(name, what, e) : rc;
}

/* ---------------------------------------------------------------- Java frames */

/* The "0xADDR frame" lines after a Java profile's records: each names the
 * location of its address as pprof does ("func (file:line)", "func (path)"
 * with the path's base name, "generated stub/JIT" = STUB, else the text is
 * the name); one function per name. Addresses end up 0: pprof aggregates
 * Java profiles by function and line. */
static enum cr_err java_frames(struct cr_profile *p, struct lset *l, const char *data, size_t len)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	struct cr_hmap fns;
	enum cr_err rc = CR_OK;
	cr_hmap_init(&fns);
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f'))
			i++;
		while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\v' || s[n - 1] == '\f'))
			n--;
		uint64_t a;
		size_t k = i;
		if (cut || n - i < 3 || s[i] != '0' || s[i + 1] != 'x' || !cr_parse_hex(s, n, &k, &a) ||
		    k >= n || (s[k] != ' ' && s[k] != '\t'))
			continue;
		uint32_t *li = cr_hmap_get(&l->locs, &a, sizeof a);
		if (!li)
			continue; /* unused */
		k = cr_skip_ws(s, n, k);
		const char *t = s + k;
		size_t tn = n - k;
		const char *fn = t, *file = "";
		size_t fnl = tn, filel = 0;
		int64_t line = 0;
		/* "func (inner)" with a space before '(' and ')' last */
		const char *lp = NULL;
		if (tn > 0 && t[tn - 1] == ')')
			for (size_t q = tn - 1; q > 0; q--)
				if (t[q - 1] == '(' && q >= 2 && (t[q - 2] == ' ' || t[q - 2] == '\t')) {
					lp = t + q - 1;
					break;
				}
		if (lp) {
			const char *in = lp + 1;
			size_t inl = (size_t)(t + tn - 1 - in);
			fnl = (size_t)(lp - t);
			while (fnl > 0 && (t[fnl - 1] == ' ' || t[fnl - 1] == '\t'))
				fnl--;
			const char *colon = NULL;
			for (size_t q = inl; q > 0; q--)
				if (in[q - 1] == ':') {
					colon = in + q - 1;
					break;
				}
			size_t d = colon ? (size_t)(colon - in) + 1 : 0;
			if (colon && d < inl && in[d] == '-')
				d++;
			size_t ds = d;
			while (d < inl && in[d] >= '0' && in[d] <= '9')
				d++;
			if (colon && colon > in && d == inl && d > ds) {
				file = in;
				filel = (size_t)(colon - in);
				size_t q = (size_t)(colon - in) + 1;
				int64_t v;
				if (cr_parse_i64(in, inl, &q, &v) && v > 0)
					line = v;
			} else {
				file = in;
				filel = inl;
				for (size_t q = inl; q > 0; q--)
					if (in[q - 1] == '/') {
						file = in + q;
						filel = inl - q;
						break;
					}
				if (filel == 0) { /* Go's filepath.Base of "dir/" or "" */
					file = inl ? "/" : ".";
					filel = 1;
				}
			}
		} else if (memmem(t, tn, "generated stub/JIT", 18)) {
			fn = "STUB";
			fnl = 4;
		}
		uint32_t *f = cr_hmap_get(&fns, fn, fnl), fi;
		if (f) {
			fi = *f;
		} else {
			char nb[4096], fb[4096];
			snprintf(nb, sizeof nb, "%.*s", (int)(fnl < 4095 ? fnl : 4095), fn);
			snprintf(fb, sizeof fb, "%.*s", (int)(filel < 4095 ? filel : 4095), file);
			fi = cr_profile_function(p, nb, fb, 0);
			if (fi == UINT32_MAX || !cr_hmap_put(&fns, fn, fnl, fi, NULL)) {
				rc = CR_NOMEM;
				break;
			}
		}
		struct cr_location *loc = &p->locations[*li];
		struct cr_line ln = { fi, line };
		if (cr_grow(&p->lines, &p->cap_lines, p->nlines + 1, sizeof *p->lines)) {
			rc = CR_NOMEM;
			break;
		}
		loc->line_start = (uint32_t)p->nlines;
		loc->nlines = 1;
		loc->address = 0;
		p->lines[p->nlines++] = ln;
	}
	cr_hmap_release(&fns);
	if (rc)
		return rc;
	/* the unnamed keep their address until pprof gives them a mapping */
	if ((rc = cr_legacy_maps(p, "", 0)))
		return rc;
	for (size_t i = 0; i < p->nlocations; i++)
		p->locations[i].address = 0;
	return CR_OK;
}

/* ---------------------------------------------------------------- CPU */

static uint64_t word(const unsigned char *d, int fmt)
{
	uint64_t v = 0;
	switch (fmt) {
	case CR_LCPU_32LE: for (int i = 3; i >= 0; i--) v = v << 8 | d[i]; break;
	case CR_LCPU_32BE: for (int i = 0; i < 4; i++) v = v << 8 | d[i]; break;
	case CR_LCPU_64LE: for (int i = 7; i >= 0; i--) v = v << 8 | d[i]; break;
	default: for (int i = 0; i < 8; i++) v = v << 8 | d[i]; break;
	}
	return v;
}

/* pprof: if nearly every sample (all but one in 32) has the same second
 * frame, it is the signal handler's: strip it (twice at most) */
static void strip_handler_frames(struct lset *l)
{
	size_t margin = l->ns / 32;
	struct cr_hmap cnt;
	for (int iter = 0; iter < 2; iter++) {
		cr_hmap_init(&cnt);
		uint64_t hit = 0;
		bool have = false;
		for (size_t i = 0; i < l->ns && !have; i++) {
			if (l->s[i].n < 2)
				continue;
			uint64_t a = l->a[l->s[i].start + 1];
			bool found;
			uint32_t *c = cr_hmap_put(&cnt, &a, sizeof a, 0, &found);
			if (!c)
				break; /* out of memory: strip nothing, as if no frame qualified */
			++*c;
			if (*c >= l->ns - margin) {
				hit = a;
				have = true;
			}
		}
		cr_hmap_release(&cnt);
		if (!have)
			return;
		for (size_t i = 0; i < l->ns; i++)
			if (l->s[i].n > 1 && l->a[l->s[i].start + 1] == hit)
				lset_drop(l, &l->s[i], 1);
	}
}

/* pprof gives a Java profile's locations (addresses 0) one mapping with
 * no file and no range, id 1: its -raw prints "M=1" and "1: 0x0/0x0/0x0". */
static enum cr_err java_mapping(struct cr_profile *p)
{
	if (p->nmappings)
		return CR_OK;
	if (cr_grow(&p->mappings, &p->cap_mappings, 1, sizeof *p->mappings))
		return CR_NOMEM;
	p->mappings[0] = (struct cr_mapping){ .id = 1 };
	p->nmappings = 1;
	for (size_t i = 0; i < p->nlocations; i++)
		if (!p->locations[i].mapping)
			p->locations[i].mapping = 1;
	return CR_OK;
}

enum cr_err cr_profile_read_legacy_cpu(struct cr_profile *p, const unsigned char *data, size_t len,
				       const char *name, struct cr_buf *warn, struct cr_error *e)
{
	bool java = false;
	int fmt = cr_legacy_cpu_format(data, len, &java);
	const char *what = java ? "Java CPU profile" : "gperftools CPU profile";
	if (!fmt)
		return cr_fail(e, CR_FORMAT, "%s: CPU profile: offset 0x0: not a gperftools CPU profile header", name);
	size_t w = fmt == CR_LCPU_32LE || fmt == CR_LCPU_32BE ? 4 : 8, off = 5 * w;
	uint64_t period_us = word(data + 3 * w, fmt);
	struct lset l;
	enum cr_err rc;
	size_t cut = 0;
	memset(&l, 0, sizeof l);
	cr_hmap_init(&l.locs);
	p->name = name;
	p->source = CR_SRC_OTHER;
	if (cr_profile_add_type(p, "samples", "count") || cr_profile_add_type(p, "cpu", "nanoseconds"))
		goto nomem;
	p->period_type = p->types[1];
	p->period = period_us > (uint64_t)INT64_MAX / 1000 ? INT64_MAX : (int64_t)period_us * 1000;
	bool eod = false;
	while (off < len) {
		if (len - off < 2 * w) {
			rc = cr_fail(e, CR_FORMAT, "%s: %s: offset 0x%zx: truncated record (%zu bytes left)", name,
				     what, off, len - off);
			goto out;
		}
		uint64_t count = word(data + off, fmt), depth = word(data + off + w, fmt);
		size_t at = off;
		off += 2 * w;
		if (depth > (len - off) / w) {
			rc = cr_fail(e, CR_FORMAT, "%s: %s: offset 0x%zx: record of %llu frames past the end of the file",
				     name, what, at, (unsigned long long)depth);
			goto out;
		}
		if (count == 0 && depth == 1 && word(data + off, fmt) == 0) {
			off += w;
			eod = true;
			break;
		}
		size_t start = l.na;
		for (uint64_t i = 0; i < depth; i++) {
			uint64_t a = word(data + off + i * w, fmt);
			if (!java && i > 0)
				a--;
			if (i >= cr_limits.max_frames) {
				cut++;
				break; /* the leaf side is kept */
			}
			if (lset_addr(&l, a))
				goto nomem;
		}
		off += (size_t)depth * w;
		/* Go's int64 arithmetic: wraps */
		if (lset_sample(&l, start, (int64_t)count, (int64_t)(count * (uint64_t)p->period), 0))
			goto nomem;
	}
	if (cut && warn)
		cr_buf_addf(warn, "%s: %s: %zu stacks longer than %u frames cut\n", name, what, cut,
			    cr_limits.max_frames);
	const char *rest = eod ? (const char *)data + off : "";
	size_t restlen = eod ? len - off : 0;
	if (java) {
		rc = lset_locations(p, &l) || lset_emit(p, &l, 2) || java_frames(p, &l, rest, restlen) || java_mapping(p) ||
				     (p->drop_frames = cr_profile_intern_z(p, cr_cpu_drop_frames)) == UINT32_MAX
			     ? CR_NOMEM
			     : CR_OK;
	} else {
		strip_handler_frames(&l);
		rc = lset_finish_cpu(p, &l, rest, restlen, 2);
	}
out:
	return lset_done(&l, rc, name, what, e);
nomem:
	return lset_done(&l, CR_NOMEM, name, what, e);
}

/* ---------------------------------------------------------------- threadz */

static size_t find(const char *s, size_t n, const char *z)
{
	const char *q = memmem(s, n, z, strlen(z));
	return q ? (size_t)(q - s) : SIZE_MAX;
}

static bool blank(const char *s, size_t n)
{
	size_t k = cr_skip_ws(s, n, 0);
	return k == n || s[k] == '#';
}

/* "--- Thread HEX (name: NAME/TID) stack: ---" */
static bool thread_start(const char *s, size_t n)
{
	size_t i = find(s, n, "--- Thread ");
	if (i == SIZE_MAX)
		return false;
	i += 11;
	size_t h = i;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
		i++;
	if (i == h || !cr_starts(s + i, n - i, " (name: "))
		return false;
	/* ".../DIGITS) stack: ---" somewhere after */
	size_t t = find(s + i, n - i, ") stack: ---");
	if (t == SIZE_MAX)
		return false;
	size_t d = i + t;
	while (d > i && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	return d < i + t && d > i + 8 && s[d - 1] == '/';
}

/* every "0x[0-9a-f]+" of the line; false if one does not fit 64 bits */
static bool hex_numbers(struct lset *l, const char *s, size_t n, bool *nomem_)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != '0' || s[i + 1] != 'x' || !((s[i + 2] >= '0' && s[i + 2] <= '9') ||
							(s[i + 2] >= 'a' && s[i + 2] <= 'f')))
			continue;
		size_t k = i + 2;
		uint64_t v = 0;
		while (k < n && ((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f'))) {
			if (v >> 60)
				return false;
			v = v << 4 | (uint64_t)(s[k] <= '9' ? s[k] - '0' : s[k] - 'a' + 10);
			k++;
		}
		if (lset_addr(l, v)) {
			*nomem_ = true;
			return true;
		}
		i = k - 1;
	}
	return true;
}

/* pprof's strings.TrimSpace */
static void trim_line(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\v' || **s == '\f' || **s == '\r'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\v' ||
			  (*s)[*n - 1] == '\f' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

enum cr_err cr_profile_read_threadz(struct cr_profile *p, const unsigned char *data, size_t len,
				    const char *name, struct cr_buf *warn, struct cr_error *e)
{
	static const char what[] = "threadz profile";
	struct cr_lines it;
	const char *s, *cur = "";
	size_t n, ncur = 0, curno = 0;
	bool cut, have;
	struct lset l;
	enum cr_err rc;
	(void)warn;
	memset(&l, 0, sizeof l);
	cr_hmap_init(&l.locs);
	p->name = name;
	p->source = CR_SRC_OTHER;
	if (cr_profile_add_type(p, "thread", "count"))
		goto nomem;
	p->period_type = p->types[0];
	p->period = 1;
	cr_lines_init(&it, data, len);
	while ((have = cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) && blank(s, n))
		;
	if (have)
		cur = s, ncur = n, curno = it.lineno;
	if (have && find(s, n, "--- threadz ") != SIZE_MAX) {
		/* comments up to the first thread */
		while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
			cur = s, ncur = n, curno = it.lineno;
			if (cr_legacy_maps_sentinel(s, n) || (n > 0 && s[0] == '-'))
				break;
		}
	}
	bool eof = false;
	while (!cr_legacy_maps_sentinel(cur, ncur)) {
		if (cr_starts(cur, ncur, "---- no stack trace for"))
			break;
		if (!thread_start(cur, ncur)) {
			rc = cr_fail(e, CR_FORMAT, eof ? "%s: %s: line %zu: the file ends without its memory map ('--- Memory map: ---')"
						: "%s: %s: line %zu: not a '--- Thread ID (name: NAME/TID) stack: ---' line",
				     name, what, curno ? curno : 1);
			goto out;
		}
		size_t start = l.na;
		bool same = false, bad = false, oom = false;
		size_t badline = 0;
		cur = "", ncur = 0;
		eof = true;
		while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
			trim_line(&s, &n);
			if (n == 0)
				continue;
			cur = s, ncur = n, curno = it.lineno;
			if (cr_starts(s, n, "---")) {
				eof = false;
				break;
			}
			if (find(s, n, "same as previous thread") != SIZE_MAX) {
				same = true;
				continue;
			}
			if (!hex_numbers(&l, s, n, &oom) && !bad) {
				bad = true;
				badline = it.lineno;
			}
			if (oom)
				goto nomem;
		}
		if (bad) {
			rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: address does not fit 64 bits", name, what, badline);
			goto out;
		}
		if (same || l.na == start) {
			l.na = start; /* a bump of the previous thread's count */
			if (l.ns > 0)
				l.s[l.ns - 1].v[0]++;
			continue;
		}
		for (size_t i = start + 1; i < l.na; i++)
			l.a[i]--;
		if (l.na - start > cr_limits.max_frames)
			l.na = start + cr_limits.max_frames;
		if (lset_sample(&l, start, 1, 0, 0))
			goto nomem;
	}
	/* the mapping lines follow the sentinel */
	have = cr_legacy_maps_sentinel(cur, ncur);
	while (!have && cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut))
		have = cr_legacy_maps_sentinel(s, n);
	rc = lset_finish_cpu(p, &l, have ? it.p : "", have ? (size_t)(it.end - it.p) : 0, 1);
out:
	return lset_done(&l, rc, name, what, e);
nomem:
	return lset_done(&l, CR_NOMEM, name, what, e);
}

/* ---------------------------------------------------------------- Java heapz / contentionz */

/* "key=value" as pprof's attribute pattern sees it: word characters and
 * spaces on both sides of the first '=' that has some */
static bool java_attr(const char *s, size_t n, const char **k, size_t *kl, const char **v, size_t *vl)
{
	for (size_t eq = 0; eq < n; eq++) {
		if (s[eq] != '=')
			continue;
#define W(c) ((c) == ' ' || (c) == '_' || ((c) >= '0' && (c) <= '9') || (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z'))
		size_t a = eq;
		while (a > 0 && W(s[a - 1]))
			a--;
		size_t b = eq + 1;
		while (b < n && W(s[b]))
			b++;
#undef W
		if (a == eq || b == eq + 1)
			continue;
		while (a < eq && s[a] == ' ')
			a++;
		size_t ke = eq;
		while (ke > a && s[ke - 1] == ' ')
			ke--;
		size_t vs = eq + 1, ve = b;
		while (vs < ve && s[vs] == ' ')
			vs++;
		while (ve > vs && s[ve - 1] == ' ')
			ve--;
		*k = s + a, *kl = ke - a, *v = s + vs, *vl = ve - vs;
		return true;
	}
	return false;
}

static bool eqs(const char *s, size_t n, const char *z)
{
	return n == strlen(z) && memcmp(s, z, n) == 0;
}

static bool trimmed_is(const char *s, size_t n, const char *z)
{
	size_t k = cr_skip_ws(s, n, 0);
	while (n > k && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return eqs(s + k, n - k, z);
}

bool cr_java_text_profile(const unsigned char *data, size_t len)
{
	const char *d = (const char *)data, *nl = memchr(d, '\n', len);
	size_t n = nl ? (size_t)(nl - d) : len;
	if (trimmed_is(d, n, "--- heapz 1 ---"))
		return true;
	if (!trimmed_is(d, n, "--- contentionz 1 ---") || !nl)
		return false;
	/* pprof's C++ reader refuses "format" and "resolution": then Java's */
	struct cr_lines it;
	const char *s;
	bool cut;
	cr_lines_init(&it, nl + 1, len - n - 1);
	for (int i = 0; i < 64 && cr_lines_next(&it, &s, &n, 4096, &cut);) {
		const char *k, *v;
		size_t kl, vl;
		if (blank(s, n))
			continue;
		i++;
		if (!java_attr(s, n, &k, &kl, &v, &vl))
			return false;
		if (eqs(k, kl, "format") || eqs(k, kl, "resolution"))
			return true;
	}
	return false;
}

/* " *VALUE +COUNT +@ +0x..." anywhere in the line */
static bool java_sample(const char *s, size_t n, int64_t *v1, int64_t *v2, size_t *addrs)
{
	for (size_t i = 0; i < n; i++) {
		if (!(s[i] >= '0' && s[i] <= '9') || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
			continue;
		size_t k = i;
		if (!cr_parse_i64(s, n, &k, v1) || k >= n || s[k] != ' ')
			continue;
		k = cr_skip_ws(s, n, k);
		size_t c = k;
		if (!cr_parse_i64(s, n, &k, v2) || k == c || k >= n || s[k] != ' ')
			continue;
		k = cr_skip_ws(s, n, k);
		if (k >= n || s[k] != '@' || k + 1 >= n || s[k + 1] != ' ')
			continue;
		*addrs = k + 1;
		return true;
	}
	return false;
}

enum cr_err cr_profile_read_java(struct cr_profile *p, const unsigned char *data, size_t len,
				 const char *name, struct cr_buf *warn, struct cr_error *e)
{
	const char *d = (const char *)data, *nl = memchr(d, '\n', len);
	size_t n0 = nl ? (size_t)(nl - d) : len;
	bool heap = trimmed_is(d, n0, "--- heapz 1 ---");
	const char *what = heap ? "Java heap profile" : "Java contention profile";
	struct lset l;
	enum cr_err rc;
	int64_t period = 0;
	(void)warn;
	memset(&l, 0, sizeof l);
	cr_hmap_init(&l.locs);
	p->name = name;
	p->source = CR_SRC_OTHER;
	p->period_type_empty = true; /* pprof: PeriodType &ValueType{} until a sampling period sets it */
	if (!nl || (!heap && !trimmed_is(d, n0, "--- contentionz 1 ---")))
		return cr_fail(e, CR_FORMAT, "%s: Java profile: line 1: not '--- heapz 1 ---' or '--- contentionz 1 ---'", name);
	/* only complete lines count, as in pprof */
	const char *b = nl + 1, *end = d + len;
	size_t lineno = 1;
	bool typed = false;
	for (; (nl = memchr(b, '\n', (size_t)(end - b))); b = nl + 1) {
		size_t n = (size_t)(nl - b);
		lineno++;
		if (n > cr_limits.max_line) {
			rc = cr_fail(e, CR_LIMIT, "%s: %s: line %zu: longer than %zu bytes (--max-line)", name, what,
				     lineno, cr_limits.max_line);
			goto out;
		}
		if (trimmed_is(b, n, ""))
			continue;
		const char *k, *v;
		size_t kl, vl;
		if (!java_attr(b, n, &k, &kl, &v, &vl))
			break;
		if (eqs(k, kl, "format")) {
			if (!eqs(v, vl, "java")) {
				rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: format is not java", name, what, lineno);
				goto out;
			}
		} else if (eqs(k, kl, "resolution")) {
			char unit[64];
			snprintf(unit, sizeof unit, "%.*s", (int)(vl < 63 ? vl : 63), v);
			if (typed) {
				rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: a second resolution", name, what, lineno);
				goto out;
			}
			typed = true;
			if (heap ? (cr_profile_add_type(p, "inuse_objects", "count") || cr_profile_add_type(p, "inuse_space", unit))
				 : (cr_profile_add_type(p, "contentions", "count") || cr_profile_add_type(p, "delay", unit)))
				goto nomem;
		} else if (!heap && eqs(k, kl, "sampling period")) {
			size_t q = 0;
			if (!cr_parse_i64(v, vl, &q, &period) || q != vl) {
				rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: sampling period is not a number", name, what, lineno);
				goto out;
			}
			p->period_type.type = cr_profile_intern_z(p, "contentions");
			p->period_type.unit = cr_profile_intern_z(p, "count");
			p->period = period;
		} else if (!heap && eqs(k, kl, "ms since reset")) {
			size_t q = 0;
			int64_t ms;
			if (!cr_parse_i64(v, vl, &q, &ms) || q != vl) {
				rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: ms since reset is not a number", name, what, lineno);
				goto out;
			}
			p->duration_nanos = (int64_t)((uint64_t)ms * 1000000u);
		} else {
			rc = cr_fail(e, CR_UNSUPPORTED, "%s: %s: line %zu: unknown attribute '%.*s' (pprof refuses it too)",
				     name, what, lineno, (int)(kl < 64 ? kl : 64), k);
			goto out;
		}
	}
	if (!typed) {
		rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: no 'resolution' attribute: the sample types are unknown",
			     name, what, lineno);
		goto out;
	}
	for (; (nl = memchr(b, '\n', (size_t)(end - b))); b = nl + 1, lineno++) {
		size_t n = (size_t)(nl - b), at;
		int64_t v1, v2;
		if (trimmed_is(b, n, ""))
			continue;
		if (!java_sample(b, n, &v1, &v2, &at))
			break;
		size_t start = l.na;
		bool big = false;
		for (size_t i = at; i < n && !big; i++) {
			char c = b[i];
			if (c != ' ' && c != 'x' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f'))
				break;
			if (c != '0' || i + 2 >= n || b[i + 1] != 'x' ||
			    !((b[i + 2] >= '0' && b[i + 2] <= '9') || (b[i + 2] >= 'a' && b[i + 2] <= 'f')))
				continue;
			size_t k = i + 2;
			uint64_t a = 0;
			while (k < n && ((b[k] >= '0' && b[k] <= '9') || (b[k] >= 'a' && b[k] <= 'f'))) {
				if (a >> 60)
					big = true;
				a = a << 4 | (uint64_t)(b[k] <= '9' ? b[k] - '0' : b[k] - 'a' + 10);
				k++;
			}
			if (l.na - start < cr_limits.max_frames && lset_addr(&l, a))
				goto nomem;
			i = k - 1;
		}
		if (big) {
			rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: address does not fit 64 bits", name, what, lineno + 1);
			goto out;
		}
		/* VALUE COUNT: the profile's values are (COUNT, VALUE) */
		int64_t cnt = v2, val = v1, bytes = 0;
		if (heap) {
			if (cnt == 0) {
				rc = cr_fail(e, CR_FORMAT, "%s: %s: line %zu: count is 0", name, what, lineno + 1);
				goto out;
			}
			bytes = val / cnt;
			cr_heap_unsample(&cnt, &val, 524288); /* the Java agent's 512 KiB */
		} else if (period != 0) {
			cnt = (int64_t)((uint64_t)cnt * (uint64_t)period);
			val = (int64_t)((uint64_t)val * (uint64_t)period);
		}
		if (lset_sample(&l, start, cnt, val, bytes))
			goto nomem;
	}
	if (lset_locations(p, &l) || lset_emit(p, &l, 2) ||
	    java_frames(p, &l, b, (size_t)(end - b)) || java_mapping(p))
		goto nomem;
	if (heap) {
		p->drop_frames = cr_profile_intern_z(p, cr_alloc_drop_frames);
		p->keep_frames = cr_profile_intern_z(p, cr_alloc_keep_frames);
	} else {
		p->drop_frames = cr_profile_intern_z(p, cr_lock_drop_frames);
	}
	rc = p->drop_frames == UINT32_MAX || p->keep_frames == UINT32_MAX ? CR_NOMEM : CR_OK;
out:
	return lset_done(&l, rc, name, what, e);
nomem:
	return lset_done(&l, CR_NOMEM, name, what, e);
}
