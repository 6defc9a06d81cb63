#!/bin/sh
# Symbolization speed: coroner symbolize vs llvm-symbolizer (inline frames),
# go tool addr2line (pclntab, no inline frames) and GNU addr2line -i, on the
# same N addresses (default 100,000) inside functions of a big Go binary with
# compressed DWARF (cmd/compile of the local GOROOT, ~24 MB). Prints times and
# ratios; checks that coroner's frames agree with llvm-symbolizer's on a
# sample (names modulo .abi0, files modulo "./").
#   bench/symbolize.sh [BINARY] [N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
C=${CORONER:-$root/build/cmd/coroner}
bin=${1:-}
N=${2:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$bin" ]; then
	bin=$tmp/compile
	(cd "$tmp" && GOFLAGS=-buildvcs=false go build -o "$bin" cmd/compile)
fi
echo "binary: $bin ($(wc -c < "$bin") bytes, $(readelf -SW "$bin" | grep -c ' C ') compressed sections)"
# N addresses: uniform function among sized text symbols, uniform offset inside
llvm-nm --print-size --defined-only "$bin" | awk -v n="$N" '
	NF == 4 && $3 ~ /^[Tt]$/ && $2 != "0000000000000000" && $1 != "0000000000000000" { a[k] = $1; s[k] = $2; k++ }
	function hex(h,   i, v, c) { v = 0; h = tolower(h); for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c } return v }
	END { srand(20240501); for (i = 0; i < n; i++) { j = int(rand() * k); printf "0x%x\n", hex(a[j]) + int(rand() * hex(s[j])) } }' > "$tmp/addrs"
echo "addresses: $(wc -l < "$tmp/addrs")"
t() { # label command...: best wall seconds of 3 runs (the machine is shared)
	label=$1; shift
	best=
	for r in 1 2 3; do
		s=$(date +%s.%N)
		"$@" < "$tmp/addrs" > "$tmp/out.$label" 2>/dev/null || true
		e=$(date +%s.%N)
		x=$(echo "$e - $s" | bc)
		if [ -z "$best" ] || [ "$(echo "$x < $best" | bc)" = 1 ]; then best=$x; fi
	done
	echo "$best"
}
tc=$(t coroner "$C" symbolize -e "$bin")
tl=$(t llvm llvm-symbolizer --obj="$bin" --inlines)
tg=$(t goaddr2line go tool addr2line "$bin")
ta=$(t gnu addr2line -f -i -e "$bin")
ratio() { echo "scale=1; $1 / $2" | bc; }
printf '%-28s %8ss\n' "coroner symbolize" "$tc"
printf '%-28s %8ss  %sx coroner\n' "llvm-symbolizer --inlines" "$tl" "$(ratio "$tl" "$tc")"
printf '%-28s %8ss  %sx coroner (no inline frames)\n' "go tool addr2line" "$tg" "$(ratio "$tg" "$tc")"
printf '%-28s %8ss  %sx coroner\n' "GNU addr2line -f -i" "$ta" "$(ratio "$ta" "$tc")"
fc=$(grep -c . "$tmp/out.coroner" || true); fl=$(grep -c . "$tmp/out.llvm" || true)
echo "frames (lines/2): coroner $((fc / 2)), llvm-symbolizer $((fl / 2))"
# agreement on the first 2000 addresses
head -2000 "$tmp/addrs" > "$tmp/a2k"
"$C" symbolize -e "$bin" < "$tmp/a2k" | sed -e 's/\.abi0$//' > "$tmp/c2k"
llvm-symbolizer --obj="$bin" --inlines < "$tmp/a2k" | sed -e 's#^\./##' -e 's/\.abi0$//' > "$tmp/l2k"
d=$(diff "$tmp/l2k" "$tmp/c2k" | grep -c '^<' || true)
echo "agreement on 2000 addresses: $d differing llvm-symbolizer lines of $(wc -l < "$tmp/l2k")"
