#!/bin/bash
# coroner core vs the reference tools on the issue-7 follow-up cores
# (testdata/core, made by testdata/gen/core2.sh):
#   cgo core:      coroner core (goroutines + threads with C frames) vs
#                  gdb -batch 'thread apply all bt' (threads only)
#   stripped core: coroner core vs dlv core (which cannot read it: no DWARF)
# Both under /usr/bin/time; prints wall, CPU, peak RSS and the ratios.
#   usage: bench/core-native.sh [RUNS]   (default 5 runs each, best kept)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
[ -x "$coroner" ] || { echo "build coroner first (or set CORONER)" >&2; exit 1; }
runs=${1:-5}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
d=$root/testdata/core
zstd -dqc "$d/core-cgo.zst" > "$w/core-cgo"; gunzip -c "$d/cgoprog.gz" > "$w/cgoprog"; chmod +x "$w/cgoprog"
zstd -dqc "$d/core-stripped.zst" > "$w/core-stripped"; gunzip -c "$root/testdata/bin/gosym-stripped.gz" > "$w/gosym-stripped"
best() { # name, command... -> "cpu rss" (best of runs)
	local name=$1; shift; local bc= br= i
	for i in $(seq "$runs"); do
		/usr/bin/time -f "%U %S %M" -o "$w/t" "$@" > "$w/$name.out" 2>"$w/$name.err" </dev/null || true
		read -r u s m < <(tail -1 "$w/t")
		c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
		if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN{exit !(a<b)}'; then bc=$c; br=$m; fi
	done
	echo "$bc $br"
}
printf '%-28s %8s %10s\n' run cpu_s peak_kB
set -- $(best coroner-cgo "$coroner" core --format=json "$w/cgoprog" "$w/core-cgo"); cc=$1 cr=$2
printf '%-28s %8s %10s\n' "coroner core (cgo)" "$cc" "$cr"
set -- $(best gdb-cgo gdb -batch -nx -ex 'thread apply all bt' "$w/cgoprog" "$w/core-cgo"); gc=$1 gr=$2
printf '%-28s %8s %10s\n' "gdb thread apply all bt" "$gc" "$gr"
awk -v a="$gc" -v b="$cc" -v x="$gr" -v y="$cr" 'BEGIN { printf "gdb/coroner: cpu %.1fx, memory %.1fx\n", a/(b>0?b:0.001), x/y }'
set -- $(best coroner-stripped "$coroner" core --format=json "$w/gosym-stripped" "$w/core-stripped"); sc=$1 sr=$2
printf '%-28s %8s %10s  (%s goroutines)\n' "coroner core (stripped)" "$sc" "$sr" "$(jq '.goroutines|length' "$w/coroner-stripped.out")"
printf 'goroutines -group user\nexit\n' > "$w/dlv.init"
set -- $(best dlv-stripped dlv core "$w/gosym-stripped" "$w/core-stripped" --check-go-version=false \
	--allow-non-terminal-interactive=true --init "$w/dlv.init")
printf '%-28s %8s %10s  (%s)\n' "dlv core (stripped)" "$1" "$2" "$(cat "$w/dlv-stripped.out" "$w/dlv-stripped.err" | head -1)"
