/* Race-detector reports (WARNING: DATA RACE) out of a log (lib/profile/race.c). */
#include "coroner/race.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_races r;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_races_init(&r);
	enum cr_err rc = cr_races_parse(&r, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	for (size_t i = 0; rc == CR_OK && i < r.n; i++) {
		const struct cr_race_report *rp = &r.reports[i];
		if (rp->nacc != 2 || rp->ncreated > 2)
			fuzz_die("a race report without two accesses");
		for (size_t k = 0; k < 2 + rp->ncreated; k++) {
			const struct cr_race_stack *st = k < 2 ? &rp->acc[k].stack : &rp->created[k - 2].stack;
			if (st->n > r.nframes || st->start > r.nframes - st->n)
				fuzz_die("a race stack outside the frames");
			for (size_t j = 0; j < st->n; j++)
				if (!r.frames[st->start + j].function || !r.frames[st->start + j].file)
					fuzz_die("a race frame without names");
		}
	}
	cr_races_release(&r);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
