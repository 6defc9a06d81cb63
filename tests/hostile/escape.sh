#!/bin/sh
# Every output context holds every input string to its escaping rules
# (lib/util/escape.c). The input, tests/hostile/cases/esc-names.pb (made by
# make-cases.py), names functions with terminal escapes (OSC 52, OSC 0,
# ESC[2J), invalid UTF-8 of each kind (surrogate, past U+10FFFF, F5/FF,
# overlong, cut), U+FFFE/U+FFFF, C1 controls, a NUL, spreadsheet formulas,
# commas, quotes and newlines; its sample type, mapping file, build id and
# comment carry escapes, its unit is "<script>alert(1)</script>a&b".
#   text (top, diff, usage errors): no control byte, valid UTF-8, NUL shown
#   JSON (top, flame): parses, NUL as \u0000
#   CSV (top): RFC 4180 (Python's csv reads 6 cells a row), no cell starts
#     with = + - @, formulas kept behind a '
#   XML (flame SVG): xmllint reads it, one <script> (the viewer's own)
set -u
: "${CORONER:?}" "${TESTS:?}"
in=$TESTS/hostile/cases/esc-names.pb
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
clean() { # FILE: no control bytes but \t \n, and valid UTF-8
	if LC_ALL=C grep -q '[[:cntrl:]]' "$1" &&
	   [ -n "$(LC_ALL=C tr -d '\t\n' < "$1" | LC_ALL=C tr -d '[:print:]\200-\377' | head -c 1)" ]; then
		return 1
	fi
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}
# text
"$CORONER" top "$in" > "$tmp/top.txt" 2> "$tmp/err" || bad "top: exit $?"
clean "$tmp/top.txt" && ok || bad "top text: control bytes or invalid UTF-8"
for want in 'File: \x1b]52;c;' 'Build ID: id\x1b]52' 'comment\x1b]52' 'Type: space\x1b]52' \
	'nul\x00inside' 'sur\xed\xa0\x80rogate' 'past\xf4\x90\x80\x80max' 'byte\xf5\xff' \
	'overlong\xc0\xaf\xe0\x80\xaf' 'nonchar\ufffe\uffff' 'c1\u0085\u009b' 'cut\xe2\x82' 'new\x0aline'; do
	grep -qF -- "$want" "$tmp/top.txt" && ok || bad "top text lacks '$want'"
done
"$CORONER" diff "$in" "$in" > "$tmp/diff.txt" 2>&1 || bad "diff: exit $?"
clean "$tmp/diff.txt" && ok || bad "diff: control bytes"
grep -qF 'Type: space\x1b]52' "$tmp/diff.txt" && ok || bad "diff: Type line not escaped"
"$CORONER" top -i nosuch "$in" > /dev/null 2> "$tmp/usage.txt"
[ $? = 2 ] && ok || bad "top -i nosuch: not a usage error"
clean "$tmp/usage.txt" && grep -qF 'space\x1b]52' "$tmp/usage.txt" && ok || bad "-i usage error: types not escaped"
# JSON
"$CORONER" top --format=json "$in" > "$tmp/top.json" || bad "top json: exit $?"
"$CORONER" flame --format=json "$in" > "$tmp/flame.json" || bad "flame json: exit $?"
for j in top.json flame.json; do
	python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$tmp/$j" && ok || bad "$j: not JSON"
	clean "$tmp/$j" && ok || bad "$j: control bytes or invalid UTF-8"
done
grep -qF '"nul\u0000inside"' "$tmp/top.json" && ok || bad "JSON: NUL not \\u0000"
# CSV
"$CORONER" top --format=csv "$in" > "$tmp/top.csv" || bad "top csv: exit $?"
clean "$tmp/top.csv" && ok || bad "csv: control bytes or invalid UTF-8"
python3 - "$tmp/top.csv" <<'PY' && ok || bad "csv: not RFC 4180 or a formula cell"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'), strict=True))
assert rows[0] == ['name', 'flat', 'flat_pct', 'sum_pct', 'cum', 'cum_pct'], rows[0]
names = [r[0] for r in rows[1:]]
assert all(len(r) == 6 for r in rows), [r for r in rows if len(r) != 6]
assert not [n for n in names if n[:1] in ('=', '+', '-', '@')], names
for want in ("'=cmd|' /C calc'!A0", "'+1+1", "'-2", "'@SUM(A1)", 'quo"te', 'new\\x0aline',
             'comma,\\x1b]52;c;Y2FsYw==\\x07\\x1b]0;owned\\x07\\x1b[2Jx', 'nul\\x00inside'):
    assert want in names, (want, names)
PY
# XML
"$CORONER" flame -o "$tmp/flame.svg" "$in" || bad "flame svg: exit $?"
xmllint --noout "$tmp/flame.svg" && ok || bad "SVG not well-formed"
n=$(xmllint --xpath 'count(//*[local-name()="script"])' "$tmp/flame.svg" 2>/dev/null)
[ "$n" = 1 ] && ok || bad "SVG has $n script elements (the viewer's own is 1)"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;a&amp;b' "$tmp/flame.svg" && ok || bad "SVG: unit not escaped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
