/* pprof's call graph (graph.New) and its trimming (newTrimmedGraph), for
 * -tree and -peek:
 *
 * - nodes are the printable names of the granularity (cr_pprof_names); a
 *   sample adds its value once to the cum of each distinct node of its
 *   stack and to the flat of its leaf; samples of value 0 are skipped;
 * - an edge caller -> callee gets the sample's value once per sample; it is
 *   inline only if every sample saw it between lines of one location, and
 *   residual when it jumps over nodes the trimming dropped (the leaf then
 *   gets no flat);
 * - trimming: nodes with |cum| under nodefraction of the sum of flats are
 *   dropped and the graph rebuilt; nodes sorted by |flat| (|cum| with -cum),
 *   then name; with a nodecount, edges under edgefraction are cut, the
 *   first nodecount nodes kept and the graph rebuilt; edges under
 *   edgefraction are cut at the end;
 * - a node's in and out edges sorted by |weight|, then source, then
 *   destination name.
 */
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <stdlib.h>
#include <string.h>


struct gnode {
	const char *name;
	uint32_t slot;
	int64_t flat, cum;
	uint32_t stamp;
};

struct build {
	const struct cr_profile *p;
	const struct cr_pprof_opts *o;
	const struct cr_pprof_names *nm;
	uint32_t *nodeof;   /* per name slot: node id */
	size_t nnodes;      /* distinct names */
	const uint8_t *kept; /* per node; NULL: all */
	struct gnode *nodes;
	struct cr_pgraph_edge *edges;
	size_t nedges, cap_edges;
	uint32_t *estamp;
	size_t cap_estamp;
	struct cr_hmap emap;
};

static enum cr_err add_edge(struct build *b, uint32_t from, uint32_t to, int64_t w, bool residual, bool inl,
			    uint32_t stamp)
{
	uint32_t k[2] = { from, to };
	bool found;
	uint32_t *v = cr_hmap_put(&b->emap, k, sizeof k, (uint32_t)b->nedges, &found);
	if (!v)
		return CR_NOMEM;
	if (!found) {
		if (cr_grow(&b->edges, &b->cap_edges, b->nedges + 1, sizeof *b->edges) ||
		    cr_grow(&b->estamp, &b->cap_estamp, b->nedges + 1, sizeof *b->estamp))
			return CR_NOMEM;
		b->edges[b->nedges] = (struct cr_pgraph_edge){ from, to, 0, false, true };
		b->estamp[b->nedges++] = 0;
	}
	struct cr_pgraph_edge *e = &b->edges[*v];
	if (b->estamp[*v] == stamp)
		return CR_OK; /* once per sample */
	b->estamp[*v] = stamp;
	e->weight = wadd(e->weight, w);
	if (residual)
		e->residual = true;
	if (!inl)
		e->inl = false;
	return CR_OK;
}

/* graph.New over the samples: nodes' flat and cum, the edges */
static enum cr_err walk(struct build *b)
{
	const struct cr_profile *p = b->p;
	for (size_t i = 0; i < b->nnodes; i++)
		b->nodes[i].flat = b->nodes[i].cum = 0, b->nodes[i].stamp = 0;
	b->nedges = 0;
	cr_hmap_release(&b->emap);
	cr_hmap_init(&b->emap);
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t w = p->values[s * p->ntypes + b->o->sample_index];
		if (w == 0)
			continue;
		const struct cr_sample *sm = &p->samples[s];
		uint32_t stamp = (uint32_t)s + 1, parent = UINT32_MAX;
		bool residual = false;
		for (uint32_t k = sm->nloc; k-- > 0;) {
			uint32_t li = p->stack[sm->loc_start + k];
			uint32_t ln = b->nm->n[li], st = b->nm->start[li];
			for (uint32_t ni = ln; ni-- > 0;) {
				uint32_t id = b->nodeof[st + ni];
				if (b->kept && !b->kept[id]) {
					residual = true;
					continue;
				}
				struct gnode *n = &b->nodes[id];
				if (n->stamp != stamp) {
					n->stamp = stamp;
					n->cum = wadd(n->cum, w);
				}
				if (parent != UINT32_MAX && parent != id &&
				    add_edge(b, parent, id, w, residual, ni != ln - 1, stamp))
					return CR_NOMEM;
				parent = id;
				residual = false;
			}
		}
		if (parent != UINT32_MAX && !residual)
			b->nodes[parent].flat = wadd(b->nodes[parent].flat, w);
	}
	return CR_OK;
}

struct node_order {
	const struct gnode *nodes;
	bool cum;
};

static int cmp_nodes(const void *x, const void *y, void *arg)
{
	const struct node_order *no = arg;
	const bool g_cum_sort = no->cum;
	const struct gnode *l = &no->nodes[*(const uint32_t *)x], *r = &no->nodes[*(const uint32_t *)y];
	int64_t a = g_cum_sort ? wabs(l->cum) : wabs(l->flat), b = g_cum_sort ? wabs(r->cum) : wabs(r->flat);
	if (a != b)
		return a > b ? -1 : 1;
	int c = strcmp(l->name, r->name);
	if (c)
		return c;
	a = g_cum_sort ? wabs(l->flat) : wabs(l->cum), b = g_cum_sort ? wabs(r->flat) : wabs(r->cum);
	return a != b ? (a > b ? -1 : 1) : 0;
}

static int cmp_edges(const void *x, const void *y, void *arg)
{
	const struct cr_pgraph *g_graph = arg;
	const struct cr_pgraph_edge *l = &g_graph->edges[*(const uint32_t *)x], *r = &g_graph->edges[*(const uint32_t *)y];
	if (l->weight != r->weight) {
		int64_t a = wabs(l->weight), b = wabs(r->weight);
		if (a != b)
			return a > b ? -1 : 1;
	}
	int c = strcmp(g_graph->nodes[l->from].name, g_graph->nodes[r->from].name);
	if (c)
		return c;
	return strcmp(g_graph->nodes[l->to].name, g_graph->nodes[r->to].name);
}

/* -drop_negative leaves this node out of the graph (graph.isNegative) */
static bool dropped(const struct build *b, uint32_t i)
{
	const struct gnode *n = &b->nodes[i];
	return b->o->drop_negative && (n->flat < 0 || (n->flat == 0 && n->cum < 0));
}

/* The live nodes in order; *count of them */
static uint32_t *sorted_live(const struct build *b, bool cum, size_t *count)
{
	uint32_t *ord = cr_calloc(b->nnodes + 1, sizeof *ord);
	size_t n = 0;
	if (!ord)
		return NULL;
	for (size_t i = 0; i < b->nnodes; i++)
		if ((b->nodes[i].cum || b->nodes[i].flat) && (!b->kept || b->kept[i]) && !dropped(b, (uint32_t)i))
			ord[n++] = (uint32_t)i;
	struct node_order no = { b->nodes, cum };
	qsort_r(ord, n, sizeof *ord, cmp_nodes, &no);
	*count = n;
	return ord;
}

static void select_unit(struct cr_pgraph *g, const struct cr_pprof_opts *o, bool integer_unit)
{
	g->output_unit = o->unit && *o->unit ? o->unit : "minimum";
	if (strcmp(g->output_unit, "minimum") || g->nnodes == 0)
		return;
	int64_t minv = 0, maxv = g->total;
	for (size_t i = 0; i < g->nnodes; i++) {
		int64_t v = wabs(g->nodes[i].flat);
		if (!v)
			v = wabs(g->nodes[i].cum);
		if (v > 0 && (minv == 0 || v < minv))
			minv = v;
	}
	if (minv == 0)
		minv = maxv;
	if (o->divide_by > 0 && o->divide_by != 1) {
		minv = (int64_t)((double)minv * (1 / o->divide_by));
		maxv = (int64_t)((double)maxv * (1 / o->divide_by));
	}
	const char *minu, *maxu, *u;
	cr_units_scale(minv, g->sample_unit, "minimum", &minu);
	cr_units_scale(maxv, g->sample_unit, "minimum", &maxu);
	u = minu;
	if (strcmp(minu, maxu) && (int64_t)((uint64_t)minv * 100u) < maxv && !integer_unit)
		cr_units_scale((int64_t)((uint64_t)minv * 100u), g->sample_unit, "minimum", &u);
	g->output_unit = *u ? u : g->sample_unit;
}

/* the graph's nodes (in order) and edges out of the build */
static enum cr_err finish(struct cr_pgraph *g, struct build *b, const uint32_t *ord, size_t n,
			  int64_t edge_cutoff)
{
	uint32_t *newid = cr_calloc(b->nnodes + 1, sizeof *newid);
	/* the live nodes, then the nodes whose values cancelled out (a diff)
	 * that edges still reach: pprof leaves those edges in place */
	g->nodes = cr_calloc(b->nnodes + 1, sizeof *g->nodes);
	if (!newid || !g->nodes) {
		cr_free(newid);
		return CR_NOMEM;
	}
	for (size_t i = 0; i < b->nnodes; i++)
		newid[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct gnode *s = &b->nodes[ord[i]];
		g->nodes[i] = (struct cr_pgraph_node){ .name = s->name, .slot = s->slot, .flat = s->flat, .cum = s->cum };
		newid[ord[i]] = (uint32_t)i;
	}
	g->nnodes = n;
	size_t all = n;
	g->edges = cr_calloc(b->nedges + 1, sizeof *g->edges);
	if (!g->edges) {
		cr_free(newid);
		return CR_NOMEM;
	}
	for (size_t i = 0; i < b->nedges; i++) {
		struct cr_pgraph_edge e = b->edges[i];
		bool ghost_from = newid[e.from] == UINT32_MAX, ghost_to = newid[e.to] == UINT32_MAX;
		if ((ghost_from && (b->nodes[e.from].cum || b->nodes[e.from].flat) && !dropped(b, e.from)) ||
		    (ghost_to && (b->nodes[e.to].cum || b->nodes[e.to].flat) && !dropped(b, e.to)) ||
		    (ghost_from && ghost_to))
			continue;
		if (edge_cutoff > 0 && wabs(e.weight) < edge_cutoff) {
			g->dropped_edges++;
			continue;
		}
		for (int k = 0; k < 2; k++) {
			uint32_t id = k ? e.to : e.from;
			if (newid[id] != UINT32_MAX)
				continue;
			const struct gnode *s = &b->nodes[id];
			g->nodes[all] = (struct cr_pgraph_node){ .name = s->name, .slot = s->slot, .ghost = true };
			newid[id] = (uint32_t)all++;
		}
		e.from = newid[e.from];
		e.to = newid[e.to];
		g->edges[g->nedges++] = e;
	}
	n = all;
	cr_free(newid);
	/* per node: in edges, then out edges, each sorted */
	g->in_start = cr_calloc(n + 1, sizeof *g->in_start);
	g->out_start = cr_calloc(n + 1, sizeof *g->out_start);
	g->in = cr_calloc(g->nedges + 1, sizeof *g->in);
	g->out = cr_calloc(g->nedges + 1, sizeof *g->out);
	if (!g->in_start || !g->out_start || !g->in || !g->out)
		return CR_NOMEM;
	for (size_t i = 0; i < g->nedges; i++)
		g->in_start[g->edges[i].to + 1]++, g->out_start[g->edges[i].from + 1]++;
	for (size_t i = 0; i < n; i++)
		g->in_start[i + 1] += g->in_start[i], g->out_start[i + 1] += g->out_start[i];
	uint32_t *fi = cr_calloc(n + 1, sizeof *fi), *fo = cr_calloc(n + 1, sizeof *fo);
	if (!fi || !fo) {
		cr_free(fi);
		cr_free(fo);
		return CR_NOMEM;
	}
	for (size_t i = 0; i < g->nedges; i++) {
		uint32_t t = g->edges[i].to, f = g->edges[i].from;
		g->in[g->in_start[t] + fi[t]++] = (uint32_t)i;
		g->out[g->out_start[f] + fo[f]++] = (uint32_t)i;
	}
	cr_free(fi);
	cr_free(fo);
	for (size_t i = 0; i < n; i++) {
		qsort_r(g->in + g->in_start[i], g->in_start[i + 1] - g->in_start[i], sizeof *g->in, cmp_edges, g);
		qsort_r(g->out + g->out_start[i], g->out_start[i + 1] - g->out_start[i], sizeof *g->out, cmp_edges, g);
	}
	return CR_OK;
}

enum cr_err cr_pgraph_compute(struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
			      const struct cr_pgraph_trim *tr, int64_t total, struct cr_error *e)
{
	memset(g, 0, sizeof *g);
	if (o->sample_index < 0 || (size_t)o->sample_index >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index out of range", p->name ? p->name : "profile");
	g->sample_type = cr_profile_str(p, p->types[o->sample_index].type);
	g->sample_unit = cr_profile_str(p, p->types[o->sample_index].unit);
	g->total = total;
	if (cr_pprof_names_build(&g->names, p, o->gran, o->noinlines, e))
		return e->code;
	struct build b = { .p = p, .o = o, .nm = &g->names };
	cr_hmap_init(&b.emap);
	struct cr_hmap nmap;
	cr_hmap_init(&nmap);
	uint8_t *kept = NULL;
	uint32_t *ord = NULL;
	enum cr_err rc = CR_NOMEM;
	size_t nslots = g->names.start && p->nlocations
		? g->names.start[p->nlocations - 1] + g->names.n[p->nlocations - 1] : 0;
	b.nodeof = cr_calloc(nslots + 1, sizeof *b.nodeof);
	if (!b.nodeof)
		goto out;
	/* one node per distinct name (the names are interned: compare pointers) */
	size_t cap_nodes = 0;
	for (size_t i = 0; i < nslots; i++) {
		const char *nm = g->names.name[i];
		bool found;
		uint32_t *v = cr_hmap_put(&nmap, &nm, sizeof nm, (uint32_t)b.nnodes, &found);
		if (!v)
			goto out;
		if (!found) {
			if (cr_grow(&b.nodes, &cap_nodes, b.nnodes + 1, sizeof *b.nodes))
				goto out;
			b.nodes[b.nnodes++] = (struct gnode){ .name = nm, .slot = (uint32_t)i };
		}
		b.nodeof[i] = *v;
	}
	if (walk(&b))
		goto out;
	int64_t flat_sum = 0;
	for (size_t i = 0; i < b.nnodes; i++)
		flat_sum = wadd(flat_sum, b.nodes[i].flat);
	int64_t node_cutoff = wabs((int64_t)((double)flat_sum * tr->nodefraction));
	int64_t edge_cutoff = wabs((int64_t)((double)flat_sum * tr->edgefraction));
	kept = cr_calloc(b.nnodes + 1, 1);
	if (!kept)
		goto out;
	size_t n;
	if (node_cutoff > 0) {
		size_t live = 0, nk = 0;
		for (size_t i = 0; i < b.nnodes; i++) {
			if ((!b.nodes[i].cum && !b.nodes[i].flat) || dropped(&b, (uint32_t)i))
				continue;
			live++;
			if (wabs(b.nodes[i].cum) >= node_cutoff)
				kept[i] = 1, nk++;
		}
		g->dropped_nodes = live - nk;
		b.kept = kept;
		if (walk(&b))
			goto out;
	}
	if (!(ord = sorted_live(&b, tr->cum, &n)))
		goto out;
	g->orig_count = n;
	if (tr->nodecount > 0 && (size_t)tr->nodecount < n) {
		memset(kept, 0, b.nnodes);
		for (size_t i = 0; i < (size_t)tr->nodecount; i++)
			kept[ord[i]] = 1;
		b.kept = kept;
		if (walk(&b))
			goto out;
		cr_free(ord);
		if (!(ord = sorted_live(&b, tr->cum, &n)))
			goto out;
	}
	if (finish(g, &b, ord, n, edge_cutoff))
		goto out;
	select_unit(g, o, tr->integer_unit);
	rc = CR_OK;
out:
	cr_free(ord);
	cr_free(kept);
	cr_free(b.nodeof);
	cr_free(b.nodes);
	cr_free(b.edges);
	cr_free(b.estamp);
	cr_hmap_release(&b.emap);
	cr_hmap_release(&nmap);
	if (rc) {
		cr_pgraph_release(g);
		return cr_fail(e, rc, "%s: out of memory building the call graph", p->name ? p->name : "profile");
	}
	return CR_OK;
}

void cr_pgraph_release(struct cr_pgraph *g)
{
	cr_pprof_names_release(&g->names);
	cr_free(g->nodes);
	cr_free(g->edges);
	cr_free(g->in_start);
	cr_free(g->out_start);
	cr_free(g->in);
	cr_free(g->out);
	memset(g, 0, sizeof *g);
}
