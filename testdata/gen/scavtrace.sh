#!/bin/bash
# GC and scavenger trace lines into testdata/scavtrace/:
#   - scav-goVER.txt: the stderr of gen/scavprog run with
#     GODEBUG=gctrace=1,scavtrace=1 by Go 1.15, 1.19 and 1.26 (each built by
#     its own release): real "gc N @..." and "scav ..." lines in the three
#     shapes the scavenger has printed (1.15 with a generation number, 1.19,
#     1.21+ with bg/eager work);
#   - gctrace-go1.19-only.txt: the same program by Go 1.19 with gctrace=1
#     alone: no scavenger line at all (Go 1.13+ print none under gctrace);
#   - old-go1.4.txt, old-go1.2.txt: gc lines of Go <= 1.4 ("gcN(P): ...")
#     and the scvg lines of Go <= 1.14, WRITTEN HERE from the runtime's
#     printf formats (src/runtime/mgc0.c and mheap.c of Go 1.2 and 1.4): no
#     toolchain of those releases runs on this machine. Their numbers are
#     the ones this script puts in, listed in expected/.
# The references (expected/) are taken from the files with grep/awk.
# usage: testdata/gen/scavtrace.sh
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off CGO_ENABLED=0
unset GODEBUG GOTRACEBACK GORACE GOFLAGS || true
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=$TD/scavtrace
rm -rf "$D"; mkdir -p "$D/expected"
for v in 1.15 1.19 1.26; do
	flags="-mod=mod"; [ "$v" = 1.15 ] || flags="$flags -buildvcs=false"
	(cd "$GEN/scavprog" && GOFLAGS="$flags" "/usr/lib/go-$v/bin/go" build -trimpath -o "$W/scavprog-$v" .)
	GOMAXPROCS=2 GODEBUG=gctrace=1,scavtrace=1 "$W/scavprog-$v" >"$D/scav-go$v.out" 2>"$D/scav-go$v.txt"
	GOFLAGS="$flags" "/usr/lib/go-$v/bin/go" version >>"$D/go.version"
done
GOMAXPROCS=2 GODEBUG=gctrace=1 "$W/scavprog-1.19" >/dev/null 2>"$D/gctrace-go1.19-only.txt"

# Go 1.4: gc%d(%d): %D+%D+%D+%D us, %D -> %D MB, %D (%D-%D) objects,
#   %d goroutines, %d/%d/%d sweeps, %D(%D) handoff, %D(%D) steal, %D/%D/%D yields
# scvg%d: inuse: %D, idle: %D, sys: %D, released: %D, consumed: %D (MB)
# scvg%d: %D MB released
{
	echo "listening on :8080"
	heap0=(4 8 16 31 48 52); heap1=(2 5 11 22 25 24); objs=(21030 52211 120344 250007 260112 255001)
	for i in 0 1 2 3 4 5; do
		n=$((i + 1))
		printf 'gc%d(%d): %d+%d+%d+%d us, %d -> %d MB, %d (%d-%d) objects, %d goroutines, %d/%d/%d sweeps, %d(%d) handoff, %d(%d) steal, %d/%d/%d yields\n' \
			$n 4 $((120 + i * 31)) $((2300 + i * 977)) $((45 + i)) $((9 + i)) ${heap0[$i]} ${heap1[$i]} ${objs[$i]} \
			$((objs[$i] * 3 + 1000)) $((objs[$i] * 2 + 1000)) $((12 + i)) $((300 + i * 40)) $((280 + i * 40)) $((20 + i)) \
			$((i * 3)) $((i * 5)) $((i * 2)) $((i * 7)) $((i * 11)) $((i * 13)) $((i * 17))
		[ $i = 2 ] && echo "request served in 12ms"
	done
	printf 'scvg%d: %d MB released\n' 0 7
	printf 'scvg%d: inuse: %d, idle: %d, sys: %d, released: %d, consumed: %d (MB)\n' 0 26 38 64 7 57
	printf 'scvg%d: inuse: %d, idle: %d, sys: %d, released: %d, consumed: %d (MB)\n' 1 25 39 64 19 45
} >"$D/old-go1.4.txt"
# Go 1.2: gc%d(%d): %D+%D+%D ms, %D -> %D MB %D -> %D (%D-%D) objects,
#   %D(%D) handoff, %D(%D) steal, %D/%D/%D yields
{
	heap0=(3 6 12); heap1=(1 4 9); o0=(30211 61002 130455); o1=(10023 40011 98012)
	for i in 0 1 2; do
		printf 'gc%d(%d): %d+%d+%d ms, %d -> %d MB %d -> %d (%d-%d) objects, %d(%d) handoff, %d(%d) steal, %d/%d/%d yields\n' \
			$((i + 1)) 2 $((1 + i)) $((3 + i)) $((1 + i * 2)) ${heap0[$i]} ${heap1[$i]} ${o0[$i]} ${o1[$i]} \
			$((o0[$i] * 2)) $((o0[$i] * 2 - o1[$i])) $i $((i * 2)) $i $((i * 3)) $i $i $i
	done
	printf 'scvg%d: GC forced\n' 0
	printf 'scvg%d: %d MB released\n' 0 3
	printf 'scvg%d: inuse: %d, idle: %d, sys: %d, released: %d, consumed: %d (MB)\n' 0 9 5 14 3 11
} >"$D/old-go1.2.txt"

cd "$D"
rec() { local out=$1; shift; "$@" >"expected/$out"; printf '%s\t%s\n' "$out" "${*@Q}" >>expected/INDEX; }
{
	printf '# output-file<TAB>command, run in testdata/scavtrace\n'
	for v in 1.15 1.19 1.26; do
		printf 'scav-go%s.txt scav-go%s.out\tGOMAXPROCS=2 GODEBUG=gctrace=1,scavtrace=1 ./scavprog >scav-go%s.out 2>scav-go%s.txt  (built by Go %s)\n' $v $v $v $v $v
	done
	printf 'gctrace-go1.19-only.txt\tGOMAXPROCS=2 GODEBUG=gctrace=1 ./scavprog 2>gctrace-go1.19-only.txt  (built by Go 1.19)\n'
	printf 'old-go1.4.txt old-go1.2.txt\twritten by testdata/gen/scavtrace.sh from the printf formats of Go 1.4 and 1.2\n'
} >expected/INDEX
for f in scav-go1.15 scav-go1.19 scav-go1.26 old-go1.4 old-go1.2; do
	rec $f.gc-lines.txt grep -Ec '^gc ?[0-9]' $f.txt
done
for f in scav-go1.15 scav-go1.19 scav-go1.26; do
	rec $f.scav-lines.txt grep '^scav ' $f.txt
done
rec gctrace-go1.19-only.scav-lines.txt grep -Ec '^(scav|scvg)' gctrace-go1.19-only.txt || true
