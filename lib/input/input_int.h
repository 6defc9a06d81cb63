/* What input.c and input_async.c share. Not installed. */
#ifndef CORONER_INPUT_INT_H
#define CORONER_INPUT_INT_H

#include "coroner/input.h"

/* Start inflating the mapped gzip file m[0, sz) into a buffer of its
 * trailer's size on a second thread (in->data, in->len, in->bg set).
 * false: not started (too small, one core, not one plausible member under
 * the cap, no memory or thread, or no ISA-L): inflate it as usual. */
bool cr_input_bg_start(struct cr_input *in, const unsigned char *m, size_t sz, size_t cap);
/* The mapped compressed file (in->map) inflated into in->buf under cap,
 * and unmapped whatever the outcome; in->data, in->len set on success. */
enum cr_err cr_input_inflate_map(struct cr_input *in, size_t cap, struct cr_error *e);
/* Wait for the thread, if any, and forget it (closing). */
void cr_input_bg_stop(struct cr_input *in);

#endif
