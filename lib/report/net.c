/* coroner net: descriptors, TCP sockets, endpoints and network goroutines
 * of one capture, and what grew between two. See netreport.h. */
#include "coroner/netreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *func, *role;
} roles[] = {
	/* the most specific first: a transport loop is blocked in a select,
	 * its socket read is in another goroutine */
	{ "net/http.(*persistConn).readLoop", "http client read loop" },
	{ "net/http.(*persistConn).writeLoop", "http client write loop" },
	{ "net/http.(*conn).serve", "http server conn" },
	{ "net.(*netFD).accept", "accept" },
	{ "internal/poll.(*FD).Accept", "accept" },
	{ "net.(*netFD).connect", "dial" },
	{ "internal/poll.(*FD).Read", "read" },
	{ "internal/poll.(*FD).ReadFrom", "read" },
	{ "internal/poll.(*FD).ReadMsg", "read" },
	{ "net.(*netFD).Read", "read" },
	{ "internal/poll.(*FD).Write", "write" },
	{ "internal/poll.(*FD).WriteTo", "write" },
	{ "internal/poll.(*FD).WriteMsg", "write" },
	{ "net.(*netFD).Write", "write" },
	{ "internal/poll.runtime_pollWait", "poll" },
};

/* Go's assembly wrappers carry ".abi0"; a name matches with or without it */
static bool same_func(const char *name, const char *want)
{
	size_t k = strlen(want);
	return !strncmp(name, want, k) && (!name[k] || !strcmp(name + k, ".abi0"));
}

const char *cr_net_goroutine_role(const char *const *names, size_t n)
{
	for (size_t r = 0; r < sizeof roles / sizeof *roles; r++)
		for (size_t i = 0; i < n; i++)
			if (names[i] && same_func(names[i], roles[r].func))
				return roles[r].role;
	return NULL;
}

void cr_netreport_release(struct cr_netreport *r)
{
	cr_goroutines_release(&r->gs);
	cr_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

static int cmp_ep(const void *a, const void *b)
{
	const struct cr_netendpoint *x = a, *y = b;
	if (x->listener != y->listener)
		return x->listener ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->endpoint, y->endpoint);
}

static uint64_t sat_addu(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Endpoint rows, deduplicated through a map of "L"/"R" + endpoint. */
struct eps {
	struct cr_hmap map;
	struct cr_netendpoint *v;
	size_t n, cap;
};

static struct cr_netendpoint *ep_get(struct eps *m, bool listener, const char *ep)
{
	char key[400];
	int k = snprintf(key, sizeof key, "%c%s", listener ? 'L' : 'R', ep);
	if (k < 0)
		return NULL;
	size_t kn = (size_t)k < sizeof key ? (size_t)k : sizeof key - 1;
	bool found;
	uint32_t *slot = cr_hmap_put(&m->map, key, kn, (uint32_t)m->n, &found);
	if (!slot)
		return NULL;
	if (found)
		return &m->v[*slot];
	if (cr_grow(&m->v, &m->cap, m->n + 1, sizeof *m->v))
		return NULL;
	struct cr_netendpoint *x = &m->v[m->n++];
	memset(x, 0, sizeof *x);
	x->endpoint = ep;
	x->listener = listener;
	return x;
}

/* Listeners: the connections on their port (one pass, through a port ->
 * listener table); their backlog from ss when the count came from another
 * source. false: out of memory. */
static bool count_listeners(struct cr_netreport *r, const struct cr_netsnap *s, struct eps *eps,
			    struct cr_hmap *inodes)
{
	if (!eps->n)
		return true;
	uint32_t *by_port = cr_calloc(65536, sizeof *by_port);
	if (!by_port)
		return false;
	for (size_t l = 0; l < eps->n; l++) {
		struct cr_netendpoint *x = &eps->v[l];
		const char *c = x->listener ? strrchr(x->endpoint, ':') : NULL;
		unsigned long port = c ? strtoul(c + 1, NULL, 10) : 0;
		if (port && port < 65536 && !by_port[port])
			by_port[port] = (uint32_t)l + 1;
	}
	for (size_t i = 0; i < s->nsocks; i++) {
		const struct cr_sock *k = &s->socks[i];
		if (k->proto != CR_PROTO_TCP || k->lport >= 65536 || !by_port[k->lport])
			continue;
		struct cr_netendpoint *x = &eps->v[by_port[k->lport] - 1];
		if (k->state == CR_TCP_LISTEN) {
			if (!x->backlog && k->src == CR_SOCK_SS && !strcmp(k->local, x->endpoint))
				x->backlog = k->send_q;
			continue;
		}
		if (k->src != r->src)
			continue;
		if (r->process_scope && r->src != CR_SOCK_LSOF &&
		    !(k->inode && cr_hmap_get(inodes, &k->inode, sizeof k->inode)))
			continue;
		x->count++;
		x->states[k->state < CR_TCP__N ? k->state : 0]++;
	}
	cr_free(by_port);
	return true;
}

/* The dump's goroutines grouped, and the groups that hold network I/O. */
static enum cr_err net_goroutines(struct cr_netreport *r, const struct cr_profile *gp, struct cr_error *e)
{
	enum cr_err rc = cr_goroutines_compute(&r->gs, gp, CR_GROUP_EXACT, e);
	if (rc)
		return rc;
	r->has_goroutines = true;
	r->goroutines_total = r->gs.total;
	if (r->gs.ngroups) {
		r->groups = cr_arena_alloc(&r->arena, r->gs.ngroups * sizeof *r->groups);
		if (!r->groups)
			return CR_NOMEM;
	}
	for (size_t i = 0; i < r->gs.ngroups; i++) {
		const struct cr_ggroup *g = &r->gs.groups[i];
		const char *names[64];
		size_t n = g->nframes < 64 ? g->nframes : 64;
		for (size_t k = 0; k < n; k++)
			names[k] = g->frames[k].function;
		const char *role = cr_net_goroutine_role(names, n);
		if (!role)
			continue;
		if (!strcmp(role, "http client read loop")) {
			r->readloops = cr_sat_add(r->readloops, g->count);
			int64_t io = 0;
			for (size_t k = 0; k < g->nstates; k++)
				if (g->states[k].state && !strncmp(g->states[k].state, "IO wait", 7))
					io = cr_sat_add(io, g->states[k].count);
			r->readloops_io_wait = cr_sat_add(r->readloops_io_wait, io);
			if (io && g->has_wait && g->wait_max > r->readloop_wait_max)
				r->readloop_wait_max = g->wait_max;
		}
		r->groups[r->ngroups++] = (struct cr_netgroup){ .g = g, .role = role };
		r->net_goroutines = cr_sat_add(r->net_goroutines, g->count);
	}
	return CR_OK;
}

/* A bitmap of the ports LISTEN sockets of the source hold; NULL on NOMEM. */
static uint8_t *listening_ports(const struct cr_netsnap *s, enum cr_sock_src src)
{
	uint8_t *b = cr_calloc(65536 / 8, 1);
	for (size_t i = 0; b && i < s->nsocks; i++) {
		const struct cr_sock *k = &s->socks[i];
		if (k->src == src && k->proto == CR_PROTO_TCP && k->state == CR_TCP_LISTEN && k->lport < 65536)
			b[k->lport / 8] |= (uint8_t)(1u << (k->lport % 8));
	}
	return b;
}

/* The idle rows into the report's arena, with their own strings. */
static enum cr_err keep_idle(struct cr_netreport *r, const struct cr_idlesock *v, size_t n)
{
	r->idle_socks = cr_arena_alloc(&r->arena, n * sizeof *v);
	if (!r->idle_socks)
		return CR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		struct cr_idlesock *x = &r->idle_socks[i];
		x->inode = v[i].inode;
		x->remote = cr_arena_strndup(&r->arena, v[i].remote, strlen(v[i].remote));
		x->local = cr_arena_strndup(&r->arena, v[i].local, strlen(v[i].local));
		if (!x->remote || !x->local)
			return CR_NOMEM;
	}
	r->nidle_socks = n;
	return CR_OK;
}

enum cr_err cr_netreport_compute(struct cr_netreport *r, const struct cr_netsnap *s,
				 const struct cr_profile *gp, struct cr_error *e)
{
	memset(r, 0, sizeof *r);
	cr_arena_init(&r->arena);
	r->readloop_wait_max = -1;
	r->skipped = s->skipped;
	r->limit_soft = s->nofile_soft;
	r->limit_hard = s->nofile_hard;
	r->has_limits = s->has_limits;
	r->fd_source = s->fd_source;
	struct cr_hmap inodes;
	struct eps eps = { 0 };
	enum cr_err rc = CR_OK;
	cr_hmap_init(&inodes);
	cr_hmap_init(&eps.map);
	bool have_inodes = false;
	uint8_t *listening = NULL; /* bitmap of the table's listening ports */
	struct cr_idlesock *idle_v = NULL; /* heap until copied into the arena */
	size_t nidle = 0, cap_idle = 0;
	if (s->fd_source != CR_NET_UNKNOWN) {
		r->has_fds = true;
		r->fds_open = (int64_t)s->nfds;
		r->fds_lower_bound = s->fd_skipped > 0;
		for (size_t i = 0; i < s->nfds; i++) {
			const struct cr_fd *f = &s->fds[i];
			r->by_kind[f->kind < CR_FD__N ? f->kind : CR_FD_OTHER]++;
			if (f->kind == CR_FD_SOCKET && f->inode) {
				bool found;
				if (!cr_hmap_put(&inodes, &f->inode, sizeof f->inode, 1, &found)) {
					rc = CR_NOMEM;
					goto out;
				}
				have_inodes = true;
			}
		}
	}
	r->src = cr_netsnap_best_source(s);
	if (r->src != CR_SOCK__N) {
		listening = listening_ports(s, r->src);
		if (!listening) {
			rc = CR_NOMEM;
			goto out;
		}
		bool src_inodes = r->src == CR_SOCK_KERNEL || r->src == CR_SOCK_LSOF;
		r->process_scope = r->src == CR_SOCK_LSOF || (have_inodes && src_inodes);
		for (size_t i = 0; i < s->nsocks; i++) {
			const struct cr_sock *k = &s->socks[i];
			if (k->src != r->src)
				continue;
			bool mine = r->src == CR_SOCK_LSOF ||
				    (k->inode && cr_hmap_get(&inodes, &k->inode, sizeof k->inode));
			if (k->proto == CR_PROTO_UDP && (!r->process_scope || mine))
				r->udp++;
			if (k->proto == CR_PROTO_UNIX && (!r->process_scope || mine))
				r->unix_socks++;
			if (k->proto != CR_PROTO_TCP)
				continue;
			r->has_tcp = true;
			unsigned st = k->state < CR_TCP__N ? k->state : 0;
			r->table_total++;
			r->table_by_state[st]++;
			if (r->process_scope && !mine)
				continue;
			r->tcp_total++;
			r->by_state[st]++;
			bool lis = k->state == CR_TCP_LISTEN;
			struct cr_netendpoint *x = ep_get(&eps, lis, lis ? k->local : k->remote);
			if (!x) {
				rc = CR_NOMEM;
				goto out;
			}
			if (lis) {
				x->accept_q = k->recv_q;
				if (k->src == CR_SOCK_SS)
					x->backlog = k->send_q;
				continue;
			}
			x->count++;
			x->states[st]++;
			x->send_q = sat_addu(x->send_q, k->send_q);
			x->recv_q = sat_addu(x->recv_q, k->recv_q);
			int idle = cr_sock_idle(k);
			if (idle >= 0)
				r->has_idle = true;
			if (idle <= 0 || k->lport >= 65536 || (listening[k->lport / 8] >> (k->lport % 8) & 1))
				continue;
			x->idle++;
			r->idle_out++;
			if (cr_grow(&idle_v, &cap_idle, nidle + 1, sizeof *idle_v)) {
				rc = CR_NOMEM;
				goto out;
			}
			idle_v[nidle++] = (struct cr_idlesock){ .local = k->local, .remote = k->remote, .inode = k->inode };
		}
		if (!count_listeners(r, s, &eps, &inodes)) {
			rc = CR_NOMEM;
			goto out;
		}
		if (eps.n > 1)
			qsort(eps.v, eps.n, sizeof *eps.v, cmp_ep);
		if (eps.n) {
			r->endpoints = cr_arena_alloc(&r->arena, eps.n * sizeof *eps.v);
			if (!r->endpoints) {
				rc = CR_NOMEM;
				goto out;
			}
			for (size_t i = 0; i < eps.n; i++) {
				r->endpoints[i] = eps.v[i];
				r->endpoints[i].endpoint = cr_arena_strndup(&r->arena, eps.v[i].endpoint,
									    strlen(eps.v[i].endpoint));
				if (!r->endpoints[i].endpoint) {
					rc = CR_NOMEM;
					goto out;
				}
			}
			r->nendpoints = eps.n;
		}
		if (nidle && (rc = keep_idle(r, idle_v, nidle)))
			goto out;
	}
	if (gp && (rc = net_goroutines(r, gp, e)))
		goto out;
out:
	cr_free(listening);
	cr_free(idle_v);
	cr_hmap_release(&inodes);
	cr_hmap_release(&eps.map);
	cr_free(eps.v);
	if (rc == CR_NOMEM)
		cr_fail(e, CR_NOMEM, "out of memory (raise --max-memory)");
	if (rc)
		cr_netreport_release(r);
	return rc;
}

struct growth {
	struct cr_netgrowth *v;
	size_t n, cap;
	struct cr_arena *arena;
};

static enum cr_err grow_row(struct growth *g, int64_t a, int64_t b, const char *fmt, const char *x,
			    const char *y)
{
	if (a == b)
		return CR_OK;
	char buf[512];
	int k = snprintf(buf, sizeof buf, fmt, x, y ? y : "");
	if (k < 0)
		return CR_NOMEM;
	if (cr_grow(&g->v, &g->cap, g->n + 1, sizeof *g->v))
		return CR_NOMEM;
	const char *w = cr_arena_strndup(g->arena, buf, (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1);
	if (!w)
		return CR_NOMEM;
	g->v[g->n++] = (struct cr_netgrowth){ .what = w, .before = a, .after = b };
	return CR_OK;
}

static int cmp_growth(const void *a, const void *b)
{
	const struct cr_netgrowth *x = a, *y = b;
	int64_t dx = cr_sat_sub(x->after, x->before), dy = cr_sat_sub(y->after, y->before);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->what, y->what);
}

enum cr_err cr_netreport_growth(const struct cr_netreport *a, struct cr_netreport *b,
				struct cr_netgrowth **rows, size_t *nrows, struct cr_error *e)
{
	struct growth g = { .arena = &b->arena };
	enum cr_err rc = CR_OK;
	*rows = NULL;
	*nrows = 0;
	if (a->has_fds && b->has_fds) {
		rc = grow_row(&g, a->fds_open, b->fds_open, "fds%s", "", NULL);
		for (unsigned k = 0; k < CR_FD__N && !rc; k++)
			rc = grow_row(&g, a->by_kind[k], b->by_kind[k], "fds.%s", cr_fd_kind_name(k), NULL);
	}
	if (a->has_tcp && b->has_tcp)
		for (unsigned k = 0; k < CR_TCP__N && !rc; k++)
			rc = grow_row(&g, a->by_state[k], b->by_state[k], "tcp.%s", cr_tcp_state_name(k), NULL);
	/* endpoints and goroutine groups present in either: one map from a
	 * row's key to its before/after counts, filled from a then b */
	struct krow {
		int64_t v[2];
		const char *fmt, *name, *extra;
	} *kr = NULL;
	size_t nkr = 0, capkr = 0;
	struct cr_hmap m;
	cr_hmap_init(&m);
	for (int side = 0; side < 2 && !rc; side++) {
		const struct cr_netreport *x = side ? b : a;
		for (size_t i = 0; i < x->nendpoints + x->ngroups && !rc; i++) {
			char key[600];
			struct krow row = { { 0, 0 }, NULL, NULL, NULL };
			int64_t c;
			if (i < x->nendpoints) {
				const struct cr_netendpoint *ep = &x->endpoints[i];
				snprintf(key, sizeof key, "%c%s", ep->listener ? 'L' : 'R', ep->endpoint);
				c = ep->count;
				row.fmt = ep->listener ? "listener %s%s" : "endpoint %s%s";
				row.name = ep->endpoint;
			} else {
				const struct cr_netgroup *gr = &x->groups[i - x->nendpoints];
				snprintf(key, sizeof key, "G%s\n%s", gr->role, gr->g->function);
				c = gr->g->count;
				row.fmt = "goroutines %s (%s)";
				row.name = gr->g->function;
				row.extra = gr->role;
			}
			bool found;
			uint32_t *slot = cr_hmap_put(&m, key, strlen(key), (uint32_t)nkr, &found);
			if (!slot || (!found && cr_grow(&kr, &capkr, nkr + 1, sizeof *kr))) {
				rc = CR_NOMEM;
				break;
			}
			if (!found)
				kr[nkr++] = row;
			kr[*slot].v[side] = cr_sat_add(kr[*slot].v[side], c);
		}
	}
	for (size_t i = 0; i < nkr && !rc; i++)
		rc = grow_row(&g, kr[i].v[0], kr[i].v[1], kr[i].fmt, kr[i].name, kr[i].extra);
	cr_hmap_release(&m);
	cr_free(kr);
	if (rc) {
		cr_free(g.v);
		return cr_fail(e, CR_NOMEM, "out of memory (raise --max-memory)");
	}
	if (g.n) {
		qsort(g.v, g.n, sizeof *g.v, cmp_growth);
		*rows = cr_arena_alloc(&b->arena, g.n * sizeof *g.v);
		if (!*rows) {
			cr_free(g.v);
			return cr_fail(e, CR_NOMEM, "out of memory (raise --max-memory)");
		}
		memcpy(*rows, g.v, g.n * sizeof *g.v);
		*nrows = g.n;
	}
	cr_free(g.v);
	return CR_OK;
}
