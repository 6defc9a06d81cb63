#!/bin/bash
# testdata/legacy: the legacy profiles of google/pprof's own test data
# (profile/testdata of https://github.com/google/pprof, Apache License 2.0;
# see testdata/legacy/README.md), with the reports `go tool pprof` prints for
# each (and for cppbench.cpu rewritten in 64-bit big-endian and 32-bit
# big-endian words by legacy-words.py): -top of every sample index, -top -cum, -top -addresses, and -raw.
# usage: testdata/gen/legacy.sh [PPROF_CHECKOUT]   (run by regen.sh legacy)
#   With a checkout of google/pprof, the profiles are copied from it first;
#   without one, the copies already here are used.
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
D=$(dirname "$GEN")/legacy
FILES="cppbench.contention cppbench.cpu cppbench.growth cppbench.heap cppbench.thread
cppbench.thread.all cppbench.thread.none go.crc32.cpu go.godoc.thread gobench.cpu gobench.heap
java.contention java.cpu java.heap"
# the other word formats pprof reads, made from cppbench.cpu
WORDS="cppbench.cpu.64be cppbench.cpu.32be"
export PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent TZ=UTC
trap 'rm -rf "$PPROF_TMPDIR"' EXIT
mkdir -p "$D/expected"
if [ $# -ge 1 ]; then
	for f in $FILES; do cp "$1/profile/testdata/$f" "$D/$f"; done
fi
python3 "$GEN/legacy-words.py" "$D"
cd "$D"
G=$(command -v go)
{
	echo "# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/."
	echo "# stdout only: pprof's stderr (symbolization failures) is not recorded. PPROF_BINARY_PATH=/nonexistent"
} >expected/INDEX
rec() { # output-file command...
	local out=$1; shift
	"$@" >"expected/$out" 2>/dev/null
	printf '%s\t%s\n' "$out" "${*/#$G/go}" >>expected/INDEX
}
for f in $FILES $WORDS; do
	rec "$f.top.txt" "$G" tool pprof -top "$f"
	# every other sample index (the default is the last)
	n=$("$G" tool pprof -raw "$f" 2>/dev/null | sed -n '/^Samples:/{n;p;q}' | wc -w)
	for ((i = 0; i < n - 1; i++)); do
		rec "$f.top.$i.txt" "$G" tool pprof -top -sample_index=$i "$f"
	done
	rec "$f.top.cum.txt" "$G" tool pprof -top -cum "$f"
	rec "$f.top.addresses.txt" "$G" tool pprof -top -addresses "$f"
	rec "$f.raw.txt" "$G" tool pprof -raw "$f"
done
# real profiles of gperftools' profilers (gperf.sh appends to the INDEX)
"$GEN/gperf.sh"
"$G" version >expected/go-version
echo "# recorded with the pprof of $("$G" env GOVERSION)" >>expected/INDEX
