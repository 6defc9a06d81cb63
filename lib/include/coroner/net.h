/* Connections and file descriptors of a process, from the text an engineer
 * captures when a service runs out of them:
 *
 *   /proc/PID/limits          "Max open files   1024   4096   files"
 *   ls -l /proc/PID/fd        "lrwx------ 1 u g 64 Dec  6 12:03 7 -> socket:[50045]"
 *   /proc/PID/net/tcp, tcp6,  "0: 0100007F:B6DE 0100007F:ACAB 08 00000000:00000000 02:..."
 *     udp, udp6               (addresses are the kernel's %08X of each 32-bit
 *                             word in host byte order: little-endian on x86-64
 *                             and arm64, big-endian on s390x and ppc64, see
 *                             cr_netsnap.byte_order; the timer and retransmit
 *                             columns are kept; columns past the inode, which
 *                             other kernels add, are ignored)
 *   /proc/PID/net/unix        "0000...: 00000003 00000000 00000000 0001 03 1242 /run/x"
 *   ss -tan, ss -tanpio       "CLOSE-WAIT 1 0 127.0.0.1:51952 127.0.0.1:44171 users:((...))"
 *                             (of the -i detail lines, lastsnd:/lastrcv: are kept;
 *                             -o's timer:(...) too; for a LISTEN socket Recv-Q is
 *                             the accept queue and Send-Q its backlog)
 *   netstat -anp              "tcp 1 0 127.0.0.1:51952 127.0.0.1:44171 CLOSE_WAIT 12/prog"
 *   lsof -p PID               "prog 12 root 7u IPv4 50045 0t0 TCP a:1->b:2 (CLOSE_WAIT)"
 *
 * Each is detected from its content (cr_net_detect) and read into one
 * struct cr_netsnap, which a capture directory fills from several files.
 * Every byte is untrusted: a line that cannot be read is skipped, counted
 * in `skipped` and named in the warnings, so no total is silently wrong
 * (an fd count with skipped lines is a lower bound, and says so).
 *
 * Nothing here prints. A snapshot owns its memory (an arena);
 * cr_netsnap_release() frees it all.
 */
#ifndef CORONER_NET_H
#define CORONER_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"
#include "coroner/util.h"

enum cr_net_kind {
	CR_NET_UNKNOWN,
	CR_NET_LIMITS,    /* /proc/PID/limits */
	CR_NET_FDLIST,    /* ls -l /proc/PID/fd */
	CR_NET_PROC_INET, /* /proc/net/tcp, tcp6, udp, udp6 */
	CR_NET_PROC_UNIX, /* /proc/net/unix */
	CR_NET_SS,        /* ss -tan[pi] */
	CR_NET_NETSTAT,   /* netstat -an[p] */
	CR_NET_LSOF,      /* lsof -p PID */
	CR_NET__N,
};
/* From the first lines of the content; CR_NET_UNKNOWN if none of them. */
enum cr_net_kind cr_net_detect(const unsigned char *data, size_t len);
/* "ss -tan output", ... */
const char *cr_net_kind_name(enum cr_net_kind k);

/* What a file descriptor points to. */
enum cr_fd_kind {
	CR_FD_SOCKET, CR_FD_PIPE, CR_FD_EVENTPOLL, CR_FD_ANON, /* other anon inodes */
	CR_FD_DEVICE, /* /dev/... */
	CR_FD_FILE,   /* any other path */
	CR_FD_OTHER,  /* net:[...], mnt:[...], unreadable links */
	CR_FD__N,
};
const char *cr_fd_kind_name(enum cr_fd_kind k); /* "socket", "pipe", ... */

struct cr_fd {
	int64_t fd;
	enum cr_fd_kind kind;
	uint64_t inode;     /* socket:[N] / pipe:[N] / lsof's DEVICE of a socket; 0 = none */
	const char *target; /* the link target or lsof's NAME, as read (untrusted) */
};

/* TCP states with the kernel's numbers (include/net/tcp_states.h). */
enum cr_tcp_state {
	CR_TCP_UNKNOWN = 0, CR_TCP_ESTABLISHED = 1, CR_TCP_SYN_SENT, CR_TCP_SYN_RECV,
	CR_TCP_FIN_WAIT1, CR_TCP_FIN_WAIT2, CR_TCP_TIME_WAIT, CR_TCP_CLOSE, CR_TCP_CLOSE_WAIT,
	CR_TCP_LAST_ACK, CR_TCP_LISTEN, CR_TCP_CLOSING, CR_TCP_NEW_SYN_RECV,
	CR_TCP__N,
};
/* "ESTABLISHED", "CLOSE_WAIT", ... (the kernel's names, as netstat prints them) */
const char *cr_tcp_state_name(enum cr_tcp_state s);
/* Any spelling of ss, netstat, lsof or the kernel: "ESTAB", "CLOSE-WAIT",
 * "FIN_WAIT2", "UNCONN" (= CLOSE); CR_TCP_UNKNOWN if none. */
enum cr_tcp_state cr_tcp_state_parse(const char *s, size_t n);

enum cr_proto { CR_PROTO_TCP, CR_PROTO_UDP, CR_PROTO_UNIX, CR_PROTO_OTHER };

/* Where a socket row came from; a snapshot may hold the same sockets from
 * several sources: cr_netsnap_best_source() picks the one to count. */
enum cr_sock_src { CR_SOCK_KERNEL, CR_SOCK_SS, CR_SOCK_NETSTAT, CR_SOCK_LSOF, CR_SOCK__N };

struct cr_sock {
	enum cr_proto proto;
	enum cr_sock_src src;
	enum cr_tcp_state state;  /* TCP; UDP rows carry the kernel's state too */
	bool v6;                  /* an IPv6 socket (IPv4-mapped addresses included) */
	const char *local, *remote; /* "addr:port" ("[v6]:port"), IPv4-mapped shown as
				     * IPv4; "*" parts as the tool wrote them */
	uint32_t lport, rport;    /* 0 if unknown or "*" */
	bool has_queues;
	uint64_t recv_q, send_q;  /* bytes; LISTEN (ss, kernel): recv_q = accept queue,
				   * ss's send_q = the backlog */
	uint64_t inode;           /* 0 = unknown */
	int64_t pid, fd;          /* -1 = unknown */
	const char *path;         /* unix sockets; "" if none */
	/* activity, where the source shows it (-1 = unknown): the kernel's
	 * "tr" column or ss -o's timer (0 none, 1 retransmit, 2 keepalive,
	 * 3 TIME_WAIT, 4 zero-window probe), retransmits (the kernel's
	 * "retrnsmt", ss -o's third timer field), and from ss -i the
	 * milliseconds since the last send or receive, whichever is shorter */
	int timer;
	int64_t retransmits;
	int64_t last_io_ms;
};

/* An ESTABLISHED socket with nothing in flight: both queues empty, no
 * retransmit or zero-window timer, no retransmits, and (ss -i) nothing
 * sent or received for CR_SOCK_IDLE_MS. 1 idle, 0 not, -1 unknown (no
 * queues in the source). */
#define CR_SOCK_IDLE_MS 1000
int cr_sock_idle(const struct cr_sock *k);

/* How /proc/net/tcp* addresses are read. AUTO infers it per file from the
 * forms only one order gives plausible addresses for (127.0.0.0/8,
 * 10.0.0.0/8, 192.168.0.0/16, ::1, fe80::/10, ::ffff:a.b.c.d), little-endian
 * when nothing decides. */
enum cr_byte_order { CR_BO_AUTO, CR_BO_LITTLE, CR_BO_BIG };

struct cr_netsnap {
	struct cr_arena arena;
	/* limits: RLIMIT_NOFILE, -1 = unlimited */
	bool has_limits;
	int64_t nofile_soft, nofile_hard;
	/* descriptors from the fd listing (or lsof, if there is no listing) */
	enum cr_net_kind fd_source; /* CR_NET_UNKNOWN: none read */
	struct cr_fd *fds;
	size_t nfds, cap_fds;
	struct cr_sock *socks;
	size_t nsocks, cap_socks;
	unsigned sources;         /* mask of 1 << cr_net_kind read */
	int64_t pid;              /* from ss/netstat/lsof when one process shows; -1 */
	size_t skipped;           /* lines that could not be read, over every file */
	size_t fd_skipped;        /* of those, in the fd source: nfds is a lower bound */
	bool truncated;           /* a file ended inside a line */
	enum cr_byte_order byte_order; /* set by the caller before parsing; AUTO by default */
	bool big_endian;          /* some table's addresses were read big-endian */
};

void cr_netsnap_init(struct cr_netsnap *s);
void cr_netsnap_release(struct cr_netsnap *s);

/* Read one file's content into s, by its detected kind (or `kind` if not
 * CR_NET_UNKNOWN). name is for messages. Skipped lines are counted and
 * described in *warn (may be NULL), at most a few per file and one total.
 * Errors: CR_UNSUPPORTED (not one of these kinds), CR_EMPTY (nothing
 * readable), CR_NOMEM/CR_LIMIT. A second fd listing replaces a first
 * one's descriptors only if the first came from lsof. */
enum cr_err cr_netsnap_parse(struct cr_netsnap *s, const unsigned char *data, size_t len,
			     enum cr_net_kind kind, const char *name, struct cr_buf *warn,
			     struct cr_error *e);

/* The best source of socket rows s holds: the kernel's tables, else ss,
 * netstat, lsof; CR_SOCK__N if none. */
enum cr_sock_src cr_netsnap_best_source(const struct cr_netsnap *s);
/* Is the inode one of the process's descriptors (socket:[inode])? */
bool cr_netsnap_has_socket_fd(const struct cr_netsnap *s, uint64_t inode);

#endif
