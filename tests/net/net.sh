#!/bin/sh
# coroner net on testdata/net (a process leaking response bodies), against
# references computed from the captured files themselves
# (testdata/net/expected/INDEX): fd count = the listing's lines, limits =
# /proc/PID/limits, CLOSE_WAIT = state 08 rows of the kernel's tables (and
# of ss, netstat, lsof each alone), goroutines = the dump's headers; and
# hostile variants: truncated listings, other kernels' extra columns,
# IPv4-mapped IPv6, long lines, binary bytes.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
D="$TESTDATA/net"
E="$D/expected"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: zstd missing"; exit 77; }
fail=0 pass=0
ok() { pass=$((pass+1)); }
ko() { fail=$((fail+1)); echo "FAIL: $*"; }
eq() { [ "$1" = "$2" ] && ok || ko "$3: got '$1', want '$2'"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$CORONER" net --format=json "$D/before" "$D/after" > "$T/j" 2>"$T/err" || ko "net before after: exit $?"
[ -s "$T/err" ] && ko "warnings: $(head -3 "$T/err")"
for c in 0 1; do
	n=$([ $c = 0 ] && echo before || echo after)
	q=".captures[$c]"
	eq "$(jq -r "$q.fds.open" "$T/j")" "$(cat "$E/$n.fds.count")" "$n fds.open"
	eq "$(jq -r "$q.fds.limit_soft, $q.fds.limit_hard" "$T/j" | tr '\n' ' ')" "$(cat "$E/$n.limits.nofile") " "$n limits"
	eq "$(jq -r "$q.tcp.by_state.CLOSE_WAIT" "$T/j")" "$(cat "$E/$n.close_wait.count")" "$n CLOSE_WAIT (process)"
	eq "$(jq -r "$q.tcp.table_by_state.CLOSE_WAIT" "$T/j")" "$(cat "$E/$n.close_wait.count")" "$n CLOSE_WAIT (table)"
	eq "$(jq -r "$q.goroutines_total" "$T/j")" "$(cat "$E/$n.goroutines.count")" "$n goroutines"
	eq "$(jq -r "[$q.goroutines[] | select(.role == \"http client read loop\") | .count] | add" "$T/j")" \
		"$(cat "$E/$n.readloop.count")" "$n readLoop goroutines"
	# fds by kind add up to the open count
	eq "$(jq -r "[$q.fds.by_kind[]] | add" "$T/j")" "$(cat "$E/$n.fds.count")" "$n by_kind sum"
done
# the top level is the last capture (the issue's contract)
eq "$(jq -r '.fds.open' "$T/j")" "$(cat "$E/after.fds.count")" "top-level fds.open"
eq "$(jq -r '.tcp.by_state.CLOSE_WAIT' "$T/j")" "$(cat "$E/after.close_wait.count")" "top-level CLOSE_WAIT"
g=$(jq -r '.growth[] | select(.what == "tcp.CLOSE_WAIT") | "\(.before) \(.after)"' "$T/j")
eq "$g" "$(cat "$E/before.close_wait.count") $(cat "$E/after.close_wait.count")" "growth of CLOSE_WAIT"

# one source at a time
"$CORONER" net --format=json "$D/after/ss.txt.zst" > "$T/j" 2>"$T/err" || ko "ss: exit $?"
eq "$(jq -r '.tcp.source, .tcp.by_state.CLOSE_WAIT' "$T/j" | tr '\n' ' ')" "ss $(cat "$E/after.ss.close_wait.count") " "ss alone"
set -- $(cat "$E/after.ss.full_listener")
eq "$(jq -r ".tcp.endpoints[] | select(.endpoint == \"$1\" and .role == \"listener\") | \"\(.accept_q) \(.backlog)\"" "$T/j")" \
	"$2 $3" "ss: full listener's accept queue and backlog"
"$CORONER" net --format=json "$D/after/netstat.txt" > "$T/j" 2>"$T/err" || ko "netstat: exit $?"
eq "$(jq -r '.tcp.by_state.CLOSE_WAIT' "$T/j")" "$(cat "$E/after.netstat.close_wait.count")" "netstat alone"
"$CORONER" net --format=json "$D/after/lsof.txt" > "$T/j" 2>"$T/err" || ko "lsof: exit $?"
eq "$(jq -r '.fds.open, .fds.source, .tcp.by_state.CLOSE_WAIT' "$T/j" | tr '\n' ' ')" \
	"$(cat "$E/after.lsof.fds.count") lsof $(cat "$E/after.lsof.close_wait.count") " "lsof alone"
# a run of files is one capture
"$CORONER" net --format=json "$D/after/limits" "$D/after/fd.txt" > "$T/j" 2>"$T/err" || ko "files: exit $?"
eq "$(jq -r '.fds.open, .fds.limit_soft' "$T/j" | tr '\n' ' ')" "$(cat "$E/after.fds.count") 128 " "limits + fd listing"

# text: the summary line
"$CORONER" net "$D/after" > "$T/t" 2>&1
grep -q "file descriptors: $(cat "$E/after.fds.count") open of 128 soft" "$T/t" && ok || ko "text summary: $(head -3 "$T/t")"

# report: conn_leak, fd_exhaustion, accept_backlog with the references' numbers
"$CORONER" report --format=json "$D/before" "$D/after" > "$T/r" 2>"$T/err" || ko "report: exit $?"
fq() { jq -r ".findings[] | select(.kind == \"$1\") | $2" "$T/r"; }
eq "$(fq conn_leak .subject)" "$(cat "$E/after.close_wait.remote")" "conn_leak subject"
eq "$(fq conn_leak '.evidence.close_wait_first, .evidence.close_wait' | tr '\n' ' ')" \
	"$(cat "$E/before.close_wait.count") $(cat "$E/after.close_wait.count") " "conn_leak CLOSE_WAIT"
eq "$(fq conn_leak .evidence.transport_read_loops)" "$(cat "$E/after.readloop.count")" "conn_leak read loops"
fq conn_leak .summary | grep -q "response bodies not closed" && ok || ko "conn_leak: cause not named"
eq "$(fq fd_exhaustion '.evidence.open, .evidence.limit_soft, .evidence.limit_hard' | tr '\n' ' ')" \
	"$(cat "$E/after.fds.count") $(cat "$E/after.limits.nofile") " "fd_exhaustion"
set -- $(cat "$E/after.ss.full_listener")
eq "$(fq accept_backlog '.subject, .evidence.accept_queue, .evidence.backlog' | tr '\n' ' ')" "$1 $2 $3 " "accept_backlog"
# "too many open files" in a log of the capture, with no fd listing
mkdir "$T/cap"
cp "$D/after/limits" "$T/cap/"
printf '2026/12/06 12:04:07 http: Accept error: accept tcp 127.0.0.1:80: accept4: too many open files; retrying in 5ms\n' > "$T/cap/server.log"
"$CORONER" report --format=json "$T/cap" > "$T/r" 2>"$T/err" || ko "report emfile: exit $?"
eq "$(fq fd_exhaustion '.severity, .evidence.too_many_open_files' | tr '\n' ' ')" "high 1 " "fd_exhaustion from a log"

# --- hostile ---
# a listing cut inside a line: the complete lines count, as a lower bound
n=$(wc -c < "$D/after/fd.txt")
head -c $((n - 10)) "$D/after/fd.txt" > "$T/fd.txt"
want=$(($(grep -c -- ' -> ' "$T/fd.txt") - 1)) # the last line is cut
"$CORONER" net --format=json "$T/fd.txt" > "$T/j" 2>"$T/err" || ko "truncated fd: exit $?"
eq "$(jq -r '.fds.open' "$T/j")" "$want" "truncated fd listing: open"
grep -q "cut at the end of the file" "$T/err" && ok || ko "truncated fd listing: no warning"
# a line of garbage: skipped, named, lower bound
{ head -5 "$D/after/fd.txt"; printf 'lrwx------ 1 root root 64 Dec  6 12:04 xx -> socket:[1]\n'; tail -n +6 "$D/after/fd.txt"; } > "$T/fd2.txt"
"$CORONER" net --format=json "$T/fd2.txt" > "$T/j" 2>"$T/err" || ko "bad fd line: exit $?"
eq "$(jq -r '.fds.open, .fds.lower_bound' "$T/j" | tr '\n' ' ')" "$(cat "$E/after.fds.count") true " "bad fd line"
grep -q "fd2.txt: line 6: fd is not a number" "$T/err" && ok || ko "bad fd line: $(cat "$T/err")"
# other kernels' extra columns after the inode; a long line
awk 'NR == 1 { print; next } { print $0 " 1 2 3 4 5" }' "$D/after/net-tcp" > "$T/net-tcp"
awk 'BEGIN { s = ""; for (i = 0; i < 70000; i++) s = s "x"; print s }' >> "$T/net-tcp"
"$CORONER" net --format=json "$T/net-tcp" > "$T/j" 2>"$T/err" || ko "extra columns: exit $?"
want=$(awk 'NR>1 && $4=="08"' "$D/after/net-tcp" | wc -l)
eq "$(jq -r '.tcp.by_state.CLOSE_WAIT, .skipped_lines' "$T/j" | tr '\n' ' ')" "$want 1 " "extra columns + long line"
grep -q "line too long" "$T/err" && ok || ko "long line: no warning"
# IPv4-mapped IPv6 in tcp6 (::ffff:127.0.0.1 port 8080, remote port 40000)
cat > "$T/tcp6" <<'X'
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C40 08 00000000:00000005 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 0 10 -1
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4243 1 0000000000000000 100 0 0 10 0
X
"$CORONER" net --format=json "$T/tcp6" > "$T/j" 2>"$T/err" || ko "tcp6: exit $?"
eq "$(jq -r '[.tcp.endpoints[] | "\(.role) \(.endpoint) \(.recv_q)"] | join(",")' "$T/j")" \
	"listener [::1]:22 0,remote 127.0.0.1:40000 5" "IPv4-mapped and ::1"
# a big-endian kernel's tables (s390x, ppc64): the kernel prints each 32-bit
# address word with %08X as the CPU holds it, so the bytes of every word of
# these x86-64 tables are reversed (ports go through ntohs(): unchanged);
# the remote with most CLOSE_WAIT must still be lsof's
swap='function sw(a,   p, w, o, i) { split(a, p, ":"); o = ""
	for (i = 1; i <= length(p[1]); i += 8) { w = substr(p[1], i, 8)
		o = o substr(w, 7, 2) substr(w, 5, 2) substr(w, 3, 2) substr(w, 1, 2) }
	return o ":" p[2] }
NR == 1 { print; next } { $2 = sw($2); $3 = sw($3); print }'
mkdir "$T/be"
cp "$D/after/fd.txt" "$T/be/"
for f in net-tcp net-tcp6; do awk "$swap" "$D/after/$f" > "$T/be/$f"; done
"$CORONER" net --format=json "$T/be" > "$T/j" 2>"$T/err" || ko "big-endian: exit $?"
eq "$(jq -r '.tcp.byte_order, .tcp.by_state.CLOSE_WAIT, ([.tcp.endpoints[] | select(.role == "remote")] | max_by(.states.CLOSE_WAIT // 0) | .endpoint)' "$T/j" | tr '\n' ' ')" \
	"big $(cat "$E/after.close_wait.count") $(cat "$E/after.close_wait.remote") " "big-endian tables (inferred)"
grep -q "addresses read big-endian" "$T/err" && ok || ko "big-endian: no note"
"$CORONER" net --format=json --byte-order=big "$T/be" > "$T/j" 2>"$T/err" || ko "--byte-order=big: exit $?"
[ -s "$T/err" ] && ko "--byte-order=big warned: $(head -1 "$T/err")" || ok
eq "$(jq -r '[.tcp.endpoints[] | select(.role == "remote")] | max_by(.states.CLOSE_WAIT // 0) | .endpoint' "$T/j")" \
	"$(cat "$E/after.close_wait.remote")" "--byte-order=big"
"$CORONER" net --byte-order=middle "$T/be" > /dev/null 2>&1; eq "$?" 2 "--byte-order=middle: exit"
# a socket table cut mid-row: the complete rows count, the cut one is named
n=$(wc -c < "$D/after/net-tcp")
head -c $((n - 30)) "$D/after/net-tcp" > "$T/net-tcp-cut"
want=$(head -n -1 "$T/net-tcp-cut" | awk 'NR>1 && $4=="08"' | wc -l)
"$CORONER" net --format=json "$T/net-tcp-cut" > "$T/j" 2>"$T/err" || ko "cut table: exit $?"
eq "$(jq -r '.tcp.table_by_state.CLOSE_WAIT // 0, .skipped_lines' "$T/j" | tr '\n' ' ')" "$want 1 " "cut socket table"
grep -q "cut at the end of the file" "$T/err" && ok || ko "cut table: no warning"
# ss, netstat and lsof output cut mid-row: the complete rows count (the
# references' own commands over the complete lines), the cut row is named
zstdcat "$D/after/ss.txt.zst" | awk '$1 == "CLOSE-WAIT"' > "$T/ss-cw"
{ zstdcat "$D/after/ss.txt.zst" | head -1; cat "$T/ss-cw"; } > "$T/ss.txt"
n=$(wc -c < "$T/ss.txt"); head -c $((n - 20)) "$T/ss.txt" > "$T/ss-cut.txt"
"$CORONER" net --format=json "$T/ss-cut.txt" > "$T/j" 2>"$T/err" || ko "cut ss: exit $?"
eq "$(jq -r '.tcp.by_state.CLOSE_WAIT' "$T/j")" "$(($(wc -l < "$T/ss-cw") - 1))" "cut ss"
grep -q "cut at the end of the file" "$T/err" && ok || ko "cut ss: no warning"
n=$(wc -c < "$D/after/netstat.txt"); head -c $((n - 200)) "$D/after/netstat.txt" > "$T/netstat-cut.txt"
want=$(head -n -1 "$T/netstat-cut.txt" | awk '$1 ~ /^tcp/ && $6=="CLOSE_WAIT"' | wc -l)
"$CORONER" net --format=json "$T/netstat-cut.txt" > "$T/j" 2>"$T/err" || ko "cut netstat: exit $?"
eq "$(jq -r '.tcp.by_state.CLOSE_WAIT // 0' "$T/j")" "$want" "cut netstat"
n=$(wc -c < "$D/after/lsof.txt"); head -c $((n - 15)) "$D/after/lsof.txt" > "$T/lsof-cut.txt"
want=$(head -n -1 "$T/lsof-cut.txt" | awk 'NR>1 && $4 ~ /^[0-9]+[rwu]/' | wc -l)
"$CORONER" net --format=json "$T/lsof-cut.txt" > "$T/j" 2>"$T/err" || ko "cut lsof: exit $?"
eq "$(jq -r '.fds.open, .fds.lower_bound' "$T/j" | tr '\n' ' ')" "$want true " "cut lsof: open, lower bound"
grep -q "cut at the end of the file" "$T/err" && ok || ko "cut lsof: no warning"
# not a capture at all
printf '\000\001\002binary' > "$T/bin"
"$CORONER" net "$T/bin" > /dev/null 2>"$T/err"; rc=$?
eq "$rc" 1 "binary input: exit"
grep -q "bin: no limits, fd listing" "$T/err" && ok || ko "binary input: $(cat "$T/err")"
"$CORONER" net > /dev/null 2>&1; eq "$?" 2 "no argument: exit"

echo "net: $pass passed, $fail failed"
[ "$fail" = 0 ]
