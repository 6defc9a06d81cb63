/* pprof's patterns as a user types them: the first byte picks -focus-style
 * name filters (Go's syntax checked, then rewritten for regcomp:
 * lib/report/goregexp.c) or -tagfocus-style tag filters (numeric
 * ranges with units, comma-separated regexes); the rest is the pattern. */
#include "coroner/filter.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1 || size > 4096)
		return 0;
	char re[4096];
	memcpy(re, data + 1, size - 1);
	re[size - 1] = 0;
	size_t before = cr_mem_in_use();
	struct cr_error e = { 0 };
	enum cr_err rc;
	if (data[0] & 1) {
		struct cr_tagfilter t;
		struct cr_buf note = { 0 };
		memset(&t, 0, sizeof t);
		rc = cr_tagfilter_set(&t, "tagfocus", re, &note, &e);
		fuzz_check_error(rc, &e);
		cr_tagfilter_release(&t);
		cr_buf_release(&note);
	} else {
		char msg[512];
		bool ok = cr_go_regexp_check(re, msg, sizeof msg);
		struct cr_filter f;
		memset(&f, 0, sizeof f);
		rc = cr_filter_set(&f, CR_FOCUS, re, &e);
		fuzz_check_error(rc, &e);
		if (ok != (rc != CR_USAGE || strncmp(e.msg, "error parsing regexp", 20) != 0))
			fuzz_die("the Go syntax check and the filter disagree");
		/* a pattern Go takes is rewritten into one regcomp takes, unless
		 * it is refused by name or regcomp runs out of room */
		if (ok && rc == CR_USAGE && !strstr(e.msg, "not supported") && !strstr(e.msg, "too big") &&
		    !strstr(e.msg, "Memory exhausted"))
			fuzz_die("a pattern Go takes was rewritten into one regcomp refuses");
		cr_filter_release(&f);
	}
	fuzz_check_balanced(before);
	return 0;
}
