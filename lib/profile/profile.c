#include "coroner/profile.h"
#include "profile_int.h"

#include <stdlib.h>
#include <string.h>

bool cr_profile_addresses_only;

enum cr_err cr_profile_init(struct cr_profile *p)
{
	memset(p, 0, sizeof *p);
	cr_hmap_init(&p->fmap);
	cr_hmap_init(&p->lmap);
	return cr_strtab_init(&p->str); /* a failed one holds nothing, so neither does p */
}

void cr_profile_release(struct cr_profile *p)
{
	cr_strtab_release(&p->str);
	cr_free(p->types);
	cr_free(p->comments);
	cr_free(p->samples);
	cr_free(p->values);
	cr_free(p->stack);
	cr_free(p->labels);
	cr_free(p->locations);
	cr_free(p->lines);
	cr_free(p->functions);
	cr_free(p->mappings);
	cr_free(p->extra);
	cr_hmap_release(&p->fmap);
	cr_hmap_release(&p->lmap);
	memset(p, 0, sizeof *p);
}

const char *cr_line_function_name(const struct cr_profile *p, const struct cr_line *l)
{
	if (!l->function || l->function > p->nfunctions)
		return "";
	return cr_profile_str(p, p->functions[l->function - 1].name);
}

const char *cr_line_file_name(const struct cr_profile *p, const struct cr_line *l)
{
	if (!l->function || l->function > p->nfunctions)
		return "";
	return cr_profile_str(p, p->functions[l->function - 1].filename);
}

uint32_t cr_profile_intern(struct cr_profile *p, const char *s, size_t len)
{
	return cr_strtab_intern(&p->str, s, len);
}

uint32_t cr_profile_intern_bytes(struct cr_profile *p, const char *s, size_t len)
{
	const char *z = memchr(s, 0, len);
	if (!z)
		return cr_strtab_intern(&p->str, s, len);
	/* a NUL cannot live in a C string: stored as C0 80, which the escapers
	 * show as \x00 (\u0000 in JSON) */
	size_t nuls = 0;
	for (size_t i = 0; i < len; i++)
		nuls += s[i] == 0;
	if (len > SIZE_MAX / 2)
		return UINT32_MAX;
	char *t = cr_malloc(len + nuls);
	if (!t)
		return UINT32_MAX;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i]) {
			t[k++] = s[i];
		} else {
			t[k++] = (char)0xc0;
			t[k++] = (char)0x80;
		}
	}
	uint32_t id = cr_strtab_intern(&p->str, t, k);
	cr_free(t);
	return id;
}

enum cr_err cr_profile_add_type(struct cr_profile *p, const char *type, const char *unit)
{
	if (p->nsamples)
		return CR_USAGE; /* types are fixed once samples exist */
	uint32_t t = cr_profile_intern_z(p, type), u = cr_profile_intern_z(p, unit);
	if (t == UINT32_MAX || u == UINT32_MAX ||
	    cr_grow(&p->types, &p->cap_types, p->ntypes + 1, sizeof *p->types))
		return CR_NOMEM;
	p->types[p->ntypes++] = (struct cr_valuetype){ t, u };
	return CR_OK;
}

uint32_t cr_profile_function_ids(struct cr_profile *p, uint32_t n, uint32_t f, int64_t start_line)
{
	struct fn_key key = { n, f, start_line };
	/* room first: a refusal leaves no map entry for a function not added */
	if (cr_grow(&p->functions, &p->cap_functions, p->nfunctions + 1, sizeof *p->functions))
		return UINT32_MAX;
	bool found;
	uint32_t *v = cr_hmap_put(&p->fmap, &key, sizeof key, (uint32_t)p->nfunctions + 1, &found);
	if (!v)
		return UINT32_MAX;
	if (found)
		return *v;
	const struct cr_function fn = { .id = p->nfunctions + 1, .name = n, .system_name = n, .filename = f,
					.start_line = start_line };
	return cr_profile_add_function(p, &fn);
}

uint32_t cr_profile_add_function(struct cr_profile *p, const struct cr_function *f)
{
	if (cr_grow(&p->functions, &p->cap_functions, p->nfunctions + 1, sizeof *p->functions))
		return UINT32_MAX;
	p->functions[p->nfunctions] = *f;
	return (uint32_t)++p->nfunctions;
}

uint32_t cr_profile_function(struct cr_profile *p, const char *name, const char *file,
			     int64_t start_line)
{
	uint32_t n = cr_profile_intern_z(p, name), f = cr_profile_intern_z(p, file);
	if (n == UINT32_MAX || f == UINT32_MAX)
		return UINT32_MAX;
	return cr_profile_function_ids(p, n, f, start_line);
}

uint32_t cr_profile_add_location(struct cr_profile *p, uint64_t id, uint64_t address,
				 uint32_t mapping, const struct cr_line *lines, size_t nlines)
{
	if (p->nlocations >= UINT32_MAX - 1 || p->nlines + nlines >= UINT32_MAX)
		return UINT32_MAX;
	if (cr_grow(&p->locations, &p->cap_locations, p->nlocations + 1, sizeof *p->locations) ||
	    cr_grow(&p->lines, &p->cap_lines, p->nlines + nlines, sizeof *p->lines))
		return UINT32_MAX;
	struct cr_location *l = &p->locations[p->nlocations];
	memset(l, 0, sizeof *l);
	l->id = id ? id : p->nlocations + 1;
	l->address = address;
	l->mapping = mapping;
	l->line_start = (uint32_t)p->nlines;
	l->nlines = (uint32_t)nlines;
	if (nlines)
		memcpy(&p->lines[p->nlines], lines, nlines * sizeof *lines);
	p->nlines += nlines;
	return (uint32_t)p->nlocations++;
}

static enum cr_err loc_key(struct cr_buf *k, uint64_t address, uint32_t mapping,
			   const struct cr_line *lines, size_t nlines)
{
	k->len = 0;
	if (cr_buf_add(k, &address, sizeof address) || cr_buf_add(k, &mapping, sizeof mapping))
		return CR_NOMEM;
	for (size_t i = 0; i < nlines; i++)
		if (cr_buf_add(k, &lines[i].function, sizeof lines[i].function) ||
		    cr_buf_add(k, &lines[i].line, sizeof lines[i].line))
			return CR_NOMEM;
	return CR_OK;
}

enum cr_err cr_profile_index_functions(struct cr_profile *p)
{
	if (p->fmap.count < p->nfunctions) {
		for (size_t i = 0; i < p->nfunctions; i++) {
			struct fn_key key = { p->functions[i].name, p->functions[i].filename, p->functions[i].start_line };
			if (!cr_hmap_put(&p->fmap, &key, sizeof key, (uint32_t)i + 1, NULL))
				return CR_NOMEM;
		}
	}
	return CR_OK;
}

/* cr_profile_location with a caller's scratch buffer for the key */
static uint32_t location_key(struct cr_profile *p, struct cr_buf *k, uint64_t address,
			     uint32_t mapping, const struct cr_line *lines, size_t nlines)
{
	if (loc_key(k, address, mapping, lines, nlines))
		return UINT32_MAX;
	bool found;
	uint32_t *v = cr_hmap_put(&p->lmap, k->data, k->len, (uint32_t)p->nlocations, &found);
	if (!v)
		return UINT32_MAX;
	if (found)
		return *v;
	return cr_profile_add_location(p, 0, address, mapping, lines, nlines);
}

uint32_t cr_profile_location(struct cr_profile *p, uint64_t address, uint32_t mapping,
			     const struct cr_line *lines, size_t nlines)
{
	struct cr_buf k = { 0 };
	uint32_t rc = location_key(p, &k, address, mapping, lines, nlines);
	cr_buf_release(&k);
	return rc;
}

enum cr_err cr_profile_add_sample(struct cr_profile *p, const uint32_t *stack, size_t nstack,
				  const int64_t *values, const struct cr_label *labels,
				  size_t nlabels)
{
	size_t nv;
	if (p->nstack + nstack >= UINT32_MAX || p->nlabels + nlabels >= UINT32_MAX)
		return CR_LIMIT;
	if (!cr_mul_ok(p->nsamples + 1, p->ntypes, &nv))
		return CR_NOMEM;
	if (cr_grow(&p->samples, &p->cap_samples, p->nsamples + 1, sizeof *p->samples) ||
	    cr_grow(&p->values, &p->cap_values, nv, sizeof *p->values) ||
	    cr_grow(&p->stack, &p->cap_stack, p->nstack + nstack, sizeof *p->stack) ||
	    cr_grow(&p->labels, &p->cap_labels, p->nlabels + nlabels, sizeof *p->labels))
		return CR_NOMEM;
	struct cr_sample *s = &p->samples[p->nsamples];
	s->loc_start = (uint32_t)p->nstack;
	s->nloc = (uint32_t)nstack;
	s->label_start = (uint32_t)p->nlabels;
	s->nlabel = (uint32_t)nlabels;
	if (nstack)
		memcpy(&p->stack[p->nstack], stack, nstack * sizeof *stack);
	if (nlabels)
		memcpy(&p->labels[p->nlabels], labels, nlabels * sizeof *labels);
	if (p->ntypes)
		memcpy(&p->values[p->nsamples * p->ntypes], values, p->ntypes * sizeof *values);
	p->nstack += nstack;
	p->nlabels += nlabels;
	p->nsamples++;
	return CR_OK;
}

enum cr_err cr_profile_add_extra(struct cr_profile *p, const char *key, int64_t value)
{
	uint32_t k = cr_profile_intern_z(p, key);
	if (k == UINT32_MAX || cr_grow(&p->extra, &p->cap_extra, p->nextra + 1, sizeof *p->extra))
		return CR_NOMEM;
	p->extra[p->nextra++] = (struct cr_kv){ k, value };
	return CR_OK;
}

bool cr_profile_extra(const struct cr_profile *p, const char *key, int64_t *value)
{
	for (size_t i = 0; i < p->nextra; i++)
		if (strcmp(cr_profile_str(p, p->extra[i].key), key) == 0) {
			*value = p->extra[i].value;
			return true;
		}
	return false;
}

const char *cr_sample_label(const struct cr_profile *p, size_t i, const char *key)
{
	const struct cr_sample *s = &p->samples[i];
	for (uint32_t k = 0; k < s->nlabel; k++) {
		const struct cr_label *l = &p->labels[s->label_start + k];
		if (l->str && strcmp(cr_profile_str(p, l->key), key) == 0)
			return cr_profile_str(p, l->str);
	}
	return NULL;
}

bool cr_sample_numlabel(const struct cr_profile *p, size_t i, const char *key, int64_t *v)
{
	const struct cr_sample *s = &p->samples[i];
	for (uint32_t k = 0; k < s->nlabel; k++) {
		const struct cr_label *l = &p->labels[s->label_start + k];
		if (!l->str && strcmp(cr_profile_str(p, l->key), key) == 0) {
			*v = l->num;
			return true;
		}
	}
	return false;
}

int cr_profile_sample_index(const struct cr_profile *p, const char *s)
{
	if (!p->ntypes)
		return -1;
	if (!s || !*s) {
		if (p->default_type) {
			for (size_t i = 0; i < p->ntypes; i++)
				if (p->types[i].type == p->default_type)
					return (int)i;
		}
		return (int)p->ntypes - 1;
	}
	char *end;
	long n = strtol(s, &end, 10);
	if (*end == 0 && end != s)
		return (n >= 0 && (size_t)n < p->ntypes) ? (int)n : -1;
	/* pprof accepts "sample_index=inuse_space" and legacy "-inuse_space" */
	if (*s == '-')
		s++;
	for (size_t i = 0; i < p->ntypes; i++)
		if (strcmp(cr_profile_str(p, p->types[i].type), s) == 0)
			return (int)i;
	/* pprof's legacy shortcut: "space"/"objects" select inuse_* when present */
	return -1;
}

void cr_profile_negate(struct cr_profile *p)
{
	size_t n = p->nsamples * p->ntypes;
	for (size_t i = 0; i < n; i++)
		p->values[i] = p->values[i] == INT64_MIN ? INT64_MAX : -p->values[i];
}

enum cr_err cr_profile_add_label_all(struct cr_profile *p, const char *key, const char *value)
{
	uint32_t k = cr_profile_intern_z(p, key), v = cr_profile_intern_z(p, value);
	if (k == UINT32_MAX || v == UINT32_MAX)
		return CR_NOMEM;
	size_t total;
	if (!cr_add_ok(p->nlabels, p->nsamples, &total) || total >= UINT32_MAX)
		return CR_LIMIT;
	struct cr_label *nl = cr_calloc(total ? total : 1, sizeof *nl);
	if (!nl)
		return CR_NOMEM;
	size_t o = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cr_sample *s = &p->samples[i];
		if (s->nlabel)
			memcpy(&nl[o], &p->labels[s->label_start], s->nlabel * sizeof *nl);
		s->label_start = (uint32_t)o;
		o += s->nlabel;
		nl[o++] = (struct cr_label){ .key = k, .str = v };
		s->nlabel++;
	}
	cr_free(p->labels);
	p->labels = nl;
	p->nlabels = o;
	p->cap_labels = total ? total : 1;
	return CR_OK;
}
