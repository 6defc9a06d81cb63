#!/bin/sh
# Go runtime metrics of every release (testdata/rtmetrics/go1.N,
# testdata/gen/rtmetrics.sh) read onto MemStats' fields, against the
# program's own figures:
#   metrics.txt, metrics.json: every mapped field equals the MemStats that
#     runtime.ReadMemStats gave in the same quiet moment (reference.json),
#     and GOMAXPROCS, GOGC, GOMEMLIMIT, NumGoroutine the program's own;
#     every name of the release is understood; invented names are reported
#   prom-all.txt.gz (client_golang, 1.23+): the fields derived from the
#     runtime/metrics names alone (go_memstats_* lines removed) equal the
#     collector's own go_memstats_* lines of the same file
#   prom-default.txt: HeapInuse and Goroutines as its lines say
#   coroner mem status metrics.txt: go_heap_inuse and go_stacks are the
#     reference's HeapInuse and StackInuse
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

FIELDS="HeapAlloc Alloc HeapInuse HeapIdle HeapReleased HeapSys HeapObjects StackInuse StackSys MSpanInuse
MSpanSys MCacheInuse MCacheSys BuckHashSys GCSys OtherSys Sys NextGC NumGC NumForcedGC TotalAlloc Mallocs Frees"

# field FILE.json NAME SIDE: a field of `coroner diff --format=json` output
field() { jq -r --arg n "$2" "[.fields[] | select(.name == \$n) | .$3][0] // \"none\"" "$1"; }
# the value of a Prometheus sample line (no labels), as an integer
promv() { awk -v n="$2" '$1 == n { printf "%.0f\n", $2; exit }' "$1"; }

rels=0
for D in "$TESTDATA"/rtmetrics/go1.*; do
	[ -f "$D/reference.json" ] || continue
	v=${D##*/}
	rels=$((rels + 1))
	R=$D/reference.json
	# ---- runtime/metrics lines and JSON, against ReadMemStats
	"$CORONER" diff --format=json "$D/metrics.txt" "$D/metrics.json" >"$tmp/d.json" 2>"$tmp/err" ||
		{ bad "$v: coroner diff metrics.txt metrics.json: $(head -1 "$tmp/err")"; continue; }
	if grep -q 'not understood' "$tmp/err"; then bad "$v: names not understood: $(head -1 "$tmp/err")"; else ok; fi
	for f in $FIELDS; do
		want=$(jq -r ".MemStats.$f" "$R")
		for side in base new; do
			got=$(field "$tmp/d.json" "$f" $side)
			if [ "$got" = "$want" ]; then ok; else bad "$v: $f ($side): ReadMemStats $want, coroner $got"; fi
		done
	done
	got=$(field "$tmp/d.json" GOMAXPROCS base) want=$(jq -r .GOMAXPROCS "$R")
	if [ "$got" = "$want" ]; then ok; else bad "$v: GOMAXPROCS: program $want, coroner $got"; fi
	if grep -q '^/gc/gogc:percent:' "$D/metrics.txt"; then
		for k in GOGC GOMEMLIMIT; do
			got=$(field "$tmp/d.json" $k base) want=$(jq -r ".$k" "$R")
			if [ "$got" = "$want" ]; then ok; else bad "$v: $k: program $want, coroner $got"; fi
		done
	fi
	want=$(jq -r .NumGoroutine "$R")
	if grep -q '^/sched/goroutines/waiting:' "$D/metrics.txt"; then
		# Go 1.26+ counts the runtime's own goroutines in /sched/goroutines
		got=$(field "$tmp/d.json" Goroutines base) all=$(field "$tmp/d.json" GoroutinesAll base)
		if [ "$got" = none ] && [ "$all" != none ] && [ "$all" -ge "$want" ]; then ok
		else bad "$v: goroutines: program NumGoroutine $want, coroner Goroutines $got GoroutinesAll $all"; fi
	else
		got=$(field "$tmp/d.json" Goroutines base)
		if [ "$got" = "$want" ]; then ok; else bad "$v: Goroutines: program NumGoroutine $want, coroner $got"; fi
	fi
	# ---- names a newer release might add: counted and named
	cp "$D/metrics.txt" "$tmp/m.txt"
	printf '/gc/heap/future-thing:bytes: 5\n/memory/classes/new-class:bytes: 7\n' >>"$tmp/m.txt"
	"$CORONER" diff "$tmp/m.txt" "$tmp/m.txt" >/dev/null 2>"$tmp/err"
	if grep -q 'runtime/metrics: 2 names not understood.*/gc/heap/future-thing:bytes, /memory/classes/new-class:bytes' "$tmp/err"
	then ok; else bad "$v: unknown names not reported: $(head -1 "$tmp/err")"; fi
	# ---- coroner mem: the ledger's Go components
	"$CORONER" mem --format=json "$D/status" "$D/metrics.txt" >"$tmp/m.json" 2>"$tmp/err" || true
	for p in go_heap_inuse:HeapInuse go_stacks:StackInuse; do
		got=$(jq -r --arg n "${p%%:*}" '[.components[] | select(.name == $n) | .bytes][0] // "none"' "$tmp/m.json")
		want=$(jq -r ".MemStats.${p#*:}" "$R")
		if [ "$got" = "$want" ]; then ok; else bad "$v: mem ${p%%:*}: ReadMemStats ${p#*:} $want, coroner $got $(head -1 "$tmp/err")"; fi
	done
	# ---- Prometheus text of client_golang's Go collector
	[ -f "$D/prom-all.txt.gz" ] || continue
	gzip -dc "$D/prom-all.txt.gz" >"$tmp/all.txt"
	grep -v '^go_memstats_\|^# [A-Z]* go_memstats_' "$tmp/all.txt" >"$tmp/rm.txt"
	"$CORONER" diff --format=json "$tmp/rm.txt" "$D/prom-all.txt.gz" >"$tmp/p.json" 2>"$tmp/err" ||
		{ bad "$v: coroner diff on prom-all: $(head -1 "$tmp/err")"; continue; }
	if grep -q 'not understood' "$tmp/err"; then bad "$v: prom-all: $(head -1 "$tmp/err")"; else ok; fi
	n=0
	for f in $FIELDS; do
		want=$(field "$tmp/p.json" "$f" new) got=$(field "$tmp/p.json" "$f" base)
		[ "$want" = none ] && continue
		n=$((n + 1))
		if [ "$got" = "$want" ]; then ok; else bad "$v: prom $f: go_memstats line $want, from runtime/metrics names $got"; fi
	done
	[ "$n" -ge 18 ] || bad "$v: prom-all: only $n MemStats fields from go_memstats_* lines"
	want=$(promv "$tmp/all.txt" go_memstats_heap_inuse_bytes) got=$(field "$tmp/p.json" HeapInuse new)
	if [ "$got" = "$want" ]; then ok; else bad "$v: prom HeapInuse: line $want, coroner $got"; fi
	for p in GOGC:go_gc_gogc_percent GOMEMLIMIT:go_gc_gomemlimit_bytes GOMAXPROCS:go_sched_gomaxprocs_threads; do
		want=$(promv "$tmp/all.txt" "${p#*:}") got=$(field "$tmp/p.json" "${p%%:*}" base)
		if [ "$got" = "$want" ]; then ok; else bad "$v: prom ${p%%:*}: line $want, coroner $got"; fi
	done
	"$CORONER" diff --format=json "$D/prom-default.txt" "$D/prom-default.txt" >"$tmp/q.json" 2>"$tmp/err" ||
		{ bad "$v: coroner diff on prom-default: $(head -1 "$tmp/err")"; continue; }
	for p in HeapInuse:go_memstats_heap_inuse_bytes Goroutines:go_goroutines NumGC:go_gc_duration_seconds_count; do
		want=$(promv "$D/prom-default.txt" "${p#*:}") got=$(field "$tmp/q.json" "${p%%:*}" base)
		if [ "$got" = "$want" ]; then ok; else bad "$v: prom-default ${p%%:*}: line $want, coroner $got"; fi
	done
done
[ "$rels" -gt 0 ] || { echo "SKIP: no testdata/rtmetrics"; exit 77; }
# ---- report: GOMEMLIMIT as the process ran with it, in memory_limit's advice
# (a 64 MiB cgroup's capture, testdata/limits/go1.26, with the runtime
# metrics of a process started with GOMEMLIMIT=512MiB)
if [ -d "$TESTDATA/limits/go1.26" ] && [ -f "$TESTDATA/rtmetrics/go1.26/metrics.txt" ]; then
	cp -r "$TESTDATA/limits/go1.26" "$tmp/lim" && rm -rf "$tmp/lim/expected"
	cp "$TESTDATA/rtmetrics/go1.26/metrics.txt" "$tmp/lim/"
	want=$(sed -n 's#^/gc/gomemlimit:bytes: ##p' "$tmp/lim/metrics.txt")
	"$CORONER" report "$tmp/lim" >"$tmp/r.txt" 2>&1 || true
	if grep -q "GOMEMLIMIT (runtime metrics) .*($want B)" "$tmp/r.txt" && grep -q 'at or above the cgroup.s' "$tmp/r.txt"
	then ok; else bad "report: memory_limit without GOMEMLIMIT $want of metrics.txt: $(grep -A2 memory_limit "$tmp/r.txt" | head -3)"; fi
fi
echo "$rels releases: $pass passed, $fail failed"
[ "$fail" = 0 ]
