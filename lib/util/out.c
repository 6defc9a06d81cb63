#include "coroner/out.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <strings.h>

int cr_format_parse(const char *s)
{
	static const char *const names[] = { "text", "json", "csv", "svg", "folded", "html" };
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

enum cr_err cr_escape_text(struct cr_buf *b, const char *s, size_t n, size_t max)
{
	return cr_escape(b, s, n, max, CR_ESC_TERM);
}

void cr_fputs_safe(FILE *f, const char *s)
{
	cr_fwrite_safe(f, s, strlen(s));
}

void cr_fwrite_safe(FILE *f, const char *s, size_t n)
{
	cr_fput_escaped(f, s, n, n, CR_ESC_TERM);
}

void cr_json_write_string(FILE *f, const char *s, size_t n)
{
	putc('"', f);
	cr_fput_escaped(f, s, n, n, CR_ESC_JSON);
	putc('"', f);
}

/* ---- JSON ---- */
void cr_json_init(struct cr_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof *j);
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct cr_json *j)
{
	if (!j->pretty)
		return;
	static const char spaces[] = "\n                                                                ";
	size_t n = 1 + 2 * (size_t)j->depth; /* depth < 64 */
	if (n > sizeof spaces - 1) {
		putc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	} else
		fwrite(spaces, 1, n, j->f);
}

static void before_value(struct cr_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			putc(',', j->f);
		indent(j);
	}
	j->first[j->depth] = false;
}

static void open_(struct cr_json *j, char c)
{
	before_value(j);
	putc(c, j->f);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct cr_json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	putc(c, j->f);
}

void cr_json_obj(struct cr_json *j) { open_(j, '{'); }
void cr_json_obj_end(struct cr_json *j) { close_(j, '}'); }
void cr_json_arr(struct cr_json *j) { open_(j, '['); }
void cr_json_arr_end(struct cr_json *j) { close_(j, ']'); }

void cr_json_key(struct cr_json *j, const char *k)
{
	before_value(j);
	/* a short key with nothing to escape (every key coroner names) is
	 * written in one call */
	char b[64];
	size_t n = 0, len = strlen(k);
	if (len <= sizeof b - 4) {
		b[n++] = '"';
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)k[i];
			if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
				n = 0;
				break;
			}
			b[n++] = (char)c;
		}
	}
	if (n) {
		b[n++] = '"';
		b[n++] = ':';
		if (j->pretty)
			b[n++] = ' ';
		fwrite(b, 1, n, j->f);
	} else {
		cr_json_write_string(j->f, k, len);
		fputs(j->pretty ? ": " : ":", j->f);
	}
	j->after_key = true;
}

void cr_json_strn(struct cr_json *j, const char *s, size_t n)
{
	before_value(j);
	cr_json_write_string(j->f, s ? s : "", s ? n : 0);
}
void cr_json_str(struct cr_json *j, const char *s) { cr_json_strn(j, s, s ? strlen(s) : 0); }
/* v in base (10 or 16) into the end of b; where it starts */
static char *digits(char *end, uint64_t v, unsigned base)
{
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

void cr_json_int(struct cr_json *j, int64_t v)
{
	before_value(j);
	char b[24], *p = digits(b + sizeof b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10);
	if (v < 0)
		*--p = '-';
	fwrite(p, 1, (size_t)(b + sizeof b - p), j->f);
}

void cr_json_uint(struct cr_json *j, uint64_t v)
{
	before_value(j);
	char b[24], *p = digits(b + sizeof b, v, 10);
	fwrite(p, 1, (size_t)(b + sizeof b - p), j->f);
}
void cr_json_double(struct cr_json *j, double v)
{
	before_value(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}
void cr_json_bool(struct cr_json *j, bool v) { before_value(j); fputs(v ? "true" : "false", j->f); }
void cr_json_null(struct cr_json *j) { before_value(j); fputs("null", j->f); }
void cr_json_hex(struct cr_json *j, uint64_t v)
{
	before_value(j);
	char b[24], *end = b + sizeof b - 1, *p = digits(end, v, 16);
	*end = '"';
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	fwrite(p, 1, (size_t)(b + sizeof b - p), j->f);
}
void cr_json_kstr(struct cr_json *j, const char *k, const char *s) { cr_json_key(j, k); cr_json_str(j, s); }
void cr_json_kint(struct cr_json *j, const char *k, int64_t v) { cr_json_key(j, k); cr_json_int(j, v); }
void cr_json_kdouble(struct cr_json *j, const char *k, double v) { cr_json_key(j, k); cr_json_double(j, v); }
void cr_json_end(struct cr_json *j) { putc('\n', j->f); }

/* ---- tables ---- */
void cr_table_init(struct cr_table *t)
{
	memset(t, 0, sizeof *t);
	cr_arena_init(&t->arena);
}

void cr_table_release(struct cr_table *t)
{
	cr_arena_release(&t->arena);
	cr_free(t->cells);
	memset(t, 0, sizeof *t);
}

void cr_table_col(struct cr_table *t, const char *key, const char *header, enum cr_align a)
{
	if (t->ncols < 16)
		t->cols[t->ncols++] = (struct cr_col){ key, header, a };
}

void cr_table_init_cols(struct cr_table *t, const struct cr_col *cols, size_t n)
{
	cr_table_init(t);
	for (size_t i = 0; i < n; i++)
		cr_table_col(t, cols[i].key, cols[i].header, cols[i].align);
}

enum cr_err cr_table_row(struct cr_table *t)
{
	if (cr_grow(&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof *t->cells))
		return CR_NOMEM;
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof *t->cells);
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i].kind = CR_CELL_NONE;
	t->nrows++;
	t->cur = 0;
	return CR_OK;
}

static struct cr_cell *next_cell(struct cr_table *t)
{
	if (!t->nrows || t->cur >= t->ncols)
		return NULL;
	return &t->cells[(t->nrows - 1) * t->ncols + t->cur++];
}

enum cr_err cr_table_str(struct cr_table *t, const char *s)
{
	struct cr_cell *c = next_cell(t);
	if (!c)
		return CR_USAGE;
	c->kind = CR_CELL_STR;
	c->text = cr_arena_strndup(&t->arena, s ? s : "", s ? strlen(s) : 0);
	return c->text ? CR_OK : CR_NOMEM;
}

/* A number's cell: its value set by the caller, its text given or the
 * value's own. */
static enum cr_err num_cell(struct cr_table *t, enum cr_cell_kind kind, int64_t i, double d, const char *text)
{
	struct cr_cell *c = next_cell(t);
	char tmp[32];
	if (!c)
		return CR_USAGE;
	c->kind = kind;
	c->i = i;
	c->d = d;
	if (!text) {
		if (kind == CR_CELL_INT)
			snprintf(tmp, sizeof tmp, "%" PRId64, i);
		else
			snprintf(tmp, sizeof tmp, "%.2f", d);
		text = tmp;
	}
	c->text = cr_arena_strndup(&t->arena, text, strlen(text));
	return c->text ? CR_OK : CR_NOMEM;
}

enum cr_err cr_table_int(struct cr_table *t, int64_t v, const char *text)
{
	return num_cell(t, CR_CELL_INT, v, 0, text);
}

enum cr_err cr_table_double(struct cr_table *t, double v, const char *text)
{
	return num_cell(t, CR_CELL_DOUBLE, 0, v, text);
}

enum cr_err cr_table_none(struct cr_table *t)
{
	struct cr_cell *c = next_cell(t);
	if (!c)
		return CR_USAGE;
	c->kind = CR_CELL_NONE;
	c->text = "";
	return CR_OK;
}

/* display width of an escaped string: count UTF-8 code points */
static size_t width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}

void cr_table_print_text(const struct cr_table *t, FILE *f)
{
	size_t w[16] = { 0 };
	struct cr_buf *esc = cr_calloc(t->nrows * t->ncols + 1, sizeof *esc);
	if (!esc)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].header && width(t->cols[c].header) > w[c])
			w[c] = width(t->cols[c].header);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cr_cell *cell = &t->cells[r * t->ncols + c];
			struct cr_buf *b = &esc[r * t->ncols + c];
			const char *s = cell->text ? cell->text : "";
			cr_escape_text(b, s, strlen(s), 4096);
			if (t->cols[c].header && width(cr_buf_str(b)) > w[c])
				w[c] = width(cr_buf_str(b));
		}
	/* the last shown column is not padded on the right */
	size_t last = 0;
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].header)
			last = c;
	for (int hdr = 1; hdr >= 0; hdr--) {
		if (hdr) {
			bool any = false;
			for (size_t c = 0; c < t->ncols; c++)
				if (t->cols[c].header && *t->cols[c].header)
					any = true;
			if (!any)
				continue;
		}
		for (size_t r = 0; r < (hdr ? 1 : t->nrows); r++) {
			bool firstcol = true;
			for (size_t c = 0; c < t->ncols; c++) {
				if (!t->cols[c].header)
					continue;
				const char *s = hdr ? t->cols[c].header : cr_buf_str(&esc[r * t->ncols + c]);
				size_t sw = width(s), pad = w[c] > sw ? w[c] - sw : 0;
				if (!firstcol)
					fputs("  ", f);
				firstcol = false;
				if (t->cols[c].align == CR_RIGHT)
					fprintf(f, "%*s%s", (int)pad, "", s);
				else if (c == last)
					fputs(s, f);
				else
					fprintf(f, "%s%*s", s, (int)pad, "");
			}
			putc('\n', f);
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		cr_buf_release(&esc[i]);
	cr_free(esc);
}

void cr_table_print_json(const struct cr_table *t, struct cr_json *j)
{
	cr_json_arr(j);
	for (size_t r = 0; r < t->nrows; r++) {
		cr_json_obj(j);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cr_cell *cell = &t->cells[r * t->ncols + c];
			if (!t->cols[c].key)
				continue;
			cr_json_key(j, t->cols[c].key);
			switch (cell->kind) {
			case CR_CELL_STR: cr_json_str(j, cell->text); break;
			case CR_CELL_INT: cr_json_int(j, cell->i); break;
			case CR_CELL_DOUBLE: cr_json_double(j, cell->d); break;
			default: cr_json_null(j); break;
			}
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

static void csv_field(FILE *f, const char *s)
{
	cr_fput_escaped(f, s, strlen(s), strlen(s), CR_ESC_CSV);
}

void cr_table_print_csv(const struct cr_table *t, FILE *f)
{
	bool first = true;
	for (size_t c = 0; c < t->ncols; c++) {
		if (!t->cols[c].key)
			continue;
		if (!first)
			putc(',', f);
		first = false;
		csv_field(f, t->cols[c].key);
	}
	putc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		first = true;
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cr_cell *cell = &t->cells[r * t->ncols + c];
			if (!t->cols[c].key)
				continue;
			if (!first)
				putc(',', f);
			first = false;
			char tmp[40];
			switch (cell->kind) {
			case CR_CELL_INT: snprintf(tmp, sizeof tmp, "%" PRId64, cell->i); fputs(tmp, f); break;
			case CR_CELL_DOUBLE: snprintf(tmp, sizeof tmp, "%.6g", cell->d); fputs(tmp, f); break;
			case CR_CELL_STR: csv_field(f, cell->text); break;
			default: break;
			}
		}
		putc('\n', f);
	}
}

/* ---- pprof units (measurement package semantics) ---- */
struct unit {
	const char *canon;
	const char *aliases[4];
	double factor;
};
static const struct unit mem_units[] = {
	{ "B", { "b", "byte" }, 1 },
	{ "kB", { "kb", "kbyte", "kilobyte" }, 1024.0 },
	{ "MB", { "mb", "mbyte", "megabyte" }, 1048576.0 },
	{ "GB", { "gb", "gbyte", "gigabyte" }, 1073741824.0 },
	{ "TB", { "tb", "tbyte", "terabyte" }, 1099511627776.0 },
	{ "PB", { "pb", "pbyte", "petabyte" }, 1125899906842624.0 },
};
static const struct unit time_units[] = {
	{ "ns", { "ns", "nanosecond" }, 1 },
	{ "us", { "\xce\xbcs", "us", "microsecond" }, 1e3 },
	{ "ms", { "ms", "millisecond" }, 1e6 },
	{ "s", { "s", "sec", "second" }, 1e9 },
	{ "hrs", { "hour", "hr" }, 3600e9 },
};
/* Google Compute Units, pprof's third kind */
static const struct unit gcu_units[] = {
	{ "n*GCU", { "nanogcu" }, 1e-9 }, { "u*GCU", { "microgcu" }, 1e-6 }, { "m*GCU", { "milligcu" }, 1e-3 },
	{ "GCU", { "gcu" }, 1 },	  { "k*GCU", { "kilogcu" }, 1e3 },   { "M*GCU", { "megagcu" }, 1e6 },
	{ "G*GCU", { "gigagcu" }, 1e9 },  { "T*GCU", { "teragcu" }, 1e12 },  { "P*GCU", { "petagcu" }, 1e15 },
};
struct unit_type {
	const struct unit *u;
	size_t n;
	const struct unit *def;
};
static const struct unit time_default = { "s", { 0 }, 1e9 };
static const struct unit_type types[] = {
	{ mem_units, 6, &mem_units[0] },
	{ time_units, 5, &time_default },
	{ gcu_units, 9, &gcu_units[3] },
};

static const struct unit *sniff(const struct unit_type *ut, const char *name)
{
	char low[64];
	size_t n = strlen(name);
	if (n >= sizeof low)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	if (n > 2 && low[n - 1] == 's')
		low[n - 1] = 0;
	for (size_t i = 0; i < ut->n; i++) {
		if (strcmp(low, ut->u[i].canon) == 0)
			return &ut->u[i];
		for (int a = 0; a < 4 && ut->u[i].aliases[a]; a++)
			if (strcmp(low, ut->u[i].aliases[a]) == 0)
				return &ut->u[i];
	}
	return NULL;
}

bool cr_units_same_kind(const char *a, const char *b)
{
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
		if (sniff(&types[k], a) && sniff(&types[k], b))
			return true;
	return false;
}

double cr_units_scale(int64_t v, const char *from, const char *to, const char **unit_out)
{
	if (v < 0 && v != INT64_MIN) {
		double r = cr_units_scale(-v, from, to, unit_out);
		return -r;
	}
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
		const struct unit_type *ut = &types[k];
		const struct unit *fu = sniff(ut, from);
		if (!fu)
			continue;
		double x = (double)v * fu->factor;
		if (strcmp(to, "minimum") == 0 || strcmp(to, "auto") == 0) {
			double f = 0;
			const char *un = NULL;
			for (size_t i = 0; i < ut->n; i++)
				if (ut->u[i].factor >= f && x / ut->u[i].factor >= 1.0) {
					f = ut->u[i].factor;
					un = ut->u[i].canon;
				}
			if (f == 0) {
				*unit_out = ut->def->canon;
				return x / ut->def->factor;
			}
			*unit_out = un;
			return x / f;
		}
		const struct unit *tu = sniff(ut, to);
		if (!tu)
			tu = ut->def;
		*unit_out = tu->canon;
		return x / tu->factor;
	}
	if (!strcmp(to, "count") || !strcmp(to, "sample") || !strcmp(to, "unit") ||
	    !strcmp(to, "minimum") || !strcmp(to, "auto"))
		*unit_out = "";
	else
		*unit_out = to;
	return (double)v;
}

void cr_units_scaled(char *out, size_t n, int64_t v, const char *from, const char *to)
{
	const char *u;
	double x = cr_units_scale(v, from, to, &u);
	char num[64];
	snprintf(num, sizeof num, "%.2f", x);
	size_t l = strlen(num);
	if (l > 3 && strcmp(num + l - 3, ".00") == 0)
		num[l - 3] = 0;
	if (strcmp(num, "0") == 0 || strcmp(num, "-0") == 0) {
		snprintf(out, n, "0");
		return;
	}
	if (!*u || (u[0] >= 'a' && u[0] <= 'z' && !u[strspn(u, "abcdefghijklmnopqrstuvwxyz")])) {
		snprintf(out, n, "%s%s", num, u);
		return;
	}
	/* a unit the profile made up: escaped for the terminal */
	struct cr_buf b = { 0 };
	if (cr_escape(&b, u, strlen(u), 64, CR_ESC_TERM) == CR_OK)
		snprintf(out, n, "%s%.*s", num, (int)b.len, b.data);
	else
		snprintf(out, n, "%s?", num);
	cr_buf_release(&b);
}

void cr_units_percent(char *out, size_t n, int64_t v, int64_t total)
{
	double r = 0;
	if (total != 0)
		r = fabs((double)v / (double)total) * 100;
	if (r >= 99.95 && r <= 100.05)
		snprintf(out, n, "  100%%");
	else if (r >= 1.0)
		snprintf(out, n, "%5.2f%%", r);
	else
		snprintf(out, n, "%5.2g%%", r);
}

void cr_units_bytes(char *out, size_t n, int64_t v)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double x = (double)(v < 0 ? -(double)v : (double)v);
	int i = 0;
	while (x >= 1024 && i < 5) {
		x /= 1024;
		i++;
	}
	const char *sign = v < 0 ? "-" : "";
	if (i == 0)
		snprintf(out, n, "%s%.0f B", sign, x);
	else if (x < 10)
		snprintf(out, n, "%s%.2f %s", sign, x, u[i]);
	else if (x < 100)
		snprintf(out, n, "%s%.1f %s", sign, x, u[i]);
	else
		snprintf(out, n, "%s%.0f %s", sign, x, u[i]);
}
