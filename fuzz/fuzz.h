/* Shared by the fuzz targets (fuzz-*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput() over one parser's in-memory
 * entry point. It is linked twice: with libFuzzer (-Dfuzz=true, clang) and
 * with driver.c, which replays the corpus and regression files under
 * `meson test` in every build.
 *
 * Beyond "no crash", the targets check two contracts (docs/HACKING.md) that
 * a sanitizer cannot see, and abort when they are broken:
 *   - a refusal always carries its code and a message (fuzz_check_error);
 *   - every accounted byte is given back (fuzz_check_balanced): the library
 *     allocates only through cr_malloc, so a leak shows as a non-zero
 *     balance even where LeakSanitizer is off.
 */
#ifndef CORONER_FUZZ_H
#define CORONER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "coroner/error.h"
#include "coroner/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Caps small enough that our own limits trip (CR_LIMIT/CR_NOMEM, a clean
 * refusal) before libFuzzer's -malloc_limit_mb=256 / -rss_limit_mb=1024. */
static inline void fuzz_limits(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	cr_limits_default(&cr_limits);
	cr_limits.max_memory = (size_t)160 << 20;
	cr_limits.max_inflate = (size_t)16 << 20;
	cr_limits.max_core_inflate = (size_t)64 << 20;
	cr_limits.max_debug = (size_t)64 << 20;
}

static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz: contract broken: %s\n", what);
	abort();
}

/* rc is what a parser returned, e the error it filled. */
static inline void fuzz_check_error(enum cr_err rc, const struct cr_error *e)
{
	if (rc == CR_OK) {
		if (e->code != CR_OK)
			fuzz_die("CR_OK returned with an error recorded");
		return;
	}
	if ((unsigned)rc >= CR_ERR_COUNT)
		fuzz_die("unknown error code");
	if (e->code != rc)
		fuzz_die("returned code differs from the recorded one");
	if (!e->msg[0])
		fuzz_die("refusal without a message");
}

static inline void fuzz_check_balanced(size_t before)
{
	if (cr_mem_in_use() != before) {
		fprintf(stderr, "fuzz: %zu accounted bytes not freed\n", cr_mem_in_use() - before);
		abort();
	}
}

#endif
