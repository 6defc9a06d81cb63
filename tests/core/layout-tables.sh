#!/bin/sh
# The struct tables lib/gort/layout.c holds for binaries without DWARF (-s -w)
# against the layout llvm-dwarfdump read from the DWARF of a build of the same
# Go version (testdata/gover/go1.N/expected/layout.c and, for every release
# of testdata/gorel, testdata/gorel/go1.N/expected/layout.c: made by
# testdata/gen/gort-layout.py): every field of the reference must have the
# same value in layout.c's entry. A gorel release layout.c has no table for yet
# prints TODO (known, not failed).
set -u
: "${TESTDATA:?}" "${TESTS:?}"
src=$TESTS/../lib/gort/layout.c
[ -f "$src" ] || { echo "SKIP: no $src"; exit 77; }
fail=0 n=0
fields() { tr -d ' \t' | tr ',' '\n' | sed -n 's/^\.\([a-z_0-9]*\)=\([0-9]*\)$/\1 \2/p' | sort; }
todo=0
for ref in "$TESTDATA"/gover/go1.*/expected/layout.c "$TESTDATA"/gorel/go1.*/expected/layout.c; do
	[ -f "$ref" ] || continue
	v=$(sed -n 's/.*version_prefix = "\(go1\.[0-9]*\)".*/\1/p' "$ref")
	fields <"$ref" >/tmp/want.$$
	awk -v v="$v" 'index($0, "version_prefix = \"" v "\"") { on = 1 } on { print } on && /^\t},/ { exit }' "$src" |
		fields >/tmp/got.$$
	n=$((n + 1))
	if [ ! -s /tmp/got.$$ ] && [ "${ref#"$TESTDATA"/gorel/}" != "$ref" ]; then
		echo "TODO: layout.c has no table for $v (${ref#"$TESTDATA"/})$(sed -n 's#.*/\* members not found: \(.*\) \*/#; not in its DWARF: \1#p' "$ref")"
		todo=$((todo + 1))
	elif [ ! -s /tmp/got.$$ ]; then
		echo "FAIL: layout.c has no table for $v"; fail=1
	elif ! diff /tmp/want.$$ /tmp/got.$$ >/tmp/diff.$$; then
		echo "FAIL: layout.c's $v table differs from the DWARF of a $v build:"; cat /tmp/diff.$$; fail=1
	fi
done
rm -f /tmp/want.$$ /tmp/got.$$ /tmp/diff.$$
[ $n -gt 0 ] || { echo "SKIP: no testdata/gover layouts"; exit 77; }
echo "$n tables compared, $todo releases without a table (TODO)"
exit $fail
