/* Memory snapshots: smaps, smaps_rollup, maps, status, memory.stat and
 * MemStats (text block or JSON), detected by content as `coroner mem` does;
 * then the ledger, labels and a field diff over what parsed. */
#include "coroner/mem.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_memsnap s;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_memsnap_init(&s);
	enum cr_err rc = cr_memsnap_parse(&s, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_ledger_in in = { 0 };
		switch (s.src) {
		case CR_MS_SMAPS: in.smaps = &s; break;
		case CR_MS_SMAPS_ROLLUP: in.rollup = &s; break;
		case CR_MS_STATUS: in.status = &s; break;
		default: break;
		}
		if (in.smaps || in.rollup || in.status) {
			struct cr_ledger l;
			struct cr_error e2 = { 0 };
			fuzz_check_error(cr_ledger_compute(&l, &in, &e2), &e2);
			cr_ledger_release(&l);
		}
		if (s.src != CR_MS_MAPS) {
			struct cr_memdiff d;
			struct cr_error e3 = { 0 };
			cr_memdiff_init(&d);
			fuzz_check_error(cr_memdiff_fields(&d, &s, &s, &e3), &e3);
			cr_memdiff_release(&d);
		}
	}
	cr_memsnap_release(&s);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
