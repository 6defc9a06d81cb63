/* A core read with its binary: binary, core, then the Go runtime (gort). */
#include "coroner/capture.h"

#include <string.h>

enum cr_err cr_gocore_open(struct cr_gocore *gc, const char *binary, const char *core,
			   struct cr_error *e)
{
	memset(gc, 0, sizeof *gc);
	enum cr_err rc = cr_binary_open(&gc->bin, binary, e);
	if (rc)
		return rc;
	rc = cr_core_open(&gc->core, core, e);
	if (rc)
		return rc;
	gc->core_open = true;
	rc = cr_gort_open(&gc->g, &gc->core, gc->bin, e);
	/* a failed open leaves its warnings in g.warn; release frees them */
	gc->gort_open = true;
	return rc;
}

void cr_gocore_close(struct cr_gocore *gc)
{
	if (gc->gort_open)
		cr_gort_release(&gc->g);
	if (gc->core_open)
		cr_core_close(&gc->core);
	cr_binary_close(gc->bin);
	memset(gc, 0, sizeof *gc);
}

bool cr_gocore_wrong_binary(const struct cr_gocore *gc, const struct cr_error *e)
{
	/* gort's check of the build id notes: "... build id mismatch ..." */
	return gc->gort_open && e->code == CR_FORMAT && strstr(e->msg, "build id") != NULL;
}
