/* pprof's -callgrind: the graph (or, with -call_tree, the call tree) at
 * address granularity, untrimmed, in callgrind's format with its name and
 * address compression. */
#include "pprof-cmd.h"
#include "coroner/pprof.h"

#include <stdlib.h>
#include <string.h>

/* callgrind's name compression: "(N) name" the first time, "(N)" after */
struct cg_names {
	struct cr_hmap map;
	uint32_t n;
};

/* v in decimal ("+" before a positive one with plus) into out (24 bytes);
 * its length */
static size_t fmt_dec(char *out, long long v, bool plus)
{
	char tmp[24];
	size_t n = 0, k = 0;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0 || plus)
		out[k++] = v < 0 ? '-' : '+';
	while (n)
		out[k++] = tmp[--n];
	return k;
}

static void put_dec(long long v)
{
	char b[24];
	fwrite_unlocked(b, 1, fmt_dec(b, v, false), stdout);
}

/* name's number, printed in the long form the first time; 0 when it was
 * not numbered (empty, or out of memory: the long form is still valid
 * callgrind) */
static uint32_t cg_name(struct cg_names *t, const char *name)
{
	if (!*name)
		return 0;
	bool found;
	uint32_t *v = cr_hmap_put(&t->map, name, strlen(name), t->n + 1, &found);
	if (!v) {
		cr_fputs_safe(stdout, name);
		return 0;
	}
	putchar_unlocked('(');
	put_dec(*v);
	putchar_unlocked(')');
	if (!found) {
		t->n++;
		putchar_unlocked(' ');
		cr_fputs_safe(stdout, name);
	}
	return *v;
}

/* cg_name through *known, a node's number once it has one */
static void cg_node_name(struct cg_names *t, uint32_t *known, const char *name)
{
	if (!*known) {
		*known = cg_name(t, name);
		return;
	}
	putchar_unlocked('(');
	put_dec(*known);
	putchar_unlocked(')');
}

/* an address relative to the previous one when shorter ("*" when equal) */
static void cg_address(bool have_prev, uint64_t prev, uint64_t cur)
{
	static const char hex[] = "0123456789abcdef";
	char abs[20], rel[24];
	size_t na = 0, nd = 0;
	for (uint64_t x = cur; nd == 0 || x; x >>= 4)
		nd++;
	abs[na++] = '0', abs[na++] = 'x';
	for (size_t k = nd; k-- > 0;)
		abs[na++] = hex[cur >> (4 * k) & 15];
	if (!have_prev) {
		fwrite_unlocked(abs, 1, na, stdout);
		return;
	}
	if (prev == cur) {
		putchar_unlocked('*');
		return;
	}
	size_t nr = fmt_dec(rel, (long long)(int64_t)(cur - prev), true);
	if (nr < na)
		fwrite_unlocked(rel, 1, nr, stdout);
	else
		fwrite_unlocked(abs, 1, na, stdout);
}

/* a node's " LINE VALUE\n", or (call) a call's " LINE\n* * VALUE\n" */
static void cg_cost(long long line, long long v, bool call)
{
	char b[56];
	size_t n = 0;
	b[n++] = ' ';
	n += fmt_dec(b + n, line, false);
	if (call)
		b[n++] = '\n', b[n++] = '*', b[n++] = ' ', b[n++] = '*';
	b[n++] = ' ';
	n += fmt_dec(b + n, v, false);
	b[n++] = '\n';
	fwrite_unlocked(b, 1, n, stdout);
}

/* Into b: node i's name and file (fn false), or its function: those,
 * its binary, and in a call tree its caller node (pprof's functions there
 * are per caller) */
static void node_key(struct cr_buf *b, const struct cr_pgraph *g, size_t i, bool fn, bool tree)
{
	const struct cr_pprof_frame *f = &g->names.frame[g->nodes[i].slot];
	b->len = 0;
	cr_buf_add(b, f->name, strlen(f->name) + 1);
	cr_buf_add(b, f->file, strlen(f->file) + 1);
	if (!fn)
		return;
	cr_buf_add(b, f->objfile, strlen(f->objfile) + 1);
	uint32_t parent = g->in_start[i + 1] > g->in_start[i] ? g->edges[g->in[g->in_start[i]]].from : UINT32_MAX;
	if (tree)
		cr_buf_add(b, &parent, sizeof parent);
}

/* pprof's names of the callees (getDisambiguatedNames): a name and file
 * that more than one function has (in a call tree: a function called from
 * more than one place) get " [K/N]", K counting the functions in the
 * nodes' order. NULL when out of memory (then the names as they are). */
static char **callee_names(const struct cr_pgraph *g, bool tree)
{
	struct cr_hmap fns, names; /* function -> its index under its name; name -> its first node */
	struct cr_buf k = { 0 };
	uint32_t *idx = calloc(g->nnodes + 1, sizeof *idx), *nm = calloc(g->nnodes + 1, sizeof *nm);
	uint32_t *count = calloc(g->nnodes + 1, sizeof *count);
	char **out = calloc(g->nnodes + 1, sizeof *out);
	bool ok = idx && nm && count && out, found;
	cr_hmap_init(&fns);
	cr_hmap_init(&names);
	for (size_t i = 0; ok && i < g->nnodes; i++) {
		node_key(&k, g, i, false, tree);
		uint32_t *n = k.data ? cr_hmap_put(&names, k.data, k.len, (uint32_t)i, &found) : NULL;
		node_key(&k, g, i, true, tree);
		uint32_t *v = n && k.data ? cr_hmap_put(&fns, k.data, k.len, count[*n], &found) : NULL;
		if (!v) {
			ok = false;
			break;
		}
		nm[i] = *n;
		count[nm[i]] += !found;
		idx[i] = *v;
	}
	for (size_t j = 0; ok && j < g->nnodes; j++) {
		const char *name = g->names.frame[g->nodes[j].slot].name;
		if (count[nm[j]] > 1 ? asprintf(&out[j], "%s [%u/%u]", name, idx[j] + 1, count[nm[j]]) < 0
				     : !(out[j] = strdup(name)))
			out[j] = NULL, ok = false;
	}
	cr_hmap_release(&fns);
	cr_hmap_release(&names);
	cr_buf_release(&k);
	free(idx);
	free(nm);
	free(count);
	if (!ok && out) {
		for (size_t m = 0; m < g->nnodes; m++)
			free(out[m]);
		free(out);
		out = NULL;
	}
	return out;
}

/* pprof's -callgrind: the graph at address granularity, untrimmed; tree:
 * the call tree of -call_tree */
void cmd_pprof_callgrind(const struct cr_pgraph *g, bool tree)
{
	char **callee = callee_names(g, tree);
	struct cg_names ob = { 0 }, fl = { 0 }, fn = { 0 };
	cr_hmap_init(&ob.map);
	cr_hmap_init(&fl.map);
	cr_hmap_init(&fn.map);
	/* each node's numbers as a callee (file, name), once it has them */
	uint32_t *cfl = calloc(g->nnodes + 1, sizeof *cfl), *cfn = calloc(g->nnodes + 1, sizeof *cfn);
	uint32_t spare[2] = { 0, 0 };
	printf("positions: instr line\nevents: %s(%s)\n", g->sample_type, g->output_unit);
	const struct cr_pprof_frame *prev = NULL;
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct cr_pgraph_node *n = &g->nodes[i];
		const struct cr_pprof_frame *f = &g->names.frame[n->slot];
		if (!prev || strcmp(f->objfile, prev->objfile) || strcmp(f->file, prev->file) ||
		    strcmp(f->name, prev->name)) {
			fputs_unlocked("\nob=", stdout);
			cg_name(&ob, f->objfile);
			fputs_unlocked("\nfl=", stdout);
			cg_name(&fl, f->file);
			fputs_unlocked("\nfn=", stdout);
			cg_name(&fn, f->name);
			putchar_unlocked('\n');
		}
		const char *u;
		cg_address(prev != NULL, prev ? prev->address : 0, f->address);
		cg_cost((long long)f->line,
			(long long)cr_units_scale(cr_pgraph_flat(n), g->sample_unit, g->output_unit, &u), false);
		for (uint32_t k = g->out_start[i]; k < g->out_start[i + 1]; k++) {
			const struct cr_pgraph_edge *e = &g->edges[g->out[k]];
			const struct cr_pprof_frame *c = &g->names.frame[g->nodes[e->to].slot];
			/* (a ghost, past the nodes, is not remembered) */
			bool node = e->to < g->nnodes && cfl && cfn;
			spare[0] = spare[1] = 0;
			fputs_unlocked("cfl=", stdout);
			cg_node_name(&fl, node ? &cfl[e->to] : &spare[0], c->file);
			fputs_unlocked("\ncfn=", stdout);
			if (!g->nodes[e->to].ghost) /* pprof names the graph's nodes only */
				cg_node_name(&fn, node ? &cfn[e->to] : &spare[1], callee ? callee[e->to] : c->name);
			fputs_unlocked("\ncalls=0 ", stdout);
			cg_address(prev != NULL, prev ? prev->address : 0, c->address);
			cg_cost((long long)c->line, (long long)cr_units_scale(e->weight, g->sample_unit, g->output_unit, &u),
				true);
		}
		prev = f;
	}
	free(cfl);
	free(cfn);
	cr_hmap_release(&ob.map);
	cr_hmap_release(&fl.map);
	cr_hmap_release(&fn.map);
	for (size_t i = 0; callee && i < g->nnodes; i++)
		free(callee[i]);
	free(callee);
}
