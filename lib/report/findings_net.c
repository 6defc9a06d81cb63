/* Findings from connections and descriptors: conn_leak, fd_exhaustion,
 * accept_backlog. Each capture's net files (limits, fd listing, socket
 * tables, ss/netstat/lsof: CR_KIND_NET) are read into a struct cr_netsnap
 * and joined with its goroutine dump through cr_netreport_compute(). */
#include "coroner/input.h"
#include "coroner/netreport.h"
#include "coroner/text.h"
#include "findings_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Thresholds, stated once:
 *   conn_leak:      >= CONN_MANY CLOSE_WAIT sockets in the last capture, or
 *                   CLOSE_WAIT grew by >= CONN_GROWTH across captures; or
 *                   as many idle dialed ESTABLISHED sockets (cr_sock_idle),
 *                   or those grew by CONN_GROWTH with more than
 *                   IDLE_PER_HOST idle towards one remote;
 *   fd_exhaustion:  open >= 85% of a finite soft limit, or a capture's file
 *                   says "too many open files";
 *   accept_backlog: a listener whose accept queue is at its backlog (ss
 *                   shows both; Linux queues backlog+1). */
#define CONN_MANY 20
#define CONN_GROWTH 5
/* net/http's DefaultMaxIdleConnsPerHost */
#define IDLE_PER_HOST 2
#define FD_PCT 85

struct netcap {
	const char *path;
	bool any;
	struct cr_netsnap snap;
	struct cr_netreport rep;
	bool has_rep;
	int64_t emfile;
	const char *emfile_file;
};

static int64_t count_emfile(const unsigned char *d, size_t len)
{
	static const char pat[] = "too many open files";
	const size_t k = sizeof pat - 1;
	int64_t n = 0;
	for (size_t i = 0; i + k <= len;) {
		const unsigned char *p = memchr(d + i, 't', len - i - k + 1);
		if (!p)
			break;
		i = (size_t)(p - d) + 1;
		if (!memcmp(p, pat, k)) {
			n++;
			const unsigned char *nl = memchr(p, '\n', len - (size_t)(p - d));
			if (!nl)
				break;
			i = (size_t)(nl - d) + 1;
		}
	}
	return n;
}

static enum cr_err load(struct cr_report *r, const struct cr_capture *c, struct netcap *nc)
{
	cr_netsnap_init(&nc->snap);
	nc->path = c->path;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cr_capture_file *f = &c->files[i];
		bool net = f->kind == CR_KIND_NET && !f->problem;
		/* logs: what the report did not recognise, and tracebacks */
		bool log = f->kind == CR_KIND_UNKNOWN || f->kind == CR_KIND_TRACEBACK ||
			   f->kind == CR_KIND_KERNEL_LOG;
		if (!net && !log)
			continue;
		struct cr_input in;
		struct cr_error e = { 0 };
		enum cr_err rc = cr_input_open(&in, f->path, 0, &e);
		if (rc == CR_NOMEM)
			return rc;
		if (rc)
			continue; /* add_file said so already */
		if (log && cr_looks_text(in.data, in.len < 4096 ? in.len : 4096)) {
			int64_t n = count_emfile(in.data, in.len);
			if (n && !nc->emfile)
				nc->emfile_file = f->path;
			nc->emfile = cr_sat_add(nc->emfile, n);
		}
		if (net) {
			struct cr_buf warn = { 0 };
			rc = cr_netsnap_parse(&nc->snap, in.data, in.len, CR_NET_UNKNOWN, f->path, &warn, &e);
			if (warn.len)
				cr_report_warn(r, "%.*s", (int)strcspn(cr_buf_str(&warn), "\n"), cr_buf_str(&warn));
			cr_buf_release(&warn);
			if (rc == CR_NOMEM || rc == CR_LIMIT) {
				cr_input_close(&in);
				return rc;
			}
			if (rc)
				cr_report_warn(r, "%s", e.msg);
			else
				nc->any = true;
		}
		cr_input_close(&in);
	}
	return CR_OK;
}

static enum cr_err groups_table(struct cr_report *r, struct cr_rfinding *f, const struct cr_netreport *n)
{
	if (!n->ngroups)
		return CR_OK;
	struct cr_table *t = cr_finding_table(r, f, "goroutines", "goroutines holding network I/O");
	if (!t)
		return CR_NOMEM;
	cr_table_col(t, "count", "count", CR_RIGHT);
	cr_table_col(t, "role", "role", CR_LEFT);
	cr_table_col(t, "state", "state", CR_LEFT);
	cr_table_col(t, "function", "function", CR_LEFT);
	for (size_t i = 0; i < n->ngroups && i < 8; i++) {
		const struct cr_ggroup *g = n->groups[i].g;
		if (cr_table_row(t) || cr_table_int(t, g->count, NULL) || cr_table_str(t, n->groups[i].role) ||
		    cr_table_str(t, g->state ? g->state : "") || cr_table_str(t, g->function))
			return CR_NOMEM;
	}
	return CR_OK;
}

static int64_t role_count(const struct cr_netreport *n, const char *role)
{
	int64_t s = 0;
	for (size_t i = 0; i < n->ngroups; i++)
		if (!strcmp(n->groups[i].role, role))
			s = cr_sat_add(s, n->groups[i].g->count);
	return s;
}

/* Idle dialed connections and what they say about their Transports. */
struct idle_ev {
	const struct cr_netendpoint *top; /* the remote with the most idle sockets */
	int64_t idle, idle0;               /* dialed idle sockets, last and first capture (-1) */
	int64_t top0;                      /* idle towards top in the first capture (-1) */
	int64_t kept;                      /* of those, still idle in the last (-1): same connections */
	bool many, grew, per_request;
};

static const struct cr_netendpoint *find_remote(const struct cr_netreport *n, const char *ep)
{
	for (size_t i = 0; i < n->nendpoints; i++)
		if (!n->endpoints[i].listener && !strcmp(n->endpoints[i].endpoint, ep))
			return &n->endpoints[i];
	return NULL;
}

/* A connection's key across captures: its inode, else (ss, netstat) its
 * local address (the remote is the same by construction). */
static size_t idle_key(const struct cr_idlesock *x, char *buf, size_t cap)
{
	int k = x->inode ? snprintf(buf, cap, "i%llu", (unsigned long long)x->inode)
			 : snprintf(buf, cap, "l%s", x->local);
	return k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
}

/* How many of a's idle sockets towards remote are idle in b too (same
 * inode, or same local address when the source has no inodes). */
static enum cr_err kept_idle(const struct cr_netreport *a, const struct cr_netreport *b,
			     const char *remote, int64_t *kept)
{
	struct cr_hmap m;
	char key[400];
	cr_hmap_init(&m);
	*kept = 0;
	for (size_t i = 0; i < b->nidle_socks; i++) {
		bool found;
		if (!strcmp(b->idle_socks[i].remote, remote) &&
		    !cr_hmap_put(&m, key, idle_key(&b->idle_socks[i], key, sizeof key), 1, &found)) {
			cr_hmap_release(&m);
			return CR_NOMEM;
		}
	}
	for (size_t i = 0; i < a->nidle_socks; i++)
		if (!strcmp(a->idle_socks[i].remote, remote) &&
		    cr_hmap_get(&m, key, idle_key(&a->idle_socks[i], key, sizeof key)))
			(*kept)++;
	cr_hmap_release(&m);
	return CR_OK;
}

/* A shared net/http Transport keeps at most MaxIdleConnsPerHost (2 unless
 * raised) idle connections per host, and takes an idle one before it
 * dials. So: many idle connections to one remote, each held by a read loop
 * parked in netpoll (a pooled connection), and, across captures, new ones
 * dialed while every idle one of the first capture stayed idle: each
 * request had its own pool. With one capture the pattern is named with
 * its other explanation (a raised MaxIdleConnsPerHost after a burst). */
static enum cr_err idle_evidence(const struct netcap *first, const struct netcap *last, bool bodies,
				 struct idle_ev *v)
{
	const struct cr_netreport *n = &last->rep;
	memset(v, 0, sizeof *v);
	v->idle0 = v->top0 = v->kept = -1;
	if (!n->has_idle)
		return CR_OK;
	v->idle = n->idle_out;
	for (size_t i = 0; i < n->nendpoints; i++)
		if (!n->endpoints[i].listener && n->endpoints[i].idle > 0 &&
		    (!v->top || n->endpoints[i].idle > v->top->idle))
			v->top = &n->endpoints[i];
	bool two = first && first != last && first->rep.has_idle;
	if (two) {
		v->idle0 = first->rep.idle_out;
		const struct cr_netendpoint *t0 = v->top ? find_remote(&first->rep, v->top->endpoint) : NULL;
		v->top0 = t0 ? t0->idle : 0;
		if (v->top) {
			enum cr_err rc = kept_idle(&first->rep, n, v->top->endpoint, &v->kept);
			if (rc)
				return rc;
		}
	}
	int64_t top = v->top ? v->top->idle : 0;
	v->many = v->idle >= CONN_MANY;
	v->grew = two && v->idle - v->idle0 >= CONN_GROWTH && top > IDLE_PER_HOST;
	bool pooled = top > IDLE_PER_HOST && n->has_goroutines && n->readloops_io_wait * 2 >= top;
	bool top_grew = two && top - v->top0 >= CONN_GROWTH;
	bool none_reused = two && v->top0 > 0 && v->kept == v->top0;
	v->per_request = pooled && !bodies && (top >= CONN_MANY || top_grew) && (!two || (top_grew && none_reused));
	return CR_OK;
}

static enum cr_err idle_facts(struct cr_report *r, struct cr_rfinding *f, const struct cr_netreport *n,
			      const struct idle_ev *v)
{
	enum cr_err rc = cr_finding_fact(r, f, "idle_established", "idle ESTABLISHED connections dialed", CR_FACT_INT,
					 v->idle, 0, NULL);
	if (!rc && v->idle0 >= 0)
		rc = cr_finding_fact(r, f, "idle_established_first", "idle in the first capture", CR_FACT_INT, v->idle0, 0, NULL);
	if (!rc && v->top)
		rc = cr_finding_fact(r, f, "idle_remote", "remote endpoint with most idle", CR_FACT_STR, 0, 0, v->top->endpoint);
	if (!rc && v->top)
		rc = cr_finding_fact(r, f, "remote_idle", "idle towards it", CR_FACT_INT, v->top->idle, 0, NULL);
	if (!rc && v->top0 >= 0)
		rc = cr_finding_fact(r, f, "remote_idle_first", "idle towards it in the first capture", CR_FACT_INT, v->top0, 0, NULL);
	if (!rc && v->kept >= 0)
		rc = cr_finding_fact(r, f, "kept_idle", "first capture's, still idle", CR_FACT_INT,
				     v->kept, 0, NULL);
	if (!rc && n->has_goroutines)
		rc = cr_finding_fact(r, f, "read_loops_io_wait", "read loops in IO wait (pooled)",
				     CR_FACT_INT, n->readloops_io_wait, 0, NULL);
	if (!rc && n->readloop_wait_max >= 0 && n->readloops_io_wait)
		rc = cr_finding_fact(r, f, "io_wait_max_minutes", "longest IO wait (minutes)", CR_FACT_INT,
				     n->readloop_wait_max, 0, NULL);
	return rc;
}

static enum cr_err conn_leak(struct cr_report *r, const struct netcap *first, const struct netcap *last)
{
	const struct cr_netreport *n = &last->rep;
	int64_t cw = n->by_state[CR_TCP_CLOSE_WAIT];
	int64_t cw0 = first && first != last && first->rep.has_tcp ? first->rep.by_state[CR_TCP_CLOSE_WAIT] : -1;
	bool grew = cw0 >= 0 && cw - cw0 >= CONN_GROWTH;
	bool closewait = n->has_tcp && (cw >= CONN_MANY || grew);
	/* net/http read loops not parked in netpoll wait for their body's Close */
	int64_t loops = role_count(n, "http client read loop");
	int64_t waiting = loops - n->readloops_io_wait;
	bool bodies = closewait && waiting > 0 && waiting * 2 >= cw;
	struct idle_ev v;
	enum cr_err rc = idle_evidence(first, last, bodies, &v);
	if (rc)
		return rc;
	bool idle = v.many || v.grew;
	if (!closewait && !idle)
		return CR_OK;
	/* the remote endpoint holding most CLOSE_WAIT sockets */
	const struct cr_netendpoint *top = NULL;
	for (size_t i = 0; i < n->nendpoints && closewait; i++)
		if (!n->endpoints[i].listener &&
		    (!top || n->endpoints[i].states[CR_TCP_CLOSE_WAIT] > top->states[CR_TCP_CLOSE_WAIT]))
			top = &n->endpoints[i];
	if (!closewait)
		top = v.top;
	int64_t amount = closewait ? cw : v.idle;
	bool fds_half = n->has_limits && n->limit_soft > 0 && n->fds_open * 2 >= n->limit_soft;
	enum cr_fsev sev = amount >= 100 || ((grew || v.grew) && fds_half) ? CR_FSEV_HIGH : CR_FSEV_MEDIUM;
	struct cr_rfinding *f = cr_report_finding(r, "conn_leak", top ? top->endpoint : "tcp", sev, (double)amount);
	if (!f)
		return CR_NOMEM;
	const char *to = top ? " towards " : "", *tn = top ? top->endpoint : "";
	if (closewait && grew)
		rc = cr_finding_summary(r, f, "TCP sockets in CLOSE_WAIT grew from %" PRId64 " to %" PRId64 "%s%s: the peer closed them and this process never did%s",
					cw0, cw, to, tn, bodies ? " (response bodies not closed)" : "");
	else if (closewait)
		rc = cr_finding_summary(r, f, "%" PRId64 " TCP sockets in CLOSE_WAIT%s%s: the peer closed them and this process never did%s",
					cw, to, tn, bodies ? " (response bodies not closed)" : "");
	else if (v.grew)
		rc = cr_finding_summary(r, f, "idle ESTABLISHED connections grew from %" PRId64 " to %" PRId64 "%s%s: dialed, then kept open with nothing in flight%s",
					v.idle0, v.idle, to, tn, v.per_request ? " (a Transport per request)" : "");
	else
		rc = cr_finding_summary(r, f, "%" PRId64 " idle ESTABLISHED connections%s%s: dialed, then kept open with nothing in flight%s",
					v.idle, to, tn, v.per_request ? " (a Transport per request?)" : "");
	if (!rc && closewait) {
		rc = cr_finding_fact(r, f, "close_wait", "sockets in CLOSE_WAIT", CR_FACT_INT, cw, 0, NULL);
		if (!rc && cw0 >= 0)
			rc = cr_finding_fact(r, f, "close_wait_first", "in CLOSE_WAIT in the first capture", CR_FACT_INT, cw0, 0, NULL);
		if (!rc && top)
			rc = cr_finding_fact(r, f, "remote", "remote endpoint with most", CR_FACT_STR, 0, 0, top->endpoint);
		if (!rc && top)
			rc = cr_finding_fact(r, f, "remote_close_wait", "CLOSE_WAIT towards it", CR_FACT_INT,
					     top->states[CR_TCP_CLOSE_WAIT], 0, NULL);
	}
	if (!rc && n->has_idle && (idle || v.idle))
		rc = idle_facts(r, f, n, &v);
	if (!rc && n->has_goroutines)
		rc = cr_finding_fact(r, f, "transport_read_loops", "net/http transport read loops", CR_FACT_INT, loops, 0, NULL);
	if (!rc && n->has_fds)
		rc = cr_finding_fact(r, f, "fds_open", "open descriptors", CR_FACT_INT, n->fds_open, 0, NULL);
	char cause[600];
	if (v.per_request && v.kept >= 0)
		snprintf(cause, sizeof cause, "a Transport per request: %" PRId64 " idle connections to %s from as many local ports, "
			 "each with its own net/http read loop waiting in netpoll; a shared Transport keeps at most "
			 "MaxIdleConnsPerHost (2 by default) idle per host and takes one before it dials, yet %" PRId64
			 " new ones were dialed while all %" PRId64 " of the first capture stayed idle",
			 v.top->idle, v.top->endpoint, v.top->idle - v.top0, v.kept);
	else if (v.per_request)
		snprintf(cause, sizeof cause, "a Transport (or Client with its own Transport) per request, or MaxIdleConnsPerHost raised "
			 "after a burst: %" PRId64 " idle connections to %s, each with its own net/http read loop waiting in netpoll "
			 "(a shared Transport keeps 2 idle per host by default); a second capture tells them apart",
			 v.top->idle, v.top->endpoint);
	else if (bodies)
		snprintf(cause, sizeof cause, "response bodies not closed: each connection keeps a net/http persistConn readLoop and writeLoop goroutine until its body is closed");
	else if (closewait && loops)
		snprintf(cause, sizeof cause, "connections of net/http transports left open (bodies not closed on some path, or idle pools never closed)");
	else if (closewait)
		snprintf(cause, sizeof cause, "connections never closed after the peer closed them (a missing Close, or a read with no deadline)");
	else
		snprintf(cause, sizeof cause, "idle connections kept open: pools never closed or trimmed (no IdleConnTimeout, Transports dropped without CloseIdleConnections), or a client per request");
	if (!rc)
		rc = cr_finding_fact(r, f, "cause", "likely cause", CR_FACT_STR, 0, 0, cause);
	if (!rc)
		rc = cr_finding_next(r, f, "%s",
				     v.per_request ? "create one http.Client (or Transport) at start-up and share it: a Transport is safe for concurrent use and owns the connection pool; a Transport that must go: CloseIdleConnections(); set IdleConnTimeout"
				     : bodies ? "close resp.Body on every path (defer resp.Body.Close() after the error check; drain it to reuse the connection); share one http.Client/Transport; set Client.Timeout"
				     : "find who holds the sockets (coroner net CAPTURE: goroutines by role); close connections on every path, set read deadlines and IdleConnTimeout, share one Transport");
	if (!rc)
		rc = groups_table(r, f, n);
	return rc;
}

static enum cr_err fd_exhaustion(struct cr_report *r, const struct netcap *last)
{
	const struct cr_netreport *n = &last->rep;
	double pct = n->has_fds && n->has_limits && n->limit_soft > 0
			     ? 100.0 * (double)n->fds_open / (double)n->limit_soft : -1;
	if (pct < FD_PCT && !last->emfile)
		return CR_OK;
	enum cr_fsev sev = pct >= 95 || last->emfile ? CR_FSEV_HIGH : CR_FSEV_MEDIUM;
	struct cr_rfinding *f = cr_report_finding(r, "fd_exhaustion", "nofile", sev, pct > 0 ? pct : 100);
	if (!f)
		return CR_NOMEM;
	enum cr_err rc;
	if (pct >= 0)
		rc = cr_finding_summary(r, f, "%s%" PRId64 " descriptors open of a soft limit of %" PRId64 " (%.0f%%)%s",
					n->fds_lower_bound ? "at least " : "", n->fds_open, n->limit_soft, pct,
					last->emfile ? "; \"too many open files\" logged" : "");
	else
		rc = cr_finding_summary(r, f, "\"too many open files\" in %s: the process ran out of descriptors",
					last->emfile_file);
	if (!rc && n->has_fds)
		rc = cr_finding_fact(r, f, "open", "open descriptors", CR_FACT_INT, n->fds_open, 0, NULL);
	if (!rc && n->has_limits) {
		rc = cr_finding_fact(r, f, "limit_soft", "soft limit", CR_FACT_INT, n->limit_soft, 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "limit_hard", "hard limit", CR_FACT_INT, n->limit_hard, 0, NULL);
	}
	if (!rc && pct >= 0)
		rc = cr_finding_fact(r, f, "percent", "of the soft limit", CR_FACT_PCT, 0, pct, NULL);
	if (!rc && n->has_fds)
		rc = cr_finding_fact(r, f, "sockets", "of them sockets", CR_FACT_INT, n->by_kind[CR_FD_SOCKET], 0, NULL);
	if (!rc && last->emfile)
		rc = cr_finding_fact(r, f, "too_many_open_files", "\"too many open files\" lines", CR_FACT_INT, last->emfile, 0, NULL);
	if (!rc)
		rc = cr_finding_next(r, f, "%s",
				     n->has_fds && n->by_kind[CR_FD_SOCKET] * 2 > n->fds_open
				     ? "most descriptors are sockets: fix what holds them (see conn_leak; coroner net CAPTURE), then size the limit (ulimit -n, LimitNOFILE=) for the real peak"
				     : "find what holds the descriptors (coroner net CAPTURE: by kind), then size the limit (ulimit -n, LimitNOFILE=) for the real peak");
	return rc;
}

static enum cr_err accept_backlog(struct cr_report *r, const struct netcap *last)
{
	const struct cr_netreport *n = &last->rep;
	enum cr_err rc = CR_OK;
	for (size_t i = 0; i < n->nendpoints && !rc; i++) {
		const struct cr_netendpoint *x = &n->endpoints[i];
		if (!x->listener || !x->backlog || x->accept_q < x->backlog)
			continue;
		int64_t acc = role_count(n, "accept");
		struct cr_rfinding *f = cr_report_finding(r, "accept_backlog", x->endpoint, CR_FSEV_HIGH,
							  (double)x->accept_q);
		if (!f)
			return CR_NOMEM;
		rc = cr_finding_summary(r, f, "listener %s: accept queue full (%" PRIu64 " waiting, backlog %" PRIu64 "): new connections are dropped or wait",
					x->endpoint, x->accept_q, x->backlog);
		if (!rc)
			rc = cr_finding_fact(r, f, "accept_queue", "connections waiting to be accepted", CR_FACT_INT,
					     (int64_t)(x->accept_q > INT64_MAX ? INT64_MAX : x->accept_q), 0, NULL);
		if (!rc)
			rc = cr_finding_fact(r, f, "backlog", "backlog", CR_FACT_INT,
					     (int64_t)(x->backlog > INT64_MAX ? INT64_MAX : x->backlog), 0, NULL);
		if (!rc && n->has_goroutines)
			rc = cr_finding_fact(r, f, "accepting_goroutines", "goroutines blocked in accept (any listener)", CR_FACT_INT, acc, 0, NULL);
		if (!rc)
			rc = cr_finding_next(r, f, "%s",
					     n->has_goroutines && acc == 0
					     ? "no goroutine waits in accept: the accept loop is stuck or gone (look at what it blocks on); a listen backlog that small also drops bursts"
					     : "the accept loop is slower than arrivals: hand each connection off at once, and raise the backlog (net.core.somaxconn)");
	}
	return rc;
}

enum cr_err cr_report_analyse_net(struct cr_report *r)
{
	struct netcap caps[64];
	size_t n = 0;
	enum cr_err rc = CR_OK;
	memset(caps, 0, sizeof caps);
	for (size_t i = 0; i < r->in.ncaps && n < 64 && !rc; i++) {
		rc = load(r, &r->in.caps[i], &caps[n]);
		if (rc || (!caps[n].any && !caps[n].emfile)) {
			cr_netsnap_release(&caps[n].snap);
			continue;
		}
		struct cr_error e = { 0 };
		rc = cr_netreport_compute(&caps[n].rep, &caps[n].snap, r->in.caps[i].goroutine, &e);
		caps[n].has_rep = !rc;
		n++;
	}
	if (!rc && n) {
		const struct netcap *first = NULL, *last = &caps[n - 1];
		for (size_t i = 0; i < n && !first; i++)
			if (caps[i].rep.has_tcp)
				first = &caps[i];
		rc = conn_leak(r, first, last);
		if (!rc)
			rc = fd_exhaustion(r, last);
		if (!rc)
			rc = accept_backlog(r, last);
	}
	for (size_t i = 0; i < n; i++) {
		if (caps[i].has_rep)
			cr_netreport_release(&caps[i].rep);
		cr_netsnap_release(&caps[i].snap);
	}
	return rc == CR_NOMEM || rc == CR_LIMIT ? rc : CR_OK;
}
