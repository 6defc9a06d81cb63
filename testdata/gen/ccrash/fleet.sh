#!/bin/sh
# Build fleet.cc (64 threads, C++) PIE, let it die of its NULL dereference,
# and keep the binary and the core (zstd -19) in testdata/ccore/ with gdb's
# and eu-stack's backtraces beside them (expected/fleet-pie.*, INDEX).
#   testdata/gen/ccrash/fleet.sh [OUTDIR]
# Built and run in /tmp/ccrash-fleet so the paths the core names are the
# same on every regeneration. Needs g++, gdb, eu-stack, zstd, libc6-dbg.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore}
G=/tmp/ccrash-fleet
rm -rf "$G"
mkdir -p "$G" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
g++ -g -O1 -fno-omit-frame-pointer -Wall -fPIE -pie -o fleet-pie "$src/fleet.cc" -pthread
ulimit -c unlimited
rm -f core core.*
(./fleet-pie >/dev/null 2>&1) 2>/dev/null || true
c=$(ls core core.* 2>/dev/null | head -1)
[ -n "$c" ] || { echo "no core (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
mv "$c" fleet-pie.core
gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./fleet-pie fleet-pie.core \
	> "$out/expected/fleet-pie.gdb" 2>/dev/null
eu-stack -i --core=fleet-pie.core -e ./fleet-pie > "$out/expected/fleet-pie.eu-stack" 2>/dev/null || true
idx=$out/expected/INDEX
grep -v '^fleet-pie\.' "$idx" > "$idx.new" 2>/dev/null || true
printf '%s\t%s\n' fleet-pie.gdb "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/fleet-pie fleet-pie.core" \
	fleet-pie.eu-stack "eu-stack -i --core=fleet-pie.core -e $G/fleet-pie" >> "$idx.new"
mv "$idx.new" "$idx"
zstd -q -19 -f fleet-pie.core -o "$out/fleet-pie.core.zst"
cp fleet-pie "$out/"
