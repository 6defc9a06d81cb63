#!/bin/bash
# coroner core vs dlv core on a core of a Go program with N parked
# goroutines (default 100,000): list and group them.
#   usage: bench/core.sh [DIR [N]]   (DIR: where bigcore.sh writes; reused if it holds a core)
# coroner: `coroner core BIN CORE` (text: goroutine groups by user frame)
# dlv:     `dlv core BIN CORE` running `goroutines -group user`
# Both under /usr/bin/time -v; prints wall, CPU (user+sys) and peak RSS, and
# the ratios dlv/coroner. Wall time is noisy on a loaded machine: CPU time is
# the steadier figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/coroner-bigcore}; n=${2:-100000}
coroner=${CORONER:-$root/build/cmd/coroner}
[ -x "$coroner" ] || { echo "build coroner first (or set CORONER)" >&2; exit 1; }
[ -f "$dir/core" ] || "$root/testdata/gen/bigcore.sh" "$dir" "$n"
printf 'goroutines -group user\nexit\n' > "$dir/dlv.init"
measure() { # name, command...
	local name=$1; shift
	/usr/bin/time -v "$@" > "$dir/$name.out" 2> "$dir/$name.time" </dev/null || true
	local wall cpu rss
	wall=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$dir/$name.time")
	cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$dir/$name.time")
	rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$dir/$name.time")
	echo "$name $wall $cpu $rss"
}
c=$(measure coroner "$coroner" core "$dir/coreprog" "$dir/core")
d=$(measure dlv dlv core "$dir/coreprog" "$dir/core" --check-go-version=false \
	--allow-non-terminal-interactive=true --init "$dir/dlv.init")
echo "goroutines: coroner $(sed -n 's/^\([0-9]*\) goroutines.*/\1/p' "$dir/coroner.out"), dlv $(grep -o 'Total: [0-9]*' "$dir/dlv.out" | awk '{s+=$2} END {print s}')"
printf '%-8s %10s %10s %12s\n' tool wall_s cpu_s peak_rss_kB
for r in "$c" "$d"; do set -- $r; printf '%-8s %10s %10s %12s\n' "$1" "$2" "$3" "$4"; done
set -- $c; cw=$2 cc=$3 cr=$4; set -- $d; dw=$2 dc=$3 dr=$4
awk -v cw="$cw" -v cc="$cc" -v cr="$cr" -v dw="$dw" -v dc="$dc" -v dr="$dr" 'BEGIN {
	printf "ratio dlv/coroner: wall %.1fx, cpu %.1fx, peak memory %.1fx (targets: >= 5x faster, <= 1/10 memory)\n",
		dw / (cw > 0 ? cw : 0.01), dc / (cc > 0 ? cc : 0.01), dr / cr }'
