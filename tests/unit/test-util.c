/* util: escaping, units (pprof's measurement package outputs), inflate caps,
 * hash map and string table invariants; input: copies of a large file. */
#include "../unit.h"
#include "coroner/input.h"
#include "coroner/out.h"
#include "coroner/util.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

static void test_units(void)
{
	/* expected strings are what pprof's measurement.ScaledLabel and
	 * Percentage print for these inputs (Go source semantics) */
	char b[64];
	cr_units_scaled(b, sizeof b, 1536, "bytes", "minimum");
	CHECK_EQ_STR(b, "1.50kB");
	cr_units_scaled(b, sizeof b, 0, "bytes", "minimum");
	CHECK_EQ_STR(b, "0");
	cr_units_scaled(b, sizeof b, 1048576, "bytes", "minimum");
	CHECK_EQ_STR(b, "1MB");
	cr_units_scaled(b, sizeof b, 1048576, "bytes", "B");
	CHECK_EQ_STR(b, "1048576B");
	cr_units_scaled(b, sizeof b, 2500000, "nanoseconds", "minimum");
	CHECK_EQ_STR(b, "2.50ms");
	cr_units_scaled(b, sizeof b, 42, "count", "minimum");
	CHECK_EQ_STR(b, "42");
	cr_units_scaled(b, sizeof b, -1536, "bytes", "minimum");
	CHECK_EQ_STR(b, "-1.50kB");
	cr_units_percent(b, sizeof b, 1, 1);
	CHECK_EQ_STR(b, "  100%");
	cr_units_percent(b, sizeof b, 1234, 10000);
	CHECK_EQ_STR(b, "12.34%");
	cr_units_percent(b, sizeof b, 12, 100000);
	CHECK_EQ_STR(b, "0.012%");
	cr_units_percent(b, sizeof b, 0, 100);
	CHECK_EQ_STR(b, "    0%");
}

static void test_escape(void)
{
	struct cr_buf b = { 0 };
	cr_escape_text(&b, "a\033[31mb\xff", 8, 100);
	CHECK_EQ_STR(cr_buf_str(&b), "a\\x1b[31mb\\xff");
	cr_buf_release(&b);
	cr_escape_text(&b, "h\xc3\xa9llo", 6, 100);
	CHECK_EQ_STR(cr_buf_str(&b), "h\xc3\xa9llo");
	cr_buf_release(&b);
	cr_escape_text(&b, "abcdef", 6, 3);
	CHECK_EQ_STR(cr_buf_str(&b), "abc...");
	cr_buf_release(&b);
}

static void test_strtab(void)
{
	struct cr_strtab t;
	CHECK(cr_strtab_init(&t) == CR_OK);
	CHECK_EQ_INT(cr_strtab_intern(&t, "", 0), 0);
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "fn%d", i);
		CHECK_EQ_INT(cr_strtab_intern(&t, name, strlen(name)), i + 1);
	}
	CHECK_EQ_INT(cr_strtab_intern(&t, "fn77", 4), 78);
	CHECK_EQ_STR(cr_strtab_get(&t, 78), "fn77");
	cr_strtab_release(&t);
}

static void test_inflate(void)
{
	/* a gzip bomb: 64 MiB of zeros must stop at the cap with CR_LIMIT */
	size_t n = (size_t)64 << 20;
	unsigned char *zeros = calloc(1, n);
	uLongf clen = compressBound(n);
	unsigned char *comp = malloc(clen + 18);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
	zs.next_in = zeros;
	zs.avail_in = (uInt)n;
	zs.next_out = comp;
	zs.avail_out = (uInt)clen;
	deflate(&zs, Z_FINISH);
	size_t glen = zs.total_out;
	deflateEnd(&zs);
	struct cr_error e = { 0 };
	unsigned char *out = NULL;
	size_t outlen = 0;
	CHECK_EQ_INT(cr_inflate("bomb.gz", comp, glen, (size_t)1 << 20, &out, &outlen, &e), CR_LIMIT);
	CHECK(strstr(e.msg, "bomb.gz") != NULL);
	cr_error_clear(&e);
	CHECK_EQ_INT(cr_inflate("ok.gz", comp, glen, n, &out, &outlen, &e), CR_OK);
	CHECK_EQ_INT(outlen, n);
	cr_free(out);
	/* truncated */
	cr_error_clear(&e);
	CHECK_EQ_INT(cr_inflate("cut.gz", comp, glen / 2, n, &out, &outlen, &e), CR_FORMAT);
	CHECK(strstr(e.msg, "truncated") != NULL);
	free(zeros);
	free(comp);
	CHECK_EQ_INT(cr_mem_in_use(), 0);
}

static void test_budget(void)
{
	size_t old = cr_limits.max_memory;
	cr_limits.max_memory = 1 << 20;
	void *p = cr_malloc(2 << 20);
	CHECK(p == NULL);
	p = cr_malloc(1000);
	CHECK(p != NULL);
	cr_free(p);
	cr_limits.max_memory = old;
	CHECK_EQ_INT(cr_mem_in_use(), 0);
}

/* cr_input_copy of a file large enough to be read with pread (a sparse
 * one: 64 MiB and a page, bytes written at its start, across the 64 MiB
 * mark and at its end) gives the mapped bytes, and stops at the end. */
static void test_copy(void)
{
	char path[] = "/tmp/coroner-unit-copy-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	size_t n = ((size_t)64 << 20) + 4096;
	static const char mark[] = "0123456789abcdef";
	const off_t at[] = { 0, ((off_t)64 << 20) - 8, (off_t)n - 16 };
	bool ok = ftruncate(fd, (off_t)n) == 0;
	for (size_t i = 0; i < 3; i++)
		ok = ok && pwrite(fd, mark, 16, at[i]) == 16;
	close(fd);
	struct cr_input in;
	struct cr_error e = { 0 };
	CHECK(ok);
	CHECK_EQ_INT(cr_input_open(&in, path, 0, &e), CR_OK);
	unlink(path);
	if (e.code)
		return;
	CHECK(in.have_fd);
	char buf[64];
	for (size_t i = 0; i < 3; i++) {
		memset(buf, 'x', sizeof buf);
		size_t off = (size_t)at[i] - (i ? 8 : 0);
		size_t got = cr_input_copy(&in, off, buf, 32);
		CHECK_EQ_INT(got, off + 32 <= n ? 32 : n - off);
		CHECK(memcmp(buf, in.data + off, got) == 0);
		CHECK(memcmp(buf + (i ? 8 : 0), mark, 16) == 0);
	}
	CHECK_EQ_INT(cr_input_copy(&in, n, buf, 8), 0);
	cr_input_close(&in);
}

int main(void)
{
	test_units();
	test_escape();
	test_strtab();
	test_inflate();
	test_budget();
	test_copy();
	return unit_done();
}
