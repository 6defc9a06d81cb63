/* Writing the profile model as profile.proto, gzip-compressed as pprof
 * writes it. The wire format is written directly from the model's arrays,
 * field by field in field-number order, zero scalars left out and repeated
 * numbers packed (proto3's rules, the bytes protobuf-c packs): the exact
 * size is counted first, so the buffer is allocated once. Ids are
 * positions + 1; the string table is the profile's interned table (id 0
 * is ""). The gzip writers are in pprof_gzip.c. */
#include "pprof_write.h"
#include "profile.pb-c.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

bool cr_pprof_encode(const struct cr_profile *p, struct sink *s)
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
	if (!cr_pprof_encode(p, &s) || (size_t)(s.o - buf) != n) { /* cannot happen: the sizes are exact */
		cr_free(buf);
		return cr_fail(e, CR_NOMEM, "%s: out of memory encoding the profile", p->name ? p->name : "profile");
	}
	*out = buf;
	*outlen = (size_t)(s.o - buf);
	return CR_OK;
}

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
		ok = cr_pprof_write_gzip(&of, p, &nomem);
#else
		ok = cr_pprof_write_gzip(&of, raw, n, &nomem);
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
