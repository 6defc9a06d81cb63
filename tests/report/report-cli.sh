#!/bin/sh
# coroner report through the CLI on the bundled capture: the headlines name
# what testdata/capture/README.md says the program does (goroutines leak in
# main.(*session).awaitReply; C memory held through cgo malloc), the JSON
# follows the contract, text fits 80 columns, and usage/bad input exit codes.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
cap=$TESTDATA/capture
[ -d "$cap/before" ] || { echo "SKIP: no testdata/capture"; exit 77; }
tmp=${TMPDIR:-/tmp}/report-cli.$$
mkdir -p "$tmp"; trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then :; else echo "FAIL: $1"; fail=1; fi; }

(cd "$cap" && "$CORONER" report before after) >"$tmp/text" 2>"$tmp/err"; rc=$?
check "text exits 0 (got $rc)" '[ $rc = 0 ]'
check "goroutine_leak headline" 'grep -Eq "^HIGH +goroutine_leak +main\.\(\*session\)\.awaitReply$" "$tmp/text"'
check "rss_gap headline" 'grep -Eq "^(HIGH|MEDIUM) +rss_gap +non_go_anon$" "$tmp/text"'
check "leak counts from the dumps" 'grep -q "(200 -> 1000)" "$tmp/text"'
check "summary line" 'tail -1 "$tmp/text" | grep -Eq "^[0-9]+ findings \(.*\) in 2 captures"'
check "80 columns" '[ "$(awk "length > 80" "$tmp/text" | wc -l)" = 0 ]'
check "no colour without a tty" '! grep -q "$(printf "\033")" "$tmp/text"'

# -o FILE: the same text, written atomically (a failed run keeps the file)
(cd "$cap" && "$CORONER" report -o "$tmp/text.o" before after) 2>/dev/null; rc=$?
check "text -o exits 0 (got $rc)" '[ $rc = 0 ]'
check "text -o = stdout" 'cmp -s "$tmp/text" "$tmp/text.o"'
"$CORONER" report -o "$tmp/text.o" "$tmp/nosuch" 2>/dev/null
check "failed text -o keeps the old file" 'cmp -s "$tmp/text" "$tmp/text.o"'

"$CORONER" report --format=json "$cap/before" "$cap/after" >"$tmp/json" 2>/dev/null; rc=$?
check "json exits 0" '[ $rc = 0 ]'
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"captures", "findings"}, d.keys()
assert len(d["captures"]) == 2
for f in d["findings"]:
    assert set(f) == {"kind", "subject", "severity", "summary", "evidence"}, f.keys()
    assert f["severity"] in ("high", "medium", "low")
    assert isinstance(f["evidence"], dict) and f["summary"]
got = {(f["kind"], f["subject"]) for f in d["findings"]}
assert ("goroutine_leak", "main.(*session).awaitReply") in got, got
assert ("rss_gap", "non_go_anon") in got, got
sev = ["high", "medium", "low"]
ranks = [sev.index(f["severity"]) for f in d["findings"]]
assert ranks == sorted(ranks), ranks
PY
else
	check "json has the leak" 'grep -q "\"subject\": \"main.(\*session).awaitReply\"" "$tmp/json"'
fi

# two shell globs: a file whose role and format repeat starts the second capture
(cd "$cap" && "$CORONER" report -q before/* after/*) >"$tmp/glob" 2>/dev/null
check "globs: two captures" 'grep -q "in 2 captures" "$tmp/glob"'
check "globs: leak" 'grep -Eq "goroutine_leak +main\.\(\*session\)\.awaitReply" "$tmp/glob"'

# loose files, grouped into two captures by kind
"$CORONER" report -q "$cap/before/goroutine.txt" "$cap/before/status" "$cap/after/goroutine.txt" \
	"$cap/after/status" >"$tmp/files" 2>/dev/null
check "file lists: two captures" 'grep -q "in 2 captures" "$tmp/files"'
check "file lists: leak" 'grep -Eq "goroutine_leak +main\.\(\*session\)\.awaitReply" "$tmp/files"'

# a capture of odds and ends: empty file, random bytes, a FIFO (never read),
# a truncated gzip, and one usable file: the rest are skipped with a warning
mkdir "$tmp/odd"
: >"$tmp/odd/empty"
printf 'not a profile \001\002\003' >"$tmp/odd/garbage"
head -c 100 "$cap/after/heap.pb.gz" >"$tmp/odd/cut.pb.gz"
mkfifo "$tmp/odd/fifo" 2>/dev/null || true
cp "$cap/after/status" "$tmp/odd/status"
timeout 20 "$CORONER" report "$tmp/odd" >"$tmp/odd.out" 2>"$tmp/odd.err"; rc=$?
check "odd capture: exit 0 (got $rc)" '[ $rc = 0 ]'
check "odd capture: truncated gzip warned" 'grep -q "cut.pb.gz" "$tmp/odd.err"'
check "odd capture: status alone is no high rss_gap" '! grep -Eq "^HIGH +rss_gap" "$tmp/odd.out"'

# the next steps that are coroner commands run as printed (their --focus
# patterns are regexes: a Go name's "(*T)" must come escaped), and focus on
# the finding's subject; pprof takes the same pattern
if command -v python3 >/dev/null 2>&1; then
	(cd "$cap" && "$CORONER" report --format=json before after) >"$tmp/nx.json" 2>/dev/null
	python3 - "$tmp/nx.json" >"$tmp/nx" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    n = f["evidence"].get("next_step", "")
    if n.startswith("coroner top"):
        print(f["subject"] + "\t" + n.split("  (")[0])
PY
	[ -s "$tmp/nx" ] || { echo "FAIL: no coroner top next step"; fail=1; }
	while IFS='	' read -r subj cmd; do
		out=$(cd "$cap" && eval "\"\$CORONER\" ${cmd#coroner }" 2>&1); rc=$?
		check "next step runs: $cmd (exit $rc: $(echo "$out" | head -2))" '[ $rc = 0 ]'
		check "next step focuses on $subj" 'echo "$out" | grep -qF "$subj"'
		if command -v go >/dev/null 2>&1; then
			pat=$(echo "$cmd" | sed -n "s/.*--focus='\([^']*\)'.*/\1/p")
			f=$(echo "$cmd" | tr ' ' '\n' | grep '\.pb\.gz$' | tail -1)
			(cd "$cap" && PPROF_TMPDIR=$tmp go tool pprof -top -focus="$pat" "$f" >/dev/null 2>&1)
			check "pprof takes the pattern $pat" '[ $? = 0 ]'
		fi
	done <"$tmp/nx"
fi

"$CORONER" report >/dev/null 2>&1; rc=$?
check "no argument: exit 2 (got $rc)" '[ $rc = 2 ]'
"$CORONER" report "$tmp/nonexistent" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file: exit 1 (got $rc)" '[ $rc = 1 ] && grep -q "nonexistent" "$tmp/err"'
"$CORONER" report "$cap/README.md" >/dev/null 2>"$tmp/err"; rc=$?
check "nothing readable: exit 1 (got $rc)" '[ $rc = 1 ]'
"$CORONER" report --help | grep -q "^usage: coroner report"; check "--help" '[ $? = 0 ]'
[ "$fail" = 0 ] && echo ok
exit $fail
