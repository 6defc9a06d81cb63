#!/bin/sh
# Regenerates testdata/net: runs netleak (loopback only) in it, then
# compresses the padded `ss -tanpi` output; with -transport, the
# Transport-per-request captures in testdata/net/transport (about 2.5
# minutes: the program waits for the dump's "[IO wait, N minutes]").
# Needs ss (iproute2), netstat (net-tools) and lsof on PATH. References:
# testdata/net/expected/INDEX, testdata/net/transport/expected/INDEX.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../net"
mode=
if [ "${1:-}" = -transport ]; then
	mode=-transport
	out="$out/transport"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go build -o "$tmp/netleak" .)
rm -rf "$out/before" "$out/after"
mkdir -p "$out"
(cd "$out" && "$tmp/netleak" $mode . </dev/null >/dev/null)
for c in before after; do
	zstd -q -19 --rm "$out/$c/ss.txt"
	# the Transport-per-request dumps are long and repetitive
	[ -z "$mode" ] || zstd -q -19 --rm "$out/$c/goroutine.txt"
done
