#!/bin/sh
# coroner flame --format=folded against `go tool pprof -traces` (recorded in
# testdata/flame/expected): each traces block is one sample (value first,
# frames leaf first); summed per stack and reversed, they are the folded
# stacks coroner must print, with the same exact values.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
dir=$TESTDATA/flame
[ -f "$dir/expected/INDEX" ] || { echo "SKIP: no references"; exit 77; }
tmp=${TMPDIR:-/tmp}/flame-folded.$$
mkdir -p "$tmp"; trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
while IFS='	' read -r out cmd; do
	case "$out" in '#'*|'') continue ;; esac
	si="" file=""
	for a in $cmd; do
		case "$a" in
		-sample_index=*) si=${a#-sample_index=} ;;
		-*|go|tool|pprof) ;;
		*) file=$a ;;
		esac
	done
	awk '
	/^-----------\+/ { flush(); inblk = 1; n = 0; next }
	inblk && n == 0 && /^ *[A-Za-z_]+: / { next }   # a label line (bytes: 16B)
	inblk {
		line = $0
		if (n == 0) { v = $1; sub(/^ *[^ ]+ +/, "", line) } else sub(/^ +/, "", line)
		sub(/ \(inline\)$/, "", line)
		fr[n++] = line; next
	}
	function flush(  s, i) {
		if (n > 0) {
			s = fr[n - 1]; for (i = n - 2; i >= 0; i--) s = s ";" fr[i]
			sub(/B$/, "", v); sum[s] += v
		}
		n = 0
	}
	END { flush(); for (s in sum) if (sum[s] != 0) printf "%s %d\n", s, sum[s] }
	' "$dir/expected/$out" | sort >"$tmp/want"
	(cd "$dir" && "$CORONER" flame ${si:+-i "$si"} --format=folded "$file") | sort >"$tmp/got"
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $out ($cmd)"
		diff "$tmp/want" "$tmp/got" | head -10
	fi
done <"$dir/expected/INDEX"
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || { echo "SKIP: no reference outputs"; exit 77; }
[ "$fail" = 0 ]
