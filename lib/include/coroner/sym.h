/* Symbolization: addresses to functions, file:line and inlined frames.
 * (The symbolizer engines — Go pclntab and DWARF — are declared here as they
 * land.) */
#ifndef CORONER_SYM_H
#define CORONER_SYM_H

#include "coroner/profile.h"

/* Give names to the locations of p that have an address but no lines,
 * from the ELF binary at path. */
enum cr_err cr_profile_symbolize_file(struct cr_profile *p, const char *path, struct cr_error *e);

#endif
