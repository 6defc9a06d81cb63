/* profile.proto's samples decoded by pass 1, as the input is inflated on
 * another thread (see struct early in pprof_int.h).
 *
 * A profile lists its samples before the locations and strings they refer
 * to, so the samples are kept with the location ids and string indexes
 * the file gives, and resolved once the tables are read. Go numbers its
 * locations 1, 2, ... in the order it writes them and its string indexes
 * are our string ids, so for Go's profiles there is nothing to resolve
 * but the largest id and index seen. Anything unusual stops the decoding
 * for good: the profile's arrays are emptied, and the samples are read
 * as they are without it (by cr_pprof_read_samples), which says what is
 * wrong if anything is. */
#include "pprof_int.h"

#include <string.h>

bool cr_pprof_early_always;

/* The arrays' pages are mapped this far ahead of the writes, a call each. */
#define MAP_AHEAD ((size_t)1 << 20)
/* The samples' rates are taken once this many of their bytes are read. */
#define EXTRAPOLATE ((size_t)256 << 10)

enum { A_SAMPLES, A_VALUES, A_STACK, A_LABELS };

static void release_arrays(struct cr_profile *p)
{
	cr_free(p->samples);
	cr_free(p->values);
	cr_free(p->stack);
	cr_free(p->labels);
	p->samples = NULL, p->values = NULL, p->stack = NULL, p->labels = NULL;
	p->cap_samples = p->cap_values = p->cap_stack = p->cap_labels = 0;
	p->nsamples = p->nstack = p->nlabels = 0;
}

void cr_pprof_early_stop(struct rd *r)
{
	struct early *x = &r->early;
	if (!x->on && !x->done)
		return;
	/* what it decoded is counted as pass 1 counts it */
	release_arrays(r->p);
	x->on = x->done = false;
}

void cr_pprof_early_start(struct rd *r)
{
	struct cr_profile *p = r->p;
	struct early *x = &r->early;
	memset(x, 0, sizeof *x);
	/* a profile of its own (not read into one that has samples), whose
	 * sample types all came first */
	if (!r->early_allowed || p->nsamples || p->samples || p->values || p->stack || p->labels ||
	    !r->count_types)
		return;
	x->on = true;
	x->ntypes = r->count_types;
	x->keep_stk = !(p->leave_out & CR_LEAVE_STACKS);
	x->keep_labs = !(p->leave_out & CR_LEAVE_LABELS);
}

/* Room in array k (*arr, element size el, *cap elements, used of them)
 * for n more, its pages mapped ahead of the writes. Grown to what the
 * samples read so far say all of them will take (as if the rest of the
 * input were samples), and by a quarter at least. */
static __attribute__((noinline)) bool grow(struct rd *r, int k, void *arr, size_t *cap, size_t used, size_t n,
					   size_t el, size_t pos)
{
	struct early *x = &r->early;
	void **pp = arr;
	if (n > *cap - used) {
		size_t done = pos - r->samples_from, left = (size_t)(r->end - r->base) - r->samples_from;
		size_t want = used + n, est, least = *cap + *cap / 4;
		if (done >= EXTRAPOLATE && cr_mul_ok(used, left / 64, &est)) {
			est /= done / 64;
			if (est + est / 8 > want)
				want = est + est / 8;
		}
		if (want < least)
			want = least;
		if (want < 4096)
			want = 4096;
		/* not near the cap: a refusal there would count as the cap's
		 * (exit 3) when the samples read as usual may fit */
		size_t add, in_use = cr_mem_in_use(), max = cr_limits.max_memory - cr_limits.max_memory / 8;
		if (!cr_mul_ok(want - *cap, el, &add) || in_use > max || add > max - in_use ||
		    cr_grow_exact(arr, cap, want, el))
			return false;
		cr_mem_advise_huge(*pp, *cap * el);
	}
	size_t upto = (used + n) * el, lim = *cap * el;
	while (x->mapped[k] < upto && x->mapped[k] < lim) {
		size_t step = lim - x->mapped[k] < MAP_AHEAD ? lim - x->mapped[k] : MAP_AHEAD;
		cr_mem_prefault((char *)*pp + x->mapped[k], step);
		x->mapped[k] += step;
	}
	return true;
}

static inline bool room(struct rd *r, int k, void *arr, size_t *cap, size_t used, size_t n, size_t el,
			size_t pos)
{
	if (n <= *cap - used && (used + n) * el <= r->early.mapped[k])
		return true;
	return grow(r, k, arr, cap, used, n, el, pos);
}

/* One varint at *q (below e), into *v; false when malformed. */
static inline bool varint(const uint8_t **q, const uint8_t *e, uint64_t *v)
{
	struct pbuf b = { *q, e, NULL };
	if (!pb_varint(&b, v))
		return false;
	*q = b.p;
	return true;
}

/* A Label of one-byte tags and varints into l, its string indexes as they
 * are; false on anything else. */
static bool label(struct early *x, const uint8_t *q, const uint8_t *e, struct cr_label *l)
{
	memset(l, 0, sizeof *l);
	while (q < e) {
		uint8_t t = *q++;
		uint64_t v;
		if ((t & 7) != WT_VARINT || t < 1 << 3 || t > 4 << 3 || !varint(&q, e, &v))
			return false;
		if (t >> 3 == 3) {
			l->num = (int64_t)v;
			continue;
		}
		if (v > UINT32_MAX)
			return false;
		if (v > x->max_str)
			x->max_str = v;
		if (t >> 3 == 1)
			l->key = (uint32_t)v;
		else if (t >> 3 == 2)
			l->str = (uint32_t)v;
		else
			l->num_unit = (uint32_t)v;
	}
	return true;
}

/* The sample m (at offset pos of the input) decoded at the ends of the
 * profile's arrays and counted as pass 1 counts it; false, with nothing
 * kept or counted, when it is not of the usual shape: one-byte tags, ids
 * from 1 to 2^32, as many values as sample types, labels of varints. */
static bool sample(struct rd *r, struct pbuf m, size_t pos)
{
	struct cr_profile *p = r->p;
	struct early *x = &r->early;
	const size_t ntypes = x->ntypes, len = (size_t)(m.end - m.p);
	/* each id takes a byte at least, each label two */
	if (!room(r, A_SAMPLES, &p->samples, &p->cap_samples, p->nsamples, 1, sizeof *p->samples, pos) ||
	    !room(r, A_VALUES, &p->values, &p->cap_values, p->nsamples * ntypes, ntypes, sizeof *p->values, pos) ||
	    (x->keep_stk && !room(r, A_STACK, &p->stack, &p->cap_stack, p->nstack, len, sizeof *p->stack, pos)) ||
	    (x->keep_labs && !room(r, A_LABELS, &p->labels, &p->cap_labels, p->nlabels, len / 2, sizeof *p->labels,
				  pos)))
		return false;
	uint32_t *stk = p->stack ? p->stack + p->nstack : NULL;
	int64_t *vals = p->values + p->nsamples * ntypes;
	struct cr_label *labs = p->labels ? p->labels + p->nlabels : NULL, left;
	size_t nstk = 0, nvals = 0, nlabs = 0;
	uint64_t max_loc = x->max_loc, v;
	const uint8_t *q = m.p, *e = m.end;
	while (q < e) {
		uint8_t t = *q++;
		const uint8_t *run = q, *end = q;
		if ((t & 7) == WT_LEN) {
			if (!varint(&q, e, &v) || v > (uint64_t)(e - q))
				return false;
			run = q, end = q = q + v;
		}
		if (t == (1 << 3 | WT_LEN) || t == (1 << 3 | WT_VARINT)) {
			do {
				if (!varint(&run, t & 7 ? end : e, &v) || v - 1 >= UINT32_MAX)
					return false; /* (an id 0 wraps) */
				if (v > max_loc)
					max_loc = v;
				if (x->keep_stk)
					stk[nstk++] = (uint32_t)(v - 1);
			} while (run < end);
			if (!(t & 7))
				q = run;
		} else if (t == (2 << 3 | WT_LEN) || t == (2 << 3 | WT_VARINT)) {
			do {
				if (!varint(&run, t & 7 ? end : e, &v) || nvals >= ntypes)
					return false;
				vals[nvals++] = (int64_t)v;
			} while (run < end);
			if (!(t & 7))
				q = run;
		} else if (t == (3 << 3 | WT_LEN)) {
			if (!label(x, run, end, x->keep_labs ? &labs[nlabs] : &left))
				return false;
			nlabs++;
		} else {
			return false;
		}
	}
	if (nvals != ntypes || !sample_record(p, nstk, x->keep_labs ? nlabs : 0))
		return false;
	x->max_loc = max_loc;
	r->count_samples++;
	r->count_stack += nstk;
	r->count_labels += nlabs;
	return true;
}

bool cr_pprof_early_sample(struct rd *r, struct pbuf m, size_t pos)
{
	if (sample(r, m, pos))
		return true;
	cr_pprof_early_stop(r);
	return false;
}

/* Whether string index i is our string id i for every index. */
static bool strings_as_ids(const struct rd *r)
{
	for (size_t i = 0; i < r->nstr; i++)
		if (r->strmap[i] != i)
			return false;
	return true;
}

/* Whether the i-th Location has the id i + 1, for every one. */
static bool locations_in_order(const struct rd *r)
{
	for (size_t i = 0; i < r->nloc; i++)
		if (r->loc_ids[i] != i + 1)
			return false;
	return true;
}

/* The stack's ids as location indexes; false when one is unknown (or
 * was not kept). */
static bool resolve_stack(struct rd *r)
{
	struct cr_profile *p = r->p;
	const struct early *x = &r->early;
	if (x->max_loc <= r->nloc && locations_in_order(r))
		return true; /* id - 1 is the index */
	if (!x->keep_stk)
		return false;
	for (size_t i = 0; i < p->nstack; i++) {
		uint32_t ix = idmap_get(&r->locs, (uint64_t)p->stack[i] + 1);
		if (!ix)
			return false;
		p->stack[i] = ix - 1;
	}
	return true;
}

enum cr_err cr_pprof_early_finish(struct rd *r)
{
	struct cr_profile *p = r->p;
	struct early *x = &r->early;
	/* the labels were left out, and a diff's profile needs them */
	bool labels_wanted = !(p->leave_out & CR_LEAVE_LABELS);
	if (!x->done || p->ntypes != x->ntypes || labels_wanted != x->keep_labs || x->max_str >= r->nstr ||
	    !resolve_stack(r)) {
		cr_pprof_early_stop(r);
		return CR_FORMAT;
	}
	if (x->keep_labs && !strings_as_ids(r)) {
		for (size_t i = 0; i < p->nlabels; i++) {
			struct cr_label *l = &p->labels[i];
			l->key = r->strmap[l->key];
			l->str = r->strmap[l->str];
			l->num_unit = r->strmap[l->num_unit];
		}
	}
	return CR_OK;
}
