#!/bin/sh
# Build tailcall.c (gcc -O2: its jumps are tail calls, with DWARF 5
# call-site records) PIE, let it abort, and keep the binary and the core
# (zstd -19) in testdata/ccore/ with gdb's backtraces beside them
# (expected/tailcall-pie.gdb, INDEX).
#   testdata/gen/ccrash/tailcall.sh [OUTDIR]
# Built and run in /tmp/ccrash-tailcall so the paths the core names are the
# same on every regeneration. Needs gcc, gdb, zstd, libc6-dbg.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore}
G=/tmp/ccrash-tailcall
rm -rf "$G"
mkdir -p "$G" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
gcc -g -O2 -Wall -fPIE -pie -o tailcall-pie "$src/tailcall.c" -pthread
ulimit -c unlimited
rm -f core core.*
(./tailcall-pie >/dev/null 2>&1) 2>/dev/null || true
c=$(ls core core.* 2>/dev/null | head -1)
[ -n "$c" ] || { echo "no core (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
mv "$c" tailcall-pie.core
gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./tailcall-pie tailcall-pie.core \
	> "$out/expected/tailcall-pie.gdb" 2>/dev/null
idx=$out/expected/INDEX
grep -v '^tailcall-pie\.' "$idx" > "$idx.new" 2>/dev/null || true
printf '%s\t%s\n' tailcall-pie.gdb "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/tailcall-pie tailcall-pie.core" >> "$idx.new"
mv "$idx.new" "$idx"
zstd -q -19 -f tailcall-pie.core -o "$out/tailcall-pie.core.zst"
cp tailcall-pie "$out/"
