#!/bin/bash
# GODEBUG=gctrace lines of the Go releases whose collector changed:
# testdata/gctrace/goVERSION[-VARIANT].txt, the stderr of gen/gctraceprog
# (a few GCs, one of them the goroutine leak profile's where the release
# has it), with the program's stdout (its own NumGC) in expected/.
#   go1.25                 the old collector
#   go1.25-greenteagc      GOEXPERIMENT=greenteagc (the Green Tea collector)
#   go1.26                 Green Tea by default
#   go1.26-nogreenteagc    GOEXPERIMENT=nogreenteagc
#   go1.26-leakexp         GOEXPERIMENT=goroutineleakprofile: "(checking for goroutine leaks)"
#   go1.27                 the leak profile is standard
#   *-gctrace2             the same with GODEBUG=gctrace=2: "scan:" lines
# usage: testdata/gen/gctrace.sh   (releases not installed are skipped)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
# shellcheck source=../../tests/go-release.sh
. "$GEN/../../tests/go-release.sh"
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
unset GODEBUG GOTRACEBACK GOMAXPROCS GOEXPERIMENT || true
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
O=$TD/gctrace
mkdir -p "$O/expected"

# one NAME RELEASE GOEXPERIMENT GCTRACE
one() {
	local name=$1 g
	g=$(go_release "$2") || { echo "== go$2: not installed, $name skipped" >&2; return 0; }
	(cd "$GEN/gctraceprog" && GOEXPERIMENT=$3 "$g" build -trimpath -o "$W/$name" .)
	(cd "$W" && GODEBUG=gctrace=$4 GOMAXPROCS=2 "./$name" >"$O/expected/$name.stdout" 2>"$O/$name.txt")
	printf '%s.stdout\tGOEXPERIMENT=%s go build (%s); GODEBUG=gctrace=%s GOMAXPROCS=2 ./gctraceprog 2>%s.txt\n' \
		"$name" "$3" "$("$g" version | cut -d' ' -f3)" "$4" "$name" >>"$O/expected/INDEX"
}

printf '# output-file<TAB>how it was made (gen/gctraceprog; the .txt beside it is its stderr)\n' >"$O/expected/INDEX"
one go1.25 1.25 "" 1
one go1.25-greenteagc 1.25 greenteagc 1
one go1.25-greenteagc-gctrace2 1.25 greenteagc 2
one go1.26 1.26 "" 1
one go1.26-nogreenteagc 1.26 nogreenteagc 1
one go1.26-leakexp 1.26 goroutineleakprofile 1
one go1.26-gctrace2 1.26 "" 2
one go1.27 1.27 "" 1
one go1.27-gctrace2 1.27 "" 2
du -sh "$O" >&2
