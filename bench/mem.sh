#!/bin/bash
# coroner mem on a large smaps (N mappings, default 100,000: testdata/mem/smaps
# replicated at shifted addresses, as a process with many mmaps has) against
# the reference used for testdata/mem/expected/smaps.sums.txt (awk summing
# every "Key: N kB" field over all mappings) and the floor (wc -l: one pass
# over the bytes); and a 200,000-line gctrace log against awk computing the
# count and the STW pause percentiles. Prints best-of-N wall times, peak RSS
# and ratios, and checks that coroner's Rss sum equals awk's.
# usage: bench/mem.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
coroner=${CORONER:-$root/build/cmd/coroner}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
N=${1:-100000}
runs=${RUNS:-3}
src=$root/testdata/mem/smaps
per=$(grep -c '^[0-9a-f]*-[0-9a-f]* ' "$src")
# replicate: each copy shifted by 2^36 * copy so ranges stay distinct
awk -v copies=$(( (N + per - 1) / per )) '
	{ hdr[n] = ($0 ~ /^[0-9a-f]+-[0-9a-f]+ /); line[n++] = $0; if (hdr[n-1]) rest[n-1] = substr($0, index($0, " ")) }
	END {
		for (c = 0; c < copies; c++)
			for (i = 0; i < n; i++)
				if (c > 0 && hdr[i])
					printf "%x-%x%s\n", c * 68719476736 + 4096 * i, c * 68719476736 + 4096 * i + 4096, rest[i]
				else
					print line[i]
	}' "$src" > "$work/smaps"
awk '/^gc [0-9]/ { l[n++] = substr($0, index($0, " @")) } END { for (i = 0; i < 200000; i++) print "gc " (i + 1) l[i % n] }' \
	"$root/testdata/mem/gctrace.txt" > "$work/gctrace"
echo "smaps: $(grep -c '^[0-9a-f]*-' "$work/smaps") mappings, $(wc -c < "$work/smaps") bytes; gctrace: $(wc -l < "$work/gctrace") lines"

measure() { # best-of-N "seconds peak_KiB"
	local best=999999 rss=0
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
		read -r t m < "$work/t"
		best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b<a)?b:a}')
		rss=$m
	done
	echo "$best $rss"
}
sums='/^[A-Za-z_]+:/ && $3 == "kB" { s[$1] += $2 } END { for (k in s) printf "%s %.0f\n", k, s[k] }'
# STW pause per line, sorted, then count and nearest-rank p50/p99
pauses="awk '/^gc [0-9]/ { split(\$5, a, \"+\"); print a[1] + a[3] }' \"\$1\" | sort -g | awk '{ p[n++] = \$1 } END { print n, p[int(n*0.5)], p[int(n*0.99)] }'"
read -r tf rf < <(measure wc -l "$work/smaps")
read -r ta ra < <(measure awk "$sums" "$work/smaps")
awk "$sums" "$work/smaps" | awk '$1=="Rss:" {printf "%.0f\n", $2 * 1024}' > "$work/awk.rss"
read -r tc rc < <(measure "$coroner" mem --smaps "$work/smaps" --format=json)
"$coroner" mem --smaps "$work/smaps" --format=json 2>/dev/null | awk '$1=="\"rss\":" {gsub(/,/,"",$2); print $2; exit}' > "$work/c.rss"
cmp -s "$work/awk.rss" "$work/c.rss" && agree=yes || agree="NO ($(cat "$work/awk.rss") vs $(cat "$work/c.rss"))"
read -r tga rga < <(measure sh -c "$pauses" sh "$work/gctrace")
read -r tgc rgc < <(measure "$coroner" mem --status "$root/testdata/mem/status" --gctrace "$work/gctrace" --format=json)
printf '%-34s %8s %10s\n' tool seconds peak_KiB
printf '%-34s %8s %10s\n' "wc -l smaps (floor)" "$tf" "$rf"
printf '%-34s %8s %10s\n' "awk field sums (reference)" "$ta" "$ra"
printf '%-34s %8s %10s\n' "coroner mem --smaps" "$tc" "$rc"
printf '%-34s %8s %10s\n' "awk|sort|awk pause percentiles" "$tga" "$rga"
printf '%-34s %8s %10s\n' "coroner mem --gctrace" "$tgc" "$rgc"
r() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 0.005; printf "%.1fx", a / b }'; }
echo "smaps: coroner vs awk $(r "$ta" "$tc") faster, vs floor $(r "$tc" "$tf") slower; Rss sums agree: $agree"
echo "gctrace: coroner vs awk|sort|awk $(r "$tga" "$tgc") faster"
