#!/bin/sh
# Records the perf fixtures of testdata/perf with Linux perf (needs
# `perf record` to work: perf_event_paranoid <= 2 for a process's own
# samples; cpu-clock works in VMs and containers without a PMU), and the
# reference outputs of expected/ (see expected/INDEX).
#   testdata/gen/perfprog/record.sh OUTDIR
set -eu
out=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go build -o "$tmp/perfprog" .)
gcc -O2 -g -fno-omit-frame-pointer -pthread -o "$tmp/cprog" "$here/c/cprog.c"
cd "$tmp"
perf record -q -g -e cpu-clock -F 999 -o go.data -- ./perfprog 2s >/dev/null 2>&1
perf record -q -g -e cpu-clock -F 999 -o c.data -- ./cprog 2 >/dev/null 2>&1
perf record -q -e cpu-clock -F 999 -o nog.data -- ./cprog 1 >/dev/null 2>&1
perf record -q -g --sample-cpu -e cpu-clock -F 499 -o multi.data -- sh -c './cprog 1 & ./perfprog 1s; wait' >/dev/null 2>&1
mkdir -p "$out/expected"
for f in go c nog; do
	perf script -i $f.data 2>/dev/null > "$out/$f.perf.txt"
done
# several processes and threads, with pid/tid and cpu in the header
perf script -i multi.data -F comm,pid,tid,cpu,time,period,event,ip,sym,dso 2>/dev/null > "$out/multi.perf.txt"
for f in go c nog multi; do
	perf report -i $f.data --no-children --sort sym -n --stdio -g none 2>/dev/null \
		> "$out/expected/$f.perf-report.txt"
	awk -f "$here/fold.awk" "$out/$f.perf.txt" | LC_ALL=C sort > "$out/expected/$f.folded"
done
zstd -q -f --rm -19 "$out"/*.perf.txt
