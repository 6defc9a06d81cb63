#!/bin/sh
# Race-detector reports (testdata/race, printed by raceprog built with
# -race; testdata/gen/race.sh): coroner report groups the reports by their
# pair of access stacks. Every number checked here is read from the
# runtime's own output with grep/awk (the "Found N data race(s)" trailer,
# the WARNING headers, the frames under the access lines), never from
# coroner's output.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D=$TESTDATA/race
[ -f "$D/race.txt" ] || { echo "SKIP: no testdata/race"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=${TMPDIR:-/tmp}/race-test.$$
mkdir -p "$tmp"; trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then :; else echo "FAIL: $1"; fail=1; fi; }

for f in race race-default; do
	# the runtime's references
	found=$(sed -n 's/^Found \([0-9]*\) data race(s)$/\1/p' "$D/$f.txt")
	warnings=$(grep -c '^WARNING: DATA RACE$' "$D/$f.txt")
	# per report: the innermost function under each of its two access lines
	awk '/^WARNING: DATA RACE$/ { if (k) print k; k = ""; n = 0 }
	     /^(Previous )?([Aa]tomic )?([Rr]ead|[Ww]rite) at 0x[0-9a-f]+ by / { want = 1; next }
	     want { sub(/^  /, ""); sub(/\(\)$/, ""); k = k (n++ ? "|" : "") $0; want = 0 }
	     END { if (k) print k }' "$D/$f.txt" | sort | uniq -c | sort -rn >"$tmp/$f.pairs"
	"$CORONER" report --format=json "$D/$f.txt" >"$tmp/$f.json" 2>"$tmp/$f.err"; rc=$?
	check "$f: report exits 0 (got $rc)" '[ $rc = 0 ]'
	python3 - "$tmp/$f.json" "$found" "$warnings" "$tmp/$f.pairs" "$D/$f.txt" <<'PY' || fail=1
import json, re, sys
d = json.load(open(sys.argv[1]))
found, warnings = int(sys.argv[2]), int(sys.argv[3])
text = open(sys.argv[5]).read()
races = [f for f in d["findings"] if f["kind"] == "data_race"]
assert races, d["findings"]
# every report is counted once, in the group of its pair of stacks
assert sum(f["evidence"]["reports"] for f in races) == warnings, (races, warnings)
for f in races:
    assert f["severity"] == "high"
    assert f["evidence"]["runtime_found"] == found
    acc = f["evidence"]["accesses"]
    assert len(acc) == 2 and acc[0]["access"] in ("Read", "Write") and acc[1]["access"].startswith("previous ")
# the innermost frames of the two accesses, per report, as the runtime printed them
pairs = {}
for line in open(sys.argv[4]):
    n, k = line.split(None, 1)
    key = tuple(sorted(k.strip().split("|")))
    pairs[key] = pairs.get(key, 0) + int(n)
got = {}
for f in races:
    key = tuple(sorted(r["function"] for r in f["evidence"]["stack_1"][:1] + f["evidence"]["stack_2"][:1]))
    got[key] = got.get(key, 0) + f["evidence"]["reports"]
assert got == pairs, (got, pairs)
# the main goroutine's read, where the runtime says, and the goroutine
# that wrote, created where the runtime says
m = re.search(r"^Read at 0x[0-9a-f]+ by main goroutine:\n  (\S+)\(\)\n\s+(\S+) \+0x", text, re.M)
w = re.search(r"^Previous write at 0x[0-9a-f]+ by goroutine (\d+):\n  (\S+)\(\)\n\s+(\S+) \+0x", text[m.end():], re.M)
c = re.search(r"^Goroutine %s \(finished\) created at:\n  (\S+)\(\)\n\s+(\S+) \+0x" % w.group(1), text[m.end():], re.M)
f = [f for f in races if f["subject"] == "%s vs %s" % (m.group(1), w.group(2))]
assert len(f) == 1, [x["subject"] for x in races]
ev = f[0]["evidence"]
assert ev["accesses"][0] == {"access": "Read", "goroutine": 1, "function": m.group(1), "file": m.group(2)}, ev["accesses"]
assert ev["accesses"][1]["goroutine"] == int(w.group(1)) and ev["accesses"][1]["file"] == w.group(3)
g = [x for x in ev["goroutines"] if x["goroutine"] == int(w.group(1))]
assert g == [{"goroutine": int(w.group(1)), "status": "finished", "created_by": c.group(1), "file": c.group(2)}], ev["goroutines"]
PY
done

# the same pair hit in three rounds is one finding (race.txt: 3 reports of
# the counter race, as its WARNING headers over main.(*stats).bump say)
"$CORONER" report "$D/race.txt" >"$tmp/text" 2>&1
n=$(grep -A1 -E '^Read at 0x[0-9a-f]+ by goroutine' "$D/race.txt" | grep -c '^  main\.(\*stats)\.bump()$')
check "one bump finding" '[ "$(grep -Ec "^HIGH +data_race +main\.\(\*stats\)\.bump$" "$tmp/text")" = 1 ]'
check "reported $n times" 'grep -q "reported $n times" "$tmp/text"'

# other commands say what the file is, in one line
for c in goroutines top leaks mem; do
	"$CORONER" $c "$D/race.txt" >"$tmp/out" 2>"$tmp/err"; rc=$?
	check "$c exits 1 (got $rc)" '[ $rc = 1 ]'
	check "$c names a race-detector report" '[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "is a race-detector report" "$tmp/err"'
done

# a -race build that then crashed: the race reports and the crash, from one log
P=$D/race-panic.txt
msg=$(grep '^panic: ' "$P")
warnings=$(grep -c '^WARNING: DATA RACE$' "$P")
"$CORONER" report --format=json "$P" >"$tmp/panic.json" 2>/dev/null; rc=$?
check "race-panic: report exits 0 (got $rc)" '[ $rc = 0 ]'
python3 - "$tmp/panic.json" "$msg" "$warnings" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
crash = [f for f in d["findings"] if f["kind"] == "crash"]
assert len(crash) == 1 and crash[0]["evidence"]["message"] == sys.argv[2], crash
races = [f for f in d["findings"] if f["kind"] == "data_race"]
assert sum(f["evidence"]["reports"] for f in races) == int(sys.argv[3]), races
PY
"$CORONER" goroutines "$P" >"$tmp/out" 2>&1; rc=$?
check "race-panic: goroutines reads its traceback (rc $rc)" '[ $rc = 0 ] && grep -qF "$msg" "$tmp/out"'

# hostile: control bytes in a function name are escaped, no report -> a warning
printf 'WARNING: DATA RACE\nRead at 0x1 by goroutine 2:\n  main.\033[31mevil()\n      a.go:1 +0x1\n\nPrevious write at 0x1 by goroutine 3:\n  main.g()\n      a.go:2 +0x2\n==================\n' >"$tmp/evil.txt"
"$CORONER" report "$tmp/evil.txt" >"$tmp/out" 2>&1
check "escaped in text" '! grep -q "$(printf "\033")" "$tmp/out" && grep -q "data_race" "$tmp/out"'
"$CORONER" report --format=json "$tmp/evil.txt" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "\x1b" in d["findings"][0]["subject"]' || { echo "FAIL: json round trip"; fail=1; }
printf 'WARNING: DATA RACE\nRead at 0x1 by goroutine 2:\n' >"$tmp/cut.txt"
"$CORONER" report "$tmp/cut.txt" >"$tmp/out" 2>&1; rc=$?
check "cut report: not usable, said (rc $rc)" 'grep -q "no complete" "$tmp/out"'
exit $fail
