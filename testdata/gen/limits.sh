#!/bin/bash
# A Go service near its container's limits (gen/limitprog), for the
# GOMEMLIMIT and GOMAXPROCS advice of `coroner report`: run in a memory
# cgroup limited to 64 MiB and a CPU cgroup limited to half a CPU (cgroup v1
# cpu.cfs_quota_us 50000 of cpu.cfs_period_us 100000, or v2 cpu.max "50000
# 100000"), with GODEBUG=gctrace=1 (its "N P" is the GOMAXPROCS the runtime
# ran with). Needs root and cgroups this machine lets us create.
#   testdata/limits/go1.24/  Go 1.24, started with GOMAXPROCS=8 (as set for
#                            an 8-CPU node): Go before 1.25 does not read
#                            the CPU limit
#   testdata/limits/go1.26/  Go 1.26, GOMAXPROCS unset: the runtime follows
#                            the cgroup's limit itself
# Each: the capture limitprog wrote, gctrace.txt, limitprog.zst (stripped:
# the Go release is in its build info), expected/limitprog.stdout (its own
# runtime.Version() and GOMAXPROCS).
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
. "$GEN/../../tests/go-release.sh"
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
unset GODEBUG GOMAXPROCS GOEXPERIMENT GOMEMLIMIT || true
W=$(mktemp -d)
if [ -w /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/cpu ]; then
	CGM=/sys/fs/cgroup/memory/coroner-limits-$$ CGC=/sys/fs/cgroup/cpu/coroner-limits-$$ V=1
	mkdir "$CGM" "$CGC"
	echo $((64 << 20)) >"$CGM/memory.limit_in_bytes"
	echo 100000 >"$CGC/cpu.cfs_period_us"
	echo 50000 >"$CGC/cpu.cfs_quota_us"
elif [ -w /sys/fs/cgroup/cgroup.subtree_control ]; then
	CGM=/sys/fs/cgroup/coroner-limits-$$ CGC=$CGM V=2
	mkdir "$CGM"
	echo $((64 << 20)) >"$CGM/memory.max"
	echo "50000 100000" >"$CGC/cpu.max"
else
	echo "limits.sh: no cgroup to create (needs root)" >&2
	exit 1
fi
trap 'rmdir "$CGM" "$CGC" 2>/dev/null; rm -rf "$W"' EXIT

# one RELEASE [GOMAXPROCS]
one() {
	local v=$1 g D=$TD/limits/go$1
	g=$(go_release "$v") || { echo "go$v: not installed, skipped" >&2; return 0; }
	rm -rf "$D"; mkdir -p "$D/expected"
	(cd "$GEN/limitprog" && "$g" build -trimpath -ldflags='-s -w' -o "$W/limitprog" .)
	sh -c 'echo $$ >"$1/cgroup.procs"; [ "$1" = "$2" ] || echo $$ >"$2/cgroup.procs"; shift 2; exec "$@"' sh "$CGM" "$CGC" \
		env GODEBUG=gctrace=1 ${2:+GOMAXPROCS=$2} "$W/limitprog" "$D" "$CGM" "$CGC" >"$D/expected/limitprog.stdout" 2>"$D/gctrace.txt"
	zstd -19 -q -f "$W/limitprog" -o "$D/limitprog.zst"
	printf '# output-file<TAB>command; limitprog built by %s (-ldflags=-s -w), run in cgroup v%s\nlimitprog.stdout\tGODEBUG=gctrace=1 %s ./limitprog . MEMCG CPUCG 2>gctrace.txt\n' \
		"$("$g" version | cut -d' ' -f3)" "$V" "${2:+GOMAXPROCS=$2}" >"$D/expected/INDEX"
}
one 1.24 8
one 1.26
du -sh "$TD/limits" >&2
