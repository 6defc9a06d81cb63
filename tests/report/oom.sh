#!/bin/sh
# The cgroup's OOM kill (testdata/oom: oomprog killed by its 64 MiB memory
# cgroup, regen.sh section "oom"). Every number comes from the cgroup's own
# files, the process's status, the heap text's MemStats, or the kernel's log
# of the kill (expected/kernel-oom.txt):
#  - report: the first finding is oom_kill, with the oom_kill count of
#    memory.oom_control / memory.events, the limit, peak and failcnt files,
#    the last capture's VmRSS and HeapInuse;
#  - the kernel killed the pid that the capture's status names (the capture
#    is of the process that died), and the exit status was SIGKILL's 137;
#  - mem --cgroup DIR and mem on the capture directory report the same
#    cgroup fields as JSON;
#  - bad control files give one line naming the file, exit 1.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D=$TESTDATA/oom
[ -d "$D" ] || { echo "SKIP: no testdata/oom"; exit 77; }
fail=0
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
no() { echo "FAIL: $*"; fail=1; }
jget() { python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k) if d is not None else None
print("null" if d is None else d)' "$@"; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }

if [ -e "$D/memory.oom_control" ]; then
	kills=$(awk '$1=="oom_kill"{print $2}' "$D/memory.oom_control")
	limit=$(cat "$D/memory.limit_in_bytes"); peak=$(cat "$D/memory.max_usage_in_bytes")
	hits=$(cat "$D/memory.failcnt")
else
	kills=$(awk '$1=="oom_kill"{print $2}' "$D/memory.events")
	limit=$(cat "$D/memory.max"); peak=$(cat "$D/memory.peak")
	hits=$(awk '$1=="max"{print $2}' "$D/memory.events")
fi
rss=$(( $(awk '$1=="VmRSS:"{print $2}' "$D/status") * 1024 ))
heap=$(awk '$2=="HeapInuse"{print $4}' "$D/heap.txt")
pid=$(awk '$1=="Pid:"{print $2}' "$D/status")

"$CORONER" report --format=json "$D" >"$T/r.json" 2>"$T/err" || no "report: exit $?: $(cat "$T/err")"
[ "$(jget "$T/r.json" findings.0.kind)" = oom_kill ] || no "report: first finding $(jget "$T/r.json" findings.0.kind), want oom_kill"
for kv in oom_kills:$kills limit:$limit peak:$peak limit_hits:$hits last_rss:$rss last_heap_inuse:$heap; do
	k=${kv%%:*} want=${kv#*:}
	got=$(jget "$T/r.json" findings.0.evidence.$k)
	[ "$got" = "$want" ] || no "report: oom_kill $k $got, the files say $want"
done
"$CORONER" report "$D" >"$T/r.txt" 2>&1 || no "report text: exit $?"
grep -q "^HIGH   oom_kill  cgroup" "$T/r.txt" || no "report text: no oom_kill line"

# the kernel's log names the killed pid: it is the capture's process
if [ -s "$D/expected/kernel-oom.txt" ]; then
	grep -q "Killed process $pid (oomprog)" "$D/expected/kernel-oom.txt" || no "kernel log does not name pid $pid"
fi
grep -q "exit status 137" "$D/expected/exit-status" || no "oomprog did not die of SIGKILL"

# the kernel's report (kernel.log, dmesg as printed): the killed pid and its
# anon-rss as the kernel's "Killed process" line says them
if [ -s "$D/kernel.log" ]; then
	kline=$(grep "Killed process" "$D/expected/kernel-oom.txt")
	kpid=$(echo "$kline" | sed 's/.*Killed process \([0-9]*\) .*/\1/')
	kanon=$(( $(echo "$kline" | sed 's/.*anon-rss:\([0-9]*\)kB.*/\1/') * 1024 ))
	for kv in killed_pid:$kpid anon_rss:$kanon is_capture_process:yes killed_process:oomprog; do
		k=${kv%%:*} want=${kv#*:}
		got=$(jget "$T/r.json" findings.0.evidence.$k)
		[ "$got" = "$want" ] || no "report: oom_kill $k $got, the kernel says $want"
	done
	# a capture with the kernel log and status only: the limit from the
	# report's "memory: usage NkB, limit NkB" line
	mkdir "$T/k"; cp "$D/kernel.log" "$D/status" "$T/k/"
	"$CORONER" report --format=json "$T/k" >"$T/k.json" 2>"$T/err" || no "report kernel.log: exit $?: $(cat "$T/err")"
	klimit=$(( $(sed -n 's/.* memory: usage [0-9]*kB, limit \([0-9]*\)kB.*/\1/p' "$D/kernel.log") * 1024 ))
	kusage=$(( $(sed -n 's/.* memory: usage \([0-9]*\)kB, limit.*/\1/p' "$D/kernel.log") * 1024 ))
	for kv in kind:oom_kill subject:cgroup evidence.killed_pid:$kpid evidence.limit:$klimit evidence.peak:$kusage; do
		k=${kv%%:*} want=${kv#*:}
		got=$(jget "$T/k.json" findings.0.$k)
		[ "$got" = "$want" ] || no "report kernel.log only: $k $got, the kernel log says $want"
	done
	# the report cut before its "Killed process" line: no kill, a note, exit 0
	grep -v "Killed process" "$D/kernel.log" >"$T/k/kernel.log"
	"$CORONER" report --format=json "$T/k" >"$T/k2.json" 2>"$T/err" || no "report cut kernel.log: exit $?"
	[ "$(jget "$T/k2.json" findings.0.kind)" != oom_kill ] || no "report cut kernel.log: an oom_kill without a kill line"
fi

# mem: the same cgroup figures from --cgroup DIR and from the capture dir
"$CORONER" mem --format=json --cgroup "$D" --status "$D/status" >"$T/m1.json" 2>"$T/err" || no "mem --cgroup: exit $?: $(cat "$T/err")"
"$CORONER" mem --format=json "$D" >"$T/m2.json" 2>"$T/err" || no "mem DIR: exit $?: $(cat "$T/err")"
for m in m1 m2; do
	for kv in oom_kills:$kills limit:$limit peak:$peak limit_hits:$hits; do
		k=${kv%%:*} want=${kv#*:}
		got=$(jget "$T/$m.json" cgroup.$k)
		[ "$got" = "$want" ] || no "mem ($m): cgroup $k $got, the files say $want"
	done
done
[ "$(jget "$T/m2.json" findings.0.id)" = cgroup_oom_kill ] || no "mem: first finding $(jget "$T/m2.json" findings.0.id), want cgroup_oom_kill (most severe first)"
"$CORONER" mem "$D" >"$T/m.txt" 2>&1
grep -q "OOM kills $kills" "$T/m.txt" || no "mem text: no 'OOM kills $kills'"

# bad control files: the ledger is made without them; each is named, with
# the line and what is wrong, on stderr (one line) and under "not read"
mkdir "$T/bad"; cp "$D/status" "$T/bad/"
printf 'oom_kill_disable 0\nunder_oom zero\n' >"$T/bad/memory.oom_control"
"$CORONER" mem --cgroup "$T/bad" --status "$T/bad/status" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] || no "bad memory.oom_control: exit $rc"
grep -q "not read: .*memory.oom_control: line 2: not a number" "$T/err" || no "bad memory.oom_control: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" = 1 ] || no "bad memory.oom_control: more than one line"
sed -n '/^not read/,$p' "$T/out" | grep -q "memory.oom_control: line 2: not a number" || no "bad memory.oom_control: not under 'not read'"
grep -q "^RSS .* (status VmRSS)" "$T/out" || no "bad memory.oom_control: no ledger from status"
printf '' >"$T/bad/memory.oom_control"; printf '12\n34\n' >"$T/bad/memory.max"
"$CORONER" mem --cgroup "$T/bad/memory.max" --status "$T/bad/status" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q "not read: .*memory.max: line 2: more than one value" "$T/err" || no "two values in memory.max: exit $rc: $(cat "$T/err")"
mkdir "$T/none"
"$CORONER" mem --cgroup "$T/none" --status "$D/status" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q "not read: .*no cgroup memory files" "$T/err" || no "empty cgroup dir: exit $rc: $(cat "$T/err")"
# nothing usable left: exit 1, each input named with its reason
"$CORONER" mem --cgroup "$T/none" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "no cgroup memory files" "$T/err" || no "only an empty cgroup dir: exit $rc: $(cat "$T/err")"

[ $fail = 0 ] && echo "ok"
exit $fail
