#!/bin/sh
# Regenerates testdata/net: runs netleak (loopback only) in it, then
# compresses the padded `ss -tanpi` output. Needs ss (iproute2), netstat
# (net-tools) and lsof on PATH. References: testdata/net/expected/INDEX.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../net"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go build -o "$tmp/netleak" .)
rm -rf "$out/before" "$out/after"
(cd "$out" && "$tmp/netleak" . </dev/null >/dev/null)
for c in before after; do
	zstd -q -19 --rm "$out/$c/ss.txt"
done
