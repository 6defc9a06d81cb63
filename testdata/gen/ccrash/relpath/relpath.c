/* A program compiled by a relative path (cc -c src/relpath.c), as build
 * systems do: gdb names its frames' files "src/relpath.c" (the unit's
 * DW_AT_name), not "/tmp/ccrash-gen/src/relpath.c". Dies of a NULL
 * dereference in an inlined header function. */
#include <stdio.h>
#include "inc/relpath.h"

__attribute__((noinline)) int work(const int *p)
{
	return deref(p) * 3;
}

int main(int argc, char **argv)
{
	(void)argv;
	const int *p = argc > 5 ? &argc : NULL;
	printf("%d\n", work(p));
	return 0;
}
