#!/bin/sh
# coroner merge against pprof's own merge of the same files:
# 1. `coroner top` of the written merge prints what `go tool pprof -top` printed
#    for the three files given together (recorded in testdata/heap/expected);
# 2. merging merges gives the merge of all: merge(merge(a,b),c) is the same
#    file as merge(a,b,c), and merge(a,merge(b,c)) reads the same;
# 3. if Go 1.19 (the release that wrote the fixtures) is here: its pprof reads
#    the written merge with the recorded rows, and its -raw samples equal those
#    of its own `go tool pprof -proto a b c` (ids and order aside);
# 4. errors: no -o, different sample types; a failed merge leaves no file.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
. "$TESTS/go-release.sh"
GO=$(go_release 1.19) || GO=""
d=$TESTDATA/heap
want_file=$d/expected/merge.heap-heap2-allocs.top.txt
[ -f "$want_file" ] || { echo "SKIP: no reference"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { if [ "$1" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
# the reference is the pprof of Go 1.19, which wrote the heap fixtures
top() { "$CORONER" --pprof-release=1.19 top --nodefraction=0 --nodecount=25 --unit=B "$@" | sed -n '/^Type:/,$p'; }
want=$(sed -n '/^Type:/,$p' "$want_file")

"$CORONER" merge -o "$tmp/abc.pb.gz" "$d/heap.pb.gz" "$d/heap2.pb.gz" "$d/allocs.pb.gz" > "$tmp/out" || check bad "merge exit"
grep -q '^merged 3 profiles: ' "$tmp/out" && check ok || check bad "merge summary: $(cat "$tmp/out")"
got=$(top "$tmp/abc.pb.gz")
if [ "$got" = "$want" ]; then check ok; else check bad "top of the merge != pprof's top of the three"; printf '%s\n' "$got" | head -5; fi
# top over the three files merges them the same way
got=$(top "$d/heap.pb.gz" "$d/heap2.pb.gz" "$d/allocs.pb.gz")
if [ "$got" = "$want" ]; then check ok; else check bad "top of three files != pprof's"; fi

# associativity
"$CORONER" merge -o "$tmp/ab.pb.gz" "$d/heap.pb.gz" "$d/heap2.pb.gz" > /dev/null || check bad "merge ab exit"
"$CORONER" merge -o "$tmp/ab_c.pb.gz" "$tmp/ab.pb.gz" "$d/allocs.pb.gz" > /dev/null || check bad "merge (ab)c exit"
cmp -s "$tmp/ab_c.pb.gz" "$tmp/abc.pb.gz" && check ok || check bad "merge(merge(a,b),c) is not the file merge(a,b,c)"
"$CORONER" merge -o "$tmp/bc.pb.gz" "$d/heap2.pb.gz" "$d/allocs.pb.gz" > /dev/null || check bad "merge bc exit"
"$CORONER" merge -o "$tmp/a_bc.pb.gz" "$d/heap.pb.gz" "$tmp/bc.pb.gz" > /dev/null || check bad "merge a(bc) exit"
for idx in inuse_space alloc_objects; do
	a=$("$CORONER" top -i $idx --format=json --nodefraction=0 "$tmp/a_bc.pb.gz")
	b=$("$CORONER" top -i $idx --format=json --nodefraction=0 "$tmp/abc.pb.gz")
	if [ "$a" = "$b" ] && [ -n "$a" ]; then check ok; else check bad "merge(a,merge(b,c)) top $idx != merge(a,b,c)"; fi
done

if [ -n "$GO" ]; then
	got=$("$GO" tool pprof -top -nodefraction=0 -nodecount=25 -unit=B "$tmp/abc.pb.gz" 2>/dev/null | sed -n '/^Type:/,$p')
	if [ "$got" = "$want" ]; then check ok; else check bad "go tool pprof -top of the written merge"; fi
	"$GO" tool pprof -proto "$d/heap.pb.gz" "$d/heap2.pb.gz" "$d/allocs.pb.gz" > "$tmp/theirs.pb.gz" 2>/dev/null
	for f in abc a_bc theirs; do
		"$GO" tool pprof -raw "$tmp/$f.pb.gz" 2>/dev/null | awk -f "$TESTS/golden/raw-normalize.awk" | sort > "$tmp/$f.raw"
	done
	if [ -s "$tmp/abc.raw" ] && cmp -s "$tmp/abc.raw" "$tmp/theirs.raw"; then check ok; else check bad "-raw of the merge != pprof -proto's"; diff "$tmp/abc.raw" "$tmp/theirs.raw" | head -5; fi
	cmp -s "$tmp/a_bc.raw" "$tmp/theirs.raw" && check ok || check bad "-raw of merge(a,merge(b,c)) != pprof -proto's"
else
	echo "note: no Go 1.19 toolchain, live pprof checks skipped"
fi

# errors
"$CORONER" merge "$d/heap.pb.gz" > /dev/null 2>&1; [ $? = 2 ] && check ok || check bad "merge without -o is not a usage error"
g=$TESTDATA/goroutines/goroutine.1.pb.gz; [ -f "$g" ] || g=""
if [ -n "$g" ]; then
	if "$CORONER" merge -o "$tmp/bad.pb.gz" "$d/heap.pb.gz" "$g" > /dev/null 2> "$tmp/err"; then
		check bad "merge of a heap profile and a goroutine dump succeeded"
	else
		grep -q "sample types differ" "$tmp/err" && check ok || check bad "message: $(cat "$tmp/err")"
		[ ! -e "$tmp/bad.pb.gz" ] && [ -z "$(ls "$tmp" | grep '\.tmp\.')" ] && check ok || check bad "failed merge left a file"
	fi
fi
# many files are read on several threads: a bad one among them is still the
# one error reported, and nothing is written
printf 'not a profile\n' > "$tmp/bad.pb"
set -- "$d/heap.pb.gz" "$d/heap2.pb.gz" "$d/heap.pb.gz" "$d/heap2.pb.gz" "$tmp/bad.pb" "$d/heap.pb.gz" "$d/heap2.pb.gz" "$tmp/missing.pb.gz"
"$CORONER" merge -o "$tmp/many.pb.gz" "$@" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "bad.pb" "$tmp/err" && [ ! -e "$tmp/many.pb.gz" ] &&
	check ok || check bad "bad file among many: exit $rc, $(cat "$tmp/err")"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
