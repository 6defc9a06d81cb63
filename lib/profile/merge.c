/* pprof's merge: profiles combined into one, samples with the same stack
 * and labels summed, functions, locations and mappings deduplicated by
 * content (cr_merger, cr_profile_merge, cr_profile_diff_base). */
#include "coroner/profile.h"
#include "fleet_int.h"
#include "profile_int.h"

#include <string.h>

/* Samples by (stack, labels), for pprof's summing merge: an open-addressing
 * table of sample indexes that compares against the samples themselves, so
 * no key is copied. It lives in a cr_merger across merges: merging N profiles
 * costs the sum of their samples, not N times the merged profile. */
struct cr_merge_slot {
	uint64_t hash;
	uint32_t idx; /* index + 1; 0 = empty */
};

static uint64_t skey_hash(const uint32_t *stk, size_t n, const struct cr_label *labels, size_t nl)
{
	uint64_t h = cr_hash(stk, n * sizeof *stk) ^ (uint64_t)n;
	for (size_t i = 0; i < nl; i++) {
		const struct cr_label *l = &labels[i];
		uint64_t x = ((uint64_t)l->key << 32 | l->str) ^ (uint64_t)l->num * 0x9e3779b97f4a7c15ull ^
			     (uint64_t)l->num_unit << 17;
		h = (h ^ x) * 0x100000001b3ull;
		h ^= h >> 31;
	}
	return h;
}

/* An open-addressing table doubled and rehashed. Non-zero: out of memory
 * (the table is left as it was). */
static int slots_grow(struct cr_merge_slot **slots, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 1024;
	struct cr_merge_slot *ns = cr_calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < *cap; i++)
		if ((*slots)[i].idx) {
			size_t j = (*slots)[i].hash & (ncap - 1);
			while (ns[j].idx)
				j = (j + 1) & (ncap - 1);
			ns[j] = (*slots)[i];
		}
	cr_free(*slots);
	*slots = ns;
	*cap = ncap;
	return 0;
}

/* Room for one more entry in a table of n entries (kept at most 3/4
 * full): inline, as it is asked for every lookup. */
static inline int slots_room(struct cr_merge_slot **slots, size_t *cap, size_t n)
{
	return (n + 1) * 4 <= *cap * 3 ? 0 : slots_grow(slots, cap);
}

static bool skey_eq(const struct cr_profile *p, uint32_t i, const uint32_t *stk, size_t n,
		    const struct cr_label *labels, size_t nl)
{
	const struct cr_sample *s = &p->samples[i];
	if (s->nloc != n || s->nlabel != nl || (n && memcmp(&p->stack[s->loc_start], stk, n * sizeof *stk)))
		return false; /* no memcmp of n == 0: the arrays may be NULL then */
	for (size_t k = 0; k < nl; k++) {
		const struct cr_label *a = &p->labels[s->label_start + k], *b = &labels[k];
		if (a->key != b->key || a->str != b->str || a->num != b->num || a->num_unit != b->num_unit)
			return false;
	}
	return true;
}

/* Find the sample equal to (stk, labels) in p; if none, record `add` (the
 * index the caller is about to give it) and return false. *slot_out is the
 * matching index when found. */
static enum cr_err stab_lookup(struct cr_merger *t, const struct cr_profile *p, const uint32_t *stk,
			       size_t n, const struct cr_label *labels, size_t nl, uint64_t h, uint32_t add,
			       bool *found, uint32_t *match)
{
	if (slots_room(&t->slots, &t->cap, t->n))
		return CR_NOMEM;
	size_t j = h & (t->cap - 1);
	while (t->slots[j].idx) {
		if (t->slots[j].hash == h && skey_eq(p, t->slots[j].idx - 1, stk, n, labels, nl)) {
			*found = true;
			*match = t->slots[j].idx - 1;
			return CR_OK;
		}
		j = (j + 1) & (t->cap - 1);
	}
	t->slots[j].hash = h;
	t->slots[j].idx = add + 1;
	t->n++;
	*found = false;
	return CR_OK;
}

/* dst's locations by content (address, mapping, lines), the same open
 * addressing as the samples': merging a file looks each of its locations
 * up here, comparing against dst's own arrays (no key built or copied). */
static uint64_t lkey_hash(uint64_t address, uint32_t mapping, const struct cr_line *lines, size_t n)
{
	uint64_t h = (address ^ (uint64_t)mapping << 40 ^ n) * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ lines[i].function) * 0x100000001b3ull;
		h = (h ^ (uint64_t)lines[i].line) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return h;
}

static bool lkey_eq(const struct cr_profile *p, uint32_t i, uint64_t address, uint32_t mapping,
		    const struct cr_line *lines, size_t n)
{
	const struct cr_location *l = &p->locations[i];
	if (l->address != address || l->mapping != mapping || l->nlines != n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (p->lines[l->line_start + k].function != lines[k].function ||
		    p->lines[l->line_start + k].line != lines[k].line)
			return false;
	return true;
}

/* The index of dst's location equal to (address, mapping, lines); when none,
 * `have` (dst's location being indexed) or, if UINT32_MAX, a new location
 * added to dst is entered. UINT32_MAX: out of memory. */
static uint32_t ltab_location(struct cr_merger *t, uint64_t address, uint32_t mapping,
			      const struct cr_line *lines, size_t n, uint64_t h, uint32_t have)
{
	struct cr_profile *p = t->dst;
	if (slots_room(&t->lslots, &t->lcap, t->ln))
		return UINT32_MAX;
	size_t j = h & (t->lcap - 1);
	while (t->lslots[j].idx) {
		if (t->lslots[j].hash == h && lkey_eq(p, t->lslots[j].idx - 1, address, mapping, lines, n))
			return t->lslots[j].idx - 1;
		j = (j + 1) & (t->lcap - 1);
	}
	uint32_t li = have == UINT32_MAX ? cr_profile_add_location(p, 0, address, mapping, lines, n) : have;
	if (li == UINT32_MAX)
		return UINT32_MAX;
	t->lslots[j].hash = h;
	t->lslots[j].idx = li + 1;
	t->ln++;
	return li;
}

/* dst's functions by the bytes of their name and file and by their start
 * line, the key of the builders' function map (ids are interned: equal
 * bytes, equal ids), so a file's function is found without interning its
 * strings: hashed from the hashes its string table keeps, compared byte
 * for byte. */
static uint64_t fkey_hash(uint64_t name_hash, uint64_t file_hash, int64_t start_line)
{
	uint64_t h = (name_hash ^ (file_hash * 0x9e3779b97f4a7c15ull) ^ (uint64_t)start_line) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* Whether string a of p equals string b of q. */
static bool str_same(const struct cr_profile *p, uint32_t a, const struct cr_profile *q, uint32_t b)
{
	return a < p->str.n && b < q->str.n && p->str.lens[a] == q->str.lens[b] &&
	       memcmp(p->str.strs[a], q->str.strs[b], p->str.lens[a]) == 0;
}

/* The key hash of function f of p in *h; false when its strings are not
 * all in p's table (it is then looked up the builders' way only). */
static bool fkey(const struct cr_profile *p, const struct cr_function *f, uint64_t *h)
{
	if (f->name >= p->str.n || f->filename >= p->str.n)
		return false;
	*h = fkey_hash(p->str.hashes[f->name], p->str.hashes[f->filename], f->start_line);
	return true;
}

/* dst's function (index + 1) with the name, file and start line of src's function f;
 * 0 when there is none. */
static uint32_t ftab_find(const struct cr_merger *t, const struct cr_profile *src, const struct cr_function *f,
			  uint64_t h)
{
	if (!t->fcap)
		return 0;
	const struct cr_profile *dst = t->dst;
	size_t mask = t->fcap - 1;
	for (size_t j = h & mask; t->fslots[j].idx; j = (j + 1) & mask) {
		const struct cr_function *d = &dst->functions[t->fslots[j].idx - 1];
		if (t->fslots[j].hash == h && d->start_line == f->start_line && str_same(dst, d->name, src, f->name) &&
		    str_same(dst, d->filename, src, f->filename))
			return t->fslots[j].idx;
	}
	return 0;
}

/* Enter dst's function fi (index + 1) under key hash h. Non-zero: out of memory. */
static int ftab_add(struct cr_merger *t, uint64_t h, uint32_t fi)
{
	if (slots_room(&t->fslots, &t->fcap, t->fn))
		return -1;
	size_t j = h & (t->fcap - 1);
	while (t->fslots[j].idx)
		j = (j + 1) & (t->fcap - 1);
	t->fslots[j].hash = h;
	t->fslots[j].idx = fi;
	t->fn++;
	return 0;
}

/* The function table from dst's function map, entry for entry. */
static int ftab_init(struct cr_merger *t)
{
	const struct cr_profile *dst = t->dst;
	const struct cr_hmap *fm = &dst->fmap;
	for (size_t i = 0; i < fm->cap; i++) {
		const struct cr_hslot *s = &fm->slots[i];
		struct fn_key key;
		if (!s->key || s->len != sizeof key || !s->val || s->val > dst->nfunctions)
			continue;
		memcpy(&key, s->key, sizeof key);
		/* an entry left out is found through the map when it is asked for */
		if (key.name < dst->str.n && key.file < dst->str.n &&
		    ftab_add(t, fkey_hash(dst->str.hashes[key.name], dst->str.hashes[key.file], key.start_line), s->val))
			return -1;
	}
	return 0;
}

enum cr_err cr_merger_init(struct cr_merger *m, struct cr_profile *dst, struct cr_error *e)
{
	memset(m, 0, sizeof *m);
	m->dst = dst;
	/* pprof's Merge sums samples with the same stack and labels (so a
	 * negated base cancels what it shares with the profile): the samples
	 * dst already holds are summed and indexed once, here */
	size_t o = 0;
	for (size_t i = 0; i < dst->nsamples; i++) {
		const struct cr_sample *s = &dst->samples[i];
		bool found;
		uint32_t v;
		/* compacted samples keep their stacks in place, so sample o (< i)
		 * still compares correctly */
		/* the stack and label arrays may be NULL when no sample has any */
		const uint32_t *stk = s->nloc ? &dst->stack[s->loc_start] : NULL;
		const struct cr_label *lab = s->nlabel ? &dst->labels[s->label_start] : NULL;
		if (stab_lookup(m, dst, stk, s->nloc, lab, s->nlabel, skey_hash(stk, s->nloc, lab, s->nlabel),
				(uint32_t)o, &found, &v)) {
			cr_merger_release(m);
			return cr_fail(e, CR_NOMEM, "%s: out of memory merging", dst->name ? dst->name : "profile");
		}
		if (found) {
			for (size_t t = 0; t < dst->ntypes; t++)
				dst->values[v * dst->ntypes + t] = cr_sat_add(dst->values[v * dst->ntypes + t],
									      dst->values[i * dst->ntypes + t]);
			continue;
		}
		if (o != i) {
			dst->samples[o] = *s;
			memmove(&dst->values[o * dst->ntypes], &dst->values[i * dst->ntypes], dst->ntypes * sizeof *dst->values);
		}
		o++;
	}
	dst->nsamples = o;
	/* and its functions and locations, the first of equal ones kept (as
	 * the builders' maps keep it) */
	if (cr_profile_index_functions(dst) || ftab_init(m)) {
		cr_merger_release(m);
		return cr_fail(e, CR_NOMEM, "%s: out of memory merging", dst->name ? dst->name : "profile");
	}
	for (size_t i = 0; i < dst->nlocations; i++) {
		const struct cr_location *l = &dst->locations[i];
		const struct cr_line *ln = l->nlines ? &dst->lines[l->line_start] : NULL; /* lines may be NULL */
		if (ltab_location(m, l->address, l->mapping, ln, l->nlines, lkey_hash(l->address, l->mapping, ln, l->nlines),
				  (uint32_t)i) == UINT32_MAX) {
			cr_merger_release(m);
			return cr_fail(e, CR_NOMEM, "%s: out of memory merging", dst->name ? dst->name : "profile");
		}
	}
	return CR_OK;
}

void cr_merger_release(struct cr_merger *m)
{
	cr_free(m->slots);
	cr_free(m->lslots);
	cr_free(m->fslots);
	memset(m, 0, sizeof *m);
}

/* src's string id in dst, interned once per string: strmap[id] = dst id + 1 */
static uint32_t xstr(struct cr_profile *dst, const struct cr_profile *src, uint32_t *strmap, uint32_t id)
{
	if (id >= src->str.n)
		return 0; /* reads as "", as cr_profile_str does */
	if (!strmap[id]) {
		uint32_t d = cr_profile_intern(dst, src->str.strs[id], src->str.lens[id]);
		if (d == UINT32_MAX)
			return UINT32_MAX;
		strmap[id] = d + 1;
	}
	return strmap[id] - 1;
}

/* Merge: functions and locations of src are re-created in dst (deduplicated
 * by content), so profiles from different sources combine as pprof merges. */
/* dst takes src's header (first merge) or combines it with its own as
 * pprof's combineHeaders does; CR_FORMAT when the sample types differ. */
static enum cr_err merge_header(struct cr_profile *dst, const struct cr_profile *src, struct cr_error *e)
{
	if (dst->ntypes == 0 && dst->nsamples == 0) {
		for (size_t i = 0; i < src->ntypes; i++)
			if (cr_profile_add_type(dst, cr_profile_str(src, src->types[i].type),
						cr_profile_str(src, src->types[i].unit)))
				return cr_fail(e, CR_NOMEM, "%s: out of memory merging", src->name);
		dst->default_type = cr_profile_intern_z(dst, cr_profile_str(src, src->default_type));
		dst->period_type.type = cr_profile_intern_z(dst, cr_profile_str(src, src->period_type.type));
		dst->period_type.unit = cr_profile_intern_z(dst, cr_profile_str(src, src->period_type.unit));
		dst->period = src->period;
		dst->time_nanos = src->time_nanos;
		dst->duration_nanos = src->duration_nanos;
		dst->source = src->source;
		if (!dst->name)
			dst->name = src->name;
		for (size_t i = 0; i < src->ncomments; i++) {
			if (cr_grow(&dst->comments, &dst->cap_comments, dst->ncomments + 1, sizeof *dst->comments))
				return cr_fail(e, CR_NOMEM, "out of memory merging");
			dst->comments[dst->ncomments++] = cr_profile_intern_z(dst, cr_profile_str(src, src->comments[i]));
		}
		for (size_t i = 0; i < src->nextra; i++)
			if (cr_profile_add_extra(dst, cr_profile_str(src, src->extra[i].key), src->extra[i].value))
				return cr_fail(e, CR_NOMEM, "out of memory merging");
		return CR_OK;
	}
	bool same = dst->ntypes == src->ntypes;
	for (size_t i = 0; same && i < src->ntypes; i++)
		same = !strcmp(cr_profile_str(dst, dst->types[i].type), cr_profile_str(src, src->types[i].type)) &&
		       !strcmp(cr_profile_str(dst, dst->types[i].unit), cr_profile_str(src, src->types[i].unit));
	if (!same)
		return cr_fail(e, CR_FORMAT, "%s: sample types differ from the first profile's; cannot merge",
			       src->name ? src->name : "profile");
	/* pprof's combineHeaders: the earliest time (a zero time counts, and
	 * is replaced by the next one), durations summed, the largest period,
	 * the first default type set, every distinct comment in order */
	if (!dst->time_nanos || src->time_nanos < dst->time_nanos)
		dst->time_nanos = src->time_nanos;
	/* summed as Go sums them: wrapping past int64's range */
	dst->duration_nanos = (int64_t)((uint64_t)dst->duration_nanos + (uint64_t)src->duration_nanos);
	if (!dst->period || dst->period < src->period)
		dst->period = src->period;
	if (!*cr_profile_str(dst, dst->default_type))
		dst->default_type = cr_profile_intern_z(dst, cr_profile_str(src, src->default_type));
	if (dst->default_type == UINT32_MAX)
		return cr_fail(e, CR_NOMEM, "out of memory merging");
	for (size_t i = 0; i < src->ncomments; i++) {
		uint32_t c = cr_profile_intern_z(dst, cr_profile_str(src, src->comments[i]));
		size_t k = 0;
		while (k < dst->ncomments && dst->comments[k] != c)
			k++;
		if (c == UINT32_MAX || (k == dst->ncomments &&
		     cr_grow(&dst->comments, &dst->cap_comments, dst->ncomments + 1, sizeof *dst->comments)))
			return cr_fail(e, CR_NOMEM, "out of memory merging");
		if (k == dst->ncomments)
			dst->comments[dst->ncomments++] = c;
	}
	return CR_OK;
}

/* One merge's maps from src's indexes to dst's (index + 1; 0 = none yet). */
struct merge_maps {
	uint32_t *mapmap, *locmap, *strmap, *fnmap;
	uint32_t *stk;
	struct cr_line *lines;
	struct cr_label *labels;
	uint64_t *hash;
	size_t cap_stk, cap_lines, cap_labels, cap_hash;
};

/* src's mappings into dst (an identical one is reused). false: no memory. */
static bool merge_mappings(struct cr_profile *dst, const struct cr_profile *src, struct merge_maps *x)
{
	for (size_t i = 0; i < src->nmappings; i++) {
		const struct cr_mapping *m = &src->mappings[i];
		if (cr_grow(&dst->mappings, &dst->cap_mappings, dst->nmappings + 1, sizeof *m))
			return false;
		struct cr_mapping nm = *m;
		nm.id = dst->nmappings + 1;
		nm.filename = xstr(dst, src, x->strmap, m->filename);
		nm.build_id = xstr(dst, src, x->strmap, m->build_id);
		if (nm.filename == UINT32_MAX || nm.build_id == UINT32_MAX)
			return false;
		size_t j;
		for (j = 0; j < dst->nmappings; j++) {
			const struct cr_mapping *d = &dst->mappings[j];
			if (d->start == nm.start && d->limit == nm.limit && d->offset == nm.offset &&
			    d->filename == nm.filename && d->build_id == nm.build_id)
				break;
		}
		if (j == dst->nmappings)
			dst->mappings[dst->nmappings++] = nm;
		x->mapmap[i + 1] = (uint32_t)j + 1;
	}
	return true;
}

/* dst's function (index + 1) for src's function f: found by its strings'
 * bytes, else added the builders' way (its strings interned). 0: no memory. */
static uint32_t merge_function(struct cr_merger *mg, const struct cr_profile *src, const struct cr_function *f,
			       struct merge_maps *x)
{
	uint64_t h;
	bool keyed = fkey(src, f, &h);
	uint32_t d = keyed ? ftab_find(mg, src, f, h) : 0;
	if (d)
		return d;
	struct cr_profile *dst = mg->dst;
	uint32_t n = xstr(dst, src, x->strmap, f->name), fl = xstr(dst, src, x->strmap, f->filename);
	if (n == UINT32_MAX || fl == UINT32_MAX)
		return 0;
	d = cr_profile_function_ids(dst, n, fl, f->start_line);
	if (d == UINT32_MAX || (keyed && ftab_add(mg, h, d)))
		return 0;
	return d;
}

/* src's functions that dst has, in x->fnmap before the locations are
 * merged: each hashed first, then looked up with the slot, function and
 * name fetched ahead (the new ones are added as the locations use them,
 * in that order). false: no memory. */
static bool find_functions(struct cr_merger *mg, const struct cr_profile *src, struct merge_maps *x)
{
	const struct cr_profile *dst = mg->dst;
	size_t nf = src->nfunctions;
	if (!mg->fcap || cr_grow(&x->hash, &x->cap_hash, nf, sizeof *x->hash))
		return mg->fcap == 0;
	for (size_t i = 0; i < nf; i++)
		if (!fkey(src, &src->functions[i], &x->hash[i]))
			x->hash[i] = 0;
	size_t mask = mg->fcap - 1;
	for (size_t i = 0; i < nf; i++) {
		uint32_t k;
		if (i + 8 < nf)
			__builtin_prefetch(&mg->fslots[x->hash[i + 8] & mask]);
		if (i + 4 < nf && (k = mg->fslots[x->hash[i + 4] & mask].idx) != 0)
			__builtin_prefetch(&dst->functions[k - 1]);
		if (i + 2 < nf && (k = mg->fslots[x->hash[i + 2] & mask].idx) != 0 &&
		    dst->functions[k - 1].name < dst->str.n)
			__builtin_prefetch(dst->str.strs[dst->functions[k - 1].name]);
		uint64_t h;
		if (fkey(src, &src->functions[i], &h))
			x->fnmap[i] = ftab_find(mg, src, &src->functions[i], h);
	}
	return true;
}

/* src's locations (their lines and functions) into dst, deduplicated by
 * content: their lines are put in dst's ids (functions and strings added
 * in order) and hashed first, then looked up with the slot, location and
 * lines fetched ahead, as the samples are. false: no memory. */
static bool merge_locations(struct cr_merger *mg, const struct cr_profile *src, struct merge_maps *x)
{
	struct cr_profile *dst = mg->dst;
	size_t nl = src->nlocations, nlines = 0;
	for (size_t i = 0; i < nl; i++)
		nlines += src->locations[i].nlines;
	if (!find_functions(mg, src, x) || cr_grow(&x->lines, &x->cap_lines, nlines, sizeof *x->lines) ||
	    cr_grow(&x->hash, &x->cap_hash, nl, sizeof *x->hash))
		return false;
	size_t lp = 0;
	for (size_t i = 0; i < nl; i++) {
		const struct cr_location *l = &src->locations[i];
		struct cr_line *lines = l->nlines ? x->lines + lp : NULL; /* no arithmetic on NULL */
		for (uint32_t k = 0; k < l->nlines; k++) {
			const struct cr_line *sl = &src->lines[l->line_start + k];
			lines[k].line = sl->line;
			lines[k].function = 0;
			if (!sl->function || sl->function > src->nfunctions)
				continue;
			const struct cr_function *f = &src->functions[sl->function - 1];
			uint32_t *fm = &x->fnmap[sl->function - 1];
			if (!*fm && !(*fm = merge_function(mg, src, f, x)))
				return false;
			lines[k].function = *fm;
			/* the name's id in dst is the function's: one string */
			uint32_t sn = f->system_name == f->name ? dst->functions[*fm - 1].name
								: xstr(dst, src, x->strmap, f->system_name);
			if (sn == UINT32_MAX)
				return false;
			dst->functions[lines[k].function - 1].system_name = sn;
		}
		uint32_t m = l->mapping <= src->nmappings ? x->mapmap[l->mapping] : 0;
		x->hash[i] = lkey_hash(l->address, m, lines, l->nlines);
		lp += l->nlines;
	}
	lp = 0;
	for (size_t i = 0; i < nl; i++) {
		const struct cr_location *l = &src->locations[i];
		if (mg->lcap) {
			size_t mask = mg->lcap - 1;
			uint32_t k;
			if (i + 12 < nl)
				__builtin_prefetch(&mg->lslots[x->hash[i + 12] & mask]);
			if (i + 6 < nl && (k = mg->lslots[x->hash[i + 6] & mask].idx) != 0 && k <= dst->nlocations)
				__builtin_prefetch(&dst->locations[k - 1]);
			if (i + 2 < nl && (k = mg->lslots[x->hash[i + 2] & mask].idx) != 0 && k <= dst->nlocations &&
			    dst->locations[k - 1].nlines)
				__builtin_prefetch(&dst->lines[dst->locations[k - 1].line_start]);
		}
		const struct cr_line *lines = l->nlines ? x->lines + lp : NULL;
		lp += l->nlines;
		uint32_t m = l->mapping <= src->nmappings ? x->mapmap[l->mapping] : 0;
		uint32_t li = ltab_location(mg, l->address, m, lines, l->nlines, x->hash[i], UINT32_MAX);
		if (li == UINT32_MAX)
			return false;
		x->locmap[i] = li;
	}
	return true;
}

/* src's samples into dst: one with the same stack and labels as a sample
 * dst has is summed into it. Each sample's stack and labels are first put
 * in dst's ids and hashed, then looked up with what the next ones touch
 * fetched ahead (table slot, sample, stack): the table is far bigger than
 * the caches. false: no memory. */
static bool merge_samples(struct cr_merger *mg, const struct cr_profile *src, struct merge_maps *x)
{
	struct cr_profile *dst = mg->dst;
	size_t ns = src->nsamples, nstk = 0, nlab = 0;
	for (size_t i = 0; i < ns; i++) {
		nstk += src->samples[i].nloc;
		nlab += src->samples[i].nlabel;
	}
	if (cr_grow(&x->stk, &x->cap_stk, nstk, sizeof *x->stk) ||
	    cr_grow(&x->labels, &x->cap_labels, nlab, sizeof *x->labels) ||
	    cr_grow(&x->hash, &x->cap_hash, ns, sizeof *x->hash))
		return false;
	size_t sp = 0, lp = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct cr_sample *s = &src->samples[i];
		uint32_t *stk = s->nloc ? x->stk + sp : NULL; /* no arithmetic on NULL */
		struct cr_label *lab = s->nlabel ? x->labels + lp : NULL;
		for (uint32_t k = 0; k < s->nloc; k++)
			stk[k] = x->locmap[src->stack[s->loc_start + k]];
		for (uint32_t k = 0; k < s->nlabel; k++) {
			const struct cr_label *sl = &src->labels[s->label_start + k];
			struct cr_label *dl = &lab[k];
			*dl = *sl;
			dl->key = xstr(dst, src, x->strmap, sl->key);
			dl->str = sl->str ? xstr(dst, src, x->strmap, sl->str) : 0;
			dl->num_unit = sl->num_unit ? xstr(dst, src, x->strmap, sl->num_unit) : 0;
			if (dl->key == UINT32_MAX || dl->str == UINT32_MAX || dl->num_unit == UINT32_MAX)
				return false;
		}
		x->hash[i] = skey_hash(stk, s->nloc, lab, s->nlabel);
		sp += s->nloc;
		lp += s->nlabel;
	}
	sp = lp = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct cr_sample *s = &src->samples[i];
		if (mg->cap) {
			size_t mask = mg->cap - 1;
			if (i + 12 < ns)
				__builtin_prefetch(&mg->slots[x->hash[i + 12] & mask]);
			if (i + 6 < ns && mg->slots[x->hash[i + 6] & mask].idx)
				__builtin_prefetch(&dst->samples[mg->slots[x->hash[i + 6] & mask].idx - 1]);
			uint32_t k;
			/* (a merge so far of empty stacks or no values has no arrays) */
			if (i + 2 < ns && (k = mg->slots[x->hash[i + 2] & mask].idx) != 0 && k <= dst->nsamples) {
				if (dst->stack)
					__builtin_prefetch(dst->stack + dst->samples[k - 1].loc_start);
				if (dst->values)
					__builtin_prefetch(dst->values + (size_t)(k - 1) * dst->ntypes);
				if (dst->labels && dst->samples[k - 1].nlabel)
					__builtin_prefetch(dst->labels + dst->samples[k - 1].label_start);
			}
		}
		const uint32_t *stk = s->nloc ? x->stk + sp : NULL;
		const struct cr_label *lab = s->nlabel ? x->labels + lp : NULL;
		sp += s->nloc;
		lp += s->nlabel;
		bool found;
		uint32_t v;
		if (stab_lookup(mg, dst, stk, s->nloc, lab, s->nlabel, x->hash[i], (uint32_t)dst->nsamples, &found,
				&v))
			return false;
		if (found) {
			const int64_t *sv = cr_sample_values(src, i);
			for (size_t t = 0; t < dst->ntypes; t++)
				dst->values[v * dst->ntypes + t] = cr_sat_add(dst->values[v * dst->ntypes + t], sv[t]);
			continue;
		}
		if (cr_profile_add_sample(dst, stk, s->nloc, cr_sample_values(src, i), lab, s->nlabel))
			return false;
	}
	return true;
}

enum cr_err cr_merger_add(struct cr_merger *mg, const struct cr_profile *src, struct cr_error *e)
{
	struct cr_profile *dst = mg->dst;
	enum cr_err rc = merge_header(dst, src, e);
	if (rc)
		return rc;
	struct merge_maps x;
	memset(&x, 0, sizeof x);
	x.mapmap = cr_calloc(src->nmappings + 1, sizeof *x.mapmap);
	x.locmap = cr_calloc(src->nlocations + 1, sizeof *x.locmap);
	x.strmap = cr_calloc(src->str.n + 1, sizeof *x.strmap);
	x.fnmap = cr_calloc(src->nfunctions + 1, sizeof *x.fnmap);
	bool ok = x.mapmap && x.locmap && x.strmap && x.fnmap &&
		  merge_mappings(dst, src, &x) && merge_locations(mg, src, &x) && merge_samples(mg, src, &x);
	cr_free(x.mapmap);
	cr_free(x.locmap);
	cr_free(x.strmap);
	cr_free(x.fnmap);
	cr_free(x.stk);
	cr_free(x.lines);
	cr_free(x.labels);
	cr_free(x.hash);
	if (!ok)
		return cr_fail(e, CR_NOMEM, "%s: out of memory merging", src->name ? src->name : "profile");
	return CR_OK;
}

/* ---- a fleet's file, from its reading thread's dictionary ---- */

/* What each entry of a dictionary is in dst (index + 1; 0: not yet), and
 * one file's scratch. */
struct cr_fleet_view {
	uint32_t *str, *fn, *loc, *map;
	size_t cap_str, cap_fn, cap_loc, cap_map;
	uint32_t *stk;
	struct cr_line *lines;
	struct cr_label *labels;
	uint64_t *hash;
	size_t cap_stk, cap_lines, cap_labels, cap_hash;
};

struct cr_fleet_view *cr_fleet_view_new(void)
{
	return cr_calloc(1, sizeof(struct cr_fleet_view));
}

void cr_fleet_view_free(struct cr_fleet_view *v)
{
	if (!v)
		return;
	cr_free(v->str);
	cr_free(v->fn);
	cr_free(v->loc);
	cr_free(v->map);
	cr_free(v->stk);
	cr_free(v->lines);
	cr_free(v->labels);
	cr_free(v->hash);
	cr_free(v);
}

struct cr_profile *cr_fleet_file_header(struct cr_fleet_file *f)
{
	return &f->hdr;
}

/* arr grown to n entries at least, the new ones 0. */
static bool grow_zeroed(uint32_t **arr, size_t *cap, size_t n)
{
	size_t old = *cap;
	if (n <= old)
		return true;
	if (cr_grow(arr, cap, n, sizeof **arr))
		return false;
	memset(*arr + old, 0, (*cap - old) * sizeof **arr);
	return true;
}

/* The dictionary's string id in dst (interned at its first use, where
 * the merge of the file's profile interns it); UINT32_MAX: no memory. */
static inline uint32_t vstr(struct cr_profile *dst, struct cr_fleet_view *v, const struct cr_fleet_dict *d,
			    uint32_t id)
{
	if (!v->str[id]) {
		const struct fleet_str *s = fleet_str(d, id);
		uint32_t x = cr_profile_intern(dst, s->s, s->len);
		if (x == UINT32_MAX)
			return UINT32_MAX;
		v->str[id] = x + 1;
	}
	return v->str[id] - 1;
}

/* The dictionary's function fid in dst (index + 1), found or added as
 * merge_function does; 0: no memory. Its system name set as the merge
 * sets it, at each line that names it; *full set when that changes the
 * name a function had in dst. */
static uint32_t vfn(struct cr_merger *mg, struct cr_fleet_view *v, const struct cr_fleet_dict *d, uint32_t fid,
		    bool *full)
{
	struct cr_profile *dst = mg->dst;
	const struct fleet_fn *fn = fleet_fn(d, fid);
	if (!v->fn[fid]) {
		/* the strings of a function dst has are there: interned anew
		 * only for a new one, name first */
		uint32_t n = vstr(dst, v, d, fn->name), fl = n == UINT32_MAX ? n : vstr(dst, v, d, fn->file);
		if (fl == UINT32_MAX)
			return 0;
		size_t had = dst->nfunctions;
		uint32_t x = cr_profile_function_ids(dst, n, fl, fn->start_line);
		if (x == UINT32_MAX || (dst->nfunctions > had &&
					ftab_add(mg, fkey_hash(dst->str.hashes[n], dst->str.hashes[fl], fn->start_line), x)))
			return 0;
		v->fn[fid] = x;
		uint32_t sn = vstr(dst, v, d, fn->sys);
		if (sn == UINT32_MAX)
			return 0;
		*full |= dst->nfunctions == had && dst->functions[x - 1].system_name != sn;
		dst->functions[x - 1].system_name = sn;
		return x;
	}
	uint32_t sn = vstr(dst, v, d, fn->sys);
	if (sn == UINT32_MAX)
		return 0;
	dst->functions[v->fn[fid] - 1].system_name = sn;
	return v->fn[fid];
}

/* The file's locations in dst, in its order (their functions first, as
 * merge_locations adds them). A location dst has from an earlier file
 * has its functions there too, and setting their system names again
 * changes nothing until one is set to another (*full): until then it is
 * passed over. false: no memory. */
static bool fleet_locations(struct cr_merger *mg, struct cr_fleet_view *v, const struct cr_fleet_file *f, bool *full)
{
	const struct cr_fleet_dict *d = f->d;
	for (size_t i = 0; i < f->nlocs; i++) {
		if (!*full && v->loc[f->locs[i]])
			continue;
		const struct fleet_loc *l = fleet_loc(d, f->locs[i]);
		for (uint32_t k = 0; k < l->nlines; k++)
			if (l->lines[k].function && !vfn(mg, v, d, l->lines[k].function, full))
				return false;
	}
	for (size_t i = 0; i < f->nlocs; i++) {
		if (v->loc[f->locs[i]])
			continue;
		const struct fleet_loc *l = fleet_loc(d, f->locs[i]);
		if (cr_grow(&v->lines, &v->cap_lines, l->nlines + 1, sizeof *v->lines))
			return false;
		for (uint32_t k = 0; k < l->nlines; k++) {
			v->lines[k].function = l->lines[k].function ? v->fn[l->lines[k].function] : 0;
			v->lines[k].line = l->lines[k].line;
		}
		uint32_t m = l->mapping ? v->map[l->mapping] : 0;
		const struct cr_line *lines = l->nlines ? v->lines : NULL;
		uint32_t li = ltab_location(mg, l->address, m, lines, l->nlines,
					    lkey_hash(l->address, m, lines, l->nlines), UINT32_MAX);
		if (li == UINT32_MAX)
			return false;
		v->loc[f->locs[i]] = li + 1;
	}
	return true;
}

/* arr (used entries of elsize bytes) grown as cr_grow grows it to need
 * entries, the new room mapped in one call (cr_mem_prefault: a fresh page
 * costs a fault at its first write). dst_room: dst's sample arrays made
 * room for f's samples so, as cr_profile_add_sample would grow them. */
static bool grow_mapped(void *arr, size_t *cap, size_t used, size_t need, size_t elsize)
{
	if (need <= *cap)
		return true;
	if (cr_grow(arr, cap, need, elsize))
		return false;
	cr_mem_prefault(*(char **)arr + used * elsize, (*cap - used) * elsize);
	return true;
}
static bool dst_room(struct cr_profile *dst, const struct cr_fleet_file *f)
{
	size_t ns, nv, nl = dst->nlabels + f->nlabels, used;
	return cr_add_ok(dst->nsamples, f->nsamples, &ns) && cr_mul_ok(ns, dst->ntypes, &nv) &&
	       cr_mul_ok(dst->nsamples, dst->ntypes, &used) &&
	       grow_mapped(&dst->samples, &dst->cap_samples, dst->nsamples, ns, sizeof *dst->samples) &&
	       grow_mapped(&dst->values, &dst->cap_values, used, nv, sizeof *dst->values) &&
	       grow_mapped(&dst->stack, &dst->cap_stack, dst->nstack, dst->nstack + f->nstack, sizeof *dst->stack) &&
	       grow_mapped(&dst->labels, &dst->cap_labels, dst->nlabels, nl, sizeof *dst->labels);
}

/* The file's samples into dst, as merge_samples merges them: stacks and
 * labels in dst's ids and hashed first, then looked up. false: no memory. */
static bool fleet_samples(struct cr_merger *mg, struct cr_fleet_view *v, const struct cr_fleet_file *f)
{
	struct cr_profile *dst = mg->dst;
	const struct cr_fleet_dict *d = f->d;
	size_t ns = f->nsamples, nt = f->hdr.ntypes;
	if (cr_grow(&v->stk, &v->cap_stk, f->nstack + 1, sizeof *v->stk) ||
	    cr_grow(&v->labels, &v->cap_labels, f->nlabels + 1, sizeof *v->labels) ||
	    cr_grow(&v->hash, &v->cap_hash, ns + 1, sizeof *v->hash) || !dst_room(dst, f))
		return false;
	for (size_t i = 0; i < f->nstack; i++)
		v->stk[i] = v->loc[f->stack[i]] - 1;
	for (size_t i = 0; i < f->nlabels; i++) {
		const struct cr_label *sl = &f->labels[i];
		struct cr_label *dl = &v->labels[i];
		*dl = *sl;
		dl->key = vstr(dst, v, d, sl->key);
		dl->str = sl->str ? vstr(dst, v, d, sl->str) : 0;
		dl->num_unit = sl->num_unit ? vstr(dst, v, d, sl->num_unit) : 0;
		if (dl->key == UINT32_MAX || dl->str == UINT32_MAX || dl->num_unit == UINT32_MAX)
			return false;
	}
	size_t sp = 0, lp = 0;
	for (size_t i = 0; i < ns; i++) {
		v->hash[i] = skey_hash(v->stk + sp, f->snloc[i], v->labels + lp, f->snlabel[i]);
		sp += f->snloc[i];
		lp += f->snlabel[i];
	}
	sp = lp = 0;
	for (size_t i = 0; i < ns; i++) {
		if (mg->cap) {
			size_t mask = mg->cap - 1;
			uint32_t k;
			if (i + 12 < ns)
				__builtin_prefetch(&mg->slots[v->hash[i + 12] & mask]);
			if (i + 6 < ns && (k = mg->slots[v->hash[i + 6] & mask].idx) != 0 && k <= dst->nsamples)
				__builtin_prefetch(&dst->samples[k - 1]);
			if (i + 2 < ns && (k = mg->slots[v->hash[i + 2] & mask].idx) != 0 && k <= dst->nsamples) {
				if (dst->stack)
					__builtin_prefetch(dst->stack + dst->samples[k - 1].loc_start);
				if (dst->values)
					__builtin_prefetch(dst->values + (size_t)(k - 1) * dst->ntypes);
			}
		}
		const uint32_t *stk = f->snloc[i] ? v->stk + sp : NULL;
		const struct cr_label *lab = f->snlabel[i] ? v->labels + lp : NULL;
		size_t n = f->snloc[i], nl = f->snlabel[i];
		sp += n;
		lp += nl;
		bool found;
		uint32_t x;
		const int64_t *sv = f->values + i * nt;
		if (stab_lookup(mg, dst, stk, n, lab, nl, v->hash[i], (uint32_t)dst->nsamples, &found, &x))
			return false;
		if (found) {
			for (size_t t = 0; t < dst->ntypes; t++)
				dst->values[x * dst->ntypes + t] = cr_sat_add(dst->values[x * dst->ntypes + t], sv[t]);
		} else if (cr_profile_add_sample(dst, stk, n, sv, lab, nl)) {
			return false;
		}
	}
	return true;
}

enum cr_err cr_merger_add_fleet(struct cr_merger *mg, struct cr_fleet_view *v, struct cr_fleet_file *f,
				bool *full, struct cr_error *e)
{
	struct cr_profile *dst = mg->dst;
	const struct cr_profile *h = &f->hdr;
	enum cr_err rc = merge_header(dst, h, e);
	if (rc)
		return rc;
	struct merge_maps x;
	memset(&x, 0, sizeof x);
	x.mapmap = cr_calloc(h->nmappings + 1, sizeof *x.mapmap);
	x.strmap = cr_calloc(h->str.n + 1, sizeof *x.strmap);
	bool ok = x.mapmap && x.strmap && grow_zeroed(&v->str, &v->cap_str, f->ns) &&
		  grow_zeroed(&v->fn, &v->cap_fn, f->nf + 1) && grow_zeroed(&v->loc, &v->cap_loc, f->nl + 1) &&
		  merge_mappings(dst, h, &x);
	for (size_t i = 0; ok && i < h->nmappings; i++)
		if ((ok = grow_zeroed(&v->map, &v->cap_map, (size_t)f->map_ids[i] + 1)))
			v->map[f->map_ids[i]] = x.mapmap[i + 1];
	ok = ok && fleet_locations(mg, v, f, full) && fleet_samples(mg, v, f);
	cr_free(x.mapmap);
	cr_free(x.strmap);
	if (!ok)
		return cr_fail(e, CR_NOMEM, "%s: out of memory merging", h->name ? h->name : "profile");
	return CR_OK;
}

enum cr_err cr_profile_merge(struct cr_profile *dst, const struct cr_profile *src,
			     struct cr_error *e)
{
	struct cr_merger m;
	enum cr_err rc = cr_merger_init(&m, dst, e);
	if (!rc)
		rc = cr_merger_add(&m, src, e);
	cr_merger_release(&m);
	return rc;
}

enum cr_err cr_profile_diff_base(struct cr_profile *dst, struct cr_profile *base, bool label,
				 struct cr_error *e)
{
	enum cr_err r = label ? cr_profile_add_label_all(base, "pprof::base", "true") : CR_OK;
	if (r)
		return cr_fail(e, r, "%s: cannot label the base profile", base->name ? base->name : "profile");
	cr_profile_negate(base);
	if ((r = cr_profile_scale_units(dst, base, NULL, e)))
		return r;
	return cr_profile_merge(dst, base, e);
}
