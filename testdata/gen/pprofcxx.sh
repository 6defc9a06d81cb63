#!/usr/bin/env bash
# pprof's -disasm of a C++ program, its frames named by their demangled
# names: testdata/gen/cxxprog (namespaced classes, a template, overloads)
# built with g++ and profiled by gperftools' CPU profiler (Debian's
# libgoogle-perftools-dev; CPUPROFILE=cpu.prof):
#   testdata/pprofcxx/cxxprog.gz, cpu.prof, expected/INDEX (+ outputs)
# References:
#   - the standalone google/pprof with binutils' objdump and nm alone on
#     PATH, as testdata/gen/pprofdis.sh records it (give its path as PPROF;
#     default $(go env GOPATH)/bin/pprof): it names the C++ frames with
#     addr2line and matches RE on nm's link names and on their demangled
#     forms; tests/golden/pprof-disasm.sh replays these byte for byte;
#   - go tool pprof (Go 1.26) -top, -list and -disasm with the binary: it
#     has no C symbolizer, so it names the frames by their mapping and
#     finds no routine; tests/golden/pprof-cmd.sh replays -top and -list.
#
#   testdata/gen/pprofcxx.sh
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
BU=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR" "$BU"' EXIT
PPROF=${PPROF:-$(go env GOPATH)/bin/pprof}
ln -s "$(command -v objdump)" "$BU/objdump"
ln -s "$(command -v nm)" "$BU/nm"
D=$TD/pprofcxx
rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
g++ -O1 -g -fno-omit-frame-pointer -no-pie -o cxxprog "$GEN/cxxprog/main.cc" -Wl,--no-as-needed -lprofiler
CPUPROFILE=cpu.prof CPUPROFILE_FREQUENCY=500 ./cxxprog 20000 >/dev/null
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
} >expected/INDEX
P() { PATH="$BU" "$PPROF" "$@"; }
# a link name that matches; a demangled form only (with its parameters,
# without them, without template arguments too); C names; no match
rec accum.txt P -disasm=Accum cxxprog cpu.prof
rec hasher-mix.txt P -disasm='shapes::Hasher::mix' cxxprog cpu.prof
rec mix-char.txt P -disasm='Hasher::mix\(char' cxxprog cpu.prof
rec accum-double.txt P '-disasm=Accum<double>' cxxprog cpu.prof
rec accum-add.txt P '-disasm=shapes::Accum::add$' cxxprog cpu.prof
rec main.txt P -disasm=main cxxprog cpu.prof
rec run.txt P -disasm=run cxxprog cpu.prof
rec mangled.txt P -disasm=_ZN6shapes cxxprog cpu.prof
rec nomatch.txt P -disasm=zzz cxxprog cpu.prof
rec accum-lines.txt P -disasm=Accum -lines cxxprog cpu.prof
rec mix-cum.txt P -disasm=mix -cum cxxprog cpu.prof
rec main-intel.txt P -disasm=main -intel_syntax cxxprog cpu.prof
G=go
for a in "-top" "-list=main" "-list=Accum" "-disasm=main" "-disasm=Accum"; do
	out=go.$(printf '%s' "$a" | tr -c 'a-zA-Z0-9_.=' - | sed 's/^-//').txt
	rec "$out" "$G" tool pprof $a cxxprog cpu.prof
done
sed -i "s#^\([^\t]*\)\tP #\1\tpprof #" expected/INDEX
echo "# recorded with the pprof of $(go env GOVERSION)" >>expected/INDEX
gzip -9 -n -c cxxprog >cxxprog.gz
rm -f cxxprog
