/* coroner net: descriptors, TCP sockets and network goroutines of captures. */
#include "cmd.h"
#include "options.h"
#include "coroner/input.h"
#include "coroner/netreport.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_dir(const char *p)
{
	struct stat st;
	return strcmp(p, "-") && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void json_limit(struct cr_json *j, const char *k, bool known, int64_t v)
{
	cr_json_key(j, k);
	if (known && v >= 0)
		cr_json_int(j, v);
	else
		cr_json_null(j);
}

static void json_states(struct cr_json *j, const char *key, const int64_t *st)
{
	cr_json_key(j, key);
	cr_json_obj(j);
	for (unsigned k = 0; k < CR_TCP__N; k++)
		if (st[k])
			cr_json_kint(j, cr_tcp_state_name(k), st[k]);
	cr_json_obj_end(j);
}

static const char *src_name(enum cr_sock_src s)
{
	switch (s) {
	case CR_SOCK_KERNEL: return "kernel";
	case CR_SOCK_SS: return "ss";
	case CR_SOCK_NETSTAT: return "netstat";
	case CR_SOCK_LSOF: return "lsof";
	default: return "none";
	}
}

static void json_capture(struct cr_json *j, const struct cr_netcapture *c, const struct cr_netreport *r,
			 bool with_path)
{
	if (with_path)
		cr_json_kstr(j, "path", c->path);
	cr_json_key(j, "fds");
	cr_json_obj(j);
	cr_json_key(j, "open");
	if (r->has_fds)
		cr_json_int(j, r->fds_open);
	else
		cr_json_null(j);
	json_limit(j, "limit_soft", r->has_limits, r->limit_soft);
	json_limit(j, "limit_hard", r->has_limits, r->limit_hard);
	cr_json_key(j, "by_kind");
	cr_json_obj(j);
	for (unsigned k = 0; k < CR_FD__N && r->has_fds; k++)
		if (r->by_kind[k])
			cr_json_kint(j, cr_fd_kind_name(k), r->by_kind[k]);
	cr_json_obj_end(j);
	cr_json_key(j, "lower_bound");
	cr_json_bool(j, r->fds_lower_bound);
	cr_json_kstr(j, "source", r->has_fds ? (r->fd_source == CR_NET_LSOF ? "lsof" : "fd listing") : "none");
	cr_json_obj_end(j);

	cr_json_key(j, "tcp");
	cr_json_obj(j);
	cr_json_kstr(j, "source", src_name(r->src));
	cr_json_kstr(j, "scope", r->process_scope ? "process" : "table");
	cr_json_kint(j, "total", r->tcp_total);
	json_states(j, "by_state", r->by_state);
	cr_json_kint(j, "table_total", r->table_total);
	json_states(j, "table_by_state", r->table_by_state);
	cr_json_key(j, "idle_established");
	if (r->has_idle)
		cr_json_int(j, r->idle_out);
	else
		cr_json_null(j);
	cr_json_kstr(j, "byte_order", c->snap.big_endian ? "big" : "little");
	cr_json_key(j, "endpoints");
	cr_json_arr(j);
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct cr_netendpoint *x = &r->endpoints[i];
		cr_json_obj(j);
		cr_json_kstr(j, "endpoint", x->endpoint);
		cr_json_kstr(j, "role", x->listener ? "listener" : "remote");
		cr_json_kint(j, "count", x->count);
		json_states(j, "states", x->states);
		cr_json_key(j, "send_q");
		cr_json_uint(j, x->send_q);
		cr_json_key(j, "recv_q");
		cr_json_uint(j, x->recv_q);
		if (!x->listener && r->has_idle)
			cr_json_kint(j, "idle", x->idle);
		if (x->listener) {
			cr_json_key(j, "accept_q");
			cr_json_uint(j, x->accept_q);
			cr_json_key(j, "backlog");
			if (x->backlog)
				cr_json_uint(j, x->backlog);
			else
				cr_json_null(j);
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_obj_end(j);
	cr_json_kint(j, "udp", r->udp);
	cr_json_kint(j, "unix", r->unix_socks);

	cr_json_key(j, "goroutines");
	cr_json_arr(j);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct cr_ggroup *g = r->groups[i].g;
		cr_json_obj(j);
		cr_json_kint(j, "count", g->count);
		cr_json_kstr(j, "role", r->groups[i].role);
		if (g->state)
			cr_json_kstr(j, "state", g->state);
		cr_json_kstr(j, "function", g->function);
		if (g->created_by)
			cr_json_kstr(j, "created_by", g->created_by);
		cr_json_key(j, "frames");
		cr_json_arr(j);
		for (size_t k = 0; k < g->nframes; k++) {
			cr_json_obj(j);
			cr_json_kstr(j, "function", g->frames[k].function);
			cr_json_kstr(j, "file", g->frames[k].file);
			cr_json_kint(j, "line", g->frames[k].line);
			cr_json_obj_end(j);
		}
		cr_json_arr_end(j);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_key(j, "goroutines_total");
	if (r->has_goroutines)
		cr_json_int(j, r->goroutines_total);
	else
		cr_json_null(j);
	cr_json_kint(j, "net_goroutines", r->net_goroutines);
	cr_json_key(j, "http_client");
	if (r->has_goroutines) {
		cr_json_obj(j);
		cr_json_kint(j, "read_loops", r->readloops);
		cr_json_kint(j, "read_loops_io_wait", r->readloops_io_wait);
		cr_json_key(j, "io_wait_max_minutes");
		if (r->readloop_wait_max >= 0)
			cr_json_int(j, r->readloop_wait_max);
		else
			cr_json_null(j);
		cr_json_obj_end(j);
	} else {
		cr_json_null(j);
	}
	cr_json_kint(j, "too_many_open_files", c->emfile);
	cr_json_key(j, "skipped_lines");
	cr_json_uint(j, r->skipped);
}

static void text_capture(const struct cr_netcapture *c, const struct cr_netreport *r, long maxeps,
			 long maxframes)
{
	printf("== ");
	cr_fputs_safe(stdout, cr_input_display_name(c->path));
	if (c->snap.pid >= 0)
		printf(" (pid %lld)", (long long)c->snap.pid);
	printf("\n");
	if (r->has_fds) {
		printf("file descriptors: %s%lld open", r->fds_lower_bound ? "at least " : "",
		       (long long)r->fds_open);
		if (r->has_limits) {
			if (r->limit_soft >= 0 && r->limit_soft > 0)
				printf(" of %lld soft (%.0f%%)", (long long)r->limit_soft,
				       100.0 * (double)r->fds_open / (double)r->limit_soft);
			else
				printf(" (soft limit unlimited)");
			if (r->limit_hard >= 0)
				printf(", %lld hard", (long long)r->limit_hard);
		}
		printf("  [%s]\n", r->fd_source == CR_NET_LSOF ? "lsof" : "fd listing");
		for (unsigned k = 0; k < CR_FD__N; k++)
			if (r->by_kind[k])
				printf("  %-11s %6lld\n", cr_fd_kind_name(k), (long long)r->by_kind[k]);
	} else if (r->has_limits) {
		printf("file descriptors: no fd listing; soft limit %lld, hard %lld\n",
		       (long long)r->limit_soft, (long long)r->limit_hard);
	}
	if (c->emfile)
		printf("\"too many open files\": %lld line%s (first in %s)\n", (long long)c->emfile,
		       c->emfile == 1 ? "" : "s", c->emfile_file);
	if (r->has_tcp) {
		printf("\ntcp sockets: %lld %s [%s]", (long long)r->tcp_total,
		       r->process_scope ? "of the process" : "in the table", src_name(r->src));
		if (r->process_scope && r->table_total != r->tcp_total)
			printf(" (%lld in the whole table)", (long long)r->table_total);
		printf("\n");
		for (unsigned k = 0; k < CR_TCP__N; k++)
			if (r->by_state[k])
				printf("  %-12s %6lld\n", cr_tcp_state_name(k), (long long)r->by_state[k]);
		if (r->has_idle && r->idle_out)
			printf("idle: %lld dialed ESTABLISHED socket%s with nothing in flight\n",
			       (long long)r->idle_out, r->idle_out == 1 ? "" : "s");
		if (c->snap.big_endian)
			printf("addresses read big-endian\n");
		if (r->udp || r->unix_socks)
			printf("udp sockets: %lld, unix sockets: %lld\n", (long long)r->udp,
			       (long long)r->unix_socks);
		struct cr_table t;
		static const struct cr_col cols[] = {
			{ NULL, "ENDPOINT", CR_LEFT }, { NULL, "ROLE", CR_LEFT }, { NULL, "COUNT", CR_RIGHT },
			{ NULL, "STATES", CR_LEFT }, { NULL, "SEND-Q", CR_RIGHT },
			{ NULL, "RECV-Q", CR_RIGHT }, { NULL, "IDLE", CR_RIGHT },
		};
		cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
		size_t shown = r->nendpoints;
		if (maxeps > 0 && (size_t)maxeps < shown)
			shown = (size_t)maxeps;
		for (size_t i = 0; i < shown; i++) {
			const struct cr_netendpoint *x = &r->endpoints[i];
			char st[256] = "", role[96];
			size_t o = 0;
			for (unsigned k = 0; k < CR_TCP__N && o < sizeof st - 40; k++)
				if (x->states[k])
					o += (size_t)snprintf(st + o, sizeof st - o, "%s%s %lld", o ? ", " : "",
							      cr_tcp_state_name(k), (long long)x->states[k]);
			if (x->listener && x->backlog)
				snprintf(role, sizeof role, "listener (accept queue %llu/%llu)",
					 (unsigned long long)x->accept_q, (unsigned long long)x->backlog);
			else if (x->listener)
				snprintf(role, sizeof role, "listener (accept queue %llu)",
					 (unsigned long long)x->accept_q);
			else
				snprintf(role, sizeof role, "remote");
			cr_table_row(&t);
			cr_table_str(&t, x->endpoint);
			cr_table_str(&t, role);
			cr_table_int(&t, x->count, NULL);
			cr_table_str(&t, *st ? st : "-");
			cr_table_int(&t, (int64_t)(x->send_q > INT64_MAX ? INT64_MAX : x->send_q), NULL);
			cr_table_int(&t, (int64_t)(x->recv_q > INT64_MAX ? INT64_MAX : x->recv_q), NULL);
			if (x->listener || !r->has_idle)
				cr_table_str(&t, "-");
			else
				cr_table_int(&t, x->idle, NULL);
		}
		printf("\n");
		cr_table_print_text(&t, stdout);
		cr_table_release(&t);
		if (shown < r->nendpoints)
			printf("[%zu other endpoints]\n", r->nendpoints - shown);
	}
	if (r->has_goroutines) {
		printf("\ngoroutines holding network I/O: %lld of %lld (%s)\n", (long long)r->net_goroutines,
		       (long long)r->goroutines_total, c->goroutine_file);
		if (r->readloops_io_wait) {
			printf("net/http client read loops: %lld, %lld of them in IO wait (connections idle in a pool",
			       (long long)r->readloops, (long long)r->readloops_io_wait);
			if (r->readloop_wait_max > 0)
				printf(", up to %lld minutes", (long long)r->readloop_wait_max);
			printf(")\n");
		}
		for (size_t i = 0; i < r->ngroups; i++) {
			const struct cr_ggroup *g = r->groups[i].g;
			printf("\n%lld goroutine%s, %s", (long long)g->count, g->count == 1 ? "" : "s",
			       r->groups[i].role);
			if (g->state) {
				printf(" [");
				cr_fputs_safe(stdout, g->state);
				printf("]");
			}
			printf("\n");
			cmd_print_frames(g->frames, g->nframes, (size_t)maxframes, "    ");
			if (g->created_by) {
				printf("    created by ");
				cr_fputs_safe(stdout, g->created_by);
				putchar('\n');
			}
		}
	}
	if (r->skipped)
		printf("\n%zu unreadable line%s skipped (see the warnings)\n", r->skipped,
		       r->skipped == 1 ? "" : "s");
}

/* The JSON document: the last capture at the top level, every capture, growth. */
static void json_out(const struct cr_netcapture *caps, const struct cr_netreport *reps, size_t ncaps,
		     const struct cr_netgrowth *gr, size_t ngr)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	json_capture(&j, &caps[ncaps - 1], &reps[ncaps - 1], false);
	cr_json_key(&j, "captures");
	cr_json_arr(&j);
	for (size_t i = 0; i < ncaps; i++) {
		cr_json_obj(&j);
		json_capture(&j, &caps[i], &reps[i], true);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "growth");
	cr_json_arr(&j);
	for (size_t i = 0; i < ngr; i++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "what", gr[i].what);
		cr_json_kint(&j, "before", gr[i].before);
		cr_json_kint(&j, "after", gr[i].after);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

int cmd_net(int argc, char **argv)
{
	static const struct cmd_spec spec = {
		.name = "net",
		.usage = "coroner net [options] CAPTURE...",
		.about =
"File descriptors by kind against the soft and hard RLIMIT_NOFILE, TCP sockets\n"
"by state, by local listener and by remote endpoint (count, states, queued\n"
"bytes), the process's sockets joined through the fd listing's inodes, and the\n"
"goroutines that hold network I/O (netpoll reads, writes, accepts, dials,\n"
"net/http transport loops), grouped as 'coroner goroutines' groups them.\n"
"With several captures (oldest first), what grew between the first and last.\n"
"\n"
"A CAPTURE is a directory (its files, recognised by content) or a run of\n"
"files: /proc/PID/limits; `ls -l /proc/PID/fd`; /proc/PID/net/tcp, tcp6,\n"
"udp, udp6, unix; `ss -tan` / `ss -tanpi`; `netstat -anp`; `lsof -p PID`;\n"
"a goroutine dump (debug=2, SIGQUIT) or goroutine profile. Sockets are counted\n"
"from one source, the best present (kernel tables, ss, netstat, lsof).\n",
		.epilogue =
"JSON (the last capture at the top level; every capture under \"captures\"):\n"
"{\"fds\": {\"open\", \"limit_soft\", \"limit_hard\", \"by_kind\": {...}},\n"
" \"tcp\": {\"by_state\": {\"ESTABLISHED\": n, \"CLOSE_WAIT\": n, ...}, \"endpoints\": [...]},\n"
" \"goroutines\": [...], \"captures\": [...], \"growth\": [{\"what\", \"before\", \"after\"}]}\n"
"Limits are null when unknown or unlimited. tcp.idle_established: dialed\n"
"ESTABLISHED sockets with nothing in flight (empty queues, no retransmit timer;\n"
"ss -i: nothing sent or received for 1 s); http_client: net/http read loops,\n"
"those in IO wait (connections idle in a pool) and their longest wait.\n"
"\n"
"examples:\n"
"  coroner net capture/\n"
"  coroner net before/ after/\n"
"  coroner net --format=json limits fd.txt ss.txt goroutine.txt\n",
	};
	enum cr_format fmt = CR_FMT_TEXT;
	int64_t maxeps = -1, maxframes = 8;
	const char *order_s = "auto";
	struct cmd_option opts[] = {
		OPT_INT("endpoints", &maxeps, "N", "show at most N endpoints (text on a terminal: 20; otherwise all)",
			0, INT64_MAX, NULL),
		OPT_INT("frames", &maxframes, "N", "frames shown per goroutine group in text (default 8)", 0,
			INT64_MAX, NULL),
		OPT_STRING(0, "byte-order", &order_s, "auto|little|big",
			   "how /proc/net/tcp* addresses are read: little (x86-64, arm64), big (s390x, ppc64), "
			   "auto (default: inferred per file from loopback and private addresses)"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argi >= argc)
		return cmd_usage_error("net", "no capture given");
	enum cr_byte_order order = CR_BO_AUTO;
	if (!strcmp(order_s, "little"))
		order = CR_BO_LITTLE;
	else if (!strcmp(order_s, "big"))
		order = CR_BO_BIG;
	else if (strcmp(order_s, "auto"))
		return cmd_usage_error("net", "--byte-order: auto, little or big");
	if (maxeps < 0)
		maxeps = (fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 20 : 0;
	/* captures: each directory, and each run of files */
	int nargs = argc - argi;
	struct cr_netcapture *caps = calloc((size_t)nargs, sizeof *caps);
	struct cr_netreport *reps = calloc((size_t)nargs, sizeof *reps);
	size_t ncaps = 0;
	int rc = 0;
	struct cr_error e = { 0 };
	if (!caps || !reps) {
		free(caps);
		free(reps);
		cr_fail(&e, CR_NOMEM, "out of memory");
		return cmd_error(&e);
	}
	for (int i = argi; i < argc && !rc;) {
		int n = 1;
		if (!is_dir(argv[i]))
			while (i + n < argc && !is_dir(argv[i + n]))
				n++;
		struct cr_buf warn = { 0 };
		enum cr_err r = cr_netcapture_load(&caps[ncaps], (const char *const *)&argv[i], (size_t)n,
						   order, &warn, &e);
		cmd_warnings(cr_buf_str(&warn));
		cr_buf_release(&warn);
		ncaps++;
		if (!r)
			r = cr_netreport_compute(&reps[ncaps - 1], &caps[ncaps - 1].snap,
						 caps[ncaps - 1].has_goroutines ? &caps[ncaps - 1].goroutines : NULL,
						 &e);
		if (r)
			rc = cmd_error(&e);
		i += n;
	}
	if (rc)
		goto out;
	struct cr_netgrowth *gr = NULL;
	size_t ngr = 0;
	if (ncaps > 1 && cr_netreport_growth(&reps[0], &reps[ncaps - 1], &gr, &ngr, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (fmt == CR_FMT_JSON) {
		json_out(caps, reps, ncaps, gr, ngr);
		goto out;
	}
	for (size_t i = 0; i < ncaps; i++) {
		if (i)
			putchar('\n');
		text_capture(&caps[i], &reps[i], maxeps, maxframes);
	}
	if (ngr) {
		printf("\nwhat grew (");
		cr_fputs_safe(stdout, cr_input_display_name(caps[0].path));
		printf(" -> ");
		cr_fputs_safe(stdout, cr_input_display_name(caps[ncaps - 1].path));
		printf(")\n");
		struct cr_table t;
		static const struct cr_col cols[] = {
			{ NULL, "WHAT", CR_LEFT }, { NULL, "BEFORE", CR_RIGHT }, { NULL, "AFTER", CR_RIGHT },
			{ NULL, "DELTA", CR_RIGHT },
		};
		cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
		for (size_t i = 0; i < ngr; i++) {
			char d[32];
			snprintf(d, sizeof d, "%+lld", (long long)cr_sat_sub(gr[i].after, gr[i].before));
			cr_table_row(&t);
			cr_table_str(&t, gr[i].what);
			cr_table_int(&t, gr[i].before, NULL);
			cr_table_int(&t, gr[i].after, NULL);
			cr_table_str(&t, d);
		}
		cr_table_print_text(&t, stdout);
		cr_table_release(&t);
	}
out:
	for (size_t i = 0; i < ncaps; i++) {
		cr_netreport_release(&reps[i]);
		cr_netcapture_release(&caps[i]);
	}
	free(caps);
	free(reps);
	return rc;
}
