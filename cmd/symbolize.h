/* coroner symbolize's parts shared by its files: cmd-symbolize.c (options,
 * one address, --annotate, the output of frames) and symbolize-stdin.c
 * (addresses read from stdin, resolved in address order). */
#ifndef CORONER_CMD_SYMBOLIZE_H
#define CORONER_CMD_SYMBOLIZE_H

#include "coroner/core.h"
#include "coroner/out.h"
#include "coroner/sym.h"
#include "core-c.h"

extern bool sym_demangle_on;

struct ctx {
	struct cr_symbolizer *s;   /* -e BINARY, or NULL */
	struct cr_ccore *cc;       /* --core: the other files it maps */
	uint64_t exe_lo, exe_hi;   /* where the core maps BINARY */
	int64_t bias;
	bool retaddr, inlines;
	enum cr_format fmt;
	struct cr_json j;
	struct cr_frame frames[256];
};

/* Text output of the address batches: into a buffer written to f when it
 * fills, or, with no f (the second thread), kept in memory; fail when the
 * second thread meets what only the main thread may print. */
struct tout {
	char *b;
	size_t len, cap;
	FILE *f;
	bool fail;
};

void sym_tout_flush(struct tout *t);
void sym_tout_put(struct tout *t, const char *s, size_t n);
/* Frames of addr (a return address with --return-addresses). */
size_t sym_resolve(struct ctx *c, uint64_t addr, struct cr_frame *out, size_t max);
/* One address's frames, or a line that is no address, as text or JSON; a
 * tout without FILE (another thread's) fails on what only the main thread
 * may print. */
void sym_print_frames(struct ctx *c, struct tout *o, uint64_t addr, const struct cr_frame *frames, size_t n);
void sym_print_unparsed(struct ctx *c, struct tout *to, const char *l, size_t n);
bool sym_parse_addr(const char *s, size_t n, uint64_t *out);
/* The addresses of stdin's text (data, len), answered in input order. */
int sym_stdin(struct ctx *c, const unsigned char *data, size_t len);
int sym_stdin_batches(struct ctx *c, const unsigned char *data, size_t len);

#endif
