#!/bin/sh
# A core whose NT_FILE note names a FIFO, a device, a link out of the
# sysroot and a file outside any root (testdata/core/core-cgo.zst with the
# note's libc and ld.so paths rewritten in place). Without --sysroot none of
# them is opened (strace shows no open of them, where strace runs); with
# --sysroot=DIR they are resolved inside DIR and refused unless they are
# regular files with the mapped build id; nothing hangs or reads a device.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
d=$TESTDATA/core
[ -f "$d/core-cgo.zst" ] && [ -f "$d/cgoprog.gz" ] || { echo "SKIP: no cgo core"; exit 77; }
tmp=$(mktemp -d /tmp/crnt.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
zstd -qdc "$d/core-cgo.zst" > "$tmp/core.orig" || exit 1
gzip -dc "$d/cgoprog.gz" > "$tmp/cgoprog" || exit 1
libc=/usr/lib/x86_64-linux-gnu/libc.so.6
ld=/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ "$(grep -c -a -o "$libc" "$tmp/core.orig")" -ge 1 ] || { echo "SKIP: core has no libc path"; exit 77; }
# patch NAME NEW CORE: every copy of NAME in CORE's notes becomes NEW, padded
# to NAME's length with leading slashes (the note's names are NUL-separated)
patch() {
	for off in $(grep -abo -- "$1" "$3" | cut -d: -f1); do
		{ head -c $((${#1} - ${#2})) /dev/zero | tr '\0' /; printf '%s' "$2"; } |
			dd of="$3" bs=1 seek="$off" conv=notrunc 2>/dev/null
	done
}
# run ARGS...: coroner under a 20 s timer (and strace when it works), output in $tmp/out, $tmp/err
st=0
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then st=1; fi
run() {
	rm -f "$tmp/trace"
	if [ "$st" = 1 ]; then
		# LeakSanitizer cannot run under ptrace
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		timeout 20 strace -f -qq -e trace=open,openat,openat2 -o "$tmp/trace" "$CORONER" "$@" >"$tmp/out" 2>"$tmp/err"
	else
		timeout 20 "$CORONER" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}
opened() { [ "$st" = 1 ] && grep -F -- "$1\"" "$tmp/trace" | grep -qv ENOENT; }

mkfifo "$tmp/fifo"
# 1. libc -> a FIFO, ld.so -> /dev/zero: without --sysroot neither is opened
cp "$tmp/core.orig" "$tmp/core1"
patch "$libc" "$tmp/fifo" "$tmp/core1"
patch "$ld" /dev/zero "$tmp/core1"
run core "$tmp/cgoprog" "$tmp/core1"
[ "$rc" = 0 ] && ok || { bad "no sysroot: exit $rc"; cat "$tmp/err"; }
grep -q "/$tmp/fifo: not read (the core names it; give --sysroot=DIR" "$tmp/err" && ok || bad "no sysroot: no 'not read' warning for the FIFO"
if [ "$st" = 1 ]; then
	opened "$tmp/fifo" && bad "no sysroot: the FIFO was opened" || ok
	opened /dev/zero && bad "no sysroot: /dev/zero was opened" || ok
fi
# 2. the same paths under --sysroot=ROOT: a FIFO, a link to /dev/zero and a
# link leaving the root are refused, never read
mkdir -p "$tmp/root$tmp" "$tmp/root/dev" "$tmp/root/etc"
mkfifo "$tmp/root$tmp/fifo"
ln -s /dev/zero "$tmp/root/dev/zero"
run --sysroot="$tmp/root" core "$tmp/cgoprog" "$tmp/core1"
[ "$rc" = 0 ] && ok || { bad "sysroot: exit $rc"; cat "$tmp/err"; }
grep -q "$tmp/fifo: is a FIFO, not a regular file" "$tmp/err" && ok || { bad "sysroot: FIFO not refused"; cat "$tmp/err"; }
grep -q "/dev/zero: is a symbolic link (not followed)" "$tmp/err" && ok || { bad "sysroot: link to /dev/zero not refused"; cat "$tmp/err"; }
if [ "$st" = 1 ]; then
	opened /dev/zero && bad "sysroot: /dev/zero opened outside the root" || ok
	opened "$tmp/fifo" && bad "sysroot: the real FIFO opened" || ok
fi
# 3. a path climbing out of the root, and a root link to a file outside it:
# both resolve inside the root (not found there)
cp "$tmp/core.orig" "$tmp/core3"
patch "$libc" /../../../../etc/passwd "$tmp/core3"
patch "$ld" /lib/ld.so "$tmp/core3"
mkdir -p "$tmp/root/lib"
ln -s /etc/passwd "$tmp/root/lib/ld.so"
run --sysroot="$tmp/root" core "$tmp/cgoprog" "$tmp/core3"
[ "$rc" = 0 ] && ok || { bad "escape: exit $rc"; cat "$tmp/err"; }
grep -q "/etc/passwd: No such file or directory" "$tmp/err" && ok || { bad "escape: '..' path not kept in the root"; cat "$tmp/err"; }
grep -q "/lib/ld.so: is a symbolic link (not followed)" "$tmp/err" && ok || { bad "escape: link out of the root followed"; cat "$tmp/err"; }
if [ "$st" = 1 ]; then
	opened /etc/passwd && bad "escape: /etc/passwd was opened" || ok
fi
# 4. a regular file at the path that is not the mapped one (another ELF):
# its build id differs, it is not used
mkdir -p "$tmp/root/usr/lib/x86_64-linux-gnu"
cp "$tmp/cgoprog" "$tmp/root$libc"
run --sysroot="$tmp/root" core "$tmp/cgoprog" "$tmp/core.orig"
[ "$rc" = 0 ] && ok || { bad "build id: exit $rc"; cat "$tmp/err"; }
want=$(readelf -n "$libc" 2>/dev/null | sed -n 's/.*Build ID: //p' | head -1)
if [ -n "$want" ] && cmp -s "$libc" /proc/self/root"$libc" && grep -q "libc.so.6: build id .*, the core's mapping has $want (not used)" "$tmp/err"; then ok
else
	# the core came from another machine's libc: any refusal will do
	grep -q "libc.so.6: build id .* (not used)" "$tmp/err" && ok || { bad "build id: wrong file trusted"; cat "$tmp/err"; }
fi
# 5. a real directory tree: --sysroot=/ reads the libraries where they are
run --sysroot=/ core "$tmp/cgoprog" "$tmp/core.orig"
[ "$rc" = 0 ] && ok || { bad "sysroot /: exit $rc"; cat "$tmp/err"; }
# 6. cr_input_open: a FIFO or a device on the command line is refused
# without blocking (stdin is '-')
run top "$tmp/fifo"
[ "$rc" = 1 ] && grep -q "is a FIFO, not a regular file" "$tmp/err" && ok || { bad "top FIFO: exit $rc"; cat "$tmp/err"; }
run top /dev/urandom
[ "$rc" = 1 ] && grep -q "is a device, not a regular file" "$tmp/err" && ok || { bad "top device: exit $rc"; cat "$tmp/err"; }
echo "$pass passed, $fail failed (strace: $st)"
[ "$fail" = 0 ]
