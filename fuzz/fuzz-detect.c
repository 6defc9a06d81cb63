/* The CLI's input detection: what kind a buffer is (from content only) and
 * the profile reader it is dispatched to. Detection must be total (any bytes
 * give a kind) and stable (the same bytes give the same kind). */
#include "coroner/profile.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	enum cr_kind k = cr_detect_kind(data, size);
	if (cr_detect_kind(data, size) != k)
		fuzz_die("detection is not deterministic");
	const char *name = cr_kind_name(k);
	if (!name || !name[0])
		fuzz_die("kind without a name");
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	enum cr_err rc = cr_profile_parse(&p, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	cr_buf_release(&warn);
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
