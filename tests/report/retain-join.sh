#!/bin/sh
# report's joins with the Go heap of a core, on the runs of gen/retainprog
# (testdata/retain, gen/retain.sh): an early capture (heap profile, goroutine
# dump with one leaked goroutine) and a late one (heap profile, the core and
# its binary). Against the program's own measurements
# (expected/retain-1.N.stdout, HeapAlloc deltas across building each root):
#   - retained_by names the root the program measured largest, with its
#     retained bytes within 2% of the measurement;
#   - the goroutine_leak finding of main.leak says its goroutines' stacks
#     retain the "main.leak" measurement within 3% (the delta also counts
#     the goroutines' g structs), over the program's nLeaks = 8 goroutines;
#   - heap_growth's "who keeps it" names that largest root and its bytes;
#   - the text and HTML reports carry the same answers.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL $*"; fail=$((fail+1)); }
within() { # GOT WANT PERCENT
	awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'
}
D=$TESTDATA/retain
for p in "$D"/profiles-1.*; do
	[ -d "$p/early" ] || continue
	v=${p##*/profiles-}
	rm -rf "$tmp/early" "$tmp/late"
	cp -r "$p/early" "$tmp/early"
	cp -r "$p/late" "$tmp/late"
	gunzip -c "$D/retain-$v.gz" >"$tmp/late/retain"
	zstd -d -q -f "$D/core-$v.zst" -o "$tmp/late/core" || { bad "$v: zstd"; continue; }
	if ! "$CORONER" report --format=json "$tmp/early" "$tmp/late" >"$tmp/out.json" 2>"$tmp/err"; then
		bad "$v: exit"; cat "$tmp/err"; continue
	fi
	ref=$D/expected/retain-$v.stdout
	# the largest root the program measured (globals: the name is the symbol)
	top=$(awk -F'\t' '$1 == "root" && $3 > m { m = $3; n = $2 } END { print n }' "$ref")
	topb=$(awk -F'\t' -v n="$top" '$1 == "root" && $2 == n { print $3 }' "$ref")
	leakb=$(awk -F'\t' '$1 == "root" && $2 == "main.leak" { print $3 }' "$ref")
	got=$(jq -r '.findings[] | select(.kind=="retained_by") | .subject' "$tmp/out.json")
	[ "$got" = "$top" ] && ok || bad "$v: retained_by subject '$got', the program's largest root is $top"
	got=$(jq -r '.findings[] | select(.kind=="retained_by") | .evidence.retained_bytes' "$tmp/out.json")
	within "$got" "$topb" 2 && ok || bad "$v: retained_by $top retains $got, the program measured $topb"
	got=$(jq -r '.findings[] | select(.kind=="retained_by") | .evidence.roots[0].root' "$tmp/out.json")
	[ "$got" = "$top" ] && ok || bad "$v: the roots table starts with '$got', not $top"
	got=$(jq -r '.findings[] | select(.kind=="goroutine_leak" and .subject=="main.leak") | .evidence.stack_retained_bytes' "$tmp/out.json")
	within "$got" "$leakb" 3 && ok || bad "$v: main.leak's stacks retain '$got', the program measured $leakb"
	got=$(jq -r '.findings[] | select(.kind=="goroutine_leak" and .subject=="main.leak") | .evidence.stack_retained_goroutines' "$tmp/out.json")
	[ "$got" = 8 ] && ok || bad "$v: $got goroutines of main.leak joined, the program leaks 8"
	got=$(jq -r '.findings[] | select(.kind=="heap_growth") | .evidence.kept_by' "$tmp/out.json")
	[ "$got" = "$top" ] && ok || bad "$v: heap_growth kept_by '$got', want $top"
	got=$(jq -r '.findings[] | select(.kind=="heap_growth") | .evidence.kept_by_bytes' "$tmp/out.json")
	within "$got" "$topb" 2 && ok || bad "$v: heap_growth kept_by_bytes $got, the program measured $topb"
	jq -r '.findings[] | select(.kind=="heap_growth") | .evidence.next_step' "$tmp/out.json" | grep -q "who keeps it: in the core" &&
		ok || bad "$v: heap_growth's next step does not answer who keeps it"
	# text and HTML: the same findings
	"$CORONER" report "$tmp/early" "$tmp/late" >"$tmp/out.txt" 2>/dev/null
	grep -q "retained_by  $top" "$tmp/out.txt" && grep -q "their stacks retain" "$tmp/out.txt" &&
		grep -q "who keeps it: roots retaining the most in the core" "$tmp/out.txt" && ok || bad "$v: text report"
	"$CORONER" report --format=html -o "$tmp/out.html" "$tmp/early" "$tmp/late" 2>/dev/null
	grep -q 'data-kind="retained_by"' "$tmp/out.html" && grep -q "their stacks retain" "$tmp/out.html" && ok ||
		bad "$v: HTML report"
done
[ $pass -gt 0 ] || { echo "SKIP: no testdata/retain profiles"; exit 77; }
echo "retain-join: $pass passed, $fail failed"
[ $fail = 0 ]
