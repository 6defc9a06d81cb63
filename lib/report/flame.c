/* Flame graphs: a call tree keyed by (parent, frame name), folded stacks and
 * an interactive SVG. The SVG's script and style are written here from
 * scratch (no external files): positions are exact integers in sample units
 * (data-x, data-w), so zooming is exact arithmetic in the viewer. */
#include "coroner/flame.h"
#include "coroner/out.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum cr_err cr_flame_init(struct cr_flame *f)
{
	memset(f, 0, sizeof *f);
	if (cr_strtab_init(&f->names))
		return CR_NOMEM;
	uint32_t all = cr_strtab_intern(&f->names, "all", 3);
	if (all == UINT32_MAX || cr_grow(&f->nodes, &f->cap, 1, sizeof *f->nodes))
		return CR_NOMEM;
	f->nodes[0] = (struct cr_flame_node){ .name = all, .parent = CR_FLAME_NONE,
					      .child = CR_FLAME_NONE, .next = CR_FLAME_NONE };
	f->nnodes = 1;
	return CR_OK;
}

void cr_flame_release(struct cr_flame *f)
{
	cr_strtab_release(&f->names);
	cr_free(f->tab);
	cr_free(f->nodes);
	memset(f, 0, sizeof *f);
}

static uint64_t mix(uint32_t parent, uint32_t name)
{
	uint64_t x = (uint64_t)parent << 32 | name;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Rebuild the table at twice the size (all nodes but the root are in it). */
static bool rehash(struct cr_flame *f)
{
	size_t cap = f->tabcap ? f->tabcap * 2 : 1024;
	uint32_t *t = cr_malloc(cap * sizeof *t);
	if (!t)
		return false;
	memset(t, 0xff, cap * sizeof *t);
	for (size_t i = 1; i < f->nnodes; i++) {
		size_t h = (size_t)mix(f->nodes[i].parent, f->nodes[i].name) & (cap - 1);
		while (t[h] != CR_FLAME_NONE)
			h = (h + 1) & (cap - 1);
		t[h] = (uint32_t)i;
	}
	cr_free(f->tab);
	f->tab = t;
	f->tabcap = cap;
	return true;
}

/* Child of parent named name, created if absent; CR_FLAME_NONE on NOMEM/LIMIT. */
static uint32_t child(struct cr_flame *f, uint32_t parent, uint32_t name)
{
	if ((f->nnodes + 1) * 2 > f->tabcap && !rehash(f))
		return CR_FLAME_NONE;
	size_t h = (size_t)mix(parent, name) & (f->tabcap - 1);
	for (;;) {
		uint32_t n = f->tab[h];
		if (n == CR_FLAME_NONE)
			break;
		if (f->nodes[n].parent == parent && f->nodes[n].name == name)
			return n;
		h = (h + 1) & (f->tabcap - 1);
	}
	if (f->nnodes >= INT32_MAX || cr_grow(&f->nodes, &f->cap, f->nnodes + 1, sizeof *f->nodes))
		return CR_FLAME_NONE;
	struct cr_flame_node *pn = &f->nodes[parent];
	uint32_t id = (uint32_t)f->nnodes++;
	f->nodes[id] = (struct cr_flame_node){ .name = name, .parent = parent, .child = CR_FLAME_NONE,
					       .next = pn->child, .depth = pn->depth + 1 };
	pn->child = id;
	f->tab[h] = id;
	if (f->nodes[id].depth > f->max_depth)
		f->max_depth = f->nodes[id].depth;
	f->finished = false;
	return id;
}

/* Frame name of a location without lines (or a line without a function). */
static uint32_t address_name(struct cr_flame *f, uint64_t address)
{
	char b[32];
	int n = snprintf(b, sizeof b, "0x%" PRIx64, address);
	return cr_strtab_intern(&f->names, b, (size_t)n);
}

enum cr_err cr_flame_add(struct cr_flame *f, const struct cr_profile *p, int si, bool as_base,
			 struct cr_error *e)
{
	if (si < 0 || (size_t)si >= p->ntypes)
		return cr_fail(e, CR_USAGE, "%s: sample index %d out of range", p->name ? p->name : "profile", si);
	if (f->nnodes == 1 && !f->sample_type[0]) {
		snprintf(f->sample_type, sizeof f->sample_type, "%s", cr_profile_str(p, p->types[si].type));
		snprintf(f->unit, sizeof f->unit, "%s", cr_profile_str(p, p->types[si].unit));
	}
	if (as_base)
		f->has_base = true;
	/* function index -> name id in f->names, filled lazily (0 = not yet) */
	uint32_t *fname = cr_calloc(p->nfunctions + 1, sizeof *fname);
	if (!fname)
		return cr_fail(e, CR_NOMEM, "out of memory building the flame graph");
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < p->nsamples && !rc; i++) {
		int64_t v = cr_sample_values(p, i)[si];
		if (v == 0)
			continue;
		const struct cr_sample *s = &p->samples[i];
		uint32_t cur = 0;
		int64_t *slot = as_base ? &f->nodes[0].base : &f->nodes[0].value;
		*slot = cr_sat_add(*slot, v);
		for (uint32_t k = s->nloc; k-- > 0 && !rc;) {
			uint32_t li = p->stack[s->loc_start + k];
			if (li >= p->nlocations)
				continue;
			const struct cr_location *loc = &p->locations[li];
			uint32_t nl = loc->nlines ? loc->nlines : 1;
			for (uint32_t l = nl; l-- > 0;) {
				uint32_t name;
				uint32_t fn = loc->nlines ? p->lines[loc->line_start + l].function : 0;
				if (fn && fn <= p->nfunctions) {
					if (!fname[fn]) {
						const char *s2 = cr_profile_str(p, p->functions[fn - 1].name);
						fname[fn] = *s2 ? cr_strtab_intern(&f->names, s2, strlen(s2))
								: address_name(f, loc->address);
					}
					name = fname[fn];
				} else {
					name = address_name(f, loc->address);
				}
				if (name == UINT32_MAX || (cur = child(f, cur, name)) == CR_FLAME_NONE) {
					rc = f->nnodes >= INT32_MAX ? CR_LIMIT : CR_NOMEM;
					break;
				}
				slot = as_base ? &f->nodes[cur].base : &f->nodes[cur].value;
				*slot = cr_sat_add(*slot, v);
			}
		}
	}
	cr_free(fname);
	if (rc)
		return cr_fail(e, rc, "%s: flame graph too large", p->name ? p->name : "profile");
	return CR_OK;
}

static const struct cr_flame *sort_f;
static int by_name(const void *a, const void *b)
{
	const struct cr_flame_node *x = &sort_f->nodes[*(const uint32_t *)a];
	const struct cr_flame_node *y = &sort_f->nodes[*(const uint32_t *)b];
	return strcmp(cr_strtab_get(&sort_f->names, x->name), cr_strtab_get(&sort_f->names, y->name));
}

enum cr_err cr_flame_finish(struct cr_flame *f, struct cr_error *e)
{
	if (f->finished)
		return CR_OK;
	uint32_t *kids = cr_malloc(f->nnodes * sizeof *kids);
	if (!kids)
		return cr_fail(e, CR_NOMEM, "out of memory sorting the flame graph");
	sort_f = f;
	for (size_t i = 0; i < f->nnodes; i++) {
		size_t n = 0;
		for (uint32_t c = f->nodes[i].child; c != CR_FLAME_NONE; c = f->nodes[c].next)
			kids[n++] = c;
		if (n < 2)
			continue;
		qsort(kids, n, sizeof *kids, by_name);
		f->nodes[i].child = kids[0];
		for (size_t k = 0; k + 1 < n; k++)
			f->nodes[kids[k]].next = kids[k + 1];
		f->nodes[kids[n - 1]].next = CR_FLAME_NONE;
	}
	cr_free(kids);
	f->finished = true;
	return CR_OK;
}

/* Pre-order successor of n (children in sibling order), CR_FLAME_NONE at the end. */
static uint32_t next_preorder(const struct cr_flame *f, uint32_t n, bool descend)
{
	if (descend && f->nodes[n].child != CR_FLAME_NONE)
		return f->nodes[n].child;
	while (n != 0 && f->nodes[n].next == CR_FLAME_NONE)
		n = f->nodes[n].parent;
	return n == 0 ? CR_FLAME_NONE : f->nodes[n].next;
}

static void put_folded_name(struct cr_buf *b, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (c == ';')
			c = ':';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';
		cr_buf_add(b, &c, 1);
	}
}

enum cr_err cr_flame_write_folded(struct cr_flame *f, FILE *out, struct cr_error *e)
{
	enum cr_err rc = cr_flame_finish(f, e);
	if (rc)
		return rc;
	int64_t *csum = cr_calloc(f->nnodes, sizeof *csum), *bsum = cr_calloc(f->nnodes, sizeof *bsum);
	size_t *plen = cr_calloc((size_t)f->max_depth + 2, sizeof *plen);
	struct cr_buf path = { 0 };
	if (!csum || !bsum || !plen) {
		rc = cr_fail(e, CR_NOMEM, "out of memory writing folded stacks");
		goto out;
	}
	for (size_t i = 1; i < f->nnodes; i++) {
		uint32_t par = f->nodes[i].parent;
		csum[par] = cr_sat_add(csum[par], f->nodes[i].value);
		bsum[par] = cr_sat_add(bsum[par], f->nodes[i].base);
	}
	for (uint32_t n = next_preorder(f, 0, true); n != CR_FLAME_NONE; n = next_preorder(f, n, true)) {
		const struct cr_flame_node *nd = &f->nodes[n];
		path.len = plen[nd->depth - 1];
		if (nd->depth > 1)
			cr_buf_add(&path, ";", 1);
		put_folded_name(&path, cr_strtab_get(&f->names, nd->name));
		if (cr_buf_add(&path, "", 0)) {
			rc = cr_fail(e, CR_NOMEM, "out of memory writing folded stacks");
			goto out;
		}
		plen[nd->depth] = path.len;
		int64_t self = nd->value - csum[n], bself = nd->base - bsum[n];
		if (f->has_base) {
			if (self || bself)
				fprintf(out, "%.*s %" PRId64 " %" PRId64 "\n", (int)path.len, path.data, bself, self);
		} else if (self) {
			fprintf(out, "%.*s %" PRId64 "\n", (int)path.len, path.data, self);
		}
	}
out:
	cr_buf_release(&path);
	cr_free(csum);
	cr_free(bsum);
	cr_free(plen);
	return rc;
}

/* ---- SVG ---- */

/* XML text/attribute content (cr_escape's XML context: entities, controls
 * and invalid UTF-8 shown as text), at most max bytes of input ("..."). */
static void xml_put(FILE *out, const char *s, size_t max)
{
	cr_fput_escaped(out, s, strlen(s), max, CR_ESC_XML);
}

static uint32_t hash32(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void value_text(const struct cr_flame *f, int64_t v, char *b, size_t n)
{
	if (!strcmp(f->unit, "bytes")) {
		cr_units_bytes(b, n, v);
	} else if (!strcmp(f->unit, "count") || !f->unit[0]) {
		snprintf(b, n, "%" PRId64, v);
	} else {
		cr_units_scaled(b, n, v, f->unit, "minimum");
	}
}

static const char svg_style[] =
	"<style type=\"text/css\">\n"
	"text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; text-anchor: middle; }\n"
	"#subtitle { text-anchor: middle; fill: #555; }\n"
	".btn { cursor: pointer; fill: #225; }\n"
	"#unzoom { opacity: 0.3; }\n"
	"g.f { cursor: pointer; }\n"
	"g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	"g.f text { pointer-events: none; }\n"
	"g.parent rect { opacity: 0.5; }\n"
	"</style>\n";

/* The viewer: hover, zoom, search. Positions come from data-x/data-w
 * (integers in sample units) and data-d (depth). */
static const char svg_script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var frames = [], details, matchedt, unzoomb, W, PAD = 10, CW = 7, TOTAL, zoomed = null, query = null;\n"
	"function init() {\n"
	"  var root = document.documentElement;\n"
	"  W = +root.getAttribute('width'); TOTAL = +root.getAttribute('data-total');\n"
	"  details = document.getElementById('details');\n"
	"  matchedt = document.getElementById('matched');\n"
	"  unzoomb = document.getElementById('unzoom');\n"
	"  var gs = document.getElementsByTagName('g');\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i];\n"
	"    if (g.getAttribute('class') !== 'f') continue;\n"
	"    g.fx = +g.getAttribute('data-x'); g.fw = +g.getAttribute('data-w'); g.fd = +g.getAttribute('data-d');\n"
	"    var t = g.getElementsByTagName('title')[0].textContent, nl = t.indexOf('\\n');\n"
	"    g.fn = nl < 0 ? t : t.substring(0, nl);\n"
	"    g.info = t.replace(/\\n/g, '  ');\n"
	"    g.rect = g.getElementsByTagName('rect')[0]; g.text = g.getElementsByTagName('text')[0];\n"
	"    g.fill = g.rect.getAttribute('fill');\n"
	"    g.addEventListener('mouseover', function () { details.textContent = this.info; });\n"
	"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"    g.addEventListener('click', function () { zoom(this); });\n"
	"    frames.push(g);\n"
	"  }\n"
	"  unzoomb.addEventListener('click', function () { zoom(null); });\n"
	"  document.getElementById('search').addEventListener('click', function () { ask(); });\n"
	"  window.addEventListener('keydown', function (ev) {\n"
	"    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') { ev.preventDefault(); ask(); }\n"
	"    else if (ev.key === 'Escape') { zoom(null); search(''); }\n"
	"  });\n"
	"}\n"
	"function place(g, x, w) {\n"
	"  var px = PAD + x * (W - 2 * PAD), pw = w * (W - 2 * PAD), n = Math.floor((pw - 6) / CW);\n"
	"  g.rect.setAttribute('x', px.toFixed(2)); g.rect.setAttribute('width', pw.toFixed(2));\n"
	"  g.text.setAttribute('x', (px + 3).toFixed(2));\n"
	"  g.text.textContent = n < 3 ? '' : (g.fn.length <= n ? g.fn : g.fn.substring(0, n - 2) + '..');\n"
	"}\n"
	"function zoom(z) {\n"
	"  zoomed = z;\n"
	"  var x0 = z ? z.fx : 0, w0 = z ? z.fw : TOTAL, d0 = z ? z.fd : 0;\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var g = frames[i];\n"
	"    if (z && g.fd < d0 && g.fx <= x0 && g.fx + g.fw >= x0 + w0) {\n"
	"      g.style.display = ''; g.setAttribute('class', 'f parent'); place(g, 0, 1);\n"
	"    } else if (g.fd >= d0 && g.fx >= x0 && g.fx + g.fw <= x0 + w0) {\n"
	"      g.style.display = ''; g.setAttribute('class', 'f'); place(g, (g.fx - x0) / w0, g.fw / w0);\n"
	"    } else {\n"
	"      g.style.display = 'none';\n"
	"    }\n"
	"  }\n"
	"  unzoomb.style.opacity = z ? 1 : 0.3;\n"
	"  if (query) search(query);\n"
	"}\n"
	"function ask() {\n"
	"  var q = window.prompt('Highlight frames matching a regular expression (empty clears):', query || '');\n"
	"  if (q !== null) search(q);\n"
	"}\n"
	"function search(q) {\n"
	"  var rx = null;\n"
	"  if (q) { try { rx = new RegExp(q); } catch (err) { window.alert('bad regular expression: ' + err.message); return; } }\n"
	"  query = q || null;\n"
	"  var hits = [];\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var g = frames[i];\n"
	"    if (rx && rx.test(g.fn)) { g.rect.setAttribute('fill', 'rgb(230,0,230)'); hits.push(g); }\n"
	"    else g.rect.setAttribute('fill', g.fill);\n"
	"  }\n"
	"  if (!rx) { matchedt.textContent = ' '; return; }\n"
	"  var x0 = zoomed ? zoomed.fx : 0, w0 = zoomed ? zoomed.fw : TOTAL, sum = 0, end = -1;\n"
	"  hits.sort(function (a, b) { return a.fx - b.fx || b.fw - a.fw; });\n"
	"  for (var k = 0; k < hits.length; k++) {\n"
	"    var h = hits[k], a = Math.max(h.fx, x0), b = Math.min(h.fx + h.fw, x0 + w0);\n"
	"    if (b <= a || h.fx + h.fw <= end) continue;\n"
	"    sum += b - Math.max(a, end); end = b;\n"
	"  }\n"
	"  matchedt.textContent = 'Matched: ' + (100 * sum / w0).toFixed(2) + '%';\n"
	"}\n"
	"]]></script>\n";

enum cr_err cr_flame_write_svg(struct cr_flame *f, const struct cr_flame_svg_opts *o, FILE *out,
			       struct cr_error *e)
{
	enum cr_err rc = cr_flame_finish(f, e);
	if (rc)
		return rc;
	const int fh = 16, top = o->subtitle ? 60 : 44, bottom = 34, pad = 10;
	int width = o->width > 0 ? o->width : 1200;
	double minw = o->min_width > 0 ? o->min_width : 0.1;
	int64_t total = f->nodes[0].value > 0 ? f->nodes[0].value : 0;
	double scale = total ? (double)(width - 2 * pad) / (double)total : 0;
	int64_t *xoff = cr_calloc(f->nnodes, sizeof *xoff), *cursor = cr_calloc(f->nnodes, sizeof *cursor);
	if (!xoff || !cursor) {
		rc = cr_fail(e, CR_NOMEM, "out of memory writing the flame graph");
		goto out;
	}
	/* depth of the deepest frame drawn */
	uint32_t maxd = 0;
	for (size_t i = 0; i < f->nnodes; i++)
		if ((double)f->nodes[i].value * scale >= minw && f->nodes[i].depth > maxd)
			maxd = f->nodes[i].depth;
	int64_t height = top + ((int64_t)maxd + 1) * fh + bottom; /* depth is a stack's length */
	/* the largest |delta| sets the colour scale of a differential graph */
	int64_t maxdelta = 0;
	if (f->has_base)
		for (size_t i = 0; i < f->nnodes; i++) {
			int64_t d = cr_sat_abs(cr_sat_sub(f->nodes[i].value, f->nodes[i].base));
			if (d > maxdelta)
				maxdelta = d;
		}

	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%d\" height=\"%" PRId64 "\" viewBox=\"0 0 %d %" PRId64 "\" "
		     "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"%" PRId64 "\" onload=\"init()\">\n",
		width, height, width, height, total);
	fputs(svg_style, out);
	fputs(svg_script, out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%" PRId64 "\" fill=\"%s\"/>\n", width, height,
		f->has_base ? "#f8f8f8" : "#fdf6e8");
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", width / 2);
	xml_put(out, o->title ? o->title : "Flame graph", 300);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"44\">", width / 2);
		xml_put(out, o->subtitle, 300);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text id=\"unzoom\" class=\"btn\" x=\"%d\" y=\"24\">Reset zoom</text>\n", pad);
	fprintf(out, "<text id=\"search\" class=\"btn\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n",
		width - pad);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%" PRId64 "\"> </text>\n", pad, height - 12);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%" PRId64 "\" text-anchor=\"end\"> </text>\n", width - pad,
		height - 12);

	char vt[64], bt[64], dt[64], pct[32];
	for (uint32_t n = 0; n != CR_FLAME_NONE;) {
		const struct cr_flame_node *nd = &f->nodes[n];
		bool draw = nd->value > 0 && (double)nd->value * scale >= minw;
		if (n) {
			xoff[n] = cursor[nd->parent];
			cursor[nd->parent] = cr_sat_add(cursor[nd->parent], nd->value > 0 ? nd->value : 0);
		}
		cursor[n] = xoff[n];
		if (draw) {
			const char *name = cr_strtab_get(&f->names, nd->name);
			double x = pad + (double)xoff[n] * scale, w = (double)nd->value * scale;
			int64_t y = height - bottom - ((int64_t)nd->depth + 1) * fh;
			unsigned r, g, b;
			if (f->has_base) {
				int64_t d = cr_sat_sub(nd->value, nd->base);
				double ratio = maxdelta ? (double)cr_sat_abs(d) / (double)maxdelta : 0;
				unsigned c = (unsigned)(225 - 200 * ratio);
				if (d > 0)
					r = 255, g = c, b = c;
				else if (d < 0)
					r = c, g = c, b = 255;
				else
					r = g = b = 235;
			} else {
				uint32_t h = hash32(name);
				r = 205 + (h & 0xff) * 50 / 255;
				g = ((h >> 8) & 0xff) * 230 / 255;
				b = ((h >> 16) & 0xff) * 55 / 255;
				if (strncmp(name, "runtime.", 8) == 0) /* the runtime in cooler tones */
					r = 200 + (h & 0xff) * 40 / 255, g = 160 + ((h >> 8) & 0xff) * 60 / 255, b = 60;
			}
			value_text(f, nd->value, vt, sizeof vt);
			cr_units_percent(pct, sizeof pct, nd->value, total);
			const char *pp = pct;
			while (*pp == ' ')
				pp++;
			fprintf(out, "<g class=\"f\" data-x=\"%" PRId64 "\" data-w=\"%" PRId64 "\" data-d=\"%u\"><title>",
				xoff[n], nd->value, nd->depth);
			xml_put(out, name, 4096);
			/* the values carry the profile's unit: input, escaped too */
			putc('\n', out);
			xml_put(out, vt, sizeof vt);
			putc(' ', out);
			xml_put(out, f->unit, sizeof f->unit);
			fprintf(out, ", %s", pp);
			if (f->has_base) {
				value_text(f, nd->base, bt, sizeof bt);
				value_text(f, cr_sat_sub(nd->value, nd->base), dt, sizeof dt);
				fputs(" (base ", out);
				xml_put(out, bt, sizeof bt);
				fprintf(out, ", %s", nd->value >= nd->base ? "+" : "");
				xml_put(out, dt, sizeof dt);
				putc(')', out);
			}
			fprintf(out, "</title><rect x=\"%.2f\" y=\"%" PRId64 "\" width=\"%.2f\" height=\"%d\" rx=\"2\" "
				     "fill=\"rgb(%u,%u,%u)\"/><text x=\"%.2f\" y=\"%" PRId64 "\">",
				x, y, w, fh - 1, r, g, b, x + 3, y + 12);
			/* a node may be wider than the root when values are negative */
			double fit = (w - 6) / 7;
			int chars = fit > 4096 ? 4096 : (int)fit;
			if (chars >= 3) {
				size_t len = strlen(name);
				if (len <= (size_t)chars)
					xml_put(out, name, len);
				else
					xml_put(out, name, (size_t)chars - 3);
			}
			fputs("</text></g>\n", out);
		}
		n = next_preorder(f, n, draw);
	}
	fputs("</svg>\n", out);
out:
	cr_free(xoff);
	cr_free(cursor);
	return rc;
}
