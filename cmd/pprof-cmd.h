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
	const char *prune_from, *tagshow, *taghide, *tagroot, *tagleaf;
	const char *add_comment, *buildid; /* -add_comment, -buildid (NULL: none) */
	bool normalize;
	bool mean;                        /* -mean, -mean_delay */
	bool relative, drop_negative;     /* -relative_percentages, -drop_negative */
	const char *nodecount, *nodefraction, *edgefraction; /* NULL: the report's default */
	bool notrim, cum, compact_labels, call_tree;
	bool intel_syntax;                /* -disasm: objdump -M intel */
	const struct cmd_filter_args *filt;
	int gran;
	bool noinlines;
	const char *image;  /* -dot: NULL, or the Graphviz format (svg, png, pdf, ps, gif) */
	enum cr_format fmt;
	char **paths;
	int npaths;
};

/* which: 'C' -comments, 'P' -topproto, 't' -traces, 'g' -tags, 'r' -tree, 'p' -peek, 'w' -raw, 'o' -proto, 'c' -callgrind,
 * 'd' -dot (and its images), 'l' -list, 's' -disasm. Returns the exit code. */
int cmd_pprof_report(int which, const struct cmd_pprof_req *r);

/* -dot (pprof-dot.c): the graph as pprof's DOT text, to stdout or through
 * Graphviz's `dot -TIMAGE` (image not NULL). Returns the exit code. */
struct cr_pgraph;
struct cr_pgraph_trim;
struct cr_pprof_opts;
struct cr_profile;
struct cr_buf;
int cmd_pprof_dot(const struct cr_pgraph *g, const struct cr_profile *p, const struct cr_pprof_opts *o,
		  const struct cmd_filters *fl, const struct cr_pgraph_trim *tr, const char *image);
void cmd_pprof_dot_text(struct cr_buf *b, const struct cr_pgraph *g, const struct cr_profile *p,
			const struct cr_pprof_opts *o, const struct cmd_filters *fl, const struct cr_pgraph_trim *tr);

/* pprof-load.c: the profiles among r's paths (the first binary before them
 * in *binary); after the load, *nprof and o->merged as pprof counts the
 * sources it could read; pprof's drop of the samples with no location
 * (before go1.21); what of the samples report `which` leaves out
 * (cr_profile's leave_out). */
int cmd_pprof_count_sources(const struct cmd_pprof_req *r, const char **binary);
void cmd_pprof_fetched_sources(int *nprof, const struct cmd_pprof_req *r, struct cr_pprof_opts *o);
void cmd_pprof_drop_stackless(struct cr_profile *p);
unsigned char cmd_pprof_leave_out(int which, const struct cmd_pprof_req *r, const struct cmd_filters *f);

/* pprof's search for the mappings' binaries (pprof-locate.c): whether
 * there is a place to search (PPROF_BINARY_PATH, $HOME/pprof/binaries);
 * the mappings of p renamed to the files found. Returns the exit code. */
bool cmd_pprof_locate_active(void);
int cmd_pprof_locate(struct cr_profile *p);
/* then pprof's symbolization (cr_capture_pprof_symbolize), its messages on
 * stderr; binary (may be NULL) is the one named before the profiles,
 * buildid -buildid's (may be NULL) */
int cmd_pprof_symbolize(struct cr_profile *p, const char *binary, const char *buildid);

/* -topproto (pprof-topproto.c): -top's nodes as a gzipped profile, to stdout */
/* -nodecount, -nodefraction, -edgefraction over tr's defaults
 * (pprof-report.c): a usage error's exit status, else 0 */
int cmd_pprof_trim_flags(const struct cmd_pprof_req *r, struct cr_pgraph_trim *tr);
int cmd_pprof_topproto(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		       int64_t total);

/* -callgrind (pprof-callgrind.c): the graph in callgrind's format, to stdout */
void cmd_pprof_callgrind(const struct cr_pgraph *g, bool tree);

/* -list over the loaded, filtered profile (pprof-source.c) */
int cmd_pprof_list(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		   int64_t total);

/* -disasm (pprof-disasm.c): binutils' nm and objdump over the binaries of
 * the profile's mappings (binary, when given, for the first one) */
/* Helpers for the tools a report runs (objdump, nm, dot): a tool started
 * with one end of a pipe as its stdin (child_fd 0) or stdout (1), and its
 * exit status waited for; see pprof-disasm.c. */
int cmd_spawn_pipe(char *const argv[], int child_fd, bool quiet, pid_t *pid, int *err);
int cmd_wait(pid_t pid);
int cmd_pprof_disasm(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		     int64_t total, const char *binary);

#endif
