/* Prints the struct layout gort takes from the table of each release named
 * on the command line (cr_gort_layout_print), for
 * tests/core/layout-tables.sh; exit 1 if a release has no table. */
#include "coroner/gort.h"
#include "coroner/util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct cr_buf b = { 0 };
		if (cr_gort_layout_print(argv[i], &b)) {
			fprintf(stderr, "layout-print: no table for %s\n", argv[i]);
			rc = 1;
		}
		fputs(cr_buf_str(&b), stdout);
		cr_buf_release(&b);
	}
	return rc;
}
