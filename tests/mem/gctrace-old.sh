#!/bin/sh
# gctrace logs beyond the Go 1.5+ "gc N @" lines (testdata/scavtrace,
# testdata/gen/scavtrace.sh): the "gcN(P): ..." lines of Go <= 1.4 and the
# scavenger's "scvgN: ..." lines of Go <= 1.14, both WRITTEN by the generator
# from the runtime's printf formats (no Go 1.4 toolchain runs here), and the
# real "scav ..." lines (GODEBUG=scavtrace=1) that Go 1.15, 1.19 and 1.26
# printed for gen/scavprog. Every expected number is read from the files
# with awk, never from coroner's output.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D=$TESTDATA/scavtrace
[ -f "$D/old-go1.4.txt" ] || { echo "SKIP: no testdata/scavtrace"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
R=$TESTDATA/mem/smaps_rollup
tmp=${TMPDIR:-/tmp}/gctrace-old.$$
mkdir -p "$tmp"; trap 'rm -rf "$tmp"' EXIT
fail=0

for f in old-go1.4 old-go1.2 scav-go1.15 scav-go1.19 scav-go1.26 gctrace-go1.19-only; do
	"$CORONER" mem --format=json --gctrace "$D/$f.txt" "$R" >"$tmp/$f.json" 2>"$tmp/$f.err" ||
		{ echo "FAIL: $f: mem exits $?: $(cat "$tmp/$f.err")"; fail=1; continue; }
	# references from the file: gc lines, the last one's heap figures and the
	# longest pause (Go <= 1.4: the phases of the pause, us in 1.3/1.4, ms
	# before); the last scvg summary; the scav lines
	awk '
	/^gc[0-9]+\([0-9]+\): / {
		n++; split($2, t, "+"); us = ($3 == "us,"); p = 0
		for (k in t) p += t[k]; if (us) p /= 1000; if (p > maxp) maxp = p
		h0 = $4; h1 = $6; old = 1 }
	/^gc [0-9]+ @/ { n++ }
	/^scvg[0-9]*: inuse: / { gsub(/,/, ""); rel = $9; cons = $11; sys = $7; scvg++ }
	/^scvg[0-9]*: [0-9]+ MB released/ { freed += $2; scvg++ }
	/^scvg[0-9]*: GC forced/ { scvg++ }
	/^scav / { scav++; line = $0; gsub(/,/, "", line); m = split(line, w, " ")
		for (k = 2; k < m; k++) {
			if (w[k + 1] == "KiB" && w[k + 2] == "work") work += w[k]
			if (w[k + 1] == "KiB" && (w[k + 2] == "total" || w[k + 2] == "now")) tot = w[k] } }
	END { printf "%d %d %s %s %s %s %s %s %d %d %s %s\n", n, old, h0 + 0, h1 + 0, maxp + 0, rel + 0, cons + 0, sys + 0,
		scvg, scav, tot / 1024, work / 1024 }' "$D/$f.txt" >"$tmp/$f.ref"
	python3 - "$f" "$tmp/$f.json" $(cat "$tmp/$f.ref") <<'PY' || fail=1
import json, sys
name, path = sys.argv[1], sys.argv[2]
n, old, h0, h1, maxp, rel, cons, sys_mb, scvg, scav, tot, work = sys.argv[3:]
d = json.load(open(path))
g = d["gc"]
assert g is not None, name
assert g["count"] == int(n), (name, g["count"], n)
assert g["go14_lines"] == (old == "1"), name
sc = g["scavenger"]
if int(scvg) == 0 and int(scav) == 0:
    assert sc is None, (name, sc)
if int(scvg):
    assert sc["scvg_lines"] == int(scvg), (name, sc)
    assert sc["released_mb"] == float(rel) and sc["consumed_mb"] == float(cons) and sc["sys_mb"] == float(sys_mb), (name, sc)
if int(scav):
    assert sc["scav_lines"] == int(scav), (name, sc)
    assert abs(sc["released_mb"] - float(tot)) < 0.01 and abs(sc["released_by_lines_mb"] - float(work)) < 0.01, (name, sc, tot, work)
if old == "1":
    assert g["live_last_mb"] == float(h1) and abs(g["pause_max_ms"] - float(maxp)) < 1e-6, (name, g, h1, maxp)
    assert g["goal_last_mb"] is None
    # the Go heap of the ledger rests on the last line's heap, as for 1.5+ lines
    c = [c for c in d["components"] if c["name"] == "go_heap_inuse"][0]
    assert c["bytes"] == int(max(float(h0), float(h1)) * 1048576), (name, c)
    assert "Go <= 1.4" in c["source"], c
PY
done
# the file is recognised as a gctrace log by its old lines alone
"$CORONER" report "$D/old-go1.2.txt" >"$tmp/report" 2>&1
n=$(grep -c '^gc[0-9]*([0-9]*): ' "$D/old-go1.2.txt")
grep -q "gc_pressure: $n GCs in Go <= 1.4 lines" "$tmp/report" || { echo "FAIL: report on Go 1.2 lines"; cat "$tmp/report"; fail=1; }
exit $fail
