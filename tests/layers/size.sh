#!/bin/sh
# Files a newcomer can hold in mind: no file over 900 lines in lib/ or cmd/,
# no function over 150 lines (a function's body runs from a '{' to a '}' in
# the first column, as the code is written).
# usage: size.sh SRCROOT
set -u
root=$1
fail=0
files=$(cd "$root" && find lib cmd -name '*.[ch]' | sort)
for f in $files; do
	n=$(wc -l < "$root/$f")
	if [ "$n" -gt 900 ]; then
		echo "$f: $n lines (at most 900: split it along its seams)"
		fail=1
	fi
done
(cd "$root" && awk '
FNR == 1 { start = 0 }
/^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
/^\{/ { start = FNR; name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n] }
/^\}/ && start {
	len = FNR - start + 1
	if (len > 150) { printf "%s:%d: %s: %d lines (at most 150)\n", FILENAME, sigline, name, len; bad = 1 }
	start = 0
}
END { exit bad }' $(echo "$files" | grep '\.c$')) || fail=1
exit $fail
