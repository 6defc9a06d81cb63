/* gperftools and Java binary CPU profiles, their memory map or frame lines (lib/profile/legacy.c, legacy_maps.c), then top. */
#include "coroner/profile.h"
#include "top-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_read_then_top(cr_profile_read_legacy_cpu, data, size);
}
