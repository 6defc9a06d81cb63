#include "coroner/input.h"
#include "coroner/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#ifdef CORONER_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

/* Which flag raises a cap, for messages. */
static const char *cap_flag(size_t cap)
{
	if (cap == cr_limits.max_core_inflate)
		return "--max-core-inflate";
	if (cap == cr_limits.max_debug)
		return "--max-debug";
	return "--max-inflate";
}

const char *cr_input_display_name(const char *path)
{
	return (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

enum cr_compression cr_sniff_compression(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return CR_COMP_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return CR_COMP_ZSTD;
	return CR_COMP_NONE;
}

#ifdef CORONER_HAVE_LIBDEFLATE
/* A single gzip member whose trailer gives its size, inflated in one call by
 * libdeflate (about twice zlib's speed). False for anything else (several
 * members, trailing bytes, a wrong size, corrupt data): zlib then inflates
 * it from the start and says what is wrong, where. */
static bool inflate_whole_member(const unsigned char *src, size_t srclen, size_t cap,
				 unsigned char **out, size_t *outlen)
{
	if (srclen < 18 || src[0] != 0x1f || src[1] != 0x8b || srclen > SIZE_MAX / 1032)
		return false;
	size_t isize = (size_t)src[srclen - 4] | (size_t)src[srclen - 3] << 8 |
		       (size_t)src[srclen - 2] << 16 | (size_t)src[srclen - 1] << 24;
	if (isize == 0 || isize > cap || isize / 1032 > srclen)
		return false;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d)
		return false;
	unsigned char *buf = cr_malloc(isize);
	bool ok = false;
	if (buf) {
		cr_mem_hint_huge(buf, isize);
		size_t in_used = 0, got = 0;
		ok = libdeflate_gzip_decompress_ex(d, src, srclen, buf, isize, &in_used, &got) ==
			     LIBDEFLATE_SUCCESS && in_used == srclen && got == isize;
	}
	libdeflate_free_decompressor(d);
	if (!ok) {
		cr_free(buf);
		return false;
	}
	*out = buf;
	*outlen = isize;
	return true;
}
#endif

static enum cr_err inflate_gzip(const char *name, const unsigned char *src, size_t srclen,
				size_t cap, unsigned char **out, size_t *outlen, struct cr_error *e)
{
#ifdef CORONER_HAVE_LIBDEFLATE
	if (inflate_whole_member(src, srclen, cap, out, outlen))
		return CR_OK;
#endif
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return cr_fail(e, CR_NOMEM, "%s: gzip: cannot initialise zlib", name);
	size_t cap_alloc = 0, len = 0;
	unsigned char *buf = NULL;
	size_t pos = 0;
	enum cr_err rc = CR_OK;
	/* first guess: the gzip trailer's size (of the last member, mod 2^32)
	 * when it is plausible (deflate expands at most 1032 times), else
	 * four times the input; growth covers a wrong guess */
	size_t first = srclen * 4 > 65536 ? srclen * 4 : 65536;
	if (srclen >= 18 && src[0] == 0x1f && src[1] == 0x8b) {
		size_t isize = (size_t)src[srclen - 4] | (size_t)src[srclen - 3] << 8 |
			       (size_t)src[srclen - 2] << 16 | (size_t)src[srclen - 1] << 24;
		if (isize > 0 && isize / 1032 <= srclen)
			first = isize + 1;
	}
	for (;;) {
		/* feed in chunks so avail_in (uInt) never overflows */
		if (zs.avail_in == 0 && pos < srclen) {
			size_t chunk = srclen - pos > (1u << 30) ? (1u << 30) : srclen - pos;
			zs.next_in = (unsigned char *)src + pos;
			zs.avail_in = (uInt)chunk;
			pos += chunk;
		}
		if (len == cap_alloc) {
			if (len >= cap) {
				rc = cr_fail(e, CR_LIMIT,
					     "%s: gzip: inflates past %zu bytes (raise %s)",
					     name, cap, cap_flag(cap));
				goto out;
			}
			size_t want = cap_alloc ? cap_alloc * 2 : first;
			if (want > cap)
				want = cap;
			if (cr_grow_exact(&buf, &cap_alloc, want, 1)) {
				rc = cr_fail(e, CR_NOMEM, "%s: gzip: out of memory inflating", name);
				goto out;
			}
			cr_mem_hint_huge(buf, cap_alloc);
		}
		size_t room = cap_alloc - len;
		if (room > (1u << 30))
			room = 1u << 30;
		zs.next_out = buf + len;
		zs.avail_out = (uInt)room;
		int zr = inflate(&zs, Z_NO_FLUSH);
		len += room - zs.avail_out;
		if (zr == Z_STREAM_END) {
			/* concatenated members, as gzip -dc reads them */
			size_t consumed = pos - zs.avail_in;
			if (consumed < srclen && srclen - consumed >= 2 && src[consumed] == 0x1f &&
			    src[consumed + 1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			if (consumed < srclen) {
				/* trailing bytes that are not another member: gzip warns and ignores zeros */
				size_t k;
				for (k = consumed; k < srclen && src[k] == 0; k++)
					;
				if (k < srclen) {
					rc = cr_fail(e, CR_FORMAT, "%s: gzip: offset 0x%zx: trailing garbage after compressed data", name, consumed);
					goto out;
				}
			}
			break;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && pos >= srclen) {
			rc = cr_fail(e, CR_FORMAT, "%s: gzip: offset 0x%zx: truncated (unexpected end of compressed data)",
				     name, srclen);
			goto out;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = cr_fail(e, CR_FORMAT, "%s: gzip: offset 0x%zx: %s", name,
				     (size_t)(pos - zs.avail_in), zs.msg ? zs.msg : "corrupt data");
			goto out;
		}
	}
out:
	inflateEnd(&zs);
	if (rc) {
		cr_free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return CR_OK;
}

static enum cr_err inflate_zstd(const char *name, const unsigned char *src, size_t srclen,
				size_t cap, unsigned char **out, size_t *outlen, struct cr_error *e)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	if (!zs)
		return cr_fail(e, CR_NOMEM, "%s: zstd: cannot initialise", name);
	ZSTD_initDStream(zs);
	unsigned char *buf = NULL;
	size_t cap_alloc = 0;
	ZSTD_inBuffer ib = { src, srclen, 0 };
	ZSTD_outBuffer ob = { NULL, 0, 0 };
	enum cr_err rc = CR_OK;
	size_t last = 1;
	for (;;) {
		if (ob.pos == cap_alloc) {
			if (cap_alloc >= cap) {
				rc = cr_fail(e, CR_LIMIT, "%s: zstd: inflates past %zu bytes (raise %s)", name, cap, cap_flag(cap));
				goto out;
			}
			size_t want = cap_alloc ? cap_alloc * 2 : (srclen * 4 > 65536 ? srclen * 4 : 65536);
			if (want > cap)
				want = cap;
			if (cr_grow(&buf, &cap_alloc, want, 1)) {
				rc = cr_fail(e, CR_NOMEM, "%s: zstd: out of memory inflating", name);
				goto out;
			}
			if (cap_alloc > cap)
				cap_alloc = cap;
			ob.dst = buf;
			ob.size = cap_alloc;
		}
		/* the input in pieces of 64 KiB: zstd does not say where an error
		 * is, only that it lies in the piece it was given */
		ib.size = srclen - ib.pos > 65536 ? ib.pos + 65536 : srclen;
		size_t before_in = ib.pos, before_out = ob.pos;
		last = ZSTD_decompressStream(zs, &ob, &ib);
		if (ZSTD_isError(last)) {
			rc = cr_fail(e, CR_FORMAT, "%s: zstd: offset 0x%zx-0x%zx: %s", name, before_in, ib.size,
				     ZSTD_getErrorName(last));
			goto out;
		}
		if (ib.pos == srclen && last == 0 && ob.pos < ob.size)
			break;
		if (ib.size == srclen && ib.pos == before_in && ob.pos == before_out && ob.pos < ob.size) {
			rc = cr_fail(e, CR_FORMAT, "%s: zstd: offset 0x%zx: truncated", name, ib.pos);
			goto out;
		}
	}
out:
	ZSTD_freeDStream(zs);
	if (rc) {
		cr_free(buf);
		return rc;
	}
	*out = buf;
	*outlen = ob.pos;
	return CR_OK;
}

enum cr_err cr_inflate(const char *name, const unsigned char *src, size_t srclen, size_t cap,
		       unsigned char **out, size_t *outlen, struct cr_error *e)
{
	if (cap == 0)
		cap = cr_limits.max_inflate;
	switch (cr_sniff_compression(src, srclen)) {
	case CR_COMP_ZSTD:
		return inflate_zstd(name, src, srclen, cap, out, outlen, e);
	default:
		return inflate_gzip(name, src, srclen, cap, out, outlen, e);
	}
}

static void finish(struct cr_input *in, const char *name)
{
	in->name = name;
}

enum cr_err cr_input_from_memory(struct cr_input *in, const char *name, const void *data,
				 size_t len, size_t cap, struct cr_error *e)
{
	memset(in, 0, sizeof *in);
	in->name = name;
	in->comp = cr_sniff_compression(data, len);
	if (in->comp == CR_COMP_NONE) {
		in->data = data;
		in->len = len;
		return CR_OK;
	}
	unsigned char *out;
	size_t outlen;
	enum cr_err rc = cr_inflate(name, data, len, cap, &out, &outlen, e);
	if (rc)
		return rc;
	in->buf = out;
	in->data = out;
	in->len = outlen;
	return CR_OK;
}

/* Read a stream fd whole, at most cap bytes. */
static enum cr_err read_stream(int fd, const char *name, size_t cap, unsigned char **out,
			       size_t *outlen, struct cr_error *e)
{
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0;
	for (;;) {
		if (len == alloc) {
			if (alloc >= cap) {
				cr_free(buf);
				return cr_fail(e, CR_LIMIT, "%s: input larger than %zu bytes (raise %s)", name, cap, cap_flag(cap));
			}
			size_t want = alloc ? alloc * 2 : 65536;
			if (want > cap)
				want = cap;
			if (cr_grow(&buf, &alloc, want, 1)) {
				cr_free(buf);
				return cr_fail(e, CR_NOMEM, "%s: out of memory reading", name);
			}
			if (alloc > cap)
				alloc = cap;
		}
		ssize_t n = read(fd, buf + len, alloc - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			cr_free(buf);
			return cr_fail(e, CR_IO, "%s: read: %s", name, strerror(err));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return CR_OK;
}

enum cr_err cr_input_open(struct cr_input *in, const char *path, size_t cap, struct cr_error *e)
{
	memset(in, 0, sizeof *in);
	const char *name = cr_input_display_name(path);
	in->name = name;
	if (cap == 0)
		cap = cr_limits.max_inflate;
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cr_fail(e, CR_IO, "%s: %s", name, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		if (fd)
			close(fd);
		return cr_fail(e, CR_IO, "%s: %s", name, strerror(err));
	}
	if (S_ISDIR(st.st_mode)) {
		if (fd)
			close(fd);
		return cr_fail(e, CR_IO, "%s: is a directory", name);
	}
	enum cr_err rc = CR_OK;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		size_t sz = (size_t)st.st_size;
		void *m = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int err = errno;
			if (fd)
				close(fd);
			return cr_fail(e, CR_IO, "%s: mmap: %s", name, strerror(err));
		}
		if (fd)
			close(fd);
		in->map = m;
		in->maplen = sz;
		in->comp = cr_sniff_compression(m, sz);
		if (in->comp == CR_COMP_NONE) {
			in->data = m;
			in->len = sz;
			finish(in, name);
			return CR_OK;
		}
		rc = cr_inflate(name, m, sz, cap, &in->buf, &in->len, e);
		munmap(m, sz);
		in->map = NULL;
		in->maplen = 0;
		if (rc)
			return rc;
		in->data = in->buf;
		finish(in, name);
		return CR_OK;
	}
	/* stdin, pipes, devices, empty regular files: stream it (compressed
	 * streams are capped at their compressed size too) */
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	rc = read_stream(fd, name, cap, &raw, &rawlen, e);
	if (fd)
		close(fd);
	if (rc)
		return rc;
	in->comp = cr_sniff_compression(raw, rawlen);
	if (in->comp == CR_COMP_NONE) {
		in->buf = raw;
		in->data = raw;
		in->len = rawlen;
		finish(in, name);
		return CR_OK;
	}
	rc = cr_inflate(name, raw, rawlen, cap, &in->buf, &in->len, e);
	cr_free(raw);
	if (rc)
		return rc;
	in->data = in->buf;
	finish(in, name);
	return CR_OK;
}

void cr_input_close(struct cr_input *in)
{
	if (in->map)
		munmap(in->map, in->maplen);
	cr_free(in->buf);
	memset(in, 0, sizeof *in);
}

enum cr_err cr_input_head(const char *path, unsigned char *buf, size_t n, size_t *got,
			  struct cr_error *e)
{
	const char *name = cr_input_display_name(path);
	/* compressed input in pieces, until n bytes came out: a zstd block
	 * gives nothing before it is whole (128 KiB at most), so up to 1 MiB */
	enum { PIECE = 65536, MOST = 1 << 20 };
	unsigned char *raw = cr_malloc(PIECE);
	*got = 0;
	if (!raw)
		return cr_fail(e, CR_NOMEM, "%s: out of memory", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		cr_free(raw);
		return cr_fail(e, CR_IO, "%s: %s", name, strerror(err));
	}
	enum cr_err rc = CR_OK;
	enum cr_compression comp = CR_COMP_NONE;
	z_stream zs;
	ZSTD_DStream *zd = NULL;
	bool zs_init = false;
	for (size_t off = 0; off < MOST && *got < n;) {
		ssize_t r = pread(fd, raw, PIECE, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = cr_fail(e, CR_IO, "%s: read: %s", name, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		size_t len = (size_t)r;
		if (off == 0) {
			comp = cr_sniff_compression(raw, len);
			if (comp == CR_COMP_GZIP) {
				memset(&zs, 0, sizeof zs);
				if (inflateInit2(&zs, 15 + 32) != Z_OK) {
					rc = cr_fail(e, CR_NOMEM, "%s: gzip: cannot initialise zlib", name);
					break;
				}
				zs_init = true;
			} else if (comp == CR_COMP_ZSTD) {
				if (!(zd = ZSTD_createDStream())) {
					rc = cr_fail(e, CR_NOMEM, "%s: zstd: cannot initialise", name);
					break;
				}
				ZSTD_initDStream(zd);
			}
		}
		off += len;
		if (comp == CR_COMP_NONE) {
			size_t take = len < n - *got ? len : n - *got;
			memcpy(buf + *got, raw, take);
			*got += take;
		} else if (comp == CR_COMP_GZIP) {
			zs.next_in = raw;
			zs.avail_in = (uInt)len;
			zs.next_out = buf + *got;
			zs.avail_out = (uInt)(n - *got);
			int zr = inflate(&zs, Z_SYNC_FLUSH); /* a prefix: errors are the reader's */
			*got = n - zs.avail_out;
			if (zr != Z_OK)
				break;
		} else {
			ZSTD_inBuffer ib = { raw, len, 0 };
			ZSTD_outBuffer ob = { buf, n, *got };
			bool stuck = false;
			while (ob.pos < n && ib.pos < len) {
				size_t before = ib.pos, r2 = ZSTD_decompressStream(zd, &ob, &ib);
				if (ZSTD_isError(r2) || (ib.pos == before && ob.pos < n)) {
					stuck = true;
					break;
				}
			}
			*got = ob.pos;
			if (stuck)
				break;
		}
	}
	close(fd);
	if (zs_init)
		inflateEnd(&zs);
	ZSTD_freeDStream(zd);
	cr_free(raw);
	if (rc)
		*got = 0;
	return rc;
}
