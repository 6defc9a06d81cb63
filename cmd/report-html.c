/* coroner report --format=html: one self-contained page (no request of any
 * kind: a Content-Security-Policy forbids every load; inline style and
 * script only), light and dark, printable, narrow-screen friendly. Every
 * input string goes through cr_escape(): the XML context for HTML text and
 * quoted attributes (it escapes & < > " '), JSON with < > & as \u escapes
 * inside <script type="application/json">, and the flame graphs' own SVG
 * escaping (lib/report/flame.c). */
#include "cmd.h"
#include "report-render.h"
#include "coroner/binary.h"
#include "coroner/capture.h"
#include "coroner/flame.h"
#include "coroner/gort.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define H_MAX 4096 /* bytes of one input string shown */
#define FLAME_ALL_FRAMES 20000 /* nodes of a graph drawn whole (narrow frames too) */

/* HTML text or a double-quoted attribute value. */
static void h(FILE *out, const char *s)
{
	cr_fput_escaped(out, s ? s : "", s ? strlen(s) : 0, H_MAX, CR_ESC_XML);
}

static const char css[] =
	":root { --bg: #fff; --fg: #1b1b1f; --dim: #5d6070; --line: #d8dae3; --card: #f6f7fa;\n"
	"  --high: #c62828; --medium: #b26a00; --low: #1565c0; --acc: #2b5fd9; }\n"
	"@media (prefers-color-scheme: dark) { :root { --bg: #14161b; --fg: #e4e6ec; --dim: #9aa0b0;\n"
	"  --line: #343844; --card: #1d2027; --high: #ef6b6b; --medium: #f0a742; --low: #6aa8f0; --acc: #7aa2ff; } }\n"
	"* { box-sizing: border-box; }\n"
	"body { margin: 0 auto; max-width: 1280px; padding: 1rem; background: var(--bg); color: var(--fg);\n"
	"  font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; }\n"
	"h1 { font-size: 1.6rem; margin: .2rem 0; } h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line);\n"
	"  padding-bottom: .2rem; margin-top: 2rem; } h3 { font-size: 1.05rem; margin: 0 0 .4rem; }\n"
	"code, pre, .mono { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, monospace; font-size: .88em; }\n"
	".dim { color: var(--dim); }\n"
	"nav a { color: var(--acc); margin-right: 1rem; white-space: nowrap; }\n"
	".scroll { overflow-x: auto; max-width: 100%; }\n"
	"table { border-collapse: collapse; margin: .4rem 0; }\n"
	"th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }\n"
	"td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }\n"
	".finding { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--low);\n"
	"  border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }\n"
	".finding.high { border-left-color: var(--high); } .finding.medium { border-left-color: var(--medium); }\n"
	".sev { font-weight: 700; font-size: .8rem; padding: .05rem .4rem; border-radius: 3px; color: #fff;\n"
	"  background: var(--low); margin-right: .4rem; }\n"
	".high .sev { background: var(--high); } .medium .sev { background: var(--medium); }\n"
	".subject { overflow-wrap: anywhere; }\n"
	"dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .5rem 0; }\n"
	"dt { color: var(--dim); } dd { margin: 0; overflow-wrap: anywhere; }\n"
	"tr.crashed td { font-weight: 600; }\n"
	".next { display: flex; gap: .5rem; align-items: flex-start; margin-top: .5rem; }\n"
	".next pre { margin: 0; padding: .4rem .6rem; background: var(--bg); border: 1px solid var(--line);\n"
	"  border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; flex: 1; }\n"
	"button, input { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line);\n"
	"  border-radius: 4px; padding: .2rem .6rem; }\n"
	"button { cursor: pointer; } button:hover { border-color: var(--acc); }\n"
	".charts { display: flex; flex-wrap: wrap; gap: 1rem; }\n"
	".multiple { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem;\n"
	"  width: 15rem; }\n"
	".multiple .name { font-size: .85rem; overflow-wrap: anywhere; min-height: 2.4em; }\n"
	"svg.chart { width: 100%; height: auto; } svg.chart text { fill: var(--fg); font-size: 11px; }\n"
	"svg.flamegraph { width: 100%; height: auto; display: block; }\n"
	".flame { margin: 1rem 0; } .flame .tools { display: flex; gap: .5rem; flex-wrap: wrap; margin: .3rem 0; }\n"
	".sandwich-view { border-left: 3px solid var(--acc); padding-left: .6rem; margin: .6rem 0; }\n"
	".sandwich-view h3 { display: inline-block; margin: 0 1rem .3rem 0; overflow-wrap: anywhere; }\n"
	".legend span { display: inline-block; margin-right: .8rem; font-size: .85rem; }\n"
	".legend i { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: -1px; }\n"
	"@media (max-width: 640px) { body { padding: .5rem; font-size: 14px; } dl { grid-template-columns: 1fr; }\n"
	"  .multiple { width: 100%; } }\n"
	"@media print { nav, button, input, .flame .tools { display: none; } .finding, .multiple, .flame {\n"
	"  break-inside: avoid; } body { max-width: none; } }\n";

/* The page's own script: copy buttons; each flame graph's search, reset,
 * flip (flame graph <-> icicle) and sandwich (callers and callees of the
 * zoomed or searched function, built in the page from the graph's frames:
 * crFlameSandwich of lib/report/flame.c). */
static const char page_js[] =
	"(function () {\n"
	"  'use strict';\n"
	"  crFlameAll(false);\n"
	"  function graphOf(id) { return document.getElementById(id).querySelector('svg.flamegraph'); }\n"
	"  function short(s) { return s.length > 48 ? s.substring(0, 46) + '..' : s; }\n"
	"  /* the function a sandwich is drawn for: the zoomed frame's, else the\n"
	"   * search box's text when a frame has that name, else the widest frame\n"
	"   * matching it as a regular expression */\n"
	"  function chosen(svg, q) {\n"
	"    var z = svg.getAttribute('data-zoomed'), fr = svg.crFlame.frames, best = null, rx;\n"
	"    if (z && !(fr.length && fr[0].fd === 0 && fr[0].fn === z)) return z; /* not the root */\n"
	"    if (!q) return null;\n"
	"    for (var i = 0; i < fr.length; i++) if (fr[i].fd > 0 && fr[i].fn === q) return q;\n"
	"    try { rx = new RegExp(q); } catch (err) { return null; }\n"
	"    for (var k = 0; k < fr.length; k++)\n"
	"      if (fr[k].fd > 0 && rx.test(fr[k].fn) && (!best || fr[k].fw > best.fw)) best = fr[k];\n"
	"    return best ? best.fn : null;\n"
	"  }\n"
	"  function tools(id, icicle) {\n"
	"    var t = document.createElement('div'), inp = document.createElement('input');\n"
	"    var r = document.createElement('button'), f = document.createElement('button');\n"
	"    t.className = 'tools';\n"
	"    inp.type = 'search'; inp.className = 'flame-search'; inp.setAttribute('data-for', id);\n"
	"    inp.placeholder = 'highlight frames matching a regex'; inp.setAttribute('aria-label', 'search frames');\n"
	"    r.className = 'flame-reset'; r.setAttribute('data-for', id); r.textContent = 'Reset zoom';\n"
	"    f.className = 'flame-flip'; f.setAttribute('data-for', id); f.textContent = icicle ? 'Flame graph' : 'Icicle';\n"
	"    t.appendChild(inp); t.appendChild(r); t.appendChild(f);\n"
	"    return t;\n"
	"  }\n"
	"  function sandwich(id, b) {\n"
	"    var svg = graphOf(id), view = document.getElementById(id + '-sandwich');\n"
	"    var inp = b.parentNode.querySelector('input.flame-search');\n"
	"    var name = chosen(svg, inp ? inp.value : ''), sw = name ? crFlameSandwich(svg, name) : null;\n"
	"    view.textContent = '';\n"
	"    view.hidden = false;\n"
	"    var h = document.createElement('h3'), close = document.createElement('button');\n"
	"    close.textContent = 'Close'; close.className = 'sandwich-close';\n"
	"    close.addEventListener('click', function () { view.textContent = ''; view.hidden = true; });\n"
	"    if (!sw) {\n"
	"      h.textContent = name ? 'No frame is named ' + name : 'Click a frame, or search for a function, then Sandwich';\n"
	"      view.appendChild(h); view.appendChild(close);\n"
	"      return;\n"
	"    }\n"
	"    h.textContent = 'Sandwich of ' + name + (svg.getAttribute('data-all') === '1' ? '' :\n"
	"      ' (frames narrower than 0.1 pixel were left out of the page: widths are lower bounds)');\n"
	"    view.appendChild(h); view.appendChild(close);\n"
	"    var parts = [[sw.callers, id + '-callers', false], [sw.callees, id + '-callees', true]];\n"
	"    for (var i = 0; i < parts.length; i++) {\n"
	"      var box = document.createElement('div');\n"
	"      box.id = parts[i][1];\n"
	"      box.appendChild(parts[i][0]);\n"
	"      view.appendChild(tools(parts[i][1], parts[i][2]));\n"
	"      view.appendChild(box);\n"
	"      crFlameInit(parts[i][0], false);\n"
	"      parts[i][0].crFlame.zoom(null);\n"
	"    }\n"
	"    wire(view);\n"
	"    view.setAttribute('data-function', name);\n"
	"  }\n"
	"  function wire(root) {\n"
	"    var ins = root.querySelectorAll('input.flame-search');\n"
	"    for (var i = 0; i < ins.length; i++) (function (inp) {\n"
	"      var svg = graphOf(inp.getAttribute('data-for'));\n"
	"      inp.addEventListener('input', function () { svg.crFlame.search(inp.value); });\n"
	"    })(ins[i]);\n"
	"    var rs = root.querySelectorAll('button.flame-reset');\n"
	"    for (var k = 0; k < rs.length; k++) (function (b) {\n"
	"      var svg = graphOf(b.getAttribute('data-for'));\n"
	"      b.addEventListener('click', function () { svg.crFlame.zoom(null); });\n"
	"    })(rs[k]);\n"
	"    var fs = root.querySelectorAll('button.flame-flip');\n"
	"    for (var m = 0; m < fs.length; m++) (function (b) {\n"
	"      var svg = graphOf(b.getAttribute('data-for'));\n"
	"      b.addEventListener('click', function () { b.textContent = svg.crFlame.flip() ? 'Flame graph' : 'Icicle'; });\n"
	"    })(fs[m]);\n"
	"    var ss = root.querySelectorAll('button.flame-sandwich');\n"
	"    for (var n = 0; n < ss.length; n++) (function (b) {\n"
	"      var id = b.getAttribute('data-for'), svg = graphOf(id);\n"
	"      b.addEventListener('click', function () { sandwich(id, b); });\n"
	"      svg.addEventListener('click', function () {\n"
	"        var z = svg.getAttribute('data-zoomed');\n"
	"        b.textContent = z ? 'Sandwich of ' + short(z) : 'Sandwich';\n"
	"      });\n"
	"    })(ss[n]);\n"
	"  }\n"
	"  wire(document);\n"
	"  function copied(b, ok) { b.textContent = ok ? 'Copied' : 'Select and copy'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); }\n"
	"  function fallback(b, pre) {\n"
	"    var sel = window.getSelection(), rg = document.createRange();\n"
	"    rg.selectNodeContents(pre); sel.removeAllRanges(); sel.addRange(rg);\n"
	"    var ok = false; try { ok = document.execCommand('copy'); } catch (err) { ok = false; }\n"
	"    copied(b, ok);\n"
	"  }\n"
	"  var cs = document.querySelectorAll('button.copy');\n"
	"  for (var j = 0; j < cs.length; j++) (function (b) {\n"
	"    var pre = document.getElementById(b.getAttribute('data-for'));\n"
	"    b.addEventListener('click', function () {\n"
	"      var t = pre.textContent;\n"
	"      if (navigator.clipboard && navigator.clipboard.writeText)\n"
	"        navigator.clipboard.writeText(t).then(function () { copied(b, true); }, function () { fallback(b, pre); });\n"
	"      else fallback(b, pre);\n"
	"    });\n"
	"  })(cs[j]);\n"
	"})();\n";

static const char *sev_name(enum cr_fsev s)
{
	return s == CR_FSEV_HIGH ? "high" : s == CR_FSEV_MEDIUM ? "medium" : "low";
}

/* ---- captures ---- */

static void go_release(const struct cr_report *r, const struct cr_capture *c, char *b, size_t n)
{
	const char *bin = c->binary ? c->binary : r->in.binary;
	struct cr_binary *cb = NULL;
	b[0] = 0;
	if (!bin || cr_binary_open(&cb, bin, NULL))
		return;
	if (!cr_go_buildinfo_version(cb, b, n))
		b[0] = 0;
	cr_binary_close(cb);
}

static void captures(const struct cr_report *r, FILE *out)
{
	fputs("<section id=\"captures\"><h2>Captures</h2><div class=\"scroll\"><table>\n"
	      "<tr><th>#</th><th>capture</th><th>time</th><th>pid</th><th>process</th><th>binary</th>"
	      "<th>Go release</th><th>files</th></tr>\n", out);
	for (size_t i = 0; i < r->in.ncaps; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		char tb[64], gv[64];
		report_when(c->time_nanos, tb, sizeof tb);
		go_release(r, c, gv, sizeof gv);
		fprintf(out, "<tr><td>%zu</td><td class=\"mono\">", i + 1);
		h(out, c->path);
		fputs("</td><td>", out);
		h(out, tb);
		if (i > 0 && c->time_nanos > 0 && r->in.caps[i - 1].time_nanos > 0)
			fprintf(out, " <span class=\"dim\">(%+.1f s)</span>",
				(double)(c->time_nanos - r->in.caps[i - 1].time_nanos) / 1e9);
		fputs("</td><td>", out);
		if (c->pid >= 0)
			fprintf(out, "%" PRId64, c->pid);
		fputs("</td><td>", out);
		h(out, c->process);
		fputs("</td><td class=\"mono\">", out);
		h(out, c->binary ? c->binary : r->in.binary);
		fputs("</td><td>", out);
		h(out, gv[0] ? gv : "");
		fputs("</td><td>", out);
		for (size_t k = 0; k < c->nfiles; k++) {
			const struct cr_capture_file *f = &c->files[k];
			const char *s = strrchr(f->path, '/');
			fputs(k ? ", " : "", out);
			fputs("<span class=\"mono\" title=\"", out);
			h(out, f->problem ? f->problem : cr_kind_name(f->kind));
			fputs("\">", out);
			h(out, s ? s + 1 : f->path);
			fputs(f->problem ? " (not usable)</span>" : "</span>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table></div></section>\n", out);
}

/* ---- findings ---- */

static void table(const struct cr_evtable *et, FILE *out)
{
	const struct cr_table *t = &et->t;
	if (t->nrows == 0)
		return;
	fputs("<div class=\"scroll\"><table><caption class=\"dim\">", out);
	h(out, et->title);
	fputs("</caption>\n<tr>", out);
	for (size_t c = 0; c < t->ncols; c++) {
		fprintf(out, "<th%s>", t->cols[c].align == CR_RIGHT ? " class=\"r\"" : "");
		h(out, t->cols[c].header ? t->cols[c].header : t->cols[c].key);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t i = 0; i < t->nrows; i++) {
		fputs("<tr>", out);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cr_cell *cl = &t->cells[i * t->ncols + c];
			fprintf(out, "<td%s>", t->cols[c].align == CR_RIGHT ? " class=\"r\"" : "");
			if (cl->text)
				h(out, cl->text);
			else if (cl->kind == CR_CELL_INT)
				fprintf(out, "%" PRId64, cl->i);
			else if (cl->kind == CR_CELL_DOUBLE)
				fprintf(out, "%.4g", cl->d);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table></div>\n", out);
}

/* A next step that starts with a coroner command: the command (up to the
 * two spaces before an explanation) in a copyable block. */
static void next_step(const char *s, size_t i, FILE *out)
{
	if (!s || !*s)
		return;
	size_t n = strlen(s);
	const char *why = NULL;
	if (!strncmp(s, "coroner ", 8)) {
		const char *p = strstr(s, "  (");
		if (p) {
			why = p + 2;
			n = (size_t)(p - s);
		}
		fprintf(out, "<div class=\"next\"><pre id=\"cmd-%zu\">", i);
		cr_fput_escaped(out, s, n, H_MAX, CR_ESC_XML);
		fprintf(out, "</pre><button class=\"copy\" data-for=\"cmd-%zu\" title=\"copy the command\">Copy</button></div>\n",
			i);
		if (why) {
			fputs("<p class=\"dim\">", out);
			h(out, why);
			fputs("</p>\n", out);
		}
		return;
	}
	fputs("<p><strong>Next:</strong> ", out);
	h(out, s);
	fputs("</p>\n", out);
}

static void findings(const struct cr_report *r, FILE *out)
{
	fputs("<section id=\"findings\"><h2>Findings</h2>\n", out);
	if (r->nfindings == 0)
		fputs("<p>No findings: nothing in these files looks wrong to the analyses that could run.</p>\n", out);
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct cr_rfinding *f = &r->findings[i];
		fprintf(out, "<article class=\"finding %s\" id=\"finding-%zu\" data-kind=\"", sev_name(f->severity),
			i + 1);
		h(out, f->kind);
		fprintf(out, "\"><h3><span class=\"sev\">%zu. %s</span><code>", i + 1, cr_fsev_name(f->severity));
		h(out, f->kind);
		fputs("</code> <span class=\"subject mono\">", out);
		h(out, f->subject);
		fputs("</span></h3>\n<p>", out);
		h(out, f->summary);
		fputs("</p>\n", out);
		if (f->nfacts) {
			fputs("<dl>", out);
			for (size_t k = 0; k < f->nfacts; k++) {
				char v[1024];
				report_fact_value(&f->facts[k], v, sizeof v);
				fputs("<dt>", out);
				h(out, f->facts[k].label);
				fputs("</dt><dd>", out);
				h(out, v);
				fputs("</dd>", out);
			}
			fputs("</dl>\n", out);
		}
		for (size_t k = 0; k < f->ntables; k++)
			table(&f->tables[k], out);
		next_step(f->next_step, i + 1, out);
		fputs("</article>\n", out);
	}
	fputs("</section>\n", out);
}

/* ---- the RSS ledger: a stacked bar per capture ---- */

/* one colour per enum cr_component */
static const char *const comp_colours[CR_C_COUNT] = { "#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d",
						      "#e15759", "#59a14f", "#b6992d", "#79706e" };

#define LEDGER_BARS 16

static void bytes_cell(FILE *out, int64_t v, bool sign)
{
	char b[48];
	cr_units_bytes(b, sizeof b, v);
	fprintf(out, "<td class=\"r\" title=\"%" PRId64 " B\">%s%s</td>", v, sign && v > 0 ? "+" : "", b);
}

/* One capture's bar: positive components stacked from the left; a negative
 * one (unexplained: the estimates overcount) dashed over the end of the
 * stack, so the bar ends at RSS. data-bytes add up to data-rss. */
static void ledger_bar(FILE *out, const struct cr_capledger *l, size_t capno, const char *label, int y,
		       double scale)
{
	fprintf(out, "<g class=\"bar\" data-capture=\"%zu\" data-rss=\"%" PRId64 "\"><text x=\"0\" y=\"%d\">", capno,
		l->rss, y + 17);
	h(out, label);
	fputs("</text>\n", out);
	double x = 130;
	for (int c = 0; c < CR_C_COUNT; c++) {
		int64_t v = l->comp[c];
		char vb[48];
		cr_units_bytes(vb, sizeof vb, v);
		if (v > 0) {
			fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"24\" fill=\"%s\" "
				     "data-component=\"%s\" data-bytes=\"%" PRId64 "\"><title>%s: %s</title></rect>\n",
				x, y, (double)v * scale, comp_colours[c], cr_component_name((enum cr_component)c), v,
				cr_component_name((enum cr_component)c), vb);
			x += (double)v * scale;
		}
	}
	for (int c = 0; c < CR_C_COUNT; c++) {
		int64_t v = l->comp[c];
		char vb[48];
		cr_units_bytes(vb, sizeof vb, v);
		if (v < 0) {
			double w = (double)-v * scale;
			fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"24\" fill=\"none\" stroke=\"%s\" "
				     "stroke-dasharray=\"3 2\" data-component=\"%s\" data-bytes=\"%" PRId64 "\"><title>%s: %s "
				     "(the other estimates overcount)</title></rect>\n",
				x - w, y, w, comp_colours[c], cr_component_name((enum cr_component)c), v,
				cr_component_name((enum cr_component)c), vb);
		}
	}
	char rb[48];
	cr_units_bytes(rb, sizeof rb, l->rss);
	double end = 130 + (double)l->rss * scale;
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">RSS %s</text></g>\n", (x > end ? x : end) + 6, y + 17, rb);
}

static void ledger(const struct cr_report *r, FILE *out)
{
	size_t idx[LEDGER_BARS], n = 0;
	int64_t max = 1;
	for (size_t i = 0; r->ledgers && i < r->in.ncaps && n < LEDGER_BARS; i++) {
		const struct cr_capledger *l = &r->ledgers[i];
		if (!l->have)
			continue;
		idx[n++] = i;
		int64_t pos = 0;
		for (int c = 0; c < CR_C_COUNT; c++)
			pos = cr_sat_add(pos, l->comp[c] > 0 ? l->comp[c] : 0);
		max = pos > max ? pos : max;
		max = l->rss > max ? l->rss : max;
	}
	fputs("<section id=\"ledger\"><h2>RSS ledger</h2>\n", out);
	if (!n) {
		fputs("<p class=\"dim\">No ledger: no capture holds /proc smaps_rollup, smaps or status.</p></section>\n",
		      out);
		return;
	}
	fputs("<p class=\"dim\">Each capture's resident memory in components that add up to RSS (the ledger "
	      "<code>coroner mem</code> computes from the same files); a dashed segment is memory the other "
	      "components count twice.</p>\n", out);
	double scale = (1000.0 - 130 - 110) / (double)max;
	fprintf(out, "<div class=\"scroll\"><svg class=\"chart ledger\" viewBox=\"0 0 1000 %zu\" role=\"img\" "
		     "aria-label=\"RSS ledger per capture\">\n", n * 34 + 4);
	for (size_t k = 0; k < n; k++) {
		const struct cr_capture *c = &r->in.caps[idx[k]];
		char label[80], tb[64];
		report_when(c->time_nanos, tb, sizeof tb);
		snprintf(label, sizeof label, "%zu. %.8s", idx[k] + 1, c->time_nanos > 0 ? tb + 11 : "");
		ledger_bar(out, &r->ledgers[idx[k]], idx[k] + 1, label, 4 + (int)k * 34, scale);
	}
	const struct cr_capledger *first = &r->ledgers[idx[0]], *last = &r->ledgers[idx[n - 1]];
	fputs("</svg></div>\n<div class=\"legend\">", out);
	for (int c = 0; c < CR_C_COUNT; c++) {
		char vb[48], db[48];
		cr_units_bytes(vb, sizeof vb, last->comp[c]);
		cr_units_bytes(db, sizeof db, last->comp[c] - first->comp[c]);
		fprintf(out, "<span><i style=\"background:%s\"></i>%s %s", comp_colours[c],
			cr_component_name((enum cr_component)c), vb);
		if (n > 1)
			fprintf(out, " <span class=\"dim\">(%s%s)</span>", last->comp[c] > first->comp[c] ? "+" : "", db);
		fputs("</span>", out);
	}
	fputs("</div>\n<div class=\"scroll\"><table class=\"ledger\"><tr><th>component</th>", out);
	for (size_t k = 0; k < n; k++)
		fprintf(out, "<th class=\"r\">capture %zu</th>", idx[k] + 1);
	if (n > 1)
		fprintf(out, "<th class=\"r\">delta %zu&#8594;%zu</th>", idx[0] + 1, idx[n - 1] + 1);
	fputs("</tr>\n", out);
	for (int c = 0; c <= CR_C_COUNT; c++) {
		fprintf(out, "<tr><td>%s</td>", c < CR_C_COUNT ? cr_component_name((enum cr_component)c) : "<strong>rss</strong>");
		for (size_t k = 0; k < n; k++) {
			const struct cr_capledger *l = &r->ledgers[idx[k]];
			bytes_cell(out, c < CR_C_COUNT ? l->comp[c] : l->rss, false);
		}
		if (n > 1)
			bytes_cell(out, c < CR_C_COUNT ? last->comp[c] - first->comp[c] : last->rss - first->rss, true);
		fputs("</tr>\n", out);
	}
	fputs("<tr><td class=\"dim\">RSS from</td>", out);
	for (size_t k = 0; k < n; k++) {
		fputs("<td class=\"r dim\">", out);
		h(out, r->ledgers[idx[k]].rss_source);
		fputs("</td>", out);
	}
	fputs(n > 1 ? "<td></td></tr>\n" : "</tr>\n", out);
	fputs("</table></div>\n</section>\n", out);
}

/* ---- a core's threads (the crashing goroutine's stack is the crash
 * finding's evidence above) ---- */

static void core_threads(const struct cr_report *r, FILE *out)
{
	bool any = false;
	for (size_t i = 0; i < r->in.ncaps; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		if (!c->gocore) /* the core the analyses read (keep_cores) */
			continue;
		const struct cr_gort *g = &c->gocore->g;
		if (!any)
			fputs("<section id=\"core\"><h2>Core threads</h2>\n", out);
		any = true;
		fputs("<p class=\"mono\">", out);
		h(out, c->core);
		fprintf(out, "</p><div class=\"scroll\"><table><tr><th class=\"r\">TID</th><th class=\"r\">M</th>"
			     "<th>on</th><th class=\"r\">goroutine</th><th>pc</th><th>function</th><th>file:line</th></tr>\n");
		for (size_t k = 0; k < g->nthreads; k++) {
			const struct cr_gthread *T = &g->threads[k];
			fprintf(out, "<tr%s><td class=\"r\">%" PRId32 "%s</td><td class=\"r\">", k == 0 ? " class=\"crashed\"" : "",
				T->tid, k == 0 ? " (signalled)" : "");
			if (T->mid >= 0)
				fprintf(out, "%" PRId64, T->mid);
			fputs("</td><td>", out);
			h(out, T->on);
			fputs("</td><td class=\"r\">", out);
			if (T->curg >= 0)
				fprintf(out, "%" PRId64 "%s", T->curg, T->curg == g->crash_goid ? " (crashed)" : "");
			fprintf(out, "</td><td class=\"mono\">0x%" PRIx64 "</td><td class=\"mono\">", T->regs.pc);
			if (T->stack && T->stack->nframes) {
				h(out, cr_frame_or(T->stack->frames[0].function, "?"));
				fputs("</td><td class=\"mono\">", out);
				h(out, cr_frame_or(T->stack->frames[0].file, "?"));
				fprintf(out, ":%" PRId64, T->stack->frames[0].line);
			} else {
				fputs("?</td><td>", out);
			}
			fputs("</td></tr>\n", out);
		}
		fputs("</table></div>\n", out);
	}
	if (any)
		fputs("</section>\n", out);
}

/* ---- goroutines per group across captures: small multiples ---- */

#define MAX_GROUPS 256
struct groups {
	const char *name[MAX_GROUPS];
	int64_t count[MAX_GROUPS][16]; /* per capture (the first 16) */
	size_t n;
};

static void goroutines(const struct cr_report *r, FILE *out)
{
	struct groups *g = calloc(1, sizeof *g);
	size_t ncap = r->in.ncaps < 16 ? r->in.ncaps : 16, have = 0;
	fputs("<section id=\"goroutines\"><h2>Goroutines per group</h2>\n", out);
	for (size_t c = 0; g && c < ncap; c++) {
		const struct cr_profile *p = r->in.caps[c].goroutine;
		if (!p || p->ntypes == 0)
			continue;
		have++;
		for (size_t i = 0; i < p->nsamples; i++) {
			const char *fn = cr_sample_user_function(p, i);
			if (!fn || !*fn)
				fn = "(no frames)";
			size_t k = 0;
			while (k < g->n && strcmp(g->name[k], fn))
				k++;
			if (k == g->n) {
				if (g->n == MAX_GROUPS)
					k = MAX_GROUPS - 1; /* the rest, counted in the last group */
				else
					g->name[g->n++] = fn;
			}
			g->count[k][c] = cr_sat_add(g->count[k][c], cr_sample_values(p, i)[0]);
		}
	}
	if (!g || !have) {
		fputs("<p class=\"dim\">No goroutine dump in these captures.</p></section>\n", out);
		free(g);
		return;
	}
	/* the 12 largest groups of the last capture (then of any) */
	size_t order[MAX_GROUPS], shown = g->n < 12 ? g->n : 12;
	for (size_t k = 0; k < g->n; k++)
		order[k] = k;
	for (size_t a = 0; a < shown; a++)
		for (size_t b = a + 1; b < g->n; b++) {
			int64_t x = g->count[order[a]][ncap - 1], y = g->count[order[b]][ncap - 1];
			if (y > x) {
				size_t t = order[a];
				order[a] = order[b];
				order[b] = t;
			}
		}
	fprintf(out, "<p class=\"dim\">The %zu largest groups (innermost function of your code), one bar per "
		     "capture, oldest first.</p>\n<div class=\"charts\">\n", shown);
	for (size_t a = 0; a < shown; a++) {
		size_t k = order[a];
		int64_t max = 1;
		for (size_t c = 0; c < ncap; c++)
			max = g->count[k][c] > max ? g->count[k][c] : max;
		fputs("<div class=\"multiple\"><div class=\"name mono\">", out);
		h(out, g->name[k]);
		fputs("</div><svg class=\"chart\" viewBox=\"0 0 200 80\">", out);
		double bw = 180.0 / (double)ncap;
		for (size_t c = 0; c < ncap; c++) {
			double hgt = 60.0 * (double)g->count[k][c] / (double)max;
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
				     "<title>capture %zu: %" PRId64 "</title></rect>"
				     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRId64 "</text>",
				10 + (double)c * bw + 2, 74 - hgt, bw - 4, hgt,
				c + 1 == ncap ? "#e15759" : "#4e79a7", c + 1, g->count[k][c],
				10 + (double)c * bw + bw / 2, 70 - hgt, g->count[k][c]);
		}
		fputs("</svg></div>\n", out);
	}
	fputs("</div></section>\n", out);
	free(g);
}

/* ---- flame graphs ---- */

struct flame_req {
	const char *id, *title, *sub;
	const struct cr_profile *p, *base;
	const char *index; /* sample type; NULL: the default */
	bool icicle;
	const char *sandwich; /* a function: callers and callees instead */
};

/* A graph's controls (the page's script wires them by class and data-for);
 * sandwich: the graph is a whole tree, the callers and callees of any of
 * its functions can be drawn from it. */
static void flame_tools(FILE *out, const char *id, bool icicle, bool sandwich)
{
	fprintf(out, "<div class=\"tools\"><input type=\"search\" class=\"flame-search\" data-for=\"%s\" "
		     "placeholder=\"highlight frames matching a regex\" aria-label=\"search frames\">"
		     "<button class=\"flame-reset\" data-for=\"%s\">Reset zoom</button>"
		     "<button class=\"flame-flip\" data-for=\"%s\" title=\"flame graph or icicle\">%s</button>",
		id, id, id, icicle ? "Flame graph" : "Icicle");
	if (sandwich)
		fprintf(out, "<button class=\"flame-sandwich\" data-for=\"%s\" title=\"callers and callees of the "
			     "clicked frame's function, or of the one searched\">Sandwich</button>", id);
	fputs("</div>\n", out);
}

static enum cr_err flame(FILE *out, const struct flame_req *q, struct cr_error *e)
{
	struct cr_flame f, callers, callees;
	enum cr_err rc = cr_flame_init(&f);
	enum cr_err rc1 = cr_flame_init(&callers), rc2 = cr_flame_init(&callees);
	if (rc || rc1 || rc2) {
		rc = cr_fail(e, CR_NOMEM, "out of memory");
		goto out;
	}
	int si = cr_profile_sample_index(q->p, q->index);
	int bsi = q->base ? cr_profile_sample_index(q->base, q->index) : 0;
	if (si < 0 || bsi < 0)
		goto out; /* that value is not in this profile: no graph */
	if ((rc = cr_flame_add(&f, q->p, si, false, e)) || (q->base && (rc = cr_flame_add(&f, q->base, bsi, true, e))))
		goto out;
	if (f.nodes[0].value <= 0)
		goto out;
	/* every frame, however narrow, while the page stays reasonable: the
	 * page's sandwich is built from them (else it says so) */
	struct cr_flame_svg_opts o = { .title = q->title, .subtitle = q->sub, .width = 1200, .icicle = q->icicle,
				       .all_frames = f.nnodes <= FLAME_ALL_FRAMES };
	fputs("<div class=\"flame\">", out);
	if (q->sandwich) {
		if (cr_flame_sandwich(&f, q->sandwich, &callers, &callees, e)) {
			cr_error_clear(e);
			fputs("</div>\n", out);
			goto out;
		}
		char id2[64];
		snprintf(id2, sizeof id2, "%s-callees", q->id);
		flame_tools(out, q->id, false, false);
		fprintf(out, "<div id=\"%s\">", q->id);
		if ((rc = cr_flame_write_svg_element(&callers, &o, out, e)))
			goto out;
		fputs("</div>\n", out);
		flame_tools(out, id2, true, false);
		o.icicle = true;
		o.title = "callees";
		o.subtitle = NULL;
		fprintf(out, "<div id=\"%s\">", id2);
		rc = cr_flame_write_svg_element(&callees, &o, out, e);
	} else {
		flame_tools(out, q->id, q->icicle, true);
		fprintf(out, "<div id=\"%s\">", q->id);
		rc = cr_flame_write_svg_element(&f, &o, out, e);
		fprintf(out, "</div><div class=\"sandwich-view\" id=\"%s-sandwich\" hidden>", q->id);
	}
	fputs("</div></div>\n", out);
out:
	cr_flame_release(&f);
	cr_flame_release(&callers);
	cr_flame_release(&callees);
	return rc;
}

static enum cr_err flames(const struct cr_report *r, FILE *out, struct cr_error *e)
{
	const struct cr_capture *first = NULL, *last = NULL;
	const struct cr_profile *alloc = NULL, *gor = NULL;
	for (size_t c = 0; c < r->in.ncaps; c++) {
		const struct cr_capture *cp = &r->in.caps[c];
		if (cp->heap) {
			first = first ? first : cp;
			last = cp;
		}
		if (cp->allocs || cp->heap)
			alloc = cp->allocs ? cp->allocs : cp->heap;
		if (cp->goroutine)
			gor = cp->goroutine;
	}
	fputs("<section id=\"flames\"><h2>Flame graphs</h2>\n<p class=\"dim\">Hover a frame for its value; click "
	      "to zoom into it (its callers dimmed above); the box highlights frames matching a regular "
	      "expression and gives their share.</p>\n", out);
	enum cr_err rc = CR_OK;
	if (alloc) {
		struct flame_req q = { "flame-alloc", "alloc_space (last capture)", "bytes allocated since the "
				       "program started", alloc, NULL, "alloc_space", false, NULL };
		rc = flame(out, &q, e);
	}
	if (!rc && last && first != last) {
		struct flame_req q = { "flame-inuse-diff", "inuse_space, last capture",
				       "widths: the last capture; red grew, blue shrank since the first",
				       last->heap, first->heap, "inuse_space", false, NULL };
		rc = flame(out, &q, e);
		/* the sandwich of the first finding whose subject is a frame */
		for (size_t i = 0; !rc && i < r->nfindings; i++) {
			if (strcmp(r->findings[i].kind, "heap_growth"))
				continue;
			char t[300];
			snprintf(t, sizeof t, "callers of %.200s (inuse_space)", r->findings[i].subject);
			q = (struct flame_req){ "flame-sandwich", t, "callers above the function, callees below it",
						last->heap, first->heap, "inuse_space", false, r->findings[i].subject };
			rc = flame(out, &q, e);
			break;
		}
	} else if (!rc && last) {
		struct flame_req q = { "flame-inuse", "inuse_space", NULL, last->heap, NULL, "inuse_space", false, NULL };
		rc = flame(out, &q, e);
	}
	if (!rc && gor) {
		struct flame_req q = { "flame-goroutines", "goroutines (last capture)", "one per goroutine, as an "
				       "icicle: the root at the top", gor, NULL, NULL, true, NULL };
		rc = flame(out, &q, e);
	}
	if (!alloc && !last && !gor)
		fputs("<p class=\"dim\">No profile in these captures.</p>\n", out);
	fputs("</section>\n", out);
	return rc;
}

/* ---- the embedded JSON ---- */

/* The JSON report inside <script type="application/json">: '<', '>' and
 * '&' can only be inside JSON strings, where \u003c etc. mean the same, so
 * no input can close the element or open a comment. */
static enum cr_err embedded_json(const struct cr_report *r, FILE *out, struct cr_error *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return cr_fail(e, CR_NOMEM, "out of memory writing the page");
	report_print_json(r, m);
	if (fclose(m)) {
		free(buf);
		return cr_fail(e, CR_NOMEM, "out of memory writing the page");
	}
	fputs("<script type=\"application/json\" id=\"report-json\">\n", out);
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '<' || c == '>' || c == '&')
			fprintf(out, "\\u%04x", (unsigned)c);
		else
			putc(c, out);
	}
	fputs("</script>\n", out);
	free(buf);
	return CR_OK;
}

static void notes(const struct cr_report *r, FILE *out)
{
	const struct cr_buf *bs[2] = { &r->warnings, &r->notes };
	const char *titles[2] = { "Warnings", "Also checked" };
	for (int k = 0; k < 2; k++) {
		const char *s = cr_buf_str(bs[k]);
		if (!*s)
			continue;
		fprintf(out, "<section><h2>%s</h2><ul>\n", titles[k]);
		while (*s) {
			size_t n = strcspn(s, "\n");
			fputs("<li>", out);
			cr_fput_escaped(out, s, n, H_MAX, CR_ESC_XML);
			fputs("</li>\n", out);
			s += n + (s[n] == '\n');
		}
		fputs("</ul></section>\n", out);
	}
}

enum cr_err report_print_html(const struct cr_report *r, FILE *out, struct cr_error *e)
{
	size_t nh = 0;
	for (size_t i = 0; i < r->nfindings; i++)
		nh += r->findings[i].severity == CR_FSEV_HIGH;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light dark\">\n"
	      "<meta name=\"generator\" content=\"coroner " CORONER_VERSION "\">\n<title>coroner report", out);
	if (r->nfindings) {
		fputs(": ", out);
		h(out, r->findings[0].kind);
		fputs(" ", out);
		h(out, r->findings[0].subject);
	}
	fprintf(out, "</title>\n<style>\n%s%s</style>\n</head><body>\n", css, cr_flame_svg_css());
	fprintf(out, "<header><h1>coroner report</h1><p>%zu finding%s (%zu high) in %zu capture%s.</p>\n"
		     "<nav><a href=\"#captures\">Captures</a><a href=\"#findings\">Findings</a>"
		     "<a href=\"#ledger\">RSS ledger</a><a href=\"#goroutines\">Goroutines</a>"
		     "<a href=\"#flames\">Flame graphs</a></nav></header>\n",
		r->nfindings, r->nfindings == 1 ? "" : "s", nh, r->in.ncaps, r->in.ncaps == 1 ? "" : "s");
	captures(r, out);
	findings(r, out);
	core_threads(r, out);
	ledger(r, out);
	goroutines(r, out);
	enum cr_err rc = flames(r, out, e);
	if (rc)
		return rc;
	notes(r, out);
	if ((rc = embedded_json(r, out, e)))
		return rc;
	fprintf(out, "<script>\n%s%s</script>\n</body></html>\n", cr_flame_svg_js(), page_js);
	return CR_OK;
}
