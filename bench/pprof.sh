#!/bin/bash
# coroner pprof against go tool pprof, one row per report, on the 400k-sample
# tree-shaped profile of testdata/gen/bigprofile (seeded, reproducible; as
# testdata/gen/make-bigprofile.sh OUT). Both get the same command line; the
# output goes to /dev/null (-proto's too: with -output=FILE coroner also
# fsyncs the file it writes atomically, and that time is the disk's).
# Commands run in turn (A B A B ...) RUNS times (default 3); each figure is
# the median of its runs: CPU seconds (user+sys) and wall seconds from
# /usr/bin/time, peak RSS in KiB. The machine may be shared: the CPU ratios
# are the steadier ones.
# The last lines list every report's ratio and the load average.
# On a shared machine run it under `chrt -f 10` (SCHED_FIFO, root): each
# tool then has both cores while it runs, whatever else the machine does.
# Last measured that way (RUNS=3, all ten reports, load 1.7-3.1), CPU /
# wall: -top 88.9x / 119.0x, -traces 47.7x / 37.4x, -tags 31.3x / 34.1x,
# -tree 58.9x / 65.6x, -peek 45.4x / 47.4x, -raw 38.2x / 42.9x, -proto
# 23.5x / 29.8x, -callgrind 37.3x / 37.3x, -dot 43.9x / 45.1x, -list 41.2x
# / 41.5x. Half an hour before (load 3.5, before the fleet's loader
# changes): -proto 26.2x / 34.1x, -tags 31.9x / 30.6x, -callgrind 32.2x /
# 34.2x, the others 38x or more. pprof's own figures move a lot (-top:
# 9.4 CPU-s in one session, about 6.6 the session before).
# The session before, quiet and without chrt, before the samples were
# decoded behind the inflation and the output deflated on both cores:
# -tags 21.4x / 22.1x, -proto 23.0x / 22.4x (18.2x / 17.9x ten minutes
# earlier), -callgrind 24.0x / 22.9x.
# coroner's user time is a steady 0.15-0.18 s (-proto; -tags 0.09-0.10);
# its system time, the kernel zeroing the 70 MB the read takes (the
# inflated input 17 MB, the sample arrays 50 MB; -tags keeps no stacks:
# 50 MB in all), varies from 0.01 to 0.20
# s with the machine: most right after another process freed hundreds of
# MB (pprof's 550 MB; after a 600 MB allocation exits: 0.08-0.16 s, against
# 0.01-0.05 s for runs back to back). Its threads: the input is inflated
# on one while the other decodes the samples as they arrive (into arrays
# it grows, mapping their pages ahead), and the output is encoded on one
# and deflated, 256 KiB at a time, on both.
#   usage: bench/pprof.sh [REPORTS...]
#          (default: top traces tags tree peek raw proto callgrind dot list)
#   env: RUNS=N, KEEP=DIR (keep and reuse the generated profile there),
#        PROFILE=FILE (your own profile instead), PEEK=RE and LIST=RE
#        (default main\. for both)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
data=${KEEP:-$work}
mkdir -p "$data"
runs=${RUNS:-3}
reports=("$@")
[ ${#reports[@]} -gt 0 ] || reports=(top traces tags tree peek raw proto callgrind dot list)
p=${PROFILE:-$data/tree.pb.gz}
if [ ! -s "$p" ]; then
	(cd "$root/testdata/gen/bigprofile" &&
		GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" go build -o "$work/bigprofile" .)
	"$work/bigprofile" "$p" >/dev/null
fi
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() { # LABEL CMD...: one run appended to $work/LABEL as "wall cpu rss"
	local label=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
	awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$work/t" >> "$work/$label"
}
med() { awk -v f="$2" '{ print $f }' "$work/$1" | median; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-8s %-14s %8s %8s %10s\n' report tool wall_s cpu_s peak_KiB
for r in "${reports[@]}"; do
	case $r in
	top) args=(-top -nodecount=25) ;;
	traces) args=(-traces) ;;
	tags) args=(-tags) ;;
	tree) args=(-tree) ;;
	peek) args=(-peek="${PEEK:-main\\.}") ;;
	raw) args=(-raw) ;;
	proto) args=(-proto) ;;
	callgrind) args=(-callgrind) ;;
	dot) args=(-dot) ;;
	list) args=(-list="${LIST:-main\\.}") ;;
	*) echo "unknown report $r" >&2; exit 2 ;;
	esac
	rm -f "$work/coroner" "$work/pprof"
	for i in $(seq "$runs"); do
		run coroner "$coroner" pprof "${args[@]}" "$p"
		run pprof go tool pprof "${args[@]}" "$p"
	done
	printf '%-8s %-14s %8s %8s %10s\n' "-$r" coroner "$(med coroner 1)" "$(med coroner 2)" "$(med coroner 3)"
	printf '%-8s %-14s %8s %8s %10s\n' "" "go tool pprof" "$(med pprof 1)" "$(med pprof 2)" "$(med pprof 3)"
	awk -v cc="$(med coroner 2)" -v pc="$(med pprof 2)" -v cw="$(med coroner 1)" -v pw="$(med pprof 1)" \
		'BEGIN { printf "         pprof / coroner: %.1fx cpu, %.1fx wall\n", pc / (cc > 0 ? cc : 0.001), pw / (cw > 0 ? cw : 0.001) }' |
		tee -a "$work/ratios"
	sed -i '$ s/^ */-'"$r"' /' "$work/ratios"
done
echo
echo "pprof / coroner (medians of $runs; load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end):"
awk '{ printf "  %-11s %8s cpu %8s wall\n", $1, $5, $7 }' "$work/ratios"
