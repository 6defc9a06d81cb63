#!/bin/bash
# Writes a debug=2 goroutine dump of a process with 100,000 leaked goroutines
# (plus leakprog's ~13 steady ones) to the given path, for benchmarks.
#   usage: testdata/gen/bigdump.sh OUT [N]
# Built from testdata/gen/leakprog (standard library only). about 13 MB of text for N=100000.
set -euo pipefail
out=$(realpath -m "$1"); n=${2:-100000}
gen=$(cd "$(dirname "$0")/leakprog" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$gen" && GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -o "$tmp/leakprog" .)
"$tmp/leakprog" bigdump "$n" "$out"
echo "wrote $out: $(grep -c '^goroutine [0-9]* \[' "$out") goroutines" >&2
