#!/usr/bin/env bash
# go tool pprof's search for the binaries a profile's mappings name
# (PPROF_BINARY_PATH), recorded with Go 1.26's pprof on the committed
# profiles:
#   testdata/pprofbin/expected/INDEX  (+ the outputs beside it)
# The binaries found are a 624-byte ELF file (tiny.c, built here with gcc;
# pprof only opens them: any ELF file stands for the program) placed under
# the names pprof tries: d1/profkinds (by base name, for the kinds
# fixtures' /work/main/testdata/kinds/profkinds), d2/BUILDID/aa (by the
# build id of goroutine.1.pb.gz's libc mapping: go tool pprof reads no build
# id from a file, so it ignores it with a line on stderr), d3/libc.so.6.
# tests/golden/pprof-cmd.sh replays every command with `coroner pprof`.
#
#   testdata/gen/pprofbin.sh
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR"' EXIT
G=${PPROF_GO:-/usr/local/go/bin/go}
D=$TD/pprofbin
BID=93ac61ec5a8eb1396f9fbd350e3169a558528a40
rm -rf "$D"; mkdir -p "$D/expected" "$D/d1" "$D/d2/$BID" "$D/d3"; cd "$D"
gcc -Os -nostdlib -static -s -Wl,--build-id=none -Wl,-n -o d1/profkinds "$GEN/pprofbin/tiny.c"
cp d1/profkinds "d2/$BID/aa"
cp d1/profkinds d3/libc.so.6

rec() { # OUT PPROF_BINARY_PATH ARGS...: pprof's stdout+stderr (and exit status)
	local out=$1 bp=$2; shift 2
	PPROF_BINARY_PATH=$bp "$G" tool pprof "$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
	printf '%s\tPPROF_BINARY_PATH=%s go tool pprof %s\n' "$out" "$bp" "$*" >>expected/INDEX
}
printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/. TZ=UTC.\n' >expected/INDEX
K=../kinds/cpu.pb.gz R=../goroutines/goroutine.1.pb.gz
rec cpu.raw.d1.txt d1 -raw $K
rec cpu.callgrind.d1.txt /nonexistent:d1 -callgrind $K
rec cpu.top.d1.txt d1 -top -nodecount=5 $K
rec goroutine.raw.d2.txt /nonexistent:d2 -raw $R
rec goroutine.top.d3.txt d3:d1 -top -nodecount=5 $R
rec goroutine.traces.d3.txt d3 -traces -focus=main.main $R
rec cpu.raw.none.txt /nonexistent -raw $K
echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
