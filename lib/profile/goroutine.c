/* Goroutine dump readers: placeholder until the goroutine work lands. */
#include "coroner/profile.h"

enum cr_err cr_profile_read_goroutine_text(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, struct cr_buf *warn,
					   struct cr_error *e)
{
	(void)p; (void)data; (void)len; (void)warn;
	return cr_fail(e, CR_UNSUPPORTED, "%s: goroutine profile text is not supported yet", name);
}

enum cr_err cr_profile_read_traceback(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_buf *warn,
				      struct cr_error *e)
{
	(void)p; (void)data; (void)len; (void)warn;
	return cr_fail(e, CR_UNSUPPORTED, "%s: goroutine tracebacks are not supported yet", name);
}
