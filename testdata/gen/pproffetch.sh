#!/usr/bin/env bash
# go tool pprof's fetching of its sources, recorded with the pprof of the
# release that wrote each profile (stdout and stderr, exit status):
#   testdata/pproffetch/go1.N/  (N = 19, 22, 26)
#     threadcreate.pb.gz, threadcreate.txt  testdata/gen/threadprog's
#         threadcreate profile (debug=0, debug=1) from Go 1.N: before 1.26
#         the threads of unknown origin are a record without addresses
#         ("7 @"), which pprof's text parser refuses; Go 1.26 writes 0x0
#         pcs instead (and pads stacks with them), which pprof reads as
#         <unknown> frames
#     threadprog.gz  (1.26 only) the binary, for the text profile's pcs
#     sources pprof cannot read among others (a missing file, a directory,
#     a file that is no profile): its error lines, "Fetched N source
#     profiles out of M", "failed to fetch any source profiles"
#   testdata/pproffetch/go1.26/  also typemix's heap profile and two
#     rewrites of it with part of its sample types (testdata/gen/typemix):
#     pprof merges profiles on the sample types they share; and -topproto's
#     profiles (written to a temporary TMP/tp.pb.gz), shown by pprof -raw
# tests/golden/pprof-cmd.sh replays every command with `coroner pprof`,
# tests/golden/pprof-top.sh the -top ones (no PPROF_BINARY_PATH) with
# `coroner top`.
#
#   testdata/gen/pproffetch.sh
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$GEN")
export TZ=UTC LC_ALL=C GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOSUMDB=off
export PPROF_TMPDIR=$(mktemp -d)
W=$(mktemp -d)
trap 'rm -rf "$PPROF_TMPDIR" "$W"' EXIT
. "$GEN/../../tests/go-release.sh"
rec() { # OUT PPROF_BINARY_PATH(or -) ARGS...: pprof's stdout+stderr (and exit status)
	local out=$1 bp=$2; shift 2
	if [ "$bp" = - ]; then
		"$G" tool pprof "$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
		printf '%s\tgo tool pprof %s\n' "$out" "$*" >>expected/INDEX
	else
		PPROF_BINARY_PATH=$bp "$G" tool pprof "$@" >"expected/$out" 2>&1 </dev/null || echo "exit status $?" >>"expected/$out"
		printf '%s\tPPROF_BINARY_PATH=%s go tool pprof %s\n' "$out" "$bp" "$*" >>expected/INDEX
	fi
}
for v in 1.19 1.22 1.26; do
	G=$(go_release $v) || { echo "pproffetch: no Go $v, skipped" >&2; continue; }
	D=$TD/pproffetch/go$v
	rm -rf "$D"; mkdir -p "$D/expected"
	(cd "$GEN/threadprog" && "$G" build -trimpath -buildvcs=false -ldflags='-s -w' -o "$W/threadprog" .)
	"$W/threadprog" "$D/threadcreate.pb.gz" "$D/threadcreate.txt"
	cd "$D"
	printf '# output-file<TAB>command (POSIX shell quoting); run in the directory above expected/, with *.gz\n# binaries gunzipped under their name without .gz. TZ=UTC.\n' >expected/INDEX
	rec tc.top.txt - -top threadcreate.pb.gz
	for r in traces raw; do rec "tc.$r.txt" /nonexistent "-$r" threadcreate.pb.gz; done
	for r in top traces raw; do rec "tc.text.$r.txt" /nonexistent "-$r" threadcreate.txt; done
	if [ $v = 1.26 ]; then
		gzip -9 -n -c "$W/threadprog" >threadprog.gz
		cp "$W/threadprog" threadprog
		for r in top traces raw; do rec "tc.text.$r.bin.txt" /nonexistent "-$r" threadprog threadcreate.txt; done
	fi
	# sources that cannot be read among others, and alone
	echo 'not a profile' >garbage.txt
	rec fetch.missing.top.txt /nonexistent -top missing.pb.gz threadcreate.pb.gz
	rec fetch.missing.raw.txt /nonexistent -raw threadcreate.pb.gz missing.pb.gz threadcreate.pb.gz
	rec fetch.dir.traces.txt /nonexistent -traces expected threadcreate.pb.gz
	rec fetch.garbage.top.txt /nonexistent -top garbage.txt missing.pb.gz threadcreate.pb.gz
	rec fetch.text.top.txt /nonexistent -top threadcreate.txt threadcreate.pb.gz
	rec fetch.none.top.txt /nonexistent -top missing.pb.gz garbage.txt
	rec fetch.base.top.txt /nonexistent -top -diff_base=missing.pb.gz threadcreate.pb.gz
	if [ $v = 1.26 ]; then
		(cd "$GEN/typemix" && "$G" build -trimpath -buildvcs=false -o "$W/typemix" .)
		"$W/typemix" "$D"
		rec mix.heap-inuse.top.txt - -top heap.pb.gz inuse.pb.gz
		rec mix.inuse-heap.top.txt - -top inuse.pb.gz heap.pb.gz
		rec mix.three.top.txt - -top heap.pb.gz counts.pb.gz inuse.pb.gz
		rec mix.counts-heap.top.txt - -top -sample_index=alloc_objects counts.pb.gz heap.pb.gz
		rec mix.heap-inuse.raw.txt /nonexistent -raw heap.pb.gz inuse.pb.gz
		rec mix.three.raw.txt /nonexistent -raw heap.pb.gz counts.pb.gz inuse.pb.gz
		rec mix.heap-counts.traces.txt /nonexistent -traces heap.pb.gz counts.pb.gz
		rec mix.dropped-index.top.txt /nonexistent -top -sample_index=alloc_space heap.pb.gz inuse.pb.gz
		rec mix.heap-inuse.tree.txt /nonexistent -tree heap.pb.gz inuse.pb.gz
		# -topproto: the profile it writes, shown by -raw
		for a in "threadcreate.pb.gz" "heap.pb.gz inuse.pb.gz" "-lines -nodecount=6 heap.pb.gz" \
			"-cum -sample_index=alloc_space heap.pb.gz" "-unit=kb -addresses heap.pb.gz" \
			"../../kinds/cpu.pb.gz" "-mean_delay ../../kinds/block.pb.gz" "../../legacy/cppbench.cpu"; do
			out=topproto.$(printf '%s' "$a" | sed 's,\.\./,,g' | tr -c 'a-z0-9_.=' - | sed 's/--*/-/g; s/\.pb\.gz//g; s/^-//; s/-$//').txt
			{ PPROF_BINARY_PATH=/nonexistent "$G" tool pprof -topproto -output="$W/tp.pb.gz" $a &&
				"$G" tool pprof -raw "$W/tp.pb.gz"; } >"$W/out" 2>&1 </dev/null || echo "exit status $?" >>"$W/out"
			sed "s#$W/#TMP/#g" "$W/out" >"expected/$out"
			printf '%s\tPPROF_BINARY_PATH=/nonexistent go tool pprof -topproto -output=TMP/tp.pb.gz %s; go tool pprof -raw TMP/tp.pb.gz\n' "$out" "$a" >>expected/INDEX
		done
	fi
	rm -f threadprog
	echo "# recorded with the pprof of $("$G" version | cut -d' ' -f3)" >>expected/INDEX
	cd "$GEN"
done
