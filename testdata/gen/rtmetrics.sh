#!/bin/bash
# Go runtime metrics of every release (gen/rtmetrics, gen/promgo): writes
# testdata/rtmetrics/go1.N/ for N in 19 21..27 (a release not installed is
# skipped and its committed directory kept).
#
# usage: testdata/gen/rtmetrics.sh [1.19 1.21 ...]
#
# Per release, run with GOGC=150 GOMEMLIMIT=512MiB GOMAXPROCS=2:
#   metrics.txt metrics.json reference.json status
#       gen/rtmetrics: every runtime/metrics sample ("NAME: VALUE", and the
#       scalar ones as a JSON object) read in the same quiet moment as
#       runtime.ReadMemStats; reference.json holds the MemStats and the
#       program's NumGoroutine, GOMAXPROCS, GOGC, GOMEMLIMIT
#   prom-all.txt.gz prom-default.txt (1.23 and later: client_golang v1.23.2
#       needs go 1.23) gen/promgo: the Prometheus text of a registry with
#       client_golang's Go collector, with every runtime/metrics metric and
#       as NewGoCollector() sets it up; its go_memstats_* lines are the
#       collector's own MemStats from the same runtime/metrics sample
# RTMETRICS_PROM=0 skips gen/promgo. gen/promgo's module comes through the Go module proxy (GOPROXY as set, or
# the module cache when GOPROXY=off).
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
# shellcheck source=../../tests/go-release.sh
. "$GEN/../../tests/go-release.sh"
export TZ=UTC LC_ALL=C GO111MODULE=on GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=local
unset GODEBUG GOTRACEBACK GOEXPERIMENT || true
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
log() { echo "== $*" >&2; }

one() {
	local v=$1 G D
	G=$(go_release "$v") || { log "go$v: not installed, skipped"; return 0; }
	D=$TD/rtmetrics/go$v
	log "go$v: $G"
	rm -rf "$D"; mkdir -p "$D"
	"$G" version >"$D/go-version"
	(cd "$GEN/rtmetrics" && "$G" build -trimpath -o "$W/rtmetrics" .)
	GOGC=150 GOMEMLIMIT=512MiB GOMAXPROCS=2 "$W/rtmetrics" "$D"
	case $v in 1.19 | 1.21 | 1.22) return 0 ;; esac
	[ "${RTMETRICS_PROM:-1}" = 0 ] && return 0
	(cd "$GEN/promgo" && "$G" build -trimpath -o "$W/promgo" .)
	GOGC=150 GOMEMLIMIT=512MiB GOMAXPROCS=2 "$W/promgo" all | gzip -9 -n >"$D/prom-all.txt.gz"
	GOGC=150 GOMEMLIMIT=512MiB GOMAXPROCS=2 "$W/promgo" default >"$D/prom-default.txt"
}

vs=("$@")
[ ${#vs[@]} -eq 0 ] && vs=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
for v in "${vs[@]}"; do one "$v"; done
du -sh "$TD/rtmetrics" >&2 || true
