/* runtime/metrics figures onto MemStats' field names.
 *
 * Three forms: the Prometheus text exposition of a Go service's /metrics
 * (prometheus/client_golang's Go collector: the go_memstats_* names, and
 * the names it derives from runtime/metrics: "/gc/heap/allocs:bytes" ->
 * go_gc_heap_allocs_bytes_total), "NAME: VALUE" lines of runtime/metrics
 * names (a program printing metrics.Read of metrics.All()), and a JSON
 * object of name -> value. The mapping (docs/coroner-mem.md) is the
 * runtime's own: ReadMemStats and runtime/metrics read the same counters,
 * e.g. HeapInuse = heap/objects + heap/unused. A name this table does not
 * know is counted and named in one warning line (a newer release's). */
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/text.h"

#include <string.h>

/* The runtime/metrics values read (indexes of vals[]). */
enum rm {
	RM_OBJ, RM_UNUSED, RM_FREE, RM_RELEASED, RM_STACKS, RM_OS_STACKS, RM_MSPAN_IN, RM_MSPAN_FREE,
	RM_MCACHE_IN, RM_MCACHE_FREE, RM_META_OTHER, RM_OTHER, RM_BUCKETS, RM_TOTAL, RM_GOAL,
	RM_CYCLES, RM_FORCED, RM_HEAP_OBJECTS, RM_ALLOC_BYTES, RM_ALLOC_OBJS, RM_FREE_OBJS, RM_TINY,
	RM_GOROUTINES, RM_GOMAXPROCS, RM_GOGC, RM_GOMEMLIMIT, RM_LIVE, RM_G_WAITING,
	RM_N,
	RM_KNOWN = -1, /* a name of the runtime's that maps onto no MemStats field */
};

struct rmname {
	const char *name; /* runtime/metrics name */
	int slot;         /* enum rm, or RM_KNOWN */
};

/* Every runtime/metrics name of Go 1.19 to 1.27 (metrics.All()), except
 * the families below; a name missing here is "not understood". */
static const struct rmname rmnames[] = {
	{ "/memory/classes/heap/objects:bytes", RM_OBJ },
	{ "/memory/classes/heap/unused:bytes", RM_UNUSED },
	{ "/memory/classes/heap/free:bytes", RM_FREE },
	{ "/memory/classes/heap/released:bytes", RM_RELEASED },
	{ "/memory/classes/heap/stacks:bytes", RM_STACKS },
	{ "/memory/classes/os-stacks:bytes", RM_OS_STACKS },
	{ "/memory/classes/metadata/mspan/inuse:bytes", RM_MSPAN_IN },
	{ "/memory/classes/metadata/mspan/free:bytes", RM_MSPAN_FREE },
	{ "/memory/classes/metadata/mcache/inuse:bytes", RM_MCACHE_IN },
	{ "/memory/classes/metadata/mcache/free:bytes", RM_MCACHE_FREE },
	{ "/memory/classes/metadata/other:bytes", RM_META_OTHER },
	{ "/memory/classes/other:bytes", RM_OTHER },
	{ "/memory/classes/profiling/buckets:bytes", RM_BUCKETS },
	{ "/memory/classes/total:bytes", RM_TOTAL },
	{ "/gc/heap/goal:bytes", RM_GOAL },
	{ "/gc/cycles/total:gc-cycles", RM_CYCLES },
	{ "/gc/cycles/forced:gc-cycles", RM_FORCED },
	{ "/gc/heap/objects:objects", RM_HEAP_OBJECTS },
	{ "/gc/heap/allocs:bytes", RM_ALLOC_BYTES },
	{ "/gc/heap/allocs:objects", RM_ALLOC_OBJS },
	{ "/gc/heap/frees:objects", RM_FREE_OBJS },
	{ "/gc/heap/tiny/allocs:objects", RM_TINY },
	{ "/sched/goroutines:goroutines", RM_GOROUTINES },
	{ "/sched/gomaxprocs:threads", RM_GOMAXPROCS },
	{ "/gc/gogc:percent", RM_GOGC },
	{ "/gc/gomemlimit:bytes", RM_GOMEMLIMIT },
	{ "/gc/heap/live:bytes", RM_LIVE },
	{ "/sched/goroutines/waiting:goroutines", RM_G_WAITING },
	{ "/cgo/go-to-c-calls:calls", RM_KNOWN },
	{ "/gc/cycles/automatic:gc-cycles", RM_KNOWN },
	{ "/gc/heap/frees:bytes", RM_KNOWN },
	{ "/gc/heap/allocs-by-size:bytes", RM_KNOWN },
	{ "/gc/heap/frees-by-size:bytes", RM_KNOWN },
	{ "/gc/limiter/last-enabled:gc-cycle", RM_KNOWN },
	{ "/gc/pauses:seconds", RM_KNOWN },
	{ "/gc/stack/starting-size:bytes", RM_KNOWN },
	{ "/gc/scan/globals:bytes", RM_KNOWN },
	{ "/gc/scan/heap:bytes", RM_KNOWN },
	{ "/gc/scan/stack:bytes", RM_KNOWN },
	{ "/gc/scan/total:bytes", RM_KNOWN },
	{ "/gc/cleanups/executed:cleanups", RM_KNOWN },
	{ "/gc/cleanups/queued:cleanups", RM_KNOWN },
	{ "/gc/finalizers/executed:finalizers", RM_KNOWN },
	{ "/gc/finalizers/queued:finalizers", RM_KNOWN },
	{ "/sched/goroutines-created:goroutines", RM_KNOWN },
	{ "/sched/goroutines/not-in-go:goroutines", RM_KNOWN },
	{ "/sched/goroutines/runnable:goroutines", RM_KNOWN },
	{ "/sched/goroutines/running:goroutines", RM_KNOWN },
	{ "/sched/latencies:seconds", RM_KNOWN },
	{ "/sched/pauses/stopping/gc:seconds", RM_KNOWN },
	{ "/sched/pauses/stopping/other:seconds", RM_KNOWN },
	{ "/sched/pauses/total/gc:seconds", RM_KNOWN },
	{ "/sched/pauses/total/other:seconds", RM_KNOWN },
	{ "/sched/threads/total:threads", RM_KNOWN },
	{ "/sync/mutex/wait/total:seconds", RM_KNOWN },
};
/* whole families: the CPU classes and the GODEBUG counters */
static const char *const rmfamilies[] = { "/cpu/classes/", "/godebug/non-default-behavior/" };

/* client_golang's go_memstats_* and process-wide names: MemStats' field
 * (or ours) as they are. scale: the value is in 10^-scale units of it
 * (seconds -> ns: 9). */
struct promname {
	const char *name, *field;
	enum cr_memunit unit;
	int scale;
};
static const struct promname promnames[] = {
	{ "go_memstats_alloc_bytes", "Alloc", CR_MU_BYTES, 0 },
	{ "go_memstats_alloc_bytes_total", "TotalAlloc", CR_MU_BYTES, 0 },
	{ "go_memstats_sys_bytes", "Sys", CR_MU_BYTES, 0 },
	{ "go_memstats_lookups_total", "Lookups", CR_MU_COUNT, 0 },
	{ "go_memstats_mallocs_total", "Mallocs", CR_MU_COUNT, 0 },
	{ "go_memstats_frees_total", "Frees", CR_MU_COUNT, 0 },
	{ "go_memstats_heap_alloc_bytes", "HeapAlloc", CR_MU_BYTES, 0 },
	{ "go_memstats_heap_sys_bytes", "HeapSys", CR_MU_BYTES, 0 },
	{ "go_memstats_heap_idle_bytes", "HeapIdle", CR_MU_BYTES, 0 },
	{ "go_memstats_heap_inuse_bytes", "HeapInuse", CR_MU_BYTES, 0 },
	{ "go_memstats_heap_released_bytes", "HeapReleased", CR_MU_BYTES, 0 },
	{ "go_memstats_heap_objects", "HeapObjects", CR_MU_COUNT, 0 },
	{ "go_memstats_stack_inuse_bytes", "StackInuse", CR_MU_BYTES, 0 },
	{ "go_memstats_stack_sys_bytes", "StackSys", CR_MU_BYTES, 0 },
	{ "go_memstats_mspan_inuse_bytes", "MSpanInuse", CR_MU_BYTES, 0 },
	{ "go_memstats_mspan_sys_bytes", "MSpanSys", CR_MU_BYTES, 0 },
	{ "go_memstats_mcache_inuse_bytes", "MCacheInuse", CR_MU_BYTES, 0 },
	{ "go_memstats_mcache_sys_bytes", "MCacheSys", CR_MU_BYTES, 0 },
	{ "go_memstats_buck_hash_sys_bytes", "BuckHashSys", CR_MU_BYTES, 0 },
	{ "go_memstats_gc_sys_bytes", "GCSys", CR_MU_BYTES, 0 },
	{ "go_memstats_other_sys_bytes", "OtherSys", CR_MU_BYTES, 0 },
	{ "go_memstats_next_gc_bytes", "NextGC", CR_MU_BYTES, 0 },
	{ "go_memstats_last_gc_time_seconds", "LastGC", CR_MU_COUNT, 9 },
	{ "go_memstats_gc_cpu_fraction", "GCCPUFraction_ppm", CR_MU_COUNT, 6 },
	{ "go_gc_duration_seconds_count", "NumGC", CR_MU_COUNT, 0 },
	{ "go_goroutines", "Goroutines", CR_MU_COUNT, 0 },
	{ "go_threads", "Threads", CR_MU_COUNT, 0 },
};
/* client_golang's other Go collector names that map onto nothing */
static const char *const promknown[] = { "go_info", "go_gc_duration_seconds", "go_gc_duration_seconds_sum" };

#define NVALS RM_N

struct rmread {
	struct cr_memsnap *s;
	int64_t vals[NVALS];
	bool have[NVALS];
	size_t used, unknown;   /* names read onto a field; names not understood */
	char unknown_names[200];
	struct cr_hmap seen;    /* not-understood names said once */
	const char *form;
};

/* A decimal number as Go and client_golang print them ("123", "0.25",
 * "1.2345e+06", "-1", "NaN", "+Inf") times 10^scale, truncated toward zero,
 * exact for every integer up to 2^63; one beyond saturates (client_golang
 * prints math.MaxInt64, "no limit", as 9.223372036854776e+18). false for
 * NaN, infinities and anything else. */
static bool dec_value(const char *s, size_t n, int scale, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	uint64_t m = 0;
	int exp = scale, digits = 0;
	bool dot = false, any = false;
	for (; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		any = true;
		if (m == 0 && s[i] == '0') {
			if (dot)
				exp--;
			continue;
		}
		if (digits < 19) {
			m = m * 10 + (uint64_t)(s[i] - '0');
			digits++;
			if (dot)
				exp--;
		} else if (!dot) {
			exp++; /* a digit beyond 19 significant ones: dropped */
		}
	}
	if (!any)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		int ev = 0;
		size_t d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (ev < 1000)
				ev = ev * 10 + (s[i] - '0');
			i++;
		}
		if (i == d)
			return false;
		exp += eneg ? -ev : ev;
	}
	if (i != n)
		return false;
	while (exp < 0 && m) {
		m /= 10;
		exp++;
	}
	bool sat = false;
	while (exp > 0 && m && !sat) {
		if (m > UINT64_MAX / 10)
			sat = true;
		else
			m *= 10;
		exp--;
	}
	if (sat || m > (uint64_t)INT64_MAX)
		m = (uint64_t)INT64_MAX;
	*out = neg ? -(int64_t)m : (int64_t)m;
	return true;
}

/* A name not understood: counted, the first few kept for the warning. */
static enum cr_err unknown_name(struct rmread *r, const char *name, size_t n)
{
	bool found;
	if (n > 128)
		n = 128;
	if (!cr_hmap_put(&r->seen, name, n, 0, &found))
		return CR_NOMEM;
	if (found)
		return CR_OK;
	size_t have = strlen(r->unknown_names);
	if (r->unknown < 4 && have + n + 3 < sizeof r->unknown_names) {
		if (have)
			memcpy(r->unknown_names + have, ", ", 2), have += 2;
		for (size_t k = 0; k < n; k++) /* shown escaped by the caller; keep it printable */
			r->unknown_names[have + k] = (name[k] >= 0x20 && name[k] < 0x7f) ? name[k] : '?';
		r->unknown_names[have + n] = 0;
	}
	r->unknown++;
	return CR_OK;
}

/* runtime/metrics name -> slot (RM_KNOWN for a known one), or -2 */
static int rm_slot(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof rmnames / sizeof *rmnames; i++)
		if (strlen(rmnames[i].name) == n && memcmp(rmnames[i].name, name, n) == 0)
			return rmnames[i].slot;
	for (size_t i = 0; i < sizeof rmfamilies / sizeof *rmfamilies; i++)
		if (cr_starts(name, n, rmfamilies[i]))
			return RM_KNOWN;
	return -2;
}

/* The Prometheus name client_golang gives a runtime/metrics name, without
 * the "_total" of a counter: "go_" + the name with '/', ':', '-' as '_'. */
static size_t rm_prom(const char *rm, char *buf, size_t cap)
{
	size_t o = snprintf(buf, cap, "go_");
	for (size_t i = 1; rm[i] && o + 1 < cap; i++)
		buf[o++] = (rm[i] == '/' || rm[i] == ':' || rm[i] == '-' || rm[i] == '.') ? '_' : rm[i];
	buf[o] = 0;
	return o;
}

static int prom_rm_slot(const char *name, size_t n)
{
	char buf[128];
	if (n > 6 && memcmp(name + n - 6, "_total", 6) == 0)
		n -= 6;
	for (size_t i = 0; i < sizeof rmnames / sizeof *rmnames; i++) {
		size_t k = rm_prom(rmnames[i].name, buf, sizeof buf);
		if (k == n && memcmp(buf, name, n) == 0)
			return rmnames[i].slot;
		/* a histogram's series */
		if (n > k && memcmp(buf, name, k) == 0 &&
		    ((n - k == 7 && !memcmp(name + k, "_bucket", 7)) || (n - k == 4 && !memcmp(name + k, "_sum", 4)) ||
		     (n - k == 6 && !memcmp(name + k, "_count", 6))))
			return RM_KNOWN;
	}
	for (size_t i = 0; i < sizeof rmfamilies / sizeof *rmfamilies; i++) {
		size_t k = rm_prom(rmfamilies[i], buf, sizeof buf);
		if (n >= k && memcmp(buf, name, k) == 0)
			return RM_KNOWN;
	}
	return -2;
}

/* One runtime/metrics name and its value text. */
static enum cr_err take_rm(struct rmread *r, const char *name, size_t n, const char *v, size_t vn)
{
	int slot = rm_slot(name, n);
	if (slot == -2)
		return unknown_name(r, name, n);
	int64_t x;
	if (slot >= 0 && dec_value(v, vn, 0, &x)) {
		r->vals[slot] = x;
		r->have[slot] = true;
		r->used++;
	}
	return CR_OK;
}

static enum cr_err set(struct rmread *r, const char *k, int64_t v, enum cr_memunit u)
{
	if (cr_memsnap_field(r->s, k))
		return CR_OK; /* a go_memstats_* name gave it */
	return cr_memsnap_set(r->s, k, v, u);
}

/* MemStats' fields from the runtime/metrics values, as ReadMemStats
 * computes them from the same counters. */
static enum cr_err derive(struct rmread *r)
{
	const int64_t *v = r->vals;
	const bool *h = r->have;
	enum cr_err rc = CR_OK;
#define SUM(a, b) cr_sat_add(v[a], v[b])
#define SET(k, cond, val, u) \
	do { if (!rc && (cond)) rc = set(r, k, val, u); } while (0)
	SET("HeapAlloc", h[RM_OBJ], v[RM_OBJ], CR_MU_BYTES);
	SET("Alloc", h[RM_OBJ], v[RM_OBJ], CR_MU_BYTES);
	SET("HeapInuse", h[RM_OBJ] && h[RM_UNUSED], SUM(RM_OBJ, RM_UNUSED), CR_MU_BYTES);
	SET("HeapReleased", h[RM_RELEASED], v[RM_RELEASED], CR_MU_BYTES);
	SET("HeapIdle", h[RM_RELEASED] && h[RM_FREE], SUM(RM_RELEASED, RM_FREE), CR_MU_BYTES);
	SET("HeapSys", h[RM_OBJ] && h[RM_UNUSED] && h[RM_RELEASED] && h[RM_FREE],
	    cr_sat_add(SUM(RM_OBJ, RM_UNUSED), SUM(RM_RELEASED, RM_FREE)), CR_MU_BYTES);
	SET("HeapObjects", h[RM_HEAP_OBJECTS], v[RM_HEAP_OBJECTS], CR_MU_COUNT);
	SET("StackInuse", h[RM_STACKS], v[RM_STACKS], CR_MU_BYTES);
	SET("StackSys", h[RM_STACKS] && h[RM_OS_STACKS], SUM(RM_STACKS, RM_OS_STACKS), CR_MU_BYTES);
	SET("MSpanInuse", h[RM_MSPAN_IN], v[RM_MSPAN_IN], CR_MU_BYTES);
	SET("MSpanSys", h[RM_MSPAN_IN] && h[RM_MSPAN_FREE], SUM(RM_MSPAN_IN, RM_MSPAN_FREE), CR_MU_BYTES);
	SET("MCacheInuse", h[RM_MCACHE_IN], v[RM_MCACHE_IN], CR_MU_BYTES);
	SET("MCacheSys", h[RM_MCACHE_IN] && h[RM_MCACHE_FREE], SUM(RM_MCACHE_IN, RM_MCACHE_FREE), CR_MU_BYTES);
	SET("BuckHashSys", h[RM_BUCKETS], v[RM_BUCKETS], CR_MU_BYTES);
	SET("GCSys", h[RM_META_OTHER], v[RM_META_OTHER], CR_MU_BYTES);
	SET("OtherSys", h[RM_OTHER], v[RM_OTHER], CR_MU_BYTES);
	SET("Sys", h[RM_TOTAL], v[RM_TOTAL], CR_MU_BYTES);
	SET("NextGC", h[RM_GOAL], v[RM_GOAL], CR_MU_BYTES);
	SET("NumGC", h[RM_CYCLES], v[RM_CYCLES], CR_MU_COUNT);
	SET("NumForcedGC", h[RM_FORCED], v[RM_FORCED], CR_MU_COUNT);
	SET("TotalAlloc", h[RM_ALLOC_BYTES], v[RM_ALLOC_BYTES], CR_MU_BYTES);
	/* MemStats counts each tiny block's objects in Mallocs and Frees both */
	SET("Mallocs", h[RM_ALLOC_OBJS] && h[RM_TINY], SUM(RM_ALLOC_OBJS, RM_TINY), CR_MU_COUNT);
	SET("Frees", h[RM_FREE_OBJS] && h[RM_TINY], SUM(RM_FREE_OBJS, RM_TINY), CR_MU_COUNT);
	SET("HeapLive", h[RM_LIVE], v[RM_LIVE], CR_MU_BYTES);
	SET("GOMAXPROCS", h[RM_GOMAXPROCS], v[RM_GOMAXPROCS], CR_MU_COUNT);
	SET("GOGC", h[RM_GOGC], v[RM_GOGC], CR_MU_COUNT);
	SET("GOMEMLIMIT", h[RM_GOMEMLIMIT], v[RM_GOMEMLIMIT], CR_MU_BYTES);
	/* Go 1.26 (which added the per-state counts) counts the runtime's own
	 * goroutines in /sched/goroutines too; NumGoroutine does not */
	SET("Goroutines", h[RM_GOROUTINES] && !h[RM_G_WAITING], v[RM_GOROUTINES], CR_MU_COUNT);
	SET("GoroutinesAll", h[RM_GOROUTINES] && h[RM_G_WAITING], v[RM_GOROUTINES], CR_MU_COUNT);
#undef SET
#undef SUM
	return rc;
}

/* ---- the three forms ---- */

/* The next line of data that is neither blank nor a '#' comment, trimmed
 * on the left: true; false at the end (*rc CR_OK) or past --max-line
 * (*rc CR_LIMIT, e set). */
static bool next_line(struct rmread *r, struct cr_lines *it, const char *what, const char **l, size_t *n,
		      enum cr_err *rc, struct cr_error *e)
{
	bool cut;
	*rc = CR_OK;
	while (cr_lines_next(it, l, n, cr_limits.max_line, &cut)) {
		if (cut) {
			*rc = cr_fail(e, CR_LIMIT, "%s: %s: line %zu: longer than %zu bytes (--max-line)", r->s->name,
				      what, it->lineno, cr_limits.max_line);
			return false;
		}
		if (cr_trim_left(l, n) != 0 && (*l)[0] != '#')
			return true;
	}
	return false;
}

/* "NAME: VALUE": NAME is "/path:unit", VALUE after the last ": ". */
static enum cr_err read_rm_text(struct rmread *r, const unsigned char *data, size_t len, struct cr_error *e)
{
	struct cr_lines it;
	const char *l;
	size_t n;
	enum cr_err rc;
	cr_lines_init(&it, data, len);
	while (next_line(r, &it, "runtime/metrics", &l, &n, &rc, e)) {
		size_t c = n;
		while (c > 0 && !(l[c - 1] == ' ' && c >= 2 && l[c - 2] == ':'))
			c--;
		if (l[0] != '/' || c < 3 || !memchr(l, ':', c - 2))
			return cr_fail(e, CR_FORMAT, "%s: runtime/metrics: line %zu: expected '/NAME:UNIT: VALUE', got '%.*s'",
				       r->s->name, it.lineno, (int)(n < 60 ? n : 60), l);
		size_t vs = cr_skip_ws(l, n, c), ve = n;
		while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		if (take_rm(r, l, c - 2, l + vs, ve - vs))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	return rc;
}

/* Prometheus text: "# HELP", "# TYPE", comments, and samples
 * "name[{labels}] value [timestamp]". Names outside go_ are another
 * collector's (process_*, the service's own): not ours to judge. */
static enum cr_err read_prom(struct rmread *r, const unsigned char *data, size_t len, struct cr_error *e)
{
	struct cr_lines it;
	const char *l;
	size_t n;
	enum cr_err rc;
	cr_lines_init(&it, data, len);
	while (next_line(r, &it, "Prometheus text", &l, &n, &rc, e)) {
		size_t i = 0;
		while (i < n && l[i] != '{' && l[i] != ' ' && l[i] != '\t')
			i++;
		size_t nn = i;
		bool labels = i < n && l[i] == '{';
		if (labels) {
			bool q = false;
			for (i++; i < n && (q || l[i] != '}'); i++) {
				if (q && l[i] == '\\')
					i++;
				else if (l[i] == '"')
					q = !q;
			}
			if (i >= n)
				return cr_fail(e, CR_FORMAT, "%s: Prometheus text: line %zu: unterminated labels", r->s->name,
					       it.lineno);
			i++;
		}
		size_t vs = cr_skip_ws(l, n, i), ve = vs;
		while (ve < n && l[ve] != ' ' && l[ve] != '\t')
			ve++;
		if (nn == 0 || vs == ve)
			return cr_fail(e, CR_FORMAT, "%s: Prometheus text: line %zu: expected 'NAME VALUE', got '%.*s'",
				       r->s->name, it.lineno, (int)(n < 60 ? n : 60), l);
		if (!cr_starts(l, nn, "go_"))
			continue;
		const struct promname *pn = NULL;
		for (size_t k = 0; k < sizeof promnames / sizeof *promnames && !pn; k++)
			if (strlen(promnames[k].name) == nn && memcmp(promnames[k].name, l, nn) == 0)
				pn = &promnames[k];
		int64_t x;
		if (pn) {
			if (!labels && dec_value(l + vs, ve - vs, pn->scale, &x)) {
				if (cr_memsnap_set(r->s, pn->field, x, pn->unit))
					return cr_fail(e, CR_NOMEM, "out of memory");
				r->used++;
			}
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < sizeof promknown / sizeof *promknown && !known; k++)
			known = strlen(promknown[k]) == nn && memcmp(promknown[k], l, nn) == 0;
		if (known)
			continue;
		int slot = prom_rm_slot(l, nn);
		if (slot == -2) {
			if (unknown_name(r, l, nn))
				return cr_fail(e, CR_NOMEM, "out of memory");
		} else if (slot >= 0 && !labels && dec_value(l + vs, ve - vs, 0, &x)) {
			r->vals[slot] = x;
			r->have[slot] = true;
			r->used++;
		}
	}
	return rc;
}

static size_t json_ws(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	return i;
}

/* {"NAME": VALUE, ...}: the keys of the outer object; a value that is not
 * a number (a histogram as an object, null) is skipped whole. */
static enum cr_err read_json(struct rmread *r, const unsigned char *data, size_t len, struct cr_error *e)
{
	const char *p = (const char *)data;
	size_t i = json_ws(p, len, 0);
	if (i >= len || p[i] != '{')
		return cr_fail(e, CR_FORMAT, "%s: runtime/metrics JSON: offset 0x%zx: expected '{'", r->s->name, i);
	i++;
	for (;;) {
		i = json_ws(p, len, i);
		if (i < len && p[i] == '}')
			return CR_OK;
		if (i >= len || p[i] != '"')
			return cr_fail(e, CR_FORMAT, "%s: runtime/metrics JSON: offset 0x%zx: expected a name", r->s->name, i);
		size_t ks = ++i;
		while (i < len && p[i] != '"')
			i += p[i] == '\\' ? 2 : 1;
		if (i >= len)
			return cr_fail(e, CR_FORMAT, "%s: runtime/metrics JSON: offset 0x%zx: unterminated string", r->s->name,
				       ks - 1);
		size_t ke = i++;
		i = json_ws(p, len, i);
		if (i >= len || p[i] != ':')
			return cr_fail(e, CR_FORMAT, "%s: runtime/metrics JSON: offset 0x%zx: expected ':'", r->s->name, i);
		i = json_ws(p, len, i + 1);
		size_t vs = i;
		int depth = 0;
		bool q = false;
		for (; i < len; i++) {
			char c = p[i];
			if (q) {
				if (c == '\\')
					i++;
				else if (c == '"')
					q = false;
				continue;
			}
			if (c == '"')
				q = true;
			else if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && depth > 0)
				depth--;
			else if (depth == 0 && (c == ',' || c == '}'))
				break;
		}
		if (i >= len)
			return cr_fail(e, CR_FORMAT, "%s: runtime/metrics JSON: truncated", r->s->name);
		size_t ve = i;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\n' || p[ve - 1] == '\r' || p[ve - 1] == '\t'))
			ve--;
		if (take_rm(r, p + ks, ke - ks, p + vs, ve - vs))
			return cr_fail(e, CR_NOMEM, "out of memory");
		if (p[i] == ',')
			i++;
	}
}

enum cr_err cr_memsnap_parse_metrics(struct cr_memsnap *s, const unsigned char *data, size_t len,
				     const char *name, struct cr_buf *warn, struct cr_error *e)
{
	if (!s->name && !(s->name = cr_arena_strndup(&s->arena, name, strlen(name))))
		return cr_fail(e, CR_NOMEM, "out of memory");
	struct rmread r;
	memset(&r, 0, sizeof r);
	r.s = s;
	cr_hmap_init(&r.seen);
	s->src = CR_MS_MEMSTATS;
	size_t k = json_ws((const char *)data, len, 0);
	enum cr_err rc;
	if (k < len && data[k] == '{') {
		r.form = "runtime/metrics JSON";
		rc = read_json(&r, data, len, e);
	} else if (k < len && data[k] == '/') {
		r.form = "runtime/metrics";
		rc = read_rm_text(&r, data, len, e);
	} else {
		r.form = "Prometheus text";
		rc = read_prom(&r, data, len, e);
	}
	if (!rc)
		rc = derive(&r);
	cr_hmap_release(&r.seen);
	if (rc)
		return rc == CR_NOMEM ? cr_fail(e, rc, "out of memory") : rc;
	if (!r.used)
		return cr_fail(e, CR_FORMAT, "%s: %s: no Go memory figure (neither go_memstats_* nor /memory/classes/... names)",
			       s->name, r.form);
	if (r.unknown && warn)
		cr_buf_linef(warn, 1024, "%s: %s: %zu name%s not understood (a newer Go release's?): %s%s", s->name,
			     r.form, r.unknown, r.unknown > 1 ? "s" : "", r.unknown_names, r.unknown > 4 ? ", ..." : "");
	return CR_OK;
}
