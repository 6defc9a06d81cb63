#!/bin/sh
# The inline tree of the Go 1.2 pclntab layout (Go 1.12-1.15 here: a Go 1.15
# binary, stripped): every pc= of the runtime's own GOTRACEBACK=system
# traceback (testdata/oldinline) symbolized as a return address gives the
# frames the runtime printed for it, the inlined "(...)" frames above it
# included. The runtime prints runtime.gopanic as "panic".
set -u
: "${CORONER:?}" "${TESTDATA:?}"
d=$TESTDATA/oldinline
[ -f "$d/oldinline.gz" ] || { echo "SKIP: no testdata/oldinline"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
gunzip -c "$d/oldinline.gz" > "$tmp/oldinline"
# the runtime's frames: "name(args)" then "\tfile:line [+off fp= sp= pc=]";
# a frame with pc= ends one pc's group (innermost first, as symbolize prints)
awk -v pcs="$tmp/pcs" '
	/^created by / { skip = 1; next }
	/^goroutine / { skip = 0; next }
	/^[^\t]/ && /\(/ && !skip { name = $0; sub(/\([^()]*\)$/, "", name); if (name == "panic") name = "runtime.gopanic"; next }
	/^\t/ && name != "" && !skip {
		loc = $1
		print name; print loc
		name = ""
		if (match($0, /pc=0x[0-9a-f]+/)) { print substr($0, RSTART + 3, RLENGTH - 3) > pcs; print "" }
	}' "$d/traceback.txt" > "$tmp/want"
n=$(wc -l < "$tmp/pcs")
[ "$n" -ge 10 ] || { echo "FAIL: only $n pcs in the traceback"; exit 1; }
"$CORONER" symbolize --return-addresses -e "$tmp/oldinline" < "$tmp/pcs" | sed 's/:0$//' > "$tmp/got"
if diff "$tmp/want" "$tmp/got" > "$tmp/d"; then
	grep -q '^main\.mid$' "$tmp/got" || { echo "FAIL: no inlined frame main.mid"; exit 1; }
	echo "ok: $n pcs, $(grep -c . "$tmp/got") lines as the runtime printed them"
else
	echo "FAIL"; head -20 "$tmp/d"; exit 1
fi
