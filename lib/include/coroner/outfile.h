/* Output files (-o) written atomically: every writer of a file goes
 * through cr_outfile. The bytes go to a temporary file beside the target;
 * cr_outfile_commit flushes, fsyncs and renames it over the target, and on
 * any failure removes the temporary and leaves the previous file intact.
 * "-" writes to stdout. A target that exists and is not a regular file (a
 * symbolic link such as /dev/stdout, a device, a fifo) is written in place. */
#ifndef CORONER_OUTFILE_H
#define CORONER_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include "coroner/error.h"

struct cr_outfile {
	FILE *f;          /* write here */
	int fd;           /* f's descriptor */
	const char *path; /* the target */
	bool is_stdout;
	char *tmp;        /* private */
};

enum cr_err cr_outfile_open(struct cr_outfile *o, const char *path, struct cr_error *e);
/* Finish: CR_IO (message names the target) if any write failed; then the
 * target is unchanged. f is closed either way. */
enum cr_err cr_outfile_commit(struct cr_outfile *o, struct cr_error *e);
/* Give up (an error before the end): the temporary is removed. */
void cr_outfile_abort(struct cr_outfile *o);

#endif
