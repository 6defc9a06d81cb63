/* Error codes and the error text the library fills for its caller.
 *
 * The library never prints and never exits: every fallible function takes a
 * `struct cr_error *` (may be NULL), returns an `enum cr_err`, and on failure
 * fills the message in the form the CLI prints after "coroner: ":
 *     FILE: FORMAT: offset 0x1a2 (or line N): what is wrong
 * cr_exit_code() maps a code to the process exit code (0 ok, 1 bad input,
 * 2 usage, 3 resource limit).
 */
#ifndef CORONER_ERROR_H
#define CORONER_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* X-macro: name, exit code, default message. */
#define CR_ERRORS                                                   \
	CR_E(OK, 0, "success")                                      \
	CR_E(FORMAT, 1, "malformed input")                          \
	CR_E(IO, 1, "I/O error")                                    \
	CR_E(UNSUPPORTED, 1, "unsupported input")                   \
	CR_E(NOTFOUND, 1, "not found")                              \
	CR_E(EMPTY, 1, "nothing usable in input")                   \
	CR_E(USAGE, 2, "usage error")                               \
	CR_E(LIMIT, 3, "resource limit exceeded")                   \
	CR_E(NOMEM, 3, "out of memory")                             \
	CR_E(ZLIB, 1, "zlib error")                                 \
	CR_E(LIBELF, 1, "libelf error")                             \
	CR_E(LIBDWARF, 1, "libdwarf error")

enum cr_err {
#define CR_E(name, exit, msg) CR_##name,
	CR_ERRORS
#undef CR_E
	CR_ERR_COUNT
};

struct cr_error {
	enum cr_err code;
	char msg[1024];
};

/* Default message of a code; never NULL. */
const char *cr_strerror(enum cr_err code);

/* Exit code for a code: 0, 1, 2 or 3. */
int cr_exit_code(enum cr_err code);

/* Fill e (if non-NULL) with code and a printf-style message; returns code so
 * callers can write `return cr_fail(e, CR_FORMAT, "%s: pprof: offset 0x%zx: ...", ...)`.
 * If e already holds an error, the first one is kept (the root cause wins). */
enum cr_err cr_fail(struct cr_error *e, enum cr_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Forget a held error (after a caller decides to continue with a warning). */
void cr_error_clear(struct cr_error *e);

#endif
