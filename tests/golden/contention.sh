#!/bin/sh
# Go's debug=1 mutex and block profiles (testdata/contention, Go 1.19 and the
# newest Go): `coroner top` on the text against `go tool pprof -top`:
#  - on the text itself (pprof's legacy parser, no binary: one <unknown>
#    row): the sample type and the total of each sample index;
#  - on the protobuf the runtime wrote of the same records: every row.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/contention"
[ -d "$D" ] || { echo "SKIP: no testdata/contention"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for dir in "$D"/go*; do
	v=$(basename "$dir")
	for k in mutex block; do
		for si in contentions delay; do
			"$CORONER" top -sample_index=$si "$dir/$k.txt" > "$T/o" 2> "$T/err" || ko "$v/$k.txt: exit $?: $(cat "$T/err")"
			[ -s "$T/err" ] && ko "$v/$k.txt: warnings: $(cat "$T/err")"
			ref="$dir/expected/$k.txt.top.$si.txt"
			# (pprof's rows there are one <unknown>: only the total compares)
			[ "$(grep '^Type: ' "$ref")" = "$(grep '^Type: ' "$T/o")" ] && ok || ko "$v/$k.txt: $(grep '^Type: ' "$T/o")"
			tot() { sed -n 's/^Showing nodes accounting for .*, 100% of \(.*\) total$/\1/p' "$1"; }
			[ -n "$(tot "$ref")" ] && [ "$(tot "$ref")" = "$(tot "$T/o")" ] && ok ||
				ko "$v/$k.txt -sample_index=$si: total '$(tot "$T/o")', pprof: '$(tot "$ref")'"
			ref="$dir/expected/$k.pb.gz.top.$si.txt"
			sed -n '/flat%/,$p' "$ref" > "$T/want"
			sed -n '/flat%/,$p' "$T/o" > "$T/got"
			[ "$(wc -l < "$T/want")" -gt 2 ] && cmp -s "$T/want" "$T/got" && ok ||
				ko "$v/$k.txt -sample_index=$si: rows differ from pprof's on $k.pb.gz: $(diff "$T/want" "$T/got" | head -6)"
		done
	done
done
# a header pprof accepts with an attribute it refuses: refused, the line named
printf -- '--- mutex:\ncycles/second=100\nformat=1\n' > "$T/bad"
"$CORONER" top "$T/bad" > /dev/null 2> "$T/err"; rc=$?
[ $rc != 0 ] && grep -q "line 3: unknown attribute 'format'" "$T/err" && ok || ko "unknown attribute: exit $rc, $(cat "$T/err")"
echo "$pass checks, $fail failed"
[ $fail = 0 ]
