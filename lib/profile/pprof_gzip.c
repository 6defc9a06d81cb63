/* The gzip writers of pprof_write.c: the profile's encoding written to an
 * output file as one gzip member, as pprof writes it. */
#include "pprof_write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef CORONER_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#elif defined(CORONER_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#else
#include <zlib.h>
#endif

/* The gzip levels, chosen by measurement on a 17 MB profile (CPU time
 * against zlib's level 6, the level pprof writes with; file size against
 * its file): ISA-L's level 1 makes a file 15% larger (its level 3: 7%,
 * and a fifth more of -proto's time on the 400k-sample profile of
 * bench/);
 * without ISA-L, libdeflate's level 1 takes 25% for a file 2% larger (its
 * level 2: 33%); without either, zlib's level 2 takes 51%, 5% larger (and
 * zlib's level 1 is both slower and larger). */
enum { ISAL_LEVEL = 1, LIBDEFLATE_LEVEL = 1, ZLIB_LEVEL = 2 };

#ifdef CORONER_HAVE_ISAL
/* The profile deflated as it is encoded, 256 KiB of the encoding at a
 * time into buffers reused (no pages faulted in for the whole encoding or
 * output). A profile of one chunk, or written on one thread, is one ISA-L
 * stream fed each chunk as it fills. Past the first chunk on two cores,
 * each chunk is a raw deflate stream of its own, without a dictionary,
 * ended by a sync flush so that it ends on a byte (the last one ends the
 * stream): the chunks deflate on either thread and their outputs are
 * written in order between a gzip header and the trailer (the encoding's
 * CRC-32 and length, counted as each chunk is handed). This thread encodes
 * and writes; when the ring of chunks is full (deflating takes about twice
 * the encoding's time) it deflates the oldest waiting chunk itself.
 * Measured on the 400k-sample profile of bench/: the file is 0.6% larger
 * than one stream's; the previous chunk's last 32 KiB as each chunk's
 * dictionary would make it 0.1% larger for 3% more instructions. */
enum { ZCHUNK = 1 << 18, ZSLOTS = 4 };
enum { ZE_WRITE = 1, ZE_NOMEM };

/* a chunk: cap bytes of the encoding (n used) and its deflated bytes */
struct zslot {
	uint8_t *in, *out;
	size_t cap, n, out_cap, out_n;
	enum { Z_FREE, Z_READY, Z_BUSY, Z_DONE } state;
	bool last;
};

struct zsink {
	/* the streams and their level buffers: this thread's, the other's */
	struct isal_zstream *z[2];
	unsigned char *lvl[2];
	FILE *f;
	bool two, started, quit;
	/* chunks [wseq, hseq) are handed and not yet written; chunk hseq is
	 * encoded into slot[hseq % ZSLOTS] */
	uint64_t wseq, hseq;
	struct zslot slot[ZSLOTS];
	uint32_t crc, isize;
	/* the first failure (ZE_*) and its errno, under mu once the thread runs */
	int err, err_no;
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static bool zs_stream(struct zsink *zs, int i, int gzip_flag)
{
	struct isal_zstream *z = zs->z[i] = cr_calloc(1, sizeof *z); /* zeroed: the init sets only some fields */
	zs->lvl[i] = cr_calloc(1, ISAL_DEF_LVL1_DEFAULT);
	if (!z || !zs->lvl[i])
		return false;
	isal_deflate_init(z);
	z->level = ISAL_LEVEL;
	z->level_buf = zs->lvl[i];
	z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	z->gzip_flag = (uint16_t)gzip_flag;
	z->flush = NO_FLUSH;
	return true;
}

static bool zs_slot(struct zslot *c)
{
	c->in = cr_malloc(ZCHUNK), c->out = cr_malloc(ZCHUNK);
	c->cap = ZCHUNK, c->out_cap = ZCHUNK;
	return c->in && c->out;
}

static void zs_fail(struct zsink *zs, int err, int err_no)
{
	if (zs->started)
		pthread_mutex_lock(&zs->mu);
	if (!zs->err)
		zs->err = err, zs->err_no = err_no;
	if (zs->started)
		pthread_mutex_unlock(&zs->mu);
}

/* One stream (one thread): buf[0, n) deflated (to the end of the stream
 * when last) and written; false on failure (zs->err) */
static bool zs_deflate(struct zsink *zs, uint8_t *buf, size_t n, bool last)
{
	struct isal_zstream *z = zs->z[0];
	struct zslot *c = &zs->slot[0];
	z->next_in = buf;
	z->avail_in = (uint32_t)n;
	z->end_of_stream = last;
	for (;;) {
		z->next_out = c->out;
		z->avail_out = (uint32_t)c->out_cap;
		if (isal_deflate(z) != COMP_OK) { /* only a bad level or buffer, which cannot happen */
			zs_fail(zs, ZE_NOMEM, 0);
			return false;
		}
		size_t k = c->out_cap - z->avail_out;
		errno = 0;
		if (k && fwrite(c->out, 1, k, zs->f) != k) {
			zs_fail(zs, ZE_WRITE, errno);
			return false;
		}
		if (last ? z->internal_state.state == ZSTATE_END : z->avail_in == 0 && z->avail_out != 0)
			return true;
	}
}

/* Chunk c deflated into c->out with stream z (on either thread): false
 * when out of memory */
static bool zs_chunk(struct isal_zstream *z, struct zslot *c)
{
	isal_deflate_reset(z);
	z->flush = c->last ? NO_FLUSH : SYNC_FLUSH;
	z->end_of_stream = c->last;
	z->next_in = c->in;
	z->avail_in = (uint32_t)c->n;
	c->out_n = 0;
	for (;;) {
		z->next_out = c->out + c->out_n;
		z->avail_out = (uint32_t)(c->out_cap - c->out_n);
		if (isal_deflate(z) != COMP_OK)
			return false;
		c->out_n = c->out_cap - z->avail_out;
		if (c->last ? z->internal_state.state == ZSTATE_END : z->avail_in == 0 && z->avail_out != 0)
			return true;
		uint8_t *b = cr_realloc(c->out, c->out_cap * 2); /* incompressible: a little more than in */
		if (!b)
			return false;
		c->out = b, c->out_cap *= 2;
	}
}

/* the oldest chunk waiting to be deflated, under mu */
static struct zslot *zs_ready(struct zsink *zs)
{
	for (uint64_t q = zs->wseq; q < zs->hseq; q++)
		if (zs->slot[q % ZSLOTS].state == Z_READY)
			return &zs->slot[q % ZSLOTS];
	return NULL;
}

/* chunk c deflated with stream i, under mu (released meanwhile) */
static void zs_take(struct zsink *zs, struct zslot *c, int i)
{
	c->state = Z_BUSY;
	pthread_mutex_unlock(&zs->mu);
	bool ok = zs_chunk(zs->z[i], c);
	pthread_mutex_lock(&zs->mu);
	c->state = Z_DONE;
	if (!ok && !zs->err)
		zs->err = ZE_NOMEM;
	pthread_cond_broadcast(&zs->cv);
}

static void *zs_run(void *arg)
{
	struct zsink *zs = arg;
	pthread_mutex_lock(&zs->mu);
	while (!zs->quit && !zs->err) {
		struct zslot *c = zs_ready(zs);
		if (c)
			zs_take(zs, c, 1);
		else
			pthread_cond_wait(&zs->cv, &zs->mu);
	}
	pthread_mutex_unlock(&zs->mu);
	return NULL;
}

/* The deflated chunks written in order until fewer than `most` chunks are
 * handed and unwritten, deflating the oldest waiting one here when none
 * is done; false on failure */
static bool zs_drain(struct zsink *zs, uint64_t most)
{
	pthread_mutex_lock(&zs->mu);
	while (!zs->err) {
		struct zslot *c = &zs->slot[zs->wseq % ZSLOTS];
		if (zs->wseq < zs->hseq && c->state == Z_DONE) {
			pthread_mutex_unlock(&zs->mu); /* (a done chunk is this thread's) */
			errno = 0;
			bool ok = fwrite(c->out, 1, c->out_n, zs->f) == c->out_n;
			int err_no = errno;
			pthread_mutex_lock(&zs->mu);
			if (!ok && !zs->err)
				zs->err = ZE_WRITE, zs->err_no = err_no;
			c->state = Z_FREE;
			zs->wseq++;
		} else if (zs->hseq - zs->wseq < most) {
			break;
		} else if ((c = zs_ready(zs))) {
			zs_take(zs, c, 0);
		} else {
			pthread_cond_wait(&zs->cv, &zs->mu);
		}
	}
	bool ok = !zs->err;
	pthread_mutex_unlock(&zs->mu);
	return ok;
}

/* The chunk in s handed to be deflated (and, unless last, s moved on to
 * the next slot once it is free) */
static bool zs_hand(struct sink *s, bool last)
{
	struct zsink *zs = s->arg;
	struct zslot *c = &zs->slot[zs->hseq % ZSLOTS];
	c->n = (size_t)(s->o - s->buf), c->last = last;
	zs->crc = crc32_gzip_refl(zs->crc, s->buf, c->n);
	zs->isize += (uint32_t)c->n;
	pthread_mutex_lock(&zs->mu);
	c->state = Z_READY;
	zs->hseq++;
	pthread_cond_broadcast(&zs->cv);
	pthread_mutex_unlock(&zs->mu);
	if (!zs_drain(zs, last ? 1 : ZSLOTS))
		return false;
	if (last)
		return true;
	struct zslot *d = &zs->slot[zs->hseq % ZSLOTS];
	s->buf = s->o = d->in;
	s->end = d->in + d->cap;
	return true;
}

/* At the first chunk filled: the other thread started and the gzip header
 * written (without the memory or the thread, one thread goes on); false
 * on a write error */
static bool zs_start(struct zsink *zs)
{
	zs->two = false;
	bool ok = zs_stream(zs, 1, IGZIP_DEFLATE);
	for (int i = 1; ok && i < ZSLOTS; i++)
		ok = zs_slot(&zs->slot[i]);
	if (!ok || pthread_create(&zs->t, NULL, zs_run, zs))
		return true;
	zs->started = true;
	zs->z[0]->gzip_flag = IGZIP_DEFLATE;
	static const uint8_t hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }; /* as ISA-L writes it */
	errno = 0;
	if (fwrite(hdr, 1, sizeof hdr, zs->f) != sizeof hdr) {
		zs_fail(zs, ZE_WRITE, errno);
		return false;
	}
	return true;
}

static bool zs_flush(struct sink *s, size_t need)
{
	struct zsink *zs = s->arg;
	if (zs->two && !zs_start(zs))
		return false;
	if (zs->started ? !zs_hand(s, false) : !zs_deflate(zs, s->buf, (size_t)(s->o - s->buf), false))
		return false;
	s->o = s->buf;
	struct zslot *c = &zs->slot[zs->hseq % ZSLOTS];
	if (need > c->cap) { /* one element longer than the chunk */
		uint8_t *b = cr_realloc(c->in, need);
		if (!b)
			return false; /* (err stays 0: out of memory) */
		c->in = b, c->cap = need;
		s->buf = s->o = b;
		s->end = b + need;
	}
	return true;
}

/* The last chunk deflated, everything written and the trailer after it;
 * the other thread stopped */
static bool zs_finish(struct zsink *zs, struct sink *s, bool ok)
{
	if (!zs->started)
		return ok && zs_deflate(zs, s->buf, (size_t)(s->o - s->buf), true);
	ok = ok && zs_hand(s, true);
	if (ok) {
		uint8_t tr[8];
		for (int i = 0; i < 4; i++)
			tr[i] = (uint8_t)(zs->crc >> 8 * i), tr[4 + i] = (uint8_t)(zs->isize >> 8 * i);
		errno = 0;
		if (fwrite(tr, 1, sizeof tr, zs->f) != sizeof tr) {
			zs_fail(zs, ZE_WRITE, errno);
			ok = false;
		}
	}
	pthread_mutex_lock(&zs->mu);
	zs->quit = true;
	pthread_cond_broadcast(&zs->cv);
	pthread_mutex_unlock(&zs->mu);
	pthread_join(zs->t, NULL);
	return ok;
}

bool cr_pprof_write_gzip(struct cr_outfile *of, const struct cr_profile *p, bool *nomem)
{
	struct zsink zs = { .f = of->f, .two = !p->one_thread && sysconf(_SC_NPROCESSORS_ONLN) >= 2 };
	bool ok = zs_stream(&zs, 0, IGZIP_GZIP) && zs_slot(&zs.slot[0]);
	errno = 0;
	if (ok) {
		pthread_mutex_init(&zs.mu, NULL);
		pthread_cond_init(&zs.cv, NULL);
		uint8_t *in = zs.slot[0].in;
		struct sink s = { in, in, in + ZCHUNK, zs_flush, &zs };
		ok = zs_finish(&zs, &s, cr_pprof_encode(p, &s));
		pthread_mutex_destroy(&zs.mu);
		pthread_cond_destroy(&zs.cv);
	}
	*nomem = !ok && zs.err != ZE_WRITE;
	errno = zs.err == ZE_WRITE ? zs.err_no : 0;
	for (int i = 0; i < 2; i++) {
		cr_free(zs.z[i]);
		cr_free(zs.lvl[i]);
	}
	for (int i = 0; i < ZSLOTS; i++) {
		cr_free(zs.slot[i].in);
		cr_free(zs.slot[i].out);
	}
	return ok;
}
#elif defined(CORONER_HAVE_LIBDEFLATE)
/* raw[0, n) as one gzip member, in one call; NULL when out of memory */
static unsigned char *gzip_whole(const unsigned char *raw, size_t n, size_t *zn)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(LIBDEFLATE_LEVEL);
	if (!c)
		return NULL;
	size_t cap = libdeflate_gzip_compress_bound(c, n);
	unsigned char *z = cr_malloc(cap);
	*zn = z ? libdeflate_gzip_compress(c, raw, n, z, cap) : 0;
	libdeflate_free_compressor(c);
	if (z && !*zn) { /* cannot happen within the bound */
		cr_free(z);
		z = NULL;
	}
	return z;
}

/* raw[0, n) gzipped to of; false on a write error (errno set) or when out
 * of memory (*nomem) */
bool cr_pprof_write_gzip(struct cr_outfile *of, const unsigned char *raw, size_t n, bool *nomem)
{
	size_t zn;
	unsigned char *z = gzip_whole(raw, n, &zn);
	if (!z) {
		*nomem = true;
		return false;
	}
	errno = 0;
	bool ok = fwrite(z, 1, zn, of->f) == zn;
	cr_free(z);
	return ok;
}
#else
bool cr_pprof_write_gzip(struct cr_outfile *of, const unsigned char *raw, size_t n, bool *nomem)
{
	(void)nomem;
	fflush(of->f);
	int fd = dup(of->fd);
	char mode[] = { 'w', 'b', (char)('0' + ZLIB_LEVEL), 0 };
	gzFile gz = fd >= 0 ? gzdopen(fd, mode) : NULL;
	if (!gz) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	size_t off = 0;
	bool ok = true;
	while (off < n) {
		unsigned chunk = n - off > (1u << 30) ? (1u << 30) : (unsigned)(n - off);
		int w = gzwrite(gz, raw + off, chunk);
		if (w <= 0) {
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	if (gzclose(gz) != Z_OK)
		ok = false;
	return ok;
}
#endif

