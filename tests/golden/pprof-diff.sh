#!/bin/sh
# coroner diff on profiles against pprof's -diff_base:
# 1. `coroner diff --format=json` rows == `coroner top --diff-base --format=json`
#    rows (top --diff-base itself is checked against pprof by pprof-top.sh);
# 2. the profile written by `diff -o`, read back, gives the rows pprof printed
#    for its own -diff_base (recorded in testdata/heap/expected);
# 3. if `go tool pprof` is here, it reads the written profile with the same rows.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
. "$TESTS/go-release.sh"
# the heap fixtures were written by Go 1.19: its pprof is the reference
GO=$(go_release 1.19) || GO=""
d=$TESTDATA/heap
[ -f "$d/expected/diff_base.heap2-heap.top.inuse_space.txt" ] || { echo "SKIP: no reference"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$1" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
rows() { sed -n '/"rows"/,$p'; }
for idx in inuse_space alloc_space inuse_objects; do
	"$CORONER" diff -i $idx --format=json "$d/heap.pb.gz" "$d/heap2.pb.gz" > "$tmp/diff.json" || check bad "diff $idx exit"
	"$CORONER" top -i $idx --format=json --nodefraction=0 --diff-base="$d/heap.pb.gz" "$d/heap2.pb.gz" > "$tmp/top.json"
	# same name, flat, cum in the same order
	grep -E '"(name|flat|cum)":' "$tmp/diff.json" | tr -d , > "$tmp/a"
	grep -E '"(name|flat|cum)":' "$tmp/top.json" | tr -d , > "$tmp/b"
	if cmp -s "$tmp/a" "$tmp/b" && [ -s "$tmp/a" ]; then check ok; else check bad "diff rows != top --diff-base rows ($idx)"; fi
	"$CORONER" diff -i $idx -o "$tmp/d.pb.gz" "$d/heap.pb.gz" "$d/heap2.pb.gz" > /dev/null || check bad "diff -o $idx exit"
	unit=""; case $idx in *space) unit=--unit=B ;; esac
	want=$(sed -n '/^Showing nodes/,$p' "$d/expected/diff_base.heap2-heap.top.$idx.txt")
	got=$("$CORONER" top -i $idx --nodefraction=0 --nodecount=25 $unit "$tmp/d.pb.gz" | sed -n '/^Showing nodes/,$p')
	if [ "$got" = "$want" ]; then check ok; else check bad "written diff profile read back ($idx)"; printf '%s\n' "$got" | head -5; fi
	if [ -n "$GO" ]; then
		pu=""; case $idx in *space) pu=-unit=B ;; esac
		got=$("$GO" tool pprof -top -nodefraction=0 -nodecount=25 $pu -sample_index=$idx "$tmp/d.pb.gz" 2>/dev/null | sed -n '/^Showing nodes/,$p')
		if [ "$got" = "$want" ]; then check ok; else check bad "go tool pprof on the written diff profile ($idx)"; fi
	fi
done
# the written profile round-trips through go tool pprof -raw with the samples
# pprof's own -diff_base merge produces (ids and order aside)
if [ -n "$GO" ]; then
	"$CORONER" diff -o "$tmp/d.pb.gz" "$d/heap.pb.gz" "$d/heap2.pb.gz" > /dev/null
	"$GO" tool pprof -raw "$tmp/d.pb.gz" 2>/dev/null | awk -f "$TESTS/golden/raw-normalize.awk" | sort > "$tmp/ours"
	"$GO" tool pprof -raw -diff_base="$d/heap.pb.gz" "$d/heap2.pb.gz" 2>/dev/null | awk -f "$TESTS/golden/raw-normalize.awk" | sort > "$tmp/theirs"
	if [ -s "$tmp/ours" ] && cmp -s "$tmp/ours" "$tmp/theirs"; then check ok; else check bad "go tool pprof -raw of the written profile"; diff "$tmp/ours" "$tmp/theirs" | head -5; fi
else
	echo "note: no Go 1.19 toolchain, live pprof checks skipped"
fi
# mismatched kinds are refused with a message
if "$CORONER" diff "$d/heap.pb.gz" "$TESTDATA/mem/smaps_rollup" > /dev/null 2> "$tmp/err"; then
	check bad "diff of different kinds succeeded"
else
	grep -q "nothing to compare\|cannot" "$tmp/err" && check ok || check bad "no message for different kinds"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
