#!/bin/sh
# coroner goroutines / leaks / top on testdata/goroutines, against references:
#  - totals: `goroutine profile: total N` (expected/*.txt.total.txt) and the
#    grep counts of `goroutine N [` headers (expected/*.headers.count);
#  - leaks: the leaking function and the counts leakprog printed
#    (expected/leak.txt), for every pair of formats;
#  - top on the debug=1 text: every row of `go tool pprof -top` on the
#    protobuf of the same snapshot whose function is named in the text
#    (not runtime.*) appears with the same flat, flat%, cum, cum%.
#  - bad input: exit codes and line numbers in the warnings.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/goroutines"
[ -f "$D/expected/leak.txt" ] || { echo "SKIP: no testdata/goroutines"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# first "total" and the sum of group counts of `goroutines --format=json`
json_total() { sed -n 's/^  "total": \([0-9]*\),*$/\1/p' "$1" | head -1; }
json_sum() { awk '/^      "count": / { gsub(/[^0-9]/, "", $2); s += $2 } END { print s+0 }' "$1"; }

for k in 1 2; do
	want=$(sed -n 's/^goroutine profile: total \([0-9]*\)$/\1/p' "$D/expected/goroutine.$k.txt.total.txt")
	for f in goroutine.$k.txt goroutine.$k.pb.gz; do
		"$CORONER" goroutines --format=json "$D/$f" > "$T/j" 2>"$T/err" || ko "$f: exit $?"
		[ "$(json_total "$T/j")" = "$want" ] && ok || ko "$f: total $(json_total "$T/j"), want $want"
		[ "$(json_sum "$T/j")" = "$want" ] && ok || ko "$f: groups sum to $(json_sum "$T/j"), want $want"
	done
done
for f in goroutine.1.dump goroutine.2.dump sigquit.txt panic.txt panic_all.txt; do
	want=$(cat "$D/expected/$f.headers.count")
	"$CORONER" goroutines --format=json "$D/$f" > "$T/j" 2>"$T/err" || ko "$f: exit $?"
	[ -s "$T/err" ] && ko "$f: warnings: $(head -3 "$T/err")"
	[ "$(json_total "$T/j")" = "$want" ] && ok || ko "$f: total $(json_total "$T/j"), want $want"
	[ "$(json_sum "$T/j")" = "$want" ] && ok || ko "$f: groups sum to $(json_sum "$T/j"), want $want"
	# the text summary says the same
	"$CORONER" goroutines "$D/$f" | head -1 | grep -Eq ": $want goroutines? in " && ok || ko "$f: text summary"
done

# a panic after 1000 lines of service log (beyond content detection's window)
{ i=0; while [ $i -lt 1000 ]; do echo "2024/05/01 12:00:00 log line $i"; i=$((i+1)); done
  cat "$D/panic_all.txt"; } > "$T/log"
"$CORONER" goroutines --format=json "$T/log" > "$T/j" 2>"$T/err" || ko "long log: exit $?"
[ "$(json_total "$T/j")" = "$(cat "$D/expected/panic_all.txt.headers.count")" ] && ok || ko "long log: total $(json_total "$T/j")"
"$CORONER" top --format=json "$T/log" | grep -q "\"total\": $(cat "$D/expected/panic_all.txt.headers.count")," && ok || ko "long log: top"

# GOTRACEBACK=crash dumps (testdata/bin; testdata/gover: go1.21-1.23, whose
# headers carry "gp=0x... m=N mp=0x..."): the file's own header count
for f in "$TESTDATA/bin/crash.txt" "$TESTDATA/bin/crash-pie.txt" "$TESTDATA"/gover/go1.*/crash*.txt "$TESTDATA/go123/panic.txt"; do
	[ -f "$f" ] || continue
	want=$(grep -c '^goroutine [0-9]* .*\[' "$f")
	"$CORONER" goroutines --format=json "$f" > "$T/j" 2>"$T/err" || ko "$f: exit $?"
	[ -s "$T/err" ] && ko "$f: warnings: $(head -3 "$T/err")"
	[ "$(json_total "$T/j")" = "$want" ] && ok || ko "$f: total $(json_total "$T/j"), want $want"
	[ "$(json_sum "$T/j")" = "$want" ] && ok || ko "$f: groups sum to $(json_sum "$T/j"), want $want"
done

fn=$(sed -n 's/^leaking function: \([^ ]*\).*/\1/p' "$D/expected/leak.txt")
c1=$(sed -n 's/^snapshot=1 leakWorker=\([0-9]*\).*/\1/p' "$D/expected/leak.txt")
c2=$(sed -n 's/^snapshot=2 leakWorker=\([0-9]*\).*/\1/p' "$D/expected/leak.txt")
for a in goroutine.1.pb.gz goroutine.1.txt goroutine.1.dump; do
	for b in goroutine.2.pb.gz goroutine.2.txt goroutine.2.dump sigquit.txt; do
		"$CORONER" leaks --format=json "$D/$a" "$D/$b" > "$T/j" || ko "leaks $a $b: exit $?"
		got=$(tr -d ' \n' < "$T/j" | sed 's/.*"candidates":\[{"function":"\([^"]*\)","counts":\[\([0-9]*\),\([0-9]*\)\],"delta":\([0-9]*\).*/\1 \2 \3 \4/')
		want="$fn $c1 $c2 $((c2 - c1))"
		[ "$got" = "$want" ] && ok || ko "leaks $a $b: first candidate '$got', want '$want'"
	done
done
# text: the leak is the first row, three snapshots work
"$CORONER" leaks "$D/goroutine.1.txt" "$D/goroutine.2.dump" "$D/sigquit.txt" > "$T/t" || ko "leaks x3: exit $?"
sed -n '4p' "$T/t" | grep -q "+$((c2 - c1)) *$c1 -> $c2 -> $c2 .* $fn " && ok || ko "leaks x3 text: $(sed -n 4p "$T/t")"

# top on debug=1 text vs pprof on the protobuf of the same snapshot
for k in 1 2; do
	ref="$D/expected/goroutine.$k.pb.gz.top.txt"
	"$CORONER" top --nodefraction=0 "$D/goroutine.$k.txt" > "$T/top" || ko "top goroutine.$k.txt: exit $?"
	n=0
	while read -r flat flatp sump cum cump name; do
		case "$name" in runtime.*|"") continue ;; esac
		case "$flat" in [0-9]*) ;; *) continue ;; esac
		n=$((n+1))
		awk -v f="$flat" -v fp="$flatp" -v c="$cum" -v cp="$cump" -v nm="$name" '
			{ rest = $0; sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, "", rest) }
			$1 == f && $2 == fp && $4 == c && $5 == cp && rest == nm { found = 1 }
			END { exit !found }' "$T/top" && ok || ko "top goroutine.$k.txt: row '$flat $flatp $cum $cump $name' of pprof missing"
	done < "$ref"
	[ "$n" -gt 5 ] && ok || ko "top goroutine.$k.txt: only $n reference rows compared"
done

# bad input
printf 'goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n@@@\n\ngoroutine 2 [sleep]:\nmain.x(' > "$T/cut"
"$CORONER" goroutines "$T/cut" > "$T/o" 2> "$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "truncated dump: exit $rc"
grep -q "line 4:" "$T/err" && grep -q "line 7:" "$T/err" && ok || ko "truncated dump: warnings $(cat "$T/err")"
printf 'hello\nworld\n' > "$T/junk"
"$CORONER" goroutines "$T/junk" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && ok || ko "garbage: exit $rc, $(cat "$T/err")"
printf 'goroutine profile: total 9\n???\n' > "$T/empty"
"$CORONER" goroutines "$T/empty" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q "no stacks" "$T/err" && ok || ko "empty debug=1: exit $rc, $(cat "$T/err")"
"$CORONER" leaks "$D/goroutine.1.txt" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || ko "leaks with one snapshot: exit $rc"
"$CORONER" goroutines --group=bogus "$D/goroutine.1.txt" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || ko "bad --group: exit $rc"
gzip -c "$D/goroutine.2.dump" | "$CORONER" goroutines --format=json - > "$T/j" && ok || ko "gzip stdin"
[ "$(json_total "$T/j")" = "$(cat "$D/expected/goroutine.2.dump.headers.count")" ] && ok || ko "gzip stdin total"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
