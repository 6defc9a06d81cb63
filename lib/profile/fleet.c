/* A fleet's profiles read through a reading thread's dictionary: the
 * strings, functions, mappings and locations of many profiles of one
 * program are nearly the same in each, so each is decoded and looked up
 * by content in the dictionary (found from the second file on) rather
 * than built into a profile of its own and merged from there. Only the
 * shape runtime/pprof writes is read here, and only when all of it is
 * well formed: anything else (or anything the reader would refuse, or
 * change after reading: drop_frames, names pprof simplifies) is left to
 * the usual reader, which reads the file again and says what is wrong. */
#include "fleet_int.h"
#include "fleet_read.h"
#include "pprof_int.h"
#include "profile_int.h"

#include <string.h>

static uint32_t dict_str(struct cr_fleet_dict *d, const char *s, size_t len, uint64_t h);
static uint64_t str_hash(const uint8_t *p, size_t n, uint64_t *zero);

struct cr_fleet_dict *cr_fleet_dict_new(void)
{
	struct cr_fleet_dict *d = cr_calloc(1, sizeof *d);
	if (!d)
		return NULL;
	cr_arena_init(&d->arena);
	uint64_t zero = 0;
	if (dict_str(d, "", 0, str_hash((const uint8_t *)"", 0, &zero)) != 0) { /* id 0 is "" */
		cr_fleet_dict_free(d);
		return NULL;
	}
	return d;
}

void cr_fleet_dict_free(struct cr_fleet_dict *d)
{
	if (!d)
		return;
	for (size_t b = 0; b < FLEET_BLKS; b++) {
		cr_free(d->sblk[b]);
		cr_free(d->fblk[b]);
		cr_free(d->lblk[b]);
	}
	cr_arena_release(&d->arena);
	cr_free(d->sslots);
	cr_free(d->fslots);
	cr_free(d->lslots);
	cr_free(d->maps);
	cr_free(d->strmap);
	cr_free(d->dense);
	cr_free(d->spans);
	cr_free(d->strs);
	cr_free(d->hash);
	cr_free(d->fq);
	cr_free(d->res);
	cr_free(d->lq);
	cr_free(d->lines);
	cr_free(d->simplify);
	cr_free(d);
}

/* Room for entry n of a directory of blocks of size elsize. */
static bool blk_room(void **dir, size_t n, size_t elsize)
{
	size_t b = n >> FLEET_BLK_SHIFT;
	if (b >= FLEET_BLKS)
		return false;
	if (!dir[b])
		dir[b] = cr_malloc(FLEET_BLK * elsize);
	return dir[b] != NULL;
}

/* The table doubled (slots_room). */
static bool slots_grow(void *slotsp, size_t *cap, size_t elsize)
{
	char **slots = slotsp;
	size_t ncap = *cap ? *cap * 2 : 4096;
	char *ns = cr_calloc(ncap, elsize);
	if (!ns)
		return false;
	for (size_t i = 0; i < *cap; i++) {
		const char *e = *slots + i * elsize;
		uint64_t h;
		uint32_t idx;
		memcpy(&h, e, sizeof h);
		memcpy(&idx, e + sizeof h, sizeof idx);
		if (!idx)
			continue;
		size_t j = h & (ncap - 1);
		for (;; j = (j + 1) & (ncap - 1)) {
			memcpy(&idx, ns + j * elsize + sizeof h, sizeof idx);
			if (!idx)
				break;
		}
		memcpy(ns + j * elsize, e, elsize);
	}
	cr_free(*slots);
	*slots = ns;
	*cap = ncap;
	return true;
}

/* Room for one more in a table of n entries (slots of elsize bytes, each
 * starting with its hash and id + 1), kept at most 3/4 full. */
static inline bool slots_room(void *slotsp, size_t *cap, size_t n, size_t elsize)
{
	return (n + 1) * 4 <= *cap * 3 || slots_grow(slotsp, cap, elsize);
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Non-zero when a byte of w is 0. */
static inline uint64_t zero_byte(uint64_t w)
{
	return (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
}

/* The dictionary's hash of the n bytes at p, 16 at a time in two lanes
 * (the last ones read again from the end rather than byte by byte);
 * *zero made non-zero when one of the bytes is 0. */
static uint64_t str_hash(const uint8_t *p, size_t n, uint64_t *zero)
{
	const uint64_t k0 = 0x9e3779b97f4a7c15ull, k1 = 0xff51afd7ed558ccdull;
	uint64_t a = n * k0, b = ~n, z = 0;
	if (n >= 8) {
		size_t i = 0;
		for (; i + 16 <= n; i += 16) {
			uint64_t w0 = ld64(p + i), w1 = ld64(p + i + 8);
			z |= zero_byte(w0) | zero_byte(w1);
			a = (a ^ w0) * k0;
			b = (b ^ w1) * k1;
			a ^= a >> 29;
			b ^= b >> 31;
		}
		if (i < n) {
			uint64_t w0 = ld64(p + (n - i > 8 ? i : n - 8)), w1 = ld64(p + n - 8);
			z |= zero_byte(w0) | zero_byte(w1);
			a = (a ^ w0) * k0;
			b = (b ^ w1) * k1;
		}
	} else if (n >= 4) {
		uint64_t w0 = ld32(p), w1 = ld32(p + n - 4);
		z = zero_byte(w0 | 0xffffffff00000000ull) | zero_byte(w1 | 0xffffffff00000000ull);
		a = (a ^ (w0 | w1 << 32)) * k0;
	} else if (n) {
		z = !p[0] | !p[n / 2] | !p[n - 1];
		a = (a ^ (p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16)) * k0;
	}
	*zero |= z;
	uint64_t h = (a ^ (b << 23 | b >> 41)) * k1;
	return h ^ (h >> 32);
}

/* The dictionary's id of the string s of hash h (str_hash); UINT32_MAX:
 * none (no memory, or full). */
static uint32_t dict_str(struct cr_fleet_dict *d, const char *s, size_t len, uint64_t h)
{
	if (!slots_room(&d->sslots, &d->scap, d->ns, sizeof *d->sslots))
		return UINT32_MAX;
	size_t mask = d->scap - 1, j = h & mask;
	for (; d->sslots[j].idx; j = (j + 1) & mask)
		if (d->sslots[j].h == h && d->sslots[j].len == len && !memcmp(d->sslots[j].s, s, len))
			return d->sslots[j].idx - 1;
	char *copy;
	if (len >= UINT32_MAX || d->ns >= UINT32_MAX - 1 || !blk_room((void **)d->sblk, d->ns, sizeof **d->sblk) ||
	    !(copy = cr_arena_alloc(&d->arena, len + 1)))
		return UINT32_MAX;
	memcpy(copy, s, len);
	copy[len] = 0;
	d->sblk[d->ns >> FLEET_BLK_SHIFT][d->ns & (FLEET_BLK - 1)] = (struct fleet_str){ copy, (uint32_t)len };
	d->sslots[j] = (struct sslot){ h, (uint32_t)d->ns + 1, (uint32_t)len, copy };
	return (uint32_t)d->ns++;
}

static inline uint64_t fn_hash(const struct fleet_fn *f)
{
	uint64_t h = ((uint64_t)f->name << 32 | f->file) * 0x9e3779b97f4a7c15ull;
	h = (h ^ f->sys ^ (uint64_t)f->start_line << 20) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* The dictionary's function id of f, of hash h (added when new); 0: none. */
static uint32_t dict_fn(struct cr_fleet_dict *d, const struct fleet_fn *f, uint64_t h)
{
	if (!slots_room(&d->fslots, &d->fcap, d->nf, sizeof *d->fslots))
		return 0;
	size_t mask = d->fcap - 1, j = h & mask;
	for (; d->fslots[j].idx; j = (j + 1) & mask) {
		const struct fslot *g = &d->fslots[j];
		if (g->h == h && g->name == f->name && g->sys == f->sys && g->file == f->file &&
		    g->start_line == f->start_line)
			return g->idx;
	}
	if (d->nf >= UINT32_MAX - 1 || !blk_room((void **)d->fblk, d->nf, sizeof **d->fblk))
		return 0;
	d->fblk[d->nf >> FLEET_BLK_SHIFT][d->nf & (FLEET_BLK - 1)] = *f;
	d->fslots[j] = (struct fslot){ h, (uint32_t)++d->nf, f->name, f->sys, f->file, f->start_line };
	return (uint32_t)d->nf;
}

static inline uint64_t loc_hash(uint32_t mapping, uint64_t address, const struct cr_line *lines, size_t n)
{
	uint64_t h = (address ^ (uint64_t)mapping << 44 ^ n) * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ lines[i].function) * 0x100000001b3ull;
		h = (h ^ (uint64_t)lines[i].line) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h ^ (h >> 32);
}

static bool loc_eq(const struct cr_fleet_dict *d, const struct lslot *l, uint32_t mapping, uint64_t address,
		   const struct cr_line *lines, size_t n)
{
	if (l->address != address || l->mapping != mapping || l->nlines != n)
		return false;
	if (n == 1)
		return l->fn == lines[0].function && l->line == lines[0].line;
	const struct cr_line *ll = fleet_loc(d, l->idx)->lines;
	for (size_t k = 0; k < n; k++)
		if (ll[k].function != lines[k].function || ll[k].line != lines[k].line)
			return false;
	return true;
}

/* The dictionary's location id of (mapping, address, lines), of hash h;
 * 0: none. */
static uint32_t dict_loc(struct cr_fleet_dict *d, uint32_t mapping, uint64_t address, const struct cr_line *lines,
			 size_t n, uint64_t h)
{
	if (!slots_room(&d->lslots, &d->lcap, d->nl, sizeof *d->lslots))
		return 0;
	size_t mask = d->lcap - 1, j = h & mask;
	for (; d->lslots[j].idx; j = (j + 1) & mask)
		if (d->lslots[j].h == h && loc_eq(d, &d->lslots[j], mapping, address, lines, n))
			return d->lslots[j].idx;
	if (d->nl >= UINT32_MAX - 1 || n > UINT32_MAX / 2 || !blk_room((void **)d->lblk, d->nl, sizeof **d->lblk))
		return 0;
	struct cr_line *copy = NULL;
	if (n && !(copy = cr_arena_alloc(&d->arena, n * sizeof *copy)))
		return 0;
	if (n)
		memcpy(copy, lines, n * sizeof *copy);
	d->lblk[d->nl >> FLEET_BLK_SHIFT][d->nl & (FLEET_BLK - 1)] =
		(struct fleet_loc){ address, mapping, (uint32_t)n, copy };
	d->lslots[j] = (struct lslot){ h, (uint32_t)++d->nl, mapping, address, n == 1 ? lines[0].line : 0,
				       n == 1 ? lines[0].function : 0, (uint32_t)n };
	return (uint32_t)d->nl;
}

/* A long varint (a Location's address takes four or five bytes), its
 * bytes combined eight at a time when eight are there. */
static inline bool fvarint(struct pbuf *m, uint64_t *out)
{
	if (m->end - m->p >= 8) {
		uint64_t w;
		memcpy(&w, m->p, sizeof w);
		uint64_t stop = ~w & 0x8080808080808080ull;
		if (stop) {
			unsigned n = (unsigned)__builtin_ctzll(stop) / 8 + 1;
			uint64_t x = n == 8 ? w : w & ((1ull << (8 * n)) - 1);
			x &= 0x7f7f7f7f7f7f7f7full;
			x = (x & 0x007f007f007f007full) | ((x & 0x7f007f007f007f00ull) >> 1);
			x = (x & 0x00003fff00003fffull) | ((x & 0x3fff00003fff0000ull) >> 2);
			x = (x & 0x000000000fffffffull) | ((x & 0x0fffffff00000000ull) >> 4);
			m->p += n;
			*out = x;
			return true;
		}
	}
	return pb_varint(m, out);
}

/* The file's strings as the dictionary's ids: all hashed first, then
 * looked up with the slots of the next ones fetched ahead (the table is
 * bigger than the caches). */
static bool strings(struct fr *r)
{
	struct cr_fleet_dict *d = r->d;
	size_t n = r->nstr;
	if (cr_grow(&d->strmap, &d->cap_strmap, n, sizeof *d->strmap) ||
	    cr_grow(&d->hash, &d->cap_hash, n, sizeof *d->hash))
		return false;
	uint64_t zero = 0;
	for (size_t i = 0; i < n; i++)
		d->hash[i] = str_hash(d->strs[i].p, (size_t)(d->strs[i].end - d->strs[i].p), &zero);
	if (zero)
		return false; /* a string with a 0 byte: left to the reader */
	for (size_t i = 0; i < n; i++) {
		size_t mask = d->scap - 1;
		if (i + 16 < n)
			__builtin_prefetch(&d->sslots[d->hash[i + 16] & mask]);
		if (i + 8 < n && d->sslots[d->hash[i + 8] & mask].idx) {
			const struct sslot *q = &d->sslots[d->hash[i + 8] & mask];
			__builtin_prefetch(q->s);
			if (q->len > 64)
				__builtin_prefetch(q->s + 64);
		}
		uint32_t id = dict_str(d, (const char *)d->strs[i].p, (size_t)(d->strs[i].end - d->strs[i].p), d->hash[i]);
		if (id == UINT32_MAX)
			return false;
		d->strmap[i] = id;
	}
	return d->strmap[0] == 0;
}

/* The top level: strings into the dictionary, the messages noted. */
static bool sweep(struct fr *r, const uint8_t *data, size_t len)
{
	struct cr_fleet_dict *d = r->d;
	struct pbuf b = { data, data + len, data };
	bool seen_time = false;
	while (b.p < b.end) {
		uint32_t f, wt;
		uint64_t v;
		struct pbuf s;
		if (!pb_tag(&b, &f, &wt))
			return false;
		if (f == P_SAMPLE_TYPE || f == P_SAMPLE || f == P_MAPPING || f == P_LOCATION || f == P_FUNCTION ||
		    f == P_PERIOD_TYPE || f == P_STRING_TABLE) {
			if (wt != WT_LEN || !pb_bytes(&b, &s))
				return false;
			if (f == P_STRING_TABLE) {
				if (r->nstr >= d->cap_strs && cr_grow(&d->strs, &d->cap_strs, r->nstr + 1, sizeof *d->strs))
					return false;
				d->strs[r->nstr++] = (struct fspan){ s.p, s.end, 0, 0 };
				continue;
			}
			if (f == P_PERIOD_TYPE) {
				if (r->ptype.f)
					return false; /* each one is checked by the reader, the last kept */
				r->ptype = (struct fspan){ s.p, s.end, 0, 1 };
				continue;
			}
			if (r->nspans >= d->cap_spans && cr_grow(&d->spans, &d->cap_spans, r->nspans + 1, sizeof *d->spans))
				return false;
			if (!r->hi[f])
				r->lo[f] = r->nspans;
			r->hi[f] = r->nspans + 1;
			struct fspan *sp = &d->spans[r->nspans++];
			*sp = (struct fspan){ s.p, s.end, 0, (uint8_t)f };
			if (f == P_SAMPLE) {
				r->nsamp++;
				r->sampbytes += (size_t)(s.end - s.p);
			}
			if (f == P_MAPPING || f == P_FUNCTION || f == P_LOCATION) {
				/* the id first, as Go writes it */
				int k = f == P_MAPPING ? 0 : f == P_FUNCTION ? 1 : 2;
				if (s.end - s.p < 2 || s.p[0] != (1 << 3 | WT_VARINT))
					return false;
				s.p++;
				if (!pb_varint(&s, &sp->id) || sp->id == 0)
					return false;
				if (sp->id > r->maxid[k])
					r->maxid[k] = sp->id;
				r->count[k]++;
			}
			continue;
		}
		if (f < P_DROP_FRAMES || f > P_DEFAULT_SAMPLE_TYPE) {
			if (!pb_skip(&b, wt))
				return false;
			continue;
		}
		if (wt != WT_VARINT || !pb_varint(&b, &v))
			return false;
		if ((f == P_DROP_FRAMES || f == P_KEEP_FRAMES || f == P_DEFAULT_SAMPLE_TYPE) && v > r->maxstr)
			r->maxstr = v; /* each one's index is checked, the last one kept */
		switch (f) {
		case P_DROP_FRAMES: r->drop = v; break;
		case P_KEEP_FRAMES: r->keep = v; break;
		case P_TIME_NANOS:
			if (seen_time)
				return false; /* concatenated profiles: the reader says so */
			seen_time = v != 0;
			r->time = v;
			break;
		case P_DURATION_NANOS: r->duration = v; break;
		case P_PERIOD: r->period = v; break;
		case P_DEFAULT_SAMPLE_TYPE: r->deftype = v; break;
		case P_COMMENT:
			if (v >= (uint64_t)-2 ||
			    cr_grow(&r->f->hdr.comments, &r->f->hdr.cap_comments, r->f->hdr.ncomments + 1, sizeof(uint32_t)))
				return false;
			/* a file index for now, the header's id once the strings are in */
			r->f->hdr.comments[r->f->hdr.ncomments++] = (uint32_t)(v < UINT32_MAX ? v : UINT32_MAX);
			break;
		}
	}
	return r->nstr > 0 && strings(r);
}

/* Whether function fid's name is one pprof simplifies (looked at once). */
static bool simplified(struct fr *r, uint32_t fid, const struct fleet_fn *fn)
{
	struct cr_fleet_dict *d = r->d;
	if (fid >= d->cap_simplify) {
		size_t old = d->cap_simplify;
		if (cr_grow(&d->simplify, &d->cap_simplify, (size_t)fid + 1, 1))
			return true;
		memset(d->simplify + old, 0, d->cap_simplify - old);
	}
	if (!d->simplify[fid])
		d->simplify[fid] = (fn->name == 0 || fn->sys == fn->name) && cr_name_simplifies(fleet_str(d, fn->sys)->s)
					   ? 2 : 1;
	return d->simplify[fid] == 2;
}

/* A file's ids (1 + their position in the file, 0 for none) made the
 * dictionary's: dict[position] */
static void to_dict(uint32_t *dense, uint64_t maxid, const uint32_t *dict)
{
	for (uint64_t id = 0; id <= maxid; id++)
		if (dense[id])
			dense[id] = dict[dense[id] - 1];
}

/* A Function message: its id, its strings' indexes (name, system name,
 * file), its start line; Go's order (each field at most once, in the
 * order of their numbers) read without a loop. */
static bool function(struct fr *r, const struct fspan *s, uint64_t *id, uint64_t str[3], int64_t *start)
{
	struct pbuf m = { s->p, s->end, s->p };
	uint64_t v;
	bool bad = false;
	*start = 0;
	if (next_field(&m, 1 << 3 | WT_VARINT, &v, &bad) && v == s->id) {
		*id = v;
		for (uint8_t f = 2; f <= 4; f++)
			if (next_field(&m, (uint8_t)(f << 3 | WT_VARINT), &v, &bad))
				str[f - 2] = v < r->nstr ? v : (bad = true, 0);
		if (next_field(&m, 5 << 3 | WT_VARINT, &v, &bad))
			*start = (int64_t)v;
		if (!bad && m.p == m.end)
			return true;
	}
	m.p = s->p;
	*id = str[0] = str[1] = str[2] = 0;
	*start = 0;
	uint32_t f;
	bad = false;
	while (vfield(&m, &f, &v, &bad)) {
		if (f == 1 && v == s->id)
			*id = v;
		else if (f >= 2 && f <= 4 && v < r->nstr)
			str[f - 2] = v;
		else if (f == 5)
			*start = (int64_t)v;
		else
			return false;
	}
	return !bad;
}

/* The file's functions as the dictionary's ids: all decoded and hashed
 * first, then looked up with the next slots fetched ahead. */
static bool functions(struct fr *r)
{
	struct cr_fleet_dict *d = r->d;
	size_t n = 0, cnt = r->count[1];
	if (cr_grow(&d->fq, &d->cap_fq, cnt + 1, sizeof *d->fq) || cr_grow(&d->hash, &d->cap_hash, cnt + 1, sizeof *d->hash) ||
	    cr_grow(&d->res, &d->cap_res, cnt + 1, sizeof *d->res))
		return false;
	for (size_t i = r->lo[P_FUNCTION]; i < r->hi[P_FUNCTION]; i++) {
		const struct fspan *s = &d->spans[i];
		if (s->f != P_FUNCTION)
			continue;
		uint64_t id = 0, str[3] = { 0, 0, 0 };
		struct fleet_fn *fn = &d->fq[n];
		if (!function(r, s, &id, str, &fn->start_line) || r->dense[1][id] || n >= cnt)
			return false;
		fn->name = d->strmap[str[0]];
		fn->sys = d->strmap[str[1]];
		fn->file = d->strmap[str[2]];
		d->hash[n] = fn_hash(fn);
		r->dense[1][id] = (uint32_t)++n;
	}
	for (size_t k = 0; k < n; k++) {
		if (k + 16 < n && d->fcap)
			__builtin_prefetch(&d->fslots[d->hash[k + 16] & (d->fcap - 1)]);
		uint32_t fid = dict_fn(d, &d->fq[k], d->hash[k]);
		if (!fid || simplified(r, fid, &d->fq[k]))
			return false;
		d->res[k] = fid;
	}
	if (n)
		to_dict(r->dense[1], r->maxid[1], d->res);
	return true;
}

/* A Line message in the dictionary's function id. */
static bool line(struct fr *r, struct pbuf m, struct cr_line *ln)
{
	uint32_t f;
	uint64_t v;
	bool bad = false;
	ln->function = 0;
	ln->line = 0;
	while (vfield(&m, &f, &v, &bad)) {
		if (f == 1) {
			if (v && (v > r->maxid[1] || !(ln->function = r->dense[1][v])))
				return false;
			if (!v)
				ln->function = 0;
		} else if (f == 2) {
			ln->line = (int64_t)v;
		} else {
			return false;
		}
	}
	return !bad;
}

/* location() of a Location as Go writes it (id, mapping, address, lines
 * of function and line, each field at most once and in that order); false
 * for anything else, location() then reads it field by field. */
static inline bool location_go(struct fr *r, const struct fspan *s, struct lq *q, size_t *nl)
{
	struct cr_fleet_dict *d = r->d;
	struct pbuf m = { s->p, s->end, s->p };
	uint64_t v;
	bool bad = false;
	if (!next_field(&m, 1 << 3 | WT_VARINT, &v, &bad) || v != s->id)
		return false;
	if (next_field(&m, 2 << 3 | WT_VARINT, &v, &bad) && v) {
		uint32_t ix = v <= r->maxid[0] ? r->dense[0][v] : 0;
		if (!ix)
			return false;
		q->mapping = r->f->map_ids[ix - 1];
	}
	if (m.p < m.end && *m.p == (3 << 3 | WT_VARINT)) {
		m.p++;
		if (!fvarint(&m, &q->address))
			return false;
	}
	while (m.p < m.end && *m.p == (4 << 3 | WT_LEN)) {
		struct pbuf ls;
		m.p++;
		if (!pb_bytes(&m, &ls) || *nl >= UINT32_MAX / 2 ||
		    (*nl >= d->cap_lines && cr_grow(&d->lines, &d->cap_lines, *nl + 1, sizeof *d->lines)))
			return false;
		struct cr_line *ln = &d->lines[*nl];
		ln->function = 0;
		ln->line = 0;
		if (next_field(&ls, 1 << 3 | WT_VARINT, &v, &bad) && v &&
		    (v > r->maxid[1] || !(ln->function = r->dense[1][v])))
			return false;
		if (next_field(&ls, 2 << 3 | WT_VARINT, &v, &bad))
			ln->line = (int64_t)v;
		if (bad || ls.p != ls.end)
			return false;
		++*nl;
		q->nlines++;
	}
	return !bad && m.p == m.end;
}

/* One Location message into *q, its lines at the end of d->lines (nl
 * of them so far); false on anything but Go's shape or a bad reference. */
static bool location(struct fr *r, const struct fspan *s, struct lq *q, size_t *nl)
{
	struct cr_fleet_dict *d = r->d;
	struct pbuf m = { s->p, s->end, s->p };
	*q = (struct lq){ 0, 0, 0, (uint32_t)*nl };
	size_t nl0 = *nl;
	if (location_go(r, s, q, nl))
		return true;
	*q = (struct lq){ 0, 0, 0, (uint32_t)nl0 };
	*nl = nl0;
	bool id = false;
	while (m.p < m.end) {
		uint8_t t = *m.p;
		uint64_t v;
		if (t == (4 << 3 | WT_LEN)) {
			struct pbuf ls;
			m.p++;
			if (!pb_bytes(&m, &ls) || *nl >= UINT32_MAX / 2 ||
			    (*nl >= d->cap_lines && cr_grow(&d->lines, &d->cap_lines, *nl + 1, sizeof *d->lines)) ||
			    !line(r, ls, &d->lines[*nl]))
				return false;
			++*nl;
			q->nlines++;
			continue;
		}
		if (t >= 0x80 || t < 1 << 3 || (t & 7) != WT_VARINT || t > (5 << 3 | WT_VARINT))
			return false;
		m.p++;
		if (!(t == (3 << 3 | WT_VARINT) ? fvarint(&m, &v) : pb_varint(&m, &v)))
			return false;
		switch (t >> 3) {
		case 1:
			if (v != s->id)
				return false; /* the id the sweep noted is the last one */
			id = true;
			break;
		case 2:
			q->mapping = 0;
			if (v) {
				uint32_t ix = v <= r->maxid[0] ? r->dense[0][v] : 0;
				if (!ix)
					return false;
				q->mapping = r->f->map_ids[ix - 1];
			}
			break;
		case 3: q->address = v; break;
		case 5: break; /* is_folded: the merge does not keep it */
		default: return false;
		}
	}
	return id;
}

/* The file's locations as the dictionary's ids, in the file's order: all
 * decoded and hashed first, then looked up with the next slots fetched
 * ahead. */
static bool locations(struct fr *r)
{
	struct cr_fleet_dict *d = r->d;
	struct cr_fleet_file *out = r->f;
	size_t n = 0, nl = 0, cnt = r->count[2];
	if (!cnt)
		return true;
	if (!(out->locs = cr_malloc(cnt * sizeof *out->locs)) || cr_grow(&d->lq, &d->cap_lq, cnt, sizeof *d->lq) ||
	    cr_grow(&d->hash, &d->cap_hash, cnt, sizeof *d->hash))
		return false;
	for (size_t i = r->lo[P_LOCATION]; i < r->hi[P_LOCATION]; i++) {
		const struct fspan *s = &d->spans[i];
		if (s->f != P_LOCATION)
			continue;
		if (n >= cnt || r->dense[2][s->id] || !location(r, s, &d->lq[n], &nl))
			return false;
		r->dense[2][s->id] = (uint32_t)++n;
	}
	for (size_t k = 0; k < n; k++) {
		const struct lq *q = &d->lq[k];
		d->hash[k] = loc_hash(q->mapping, q->address, q->nlines ? d->lines + q->line0 : NULL, q->nlines);
	}
	for (size_t k = 0; k < n; k++) {
		if (k + 16 < n && d->lcap) {
			const struct lslot *ls = &d->lslots[d->hash[k + 16] & (d->lcap - 1)];
			__builtin_prefetch(ls);
			__builtin_prefetch((const char *)ls + sizeof *ls - 1);
		}
		const struct lq *q = &d->lq[k];
		uint32_t lid = dict_loc(d, q->mapping, q->address, q->nlines ? d->lines + q->line0 : NULL, q->nlines,
					d->hash[k]);
		if (!lid)
			return false;
		out->locs[k] = lid;
	}
	out->nlocs = n;
	to_dict(r->dense[2], r->maxid[2], out->locs);
	return true;
}

/* A Label message, its strings the dictionary's ids. */
static bool label(struct fr *r, struct pbuf m, struct cr_label *l)
{
	uint32_t f;
	uint64_t v;
	bool bad = false;
	memset(l, 0, sizeof *l);
	while (vfield(&m, &f, &v, &bad)) {
		if (f == 3) {
			l->num = (int64_t)v;
			continue;
		}
		if (f < 1 || f > 4 || v >= r->nstr)
			return false;
		uint32_t id = r->d->strmap[v];
		if (f == 1)
			l->key = id;
		else if (f == 2)
			l->str = id;
		else
			l->num_unit = id;
	}
	return !bad;
}

/* A run of location ids [p, e) appended to the file's stack (nstk of
 * the sample's so far) as the dictionary's ids; ids of one or two bytes
 * (the most of them) decoded without a branch on their size. */
static bool stack_run(struct fr *r, const uint8_t *p, const uint8_t *e, size_t *nstk)
{
	struct cr_fleet_file *out = r->f;
	/* room for the run at once: a varint takes a byte at least */
	if ((size_t)(e - p) > out->cap_stack - out->nstack - *nstk)
		return false;
	uint32_t *o = out->stack + out->nstack + *nstk, *o0 = o;
	const uint32_t *dense = r->dense[2];
	uint64_t maxid = r->maxid[2];
	while (p < e) {
		uint64_t v;
		if (e - p >= 2 && (p[0] & p[1]) < 0x80) {
			uint32_t c = p[0] >> 7;
			v = (p[0] & 0x7fu) | (p[1] & (0u - c)) << 7;
			p += 1 + c;
		} else {
			struct pbuf b = { p, e, p };
			if (!pb_varint(&b, &v))
				return false;
			p = b.p;
		}
		uint32_t lid = v <= maxid ? dense[v] : 0;
		if (!lid)
			return false;
		*o++ = lid;
	}
	*nstk += (size_t)(o - o0);
	return true;
}

/* One Sample message: its stack in location ids, its values, its labels. */
static bool sample(struct fr *r, struct pbuf m)
{
	struct cr_fleet_file *out = r->f;
	size_t nt = out->hdr.ntypes, nv = 0, nstk = 0, nlab = 0;
	if (out->nsamples >= out->cap_snloc || out->nsamples >= out->cap_snlabel ||
	    (out->nsamples + 1) * nt > out->cap_values)
		return false; /* sized from the sweep's count */
	int64_t *vals = out->values + out->nsamples * nt;
	while (m.p < m.end) {
		uint8_t t = *m.p++;
		struct pbuf s;
		if (t == (1 << 3 | WT_VARINT) || t == (2 << 3 | WT_VARINT)) {
			/* one value alone, as Go writes a run of one: the next varint */
			const uint8_t *q = m.p;
			uint64_t v;
			if (!pb_varint(&m, &v))
				return false;
			s = (struct pbuf){ q, m.p, m.base };
			t = (uint8_t)((t >> 3) << 3 | WT_LEN);
		} else if ((t != (1 << 3 | WT_LEN) && t != (2 << 3 | WT_LEN) && t != (3 << 3 | WT_LEN)) ||
			   !pb_bytes(&m, &s)) {
			return false;
		}
		if (t == (3 << 3 | WT_LEN)) {
			if ((out->nlabels + nlab >= out->cap_labels &&
			     cr_grow(&out->labels, &out->cap_labels, out->nlabels + nlab + 1, sizeof *out->labels)) ||
			    !label(r, s, &out->labels[out->nlabels + nlab]))
				return false;
			nlab++;
			continue;
		}
		if (t == (1 << 3 | WT_LEN)) {
			if (!stack_run(r, s.p, s.end, &nstk))
				return false;
			continue;
		}
		while (s.p < s.end) {
			uint64_t v;
			if (!pb_varint(&s, &v))
				return false;
			if (t == (2 << 3 | WT_LEN)) {
				if (nv >= nt)
					return false;
				vals[nv++] = (int64_t)v;
				continue;
			}
			uint32_t lid = v <= r->maxid[2] ? r->dense[2][v] : 0;
			if (!lid)
				return false;
			out->stack[out->nstack + nstk++] = lid;
		}
	}
	if (nv != nt || nstk >= UINT32_MAX || nlab >= UINT32_MAX)
		return false;
	out->snloc[out->nsamples] = (uint32_t)nstk;
	out->snlabel[out->nsamples++] = (uint32_t)nlab;
	out->nstack += nstk;
	out->nlabels += nlab;
	return true;
}

void cr_fleet_file_free(struct cr_fleet_file *f)
{
	if (!f)
		return;
	cr_profile_release(&f->hdr);
	cr_free(f->map_ids);
	cr_free(f->locs);
	cr_free(f->snloc);
	cr_free(f->snlabel);
	cr_free(f->stack);
	cr_free(f->values);
	cr_free(f->labels);
	cr_free(f);
}

static bool body(struct fr *r, const uint8_t *data, size_t len)
{
	if (!sweep(r, data, len) || !cr_fleet_header(r) || !cr_fleet_dense_maps(r) || !cr_fleet_mappings(r) ||
	    !functions(r) || !locations(r))
		return false;
	/* the samples' arrays at once (a location id takes a byte at least),
	 * the labels for one a sample (grown for more) */
	struct cr_fleet_file *out = r->f;
	size_t nv;
	if (!cr_mul_ok(r->nsamp, out->hdr.ntypes, &nv) ||
	    cr_grow(&out->values, &out->cap_values, nv + 1, sizeof *out->values) ||
	    cr_grow(&out->snloc, &out->cap_snloc, r->nsamp + 1, sizeof *out->snloc) ||
	    cr_grow(&out->snlabel, &out->cap_snlabel, r->nsamp + 1, sizeof *out->snlabel) ||
	    cr_grow(&out->stack, &out->cap_stack, r->sampbytes + 1, sizeof *out->stack) ||
	    cr_grow(&out->labels, &out->cap_labels, r->nsamp + 1, sizeof *out->labels))
		return false;
	for (size_t i = r->lo[P_SAMPLE]; i < r->hi[P_SAMPLE]; i++) {
		const struct fspan *s = &r->d->spans[i];
		if (s->f == P_SAMPLE && !sample(r, (struct pbuf){ s->p, s->end, data }))
			return false;
	}
	return true;
}

struct cr_fleet_file *cr_fleet_read_data(struct cr_fleet_dict *d, const unsigned char *data, size_t len,
					 const char *name)
{
	if (!d || !len || cr_kind_of(data, len) != CR_KIND_PPROF)
		return NULL;
	struct cr_fleet_file *f = cr_calloc(1, sizeof *f);
	if (!f)
		return NULL;
	if (cr_profile_init(&f->hdr)) {
		cr_free(f);
		return NULL;
	}
	struct fr r = { .d = d, .f = f };
	f->hdr.name = name;
	if (!body(&r, data, len)) {
		cr_fleet_file_free(f);
		return NULL;
	}
	f->d = d;
	f->ns = d->ns;
	f->nf = d->nf;
	f->nl = d->nl;
	return f;
}

struct cr_fleet_file *cr_fleet_read(struct cr_fleet_dict *d, const char *path, struct cr_buf *scratch)
{
	struct cr_input in;
	if (!d || !strcmp(path, "-") || cr_profile_input_here(&in, path, scratch, NULL))
		return NULL;
	struct cr_fleet_file *f = cr_fleet_read_data(d, in.data, in.len, in.name);
	cr_input_close(&in);
	return f;
}
