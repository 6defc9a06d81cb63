#!/bin/sh
# Caps that hold, each naming the flag to raise:
#   - detection reads a bounded prefix: --max-inflate=1K on a 1 GiB zstd bomb
#     stops at 1 KiB (exit 3, --max-inflate) in seconds, for top and report;
#   - a /proc file (size 0) streams under --max-inflate, also through a
#     symbolic link inside a capture directory: report warns and goes on;
#   - --max-memory=256K on mem DIR is exit 3 naming --max-memory;
#   - every out-of-memory message names --max-memory (goroutines, core,
#     zstd, flame, report);
#   - under any cap, heap and core on a Go core exit 0 or 3, and a failure
#     that follows a refused allocation (a binary whose symbols could not be
#     read looks like one of no known Go version) still names the flag.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
C=$TESTS/hostile/cases
run() { timeout 60 "$CORONER" "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; }
elapsed() { start=$(date +%s); "$@"; took=$(($(date +%s) - start)); }
# bounded detection
elapsed run --max-inflate=1K top "$C/zstd-bomb-1G.zst"
[ "$rc" = 3 ] && grep -q "zstd: inflates past 1024 bytes (raise --max-inflate)" "$tmp/err" && ok || { bad "top bomb: exit $rc"; cat "$tmp/err"; }
[ "$took" -le 10 ] && ok || bad "top bomb: took $took s (inflated past the cap?)"
mkdir "$tmp/cap"
cp "$TESTDATA/capture/before/heap.pb.gz" "$C/zstd-bomb-1G.zst" "$tmp/cap/"
ln -s /proc/self/pagemap "$tmp/cap/pagemap"
elapsed run --max-inflate=1M report "$tmp/cap"
[ "$rc" = 0 ] && ok || { bad "report: exit $rc"; cat "$tmp/err"; }
grep -q "pagemap: input larger than 1048576 bytes (raise --max-inflate)" "$tmp/err" && ok || { bad "report: pagemap not capped"; cat "$tmp/err"; }
grep -q "zstd-bomb-1G.zst: zstd: inflates past 1048576 bytes (raise --max-inflate)" "$tmp/err" && ok || { bad "report: bomb not capped"; cat "$tmp/err"; }
[ "$took" -le 20 ] && ok || bad "report: took $took s"
# --max-memory
run --max-memory=256K mem "$TESTDATA/capture/before"
[ "$rc" = 3 ] && grep -q "raise --max-memory" "$tmp/err" && ok || { bad "mem DIR: exit $rc"; cat "$tmp/err"; }
for args in "goroutines $TESTDATA/goroutines/sigquit.txt" \
	"core $TESTDATA/bin/gosym.gz $TESTDATA/bin/core-gosym.zst" \
	"top $C/zstd-bomb-1G.zst" \
	"flame -o $tmp/x.svg $TESTDATA/heap/heap.pb.gz" \
	"report $TESTDATA/capture/before"; do
	# shellcheck disable=SC2086 # words
	run --max-memory=200K $args
	[ "$rc" = 3 ] && grep -v "warning" "$tmp/err" | grep -q "out of memory.*raise --max-memory" && ok || { bad "--max-memory=200K $args: exit $rc"; cat "$tmp/err"; }
done
# a sweep of caps over one core: no exit 1 caused by the cap
gzip -dc "$TESTDATA/retain/retain-1.26.gz" > "$tmp/bin"
zstd -qdc "$TESTDATA/retain/core-1.26.zst" > "$tmp/core"
for cmd in heap core; do
	for m in 256K 384K 512K 768K 1M 1536K 2M 3M; do
		run --max-memory=$m $cmd "$tmp/bin" "$tmp/core"
		case $rc in
		0) ok ;;
		3) tail -n 1 "$tmp/err" | grep -q "raise --max-memory" && ok || { bad "$cmd at --max-memory=$m: the flag is not named"; cat "$tmp/err"; } ;;
		*) bad "$cmd at --max-memory=$m: exit $rc"; cat "$tmp/err" ;;
		esac
	done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
