#!/bin/sh
# goroutines --format=json on crash tracebacks of gen/panicprog
# (testdata/panic/goVER/text-*.txt): "crash" carries the traceback's own
# panic / fatal error line and signal line and the first goroutine header's
# id; every group lists its ids, and the ids are the traceback's headers.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL $1: got '$2', want '$3'"; fail=$((fail+1)); fi; }
for f in "$TESTDATA"/panic/go1.*/text-*.txt; do
	[ -f "$f" ] || continue
	n=${f#"$TESTDATA"/panic/}
	"$CORONER" goroutines --format=json "$f" >"$tmp/out.json" 2>"$tmp/err" ||
		{ echo "FAIL $n: exit"; cat "$tmp/err"; fail=$((fail+1)); continue; }
	check "$n message" "$(jq -r '.crash.message' "$tmp/out.json")" "$(grep -m1 -E '^(panic|fatal error): ' "$f")"
	want=$(grep -m1 '^\[signal ' "$f"); [ -n "$want" ] || want=null
	check "$n signal" "$(jq -r '.crash.signal' "$tmp/out.json")" "$want"
	check "$n goroutine" "$(jq -r '.crash.goroutine' "$tmp/out.json")" "$(grep -m1 -E '^goroutine [0-9]+ (gp=.*)?\[' "$f" | cut -d' ' -f2)"
	check "$n ids" "$(jq -r '.groups[].ids[]' "$tmp/out.json" | sort -n | tr '\n' ' ')" \
		"$(grep -E '^goroutine [0-9]+ (gp=.*)?\[' "$f" | cut -d' ' -f2 | sort -n | tr '\n' ' ')"
done
[ $pass -gt 0 ] || { echo "SKIP: no testdata/panic"; exit 77; }
echo "json-crash: $pass passed, $fail failed"
[ $fail -eq 0 ]
