/* For targets that read two files by name (a file and the one it links
 * to): the input [u32 little-endian length L][L bytes: file A][the rest:
 * file B] is written as A and B into a private directory, made once under
 * $TMPDIR (/tmp by default: a tmpfs there keeps the fuzzer off the disk),
 * with the debuginfod cache pointed into it; both files and the directory
 * are removed at exit. Include in one target only (static state). */
#ifndef CORONER_FUZZ_TWOFILES_H
#define CORONER_FUZZ_TWOFILES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[160];
static const char *twofiles_name[2];

static void twofiles_cleanup(void)
{
	char p[224];
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, twofiles_name[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Make the directory for target, once: true the first time. */
static bool twofiles_init(const char *target, const char *a, const char *b)
{
	if (dir[0])
		return false;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%.100s/fuzz-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", target);
	if (!mkdtemp(dir))
		abort();
	char cache[192];
	snprintf(cache, sizeof cache, "%s/cache", dir);
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	twofiles_name[0] = a;
	twofiles_name[1] = b;
	atexit(twofiles_cleanup);
	return true;
}

static void twofiles_put1(const char *name, const uint8_t *d, size_t n)
{
	char p[224];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	size_t w = f && n ? fwrite(d, 1, n, f) : 0;
	if (!f || fclose(f) != 0 || w != n)
		abort();
}

/* Cut the input in two and write both files; false when it is too short. */
static bool twofiles_put(const uint8_t *data, size_t size)
{
	if (size < 4)
		return false;
	size_t l = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
	if (l > size - 4)
		l = size - 4;
	twofiles_put1(twofiles_name[0], data + 4, l);
	twofiles_put1(twofiles_name[1], data + 4 + l, size - 4 - l);
	return true;
}

#endif
