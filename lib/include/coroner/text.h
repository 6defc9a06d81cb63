/* Line-oriented reading of untrusted text: CRLF tolerated, NUL bytes and
 * overlong lines reported, every call advances. Small parsing helpers. */
#ifndef CORONER_TEXT_H
#define CORONER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_lines {
	const char *p, *end;
	size_t lineno; /* 1-based number of the line last returned */
};

static inline void cr_lines_init(struct cr_lines *it, const void *data, size_t len)
{
	it->p = data;
	it->end = (const char *)data + len;
	it->lineno = 0;
}

/* Next line without its terminator (and without a trailing \r). Returns
 * false at the end. A line longer than max is cut to max bytes (*cut set). */
bool cr_lines_next(struct cr_lines *it, const char **line, size_t *len, size_t max, bool *cut);

/* Does [s, s+n) start with the NUL-terminated prefix? */
bool cr_starts(const char *s, size_t n, const char *prefix);
/* Skip spaces and tabs. */
size_t cr_skip_ws(const char *s, size_t n, size_t i);
/* Drop the leading spaces and tabs of the line [*s, *s + *n); returns the
 * length left. */
static inline size_t cr_trim_left(const char **s, size_t *n)
{
	size_t k = cr_skip_ws(*s, *n, 0);
	*s += k;
	*n -= k;
	return *n;
}
/* Parse a decimal int64 at s[i]; advances *i; false on no digits/overflow. */
bool cr_parse_i64(const char *s, size_t n, size_t *i, int64_t *out);
bool cr_parse_u64(const char *s, size_t n, size_t *i, uint64_t *out);
/* Parse hex (with optional 0x) at s[i]. */
bool cr_parse_hex(const char *s, size_t n, size_t *i, uint64_t *out);
/* Is the buffer text (no NULs, mostly printable) in its first n bytes? */
bool cr_looks_text(const unsigned char *p, size_t n);
/* For a detector: start it over the first max bytes of data and return
 * their length, or 0 (it untouched) when there are none or they are not
 * text. */
size_t cr_lines_probe(struct cr_lines *it, const unsigned char *data, size_t len, size_t max);

#endif
