#!/bin/sh
# report orders captures by their own time, whatever order they are given
# in: gen/panicprog's leak mode (testdata/panic/goVER/leak, gen/panic.sh)
# wrote goroutine dumps t0 and t1 (its profiles carry time_nanos), then
# crashed into a core. Given as BIN CORE t1/ t0/, the captures are t0, t1,
# core, and the goroutine_leak finding counts main.waitForever in each as the
# runtime printed them: the dumps' stacks and the crash traceback's.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL $1: got '$2', want '$3'"; fail=$((fail+1)); fi; }
for d in "$TESTDATA"/panic/go1.*; do
	[ -f "$d/leak/core.zst" ] || continue
	v=${d##*/} L=$d/leak
	gunzip -c "$d/panicprog.gz" >"$tmp/bin"
	zstd -d -q -f "$L/core.zst" -o "$tmp/core" || { echo "FAIL $v: zstd"; fail=$((fail+1)); continue; }
	for order in "$tmp/core $L/t1 $L/t0" "$L/t1 $tmp/core $L/t0"; do
		# shellcheck disable=SC2086
		"$CORONER" report --format=json "$tmp/bin" $order >"$tmp/out.json" 2>"$tmp/err" ||
			{ echo "FAIL $v: exit"; cat "$tmp/err"; fail=$((fail+1)); continue; }
		check "$v order" "$(jq -r '.captures[].path' "$tmp/out.json" | tr '\n' ' ')" "$L/t0 $L/t1 $tmp/core "
		want="$(grep -c '^main.waitForever(' "$L/t0/goroutine.txt") $(grep -c '^main.waitForever(' "$L/t1/goroutine.txt") $(grep -c '^main.waitForever(' "$L/crash.txt")"
		got=$(jq -r '.findings[] | select(.kind=="goroutine_leak" and .subject=="main.waitForever") | .evidence.counts[].count' "$tmp/out.json" | tr '\n' ' ')
		check "$v counts ($order)" "$got" "$want "
	done
done
[ $pass -gt 0 ] || { echo "SKIP: no testdata/panic/*/leak"; exit 77; }
echo "capture-order: $pass passed, $fail failed"
[ $fail -eq 0 ]
