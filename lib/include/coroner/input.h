/* Reading an input file whole: a path or "-" for stdin; gzip and zstd are
 * detected from the content (never the name) and inflated under a cap.
 *
 * Regular uncompressed files are mmap'd (cores can be gigabytes); everything
 * else is read into an accounted buffer. Directories are refused; FIFOs and
 * character devices are read as streams up to the cap.
 */
#ifndef CORONER_INPUT_H
#define CORONER_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"

enum cr_compression { CR_COMP_NONE, CR_COMP_GZIP, CR_COMP_ZSTD };

struct cr_input {
	const char *name;          /* as given; "-" is shown as "<stdin>" */
	const unsigned char *data; /* decompressed content, not NUL-terminated */
	size_t len;
	enum cr_compression comp;
	/* private */
	void *map;
	size_t maplen;
	unsigned char *buf;
};

/* Open path ("-" = stdin). cap: most bytes to hold after decompression
 * (0 = cr_limits.max_inflate). Errors: CR_IO, CR_FORMAT (corrupt stream),
 * CR_LIMIT (cap hit). The message names the file. */
enum cr_err cr_input_open(struct cr_input *in, const char *path, size_t cap, struct cr_error *e);

/* The same from memory (fuzzers, tests); data must outlive `in` when it is
 * not compressed (no copy is made). */
enum cr_err cr_input_from_memory(struct cr_input *in, const char *name, const void *data,
				 size_t len, size_t cap, struct cr_error *e);

void cr_input_close(struct cr_input *in);

/* Name for messages: "<stdin>" for "-". */
const char *cr_input_display_name(const char *path);

/* Inflate a gzip/zlib/zstd buffer (kind detected from magic) into a new
 * cr_malloc'd buffer of at most cap bytes. */
enum cr_err cr_inflate(const char *name, const unsigned char *src, size_t srclen, size_t cap,
		       unsigned char **out, size_t *outlen, struct cr_error *e);

/* The first n bytes (at most) of a file after decompression, reading no
 * more of it than that takes (1 MiB at most): enough to tell a core or a
 * binary from a profile without inflating it whole. A corrupt stream gives
 * what decoded before the damage. */
enum cr_err cr_input_head(const char *path, unsigned char *buf, size_t n, size_t *got,
			  struct cr_error *e);

/* Is this buffer gzip (1f 8b) or zstd (28 b5 2f fd)? */
enum cr_compression cr_sniff_compression(const unsigned char *p, size_t n);

#endif
