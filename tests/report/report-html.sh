#!/bin/sh
# coroner report --format=html, checked in a real browser: headless Chromium
# driven over the DevTools protocol by html-check.js (Node, no package).
#   - the demo capture (testdata/capture before/after and the binary, as
#     scripts/demo runs it): no console error, no request, every finding's
#     subject (from the embedded JSON) in the DOM, the ledger chart, goroutine
#     small multiples, a flame graph; typing a regex highlights exactly the
#     frames it matches; a mouse click on a frame zooms into it; the flip
#     button turns a graph into an icicle and back; clicking a frame of
#     main.(*cache).fill then Sandwich draws its callers and callees, rooted
#     at pprof's cum for it (testdata/capture/expected/after.allocs.pb.gz.top.txt);
#   - the RSS ledger chart of each capture adds up to its smaps_rollup Rss,
#     also for a capture without an rss_gap finding (testdata/oom);
#   - tests/hostile/cases/html-names.pb (function names made of <script>,
#     "><img onerror>, </svg>, </script>, ]]>, control bytes): shown as text,
#     nothing runs, no element from the input, no dialog, no request; the
#     sandwich of a hostile name (typed into the search box) is text too.
# Without chromium or node (scripts/deps --test installs both) the browser
# part says SKIP; the file checks run anyway.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then :; else echo "FAIL: $1"; fail=1; fi; }
cap=$TESTDATA/capture

"$CORONER" report --format=html -o "$tmp/demo.html" "$cap/before" "$cap/after" "$cap/captureprog.gz" 2>"$tmp/err"
rc=$?
check "demo report exits 0 (got $rc)" '[ $rc = 0 ]'
check "one document" '[ $(grep -c "<html" "$tmp/demo.html") = 1 ] && tail -1 "$tmp/demo.html" | grep -q "</html>"'
check "CSP forbids every load" "grep -q \"default-src 'none'\" \"\$tmp/demo.html\""
check "no URL to load from" '! grep -Eiq "(src|href)=\"(https?:|//)|@import|url\(" "$tmp/demo.html"'
# the JSON embedded is the JSON report, byte for byte once unescaped
"$CORONER" report --format=json "$cap/before" "$cap/after" "$cap/captureprog.gz" >"$tmp/r.json" 2>/dev/null
if command -v python3 >/dev/null 2>&1; then
	check "embedded JSON = --format=json" 'python3 - "$tmp/demo.html" "$tmp/r.json" <<"PY"
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<script type=\"application/json\" id=\"report-json\">(.*?)</script>", page, re.S)
sys.exit(0 if m and json.loads(m.group(1)) == json.load(open(sys.argv[2])) else 1)
PY'
fi
# the RSS ledger of each capture: its chart's components add up to the Rss
# of the capture's smaps_rollup (the file's kB), in the page and in the JSON;
# testdata/oom has no rss_gap finding (the Go heap explains RSS) and still
# has its chart
"$CORONER" report --format=html -o "$tmp/oom.html" "$TESTDATA/oom" 2>/dev/null
"$CORONER" report --format=json "$TESTDATA/oom" >"$tmp/oom.json" 2>/dev/null
check "oom: no rss_gap finding" '! grep -q "\"kind\": \"rss_gap\"" "$tmp/oom.json"'
rss_kb() { awk '$1 == "Rss:" { print $2 * 1024 }' "$1"; }
ledger_check() { # PAGE JSON CAPTURE-NUMBER EXPECTED-BYTES
	python3 - "$@" <<"PY"
import json, re, sys
page, js, n, want = open(sys.argv[1], encoding="utf-8").read(), json.load(open(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
bar = re.search(r'<g class="bar" data-capture="%d" data-rss="(-?\d+)">(.*?)</g>' % n, page, re.S)
parts = [int(v) for v in re.findall(r'data-bytes="(-?\d+)"', bar.group(2))] if bar else []
led = js["captures"][n - 1]["ledger"]
ok = bar and sum(parts) == want == int(bar.group(1)) and len(parts) >= 3
ok = ok and led["rss"] == want and sum(led["components"].values()) == want
if not ok:
    print("chart", parts, "sum", sum(parts), "json", led, "want", want)
sys.exit(0 if ok else 1)
PY
}
if command -v python3 >/dev/null 2>&1; then
	check "demo: ledger of capture 1 adds up to before/smaps_rollup Rss" 'ledger_check "$tmp/demo.html" "$tmp/r.json" 1 $(rss_kb "$cap/before/smaps_rollup")'
	check "demo: ledger of capture 2 adds up to after/smaps_rollup Rss" 'ledger_check "$tmp/demo.html" "$tmp/r.json" 2 $(rss_kb "$cap/after/smaps_rollup")'
	check "oom: the ledger chart without an rss_gap finding" 'ledger_check "$tmp/oom.html" "$tmp/oom.json" 1 $(rss_kb "$TESTDATA/oom/smaps_rollup")'
fi
# -o is atomic: a failed run leaves the previous file
cp "$tmp/demo.html" "$tmp/keep.html"
"$CORONER" report --format=html -o "$tmp/keep.html" "$tmp/nosuch" 2>/dev/null
check "failed run keeps the old -o file" 'cmp -s "$tmp/demo.html" "$tmp/keep.html"'
"$CORONER" report --format=html -o "$tmp/hostile.html" "$TESTS/hostile/cases/html-names.pb" 2>/dev/null
rc=$?
check "hostile report exits 0 (got $rc)" '[ $rc = 0 ]'
check "hostile: two <script> elements (the JSON, the page's)" '[ $(grep -o "<script" "$tmp/hostile.html" | wc -l) = 2 ]'
check "hostile: no <img" '! grep -qi "<img" "$tmp/hostile.html"'
# a core's threads: each thread Delve listed for the same core
# (testdata/bin/expected/core-gosym.dlv.txt), with its pc and function
bin=$TESTDATA/bin
"$CORONER" report --format=html -o "$tmp/core.html" "$bin/gosym.gz" "$bin/core-gosym.zst" 2>/dev/null
rc=$?
check "core report exits 0 (got $rc)" '[ $rc = 0 ]'
n=0
while read -r _ tid _ pc loc fn; do
	n=$((n + 1))
	check "core thread $tid at $pc $fn ($loc)" 'grep -q "<td class=\"r\">$tid[^<]*</td>.*<td class=\"mono\">$pc</td><td class=\"mono\">$fn</td><td class=\"mono\">$loc</td>" "$tmp/core.html"'
done <<EOT
$(sed -n 's/^[* ] Thread \([0-9]*\) at \(0x[0-9a-f]*\) \([^ ]*\) \([^ ]*\)$/Thread \1 at \2 \3 \4/p' "$bin/expected/core-gosym.dlv.txt")
EOT
check "Delve's threads found ($n)" '[ "$n" -gt 0 ]'

if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node not installed (scripts/deps --test): browser checks not run"
	[ "$fail" = 0 ] || exit 1
	exit 77
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium not installed (scripts/deps --test): browser checks not run"
	[ "$fail" = 0 ] || exit 1
	exit 77
fi
# the sandwich drawn in the page for main.(*cache).fill of the alloc_space
# graph (after/allocs.pb.gz): its roots are pprof's cum for the function
fn='main.(*cache).fill'
cum=$(awk -v fn="$fn" '$NF == fn { sub(/B$/, "", $4); print $4 }' "$cap/expected/after.allocs.pb.gz.top.txt")
check "pprof's cum of $fn recorded ($cum)" '[ -n "$cum" ]'
out=$(timeout 180 node "$TESTS/report/html-check.js" "$chromium" "$tmp/demo.html" demo "$fn=$cum" 2>&1)
check "demo in Chromium: $out" '[ "$out" = ok ]'
out=$(timeout 180 node "$TESTS/report/html-check.js" "$chromium" "$tmp/hostile.html" hostile 2>&1)
check "hostile in Chromium: $out" '[ "$out" = ok ]'
"$CORONER" flame -i alloc_space --sandwich='main.(*cache).fill' -o "$tmp/s.svg" "$cap/after/heap.pb.gz"
out=$(timeout 180 node "$TESTS/report/html-check.js" "$chromium" "$tmp/s.svg" svg 2>&1)
check "flame --sandwich SVG in Chromium: $out" '[ "$out" = ok ]'
[ "$fail" = 0 ] && echo "ok"
exit $fail
