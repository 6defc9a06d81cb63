#include "coroner/error.h"
#include <stdio.h>
#include <string.h>

static const char *const messages[] = {
#define CR_E(name, exit, msg) msg,
	CR_ERRORS
#undef CR_E
};

static const int exits[] = {
#define CR_E(name, exit, msg) exit,
	CR_ERRORS
#undef CR_E
};

const char *cr_strerror(enum cr_err code)
{
	if ((unsigned)code >= CR_ERR_COUNT)
		return "unknown error";
	return messages[code];
}

int cr_exit_code(enum cr_err code)
{
	if ((unsigned)code >= CR_ERR_COUNT)
		return 1;
	return exits[code];
}

enum cr_err cr_fail(struct cr_error *e, enum cr_err code, const char *fmt, ...)
{
	if (!e || e->code != CR_OK)
		return e ? e->code : code;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void cr_error_clear(struct cr_error *e)
{
	if (e) {
		e->code = CR_OK;
		e->msg[0] = 0;
	}
}
