#!/bin/bash
# Writes the synthetic ~400,000-sample heap profile used by benchmarks.
#   usage: testdata/gen/make-bigprofile.sh OUT.pb.gz [extra bigprofile flags]
# Deterministic (fixed seed): the output's sha256 is recorded in
# testdata/gen/bigprofile/expected/sha256.txt by regen.sh.
set -euo pipefail
out=$(realpath -m "$1"); shift
dir=$(cd "$(dirname "$0")/bigprofile" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$dir" && GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" go build -o "$tmp/bigprofile" .)
"$tmp/bigprofile" "$@" "$out"
