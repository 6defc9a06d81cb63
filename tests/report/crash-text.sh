#!/bin/sh
# report's crash finding on tracebacks of gen/panicprog's fatal errors and
# of a fault inside os/exec (testdata/panic/goVER/text-*.txt, gen/panic.sh),
# against the traceback itself:
#   - the subject is the innermost frame of package main of the first
#     goroutine printed (not sync.runtime_Semacquire, not os/exec);
#   - a deadlock lists every goroutine: the group counts add up to the
#     traceback's goroutine headers, the main.worker group to the headers
#     whose first frame is main.worker;
#   - each of deadlock, concurrent map writes and stack overflow has its own
#     explanation; the "nil or out of range" hint only for the nil fault.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$2" = "$3" ]; then pass=$((pass+1)); else echo "FAIL $1: got '$2', want '$3'"; fail=$((fail+1)); fi; }
for d in "$TESTDATA"/panic/go1.*; do
	[ -f "$d/text-deadlock.txt" ] || continue
	v=${d##*/}
	for m in deadlock mapwrites overflow exec; do
		"$CORONER" report --format=json "$d/text-$m.txt" >"$tmp/$m.json" 2>"$tmp/err" ||
			{ echo "FAIL $v $m: exit"; cat "$tmp/err"; fail=$((fail+1)); continue; }
		want=$(awk '/^goroutine /{n++} n==1 && /^main\./{sub(/\(.*/, ""); print; exit}' "$d/text-$m.txt")
		check "$v $m subject" "$(jq -r '.findings[] | select(.kind=="crash") | .subject' "$tmp/$m.json")" "$want"
		# the text's "next:" (JSON has no hint), its lines joined
		"$CORONER" report "$d/text-$m.txt" 2>/dev/null | tr -s ' \n' '  ' |
			sed 's/.*next: //; s/ [0-9]* finding.*//' >"$tmp/$m.next"
	done
	f=$d/text-deadlock.txt
	check "$v deadlock goroutines" "$(jq '[.findings[] | select(.kind=="crash") | .evidence.blocked[].count] | add' "$tmp/deadlock.json")" \
		"$(grep -c '^goroutine [0-9]* \[' "$f")"
	check "$v deadlock workers" "$(jq '.findings[] | select(.kind=="crash") | .evidence.blocked[] | select(.function=="main.worker") | .count' "$tmp/deadlock.json")" \
		"$(awk '/^goroutine [0-9]+ \[/{getline; if ($0 ~ /^main\.worker\(/) n++} END{print n+0}' "$f")"
	for m in deadlock mapwrites overflow; do
		check "$v $m: no nil/range hint" "$(grep -c 'nil or out of range' "$tmp/$m.next")" 0
	done
	check "$v exec: nil hint" "$(grep -c 'nil or out of range' "$tmp/exec.next")" 1
	check "$v: three explanations" "$(for x in deadlock mapwrites overflow; do cat "$tmp/$x.next"; echo; done | sort -u | wc -l)" 3
done
[ $pass -gt 0 ] || { echo "SKIP: no testdata/panic"; exit 77; }
echo "crash-text: $pass passed, $fail failed"
[ $fail -eq 0 ]
