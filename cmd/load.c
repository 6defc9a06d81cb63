/* The CLI's side of loading profiles named on a command line (top, flame,
 * pprof):
 * the loading itself is lib/capture's (cr_capture_load_profiles); this
 * shows progress and prints the warnings. */
#include "cmd.h"
#include "coroner/capture.h"
#include "coroner/input.h"
#include "coroner/pprof.h"
#include "coroner/top.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void progress(void *ctx, const char *path)
{
	(void)ctx;
	cmd_progress("reading %s", path);
}

int cmd_load_profiles(struct cr_profile *dst, char **paths, int n, const char *binary,
		      struct cr_error *e)
{
	struct cr_buf warn = { 0 };
	struct cr_load_opts opts = { .leave_out = dst->leave_out };
	enum cr_err rc = cr_capture_load_profiles_opts(dst, (const char *const *)paths, n > 0 ? (size_t)n : 0,
						       binary, &warn, progress, NULL, &opts, NULL, e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	return rc ? 1 : 0;
}

/* The exit status of `go tool pprof` when pprof fails: the go command
 * turned the tool's 2 into 1 before Go 1.25. */
int cmd_pprof_fail_status(void)
{
	return cr_pprof_release && cr_pprof_release < 25 ? 1 : 2;
}

static int fetched = -1;

int cmd_pprof_fetched(void)
{
	return fetched;
}

/* pprof's line for a source it could not fetch: "PATH: ERROR", the error
 * as Go's os and profile packages word it */
static bool pprof_skip(void *ctx, size_t i, const struct cr_error *e)
{
	char **paths = ctx;
	const char *path = paths[i];
	struct stat st;
	char *fold;
	if (strcmp(path, "-") != 0 && stat(path, &st) != 0) {
		/* Go's syscall error texts: strerror's, lower case first */
		fold = strdup(strerror(errno));
		if (fold && fold[0] >= 'A' && fold[0] <= 'Z')
			fold[0] = (char)(fold[0] - 'A' + 'a');
		fprintf(stderr, "%s: %s %s: %s\n", path, cr_pprof_release && cr_pprof_release < 23 ? "open" : "stat", path,
			fold ? fold : "error");
		free(fold);
		return true;
	}
	const char *what = "malformed profile format";
	int fd = strcmp(path, "-") != 0 ? open(path, O_RDONLY) : -1;
	if (strcmp(path, "-") != 0 && fd < 0) {
		fprintf(stderr, "%s: open %s: %s\n", path, path, strerror(errno));
		return true;
	}
	if (fd >= 0)
		close(fd);
	if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: read %s: is a directory\n", path, path);
		return true;
	}
	if (strcmp(path, "-") != 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		what = "empty input file";
	} else if (strstr(e->msg, ": gzip: ")) {
		/* the reader's words for a gzip stream cut short */
		fprintf(stderr, "%s: decompressing profile: unexpected EOF\n", path);
		return true;
	} else {
		/* what pprof's parsers make of it: a protobuf that fails to
		 * decode falls through to the legacy parsers, which know it not */
		enum cr_kind k = strcmp(path, "-") != 0 ? cr_capture_kind(path, false, NULL, NULL) : CR_KIND_UNKNOWN;
		if (k == CR_KIND_PPROF || k == CR_KIND_UNKNOWN || e->code == CR_UNSUPPORTED)
			what = "unrecognized profile format";
	}
	fprintf(stderr, "%s: parsing profile: %s\n", path, what);
	return true;
}

/* pprof's error for units it will not make one: Go's %v of the two value
 * types (their string indexes, 0 by then, included) */
static void print_clash(const struct cr_unit_clash *c, const char *tail)
{
	fprintf(stderr, "%s: incompatible types: {", c->period ? "period type" : "sample types");
	for (int i = 0; i < 2; i++) {
		cr_fputs_safe(stderr, c->type[i]);
		fputc(' ', stderr);
		cr_fputs_safe(stderr, c->unit[i]);
		fputs(i ? " 0 0}" : " 0 0} {", stderr);
	}
	fprintf(stderr, "%s\n", tail);
}

/* cmd_load_profiles as go tool pprof fetches the sources: the files it
 * cannot read named on stderr and left out ("Fetched 1 source profiles out
 * of 2"), none read its line. Returns 0, or 1 with e filled, or 1 with
 * *status the exit status after pprof's line. */
static int pprof_fetch(struct cr_profile *dst, char **paths, int n, const char *what, struct cr_error *e,
		       int *status)
{
	int nsrc = 0; /* the sources: not the binary before them */
	for (int i = 0; i < n; i++) {
		struct stat st;
		nsrc += strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode) ||
			cr_capture_kind(paths[i], true, NULL, NULL) != CR_KIND_ELF_EXEC;
	}
	struct cr_buf warn = { 0 };
	size_t loaded = 0;
	struct cr_unit_clash clash = { 0 };
	struct cr_load_opts opts = { .skip = pprof_skip, .skip_ctx = paths,
				     .exact_types = cr_pprof_release && cr_pprof_release < 21, .clash = &clash,
				     .leave_out = dst->leave_out };
	enum cr_err rc = cr_capture_load_profiles_opts(dst, (const char *const *)paths, n > 0 ? (size_t)n : 0, NULL,
						       &warn, progress, NULL, &opts, &loaded, e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	if (rc && clash.set) { /* pprof's words (and its comma after a base's) */
		fprintf(stderr, "problem fetching %s profiles: ", what);
		print_clash(&clash, !strcmp(what, "base") ? "," : "");
		*status = cmd_pprof_fail_status();
	}
	if (rc)
		return 1;
	if (!strcmp(what, "source"))
		fetched = (int)loaded;
	if (loaded == 0) {
		fprintf(stderr, "failed to fetch any %s profiles\n", what);
		*status = cmd_pprof_fail_status();
		return 1;
	}
	if (loaded < (size_t)nsrc)
		fprintf(stderr, "Fetched %zu %s profiles out of %d\n", loaded, what, nsrc);
	return 0;
}

int cmd_load_input(struct cr_profile *p, char **paths, int n, const char *binary, const char *diff_base,
		   const char *base)
{
	return cmd_load_input_norm(p, paths, n, binary, diff_base, base, false);
}

int cmd_load_input_norm(struct cr_profile *p, char **paths, int n, const char *binary, const char *diff_base,
			const char *base, bool normalize)
{
	struct cr_error e = { 0 };
	int status = 0;
	if (cmd_pprof_words && !binary ? pprof_fetch(p, paths, n, "source", &e, &status) : cmd_load_profiles(p, paths, n, binary, &e)) {
		if (status)
			return status;
		/* pprof merges only the sample types all profiles share */
		if (e.code == CR_FORMAT && cmd_pprof_words && n > 1 && cmd_pprof_no_common_types(paths, n)) {
			fprintf(stderr, "problem fetching source profiles: profiles have empty common sample type list\n");
			return cmd_pprof_fail_status();
		}
		return cmd_error(&e);
	}
	if (diff_base || base) {
		struct cr_profile b;
		cr_profile_init(&b);
		b.leave_out = p->leave_out;
		char *bp[1] = { (char *)(diff_base ? diff_base : base) };
		if (cmd_pprof_words && !binary ? pprof_fetch(&b, bp, 1, "base", &e, &status)
					       : cmd_load_profiles(&b, bp, 1, binary, &e)) {
			cr_profile_release(&b);
			return status ? status : cmd_error(&e);
		}
		if (cmd_pprof_words && cmd_pprof_types_disjoint(p, &b)) {
			cr_profile_release(&b);
			fprintf(stderr, "profiles have empty common sample type list\n"); /* pprof's words */
			return 2;
		}
		if (normalize) /* the sources scaled to the base's totals, before it is subtracted */
			cr_profile_normalize(p, &b);
		struct cr_unit_clash clash = { 0 };
		if (cmd_pprof_words && cr_profile_scale_units(p, &b, &clash, &e)) {
			cr_profile_release(&b);
			if (!clash.set)
				return cmd_error(&e);
			print_clash(&clash, "");
			return cmd_pprof_fail_status();
		}
		enum cr_err r = cr_profile_diff_base(p, &b, diff_base != NULL, &e);
		cr_profile_release(&b);
		if (r) {
			cr_fail(&e, r, "%s: cannot combine with the base profile", paths[0]);
			return cmd_error(&e);
		}
	}
	if (p->ntypes == 0) {
		/* the input's fault, not the user's: exit 1, not a usage error */
		cr_fail(&e, CR_EMPTY, "%s: profile has no sample types", cr_input_display_name(paths[0]));
		return cmd_error(&e);
	}
	return 0;
}
