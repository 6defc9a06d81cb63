#!/bin/sh
# Goroutine dumps as service logs keep them: the runtime's own output with a
# prefix on every line, in the shapes of CRI container logs, kubectl logs
# --timestamps (RFC 3339 with trailing zeros trimmed, so the width varies),
# journald, and Go's log package. The reference is the unprefixed dump the
# runtime wrote: coroner must read the same goroutines, groups, states and
# frames from the prefixed one (JSON equal but for the file name), warn once
# that it stripped a prefix, and report must recognise the prefixed panic.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
D=$TESTDATA/goroutines
fail=0 n=0
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
no() { echo "FAIL: $*"; fail=1; }
norm() { python3 -c 'import json,sys
d = json.load(sys.stdin)
for k in ("source", "name", "file", "path"):
    d.pop(k, None)
print(json.dumps(d, sort_keys=True))'; }
prefix() { # STYLE < dump > prefixed
	case $1 in
	cri) awk '{ printf "2024-05-01T10:00:%02d.%dZ stderr F %s\n", NR % 60, 100000 + NR * 7, $0 }' ;;
	kubets) awk '{ f = sprintf("%d", NR * 13); sub(/0+$/, "", f); printf "2024-05-01T10:00:%02d.%sZ %s\n", NR % 60, f, $0 }' ;;
	journald) awk '{ printf "May %2d 10:00:%02d host app[4242]: %s\n", 1, NR % 60, $0 }' ;;
	golog) awk '{ printf "2024/05/01 10:%02d:%02d %s\n", NR % 60, NR % 60, $0 }' ;;
	esac
}
for dump in sigquit.txt panic_all.txt goroutine.1.dump; do
	[ -f "$D/$dump" ] || continue
	"$CORONER" goroutines --format=json "$D/$dump" 2>/dev/null | norm >"$T/ref" || { no "$dump: unprefixed failed"; continue; }
	# the reading compared against is itself the file's: its header count
	want=$(grep -c '^goroutine [0-9]* .*\[' "$D/$dump")
	grep -q "\"total\": $want[,}]" "$T/ref" || no "$dump: total is not the $want headers of the runtime's dump"
	for style in cri kubets journald golog; do
		n=$((n + 1))
		prefix $style <"$D/$dump" >"$T/$style.txt"
		"$CORONER" goroutines --format=json "$T/$style.txt" 2>"$T/err" | norm >"$T/got" ||
			{ no "$dump/$style: exit: $(cat "$T/err")"; continue; }
		cmp -s "$T/got" "$T/ref" || no "$dump/$style: differs from the runtime's own dump"
		[ "$(grep -c 'a log prefix like' "$T/err")" = 1 ] || no "$dump/$style: no single prefix warning: $(cat "$T/err")"
	done
done
# report: the prefixed panic is a crash finding like the plain one
prefix cri <"$D/panic_all.txt" >"$T/panic.log"
mkdir "$T/cap" && cp "$T/panic.log" "$T/cap/"
"$CORONER" report --format=json "$T/cap" 2>/dev/null | python3 -c 'import json,sys
d = json.load(sys.stdin); print(d["findings"][0]["kind"] if d["findings"] else "none")' >"$T/kind"
[ "$(cat "$T/kind")" = crash ] || no "report on the CRI-prefixed panic: first finding $(cat "$T/kind")"
# a plain dump has no prefix to strip: no warning
"$CORONER" goroutines "$D/panic_all.txt" >/dev/null 2>"$T/err"
grep -q "log prefix" "$T/err" && no "plain dump: prefix warning"
echo "$n prefixed dumps compared"
exit $fail
