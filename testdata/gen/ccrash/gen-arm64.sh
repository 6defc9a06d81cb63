#!/bin/sh
# Build ccrash (C) for arm64 with Debian's cross compiler plain (non-PIE),
# PIE, and stripped (non-PIE) with a separate debug file, ccrashxx and
# ccrashne (C++, uncaught exceptions) and csig (threads in signal handlers)
# plain and PIE, and cfiexpr (CFI written as DWARF expressions) plain; let
# each die under qemu-aarch64 and record the guest cores (zstd) with
# gdb-multiarch's backtraces beside them in testdata/ccore-arm64/.
#   testdata/gen/ccrash/gen-arm64.sh [OUTDIR]
# Needs g++-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user,
# gdb-multiarch, zstd, aarch64-linux-gnu-objcopy, and Debian's own arm64
# libraries with libc's debug info (dpkg --add-architecture arm64;
# libc6:arm64 libc6-dbg:arm64 libstdc++6:arm64 libgcc-s1:arm64).
#
# The programs run on Debian's arm64 libc, libstdc++ and libgcc_s (not the
# cross toolchain's copies, which no debug package matches): gdb names
# libc's frames through libc6-dbg:arm64's /usr/lib/debug/.build-id tree, as
# it does libc6-dbg's on amd64.
#
# The guest CPU is a Cortex-A57 (no SVE): gdb 13 never finishes reading a
# signal frame whose context records include qemu's SVE record.
#
# qemu-user writes its guest's core itself (qemu_PROG_DATE_PID.core in the
# working directory): NT_PRSTATUS, NT_PRPSINFO and NT_AUXV only, and no
# text. gdb 13 cannot relocate a PIE executable in such a core (it reads
# the program headers at AT_PHDR, which are not in it), so the PIE cores
# have no gdb output of their own: the tests compare them with the plain
# build's (same program, same way of dying).
#
# The programs are built and run in /tmp/ccrash-arm64-gen with the
# libraries copied to root/lib/aarch64-linux-gnu and the dynamic linker to
# root/lib (qemu's -L and gdb's sysroot), so the paths the cores name are
# the same on every regeneration; the tests lay them out under a --sysroot.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore-arm64}
G=/tmp/ccrash-arm64-gen
A=/usr/lib/aarch64-linux-gnu
LIBS="libc.so.6 libstdc++.so.6 libgcc_s.so.1 libm.so.6"
rm -rf "$G"
mkdir -p "$G/root/lib/aarch64-linux-gnu" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
for l in $LIBS; do cp -L $A/$l root/lib/aarch64-linux-gnu/; done
cp -L /usr/lib/ld-linux-aarch64.so.1 root/lib/
CC=aarch64-linux-gnu-gcc
CXX=aarch64-linux-gnu-g++
OBJCOPY=aarch64-linux-gnu-objcopy
CF="-g -O1 -fno-omit-frame-pointer -Wall -Wno-infinite-recursion"
$CC $CF -fPIC -shared -o libccrashlib.so "$src/ccrashlib.c"
mkdir -p "root$G" && cp libccrashlib.so "root$G/" # the path the dynamic linker names, under the sysroot
$CC $CF -no-pie -o ccrash-plain "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -Wl,--build-id -pthread
$CC $CF -fPIE -pie -o ccrash-pie "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -Wl,--build-id -pthread
for p in ccrashxx ccrashne; do
	$CXX $CF -no-pie -o $p-plain "$src/$p.cc" -Wl,--build-id -pthread
	$CXX $CF -fPIE -pie -o $p-pie "$src/$p.cc" -Wl,--build-id -pthread
done
$CC $CF -no-pie -o csig-plain "$src/csig.c" -Wl,--build-id -pthread
$CC $CF -no-pie -o cfiexpr-plain "$src/cfiexpr.c" -Wl,--build-id
$CC $CF -fPIE -pie -o csig-pie "$src/csig.c" -Wl,--build-id -pthread
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
	timeout 300 gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex "set sysroot $G/root" \
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
	(qemu-aarch64 -cpu cortex-a57 -L "$G/root" ./$bin "$@" >/dev/null 2>&1) 2>/dev/null || st=$?
	rm -f core
	# the signal that killed it, as the shell saw it (the core has no NT_SIGINFO)
	echo $((st - 128)) > "$out/expected/$name.signal"
	printf '%s\t%s\n' "$name.signal" "qemu-aarch64 -cpu cortex-a57 -L $G/root $G/$bin $* (exit status - 128)" >>"$out/expected/INDEX"
	c=$(ls qemu_*.core 2>/dev/null | head -1)
	[ -n "$c" ] || { echo "no core for $name" >&2; exit 1; }
	mv "$c" "$name.core"
	case $name in *-pie) ;; *)
		timeout 300 gdb-multiarch -nx -batch -ex 'set debuginfod enabled off' -ex "set sysroot $G/root" \
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
for v in plain pie; do
	run ccrashxx-$v throw-$v
	run ccrashne-$v noexcept-$v
	run csig-$v sighandler-$v
done
run cfiexpr-plain cfiexpr-plain
cp ccrash-plain ccrash-pie ccrash-strip ccrash-strip.debug libccrashlib.so ccrashxx-plain ccrashxx-pie \
	ccrashne-plain ccrashne-pie csig-plain csig-pie cfiexpr-plain "$out/"
rm -rf "$out/debug"
cp -r debug "$out/debug"
# the build ids of the libraries the cores used (Debian's arm64 packages)
for l in $LIBS; do
	printf '%s %s\n' "$l" "$(readelf -n root/lib/aarch64-linux-gnu/$l | sed -n 's/.*Build ID: //p')"
done > "$out/expected/libs.build-id"
printf '%s\t%s\n' libs.build-id "readelf -n $A/LIB (the cores' libraries)" >>"$out/expected/INDEX"
# without unwind tables: the stripped binary's frames unwound from its debug file's .debug_frame
sh "$src/gen-arm64-nocfi.sh" "$out"
