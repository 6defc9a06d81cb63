#!/bin/sh
# Terminal escapes in the strings coroner quotes on stdout and stderr: a
# capture directory named with OSC 52 / OSC 0 / ESC[2J (report's labels), a
# /proc status Name and smaps paths carrying them (mem, report), and a core
# whose NT_FILE paths carry them (core's warnings). No control byte but tab
# and newline may reach the terminal; the escapes show as \x1b.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
esc=$(printf '\033]52;c;Y2FsYw==\007\033]0;owned\007\033[2J')
clean() { # FILE...: no control bytes but \t \n
	for f in "$@"; do
		[ -z "$(LC_ALL=C tr -d '\t\n' < "$f" | LC_ALL=C tr -d '[:print:]\200-\377' | head -c 1)" ] || return 1
	done
}
# a capture directory whose name and /proc files carry escapes
cap="$tmp/cap$esc"
mkdir "$cap"
cp "$TESTDATA"/capture/before/* "$cap"/
sed "s/^Name:.*/Name:	evil$esc/" "$TESTDATA/capture/before/status" > "$cap/status"
awk -v e="$esc" 'NR == 1 { print $0 "/lib" e ".so"; next } { print }' "$TESTDATA/capture/before/smaps" > "$cap/smaps"
"$CORONER" report "$cap" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -le 1 ] && ok || bad "report: exit $rc"
clean "$tmp/out" "$tmp/err" && ok || { bad "report: control bytes on the terminal"; cat -v "$tmp/out" "$tmp/err" | grep -F '^[' | head -3; }
grep -qF 'cap\x1b]52;c;' "$tmp/out" && ok || bad "report: directory name not shown escaped"
"$CORONER" mem --status "$cap/status" --smaps "$cap/smaps" --mappings > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -le 1 ] && ok || bad "mem: exit $rc"
clean "$tmp/out" "$tmp/err" && ok || { bad "mem: control bytes on the terminal"; cat -v "$tmp/out" "$tmp/err" | grep -F '^[' | head -3; }
"$CORONER" mem --format=json --status "$cap/status" --smaps "$cap/smaps" > "$tmp/out" 2> "$tmp/err"
clean "$tmp/out" "$tmp/err" && ok || bad "mem json: control bytes"
# a core whose NT_FILE paths carry escapes: quoted in its warnings
d=$TESTDATA/core
if [ -f "$d/core-cgo.zst" ]; then
	zstd -qdc "$d/core-cgo.zst" > "$tmp/core"
	libc=/usr/lib/x86_64-linux-gnu/libc.so.6
	new="/x$(printf '\033]0;x\007\033[2J')/libc.so" # no longer than the path it replaces
	for off in $(grep -abo -- "$libc" "$tmp/core" | cut -d: -f1); do
		{ head -c $((${#libc} - ${#new})) /dev/zero | tr '\0' /; printf '%s' "$new"; } |
			dd of="$tmp/core" bs=1 seek="$off" conv=notrunc 2>/dev/null
	done
	"$CORONER" core "$d/cgoprog.gz" "$tmp/core" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" = 0 ] && ok || bad "core: exit $rc"
	clean "$tmp/out" "$tmp/err" && ok || { bad "core: control bytes on the terminal"; cat -v "$tmp/err" | head -3; }
	grep -qF '/x\x1b]0;x\x07\x1b[2J/libc.so' "$tmp/err" && ok || bad "core: NT_FILE path not quoted escaped in the warning"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
