/* What the profile commands (top, flame) share after parsing: pprof's
 * filters compiled from their options, and the sample-index error. */
#include "cmd.h"
#include "options.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/top.h"

#include <string.h>

int cmd_filters_compile(const struct cmd_filter_args *a, struct cmd_filters *f, bool note)
{
	struct cr_error e = { 0 };
	memset(f, 0, sizeof *f);
	for (int k = 0; k < 5; k++)
		if (cr_filter_set(&f->re, k, a->re[k], &e))
			return cmd_error(&e);
	/* pprof says on stderr how it read a numeric tag filter */
	struct cr_buf nb = { 0 };
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++)
		if (cr_tagfilter_set(&f->tag[k], k ? "tagignore" : "tagfocus", a->tag[k], note ? &nb : NULL, &e))
			rc = cmd_error(&e);
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

int cmd_bad_sample_index(const char *cmd, const char *si, const char *where, const struct cr_profile *p)
{
	struct cr_buf b = { 0 };
	for (size_t i = 0; i < p->ntypes; i++)
		cr_buf_addf(&b, "%s%s", i ? ", " : "", cr_profile_str(p, p->types[i].type));
	int rc = cmd_usage_error(cmd, "sample index '%s' not in %s (it has: %s)", si ? si : "", where,
				 cr_buf_str(&b));
	cr_buf_release(&b);
	return rc;
}
