/* coroner diff: what grew between two snapshots, by input kind. */
#include "cmd.h"
#include "options.h"
#include "coroner/capture.h"
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/profile.h"
#include "coroner/retained.h"
#include "coroner/top.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "diff",
	.usage = "coroner diff [options] BASE NEW\n"
		 "coroner diff --retained A B C",
	.about =
"What grew between two snapshots. The kind of input is detected from content:\n"
"  heap/allocs/cpu profiles (pprof proto or debug=1 text): the rows and figures\n"
"      of `coroner top --diff-base=BASE NEW` (pprof's -diff_base), ranked by\n"
"      absolute change, with the total before, after and the change;\n"
"  goroutine dumps (any format, mixed): per stack bucket, as `coroner leaks`;\n"
"  smaps_rollup, status, memory.stat: field by field;\n"
"  smaps: per mapping label (Go arena, [heap], stacks, binary, files, ...).\n",
	.epilogue =
"examples:\n"
"  coroner diff heap-0900.pb.gz heap-1700.pb.gz\n"
"  coroner diff -o growth.pb.gz heap-0900.pb.gz heap-1700.pb.gz && go tool pprof -top growth.pb.gz\n"
"  coroner diff before/smaps after/smaps\n"
"  coroner diff --retained heap-a.pb.gz heap-b.pb.gz heap-c.pb.gz\n",
};

struct diff_opts {
	const char *sample_index;
	enum cr_granularity gran;
	int64_t nodecount;
	const char *output;
	enum cr_format fmt;
};

static int load(struct cr_profile *p, const char *path, struct cr_error *e)
{
	struct cr_buf warn = { 0 };
	enum cr_err rc = cr_profile_init(p);
	if (!rc)
		rc = cr_profile_load(p, path, &warn, e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	return rc ? cmd_error(e) : 0;
}

/* One top over p; rows by name for joining. */
static int top_of(struct cr_top *t, const struct cr_profile *p, const char *type_name,
		  const struct diff_opts *o, struct cr_error *e)
{
	struct cr_top_opts to = { .gran = o->gran, .nodefraction = 0, .total = -1 };
	to.sample_index = cr_profile_sample_index(p, type_name);
	if (to.sample_index < 0)
		return cr_fail(e, CR_USAGE, "%s: no sample type '%s'", p->name, type_name);
	return cr_top_compute(t, p, &to, e);
}

static const struct cr_top_row *find_row(const struct cr_top *t, const char *name)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	return NULL;
}

/* How the JSON of a profile diff and of a retained diff opens: its kind,
 * t's sample type, unit and total. */
static void json_open(struct cr_json *j, const char *kind, const struct cr_top *t)
{
	cr_json_init(j, stdout, true);
	cr_json_obj(j);
	cr_json_kstr(j, "kind", kind);
	cr_json_kstr(j, "sample_type", t->sample_type);
	cr_json_kstr(j, "unit", t->sample_unit);
	cr_json_kint(j, "total", t->total);
}

/* The "rows" array and the end of the JSON: t's first n rows, each with
 * the flat and cum of the same function in each of the nother other tops
 * ("flat_SUFFIX" for each, then "cum_SUFFIX"; 0 where it has none). */
static void json_rows_end(struct cr_json *j, const struct cr_top *t, size_t n, const struct cr_top *const *other,
			  const char *const *suffix, size_t nother)
{
	cr_json_key(j, "rows");
	cr_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		const struct cr_top_row *r = &t->rows[i], *o[2];
		cr_json_obj(j);
		cr_json_kstr(j, "name", r->name);
		cr_json_kint(j, "flat", r->flat);
		cr_json_kint(j, "cum", r->cum);
		for (size_t k = 0; k < nother && k < 2; k++)
			o[k] = find_row(other[k], r->name);
		for (int cum = 0; cum < 2; cum++) {
			for (size_t k = 0; k < nother && k < 2; k++) {
				char key[32];
				snprintf(key, sizeof key, "%s_%s", cum ? "cum" : "flat", suffix[k]);
				cr_json_kint(j, key, !o[k] ? 0 : cum ? o[k]->cum : o[k]->flat);
			}
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_obj_end(j);
	cr_json_end(j);
}

static void render_profile_json(const struct cr_top *t, const struct cr_top *tb, const struct cr_top *tn,
				size_t n)
{
	int64_t before = tb->total, after = tn->total, change = after - before;
	struct cr_json j;
	json_open(&j, "profile", t);
	cr_json_kint(&j, "before", before);
	cr_json_kint(&j, "after", after);
	cr_json_kint(&j, "change", change);
	const struct cr_top *other[] = { tb, tn };
	static const char *const suffix[] = { "before", "after" };
	json_rows_end(&j, t, n, other, suffix, 2);
}

static void render_profile_text(const struct cr_top *t, const struct cr_top *tb, const struct cr_top *tn,
				size_t n, const char *basep, const char *newp)
{
	int64_t before = tb->total, after = tn->total, change = after - before;
	char b1[64], b2[64], b3[64], pc[32];
	/* each figure in its own unit: a diff spans orders of magnitude */
#define FMT(v, buf) cr_units_scaled(buf, sizeof buf, (v), t->sample_unit, "minimum")
	FMT(before, b1);
	FMT(after, b2);
	FMT(change, b3);
	printf("Type: ");
	cr_fputs_safe(stdout, t->sample_type);
	putchar('\n');
	printf("%s -> %s: total %s -> %s, change %s%s", basep, newp, b1, b2, change > 0 ? "+" : "", b3);
	if (before) {
		printf(" (%+.1f%%)", 100.0 * (double)change / (double)before);
	}
	printf("\n");
	struct cr_table tab;
	static const struct cr_col cols[] = {
		{ "flat", "change", CR_RIGHT }, { "flat_pct", "%base", CR_RIGHT },
		{ "cum", "cum change", CR_RIGHT }, { "before", "before", CR_RIGHT },
		{ "after", "after", CR_RIGHT }, { "name", "function", CR_LEFT },
	};
	cr_table_init_cols(&tab, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < n; i++) {
		const struct cr_top_row *r = &t->rows[i];
		const struct cr_top_row *rb = find_row(tb, r->name), *rn = find_row(tn, r->name);
		char f[64], c[64], bb[64], aa[64];
		cr_units_scaled(f + 1, sizeof f - 1, r->flat, t->sample_unit, "minimum");
		f[0] = r->flat > 0 ? '+' : ' ';
		cr_units_scaled(c + 1, sizeof c - 1, r->cum, t->sample_unit, "minimum");
		c[0] = r->cum > 0 ? '+' : ' ';
		FMT(rb ? rb->flat : 0, bb);
		FMT(rn ? rn->flat : 0, aa);
		cr_units_percent(pc, sizeof pc, r->flat, t->total);
		cr_table_row(&tab);
		cr_table_int(&tab, r->flat, f[1] == '-' || f[0] == ' ' ? f + 1 : f);
		cr_table_str(&tab, pc);
		cr_table_int(&tab, r->cum, c[1] == '-' || c[0] == ' ' ? c + 1 : c);
		cr_table_str(&tab, bb);
		cr_table_str(&tab, aa);
		cr_table_str(&tab, r->name);
	}
#undef FMT
	cr_table_print_text(&tab, stdout);
	if (n < t->nrows)
		printf("(%zu more rows; --nodecount=0 shows all)\n", t->nrows - n);
	cr_table_release(&tab);
}

static int diff_profiles(const char *basep, const char *newp, const struct diff_opts *o)
{
	struct cr_error e = { 0 };
	struct cr_profile base, cur, merged;
	struct cr_top t, tb, tn;
	int rc = 0;
	memset(&t, 0, sizeof t);
	memset(&tb, 0, sizeof tb);
	memset(&tn, 0, sizeof tn);
	memset(&base, 0, sizeof base);
	memset(&cur, 0, sizeof cur);
	cr_profile_init(&merged);
	if ((rc = load(&base, basep, &e)) || (rc = load(&cur, newp, &e)))
		goto out;
	/* pprof's -diff_base over copies: base and cur are ranked on their own too */
	struct cr_profile nb;
	cr_profile_init(&nb);
	if (cr_profile_merge(&merged, &cur, &e) || cr_profile_merge(&nb, &base, &e)) {
		cr_profile_release(&nb);
		rc = cmd_error(&e);
		goto out;
	}
	enum cr_err dr = cr_profile_diff_base(&merged, &nb, true, &e);
	cr_profile_release(&nb);
	if (dr) {
		cr_fail(&e, CR_FORMAT, "%s and %s are profiles of different kinds", basep, newp);
		rc = cmd_error(&e);
		goto out;
	}
	struct cr_top_opts to = { .gran = o->gran, .nodefraction = 0, .total = -1 };
	to.sample_index = cr_profile_sample_index(&merged, o->sample_index);
	if (to.sample_index < 0) {
		rc = cmd_usage_error("diff", "sample index '%s' not in the profiles", o->sample_index);
		goto out;
	}
	const char *type = cr_profile_str(&merged, merged.types[to.sample_index].type);
	if (cr_top_compute(&t, &merged, &to, &e) || top_of(&tb, &base, type, o, &e) ||
	    top_of(&tn, &cur, type, o, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (o->output && cr_profile_write_pprof(&merged, o->output, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	cmd_report_after_profile(o->output);
	size_t n = cmd_shown(o->nodecount, t.nrows);
	if (o->fmt == CR_FMT_JSON)
		render_profile_json(&t, &tb, &tn, n);
	else
		render_profile_text(&t, &tb, &tn, n, basep, newp);
out:
	cr_top_release(&t);
	cr_top_release(&tb);
	cr_top_release(&tn);
	cr_profile_release(&merged);
	cr_profile_release(&base);
	cr_profile_release(&cur);
	return rc;
}

static int diff_retained(char **paths, const struct diff_opts *o)
{
	struct cr_error e = { 0 };
	struct cr_profile s[3], r;
	const struct cr_profile *sp[3] = { &s[0], &s[1], &s[2] };
	struct cr_top t;
	int rc = 0, loaded = 0;
	memset(&t, 0, sizeof t);
	memset(&r, 0, sizeof r);
	for (; loaded < 3; loaded++)
		if ((rc = load(&s[loaded], paths[loaded], &e)))
			goto out;
	if (cr_profile_retained(&r, sp, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	struct cr_top_opts to = { .gran = o->gran, .nodefraction = 0, .total = -1 };
	to.sample_index = cr_profile_sample_index(&r, o->sample_index ? o->sample_index : "retained_space_min");
	if (to.sample_index < 0) {
		rc = cmd_usage_error("diff", "with --retained, -i takes retained_space_min, retained_space_max, retained_objects_min or retained_objects_max");
		goto out;
	}
	int other = to.sample_index ^ 2; /* min <-> max of the same kind */
	if (cr_top_compute(&t, &r, &to, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	struct cr_top_opts to2 = to;
	struct cr_top t2;
	to2.sample_index = other;
	if (cr_top_compute(&t2, &r, &to2, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (o->output && cr_profile_write_pprof(&r, o->output, &e)) {
		cr_top_release(&t2);
		rc = cmd_error(&e);
		goto out;
	}
	cmd_report_after_profile(o->output);
	size_t n = cmd_shown(o->nodecount, t.nrows);
	if (o->fmt == CR_FMT_JSON) {
		struct cr_json j;
		json_open(&j, "retained", &t);
		cr_json_kint(&j, "total_bound", t2.total);
		const struct cr_top *bounds[] = { &t2 };
		static const char *const suffix[] = { "bound" };
		json_rows_end(&j, &t, n, bounds, suffix, 1);
	} else {
		char a[64], b[64];
		cr_top_format(&t, t.total, a, sizeof a);
		cr_top_format(&t2, t2.total, b, sizeof b);
		printf("Allocated between %s and %s, still in use at %s:\n", paths[0], paths[1], paths[2]);
		printf("%s: %s (the other bound: %s)\n", t.sample_type, a, b);
		struct cr_table tab;
		static const struct cr_col cols[] = {
			{ "flat", "flat", CR_RIGHT }, { "flat_bound", "bound", CR_RIGHT },
			{ "cum", "cum", CR_RIGHT }, { "name", "function", CR_LEFT },
		};
		cr_table_init_cols(&tab, cols, sizeof cols / sizeof *cols);
		for (size_t i = 0; i < n; i++) {
			const struct cr_top_row *o2 = find_row(&t2, t.rows[i].name);
			char f[64], g[64], c[64];
			cr_top_format(&t, t.rows[i].flat, f, sizeof f);
			cr_top_format(&t2, o2 ? o2->flat : 0, g, sizeof g);
			cr_top_format(&t, t.rows[i].cum, c, sizeof c);
			cr_table_row(&tab);
			cr_table_int(&tab, t.rows[i].flat, f);
			cr_table_int(&tab, o2 ? o2->flat : 0, g);
			cr_table_int(&tab, t.rows[i].cum, c);
			cr_table_str(&tab, t.rows[i].name);
		}
		cr_table_print_text(&tab, stdout);
		cr_table_release(&tab);
	}
	cr_top_release(&t2);
out:
	cr_top_release(&t);
	if (r.str.strs)
		cr_profile_release(&r);
	for (int i = 0; i < loaded; i++)
		cr_profile_release(&s[i]);
	return rc;
}

int cmd_diff_goroutines(const char *basep, const char *newp, enum cr_format fmt);
int cmd_diff_mem(const char *basep, const char *newp, enum cr_kind kind, enum cr_format fmt);

int cmd_diff(int argc, char **argv)
{
	struct diff_opts o = { .nodecount = -1, .fmt = CR_FMT_TEXT };
	int gran = CR_GRAN_FUNCTIONS;
	bool retained = false;
	struct cmd_option opts[] = {
		OPT_SAMPLE_INDEX(&o.sample_index, "value to compare (profiles; default as top)"),
		OPT_CALLBACK(0, "granularity", &gran, "G", "functions (default), filefunctions, lines, files",
			     cmd_opt_granularity),
		OPT_INT("nodecount", &o.nodecount, "N", "at most N rows (text on a terminal: 20)", INT64_MIN,
			INT64_MAX, NULL),
		OPT_OUTPUT(&o.output, "OUT.pb.gz", "write the difference as a profile ('-': to stdout, the report "
			   "then goes to stderr) (base samples negated and labelled pprof::base, as pprof does)"),
		OPT_BOOL(0, "retained", &retained, "three heap profiles A B C: what was allocated between A "
			 "and B and is still in use at C (bounds)"),
		OPT_FORMAT(&o.fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	o.gran = (enum cr_granularity)gran;
	int nargs = argc - argi;
	if (o.nodecount < 0)
		o.nodecount = (o.fmt == CR_FMT_TEXT && cmd_stdout_tty()) ? 20 : 0;
	if (retained) {
		if (nargs != 3)
			return cmd_usage_error("diff", "--retained takes three heap profiles A B C");
		return diff_retained(argv + argi, &o);
	}
	if (nargs != 2)
		return cmd_usage_error("diff", "takes two inputs: BASE NEW");
	const char *basep = argv[argi], *newp = argv[argi + 1];
	struct cr_error e = { 0 };
	bool gb, gn;
	enum cr_kind kb = cr_capture_kind(basep, false, &gb, &e);
	if (e.code)
		return cmd_error(&e);
	enum cr_kind kn = cr_capture_kind(newp, false, &gn, &e);
	if (e.code)
		return cmd_error(&e);
	bool gor_b = gb || kb == CR_KIND_GOROUTINE_TEXT || kb == CR_KIND_TRACEBACK;
	bool gor_n = gn || kn == CR_KIND_GOROUTINE_TEXT || kn == CR_KIND_TRACEBACK;
	if (gor_b || gor_n) {
		if (!(gor_b && gor_n)) {
			cr_fail(&e, CR_FORMAT, "%s is %s but %s is %s: nothing to compare",
				basep, gor_b ? "a goroutine dump" : cr_kind_article(kb), newp,
				gor_n ? "a goroutine dump" : cr_kind_article(kn));
			return cmd_error(&e);
		}
		return cmd_diff_goroutines(basep, newp, o.fmt);
	}
#define PROFILE_KIND(k) ((k) == CR_KIND_PPROF || (k) == CR_KIND_HEAP_TEXT || (k) == CR_KIND_PERF_SCRIPT || \
			 (k) == CR_KIND_FOLDED || (k) == CR_KIND_LEGACY_CPU || (k) == CR_KIND_OTHER_TEXT_PROFILE)
	if (PROFILE_KIND(kb) && PROFILE_KIND(kn))
		return diff_profiles(basep, newp, &o);
	if (kb != kn) {
		cr_fail(&e, CR_FORMAT, "%s is %s but %s is %s: nothing to compare", basep,
			cr_kind_article(kb), newp, cr_kind_article(kn));
		return cmd_error(&e);
	}
	switch (kb) {
	case CR_KIND_SMAPS_ROLLUP: case CR_KIND_SMAPS: case CR_KIND_STATUS: case CR_KIND_MEMORY_STAT:
	case CR_KIND_GO_METRICS:
		return cmd_diff_mem(basep, newp, kb, o.fmt);
	default:
		cr_fail(&e, CR_UNSUPPORTED, "%s: cannot diff a %s", basep, cr_kind_name(kb));
		return cmd_error(&e);
	}
}

/* Goroutine dumps: per stack bucket, exactly as `coroner leaks BASE NEW`. */
int cmd_diff_goroutines(const char *basep, const char *newp, enum cr_format fmt)
{
	char *av[] = { "leaks", fmt == CR_FMT_JSON ? "--format=json" : "--format=text",
		       (char *)basep, (char *)newp, NULL };
	return cmd_leaks(4, av);
}

/* smaps_rollup / status / memory.stat field by field; smaps per mapping label. */
int cmd_diff_mem(const char *basep, const char *newp, enum cr_kind kind, enum cr_format fmt)
{
	struct cr_error e = { 0 };
	struct cr_memsnap b, n;
	struct cr_memdiff d;
	struct cr_buf warn = { 0 };
	int rc = 0;
	cr_memsnap_init(&b);
	cr_memsnap_init(&n);
	cr_memdiff_init(&d);
	bool labels = kind == CR_KIND_SMAPS;
	if (cr_memsnap_load(&b, basep, &warn, &e) || cr_memsnap_load(&n, newp, &warn, &e) ||
	    (labels ? cr_memdiff_labels(&d, &b, &n, &e) : cr_memdiff_fields(&d, &b, &n, &e))) {
		cmd_warnings(cr_buf_str(&warn));
		rc = cmd_error(&e);
		goto out;
	}
	cmd_warnings(cr_buf_str(&warn));
	if (fmt == CR_FMT_JSON) {
		struct cr_json j;
		cr_json_init(&j, stdout, true);
		cr_json_obj(&j);
		cr_json_kstr(&j, "kind", cr_kind_name(kind));
		cr_json_key(&j, labels ? "labels" : "fields");
		cr_json_arr(&j);
		for (size_t i = 0; i < d.nrows; i++) {
			const struct cr_memdiff_row *r = &d.rows[i];
			cr_json_obj(&j);
			cr_json_kstr(&j, labels ? "label" : "name", r->name);
			cr_json_kint(&j, "base", r->base);
			cr_json_kint(&j, "new", r->new_);
			cr_json_kint(&j, "delta", r->delta);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
		cr_json_end(&j);
		goto out;
	}
	/* text: changed rows by size of the change, then a count of the rest */
	struct cr_table t;
	const struct cr_col cols[] = {
		{ NULL, labels ? "label (Rss)" : "field", CR_LEFT }, { NULL, "base", CR_RIGHT },
		{ NULL, "new", CR_RIGHT }, { NULL, "change", CR_RIGHT },
	};
	cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
	size_t same = 0;
	int64_t biggest = 0;
	const char *bigname = NULL;
	for (size_t i = 0; i < d.nrows; i++) {
		const struct cr_memdiff_row *r = &d.rows[i];
		if (r->delta == 0) {
			same++;
			continue;
		}
		char x[48], y[48], z[48];
		bool bytes = r->unit == CR_MU_BYTES;
		if (bytes) {
			cr_units_bytes(x, sizeof x, r->base);
			cr_units_bytes(y, sizeof y, r->new_);
			cr_units_bytes(z + 1, sizeof z - 1, r->delta);
		} else {
			snprintf(x, sizeof x, "%lld", (long long)r->base);
			snprintf(y, sizeof y, "%lld", (long long)r->new_);
			snprintf(z + 1, sizeof z - 1, "%lld", (long long)r->delta);
		}
		z[0] = '+';
		cr_table_row(&t);
		cr_table_str(&t, r->name);
		cr_table_str(&t, x);
		cr_table_str(&t, y);
		cr_table_str(&t, r->delta > 0 ? z : z + 1);
		if (bytes && llabs(r->delta) > llabs(biggest)) {
			biggest = r->delta;
			bigname = r->name;
		}
	}
	if (bigname) {
		char z[48];
		cr_units_bytes(z, sizeof z, biggest);
		printf("%s -> %s: %s changed most (%s%s)\n", basep, newp, bigname, biggest > 0 ? "+" : "", z);
	} else {
		printf("%s -> %s: no byte figure changed\n", basep, newp);
	}
	cr_table_print_text(&t, stdout);
	if (same)
		printf("(%zu unchanged %s not shown)\n", same, labels ? "labels" : "fields");
	cr_table_release(&t);
out:
	cr_buf_release(&warn);
	cr_memdiff_release(&d);
	cr_memsnap_release(&b);
	cr_memsnap_release(&n);
	return rc;
}
