/* Patch mode, shared by fuzz-goglobals.c, fuzz-pclntab.c and fuzz-gort.c:
 * a real Go binary or core of testdata/ is loaded once, and an input
 * overwrites one region of it (the code of a function, a _func record, a
 * g...). A Go binary is a megabyte and a core tens: whole-file mutation
 * almost never reaches the code that reads those regions, a patch does, and
 * the rest of the file stays valid. The bytes under the patch are put back
 * after every input.
 *
 * A target fills the regions of each file once (gobin_load, then
 * gobin_region for each), then per input: gobin_patch, its parser over
 * g->data, gobin_restore. Seeds are the regions' own bytes behind PREFIX,
 * the selector byte and a zero offset (gobin_write_seeds).
 */
#ifndef CORONER_FUZZ_GOBIN_H
#define CORONER_FUZZ_GOBIN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coroner/binary.h"
#include "coroner/input.h"
#include "coroner/sym.h"
#include "fuzz.h"

#ifndef FUZZ_TESTDATA
#define FUZZ_TESTDATA "testdata"
#endif

#define GOBIN_MAXREGIONS 120

struct gobin_region {
	size_t off, len;
	char what[64];
	uint64_t key; /* the target's own tag (0 unless it sets one) */
};

struct gobin {
	const char *file;             /* under testdata/ */
	uint8_t *data;                /* plain malloc: outside the accounting, like an input */
	size_t len;
	struct gobin_region r[GOBIN_MAXREGIONS];
	size_t nr;
	size_t patched_off, patched_len;
	uint8_t *saved;               /* the bytes under the current patch */
	size_t saved_cap;
};

/* Load g->file (gzip/zstd inflated) into g; false (with a line on stderr)
 * if missing. */
static inline bool gobin_load(struct gobin *g)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", FUZZ_TESTDATA, g->file);
	struct cr_input in;
	struct cr_error e = { 0 };
	if (cr_input_open(&in, path, (size_t)128 << 20, &e) != CR_OK) {
		fprintf(stderr, "fuzz: %s (patch mode off for this binary)\n", e.msg);
		return false;
	}
	g->data = malloc(in.len);
	if (!g->data) {
		fprintf(stderr, "fuzz: out of memory\n");
		exit(1);
	}
	memcpy(g->data, in.data, in.len);
	g->len = in.len;
	cr_input_close(&in);
	return true;
}

/* Add the len bytes at p (a pointer into g->data, else ignored) as a
 * region; the region, or NULL if none was added. */
static inline struct gobin_region *gobin_region_ptr(struct gobin *g, const uint8_t *p, size_t len,
						    const char *what)
{
	if (g->nr == GOBIN_MAXREGIONS || !p || !len || p < g->data || len > g->len ||
	    p > g->data + g->len - len)
		return NULL;
	struct gobin_region *r = &g->r[g->nr++];
	r->off = (size_t)(p - g->data);
	r->len = len;
	r->key = 0;
	snprintf(r->what, sizeof r->what, "%s", what);
	return r;
}

/* The same for the len bytes at link-time address addr of b (opened over
 * g->data). */
static inline struct gobin_region *gobin_region(struct gobin *g, const struct cr_binary *b, uint64_t addr,
						size_t len, const char *what)
{
	return addr ? gobin_region_ptr(g, cr_binary_ptr(b, addr, len), len, what) : NULL;
}

/* The same by file offset (headers, which have no address). */
static inline struct gobin_region *gobin_region_off(struct gobin *g, size_t off, size_t len, const char *what)
{
	return gobin_region_ptr(g, off <= g->len ? g->data + off : NULL, len, what);
}

/* Patch region sel % nr with data: two bytes of offset into the region
 * (little-endian, modulo its length), then the bytes to write there (cut at
 * the region's end). Short patches anywhere in a region stay short inputs:
 * libFuzzer keeps the smallest inputs, so a patch that had to run from the
 * region's start could not reach its end. The region's index is returned. */
static inline size_t gobin_patch(struct gobin *g, unsigned sel, const uint8_t *data, size_t n)
{
	size_t k = sel % g->nr;
	const struct gobin_region *r = &g->r[k];
	g->patched_off = r->off;
	g->patched_len = 0;
	if (n < 2)
		return k;
	size_t at = ((size_t)data[0] | (size_t)data[1] << 8) % r->len;
	g->patched_off = r->off + at;
	g->patched_len = n - 2 < r->len - at ? n - 2 : r->len - at;
	if (g->patched_len > g->saved_cap) {
		free(g->saved);
		g->saved = malloc(r->len);
		if (!g->saved) {
			fprintf(stderr, "fuzz: out of memory\n");
			exit(1);
		}
		g->saved_cap = r->len;
	}
	if (!g->patched_len)
		return k;
	memcpy(g->saved, g->data + g->patched_off, g->patched_len);
	memcpy(g->data + g->patched_off, data + 2, g->patched_len);
	return k;
}

static inline void gobin_restore(struct gobin *g)
{
	if (g->patched_len) /* saved is NULL until a first patch */
		memcpy(g->data + g->patched_off, g->saved, g->patched_len);
}

/* One seed per region: prefix, the selector byte (hi + index), offset 0,
 * the region's bytes; named DIR/patch-TAG-NN-WHAT. */
static inline void gobin_write_seeds(const struct gobin *g, const char *dir, const char *tag,
				     const char *prefix, unsigned hi)
{
	for (size_t i = 0; i < g->nr; i++) {
		const struct gobin_region *r = &g->r[i];
		char path[4096], name[64];
		snprintf(name, sizeof name, "%s", r->what);
		for (char *c = name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
				*c = '_';
		snprintf(path, sizeof path, "%s/patch-%s-%02zu-%s", dir, tag, i, name);
		FILE *f = fopen(path, "wb");
		if (!f) {
			perror(path);
			exit(1);
		}
		fputs(prefix, f);
		fputc((int)(hi + i), f);
		fputc(0, f);
		fputc(0, f);
		fwrite(g->data + r->off, 1, r->len, f);
		fclose(f);
	}
}

/* Seeds of several cores' regions into dir (nothing when dir is NULL): core
 * K's are tagged "coreK" and numbered on from the previous cores' regions,
 * so that gobin_select() picks each seed's own region. */
static inline void gobin_write_core_seeds(struct gobin *const *cores, size_t n, const char *dir)
{
	for (size_t k = 0, first = 0; dir && k < n; first += cores[k++]->nr) {
		char tag[32];
		snprintf(tag, sizeof tag, "core%zu", k);
		gobin_write_seeds(cores[k], dir, tag, "", (unsigned)first);
	}
}

/* Region sel of all cores' regions in turn (sel modulo their count): the
 * core's index, its region in *region; SIZE_MAX when no core has one. */
static inline size_t gobin_select(struct gobin *const *cores, size_t n, size_t sel, unsigned *region)
{
	size_t total = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		total += cores[i]->nr;
	if (!total)
		return SIZE_MAX;
	sel %= total;
	while (sel >= cores[k]->nr)
		sel -= cores[k++]->nr;
	*region = (unsigned)sel;
	return k;
}

/* g loaded, opened as an ELF with its pclntab (for finding regions); false
 * when g's file is missing; a file that does not open is fatal. */
static inline bool gobin_open(struct gobin *g, struct cr_binary **b, struct cr_pclntab **t)
{
	struct cr_error e = { 0 };
	if (!gobin_load(g))
		return false;
	if (cr_binary_from_memory(b, g->file, g->data, g->len, &e) != CR_OK ||
	    cr_pclntab_open(*b, t, &e) != CR_OK) {
		fprintf(stderr, "fuzz: %s\n", e.msg);
		exit(1);
	}
	return true;
}

/* LLVMFuzzerInitialize of a target patching the pair amd64 (im[0]) and
 * arm64 (im[1]) binaries: fill both with load(), and write the seeds when
 * the environment variable env names a directory. */
static inline void gobin_init_pair(struct gobin im[2], void (*load)(struct gobin *), const char *env,
				   const char *prefix)
{
	fuzz_limits();
	load(&im[0]);
	load(&im[1]);
	const char *dir = getenv(env);
	if (dir) {
		gobin_write_seeds(&im[0], dir, "amd64", prefix, 0);
		gobin_write_seeds(&im[1], dir, "arm64", prefix, 0x80);
	}
}

/* One input of a pair target's patch mode: byte 0 picks the binary (bit 7)
 * and the region, the rest is the patch; run() gets the patched binary and
 * the region, then the bytes are put back. */
static inline void gobin_pair_patch_run(struct gobin im[2], const uint8_t *data, size_t size,
					void (*run)(struct cr_binary *b, const struct gobin_region *r))
{
	struct gobin *g = &im[data[0] >> 7];
	if (!g->nr)
		return;
	size_t k = gobin_patch(g, data[0] & 0x7f, data + 1, size - 1);
	struct cr_binary *b;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_binary_from_memory(&b, "fuzz", g->data, g->len, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		run(b, &g->r[k]);
		cr_binary_close(b);
	}
	gobin_restore(g);
}

#endif
