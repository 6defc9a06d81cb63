/* coroner top: pprof's -top, same input -> same numbers. */
#include "cmd.h"
#include "options.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/top.h"
#include "coroner/sym.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "top",
	.usage = "coroner top [options] PROFILE...\n"
		 "coroner top [options] BINARY CORE",
	.about =
"Rank the functions of one or more profiles (merged) by flat and cumulative\n"
"value, with the semantics of `go tool pprof -top`. PROFILE is a pprof\n"
"protobuf (gzip or not), a Go debug=1 heap profile, a goroutine dump of\n"
"any format, or a core dump with its binary (its goroutines); '-' reads stdin.\n",
	.epilogue =
"JSON: {\"sample_type\", \"unit\", \"total\", \"rows\": [{\"name\", \"flat\", \"cum\"}]}\n"
"with exact integers in the profile's unit, rows in pprof's order.\n"
"\n"
"go tool pprof's spellings work too, with one dash: -sample_index=alloc_space\n"
"-nodecount=20 -lines -diff_base=OLD -top ... (a pprof command line as it is).\n"
"\n"
"examples:\n"
"  coroner top heap.pb.gz\n"
"  coroner top -sample_index=alloc_space -nodecount=20 -cum heap.pb.gz\n"
"  coroner top -i alloc_space --nodecount=20 heap.pb.gz\n"
"  coroner top --diff-base=heap-0900.pb.gz heap-1700.pb.gz --format=json\n",
	.one_dash = true,
};

struct top_args {
	const char *sample_index, *unit, *diff_base, *base, *binary;
	struct cmd_filter_args filt;
	int gran;
	struct cr_top_opts o;
	enum cr_format fmt;
	char **paths;
	int npaths;
};

/* pprof's --nodecount: N <= 0 shows every row */
static int opt_nodecount(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	int64_t v;
	if (!cmd_parse_int(arg, INT64_MIN, INT64_MAX, &v))
		return cmd_usage_error(st->cmd, "--nodecount takes a number");
	*(long *)o->value = v <= 0 ? 0 : (long)v;
	return 0;
}

static int top_parse(struct top_args *a, int argc, char **argv)
{
	struct cmd_option opts[] = {
		OPT_SAMPLE_INDEX(&a->sample_index, "value to rank by (default: the profile's default, "
			         "e.g. inuse_space; alloc_space, alloc_objects, ...)"),
		OPT_CALLBACK(0, "granularity", &a->gran, "G",
			     "functions (default), filefunctions, lines, files, addresses", cmd_opt_granularity),
		OPT_BOOL(0, "noinlines", &a->o.noinlines, "attribute inlined frames to their caller"),
		OPT_CALLBACK(0, "nodecount", &a->o.nodecount, "N",
			     "show at most N rows (text on a terminal: 10; otherwise all)", opt_nodecount),
		OPT_DOUBLE("nodefraction", &a->o.nodefraction, "F",
			   "drop nodes whose cum is below F of the total (default 0.005)", 0, 1,
			   "--nodefraction takes a number from 0 to 1"),
		OPT_PPROF_FILTERS(&a->filt),
		OPT_BOOL(0, "cum", &a->o.cum_sort, "sort by cumulative value"),
		OPT_STRING(0, "unit", &a->unit, "U", "output unit for text (B, kB, MB, ms, ...; default "
			   "the smallest that fits, as pprof)"),
		OPT_STRING(0, "diff-base", &a->diff_base, "BASE",
			   "show PROFILE minus BASE, percentages of BASE's total (pprof -diff_base)"),
		OPT_STRING(0, "base", &a->base, "BASE", "subtract BASE, a cumulative profile (pprof -base)"),
		OPT_BINARY(&a->binary, "symbolize addresses that carry no function names"),
		OPT_FORMAT(&a->fmt, CMD_FMT(TEXT) | CMD_FMT(JSON) | CMD_FMT(CSV), NULL),
		/* go tool pprof's own spellings, so a pprof command line works as it is */
		OPT_ALIAS("sample_index", "sample-index"),
		OPT_ALIAS("show_from", "show-from"),
		OPT_ALIAS("diff_base", "diff-base"),
		OPT_NOOP(0, "top"), /* pprof's output mode: this command's only one */
		OPT_SET_INT("functions", &a->gran, CR_GRAN_FUNCTIONS, NULL),
		OPT_SET_INT("filefunctions", &a->gran, CR_GRAN_FILEFUNCTIONS, NULL),
		OPT_SET_INT("lines", &a->gran, CR_GRAN_LINES, NULL),
		OPT_SET_INT("files", &a->gran, CR_GRAN_FILES, NULL),
		OPT_SET_INT("addresses", &a->gran, CR_GRAN_ADDRESSES, NULL),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argi >= argc)
		return cmd_usage_error("top", "no profile given");
	if (a->diff_base && a->base)
		return cmd_usage_error("top", "--diff-base and --base exclude each other");
	a->o.gran = (enum cr_granularity)a->gran;
	if (a->o.nodecount < 0)
		a->o.nodecount = (a->fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 10 : 0;
	a->o.unit = a->unit;
	a->paths = argv + argi;
	a->npaths = argc - argi;
	return -1;
}

/* pprof's warnings for filters that matched nothing, in its order */
void cmd_filter_warnings(const struct cmd_filters *f, const struct cr_filter_matches *fm)
{
	const struct { bool set, matched; const char *what; } w[] = {
		{ f->re.set[CR_FOCUS], fm->focus, "Focus" }, { f->re.set[CR_IGNORE], fm->ignore, "Ignore" },
		{ f->re.set[CR_HIDE], fm->hide, "Hide" }, { f->re.set[CR_SHOW], fm->show, "Show" },
		{ f->re.set[CR_SHOW_FROM], fm->show_from, "ShowFrom" },
		{ f->tag[0].set, fm->tagfocus, "TagFocus" }, { f->tag[1].set, fm->tagignore, "TagIgnore" },
	};
	for (size_t k = 0; k < sizeof w / sizeof *w; k++)
		if (w[k].set && !w[k].matched)
			fprintf(stderr, "%s expression matched no samples\n", w[k].what);
}

void cmd_top_render_json(const struct cr_top *t)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kstr(&j, "sample_type", t->sample_type);
	cr_json_kstr(&j, "unit", t->sample_unit);
	cr_json_kint(&j, "total", t->total);
	cr_json_kint(&j, "shown", t->shown_flat);
	cr_json_kint(&j, "dropped_nodes", (int64_t)t->dropped_nodes);
	cr_json_key(&j, "rows");
	cr_json_arr(&j);
	for (size_t i = 0; i < t->nrows; i++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "name", t->rows[i].name);
		cr_json_kint(&j, "flat", t->rows[i].flat);
		cr_json_kint(&j, "cum", t->rows[i].cum);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

static void render_csv(const struct cr_top *t)
{
	printf("name,flat,flat_pct,sum_pct,cum,cum_pct\n");
	int64_t sum = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		sum += t->rows[i].flat;
		const char *n = t->rows[i].name;
		cr_fput_escaped(stdout, n, strlen(n), strlen(n), CR_ESC_CSV);
		double tot = t->total ? (double)t->total : 1;
		printf(",%lld,%.4f,%.4f,%lld,%.4f\n", (long long)t->rows[i].flat,
		       100.0 * (double)t->rows[i].flat / tot, 100.0 * (double)sum / tot,
		       (long long)t->rows[i].cum, 100.0 * (double)t->rows[i].cum / tot);
	}
}

/* pprof's "Active filters:" block */
void cmd_render_filters(const struct cmd_filters *fl)
{
	static const char *const names[] = { "focus", "ignore", "hide", "show", "show_from", "tagfocus",
					     "tagignore" };
	const struct cr_filter *f = &fl->re;
	const struct cr_tagfilter *tf = fl->tag;
	if (!(cr_filter_any(f) || tf[0].set || tf[1].set))
		return;
	printf("Active filters:\n");
	for (int k = 0; k < 7; k++) {
		const char *v = k < 5 ? (f->set[k] ? f->text[k] : NULL) : (tf[k - 5].set ? tf[k - 5].text : NULL);
		if (!v)
			continue;
		/* pprof cuts a filter past 80 bytes with an ellipsis */
		char line[256];
		snprintf(line, sizeof line, "%s=%s", names[k], v);
		bool cut = strlen(names[k]) + 1 + strlen(v) > 80;
		if (cut)
			line[80] = 0;
		printf("   ");
		cr_fputs_safe(stdout, line);
		printf("%s\n", cut ? "\xe2\x80\xa6" : "");
	}
}

void cmd_top_render_head(const struct cr_top *t, const struct cr_profile *p)
{
	char tot[64];
	struct cr_buf h = { 0 };
	cr_top_format(t, t->total, tot, sizeof tot);
	cr_profile_header(p, t->sample_type, t->sample_unit, t->total, tot, &h);
	fputs(cr_buf_str(&h), stdout);
	cr_buf_release(&h);
}

void cmd_top_render_rows(const struct cr_top *t)
{
	char tot[64], shown[64], pct[32], buf[64], buf2[64], p1[32], p2[32], p3[32];
	cr_top_format(t, t->total, tot, sizeof tot);
	cr_top_format(t, t->shown_flat, shown, sizeof shown);
	cr_units_percent(pct, sizeof pct, t->shown_flat, t->total);
	const char *pp = pct;
	while (*pp == ' ')
		pp++;
	printf("Showing nodes accounting for %s, %s of %s total\n", shown, pp, tot);
	if (t->total && t->dropped_nodes) {
		cr_top_format(t, llabs((int64_t)((double)t->total * t->nodefraction)), buf, sizeof buf);
		printf("Dropped %zu node%s (cum <= %s)\n", t->dropped_nodes, t->dropped_nodes > 1 ? "s" : "", buf);
	}
	if (t->total && t->nrows > 0 && t->nrows < t->orig_count)
		printf("Showing top %zu nodes out of %zu\n", t->nrows, t->orig_count);
	printf("%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	int64_t sum = 0;
	bool color = cmd_color();
	for (size_t i = 0; i < t->nrows; i++) {
		sum += t->rows[i].flat;
		cr_top_format(t, t->rows[i].flat, buf, sizeof buf);
		cr_top_format(t, t->rows[i].cum, buf2, sizeof buf2);
		cr_units_percent(p1, sizeof p1, t->rows[i].flat, t->total);
		cr_units_percent(p2, sizeof p2, sum, t->total);
		cr_units_percent(p3, sizeof p3, t->rows[i].cum, t->total);
		printf("%10s %s %s %10s %s  ", buf, p1, p2, buf2, p3);
		if (color && i < 3)
			fputs("\033[1m", stdout);
		cr_fputs_safe(stdout, t->rows[i].name);
		if (color && i < 3)
			fputs("\033[0m", stdout);
		if (*t->rows[i].inline_label)
			printf(" %s", t->rows[i].inline_label);
		putchar('\n');
	}
}

int cmd_top(int argc, char **argv)
{
	struct top_args a = { .gran = CR_GRAN_FUNCTIONS, .fmt = CR_FMT_TEXT,
			      .o = { .nodecount = -1, .nodefraction = 0.005, .total = -1 } };
	int rc = top_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cmd_filters f;
	struct cr_filter_matches fm;
	struct cr_top t;
	memset(&t, 0, sizeof t);
	cr_profile_init(&p);
	if ((rc = cmd_filters_compile(&a.filt, &f, true)))
		goto out;
	/* labels matter only to the tag filters (and a diff's pprof::base,
	 * which the reader keeps) */
	p.leave_out = f.tag[0].set || f.tag[1].set ? 0 : CR_LEAVE_LABELS;
	if ((rc = cmd_load_input(&p, a.paths, a.npaths, a.binary, a.diff_base, a.base)))
		goto out;
	a.o.sample_index = cr_profile_sample_index(&p, a.sample_index);
	if (a.o.sample_index < 0) {
		rc = cmd_bad_sample_index("top", a.sample_index, "the profile", &p);
		goto out;
	}
	a.o.total = cr_profile_total(&p, a.o.sample_index);
	if (cr_profile_filter_m(&p, &f.re, &fm, &e) || cr_profile_filter_tags(&p, &f.tag[0], &f.tag[1], &fm, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	cmd_filter_warnings(&f, &fm);
	if (cr_top_compute(&t, &p, &a.o, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (a.fmt == CR_FMT_JSON)
		cmd_top_render_json(&t);
	else if (a.fmt == CR_FMT_CSV)
		render_csv(&t);
	else {
		cmd_top_render_head(&t, &p);
		cmd_render_filters(&f);
		cmd_top_render_rows(&t);
	}
out:
	cr_top_release(&t);
	cmd_filters_release(&f);
	cr_profile_release(&p);
	return rc;
}
