/* coroner goroutines: the goroutines of one dump grouped by stack. */
#include "cmd.h"
#include "options.h"
#include "coroner/goroutine.h"
#include "coroner/input.h"
#include "coroner/profile.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "goroutines",
	.usage = "coroner goroutines [options] DUMP",
	.about =
"Group the goroutines of one dump by stack and rank the groups by count, with\n"
"their state, wait minutes (min-max), user function and creator. Argument\n"
"values, goroutine ids and wait minutes never split a group. DUMP is any of:\n"
"a goroutine profile (/debug/pprof/goroutine: protobuf, ?debug=1 text), a\n"
"?debug=2 dump, a panic or SIGQUIT traceback (GOTRACEBACK=all|system|crash,\n"
"Go 1.21+ headers included); gzip/zstd or '-' for stdin.\n",
	.epilogue =
"JSON: {\"total\": N, \"groups\": [{\"count\", \"state\", \"function\",\n"
"\"wait_minutes\": [min, max], \"created_by\", \"frames\": [{\"function\", \"file\",\n"
"\"line\"}]}]}; state, wait_minutes and created_by appear where the format\n"
"records them (tracebacks), \"states\" lists every state with its count,\n"
"\"ids\" the goroutine ids (tracebacks, cores). A crash adds \"crash\":\n"
"{\"message\", \"signal\", \"goroutine\"}: the panic or fatal error line, the\n"
"signal line (null if none) and the id of the goroutine printed first.\n"
"\n"
"examples:\n"
"  coroner goroutines goroutine.txt\n"
"  curl -s localhost:6060/debug/pprof/goroutine?debug=2 | coroner goroutines -\n"
"  coroner goroutines --group=user --format=json crash.log\n",
};

/* What a dump was, for the headline. */
static const char *source_name(const struct cr_profile *p)
{
	if (cr_profile_is_goroutineleak(p))
		return p->source == CR_SRC_PPROF ? "goroutine leak profile: proved never to wake"
						 : "goroutine leak profile, debug=1: proved never to wake";
	switch (p->source) {
	case CR_SRC_PPROF: return "goroutine profile";
	case CR_SRC_GOROUTINE_TEXT: return "goroutine profile, debug=1";
	case CR_SRC_TRACEBACK: return "traceback";
	case CR_SRC_CORE: return "core";
	default: return "profile";
	}
}

bool cmd_is_goroutine_profile(const struct cr_profile *p)
{
	return cr_profile_is_goroutines(p);
}

void cmd_wait_text(char *buf, size_t n, bool has_wait, int64_t min, int64_t max)
{
	if (!has_wait)
		snprintf(buf, n, "-");
	else if (min == max)
		snprintf(buf, n, "%lld min", (long long)max);
	else
		snprintf(buf, n, "%lld-%lld min", (long long)min, (long long)max);
}

void cmd_json_wait(struct cr_json *j, bool has_wait, int64_t min, int64_t max)
{
	if (!has_wait)
		return;
	cr_json_key(j, "wait_minutes");
	cr_json_arr(j);
	cr_json_int(j, min);
	cr_json_int(j, max);
	cr_json_arr_end(j);
}

void cmd_json_frames(struct cr_json *j, const struct cr_frame *f, size_t n, bool detail)
{
	cr_json_key(j, "frames");
	cr_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		cr_json_obj(j);
		cr_json_kstr(j, "function", f[i].function);
		cr_json_kstr(j, "file", f[i].file);
		cr_json_kint(j, "line", f[i].line);
		if (detail && !*f[i].function && f[i].pc) {
			cr_json_key(j, "address");
			cr_json_hex(j, f[i].pc);
		}
		if (detail && f[i].inlined) {
			cr_json_key(j, "inlined");
			cr_json_bool(j, true);
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

size_t cmd_shown(int64_t nodecount, size_t n)
{
	return nodecount > 0 && (uint64_t)nodecount < n ? (size_t)nodecount : n;
}

void cmd_print_created_by(const char *created_by)
{
	if (!created_by)
		return;
	printf("    created by ");
	cr_fputs_safe(stdout, created_by);
	putchar('\n');
}

int cmd_load_goroutines(struct cr_profile *p, const char *path, bool name_type)
{
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	enum cr_err r = cr_goroutines_load(p, path, &warn, &e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	if (r)
		return cmd_error(&e);
	if (!cmd_is_goroutine_profile(p)) {
		if (name_type)
			cr_fail(&e, CR_UNSUPPORTED, "%s: not a goroutine profile or dump (sample type %s)",
				cr_input_display_name(path), p->ntypes ? cr_profile_str(p, p->types[0].type) : "none");
		else
			cr_fail(&e, CR_UNSUPPORTED, "%s: not a goroutine profile or dump", cr_input_display_name(path));
		return cmd_error(&e);
	}
	return 0;
}

/* Text frames: function and file:line, nameless frames folded into a count. */
void cmd_print_frames(const struct cr_frame *f, size_t n, size_t max, const char *indent)
{
	size_t w = 0, shown = 0, hidden = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(f[i].function);
		if (l > w)
			w = l;
	}
	if (w > 60)
		w = 60;
	for (size_t i = 0; i < n; i++) {
		if (!*f[i].function) {
			hidden++;
			continue;
		}
		if (max && shown == max) {
			printf("%s... %zu more frames\n", indent, n - i);
			break;
		}
		struct cr_buf b = { 0 };
		cr_escape_text(&b, f[i].function, strlen(f[i].function), 200);
		printf("%s%-*s", indent, (int)w, cr_buf_str(&b));
		cr_buf_release(&b);
		if (*f[i].file) {
			printf("  ");
			cr_fputs_safe(stdout, f[i].file);
			printf(":%lld", (long long)f[i].line);
		}
		if (f[i].inlined)
			printf(" (inline)");
		putchar('\n');
		shown++;
	}
	if (hidden)
		printf("%s(%zu frame%s without names: runtime frames the runtime left unnamed)\n",
		       indent, hidden, hidden > 1 ? "s" : "");
}

/* The crash a traceback records: its panic / fatal error line, its signal
 * line, and the goroutine printed first (the one that crashed). */
static void json_crash(struct cr_json *j, const struct cr_profile *p)
{
	const char *msg = NULL, *sig = NULL;
	for (size_t i = 0; i < p->ncomments; i++) {
		const char *c = cr_profile_str(p, p->comments[i]);
		if (!msg && (!strncmp(c, "panic:", 6) || !strncmp(c, "fatal error:", 12) || !strncmp(c, "fatal:", 6) ||
			     !strncmp(c, "unexpected signal", 17)))
			msg = c;
		else if (!sig && (!strncmp(c, "[signal ", 8) || !strncmp(c, "SIG", 3)))
			sig = c;
	}
	if (!msg && !sig)
		return;
	cr_json_key(j, "crash");
	cr_json_obj(j);
	cr_json_key(j, "message");
	if (msg)
		cr_json_str(j, msg);
	else
		cr_json_null(j);
	cr_json_key(j, "signal");
	if (sig)
		cr_json_str(j, sig);
	else
		cr_json_null(j);
	int64_t goid;
	cr_json_key(j, "goroutine");
	if (p->nsamples && cr_sample_numlabel(p, 0, "goid", &goid))
		cr_json_int(j, goid);
	else
		cr_json_null(j);
	cr_json_obj_end(j);
}

static void render_json(const struct cr_goroutines *g, const struct cr_profile *p, size_t shown)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kint(&j, "total", g->total);
	json_crash(&j, p);
	cr_json_key(&j, "leak_profile"); /* the runtime proved these never wake */
	cr_json_bool(&j, cr_profile_is_goroutineleak(p));
	cr_json_key(&j, "groups");
	cr_json_arr(&j);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_ggroup *gr = &g->groups[i];
		cr_json_obj(&j);
		cr_json_kint(&j, "count", gr->count);
		if (gr->state)
			cr_json_kstr(&j, "state", gr->state);
		cr_json_kstr(&j, "function", gr->function);
		cmd_json_wait(&j, gr->has_wait, gr->wait_min, gr->wait_max);
		if (gr->created_by)
			cr_json_kstr(&j, "created_by", gr->created_by);
		if (gr->nids) {
			cr_json_key(&j, "ids");
			cr_json_arr(&j);
			for (size_t k = 0; k < gr->nids; k++)
				cr_json_int(&j, gr->ids[k]);
			cr_json_arr_end(&j);
		}
		if (gr->nstates) {
			cr_json_key(&j, "states");
			cr_json_arr(&j);
			for (size_t k = 0; k < gr->nstates; k++) {
				cr_json_obj(&j);
				cr_json_kstr(&j, "state", gr->states[k].state);
				cr_json_kint(&j, "count", gr->states[k].count);
				cr_json_obj_end(&j);
			}
			cr_json_arr_end(&j);
		}
		if (gr->locked) {
			cr_json_key(&j, "locked_to_thread");
			cr_json_bool(&j, true);
		}
		if (gr->elided) {
			cr_json_key(&j, "frames_elided");
			cr_json_bool(&j, true);
		}
		cmd_json_frames(&j, gr->frames, gr->nframes, true);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);}

static void render_text(const struct cr_goroutines *g, const struct cr_profile *p, const char *path,
			size_t shown, size_t maxframes)
{
	bool color = cmd_color();
	printf("%s: %lld goroutine%s in %zu group%s (%s", cr_input_display_name(path),
	       (long long)g->total, g->total == 1 ? "" : "s", g->ngroups, g->ngroups == 1 ? "" : "s", source_name(p));
	if (g->counted != g->total)
		printf("; stacks account for %lld", (long long)g->counted);
	printf(")\n");
	for (size_t i = 0; i < p->ncomments; i++) {
		cr_fputs_safe(stdout, cr_profile_str(p, p->comments[i]));
		putchar('\n');
	}
	putchar('\n');
	struct cr_table t;
	cr_table_init(&t);
	cr_table_col(&t, NULL, "COUNT", CR_RIGHT);
	if (g->has_state)
		cr_table_col(&t, NULL, "STATE", CR_LEFT);
	if (g->has_wait)
		cr_table_col(&t, NULL, "WAIT", CR_RIGHT);
	cr_table_col(&t, NULL, "FUNCTION", CR_LEFT);
	cr_table_col(&t, NULL, "CREATED BY", CR_LEFT);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_ggroup *gr = &g->groups[i];
		char w[64];
		cmd_wait_text(w, sizeof w, gr->has_wait, gr->wait_min, gr->wait_max);
		cr_table_row(&t);
		cr_table_int(&t, gr->count, NULL);
		if (g->has_state) {
			char st[256];
			snprintf(st, sizeof st, "%s%s", gr->state ? gr->state : "-",
				 gr->nstates > 1 ? " (+)" : "");
			cr_table_str(&t, st);
		}
		if (g->has_wait)
			cr_table_str(&t, w);
		cr_table_str(&t, *gr->function ? gr->function : "?");
		cr_table_str(&t, gr->created_by ? gr->created_by : "-");
	}
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);
	if (shown < g->ngroups) {
		int64_t rest = 0;
		for (size_t i = shown; i < g->ngroups; i++)
			rest += g->groups[i].count;
		printf("[%zu other groups: %lld goroutines]\n", g->ngroups - shown, (long long)rest);
	}
	for (size_t i = 0; i < shown; i++) {
		const struct cr_ggroup *gr = &g->groups[i];
		char w[64];
		cmd_wait_text(w, sizeof w, gr->has_wait, gr->wait_min, gr->wait_max);
		putchar('\n');
		if (color)
			fputs("\033[1m", stdout);
		printf("%lld goroutine%s", (long long)gr->count, gr->count == 1 ? "" : "s");
		if (gr->nstates) {
			printf(" [");
			for (size_t k = 0; k < gr->nstates; k++) {
				printf("%s", k ? ", " : "");
				cr_fputs_safe(stdout, gr->states[k].state);
				if (gr->nstates > 1)
					printf(": %lld", (long long)gr->states[k].count);
			}
			printf("]");
		}
		if (gr->has_wait && gr->wait_max > 0)
			printf(" waiting %s", w);
		if (gr->locked)
			printf(", locked to thread");
		if (color)
			fputs("\033[0m", stdout);
		putchar('\n');
		cmd_print_frames(gr->frames, gr->nframes, maxframes, "    ");
		if (gr->elided)
			printf("    ...frames elided...\n");
		cmd_print_created_by(gr->created_by);
	}
}

static int opt_group(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	int g = cr_group_by_parse(arg);
	if (g < 0 || g == CR_GROUP_MATCH)
		return cmd_usage_error(st->cmd, "--group takes exact, function or user");
	*(int *)o->value = g;
	return 0;
}

int cmd_goroutines(int argc, char **argv)
{
	enum cr_format fmt = CR_FMT_TEXT;
	int by = CR_GROUP_EXACT;
	int64_t nodecount = -1, maxframes = 12;
	struct cmd_option opts[] = {
		OPT_CALLBACK(0, "group", &by, "exact|function|user",
			     "exact: same frames and lines (default); function: same functions, lines "
			     "ignored; user: same innermost user frame (package main or a dotted import path)",
			     opt_group),
		OPT_SHOWN_STACKS(&nodecount, &maxframes, "show at most N groups (text on a terminal: 20; "
				 "otherwise all)"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi, rc = 0;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argi >= argc)
		return cmd_usage_error("goroutines", "no dump given");
	if (argc - argi > 1)
		return cmd_usage_error("goroutines", "one dump at a time (compare several with 'coroner leaks')");
	if (nodecount < 0)
		nodecount = (fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 20 : 0;
	const char *path = argv[argi];
	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cr_goroutines g;
	memset(&g, 0, sizeof g);
	if (cr_profile_init(&p)) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		return cmd_error(&e);
	}
	if ((rc = cmd_load_goroutines(&p, path, true)))
		goto out;
	if (cr_goroutines_compute(&g, &p, (enum cr_group_by)by, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	size_t shown = cmd_shown(nodecount, g.ngroups);
	if (fmt == CR_FMT_JSON)
		render_json(&g, &p, shown);
	else
		render_text(&g, &p, path, shown, (size_t)maxframes);
out:
	cr_goroutines_release(&g);
	cr_profile_release(&p);
	return rc;
}
