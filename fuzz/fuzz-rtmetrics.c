/* Go runtime metrics (lib/mem/rtmetrics.c): the input as each of its three
 * forms (Prometheus text, "/NAME:UNIT: VALUE" lines, a JSON object; the
 * first byte picks the form, so the input is also tried behind '/' and '{'),
 * then detection and dispatch as `coroner mem` reads it, a field diff and
 * the ledger with a small fixed status. */
#include "coroner/detect.h"
#include "coroner/mem.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static struct cr_memsnap fixed_status;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_limits();
	static const char st[] = "Name:\tx\nPid:\t1\nVmSize:\t 70000 kB\nVmRSS:\t 10240 kB\n"
				 "RssAnon:\t 10240 kB\nRssFile:\t 0 kB\nRssShmem:\t 0 kB\n";
	struct cr_error e = { 0 };
	cr_memsnap_init(&fixed_status);
	if (cr_memsnap_parse(&fixed_status, (const unsigned char *)st, sizeof st - 1, "status", NULL, &e))
		abort();
	return 0;
}

static void one(const unsigned char *d, size_t n, bool force)
{
	struct cr_memsnap s;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_memsnap_init(&s);
	enum cr_err rc = force ? cr_memsnap_parse_metrics(&s, d, n, "fuzz", &warn, &e)
			       : cr_memsnap_parse(&s, d, n, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK && s.src == CR_MS_MEMSTATS) {
		struct cr_memdiff md;
		struct cr_error e2 = { 0 };
		cr_memdiff_init(&md);
		fuzz_check_error(cr_memdiff_fields(&md, &s, &s, &e2), &e2);
		cr_memdiff_release(&md);
		struct cr_ledger_in in = { .status = &fixed_status, .memstats = &s };
		struct cr_ledger l;
		struct cr_error e3 = { 0 };
		fuzz_check_error(cr_ledger_compute(&l, &in, &e3), &e3);
		cr_ledger_release(&l);
	}
	cr_memsnap_release(&s);
	cr_buf_release(&warn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	(void)cr_detect_kind(data, size);
	one(data, size, true);
	one(data, size, false);
	/* behind '/' and '{': the other two forms */
	if (size < ((size_t)1 << 20)) {
		unsigned char *b = malloc(size + 1);
		if (b) {
			memcpy(b + 1, data, size);
			b[0] = '/';
			one(b, size + 1, true);
			b[0] = '{';
			one(b, size + 1, true);
			free(b);
		}
	}
	fuzz_check_balanced(before);
	return 0;
}
