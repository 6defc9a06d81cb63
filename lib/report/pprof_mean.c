/* pprof's -mean (and -mean_delay): every sum a report shows is divided by
 * the sum of the same samples' first value (the event count of a block
 * or mutex profile), and the sample type is named "mean_TYPE". What each
 * report divides is pprof's:
 *
 * - the total: the sum of |value| over the sum of the divisors (both over
 *   the diff base's samples when it has any);
 * - graph nodes (-top, -tree, -peek, -callgrind, -dot): flat and cum each
 *   over the divisors summed with them; they are ordered, trimmed and the
 *   output unit chosen on the sums; -dot's edges and tags are divided
 *   too, -tree's, -peek's and -callgrind's edges are not;
 * - -traces: each sample's value over its own divisor;
 * - -tags, -list, -raw, -proto and -disasm's routine totals: not divided
 *   (but for the total), -disasm's instructions: per instruction.
 */
#include "coroner/pprof.h"

#include <string.h>

int64_t cr_pprof_total(const struct cr_profile *p, const struct cr_pprof_opts *o)
{
	int si = o->sample_index;
	if (!o->mean)
		return cr_profile_total(p, si);
	if (si < 0 || (size_t)si >= p->ntypes)
		return 0;
	uint32_t base_key = 0;
	for (size_t i = 0; i < p->str.n; i++)
		if (strcmp(p->str.strs[i], "pprof::base") == 0)
			base_key = (uint32_t)i;
	uint64_t total = 0, div = 0, dtotal = 0, ddiv = 0; /* Go's int64 sums wrap */
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t v = p->values[s * p->ntypes + (size_t)si], d = p->values[s * p->ntypes];
		v = v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
		total += (uint64_t)v, div += (uint64_t)d;
		const struct cr_sample *sm = &p->samples[s];
		for (uint32_t k = 0; base_key && k < sm->nlabel; k++)
			if (p->labels[sm->label_start + k].key == base_key) {
				dtotal += (uint64_t)v, ddiv += (uint64_t)d;
				break;
			}
	}
	if ((int64_t)dtotal > 0)
		total = dtotal, div = ddiv;
	return cr_pprof_mean((int64_t)total, (int64_t)div);
}

const char *cr_pprof_type_name(const struct cr_profile *p, const struct cr_pprof_opts *o, struct cr_arena *a)
{
	const char *t = cr_profile_str(p, p->types[o->sample_index].type);
	if (!o->mean)
		return t;
	size_t n = strlen(t);
	char *s = cr_arena_alloc(a, n + 6);
	if (s) {
		memcpy(s, "mean_", 5);
		memcpy(s + 5, t, n + 1);
	}
	return s;
}
