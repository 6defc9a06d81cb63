/* Goroutines grouped by stack (coroner/goroutine.h). One pass over the
 * samples with a hash map from the group key to the group; arguments, ids,
 * states and wait minutes are not part of any key, except the runtime's
 * "(leaked)" marker: after a goroutine leak detection (go1.26's experiment,
 * go1.27) a debug=2 dump prints "chan receive (leaked)" beside "chan
 * receive" on the same stack, and those are two groups, as the headers
 * count them (CR_GROUP_MATCH, which pairs groups across dumps, keeps them
 * together). */
#include "coroner/goroutine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cr_group_by_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "exact") || !strcmp(s, "stack"))
		return CR_GROUP_EXACT;
	if (!strcmp(s, "function") || !strcmp(s, "functions"))
		return CR_GROUP_FUNCTION;
	if (!strcmp(s, "user"))
		return CR_GROUP_USER;
	return -1;
}

bool cr_func_is_runtime(const char *name)
{
	return strncmp(name, "runtime.", 8) == 0;
}

/* User code: package main, or an import path whose first element has a dot. */
static bool is_user(const char *name)
{
	size_t end = strcspn(name, "["); /* generic instantiations may hold '/' and '.' */
	size_t last = 0;
	for (size_t i = 0; i < end; i++)
		if (name[i] == '/')
			last = i + 1;
	const char *dot = memchr(name + last, '.', end - last);
	if (!dot)
		return false; /* C or assembly symbol */
	size_t pkglen = (size_t)(dot - name);
	if (pkglen == 4 && memcmp(name, "main", 4) == 0)
		return true;
	size_t first = strcspn(name, "/");
	if (first > pkglen)
		first = pkglen;
	return memchr(name, '.', first) != NULL;
}

long cr_user_function(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (*names[i] && is_user(names[i]))
			return (long)i;
	for (size_t i = 0; i < n; i++)
		if (*names[i] && !cr_func_is_runtime(names[i]))
			return (long)i;
	for (size_t i = n; i > 0; i--)
		if (*names[i - 1] && strcmp(names[i - 1], "runtime.goexit") != 0)
			return (long)(i - 1);
	return -1;
}

struct tstate { uint32_t st; int64_t count; };

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

struct tgroup {
	int64_t count;
	size_t sample;        /* first sample */
	long user;            /* index into the first sample's expanded frames */
	struct tstate *states; size_t nstates, cap_states;
	bool has_wait, locked, elided;
	int64_t wmin, wmax, goid;
	uint32_t cby;
	char *key;            /* CR_GROUP_MATCH: names joined by '\n' (arena) */
	int64_t *ids; size_t nids, cap_ids; /* goroutine ids (tracebacks, cores) */
};

/* Expanded frames of sample i (leaf first): names, and where each is. */
struct exp {
	const char **names; size_t n, cap;
	struct xf { uint32_t loc, line; } *at; size_t cap_at;
};

static enum cr_err expand(struct exp *x, const struct cr_profile *p, size_t i)
{
	const struct cr_sample *s = &p->samples[i];
	x->n = 0;
	for (uint32_t k = 0; k < s->nloc; k++) {
		uint32_t li = p->stack[s->loc_start + k];
		if (li >= p->nlocations)
			continue;
		const struct cr_location *l = &p->locations[li];
		uint32_t nl = l->nlines ? l->nlines : 1;
		if (cr_grow(&x->names, &x->cap, x->n + nl, sizeof *x->names) ||
		    cr_grow(&x->at, &x->cap_at, x->n + nl, sizeof *x->at))
			return CR_NOMEM;
		for (uint32_t m = 0; m < nl; m++) {
			x->names[x->n] = l->nlines ? cr_line_function_name(p, &p->lines[l->line_start + m]) : "";
			x->at[x->n].loc = li;
			x->at[x->n].line = l->nlines ? l->line_start + m : UINT32_MAX;
			x->n++;
		}
	}
	return CR_OK;
}

static void exp_release(struct exp *x)
{
	cr_free(x->names);
	cr_free(x->at);
}

static bool has_type(const struct cr_profile *p, const char *type)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(cr_profile_str(p, p->types[i].type), type))
			return true;
	return false;
}

bool cr_profile_is_goroutineleak(const struct cr_profile *p)
{
	return has_type(p, "goroutineleak");
}

bool cr_profile_is_goroutines(const struct cr_profile *p)
{
	return has_type(p, "goroutine") || has_type(p, "goroutineleak");
}

static int sample_index(const struct cr_profile *p)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(cr_profile_str(p, p->types[i].type), "goroutine"))
			return (int)i;
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(cr_profile_str(p, p->types[i].unit), "count"))
			return (int)i;
	return p->ntypes ? 0 : -1;
}

static bool is_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A go-statement wrapper shown by level-2 tracebacks: NAME.gowrapN, or
 * CREATOR.funcN at the go statement's own line, just inside runtime.goexit. */
static bool is_wrapper(const struct cr_profile *p, const struct exp *x, size_t k,
		       const char *cby, const char *cat)
{
	const char *nm = x->names[k];
	const char *gw = strstr(nm, ".gowrap");
	if (gw && is_digits(gw + 7))
		return true;
	if (k + 1 >= x->n || strcmp(x->names[k + 1], "runtime.goexit") != 0 || !cby || !cat)
		return false;
	size_t cl = strlen(cby);
	if (strncmp(nm, cby, cl) != 0 || strncmp(nm + cl, ".func", 5) != 0 || !is_digits(nm + cl + 5))
		return false;
	if (x->at[k].line == UINT32_MAX)
		return false;
	const struct cr_line *ln = &p->lines[x->at[k].line];
	char at[4200];
	snprintf(at, sizeof at, "%s:%lld", cr_line_file_name(p, ln), (long long)ln->line);
	return strcmp(at, cat) == 0;
}

/* A state the runtime marked leaked (goroutine leak detection): "chan
 * receive (leaked)", "... (leaked) (scan)", or "leaked" without a wait
 * reason. */
static bool is_leaked(const char *st)
{
	return strstr(st, " (leaked)") || !strcmp(st, "leaked");
}

static enum cr_err group_key(struct cr_buf *k, const struct cr_profile *p, size_t i,
			     const struct exp *x, enum cr_group_by by, long user, uint32_t cby,
			     const char *cbys, const char *cat, bool leaked)
{
	const struct cr_sample *s = &p->samples[i];
	k->len = 0;
	if ((int)by != CR_GROUP_MATCH && cr_buf_add(k, leaked ? "L" : "-", 1))
		return CR_NOMEM;
	switch ((int)by) {
	case CR_GROUP_EXACT:
		if ((s->nloc && cr_buf_add(k, &p->stack[s->loc_start], s->nloc * sizeof *p->stack)) ||
		    cr_buf_add(k, &cby, sizeof cby))
			return CR_NOMEM;
		return CR_OK;
	case CR_GROUP_FUNCTION:
		for (size_t f = 0; f < x->n; f++)
			if (cr_buf_add(k, x->names[f], strlen(x->names[f]) + 1))
				return CR_NOMEM;
		return cr_buf_add(k, cbys ? cbys : "", strlen(cbys ? cbys : "") + 1);
	case CR_GROUP_USER:
		if (user >= 0) {
			const struct cr_line *ln = x->at[user].line != UINT32_MAX ? &p->lines[x->at[user].line] : NULL;
			int64_t l = ln ? ln->line : 0;
			if (cr_buf_add(k, x->names[user], strlen(x->names[user]) + 1) ||
			    cr_buf_add(k, &l, sizeof l))
				return CR_NOMEM;
		}
		return CR_OK;
	default: { /* CR_GROUP_MATCH */
		size_t kept = 0;
		for (size_t f = 0; f < x->n && kept < CR_MATCH_FRAMES; f++) {
			const char *nm = x->names[f];
			if (!*nm || cr_func_is_runtime(nm) || is_wrapper(p, x, f, cbys, cat))
				continue;
			if ((k->len && cr_buf_add(k, "\n", 1)) || cr_buf_add(k, nm, strlen(nm)))
				return CR_NOMEM;
			kept++;
		}
		return CR_OK;
	}
	}
}

static const char *adup(struct cr_arena *a, const char *s)
{
	return cr_arena_strndup(a, s, strlen(s));
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct cr_ggroup *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	int c = strcmp(a->function, b->function);
	if (c)
		return c;
	if (a->first_goid != b->first_goid)
		return a->first_goid < b->first_goid ? -1 : 1;
	return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

static int cmp_state(const void *pa, const void *pb)
{
	const struct cr_gstate *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->state, b->state);
}

/* The labels of one goroutine sample that grouping reads. */
struct glabels {
	uint32_t st, cby;  /* string ids of state, created_by; 0 none */
	const char *cat;   /* created_at; NULL none */
	bool has_wait, locked, elided;
	int64_t wait, goid; /* goid -1 unknown */
};

static void read_labels(const struct cr_profile *p, const struct cr_sample *s, struct glabels *lb)
{
	memset(lb, 0, sizeof *lb);
	lb->goid = -1;
	for (uint32_t k = 0; k < s->nlabel; k++) {
		const struct cr_label *l = &p->labels[s->label_start + k];
		const char *kn = cr_profile_str(p, l->key);
		if (l->str) {
			if (!strcmp(kn, "state"))
				lb->st = l->str;
			else if (!strcmp(kn, "created_by"))
				lb->cby = l->str;
			else if (!strcmp(kn, "created_at"))
				lb->cat = cr_profile_str(p, l->str);
			else if (!strcmp(kn, "locked_to_thread"))
				lb->locked = true;
		} else {
			if (!strcmp(kn, "wait")) {
				lb->has_wait = true;
				lb->wait = l->num;
			} else if (!strcmp(kn, "goid")) {
				lb->goid = l->num;
			} else if (!strcmp(kn, "frames_elided")) {
				lb->elided = true;
			}
		}
	}
}

/* Count v goroutines in state st (a string id) of group t. */
static enum cr_err add_state(struct tgroup *t, uint32_t st, int64_t v)
{
	size_t k = 0;
	while (k < t->nstates && t->states[k].st != st)
		k++;
	if (k == t->nstates) {
		if (cr_grow(&t->states, &t->cap_states, k + 1, sizeof *t->states))
			return CR_NOMEM;
		t->states[t->nstates++] = (struct tstate){ st, 0 };
	}
	t->states[k].count = cr_sat_add(t->states[k].count, v);
	return CR_OK;
}

/* Sample i of p counted into its group of tg (a new one when its key is
 * new), g's totals and flags updated. CR_NOMEM on failure. */
static enum cr_err tally_sample(struct cr_goroutines *g, const struct cr_profile *p, size_t i, int si,
				enum cr_group_by by, struct cr_hmap *map, struct cr_buf *key, struct exp *x,
				struct tgroup **tg, size_t *ntg, size_t *cap_tg)
{
	int64_t v = cr_sample_values(p, i)[si];
	struct glabels lb;
	read_labels(p, &p->samples[i], &lb);
	uint32_t st = lb.st, cby = lb.cby;
	bool has_wait = lb.has_wait;
	int64_t goid = lb.goid;
	if (st)
		g->has_state = true;
	/* the traceback format always records waits: none = under a minute */
	if (st && p->source == CR_SRC_TRACEBACK)
		has_wait = true;
	if (has_wait)
		g->has_wait = true;
	if (expand(x, p, i))
		return CR_NOMEM;
	long user = (by == CR_GROUP_USER) ? cr_user_function(x->names, x->n) : -2;
	const char *cbys = cby ? cr_profile_str(p, cby) : NULL;
	if (group_key(key, p, i, x, by, user, cby, cbys, lb.cat, st && is_leaked(cr_profile_str(p, st))))
		return CR_NOMEM;
	bool found;
	uint32_t *slot = cr_hmap_put(map, key->data ? key->data : "", key->len, (uint32_t)*ntg, &found);
	if (!slot)
		return CR_NOMEM;
	struct tgroup *t;
	if (!found) {
		if (cr_grow(tg, cap_tg, *ntg + 1, sizeof **tg))
			return CR_NOMEM;
		t = &(*tg)[(*ntg)++];
		memset(t, 0, sizeof *t);
		t->sample = i;
		t->user = user >= -1 ? user : cr_user_function(x->names, x->n);
		t->goid = goid;
		t->wmin = INT64_MAX;
		t->wmax = INT64_MIN;
		if ((int)by == CR_GROUP_MATCH) {
			t->key = cr_arena_strndup(&g->arena, key->data ? key->data : "", key->len);
			if (!t->key)
				return CR_NOMEM;
		}
	} else {
		t = &(*tg)[*slot];
	}
	t->count = cr_sat_add(t->count, v);
	g->counted = cr_sat_add(g->counted, v);
	if (goid >= 0 && (t->goid < 0 || goid < t->goid))
		t->goid = goid;
	if (goid >= 0) {
		if (cr_grow(&t->ids, &t->cap_ids, t->nids + 1, sizeof *t->ids))
			return CR_NOMEM;
		t->ids[t->nids++] = goid;
	}
	if (has_wait) {
		t->has_wait = true;
		if (lb.wait < t->wmin)
			t->wmin = lb.wait;
		if (lb.wait > t->wmax)
			t->wmax = lb.wait;
	}
	if (!t->cby)
		t->cby = cby;
	t->locked |= lb.locked;
	t->elided |= lb.elided;
	if (st && add_state(t, st, v))
		return CR_NOMEM;
	return CR_OK;
}

/* The group o that t counted, its strings and frames in g's arena. */
static enum cr_err make_group(struct cr_goroutines *g, const struct cr_profile *p, const struct tgroup *t,
			      struct exp *x, struct cr_ggroup *o)
{
	memset(o, 0, sizeof *o);
	o->count = t->count;
	o->has_wait = t->has_wait;
	o->wait_min = t->has_wait ? t->wmin : 0;
	o->wait_max = t->has_wait ? t->wmax : 0;
	o->locked = t->locked;
	o->elided = t->elided;
	o->first_goid = t->goid;
	o->key = t->key;
	if (t->nids) {
		o->ids = cr_arena_alloc(&g->arena, t->nids * sizeof *o->ids);
		if (!o->ids)
			return CR_NOMEM;
		memcpy(o->ids, t->ids, t->nids * sizeof *o->ids);
		qsort(o->ids, t->nids, sizeof *o->ids, cmp_id);
		o->nids = t->nids;
	}
	o->created_by = t->cby ? adup(&g->arena, cr_profile_str(p, t->cby)) : NULL;
	if (t->nstates) {
		o->states = cr_arena_alloc(&g->arena, t->nstates * sizeof *o->states);
		if (!o->states)
			return CR_NOMEM;
		for (size_t k = 0; k < t->nstates; k++) {
			o->states[k].state = adup(&g->arena, cr_profile_str(p, t->states[k].st));
			o->states[k].count = t->states[k].count;
			if (!o->states[k].state)
				return CR_NOMEM;
		}
		o->nstates = t->nstates;
		qsort(o->states, o->nstates, sizeof *o->states, cmp_state);
		o->state = o->states[0].state;
	}
	if (expand(x, p, t->sample))
		return CR_NOMEM;
	o->function = t->user >= 0 && (size_t)t->user < x->n ? adup(&g->arena, x->names[t->user])
							     : adup(&g->arena, "");
	o->frames = cr_arena_alloc(&g->arena, (x->n ? x->n : 1) * sizeof *o->frames);
	if (!o->function || !o->frames)
		return CR_NOMEM;
	for (size_t f = 0; f < x->n; f++) {
		struct cr_frame *fr = &o->frames[f];
		const struct cr_location *l = &p->locations[x->at[f].loc];
		const struct cr_line *ln = x->at[f].line != UINT32_MAX ? &p->lines[x->at[f].line] : NULL;
		*fr = (struct cr_frame){
			.function = adup(&g->arena, x->names[f]),
			.file = adup(&g->arena, ln ? cr_line_file_name(p, ln) : ""),
			.module = "",
			.line = ln ? ln->line : 0,
			.inlined = ln && x->at[f].line + 1 < l->line_start + l->nlines,
			.pc = l->address,
		};
		if (!fr->function || !fr->file)
			return CR_NOMEM;
	}
	o->nframes = x->n;
	return CR_OK;
}

enum cr_err cr_goroutines_compute(struct cr_goroutines *g, const struct cr_profile *p,
				  enum cr_group_by by, struct cr_error *e)
{
	enum cr_err rc = CR_NOMEM;
	struct cr_hmap map;
	struct cr_buf key = { 0 };
	struct exp x = { 0 };
	struct tgroup *tg = NULL;
	size_t ntg = 0, cap_tg = 0;
	memset(g, 0, sizeof *g);
	cr_arena_init(&g->arena);
	cr_hmap_init(&map);
	int si = sample_index(p);
	for (size_t i = 0; i < p->nsamples && si >= 0; i++)
		if (tally_sample(g, p, i, si, by, &map, &key, &x, &tg, &ntg, &cap_tg))
			goto out;
	int64_t tot;
	g->total = cr_profile_extra(p, "goroutine_total", &tot) ? tot : g->counted;
	g->groups = cr_arena_alloc(&g->arena, (ntg ? ntg : 1) * sizeof *g->groups);
	if (!g->groups)
		goto out;
	for (size_t i = 0; i < ntg; i++)
		if (make_group(g, p, &tg[i], &x, &g->groups[i]))
			goto out;
	g->ngroups = ntg;
	qsort(g->groups, g->ngroups, sizeof *g->groups, cmp_group);
	rc = CR_OK;
out:
	for (size_t i = 0; i < ntg; i++) {
		cr_free(tg[i].states);
		cr_free(tg[i].ids);
	}
	cr_free(tg);
	exp_release(&x);
	cr_buf_release(&key);
	cr_hmap_release(&map);
	if (rc) {
		cr_goroutines_release(g);
		return cr_fail(e, rc, "%s: goroutines: out of memory (limit %zu MiB)",
			       p->name ? p->name : "profile", cr_limits.max_memory >> 20);
	}
	return CR_OK;
}

void cr_goroutines_release(struct cr_goroutines *g)
{
	cr_arena_release(&g->arena);
	memset(g, 0, sizeof *g);
}
