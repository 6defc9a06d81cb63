/* Writing the profile model as profile.proto, gzip-compressed as pprof
 * writes it. The wire format is written directly from the model's arrays,
 * field by field in field-number order, zero scalars left out and repeated
 * numbers packed (proto3's rules, the bytes protobuf-c packs): the exact
 * size is counted first, so the buffer is allocated once. Ids are
 * positions + 1; the string table is the profile's interned table (id 0
 * is ""). */
#include "coroner/outfile.h"
#include "coroner/profile.h"
#include "profile.pb-c.h"
#include "wire.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef CORONER_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#elif defined(CORONER_HAVE_LIBDEFLATE)
#include <libdeflate.h>
#endif

/* Profile, ValueType, Sample, Label, Mapping, Location, Line, Function */
enum { P_SAMPLE_TYPE = 1, P_SAMPLE, P_MAPPING, P_LOCATION, P_FUNCTION, P_STRING_TABLE,
       P_DROP_FRAMES, P_KEEP_FRAMES, P_TIME_NANOS, P_DURATION_NANOS, P_PERIOD_TYPE,
       P_PERIOD, P_COMMENT, P_DEFAULT_SAMPLE_TYPE };

static inline size_t vsz(uint64_t v)
{
	return (size_t)((63 - __builtin_clzll(v | 1)) * 9 + 73) / 64;
}

/* a scalar field (all of profile.proto's numbers are below 16: one-byte
 * tags), left out when zero */
static inline size_t fsz(uint64_t v) { return v ? 1 + vsz(v) : 0; }
/* a length-delimited field of n bytes */
static inline size_t lsz(size_t n) { return 1 + vsz(n) + n; }

static inline uint8_t *put_v(uint8_t *o, uint64_t v)
{
	if (v < 0x80) { /* one and two bytes, the common sizes, without the loop */
		*o = (uint8_t)v;
		return o + 1;
	}
	if (v < 0x4000) {
		o[0] = (uint8_t)(v | 0x80);
		o[1] = (uint8_t)(v >> 7);
		return o + 2;
	}
	while (v >= 0x80) {
		*o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}

static inline uint8_t *put_f(uint8_t *o, unsigned field, uint64_t v)
{
	if (!v)
		return o;
	*o++ = (uint8_t)(field << 3 | WT_VARINT);
	return put_v(o, v);
}

static inline uint8_t *put_l(uint8_t *o, unsigned field, size_t n)
{
	*o++ = (uint8_t)(field << 3 | WT_LEN);
	return put_v(o, n);
}

static size_t vt_size(const struct cr_valuetype *t) { return fsz(t->type) + fsz(t->unit); }

static uint8_t *put_vt(uint8_t *o, unsigned field, const struct cr_valuetype *t)
{
	o = put_l(o, field, vt_size(t));
	o = put_f(o, 1, t->type);
	return put_f(o, 2, t->unit);
}

/* a label as written: a string label's number and unit left out */
static size_t label_size(const struct cr_label *l)
{
	return fsz(l->key) + fsz(l->str) + (l->str ? 0 : fsz((uint64_t)l->num) + fsz(l->num_unit));
}

/* The varint length of the body at [lp + r, end) put at lp, where r bytes
 * were kept for it (the body moved when its length takes other than r
 * bytes); the body's new end. */
static inline uint8_t *put_len_at(uint8_t *lp, size_t r, uint8_t *end)
{
	size_t n = (size_t)(end - lp) - r, k = vsz(n);
	if (k != r)
		memmove(lp + k, lp + r, n);
	put_v(lp, n);
	return lp + k + n;
}

/* The most bytes sample i takes (tag, length and body): each length and
 * value at its widest; a label's at its widest is 31 bytes. */
static size_t sample_bound(const struct cr_profile *p, size_t i)
{
	const struct cr_sample *s = &p->samples[i];
	return 3 * 11 + (size_t)s->nloc * 5 + p->ntypes * 10 + (size_t)s->nlabel * 31;
}

/* Sample i, written in one pass over it: each length written after its
 * body, in the bytes kept for it (*keep for the message's: its last
 * length's size, as the samples' lengths are alike). */
static uint8_t *put_sample(uint8_t *o, const struct cr_profile *p, size_t i, size_t *keep)
{
	const struct cr_sample *s = &p->samples[i];
	*o++ = (uint8_t)(P_SAMPLE << 3 | WT_LEN);
	uint8_t *lp = o;
	o += *keep;
	if (s->nloc) {
		const uint32_t *ids = p->stack + s->loc_start;
		size_t r = vsz((size_t)s->nloc * 2);
		*o++ = 1 << 3 | WT_LEN;
		uint8_t *ip = o;
		o += r;
		for (uint32_t k = 0; k < s->nloc; k++)
			o = put_v(o, (uint64_t)ids[k] + 1);
		o = put_len_at(ip, r, o);
	}
	if (p->ntypes) {
		const int64_t *v = &p->values[i * p->ntypes];
		size_t r = vsz(p->ntypes * 10);
		*o++ = 2 << 3 | WT_LEN;
		uint8_t *vp = o;
		o += r;
		for (size_t k = 0; k < p->ntypes; k++)
			o = put_v(o, (uint64_t)v[k]);
		o = put_len_at(vp, r, o);
	}
	for (uint32_t k = 0; k < s->nlabel; k++) {
		const struct cr_label *l = &p->labels[s->label_start + k];
		o = put_l(o, 3, label_size(l));
		o = put_f(o, 1, l->key);
		o = put_f(o, 2, l->str);
		if (!l->str) {
			o = put_f(o, 3, (uint64_t)l->num);
			o = put_f(o, 4, l->num_unit);
		}
	}
	size_t n = (size_t)(o - lp) - *keep;
	o = put_len_at(lp, *keep, o);
	*keep = vsz(n);
	return o;
}

/* sample i's size (tag, length and body) */
static size_t sample_size(const struct cr_profile *p, size_t i)
{
	const struct cr_sample *s = &p->samples[i];
	size_t locb = 0, valb = 0, n = 0;
	for (uint32_t k = 0; k < s->nloc; k++)
		locb += vsz((uint64_t)p->stack[s->loc_start + k] + 1);
	for (size_t k = 0; k < p->ntypes; k++)
		valb += vsz((uint64_t)p->values[i * p->ntypes + k]);
	n = (s->nloc ? lsz(locb) : 0) + (p->ntypes ? lsz(valb) : 0);
	for (uint32_t k = 0; k < s->nlabel; k++)
		n += lsz(label_size(&p->labels[s->label_start + k]));
	return lsz(n);
}

/* A message whose fields are scalars numbered 1..n, in order (Mapping,
 * Function): its values, its size, and its bytes. */
enum { MAPPING_FIELDS = 10, FUNCTION_FIELDS = 5 };

static size_t seq_size(const uint64_t *v, unsigned n)
{
	size_t s = 0;
	for (unsigned k = 0; k < n; k++)
		s += fsz(v[k]);
	return s;
}

static uint8_t *put_seq(uint8_t *o, unsigned field, const uint64_t *v, unsigned n)
{
	o = put_l(o, field, seq_size(v, n));
	for (unsigned k = 0; k < n; k++)
		o = put_f(o, k + 1, v[k]);
	return o;
}

static void mapping_fields(const struct cr_mapping *m, size_t i, uint64_t v[MAPPING_FIELDS])
{
	uint64_t f[MAPPING_FIELDS] = { i + 1, m->start, m->limit, m->offset, m->filename, m->build_id,
				       m->has_functions, m->has_filenames, m->has_line_numbers,
				       m->has_inline_frames };
	memcpy(v, f, sizeof f);
}

static void function_fields(const struct cr_function *f, size_t i, uint64_t v[FUNCTION_FIELDS])
{
	uint64_t g[FUNCTION_FIELDS] = { i + 1, f->name, f->system_name, f->filename, (uint64_t)f->start_line };
	memcpy(v, g, sizeof g);
}

static size_t line_size(const struct cr_line *l) { return fsz(l->function) + fsz((uint64_t)l->line); }

static size_t location_size(const struct cr_profile *p, size_t i)
{
	const struct cr_location *l = &p->locations[i];
	size_t n = fsz(i + 1) + fsz(l->mapping) + fsz(l->address) + (l->is_folded ? 2 : 0);
	for (uint32_t k = 0; k < l->nlines; k++)
		n += lsz(line_size(&p->lines[l->line_start + k]));
	return n;
}

static uint8_t *put_location(uint8_t *o, const struct cr_profile *p, size_t i)
{
	const struct cr_location *l = &p->locations[i];
	o = put_l(o, P_LOCATION, location_size(p, i));
	o = put_f(o, 1, i + 1);
	o = put_f(o, 2, l->mapping);
	o = put_f(o, 3, l->address);
	for (uint32_t k = 0; k < l->nlines; k++) {
		const struct cr_line *ln = &p->lines[l->line_start + k];
		o = put_l(o, 4, line_size(ln));
		o = put_f(o, 1, ln->function);
		o = put_f(o, 2, (uint64_t)ln->line);
	}
	return put_f(o, 5, l->is_folded);
}

static bool has_period_type(const struct cr_profile *p) { return p->period_type.type || p->period_type.unit; }

/* the packed comments' body */
static size_t comments_body(const struct cr_profile *p)
{
	size_t b = 0;
	for (size_t i = 0; i < p->ncomments; i++)
		b += vsz(p->comments[i]);
	return b;
}

/* the whole profile's size; *most: the largest sample_bound() */
static size_t profile_size(const struct cr_profile *p, size_t *most)
{
	size_t n = 0;
	*most = 0;
	for (size_t i = 0; i < p->ntypes; i++)
		n += lsz(vt_size(&p->types[i]));
	for (size_t i = 0; i < p->nsamples; i++) {
		size_t b = sample_bound(p, i);
		*most = b > *most ? b : *most;
		n += sample_size(p, i);
	}
	uint64_t v[MAPPING_FIELDS];
	for (size_t i = 0; i < p->nmappings; i++) {
		mapping_fields(&p->mappings[i], i, v);
		n += lsz(seq_size(v, MAPPING_FIELDS));
	}
	for (size_t i = 0; i < p->nlocations; i++)
		n += lsz(location_size(p, i));
	for (size_t i = 0; i < p->nfunctions; i++) {
		function_fields(&p->functions[i], i, v);
		n += lsz(seq_size(v, FUNCTION_FIELDS));
	}
	for (size_t i = 0; i < p->str.n; i++)
		n += lsz(strlen(p->str.strs[i]));
	n += fsz(p->drop_frames) + fsz(p->keep_frames) + fsz((uint64_t)p->time_nanos) +
	     fsz((uint64_t)p->duration_nanos) + (has_period_type(p) ? lsz(vt_size(&p->period_type)) : 0) +
	     fsz((uint64_t)p->period) + (p->ncomments ? lsz(comments_body(p)) : 0) + fsz(p->default_type);
	return n;
}

/* Where the encoding goes: room(n) is where the next n bytes are written
 * (NULL when out of memory or the sink failed). In memory: one buffer of
 * the exact size; to a gzip stream: a buffer deflated each time it fills. */
struct sink {
	uint8_t *buf, *o, *end;
	bool (*flush)(struct sink *s, size_t need); /* make room for need bytes */
	void *arg;
};

static inline uint8_t *room(struct sink *s, size_t n)
{
	if ((size_t)(s->end - s->o) < n && !s->flush(s, n))
		return NULL;
	return s->o;
}

/* the profile into s; false when s failed */
static bool encode(const struct cr_profile *p, struct sink *s)
{
	uint8_t *o;
	for (size_t i = 0; i < p->ntypes; i++) {
		if (!(o = room(s, lsz(vt_size(&p->types[i])))))
			return false;
		s->o = put_vt(o, P_SAMPLE_TYPE, &p->types[i]);
	}
	size_t keep = 1;
	for (size_t i = 0; i < p->nsamples; i++) {
		if (!(o = room(s, sample_bound(p, i))))
			return false;
		s->o = put_sample(o, p, i, &keep);
	}
	uint64_t v[MAPPING_FIELDS];
	for (size_t i = 0; i < p->nmappings; i++) {
		mapping_fields(&p->mappings[i], i, v);
		if (!(o = room(s, lsz(seq_size(v, MAPPING_FIELDS)))))
			return false;
		s->o = put_seq(o, P_MAPPING, v, MAPPING_FIELDS);
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		if (!(o = room(s, lsz(location_size(p, i)))))
			return false;
		s->o = put_location(o, p, i);
	}
	for (size_t i = 0; i < p->nfunctions; i++) {
		function_fields(&p->functions[i], i, v);
		if (!(o = room(s, lsz(seq_size(v, FUNCTION_FIELDS)))))
			return false;
		s->o = put_seq(o, P_FUNCTION, v, FUNCTION_FIELDS);
	}
	for (size_t i = 0; i < p->str.n; i++) {
		size_t len = strlen(p->str.strs[i]);
		if (!(o = room(s, lsz(len))))
			return false;
		o = put_l(o, P_STRING_TABLE, len);
		memcpy(o, p->str.strs[i], len);
		s->o = o + len;
	}
	size_t tail = fsz(p->drop_frames) + fsz(p->keep_frames) + fsz((uint64_t)p->time_nanos) +
		      fsz((uint64_t)p->duration_nanos) + (has_period_type(p) ? lsz(vt_size(&p->period_type)) : 0) +
		      fsz((uint64_t)p->period) + (p->ncomments ? lsz(comments_body(p)) : 0) + fsz(p->default_type);
	if (!(o = room(s, tail)))
		return false;
	o = put_f(o, P_DROP_FRAMES, p->drop_frames);
	o = put_f(o, P_KEEP_FRAMES, p->keep_frames);
	o = put_f(o, P_TIME_NANOS, (uint64_t)p->time_nanos);
	o = put_f(o, P_DURATION_NANOS, (uint64_t)p->duration_nanos);
	if (has_period_type(p))
		o = put_vt(o, P_PERIOD_TYPE, &p->period_type);
	o = put_f(o, P_PERIOD, (uint64_t)p->period);
	if (p->ncomments) {
		o = put_l(o, P_COMMENT, comments_body(p));
		for (size_t i = 0; i < p->ncomments; i++)
			o = put_v(o, p->comments[i]);
	}
	s->o = put_f(o, P_DEFAULT_SAMPLE_TYPE, p->default_type);
	return true;
}

static bool no_flush(struct sink *s, size_t need)
{
	(void)s;
	(void)need;
	return false; /* the buffer has room for all */
}

enum cr_err cr_profile_encode_pprof(const struct cr_profile *p, unsigned char **out, size_t *outlen,
				    struct cr_error *e)
{
	/* the exact size, and room for a sample at its widest past it: a
	 * sample asks room() for that much before it is written */
	size_t most, n = profile_size(p, &most), cap;
	uint8_t *buf = cr_add_ok(n, most + 1, &cap) ? cr_malloc(cap) : NULL;
	if (!buf)
		return cr_fail(e, CR_NOMEM, "%s: out of memory encoding the profile", p->name ? p->name : "profile");
	cr_mem_hint_huge(buf, n);
	struct sink s = { buf, buf, buf + cap, no_flush, NULL };
	if (!encode(p, &s) || (size_t)(s.o - buf) != n) { /* cannot happen: the sizes are exact */
		cr_free(buf);
		return cr_fail(e, CR_NOMEM, "%s: out of memory encoding the profile", p->name ? p->name : "profile");
	}
	*out = buf;
	*outlen = (size_t)(s.o - buf);
	return CR_OK;
}

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
/* The profile deflated as it is encoded: 256 KiB of the encoding at a
 * time into one gzip member, 256 KiB of output at a time (buffers reused:
 * no pages faulted in for the whole encoding or output; a megabyte
 * deflates no faster and faults in four times the pages). Past the first
 * 256 KiB a second thread deflates one buffer while this one encodes into
 * the other (deflating takes twice the encoding's time). */
struct zsink {
	struct isal_zstream *z;
	unsigned char *out;
	FILE *f;
	/* the first failure (ZE_*) and its errno: the thread's, once it runs,
	 * under mu */
	int err, err_no;
	/* the deflating thread: `job` (n bytes, `last`) handed to it, until it
	 * is done with it; `spare` the other buffer, and its capacity */
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, pending, last, quit;
	uint8_t *job, *spare;
	size_t n, job_cap, spare_cap;
};

enum { ZCHUNK = 1 << 18 };
enum { ZE_WRITE = 1, ZE_NOMEM };

/* buf[0, n) deflated (to the end of the stream when last) and written:
 * 0, or ZE_* with errno set */
static int zs_deflate(struct zsink *zs, uint8_t *buf, size_t n, bool last)
{
	struct isal_zstream *z = zs->z;
	z->next_in = buf;
	z->avail_in = (uint32_t)n;
	z->end_of_stream = last;
	for (;;) {
		z->next_out = zs->out;
		z->avail_out = ZCHUNK;
		if (isal_deflate(z) != COMP_OK)
			return ZE_NOMEM; /* only a bad level or buffer, which cannot happen */
		size_t k = ZCHUNK - z->avail_out;
		errno = 0;
		if (k && fwrite(zs->out, 1, k, zs->f) != k)
			return ZE_WRITE;
		if (last ? z->internal_state.state == ZSTATE_END : z->avail_in == 0 && z->avail_out != 0)
			return 0;
	}
}

static void *zs_run(void *arg)
{
	struct zsink *zs = arg;
	pthread_mutex_lock(&zs->mu);
	for (;;) {
		while (!zs->pending && !zs->quit)
			pthread_cond_wait(&zs->cv, &zs->mu);
		if (!zs->pending)
			break;
		bool last = zs->last;
		pthread_mutex_unlock(&zs->mu);
		int err = zs_deflate(zs, zs->job, zs->n, last);
		int err_no = errno;
		pthread_mutex_lock(&zs->mu);
		zs->err = err, zs->err_no = err_no;
		zs->pending = false;
		pthread_cond_signal(&zs->cv);
		if (last || err)
			break;
	}
	pthread_mutex_unlock(&zs->mu);
	return NULL;
}

/* Wait for the thread to be done with its buffer: false when it failed. */
static bool zs_wait(struct zsink *zs)
{
	pthread_mutex_lock(&zs->mu);
	while (zs->pending)
		pthread_cond_wait(&zs->cv, &zs->mu);
	bool ok = !zs->err;
	pthread_mutex_unlock(&zs->mu);
	return ok;
}

/* What the sink holds, deflated (on the thread when it runs: the sink
 * then goes on in the other buffer). */
static bool zs_hand(struct sink *s, bool last)
{
	struct zsink *zs = s->arg;
	size_t n = (size_t)(s->o - s->buf);
	if (!zs->started) {
		zs->err = zs_deflate(zs, s->buf, n, last);
		zs->err_no = errno;
		s->o = s->buf;
		return !zs->err;
	}
	if (!zs_wait(zs))
		return false;
	uint8_t *b = zs->job;
	size_t cap = zs->job_cap;
	pthread_mutex_lock(&zs->mu);
	zs->job = s->buf, zs->job_cap = (size_t)(s->end - s->buf), zs->n = n, zs->last = last;
	zs->pending = true;
	pthread_cond_signal(&zs->cv);
	pthread_mutex_unlock(&zs->mu);
	s->buf = s->o = b;
	s->end = b + cap;
	return true;
}

static bool zs_flush(struct sink *s, size_t need)
{
	struct zsink *zs = s->arg;
	/* the thread, at the first buffer filled (a small profile fills none) */
	if (!zs->started && zs->spare && pthread_create(&zs->t, NULL, zs_run, zs) == 0) {
		zs->started = true;
		zs->job = zs->spare, zs->job_cap = zs->spare_cap;
		zs->spare = NULL;
	}
	if (!zs_hand(s, false))
		return false;
	if (need > (size_t)(s->end - s->buf)) { /* one element longer than the buffer */
		uint8_t *b = cr_realloc(s->buf, need);
		if (!b)
			return false; /* (the thread's err stays 0: out of memory) */
		s->buf = s->o = b;
		s->end = b + need;
	}
	return true;
}

/* p encoded and gzipped to of; false on a write error (errno set) or when
 * out of memory (*nomem) */
static bool write_gzip(struct cr_outfile *of, const struct cr_profile *p, bool *nomem)
{
	struct isal_zstream *z = cr_calloc(1, sizeof *z); /* zeroed: the init sets only some fields */
	unsigned char *lvl = cr_calloc(1, ISAL_DEF_LVL1_DEFAULT), *out = cr_malloc(ZCHUNK), *in = cr_malloc(ZCHUNK);
	bool ok = z && lvl && out && in;
	*nomem = !ok;
	errno = 0;
	if (ok) {
		isal_deflate_init(z);
		z->level = ISAL_LEVEL;
		z->level_buf = lvl;
		z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
		z->gzip_flag = IGZIP_GZIP;
		z->flush = NO_FLUSH;
		struct zsink zs = { .z = z, .out = out, .f = of->f, .spare_cap = ZCHUNK };
		/* the second buffer, for the thread (none: one thread) */
		zs.spare = p->one_thread || sysconf(_SC_NPROCESSORS_ONLN) < 2 ? NULL : cr_malloc(ZCHUNK);
		pthread_mutex_init(&zs.mu, NULL);
		pthread_cond_init(&zs.cv, NULL);
		struct sink s = { in, in, in + ZCHUNK, zs_flush, &zs };
		ok = encode(p, &s) && zs_hand(&s, true);
		if (zs.started) {
			ok = zs_wait(&zs) && ok;
			pthread_mutex_lock(&zs.mu);
			zs.quit = true; /* (the thread ended at its last buffer or error, else waits) */
			pthread_cond_signal(&zs.cv);
			pthread_mutex_unlock(&zs.mu);
			pthread_join(zs.t, NULL);
			cr_free(zs.job);
		}
		pthread_mutex_destroy(&zs.mu);
		pthread_cond_destroy(&zs.cv);
		cr_free(zs.spare);
		in = s.buf;
		*nomem = !ok && zs.err != ZE_WRITE;
		errno = zs.err == ZE_WRITE ? zs.err_no : 0;
	}
	cr_free(z);
	cr_free(lvl);
	cr_free(out);
	cr_free(in);
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
static bool write_gzip(struct cr_outfile *of, const unsigned char *raw, size_t n, bool *nomem)
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
static bool write_gzip(struct cr_outfile *of, const unsigned char *raw, size_t n, bool *nomem)
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

enum cr_err cr_profile_write_pprof(const struct cr_profile *p, const char *path, struct cr_error *e)
{
	enum cr_err rc;
#ifndef CORONER_HAVE_ISAL
	unsigned char *raw;
	size_t n;
	if ((rc = cr_profile_encode_pprof(p, &raw, &n, e)))
		return rc;
#endif
	/* atomically: a temporary file beside path, renamed when complete */
	struct cr_outfile of;
	rc = cr_outfile_open(&of, path, e);
	bool nomem = false, ok = false;
	int err = 0;
	if (!rc) {
		errno = 0;
#ifdef CORONER_HAVE_ISAL
		ok = write_gzip(&of, p, &nomem);
#else
		ok = write_gzip(&of, raw, n, &nomem);
#endif
		err = errno;
	}
#ifndef CORONER_HAVE_ISAL
	cr_free(raw);
#endif
	if (rc)
		return rc;
	if (!ok) {
		cr_outfile_abort(&of);
		if (nomem)
			return cr_fail(e, CR_NOMEM, "%s: out of memory compressing the profile", path);
		return cr_fail(e, CR_IO, "%s: write failed%s%s (the previous file, if any, is unchanged)", path,
			       err ? ": " : "", err ? strerror(err) : "");
	}
	return cr_outfile_commit(&of, e);
}

/* protobuf-c's allocator over the accounted heap: unpacking amplifies memory
 * 8-60x, so it must fail cleanly at the budget like everything else. */
static void *pbc_alloc(void *data, size_t n) { (void)data; return cr_malloc(n); }
static void pbc_free(void *data, void *p) { (void)data; cr_free(p); }
static ProtobufCAllocator pbc_allocator = { pbc_alloc, pbc_free, NULL };

enum cr_err cr_pprof_pbc_stats(const unsigned char *data, size_t len, struct cr_pbc_stats *st,
			       struct cr_error *e)
{
	Perftools__Profiles__Profile *pb =
		perftools__profiles__profile__unpack(&pbc_allocator, len, data);
	if (!pb)
		return cr_fail(e, CR_FORMAT, "protobuf-c: cannot unpack the profile");
	memset(st, 0, sizeof *st);
	st->nsamples = pb->n_sample;
	st->nlocations = pb->n_location;
	st->nfunctions = pb->n_function;
	st->nmappings = pb->n_mapping;
	st->nstrings = pb->n_string_table;
	st->ntypes = pb->n_sample_type;
	for (size_t i = 0; i < pb->n_sample; i++)
		for (size_t k = 0; k < pb->sample[i]->n_value && k < 8; k++)
			st->sums[k] = cr_sat_add(st->sums[k], pb->sample[i]->value[k]);
	perftools__profiles__profile__free_unpacked(pb, &pbc_allocator);
	return CR_OK;
}
