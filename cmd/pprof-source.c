/* coroner pprof -list (and -disasm): the annotated source and assembly
 * listings, computed in lib/report/pprof_source.c, printed as pprof
 * prints them (or as JSON). */
#include "pprof-cmd.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pprof's valueOrDot */
static void value_or_dot(const struct cr_pprof_opts *o, const char *unit, int64_t v, char *out, size_t n)
{
	if (v == 0)
		snprintf(out, n, ".");
	else
		cr_pprof_format(o, unit, v, out, n);
}

static void print_list_text(const struct cr_srclist *l, const struct cr_pprof_opts *o)
{
	char a[64], b[64], pc[32];
	cr_pprof_format(o, l->sample_unit, l->total, a, sizeof a);
	printf("Total: %s\n", a);
	for (size_t i = 0; i < l->nroutines; i++) {
		const struct cr_src_routine *rt = &l->routines[i];
		if (!*rt->file) {
			fputs("No source information for ", stdout);
			cr_fputs_safe(stdout, rt->name);
			putchar('\n');
			continue;
		}
		fputs("ROUTINE ======================== ", stdout);
		cr_fputs_safe(stdout, rt->name);
		fputs(" in ", stdout);
		cr_fputs_safe(stdout, rt->file);
		putchar('\n');
		cr_pprof_format(o, l->sample_unit, rt->flat, a, sizeof a);
		cr_pprof_format(o, l->sample_unit, rt->cum, b, sizeof b);
		cr_units_percent(pc, sizeof pc, rt->cum, l->total);
		printf("%10s %10s (flat, cum) %s of Total\n", a, b, pc);
		if (rt->error) {
			fputs(" Error: ", stdout);
			cr_fputs_safe(stdout, rt->error);
			putchar('\n');
			continue;
		}
		for (size_t k = 0; k < rt->nlines; k++) {
			const struct cr_src_line *sl = &rt->lines[k];
			value_or_dot(o, l->sample_unit, sl->flat, a, sizeof a);
			value_or_dot(o, l->sample_unit, sl->cum, b, sizeof b);
			printf("%10s %10s %6lld:", a, b, (long long)sl->lineno);
			cr_fputs_safe(stdout, sl->text);
			putchar('\n');
		}
	}
}

static void print_list_json(const struct cr_srclist *l)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kstr(&j, "sample_type", l->sample_type);
	cr_json_kstr(&j, "unit", l->sample_unit);
	cr_json_kint(&j, "total", l->total);
	cr_json_key(&j, "routines");
	cr_json_arr(&j);
	for (size_t i = 0; i < l->nroutines; i++) {
		const struct cr_src_routine *rt = &l->routines[i];
		cr_json_obj(&j);
		cr_json_kstr(&j, "name", rt->name);
		cr_json_kstr(&j, "file", rt->file);
		cr_json_kint(&j, "flat", rt->flat);
		cr_json_kint(&j, "cum", rt->cum);
		if (rt->error)
			cr_json_kstr(&j, "error", rt->error);
		cr_json_key(&j, "lines");
		cr_json_arr(&j);
		for (size_t k = 0; k < rt->nlines; k++) {
			cr_json_obj(&j);
			cr_json_kint(&j, "line", rt->lines[k].lineno);
			cr_json_kint(&j, "flat", rt->lines[k].flat);
			cr_json_kint(&j, "cum", rt->lines[k].cum);
			cr_json_kstr(&j, "text", rt->lines[k].text);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

int cmd_pprof_list(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		   int64_t total)
{
	struct cr_error e = { 0 };
	struct cr_filter sym;
	memset(&sym, 0, sizeof sym);
	if (cr_filter_set(&sym, 0, r->symbol, &e))
		return cmd_symbol_regexp_error(r->symbol, &e);
	/* pprof searches the current directory when -source_path is not given */
	char cwd[4096];
	const char *search = r->source_path;
	if (!search || !*search)
		search = getcwd(cwd, sizeof cwd) ? cwd : ".";
	struct cr_srclist l;
	int rc = 0;
	if (cr_srclist_compute(&l, p, o, &sym.re[0], search, r->trim_path, total, &e)) {
		rc = cmd_error(&e);
	} else {
		if (l.nroutines == 0) {
			fprintf(stderr, "no matches found for regexp: %s\n", r->symbol);
			rc = 2;
		} else if (r->fmt == CR_FMT_JSON) {
			print_list_json(&l);
		} else {
			print_list_text(&l, o);
		}
		cr_srclist_release(&l);
	}
	cr_filter_release(&sym);
	return rc;
}
