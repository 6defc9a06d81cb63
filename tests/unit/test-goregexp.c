/* Go's regexp syntax as coroner runs it (POSIX regcomp after the rewrite)
 * against Go's regexp package itself: testdata/pprofopts/regexp/cases.tsv.gz
 * (testdata/gen/goregexp) holds seeded random patterns with Go's error for
 * each, or which of its names Go matches. Each must give the same error, or
 * match the same names. */
#include "coroner/error.h"
#include "coroner/filter.h"
#include "coroner/util.h"
#include "../unit.h"

#include <string.h>
#include <zlib.h>

#define MAXNAMES 64

int main(void)
{
	char path[4096];
	if (!unit_data("pprofopts/regexp/cases.tsv.gz", path, sizeof path))
		SKIP("TESTDATA not set");
	gzFile z = gzopen(path, "rb");
	CHECK(z != NULL);
	if (!z)
		return unit_done();
	static char line[1 << 16];
	char *names[MAXNAMES];
	size_t nnames = 0, cases = 0, errors = 0, bad = 0;
	while (gzgets(z, line, sizeof line)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "name\t", 5)) {
			if (nnames < MAXNAMES)
				names[nnames++] = strdup(line + 5);
			continue;
		}
		if (strncmp(line, "case\t", 5))
			continue;
		char *pat = line + 5, *want = strchr(pat, '\t');
		CHECK(want != NULL);
		if (!want)
			break;
		*want++ = 0;
		cases++;
		struct cr_filter f;
		memset(&f, 0, sizeof f);
		struct cr_error e = { 0 };
		char got[MAXNAMES + 1];
		if (cr_filter_set(&f, CR_FOCUS, pat, &e)) {
			snprintf(got, sizeof got, "%s", "");
			errors++;
			if (strcmp(e.msg, want)) {
				if (bad++ < 10)
					fprintf(stderr, "pattern %s: Go says '%s', coroner '%s'\n", pat, want, e.msg);
			}
			continue;
		}
		for (size_t i = 0; i < nnames; i++)
			got[i] = regexec(&f.re[CR_FOCUS], names[i], 0, NULL, 0) == 0 ? '1' : '0';
		got[nnames] = 0;
		cr_filter_release(&f);
		if (strcmp(got, want) && bad++ < 10)
			fprintf(stderr, "pattern %s: Go matches %s, coroner %s\n", pat, want, got);
	}
	gzclose(z);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	fprintf(stderr, "%zu patterns (%zu refused by Go), %zu names: %zu differ\n", cases, errors, nnames, bad);
	CHECK(cases > 1000);
	CHECK(nnames > 30);
	CHECK_EQ_INT((int)bad, 0);
	CHECK_EQ_INT(cr_mem_in_use(), 0);
	return unit_done();
}
