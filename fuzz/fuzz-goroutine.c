/* Goroutine dumps: the debug=1 profile text reader when the input starts
 * like one ("goroutine profile: total N"), else the traceback reader, so
 * raw dumps are natural seeds; a parsed profile then goes through every
 * grouping, leaks against itself, and top. */
#include "coroner/goroutine.h"
#include "coroner/profile.h"
#include "top-common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	static const char d1[] = "goroutine profile: total";
	bool text = size >= sizeof d1 - 1 && memcmp(data, d1, sizeof d1 - 1) == 0;
	enum cr_err rc = text ? cr_profile_read_goroutine_text(&p, data, size, "fuzz", &warn, &e)
			      : cr_profile_read_traceback(&p, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	cr_buf_release(&warn);
	if (rc == CR_OK) {
		for (int by = CR_GROUP_EXACT; by <= CR_GROUP_MATCH; by++) {
			struct cr_goroutines g;
			struct cr_error ge = { 0 };
			enum cr_err r = cr_goroutines_compute(&g, &p, (enum cr_group_by)by, &ge);
			fuzz_check_error(r, &ge);
			if (r == CR_OK) {
				int64_t sum = 0;
				for (size_t i = 0; i < g.ngroups; i++)
					sum += g.groups[i].count;
				if (sum != g.counted)
					fuzz_die("group counts do not add up");
				cr_goroutines_release(&g);
			}
		}
		const struct cr_profile *pp[2] = { &p, &p };
		struct cr_leaks l;
		struct cr_error le = { 0 };
		enum cr_err r = cr_leaks_compute(&l, pp, 2, NULL, &le);
		fuzz_check_error(r, &le);
		if (r == CR_OK) {
			if (l.ncands)
				fuzz_die("a snapshot compared with itself has leak candidates");
			cr_leaks_release(&l);
		}
		fuzz_top_all(&p, data, size);
	}
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
