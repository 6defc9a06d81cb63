/* Linux perf samples and folded stacks as profiles.
 *
 * `perf script` text (with or without -g; any -F field set that keeps the
 * time), one sample per header line:
 *     COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT: [IP SYM+OFF (DSO)]
 *     <TAB>IP SYM+OFF (DSO)          one line per frame, leaf first (-g)
 *     <blank line>
 * becomes samples with types ("samples", "count") and (EVENT, "count") =
 * the period (for cpu-clock/task-clock: ("cpu", "nanoseconds")), default
 * type "samples" (perf report -n counts); labels "comm" (string), "pid",
 * "tid" (numbers), "event". A frame's function is SYM without "+0x..", with
 * Go's ".abi0" dropped (the pclntab's name, as the rest of coroner names
 * Go functions); "[unknown]" stays "[unknown]"; kernel frames keep their
 * names. A header that cannot be read drops its sample (counted); a frame
 * that cannot be read is left out of its stack (counted); stacks deeper
 * than cr_limits.max_frames are cut (counted).
 *
 * Folded stacks (flamegraph.pl's stackcollapse, `coroner flame
 * --format=folded`): "root;caller;leaf COUNT" per line; a differential
 * line "STACK BASE COUNT" counts COUNT. Lines without a count are skipped
 * (counted). Type ("samples", "count").
 */
#ifndef CORONER_PERF_H
#define CORONER_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include "coroner/error.h"
#include "coroner/profile.h"

/* Do the first lines look like perf script output / folded stacks? */
bool cr_perf_script_detect(const unsigned char *data, size_t len);
bool cr_folded_detect(const unsigned char *data, size_t len);

/* Warnings (what was skipped, with line numbers, and totals) go to *warn
 * (may be NULL). CR_EMPTY if no sample could be read. */
enum cr_err cr_profile_read_perf_script(struct cr_profile *p, const unsigned char *data,
					size_t len, const char *name, struct cr_buf *warn,
					struct cr_error *e);
enum cr_err cr_profile_read_folded(struct cr_profile *p, const unsigned char *data, size_t len,
				   const char *name, struct cr_buf *warn, struct cr_error *e);

#endif
