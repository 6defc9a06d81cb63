/* profile.proto reader: decodes the wire format directly (two passes over
 * the top level: strings and ids first, then everything resolved), with
 * pprof's validity rules: ids non-zero and unique, references resolved,
 * string indexes in range, value counts equal to the sample types. */
#include "coroner/profile.h"
#include "pprof_int.h"

#include <string.h>

enum cr_err cr_pprof_fail_at(struct rd *r, const struct pbuf *b, const char *fmt, ...)
{
	char what[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return cr_fail(r->e, CR_FORMAT, "%s: pprof: offset 0x%zx: %s", r->name, pb_off(b), what);
}

static enum cr_err idmap_build(struct rd *r, struct idmap *m, const uint64_t *ids, size_t n,
			       const char *what, const struct pbuf *b)
{
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == 0)
			return BAD(b, "%s id 0 is not allowed", what);
		if (ids[i] > max)
			max = ids[i];
	}
	if (max <= 4 * (uint64_t)n + 1024) {
		m->ndense = max + 1;
		m->dense = cr_calloc(m->ndense, sizeof *m->dense);
		if (!m->dense)
			return nomem(r);
		for (size_t i = 0; i < n; i++) {
			if (m->dense[ids[i]])
				return BAD(b, "duplicate %s id %llu", what, (unsigned long long)ids[i]);
			m->dense[ids[i]] = (uint32_t)i + 1;
		}
	} else {
		m->use_hash = true;
		cr_hmap_init(&m->h);
		for (size_t i = 0; i < n; i++) {
			bool found;
			if (!cr_hmap_put(&m->h, &ids[i], sizeof ids[i], (uint32_t)i + 1, &found))
				return nomem(r);
			if (found)
				return BAD(b, "duplicate %s id %llu", what, (unsigned long long)ids[i]);
		}
	}
	return CR_OK;
}

static void idmap_release(struct idmap *m)
{
	cr_free(m->dense);
	if (m->use_hash)
		cr_hmap_release(&m->h);
}

/* Read the `id` (field 1, the last one given) of a Location/Function/Mapping
 * message; false when it is malformed. Fields of a one-byte tag with a
 * varint, or a one-byte length (nearly all of them), are stepped over
 * inline; the rest the general way. */
static bool peek_id(struct pbuf m, uint64_t *id)
{
	uint32_t f, wt;
	*id = 0;
	while (m.p < m.end) {
		const uint8_t *p = m.p;
		if (m.end - p >= 12 && p[0] >= 1 << 3 && p[0] < 0x80) {
			if ((p[0] & 7) == WT_VARINT) {
				/* the varint's bytes: at most 10, the last below 0x80 */
				size_t k = 1;
				while (k < 11 && p[k] >= 0x80)
					k++;
				if (k < 11 && (k < 10 || p[10] <= 1)) {
					if (p[0] == (1 << 3 | WT_VARINT)) {
						uint64_t v = 0;
						for (size_t j = k; j >= 1; j--)
							v = v << 7 | (p[j] & 0x7f);
						*id = v;
					}
					m.p += k + 1;
					continue;
				}
			} else if ((p[0] & 7) == WT_LEN && p[1] < 0x80) {
				if (p[1] > m.end - p - 2)
					return false;
				m.p += 2 + p[1];
				continue;
			}
		}
		if (!pb_tag(&m, &f, &wt))
			return false;
		if (f == 1 && wt == WT_VARINT) {
			if (!pb_varint(&m, id))
				return false;
		} else if (!pb_skip(&m, wt)) {
			return false;
		}
	}
	return true;
}

static enum cr_err push_id(struct rd *r, uint64_t **arr, size_t *n, size_t *cap, struct pbuf m,
			   const struct pbuf *at, const char *what)
{
	uint64_t id;
	if (!peek_id(m, &id))
		return BAD(at, "malformed %s message", what);
	if (*n >= *cap && cr_grow(arr, cap, *n + 1, sizeof **arr))
		return nomem(r);
	(*arr)[(*n)++] = id;
	return CR_OK;
}

/* The varints in the packed run [q, e): its bytes without the
 * continuation bit, eight at a time. */
static size_t varint_ends(const uint8_t *q, const uint8_t *e)
{
	size_t n = 0;
	for (; e - q >= 8; q += 8) {
		uint64_t w;
		memcpy(&w, q, sizeof w);
		/* the continuation bits at the bottom of each byte, summed */
		n += 8 - (size_t)((((w >> 7) & 0x0101010101010101ull) * 0x0101010101010101ull) >> 56);
	}
	for (; q < e; q++)
		n += *q < 0x80;
	return n;
}

/* Pass 1's count of a sample's location ids (one per varint: the bytes
 * without the continuation bit of a packed run; none when they are left
 * out) and labels. */
static void count_sample(struct rd *r, struct pbuf m)
{
	uint32_t f, wt;
	const bool ids = !(r->p->leave_out & CR_LEAVE_STACKS);
	r->count_samples++;
	while (m.p < m.end) {
		/* a field of a one-byte tag and length (Go's samples) inline */
		if (m.end - m.p >= 2 && (m.p[0] & 7) == WT_LEN && m.p[0] >= 1 << 3 && m.p[0] < 0x80 && m.p[1] < 0x80 &&
		    m.p[1] <= m.end - m.p - 2) {
			const uint8_t *q = m.p + 2, *e = q + m.p[1];
			if (m.p[0] >> 3 == 1)
				r->count_stack += ids ? varint_ends(q, e) : 0;
			else if (m.p[0] >> 3 == 3)
				r->count_labels++;
			m.p = e;
			continue;
		}
		if (!pb_tag(&m, &f, &wt))
			return;
		if (f == 1 && wt == WT_LEN) {
			struct pbuf pk;
			if (!pb_bytes(&m, &pk))
				return;
			r->count_stack += ids ? varint_ends(pk.p, pk.end) : 0;
		} else {
			if (f == 1)
				r->count_stack += ids;
			else if (f == 3)
				r->count_labels++;
			if (!pb_skip(&m, wt))
				return;
		}
	}
}

/* Inflating (r->in): wait until the bytes before upto are there. false:
 * the inflation stopped short of them (r->stopped), and its error is the
 * one to give. */
static bool need(struct rd *r, const uint8_t *upto)
{
	if (upto > r->end)
		upto = r->end;
	if (upto <= r->ready)
		return true;
	size_t want = (size_t)(upto - r->base), got = cr_input_ready(r->in, want);
	r->ready = r->base + got;
	if (got < want)
		r->stopped = true;
	return got >= want;
}

/* Pass 1: string table and the ids of locations, functions and mappings. */
static enum cr_err pass1(struct rd *r, const uint8_t *data, size_t len)
{
	struct pbuf b = { data, data + len, data };
	uint32_t f, wt;
	bool seen_time = false;
	while (b.p < b.end) {
		struct pbuf at = b;
		/* a tag and a varint at most (a field's payload is waited for
		 * where it is read) */
		if (!need(r, b.p + 20))
			return CR_FORMAT;
		if (!pb_tag(&b, &f, &wt))
			return BAD(&at, "bad field tag");
		r->other_seen |= r->count_samples && !(f == P_SAMPLE && wt == WT_LEN);
		if (wt == WT_LEN && (f == P_STRING_TABLE || f == P_LOCATION || f == P_FUNCTION ||
				     f == P_MAPPING)) {
			struct pbuf s;
			if (!pb_bytes(&b, &s))
				return BAD(&at, "length past the end of the data");
			if (!need(r, s.end))
				return CR_FORMAT;
			enum cr_err rc = CR_OK;
			if (f == P_STRING_TABLE) {
				if (cr_grow(&r->strmap, &r->cap_str, r->nstr + 1, sizeof *r->strmap))
					return nomem(r);
				uint32_t id = cr_profile_intern_bytes(r->p, (const char *)s.p, (size_t)(s.end - s.p));
				if (id == UINT32_MAX)
					return nomem(r);
				r->strmap[r->nstr++] = id;
			} else if (f == P_LOCATION) {
				rc = push_id(r, &r->loc_ids, &r->nloc, &r->cap_loc, s, &at, "location");
			} else if (f == P_FUNCTION) {
				rc = push_id(r, &r->fn_ids, &r->nfn, &r->cap_fn, s, &at, "function");
			} else {
				rc = push_id(r, &r->map_ids, &r->nmap, &r->cap_map, s, &at, "mapping");
			}
			if (rc)
				return rc;
		} else if (f == P_SAMPLE && wt == WT_LEN) {
			struct pbuf s;
			if (!pb_bytes(&b, &s))
				return BAD(&at, "field %u: truncated or bad wire type %u", f, wt);
			if (!need(r, s.end))
				return CR_FORMAT;
			size_t off = (size_t)(at.p - data);
			if (!r->count_samples) {
				r->samples_from = off;
				cr_pprof_early_start(r);
			}
			r->interleaved |= r->other_seen;
			r->samples_to = (size_t)(s.end - data);
			if (r->nck < sizeof r->ck / sizeof r->ck[0] && off >= r->next_ck) {
				r->ck[r->nck++] = (struct ck){ off, r->count_samples, r->count_stack, r->count_labels };
				r->next_ck = off + len / (sizeof r->ck / sizeof r->ck[0]) + 1;
			}
			if (!r->early.on || !cr_pprof_early_sample(r, s, (size_t)(s.end - data)))
				count_sample(r, s);
		} else if (f == P_TIME_NANOS && wt == WT_VARINT) {
			/* pprof's rule: a second time_nanos means two profiles were
			 * concatenated (cat a.pb b.pb, or two gzip members) */
			uint64_t t;
			if (!pb_varint(&b, &t))
				return BAD(&at, "time_nanos: bad varint");
			if (seen_time)
				return BAD(&at, "concatenated profiles detected (give them as separate files to merge)");
			seen_time = t != 0;
		} else {
			if (f == P_SAMPLE_TYPE) {
				r->count_types++;
				cr_pprof_early_stop(r); /* (the samples met were given fewer types) */
			}
			if (!pb_skip(&b, wt))
				return BAD(&at, "field %u: truncated or bad wire type %u", f, wt);
		}
	}
	r->early.done = r->early.on;
	if (r->nstr == 0 && len > 0)
		return cr_fail(r->e, CR_FORMAT, "%s: pprof: no string table (truncated, or not a profile)", r->name);
	if (r->nstr > 0 && cr_profile_str(r->p, r->strmap[0])[0] != 0) {
		struct pbuf at = { data, data + len, data };
		return BAD(&at, "string_table[0] must be empty");
	}
	return CR_OK;
}

/* At the first sample of a run pass 1 found whole (its framing checked,
 * no other field among them): b stepped past the run, for the sweeps that
 * read no sample. */
static inline void step_over_samples(const struct rd *r, struct pbuf *b, const uint8_t *data)
{
	if (r->count_samples && !r->interleaved && b->p == data + r->samples_from)
		b->p = data + r->samples_to;
}

static enum cr_err read_valuetype(struct rd *r, struct pbuf m, struct cr_valuetype *vt)
{
	uint32_t f, wt;
	uint64_t v;
	vt->type = vt->unit = 0;
	while (m.p < m.end) {
		struct pbuf at = m;
		if (!pb_tag(&m, &f, &wt))
			return BAD(&at, "ValueType: bad tag");
		if ((f == 1 || f == 2) && wt == WT_VARINT) {
			if (!pb_varint(&m, &v))
				return BAD(&at, "ValueType: bad varint");
			if (!str_ok(r, v, f == 1 ? &vt->type : &vt->unit))
				return BAD(&at, "ValueType: string index %llu out of range", (unsigned long long)v);
		} else if (!pb_skip(&m, wt)) {
			return BAD(&at, "ValueType: truncated");
		}
	}
	return CR_OK;
}

/* A message's varint fields, one after the other (fields of other wire
 * types skipped): m the rest of the message; at where the field f with the
 * value v starts; rc the first error. */
struct vfields {
	struct pbuf m, at;
	uint32_t f;
	uint64_t v;
	enum cr_err rc;
};

/* The general case of next_varint below. */
static bool next_varint_slow(struct rd *r, struct vfields *it, const char *what)
{
	uint32_t wt;
	while (!it->rc && it->m.p < it->m.end) {
		it->at = it->m;
		if (!pb_tag(&it->m, &it->f, &wt)) {
			it->rc = BAD(&it->at, "%s: bad tag", what);
			return false;
		}
		if (wt == WT_VARINT) {
			if (!pb_varint(&it->m, &it->v)) {
				it->rc = BAD(&it->at, "%s: bad varint", what);
				return false;
			}
			return true;
		}
		if (!pb_skip(&it->m, wt)) {
			it->rc = BAD(&it->at, "%s: truncated", what);
			return false;
		}
	}
	return false;
}

/* Next varint field of a message. True with (f, v) set; false at the end
 * of the message, or with rc set to the error ("WHAT: bad tag" / "bad
 * varint" / "truncated"), or when rc was already set. A one-byte tag with
 * a varint of one or two bytes (the tables' fields, mostly) is read inline. */
static inline __attribute__((always_inline)) bool next_varint(struct rd *r, struct vfields *it, const char *what)
{
	const uint8_t *p = it->m.p;
	if (!it->rc && it->m.end - p >= 3 && p[0] >= 1 << 3 && p[0] < 0x80 && (p[0] & 7) == WT_VARINT) {
		if (p[1] < 0x80) {
			it->at = it->m;
			it->f = p[0] >> 3;
			it->v = p[1];
			it->m.p = p + 2;
			return true;
		}
		if (p[2] < 0x80) {
			it->at = it->m;
			it->f = p[0] >> 3;
			it->v = (uint64_t)(p[1] & 0x7f) | (uint64_t)p[2] << 7;
			it->m.p = p + 3;
			return true;
		}
	}
	return next_varint_slow(r, it, what);
}

/* The field's value as a string index into *out; else it->rc says so. */
static void str_field(struct rd *r, struct vfields *it, const char *what, uint32_t *out)
{
	if (!str_ok(r, it->v, out))
		it->rc = BAD(&it->at, "%s: string index %llu out of range", what, (unsigned long long)it->v);
}

static enum cr_err read_mapping(struct rd *r, struct pbuf m, size_t idx)
{
	struct cr_mapping *mp = &r->p->mappings[idx];
	memset(mp, 0, sizeof *mp);
	struct vfields it = { .m = m };
	while (next_varint(r, &it, "Mapping")) {
		uint64_t v = it.v;
		switch (it.f) {
		case 1: mp->id = v; break;
		case 2: mp->start = v; break;
		case 3: mp->limit = v; break;
		case 4: mp->offset = v; break;
		case 5: str_field(r, &it, "Mapping", &mp->filename); break;
		case 6: str_field(r, &it, "Mapping", &mp->build_id); break;
		case 7: mp->has_functions = v != 0; break;
		case 8: mp->has_filenames = v != 0; break;
		case 9: mp->has_line_numbers = v != 0; break;
		case 10: mp->has_inline_frames = v != 0; break;
		}
	}
	return it.rc;
}

static enum cr_err read_function(struct rd *r, struct pbuf m, size_t idx)
{
	struct cr_function *fn = &r->p->functions[idx];
	memset(fn, 0, sizeof *fn);
	struct vfields it = { .m = m };
	while (next_varint(r, &it, "Function")) {
		switch (it.f) {
		case 1: fn->id = it.v; break;
		case 2: str_field(r, &it, "Function", &fn->name); break;
		case 3: str_field(r, &it, "Function", &fn->system_name); break;
		case 4: str_field(r, &it, "Function", &fn->filename); break;
		case 5: fn->start_line = (int64_t)it.v; break;
		}
	}
	return it.rc;
}

static enum cr_err read_line(struct rd *r, struct pbuf m, struct cr_line *ln)
{
	struct vfields it = { .m = m };
	ln->function = 0;
	ln->line = 0;
	while (next_varint(r, &it, "Line")) {
		if (it.f == 1) {
			if (it.v) {
				uint32_t ix = idmap_get(&r->fns, it.v);
				if (!ix)
					return BAD(&it.at, "line refers to unknown function id %llu", (unsigned long long)it.v);
				ln->function = ix;
			}
		} else if (it.f == 2) {
			ln->line = (int64_t)it.v;
		}
	}
	return it.rc;
}

static enum cr_err read_location(struct rd *r, struct pbuf m, size_t idx)
{
	struct cr_profile *p = r->p;
	struct cr_location *l = &p->locations[idx];
	memset(l, 0, sizeof *l);
	l->line_start = (uint32_t)p->nlines;
	uint32_t f, wt;
	uint64_t v;
	while (m.p < m.end) {
		struct pbuf at = m;
		if (!pb_tag(&m, &f, &wt))
			return BAD(&at, "Location: bad tag");
		if (f == 4 && wt == WT_LEN) {
			struct pbuf s;
			if (!pb_bytes(&m, &s))
				return BAD(&at, "Location.line past the end");
			if (p->nlines >= UINT32_MAX - 1)
				return cr_fail(r->e, CR_LIMIT, "%s: pprof: too many lines", r->name);
			if (p->nlines >= p->cap_lines &&
			    cr_grow(&p->lines, &p->cap_lines, p->nlines + 1, sizeof *p->lines))
				return nomem(r);
			enum cr_err rc = read_line(r, s, &p->lines[p->nlines]);
			if (rc)
				return rc;
			p->nlines++;
			l->nlines++;
			continue;
		}
		if (wt != WT_VARINT) {
			if (!pb_skip(&m, wt))
				return BAD(&at, "Location: truncated");
			continue;
		}
		if (!pb_varint(&m, &v))
			return BAD(&at, "Location: bad varint");
		switch (f) {
		case 1: l->id = v; break;
		case 2:
			if (v) {
				uint32_t ix = idmap_get(&r->maps, v);
				if (!ix)
					return BAD(&at, "location refers to unknown mapping id %llu", (unsigned long long)v);
				l->mapping = ix;
			}
			break;
		case 3: l->address = v; break;
		case 5: l->is_folded = v != 0; break;
		}
	}
	return CR_OK;
}

/* The profile's mappings, functions and locations: one sweep over the
 * top level notes where each message lies (pass 1 counted them and checked
 * the framing), then the mappings and functions are decoded in file order,
 * and the locations after them (a line names a function by its id), so the
 * first error is the same as that of a sweep for each. */
static enum cr_err read_tables(struct rd *r, const uint8_t *data, size_t len)
{
	struct pbuf b = { data, data + len, data };
	size_t n = 0, want = r->nmap + r->nfn + r->nloc, nl = 0;
	uint32_t f, wt;
	if (want && cr_grow(&r->tab, &r->cap_tab, want, sizeof *r->tab))
		return nomem(r);
	while (step_over_samples(r, &b, data), b.p < b.end) {
		struct pbuf at = b, s;
		if (!pb_tag(&b, &f, &wt))
			return BAD(&at, "bad field tag");
		if (wt == WT_LEN && (f == P_MAPPING || f == P_FUNCTION || f == P_LOCATION)) {
			if (!pb_bytes(&b, &s))
				return BAD(&at, "length past the end");
			if (n == want)
				return BAD(&at, "table changed between passes");
			r->tab[n++] = (struct tabmsg){ s.p, s.end, (uint8_t)f };
		} else if (!pb_skip(&b, wt)) {
			return BAD(&at, "truncated");
		}
	}
	size_t iloc = 0, ifn = 0, imap = 0;
	for (size_t i = 0; i < n; i++) {
		struct pbuf s = { r->tab[i].p, r->tab[i].end, data };
		enum cr_err rc = CR_OK;
		if (r->tab[i].f == P_MAPPING)
			rc = read_mapping(r, s, imap++);
		else if (r->tab[i].f == P_FUNCTION)
			rc = read_function(r, s, ifn++);
		else
			r->tab[nl++] = r->tab[i];
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < nl; i++) {
		struct pbuf s = { r->tab[i].p, r->tab[i].end, data };
		enum cr_err rc = read_location(r, s, iloc++);
		if (rc)
			return rc;
	}
	return CR_OK;
}

/* The top level's other fields, and the samples before `cut` (an offset;
 * len for all of them). */
enum cr_err cr_pprof_read_rest(struct rd *r, const uint8_t *data, size_t len, size_t cut)
{
	struct cr_profile *p = r->p;
	struct pbuf b = { data, data + len, data };
	uint32_t f, wt;
	uint64_t v;
	enum cr_err rc;
	while (b.p < b.end) {
		/* no sample to read: a run of them pass 1 checked is stepped over */
		if (!cut && (step_over_samples(r, &b, data), b.p == b.end))
			break;
		struct pbuf at = b, s;
		if (!pb_tag(&b, &f, &wt))
			return BAD(&at, "bad field tag");
		switch (f) {
		case P_SAMPLE:
			if (wt != WT_LEN || !pb_bytes(&b, &s))
				return BAD(&at, "sample: bad length");
			if ((size_t)(at.p - data) < cut && (rc = cr_pprof_read_sample(r, s, &at)))
				return rc;
			continue;
		case P_PERIOD_TYPE:
			if (wt != WT_LEN || !pb_bytes(&b, &s))
				return BAD(&at, "period_type: bad length");
			if ((rc = read_valuetype(r, s, &p->period_type)))
				return rc;
			continue;
		case P_COMMENT:
		case P_DROP_FRAMES:
		case P_KEEP_FRAMES:
		case P_DEFAULT_SAMPLE_TYPE: {
			struct pbuf m = b;
			uint32_t *ids = NULL;
			size_t n = 0, cap = 0;
			if (wt == WT_LEN) {
				if (!pb_bytes(&m, &s))
					return BAD(&at, "field %u past the end", f);
			}
			/* at most a few values: decode into a small array */
			{
				struct pbuf src = wt == WT_LEN ? s : m;
				do {
					struct pbuf xat = src;
					uint32_t sid;
					if (!pb_varint(&src, &v))
						{ cr_free(ids); return BAD(&xat, "field %u: bad varint", f); }
					if (!str_ok(r, v, &sid))
						{ cr_free(ids); return BAD(&xat, "field %u: string index %llu out of range", f, (unsigned long long)v); }
					if (cr_grow(&ids, &cap, n + 1, sizeof *ids))
						{ cr_free(ids); return nomem(r); }
					ids[n++] = sid;
				} while (wt == WT_LEN && src.p < src.end);
				if (wt != WT_LEN)
					m = src;
			}
			b = m;
			for (size_t i = 0; i < n; i++) {
				if (f == P_COMMENT) {
					if (cr_grow(&p->comments, &p->cap_comments, p->ncomments + 1, sizeof *p->comments))
						{ cr_free(ids); return nomem(r); }
					p->comments[p->ncomments++] = ids[i];
				} else if (f == P_DROP_FRAMES) {
					p->drop_frames = ids[i];
				} else if (f == P_KEEP_FRAMES) {
					p->keep_frames = ids[i];
				} else {
					p->default_type = ids[i];
				}
			}
			cr_free(ids);
			continue;
		}
		case P_TIME_NANOS:
		case P_DURATION_NANOS:
		case P_PERIOD:
			if (wt != WT_VARINT || !pb_varint(&b, &v))
				return BAD(&at, "field %u: bad varint", f);
			if (f == P_TIME_NANOS)
				p->time_nanos = (int64_t)v;
			else if (f == P_DURATION_NANOS)
				p->duration_nanos = (int64_t)v;
			else
				p->period = (int64_t)v;
			continue;
		default:
			if (!pb_skip(&b, wt))
				return BAD(&at, "field %u: truncated", f);
		}
	}
	return CR_OK;
}

/* The sample arrays at their final size, once: growing them by doubling
 * copied and faulted them in again (counts are bounded by the input's
 * size). Their pages are mapped by the threads that fill them. */
static enum cr_err size_arrays(struct rd *r)
{
	struct cr_profile *p = r->p;
	size_t nv;
	if (!r->count_samples)
		return CR_OK;
	if (!cr_mul_ok(r->count_samples, r->count_types, &nv) ||
	    cr_grow_exact(&p->samples, &p->cap_samples, r->count_samples, sizeof *p->samples) ||
	    cr_grow_exact(&p->values, &p->cap_values, nv, sizeof *p->values) ||
	    cr_grow_exact(&p->stack, &p->cap_stack, r->count_stack, sizeof *p->stack) ||
	    cr_grow_exact(&p->labels, &p->cap_labels, r->count_labels, sizeof *p->labels))
		return nomem(r);
	cr_mem_advise_huge(p->samples, p->cap_samples * sizeof *p->samples);
	cr_mem_advise_huge(p->values, p->cap_values * sizeof *p->values);
	cr_mem_advise_huge(p->stack, p->cap_stack * sizeof *p->stack);
	cr_mem_advise_huge(p->labels, p->cap_labels * sizeof *p->labels);
	r->sized = true;
	return CR_OK;
}

static enum cr_err pass2(struct rd *r, const uint8_t *data, size_t len)
{
	struct cr_profile *p = r->p;
	struct pbuf b = { data, data + len, data };
	uint32_t f, wt;
	enum cr_err rc;
	/* sample types must be known before samples: Go writes them first, but
	 * the format does not promise it, so collect them in a first sweep */
	while (step_over_samples(r, &b, data), b.p < b.end) {
		struct pbuf at = b;
		if (!pb_tag(&b, &f, &wt))
			return BAD(&at, "bad field tag");
		if (f == P_SAMPLE_TYPE && wt == WT_LEN) {
			struct pbuf s;
			if (!pb_bytes(&b, &s))
				return BAD(&at, "sample_type past the end");
			if (cr_grow(&p->types, &p->cap_types, p->ntypes + 1, sizeof *p->types))
				return nomem(r);
			if ((rc = read_valuetype(r, s, &p->types[p->ntypes])))
				return rc;
			p->ntypes++;
		} else if (!pb_skip(&b, wt)) {
			return BAD(&at, "truncated");
		}
	}
	/* mappings, functions and locations before samples (same reason) */
	if ((rc = read_tables(r, data, len)))
		return rc;
	/* the samples pass 1 decoded, else all of them now (the top level's
	 * other fields either way) */
	if (r->early.done) {
		if (cr_pprof_early_finish(r) == CR_OK)
			return cr_pprof_read_rest(r, data, len, 0);
		if ((rc = size_arrays(r)))
			return rc;
	}
	return cr_pprof_read_samples(r, data, len);
}

/* The profile in data[0, len); in: the input it is being inflated into
 * (cr_input_open_async), else NULL. */
static enum cr_err read_pprof(struct cr_profile *p, const unsigned char *data, size_t len,
			      const char *name, struct cr_input *in, bool *again, struct cr_error *e)
{
	struct rd r;
	memset(&r, 0, sizeof r);
	struct cr_error first = { 0 };
	r.p = p;
	r.name = name;
	r.e = in ? &first : e;
	r.base = data;
	r.end = data + len;
	r.in = in;
	r.ready = in ? data : data + len;
	r.early_allowed = in || cr_pprof_early_always;
	p->source = CR_SRC_PPROF;
	p->name = name;
	struct pbuf at = { data, data + len, data };
	/* pass 1 runs behind the inflation; its error counts once the
	 * inflation is known good and the whole is a profile, as when it is
	 * inflated first */
	enum cr_err rc = pass1(&r, data, len);
	if (in) {
		enum cr_err irc = cr_input_finish(in, again, e);
		if (irc || *again || r.stopped || cr_kind_of(data, len) != CR_KIND_PPROF) {
			*again = !irc;
			rc = irc;
			goto out;
		}
		r.e = e;
		if (rc)
			cr_fail(e, rc, "%s", first.msg);
	}
	if (rc)
		goto out;
	if ((rc = idmap_build(&r, &r.locs, r.loc_ids, r.nloc, "location", &at)) ||
	    (rc = idmap_build(&r, &r.fns, r.fn_ids, r.nfn, "function", &at)) ||
	    (rc = idmap_build(&r, &r.maps, r.map_ids, r.nmap, "mapping", &at)))
		goto out;
	/* element counts were bounded by the input size in pass 1 */
	if (cr_grow(&p->locations, &p->cap_locations, r.nloc, sizeof *p->locations) ||
	    cr_grow(&p->functions, &p->cap_functions, r.nfn, sizeof *p->functions) ||
	    cr_grow(&p->mappings, &p->cap_mappings, r.nmap, sizeof *p->mappings)) {
		rc = nomem(&r);
		goto out;
	}
	p->nlocations = r.nloc;
	p->nfunctions = r.nfn;
	p->nmappings = r.nmap;
	/* what the caller leaves out is read, not kept (pass 1 counted no
	 * left-out location ids); the labels, counted before the strings
	 * were known, are kept for a profile that may mark a diff's base
	 * samples (pprof::base, which every report looks at) */
	for (size_t i = 0; (p->leave_out & CR_LEAVE_LABELS) && i < r.nstr; i++)
		if (!strcmp(cr_profile_str(p, r.strmap[i]), "pprof::base"))
			p->leave_out &= (unsigned char)~CR_LEAVE_LABELS;
	if (p->leave_out & CR_LEAVE_LABELS) {
		for (size_t i = 0; i < r.nck; i++)
			r.ck[i].labels = 0;
		r.count_labels = 0;
	}
	if (!p->nsamples && (rc = size_arrays(&r)))
		goto out;
	rc = pass2(&r, data, len);
out:
	cr_free(r.strmap);
	cr_free(r.loc_ids);
	cr_free(r.fn_ids);
	cr_free(r.map_ids);
	cr_free(r.tab);
	cr_free(r.vals);
	cr_free(r.stk);
	cr_free(r.labs);
	cr_free(r.lines);
	idmap_release(&r.locs);
	idmap_release(&r.fns);
	idmap_release(&r.maps);
	return rc;
}

enum cr_err cr_profile_read_pprof(struct cr_profile *p, const unsigned char *data, size_t len,
				  const char *name, struct cr_error *e)
{
	return read_pprof(p, data, len, name, NULL, NULL, e);
}

enum cr_err cr_pprof_read_input(struct cr_profile *p, struct cr_input *in, bool *again,
				struct cr_error *e)
{
	*again = false;
	return read_pprof(p, in->data, in->len, in->name, in, again, e);
}
