#!/bin/sh
# report's crash finding on GOTRACEBACK=crash cores of gen/panicprog
# (testdata/panic/goVER, gen/panic.sh; Go 1.19 and a newer release), against
# the runtime's own traceback written as each core was made:
#   - the message: the traceback's "panic: " line, recovered from the core's
#     memory (the goroutine's _panic and its argument);
#   - the subject: the innermost frame of package main in the traceback's
#     first goroutine;
#   - the stack names the runtime's panic frame runtime.gopanic (the
#     traceback prints it as "panic(").
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
for d in "$TESTDATA"/panic/go1.*; do
	[ -f "$d/panicprog.gz" ] || continue
	v=${d##*/}
	gunzip -c "$d/panicprog.gz" >"$tmp/bin"
	for m in nilmap index errorsnew wrap string; do
		zstd -d -q -f "$d/core-$m.zst" -o "$tmp/core" || { echo "FAIL $v $m: zstd"; fail=$((fail+1)); continue; }
		if ! "$CORONER" report --format=json "$tmp/bin" "$tmp/core" >"$tmp/out.json" 2>"$tmp/err"; then
			echo "FAIL $v $m: exit"; cat "$tmp/err"; fail=$((fail+1)); continue
		fi
		want=$(grep -m1 '^panic: ' "$d/crash-$m.txt")
		got=$(jq -r '.findings[] | select(.kind=="crash") | .evidence.message' "$tmp/out.json")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then pass=$((pass+1)); else
			echo "FAIL $v $m: message '$got', the runtime printed '$want'"; fail=$((fail+1)); fi
		want=$(awk '/^goroutine /{n++} n==1 && /^main\./{sub(/\(.*/, ""); print; exit}' "$d/crash-$m.txt")
		got=$(jq -r '.findings[] | select(.kind=="crash") | .subject' "$tmp/out.json")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then pass=$((pass+1)); else
			echo "FAIL $v $m: subject '$got', want '$want'"; fail=$((fail+1)); fi
		if grep -q '^panic(' "$d/crash-$m.txt" &&
			jq -e '.findings[] | select(.kind=="crash") | .evidence.stack[] | select(.function=="runtime.gopanic")' \
				"$tmp/out.json" >/dev/null; then pass=$((pass+1)); else
			echo "FAIL $v $m: no runtime.gopanic frame"; fail=$((fail+1)); fi
	done
done
[ $pass -gt 0 ] || { echo "SKIP: no testdata/panic"; exit 77; }
echo "crash-panic: $pass passed, $fail failed"
[ $fail -eq 0 ]
