#!/bin/sh
# gctrace lines of the releases whose collector changed (testdata/gctrace,
# testdata/gen/gctrace.sh: go1.25 with and without the Green Tea collector,
# go1.26, its leak-profile experiment, go1.27, gctrace=1 and =2). What
# `coroner mem` reads is checked against the lines themselves (awk) and the
# program's own NumGC: the count of GCs, forced ones, the leak profile's
# detection GCs, the last goal, the last gctrace=2 scan totals; no line is
# left unread. A line with an annotation or a field no release prints is
# read for the rest and named in one warning.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
G=$TESTDATA/gctrace
[ -f "$G/go1.26.txt" ] || { echo "SKIP: no testdata/gctrace"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ST=$TESTDATA/mem/status

for f in "$G"/*.txt; do
	n=${f##*/}; n=${n%.txt}
	"$CORONER" mem --format=json --status "$ST" --gctrace "$f" >"$T/j" 2>"$T/err" || { ko "$n: exit $?: $(cat "$T/err")"; continue; }
	jq -c .gc "$T/j" >"$T/gc"
	got() { jq -r ".$1 // \"null\"" "$T/gc"; }
	lines=$(grep -c '^gc [0-9]' "$f")
	numgc=$(sed -n 's/.* numgc=\([0-9]*\).*/\1/p' "$G/expected/$n.stdout")
	[ "$(got count)" = "$lines" ] && [ "$lines" = "$numgc" ] && ok || ko "$n: count $(got count), gc lines $lines, program's NumGC $numgc"
	want=$(grep -c '^gc [0-9].* (forced)$' "$f")
	[ "$(got forced)" = "$want" ] && ok || ko "$n: forced $(got forced), want $want"
	want=$(grep -c '^gc [0-9]* @[0-9.]*s [0-9]*% (checking for goroutine leaks): ' "$f")
	[ "$(got leak_checks)" = "$want" ] && ok || ko "$n: leak_checks $(got leak_checks), want $want"
	want=$(awk '/^gc [0-9]/ { for (i = 1; i < NF; i++) if ($(i + 1) == "MB" && $(i + 2) == "goal,") g = $i } END { print g }' "$f")
	[ "$(got goal_last_mb)" = "$want" ] && ok || ko "$n: goal_last_mb $(got goal_last_mb), want $want"
	want=$(awk '/^gc [0-9]/ { n = $2 } END { print n }' "$f")
	[ "$(got last_gc)" = "$want" ] && ok || ko "$n: last_gc $(got last_gc), want $want"
	# gctrace=2: "scan: total A+B+C=T objs, S+D=U spans" (Green Tea) or "scan: total T objs"
	wo=$(sed -n 's/^scan: total \([0-9+]*=\)\{0,1\}\([0-9]*\) objs.*/\2/p' "$f" | tail -1)
	ws=$(grep '^scan: total ' "$f" | tail -1 | sed -n 's/.*, [0-9+]*=\([0-9]*\) spans$/\1/p')
	[ "$(got scan_objs_last)" = "${wo:-null}" ] && [ "$(got scan_spans_last)" = "${ws:-null}" ] && ok ||
		ko "$n: scan $(got scan_objs_last)/$(got scan_spans_last), want ${wo:-null}/${ws:-null}"
	# the terms of the scan line add up to its total (the file is what it says)
	if [ -n "$wo" ]; then
		grep '^scan: total ' "$f" | tail -1 | awk '{ split($3, a, "="); k = split(a[1], t, "+"); s = 0; for (i = 1; i <= k; i++) s += t[i]; exit !(s == a[2]) }' && ok || ko "$n: scan terms"
	fi
	case $n in *greenteagc-gctrace2 | go1.26-gctrace2 | go1.27-gctrace2) [ -n "$ws" ] && ok || ko "$n: a Green Tea scan line without spans" ;; esac
	if grep -q 'gctrace' "$T/err"; then ko "$n: a warning on the release's own lines: $(grep gctrace "$T/err")"; else ok; fi
done

# a part no release prints: an annotation before the colon, a field, an
# annotation at the end; the rest of the line is read, one warning says what
sed -n '1p' "$G/go1.27.txt" | sed 's/% */% (from the future)/; s/ MB goal, / MB goal, 7 MB arenas, /; s/ P$/ P (odd)/' >"$T/new.txt"
sed -n '2,$p' "$G/go1.27.txt" >>"$T/new.txt"
"$CORONER" mem --format=json --status "$ST" --gctrace "$T/new.txt" >"$T/j" 2>"$T/err"
[ "$(jq -r .gc.count "$T/j")" = "$(grep -c '^gc [0-9]' "$T/new.txt")" ] && ok || ko "unknown parts: count $(jq -r .gc.count "$T/j")"
[ "$(grep -c 'gctrace: 1 gc line read without a part not understood (first: line 1, .(from the future), arenas, (odd).)' "$T/err")" = 1 ] && ok ||
	ko "unknown parts: warning: $(cat "$T/err")"
want=$(awk '/^gc [0-9]/ { for (i = 1; i < NF; i++) if ($(i + 1) == "MB" && $(i + 2) == "goal,") print $i }' "$T/new.txt" | sort -n | tail -1)
[ "$(jq -r .gc.goal_max_mb "$T/j")" = "$want" ] && ok || ko "unknown parts: goal_max $(jq -r .gc.goal_max_mb "$T/j"), want $want"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
