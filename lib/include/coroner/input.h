/* Reading an input file whole: a path or "-" for stdin; gzip and zstd are
 * detected from the content (never the name) and inflated under a cap.
 *
 * Regular uncompressed files are mmap'd (cores can be gigabytes; a mapped
 * file that shrinks while read raises SIGBUS, which the command catches
 * through cr_mapping_find); stdin and /proc files (size 0) are read into an
 * accounted buffer up to the cap. Anything else a path names (directories,
 * FIFOs, devices, sockets) is refused: only "-" reads a stream.
 */
#ifndef CORONER_INPUT_H
#define CORONER_INPUT_H

#include <stdbool.h>
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
	int fd;          /* the mapped file, kept open when it is large (cr_input_copy) */
	bool have_fd;
	unsigned char *buf;
	struct cr_bg *bg; /* the thread inflating buf (cr_input_open_async) */
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

/* Copy n bytes of in->data from offset off into buf; returns how many
 * leading bytes were copied (fewer at the end of the data, or when the
 * file cannot be read). A large mapped file is read with pread: the pages
 * of the mapping are not faulted in, which costs more than the copy when
 * much of a big file is read once (a core's heap). */
size_t cr_input_copy(const struct cr_input *in, size_t off, void *buf, size_t n);

/* cr_input_open, except that a large gzip file (a mapped regular file of a
 * megabyte or more, one member under the cap, two cores) is inflated on a
 * second thread: in->len is its size from the gzip trailer at once, and
 * only the first cr_input_ready() bytes of in->data are there to read.
 * Anything else is read as cr_input_open reads it. */
enum cr_err cr_input_open_async(struct cr_input *in, const char *path, size_t cap,
				struct cr_error *e);

/* Wait until `want` bytes of in->data are inflated, or the inflation
 * stopped short; how many are (in->len when the input is read whole). */
size_t cr_input_ready(struct cr_input *in, size_t want);

/* Wait for the inflating thread. CR_OK with *again false: in->data holds
 * in->len bytes, what cr_input_open reads. Else the file was inflated
 * again on this thread, as cr_input_open does it: its error (corrupt,
 * truncated, over the cap), or CR_OK with *again true and in->data,
 * in->len replaced (several members, trailing bytes): read them again. */
enum cr_err cr_input_finish(struct cr_input *in, bool *again, struct cr_error *e);

/* cr_input_open that does not follow a symbolic link as the last component
 * (files found in a directory, not named by the user). */
enum cr_err cr_input_open_nofollow(struct cr_input *in, const char *path, size_t cap,
				   struct cr_error *e);

/* Where files an input names (a core's NT_FILE paths) may be read from:
 * NULL (the default) = nowhere, they are never opened. The command line
 * sets it from --sysroot=DIR ("/" reads them where they are). */
extern const char *cr_sysroot;

/* Open a path an input names, never one the user gave: resolved inside
 * cr_sysroot (links and ".." cannot leave it), O_NONBLOCK|O_NOFOLLOW|
 * O_CLOEXEC, fstat'd first, regular non-empty files only, at most cap bytes
 * after decompression. CR_NOTFOUND without --sysroot. */
enum cr_err cr_input_open_named(struct cr_input *in, const char *named, size_t cap,
				struct cr_error *e);

/* Up to outcap bytes of the start of path's content, decompressed: reads at
 * most 64 KiB of the file and inflates no more than outcap. 0 for stdin,
 * unreadable or non-regular files. For detecting a kind without reading
 * the whole input. */
size_t cr_input_peek(const char *path, unsigned char *out, size_t outcap);

/* cr_input_peek of a file's bytes already in memory (data[0..len)): the
 * same prefix, from the same bytes. */
size_t cr_input_peek_data(const unsigned char *data, size_t len, unsigned char *out, size_t outcap);

/* The size a gzip file's trailer gives (its last member's, mod 2^32); 0
 * when p[0..n) is not gzip (or under 18 bytes). */
size_t cr_gzip_size(const unsigned char *p, size_t n);

/* The cap to open path with, from its first bytes: a core's
 * (cr_limits.max_core_inflate) for an ELF core, else cr_limits.max_inflate. */
size_t cr_input_cap_for(const char *path);

/* Mapped inputs, for a SIGBUS handler: which input holds addr (NULL if
 * none). The table is fixed-size and lock-free; cr_mapping_find is
 * async-signal-safe. */
void cr_mapping_add(const void *start, size_t len, const char *name);
void cr_mapping_remove(const void *start);
const char *cr_mapping_find(const void *addr);

/* Name for messages: "<stdin>" for "-". */
const char *cr_input_display_name(const char *path);

/* Inflate a gzip/zlib/zstd buffer (kind detected from magic) into a new
 * cr_malloc'd buffer of at most cap bytes. */
enum cr_err cr_inflate(const char *name, const unsigned char *src, size_t srclen, size_t cap,
		       unsigned char **out, size_t *outlen, struct cr_error *e);

/* Is this buffer gzip (1f 8b) or zstd (28 b5 2f fd)? */
enum cr_compression cr_sniff_compression(const unsigned char *p, size_t n);

#endif
