#!/bin/sh
# Build ccrash (C) for arm64 with Debian's cross compiler plain (non-PIE),
# PIE, and stripped (non-PIE) with a separate debug file, let each die each
# way under qemu-aarch64, and record the guest cores (zstd) with
# gdb-multiarch's backtraces beside them in testdata/ccore-arm64/.
#   testdata/gen/ccrash/gen-arm64.sh [OUTDIR]
# Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user,
# gdb-multiarch, zstd, aarch64-linux-gnu-objcopy.
#
# qemu-user writes its guest's core itself (qemu_PROG_DATE_PID.core in the
# working directory): NT_PRSTATUS, NT_PRPSINFO and NT_AUXV only, and no
# text. gdb 13 cannot relocate a PIE executable in such a core (it reads
# the program headers at AT_PHDR, which are not in it), so the PIE cores
# have no gdb output of their own: the tests compare them with the plain
# build's (same program, same way of dying).
#
# The programs are built and run in /tmp/ccrash-arm64-gen with the cross
# libc copied to root/lib (qemu's -L and gdb's sysroot), so the paths the
# cores name are the same on every regeneration; the tests lay them out
# under a --sysroot.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore-arm64}
G=/tmp/ccrash-arm64-gen
X=/usr/aarch64-linux-gnu
rm -rf "$G"
mkdir -p "$G/root/lib" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
cp -L $X/lib/libc.so.6 $X/lib/ld-linux-aarch64.so.1 root/lib/
CC=aarch64-linux-gnu-gcc
OBJCOPY=aarch64-linux-gnu-objcopy
CF="-g -O1 -fno-omit-frame-pointer -Wall -Wno-infinite-recursion"
$CC $CF -fPIC -shared -o libccrashlib.so "$src/ccrashlib.c"
mkdir -p "root$G" && cp libccrashlib.so "root$G/" # the path the dynamic linker names, under the sysroot
$CC $CF -no-pie -o ccrash-plain "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -Wl,--build-id -pthread
$CC $CF -fPIE -pie -o ccrash-pie "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -Wl,--build-id -pthread
cp ccrash-plain ccrash-strip
$OBJCOPY --only-keep-debug ccrash-strip ccrash-strip.debug
$OBJCOPY --strip-debug --strip-unneeded --add-gnu-debuglink=ccrash-strip.debug ccrash-strip
id=$(readelf -n ccrash-strip | sed -n 's/.*Build ID: //p')
d=$(echo "$id" | cut -c1-2); r=$(echo "$id" | cut -c3-)
mkdir -p debug/.build-id/$d
cp ccrash-strip.debug debug/.build-id/$d/$r.debug
ulimit -c unlimited
: > "$out/expected/INDEX"
regs() { # binary core-name: every thread's registers, as gdb reads them
	gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex "set sysroot $G/root" \
		-ex 'thread apply all info registers' ./$1 "$2.core" >"$out/expected/$2.regs" 2>/dev/null
	printf '%s\t%s\n' "$2.regs" "gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex 'set sysroot $G/root' -ex 'thread apply all info registers' $G/$1 $2.core" \
		>>"$out/expected/INDEX"
}
run() { # binary core-name args...
	bin=$1; name=$2; shift 2
	rm -f core qemu_*.core
	# qemu re-raises the signal after writing the guest's core: the host
	# core of qemu itself (./core, if the host writes one) is removed
	st=0
	(qemu-aarch64 -L "$G/root" ./$bin "$@" >/dev/null 2>&1) 2>/dev/null || st=$?
	rm -f core
	# the signal that killed it, as the shell saw it (the core has no NT_SIGINFO)
	echo $((st - 128)) > "$out/expected/$name.signal"
	printf '%s\t%s\n' "$name.signal" "qemu-aarch64 -L $G/root $G/$bin $* (exit status - 128)" >>"$out/expected/INDEX"
	c=$(ls qemu_*.core 2>/dev/null | head -1)
	[ -n "$c" ] || { echo "no core for $name" >&2; exit 1; }
	mv "$c" "$name.core"
	case $name in *-pie) ;; *)
		gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex "set sysroot $G/root" \
			-ex 'thread apply all bt' ./$bin "$name.core" >"$out/expected/$name.gdb" 2>/dev/null
		printf '%s\t%s\n' "$name.gdb" "gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex 'set sysroot $G/root' -ex 'thread apply all bt' $G/$bin $name.core" \
			>>"$out/expected/INDEX"
		regs "$bin" "$name" ;;
	esac
	zstd -q -19 -f "$name.core" -o "$out/$name.core.zst"
}
for v in plain pie strip; do
	for m in null assert recurse qsort lib; do
		run ccrash-$v $m-$v $m
	done
done
cp ccrash-plain ccrash-pie ccrash-strip ccrash-strip.debug libccrashlib.so "$out/"
rm -rf "$out/debug"
cp -r debug "$out/debug"
readelf -n root/lib/libc.so.6 | sed -n 's/.*Build ID: //p' > "$out/expected/libc.build-id"
printf '%s\t%s\n' libc.build-id "readelf -n $X/lib/libc.so.6 (the cores' libc)" >>"$out/expected/INDEX"
