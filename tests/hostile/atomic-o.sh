#!/bin/sh
# -o writes atomically: on a full file system (a 256 KiB tmpfs, where the
# machine lets us mount one) a failed flame SVG or diff profile leaves the
# previous file byte for byte and no temporary beside it; a good write
# replaces it whole. Writing to /dev/full fails with exit 1 and a message.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
mnt=$tmp/mnt
mounted=0
cleanup() { [ "$mounted" = 1 ] && umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0 pass=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
small=$TESTDATA/heap/heap.pb.gz
big=$TESTDATA/capture/before/allocs.pb.gz
# stdout on /dev/full
"$CORONER" flame -o - "$small" > /dev/full 2> "$tmp/err"
rc=$?
[ "$rc" = 1 ] && grep -q "^coroner: .*No space left on device" "$tmp/err" && ok || { bad "/dev/full: exit $rc"; cat "$tmp/err"; }
"$CORONER" diff -o - "$small" "$small" > /dev/full 2> "$tmp/err"
rc=$?
[ "$rc" = 1 ] && ok || { bad "diff -o - on /dev/full: exit $rc"; cat "$tmp/err"; }
# diff -o -: the profile alone on stdout (coroner reads it back), the report on stderr
"$CORONER" diff -o - "$small" "$big" > "$tmp/d.pb.gz" 2> "$tmp/err"
rc=$?
[ "$rc" = 0 ] && gzip -t "$tmp/d.pb.gz" && "$CORONER" top - < "$tmp/d.pb.gz" > /dev/null &&
	ok || { bad "diff -o -: exit $rc, stdout not the profile alone"; head -c 300 "$tmp/d.pb.gz" | od -c | head -3; }
grep -q "^Type: " "$tmp/err" && ok || bad "diff -o -: the report is not on stderr"
mkdir "$mnt"
if mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
	mounted=1
	"$CORONER" flame -o "$mnt/g.svg" "$small" || bad "first flame write"
	"$CORONER" diff -o "$mnt/d.pb.gz" "$small" "$small" > /dev/null || bad "first diff write"
	cp "$mnt/g.svg" "$tmp/g.svg.before"
	cp "$mnt/d.pb.gz" "$tmp/d.before"
	# fill the file system
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
	"$CORONER" flame -o "$mnt/g.svg" "$big" 2> "$tmp/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q "g.svg: write failed: No space left on device (the previous file, if any, is unchanged)" "$tmp/err" &&
		ok || { bad "flame on a full fs: exit $rc"; cat "$tmp/err"; }
	cmp -s "$mnt/g.svg" "$tmp/g.svg.before" && ok || bad "flame: the previous SVG was changed"
	"$CORONER" diff -o "$mnt/d.pb.gz" "$small" "$big" > /dev/null 2> "$tmp/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q "d.pb.gz: write failed" "$tmp/err" && ok || { bad "diff on a full fs: exit $rc"; cat "$tmp/err"; }
	cmp -s "$mnt/d.pb.gz" "$tmp/d.before" && gzip -t "$mnt/d.pb.gz" && ok || bad "diff: the previous profile was changed"
	left=$(ls -A "$mnt" | grep -v '^fill$\|^g.svg$\|^d.pb.gz$')
	[ -z "$left" ] && ok || bad "temporary files left: $left"
	# room again: the new file replaces the old whole
	rm -f "$mnt/fill"
	"$CORONER" flame -o "$mnt/g.svg" "$big" && xmllint --noout "$mnt/g.svg" && ok || bad "flame after freeing space"
else
	echo "SKIP: cannot mount a tmpfs here (the full-disk cases)"
	skip=1
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || exit 1
[ "$skip" = 0 ] || exit 77
