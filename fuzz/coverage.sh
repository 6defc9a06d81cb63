#!/bin/sh
# Line coverage of our parser code reached by replaying each fuzz corpus
# (and its regression files), with llvm-cov-14. Needs a build made with
#   CC=clang-14 meson setup BUILD -Db_lundef=false \
#     -Dc_args='-fprofile-instr-generate -fcoverage-mapping' \
#     -Dc_link_args='-fprofile-instr-generate'
# usage: fuzz/coverage.sh BUILD [TARGET...]   (default: every replay-* in BUILD/fuzz)
# env: EXTRA_CORPUS=DIR also replays DIR/TARGET (e.g. a campaign's
#      /tmp/fz-work, whose corpora are larger than the committed ones)
set -eu
build=${1:?usage: coverage.sh BUILD [TARGET...]}
shift
top=$(cd "$(dirname "$0")/.." && pwd)
out=$build/fuzz-coverage
mkdir -p "$out"
if [ $# = 0 ]; then
	set -- $(cd "$build/fuzz" && ls -d replay-* | grep -v '\.p$' | sed 's/^replay-//')
fi
for t in "$@"; do
	rm -f "$out/$t".*.profraw
	LLVM_PROFILE_FILE="$out/$t.%p.profraw" "$build/fuzz/replay-$t" \
		"$top/fuzz/corpus/$t" "$top/fuzz/regress/$t" ${EXTRA_CORPUS:+"$EXTRA_CORPUS/$t"} >/dev/null 2>&1 || true
	llvm-profdata-14 merge -sparse "$out/$t".*.profraw -o "$out/$t.profdata"
	echo "== $t"
	# lib/ files this target reached at all (skip 0% rows: other parsers)
	llvm-cov-14 report "$build/fuzz/replay-$t" -instr-profile="$out/$t.profdata" \
		2>/dev/null |
	awk '$1 ~ /^(\.\.\/)?lib\/.*\.c$/ && $8 - $9 > 0 {
		printf "  %-34s lines %5d / %-5d %s\n", $1, $8 - $9, $8, $10 }'
done
