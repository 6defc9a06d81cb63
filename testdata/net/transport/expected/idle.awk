# Idle dialed ESTABLISHED sockets of the process, from its fd listing and
# the kernel's tables (fields per proc_net_tcp.txt in the kernel's
# Documentation/networking): the first file is `ls -l /proc/PID/fd`, the
# rest /proc/net/tcp and tcp6. A socket counts if its inode is one of the
# process's socket:[N] links, its state is 01 (ESTABLISHED), tx_queue and
# rx_queue are 0, its timer ("tr") is 00 (none) or 02 (keepalive), its
# retrnsmt is 0, and its local port is no port a LISTEN (0A) row of the
# tables holds (an accepted connection). Output: one line per socket,
# "inode remote" (remote as the table writes it, hex).
FNR == 1 { f++ }
f == 1 {
	if (match($0, /socket:\[[0-9]+\]/))
		mine[substr($0, RSTART + 8, RLENGTH - 9)] = 1
	next
}
FNR == 1 { next }
{
	split($2, l, ":")
	if ($4 == "0A")
		listening[l[2]] = 1
	row[++n] = $0
}
END {
	for (i = 1; i <= n; i++) {
		split(row[i], a, " ")
		split(a[2], l, ":")
		split(a[6], t, ":")
		if ((a[10] in mine) && a[4] == "01" && a[5] == "00000000:00000000" &&
		    (t[1] == "00" || t[1] == "02") && a[7] == "00000000" && !(l[2] in listening))
			print a[10], a[3]
	}
}
