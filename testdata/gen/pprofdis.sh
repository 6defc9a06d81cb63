#!/usr/bin/env bash
# pprof's -disasm listings, recorded on the cpu and heap fixtures with the
# binaries that wrote them (testdata/kinds/profkinds.gz, rebuilt by
# regen.sh's kinds section; testdata/heap/heapprog.gz):
#   testdata/pprofdis/expected/INDEX  (+ the outputs beside it)
# Two references:
#   - the standalone google/pprof (its binutils backend: `nm -n`, then
#     `objdump --disassemble --demangle --no-show-raw-insn --line-numbers
#     --start-address --stop-address`), run with a PATH that holds binutils'
#     objdump and nm only (pprof prefers llvm-objdump when it finds one);
#     build it with
#       GOFLAGS=-mod=mod go install github.com/google/pprof@v0.0.0-20261105003125-4bf881d7fb0b
#     and give its path as PPROF (default: $(go env GOPATH)/bin/pprof);
#   - `go tool pprof -disasm` of go1.19 (the release that wrote both
#     profiles), which disassembles with Go's own disassembler: the same
#     report in Go assembler syntax (go*.txt outputs).
# tests/golden/pprof-disasm.sh replays the first with `coroner pprof` and
# compares the second on everything but the instruction text.
#
#   testdata/gen/pprofdis.sh
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
ROOT=$(dirname "$TD")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
BU=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR" "$BU"' EXIT
. "$ROOT/tests/go-release.sh"
PPROF=${PPROF:-$(go env GOPATH)/bin/pprof}
G19=$(go_release 1.19)
ln -s "$(command -v objdump)" "$BU/objdump"
ln -s "$(command -v nm)" "$BU/nm"
objdump --version | head -1 >&2

D=$TD/pprofdis
rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
gzip -dc ../kinds/profkinds.gz >profkinds
gzip -dc ../heap/heapprog.gz >heapprog

rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
	local a q=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then q+=" $a"; else q+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\t%s\n' "$out" "${q# }" >>expected/INDEX
}
{
	printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/,\n'
	printf '# with *.gz binaries gunzipped under their name without .gz. TZ=UTC.\n'
	printf '# pprof: the standalone google/pprof v0.0.0-20261105003125-4bf881d7fb0b, PATH holding\n'
	printf '# only binutils objdump and nm as object tools (%s).\n' "$(objdump --version | head -1)"
	printf '# go tool pprof: go1.19 (go*.txt: the same report in Go assembler syntax).\n'
} >expected/INDEX
B=../kinds/cpu.pb.gz H=../heap/heap.pb.gz
P() { PATH="$BU" "$PPROF" "$@"; }
both() { # OUT ARGS...: the standalone pprof into OUT, go1.19's into go.OUT
	local out=$1; shift
	rec "$out" P "$@"
	rec "go.$out" "$G19" tool pprof "$@"
}
both cpu.hashLoop.txt -disasm=main.hashLoop profkinds $B
both cpu.main.txt -disasm='main\.' profkinds $B
both cpu.sortLoop.txt -disasm=sortLoop profkinds $B
both cpu.sha256.txt -disasm=sha256 profkinds $B
both cpu.focus.txt -disasm=main -focus=sort profkinds $B
both cpu.cum-lines.txt -disasm=hashLoop -cum -lines profkinds $B
both cpu.noinlines.txt -disasm=sortLoop -noinlines profkinds $B
both cpu.unit-divide.txt -disasm=hashLoop -unit=us -divide_by=2 profkinds $B
both cpu.hide.txt -disasm=main.main -hide=hashLoop profkinds $B
both cpu.intel.txt -disasm=hashLoop -intel_syntax profkinds $B
both cpu.address.txt -disasm=0x4bad80 profkinds $B
both cpu.nomatch.txt -disasm=zzz profkinds $B
both cpu.inlined.txt -disasm=sort.Ints profkinds $B
both cpu.nobinary.txt -disasm=main.hashLoop $B
both heap.main.txt -disasm=main -sample_index=alloc_space heapprog $H
both heap.inuse.txt -disasm=retain heapprog $H
both heap.diff_base.txt -disasm=main -diff_base=$H heapprog ../heap/heap2.pb.gz
both block.mean_delay.txt -disasm=main -mean_delay profkinds ../kinds/block.pb.gz
sed -i "s#^\([^\t]*\)\tP #\1\tpprof #; s#$G19 tool pprof#go tool pprof#" expected/INDEX
rm -f profkinds heapprog
