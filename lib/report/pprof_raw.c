/* go tool pprof -raw: the profile as its Profile.String() prints it (from
 * go1.21's pprof on, which no longer merges a single profile; columns, ":0"
 * here, are printed from go1.23's).
 *
 * Comments, PeriodType, Period, Time (Go's time.Time layout in the local
 * zone), Duration (Go's Duration string cut to 4 characters, as its "%.4v"
 * does), the sample types ([dflt] on the default), each sample's values
 * ("%10d"), location ids and labels (sorted "key:[v ...]" strings; numeric
 * values with their units when any has one), the locations (one line per
 * frame, "??" without a function) and the mappings. */
#include "coroner/out.h"
#include "coroner/pprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Go's time.Duration.String() */
static void go_duration(char *out, size_t n, int64_t d)
{
	char buf[64];
	size_t w = sizeof buf;
	buf[--w] = 0;
	uint64_t u = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
	bool neg = d < 0;
	/* fraction of v with prec digits, trailing zeros dropped */
#define FRAC(prec) do { bool print = false; for (int i = 0; i < (prec); i++) { unsigned digit = (unsigned)(u % 10); \
		print = print || digit != 0; if (print) buf[--w] = (char)('0' + digit); u /= 10; } \
		if (print) buf[--w] = '.'; } while (0)
#define INT() do { if (u == 0) buf[--w] = '0'; else while (u > 0) { buf[--w] = (char)('0' + u % 10); u /= 10; } } while (0)
	if (u < 1000000000ull) {
		int prec;
		const char *unit;
		if (u == 0) {
			snprintf(out, n, "0s");
			return;
		} else if (u < 1000ull) {
			prec = 0, unit = "ns";
		} else if (u < 1000000ull) {
			prec = 3, unit = "\xc2\xb5s";
		} else {
			prec = 6, unit = "ms";
		}
		size_t ul = strlen(unit);
		w -= ul;
		memcpy(buf + w, unit, ul);
		FRAC(prec);
		INT();
	} else {
		buf[--w] = 's';
		FRAC(9);
		uint64_t secs = u % 60;
		u /= 60;
		uint64_t rest = u;
		u = secs;
		INT();
		if (rest > 0) {
			buf[--w] = 'm';
			u = rest % 60;
			INT();
			rest /= 60;
			if (rest > 0) {
				buf[--w] = 'h';
				u = rest;
				INT();
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	snprintf(out, n, "%s", buf + w);
#undef FRAC
#undef INT
}

/* "%.4v": the first 4 runes */
static void cut_runes(char *s, int k)
{
	int r = 0;
	for (char *c = s; *c; c++) {
		if (((unsigned char)*c & 0xc0) != 0x80 && r++ == k) {
			*c = 0;
			return;
		}
	}
}

struct emitter {
	struct cr_buf b;
	cr_emit_fn *emit;
	void *ctx;
	bool nomem;
};

static void flush(struct emitter *m, bool all)
{
	if (m->b.len && (all || m->b.len > 1 << 16)) {
		m->emit(m->ctx, m->b.data, m->b.len);
		m->b.len = 0;
	}
}

#define OUT(...) do { if (cr_buf_addf(&m->b, __VA_ARGS__)) m->nomem = true; } while (0)

struct labkey {
	uint32_t key;
	bool numeric;
	char *text;
};

static int cmp_text(const void *a, const void *b)
{
	return strcmp(((const struct labkey *)a)->text, ((const struct labkey *)b)->text);
}

/* A numeric label pprof's decoder drops (no number, no unit): its legacy
 * parsers keep theirs */
static bool zero_label(const struct cr_profile *p, const struct cr_label *l)
{
	return l->num == 0 && l->num_unit == 0 && p->source == CR_SRC_PPROF;
}

/* "key:[v v]" per key of one kind, sorted, joined by ' ' */
static void sample_labels(struct emitter *m, struct cr_buf *out, const struct cr_profile *p,
			  const struct cr_sample *s, bool numeric, struct labkey *tmp)
{
	const struct cr_label *L = p->labels + s->label_start;
	size_t n = 0;
	struct cr_buf t = { 0 };
	for (uint32_t i = 0; i < s->nlabel; i++) {
		bool num = L[i].str == 0;
		if (num != numeric || (num && zero_label(p, &L[i])))
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < i && !dup; j++)
			dup = L[j].key == L[i].key && (L[j].str == 0) == num &&
			      !(num && zero_label(p, &L[j]));
		if (dup)
			continue;
		bool units = false;
		for (uint32_t j = i; j < s->nlabel && num; j++)
			if (L[j].key == L[i].key && L[j].str == 0 && L[j].num_unit)
				units = true;
		t.len = 0;
		cr_buf_addf(&t, "%s:[", cr_profile_str(p, L[i].key));
		bool first = true;
		for (uint32_t j = i; j < s->nlabel; j++) {
			if (L[j].key != L[i].key || (L[j].str == 0) != num || (num && zero_label(p, &L[j])))
				continue;
			if (!first)
				cr_buf_add(&t, " ", 1);
			first = false;
			if (!num)
				cr_buf_addf(&t, "%s", cr_profile_str(p, L[j].str));
			else if (units)
				cr_buf_addf(&t, "%lld %s", (long long)L[j].num, cr_profile_str(p, L[j].num_unit));
			else
				cr_buf_addf(&t, "%lld", (long long)L[j].num);
		}
		cr_buf_add(&t, "]", 1);
		tmp[n].text = strdup(cr_buf_str(&t));
		if (!tmp[n].text)
			m->nomem = true;
		else
			n++;
	}
	cr_buf_release(&t);
	if (n == 0)
		return;
	qsort(tmp, n, sizeof *tmp, cmp_text);
	if (cr_buf_add(out, "\n                ", 17))
		m->nomem = true;
	for (size_t i = 0; i < n; i++) {
		if ((i && cr_buf_add(out, " ", 1)) || cr_buf_add(out, tmp[i].text, strlen(tmp[i].text)))
			m->nomem = true;
		free(tmp[i].text);
	}
}

/* The decimal digits of v into out (at least 21 bytes); returns their count */
static size_t fmt_i64(char *out, int64_t v)
{
	char t[24];
	size_t w = sizeof t;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		t[--w] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--w] = '-';
	memcpy(out, t + w, sizeof t - w);
	return sizeof t - w;
}

static inline void put(struct emitter *m, const char *s, size_t n)
{
	if (m->b.len + n < m->b.cap) {
		memcpy(m->b.data + m->b.len, s, n);
		m->b.len += n;
		m->b.data[m->b.len] = 0;
	} else if (cr_buf_add(&m->b, s, n)) {
		m->nomem = true;
	}
}

/* put for the short pieces (a location's "ID "): 16 bytes copied at
 * once when they fit, the bytes past n of s readable and those past n of
 * the buffer written over later */
static inline void put16(struct emitter *m, const char *s, size_t n)
{
	if (n <= 16 && m->b.len + 16 < m->b.cap) {
		memcpy(m->b.data + m->b.len, s, 16);
		m->b.len += n;
		m->b.data[m->b.len] = 0;
	} else {
		put(m, s, n);
	}
}

/* The label text of each distinct label set, made once: a sample's labels
 * repeat over many samples. Entries name the first sample that had them. */
#define LABC_BITS 12
struct labc {
	struct labc_ent {
		uint32_t label_start, nlabel;
		size_t off, len; /* in text */
		bool used;
	} e[1u << LABC_BITS];
	struct cr_buf text, one;
	struct labkey *tmp;
	size_t cap_tmp;
};

static bool same_labels(const struct cr_label *a, const struct cr_label *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].key != b[i].key || a[i].str != b[i].str || a[i].num != b[i].num ||
		    a[i].num_unit != b[i].num_unit)
			return false;
	return true;
}

static void put_labels(struct emitter *m, struct labc *c, const struct cr_profile *p, const struct cr_sample *sm)
{
	const struct cr_label *L = p->labels + sm->label_start;
	uint64_t h = sm->nlabel;
	for (uint32_t i = 0; i < sm->nlabel; i++)
		h = (h ^ L[i].key ^ ((uint64_t)L[i].str << 32) ^ (uint64_t)L[i].num ^ ((uint64_t)L[i].num_unit << 17)) *
		    0x9e3779b97f4a7c15ull;
	struct labc_ent *en = &c->e[h >> (64 - LABC_BITS)];
	if (en->used && en->nlabel == sm->nlabel && same_labels(p->labels + en->label_start, L, sm->nlabel)) {
		put(m, c->text.data + en->off, en->len);
		return;
	}
	if (cr_grow(&c->tmp, &c->cap_tmp, sm->nlabel, sizeof *c->tmp)) {
		m->nomem = true;
		return;
	}
	c->one.len = 0;
	sample_labels(m, &c->one, p, sm, false, c->tmp);
	sample_labels(m, &c->one, p, sm, true, c->tmp);
	if (m->nomem)
		return;
	put(m, c->one.data ? c->one.data : "", c->one.len);
	if (c->text.len < (64u << 20) && !cr_buf_add(&c->text, c->one.data ? c->one.data : "", c->one.len))
		*en = (struct labc_ent){ sm->label_start, sm->nlabel, c->text.len - c->one.len, c->one.len, true };
}

/* pprof's Merge of the profile (what -raw printed before go1.21, and for
 * several profiles): samples with all values zero dropped; mappings,
 * functions and locations renumbered in the order the samples first use
 * them, equal ones (by pprof's keys) made one, a mapping's first copy kept
 * and later copies' addresses moved by the difference of their starts;
 * samples with equal locations and labels summed into the first. When a
 * sum is zero pprof merges the result again. */
struct mview {
	size_t ns;            /* merged samples */
	uint32_t *srep;       /* each one's first sample */
	int64_t *vals;        /* ns * ntypes */
	size_t nl, nm;        /* locations, mappings in the new order */
	uint32_t *lrep, *mrep; /* their first copies */
	uint64_t *laddr;      /* each new location's address */
	uint32_t *lnew, *mnew; /* per original location, mapping: new id (0: unused) */
	int64_t *moff;        /* per original mapping: its address shift */
};

static void mview_release(struct mview *v)
{
	cr_free(v->srep);
	cr_free(v->vals);
	cr_free(v->lrep);
	cr_free(v->mrep);
	cr_free(v->laddr);
	cr_free(v->lnew);
	cr_free(v->mnew);
	cr_free(v->moff);
	memset(v, 0, sizeof *v);
}

/* one merge pass over the samples use[0..nuse) (original indices, with
 * values vin); false when out of memory */
static bool mview_pass(struct mview *v, const struct cr_profile *p, const uint32_t *use, const int64_t *vin,
		       size_t nuse, uint32_t first_map)
{
	struct cr_hmap mk, fk, lk, sk;
	cr_hmap_init(&mk), cr_hmap_init(&fk), cr_hmap_init(&lk), cr_hmap_init(&sk);
	struct cr_buf key = { 0 };
	uint32_t *fnew = cr_calloc(p->nfunctions + 1, sizeof *fnew);
	uint32_t *lk2 = NULL;
	size_t nf = 0, nt = p->ntypes;
	bool ok = false;
	mview_release(v);
	v->srep = cr_calloc(nuse + 1, sizeof *v->srep);
	v->vals = cr_calloc(nuse * nt + 1, sizeof *v->vals);
	v->lrep = cr_calloc(p->nlocations + 1, sizeof *v->lrep);
	v->laddr = cr_calloc(p->nlocations + 1, sizeof *v->laddr);
	v->lnew = cr_calloc(p->nlocations + 1, sizeof *v->lnew);
	v->mrep = cr_calloc(p->nmappings + 1, sizeof *v->mrep);
	v->mnew = cr_calloc(p->nmappings + 1, sizeof *v->mnew);
	v->moff = cr_calloc(p->nmappings + 1, sizeof *v->moff);
	lk2 = cr_calloc(64, sizeof *lk2);
	size_t cap_lk2 = 64;
	if (!fnew || !v->srep || !v->vals || !v->lrep || !v->laddr || !v->lnew || !v->mrep || !v->mnew || !v->moff || !lk2)
		goto out;
#define KEY(x) cr_buf_add(&key, &(x), sizeof(x))
	for (size_t u = 0; u <= nuse; u++) {
		/* the first source mapping first, then each sample's locations */
		const struct cr_sample *sm = u ? &p->samples[use[u - 1]] : NULL;
		uint32_t nloc = u ? sm->nloc : (first_map ? 1 : 0);
		if (cr_grow(&lk2, &cap_lk2, nloc + 1, sizeof *lk2))
			goto out;
		for (uint32_t k = 0; k < nloc; k++) {
			uint32_t li = u ? p->stack[sm->loc_start + k] : 0;
			const struct cr_location *l = u ? &p->locations[li] : NULL;
			uint32_t mi = u ? l->mapping : first_map; /* index + 1 */
			uint32_t mnew = 0;
			if (mi && mi <= p->nmappings) {
				if (!v->mnew[mi - 1]) {
					const struct cr_mapping *mp = &p->mappings[mi - 1];
					uint64_t size = mp->limit - mp->start;
					size = size + 0xfff;
					size -= size % 0x1000;
					uint32_t bf = mp->build_id && *cr_profile_str(p, mp->build_id) ? mp->build_id : mp->filename;
					const char *bfs = cr_profile_str(p, bf);
					key.len = 0;
					KEY(size), KEY(mp->offset), cr_buf_add(&key, bfs, strlen(bfs));
					bool found;
					uint32_t *slot = key.data ? cr_hmap_put(&mk, key.data, key.len, (uint32_t)v->nm, &found) : NULL;
					if (!slot)
						goto out;
					if (!found)
						v->mrep[v->nm++] = mi - 1;
					v->mnew[mi - 1] = *slot + 1;
					v->moff[mi - 1] = (int64_t)(p->mappings[v->mrep[*slot]].start - mp->start);
				}
				mnew = v->mnew[mi - 1];
			}
			if (!u)
				break;
			if (!v->lnew[li]) {
				key.len = 0;
				uint64_t a = l->address - (mi && mi <= p->nmappings ? p->mappings[mi - 1].start : 0);
				uint8_t folded = l->is_folded;
				KEY(a), KEY(mnew), KEY(folded);
				for (uint32_t j = 0; j < l->nlines; j++) {
					const struct cr_line *ln = &p->lines[l->line_start + j];
					uint32_t fid = 0;
					if (ln->function && ln->function <= p->nfunctions) {
						if (!fnew[ln->function - 1]) {
							const struct cr_function *fn = &p->functions[ln->function - 1];
							const char *ss[3] = { cr_profile_str(p, fn->name), cr_profile_str(p, fn->system_name),
									      cr_profile_str(p, fn->filename) };
							struct cr_buf fkb = { 0 };
							cr_buf_add(&fkb, &fn->start_line, sizeof fn->start_line);
							for (int q = 0; q < 3; q++)
								cr_buf_add(&fkb, ss[q], strlen(ss[q]) + 1);
							bool found;
							uint32_t *slot = fkb.data ? cr_hmap_put(&fk, fkb.data, fkb.len, (uint32_t)nf, &found) : NULL;
							cr_buf_release(&fkb);
							if (!slot)
								goto out;
							nf += !found;
							fnew[ln->function - 1] = *slot + 1;
						}
						fid = fnew[ln->function - 1];
					}
					KEY(fid), KEY(ln->line);
				}
				bool found;
				uint32_t *slot = key.data ? cr_hmap_put(&lk, key.data, key.len, (uint32_t)v->nl, &found) : NULL;
				if (!slot)
					goto out;
				if (!found) {
					v->lrep[v->nl] = li;
					v->laddr[v->nl++] = l->address + (uint64_t)(mi && mi <= p->nmappings ? v->moff[mi - 1] : 0);
				}
				v->lnew[li] = *slot + 1;
			}
			lk2[k] = v->lnew[li];
		}
		if (!u)
			continue;
		/* the sample's key: its new location ids, then its labels grouped
		 * by (kind, key) in the order of their first value */
		key.len = 0;
		KEY(nloc);
		cr_buf_add(&key, lk2, nloc * sizeof *lk2);
		const struct cr_label *L = p->labels + sm->label_start;
		for (int kind = 1; kind <= 2; kind++)
			for (uint32_t i = 0; i < sm->nlabel; i++) {
				int ki = L[i].str ? 1 : (L[i].num || L[i].num_unit) ? 2 : 0;
				bool dup = false;
				for (uint32_t j = 0; j < i && !dup; j++)
					dup = (L[j].str ? 1 : (L[j].num || L[j].num_unit) ? 2 : 0) == ki && L[j].key == L[i].key;
				if (ki != kind || dup)
					continue;
				KEY(kind), KEY(L[i].key);
				for (uint32_t j = i; j < sm->nlabel; j++) {
					int kj = L[j].str ? 1 : (L[j].num || L[j].num_unit) ? 2 : 0;
					if (kj == kind && L[j].key == L[i].key)
						KEY(L[j].str), KEY(L[j].num), KEY(L[j].num_unit);
				}
			}
		bool found;
		uint32_t *slot = key.data ? cr_hmap_put(&sk, key.data, key.len, (uint32_t)v->ns, &found) : NULL;
		if (!slot)
			goto out;
		if (!found)
			v->srep[v->ns++] = use[u - 1];
		for (size_t t = 0; t < nt; t++)
			v->vals[*slot * nt + t] = (int64_t)((uint64_t)v->vals[*slot * nt + t] + (uint64_t)vin[(u - 1) * nt + t]);
	}
#undef KEY
	ok = true;
out:
	cr_hmap_release(&mk), cr_hmap_release(&fk), cr_hmap_release(&lk), cr_hmap_release(&sk);
	cr_buf_release(&key);
	cr_free(fnew);
	cr_free(lk2);
	return ok;
}

static bool zero_values(const int64_t *v, size_t n)
{
	for (size_t t = 0; t < n; t++)
		if (v[t])
			return false;
	return true;
}

/* The view of pprof's merge of p; false when out of memory */
static bool mview_build(struct mview *v, const struct cr_profile *p)
{
	size_t nt = p->ntypes, n = 0;
	uint32_t *use = cr_calloc(p->nsamples + 1, sizeof *use);
	int64_t *vin = cr_calloc(p->nsamples * nt + 1, sizeof *vin);
	bool ok = use && vin;
	for (size_t s = 0; ok && s < p->nsamples; s++)
		if (!zero_values(&p->values[s * nt], nt)) {
			memcpy(&vin[n * nt], &p->values[s * nt], nt * sizeof *vin);
			use[n++] = (uint32_t)s;
		}
	ok = ok && mview_pass(v, p, use, vin, n, p->nmappings ? 1 : 0);
	/* sums of zero: merged again without them */
	for (int round = 0; ok && round < 8; round++) {
		size_t m = 0;
		for (size_t s = 0; s < v->ns; s++)
			if (!zero_values(&v->vals[s * nt], nt)) {
				memmove(&vin[m * nt], &v->vals[s * nt], nt * sizeof *vin);
				use[m++] = v->srep[s];
			}
		if (m == v->ns)
			break;
		uint32_t first = v->nm ? v->mrep[0] + 1 : 0;
		ok = mview_pass(v, p, use, vin, m, first);
	}
	cr_free(use);
	cr_free(vin);
	return ok;
}

enum cr_err cr_pprof_merge(struct cr_profile *p, struct cr_error *e)
{
	struct mview v = { 0 };
	size_t nt = p->ntypes, nstack = 0;
	if (!mview_build(&v, p)) {
		mview_release(&v);
		return cr_fail(e, CR_NOMEM, "out of memory merging the profile");
	}
	for (size_t s = 0; s < v.ns; s++)
		nstack += p->samples[v.srep[s]].nloc;
	struct cr_location *locs = cr_calloc(v.nl + 1, sizeof *locs);
	struct cr_mapping *maps = cr_calloc(v.nm + 1, sizeof *maps);
	struct cr_sample *smp = cr_calloc(v.ns + 1, sizeof *smp);
	uint32_t *stack = cr_calloc(nstack + 1, sizeof *stack);
	if (!locs || !maps || !smp || !stack) {
		cr_free(locs), cr_free(maps), cr_free(smp), cr_free(stack);
		mview_release(&v);
		return cr_fail(e, CR_NOMEM, "out of memory merging the profile");
	}
	for (size_t i = 0; i < v.nm; i++)
		maps[i] = p->mappings[v.mrep[i]], maps[i].id = i + 1;
	for (size_t i = 0; i < v.nl; i++) {
		locs[i] = p->locations[v.lrep[i]];
		locs[i].id = i + 1, locs[i].address = v.laddr[i];
		if (locs[i].mapping && locs[i].mapping <= p->nmappings)
			locs[i].mapping = v.mnew[locs[i].mapping - 1];
	}
	nstack = 0;
	for (size_t s = 0; s < v.ns; s++) {
		const struct cr_sample *o = &p->samples[v.srep[s]];
		smp[s] = *o;
		smp[s].loc_start = (uint32_t)nstack;
		for (uint32_t k = 0; k < o->nloc; k++)
			stack[nstack++] = v.lnew[p->stack[o->loc_start + k]] - 1;
	}
	/* the values: the merged sums, in place (v.ns <= nsamples) */
	memcpy(p->values, v.vals, v.ns * nt * sizeof *p->values);
	cr_free(p->locations), cr_free(p->mappings), cr_free(p->samples), cr_free(p->stack);
	p->locations = locs, p->nlocations = p->cap_locations = v.nl;
	p->mappings = maps, p->nmappings = p->cap_mappings = v.nm;
	p->samples = smp, p->nsamples = p->cap_samples = v.ns;
	p->stack = stack, p->nstack = p->cap_stack = nstack;
	p->cap_locations += !v.nl, p->cap_mappings += !v.nm, p->cap_samples += !v.ns, p->cap_stack += !nstack;
	cr_hmap_release(&p->lmap); /* the builders' index: rebuilt over the new locations */
	cr_hmap_init(&p->lmap);
	mview_release(&v);
	return CR_OK;
}

enum cr_err cr_pprof_raw(const struct cr_profile *p, bool merge, cr_emit_fn *emit, void *ctx, struct cr_error *e)
{
	struct emitter em = { .emit = emit, .ctx = ctx }, *m = &em;
	struct mview v = { 0 };
	if (merge && !mview_build(&v, p)) {
		mview_release(&v);
		return cr_fail(e, CR_NOMEM, "out of memory merging the profile");
	}
	for (size_t i = 0; i < p->ncomments; i++)
		OUT("Comment: %s\n", cr_profile_str(p, p->comments[i]));
	/* pprof's decoder gives every profile.proto a period type, empty or not */
	if (p->period_type.type || p->period_type.unit || p->period_type_empty || p->source == CR_SRC_PPROF)
		OUT("PeriodType: %s %s\n", cr_profile_str(p, p->period_type.type), cr_profile_str(p, p->period_type.unit));
	OUT("Period: %lld\n", (long long)p->period);
	if (p->time_nanos) {
		time_t secs = (time_t)(p->time_nanos / 1000000000);
		long ns = (long)(p->time_nanos % 1000000000);
		if (ns < 0)
			ns += 1000000000, secs--;
		struct tm tm;
		char frac[16] = "", zone[16], off[8];
		if (ns) {
			snprintf(frac, sizeof frac, ".%09ld", ns);
			for (size_t k = strlen(frac); k > 1 && frac[k - 1] == '0'; k--)
				frac[k - 1] = 0;
		}
		if (localtime_r(&secs, &tm)) {
			strftime(zone, sizeof zone, "%Z", &tm);
			strftime(off, sizeof off, "%z", &tm);
			OUT("Time: %04d-%02d-%02d %02d:%02d:%02d%s %s %s\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec, frac, off, zone);
		}
	}
	if (p->duration_nanos) {
		char d[64];
		go_duration(d, sizeof d, p->duration_nanos);
		cut_runes(d, 4);
		OUT("Duration: %s\n", d);
	}
	OUT("Samples:\n");
	const char *dflt = p->default_type ? cr_profile_str(p, p->default_type) : NULL;
	for (size_t t = 0; t < p->ntypes; t++) {
		const char *ty = cr_profile_str(p, p->types[t].type);
		OUT("%s%s/%s%s", t ? " " : "", ty, cr_profile_str(p, p->types[t].unit),
		    dflt && !strcmp(ty, dflt) ? "[dflt]" : "");
	}
	OUT("\n");
	/* each location's "ID " once */
	struct cr_buf ids = { 0 };
	uint32_t *idoff = cr_calloc(p->nlocations + 1, sizeof *idoff);
	struct labc *lc = cr_calloc(1, sizeof *lc);
	for (size_t i = 0; idoff && i < p->nlocations; i++) {
		char t[24];
		size_t n = fmt_i64(t, merge ? (int64_t)v.lnew[i] : (int64_t)p->locations[i].id);
		t[n++] = ' ';
		idoff[i] = (uint32_t)ids.len;
		cr_buf_add(&ids, t, n);
		if (ids.len > UINT32_MAX)
			m->nomem = true;
	}
	/* the ids' end, and 16 bytes past it that put16 may read */
	size_t idsend = ids.len;
	if (!idoff || !lc || (p->nlocations && !ids.data) || cr_buf_add(&ids, "                ", 16))
		m->nomem = true;
	size_t nsamples = merge ? v.ns : p->nsamples;
	for (size_t s = 0; s < nsamples && !m->nomem; s++) {
		const struct cr_sample *sm = &p->samples[merge ? v.srep[s] : s];
		const int64_t *vals = merge ? &v.vals[s * p->ntypes] : &p->values[s * p->ntypes];
		for (size_t t = 0; t < p->ntypes; t++) {
			char c[40], d[24]; /* " %10lld" */
			size_t n = fmt_i64(d, vals[t]), pad = n < 10 ? 10 - n : 0;
			memset(c, ' ', 1 + pad);
			memcpy(c + 1 + pad, d, n);
			put(m, c, 1 + pad + n);
		}
		put(m, ": ", 2);
		for (uint32_t k = 0; k < sm->nloc; k++) {
			uint32_t li = p->stack[sm->loc_start + k];
			size_t end = li + 1 < p->nlocations ? idoff[li + 1] : idsend;
			put16(m, ids.data + idoff[li], end - idoff[li]);
		}
		if (sm->nlabel)
			put_labels(m, lc, p, sm);
		put(m, "\n", 1);
		flush(m, false);
	}
	cr_free(idoff);
	cr_buf_release(&ids);
	if (lc) {
		cr_free(lc->tmp);
		cr_buf_release(&lc->text);
		cr_buf_release(&lc->one);
		cr_free(lc);
	}
	OUT("Locations\n");
	bool cols = !cr_pprof_release || cr_pprof_release >= 23;
	size_t nlocations = merge ? v.nl : p->nlocations;
	for (size_t i = 0; i < nlocations && !m->nomem; i++) {
		const struct cr_location *l = &p->locations[merge ? v.lrep[i] : i];
		char head[96];
		int hl = snprintf(head, sizeof head, "%6llu: 0x%llx ", merge ? (unsigned long long)i + 1 : (unsigned long long)l->id,
				  merge ? (unsigned long long)v.laddr[i] : (unsigned long long)l->address);
		if (l->mapping && l->mapping <= p->nmappings)
			hl += snprintf(head + hl, sizeof head - (size_t)hl, "M=%llu ",
				       merge ? (unsigned long long)v.mnew[l->mapping - 1]
					     : (unsigned long long)p->mappings[l->mapping - 1].id);
		if (l->is_folded)
			snprintf(head + hl, sizeof head - (size_t)hl, "[F] ");
		if (l->nlines == 0)
			OUT("%s\n", head);
		for (uint32_t k = 0; k < l->nlines; k++) {
			const struct cr_line *ln = &p->lines[l->line_start + k];
			OUT("%s", k ? "             " : head);
			if (!ln->function || ln->function > p->nfunctions) {
				OUT("??\n");
				continue;
			}
			const struct cr_function *fn = &p->functions[ln->function - 1];
			const char *name = cr_profile_str(p, fn->name), *sys = cr_profile_str(p, fn->system_name);
			OUT("%s %s:%lld%s s=%lld", name, cr_profile_str(p, fn->filename), (long long)ln->line,
			    cols ? ":0" : "", (long long)fn->start_line);
			if (strcmp(name, sys))
				OUT("(%s)", sys);
			OUT("\n");
		}
		flush(m, false);
	}
	OUT("Mappings\n");
	size_t nmappings = merge ? v.nm : p->nmappings;
	for (size_t i = 0; i < nmappings && !m->nomem; i++) {
		const struct cr_mapping *mp = &p->mappings[merge ? v.mrep[i] : i];
		OUT("%llu: 0x%llx/0x%llx/0x%llx %s %s %s%s%s%s\n", merge ? (unsigned long long)i + 1 : (unsigned long long)mp->id,
		    (unsigned long long)mp->start, (unsigned long long)mp->limit, (unsigned long long)mp->offset,
		    cr_profile_str(p, mp->filename), cr_profile_str(p, mp->build_id), mp->has_functions ? "[FN]" : "",
		    mp->has_filenames ? "[FL]" : "", mp->has_line_numbers ? "[LN]" : "",
		    mp->has_inline_frames ? "[IN]" : "");
	}
	if (!m->nomem)
		flush(m, true);
	cr_buf_release(&m->b);
	mview_release(&v);
	return m->nomem ? cr_fail(e, CR_NOMEM, "out of memory printing the profile") : CR_OK;
}
