#!/bin/bash
# Race-detector reports of gen/raceprog (built with -race by Go 1.26) into
# testdata/race/: the program's stderr and stdout as one log, the way a
# report is pasted:
#   - race.txt: GORACE=suppress_equal_stacks=0 suppress_equal_addresses=0,
#     three rounds: the counter race is printed once per round (three
#     reports with the same two stacks) and the config race once, between
#     the program's own log lines;
#   - race-default.txt: default GORACE: the runtime prints each pair of
#     program counters once;
#   - race-panic.txt: one round, then a panic (assignment to a nil map):
#     race reports and a crash in one log.
# The references (expected/) are the runtime's own lines taken from these
# files with grep: the "Found N data race(s)" trailer and the number of
# "WARNING: DATA RACE" headers.
# usage: testdata/gen/race.sh [GO_BINARY]  (default: go on PATH); needs gcc.
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=1
unset GODEBUG GOTRACEBACK GOMAXPROCS GORACE || true
GO=${1:-go}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=$TD/race
rm -rf "$D"; mkdir -p "$D/expected"
(cd "$GEN/raceprog" && "$GO" build -race -trimpath -o "$W/raceprog" .)
cd "$D"
GORACE="suppress_equal_stacks=0 suppress_equal_addresses=0" "$W/raceprog" 3 >race.txt 2>&1 \
	&& { echo "raceprog: no race?" >&2; exit 1; } || echo "exit status $?" >expected/race.exit
"$W/raceprog" 3 >race-default.txt 2>&1 \
	&& { echo "raceprog: no race?" >&2; exit 1; } || echo "exit status $?" >expected/race-default.exit
"$W/raceprog" 1 panic >race-panic.txt 2>&1 \
	&& { echo "raceprog: no panic?" >&2; exit 1; } || echo "exit status $?" >expected/race-panic.exit
"$GO" version >go.version
rec() { local out=$1; shift; "$@" >"expected/$out"; printf "%s\t%s\n" "$out" "${*@Q}" >>expected/INDEX; }
printf '# output-file<TAB>command, run in testdata/race (raceprog built by %s with -race -trimpath)\n' \
	"$(cat go.version)" >expected/INDEX
printf 'race.txt\tGORACE="suppress_equal_stacks=0 suppress_equal_addresses=0" ./raceprog 3 >race.txt 2>&1\n' >>expected/INDEX
printf 'race-default.txt\t./raceprog 3 >race-default.txt 2>&1\n' >>expected/INDEX
printf 'race-panic.txt\t./raceprog 1 panic >race-panic.txt 2>&1\n' >>expected/INDEX
rec race-panic.panic.txt grep '^panic: ' race-panic.txt
for f in race race-default; do
	rec $f.found.txt grep -E '^Found [0-9]+ data race' $f.txt
	rec $f.warnings.txt grep -c '^WARNING: DATA RACE$' $f.txt
	# each report's first access line and the frame under it: the pairs
	rec $f.accesses.txt grep -E -A2 '^(Read|Write|Previous read|Previous write|Atomic [a-z]+|Previous atomic [a-z]+) at 0x[0-9a-f]+ by ' $f.txt
done
