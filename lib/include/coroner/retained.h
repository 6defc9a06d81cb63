/* Retained growth across three heap profiles (retained.c). */
#ifndef CORONER_RETAINED_H
#define CORONER_RETAINED_H

#include "coroner/profile.h"

/* Retained growth across three heap profiles snap[0..2] = A, B, C: what was
 * allocated between A and B and is still in use at C, as bounds per stack.
 * out (uninitialised on entry, released by the caller) gets the sample types
 * retained_objects_min, retained_space_min (default), retained_objects_max,
 * retained_space_max. */
enum cr_err cr_profile_retained(struct cr_profile *out, const struct cr_profile *snap[3],
				struct cr_error *e);

#endif
