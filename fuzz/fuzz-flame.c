/* Any profile the detector accepts (pprof, heap text, goroutine dumps),
 * then the flame graph over every sample type: the call tree, folded
 * stacks, the SVG (escaping of hostile names; an icicle on odd types), a
 * differential graph of the profile against itself, and the sandwich of
 * the deepest frame's function. Output goes to /dev/null. */
#include "coroner/flame.h"
#include "coroner/profile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	fuzz_limits();
	if (!null && !(null = fopen("/dev/null", "w")))
		return 0;
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_profile_parse(&p, data, size, "fuzz", NULL, &e);
	if (rc == CR_UNSUPPORTED)
		rc = CR_OK, cr_error_clear(&e); /* not a profile: fine */
	fuzz_check_error(rc, &e);
	for (size_t si = 0; rc == CR_OK && si < p.ntypes && si < 4; si++) {
		struct cr_flame f;
		struct cr_error fe = { 0 };
		if (cr_flame_init(&f))
			break;
		enum cr_err r2 = cr_flame_add(&f, &p, (int)si, false, &fe);
		if (r2 == CR_OK)
			r2 = cr_flame_add(&f, &p, (int)si, true, &fe);
		if (r2 == CR_OK)
			r2 = cr_flame_write_folded(&f, null, &fe);
		if (r2 == CR_OK) {
			struct cr_flame_svg_opts o = { .title = "fuzz", .width = 1200, .icicle = si & 1 };
			r2 = cr_flame_write_svg(&f, &o, null, &fe);
		}
		if (r2 == CR_OK && f.nnodes > 1) {
			struct cr_flame a, b;
			enum cr_err ra = cr_flame_init(&a), rb = cr_flame_init(&b);
			const char *fn = cr_strtab_get(&f.names, f.nodes[f.nnodes - 1].name);
			if (ra == CR_OK && rb == CR_OK) {
				r2 = cr_flame_sandwich(&f, fn, &a, &b, &fe);
				if (r2 == CR_OK) {
					struct cr_flame_svg_opts o = { .title = "fuzz", .width = 1200 };
					r2 = cr_flame_write_sandwich_svg(&a, &b, &o, null, &fe);
				}
			}
			cr_flame_release(&a);
			cr_flame_release(&b);
		}
		fuzz_check_error(r2, &fe);
		cr_flame_release(&f);
	}
	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
