#!/bin/sh
# C and C++ cores (testdata/ccore, made by testdata/gen/ccrash/gen.sh): for
# every core, every thread's function names, innermost first, inlined frames
# included, equal gdb's `thread apply all bt` on the same core
# (expected/NAME.gdb), up to and including main for the main thread. gdb's
# "??" matches any name; C++ names are compared demangled (c++filt) without
# parameters, return types or spaces; symbol versions (@@GLIBC_2.3.2) are
# dropped; gdb's "<signal handler called>" is a frame with "signal_frame".
# gdb's frames for functions left by tail calls (made up from DWARF
# call-site records) are compared as the others. Known differences are
# listed in core-c.TODO: frames gdb shows that coroner does not ("tailcall
# NAME": left out of gdb's side), lines gdb takes elsewhere ("line NAME":
# not compared).
# Every frame's FILE:LINE too (gdb's, where gdb gives one: a relative
# DW_AT_comp_dir such as glibc's "./nptl" is not put before the line table's
# names). Then the stripped binaries with their debug file found three ways: the
# .gnu_debuglink beside them, --debug-dir with a .build-id tree, and a link
# whose CRC differs (a clear line, frames still printed).
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
d="$TESTDATA/ccore"
[ -f "$d/null-plain.core.zst" ] || { echo "SKIP: no C cores"; exit 77; }
for t in jq zstd c++filt objcopy; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
# libc's frames are named through this machine's libc6-dbg: the cores' libc
libcid=93ac61ec5a8eb1396f9fbd350e3169a558528a40
[ -f /usr/lib/debug/.build-id/93/${libcid#93}.debug ] || { echo "SKIP: not the libc of the cores"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
# a sysroot holding the files the cores map
mkdir -p "$tmp/root/tmp/ccrash-gen"
cp "$d/libccrashlib.so" "$tmp/root/tmp/ccrash-gen/"
for c in "$d"/*.core.zst; do
	zstd -dqc "$c" > "$tmp/core" || exit 1
	strings "$tmp/core" | grep -E '^/usr/lib/x86_64-linux-gnu/[^/]+\.so[.0-9]*$' 
done | sort -u > "$tmp/libs"
while read -r l; do
	[ -f "$l" ] || continue
	mkdir -p "$tmp/root$(dirname "$l")"
	cp -L "$l" "$tmp/root$l"
done < "$tmp/libs"
skip=$(grep '^tailcall ' "$TESTS/core/core-c.TODO" | cut -d' ' -f2 | tr '\n' ' ')
ren=$(grep '^name ' "$TESTS/core/core-c.TODO" | cut -d' ' -f2,3 | tr '\n' ' ')
noline=$(grep '^line ' "$TESTS/core/core-c.TODO" | cut -d' ' -f2 | tr '\n' ' ')

# the frames of gdb and of coroner, a line per thread (gdb-bt.sh)
. "$TESTS/core/gdb-bt.sh"
same() { # gdb-line ours-line: equal with gdb's ?? matching anything
	set -- $1 "|" $2
	awk -v a="$*" 'BEGIN { split(a, w, " "); n = 0; for (i = 1; w[i] != "|"; i++) n = i
		m = 0; for (j = n + 2; j in w; j++) { m++; o[m] = w[j] }
		if (n != m) exit 1; for (i = 1; i <= n; i++) if (w[i] != "??" && w[i] != o[i]) exit 1; exit 0 }'
}
check() { # name binary [options] (the core: $d/${core_of:-name}.core.zst)
	name=$1 bin=$2; shift 2
	zstd -dqc "$d/${core_of:-$name}.core.zst" > "$tmp/core"
	if ! "$CORONER" --sysroot="$tmp/root" core --format=json "$@" "$bin" "$tmp/core" > "$tmp/out.json" 2> "$tmp/err"; then
		echo "FAIL: $name: exit $?"; cat "$tmp/err"; fail=$((fail+1)); return; fi
	gdb_stacks "$d/expected/$name.gdb" | sort > "$tmp/g"
	our_stacks "$tmp/out.json" | sort > "$tmp/o"
	while read -r tid rest; do
		o=$(grep "^$tid " "$tmp/o" | cut -d' ' -f2-)
		if same "$rest" "$o"; then pass=$((pass+1)); else
			echo "FAIL: $name ($bin) thread $tid"; echo "  gdb:    $rest"; echo "  coroner: $o"
			fail=$((fail+1)); fi
	done < "$tmp/g"
	[ -n "${names_only:-}" ] && return
	# file:line: gdb's "-" (no line) matches anything
	gdb_lines "$d/expected/$name.gdb" | sed 's/ -/ ??/g' | sort > "$tmp/gl"
	our_lines "$tmp/out.json" | sort > "$tmp/ol"
	while read -r tid rest; do
		o=$(grep "^$tid " "$tmp/ol" | cut -d' ' -f2-)
		if same "$rest" "$o"; then pass=$((pass+1)); else
			echo "FAIL: $name ($bin) thread $tid file:line"; echo "  gdb:    $rest"; echo "  coroner: $o"
			fail=$((fail+1)); fi
	done < "$tmp/gl"
}
for v in plain pie strip; do
	for m in null assert recurse qsort lib; do check $m-$v "$d/ccrash-$v"; done
	check throw-$v "$d/ccrashxx-$v"
done
check fleet-pie "$d/fleet-pie" # 64 threads, C++ (testdata/gen/ccrash/fleet.sh)
# compiled by relative paths (testdata/gen/ccrash/relpath.sh), DWARF 5 and 4:
# the unit's own file named by its DW_AT_name, a header by its relative
# directory entry ("src/relpath.c", "src/inc/relpath.h"), as gdb names them
check relpath-5 "$d/relpath-5"
check relpath-4 "$d/relpath-4"
# functions left by tail calls: chains, ambiguity, a jump from inlined code
# (testdata/gen/ccrash/tailcall.sh)
check tailcall-pie "$d/tailcall-pie"
# threads in signal handlers (testdata/ccore-sig, testdata/gen/ccrash/gen-sig.sh):
# one crashed in its handler, one waits in its handler; each unwound
# through glibc's __restore_rt into the code the signal interrupted, as
# gdb's "<signal handler called>" and the interrupted frame's exact line
d="$TESTDATA/ccore-sig"
check sighandler-plain "$d/csig-plain"
check sighandler-pie "$d/csig-pie"
d="$TESTDATA/ccore"
# same-file dwz partial units read unit by unit (testdata/gen/ccrash/dwzpart.sh):
# the inlined weigh() named through DW_FORM_ref_addr into a partial unit
check dwzpart "$d/dwzpart-strip"
# the build-id tree only (no debug file beside the binary)
mkdir -p "$tmp/solo"
cp "$d/ccrash-strip" "$tmp/solo/"
check null-strip "$tmp/solo/ccrash-strip" --debug-dir="$d/debug"
# a debug file rewritten by dwz -m (testdata/gen/ccrash/dwz.sh): the
# inlined weigh() named from the file its .gnu_debugaltlink names, found as
# gdb finds it: by its relative name beside the debug file, by its build id
# under --debug-dir, by its absolute /usr/lib/debug/.dwz/ name under
# --debug-dir; missing, a line naming it and the frames still printed
bid() { od -An -tx1 -v "$1" | tr -d ' \n' | grep -o '040000001400000003000000474e5500[0-9a-f]\{40\}' | head -1 | cut -c33-; }
core_of=null-strip check null-dwz "$d/ccrash-dwz"
id=$(bid "$d/ccrash-strip") aid=$(bid "$d/ccrash-dwz-common.debug")
mkdir -p "$tmp/dz/.build-id/$(echo "$id" | cut -c1-2)" "$tmp/dz/.build-id/$(echo "$aid" | cut -c1-2)" "$tmp/dzsolo"
cp "$d/ccrash-dwz" "$tmp/dzsolo/"
cp "$d/ccrash-dwz.debug" "$tmp/dz/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
cp "$d/ccrash-dwz-common.debug" "$tmp/dz/.build-id/$(echo "$aid" | cut -c1-2)/$(echo "$aid" | cut -c3-).debug"
core_of=null-strip check null-dwz "$tmp/dzsolo/ccrash-dwz" --debug-dir="$tmp/dz"
if command -v dwz >/dev/null; then
	mkdir -p "$tmp/dwz" "$tmp/dza/usr/lib/debug/.dwz" "$tmp/dza/.build-id/$(echo "$id" | cut -c1-2)"
	cp "$d/ccrash-strip.debug" "$tmp/dwz/"
	cp "$d/ccrash-plain" "$tmp/dwz/other"
	if (cd "$tmp/dwz" && dwz -q -m common.debug -M /usr/lib/debug/.dwz/ccrash.debug ccrash-strip.debug other) 2>/dev/null; then
		cp "$tmp/dwz/common.debug" "$tmp/dza/usr/lib/debug/.dwz/ccrash.debug"
		cp "$tmp/dwz/ccrash-strip.debug" "$tmp/dza/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
		core_of=null-strip check null-dwz "$tmp/dzsolo/ccrash-dwz" --debug-dir="$tmp/dza"
	else
		echo "FAIL: dwz -m failed"; fail=$((fail+1))
	fi
fi
# the same DWARF in DWARF 5's standard form (dwz -5 in dwz.sh): .debug_sup,
# DW_FORM_ref_sup4 and DW_FORM_strp_sup; gdb 13 cannot read it ("Cannot
# handle DW_FORM_ref_sup4"), so gdb's backtrace with the .gnu_debugaltlink
# form of the same DWARF is the reference. The shared file found beside the
# debug file, and by its .debug_sup checksum in a .build-id tree; one of
# another checksum refused with a line naming both, frames still printed
core_of=null-strip check null-dwz "$d/ccrash-sup"
objcopy --dump-section .debug_sup="$tmp/sup" "$d/ccrash-sup-common.debug" "$tmp/copy" # (without an output, objcopy rewrites its input)
sid=$(od -An -tx1 -v -j5 "$tmp/sup" | tr -d ' \n')
mkdir -p "$tmp/sp/.build-id/$(echo "$id" | cut -c1-2)" "$tmp/sp/.build-id/$(echo "$sid" | cut -c1-2)" "$tmp/spsolo"
cp "$d/ccrash-sup" "$tmp/spsolo/"
cp "$d/ccrash-sup.debug" "$tmp/sp/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
cp "$d/ccrash-sup-common.debug" "$tmp/sp/.build-id/$(echo "$sid" | cut -c1-2)/$(echo "$sid" | cut -c3-).debug"
core_of=null-strip check null-dwz "$tmp/spsolo/ccrash-sup" --debug-dir="$tmp/sp"
mkdir -p "$tmp/spbad"
cp "$d/ccrash-sup" "$d/ccrash-sup.debug" "$tmp/spbad/"
cp "$d/ccrash-dwz-common.debug" "$tmp/spbad/ccrash-sup-common.debug"
zstd -dqc "$d/null-strip.core.zst" > "$tmp/core"
if [ ${#sid} -eq 40 ] && "$CORONER" --sysroot="$tmp/root" core "$tmp/spbad/ccrash-sup" "$tmp/core" > "$tmp/out" 2> "$tmp/err" &&
   grep -q "ccrash-sup-common.debug: .debug_sup checksum (none), the link has $sid" "$tmp/err" &&
   [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'total ()' "$tmp/out"; then pass=$((pass+1)); else
	echo "FAIL: .debug_sup file of another checksum"; cat "$tmp/err"; fail=$((fail+1)); fi
# libc's debug file with two broken units (testdata/gen/ccrash/badunits.py:
# the line table of pthread_create.c's unit has version 0x63, the first
# abbreviation of clone3.S's a form 0x7f), read unit by unit: one line
# names the file and both units at the offsets readelf gives them, and
# every thread's function names are still gdb's
if command -v python3 >/dev/null && command -v readelf >/dev/null; then
	mkdir -p "$tmp/bu/.build-id/93"
	python3 "$TESTDATA/gen/ccrash/badunits.py" "/usr/lib/debug/.build-id/93/${libcid#93}.debug" \
		"$tmp/bu/.build-id/93/${libcid#93}.debug" pthread_create.c clone3.S > "$tmp/bu.ref"
	names_only=1 core_of=null-strip check null-strip "$d/ccrash-strip" --debug-dir="$tmp/bu"
	lo=$(awk 'NR == 1 { print $2 }' "$tmp/bu.ref") ao=$(awk 'NR == 2 { print $2 }' "$tmp/bu.ref")
	if [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
	   grep -q "^coroner: warning: $tmp/bu/.build-id/93/${libcid#93}.debug (debug file of [^ ]*libc.so.6): DWARF: 2 compilation units not read whole; unit at .debug_info offset $lo: its line table's header is malformed: no file:line from it; unit at .debug_info offset $ao: its header or abbreviations cannot be read\$" "$tmp/err"; then
		pass=$((pass+1)); else echo "FAIL: skipped units ($lo, $ao)"; cat "$tmp/err"; fail=$((fail+1)); fi
fi
mkdir -p "$tmp/dzlone"
cp "$d/ccrash-dwz" "$d/ccrash-dwz.debug" "$tmp/dzlone/"
zstd -dqc "$d/null-strip.core.zst" > "$tmp/core"
if "$CORONER" --sysroot="$tmp/root" core "$tmp/dzlone/ccrash-dwz" "$tmp/core" > "$tmp/out" 2> "$tmp/err" &&
   grep -q "ccrash-dwz.debug: its shared DWARF ccrash-dwz-common.debug (build id $aid) not found" "$tmp/err" &&
   [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q 'total ()' "$tmp/out"; then pass=$((pass+1)); else
	echo "FAIL: missing .gnu_debugaltlink file"; cat "$tmp/err"; fail=$((fail+1)); fi
# a debug link to a file of another CRC: a line naming it, frames still printed
mkdir -p "$tmp/bad"
cp "$d/ccrash-strip" "$tmp/bad/"
cp "$d/ccrash-pie" "$tmp/bad/ccrash-strip.debug"
zstd -dqc "$d/null-strip.core.zst" > "$tmp/core"
if "$CORONER" --sysroot="$tmp/root" core "$tmp/bad/ccrash-strip" "$tmp/core" > "$tmp/out" 2> "$tmp/err" &&
   grep -q 'CRC32 .*the debug link wants' "$tmp/err" && grep -q 'clone3' "$tmp/out"; then pass=$((pass+1)); else
	echo "FAIL: wrong-CRC debug link"; cat "$tmp/err"; fail=$((fail+1)); fi
# C++ names demangled as eu-stack prints them (its own demangler): every
# frame eu-stack names with a parameter list has that name in coroner too
# (at the same place once the tail-call frames, which eu-stack leaves out,
# are left out)
for c in fleet-pie:fleet-pie throw-pie:ccrashxx-pie; do
	name=${c%%:*}
	zstd -dqc "$d/$name.core.zst" > "$tmp/core"
	"$CORONER" --sysroot="$tmp/root" core --format=json "$d/${c#*:}" "$tmp/core" > "$tmp/out.json" 2>/dev/null
	awk '/^TID [0-9]+:$/ { t = $2; sub(/:/, "", t); next }
	     /^#[0-9]+ +0x/ { k = $1; sub(/#/, "", k); n = $0; sub(/^#[0-9]+ +0x[0-9a-f]+ /, "", n)
		if (n ~ /\(/) print t "\t" k "\t" n }' "$d/expected/$name.eu-stack" > "$tmp/eu"
	jq -r '.threads[] | .tid as $t | .frames | map(select(.tail_call | not)) | to_entries[] | "\($t)\t\(.key)\t\(.value.function)"' "$tmp/out.json" > "$tmp/ours"
	n=$(wc -l < "$tmp/eu")
	if [ "$n" -gt 0 ] && [ -z "$(sort "$tmp/eu" | comm -23 - "$(sort "$tmp/ours" > "$tmp/ours.s"; echo "$tmp/ours.s")")" ]; then
		pass=$((pass+1)); else echo "FAIL: $name: C++ names unlike eu-stack's:"; sort "$tmp/eu" | comm -23 - "$tmp/ours.s" | head -5
		fail=$((fail+1)); fi
done
# bad input: a truncated core (the crashed thread's frames, a line for the
# threads whose stacks are cut off); a build-id tree holding junk and a debug
# file of another build (a line naming each, both ids for the latter)
zstd -dqc "$d/null-pie.core.zst" | head -c 20000 > "$tmp/trunc"
if "$CORONER" --sysroot="$tmp/root" core "$d/ccrash-pie" "$tmp/trunc" > "$tmp/out" 2> "$tmp/err" &&
   grep -q 'weigh ()' "$tmp/out" && grep -q 'is not in the core' "$tmp/err"; then pass=$((pass+1)); else
	echo "FAIL: truncated core"; cat "$tmp/err"; fail=$((fail+1)); fi
id=$(jq -r '.modules[] | select(.path | test("ccrash-strip$")) | .debug_file' "$tmp/out.json" 2>/dev/null)
bid=$(od -An -tx1 -v "$d/ccrash-strip" | tr -d ' \n' | grep -o '040000001400000003000000474e5500[0-9a-f]\{40\}' | head -1 | cut -c33-)
mkdir -p "$tmp/junk/.build-id/$(echo "$bid" | cut -c1-2)" "$tmp/other/.build-id/$(echo "$bid" | cut -c1-2)"
head -c 5000 "$d/expected/null-pie.gdb" > "$tmp/junk/.build-id/$(echo "$bid" | cut -c1-2)/$(echo "$bid" | cut -c3-).debug"
cp "$d/ccrash-plain" "$tmp/other/.build-id/$(echo "$bid" | cut -c1-2)/$(echo "$bid" | cut -c3-).debug"
zstd -dqc "$d/null-strip.core.zst" > "$tmp/core"
if "$CORONER" --sysroot="$tmp/root" core --debug-dir="$tmp/junk" --debug-dir="$tmp/other" "$tmp/solo/ccrash-strip" "$tmp/core" \
	> "$tmp/out" 2> "$tmp/err" && grep -q "junk/.build-id/.*not an ELF" "$tmp/err" &&
   grep -q "other/.build-id/.*build id [0-9a-f]*, the binary has $bid (not used)" "$tmp/err" &&
   grep -q 'clone3' "$tmp/out"; then pass=$((pass+1)); else
	echo "FAIL: junk and foreign build-id files (build id $bid)"; cat "$tmp/err"; fail=$((fail+1)); fi
# report: the crash finding; the recursion count is gdb's count of frames
zstd -dqc "$d/null-pie.core.zst" > "$tmp/core"
if "$CORONER" --sysroot="$tmp/root" report "$d/ccrash-pie" "$tmp/core" 2>/dev/null | tr '\n' ' ' |
   grep -q 'crash  weigh .*NULL dereference'; then pass=$((pass+1)); else echo "FAIL: report null-pie"; fail=$((fail+1)); fi
n=$(awk '/^Thread / { on = 1 } on && /^#[0-9]+ .* depth \(/ { n++ } END { print n }' "$d/expected/recurse-pie.gdb")
zstd -dqc "$d/recurse-pie.core.zst" > "$tmp/core"
if "$CORONER" --sysroot="$tmp/root" report "$d/ccrash-pie" "$tmp/core" 2>/dev/null | tr '\n' ' ' | tr -s ' ' |
   grep -q "stack overflow: depth recursed $n times"; then pass=$((pass+1)); else echo "FAIL: report recurse-pie ($n frames)"; fail=$((fail+1)); fi
echo "core-c: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
