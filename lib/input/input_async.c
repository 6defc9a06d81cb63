/* A large gzip file inflated on a second thread while its reader reads
 * what is there (cr_input_open_async, cr_input_ready, cr_input_finish):
 * ISA-L inflates the mapped file into a buffer of its trailer's size and
 * publishes how much is done. Without ISA-L, nothing is started and the
 * file is inflated before cr_input_open_async returns. */
#include "coroner/input.h"
#include "coroner/util.h"
#include "input_int.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef CORONER_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#ifdef CORONER_HAVE_ISAL
/* Smaller compressed files are inflated before cr_input_open_async returns. */
#define BG_MIN ((size_t)1 << 20)
/* What the inflating thread publishes at a time. */
#define BG_STEP ((size_t)256 << 10)

struct cr_bg {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const unsigned char *src;
	size_t srclen;
	unsigned char *out;
	size_t outlen;
	size_t cap;   /* the caller's, to inflate again with */
	size_t ready; /* bytes of out inflated: atomic, and under mu */
	size_t dropped; /* src's pages before this unmapped (the thread's) */
	bool done, ok, waiting;
	struct inflate_state st;
};

static void bg_publish(struct cr_bg *bg, size_t ready, bool done, bool ok)
{
	pthread_mutex_lock(&bg->mu);
	__atomic_store_n(&bg->ready, ready, __ATOMIC_RELEASE);
	bg->done = done;
	bg->ok = ok;
	if (bg->waiting)
		pthread_cond_broadcast(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
}

/* One gzip member, the whole input, into exactly outlen bytes (the
 * trailer's size); anything else is not ok, and the caller inflates the
 * file again on its own thread, which says what it is. */
/* The mapped file's pages before `upto` (read by the inflater) unmapped a
 * few MiB at a time: they count in the process's peak memory while the
 * reader fills its arrays. A read-only private mapping of the file, so
 * they read the same if touched again (inflating again, cr_input_finish). */
static void bg_drop_read(struct cr_bg *bg, size_t upto)
{
	const size_t page = 4096, step = (size_t)4 << 20;
	upto &= ~(page - 1);
	if (upto < bg->dropped + step)
		return;
	madvise((void *)(uintptr_t)(bg->src + bg->dropped), upto - bg->dropped, MADV_DONTNEED);
	bg->dropped = upto;
}

static void *bg_run(void *arg)
{
	struct cr_bg *bg = arg;
	struct inflate_state *st = &bg->st;
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	size_t in = 0, pos = 0;
	int r = ISAL_DECOMP_OK;
	while ((r == ISAL_DECOMP_OK || r == ISAL_END_INPUT) && st->block_state != ISAL_BLOCK_FINISH && pos < bg->outlen) {
		if (st->avail_in == 0 && in < bg->srclen) {
			size_t chunk = bg->srclen - in > (1u << 30) ? (1u << 30) : bg->srclen - in;
			st->next_in = (uint8_t *)bg->src + in;
			st->avail_in = (uint32_t)chunk;
			in += chunk;
		}
		size_t room = bg->outlen - pos > BG_STEP ? BG_STEP : bg->outlen - pos;
		st->next_out = bg->out + pos;
		st->avail_out = (uint32_t)room;
		uint32_t before_in = st->avail_in;
		r = isal_inflate(st);
		size_t got = room - st->avail_out;
		if (!got && st->avail_in == before_in && in >= bg->srclen)
			break; /* no progress: truncated */
		pos += got;
		if (got)
			bg_publish(bg, pos, false, false);
		bg_drop_read(bg, (size_t)(st->next_in - bg->src));
	}
	/* a member with room left for more output is only finished once its
	 * trailer is read: one more call with no room says so */
	if (r == ISAL_DECOMP_OK && st->block_state != ISAL_BLOCK_FINISH && pos == bg->outlen) {
		uint8_t spare;
		st->next_out = &spare;
		st->avail_out = 1;
		r = isal_inflate(st);
		if (st->avail_out != 1)
			r = ISAL_OUT_OVERFLOW;
	}
	bool ok = (r == ISAL_DECOMP_OK || r == ISAL_END_INPUT) && st->block_state == ISAL_BLOCK_FINISH &&
		  pos == bg->outlen && st->avail_in == 0 && in == bg->srclen;
	bg_publish(bg, pos, true, ok);
	return NULL;
}

/* Start inflating the mapped gzip file m[0, sz) into a buffer of its
 * trailer's size on a second thread. false: not started (too small, one
 * core, not one plausible member under the cap, no memory or thread). */
bool cr_input_bg_start(struct cr_input *in, const unsigned char *m, size_t sz, size_t cap)
{
	if (sz < BG_MIN || sz < 18 || sz > SIZE_MAX / 1032 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return false;
	size_t isize = (size_t)m[sz - 4] | (size_t)m[sz - 3] << 8 | (size_t)m[sz - 2] << 16 |
		       (size_t)m[sz - 1] << 24;
	if (isize == 0 || isize > cap || isize / 1032 > sz)
		return false;
	struct cr_bg *bg = cr_calloc(1, sizeof *bg);
	unsigned char *out = bg ? cr_malloc(isize) : NULL;
	if (!out) {
		cr_free(bg);
		return false;
	}
	cr_mem_advise_huge(out, isize); /* before the thread's first write */
	bg->src = m;
	bg->srclen = sz;
	bg->out = out;
	bg->outlen = isize;
	bg->cap = cap;
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	if (pthread_create(&bg->t, NULL, bg_run, bg) != 0) {
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->cv);
		cr_free(out);
		cr_free(bg);
		return false;
	}
	/* the buffer's pages mapped here while the thread inflates into them
	 * (it overtakes no mapping: where it writes first, it maps) */
	cr_mem_prefault(out, isize);
	in->bg = bg;
	in->buf = out;
	in->data = out;
	in->len = isize;
	return true;
}

size_t cr_input_ready(struct cr_input *in, size_t want)
{
	struct cr_bg *bg = in->bg;
	if (!bg)
		return in->len;
	if (want > bg->outlen)
		want = bg->outlen;
	size_t ready = __atomic_load_n(&bg->ready, __ATOMIC_ACQUIRE);
	if (ready >= want)
		return ready;
	pthread_mutex_lock(&bg->mu);
	bg->waiting = true;
	while (bg->ready < want && !bg->done)
		pthread_cond_wait(&bg->cv, &bg->mu);
	bg->waiting = false;
	ready = bg->ready;
	pthread_mutex_unlock(&bg->mu);
	return ready;
}

/* Wait for the thread and forget it: whether it inflated all of it (and
 * the cap it was started with). */
static bool bg_join(struct cr_input *in, size_t *cap)
{
	struct cr_bg *bg = in->bg;
	pthread_join(bg->t, NULL);
	bool ok = bg->ok;
	*cap = bg->cap;
	pthread_mutex_destroy(&bg->mu);
	pthread_cond_destroy(&bg->cv);
	cr_free(bg);
	in->bg = NULL;
	return ok;
}

void cr_input_bg_stop(struct cr_input *in)
{
	size_t cap;
	if (in->bg)
		bg_join(in, &cap);
}

enum cr_err cr_input_finish(struct cr_input *in, bool *again, struct cr_error *e)
{
	*again = false;
	if (!in->bg)
		return CR_OK;
	size_t cap;
	bool ok = bg_join(in, &cap);
	if (ok) {
		cr_mapping_remove(in->map);
		munmap(in->map, in->maplen);
		in->map = NULL;
		in->maplen = 0;
		return CR_OK;
	}
	/* inflated again, as cr_input_open does: the content or the error */
	cr_free(in->buf);
	in->buf = NULL;
	in->data = NULL;
	in->len = 0;
	enum cr_err rc = cr_input_inflate_map(in, cap, e);
	*again = !rc;
	return rc;
}
#else
bool cr_input_bg_start(struct cr_input *in, const unsigned char *m, size_t sz, size_t cap)
{
	(void)in, (void)m, (void)sz, (void)cap;
	return false;
}

void cr_input_bg_stop(struct cr_input *in)
{
	(void)in;
}

size_t cr_input_ready(struct cr_input *in, size_t want)
{
	(void)want;
	return in->len;
}

enum cr_err cr_input_finish(struct cr_input *in, bool *again, struct cr_error *e)
{
	(void)in, (void)e;
	*again = false;
	return CR_OK;
}
#endif

