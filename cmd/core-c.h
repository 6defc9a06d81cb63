/* coroner core's path for C and C++ cores (cmd/core-c.c). */
#ifndef CORONER_CMD_CORE_C_H
#define CORONER_CMD_CORE_C_H

#include <stddef.h>
#include "coroner/out.h"

int cmd_core_c(const char *binpath, const char *corepath, enum cr_format fmt,
	       const char *const *dirs, size_t ndirs);
const char *cmd_sigcode_name(int sig, int code);

#endif
