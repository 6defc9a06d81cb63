/* coroner leaks: goroutine stacks that grew across snapshots, ranked. */
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
"usage: coroner leaks [options] SNAPSHOT SNAPSHOT [SNAPSHOT...]\n"
"\n"
"Match the goroutines of two or more snapshots of one process by stack and\n"
"rank the stacks that grew from the first snapshot to the last: by growth,\n"
"then blocked states first, then the longest wait. Stacks whose count did not\n"
"grow are not candidates. Snapshots may mix formats: goroutine profiles\n"
"(protobuf, ?debug=1), ?debug=2 dumps, panic and SIGQUIT tracebacks; stacks\n"
"match by their function names outside package runtime, so the formats agree.\n"
"goleak's default ignore rules (test runner, os/signal, cgo callback threads,\n"
"tracing) apply; runtime-internal goroutines are never candidates.\n"
"\n"
"options:\n"
"      --no-goleak-rules  do not apply goleak's default ignore rules\n"
"      --min-delta=N      report stacks that grew by at least N (default 1)\n"
"      --nodecount=N      show at most N candidates (default: all)\n"
"      --frames=N         frames shown per candidate in text (default 12; 0 = all)\n"
"      --format=text|json\n"
"\n"
"JSON: {\"totals\": [N, ...], \"candidates\": [{\"function\", \"counts\": [n, ...],\n"
"\"delta\", \"state\", \"wait_minutes\": [min, max], \"created_by\", \"frames\":\n"
"[{\"function\", \"file\", \"line\"}]}]}; state, wait_minutes and created_by\n"
"appear where some snapshot records them.\n"
"\n"
"examples:\n"
"  coroner leaks goroutine-0900.txt goroutine-1700.txt\n"
"  coroner leaks before.pb.gz after-debug2.txt sigquit.log --format=json\n");
}

int cmd_leaks(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_NOGOLEAK, O_MINDELTA, O_NODECOUNT, O_FRAMES };
	static const struct option opts[] = {
		{ "format", required_argument, 0, O_FORMAT },
		{ "no-goleak-rules", no_argument, 0, O_NOGOLEAK },
		{ "min-delta", required_argument, 0, O_MINDELTA },
		{ "nodecount", required_argument, 0, O_NODECOUNT },
		{ "frames", required_argument, 0, O_FRAMES },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	enum cr_format fmt = CR_FMT_TEXT;
	struct cr_leak_opts lo;
	long nodecount = 0, maxframes = 12;
	cr_leak_opts_default(&lo);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case O_FORMAT:
			if (!cmd_parse_format("leaks", optarg, 1u << CR_FMT_TEXT | 1u << CR_FMT_JSON, &fmt))
				return 2;
			break;
		case O_NOGOLEAK: lo.goleak_ignore = false; break;
		case O_MINDELTA:
			lo.min_delta = strtoll(optarg, &end, 10);
			if (*end || end == optarg || lo.min_delta < 1)
				return cmd_usage_error("leaks", "--min-delta takes a number >= 1");
			break;
		case O_NODECOUNT:
			nodecount = strtol(optarg, &end, 10);
			if (*end || end == optarg || nodecount < 0)
				return cmd_usage_error("leaks", "--nodecount takes a number");
			break;
		case O_FRAMES:
			maxframes = strtol(optarg, &end, 10);
			if (*end || end == optarg || maxframes < 0)
				return cmd_usage_error("leaks", "--frames takes a number");
			break;
		case 'h': help(); return 0;
		default: return cmd_usage_error("leaks", "bad option");
		}
	}
	int n = argc - optind;
	if (n < 2)
		return cmd_usage_error("leaks", "need at least two snapshots");
	struct cr_error e = { 0 };
	struct cr_leaks l;
	int rc = 0, loaded = 0;
	memset(&l, 0, sizeof l);
	struct cr_profile *ps = calloc((size_t)n, sizeof *ps);
	const struct cr_profile **pp = calloc((size_t)n, sizeof *pp);
	if (!ps || !pp) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		rc = cmd_error(&e);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *path = argv[optind + i];
		struct cr_buf warn = { 0 };
		cr_profile_init(&ps[i]);
		loaded = i + 1;
		enum cr_err r = cr_goroutines_load(&ps[i], path, &warn, &e);
		cmd_warnings(cr_buf_str(&warn));
		cr_buf_release(&warn);
		if (r) {
			rc = cmd_error(&e);
			goto out;
		}
		if (!cmd_is_goroutine_profile(&ps[i])) {
			cr_fail(&e, CR_UNSUPPORTED, "%s: not a goroutine profile or dump",
				cr_input_display_name(path));
			rc = cmd_error(&e);
			goto out;
		}
		pp[i] = &ps[i];
	}
	if (cr_leaks_compute(&l, pp, (size_t)n, &lo, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	size_t shown = l.ncands;
	if (nodecount > 0 && (size_t)nodecount < shown)
		shown = (size_t)nodecount;
	if (fmt == CR_FMT_JSON) {
		struct cr_json j;
		cr_json_init(&j, stdout, true);
		cr_json_obj(&j);
		cr_json_key(&j, "totals");
		cr_json_arr(&j);
		for (size_t s = 0; s < l.nsnap; s++)
			cr_json_int(&j, l.totals[s]);
		cr_json_arr_end(&j);
		cr_json_key(&j, "candidates");
		cr_json_arr(&j);
		for (size_t i = 0; i < shown; i++) {
			const struct cr_leak_candidate *k = &l.cands[i];
			cr_json_obj(&j);
			cr_json_kstr(&j, "function", k->function);
			cr_json_key(&j, "counts");
			cr_json_arr(&j);
			for (size_t s = 0; s < l.nsnap; s++)
				cr_json_int(&j, k->counts[s]);
			cr_json_arr_end(&j);
			cr_json_kint(&j, "delta", k->delta);
			if (k->state)
				cr_json_kstr(&j, "state", k->state);
			if (k->has_wait) {
				cr_json_key(&j, "wait_minutes");
				cr_json_arr(&j);
				cr_json_int(&j, k->wait_min);
				cr_json_int(&j, k->wait_max);
				cr_json_arr_end(&j);
			}
			if (k->created_by)
				cr_json_kstr(&j, "created_by", k->created_by);
			cr_json_key(&j, "frames");
			cr_json_arr(&j);
			for (size_t f = 0; f < k->nframes; f++) {
				cr_json_obj(&j);
				cr_json_kstr(&j, "function", k->frames[f].function);
				cr_json_kstr(&j, "file", k->frames[f].file);
				cr_json_kint(&j, "line", k->frames[f].line);
				cr_json_obj_end(&j);
			}
			cr_json_arr_end(&j);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
		cr_json_end(&j);
		goto out;
	}
	printf("goroutines per snapshot:");
	for (size_t s = 0; s < l.nsnap; s++)
		printf("%s %lld", s ? " ->" : "", (long long)l.totals[s]);
	printf("; %zu leak candidate%s, %zu steady stack%s, %zu ignored (%s)\n", l.ncands,
	       l.ncands == 1 ? "" : "s", l.steady, l.steady == 1 ? "" : "s", l.ignored,
	       lo.goleak_ignore ? "runtime goroutines, goleak rules" : "runtime goroutines");
	if (!l.ncands) {
		printf("no goroutine stack grew\n");
		goto out;
	}
	putchar('\n');
	struct cr_table t;
	cr_table_init(&t);
	cr_table_col(&t, NULL, "DELTA", CR_RIGHT);
	cr_table_col(&t, NULL, "COUNTS", CR_RIGHT);
	cr_table_col(&t, NULL, "STATE", CR_LEFT);
	cr_table_col(&t, NULL, "WAIT", CR_RIGHT);
	cr_table_col(&t, NULL, "FUNCTION", CR_LEFT);
	cr_table_col(&t, NULL, "CREATED BY", CR_LEFT);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_leak_candidate *k = &l.cands[i];
		char d[32], w[64];
		struct cr_buf cb = { 0 };
		snprintf(d, sizeof d, "+%lld", (long long)k->delta);
		for (size_t s = 0; s < l.nsnap; s++)
			cr_buf_addf(&cb, "%s%lld", s ? " -> " : "", (long long)k->counts[s]);
		if (!k->has_wait)
			snprintf(w, sizeof w, "-");
		else if (k->wait_min == k->wait_max)
			snprintf(w, sizeof w, "%lld min", (long long)k->wait_max);
		else
			snprintf(w, sizeof w, "%lld-%lld min", (long long)k->wait_min, (long long)k->wait_max);
		cr_table_row(&t);
		cr_table_str(&t, d);
		cr_table_str(&t, cr_buf_str(&cb));
		cr_table_str(&t, k->state ? k->state : "-");
		cr_table_str(&t, w);
		cr_table_str(&t, *k->function ? k->function : "?");
		cr_table_str(&t, k->created_by ? k->created_by : "-");
		cr_buf_release(&cb);
	}
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);
	if (shown < l.ncands)
		printf("[%zu other candidates]\n", l.ncands - shown);
	bool color = cmd_color();
	for (size_t i = 0; i < shown && i < 5; i++) {
		const struct cr_leak_candidate *k = &l.cands[i];
		putchar('\n');
		if (color)
			fputs("\033[1m", stdout);
		printf("#%zu +%lld ", i + 1, (long long)k->delta);
		cr_fputs_safe(stdout, *k->function ? k->function : "?");
		if (k->state) {
			printf(" [");
			cr_fputs_safe(stdout, k->state);
			printf("]");
		}
		if (color)
			fputs("\033[0m", stdout);
		putchar('\n');
		cmd_print_frames(k->frames, k->nframes, (size_t)maxframes, "    ");
		if (k->created_by) {
			printf("    created by ");
			cr_fputs_safe(stdout, k->created_by);
			putchar('\n');
		}
	}
out:
	cr_leaks_release(&l);
	for (int i = 0; i < loaded; i++)
		cr_profile_release(&ps[i]);
	free(ps);
	free(pp);
	return rc;
}
