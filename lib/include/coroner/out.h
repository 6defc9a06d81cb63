/* Output layer: one table model rendered as text, JSON or CSV, a streaming
 * JSON writer for nested documents, escaping of untrusted strings, and
 * pprof's human units. Only cmd/ calls the printers, with the FILE it owns.
 */
#ifndef CORONER_OUT_H
#define CORONER_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "coroner/util.h"

enum cr_format { CR_FMT_TEXT, CR_FMT_JSON, CR_FMT_CSV, CR_FMT_SVG, CR_FMT_FOLDED, CR_FMT_HTML };
/* Parse "text", "json", "csv", ...; returns -1 if unknown. */
int cr_format_parse(const char *s);

/* ---- escaping (escape.c: the rules are there) ---- */
enum cr_escape_ctx {
	CR_ESC_TERM, /* a terminal: controls, invalid UTF-8 as \xNN */
	CR_ESC_JSON, /* inside a JSON string literal (no quotes added) */
	CR_ESC_CSV,  /* one whole CSV cell: RFC 4180 quoting, formulas neutralised with ' */
	CR_ESC_XML,  /* XML text or attribute value (SVG, HTML): entities, well-formed */
};
/* Append s[0..n) escaped for ctx to b; at most max bytes of input are
 * taken (then "..."). On CR_NOMEM b is left as it was. */
enum cr_err cr_escape(struct cr_buf *b, const char *s, size_t n, size_t max, enum cr_escape_ctx ctx);
/* The same written to f (a cell, a literal's content, XML text). */
void cr_fput_escaped(FILE *f, const char *s, size_t n, size_t max, enum cr_escape_ctx ctx);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if invalid
 * (overlong, surrogate, past U+10FFFF, cut); *cp gets the code point. */
size_t cr_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);

/* Append s[0..n) to b for a terminal: control bytes, ESC and invalid UTF-8
 * become \xNN; at most max bytes of input are taken (then "..."). */
enum cr_err cr_escape_text(struct cr_buf *b, const char *s, size_t n, size_t max);
/* Write s as a JSON string literal (quotes included); invalid UTF-8 -> U+FFFD. */
void cr_json_write_string(FILE *f, const char *s, size_t n);
/* Write s to f escaped for a terminal (cr_escape_text, no cap). */
void cr_fputs_safe(FILE *f, const char *s);
/* The same for n bytes (NULs shown as \x00). */
void cr_fwrite_safe(FILE *f, const char *s, size_t n);

/* ---- streaming JSON ---- */
struct cr_json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[64];
	bool after_key;
};
void cr_json_init(struct cr_json *j, FILE *f, bool pretty);
void cr_json_obj(struct cr_json *j);     /* { */
void cr_json_obj_end(struct cr_json *j); /* } */
void cr_json_arr(struct cr_json *j);     /* [ */
void cr_json_arr_end(struct cr_json *j); /* ] */
void cr_json_key(struct cr_json *j, const char *k);
void cr_json_str(struct cr_json *j, const char *s);
void cr_json_strn(struct cr_json *j, const char *s, size_t n);
void cr_json_int(struct cr_json *j, int64_t v);
void cr_json_uint(struct cr_json *j, uint64_t v);
void cr_json_double(struct cr_json *j, double v);
void cr_json_bool(struct cr_json *j, bool v);
void cr_json_null(struct cr_json *j);
void cr_json_hex(struct cr_json *j, uint64_t v); /* "0x..." string */
/* key + value shorthands */
void cr_json_kstr(struct cr_json *j, const char *k, const char *s);
void cr_json_kint(struct cr_json *j, const char *k, int64_t v);
void cr_json_kdouble(struct cr_json *j, const char *k, double v);
void cr_json_end(struct cr_json *j); /* final newline */

/* ---- tables ---- */
enum cr_align { CR_LEFT, CR_RIGHT };
enum cr_cell_kind { CR_CELL_STR, CR_CELL_INT, CR_CELL_DOUBLE, CR_CELL_NONE };
struct cr_cell {
	enum cr_cell_kind kind;
	int64_t i;
	double d;
	const char *text; /* what text/CSV shows (arena copy); JSON uses the value */
};
struct cr_col {
	const char *key;    /* JSON key; NULL = text only */
	const char *header; /* text header; NULL = JSON only */
	enum cr_align align;
};
struct cr_table {
	struct cr_arena arena;
	struct cr_col cols[16];
	size_t ncols;
	struct cr_cell *cells; /* nrows * ncols */
	size_t nrows, cap;
	size_t cur; /* next cell in the current row */
};
void cr_table_init(struct cr_table *t);
void cr_table_release(struct cr_table *t);
void cr_table_col(struct cr_table *t, const char *key, const char *header, enum cr_align a);
/* cr_table_init, then the columns cols[0..n): a fixed column list written
 * as data. */
void cr_table_init_cols(struct cr_table *t, const struct cr_col *cols, size_t n);
enum cr_err cr_table_row(struct cr_table *t);
/* Cells of the current row, left to right. text may be NULL (the value's
 * decimal form is shown). Strings are copied. */
enum cr_err cr_table_str(struct cr_table *t, const char *s);
enum cr_err cr_table_int(struct cr_table *t, int64_t v, const char *text);
enum cr_err cr_table_double(struct cr_table *t, double v, const char *text);
enum cr_err cr_table_none(struct cr_table *t);
/* Text: columns aligned, headers first, two spaces between columns;
 * untrusted strings escaped. */
void cr_table_print_text(const struct cr_table *t, FILE *f);
/* JSON: an array of objects with the columns that have keys. */
void cr_table_print_json(const struct cr_table *t, struct cr_json *j);
void cr_table_print_csv(const struct cr_table *t, FILE *f);

/* ---- pprof's units ---- */
/* pprof's measurement.ScaledLabel(v, unit, "minimum"-chosen out unit). */
void cr_units_scaled(char *out, size_t n, int64_t v, const char *from_unit, const char *to_unit);
/* pprof's measurement.Scale: scaled value and the canonical unit chosen. */
double cr_units_scale(int64_t v, const char *from_unit, const char *to_unit, const char **unit_out);
/* Whether both units are of one of pprof's kinds (bytes, time). */
bool cr_units_same_kind(const char *a, const char *b);
/* pprof's measurement.Percentage (e.g. "12.34%", "  100%", "0.012%"). */
void cr_units_percent(char *out, size_t n, int64_t v, int64_t total);
/* Bytes for people: "1.5 GiB", "12 KiB", "812 B". */
void cr_units_bytes(char *out, size_t n, int64_t v);

#endif
