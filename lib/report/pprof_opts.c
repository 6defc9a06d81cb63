/* go tool pprof's options that rewrite the profile before a report:
 * -prune_from (Profile.PruneFrom), -tagshow/-taghide
 * (Profile.FilterTagsByName), -tagroot/-tagleaf (label pseudo-frames) and
 * -normalize (Profile.Normalize). */
#include "coroner/pprof.h"
#include "coroner/out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* pprof's simplifyFunc: without a leading '.', cut at the first '(' that
 * does not open "(anonymous namespace)" (nor belongs to "operator()"). */
static size_t simplified_len(const char *s, const char **start)
{
	static const char *const reserved[] = { "(anonymous namespace)", "operator()" };
	if (*s == '.')
		s++;
	*start = s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t skip = 0;
		for (int k = 0; k < 2 && !skip; k++)
			if (!strncmp(s + i, reserved[k], strlen(reserved[k])))
				skip = strlen(reserved[k]);
		if (skip) {
			i += skip;
			continue;
		}
		if (s[i] == '(')
			return i;
		i++;
	}
	return n;
}

void cr_profile_drop_inlined(struct cr_profile *p)
{
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cr_location *l = &p->locations[i];
		if (l->nlines > 1)
			l->line_start += l->nlines - 1, l->nlines = 1;
	}
	for (size_t i = 0; i < p->nmappings; i++)
		p->mappings[i].has_inline_frames = false;
}

enum cr_err cr_profile_prune_from(struct cr_profile *p, const regex_t *rx, struct cr_error *e)
{
	bool *prune = cr_calloc(p->nlocations + 1, sizeof *prune);
	char *tmp = NULL;
	size_t cap = 0;
	if (!prune)
		return cr_fail(e, CR_NOMEM, "out of memory pruning the profile");
	for (size_t li = 0; li < p->nlocations; li++) {
		struct cr_location *l = &p->locations[li];
		for (uint32_t i = 0; i < l->nlines; i++) {
			const struct cr_line *ln = &p->lines[l->line_start + i];
			if (!ln->function || ln->function > p->nfunctions)
				continue;
			const char *name = cr_profile_str(p, p->functions[ln->function - 1].name), *s;
			if (!*name)
				continue;
			size_t n = simplified_len(name, &s);
			if (cr_grow(&tmp, &cap, n + 1, 1)) {
				cr_free(prune);
				return cr_fail(e, CR_NOMEM, "out of memory pruning the profile");
			}
			memcpy(tmp, s, n);
			tmp[n] = 0;
			if (regexec(rx, tmp, 0, NULL, 0) == 0) {
				prune[li] = true;
				l->line_start += i;
				l->nlines -= i;
				break;
			}
		}
	}
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cr_sample *sm = &p->samples[si];
		for (uint32_t k = 0; k < sm->nloc; k++) {
			if (prune[p->stack[sm->loc_start + k]]) {
				sm->loc_start += k;
				sm->nloc -= k;
				break;
			}
		}
	}
	cr_free(tmp);
	cr_free(prune);
	return CR_OK;
}

void cr_profile_filter_tag_names(struct cr_profile *p, const regex_t *show, const regex_t *hide, bool *sm,
				 bool *hm)
{
	*sm = *hm = false;
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cr_sample *s = &p->samples[si];
		uint32_t kept = 0;
		for (uint32_t k = 0; k < s->nlabel; k++) {
			struct cr_label *l = &p->labels[s->label_start + k];
			const char *key = cr_profile_str(p, l->key);
			bool ms = !show || regexec(show, key, 0, NULL, 0) == 0;
			bool mh = hide && regexec(hide, key, 0, NULL, 0) == 0;
			*sm |= ms;
			*hm |= mh;
			if (ms && !mh)
				p->labels[s->label_start + kept++] = *l;
		}
		s->nlabel = kept;
	}
}

/* pprof's -tagroot/-tagleaf, as observed of go1.26's pprof:
 * - KEYS is split at ',' and the empty keys dropped;
 * - each sample gets one pseudo-frame per key (whether it has that label or
 *   not): a location with one line whose function is named by the sample's
 *   values of the key joined with ',' (the empty name when it has none),
 *   its file name the key;
 * - the values: the string labels of the key in their order, then its
 *   numeric ones, each as measurement.ScaledLabel ("%.2f" less a ".00"
 *   suffix, "0" for zero) scaled from the label's unit to -unit's when any
 *   numeric label of that key carries a unit (the others: unit ""), as
 *   plain numbers when none does;
 * - the root keys' frames go above the stack, the first key outermost; the
 *   leaf keys' frames beneath it, the last key innermost;
 * - equal (name, key) pairs share one location and one function, numbered
 *   after the profile's largest location and function ids, in the order
 *   first met (samples in order, the leaf keys' frames before the root
 *   keys', each list from its last key to its first);
 * - a key "matches" when some sample has a value for it. */
struct lframes {
	struct cr_hmap map;
	uint64_t loc_id, fn_id;
	struct cr_buf name;
};

static void key_values(const struct cr_profile *p, const struct cr_sample *s, const char *key,
		       const char *unit, struct cr_buf *b, bool *any)
{
	bool units = false;
	b->len = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t k = 0; k < s->nlabel; k++) {
			const struct cr_label *l = &p->labels[s->label_start + k];
			if (strcmp(cr_profile_str(p, l->key), key))
				continue;
			if (l->str == 0 && l->num == 0 && l->num_unit == 0)
				continue; /* not a label to pprof's decoder */
			if (pass == 0) {
				if (l->str) {
					if (b->len)
						cr_buf_add(b, ",", 1);
					const char *v = cr_profile_str(p, l->str);
					cr_buf_add(b, v, strlen(v));
					*any = true;
				} else if (l->num_unit) {
					units = true;
				}
				continue;
			}
			if (l->str)
				continue;
			const char *u;
			char num[64];
			double x = units ? cr_units_scale(l->num, cr_profile_str(p, l->num_unit), unit, &u) :
					   cr_units_scale(l->num, "", "", &u);
			snprintf(num, sizeof num, "%.2f", x);
			size_t n = strlen(num);
			if (n > 3 && !strcmp(num + n - 3, ".00"))
				num[n - 3] = 0;
			if (b->len)
				cr_buf_add(b, ",", 1);
			if (!strcmp(num, "0") || !strcmp(num, "-0")) {
				cr_buf_add(b, "0", 1);
			} else {
				cr_buf_add(b, num, strlen(num));
				cr_buf_add(b, u, strlen(u));
			}
			*any = true;
		}
	}
	cr_buf_add(b, "", 1);
}

/* the location of the pseudo-frame (name, key): index into p->locations */
static uint32_t label_loc(struct cr_profile *p, struct lframes *lf, const char *name, const char *key)
{
	uint32_t n = cr_profile_intern_z(p, name), f = cr_profile_intern_z(p, key);
	if (n == UINT32_MAX || f == UINT32_MAX)
		return UINT32_MAX;
	uint32_t k[2] = { n, f };
	bool found;
	uint32_t *v = cr_hmap_put(&lf->map, k, sizeof k, (uint32_t)p->nlocations, &found);
	if (!v)
		return UINT32_MAX;
	if (found)
		return *v;
	const struct cr_function fn = { .id = lf->fn_id++, .name = n, .filename = f };
	if (cr_profile_add_function(p, &fn) == UINT32_MAX)
		return UINT32_MAX;
	struct cr_line ln = { .function = (uint32_t)p->nfunctions };
	uint32_t li = cr_profile_add_location(p, lf->loc_id, 0, 0, &ln, 1);
	if (li == UINT32_MAX)
		return li;
	lf->loc_id++;
	return li;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = cr_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* s cut at its commas into keys (room for strlen(s)+1), the empty ones left out */
static size_t split_keys(char *s, const char **keys)
{
	size_t n = 0;
	for (char *t = s, *end; t; t = end) {
		end = strchr(t, ',');
		if (end)
			*end++ = 0;
		if (*t)
			keys[n++] = t;
	}
	return n;
}

enum cr_err cr_profile_add_label_frames(struct cr_profile *p, const char *root, const char *leaf, const char *unit,
					bool *rootm, bool *leafm, struct cr_error *e)
{
	root = root ? root : "", leaf = leaf ? leaf : "";
	char *rs = dup_str(root), *ls = dup_str(leaf);
	const char **rk = cr_calloc(strlen(root) + 1, sizeof *rk), **lk = cr_calloc(strlen(leaf) + 1, sizeof *lk);
	enum cr_err rc = CR_OK;
	struct lframes lf = { .loc_id = 1, .fn_id = 1 };
	uint32_t *tmp = NULL;
	size_t cap = 0, nr = 0, nl = 0;
	*rootm = *leafm = false;
	cr_hmap_init(&lf.map);
	if (!rs || !ls || !rk || !lk)
		goto nomem;
	nr = split_keys(rs, rk), nl = split_keys(ls, lk);
	for (size_t i = 0; i < p->nlocations; i++)
		if (p->locations[i].id >= lf.loc_id)
			lf.loc_id = p->locations[i].id + 1;
	for (size_t i = 0; i < p->nfunctions; i++)
		if (p->functions[i].id >= lf.fn_id)
			lf.fn_id = p->functions[i].id + 1;
	if (!unit || !*unit)
		unit = "minimum";
	for (size_t si = 0; si < p->nsamples && nr + nl; si++) {
		struct cr_sample *s = &p->samples[si];
		size_t n = (size_t)s->nloc + nr + nl, w = 0;
		if (cr_grow(&tmp, &cap, n, sizeof *tmp) || p->nstack + n >= UINT32_MAX ||
		    cr_grow(&p->stack, &p->cap_stack, p->nstack + n, sizeof *p->stack))
			goto nomem;
		for (int side = 0; side < 2; side++) { /* leaves, the stack, roots */
			const char **keys = side ? rk : lk;
			size_t nk = side ? nr : nl;
			if (side)
				for (uint32_t k = 0; k < s->nloc; k++)
					tmp[w++] = p->stack[s->loc_start + k];
			for (size_t k = nk; k-- > 0;) {
				key_values(p, s, keys[k], unit, &lf.name, side ? rootm : leafm);
				if (!lf.name.data)
					goto nomem;
				uint32_t li = label_loc(p, &lf, lf.name.data, keys[k]);
				if (li == UINT32_MAX)
					goto nomem;
				tmp[w++] = li;
			}
		}
		memcpy(&p->stack[p->nstack], tmp, w * sizeof *tmp);
		s->loc_start = (uint32_t)p->nstack;
		s->nloc = (uint32_t)w;
		p->nstack += w;
	}
	goto out;
nomem:
	rc = cr_fail(e, CR_NOMEM, "out of memory adding the label frames");
out:
	cr_free(tmp);
	cr_free(rs);
	cr_free(ls);
	cr_free(rk);
	cr_free(lk);
	cr_buf_release(&lf.name);
	cr_hmap_release(&lf.map);
	return rc;
}

/* pprof's -normalize (Profile.Normalize), as go1.26's pprof does it: it
 * is the source, not the base, that is scaled. Per sample type the ratio
 * is the base's sum over its samples to the source's (0 when the source's
 * sum is 0; the sums wrap as int64); when every ratio is 1 nothing
 * changes; else each value of a type whose ratio is not 1 becomes
 * round-half-away(value * ratio) in float64, and a sample is dropped when
 * all those scaled values are 0 (the values of ratio-1 types do not keep
 * it). */
void cr_profile_normalize(struct cr_profile *p, const struct cr_profile *base)
{
	size_t nt = p->ntypes;
	if (nt == 0 || base->ntypes != nt || nt > 64)
		return; /* incompatible: the merge with the base says so */
	uint64_t bs[64] = { 0 }, ss[64] = { 0 };
	double ratio[64];
	bool ones = true;
	for (size_t i = 0; i < base->nsamples; i++)
		for (size_t t = 0; t < nt; t++)
			bs[t] += (uint64_t)cr_sample_values(base, i)[t];
	for (size_t i = 0; i < p->nsamples; i++)
		for (size_t t = 0; t < nt; t++)
			ss[t] += (uint64_t)cr_sample_values(p, i)[t];
	for (size_t t = 0; t < nt; t++) {
		ratio[t] = ss[t] == 0 ? 0.0 : (double)(int64_t)bs[t] / (double)(int64_t)ss[t];
		ones &= ratio[t] == 1;
	}
	if (ones)
		return;
	size_t fill = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t *v = &p->values[i * nt];
		bool keep = false;
		for (size_t t = 0; t < nt; t++) {
			if (ratio[t] == 1)
				continue;
			double x = round((double)v[t] * ratio[t]);
			/* Go's float-to-int64 outside the range: the CPU's (amd64: INT64_MIN) */
			v[t] = x >= 9223372036854775807.0 || x < -9223372036854775808.0 || isnan(x) ? INT64_MIN :
											       (int64_t)x;
			keep |= v[t] != 0;
		}
		if (keep) {
			p->samples[fill] = p->samples[i];
			if (fill != i)
				memmove(&p->values[fill * nt], v, nt * sizeof *v);
			fill++;
		}
	}
	p->nsamples = fill;
}
