#!/bin/sh
# coroner net and report on testdata/net/transport (a Transport per request
# against a server that keeps idle connections), against references
# computed from the captured files (testdata/net/transport/expected/INDEX):
# idle dialed ESTABLISHED sockets = an awk over the kernel's tables joined
# with the fd listing's inodes, read loops and their IO wait minutes = the
# dump's own headers; and that the body-leak captures (testdata/net) do not
# name a Transport per request.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/net/transport"
E="$D/expected"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
eq() { [ "$1" = "$2" ] && ok || ko "$3: got '$1', want '$2'"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$CORONER" net --format=json "$D/before" "$D/after" > "$T/j" 2>"$T/err" || ko "net: exit $?"
[ -s "$T/err" ] && ko "warnings: $(head -3 "$T/err")"
for c in 0 1; do
	n=$([ $c = 0 ] && echo before || echo after)
	q=".captures[$c]"
	eq "$(jq -r "$q.tcp.idle_established" "$T/j")" "$(cat "$E/$n.idle.count")" "$n idle ESTABLISHED"
	eq "$(jq -r "[$q.tcp.endpoints[] | .idle // 0] | max" "$T/j")" "$(cat "$E/$n.idle.top_remote.count")" "$n idle to the top remote"
	eq "$(jq -r "$q.goroutines_total" "$T/j")" "$(cat "$E/$n.goroutines.count")" "$n goroutines"
	eq "$(jq -r "$q.http_client.read_loops, $q.http_client.read_loops_io_wait" "$T/j" | tr '\n' ' ')" \
		"$(cat "$E/$n.readloop.count") $(cat "$E/$n.readloop_io_wait.count") " "$n read loops (IO wait)"
done
eq "$(jq -r '.http_client.io_wait_max_minutes' "$T/j")" "$(cat "$E/after.readloop_io_wait.max_minutes")" "IO wait minutes"
eq "$(jq -r '.tcp.byte_order' "$T/j")" little "byte order of an x86-64 capture"

# report: conn_leak names a Transport per request, with the references' numbers
"$CORONER" report --format=json "$D/before" "$D/after" > "$T/r" 2>"$T/err" || ko "report: exit $?"
fq() { jq -r ".findings[] | select(.kind == \"$1\") | $2" "$T/r"; }
eq "$(fq conn_leak .subject)" "$(cat "$E/after.listener")" "conn_leak subject: the server's listener (lsof)"
eq "$(fq conn_leak '.evidence.idle_established_first, .evidence.idle_established' | tr '\n' ' ')" \
	"$(cat "$E/before.idle.count") $(cat "$E/after.idle.count") " "conn_leak idle counts"
eq "$(fq conn_leak '.evidence.remote_idle_first, .evidence.remote_idle, .evidence.kept_idle' | tr '\n' ' ')" \
	"$(cat "$E/before.idle.top_remote.count") $(cat "$E/after.idle.top_remote.count") $(cat "$E/kept.idle.count") " \
	"conn_leak per remote, kept"
eq "$(fq conn_leak .evidence.read_loops_io_wait)" "$(cat "$E/after.readloop_io_wait.count")" "conn_leak read loops in IO wait"
fq conn_leak .evidence.cause | grep -q "^a Transport per request: " && ok || ko "cause: $(fq conn_leak .evidence.cause)"
fq conn_leak .summary | grep -q "(a Transport per request)" && ok || ko "summary: $(fq conn_leak .summary)"
[ -z "$(fq fd_exhaustion .kind)" ] && ok || ko "fd_exhaustion at 131 of 1024"
# one capture: the pattern, with its other explanation
"$CORONER" report --format=json "$D/after" > "$T/r" 2>"$T/err" || ko "report one: exit $?"
fq conn_leak .evidence.cause | grep -q "per request, or MaxIdleConnsPerHost raised" && ok || ko "one capture: $(fq conn_leak .evidence.cause)"
# the body leak is no Transport per request
"$CORONER" report --format=json "$TESTDATA/net/before" "$TESTDATA/net/after" > "$T/r" 2>"$T/err" || ko "report bodies: exit $?"
fq conn_leak .evidence.cause | grep -q "^response bodies not closed" && ok || ko "bodies: $(fq conn_leak .evidence.cause)"
fq conn_leak '.summary, .evidence.cause' | grep -q -i "transport per request" && ko "bodies named a Transport per request" || ok

# ss alone (-tanpio: timers and lastsnd/lastrcv): the same idle sockets,
# counted over the whole table (no fd listing); reference: ss's own rows
want=$(zstdcat "$D/after/ss.txt.zst" | awk '
	$1 == "LISTEN" { n = split($4, a, ":"); lis[a[n]] = 1; next }
	$1 == "ESTAB" && $2 == 0 && $3 == 0 && $0 !~ /timer:\((on|persist),/ { est[$4] = 1; cur = $4; next }
	/^[ \t]/ && cur != "" { if (match($0, /lastsnd:[0-9]+/)) s = substr($0, RSTART + 8, RLENGTH - 8) + 0; else s = -1
		if (match($0, /lastrcv:[0-9]+/)) r = substr($0, RSTART + 8, RLENGTH - 8) + 0; else r = -1
		if ((s >= 0 && s < 1000) || (r >= 0 && r < 1000)) delete est[cur]; cur = ""; next }
	{ cur = "" }
	END { for (k in est) { n = split(k, a, ":"); if (!(a[n] in lis)) c++ } print c + 0 }')
"$CORONER" net --format=json "$D/after/ss.txt.zst" > "$T/j" 2>"$T/err" || ko "ss: exit $?"
eq "$(jq -r '.tcp.source, .tcp.idle_established' "$T/j" | tr '\n' ' ')" "ss $want " "ss alone: idle"

# ss and the dumps only (no inodes: a connection is its local address)
"$CORONER" report --format=json "$D/before/ss.txt.zst" "$D/before/goroutine.txt.zst" \
	"$D/after/ss.txt.zst" "$D/after/goroutine.txt.zst" > "$T/r" 2>"$T/err" || ko "report ss: exit $?"
eq "$(fq conn_leak '.evidence.remote_idle_first, .evidence.remote_idle, .evidence.kept_idle' | tr '\n' ' ')" \
	"$(cat "$E/before.idle.top_remote.count") $(cat "$E/after.idle.top_remote.count") $(cat "$E/kept.idle.count") " \
	"ss: conn_leak per remote, kept"
fq conn_leak .evidence.cause | grep -q "^a Transport per request: " && ok || ko "ss: cause: $(fq conn_leak .evidence.cause)"

echo "transport: $pass passed, $fail failed"
[ "$fail" = 0 ]
