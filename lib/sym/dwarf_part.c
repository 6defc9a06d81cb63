/* A compressed .debug_info inflated in part (see struct dpart in
 * dwarf_int.h).
 *
 * One forward pass over the zlib stream: the byte ranges asked for are
 * inflated straight into a reservation of the section's whole size (so
 * offsets stay the section's own and pages never asked for are never
 * touched), the bytes between them a chunk at a time into a small
 * buffer. A C library's debug file holds 6 MB of .debug_info in one
 * stream and a core's pcs need a few of its 1,700 units: inflating them
 * whole and faulting in the pages cost most of a C core's time. ISA-L's
 * inflater is used when built in (about twice as fast as zlib's); zlib
 * otherwise. Asking for bytes behind the stream's position that were not
 * kept restarts the pass; after a few restarts the whole section is kept.
 *
 * The pass runs on a second thread once the units are known (dpart_plan),
 * or before that (dpart_head: a C core's threads are unwound meanwhile);
 * a head keeps nothing until the units are known, then goes back for
 * those it passed from copies of ISA-L's state taken on the way. */
#include "dwarf_int.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#ifdef CORONER_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
enum { CHUNK = 256 << 10, KEEP_STEP = 1 << 30, MAX_RESTARTS = 2, INPUT_AHEAD = 512 << 10 };
enum { STEP = 256 << 10 }; /* SNAP_EVERY, HEAD_STEP */
#else /* fuzz inputs are small: steps and copies every few KiB */
enum { CHUNK = 4 << 10, KEEP_STEP = 16 << 10, MAX_RESTARTS = 2, INPUT_AHEAD = 8 << 10 };
enum { STEP = 4 << 10 };
#endif
/* copies of the stream's state: at most SNAP_MAX, one per size/SNAP_PLAN
 * bytes of output (size/SNAP_MAX for a head, whose units behind the
 * stream all come from them), SNAP_EVERY at least */
enum { SNAP_MAX = 16, SNAP_PLAN = 8, SNAP_EVERY = STEP };

struct dpart {
	const struct cr_binary *bin;
	const char *name;
	const uint8_t *src;
	size_t srclen, size, pos; /* pos: bytes of output produced so far */
	size_t src_mapped;        /* src[0, src_mapped) populated (populate_input) */
	uint8_t *keep;            /* size bytes reserved, kept ranges filled */
	uint8_t *skip;            /* CHUNK bytes for the output not kept */
	struct drange *kept;      /* ascending, disjoint */
	size_t nkept, capkept;
	unsigned restarts;
	bool started, broken;
	/* dpart_plan's thread: while it runs (threaded, until joined) it
	 * owns the stream; kept, broken and running are shared under mu */
	bool threaded, running, stop;
	/* head: the worker was started before the plan (dpart_head) and goes
	 * through the stream, keeping nothing, until planned (set under mu)
	 * gives it the units (head_phase: the worker's own, until then) */
	bool head, planned, head_phase;
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t *plan;
	size_t nplan, alen;
	/* ISA-L's state copied every snap_every bytes of output (a restart
	 * resumes from the last copy before what it wants, not from the
	 * stream's start); copies are allocated only where snap_alloc: one by
	 * one, or in one block (snapblock, slot SNAP_MAX for back_units) before
	 * a thread runs, which then allocates nothing */
	void *snapv[SNAP_MAX], *snapblock;
	size_t snap_pos[SNAP_MAX], nsnaps, snap_every;
	bool snap_alloc;
	/* last: the inflater's state (ISA-L's is 70 KB) is set by its init,
	 * not zeroed with the rest */
#ifdef CORONER_HAVE_ISAL
	struct inflate_state is;
#else
	z_stream zs;
#endif
};

static void stream_end(struct dpart *p)
{
#ifndef CORONER_HAVE_ISAL
	if (p->started)
		inflateEnd(&p->zs);
#endif
	p->started = false;
}

static bool stream_start(struct dpart *p)
{
	stream_end(p);
	p->pos = 0;
#ifdef CORONER_HAVE_ISAL
	isal_inflate_init(&p->is);
	/* a sound zlib header: the deflate stream after it read raw (its
	 * Adler-32, which ISA-L would sum as it goes, is at the end: a pass
	 * that stops short never gets to check it); else ISA-L says what is
	 * wrong with it */
	size_t h = p->srclen >= 2 && (p->src[0] & 0x0f) == 8 && (p->src[0] >> 4) <= 7 && !(p->src[1] & 0x20) &&
			   ((unsigned)p->src[0] << 8 | p->src[1]) % 31 == 0
		   ? 2
		   : 0;
	p->is.crc_flag = h ? ISAL_DEFLATE : ISAL_ZLIB;
	p->is.next_in = (uint8_t *)(uintptr_t)p->src + h;
	p->is.avail_in = p->srclen - h > UINT32_MAX ? UINT32_MAX : (uint32_t)(p->srclen - h);
#else
	memset(&p->zs, 0, sizeof p->zs);
	if (inflateInit(&p->zs) != Z_OK)
		return false;
	p->zs.next_in = (Bytef *)(uintptr_t)p->src;
	p->zs.avail_in = p->srclen > UINT32_MAX ? UINT32_MAX : (uInt)p->srclen;
#endif
	p->started = true;
	return true;
}

/* Map [a, a+n) in one call (pages of the file, or zeroed ones to write):
 * a page fault per 4 KiB or per 64 KiB of file costs more here than the
 * work on the bytes. A hint: nothing happens where unsupported. */
static void populate(const uint8_t *a, size_t n, bool write)
{
#if defined(MADV_POPULATE_READ) && defined(MADV_POPULATE_WRITE)
	uintptr_t lo = (uintptr_t)a & ~(uintptr_t)4095, hi = ((uintptr_t)a + n + 4095) & ~(uintptr_t)4095;
	if (hi - lo > 4096)
		(void)madvise((void *)lo, hi - lo, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
#else
	(void)a, (void)n, (void)write;
#endif
}

/* The compressed bytes the inflater reads next mapped ahead of it. */
static void populate_input(struct dpart *p, const uint8_t *next)
{
	size_t at = (size_t)(next - p->src);
	if (at + CHUNK <= p->src_mapped || p->src_mapped >= p->srclen)
		return;
	size_t n = p->srclen - at < INPUT_AHEAD ? p->srclen - at : INPUT_AHEAD;
	populate(next, n, false);
	p->src_mapped = at + n;
}

/* Inflate the next n bytes to out; how many came. Both inflaters keep
 * the history deflate refers back to themselves. */
static size_t stream_step(struct dpart *p, uint8_t *out, size_t n)
{
#ifdef CORONER_HAVE_ISAL
	populate_input(p, p->is.next_in);
#else
	populate_input(p, p->zs.next_in);
#endif
#ifdef CORONER_HAVE_ISAL
	p->is.next_out = out;
	p->is.avail_out = (uint32_t)n;
	int r = isal_inflate(&p->is);
	size_t got = n - p->is.avail_out;
	if (r != ISAL_DECOMP_OK && r != ISAL_END_INPUT)
		return 0;
#else
	p->zs.next_out = out;
	p->zs.avail_out = (uInt)n;
	int r = inflate(&p->zs, Z_NO_FLUSH);
	size_t got = n - p->zs.avail_out;
	if (r != Z_OK && r != Z_STREAM_END)
		return 0;
#endif
	return got;
}

static void plan_join(struct dpart *p)
{
	if (!p->threaded)
		return;
	pthread_join(p->worker, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->threaded = false;
	p->snap_alloc = true;
}

static bool is_kept(const struct dpart *p, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < p->nkept; i++)
		if (p->kept[i].lo <= lo && hi <= p->kept[i].hi)
			return true;
	return lo >= hi;
}

/* Record [lo, hi) as kept: the list stays ascending and disjoint, the
 * ranges it overlaps or touches merged into it. Requests mostly ascend: the
 * ranges with hi >= lo are a suffix, found from the end. (A restart asks
 * for bytes before the last range: they must not be merged with it.) */
static bool add_kept(struct dpart *p, uint64_t lo, uint64_t hi)
{
	size_t i = p->nkept;
	while (i > 0 && p->kept[i - 1].hi >= lo)
		i--;
	size_t j = i;
	for (; j < p->nkept && p->kept[j].lo <= hi; j++) {
		if (p->kept[j].lo < lo)
			lo = p->kept[j].lo;
		if (p->kept[j].hi > hi)
			hi = p->kept[j].hi;
	}
	if (j > i) {
		p->kept[i] = (struct drange){ lo, hi };
		memmove(&p->kept[i + 1], &p->kept[j], (p->nkept - j) * sizeof *p->kept);
		p->nkept -= j - i - 1;
		return true;
	}
	if (cr_grow(&p->kept, &p->capkept, p->nkept + 1, sizeof *p->kept))
		return false;
	memmove(&p->kept[i + 1], &p->kept[i], (p->nkept - i) * sizeof *p->kept);
	p->kept[i] = (struct drange){ lo, hi };
	p->nkept++;
	return true;
}

#ifdef CORONER_HAVE_ISAL
static bool snaps_alloc(struct dpart *p)
{
	/* (one more: the stream's state while back_units runs) */
	return p->snapblock || (!p->nsnaps && (p->snapblock = cr_malloc((SNAP_MAX + 1) * sizeof p->is)) != NULL);
}

/* Copy k of the stream's state (k < SNAP_MAX, or SNAP_MAX in a block);
 * make: allocate it if it may be. NULL if there is none. */
static struct inflate_state *snap_slot(struct dpart *p, size_t k, bool make)
{
	if (p->snapblock)
		return (struct inflate_state *)p->snapblock + k;
	if (k < SNAP_MAX && !p->snapv[k] && make && p->snap_alloc)
		p->snapv[k] = cr_malloc(sizeof p->is);
	return k < SNAP_MAX ? p->snapv[k] : NULL;
}

/* A copy of the inflater's state when the stream has passed the next
 * snap_every bytes (between two calls, its state is all in p->is). */
static void snap_take(struct dpart *p)
{
	struct inflate_state *slot;
	if (p->nsnaps >= SNAP_MAX || p->pos < (p->nsnaps + 1) * p->snap_every || !p->started ||
	    !(slot = snap_slot(p, p->nsnaps, true)))
		return;
	memcpy(slot, &p->is, sizeof p->is);
	p->snap_pos[p->nsnaps++] = p->pos;
}
#endif

/* The stream again from the last copy of its state at or before from,
 * else from its start. */
static bool stream_resume(struct dpart *p, uint64_t from)
{
#ifdef CORONER_HAVE_ISAL
	for (size_t k = p->nsnaps; k > 0; k--)
		if (p->snap_pos[k - 1] <= from) {
			memcpy(&p->is, snap_slot(p, k - 1, false), sizeof p->is);
			p->pos = p->snap_pos[k - 1];
			p->started = true;
			return true;
		}
#else
	(void)from;
#endif
	return stream_start(p);
}

/* The stream from where it is to end, the bytes from from on copied out
 * (none if from is past end); false (the stream ended) if it is corrupt. */
static bool inflate_to(struct dpart *p, uint64_t from, uint64_t end)
{
	if (from < end)
		populate(p->keep + from, (size_t)(end - from), true);
	while (p->pos < end) {
		/* kept bytes straight into place, the others through skip (a
		 * step lands on the range's start) */
#ifdef CORONER_HAVE_ISAL
		snap_take(p);
#endif
		bool kept = p->pos >= from;
		size_t step = kept ? KEEP_STEP : CHUNK;
		size_t want = end - p->pos > step ? step : (size_t)(end - p->pos);
		if (!kept && from - p->pos < want)
			want = (size_t)(from - p->pos);
		size_t got = __atomic_load_n(&p->stop, __ATOMIC_RELAXED)
				     ? 0
				     : stream_step(p, kept ? p->keep + p->pos : p->skip, want);
		if (!got) {
			stream_end(p);
			return false;
		}
		p->pos += got;
	}
	return true;
}

enum cr_err dpart_open(struct dpart **out, struct cr_binary *b, const struct cr_elf_section *s, struct cr_error *e)
{
	*out = NULL;
	const uint8_t *src;
	size_t srclen, size;
	enum cr_err rc = cr_binary_section_stream(b, s, &src, &srclen, &size, e);
	if (rc)
		return rc;
	struct dpart *p = cr_malloc(sizeof *p);
	if (!p)
		return cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", b->path);
#ifdef CORONER_HAVE_ISAL
	memset(p, 0, offsetof(struct dpart, is));
#else
	memset(p, 0, offsetof(struct dpart, zs));
#endif
	p->bin = b;
	p->name = s->name;
	p->src = src;
	p->srclen = srclen;
	p->size = size;
	p->snap_every = size / SNAP_PLAN + 1 > SNAP_EVERY ? size / SNAP_PLAN + 1 : SNAP_EVERY;
	p->snap_alloc = true;
	p->skip = cr_malloc(CHUNK);
	p->keep = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p->keep == MAP_FAILED)
		p->keep = NULL;
	if (!p->skip || !p->keep) {
		dpart_close(p);
		return cr_fail(e, CR_NOMEM, "%s: DWARF: section %s: no memory for %zu bytes", b->path, s->name, size);
	}
	*out = p;
	return CR_OK;
}

/* The worker's part of keeping [from, end): false to stop. */
static bool plan_keep(struct dpart *p, uint64_t from, uint64_t end)
{
	if (end <= from)
		return true;
	bool ok = inflate_to(p, from, end);
	pthread_mutex_lock(&p->mu);
	if (!ok)
		p->broken = true;
	else
		ok = add_kept(p, from, end);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return ok;
}

static bool kept_locked(struct dpart *p, uint64_t lo, uint64_t hi)
{
	pthread_mutex_lock(&p->mu);
	bool k = is_kept(p, lo, hi);
	pthread_mutex_unlock(&p->mu);
	return k;
}

/* The worker's part of the plan: each planned unit kept, header then the
 * rest, as dwarf_part_unit asks for them. A unit behind the stream is
 * finished only if what lies behind was kept (a head's bytes); else, or
 * with a bad header, it is left to the caller. */
/* The bytes of the unit at hdr from the stream's position on and below
 * hi kept: its header, then (read from it) the rest; false to stop. A
 * header across hi, or a bad one, keeps no more. */
static bool keep_unit(struct dpart *p, uint64_t hdr, uint64_t hi)
{
	uint64_t lo = p->pos, h = p->size - hdr < 24 ? p->size : hdr + 24;
	if (h > hi)
		return plan_keep(p, hdr > lo ? hdr : lo, hi);
	if (h > lo && !plan_keep(p, hdr > lo ? hdr : lo, h))
		return false;
	struct dunit u = { .hdr = hdr };
	if (!dwarf_unit_header(p->bin, p->keep, p->size, p->alen, &u))
		return true;
	uint64_t end = hdr + u.len < hi ? hdr + u.len : hi;
	return plan_keep(p, h > lo ? h : lo, end);
}

static void plan_units(struct dpart *p)
{
	for (size_t i = 0; i < p->nplan; i++) {
		uint64_t hdr = p->plan[i];
		if (hdr >= p->size || (hdr < p->pos && !kept_locked(p, hdr, p->pos)))
			continue;
		if (!keep_unit(p, hdr, UINT64_MAX))
			break;
	}
}

/* A head's step before the plan: the next HEAD_STEP bytes of the stream,
 * none kept, the stream's state copied as it goes (snap_take); false if
 * the stream is corrupt there (the units before it can still be had from
 * the copies: broken is left to the plan's reads). */
enum { HEAD_STEP = STEP };

static bool head_step(struct dpart *p)
{
	return inflate_to(p, UINT64_MAX, p->size - p->pos > HEAD_STEP ? p->pos + HEAD_STEP : p->size);
}

/* After a head, the planned units it passed (it kept none of their
 * bytes), up to where it stands: each inflated again from the last copy
 * of the stream's state before it, then the stream put back where it was
 * (plan_units goes on from there). */
static void back_units(struct dpart *p)
{
#ifdef CORONER_HAVE_ISAL
	uint64_t at = p->pos;
	bool live = p->started; /* (not if the head found the stream corrupt at at) */
	struct inflate_state *saved = snap_slot(p, SNAP_MAX, false);
	if (!saved)
		return;
	memcpy(saved, &p->is, sizeof p->is);
	bool moved = false;
	for (size_t i = 0; i < p->nplan && p->plan[i] < at; i++) {
		uint64_t hdr = p->plan[i];
		size_t k = p->nsnaps;
		while (k > 0 && p->snap_pos[k - 1] > hdr)
			k--;
		moved = true;
		if ((hdr < p->pos || (k && p->snap_pos[k - 1] > p->pos)) && !stream_resume(p, hdr))
			break;
		if (!keep_unit(p, hdr, at)) /* (a header across at: plan_units reads it) */
			break;
	}
	if (moved) {
		memcpy(&p->is, saved, sizeof p->is);
		p->pos = at;
		p->started = live;
	}
#else
	(void)p;
#endif
}

static void *worker_run(void *arg)
{
	struct dpart *p = arg;
	bool planned = !p->head_phase;
	while (p->head_phase) {
		pthread_mutex_lock(&p->mu);
		planned = p->planned;
		pthread_mutex_unlock(&p->mu);
		if (planned || p->pos >= p->size || !head_step(p))
			break;
	}
	if (p->head_phase && !planned) {
		/* at the section's end, or where it is corrupt: the plan still
		 * comes (or the stop) */
		pthread_mutex_lock(&p->mu);
		while (!p->planned && !__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			pthread_cond_wait(&p->cv, &p->mu);
		planned = p->planned;
		pthread_mutex_unlock(&p->mu);
	}
	p->head_phase = false;
	if (planned && p->head)
		back_units(p);
	if (planned)
		plan_units(p);
	pthread_mutex_lock(&p->mu);
	p->running = false;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The stream started and the worker with it; false if it cannot be. */
static bool worker_start(struct dpart *p)
{
	if (!stream_start(p) || pthread_mutex_init(&p->mu, NULL)) {
		stream_end(p);
		return false;
	}
	if (pthread_cond_init(&p->cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		stream_end(p);
		return false;
	}
	p->running = true;
	p->snap_alloc = false; /* no malloc on the thread (its first sets up an arena of its own) */
	if (pthread_create(&p->worker, NULL, worker_run, p)) {
		p->running = false;
		p->snap_alloc = true;
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		stream_end(p);
		return false;
	}
	p->threaded = true;
	return true;
}

bool dpart_head(struct dpart *p)
{
	if (p->threaded || p->started || cr_grow(&p->kept, &p->capkept, 4, sizeof *p->kept))
		return false;
#ifdef CORONER_HAVE_ISAL
	p->snap_every = p->size / SNAP_MAX + 1 > SNAP_EVERY ? p->size / SNAP_MAX + 1 : SNAP_EVERY;
	if (!snaps_alloc(p))
		return false;
#else
	return false; /* (zlib's state cannot be copied as cheaply) */
#endif
	p->head = p->head_phase = true;
	if (!worker_start(p)) {
		p->head = p->head_phase = false;
		return false;
	}
	return true;
}

bool dpart_headed(const struct dpart *p) { return p->head; }

void dpart_plan(struct dpart *p, const uint64_t *hdrs, size_t n, size_t alen)
{
	if (p->head) {
		/* the head's worker: the plan handed over, once (none if it
		 * cannot be: the worker then stops where it is) */
		if (p->planned)
			return;
		uint64_t *plan = n ? cr_malloc(n * sizeof *plan) : NULL;
		if (!plan)
			n = 0;
		else
			memcpy(plan, hdrs, n * sizeof *hdrs);
		pthread_mutex_lock(&p->mu);
		if (n && cr_grow(&p->kept, &p->capkept, p->nkept + n + 1, sizeof *p->kept)) {
			cr_free(plan);
			plan = NULL;
			n = 0;
		}
		p->plan = plan;
		p->nplan = n;
		p->alen = alen;
		p->planned = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return;
	}
	/* room for a kept range per unit: the thread then allocates nothing
	 * (a thread's first malloc sets up an arena of its own) */
	if (p->threaded || p->started || n < 2 || cr_grow(&p->kept, &p->capkept, p->nkept + n, sizeof *p->kept) ||
	    !(p->plan = cr_malloc(n * sizeof *p->plan)))
		return;
	memcpy(p->plan, hdrs, n * sizeof *hdrs);
	p->nplan = n;
	p->alen = alen;
#ifdef CORONER_HAVE_ISAL
	if (hdrs[n - 1] >= p->snap_every)
		(void)snaps_alloc(p);
#endif
	(void)worker_start(p);
}

/* Wait for the worker: true once [off, end) is kept; false once it has
 * ended (joined: the stream is the caller's again). */
static bool plan_wait(struct dpart *p, uint64_t off, uint64_t end)
{
	pthread_mutex_lock(&p->mu);
	while (p->running && !is_kept(p, off, end))
		pthread_cond_wait(&p->cv, &p->mu);
	bool kept = is_kept(p, off, end);
	pthread_mutex_unlock(&p->mu);
	if (kept)
		return true;
	plan_join(p);
	return false;
}

size_t dpart_size(const struct dpart *p) { return p->size; }
const uint8_t *dpart_base(const struct dpart *p) { return p->keep; }

const uint8_t *dpart_get(struct dpart *p, uint64_t off, size_t n, struct cr_error *e)
{
	if (off > p->size || n > p->size - off) {
		cr_fail(e, CR_FORMAT, "%s: DWARF: section %s: bytes 0x%llx+%zu past its end", p->bin->path, p->name,
			(unsigned long long)off, n);
		return NULL;
	}
	uint64_t end = off + n;
	if (p->head && !p->planned)
		dpart_plan(p, NULL, 0, 0); /* (a head keeps nothing unplanned: it would be waited for in vain) */
	if (p->threaded && plan_wait(p, off, end))
		return p->keep + off;
	if (is_kept(p, off, end))
		return p->keep + off;
	if (p->broken) {
		cr_fail(e, CR_FORMAT, "%s: DWARF: section %s: corrupt compressed data", p->bin->path, p->name);
		return NULL;
	}
	uint64_t from = off;
	if (off < p->pos && !is_kept(p, off, p->pos < end ? p->pos : end)) {
		/* what the stream passed and did not keep: again from its start,
		 * or all of it once that happened a few times */
		if (p->restarts++ >= MAX_RESTARTS) {
			from = 0;
			end = p->size;
		}
		if (!stream_resume(p, from)) {
			cr_fail(e, CR_ZLIB, "%s: DWARF: section %s: inflater init failed", p->bin->path, p->name);
			return NULL;
		}
	} else if (!p->started && !stream_start(p)) {
		cr_fail(e, CR_ZLIB, "%s: DWARF: section %s: inflater init failed", p->bin->path, p->name);
		return NULL;
	}
	if (!inflate_to(p, from, end)) {
		p->broken = true;
		cr_fail(e, CR_FORMAT, "%s: DWARF: section %s: corrupt compressed data (%zu of %zu bytes inflated)",
			p->bin->path, p->name, p->pos, p->size);
		return NULL;
	}
	if (!add_kept(p, from, end)) {
		cr_fail(e, CR_NOMEM, "%s: DWARF: out of memory", p->bin->path);
		return NULL;
	}
	if (p->pos >= p->size)
		stream_end(p);
	return p->keep + off;
}

static bool uleb(const uint8_t **q, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned sh = 0; *q < end; sh += 7) {
		uint8_t c = *(*q)++;
		if (sh < 64)
			r |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

/* The length of the abbreviation table at q[0, end): 0 if it does not
 * end there. */
static size_t abbrev_table_len(const uint8_t *q0, const uint8_t *end)
{
	const uint8_t *q = q0;
	uint64_t code, tag, at, form, v;
	for (;;) {
		if (!uleb(&q, end, &code))
			return 0;
		if (!code)
			return (size_t)(q - q0);
		if (!uleb(&q, end, &tag) || q >= end)
			return 0;
		q++; /* children */
		do {
			if (!uleb(&q, end, &at) || !uleb(&q, end, &form))
				return 0;
			if (form == 0x21 /* DW_FORM_implicit_const */ && !uleb(&q, end, &v))
				return 0;
		} while (at || form);
	}
}

bool dpart_keep_abbrevs(struct dpart *p, uint64_t off)
{
	if (off >= p->size)
		return false;
	/* a window from off, doubled until the table ends in it */
	for (size_t w = 4096;; w *= 2) {
		size_t n = p->size - off < w ? (size_t)(p->size - off) : w;
		const uint8_t *q = dpart_get(p, off, n, NULL);
		if (!q)
			return false;
		if (abbrev_table_len(q, q + n) || n == p->size - off)
			return true; /* its end, or the section's */
	}
}

const uint8_t *dpart_keep_line_unit(struct dpart *p, uint64_t off, size_t *len)
{
	if (off >= p->size || p->size - off < 4)
		return NULL;
	const uint8_t *q = dpart_get(p, off, 4, NULL);
	if (!q)
		return NULL;
	uint64_t ul = cr_binary_u32(p->bin, q), h = 4;
	if (ul == 0xffffffff) {
		if (p->size - off < 12 || !(q = dpart_get(p, off, 12, NULL)))
			return NULL;
		ul = cr_binary_u64(p->bin, q + 4);
		h = 12;
	}
	if (ul > p->size - off - h)
		return NULL;
	*len = (size_t)(h + ul);
	return dpart_get(p, off, *len, NULL);
}

/* With .debug_line inflated in part: the line unit of unit DIE cu kept
 * and its header checked; false if it cannot be read (none is fine). */
bool dwarf_keep_line_unit(struct cr_dwarf *d, Dwarf_Die cu)
{
	Dwarf_Attribute a;
	Dwarf_Error er = NULL;
	Dwarf_Off off = 0;
	if (dwarf_attr(cu, DW_AT_stmt_list, &a, &er) != DW_DLV_OK) {
		dwarf_dwerr(d, &er);
		return true;
	}
	int rc = dwarf_global_formref(a, &off, &er);
	dwarf_dwerr(d, &er);
	if (rc != DW_DLV_OK) {
		Dwarf_Unsigned v = 0;
		rc = dwarf_formudata(a, &v, &er);
		dwarf_dwerr(d, &er);
		off = v;
	}
	dwarf_dealloc(d->dbg, a, DW_DLA_ATTR);
	size_t len, next;
	const uint8_t *p = rc == DW_DLV_OK ? dpart_keep_line_unit(d->lpart, off, &len) : NULL;
	return p && dwarf_check_line_unit(d->bin, p - off, off + len, (size_t)off, &d->lstrs, &next);
}

void dpart_close(struct dpart *p)
{
	if (!p)
		return;
	if (p->threaded) {
		pthread_mutex_lock(&p->mu); /* (a head's worker may wait for the plan) */
		__atomic_store_n(&p->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		plan_join(p);
	}
	stream_end(p);
	cr_free(p->plan);
	if (p->keep)
		munmap(p->keep, p->size ? p->size : 1);
	cr_free(p->skip);
	cr_free(p->snapblock);
	for (size_t k = 0; k < SNAP_MAX; k++)
		cr_free(p->snapv[k]);
	cr_free(p->kept);
	cr_free(p);
}
