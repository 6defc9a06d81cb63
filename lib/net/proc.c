/* The kernel's own files: /proc/PID/limits, `ls -l /proc/PID/fd`,
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix}. */
#include "net_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

enum cr_err net_read_limits(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct net_lines L;
	const char *s;
	size_t n;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		if (!cr_starts(s, n, "Max open files"))
			continue;
		const char *tok[3];
		size_t tl[3];
		size_t k = net_tokens(s + 14, n - 14, tok, tl, 3);
		int64_t v[2];
		bool ok = k >= 2 && !L.cut;
		for (size_t i = 0; ok && i < 2; i++) {
			uint64_t u;
			if (tl[i] == 9 && !memcmp(tok[i], "unlimited", 9))
				v[i] = -1;
			else if (net_u64(tok[i], tl[i], &u) && u <= INT64_MAX)
				v[i] = (int64_t)u;
			else
				ok = false;
		}
		if (!ok) {
			net_skip(r, L.it.lineno, "\"Max open files\" without two limits");
			continue;
		}
		r->s->has_limits = true;
		r->s->nofile_soft = v[0];
		r->s->nofile_hard = v[1];
		r->rows++;
	}
	if (!r->rows && r->warn)
		cr_buf_addf(r->warn, "%s: no \"Max open files\" line\n", r->name);
	return CR_OK;
}

/* One fd number seen in this listing? (duplicates are hostile or a merge) */
static bool seen_fd(struct cr_hmap *m, int64_t fd, enum cr_err *rc)
{
	bool found = false;
	if (!cr_hmap_put(m, &fd, sizeof fd, 1, &found))
		*rc = CR_NOMEM;
	return found;
}

enum cr_err net_read_fdlist(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct cr_netsnap *sn = r->s;
	if (sn->fd_source == CR_NET_LSOF) { /* the listing is the better source */
		sn->nfds = 0;
		sn->fd_skipped = 0;
	}
	sn->fd_source = CR_NET_FDLIST;
	struct cr_hmap seen;
	enum cr_err rc = CR_OK;
	cr_hmap_init(&seen);
	for (size_t i = 0; i < sn->nfds && !rc; i++)
		seen_fd(&seen, sn->fds[i].fd, &rc);
	struct net_lines L;
	const char *s;
	size_t n;
	net_lines_init(&L, d, len);
	while (!rc && net_lines_next(&L, &s, &n)) {
		if (n == 0 || cr_starts(s, n, "total "))
			continue;
		if (s[0] == 'd' || cr_starts(s, n, "/proc/")) /* ., .. of ls -la; a heading */
			continue;
		if (net_lines_skip_cut(r, &L))
			continue;
		const char *arrow = NULL;
		for (size_t i = 0; i + 4 <= n; i++)
			if (!memcmp(s + i, " -> ", 4)) {
				arrow = s + i;
				break;
			}
		if (s[0] != 'l' || !arrow) {
			net_skip(r, L.it.lineno, "not an fd link (\"... N -> target\")");
			continue;
		}
		size_t an = (size_t)(arrow - s), st = an;
		while (st > 0 && s[st - 1] != ' ')
			st--;
		uint64_t fd;
		if (!net_u64(s + st, an - st, &fd) || fd > INT32_MAX) {
			net_skip(r, L.it.lineno, "fd is not a number");
			continue;
		}
		const char *t = arrow + 4;
		size_t tn = n - an - 4;
		if (seen_fd(&seen, (int64_t)fd, &rc)) {
			net_skip(r, L.it.lineno, "fd listed twice");
			continue;
		}
		uint64_t inode;
		enum cr_fd_kind k = net_fd_kind(t, tn, &inode);
		if (!rc)
			rc = net_add_fd(sn, (int64_t)fd, k, inode, t, tn);
		r->rows++;
	}
	cr_hmap_release(&seen);
	sn->fd_skipped += r->skipped;
	return rc;
}

/* n hex digits, nothing else (no "0x": the kernel never writes one). */
static bool hex_digits(const char *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	for (size_t k = 0; k < n; k++)
		if (!((p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'f') || (p[k] >= 'A' && p[k] <= 'F')))
			return false;
	return n && cr_parse_hex(p, n, &i, v) && i == n;
}

/* The kernel prints each 32-bit word of an address with %08X in host
 * order: the bytes of a word come out reversed on a little-endian machine,
 * as they are in memory on a big-endian one. */
static bool hex_addr(const char *p, size_t n, bool big, unsigned char *out, size_t *alen,
		     uint32_t *port)
{
	if (n != 13 && n != 37)
		return false;
	size_t words = (n - 5) / 8;
	if (p[words * 8] != ':')
		return false;
	for (size_t w = 0; w < words; w++) {
		uint64_t v;
		if (!hex_digits(p + w * 8, 8, &v))
			return false;
		for (int b = 0; b < 4; b++)
			out[w * 4 + (size_t)b] = (unsigned char)(v >> (big ? 24 - 8 * b : 8 * b) & 0xff);
	}
	uint64_t v;
	if (!hex_digits(p + words * 8 + 1, 4, &v))
		return false;
	*alen = words * 4;
	*port = (uint32_t)v; /* the port is printed with ntohs(): the same on both */
	return true;
}

/* An address only one byte order makes plausible on a host's own tables:
 * loopback, 10/8, 192.168/16, link-local fe80::/10, IPv4-mapped IPv6. */
static bool plausible(const unsigned char *a, size_t alen)
{
	static const unsigned char zero[16];
	if (alen == 4)
		return a[0] == 127 || a[0] == 10 || (a[0] == 192 && a[1] == 168);
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return true;
	return !memcmp(a, zero, 10) && a[10] == 0xff && a[11] == 0xff;
}

/* Big-endian if more addresses of the table are plausible read that way
 * than read little-endian. */
static bool infer_big(const unsigned char *d, size_t len)
{
	struct net_lines L;
	const char *s;
	size_t n;
	long votes = 0;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		const char *tok[3];
		size_t tl[3];
		if (net_tokens(s, n, tok, tl, 3) < 3)
			continue;
		for (int t = 1; t < 3; t++) {
			unsigned char le[16], be[16];
			size_t alen;
			uint32_t port;
			if (!hex_addr(tok[t], tl[t], false, le, &alen, &port) ||
			    !hex_addr(tok[t], tl[t], true, be, &alen, &port))
				continue;
			bool l = plausible(le, alen), b = plausible(be, alen);
			votes += b && !l ? 1 : l && !b ? -1 : 0;
		}
	}
	return votes > 0;
}

static const char *fmt_addr(struct cr_netsnap *s, const unsigned char *a, size_t alen,
			    uint32_t port, bool *v6)
{
	char ip[INET6_ADDRSTRLEN + 2], buf[80];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	*v6 = alen == 16;
	if (alen == 16 && !memcmp(a, mapped, 12))
		a += 12, alen = 4;
	if (!inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, ip, sizeof ip))
		return NULL;
	char pb[12];
	if (port)
		snprintf(pb, sizeof pb, "%u", (unsigned)port);
	else
		snprintf(pb, sizeof pb, "*");
	int k = snprintf(buf, sizeof buf, alen == 16 ? "[%s]:%s" : "%s:%s", ip, pb);
	return k > 0 ? net_strdup(s, buf, (size_t)k) : NULL;
}

enum cr_err net_read_proc_inet(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct net_lines L;
	const char *s;
	size_t n;
	bool header = false, udp = false;
	bool big = r->s->byte_order == CR_BO_BIG ||
		   (r->s->byte_order == CR_BO_AUTO && infer_big(d, len));
	if (big && r->s->byte_order == CR_BO_AUTO && r->warn)
		cr_buf_addf(r->warn, "%s: addresses read big-endian (a s390x or ppc64 kernel's table: "
			    "loopback and private addresses only make sense that way)\n", r->name);
	r->s->big_endian |= big;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		const char *tok[10];
		size_t tl[10];
		size_t k = net_tokens(s, n, tok, tl, 10);
		if (k == 0)
			continue;
		if (!header && k >= 2 && tl[0] == 2 && !memcmp(tok[0], "sl", 2)) {
			header = true;
			udp = false;
			for (size_t i = 0; i + 5 <= n; i++)
				if (!memcmp(s + i, "drops", 5))
					udp = true;
			continue;
		}
		if (net_lines_skip_cut(r, &L))
			continue;
		unsigned char la[16], ra[16];
		size_t lal, ral;
		uint32_t lp, rp;
		uint64_t st, inode, txq, rxq;
		if (k < 10 || tl[0] < 2 || tok[0][tl[0] - 1] != ':' ||
		    !hex_addr(tok[1], tl[1], big, la, &lal, &lp) || !hex_addr(tok[2], tl[2], big, ra, &ral, &rp) ||
		    lal != ral || tl[3] > 2 || !hex_digits(tok[3], tl[3], &st) ||
		    tl[4] != 17 || tok[4][8] != ':' || !net_u64(tok[9], tl[9], &inode)) {
			net_skip(r, L.it.lineno, "not a socket row (sl: local remote st tx:rx ... inode)");
			continue;
		}
		if (!hex_digits(tok[4], 8, &txq) || !hex_digits(tok[4] + 9, 8, &rxq)) {
			net_skip(r, L.it.lineno, "bad tx_queue:rx_queue");
			continue;
		}
		struct cr_sock *so = net_add_sock(r->s);
		if (!so)
			return CR_NOMEM;
		so->proto = udp ? CR_PROTO_UDP : CR_PROTO_TCP;
		so->src = CR_SOCK_KERNEL;
		so->state = st < CR_TCP__N ? (enum cr_tcp_state)st : CR_TCP_UNKNOWN;
		bool v6;
		so->local = fmt_addr(r->s, la, lal, lp, &v6);
		so->remote = fmt_addr(r->s, ra, ral, rp, &v6);
		if (!so->local || !so->remote)
			return CR_NOMEM;
		so->v6 = v6;
		so->lport = lp;
		so->rport = rp;
		so->has_queues = true;
		so->send_q = txq;
		so->recv_q = rxq;
		so->inode = inode;
		/* "tr:tm->when" and "retrnsmt": activity, not needed to count */
		uint64_t tr, rt;
		if (tl[5] == 11 && tok[5][2] == ':' && hex_digits(tok[5], 2, &tr))
			so->timer = (int)tr;
		if (tl[6] <= 8 && hex_digits(tok[6], tl[6], &rt))
			so->retransmits = (int64_t)rt;
		r->rows++;
	}
	if (!header)
		return cr_fail(e, CR_FORMAT, "%s: socket table without its header line", r->name);
	return CR_OK;
}

enum cr_err net_read_proc_unix(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e)
{
	struct net_lines L;
	const char *s;
	size_t n;
	bool header = false;
	net_lines_init(&L, d, len);
	while (net_lines_next(&L, &s, &n)) {
		const char *tok[8];
		size_t tl[8];
		size_t k = net_tokens(s, n, tok, tl, 8);
		if (k == 0)
			continue;
		if (!header && tl[0] == 3 && !memcmp(tok[0], "Num", 3)) {
			header = true;
			continue;
		}
		if (net_lines_skip_cut(r, &L))
			continue;
		uint64_t inode, st;
		size_t i = 0;
		if (k < 7 || tok[0][tl[0] - 1] != ':' || !net_u64(tok[6], tl[6], &inode) ||
		    !cr_parse_hex(tok[5], tl[5], &i, &st) || i != tl[5]) {
			net_skip(r, L.it.lineno, "not a unix socket row (Num: RefCount ... Inode [Path])");
			continue;
		}
		struct cr_sock *so = net_add_unix(r, CR_SOCK_KERNEL, inode);
		if (!so)
			return CR_NOMEM;
		if (k >= 8) {
			size_t off = (size_t)(tok[7] - s);
			so->path = net_strdup(r->s, tok[7], n - off < 512 ? n - off : 512);
			if (!so->path)
				return CR_NOMEM;
		}
	}
	if (!header)
		return cr_fail(e, CR_FORMAT, "%s: unix socket table without its header line", r->name);
	return CR_OK;
}
