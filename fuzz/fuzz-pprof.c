/* pprof protobuf (raw, already inflated): the wire-format reader, pprof's
 * validity rules, drop/keep_frames pruning, then top over the result; for a
 * quarter of the inputs each, a merge of the profile with itself and the
 * --retained diff of three copies (which sum the values of equal stacks). */
#include "coroner/profile.h"
#include "coroner/retained.h"
#include "top-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_profile_read_pprof(&p, data, size, "fuzz", &e);
	if (rc == CR_OK)
		rc = cr_profile_prune(&p, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK)
		fuzz_top_all(&p, data, size);
	if (rc == CR_OK && size % 4 == 0) {
		/* merging a profile with itself adds the values of equal stacks */
		struct cr_profile m;
		struct cr_error me = { 0 };
		if (cr_profile_init(&m) == CR_OK) {
			enum cr_err mrc = cr_profile_merge(&m, &p, &me);
			if (mrc == CR_OK)
				mrc = cr_profile_merge(&m, &p, &me);
			fuzz_check_error(mrc, &me);
			cr_profile_release(&m);
		}
	} else if (rc == CR_OK && size % 4 == 1) {
		/* `coroner diff --retained` over three copies of a heap profile */
		const struct cr_profile *snap[3] = { &p, &p, &p };
		struct cr_profile r;
		struct cr_error re = { 0 };
		enum cr_err rrc = cr_profile_retained(&r, snap, &re);
		fuzz_check_error(rrc, &re);
		if (rrc == CR_OK)
			cr_profile_release(&r);
	}
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
