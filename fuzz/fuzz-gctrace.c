/* GODEBUG=gctrace=1 logs: line parser and the statistics over them. */
#include "coroner/mem.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_gctrace t;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_gctrace_init(&t);
	enum cr_err rc = cr_gctrace_parse(&t, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_gcstats st;
		cr_gctrace_stats(&t, &st);
		if (st.count != t.n)
			fuzz_die("gc stats count differs from parsed lines");
	}
	cr_gctrace_release(&t);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
