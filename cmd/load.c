/* The CLI's side of loading profiles named on a command line (top, flame,
 * pprof):
 * the loading itself is lib/capture's (cr_capture_load_profiles); this
 * shows progress and prints the warnings. */
#include "cmd.h"
#include "coroner/capture.h"
#include "coroner/input.h"
#include "coroner/pprof.h"

static void progress(void *ctx, const char *path)
{
	(void)ctx;
	cmd_progress("reading %s", path);
}

int cmd_load_profiles(struct cr_profile *dst, char **paths, int n, const char *binary,
		      struct cr_error *e)
{
	struct cr_buf warn = { 0 };
	enum cr_err rc = cr_capture_load_profiles(dst, (const char *const *)paths, n > 0 ? (size_t)n : 0,
						  binary, &warn, progress, NULL, e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	return rc ? 1 : 0;
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
	if (cmd_load_profiles(p, paths, n, binary, &e)) {
		/* pprof merges only the sample types all profiles share */
		if (e.code == CR_FORMAT && cmd_pprof_words && n > 1 && cmd_pprof_no_common_types(paths, n)) {
			fprintf(stderr, "problem fetching source profiles: profiles have empty common sample type list\n");
			return 2;
		}
		return cmd_error(&e);
	}
	if (diff_base || base) {
		struct cr_profile b;
		cr_profile_init(&b);
		char *bp[1] = { (char *)(diff_base ? diff_base : base) };
		if (cmd_load_profiles(&b, bp, 1, binary, &e)) {
			cr_profile_release(&b);
			return cmd_error(&e);
		}
		if (cmd_pprof_words && cmd_pprof_types_disjoint(p, &b)) {
			cr_profile_release(&b);
			fprintf(stderr, "profiles have empty common sample type list\n"); /* pprof's words */
			return 2;
		}
		if (normalize) /* the sources scaled to the base's totals, before it is subtracted */
			cr_profile_normalize(p, &b);
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
