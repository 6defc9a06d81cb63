/* The profile builders' dedup helpers that the merge (merge.c) shares with
 * profile.c. Not installed. */
#ifndef CORONER_PROFILE_PROFILE_INT_H
#define CORONER_PROFILE_PROFILE_INT_H

#include "coroner/input.h"
#include "coroner/profile.h"

/* The key of p->fmap: pprof's merge tells functions apart by start line too
 * (profiles of two releases name one function with two start lines). */
struct fn_key {
	uint32_t name, file;
	int64_t start_line;
};

/* The function (name, file, start line) by string ids, deduplicated through
 * p->fmap; index+1, UINT32_MAX when out of memory. */
uint32_t cr_profile_function_ids(struct cr_profile *p, uint32_t name, uint32_t file, int64_t start_line);
/* Register functions added without dedup (by readers that keep their
 * source's ids) in p->fmap, so later additions find them. */
enum cr_err cr_profile_index_functions(struct cr_profile *p);
/* Whether pprof simplifies a function of this system name (and no name of
 * its own) when it reads it (cr_profile_simplify_names). */
bool cr_name_simplifies(const char *sys);
/* path opened as cr_profile_load_here opens it: a small regular file read
 * into scratch (reused from file to file). */
enum cr_err cr_profile_input_here(struct cr_input *in, const char *path, struct cr_buf *scratch,
				  struct cr_error *e);

#endif
