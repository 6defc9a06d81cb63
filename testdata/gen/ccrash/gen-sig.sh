#!/bin/sh
# Build csig (threads in signal handlers when the program dies) plain and
# PIE, let each die, and record the cores (zstd) with gdb's backtraces
# beside them in testdata/ccore-sig/ (amd64; the arm64 cores of the same
# program are made by gen-arm64.sh).
#   testdata/gen/ccrash/gen-sig.sh [OUTDIR]
# Built and run in /tmp/ccrash-sig-gen, so the paths the cores name are the
# same on every regeneration. Needs gcc, gdb, zstd, libc6-dbg.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore-sig}
G=/tmp/ccrash-sig-gen
rm -rf "$G"
mkdir -p "$G" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
CF="-g -O1 -fno-omit-frame-pointer -Wall"
gcc $CF -no-pie -o csig-plain "$src/csig.c" -pthread
gcc $CF -fPIE -pie -o csig-pie "$src/csig.c" -pthread
ulimit -c unlimited
: > "$out/expected/INDEX"
for v in plain pie; do
	rm -f core core.*
	(./csig-$v >/dev/null 2>&1) 2>/dev/null || true
	c=$(ls core core.* 2>/dev/null | head -1)
	[ -n "$c" ] || { echo "no core (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
	mv "$c" sighandler-$v.core
	timeout 300 gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./csig-$v sighandler-$v.core \
		>"$out/expected/sighandler-$v.gdb" 2>/dev/null
	printf '%s\t%s\n' "sighandler-$v.gdb" \
		"gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/csig-$v sighandler-$v.core" \
		>>"$out/expected/INDEX"
	zstd -q -19 -f sighandler-$v.core -o "$out/sighandler-$v.core.zst"
done
readelf -n /usr/lib/x86_64-linux-gnu/libc.so.6 | sed -n 's/.*Build ID: //p' > "$out/expected/libc.build-id"
printf '%s\t%s\n' libc.build-id "readelf -n /usr/lib/x86_64-linux-gnu/libc.so.6 (the cores' libc)" >>"$out/expected/INDEX"
cp csig-plain csig-pie "$out/"
