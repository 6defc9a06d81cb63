/* One escaping function per output context. Every string that comes from
 * an input goes through cr_escape() (or a FILE wrapper) before it reaches
 * a terminal, a JSON document, a CSV file or XML (SVG/HTML).
 *
 * The rules, the same in every context:
 *   - invalid UTF-8 (bytes C0, C1, F5-FF, overlong forms, surrogates,
 *     code points past U+10FFFF, cut sequences) is shown byte by byte,
 *     never passed through;
 *   - C0 controls, DEL and C1 controls (U+0080-U+009F) are shown, never
 *     passed through (a terminal would act on them); tab is kept in text;
 *   - NUL is kept visible: the readers store an input's NUL inside a
 *     string as C0 80 (a C string cannot hold it), shown as \x00 / \u0000;
 *   - U+FFFE and U+FFFF (not characters; XML forbids them) are shown.
 * How a shown byte looks depends on the context: \xNN in text, CSV and XML
 * (there as literal text, which is well-formed), \u00NN or U+FFFD in JSON.
 */
#include "coroner/out.h"

#include <stdio.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid;
 * *cp gets the code point. */
size_t cr_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (len == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return len;
}

static int put_hex(struct cr_buf *b, unsigned v, bool json)
{
	return (int)(json ? cr_buf_addf(b, "\\u%04x", v) : cr_buf_addf(b, "\\x%02x", v));
}

/* CSV: a cell a spreadsheet would take as a formula gets a leading '. */
static bool formula_start(unsigned char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

enum cr_err cr_escape(struct cr_buf *b, const char *s, size_t n, size_t max, enum cr_escape_ctx ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t lim = n < max ? n : max, i = 0;
	bool json = ctx == CR_ESC_JSON;
	size_t start = b->len;
	bool quote = false;
	if (ctx == CR_ESC_CSV) {
		/* RFC 4180: quote when the cell holds a comma, quote or line
		 * break, or starts with a formula character */
		quote = n && (formula_start(p[0]) || memchr(p, ',', lim) || memchr(p, '"', lim) ||
			      memchr(p, '\n', lim) || memchr(p, '\r', lim) || p[0] == ' ' || p[n - 1] == ' ');
		if (quote && cr_buf_add(b, "\"", 1))
			return CR_NOMEM;
		if (n && formula_start(p[0]) && cr_buf_add(b, "'", 1))
			return CR_NOMEM;
	}
	while (i < lim) {
		uint32_t cp = 0;
		size_t l = cr_utf8_len(p + i, n - i, &cp);
		int rc = 0; /* an enum cr_err */
		if (l == 0) {
			if (p[i] == 0xc0 && i + 1 < n && p[i + 1] == 0x80) {
				rc = put_hex(b, 0, json); /* an input's NUL */
				i += 2;
			} else {
				rc = json ? (int)cr_buf_add(b, "\\ufffd", 6) : put_hex(b, p[i], false);
				i++;
			}
		} else if (l == 1 && (cp < 0x20 || cp == 0x7f)) {
			if (cp == '\t' && ctx != CR_ESC_JSON)
				rc = cr_buf_add(b, "\t", 1);
			else if (json && cp == '\n')
				rc = cr_buf_add(b, "\\n", 2);
			else if (json && cp == '\t')
				rc = cr_buf_add(b, "\\t", 2);
			else if (json && cp == '\r')
				rc = cr_buf_add(b, "\\r", 2);
			else
				rc = put_hex(b, cp, json);
			i++;
		} else if (l == 1) {
			const char *ent = NULL;
			if (ctx == CR_ESC_XML)
				ent = cp == '&' ? "&amp;" : cp == '<' ? "&lt;" : cp == '>' ? "&gt;" :
				      cp == '"' ? "&quot;" : cp == '\'' ? "&apos;" : NULL;
			else if (json)
				ent = cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : NULL;
			else if (ctx == CR_ESC_CSV && quote)
				ent = cp == '"' ? "\"\"" : NULL;
			rc = ent ? cr_buf_add(b, ent, strlen(ent)) : cr_buf_add(b, p + i, 1);
			i++;
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff) {
			rc = cr_buf_addf(b, "\\u%04x", (unsigned)cp);
			i += l;
		} else {
			rc = cr_buf_add(b, p + i, l);
			i += l;
		}
		if (rc)
			goto nomem;
	}
	if (lim < n && cr_buf_add(b, "...", 3))
		goto nomem;
	if (quote && cr_buf_add(b, "\"", 1))
		goto nomem;
	return CR_OK;
nomem:
	b->len = start;
	return CR_NOMEM;
}

void cr_fput_escaped(FILE *f, const char *s, size_t n, size_t max, enum cr_escape_ctx ctx)
{
	/* fast path: printable ASCII with nothing the context quotes (C++
	 * names, full of '<', ',' and '&', are written as they are in JSON
	 * and on a terminal) */
	/* the bytes each context quotes, as bits of the two 64-bit halves
	 * of ASCII: controls and DEL always, and '"' '\\' for JSON, ',' '"'
	 * for CSV, '&' '<' '>' '"' '\'' for XML, all of those otherwise */
#define Q(c) ((uint64_t)1 << ((c) & 63))
	static const uint64_t stops[][2] = {
		[CR_ESC_TERM] = { 0xffffffffu, Q(127) },
		[CR_ESC_JSON] = { 0xffffffffu | Q('"'), Q(127) | Q('\\') },
		[CR_ESC_CSV] = { 0xffffffffu | Q(',') | Q('"'), Q(127) },
		[CR_ESC_XML] = { 0xffffffffu | Q('&') | Q('<') | Q('>') | Q('"') | Q('\''), Q(127) },
	};
	static const uint64_t other[2] = { 0xffffffffu | Q('"') | Q('&') | Q('<') | Q('>') | Q('\'') | Q(','),
					   Q(127) | Q('\\') };
#undef Q
	const uint64_t *stop = (unsigned)ctx < sizeof stops / sizeof *stops ? stops[ctx] : other;
	const unsigned char *p = (const unsigned char *)s;
	size_t i, lim = n < max ? n : max;
	for (i = 0; i < lim; i++) {
		unsigned c = p[i];
		if (c >= 0x80 || (stop[c >> 6] >> (c & 63) & 1))
			break;
	}
	if (i == n && !(ctx == CR_ESC_CSV && n && (formula_start(p[0]) || p[0] == ' ' || p[n - 1] == ' '))) {
		fwrite(s, 1, n, f);
		return;
	}
	struct cr_buf b = { 0 };
	if (cr_escape(&b, s, n, max, ctx) == CR_OK)
		fwrite(b.data, 1, b.len, f);
	else
		fputs("?", f);
	cr_buf_release(&b);
}
