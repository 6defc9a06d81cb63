/* coroner top: pprof's -top, same input -> same numbers. */
#include "cmd.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/report.h"
#include "coroner/sym.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(
"usage: coroner top [options] PROFILE...\n"
"       coroner top [options] BINARY CORE\n"
"\n"
"Rank the functions of one or more profiles (merged) by flat and cumulative\n"
"value, with the semantics of `go tool pprof -top`. PROFILE is a pprof\n"
"protobuf (gzip or not), a Go debug=1 heap profile, a goroutine dump of\n"
"any format, or a core dump with its binary (its goroutines); '-' reads stdin.\n"
"\n"
"options:\n"
"  -i, --sample-index=NAME|N  value to rank by (default: the profile's default,\n"
"                             e.g. inuse_space; alloc_space, alloc_objects, ...)\n"
"      --granularity=G        functions (default), filefunctions, lines, files,\n"
"                             addresses\n"
"      --noinlines            attribute inlined frames to their caller\n"
"      --nodecount=N          show at most N rows (text on a terminal: 10;\n"
"                             otherwise all)\n"
"      --nodefraction=F       drop nodes whose cum is below F of the total\n"
"                             (default 0.005)\n"
"      --focus=RE --ignore=RE --hide=RE --show=RE --show-from=RE\n"
"                             pprof's sample filters (extended regexes)\n"
"      --tagfocus=[KEY=]V --tagignore=[KEY=]V\n"
"                             pprof's tag filters: V a numeric range of a\n"
"                             numeric label (64kb:, :1kb, 16b:256b) or regexes\n"
"                             (comma-separated) over string labels\n"
"      --cum                  sort by cumulative value\n"
"      --unit=U               output unit for text (B, kB, MB, ms, ...; default\n"
"                             the smallest that fits, as pprof)\n"
"      --diff-base=BASE       show PROFILE minus BASE, percentages of BASE's total\n"
"                             (pprof -diff_base)\n"
"      --base=BASE            subtract BASE, a cumulative profile (pprof -base)\n"
"      --binary=FILE          symbolize addresses that carry no function names\n"
"      --format=text|json|csv\n"
"\n"
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
"  coroner top --diff-base=heap-0900.pb.gz heap-1700.pb.gz --format=json\n");
}

int cmd_top(int argc, char **argv)
{
	enum { O_GRAN = 256, O_NODECOUNT, O_NODEFRACTION, O_FOCUS, O_IGNORE, O_HIDE, O_SHOW,
	       O_SHOWFROM, O_CUM, O_FORMAT, O_UNIT, O_DIFFBASE, O_BASE, O_BINARY, O_NOINLINES, O_TOP,
	       O_G_FUNCTIONS, O_G_FILEFUNCTIONS, O_G_LINES, O_G_FILES, O_G_ADDRESSES, O_TAGFOCUS, O_TAGIGNORE };
	static const struct option opts[] = {
		{ "sample-index", required_argument, 0, 'i' },
		{ "granularity", required_argument, 0, O_GRAN },
		{ "nodecount", required_argument, 0, O_NODECOUNT },
		{ "nodefraction", required_argument, 0, O_NODEFRACTION },
		{ "focus", required_argument, 0, O_FOCUS },
		{ "ignore", required_argument, 0, O_IGNORE },
		{ "hide", required_argument, 0, O_HIDE },
		{ "show", required_argument, 0, O_SHOW },
		{ "show-from", required_argument, 0, O_SHOWFROM },
		{ "tagfocus", required_argument, 0, O_TAGFOCUS },
		{ "tagignore", required_argument, 0, O_TAGIGNORE },
		{ "cum", no_argument, 0, O_CUM },
		{ "noinlines", no_argument, 0, O_NOINLINES },
		{ "format", required_argument, 0, O_FORMAT },
		{ "unit", required_argument, 0, O_UNIT },
		{ "diff-base", required_argument, 0, O_DIFFBASE },
		{ "base", required_argument, 0, O_BASE },
		{ "binary", required_argument, 0, O_BINARY },
		{ "help", no_argument, 0, 'h' },
		/* go tool pprof's own spellings, so a pprof command line works
		 * as it is (one dash: getopt_long_only) */
		{ "sample_index", required_argument, 0, 'i' },
		{ "show_from", required_argument, 0, O_SHOWFROM },
		{ "diff_base", required_argument, 0, O_DIFFBASE },
		{ "top", no_argument, 0, O_TOP },
		{ "functions", no_argument, 0, O_G_FUNCTIONS },
		{ "filefunctions", no_argument, 0, O_G_FILEFUNCTIONS },
		{ "lines", no_argument, 0, O_G_LINES },
		{ "files", no_argument, 0, O_G_FILES },
		{ "addresses", no_argument, 0, O_G_ADDRESSES },
		{ 0, 0, 0, 0 },
	};
	static const char *const gran_names[] = { "functions", "filefunctions", "lines", "files", "addresses" };
	const char *sample_index = NULL, *unit = NULL, *diff_base = NULL, *base = NULL, *binary = NULL;
	const char *re[5] = { 0 }, *tagre[2] = { 0 };
	struct cr_top_opts o = { .gran = CR_GRAN_FUNCTIONS, .nodecount = -1, .nodefraction = 0.005, .total = -1 };
	enum cr_format fmt = CR_FMT_TEXT;
	int c;
	optind = 1;
	while ((c = getopt_long_only(argc, argv, "i:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'i': sample_index = optarg; break;
		case O_TOP: break; /* pprof's output mode: this command's only one */
		case O_G_FUNCTIONS: case O_G_FILEFUNCTIONS: case O_G_LINES: case O_G_FILES: case O_G_ADDRESSES:
			o.gran = (enum cr_granularity)cr_granularity_parse(gran_names[c - O_G_FUNCTIONS]);
			break;
		case O_GRAN: {
			int g = cr_granularity_parse(optarg);
			if (g < 0)
				return cmd_usage_error("top", "unknown granularity '%s'", optarg);
			o.gran = (enum cr_granularity)g;
			break;
		}
		case O_NODECOUNT:
			o.nodecount = strtol(optarg, &end, 10);
			if (*end || end == optarg)
				return cmd_usage_error("top", "--nodecount takes a number");
			if (o.nodecount <= 0)
				o.nodecount = 0;
			break;
		case O_NODEFRACTION:
			o.nodefraction = strtod(optarg, &end);
			if (*end || end == optarg || o.nodefraction < 0 || o.nodefraction > 1)
				return cmd_usage_error("top", "--nodefraction takes a number from 0 to 1");
			break;
		case O_FOCUS: re[CR_FOCUS] = optarg; break;
		case O_IGNORE: re[CR_IGNORE] = optarg; break;
		case O_HIDE: re[CR_HIDE] = optarg; break;
		case O_SHOW: re[CR_SHOW] = optarg; break;
		case O_SHOWFROM: re[CR_SHOW_FROM] = optarg; break;
		case O_TAGFOCUS: tagre[0] = optarg; break;
		case O_TAGIGNORE: tagre[1] = optarg; break;
		case O_CUM: o.cum_sort = true; break;
		case O_NOINLINES: o.noinlines = true; break;
		case O_FORMAT:
			if (!cmd_parse_format("top", optarg, 1u << CR_FMT_TEXT | 1u << CR_FMT_JSON | 1u << CR_FMT_CSV, &fmt))
				return 2;
			break;
		case O_UNIT: unit = optarg; break;
		case O_DIFFBASE: diff_base = optarg; break;
		case O_BASE: base = optarg; break;
		case O_BINARY: binary = optarg; break;
		case 'h': help(); return 0;
		default: return cmd_usage_error("top", "bad option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error("top", "no profile given");
	if (diff_base && base)
		return cmd_usage_error("top", "--diff-base and --base exclude each other");
	if (o.nodecount < 0)
		o.nodecount = (fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 10 : 0;

	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cr_filter f;
	struct cr_tagfilter tf[2];
	struct cr_filter_matches fm;
	struct cr_top t;
	int rc = 0;
	memset(&f, 0, sizeof f);
	memset(tf, 0, sizeof tf);
	memset(&t, 0, sizeof t);
	cr_profile_init(&p);
	for (int k = 0; k < 5; k++)
		if (cr_filter_set(&f, k, re[k], &e)) {
			rc = cmd_error(&e);
			goto out;
		}
	{
		/* pprof says on stderr how it read a numeric tag filter */
		struct cr_buf note = { 0 };
		for (int k = 0; k < 2 && !rc; k++)
			if (cr_tagfilter_set(&tf[k], k ? "tagignore" : "tagfocus", tagre[k], &note, &e))
				rc = cmd_error(&e);
		fputs(cr_buf_str(&note), stderr);
		cr_buf_release(&note);
		if (rc)
			goto out;
	}
	if (cmd_load_profiles(&p, argv + optind, argc - optind, binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (diff_base || base) {
		struct cr_profile b;
		cr_profile_init(&b);
		char *bp[1] = { (char *)(diff_base ? diff_base : base) };
		if (cmd_load_profiles(&b, bp, 1, binary, &e)) {
			cr_profile_release(&b);
			rc = cmd_error(&e);
			goto out;
		}
		enum cr_err r = CR_OK;
		if (diff_base)
			r = cr_profile_add_label_all(&b, "pprof::base", "true");
		cr_profile_negate(&b);
		if (!r)
			r = cr_profile_merge(&p, &b, &e);
		cr_profile_release(&b);
		if (r) {
			cr_fail(&e, r, "%s: cannot combine with the base profile", argv[optind]);
			rc = cmd_error(&e);
			goto out;
		}
	}
	if (p.ntypes == 0) {
		/* the input's fault, not the user's: exit 1, not a usage error */
		cr_fail(&e, CR_EMPTY, "%s: profile has no sample types", cr_input_display_name(argv[optind]));
		rc = cmd_error(&e);
		goto out;
	}
	o.sample_index = cr_profile_sample_index(&p, sample_index);
	if (o.sample_index < 0) {
		struct cr_buf b = { 0 };
		for (size_t i = 0; i < p.ntypes; i++)
			cr_buf_addf(&b, "%s%s", i ? ", " : "", cr_profile_str(&p, p.types[i].type));
		rc = cmd_usage_error("top", "sample index '%s' not in the profile (it has: %s)",
				     sample_index ? sample_index : "", cr_buf_str(&b));
		cr_buf_release(&b);
		goto out;
	}
	o.unit = unit;
	o.total = cr_profile_total(&p, o.sample_index);
	if (cr_profile_filter_m(&p, &f, &fm, &e) || cr_profile_filter_tags(&p, &tf[0], &tf[1], &fm, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	{
		/* pprof's warnings, in its order */
		const struct { bool set, matched; const char *what; } w[] = {
			{ f.set[CR_FOCUS], fm.focus, "Focus" }, { f.set[CR_IGNORE], fm.ignore, "Ignore" },
			{ f.set[CR_HIDE], fm.hide, "Hide" }, { f.set[CR_SHOW], fm.show, "Show" },
			{ f.set[CR_SHOW_FROM], fm.show_from, "ShowFrom" },
			{ tf[0].set, fm.tagfocus, "TagFocus" }, { tf[1].set, fm.tagignore, "TagIgnore" },
		};
		for (size_t k = 0; k < sizeof w / sizeof *w; k++)
			if (w[k].set && !w[k].matched)
				fprintf(stderr, "%s expression matched no samples\n", w[k].what);
	}
	if (cr_top_compute(&t, &p, &o, &e)) {
		rc = cmd_error(&e);
		goto out;
	}

	if (fmt == CR_FMT_JSON) {
		struct cr_json j;
		cr_json_init(&j, stdout, true);
		cr_json_obj(&j);
		cr_json_kstr(&j, "sample_type", t.sample_type);
		cr_json_kstr(&j, "unit", t.sample_unit);
		cr_json_kint(&j, "total", t.total);
		cr_json_kint(&j, "shown", t.shown_flat);
		cr_json_kint(&j, "dropped_nodes", (int64_t)t.dropped_nodes);
		cr_json_key(&j, "rows");
		cr_json_arr(&j);
		for (size_t i = 0; i < t.nrows; i++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "name", t.rows[i].name);
			cr_json_kint(&j, "flat", t.rows[i].flat);
			cr_json_kint(&j, "cum", t.rows[i].cum);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
		cr_json_end(&j);
	} else if (fmt == CR_FMT_CSV) {
		printf("name,flat,flat_pct,sum_pct,cum,cum_pct\n");
		int64_t sum = 0;
		for (size_t i = 0; i < t.nrows; i++) {
			sum += t.rows[i].flat;
			const char *n = t.rows[i].name;
			cr_fput_escaped(stdout, n, strlen(n), strlen(n), CR_ESC_CSV);
			double tot = t.total ? (double)t.total : 1;
			printf(",%lld,%.4f,%.4f,%lld,%.4f\n", (long long)t.rows[i].flat,
			       100.0 * (double)t.rows[i].flat / tot, 100.0 * (double)sum / tot,
			       (long long)t.rows[i].cum, 100.0 * (double)t.rows[i].cum / tot);
		}
	} else {
		char tot[64], shown[64], pct[32], buf[64], buf2[64], p1[32], p2[32], p3[32];
		struct cr_buf h = { 0 };
		cr_top_format(&t, t.total, tot, sizeof tot);
		cr_profile_header(&p, t.sample_type, t.sample_unit, t.total, tot, &h);
		fputs(cr_buf_str(&h), stdout);
		cr_buf_release(&h);
		if (cr_filter_any(&f) || tf[0].set || tf[1].set) {
			static const char *const names[] = { "focus", "ignore", "hide", "show", "show_from",
							     "tagfocus", "tagignore" };
			printf("Active filters:\n");
			for (int k = 0; k < 7; k++) {
				const char *v = k < 5 ? (f.set[k] ? f.text[k] : NULL) : (tf[k - 5].set ? tf[k - 5].text : NULL);
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
		cr_top_format(&t, t.shown_flat, shown, sizeof shown);
		cr_units_percent(pct, sizeof pct, t.shown_flat, t.total);
		const char *pp = pct;
		while (*pp == ' ')
			pp++;
		printf("Showing nodes accounting for %s, %s of %s total\n", shown, pp, tot);
		if (t.total && t.dropped_nodes) {
			cr_top_format(&t, llabs((int64_t)((double)t.total * t.nodefraction)), buf, sizeof buf);
			printf("Dropped %zu node%s (cum <= %s)\n", t.dropped_nodes, t.dropped_nodes > 1 ? "s" : "", buf);
		}
		if (t.total && t.nrows > 0 && t.nrows < t.orig_count)
			printf("Showing top %zu nodes out of %zu\n", t.nrows, t.orig_count);
		printf("%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
		int64_t sum = 0;
		bool color = cmd_color();
		for (size_t i = 0; i < t.nrows; i++) {
			sum += t.rows[i].flat;
			cr_top_format(&t, t.rows[i].flat, buf, sizeof buf);
			cr_top_format(&t, t.rows[i].cum, buf2, sizeof buf2);
			cr_units_percent(p1, sizeof p1, t.rows[i].flat, t.total);
			cr_units_percent(p2, sizeof p2, sum, t.total);
			cr_units_percent(p3, sizeof p3, t.rows[i].cum, t.total);
			printf("%10s %s %s %10s %s  ", buf, p1, p2, buf2, p3);
			if (color && i < 3)
				fputs("\033[1m", stdout);
			cr_fputs_safe(stdout, t.rows[i].name);
			if (color && i < 3)
				fputs("\033[0m", stdout);
			if (*t.rows[i].inline_label)
				printf(" %s", t.rows[i].inline_label);
			putchar('\n');
		}
	}
out:
	cr_top_release(&t);
	cr_filter_release(&f);
	cr_tagfilter_release(&tf[0]);
	cr_tagfilter_release(&tf[1]);
	cr_profile_release(&p);
	return rc;
}
