/* Readers of memory snapshots: smaps_rollup, smaps, maps, status, cgroup
 * memory.stat (v1, v2) and Go's runtime.MemStats (heap profile block, JSON;
 * runtime/metrics in rtmetrics.c).
 * Every field is kept; kB values become bytes with checked arithmetic. */
#include "coroner/detect.h"
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/text.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

const char *cr_memsrc_name(enum cr_memsrc s)
{
	switch (s) {
	case CR_MS_SMAPS_ROLLUP: return "smaps_rollup";
	case CR_MS_SMAPS: return "smaps";
	case CR_MS_MAPS: return "maps";
	case CR_MS_STATUS: return "status";
	case CR_MS_CGROUP_V1: return "memory.stat (cgroup v1)";
	case CR_MS_CGROUP_V2: return "memory.stat (cgroup v2)";
	case CR_MS_MEMSTATS: return "runtime.MemStats";
	default: return "memory snapshot";
	}
}

void cr_memsnap_init(struct cr_memsnap *s)
{
	memset(s, 0, sizeof *s);
	cr_arena_init(&s->arena);
	cr_hmap_init(&s->names);
	cr_hmap_init(&s->index);
}

void cr_memsnap_release(struct cr_memsnap *s)
{
	cr_free(s->fields);
	cr_free(s->maps);
	cr_free(s->mfields);
	cr_hmap_release(&s->names);
	cr_hmap_release(&s->index);
	cr_arena_release(&s->arena);
	memset(s, 0, sizeof *s);
}

/* Interned copy of a name (NUL-terminated, lives as long as the snapshot). */
static const char *intern(struct cr_memsnap *s, const char *k, size_t n)
{
	uint32_t *v = cr_hmap_put(&s->names, k, n, 0, NULL);
	if (!v)
		return NULL;
	struct cr_hslot *slot = (struct cr_hslot *)((char *)v - offsetof(struct cr_hslot, val));
	return slot->key;
}

/* Set a top-level field (last value wins for a repeated key, position kept). */
static enum cr_err set_field(struct cr_memsnap *s, const char *k, size_t kn, int64_t v,
			     enum cr_memunit unit, const char *text, size_t textn)
{
	bool found;
	uint32_t *slot = cr_hmap_put(&s->index, k, kn, 0, &found);
	if (!slot)
		return CR_NOMEM;
	struct cr_memfield *f;
	if (found) {
		f = &s->fields[*slot - 1];
	} else {
		if (cr_grow(&s->fields, &s->cap_fields, s->nfields + 1, sizeof *s->fields))
			return CR_NOMEM;
		f = &s->fields[s->nfields++];
		*slot = (uint32_t)s->nfields;
		f->name = intern(s, k, kn);
		if (!f->name)
			return CR_NOMEM;
	}
	f->value = v;
	f->unit = unit;
	f->text = NULL;
	if (unit == CR_MU_TEXT && !(f->text = cr_arena_strndup(&s->arena, text, textn)))
		return CR_NOMEM;
	return CR_OK;
}

enum cr_err cr_memsnap_set(struct cr_memsnap *s, const char *key, int64_t value,
			   enum cr_memunit unit)
{
	return set_field(s, key, strlen(key), value, unit == CR_MU_TEXT ? CR_MU_COUNT : unit, NULL, 0);
}

const struct cr_memfield *cr_memsnap_field(const struct cr_memsnap *s, const char *key)
{
	uint32_t *slot = cr_hmap_get((struct cr_hmap *)&s->index, key, strlen(key));
	return slot ? &s->fields[*slot - 1] : NULL;
}

bool cr_memsnap_get(const struct cr_memsnap *s, const char *key, int64_t *value)
{
	const struct cr_memfield *f = cr_memsnap_field(s, key);
	if (!f || f->unit == CR_MU_TEXT)
		return false;
	*value = f->value;
	return true;
}

/* ---- "Key:  value [kB]" lines (smaps, smaps_rollup, status) ---- */

struct kv {
	const char *key, *text;
	size_t keyn, textn;
	int64_t value;
	enum cr_memunit unit;
};

/* Parse one "Key: value" line. Returns CR_FORMAT (with message) for a line
 * without a key, or a kB value that does not fit in int64 bytes. */
static enum cr_err parse_kv(const char *s, size_t n, struct kv *o, const char *name,
			    const char *kind, size_t lineno, struct cr_error *e)
{
	size_t i = 0;
	while (i < n && s[i] != ':' && s[i] != ' ' && s[i] != '\t')
		i++;
	if (i == 0 || i >= n || s[i] != ':' || i > 64)
		return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: expected 'Key: value', got '%.*s'", name,
			       kind, lineno, (int)(n < 60 ? n : 60), s);
	o->key = s;
	o->keyn = i;
	i = cr_skip_ws(s, n, i + 1);
	size_t vs = i, ve = n;
	while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	o->text = s + vs;
	o->textn = ve - vs;
	uint64_t v;
	size_t j = i;
	if (cr_parse_u64(s, ve, &j, &v)) {
		size_t k = cr_skip_ws(s, ve, j);
		if (k == ve && j == ve) {
			if (v > INT64_MAX)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: %.*s value %.*s overflows", name,
					       kind, lineno, (int)o->keyn, o->key, (int)o->textn, o->text);
			o->value = (int64_t)v;
			o->unit = CR_MU_COUNT;
			return CR_OK;
		}
		if (ve - k == 2 && (memcmp(s + k, "kB", 2) == 0 || memcmp(s + k, "KB", 2) == 0)) {
			size_t b;
			if (v > INT64_MAX / 1024 || !cr_mul_ok((size_t)v, 1024, &b))
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: %.*s value %" PRIu64 " kB overflows",
					       name, kind, lineno, (int)o->keyn, o->key, v);
			o->value = (int64_t)v * 1024;
			o->unit = CR_MU_BYTES;
			return CR_OK;
		}
	} else if (j < ve && s[j] >= '0' && s[j] <= '9') {
		/* digits that do not fit in 64 bits */
		size_t k = j;
		while (k < ve && s[k] >= '0' && s[k] <= '9')
			k++;
		if (k - j >= 19)
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: %.*s value %.*s overflows", name,
				       kind, lineno, (int)o->keyn, o->key, (int)o->textn, o->text);
	}
	o->unit = CR_MU_TEXT;
	o->value = 0;
	return CR_OK;
}

/* "start-end perms offset dev inode [path]" */
static bool parse_map_header(const char *s, size_t n, struct cr_memmap *m, const char **path,
			     size_t *pathn)
{
	size_t i = 0;
	uint64_t a, b, off, ino;
	if (!cr_parse_hex(s, n, &i, &a) || i >= n || s[i] != '-')
		return false;
	i++;
	if (!cr_parse_hex(s, n, &i, &b) || i >= n || s[i] != ' ' || b < a)
		return false;
	i++;
	if (n - i < 5 || s[i + 4] != ' ')
		return false;
	memcpy(m->perms, s + i, 4);
	m->perms[4] = 0;
	i += 5;
	if (!cr_parse_hex(s, n, &i, &off) || i >= n || s[i] != ' ')
		return false;
	i++;
	while (i < n && s[i] != ' ')
		i++; /* dev */
	i = cr_skip_ws(s, n, i);
	if (!cr_parse_u64(s, n, &i, &ino))
		return false;
	i = cr_skip_ws(s, n, i);
	m->start = a;
	m->end = b;
	m->offset = off;
	m->inode = ino;
	*path = s + i;
	*pathn = n - i;
	return true;
}

/* Offset of the struct cr_memmap member a smaps field fills, or -1. */
static long known_offset(const struct kv *kv)
{
	static const struct { const char *k; size_t off; } known[] = {
		{ "Rss", offsetof(struct cr_memmap, rss) },
		{ "Pss", offsetof(struct cr_memmap, pss) },
		{ "Anonymous", offsetof(struct cr_memmap, anon) },
		{ "Swap", offsetof(struct cr_memmap, swap) },
		{ "AnonHugePages", offsetof(struct cr_memmap, anon_huge) },
		{ "LazyFree", offsetof(struct cr_memmap, lazyfree) },
		{ "Shared_Clean", offsetof(struct cr_memmap, shared_clean) },
		{ "Shared_Dirty", offsetof(struct cr_memmap, shared_dirty) },
		{ "Private_Clean", offsetof(struct cr_memmap, private_clean) },
		{ "Private_Dirty", offsetof(struct cr_memmap, private_dirty) },
	};
	if (kv->unit != CR_MU_BYTES)
		return -1;
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (strlen(known[i].k) == kv->keyn && memcmp(known[i].k, kv->key, kv->keyn) == 0)
			return (long)known[i].off;
	return -1;
}

static enum cr_err add_sum(struct cr_memsnap *s, const char *k, size_t kn, int64_t v,
			   enum cr_memunit unit, const char *kind, size_t lineno, struct cr_error *e)
{
	uint32_t *slot = cr_hmap_get(&s->index, k, kn);
	int64_t cur = 0;
	if (slot) {
		struct cr_memfield *f = &s->fields[*slot - 1];
		if (f->unit != unit)
			return CR_OK; /* mixed units for one key: keep the first kind */
		cur = f->value;
	}
	if (__builtin_add_overflow(cur, v, &cur))
		return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: sum of %.*s overflows", s->name, kind,
			       lineno, (int)kn, k);
	return set_field(s, k, kn, cur, unit, NULL, 0);
}

/* The next non-empty line of it: false at the end, or with *rc set (and e
 * filled) on a line longer than the limit. */
static bool next_line(const struct cr_memsnap *s, const char *kind, struct cr_lines *it, const char **l,
		      size_t *n, enum cr_err *rc, struct cr_error *e)
{
	bool cut;
	while (cr_lines_next(it, l, n, cr_limits.max_line, &cut)) {
		if (cut) {
			*rc = cr_fail(e, CR_LIMIT, "%s: %s: line %zu: longer than %zu bytes", s->name, kind,
				      it->lineno, cr_limits.max_line);
			return false;
		}
		if (*n)
			return true;
	}
	return false;
}

#define POSCACHE 64
struct poscache {
	const char *name; /* interned */
	size_t keyn;
	enum cr_memunit unit;
	long known;       /* known_offset() */
	uint32_t sum;     /* index+1 into fields of the running sum; 0 none */
};

/* smaps, maps and smaps_rollup share a grammar: mapping headers, then
 * "Key: value" lines belonging to the last header. */
static enum cr_err parse_smaps(struct cr_memsnap *s, const unsigned char *data, size_t len,
			       enum cr_memsrc src, struct cr_buf *warn, struct cr_error *e)
{
	const char *kind = cr_memsrc_name(src);
	struct cr_lines it;
	const char *l;
	size_t n;
	enum cr_err rc = CR_OK;
	bool have_map = false;
	size_t rss_missing = 0;
	struct poscache cache[POSCACHE];
	memset(cache, 0, sizeof cache);
	cr_lines_init(&it, data, len);
	while (next_line(s, kind, &it, &l, &n, &rc, e)) {
		if (memchr(l, 0, n))
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: NUL byte", s->name, kind, it.lineno);
		struct cr_memmap m;
		const char *path;
		size_t pathn;
		memset(&m, 0, sizeof m);
		if (parse_map_header(l, n, &m, &path, &pathn)) {
			if (src == CR_MS_SMAPS_ROLLUP) {
				if (have_map)
					return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: a second mapping header in a rollup",
						       s->name, kind, it.lineno);
				have_map = true;
				continue;
			}
			if (have_map && src == CR_MS_SMAPS && s->maps[s->nmaps - 1].rss < 0)
				rss_missing++;
			m.rss = m.pss = m.anon = m.swap = m.anon_huge = m.lazyfree = -1;
			m.shared_clean = m.shared_dirty = m.private_clean = m.private_dirty = -1;
			if (!(m.path = cr_arena_strndup(&s->arena, path, pathn)))
				return cr_fail(e, CR_NOMEM, "out of memory");
			m.field_start = (uint32_t)s->nmfields;
			m.label = CR_ML_ANON;
			if (cr_grow(&s->maps, &s->cap_maps, s->nmaps + 1, sizeof *s->maps))
				return cr_fail(e, CR_NOMEM, "out of memory");
			s->maps[s->nmaps++] = m;
			have_map = true;
			continue;
		}
		if (src == CR_MS_MAPS)
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: not a mapping line", s->name, kind, it.lineno);
		if (!have_map)
			return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: field before any mapping header", s->name,
				       kind, it.lineno);
		struct kv kv;
		if ((rc = parse_kv(l, n, &kv, s->name, kind, it.lineno, e)))
			return rc;
		if (kv.unit != CR_MU_BYTES) {
			/* a residency field must carry its unit: a bare number would be
			 * read as bytes 1024 times too small */
			struct kv as_bytes = kv;
			as_bytes.unit = CR_MU_BYTES;
			if (known_offset(&as_bytes) >= 0)
				return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: '%.*s:' value '%.*s' is not in kB", s->name,
					       kind, it.lineno, (int)kv.keyn, kv.key, (int)(kv.textn < 40 ? kv.textn : 40), kv.text);
		}
		if (src == CR_MS_SMAPS_ROLLUP) {
			if ((rc = set_field(s, kv.key, kv.keyn, kv.value, kv.unit, kv.text, kv.textn)))
				return cr_fail(e, rc, "out of memory");
			continue;
		}
		struct cr_memmap *cur = &s->maps[s->nmaps - 1];
		if (s->nmfields >= UINT32_MAX)
			return cr_fail(e, CR_LIMIT, "%s: %s: too many fields", s->name, kind);
		if (cr_grow(&s->mfields, &s->cap_mfields, s->nmfields + 1, sizeof *s->mfields))
			return cr_fail(e, CR_NOMEM, "out of memory");
		/* every mapping lists its fields in the same order: remember what
		 * position p resolved to, so the common case hashes nothing */
		size_t p = cur->nfields;
		struct poscache *pc = p < POSCACHE ? &cache[p] : NULL;
		bool hit = pc && pc->name && pc->keyn == kv.keyn && pc->unit == kv.unit &&
			   memcmp(pc->name, kv.key, kv.keyn) == 0;
		struct cr_memfield *f = &s->mfields[s->nmfields++];
		f->name = hit ? pc->name : intern(s, kv.key, kv.keyn);
		f->value = kv.value;
		f->unit = kv.unit;
		f->text = NULL;
		if (!f->name || (kv.unit == CR_MU_TEXT && !(f->text = cr_arena_strndup(&s->arena, kv.text, kv.textn))))
			return cr_fail(e, CR_NOMEM, "out of memory");
		cur->nfields++;
		long off = hit ? pc->known : known_offset(&kv);
		if (off >= 0)
			*(int64_t *)((char *)cur + off) = kv.value;
		if (kv.unit != CR_MU_TEXT) {
			if (hit && pc->sum) {
				struct cr_memfield *sf = &s->fields[pc->sum - 1];
				if (sf->unit == kv.unit && __builtin_add_overflow(sf->value, kv.value, &sf->value))
					return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: sum of %s overflows", s->name,
						       kind, it.lineno, sf->name);
			} else if ((rc = add_sum(s, kv.key, kv.keyn, kv.value, kv.unit, kind, it.lineno, e))) {
				return rc;
			}
		}
		if (pc && !hit) {
			uint32_t *slot = cr_hmap_get(&s->index, kv.key, kv.keyn);
			pc->name = f->name;
			pc->keyn = kv.keyn;
			pc->unit = kv.unit;
			pc->known = off;
			pc->sum = kv.unit != CR_MU_TEXT && slot ? *slot : 0;
		}
	}
	if (rc)
		return rc;
	if (src == CR_MS_SMAPS_ROLLUP) {
		int64_t v;
		if (!cr_memsnap_get(s, "Rss", &v))
			return cr_fail(e, CR_FORMAT, "%s: %s: no 'Rss:' field", s->name, kind);
		return CR_OK;
	}
	if (s->nmaps == 0)
		return cr_fail(e, CR_EMPTY, "%s: %s: no mappings", s->name, kind);
	if (src == CR_MS_SMAPS) {
		if (s->maps[s->nmaps - 1].rss < 0)
			rss_missing++;
		if (rss_missing)
			return cr_fail(e, CR_FORMAT, "%s: %s: %zu mapping%s without an 'Rss:' field", s->name, kind,
				       rss_missing, rss_missing > 1 ? "s" : "");
		(void)warn;
	}
	return CR_OK;
}

/* A file of one record a line (status, memory.stat): each non-empty line
 * through line(), then end() checks what they added up to. */
struct lineform {
	const char *kind;
	enum cr_err (*line)(struct cr_memsnap *s, const char *kind, const char *l, size_t n, size_t lineno,
			    struct cr_error *e);
	enum cr_err (*end)(struct cr_memsnap *s, const char *kind, struct cr_error *e);
};

static enum cr_err parse_lines(struct cr_memsnap *s, const struct lineform *f, const unsigned char *data,
			       size_t len, struct cr_error *e)
{
	struct cr_lines it;
	const char *l;
	size_t n;
	enum cr_err rc = CR_OK;
	cr_lines_init(&it, data, len);
	while (next_line(s, f->kind, &it, &l, &n, &rc, e))
		if ((rc = f->line(s, f->kind, l, n, it.lineno, e)))
			return rc;
	return rc ? rc : f->end(s, f->kind, e);
}

static enum cr_err status_line(struct cr_memsnap *s, const char *kind, const char *l, size_t n, size_t lineno,
			       struct cr_error *e)
{
	struct kv kv;
	enum cr_err rc = parse_kv(l, n, &kv, s->name, kind, lineno, e);
	if (rc)
		return rc;
	if (kv.unit != CR_MU_BYTES && (cr_starts(kv.key, kv.keyn, "Vm") || cr_starts(kv.key, kv.keyn, "Rss")))
		return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: '%.*s:' value '%.*s' is not in kB", s->name, kind,
			       lineno, (int)kv.keyn, kv.key, (int)(kv.textn < 40 ? kv.textn : 40), kv.text);
	if ((rc = set_field(s, kv.key, kv.keyn, kv.value, kv.unit, kv.text, kv.textn)))
		return cr_fail(e, rc, "out of memory");
	return CR_OK;
}

static enum cr_err status_end(struct cr_memsnap *s, const char *kind, struct cr_error *e)
{
	const struct cr_memfield *f = cr_memsnap_field(s, "VmRSS");
	if (!f) {
		/* kernel threads and zombies have no Vm* lines: say so, do not guess */
		return cr_fail(e, CR_FORMAT, "%s: %s: no 'VmRSS:' field (a kernel thread or a zombie?)",
			       s->name, kind);
	}
	if (f->unit != CR_MU_BYTES)
		return cr_fail(e, CR_FORMAT, "%s: %s: 'VmRSS:' is not in kB", s->name, kind);
	return CR_OK;
}

/* memory.stat values are bytes except the event counters. */
static enum cr_memunit cgroup_unit(const char *k, size_t n)
{
	if (n > 6 && memcmp(k, "total_", 6) == 0)
		k += 6, n -= 6;
	static const char *const counts[] = { "pg", "workingset_", "thp_", "zswp", "numa_", "hierarchical_memsw" };
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
		if (cr_starts(k, n, counts[i]))
			return strcmp(counts[i], "hierarchical_memsw") == 0 ? CR_MU_BYTES : CR_MU_COUNT;
	return CR_MU_BYTES;
}

static enum cr_err cgroup_line(struct cr_memsnap *s, const char *kind, const char *l, size_t n, size_t lineno,
			       struct cr_error *e)
{
	size_t i = 0;
	while (i < n && l[i] != ' ')
		i++;
	size_t j = cr_skip_ws(l, n, i), k = j;
	uint64_t v;
	if (i == 0 || i > 64 || !cr_parse_u64(l, n, &k, &v) || cr_skip_ws(l, n, k) != n)
		return cr_fail(e, CR_FORMAT, "%s: %s: line %zu: expected 'key value', got '%.*s'", s->name, kind,
			       lineno, (int)(n < 60 ? n : 60), l);
	if (v > INT64_MAX)
		v = INT64_MAX; /* "unlimited" limits are near 2^63 */
	if (set_field(s, l, i, (int64_t)v, cgroup_unit(l, i), NULL, 0))
		return cr_fail(e, CR_NOMEM, "out of memory");
	return CR_OK;
}

static enum cr_err cgroup_end(struct cr_memsnap *s, const char *kind, struct cr_error *e)
{
	int64_t v;
	s->src = (cr_memsnap_get(s, "anon", &v) || cr_memsnap_get(s, "file", &v)) ? CR_MS_CGROUP_V2
										  : CR_MS_CGROUP_V1;
	if (s->src == CR_MS_CGROUP_V1 && !cr_memsnap_get(s, "rss", &v) && !cr_memsnap_get(s, "total_rss", &v))
		return cr_fail(e, CR_FORMAT, "%s: %s: neither v2 'anon'/'file' nor v1 'rss' fields", s->name, kind);
	return CR_OK;
}

/* MemStats fields that are not bytes. */
static enum cr_memunit memstats_unit(const char *k, size_t n)
{
	static const char *const counts[] = { "Lookups", "Mallocs", "Frees", "HeapObjects", "NumGC",
					      "NumForcedGC", "LastGC", "PauseTotalNs", "EnableGC", "DebugGC",
					      "GCCPUFraction_ppm" };
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
		if (strlen(counts[i]) == n && memcmp(counts[i], k, n) == 0)
			return CR_MU_COUNT;
	return CR_MU_BYTES;
}

/* The `# runtime.MemStats` block: "# Key = v" and "# Key = inuse / sys"
 * (Stack, MSpan, MCache -> KeyInuse, KeySys, as the heap profile reader). */
static enum cr_err parse_memstats_text(struct cr_memsnap *s, const unsigned char *data, size_t len,
				       struct cr_error *e)
{
	struct cr_lines it;
	const char *l;
	size_t n;
	bool in = false, any = false;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &l, &n, cr_limits.max_line, NULL)) {
		if (!in) {
			in = cr_starts(l, n, "# runtime.MemStats");
			continue;
		}
		if (!cr_starts(l, n, "# "))
			break;
		size_t i = 2, ks = i;
		while (i < n && l[i] != ' ' && l[i] != '=')
			i++;
		size_t ke = i;
		i = cr_skip_ws(l, n, i);
		if (ke == ks || ke - ks > 64 || i >= n || l[i] != '=')
			continue;
		i = cr_skip_ws(l, n, i + 1);
		int64_t v, sys;
		if (i < n && l[i] == '[')
			continue; /* PauseNs / PauseEnd */
		if (!cr_parse_i64(l, n, &i, &v))
			continue;
		if (i < n && l[i] == '.')
			continue; /* GCCPUFraction */
		size_t j = cr_skip_ws(l, n, i);
		char k2[96];
		if (j < n && l[j] == '/') {
			j = cr_skip_ws(l, n, j + 1);
			if (!cr_parse_i64(l, n, &j, &sys))
				continue;
			snprintf(k2, sizeof k2, "%.*sInuse", (int)(ke - ks), l + ks);
			if (set_field(s, k2, strlen(k2), v, CR_MU_BYTES, NULL, 0))
				return cr_fail(e, CR_NOMEM, "out of memory");
			snprintf(k2, sizeof k2, "%.*sSys", (int)(ke - ks), l + ks);
			if (set_field(s, k2, strlen(k2), sys, CR_MU_BYTES, NULL, 0))
				return cr_fail(e, CR_NOMEM, "out of memory");
		} else if (set_field(s, l + ks, ke - ks, v, memstats_unit(l + ks, ke - ks), NULL, 0)) {
			return cr_fail(e, CR_NOMEM, "out of memory");
		}
		any = true;
	}
	if (!any)
		return cr_fail(e, CR_FORMAT, "%s: heap profile has no '# runtime.MemStats' block (write it with debug=1)",
			       s->name);
	return CR_OK;
}

/* MemStats as JSON (json.Marshal of runtime.MemStats, or expvar's
 * /debug/vars with a "memstats" object): every `"Key": integer` pair, first
 * occurrence wins (BySize entries repeat Mallocs/Frees further down). */
static enum cr_err parse_memstats_json(struct cr_memsnap *s, const unsigned char *data, size_t len,
				       struct cr_error *e)
{
	const char *p = (const char *)data;
	size_t i = 0;
	int depth = 0;
	bool any = false;
	while (i < len) {
		char c = p[i];
		if (c == '{' || c == '[') {
			if (++depth > 64)
				return cr_fail(e, CR_LIMIT, "%s: MemStats JSON: offset 0x%zx: nested too deep", s->name, i);
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			depth--;
			i++;
			continue;
		}
		if (c != '"') {
			i++;
			continue;
		}
		size_t ks = ++i;
		while (i < len && p[i] != '"') {
			if (p[i] == '\\')
				i++;
			i++;
		}
		if (i >= len)
			return cr_fail(e, CR_FORMAT, "%s: MemStats JSON: offset 0x%zx: unterminated string", s->name, ks - 1);
		size_t ke = i++;
		size_t j = cr_skip_ws(p, len, i);
		while (j < len && (p[j] == '\n' || p[j] == '\r' || p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j >= len || p[j] != ':')
			continue;
		j++;
		while (j < len && (p[j] == '\n' || p[j] == '\r' || p[j] == ' ' || p[j] == '\t'))
			j++;
		int64_t v;
		size_t k = j;
		if (ke - ks > 0 && ke - ks <= 64 && cr_parse_i64(p, len, &k, &v) &&
		    (k >= len || (p[k] != '.' && p[k] != 'e' && p[k] != 'E'))) {
			if (!cr_hmap_get(&s->index, p + ks, ke - ks)) {
				if (set_field(s, p + ks, ke - ks, v, memstats_unit(p + ks, ke - ks), NULL, 0))
					return cr_fail(e, CR_NOMEM, "out of memory");
				any = true;
			}
			i = k;
		} else {
			i = j;
		}
	}
	int64_t v;
	if (!any || !cr_memsnap_get(s, "HeapInuse", &v))
		return cr_fail(e, CR_FORMAT, "%s: JSON without a runtime.MemStats 'HeapInuse' field", s->name);
	return CR_OK;
}

static bool looks_memstats_json(const unsigned char *d, size_t len)
{
	size_t i = 0;
	while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
		i++;
	if (i >= len || d[i] != '{')
		return false;
	size_t lim = len < ((size_t)1 << 20) ? len : ((size_t)1 << 20);
	static const char key[] = "\"HeapInuse\"";
	for (size_t k = i; k + sizeof key - 1 <= lim; k++)
		if (d[k] == '"' && memcmp(d + k, key, sizeof key - 1) == 0)
			return true;
	return false;
}

static const struct lineform status_form = { "status", status_line, status_end },
			      cgroup_form = { "memory.stat", cgroup_line, cgroup_end };

enum cr_err cr_memsnap_parse(struct cr_memsnap *s, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e)
{
	if (!(s->name = cr_arena_strndup(&s->arena, name, strlen(name))))
		return cr_fail(e, CR_NOMEM, "out of memory");
	if (len == 0)
		return cr_fail(e, CR_FORMAT, "%s: empty file", name);
	if (looks_memstats_json(data, len)) {
		s->src = CR_MS_MEMSTATS;
		return parse_memstats_json(s, data, len, e);
	}
	enum cr_kind k = cr_detect_kind(data, len);
	switch (k) {
	case CR_KIND_SMAPS_ROLLUP:
		s->src = CR_MS_SMAPS_ROLLUP;
		return parse_smaps(s, data, len, s->src, warn, e);
	case CR_KIND_SMAPS:
		s->src = CR_MS_SMAPS;
		return parse_smaps(s, data, len, s->src, warn, e);
	case CR_KIND_MAPS:
		s->src = CR_MS_MAPS;
		return parse_smaps(s, data, len, s->src, warn, e);
	case CR_KIND_STATUS:
		s->src = CR_MS_STATUS;
		return parse_lines(s, &status_form, data, len, e);
	case CR_KIND_MEMORY_STAT:
		return parse_lines(s, &cgroup_form, data, len, e);
	case CR_KIND_HEAP_TEXT:
		s->src = CR_MS_MEMSTATS;
		return parse_memstats_text(s, data, len, e);
	case CR_KIND_GO_METRICS:
		return cr_memsnap_parse_metrics(s, data, len, name, warn, e);
	case CR_KIND_UNKNOWN: {
		/* a bare MemStats block cut out of a heap profile */
		static const char tag[] = "# runtime.MemStats";
		if (len >= sizeof tag - 1 && memcmp(data, tag, sizeof tag - 1) == 0) {
			s->src = CR_MS_MEMSTATS;
			return parse_memstats_text(s, data, len, e);
		}
		return cr_fail(e, CR_UNSUPPORTED, "%s: not a memory snapshot (unrecognised content)", name);
	}
	default:
		return cr_fail(e, CR_UNSUPPORTED, "%s: is %s, not a memory snapshot", name, cr_kind_article(k));
	}
}

enum cr_err cr_memsnap_load(struct cr_memsnap *s, const char *path, struct cr_buf *warn,
			    struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_memsnap_parse(s, in.data, in.len, in.name, warn, e);
	cr_input_close(&in);
	return rc;
}

bool cr_memsnap_check_pair(const struct cr_memsnap *a, const struct cr_memsnap *b,
			   int64_t max_skew_s, struct cr_buf *warn)
{
	bool ok = true;
	int64_t x, y;
	if (a->src == CR_MS_STATUS && b->src == CR_MS_STATUS) {
		const struct cr_memfield *na = cr_memsnap_field(a, "Name"), *nb = cr_memsnap_field(b, "Name");
		if (cr_memsnap_get(a, "Pid", &x) && cr_memsnap_get(b, "Pid", &y) && x != y) {
			cr_buf_addf(warn, "%s is pid %" PRId64 ", %s is pid %" PRId64 ": two different processes\n",
				    a->name, x, b->name, y);
			ok = false;
		} else if (na && nb && na->text && nb->text && strcmp(na->text, nb->text) != 0) {
			cr_buf_addf(warn, "%s is process '%s', %s is '%s': two different processes\n", a->name,
				    na->text, b->name, nb->text);
			ok = false;
		}
	}
	if (a->src == CR_MS_MEMSTATS && b->src == CR_MS_MEMSTATS) {
		if (cr_memsnap_get(a, "LastGC", &x) && cr_memsnap_get(b, "LastGC", &y) && x > 0 && y > 0) {
			int64_t d = (x > y ? x - y : y - x) / 1000000000;
			if (d > max_skew_s) {
				cr_buf_addf(warn, "%s and %s: last GCs %" PRId64 " s apart: not the same moment (or process)\n",
					    a->name, b->name, d);
				ok = false;
			}
		}
		if (cr_memsnap_get(a, "NumGC", &x) && cr_memsnap_get(b, "NumGC", &y) && y < x) {
			cr_buf_addf(warn, "%s has NumGC %" PRId64 ", the later %s %" PRId64 ": the process restarted, or two processes\n",
				    a->name, x, b->name, y);
			ok = false;
		}
	}
	return ok;
}
