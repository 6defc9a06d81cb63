#!/bin/sh
# perf script text and folded stacks as profiles, against references:
#  - `coroner top` flat sample counts per symbol equal `perf report
#    --no-children --sort sym -n` on the same perf.data (expected/*.perf-report.txt),
#    for every symbol perf names (Go's ".abi0" dropped, as coroner names Go
#    functions by the pclntab); the total equals perf's "Samples:" line;
#  - `coroner flame --format=folded` prints the same stacks and counts as
#    the awk folding of the same text (expected/*.folded);
#  - folded stacks read back give the same folding;
#  - hand-made texts: missing symbols, broken stacks, lines without a count:
#    what can be read is read, the rest is named in a warning, and the
#    totals are those of an awk count over the same text.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/perf"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: zstd missing"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

for f in go c nog multi; do
	ref="$D/expected/$f.perf-report.txt"
	"$CORONER" top --format=json --nodecount=0 --nodefraction=0 "$D/$f.perf.txt.zst" > "$T/top.json" 2>"$T/err" ||
		ko "$f: top exit $?"
	[ -s "$T/err" ] && ko "$f: warnings: $(head -3 "$T/err")"
	want=$(sed -n 's/^# Samples: \([0-9]*\) .*/\1/p' "$ref")
	got=$(jq -r .total "$T/top.json")
	[ "$got" = "$want" ] && ok || ko "$f: total $got, perf report says $want"
	jq -r '.rows[] | select(.flat != 0) | "\(.name)\t\(.flat)"' "$T/top.json" | LC_ALL=C sort > "$T/ours"
	# perf report rows: "  33.39%  205  [.] msort_with_tmp.part.0"; names
	# that are addresses (no symbol) are left out: coroner calls them [unknown]
	awk '/^ +[0-9.]+% +[0-9]+ +\[.\] / {
		n = $2; sub(/^ +[0-9.]+% +[0-9]+ +\[.\] /, ""); sub(/ +$/, "")
		if ($0 ~ /^0x[0-9a-f]+$/) next
		sub(/\.abi0$/, ""); s[$0] += n }
	     END { for (k in s) print k "\t" s[k] }' "$ref" | LC_ALL=C sort > "$T/theirs"
	n=$(wc -l < "$T/theirs")
	[ "$n" -gt 3 ] && ok || ko "$f: only $n symbols in perf report"
	missing=$(LC_ALL=C join -t "$(printf '\t')" -v 1 "$T/theirs" "$T/ours" | head -3)
	[ -z "$missing" ] && ok || ko "$f: perf report rows not in coroner top: $missing"
	# the rows of both in the same tab-separated form
	diff_out=$(LC_ALL=C join -t "$(printf '\t')" "$T/theirs" "$T/ours" | awk -F'\t' '$2 != $3' | head -3)
	[ -z "$diff_out" ] && ok || ko "$f: counts differ (symbol perf coroner): $diff_out"
	# folded stacks = the reference folding of the same text
	"$CORONER" flame --format=folded "$D/$f.perf.txt.zst" | LC_ALL=C sort > "$T/folded" 2>"$T/err"
	cmp -s "$T/folded" "$D/expected/$f.folded" && ok ||
		ko "$f: folded differs: $(diff "$T/folded" "$D/expected/$f.folded" | head -4)"
	# and the folded text read back folds the same (nog's stacks have one
	# frame: no ';' to tell folded stacks from other "NAME N" text)
	[ $f = nog ] && continue
	"$CORONER" flame --format=folded "$T/folded" | LC_ALL=C sort > "$T/folded2" 2>"$T/err"
	cmp -s "$T/folded2" "$D/expected/$f.folded" && ok || ko "$f: folded read back differs"
done

# diff of two recordings: a symbol's change is the difference of perf report's counts
cnt() { awk -v s="$2" '/^ +[0-9.]+% +[0-9]+ +\[.\] / { n = $2; sub(/^ +[0-9.]+% +[0-9]+ +\[.\] /, ""); sub(/ +$/, ""); if ($0 == s) print n }' "$D/expected/$1.perf-report.txt"; }
want=$(( $(cnt nog cmp) - $(cnt c cmp) ))
got=$("$CORONER" diff --format=json --nodecount=0 "$D/c.perf.txt.zst" "$D/nog.perf.txt.zst" 2>/dev/null |
	jq -r '.rows[] | select(.name == "cmp") | .flat')
[ "$got" = "$want" ] && ok || ko "diff c -> nog: cmp changed by $got, perf report says $want"

# labels: several processes and threads keep comm/pid/tid
zstd -dc "$D/multi.perf.txt.zst" > "$T/multi.txt"
want=$(awk '/^[^ \t]/ && $1 == "cprog" { n++ } END { print n+0 }' "$T/multi.txt")
got=$("$CORONER" top --format=json --nodecount=0 --nodefraction=0 --tagfocus=comm=cprog "$T/multi.txt" 2>/dev/null |
	jq -r '[.rows[].flat] | add')
[ "$got" = "$want" ] && ok || ko "multi: comm=cprog samples $got, awk says $want"

# hand-made texts; expected counts from awk over the same text
cat > "$T/bad.txt" <<'X'
prog 10/11 [000] 1.000001: 1000 cpu-clock:
	    4010 leaf+0x10 (/bin/prog)
	    4020 mid+0x20 (/bin/prog)
	    4030 main+0x30 (/bin/prog)

prog 10/12 [001] 1.000002: 1000 cpu-clock:
	    4010 [unknown] (/bin/prog)
	    4030 main+0x30 (/bin/prog)

prog 10/11 [000] 1.000003: 1000 cpu-clock:
	    4010 leaf+0x10 (/bin/prog)
	garbage line that is not a frame
	    4030 main+0x30 (/bin/prog)

this header is broken:
	    4010 leaf+0x10 (/bin/prog)

prog 10/11 [000] 1.000004: 1000 cpu-clock:
	    ffffffff81000000 do_syscall_64+0x5 ([kernel.kallsyms])
	    4040 runtime.memmove.abi0+0x1 (/bin/prog)
	    4030 main+0x30 (/bin/prog)
X
want=$(awk '{ for (k = 2; k <= NF && k <= 8; k++) if ($k ~ /^[0-9]+\.[0-9]+:$/) { n++; break } } END { print n }' "$T/bad.txt")
"$CORONER" top --format=json --nodecount=0 --nodefraction=0 "$T/bad.txt" > "$T/j" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "bad.txt: exit $rc"
[ "$(jq -r .total "$T/j")" = "$want" ] && ok || ko "bad.txt: total $(jq -r .total "$T/j"), want $want"
grep -q 'bad.txt: line 12: not a frame' "$T/err" && ok || ko "bad.txt: no warning for line 12: $(cat "$T/err")"
grep -q 'frame line.* left out' "$T/err" && ok || ko "bad.txt: no total of skipped frames"
[ "$(jq -r '.rows[] | select(.name == "runtime.memmove") | .cum' "$T/j")" = 1 ] && ok || ko "bad.txt: .abi0 kept"
[ "$(jq -r '.rows[] | select(.name == "[unknown]") | .flat' "$T/j")" = 1 ] && ok || ko "bad.txt: [unknown] frame"
[ "$(jq -r '.rows[] | select(.name == "do_syscall_64") | .flat' "$T/j")" = 1 ] && ok || ko "bad.txt: kernel frame"

printf 'main;a;b 5\nmain;a 3\nmain;c\nnot a stack at all\nmain;b 2\n' > "$T/f.folded"
want=$(awk '$NF ~ /^[0-9]+$/ && NF > 1 { s += $NF } END { print s }' "$T/f.folded")
"$CORONER" top --format=json --nodecount=0 --nodefraction=0 "$T/f.folded" > "$T/j" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "f.folded: exit $rc"
[ "$(jq -r .total "$T/j")" = "$want" ] && ok || ko "f.folded: total $(jq -r .total "$T/j"), want $want"
grep -q 'line 3: no count' "$T/err" && ok || ko "f.folded: no warning for line 3"
grep -q '2 lines without a count' "$T/err" && ok || ko "f.folded: no skipped total: $(cat "$T/err")"

echo "perf: $pass passed, $fail failed"
[ "$fail" = 0 ]
