#!/bin/sh
# Build ccrash (C) and ccrashxx (C++) plain, PIE and stripped with a separate
# debug file, let each die each way, and record the cores (zstd) with gdb's
# backtraces beside them in testdata/ccore/.
#   testdata/gen/ccrash/gen.sh [OUTDIR]
# The programs are built and run in /tmp/ccrash-gen so that the paths the
# cores name are the same on every regeneration (tests lay them out under a
# --sysroot). Needs gcc, g++, gdb, zstd, objcopy, libc6-dbg.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-$src/../../ccore}
G=/tmp/ccrash-gen
rm -rf "$G"
mkdir -p "$G" "$out/expected"
out=$(cd "$out" && pwd)
cd "$G"
CF="-g -O1 -fno-omit-frame-pointer -Wall"
gcc $CF -fPIC -shared -o libccrashlib.so "$src/ccrashlib.c"
gcc $CF -no-pie -o ccrash-plain "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -pthread
gcc $CF -fPIE -pie -o ccrash-pie "$src/ccrash.c" -L. -lccrashlib -Wl,-rpath,$G -pthread
g++ $CF -no-pie -o ccrashxx-plain "$src/ccrashxx.cc" -pthread
g++ $CF -fPIE -pie -o ccrashxx-pie "$src/ccrashxx.cc" -pthread
for p in ccrash ccrashxx; do
	cp $p-pie $p-strip
	objcopy --only-keep-debug $p-strip $p-strip.debug
	objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=$p-strip.debug $p-strip
	id=$(readelf -n $p-strip | sed -n 's/.*Build ID: //p')
	d=$(echo "$id" | cut -c1-2); r=$(echo "$id" | cut -c3-)
	mkdir -p debug/.build-id/$d
	cp $p-strip.debug debug/.build-id/$d/$r.debug
done
ulimit -c unlimited
: > "$out/expected/INDEX"
run() { # binary core-name args...
	bin=$1; name=$2; shift 2
	rm -f core core.*
	(./$bin "$@" >/dev/null 2>&1) 2>/dev/null || true
	c=$(ls core core.* 2>/dev/null | head -1)
	[ -n "$c" ] || { echo "no core for $name (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
	mv "$c" "$name.core"
	gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' ./$bin "$name.core" \
		>"$out/expected/$name.gdb" 2>/dev/null
	printf '%s\t%s\n' "$name.gdb" "gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' $G/$bin $name.core" \
		>>"$out/expected/INDEX"
	if command -v eu-stack >/dev/null; then
		eu-stack -i --core="$name.core" -e ./$bin >"$out/expected/$name.eu-stack" 2>/dev/null || true
		printf '%s\t%s\n' "$name.eu-stack" "eu-stack -i --core=$name.core -e $G/$bin" >>"$out/expected/INDEX"
	fi
	zstd -q -19 -f "$name.core" -o "$out/$name.core.zst"
}
for v in plain pie strip; do
	for m in null assert recurse qsort lib; do
		run ccrash-$v $m-$v $m
	done
	run ccrashxx-$v throw-$v
done
cp ccrash-plain ccrash-pie ccrash-strip ccrash-strip.debug ccrashxx-plain ccrashxx-pie ccrashxx-strip \
	ccrashxx-strip.debug libccrashlib.so "$out/"
rm -rf "$out/debug"
cp -r debug "$out/debug"
