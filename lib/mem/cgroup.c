/* A cgroup's memory control files besides memory.stat: the limit, usage and
 * peak, and the OOM killer's counters. These are what say whether the kernel
 * killed a Go service for its cgroup's total (the container's limit) rather
 * than anything the Go runtime did.
 *
 * The files are recognised by name, since most hold a single number:
 *   v2: memory.max, memory.high, memory.current, memory.peak,
 *       memory.swap.current, memory.swap.max ("max" = unlimited),
 *       memory.events (low, high, max, oom, oom_kill, oom_group_kill);
 *   v1: memory.limit_in_bytes, memory.usage_in_bytes,
 *       memory.max_usage_in_bytes, memory.failcnt,
 *       memory.oom_control (oom_kill_disable, under_oom, oom_kill).
 * And the CPU limit, which decides GOMAXPROCS for Go 1.25+:
 *   v2: cpu.max ("QUOTA PERIOD", QUOTA "max" = unlimited: fields
 *       cpu.max.quota and cpu.max.period);
 *   v1: cpu.cfs_quota_us (-1 = unlimited), cpu.cfs_period_us.
 * A single-value file becomes a field named as the file; a keyed file one
 * field per key, "FILE.KEY" (memory.events.oom_kill). Unknown keys are kept.
 */
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum shape { ONE, KEYED, PAIR /* cpu.max */ };
static const struct cgfile {
	const char *name;
	int version;
	enum shape shape;
	enum cr_memunit unit;
} cgfiles[] = {
	{ "memory.max", 2, ONE, CR_MU_BYTES },
	{ "memory.high", 2, ONE, CR_MU_BYTES },
	{ "memory.current", 2, ONE, CR_MU_BYTES },
	{ "memory.peak", 2, ONE, CR_MU_BYTES },
	{ "memory.swap.current", 2, ONE, CR_MU_BYTES },
	{ "memory.swap.max", 2, ONE, CR_MU_BYTES },
	{ "memory.events", 2, KEYED, CR_MU_COUNT },
	{ "memory.limit_in_bytes", 1, ONE, CR_MU_BYTES },
	{ "memory.usage_in_bytes", 1, ONE, CR_MU_BYTES },
	{ "memory.max_usage_in_bytes", 1, ONE, CR_MU_BYTES },
	{ "memory.failcnt", 1, ONE, CR_MU_COUNT },
	{ "memory.oom_control", 1, KEYED, CR_MU_COUNT },
	{ "cpu.max", 2, PAIR, CR_MU_COUNT },
	{ "cpu.cfs_quota_us", 1, ONE, CR_MU_COUNT },
	{ "cpu.cfs_period_us", 1, ONE, CR_MU_COUNT },
};

static const struct cgfile *find_file(const char *base)
{
	for (size_t i = 0; i < sizeof cgfiles / sizeof *cgfiles; i++)
		if (strcmp(base, cgfiles[i].name) == 0)
			return &cgfiles[i];
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int cr_cgroup_file_version(const char *path)
{
	const struct cgfile *f = find_file(base_name(path));
	return f ? f->version : 0;
}

enum cr_err cr_memsnap_add_cgroup_file(struct cr_memsnap *s, const char *basename, const unsigned char *data,
				       size_t len, const char *display, struct cr_error *e)
{
	const struct cgfile *f = find_file(basename);
	if (!f)
		return cr_fail(e, CR_UNSUPPORTED, "%s: not a cgroup memory control file (by its name)", display);
	if (s->src == CR_MS_NONE)
		s->src = f->version == 2 ? CR_MS_CGROUP_V2 : CR_MS_CGROUP_V1;
	else if (s->src != CR_MS_CGROUP_V1 && s->src != CR_MS_CGROUP_V2)
		return cr_fail(e, CR_USAGE, "%s: a cgroup file added to a %s snapshot", display, cr_memsrc_name(s->src));
	if (!s->name && !(s->name = cr_arena_strndup(&s->arena, display, strlen(display))))
		return cr_fail(e, CR_NOMEM, "out of memory");
	struct cr_lines it;
	const char *l;
	size_t n, values = 0;
	bool cut;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &l, &n, 4096, &cut)) {
		if (cut)
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: longer than 4096 bytes", display, f->name,
				       it.lineno);
		if (n == 0)
			continue;
		char key[160];
		size_t i = 0;
		if (f->shape == KEYED) {
			while (i < n && l[i] != ' ')
				i++;
			if (i == 0 || i > 64)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: expected 'key value', got '%.*s'",
					       display, f->name, it.lineno, (int)(n < 60 ? n : 60), l);
			snprintf(key, sizeof key, "%s.%.*s", f->name, (int)i, l);
			i = cr_skip_ws(l, n, i);
		} else {
			if (values)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: more than one value", display, f->name,
					       it.lineno);
			snprintf(key, sizeof key, "%s", f->name);
		}
		int64_t v;
		size_t k = i;
		uint64_t u;
		if (f->shape == PAIR) {
			/* "QUOTA PERIOD": QUOTA a number or "max" */
			if (values)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: more than one line", display, f->name,
					       it.lineno);
			if (n >= 4 && memcmp(l, "max ", 4) == 0) {
				v = INT64_MAX;
				k = 4;
			} else if (cr_parse_u64(l, n, &k, &u) && k < n && l[k] == ' ') {
				v = u > INT64_MAX ? INT64_MAX : (int64_t)u;
				k++;
			} else {
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: expected 'QUOTA PERIOD', got '%.*s'",
					       display, f->name, it.lineno, (int)(n < 60 ? n : 60), l);
			}
			if (!cr_parse_u64(l, n, &k, &u) || cr_skip_ws(l, n, k) != n || u == 0 || u > INT64_MAX)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: expected 'QUOTA PERIOD', got '%.*s'",
					       display, f->name, it.lineno, (int)(n < 60 ? n : 60), l);
			if (cr_memsnap_set(s, "cpu.max.quota", v, f->unit) ||
			    cr_memsnap_set(s, "cpu.max.period", (int64_t)u, f->unit))
				return cr_fail(e, CR_NOMEM, "out of memory");
			values++;
			continue;
		}
		if (n - i == 3 && memcmp(l + i, "max", 3) == 0)
			v = INT64_MAX; /* v2: no limit */
		else if (n - i == 2 && memcmp(l + i, "-1", 2) == 0 && !strcmp(f->name, "cpu.cfs_quota_us"))
			v = INT64_MAX; /* v1: no CPU limit */
		else if (cr_parse_u64(l, n, &k, &u) && cr_skip_ws(l, n, k) == n)
			v = u > INT64_MAX ? INT64_MAX : (int64_t)u;
		else
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: not a number: '%.*s'", display, f->name,
				       it.lineno, (int)(n - i < 40 ? n - i : 40), l + i);
		if (cr_memsnap_set(s, key, v, f->unit))
			return cr_fail(e, CR_NOMEM, "out of memory");
		values++;
	}
	if (!values)
		return cr_fail(e, CR_FORMAT, "%s: %s: empty", display, f->name);
	return CR_OK;
}

enum cr_err cr_memsnap_add_cgroup_path(struct cr_memsnap *s, const char *path, struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_memsnap_add_cgroup_file(s, base_name(path), in.data, in.len, in.name, e);
	cr_input_close(&in);
	return rc;
}

enum cr_err cr_memsnap_load_cgroup(struct cr_memsnap *s, const char *path, struct cr_buf *warn,
				   struct cr_error *e)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (find_file(base_name(path)))
			return cr_memsnap_add_cgroup_path(s, path, e);
		return cr_memsnap_load(s, path, warn, e);
	}
	char full[4096];
	snprintf(full, sizeof full, "%s/memory.stat", path);
	enum cr_err rc;
	bool any = false;
	if (stat(full, &st) == 0) {
		if ((rc = cr_memsnap_load(s, full, warn, e)))
			return rc;
		if (s->src != CR_MS_CGROUP_V1 && s->src != CR_MS_CGROUP_V2)
			return cr_fail(e, CR_FORMAT, "%s: not a cgroup memory.stat", full);
		any = true;
	}
	for (size_t i = 0; i < sizeof cgfiles / sizeof *cgfiles; i++) {
		snprintf(full, sizeof full, "%s/%s", path, cgfiles[i].name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((rc = cr_memsnap_add_cgroup_path(s, full, e)))
			return rc;
		any = true;
	}
	if (!any)
		return cr_fail(e, CR_FORMAT, "%s: no cgroup memory files (memory.stat, memory.max, memory.events, "
			       "memory.limit_in_bytes, ...) in this directory", path);
	if (!s->name || strcmp(base_name(s->name), "memory.stat") != 0) {
		s->name = cr_arena_strndup(&s->arena, path, strlen(path));
		if (!s->name)
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	return CR_OK;
}

static int64_t get(const struct cr_memsnap *s, const char *k)
{
	int64_t v;
	return cr_memsnap_get(s, k, &v) ? v : -1;
}

void cr_cgroup_view(const struct cr_memsnap *s, struct cr_cgroup_view *v)
{
	bool two = s->src == CR_MS_CGROUP_V2;
	v->version = two ? 2 : 1;
	int64_t x;
	v->have_stat = two ? (cr_memsnap_get(s, "anon", &x) || cr_memsnap_get(s, "file", &x))
			   : (cr_memsnap_get(s, "rss", &x) || cr_memsnap_get(s, "total_rss", &x));
	if (two) {
		v->anon = get(s, "anon");
		v->file = get(s, "file");
		v->limit = get(s, "memory.max");
		v->usage = get(s, "memory.current");
		v->peak = get(s, "memory.peak");
		v->oom_kills = get(s, "memory.events.oom_kill");
		v->limit_hits = get(s, "memory.events.max");
		v->limit_from = "memory.max";
		v->oom_from = "memory.events";
	} else {
		v->anon = get(s, "total_rss") >= 0 ? get(s, "total_rss") : get(s, "rss");
		v->file = get(s, "total_cache") >= 0 ? get(s, "total_cache") : get(s, "cache");
		/* the effective limit is the lower of the group's own and its
		 * ancestors' (memory.stat's hierarchical_memory_limit) */
		int64_t own = get(s, "memory.limit_in_bytes"), hier = get(s, "hierarchical_memory_limit");
		v->limit = own;
		v->limit_from = "memory.limit_in_bytes";
		if (hier >= 0 && (own < 0 || hier < own)) {
			v->limit = hier;
			v->limit_from = "memory.stat hierarchical_memory_limit";
		}
		v->usage = get(s, "memory.usage_in_bytes");
		v->peak = get(s, "memory.max_usage_in_bytes");
		v->oom_kills = get(s, "memory.oom_control.oom_kill");
		v->limit_hits = get(s, "memory.failcnt");
		v->oom_from = "memory.oom_control";
	}
	/* v1's "unlimited" is PAGE_COUNTER_MAX pages (about 2^63), v2's "max" */
	if (v->limit >= ((int64_t)1 << 60))
		v->limit = CR_CGROUP_UNLIMITED;
	/* the CPU limit: quota per period, in microseconds */
	v->cpu_quota = get(s, "cpu.max.quota");
	v->cpu_period = get(s, "cpu.max.period");
	v->cpu_from = "cpu.max";
	if (v->cpu_quota < 0 && v->cpu_period < 0) {
		v->cpu_quota = get(s, "cpu.cfs_quota_us");
		v->cpu_period = get(s, "cpu.cfs_period_us");
		v->cpu_from = "cpu.cfs_quota_us / cpu.cfs_period_us";
	}
	if (v->cpu_quota == INT64_MAX)
		v->cpu_quota = CR_CGROUP_UNLIMITED;
	if (v->cpu_period <= 0)
		v->cpu_quota = v->cpu_period = -1;
}
