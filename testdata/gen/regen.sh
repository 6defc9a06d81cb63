#!/bin/bash
# Regenerates coroner's test data under testdata/ from the Go/C programs in
# testdata/gen/ and records the reference tools' outputs in */expected/.
#
# usage: testdata/gen/regen.sh [section...]
#   sections: heap kinds goroutines mem capture bin core2 retain panic ccore bigprofile flame labels oom gover go123 generics oldinline pasted contention legacy race scavtrace gctrace pprofcmd pprofdot   (default: all of them)
#
# Needs: go 1.19, gcc, llvm-symbolizer/llvm-nm (llvm-14), dlv, zstd, gzip,
# python3 (only for picking random addresses with a fixed seed).
# Memory profiles are sampled with the runtime's own random generator, which
# cannot be seeded, so the profiles differ from run to run in their details;
# the expected/ files always describe the committed profiles of the same run.
set -euo pipefail

GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=1 GOTOOLCHAIN=local
export PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
export GOCACHE=${GOCACHE:-$HOME/.cache/go-build}
unset GODEBUG GOTRACEBACK GOMAXPROCS || true
trap 'rm -rf "$PPROF_TMPDIR"' EXIT

log() { echo "== $*" >&2; }

# Runs a command, records its stdout+stderr into expected/$1 and the exact
# command line into expected/INDEX (format: file<TAB>command).
# Must be called from the directory whose expected/ is meant.
rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 || echo "exit status $?" >>"expected/$out"
	local a q=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then q+=" $a"; else q+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\t%s\n' "$out" "${q# }" >>expected/INDEX
}

hdr_index() {
	printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/,\n# with *.gz binaries gunzipped under their name without .gz. TZ=UTC.\n# smaps_sums is the awk function defined in testdata/gen/regen.sh.\n' >expected/INDEX
}

gzipbin() { gzip -9 -n -c "$1" >"$2"; }

# ---------------------------------------------------------------- kinds
# cpu, block and mutex profiles of gen/profkinds, with pprof -top per index
do_kinds() {
	log kinds
	local D=$TD/kinds
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/profkinds" && go build -trimpath -o "$D/profkinds" .)
	GOMAXPROCS=2 ./profkinds .
	gzipbin profkinds profkinds.gz # pprof -disasm's binary (testdata/gen/pprofdis.sh)
	rm -f profkinds
	hdr_index
	local P="go tool pprof"
	local T="-top -nodefraction=0 -nodecount=25"
	rec cpu.pb.gz.top.default.txt $P $T cpu.pb.gz
	rec cpu.pb.gz.top.samples.txt $P $T -sample_index=samples cpu.pb.gz
	rec cpu.pb.gz.top.cum.txt $P $T -cum cpu.pb.gz
	rec cpu.pb.gz.top.nodecount10.txt $P -top -nodecount=10 cpu.pb.gz
	for k in block mutex; do
		rec $k.pb.gz.top.default.txt $P $T $k.pb.gz
		rec $k.pb.gz.top.contentions.txt $P $T -sample_index=contentions $k.pb.gz
	done
}

# ---------------------------------------------------------------- heap
do_heap() {
	log heap
	local D=$TD/heap
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/heapprog" && go build -trimpath -o "$D/heapprog" .)
	GOGC=100 ./heapprog . >expected/heapprog.stdout
	gzipbin heapprog heapprog.gz
	hdr_index
	local P="go tool pprof"
	local T="-top -nodefraction=0 -nodecount=25"
	for si in alloc_objects alloc_space inuse_objects inuse_space; do
		u=; case $si in *_space) u=-unit=B;; esac
		rec heap.pb.gz.top.$si.txt $P $T $u -sample_index=$si heap.pb.gz
	done
	rec heap.pb.gz.top.default.txt $P $T -unit=B heap.pb.gz
	rec allocs.pb.gz.top.default.txt $P $T -unit=B allocs.pb.gz
	rec heap.txt.bin.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heapprog heap.txt
	rec heap.txt.bin.top.alloc_space.txt $P $T -unit=B -sample_index=alloc_space heapprog heap.txt
	rec heap.txt.nobin.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heap.txt
	rec heap.txt.bin.raw.txt $P -raw heapprog heap.txt
	rec heap.pb.gz.top.inuse_space.focus.txt $P $T -unit=B -sample_index=inuse_space '-focus=main\.retainRecords' heap.pb.gz
	# RE2 shorthand classes and flags (coroner translates them to POSIX ERE)
	rec heap.pb.gz.top.inuse_space.focus-re2.txt $P $T -unit=B -sample_index=inuse_space '-focus=main\.\w+Registry' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.hide-re2.txt $P $T -unit=B -sample_index=alloc_space '-hide=(?i)^MAIN\.(SMALLBUF|KEYFOR)$' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.show-re2.txt $P $T -unit=B -sample_index=alloc_space '-show=^[\w.]+\.(make|fill)\w*' heap.pb.gz
	rec heap.pb.gz.top.inuse_space.ignore.txt $P $T -unit=B -sample_index=inuse_space '-ignore=main\.growRegistry' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.hide.txt $P $T -unit=B -sample_index=alloc_space '-hide=main\.(smallBuf|keyFor)' heap.pb.gz
	rec heap.pb.gz.top.alloc_space.show.txt $P $T -unit=B -sample_index=alloc_space '-show=^main\.' heap.pb.gz
	for g in lines files filefunctions addresses; do
		rec heap.pb.gz.top.inuse_space.$g.txt $P $T -unit=B -sample_index=inuse_space -$g heap.pb.gz
	done
	rec heap.pb.gz.top.inuse_space.cum.txt $P $T -unit=B -sample_index=inuse_space -cum heap.pb.gz
	rec heap.pb.gz.top.alloc_space.cum.txt $P $T -unit=B -sample_index=alloc_space -cum heap.pb.gz
	for si in alloc_space inuse_space inuse_objects; do
		u=; case $si in *_space) u=-unit=B;; esac
		rec diff_base.heap2-heap.top.$si.txt $P $T $u -sample_index=$si -diff_base=heap.pb.gz heap2.pb.gz
		rec base.heap2-heap.top.$si.txt $P $T $u -sample_index=$si -base=heap.pb.gz heap2.pb.gz
	done
	rec heap2.pb.gz.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space heap2.pb.gz
	rec heap.pb.gz.top.nodecount10.txt $P -top -nodecount=10 -sample_index=inuse_space heap.pb.gz
	rec heap.pb.gz.top.nodecount10.alloc_space.txt $P -top -nodecount=10 -sample_index=alloc_space heap.pb.gz
	rec heap.pb.gz.raw.txt $P -raw heap.pb.gz
	rec allocs.pb.gz.raw.txt $P -raw allocs.pb.gz
	rec heap2.pb.gz.raw.txt $P -raw heap2.pb.gz
	rm -f heapprog
}

# ---------------------------------------------------------------- goroutines
LEAK_WAIT=${LEAK_WAIT:-70}   # seconds the first 50 leaks stay blocked (>=60 gives ", 1 minutes]")
do_goroutines() {
	log "goroutines (takes ~${LEAK_WAIT}s)"
	local D=$TD/goroutines
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/leakprog" && go build -trimpath -o "$D/leakprog" .)
	./leakprog snap . "$LEAK_WAIT" >expected/leakprog.stdout 2>sigquit.txt &
	local pid=$!
	# panics while the snapshot run waits
	./leakprog panic >/dev/null 2>panic.txt || echo "leakprog panic: exit status $?" >expected/panic.exit
	GOTRACEBACK=all ./leakprog panic >/dev/null 2>panic_all.txt || echo "leakprog panic (GOTRACEBACK=all): exit status $?" >>expected/panic.exit
	until grep -q '^ready' expected/leakprog.stdout; do
		kill -0 $pid || { echo "leakprog snap died" >&2; exit 1; }
		sleep 1
	done
	kill -QUIT $pid
	wait $pid || echo "leakprog snap after SIGQUIT: exit status $?" >>expected/panic.exit
	hdr_index
	local P="go tool pprof"
	for n in 1 2; do
		rec goroutine.$n.pb.gz.top.txt $P -top -nodefraction=0 -nodecount=25 goroutine.$n.pb.gz
		rec goroutine.$n.pb.gz.raw.txt $P -raw goroutine.$n.pb.gz
		rec goroutine.$n.pb.gz.traces.txt $P -traces goroutine.$n.pb.gz
		rec goroutine.$n.txt.total.txt grep '^goroutine profile: total' goroutine.$n.txt
	done
	for f in goroutine.1.dump goroutine.2.dump sigquit.txt panic.txt panic_all.txt; do
		rec $f.headers.count grep -c '^goroutine [0-9]* \[' $f
		rec $f.states.txt sh -c "grep -o '^goroutine [0-9]* \[.*\]:\$' $f | sed 's/^goroutine [0-9]* //' | sort | uniq -c | sort -k1,1nr -k2"
		rec $f.minutes.count sh -c "grep -c '^goroutine [0-9]* \[.*, [0-9]* minutes\]:\$' $f || true"
		rec $f.leakWorker.count sh -c "grep -c '^main\.leakWorker(' $f || true"
	done
	{
		echo "leaking function: main.leakWorker (leakprog/main.go, blocked in chan receive on req.reply)"
		echo "started from: main.dispatch (created by main.dispatch)"
		echo "counts printed by leakprog at capture time (its own atomic counter of started+parked leakWorker goroutines, and runtime.NumGoroutine()):"
		grep '^snapshot=' expected/leakprog.stdout
		echo "the first 50 leaked goroutines were blocked ${LEAK_WAIT}s (stamped by runtime.GC) before snapshot 1"
	} >expected/leak.txt
	rm -f leakprog
}

# Sum of every "Key: N kB" field over all mappings of an smaps file, next to
# the same field of smaps_rollup (an independent reference computed by awk).
smaps_sums() {
	local smaps=$1 rollup=$2
	echo "# field  sum-over-smaps-mappings-kB  smaps_rollup-kB   (awk over $smaps; $rollup)"
	awk 'NR==FNR { if ($3 == "kB") r[$1] = $2; next }
	     $3 == "kB" && $1 ~ /^[A-Za-z_]+:$/ { if (!($1 in s)) order[n++] = $1; s[$1] += $2 }
	     END { for (i = 0; i < n; i++) { k = order[i]; printf "%-16s %10d %10s\n", k, s[k], (k in r) ? r[k] : "-" } }' "$rollup" "$smaps"
	echo "# mappings: $(grep -c '^[0-9a-f]*-[0-9a-f]* ' "$smaps")"
}

# ---------------------------------------------------------------- mem
do_mem() {
	log mem
	local D=$TD/mem
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/memprog" && go build -trimpath -o "$D/memprog" .)
	GOGC=100 GODEBUG=gctrace=1 ./memprog . >expected/memprog.stdout 2>gctrace.txt
	hdr_index
	rec smaps.sums.txt smaps_sums smaps smaps_rollup
	rec status.vm.txt grep -E '^(Vm|Rss)' status
	rec memstats.heap.txt sh -c "grep -E '\"(HeapAlloc|HeapSys|HeapIdle|HeapInuse|HeapReleased|HeapObjects|StackInuse|StackSys|MSpanInuse|MCacheInuse|GCSys|OtherSys|Sys|NextGC|NumGC)\"' memstats.json"
	rec gctrace.count grep -c '^gc [0-9]' gctrace.txt
	rec heap.txt.memstats.txt sed -n '/^# runtime.MemStats/,$p' heap.txt
	if [ -e memory.stat ]; then rec memory.stat.head.txt head -20 memory.stat; fi
	rm -f memprog
}

# ---------------------------------------------------------------- capture
do_capture() {
	log capture
	local D=$TD/capture
	rm -rf "$D/before" "$D/after" "$D/expected" "$D/captureprog.gz"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/captureprog" && go build -trimpath -o "$D/captureprog" .)
	local tmp; tmp=$(mktemp -d)
	GOGC=100 GODEBUG=gctrace=1 ./captureprog "$tmp" "$tmp/stderr.txt" >expected/captureprog.stdout 2>"$tmp/stderr.txt"
	mv "$tmp/before" "$tmp/after" .
	mv "$tmp/before.memstats.json" "$tmp/after.memstats.json" expected/
	rm -rf "$tmp"
	gzipbin captureprog captureprog.gz
	hdr_index
	local P="go tool pprof" T="-top -nodefraction=0 -nodecount=25"
	for s in before after; do
		rec $s.heap.pb.gz.top.inuse_space.txt $P $T -unit=B -sample_index=inuse_space $s/heap.pb.gz
		rec $s.heap.pb.gz.top.alloc_space.txt $P $T -unit=B -sample_index=alloc_space $s/heap.pb.gz
		rec $s.allocs.pb.gz.top.txt $P $T -unit=B $s/allocs.pb.gz
		rec $s.heap.txt.bin.top.alloc_space.txt $P $T -unit=B -sample_index=alloc_space captureprog $s/heap.txt
		rec $s.goroutine.pb.gz.top.txt $P $T $s/goroutine.pb.gz
		rec $s.goroutine.txt.headers.count grep -c '^goroutine [0-9]* \[' $s/goroutine.txt
		rec $s.goroutine.txt.awaitReply.count grep -c '^main\.(\*session)\.awaitReply(' $s/goroutine.txt
		rec $s.smaps.sums.txt smaps_sums $s/smaps $s/smaps_rollup
		rec $s.gctrace.count grep -c '^gc [0-9]' $s/gctrace.txt
	done
	rec diff_base.after-before.inuse_space.txt $P $T -unit=B -sample_index=inuse_space -diff_base=before/heap.pb.gz after/heap.pb.gz
	rec after.heap.txt.bin.raw.maplocations.txt sh -c "go tool pprof -raw captureprog after/heap.txt | grep -E 'runtime\\.(mapassign|hashGrow|makeBucketArray|growWork|evacuate)'"
	rec diff_base.after-before.goroutine.txt $P $T -diff_base=before/goroutine.pb.gz after/goroutine.pb.gz
	rm -f captureprog
}

# ---------------------------------------------------------------- bin
NADDR=200
ADDR_SEED=20240501
do_bin() {
	log bin
	local D=$TD/bin W
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	W=$(mktemp -d)
	# Go: static default build (CGO_ENABLED=0), PIE, stripped, arm64 cross build
	(cd "$GEN/symprog" &&
		CGO_ENABLED=0 go build -trimpath -o "$W/gosym" . &&
		CGO_ENABLED=0 go build -trimpath -buildmode=pie -o "$W/gosym-pie" . &&
		CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$W/gosym-stripped" . &&
		CGO_ENABLED=0 GOARCH=arm64 go build -trimpath -o "$W/gosym-arm64" .)
	# C (gcc defaults to PIE on Debian, so the two DWARF variants say -no-pie)
	gcc -g -gdwarf-5 -O2 -no-pie -o "$W/csym-dwarf5" "$GEN/csym/csym.c"
	gcc -g -gdwarf-4 -gz=zlib -O2 -no-pie -o "$W/csym-dwarf4-gz" "$GEN/csym/csym.c"
	gcc -g -O2 -fPIE -pie -o "$W/csym-pie" "$GEN/csym/csym.c"
	cp "$W"/* .
	local b
	for b in gosym gosym-pie gosym-stripped gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie; do
		gzipbin $b $b.gz
	done
	hdr_index
	rec binaries.file.txt file gosym gosym-pie gosym-stripped gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie
	rec gcc.version.txt sh -c 'gcc --version | head -1'
	# gosym-stripped has no symbol table: it is the same link as gosym minus
	# .symtab/DWARF, so gosym's addresses are reused if .text is identical.
	rec gosym-stripped.text-identical.txt sh -c 'objcopy -O binary --only-section=.text gosym /dev/stdout | sha256sum; objcopy -O binary --only-section=.text gosym-stripped /dev/stdout | sha256sum'
	for b in gosym gosym-pie gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie; do
		rec $b.addrs python3 "$GEN/pickaddrs.py" $b $ADDR_SEED $NADDR
		sed -i '/^exit status/d' expected/$b.addrs
	done
	# 100 more addresses inside the program's own main.* functions (inlining)
	for b in gosym gosym-pie gosym-arm64; do
		rec $b.main.addrs python3 "$GEN/pickaddrs.py" $b $ADDR_SEED 100 '^main\.'
		sed -i '/^exit status/d' expected/$b.main.addrs
	done
	cp expected/gosym.addrs expected/gosym-stripped.addrs
	cp expected/gosym.main.addrs expected/gosym-stripped.main.addrs
	printf '%s\t%s\n' gosym-stripped.addrs "cp expected/gosym.addrs expected/gosym-stripped.addrs" >>expected/INDEX
	printf '%s\t%s\n' gosym-stripped.main.addrs "cp expected/gosym.main.addrs expected/gosym-stripped.main.addrs" >>expected/INDEX
	for b in gosym gosym-pie gosym-stripped gosym-arm64; do
		rec $b.main.llvm.txt sh -c "llvm-symbolizer --obj=$b --inlines --output-style=LLVM < expected/$b.main.addrs"
		rec $b.main.llvm.json sh -c "llvm-symbolizer --obj=$b --inlines --output-style=JSON < expected/$b.main.addrs"
		rec $b.main.addr2line.txt sh -c "go tool addr2line $b < expected/$b.main.addrs"
	done
	for b in gosym gosym-pie gosym-stripped gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie; do
		rec $b.llvm.txt sh -c "llvm-symbolizer --obj=$b --inlines --output-style=LLVM < expected/$b.addrs"
		rec $b.llvm.json sh -c "llvm-symbolizer --obj=$b --inlines --output-style=JSON < expected/$b.addrs"
		case $b in gosym*) rec $b.addr2line.txt sh -c "go tool addr2line $b < expected/$b.addrs";; esac
	done
	rec csym-dwarf5.llvm.noinlines.txt sh -c "llvm-symbolizer --obj=csym-dwarf5 --no-inlines --output-style=LLVM < expected/csym-dwarf5.addrs"
	rec gosym.nm.txt llvm-nm --print-size --defined-only -n gosym
	rec csym-dwarf5.nm.txt llvm-nm --print-size --defined-only -n csym-dwarf5

	# Runtime oracle: crash with GOTRACEBACK=crash, keep stderr, /proc copies and the core.
	local v out
	for v in gosym gosym-pie; do
		out=${v#gosym}; out=crash$out
		rm -rf "$W/run"; mkdir "$W/run"
		(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 GOGC=20 \
			"$D/$v" crash "$D/$out.smaps" "$D/$out.maps" >"$D/expected/$out.stdout" 2>"$D/$out.txt") \
			&& echo "no crash?" >&2 || echo "exit status $?" >"expected/$out.exit"
		local core; core=$(ls "$W"/run/core* 2>/dev/null | head -1)
		if [ -n "$core" ]; then
			echo "core: $(stat -c %s "$core") bytes (apparent), $(du -k "$core" | cut -f1) kB allocated" >"expected/core-$v.size"
			zstd -19 -q -f "$core" -o "core-$v.zst"
			cp "$core" "$W/core-$v"
			printf 'goroutines\ngoroutines -group user\ngoroutines -t\nthreads\nbt\nexit\n' >"$W/dlv.init"
			rec core-$v.dlv.txt sh -c "dlv core $v \"$W/core-$v\" --check-go-version=false --allow-non-terminal-interactive=true --init \"$W/dlv.init\" </dev/null"
			sed -i "s#$W/##g" expected/core-$v.dlv.txt expected/INDEX
		else
			echo "no core file was written (core_pattern: $(cat /proc/sys/kernel/core_pattern))" >"expected/core-$v.size"
		fi
		rec $out.txt.headers.count grep -c '^goroutine [0-9]* \[' $out.txt
	done
	printf '%s\n' "goroutines" "goroutines -group user" "goroutines -t" "threads" "bt" "exit" >expected/dlv.init
	echo "(dlv commands of core-*.dlv.txt: the lines of expected/dlv.init; the core is core-*.zst unzstd'ed)" >>expected/INDEX
	rm -f gosym gosym-pie gosym-stripped gosym-arm64 csym-dwarf5 csym-dwarf4-gz csym-pie
	rm -rf "$W"
}

# ---------------------------------------------------------------- bigprofile
# The big profile itself is not committed; only its hash and pprof's view of it.
do_bigprofile() {
	log "bigprofile (pprof on 400k samples: ~1 min)"
	local D=$GEN/bigprofile W
	rm -rf "$D/expected"; mkdir -p "$D/expected"; cd "$D"
	W=$(mktemp -d)
	"$GEN/make-bigprofile.sh" "$W/big.pb.gz" 2>expected/bigprofile.stderr
	ln -s "$W/big.pb.gz" big.pb.gz
	hdr_index
	rec sha256.txt sha256sum big.pb.gz
	rec size.txt sh -c 'stat -L -c "%s gzipped" big.pb.gz; gunzip -c big.pb.gz | wc -c'
	rec top.inuse_space.txt go tool pprof -top -nodefraction=0 -nodecount=25 -unit=B -sample_index=inuse_space big.pb.gz
	rec top.alloc_space.cum.txt go tool pprof -top -nodefraction=0 -nodecount=25 -unit=B -sample_index=alloc_space -cum big.pb.gz
	rm -f big.pb.gz; rm -rf "$W"
}

# ---------------------------------------------------------------- flame
# goroutine dumps as pasted (testdata/gen/pasted.sh)
do_pasted() { log pasted; "$GEN/pasted.sh"; }
do_contention() { log contention; "$GEN/contention.sh"; }
# google/pprof's legacy test profiles (copied, not generated) and pprof's reports
do_legacy() { log legacy; "$GEN/legacy.sh"; }
# race-detector reports of gen/raceprog (testdata/gen/race.sh; needs cgo)
do_race() { log race; "$GEN/race.sh"; }
# GC and scavenger trace lines: Go 1.15/1.19/1.26 scav lines, Go <= 1.4 formats (testdata/gen/scavtrace.sh)
do_scavtrace() { log scavtrace; "$GEN/scavtrace.sh"; }
# GODEBUG=gctrace lines of Go 1.25-1.27 (old and Green Tea collectors; testdata/gen/gctrace.sh)
do_gctrace() { log gctrace; "$GEN/gctrace.sh"; }

# references for coroner flame (testdata/gen/flame.sh; reads heap/ and goroutines/)
do_flame() { log flame; "$GEN/flame.sh"; }

# ---------------------------------------------------------------- core2
# cores of the stripped build and of a cgo program (testdata/gen/core2.sh; after bin)
do_core2() { log core2; "$GEN/core2.sh"; }

# ---------------------------------------------------------------- retain
# cores of gen/retainprog for coroner heap (testdata/gen/retain.sh), and
# goref's reading of them (goref.sh, with GOREF=/path/to/grf)
do_retain() { log retain; "$GEN/retain.sh"; "$GEN/goref.sh"; }

# ---------------------------------------------------------------- panic
# crashes of gen/panicprog by Go 1.19 and 1.26 (testdata/gen/panic.sh)
do_panic() { log panic; "$GEN/panic.sh"; }

# ---------------------------------------------------------------- ccore
# C and C++ cores (testdata/gen/ccrash/gen.sh): each way to die, plain, PIE,
# stripped with a debug file; gdb's backtraces as the references. Then the
# 64-thread C++ core (fleet.sh), and the dwz-rewritten debug files (dwz.sh:
# a shared file, both forms; dwzpart.sh: partial units of one file), which
# start from gen.sh's stripped build. gen-sig.sh: threads in signal
# handlers (testdata/ccore-sig).
do_ccore() {
	log ccore
	"$GEN/ccrash/gen.sh" "$TD/ccore"
	"$GEN/ccrash/gen-sig.sh" "$TD/ccore-sig"
	"$GEN/ccrash/fleet.sh" "$TD/ccore"
	"$GEN/ccrash/dwz.sh" "$TD/ccore"
	"$GEN/ccrash/dwzpart.sh" "$TD/ccore"
}

# ---------------------------------------------------------------- labels
# gen/labelprog: goroutines and CPU work under pprof labels; go tool pprof
# -top with -tagfocus/-tagignore on them (string labels), and on the heap
# profile of testdata/heap (numeric "bytes" labels: the object sizes).
do_labels() {
	log labels
	local D=$TD/labels
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/labelprog" && go build -trimpath -o "$D/labelprog" .)
	GOMAXPROCS=2 ./labelprog .
	rm -f labelprog
	hdr_index
	local P="go tool pprof" T="-top -nodefraction=0 -nodecount=25" H=../heap/heap.pb.gz
	rec goroutine.tags.txt $P -tags goroutine.pb.gz
	rec goroutine.top.tagfocus-key.txt $P $T -tagfocus=handler=/api/users goroutine.pb.gz
	rec goroutine.top.tagfocus-tenant.txt $P $T -tagfocus=tenant=b goroutine.pb.gz
	rec goroutine.top.tagignore-key.txt $P $T -tagignore=tenant=a goroutine.pb.gz
	rec goroutine.top.tagfocus-nokey.txt $P $T '-tagfocus=handler:/api/(users|orders)' goroutine.pb.gz
	rec goroutine.top.tagfocus-and.txt $P $T -tagfocus=users,tenant:b goroutine.pb.gz
	rec goroutine.top.tagfocus-or.txt $P $T -tagfocus=handler=orders,health goroutine.pb.gz
	rec goroutine.top.tagfocus-ignore.txt $P $T -tagfocus=tenant=a -tagignore=handler=orders goroutine.pb.gz
	rec goroutine.top.tagfocus-none.txt $P $T -tagfocus=tenant=zzz goroutine.pb.gz
	rec goroutine.top.tagfocus-focus.txt $P $T -tagfocus=handler=/api -focus=main.park goroutine.pb.gz
	rec cpu.tags.txt $P -tags cpu.pb.gz
	rec cpu.top.tagfocus.txt $P $T -tagfocus=handler=/api/orders cpu.pb.gz
	rec cpu.top.tagignore.txt $P $T -tagignore=tenant=a cpu.pb.gz
	rec heap.top.tagfocus-ge64kb.txt $P $T -unit=B -tagfocus=64kb: $H
	rec heap.top.tagfocus-le1kb.txt $P $T -unit=B -tagfocus=:1kb $H
	rec heap.top.tagfocus-range.txt $P $T -unit=B -tagfocus=16b:256b $H
	rec heap.top.tagfocus-eq.txt $P $T -unit=B -tagfocus=bytes=80b $H
	rec heap.top.tagfocus-unitless.txt $P $T -unit=B -tagfocus=80 $H
	rec heap.top.tagignore-256kb.txt $P $T -unit=B -tagignore=256kb $H
	rec heap.top.tagfocus-regex.txt $P $T -unit=B -tagfocus=bytes=8.* $H
	rec heap.top.alloc.tagfocus-range.txt $P $T -unit=B -sample_index=alloc_space -tagfocus=1kb:2mb $H
	# edges: a signed number, ranges whose units differ (then a regex), no
	# match (pprof's stderr warning), a request= key (its unit taken as bytes)
	rec heap.top.tagfocus-signed.txt $P $T -unit=B -tagfocus=+80b $H
	rec heap.top.tagfocus-mixedunits.txt $P $T -unit=B -tagfocus=80b:1 $H
	rec heap.top.tagfocus-nomatch.txt $P $T -unit=B -tagfocus=nosuchlabel $H
	rec heap.top.focus-nomatch.txt $P $T -unit=B -focus=nosuchfunction $H
	rec heap.top.tagfocus-request.txt $P $T -unit=B -tagfocus=request=80 $H
	rec heap.top.tagfocus-tagignore.txt $P $T -unit=B -tagfocus=64b: -tagignore=256kb $H
}

# ---------------------------------------------------------------- oom
# oomprog killed by its memory cgroup's OOM killer (needs root and a memory
# cgroup this machine lets us create: v1 /sys/fs/cgroup/memory or a cgroup2
# with the memory controller; otherwise the committed testdata/oom stays).
# References: the cgroup's own files, the kernel's log of the kill, the exit
# status of the killed process, and go tool pprof on its last heap profile.
do_oom() {
	log oom
	local D=$TD/oom CG= V f pid
	if [ -w /sys/fs/cgroup/memory ] && [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
		CG=/sys/fs/cgroup/memory/coroner-oom-$$ V=1
	elif [ -w /sys/fs/cgroup ] && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		CG=/sys/fs/cgroup/coroner-oom-$$ V=2
	else
		log "oom: no memory cgroup can be made here; testdata/oom is kept as committed"
		return 0
	fi
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/oomprog" && go build -trimpath -o "$D/oomprog" .)
	mkdir "$CG"
	if [ $V = 1 ]; then echo 64M >"$CG/memory.limit_in_bytes"; else echo 64M >"$CG/memory.max"; echo 0 >"$CG/memory.swap.max" || true; fi
	CG=$CG sh -c 'echo $$ >"$CG/cgroup.procs"; echo $$ >expected/pid; exec env GOGC=100 GODEBUG=gctrace=1 ./oomprog .' \
		>expected/oomprog.stdout 2>gctrace.txt && echo "exit status 0" >expected/exit-status ||
		echo "exit status $?" >expected/exit-status
	for f in memory.stat memory.limit_in_bytes memory.usage_in_bytes memory.max_usage_in_bytes memory.failcnt \
		memory.oom_control memory.max memory.high memory.current memory.peak memory.events; do
		[ -r "$CG/$f" ] && cat "$CG/$f" >"$f"
	done
	rmdir "$CG"
	pid=$(cat expected/pid)
	# the kernel's own account of the kill (needs dmesg to be readable): its
	# whole OOM report as an input (kernel.log, as dmesg prints it), and the
	# two lines that name the pid as the reference
	dmesg 2>/dev/null | awk -v pid="$pid" '
		/ invoked oom-killer:/ { n = 0 }
		{ buf[n++] = $0 }
		index($0, "Killed process " pid " (") { for (i = 0; i < n; i++) print buf[i]; done = 1; n = 0; next }
		done && /oom_reaper: reaped process/ { print; exit }' >kernel.log || true
	[ -s kernel.log ] || rm -f kernel.log
	dmesg 2>/dev/null | grep -E "Killed process $pid |oom-kill:.*task=oomprog,pid=$pid," | sed 's/^\[[ 0-9.]*\] //' \
		>expected/kernel-oom.txt || true
	rm -f oomprog .*.tmp
	hdr_index
	rec heap.top.txt go tool pprof -top -nodefraction=0 -nodecount=10 -sample_index=inuse_space heap.pb.gz
	rec status.txt grep -E '^(Pid|VmRSS|RssAnon):' status
	rec smaps_rollup.rss.txt grep -E '^Rss:' smaps_rollup
	rec heapinuse.txt grep -E '^# HeapInuse = ' heap.txt
	for f in memory.oom_control memory.events memory.limit_in_bytes memory.max memory.max_usage_in_bytes memory.peak memory.failcnt; do
		[ -e "$f" ] && rec "$f.txt" cat "$f"
	done
	return 0
}

# ---------------------------------------------------------------- gover
# gen/symprog built by newer Go releases (golang-1.21/1.22/1.23-go from
# bookworm-backports; a version not installed is skipped), crashed under
# GOTRACEBACK=crash: the stripped build (-s -w: the struct tables of
# lib/gort/layout.c) for each, and the DWARF build of the newest. References:
# the runtime's own traceback (crash-*.txt), the exit status, and the struct
# layout llvm-dwarfdump reads from the DWARF build of each version
# (expected/layout.c, made by gen/rt-layout.py ref: what layout.c's table holds).
do_gover() {
	log gover
	local v G D W b
	W=$(mktemp -d)
	for v in 1.21 1.22 1.23; do
		G=/usr/lib/go-$v/bin/go
		[ -x "$G" ] || { log "gover: go$v not installed, skipped"; continue; }
		D=$TD/gover/go$v
		rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
		(cd "$GEN/symprog" && CGO_ENABLED=0 "$G" build -trimpath -o "$W/gosym" . &&
			CGO_ENABLED=0 "$G" build -trimpath -ldflags='-s -w' -o "$W/gosym-stripped" .)
		"$G" version >expected/go-version
		python3 "$GEN/rt-layout.py" ref "$W/gosym" "go$v" >expected/layout.c
		for b in gosym-stripped gosym; do
			[ "$b" = gosym ] && [ "$v" != 1.23 ] && continue
			rm -rf "$W/run"; mkdir "$W/run"
			(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 GOGC=20 \
				"$W/$b" crash "$W/run/smaps" "$W/run/maps" >/dev/null 2>"$D/crash${b#gosym}.txt") \
				&& echo "no crash?" >&2 || echo "exit status $?" >"expected/crash${b#gosym}.exit"
			zstd -19 -q -f "$(ls "$W"/run/core* | head -1)" -o "core${b#gosym}.zst"
			gzipbin "$W/$b" "$b.gz"
		done
	done
	rm -rf "$W"
	return 0
}

# ---------------------------------------------------------------- go123
# heapprog and leakprog built by go1.23 (bookworm-backports), with go1.23's
# pprof as the reference: testdata/go123, replayed by pprof-top.sh
do_go123() {
	log go123
	# heap and goroutine profiles of a go1.23 program, with go1.23's pprof
	# as the reference (testdata/go123: pprof-top.sh replays its INDEX)
	local G=/usr/lib/go-1.23/bin/go D W
	W=$(mktemp -d)
	if [ -x "$G" ]; then
		D=$TD/go123
		rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
		(cd "$GEN/heapprog" && "$G" build -trimpath -o "$W/heapprog" .)
		GOGC=100 "$W/heapprog" . >expected/heapprog.stdout
		rm -f heap.txt heap2.txt
		(cd "$GEN/leakprog" && "$G" build -trimpath -o "$W/leakprog" .)
		"$W/leakprog" panic >/dev/null 2>panic.txt || echo "leakprog panic: exit status $?" >expected/panic.exit
		"$G" version >expected/go-version
		hdr_index
		local P="$G tool pprof" T="-top -nodefraction=0 -nodecount=25" si g
		for si in alloc_objects alloc_space inuse_objects inuse_space; do
			rec heap.pb.gz.top.$si.txt $P $T -unit=B -sample_index=$si heap.pb.gz
		done
		for g in lines files filefunctions addresses; do
			rec heap.pb.gz.top.inuse_space.$g.txt $P $T -unit=B -sample_index=inuse_space -$g heap.pb.gz
		done
		rec allocs.pb.gz.top.default.txt $P $T -unit=B allocs.pb.gz
		rec heap2.pb.gz.top.diff_base.txt $P $T -unit=B -diff_base=heap.pb.gz heap2.pb.gz
		rec heap.pb.gz.top.focus.txt $P $T -unit=B -sample_index=alloc_space '-focus=main\.make' heap.pb.gz
		rec panic.txt.headers.count grep -c '^goroutine [0-9]* .*\[' panic.txt
		# INDEX says "go tool pprof" (the command pprof-top.sh replays)
		sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
		echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
	else
		log "go123: go1.23 not installed; testdata/go123 is kept as committed"
	fi
	rm -rf "$W"
	return 0
}

# ---------------------------------------------------------------- generics
# a heap profile of gen/genericprog built by Go 1.26: generic instantiations
# whose shape names carry (...) groups, which pprof's -top simplifies
do_generics() {
	log generics
	local G=/usr/lib/go-1.26/bin/go D=$TD/generics W
	[ -x "$G" ] || { log "generics: no $G (scripts/deps --gorel), skipped"; return 0; }
	W=$(mktemp -d)
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	(cd "$GEN/genericprog" && "$G" build -trimpath -o "$W/genericprog" .)
	"$W/genericprog" heap.pb.gz
	"$G" version >expected/go-version
	hdr_index
	local P="$G tool pprof" T="-top -nodefraction=0 -nodecount=25" si
	for si in inuse_space alloc_objects; do
		rec heap.pb.gz.top.$si.txt $P $T -unit=B -sample_index=$si heap.pb.gz
	done
	rec heap.pb.gz.top.focus.txt $P $T -unit=B -sample_index=inuse_space '-focus=NewPair\[go\.shape\.string,go\.shape\.func error\]' heap.pb.gz
	sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
	echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
	rm -rf "$W"
}

# ---------------------------------------------------------------- oldinline
# gen/oldinline built by Go 1.15 (bullseye's golang-1.15-go, installed through a
# private sources list the way scripts/deps-gorel installs the newer releases;
# not needed by the tests, which read the committed binary): the Go 1.2
# pclntab layout with its inline tree; the reference is
# the runtime's own GOTRACEBACK=system traceback (pc= of every frame, the
# inlined frames above it)
do_oldinline() {
	log oldinline
	local G=/usr/lib/go-1.15/bin/go D=$TD/oldinline W
	[ -x "$G" ] || { log "oldinline: no $G, skipped"; return 0; }
	W=$(mktemp -d)
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	cp "$GEN/oldinline/main.go" "$GEN/oldinline/go.mod" "$W/"
	(cd "$W" && GOENV=off GOFLAGS=-mod=mod GOCACHE="$W/cache" "$G" build -trimpath -ldflags='-s -w' -o oldinline .)
	GOTRACEBACK=system "$W/oldinline" 2>traceback.txt || echo "exit status $?" >expected/oldinline.exit
	gzipbin "$W/oldinline" oldinline.gz
	GOENV=off GOFLAGS= "$G" version >expected/go-version
	hdr_index
	printf 'traceback.txt\tGOTRACEBACK=system ./oldinline 2>traceback.txt\n' >>expected/INDEX
	rm -rf "$W"
}

# ---------------------------------------------------------------- pprofcmd
# go tool pprof's reports (-traces, -tags, -top) on the committed profiles of
# every kind, recorded with Go 1.26's pprof (testdata/pprof: no profile of its
# own; tests/golden/pprof-cmd.sh replays the INDEX with `coroner pprof`).
# A *.firstline.txt output is compared by its first line and exit status.
do_pprofcmd() {
	log pprofcmd
	local G=${PPROF_GO:-/usr/local/go/bin/go} D=$TD/pprof f n
	[ -x "$G" ] || { log "pprofcmd: no $G, skipped"; return 0; }
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	hdr_index
	local P="$G tool pprof"
	for f in ../kinds/cpu.pb.gz ../kinds/block.pb.gz ../kinds/mutex.pb.gz ../heap/heap.pb.gz \
		../heap/allocs.pb.gz ../goroutines/goroutine.1.pb.gz ../gorel/go1.26/before/goroutineleak.pb.gz \
		../labels/cpu.pb.gz ../labels/goroutine.pb.gz; do
		n=$(basename "$(dirname "$f")").$(basename "$f" .pb.gz)
		rec "$n.traces.txt" $P -traces "$f"
		rec "$n.tags.txt" $P -tags "$f"
		rec "$n.top.txt" $P -nodecount=15 -top "$f"
		rec "$n.tree.txt" $P -tree "$f"
		rec "$n.peek.txt" $P -peek=main "$f"
		rec "$n.raw.txt" $P -raw "$f"
		rec "$n.callgrind.txt" $P -callgrind "$f"
	done
	rec allocs.tree.nodecount5.txt $P -tree -nodecount=5 ../heap/allocs.pb.gz
	rec cpu.tree.cum-lines.txt $P -tree -nodecount=8 -cum -lines ../kinds/cpu.pb.gz
	rec cpu.tree.focus.txt $P -tree -focus=sort ../kinds/cpu.pb.gz
	rec heap.tree.compact.txt $P -tree -compact_labels -sample_index=alloc_space ../heap/heap.pb.gz
	rec heap.tree.notrim.txt $P -tree -trim=false ../heap/heap.pb.gz
	rec heap2.tree.diff_base.txt $P -tree -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec allocs.tree.fractions.txt $P -tree -nodefraction=0.05 -edgefraction=0.02 ../heap/allocs.pb.gz
	rec allocs.tree.unit-divide.txt $P -tree -unit=MB -divide_by=2 ../heap/allocs.pb.gz
	rec allocs.tree.hide.txt $P -tree -hide=runtime ../heap/allocs.pb.gz
	rec cpu.peek.runtime-noinlines.txt $P -peek 'runtime\.' -noinlines ../kinds/cpu.pb.gz
	rec cpu.peek.addresses.txt $P -peek=. -addresses ../kinds/cpu.pb.gz
	rec heap.raw.focus.txt $P -raw -focus=main ../heap/heap.pb.gz
	rec cpu.raw.hide.txt $P -raw -hide=runtime ../kinds/cpu.pb.gz
	rec cpu.callgrind.focus.txt $P -callgrind -focus=sort ../kinds/cpu.pb.gz
	rec block.callgrind.unit.txt $P -callgrind -unit=ms ../kinds/block.pb.gz
	rec cpu.callgrind.noinlines.txt $P -callgrind -noinlines ../kinds/cpu.pb.gz
	rec heap2.callgrind.diff_base.txt $P -callgrind -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec heap2.peek.diff_base.txt $P -peek=. -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec cpu.peek.nomatch.txt $P -peek=zzz ../kinds/cpu.pb.gz
	rec cpu.traces.lines.txt $P -traces -lines ../kinds/cpu.pb.gz
	rec cpu.traces.addresses.txt $P -traces -addresses ../kinds/cpu.pb.gz
	rec cpu.traces.samples.txt $P --traces --sample_index samples ../kinds/cpu.pb.gz
	rec block.traces.contentions.txt $P -traces=true -contentions ../kinds/block.pb.gz
	rec heap.traces.noinlines-files.txt $P -traces -noinlines -files ../heap/heap.pb.gz
	rec heap.traces.alloc_space-MB.txt $P -traces -sample_index=alloc_space -unit=MB ../heap/heap.pb.gz
	rec heap-allocs.traces.focus-hide.txt $P -traces -focus=main -hide=runtime ../heap/heap.pb.gz ../heap/allocs.pb.gz
	rec heap2.traces.diff_base.txt $P -traces -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec heap2.traces.base.txt $P -traces -base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec heap.tags.tagfocus.txt $P -tags -tagfocus=64b: ../heap/heap.pb.gz
	rec allocs.tags.divide_by.txt $P -tags -divide_by=3 -sample_index=alloc_space ../heap/allocs.pb.gz
	rec heap-allocs.tags.txt $P -tags ../heap/heap.pb.gz ../heap/allocs.pb.gz
	rec goroutine.traces.tagfocus.txt $P -traces -tagfocus=handler=/api/users ../labels/goroutine.pb.gz
	rec cpu.traces.divide_by.txt $P -traces -divide_by=2 ../kinds/cpu.pb.gz
	rec heap.top.lines-cum.txt $P -nodecount=12 -lines -cum -top ../heap/heap.pb.gz
	rec heap2.top.diff_base.txt $P -nodecount=12 -diff_base ../heap/heap.pb.gz -top ../heap/heap2.pb.gz
	# -mean (each value over the same samples' first value: per contention
	# event on block and mutex profiles) and -mean_delay over every report
	rec block.top.mean.txt $P -top -mean ../kinds/block.pb.gz
	rec block.top.mean_delay-cum.txt $P -top -mean_delay -cum -nodecount=4 ../kinds/block.pb.gz
	rec block.top.mean_delay-contentions.txt $P -top -sample_index=contentions -mean_delay -contentions ../kinds/block.pb.gz
	rec mutex.top.mean-lines.txt $P -top -mean -lines ../kinds/mutex.pb.gz
	rec heap.top.mean.txt $P -top -mean ../heap/heap.pb.gz
	rec cpu.top.mean-focus.txt $P -top -mean -focus=sort -relative_percentages ../kinds/cpu.pb.gz
	rec block.tree.mean.txt $P -tree -mean ../kinds/block.pb.gz
	rec mutex.tree.mean-divide.txt $P -tree -mean_delay -divide_by=3 -unit=us ../kinds/mutex.pb.gz
	rec heap2.tree.mean-diff_base.txt $P -tree -mean -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec block.peek.mean.txt $P -peek=. -mean ../kinds/block.pb.gz
	rec block.traces.mean.txt $P -traces -mean ../kinds/block.pb.gz
	rec goroutine.traces.mean.txt $P -traces -mean ../labels/goroutine.pb.gz
	rec goroutine.tags.mean.txt $P -tags -mean ../labels/goroutine.pb.gz
	rec block.tags.mean.txt $P -tags -mean ../kinds/block.pb.gz
	rec block.raw.mean.txt $P -raw -mean ../kinds/block.pb.gz
	rec block.callgrind.mean.txt $P -callgrind -mean ../kinds/block.pb.gz
	rec cpu.callgrind.mean-noinlines.txt $P -callgrind -mean -noinlines ../kinds/cpu.pb.gz
	rec heap-allocs.top.mean.txt $P -nodecount=12 -top -mean ../heap/heap.pb.gz ../heap/allocs.pb.gz
	rec heap.mean_delay.firstline.txt $P -top -mean_delay ../heap/heap.pb.gz
	rec bogus.firstline.txt $P -bogus ../kinds/cpu.pb.gz
	rec bogus2.firstline.txt $P -top --no_such=1 ../kinds/cpu.pb.gz
	rec two-reports.firstline.txt $P -top -traces ../kinds/cpu.pb.gz
	rec needs-arg.firstline.txt $P -top -nodecount
	rec bad-bool.firstline.txt $P -top=maybe ../kinds/cpu.pb.gz
	# -call_tree with -callgrind: a node per call path, callees named
	# "F [K/N]" when F is called from N places (the profiles where pprof
	# orders the nodes the same way each run: it leaves ties to its maps)
	rec block.callgrind.call_tree.txt $P -callgrind -call_tree ../kinds/block.pb.gz
	rec mutex.callgrind.call_tree-cum.txt $P -callgrind -call_tree -cum ../kinds/mutex.pb.gz
	rec labels.callgrind.call_tree.txt $P -callgrind -call_tree ../labels/cpu.pb.gz
	rec goroutine.callgrind.call_tree-noinlines.txt $P -callgrind -call_tree -noinlines ../labels/goroutine.pb.gz
	rec block.callgrind.call_tree-mean.txt $P -callgrind -call_tree -mean ../kinds/block.pb.gz
	# -raw of a merge with filters: pprof merges, then filters (the merge's
	# ids; the locations the filters leave unused stay in its table)
	rec heap-allocs.raw.focus.txt $P -raw -focus=main ../heap/heap.pb.gz ../heap/allocs.pb.gz
	rec heap-allocs.raw.hide-tagleaf.txt $P -raw -hide=runtime -tagleaf=bytes ../heap/heap.pb.gz ../heap/allocs.pb.gz
	rec heap2.raw.focus-diff_base.txt $P -raw -focus=main -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
	rec labels.raw.tagfocus-merged.txt $P -raw -tagfocus=handler=/api/users ../labels/cpu.pb.gz ../labels/cpu.pb.gz
	# -top with -divide_by and -edgefraction (which decides the "(inline)" labels)
	rec cpu.top.divide_by.txt $P -top -divide_by=3 ../kinds/cpu.pb.gz
	rec heap.top.divide_by-unit.txt $P -top -divide_by=0.5 -unit=kb -nodecount=5 ../heap/heap.pb.gz
	rec cpu.top.edgefraction.txt $P -top -edgefraction=0.3 ../kinds/cpu.pb.gz
	rec zero-divisor.firstline.txt $P -top -divide_by=0 ../kinds/cpu.pb.gz
	sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
	echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
}

# ---------------------------------------------------------------- pprofdot
# go tool pprof -dot on the committed profiles of every kind, recorded with
# Go 1.26's pprof (testdata/pprofdot) and Go 1.19's (testdata/pprofdot119,
# over go1.19's own profiles too): tests/golden/pprof-dot.sh replays both
# INDEXes with `coroner pprof` and compares -svg/-png with Graphviz's dot
# run on these outputs. A *.stdout.txt output is pprof's stdout alone (the
# legacy profiles: pprof's stderr says it found no binaries to symbolize).
do_pprofdot() {
	log pprofdot
	local G f n r D P
	for r in 1.26 1.19; do
		G=/usr/lib/go-$r/bin/go
		[ "$r" = 1.26 ] && G=${PPROF_GO:-/usr/local/go/bin/go}
		[ -x "$G" ] || { log "pprofdot: no $G, skipped"; continue; }
		D=$TD/pprofdot; [ "$r" = 1.19 ] && D=$TD/pprofdot119
		rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
		hdr_index
		P="$G tool pprof"
		for f in ../kinds/cpu.pb.gz ../kinds/block.pb.gz ../kinds/mutex.pb.gz ../heap/heap.pb.gz \
			../heap/allocs.pb.gz ../goroutines/goroutine.1.pb.gz ../labels/cpu.pb.gz ../labels/goroutine.pb.gz; do
			n=$(basename "$(dirname "$f")").$(basename "$f" .pb.gz)
			rec "$n.dot.txt" $P -dot "$f"
		done
		if [ "$r" = 1.19 ]; then
			for f in ../gorel/go1.19/before/heap.pb.gz ../gorel/go1.19/before/goroutine.pb.gz; do
				rec "go119.$(basename "$f" .pb.gz).dot.txt" $P -dot "$f"
			done
			rec heap.dot.nodecount5-cum.txt $P -dot -nodecount=5 -cum ../heap/heap.pb.gz
		else
			rec before.goroutineleak.dot.txt $P -dot ../gorel/go1.26/before/goroutineleak.pb.gz
			rec allocs.dot.nodecount5.txt $P -dot -nodecount=5 ../heap/allocs.pb.gz
			rec cpu.dot.cum-lines.txt $P -dot -nodecount=8 -cum -lines ../kinds/cpu.pb.gz
			rec cpu.dot.focus.txt $P -dot -focus=sort ../kinds/cpu.pb.gz
			rec allocs.dot.hide.txt $P -dot -hide=runtime ../heap/allocs.pb.gz
			rec heap2.dot.diff_base.txt $P -dot -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
			rec allocs.dot.fractions.txt $P -dot -nodefraction=0.05 -edgefraction=0.02 ../heap/allocs.pb.gz
			rec allocs.dot.unit-divide.txt $P -dot -unit=MB -divide_by=2 ../heap/allocs.pb.gz
			rec heap.dot.notrim.txt $P -dot -trim=false ../heap/heap.pb.gz
			rec cpu.dot.addresses.txt $P -dot -addresses ../kinds/cpu.pb.gz
			rec cpu.dot.noinlines.txt $P -dot -noinlines ../kinds/cpu.pb.gz
			rec heap.dot.compact-alloc_space.txt $P -dot -compact_labels -sample_index=alloc_space ../heap/heap.pb.gz
			rec goroutine.dot.tagfocus.txt $P -dot -tagfocus=handler=/api/users ../labels/goroutine.pb.gz
			rec labels.dot.nodecount3.txt $P -dot -nodecount=3 ../labels/cpu.pb.gz
			rec heap-allocs.dot.txt $P -dot ../heap/heap.pb.gz ../heap/allocs.pb.gz
			# -mean: nodes, edges and tags (label and numeric) as means
			rec block.dot.mean.txt $P -dot -mean ../kinds/block.pb.gz
			rec labels.dot.mean.txt $P -dot -mean ../labels/cpu.pb.gz
			rec goroutine.dot.mean.txt $P -dot -mean ../labels/goroutine.pb.gz
			rec allocs.dot.mean-alloc_space.txt $P -dot -mean -sample_index=alloc_space ../heap/allocs.pb.gz
			rec heap2.dot.mean-diff_base.txt $P -dot -mean -diff_base=../heap/heap.pb.gz ../heap/heap2.pb.gz
			rec goroutine.dot.mean-call_tree.txt $P -dot -mean -call_tree ../labels/goroutine.pb.gz
			# -call_tree: pprof orders nodes and edges that tie (one function on
			# two paths) as its maps give them, so those outputs (*.unordered.txt)
			# are compared with the node ids replaced by the nodes and lines sorted
			rec labels.dot.call_tree.txt $P -dot -call_tree ../labels/cpu.pb.gz
			rec goroutine.dot.call_tree-nodecount10.txt $P -dot -call_tree -nodecount=10 ../labels/goroutine.pb.gz
			rec allocs.dot.call_tree-nodecount10.txt $P -dot -call_tree -nodecount=10 ../heap/allocs.pb.gz
			rec cpu.dot.call_tree.unordered.txt $P -dot -call_tree ../kinds/cpu.pb.gz
			rec heap.dot.call_tree.unordered.txt $P -dot -call_tree ../heap/heap.pb.gz
			for f in cppbench.cpu cppbench.heap cppbench.contention cppbench.growth java.cpu go.crc32.cpu; do
				$P -dot "../legacy/$f" >"expected/legacy.$f.dot.stdout.txt" 2>/dev/null
				printf '%s\t%s\n' "legacy.$f.dot.stdout.txt" "$P -dot ../legacy/$f" >>expected/INDEX
			done
		fi
		sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
		echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
	done
	return 0
}

# ---------------------------------------------------------------- main
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(heap kinds goroutines mem capture bin core2 retain panic ccore bigprofile flame labels oom gover go123 generics oldinline pasted contention legacy race scavtrace gctrace pprofcmd pprofdot)
for s in "${sections[@]}"; do
	"do_$s"
done
log done
