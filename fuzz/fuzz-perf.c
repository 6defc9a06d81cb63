/* perf script text and folded stacks (lib/profile/perf.c): the first
 * byte's low bit picks the reader, the rest is the text; bit 1 runs the
 * detector instead (cr_profile_parse). Every sample of a perf script
 * counts 1 in "samples": the total must equal the number of samples. The
 * folded writer then runs over the profile (hostile names). */
#include "coroner/flame.h"
#include "coroner/perf.h"
#include "coroner/profile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	fuzz_limits();
	if (size < 1 || (!null && !(null = fopen("/dev/null", "w"))))
		return 0;
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	bool folded = data[0] & 1;
	enum cr_err rc;
	if (data[0] & 2) {
		rc = cr_profile_parse(&p, data + 1, size - 1, "fuzz", &warn, &e);
		if (rc == CR_UNSUPPORTED)
			rc = CR_OK, cr_error_clear(&e);
	} else if (folded) {
		rc = cr_profile_read_folded(&p, data + 1, size - 1, "fuzz", &warn, &e);
	} else {
		rc = cr_profile_read_perf_script(&p, data + 1, size - 1, "fuzz", &warn, &e);
		if (rc == CR_OK && (size_t)cr_profile_total(&p, 0) != p.nsamples)
			fuzz_die("perf script: samples total differs from the sample count");
	}
	fuzz_check_error(rc, &e);
	if (rc == CR_OK && p.ntypes) {
		struct cr_flame f;
		struct cr_error fe = { 0 };
		if (cr_flame_init(&f) == CR_OK) {
			enum cr_err r2 = cr_flame_add(&f, &p, 0, false, &fe);
			if (r2 == CR_OK)
				r2 = cr_flame_write_folded(&f, null, &fe);
			fuzz_check_error(r2, &fe);
			cr_flame_release(&f);
		}
	}
	cr_profile_release(&p);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
