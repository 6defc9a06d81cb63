#!/bin/sh
# The library's layers call only downward. Two checks:
#  1. no file in a layer #includes a header of a higher layer;
#  2. no layer's archive needs a symbol that only a higher layer defines.
# usage: layers.sh SRCROOT NAME=ARCHIVE... (the archives lowest layer first)
#
# The layer-order table: a layer, its directories under lib/ and its public
# headers under lib/include/coroner/. A header missing here fails the test:
# add it to the row of the layer that defines what it declares.
LAYERS='
util     util                     error.h util.h text.h out.h outfile.h frame.h
input    input                    input.h detect.h
readers  profile,mem,elf,net      profile.h goroutine.h mem.h binary.h net.h perf.h race.h cfi.h
sym      sym                      sym.h
core     core                     core.h
gort     gort                     gort.h
heap     heap                     heap.h
capture  capture                  capture.h
report   report                   report.h top.h filter.h retained.h flame.h netreport.h pprof.h
'
set -u
root=$1
shift
lib=$root/lib
fail=0

rank_of_layer() {
	echo "$LAYERS" | awk -v l="$1" 'NF && $1 == l { print NR; exit }'
}

# ---- 1. includes: "FILE:#include "X"" lines of every file under lib/, one awk
(cd "$lib" && grep -H '^[ 	]*#[ 	]*include[ 	]*"' $(find . -name '*.[ch]' | sed 's|^\./||' | sort)) |
awk -v layers="$LAYERS" '
BEGIN {
	n = split(layers, rows, "\n")
	for (r = 1; r <= n; r++) {
		k = split(rows[r], f, /[ \t]+/)
		if (k == 0 || f[1] == "") continue
		rank[f[1]] = r
		m = split(f[2], d, ",")
		for (i = 1; i <= m; i++) dirlayer[d[i]] = f[1]
		for (i = 3; i <= k; i++) hdrlayer[f[i]] = f[1]
	}
	bad = 0
}
{
	file = substr($0, 1, index($0, ":") - 1)
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
	if (file ~ /^include\/coroner\//) {
		h = file; sub(/^include\/coroner\//, "", h)
		fl = hdrlayer[h]
		if (fl == "") { if (!(h in seen)) print "lib/" file ": in no layer (add it to tests/layers/layers.sh)"; seen[h] = 1; bad = 1; next }
	} else {
		dir = file; sub(/\/.*$/, "", dir)
		fl = dirlayer[dir]
		if (fl == "") { print "lib/" file ": directory lib/" dir " is in no layer (add it to tests/layers/layers.sh)"; bad = 1; next }
	}
	if (inc ~ /^coroner\//) { h = inc; sub(/^coroner\//, "", h); tl = hdrlayer[h] }
	else if (inc ~ /\//) { d2 = inc; sub(/\/.*$/, "", d2); tl = dirlayer[d2] }
	else tl = fl # beside the file: private headers, generated code
	if (tl == "") { print "lib/" file ": #include \"" inc "\": header in no layer (add it to tests/layers/layers.sh)"; bad = 1; next }
	if (rank[tl] > rank[fl]) { print "lib/" file " (" fl ") includes " inc " (" tl "): upward"; bad = 1 }
}
END { exit bad }' || fail=1
# every public header is in the table (one that includes nothing is not seen above)
for h in $(cd "$lib/include/coroner" && ls *.h); do
	echo "$LAYERS" | awk -v h="$h" 'NF { for (i = 3; i <= NF; i++) if ($i == h) f = 1 } END { exit !f }' ||
		{ echo "lib/include/coroner/$h: in no layer (add it to tests/layers/layers.sh)"; fail=1; }
done

# ---- 2. symbols
if ! command -v nm >/dev/null 2>&1; then
	echo "SKIP symbol check: no nm"
	exit $((fail ? 1 : 77))
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for arg in "$@"; do
	i=$((i + 1))
	name=${arg%%=*}
	a=${arg#*=}
	[ -n "$(rank_of_layer "$name")" ] || { echo "$name: not in the layer table"; fail=1; }
	nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/def.$i"
	nm -u "$a" 2>/dev/null | awk '{ print $NF }' | sort -u >"$tmp/und.$i"
	echo "$name" >"$tmp/name.$i"
done
n=$i
i=1
while [ "$i" -le "$n" ]; do
	j=$((i + 1))
	while [ "$j" -le "$n" ]; do
		for s in $(comm -12 "$tmp/und.$i" "$tmp/def.$j"); do
			echo "layer $(cat "$tmp/name.$i") calls $s of the higher layer $(cat "$tmp/name.$j")"
			fail=1
		done
		j=$((j + 1))
	done
	i=$((i + 1))
done
[ "$fail" = 0 ] && echo "ok: $n layers, calls and includes only downward"
exit "$fail"
