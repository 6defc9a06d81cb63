#!/bin/sh
# C frames (libunwind) of a cgo program's core (testdata/core/core-cgo.zst,
# gen/cgoprog aborting inside C; testdata/gen/core2.sh) against:
#   - gdb's `thread apply all bt` on the same core (expected/core-cgo.gdb.txt):
#     every frame gdb shows in the program's own C code (cgo_*, _cgo_*) is in
#     coroner's stack of the same thread (LWP) with the same pc, function
#     and line; every libc frame coroner names (dynamic symbols) is one of
#     gdb's frames of that thread at the same pc, under a name that ends the
#     same (gdb has debug info: __GI_raise for raise);
#   - the runtime's own per-M stacks of the GOTRACEBACK=crash traceback
#     (crash-cgo.txt after "-----": "PC=... m=N", then the M's goroutine or
#     g0 "goroutine 0"): its frames are the outermost part of coroner's
#     stack of the thread running that M, across C frames and asmcgocall.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
d="$TESTDATA/core"
[ -f "$d/core-cgo.zst" ] && [ -f "$d/cgoprog.gz" ] || { echo "SKIP: no cgo core"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
"$CORONER" --sysroot=/ core --format=json "$d/cgoprog.gz" "$d/core-cgo.zst" > "$tmp/out.json" 2> "$tmp/err" || {
	echo "FAIL: exit $?"; cat "$tmp/err"; exit 1; }
if jq -e '[.threads[].frames[] | select(.native)] | length > 0' "$tmp/out.json" >/dev/null; then :; else
	echo "SKIP: no C frames (built without libunwind?)"; exit 77; fi
# gdb: "Thread N (Thread 0x... (LWP TID)):" then "#k  0xPC in FUNC (...) at FILE:LINE"
awk '/^Thread [0-9]+ .*\(LWP [0-9]+\)\):$/ { t = $0; sub(/.*\(LWP /, "", t); sub(/\).*/, "", t); next }
     /^#[0-9]+ +0x[0-9a-f]+ in / { pc = $2; fn = $4; line = "";
	if (match($0, / at [^ ]+:[0-9]+$/)) { line = substr($0, RSTART + 4); sub(/.*:/, "", line) }
	printf "%s %s %s %s\n", t, pc, fn, line }' "$d/expected/core-cgo.gdb.txt" > "$tmp/gdb"
jq -r '.threads[] | .tid as $t | .frames[] | "\($t) \(.pc) \(.function) \(.line) \(.native // false)"' \
	"$tmp/out.json" > "$tmp/ours"
# program C frames of gdb in ours
n=0
while read -r tid pc fn line; do
	case $fn in cgo_*|_cgo_*) ;; *) continue ;; esac
	n=$((n+1))
	pcn=$(printf '0x%x' "$pc")
	if grep -q "^$tid $pcn $fn $line true\$" "$tmp/ours"; then pass=$((pass+1)); else
		echo "FAIL: gdb thread $tid frame $fn at $pcn line $line not in ours"; fail=$((fail+1)); fi
done < "$tmp/gdb"
[ "$n" -ge 6 ] || { echo "FAIL: only $n program C frames in gdb's output"; fail=$((fail+1)); }
# our named library frames are gdb's
while read -r tid pc fn line native; do
	[ "$native" = true ] || continue
	case $fn in '?'|'<signal handler called>'|cgo_*|_cgo_*) continue ;; esac
	pcn=$(printf '0x%016x' "$pc")
	g=$(awk -v t="$tid" -v p="$pcn" '$1 == t && $2 == p { print $3 }' "$tmp/gdb")
	case $g in *"$fn") pass=$((pass+1)) ;; *) echo "FAIL: thread $tid: our $fn at $pcn, gdb: '$g'"; fail=$((fail+1)) ;; esac
done < "$tmp/ours"
# the runtime's per-M stacks are the outer part of our thread stacks
awk -f "$TESTS/core/traceback-norm.awk" /dev/null >/dev/null
sed -n '/^-----$/,$p' "$d/crash-cgo.txt" | awk '
	/^PC=.* m=[0-9]+ / { m = $2; sub(/^m=/, "", m); next }
	/^goroutine [0-9]+ \[/ { on = 1; next }
	on && /^[^ \t].*\)$/ { fn = $0; sub(/\([^(]*\)$/, "", fn); want = 1; next }
	on && want && /^[ \t]/ { print m, fn, $1; want = 0; next }
	/^$/ { on = 0 }' > "$tmp/ms"
for m in $(cut -d' ' -f1 "$tmp/ms" | uniq); do
	grep "^$m " "$tmp/ms" | cut -d' ' -f2- > "$tmp/w"
	jq -r --argjson m "$m" '.threads[] | select(.m == $m) | .frames[] | "\(.function) \(.file):\(.line)"' \
		"$tmp/out.json" > "$tmp/g"
	k=$(wc -l < "$tmp/w")
	if [ "$k" -gt 0 ] && tail -n "$k" "$tmp/g" | cmp -s - "$tmp/w"; then pass=$((pass+1)); else
		echo "FAIL: M $m: the runtime's frames are not the end of our thread stack"; diff "$tmp/w" "$tmp/g"; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
