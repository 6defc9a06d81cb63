/* lib/net readers on small texts written from each format's definition:
 * the kernel's tcp_states.h numbers and %08X host-order words, ss's and
 * netstat's state names, lsof's FD column. Each case names what it checks. */
#include "coroner/net.h"
#include "coroner/netreport.h"
#include "../unit.h"

static const struct cr_sock *parse_one(struct cr_netsnap *s, const char *text, enum cr_net_kind want)
{
	struct cr_error e = { 0 };
	CHECK_EQ_INT(cr_net_detect((const unsigned char *)text, strlen(text)), want);
	CHECK_EQ_INT(cr_netsnap_parse(s, (const unsigned char *)text, strlen(text), CR_NET_UNKNOWN, "t",
				      NULL, &e), CR_OK);
	return s->nsocks ? &s->socks[s->nsocks - 1] : NULL;
}

int main(void)
{
	/* the kernel's state names and every tool's spelling */
	CHECK_EQ_INT(cr_tcp_state_parse("ESTAB", 5), CR_TCP_ESTABLISHED);
	CHECK_EQ_INT(cr_tcp_state_parse("CLOSE-WAIT", 10), CR_TCP_CLOSE_WAIT);
	CHECK_EQ_INT(cr_tcp_state_parse("CLOSE_WAIT", 10), 8);
	CHECK_EQ_INT(cr_tcp_state_parse("FIN_WAIT2", 9), 5);
	CHECK_EQ_INT(cr_tcp_state_parse("FIN-WAIT-2", 10), 5);
	CHECK_EQ_INT(cr_tcp_state_parse("LISTEN", 6), 10);
	CHECK_EQ_INT(cr_tcp_state_parse("UNCONN", 6), CR_TCP_CLOSE);
	CHECK_EQ_INT(cr_tcp_state_parse("BOGUS", 5), CR_TCP_UNKNOWN);

	struct cr_netsnap s;
	const struct cr_sock *k;
	/* 0100007F = 127.0.0.1 in host order, 1F90 = 8080, st 0A = LISTEN */
	cr_netsnap_init(&s);
	k = parse_one(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
			  "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0\n",
		      CR_NET_PROC_INET);
	CHECK(k && k->state == CR_TCP_LISTEN && k->lport == 8080 && k->recv_q == 3 && k->inode == 77);
	CHECK_EQ_STR(k ? k->local : NULL, "127.0.0.1:8080");
	CHECK_EQ_STR(k ? k->remote : NULL, "0.0.0.0:*");
	CHECK_EQ_INT(k ? (int)k->proto : -1, CR_PROTO_TCP);
	cr_netsnap_release(&s);

	/* udp6 (the header's "drops"), ::1 = 00000000 00000000 00000000 01000000 */
	cr_netsnap_init(&s);
	k = parse_one(&s, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
			  "  1: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 0\n",
		      CR_NET_PROC_INET);
	CHECK(k && k->proto == CR_PROTO_UDP && k->v6 && k->lport == 53);
	CHECK_EQ_STR(k ? k->local : NULL, "[::1]:53");
	cr_netsnap_release(&s);

	/* ss with Netid, IPv4-mapped in brackets, an interface suffix, users:() */
	cr_netsnap_init(&s);
	k = parse_one(&s, "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
			  "tcp   ESTAB  0      5      [::ffff:10.0.0.1]:443 10.0.0.2%eth0:5000 users:((\"srv\",pid=42,fd=7))\n",
		      CR_NET_SS);
	CHECK(k && k->state == CR_TCP_ESTABLISHED && k->send_q == 5 && k->pid == 42 && k->fd == 7 && k->v6);
	CHECK_EQ_STR(k ? k->local : NULL, "10.0.0.1:443");
	CHECK_EQ_STR(k ? k->remote : NULL, "10.0.0.2:5000");
	cr_netsnap_release(&s);

	/* netstat: udp without a state, a unix row with "[ ACC ]" */
	cr_netsnap_init(&s);
	parse_one(&s, "Active Internet connections (servers and established)\n"
		      "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name\n"
		      "tcp6       1      0 ::1:631                 ::1:5000                CLOSE_WAIT  12/cupsd\n"
		      "udp        0      0 0.0.0.0:68              0.0.0.0:*                           34/dhclient\n"
		      "Active UNIX domain sockets (servers and established)\n"
		      "Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n"
		      "unix  2      [ ACC ]     STREAM     LISTENING     1234     1/init               /run/x\n",
		  CR_NET_NETSTAT);
	CHECK_EQ_INT(s.nsocks, 3);
	if (s.nsocks == 3) {
		CHECK(s.socks[0].state == CR_TCP_CLOSE_WAIT && s.socks[0].pid == 12 && s.socks[0].recv_q == 1);
		CHECK_EQ_STR(s.socks[0].local, "[::1]:631");
		CHECK(s.socks[1].proto == CR_PROTO_UDP && s.socks[1].pid == 34);
		CHECK(s.socks[2].proto == CR_PROTO_UNIX && s.socks[2].inode == 1234);
	}
	cr_netsnap_release(&s);

	/* lsof: cwd/txt/mem rows are no descriptors; sockets carry their inode */
	cr_netsnap_init(&s);
	parse_one(&s, "COMMAND PID USER   FD   TYPE DEVICE SIZE/OFF    NODE NAME\n"
		      "srv      42 root  cwd    DIR  254,0     4096       2 /\n"
		      "srv      42 root  txt    REG  254,0  9607359 9979588 /srv\n"
		      "srv      42 root    0r   CHR    1,3      0t0       3 /dev/null\n"
		      "srv      42 root    7u  IPv4  50045      0t0     TCP 127.0.0.1:46910->127.0.0.1:80 (CLOSE_WAIT)\n"
		      "srv      42 root    8u  a_inode 0,16       0      26 [eventpoll:7]\n",
		  CR_NET_LSOF);
	CHECK_EQ_INT(s.nfds, 3);
	CHECK_EQ_INT(s.pid, 42);
	CHECK(s.nsocks == 1 && s.socks[0].state == CR_TCP_CLOSE_WAIT && s.socks[0].inode == 50045 &&
	      s.socks[0].fd == 7);
	if (s.nfds == 3)
		CHECK(s.fds[0].kind == CR_FD_DEVICE && s.fds[1].kind == CR_FD_SOCKET && s.fds[2].kind == CR_FD_EVENTPOLL);
	cr_netsnap_release(&s);

	/* fd listing then /proc/net/tcp: the process's sockets joined by inode */
	cr_netsnap_init(&s);
	parse_one(&s, "total 0\n"
		      "lrwx------ 1 u u 64 Dec  6 12:03 3 -> socket:[10]\n"
		      "lr-x------ 1 u u 64 Dec  6 12:03 4 -> pipe:[11]\n"
		      "lrwx------ 1 u u 64 Dec  6 12:03 5 -> anon_inode:[eventpoll]\n"
		      "lrwx------ 1 u u 64 Dec  6 12:03 6 -> /var/log/x.log (deleted)\n",
		  CR_NET_FDLIST);
	CHECK_EQ_INT(s.nfds, 4);
	parse_one(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 0100007F:9C40 0100007F:0050 08 00000000:00000000 00:00000000 00000000     0        0 10\n"
		      "   1: 0100007F:9C41 0100007F:0050 08 00000000:00000000 00:00000000 00000000     0        0 12\n",
		  CR_NET_PROC_INET);
	struct cr_netreport r;
	struct cr_error e = { 0 };
	CHECK_EQ_INT(cr_netreport_compute(&r, &s, NULL, &e), CR_OK);
	CHECK(r.process_scope);
	CHECK_EQ_INT(r.by_state[CR_TCP_CLOSE_WAIT], 1);
	CHECK_EQ_INT(r.table_by_state[CR_TCP_CLOSE_WAIT], 2);
	CHECK_EQ_INT(r.by_kind[CR_FD_SOCKET] + r.by_kind[CR_FD_PIPE] + r.by_kind[CR_FD_EVENTPOLL] + r.by_kind[CR_FD_FILE], 4);
	CHECK(r.nendpoints == 1 && !strcmp(r.endpoints[0].endpoint, "127.0.0.1:80"));
	cr_netreport_release(&r);
	cr_netsnap_release(&s);

	/* A big-endian kernel's table (s390x, ppc64), written from the format's
	 * definition: tcp4_seq_show() prints the __be32 address with %08X as the
	 * CPU loads it, so 127.0.0.1 is 7F000001 there (0100007F on x86-64);
	 * ports go through ntohs() and read the same on both. tcp6 prints each
	 * of the four words that way: ::1 ends 00000001, fe80::1 starts
	 * FE800000, ::ffff:10.0.0.1 is 00000000 00000000 0000FFFF 0A000001.
	 * tr 02 = keepalive timer, retrnsmt 0, empty queues: idle. */
	static const char be_tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 50 1 0\n"
		"   1: 7F000001:9C40 0A000002:01BB 01 00000000:00000000 02:000003E8 00000000     0        0 51 1 0\n"
		"   2: C0A80105:9C41 0A000002:01BB 01 00000000:0000000A 01:000000C8 00000002     0        0 52 1 0\n";
	cr_netsnap_init(&s);
	parse_one(&s, be_tcp, CR_NET_PROC_INET);
	CHECK(s.big_endian);
	CHECK_EQ_INT(s.nsocks, 3);
	if (s.nsocks == 3) {
		CHECK_EQ_STR(s.socks[0].local, "127.0.0.1:8080");
		CHECK_EQ_STR(s.socks[1].local, "127.0.0.1:40000");
		CHECK_EQ_STR(s.socks[1].remote, "10.0.0.2:443");
		CHECK_EQ_STR(s.socks[2].local, "192.168.1.5:40001");
		CHECK(s.socks[1].timer == 2 && s.socks[1].retransmits == 0 && cr_sock_idle(&s.socks[1]) == 1);
		/* retransmit timer, 2 retransmits, 10 bytes queued: not idle */
		CHECK(s.socks[2].timer == 1 && s.socks[2].retransmits == 2 && cr_sock_idle(&s.socks[2]) == 0);
	}
	cr_netsnap_release(&s);
	/* the same bytes read as little-endian when told so */
	cr_netsnap_init(&s);
	s.byte_order = CR_BO_LITTLE;
	parse_one(&s, be_tcp, CR_NET_PROC_INET);
	CHECK(!s.big_endian && s.nsocks == 3);
	CHECK_EQ_STR(s.nsocks ? s.socks[0].local : NULL, "1.0.0.127:8080");
	cr_netsnap_release(&s);
	cr_netsnap_init(&s);
	parse_one(&s, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 00000000000000000000000000000001:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 60 1 0\n"
		      "   1: FE800000000000000000000000000001:0016 FE800000000000000000000000000002:C350 01 00000000:00000000 00:00000000 00000000     0        0 61 1 0\n"
		      "   2: 000000000000000000000000FFFF0A000001:01BB 000000000000000000000000FFFF0A000002:C351 08 00000000:00000000 00:00000000 00000000     0        0 62 1 0\n",
		  CR_NET_PROC_INET);
	CHECK(s.big_endian && s.nsocks == 2); /* row 2 has 9-digit words: not a row */
	if (s.nsocks == 2) {
		CHECK_EQ_STR(s.socks[0].local, "[::1]:8080");
		CHECK_EQ_STR(s.socks[1].remote, "[fe80::2]:50000");
	}
	CHECK_EQ_INT(s.skipped, 1);
	cr_netsnap_release(&s);
	cr_netsnap_init(&s);
	parse_one(&s, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 00000000000000000000FFFF0A000001:01BB 00000000000000000000FFFF0A000002:C351 08 00000000:00000000 00:00000000 00000000     0        0 62 1 0\n",
		  CR_NET_PROC_INET);
	CHECK(s.big_endian && s.nsocks == 1);
	CHECK_EQ_STR(s.nsocks ? s.socks[0].remote : NULL, "10.0.0.2:50001");
	cr_netsnap_release(&s);
	/* only hex digits, as %08X writes them: "0x..." is no address */
	cr_netsnap_init(&s);
	parse_one(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 0x000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 50 1 0\n"
		      "   1: 0100007F:1F90 00000000:0000 0A 0x000000:00000000 00:00000000 00000000     0        0 51 1 0\n"
		      "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52 1 0\n",
		  CR_NET_PROC_INET);
	CHECK(s.nsocks == 1 && s.skipped == 2);
	cr_netsnap_release(&s);
	/* nothing decides (0.0.0.0 only): little-endian */
	cr_netsnap_init(&s);
	parse_one(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 50 1 0\n",
		  CR_NET_PROC_INET);
	CHECK(!s.big_endian);
	cr_netsnap_release(&s);

	/* ss -o's timer and -i's lastsnd/lastrcv (ms); ss(8) */
	cr_netsnap_init(&s);
	parse_one(&s, "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
		      "ESTAB  0      0      127.0.0.1:40000 127.0.0.1:8080 users:((\"c\",pid=1,fd=3)) timer:(keepalive,14sec,0)\n"
		      "\t cubic wscale:7,7 rto:204 lastsnd:65000 lastrcv:64000 lastack:64000\n"
		      "ESTAB  0      7      127.0.0.1:40001 127.0.0.1:8080 users:((\"c\",pid=1,fd=4)) timer:(on,200ms,3)\n"
		      "ESTAB  0      0      127.0.0.1:40002 127.0.0.1:8080\n"
		      "\t cubic lastsnd:20 lastrcv:900000\n",
		  CR_NET_SS);
	CHECK_EQ_INT(s.nsocks, 3);
	if (s.nsocks == 3) {
		CHECK(s.socks[0].timer == 2 && s.socks[0].retransmits == 0 && s.socks[0].last_io_ms == 64000);
		CHECK_EQ_INT(cr_sock_idle(&s.socks[0]), 1);
		CHECK(s.socks[1].timer == 1 && s.socks[1].retransmits == 3 && s.socks[1].last_io_ms == -1);
		CHECK_EQ_INT(cr_sock_idle(&s.socks[1]), 0);
		CHECK(s.socks[2].timer == -1 && s.socks[2].last_io_ms == 20 && cr_sock_idle(&s.socks[2]) == 0);
	}
	cr_netsnap_release(&s);

	/* idle counts only dialed sockets: an accepted one (local port 8080 is
	 * listening) is the peer's; a queue makes a socket busy */
	cr_netsnap_init(&s);
	parse_one(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 70 1 0\n"
		      "   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 71 1 0\n"
		      "   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 02:00001000 00000000     0        0 72 1 0\n"
		      "   3: 0100007F:9C41 0100007F:1F90 01 00000000:00000001 02:00001000 00000000     0        0 73 1 0\n",
		  CR_NET_PROC_INET);
	CHECK_EQ_INT(cr_netreport_compute(&r, &s, NULL, &e), CR_OK);
	CHECK(r.has_idle && r.idle_out == 1 && r.nidle_socks == 1 && r.idle_socks[0].inode == 72);
	for (size_t i = 0; i < r.nendpoints; i++)
		if (!strcmp(r.endpoints[i].endpoint, "127.0.0.1:8080") && !r.endpoints[i].listener)
			CHECK(r.endpoints[i].count == 2 && r.endpoints[i].idle == 1);
	cr_netreport_release(&r);
	cr_netsnap_release(&s);

	/* roles of network goroutines; ".abi0" names match */
	const char *rd[] = { "internal/poll.runtime_pollWait.abi0", "internal/poll.(*FD).Read", "main.handle" };
	CHECK_EQ_STR(cr_net_goroutine_role(rd, 3), "read");
	const char *none[] = { "main.main", "runtime.main" };
	CHECK(cr_net_goroutine_role(none, 2) == NULL);

	/* not these formats */
	CHECK_EQ_INT(cr_net_detect((const unsigned char *)"goroutine 1 [running]:\n", 23), CR_NET_UNKNOWN);
	CHECK_EQ_INT(cr_net_detect((const unsigned char *)"", 0), CR_NET_UNKNOWN);
	return unit_done();
}
