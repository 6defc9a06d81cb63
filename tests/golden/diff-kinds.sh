#!/bin/sh
# coroner diff on non-profile inputs, against the files themselves and the
# leaking program's own counts:
# - smaps_rollup / status: every field's base/new equals the file's kB value x 1024;
# - goroutine dumps (mixed formats): the leaking function's delta equals the
#   growth the program itself recorded (testdata/goroutines/expected/leak.txt).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$1" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
cap=$TESTDATA/capture
for f in smaps_rollup status; do
	[ -f "$cap/before/$f" ] || continue
	"$CORONER" diff --format=json "$cap/before/$f" "$cap/after/$f" > "$tmp/d.json" || { check bad "diff $f exit"; continue; }
	for field in Rss VmRSS RssAnon Anonymous Pss VmSwap; do
		b=$(awk -v k="$field:" '$1==k && $3=="kB"{print $2*1024}' "$cap/before/$f")
		n=$(awk -v k="$field:" '$1==k && $3=="kB"{print $2*1024}' "$cap/after/$f")
		[ -n "$b" ] || continue
		# the JSON object for this field: name, base, new, delta on consecutive lines
		got=$(awk -v k="\"$field\"" '$0 ~ "\"name\": " k {f=1; next} f && /"base"/ {gsub(/[^0-9-]/,""); b=$0} f && /"new"/ {gsub(/[^0-9-]/,""); n=$0} f && /"delta"/ {gsub(/[^0-9-]/,""); print b, n, $0; exit}' "$tmp/d.json")
		if [ "$got" = "$b $n $((n - b))" ]; then check ok; else check bad "$f $field: got '$got', want '$b $n $((n - b))'"; fi
	done
done
g=$TESTDATA/goroutines
if [ -f "$g/expected/leak.txt" ]; then
	fn=$(sed -n 's/^leaking function: \([^ ]*\).*/\1/p' "$g/expected/leak.txt")
	c1=$(sed -n 's/^snapshot=1 leakWorker=\([0-9]*\).*/\1/p' "$g/expected/leak.txt")
	c2=$(sed -n 's/^snapshot=2 leakWorker=\([0-9]*\).*/\1/p' "$g/expected/leak.txt")
	for pair in "goroutine.1.pb.gz goroutine.2.dump" "goroutine.1.txt goroutine.2.pb.gz" "goroutine.1.dump goroutine.2.txt"; do
		set -- $pair
		"$CORONER" diff --format=json "$g/$1" "$g/$2" > "$tmp/g.json" || { check bad "diff $pair exit"; continue; }
		first=$(grep -m1 '"function"' "$tmp/g.json" | sed 's/.*: "\(.*\)".*/\1/')
		delta=$(grep -m1 '"delta"' "$tmp/g.json" | tr -dc '0-9-')
		if [ "$first" = "$fn" ] && [ "$delta" = "$((c2 - c1))" ]; then check ok; else check bad "goroutines $pair: first $first delta $delta, want $fn $((c2 - c1))"; fi
	done
fi
[ "$pass" -gt 0 ] || { echo "SKIP: no test data"; exit 77; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
