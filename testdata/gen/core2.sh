#!/bin/bash
# More cores for coroner core, beyond testdata/bin, into
# testdata/core/:
#   - core-stripped.zst: a GOTRACEBACK=crash core of testdata/bin/gosym-stripped
#     (-ldflags='-s -w': no .symtab, no DWARF), with the runtime's own
#     traceback (crash-stripped.txt) as the oracle;
#   - core-cgo.zst: a core of gen/cgoprog (cgo, built with DWARF), aborting
#     inside C three C frames deep, one goroutine blocked in a C call;
#     oracles: the runtime's traceback (crash-cgo.txt) and gdb's `bt` of
#     every thread on the core (expected/core-cgo.gdb.txt).
# usage: testdata/gen/core2.sh   (called by regen.sh's core2 section; needs
# testdata/bin/gosym-stripped.gz from the bin section, go, gdb, zstd, readelf)
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
D=$TD/core
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=1
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
printf '# output-file<TAB>command (POSIX shell quoting); run in testdata/core with the *.gz\n# binaries gunzipped and core-*.zst unzstd-ed under their names without the suffix.\n' >expected/INDEX
rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 || echo "exit status $?" >>"expected/$out"
	local a q=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then q+=" $a"; else q+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\t%s\n' "$out" "${q# }" >>expected/INDEX
}
# crash NAME BINARY ARGS...: run under GOTRACEBACK=crash, keep stderr and the core
crash() {
	local name=$1 bin=$2; shift 2
	rm -rf "$W/run"; mkdir "$W/run"
	(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 "$bin" "$@" \
		>"$D/expected/crash-$name.stdout" 2>"$D/crash-$name.txt") \
		&& echo "no crash?" >&2 || echo "exit status $?" >"expected/crash-$name.exit"
	local core; core=$(ls "$W"/run/core* | head -1)
	zstd -19 -q -f "$core" -o "core-$name.zst"
	cp "$core" "$W/core-$name"
	cp "$core" "core-$name"   # for the references below; removed at the end
	echo "core: $(stat -c %s "$core") bytes" >"expected/core-$name.size"
	rec crash-$name.txt.headers.count grep -c '^goroutine [0-9]* \[' crash-$name.txt
	rec core-$name.prstatus.count sh -c "readelf -n core-$name | grep -c NT_PRSTATUS"
}

# stripped: the committed binary of the bin section
gunzip -c "$TD/bin/gosym-stripped.gz" >gosym-stripped; chmod +x gosym-stripped
crash stripped "$D/gosym-stripped" crash
rec core-stripped.dlv.txt sh -c 'dlv core gosym-stripped core-stripped --check-go-version=false --allow-non-terminal-interactive=true --init /dev/null </dev/null'
rec gosym-stripped.sections.txt sh -c "readelf -S -W gosym-stripped | grep -c -e '\.symtab' -e '\.debug_' || true"

# cgo
(cd "$GEN/cgoprog" && go build -trimpath -o "$D/cgoprog" .)
crash cgo "$D/cgoprog" crash
gzip -9 -n -c cgoprog >cgoprog.gz
rec core-cgo.gdb.txt gdb -batch -nx -ex 'set pagination off' -ex 'thread apply all bt' cgoprog core-cgo
# addresses vary per run: gdb prints them; the function names and lines are the oracle
rec gdb.version.txt sh -c 'gdb --version | head -1'
rm -f gosym-stripped cgoprog core-stripped core-cgo
