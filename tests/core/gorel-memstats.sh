#!/bin/sh
# Memory figures of every testdata/gorel core (static, PIE, stripped, arm64)
# against the program's own runtime.ReadMemStats, which relprog prints just
# before it crashes (expected/crash-VARIANT.stdout: "HeapInuse=N HeapAlloc=N
# HeapSys=N StackInuse=N Sys=N NumGC=N"; releases whose relprog did not print
# them are skipped). NumGC, HeapSys and StackInuse must be equal; HeapAlloc
# and HeapInuse within 1% and Sys within 5% (the runtime may allocate between
# ReadMemStats and the fault: a span, an M for the signal).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v jq >/dev/null && command -v zstd >/dev/null || { echo "SKIP: needs jq and zstd"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for D in "$TESTDATA"/gorel/go1.*; do
	[ -d "$D/expected" ] || continue
	v=${D##*/}
	for t in static pie stripped arm64; do
		out=$D/expected/crash-$t.stdout
		[ -f "$D/core-$t.zst" ] && [ -f "$out" ] && grep -q 'HeapSys=' "$out" || continue
		b=relprog; [ $t = static ] || b=relprog-$t
		[ -f "$D/$b.zst" ] || continue
		zstd -dqf "$D/$b.zst" -o "$tmp/$b" && zstd -dqf "$D/core-$t.zst" -o "$tmp/core" || { fail=1; continue; }
		"$CORONER" core --format=json "$tmp/$b" "$tmp/core" >"$tmp/c.json" 2>"$tmp/err" || true
		rm -f "$tmp/core" "$tmp/$b"
		n=$((n + 1))
		bad=""
		for f in NumGC HeapSys StackInuse HeapAlloc HeapInuse Sys; do
			want=$(tr ' ' '\n' <"$out" | sed -n "s/^$f=\\([0-9]*\\)\$/\\1/p" | head -1)
			got=$(jq -r ".memstats.$f // empty" "$tmp/c.json" 2>/dev/null)
			case $f in HeapAlloc | HeapInuse) tol=100 ;; Sys) tol=20 ;; *) tol=0 ;; esac
			# |got - want| * tol <= want (tol 100: 1%, 20: 5%, 0: equal)
			if [ -z "$want" ] || [ -z "$got" ] ||
				! awk -v g="$got" -v w="$want" -v t="$tol" 'BEGIN { d = g - w; if (d < 0) d = -d
					exit !(t == 0 ? d == 0 : d * t <= w) }'; then
				bad="$bad $f: program $want, coroner ${got:-none};"
			fi
		done
		if [ -n "$bad" ]; then
			echo "FAIL $v core-$t memstats:$bad $(head -2 "$tmp/err" | tr '\n' ' ')"; fail=1
		else
			echo "ok   $v core-$t memstats: $(tr '\n' ' ' <"$out" | sed 's/^.*cmalloc_bytes=[0-9]* //')"
		fi
	done
done
[ $n -gt 0 ] || { echo "SKIP: no testdata/gorel core with the program's MemStats"; exit 77; }
echo "$n cores compared"
exit $fail
