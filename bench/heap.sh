#!/bin/bash
# coroner heap on a big heap: testdata/gen/bigheap (N records of 48 bytes each
# holding a 160-byte buffer, on 16 lists from one global: 2N objects, about
# 1 GiB for the default N = 5,000,000), crashed under GOTRACEBACK=crash.
# Prints CPU (user+sys), wall and peak RSS of `coroner heap` (best of RUNS),
# and the program's own HeapAlloc / HeapObjects beside coroner's reachable
# totals. Peak RSS includes the pages of the mmapped core that were touched.
# With GOREF=/path/to/grf, goref (github.com/cloudwego/goref: go1.19 to
# go1.26; testdata/gen/goref.sh says how to build it) reads the same core
# (`grf core`, GOREF_RUNS times, default RUNS), each run after one of
# coroner's (both see the same load), with the total of its profile of
# references (by `go tool pprof`).
# Measured (go1.24 core, N = 5,000,000: 10,000,208 objects, 1,040,051,088
# bytes; 2 cores loaded by other jobs, load average 10.6-14.8; 3 runs in
# turn, medians): coroner 1.14 CPU-s, 220,636 kB peak RSS; goref 17.12
# CPU-s, 241,988 kB: 15.0x faster in CPU, 9.9x in wall time.
#   usage: bench/heap.sh [DIR [N [RUNS]]]   (DIR reused if it holds a core;
#          GO=/usr/lib/go-1.N/bin/go picks the release, default: go on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
[ -x "$coroner" ] || { echo "build coroner first (or set CORONER)" >&2; exit 1; }
dir=${1:-/tmp/coroner-bench-heap}; n=${2:-5000000}; runs=${3:-3}
go=${GO:-go}
mkdir -p "$dir"
if [ ! -f "$dir/core" ]; then
	(cd "$root/testdata/gen/bigheap" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go" build -trimpath -o "$dir/bigheap" .)
	(cd "$dir" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 ./bigheap "$n" >program.txt 2>/dev/null) || true
	[ -f "$dir/core" ] || { echo "no core in $dir (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
fi
# one CMD... run under /usr/bin/time, its "cpu wall rss" appended to the
# file FILE
timed() {
	local file=$1 u s w m; shift
	/usr/bin/time -f "%U %S %e %M" -o "$dir/t" "$@"
	read -r u s w m < "$dir/t"
	awk -v u="$u" -v s="$s" -v w="$w" -v m="$m" 'BEGIN{print u+s, w, m}' >> "$file"
}
# of the rows of FILE: best_cpu, best_wall, best_rss (the run of least
# CPU), med_cpu, med_wall (the medians)
summary() {
	read -r best_cpu best_wall best_rss < <(sort -g "$1" | head -1)
	med_cpu=$(cut -d' ' -f1 "$1" | sort -g | awk '{v[NR]=$1} END{print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
	med_wall=$(cut -d' ' -f2 "$1" | sort -g | awk '{v[NR]=$1} END{print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
}
goref=
if [ -n "${GOREF:-}" ] && [ -x "${GOREF:-}" ]; then goref=$GOREF; fi
gruns=${GOREF_RUNS:-$runs}
: > "$dir/times.coroner"; : > "$dir/times.goref"
total=$runs
if [ -n "$goref" ] && [ "$gruns" -gt "$runs" ]; then total=$gruns; fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# the two tools in turn, so that both see the same load
for i in $(seq "$total"); do
	[ "$i" -gt "$runs" ] ||
		timed "$dir/times.coroner" sh -c '"$1" heap --format=json "$2/bigheap" "$2/core" >"$2/heap.json" 2>"$2/heap.err"' sh "$coroner" "$dir"
	[ -z "$goref" ] || [ "$i" -gt "$gruns" ] ||
		timed "$dir/times.goref" sh -c 'cd "$2" && "$1" core bigheap core -o grf.out >grf.err 2>&1' sh "$goref" "$dir"
done
summary "$dir/times.coroner"
printf 'load average: %s before the runs, %s after\n' "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'core: %s bytes\n' "$(stat -c %s "$dir/core")"
cat "$dir/program.txt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("coroner: reachable %d bytes, %d objects, unreachable %d bytes" % (d["heap_bytes"], d["objects"], d["unreachable_bytes"]))' "$dir/heap.json"
printf 'coroner heap: cpu %s s, wall %s s, peak RSS %s kB (best of %s); medians: cpu %s s, wall %s s\n' \
	"$best_cpu" "$best_wall" "$best_rss" "$runs" "$med_cpu" "$med_wall"
if [ -z "$goref" ]; then
	echo "goref: skipped (set GOREF=/path/to/grf to time it on the same core)"
	exit 0
fi
c_cpu=$best_cpu c_wall=$best_wall c_mcpu=$med_cpu c_mwall=$med_wall
summary "$dir/times.goref"
if command -v "$go" >/dev/null; then
	"$go" tool pprof -top -unit=B -nodecount=1 -sample_index=inuse_space "$dir/grf.out" 2>/dev/null |
		sed -n 's/.* of \([0-9]*\)B total.*/goref: profile total \1 bytes/p'
fi
printf 'goref core: cpu %s s, wall %s s, peak RSS %s kB (best of %s); medians: cpu %s s, wall %s s\n' \
	"$best_cpu" "$best_wall" "$best_rss" "$gruns" "$med_cpu" "$med_wall"
awk -v a="$best_cpu" -v b="$c_cpu" -v c="$best_wall" -v d="$c_wall" \
	'BEGIN{printf "coroner is %.1fx faster than goref in CPU, %.1fx in wall time (best runs)\n", a/b, c/d}'
awk -v a="$med_cpu" -v b="$c_mcpu" -v c="$med_wall" -v d="$c_mwall" \
	'BEGIN{printf "coroner is %.1fx faster than goref in CPU, %.1fx in wall time (medians)\n", a/b, c/d}'
