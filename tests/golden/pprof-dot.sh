#!/bin/sh
# Replays the `go tool pprof -dot` commands recorded in
# testdata/pprofdot*/expected/INDEX with `coroner pprof` (the pprof release
# from the INDEX's "recorded with" line) and compares the output byte for
# byte: stdout+stderr and the exit status, or stdout alone for an output
# named *.stdout.txt. Then -svg and -png -output=FILE against Graphviz's
# dot run on pprof's own -dot output (skipped, said, without dot), and the
# one-line error when dot is not on PATH.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
fail=0 pass=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
have_dot=false
command -v dot >/dev/null 2>&1 && have_dot=true
$have_dot || echo "note: Graphviz's dot is not installed: -svg/-png not compared (scripts/deps --test installs it)"
# an *.unordered.txt output: each node id replaced by the node's own line,
# the lines sorted (pprof orders tied nodes and edges of -call_tree at random)
canon() {
	awk 'NR == FNR { if (match($0, /^N[0-9]+ \[/)) { t = $0; sub(/^N[0-9]+ /, "", t); gsub(/ id="node[0-9]+"/, "", t)
			lab[substr($0, 2, RLENGTH - 3)] = t }; next }
		{ l = $0; gsub(/ id="node[0-9]+"/, "", l); o = ""; while (match(l, /N[0-9]+/)) { id = substr(l, RSTART + 1, RLENGTH - 1)
			o = o substr(l, 1, RSTART - 1) ((id in lab) ? "<" lab[id] ">" : "N" id); l = substr(l, RSTART + RLENGTH) }
		  print o l }' "$1" "$1" | sort
}
check() { # name want-file got-file
	if cmp -s "$2" "$3"; then pass=$((pass+1)); else
		fail=$((fail+1)); echo "FAIL $1"; diff "$2" "$3" | head -10; fi
}
for index in "$TESTDATA"/pprofdot*/expected/INDEX; do
	dir=$(dirname "$(dirname "$index")")
	rel=$(sed -n 's/^# recorded with the pprof of go\(1\.[0-9]*\).*/\1/p' "$index" | tail -1)
	rel="--pprof-release=${rel:-1.26}"
	while IFS='	' read -r out cmd; do
		case "$out" in '#'*|'') continue ;; esac
		case "$cmd" in "go tool pprof "*) ;; *) continue ;; esac
		args=${cmd#go tool pprof }
		case "$out" in
		*.stdout.txt) (cd "$dir" && eval "\"$CORONER\" $rel pprof $args" >"$tmp/got" 2>/dev/null) ;;
		*) (cd "$dir" && eval "\"$CORONER\" $rel pprof $args" >"$tmp/got" 2>&1 || echo "exit status $?" >>"$tmp/got") ;;
		esac
		case "$out" in *.unordered.txt)
			canon "$dir/expected/$out" >"$tmp/want.c"; canon "$tmp/got" >"$tmp/got.c"
			check "$out ($cmd)" "$tmp/want.c" "$tmp/got.c"; continue ;;
		esac
		check "$out ($cmd)" "$dir/expected/$out" "$tmp/got"
		$have_dot || continue
		grep -q '^exit status' "$dir/expected/$out" && continue
		# -svg: what dot makes of pprof's -dot output
		svgargs=$(printf '%s\n' "$args" | sed 's/^-dot /-svg /')
		dot -Tsvg "$dir/expected/$out" >"$tmp/want.svg" 2>/dev/null
		(cd "$dir" && eval "\"$CORONER\" $rel pprof $svgargs" >"$tmp/got.svg" 2>/dev/null)
		check "$out -svg" "$tmp/want.svg" "$tmp/got.svg"
	done <"$index"
done
# -png -output=FILE: written atomically, "Generating report in FILE" first
d=$TESTDATA/pprofdot
if $have_dot; then
	dot -Tpng "$d/expected/heap.heap.dot.txt" >"$tmp/want.png"
	(cd "$d" && "$CORONER" pprof -png -output="$tmp/got.png" ../heap/heap.pb.gz) 2>"$tmp/err"
	check "-png -output" "$tmp/want.png" "$tmp/got.png"
	printf 'Generating report in %s\n' "$tmp/got.png" >"$tmp/want.err"
	check "-png -output: stderr" "$tmp/want.err" "$tmp/err"
	ls "$tmp" | grep -q '^got.png.' && { fail=$((fail+1)); echo "FAIL -png -output left a temporary file"; }
fi
# no dot on PATH: one line naming the package, exit 1, no file written
(cd "$d" && PATH=/nonexistent "$CORONER" pprof -svg -output="$tmp/none.svg" ../heap/heap.pb.gz) \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 1 ] && [ ! -e "$tmp/none.svg" ] && grep -q 'graphviz package' "$tmp/err" &&
	[ "$(grep -vc '^Generating report' "$tmp/err")" = 1 ]; then pass=$((pass+1)); else
	fail=$((fail+1)); echo "FAIL -svg without dot: exit $rc"; cat "$tmp/err"; fi
# --format=json is refused for -dot
if (cd "$d" && "$CORONER" pprof -dot --format=json ../heap/heap.pb.gz) >/dev/null 2>&1; then
	fail=$((fail+1)); echo "FAIL -dot --format=json accepted"; else pass=$((pass+1)); fi
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || { echo "SKIP: no reference outputs found"; exit 77; }
[ "$fail" = 0 ]
