#!/bin/sh
# Mutated and truncated real inputs of every kind through the CLI: profiles
# gz and raw, debug=1 heap text, goroutine dumps and crash tracebacks, /proc
# captures, gctrace, ELF binaries (DWARF 4 with compressed sections, DWARF 5,
# Go pclntab, stripped) and a core. Each mutant
# runs under a 4 GB address-space limit and a 20 s timer: no signal, no hang,
# every non-zero exit with a coroner message (see mutate.c).
#
# usage: mutate.sh [COUNT [SEED]]   (env: CORONER, TESTDATA, MUTATE = the
# mutate binary; MUTATE_SAVE = where failing mutants go; MUTATE_STRICT=1:
# exit 2 on bad content is a failure too)
# meson test runs a short deterministic pass; by hand, e.g.
#   CORONER=build/cmd/coroner TESTDATA=testdata MUTATE=build/tests/hostile/mutate \
#       sh tests/hostile/mutate.sh 2000 $RANDOM
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${MUTATE:?}"
count=${1:-25}
seed=${2:-1}
td=$TESTDATA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
save=${MUTATE_SAVE:-$tmp/failures}
mkdir -p "$save"
vlim=4000000
if grep -q __asan_init "$CORONER" 2>/dev/null; then vlim=0; fi
fail=0 ran=0
m() { # m INPUT [mutate options] -- ARGS...
	in=$1; shift
	[ -f "$in" ] || { echo "skip: $in missing"; return; }
	ran=$((ran + 1))
	opts=
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	# shellcheck disable=SC2086 # opts are words
	"$MUTATE" ${MUTATE_STRICT:+-2} -n "$count" -s "$seed" -v "$vlim" -t 20 -o "$save" $opts "$in" "$@" || fail=$((fail + 1))
}
unz() { # unz SRC NAME: decompress (or copy) into $tmp/NAME
	[ -f "$1" ] || return 0
	case "$1" in
	*.gz) gzip -dc "$1" > "$tmp/$2" ;;
	*.zst) zstd -qdc "$1" > "$tmp/$2" ;;
	*) cp "$1" "$tmp/$2" ;;
	esac
}
unz "$td/heap/heap.pb.gz" heap.pb
unz "$td/capture/before/goroutine.pb.gz" goroutine.pb
unz "$td/bin/csym-dwarf4-gz.gz" csym-dwarf4-gz
unz "$td/bin/csym-dwarf5.gz" csym-dwarf5
unz "$td/bin/gosym.gz" gosym
unz "$td/bin/gosym-stripped.gz" gosym-stripped
unz "$td/bin/core-gosym.zst" core-gosym

# profiles: raw protobuf, gzip'd, debug=1 heap text
m "$tmp/heap.pb" -- "$CORONER" top @@
m "$tmp/goroutine.pb" -- "$CORONER" top @@
m "$td/heap/heap.pb.gz" -- "$CORONER" top @@
m "$td/mem/heap.txt" -- "$CORONER" top @@
# goroutine dumps: debug=1, debug=2, panic, SIGQUIT, GOTRACEBACK=crash
m "$td/goroutines/goroutine.1.txt" -- "$CORONER" goroutines @@
m "$td/goroutines/goroutine.2.txt" -- "$CORONER" goroutines @@
m "$td/goroutines/panic_all.txt" -- "$CORONER" goroutines @@
m "$td/goroutines/sigquit.txt" -r 8192 -- "$CORONER" goroutines @@
m "$td/bin/crash.txt" -- "$CORONER" goroutines @@
m "$td/goroutines/goroutine.2.txt" -- "$CORONER" leaks "$td/goroutines/goroutine.1.txt" @@
# /proc captures, MemStats, gctrace
m "$td/mem/smaps_rollup" -- "$CORONER" mem @@
m "$td/mem/smaps" -- "$CORONER" mem --smaps @@
m "$td/mem/status" -- "$CORONER" mem --status @@
m "$td/mem/memory.stat" -- "$CORONER" mem "$td/mem/smaps_rollup" --memory-stat @@
m "$td/mem/memstats.json" -- "$CORONER" mem "$td/mem/smaps_rollup" --memstat @@
m "$td/mem/gctrace.txt" -- "$CORONER" mem "$td/mem/smaps_rollup" --gctrace @@
m "$td/mem/heap.txt" -- "$CORONER" mem "$td/mem/smaps_rollup" --heap @@
# cgroup control files (by name: the mutant keeps it) and the kernel's
# OOM-killer report; a goroutine dump with a CRI log prefix on every line
mkdir -p "$tmp/cg"
if [ -f "$td/oom/memory.oom_control" ]; then
	cp "$td/oom/memory.oom_control" "$tmp/cg/memory.oom_control"
	m "$tmp/cg/memory.oom_control" -- "$CORONER" mem "$td/oom/status" --cgroup @@
	m "$td/oom/kernel.log" -- "$CORONER" report "$td/oom/status" @@
fi
# race-detector reports (coroner report groups them)
m "$td/race/race.txt" -- "$CORONER" report @@
awk '{ printf "2024-05-01T10:00:%02d.%dZ stderr F %s\n", NR % 60, 100000 + NR * 7, $0 }' \
	"$td/goroutines/panic_all.txt" > "$tmp/cri.log"
m "$tmp/cri.log" -- "$CORONER" goroutines @@
# ELF: DWARF 4 with compressed sections, DWARF 5, Go pclntab, stripped Go
m "$tmp/csym-dwarf4-gz" -- "$CORONER" symbolize -e @@ 0x401136 0x401200 0x401000
m "$tmp/csym-dwarf5" -- "$CORONER" symbolize -e @@ 0x401136 0x401200 0x401000
m "$tmp/gosym" -r 65536 -- "$CORONER" symbolize -e @@ 0x4b5a2a 0x401000 0x460000
m "$tmp/gosym-stripped" -- "$CORONER" symbolize -e @@ 0x4b5a2a 0x401000 0x460000
# a core (headers and notes mutated; truncations anywhere) and its binary
m "$tmp/core-gosym" -r 65536 -- "$CORONER" core "$tmp/gosym" @@
echo "$ran inputs x $count mutants (seed $seed): $fail inputs with failures"
if [ "$fail" != 0 ]; then
	echo "failing mutants saved in $save"
	[ -z "${MUTATE_SAVE:-}" ] && ls "$save"
	exit 1
fi
