#include "coroner/input.h"
#include "coroner/util.h"
#include "input_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
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

size_t cr_gzip_size(const unsigned char *p, size_t n)
{
	if (n < 18 || p[0] != 0x1f || p[1] != 0x8b)
		return 0;
	return (size_t)p[n - 4] | (size_t)p[n - 3] << 8 | (size_t)p[n - 2] << 16 | (size_t)p[n - 1] << 24;
}

#ifdef CORONER_HAVE_LIBDEFLATE
/* A single gzip member whose trailer gives its size, inflated in one call by
 * libdeflate (about twice zlib's speed). False for anything else (several
 * members, trailing bytes, a wrong size, corrupt data): zlib then inflates
 * it from the start and says what is wrong, where. */
static bool inflate_whole_member(const unsigned char *src, size_t srclen, size_t cap,
				 unsigned char **out, size_t *outlen)
{
	size_t isize = cr_gzip_size(src, srclen);
	if (isize == 0 || srclen > SIZE_MAX / 1032 || isize > cap || isize / 1032 > srclen)
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
	size_t isize = cr_gzip_size(src, srclen);
	if (isize > 0 && isize / 1032 <= srclen)
		first = isize + 1;
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

enum cr_err cr_input_inflate_map(struct cr_input *in, size_t cap, struct cr_error *e)
{
	enum cr_err rc = cr_inflate(in->name, in->map, in->maplen, cap, &in->buf, &in->len, e);
	cr_mapping_remove(in->map);
	munmap(in->map, in->maplen);
	in->map = NULL;
	in->maplen = 0;
	if (rc)
		return rc;
	in->data = in->buf;
	return CR_OK;
}

/* What a file that is not a regular file is, for the refusal. */
static const char *not_regular(mode_t m)
{
	if (S_ISDIR(m))
		return "is a directory";
	if (S_ISFIFO(m))
		return "is a FIFO, not a regular file (pipe it into '-' instead)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "is a device, not a regular file";
	if (S_ISSOCK(m))
		return "is a socket, not a regular file";
	return "is not a regular file";
}

#define KEEP_FD_BYTES ((size_t)64 << 20)

/* Read an open fd whole into `in`: regular files with a size are mapped,
 * the rest (stdin, /proc files of size 0) streamed, all under cap. */
static enum cr_err read_fd(struct cr_input *in, int fd, const struct stat *st, const char *name,
			   size_t cap, bool async, struct cr_error *e)
{
	enum cr_err rc = CR_OK;
	if (S_ISREG(st->st_mode) && st->st_size > 0) {
		size_t sz = (size_t)st->st_size;
		void *m = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return cr_fail(e, CR_IO, "%s: mmap: %s", name, strerror(errno));
		/* a file that shrinks under the mapping raises SIGBUS: the
		 * command's handler names it from this table */
		cr_mapping_add(m, sz, name);
		in->map = m;
		in->maplen = sz;
		in->comp = cr_sniff_compression(m, sz);
		if (in->comp == CR_COMP_NONE) {
			in->data = m;
			in->len = sz;
			/* few files are this large: their descriptors stay open */
			if (sz >= KEEP_FD_BYTES && (in->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0)
				in->have_fd = true;
			return CR_OK;
		}
		if (async && in->comp == CR_COMP_GZIP && cr_input_bg_start(in, m, sz, cap))
			return CR_OK; /* the thread reads the mapping: kept until it ends */
		return cr_input_inflate_map(in, cap, e);
	}
	/* stdin and /proc files (size 0): stream it (compressed streams are
	 * capped at their compressed size too) */
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	rc = read_stream(fd, name, cap, &raw, &rawlen, e);
	if (rc)
		return rc;
	in->comp = cr_sniff_compression(raw, rawlen);
	if (in->comp == CR_COMP_NONE) {
		in->buf = raw;
		in->data = raw;
		in->len = rawlen;
		return CR_OK;
	}
	rc = cr_inflate(name, raw, rawlen, cap, &in->buf, &in->len, e);
	cr_free(raw);
	if (rc)
		return rc;
	in->data = in->buf;
	return CR_OK;
}

/* Open path for reading without blocking (a FIFO's open waits for a
 * writer), check it is a regular file unless it is stdin. */
static int open_regular(const char *path, const char *name, int extra, struct stat *st,
			struct cr_error *e)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | extra);
	if (fd < 0) {
		if (errno == ELOOP && (extra & O_NOFOLLOW))
			cr_fail(e, CR_IO, "%s: is a symbolic link (not followed)", name);
		else
			cr_fail(e, CR_IO, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		cr_fail(e, CR_IO, "%s: %s", name, strerror(errno));
		if (!is_stdin)
			close(fd);
		return -1;
	}
	if (!is_stdin && !S_ISREG(st->st_mode)) {
		cr_fail(e, CR_IO, "%s: %s", name, not_regular(st->st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

static enum cr_err open_with(struct cr_input *in, const char *path, size_t cap, int extra,
			     bool async, struct cr_error *e)
{
	memset(in, 0, sizeof *in);
	const char *name = cr_input_display_name(path);
	in->name = name;
	if (cap == 0)
		cap = cr_limits.max_inflate;
	struct stat st;
	int fd = open_regular(path, name, extra, &st, e);
	if (fd < 0)
		return CR_IO;
	enum cr_err rc = read_fd(in, fd, &st, name, cap, async, e);
	if (fd)
		close(fd);
	if (rc) {
		cr_input_close(in);
		in->name = name;
		return rc;
	}
	finish(in, name);
	return CR_OK;
}

enum cr_err cr_input_open(struct cr_input *in, const char *path, size_t cap, struct cr_error *e)
{
	return open_with(in, path, cap, 0, false, e);
}

enum cr_err cr_input_open_async(struct cr_input *in, const char *path, size_t cap, struct cr_error *e)
{
	return open_with(in, path, cap, 0, true, e);
}

enum cr_err cr_input_open_nofollow(struct cr_input *in, const char *path, size_t cap,
				   struct cr_error *e)
{
	return open_with(in, path, cap, O_NOFOLLOW, false, e);
}

void cr_input_close(struct cr_input *in)
{
	cr_input_bg_stop(in);
	if (in->map) {
		cr_mapping_remove(in->map);
		munmap(in->map, in->maplen);
	}
	if (in->have_fd)
		close(in->fd);
	cr_free(in->buf);
	memset(in, 0, sizeof *in);
}

size_t cr_input_copy(const struct cr_input *in, size_t off, void *buf, size_t n)
{
	if (off >= in->len)
		return 0;
	if (n > in->len - off)
		n = in->len - off;
	if (!in->have_fd) {
		memcpy(buf, in->data + off, n);
		return n;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(in->fd, (unsigned char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return done;
}

/* ---- files an input names ---- */

const char *cr_sysroot;

/* openat2 with RESOLVE_IN_ROOT: the path resolves as if root were "/",
 * symbolic links and ".." included; magic links (/proc/self/fd/N) refused.
 * -1 with errno ENOSYS where the kernel lacks it. */
static int open_in_root(int rootfd, const char *path, int flags)
{
#ifdef SYS_openat2
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = (uint64_t)flags;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
#else
	(void)rootfd, (void)path, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* Has the path a ".." component? */
static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == 0))
			return true;
	return false;
}

enum cr_err cr_input_open_named(struct cr_input *in, const char *named, size_t cap,
				struct cr_error *e)
{
	memset(in, 0, sizeof *in);
	in->name = named;
	if (!cr_sysroot)
		return cr_fail(e, CR_NOTFOUND, "%s: not read (the core names it; give --sysroot=DIR to read it from DIR, "
			       "--sysroot=/ where the core was taken on this machine)",
			       named);
	if (cap == 0)
		cap = cr_limits.max_inflate;
	int rootfd = open(cr_sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cr_fail(e, CR_IO, "--sysroot=%s: %s", cr_sysroot, strerror(errno));
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;
	const char *rel = named;
	while (*rel == '/')
		rel++;
	int fd = open_in_root(rootfd, *rel ? rel : ".", flags);
	if (fd < 0 && errno == ENOSYS) {
		/* no openat2: no "..", and no link as the last component */
		if (has_dotdot(rel)) {
			close(rootfd);
			return cr_fail(e, CR_IO, "%s: has a '..' component (not read)", named);
		}
		fd = openat(rootfd, *rel ? rel : ".", flags);
	}
	int err = errno;
	close(rootfd);
	if (fd < 0) {
		if (err == ELOOP)
			return cr_fail(e, CR_IO, "%s: is a symbolic link (not followed)", named);
		if (err == EXDEV)
			return cr_fail(e, CR_IO, "%s: leaves --sysroot (not read)", named);
		return cr_fail(e, CR_IO, "%s: %s", named, strerror(err));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		enum cr_err rc = cr_fail(e, CR_IO, "%s: %s", named,
					 S_ISREG(st.st_mode) ? "empty or special file (not read)" : not_regular(st.st_mode));
		close(fd);
		return rc;
	}
	enum cr_err rc = read_fd(in, fd, &st, named, cap, false, e);
	close(fd);
	if (rc) {
		cr_input_close(in);
		in->name = named;
		return rc;
	}
	finish(in, named);
	return CR_OK;
}

/* ---- a bounded prefix ---- */

/* Inflate at most outcap bytes of src into out; errors past that are not
 * seen (the prefix is all the caller wants). */
static size_t inflate_prefix(const unsigned char *src, size_t srclen, unsigned char *out,
			     size_t outcap)
{
	size_t got = 0;
	if (cr_sniff_compression(src, srclen) == CR_COMP_ZSTD) {
		ZSTD_DCtx *z = ZSTD_createDCtx();
		if (!z)
			return 0;
		ZSTD_inBuffer ib = { src, srclen, 0 };
		ZSTD_outBuffer ob = { out, outcap, 0 };
		while (ob.pos < ob.size) {
			size_t before = ib.pos, bo = ob.pos;
			size_t r = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(r) || r == 0 || (ib.pos == before && ob.pos == bo))
				break;
		}
		got = ob.pos;
		ZSTD_freeDCtx(z);
		return got;
	}
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return 0;
	zs.next_in = (unsigned char *)src;
	zs.avail_in = (uInt)(srclen > (1u << 30) ? (1u << 30) : srclen);
	zs.next_out = out;
	zs.avail_out = (uInt)outcap;
	while (zs.avail_out) {
		int zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK)
			break;
	}
	got = outcap - zs.avail_out;
	inflateEnd(&zs);
	return got;
}

/* The first bytes of raw[0..n) decompressed, at most outcap. */
static size_t prefix(const unsigned char *raw, size_t n, unsigned char *out, size_t outcap)
{
	if (cr_sniff_compression(raw, n) != CR_COMP_NONE)
		return inflate_prefix(raw, n, out, outcap);
	size_t got = n < outcap ? n : outcap;
	memcpy(out, raw, got);
	return got;
}

/* 64 KiB of compressed input is more than a prefix this size needs; the
 * first 4 KiB almost always give it (a thousand profiles named are each
 * peeked at), the rest is read only when they do not */
#define PEEK_FIRST ((size_t)4096)
#define PEEK_MOST ((size_t)65536)

size_t cr_input_peek(const char *path, unsigned char *out, size_t outcap)
{
	if (!path || strcmp(path, "-") == 0)
		return 0;
	struct stat st;
	int fd = open_regular(path, path, 0, &st, NULL);
	if (fd < 0)
		return 0;
	unsigned char raw[PEEK_MOST];
	size_t n = 0, want = PEEK_FIRST, got = 0;
	for (;;) {
		while (n < want) {
			ssize_t r = read(fd, raw + n, want - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		got = prefix(raw, n, out, outcap);
		if (got == outcap || n < want || want == PEEK_MOST)
			break;
		want = PEEK_MOST;
	}
	close(fd);
	return got;
}

size_t cr_input_peek_data(const unsigned char *data, size_t len, unsigned char *out, size_t outcap)
{
	size_t got = prefix(data, len < PEEK_FIRST ? len : PEEK_FIRST, out, outcap);
	if (got == outcap || len <= PEEK_FIRST)
		return got;
	return prefix(data, len < PEEK_MOST ? len : PEEK_MOST, out, outcap);
}

size_t cr_input_cap_for(const char *path)
{
	unsigned char p[64];
	size_t n = cr_input_peek(path, p, sizeof p);
	if (n >= 18 && memcmp(p, "\177ELF", 4) == 0 && p[16] == 4 && p[17] == 0)
		return cr_limits.max_core_inflate; /* ET_CORE (little-endian) */
	return cr_limits.max_inflate;
}
