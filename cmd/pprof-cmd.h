/* Between cmd-pprof.c (the command line) and pprof-report.c (the reports
 * computed in lib/report/pprof_traces.c, printed). */
#ifndef CORONER_CMD_PPROF_H
#define CORONER_CMD_PPROF_H

#include "cmd.h"
#include "options.h"

struct cmd_pprof_req {
	const char *sample_index, *unit, *diff_base, *base, *divide_by;
	const char *symbol;               /* -peek's, -list's, -disasm's RE */
	const char *source_path, *trim_path; /* -list: where the sources are */
	const char *prune_from, *tagshow, *taghide;
	bool relative, drop_negative;     /* -relative_percentages, -drop_negative */
	const char *nodecount, *nodefraction, *edgefraction; /* NULL: the report's default */
	bool notrim, cum, compact_labels;
	const struct cmd_filter_args *filt;
	int gran;
	bool noinlines;
	enum cr_format fmt;
	char **paths;
	int npaths;
};

/* which: 't' -traces, 'g' -tags, 'r' -tree, 'p' -peek, 'w' -raw, 'o' -proto, 'c' -callgrind,
 * 'l' -list. Returns the exit code. */
int cmd_pprof_report(int which, const struct cmd_pprof_req *r);

/* -list over the loaded, filtered profile (pprof-source.c) */
struct cr_pprof_opts;
struct cr_profile;
int cmd_pprof_list(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		   int64_t total);

#endif
