#!/bin/sh
# arm64 C and C++ cores written by qemu-aarch64 (testdata/ccore-arm64, made
# by testdata/gen/ccrash/gen-arm64.sh): no NT_FILE, no NT_SIGINFO, no text
# in the core. For every core, every thread's function names, innermost
# first, inlined frames included, equal gdb-multiarch's `thread apply all
# bt` (expected/NAME.gdb), up to and including main: libc's named through
# libc6-dbg:arm64's build-id tree as gdb names them, C++ names compared
# demangled without parameters, return types or spaces, gdb's "<signal
# handler called>" as a frame with "signal_frame", gdb's "??" matching any
# name, and the known differences of core-c.TODO as in core-c.sh (gdb's
# tail-call frames: those printed with an address, an inlined frame of the
# same name is compared; lines gdb takes after a call that does not return);
# every frame's FILE:LINE where gdb gives one is ours too, and every
# thread's x0..x30, sp and pc are gdb's (expected/NAME.regs). Threads are
# paired by position (gdb numbers them in note order and prints them last
# first) and their ids must agree. gdb cannot relocate a PIE executable in
# these cores, so the PIE cores are compared with the plain build's gdb
# output (same program, same way of dying), ids not compared. The stripped
# binary is read with its debug file found by .gnu_debuglink beside it and
# through --debug-dir's .build-id tree. The signal is the one the shell saw
# kill qemu (expected/NAME.signal); its code and fault address are said to
# be absent (text) and null (JSON).
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
d="$TESTDATA/ccore-arm64"
A=/usr/lib/aarch64-linux-gnu
[ -f "$d/null-plain.core.zst" ] || { echo "SKIP: no arm64 C cores"; exit 77; }
for t in jq zstd readelf c++filt; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
# the cores' libraries are Debian's arm64 ones (libc6:arm64, libstdc++6:arm64,
# libgcc-s1:arm64), libc's debug file libc6-dbg:arm64's: the same builds
while read -r lib id; do
	[ -f $A/$lib ] || { echo "SKIP: no $A/$lib (dpkg --add-architecture arm64; scripts/deps --test)"; exit 77; }
	[ "$(readelf -n $A/$lib | sed -n 's/.*Build ID: //p')" = "$id" ] ||
		{ echo "SKIP: $A/$lib is not the one of the cores"; exit 77; }
	[ "$lib" != libc.so.6 ] || [ -f "/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug" ] ||
		{ echo "SKIP: no debug file of $A/libc.so.6 (libc6-dbg:arm64)"; exit 77; }
done < "$d/expected/libs.build-id"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
mkdir -p "$tmp/root/lib/aarch64-linux-gnu" "$tmp/root/tmp/ccrash-arm64-gen" "$tmp/alone"
while read -r lib id; do cp -L $A/$lib "$tmp/root/lib/aarch64-linux-gnu/"; done < "$d/expected/libs.build-id"
cp -L /usr/lib/ld-linux-aarch64.so.1 "$tmp/root/lib/"
cp "$d/libccrashlib.so" "$tmp/root/tmp/ccrash-arm64-gen/"
cp "$d/ccrash-strip" "$tmp/alone/"
skip=$(grep '^tailcall ' "$TESTS/core/core-c.TODO" | cut -d' ' -f2 | tr '\n' ' ')
noline=$(grep '^line ' "$TESTS/core/core-c.TODO" | cut -d' ' -f2 | tr '\n' ' ')

# the frames of gdb and of coroner, a line per thread (gdb-bt.sh)
skip_addressed_only=1 gdb_reverse=1
. "$TESTS/core/gdb-bt.sh"
# compare line by line: same number of names, equal or gdb's "??" ("-":
# no line); ids too unless $4
compare() { # label gdb-stacks our-stacks [noids]
	awk -v noids="${4:-}" 'NR == FNR { g[FNR] = $0; ng = FNR; next }
	{ o[FNR] = $0; no = FNR }
	END { if (ng != no) { print "threads: gdb " ng ", coroner " no; exit 1 }
	  for (i = 1; i <= ng; i++) { n = split(g[i], a, " "); m = split(o[i], b, " ")
	    if (n != m || (!noids && a[1] != b[1])) { print "gdb:     " substr(g[i], 1, 400); print "coroner: " substr(o[i], 1, 400); exit 1 }
	    for (k = 2; k <= n; k++) if (a[k] != "??" && a[k] != "-" && a[k] != b[k]) { print "gdb:     " substr(g[i], 1, 400); print "coroner: " substr(o[i], 1, 400); exit 1 } } }' "$2" "$3" > "$tmp/diff"
	if [ $? -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; cat "$tmp/diff"; fail=$((fail + 1)); fi
}
check() { # label binary core expected-gdb signal [noids] [coroner options...]
	label=$1 bin=$2 core=$3 gdb=$4 sig=$5 noids=$6; shift 6
	"$CORONER" core --format=json --sysroot="$tmp/root" "$@" "$bin" "$core" > "$tmp/out.json" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then echo "FAIL: $label: exit $rc"; cat "$tmp/err"; fail=$((fail + 1)); return; fi
	if grep -q . "$tmp/err"; then echo "FAIL: $label: unexpected lines on stderr"; cat "$tmp/err"; fail=$((fail + 1)); fi
	gdb_stacks "$gdb" > "$tmp/g"
	our_stacks "$tmp/out.json" > "$tmp/o"
	compare "$label" "$tmp/g" "$tmp/o" "$noids"
	gdb_lines "$gdb" > "$tmp/g"
	our_lines "$tmp/out.json" > "$tmp/o"
	compare "$label: file:line" "$tmp/g" "$tmp/o" "$noids"
	if [ -z "$noids" ] && [ -f "${gdb%.gdb}.regs" ]; then # x0..x30, sp, pc of every thread, as gdb reads them
		awk '/^Thread [0-9]+ .*\(LWP [0-9]+\)\):$/ { t = $0; sub(/.*\(LWP /, "", t); sub(/\).*/, "", t); next }
		     t != "" && $1 ~ /^(x[0-9]+|sp|pc)$/ { print t, $1, $2 }' "${gdb%.gdb}.regs" | sort > "$tmp/g"
		jq -r '.threads[] | .tid as $t | .registers | to_entries[] | select(.key | test("^(x[0-9]+|sp|pc)$")) | "\($t) \(.key) \(.value)"' \
			"$tmp/out.json" | sort > "$tmp/o"
		if [ "$(wc -l < "$tmp/g")" -eq $((33 * $(jq '.threads | length' "$tmp/out.json"))) ] && cmp -s "$tmp/g" "$tmp/o"; then pass=$((pass + 1)); else
			echo "FAIL: $label: registers"; diff "$tmp/g" "$tmp/o" | head -5; fail=$((fail + 1)); fi
	fi
	got=$(jq -r '"\(.signal.number) \(.signal.code) \(.signal.fault_address) \(.threads[0].crashed)"' "$tmp/out.json")
	if [ "$got" = "$sig null null true" ]; then pass=$((pass + 1)); else echo "FAIL: $label: signal: $got, want $sig null null true"; fail=$((fail + 1)); fi
}
for c in "$d"/*.core.zst; do
	name=$(basename "$c" .core.zst)
	kind=${name%-*} v=${name##*-}
	zstd -dqc "$c" > "$tmp/core" || exit 1
	sig=$(cat "$d/expected/$name.signal")
	case $kind in
	throw) p=ccrashxx ;;   # C++: an uncaught exception
	noexcept) p=ccrashne ;; # C++: an exception leaving a noexcept function
	sighandler) p=csig ;;  # threads in signal handlers
	cfiexpr) p=cfiexpr ;;  # CFI written as DWARF expressions
	*) p=ccrash ;;
	esac
	case $v in
	pie) check "$name" "$d/$p-pie" "$tmp/core" "$d/expected/$kind-plain.gdb" "$sig" noids ;;
	strip)
		check "$name" "$d/$p-strip" "$tmp/core" "$d/expected/$name.gdb" "$sig" ""
		check "$name (--debug-dir)" "$tmp/alone/$p-strip" "$tmp/core" "$d/expected/$name.gdb" "$sig" "" \
			--debug-dir="$d/debug" ;;
	*) check "$name" "$d/$p-$v" "$tmp/core" "$d/expected/$name.gdb" "$sig" "" ;;
	esac
done
# symbolize --core on these cores (no NT_FILE): with -e the libraries come
# from the dynamic linker's list; every return address gdb prints in
# libstdc++ and libgcc_s (no debug info: gdb names them from their symbol
# tables, as llvm-symbolizer does, "??" where none covers) is named as gdb
# names it; without -e one line says the executable is needed
for n in throw noexcept; do
	zstd -dqc "$d/$n-plain.core.zst" > "$tmp/core" || exit 1
	p=ccrashxx; [ $n = noexcept ] && p=ccrashne
	grep -E '^#[0-9]+ +0x[0-9a-f]+ in .* from .*/lib(stdc\+\+\.so\.6|gcc_s\.so\.1)$' "$d/expected/$n-plain.gdb" |
		sed -E 's/^#[0-9]+ +(0x[0-9a-f]+) in (.*) \(\) from .*$/\1 \2/' | sort -u > "$tmp/want"
	: > "$tmp/got"
	while read -r a fn; do
		got=$("$CORONER" --sysroot="$tmp/root" symbolize --core "$tmp/core" -e "$d/$p-plain" --return-addresses "$a" 2>>"$tmp/err" | head -1)
		echo "$a $got" >> "$tmp/got"
	done < "$tmp/want"
	if [ "$(wc -l < "$tmp/want")" -ge 4 ] && cmp -s "$tmp/want" "$tmp/got"; then pass=$((pass + 1)); else
		echo "FAIL: symbolize --core $n-plain"; diff "$tmp/want" "$tmp/got"; fail=$((fail + 1)); fi
done
if "$CORONER" --sysroot="$tmp/root" symbolize --core "$tmp/core" 0x400000 2>&1 >/dev/null |
	grep -q 'no NT_FILE note (a qemu-user core): give the executable (-e)'; then pass=$((pass + 1)); else
	echo "FAIL: symbolize --core without -e on a qemu core"; fail=$((fail + 1)); fi
# text: the signal's code and fault address are said to be absent
zstd -dqc "$d/null-plain.core.zst" > "$tmp/core" || exit 1
if "$CORONER" core --sysroot="$tmp/root" "$d/ccrash-plain" "$tmp/core" 2>/dev/null |
	grep -q '^signal: SIGSEGV (11) (code and fault address absent: the core has no NT_SIGINFO) on thread'; then
	pass=$((pass + 1))
else
	echo "FAIL: text signal line"; fail=$((fail + 1))
fi
# without --sysroot: the libraries are named as not read, the program's frames still are
"$CORONER" core --format=json "$d/ccrash-plain" "$tmp/core" > "$tmp/out.json" 2> "$tmp/err"
if grep -q 'give --sysroot' "$tmp/err" && jq -e '[.threads[0].frames[].function] | index("worker") != null' "$tmp/out.json" >/dev/null; then
	pass=$((pass + 1))
else
	echo "FAIL: without --sysroot"; cat "$tmp/err"; fail=$((fail + 1))
fi
# hostile CFI: worker's FDE in a copy of the binary rewritten (a) to nops
# (the CIE's row, CFA = sp, x30 unchanged: the frame above worker would be
# worker again), (b) to a CFA 4 GiB above sp (its saved registers outside
# the core): the crashed thread's frames end after worker with one line,
# the other threads are whole (as gdb gave them)
badcfi() { # in out mode
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
hdr = lambda i: struct.unpack_from('<IIQQQQ', b, shoff + i * shentsize)
stro = hdr(shstrndx)[4]
name = lambda o: bytes(b[stro + o:b.index(b'\0', stro + o)]).decode()
sym = {}
for i in range(shnum):
    h = hdr(i)
    if name(h[0]) == '.eh_frame':
        addr, off, size = h[3], h[4], h[5]
    if h[1] == 2:  # SHT_SYMTAB
        strtab = hdr(struct.unpack_from('<I', b, shoff + i * shentsize + 40)[0])[4]
        for k in range(h[5] // 24):
            st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from('<IBBHQQ', b, h[4] + k * 24)
            sym[bytes(b[strtab + st_name:b.index(b'\0', strtab + st_name)]).decode()] = st_value
p = off
while p < off + size:
    ln, cid = struct.unpack_from('<II', b, p)
    if ln == 0:
        break
    if cid:  # an FDE: pcrel sdata4 start, udata4 range, augmentation length 0
        start = addr + (p + 8 - off) + struct.unpack_from('<i', b, p + 8)[0]
        if start == sym['worker']:
            ins, end = p + 17, p + 4 + ln
            new = b'' if sys.argv[3] == 'loop' else bytes([0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x9d, 0x0e, 0x9e, 0x0d])
            b[ins:end] = new + bytes(end - ins - len(new))
            break
    p += 4 + ln
else:
    sys.exit('no FDE for worker')
open(sys.argv[2], 'wb').write(b)
PY
}
zstd -dqc "$d/null-plain.core.zst" > "$tmp/core" || exit 1
gdb_stacks "$d/expected/null-plain.gdb" | tail -n +2 > "$tmp/g"
for mode in loop far; do
	badcfi "$d/ccrash-plain" "$tmp/bad-$mode" $mode || exit 1
	"$CORONER" core --format=json --sysroot="$tmp/root" "$tmp/bad-$mode" "$tmp/core" > "$tmp/out.json" 2> "$tmp/err"
	rc=$?
	case $mode in loop) want='CFI loops or is wrong' ;; far) want='is saved at 0x.*, not in the core' ;; esac
	tid=$(jq -r '.threads[0].tid' "$tmp/out.json")
	crashed=$(jq -r '[.threads[0].frames[].function] | join(" ")' "$tmp/out.json")
	our_stacks "$tmp/out.json" | tail -n +2 > "$tmp/o"
	if [ $rc -eq 0 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "^coroner: warning: thread $tid: .*$want" "$tmp/err" &&
	   [ "$crashed" = "weigh total worker" ] && cmp -s "$tmp/g" "$tmp/o"; then
		pass=$((pass + 1))
	else
		echo "FAIL: bad CFI ($mode): exit $rc, frames: $crashed"; cat "$tmp/err"; fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
