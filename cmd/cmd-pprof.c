/* coroner pprof: a non-interactive `go tool pprof` command line as it is,
 * and what pprof prints for it. -top goes through `coroner top`; the other
 * reports are computed in lib/report (pprof.h) and printed here. */
#include "pprof-cmd.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/top.h"
#include "coroner/outfile.h"

#include <unistd.h>

#include <stdlib.h>
#include <string.h>

enum report {
	R_NONE, R_TOP, R_TRACES, R_TAGS, R_PEEK, R_TREE, R_RAW, R_LIST, R_DISASM, R_CALLGRIND, R_DOT,
	R_SVG, R_PNG, R_PDF, R_PS, R_GIF, R_PROTO, R_COMMENTS, R_WEBLIST, R_TOPPROTO, R_OTHER,
};

static const struct cmd_spec spec = {
	.name = "pprof",
	.usage = "coroner pprof -REPORT [options] [BINARY] PROFILE...",
	.about =
"Print what `go tool pprof -REPORT ...` prints, byte for byte, from the same\n"
"command line: go tool pprof's flags with one or two dashes, -flag=V or -flag V,\n"
"an ELF binary before the profiles, several profiles merged as pprof merges them.\n"
"Flags end at the first operand, as in pprof. REPORT is one of -top (or -text),\n"
"-traces, -tags, -tree, -peek=RE, -list=RE, -disasm=RE, -raw, -callgrind, -dot,\n"
"-proto, -topproto, and -svg, -png, -pdf, -ps, -gif through Graphviz's dot; -output=FILE\n"
"writes it atomically. -list reads the source files the profile names, found as\n"
"pprof finds them (-source_path, -trim_path); -disasm runs binutils' nm and\n"
"objdump on the binaries, as the standalone pprof does. pprof's other reports\n"
"and options are refused with a line saying so, its unknown flags with its own\n"
"error (exit 2); ""-http is not offered.\n",
	.epilogue =
"JSON (--format=json): -top as `coroner top`; -tree and -peek {\"functions\":\n"
"[{\"name\", \"flat\", \"cum\", \"callers\", \"callees\"}]}; -traces {\"sample_type\", \"unit\",\n"
"\"traces\": [{\"value\", \"labels\": [{\"key\", \"values\", \"numeric\"}],\n"
"\"frames\": [{\"name\", \"inline\"}]}]}; -tags {\"sample_type\", \"unit\", \"total\",\n"
"\"tags\": [{\"key\", \"total\", \"values\": [{\"value\", \"total\"}]}]}; -list\n"
"{\"routines\": [{\"name\", \"file\", \"lines\"}]}; -disasm {\"routines\": [{\"name\", \"aka\",\n"
"\"start\", \"flat\", \"cum\", \"instructions\": [{\"address\", \"text\", \"function\", \"file\",\n"
"\"line\", \"flat\", \"cum\"}]}]}; exact integers in the profile's unit.\n"
"\n"
"examples:\n"
"  coroner pprof -top -nodecount=20 -sample_index=alloc_space heap.pb.gz\n"
"  coroner pprof -traces -focus=main.handler cpu.pb.gz\n"
"  coroner pprof -tags -tagfocus=bytes=64kb: heap.pb.gz\n"
"  coroner pprof -top ./server cpu1.pb.gz cpu2.pb.gz\n"
"  coroner pprof -list='main\\.handle' -source_path=$HOME/src/server cpu.pb.gz\n",
	.one_dash = true,
};

struct pprof_args {
	int report;
	const char *report_name, *report_arg;
	const char *sample_index, *unit, *diff_base, *base, *output, *nodecount, *nodefraction;
	const char *divide_by, *trim, *edgefraction, *source_path, *trim_path;
	const char *prune_from, *tagshow, *taghide, *tagroot, *tagleaf, *add_comment, *buildid;
	bool relative, drop_negative, normalize, intel_syntax, mean;
	unsigned legacy;    /* -inuse_space ... -mean_delay given: bits of opt_legacy_index's names */
	struct cmd_filter_args filt;
	int gran;
	const char *http;
	bool cum, noinlines, compact_labels, call_tree; /* call_tree: -dot, -callgrind use it */
	enum cr_format fmt;
	char **paths;
	int npaths;
};

static int opt_report(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	struct pprof_args *a = o->value;
	(void)st;
	if (a->report && a->report != (int)o->set) {
		fprintf(stderr, "must set at most one output format\n");
		return 2;
	}
	a->report = (int)o->set;
	a->report_name = o->long_name;
	a->report_arg = arg;
	return 0;
}

/* -inuse_space and the like: -sample_index=NAME, resolved after the parse
 * (legacy_index) in pprof's order */
static const struct {
	const char *flag, *index;
} legacy_names[] = {
	{ "total_delay", "delay" }, { "mean_delay", "delay" }, { "contentions", "contentions" },
	{ "inuse_space", "inuse_space" }, { "inuse_objects", "inuse_objects" }, { "alloc_space", "alloc_space" },
	{ "alloc_objects", "alloc_objects" },
};

static int opt_legacy_index(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	(void)arg;
	(void)st;
	*(unsigned *)o->value |= 1u << o->set;
	return 0;
}

/* pprof's: the first of the flags given names the sample index unless
 * -sample_index did; each other one is ignored with a warning;
 * -mean_delay also sets -mean */
static void legacy_index(struct pprof_args *a)
{
	for (unsigned k = 0; k < sizeof legacy_names / sizeof *legacy_names; k++) {
		if (!(a->legacy & (1u << k)))
			continue;
		if (a->sample_index)
			fprintf(stderr, "Multiple value selections, ignoring -%s\n", legacy_names[k].flag);
		else
			a->sample_index = legacy_names[k].index;
	}
	if (a->legacy & 2u)
		a->mean = true;
}

#define REPORT(n, id, h) \
	{ .type = CMD_OPT_CALLBACK, .long_name = (n), .value = a, .set = (id), .help = (h), .cb = opt_report }
#define REPORT_RE(n, id, h) \
	{ .type = CMD_OPT_CALLBACK, .long_name = (n), .value = a, .set = (id), .argh = "RE", .help = (h), \
	  .cb = opt_report }
#define LEGACY_INDEX(n, k) \
	{ .type = CMD_OPT_CALLBACK, .long_name = (n), .value = &a->legacy, .set = (k), .cb = opt_legacy_index }
#define NOOP_ARG(n) { .type = CMD_OPT_NOOP, .long_name = (n), .flags = CMD_OPTF_TAKES_ARG }

/* The table: also what the Go-style pass below checks names against. */
#define PPROF_OPTIONS(a)                                                                            \
	OPT_HEADING("reports (one):"),                                                              \
	REPORT("top", R_TOP, "functions by flat value (`coroner top`)"),                               \
	REPORT("text", R_TOP, "the same as -top"),                                                  \
	REPORT("traces", R_TRACES, "every sample: its labels, value and stack"),                    \
	REPORT("tags", R_TAGS, "the values of each label key, with their share of the total"),     \
	REPORT_RE("peek", R_PEEK, "callers and callees of the functions matching RE"),              \
	REPORT("tree", R_TREE, "the call graph as text: each node with its callers and callees"),  \
	REPORT("raw", R_RAW, "the profile as text: samples, locations, mappings"),                  \
	REPORT_RE("list", R_LIST, "the source lines of the functions matching RE, with their values"), \
	REPORT_RE("disasm", R_DISASM, "the instructions of the functions matching RE (binutils' objdump)"), \
	REPORT_RE("weblist", R_WEBLIST, NULL), REPORT("callgrind", R_CALLGRIND, "the call graph for KCachegrind"),                \
	REPORT("dot", R_DOT, "the call graph in Graphviz's DOT language"),                           \
	REPORT("svg", R_SVG, "the graph drawn by Graphviz's dot (also -png, -pdf, -ps, -gif)"),    \
	REPORT("png", R_PNG, NULL), REPORT("pdf", R_PDF, NULL),                                     \
	REPORT("proto", R_PROTO, "the merged, filtered profile (gzipped protobuf; stdout or -output)"), \
	REPORT("comments", R_COMMENTS, "the profile's comments, one a line"),                       \
	REPORT("topproto", R_TOPPROTO, "-top's rows as a profile (values cum, flat; gzipped protobuf)"), REPORT("gif", R_GIF, NULL), REPORT("ps", R_PS, NULL),   \
	REPORT("eog", R_OTHER, NULL), REPORT("evince", R_OTHER, NULL), REPORT("gv", R_OTHER, NULL), \
	REPORT("kcachegrind", R_OTHER, NULL), REPORT("web", R_OTHER, NULL),                         \
	OPT_HEADING("options (pprof's):"),                                                          \
	OPT_STRING(0, "sample_index", &(a)->sample_index, "NAME|N", "the sample value to report"),   \
	LEGACY_INDEX("inuse_space", 3), LEGACY_INDEX("inuse_objects", 4),                           \
	LEGACY_INDEX("alloc_space", 5), LEGACY_INDEX("alloc_objects", 6),                           \
	LEGACY_INDEX("total_delay", 0), LEGACY_INDEX("contentions", 2),                             \
	LEGACY_INDEX("mean_delay", 1),                                                              \
	OPT_BOOL(0, "mean", &(a)->mean, "each value the mean over the samples' first value (block, mutex: per event)"), \
	OPT_STRING(0, "nodecount", &(a)->nodecount, "N", "-top: at most N rows (default all); -tree, -dot: 80"), \
	OPT_STRING(0, "nodefraction", &(a)->nodefraction, "F",                                      \
		   "-top, -tree, -dot: hide nodes below F*total (default 0.005)"),                               \
	OPT_STRING(0, "focus", &(a)->filt.re[0], "RE", "only samples with a frame matching RE"),    \
	OPT_STRING(0, "ignore", &(a)->filt.re[1], "RE", "drop samples with a frame matching RE"),   \
	OPT_STRING(0, "hide", &(a)->filt.re[2], "RE", "drop frames matching RE"),                   \
	OPT_STRING(0, "show", &(a)->filt.re[3], "RE", "keep only frames matching RE"),              \
	OPT_STRING(0, "show_from", &(a)->filt.re[4], "RE", "drop frames above the highest matching RE"), \
	OPT_STRING(0, "tagfocus", &(a)->filt.tag[0], "[KEY=]V", "only samples with a label matching V"), \
	OPT_STRING(0, "tagignore", &(a)->filt.tag[1], "[KEY=]V", "drop samples with a label matching V"), \
	OPT_SET_INT("functions", &(a)->gran, CR_GRAN_FUNCTIONS, "granularity: functions (default)"), \
	OPT_SET_INT("filefunctions", &(a)->gran, CR_GRAN_FILEFUNCTIONS, "granularity: file and function"), \
	OPT_SET_INT("files", &(a)->gran, CR_GRAN_FILES, "granularity: files"),                      \
	OPT_SET_INT("lines", &(a)->gran, CR_GRAN_LINES, "granularity: source lines"),               \
	OPT_SET_INT("addresses", &(a)->gran, CR_GRAN_ADDRESSES, "granularity: addresses"),          \
	OPT_BOOL(0, "noinlines", &(a)->noinlines, "attribute inlined frames to their caller"),      \
	OPT_BOOL(0, "cum", &(a)->cum, "-top: sort by cumulative value"),                            \
	OPT_CLEAR(0, "flat", &(a)->cum, "-top: sort by flat value (default)"),                      \
	OPT_STRING(0, "unit", &(a)->unit, "U", "the unit values are shown in (B, MB, ms, ...)"),    \
	OPT_STRING(0, "divide_by", &(a)->divide_by, "X", "-traces, -tags: divide the values by X"), \
	OPT_STRING(0, "diff_base", &(a)->diff_base, "BASE", "show PROFILE minus BASE"),             \
	OPT_STRING(0, "base", &(a)->base, "BASE", "subtract BASE, a cumulative profile"),           \
	OPT_STRING(0, "trim", &(a)->trim, "BOOL", NULL),                                           \
	OPT_STRING(0, "http", &(a)->http, "HOST:PORT", NULL),                                                      \
	OPT_FORMAT(&(a)->fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), "coroner's: -top, -traces, -tags as JSON"), \
	OPT_STRING(0, "edgefraction", &(a)->edgefraction, "F", "-tree, -dot: hide edges below F*total (default 0.001)"), \
	OPT_BOOL(0, "compact_labels", &(a)->compact_labels, "-tree, -peek: no profile header"),      \
	OPT_BOOL(0, "call_tree", &(a)->call_tree, "-dot, -callgrind: a node per call path (a tree)"), \
	OPT_STRING(0, "output", &(a)->output, "FILE", "write the report (or -proto's profile) to FILE"), \
	OPT_STRING(0, "source_path", &(a)->source_path, "DIRS", "-list: where to find the sources (':'-separated)"), \
	OPT_STRING(0, "trim_path", &(a)->trim_path, "PATHS", "prefixes to cut from the source file names"), \
	OPT_BOOL(0, "relative_percentages", &(a)->relative, "percentages of the filtered total"), \
	OPT_BOOL(0, "drop_negative", &(a)->drop_negative, "graph reports: leave out negative nodes"), \
	OPT_STRING(0, "prune_from", &(a)->prune_from, "RE", "drop the frames beneath the first matching RE"), \
	OPT_STRING(0, "tagshow", &(a)->tagshow, "RE", "keep only the labels whose key matches RE"), \
	OPT_STRING(0, "taghide", &(a)->taghide, "RE", "drop the labels whose key matches RE"), \
	OPT_STRING(0, "tagroot", &(a)->tagroot, "KEYS", "frames named by these labels' values at the root"), \
	OPT_STRING(0, "tagleaf", &(a)->tagleaf, "KEYS", "frames named by these labels' values at the leaf"), \
	OPT_BOOL(0, "normalize", &(a)->normalize, "scale PROFILE to the totals of the base"), \
	OPT_NOOP(0, "showcolumns"),                                                                \
	OPT_BOOL(0, "intel_syntax", &(a)->intel_syntax, "-disasm: Intel syntax (objdump -M intel)"),        \
	OPT_STRING(0, "add_comment", &(a)->add_comment, "TEXT", "a comment added to the profile (shown in the header)"), \
	OPT_STRING(0, "buildid", &(a)->buildid, "ID", "the main binary's build id, when the profile has none"), \
	NOOP_ARG("tls_cert"), NOOP_ARG("tls_key"), NOOP_ARG("tls_ca"), NOOP_ARG("tools"),           \
	NOOP_ARG("symbolize"), NOOP_ARG("seconds"), NOOP_ARG("timeout"), OPT_NOOP(0, "no_browser"),  \
	OPT_END()

/* Does o take a value (as cmd_parse reads it)? */
static bool takes_value(const struct cmd_option *o)
{
	return o->argh || (o->flags & CMD_OPTF_TAKES_ARG) || o->type == CMD_OPT_STRING ||
	       o->type == CMD_OPT_INT || o->type == CMD_OPT_DOUBLE || o->type == CMD_OPT_FORMAT;
}

static const struct cmd_option *find_opt(const struct cmd_option *opts, const char *name, size_t n)
{
	for (const struct cmd_option *o = opts; o->type != CMD_OPT_END; o++)
		if (o->type != CMD_OPT_HEADING && o->long_name && strlen(o->long_name) == n &&
		    !strncmp(o->long_name, name, n))
			return o;
	return NULL;
}

/* Go's strconv.ParseBool; -1 when s is none of its spellings */
static int go_bool(const char *s)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (int i = 0; i < 6; i++) {
		if (!strcmp(s, t[i]))
			return 1;
		if (!strcmp(s, f[i]))
			return 0;
	}
	return -1;
}

/* pprof's options of one choice each: -cum/-flat, then the granularities.
 * Two of a group set: pprof's error (it lists them in its map's order,
 * which varies from run to run; here in this order). */
static const char *const choice_groups[2][6] = { { "cum", "flat" },
						 { "functions", "filefunctions", "files", "lines", "addresses" } };

static void note_choice(unsigned set[2], const char *name, size_t n)
{
	for (int g = 0; g < 2; g++)
		for (int k = 0; choice_groups[g][k]; k++)
			if (strlen(choice_groups[g][k]) == n && !strncmp(choice_groups[g][k], name, n))
				set[g] |= 1u << k;
}

static int choice_conflict(const unsigned set[2])
{
	for (int g = 0; g < 2; g++) {
		if (!(set[g] & (set[g] - 1)))
			continue;
		fputs("conflicting options set: [", stderr);
		for (int k = 0, first = 1; choice_groups[g][k]; k++)
			if (set[g] & (1u << k)) {
				fprintf(stderr, "%s%s", first ? "" : " ", choice_groups[g][k]);
				first = 0;
			}
		fputs("]\n", stderr);
		return 2;
	}
	return -1;
}

/* The command line read as Go's flag package reads it (exact names, flags
 * end at the first operand or "--", "-b=false" clears a switch), rewritten
 * for cmd_parse into out: the flags, "--", the operands. Returns -1, or an
 * exit code after pprof's own message. */
static int go_flags(const struct cmd_option *opts, int argc, char **argv, char **out, int *outc)
{
	int o = 0, i = 1;
	unsigned chosen[2] = { 0, 0 };
	out[o++] = argv[0];
	for (; i < argc; i++) {
		const char *s = argv[i];
		if (s[0] != '-' || s[1] == 0)
			break;
		if (!strcmp(s, "--")) {
			i++;
			break;
		}
		const char *name = s + 1 + (s[1] == '-');
		size_t n = strcspn(name, "=");
		if (n == 0 || name[0] == '-' || name[0] == '=') {
			fprintf(stderr, "bad flag syntax: %s\n", s);
			return 2;
		}
		const struct cmd_option *opt = find_opt(opts, name, n);
		bool help = (n == 1 && name[0] == 'h') || (n == 4 && !strncmp(name, "help", 4));
		if (!opt && !help) {
			fprintf(stderr, "flag provided but not defined: -%.*s\n", (int)n, name);
			return 2;
		}
		if (help) {
			out[o++] = "--help";
			continue;
		}
		if (takes_value(opt)) {
			out[o++] = argv[i];
			if (!name[n]) {
				if (i + 1 >= argc) {
					fprintf(stderr, "flag needs an argument: -%.*s\n", (int)n, name);
					return 2;
				}
				out[o++] = argv[++i];
			}
		} else if (name[n] == '=') {
			int b = go_bool(name + n + 1);
			if (b < 0) {
				fprintf(stderr, "invalid boolean value \"%s\" for -%.*s: parse error\n", name + n + 1,
					(int)n, name);
				return 2;
			}
			if (b) /* -b=false: the flag's default, left out */
				out[o++] = argv[i], argv[i][1 + (s[1] == '-') + n] = 0;
			if (b)
				note_choice(chosen, name, n);
		} else {
			out[o++] = argv[i];
			note_choice(chosen, name, n);
		}
	}
	if (choice_conflict(chosen) >= 0)
		return 2;
	out[o++] = "--";
	while (i < argc)
		out[o++] = argv[i++];
	out[o] = NULL;
	*outc = o;
	return -1;
}

/* -top: the same as `coroner top` with pprof's defaults for -top */
static int run_top(const struct pprof_args *a)
{
	static const char *const gran[] = { "functions", "filefunctions", "lines", "files", "addresses" };
	size_t cap = 32 + (size_t)a->npaths;
	char **v = calloc(cap, sizeof *v), **owned = calloc(cap, sizeof *owned);
	int n = 0, no = 0, rc;
	if (!v || !owned) {
		free(v);
		free(owned);
		fprintf(stderr, "%s: out of memory\n", cmd_progname);
		return 1;
	}
#define ADD(...) do { if (asprintf(&owned[no], __VA_ARGS__) < 0) goto nomem; v[n++] = owned[no++]; } while (0)
	v[n++] = "top";
	bool notrim = a->trim && go_bool(a->trim) == 0;
	ADD("--nodecount=%s", a->nodecount && !notrim ? a->nodecount : "0");
	if (notrim)
		ADD("--nodefraction=0");
	else if (a->nodefraction)
		ADD("--nodefraction=%s", a->nodefraction);
	if (a->sample_index)
		ADD("--sample-index=%s", a->sample_index);
	static const char *const fnames[] = { "focus", "ignore", "hide", "show", "show-from" };
	for (int k = 0; k < 5; k++)
		if (a->filt.re[k])
			ADD("--%s=%s", fnames[k], a->filt.re[k]);
	if (a->filt.tag[0])
		ADD("--tagfocus=%s", a->filt.tag[0]);
	if (a->filt.tag[1])
		ADD("--tagignore=%s", a->filt.tag[1]);
	ADD("--granularity=%s", gran[a->gran]);
	if (a->cum)
		v[n++] = "--cum";
	if (a->noinlines)
		v[n++] = "--noinlines";
	if (a->unit)
		ADD("--unit=%s", a->unit);
	if (a->diff_base)
		ADD("--diff-base=%s", a->diff_base);
	if (a->base)
		ADD("--base=%s", a->base);
	if (a->fmt == CR_FMT_JSON)
		v[n++] = "--format=json";
	v[n++] = "--";
	for (int i = 0; i < a->npaths; i++)
		v[n++] = a->paths[i];
	v[n] = NULL;
#undef ADD
	rc = cmd_top(n, v);
	goto out;
nomem:
	fprintf(stderr, "%s: out of memory\n", cmd_progname);
	rc = 1;
out:
	for (int i = 0; i < no; i++)
		free(owned[i]);
	free(owned);
	free(v);
	return rc;
}

static int pprof_parse(struct pprof_args *a, int argc, char **argv)
{
	struct cmd_option opts[] = { PPROF_OPTIONS(a) };
	char **gv = calloc((size_t)argc + 2, sizeof *gv);
	int gc = 0, argi;
	if (!gv) {
		fprintf(stderr, "%s: out of memory\n", cmd_progname);
		return 1;
	}
	int rc = go_flags(opts, argc, argv, gv, &gc);
	if (rc < 0)
		rc = cmd_parse(&spec, opts, gc, gv, &argi);
	if (rc >= 0) {
		free(gv);
		return rc;
	}
	/* the operands are argv's own strings: gv can go */
	a->npaths = gc - argi;
	for (int i = 0; i < a->npaths; i++)
		argv[i] = gv[argi + i];
	a->paths = argv;
	free(gv);
	legacy_index(a);
	if (a->http)
		return cmd_usage_error("pprof", "-http (pprof's web interface) is not part of coroner pprof: "
					       "use a report flag (-top, -traces, -tags)");
	if (a->report == R_WEBLIST)
		return cmd_usage_error("pprof", "-weblist (a web page in pprof's browser) is not part of coroner pprof: "
					       "use -list=RE");
	if (a->report == R_NONE)
		return cmd_usage_error("pprof", "no report flag (pprof's interactive mode is not supported): "
					       "add one, e.g. -top");
	if (a->report != R_TOP && a->report != R_TRACES && a->report != R_TAGS && a->report != R_TREE &&
	    a->report != R_PEEK && a->report != R_RAW && a->report != R_PROTO && a->report != R_CALLGRIND &&
	    a->report != R_LIST && a->report != R_DISASM && a->report != R_COMMENTS && a->report != R_TOPPROTO && (a->report < R_DOT || a->report > R_GIF))
		return cmd_usage_error("pprof", "-%s opens a viewer, which coroner pprof does not: write the "
						"report with -svg (or -callgrind) -output=FILE", a->report_name);
	if (a->npaths == 0)
		return cmd_usage_error("pprof", "no profile given");
	/* pprof's flag package parses the numbers: its line, exit 2 */
	const char *num[4] = { a->nodecount, a->nodefraction, a->edgefraction, a->divide_by };
	static const char *const numf[4] = { "nodecount", "nodefraction", "edgefraction", "divide_by" };
	for (int k = 0; k < 4; k++) {
		int64_t n;
		double d = 1;
		if (num[k] && (k ? !cmd_parse_double(num[k], -1e308, 1e308, &d) : !cmd_parse_int(num[k], INT64_MIN, INT64_MAX, &n))) {
			fprintf(stderr, "invalid value \"%s\" for flag -%s: parse error\n", num[k], numf[k]);
			return 2;
		}
		if (k == 3 && d == 0) {
			fprintf(stderr, "zero divisor specified\n"); /* pprof's words */
			return 2;
		}
	}
	if (a->trim && go_bool(a->trim) < 0) {
		fprintf(stderr, "invalid boolean value \"%s\" for -trim: parse error\n", a->trim);
		return 2;
	}
	if (a->diff_base && a->base)
		return cmd_usage_error("pprof", "-diff_base and -base exclude each other");
	if (a->normalize && !a->diff_base && !a->base) {
		fprintf(stderr, "must have base profile to normalize by\n"); /* pprof's words */
		return 2;
	}
	return -1;
}

int cmd_pprof(int argc, char **argv)
{
	struct pprof_args a = { .gran = CR_GRAN_FUNCTIONS, .fmt = CR_FMT_TEXT };
	cmd_pprof_words = true;
	cr_profile_addresses_only = true; /* pprof's parse of Go's text profiles: names come from binaries */
	int rc = pprof_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	/* -top with the options that rewrite the profile: computed as the
	 * other reports are (the rest goes through coroner top) */
	bool top_rewrites = a.report == R_TOP && (a.fmt != CR_FMT_JSON || a.add_comment || a.buildid || a.relative || a.mean || a.divide_by || a.edgefraction ||
						  cmd_pprof_locate_active() || a.drop_negative || a.prune_from || a.tagshow ||
						  a.taghide || a.tagroot || a.tagleaf || a.normalize ||
						  a.source_path || a.trim_path || a.compact_labels || (a.trim && go_bool(a.trim) == 0));
	static const char *const images[] = { [R_SVG] = "svg", [R_PNG] = "png", [R_PDF] = "pdf", [R_PS] = "ps",
					      [R_GIF] = "gif", [R_PROTO] = NULL };
	const char *image = a.report >= R_SVG && a.report <= R_GIF ? images[a.report] : NULL;
	if (a.report >= R_DOT && a.report <= R_GIF) {
		if (a.fmt == CR_FMT_JSON)
			return cmd_usage_error("pprof", "-%s takes no --format=json (DOT text or an image)", a.report_name);
		if (image && !a.output && isatty(1))
			return cmd_usage_error("pprof", "-%s writes an image: give -output=FILE or redirect stdout",
					       a.report_name);
	}
	int which = a.report == R_TRACES ? 't' : a.report == R_TAGS ? 'g' : a.report == R_TREE ? 'r' :
		    a.report == R_RAW ? 'w' : a.report == R_PROTO ? 'o' : a.report == R_TOPPROTO ? 'P' : a.report == R_CALLGRIND ? 'c' :
		    a.report == R_LIST ? 'l' : a.report == R_DISASM ? 's' : a.report == R_COMMENTS ? 'C' : a.report >= R_DOT && a.report <= R_GIF ? 'd' : 'p';
	struct cr_outfile of;
	struct cr_error e = { 0 };
	int saved = -1;
	if (a.output) {
		/* pprof writes the report to -output FILE (atomically here: the
		 * report, -proto's profile too, goes to stdout, a temporary) */
		if (cr_outfile_open(&of, a.output, &e))
			return cmd_error(&e);
		fflush(stdout);
		saved = dup(1);
		if (saved < 0 || dup2(of.fd, 1) < 0) {
			cr_outfile_abort(&of);
			fprintf(stderr, "%s: cannot redirect the report to %s\n", cmd_progname, a.output);
			return 1;
		}
	}
	if (top_rewrites)
		which = 'T';
	rc = a.report == R_TOP && !top_rewrites ? run_top(&a) : cmd_pprof_report(which, &(struct cmd_pprof_req){
		.symbol = a.report_arg, .source_path = a.source_path, .trim_path = a.trim_path,
		.prune_from = a.prune_from, .tagshow = a.tagshow, .taghide = a.taghide, .tagroot = a.tagroot,
		.tagleaf = a.tagleaf, .add_comment = a.add_comment, .buildid = a.buildid, .normalize = a.normalize, .mean = a.mean, .relative = a.relative,
		.drop_negative = a.drop_negative, .nodecount = a.nodecount, .nodefraction = a.nodefraction,
		.edgefraction = a.edgefraction, .notrim = a.trim && go_bool(a.trim) == 0, .cum = a.cum,
		.compact_labels = a.compact_labels, .call_tree = a.call_tree, .intel_syntax = a.intel_syntax,
		.sample_index = a.sample_index, .unit = a.unit, .diff_base = a.diff_base, .base = a.base,
		.divide_by = a.divide_by, .filt = &a.filt, .gran = a.gran, .noinlines = a.noinlines, .image = image,
		.fmt = a.fmt, .paths = a.paths, .npaths = a.npaths });
	if (a.output) {
		bool ok = fflush(stdout) == 0 && !ferror(stdout);
		dup2(saved, 1);
		close(saved);
		if (rc || !ok) {
			cr_outfile_abort(&of);
			return rc ? rc : 1;
		}
		/* pprof's line when it opens the file: after the report was
		 * made (and the messages of its making) */
		fprintf(stderr, "Generating report in %s\n", a.output);
		if (cr_outfile_commit(&of, &e))
			return cmd_error(&e);
	}
	return rc;
}
