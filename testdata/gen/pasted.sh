#!/bin/bash
# testdata/pasted: goroutine dumps as people paste them, from dumpprog
# (testdata/gen/dumpprog) run by `go run` of Go 1.19 and of the newest Go:
# two dumps of one process in one log, each header glued to the end of a
# log line, a goroutine 150 calls deep (Go 1.21+ prints "...N frames
# elided..."), and `go run`'s "exit status 1" after the last frame.
# References come from the files themselves (grep) and from the counts
# dumpprog prints (runtime.NumGoroutine before each dump).
# usage: testdata/gen/pasted.sh   (run by regen.sh pasted)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
D=$(dirname "$GEN")/pasted
mkdir -p "$D/expected"
export GOPROXY=off GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
cd "$D"
: >expected/INDEX
for v in 1.19 new; do
	if [ $v = 1.19 ]; then G=/usr/lib/go-1.19/bin/go; else G=$(command -v go); fi
	f=dumps.go$v.txt
	(cd "$GEN/dumpprog" && "$G" run . >"$D/$f" 2>&1) || true
	"$G" version >expected/$f.go-version
	# goroutines per dump as the program counted them, in order
	grep -o 'dump [0-9]*: [0-9]* goroutines' $f | awk '{print $3}' >expected/$f.numgoroutine
	grep -c 'goroutine [0-9]* \[.*\]:$' $f >expected/$f.headers.count || true
	grep -o '^\.\.\.[0-9]* frames elided\.\.\.' $f | tr -dc '0-9\n' >expected/$f.elided || true
	grep -o 'started [0-9]* workers' $f | awk '{print $2}' >expected/$f.started
	printf '%s\t%s\n' "$f.numgoroutine" "grep -o 'dump [0-9]*: [0-9]* goroutines' $f | awk '{print \$3}'" \
		"$f.headers.count" "grep -c 'goroutine [0-9]* \\[.*\\]:\$' $f" \
		"$f.elided" "grep -o '^\\.\\.\\.[0-9]* frames elided\\.\\.\\.' $f | tr -dc '0-9\\n'" \
		"$f.started" "grep -o 'started [0-9]* workers' $f | awk '{print \$2}'" >>expected/INDEX
done
