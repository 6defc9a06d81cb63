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
util     util                     error.h util.h text.h out.h
input    input                    input.h detect.h
readers  profile,mem,elf          profile.h goroutine.h mem.h binary.h
sym      sym                      sym.h
core     core                     core.h
gort     gort                     gort.h
capture  capture                  capture.h
report   report                   report.h findings.h flame.h
'
set -u
root=$1
shift
lib=$root/lib
fail=0

rank_of_layer() {
	echo "$LAYERS" | awk -v l="$1" 'NF && $1 == l { print NR; exit }'
}
# layer of a directory under lib/
layer_of_dir() {
	echo "$LAYERS" | awk -v d="$1" 'NF { n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == d) { print $1; exit } }'
}
layer_of_header() {
	echo "$LAYERS" | awk -v h="$1" 'NF { for (i = 3; i <= NF; i++) if ($i == h) { print $1; exit } }'
}

# ---- 1. includes
for f in $(cd "$lib" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
	dir=${f%%/*}
	case $dir in include) continue ;; esac
	fl=$(layer_of_dir "$dir")
	if [ -z "$fl" ]; then
		echo "lib/$f: directory lib/$dir is in no layer (add it to tests/layers/layers.sh)"
		fail=1
		continue
	fi
	fr=$(rank_of_layer "$fl")
	for inc in $(sed -n 's/^[ 	]*#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$lib/$f"); do
		case $inc in
		coroner/*) tl=$(layer_of_header "${inc#coroner/}") ;;
		*/*) tl=$(layer_of_dir "${inc%%/*}") ;;
		*) tl=$fl ;; # beside the file (private headers, generated code)
		esac
		if [ -z "$tl" ]; then
			echo "lib/$f: #include \"$inc\": header in no layer (add it to tests/layers/layers.sh)"
			fail=1
			continue
		fi
		tr=$(rank_of_layer "$tl")
		if [ "$tr" -gt "$fr" ]; then
			echo "lib/$f ($fl) includes $inc ($tl): upward"
			fail=1
		fi
	done
done
# public headers: a header may include only headers of its own or lower layers
for h in $(cd "$lib/include/coroner" && ls *.h); do
	hl=$(layer_of_header "$h")
	if [ -z "$hl" ]; then
		echo "lib/include/coroner/$h: in no layer (add it to tests/layers/layers.sh)"
		fail=1
		continue
	fi
	hr=$(rank_of_layer "$hl")
	for inc in $(sed -n 's/^[ 	]*#[ 	]*include[ 	]*"coroner\/\([^"]*\)".*/\1/p' "$lib/include/coroner/$h"); do
		tl=$(layer_of_header "$inc")
		[ -n "$tl" ] || continue # reported above
		if [ "$(rank_of_layer "$tl")" -gt "$hr" ]; then
			echo "lib/include/coroner/$h ($hl) includes coroner/$inc ($tl): upward"
			fail=1
		fi
	done
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
