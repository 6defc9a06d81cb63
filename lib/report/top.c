/* `top`, with the semantics of pprof's graph and text report:
 *
 * - each location expands into one node per line (inlined frames), keyed by
 *   what the granularity keeps (pprof's Profile.Aggregate + NodeInfo);
 * - a sample adds its value once to the cum of every distinct node on its
 *   stack, and to the flat of its leaf node (leaf line of leaf location);
 * - samples whose selected value is 0 are skipped; the total is the sum of
 *   |value| (over pprof::base samples only when a diff base is present);
 * - nodes with |cum| below total*nodefraction are dropped, the rest sorted by
 *   |flat| desc, printable name, |cum| desc (or |cum| first with --cum) and cut
 *   to nodecount.
 */
#include "coroner/out.h"
#include "coroner/top.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

unsigned cr_pprof_release;


int cr_granularity_parse(const char *s)
{
	static const char *const names[] = { "functions", "filefunctions", "lines", "files", "addresses" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

struct node {
	uint64_t address;
	uint32_t name, file, objfile; /* ids in t->names (a local table) */
	int64_t lineno, start_line;
	int64_t flat, cum;
	uint32_t stamp;     /* last sample that added cum */
	bool inl, noinl;    /* incoming inline / non-inline edges */
	bool inl_capable;   /* appears below another line of its location */
	bool kept;          /* shown */
	const char *printable;
};

struct key {
	uint64_t address;
	uint32_t name, file, objfile, pad;
	int64_t lineno, start_line;
};

size_t cr_pprof_clean_path(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in);
	if (n == 0 || n >= cap) {
		snprintf(out, cap, "%s", n ? in : "");
		return strlen(out);
	}
	bool rooted = in[0] == '/';
	size_t o = 0, i = 0, dotdot = 0;
	if (rooted) {
		out[o++] = '/';
		i = 1;
		dotdot = 1;
	}
	while (i < n) {
		if (in[i] == '/') {
			i++;
		} else if (in[i] == '.' && (i + 1 == n || in[i + 1] == '/')) {
			i++;
		} else if (in[i] == '.' && in[i + 1] == '.' && (i + 2 == n || in[i + 2] == '/')) {
			i += 2;
			if (o > dotdot) {
				o--;
				while (o > dotdot && out[o] != '/')
					o--;
			} else if (!rooted) {
				if (o > 0)
					out[o++] = '/';
				out[o++] = '.';
				out[o++] = '.';
				dotdot = o;
			}
		} else {
			if ((rooted && o != 1) || (!rooted && o != 0))
				out[o++] = '/';
			while (i < n && in[i] != '/')
				out[o++] = in[i++];
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = 0;
	return o;
}

const char *cr_pprof_base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b && b[1] ? b + 1 : s;
}

static char *printable(struct cr_arena *a, const struct cr_strtab *names, const struct node *n)
{
	struct cr_buf b = { 0 };
	if (n->address)
		cr_buf_addf(&b, "%016llx", (unsigned long long)n->address);
	const char *name = cr_strtab_get(names, n->name), *file = cr_strtab_get(names, n->file);
	if (*name)
		cr_buf_addf(&b, "%s%s", b.len ? " " : "", name);
	if (n->lineno != 0)
		cr_buf_addf(&b, "%s%s:%lld", b.len ? " " : "", file, (long long)n->lineno);
	else if (*file)
		cr_buf_addf(&b, "%s%s", b.len ? " " : "", file);
	else if (*name)
		;
	else if (*cr_strtab_get(names, n->objfile))
		cr_buf_addf(&b, "%s[%s]", b.len ? " " : "", cr_pprof_base_name(cr_strtab_get(names, n->objfile)));
	else
		cr_buf_addf(&b, "%s<unknown>", b.len ? " " : "");
	char *s = cr_arena_strndup(a, cr_buf_str(&b), b.len);
	cr_buf_release(&b);
	return s;
}

/* two nodes of one printable name (a file's functions at -files): as
 * pprof's NodeInfo texts compare */
static int cmp_info(const struct node *l, const struct node *r, const struct cr_strtab *names)
{
	struct cr_pprof_frame a = { cr_strtab_get(names, l->name), cr_strtab_get(names, l->file),
				    cr_strtab_get(names, l->objfile), l->address, l->lineno, l->start_line };
	struct cr_pprof_frame b = { cr_strtab_get(names, r->name), cr_strtab_get(names, r->file),
				    cr_strtab_get(names, r->objfile), r->address, r->lineno, r->start_line };
	return cr_pprof_frame_cmp(&a, &b);
}

static int cmp_flat(const void *x, const void *y, void *names)
{
	const struct node *l = *(struct node *const *)x, *r = *(struct node *const *)y;
	int64_t lf = wabs(l->flat), rf = wabs(r->flat);
	if (lf != rf)
		return lf > rf ? -1 : 1;
	int c = strcmp(l->printable, r->printable);
	if (c)
		return c;
	int64_t lc = wabs(l->cum), rc = wabs(r->cum);
	if (lc != rc)
		return lc > rc ? -1 : 1;
	return cmp_info(l, r, names);
}

static int cmp_cum(const void *x, const void *y, void *names)
{
	const struct node *l = *(struct node *const *)x, *r = *(struct node *const *)y;
	int64_t lc = wabs(l->cum), rc = wabs(r->cum);
	if (lc != rc)
		return lc > rc ? -1 : 1;
	int c = strcmp(l->printable, r->printable);
	if (c)
		return c;
	int64_t lf = wabs(l->flat), rf = wabs(r->flat);
	if (lf != rf)
		return lf > rf ? -1 : 1;
	return cmp_info(l, r, names);
}

/* pprof's "(inline)" labels come from the edges of the trimmed graph: the
 * graph is rebuilt over the kept nodes (a dropped node's child hangs from the
 * nearest kept ancestor), an edge is inline only if every occurrence is, and
 * edges lighter than 0.1%% of the total (pprof's edgefraction) are removed.
 * Only nodes that are ever inlined can get a label, so only their incoming
 * edges are tracked. */
struct edge { int64_t weight; uint32_t stamp; bool inl; };

static enum cr_err label_edges(const struct cr_profile *p, int si, struct node *nodes, size_t nnodes,
			       const uint32_t *locnodes, const uint32_t *locnode_start,
			       const uint32_t *locnode_n, struct cr_hmap *edges, int64_t cutoff)
{
	struct edge *ev = NULL;
	size_t nev = 0, cap_ev = 0;
	enum cr_err rc = CR_OK;
	/* the walk reads one byte per node (kept, and kept+inline-capable),
	 * not the nodes: they do not stay in cache on big profiles */
	uint8_t *kept = cr_malloc(nnodes + 1);
	bool any = false;
	if (!kept)
		return CR_NOMEM;
	for (size_t i = 0; i < nnodes; i++) {
		kept[i] = nodes[i].kept ? (nodes[i].inl_capable ? 3 : 1) : 0;
		any |= kept[i] == 3;
	}
	/* no kept node can get a label: no walk */
	int64_t w;
	const struct cr_sample *sm;
	for (size_t s = 0; any && (sm = cr_sample_next(p, si, &s, &w)) != NULL; s++) {
		uint32_t parent = UINT32_MAX;
		for (uint32_t k = sm->nloc; k-- > 0;) {
			uint32_t li = p->stack[sm->loc_start + k];
			uint32_t ln = locnode_n[li], st = locnode_start[li];
			for (uint32_t ni = ln; ni-- > 0;) {
				uint32_t id = locnodes[st + ni];
				if (!kept[id])
					continue;
				if (kept[id] == 3 && parent != UINT32_MAX && parent != id) {
					uint32_t ek[2] = { parent, id };
					bool found;
					uint32_t *v = cr_hmap_put(edges, ek, sizeof ek, (uint32_t)nev, &found);
					if (!v || (!found && cr_grow(&ev, &cap_ev, nev + 1, sizeof *ev))) {
						rc = CR_NOMEM;
						goto out;
					}
					if (!found)
						ev[nev++] = (struct edge){ 0, 0, true };
					struct edge *e = &ev[*v];
					if (e->stamp != s + 1) {
						e->stamp = (uint32_t)s + 1;
						e->weight = wadd(e->weight, w);
						if (ni != ln - 1)
							;
						else
							e->inl = false;
					}
				}
				parent = id;
			}
		}
	}
	for (size_t i = 0; i < edges->cap; i++) {
		if (!edges->slots[i].key)
			continue;
		const struct edge *e = &ev[edges->slots[i].val];
		if (wabs(e->weight) < cutoff)
			continue;
		uint32_t dst;
		memcpy(&dst, edges->slots[i].key + sizeof(uint32_t), sizeof dst);
		if (e->inl)
			nodes[dst].inl = true;
		else
			nodes[dst].noinl = true;
	}
out:
	cr_free(ev);
	cr_free(kept);
	return rc;
}

int64_t cr_profile_total(const struct cr_profile *p, int si)
{
	int64_t total = 0, diff_total = 0;
	uint32_t base_key = 0;
	if (si < 0 || (size_t)si >= p->ntypes)
		return 0;
	for (size_t i = 0; i < p->str.n; i++)
		if (strcmp(p->str.strs[i], "pprof::base") == 0)
			base_key = (uint32_t)i;
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t v = p->values[s * p->ntypes + si];
		v = wabs(v);
		total = wadd(total, v);
		if (base_key) {
			const struct cr_sample *sm = &p->samples[s];
			for (uint32_t k = 0; k < sm->nlabel; k++)
				if (p->labels[sm->label_start + k].key == base_key) {
					diff_total = wadd(diff_total, v);
					break;
				}
		}
	}
	return diff_total > 0 ? diff_total : total;
}

/* Which parts of a frame tell nodes apart at granularity g. */
static void granularity_keeps(enum cr_granularity g, bool *fn, bool *file, bool *line, bool *addr)
{
	*fn = true;
	*file = *line = *addr = false;
	switch (g) {
	case CR_GRAN_ADDRESSES: *fn = *file = *line = *addr = true; break;
	case CR_GRAN_LINES: *file = *line = true; break;
	case CR_GRAN_FILES: *fn = false; *file = true; break;
	case CR_GRAN_FILEFUNCTIONS: *file = true; break;
	case CR_GRAN_FUNCTIONS: break;
	}
}

/* Flat and cum of every node over the samples' value si; a node counts
 * once per sample in cum (recursion). */
/* A node's sums while the samples are walked. */
struct hot {
	int64_t cum, flat;
	uint32_t stamp;
};

static bool accumulate(const struct cr_profile *p, int si, struct node *nodes, size_t nnodes,
		       const uint32_t *locnodes, const uint32_t *locnode_start, const uint32_t *locnode_n)
{
	/* into a compact copy of what the walk touches (the nodes themselves
	 * do not stay in cache on big profiles) */
	struct hot *hot = cr_calloc(nnodes + 1, sizeof *hot);
	if (!hot)
		return false;
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t w = p->values[s * p->ntypes + si];
		if (w == 0)
			continue;
		const struct cr_sample *sm = &p->samples[s];
		uint32_t stamp = (uint32_t)s + 1, parent = UINT32_MAX;
		for (uint32_t k = sm->nloc; k-- > 0;) {
			uint32_t li = p->stack[sm->loc_start + k];
			uint32_t ln = locnode_n[li], st = locnode_start[li];
			for (uint32_t ni = ln; ni-- > 0;) {
				uint32_t id = locnodes[st + ni];
				struct hot *n = &hot[id];
				if (n->stamp != stamp) {
					n->stamp = stamp;
					n->cum = wadd(n->cum, w);
				}
				parent = id;
			}
		}
		if (parent != UINT32_MAX)
			hot[parent].flat = wadd(hot[parent].flat, w);
	}
	for (size_t i = 0; i < nnodes; i++) {
		nodes[i].cum = hot[i].cum;
		nodes[i].flat = hot[i].flat;
	}
	cr_free(hot);
	return true;
}

/* The output unit, as pprof's selectOutputUnit, over t's rows. */
static void select_output_unit(struct cr_top *t, const struct cr_top_opts *o)
{
	t->output_unit = o->unit && *o->unit ? o->unit : "minimum";
	if (strcmp(t->output_unit, "minimum") == 0 && t->nrows > 0) {
		int64_t minv = 0, maxv = t->total;
		for (size_t i = 0; i < t->nrows; i++) {
			int64_t v = wabs(t->rows[i].flat);
			if (!v)
				v = wabs(t->rows[i].cum);
			if (v > 0 && (minv == 0 || v < minv))
				minv = v;
		}
		if (minv == 0)
			minv = maxv;
		const char *minu, *maxu, *u;
		cr_units_scale(minv, t->sample_unit, "minimum", &minu);
		cr_units_scale(maxv, t->sample_unit, "minimum", &maxu);
		u = minu;
		/* int64 arithmetic wraps in pprof (Go); do the same without UB */
		int64_t minv100 = (int64_t)((uint64_t)minv * 100u);
		if (strcmp(minu, maxu) != 0 && minv100 < maxv)
			cr_units_scale(minv100, t->sample_unit, "minimum", &u);
		t->output_unit = *u ? u : t->sample_unit;
	}
}

/* t's rows from the first ns sorted nodes; false when out of memory. */
static bool fill_rows(struct cr_top *t, struct node *const *sorted, size_t ns)
{
	t->rows = cr_arena_alloc(&t->arena, (ns + 1) * sizeof *t->rows);
	if (!t->rows)
		return false;
	for (size_t i = 0; i < ns; i++) {
		const struct node *n = sorted[i];
		t->rows[i].name = n->printable;
		t->rows[i].flat = n->flat;
		t->rows[i].cum = n->cum;
		t->rows[i].inline_label = n->inl ? (n->noinl ? "(partial-inline)" : "(inline)") : "";
		t->shown_flat = wadd(t->shown_flat, n->flat);
	}
	t->nrows = ns;
	return true;
}

/* -drop_negative's test (pprof's isNegative) */
static bool negative(const struct node *n, bool drop)
{
	return drop && (n->flat < 0 || (n->flat == 0 && n->cum < 0));
}

/* Nodes with a value, but those -drop_negative drops; *flat_sum gets the
 * sum of their flats. */
static size_t count_live(const struct node *nodes, size_t nnodes, bool drop, int64_t *flat_sum)
{
	size_t live = 0;
	for (size_t i = 0; i < nnodes; i++) {
		if (negative(&nodes[i], drop))
			continue;
		*flat_sum = wadd(*flat_sum, nodes[i].flat);
		if (nodes[i].cum || nodes[i].flat)
			live++;
	}
	return live;
}

enum cr_err cr_top_compute(struct cr_top *t, const struct cr_profile *p,
			   const struct cr_top_opts *o, struct cr_error *e)
{
	memset(t, 0, sizeof *t);
	cr_arena_init(&t->arena);
	if (o->sample_index < 0 || (size_t)o->sample_index >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index out of range", p->name ? p->name : "profile");
	const int si = o->sample_index;
	t->sample_type = cr_profile_str(p, p->types[si].type);
	t->sample_unit = cr_profile_str(p, p->types[si].unit);
	t->nodefraction = o->nodefraction;

	bool keep_fn, keep_file, keep_line, keep_addr, inl = !o->noinlines;
	granularity_keeps(o->gran, &keep_fn, &keep_file, &keep_line, &keep_addr);

	enum cr_err rc = CR_NOMEM;
	struct cr_strtab names;
	struct cr_hmap nodemap, edges;
	struct node *nodes = NULL;
	size_t nnodes = 0, cap_nodes = 0;
	uint32_t *locnode_start = NULL, *locnode_n = NULL, *locnodes = NULL;
	size_t nlocnodes = 0, cap_locnodes = 0;
	struct node **sorted = NULL;
	char path[4096];
	cr_hmap_init(&nodemap);
	cr_hmap_init(&edges);
	if (cr_strtab_init(&names))
		goto out;
	locnode_start = cr_calloc(p->nlocations + 1, sizeof *locnode_start);
	locnode_n = cr_calloc(p->nlocations + 1, sizeof *locnode_n);
	if (!locnode_start || !locnode_n)
		goto out;

	/* nodes of every location, outermost line last (as lines are stored) */
	for (size_t li = 0; li < p->nlocations; li++) {
		const struct cr_location *l = &p->locations[li];
		uint32_t first = l->nlines && !inl ? l->nlines - 1 : 0;
		uint32_t count = l->nlines ? l->nlines - first : 1;
		locnode_start[li] = (uint32_t)nlocnodes;
		locnode_n[li] = count;
		if (cr_grow(&locnodes, &cap_locnodes, nlocnodes + count, sizeof *locnodes))
			goto out;
		const char *objfile = "";
		if (l->mapping && l->mapping <= p->nmappings)
			objfile = cr_profile_str(p, p->mappings[l->mapping - 1].filename);
		for (uint32_t k = 0; k < count; k++) {
			struct key key;
			memset(&key, 0, sizeof key);
			key.address = keep_addr ? l->address : 0;
			const struct cr_line *ln = l->nlines ? &p->lines[l->line_start + first + k] : NULL;
			if (!ln || !ln->function || ln->function > p->nfunctions) {
				key.objfile = cr_strtab_intern(&names, objfile, strlen(objfile));
			} else {
				const struct cr_function *fn = &p->functions[ln->function - 1];
				key.lineno = keep_line ? ln->line : 0;
				const char *nm = keep_fn ? cr_profile_str(p, fn->name) : "";
				key.name = cr_strtab_intern(&names, nm, strlen(nm));
				if (keep_file) {
					size_t pl = cr_pprof_clean_path(cr_profile_str(p, fn->filename), path, sizeof path);
					key.file = cr_strtab_intern(&names, path, pl);
				}
				if (!*nm) {
					key.objfile = cr_strtab_intern(&names, objfile, strlen(objfile));
					key.start_line = fn->start_line;
				}
			}
			if (key.name == UINT32_MAX || key.file == UINT32_MAX || key.objfile == UINT32_MAX)
				goto out;
			bool found;
			uint32_t *v = cr_hmap_put(&nodemap, &key, sizeof key, (uint32_t)nnodes, &found);
			if (!v)
				goto out;
			if (!found) {
				if (cr_grow(&nodes, &cap_nodes, nnodes + 1, sizeof *nodes))
					goto out;
				struct node *n = &nodes[nnodes++];
				memset(n, 0, sizeof *n);
				n->address = key.address;
				n->name = key.name;
				n->file = key.file;
				n->objfile = key.objfile;
				n->lineno = key.lineno;
				n->start_line = key.start_line;
			}
			locnodes[nlocnodes++] = *v;
		}
		for (uint32_t k = 0; k + 1 < count; k++)
			if (locnodes[locnode_start[li] + k] != locnodes[locnode_start[li] + k + 1])
				nodes[locnodes[locnode_start[li] + k]].inl_capable = true;
	}

	t->total = o->total >= 0 ? o->total : cr_profile_total(p, si);

	if (!accumulate(p, si, nodes, nnodes, locnodes, locnode_start, locnode_n))
		goto out;

	/* node selection */
	int64_t flat_sum = 0;
	size_t live = count_live(nodes, nnodes, o->drop_negative, &flat_sum);
	int64_t cutoff = wabs((int64_t)((double)flat_sum * o->nodefraction));
	sorted = cr_calloc(live + 1, sizeof *sorted);
	if (!sorted)
		goto out;
	size_t ns = 0;
	for (size_t i = 0; i < nnodes; i++) {
		struct node *n = &nodes[i];
		if ((!n->cum && !n->flat) || negative(n, o->drop_negative))
			continue;
		if (cutoff > 0 && wabs(n->cum) < cutoff) {
			t->dropped_nodes++;
			continue;
		}
		n->printable = printable(&t->arena, &names, n);
		if (!n->printable)
			goto out;
		sorted[ns++] = n;
	}
	t->orig_count = ns;
	qsort_r(sorted, ns, sizeof *sorted, o->cum_sort ? cmp_cum : cmp_flat, &names);
	if (o->nodecount > 0 && (size_t)o->nodecount < ns)
		ns = (size_t)o->nodecount;
	for (size_t i = 0; i < ns; i++)
		sorted[i]->kept = true;
	if (label_edges(p, si, nodes, nnodes, locnodes, locnode_start, locnode_n, &edges,
			wabs((int64_t)((double)flat_sum * 0.001))))
		goto out;
	if (!fill_rows(t, sorted, ns))
		goto out;

	select_output_unit(t, o);
	rc = CR_OK;
out:
	cr_free(sorted);
	cr_free(nodes);
	cr_free(locnode_start);
	cr_free(locnode_n);
	cr_free(locnodes);
	/* printable names live in t->arena; the local tables can go */
	cr_hmap_release(&nodemap);
	cr_hmap_release(&edges);
	cr_strtab_release(&names);
	if (rc) {
		cr_top_release(t);
		return cr_fail(e, rc, "%s: out of memory computing top", p->name ? p->name : "profile");
	}
	return CR_OK;
}

void cr_top_release(struct cr_top *t)
{
	cr_arena_release(&t->arena);
	memset(t, 0, sizeof *t);
}

void cr_top_format(const struct cr_top *t, int64_t v, char *out, size_t n)
{
	cr_units_scaled(out, n, v, t->sample_unit, t->output_unit ? t->output_unit : "minimum");
}

/* A header line quoting the profile: escaped for the terminal. */
static void header_line(struct cr_buf *b, const char *label, const char *s)
{
	cr_buf_addf(b, "%s", label);
	cr_escape(b, s, strlen(s), 4096, CR_ESC_TERM);
	cr_buf_add(b, "\n", 1);
}

enum cr_err cr_profile_header(const struct cr_profile *p, const char *sample_type,
			      const char *sample_unit, int64_t total, const char *total_text,
			      struct cr_buf *b)
{
	if (p->nmappings) {
		const char *f = cr_profile_str(p, p->mappings[0].filename);
		if (*f)
			header_line(b, "File: ", cr_pprof_base_name(f));
		const char *bid = cr_profile_str(p, p->mappings[0].build_id);
		if (*bid)
			header_line(b, "Build ID: ", bid);
	}
	for (size_t i = 0; i < p->ncomments; i++) {
		const char *c = cr_profile_str(p, p->comments[i]);
		if (c[0] != '#')
			header_line(b, "", c);
	}
	if (sample_type && *sample_type)
		header_line(b, "Type: ", sample_type);
	if (p->time_nanos) {
		time_t secs = (time_t)(p->time_nanos / 1000000000);
		struct tm tm;
		static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
		if (localtime_r(&secs, &tm)) {
			char zone[16];
			strftime(zone, sizeof zone, "%Z", &tm);
			if (cr_pprof_release && cr_pprof_release < 24) {
				int h = tm.tm_hour % 12;
				cr_buf_addf(b, "Time: %s %d, %d at %d:%02d%s (%s)\n", mon[tm.tm_mon], tm.tm_mday,
					    tm.tm_year + 1900, h ? h : 12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm",
					    zone);
			} else {
				cr_buf_addf(b, "Time: %d-%02d-%02d %02d:%02d:%02d %s\n", tm.tm_year + 1900,
					    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
			}
		}
	}
	if (p->duration_nanos) {
		char d[64], ratio[48] = "";
		cr_units_scaled(d, sizeof d, p->duration_nanos, "nanoseconds", "minimum");
		/* pprof adds the share of wall time when the values are times */
		const char *u;
		double ns = cr_units_scale(total, sample_unit ? sample_unit : "", "nanoseconds", &u);
		if (strcmp(u, "ns") == 0 && (int64_t)ns != 0) {
			char pc[32];
			cr_units_percent(pc, sizeof pc, (int64_t)ns, p->duration_nanos);
			snprintf(ratio, sizeof ratio, "(%s)", pc);
		}
		cr_buf_addf(b, "Duration: %s, Total samples = %s %s\n", d, total_text, ratio);
	}
	return b->data || !b->len ? CR_OK : CR_NOMEM;
}
