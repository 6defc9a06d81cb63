/* Go's pc-value streams (the layout is at the top of pclntab.c): read from
 * the start for one pc, or through a cache of decoded tables (a handle's
 * own), or, in a clone without that cache, as far as the pcs asked about
 * the same function need. */
#include "pclntab_int.h"
#include <string.h>

static bool uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *out);

/* uvarint, a one-byte value (most pc and value steps) read inline */
static inline bool uvarint1(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	if (*pp < end && **pp < 0x80) {
		*out = *(*pp)++;
		return true;
	}
	return uvarint(pp, end, out);
}

static bool uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return false;
		uint8_t c = *p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pp = p;
			*out = v;
			return true;
		}
	}
	return false; /* over 10 bytes */
}

static bool pcvalue_raw(const struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t table_off,
			uint64_t pc, int32_t *val)
{
	if (table_off == 0)
		return false;
	uint64_t base = t->version >= 116 ? t->pctab : 0, off;
	if (!cr_add_ok(base, table_off, (size_t *)&off) || off >= t->len)
		return false;
	const uint8_t *p = t->data + off, *end = t->data + t->len;
	int64_t v = -1;
	uint64_t cur = f->entry;
	bool first = true;
	/* each pair consumes at least two bytes, so the loop ends with the data */
	for (;;) {
		uint64_t uv, pcd;
		if (!uvarint(&p, end, &uv))
			return false;
		if (uv == 0 && !first)
			return false;
		int64_t d = (uv & 1) ? ~(int64_t)(uv >> 1) : (int64_t)(uv >> 1);
		v = (int64_t)((uint64_t)v + (uint64_t)d); /* wraps, no UB; range checked below */
		if (v < INT32_MIN || v > INT32_MAX)
			return false;
		if (!uvarint(&p, end, &pcd))
			return false;
		if (pcd == 0 && !first)
			return false; /* no progress: corrupt */
		first = false;
		uint64_t step = pcd * t->quantum;
		if (step / t->quantum != pcd || cur + step < cur)
			return false;
		cur += step;
		if (pc < cur) {
			if (v < INT32_MIN || v > INT32_MAX)
				return false;
			*val = (int32_t)v;
			return true;
		}
	}
}

/* Decode a whole table into t->runs; false if it is corrupt or too big. */
static bool pcv_decode(struct cr_pclntab *t, uint32_t table_off, uint32_t *start, uint32_t *count)
{
	uint64_t base = t->version >= 116 ? t->pctab : 0, off = base + table_off;
	if (off < base || off >= t->len)
		return false;
	const uint8_t *p = t->data + off, *end = t->data + t->len;
	int64_t v = -1;
	uint64_t cur = 0;
	size_t s0 = t->nruns;
	for (bool first = true;; first = false) {
		uint64_t uv, pcd;
		if (!uvarint(&p, end, &uv))
			goto bad;
		if (uv == 0 && !first)
			break;
		v = (int64_t)((uint64_t)v + (uint64_t)((uv & 1) ? ~(int64_t)(uv >> 1) : (int64_t)(uv >> 1)));
		if (!uvarint(&p, end, &pcd) || (pcd == 0 && !first))
			goto bad;
		if (pcd > UINT32_MAX || (cur += pcd * t->quantum) > UINT32_MAX || v < INT32_MIN || v > INT32_MAX)
			goto bad;
		if (t->nruns >= (1u << 26) || cr_grow(&t->runs, &t->cap_runs, t->nruns + 1, sizeof *t->runs))
			goto bad;
		t->runs[t->nruns++] = (struct pcv_run){ (uint32_t)cur, (int32_t)v };
	}
	*start = (uint32_t)s0;
	*count = (uint32_t)(t->nruns - s0);
	return true;
bad:
	t->nruns = s0;
	return false;
}

static struct pcv_slot *pcv_slot(struct cr_pclntab *t, uint32_t off)
{
	if (t->nslots * 2 >= t->cap_slots) {
		size_t ncap = t->cap_slots ? t->cap_slots * 2 : 1024;
		struct pcv_slot *ns = cr_calloc(ncap, sizeof *ns);
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap_slots; i++) {
			if (!t->slots[i].off)
				continue;
			size_t h = (t->slots[i].off * 2654435761u) & (ncap - 1);
			while (ns[h].off)
				h = (h + 1) & (ncap - 1);
			ns[h] = t->slots[i];
		}
		cr_free(t->slots);
		t->slots = ns;
		t->cap_slots = ncap;
	}
	size_t h = (off * 2654435761u) & (t->cap_slots - 1);
	while (t->slots[h].off && t->slots[h].off != off)
		h = (h + 1) & (t->cap_slots - 1);
	return &t->slots[h];
}

/* The slot of f's table at table_off, decoding kept from the last call
 * when it was for the same table of the same function; NULL when out of
 * memory. */
static struct pcv_inc *inc_slot(struct cr_pclntab *t, const struct cr_gofunc *f, uint32_t table_off)
{
	enum { N = sizeof t->inc / sizeof t->inc[0] };
	for (size_t i = 0; i < N; i++)
		if (t->inc[i].off == table_off && t->inc[i].entry == f->entry)
			return &t->inc[i];
	uint64_t base = t->version >= 116 ? t->pctab : 0, off;
	if (!cr_add_ok(base, table_off, (size_t *)&off) || off >= t->len)
		return NULL;
	/* a slot of another function first, else the oldest */
	size_t k = N;
	for (size_t i = 0; i < N && k == N; i++)
		if (t->inc[i].entry != f->entry || !t->inc[i].off)
			k = i;
	if (k == N)
		k = t->inc_next++ % N;
	struct pcv_inc *s = &t->inc[k];
	*s = (struct pcv_inc){ .off = table_off, .entry = f->entry, .p = t->data + off, .v = -1, .cur = f->entry,
			       .first = true, .runs = s->runs, .cap = s->cap };
	return s;
}

/* pcvalue_raw's answer through a slot: runs already decoded, else the
 * stream decoded on from where it stopped, each step checked as there. */
static int inc_value(struct cr_pclntab *t, struct pcv_inc *s, uint64_t pc, int32_t *val)
{
	if (s->n && pc < s->runs[s->n - 1].end) {
		size_t lo = 0, hi = s->n;
		while (lo < hi) { /* first run whose end > pc */
			size_t mid = lo + (hi - lo) / 2;
			if (s->runs[mid].end <= pc)
				lo = mid + 1;
			else
				hi = mid;
		}
		*val = s->runs[lo].val;
		return 1;
	}
	const uint8_t *end = t->data + t->len;
	while (!s->ended) {
		uint64_t uv, pcd;
		s->ended = true;
		if (!uvarint1(&s->p, end, &uv) || (uv == 0 && !s->first))
			return 0;
		int64_t d = (uv & 1) ? ~(int64_t)(uv >> 1) : (int64_t)(uv >> 1);
		s->v = (int64_t)((uint64_t)s->v + (uint64_t)d);
		if (s->v < INT32_MIN || s->v > INT32_MAX || !uvarint1(&s->p, end, &pcd) || (pcd == 0 && !s->first))
			return 0;
		s->first = false;
		uint64_t step = pcd * t->quantum;
		if (step / t->quantum != pcd || s->cur + step < s->cur)
			return 0;
		s->cur += step;
		if (s->n == s->cap && cr_grow(&s->runs, &s->cap, s->n + 1, sizeof *s->runs))
			return -1;
		s->runs[s->n++] = (struct pcv_arun){ s->cur, (int32_t)s->v };
		s->ended = false;
		if (pc < s->cur) {
			*val = (int32_t)s->v;
			return 1;
		}
	}
	return 0;
}

bool cr_pclntab_pcvalue(const struct cr_pclntab *ct, const struct cr_gofunc *f, uint32_t table_off,
			uint64_t pc, int32_t *val)
{
	struct cr_pclntab *t = (struct cr_pclntab *)ct; /* the cache is not part of the value */
	if (table_off == 0 || pc < f->entry)
		return false;
	if (t->cache_off) {
		struct pcv_inc *s = inc_slot(t, f, table_off);
		int r = s ? inc_value(t, s, pc, val) : -1;
		if (r < 0) {
			if (s)
				s->off = 0;
			return pcvalue_raw(t, f, table_off, pc, val);
		}
		return r == 1;
	}
	struct pcv_slot *sl = pcv_slot(t, table_off);
	if (!sl) {
		t->cache_off = true;
		return pcvalue_raw(t, f, table_off, pc, val);
	}
	if (!sl->off) {
		uint32_t st, n;
		if (!pcv_decode(t, table_off, &st, &n))
			return pcvalue_raw(t, f, table_off, pc, val);
		sl->off = table_off;
		sl->start = st;
		sl->n = n;
		t->nslots++;
	}
	uint64_t rel = pc - f->entry;
	const struct pcv_run *r = t->runs + sl->start;
	size_t lo = 0, hi = sl->n;
	while (lo < hi) { /* first run whose end > rel */
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].end <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sl->n)
		return false;
	*val = r[lo].val;
	return true;
}
