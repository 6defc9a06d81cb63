#!/bin/bash
# Every Go release coroner reads, on one program (gen/relprog): writes
# testdata/gorel/go1.N/ for N in 19 21..27 (a release not installed is
# skipped and its committed directory kept). scripts/deps --gorel installs
# the releases; tests/go-release.sh finds them.
#
# usage: testdata/gen/gorel.sh [1.19 1.21 ...]
#        GOREL_ARM64_ONLY=1 testdata/gen/gorel.sh 1.25 1.26
#   the second form crashes the committed relprog-arm64 of each release again
#   under qemu-aarch64 and replaces only crash-arm64.txt.gz, core-arm64.zst
#   and their references (for a release whose first run left no guest core)
#
# Per release, in testdata/gorel/go1.N/:
#   relprog.zst relprog-pie.zst relprog-stripped.zst relprog-arm64.zst
#       amd64 default (non-PIE) build with DWARF, -buildmode=pie, the
#       default build with -ldflags='-s -w', and a linux/arm64 build (cgo via
#       aarch64-linux-gnu-gcc, run under qemu-aarch64)
#   before/ after/        `relprog capture`: heap.pb.gz allocs.pb.gz
#       heap.txt.gz (debug=1) goroutine.pb.gz goroutine.txt (debug=1)
#       goroutine2.txt.gz (debug=2) memstats.json gctrace.txt
#       goroutineleak.{pb.gz,txt} goroutineleak2.txt.gz (1.26 built with
#       GOEXPERIMENT=goroutineleakprofile, 1.27 and later as they are)
#   crash-VARIANT.txt.gz  the runtime's GOTRACEBACK=crash traceback
#   core-VARIANT.zst      the core it left (zstd -19)
#   expected/             references, listed in expected/INDEX:
#       that release's `go tool pprof -top/-traces`, traceback counts,
#       `dlv core ... goroutines -t`, layout.c (gen/rt-layout.py ref)
set -euo pipefail

GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
# shellcheck source=../../tests/go-release.sh
. "$GEN/../../tests/go-release.sh"
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=1 GOTOOLCHAIN=local
export PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
unset GODEBUG GOTRACEBACK GOMAXPROCS GOEXPERIMENT || true
W=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR" "$W"' EXIT
log() { echo "== $*" >&2; }

rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 || echo "exit status $?" >>"expected/$out"
	local a q=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then q+=" $a"; else q+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\t%s\n' "$out" "${q# }" >>expected/INDEX
}

# crash VARIANT [qemu]: runs relprog-VARIANT crash in a scratch dir with
# cores on, keeps the traceback and the core
crash() {
	local b=relprog${1:+-$1} tag=${1:-static} run=$W/run
	rm -rf "$run"; mkdir "$run"
	if [ "${2:-}" = qemu ]; then
		(cd "$run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 QEMU_LD_PREFIX=/usr/aarch64-linux-gnu \
			qemu-aarch64 "$W/$b" crash >"$D/crash-$tag.stdout" 2>"$D/crash-$tag.txt") &&
			echo "no crash?" >&2 || echo "exit status $?" >"expected/crash-$tag.exit"
	else
		(cd "$run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 \
			"$W/$b" crash >"$D/crash-$tag.stdout" 2>"$D/crash-$tag.txt") &&
			echo "no crash?" >&2 || echo "exit status $?" >"expected/crash-$tag.exit"
	fi
	# qemu-user writes the guest's core (qemu_PROG_TIME_PID.core); the
	# kernel may then dump qemu itself as "core" (amd64): only the guest's
	# is kept
	local c
	if [ "${2:-}" = qemu ]; then
		c=$(ls "$run"/qemu_*.core 2>/dev/null | head -1 || true)
	else
		c=$(ls "$run"/*core* 2>/dev/null | head -1 || true)
	fi
	[ -n "$c" ] || { log "go$v $tag: no core written"; return 0; }
	zstd -19 -q -f "$c" -o "core-$tag.zst"
	mv "$D/crash-$tag.stdout" expected/
	gzip -9 -n "crash-$tag.txt"
	rec "crash-$tag.txt.headers.count" sh -c "zcat crash-$tag.txt.gz | grep -c '^goroutine [0-9]* .*\['"
}

one() {
	local v=$1 G arm=1 leakexp= GT
	G=$(go_release "$v") || { log "go$v: not installed, skipped"; return 0; }
	D=$TD/gorel/go$v
	log "go$v: $G"
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/,\n# with relprog*.zst and core-*.zst unzstd-ed under their names without .zst. TZ=UTC.\n' >expected/INDEX
	"$G" version >expected/go-version
	(
		cd "$GEN/relprog"
		"$G" build -trimpath -o "$W/relprog" .
		"$G" build -trimpath -buildmode=pie -o "$W/relprog-pie" .
		"$G" build -trimpath -ldflags='-s -w' -o "$W/relprog-stripped" .
		GOARCH=arm64 CC=aarch64-linux-gnu-gcc "$G" build -trimpath -o "$W/relprog-arm64" .
	) || { log "go$v: build failed"; return 1; }
	case $v in 1.26) leakexp=1 ;; esac
	if [ -n "$leakexp" ]; then
		(cd "$GEN/relprog" && GOEXPERIMENT=goroutineleakprofile "$G" build -trimpath -o "$W/relprog-leakexp" .)
	fi
	python3 "$GEN/rt-layout.py" ref "$W/relprog" "go$v" >expected/layout.c
	python3 "$GEN/rt-layout.py" ref "$W/relprog-arm64" "go$v" >expected/layout-arm64.c || true

	# two captures, gctrace on stderr
	GODEBUG=gctrace=1 "$W/relprog" capture . >expected/capture.stdout 2>"$W/gctrace.txt"
	if [ -n "$leakexp" ]; then
		rm -rf "$W/leak"
		"$W/relprog-leakexp" capture "$W/leak" >expected/capture-leakexp.stdout
		for s in before after; do cp "$W/leak/$s"/goroutineleak* "$s/"; done
	fi
	cp "$W/gctrace.txt" after/gctrace.txt
	sed -n '1,/^snapshot=before/p' "$W/gctrace.txt" >before/gctrace.txt
	local P="$G tool pprof" s si
	for s in before after; do
		rec "$s.heap.top.inuse_space.txt" $P -top -nodefraction=0 -nodecount=30 -unit=B -sample_index=inuse_space "$s/heap.pb.gz"
		rec "$s.heap.top.alloc_space.txt" $P -top -nodefraction=0 -nodecount=30 -unit=B -sample_index=alloc_space "$s/heap.pb.gz"
		rec "$s.allocs.top.txt" $P -top -nodefraction=0 -nodecount=30 -unit=B "$s/allocs.pb.gz"
		rec "$s.heaptxt.top.txt" $P -top -nodefraction=0 -nodecount=30 -unit=B relprog "$s/heap.txt"
		rec "$s.goroutine.top.txt" $P -top -nodefraction=0 -nodecount=30 "$s/goroutine.pb.gz"
		rec "$s.goroutine.traces.txt" $P -traces "$s/goroutine.pb.gz"
		rec "$s.goroutine2.headers.count" grep -c '^goroutine [0-9]* \[' "$s/goroutine2.txt"
		rec "$s.goroutine.txt.total" sed -n '1s/^goroutine profile: total //p' "$s/goroutine.txt"
		if [ -f "$s/goroutineleak.pb.gz" ]; then
			rec "$s.goroutineleak.top.txt" $P -top -nodefraction=0 "$s/goroutineleak.pb.gz"
			rec "$s.goroutineleak.traces.txt" $P -traces "$s/goroutineleak.pb.gz"
			rec "$s.goroutineleak.txt.total" sed -n '1s/^goroutineleak profile: total //p' "$s/goroutineleak.txt"
		fi
		if [ -f "$s/goroutineleak2.txt" ]; then
			gzip -9 -n "$s/goroutineleak2.txt"
			rec "$s.goroutineleak2.leaked.count" zgrep -c '^goroutine [0-9]* \[.*(leaked)' "$s/goroutineleak2.txt.gz"
		fi
		gzip -9 -n "$s/heap.txt" "$s/goroutine2.txt"
	done
	rec allocs.diff.top.txt $P -top -nodefraction=0 -nodecount=30 -unit=B -sample_index=alloc_space -diff_base=before/heap.pb.gz after/heap.pb.gz
	# the heap.txt references ran on the uncompressed names
	sed -i 's#\(before\|after\)/heap\.txt$#\1/heap.txt.gz#' expected/INDEX

	crash ""
	crash pie
	crash stripped
	crash arm64 qemu
	local b
	for b in relprog relprog-pie relprog-stripped relprog-arm64; do
		zstd -19 -q -f "$W/$b" -o "$b.zst"
	done

	# Delve, where one is installed and reads this release's core (the
	# binary and core are unpacked beside expected/ while it runs)
	if command -v dlv >/dev/null; then
		printf 'goroutines\ngoroutines -t\nexit\n' >expected/dlv.init
		local t c
		for t in static pie; do # (dlv reads no stripped core: "could not find goroutine array")
			c=relprog; [ $t = static ] || c=relprog-$t
			[ -f "core-$t.zst" ] || continue
			zstd -d -q -f "core-$t.zst" -o "core-$t"
			cp "$W/$c" "$c"
			rec "core-$t.dlv.txt" timeout 300 dlv core "$c" "core-$t" --check-go-version=false --allow-non-terminal-interactive=true --init expected/dlv.init
			rm -f "core-$t" "$c"
			gzip -9 -n "expected/core-$t.dlv.txt"
			sed -i "s/^core-$t\.dlv\.txt\t/core-$t.dlv.txt.gz\t/" expected/INDEX
		done
	fi
	sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
	echo "# go tool pprof: that of $("$G" version | cut -d' ' -f3) ($G when recorded)" >>expected/INDEX
	cd "$TD"
}

# crash the committed arm64 build of a release again (GOREL_ARM64_ONLY)
arm64_only() {
	local v=$1
	D=$TD/gorel/go$v
	[ -f "$D/relprog-arm64.zst" ] || { log "go$v: no relprog-arm64.zst"; return 1; }
	cd "$D"
	zstd -d -q -f relprog-arm64.zst -o "$W/relprog-arm64"
	chmod +x "$W/relprog-arm64"
	rm -f crash-arm64.txt.gz core-arm64.zst expected/crash-arm64.stdout expected/crash-arm64.exit
	cp expected/INDEX "$W/INDEX" # its commands stay as they are
	crash arm64 qemu
	cp "$W/INDEX" expected/INDEX
	if [ -f core-arm64.zst ]; then rm -f expected/core-arm64.missing; else log "go$v: qemu wrote no guest core again"; fi
	cd "$TD"
}

vs=("$@")
if [ -n "${GOREL_ARM64_ONLY:-}" ]; then
	for v in "${vs[@]}"; do arm64_only "$v"; done
	exit 0
fi
[ ${#vs[@]} -eq 0 ] && vs=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
for v in "${vs[@]}"; do one "$v"; done
du -sh "$TD/gorel"/* >&2 || true
