#!/bin/bash
# coroner heap on a big heap: testdata/gen/bigheap (N records of 48 bytes each
# holding a 160-byte buffer, on 16 lists from one global: 2N objects, about
# 1 GiB for the default N = 5,000,000), crashed under GOTRACEBACK=crash.
# Prints CPU (user+sys), wall and peak RSS of `coroner heap` (best of RUNS),
# and the program's own HeapAlloc / HeapObjects beside coroner's reachable
# totals. Peak RSS includes the pages of the mmapped core that were touched.
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
best_cpu= best_wall= best_rss=
for i in $(seq "$runs"); do
	/usr/bin/time -f "%U %S %e %M" -o "$dir/t" "$coroner" heap --format=json "$dir/bigheap" "$dir/core" >"$dir/heap.json" 2>"$dir/heap.err"
	read -r u s w m < "$dir/t"
	c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
	if [ -z "$best_cpu" ] || awk -v a="$c" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then best_cpu=$c best_wall=$w best_rss=$m; fi
done
printf 'core: %s bytes\n' "$(stat -c %s "$dir/core")"
cat "$dir/program.txt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("coroner: reachable %d bytes, %d objects, unreachable %d bytes" % (d["heap_bytes"], d["objects"], d["unreachable_bytes"]))' "$dir/heap.json"
printf 'coroner heap: cpu %s s, wall %s s, peak RSS %s kB (best of %s)\n' "$best_cpu" "$best_wall" "$best_rss" "$runs"
