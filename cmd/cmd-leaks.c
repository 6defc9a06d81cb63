/* coroner leaks: goroutine stacks that grew across snapshots, ranked. */
#include "cmd.h"
#include "options.h"
#include "coroner/goroutine.h"
#include "coroner/input.h"
#include "coroner/profile.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "leaks",
	.usage = "coroner leaks [options] SNAPSHOT SNAPSHOT [SNAPSHOT...] | LOG",
	.about =
"Match the goroutines of two or more snapshots of one process by stack and\n"
"rank the stacks that grew from the first snapshot to the last: by growth,\n"
"then blocked states first, then the longest wait. Stacks whose count did not\n"
"grow are not candidates. Snapshots may mix formats: goroutine profiles\n"
"(protobuf, ?debug=1), ?debug=2 dumps, panic and SIGQUIT tracebacks; stacks\n"
"match by their function names outside package runtime, so the formats agree.\n"
"goleak's default ignore rules (test runner, os/signal, cgo callback threads,\n"
"tracing) apply; runtime-internal goroutines are never candidates.\n"
"One file holding several dumps of one process (a log where goroutine ids\n"
"repeat) gives its dumps as the snapshots, in their order.\n",
	.epilogue =
"JSON: {\"totals\": [N, ...], \"candidates\": [{\"function\", \"counts\": [n, ...],\n"
"\"delta\", \"state\", \"wait_minutes\": [min, max], \"created_by\", \"frames\":\n"
"[{\"function\", \"file\", \"line\"}]}]}; state, wait_minutes and created_by\n"
"appear where some snapshot records them.\n"
"\n"
"examples:\n"
"  coroner leaks goroutine-0900.txt goroutine-1700.txt\n"
"  coroner leaks before.pb.gz after-debug2.txt sigquit.log --format=json\n",
};

static void render_json(const struct cr_leaks *l, size_t shown)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_key(&j, "totals");
	cr_json_arr(&j);
	for (size_t s = 0; s < l->nsnap; s++)
		cr_json_int(&j, l->totals[s]);
	cr_json_arr_end(&j);
	cr_json_key(&j, "candidates");
	cr_json_arr(&j);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_leak_candidate *k = &l->cands[i];
		cr_json_obj(&j);
		cr_json_kstr(&j, "function", k->function);
		cr_json_key(&j, "counts");
		cr_json_arr(&j);
		for (size_t s = 0; s < l->nsnap; s++)
			cr_json_int(&j, k->counts[s]);
		cr_json_arr_end(&j);
		cr_json_kint(&j, "delta", k->delta);
		if (k->state)
			cr_json_kstr(&j, "state", k->state);
		cmd_json_wait(&j, k->has_wait, k->wait_min, k->wait_max);
		if (k->created_by)
			cr_json_kstr(&j, "created_by", k->created_by);
		cmd_json_frames(&j, k->frames, k->nframes, false);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);}

static void render_text(const struct cr_leaks *l, size_t shown, size_t maxframes, bool goleak)
{
	printf("goroutines per snapshot:");
	for (size_t s = 0; s < l->nsnap; s++)
		printf("%s %lld", s ? " ->" : "", (long long)l->totals[s]);
	printf("; %zu leak candidate%s, %zu steady stack%s, %zu ignored (%s)\n", l->ncands,
	       l->ncands == 1 ? "" : "s", l->steady, l->steady == 1 ? "" : "s", l->ignored,
	       goleak ? "runtime goroutines, goleak rules" : "runtime goroutines");
	if (!l->ncands) {
		printf("no goroutine stack grew\n");
		return;
	}
	putchar('\n');
	struct cr_table t;
	static const struct cr_col cols[] = {
		{ NULL, "DELTA", CR_RIGHT }, { NULL, "COUNTS", CR_RIGHT }, { NULL, "STATE", CR_LEFT },
		{ NULL, "WAIT", CR_RIGHT }, { NULL, "FUNCTION", CR_LEFT }, { NULL, "CREATED BY", CR_LEFT },
	};
	cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < shown; i++) {
		const struct cr_leak_candidate *k = &l->cands[i];
		char d[32], w[64];
		struct cr_buf cb = { 0 };
		snprintf(d, sizeof d, "+%lld", (long long)k->delta);
		for (size_t s = 0; s < l->nsnap; s++)
			cr_buf_addf(&cb, "%s%lld", s ? " -> " : "", (long long)k->counts[s]);
		cmd_wait_text(w, sizeof w, k->has_wait, k->wait_min, k->wait_max);
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
	if (shown < l->ncands)
		printf("[%zu other candidates]\n", l->ncands - shown);
	bool color = cmd_color();
	for (size_t i = 0; i < shown && i < 5; i++) {
		const struct cr_leak_candidate *k = &l->cands[i];
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
		cmd_print_frames(k->frames, k->nframes, maxframes, "    ");
		cmd_print_created_by(k->created_by);
	}
}

int cmd_leaks(int argc, char **argv)
{
	enum cr_format fmt = CR_FMT_TEXT;
	struct cr_leak_opts lo;
	int64_t nodecount = 0, maxframes = 12;
	cr_leak_opts_default(&lo);
	int64_t min_delta = lo.min_delta;
	struct cmd_option opts[] = {
		OPT_CLEAR(0, "no-goleak-rules", &lo.goleak_ignore, "do not apply goleak's default ignore rules"),
		OPT_INT("min-delta", &min_delta, "N", "report stacks that grew by at least N (default 1)", 1,
			INT64_MAX, "--min-delta takes a number >= 1"),
		OPT_SHOWN_STACKS(&nodecount, &maxframes, "show at most N candidates (default: all)"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi, rc = 0;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	lo.min_delta = min_delta;
	int n = argc - argi;
	int64_t ndumps = 0;
	if (n == 1 && strcmp(argv[argi], "-") != 0) {
		/* one log with several dumps of one process */
		struct cr_profile one;
		cr_profile_init(&one);
		rc = cmd_load_goroutines(&one, argv[argi], false);
		cr_profile_extra(&one, "dumps", &ndumps);
		cr_profile_release(&one);
		if (rc)
			return rc;
		if (ndumps < 2 || ndumps > 1000)
			ndumps = 0;
		n = (int)ndumps;
	}
	if (n < 2)
		return cmd_usage_error("leaks", "need at least two snapshots (or one file with several dumps)");
	struct cr_error e = { 0 };
	struct cr_leaks l;
	int loaded = 0;
	memset(&l, 0, sizeof l);
	struct cr_profile *ps = calloc((size_t)n, sizeof *ps);
	const struct cr_profile **pp = calloc((size_t)n, sizeof *pp);
	if (!ps || !pp) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		rc = cmd_error(&e);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		cr_profile_init(&ps[i]);
		loaded = i + 1;
		if (ndumps) {
			struct cr_buf warn = { 0 };
			enum cr_err r = cr_goroutines_load_dump(&ps[i], argv[argi], (size_t)i, &warn, &e);
			/* its warnings were printed when it was read whole */
			cr_buf_release(&warn);
			if (r) {
				rc = cmd_error(&e);
				goto out;
			}
		} else if ((rc = cmd_load_goroutines(&ps[i], argv[argi + i], false))) {
			goto out;
		}
		pp[i] = &ps[i];
	}
	if (cr_leaks_compute(&l, pp, (size_t)n, &lo, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	size_t shown = cmd_shown(nodecount, l.ncands);
	if (fmt == CR_FMT_JSON)
		render_json(&l, shown);
	else
		render_text(&l, shown, (size_t)maxframes, lo.goleak_ignore);
out:
	cr_leaks_release(&l);
	for (int i = 0; i < loaded; i++)
		cr_profile_release(&ps[i]);
	free(ps);
	free(pp);
	return rc;
}
