#!/bin/bash
# Writes a core of a Go program with N (default 100,000) parked goroutines,
# for bench/core.sh (not committed: ~1 GB sparse / a few hundred MB).
#   usage: testdata/gen/bigcore.sh OUTDIR [N]
# OUTDIR gets coreprog (the binary), core (the core), crash.txt (the
# runtime's own GOTRACEBACK=crash traceback). The core is written in the
# working directory: needs `ulimit -c unlimited` and core_pattern "core".
set -euo pipefail
out=$(realpath -m "$1"); n=${2:-100000}
mkdir -p "$out"
gen=$(cd "$(dirname "$0")/coreprog" && pwd)
(cd "$gen" && GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -o "$out/coreprog" .)
rm -f "$out"/core "$out"/core.*
(cd "$out" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 ./coreprog "$n" >"$out/stdout.txt" 2>"$out/crash.txt") || true
c=$(ls "$out"/core* 2>/dev/null | grep -v coreprog | head -1 || true)
[ -n "$c" ] || { echo "no core written (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >&2; exit 1; }
[ "$c" = "$out/core" ] || mv "$c" "$out/core"
echo "wrote $out/core: $(du -h "$out/core" | cut -f1) allocated, $(grep -c '^goroutine [0-9]* \[' "$out/crash.txt") goroutines in crash.txt" >&2
