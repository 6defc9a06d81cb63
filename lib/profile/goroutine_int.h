/* What the goroutine dump readers share (goroutine.c: the debug=1 text and
 * the common builder; traceback.c: tracebacks): a builder that turns frames
 * into the profile model with deduplicated functions and locations. Not
 * installed. */
#ifndef CORONER_PROFILE_GOROUTINE_INT_H
#define CORONER_PROFILE_GOROUTINE_INT_H

#include "coroner/goroutine.h"
#include "coroner/profile.h"
#include "coroner/text.h"

#define MAX_WARN 20

struct rd {
	struct cr_profile *p;
	const char *name, *what;
	struct cr_buf *warn;
	size_t nwarn;
	struct cr_hmap locmap; /* (address, lines) -> location index */
	struct cr_hmap fncache; /* raw "function\0file" bytes -> function index+1 */
	struct cr_hmap atcache; /* raw "file\0line" bytes -> string id of "file:line" */
	struct cr_buf key;
	struct cr_line *lines; size_t nlines, cap_lines;
	uint32_t *stk; size_t nstk, cap_stk;
	struct cr_label *labels; size_t nlabels, cap_labels;
	size_t nmangled;        /* lines no traceback form fits (tracebacks) */
	uint32_t k_goid, k_state, k_wait, k_minutes, k_created_by, k_created_at, k_locked,
		k_elided, s_true;
};

size_t rd_find(const char *s, size_t n, const char *needle);
void rd_warnf(struct rd *r, size_t lineno, const char *fmt, const char *arg);
void rd_warn_summary(struct rd *r);
void rd_release(struct rd *r);
uint32_t rd_location(struct rd *r, uint64_t address);
uint32_t rd_function(struct rd *r, const char *fn, size_t fnlen, const char *file,
		     size_t filelen);
enum cr_err rd_push_line(struct rd *r, const char *fn, size_t fnlen, const char *file,
			 size_t filelen, int64_t line);
enum cr_err rd_push_loc(struct rd *r, uint32_t li);
enum cr_err rd_push_label(struct rd *r, struct cr_label l);
enum cr_err rd_init(struct rd *r, struct cr_profile *p, const char *name, const char *what,
		    struct cr_buf *warn, const char *type);
enum cr_err rd_nomem(struct rd *r, struct cr_error *e);

#endif
