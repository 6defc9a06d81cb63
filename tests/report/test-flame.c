/* Flame tree, folded stacks and SVG escaping on profiles built in memory:
 * the expected numbers are the sample values written into the profile. */
#include "coroner/flame.h"
#include "coroner/profile.h"
#include "../unit.h"

#include <stdio.h>
#include <unistd.h>

/* stack given root first as function names */
static void add(struct cr_profile *p, const char *const *root_first, size_t n, int64_t v)
{
	uint32_t st[16];
	for (size_t i = 0; i < n; i++) {
		struct cr_line l = { cr_profile_function(p, root_first[i], "x.go", 0), 1 };
		st[n - 1 - i] = cr_profile_location(p, 0x1000 + i, 0, &l, 1);
	}
	CHECK(cr_profile_add_sample(p, st, n, &v, NULL, 0) == CR_OK);
}

static char *run_folded(struct cr_flame *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	CHECK(cr_flame_write_folded(f, m, NULL) == CR_OK);
	fclose(m);
	return buf;
}

int main(void)
{
	struct cr_profile p, b;
	struct cr_flame f;
	cr_profile_init(&p);
	cr_profile_add_type(&p, "alloc_space", "bytes");
	const char *s1[] = { "main.main", "main.a" };
	const char *s2[] = { "main.main", "main.a", "main.b" };
	const char *s3[] = { "main.main", "odd;name" };
	add(&p, s1, 2, 3);
	add(&p, s2, 3, 5);
	add(&p, s1, 2, 4); /* same stack again: summed */
	add(&p, s3, 2, 2);
	add(&p, s2, 3, 0); /* zero: skipped */

	CHECK(cr_flame_init(&f) == CR_OK);
	CHECK(cr_flame_add(&f, &p, 0, false, NULL) == CR_OK);
	CHECK_EQ_INT(f.nodes[0].value, 14);
	char *got = run_folded(&f);
	CHECK_EQ_STR(got, "main.main;main.a 7\nmain.main;main.a;main.b 5\nmain.main;odd:name 2\n");
	free(got);
	CHECK(cr_flame_add(&f, &p, 3, false, NULL) == CR_USAGE);

	/* differential: base has main.a 10, main.b 1 */
	cr_profile_init(&b);
	cr_profile_add_type(&b, "alloc_space", "bytes");
	add(&b, s1, 2, 10);
	add(&b, s2, 3, 1);
	CHECK(cr_flame_add(&f, &b, 0, true, NULL) == CR_OK);
	got = run_folded(&f);
	CHECK_EQ_STR(got, "main.main;main.a 10 7\nmain.main;main.a;main.b 1 5\nmain.main;odd:name 0 2\n");
	free(got);
	cr_flame_release(&f);

	/* hostile names: markup, ESC, invalid UTF-8 must not break the XML */
	struct cr_profile h;
	cr_profile_init(&h);
	cr_profile_add_type(&h, "samples", "count");
	const char *s4[] = { "<script>alert(1)</script>", "\x1b[31mred&\"'", "bad\xff\xfeutf8]]>" };
	add(&h, s4, 3, 100);
	CHECK(cr_flame_init(&f) == CR_OK);
	CHECK(cr_flame_add(&f, &h, 0, false, NULL) == CR_OK);
	char *svg = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&svg, &len);
	struct cr_flame_svg_opts o = { .title = "t<&>", .width = 1200 };
	CHECK(cr_flame_write_svg(&f, &o, m, NULL) == CR_OK);
	fclose(m);
	CHECK(strstr(svg, "<script>alert") == NULL);
	CHECK(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CHECK(strchr(svg, 0x1b) == NULL);
	CHECK(strstr(svg, "\xff") == NULL);
	if (system("command -v xmllint >/dev/null 2>&1") == 0) {
		char path[] = "/tmp/test-flame-XXXXXX";
		int fd = mkstemp(path);
		CHECK(fd >= 0);
		if (fd >= 0) {
			CHECK(write(fd, svg, len) == (ssize_t)len);
			close(fd);
			char cmd[128];
			snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
			CHECK(system(cmd) == 0);
			unlink(path);
		}
	}
	free(svg);
	cr_flame_release(&f);
	cr_profile_release(&h);
	cr_profile_release(&p);
	cr_profile_release(&b);
	return unit_done();
}
