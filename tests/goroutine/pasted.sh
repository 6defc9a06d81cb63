#!/bin/sh
# Goroutine dumps as people paste them (testdata/pasted, from dumpprog run
# by Go 1.19 and the newest Go): two dumps of one process in one log, their
# headers glued to the end of log lines, "...N frames elided...", `go run`'s
# "exit status 1" after the last frame. References: the counts dumpprog
# printed (runtime.NumGoroutine before each dump, workers started) and grep
# over the files (expected/INDEX).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/pasted"
[ -f "$D/expected/INDEX" ] || { echo "SKIP: no testdata/pasted"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
json_total() { sed -n 's/^  "total": \([0-9]*\),*$/\1/p' "$1" | head -1; }
json_sum() { awk '/^      "count": / { gsub(/[^0-9]/, "", $2); s += $2 } END { print s+0 }' "$1"; }

for p in "$D"/dumps.go*.txt; do
	f=$(basename "$p") X="$D/expected/$f"
	ndumps=$(wc -l < "$X.numgoroutine")
	last=$(tail -1 "$X.numgoroutine")
	[ "$ndumps" -ge 2 ] && ok || ko "$f: reference has $ndumps dumps"
	# every header counted once: the dumps' counts add up to the headers in the file
	[ "$(awk '{s+=$1} END {print s}' "$X.numgoroutine")" = "$(cat "$X.headers.count")" ] && ok ||
		ko "$f: NumGoroutine sums differ from the header count"
	"$CORONER" goroutines --format=json "$p" > "$T/j" 2> "$T/err" || ko "$f: exit $?"
	[ "$(json_total "$T/j")" = "$last" ] && ok || ko "$f: total $(json_total "$T/j"), want the last dump's $last"
	[ "$(json_sum "$T/j")" = "$last" ] && ok || ko "$f: groups sum to $(json_sum "$T/j"), want $last"
	grep -q "$ndumps dumps of one process" "$T/err" && ok || ko "$f: no word of the $ndumps dumps: $(cat "$T/err")"
	grep -q "glued to the end of a log line" "$T/err" && ok || ko "$f: glued headers not said: $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" = 2 ] && ok || ko "$f: warnings beyond the two notes: $(cat "$T/err")"
	grep -q "exit status\|mangled\|prefix" "$T/err" && ko "$f: trailer or glued text warned about: $(cat "$T/err")" || ok
	# leaks on the file alone: its dumps are the snapshots
	"$CORONER" leaks --format=json "$p" > "$T/l" 2>/dev/null || ko "$f: leaks exit $?"
	want=$(tr '\n' ',' < "$X.numgoroutine" | sed 's/,$//')
	tr -d '\n ' < "$T/l" | grep -q "\"totals\":\[$want\]" && ok || ko "$f: leaks totals, want [$want]: $(head -c 300 "$T/l")"
	grow=$(tail -1 "$X.started")
	tr -d '\n ' < "$T/l" | grep -q "\"function\":\"main.leakWorker\",\"counts\":\[[0-9]*,[0-9]*\],\"delta\":$grow" && ok ||
		ko "$f: leaks: main.leakWorker not grown by $grow: $(head -c 400 "$T/l")"
	# "...N frames elided...": N kept as the frames_elided label
	if [ -s "$X.elided" ]; then
		n=$(head -1 "$X.elided")
		"$CORONER" top --tagfocus="frames_elided=$n" "$p" > "$T/t" 2>/dev/null
		grep -q "accounting for 1, " "$T/t" && ok || ko "$f: frames_elided=$n: $(grep accounting "$T/t")"
		"$CORONER" top --tagfocus="frames_elided=$((n + 1))" "$p" > "$T/t" 2>/dev/null
		grep -q "accounting for 0, " "$T/t" && ok || ko "$f: frames_elided=$((n + 1)) matched"
	fi
	# a test runner's and make's lines after the dump are no warnings;
	# two mangled lines inside goroutines are one warning and a count
	{ cat "$p"; printf 'FAIL\tdumpprog\t0.512s\nmake: *** [Makefile:3: run] Error 1\n'; } > "$T/trail"
	"$CORONER" goroutines "$T/trail" > /dev/null 2> "$T/err" || ko "$f+trailers: exit $?"
	[ "$(wc -l < "$T/err")" = 2 ] && ok || ko "$f+trailers: $(cat "$T/err")"
	awk 'NR == 21 || NR == 31 { print "@@@@" } { print }' "$p" > "$T/m"
	"$CORONER" goroutines "$T/m" > /dev/null 2> "$T/err" || ko "$f+mangled: exit $?"
	[ "$(grep -c mangled "$T/err")" = 2 ] && grep -q "line 21: .*mangled" "$T/err" && grep -q "2 lines in all" "$T/err" &&
		ok || ko "$f+mangled: $(cat "$T/err")"
done
# a GOTRACEBACK=crash dump prints threads' stacks again after "-----"
# lines: one dump, every header counted (the reference: grep)
C="$TESTDATA/core/crash-cgo.txt"
if [ -f "$C" ]; then
	want=$(grep -cE '^goroutine [0-9]+ .*\]:$' "$C")
	"$CORONER" goroutines --format=json "$C" > "$T/j" 2> "$T/err"
	[ "$(json_total "$T/j")" = "$want" ] && ok || ko "crash-cgo.txt: total $(json_total "$T/j"), want $want"
	grep -q "dumps of one process" "$T/err" && ko "crash-cgo.txt: split: $(cat "$T/err")" || ok
fi
echo "$pass checks, $fail failed"
[ $fail = 0 ]
