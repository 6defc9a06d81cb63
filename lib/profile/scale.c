/* Units made one before a merge, as pprof's ScaleProfiles does: the
 * finer unit of each pair of value types, the other profile's values
 * scaled to it. */
#include "coroner/out.h"
#include "coroner/profile.h"

#include <math.h>
#include <string.h>

/* pprof's compatibleValueTypes: the types equal without a trailing 's',
 * the units equal or of one kind */
static bool compatible(const char *ta, const char *ua, const char *tb, const char *ub)
{
	size_t na = strlen(ta), nb = strlen(tb);
	na -= na && ta[na - 1] == 's';
	nb -= nb && tb[nb - 1] == 's';
	if (na != nb || memcmp(ta, tb, na) != 0)
		return false;
	return !strcmp(ua, ub) || cr_units_same_kind(ua, ub);
}

static void clash_set(struct cr_unit_clash *c, bool period, const char *const t[2], const char *const u[2])
{
	if (!c)
		return;
	c->set = true;
	c->period = period;
	for (int i = 0; i < 2; i++) {
		snprintf(c->type[i], sizeof c->type[i], "%s", t[i]);
		snprintf(c->unit[i], sizeof c->unit[i], "%s", u[i]);
	}
}

/* Go's int64(x) of a float as amd64 converts it: out of range (and NaN)
 * is the smallest int64 */
static int64_t go_int64(double x)
{
	if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

/* p's values of type i times ratio[i] where it is not 1 (pprof's ScaleN):
 * rounded half away from zero; samples whose scaled values are all 0 go */
static void scale_values(struct cr_profile *p, const double *ratio)
{
	size_t o = 0, nt = p->ntypes;
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t *v = &p->values[s * nt];
		bool keep = false;
		for (size_t i = 0; i < nt; i++) {
			if (ratio[i] == 1)
				continue;
			v[i] = go_int64(round((double)v[i] * ratio[i]));
			keep |= v[i] != 0;
		}
		if (!keep)
			continue;
		if (o != s) {
			memmove(&p->values[o * nt], v, nt * sizeof *v);
			p->samples[o] = p->samples[s];
		}
		o++;
	}
	p->nsamples = o;
}

/* the common unit of one value type of a and b (pprof's CommonValueType:
 * b's when it is finer); each profile's ratio to it */
static const char *common_unit(const char *ua, const char *ub, double *ra, double *rb)
{
	const char *u;
	const char *c = cr_units_scale(1, ub, ua, &u) < 1 ? ub : ua;
	*ra = cr_units_scale(1, ua, c, &u);
	*rb = cr_units_scale(1, ub, c, &u);
	return c;
}

/* p's unit of type i (or its period type's, i = ntypes) named c, its
 * values' ratio in ratio[i] */
static bool rename_unit(struct cr_profile *p, size_t i, const char *c)
{
	uint32_t id = cr_profile_intern_z(p, c);
	if (id == UINT32_MAX)
		return false;
	if (i == p->ntypes)
		p->period_type.unit = id;
	else
		p->types[i].unit = id;
	return true;
}

enum cr_err cr_profile_scale_units(struct cr_profile *a, struct cr_profile *b, struct cr_unit_clash *clash,
				   struct cr_error *e)
{
	const char *t[2] = { cr_profile_str(a, a->period_type.type), cr_profile_str(b, b->period_type.type) };
	const char *u[2] = { cr_profile_str(a, a->period_type.unit), cr_profile_str(b, b->period_type.unit) };
	if (!compatible(t[0], u[0], t[1], u[1])) {
		clash_set(clash, true, t, u);
		return cr_fail(e, CR_FORMAT, "%s: period type %s/%s cannot be merged with %s/%s",
			       b->name ? b->name : "profile", t[1], u[1], t[0], u[0]);
	}
	size_t nt = a->ntypes < b->ntypes ? a->ntypes : b->ntypes;
	for (size_t i = 0; i < nt; i++) {
		t[0] = cr_profile_str(a, a->types[i].type), t[1] = cr_profile_str(b, b->types[i].type);
		u[0] = cr_profile_str(a, a->types[i].unit), u[1] = cr_profile_str(b, b->types[i].unit);
		if (!compatible(t[0], u[0], t[1], u[1])) {
			clash_set(clash, false, t, u);
			return cr_fail(e, CR_FORMAT, "%s: sample type %s/%s cannot be merged with %s/%s",
				       b->name ? b->name : "profile", t[1], u[1], t[0], u[0]);
		}
	}
	double *ra = cr_calloc(nt + 1, sizeof *ra), *rb = cr_calloc(nt + 1, sizeof *rb);
	char *c = NULL;
	bool ok = ra && rb, sa = false, sb = false;
	/* the period type last (index nt); the strings looked up each time,
	 * as interning may move them */
	for (size_t i = 0; ok && i <= nt; i++) {
		const char *ua = cr_profile_str(a, i < nt ? a->types[i].unit : a->period_type.unit);
		const char *ub = cr_profile_str(b, i < nt ? b->types[i].unit : b->period_type.unit);
		const char *cu = common_unit(ua, ub, &ra[i], &rb[i]);
		c = cr_strndup(cu, strlen(cu));
		if (c && i == nt) { /* pprof scales the period itself, not by the ratio */
			const char *x;
			a->period = go_int64(cr_units_scale(a->period, ua, c, &x));
			b->period = go_int64(cr_units_scale(b->period, ub, c, &x));
		}
		ok = c && rename_unit(a, i, c) && rename_unit(b, i, c);
		cr_free(c);
		sa |= i < nt && ra[i] != 1;
		sb |= i < nt && rb[i] != 1;
	}
	if (ok) {
		if (sa)
			scale_values(a, ra);
		if (sb)
			scale_values(b, rb);
	}
	cr_free(ra);
	cr_free(rb);
	return ok ? CR_OK : cr_fail(e, CR_NOMEM, "out of memory merging");
}
