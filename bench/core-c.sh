#!/bin/sh
# coroner core vs eu-stack and gdb on C/C++ cores (testdata/ccore, made by
# testdata/gen/ccrash/gen.sh and fleet.sh): every thread's backtrace, libc
# named through this machine's libc6-dbg (the cores' libc must be this
# machine's: its build id is checked).
#   null-pie:  3 threads, C
#   fleet-pie: 64 threads, C++
# The three tools run in turn, RUNS rounds (default 3), each under
# /usr/bin/time; prints CPU seconds (user+sys) and wall seconds of every
# run, their medians, the ratios of the medians, and the load average.
# Measured on the machine the cores were made on (2 cores shared with other
# jobs), medians of 3: see the end of this comment.
# Where coroner's time goes (perf, fleet-pie): inflating libc's compressed
# .debug_info up to the last unit the frames need (4.1 of 5.8 MB, ISA-L;
# .debug_abbrev and .debug_line the same way, to 0.7 of 1.0 and 1.0 of
# 1.3 MB), about a third; libdwarf reading those units; page faults (on
# this VM a 4 KiB fault costs about 14 us: the heap is put on huge pages);
# the core's stack pages; process start.
#   fleet-pie (load 30-32): CPU coroner 0.04 s, eu-stack 0.21 s, gdb 0.69 s
#     (5.2x, 17.2x); wall 0.80 s (4.0x, 13.2x; wall is the noisiest).
#     Before libunwind's cache, the static archives and the huge-page heap
#     (load 15-17): 0.08 s (3.0x, 10.0x), wall 2.8x, 6.7x.
#   null-pie  (load 30-32): CPU coroner 0.03 s (3.3x, 17.0x)
# /usr/bin/time prints user and system time to 10 ms each: figures this
# small are coarse, compare medians of several runs.
#   usage: bench/core-c.sh [RUNS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
[ -x "$coroner" ] || { echo "build coroner first (or set CORONER)" >&2; exit 1; }
runs=${1:-3}
for t in eu-stack gdb zstd /usr/bin/time; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
d=$root/testdata/ccore
libcid=93ac61ec5a8eb1396f9fbd350e3169a558528a40
[ -f /usr/lib/debug/.build-id/93/${libcid#93}.debug ] || echo "warning: not the cores' libc: libc frames unnamed" >&2
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
run() { # name command... -> one line of CPU and wall seconds into $w/NAME
	n=$1; shift
	/usr/bin/time -f "%U %S %e" -o "$w/t" "$@" > "$w/out" 2> /dev/null < /dev/null || true
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$w/t" >> "$w/$n"
}
show() { # name -> runs and medians; sets c and wl
	printf '  %-9s CPU' "$1"; awk '{ printf " %.2f", $1 }' "$w/$1"
	c=$(awk '{ print $1 }' "$w/$1" | med); wl=$(awk '{ print $2 }' "$w/$1" | med)
	printf '  median %.2f   wall' "$c"; awk '{ printf " %.2f", $2 }' "$w/$1"; printf '  median %.2f\n' "$wl"
}
for name in null-pie:ccrash-pie fleet-pie:fleet-pie; do
	core=${name%%:*} bin=$d/${name#*:}
	zstd -dqc "$d/$core.core.zst" > "$w/core"
	rm -f "$w/coroner" "$w/eu-stack" "$w/gdb"
	echo "$core ($(grep -c '^Thread ' "$d/expected/$core.gdb") threads), load average $(cut -d' ' -f1-3 /proc/loadavg):"
	for i in $(seq "$runs"); do
		run coroner "$coroner" --sysroot=/ core --format=json "$bin" "$w/core"
		run eu-stack eu-stack -i --core="$w/core" -e "$bin"
		run gdb gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' "$bin" "$w/core"
	done
	show coroner; cc=$c cw=$wl
	show eu-stack; ec=$c ew=$wl
	show gdb; gc=$c gw=$wl
	awk -v cc="$cc" -v cw="$cw" -v ec="$ec" -v ew="$ew" -v gc="$gc" -v gw="$gw" 'BEGIN {
		if (cc < 0.01) cc = 0.01; if (cw < 0.01) cw = 0.01
		printf "  CPU:  eu-stack/coroner %.1fx, gdb/coroner %.1fx\n", ec / cc, gc / cc
		printf "  wall: eu-stack/coroner %.1fx, gdb/coroner %.1fx\n", ew / cw, gw / cw }'
	echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
