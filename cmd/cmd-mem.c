/* coroner mem: not implemented yet (placeholder so the command table is complete). */
#include "cmd.h"
#include <string.h>

int cmd_mem(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: coroner mem ... (not implemented yet)\n");
		return 0;
	}
	fprintf(stderr, "coroner mem: not implemented yet\n");
	return 2;
}
