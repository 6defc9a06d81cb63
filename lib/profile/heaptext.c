/* Go's text heap profile (/debug/pprof/heap?debug=1):
 *
 *   heap profile: IN_N: IN_B [AL_N: AL_B] @ heap/2*RATE
 *   IN_N: IN_B [AL_N: AL_B] @ 0xRET 0xRET ...
 *   #	0xPC	pkg.func+0xOFF	/path/file.go:LINE      (one per frame, inlined expanded)
 *   ...
 *   # runtime.MemStats
 *   # HeapInuse = 1234
 *
 * Values are unsampled exactly as pprof's legacy parser does (the header's
 * rate is halved for "heap", Poisson correction per sample). Locations are the
 * return addresses minus one, as pprof makes them; each is named from the `#`
 * comments the way `go tool pprof BINARY` names it from the binary's pclntab:
 * the physical (outermost) function, with the innermost file:line.
 */
#include "coroner/profile.h"
#include "coroner/text.h"
#include "frames.h"
#include "legacy_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


struct pending {
	uint64_t *addrs; size_t naddrs, cap_addrs;
	struct cr_comment_frame *frames; size_t nframes, cap_frames;
	int64_t vals[4];
	int64_t blocksize;
	bool active;
	struct cr_hmap addrmap; /* address -> location index */
};

static int64_t clamp(double d)
{
	if (d != d)
		return 0;
	if (!(d > -9.2e18))
		return INT64_MIN;
	if (!(d < 9.2e18))
		return INT64_MAX;
	return (int64_t)d;
}

/* pprof's scaleHeapSample, saturating instead of overflowing on hostile
 * counts. */
void cr_heap_unsample(int64_t *count, int64_t *size, int64_t rate)
{
	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return;
	}
	if (rate <= 1)
		return;
	double avg = (double)*size / (double)*count;
	double s = 1 / (1 - exp(-avg / (double)rate));
	*count = clamp((double)*count * s);
	*size = clamp((double)*size * s);
}

int cr_comment_frame_add(const char *s, size_t n, struct cr_comment_frame **frames, size_t *nframes,
			 size_t *cap, size_t max)
{
	struct cr_comment_frame f;
	if (!cr_parse_comment_frame(s, n, &f))
		return 0;
	if (*nframes >= max)
		return 2;
	if (cr_grow(frames, cap, *nframes + 1, sizeof f))
		return -1;
	(*frames)[(*nframes)++] = f;
	return 1;
}

/* The comment-frame parser shared with the goroutine text reader. */
bool cr_parse_comment_frame(const char *s, size_t n, struct cr_comment_frame *f)
{
	size_t i = cr_skip_ws(s, n, 1);
	if (!cr_parse_hex(s, n, &i, &f->pc))
		return false;
	i = cr_skip_ws(s, n, i);
	size_t fs = i;
	while (i < n && s[i] != '\t' && s[i] != ' ')
		i++;
	if (i == fs)
		return false;
	/* strip +0xOFF, which also gives the physical function's entry */
	size_t fe = i;
	for (size_t k = fe; k > fs; k--)
		if (s[k - 1] == '+') {
			fe = k - 1;
			break;
		}
	f->fn = s + fs;
	f->fnlen = fe - fs;
	f->entry = f->pc;
	f->phys = 0;
	if (fe < i) {
		size_t k = fe + 1;
		uint64_t off;
		if (cr_parse_hex(s, n, &k, &off) && off <= f->pc)
			f->entry = f->pc - off;
	}
	i = cr_skip_ws(s, n, i);
	size_t ps = i, colon = SIZE_MAX;
	for (size_t k = i; k < n; k++)
		if (s[k] == ':')
			colon = k;
	f->line = 0;
	f->file = s + ps;
	f->filelen = n - ps;
	if (colon != SIZE_MAX) {
		size_t k = colon + 1;
		int64_t ln;
		if (cr_parse_i64(s, n, &k, &ln) && k == n) {
			f->line = ln;
			f->filelen = colon - ps;
		}
	}
	return f->fnlen > 0;
}

/* "N: N [N: N]" at s[*i]; fills in_n, in_b, al_n, al_b */
static bool parse_counts(const char *s, size_t n, size_t *i, int64_t v[4])
{
	size_t k = cr_skip_ws(s, n, *i);
	if (!cr_parse_i64(s, n, &k, &v[0]) || k >= n || s[k] != ':')
		return false;
	k = cr_skip_ws(s, n, k + 1);
	if (!cr_parse_i64(s, n, &k, &v[1]))
		return false;
	k = cr_skip_ws(s, n, k);
	if (k >= n || s[k] != '[')
		return false;
	k = cr_skip_ws(s, n, k + 1);
	if (!cr_parse_i64(s, n, &k, &v[2]) || k >= n || s[k] != ':')
		return false;
	k = cr_skip_ws(s, n, k + 1);
	if (!cr_parse_i64(s, n, &k, &v[3]))
		return false;
	k = cr_skip_ws(s, n, k);
	if (k >= n || s[k] != ']')
		return false;
	*i = k + 1;
	return true;
}

static enum cr_err flush(struct cr_profile *p, struct pending *pd, uint32_t **stk, size_t *cap_stk,
			 int64_t rate, bool v2, bool alloc)
{
	if (!pd->active)
		return CR_OK;
	pd->active = false;
	if (cr_grow(stk, cap_stk, pd->naddrs, sizeof **stk))
		return CR_NOMEM;
	size_t nst = 0;
	bool named_seen = false;
	/* Inlined frames share their physical function's entry (pc - offset);
	 * the outermost frame of such a run names the physical function, which is
	 * the name the binary's symbol table gives the pc. Names repeat in a run
	 * only through recursion, which starts a new physical frame. */
	for (size_t f = 0; f < pd->nframes;) {
		size_t g = f;
		while (g + 1 < pd->nframes && pd->frames[g + 1].entry == pd->frames[f].entry) {
			bool dup = false;
			for (size_t k = f; k <= g; k++)
				if (pd->frames[k].fnlen == pd->frames[g + 1].fnlen &&
				    memcmp(pd->frames[k].fn, pd->frames[g + 1].fn, pd->frames[k].fnlen) == 0)
					dup = true;
			if (dup)
				break;
			g++;
		}
		for (size_t k = f; k <= g; k++)
			pd->frames[k].phys = g;
		f = g + 1;
	}
	for (size_t a = 0; a < pd->naddrs; a++) {
		uint64_t addr = pd->addrs[a] - 1;
		/* frames printed for this pc: runtime.Frames reports caller pcs
		 * as the call instruction (ret-1) */
		size_t first = SIZE_MAX;
		for (size_t f = 0; f < pd->nframes; f++)
			if (pd->frames[f].pc == addr || pd->frames[f].pc == pd->addrs[a]) {
				first = f;
				break;
			}
		struct cr_line ln = { 0, 0 };
		size_t nl = 0;
		if (cr_profile_addresses_only) /* pprof's parse: every pc a location, no names */
			first = SIZE_MAX;
		else if (first == SIZE_MAX && !named_seen && pd->nframes > 0)
			continue; /* a leading runtime frame the runtime hid (pprof prunes it) */
		if (first == SIZE_MAX && named_seen && !cr_profile_addresses_only) {
			/* the only frame the runtime hides after the first shown one */
			ln.function = cr_profile_function(p, "runtime.goexit", "", 0);
			if (ln.function == UINT32_MAX)
				return CR_NOMEM;
			nl = 1;
		}
		if (first != SIZE_MAX) {
			named_seen = true;
			const struct cr_comment_frame *in = &pd->frames[first], *out = &pd->frames[in->phys];
			char name[4096], file[4096];
			snprintf(name, sizeof name, "%.*s", (int)out->fnlen, out->fn);
			snprintf(file, sizeof file, "%.*s", (int)in->filelen, in->file);
			ln.function = cr_profile_function(p, name, file, 0);
			if (ln.function == UINT32_MAX)
				return CR_NOMEM;
			ln.line = in->line;
			nl = 1;
		}
		/* dedup by address: the first sample that names it wins, as the
		 * binary would name it the same every time */
		bool found;
		uint32_t *slot = cr_hmap_put(&pd->addrmap, &addr, sizeof addr, (uint32_t)p->nlocations, &found);
		if (!slot)
			return CR_NOMEM;
		if (!found) {
			uint32_t li = cr_profile_add_location(p, 0, addr, 0, &ln, nl);
			if (li == UINT32_MAX)
				return CR_NOMEM;
			*slot = li;
		} else if (nl && p->locations[*slot].nlines == 0) {
			/* an earlier sample had no comment for it: name it now */
			struct cr_location *l = &p->locations[*slot];
			if (cr_grow(&p->lines, &p->cap_lines, p->nlines + 1, sizeof *p->lines))
				return CR_NOMEM;
			l->line_start = (uint32_t)p->nlines;
			l->nlines = 1;
			p->lines[p->nlines++] = ln;
		}
		(*stk)[nst++] = *slot;
	}
	int64_t v[4] = { pd->vals[2], pd->vals[3], pd->vals[0], pd->vals[1] };
	/* order of the profile: alloc_objects, alloc_space, inuse_objects, inuse_space */
	int64_t blocksize = 0;
	if (alloc && v[0] != 0)
		blocksize = v[1] / v[0];
	if (alloc && v2)
		cr_heap_unsample(&v[0], &v[1], rate);
	if (v[2] != 0)
		blocksize = v[3] / v[2];
	if (v2)
		cr_heap_unsample(&v[2], &v[3], rate);
	struct cr_label lab = { .key = cr_profile_intern_z(p, "bytes"), .num = blocksize }; /* no unit, as pprof */
	return cr_profile_add_sample(p, *stk, nst, alloc ? v : v + 2, &lab, 1);
}


static void memstat_line(struct cr_profile *p, const char *s, size_t n)
{
	/* "# Key = value" or "# Key = inuse / sys" */
	size_t i = cr_skip_ws(s, n, 1), ks = i;
	while (i < n && s[i] != ' ' && s[i] != '=')
		i++;
	size_t ke = i;
	i = cr_skip_ws(s, n, i);
	if (i >= n || s[i] != '=' || ke == ks || ke - ks > 64)
		return;
	i = cr_skip_ws(s, n, i + 1);
	char key[80];
	snprintf(key, sizeof key, "%.*s", (int)(ke - ks), s + ks);
	int64_t v;
	if (i < n && s[i] == '[')
		return; /* PauseNs / PauseEnd arrays */
	if (!cr_parse_i64(s, n, &i, &v)) {
		if (cr_starts(s + i, n - i, "true") || cr_starts(s + i, n - i, "false"))
			cr_profile_add_extra(p, key, s[i] == 't');
		return;
	}
	if (i < n && s[i] == '.') {
		/* GCCPUFraction: keep it in parts per million */
		double d = 0;
		char tmp[64];
		size_t vs = i;
		while (vs > 0 && s[vs - 1] != ' ')
			vs--;
		snprintf(tmp, sizeof tmp, "%.*s", (int)(n - vs < 63 ? n - vs : 63), s + vs);
		sscanf(tmp, "%lf", &d);
		d *= 1e6;
		if (!(d > -9e18 && d < 9e18))
			return; /* not a fraction (NaN, or past int64: hostile text) */
		char k2[96];
		snprintf(k2, sizeof k2, "%s_ppm", key);
		cr_profile_add_extra(p, k2, (int64_t)d);
		return;
	}
	size_t j = cr_skip_ws(s, n, i);
	if (j < n && s[j] == '/') {
		int64_t sys;
		j = cr_skip_ws(s, n, j + 1);
		if (cr_parse_i64(s, n, &j, &sys)) {
			char k2[96];
			snprintf(k2, sizeof k2, "%sInuse", key);
			cr_profile_add_extra(p, k2, v);
			snprintf(k2, sizeof k2, "%sSys", key);
			cr_profile_add_extra(p, k2, sys);
		}
		return;
	}
	cr_profile_add_extra(p, key, v);
}

/* Line 1: "heap profile: N: N [N: N] @ heap_v2/RATE" (or heap/2*RATE,
 * heapprofile): the sampling period, and whether the counts are v2's. */
static enum cr_err heap_header(const char *s, size_t n, const char *name, int64_t *period, bool *v2,
			       bool *alloc, struct cr_error *e)
{
	int64_t hv[4];
	size_t i = strlen("heap profile:");
	if (!parse_counts(s, n, &i, hv))
		return cr_fail(e, CR_FORMAT, "%s: heap profile: line 1: malformed header", name);
	/* pprof: alloc types only when the totals in [] differ from the in-use
	 * ones (and are not 0) */
	*alloc = (hv[2] != hv[0] && hv[2] != 0) || (hv[3] != hv[1] && hv[3] != 0);
	/* gperftools' growth and fragmentation profiles: "] @ growthz" */
	if (i + 2 < n && s[i] == ' ' && s[i + 1] == '@' && s[i + 2] == ' ' &&
	    (cr_starts(s + i + 3, n - i - 3, "growth") || cr_starts(s + i + 3, n - i - 3, "fragmentation"))) {
		*v2 = false;
		*alloc = false;
		*period = 1;
		return CR_OK;
	}
	i = cr_skip_ws(s, n, i);
	if (i >= n || s[i] != '@')
		return cr_fail(e, CR_FORMAT, "%s: heap profile: line 1: missing '@ heap/RATE'", name);
	i = cr_skip_ws(s, n, i + 1);
	size_t ns = i;
	while (i < n && s[i] != '/' && s[i] != ' ')
		i++;
	char kind[32];
	snprintf(kind, sizeof kind, "%.*s", (int)(i - ns < 31 ? i - ns : 31), s + ns);
	if (i < n && s[i] == '/') {
		i++;
		if (i < n && !cr_parse_i64(s, n, &i, period))
			return cr_fail(e, CR_FORMAT, "%s: heap profile: line 1: bad sampling rate", name);
	}
	if (!strcmp(kind, "heap_v2") || !strcmp(kind, "heapz_v2")) {
		*v2 = true;
	} else if (!strcmp(kind, "heap")) {
		*v2 = true;
		*period /= 2;
	} else if (!strcmp(kind, "heapprofile")) {
		*v2 = false;
		*period = 1;
	} else {
		return cr_fail(e, CR_FORMAT, "%s: heap profile: line 1: unknown profile kind '%s'", name, kind);
	}
	return CR_OK;
}

enum cr_err cr_profile_read_heap_text(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_error *e)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	enum cr_err rc = CR_OK;
	struct pending pd;
	uint32_t *stk = NULL;
	size_t cap_stk = 0;
	memset(&pd, 0, sizeof pd);
	cr_hmap_init(&pd.addrmap);
	p->source = CR_SRC_HEAP_TEXT;
	p->name = name;
	cr_lines_init(&it, data, len);
	if (!cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut) || !cr_starts(s, n, "heap profile:"))
		return cr_fail(e, CR_FORMAT, "%s: heap profile: line 1: missing 'heap profile:' header", name);
	int64_t period = 0;
	bool v2 = false, alloc = true;
	if ((rc = heap_header(s, n, name, &period, &v2, &alloc, e)))
		return rc;
	if (alloc ? (cr_profile_add_type(p, "alloc_objects", "count") ||
		     cr_profile_add_type(p, "alloc_space", "bytes") ||
		     cr_profile_add_type(p, "inuse_objects", "count") ||
		     cr_profile_add_type(p, "inuse_space", "bytes"))
		  : (cr_profile_add_type(p, "objects", "count") || cr_profile_add_type(p, "space", "bytes")))
		goto nomem;
	p->period_type.type = cr_profile_intern_z(p, "space");
	p->period_type.unit = cr_profile_intern_z(p, "bytes");
	p->period = period;
	p->drop_frames = cr_profile_intern_z(p, cr_alloc_drop_frames);
	p->keep_frames = cr_profile_intern_z(p, cr_alloc_keep_frames);
	bool in_memstats = false, maps = false;
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (cut) {
			rc = cr_fail(e, CR_LIMIT, "%s: heap profile: line %zu: longer than %zu bytes",
				     name, it.lineno, cr_limits.max_line);
			goto out;
		}
		if (!cr_trim_left(&s, &n))
			continue;
		if (s[0] == '#') {
			if (cr_starts(s, n, "# runtime.MemStats")) {
				if ((rc = flush(p, &pd, &stk, &cap_stk, period, v2, alloc)))
					goto nomem;
				in_memstats = true;
				continue;
			}
			if (in_memstats) {
				memstat_line(p, s, n);
				continue;
			}
			if (pd.active &&
			    cr_comment_frame_add(s, n, &pd.frames, &pd.nframes, &pd.cap_frames, SIZE_MAX) < 0)
				goto nomem;
			continue;
		}
		if (cr_legacy_maps_sentinel(s, n)) {
			maps = true;
			break;
		}
		if ((rc = flush(p, &pd, &stk, &cap_stk, period, v2, alloc)))
			goto nomem;
		size_t j = 0;
		int64_t v[4];
		if (!parse_counts(s, n, &j, v)) {
			rc = cr_fail(e, CR_FORMAT, "%s: heap profile: line %zu: malformed sample", name, it.lineno);
			goto out;
		}
		if ((v[0] == 0 && v[1] != 0) || (alloc && v[2] == 0 && v[3] != 0)) {
			rc = cr_fail(e, CR_FORMAT, "%s: heap profile: line %zu: count 0 with non-zero bytes", name, it.lineno);
			goto out;
		}
		j = cr_skip_ws(s, n, j);
		if (j >= n || s[j] != '@') {
			rc = cr_fail(e, CR_FORMAT, "%s: heap profile: line %zu: missing '@' before addresses", name, it.lineno);
			goto out;
		}
		j++;
		pd.naddrs = 0;
		pd.nframes = 0;
		/* as pprof: the addresses are the 0x... numbers in the run of
		 * [ x0-9a-f] after '@'; anything after that run is ignored */
		size_t end = j;
		while (end < n && (s[end] == ' ' || s[end] == '\t' || s[end] == 'x' ||
				   (s[end] >= '0' && s[end] <= '9') || (s[end] >= 'a' && s[end] <= 'f')))
			end++;
		while (j < end) {
			if (!(s[j] == '0' && j + 1 < end && s[j + 1] == 'x')) {
				j++;
				continue;
			}
			uint64_t a;
			size_t q = j;
			if (!cr_parse_hex(s, end, &q, &a)) {
				bool digit = j + 2 < end && ((s[j + 2] >= '0' && s[j + 2] <= '9') ||
							     (s[j + 2] >= 'a' && s[j + 2] <= 'f'));
				if (!digit) { /* "0x" with no digits */
					j += 2;
					continue;
				}
				rc = cr_fail(e, CR_FORMAT, "%s: heap profile: line %zu: address too large", name, it.lineno);
				goto out;
			}
			j = q;
			if (a == 0)
				continue; /* not a return address */
			if (pd.naddrs >= cr_limits.max_frames) {
				rc = cr_fail(e, CR_LIMIT, "%s: heap profile: line %zu: more than %u frames", name, it.lineno, cr_limits.max_frames);
				goto out;
			}
			if (cr_grow(&pd.addrs, &pd.cap_addrs, pd.naddrs + 1, sizeof a))
				goto nomem;
			pd.addrs[pd.naddrs++] = a;
		}
		memcpy(pd.vals, v, sizeof v);
		pd.active = true;
	}
	if ((rc = flush(p, &pd, &stk, &cap_stk, period, v2, alloc)))
		goto nomem;
	if (cr_legacy_maps(p, maps ? it.p : "", maps ? (size_t)(it.end - it.p) : 0))
		goto nomem;
	goto out;
nomem:
	rc = cr_fail(e, CR_NOMEM, "%s: heap profile: out of memory (limit %zu MiB)", name, cr_limits.max_memory >> 20);
out:
	cr_free(pd.addrs);
	cr_free(pd.frames);
	cr_hmap_release(&pd.addrmap);
	cr_free(stk);
	return rc;
}
