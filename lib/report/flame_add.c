/* Adding a profile's samples to a flame graph's call tree.
 *
 * Each sample's stack becomes its sequence of frame names, root first, the
 * names ranked in the order the tree's children are sorted in (strcmp).
 * The sequences are sorted, so stacks sharing a prefix are neighbours: a
 * sample walks its predecessor's path as far as the two agree and appends
 * the rest. An empty tree is thus built in its final pre-order without a
 * single lookup (the (parent, name) table is rebuilt only if asked again);
 * a tree that has nodes already (a diff's base) looks up only the frames
 * past the shared prefix. Sums are exact in any order unless they could
 * saturate: then the samples are added one by one, in order, as before. */
#include "flame_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Frame name of a location without lines (or a line without a function). */
static uint32_t address_name(struct cr_flame *f, uint64_t address)
{
	char b[32];
	int n = snprintf(b, sizeof b, "0x%" PRIx64, address);
	return cr_strtab_intern(&f->names, b, (size_t)n);
}

/* Name id of line l of location loc; fname caches function -> name id. */
static uint32_t frame_name(struct cr_flame *f, const struct cr_profile *p, const struct cr_location *loc,
			   uint32_t l, uint32_t *fname)
{
	uint32_t fn = loc->nlines ? p->lines[loc->line_start + l].function : 0;
	if (!fn || fn > p->nfunctions)
		return address_name(f, loc->address);
	if (!fname[fn]) {
		const char *s = cr_profile_str(p, p->functions[fn - 1].name);
		fname[fn] = *s ? cr_strtab_intern(&f->names, s, strlen(s)) : address_name(f, loc->address);
	}
	return fname[fn];
}

/* Sample by sample, in order: sums saturate exactly as they always did. */
static enum cr_err add_each(struct cr_flame *f, const struct cr_profile *p, int si, bool as_base,
			    uint32_t *fname)
{
	int64_t v;
	const struct cr_sample *s;
	for (size_t i = 0; (s = cr_sample_next(p, si, &i, &v)) != NULL; i++) {
		uint32_t cur = 0;
		int64_t *slot = as_base ? &f->nodes[0].base : &f->nodes[0].value;
		*slot = cr_sat_add(*slot, v);
		for (uint32_t k = s->nloc; k-- > 0;) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			for (uint32_t l = loc->nlines ? loc->nlines : 1; l-- > 0;) {
				uint32_t name = frame_name(f, p, loc, l, fname);
				if (name == UINT32_MAX || (cur = cr_flame_child(f, cur, name)) == CR_FLAME_NONE)
					return f->nnodes >= INT32_MAX ? CR_LIMIT : CR_NOMEM;
				slot = as_base ? &f->nodes[cur].base : &f->nodes[cur].value;
				*slot = cr_sat_add(*slot, v);
			}
		}
	}
	return CR_OK;
}

/* The sorted build's working arrays. */
struct seqs {
	uint32_t *lname; size_t nlname, cap_lname; /* per location: its names, root first */
	uint32_t *loff;    /* location -> offset in lname; UINT32_MAX = not yet */
	uint32_t *seq;     /* every sample's ranks, root first */
	size_t *off;       /* kept sample -> offset in seq */
	uint32_t *len;     /* kept sample -> length */
	uint32_t *src;     /* kept sample -> sample index */
	int64_t *val;      /* kept sample -> value */
	uint32_t *ord;     /* kept samples, sorted by sequence */
	uint32_t *rank;    /* name id -> rank; rankname: rank -> name id */
	uint32_t *rankname;
	size_t m, total;   /* kept samples, sum of their lengths */
	size_t nranks;     /* distinct names */
	uint32_t maxlen;
};

static int by_stack(const void *a, const void *b, void *arg)
{
	const struct seqs *sort_s = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const uint32_t *x = sort_s->seq + sort_s->off[i], *y = sort_s->seq + sort_s->off[j];
	uint32_t nx = sort_s->len[i], ny = sort_s->len[j], n = nx < ny ? nx : ny;
	for (uint32_t k = 0; k < n; k++)
		if (x[k] != y[k])
			return x[k] < y[k] ? -1 : 1;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int by_name(const void *a, const void *b, void *names)
{
	const struct cr_strtab *sort_names = names;
	return strcmp(cr_strtab_get(sort_names, *(const uint32_t *)a), cr_strtab_get(sort_names, *(const uint32_t *)b));
}

/* Names of every location the kept samples use, the samples' lengths and
 * values; then the ranks. */
static enum cr_err gather(struct cr_flame *f, const struct cr_profile *p, int si, struct seqs *q,
			  uint32_t *fname)
{
	int64_t v;
	const struct cr_sample *s;
	for (size_t i = 0; (s = cr_sample_next(p, si, &i, &v)) != NULL; i++) {
		size_t n = 0;
		for (uint32_t k = 0; k < s->nloc; k++) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			uint32_t nl = loc->nlines ? loc->nlines : 1;
			if (q->loff[li] == UINT32_MAX) {
				if (q->nlname + nl >= UINT32_MAX ||
				    cr_grow(&q->lname, &q->cap_lname, q->nlname + nl, sizeof *q->lname))
					return CR_NOMEM;
				q->loff[li] = (uint32_t)q->nlname;
				for (uint32_t l = nl; l-- > 0;) {
					uint32_t name = frame_name(f, p, loc, l, fname);
					if (name == UINT32_MAX)
						return CR_NOMEM;
					q->lname[q->nlname++] = name;
				}
			}
			n += nl;
		}
		if (n >= INT32_MAX)
			return CR_LIMIT;
		q->src[q->m] = (uint32_t)i;
		q->off[q->m] = q->total;
		q->len[q->m] = (uint32_t)n;
		q->val[q->m++] = v;
		q->total += n;
		if (n > q->maxlen)
			q->maxlen = (uint32_t)n;
	}
	/* rank the names used in strcmp order: the order of siblings */
	size_t nn = f->names.n, nused = 0;
	q->rank = cr_malloc((nn + 1) * sizeof *q->rank);
	q->rankname = cr_malloc((nn + 1) * sizeof *q->rankname);
	if (!q->rank || !q->rankname)
		return CR_NOMEM;
	memset(q->rank, 0xff, nn * sizeof *q->rank);
	for (size_t k = 0; k < q->nlname; k++)
		if (q->rank[q->lname[k]] == UINT32_MAX) {
			q->rank[q->lname[k]] = 0;
			q->rankname[nused++] = q->lname[k];
		}
	qsort_r(q->rankname, nused, sizeof *q->rankname, by_name, &f->names);
	for (size_t r = 0; r < nused; r++)
		q->rank[q->rankname[r]] = (uint32_t)r;
	q->nranks = nused;
	for (size_t k = 0; k < q->nlname; k++)
		q->lname[k] = q->rank[q->lname[k]];
	return CR_OK;
}

/* Every kept sample's ranks, root first, in seq. */
static void spell(const struct cr_profile *p, int si, struct seqs *q)
{
	size_t m = 0;
	int64_t v;
	const struct cr_sample *s;
	for (size_t i = 0; (s = cr_sample_next(p, si, &i, &v)) != NULL; i++) {
		uint32_t *out = q->seq + q->off[m++];
		for (uint32_t k = s->nloc; k-- > 0;) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			uint32_t nl = loc->nlines ? loc->nlines : 1;
			const uint32_t *from = q->lname + q->loff[li];
			for (uint32_t l = 0; l < nl; l++)
				*out++ = from[l];
		}
	}
}

void cr_flame_prune_for_svg(struct cr_flame *f, const struct cr_flame_svg_opts *o)
{
	if (o->all_frames)
		return;
	f->prune_width = o->width > 0 ? o->width : 1200;
	f->prune_minw = o->min_width > 0 ? o->min_width : 0.1;
}

/* Walk the sorted sequences: each appends what it does not share with the
 * one before. fresh: f held only its root, so every new frame is a new
 * node, appended after its last sibling (the ranks keep them sorted). */
static enum cr_err build(struct cr_flame *f, struct seqs *q, bool as_base, bool fresh)
{
	uint32_t *path = cr_malloc(((size_t)q->maxlen + 1) * sizeof *path);
	if (!path)
		return CR_NOMEM;
	path[0] = 0;
	/* at most one node per frame: reserved, touched only as used */
	if (fresh && cr_grow_exact(&f->nodes, &f->cap, f->nnodes + q->total, sizeof *f->nodes)) {
		cr_free(path);
		return CR_NOMEM;
	}
	const uint32_t *prev = NULL;
	uint32_t plen = 0;
	enum cr_err rc = CR_OK;
	for (size_t t = 0; t < q->m && !rc; t++) {
		uint32_t i = q->ord[t], n = q->len[i], c = 0, lim = n < plen ? n : plen;
		const uint32_t *s = q->seq + q->off[i];
		while (c < lim && s[c] == prev[c])
			c++;
		for (uint32_t pos = c; pos < n; pos++) {
			uint32_t name = q->rankname[s[pos]], id;
			if (!fresh) {
				id = cr_flame_child(f, path[pos], name);
				if (id == CR_FLAME_NONE) {
					rc = f->nnodes >= INT32_MAX ? CR_LIMIT : CR_NOMEM;
					break;
				}
			} else {
				if (f->nnodes >= INT32_MAX) {
					rc = CR_LIMIT;
					break;
				}
				if (f->nnodes == f->cap && cr_grow(&f->nodes, &f->cap, f->nnodes + 1, sizeof *f->nodes)) {
					rc = CR_NOMEM;
					break;
				}
				id = (uint32_t)f->nnodes++;
				f->nodes[id] = (struct cr_flame_node){ .name = name, .parent = path[pos],
								       .child = CR_FLAME_NONE, .next = CR_FLAME_NONE,
								       .depth = pos + 1 };
				if (pos == c && pos < plen) /* after the sibling the last stack went through */
					f->nodes[path[pos + 1]].next = id;
				else
					f->nodes[path[pos]].child = id;
				if (pos + 1 > f->max_depth)
					f->max_depth = pos + 1;
			}
			path[pos + 1] = id;
		}
		prev = s;
		plen = n;
		int64_t v = q->val[i];
		for (uint32_t d = 0; d <= n && !rc; d++) {
			int64_t *slot = as_base ? &f->nodes[path[d]].base : &f->nodes[path[d]].value;
			*slot += v; /* cannot saturate: checked by the caller */
		}
	}
	cr_free(path);
	return rc;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* New child of parent (the ranks come in order: appended after last). */
static uint32_t append(struct cr_flame *f, uint32_t parent, uint32_t last, uint32_t name, int64_t v)
{
	uint32_t id = (uint32_t)f->nnodes++;
	uint32_t depth = f->nodes[parent].depth + 1;
	f->nodes[id] = (struct cr_flame_node){ .name = name, .parent = parent, .child = CR_FLAME_NONE,
					       .next = CR_FLAME_NONE, .depth = depth, .value = v };
	if (last == CR_FLAME_NONE)
		f->nodes[parent].child = id;
	else
		f->nodes[last].next = id;
	if (depth > f->max_depth)
		f->max_depth = depth;
	return id;
}

/* A kept sample's place in its stack: k locations left (from the root
 * end), l names of the k-th already taken. */
struct cursor { uint32_t k, l; };

/* The rank of kept sample t's next frame, root first; UINT32_MAX past
 * its leaf. */
static uint32_t next_rank(const struct cr_profile *p, const struct seqs *q, uint32_t t, struct cursor *c)
{
	const struct cr_sample *s = &p->samples[q->src[t]];
	while (c->k > 0) {
		uint32_t li = p->stack[s->loc_start + c->k - 1];
		if (li >= p->nlocations) {
			c->k--;
			continue;
		}
		const struct cr_location *loc = &p->locations[li];
		uint32_t r = q->lname[q->loff[li] + c->l];
		if (++c->l == (loc->nlines ? loc->nlines : 1))
			c->k--, c->l = 0;
		return r;
	}
	return UINT32_MAX;
}

/* The pruned tree of an SVG, top down: the samples of a frame wide enough
 * to draw are grouped by their next frame (a counting sort on the rank, or
 * a sort of (rank, sample) pairs for a small group), one child per group;
 * a frame too narrow keeps its value but is not split further. Only the
 * drawable part of the tree is ever looked at. */
static enum cr_err build_groups(struct cr_flame *f, const struct cr_profile *p, struct seqs *q, double scale,
				size_t nranks, struct cursor *cu)
{
	struct group { uint32_t lo, hi, d, node; } *st = cr_malloc((q->m + 1) * sizeof *st);
	uint64_t *pair = cr_malloc((q->m + 1) * sizeof *pair), *tmp = cr_malloc((q->m + 1) * sizeof *tmp);
	uint32_t *cnt = cr_calloc(nranks + 1, sizeof *cnt);
	if (!st || !pair || !tmp || !cnt || q->m >= UINT32_MAX ||
	    cr_grow_exact(&f->nodes, &f->cap, f->nnodes + q->total, sizeof *f->nodes)) {
		cr_free(st), cr_free(pair), cr_free(tmp), cr_free(cnt);
		return CR_NOMEM;
	}
	for (size_t t = 0; t < q->m; t++) {
		q->ord[t] = (uint32_t)t;
		f->nodes[0].value += q->val[t];
	}
	size_t nst = 0;
	st[nst++] = (struct group){ 0, (uint32_t)q->m, 0, 0 };
	while (nst) {
		struct group g = st[--nst];
		/* the samples going on past depth d, as (rank at d, sample) */
		uint32_t n = 0;
		for (uint32_t t = g.lo; t < g.hi; t++) {
			uint32_t i = q->ord[t], r = next_rank(p, q, i, &cu[i]);
			if (r != UINT32_MAX)
				pair[g.lo + n++] = (uint64_t)r << 32 | i;
		}
		uint64_t *pp = pair + g.lo;
		if (n > 64 && n >= nranks / 8) { /* counting sort by rank */
			for (uint32_t k = 0; k < n; k++)
				cnt[pp[k] >> 32]++;
			uint32_t sum = 0;
			for (size_t r = 0; r < nranks; r++) {
				uint32_t c = cnt[r];
				cnt[r] = sum;
				sum += c;
			}
			for (uint32_t k = 0; k < n; k++)
				tmp[cnt[pp[k] >> 32]++] = pp[k];
			memset(cnt, 0, nranks * sizeof *cnt);
			memcpy(pp, tmp, n * sizeof *pp);
		} else {
			qsort(pp, n, sizeof *pp, by_u64);
		}
		uint32_t last = CR_FLAME_NONE;
		for (uint32_t k = 0; k < n;) {
			uint32_t r = (uint32_t)(pp[k] >> 32), k0 = k;
			int64_t v = 0;
			for (; k < n && (uint32_t)(pp[k] >> 32) == r; k++) {
				q->ord[g.lo + k] = (uint32_t)pp[k];
				v += q->val[(uint32_t)pp[k]];
			}
			if (f->nnodes >= INT32_MAX) {
				cr_free(st), cr_free(pair), cr_free(tmp), cr_free(cnt);
				return CR_LIMIT;
			}
			last = append(f, g.node, last, q->rankname[r], v);
			if ((double)v * scale >= f->prune_minw) /* drawn: its callees may be */
				st[nst++] = (struct group){ g.lo + k0, g.lo + k, g.d + 1, last };
		}
	}
	cr_free(st), cr_free(pair), cr_free(tmp), cr_free(cnt);
	return CR_OK;
}

static enum cr_err build_pruned(struct cr_flame *f, const struct cr_profile *p, struct seqs *q, double scale,
				size_t nranks)
{
	struct cursor *cu = cr_malloc((q->m + 1) * sizeof *cu);
	if (!cu)
		return CR_NOMEM;
	for (size_t t = 0; t < q->m; t++)
		cu[t] = (struct cursor){ p->samples[q->src[t]].nloc, 0 };
	enum cr_err rc = build_groups(f, p, q, scale, nranks, cu);
	cr_free(cu);
	return rc;
}

/* Could a sum of v in some order leave int64? */
static bool may_saturate(const struct cr_profile *p, int si)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = cr_sample_values(p, i)[si];
		uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		if (a > (uint64_t)INT64_MAX - sum)
			return true;
		sum += a;
	}
	return false;
}

/* Does the tree hold sums in this slot already (their order would then
 * matter where a sum saturates)? */
static bool slot_used(const struct cr_flame *f, bool as_base)
{
	for (size_t i = 0; i < f->nnodes; i++)
		if (as_base ? f->nodes[i].base : f->nodes[i].value)
			return true;
	return false;
}

static enum cr_err add_sorted(struct cr_flame *f, const struct cr_profile *p, int si, bool as_base,
			      uint32_t *fname)
{
	bool fresh = f->nnodes == 1 && f->nodes[0].child == CR_FLAME_NONE;
	struct seqs q = { 0 };
	enum cr_err rc = CR_NOMEM;
	q.loff = cr_malloc((p->nlocations + 1) * sizeof *q.loff);
	q.off = cr_malloc((p->nsamples + 1) * sizeof *q.off);
	q.len = cr_malloc((p->nsamples + 1) * sizeof *q.len);
	q.src = cr_malloc((p->nsamples + 1) * sizeof *q.src);
	q.val = cr_malloc((p->nsamples + 1) * sizeof *q.val);
	if (!q.loff || !q.off || !q.len || !q.src || !q.val || p->nsamples >= UINT32_MAX)
		goto out;
	memset(q.loff, 0xff, p->nlocations * sizeof *q.loff);
	if ((rc = gather(f, p, si, &q, fname)))
		goto out;
	rc = CR_NOMEM;
	q.ord = cr_malloc((q.m + 1) * sizeof *q.ord);
	if (!q.ord)
		goto out;
	/* pruning for an SVG: all values positive, so callees are narrower */
	double scale = 0;
	if (fresh && !as_base && f->prune_width > 0) {
		int64_t total = 0;
		size_t t = 0;
		for (; t < q.m && q.val[t] > 0; t++)
			total += q.val[t];
		if (t == q.m && total > 0) /* write_graph()'s scale: 10 pixels of padding */
			scale = (double)(f->prune_width - 2 * 10) / (double)total;
	}
	if (scale > 0) {
		rc = build_pruned(f, p, &q, scale, q.nranks);
	} else {
		q.seq = cr_malloc((q.total + 1) * sizeof *q.seq);
		if (!q.seq)
			goto out;
		spell(p, si, &q);
		for (size_t t = 0; t < q.m; t++)
			q.ord[t] = (uint32_t)t;
		qsort_r(q.ord, q.m, sizeof *q.ord, by_stack, &q);
		rc = build(f, &q, as_base, fresh);
	}
	if (!rc && fresh) {
		/* built sorted, without the lookup table: dropped, remade on demand */
		cr_free(f->tab);
		f->tab = NULL;
		f->tabcap = 0;
		f->finished = true;
	}
out:
	cr_free(q.lname);
	cr_free(q.loff);
	cr_free(q.seq);
	cr_free(q.off);
	cr_free(q.len);
	cr_free(q.src);
	cr_free(q.val);
	cr_free(q.ord);
	cr_free(q.rank);
	cr_free(q.rankname);
	return rc;
}

enum cr_err cr_flame_add(struct cr_flame *f, const struct cr_profile *p, int si, bool as_base,
			 struct cr_error *e)
{
	if (si < 0 || (size_t)si >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index %d out of range", p->name ? p->name : "profile", si);
	if (f->nnodes == 1 && !f->sample_type[0]) {
		snprintf(f->sample_type, sizeof f->sample_type, "%s", cr_profile_str(p, p->types[si].type));
		snprintf(f->unit, sizeof f->unit, "%s", cr_profile_str(p, p->types[si].unit));
	}
	/* function index -> name id in f->names, filled lazily (0 = not yet) */
	uint32_t *fname = cr_calloc(p->nfunctions + 1, sizeof *fname);
	if (!fname)
		return cr_fail(e, CR_NOMEM, "out of memory building the flame graph");
	enum cr_err rc;
	bool used = as_base ? f->has_base : slot_used(f, false);
	if (as_base)
		f->has_base = true;
	if (used || f->first_seen_order || may_saturate(p, si))
		rc = add_each(f, p, si, as_base, fname);
	else
		rc = add_sorted(f, p, si, as_base, fname);
	cr_free(fname);
	if (rc)
		return cr_fail(e, rc, "%s: flame graph too large", p->name ? p->name : "profile");
	return CR_OK;
}
