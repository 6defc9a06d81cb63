#!/bin/sh
# coroner symbolize against the recorded llvm-symbolizer / go tool addr2line
# outputs of testdata/bin/expected (see its INDEX): same function, file and
# line for every frame, inline frames included.
#
# Normalisations, each a documented difference and nothing else:
#  * llvm-symbolizer prefixes Go -trimpath file names with DW_AT_comp_dir "."
#    ("./symprog/main.go"); the pclntab (what the Go runtime prints) has
#    "symprog/main.go".
#  * Go binaries: assembly functions are "runtime.exit.abi0" in DWARF and
#    "runtime.exit" in the pclntab; on arm64 the pclntab names array equality
#    functions "type..eq.[...]T" where DWARF says "type..eq.[9]T". The
#    pclntab is the authority (the names the runtime prints).
#  * gosym-stripped: llvm-symbolizer prints ?? (no DWARF); it is compared
#    with gosym's reference instead (byte-identical .text, see INDEX).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
E=$TESTDATA/bin/expected
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
for b in gosym gosym-pie gosym-stripped gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie; do
	gunzip -c "$TESTDATA/bin/$b.gz" > "$tmp/$b" || { echo "SKIP: cannot gunzip $b"; exit 77; }
done
norm_names() { sed -e 's/\.abi0$//' -e 's/^type\.\.eq\.\[[0-9]*\]/type..eq.[...]/' ; }
cmp_one() { # label want got
	if diff "$2" "$3" > "$tmp/d"; then
		pass=$((pass+1))
	else
		fail=$((fail+1))
		echo "FAIL $1"
		head -20 "$tmp/d"
	fi
}
for ref in "$E"/*.llvm.txt "$E"/*.llvm.noinlines.txt; do
	[ -f "$ref" ] || continue
	base=${ref##*/}
	case "$base" in *.noinlines.txt) key=${base%.llvm.noinlines.txt} opt=--no-inlines ;;
	                *) key=${base%.llvm.txt} opt= ;; esac
	case "$base" in *.llvm.noinlines.txt) ;; *.noinlines*) continue ;; esac
	bin=${key%.main}
	addrs=$E/$key.addrs
	want=$ref
	case "$bin" in gosym-stripped) want=$E/gosym${key#gosym-stripped}.llvm.txt ;; esac
	[ -f "$addrs" ] || continue
	"$CORONER" symbolize -e "$tmp/$bin" $opt < "$addrs" > "$tmp/got" 2> "$tmp/err" || {
		echo "FAIL $base: exit $?"; cat "$tmp/err"; fail=$((fail+1)); continue; }
	case "$bin" in
	gosym*)
		sed 's#^\./##' "$want" | norm_names > "$tmp/want"
		norm_names < "$tmp/got" > "$tmp/got2" ;;
	*)	cp "$want" "$tmp/want"; cp "$tmp/got" "$tmp/got2" ;;
	esac
	cmp_one "$base" "$tmp/want" "$tmp/got2"
done
# go tool addr2line (pclntab, no inline expansion) == --no-inlines without the column
for ref in "$E"/*.addr2line.txt; do
	base=${ref##*/}; key=${base%.addr2line.txt}; bin=${key%.main}
	case "$bin" in gosym-pie) continue ;; esac # go tool addr2line prints ? for all of it (INDEX notes)
	"$CORONER" symbolize -e "$tmp/$bin" --no-inlines < "$E/$key.addrs" |
		awk 'BEGIN { RS = ""; FS = "\n" } { l = $2; sub(/:[0-9]+$/, "", l); print $1; print l }' > "$tmp/got"
	cmp_one "$base" "$ref" "$tmp/got"
done
# JSON: same frames as llvm-symbolizer's JSON, in order, one object per line
if command -v python3 >/dev/null 2>&1; then
	for key in gosym.main csym-dwarf5 csym-dwarf4-gz csym-pie gosym-arm64.main; do
		bin=${key%.main}
		"$CORONER" symbolize -e "$tmp/$bin" --format=json < "$E/$key.addrs" > "$tmp/got.json"
		python3 - "$E/$key.llvm.json" "$tmp/got.json" > "$tmp/d" 2>&1 <<'PY'
import json, re, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(want) == len(got), (len(want), len(got))
def n(s): return re.sub(r'^type\.\.eq\.\[\d*\]', 'type..eq.[...]', re.sub(r'\.abi0$', '', s))
bad = 0
for w, g in zip(want, got):
    assert int(w["Address"], 16) == int(g["address"], 16)
    wf = [(n(s["FunctionName"]), re.sub(r'^\./', '', s["FileName"]), s["Line"]) for s in w["Symbol"] if s["FunctionName"] != ""]
    gf = [(n(f["function"]), f["file"], f["line"]) for f in g["frames"]]
    if wf != gf:
        bad += 1
        print(w["Address"], wf, gf)
sys.exit(1 if bad else 0)
PY
		if [ $? = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $key json"; head "$tmp/d"; fi
	done
fi
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || exit 77
[ "$fail" = 0 ]
