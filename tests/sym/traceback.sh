#!/bin/sh
# The Go runtime is the judge: from only the pc= values of a GOTRACEBACK=crash
# traceback, `coroner symbolize --return-addresses` must print every frame
# the runtime printed for that pc (inlined "(...)" frames included), same
# function, file and line. The PIE run finds its load address in the smaps
# snapshot the program took of itself.
# (The runtime prints runtime.gopanic as "panic".)
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
# expected: one line per pc: "PC<TAB>func file:line|func file:line..."
frames() {
	awk '
	/^goroutine [0-9]+ (gp=[^ ]+ m=[^ ]+ (mp=[^ ]+ )?)?\[/ { acc = ""; fn = ""; next }
	/^created by / { skipnext = 1; next }
	/^\t/ {
		if (skipnext) { skipnext = 0; next }
		loc = $1
		if (fn == "") next
		acc = acc (acc == "" ? "" : "|") fn " " loc
		fn = ""
		if (match($0, / pc=0x[0-9a-f]+/)) {
			pc = substr($0, RSTART + 4, RLENGTH - 4)
			print pc "\t" acc
			acc = ""
		}
		next
	}
	/^[^ \t].*\)$/ {
		line = $0
		# strip the argument list: the last "(" that opens the trailing group
		i = length(line); depth = 0
		for (; i > 0; i--) {
			c = substr(line, i, 1)
			if (c == ")") depth++
			else if (c == "(") { depth--; if (depth == 0) break }
		}
		fn = substr(line, 1, i - 1)
		if (fn == "panic") fn = "runtime.gopanic"
		next
	}
	{ fn = "" }' "$1"
}
check() { # name binary traceback [coroner options]   (paths under $TESTDATA)
	name=$1 bin=$tmp/$1/${2##*/} tb=$3; gz=$TESTDATA/$2.gz; shift 3
	# the binary keeps its name, except in a *-renamed check (a CI
	# artifact's copy): --maps then finds it by its load segments
	case $name in *-renamed) bin=$tmp/$name/artifact-1234 ;; esac
	mkdir -p "$tmp/$name"
	gunzip -c "$gz" > "$bin" || { echo "SKIP: no $gz"; exit 77; }
	frames "$TESTDATA/$tb" > "$tmp/want.$name"
	n=$(wc -l < "$tmp/want.$name")
	[ "$n" -gt 15 ] || { echo "FAIL $name: only $n frames parsed from $tb"; fail=1; return; }
	cut -f1 "$tmp/want.$name" | "$CORONER" symbolize -e "$bin" --return-addresses "$@" > "$tmp/got.$name.raw" || {
		echo "FAIL $name: coroner exited $?"; fail=1; return; }
	# join each address's frames into one line: func file:line|...
	awk 'BEGIN { RS = ""; FS = "\n" } {
		s = ""
		for (i = 1; i < NF; i += 2) { loc = $(i + 1); sub(/:[0-9]+$/, "", loc); s = s (s == "" ? "" : "|") $i " " loc }
		print s }' "$tmp/got.$name.raw" > "$tmp/got.$name"
	cut -f2 "$tmp/want.$name" > "$tmp/wantf.$name"
	# the frame after runtime.sigpanic is the faulting pc itself, not a
	# return address: the runtime looks up pc, --return-addresses pc-1;
	# both must name the same line here (checked, not assumed)
	if ! diff "$tmp/wantf.$name" "$tmp/got.$name" > "$tmp/diff.$name"; then
		echo "FAIL $name: frames differ from the runtime's:"
		paste "$tmp/want.$name" /dev/null | head -0
		head -20 "$tmp/diff.$name"
		fail=1
	else
		echo "ok $name: $n pcs, $(tr '|' '\n' < "$tmp/wantf.$name" | wc -l) frames"
	fi
}
check static bin/gosym bin/crash.txt
check pie bin/gosym-pie bin/crash-pie.txt --maps "$TESTDATA/bin/crash-pie.smaps"
check pie-renamed bin/gosym-pie bin/crash-pie.txt --maps "$TESTDATA/bin/crash-pie.smaps"
# Go 1.15 (the Go 1.2 pclntab layout with its inline tree), stripped; its
# GOTRACEBACK=system traceback has the pc= of every frame too
check go1.15-stripped oldinline/oldinline oldinline/traceback.txt
# the same program built by go1.21-1.23 (regen.sh section gover), stripped
# (-s -w: the pclntab alone) and, for the newest, with DWARF
for d in "$TESTDATA"/gover/go1.*; do
	[ -d "$d" ] || continue
	v=${d##*/}
	[ -f "$d/crash-stripped.txt" ] && check "$v-stripped" "gover/$v/gosym-stripped" "gover/$v/crash-stripped.txt"
	[ -f "$d/crash.txt" ] && check "$v" "gover/$v/gosym" "gover/$v/crash.txt"
done
exit $fail
