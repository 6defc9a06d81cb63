/* coroner core's path for C and C++ cores (cmd/core-c.c). */
#ifndef CORONER_CMD_CORE_C_H
#define CORONER_CMD_CORE_C_H

#include <stddef.h>
#include "coroner/out.h"

int cmd_core_c(const char *binpath, const char *corepath, enum cr_format fmt,
	       const char *const *dirs, size_t ndirs);
const char *cmd_sigcode_name(int sig, int code);

/* --debug-dir=DIR, repeatable: an OPT_CALLBACK whose value is a struct
 * cmd_debug_dirs (the arguments are kept, not copied). */
struct cmd_debug_dirs { const char *dirs[16]; size_t n; };
struct cmd_option;
struct cmd_parse_state;
int cmd_opt_debug_dir(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st);

#endif
