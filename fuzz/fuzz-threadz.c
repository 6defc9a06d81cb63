/* threadz text and its memory map (lib/profile/legacy.c, legacy_maps.c), then top. */
#include "coroner/profile.h"
#include "top-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	enum cr_err rc = cr_profile_read_threadz(&p, data, size, "fuzz", &warn, &e);
	if (rc == CR_OK)
		rc = cr_profile_prune(&p, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK)
		fuzz_top_all(&p, data, size);
	cr_buf_release(&warn);
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
