/* Private to lib/net: the readers' shared helpers. */
#ifndef CORONER_NET_INT_H
#define CORONER_NET_INT_H

#include "coroner/net.h"
#include "coroner/text.h"

/* Longest line read; longer lines are skipped (counted). */
#define NET_MAX_LINE 65536
/* Skipped lines described one by one per file; the rest are only counted. */
#define NET_MAX_WARN 5

/* One reader's run over one file. */
struct net_rd {
	struct cr_netsnap *s;
	const char *name;
	struct cr_buf *warn;
	size_t skipped, warned;
	size_t rows; /* rows read */
};

/* Was the line just read the last one, without its newline (a file cut
 * mid-line)? Its fields may be cut too: readers skip it. */
static inline bool net_last_cut(const struct cr_lines *it, const unsigned char *d, size_t len)
{
	return it->p >= it->end && len && d[len - 1] != '\n';
}

/* Count a skipped line and describe it (up to NET_MAX_WARN). */
void net_skip(struct net_rd *r, size_t lineno, const char *why);

/* A listing read line by line, each line up to NET_MAX_LINE bytes; cut:
 * the line was longer (its first NET_MAX_LINE bytes given). */
struct net_lines {
	struct cr_lines it;
	const unsigned char *d;
	size_t len;
	bool cut;
};

static inline void net_lines_init(struct net_lines *L, const unsigned char *d, size_t len)
{
	cr_lines_init(&L->it, d, len);
	L->d = d;
	L->len = len;
	L->cut = false;
}

static inline bool net_lines_next(struct net_lines *L, const char **s, size_t *n)
{
	return cr_lines_next(&L->it, s, n, NET_MAX_LINE, &L->cut);
}

/* The line just read was cut short (too long, or the file's last line
 * without its newline): counted as skipped, with why; true. */
static inline bool net_lines_skip_cut(struct net_rd *r, const struct net_lines *L)
{
	if (!L->cut && !net_last_cut(&L->it, L->d, L->len))
		return false;
	net_skip(r, L->it.lineno, L->cut ? "line too long" : "cut at the end of the file");
	return true;
}
/* Whitespace-separated tokens of a line: at most max, returns how many. */
size_t net_tokens(const char *s, size_t n, const char **tok, size_t *tlen, size_t max);
enum cr_err net_add_fd(struct cr_netsnap *s, int64_t fd, enum cr_fd_kind kind, uint64_t inode,
		       const char *target, size_t tlen);
/* The kind of an fd link target / lsof row; sets *inode for socket:[N], pipe:[N]. */
enum cr_fd_kind net_fd_kind(const char *t, size_t n, uint64_t *inode);
/* A new socket row, zeroed with pid = fd = -1 and empty strings; NULL on NOMEM. */
struct cr_sock *net_add_sock(struct cr_netsnap *s);
/* The same for a unix socket of inode read by r from src (a row counted). */
struct cr_sock *net_add_unix(struct net_rd *r, enum cr_sock_src src, uint64_t inode);
const char *net_strdup(struct cr_netsnap *s, const char *p, size_t n);
/* "addr:port" as a tool printed it, normalised: brackets kept for IPv6,
 * "::ffff:a.b.c.d" shown as "a.b.c.d", "%iface" dropped. Sets *port (0 for
 * "*" or a service name), *v6. NULL on NOMEM or if there is no ':'. */
const char *net_endpoint(struct cr_netsnap *s, const char *p, size_t n, uint32_t *port, bool *v6);
/* Decimal u64 that is the whole token. */
bool net_u64(const char *p, size_t n, uint64_t *v);

enum cr_err net_read_limits(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_fdlist(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_proc_inet(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_proc_unix(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_ss(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_netstat(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);
enum cr_err net_read_lsof(struct net_rd *r, const unsigned char *d, size_t len, struct cr_error *e);

#endif
