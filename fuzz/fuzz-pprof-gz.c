/* A profile as it arrives on disk: gzip or zstd (or not) detected from the
 * content, inflated under the cap, then detected and parsed by kind (the
 * path of `coroner top FILE`). */
#include "coroner/input.h"
#include "coroner/profile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_input in;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_input_from_memory(&in, "fuzz", data, size, 0, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_profile p;
		if (cr_profile_init(&p) == CR_OK) {
			struct cr_buf warn = { 0 };
			rc = cr_profile_parse(&p, in.data, in.len, in.name, &warn, &e);
			fuzz_check_error(rc, &e);
			cr_buf_release(&warn);
			cr_profile_release(&p);
		}
		cr_input_close(&in);
	}
	fuzz_check_balanced(before);
	return 0;
}
