/* Go's debug=1 heap profile text (unsampling, `#` frames, the MemStats
 * block), then top over the result. */
#include "coroner/profile.h"
#include "top-common.h"

/* the reader takes no warnings */
static enum cr_err read_heap_text(struct cr_profile *p, const unsigned char *data, size_t len, const char *name,
				  struct cr_buf *warn, struct cr_error *e)
{
	(void)warn;
	return cr_profile_read_heap_text(p, data, len, name, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_read_then_top(read_heap_text, data, size);
}
