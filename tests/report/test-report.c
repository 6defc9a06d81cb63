/* coroner report on real captures. Expected values come from references:
 * testdata/capture/README.md (the leaking function, the C memory), the
 * capture program's own printout (expected/captureprog.stdout), grep counts
 * of the dumps (expected/{before,after}.goroutine.txt.awaitReply.count) and `go tool pprof -top` totals
 * (expected/{before,after}.heap.pb.gz.top.inuse_space.txt); crash.txt's own first frames. */
#include "coroner/report.h"
#include "../unit.h"

#include <sys/stat.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strdup(buf);
}

/* "key=NUMBER" in the line of captureprog.stdout that starts with "snapshot=NAME " */
static long long stdout_value(const char *text, const char *snap, const char *key)
{
	char want[64], k[64];
	snprintf(want, sizeof want, "snapshot=%s ", snap);
	snprintf(k, sizeof k, " %s=", key);
	const char *l = strstr(text, want);
	if (!l)
		return -1;
	const char *v = strstr(l, k);
	const char *eol = strchr(l, '\n');
	if (!v || (eol && v > eol))
		return -1;
	return strtoll(v + strlen(k), NULL, 10);
}

/* pprof's "... of NB total" */
static long long pprof_total(const char *path)
{
	char *t = slurp(path);
	long long v = -1;
	const char *p = t ? strstr(t, "% of ") : NULL;
	if (p)
		v = strtoll(p + 5, NULL, 10);
	free(t);
	return v;
}

static const struct cr_rfinding *find(const struct cr_report *r, const char *kind)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].kind, kind))
			return &r->findings[i];
	return NULL;
}

static const struct cr_fact *fact(const struct cr_rfinding *f, const char *key)
{
	for (size_t i = 0; f && i < f->nfacts; i++)
		if (!strcmp(f->facts[i].key, key))
			return &f->facts[i];
	return NULL;
}

static const struct cr_table *table(const struct cr_rfinding *f, const char *key)
{
	for (size_t i = 0; f && i < f->ntables; i++)
		if (!strcmp(f->tables[i].key, key))
			return &f->tables[i].t;
	return NULL;
}

static void run(struct cr_report *r, const char *const *caps, size_t n)
{
	struct cr_error e = { 0 };
	cr_report_init(r);
	for (size_t i = 0; i < n; i++) {
		const char *one[1] = { caps[i] };
		CHECK(cr_report_add_capture(r, one, 1, &e) == CR_OK);
	}
	CHECK(cr_report_run(r, &e) == CR_OK);
}

int main(void)
{
	char before[4096], after[4096], buf[4096];
	struct stat st;
	if (!unit_data("capture/before", before, sizeof before) || stat(before, &st) != 0)
		SKIP("no testdata/capture");
	unit_data("capture/after", after, sizeof after);

	struct cr_report r;
	const char *caps[2] = { before, after };
	run(&r, caps, 2);

	/* README: the leak is main.(*session).awaitReply, created by main.(*server).handle */
	const struct cr_rfinding *leak = find(&r, "goroutine_leak");
	CHECK(leak != NULL);
	if (leak) {
		CHECK_EQ_STR(leak->subject, "main.(*session).awaitReply");
		CHECK(leak->severity == CR_FSEV_HIGH);
		char *c0 = slurp(unit_data("capture/expected/before.goroutine.txt.awaitReply.count", buf, sizeof buf));
		char *c1 = slurp(unit_data("capture/expected/after.goroutine.txt.awaitReply.count", buf, sizeof buf));
		const struct cr_table *t = table(leak, "counts");
		CHECK(c0 && c1 && t && t->nrows == 2 && t->ncols >= 2);
		if (c0 && c1 && t && t->nrows == 2) {
			CHECK_EQ_INT(t->cells[0 * t->ncols + 1].i, strtoll(c0, NULL, 10));
			CHECK_EQ_INT(t->cells[1 * t->ncols + 1].i, strtoll(c1, NULL, 10));
		}
		const struct cr_fact *cb = fact(leak, "created_by");
		CHECK(cb && cb->s && strstr(cb->s, "main.(*server).handle"));
		free(c0);
		free(c1);
	}

	/* README: C memory held through cgo malloc, visible only as anonymous RSS */
	const struct cr_rfinding *gap = find(&r, "rss_gap");
	CHECK(gap != NULL);
	char *out = slurp(unit_data("capture/expected/captureprog.stdout", buf, sizeof buf));
	CHECK(out != NULL);
	if (gap && out) {
		CHECK_EQ_STR(gap->subject, "non_go_anon");
		long long cm = stdout_value(out, "after", "cmalloc_bytes");
		const struct cr_fact *sb = fact(gap, "subject_bytes");
		CHECK(cm > 0 && sb);
		/* the C bytes (memset, so resident) plus a little other anonymous memory */
		if (cm > 0 && sb)
			CHECK(sb->i >= cm * 95 / 100 && sb->i <= cm + cm / 10);
	}
	free(out);

	/* heap growth: the in-use totals are pprof's */
	const struct cr_rfinding *hg = find(&r, "heap_growth");
	CHECK(hg != NULL);
	long long t0 = pprof_total(unit_data("capture/expected/before.heap.pb.gz.top.inuse_space.txt", buf, sizeof buf));
	long long t1 = pprof_total(unit_data("capture/expected/after.heap.pb.gz.top.inuse_space.txt", buf, sizeof buf));
	const struct cr_fact *ib = fact(hg, "inuse_before"), *ia = fact(hg, "inuse_after");
	CHECK(ib && ia && t0 > 0 && t1 > 0);
	if (ib && ia) {
		CHECK_EQ_INT(ib->i, t0);
		CHECK_EQ_INT(ia->i, t1);
	}
	/* README: the growing map is filled by main.(*cache).fill / put */
	if (hg)
		CHECK(!strcmp(hg->subject, "main.(*cache).fill") || !strcmp(hg->subject, "main.(*cache).put"));
	/* ranked: high first */
	for (size_t i = 1; i < r.nfindings; i++)
		CHECK(r.findings[i - 1].severity >= r.findings[i].severity);
	CHECK(find(&r, "inputs_mismatch") == NULL);
	cr_report_release(&r);

	/* map_growth on Go 1.19 data: the map frames runtime/pprof hid are on
	 * heap.txt's '@' lines; with the binary (given on its own: it serves
	 * every capture) they are found again. README: the bucket arrays are
	 * charged to main.(*cache).put; all of put's alloc_space in
	 * `go tool pprof -top captureprog heap.txt` is map growth. */
	char bin[4096];
	const char *three[3] = { before, after, unit_data("capture/captureprog.gz", bin, sizeof bin) };
	run(&r, three, 3);
	CHECK_EQ_INT(r.in.ncaps, 2);
	const struct cr_rfinding *mg = find(&r, "map_growth");
	CHECK(mg != NULL);
	if (mg) {
		CHECK_EQ_STR(mg->subject, "main.(*cache).put");
		char *top = slurp(unit_data("capture/expected/after.heap.txt.bin.top.alloc_space.txt", buf, sizeof buf));
		const char *row = top ? strstr(top, "main.(*cache).put\n") : NULL;
		const struct cr_table *t = table(mg, "callers");
		CHECK(row && t && t->nrows >= 1);
		if (row && t && t->nrows >= 1) {
			const char *ls = row;
			while (ls > top && ls[-1] != '\n')
				ls--;
			CHECK_EQ_INT(t->cells[0].i, strtoll(ls, NULL, 10)); /* flat bytes of put */
			CHECK_EQ_STR(t->cells[2].text, "main.(*cache).put");
		}
		free(top);
	}
	cr_report_release(&r);

	/* the capture root: its subdirectories are the captures, oldest first by
	 * the profiles' times (README: before, then after); its binary serves both */
	char root[4096];
	const char *rootv[1] = { unit_data("capture", root, sizeof root) };
	run(&r, rootv, 1);
	CHECK_EQ_INT(r.in.ncaps, 2);
	if (r.in.ncaps == 2) {
		CHECK(strstr(r.in.caps[0].path, "/before") != NULL);
		CHECK(strstr(r.in.caps[1].path, "/after") != NULL);
	}
	CHECK(find(&r, "map_growth") != NULL);
	CHECK(find(&r, "goroutine_leak") != NULL);
	cr_report_release(&r);

	/* one snapshot only: the parked group holding nearly all goroutines is
	 * still named (README: 200 awaitReply goroutines of 203 at before) */
	const char *onlyb[1] = { before };
	run(&r, onlyb, 1);
	leak = find(&r, "goroutine_leak");
	CHECK(leak && !strcmp(leak->subject, "main.(*session).awaitReply"));
	CHECK(find(&r, "heap_growth") == NULL); /* growth needs two captures */
	cr_report_release(&r);

	/* reversed order: read in the order of the profiles' own timestamps,
	 * and a note says so */
	const char *rev[2] = { after, before };
	run(&r, rev, 2);
	CHECK_EQ_INT(r.in.ncaps, 2);
	if (r.in.ncaps == 2) {
		CHECK(strstr(r.in.caps[0].path, "/before") != NULL);
		CHECK(strstr(r.in.caps[1].path, "/after") != NULL);
	}
	CHECK(strstr(cr_buf_str(&r.notes), "in the order they were taken") != NULL);
	CHECK(find(&r, "goroutine_leak") != NULL);
	cr_report_release(&r);

	/* two different processes: the status files' Pid lines differ */
	char mem[4096];
	const char *two[2] = { before, unit_data("mem", mem, sizeof mem) };
	run(&r, two, 2);
	const struct cr_rfinding *mm = find(&r, "inputs_mismatch");
	CHECK(mm && !strcmp(mm->subject, "pid") && mm->severity == CR_FSEV_HIGH);
	cr_report_release(&r);

	/* a panic: the first goroutine's innermost frame outside the runtime */
	char crash[4096];
	const char *one[1] = { unit_data("bin/crash.txt", crash, sizeof crash) };
	struct cr_error e = { 0 };
	cr_report_init(&r);
	CHECK(cr_report_add_capture(&r, one, 1, &e) == CR_OK);
	CHECK(cr_report_run(&r, &e) == CR_OK);
	const struct cr_rfinding *cf = find(&r, "crash");
	CHECK(cf && !strcmp(cf->subject, "main.(*handler).limit") && cf->severity == CR_FSEV_HIGH);
	const struct cr_fact *msg = fact(cf, "message");
	CHECK(msg && msg->s && !strncmp(msg->s, "panic: runtime error: invalid memory address", 44));
	CHECK(table(cf, "stack") && table(cf, "stack")->nrows >= 3);
	cr_report_release(&r);

	/* a core and its binary: dlv's "* Goroutine N - User: FILE:LINE FUNC (...) (thread T)"
	 * line (expected/core-gosym.dlv.txt) names the crashing goroutine */
	char core[4096], gbin[4096], pbin[4096];
	const char *cb[2] = { unit_data("bin/core-gosym.zst", core, sizeof core),
			      unit_data("bin/gosym.gz", gbin, sizeof gbin) };
	char *dlv = slurp(unit_data("bin/expected/core-gosym.dlv.txt", buf, sizeof buf));
	const char *star = dlv ? strstr(dlv, "\n* Goroutine ") : NULL;
	CHECK(star != NULL);
	if (star) {
		long long goid = strtoll(star + 13, NULL, 10);
		const char *user = strstr(star, "User: ");
		const char *sp = user ? strchr(user + 6, ' ') : NULL;
		const char *th = strstr(star, "(thread ");
		char fn[256] = "", fl[256] = "";
		if (sp) {
			snprintf(fl, sizeof fl, "%.*s", (int)(sp - (user + 6)), user + 6);
			snprintf(fn, sizeof fn, "%.*s", (int)strcspn(sp + 1, " "), sp + 1);
		}
		cr_report_init(&r);
		CHECK(cr_report_add_capture(&r, cb, 2, &e) == CR_OK);
		CHECK(cr_report_run(&r, &e) == CR_OK);
		cf = find(&r, "crash");
		CHECK(cf != NULL);
		if (cf) {
			CHECK_EQ_STR(cf->subject, fn);
			CHECK(fact(cf, "goroutine") && fact(cf, "goroutine")->i == goid);
			CHECK(th && fact(cf, "thread") && fact(cf, "thread")->i == strtoll(th + 8, NULL, 10));
			const struct cr_table *stk = table(cf, "stack");
			bool seen = false;
			for (size_t i = 0; stk && i < stk->nrows; i++)
				if (!strcmp(stk->cells[i * stk->ncols].text, fn) && !strcmp(stk->cells[i * stk->ncols + 1].text, fl))
					seen = true;
			CHECK(seen);
		}
		cr_report_release(&r);
	}
	free(dlv);
	/* the same core with another build: the core's build id says so */
	const char *cp[2] = { core, unit_data("bin/gosym-pie.gz", pbin, sizeof pbin) };
	cr_report_init(&r);
	CHECK(cr_report_add_capture(&r, cp, 2, &e) == CR_OK);
	CHECK(cr_report_run(&r, &e) == CR_OK);
	mm = find(&r, "inputs_mismatch");
	CHECK(mm && !strcmp(mm->subject, "build_id"));
	CHECK(find(&r, "crash") == NULL);
	cr_report_release(&r);

	/* two debug=2 dumps of leakprog given as files: main.leakWorker, with the
	 * counts grep finds in each dump (expected/goroutine.N.dump.leakWorker.count) */
	char d1[4096], d2[4096];
	const char *dumps[2] = { unit_data("goroutines/goroutine.1.dump", d1, sizeof d1),
				 unit_data("goroutines/goroutine.2.dump", d2, sizeof d2) };
	run(&r, dumps, 2);
	leak = find(&r, "goroutine_leak");
	CHECK(leak && !strcmp(leak->subject, "main.leakWorker"));
	char *n1 = slurp(unit_data("goroutines/expected/goroutine.1.dump.leakWorker.count", buf, sizeof buf));
	char *n2 = slurp(unit_data("goroutines/expected/goroutine.2.dump.leakWorker.count", buf, sizeof buf));
	const struct cr_table *ct = table(leak, "counts");
	CHECK(n1 && n2 && ct && ct->nrows == 2);
	if (n1 && n2 && ct && ct->nrows == 2) {
		CHECK_EQ_INT(ct->cells[1].i, strtoll(n1, NULL, 10));
		CHECK_EQ_INT(ct->cells[ct->ncols + 1].i, strtoll(n2, NULL, 10));
	}
	free(n1);
	free(n2);
	cr_report_release(&r);

	/* loose files: a kind seen again starts the next capture */
	char a1[4096], a2[4096], a3[4096], a4[4096];
	const char *args[4] = { unit_data("capture/before/heap.pb.gz", a1, sizeof a1),
				unit_data("capture/before/goroutine.txt", a2, sizeof a2),
				unit_data("capture/after/heap.pb.gz", a3, sizeof a3),
				unit_data("capture/after/goroutine.txt", a4, sizeof a4) };
	size_t starts[4], counts[4];
	size_t ng = cr_capture_group_args(args, 4, starts, counts);
	CHECK_EQ_INT(ng, 2);
	CHECK_EQ_INT(starts[1], 2);
	CHECK_EQ_INT(counts[0], 2);

	/* nothing readable: CR_EMPTY, and the capture is not kept */
	char readme[4096];
	const char *bad[1] = { unit_data("capture/README.md", readme, sizeof readme) };
	cr_report_init(&r);
	CHECK(cr_report_add_capture(&r, bad, 1, &e) == CR_EMPTY);
	CHECK_EQ_INT(r.in.ncaps, 0);
	cr_report_release(&r);
	return unit_done();
}
