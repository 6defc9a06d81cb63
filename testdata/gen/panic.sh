#!/bin/bash
# Crashes of gen/panicprog for report's crash findings, into
# testdata/panic/goVER/ for Go 1.19 and one newer release (built by each):
#   - core-MODE.zst + crash-MODE.txt: GOTRACEBACK=crash cores of the panics
#     (nilmap, index, errorsnew, wrap, string) and the runtime's own
#     traceback, whose "panic: " line is the reference for the message
#     coroner recovers from the core's memory;
#   - text-MODE.txt: the traceback of the fatal errors (deadlock,
#     mapwrites, overflow) and of a fault inside os/exec, as printed with
#     the default GOTRACEBACK;
#   - leak/t0, leak/t1 (goroutine dumps, debug=2 and debug=0, 1.1 s apart)
#     and leak/core.zst + leak/crash.txt: the same process, which then
#     assigns to a nil map (the core is after the snapshots).
# usage: testdata/gen/panic.sh [GO_BINARY...]  (default: go-1.19 and go-1.26
# under /usr/lib); needs zstd, gzip.
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
[ $# -gt 0 ] || set -- /usr/lib/go-1.19/bin/go /usr/lib/go-1.26/bin/go
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
for GO in "$@"; do
	ver=$("$GO" env GOVERSION); ver=${ver%.*}   # go1.19.8 -> go1.19
	D=$TD/panic/$ver
	rm -rf "$D"; mkdir -p "$D"
	(cd "$GEN/panicprog" && "$GO" build -trimpath -o "$W/panicprog" .)
	gzip -9 -n -c "$W/panicprog" >"$D/panicprog.gz"
	for m in nilmap index errorsnew wrap string; do
		rm -rf "$W/run"; mkdir "$W/run"
		(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=1 "$W/panicprog" $m 2>"$D/crash-$m.txt") \
			&& { echo "$m: no crash?" >&2; exit 1; } || true
		zstd -19 -q -f "$W"/run/core* -o "$D/core-$m.zst"
	done
	for m in deadlock mapwrites overflow exec; do
		"$W/panicprog" $m >/dev/null 2>"$D/text-$m.txt" && { echo "$m: no crash?" >&2; exit 1; } || true
	done
	rm -rf "$W/run"; mkdir -p "$W/run" "$D/leak"
	(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=1 "$W/panicprog" leak "$D/leak" 2>"$D/leak/crash.txt") \
		&& { echo "leak: no crash?" >&2; exit 1; } || true
	zstd -19 -q -f "$W"/run/core* -o "$D/leak/core.zst"
	"$GO" version >"$D/go.version"
	# the references are the runtime's own output, written as each file was
	{
		printf '# output-file<TAB>command; run in a scratch directory with ulimit -c unlimited (cores)\n'
		for m in nilmap index errorsnew wrap string; do
			printf 'crash-%s.txt core-%s.zst\tGOTRACEBACK=crash GOMAXPROCS=1 ./panicprog %s 2>crash-%s.txt\n' $m $m $m $m
		done
		for m in deadlock mapwrites overflow exec; do
			printf 'text-%s.txt\t./panicprog %s 2>text-%s.txt\n' $m $m $m
		done
		printf 'leak/t0 leak/t1 leak/crash.txt leak/core.zst\tGOTRACEBACK=crash GOMAXPROCS=1 ./panicprog leak leak 2>leak/crash.txt\n'
	} >"$D/INDEX"
done
