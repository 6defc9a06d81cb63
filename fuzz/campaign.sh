#!/bin/sh
# Fuzz targets until each has had GOAL CPU-seconds in all (counted from
# fuzz/cpu-ledger.tsv), one target at a time on one core. Run one lane per
# core, each with its own list of targets.
#
# usage: fuzz/campaign.sh BUILD GOAL TARGET...
#   BUILD   a libFuzzer build (CC=clang-14 meson setup BUILD -Dfuzz=true -Db_lundef=false)
#   GOAL    CPU-seconds per target, over every session (3600 = the issue's hour)
# env: FZ_WORK (default /tmp/fz-work): scratch corpora and artifacts
#      FZ_CHUNK (default 600): wall seconds per fuzzer run (a target's last
#        run is shorter: only the CPU still owed, plus 30 s)
#      FZ_STOP: a file; when it exists, stop after the current run
#      FZ_NICE (default 19): the fuzzer's nice level (0 on an idle machine)
#
# Each run appends one line to fuzz/cpu-ledger.tsv: target, date, wall s,
# CPU s (user+sys of the fuzzer, from /usr/bin/time), executions, exit code,
# and the artifact a failing run left (exit 72: the run was interrupted by
# SIGINT; libFuzzer still printed its counts). A crash or timeout does not end the
# lane: the artifact is kept in $FZ_WORK/art/TARGET/ for triage and the
# target runs again. Fuzzers run under nice 19 (FZ_NICE) so builds and tests come first;
# the ledger counts the CPU the fuzzer actually got, not wall time.
set -eu
build=${1:?usage: campaign.sh BUILD GOAL TARGET...}
goal=${2:?usage: campaign.sh BUILD GOAL TARGET...}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
ledger=$top/fuzz/cpu-ledger.tsv
work=${FZ_WORK:-/tmp/fz-work}
chunk=${FZ_CHUNK:-600}

cpu_so_far() {
	awk -F'\t' -v t="$1" '$1 == t { s += $4 } END { printf "%d\n", s }' "$ledger"
}

for t in "$@"; do
	bin=$build/fuzz/fuzz-$t
	[ -x "$bin" ] || { echo "campaign: $bin: not built" >&2; exit 1; }
	mkdir -p "$work/$t" "$work/art/$t"
	fast=0
	while :; do
		[ -n "${FZ_STOP:-}" ] && [ -e "$FZ_STOP" ] && exit 0
		done_s=$(cpu_so_far "$t")
		[ "$done_s" -ge "$goal" ] && break
		# no longer than the CPU still owed (wall >= CPU), at least a minute
		run=$((goal - done_s + 30))
		[ "$run" -lt 60 ] && run=60
		[ "$run" -gt "$chunk" ] && run=$chunk
		log=$work/$t.log
		start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
		t0=$(date +%s)
		rc=0
		/usr/bin/time -f '%U %S' -o "$work/$t.time" \
			nice -n "${FZ_NICE:-19}" "$bin" -rss_limit_mb=1024 -malloc_limit_mb=256 \
			-timeout=5 -max_total_time="$run" -print_final_stats=1 \
			-artifact_prefix="$work/art/$t/" \
			"$work/$t" "$top/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
		wall=$(( $(date +%s) - t0 ))
		cpu=$(awk 'END { printf "%d\n", $1 + $2 }' "$work/$t.time")
		execs=$(awk '/stat::number_of_executed_units/ { n = $2 } END { print n + 0 }' "$log")
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		[ -n "$art" ] && cp "$log" "$art.log" # the sanitizer's report, for triage
		printf '%s\t%s\t%d\t%d\t%s\t%d\t%s\n' "$t" "$start" "$wall" "$cpu" \
			"$execs" "$rc" "${art:--}" >>"$ledger"
		if [ "$rc" != 0 ] && [ -z "$art" ] && [ "$wall" -lt 5 ]; then
			echo "campaign: $t: fuzzer failed at once (exit $rc), see $log" >&2
			exit 1
		fi
		# a crash hit at once on every restart (a seed input): after three
		# such runs, leave the target until the build is fixed
		if [ "$rc" != 0 ] && [ "$wall" -lt 10 ]; then fast=$((fast + 1)); else fast=0; fi
		if [ "$fast" -ge 3 ]; then
			echo "campaign: $t: crashes at once on every run ($art): fix, rebuild, run again" >&2
			break
		fi
	done
done
