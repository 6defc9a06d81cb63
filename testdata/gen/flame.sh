#!/bin/bash
# References for `coroner flame`: `go tool pprof -traces -unit=B` of the
# committed profiles (exact per-stack values, inlined frames expanded), which
# tests/report/flame-folded.sh turns into folded stacks and compares with
# `coroner flame --format=folded`. Run by regen.sh (section "flame") after the
# heap, goroutines and capture sections, since it reads their profiles.
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C PPROF_BINARY_PATH=/nonexistent
D=$TD/flame
rm -rf "$D/expected"; mkdir -p "$D/expected"; cd "$D"
cat >expected/INDEX <<'HDR'
# output-file<TAB>command (POSIX shell quoting); run in testdata/flame/.
# Each output is `go tool pprof -traces` of a profile elsewhere in testdata/.
HDR
rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 || echo "exit status $?" >>"expected/$out"
	printf '%s\t%s\n' "$out" "$*" >>expected/INDEX
}
for si in inuse_space inuse_objects alloc_space alloc_objects; do
	rec heap.pb.gz.$si.traces.txt go tool pprof -traces -unit=B -sample_index=$si ../heap/heap.pb.gz
done
rec heap2.pb.gz.alloc_space.traces.txt go tool pprof -traces -unit=B -sample_index=alloc_space ../heap/heap2.pb.gz
rec allocs.pb.gz.default.traces.txt go tool pprof -traces -unit=B ../heap/allocs.pb.gz
rec goroutine.2.pb.gz.default.traces.txt go tool pprof -traces ../goroutines/goroutine.2.pb.gz
