/* mem: readers against the recorded references (awk sums of smaps, grep of
 * status, the MemStats block, the programs' own printouts), the ledger's
 * contract (components add up to RSS; non_go_anon ~ the C bytes the program
 * says it holds; go_heap_inuse == MemStats HeapInuse), diffs, bad input. */
#include "../unit.h"
#include "coroner/gort.h" /* cr_memsnap_from_gort */
#include "coroner/mem.h"
#include "coroner/input.h"

#include <stdbool.h>

static char *slurp(const char *rel, size_t *len)
{
	char path[4096];
	if (!unit_data(rel, path, sizeof path))
		SKIP("TESTDATA not set");
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("SKIP: %s missing\n", path);
		exit(77);
	}
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void load(struct cr_memsnap *s, const char *rel)
{
	char path[4096];
	struct cr_error e = { 0 };
	unit_data(rel, path, sizeof path);
	cr_memsnap_init(s);
	if (cr_memsnap_load(s, path, NULL, &e)) {
		fprintf(stderr, "load %s: %s\n", rel, e.msg);
		CHECK(0);
	}
}

/* "key=value" from a program's printout (its own measurement). */
static bool printed(const char *text, const char *key, int64_t *v)
{
	char pat[128];
	snprintf(pat, sizeof pat, "%s=", key);
	const char *p = strstr(text, pat);
	while (p && p != text && p[-1] != ' ' && p[-1] != '\n')
		p = strstr(p + 1, pat);
	if (!p)
		return false;
	*v = strtoll(p + strlen(pat), NULL, 10);
	return true;
}

/* expected/smaps.sums.txt: "Key:  sum-over-smaps-kB  rollup-kB|-" (awk). */
static void test_smaps_sums(const char *dir)
{
	char rel[256];
	size_t n;
	struct cr_memsnap sm, ro;
	snprintf(rel, sizeof rel, "%s/smaps", dir);
	load(&sm, rel);
	snprintf(rel, sizeof rel, "%s/smaps_rollup", dir);
	load(&ro, rel);
	CHECK_EQ_INT(sm.src, CR_MS_SMAPS);
	CHECK_EQ_INT(ro.src, CR_MS_SMAPS_ROLLUP);
	snprintf(rel, sizeof rel, "%s/expected/smaps.sums.txt", dir);
	char *ref = slurp(rel, &n);
	int rows = 0;
	free(ref);
	ref = slurp(rel, &n);
	char *save = NULL;
	for (char *line = strtok_r(ref, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64], roll[64];
		long long sum;
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63[^:]: %lld %63s", key, &sum, roll) != 3)
			continue;
		int64_t v;
		CHECK(cr_memsnap_get(&sm, key, &v));
		if (strcmp(key, "KernelPageSize") && strcmp(key, "MMUPageSize")) /* not kB sums */
			CHECK_EQ_INT(v, sum * 1024);
		if (strcmp(roll, "-") != 0) {
			CHECK(cr_memsnap_get(&ro, key, &v));
			CHECK_EQ_INT(v, strtoll(roll, NULL, 10) * 1024);
		}
		rows++;
	}
	free(ref);
	CHECK(rows >= 15);
	/* "# mappings: N" */
	ref = slurp(rel, &n);
	const char *mp = strstr(ref, "# mappings:");
	if (mp)
		CHECK_EQ_INT(sm.nmaps, strtoll(mp + 11, NULL, 10));
	free(ref);
	cr_memsnap_release(&sm);
	cr_memsnap_release(&ro);
}

static void test_status(void)
{
	struct cr_memsnap st;
	size_t n;
	load(&st, "mem/status");
	CHECK_EQ_INT(st.src, CR_MS_STATUS);
	char *ref = slurp("mem/expected/status.vm.txt", &n), *save = NULL;
	int rows = 0;
	for (char *line = strtok_r(ref, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long kb;
		if (sscanf(line, "%63[^:]: %lld kB", key, &kb) != 2)
			continue;
		int64_t v;
		CHECK(cr_memsnap_get(&st, key, &v));
		CHECK_EQ_INT(v, kb * 1024);
		rows++;
	}
	free(ref);
	CHECK(rows >= 10);
	const struct cr_memfield *f = cr_memsnap_field(&st, "Name");
	CHECK(f && f->unit == CR_MU_TEXT && !strcmp(f->text, "memprog"));
	f = cr_memsnap_field(&st, "Threads");
	CHECK(f && f->unit == CR_MU_COUNT && f->value > 0);
	/* unknown and text fields are kept */
	CHECK(cr_memsnap_field(&st, "Cpus_allowed_list") != NULL);
	cr_memsnap_release(&st);
}

static int64_t memstats_ref(const char *text, const char *key)
{
	char pat[96];
	snprintf(pat, sizeof pat, "# %s = ", key);
	const char *p = strstr(text, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static void test_memstats(void)
{
	size_t n;
	struct cr_memsnap a, b;
	load(&a, "mem/heap.txt");
	CHECK_EQ_INT(a.src, CR_MS_MEMSTATS);
	char *ref = slurp("mem/expected/heap.txt.memstats.txt", &n);
	static const char *const keys[] = { "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "Sys",
					    "GCSys", "OtherSys", "BuckHashSys", "NumGC" };
	int64_t v;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		CHECK(cr_memsnap_get(&a, keys[i], &v));
		CHECK_EQ_INT(v, memstats_ref(ref, keys[i]));
	}
	/* "# Stack = inuse / sys" */
	const char *p = strstr(ref, "# Stack = ");
	CHECK(p != NULL);
	if (p) {
		CHECK(cr_memsnap_get(&a, "StackInuse", &v));
		CHECK_EQ_INT(v, strtoll(p + 10, NULL, 10));
		CHECK(cr_memsnap_get(&a, "StackSys", &v));
		CHECK_EQ_INT(v, strtoll(strchr(p, '/') + 1, NULL, 10));
	}
	free(ref);
	load(&b, "mem/memstats.json");
	CHECK_EQ_INT(b.src, CR_MS_MEMSTATS);
	ref = slurp("mem/expected/memstats.heap.txt", &n);
	int rows = 0;
	char *save = NULL;
	for (char *line = strtok_r(ref, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long val;
		if (sscanf(line, " \"%63[^\"]\": %lld", key, &val) != 2)
			continue;
		CHECK(cr_memsnap_get(&b, key, &v));
		CHECK_EQ_INT(v, val);
		rows++;
	}
	CHECK(rows >= 10);
	free(ref);
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);
}

static int64_t comp(const struct cr_ledger *l, enum cr_component c) { return l->comp[c].bytes; }

/* dir holds smaps_rollup, smaps, status, heap.txt; stdout_rel the program's
 * printout with cmalloc_bytes=N (the C memory it holds, all pages touched). */
static void test_ledger(const char *prefix, const char *stdout_rel, const char *marker)
{
	char rel[256];
	size_t n;
	struct cr_memsnap ro, sm, st, ms;
	snprintf(rel, sizeof rel, "%s/smaps_rollup", prefix);
	load(&ro, rel);
	snprintf(rel, sizeof rel, "%s/smaps", prefix);
	load(&sm, rel);
	snprintf(rel, sizeof rel, "%s/status", prefix);
	load(&st, rel);
	snprintf(rel, sizeof rel, "%s/heap.txt", prefix);
	load(&ms, rel);
	char *out = slurp(stdout_rel, &n);
	const char *text = out;
	if (marker && strstr(out, marker))
		text = strstr(out, marker);
	int64_t cbytes = -1;
	CHECK(printed(text, "cmalloc_bytes", &cbytes));
	/* the heap profile's own MemStats block is the reference for HeapInuse */
	snprintf(rel, sizeof rel, "%s/heap.txt", prefix);
	char *heap = slurp(rel, &n);
	int64_t heapinuse = memstats_ref(heap, "HeapInuse");
	free(heap);
	/* RSS as the kernel wrote it */
	snprintf(rel, sizeof rel, "%s/smaps_rollup", prefix);
	char *rr = slurp(rel, &n);
	const char *rp = strstr(rr, "\nRss:");
	int64_t rss_kb = rp ? strtoll(rp + 5, NULL, 10) : -1;
	free(rr);

	struct cr_ledger_in in = { .rollup = &ro, .smaps = &sm, .status = &st, .memstats = &ms };
	struct cr_ledger l;
	struct cr_error e = { 0 };
	CHECK(cr_ledger_compute(&l, &in, &e) == CR_OK);
	CHECK_EQ_INT(l.rss, rss_kb * 1024);
	int64_t sum = 0;
	for (int c = 0; c < CR_C_COUNT; c++)
		sum += comp(&l, c);
	CHECK_EQ_INT(sum, l.rss);
	CHECK_EQ_INT(comp(&l, CR_C_GO_HEAP_INUSE), heapinuse);
	int64_t d = comp(&l, CR_C_NON_GO_ANON) - cbytes;
	if (d < 0)
		d = -d;
	if (d > (4 << 20))
		fprintf(stderr, "%s: non_go_anon %lld vs C bytes %lld\n", prefix,
			(long long)comp(&l, CR_C_NON_GO_ANON), (long long)cbytes);
	CHECK(d <= (4 << 20));
	CHECK(l.labels[CR_ML_GO_ARENA].count > 0);
	CHECK(l.labels[CR_ML_BINARY].count > 0);
	CHECK(l.labels[CR_ML_BRK_HEAP].count == 1);
	CHECK(l.labels[CR_ML_MAIN_STACK].count == 1);
	/* labels partition the mappings */
	int64_t cnt = 0, lrss = 0, srss;
	for (int k = 0; k < CR_ML_COUNT; k++)
		cnt += l.labels[k].count, lrss += l.labels[k].rss;
	CHECK_EQ_INT(cnt, sm.nmaps);
	CHECK(cr_memsnap_get(&sm, "Rss", &srss));
	CHECK_EQ_INT(lrss, srss);
	/* the C memory is a finding */
	bool found = false;
	for (size_t i = 0; i < l.nfindings; i++)
		found |= !strcmp(l.findings[i].id, "non_go_anon");
	CHECK(found || cbytes < (32 << 20));
	int64_t pid;
	CHECK(cr_memsnap_get(&st, "Pid", &pid) && pid == l.pid);
	cr_ledger_release(&l);

	/* without smaps: rollup + status + MemStats still add up */
	in.smaps = NULL;
	CHECK(cr_ledger_compute(&l, &in, &e) == CR_OK);
	sum = 0;
	for (int c = 0; c < CR_C_COUNT; c++)
		sum += comp(&l, c);
	CHECK_EQ_INT(sum, l.rss);
	CHECK_EQ_INT(comp(&l, CR_C_GO_HEAP_INUSE), heapinuse);
	cr_ledger_release(&l);
	/* status alone */
	struct cr_ledger_in in2 = { .status = &st };
	CHECK(cr_ledger_compute(&l, &in2, &e) == CR_OK);
	int64_t vmrss;
	CHECK(cr_memsnap_get(&st, "VmRSS", &vmrss) && l.rss == vmrss);
	sum = 0;
	for (int c = 0; c < CR_C_COUNT; c++)
		sum += comp(&l, c);
	CHECK_EQ_INT(sum, l.rss);
	cr_ledger_release(&l);
	free(out);
	cr_memsnap_release(&ro);
	cr_memsnap_release(&sm);
	cr_memsnap_release(&st);
	cr_memsnap_release(&ms);
}

static void test_gctrace(void)
{
	size_t n;
	char *raw = slurp("mem/gctrace.txt", &n);
	char *cnt = slurp("mem/expected/gctrace.count", &n);
	struct cr_gctrace t;
	struct cr_error e = { 0 };
	cr_gctrace_init(&t);
	CHECK(cr_gctrace_parse(&t, (const unsigned char *)raw, strlen(raw), "gctrace.txt", NULL, &e) == CR_OK);
	CHECK_EQ_INT(t.n, strtoll(cnt, NULL, 10));
	/* the file itself: forced lines and the last line's fields */
	size_t forced = 0;
	for (const char *p = raw; (p = strstr(p, "(forced)")); p++)
		forced++;
	struct cr_gcstats st;
	cr_gctrace_stats(&t, &st);
	CHECK_EQ_INT(st.forced, forced);
	CHECK_EQ_INT(st.count, t.n);
	const char *last = raw + strlen(raw);
	while (last > raw && last[-1] == '\n')
		last--;
	while (last > raw && last[-1] != '\n')
		last--;
	unsigned long long num;
	double at, goal;
	int pct;
	CHECK(sscanf(last, "gc %llu @%lfs %d%%", &num, &at, &pct) == 3);
	const char *gp = strstr(last, " MB goal");
	while (gp && gp > last && gp[-1] != ' ')
		gp--;
	goal = gp ? strtod(gp, NULL) : -1;
	CHECK_EQ_INT(st.last_num, num);
	CHECK(st.goal_last_mb == goal);
	CHECK_EQ_INT(st.cpu_pct_last, pct);
	CHECK(st.pause_p50_ms <= st.pause_p99_ms && st.pause_p99_ms <= st.pause_max_ms);
	cr_gctrace_release(&t);
	free(cnt);
	/* older format (Go < 1.18: no stacks/globals), interleaved output, junk */
	static const char old[] =
		"starting\n"
		"gc 1 @0.012s 2%: 0.011+0.51+0.003 ms clock, 0.046+0.10/0.41/0.38+0.015 ms cpu, 4->4->0 MB, 5 MB goal, 4 P\n"
		"scvg: 0 MB released\n"
		"gc 2 @1.5s 0%: 0.1+2+0.2 ms clock, 0.4+0/1/2+0.8 ms cpu, 4->5->1 MB, 6 MB goal, 4 P (forced)\n"
		"gc 3 @x broken\n";
	cr_gctrace_init(&t);
	struct cr_buf w = { 0 };
	CHECK(cr_gctrace_parse(&t, (const unsigned char *)old, sizeof old - 1, "old", &w, &e) == CR_OK);
	CHECK_EQ_INT(t.n, 2);
	CHECK(t.n == 2 && t.gcs[0].stacks_mb < 0 && t.gcs[0].procs == 4 && t.gcs[1].forced);
	CHECK(strstr(cr_buf_str(&w), "line 5") != NULL);
	cr_buf_release(&w);
	cr_gctrace_release(&t);
	cr_gctrace_init(&t);
	struct cr_error e2 = { 0 };
	CHECK(cr_gctrace_parse(&t, (const unsigned char *)"hello\n", 6, "x", NULL, &e2) == CR_EMPTY);
	cr_gctrace_release(&t);
	free(raw);
}

static enum cr_err parse_str(struct cr_memsnap *s, const char *text, struct cr_error *e)
{
	cr_memsnap_init(s);
	memset(e, 0, sizeof *e);
	return cr_memsnap_parse(s, (const unsigned char *)text, strlen(text), "t", NULL, e);
}

static void test_bad_input(void)
{
	struct cr_memsnap s;
	struct cr_error e;
	const char *hdr = "00400000-7ffd0615f000 ---p 00000000 00:00 0                              [rollup]\n";
	char buf[1024];
	/* 20 digits */
	snprintf(buf, sizeof buf, "%sRss: 99999999999999999999 kB\n", hdr);
	CHECK(parse_str(&s, buf, &e) == CR_FORMAT && strstr(e.msg, "overflows") && strstr(e.msg, "line 2"));
	cr_memsnap_release(&s);
	/* fits in 64 bits, not once multiplied by 1024 */
	snprintf(buf, sizeof buf, "%sRss: 9007199254740993 kB\n", hdr);
	CHECK(parse_str(&s, buf, &e) == CR_FORMAT && strstr(e.msg, "overflows"));
	cr_memsnap_release(&s);
	/* missing unit on a residency field */
	snprintf(buf, sizeof buf, "%sRss: 132100\n", hdr);
	CHECK(parse_str(&s, buf, &e) == CR_FORMAT && strstr(e.msg, "not in kB") && strstr(e.msg, "line 2"));
	cr_memsnap_release(&s);
	/* missing Rss */
	snprintf(buf, sizeof buf, "%sPss: 4 kB\n", hdr);
	CHECK(parse_str(&s, buf, &e) == CR_FORMAT && strstr(e.msg, "Rss"));
	cr_memsnap_release(&s);
	/* extra fields of another kernel are kept; a value without a unit too */
	snprintf(buf, sizeof buf, "%sRss: 8 kB\nFutureThing: 12 kB\nPlain: 7\nWords: a b c\n", hdr);
	CHECK(parse_str(&s, buf, &e) == CR_OK);
	int64_t v;
	CHECK(cr_memsnap_get(&s, "FutureThing", &v) && v == 12 * 1024);
	CHECK(cr_memsnap_get(&s, "Plain", &v) && v == 7 && cr_memsnap_field(&s, "Plain")->unit == CR_MU_COUNT);
	CHECK(cr_memsnap_field(&s, "Words") && !strcmp(cr_memsnap_field(&s, "Words")->text, "a b c"));
	cr_memsnap_release(&s);
	/* smaps: a field before any mapping, a mapping without Rss */
	CHECK(parse_str(&s, "Rss: 4 kB\n00400000-00402000 r--p 00000000 fe:00 1 /bin/x\nRss: 4 kB\n", &e) != CR_OK);
	cr_memsnap_release(&s);
	CHECK(parse_str(&s, "00400000-00402000 r--p 00000000 fe:00 1 /bin/x\nSize: 8 kB\nRss: 4 kB\n"
			    "00402000-00404000 r-xp 00000000 fe:00 1 /bin/x\nSize: 8 kB\n", &e) == CR_FORMAT &&
	      strstr(e.msg, "without an 'Rss:'"));
	cr_memsnap_release(&s);
	/* garbage line inside smaps */
	CHECK(parse_str(&s, "00400000-00402000 r--p 00000000 fe:00 1 /bin/x\nSize: 8 kB\nRss: 4 kB\nhello world\n", &e) == CR_FORMAT &&
	      strstr(e.msg, "line 4"));
	cr_memsnap_release(&s);
	/* (deleted) paths stay */
	CHECK(parse_str(&s, "00400000-00402000 rw-s 00000000 00:01 5 /dev/shm/x (deleted)\nSize: 8 kB\nRss: 8 kB\n", &e) == CR_OK);
	CHECK(s.nmaps == 1 && !strcmp(s.maps[0].path, "/dev/shm/x (deleted)"));
	cr_memsnap_label(&s, NULL, 0, NULL);
	CHECK_EQ_INT(s.maps[0].label, CR_ML_SHMEM);
	cr_memsnap_release(&s);
	/* another kind of file */
	CHECK(parse_str(&s, "heap profile: 1: 2 [3: 4] @ heap/1024\n", &e) == CR_FORMAT); /* no MemStats */
	cr_memsnap_release(&s);
	CHECK(parse_str(&s, "goroutine 1 [running]:\nmain.main()\n", &e) == CR_UNSUPPORTED && strstr(e.msg, "traceback"));
	cr_memsnap_release(&s);
	CHECK(parse_str(&s, "", &e) == CR_FORMAT && strstr(e.msg, "empty"));
	cr_memsnap_release(&s);
	/* status without VmRSS (kernel thread) */
	CHECK(parse_str(&s, "Name:\tkworker/0:1\nPid:\t12\nThreads:\t1\n", &e) == CR_FORMAT && strstr(e.msg, "VmRSS"));
	cr_memsnap_release(&s);
	CHECK(parse_str(&s, "Name:\tx\nPid:\t12\nVmRSS:\t100\n", &e) == CR_FORMAT && strstr(e.msg, "not in kB"));
	cr_memsnap_release(&s);
	/* cgroup v2 keys */
	CHECK(parse_str(&s, "anon 4096\nfile 8192\nkernel_stack 16384\npgfault 12\n", &e) == CR_OK);
	CHECK_EQ_INT(s.src, CR_MS_CGROUP_V2);
	CHECK(cr_memsnap_field(&s, "pgfault") && cr_memsnap_field(&s, "pgfault")->unit == CR_MU_COUNT);
	CHECK(cr_memsnap_get(&s, "file", &v) && v == 8192);
	cr_memsnap_release(&s);
	/* expvar-style nested MemStats JSON */
	CHECK(parse_str(&s, "{\"cmdline\": [\"x\"], \"memstats\": {\"HeapInuse\": 8192, \"Sys\": 99, \"BySize\": [{\"Size\": 8, \"Mallocs\": 3}], \"Mallocs\": 10}}", &e) == CR_OK);
	CHECK(cr_memsnap_get(&s, "HeapInuse", &v) && v == 8192);
	CHECK(cr_memsnap_get(&s, "Mallocs", &v) && v == 3); /* first occurrence; documented */
	cr_memsnap_release(&s);
	/* no RSS source at all */
	struct cr_ledger l;
	struct cr_ledger_in in = { 0 };
	memset(&e, 0, sizeof e);
	CHECK(cr_ledger_compute(&l, &in, &e) == CR_USAGE);
	cr_ledger_release(&l);
}

/* Two different processes: status of one, smaps of the other. */
static void test_mismatch(void)
{
	struct cr_memsnap sm, st;
	load(&sm, "mem/smaps");
	load(&st, "capture/before/status");
	struct cr_ledger_in in = { .smaps = &sm, .status = &st };
	struct cr_ledger l;
	struct cr_error e = { 0 };
	CHECK(cr_ledger_compute(&l, &in, &e) == CR_OK);
	CHECK(strstr(cr_buf_str(&l.warnings), "two different processes") != NULL);
	cr_ledger_release(&l);
	cr_memsnap_release(&sm);
	cr_memsnap_release(&st);
}

static void test_diff(void)
{
	struct cr_memsnap a, b;
	struct cr_memdiff d;
	struct cr_error e = { 0 };
	int64_t va, vb;
	load(&a, "capture/before/smaps_rollup");
	load(&b, "capture/after/smaps_rollup");
	cr_memdiff_init(&d);
	CHECK(cr_memdiff_fields(&d, &a, &b, &e) == CR_OK);
	CHECK(d.nrows == a.nfields); /* all numeric, same kernel */
	bool seen = false;
	for (size_t i = 0; i < d.nrows; i++)
		if (!strcmp(d.rows[i].name, "Rss")) {
			seen = true;
			CHECK(cr_memsnap_get(&a, "Rss", &va) && cr_memsnap_get(&b, "Rss", &vb));
			CHECK_EQ_INT(d.rows[i].base, va);
			CHECK_EQ_INT(d.rows[i].new_, vb);
			CHECK_EQ_INT(d.rows[i].delta, vb - va);
		}
	CHECK(seen);
	cr_memdiff_release(&d);
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);

	/* a status against a rollup: refused */
	load(&a, "capture/before/status");
	load(&b, "capture/after/smaps_rollup");
	cr_memdiff_init(&d);
	CHECK(cr_memdiff_fields(&d, &a, &b, &e) == CR_FORMAT && strstr(e.msg, "not the same kind"));
	cr_memdiff_release(&d);
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);

	/* per label: deltas add up to the change of the smaps Rss sums */
	load(&a, "capture/before/smaps");
	load(&b, "capture/after/smaps");
	cr_memdiff_init(&d);
	memset(&e, 0, sizeof e);
	CHECK(cr_memdiff_labels(&d, &a, &b, &e) == CR_OK);
	int64_t sum = 0;
	bool arena = false;
	for (size_t i = 0; i < d.nrows; i++) {
		sum += d.rows[i].delta;
		arena |= !strcmp(d.rows[i].name, "go_arena");
		if (i)
			CHECK(llabs(d.rows[i - 1].delta) >= llabs(d.rows[i].delta));
	}
	CHECK(arena);
	CHECK(cr_memsnap_get(&a, "Rss", &va) && cr_memsnap_get(&b, "Rss", &vb));
	CHECK_EQ_INT(sum, vb - va);
	cr_memdiff_release(&d);
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);
}

/* Exact arena ranges (as a core gives them) win over the hints. */
static void test_exact_arenas(void)
{
	struct cr_memsnap sm;
	load(&sm, "mem/smaps");
	struct cr_range none = { 0x1000, 0x2000 };
	cr_memsnap_label(&sm, &none, 1, NULL);
	struct cr_labelsum ls[CR_ML_COUNT];
	cr_memsnap_label_sums(&sm, ls);
	CHECK_EQ_INT(ls[CR_ML_GO_ARENA].count, 0);
	cr_memsnap_label(&sm, NULL, 0, NULL);
	cr_memsnap_label_sums(&sm, ls);
	CHECK(ls[CR_ML_GO_ARENA].count > 0);
	cr_memsnap_release(&sm);
}

/* A core's figures become a MemStats snapshot the ledger reads. */
static void test_from_gort(void)
{
	struct cr_gort_mem m;
	struct cr_memsnap s;
	struct cr_error e = { 0 };
	memset(&m, 0, sizeof m);
	cr_memsnap_init(&s);
	CHECK(cr_memsnap_from_gort(&s, &m, "core", &e) == CR_EMPTY && e.msg[0]);
	cr_memsnap_release(&s);
	m.present = true;
	m.heap_inuse = 8192;
	m.stack_inuse = 4096;
	m.num_gc = 3;
	cr_memsnap_init(&s);
	memset(&e, 0, sizeof e);
	CHECK(cr_memsnap_from_gort(&s, &m, "core", &e) == CR_OK);
	int64_t v;
	CHECK(s.src == CR_MS_MEMSTATS);
	CHECK(cr_memsnap_get(&s, "HeapInuse", &v) && v == 8192);
	CHECK(cr_memsnap_get(&s, "StackInuse", &v) && v == 4096);
	CHECK(cr_memsnap_field(&s, "NumGC") && cr_memsnap_field(&s, "NumGC")->unit == CR_MU_COUNT);
	CHECK(!cr_memsnap_get(&s, "HeapAlloc", &v)); /* have_alloc false */
	cr_memsnap_release(&s);
}

static void test_check_pair(void)
{
	struct cr_memsnap a, b, c;
	struct cr_buf w = { 0 };
	load(&a, "capture/before/status");
	load(&b, "capture/after/status");
	load(&c, "mem/status");
	CHECK(cr_memsnap_check_pair(&a, &b, 60, &w)); /* one process, 3 s apart */
	CHECK(!cr_memsnap_check_pair(&a, &c, 60, &w) && strstr(cr_buf_str(&w), "two different processes"));
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);
	cr_memsnap_release(&c);
	cr_buf_release(&w);
	/* MemStats: LastGC skew and NumGC order (the JSON files' own values) */
	load(&a, "capture/expected/before.memstats.json");
	load(&b, "capture/expected/after.memstats.json");
	int64_t la, lb;
	CHECK(cr_memsnap_get(&a, "LastGC", &la) && cr_memsnap_get(&b, "LastGC", &lb));
	int64_t skew = (lb > la ? lb - la : la - lb) / 1000000000;
	CHECK(cr_memsnap_check_pair(&a, &b, skew + 1, &w));
	CHECK(cr_buf_str(&w)[0] == 0);
	if (skew >= 1)
		CHECK(!cr_memsnap_check_pair(&a, &b, skew - 1, &w) && strstr(cr_buf_str(&w), "apart"));
	cr_memsnap_release(&a);
	cr_memsnap_release(&b);
	cr_buf_release(&w);
}

/* memory.stat (this machine: cgroup v1) joined into the ledger. */
static void test_cgroup(void)
{
	size_t n;
	char *raw = slurp("mem/memory.stat", &n);
	const char *p = strstr(raw, "\ntotal_rss ");
	const char *q = strstr(raw, "\ntotal_cache ");
	struct cr_memsnap cg, st;
	load(&cg, "mem/memory.stat");
	load(&st, "mem/status");
	CHECK(cg.src == CR_MS_CGROUP_V1 || cg.src == CR_MS_CGROUP_V2);
	struct cr_ledger_in in = { .status = &st, .cgroup = &cg };
	struct cr_ledger l;
	struct cr_error e = { 0 };
	CHECK(cr_ledger_compute(&l, &in, &e) == CR_OK && l.have_cgroup);
	if (p && q && cg.src == CR_MS_CGROUP_V1) {
		CHECK_EQ_INT(l.cgroup.anon, strtoll(p + 11, NULL, 10));
		CHECK_EQ_INT(l.cgroup.file, strtoll(q + 13, NULL, 10));
	}
	cr_ledger_release(&l);
	cr_memsnap_release(&cg);
	cr_memsnap_release(&st);
	free(raw);
}

/* cgroup v2 control files, in the kernel's formats (Documentation/admin-guide/
 * cgroup-v2.rst): the numbers asserted are the texts' own. */
static void test_cgroup_v2_files(void)
{
	static const char events[] = "low 0\nhigh 12\nmax 345\noom 7\noom_kill 6\noom_group_kill 0\n";
	struct cr_memsnap s;
	struct cr_error e = { 0 };
	cr_memsnap_init(&s);
	CHECK(cr_cgroup_file_version("memory.events") == 2 && cr_cgroup_file_version("memory.oom_control") == 1 &&
	      cr_cgroup_file_version("memory.stat") == 0 && cr_cgroup_file_version("memory.events.local") == 0);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.events", (const unsigned char *)events, sizeof events - 1,
					 "memory.events", &e) == CR_OK);
	CHECK(s.src == CR_MS_CGROUP_V2);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.max", (const unsigned char *)"max\n", 4, "memory.max", &e) ==
	      CR_OK);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.peak", (const unsigned char *)"536870912\n", 10, "memory.peak",
					 &e) == CR_OK);
	struct cr_cgroup_view v;
	cr_cgroup_view(&s, &v);
	CHECK(v.version == 2 && !v.have_stat);
	CHECK_EQ_INT(v.oom_kills, 6);
	CHECK_EQ_INT(v.limit_hits, 345);
	CHECK_EQ_INT(v.peak, 536870912);
	CHECK(v.limit == CR_CGROUP_UNLIMITED);
	CHECK_EQ_INT(v.usage, -1);
	/* a limit in bytes; an unknown key is kept */
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.max", (const unsigned char *)"1073741824", 10, "memory.max", &e) ==
	      CR_OK);
	cr_cgroup_view(&s, &v);
	CHECK_EQ_INT(v.limit, 1073741824);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.events", (const unsigned char *)"sock_throttled 3\n", 17,
					 "memory.events", &e) == CR_OK);
	int64_t x;
	CHECK(cr_memsnap_get(&s, "memory.events.sock_throttled", &x) && x == 3);
	/* refusals (a fresh error each: the first error is kept) */
	struct cr_error e1 = { 0 }, e2 = { 0 }, e3 = { 0 };
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.max", (const unsigned char *)"-1\n", 3, "memory.max", &e1) ==
	      CR_FORMAT);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.peak", (const unsigned char *)"", 0, "memory.peak", &e2) ==
	      CR_FORMAT);
	CHECK(cr_memsnap_add_cgroup_file(&s, "memory.foo", (const unsigned char *)"1", 1, "memory.foo", &e3) ==
	      CR_UNSUPPORTED);
	cr_memsnap_release(&s);
}

int main(void)
{
	test_from_gort();
	test_cgroup();
	test_cgroup_v2_files();
	test_check_pair();
	test_smaps_sums("mem");
	test_status();
	test_memstats();
	test_ledger("mem", "mem/expected/memprog.stdout", NULL);
	test_ledger("capture/before", "capture/expected/captureprog.stdout", "snapshot=before");
	test_ledger("capture/after", "capture/expected/captureprog.stdout", "snapshot=after");
	test_gctrace();
	test_bad_input();
	test_mismatch();
	test_diff();
	test_exact_arenas();
	return unit_done();
}
