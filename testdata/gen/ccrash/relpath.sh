#!/bin/sh
# A C program compiled by relative paths (src/relpath.c, -I src), as build
# systems do, with DWARF 5 and DWARF 4: its core and gdb's backtrace in
# testdata/ccore/ (relpath-5, relpath-4). gdb names the unit's own file by
# its DW_AT_name and a header by its relative directory entry.
#   testdata/gen/ccrash/relpath.sh [OUTDIR]
# Built and run in /tmp/ccrash-gen/rel, so the cores name the same paths on
# every regeneration. Needs gcc, gdb, zstd.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore}
out=$(cd "$out" && pwd)
G=/tmp/ccrash-gen/rel
rm -rf "$G"
mkdir -p "$G/src/inc" "$out/expected"
cp "$src/relpath/relpath.c" "$G/src/"
cp "$src/relpath/inc/relpath.h" "$G/src/inc/"
cd "$G"
ulimit -c unlimited
for v in 5 4; do
	gcc -g -gdwarf-$v -O2 -fPIE -pie -I src -o relpath-$v src/relpath.c
	rm -f core core.*
	(./relpath-$v >/dev/null 2>&1) 2>/dev/null || true
	c=$(ls core core.* 2>/dev/null | head -1)
	[ -n "$c" ] || { echo "no core (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
	gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./relpath-$v "$c" \
		>"$out/expected/relpath-$v.gdb" 2>/dev/null
	grep -v "^relpath-$v.gdb	" "$out/expected/INDEX" > "$G/index" || true
	printf '%s\t%s\n' "relpath-$v.gdb" "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/relpath-$v relpath-$v.core (testdata/gen/ccrash/relpath.sh)" >> "$G/index"
	cp "$G/index" "$out/expected/INDEX"
	zstd -q -19 -f "$c" -o "$out/relpath-$v.core.zst"
	cp relpath-$v "$out/"
done
