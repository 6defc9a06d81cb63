#!/bin/sh
# An input that shrinks while it is read: `core BIN -` maps the binary, then
# waits for the core on stdin; the binary is cut to 0 bytes while mapped
# (seen in /proc/PID/maps), then the core is fed. Touching the binary's
# pages then raises SIGBUS: coroner must exit 1 naming the file, not die
# of the signal (135).
set -u
: "${CORONER:?}" "${TESTDATA:?}"
tmp=$(mktemp -d) || exit 1
trap 'exec 3>&-; rm -rf "$tmp"' EXIT
gzip -dc "$TESTDATA/bin/gosym.gz" > "$tmp/gosym" || exit 1
zstd -qdc "$TESTDATA/bin/core-gosym.zst" > "$tmp/core" || exit 1
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"          # a writer exists: opening it to read does not block
timeout 60 "$CORONER" core "$tmp/gosym" - < "$tmp/fifo" > "$tmp/out" 2> "$tmp/err" 3>&- &
pid=$!
# the timeout's child is coroner; wait until it has the binary mapped
i=0
while [ $i -lt 300 ]; do
	if grep -qs "$tmp/gosym" /proc/[0-9]*/maps 2>/dev/null; then break; fi
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 300 ] || { echo "FAIL: the binary was never mapped"; kill "$pid"; exit 1; }
: > "$tmp/gosym"
cat "$tmp/core" >&3
exec 3>&-
wait "$pid"
rc=$?
cat "$tmp/err"
if [ "$rc" != 1 ]; then echo "FAIL: exit $rc, want 1"; exit 1; fi
grep -q "^coroner: $tmp/gosym: changed while reading" "$tmp/err" || { echo "FAIL: no 'changed while reading' naming the file"; exit 1; }
echo "ok"
