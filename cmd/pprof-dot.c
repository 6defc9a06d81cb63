/* coroner pprof -dot: pprof's visual call graph (lib/report/pprof_graph.c)
 * as the DOT text `go tool pprof -dot` writes; -svg, -png, -pdf, -ps, -gif:
 * that text through Graphviz's dot.
 *
 * The text, as pprof composes it:
 * - `digraph "TITLE" {` (TITLE: the base name of the first mapping's file,
 *   else "unnamed"), then `node [style=filled fillcolor="#f8f8f8"]`;
 * - the legend: `subgraph cluster_L { "FIRST" [shape=box fontsize=16
 *   label="L1\lL2\l...\l" tooltip="TITLE"] }`, its lines the profile's
 *   header lines (as -top's), the active filters, "Showing nodes
 *   accounting for ...", the "Dropped N nodes (cum <= X)" and "Dropped N
 *   edges (freq <= X)" lines, "Showing top N nodes out of M" when nodes
 *   were left out, an empty line and the line pointing at pprof's guide to
 *   the graph; each line escaped (backslash, quote; a newline as \l);
 * - node i (from 1): `Ni [label="NAME\nFLAT (P%)\nof CUM (P%)" id="nodei"
 *   fontsize=S shape=box tooltip="FULLNAME (CUM)" color="C" fillcolor="F"]`;
 *   NAME is the function name shortened as pprof shortens it, its "::" and
 *   "." cut into lines, then the other parts of the node's name (address,
 *   file base:line, [binary]); a flat of 0 prints "0", then " of CUM";
 *   without a cum of its own (cum == flat) only the flat part;
 *   S = 8 + ceil(16 * sqrt(|flat| / max |flat|)) (8 when flat is 0);
 *   C and F the colours of cum / |total| (below);
 * - after each node its tags: up to 4 label tags (by |cum|, or |flat| when
 *   the node has outgoing edges, then |flat|, then name) as box3d nodes
 *   "Ni_j" with an edge from the node labelled with the tag's value (flat
 *   when the node has outgoing edges, else cum; left out when 0), each with
 *   its numeric tags under it, then the node's numeric tags of samples
 *   without labels as "NNi_j"; more than 4 numeric tags are grouped around
 *   the 4 heaviest (each joining the nearest by value) and labelled
 *   "MIN..MAX"; a numeric tag's edge is dotted when it shows cum (a leaf's
 *   tag whose flat differs from its cum);
 * - the edges of all nodes, by |weight|, then source and destination name:
 *   `Na -> Nb [label=" W" weight=K penwidth=P color="C" tooltip="A -> B (W)"
 *   labeltooltip="A -> B (W)"]`, K = 1 + min(|w*100/total|, 100) and
 *   P = 1 + min(|w*5/total|, 5) written only when over 1, the label
 *   followed by \n (inline) for an inlined call, "..." for "->" in the
 *   tooltips and style="dotted" for a residual edge, minlen=2 when the
 *   source has tags;
 * - the colour of a score s clipped to [-1, 1]: saturation 1 and value 0.7
 *   for lines, 0.1 and 0.93 for fills; saturation scaled by |s|/0.2 when
 *   |s| < 0.2; s moved away from 0 as sign(s)*|s|^0.3; red = value, green =
 *   value*(1 - saturation*s) for s >= 0 (green = value, red = value*(1 +
 *   saturation*s) below 0), blue = value*(1 - saturation); each channel
 *   *255 truncated, written #rrggbb.
 *
 * Strings pprof writes without escaping (a label's keys and values, the
 * title, a file name) are escaped here as the rest, so the text stays
 * valid DOT whatever the profile holds.
 */
#include "pprof-cmd.h"
#include "coroner/out.h"
#include "coroner/filter.h"
#include "coroner/profile.h"
#include "coroner/pprof.h"
#include "coroner/top.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* the text is built in memory: any allocation failing is remembered */
static bool dot_nomem;

static void bput(struct cr_buf *b, const void *p, size_t n)
{
	if (cr_buf_add(b, p, n))
		dot_nomem = true;
}

__attribute__((format(printf, 2, 3))) static void bputf(struct cr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		dot_nomem = true;
		return;
	}
	bput(b, s, (size_t)n);
	free(s);
}

/* Go's int64 arithmetic (wrapping), as pprof computes */
static int64_t wabs(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

static int64_t wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int64_t go_div(int64_t a, int64_t b)
{
	return b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b;
}

struct dot {
	struct cr_buf *b;
	const struct cr_pgraph *g;
	struct cr_pprof_opts o; /* unit: the graph's output unit */
};

static void fmt_value(const struct dot *d, int64_t v, char *out, size_t n)
{
	cr_pprof_format(&d->o, d->g->sample_unit, v, out, n);
}

/* measurement.Percentage without its padding */
static void pct(int64_t v, int64_t total, char *out, size_t n)
{
	char p[32];
	cr_units_percent(p, sizeof p, v, total);
	snprintf(out, n, "%s", p + strspn(p, " "));
}

/* Go's uint8(x) on amd64 for a colour channel */
static unsigned go_u8(double x)
{
	if (isnan(x) || x >= 9223372036854775808.0 || x < -9223372036854775808.0)
		return 0;
	return (unsigned)((uint64_t)(int64_t)x & 0xff);
}

static void dot_color(double score, bool bg, char out[8])
{
	double sat = bg ? 0.1 : 1.0, val = bg ? 0.93 : 0.7;
	if (!isnan(score))
		score = fmax(-1.0, fmin(1.0, score));
	if (fabs(score) < 0.2)
		sat *= fabs(score) / 0.2;
	if (score > 0.0)
		score = pow(score, 1.0 - 0.7);
	if (score < 0.0)
		score = -pow(-score, 1.0 - 0.7);
	double r, g, b;
	if (score < 0.0) {
		g = val;
		r = val * (1 + sat * score);
	} else {
		r = val;
		g = val * (1 - sat * score);
	}
	b = val * (1 - sat);
	snprintf(out, 8, "#%02x%02x%02x", go_u8(r * 255.0), go_u8(g * 255.0), go_u8(b * 255.0));
}

/* Go's filepath.Base */
static void go_base(struct cr_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (!n) {
		bput(b, ".", 1);
		return;
	}
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (!n) {
		bput(b, "/", 1);
		return;
	}
	size_t i = n;
	while (i > 0 && s[i - 1] != '/')
		i--;
	bput(b, s + i, n - i);
}

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Go's package path prefix (segments of [\w.-] each ending in '/'): the
 * end of the longest valid prefix run, 0 if none */
static size_t pkg_run(const char *s)
{
	size_t i = 0, last = 0;
	while (s[i]) {
		size_t j = i;
		while (is_word(s[j]) || s[j] == '-' || s[j] == '.')
			j++;
		if (j == i || s[j] != '/')
			break;
		last = j + 1;
		i = j + 1;
	}
	return last;
}

/* the capture of pprof's Go name pattern: after the last package '/' that
 * leaves "X.Y" (go1.19's: anything), up to a newline; false: no match */
static bool short_go(const char *s, size_t *from, size_t *to)
{
	size_t run = pkg_run(s);
	bool old = cr_pprof_release && cr_pprof_release < 20;
	for (size_t p = run; p > 0; p--) {
		if (s[p - 1] != '/')
			continue;
		const char *t = s + p;
		size_t k = 0;
		if (old) {
			if (!t[0] || t[0] == '\n')
				continue;
		} else {
			while (t[k] && t[k] != '.')
				k++;
			if (k == 0 || t[k] != '.' || !t[k + 1] || t[k + 1] == '\n')
				continue;
			k++;
		}
		size_t e = k;
		while (t[e] && t[e] != '\n')
			e++;
		*from = p, *to = p + e;
		return true;
	}
	return false;
}

/* pprof's Java name pattern: lower-case packages, then Class.method */
static bool short_java(const char *s, size_t *from, size_t *to)
{
	size_t i = 0;
	for (;;) { /* (?:[a-z]\w*\.)* */
		if (!(s[i] >= 'a' && s[i] <= 'z'))
			break;
		size_t j = i + 1;
		while (is_word(s[j]))
			j++;
		if (s[j] != '.')
			break;
		i = j + 1;
	}
	if (!(s[i] >= 'A' && s[i] <= 'Z'))
		return false;
	size_t j = i + 1;
	while (is_word(s[j]) || s[j] == '$')
		j++;
	if (s[j] != '.')
		return false;
	j++;
	if (!strncmp(s + j, "<init>", 6)) {
		if (!s[j + 6] || s[j + 6] == '(') {
			*from = i, *to = j + 6;
			return true;
		}
	}
	if (!(s[j] >= 'a' && s[j] <= 'z'))
		return false;
	j++;
	while (is_word(s[j]) || s[j] == '$')
		j++;
	if (s[j] && s[j] != '(')
		return false;
	*from = i, *to = j;
	return true;
}

/* an identifier [_a-zA-Z]\w* at s+i: its end, or i */
static size_t ident(const char *s, size_t i)
{
	if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
		return i;
	i++;
	while (is_word(s[i]))
		i++;
	return i;
}

/* pprof's C++ pattern: namespaces::, then Class::method and its <...> */
static bool short_cpp(const char *s, size_t *from, size_t *to)
{
	size_t bounds[64], nb = 0, i = 0;
	for (;;) {
		size_t j = ident(s, i);
		if (j == i || strncmp(s + j, "::", 2))
			break;
		i = j + 2;
		if (nb < 64)
			bounds[nb++] = i;
	}
	for (size_t k = nb; k-- > 0;) {
		size_t b = bounds[k], j = b;
		while (s[j] == '_')
			j++;
		if (!(s[j] >= 'A' && s[j] <= 'Z'))
			continue;
		j++;
		while (is_word(s[j]))
			j++;
		if (strncmp(s + j, "::", 2))
			continue;
		j += 2;
		if (s[j] == '~')
			j++;
		size_t e = ident(s, j);
		if (e == j)
			continue;
		if (s[e] == '<') {
			size_t last = 0;
			for (size_t m = e + 1; s[m] && s[m] != '\n'; m++)
				if (s[m] == '>')
					last = m + 1;
			if (last)
				e = last;
		}
		*from = b, *to = e;
		return true;
	}
	return false;
}

/* pprof's ShortenFunctionName */
static void shorten(struct cr_buf *out, const char *name)
{
	const char *anon = "(anonymous namespace)::";
	if (!strncmp(name, anon, strlen(anon)))
		name += strlen(anon);
	/* the first module version "/vN" (N >= 2) before '.' or '/' goes, in a
	 * name of one line */
	struct cr_buf nv = { 0 };
	size_t cut = 0, cut_end = 0;
	for (size_t i = 0; !strchr(name, '\n') && name[i] && !cut_end; i++) {
		if (name[i] != '/' || name[i + 1] != 'v' || !is_digit(name[i + 2]))
			continue;
		size_t j = i + 2;
		while (is_digit(name[j]))
			j++;
		size_t nd = j - (i + 2);
		if (((nd == 1 && name[i + 2] >= '2') || (nd >= 2 && name[i + 2] != '0')) &&
		    (name[j] == '.' || name[j] == '/'))
			cut = i, cut_end = j;
	}
	if (cut_end) {
		bput(&nv, name, cut);
		bput(&nv, name + cut_end, strlen(name + cut_end));
	} else {
		bput(&nv, name, strlen(name));
	}
	const char *s = cr_buf_str(&nv);
	size_t a, z;
	if (short_go(s, &a, &z) || short_java(s, &a, &z) || short_cpp(s, &a, &z))
		bput(out, s + a, z - a);
	else
		bput(out, s, strlen(s));
	cr_buf_release(&nv);
}

static void add_escaped(struct cr_buf *b, const char *s)
{
	if (cr_pprof_dot_escape(b, s))
		dot_nomem = true;
}

/* pprof's node label: the short name, escaped, cut into lines at "::" and
 * "." ("[...]" kept as "[…]"), then the other parts of the name */
static void multiline_name(struct cr_buf *b, const struct cr_pprof_frame *f)
{
	if (f->address)
		bputf(b, "%016llx\\n", (unsigned long long)f->address);
	if (*f->name) {
		struct cr_buf sh = { 0 }, esc = { 0 };
		shorten(&sh, f->name);
		add_escaped(&esc, cr_buf_str(&sh));
		for (const char *c = cr_buf_str(&esc); *c; c++) {
			if (c[0] == ':' && c[1] == ':') {
				bput(b, "\\n", 2);
				c++;
			} else if (!strncmp(c, "[...]", 5)) {
				bput(b, "[\xe2\x80\xa6]", 5);
				c += 4;
			} else if (*c == '.') {
				bput(b, "\\n", 2);
			} else {
				bput(b, c, 1);
			}
		}
		bput(b, "\\n", 2);
		cr_buf_release(&sh);
		cr_buf_release(&esc);
	}
	struct cr_buf part = { 0 };
	if (f->line) {
		go_base(&part, f->file);
		bputf(&part, ":%lld", (long long)f->line);
	} else if (*f->file) {
		go_base(&part, f->file);
	} else if (!*f->name && *f->objfile) {
		bput(&part, "[", 1);
		go_base(&part, f->objfile);
		bput(&part, "]", 1);
	} else if (!*f->name) {
		bputf(&part, "<unknown>");
	}
	if (part.len) {
		add_escaped(b, cr_buf_str(&part));
		bput(b, "\\n", 2);
	}
	cr_buf_release(&part);
}


/* ---- tags ---- */

struct tagv {
	const char *name;
	const char *unit;
	int64_t value, flat, cum;
	int64_t fd, cd; /* -mean: the divisors of flat and cum */
	char label[112];
};

static int cmp_tags(const void *x, const void *y, void *arg)
{
	const struct tagv *l = x, *r = y;
	bool flat = *(const bool *)arg;
	if (!flat && l->cum != r->cum) {
		int64_t a = wabs(l->cum), b = wabs(r->cum);
		if (a != b)
			return a > b ? -1 : 1;
	}
	if (l->flat != r->flat) {
		int64_t a = wabs(l->flat), b = wabs(r->flat);
		if (a != b)
			return a > b ? -1 : 1;
	}
	return strcmp(l->name, r->name);
}

static void tag_label(const struct tagv *t, char *out, size_t n)
{
	cr_units_scaled(out, n, t->value, t->unit, "auto");
}

/* More than count numeric tags: grouped around the count heaviest, each
 * joining the nearest by value; *n updated */
static void collapse(struct tagv *ts, size_t *n, size_t count, bool flat)
{
	qsort_r(ts, *n, sizeof *ts, cmp_tags, &flat);
	for (size_t i = 0; i < *n; i++)
		snprintf(ts[i].label, sizeof ts[i].label, "%s", ts[i].name);
	if (*n <= count)
		return;
	size_t *grp = calloc(*n, sizeof *grp);
	if (!grp) { /* out of memory: the heaviest only */
		*n = count;
		return;
	}
	for (size_t i = count; i < *n; i++) {
		size_t g = 0;
		double d = fabs((double)ts[0].value - (double)ts[i].value);
		for (size_t k = 1; k < count; k++) {
			double nd = fabs((double)ts[k].value - (double)ts[i].value);
			if (nd < d)
				g = k, d = nd;
		}
		grp[i] = g;
	}
	struct tagv out[4];
	for (size_t k = 0; k < count && k < 4; k++) {
		const struct tagv *mn = &ts[k], *mx = &ts[k];
		int64_t f = ts[k].flat, c = ts[k].cum, fd = ts[k].fd, cd = ts[k].cd;
		size_t members = 1;
		for (size_t i = count; i < *n; i++) {
			if (grp[i] != k)
				continue;
			members++;
			if (ts[i].value < mn->value)
				mn = &ts[i];
			if (ts[i].value > mx->value)
				mx = &ts[i];
			f = (int64_t)((uint64_t)f + (uint64_t)ts[i].flat);
			c = (int64_t)((uint64_t)c + (uint64_t)ts[i].cum);
			fd = (int64_t)((uint64_t)fd + (uint64_t)ts[i].fd);
			cd = (int64_t)((uint64_t)cd + (uint64_t)ts[i].cd);
		}
		out[k] = ts[k]; /* the groups' values are the means */
		out[k].flat = cr_pprof_mean(f, fd), out[k].cum = cr_pprof_mean(c, cd), out[k].fd = out[k].cd = 0;
		if (members == 1) {
			tag_label(&ts[k], out[k].label, sizeof out[k].label);
		} else {
			char a[48], b[48];
			tag_label(mn, a, sizeof a);
			tag_label(mx, b, sizeof b);
			snprintf(out[k].label, sizeof out[k].label, "%s..%s", a, b);
		}
		out[k].name = out[k].label;
	}
	free(grp);
	*n = count;
	memcpy(ts, out, count * sizeof *ts);
	for (size_t k = 0; k < count; k++)
		ts[k].name = ts[k].label;
	qsort_r(ts, *n, sizeof *ts, cmp_tags, &flat);
	for (size_t k = 0; k < count; k++)
		ts[k].name = ts[k].label;
}

/* the numeric tags of node i under label group grp, from source src */
static void numeric_nodelets(struct dot *d, size_t i, const char *grp, const char *src, bool flat)
{
	const struct cr_pgraph *g = d->g;
	size_t n = 0;
	for (uint32_t k = g->tag_start[i]; k < g->tag_start[i + 1]; k++)
		n += g->tags[k].group && !strcmp(g->tags[k].group, grp);
	if (!n)
		return;
	struct tagv *ts = calloc(n, sizeof *ts);
	if (!ts)
		return;
	n = 0;
	for (uint32_t k = g->tag_start[i]; k < g->tag_start[i + 1]; k++) {
		const struct cr_pgraph_tag *t = &g->tags[k];
		if (t->group && !strcmp(t->group, grp))
			ts[n++] = (struct tagv){ t->name, t->unit, t->value, t->flat, t->cum, t->flat_div, t->cum_div, "" };
	}
	collapse(ts, &n, 4, flat);
	for (size_t j = 0; j < n; j++) {
		int64_t w = cr_pprof_mean(ts[j].cum, ts[j].cd), fv = cr_pprof_mean(ts[j].flat, ts[j].fd);
		const char *attr = " style=\"dotted\"";
		if (flat || fv == w)
			w = fv, attr = "";
		if (w == 0)
			continue;
		char v[64];
		fmt_value(d, w, v, sizeof v);
		bputf(d->b, "N%s_%zu [label = \"%s\" id=\"N%s_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n", src, j,
			    ts[j].label, src, j, v);
		bputf(d->b, "%s -> N%s_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"%s]\n", src,
			    src, j, v, v, v, attr);
	}
	free(ts);
}

/* node i's tags; whether it has any drawn */
static bool nodelets(struct dot *d, size_t i)
{
	const struct cr_pgraph *g = d->g;
	size_t before = d->b->len, n = 0;
	bool flat = g->out_start[i + 1] > g->out_start[i];
	for (uint32_t k = g->tag_start[i]; k < g->tag_start[i + 1]; k++)
		n += !g->tags[k].group;
	struct tagv *ts = calloc(n + 1, sizeof *ts);
	if (!ts)
		return false;
	n = 0;
	for (uint32_t k = g->tag_start[i]; k < g->tag_start[i + 1]; k++) {
		const struct cr_pgraph_tag *t = &g->tags[k];
		if (!t->group)
			ts[n++] = (struct tagv){ t->name, NULL, 0, t->flat, t->cum, t->flat_div, t->cum_div, "" };
	}
	qsort_r(ts, n, sizeof *ts, cmp_tags, &flat);
	for (size_t j = 0; j < n && j < 4; j++) {
		int64_t w = flat ? cr_pprof_mean(ts[j].flat, ts[j].fd) : cr_pprof_mean(ts[j].cum, ts[j].cd);
		if (w == 0)
			continue;
		char v[64], src[48];
		fmt_value(d, w, v, sizeof v);
		bputf(d->b, "N%zu_%zu [label = \"%s\" id=\"N%zu_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n",
			    i + 1, j, ts[j].name, i + 1, j, v);
		bputf(d->b, "N%zu -> N%zu_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"]\n", i + 1,
			    i + 1, j, v, v, v);
		snprintf(src, sizeof src, "N%zu_%zu", i + 1, j);
		numeric_nodelets(d, i, ts[j].name, src, flat);
	}
	free(ts);
	char src[32];
	snprintf(src, sizeof src, "N%zu", i + 1);
	numeric_nodelets(d, i, "", src, flat);
	return d->b->len > before;
}

/* ---- nodes, edges, legend ---- */

static void node(struct dot *d, size_t i, double max_flat)
{
	const struct cr_pgraph *g = d->g;
	const struct cr_pgraph_node *n = &g->nodes[i];
	char fv[64], cv[64], p[32], col[8], fill[8];
	struct cr_buf *b = d->b;
	bputf(b, "N%zu [label=\"", i + 1);
	multiline_name(b, &g->names.frame[n->slot]);
	int64_t flat = cr_pgraph_flat(n), cum = cr_pgraph_cum(n);
	fmt_value(d, flat, fv, sizeof fv);
	if (flat) {
		pct(flat, g->total, p, sizeof p);
		bputf(b, "%s (%s)", fv, p);
	} else {
		bput(b, "0", 1);
	}
	snprintf(cv, sizeof cv, "%s", fv);
	if (cum != flat) {
		fmt_value(d, cum, cv, sizeof cv);
		pct(cum, g->total, p, sizeof p);
		bputf(b, "%sof %s (%s)", flat ? "\\n" : " ", cv, p);
	}
	int fs = 8;
	double af = (double)wabs(flat);
	if (max_flat != 0 && flat != 0 && af <= max_flat)
		fs += (int)ceil(16.0 * sqrt(af / max_flat));
	double score = (double)cum / (double)wabs(g->total);
	dot_color(score, false, col);
	dot_color(score, true, fill);
	bputf(b, "\" id=\"node%zu\" fontsize=%d shape=box tooltip=\"", i + 1, fs);
	add_escaped(b, n->name);
	bputf(b, " (%s)\" color=\"%s\" fillcolor=\"%s\"]\n", cv, col, fill);
}

static int cmp_out(const void *x, const void *y, void *arg)
{
	const struct cr_pgraph *g = arg;
	const struct cr_pgraph_edge *l = &g->edges[*(const uint32_t *)x], *r = &g->edges[*(const uint32_t *)y];
	if (l->weight != r->weight) {
		int64_t a = wabs(l->weight), b = wabs(r->weight);
		if (a != b)
			return a > b ? -1 : 1;
	}
	int c = strcmp(g->nodes[l->from].name, g->nodes[r->from].name);
	return c ? c : strcmp(g->nodes[l->to].name, g->nodes[r->to].name);
}

static void edge(struct dot *d, const struct cr_pgraph_edge *e, bool src_tags)
{
	const struct cr_pgraph *g = d->g;
	struct cr_buf *b = d->b;
	char w[64], col[8];
	int64_t wv = cr_pprof_mean(e->weight, e->weight_div); /* -mean: the mean */
	fmt_value(d, wv, w, sizeof w);
	size_t to = e->to < g->nnodes ? e->to + 1 : 0; /* an edge to a node left out: pprof's N0 */
	bputf(b, "N%u -> N%zu [label=\" %s%s\"", e->from + 1, to, w, e->inl ? "\\n (inline)" : "");
	if (g->total) {
		int64_t k = wabs(go_div(wmul(wv, 100), g->total)), pw = wabs(go_div(wmul(wv, 5), g->total));
		k = 1 + (k < 100 ? k : 100);
		pw = 1 + (pw < 5 ? pw : 5);
		if (k > 1)
			bputf(b, " weight=%lld", (long long)k);
		if (pw > 1)
			bputf(b, " penwidth=%lld", (long long)pw);
		dot_color((double)wv / (double)wabs(g->total), false, col);
		bputf(b, " color=\"%s\"", col);
	}
	struct cr_buf tip = { 0 };
	add_escaped(&tip, g->nodes[e->from].name);
	bputf(&tip, " %s ", e->residual ? "..." : "->");
	add_escaped(&tip, g->nodes[e->to].name);
	bputf(&tip, " (%s)", w);
	bputf(b, " tooltip=\"%s\" labeltooltip=\"%s\"", cr_buf_str(&tip), cr_buf_str(&tip));
	cr_buf_release(&tip);
	if (e->residual)
		bputf(b, " style=\"dotted\"");
	if (src_tags)
		bputf(b, " minlen=2");
	bputf(b, "]\n");
}

/* the legend's lines, each ended by '\n' (the filters as pprof lists them) */
static void legend_lines(struct dot *d, const struct cr_profile *p, const struct cmd_filters *fl,
			 const struct cr_pgraph_trim *tr, struct cr_buf *l)
{
	const struct cr_pgraph *g = d->g;
	char tot[64], a[64], pc[32];
	fmt_value(d, g->total, tot, sizeof tot);
	cr_profile_header(p, g->sample_type, g->sample_unit, g->total, tot, l);
	static const char *const names[] = { "focus", "ignore", "hide", "show", "show_from", "tagfocus", "tagignore",
					      "tagshow", "taghide" };
	const struct cr_filter *f = &fl->re;
	const struct cr_tagfilter *tf = fl->tag;
	if (cr_filter_any(f) || tf[0].set || tf[1].set || fl->tagshow || fl->taghide) {
		bputf(l, "Active filters:\n");
		for (int k = 0; k < 9; k++) {
			const char *v = k < 5 ? (f->set[k] ? f->text[k] : NULL) : k < 7 ? (tf[k - 5].set ? tf[k - 5].text : NULL) :
				k == 7 ? fl->tagshow : fl->taghide;
			if (!v)
				continue;
			size_t len = strlen(names[k]) + 1 + strlen(v);
			struct cr_buf line = { 0 };
			bputf(&line, "%s=%s", names[k], v);
			bput(l, "   ", 3);
			bput(l, cr_buf_str(&line), len > 80 ? 80 : len); /* pprof cuts past 80 bytes */
			bputf(l, "%s\n", len > 80 ? "\xe2\x80\xa6" : "");
			cr_buf_release(&line);
		}
	}
	int64_t shown = 0;
	for (size_t i = 0; i < g->nnodes; i++)
		shown = (int64_t)((uint64_t)shown + (uint64_t)cr_pgraph_flat(&g->nodes[i]));
	fmt_value(d, shown, a, sizeof a);
	pct(shown, g->total, pc, sizeof pc);
	bputf(l, "Showing nodes accounting for %s, %s of %s total\n", a, pc, tot);
	if (g->total) {
		if (g->dropped_nodes) {
			fmt_value(d, wabs((int64_t)((double)g->total * tr->nodefraction)), a, sizeof a);
			bputf(l, "Dropped %zu node%s (cum <= %s)\n", g->dropped_nodes, g->dropped_nodes > 1 ? "s" : "", a);
		}
		if (g->dropped_edges) {
			fmt_value(d, wabs((int64_t)((double)g->total * tr->edgefraction)), a, sizeof a);
			bputf(l, "Dropped %zu edge%s (freq <= %s)\n", g->dropped_edges, g->dropped_edges > 1 ? "s" : "", a);
		}
		if (g->nnodes > 0 && g->nnodes < g->orig_count)
			bputf(l, "Showing top %zu nodes out of %zu\n", g->nnodes, g->orig_count);
	}
	bputf(l, "\nSee https://git.io/JfYMW for how to read the graph\n");
}

void cmd_pprof_dot_text(struct cr_buf *b, const struct cr_pgraph *g, const struct cr_profile *p,
			const struct cr_pprof_opts *o, const struct cmd_filters *fl, const struct cr_pgraph_trim *tr)
{
	struct dot d = { .b = b, .g = g, .o = *o };
	d.o.unit = g->output_unit;
	struct cr_buf title = { 0 }, lines = { 0 };
	if (p->nmappings && *cr_profile_str(p, p->mappings[0].filename)) {
		struct cr_buf base = { 0 };
		go_base(&base, cr_profile_str(p, p->mappings[0].filename));
		add_escaped(&title, cr_buf_str(&base));
		cr_buf_release(&base);
	}
	bputf(b, "digraph \"%s\" {\n", title.len ? cr_buf_str(&title) : "unnamed");
	bputf(b, "node [style=filled fillcolor=\"#f8f8f8\"]\n");
	legend_lines(&d, p, fl, tr, &lines);
	/* the lines, each escaped, joined by \l; the first names the box */
	const char *s = cr_buf_str(&lines);
	const char *nl = strchr(s, '\n');
	struct cr_buf first = { 0 }, esc = { 0 };
	bput(&first, s, nl ? (size_t)(nl - s) : strlen(s));
	add_escaped(&esc, cr_buf_str(&first));
	bputf(b, "subgraph cluster_L { \"%s\" [shape=box fontsize=16 label=\"", cr_buf_str(&esc));
	cr_buf_release(&first);
	cr_buf_release(&esc);
	/* each line ends in '\n', which the escaping writes as \l */
	add_escaped(b, s);
	bput(b, "\"", 1);
	if (title.len)
		bputf(b, " tooltip=\"%s\"", cr_buf_str(&title));
	bputf(b, "] }\n");
	cr_buf_release(&lines);
	cr_buf_release(&title);
	if (g->nnodes) {
		double max_flat = (double)wabs(cr_pgraph_flat(&g->nodes[0]));
		for (size_t i = 0; i < g->nnodes; i++)
			if ((double)wabs(cr_pgraph_flat(&g->nodes[i])) > max_flat)
				max_flat = (double)wabs(cr_pgraph_flat(&g->nodes[i]));
		bool *has = calloc(g->nnodes, sizeof *has);
		uint32_t *ord = calloc(g->nedges + 1, sizeof *ord);
		size_t ne = 0;
		for (size_t i = 0; i < g->nnodes; i++) {
			node(&d, i, max_flat);
			bool h = g->tags ? nodelets(&d, i) : false;
			if (has)
				has[i] = h;
			for (uint32_t k = g->out_start[i]; ord && k < g->out_start[i + 1]; k++)
				ord[ne++] = g->out[k];
		}
		if (ord) {
			qsort_r(ord, ne, sizeof *ord, cmp_out, (void *)g);
			for (size_t k = 0; k < ne; k++)
				edge(&d, &g->edges[ord[k]], has && has[g->edges[ord[k]].from]);
		}
		free(has);
		free(ord);
	}
	bputf(b, "}\n");
}

/* dot -TFORMAT with the text on its stdin and our stdout as its own */
static int graphviz(const struct cr_buf *text, const char *format)
{
	char t[32];
	snprintf(t, sizeof t, "-T%s", format);
	char *argv[] = { "dot", t, NULL };
	fflush(stdout);
	pid_t pid;
	int err, wr = cmd_spawn_pipe(argv, 0, false, &pid, &err);
	if (wr < 0) {
		if (err == ENOENT)
			fprintf(stderr, "%s: pprof -%s: Graphviz's dot is not installed (install the graphviz package), "
					"or use -dot\n", cmd_progname, format);
		else
			fprintf(stderr, "%s: pprof -%s: cannot run dot: %s\n", cmd_progname, format, strerror(err));
		return 1;
	}
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	const char *s = cr_buf_str(text);
	size_t left = text->len;
	bool wrote = true;
	while (left) {
		ssize_t w = write(wr, s, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			wrote = false;
			break;
		}
		s += w, left -= (size_t)w;
	}
	close(wr);
	int st = cmd_wait(pid);
	sigaction(SIGPIPE, &old, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !wrote) {
		if (WIFEXITED(st))
			fprintf(stderr, "%s: pprof -%s: dot -T%s failed (exit status %d)\n", cmd_progname, format, format,
				WEXITSTATUS(st));
		else
			fprintf(stderr, "%s: pprof -%s: dot -T%s was killed by signal %d\n", cmd_progname, format, format,
				WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return 1;
	}
	return 0;
}

int cmd_pprof_dot(const struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
		  const struct cmd_filters *fl, const struct cr_pgraph_trim *tr, const char *image)
{
	struct cr_buf b = { 0 };
	dot_nomem = false;
	cmd_pprof_dot_text(&b, g, p, o, fl, tr);
	if (dot_nomem) {
		cr_buf_release(&b);
		fprintf(stderr, "%s: pprof: out of memory writing the graph\n", cmd_progname);
		return 1;
	}
	int rc = 0;
	if (image)
		rc = graphviz(&b, image);
	else
		fwrite(cr_buf_str(&b), 1, b.len, stdout);
	cr_buf_release(&b);
	return rc;
}
