#!/bin/sh
# coroner mem on partial inputs: every subset gives the ledger it can, and
# names what it could not read with the reason.
#  - the cgroup's memory.stat alone: RSS = anonymous + page cache as the file
#    says (v1: total_rss + total_cache, read with awk);
#  - a pure-Go OOM (testdata/oom: status, gctrace, the cgroup's files): the
#    Go heap is the gctrace's last GC (the larger of its "A->B" heap sizes,
#    MB = 2^20 bytes, read with awk), and no finding blames cgo;
#  - a file that is no gctrace: exit 0, named under "not read" with why;
#    `report` names the capture after a usable file and says why the other
#    is not usable.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
[ -f "$TESTDATA/oom/gctrace.txt" ] && [ -f "$TESTDATA/mem/memory.stat" ] || { echo "SKIP: no testdata"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
jnum() { sed -n "s/^  \"$1\": \([0-9-]*\),*$/\1/p" "$2" | head -1; }
comp_bytes() { awk -v n="\"$1\"," '$1 == "\"name\":" && $2 == n { getline; gsub(/[^0-9-]/, "", $2); print $2; exit }' "$2"; }

# the cgroup's memory.stat alone
M="$TESTDATA/mem/memory.stat"
want=$(awk '$1 == "total_rss" { r = $2 } $1 == "total_cache" { c = $2 } END { print r + c }' "$M")
"$CORONER" mem --format=json --memory-stat "$M" > "$T/j" 2> "$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "memory.stat alone: exit $rc: $(cat "$T/err")"
[ "$(jnum rss "$T/j")" = "$want" ] && ok || ko "memory.stat alone: rss $(jnum rss "$T/j"), want $want"
grep -q '"rss_source": "cgroup memory.stat' "$T/j" && ok || ko "memory.stat alone: source not said"

# a pure-Go OOM: status + gctrace + cgroup
O="$TESTDATA/oom"
mkdir "$T/cg" && cp "$O"/memory.* "$T/cg/"
mb=$(awk '/^gc [0-9]+ @/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+->[0-9]+->[0-9]+$/) { split($i, h, "->"); m = h[1] > h[2] ? h[1] : h[2] } } END { print m }' "$O/gctrace.txt")
"$CORONER" mem --format=json --status "$O/status" --gctrace "$O/gctrace.txt" --cgroup "$T/cg" > "$T/j" 2> "$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "oom: exit $rc: $(cat "$T/err")"
[ "$(comp_bytes go_heap_inuse "$T/j")" = "$((mb * 1048576))" ] && ok ||
	ko "oom: go_heap_inuse $(comp_bytes go_heap_inuse "$T/j"), want the gctrace's $mb MB"
grep -q '"source": "gctrace: ' "$T/j" && ok || ko "oom: the estimate's source not said"
grep -q '"id": "non_go_anon"' "$T/j" && ko "oom: blames cgo for a pure-Go heap" || ok
"$CORONER" mem --status "$O/status" --gctrace "$O/gctrace.txt" --cgroup "$T/cg" > "$T/t" 2>&1
grep -qi "cgo" "$T/t" && ko "oom text: $(grep -i cgo "$T/t")" || ok

# an input that cannot be read: named with its reason, the rest used
printf 'not a gc trace\n' > "$T/bad.log"
"$CORONER" mem --format=json --status "$O/status" --gctrace "$T/bad.log" > "$T/j" 2> "$T/err"; rc=$?
[ $rc = 0 ] && ok || ko "bad gctrace: exit $rc: $(cat "$T/err")"
grep -q "not read: .*bad.log: gctrace: " "$T/err" && ok || ko "bad gctrace: stderr $(cat "$T/err")"
tr -d '\n' < "$T/j" | grep -q '"not_read": \[ *"[^"]*bad.log: gctrace: [^"]*" *\]' && ok || ko "bad gctrace: not_read in JSON"
"$CORONER" mem --status "$O/status" --gctrace "$T/bad.log" --memory-stat "$T/none" > "$T/t" 2> "$T/err"; rc=$?
[ $rc = 0 ] && [ "$(sed -n '/^not read/,$p' "$T/t" | grep -c 'bad.log\|none')" = 2 ] && ok ||
	ko "two unreadable inputs: exit $rc, $(cat "$T/t")"
"$CORONER" mem --gctrace "$T/bad.log" --memory-stat "$T/none" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && [ "$(grep -c 'bad.log\|none' "$T/err")" = 2 ] && ok || ko "nothing readable: exit $rc, $(cat "$T/err")"
"$CORONER" report "$T/bad.log" "$O/status" "$O/gctrace.txt" > "$T/r" 2> /dev/null
grep -q "^  1\. .*status" "$T/r" && ok || ko "report: capture named after $(sed -n 2p "$T/r")"
grep -q "not usable: .*bad.log: " "$T/r" && ok || ko "report: the unusable file's reason: $(head -4 "$T/r")"
echo "$pass checks, $fail failed"
[ $fail = 0 ]
