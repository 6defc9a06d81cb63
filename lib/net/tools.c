/* What the tools print: ss -tan[pi], netstat -an[p], lsof -p PID. */
#include "net_int.h"

#include <string.h>

/* "...pid=123,fd=4..." of ss's users:((...)) */
static void ss_process(const char *s, size_t n, int64_t *pid, int64_t *fd)
{
	for (size_t i = 0; i + 4 < n; i++) {
		uint64_t v;
		size_t k;
		if (*pid < 0 && !memcmp(s + i, "pid=", 4)) {
			k = i + 4;
			if (cr_parse_u64(s, n, &k, &v) && v <= INT32_MAX)
				*pid = (int64_t)v;
		} else if (*pid >= 0 && *fd < 0 && i + 3 < n && !memcmp(s + i, "fd=", 3)) {
			k = i + 3;
			if (cr_parse_u64(s, n, &k, &v) && v <= INT32_MAX)
				*fd = (int64_t)v;
			return;
		}
	}
}

static enum cr_proto proto_of(const char *t, size_t n)
{
	if (cr_starts(t, n, "tcp"))
		return CR_PROTO_TCP;
	if (cr_starts(t, n, "udp"))
		return CR_PROTO_UDP;
	if (cr_starts(t, n, "u_") || cr_starts(t, n, "unix"))
		return CR_PROTO_UNIX;
	return CR_PROTO_OTHER;
}

static enum cr_err set_ends(struct net_rd *r, struct cr_sock *so, const char *l, size_t ln,
			    const char *p, size_t pn)
{
	bool v6a = false, v6b = false;
	so->local = net_endpoint(r->s, l, ln, &so->lport, &v6a);
	so->remote = p ? net_endpoint(r->s, p, pn, &so->rport, &v6b) : "";
	if (!so->local || !so->remote) {
		r->s->nsocks--; /* drop the half-made row */
		return CR_FORMAT;
	}
	so->v6 = v6a || v6b;
	return CR_OK;
}

/* The number after "key" (e.g. "lastsnd:") in s; -1 if none. */
static int64_t ss_field(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k < n; i++) {
		if (memcmp(s + i, key, k) || (i && s[i - 1] != ' ' && s[i - 1] != '\t'))
			continue;
		size_t j = i + k;
		uint64_t v;
		if (cr_parse_u64(s, n, &j, &v) && v <= INT64_MAX)
			return (int64_t)v;
	}
	return -1;
}

/* ss -i's detail line under a TCP row: the shorter of lastsnd/lastrcv */
static void ss_detail(struct cr_sock *so, const char *s, size_t n)
{
	int64_t a = ss_field(s, n, "lastsnd:"), b = ss_field(s, n, "lastrcv:");
	so->last_io_ms = a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* ss -o's "timer:(keepalive,14sec,0)": the kind and the retransmits */
static void ss_timer(struct cr_sock *so, const char *s, size_t n)
{
	static const struct { const char *name; int timer; } kinds[] = {
		{ "off,", 0 }, { "on,", 1 }, { "keepalive,", 2 }, { "timewait,", 3 }, { "persist,", 4 },
	};
	for (size_t i = 0; i + 7 < n; i++) {
		if (memcmp(s + i, "timer:(", 7))
			continue;
		const char *t = s + i + 7;
		size_t tn = n - i - 7;
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
			if (cr_starts(t, tn, kinds[k].name))
				so->timer = kinds[k].timer;
		const char *c = memchr(t, ')', tn), *comma = NULL;
		for (const char *q = t; c && q < c; q++)
			if (*q == ',')
				comma = q;
		size_t j = 0;
		uint64_t v;
		if (comma && cr_parse_u64(comma + 1, (size_t)(c - comma - 1), &j, &v) &&
		    j == (size_t)(c - comma - 1) && v <= INT32_MAX && comma != memchr(t, ',', tn))
			so->retransmits = (int64_t)v;
		return;
	}
}

enum cr_err net_read_ss(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct net_lines L;
	const char *s;
	size_t n;
	bool header = false, netid = false;
	size_t prev = SIZE_MAX; /* the TCP row a detail line belongs to */
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		if (n && (s[0] == ' ' || s[0] == '\t')) { /* -i, -e, -m detail lines */
			if (prev < r->s->nsocks && !L.cut)
				ss_detail(&r->s->socks[prev], s, n);
			prev = SIZE_MAX;
			continue;
		}
		prev = SIZE_MAX;
		if (n == 0)
			continue;
		const char *tok[7];
		size_t tl[7];
		size_t k = net_tokens(s, n, tok, tl, 7);
		if (!header && (cr_starts(s, n, "State ") || cr_starts(s, n, "Netid "))) {
			header = true;
			netid = s[0] == 'N';
			continue;
		}
		if (net_lines_skip_cut(r, &L))
			continue;
		size_t b = netid ? 1 : 0;
		uint64_t rq, sq;
		enum cr_tcp_state st = k > b ? cr_tcp_state_parse(tok[b], tl[b]) : CR_TCP_UNKNOWN;
		if (k < b + 5 || st == CR_TCP_UNKNOWN || !net_u64(tok[b + 1], tl[b + 1], &rq) ||
		    !net_u64(tok[b + 2], tl[b + 2], &sq)) {
			net_skip(r, L.it.lineno, "not a socket row (State Recv-Q Send-Q Local Peer)");
			continue;
		}
		struct cr_sock *so = net_add_sock(r->s);
		if (!so)
			return CR_NOMEM;
		so->proto = netid ? proto_of(tok[0], tl[0]) : CR_PROTO_TCP;
		so->src = CR_SOCK_SS;
		so->state = st;
		so->has_queues = true;
		so->recv_q = rq;
		so->send_q = sq;
		if (so->proto == CR_PROTO_UNIX) {
			r->rows++;
			continue;
		}
		if (set_ends(r, so, tok[b + 3], tl[b + 3], tok[b + 4], tl[b + 4])) {
			net_skip(r, L.it.lineno, "address without a port");
			continue;
		}
		if (k > b + 5) {
			size_t off = (size_t)(tok[b + 5] - s);
			ss_process(s + off, n - off, &so->pid, &so->fd);
			ss_timer(so, s + off, n - off);
		}
		if (so->proto == CR_PROTO_TCP)
			prev = r->s->nsocks - 1;
		r->rows++;
	}
	if (!header)
		return cr_fail(e, CR_FORMAT, "%s: ss output without its header line", r->name);
	return CR_OK;
}

enum cr_err net_read_netstat(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	enum { NONE, INET, UNIX, OTHER } sec = NONE;
	struct net_lines L;
	const char *s;
	size_t n;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		if (n == 0)
			continue;
		if (cr_starts(s, n, "Active ")) {
			sec = cr_starts(s, n, "Active Internet") ? INET
			      : cr_starts(s, n, "Active UNIX") ? UNIX : OTHER;
			continue;
		}
		if (cr_starts(s, n, "Proto ")) {
			if (sec == NONE)
				sec = INET;
			continue;
		}
		if (sec == OTHER)
			continue;
		if (net_lines_skip_cut(r, &L))
			continue;
		const char *tok[8];
		size_t tl[8];
		size_t k = net_tokens(s, n, tok, tl, 8);
		enum cr_proto pr = k ? proto_of(tok[0], tl[0]) : CR_PROTO_OTHER;
		if (pr == CR_PROTO_UNIX) {
			/* unix RefCnt [ flags ] Type [State] I-Node PID/Program [Path] */
			const char *rb = memchr(s, ']', n);
			uint64_t inode = 0;
			if (rb) {
				size_t off = (size_t)(rb + 1 - s);
				k = net_tokens(rb + 1, n - off, tok, tl, 4);
				if (!(k >= 2 && net_u64(tok[1], tl[1], &inode)) &&
				    !(k >= 3 && net_u64(tok[2], tl[2], &inode)))
					rb = NULL;
			}
			if (!rb) {
				net_skip(r, L.it.lineno, "not a unix socket row");
				continue;
			}
			if (!net_add_unix(r, CR_SOCK_NETSTAT, inode))
				return CR_NOMEM;
			continue;
		}
		uint64_t rq, sq;
		if (k < 5 || (pr != CR_PROTO_TCP && pr != CR_PROTO_UDP) ||
		    !net_u64(tok[1], tl[1], &rq) || !net_u64(tok[2], tl[2], &sq)) {
			if (pr == CR_PROTO_OTHER && k && !cr_starts(tok[0], tl[0], "raw"))
				net_skip(r, L.it.lineno, "not a socket row (Proto Recv-Q Send-Q Local Foreign State)");
			continue;
		}
		enum cr_tcp_state st = k > 5 ? cr_tcp_state_parse(tok[5], tl[5]) : CR_TCP_UNKNOWN;
		if (pr == CR_PROTO_TCP && st == CR_TCP_UNKNOWN) {
			net_skip(r, L.it.lineno, "unknown TCP state");
			continue;
		}
		struct cr_sock *so = net_add_sock(r->s);
		if (!so)
			return CR_NOMEM;
		so->proto = pr;
		so->src = CR_SOCK_NETSTAT;
		so->state = st == CR_TCP_UNKNOWN ? CR_TCP_CLOSE : st;
		so->has_queues = true;
		so->recv_q = rq;
		so->send_q = sq;
		if (set_ends(r, so, tok[3], tl[3], tok[4], tl[4])) {
			net_skip(r, L.it.lineno, "address without a port");
			continue;
		}
		size_t pi = st == CR_TCP_UNKNOWN ? 5 : 6;
		uint64_t pid;
		size_t i = 0;
		if (k > pi && cr_parse_u64(tok[pi], tl[pi], &i, &pid) && i < tl[pi] && tok[pi][i] == '/' &&
		    pid <= INT32_MAX)
			so->pid = (int64_t)pid;
		r->rows++;
	}
	return CR_OK;
}

static enum cr_fd_kind lsof_kind(const char *t, size_t n, const char *name, size_t nn)
{
	static const struct { const char *t; enum cr_fd_kind k; } m[] = {
		{ "IPv4", CR_FD_SOCKET }, { "IPv6", CR_FD_SOCKET }, { "sock", CR_FD_SOCKET },
		{ "unix", CR_FD_SOCKET }, { "netlink", CR_FD_SOCKET }, { "inet", CR_FD_SOCKET },
		{ "FIFO", CR_FD_PIPE }, { "PIPE", CR_FD_PIPE }, { "CHR", CR_FD_DEVICE },
		{ "BLK", CR_FD_DEVICE }, { "REG", CR_FD_FILE }, { "DIR", CR_FD_FILE },
		{ "LINK", CR_FD_FILE },
	};
	if (n == 7 && !memcmp(t, "a_inode", 7)) {
		for (size_t i = 0; i + 9 <= nn; i++)
			if (!memcmp(name + i, "eventpoll", 9))
				return CR_FD_EVENTPOLL;
		return CR_FD_ANON;
	}
	for (size_t i = 0; i < sizeof m / sizeof *m; i++)
		if (strlen(m[i].t) == n && !memcmp(m[i].t, t, n))
			return m[i].k;
	return CR_FD_OTHER;
}

enum cr_err net_read_lsof(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct cr_netsnap *sn = r->s;
	bool take_fds = sn->fd_source != CR_NET_FDLIST;
	if (take_fds)
		sn->fd_source = CR_NET_LSOF;
	struct net_lines L;
	const char *s;
	size_t n;
	bool header = false;
	size_t fdcol = 3;
	int64_t pid = -1;
	bool one_pid = true;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		enum { MAXT = 16 };
		const char *tok[MAXT];
		size_t tl[MAXT];
		size_t k = net_tokens(s, n, tok, tl, MAXT);
		if (k == 0)
			continue;
		if (!header && cr_starts(s, n, "COMMAND ")) {
			header = true;
			for (size_t i = 0; i < k; i++)
				if (tl[i] == 2 && !memcmp(tok[i], "FD", 2))
					fdcol = i;
			continue;
		}
		if (net_lines_skip_cut(r, &L)) {
			if (take_fds)
				sn->fd_skipped++;
			continue;
		}
		/* a row without TID/TASKCMD where the header has them */
		size_t fc = fdcol;
		uint64_t v;
		if (fc >= 5 && k > fc && !(tok[fc][0] >= '0' && tok[fc][0] <= '9') &&
		    tok[fc - 2][0] >= '0' && tok[fc - 2][0] <= '9')
			fc -= 2;
		if (k < fc + 3 || !net_u64(tok[1], tl[1], &v) || v > INT32_MAX) {
			net_skip(r, L.it.lineno, "not an lsof row (COMMAND PID USER FD TYPE ... NAME)");
			if (take_fds)
				sn->fd_skipped++;
			continue;
		}
		if (pid >= 0 && pid != (int64_t)v)
			one_pid = false;
		pid = (int64_t)v;
		r->rows++;
		/* FD: a number and a mode ("7u", "10r"), else cwd, txt, mem, ... */
		size_t i = 0;
		uint64_t fd;
		if (!cr_parse_u64(tok[fc], tl[fc], &i, &fd) || fd > INT32_MAX)
			continue;
		const char *type = tok[fc + 1], *name = tok[k - 1];
		size_t typen = tl[fc + 1], namen = tl[k - 1];
		size_t off = (size_t)(tok[fc + 2] - s);
		enum cr_fd_kind kind = lsof_kind(type, typen, s + off, n - off);
		uint64_t inode = 0;
		if (kind == CR_FD_SOCKET)
			net_u64(tok[fc + 2], tl[fc + 2], &inode);
		if (take_fds) {
			size_t last = (size_t)(tok[k - 1] - s) + tl[k - 1];
			enum cr_err rc = net_add_fd(sn, (int64_t)fd, kind, inode, s + off, last - off);
			if (rc)
				return rc;
		}
		/* IPv4/IPv6 ... TCP local->remote (STATE) */
		size_t nodei = 0;
		for (size_t j = fc + 2; j < k; j++)
			if ((tl[j] == 3 && (!memcmp(tok[j], "TCP", 3) || !memcmp(tok[j], "UDP", 3)))) {
				nodei = j;
				break;
			}
		if (kind != CR_FD_SOCKET || !nodei || nodei + 1 >= k)
			continue;
		name = tok[nodei + 1];
		namen = tl[nodei + 1];
		enum cr_tcp_state st = CR_TCP_UNKNOWN;
		if (nodei + 2 < k && tl[nodei + 2] > 2 && tok[nodei + 2][0] == '(')
			st = cr_tcp_state_parse(tok[nodei + 2] + 1, tl[nodei + 2] - 2);
		bool tcp = tok[nodei][0] == 'T';
		if (tcp && st == CR_TCP_UNKNOWN) {
			net_skip(r, L.it.lineno, "TCP socket without a state");
			continue;
		}
		struct cr_sock *so = net_add_sock(sn);
		if (!so)
			return CR_NOMEM;
		so->proto = tcp ? CR_PROTO_TCP : CR_PROTO_UDP;
		so->src = CR_SOCK_LSOF;
		so->state = tcp ? st : CR_TCP_CLOSE;
		so->inode = inode;
		so->pid = pid;
		so->fd = (int64_t)fd;
		const char *arrow = NULL;
		for (size_t j = 0; j + 2 <= namen; j++)
			if (name[j] == '-' && name[j + 1] == '>') {
				arrow = name + j;
				break;
			}
		size_t ln = arrow ? (size_t)(arrow - name) : namen;
		if (set_ends(r, so, name, ln, arrow ? arrow + 2 : NULL,
			     arrow ? namen - ln - 2 : 0)) {
			net_skip(r, L.it.lineno, "address without a port");
			continue;
		}
		if (tcp && st == CR_TCP_LISTEN && !arrow)
			so->remote = "*:*";
	}
	if (!header)
		return cr_fail(e, CR_FORMAT, "%s: lsof output without its header line", r->name);
	if (one_pid && pid >= 0)
		sn->pid = pid;
	return CR_OK;
}
