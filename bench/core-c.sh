#!/bin/sh
# coroner core vs eu-stack and gdb on C/C++ cores (testdata/ccore, made by
# testdata/gen/ccrash/gen.sh and fleet.sh): every thread's backtrace, libc
# named through this machine's libc6-dbg (the cores' libc must be this
# machine's: its build id is checked).
#   null-pie:  3 threads, C
#   fleet-pie: 64 threads, C++
# Each tool RUNS times (default 3) under /usr/bin/time; prints CPU seconds
# (user+sys) of every run and the ratios of the best runs. On the machine
# the cores were made on (2 shared cores), best of 3: null-pie coroner
# 0.06 s, eu-stack 0.10 s, gdb 0.41 s; fleet-pie coroner 0.08 s, eu-stack
# 0.19 s, gdb 0.58 s. Most of coroner's time is inflating libc's compressed
# debug sections (10 MB).
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
cpu() { # command... -> CPU seconds of each run, then the best
	best=
	for i in $(seq "$runs"); do
		/usr/bin/time -f "%U %S" -o "$w/t" "$@" > "$w/out" 2> /dev/null < /dev/null || true
		run=$(awk '{ printf "%.2f", $1 + $2 }' "$w/t")
		printf ' %s' "$run"
		best=$(awk -v a="$run" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
	done
	printf '  best %s\n' "$best"
	echo "$best" > "$w/best"
}
for name in null-pie:ccrash-pie fleet-pie:fleet-pie; do
	core=${name%%:*} bin=$d/${name#*:}
	zstd -dqc "$d/$core.core.zst" > "$w/core"
	echo "$core ($(grep -c '^Thread ' "$d/expected/$core.gdb") threads), CPU seconds:"
	printf '  %-10s' coroner; cpu "$coroner" --sysroot=/ core --format=json "$bin" "$w/core"; c=$(cat "$w/best")
	printf '  %-10s' eu-stack; cpu eu-stack -i --core="$w/core" -e "$bin"; e=$(cat "$w/best")
	printf '  %-10s' gdb; cpu gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' "$bin" "$w/core"; g=$(cat "$w/best")
	awk -v c="$c" -v e="$e" -v g="$g" 'BEGIN { if (c < 0.01) c = 0.01
		printf "  eu-stack/coroner %.1fx, gdb/coroner %.1fx\n", e / c, g / c }'
done
