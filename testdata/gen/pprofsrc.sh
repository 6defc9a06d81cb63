#!/usr/bin/env bash
# go tool pprof's source and assembly listings (-list, -disasm) and the
# options that change its numbers, recorded on the committed profiles with
# the pprof of the Go release that wrote them:
#   testdata/pprofsrc/go1.N/expected/INDEX  (+ the outputs beside it)
# tests/golden/pprof-cmd.sh replays every command with `coroner pprof`.
# The sources pprof reads are the generators' own (testdata/gen/*), found
# through -source_path/-trim_path as the commands say.
#
#   testdata/gen/pprofsrc.sh [1.19 1.21 ... 1.27]   (default: all found)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
ROOT=$(dirname "$TD")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local PPROF_TMPDIR=$(mktemp -d) PPROF_BINARY_PATH=/nonexistent
trap 'rm -rf "$PPROF_TMPDIR"' EXIT
. "$ROOT/tests/go-release.sh"

# rec OUT CMD...: stdout+stderr of CMD into expected/OUT (and the exit
# status when not 0), the command into expected/INDEX
rec() {
	local out=$1; shift
	"$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
	local a q=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then q+=" $a"; else q+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\t%s\n' "$out" "${q# }" >>expected/INDEX
}

# every release: its own gorel profiles (relprog's sources)
release() {
	local r=$1 G P D=$TD/pprofsrc/go$1
	G=$(go_release "$r") || { echo "== no go$r: skipped" >&2; return 0; }
	echo "== go$r ($G)" >&2
	rm -rf "$D"; mkdir -p "$D/expected"; cd "$D"
	printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/. TZ=UTC.\n' >expected/INDEX
	P="$G tool pprof"
	local B=../../gorel/go$r/before S="-trim_path=relprog -source_path=../../gen/relprog"
	for k in heap allocs goroutine; do
		rec "$k.list.txt" $P -list=main $S "$B/$k.pb.gz"
	done
	rec allocs.list.noinlines.txt $P -list=main -noinlines -sample_index=alloc_space $S "$B/allocs.pb.gz"
	rec allocs.list.heuristic.txt $P -list=main.main -source_path=../../gen "$B/allocs.pb.gz"
	rec goroutine.list.missing.txt $P -list=runtime.gopark $S "$B/goroutine.pb.gz"
	# the options that change the numbers, on this release's profiles
	rec heap.tree.drop_negative.txt $P -tree -drop_negative -diff_base=$B/heap.pb.gz ../../gorel/go$r/after/heap.pb.gz
	rec heap.tree.diff_base.txt $P -tree -diff_base=$B/heap.pb.gz ../../gorel/go$r/after/heap.pb.gz
	rec goroutine.traces.prune_from.txt $P -traces -prune_from=runtime.gopark -tagshow=x "$B/goroutine.pb.gz"
	rec heap.tags.relative.txt $P -tags -relative_percentages -tagfocus=1kb: "$B/heap.pb.gz"
	rec allocs.peek.relative.txt $P -peek=main -relative_percentages -focus=main -taghide=bytes "$B/allocs.pb.gz"
	rec goroutine.tree.prune_from.txt $P -tree -prune_from=main "$B/goroutine.pb.gz"
	# -mean: the mean allocation (alloc_space over alloc_objects)
	rec allocs.top.mean.txt $P -top -mean -sample_index=alloc_space "$B/allocs.pb.gz"
	rec allocs.list.mean.txt $P -list=main -mean $S "$B/allocs.pb.gz"
	if [ "$r" = 1.19 ]; then # go1.19's contention profiles: the mean delay per event
		local C=../../contention/go1.19
		rec contention.block.tree.mean.txt $P -tree -mean $C/block.pb.gz
		rec contention.mutex.top.mean_delay.txt $P -top -mean_delay $C/mutex.pb.gz
		rec contention.block.traces.mean.txt $P -traces -mean $C/block.pb.gz
		# -raw with filters: go1.19 merges a single profile too, before it filters
		rec heap.raw.focus.txt $P -raw -focus=main "$B/heap.pb.gz"
		rec allocs-heap.raw.hide.txt $P -raw -hide=runtime "$B/allocs.pb.gz" "$B/heap.pb.gz"
	fi
	[ "$r" = 1.26 ] && more
	sed -i "s#$G tool pprof#go tool pprof#" expected/INDEX
	echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
}

# Go 1.26 (the release of testdata/pprof's recordings): the other fixtures
more() {
	local K=../../kinds H=../../heap S=-source_path=../../gen
	rec cpu.list.main.txt $P -list=main $S $K/cpu.pb.gz
	rec cpu.list.noinlines.txt $P -list=main -noinlines $S $K/cpu.pb.gz
	rec block.list.main.txt $P -list=main $S $K/block.pb.gz
	rec mutex.list.main.txt $P -list=main $S $K/mutex.pb.gz
	rec cpu.list.unit-divide.txt $P -list=main -source_path=/nonexistent:../../gen -unit=ms -divide_by=3 $K/cpu.pb.gz
	rec cpu.list.focus.txt $P -list=main -focus=sort $S $K/cpu.pb.gz
	rec cpu.list.sort.txt $P -list=sort.Ints $S $K/cpu.pb.gz
	rec cpu.list.nomatch.txt $P -list=zzz $S $K/cpu.pb.gz
	rec cpu.list.space.txt $P -list main.hashLoop $S $K/cpu.pb.gz
	rec heap.list.parent.txt $P -list=main -source_path=../../gen/heapprog $H/heap.pb.gz
	rec allocs.list.all.txt $P -list=. -noinlines -sample_index=alloc_space -source_path=../../gen/heapprog $H/allocs.pb.gz
	rec heap2.list.diff_base.txt $P -list=main $S -diff_base=$H/heap.pb.gz $H/heap2.pb.gz
	rec heap-allocs.list.merged.txt $P -list=main $S $H/heap.pb.gz $H/allocs.pb.gz
	rec labels.cpu.list.txt $P -list=main -trim_path=/x -source_path=../../gen/labelprog ../../labels/cpu.pb.gz
	rec labels.goroutine.list.txt $P -list=. $S ../../labels/goroutine.pb.gz
	rec goroutines.list.txt $P -list=main $S ../../goroutines/goroutine.1.pb.gz
	rec goroutineleak.list.txt $P -list=main -trim_path=relprog -source_path=../../gen/relprog \
		../../gorel/go1.26/before/goroutineleak.pb.gz
	# -relative_percentages, -drop_negative, -prune_from, -tagshow, -taghide
	local D="-diff_base=$H/heap.pb.gz $H/heap2.pb.gz"
	rec heap2.tree.drop_negative.txt $P -tree -drop_negative $D
	rec heap2.tree.drop_negative-nodecount.txt $P -tree -nodecount=10 -drop_negative $D
	rec heap2.peek.drop_negative.txt $P -peek=. -drop_negative $D
	rec heap2.callgrind.drop_negative.txt $P -callgrind -drop_negative $D
	rec heap2.list.drop_negative.txt $P -list=main $S -drop_negative $D
	rec cpu.tree.relative.txt $P -tree -relative_percentages -focus=sort $K/cpu.pb.gz
	rec cpu.traces.relative.txt $P -traces -relative_percentages -focus=sort $K/cpu.pb.gz
	rec heap-fixture.tags.relative.txt $P -tags -relative_percentages -tagfocus=64b: $H/heap.pb.gz
	rec cpu.list.relative.txt $P -list=main $S -relative_percentages -focus=hash $K/cpu.pb.gz
	rec cpu.callgrind.prune-relative.txt $P -callgrind -prune_from=sort -relative_percentages -focus=sort $K/cpu.pb.gz
	rec cpu.traces.prune_from.txt $P -traces -prune_from=sort.Sort $K/cpu.pb.gz
	rec cpu.tree.prune_from.txt $P -tree -prune_from=main $K/cpu.pb.gz
	rec cpu.raw.prune_from.txt $P -raw -prune_from=sort.Ints $K/cpu.pb.gz
	rec heap.tags.tagshow.txt $P -tags -tagshow=bytes $H/heap.pb.gz
	rec heap.traces.taghide.txt $P -traces -taghide=bytes $H/heap.pb.gz
	rec labels.tags.tagshow-none.txt $P -tags -tagshow=zzz ../../labels/cpu.pb.gz
	rec labels.traces.tagshow-taghide.txt $P -traces -tagshow=handler -taghide=zz ../../labels/goroutine.pb.gz
	rec heap.tree.tagshow.txt $P -tree -tagshow=bytes $H/heap.pb.gz
	rec heap.tree.taghide-focus.txt $P -tree -taghide=bytes -focus=main $H/heap.pb.gz
	rec heap.peek.tagshow.txt $P -peek=main -tagshow=x $H/heap.pb.gz
	# -tagroot/-tagleaf (label pseudo-frames) and -normalize (with a base)
	local L=../../labels
	rec labels.traces.tagroot.txt $P -traces -tagroot=handler $L/cpu.pb.gz
	rec labels.traces.tagleaf2.txt $P -traces -tagleaf=handler,tenant $L/goroutine.pb.gz
	rec labels.tree.tagroot2.txt $P -tree -tagroot=tenant,handler $L/cpu.pb.gz
	rec labels.peek.tagroot-tagleaf.txt $P -peek=. -tagleaf=handler -tagroot=tenant $L/goroutine.pb.gz
	rec labels.tree.tagroot-none.txt $P -tree -tagroot=zzz $L/cpu.pb.gz
	rec labels.tree.tagroot-focus.txt $P -tree -tagroot=handler -focus=users $L/cpu.pb.gz
	rec labels.raw.tagroot.txt $P -raw -tagroot=handler $L/cpu.pb.gz
	rec labels.callgrind.tagleaf.txt $P -callgrind -tagleaf=tenant $L/cpu.pb.gz
	rec labels.tags.tagroot.txt $P -tags -tagroot=handler $L/cpu.pb.gz
	rec labels.list.tagroot.txt $P -list=main -tagroot=handler -trim_path=/x -source_path=../../gen/labelprog $L/cpu.pb.gz
	rec heap.traces.tagroot-bytes.txt $P -traces -tagroot=bytes $H/heap.pb.gz
	rec heap.traces.tagleaf-unit.txt $P -traces -tagleaf=bytes -unit=kb $H/heap.pb.gz
	rec heap2.tree.normalize.txt $P -tree -normalize $D
	rec heap2.tree.normalize-alloc.txt $P -tree -normalize -sample_index=alloc_space $D
	rec heap2.traces.normalize-base.txt $P -traces -normalize -base=$H/heap.pb.gz $H/heap2.pb.gz
	rec heap2.peek.normalize.txt $P -peek=main -normalize $D
	rec heap2.tree.normalize-nobase.txt $P -tree -normalize $H/heap2.pb.gz
	# the same options with -top
	rec cpu.top.relative.txt $P -top -relative_percentages -focus=sort $K/cpu.pb.gz
	rec heap2.top.drop_negative.txt $P -top -drop_negative $D
	rec heap2.top.drop_negative-nodecount.txt $P -top -nodecount=4 -cum -drop_negative $D
	rec cpu.top.prune_from.txt $P -top -prune_from=sort.Sort $K/cpu.pb.gz
	rec heap.top.tagshow.txt $P -top -tagshow=bytes $H/heap.pb.gz
	rec heap.top.taghide-focus.txt $P -top -taghide=bytes -focus=main $H/heap.pb.gz
	rec labels.top.tagshow-none.txt $P -top -tagshow=zzz $L/cpu.pb.gz
	rec labels.top.tagroot.txt $P -top -tagroot=handler $L/cpu.pb.gz
	rec labels.top.tagleaf2.txt $P -top -tagleaf=handler,tenant $L/goroutine.pb.gz
	rec labels.top.tagroot-none.txt $P -top -tagroot=zzz $L/cpu.pb.gz
	rec heap.top.tagleaf-unit.txt $P -top -nodecount=8 -tagleaf=bytes -unit=kb $H/heap.pb.gz
	rec heap2.top.normalize.txt $P -top -normalize $D
	rec heap2.top.normalize-base.txt $P -top -normalize -sample_index=alloc_space -base=$H/heap.pb.gz $H/heap2.pb.gz
	rec heap2.top.normalize-nobase.txt $P -top -normalize $H/heap2.pb.gz
	rec cpu.top.trim_path.txt $P -top -lines -nodecount=6 -trim_path=profkinds $K/cpu.pb.gz
	rec cpu.top.source_path.txt $P -top -filefunctions -source_path=../../gen/profkinds $K/cpu.pb.gz
	# -raw with a base: the base's samples negated and merged in (-diff_base:
	# labelled pprof::base)
	rec heap2.raw.diff_base.txt $P -raw $D
	rec heap2.raw.base.txt $P -raw -base=$H/heap.pb.gz $H/heap2.pb.gz
	rec heap2.raw.normalize.txt $P -raw -normalize $D
	rec goroutine.raw.base.txt $P -raw -base=../../gorel/go1.26/before/goroutine.pb.gz ../../gorel/go1.26/after/goroutine.pb.gz
	# file names trimmed in the graph reports too
	rec cpu.tree.trim_path.txt $P -tree -lines -nodecount=6 -trim_path=profkinds $K/cpu.pb.gz
	rec cpu.peek.source_path.txt $P -peek=hashLoop -lines -source_path=../../gen/profkinds $K/cpu.pb.gz
	# -mean with -list: the lines' sums as they are, the total a mean
	rec block.list.mean.txt $P -list=main -mean $S $K/block.pb.gz
	rec mutex.list.mean_delay.txt $P -list=main -mean_delay $S $K/mutex.pb.gz
}

rels=("$@")
[ ${#rels[@]} -eq 0 ] && rels=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
for r in "${rels[@]}"; do release "$r"; done
