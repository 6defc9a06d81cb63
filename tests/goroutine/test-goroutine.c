/* Goroutine readers, groups and leaks against testdata/goroutines: every
 * number checked comes from expected/ (grep counts of the dumps, pprof's
 * -traces of the protobufs, the counts leakprog printed) or from the inline
 * fixture text itself. */
#include "../unit.h"
#include "coroner/goroutine.h"
#include "coroner/profile.h"

#include <ctype.h>

static char *slurp(const char *rel)
{
	char path[4096];
	if (!unit_data(rel, path, sizeof path))
		return NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *r = malloc(n + 1);
	memcpy(r, buf, n + 1);
	return r;
}

static long long ref_int(const char *rel)
{
	char *s = slurp(rel);
	long long v = s ? strtoll(s, NULL, 10) : -1;
	free(s);
	return v;
}

static bool load(struct cr_profile *p, const char *rel, struct cr_buf *warn)
{
	char path[4096];
	struct cr_error e = { 0 };
	cr_profile_init(p);
	if (!unit_data(rel, path, sizeof path))
		return false;
	enum cr_err rc = cr_profile_load(p, path, warn, &e);
	if (rc)
		fprintf(stderr, "load %s: %s\n", rel, e.msg);
	return rc == CR_OK;
}

static const struct cr_ggroup *find_group(const struct cr_goroutines *g, const char *fn)
{
	for (size_t i = 0; i < g->ngroups; i++)
		if (!strcmp(g->groups[i].function, fn))
			return &g->groups[i];
	return NULL;
}

/* leak.txt: "leaking function: F (...)" and "snapshot=N leakWorker=C ..." */
static bool leak_ref(char *fn, size_t fnlen, long long counts[3])
{
	char *s = slurp("goroutines/expected/leak.txt");
	if (!s)
		return false;
	char *p = strstr(s, "leaking function: ");
	bool ok = p != NULL;
	if (ok) {
		p += strlen("leaking function: ");
		size_t n = strcspn(p, " \n");
		snprintf(fn, fnlen, "%.*s", (int)n, p);
	}
	for (int k = 1; k <= 2 && ok; k++) {
		char key[32];
		snprintf(key, sizeof key, "snapshot=%d leakWorker=", k);
		char *q = strstr(s, key);
		ok = q != NULL;
		if (ok)
			counts[k] = strtoll(q + strlen(key), NULL, 10);
	}
	free(s);
	return ok;
}

/* counts of the traces in `go tool pprof -traces` output, sorted desc */
static size_t trace_counts(const char *rel, long long *out, size_t max)
{
	char *s = slurp(rel);
	size_t n = 0;
	if (!s)
		return 0;
	bool after_sep = false;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strncmp(line, "-----------+", 12)) {
			after_sep = true;
		} else if (after_sep) {
			char *q = line;
			while (*q == ' ')
				q++;
			if (isdigit((unsigned char)*q) && n < max)
				out[n++] = strtoll(q, NULL, 10);
			after_sep = false;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(s);
	return n;
}

static int cmp_desc(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Totals and per-stack counts of the protobuf and debug=1 text. */
static void test_profiles(void)
{
	for (int k = 1; k <= 2; k++) {
		char rel[128];
		long long want[512], got[512];
		snprintf(rel, sizeof rel, "goroutines/expected/goroutine.%d.pb.gz.traces.txt", k);
		size_t nw = trace_counts(rel, want, 512);
		CHECK(nw > 0);
		qsort(want, nw, sizeof *want, cmp_desc);
		const char *fmts[] = { "pb.gz", "txt" };
		for (int f = 0; f < 2; f++) {
			struct cr_profile p;
			struct cr_goroutines g;
			struct cr_error e = { 0 };
			snprintf(rel, sizeof rel, "goroutines/goroutine.%d.%s", k, fmts[f]);
			CHECK(load(&p, rel, NULL));
			CHECK_EQ_INT(cr_goroutines_compute(&g, &p, CR_GROUP_EXACT, &e), CR_OK);
			if (f == 1) {
				/* the runtime's own total: "goroutine profile: total N" */
				char tr[128];
				snprintf(tr, sizeof tr, "goroutines/expected/goroutine.%d.txt.total.txt", k);
				char *s = slurp(tr);
				CHECK(s && strstr(s, "total "));
				if (s)
					CHECK_EQ_INT(g.total, strtoll(strstr(s, "total ") + 6, NULL, 10));
				free(s);
				CHECK_EQ_INT(g.counted, g.total);
				CHECK(p.source == CR_SRC_GOROUTINE_TEXT);
			}
			/* group counts = pprof's per-trace counts (same snapshot) */
			CHECK_EQ_INT(g.ngroups, nw);
			for (size_t i = 0; i < g.ngroups && i < 512; i++)
				got[i] = g.groups[i].count;
			qsort(got, g.ngroups, sizeof *got, cmp_desc);
			for (size_t i = 0; i < nw && i < g.ngroups; i++)
				CHECK_EQ_INT(got[i], want[i]);
			/* the leaking function is named in every format */
			long long lc[3];
			char fn[128];
			CHECK(leak_ref(fn, sizeof fn, lc));
			const struct cr_ggroup *lg = find_group(&g, fn);
			CHECK(lg != NULL);
			if (lg)
				CHECK_EQ_INT(lg->count, lc[k]);
			cr_goroutines_release(&g);
			cr_profile_release(&p);
		}
	}
}

/* "     53 [chan receive, 1 minutes]:" lines vs the parsed labels */
static void check_states(const struct cr_profile *p, const char *rel)
{
	char *s = slurp(rel);
	CHECK(s != NULL);
	if (!s)
		return;
	size_t lines = 0;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *q = line;
		long long want = strtoll(q, &q, 10);
		while (*q == ' ')
			q++;
		if (*q == '[') {
			char hdr[256];
			snprintf(hdr, sizeof hdr, "%s", q + 1);
			char *end = strstr(hdr, "]:");
			if (end)
				*end = 0;
			/* split "state, N minutes[, locked to thread]" */
			long long wait = -1;
			char *c = strstr(hdr, ", ");
			char state[256];
			snprintf(state, sizeof state, "%.*s", c ? (int)(c - hdr) : (int)strlen(hdr), hdr);
			if (c && isdigit((unsigned char)c[2]))
				wait = strtoll(c + 2, NULL, 10);
			long long got = 0;
			for (size_t i = 0; i < p->nsamples; i++) {
				const char *st = cr_sample_label(p, i, "state");
				int64_t w;
				bool hw = cr_sample_numlabel(p, i, "wait", &w);
				if (st && !strcmp(st, state) && (wait < 0 ? !hw : (hw && w == wait)))
					got++;
			}
			if (got != want)
				fprintf(stderr, "%s: [%s]\n", rel, hdr);
			CHECK_EQ_INT(got, want);
			lines++;
		}
		line = nl ? nl + 1 : NULL;
	}
	CHECK(lines > 0);
	free(s);
}

static void test_tracebacks(void)
{
	static const char *const files[] = { "goroutine.1.dump", "goroutine.2.dump", "sigquit.txt",
					     "panic.txt", "panic_all.txt" };
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		char rel[128], ref[160];
		struct cr_profile p;
		struct cr_goroutines g;
		struct cr_error e = { 0 };
		struct cr_buf warn = { 0 };
		snprintf(rel, sizeof rel, "goroutines/%s", files[f]);
		CHECK(load(&p, rel, &warn));
		/* the real dumps parse without a single skipped line */
		CHECK_EQ_STR(cr_buf_str(&warn), "");
		cr_buf_release(&warn);
		CHECK(p.source == CR_SRC_TRACEBACK);
		snprintf(ref, sizeof ref, "goroutines/expected/%s.headers.count", files[f]);
		long long headers = ref_int(ref);
		CHECK(headers > 0);
		CHECK_EQ_INT(p.nsamples, headers);
		snprintf(ref, sizeof ref, "goroutines/expected/%s.minutes.count", files[f]);
		long long minutes = ref_int(ref), got = 0;
		for (size_t i = 0; i < p.nsamples; i++) {
			int64_t w;
			got += cr_sample_numlabel(&p, i, "wait", &w);
		}
		CHECK_EQ_INT(got, minutes);
		snprintf(ref, sizeof ref, "goroutines/expected/%s.states.txt", files[f]);
		check_states(&p, ref);
		CHECK_EQ_INT(cr_goroutines_compute(&g, &p, CR_GROUP_EXACT, &e), CR_OK);
		CHECK_EQ_INT(g.total, headers);
		CHECK_EQ_INT(g.counted, headers);
		snprintf(ref, sizeof ref, "goroutines/expected/%s.leakWorker.count", files[f]);
		long long lw = ref_int(ref);
		const struct cr_ggroup *lg = find_group(&g, "main.leakWorker");
		CHECK_EQ_INT(lg ? lg->count : 0, lw);
		if (lg && lw) {
			CHECK_EQ_STR(lg->state, "chan receive");
			CHECK_EQ_STR(lg->created_by, "main.dispatch");
			CHECK(lg->has_wait);
		}
		/* grouping by user function never makes more groups */
		struct cr_goroutines gu;
		CHECK_EQ_INT(cr_goroutines_compute(&gu, &p, CR_GROUP_USER, &e), CR_OK);
		CHECK(gu.ngroups <= g.ngroups);
		CHECK_EQ_INT(gu.counted, headers);
		cr_goroutines_release(&gu);
		if (!strncmp(files[f], "panic", 5))
			CHECK(p.ncomments >= 1 && !strncmp(cr_profile_str(&p, p.comments[0]), "panic: ", 7));
		cr_goroutines_release(&g);
		cr_profile_release(&p);
	}
}

/* Every pair of formats: the leaking function first, with the exact growth. */
static void test_leaks(void)
{
	static const char *const a[] = { "goroutine.1.pb.gz", "goroutine.1.txt", "goroutine.1.dump" };
	static const char *const b[] = { "goroutine.2.pb.gz", "goroutine.2.txt", "goroutine.2.dump", "sigquit.txt" };
	long long lc[3];
	char fn[128];
	CHECK(leak_ref(fn, sizeof fn, lc));
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4; j++) {
			struct cr_profile p[2];
			char ra[128], rb[128];
			snprintf(ra, sizeof ra, "goroutines/%s", a[i]);
			snprintf(rb, sizeof rb, "goroutines/%s", b[j]);
			CHECK(load(&p[0], ra, NULL));
			CHECK(load(&p[1], rb, NULL));
			const struct cr_profile *pp[2] = { &p[0], &p[1] };
			struct cr_leaks l;
			struct cr_error e = { 0 };
			CHECK_EQ_INT(cr_leaks_compute(&l, pp, 2, NULL, &e), CR_OK);
			CHECK(l.ncands >= 1);
			if (l.ncands >= 1) {
				if (strcmp(l.cands[0].function, fn))
					fprintf(stderr, "pair %s %s\n", a[i], b[j]);
				CHECK_EQ_STR(l.cands[0].function, fn);
				CHECK_EQ_INT(l.cands[0].counts[0], lc[1]);
				CHECK_EQ_INT(l.cands[0].counts[1], lc[2]);
				CHECK_EQ_INT(l.cands[0].delta, lc[2] - lc[1]);
			}
			/* reversed: the leak shrinks, so it is no candidate */
			struct cr_leaks r;
			const struct cr_profile *rp[2] = { &p[1], &p[0] };
			CHECK_EQ_INT(cr_leaks_compute(&r, rp, 2, NULL, &e), CR_OK);
			for (size_t k = 0; k < r.ncands; k++)
				CHECK(strcmp(r.cands[k].function, fn) != 0);
			cr_leaks_release(&r);
			cr_leaks_release(&l);
			cr_profile_release(&p[0]);
			cr_profile_release(&p[1]);
		}
}

static enum cr_err parse_str(struct cr_profile *p, const char *s, struct cr_buf *warn, struct cr_error *e)
{
	cr_profile_init(p);
	return cr_profile_parse(p, (const unsigned char *)s, strlen(s), "t", warn, e);
}

/* Header forms and frame shapes, from the text itself. */
static void test_forms(void)
{
	const char *go121 =
		"panic: boom\n"
		"\n"
		"goroutine 1 gp=0xc000002380 m=0 mp=0x5fc040 [running]:\n"
		"main.main()\n"
		"\t/src/main.go:10 +0x1d fp=0xc00006cf80 sp=0xc00006cf70 pc=0x45a1bd\n"
		"\n"
		"goroutine 7 gp=0xc000007a40 m=nil [chan receive, 12 minutes, locked to thread]:\n"
		"sync.(*Mutex).Lock(...)\r\n"
		"\t/usr/lib/go/src/sync/mutex.go:90\n"
		"main.worker(0xc000012345, {0x4b3a00, 0x5})\n"
		"\t/src/main.go:79 +0x50\n"
		"...3 frames elided...\n"
		"main.start(...)\n"
		"\t/src/main.go:5\n"
		"created by main.spawn in goroutine 1\n"
		"\t/src/main.go:148 +0x13e\n"
		"\n"
		"goroutine 8 [chan receive, 3 minutes]:\n"
		"sync.(*Mutex).Lock(...)\n"
		"\t/usr/lib/go/src/sync/mutex.go:90\n"
		"main.worker(0x1, {0x2, 0x3})\n"
		"\t/src/main.go:79 +0x50\n"
		"...3 frames elided...\n"
		"main.start(...)\n"
		"\t/src/main.go:5\n"
		"created by main.spawn in goroutine 1\n"
		"\t/src/main.go:148 +0x13e\n";
	struct cr_profile p;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	CHECK_EQ_INT(parse_str(&p, go121, &warn, &e), CR_OK);
	CHECK_EQ_STR(cr_buf_str(&warn), "");
	CHECK_EQ_INT(p.nsamples, 3);
	int64_t v;
	CHECK(cr_sample_numlabel(&p, 1, "goid", &v) && v == 7);
	CHECK(cr_sample_numlabel(&p, 1, "wait", &v) && v == 12);
	CHECK(cr_sample_numlabel(&p, 1, "frames_elided", &v));
	CHECK_EQ_STR(cr_sample_label(&p, 1, "state"), "chan receive");
	CHECK_EQ_STR(cr_sample_label(&p, 1, "locked_to_thread"), "true");
	CHECK_EQ_STR(cr_sample_label(&p, 1, "created_by"), "main.spawn");
	CHECK_EQ_STR(cr_sample_label(&p, 1, "created_at"), "/src/main.go:148");
	CHECK_EQ_STR(cr_sample_label(&p, 0, "state"), "running");
	CHECK(p.ncomments == 1);
	/* Lock is inlined into worker: one location, two lines */
	const struct cr_sample *s = &p.samples[1];
	CHECK_EQ_INT(s->nloc, 2);
	const struct cr_location *l = &p.locations[p.stack[s->loc_start]];
	CHECK_EQ_INT(l->nlines, 2);
	CHECK_EQ_STR(cr_line_function_name(&p, &p.lines[l->line_start]), "sync.(*Mutex).Lock");
	CHECK_EQ_STR(cr_line_function_name(&p, &p.lines[l->line_start + 1]), "main.worker");
	struct cr_goroutines g;
	CHECK_EQ_INT(cr_goroutines_compute(&g, &p, CR_GROUP_EXACT, &e), CR_OK);
	CHECK_EQ_INT(g.ngroups, 2); /* args and minutes do not split goroutines 7 and 8 */
	CHECK_EQ_INT(g.groups[0].count, 2);
	CHECK_EQ_INT(g.groups[0].wait_min, 3);
	CHECK_EQ_INT(g.groups[0].wait_max, 12);
	CHECK_EQ_STR(g.groups[0].function, "main.worker");
	CHECK(g.groups[0].locked && g.groups[0].elided);
	CHECK_EQ_INT(g.groups[0].first_goid, 7);
	CHECK_EQ_INT(g.groups[0].nframes, 3);
	CHECK(g.groups[0].frames[0].inlined && !g.groups[0].frames[1].inlined);
	cr_goroutines_release(&g);
	cr_profile_release(&p);
	cr_buf_release(&warn);

	/* user function: std lib and runtime frames are skipped */
	const char *names[] = { "runtime.gopark", "net/http.(*conn).serve", "github.com/a/b.(*S).Run", "main.main" };
	CHECK_EQ_INT(cr_user_function(names, 4), 2);
	const char *std[] = { "runtime.gopark", "net/http.(*conn).serve", "runtime.goexit" };
	CHECK_EQ_INT(cr_user_function(std, 3), 1);
	const char *rt[] = { "runtime.gopark", "runtime.gcBgMarkWorker", "runtime.goexit" };
	CHECK_EQ_INT(cr_user_function(rt, 3), 1);
	CHECK_EQ_INT(cr_group_by_parse("user"), CR_GROUP_USER);
	CHECK_EQ_INT(cr_group_by_parse("nope"), -1);
}

/* Bad input: parse what can be parsed, name the skipped lines. */
static void test_bad(void)
{
	struct cr_profile p;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	/* cut mid-frame, garbage inside a block */
	const char *cut =
		"goroutine 1 [running]:\n"
		"main.main()\n"
		"\t/src/main.go:10 +0x1d\n"
		"%%% garbage\n"
		"\n"
		"goroutine 2 [select]:\n"
		"main.loop()\n";
	CHECK_EQ_INT(parse_str(&p, cut, &warn, &e), CR_OK);
	CHECK_EQ_INT(p.nsamples, 2);
	CHECK(strstr(cr_buf_str(&warn), "line 4:") != NULL);
	CHECK(strstr(cr_buf_str(&warn), "line 7:") != NULL);
	cr_profile_release(&p);
	cr_buf_release(&warn);

	/* debug=1 with an absurd count and a garbage line */
	const char *d1 =
		"goroutine profile: total 3\n"
		"2 @ 0x43a316 0x4665e1\n"
		"#\t0x43a315\tmain.f+0x15\t/src/main.go:3\n"
		"\n"
		"99999999999999999 @ 0x1\n"
		"junk\n"
		"1 @ 0x43a400\n"
		"#\t0x43a3ff\tmain.g+0x1f\t/src/main.go:9\n";
	CHECK_EQ_INT(parse_str(&p, d1, &warn, &e), CR_OK);
	CHECK_EQ_INT(p.nsamples, 2);
	CHECK(strstr(cr_buf_str(&warn), "line 5:") != NULL);
	CHECK(strstr(cr_buf_str(&warn), "line 6:") != NULL);
	struct cr_goroutines g;
	CHECK_EQ_INT(cr_goroutines_compute(&g, &p, CR_GROUP_EXACT, &e), CR_OK);
	CHECK_EQ_INT(g.total, 3);
	CHECK_EQ_INT(g.counted, 3);
	CHECK_EQ_STR(g.groups[0].function, "main.f");
	/* the trailing hidden pc (runtime.goexit) is dropped */
	CHECK_EQ_INT(g.groups[0].nframes, 1);
	cr_goroutines_release(&g);
	cr_profile_release(&p);
	cr_buf_release(&warn);

	/* nothing usable */
	e = (struct cr_error){ 0 };
	CHECK_EQ_INT(parse_str(&p, "goroutine profile: total 5\nxx\n", &warn, &e), CR_EMPTY);
	CHECK(e.msg[0] != 0);
	cr_profile_release(&p);
	cr_buf_release(&warn);
	e = (struct cr_error){ 0 };
	CHECK(parse_str(&p, "goroutine 1 [running]:\n", &warn, &e) == CR_OK);
	CHECK_EQ_INT(p.nsamples, 1);
	cr_profile_release(&p);
	cr_buf_release(&warn);

	/* a NUL byte and a very long line do not desync the parser */
	char big[5000];
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = 0;
	struct cr_buf in = { 0 };
	cr_buf_addf(&in, "goroutine 1 [running]:\nmain.a()\n\t/a.go:1 +0x1\n\ngoroutine 2 [sleep]:\n%s()\n\t/b.go:2 +0x2\n", big);
	size_t save = cr_limits.max_line;
	cr_limits.max_line = 1024;
	cr_profile_init(&p);
	e = (struct cr_error){ 0 };
	CHECK_EQ_INT(cr_profile_read_traceback(&p, (const unsigned char *)in.data, in.len, "t", &warn, &e), CR_OK);
	CHECK_EQ_INT(p.nsamples, 2);
	CHECK(strstr(cr_buf_str(&warn), "line 6:") != NULL);
	cr_limits.max_line = save;
	cr_profile_release(&p);
	cr_buf_release(&warn);
	cr_buf_release(&in);
}

/* A deep stack cut at different depths (a goroutine profile keeps 32 pcs,
 * a traceback 100) still matches; debug=1 labels are read. */
static void test_deep(void)
{
	struct cr_buf a = { 0 }, b = { 0 };
	for (int g = 0; g < 5; g++) {
		struct cr_buf *o = g < 2 ? &a : &b;
		cr_buf_addf(o, "goroutine %d [chan receive]:\nruntime.gopark(...)\n\truntime/proc.go:363\n", g + 1);
		for (int d = 0; d < (g < 2 ? 40 : 25); d++)
			cr_buf_addf(o, "main.f%d(0x%x)\n\t/src/main.go:%d +0x10\n", d, g, 100 + d);
		cr_buf_addf(o, "\n");
	}
	struct cr_profile p[2];
	struct cr_error e = { 0 };
	cr_profile_init(&p[0]);
	cr_profile_init(&p[1]);
	CHECK_EQ_INT(cr_profile_read_traceback(&p[0], (const unsigned char *)a.data, a.len, "a", NULL, &e), CR_OK);
	CHECK_EQ_INT(cr_profile_read_traceback(&p[1], (const unsigned char *)b.data, b.len, "b", NULL, &e), CR_OK);
	const struct cr_profile *pp[2] = { &p[0], &p[1] };
	struct cr_leaks l;
	CHECK_EQ_INT(cr_leaks_compute(&l, pp, 2, NULL, &e), CR_OK);
	CHECK_EQ_INT(l.ncands, 1);
	if (l.ncands) {
		CHECK_EQ_STR(l.cands[0].function, "main.f0");
		CHECK_EQ_INT(l.cands[0].counts[0], 2);
		CHECK_EQ_INT(l.cands[0].counts[1], 3);
		CHECK_EQ_INT(l.cands[0].delta, 1);
		CHECK(l.cands[0].blocked);
	}
	cr_leaks_release(&l);
	cr_profile_release(&p[0]);
	cr_profile_release(&p[1]);
	cr_buf_release(&a);
	cr_buf_release(&b);

	const char *d1 =
		"goroutine profile: total 4\n"
		"3 @ 0x43a316 0x4ed77d 0x4665e1\n"
		"# labels: {\"handler\":\"/api\", \"tenant\":\"t1\"}\n"
		"#\t0x4ed77c\tmain.leakWorker+0x3c\tleakprog/main.go:34\n"
		"\n"
		"1 @ 0x43a316 0x4ed77d 0x4665e1\n"
		"#\t0x4ed77c\tmain.leakWorker+0x3c\tleakprog/main.go:34\n";
	cr_profile_init(&p[0]);
	CHECK_EQ_INT(cr_profile_parse(&p[0], (const unsigned char *)d1, strlen(d1), "d1", NULL, &e), CR_OK);
	CHECK_EQ_INT(p[0].nsamples, 2);
	CHECK_EQ_STR(cr_sample_label(&p[0], 0, "handler"), "/api");
	CHECK_EQ_STR(cr_sample_label(&p[0], 0, "tenant"), "t1");
	CHECK(cr_sample_label(&p[0], 1, "handler") == NULL);
	/* the two samples differ only by labels: one group of 4 */
	struct cr_goroutines g;
	CHECK_EQ_INT(cr_goroutines_compute(&g, &p[0], CR_GROUP_EXACT, &e), CR_OK);
	CHECK_EQ_INT(g.ngroups, 1);
	CHECK_EQ_INT(g.groups[0].count, 4);
	/* a hidden leading runtime pc stays nameless, the trailing goexit goes */
	CHECK_EQ_INT(g.groups[0].nframes, 2);
	CHECK_EQ_STR(g.groups[0].frames[0].function, "");
	CHECK_EQ_INT(g.groups[0].frames[0].pc, 0x43a315);
	cr_goroutines_release(&g);
	cr_profile_release(&p[0]);
}

int main(void)
{
	size_t before = cr_mem_in_use();
	test_forms();
	test_bad();
	test_deep();
	char probe[4096];
	if (!unit_data("goroutines/expected/leak.txt", probe, sizeof probe))
		SKIP("TESTDATA not set");
	test_profiles();
	test_tracebacks();
	test_leaks();
	CHECK_EQ_INT(cr_mem_in_use(), before);
	return unit_done();
}
