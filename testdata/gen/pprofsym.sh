#!/usr/bin/env bash
# go tool pprof's symbolization of address-only profiles, recorded with Go
# 1.26's pprof (stdout and stderr, exit status):
#   testdata/pprofsym/  the debug=1 text profiles of testdata/gen/addrprog
#                       (heap, goroutine, mutex, block: Go's text formats,
#                       which pprof reads as legacy profiles, addresses
#                       only), each also with the process's memory map
#                       (*.maps.txt); from the default build (addrprog.gz)
#                       and a PIE build (pie/, addrprog-pie.gz); bin/ holds
#                       the binary for PPROF_BINARY_PATH
#   testdata/pprofsym/expected/INDEX  (+ the outputs beside it)
# Each profile without a binary (pprof shows addresses), with the binary
# before it, and (*.maps.txt, whose mapping names the binary's path at
# generation time) found through PPROF_BINARY_PATH.
# tests/golden/pprof-cmd.sh replays every command with `coroner pprof`.
#
#   testdata/gen/pprofsym.sh
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d)
W=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR" "$W"' EXIT
G=${PPROF_GO:-/usr/local/go/bin/go}
D=$TD/pprofsym
rm -rf "$D"; mkdir -p "$D/expected" "$D/bin" "$D/pie/bin"
(cd "$GEN/addrprog" && "$G" build -trimpath -o "$W/addrprog" . && "$G" build -trimpath -buildmode=pie -o "$W/pie/addrprog-pie" .)
"$W/addrprog" "$D" >/dev/null
"$W/pie/addrprog-pie" "$D/pie" >/dev/null
rm -f "$D"/threadcreate*.txt "$D"/pie/threadcreate*.txt "$D"/pie/goroutine*.txt "$D"/pie/block*.txt # threadcreate: Go 1.26 writes zero addresses
gzip -9 -n -c "$W/addrprog" >"$D/addrprog.gz"
ln -s ../addrprog.gz "$D/bin/addrprog.gz"
gzip -9 -n -c "$W/pie/addrprog-pie" >"$D/pie/addrprog-pie.gz"
ln -s ../addrprog-pie.gz "$D/pie/bin/addrprog-pie.gz"
rm -rf "$W/addrprog" "$W/pie" # the path the memory maps name: gone, as on another machine
cd "$D"
# the binaries are read unpacked, as the test unpacks them
for f in addrprog bin/addrprog pie/addrprog-pie pie/bin/addrprog-pie; do gzip -dc "$f.gz" >"$f"; chmod +x "$f"; done
rec() { # OUT PPROF_BINARY_PATH ARGS...: pprof's stdout+stderr (and exit status)
	local out=$1 bp=$2; shift 2
	PPROF_BINARY_PATH=$bp "$G" tool pprof "$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
	printf '%s\tPPROF_BINARY_PATH=%s go tool pprof %s\n' "$out" "$bp" "$*" >>expected/INDEX
}
printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/, with *.gz\n# binaries gunzipped under their name without .gz (in bin/ too). TZ=UTC.\n' >expected/INDEX
for k in heap goroutine mutex block; do
	for r in top traces raw; do
		rec "$k.$r.nobin.txt" /nonexistent "-$r" "$k.txt"
		rec "$k.$r.bin.txt" /nonexistent "-$r" addrprog "$k.txt"
		rec "$k.maps.$r.path.txt" bin "-$r" "$k.maps.txt"
	done
	rec "$k.maps.raw.nobin.txt" /nonexistent -raw "$k.maps.txt"
	rec "$k.maps.tree.bin.txt" /nonexistent -tree addrprog "$k.maps.txt"
done
rec heap.callgrind.bin.txt /nonexistent -callgrind addrprog heap.txt
rec heap.tags.bin.txt /nonexistent -tags addrprog heap.txt
rec heap.top.lines.bin.txt /nonexistent -top -lines addrprog heap.txt
rec heap.maps.peek.path.txt bin -peek=main.alloc heap.maps.txt
rec mutex.maps.top.path2.txt /nonexistent:bin -top mutex.maps.txt
for k in heap mutex; do
	rec "pie.$k.top.bin.txt" /nonexistent -top pie/addrprog-pie "pie/$k.txt"
	rec "pie.$k.maps.raw.bin.txt" /nonexistent -raw pie/addrprog-pie "pie/$k.maps.txt"
	rec "pie.$k.maps.top.path.txt" pie/bin -top "pie/$k.maps.txt"
done
# profiles sharing no sample type: pprof's refusal to merge them
rec nocommon.top.txt /nonexistent -top ../kinds/cpu.pb.gz ../heap/heap.pb.gz
rec nocommon.traces.txt /nonexistent -traces ../kinds/cpu.pb.gz ../kinds/cpu.pb.gz ../heap/heap.pb.gz
rec nocommon.diff_base.txt /nonexistent -top -diff_base=../heap/heap.pb.gz ../kinds/cpu.pb.gz
# the options that change the header or nothing for local files
K=../kinds/cpu.pb.gz
rec cpu.comments.txt /nonexistent -comments $K
rec cpu.add_comment.comments.txt /nonexistent -add_comment=first -comments $K
rec cpu.add_comment.top.txt /nonexistent -add_comment=a-note -top -nodecount=3 $K
rec cpu.add_comment.raw.txt /nonexistent -add_comment=a-note -raw $K
rec cpu.buildid.top.txt /nonexistent -buildid=abc123 -top -nodecount=3 $K
rec cpu.showcolumns.top.txt /nonexistent -showcolumns -top -lines -nodecount=3 $K
rec cpu.tools.top.txt /nonexistent -tools=objdump:/nonexistent -tls_cert=a -tls_key=b -tls_ca=c -top -nodecount=3 $K
rec heap.maps.buildid.traces.path.txt bin -buildid=abc123 -traces heap.maps.txt
rec heap.buildid.raw.nobin.txt /nonexistent -buildid=abc123 -raw heap.txt
rm -f addrprog bin/addrprog pie/addrprog-pie pie/bin/addrprog-pie
echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
