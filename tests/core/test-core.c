/* Core reader and gort on the real cores of testdata/bin, and on hostile
 * variants of them: truncated at many points, corrupt notes, random byte
 * flips in memory (cyclic/garbage stacks, wild pointers). The hostile runs
 * assert only "no crash, no hang, a clean code"; the real ones assert facts
 * from references: the signal from the process's exit status, the
 * goroutine count from the runtime's own traceback header count, and the
 * thread count from readelf (recorded below from the run of regen.sh). */
#include "../unit.h"
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/gort.h"
#include "coroner/input.h"

static long read_number_file(const char *rel, const char *prefix)
{
	char path[4096];
	if (!unit_data(rel, path, sizeof path))
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	long v = -1;
	size_t pl = strlen(prefix);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, prefix, pl) == 0) {
			v = strtol(line + pl, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Parse + gort on a buffer; must not crash; returns the code. */
static enum cr_err run_all(const unsigned char *d, size_t n, struct cr_binary *b, size_t *ngs)
{
	struct cr_core c;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_core_parse(&c, d, n, "mutant", &e);
	if (rc) {
		cr_core_close(&c);
		return rc;
	}
	struct cr_gort g;
	rc = cr_gort_open(&g, &c, b, &e);
	if (!rc && ngs)
		*ngs = g.ngs;
	if (!rc) {
		/* touch every frame: garbage must still be valid strings */
		for (size_t i = 0; i < g.ngs; i++)
			for (size_t k = 0; k < g.gs[i].stack->nframes; k++)
				CHECK(g.gs[i].stack->frames[k].function != NULL);
		struct cr_profile p;
		cr_profile_init(&p);
		cr_gort_profile(&g, &p, NULL);
		cr_profile_release(&p);
	}
	cr_gort_release(&g);
	cr_core_close(&c);
	return rc;
}

static void one(const char *suffix)
{
	char cpath[4096], bpath[4096], rel[256];
	snprintf(rel, sizeof rel, "bin/core-gosym%s.zst", suffix);
	unit_data(rel, cpath, sizeof cpath);
	snprintf(rel, sizeof rel, "bin/gosym%s.gz", suffix);
	unit_data(rel, bpath, sizeof bpath);

	struct cr_error e = { 0 };
	struct cr_core c;
	if (cr_core_open(&c, cpath, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		CHECK(0);
		return;
	}
	struct cr_binary *b = NULL;
	CHECK_EQ_INT(cr_binary_open(&b, bpath, &e), CR_OK);
	if (!b) {
		cr_core_close(&c);
		return;
	}
	CHECK_EQ_INT(c.arch, CR_ARCH_AMD64);
	/* readelf -n core-gosym: 4 NT_PRSTATUS notes (both cores, GOMAXPROCS=2) */
	CHECK_EQ_INT(c.nthreads, 4);
	snprintf(rel, sizeof rel, "bin/expected/crash%s.exit", suffix);
	long st = read_number_file(rel, "exit status ");
	CHECK(st > 128);
	CHECK(c.sig.present);
	CHECK_EQ_INT(c.sig.signo, st - 128);
	CHECK(c.ps.present);
	CHECK(c.nfiles > 0);
	CHECK(cr_core_exe_path(&c) != NULL);
	CHECK(!c.truncated);

	struct cr_gort g;
	CHECK_EQ_INT(cr_gort_open(&g, &c, b, &e), CR_OK);
	snprintf(rel, sizeof rel, "bin/expected/crash%s.txt.headers.count", suffix);
	long ng = read_number_file(rel, "");
	CHECK_EQ_INT(g.ngs, ng);
	CHECK_EQ_STR(g.go_version, "go1.19.8"); /* testdata/gen/README.md: Go 1.19.8 */
	CHECK_EQ_INT(g.crash_goid, 1);          /* crash.txt: goroutine 1 [running] */
	CHECK_EQ_INT(g.go_sig, 11);             /* crash.txt: [signal SIGSEGV ... */
	CHECK(g.mem.present);
	CHECK(g.mem.narenas >= 1);
	CHECK(g.mem.heap_inuse > 0 && g.mem.heap_inuse <= g.mem.heap_sys);
	cr_gort_release(&g);

	/* hostile variants, from the decompressed core */
	size_t n = c.in.len;
	unsigned char *copy = malloc(n);
	if (!copy)
		goto out;
	memcpy(copy, c.in.data, n);
	/* truncation at many points: parse must succeed past the notes, with
	 * `truncated` set, and gort must give partial results or a clean error */
	static const double cuts[] = { 0.0, 0.0001, 0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999 };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		size_t k = (size_t)((double)n * cuts[i]);
		enum cr_err rc = run_all(copy, k, b, NULL);
		CHECK(rc == CR_OK || rc == CR_FORMAT || rc == CR_UNSUPPORTED);
	}
	struct cr_core t;
	if (cr_core_parse(&t, copy, n / 2, "half", &e) == CR_OK) {
		CHECK(t.truncated);
		cr_core_close(&t);
	} else
		CHECK(0);
	/* corrupt notes: random bytes in the PT_NOTE area (first 16 KiB) */
	for (int round = 0; round < 300; round++) {
		memcpy(copy, c.in.data, 16384 < n ? 16384 : n);
		for (int f = 0; f < 8; f++) {
			size_t at = 64 + (size_t)(next_rand() % 16000);
			copy[at] = (unsigned char)next_rand();
		}
		enum cr_err rc = run_all(copy, n, b, NULL);
		CHECK(rc == CR_OK || rc == CR_FORMAT || rc == CR_UNSUPPORTED || rc == CR_NOMEM || rc == CR_LIMIT);
	}
	memcpy(copy, c.in.data, n);
	/* byte flips all over memory: stacks, g structs, allgs */
	for (int round = 0; round < 150; round++) {
		size_t saved_at[64];
		unsigned char saved[64];
		for (int f = 0; f < 64; f++) {
			size_t at = 16384 + (size_t)(next_rand() % (n - 16384));
			saved_at[f] = at;
			saved[f] = copy[at];
			copy[at] = (unsigned char)next_rand();
		}
		enum cr_err rc = run_all(copy, n, b, NULL);
		CHECK(rc == CR_OK || rc == CR_FORMAT || rc == CR_UNSUPPORTED || rc == CR_NOMEM || rc == CR_LIMIT);
		for (int f = 63; f >= 0; f--)
			copy[saved_at[f]] = saved[f];
	}
	free(copy);
out:
	cr_binary_close(b);
	cr_core_close(&c);
}

int main(void)
{
	char p[4096];
	if (!unit_data("bin/core-gosym.zst", p, sizeof p))
		SKIP("TESTDATA not set");
	FILE *f = fopen(p, "rb");
	if (!f)
		SKIP("no testdata/bin/core-gosym.zst");
	fclose(f);
	one("");
	one("-pie");

	/* tiny inputs */
	struct cr_core c;
	struct cr_error e = { 0 };
	static const unsigned char junk[] = "\177ELF\2\1\1";
	CHECK_EQ_INT(cr_core_parse(&c, junk, sizeof junk, "junk", &e), CR_FORMAT);
	cr_core_close(&c);
	CHECK_EQ_INT(cr_core_parse(&c, (const unsigned char *)"", 0, "empty", &e), CR_FORMAT);
	cr_core_close(&c);
	return unit_done();
}
