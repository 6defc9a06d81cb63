/* The connection snapshot: detection, names, shared helpers, dispatch. */
#include "net_int.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[CR_NET__N] = {
	[CR_NET_UNKNOWN] = "unrecognised content",
	[CR_NET_LIMITS] = "/proc/PID/limits",
	[CR_NET_FDLIST] = "fd listing (ls -l /proc/PID/fd)",
	[CR_NET_PROC_INET] = "/proc/net/tcp|udp table",
	[CR_NET_PROC_UNIX] = "/proc/net/unix table",
	[CR_NET_SS] = "ss output",
	[CR_NET_NETSTAT] = "netstat output",
	[CR_NET_LSOF] = "lsof output",
};

const char *cr_net_kind_name(enum cr_net_kind k)
{
	return (unsigned)k < CR_NET__N ? kind_names[k] : kind_names[0];
}

static const char *const fd_names[CR_FD__N] = {
	"socket", "pipe", "eventpoll", "anon_inode", "device", "file", "other",
};

const char *cr_fd_kind_name(enum cr_fd_kind k)
{
	return (unsigned)k < CR_FD__N ? fd_names[k] : "other";
}

static const char *const state_names[CR_TCP__N] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

const char *cr_tcp_state_name(enum cr_tcp_state s)
{
	return (unsigned)s < CR_TCP__N ? state_names[s] : "UNKNOWN";
}

enum cr_tcp_state cr_tcp_state_parse(const char *s, size_t n)
{
	/* compare ignoring '-' vs '_' and case; accept ss's and lsof's short forms */
	char b[16];
	size_t k = 0;
	if (n == 0 || n >= sizeof b)
		return CR_TCP_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-')
			c = '_';
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		b[k++] = c;
	}
	b[k] = 0;
	static const struct { const char *s; enum cr_tcp_state st; } alias[] = {
		{ "ESTAB", CR_TCP_ESTABLISHED }, { "FIN_WAIT_1", CR_TCP_FIN_WAIT1 },
		{ "FIN_WAIT_2", CR_TCP_FIN_WAIT2 }, { "UNCONN", CR_TCP_CLOSE },
		{ "CLOSED", CR_TCP_CLOSE }, { "SYN_RECEIVED", CR_TCP_SYN_RECV },
		{ "CLOSE_WAIT", CR_TCP_CLOSE_WAIT },
	};
	for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
		if (!strcmp(b, alias[i].s))
			return alias[i].st;
	for (unsigned i = 1; i < CR_TCP__N; i++)
		if (!strcmp(b, state_names[i]))
			return (enum cr_tcp_state)i;
	return CR_TCP_UNKNOWN;
}

/* Does the line contain the word w? */
static bool has(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, w, k) == 0)
			return true;
	return false;
}

/* "lrwx------ " (an ls -l line of a symbolic link) */
static bool ls_link(const char *s, size_t n)
{
	if (n < 11 || s[0] != 'l')
		return false;
	for (int i = 1; i < 10; i++)
		if (!strchr("rwxsStT-", s[i]))
			return false;
	return has(s, n, " -> ");
}

enum cr_net_kind cr_net_detect(const unsigned char *data, size_t len)
{
	struct cr_lines it;
	if (!cr_lines_probe(&it, data, len, 4096))
		return CR_NET_UNKNOWN;
	const char *s;
	size_t n;
	int lines = 0;
	while (cr_lines_next(&it, &s, &n, 4096, NULL) && lines < 3) {
		if (!cr_trim_left(&s, &n))
			continue;
		lines++;
		if (lines == 1) {
			if (cr_starts(s, n, "Limit ") && has(s, n, "Soft Limit"))
				return CR_NET_LIMITS;
			if (cr_starts(s, n, "sl ") && has(s, n, "local_address"))
				return CR_NET_PROC_INET;
			if (cr_starts(s, n, "Num ") && has(s, n, "RefCount"))
				return CR_NET_PROC_UNIX;
			if ((cr_starts(s, n, "State ") || cr_starts(s, n, "Netid ")) && has(s, n, "Recv-Q"))
				return CR_NET_SS;
			if (cr_starts(s, n, "Active Internet connections") ||
			    cr_starts(s, n, "Active UNIX domain sockets") ||
			    (cr_starts(s, n, "Proto ") && has(s, n, "Recv-Q")))
				return CR_NET_NETSTAT;
			if (cr_starts(s, n, "COMMAND ") && has(s, n, " PID ") && has(s, n, " FD ") &&
			    has(s, n, " NAME"))
				return CR_NET_LSOF;
			if (cr_starts(s, n, "total ")) {
				size_t k = 6;
				uint64_t v;
				if (cr_parse_u64(s, n, &k, &v) && k == n)
					continue; /* ls -l: the next line decides */
			}
		}
		return ls_link(s, n) ? CR_NET_FDLIST : CR_NET_UNKNOWN;
	}
	return CR_NET_UNKNOWN;
}

void cr_netsnap_init(struct cr_netsnap *s)
{
	memset(s, 0, sizeof *s);
	cr_arena_init(&s->arena);
	s->nofile_soft = s->nofile_hard = -1;
	s->pid = -1;
}

void cr_netsnap_release(struct cr_netsnap *s)
{
	cr_arena_release(&s->arena);
	cr_free(s->fds);
	cr_free(s->socks);
	memset(s, 0, sizeof *s);
}

void net_skip(struct net_rd *r, size_t lineno, const char *why)
{
	r->skipped++;
	if (r->warn && r->warned < NET_MAX_WARN) {
		r->warned++;
		cr_buf_addf(r->warn, "%s: line %zu: %s: skipped\n", r->name, lineno, why);
	}
}

size_t net_tokens(const char *s, size_t n, const char **tok, size_t *tlen, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		tok[k] = s + st;
		tlen[k] = i - st;
		k++;
	}
	return k;
}

bool net_u64(const char *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	return cr_parse_u64(p, n, &i, v) && i == n;
}

const char *net_strdup(struct cr_netsnap *s, const char *p, size_t n)
{
	return cr_arena_strndup(&s->arena, p, n);
}

enum cr_fd_kind net_fd_kind(const char *t, size_t n, uint64_t *inode)
{
	*inode = 0;
	size_t i;
	if (cr_starts(t, n, "socket:[") || cr_starts(t, n, "pipe:[")) {
		i = t[0] == 's' ? 8 : 6;
		uint64_t v;
		if (cr_parse_u64(t, n, &i, &v) && i + 1 == n && t[i] == ']') {
			*inode = v;
			return t[0] == 's' ? CR_FD_SOCKET : CR_FD_PIPE;
		}
		return CR_FD_OTHER;
	}
	if (cr_starts(t, n, "anon_inode:"))
		return cr_starts(t + 11, n - 11, "[eventpoll]") ? CR_FD_EVENTPOLL : CR_FD_ANON;
	if (cr_starts(t, n, "/dev/"))
		return CR_FD_DEVICE;
	if (n && t[0] == '/')
		return CR_FD_FILE;
	return CR_FD_OTHER;
}

enum cr_err net_add_fd(struct cr_netsnap *s, int64_t fd, enum cr_fd_kind kind, uint64_t inode,
		       const char *target, size_t tlen)
{
	if (cr_grow(&s->fds, &s->cap_fds, s->nfds + 1, sizeof *s->fds))
		return CR_NOMEM;
	const char *t = net_strdup(s, target, tlen < 512 ? tlen : 512);
	if (!t)
		return CR_NOMEM;
	s->fds[s->nfds++] = (struct cr_fd){ .fd = fd, .kind = kind, .inode = inode, .target = t };
	return CR_OK;
}

struct cr_sock *net_add_sock(struct cr_netsnap *s)
{
	if (cr_grow(&s->socks, &s->cap_socks, s->nsocks + 1, sizeof *s->socks))
		return NULL;
	struct cr_sock *k = &s->socks[s->nsocks++];
	memset(k, 0, sizeof *k);
	k->pid = k->fd = -1;
	k->local = k->remote = k->path = "";
	k->timer = -1;
	k->retransmits = k->last_io_ms = -1;
	return k;
}

int cr_sock_idle(const struct cr_sock *k)
{
	if (k->proto != CR_PROTO_TCP || k->state != CR_TCP_ESTABLISHED)
		return 0;
	if (!k->has_queues)
		return -1;
	if (k->send_q || k->recv_q || k->timer == 1 || k->timer == 4 || k->retransmits > 0)
		return 0;
	if (k->last_io_ms >= 0 && k->last_io_ms < CR_SOCK_IDLE_MS)
		return 0;
	return 1;
}

struct cr_sock *net_add_unix(struct net_rd *r, enum cr_sock_src src, uint64_t inode)
{
	struct cr_sock *k = net_add_sock(r->s);
	if (k) {
		k->proto = CR_PROTO_UNIX;
		k->src = src;
		k->inode = inode;
		r->rows++;
	}
	return k;
}

const char *net_endpoint(struct cr_netsnap *s, const char *p, size_t n, uint32_t *port, bool *v6)
{
	*port = 0;
	*v6 = false;
	const char *colon = NULL;
	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == ':') {
			colon = p + i - 1;
			break;
		}
	if (!colon)
		return NULL;
	const char *a = p, *pp = colon + 1;
	size_t an = (size_t)(colon - p), pn = n - an - 1;
	uint64_t v;
	if (net_u64(pp, pn, &v) && v <= 65535)
		*port = (uint32_t)v;
	if (an >= 2 && a[0] == '[' && a[an - 1] == ']')
		a++, an -= 2;
	for (size_t i = 0; i < an; i++)
		if (a[i] == '%') { /* 127.0.0.53%lo */
			an = i;
			break;
		}
	if (memchr(a, ':', an))
		*v6 = true;
	if (cr_starts(a, an, "::ffff:") && an > 7 && !memchr(a + 7, ':', an - 7))
		a += 7, an -= 7, *v6 = true;
	else if (cr_starts(a, an, "::FFFF:") && an > 7 && !memchr(a + 7, ':', an - 7))
		a += 7, an -= 7, *v6 = true;
	bool brackets = memchr(a, ':', an) != NULL;
	if (an > 256 || pn > 64)
		return NULL;
	char buf[340];
	int k = snprintf(buf, sizeof buf, "%s%.*s%s:%.*s", brackets ? "[" : "", (int)an, a,
			 brackets ? "]" : "", (int)pn, pp);
	if (k < 0)
		return NULL;
	return net_strdup(s, buf, (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1);
}

enum cr_sock_src cr_netsnap_best_source(const struct cr_netsnap *s)
{
	enum cr_sock_src best = CR_SOCK__N;
	for (size_t i = 0; i < s->nsocks; i++)
		if (s->socks[i].src < best)
			best = s->socks[i].src;
	return best;
}

bool cr_netsnap_has_socket_fd(const struct cr_netsnap *s, uint64_t inode)
{
	if (!inode)
		return false;
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].kind == CR_FD_SOCKET && s->fds[i].inode == inode)
			return true;
	return false;
}

enum cr_err cr_netsnap_parse(struct cr_netsnap *s, const unsigned char *data, size_t len,
			     enum cr_net_kind kind, const char *name, struct cr_buf *warn,
			     struct cr_error *e)
{
	if (kind == CR_NET_UNKNOWN)
		kind = cr_net_detect(data, len);
	struct net_rd r = { .s = s, .name = name, .warn = warn };
	enum cr_err rc;
	switch (kind) {
	case CR_NET_LIMITS: rc = net_read_limits(&r, data, len, e); break;
	case CR_NET_FDLIST: rc = net_read_fdlist(&r, data, len, e); break;
	case CR_NET_PROC_INET: rc = net_read_proc_inet(&r, data, len, e); break;
	case CR_NET_PROC_UNIX: rc = net_read_proc_unix(&r, data, len, e); break;
	case CR_NET_SS: rc = net_read_ss(&r, data, len, e); break;
	case CR_NET_NETSTAT: rc = net_read_netstat(&r, data, len, e); break;
	case CR_NET_LSOF: rc = net_read_lsof(&r, data, len, e); break;
	default:
		if (len == 0)
			return cr_fail(e, CR_EMPTY, "%s: empty file", name);
		return cr_fail(e, CR_UNSUPPORTED,
			       "%s: not a limits file, fd listing, socket table, ss, netstat or lsof output",
			       name);
	}
	if (rc == CR_NOMEM)
		return cr_fail(e, CR_NOMEM, "%s: out of memory (raise --max-memory)", name);
	if (rc)
		return rc;
	if (len && data[len - 1] != '\n') {
		s->truncated = true;
		if (warn)
			cr_buf_addf(warn, "%s: ends inside a line (truncated?)\n", name);
	}
	if (r.skipped) {
		s->skipped += r.skipped;
		if (warn && r.skipped > r.warned)
			cr_buf_addf(warn, "%s: %zu lines skipped in all\n", name, r.skipped);
	}
	if (!r.rows && kind == CR_NET_LSOF)
		return cr_fail(e, CR_EMPTY, "%s: %s with no rows", name, cr_net_kind_name(kind));
	s->sources |= 1u << kind;
	return CR_OK;
}
