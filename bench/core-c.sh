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
# /bin/true: a process start, counted in every figure alike), the ratios
# with that cost taken out of each figure, and the load average.
# Measured on the machine the cores were made on (2 cores), medians of 5
# rounds of 10, load 1.1-1.3 (before the changes below):
#   fleet-pie: CPU per run coroner 0.035 s, eu-stack 0.213 s (6.1x), gdb
#     0.601 s (17.2x); wall 5.9x, 14.4x.
#   null-pie: coroner 0.030 s (3.0x, 13.3x; wall 2.8x, 10.6x).
#   A process start (/bin/true) is 0.002-0.004 s of each figure.
# After them, `bench/core-c.sh 5 10` under load 7.4-8.1 (every tool slower):
#   fleet-pie: coroner 0.047 s, eu-stack 0.264 (5.6x), gdb 0.747 (15.9x);
#     wall 4.3x, 16.6x. null-pie: 0.037 s (3.5x, 15.0x; wall 3.2x, 13.8x).
# Then on a quieter machine (load 3.0 falling to 2.1), 5 rounds of 10:
#   fleet-pie: coroner 0.041 s CPU / 0.035 s wall, eu-stack 0.201 / 0.202
#     (4.9x CPU, 5.8x wall), gdb 0.550 / 0.477 (13.4x, 13.6x).
#   null-pie: coroner 0.031 / 0.027 (3.1x, 3.6x; gdb 13.2x, 12.8x).
#   Against the build before these changes, interleaved in the same minute
#   (fleet-pie, 5 rounds of 10, load 2): CPU 0.038 s for both, wall 0.032 s
#   against 0.039 s. The goals (5x eu-stack, 20x gdb) are not met here.
# Where coroner's time goes (callgrind, both threads): fleet-pie 158.3 M
# instructions (164.1 M before), null-pie 139.9 M (173.1 M). Inflating
# libc's compressed .debug_info, .debug_abbrev and .debug_line up to the
# last unit needed (4.2, 0.7 and 1.0 MB for fleet-pie; ISA-L, over half the
# instructions): .debug_info's on a second thread (dwarf_part.c, 65 M of
# fleet-pie's) while the units it has kept are indexed, straight into
# place; a restart resumes from a copy of ISA-L's state (null-pie's
# tail-call search asks for units behind the stream). libdwarf reading the
# units the frames fall in (about 30 M; fleet-pie's own C++ unit 16 M);
# the kernel: about 290 page faults and libunwind's two rt_sigprocmask
# calls per frame (its cache lock, 1,150 calls, 1.2-1.7 us each here).
# The tail-call frames (lib/core/ccore_tail.c) look glibc's __GI_ callees
# up in libc's .symtab, now one pass per name (9.3 M -> 2.2 M).
# Then (all under `chrt -f 10`, a fuzzer at nice 19 on one core):
#   - libunwind's word reads come from 4 KiB blocks of the core read with
#     pread (each of 64 stacks had cost a fresh page table and a fault in
#     the 512 MB mapping): unwinding 4-8 ms -> 1.7-2 ms;
#   - a head start (cr_dwarf_head_start): libc's .debug_info is inflated
#     from the start on a second thread while the threads are unwound,
#     copies of ISA-L's state kept on the way; the units the plan names
#     behind the stream are inflated again from the copies: wall 25 -> 22 ms;
#   - less fresh memory (peak heap 8.8 -> 5.0 MB), no teardown at exit,
#     raw deflate after the zlib header (no Adler-32), the symbol-table
#     pass skipping cheaply, libunwind's sigprocmask calls answered
#     without a system call (1,150 -> 7), JSON written in fewer calls.
#   Three runs of `bench/core-c.sh 5 10` on the quiet machine (load 1.1-1.5):
#     fleet-pie coroner 0.029-0.031 s CPU / 0.020-0.022 s wall; eu-stack
#     6.0-6.2x CPU, 8.8-9.2x wall; gdb 18.4-18.5x CPU, 21.9-22.9x wall
#     (net of the sh loop's process start: gdb 19.7-19.8x CPU, 25-27x
#     wall); null-pie 0.025 / 0.019 (eu-stack 3.6x, 4.7x; gdb 14.9x,
#     16.6x). Both cores are busy to the end: the head thread takes 37% of
#     the CPU, ISA-L 55% of the instructions (160 M in all), and a third
#     thread indexing the program's C++ unit meanwhile gained nothing.
# Tried and left out (interleaved runs, load 5): inflating each section
# whole up to the last byte needed, straight into huge pages (4 KiB pages
# cost about 3 ms per MB on this VM; a huge page can stall on compaction):
# 4.5 M instructions fewer, wall median 0.075 s against 0.062. Naming
# libc's frames on a second thread: no wall gain, malloc locks. libdwarf
# without its allocation tree (dwarf_set_de_alloc_flag(0)): 5 M fewer, but
# it leaks libdwarf's own blocks on malformed units. libunwind without its
# cache (UNW_CACHE_NONE): no lock, but a mempool lock per step (2,241
# rt_sigprocmask) and 4.2 M instructions unwinding instead of 1.5 M;
# UNW_CACHE_PER_THREAD is GLOBAL in a libunwind built without it (Debian's).
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
	lc=$(awk '{ print $1 }' "$w/loop" | med) lw=$(awk '{ print $2 }' "$w/loop" | med)
	echo "  sh loop per run: CPU $lc s, wall $lw s (in each figure above)"
	# the same ratios with the loop's own cost (a fork and exec of /bin/true) taken out of each figure
	awk -v cc="$cc" -v cw="$cw" -v ec="$ec" -v ew="$ew" -v gc="$gc" -v gw="$gw" -v lc="$lc" -v lw="$lw" 'BEGIN {
		cc -= lc; cw -= lw; if (cc < 0.0001) cc = 0.0001; if (cw < 0.0001) cw = 0.0001
		printf "  net of the loop: CPU eu-stack/coroner %.1fx, gdb/coroner %.1fx; wall %.1fx, %.1fx\n",
			(ec - lc) / cc, (gc - lc) / cc, (ew - lw) / cw, (gw - lw) / cw }'
	echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
