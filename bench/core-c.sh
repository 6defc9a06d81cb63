#!/bin/sh
# coroner core vs eu-stack and gdb on C/C++ cores (testdata/ccore, made by
# testdata/gen/ccrash/gen.sh and fleet.sh): every thread's backtrace, libc
# named through this machine's libc6-dbg (the cores' libc must be this
# machine's: its build id is checked).
#   null-pie:  3 threads, C
#   fleet-pie: 64 threads, C++
# The three tools run in turn, RUNS rounds (default 3); in each round each
# tool runs BATCH times (default 10, the same for all) in one sh loop under
# one /usr/bin/time, and its per-run CPU seconds (user+sys) and wall
# seconds are the batch's divided by BATCH: coroner takes a few hundredths
# of a second and /usr/bin/time counts in 10 ms steps, so one run alone
# would be quantised. Prints each round's per-run figures, their medians,
# the ratios of the medians, the sh loop's own cost per run (a batch of
# /bin/true: a process start, counted in every figure alike) and the load average.
# Measured on the machine the cores were made on (2 cores shared with other
# jobs), medians of 3: see the end of this comment.
#   fleet-pie (load 3, 3 rounds of 10): CPU per run coroner 0.032 s,
#     eu-stack 0.210 s (6.6x), gdb 0.568 s (17.7x); wall 6.6x, 15.4x.
#     Under load 15-16 (5 rounds): 0.040 s (4.9x, 14.7x).
#   null-pie (load 3): coroner 0.030 s (3.7x, 15.2x).
#   A process start (/bin/true) is about 0.003 s of each figure.
# Tried and left out: reading libc's DWARF on a second thread while the
# program's frames are named. Those frames take 3.5 ms beside libc's
# 18 ms: wall per run 36 ms with it, 35 without, and CPU 37 vs 34 ms
# (load 2, 7 rounds of 10; malloc locks once a thread exists).
# Where coroner's time goes (fleet-pie: 163 M instructions, callgrind;
# perf): inflating libc's compressed .debug_info, .debug_abbrev and
# .debug_line up to the last unit the frames need (4.2, 0.7 and 1.0 MB;
# ISA-L, half the instructions, a third of the time); libdwarf reading
# the eleven units the frames fall in (47 M, 25 M of them the program's
# one C++ unit); the kernel: about 290 page faults (180 of them process
# start, 70 the core's stack pages) and libunwind's two rt_sigprocmask
# calls per frame (its cache lock, 1,100 calls, about 2 ms).
# The tail-call frames (lib/core/ccore_tail.c) cost fleet-pie 169 M
# instructions against 156 M without them (callgrind): 8.7 M reading libc's
# .symtab to look glibc's __GI_ callees up, 2.4 M reading call sites.
#   usage: bench/core-c.sh [RUNS [BATCH]]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
[ -x "$coroner" ] || { echo "build coroner first (or set CORONER)" >&2; exit 1; }
runs=${1:-3}
batch=${2:-10}
for t in eu-stack gdb zstd /usr/bin/time; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
d=$root/testdata/ccore
libcid=93ac61ec5a8eb1396f9fbd350e3169a558528a40
[ -f /usr/lib/debug/.build-id/93/${libcid#93}.debug ] || echo "warning: not the cores' libc: libc frames unnamed" >&2
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
run() { # name command... -> one line of per-run CPU and wall seconds into $w/NAME
	n=$1; shift
	/usr/bin/time -f "%U %S %e" -o "$w/t" sh -c 'k=$1; shift; i=0
		while [ "$i" -lt "$k" ]; do "$@" > /dev/null 2>&1 < /dev/null; i=$((i + 1)); done' sh "$batch" "$@" || true
	awk -v k="$batch" '{ printf "%.4f %.4f\n", ($1 + $2) / k, $3 / k }' "$w/t" >> "$w/$n"
}
show() { # name -> per-run figures of each round and medians; sets c and wl
	printf '  %-9s CPU' "$1"; awk '{ printf " %.4f", $1 }' "$w/$1"
	c=$(awk '{ print $1 }' "$w/$1" | med); wl=$(awk '{ print $2 }' "$w/$1" | med)
	printf '  median %.4f   wall' "$c"; awk '{ printf " %.3f", $2 }' "$w/$1"; printf '  median %.3f\n' "$wl"
}
for name in null-pie:ccrash-pie fleet-pie:fleet-pie; do
	core=${name%%:*} bin=$d/${name#*:}
	zstd -dqc "$d/$core.core.zst" > "$w/core"
	rm -f "$w/coroner" "$w/eu-stack" "$w/gdb" "$w/loop"
	echo "$core ($(grep -c '^Thread ' "$d/expected/$core.gdb") threads, $runs rounds of $batch runs), load average $(cut -d' ' -f1-3 /proc/loadavg):"
	for i in $(seq "$runs"); do
		run coroner "$coroner" --sysroot=/ core --format=json "$bin" "$w/core"
		run eu-stack eu-stack -i --core="$w/core" -e "$bin"
		run gdb gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' "$bin" "$w/core"
		run loop /bin/true
	done
	show coroner; cc=$c cw=$wl
	show eu-stack; ec=$c ew=$wl
	show gdb; gc=$c gw=$wl
	awk -v cc="$cc" -v cw="$cw" -v ec="$ec" -v ew="$ew" -v gc="$gc" -v gw="$gw" 'BEGIN {
		if (cc < 0.0001) cc = 0.0001; if (cw < 0.0001) cw = 0.0001
		printf "  CPU:  eu-stack/coroner %.1fx, gdb/coroner %.1fx\n", ec / cc, gc / cc
		printf "  wall: eu-stack/coroner %.1fx, gdb/coroner %.1fx\n", ew / cw, gw / cw }'
	echo "  sh loop per run: CPU $(awk '{ print $1 }' "$w/loop" | med) s (in each figure above)"
	echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
