/* What the profile commands (top, flame) share after parsing: pprof's
 * filters compiled from their options, and the sample-index error. */
#include "cmd.h"
#include "options.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/top.h"

#include <string.h>

int cmd_regexp_error(const char *what, const struct cr_error *e)
{
	if (!cmd_pprof_words || !strstr(e->msg, "error parsing regexp: "))
		return cmd_error(e);
	if (what) {
		cr_fputs_safe(stderr, what);
		fputs(": ", stderr);
	}
	cr_fputs_safe(stderr, e->msg);
	fputc('\n', stderr);
	return 2;
}

int cmd_symbol_regexp_error(const char *symbol, const struct cr_error *e)
{
	struct cr_buf w = { 0 };
	cr_buf_addf(&w, "parsing argument regexp %s", symbol);
	int rc = cmd_regexp_error(w.data ? cr_buf_str(&w) : "parsing argument regexp", e);
	cr_buf_release(&w);
	return rc;
}

int cmd_filters_compile(const struct cmd_filter_args *a, struct cmd_filters *f, bool note)
{
	static const char *const what[5] = { "parsing focus regexp", "parsing ignore regexp", "parsing hide regexp",
					     "parsing show regexp", "parsing show_from regexp" };
	struct cr_error e = { 0 };
	memset(f, 0, sizeof *f);
	for (int k = 0; k < 5; k++)
		if (cr_filter_set(&f->re, k, a->re[k], &e))
			return cmd_regexp_error(what[k], &e);
	/* pprof says on stderr how it read a numeric tag filter */
	struct cr_buf nb = { 0 };
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++)
		if (cr_tagfilter_set(&f->tag[k], k ? "tagignore" : "tagfocus", a->tag[k], note ? &nb : NULL, &e))
			rc = cmd_regexp_error(NULL, &e);
	fputs(cr_buf_str(&nb), stderr);
	cr_buf_release(&nb);
	return rc;
}

void cmd_filters_release(struct cmd_filters *f)
{
	cr_filter_release(&f->re);
	cr_tagfilter_release(&f->tag[0]);
	cr_tagfilter_release(&f->tag[1]);
}

bool cmd_pprof_words;

/* Go's %q of s into b (the bytes Go would escape, escaped; UTF-8 kept) */
static void go_quote(struct cr_buf *b, const char *s)
{
	cr_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			cr_buf_addf(b, "\\%c", c);
		else if (c == '\n' || c == '\t' || c == '\r')
			cr_buf_addf(b, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		else if (c < 0x20 || c == 0x7f)
			cr_buf_addf(b, "\\x%02x", c);
		else
			cr_buf_add(b, (const char *)&c, 1);
	}
	cr_buf_add(b, "\"", 1);
}

int cmd_bad_sample_index(const char *cmd, const char *si, const char *where, const struct cr_profile *p)
{
	if (cmd_pprof_words) { /* pprof's own line (SampleIndexByName), exit 2 */
		struct cr_buf b = { 0 };
		int64_t n;
		if (si && cmd_parse_int(si, INT64_MIN, INT64_MAX, &n)) {
			cr_buf_addf(&b, "sample_index %s is outside the range [0..%zd]", si, (ssize_t)p->ntypes - 1);
		} else {
			cr_buf_add(&b, "sample_index ", 13);
			go_quote(&b, si ? si : "");
			cr_buf_add(&b, " must be one of: [", 18);
			for (size_t i = 0; i < p->ntypes; i++)
				cr_buf_addf(&b, "%s%s", i ? " " : "", cr_profile_str(p, p->types[i].type));
			cr_buf_add(&b, "]", 1);
		}
		cr_fputs_safe(stderr, cr_buf_str(&b));
		fputc('\n', stderr);
		cr_buf_release(&b);
		return 2;
	}
	struct cr_buf b = { 0 };
	for (size_t i = 0; i < p->ntypes; i++)
		cr_buf_addf(&b, "%s%s", i ? ", " : "", cr_profile_str(p, p->types[i].type));
	int rc = cmd_usage_error(cmd, "sample index '%s' not in %s (it has: %s)", si ? si : "", where,
				 cr_buf_str(&b));
	cr_buf_release(&b);
	return rc;
}
