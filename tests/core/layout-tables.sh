#!/bin/sh
# The struct tables lib/gort/layout.c holds for binaries without DWARF (-s -w),
# as gort takes them (printed by layout-print, the first argument), against
# the layout llvm-dwarfdump read from the DWARF of a build of the same Go
# version (testdata/gover/go1.N/expected/layout.c and, for every release of
# testdata/gorel, testdata/gorel/go1.N/expected/layout.c: made by
# testdata/gen/rt-layout.py ref, formerly gort-layout.py): every field of the
# reference must have the same value in the release's table, and every
# release must have a table.
# A field the reference says the release's DWARF lacks must not be in the
# table, except mheap_allarenas, which is mheap.heapArenas from go1.25 (the
# field renamed): that one must equal heapArenas' offset llvm-dwarfdump reads
# from the release's relprog build beside the reference.
set -u
: "${TESTDATA:?}" "${TESTS:?}"
print=${1:?usage: layout-tables.sh LAYOUT-PRINT}
fail=0 n=0
fields() { tr -d ' \t' | tr ',' '\n' | sed -n 's/^\.\([a-z_0-9]*\)=\([0-9]*\)$/\1 \2/p' | sort; }
todo=0
for ref in "$TESTDATA"/gover/go1.*/expected/layout.c "$TESTDATA"/gorel/go1.*/expected/layout.c; do
	[ -f "$ref" ] || continue
	v=$(sed -n 's/.*version_prefix = "\(go1\.[0-9]*\)".*/\1/p' "$ref")
	fields <"$ref" >/tmp/want.$$
	"$print" "$v" | fields >/tmp/got.$$
	n=$((n + 1))
	# fields this release's DWARF does not have: not compared, checked below
	sed -n 's#.*/\* \.\([a-z_0-9]*\): not in this release.s DWARF \*/.*#\1#p' "$ref" >/tmp/absent.$$
	if [ -s /tmp/absent.$$ ] && [ -s /tmp/got.$$ ]; then
		while read -r f; do
			tv=$(awk -v f="$f" '$1 == f { print $2 }' /tmp/got.$$)
			[ -n "$tv" ] || continue
			if [ "$f" != mheap_allarenas ]; then
				echo "FAIL: the $v table has $f = $tv, a field its DWARF does not have"; fail=1
				continue
			fi
			bin=${ref%/expected/layout.c}/relprog.zst
			if ! command -v llvm-dwarfdump-14 >/dev/null || ! command -v zstd >/dev/null || [ ! -f "$bin" ]; then
				echo "TODO: $v mheap_allarenas = $tv (heapArenas) not checked: no llvm-dwarfdump-14, zstd or $bin"
				todo=$((todo + 1))
				continue
			fi
			zstd -dqf "$bin" -o /tmp/bin.$$
			rv=$(llvm-dwarfdump-14 -n runtime.mheap -c /tmp/bin.$$ | awk '/DW_AT_name.*"heapArenas"/ { on = 1 }
				on && /DW_AT_data_member_location/ { gsub(/[^0-9]/, "", $2); print $2; exit }')
			rm -f /tmp/bin.$$
			if [ "$rv" = "$tv" ]; then
				echo "ok: $v mheap_allarenas = mheap.heapArenas at $rv (DWARF of ${bin#"$TESTDATA"/})"
			else
				echo "FAIL: the $v table's mheap_allarenas $tv, DWARF's mheap.heapArenas ${rv:-absent}"; fail=1
			fi
		done </tmp/absent.$$
		awk 'NR == FNR { a[$1] = 1; next } !($1 in a)' /tmp/absent.$$ /tmp/got.$$ >/tmp/got2.$$
		mv /tmp/got2.$$ /tmp/got.$$
	fi
	if [ ! -s /tmp/got.$$ ]; then
		echo "FAIL: lib/gort/layout.c has no table for $v"; fail=1
	elif ! diff /tmp/want.$$ /tmp/got.$$ >/tmp/diff.$$; then
		echo "FAIL: the $v table differs from the DWARF of a $v build:"; cat /tmp/diff.$$; fail=1
	fi
done
rm -f /tmp/want.$$ /tmp/got.$$ /tmp/diff.$$ /tmp/absent.$$
[ $n -gt 0 ] || { echo "SKIP: no testdata/gover layouts"; exit 77; }
echo "$n tables compared, $todo not checked (TODO)"
exit $fail
