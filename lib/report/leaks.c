/* Goroutine leak candidates across snapshots (coroner/goroutine.h).
 *
 * Each snapshot is grouped with CR_GROUP_MATCH, whose key is the same for
 * one stack whatever the format (proto, debug=1, debug=2, SIGQUIT); groups
 * are matched by key, and a key whose count grew from the first snapshot to
 * the last is a candidate. goleak's default filters (go.uber.org/goleak,
 * options.go: isTestStack, isSyscallStack, isStdLibStack, isTraceStack)
 * are applied out of process, on the same "first function" goleak uses:
 * the innermost frame a default traceback shows (runtime frames hidden).
 */
#include "coroner/goroutine.h"

#include <stdlib.h>
#include <string.h>

void cr_leak_opts_default(struct cr_leak_opts *o)
{
	o->goleak_ignore = true;
	o->min_delta = 1;
}

static bool has_frame(const struct cr_ggroup *g, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < g->nframes; i++)
		if (strncmp(g->frames[i].function, prefix, n) == 0)
			return true;
	return false;
}

/* goleak's first function: the first frame not hidden by a default
 * traceback (runtime.* frames), else the outermost one (runtime.goexit of
 * a cgo callback thread). */
static const char *first_function(const struct cr_ggroup *g)
{
	for (size_t i = 0; i < g->nframes; i++)
		if (*g->frames[i].function && !cr_func_is_runtime(g->frames[i].function))
			return g->frames[i].function;
	return g->nframes ? g->frames[g->nframes - 1].function : "";
}

static bool goleak_ignores(const struct cr_ggroup *g)
{
	const char *first = first_function(g);
	const char *st = g->state; /* NULL: the format has no state (proto, debug=1) */
	static const char *const test_fns[] = { "testing.RunTests", "testing.(*T).Run",
		"testing.(*T).Parallel", "testing.runFuzzing", "testing.runFuzzTests" };
	for (size_t i = 0; i < sizeof test_fns / sizeof *test_fns; i++)
		if (!strcmp(first, test_fns[i]))
			return !st || strncmp(st, "chan receive", 12) == 0;
	if (!strcmp(first, "runtime.goexit") && (!st || strncmp(st, "syscall", 7) == 0))
		return true;
	if (!strcmp(first, "os/signal.signal_recv") || !strcmp(first, "os/signal.loop"))
		return true;
	if (has_frame(g, "runtime.ensureSigM"))
		return true;
	return has_frame(g, "runtime.ReadTrace") || has_frame(g, "runtime/trace.Start.func");
}

/* Waiting states rank above running ones: a leak is parked. */
static bool is_blocked(const char *st)
{
	static const char *const active[] = { "running", "runnable", "syscall", "idle", "dead",
					      "copystack", "preempted" };
	if (!st || !*st)
		return false;
	for (size_t i = 0; i < sizeof active / sizeof *active; i++)
		if (!strncmp(st, active[i], strlen(active[i])))
			return false;
	return true;
}

struct cand {
	int64_t *counts;
	const struct cr_ggroup *last; /* representative: the last snapshot's group */
	bool last_nameless;           /* ... which has nameless frames */
	const struct cr_ggroup *last_state;
	bool has_wait;
	int64_t wmin, wmax;
	const char *cby;
	bool ignored;
};

static int cmp_cand(const void *pa, const void *pb)
{
	const struct cr_leak_candidate *a = pa, *b = pb;
	if (a->delta != b->delta)
		return a->delta > b->delta ? -1 : 1;
	if (a->blocked != b->blocked)
		return a->blocked ? -1 : 1;
	int64_t wa = a->has_wait ? a->wait_max : -1, wb = b->has_wait ? b->wait_max : -1;
	if (wa != wb)
		return wa > wb ? -1 : 1;
	int c = strcmp(a->function, b->function);
	if (c)
		return c;
	size_t n = a->nframes < b->nframes ? a->nframes : b->nframes;
	for (size_t i = 0; i < n; i++)
		if ((c = strcmp(a->frames[i].function, b->frames[i].function)))
			return c;
	return a->nframes < b->nframes ? -1 : a->nframes > b->nframes;
}

static const char *adup(struct cr_arena *a, const char *s)
{
	return s ? cr_arena_strndup(a, s, strlen(s)) : NULL;
}

enum cr_err cr_leaks_compute(struct cr_leaks *l, const struct cr_profile *const *snaps, size_t n,
			     const struct cr_leak_opts *o, struct cr_error *e)
{
	struct cr_leak_opts def;
	enum cr_err rc = CR_NOMEM;
	struct cr_goroutines *gs = NULL;
	struct cand *cs = NULL;
	size_t ncs = 0, cap_cs = 0;
	struct cr_hmap map;
	memset(l, 0, sizeof *l);
	cr_arena_init(&l->arena);
	cr_hmap_init(&map);
	if (!o) {
		cr_leak_opts_default(&def);
		o = &def;
	}
	if (n < 2)
		return cr_fail(e, CR_USAGE, "leaks: need at least two snapshots");
	gs = cr_calloc(n, sizeof *gs);
	l->totals = cr_arena_alloc(&l->arena, n * sizeof *l->totals);
	if (!gs || !l->totals)
		goto out;
	l->nsnap = n;
	for (size_t s = 0; s < n; s++) {
		if ((rc = cr_goroutines_compute(&gs[s], snaps[s], CR_GROUP_MATCH, e)))
			goto out;
		rc = CR_NOMEM;
		l->totals[s] = gs[s].total;
		for (size_t i = 0; i < gs[s].ngroups; i++) {
			const struct cr_ggroup *g = &gs[s].groups[i];
			bool found;
			uint32_t *slot = cr_hmap_put(&map, g->key, strlen(g->key), (uint32_t)ncs, &found);
			if (!slot)
				goto out;
			struct cand *c;
			if (!found) {
				if (cr_grow(&cs, &cap_cs, ncs + 1, sizeof *cs))
					goto out;
				c = &cs[ncs++];
				memset(c, 0, sizeof *c);
				c->counts = cr_arena_alloc(&l->arena, n * sizeof *c->counts);
				if (!c->counts)
					goto out;
				memset(c->counts, 0, n * sizeof *c->counts);
				c->wmin = INT64_MAX;
				c->wmax = INT64_MIN;
			} else {
				c = &cs[*slot];
			}
			int64_t sum;
			c->counts[s] = __builtin_add_overflow(c->counts[s], g->count, &sum) ? INT64_MAX : sum;
			/* frames from the last snapshot that names every frame (a
			 * debug=1 text leaves the leading runtime frames nameless) */
			bool named = true;
			for (size_t k = 0; k < g->nframes && named; k++)
				named = *g->frames[k].function != 0;
			if (named || !c->last || c->last_nameless)
				c->last = g;
			c->last_nameless = !named && c->last == g;
			if (g->state)
				c->last_state = g;
			if (g->has_wait) {
				c->has_wait = true;
				if (g->wait_min < c->wmin)
					c->wmin = g->wait_min;
				if (g->wait_max > c->wmax)
					c->wmax = g->wait_max;
			}
			if (g->created_by)
				c->cby = g->created_by;
			/* runtime-internal goroutines: no frame outside package runtime */
			if (!*g->key || (o->goleak_ignore && goleak_ignores(g)))
				c->ignored = true;
		}
	}
	l->cands = cr_arena_alloc(&l->arena, (ncs ? ncs : 1) * sizeof *l->cands);
	if (!l->cands)
		goto out;
	for (size_t i = 0; i < ncs; i++) {
		struct cand *c = &cs[i];
		if (c->ignored) {
			l->ignored++;
			continue;
		}
		int64_t delta;
		if (__builtin_sub_overflow(c->counts[n - 1], c->counts[0], &delta))
			delta = c->counts[n - 1] > c->counts[0] ? INT64_MAX : INT64_MIN;
		if (delta < o->min_delta || delta <= 0) {
			l->steady++;
			continue;
		}
		struct cr_leak_candidate *lc = &l->cands[l->ncands++];
		memset(lc, 0, sizeof *lc);
		const struct cr_ggroup *g = c->last;
		lc->counts = c->counts;
		lc->delta = delta;
		lc->function = adup(&l->arena, g->function);
		lc->state = c->last_state ? adup(&l->arena, c->last_state->state) : NULL;
		lc->blocked = is_blocked(lc->state);
		lc->has_wait = c->has_wait;
		lc->wait_min = c->has_wait ? c->wmin : 0;
		lc->wait_max = c->has_wait ? c->wmax : 0;
		lc->created_by = adup(&l->arena, c->cby);
		lc->frames = cr_arena_alloc(&l->arena, (g->nframes ? g->nframes : 1) * sizeof *lc->frames);
		if (!lc->function || !lc->frames || (c->cby && !lc->created_by) ||
		    (lc->state == NULL && c->last_state))
			goto out;
		for (size_t f = 0; f < g->nframes; f++) {
			lc->frames[f] = g->frames[f];
			lc->frames[f].function = adup(&l->arena, g->frames[f].function);
			lc->frames[f].file = adup(&l->arena, g->frames[f].file);
			if (!lc->frames[f].function || !lc->frames[f].file)
				goto out;
		}
		lc->nframes = g->nframes;
	}
	qsort(l->cands, l->ncands, sizeof *l->cands, cmp_cand);
	rc = CR_OK;
out:
	if (gs)
		for (size_t s = 0; s < n; s++)
			cr_goroutines_release(&gs[s]);
	cr_free(gs);
	cr_free(cs);
	cr_hmap_release(&map);
	if (rc) {
		cr_leaks_release(l);
		return cr_fail(e, rc, "leaks: out of memory (limit %zu MiB)", cr_limits.max_memory >> 20);
	}
	return CR_OK;
}

void cr_leaks_release(struct cr_leaks *l)
{
	cr_arena_release(&l->arena);
	memset(l, 0, sizeof *l);
}
