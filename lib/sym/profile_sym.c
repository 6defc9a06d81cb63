/* Placeholder until the symbolizer lands. */
#include "coroner/sym.h"

enum cr_err cr_profile_symbolize_file(struct cr_profile *p, const char *path, struct cr_error *e)
{
	(void)p;
	return cr_fail(e, CR_UNSUPPORTED, "%s: symbolization is not available yet", path);
}
