/* What the legacy profile readers share (legacy.c: gperftools CPU, threadz,
 * Java; heaptext.c: heapz/growthz; goroutine.c: contentionz): the memory
 * map section that ends such a profile, and the frames pprof drops from
 * each kind. Not installed. */
#ifndef CORONER_PROFILE_LEGACY_INT_H
#define CORONER_PROFILE_LEGACY_INT_H

#include "coroner/profile.h"

/* pprof's drop_frames for CPU, thread and count profiles, and for
 * contention profiles. */
extern const char cr_cpu_drop_frames[], cr_lock_drop_frames[];

/* Does the line hold a memory map sentinel ("--- Memory map: ---" or
 * "MAPPED_LIBRARIES:") anywhere? */
bool cr_legacy_maps_sentinel(const char *s, size_t n);

/* The mapping lines after the sentinel, [s, s+n) (n may be 0), read as
 * pprof reads them: /proc/PID/maps lines and "START-END: FILE (@OFF) ID"
 * lines, non-executable ones skipped, a glog prefix removed, "key=value"
 * lines defining $key for the lines after them. Then pprof's heuristics:
 * adjacent pieces of one file merged, the main binary first, a leading
 * /anon_hugepage dropped, a main binary at 0x400000 with an offset made
 * to start there; every location with an address and no mapping gets the
 * first mapping holding its address (else a mapping with no file that
 * covers everything). Only CR_NOMEM fails. */
enum cr_err cr_legacy_maps(struct cr_profile *p, const char *s, size_t n);

#endif
