#!/bin/sh
# coroner flame's SVG: well-formed XML (xmllint), self-contained (no external
# references), and it names the hottest functions — the top flat rows that
# `go tool pprof -top` recorded for the same profile (testdata/heap/expected).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v xmllint >/dev/null 2>&1 || { echo "SKIP: xmllint not installed (libxml2-utils)"; exit 77; }
tmp=${TMPDIR:-/tmp}/flame-svg.$$
mkdir -p "$tmp"; trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then :; else echo "FAIL: $1"; fail=1; fi; }

cd "$TESTDATA/heap" || exit 1
"$CORONER" flame -i alloc_space -o "$tmp/a.svg" heap.pb.gz; check "flame exits 0" '[ $? = 0 ]'
check "valid XML" 'xmllint --noout "$tmp/a.svg"'
check "no external references" '! grep -Eq "(href|src)=\"(https?:)?//" "$tmp/a.svg"'
check "has script and style" 'grep -q "<script" "$tmp/a.svg" && grep -q "<style" "$tmp/a.svg"'
# the three hottest functions by flat alloc_space, from pprof's own -top output
for fn in $(awk '/flat%/ { on = 1; next } on && n < 3 { print $6; n++ }' expected/heap.pb.gz.top.alloc_space.txt); do
	check "names $fn" 'grep -qF "<title>$fn" "$tmp/a.svg"'
done
# the root's width is the total pprof reports ("... of NB total")
total=$(sed -n 's/.* of \([0-9]*\)B total$/\1/p' expected/heap.pb.gz.top.alloc_space.txt)
check "root width = pprof total $total" 'grep -q "data-x=\"0\" data-w=\"$total\" data-d=\"0\"" "$tmp/a.svg"'

# --sandwich=FUNC: both halves are rooted at FUNC with FUNC's cumulative
# value, the cum column pprof printed for it; --icicle puts the root on top
cum=$(awk '$6 == "main.makeRecord" { sub(/B$/, "", $4); print $4 }' expected/heap.pb.gz.top.alloc_space.txt)
"$CORONER" flame -i alloc_space --sandwich=main.makeRecord -o "$tmp/s.svg" heap.pb.gz; check "sandwich exits 0" '[ $? = 0 ]'
check "sandwich valid XML" 'xmllint --noout "$tmp/s.svg"'
check "sandwich: two graphs" '[ $(grep -c "<svg class=\"flamegraph" "$tmp/s.svg") = 2 ]'
check "sandwich roots = pprof cum $cum" '[ -n "$cum" ] && [ $(grep -c "data-x=\"0\" data-w=\"$cum\" data-d=\"0\"><title>main.makeRecord" "$tmp/s.svg") = 2 ]'
"$CORONER" flame -i alloc_space --sandwich=no.such -o "$tmp/s.svg" heap.pb.gz 2>/dev/null; rc=$?
check "sandwich of an absent function exit 1 (got $rc)" '[ $rc = 1 ]'
"$CORONER" flame -i alloc_space --icicle -o "$tmp/i.svg" heap.pb.gz; check "icicle exits 0" '[ $? = 0 ]'
check "icicle valid XML" 'xmllint --noout "$tmp/i.svg"'
y0=$(xmllint --xpath 'string((//*[@data-d="0"])[1]/*[local-name()="rect"]/@y)' "$tmp/i.svg")
y1=$(xmllint --xpath 'string((//*[@data-d="1"])[1]/*[local-name()="rect"]/@y)' "$tmp/i.svg")
check "icicle: the root ($y0) above its children ($y1)" '[ -n "$y0" ] && [ -n "$y1" ] && [ "$y0" -lt "$y1" ]'

# differential graph of two real snapshots, and every other profile kind
"$CORONER" flame --diff-base=heap.pb.gz -o "$tmp/d.svg" heap2.pb.gz; check "diff exits 0" '[ $? = 0 ]'
check "diff valid XML" 'xmllint --noout "$tmp/d.svg"'
check "diff has a base" 'grep -q "(base " "$tmp/d.svg"'
"$CORONER" flame -o "$tmp/g.svg" "$TESTDATA/goroutines/goroutine.1.pb.gz"; check "goroutine exits 0" '[ $? = 0 ]'
check "goroutine valid XML" 'xmllint --noout "$tmp/g.svg"'
"$CORONER" flame -i alloc_space -o "$tmp/t.svg" heap.txt; check "heap.txt exits 0" '[ $? = 0 ]'
check "heap.txt valid XML" 'xmllint --noout "$tmp/t.svg"'

# a core with its binary: one frame stack per goroutine; dlv's record of the
# same core (testdata/bin/expected/core-gosym.dlv.txt) counts the goroutines
# and names the crashing one's frame
bin=$TESTDATA/bin
"$CORONER" flame --format=folded "$bin/gosym.gz" "$bin/core-gosym.zst" >"$tmp/core.folded"; rc=$?
check "core exits 0 (got $rc)" '[ $rc = 0 ]'
want=$(sed -n 's/^\[\([0-9]*\) goroutines\]$/\1/p' "$bin/expected/core-gosym.dlv.txt" | head -1)
got=$(awk '{ s += $NF } END { print s }' "$tmp/core.folded")
check "core goroutines $got = dlv's $want" '[ -n "$want" ] && [ "$got" = "$want" ]'
fn=$(sed -n 's/^\* Goroutine [0-9]* - User: [^ ]* \([^ ]*\) .*/\1/p' "$bin/expected/core-gosym.dlv.txt" | head -1)
check "core names $fn" '[ -n "$fn" ] && grep -qF ";$fn;" "$tmp/core.folded"'
"$CORONER" flame -o "$tmp/c.svg" "$bin/gosym.gz" "$bin/core-gosym.zst"
check "core valid XML" 'xmllint --noout "$tmp/c.svg"'

# bad input: one line, exit 1
printf 'garbage' >"$tmp/bad"
"$CORONER" flame -o "$tmp/x.svg" "$tmp/bad" 2>"$tmp/err"; rc=$?
check "bad input exit 1 (got $rc)" '[ $rc = 1 ] && [ $(wc -l <"$tmp/err") = 1 ]'
"$CORONER" flame -i nosuch heap.pb.gz >/dev/null 2>&1; rc=$?
check "unknown sample index exit 2 (got $rc)" '[ $rc = 2 ]'
[ "$fail" = 0 ] && echo "ok"
exit $fail
