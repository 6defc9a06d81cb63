/* The CLI's side of loading profiles named on a command line (top, flame):
 * the loading itself is lib/capture's (cr_capture_load_profiles); this
 * shows progress and prints the warnings. */
#include "cmd.h"
#include "coroner/capture.h"

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
