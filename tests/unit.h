/* A minimal table-driven unit test harness: CHECK records failures and goes
 * on; SKIP ends the test with meson's skip code (77). */
#ifndef CORONER_UNIT_H
#define CORONER_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures, unit_checks;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		unit_checks++;                                                        \
		if (!(cond)) {                                                        \
			unit_failures++;                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                            \
	do {                                                                          \
		long long _a = (long long)(a), _b = (long long)(b);                   \
		unit_checks++;                                                        \
		if (_a != _b) {                                                       \
			unit_failures++;                                              \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a, _a, _b); \
		}                                                                     \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                            \
	do {                                                                          \
		const char *_a = (a), *_b = (b);                                      \
		unit_checks++;                                                        \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                              \
			unit_failures++;                                              \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a, \
				_a ? _a : "(null)", _b ? _b : "(null)");              \
		}                                                                     \
	} while (0)

#define SKIP(why)                                                                     \
	do {                                                                          \
		printf("SKIP: %s\n", why);                                            \
		exit(77);                                                             \
	} while (0)

static inline int unit_done(void)
{
	printf("%d checks, %d failed\n", unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

/* $TESTDATA/rel, or NULL if TESTDATA is unset */
static inline const char *unit_data(const char *rel, char *buf, size_t n)
{
	const char *td = getenv("TESTDATA");
	if (!td)
		return NULL;
	snprintf(buf, n, "%s/%s", td, rel);
	return buf;
}

#endif
