// Drives headless Chromium over the DevTools protocol (--remote-debugging-pipe:
// NUL-terminated JSON on fds 3 and 4; no npm package needed) to check a page
// written by `coroner report --format=html`.
//   node html-check.js CHROMIUM PAGE.html MODE [FUNC=CUM] [SCREENSHOT.png]
// MODE demo: no console error, no request, every finding's subject, the
// ledger chart and a flame graph in the DOM, search highlights, click zooms,
// the flip button turns the first graph into an icicle and back; with
// FUNC=CUM, clicking a frame of FUNC in the first graph then Sandwich draws
// its callers and callees, both rooted at FUNC with width CUM (pprof's cum).
// MODE svg: a standalone sandwich SVG: both graphs' viewers run, no error.
// MODE hostile: no console error, no request, no alert/dialog, no element
// the input could have made (img, iframe, extra script), the names as text.
// Prints "FAIL: ..." per failed check, "ok" when all pass; exit 1 on failure.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, page, mode, ...rest] = process.argv.slice(2);
const shot = rest.find((a) => a.endsWith('.png'));
const swArg = rest.find((a) => !a.endsWith('.png'));
const sw = swArg ? { fn: swArg.slice(0, swArg.lastIndexOf('=')), cum: +swArg.slice(swArg.lastIndexOf('=') + 1) } : null;
const url = 'file://' + path.resolve(page);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'coroner-chromium-'));
const proc = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-extensions',
	'--remote-debugging-pipe', '--user-data-dir=' + profile, '--window-size=1280,1000'],
	{ stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const out = proc.stdio[3], inp = proc.stdio[4];
let id = 0, buf = '';
const waiting = new Map(), listeners = [];
inp.on('data', (d) => {
	buf += d.toString();
	let z;
	while ((z = buf.indexOf('\0')) >= 0) {
		const m = JSON.parse(buf.slice(0, z));
		buf = buf.slice(z + 1);
		if (m.id && waiting.has(m.id)) {
			const w = waiting.get(m.id);
			waiting.delete(m.id);
			m.error ? w.reject(new Error(JSON.stringify(m.error))) : w.resolve(m.result);
		} else if (m.method) {
			for (const l of listeners) l(m);
		}
	}
});
function send(method, params, sessionId) {
	const m = { id: ++id, method, params: params || {} };
	if (sessionId) m.sessionId = sessionId;
	out.write(JSON.stringify(m) + '\0');
	return new Promise((resolve, reject) => waiting.set(m.id, { resolve, reject }));
}
const fails = [];
function check(what, cond) { if (!cond) fails.push(what); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	const s = (m, p) => send(m, p, sessionId);
	const errors = [], requests = [], dialogs = [];
	let loaded = false;
	listeners.push((m) => {
		if (m.sessionId !== sessionId) return;
		const p = m.params;
		if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'warning'))
			errors.push('console.' + p.type + ': ' + p.args.map((a) => a.value || a.description).join(' '));
		if (m.method === 'Runtime.exceptionThrown') errors.push('exception: ' + p.exceptionDetails.text + ' ' + (p.exceptionDetails.exception && p.exceptionDetails.exception.description));
		if (m.method === 'Log.entryAdded' && p.entry.level === 'error') errors.push('log: ' + p.entry.text);
		if (m.method === 'Network.requestWillBeSent' && p.request.url !== url) requests.push(p.request.url);
		if (m.method === 'Page.javascriptDialogOpening') {
			dialogs.push(p.message);
			s('Page.handleJavaScriptDialog', { accept: false });
		}
		if (m.method === 'Page.loadEventFired') loaded = true;
	});
	for (const d of ['Runtime.enable', 'Log.enable', 'Network.enable', 'Page.enable']) await s(d);
	await s('Page.navigate', { url });
	for (let i = 0; i < 200 && !loaded; i++) await sleep(50);
	check('page loads', loaded);
	await sleep(300);
	const ev = async (expr) => {
		const r = await s('Runtime.evaluate', { expression: expr, returnByValue: true });
		if (r.exceptionDetails) throw new Error(expr + ': ' + r.exceptionDetails.text);
		return r.result.value;
	};
	if (mode === 'svg') {
		// a standalone SVG (flame --sandwich): every graph's viewer is up
		const n = await ev('Array.from(document.querySelectorAll("svg.flamegraph")).filter(s => s.crFlame && s.crFlame.frames.length).length');
		check('two live graphs (got ' + n + ')', n === 2);
		check('no console error (' + errors.join(' | ') + ')', errors.length === 0);
		check('no request issued (' + requests.join(' ') + ')', requests.length === 0);
		return;
	}
	const report = JSON.parse(await ev('document.getElementById("report-json").textContent'));
	check('a CSP meta tag forbids loads', await ev(`(document.querySelector('meta[http-equiv="Content-Security-Policy"]')||{}).content||''`)
		.then((c) => c.includes("default-src 'none'")));
	check('at least one flame graph', (await ev('document.querySelectorAll("svg.flamegraph").length')) > 0);
	if (mode === 'demo') {
		check('findings in the JSON', report.findings.length > 0);
		const subjects = await ev('Array.from(document.querySelectorAll(".finding .subject")).map(e => e.textContent)');
		for (const f of report.findings) check('subject in the DOM: ' + f.subject, subjects.includes(f.subject));
		check('the ledger chart', (await ev('document.querySelectorAll("svg.ledger rect").length')) > 3);
		check('goroutine small multiples', (await ev('document.querySelectorAll("#goroutines .multiple").length')) > 0);
		// search: type into the first graph's box (real key input)
		const want = 'main\\.\\(\\*cache\\)';
		await ev('document.querySelector("input.flame-search").focus()');
		await s('Input.insertText', { text: want });
		await sleep(200);
		const hits = await ev(`(() => { const svg = document.getElementById(document.querySelector("input.flame-search").dataset.for).querySelector("svg");
			const all = Array.from(svg.querySelectorAll("g.f")), hit = all.filter(g => g.classList.contains("hit"));
			const rx = new RegExp(${JSON.stringify(want)});
			return { hit: hit.length, should: all.filter(g => rx.test(g.querySelector("title").textContent.split("\\n")[0])).length,
				 wrong: hit.filter(g => !rx.test(g.querySelector("title").textContent)).length,
				 fill: hit.length ? getComputedStyle(hit[0].querySelector("rect")).fill : "",
				 matched: svg.querySelector(".matched").textContent }; })()`);
		check('search highlights ' + hits.should + ' frames (got ' + hits.hit + ')', hits.should > 0 && hits.hit === hits.should && hits.wrong === 0);
		check('highlighted frames change colour (' + hits.fill + ')', hits.fill === 'rgb(230, 0, 230)');
		check('search reports the share (' + hits.matched + ')', /^Matched: [0-9.]+%$/.test(hits.matched));
		// click: a real mouse click in the middle of a frame at depth 2
		const box = await ev(`(() => { const g = Array.from(document.querySelectorAll("svg.flamegraph g.f")).find(g => g.getAttribute("data-d") === "2");
			g.scrollIntoView({ block: "center" }); const r = g.querySelector("rect").getBoundingClientRect();
			return { x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, name: g.querySelector("title").textContent.split("\\n")[0] }; })()`);
		for (const type of ['mousePressed', 'mouseReleased'])
			await s('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
		await sleep(200);
		const z = await ev(`(() => { const svg = document.querySelector("svg.flamegraph"), g = Array.from(svg.querySelectorAll("g.f")).find(g => g.getAttribute("data-d") === "2");
			return { zoomed: svg.getAttribute("data-zoomed"), w: g.querySelector("rect").getBoundingClientRect().width,
				 full: svg.getBoundingClientRect().width }; })()`);
		check('click zooms into ' + box.name + ' (zoomed: ' + z.zoomed + ')', z.zoomed === box.name);
		check('the clicked frame widens to the graph (' + box.w.toFixed(1) + ' -> ' + z.w.toFixed(1) + ' of ' + z.full.toFixed(1) + ')',
			z.w > box.w && z.w > 0.9 * z.full);
		// orientation: a real click on the first graph's flip button hangs it
		// from the top (every frame mirrored), a second one stands it up again
		const geo = `(() => { const svg = document.querySelector("svg.flamegraph"), C = +svg.getAttribute("data-flip");
			const fr = Array.from(svg.querySelectorAll("g.f")), at = (d) => fr.find(g => g.getAttribute("data-d") === String(d)).querySelector("rect").getBoundingClientRect().top;
			return { icicle: svg.classList.contains("icicle"), ys: fr.map(g => +g.querySelector("rect").getAttribute("y")), C: C,
				 root: at(0), child: at(1), label: document.querySelector("button.flame-flip").textContent }; })()`;
		const click = async (sel) => {
			const b = await ev(`(() => { const e = document.querySelector(${JSON.stringify(sel)}); e.scrollIntoView({ block: "center" });
				const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
			for (const type of ['mousePressed', 'mouseReleased'])
				await s('Input.dispatchMouseEvent', { type, x: b.x, y: b.y, button: 'left', clickCount: 1 });
			await sleep(200);
		};
		await click('button.flame-reset');
		const g0 = await ev(geo);
		check('the first graph stands as a flame graph (root below its children)', !g0.icicle && g0.root > g0.child);
		await click('button.flame-flip');
		const g1 = await ev(geo);
		check('flip: an icicle, root above its children (' + g1.root + ' < ' + g1.child + ', button ' + g1.label + ')',
			g1.icicle && g1.root < g1.child && g1.label === 'Flame graph');
		check('flip: every frame mirrored (y -> data-flip - y)', g1.ys.length === g0.ys.length && g1.ys.every((y, i) => y === g0.C - g0.ys[i]));
		await click('button.flame-flip');
		const g2 = await ev(geo);
		check('flip twice: the flame graph again', !g2.icicle && g2.ys.every((y, i) => y === g0.ys[i]));
		if (sw) {
			// the sandwich of FUNC: click its widest frame, then Sandwich
			await ev('document.querySelector("svg.flamegraph").crFlame.zoom(null)');
			const id = await ev(`(() => { const svg = document.querySelector("svg.flamegraph");
				const fr = svg.crFlame.frames.filter(g => g.fn === ${JSON.stringify(sw.fn)}).sort((a, b) => b.fw - a.fw);
				fr[0].classList.add("sw-target"); return svg.parentNode.id; })()`);
			await click('g.sw-target rect');
			await click(`button.flame-sandwich[data-for="${id}"]`);
			const v = await ev(`(() => { const view = document.getElementById(${JSON.stringify(id + '-sandwich')});
				const svgs = Array.from(view.querySelectorAll("svg.flamegraph"));
				const root = (svg) => svg.querySelector('g.f[data-d="0"]');
				return { hidden: view.hidden, fn: view.getAttribute("data-function"), n: svgs.length,
					 live: svgs.filter(x => x.crFlame && x.crFlame.frames.length).length,
					 names: svgs.map(x => root(x).querySelector("title").textContent.split("\\n")[0]),
					 widths: svgs.map(x => +root(x).getAttribute("data-w")),
					 icicle: svgs.map(x => x.classList.contains("icicle")),
					 callers: svgs.length ? svgs[0].querySelectorAll("g.f").length : 0 }; })()`);
			check('sandwich shown for ' + sw.fn + ' (' + v.fn + ', hidden ' + v.hidden + ')', !v.hidden && v.fn === sw.fn);
			check('sandwich: two live graphs (got ' + v.live + ' of ' + v.n + ')', v.n === 2 && v.live === 2);
			check('sandwich: both rooted at ' + sw.fn + ' (' + v.names.join(', ') + ')', v.names.every((n) => n === sw.fn));
			check('sandwich roots = pprof cum ' + sw.cum + ' (' + v.widths.join(', ') + ')', v.widths.length === 2 && v.widths.every((w) => w === sw.cum));
			check('sandwich: callers stand up, callees hang down', v.icicle[0] === false && v.icicle[1] === true);
			check('sandwich: the callers of ' + sw.fn + ' drawn (' + v.callers + ' frames)', v.callers > 1);
		}
	} else {
		check('no dialog opened (' + dialogs.join(', ') + ')', dialogs.length === 0);
		check('no element from the input (img, iframe, object, embed)',
			(await ev('document.querySelectorAll("img, iframe, object, embed, svg svg, foreignObject").length')) === 0);
		check('two scripts only (the JSON and the page\'s own)', (await ev('document.scripts.length')) === 2);
		const text = await ev('document.body.innerText');
		const names = await ev('Array.from(document.querySelectorAll("svg.flamegraph g.f title")).map(t => t.textContent.split("\\n")[0])');
		for (const n of ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', '</svg><script>alert(4)</script>',
			'</script><script>alert(5)</script>', ']]><script>alert(6)</script>'])
			check('name shown as text in a frame: ' + n, names.includes('evil.com/x.' + n));
		check('the finding names the hostile function as text', text.includes('evil.com/x.</svg><script>alert(4)</script>'));
		check('control bytes shown, not passed', !/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/.test(text + names.join('')) && names.some((n) => n.includes('\\x01')));
		check('JSON parses and keeps the names', JSON.stringify(report).includes('</svg><script>alert(4)</script>'));
		// a sandwich of a hostile name, typed into the search box: built as
		// text in the page, nothing runs
		const evil = 'evil.com/x.</svg><script>alert(4)</script>';
		await ev('document.querySelector("input.flame-search").focus()');
		await s('Input.insertText', { text: evil });
		await ev('document.querySelector("button.flame-sandwich").click()');
		await sleep(200);
		const hv = await ev(`(() => { const v = document.querySelector(".sandwich-view"), h = v.querySelector("h3");
			return { fn: v.getAttribute("data-function"), head: h ? h.textContent : "", graphs: v.querySelectorAll("svg.flamegraph").length,
				 root: v.querySelector('svg.flamegraph g.f[data-d="0"] title') ? v.querySelector('svg.flamegraph g.f[data-d="0"] title').textContent.split("\\n")[0] : "" }; })()`);
		check('hostile sandwich: drawn for the name as text (' + hv.head + ')', hv.fn === evil && hv.graphs === 2 && hv.root === evil && hv.head.includes(evil));
		check('hostile sandwich: still two scripts, no element from the input', (await ev('document.scripts.length')) === 2 &&
			(await ev('document.querySelectorAll("img, iframe, object, embed, svg svg, foreignObject").length')) === 0);
	}
	check('no console error (' + errors.join(' | ') + ')', errors.length === 0);
	check('no request issued (' + requests.join(' ') + ')', requests.length === 0);
	if (shot) {
		await s('Emulation.setDeviceMetricsOverride', { width: 1100, height: 1300, deviceScaleFactor: 1, mobile: false });
		await ev('window.scrollTo(0, 0)');
		const r = await s('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: 1100, height: 1300, scale: 0.6 } });
		fs.writeFileSync(shot, Buffer.from(r.data, 'base64'));
	}
}

main().then(() => {
	for (const f of fails) console.log('FAIL: ' + f);
	if (!fails.length) console.log('ok');
}, (err) => {
	console.log('FAIL: ' + err.message);
	fails.push(err);
}).finally(() => {
	proc.on('exit', () => {
		try { fs.rmSync(profile, { recursive: true, force: true }); } catch (err) { /* left in TMPDIR */ }
		process.exit(fails.length ? 1 : 0);
	});
	proc.kill();
});
