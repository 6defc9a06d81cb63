#!/bin/sh
# coroner pprof -disasm against the standalone google/pprof's recordings
# (testdata/pprofdis: binutils' objdump and nm, recorded by
# testdata/gen/pprofdis.sh): stdout, stderr and exit status byte for byte.
# And a C++ program's (testdata/pprofcxx: names matched in their demangled
# forms). Then against go1.19's `go tool pprof -disasm` (go.*.txt), which
# disassembles with Go's own disassembler: the same lines on everything but
# the instruction text and its source annotation (the totals, the ROUTINE
# headers, each instruction's address, flat and cum).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v objdump >/dev/null && command -v nm >/dev/null || { echo "SKIP: binutils' objdump/nm not installed"; exit 77; }
d=$TESTDATA/pprofdis
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/w" "$tmp/kinds" "$tmp/heap"
gzip -dc "$TESTDATA/kinds/profkinds.gz" >"$tmp/w/profkinds"
gzip -dc "$TESTDATA/heap/heapprog.gz" >"$tmp/w/heapprog"
chmod +x "$tmp/w/profkinds" "$tmp/w/heapprog"
for f in kinds/cpu.pb.gz kinds/block.pb.gz heap/heap.pb.gz heap/heap2.pb.gz; do ln -s "$TESTDATA/$f" "$tmp/$f"; done
fail=0 pass=0
# Go's disassembler stops decoding at a function's end as Go's symbol
# table gives it (before the padding) and prints "?" where an instruction
# runs past it: each routine's address where that first happens, from
# go tool pprof's listing
cuts() { awk '/^ROUTINE/ { r = $0 } $4 == "?" && !(r in c) { c[r] = $3; print r "\t" $3 }' "$1"; }
# the lines of a -disasm listing but the instruction texts and their source
# annotations: headers, totals, each instruction's flat, cum and address
# (below the routine's cut; past it, where the two decoders may split the
# bytes differently, the values of the lines that have one, in order)
cols() {
	awk -F'\t' -v cf="$1" 'BEGIN { while ((getline l < cf) > 0) { split(l, a, "\t"); cut[a[1]] = a[2] } }
	/^ROUTINE/ { r = $0; print; next }
	/^ +;/ { next }
	$0 ~ /^ *[^ ]+ +[^ ]+ +[0-9a-f]+: / {
		split($0, f, " ")
		past = (r in cut) && length(f[3]) >= length(cut[r]) && (length(f[3]) > length(cut[r]) || f[3] >= cut[r])
		if (!past) print f[1], f[2], f[3]
		else if (f[1] != "." || f[2] != ".") print f[1], f[2]
		next
	}
	{ print }'
}
while IFS='	' read -r out cmd; do
	case "$out" in '#'*|'') continue ;; esac
	case "$cmd" in "pprof "*) args=${cmd#pprof } ;; *) continue ;; esac
	got=$(cd "$tmp/w" && eval "\"$CORONER\" pprof $args" 2>&1 || echo "exit status $?")
	want=$(cat "$d/expected/$out")
	if [ "$got" = "$want" ]; then pass=$((pass+1)); else
		fail=$((fail+1)); echo "FAIL $out ($cmd)"
		printf '%s\n' "$want" >"$tmp/want"; printf '%s\n' "$got" | diff -u "$tmp/want" - | head -20
	fi
	# go tool pprof's listing: the same report in Go's syntax
	[ -f "$d/expected/go.$out" ] || continue
	case "$(head -1 "$d/expected/go.$out")" in Total:*) ;; *) continue ;; esac
	cuts "$d/expected/go.$out" >"$tmp/cuts"
	w=$(cols "$tmp/cuts" <"$d/expected/go.$out"); g=$(printf '%s\n' "$got" | cols "$tmp/cuts")
	if [ "$g" = "$w" ]; then pass=$((pass+1)); else
		fail=$((fail+1)); echo "FAIL $out: not go tool pprof's columns (go.$out)"
		printf '%s\n' "$w" >"$tmp/want"; printf '%s\n' "$g" | diff -u "$tmp/want" - | head -20
	fi
done <"$d/expected/INDEX"
# a C++ program's profile (testdata/pprofcxx, testdata/gen/pprofcxx.sh):
# the standalone pprof's listings byte for byte
c=$TESTDATA/pprofcxx
if [ -f "$c/expected/INDEX" ]; then
	mkdir "$tmp/cxx"
	gzip -dc "$c/cxxprog.gz" >"$tmp/cxx/cxxprog" && chmod +x "$tmp/cxx/cxxprog"
	ln -s "$c/cpu.prof" "$tmp/cxx/cpu.prof"
	while IFS='	' read -r out cmd; do
		case "$out" in '#'*|'') continue ;; esac
		case "$cmd" in "pprof "*) args=${cmd#pprof } ;; *) continue ;; esac
		got=$(cd "$tmp/cxx" && eval "\"$CORONER\" pprof $args" 2>&1 || echo "exit status $?")
		if [ "$got" = "$(cat "$c/expected/$out")" ]; then pass=$((pass+1)); else
			fail=$((fail+1)); echo "FAIL pprofcxx/$out ($cmd)"
			printf '%s\n' "$got" | diff -u "$c/expected/$out" - | head -20
		fi
	done <"$c/expected/INDEX"
fi
check() { # NAME CONDITION...
	n=$1; shift
	if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $n"; fi
}
# --format=json: the values of pprof's ROUTINE header (cpu.sortLoop.txt:
# "10ms 110ms"), and each instruction's as its text line
if command -v jq >/dev/null; then
	js=$(cd "$tmp/w" && "$CORONER" pprof -disasm=sortLoop --format=json profkinds ../kinds/cpu.pb.gz)
	hdr=$(sed -n 3p "$d/expected/cpu.sortLoop.txt" | awk '{ sub(/ms$/, "", $1); sub(/ms$/, "", $2); print $1 * 1000000, $2 * 1000000 }')
	check "json routine values" [ "$(printf '%s' "$js" | jq -r '.routines[0] | "\(.flat) \(.cum)"')" = "$hdr" ]
	check "json instruction sums" [ "$(printf '%s' "$js" | jq -r '.routines[0] | [([.instructions[].flat] | add), ([.instructions[].cum] | add)] | "\(.[0]) \(.[1])"')" = "$hdr" ]
	want=$(awk '$3 ~ /^4bae5a:$/ { print $2 }' "$d/expected/cpu.sortLoop.txt")
	check "json instruction 4bae5a" [ "$(printf '%s' "$js" | jq -r '.routines[0].instructions[] | select(.address == "0x4bae5a") | .cum / 1000000 | tostring + "ms"')" = "$want" ]
fi
# -output: the same bytes, written atomically
(cd "$tmp/w" && "$CORONER" pprof -disasm=main.hashLoop -output="$tmp/out.txt" profkinds ../kinds/cpu.pb.gz 2>"$tmp/err")
check "-output" cmp -s "$tmp/out.txt" "$d/expected/cpu.hashLoop.txt"
# without binutils' objdump: one line, exit 1
mkdir "$tmp/bin"; ln -s "$(command -v nm)" "$tmp/bin/nm"
(cd "$tmp/w" && PATH="$tmp/bin" "$CORONER" pprof -disasm=main.hashLoop profkinds ../kinds/cpu.pb.gz >"$tmp/out" 2>"$tmp/err"); st=$?
check "no objdump: exit 1" [ "$st" = 1 ]
check "no objdump: one line" [ "$(wc -l <"$tmp/err")" = 1 ]
check "no objdump: names binutils" grep -q "objdump is not installed (install the binutils package)" "$tmp/err"
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || { echo "SKIP: no reference outputs found"; exit 77; }
[ "$fail" = 0 ]
