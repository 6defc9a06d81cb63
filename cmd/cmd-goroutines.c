/* coroner goroutines: the goroutines of one dump grouped by stack. */
#include "cmd.h"
#include "coroner/goroutine.h"
#include "coroner/input.h"
#include "coroner/profile.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(
"usage: coroner goroutines [options] DUMP\n"
"\n"
"Group the goroutines of one dump by stack and rank the groups by count, with\n"
"their state, wait minutes (min-max), user function and creator. Argument\n"
"values, goroutine ids and wait minutes never split a group. DUMP is any of:\n"
"a goroutine profile (/debug/pprof/goroutine: protobuf, ?debug=1 text), a\n"
"?debug=2 dump, a panic or SIGQUIT traceback (GOTRACEBACK=all|system|crash,\n"
"Go 1.21+ headers included); gzip/zstd or '-' for stdin.\n"
"\n"
"options:\n"
"      --group=exact|function|user\n"
"                        exact: same frames and lines (default); function:\n"
"                        same functions, lines ignored; user: same innermost\n"
"                        user frame (package main or a dotted import path)\n"
"      --nodecount=N     show at most N groups (text on a terminal: 20;\n"
"                        otherwise all)\n"
"      --frames=N        frames shown per group in text (default 12; 0 = all)\n"
"      --format=text|json\n"
"\n"
"JSON: {\"total\": N, \"groups\": [{\"count\", \"state\", \"function\",\n"
"\"wait_minutes\": [min, max], \"created_by\", \"frames\": [{\"function\", \"file\",\n"
"\"line\"}]}]}; state, wait_minutes and created_by appear where the format\n"
"records them (tracebacks), \"states\" lists every state with its count.\n"
"\n"
"examples:\n"
"  coroner goroutines goroutine.txt\n"
"  curl -s localhost:6060/debug/pprof/goroutine?debug=2 | coroner goroutines -\n"
"  coroner goroutines --group=user --format=json crash.log\n");
}

static const char *kind_of(const struct cr_profile *p)
{
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
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(cr_profile_str(p, p->types[i].type), "goroutine"))
			return true;
	return false;
}

static void print_wait(char *buf, size_t n, const struct cr_ggroup *g)
{
	if (!g->has_wait)
		snprintf(buf, n, "-");
	else if (g->wait_min == g->wait_max)
		snprintf(buf, n, "%lld min", (long long)g->wait_max);
	else
		snprintf(buf, n, "%lld-%lld min", (long long)g->wait_min, (long long)g->wait_max);
}

static void json_frames(struct cr_json *j, const struct cr_gframe *f, size_t n)
{
	cr_json_key(j, "frames");
	cr_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		cr_json_obj(j);
		cr_json_kstr(j, "function", f[i].function);
		cr_json_kstr(j, "file", f[i].file);
		cr_json_kint(j, "line", f[i].line);
		if (!*f[i].function && f[i].address) {
			cr_json_key(j, "address");
			cr_json_hex(j, f[i].address);
		}
		if (f[i].inlined) {
			cr_json_key(j, "inlined");
			cr_json_bool(j, true);
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

/* Text frames: function and file:line, nameless frames folded into a count. */
void cmd_print_frames(const struct cr_gframe *f, size_t n, size_t max, const char *indent)
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

int cmd_goroutines(int argc, char **argv)
{
	enum { O_GROUP = 256, O_FORMAT, O_NODECOUNT, O_FRAMES };
	static const struct option opts[] = {
		{ "group", required_argument, 0, O_GROUP },
		{ "format", required_argument, 0, O_FORMAT },
		{ "nodecount", required_argument, 0, O_NODECOUNT },
		{ "frames", required_argument, 0, O_FRAMES },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	enum cr_format fmt = CR_FMT_TEXT;
	enum cr_group_by by = CR_GROUP_EXACT;
	long nodecount = -1, maxframes = 12;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case O_GROUP: {
			int g = cr_group_by_parse(optarg);
			if (g < 0 || g == CR_GROUP_MATCH)
				return cmd_usage_error("goroutines", "--group takes exact, function or user");
			by = (enum cr_group_by)g;
			break;
		}
		case O_FORMAT:
			if (!cmd_parse_format("goroutines", optarg, 1u << CR_FMT_TEXT | 1u << CR_FMT_JSON, &fmt))
				return 2;
			break;
		case O_NODECOUNT:
			nodecount = strtol(optarg, &end, 10);
			if (*end || end == optarg || nodecount < 0)
				return cmd_usage_error("goroutines", "--nodecount takes a number");
			break;
		case O_FRAMES:
			maxframes = strtol(optarg, &end, 10);
			if (*end || end == optarg || maxframes < 0)
				return cmd_usage_error("goroutines", "--frames takes a number");
			break;
		case 'h': help(); return 0;
		default: return cmd_usage_error("goroutines", "bad option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error("goroutines", "no dump given");
	if (argc - optind > 1)
		return cmd_usage_error("goroutines", "one dump at a time (compare several with 'coroner leaks')");
	if (nodecount < 0)
		nodecount = (fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 20 : 0;
	const char *path = argv[optind];
	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cr_goroutines g;
	struct cr_buf warn = { 0 };
	int rc = 0;
	memset(&g, 0, sizeof g);
	if (cr_profile_init(&p)) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		return cmd_error(&e);
	}
	enum cr_err r = cr_goroutines_load(&p, path, &warn, &e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	if (r) {
		rc = cmd_error(&e);
		goto out;
	}
	if (!cmd_is_goroutine_profile(&p)) {
		cr_fail(&e, CR_UNSUPPORTED, "%s: not a goroutine profile or dump (sample type %s)",
			cr_input_display_name(path), p.ntypes ? cr_profile_str(&p, p.types[0].type) : "none");
		rc = cmd_error(&e);
		goto out;
	}
	if (cr_goroutines_compute(&g, &p, by, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	size_t shown = g.ngroups;
	if (nodecount > 0 && (size_t)nodecount < shown)
		shown = (size_t)nodecount;
	if (fmt == CR_FMT_JSON) {
		struct cr_json j;
		cr_json_init(&j, stdout, true);
		cr_json_obj(&j);
		cr_json_kint(&j, "total", g.total);
		cr_json_key(&j, "groups");
		cr_json_arr(&j);
		for (size_t i = 0; i < shown; i++) {
			const struct cr_ggroup *gr = &g.groups[i];
			cr_json_obj(&j);
			cr_json_kint(&j, "count", gr->count);
			if (gr->state)
				cr_json_kstr(&j, "state", gr->state);
			cr_json_kstr(&j, "function", gr->function);
			if (gr->has_wait) {
				cr_json_key(&j, "wait_minutes");
				cr_json_arr(&j);
				cr_json_int(&j, gr->wait_min);
				cr_json_int(&j, gr->wait_max);
				cr_json_arr_end(&j);
			}
			if (gr->created_by)
				cr_json_kstr(&j, "created_by", gr->created_by);
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
			json_frames(&j, gr->frames, gr->nframes);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
		cr_json_end(&j);
		goto out;
	}
	bool color = cmd_color();
	printf("%s: %lld goroutine%s in %zu group%s (%s", cr_input_display_name(path),
	       (long long)g.total, g.total == 1 ? "" : "s", g.ngroups, g.ngroups == 1 ? "" : "s", kind_of(&p));
	if (g.counted != g.total)
		printf("; stacks account for %lld", (long long)g.counted);
	printf(")\n");
	for (size_t i = 0; i < p.ncomments; i++) {
		cr_fputs_safe(stdout, cr_profile_str(&p, p.comments[i]));
		putchar('\n');
	}
	putchar('\n');
	struct cr_table t;
	cr_table_init(&t);
	cr_table_col(&t, NULL, "COUNT", CR_RIGHT);
	if (g.has_state)
		cr_table_col(&t, NULL, "STATE", CR_LEFT);
	if (g.has_wait)
		cr_table_col(&t, NULL, "WAIT", CR_RIGHT);
	cr_table_col(&t, NULL, "FUNCTION", CR_LEFT);
	cr_table_col(&t, NULL, "CREATED BY", CR_LEFT);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_ggroup *gr = &g.groups[i];
		char w[64];
		print_wait(w, sizeof w, gr);
		cr_table_row(&t);
		cr_table_int(&t, gr->count, NULL);
		if (g.has_state) {
			char st[256];
			snprintf(st, sizeof st, "%s%s", gr->state ? gr->state : "-",
				 gr->nstates > 1 ? " (+)" : "");
			cr_table_str(&t, st);
		}
		if (g.has_wait)
			cr_table_str(&t, w);
		cr_table_str(&t, *gr->function ? gr->function : "?");
		cr_table_str(&t, gr->created_by ? gr->created_by : "-");
	}
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);
	if (shown < g.ngroups) {
		int64_t rest = 0;
		for (size_t i = shown; i < g.ngroups; i++)
			rest += g.groups[i].count;
		printf("[%zu other groups: %lld goroutines]\n", g.ngroups - shown, (long long)rest);
	}
	for (size_t i = 0; i < shown; i++) {
		const struct cr_ggroup *gr = &g.groups[i];
		char w[64];
		print_wait(w, sizeof w, gr);
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
		cmd_print_frames(gr->frames, gr->nframes, (size_t)maxframes, "    ");
		if (gr->elided)
			printf("    ...frames elided...\n");
		if (gr->created_by) {
			printf("    created by ");
			cr_fputs_safe(stdout, gr->created_by);
			putchar('\n');
		}
	}
out:
	cr_goroutines_release(&g);
	cr_profile_release(&p);
	return rc;
}
