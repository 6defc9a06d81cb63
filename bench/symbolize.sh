#!/bin/sh
# Symbolization speed: coroner symbolize vs llvm-symbolizer (inline frames),
# go tool addr2line (pclntab, no inline frames) and GNU addr2line -i, on the
# same N addresses (default 100,000) inside functions of a big Go binary with
# compressed DWARF (cmd/compile of the local GOROOT, 33 MB with Go 1.26). Prints times and
# ratios; checks that coroner's frames agree with llvm-symbolizer's on a
# sample (names modulo .abi0, files modulo "./").
# llvm-symbolizer and llvm-nm are Debian's llvm package (apt-get install llvm);
# go tool addr2line is the local Go's, GNU addr2line binutils'.
#   bench/symbolize.sh [BINARY] [N]
# Last figures (100k addresses, Go 1.26 cmd/compile; CPU = user+sys, median
# of 5 runs of each tool interleaved, under load 15-16 on 2 cores): coroner
# 0.07 s, llvm-symbolizer 1.76 s: 25x (wall 0.44 s vs 9.7 s: 22x). Before
# the sorted stdin path (3 runs, same load): 0.12 s, 14.5x. Peak RSS 31 MB,
# 19% of llvm-symbolizer's 165 MB.
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
t() { # label command...: "wall cpu" seconds, best of 3 runs each (the machine is shared); peak RSS in $tmp/rss.label
	label=$1; shift
	bw= bc=
	for r in 1 2 3; do
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" < "$tmp/addrs" > "$tmp/out.$label" 2>/dev/null || true
		read -r w u s m < "$tmp/time"
		echo "$m" > "$tmp/rss.$label"
		c=$(echo "$u + $s" | bc)
		if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc)" = 1 ]; then bw=$w; fi
		if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bc=$c; fi
	done
	echo "$bw $bc"
}
ratio() { echo "scale=1; $1 / $2" | bc; }
row() { # name "wall cpu" [note]
	set -- "$1" ${2} "${3:-}"
	if [ "$1" = "coroner symbolize" ]; then
		printf '%-28s wall %6ss  cpu %6ss\n' "$1" "$2" "$3"
	else
		printf '%-28s wall %6ss  cpu %6ss   %5sx coroner (wall)  %5sx (cpu) %s\n' "$1" "$2" "$3" \
			"$(ratio "$2" "$cw")" "$(ratio "$3" "$cc")" "$4"
	fi
}
tc=$(t coroner "$C" symbolize -e "$bin"); cw=${tc% *} cc=${tc#* }
tl=$(t llvm llvm-symbolizer --obj="$bin" --inlines)
tg=$(t goaddr2line go tool addr2line "$bin")
ta=$(t gnu addr2line -f -i -e "$bin")
row "coroner symbolize" "$tc"
row "llvm-symbolizer --inlines" "$tl"
row "go tool addr2line" "$tg" "(no inline frames)"
row "GNU addr2line -f -i" "$ta"
fc=$(grep -c . "$tmp/out.coroner" || true); fl=$(grep -c . "$tmp/out.llvm" || true)
echo "peak RSS: coroner $(cat "$tmp/rss.coroner") KiB, llvm-symbolizer $(cat "$tmp/rss.llvm") KiB ($(echo "scale=1; 100 * $(cat "$tmp/rss.coroner") / $(cat "$tmp/rss.llvm")" | bc)% of it)"
echo "frames (lines/2): coroner $((fc / 2)), llvm-symbolizer $((fl / 2))"
# agreement on the first 2000 addresses
head -2000 "$tmp/addrs" > "$tmp/a2k"
"$C" symbolize -e "$bin" < "$tmp/a2k" | sed -e 's/\.abi0$//' > "$tmp/c2k"
llvm-symbolizer --obj="$bin" --inlines < "$tmp/a2k" | sed -e 's#^\./##' -e 's/\.abi0$//' > "$tmp/l2k"
d=$(diff "$tmp/l2k" "$tmp/c2k" | grep -c '^<' || true)
echo "agreement on 2000 addresses: $d differing llvm-symbolizer lines of $(wc -l < "$tmp/l2k")"
