#!/bin/sh
# Same-file dwz partial units, read unit by unit: dwzpart (two units that
# both inline weigh() from dwzpart.h), its debug file rewritten by dwz
# without -m (what both units have, weigh()'s abstract DIE among it, moved
# to a DW_TAG_partial_unit of the same file, referred to by
# DW_FORM_ref_addr) and then compressed (objcopy
# --compress-debug-sections=zlib: .debug_info is then inflated only as far
# as the units a core's pcs need), the stripped binary linking to it, its
# core, and gdb's backtrace as the reference:
#   dwzpart-strip, dwzpart.debug, dwzpart.core.zst, expected/dwzpart.gdb
#   testdata/gen/ccrash/dwzpart.sh [CCORE_DIR]   (needs gcc, dwz, objcopy, gdb, zstd)
# Built and run in /tmp/ccrash-gen-dwzpart (the path the core names).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
d=$(cd "${1:-$src/../../ccore}" && pwd)
G=/tmp/ccrash-gen-dwzpart
rm -rf "$G"
mkdir -p "$G"
cd "$G"
gcc -g -O1 -fno-omit-frame-pointer -fPIE -pie -o dwzpart-strip "$src/dwzparta.c" "$src/dwzpartb.c"
objcopy --only-keep-debug dwzpart-strip plain.debug
dwz plain.debug
objcopy --compress-debug-sections=zlib plain.debug dwzpart.debug
objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=dwzpart.debug dwzpart-strip
ulimit -c unlimited
rm -f core core.*
(./dwzpart-strip crash >/dev/null 2>&1) 2>/dev/null || true
c=$(ls core core.* 2>/dev/null | head -1)
[ -n "$c" ] || { echo "no core (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
mv "$c" dwzpart.core
gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./dwzpart-strip dwzpart.core \
	> "$d/expected/dwzpart.gdb" 2>/dev/null
grep -v '^dwzpart.gdb	' "$d/expected/INDEX" > INDEX || true
printf '%s\t%s\n' dwzpart.gdb "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/dwzpart-strip dwzpart.core (testdata/gen/ccrash/dwzpart.sh)" >> INDEX
cp INDEX "$d/expected/INDEX"
zstd -q -19 -f dwzpart.core -o "$d/dwzpart.core.zst"
cp dwzpart-strip dwzpart.debug "$d/"
