#!/bin/sh
# The container's limits in report's advice (testdata/limits, gen/limits.sh:
# a Go service in a 64 MiB memory cgroup and a half-CPU CPU cgroup, built by
# Go 1.24 and started with GOMAXPROCS=8, and by Go 1.26 left to its
# defaults). Every number comes from the capture's own files and the
# program's own output:
#  - memory_limit: usage = memory.usage_in_bytes, limit = memory.limit_in_bytes,
#    and the advice names GOMEMLIMIT=N MiB, N = 90% of that limit rounded down;
#  - cpu_limit: the limit = cpu.cfs_quota_us / cpu.cfs_period_us; GOMAXPROCS =
#    the last gctrace line's "N P" = the program's runtime.GOMAXPROCS(0); the
#    Go release = its runtime.Version(); before 1.25 the advice sets
#    GOMAXPROCS=max(2, ceil(limit)), from 1.25 on it says the runtime already
#    follows the limit.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v jq >/dev/null && command -v zstd >/dev/null || { echo "SKIP: needs jq and zstd"; exit 77; }
[ -d "$TESTDATA/limits/go1.24" ] || { echo "SKIP: no testdata/limits"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

for D in "$TESTDATA"/limits/go1.*; do
	v=${D##*/}
	zstd -dqf "$D/limitprog.zst" -o "$T/limitprog"
	"$CORONER" report --format=json "$D" "$T/limitprog" >"$T/j" 2>"$T/err" || { ko "$v: exit $?: $(cat "$T/err")"; continue; }
	fnd() { jq -c --arg k "$1" '[.findings[] | select(.kind == $k)][0] // empty' "$T/j"; }
	fnd memory_limit >"$T/m"; fnd cpu_limit >"$T/c"
	ev() { jq -r ".evidence.$2 // empty" "$T/$1"; }
	limit=$(cat "$D/memory.limit_in_bytes") usage=$(cat "$D/memory.usage_in_bytes")
	[ "$(ev m limit)" = "$limit" ] && [ "$(ev m usage)" = "$usage" ] && ok ||
		ko "$v: memory_limit limit/usage $(ev m limit)/$(ev m usage), files $limit/$usage"
	mib=$(awk -v l="$limit" 'BEGIN { printf "%d", l * 0.9 / 1048576 }')
	case $(ev m next_step) in *"GOMEMLIMIT=${mib}MiB "*) ok ;; *) ko "$v: memory_limit advice without GOMEMLIMIT=${mib}MiB: $(ev m next_step)" ;; esac
	q=$(cat "$D/cpu.cfs_quota_us") p=$(cat "$D/cpu.cfs_period_us")
	want=$(awk -v q="$q" -v p="$p" 'BEGIN { print q / p }')
	[ "$(ev c cpu_limit)" = "$want" ] && ok || ko "$v: cpu_limit $(ev c cpu_limit), files $q/$p = $want"
	procs=$(awk '/^gc [0-9]/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^P/) n = $i } END { print n }' "$D/gctrace.txt")
	own=$(sed -n 's/.*gomaxprocs=\([0-9]*\).*/\1/p' "$D/expected/limitprog.stdout")
	[ "$(ev c gomaxprocs)" = "$procs" ] && [ "$procs" = "$own" ] && ok || ko "$v: gomaxprocs $(ev c gomaxprocs), gctrace $procs, program's $own"
	gv=$(sed -n 's/^version=\([^ ]*\).*/\1/p' "$D/expected/limitprog.stdout")
	[ "$(ev c go_version)" = "$gv" ] && ok || ko "$v: go_version $(ev c go_version), program's $gv"
	minor=$(echo "$gv" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
	pick=$(awk -v q="$q" -v p="$p" 'BEGIN { n = int((q + p - 1) / p); if (n < 2) n = 2; print n }')
	if [ "$minor" -ge 25 ]; then
		case $(ev c next_step) in *"already follows the cgroup's CPU limit"*"= $pick,"*) ok ;; *) ko "$v: cpu advice: $(ev c next_step)" ;; esac
	else
		case $(ev c next_step) in *"set GOMAXPROCS=$pick "*"Go 1.25+"*) ok ;; *) ko "$v: cpu advice: $(ev c next_step)" ;; esac
	fi
done
# the OOM kill of testdata/oom: its advice carries the same value, from
# that cgroup's memory.limit_in_bytes
O=$TESTDATA/oom
if [ -f "$O/memory.limit_in_bytes" ]; then
	"$CORONER" report --format=json "$O" >"$T/j" 2>/dev/null
	mib=$(awk '{ printf "%d", $1 * 0.9 / 1048576 }' "$O/memory.limit_in_bytes")
	case $(jq -r '[.findings[] | select(.kind == "oom_kill")][0].evidence.next_step // empty' "$T/j") in
	*"GOMEMLIMIT=${mib}MiB "*) ok ;;
	*) ko "oom: oom_kill advice without GOMEMLIMIT=${mib}MiB" ;;
	esac
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
