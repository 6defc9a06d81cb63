/* go tool pprof's -traces and -tags, and what they share with its other
 * reports: the printable node names of a granularity and the value format.
 *
 * Names: pprof aggregates the profile first (Profile.Aggregate: functions
 * keep the name, files the file name, lines the line number, addresses
 * the address; addresses with inlined frames leave the profile as it is),
 * then names each line of a location as NodeInfo.PrintableName does:
 * "ADDR NAME FILE:LINE", the parts present; a frame without a name shows
 * FILE, else [objfile base name], else <unknown>.
 *
 * -traces: every sample with a non-empty stack, in the profile's order:
 * its string labels, then its numeric labels (values scaled as
 * measurement.Label does), each set sorted as the "%10s:  %s" lines sort,
 * then its value and its frames leaf first ("(inline)" for all but the
 * last line of a location).
 *
 * -tags: per label key the sum of the sample values of each value (numeric
 * labels scaled to the output unit first), keys sorted by name, values by
 * |sum| desc then name (graph.SortTags).
 */
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cr_profile_label_unit(const struct cr_profile *p, uint32_t key)
{
	for (size_t i = 0; i < p->nlabels; i++) {
		const struct cr_label *l = &p->labels[i];
		if (l->key == key && l->str == 0 && l->num_unit != 0 && *cr_profile_str(p, l->num_unit))
			return cr_profile_str(p, l->num_unit);
	}
	const char *k = cr_profile_str(p, key);
	return !strcmp(k, "alignment") || !strcmp(k, "request") ? "bytes" : k;
}

void cr_pprof_format(const struct cr_pprof_opts *o, const char *sample_unit, int64_t v, char *out, size_t n)
{
	if (o->divide_by > 0 && o->divide_by != 1)
		v = (int64_t)((double)v * (1 / o->divide_by));
	cr_units_scaled(out, n, v, sample_unit, o->unit && *o->unit ? o->unit : "minimum");
}

/* A sample pprof does not see: all zero after its merge */
static bool merged_away(const struct cr_profile *p, size_t s, const struct cr_pprof_opts *o)
{
	if (!o->merged)
		return false;
	for (size_t k = 0; k < p->ntypes; k++)
		if (p->values[s * p->ntypes + k])
			return false;
	return true;
}

/* One line's printable name into b (reset first). */
static void line_name(struct cr_buf *b, const struct cr_profile *p, const struct cr_location *l,
		      const struct cr_line *ln, enum cr_granularity g, bool noinl, struct cr_pprof_frame *fr)
{
	bool keep_fn = g != CR_GRAN_FILES, keep_file = g != CR_GRAN_FUNCTIONS,
	     keep_line = g == CR_GRAN_LINES || g == CR_GRAN_ADDRESSES, keep_addr = g == CR_GRAN_ADDRESSES;
	if (g == CR_GRAN_ADDRESSES && !noinl)
		keep_fn = keep_file = keep_line = keep_addr = true;
	b->len = 0;
	if (l->address && keep_addr)
		cr_buf_addf(b, "%016llx", (unsigned long long)l->address);
	const char *objfile = "";
	if (l->mapping && l->mapping <= p->nmappings)
		objfile = cr_profile_str(p, p->mappings[l->mapping - 1].filename);
	const char *name = "", *file = "";
	int64_t lineno = 0, start = 0;
	char path[4096];
	if (ln && ln->function && ln->function <= p->nfunctions) {
		const struct cr_function *fn = &p->functions[ln->function - 1];
		name = keep_fn ? cr_profile_str(p, fn->name) : "";
		start = *name ? 0 : fn->start_line;
		if (keep_file && *cr_profile_str(p, fn->filename)) {
			cr_pprof_clean_path(cr_profile_str(p, fn->filename), path, sizeof path);
			file = path;
		}
		lineno = keep_line ? ln->line : 0;
	}
	*fr = (struct cr_pprof_frame){ name, file == path ? NULL : file, objfile, keep_addr ? l->address : 0, lineno,
				       start };
	if (*name)
		cr_buf_addf(b, "%s%s", b->len ? " " : "", name);
	if (lineno != 0)
		cr_buf_addf(b, "%s%s:%lld", b->len ? " " : "", file, (long long)lineno);
	else if (*file)
		cr_buf_addf(b, "%s%s", b->len ? " " : "", file);
	else if (*name)
		;
	else if (*objfile)
		cr_buf_addf(b, "%s[%s]", b->len ? " " : "", cr_pprof_base_name(objfile));
	else
		cr_buf_addf(b, "%s<unknown>", b->len ? " " : "");
}

/* fmt.Sprint of pprof's NodeInfo{Name, OrigName, Address, File, StartLine,
 * Lineno, Columnno (from go1.23), Objfile} (cut at n bytes) */
static void node_info(char *out, size_t n, const struct cr_pprof_frame *f)
{
	bool named = *f->name;
	snprintf(out, n, "{%s  %llu %s %lld %lld%s %s}", f->name, (unsigned long long)f->address, f->file ? f->file : "",
		 (long long)f->start_line, (long long)f->line, !cr_pprof_release || cr_pprof_release >= 23 ? " 0" : "",
		 named ? "" : f->objfile);
}

int cr_pprof_frame_cmp(const struct cr_pprof_frame *a, const struct cr_pprof_frame *b)
{
	char x[1024], y[1024];
	node_info(x, sizeof x, a);
	node_info(y, sizeof y, b);
	return strcmp(x, y);
}

enum cr_err cr_pprof_names_build(struct cr_pprof_names *nm, const struct cr_profile *p,
				 enum cr_granularity g, bool noinlines, struct cr_error *e)
{
	memset(nm, 0, sizeof *nm);
	cr_arena_init(&nm->arena);
	size_t total = 0;
	for (size_t li = 0; li < p->nlocations; li++) {
		const struct cr_location *l = &p->locations[li];
		total += l->nlines == 0 ? 1 : noinlines ? 1 : l->nlines;
	}
	nm->start = cr_calloc(p->nlocations + 1, sizeof *nm->start);
	nm->n = cr_calloc(p->nlocations + 1, sizeof *nm->n);
	nm->name = cr_calloc(total + 1, sizeof *nm->name);
	nm->frame = cr_calloc(total + 1, sizeof *nm->frame);
	struct cr_buf b = { 0 };
	struct cr_hmap seen; /* one copy of each name */
	cr_hmap_init(&seen);
	const char **uniq = NULL;
	size_t nuniq = 0, cap_uniq = 0;
	if (!nm->start || !nm->n || !nm->name || !nm->frame)
		goto nomem;
	size_t k = 0;
	for (size_t li = 0; li < p->nlocations; li++) {
		const struct cr_location *l = &p->locations[li];
		uint32_t first = l->nlines && noinlines ? l->nlines - 1 : 0;
		uint32_t count = l->nlines ? l->nlines - first : 1;
		nm->start[li] = (uint32_t)k;
		nm->n[li] = count;
		for (uint32_t j = 0; j < count; j++) {
			const struct cr_line *ln = l->nlines ? &p->lines[l->line_start + first + j] : NULL;
			struct cr_pprof_frame *fr = &nm->frame[k];
			line_name(&b, p, l, ln, g, noinlines, fr);
			if (!b.data)
				goto nomem;
			if (!fr->file) { /* line_name's cleaned path was its own: a copy */
				char path[4096];
				const struct cr_function *fn = &p->functions[ln->function - 1];
				size_t pl = cr_pprof_clean_path(cr_profile_str(p, fn->filename), path, sizeof path);
				fr->file = cr_arena_strndup(&nm->arena, path, pl);
				if (!fr->file)
					goto nomem;
			}
			/* a node without a name is told apart by its function's
			 * start line and its object file too (pprof's NodeInfo) */
			size_t plen = b.len;
			if (!*fr->name && (cr_buf_add(&b, "", 1) || cr_buf_add(&b, &fr->start_line, sizeof fr->start_line) ||
					   cr_buf_add(&b, fr->objfile, strlen(fr->objfile))))
				goto nomem;
			bool found;
			uint32_t *v = cr_hmap_put(&seen, b.data, b.len, (uint32_t)nuniq, &found);
			if (!v)
				goto nomem;
			if (!found) {
				char *s = cr_arena_strndup(&nm->arena, b.data, plen);
				if (!s || cr_grow(&uniq, &cap_uniq, nuniq + 1, sizeof *uniq))
					goto nomem;
				uniq[nuniq++] = s;
			}
			nm->name[k++] = uniq[*v];
		}
	}
	enum cr_err rc = CR_OK;
	goto out;
nomem:
	cr_pprof_names_release(nm);
	rc = cr_fail(e, CR_NOMEM, "out of memory naming the profile's frames");
out:
	cr_free(uniq);
	cr_hmap_release(&seen);
	cr_buf_release(&b);
	return rc;
}

void cr_pprof_names_release(struct cr_pprof_names *nm)
{
	cr_free(nm->name);
	cr_free(nm->frame);
	cr_free(nm->start);
	cr_free(nm->n);
	cr_arena_release(&nm->arena);
	memset(nm, 0, sizeof *nm);
}

/* pprof's decoder keeps a label as a string label when it has a value
 * string, as a numeric one when it has a number or a unit; the rest it
 * drops. Its legacy parsers make numeric labels of zero too (a heap
 * profile's `bytes` of an empty record). */
static int label_kind(const struct cr_profile *p, const struct cr_label *l)
{
	return l->str ? 1 : (l->num != 0 || l->num_unit != 0 || p->source != CR_SRC_PPROF) ? 2 : 0;
}

struct lab_line {
	char *sort;  /* the "%10s:  %s" line, pprof's sort key (only when a kind has several keys) */
	struct cr_trace_label lab;
};

static int cmp_lab(const void *a, const void *b)
{
	return strcmp(((const struct lab_line *)a)->sort, ((const struct lab_line *)b)->sort);
}

/* The text of numeric label values, each (key, number) scaled once: the
 * same few values repeat over hundreds of thousands of samples. */
#define NUMC_BITS 12
struct numc {
	struct numc_ent {
		const char *s;
		int64_t num;
		uint32_t key;
	} e[1u << NUMC_BITS];
};

static const char *num_text(struct numc *c, struct cr_arena *a, uint32_t key, int64_t num, const char *from,
			    const char *to)
{
	uint64_t h = ((uint64_t)num * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)key * 0xc2b2ae3d27d4eb4full);
	struct numc_ent *en = &c->e[h >> (64 - NUMC_BITS)];
	if (en->s && en->num == num && en->key == key)
		return en->s;
	char v[64];
	cr_units_scaled(v, sizeof v, num, from, to);
	const char *s = cr_arena_strndup(a, v, strlen(v));
	if (s)
		*en = (struct numc_ent){ s, num, key };
	return s;
}

/* The labels of sample sm of one kind, one per key (values in order). A
 * key with one value points at the profile's string or the cached number:
 * equal labels share their text. */
static enum cr_err sample_labels(struct cr_traces *t, const struct cr_profile *p, const struct cr_sample *sm,
				 int kind, const char *const *units, struct numc *nc, struct lab_line *out,
				 uint32_t *nout, struct cr_buf *b)
{
	const struct cr_label *L = p->labels + sm->label_start;
	uint32_t n = 0;
	for (uint32_t i = 0; i < sm->nlabel; i++) {
		if (label_kind(p, &L[i]) != kind)
			continue;
		bool dup = false;
		for (uint32_t j = 0; j < i && !dup; j++)
			dup = label_kind(p, &L[j]) == kind && L[j].key == L[i].key;
		if (dup)
			continue;
		const char *vals = NULL;
		uint32_t nv = 0;
		b->len = 0;
		for (uint32_t j = i; j < sm->nlabel; j++) {
			if (label_kind(p, &L[j]) != kind || L[j].key != L[i].key)
				continue;
			const char *v = kind == 1 ? cr_profile_str(p, L[j].str)
						  : num_text(nc, &t->arena, L[i].key, L[j].num, units[L[i].key], "auto");
			if (!v)
				return CR_NOMEM;
			if (nv++ == 0)
				vals = v;
			else if ((nv == 2 && cr_buf_add(b, vals, strlen(vals))) || cr_buf_add(b, " ", 1) ||
				 cr_buf_add(b, v, strlen(v)))
				return CR_NOMEM;
		}
		if (nv > 1 && !(vals = cr_arena_strndup(&t->arena, b->data, b->len)))
			return CR_NOMEM;
		out[n++] = (struct lab_line){ NULL, { cr_profile_str(p, L[i].key), vals, kind == 2 } };
	}
	if (n > 1) {
		for (uint32_t k = 0; k < n; k++) {
			size_t sl = strlen(out[k].lab.key) + strlen(out[k].lab.values) + 16;
			if (!(out[k].sort = cr_arena_alloc(&t->arena, sl)))
				return CR_NOMEM;
			snprintf(out[k].sort, sl, "%10s:  %s\n", out[k].lab.key, out[k].lab.values);
		}
		qsort(out, n, sizeof *out, cmp_lab);
	}
	*nout = n;
	return CR_OK;
}

/* A trace's labels, shared by the traces whose labels are equal (the
 * keys and values are shared text: equal labels have equal pointers), so
 * hundreds of thousands of samples with a few label sets take a few
 * arrays. */
#define LABC_BITS 12
struct labc {
	struct cr_trace_label *e[1u << LABC_BITS];
	uint32_t n[1u << LABC_BITS];
};

static struct cr_trace_label *shared_labels(struct labc *c, struct cr_arena *a, const struct lab_line *l, uint32_t n)
{
	uint64_t h = n;
	for (uint32_t k = 0; k < n; k++)
		h = (h ^ (uintptr_t)l[k].lab.key) * 0x9e3779b97f4a7c15ull ^
		    ((uintptr_t)l[k].lab.values * 0xc2b2ae3d27d4eb4full + l[k].lab.numeric);
	h ^= h >> 29;
	size_t slot = (size_t)(h * 0x9e3779b97f4a7c15ull >> (64 - LABC_BITS));
	struct cr_trace_label *e = c->e[slot];
	bool same = e && c->n[slot] == n;
	for (uint32_t k = 0; same && k < n; k++)
		same = e[k].key == l[k].lab.key && e[k].values == l[k].lab.values && e[k].numeric == l[k].lab.numeric;
	if (same)
		return e;
	if (!(e = cr_arena_alloc(a, (n + 1) * sizeof *e)))
		return NULL;
	for (uint32_t k = 0; k < n; k++)
		e[k] = l[k].lab;
	c->e[slot] = e, c->n[slot] = n;
	return e;
}

/* units[key] of every numeric label key (string ids) */
static const char **label_units(const struct cr_profile *p)
{
	const char **u = cr_calloc(p->str.n + 1, sizeof *u);
	if (!u)
		return NULL;
	for (size_t i = 0; i < p->nlabels; i++) {
		uint32_t k = p->labels[i].key;
		if (label_kind(p, &p->labels[i]) == 2 && k < p->str.n && !u[k])
			u[k] = cr_profile_label_unit(p, k);
	}
	return u;
}

enum cr_err cr_traces_compute(struct cr_traces *t, const struct cr_profile *p,
			      const struct cr_pprof_opts *o, struct cr_error *e)
{
	memset(t, 0, sizeof *t);
	cr_arena_init(&t->arena);
	if (o->sample_index < 0 || (size_t)o->sample_index >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index out of range", p->name ? p->name : "profile");
	t->sample_unit = cr_profile_str(p, p->types[o->sample_index].unit);
	if (cr_pprof_names_build(&t->names, p, o->gran, o->noinlines, e))
		return e->code;
	if (!(t->sample_type = cr_pprof_type_name(p, o, &t->arena))) {
		cr_traces_release(t);
		return cr_fail(e, CR_NOMEM, "%s: out of memory", p->name ? p->name : "profile");
	}
	struct cr_buf b = { 0 };
	struct lab_line *tmp = NULL;
	size_t cap_tmp = 0;
	const char **units = label_units(p);
	struct numc *nc = cr_calloc(1, sizeof *nc);
	struct labc *lc = cr_calloc(1, sizeof *lc);
	/* written in order, every field: its pages mapped at once */
	t->traces = cr_malloc((p->nsamples + 1) * sizeof *t->traces);
	if (!units || !nc || !lc || !t->traces)
		goto nomem;
	cr_mem_hint_huge(t->traces, p->nsamples * sizeof *t->traces);
	t->stack = p->stack;
	for (size_t s = 0; s < p->nsamples; s++) {
		const struct cr_sample *sm = &p->samples[s];
		size_t nf = 0;
		if (merged_away(p, s, o))
			continue;
		for (uint32_t k = 0; k < sm->nloc && nf == 0; k++)
			nf += t->names.n[p->stack[sm->loc_start + k]];
		if (nf == 0)
			continue;
		struct cr_trace *tr = &t->traces[t->ntraces++];
		tr->value = cr_pprof_mean(p->values[s * p->ntypes + o->sample_index], cr_pprof_div(p, o, s));
		tr->loc_start = sm->loc_start;
		tr->nloc = sm->nloc;
		tr->labels = NULL;
		tr->nlabels = 0;
		if (sm->nlabel == 0)
			continue;
		if (cr_grow(&tmp, &cap_tmp, sm->nlabel, sizeof *tmp))
			goto nomem;
		uint32_t ns = 0, nn = 0;
		if (sample_labels(t, p, sm, 1, units, nc, tmp, &ns, &b) ||
		    sample_labels(t, p, sm, 2, units, nc, tmp + ns, &nn, &b))
			goto nomem;
		if (!(tr->labels = shared_labels(lc, &t->arena, tmp, ns + nn)))
			goto nomem;
		tr->nlabels = ns + nn;
	}
	enum cr_err rc = CR_OK;
	goto out;
nomem:
	cr_traces_release(t);
	rc = cr_fail(e, CR_NOMEM, "out of memory listing the traces");
out:
	cr_free(units);
	cr_free(nc);
	cr_free(lc);
	cr_free(tmp);
	cr_buf_release(&b);
	return rc;
}

void cr_traces_release(struct cr_traces *t)
{
	cr_pprof_names_release(&t->names);
	cr_free(t->traces);
	cr_arena_release(&t->arena);
	memset(t, 0, sizeof *t);
}

/* ---- -tags ---- */

static int cmp_tag_value(const void *a, const void *b)
{
	const struct cr_tag_value *x = a, *y = b;
	if (x->value != y->value) {
		int64_t ax = wabs(x->value), ay = wabs(y->value);
		if (ax != ay)
			return ax > ay ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int cmp_tag_key(const void *a, const void *b)
{
	return strcmp(((const struct cr_tag_key *)a)->key, ((const struct cr_tag_key *)b)->key);
}

/* -tags' accumulation: (key, value text) -> value slot; per key its values */
struct tag_acc {
	struct cr_hmap vmap, kmap;
	struct cr_tag_value *vals;
	uint32_t *vkey; /* the key slot of each value */
	size_t nvals, cap_vals, cap_vkey, cap_keys;
	struct cr_buf b;
	const char *const *units, *outu;
	/* a cache of tag_slot's answers by (key, kind, string id or number) */
	struct slotc_ent {
		int64_t id;
		uint32_t key, slot1; /* slot + 1; 0: empty */
		uint8_t kind;
	} cache[1u << NUMC_BITS];
};

/* The value slot of label l (its key and value text): found, or added */
static enum cr_err tag_slot(struct tag_acc *ac, struct cr_tags *t, const struct cr_profile *p,
			    const struct cr_label *l, int kind, uint32_t *slot)
{
	const char *key = cr_profile_str(p, l->key);
	char num[64];
	const char *val = num;
	if (kind == 1)
		val = cr_profile_str(p, l->str);
	else
		cr_units_scaled(num, sizeof num, l->num, ac->units[l->key], ac->outu);
	bool found;
	uint32_t *ks = cr_hmap_put(&ac->kmap, key, strlen(key), (uint32_t)t->nkeys, &found);
	if (!ks)
		return CR_NOMEM;
	if (!found) {
		if (cr_grow(&t->keys, &ac->cap_keys, t->nkeys + 1, sizeof *t->keys))
			return CR_NOMEM;
		t->keys[t->nkeys++] = (struct cr_tag_key){ .key = key };
	}
	uint32_t kslot = *ks;
	ac->b.len = 0;
	cr_buf_add(&ac->b, &kslot, sizeof kslot);
	cr_buf_add(&ac->b, val, strlen(val));
	if (!ac->b.data)
		return CR_NOMEM;
	uint32_t *vs = cr_hmap_put(&ac->vmap, ac->b.data, ac->b.len, (uint32_t)ac->nvals, &found);
	if (!vs)
		return CR_NOMEM;
	if (!found) {
		char *copy = cr_arena_strndup(&t->arena, val, strlen(val));
		if (!copy || cr_grow(&ac->vals, &ac->cap_vals, ac->nvals + 1, sizeof *ac->vals) ||
		    cr_grow(&ac->vkey, &ac->cap_vkey, ac->nvals + 1, sizeof *ac->vkey))
			return CR_NOMEM;
		ac->vals[ac->nvals] = (struct cr_tag_value){ copy, 0 };
		ac->vkey[ac->nvals++] = kslot;
		t->keys[kslot].nvalues++;
	}
	*slot = *vs;
	return CR_OK;
}

enum cr_err cr_tags_compute(struct cr_tags *t, const struct cr_profile *p, const struct cr_pprof_opts *o,
			    int64_t total, struct cr_error *e)
{
	memset(t, 0, sizeof *t);
	cr_arena_init(&t->arena);
	if (o->sample_index < 0 || (size_t)o->sample_index >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index out of range", p->name ? p->name : "profile");
	t->sample_unit = cr_profile_str(p, p->types[o->sample_index].unit);
	t->total = total;
	if (!(t->sample_type = cr_pprof_type_name(p, o, &t->arena))) {
		cr_tags_release(t);
		return cr_fail(e, CR_NOMEM, "%s: out of memory", p->name ? p->name : "profile");
	}
	const char **units = label_units(p);
	struct tag_acc *ac = cr_calloc(1, sizeof *ac);
	if (ac) {
		cr_hmap_init(&ac->vmap);
		cr_hmap_init(&ac->kmap);
	}
	if (!units || !ac)
		goto nomem;
	ac->units = units;
	ac->outu = o->unit && *o->unit ? o->unit : "minimum";
	for (size_t s = 0; s < p->nsamples; s++) {
		const struct cr_sample *sm = &p->samples[s];
		int64_t w = p->values[s * p->ntypes + o->sample_index];
		if (merged_away(p, s, o))
			continue;
		for (uint32_t i = 0; i < sm->nlabel; i++) {
			const struct cr_label *l = &p->labels[sm->label_start + i];
			int kind = label_kind(p, l);
			if (!kind)
				continue;
			int64_t id = kind == 1 ? (int64_t)l->str : l->num;
			uint64_t h = ((uint64_t)id * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)l->key * 0xc2b2ae3d27d4eb4full) ^
				     (uint64_t)kind;
			struct slotc_ent *ce = &ac->cache[h >> (64 - NUMC_BITS)];
			if (!(ce->slot1 && ce->id == id && ce->key == l->key && ce->kind == kind)) {
				uint32_t slot;
				if (tag_slot(ac, t, p, l, kind, &slot))
					goto nomem;
				*ce = (struct slotc_ent){ id, l->key, slot + 1, (uint8_t)kind };
			}
			uint32_t vs = ce->slot1 - 1, kslot = ac->vkey[vs];
			t->keys[kslot].total = wadd(t->keys[kslot].total, w);
			ac->vals[vs].value = wadd(ac->vals[vs].value, w);
		}
	}
	struct cr_tag_value *vals = ac->vals;
	size_t nvals = ac->nvals;
	uint32_t *vkey = ac->vkey;
/* each key's values together, then sorted */
	for (size_t k = 0; k < t->nkeys; k++) {
		t->keys[k].values = cr_arena_alloc(&t->arena, (t->keys[k].nvalues + 1) * sizeof *vals);
		if (!t->keys[k].values)
			goto nomem;
		t->keys[k].nvalues = 0;
	}
	for (size_t v = 0; v < nvals; v++) {
		struct cr_tag_key *k = &t->keys[vkey[v]];
		k->values[k->nvalues++] = vals[v];
	}
	for (size_t k = 0; k < t->nkeys; k++)
		qsort(t->keys[k].values, t->keys[k].nvalues, sizeof *vals, cmp_tag_value);
	/* the names point into p or the arena: the maps can go */
	if (t->nkeys)
		qsort(t->keys, t->nkeys, sizeof *t->keys, cmp_tag_key);
	enum cr_err rc = CR_OK;
	goto out;
nomem:
	cr_tags_release(t);
	rc = cr_fail(e, CR_NOMEM, "out of memory counting the tags");
out:
	cr_free(units);
	if (ac) {
		cr_free(ac->vals);
		cr_free(ac->vkey);
		cr_buf_release(&ac->b);
		cr_hmap_release(&ac->vmap);
		cr_hmap_release(&ac->kmap);
		cr_free(ac);
	}
	return rc;
}

void cr_tags_release(struct cr_tags *t)
{
	cr_free(t->keys);
	cr_arena_release(&t->arena);
	memset(t, 0, sizeof *t);
}
