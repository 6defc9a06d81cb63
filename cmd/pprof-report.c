/* coroner pprof's reports other than -top: the profiles loaded and
 * filtered as pprof does, the report computed in lib, printed as pprof
 * prints it (or as JSON). */
#include "pprof-cmd.h"
#include "coroner/input.h"
#include "coroner/capture.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/top.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The frame of the JSON reports: {"sample_type", "unit", "total" (when
 * total is not NULL), list: [ ... the caller's elements ... ]} */
static void json_begin(struct cr_json *j, const char *type, const char *unit, const int64_t *total,
		       const char *list)
{
	cr_json_init(j, stdout, true);
	cr_json_obj(j);
	cr_json_kstr(j, "sample_type", type);
	cr_json_kstr(j, "unit", unit);
	if (total)
		cr_json_kint(j, "total", *total);
	cr_json_key(j, list);
	cr_json_arr(j);
}

static void json_finish(struct cr_json *j)
{
	cr_json_arr_end(j);
	cr_json_obj_end(j);
	cr_json_end(j);
}

/* A large output buffer written with fwrite: the big reports (-traces,
 * -raw) run to hundreds of megabytes of short pieces. */
struct obuf {
	char *d;
	size_t n, cap;
	FILE *f;
};

static void ob_flush(struct obuf *o)
{
	if (o->n)
		fwrite(o->d, 1, o->n, o->f);
	o->n = 0;
}

static inline void ob_put(struct obuf *o, const char *s, size_t n)
{
	if (o->n + n > o->cap) {
		ob_flush(o);
		if (n > o->cap) {
			fwrite(s, 1, n, o->f);
			return;
		}
	}
	memcpy(o->d + o->n, s, n);
	o->n += n;
}

/* "%10s   " of each sample value, formatted once per distinct value */
struct vcell {
	int64_t v;
	bool used;
	uint8_t len;
	char s[46];
};

static const struct vcell *value_cell(struct vcell *cache, const struct cr_pprof_opts *o, const char *unit,
				      int64_t v)
{
	struct vcell *c = &cache[((uint64_t)v * 0x9e3779b97f4a7c15ull) >> 52];
	if (!c->used || c->v != v) {
		char t[64];
		cr_pprof_format(o, unit, v, t, sizeof t);
		int n = snprintf(c->s, sizeof c->s, "%10s   ", t);
		c->len = (uint8_t)(n < 0 ? 0 : (size_t)n >= sizeof c->s ? sizeof c->s - 1 : (size_t)n);
		c->v = v;
		c->used = true;
	}
	return c;
}

/* One "%10s:  %s" label line of -traces, escaped; equal lines (labels
 * share their text) come from a cache. */
struct lcell {
	const char *key, *values;
	size_t off, len; /* in the cache's text */
};

/* The line of label l into b: the key padded to 10 runes, escaped as
 * cr_fputs_safe escapes */
static enum cr_err label_text(struct cr_buf *b, const struct cr_trace_label *l)
{
	int runes = 0;
	for (const char *s = l->key; *s; s++)
		runes += ((unsigned char)*s & 0xc0) != 0x80;
	for (; runes < 10; runes++)
		if (cr_buf_add(b, " ", 1))
			return CR_NOMEM;
	size_t kn = strlen(l->key), vn = strlen(l->values);
	if (cr_escape(b, l->key, kn, kn, CR_ESC_TERM) || cr_buf_add(b, ":  ", 3) ||
	    cr_escape(b, l->values, vn, vn, CR_ESC_TERM) || cr_buf_add(b, "\n", 1))
		return CR_NOMEM;
	return CR_OK;
}

static void label_line(struct obuf *o, struct lcell *cache, struct cr_buf *text, struct cr_buf *tmp,
		       const struct cr_trace_label *l)
{
	uint64_t h = ((uintptr_t)l->key * 0x9e3779b97f4a7c15ull) ^ ((uintptr_t)l->values * 0xc2b2ae3d27d4eb4full);
	struct lcell *c = &cache[h >> 52];
	if (c->key == l->key && c->values == l->values) {
		ob_put(o, text->data + c->off, c->len);
		return;
	}
	size_t start = text->len;
	if (start <= (64u << 20) && label_text(text, l) == CR_OK) {
		*c = (struct lcell){ l->key, l->values, start, text->len - start };
		ob_put(o, text->data + start, c->len);
		return;
	}
	text->len = start; /* no memory, or a cache grown big enough: the line alone */
	tmp->len = 0;
	if (label_text(tmp, l) == CR_OK)
		ob_put(o, tmp->data, tmp->len);
	else
		ob_put(o, "?\n", 2);
}

static void print_traces_text(const struct cr_traces *t, const struct cr_profile *p,
			      const struct cr_pprof_opts *o, int64_t total)
{
	static const char sep[] = "-----------+-------------------------------------------------------\n";
	static const char lead13[] = "             ";
	static char data[1 << 20];
	struct obuf ob = { data, 0, sizeof data, stdout };
	char tot[64];
	struct cr_buf h = { 0 };
	cr_pprof_format(o, t->sample_unit, total, tot, sizeof tot);
	cr_profile_header(p, t->sample_type, t->sample_unit, total, tot, &h);
	fputs(cr_buf_str(&h), stdout);
	cr_buf_release(&h);
	/* each name escaped once, with its lead and line end (the names
	 * repeat over the samples): "<13 spaces>NAME\n" at off[i], then
	 * "<13 spaces>NAME (inline)\n"; a trace's first line has the value's
	 * cell for its lead */
	size_t nslots = p->nlocations ? t->names.start[p->nlocations - 1] + t->names.n[p->nlocations - 1] : 0;
	struct cr_buf esc = { 0 }, text = { 0 }, tmp = { 0 };
	size_t *off = cr_calloc(nslots + 1, sizeof *off);
	uint32_t *len = cr_calloc(nslots + 1, sizeof *len);
	struct vcell *vc = cr_calloc(4096, sizeof *vc);
	struct lcell *lc = cr_calloc(4096, sizeof *lc);
	for (size_t i = 0; off && len && i < nslots; i++) {
		off[i] = esc.len;
		const char *nm = t->names.name[i];
		cr_buf_add(&esc, lead13, 13);
		cr_escape(&esc, nm, strlen(nm), strlen(nm), CR_ESC_TERM);
		len[i] = (uint32_t)(esc.len - off[i] - 13);
		cr_buf_add(&esc, "\n", 1);
		cr_buf_add(&esc, lead13, 13);
		cr_escape(&esc, nm, strlen(nm), strlen(nm), CR_ESC_TERM); /* not a copy of esc: it may move */
		cr_buf_add(&esc, " (inline)\n", 10);
	}
	if (!off || !len || !vc || !lc || (nslots && !esc.data)) {
		fputs("out of memory printing the traces\n", stderr); /* the report cannot be printed */
		goto out;
	}
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cr_trace *tr = &t->traces[i];
		ob_put(&ob, sep, sizeof sep - 1);
		for (uint32_t k = 0; k < tr->nlabels; k++)
			label_line(&ob, lc, &text, &tmp, &tr->labels[k]);
		const struct vcell *c = value_cell(vc, o, t->sample_unit, tr->value);
		size_t skip = 13; /* the first line's lead is the value's */
		ob_put(&ob, c->s, c->len);
		for (uint32_t k = 0; k < tr->nloc; k++) {
			uint32_t li = t->stack[tr->loc_start + k], n = t->names.n[li];
			for (uint32_t j = 0; j < n; j++) {
				uint32_t slot = t->names.start[li] + j;
				const char *line = esc.data + off[slot];
				size_t ln = 13 + len[slot] + 1;
				if (j + 1 != n)
					line += ln, ln += 9;
				ob_put(&ob, line + skip, ln - skip);
				skip = 0;
			}
		}
	}
	ob_put(&ob, sep, sizeof sep - 1);
	ob_flush(&ob);
out:
	cr_free(off);
	cr_free(len);
	cr_free(vc);
	cr_free(lc);
	cr_buf_release(&esc);
	cr_buf_release(&text);
	cr_buf_release(&tmp);
}

static void print_traces_json(const struct cr_traces *t)
{
	struct cr_json j;
	json_begin(&j, t->sample_type, t->sample_unit, NULL, "traces");
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cr_trace *tr = &t->traces[i];
		cr_json_obj(&j);
		cr_json_kint(&j, "value", tr->value);
		cr_json_key(&j, "labels");
		cr_json_arr(&j);
		for (uint32_t k = 0; k < tr->nlabels; k++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "key", tr->labels[k].key);
			cr_json_kstr(&j, "values", tr->labels[k].values);
			cr_json_key(&j, "numeric");
			cr_json_bool(&j, tr->labels[k].numeric);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_key(&j, "frames");
		cr_json_arr(&j);
		for (uint32_t k = 0; k < tr->nloc; k++) {
			uint32_t li = t->stack[tr->loc_start + k], n = t->names.n[li];
			for (uint32_t f = 0; f < n; f++) {
				cr_json_obj(&j);
				cr_json_kstr(&j, "name", t->names.name[t->names.start[li] + f]);
				cr_json_key(&j, "inline");
				cr_json_bool(&j, f + 1 != n);
				cr_json_obj_end(&j);
			}
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	json_finish(&j);
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* "%.1f%s" of pprof's measurement.Scale (-tags before go1.25) */
static void scale1(const struct cr_pprof_opts *o, const char *unit, int64_t v, char *out, size_t n)
{
	const char *u;
	double x = cr_units_scale(v, unit, o->unit && *o->unit ? o->unit : "minimum", &u);
	snprintf(out, n, "%.1f%s", x, u);
}

/* One value's "V (P%):" cell of -tags */
static void tag_cell(const struct cr_tags *t, const struct cr_tag_key *key, int64_t v,
		     const struct cr_pprof_opts *o, bool old, char *cell, size_t n)
{
	char a[64], pc[32];
	int64_t of = old ? key->total : t->total;
	if (old)
		scale1(o, t->sample_unit, v, a, sizeof a);
	else
		cr_pprof_format(o, t->sample_unit, v, a, sizeof a);
	if (of > 0) {
		cr_units_percent(pc, sizeof pc, v, of);
		snprintf(cell, n, "%s (%s):", a, pc);
	} else {
		snprintf(cell, n, "%s:", a);
	}
}

/* pprof prints -tags through a right-aligning tabwriter flushed at each
 * key's blank line: per key, the key cell and the " " cells of its values
 * share a column, the "V (P%):" cells another. */
static void print_tags_text(const struct cr_tags *t, const struct cr_pprof_opts *o)
{
	char a[64], b[64], pc[32], cell[128];
	bool old = cr_pprof_release && cr_pprof_release < 25; /* "Total 17.0", shares of the key */
	for (size_t k = 0; k < t->nkeys; k++) {
		const struct cr_tag_key *key = &t->keys[k];
		/* column 0: "KEY:" and " ", plus the padding of 1 */
		size_t kw = runes(key->key) + 1, w1 = 0, w0 = (kw > 1 ? kw : 1) + 1;
		for (size_t i = 0; i < key->nvalues; i++) {
			tag_cell(t, key, key->values[i].value, o, old, cell, sizeof cell);
			if (runes(cell) + 1 > w1)
				w1 = runes(cell) + 1;
		}
		for (size_t i = kw; i < w0; i++)
			putchar(' ');
		cr_fputs_safe(stdout, key->key);
		if (old) {
			scale1(o, t->sample_unit, key->total, a, sizeof a);
			printf(": Total %s\n", a);
		} else {
			cr_pprof_format(o, t->sample_unit, key->total, a, sizeof a);
			cr_pprof_format(o, t->sample_unit, t->total, b, sizeof b);
			if (t->total > 0) {
				cr_units_percent(pc, sizeof pc, key->total, t->total);
				printf(": Total %s of %s (%s)\n", a, b, pc);
			} else {
				printf(": Total %s of %s\n", a, b);
			}
		}
		for (size_t i = 0; i < key->nvalues; i++) {
			tag_cell(t, key, key->values[i].value, o, old, cell, sizeof cell);
			printf("%*s%*s ", (int)w0, " ", (int)w1, cell);
			cr_fputs_safe(stdout, key->values[i].name);
			putchar('\n');
		}
		putchar('\n');
	}
}

static void print_tags_json(const struct cr_tags *t)
{
	struct cr_json j;
	json_begin(&j, t->sample_type, t->sample_unit, &t->total, "tags");
	for (size_t k = 0; k < t->nkeys; k++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "key", t->keys[k].key);
		cr_json_kint(&j, "total", t->keys[k].total);
		cr_json_key(&j, "values");
		cr_json_arr(&j);
		for (size_t i = 0; i < t->keys[k].nvalues; i++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "value", t->keys[k].values[i].name);
			cr_json_kint(&j, "total", t->keys[k].values[i].value);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	json_finish(&j);
}

/* One caller or callee line of -tree and -peek: the edge's weight, its
 * share of the node's cum, the node at its other end */
static void tree_edge(const struct cr_pgraph *g, const struct cr_pprof_opts *o, const struct cr_pgraph_edge *e,
		      int64_t cum, size_t other)
{
	char a[64], p1[32];
	cr_pprof_format(o, g->sample_unit, e->weight, a, sizeof a);
	cr_units_percent(p1, sizeof p1, e->weight, cum);
	printf("%50s %s |   ", a, p1);
	cr_fputs_safe(stdout, g->nodes[other].name);
	fputs(e->inl ? " (inline)\n" : "\n", stdout);
}

/* pprof's "Active filters:" block, -tagshow and -taghide last */
static void render_filters(const struct cmd_filters *fl)
{
	bool others = cr_filter_any(&fl->re) || fl->tag[0].set || fl->tag[1].set;
	if (!others && (fl->tagshow || fl->taghide))
		printf("Active filters:\n");
	cmd_render_filters(fl);
	const char *v[2] = { fl->tagshow, fl->taghide }, *k[2] = { "tagshow", "taghide" };
	for (int i = 0; i < 2; i++) {
		if (!v[i])
			continue;
		char line[256]; /* cut past 80 bytes, as pprof */
		snprintf(line, sizeof line, "%s=%s", k[i], v[i]);
		bool cut = strlen(line) > 80;
		if (cut)
			line[80] = 0;
		printf("   ");
		cr_fputs_safe(stdout, line);
		printf("%s\n", cut ? "\xe2\x80\xa6" : "");
	}
}

/* pprof's -tree and -peek (printTree) */
static int print_tree(const struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o0,
		      const struct cmd_filters *fl, const struct cr_pgraph_trim *tr, const regex_t *rx,
		      const struct cmd_pprof_req *r)
{
	const char *rxtext = r->symbol;
	bool compact = r->compact_labels;
	static const char sep[] = "----------------------------------------------------------+-------------\n";
	struct cr_pprof_opts o = *o0;
	o.unit = g->output_unit;
	char a[64], b[64], p1[32], p2[32], p3[32];
	size_t matched = 0;
	for (size_t i = 0; i < g->nnodes; i++)
		matched += !rx || regexec(rx, g->nodes[i].name, 0, NULL, 0) == 0;
	if (rx && matched == 0) {
		fprintf(stderr, "no matches found for regexp: %s\n", rxtext);
		return 2;
	}
	int64_t shown = 0;
	for (size_t i = 0; i < g->nnodes; i++)
		shown = (int64_t)((uint64_t)shown + (uint64_t)cr_pgraph_flat(&g->nodes[i]));
	cr_pprof_format(&o, g->sample_unit, g->total, b, sizeof b);
	if (!compact) {
		struct cr_buf h = { 0 };
		cr_profile_header(p, g->sample_type, g->sample_unit, g->total, b, &h);
		fputs(cr_buf_str(&h), stdout);
		cr_buf_release(&h);
	}
	render_filters(fl);
	cr_pprof_format(&o, g->sample_unit, shown, a, sizeof a);
	cr_units_percent(p1, sizeof p1, shown, g->total);
	printf("Showing nodes accounting for %s, %s of %s total\n", a, p1 + strspn(p1, " "), b);
	if (g->total && g->dropped_nodes) {
		cr_pprof_format(&o, g->sample_unit, llabs((int64_t)((double)g->total * tr->nodefraction)), a,
				sizeof a);
		printf("Dropped %zu node%s (cum <= %s)\n", g->dropped_nodes, g->dropped_nodes > 1 ? "s" : "", a);
	}
	if (g->total && tr->nodecount > 0 && g->nnodes < g->orig_count)
		printf("Showing top %zu nodes out of %zu\n", g->nnodes, g->orig_count);
	fputs(sep, stdout);
	fputs("      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n", stdout);
	int64_t sum = 0;
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct cr_pgraph_node *n = &g->nodes[i];
		if (rx && regexec(rx, n->name, 0, NULL, 0) != 0)
			continue;
		int64_t flat = cr_pgraph_flat(n), cum = cr_pgraph_cum(n); /* -mean: the means */
		fputs(sep, stdout);
		for (uint32_t k = g->in_start[i]; k < g->in_start[i + 1]; k++) {
			const struct cr_pgraph_edge *e = &g->edges[g->in[k]];
			tree_edge(g, &o, e, cum, e->from);
		}
		sum = (int64_t)((uint64_t)sum + (uint64_t)flat);
		cr_pprof_format(&o, g->sample_unit, flat, a, sizeof a);
		cr_pprof_format(&o, g->sample_unit, cum, b, sizeof b);
		cr_units_percent(p1, sizeof p1, flat, g->total);
		cr_units_percent(p2, sizeof p2, sum, g->total);
		cr_units_percent(p3, sizeof p3, cum, g->total);
		printf("%10s %s %s %10s %s                | ", a, p1, p2, b, p3);
		cr_fputs_safe(stdout, n->name);
		putchar('\n');
		for (uint32_t k = g->out_start[i]; k < g->out_start[i + 1]; k++) {
			const struct cr_pgraph_edge *e = &g->edges[g->out[k]];
			tree_edge(g, &o, e, cum, e->to);
		}
	}
	if (g->nnodes)
		fputs(sep, stdout);
	return 0;
}

static void print_peek_json(const struct cr_pgraph *g, const regex_t *rx)
{
	struct cr_json j;
	json_begin(&j, g->sample_type, g->sample_unit, &g->total, "functions");
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct cr_pgraph_node *n = &g->nodes[i];
		if (rx && regexec(rx, n->name, 0, NULL, 0) != 0)
			continue;
		cr_json_obj(&j);
		cr_json_kstr(&j, "name", n->name);
		cr_json_kint(&j, "flat", cr_pgraph_flat(n));
		cr_json_kint(&j, "cum", cr_pgraph_cum(n));
		for (int dir = 0; dir < 2; dir++) {
			const uint32_t *st = dir ? g->out_start : g->in_start, *ix = dir ? g->out : g->in;
			cr_json_key(&j, dir ? "callees" : "callers");
			cr_json_arr(&j);
			for (uint32_t k = st[i]; k < st[i + 1]; k++) {
				const struct cr_pgraph_edge *e = &g->edges[ix[k]];
				cr_json_obj(&j);
				cr_json_kstr(&j, "name", g->nodes[dir ? e->to : e->from].name);
				cr_json_kint(&j, "value", e->weight);
				cr_json_key(&j, "inline");
				cr_json_bool(&j, e->inl);
				cr_json_obj_end(&j);
			}
			cr_json_arr_end(&j);
		}
		cr_json_obj_end(&j);
	}
	json_finish(&j);
}

/* -nodecount, -nodefraction and -edgefraction over tr's defaults; a usage
 * error's exit status, else 0. */
int cmd_pprof_trim_flags(const struct cmd_pprof_req *r, struct cr_pgraph_trim *tr)
{
	int64_t nc;
	if (r->nodecount) {
		if (!cmd_parse_int(r->nodecount, INT64_MIN, INT64_MAX, &nc))
			return cmd_usage_error("pprof", "-nodecount takes a number");
		tr->nodecount = nc <= 0 ? 0 : (long)nc;
	}
	if ((r->nodefraction && !cmd_parse_double(r->nodefraction, -1e308, 1e308, &tr->nodefraction)) ||
	    (r->edgefraction && !cmd_parse_double(r->edgefraction, -1e308, 1e308, &tr->edgefraction)))
		return cmd_usage_error("pprof", "-nodefraction and -edgefraction take a number");
	return 0;
}

/* -tree, -peek, -callgrind, -dot: the trimmed graph and its listing */
static int run_graph(int which, const struct cmd_pprof_req *r, struct cr_pprof_opts *o,
		     const struct cr_profile *p, const struct cmd_filters *f, int64_t total)
{
	struct cr_pgraph_trim tr = { .nodecount = 80, .nodefraction = 0.005, .edgefraction = 0.001, .cum = r->cum };
	struct cr_error e = { 0 };
	int urc = cmd_pprof_trim_flags(r, &tr);
	if (urc)
		return urc;
	if (which == 'p' || which == 'c' || r->notrim)
		tr.nodecount = 0, tr.nodefraction = 0, tr.edgefraction = 0;
	tr.visual = which == 'd';
	tr.call_tree = r->call_tree && (which == 'd' || which == 'c'); /* pprof's: the others ignore it */
	if (which == 'c') {
		tr.integer_unit = true;
		o->gran = CR_GRAN_ADDRESSES;
	}
	struct cr_filter sym;
	memset(&sym, 0, sizeof sym);
	if (which == 'p' && cr_filter_set(&sym, 0, r->symbol, &e))
		return cmd_symbol_regexp_error(r->symbol, &e);
	struct cr_pgraph g;
	int rc = 0;
	if (cr_pgraph_compute(&g, p, o, &tr, total, &e)) {
		rc = cmd_error(&e);
	} else {
		const regex_t *rx = which == 'p' ? &sym.re[0] : NULL;
		if (which == 'c')
			cmd_pprof_callgrind(&g, tr.call_tree);
		else if (which == 'd')
			rc = cmd_pprof_dot(&g, p, o, f, &tr, r->image);
		else if (r->fmt == CR_FMT_JSON)
			print_peek_json(&g, rx);
		else
			rc = print_tree(&g, p, o, f, &tr, rx, r);
		cr_pgraph_release(&g);
	}
	cr_filter_release(&sym);
	return rc;
}

/* -top under -mean: pprof's text report is its trimmed call graph's nodes
 * (the means), each "(inline)" when its callers reach it inlined (and
 * "(partial-inline)" when only some do); t is filled from the graph */
static enum cr_err top_from_graph(struct cr_top *t, const struct cr_profile *p, const struct cr_pprof_opts *o,
				  const struct cr_top_opts *to, double edgefraction, struct cr_error *e)
{
	struct cr_pgraph_trim tr = { .nodecount = to->nodecount, .nodefraction = to->nodefraction,
				     .edgefraction = edgefraction, .cum = to->cum_sort };
	struct cr_pgraph g;
	memset(t, 0, sizeof *t);
	cr_arena_init(&t->arena);
	if (cr_pgraph_compute(&g, p, o, &tr, to->total, e))
		return e->code;
	t->rows = cr_arena_alloc(&t->arena, (g.nnodes + 1) * sizeof *t->rows);
	t->sample_type = cr_arena_strndup(&t->arena, g.sample_type, strlen(g.sample_type));
	if (!t->rows || !t->sample_type) {
		cr_pgraph_release(&g);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	t->sample_unit = g.sample_unit; /* the profile's string */
	t->output_unit = g.output_unit; /* the option's, or a static unit name */
	t->total = g.total;
	t->dropped_nodes = g.dropped_nodes;
	t->orig_count = g.orig_count;
	t->nodefraction = tr.nodefraction;
	for (size_t i = 0; i < g.nnodes; i++) {
		const struct cr_pgraph_node *n = &g.nodes[i];
		bool inl = false, noinl = false;
		for (uint32_t k = g.in_start[i]; k < g.in_start[i + 1]; k++)
			*(g.edges[g.in[k]].inl ? &inl : &noinl) = true;
		t->rows[i] = (struct cr_top_row){ .name = cr_arena_strndup(&t->arena, n->name, strlen(n->name)),
						  .flat = cr_pgraph_flat(n), .cum = cr_pgraph_cum(n),
						  .inline_label = inl ? (noinl ? "(partial-inline)" : "(inline)") : "" };
		if (!t->rows[i].name) {
			cr_pgraph_release(&g);
			return cr_fail(e, CR_NOMEM, "out of memory");
		}
		t->shown_flat = (int64_t)((uint64_t)t->shown_flat + (uint64_t)t->rows[i].flat);
	}
	t->nrows = g.nnodes;
	cr_pgraph_release(&g);
	return CR_OK;
}

/* t as pprof's -top prints it, with -divide_by (pprof's printText) */
static void print_top(const struct cr_top *t, const struct cr_profile *p, const struct cr_pprof_opts *o0,
		      const struct cmd_filters *f, const struct cmd_pprof_req *r)
{
	struct cr_pprof_opts o = *o0;
	o.unit = t->output_unit;
	char tot[64], a[64], b[64], p1[32], p2[32], p3[32];
	struct cr_buf h = { 0 };
	cr_pprof_format(&o, t->sample_unit, t->total, tot, sizeof tot);
	if (!r->compact_labels) {
		cr_profile_header(p, t->sample_type, t->sample_unit, t->total, tot, &h);
		fputs(cr_buf_str(&h), stdout);
		cr_buf_release(&h);
	}
	render_filters(f);
	cr_pprof_format(&o, t->sample_unit, t->shown_flat, a, sizeof a);
	cr_units_percent(p1, sizeof p1, t->shown_flat, t->total);
	printf("Showing nodes accounting for %s, %s of %s total\n", a, p1 + strspn(p1, " "), tot);
	if (t->total && t->dropped_nodes) {
		cr_pprof_format(&o, t->sample_unit, llabs((int64_t)((double)t->total * t->nodefraction)), a, sizeof a);
		printf("Dropped %zu node%s (cum <= %s)\n", t->dropped_nodes, t->dropped_nodes > 1 ? "s" : "", a);
	}
	if (t->total && t->nrows > 0 && t->nrows < t->orig_count)
		printf("Showing top %zu nodes out of %zu\n", t->nrows, t->orig_count);
	printf("%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	int64_t sum = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cr_top_row *w = &t->rows[i];
		sum = (int64_t)((uint64_t)sum + (uint64_t)w->flat);
		cr_pprof_format(&o, t->sample_unit, w->flat, a, sizeof a);
		cr_pprof_format(&o, t->sample_unit, w->cum, b, sizeof b);
		cr_units_percent(p1, sizeof p1, w->flat, t->total);
		cr_units_percent(p2, sizeof p2, sum, t->total);
		cr_units_percent(p3, sizeof p3, w->cum, t->total);
		printf("%10s %s %s %10s %s  ", a, p1, p2, b, p3);
		cr_fputs_safe(stdout, w->name);
		if (*w->inline_label)
			printf(" %s", w->inline_label);
		putchar('\n');
	}
}

/* -top over the rewritten profile, printed as coroner top prints it
 * (through pprof's call graph with -mean, -divide_by or -edgefraction) */
static int run_top(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		   const struct cmd_filters *f, int64_t total)
{
	struct cr_top_opts to = { .sample_index = o->sample_index, .gran = o->gran, .noinlines = o->noinlines,
				  .cum_sort = r->cum, .nodefraction = 0.005, .unit = r->unit, .total = total,
				  .drop_negative = r->drop_negative };
	int64_t nc = 0;
	if (r->nodecount && !cmd_parse_int(r->nodecount, INT64_MIN, INT64_MAX, &nc))
		return cmd_usage_error("pprof", "-nodecount takes a number");
	to.nodecount = nc <= 0 ? 0 : (long)nc;
	if (r->nodefraction && !cmd_parse_double(r->nodefraction, -1e308, 1e308, &to.nodefraction))
		return cmd_usage_error("pprof", "-nodefraction takes a number");
	if (r->notrim)
		to.nodecount = 0, to.nodefraction = 0;
	double ef = 0.001;
	if (r->edgefraction && !cmd_parse_double(r->edgefraction, -1e308, 1e308, &ef))
		return cmd_usage_error("pprof", "-edgefraction takes a number");
	if (r->notrim)
		ef = 0;
	/* -trim=false keeps the edges that label a node "(inline)" */
	bool graph = o->mean || (o->divide_by > 0 && o->divide_by != 1) || r->edgefraction || r->notrim;
	struct cr_top t;
	struct cr_error e = { 0 };
	if (graph ? top_from_graph(&t, p, o, &to, ef, &e) : cr_top_compute(&t, p, &to, &e)) {
		cr_top_release(&t);
		return cmd_error(&e);
	}
	if (r->fmt == CR_FMT_JSON) {
		cmd_top_render_json(&t);
	} else if (graph) {
		print_top(&t, p, o, f, r);
	} else {
		if (!r->compact_labels) /* pprof's -compact_labels: no File/Type/Time lines */
			cmd_top_render_head(&t, p);
		render_filters(f);
		cmd_top_render_rows(&t);
	}
	cr_top_release(&t);
	return 0;
}

static void emit_stdout(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stdout);
}

/* after pprof's filters: -tagshow/-taghide (with its warnings), -prune_from */
static int rewrite_profile(const struct cmd_pprof_req *r, struct cr_profile *p)
{
	struct cr_error e = { 0 };
	struct cr_filter rx;
	int rc = 0;
	memset(&rx, 0, sizeof rx);
	if (cr_filter_set(&rx, 0, r->tagshow, &e) || cr_filter_set(&rx, 1, r->taghide, &e) ||
	    cr_filter_set(&rx, 2, r->prune_from, &e)) {
		rc = cmd_error(&e);
	} else {
		if (r->tagshow || r->taghide) {
			bool sm, hm;
			cr_profile_filter_tag_names(p, rx.set[0] ? &rx.re[0] : NULL, rx.set[1] ? &rx.re[1] : NULL, &sm,
						    &hm);
			if (r->tagshow && !sm)
				fprintf(stderr, "TagShow expression matched no samples\n");
			if (r->taghide && !hm)
				fprintf(stderr, "TagHide expression matched no samples\n");
		}
		if (r->prune_from && cr_profile_prune_from(p, &rx.re[2], &e))
			rc = cmd_error(&e);
	}
	cr_filter_release(&rx);
	return rc;
}

int cmd_pprof_report(int which, const struct cmd_pprof_req *r)
{
	if (which == 'w' && r->fmt == CR_FMT_JSON)
		return cmd_usage_error("pprof", "-raw takes no --format=json");
	const char *binary;
	int nprof = cmd_pprof_count_sources(r, &binary);
	struct cr_pprof_opts o = { .gran = (enum cr_granularity)r->gran, .noinlines = r->noinlines,
				   .unit = r->unit, .drop_negative = r->drop_negative, .mean = r->mean, .merged = nprof > 1 || r->diff_base || r->base };
	/* before go1.21 pprof merged a single profile too */
	if (cr_pprof_release && cr_pprof_release < 21)
		o.merged = true;
	/* and its -raw, -proto and -callgrind kept the inlined frames */
	if (cr_pprof_release && cr_pprof_release < 21 && strchr("woc", which))
		o.noinlines = false;
	if (r->divide_by && (!cmd_parse_double(r->divide_by, -1e308, 1e308, &o.divide_by) || o.divide_by == 0)) {
		fprintf(stderr, "invalid value \"%s\" for flag -divide_by: parse error\n", r->divide_by);
		return 2;
	}
	static char obuf[1 << 16]; /* reports run to megabytes: fewer writes */
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cmd_filters f;
	struct cr_filter_matches fm;
	int rc;
	cr_profile_init(&p);
	if ((rc = cmd_filters_compile(r->filt, &f, true)))
		goto out;
	p.leave_out = cmd_pprof_leave_out(which, r, &f);
	if ((rc = cmd_load_input_norm(&p, r->paths, r->npaths, NULL, r->diff_base, r->base, r->normalize)) ||
	    (rc = cmd_pprof_locate(&p)))
		goto out;
	f.tagshow = r->tagshow, f.taghide = r->taghide;
	cmd_pprof_fetched_sources(&nprof, r, &o);
	if ((which == 'w' || which == 'o') && o.merged) {
		/* pprof merges before it symbolizes and filters: the merge's
		 * ids, and its locations, which pruning and the filters leave in
		 * the table */
		if (cr_pprof_merge(&p, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		o.merged = false;
	}
	if ((rc = cmd_pprof_symbolize(&p, binary, r->buildid)))
		goto out;
	if (r->add_comment) { /* pprof's -add_comment: one more comment, after symbolization */
		uint32_t c = cr_profile_intern(&p, r->add_comment, strlen(r->add_comment));
		if (c == UINT32_MAX || cr_grow(&p.comments, &p.cap_comments, p.ncomments + 1, sizeof *p.comments)) {
			fprintf(stderr, "%s: out of memory\n", cmd_progname);
			rc = 1;
			goto out;
		}
		p.comments[p.ncomments++] = c;
	}
	o.sample_index = cr_profile_sample_index(&p, r->sample_index);
	if (o.sample_index < 0) {
		rc = cmd_bad_sample_index("pprof", r->sample_index, "the profile", &p);
		goto out;
	}
	if (o.merged && nprof == 1 && !r->diff_base && !r->base) {
		/* an old pprof's merge of one profile: its equal samples summed */
		struct cr_merger m;
		if (cr_merger_init(&m, &p, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		cr_merger_release(&m);
	}
	/* pprof's total: before the filters */
	int64_t total = cr_pprof_total(&p, &o);
	if (r->tagroot || r->tagleaf) { /* before the filters, which may match the new frames */
		bool rm, lm;
		if (cr_profile_add_label_frames(&p, r->tagroot, r->tagleaf, r->unit, &rm, &lm, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		if (r->tagroot && *r->tagroot && !rm)
			fprintf(stderr, "TagRoot expression matched no samples\n");
		if (r->tagleaf && *r->tagleaf && !lm)
			fprintf(stderr, "TagLeaf expression matched no samples\n");
	}
	if (cr_profile_filter_m(&p, &f.re, &fm, &e) || cr_profile_filter_tags(&p, &f.tag[0], &f.tag[1], &fm, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (cr_pprof_release && cr_pprof_release < 21 && !cr_filter_any(&f.re))
		cmd_pprof_drop_stackless(&p);
	cmd_filter_warnings(&f, &fm);
	if ((rc = rewrite_profile(r, &p)))
		goto out;
	if (r->relative) /* -relative_percentages: the total of what the filters kept */
		total = cr_pprof_total(&p, &o);
	if (o.noinlines && (which == 'w' || which == 'o'))
		cr_profile_drop_inlined(&p);
	/* pprof trims the file names before each graph report */
	if (strchr("rpclsTP", which) && cr_pprof_trim_paths(&p, r->trim_path, r->source_path, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (which == 'C') { /* -comments: the profile's comments, one a line */
		for (size_t i = 0; i < p.ncomments; i++) {
			cr_fputs_safe(stdout, cr_profile_str(&p, p.comments[i]));
			putchar('\n');
		}
	} else if (which == 'o') {
		/* the merged, filtered profile, to stdout (-output: redirected) */
		if (cr_profile_write_pprof(&p, "-", &e))
			rc = cmd_error(&e);
	} else if (which == 'w') {
		if (cr_pprof_raw(&p, o.merged, emit_stdout, NULL, &e))
			rc = cmd_error(&e);
	} else if (which == 'l') {
		rc = cmd_pprof_list(r, &o, &p, total);
	} else if (which == 'T') {
		rc = run_top(r, &o, &p, &f, total);
	} else if (which == 'P') {
		rc = cmd_pprof_topproto(r, &o, &p, total);
	} else if (which == 's') {
		rc = cmd_pprof_disasm(r, &o, &p, total, binary);
	} else if (which == 'r' || which == 'p' || which == 'c' || which == 'd') {
		rc = run_graph(which, r, &o, &p, &f, total);
	} else if (which == 't') {
		struct cr_traces t;
		if (cr_traces_compute(&t, &p, &o, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		if (r->fmt == CR_FMT_JSON)
			print_traces_json(&t);
		else
			print_traces_text(&t, &p, &o, total);
		cr_traces_release(&t);
	} else {
		struct cr_tags t;
		if (cr_tags_compute(&t, &p, &o, total, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		if (r->fmt == CR_FMT_JSON)
			print_tags_json(&t);
		else
			print_tags_text(&t, &o);
		cr_tags_release(&t);
	}
out:
	cmd_filters_release(&f);
	cr_profile_release(&p);
	return rc;
}
