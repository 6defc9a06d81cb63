/* Flame graphs: a call tree keyed by (parent, frame name), folded stacks and
 * an interactive SVG. The SVG's script and style are written here from
 * scratch (no external files): positions are exact integers in sample units
 * (data-x, data-w), so zooming is exact arithmetic in the viewer. */
#include "coroner/flame.h"
#include "coroner/out.h"
#include "flame_int.h"

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
	while (cap < (f->nnodes + 1) * 2) /* after a sorted build dropped the table */
		cap *= 2;
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

uint32_t cr_flame_child(struct cr_flame *f, uint32_t parent, uint32_t name)
{
	return child(f, parent, name);
}

static int by_name(const void *a, const void *b, void *flame)
{
	const struct cr_flame *sort_f = flame;
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
	for (size_t i = 0; i < f->nnodes; i++) {
		size_t n = 0;
		for (uint32_t c = f->nodes[i].child; c != CR_FLAME_NONE; c = f->nodes[c].next)
			kids[n++] = c;
		if (n < 2)
			continue;
		qsort_r(kids, n, sizeof *kids, by_name, f);
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
	"svg.flamegraph text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
	"svg.flamegraph .title { font-size: 17px; text-anchor: middle; }\n"
	"svg.flamegraph .subtitle { text-anchor: middle; fill: #555; }\n"
	"svg.flamegraph .btn { cursor: pointer; fill: #225; }\n"
	"svg.flamegraph .unzoom { opacity: 0.3; }\n"
	"svg.flamegraph g.f { cursor: pointer; }\n"
	"svg.flamegraph g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	"svg.flamegraph g.f text { pointer-events: none; }\n"
	"svg.flamegraph g.parent rect { opacity: 0.5; }\n"
	"svg.flamegraph g.f.hit rect { fill: rgb(230,0,230); }\n";

/* The viewer: hover, zoom, search, flip, for every <svg class="flamegraph">
 * of the document (one in an SVG file, two in a sandwich, several in an HTML
 * report). Positions come from data-x/data-w (integers in sample units) and
 * data-d (depth); each graph gets a crFlame object {search, zoom, flip,
 * frames}. crFlameSandwich builds a function's callers and callees from a
 * graph's frames (pre-order) as two new graphs, names set as text only. */
static const char svg_script[] =
	"'use strict';\n"
	"function crFlameInit(svg, askable) {\n"
	"  var frames = [], PAD = 10, CW = 7, zoomed = null, query = null;\n"
	"  var W = +svg.getAttribute('data-width'), TOTAL = +svg.getAttribute('data-total');\n"
	"  var details = svg.querySelector('.details'), matchedt = svg.querySelector('.matched');\n"
	"  var unzoomb = svg.querySelector('.unzoom'), searchb = svg.querySelector('.search');\n"
	"  var gs = svg.querySelectorAll('g.f');\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i];\n"
	"    g.fx = +g.getAttribute('data-x'); g.fw = +g.getAttribute('data-w'); g.fd = +g.getAttribute('data-d');\n"
	"    var t = g.querySelector('title').textContent, nl = t.indexOf('\\n');\n"
	"    g.fn = nl < 0 ? t : t.substring(0, nl);\n"
	"    g.info = t.replace(/\\n/g, '  ');\n"
	"    g.fb = +(g.getAttribute('data-b') || 0);\n"
	"    g.rect = g.querySelector('rect'); g.text = g.querySelector('text');\n"
	"    g.addEventListener('mouseover', function () { details.textContent = this.info; });\n"
	"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"    g.addEventListener('click', function () { zoom(this); });\n"
	"    frames.push(g);\n"
	"  }\n"
	"  function place(g, x, w) {\n"
	"    var px = PAD + x * (W - 2 * PAD), pw = w * (W - 2 * PAD), n = Math.floor((pw - 6) / CW);\n"
	"    g.rect.setAttribute('x', px.toFixed(2)); g.rect.setAttribute('width', pw.toFixed(2));\n"
	"    g.text.setAttribute('x', (px + 3).toFixed(2));\n"
	"    g.text.textContent = n < 3 ? '' : (g.fn.length <= n ? g.fn : g.fn.substring(0, n - 2) + '..');\n"
	"  }\n"
	"  function zoom(z) {\n"
	"    zoomed = z;\n"
	"    var x0 = z ? z.fx : 0, w0 = z ? z.fw : TOTAL, d0 = z ? z.fd : 0;\n"
	"    for (var i = 0; i < frames.length; i++) {\n"
	"      var g = frames[i], cls = g.classList;\n"
	"      if (z && g.fd < d0 && g.fx <= x0 && g.fx + g.fw >= x0 + w0) {\n"
	"        g.style.display = ''; cls.add('parent'); place(g, 0, 1);\n"
	"      } else if (g.fd >= d0 && g.fx >= x0 && g.fx + g.fw <= x0 + w0) {\n"
	"        g.style.display = ''; cls.remove('parent'); place(g, (g.fx - x0) / w0, g.fw / w0);\n"
	"      } else {\n"
	"        g.style.display = 'none';\n"
	"      }\n"
	"    }\n"
	"    svg.setAttribute('data-zoomed', z ? z.fn : '');\n"
	"    unzoomb.style.opacity = z ? 1 : 0.3;\n"
	"    if (query) search(query);\n"
	"  }\n"
	"  function search(q) {\n"
	"    var rx = null;\n"
	"    if (q) { try { rx = new RegExp(q); } catch (err) { matchedt.textContent = 'bad regular expression'; return false; } }\n"
	"    query = q || null;\n"
	"    var hits = [];\n"
	"    for (var i = 0; i < frames.length; i++) {\n"
	"      var g = frames[i];\n"
	"      if (rx && rx.test(g.fn)) { g.classList.add('hit'); hits.push(g); }\n"
	"      else g.classList.remove('hit');\n"
	"    }\n"
	"    if (!rx) { matchedt.textContent = ' '; return true; }\n"
	"    var x0 = zoomed ? zoomed.fx : 0, w0 = zoomed ? zoomed.fw : TOTAL, sum = 0, end = -1;\n"
	"    hits.sort(function (a, b) { return a.fx - b.fx || b.fw - a.fw; });\n"
	"    for (var k = 0; k < hits.length; k++) {\n"
	"      var h = hits[k], a = Math.max(h.fx, x0), b = Math.min(h.fx + h.fw, x0 + w0);\n"
	"      if (b <= a || h.fx + h.fw <= end) continue;\n"
	"      sum += b - Math.max(a, end); end = b;\n"
	"    }\n"
	"    matchedt.textContent = 'Matched: ' + (100 * sum / w0).toFixed(2) + '%';\n"
	"    return true;\n"
	"  }\n"
	"  function ask() {\n"
	"    var q = window.prompt('Highlight frames matching a regular expression (empty clears):', query || '');\n"
	"    if (q !== null) search(q);\n"
	"  }\n"
	"  function flip() {\n"
	"    var C = +svg.getAttribute('data-flip');\n"
	"    for (var i = 0; i < frames.length; i++) {\n"
	"      var g = frames[i], y = C - +g.rect.getAttribute('y');\n"
	"      g.rect.setAttribute('y', y); g.text.setAttribute('y', y + 12);\n"
	"    }\n"
	"    return svg.classList.toggle('icicle');\n"
	"  }\n"
	"  unzoomb.addEventListener('click', function () { zoom(null); });\n"
	"  if (askable) searchb.addEventListener('click', ask); else searchb.style.display = 'none';\n"
	"  svg.crFlame = { search: search, zoom: zoom, ask: ask, flip: flip, frames: frames };\n"
	"}\n"
	/* the sandwich of one function, built from a graph's frames (pre-order,
	 * with their depth): callers and callees as two new graphs */
	"function crFlameValue(v, unit) {\n"
	"  if (unit !== 'bytes') return String(v);\n"
	"  var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0, x = Math.abs(v);\n"
	"  while (x >= 1024 && i < 5) { x /= 1024; i++; }\n"
	"  return (v < 0 ? '-' : '') + (i === 0 ? String(x) : x >= 100 ? x.toFixed(0) : x.toPrecision(3)) + ' ' + u[i];\n"
	"}\n"
	"function crFlameGraph(root, title, sub, icicle, W, unit, diff, fills, all) {\n"
	"  var NS = 'http://www.w3.org/2000/svg', FH = 16, TOP = sub ? 60 : 44, BOTTOM = 34, PAD = 10;\n"
	"  var list = [], maxd = 0, maxdelta = 0;\n"
	"  function walk(n, d, x) {\n"
	"    n.d = d; n.x = x; list.push(n);\n"
	"    if (d > maxd) maxd = d;\n"
	"    if (Math.abs(n.v - n.b) > maxdelta) maxdelta = Math.abs(n.v - n.b);\n"
	"    n.list.sort(function (a, b) { return a.fn < b.fn ? -1 : a.fn > b.fn ? 1 : 0; });\n"
	"    for (var i = 0; i < n.list.length; i++) { walk(n.list[i], d + 1, x); x += Math.max(n.list[i].v, 0); }\n"
	"  }\n"
	"  walk(root, 0, 0);\n"
	"  var H = TOP + (maxd + 1) * FH + BOTTOM;\n"
	"  function el(tag, attrs, text, parent) {\n"
	"    var e = document.createElementNS(NS, tag);\n"
	"    for (var k in attrs) e.setAttribute(k, attrs[k]);\n"
	"    if (text !== null) e.textContent = text;\n"
	"    if (parent) parent.appendChild(e);\n"
	"    return e;\n"
	"  }\n"
	"  var svg = el('svg', { 'class': 'flamegraph' + (icicle ? ' icicle' : ''), width: W, height: H,\n"
	"    viewBox: '0 0 ' + W + ' ' + H, 'data-width': W, 'data-total': root.v, 'data-flip': H - BOTTOM - FH + TOP,\n"
	"    'data-all': all ? 1 : 0, 'data-unit': unit }, null, null);\n"
	"  el('rect', { x: 0, y: 0, width: W, height: H, fill: diff ? '#f8f8f8' : '#fdf6e8' }, null, svg);\n"
	"  el('text', { 'class': 'title', x: W / 2, y: 24 }, title, svg);\n"
	"  if (sub) el('text', { 'class': 'subtitle', x: W / 2, y: 44 }, sub, svg);\n"
	"  el('text', { 'class': 'btn unzoom', x: PAD, y: 24 }, 'Reset zoom', svg);\n"
	"  el('text', { 'class': 'btn search', x: W - PAD, y: 24, 'text-anchor': 'end' }, 'Search', svg);\n"
	"  el('text', { 'class': 'details', x: PAD, y: H - 12 }, ' ', svg);\n"
	"  el('text', { 'class': 'matched', x: W - PAD, y: H - 12, 'text-anchor': 'end' }, ' ', svg);\n"
	"  for (var i = 0; i < list.length; i++) {\n"
	"    var n = list[i], y = icicle ? TOP + n.d * FH : H - BOTTOM - (n.d + 1) * FH, fill;\n"
	"    if (n.v <= 0) continue;\n"
	"    if (diff) {\n"
	"      var dv = n.v - n.b, c = Math.round(225 - 200 * (maxdelta ? Math.abs(dv) / maxdelta : 0));\n"
	"      fill = dv > 0 ? 'rgb(255,' + c + ',' + c + ')' : dv < 0 ? 'rgb(' + c + ',' + c + ',255)' : 'rgb(235,235,235)';\n"
	"    } else {\n"
	"      fill = fills[n.fn] || 'rgb(230,150,60)';\n"
	"    }\n"
	"    var g = el('g', { 'class': 'f', 'data-x': n.x, 'data-w': n.v, 'data-d': n.d }, null, svg);\n"
	"    if (diff) g.setAttribute('data-b', n.b);\n"
	"    var t = n.fn + '\\n' + crFlameValue(n.v, unit) + ' ' + unit + ', ' + (root.v ? (100 * n.v / root.v).toFixed(2) : '0.00') + '%';\n"
	"    if (diff) t += ' (base ' + crFlameValue(n.b, unit) + ', ' + (n.v >= n.b ? '+' : '') + crFlameValue(n.v - n.b, unit) + ')';\n"
	"    el('title', {}, t, g);\n"
	"    el('rect', { x: PAD, y: y, width: 0, height: 15, rx: 2, fill: fill }, null, g);\n"
	"    el('text', { x: PAD, y: y + 12 }, '', g);\n"
	"  }\n"
	"  return svg;\n"
	"}\n"
	"function crFlameSandwich(src, name) {\n"
	"  var fr = src.crFlame.frames, anc = [], at = [], fills = {}, inside = -1, found = 0;\n"
	"  var diff = fr.length > 0 && fr[0].hasAttribute('data-b');\n"
	"  function node(n) { return { fn: n, v: 0, b: 0, kids: {}, list: [] }; }\n"
	"  function kid(p, n) {\n"
	"    var k = p.kids['$' + n];\n"
	"    if (!k) { k = p.kids['$' + n] = node(n); p.list.push(k); }\n"
	"    return k;\n"
	"  }\n"
	"  var up = node(name), down = node(name);\n"
	"  for (var i = 0; i < fr.length; i++) {\n"
	"    var g = fr[i], d = g.fd;\n"
	"    fills[g.fn] = g.rect.getAttribute('fill');\n"
	"    anc[d] = g;\n"
	"    if (inside >= 0 && d <= inside) inside = -1;\n"
	"    if (inside >= 0) {\n"
	"      var c = kid(at[d - 1], g.fn);\n"
	"      c.v += g.fw; c.b += g.fb; at[d] = c;\n"
	"    } else if (d > 0 && g.fn === name) {\n"
	"      /* the outermost call only: a recursive one below is in its callees */\n"
	"      found++; inside = d; at[d] = down;\n"
	"      up.v += g.fw; up.b += g.fb; down.v += g.fw; down.b += g.fb;\n"
	"      for (var p = d - 1, cur = up; p >= 1; p--) { cur = kid(cur, anc[p].fn); cur.v += g.fw; cur.b += g.fb; }\n"
	"    }\n"
	"  }\n"
	"  if (!found) return null;\n"
	"  var W = +src.getAttribute('data-width'), unit = src.getAttribute('data-unit') || '';\n"
	"  var all = src.getAttribute('data-all') === '1';\n"
	"  return {\n"
	"    value: up.v,\n"
	"    callers: crFlameGraph(up, 'callers of ' + name, 'the function at the root, its callers above it', false, W, unit, diff, fills, all),\n"
	"    callees: crFlameGraph(down, 'callees of ' + name, null, true, W, unit, diff, fills, all)\n"
	"  };\n"
	"}\n"
	"function crFlameAll(askable) {\n"
	"  var svgs = document.querySelectorAll('svg.flamegraph');\n"
	"  for (var i = 0; i < svgs.length; i++) crFlameInit(svgs[i], askable);\n"
	"  return svgs;\n"
	"}\n";

/* The standalone document's bootstrap: every graph, Ctrl-F searches the
 * first, Escape resets them all. */
static const char svg_boot[] =
	"function crFlameBoot() {\n"
	"  var svgs = crFlameAll(true);\n"
	"  window.addEventListener('keydown', function (ev) {\n"
	"    if (!svgs.length) return;\n"
	"    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') { ev.preventDefault(); svgs[0].crFlame.ask(); }\n"
	"    else if (ev.key === 'Escape') for (var i = 0; i < svgs.length; i++) { svgs[i].crFlame.zoom(null); svgs[i].crFlame.search(''); }\n"
	"  });\n"
	"}\n";

const char *cr_flame_svg_css(void)
{
	return svg_style;
}

const char *cr_flame_svg_js(void)
{
	return svg_script;
}

/* Pixel height of a graph of f drawn with o (frames narrower than
 * min_width left out). */
static int64_t graph_height(const struct cr_flame *f, const struct cr_flame_svg_opts *o)
{
	const int fh = 16, top = o->subtitle ? 60 : 44, bottom = 34, pad = 10;
	int width = o->width > 0 ? o->width : 1200;
	double minw = o->all_frames ? 0 : o->min_width > 0 ? o->min_width : 0.1;
	int64_t total = f->nodes[0].value > 0 ? f->nodes[0].value : 0;
	double scale = total ? (double)(width - 2 * pad) / (double)total : 0;
	uint32_t maxd = 0;
	for (size_t i = 0; i < f->nnodes; i++)
		if ((double)f->nodes[i].value * scale >= minw && f->nodes[i].depth > maxd)
			maxd = f->nodes[i].depth;
	return top + ((int64_t)maxd + 1) * fh + bottom; /* depth is a stack's length */
}

static void node_colour(const struct cr_flame *f, const struct cr_flame_node *nd, const char *name,
			int64_t maxdelta, unsigned rgb[3])
{
	if (f->has_base) {
		int64_t d = cr_sat_sub(nd->value, nd->base);
		double ratio = maxdelta ? (double)cr_sat_abs(d) / (double)maxdelta : 0;
		unsigned c = (unsigned)(225 - 200 * ratio);
		if (d > 0)
			rgb[0] = 255, rgb[1] = c, rgb[2] = c;
		else if (d < 0)
			rgb[0] = c, rgb[1] = c, rgb[2] = 255;
		else
			rgb[0] = rgb[1] = rgb[2] = 235;
		return;
	}
	uint32_t h = hash32(name);
	rgb[0] = 205 + (h & 0xff) * 50 / 255;
	rgb[1] = ((h >> 8) & 0xff) * 230 / 255;
	rgb[2] = ((h >> 16) & 0xff) * 55 / 255;
	if (strncmp(name, "runtime.", 8) == 0) /* the runtime in cooler tones */
		rgb[0] = 200 + (h & 0xff) * 40 / 255, rgb[1] = 160 + ((h >> 8) & 0xff) * 60 / 255, rgb[2] = 60;
}

/* One frame: <g> with its title (name, value, share), rect and label. */
static void write_frame(const struct cr_flame *f, const struct cr_flame_node *nd, int64_t x0,
			int64_t total, double x, double w, int64_t y, const unsigned rgb[3], FILE *out)
{
	char vt[64], bt[64], dt[64], pct[32];
	const char *name = cr_strtab_get(&f->names, nd->name);
	value_text(f, nd->value, vt, sizeof vt);
	cr_units_percent(pct, sizeof pct, nd->value, total);
	const char *pp = pct;
	while (*pp == ' ')
		pp++;
	fputs("<g class=\"f\"", out);
	if (f->has_base) /* the viewer's sandwich colours by it */
		fprintf(out, " data-b=\"%" PRId64 "\"", nd->base);
	fprintf(out, " data-x=\"%" PRId64 "\" data-w=\"%" PRId64 "\" data-d=\"%u\"><title>", x0, nd->value,
		nd->depth);
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
	fprintf(out, "</title><rect x=\"%.2f\" y=\"%" PRId64 "\" width=\"%.2f\" height=\"15\" rx=\"2\" "
		     "fill=\"rgb(%u,%u,%u)\"/><text x=\"%.2f\" y=\"%" PRId64 "\">",
		x, y, w, rgb[0], rgb[1], rgb[2], x + 3, y + 12);
	/* a node may be wider than the root when values are negative */
	double fit = (w - 6) / 7;
	int chars = fit > 4096 ? 4096 : (int)fit;
	if (chars >= 3) {
		size_t len = strlen(name);
		xml_put(out, name, len <= (size_t)chars ? len : (size_t)chars - 3);
	}
	fputs("</text></g>\n", out);
}

/* One graph: an <svg class="flamegraph"> element placed at y0 in its
 * parent (the viewer's script finds it by class). */
static enum cr_err write_graph(struct cr_flame *f, const struct cr_flame_svg_opts *o, int64_t y0,
			       bool xmlns, FILE *out, struct cr_error *e)
{
	enum cr_err rc = cr_flame_finish(f, e);
	if (rc)
		return rc;
	const int fh = 16, top = o->subtitle ? 60 : 44, bottom = 34, pad = 10;
	int width = o->width > 0 ? o->width : 1200;
	double minw = o->all_frames ? 0 : o->min_width > 0 ? o->min_width : 0.1;
	int64_t total = f->nodes[0].value > 0 ? f->nodes[0].value : 0;
	double scale = total ? (double)(width - 2 * pad) / (double)total : 0;
	int64_t *xoff = cr_calloc(f->nnodes, sizeof *xoff), *cursor = cr_calloc(f->nnodes, sizeof *cursor);
	if (!xoff || !cursor) {
		rc = cr_fail(e, CR_NOMEM, "out of memory writing the flame graph");
		goto out;
	}
	int64_t height = graph_height(f, o);
	/* the largest |delta| sets the colour scale of a differential graph */
	int64_t maxdelta = 0;
	if (f->has_base)
		for (size_t i = 0; i < f->nnodes; i++) {
			int64_t d = cr_sat_abs(cr_sat_sub(f->nodes[i].value, f->nodes[i].base));
			if (d > maxdelta)
				maxdelta = d;
		}

	/* data-flip: a frame's y in one orientation is data-flip minus its y in
	 * the other; data-all: every frame with a value is drawn */
	fprintf(out, "<svg class=\"flamegraph%s\"%s x=\"0\" y=\"%" PRId64 "\" width=\"%d\" height=\"%" PRId64 "\" "
		     "viewBox=\"0 0 %d %" PRId64 "\" data-width=\"%d\" data-total=\"%" PRId64 "\" data-flip=\"%" PRId64 "\" "
		     "data-all=\"%d\" data-unit=\"",
		o->icicle ? " icicle" : "", xmlns ? " xmlns=\"http://www.w3.org/2000/svg\"" : "", y0, width,
		height, width, height, width, total, height - bottom - fh + top, o->all_frames);
	xml_put(out, f->unit, sizeof f->unit);
	fputs("\">\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%" PRId64 "\" fill=\"%s\"/>\n", width, height,
		f->has_base ? "#f8f8f8" : "#fdf6e8");
	fprintf(out, "<text class=\"title\" x=\"%d\" y=\"24\">", width / 2);
	xml_put(out, o->title ? o->title : "Flame graph", 300);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text class=\"subtitle\" x=\"%d\" y=\"44\">", width / 2);
		xml_put(out, o->subtitle, 300);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text class=\"btn unzoom\" x=\"%d\" y=\"24\">Reset zoom</text>\n", pad);
	fprintf(out, "<text class=\"btn search\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n",
		width - pad);
	fprintf(out, "<text class=\"details\" x=\"%d\" y=\"%" PRId64 "\"> </text>\n", pad, height - 12);
	fprintf(out, "<text class=\"matched\" x=\"%d\" y=\"%" PRId64 "\" text-anchor=\"end\"> </text>\n",
		width - pad, height - 12);

	for (uint32_t n = 0; n != CR_FLAME_NONE;) {
		const struct cr_flame_node *nd = &f->nodes[n];
		bool draw = nd->value > 0 && (double)nd->value * scale >= minw;
		if (n) {
			xoff[n] = cursor[nd->parent];
			cursor[nd->parent] = cr_sat_add(cursor[nd->parent], nd->value > 0 ? nd->value : 0);
		}
		cursor[n] = xoff[n];
		if (draw) {
			unsigned rgb[3];
			node_colour(f, nd, cr_strtab_get(&f->names, nd->name), maxdelta, rgb);
			/* flame: the root at the bottom; icicle: at the top */
			int64_t y = o->icicle ? top + (int64_t)nd->depth * fh
					      : height - bottom - ((int64_t)nd->depth + 1) * fh;
			write_frame(f, nd, xoff[n], total, pad + (double)xoff[n] * scale, (double)nd->value * scale,
				    y, rgb, out);
		}
		n = next_preorder(f, n, draw);
	}
	fputs("</svg>\n", out);
out:
	cr_free(xoff);
	cr_free(cursor);
	return rc;
}

enum cr_err cr_flame_write_svg_element(struct cr_flame *f, const struct cr_flame_svg_opts *o, FILE *out,
				       struct cr_error *e)
{
	return write_graph(f, o, 0, false, out, e);
}

/* The document around n graphs stacked vertically. */
static enum cr_err write_document(struct cr_flame **fs, const struct cr_flame_svg_opts *os, size_t n,
				  FILE *out, struct cr_error *e)
{
	int width = os[0].width > 0 ? os[0].width : 1200;
	int64_t height = 0;
	for (size_t i = 0; i < n; i++) {
		enum cr_err rc = cr_flame_finish(fs[i], e);
		if (rc)
			return rc;
		height += graph_height(fs[i], &os[i]);
	}
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%d\" height=\"%" PRId64 "\" viewBox=\"0 0 %d %" PRId64 "\" "
		     "xmlns=\"http://www.w3.org/2000/svg\" onload=\"crFlameBoot()\">\n",
		width, height, width, height);
	fprintf(out, "<style type=\"text/css\">\n%s</style>\n", svg_style);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s%s]]></script>\n", svg_script, svg_boot);
	int64_t y = 0;
	for (size_t i = 0; i < n; i++) {
		enum cr_err rc = write_graph(fs[i], &os[i], y, false, out, e);
		if (rc)
			return rc;
		y += graph_height(fs[i], &os[i]);
	}
	fputs("</svg>\n", out);
	return CR_OK;
}

enum cr_err cr_flame_write_svg(struct cr_flame *f, const struct cr_flame_svg_opts *o, FILE *out,
			       struct cr_error *e)
{
	return write_document(&f, o, 1, out, e);
}

enum cr_err cr_flame_write_sandwich_svg(struct cr_flame *callers, struct cr_flame *callees,
					const struct cr_flame_svg_opts *o, FILE *out, struct cr_error *e)
{
	struct cr_flame *fs[2] = { callers, callees };
	struct cr_flame_svg_opts os[2] = { *o, *o };
	os[0].icicle = false; /* callers grow upward from the function */
	os[1].icicle = true;  /* callees hang below it */
	os[1].title = "callees";
	os[1].subtitle = NULL;
	return write_document(fs, os, 2, out, e);
}

/* ---- sandwich ---- */

/* Copy the subtree of src under s into dst under d (values added). */
static enum cr_err copy_subtree(const struct cr_flame *src, uint32_t s, struct cr_flame *dst, uint32_t d,
				uint32_t *map)
{
	/* pre-order walk of s's subtree; map[k] is dst's node for src node k */
	map[s] = d;
	for (uint32_t n = src->nodes[s].child; n != CR_FLAME_NONE;) {
		const struct cr_flame_node *nd = &src->nodes[n];
		const char *name = cr_strtab_get(&src->names, nd->name);
		uint32_t id = cr_strtab_intern(&dst->names, name, strlen(name));
		uint32_t c = id == UINT32_MAX ? CR_FLAME_NONE : child(dst, map[nd->parent], id);
		if (c == CR_FLAME_NONE)
			return dst->nnodes >= INT32_MAX ? CR_LIMIT : CR_NOMEM;
		dst->nodes[c].value = cr_sat_add(dst->nodes[c].value, nd->value);
		dst->nodes[c].base = cr_sat_add(dst->nodes[c].base, nd->base);
		map[n] = c;
		/* next in pre-order, staying inside s's subtree */
		if (nd->child != CR_FLAME_NONE) {
			n = nd->child;
			continue;
		}
		while (n != s && src->nodes[n].next == CR_FLAME_NONE)
			n = src->nodes[n].parent;
		n = n == s ? CR_FLAME_NONE : src->nodes[n].next;
	}
	return CR_OK;
}

enum cr_err cr_flame_sandwich(struct cr_flame *src, const char *func, struct cr_flame *callers,
			      struct cr_flame *callees, struct cr_error *e)
{
	enum cr_err rc = cr_flame_finish(src, e);
	if (rc)
		return rc;
	struct cr_flame *both[2] = { callers, callees };
	for (int k = 0; k < 2; k++) {
		uint32_t id = cr_strtab_intern(&both[k]->names, func, strlen(func));
		if (id == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "out of memory building the sandwich");
		both[k]->nodes[0].name = id;
		memcpy(both[k]->sample_type, src->sample_type, sizeof src->sample_type);
		memcpy(both[k]->unit, src->unit, sizeof src->unit);
		both[k]->has_base = src->has_base;
	}
	uint32_t *map = cr_malloc(src->nnodes * sizeof *map);
	if (!map)
		return cr_fail(e, CR_NOMEM, "out of memory building the sandwich");
	size_t found = 0;
	for (uint32_t n = 0; n != CR_FLAME_NONE && !rc;) {
		const struct cr_flame_node *nd = &src->nodes[n];
		bool hit = n && !strcmp(cr_strtab_get(&src->names, nd->name), func);
		if (hit) {
			/* the outermost call only: a recursive call below it is
			 * already in its callees and its callers' counts */
			found++;
			for (int k = 0; k < 2; k++) {
				both[k]->nodes[0].value = cr_sat_add(both[k]->nodes[0].value, nd->value);
				both[k]->nodes[0].base = cr_sat_add(both[k]->nodes[0].base, nd->base);
			}
			rc = copy_subtree(src, n, callees, 0, map);
			uint32_t cur = 0;
			for (uint32_t p = nd->parent; !rc && p != 0 && p != CR_FLAME_NONE; p = src->nodes[p].parent) {
				const char *name = cr_strtab_get(&src->names, src->nodes[p].name);
				uint32_t id = cr_strtab_intern(&callers->names, name, strlen(name));
				cur = id == UINT32_MAX ? CR_FLAME_NONE : child(callers, cur, id);
				if (cur == CR_FLAME_NONE) {
					rc = callers->nnodes >= INT32_MAX ? CR_LIMIT : CR_NOMEM;
					break;
				}
				callers->nodes[cur].value = cr_sat_add(callers->nodes[cur].value, nd->value);
				callers->nodes[cur].base = cr_sat_add(callers->nodes[cur].base, nd->base);
			}
		}
		n = next_preorder(src, n, !hit);
	}
	cr_free(map);
	if (rc)
		return cr_fail(e, rc, "the sandwich of %s is too large", func);
	if (!found)
		return cr_fail(e, CR_EMPTY, "no frame is named %s", func);
	return CR_OK;
}
