/* `coroner net`: a process's file descriptors against its limits, its TCP
 * sockets by state and endpoint, and the goroutines that hold network I/O,
 * computed from one capture (a struct cr_netsnap and, if there is one, a
 * goroutine dump read as a profile); and what grew between two captures.
 *
 * Counting rules (stated once, here):
 *   - descriptors come from the fd listing, else lsof's numeric FD rows;
 *     a listing with skipped lines gives a lower bound (fds_lower_bound);
 *   - sockets come from one source, the best the capture holds (kernel
 *     tables, else ss, netstat, lsof; cr_netsnap_best_source()), so a
 *     capture with both /proc/net/tcp and ss output counts each socket once;
 *   - with an fd listing holding socket inodes and a source with inodes,
 *     "process" counts only the process's sockets (joined by inode); the
 *     whole table is in table_by_state;
 *   - endpoints: a LISTEN socket is a "listener" row keyed by its local
 *     address, counting the connections accepted on its port; every other
 *     TCP socket counts under its remote endpoint ("remote" rows);
 *   - idle: ESTABLISHED sockets with nothing in flight (cr_sock_idle) that
 *     the process dialed: their local port is no listening port of the
 *     table (accepted connections are the peers' business).
 *
 * Nothing here prints; a report owns its memory (arena), freed by
 * cr_netreport_release().
 */
#ifndef CORONER_NETREPORT_H
#define CORONER_NETREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/goroutine.h"
#include "coroner/net.h"
#include "coroner/profile.h"

struct cr_netendpoint {
	const char *endpoint;  /* "127.0.0.1:8080", "[::1]:443" */
	bool listener;
	int64_t count;         /* sockets (listener: accepted connections on its port) */
	int64_t states[CR_TCP__N];
	uint64_t send_q, recv_q; /* bytes queued, summed (saturating) */
	int64_t idle;          /* remote rows: dialed ESTABLISHED sockets that are idle */
	/* listener only: the accept queue now and its backlog (ss's Send-Q on a
	 * LISTEN row; 0 = unknown) */
	uint64_t accept_q, backlog;
};

/* A group of goroutines blocked in network I/O. */
struct cr_netgroup {
	const struct cr_ggroup *g; /* in the report's goroutines */
	const char *role;          /* "read", "write", "accept", "dial", "http client read loop",
				    * "http client write loop", "http server conn", "poll" */
};

struct cr_netreport {
	struct cr_arena arena;
	/* descriptors */
	bool has_fds, fds_lower_bound;
	enum cr_net_kind fd_source;
	int64_t fds_open, by_kind[CR_FD__N];
	bool has_limits;
	int64_t limit_soft, limit_hard; /* -1 = unlimited */
	/* TCP */
	bool has_tcp, process_scope;
	enum cr_sock_src src;
	int64_t tcp_total, by_state[CR_TCP__N];   /* process's (or all, see process_scope) */
	int64_t table_total, table_by_state[CR_TCP__N];
	int64_t udp, unix_socks;
	struct cr_netendpoint *endpoints; size_t nendpoints; /* by count desc, then name */
	bool has_idle;          /* the source shows queues (not lsof) */
	int64_t idle_out;       /* dialed ESTABLISHED sockets that are idle */
	struct cr_idlesock {
		const char *local, *remote; /* a connection's identity across captures: */
		uint64_t inode;  /* its inode, or 0 if the source has none (then local) */
	} *idle_socks;
	size_t nidle_socks;
	/* goroutines */
	bool has_goroutines;
	int64_t goroutines_total;
	struct cr_goroutines gs;
	struct cr_netgroup *groups; size_t ngroups; /* by count desc */
	int64_t net_goroutines; /* sum over groups */
	/* net/http client read loops; those parked in netpoll ("IO wait": the
	 * connection idle in a Transport's pool, the loop waiting for the next
	 * response); the longest such wait in minutes (-1: the dump has none) */
	int64_t readloops, readloops_io_wait, readloop_wait_max;
	size_t skipped;       /* lines skipped while reading */
};

/* Compute from a snapshot and an optional goroutine profile (NULL = none).
 * The report does not point into s or p. CR_NOMEM/CR_LIMIT only. */
enum cr_err cr_netreport_compute(struct cr_netreport *r, const struct cr_netsnap *s,
				 const struct cr_profile *gp, struct cr_error *e);
void cr_netreport_release(struct cr_netreport *r);

/* The role of a goroutine stack (function names, leaf first) in network
 * I/O; NULL if it holds none. */
const char *cr_net_goroutine_role(const char *const *names, size_t n);

/* One row of what grew between two reports. */
struct cr_netgrowth {
	const char *what;   /* "fds", "fds.socket", "tcp.CLOSE_WAIT", "endpoint 1.2.3.4:80",
			     * "goroutines net/http.(*persistConn).readLoop" */
	int64_t before, after;
};
/* Rows where a count changed, largest growth first (arena of `into`,
 * which must be the later report). */
enum cr_err cr_netreport_growth(const struct cr_netreport *a, struct cr_netreport *b,
				struct cr_netgrowth **rows, size_t *nrows, struct cr_error *e);

/* One capture for `coroner net`: the files of a directory (top level,
 * hidden files skipped, sorted by name) or a list of files, each
 * recognised by its content: the net kinds of cr_net_detect() go to snap,
 * the first goroutine dump or goroutine profile to goroutines; other files
 * are left alone (a capture also holds heap profiles, smaps, ...). Lines
 * saying "too many open files" (accept4/socket/open's EMFILE, in a log or
 * a dump) are counted in emfile. order: how /proc/net tables' addresses
 * are read (CR_BO_AUTO infers it per file). */
struct cr_netcapture {
	const char *path;
	struct cr_netsnap snap;
	struct cr_profile goroutines;
	bool has_goroutines;
	char goroutine_file[512];
	int64_t emfile;
	char emfile_file[512];
	size_t nfiles_used;
};
/* Errors: CR_EMPTY (no file of these kinds), CR_IO, CR_NOMEM, CR_LIMIT;
 * a file that cannot be read is a warning in *warn. cr_netcapture_release()
 * is needed after any return. */
enum cr_err cr_netcapture_load(struct cr_netcapture *c, const char *const *paths, size_t n,
			       enum cr_byte_order order, struct cr_buf *warn, struct cr_error *e);
void cr_netcapture_release(struct cr_netcapture *c);

#endif
