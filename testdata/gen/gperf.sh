#!/bin/bash
# testdata/legacy/gperf: real profiles of gperftools' own profilers (Debian's
# libgoogle-perftools-dev: libprofiler's binary CPU profile, tcmalloc's
# `heapprofile` heap text, its sampled `heap_v2` heap (GetHeapSample) and
# its `growth` stacks), written by gperfprog (testdata/gen/gperfprog).
# References, with the commands in testdata/legacy/expected/INDEX:
#  - `go tool pprof -top` and `-raw` of each (Go's pprof names C frames by
#    their mapping only: it has no C symbolizer);
#  - the flat value per function with the binary, from llvm-symbolizer's
#    name for the leaf address of every sample of pprof's -raw output
#    (cpu.prof.flat.llvm-symbolizer.txt: function<TAB>nanoseconds).
# usage: testdata/gen/gperf.sh   (run by legacy.sh)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
D=$(dirname "$GEN")/legacy
O=$D/gperf
export PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent TZ=UTC
W=$(mktemp -d); trap 'rm -rf "$W" "$PPROF_TMPDIR"' EXIT
mkdir -p "$O"
gcc -O1 -g -fno-omit-frame-pointer -c -o "$W/main.o" "$GEN/gperfprog/main.c"
g++ -O1 -g -fno-omit-frame-pointer -c -o "$W/sample.o" "$GEN/gperfprog/sample.cc"
g++ -no-pie -o "$W/gperfprog" "$W/main.o" "$W/sample.o" -lprofiler -ltcmalloc
TCMALLOC_SAMPLE_PARAMETER=65536 CPUPROFILE_FREQUENCY=200 "$W/gperfprog" "$W" >/dev/null 2>&1
for f in cpu.prof heap.0001.heap heap.sample growth; do cp "$W/$f" "$O/$f"; done
gzip -9 -n -c "$W/gperfprog" >"$O/gperfprog.gz"
cd "$D"
G=$(command -v go)
rec() { # output-file command...
	local out=$1; shift
	"$@" >"expected/$out" 2>/dev/null
	printf '%s\t%s\n' "$out" "${*/#$G/go}" >>expected/INDEX
}
for f in gperf/cpu.prof gperf/heap.0001.heap gperf/heap.sample gperf/growth; do
	b=$(basename "$f")
	rec "gperf.$b.top.txt" "$G" tool pprof -top "$f"
	rec "gperf.$b.top.0.txt" "$G" tool pprof -top -sample_index=0 "$f"
	rec "gperf.$b.raw.txt" "$G" tool pprof -raw "$f"
done
# flat per function with the binary: each sample's leaf named by llvm-symbolizer
"$G" tool pprof -raw gperf/cpu.prof 2>/dev/null | awk '
	/^Samples:/ { s = 1; getline; next }
	/^Locations/ { s = 0; l = 1; next }
	/^Mappings/ { l = 0 }
	s && /: / { split($0, a, ":"); n = split(a[1], v, " "); split(a[2], ids, " "); flat[ids[1]] += v[n] }
	l && /^ *[0-9]+: 0x/ { id = $1; sub(":", "", id); addr[id] = $2; map[id] = $3 }
	END { for (i in flat) if (map[i] == "M=1") print addr[i], flat[i] }' |
	while read -r a v; do
		printf '%s\t%s\n' "$(llvm-symbolizer --obj="$W/gperfprog" --functions=linkage "$a" | head -1)" "$v"
	done | awk -F'\t' '{ t[$1] += $2 } END { for (f in t) print f "\t" t[f] }' | sort \
	>expected/gperf.cpu.prof.flat.llvm-symbolizer.txt
printf '%s\t%s\n' gperf.cpu.prof.flat.llvm-symbolizer.txt \
	"go tool pprof -raw gperf/cpu.prof | (leaf address of each sample of mapping 1) | llvm-symbolizer --obj=gperfprog --functions=linkage (sum of the cpu values by name)" >>expected/INDEX
