#!/bin/bash
# coroner goroutines on a 100,000-goroutine debug=2 dump (testdata/gen/bigdump.sh),
# against the floor (grep -c over the same file: one pass over the bytes) and
# against `go tool pprof -top` on a protobuf of similar size (the synthetic
# heap profile of testdata/gen/make-bigprofile.sh; pprof cannot read debug=2
# dumps, and a goroutine protobuf of the same process aggregates to a few KB).
# panicparse is not packaged on Debian; it is not measured here.
# usage: bench/goroutines.sh [DUMP] [PROFILE.pb.gz]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dump=${1:-}
if [ -z "$dump" ]; then
	dump=$work/big.dump
	bash "$root/testdata/gen/bigdump.sh" "$dump" 100000 2>/dev/null
fi
prof=${2:-}
if [ -z "$prof" ]; then
	prof=$work/big.pb.gz
	bash "$root/testdata/gen/make-bigprofile.sh" "$prof" >/dev/null
fi
gzip -c "$dump" > "$work/dump.gz"
# the same dump as a container log keeps it (CRI prefix on every line)
awk '{ printf "2024-05-01T10:00:%02d.%dZ stderr F %s\n", NR % 60, 100000 + NR % 900000, $0 }' "$dump" > "$work/dump.cri"
runs=${RUNS:-5}
# best-of-N wall time in seconds, and user+sys CPU seconds of that run, peak RSS KiB
measure() {
	local best=999999 cpu=0 rss=0
	for _ in $(seq "$runs"); do
		local t0 t1
		t0=$(date +%s%N)
		/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
		t1=$(date +%s%N)
		read -r _ u s m < "$work/t"
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
		if awk -v a="$best" -v b="$t" 'BEGIN{exit !(b<a)}'; then
			best=$t; cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}'); rss=$m
		fi
	done
	echo "$best $cpu $rss"
}
n=$(grep -c '^goroutine [0-9]* \[' "$dump")
read -r tf cf rf < <(measure grep -c '^goroutine [0-9]* \[' "$dump")
read -r tc cc rc < <(measure "$coroner" goroutines "$dump")
read -r tz cz rz < <(measure "$coroner" goroutines "$work/dump.gz")
read -r tx cx rx < <(measure "$coroner" goroutines "$work/dump.cri")
read -r tl cl rl < <(measure "$coroner" leaks "$dump" "$dump")
read -r tp cp rp < <(RUNS=1 measure go tool pprof -top -nodecount=25 "$prof")
printf 'dump: %s goroutines, %s bytes; protobuf: %s bytes gzipped (%s inflated)\n' "$n" \
	"$(stat -c %s "$dump")" "$(stat -c %s "$prof")" "$(gzip -dc "$prof" | wc -c)"
printf '%-40s %8s %8s %10s\n' tool wall_s cpu_s peak_KiB
printf '%-40s %8s %8s %10s\n' "grep -c headers (floor)" "$tf" "$cf" "$rf" \
	"coroner goroutines DUMP" "$tc" "$cc" "$rc" \
	"coroner goroutines DUMP.gz" "$tz" "$cz" "$rz" \
	"coroner goroutines DUMP with CRI prefix" "$tx" "$cx" "$rx" \
	"coroner leaks DUMP DUMP" "$tl" "$cl" "$rl" \
	"go tool pprof -top (similar-size pb)" "$tp" "$cp" "$rp"
awk -v tc="$tc" -v tf="$tf" -v tp="$tp" -v rc="$rc" -v rp="$rp" -v tx="$tx" -v rx="$rx" 'BEGIN{
	printf "coroner goroutines: %.2fx the grep floor; %.1fx faster than pprof -top on a protobuf of similar size, %.1f%% of its peak RSS\n", tc/tf, tp/tc, 100*rc/rp
	printf "log prefix stripped: %.2fx the time and %.2fx the peak RSS of the plain dump\n", tx/tc, rx/rc }'
