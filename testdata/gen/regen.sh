#!/bin/bash
# Regenerates coroner's test data under testdata/ from the Go/C programs in
# testdata/gen/ and records the reference tools' outputs in */expected/.
#
# usage: testdata/gen/regen.sh [section...]
#   sections: heap goroutines mem capture bin   (default: all of them)
#
# Needs: go 1.19, gcc, llvm-symbolizer/llvm-nm (llvm-14), dlv, zstd, gzip,
# python3 (only for picking random addresses with a fixed seed).
# Memory profiles are sampled with the runtime's own random generator, which
# cannot be seeded, so the profiles differ from run to run in their details;
# the expected/ files always describe the committed profiles of the same run.
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS=-mod=mod CGO_ENABLED=1 GOTOOLCHAIN=local
export PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
export GOCACHE=${GOCACHE:-$HOME/.cache/go-build}
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
trap 'rm -rf "$PPROF_TMPDIR"' EXIT

log() { echo "== $*" >&2; }

# Runs a command, records its stdout+stderr into expected/$1 and the exact
# command line into expected/INDEX (format: file<TAB>command).
# Must be called from the directory whose expected/ is meant.
rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 || echo "exit status $?" >>"expected/$out"
	local q; q=$(printf '%q ' "$@")
	printf '%s\t%s\n' "$out" "${q% }" >>expected/INDEX
}

hdr_index() {
	printf '# output-file<TAB>command (bash quoting as printf %%q); run in the directory above expected/,\n# with *.gz binaries gunzipped under their name without .gz. TZ=UTC.\n' >expected/INDEX
}

gzipbin() { gzip -9 -n -c "$1" >"$2"; }

# ---------------------------------------------------------------- heap
do_heap() {
	log heap
	local D=$TD/heap
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/heapprog" && go build -trimpath -o "$D/heapprog" .)
	GOGC=100 ./heapprog . >expected/heapprog.stdout
	gzipbin heapprog heapprog.gz
	hdr_index
	local P="go tool pprof"
	local T="-top -nodefraction=0 -nodecount=25"
	for si in alloc_objects alloc_space inuse_objects inuse_space; do
		u=; case $si in *_space) u=-unit=B;; esac
		rec heap.pb.gz.top.$si.txt $P $T $u -sample_index=$si heap.pb.gz
	done
	rec heap.pb.gz.top.default.txt $P $T -unit=B heap.pb.gz
	rec allocs.pb.gz.top.default.txt $P $T -unit=B allocs.pb.gz
	rec heap.txt.bin.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heapprog heap.txt
	rec heap.txt.bin.top.alloc_space.txt $P $T -unit=B -sample_index=alloc_space heapprog heap.txt
	rec heap.txt.nobin.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heap.txt
	rec heap.txt.bin.raw.txt $P -raw heapprog heap.txt
	rec heap.pb.gz.top.inuse_space.focus.txt $P $T -unit=B -sample_index=inuse_space '-focus=main\.retainRecords' heap.pb.gz
	rec heap.pb.gz.top.inuse_space.ignore.txt $P $T -unit=B -sample_index=inuse_space '-ignore=main\.growRegistry' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.hide.txt $P $T -unit=B -sample_index=alloc_space '-hide=main\.(smallBuf|keyFor)' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.show.txt $P $T -unit=B -sample_index=alloc_space '-show=^main\.' heap.pb.gz
	for g in lines files filefunctions addresses; do
		rec heap.pb.gz.top.inuse_space.$g.txt $P $T -unit=B -sample_index=inuse_space -$g heap.pb.gz
	done
	rec heap.pb.gz.top.inuse_space.cum.txt $P $T -unit=B -sample_index=inuse_space -cum heap.pb.gz
	rec heap.pb.gz.top.alloc_space.cum.txt $P $T -unit=B -sample_index=alloc_space -cum heap.pb.gz
	for si in alloc_space inuse_space inuse_objects; do
		u=; case $si in *_space) u=-unit=B;; esac
		rec diff_base.heap2-heap.top.$si.txt $P $T $u -sample_index=$si -diff_base=heap.pb.gz heap2.pb.gz
		rec base.heap2-heap.top.$si.txt $P $T $u -sample_index=$si -base=heap.pb.gz heap2.pb.gz
	done
	rec heap2.pb.gz.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heap2.pb.gz
	rec heap.pb.gz.top.nodecount10.txt $P -top -nodecount=10 -sample_index=inuse_space heap.pb.gz
	rec heap.pb.gz.top.nodecount10.alloc_space.txt $P -top -nodecount=10 -sample_index=alloc_space heap.pb.gz
	rec heap.pb.gz.raw.txt $P -raw heap.pb.gz
	rec allocs.pb.gz.raw.txt $P -raw allocs.pb.gz
	rec heap2.pb.gz.raw.txt $P -raw heap2.pb.gz
	rm -f heapprog
}

# ---------------------------------------------------------------- main
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(heap goroutines mem capture bin)
for s in "${sections[@]}"; do
	"do_$s"
done
log done
