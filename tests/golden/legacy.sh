#!/bin/sh
# google/pprof's legacy profiles (testdata/legacy; their -top outputs are
# replayed by pprof-top.sh):
# 1. each reads without a warning;
# 2. the profile coroner read, written as profile.proto (`coroner merge`),
#    is what pprof read: `go tool pprof -raw` of it prints the -raw output
#    pprof printed for the legacy file (samples, locations, mappings) — needs
#    the Go release that recorded them, else that part is skipped;
# 3. gperftools' real CPU profile (gperf/) named with its binary as
#    llvm-symbolizer names the leaves;
# 4. damaged copies are refused with one line naming the file, the format
#    and the place (pprof refuses them too), exit 1.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
. "$TESTS/go-release.sh"
D=$TESTDATA/legacy
[ -f "$D/expected/INDEX" ] || { echo "SKIP: no testdata/legacy"; exit 77; }
rel=$(sed -n 's/^# recorded with the pprof of go\(1\.[0-9]*\).*/\1/p' "$D/expected/INDEX" | tail -1)
GO=$(go_release "$rel") || GO=""
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
export PPROF_TMPDIR="$T" PPROF_BINARY_PATH=/nonexistent

while IFS='	' read -r out cmd; do
	case "$cmd" in *"|"*) continue ;; "go tool pprof -raw "*) ;; *) continue ;; esac
	f=${cmd#go tool pprof -raw }
	"$CORONER" top "$D/$f" > /dev/null 2> "$T/err" && [ ! -s "$T/err" ] && ok ||
		ko "$f: top: exit or warnings: $(head -2 "$T/err")"
	"$CORONER" merge -o "$T/w.pb.gz" "$D/$f" > /dev/null 2> "$T/err" || { ko "$f: merge: $(cat "$T/err")"; continue; }
	[ -n "$GO" ] || continue
	"$GO" tool pprof -raw "$T/w.pb.gz" > "$T/raw" 2> /dev/null
	if cmp -s "$T/raw" "$D/expected/$out"; then ok; else
		ko "$f: pprof -raw of the profile coroner read differs from pprof's -raw of the file"
		diff "$D/expected/$out" "$T/raw" | head -6
	fi
done < "$D/expected/INDEX"
[ -n "$GO" ] || echo "note: no go$rel: the -raw comparison was skipped"

# a real gperftools CPU profile with its binary: the flat value of each
# function is the sum over the samples whose leaf llvm-symbolizer names so
if [ -f "$D/gperf/gperfprog.gz" ]; then
	gzip -dc "$D/gperf/gperfprog.gz" > "$T/gperfprog"
	"$CORONER" top --binary "$T/gperfprog" --format=csv "$D/gperf/cpu.prof" 2> "$T/err" |
		awk -F, 'NR > 1 && $2 != 0 { print $1 "\t" $2 }' | sort > "$T/flat"
	if [ -s "$T/flat" ] && cmp -s "$T/flat" "$D/expected/gperf.cpu.prof.flat.llvm-symbolizer.txt"; then ok; else
		ko "gperf/cpu.prof --binary: flat per function differs from llvm-symbolizer's names of the leaves"
		diff "$D/expected/gperf.cpu.prof.flat.llvm-symbolizer.txt" "$T/flat" | head -6
	fi
fi

# damaged copies: exit 1, the file, the format and the place on one line
refuse() { # name expected-substring file
	"$CORONER" top "$3" > "$T/out" 2> "$T/err"; rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -qF "coroner: $3: $2" "$T/err"; then ok; else
		ko "$1: exit $rc: $(cat "$T/err")"
	fi
}
head -c 1000 "$D/cppbench.cpu" > "$T/cpu-cut"
refuse cpu-cut "gperftools CPU profile: offset 0x3b0: record of 13 frames past the end of the file" "$T/cpu-cut"
head -c 52 "$D/cppbench.cpu" > "$T/cpu-half-record"
refuse cpu-half-record "gperftools CPU profile: offset 0x28: truncated record (12 bytes left)" "$T/cpu-half-record"
head -c 150 "$D/java.cpu" > "$T/java-cpu-cut"
refuse java-cpu-cut "Java CPU profile: offset 0x7c: record of 8 frames past the end of the file" "$T/java-cpu-cut"
grep -v resolution "$D/java.heap" > "$T/java-heap-untyped"
refuse java-heap-untyped "Java heap profile: line 3: no 'resolution' attribute" "$T/java-heap-untyped"
sed 's/^format = java/format = cpp/' "$D/java.contention" > "$T/java-format"
refuse java-format "Java contention profile: line 2: format is not java" "$T/java-format"
head -n 16 "$D/cppbench.thread" > "$T/thread-no-map"
refuse thread-no-map "threadz profile: line 16: the file ends without its memory map" "$T/thread-no-map"
sed 's/0x00bc8f1c/0x100000000000000000/' "$D/cppbench.thread" > "$T/thread-big-address"
refuse thread-big-address "threadz profile: line 4: address does not fit 64 bits" "$T/thread-big-address"
printf -- '--- threadz 1 ---\n--- Thread 7f (name: main) stack: ---\n' > "$T/thread-bad-header"
refuse thread-bad-header "threadz profile: line 2: not a '--- Thread ID (name: NAME/TID) stack: ---' line" "$T/thread-bad-header"
sed '2s/^     1:     9216/     0:     9216/' "$D/cppbench.heap" > "$T/heapz-count0"
refuse heapz-count0 "heap profile: line 2: count 0 with non-zero bytes" "$T/heapz-count0"
sed '1s/heapz_v2/heapz_v9/' "$D/cppbench.heap" > "$T/heapz-kind"
refuse heapz-kind "heap profile: line 1: unknown profile kind 'heapz_v9'" "$T/heapz-kind"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
