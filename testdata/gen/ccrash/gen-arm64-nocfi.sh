#!/bin/sh
# ccrash (C) for arm64 without unwind tables (-fno-asynchronous-unwind-tables
# -fno-unwind-tables) and without frame pointers, stripped, its DWARF and
# .debug_frame in a separate debug file: its frames can be unwound only by
# that file's .debug_frame, as gdb-multiarch does. One core (null), gdb's
# backtrace and registers, into testdata/ccore-arm64 (INDEX appended).
# Run by gen-arm64.sh after its own cores, in its /tmp/ccrash-arm64-gen
# (the sysroot and libccrashlib.so it made); alone after it:
#   testdata/gen/ccrash/gen-arm64-nocfi.sh [OUTDIR]
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore-arm64}
G=/tmp/ccrash-arm64-gen
[ -d "$G/root" ] && [ -f "$G/libccrashlib.so" ] || { echo "run gen-arm64.sh first" >&2; exit 1; }
out=$(cd "$out" && pwd)
cd "$G"
aarch64-linux-gnu-gcc -g -O1 -fomit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables -Wall \
	-Wno-infinite-recursion -no-pie -o ccrash-nocfi "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -Wl,--build-id -pthread
aarch64-linux-gnu-objcopy --only-keep-debug ccrash-nocfi ccrash-nocfi.debug
aarch64-linux-gnu-objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=ccrash-nocfi.debug ccrash-nocfi
ulimit -c unlimited
rm -f core qemu_*.core
st=0
(qemu-aarch64 -cpu cortex-a57 -L "$G/root" ./ccrash-nocfi null >/dev/null 2>&1) 2>/dev/null || st=$?
rm -f core
echo $((st - 128)) > "$out/expected/null-nocfi.signal"
printf '%s\t%s\n' null-nocfi.signal "qemu-aarch64 -cpu cortex-a57 -L $G/root $G/ccrash-nocfi null (exit status - 128)" \
	>>"$out/expected/INDEX"
mv qemu_*.core null-nocfi.core
for w in bt 'info registers'; do
	f=null-nocfi.gdb; [ "$w" = bt ] || f=null-nocfi.regs
	timeout 300 gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex "set sysroot $G/root" \
		-ex "thread apply all $w" ./ccrash-nocfi null-nocfi.core >"$out/expected/$f" 2>/dev/null
	printf '%s\t%s\n' "$f" "gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex 'set sysroot $G/root' -ex 'thread apply all $w' $G/ccrash-nocfi null-nocfi.core" \
		>>"$out/expected/INDEX"
done
zstd -q -19 -f null-nocfi.core -o "$out/null-nocfi.core.zst"
cp ccrash-nocfi ccrash-nocfi.debug "$out/"
