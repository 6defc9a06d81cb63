/* pprof's sample filters: -focus/-ignore keep or drop whole samples by
 * whether any location matches; -hide/-show remove matching / non-matching
 * lines (frames) from locations; -show_from cuts stacks above the outermost
 * match. A location matches when any of its lines' function name or file
 * name matches, or its mapping's file does. */
#include "coroner/out.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/text.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

/* a pattern in a message: its first 200 bytes (and "..."), so that what
 * is wrong with it still fits the line */
#define SHOWN(re) (strlen(re) > 200 ? 200 : (int)strlen(re)), (re), (strlen(re) > 200 ? "..." : "")

enum cr_err cr_filter_set(struct cr_filter *f, int which, const char *re, struct cr_error *e)
{
	if (!re)
		return CR_OK;
	if (f->set[which]) {
		regfree(&f->re[which]);
		f->set[which] = false;
	}
	char gomsg[512];
	if (!cr_go_regexp_check(re, gomsg, sizeof gomsg))
		return cr_fail(e, CR_USAGE, "error parsing regexp: %s", gomsg);
	struct cr_buf b = { 0 };
	const char *why = NULL;
	enum cr_err tr = cr_go_regexp_posix(re, &b, &why);
	if (tr) {
		cr_buf_release(&b);
		if (tr == CR_USAGE)
			return cr_fail(e, CR_USAGE, "bad regular expression '%.*s%s': %s", SHOWN(re), why);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	int rc = regcomp(&f->re[which], cr_buf_str(&b), REG_EXTENDED | REG_NOSUB);
	cr_buf_release(&b);
	if (rc) {
		char msg[200];
		regerror(rc, &f->re[which], msg, sizeof msg);
		return cr_fail(e, CR_USAGE, "bad regular expression '%.*s%s': %s", SHOWN(re), msg);
	}
	f->set[which] = true;
	f->text[which] = re;
	return CR_OK;
}

void cr_filter_release(struct cr_filter *f)
{
	for (int i = 0; i < 5; i++)
		if (f->set[i])
			regfree(&f->re[i]);
	memset(f, 0, sizeof *f);
}

bool cr_filter_any(const struct cr_filter *f)
{
	for (int i = 0; i < 5; i++)
		if (f->set[i])
			return true;
	return false;
}

static bool m(const regex_t *re, const char *s) { return regexec(re, s, 0, NULL, 0) == 0; }

static bool line_matches(const struct cr_profile *p, const regex_t *re, const struct cr_line *l)
{
	if (!l->function)
		return false;
	return m(re, cr_line_function_name(p, l)) || m(re, cr_line_file_name(p, l));
}

static bool mapping_matches(const struct cr_profile *p, const regex_t *re, const struct cr_location *l)
{
	return l->mapping && l->mapping <= p->nmappings &&
	       m(re, cr_profile_str(p, p->mappings[l->mapping - 1].filename));
}

static bool loc_matches(const struct cr_profile *p, const regex_t *re, const struct cr_location *l)
{
	for (uint32_t k = 0; k < l->nlines; k++)
		if (line_matches(p, re, &p->lines[l->line_start + k]))
			return true;
	return mapping_matches(p, re, l);
}

/* Keep lines of l for which keep(match) holds (lines without a function
 * always stay, as in pprof). */
static void filter_lines(struct cr_profile *p, const regex_t *re, struct cr_location *l, bool keep_matching)
{
	uint32_t o = 0;
	for (uint32_t k = 0; k < l->nlines; k++) {
		struct cr_line ln = p->lines[l->line_start + k];
		bool keep = !ln.function || (keep_matching == line_matches(p, re, &ln));
		if (keep)
			p->lines[l->line_start + o++] = ln;
	}
	l->nlines = o;
}

enum cr_err cr_profile_filter(struct cr_profile *p, const struct cr_filter *f, struct cr_error *e)
{
	struct cr_filter_matches m;
	return cr_profile_filter_m(p, f, &m, e);
}

enum cr_err cr_profile_filter_m(struct cr_profile *p, const struct cr_filter *f, struct cr_filter_matches *mt,
				struct cr_error *e)
{
	mt->focus = mt->ignore = mt->hide = mt->show = mt->show_from = false;
	if (!cr_filter_any(f))
		return CR_OK;
	size_t nl = p->nlocations;
	/* 0 = neither, 1 = focus, 2 = ignore */
	uint8_t *fi = cr_calloc(nl + 1, 1);
	uint8_t *hidden = cr_calloc(nl + 1, 1);
	uint8_t *from = cr_calloc(nl + 1, 1);
	if (!fi || !hidden || !from) {
		cr_free(fi);
		cr_free(hidden);
		cr_free(from);
		return cr_fail(e, CR_NOMEM, "out of memory filtering");
	}
	bool any_hidden = false;
	for (size_t i = 0; i < nl; i++) {
		struct cr_location *l = &p->locations[i];
		if (f->set[CR_IGNORE] && loc_matches(p, &f->re[CR_IGNORE], l))
			fi[i] = 2, mt->ignore = true;
		else if (!f->set[CR_FOCUS] || loc_matches(p, &f->re[CR_FOCUS], l))
			fi[i] = 1, mt->focus = true;
		if (f->set[CR_HIDE] && loc_matches(p, &f->re[CR_HIDE], l)) {
			mt->hide = true;
			if (mapping_matches(p, &f->re[CR_HIDE], l))
				l->nlines = 0;
			else
				filter_lines(p, &f->re[CR_HIDE], l, false);
			if (l->nlines == 0)
				hidden[i] = 1, any_hidden = true;
		}
		if (f->set[CR_SHOW]) {
			if (!mapping_matches(p, &f->re[CR_SHOW], l))
				filter_lines(p, &f->re[CR_SHOW], l, true);
			if (l->nlines == 0)
				hidden[i] = 1, any_hidden = true;
			else
				mt->show = true;
		}
	}
	if (f->set[CR_SHOW_FROM]) {
		for (size_t i = 0; i < nl; i++) {
			struct cr_location *l = &p->locations[i];
			if (mapping_matches(p, &f->re[CR_SHOW_FROM], l)) {
				from[i] = 1;
				mt->show_from = true;
				continue;
			}
			/* keep lines up to the outermost matching one */
			for (uint32_t k = l->nlines; k-- > 0;)
				if (line_matches(p, &f->re[CR_SHOW_FROM], &p->lines[l->line_start + k])) {
					l->nlines = k + 1;
					from[i] = 1;
					mt->show_from = true;
					break;
				}
		}
	}
	size_t o = 0;
	for (size_t s = 0; s < p->nsamples; s++) {
		struct cr_sample sm = p->samples[s];
		bool focused = false, ignored = false;
		for (uint32_t k = 0; k < sm.nloc; k++) {
			uint8_t v = fi[p->stack[sm.loc_start + k]];
			if (v == 2) {
				ignored = true;
				break;
			}
			if (v == 1)
				focused = true;
		}
		if (!focused || ignored)
			continue;
		/* drop hidden locations, compacting the stack in place */
		uint32_t w = 0;
		for (uint32_t k = 0; k < sm.nloc; k++) {
			uint32_t li = p->stack[sm.loc_start + k];
			if (!hidden[li])
				p->stack[sm.loc_start + w++] = li;
		}
		if (any_hidden && w == 0)
			continue;
		sm.nloc = w;
		if (f->set[CR_SHOW_FROM]) {
			bool hit = false;
			for (uint32_t k = sm.nloc; k-- > 0;)
				if (from[p->stack[sm.loc_start + k]]) {
					sm.nloc = k + 1;
					hit = true;
					break;
				}
			if (!hit)
				continue;
		}
		if (o != s)
			memmove(&p->values[o * p->ntypes], &p->values[s * p->ntypes], p->ntypes * sizeof *p->values);
		p->samples[o++] = sm;
	}
	p->nsamples = o;
	cr_free(fi);
	cr_free(hidden);
	cr_free(from);
	return CR_OK;
}

/* ---- tag filters ---- */

/* One match of pprof's tagFilterRangeRx, ([+-]?[[:digit:]]+)([[:alpha:]]+)?,
 * at or after *pos (leftmost, non-overlapping): [*ms, *me) the whole match,
 * [*ms, *ne) the number, [*ne, *me) the unit. */
static bool range_match(const char *s, size_t n, size_t *pos, size_t *ms, size_t *ne, size_t *me)
{
	for (size_t i = *pos; i < n; i++) {
		size_t j = i;
		if ((s[j] == '+' || s[j] == '-') && j + 1 < n && s[j + 1] >= '0' && s[j + 1] <= '9')
			j++;
		if (!(s[j] >= '0' && s[j] <= '9'))
			continue;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		*ne = j;
		while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
			j++;
		*ms = i;
		*me = *pos = j;
		return true;
	}
	return false;
}

/* strconv.ParseInt of v[b, e) (a leading '+' too); false on overflow */
static bool parse_num(const char *v, size_t b, size_t e, int64_t *out)
{
	size_t i = b + (v[b] == '+');
	return cr_parse_i64(v, e, &i, out) && i == e;
}

/* pprof's parseTagFilterRange. 1: a range; 0: not one (a regex); -1: a
 * number pprof cannot parse (it panics there). */
static int parse_range(struct cr_tagfilter *t, const char *v)
{
	size_t n = strlen(v), pos = 0, ms[2], ne[2], me[2], k = 0;
	while (k < 2 && range_match(v, n, &pos, &ms[k], &ne[k], &me[k]))
		k++;
	if (k == 0)
		return 0;
	char u1[64], u2[64];
	snprintf(u1, sizeof u1, "%.*s", (int)(me[0] - ne[0]), v + ne[0]);
	int64_t x;
	if (!parse_num(v, ms[0], ne[0], &x))
		return -1;
	const char *unit;
	double a = cr_units_scale(x, u1, u1, &unit);
	size_t l0 = me[0] - ms[0];
	if (k == 1) {
		if (n == l0 && ms[0] == 0)
			t->mode = 0;
		else if (n == l0 + 1 && ms[0] == 0 && v[n - 1] == ':')
			t->mode = 1;
		else if (n == l0 + 1 && ms[0] == 1 && v[0] == ':')
			t->mode = 2;
		else
			return 0;
		t->lo = t->hi = a;
		t->unit = unit;
		return 1;
	}
	if (!(ms[0] == 0 && me[0] + 1 == ms[1] && v[me[0]] == ':' && me[1] == n))
		return 0;
	snprintf(u2, sizeof u2, "%.*s", (int)(me[1] - ne[1]), v + ne[1]);
	int64_t y;
	if (!parse_num(v, ms[1], ne[1], &y))
		return -1;
	const char *unit2;
	double b = cr_units_scale(y, u2, unit, &unit2);
	if (strcmp(unit, unit2) != 0)
		return 0;
	t->mode = 3;
	t->lo = a;
	t->hi = b;
	t->unit = unit;
	return 1;
}

enum cr_err cr_tagfilter_set(struct cr_tagfilter *t, const char *name, const char *value, struct cr_buf *note,
			     struct cr_error *e)
{
	memset(t, 0, sizeof *t);
	if (!value || !*value)
		return CR_OK;
	t->text = value;
	const char *eq = strchr(value, '=');
	if (eq) {
		if ((size_t)(eq - value) >= sizeof t->key)
			return cr_fail(e, CR_USAGE, "%s: tag name longer than %zu bytes", name, sizeof t->key - 1);
		memcpy(t->key, value, (size_t)(eq - value));
		value = eq + 1;
	}
	int r = parse_range(t, value);
	if (r < 0)
		return cr_fail(e, CR_USAGE, "%s: a number in '%s' is out of range", name, value);
	if (r > 0) {
		t->numeric = t->set = true;
		if (note)
			cr_buf_addf(note, "%s:Interpreted '%s' as range, not regexp\n", name, value);
		return CR_OK;
	}
	size_t nrx = 1;
	for (const char *c = value; *c; c++)
		nrx += *c == ',';
	if (nrx > 256)
		return cr_fail(e, CR_USAGE, "%s: more than 256 patterns", name);
	t->rx = cr_calloc(nrx, sizeof *t->rx);
	if (!t->rx)
		return cr_fail(e, CR_NOMEM, "out of memory");
	for (const char *b = value;; ) {
		const char *c = strchr(b, ',');
		size_t len = c ? (size_t)(c - b) : strlen(b);
		char *one = cr_malloc(len + 1);
		if (!one) {
			cr_tagfilter_release(t);
			return cr_fail(e, CR_NOMEM, "out of memory");
		}
		memcpy(one, b, len);
		one[len] = 0;
		char gomsg[512];
		if (!cr_go_regexp_check(one, gomsg, sizeof gomsg)) {
			enum cr_err er = cr_fail(e, CR_USAGE, "parsing %s regexp: error parsing regexp: %s", name, gomsg);
			cr_free(one);
			cr_tagfilter_release(t);
			return er;
		}
		struct cr_buf re = { 0 };
		const char *why = NULL;
		enum cr_err tr = cr_go_regexp_posix(one, &re, &why);
		int rc = tr ? 0 : regcomp(&t->rx[t->nrx], cr_buf_str(&re), REG_EXTENDED | REG_NOSUB);
		cr_buf_release(&re);
		if (tr) {
			enum cr_err er = tr == CR_USAGE ? cr_fail(e, CR_USAGE, "parsing %s regexp '%.*s%s': %s", name, SHOWN(one), why)
							: cr_fail(e, CR_NOMEM, "out of memory");
			cr_free(one);
			cr_tagfilter_release(t);
			return er;
		}
		if (rc) {
			char msg[200];
			regerror(rc, &t->rx[t->nrx], msg, sizeof msg);
			regfree(&t->rx[t->nrx]);
			enum cr_err er = cr_fail(e, CR_USAGE, "parsing %s regexp '%.*s%s': %s", name, SHOWN(one), msg);
			cr_free(one);
			cr_tagfilter_release(t);
			return er;
		}
		cr_free(one);
		t->nrx++;
		if (!c)
			break;
		b = c + 1;
	}
	t->set = true;
	return CR_OK;
}

void cr_tagfilter_release(struct cr_tagfilter *t)
{
	for (size_t i = 0; i < t->nrx; i++)
		regfree(&t->rx[i]);
	cr_free(t->rx);
	memset(t, 0, sizeof *t);
}

static bool num_in(const struct cr_tagfilter *t, int64_t v, const char *from)
{
	const char *u;
	double x = cr_units_scale(v, from, t->unit, &u);
	if (strcmp(u, t->unit) != 0)
		return false;
	switch (t->mode) {
	case 0: return x == t->lo;
	case 1: return x >= t->lo;
	case 2: return x <= t->lo;
	default: return x >= t->lo && x <= t->hi;
	}
}

/* The labels pprof keeps: string ones (str != 0) and numeric ones (num or
 * num_unit set); the rest it drops when decoding. */
static bool tag_match(const struct cr_profile *p, const struct cr_sample *s, const struct cr_tagfilter *t,
		      const char *const *units, char *kv, size_t kvsz)
{
	if (s->nlabel == 0)
		return false;
	const struct cr_label *L = p->labels + s->label_start;
	if (t->numeric) {
		for (uint32_t i = 0; i < s->nlabel; i++) {
			if (L[i].str != 0 || (L[i].num == 0 && L[i].num_unit == 0))
				continue;
			if (t->key[0] && strcmp(cr_profile_str(p, L[i].key), t->key) != 0)
				continue;
			if (num_in(t, L[i].num, units[L[i].key]))
				return true;
		}
		return false;
	}
	if (t->key[0]) {
		for (uint32_t i = 0; i < s->nlabel; i++) {
			if (L[i].str == 0 || strcmp(cr_profile_str(p, L[i].key), t->key) != 0)
				continue;
			for (size_t r = 0; r < t->nrx; r++)
				if (regexec(&t->rx[r], cr_profile_str(p, L[i].str), 0, NULL, 0) == 0)
					return true;
		}
		return false;
	}
	/* every pattern must match some "key:value" */
	for (size_t r = 0; r < t->nrx; r++) {
		bool hit = false;
		for (uint32_t i = 0; i < s->nlabel && !hit; i++) {
			if (L[i].str == 0)
				continue;
			snprintf(kv, kvsz, "%s:%s", cr_profile_str(p, L[i].key), cr_profile_str(p, L[i].str));
			hit = regexec(&t->rx[r], kv, 0, NULL, 0) == 0;
		}
		if (!hit)
			return false;
	}
	return true;
}

enum cr_err cr_profile_filter_tags(struct cr_profile *p, const struct cr_tagfilter *focus,
				   const struct cr_tagfilter *ignore, struct cr_filter_matches *m,
				   struct cr_error *e)
{
	bool fm = false, im = false;
	if ((!focus || !focus->set) && (!ignore || !ignore->set)) {
		if (m)
			m->tagfocus = m->tagignore = false;
		return CR_OK;
	}
	/* the unit of each numeric label key, by string id */
	size_t nstr = p->str.n;
	const char **units = cr_calloc(nstr ? nstr : 1, sizeof *units);
	size_t kvsz = 1;
	for (size_t i = 0; i < p->nlabels; i++) {
		const struct cr_label *l = &p->labels[i];
		if (l->key < nstr && !units[l->key])
			units[l->key] = cr_profile_label_unit(p, l->key);
		size_t need = strlen(cr_profile_str(p, l->key)) + strlen(cr_profile_str(p, l->str)) + 2;
		if (need > kvsz)
			kvsz = need;
	}
	char *kv = cr_malloc(kvsz);
	if (!units || !kv) {
		cr_free(units);
		cr_free(kv);
		return cr_fail(e, CR_NOMEM, "out of memory filtering tags");
	}
	size_t o = 0;
	for (size_t s = 0; s < p->nsamples; s++) {
		const struct cr_sample *sm = &p->samples[s];
		bool focused = true, ignored = false;
		if (focus && focus->set)
			focused = tag_match(p, sm, focus, units, kv, kvsz);
		if (ignore && ignore->set)
			ignored = tag_match(p, sm, ignore, units, kv, kvsz);
		fm = fm || focused;
		im = im || ignored;
		if (!focused || ignored)
			continue;
		if (o != s) {
			memmove(&p->values[o * p->ntypes], &p->values[s * p->ntypes], p->ntypes * sizeof *p->values);
			p->samples[o] = *sm;
		}
		o++;
	}
	p->nsamples = o;
	cr_free(units);
	cr_free(kv);
	if (m) {
		m->tagfocus = fm;
		m->tagignore = im;
	}
	return CR_OK;
}
