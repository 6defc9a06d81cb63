#!/bin/bash
# testdata/contention: Go's mutex and block profiles as debug=1 text and as
# protobuf, written at the same moment by contendprog (testdata/gen/
# contendprog) built with Go 1.19 and with the newest Go. References:
# `go tool pprof -top` on the text (the legacy parser: totals) and on the
# protobuf of the same records (every row).
# usage: testdata/gen/contention.sh   (run by regen.sh contention)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
D=$(dirname "$GEN")/contention
export GOPROXY=off GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
W=$(mktemp -d); trap 'rm -rf "$W" "$PPROF_TMPDIR"' EXIT
for v in 1.19 new; do
	if [ $v = 1.19 ]; then G=/usr/lib/go-1.19/bin/go; else G=$(command -v go); fi
	O="$D/go$v"
	mkdir -p "$O/expected"
	: >"$O/expected/INDEX"
	(cd "$GEN/contendprog" && "$G" build -o "$W/contendprog" .)
	"$W/contendprog" "$O"
	"$G" version >"$O/expected/go-version"
	cd "$O"
	for k in mutex block; do
		for si in contentions delay; do
			for f in $k.txt $k.pb.gz; do
				"$G" tool pprof -top -sample_index=$si $f >expected/$f.top.$si.txt 2>&1
				printf '%s\t%s\n' "$f.top.$si.txt" "go tool pprof -top -sample_index=$si $f" >>expected/INDEX
			done
		done
	done
	cd - >/dev/null
done
