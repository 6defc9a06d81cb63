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
 *   destination name;
 * - with nodecount, "Dropped N edges" counts the edges cut at the end only
 *   when the nodecount step rebuilt the graph (they were cut before).
 *
 * The visual graph of -dot differs: nodes are ordered by an entropy score
 * (below) instead of flat or cum; when choosing the first nodecount nodes
 * each node counts 1 plus its tags with a flat value (at most 4) and the
 * choice stops at the node where the sum reaches nodecount; the nodes'
 * tags (pprof_tags.c) are kept when their |flat| or |cum| reaches the node
 * cutoff; at the end residual edges that another path from their source
 * still reaches their destination through are removed, walking the nodes
 * from the last and each node's incoming edges from the lightest, stopping
 * at its first edge that is not residual.
 *
 * Entropy score of a node: in = 1 when it has no incoming edge, else H of
 * its incoming edges' weights; out = 1 when it has no outgoing edge, else
 * H of its outgoing edges' weights and its flat; H sums -f*log2(f) over
 * the parts, f = |part| / (the sum of the positive parts), nothing when
 * that sum is 0, the flat only when positive. The score is
 * int64((in + out) * cum) + flat; nodes sorted by |score|, then name, then
 * |flat|.
 */
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


struct gnode {
	const char *name;
	uint32_t slot;
	int64_t flat, cum, score; /* together, in this order: cr_pgraph_entropy */
	int64_t flat_div, cum_div; /* -mean */
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
	/* (from, to) -> edge: open addressing, slot = edge index + 1 (0: free);
	 * lastin[to]: the edge last found into to, tried first */
	uint32_t *eslot, *lastin;
	size_t cap_eslot;
	struct cr_ptags *tags; /* visual graphs */
	bool count_tags;       /* walk() counts the tags */
	bool no_edges;         /* walk() counts the nodes only */
};

static inline size_t edge_hash(uint32_t from, uint32_t to, size_t mask)
{
	return (size_t)((((uint64_t)from << 32 | to) * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* the index's table at twice the edges' capacity, the edges placed again */
static enum cr_err edge_rehash(struct build *b, size_t cap)
{
	uint32_t *t = cr_calloc(cap, sizeof *t);
	if (!t)
		return CR_NOMEM;
	cr_free(b->eslot);
	b->eslot = t;
	b->cap_eslot = cap;
	for (size_t i = 0; i < b->nedges; i++) {
		size_t h = edge_hash(b->edges[i].from, b->edges[i].to, cap - 1);
		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = (uint32_t)i + 1;
	}
	return CR_OK;
}

/* the edge from -> to: found, or added (UINT32_MAX when out of memory) */
static uint32_t edge_of(struct build *b, uint32_t from, uint32_t to)
{
	uint32_t li = b->lastin[to];
	if (li && b->edges[li - 1].from == from)
		return li - 1;
	size_t mask = b->cap_eslot - 1, h = edge_hash(from, to, mask);
	for (uint32_t v; (v = b->eslot[h]); h = (h + 1) & mask)
		if (b->edges[v - 1].from == from && b->edges[v - 1].to == to) {
			b->lastin[to] = v;
			return v - 1;
		}
	if (cr_grow(&b->edges, &b->cap_edges, b->nedges + 1, sizeof *b->edges) ||
	    cr_grow(&b->estamp, &b->cap_estamp, b->nedges + 1, sizeof *b->estamp))
		return UINT32_MAX;
	uint32_t i = (uint32_t)b->nedges++;
	b->edges[i] = (struct cr_pgraph_edge){ from, to, 0, false, true };
	b->estamp[i] = 0;
	b->lastin[to] = i + 1;
	if (2 * b->nedges > b->cap_eslot) /* at most half full */
		return edge_rehash(b, 2 * b->cap_eslot) ? UINT32_MAX : i;
	b->eslot[h] = i + 1;
	return i;
}

static enum cr_err add_edge(struct build *b, uint32_t from, uint32_t to, int64_t w, int64_t dw, bool residual,
			    bool inl, uint32_t stamp)
{
	uint32_t v = edge_of(b, from, to);
	if (v == UINT32_MAX)
		return CR_NOMEM;
	struct cr_pgraph_edge *e = &b->edges[v];
	if (b->estamp[v] == stamp)
		return CR_OK; /* once per sample */
	b->estamp[v] = stamp;
	e->weight = wadd(e->weight, w);
	e->weight_div = wadd(e->weight_div, dw);
	if (residual)
		e->residual = true;
	if (!inl)
		e->inl = false;
	return CR_OK;
}

/* the sum of the nodes' flats walk() will find, without the nodes: the
 * value of each sample whose stack has a name */
static int64_t flat_sum_ahead(const struct build *b)
{
	const struct cr_profile *p = b->p;
	int64_t sum = 0;
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t w = p->values[s * p->ntypes + b->o->sample_index];
		const struct cr_sample *sm = &p->samples[s];
		if (w == 0)
			continue;
		for (uint32_t k = 0; k < sm->nloc; k++)
			if (b->nm->n[p->stack[sm->loc_start + k]]) {
				sum = wadd(sum, w);
				break;
			}
	}
	return sum;
}

/* graph.New over the samples: nodes' flat and cum, the edges */
static enum cr_err walk(struct build *b)
{
	const struct cr_profile *p = b->p;
	for (size_t i = 0; i < b->nnodes; i++)
		b->nodes[i].flat = b->nodes[i].cum = b->nodes[i].flat_div = b->nodes[i].cum_div = 0, b->nodes[i].stamp = 0;
	b->nedges = 0;
	memset(b->lastin, 0, (b->nnodes + 1) * sizeof *b->lastin);
	memset(b->eslot, 0, b->cap_eslot * sizeof *b->eslot);
	struct cr_ptags *tags = b->count_tags ? b->tags : NULL;
	if (tags)
		cr_ptags_reset(tags);
	for (size_t s = 0; s < p->nsamples; s++) {
		int64_t w = p->values[s * p->ntypes + b->o->sample_index], dw = cr_pprof_div(p, b->o, s);
		if (w == 0 && dw == 0)
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
					n->cum_div = wadd(n->cum_div, dw);
					if (tags && cr_ptags_add(tags, id, s, w, dw, false))
						return CR_NOMEM;
				}
				if (parent != UINT32_MAX && parent != id && !b->no_edges &&
				    add_edge(b, parent, id, w, dw, residual, ni != ln - 1, stamp))
					return CR_NOMEM;
				parent = id;
				residual = false;
			}
		}
		if (parent != UINT32_MAX && !residual) {
			b->nodes[parent].flat = wadd(b->nodes[parent].flat, w);
			b->nodes[parent].flat_div = wadd(b->nodes[parent].flat_div, dw);
			if (tags && cr_ptags_add(tags, parent, s, w, dw, true))
				return CR_NOMEM;
		}
	}
	return CR_OK;
}

struct node_order {
	const struct gnode *nodes;
	bool cum, visual;
	const struct cr_pprof_frame *frames; /* by name slot */
};

static int cmp_nodes(const void *x, const void *y, void *arg)
{
	const struct node_order *no = arg;
	const bool g_cum_sort = no->cum || no->visual;
	const struct gnode *l = &no->nodes[*(const uint32_t *)x], *r = &no->nodes[*(const uint32_t *)y];
	int64_t a = no->visual ? wabs(l->score) : g_cum_sort ? wabs(l->cum) : wabs(l->flat);
	int64_t b = no->visual ? wabs(r->score) : g_cum_sort ? wabs(r->cum) : wabs(r->flat);
	if (a != b)
		return a > b ? -1 : 1;
	int c = strcmp(l->name, r->name);
	if (c)
		return c;
	a = g_cum_sort ? wabs(l->flat) : wabs(l->cum), b = g_cum_sort ? wabs(r->flat) : wabs(r->cum);
	if (a != b)
		return a > b ? -1 : 1;
	return cr_pprof_frame_cmp(&no->frames[l->slot], &no->frames[r->slot]);
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

/* Go's int64(x) on amd64: NaN and out of range give INT64_MIN */
static int64_t go_int64(double x)
{
	if (isnan(x) || x >= 9223372036854775808.0 || x < -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;
}

static double plogp(double f)
{
	return -f * log2(f);
}

/* the entropy scores (see the top of the file) of n nodes whose flat, cum
 * and score are the int64s at vals + i*stride (in that order) */
enum cr_err cr_pgraph_entropy(int64_t *vals, size_t stride, size_t n, const struct cr_pgraph_edge *edges, size_t ne)
{
#define V(i, k) (((int64_t *)((char *)vals + (i) * stride))[k])
	double *h = cr_calloc(4 * n + 1, sizeof *h); /* in/out totals, in/out sums */
	uint32_t *deg = cr_calloc(2 * n + 1, sizeof *deg);
	int64_t *itin = cr_calloc(2 * n + 1, sizeof *itin);
	if (!h || !deg || !itin) {
		cr_free(h);
		cr_free(deg);
		cr_free(itin);
		return CR_NOMEM;
	}
	double *tin = h, *tout = h + n, *hin = h + 2 * n, *hout = h + 3 * n;
	int64_t *itout = itin + n;
	for (size_t i = 0; i < n; i++)
		itout[i] = V(i, 0);
	for (size_t i = 0; i < ne; i++) {
		const struct cr_pgraph_edge *e = &edges[i];
		deg[e->to]++, deg[n + e->from]++;
		if (e->weight > 0)
			itin[e->to] = wadd(itin[e->to], e->weight), itout[e->from] = wadd(itout[e->from], e->weight);
	}
	for (size_t i = 0; i < n; i++)
		tin[i] = (double)itin[i], tout[i] = (double)itout[i];
	for (size_t i = 0; i < ne; i++) {
		const struct cr_pgraph_edge *e = &edges[i];
		double w = (double)wabs(e->weight);
		if (itin[e->to])
			hin[e->to] += plogp(w / tin[e->to]);
		if (itout[e->from])
			hout[e->from] += plogp(w / tout[e->from]);
	}
	for (size_t i = 0; i < n; i++) {
		int64_t flat = V(i, 0), cum = V(i, 1);
		if (itout[i] && flat > 0)
			hout[i] += plogp((double)wabs(flat) / tout[i]);
		double sc = (deg[i] ? hin[i] : 1) + (deg[n + i] ? hout[i] : 1);
		V(i, 2) = wadd(go_int64(sc * (double)cum), flat);
	}
#undef V
	cr_free(itin);
	cr_free(h);
	cr_free(deg);
	return CR_OK;
}

/* -drop_negative leaves this node out of the graph (graph.isNegative) */
static bool dropped(const struct build *b, uint32_t i)
{
	const struct gnode *n = &b->nodes[i];
	return b->o->drop_negative && (n->flat < 0 || (n->flat == 0 && n->cum < 0));
}

/* Mark in kept the live nodes whose |cum| reaches cutoff; how many live
 * ones are not. pprof rebuilds the graph only when a node is dropped: else
 * the nodes whose values cancelled out keep their edges (b->kept unset). */
static size_t keep_by_cutoff(struct build *b, uint8_t *kept, int64_t cutoff)
{
	size_t live = 0, nk = 0;
	for (size_t i = 0; i < b->nnodes; i++) {
		if ((!b->nodes[i].cum && !b->nodes[i].flat) || dropped(b, (uint32_t)i))
			continue;
		live++;
		if (wabs(b->nodes[i].cum) >= cutoff)
			kept[i] = 1, nk++;
	}
	if (nk != live)
		b->kept = kept;
	return live - nk;
}

/* The live nodes in order; *count of them */
static uint32_t *sorted_live(struct build *b, bool cum, size_t *count)
{
	if (b->tags && b->nnodes && cr_pgraph_entropy(&b->nodes[0].flat, sizeof *b->nodes, b->nnodes, b->edges, b->nedges))
		return NULL;
	uint32_t *ord = cr_calloc(b->nnodes + 1, sizeof *ord);
	size_t n = 0;
	if (!ord)
		return NULL;
	for (size_t i = 0; i < b->nnodes; i++)
		if ((b->nodes[i].cum || b->nodes[i].flat) && (!b->kept || b->kept[i]) && !dropped(b, (uint32_t)i))
			ord[n++] = (uint32_t)i;
	struct node_order no = { b->nodes, cum, b->tags != NULL, b->nm->frame };
	qsort_r(ord, n, sizeof *ord, cmp_nodes, &no);
	*count = n;
	return ord;
}

void cr_pgraph_select_unit(struct cr_pgraph *g, const struct cr_pprof_opts *o, bool integer_unit)
{
	g->output_unit = o->unit && *o->unit ? o->unit : "minimum";
	if (strcmp(g->output_unit, "minimum") || g->nnodes == 0)
		return;
	int64_t minv = 0, maxv = g->total;
	for (size_t i = 0; i < g->nnodes; i++) {
		int64_t v = wabs(cr_pgraph_flat(&g->nodes[i]));
		if (!v)
			v = wabs(cr_pgraph_cum(&g->nodes[i]));
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

/* per node (n of them): in edges, then out edges, each sorted */
enum cr_err cr_pgraph_index_edges(struct cr_pgraph *g, size_t n)
{
	cr_free(g->in_start);
	cr_free(g->out_start);
	cr_free(g->in);
	cr_free(g->out);
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


/* Can e's source reach its destination without e? (through the incoming
 * edges, breadth first from the destination) */
static bool redundant_edge(const struct cr_pgraph *g, uint32_t ei, const uint8_t *dead, size_t n, uint32_t *queue,
			   uint8_t *seen)
{
	const struct cr_pgraph_edge *e = &g->edges[ei];
	memset(seen, 0, n);
	size_t qh = 0, qt = 0;
	queue[qt++] = e->to;
	seen[e->to] = 1;
	while (qh < qt) {
		uint32_t v = queue[qh++];
		for (uint32_t k = g->in_start[v]; k < g->in_start[v + 1]; k++) {
			uint32_t ie = g->in[k];
			uint32_t src = g->edges[ie].from;
			if (ie == ei || dead[ie] || seen[src])
				continue;
			if (src == e->from)
				return true;
			seen[src] = 1;
			queue[qt++] = src;
		}
	}
	return false;
}

/* the redundant residual edges out (see the top of the file); n nodes */
static enum cr_err remove_redundant(struct cr_pgraph *g, size_t n)
{
	uint8_t *dead = cr_calloc(g->nedges + 1, 1), *seen = cr_calloc(n + 1, 1);
	uint32_t *queue = cr_calloc(n + 1, sizeof *queue);
	enum cr_err rc = CR_NOMEM;
	if (!dead || !seen || !queue)
		goto out;
	size_t ndead = 0;
	for (size_t i = g->nnodes; i-- > 0;) {
		for (uint32_t k = g->in_start[i + 1]; k-- > g->in_start[i];) {
			uint32_t ei = g->in[k];
			if (!g->edges[ei].residual)
				break;
			if (redundant_edge(g, ei, dead, n, queue, seen))
				dead[ei] = 1, ndead++;
		}
	}
	rc = CR_OK;
	if (ndead) {
		size_t m = 0;
		for (size_t i = 0; i < g->nedges; i++)
			if (!dead[i])
				g->edges[m++] = g->edges[i];
		g->nedges = m;
		rc = cr_pgraph_index_edges(g, n);
	}
out:
	cr_free(dead);
	cr_free(seen);
	cr_free(queue);
	return rc;
}

/* the graph's nodes (in order) and edges out of the build */
static enum cr_err finish(struct cr_pgraph *g, struct build *b, const uint32_t *ord, size_t n,
			  int64_t edge_cutoff, int64_t node_cutoff, bool count_dropped)
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
		g->nodes[i] = (struct cr_pgraph_node){ .name = s->name, .slot = s->slot, .flat = s->flat, .cum = s->cum,
						       .flat_div = s->flat_div, .cum_div = s->cum_div };
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
			g->dropped_edges += count_dropped;
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
	if (b->tags && cr_ptags_export(b->tags, g, newid, b->nnodes, node_cutoff)) {
		cr_free(newid);
		return CR_NOMEM;
	}
	cr_free(newid);
	if (cr_pgraph_index_edges(g, n))
		return CR_NOMEM;
	return b->tags ? remove_redundant(g, n) : CR_OK;
}

enum cr_err cr_pgraph_compute(struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
			      const struct cr_pgraph_trim *tr, int64_t total, struct cr_error *e)
{
	memset(g, 0, sizeof *g);
	if (o->sample_index < 0 || (size_t)o->sample_index >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index out of range", p->name ? p->name : "profile");
	g->sample_unit = cr_profile_str(p, p->types[o->sample_index].unit);
	g->total = total;
	if (cr_pprof_names_build(&g->names, p, o->gran, o->noinlines, e))
		return e->code;
	if (!(g->sample_type = cr_pprof_type_name(p, o, &g->names.arena))) {
		cr_pgraph_release(g);
		return cr_fail(e, CR_NOMEM, "%s: out of memory building the call graph", p->name ? p->name : "profile");
	}
	if (tr->call_tree) {
		if (cr_ptree_compute(g, p, o, tr)) {
			cr_pgraph_release(g);
			return cr_fail(e, CR_NOMEM, "%s: out of memory building the call tree", p->name ? p->name : "profile");
		}
		cr_pgraph_select_unit(g, o, tr->integer_unit);
		return CR_OK;
	}
	struct build b = { .p = p, .o = o, .nm = &g->names };
	size_t *tagcount = NULL;
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
	if (tr->visual && cr_ptags_init(&b.tags, p, o))
		goto out;
	/* The tags are counted in one walk: the last one that keeps nodes by
	 * nodefraction, before the nodes are chosen by their tags. A node's
	 * flat, cum and tags do not depend on which other nodes are kept: the
	 * walk after it would count the same for the nodes it keeps. */
	b.count_tags = tr->visual && tr->nodefraction == 0;
	b.lastin = cr_calloc(b.nnodes + 1, sizeof *b.lastin);
	if (!b.lastin || edge_rehash(&b, 1024))
		goto out;
	/* the first walk's edges are needed only when no node is dropped: its
	 * nodes only when the sum of flats (known without walking) says some
	 * will be */
	b.no_edges = tr->nodefraction != 0 && wabs((int64_t)((double)flat_sum_ahead(&b) * tr->nodefraction)) > 0;
	if (walk(&b))
		goto out;
	int64_t flat_sum = 0;
	for (size_t i = 0; i < b.nnodes; i++)
		flat_sum = wadd(flat_sum, b.nodes[i].flat);
	int64_t node_cutoff = wabs((int64_t)((double)flat_sum * tr->nodefraction));
	int64_t edge_cutoff = wabs((int64_t)((double)flat_sum * tr->edgefraction));
	if (b.no_edges && node_cutoff == 0) { /* (the sum ahead cannot differ) */
		b.no_edges = false;
		if (walk(&b))
			goto out;
	}
	bool edgeless = b.no_edges;
	b.no_edges = false;
	kept = cr_calloc(b.nnodes + 1, 1);
	if (!kept)
		goto out;
	size_t n;
	if (node_cutoff > 0)
		g->dropped_nodes = keep_by_cutoff(&b, kept, node_cutoff);
	if (b.kept || edgeless || (b.tags && !b.count_tags)) {
		b.count_tags = b.tags != NULL;
		if (walk(&b))
			goto out;
	}
	b.count_tags = false;
	if (!(ord = sorted_live(&b, tr->cum, &n)))
		goto out;
	g->orig_count = n;
	size_t keep = tr->nodecount > 0 ? (size_t)tr->nodecount : n;
	if (tr->nodecount > 0 && b.tags) { /* each node counts with its tags */
		if (!(tagcount = cr_calloc(b.nnodes + 1, sizeof *tagcount)))
			goto out;
		cr_ptags_counts(b.tags, node_cutoff, tagcount);
		size_t count = 0;
		for (size_t i = 0; i < n; i++) {
			count += (tagcount[ord[i]] < 4 ? tagcount[ord[i]] : 4) + 1;
			if (count >= keep) {
				keep = i + 1;
				break;
			}
		}
	}
	bool rebuilt = false;
	if (tr->nodecount > 0 && keep < n) {
		rebuilt = true;
		memset(kept, 0, b.nnodes);
		for (size_t i = 0; i < keep; i++)
			kept[ord[i]] = 1;
		b.kept = kept;
		if (walk(&b))
			goto out;
		cr_free(ord);
		if (!(ord = sorted_live(&b, tr->cum, &n)))
			goto out;
	}
	if (finish(g, &b, ord, n, edge_cutoff, node_cutoff, tr->nodecount <= 0 || rebuilt))
		goto out;
	cr_pgraph_select_unit(g, o, tr->integer_unit);
	rc = CR_OK;
out:
	cr_free(ord);
	cr_free(kept);
	cr_free(b.nodeof);
	cr_free(b.nodes);
	cr_free(b.edges);
	cr_free(b.estamp);
	cr_free(b.eslot);
	cr_free(b.lastin);
	cr_hmap_release(&nmap);
	cr_ptags_free(b.tags);
	cr_free(tagcount);
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
	cr_free(g->tags);
	cr_free(g->tag_start);
	memset(g, 0, sizeof *g);
}
