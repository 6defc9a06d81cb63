#!/bin/sh
# coroner mem end to end on testdata/mem and testdata/capture: the JSON
# ledger's RSS is smaps_rollup's Rss, components add up to it, go_heap_inuse
# is the heap profile's MemStats HeapInuse, non_go_anon is within 4 MiB of the
# C bytes the program printed; bad inputs give one clear line and exit 1/2.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
fail=0
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
no() { echo "FAIL: $*"; fail=1; }

# value of "key": N after the "name": "COMP" line of a component
comp() { awk -v n="\"$2\"," '$2==n {getline; gsub(/[,]/,"",$2); print $2; exit}' "$1"; }

check_dir() { # DIR STDOUT-FILE MARKER
	d=$1
	"$CORONER" mem "$d/smaps_rollup" --smaps "$d/smaps" --status "$d/status" --heap "$d/heap.txt" \
		--format=json >"$T/out.json" 2>"$T/err" || { no "$d: exit $?: $(cat "$T/err")"; return; }
	rss_kb=$(awk '$1=="Rss:" {print $2; exit}' "$d/smaps_rollup")
	rss=$(awk '$1=="\"rss\":" {gsub(/,/,"",$2); print $2; exit}' "$T/out.json")
	[ "$rss" = $((rss_kb * 1024)) ] || no "$d: rss $rss, smaps_rollup says $rss_kb kB"
	sum=0
	for c in go_heap_inuse go_heap_idle go_stacks go_runtime non_go_anon file_backed shmem unexplained; do
		v=$(comp "$T/out.json" "$c")
		[ -n "$v" ] || { no "$d: component $c missing"; continue; }
		sum=$((sum + v))
	done
	[ "$sum" = "$rss" ] || no "$d: components add up to $sum, rss $rss"
	want=$(awk '$2=="HeapInuse" {print $4; exit}' "$d/heap.txt")
	got=$(comp "$T/out.json" go_heap_inuse)
	[ "$got" = "$want" ] || no "$d: go_heap_inuse $got, MemStats HeapInuse $want"
	c=$(grep "$3" "$2" | tr ' ' '\n' | sed -n 's/^cmalloc_bytes=//p' | head -1)
	g=$(comp "$T/out.json" non_go_anon)
	dd=$((g - c)); [ $dd -lt 0 ] && dd=$((-dd))
	[ $dd -le 4194304 ] || no "$d: non_go_anon $g, C bytes $c"
	grep -q '"label": "go_arena"' "$T/out.json" || no "$d: no go_arena label"
}
check_dir "$TESTDATA/mem" "$TESTDATA/mem/expected/memprog.stdout" cmalloc_bytes
check_dir "$TESTDATA/capture/before" "$TESTDATA/capture/expected/captureprog.stdout" snapshot=before
check_dir "$TESTDATA/capture/after" "$TESTDATA/capture/expected/captureprog.stdout" snapshot=after

# files recognised by content, text output, gctrace
M=$TESTDATA/mem
"$CORONER" mem "$M/smaps" "$M/status" "$M/smaps_rollup" "$M/heap.txt" "$M/gctrace.txt" >"$T/out.txt" 2>"$T/err" ||
	no "positional inputs: $(cat "$T/err")"
n=$(grep -c '^gc [0-9]' "$M/gctrace.txt")
grep -q "^gc: $n GCs" "$T/out.txt" || no "text: gc count $n not shown"
grep -q '^unexplained' "$T/out.txt" || no "text: no unexplained row"

# smaps_rollup's totals next to the sums over smaps, against the awk
# reference (expected/smaps.sums.txt: Key, sum over smaps, rollup; kB)
"$CORONER" mem "$M/smaps_rollup" --smaps "$M/smaps" --format=json >"$T/rv.json" 2>/dev/null
for k in Rss Pss Anonymous Swap AnonHugePages; do
	ref=$(awk -v k="$k:" '$1==k {print $2 * 1024, $3 * 1024; exit}' "$M/expected/smaps.sums.txt")
	got=$(awk -v k="\"$k\"," '$2==k {getline a; getline b; gsub(/[^0-9-]/,"",a); gsub(/[^0-9-]/,"",b); print b, a; exit}' "$T/rv.json")
	[ -n "$ref" ] && [ "$got" = "$ref" ] || no "rollup_vs_smaps $k: got '$got' (smaps_sum rollup), awk says '$ref'"
done

# a capture directory: its memory files by content, profiles skipped
"$CORONER" mem "$TESTDATA/capture/after" --format=json >"$T/dir.json" 2>"$T/err" || no "dir: $(cat "$T/err")"
"$CORONER" mem "$TESTDATA/capture/after/smaps_rollup" --smaps "$TESTDATA/capture/after/smaps" \
	--status "$TESTDATA/capture/after/status" --heap "$TESTDATA/capture/after/heap.txt" \
	--gctrace "$TESTDATA/capture/after/gctrace.txt" --memory-stat "$TESTDATA/capture/after/memory.stat" \
	--format=json >"$T/files.json" 2>/dev/null
cmp -s "$T/dir.json" "$T/files.json" || no "dir: differs from naming each file"

# bad input: (args) expected-exit message-fragment
bad() {
	want=$1 frag=$2; shift 2
	"$CORONER" mem "$@" >"$T/o" 2>"$T/e"; rc=$?
	[ "$rc" = "$want" ] || no "mem $*: exit $rc, want $want ($(cat "$T/e"))"
	grep -q -- "$frag" "$T/e" || no "mem $*: message '$(cat "$T/e")' lacks '$frag'"
	[ "$(wc -l <"$T/e")" -le 2 ] || no "mem $*: more than one message line"
}
bad 2 "no input" 
bad 1 "No such file" "$T/nope"
: >"$T/empty"; bad 1 "empty" "$T/empty"
bad 1 "not a memory snapshot" "$TESTDATA/capture/after/heap.pb.gz"
bad 1 "expected smaps" --smaps "$M/status" "$M/smaps_rollup"
printf '00400000-7ffd0615f000 ---p 00000000 00:00 0  [rollup]\nRss: 99999999999999999999 kB\n' >"$T/ovf"
bad 1 "overflows" "$T/ovf"
printf '00400000-7ffd0615f000 ---p 00000000 00:00 0  [rollup]\nPss: 4 kB\n' >"$T/norss"
bad 1 "no 'Rss:'" "$T/norss"
bad 2 "no source of RSS" --heap "$M/heap.txt"
# two processes: a warning, not a silent ledger
"$CORONER" mem "$M/smaps_rollup" --smaps "$M/smaps" --status "$TESTDATA/capture/before/status" >/dev/null 2>"$T/e" ||
	no "mismatch run failed"
grep -q "warning: .*two different processes" "$T/e" || no "no warning for two processes: $(cat "$T/e")"

# a core's exact arenas and memstats (--core BIN CORE) with the smaps the
# program copied just before it crashed: RSS is the smaps sum (awk), the
# components add up to it, the arena is labelled from the core's ranges
B=$TESTDATA/bin
if [ -f "$B/core-gosym.zst" ] && [ -f "$B/gosym.gz" ] && [ -f "$B/crash.smaps" ]; then
	"$CORONER" mem --smaps "$B/crash.smaps" --core "$B/gosym.gz" "$B/core-gosym.zst" --format=json \
		>"$T/core.json" 2>"$T/err" || no "--core: exit $?: $(cat "$T/err")"
	want=$(awk '$1=="Rss:" {s += $2} END {print s * 1024}' "$B/crash.smaps")
	rss=$(awk '$1=="\"rss\":" {gsub(/,/,"",$2); print $2; exit}' "$T/core.json")
	[ "$rss" = "$want" ] || no "--core: rss $rss, awk sum of smaps Rss $want"
	sum=0
	for c in go_heap_inuse go_heap_idle go_stacks go_runtime non_go_anon file_backed shmem unexplained; do
		sum=$((sum + $(comp "$T/core.json" "$c")))
	done
	[ "$sum" = "$rss" ] || no "--core: components add up to $sum, rss $rss"
	grep -q '"label": "go_arena"' "$T/core.json" || no "--core: no go_arena label"
	grep -q '"source": "MemStats HeapInuse' "$T/core.json" || no "--core: HeapInuse not from the core"
else
	echo "skip --core: testdata/bin core missing"
fi

[ $fail = 0 ] && echo "ok"
exit $fail
