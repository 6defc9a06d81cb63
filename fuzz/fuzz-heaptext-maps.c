/* coroner report's scan of debug=1 heap text for the map frames
 * runtime/pprof hides (lib/report/findings_map.c): record lines, '@' PC
 * lists, '#' frame lines, unsampling. The binary is replaced by a
 * classifier that calls every odd pc map code, so every path is reached
 * without one. */
#include "coroner/report.h"
#include "report/findings_int.h"
#include "fuzz.h"

#include <string.h>

static bool odd_is_map(void *arg, uint64_t pc, bool *nomem)
{
	(void)arg;
	(void)nomem;
	return pc & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct fsums s;
	struct cr_hidden_maps out;
	memset(&s, 0, sizeof s);
	cr_hmap_init(&s.idx);
	enum cr_err rc = cr_heaptext_hidden_scan(data, size, odd_is_map, NULL, &s, 1, &out);
	if (rc != CR_OK && rc != CR_NOMEM && rc != CR_LIMIT)
		fuzz_die("scan refused input with an unexpected code");
	if (rc == CR_OK && out.map_records > out.records)
		fuzz_die("more map records than records");
	cr_fsums_release(&s);
	fuzz_check_balanced(before);
	return 0;
}
