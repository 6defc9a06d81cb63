/* Map code hidden by runtime/pprof. Go <= 1.23 drops the leading runtime.*
 * frames of every heap sample, so runtime.mapassign / hashGrow /
 * makeBucketArray never appear in a heap profile's stacks; but a debug=1
 * heap profile keeps their return PCs on each record's '@' line (only the
 * '#' lines leave them out). With the binary those PCs are named again, and
 * a record whose hidden frames hold the runtime's map code is charged to the
 * first frame the runtime did show: the function that writes the map.
 * Values are unsampled as pprof unsamples the text format (heaptext.c).
 *
 * map_growth: the function whose map assignments allocate (runtime map
 * frames holding > 15% of alloc_space or of the in-use growth), from the
 * profiles' stacks or, when the runtime hid them, from those PCs. */
#include "coroner/input.h"
#include "coroner/report.h"
#include "coroner/sym.h"
#include "coroner/text.h"
#include "report/findings_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PCS = 256 };

struct rec {
	int64_t v[4]; /* inuse objects, inuse bytes, alloc objects, alloc bytes */
	uint64_t pcs[MAX_PCS];
	size_t npcs;
	uint64_t shown[MAX_PCS]; /* pcs the '#' lines name (already pc-1) */
	char caller[512];        /* function of the first '#' line */
	size_t nshown;
	bool active;
};

struct ctx {
	bool (*is_map)(void *arg, uint64_t pc, bool *nomem); /* pc already -1 */
	void *arg;
	int64_t rate;
	bool v2;
};

struct symctx {
	struct cr_symbolizer *sym;
	int64_t bias;
	struct cr_hmap cache; /* pc -> 1 map code, 2 not */
};

static bool sym_is_map(void *arg, uint64_t pc, bool *nomem)
{
	struct symctx *x = arg;
	uint64_t key = pc;
	uint32_t *v = cr_hmap_get(&x->cache, &key, sizeof key);
	if (v)
		return *v == 1;
	struct cr_frame fr[16];
	size_t n = cr_symbolize(x->sym, (uint64_t)((int64_t)pc - x->bias), true, fr, 16);
	bool m = false;
	for (size_t i = 0; i < n; i++)
		if (cr_report_is_map_func(fr[i].function))
			m = true;
	if (!cr_hmap_put(&x->cache, &key, sizeof key, m ? 1 : 2, NULL))
		*nomem = true;
	return m;
}

static enum cr_err flush(struct ctx *x, struct rec *rc, struct fsums *s, int slot,
			 struct cr_hidden_maps *out)
{
	if (!rc->active)
		return CR_OK;
	rc->active = false;
	int64_t v[4] = { rc->v[0], rc->v[1], rc->v[2], rc->v[3] };
	if (x->v2) {
		cr_heap_unsample(&v[0], &v[1], x->rate);
		cr_heap_unsample(&v[2], &v[3], x->rate);
	}
	out->records++;
	out->alloc_total = cr_sat_add(out->alloc_total, v[3]);
	out->inuse_total = cr_sat_add(out->inuse_total, v[1]);
	/* hidden frames: the '@' pcs before the first one a '#' line names */
	size_t k = 0;
	for (; k < rc->npcs; k++) {
		bool named = false;
		for (size_t j = 0; j < rc->nshown && !named; j++)
			named = rc->shown[j] == rc->pcs[k] - 1 || rc->shown[j] == rc->pcs[k];
		if (named)
			break;
	}
	if (k == 0 || k == rc->npcs || !rc->caller[0])
		return CR_OK;
	bool nomem = false, map = false;
	for (size_t i = 0; i < k && !map; i++)
		map = x->is_map(x->arg, rc->pcs[i] - 1, &nomem);
	if (nomem)
		return CR_NOMEM;
	if (!map)
		return CR_OK;
	out->map_records++;
	out->map_alloc = cr_sat_add(out->map_alloc, v[3]);
	out->map_inuse = cr_sat_add(out->map_inuse, v[1]);
	return s ? cr_fsums_add(s, rc->caller, slot, v[3]) : CR_OK;
}

enum cr_err cr_heaptext_hidden_scan(const unsigned char *data, size_t len,
				    bool (*is_map)(void *arg, uint64_t pc, bool *nomem), void *arg,
				    struct fsums *s, int slot, struct cr_hidden_maps *out)
{
	struct ctx x = { .is_map = is_map, .arg = arg };
	struct rec *rc = cr_calloc(1, sizeof *rc);
	enum cr_err err = CR_OK;
	memset(out, 0, sizeof *out);
	if (!rc)
		return CR_NOMEM;
	struct cr_lines it;
	const char *l;
	size_t n;
	cr_lines_init(&it, data, len);
	bool first = true;
	while (!err && cr_lines_next(&it, &l, &n, cr_limits.max_line, NULL)) {
		size_t i = 0;
		if (first) {
			/* "heap profile: A: B [C: D] @ heap/R" or heap_v2/R */
			first = false;
			const char *at = memchr(l, '@', n);
			if (!cr_starts(l, n, "heap profile:") || !at)
				break;
			size_t k = (size_t)(at - l) + 1;
			k = cr_skip_ws(l, n, k);
			x.v2 = cr_starts(l + k, n - k, "heap");
			bool halve = cr_starts(l + k, n - k, "heap/");
			const char *sl = memchr(l + k, '/', n - k);
			if (sl) {
				size_t j = (size_t)(sl - l) + 1;
				int64_t rate = 0;
				if (cr_parse_i64(l, n, &j, &rate))
					x.rate = halve ? rate / 2 : rate;
			}
			continue;
		}
		if (n && l[0] == '#') {
			if (cr_starts(l, n, "# runtime.MemStats")) {
				err = flush(&x, rc, s, slot, out);
				break;
			}
			if (!rc->active || rc->nshown >= MAX_PCS)
				continue;
			/* "#\t0xPC\tfunc+0xOFF\tfile:line" */
			i = cr_skip_ws(l, n, 1);
			uint64_t pc;
			if (!cr_parse_hex(l, n, &i, &pc))
				continue;
			if (rc->nshown == 0) {
				i = cr_skip_ws(l, n, i);
				size_t j = i;
				while (j < n && l[j] != '\t' && l[j] != ' ')
					j++;
				size_t fl = j - i;
				const char *plus = NULL;
				for (size_t q = i; q < j; q++)
					if (l[q] == '+' && q + 1 < j && l[q + 1] == '0')
						plus = l + q;
				if (plus)
					fl = (size_t)(plus - (l + i));
				snprintf(rc->caller, sizeof rc->caller, "%.*s", (int)fl, l + i);
			}
			rc->shown[rc->nshown++] = pc;
			continue;
		}
		if (n == 0 || !(l[0] >= '0' && l[0] <= '9'))
			continue;
		err = flush(&x, rc, s, slot, out);
		if (err)
			break;
		/* "A: B [C: D] @ 0x.. 0x.." */
		memset(rc, 0, sizeof *rc);
		int64_t *v = rc->v;
		i = 0;
		if (!cr_parse_i64(l, n, &i, &v[0]) || i >= n || l[i] != ':')
			continue;
		i = cr_skip_ws(l, n, i + 1);
		if (!cr_parse_i64(l, n, &i, &v[1]))
			continue;
		i = cr_skip_ws(l, n, i);
		if (i >= n || l[i] != '[')
			continue;
		i = cr_skip_ws(l, n, i + 1);
		if (!cr_parse_i64(l, n, &i, &v[2]) || i >= n || l[i] != ':')
			continue;
		i = cr_skip_ws(l, n, i + 1);
		if (!cr_parse_i64(l, n, &i, &v[3]))
			continue;
		const char *at = memchr(l + i, '@', n - i);
		if (!at)
			continue;
		i = (size_t)(at - l) + 1;
		while (rc->npcs < MAX_PCS) {
			i = cr_skip_ws(l, n, i);
			uint64_t pc;
			if (i >= n || !cr_parse_hex(l, n, &i, &pc))
				break;
			rc->pcs[rc->npcs++] = pc;
		}
		rc->active = true;
	}
	if (!err)
		err = flush(&x, rc, s, slot, out);
	cr_free(rc);
	return err;
}

enum cr_err cr_report_heaptext_maps(struct cr_report *r, const char *heap_text, const char *binary,
				    const char *smaps, struct fsums *s, int slot,
				    struct cr_hidden_maps *out)
{
	struct cr_error e = { 0 };
	struct symctx x;
	struct cr_input in, sm;
	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	cr_hmap_init(&x.cache);
	enum cr_err err = cr_symbolizer_open(&x.sym, binary, &e);
	if (err) {
		cr_hmap_release(&x.cache);
		if (err == CR_NOMEM || err == CR_LIMIT)
			return err;
		cr_report_warn(r, "map_growth: %s", e.msg);
		return CR_OK;
	}
	/* a PIE binary runs at a bias found in the process's smaps */
	if (smaps && cr_input_open(&sm, smaps, 0, NULL) == CR_OK) {
		int64_t bias = 0;
		if (cr_binary_bias_from_maps(cr_symbolizer_binary(x.sym), (const char *)sm.data, sm.len, NULL,
					     &bias, NULL, 0, NULL) == CR_OK)
			x.bias = bias;
		cr_input_close(&sm);
	}
	err = cr_input_open(&in, heap_text, 0, &e);
	if (err) {
		if (err != CR_NOMEM && err != CR_LIMIT) {
			cr_report_warn(r, "map_growth: %s", e.msg);
			err = CR_OK;
		}
	} else {
		err = cr_heaptext_hidden_scan(in.data, in.len, sym_is_map, &x, s, slot, out);
		cr_input_close(&in);
	}
	cr_symbolizer_close(x.sym);
	cr_hmap_release(&x.cache);
	return err;
}

/* ---- map_growth ---- */

/* The caller of the map code in sample i: the first frame outward from the
 * outermost map frame that is not runtime code; NULL if no map frame. */
static const char *map_caller(const struct cr_profile *p, size_t i)
{
	const char *names[512];
	size_t n = cr_report_sample_names(p, i, names, 512);
	long outer = -1;
	for (size_t k = 0; k < n; k++)
		if (cr_report_is_map_func(names[k]))
			outer = (long)k;
	if (outer < 0)
		return NULL;
	for (size_t k = (size_t)outer + 1; k < n; k++)
		if (!cr_report_is_runtime(names[k]))
			return names[k];
	return names[outer];
}

static enum cr_err map_sums(struct fsums *s, const struct cr_profile *p, int si, int slot, int64_t *sum)
{
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = cr_sample_values(p, i)[si];
		if (v == 0)
			continue;
		const char *c = map_caller(p, i);
		if (!c)
			continue;
		*sum = cr_sat_add(*sum, v);
		enum cr_err rc = cr_fsums_add(s, c, slot, v);
		if (rc)
			return rc;
	}
	return CR_OK;
}

enum cr_err cr_report_analyse_map_growth(struct cr_report *r)
{
	const struct cr_capture *a, *b;
	cr_report_alloc_span(r, &a, &b);
	if (!b)
		return CR_OK;
	const char *path;
	const struct cr_profile *p = cr_report_alloc_profile(b, &path);
	int si = cr_profile_sample_index(p, "alloc_space");
	if (si < 0)
		return CR_OK;
	struct fsums s = { 0 };
	cr_hmap_init(&s.idx);
	int64_t map_alloc = 0, map_in_a = 0, map_in_b = 0;
	int64_t total = cr_profile_total(p, si);
	enum cr_err rc = map_sums(&s, p, si, 1, &map_alloc);
	/* in-use growth through map code between the first and last heap */
	int64_t growth = 0;
	if (!rc && a != b && a->heap && b->heap) {
		struct fsums g = { 0 };
		cr_hmap_init(&g.idx);
		int ia = cr_profile_sample_index(a->heap, "inuse_space"), ib = cr_profile_sample_index(b->heap, "inuse_space");
		if (ia >= 0 && ib >= 0) {
			rc = map_sums(&g, a->heap, ia, 0, &map_in_a);
			if (!rc)
				rc = map_sums(&g, b->heap, ib, 1, &map_in_b);
			if (__builtin_sub_overflow(cr_profile_total(b->heap, ib), cr_profile_total(a->heap, ia), &growth))
				growth = 0;
		}
		cr_fsums_release(&g);
	}
	if (rc)
		goto out;
	double share = total > 0 ? 100.0 * (double)map_alloc / (double)total : 0;
	double gshare = growth > 0 ? 100.0 * ((double)map_in_b - (double)map_in_a) / (double)growth : 0;
	bool hidden = false;
	if (s.n == 0) {
		/* runtime/pprof (every release, 1.24's swiss maps included) names
		 * no leading runtime frame: the map frames are only on the '@'
		 * lines of debug=1 text, named through the binary */
		const char *bin_b = b->binary ? b->binary : r->in.binary;
		if (!b->heap_text || !bin_b) {
			/* the profile's own function table has no map function
			 * either (runtime/pprof of go1.19 to go1.27 alike): only
			 * the '@' PCs of debug=1 text, named through the binary */
			cr_report_note(r, "map_growth: not checked without %s: runtime/pprof names no runtime map frame "
					  "in the profiles (their return addresses are only on the '@' lines of a debug=1 "
					  "heap profile)",
				       !b->heap_text && !bin_b ? "a debug=1 heap profile and the binary"
				       : !bin_b ? "the binary (give it beside the captures)"
						: "a debug=1 heap profile (heap?debug=1) in the last capture");
			goto out;
		}
		struct cr_hidden_maps hb, ha;
		rc = cr_report_heaptext_maps(r, b->heap_text, bin_b, b->smaps, &s, 1, &hb);
		if (rc)
			goto out;
		total = hb.alloc_total;
		map_alloc = hb.map_alloc;
		growth = 0;
		map_in_a = map_in_b = 0;
		const char *bin_a = a->binary ? a->binary : r->in.binary;
		if (a != b && a->heap_text && bin_a) {
			rc = cr_report_heaptext_maps(r, a->heap_text, bin_a, a->smaps, NULL, 0, &ha);
			if (rc)
				goto out;
			if (__builtin_sub_overflow(hb.inuse_total, ha.inuse_total, &growth))
				growth = 0;
			map_in_a = ha.map_inuse;
			map_in_b = hb.map_inuse;
		}
		hidden = true;
		path = b->heap_text;
		if (s.n == 0) {
			cr_report_note(r, "map_growth: no runtime map frames in %s (symbolized with %s)", b->heap_text, bin_b);
			goto out;
		}
	}
	share = total > 0 ? 100.0 * (double)map_alloc / (double)total : 0;
	gshare = growth > 0 ? 100.0 * ((double)map_in_b - (double)map_in_a) / (double)growth : 0;
	if (share <= 15 && gshare <= 15) {
		cr_report_note(r, "map_growth: map code holds %.1f%% of alloc_space (threshold 15%%)", share);
		goto out;
	}
	qsort(s.rows, s.n, sizeof *s.rows, cr_fsum_by_second);
	const struct fsum *top = &s.rows[0];
	enum cr_fsev sev = (share >= 40 || gshare >= 40) ? CR_FSEV_MEDIUM : CR_FSEV_LOW;
	if (gshare >= 50 && (double)map_in_b - (double)map_in_a >= (double)(64 << 20))
		sev = CR_FSEV_HIGH;
	struct cr_rfinding *f = cr_report_finding(r, "map_growth", top->name, sev, share > gshare ? share : gshare);
	if (!f) {
		rc = CR_NOMEM;
		goto out;
	}
	char x[48];
	cr_report_bytes_text(x, sizeof x, map_alloc);
	if (gshare > 15)
		rc = cr_finding_summary(r, f, "map assignments in %s: %.0f%% of the in-use growth, %.0f%% of alloc_space (%s)",
					top->name, gshare, share, x);
	else
		rc = cr_finding_summary(r, f, "map assignments in %s allocate %.0f%% of alloc_space (%s in map buckets and growth)",
					top->name, share, x);
	if (!rc)
		rc = cr_finding_next(r, f, "check that entries of the map written by %s are ever deleted; bound it (LRU, TTL) or give make() its final size",
				     top->name);
	if (!rc)
		rc = cr_finding_fact(r, f, "map_alloc_bytes", "bytes allocated by map code", CR_FACT_BYTES, map_alloc, 0, NULL);
	if (!rc)
		rc = cr_finding_fact(r, f, "alloc_share_pct", "share of alloc_space", CR_FACT_PCT, 0, share, NULL);
	if (!rc && growth > 0)
		rc = cr_finding_fact(r, f, "growth_share_pct", "share of the in-use growth", CR_FACT_PCT, 0, gshare, NULL);
	if (!rc && hidden)
		rc = cr_finding_fact(r, f, "frames_from", "map frames found in", CR_FACT_STR, 0, 0, path);
	if (!rc)
		rc = cr_report_function_table(r, f, "callers", "map allocations by calling function", s.rows, s.n, 5, false, total);
out:
	cr_fsums_release(&s);
	return rc;
}

