/* coroner pprof's reports other than -top: the profiles loaded and
 * filtered as pprof does, the report computed in lib, printed as pprof
 * prints it (or as JSON). */
#include "pprof-cmd.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/top.h"

#include <stdlib.h>
#include <string.h>

/* PROFILE... merged, less a base; 0 or an exit code (printed) */
static int load(struct cr_profile *p, const struct cmd_pprof_req *r)
{
	struct cr_error e = { 0 };
	if (cmd_load_profiles(p, r->paths, r->npaths, NULL, &e))
		return cmd_error(&e);
	if (r->diff_base || r->base) {
		struct cr_profile b;
		cr_profile_init(&b);
		char *bp[1] = { (char *)(r->diff_base ? r->diff_base : r->base) };
		if (cmd_load_profiles(&b, bp, 1, NULL, &e)) {
			cr_profile_release(&b);
			return cmd_error(&e);
		}
		enum cr_err rc = cr_profile_diff_base(p, &b, r->diff_base != NULL, &e);
		cr_profile_release(&b);
		if (rc) {
			cr_fail(&e, rc, "%s: cannot combine with the base profile", r->paths[0]);
			return cmd_error(&e);
		}
	}
	if (p->ntypes == 0) {
		cr_fail(&e, CR_EMPTY, "%s: profile has no sample types", cr_input_display_name(r->paths[0]));
		return cmd_error(&e);
	}
	return 0;
}

/* pprof's warnings for filters that matched nothing */
static void filter_warnings(const struct cmd_filters *f, const struct cr_filter_matches *fm)
{
	const struct { bool set, matched; const char *what; } w[] = {
		{ f->re.set[CR_FOCUS], fm->focus, "Focus" }, { f->re.set[CR_IGNORE], fm->ignore, "Ignore" },
		{ f->re.set[CR_HIDE], fm->hide, "Hide" }, { f->re.set[CR_SHOW], fm->show, "Show" },
		{ f->re.set[CR_SHOW_FROM], fm->show_from, "ShowFrom" },
		{ f->tag[0].set, fm->tagfocus, "TagFocus" }, { f->tag[1].set, fm->tagignore, "TagIgnore" },
	};
	for (size_t k = 0; k < sizeof w / sizeof *w; k++)
		if (w[k].set && !w[k].matched)
			fprintf(stderr, "%s expression matched no samples\n", w[k].what);
}

/* Go's %Ns of s (padded to N runes on the left), escaped for a terminal */
static void put_padded(const char *s, int width)
{
	int runes = 0;
	for (const char *c = s; *c; c++)
		runes += ((unsigned char)*c & 0xc0) != 0x80;
	for (; runes < width; runes++)
		putchar(' ');
	cr_fputs_safe(stdout, s);
}

static void print_traces_text(const struct cr_traces *t, const struct cr_profile *p,
			      const struct cr_pprof_opts *o, int64_t total)
{
	static const char sep[] = "-----------+-------------------------------------------------------\n";
	char tot[64], v[64];
	struct cr_buf h = { 0 };
	cr_pprof_format(o, t->sample_unit, total, tot, sizeof tot);
	cr_profile_header(p, t->sample_type, t->sample_unit, total, tot, &h);
	fputs(cr_buf_str(&h), stdout);
	cr_buf_release(&h);
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cr_trace *tr = &t->traces[i];
		fputs(sep, stdout);
		for (uint32_t k = 0; k < tr->nlabels; k++) {
			put_padded(tr->labels[k].key, 10);
			fputs(":  ", stdout);
			cr_fputs_safe(stdout, tr->labels[k].values);
			putchar('\n');
		}
		cr_pprof_format(o, t->sample_unit, tr->value, v, sizeof v);
		for (uint32_t f = 0; f < tr->nframes; f++) {
			printf("%10s   ", f ? "" : v);
			cr_fputs_safe(stdout, t->names.name[t->frames[tr->frame_start + f]]);
			fputs(t->inl[tr->frame_start + f] ? " (inline)\n" : "\n", stdout);
		}
	}
	fputs(sep, stdout);
}

static void print_traces_json(const struct cr_traces *t)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kstr(&j, "sample_type", t->sample_type);
	cr_json_kstr(&j, "unit", t->sample_unit);
	cr_json_key(&j, "traces");
	cr_json_arr(&j);
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cr_trace *tr = &t->traces[i];
		cr_json_obj(&j);
		cr_json_kint(&j, "value", tr->value);
		cr_json_key(&j, "labels");
		cr_json_arr(&j);
		for (uint32_t k = 0; k < tr->nlabels; k++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "key", tr->labels[k].key);
			cr_json_kstr(&j, "values", tr->labels[k].values);
			cr_json_key(&j, "numeric");
			cr_json_bool(&j, tr->labels[k].numeric);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_key(&j, "frames");
		cr_json_arr(&j);
		for (uint32_t f = 0; f < tr->nframes; f++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "name", t->names.name[t->frames[tr->frame_start + f]]);
			cr_json_key(&j, "inline");
			cr_json_bool(&j, t->inl[tr->frame_start + f]);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* "%.1f%s" of pprof's measurement.Scale (-tags before go1.25) */
static void scale1(const struct cr_pprof_opts *o, const char *unit, int64_t v, char *out, size_t n)
{
	const char *u;
	double x = cr_units_scale(v, unit, o->unit && *o->unit ? o->unit : "minimum", &u);
	snprintf(out, n, "%.1f%s", x, u);
}

/* One value's "V (P%):" cell of -tags */
static void tag_cell(const struct cr_tags *t, const struct cr_tag_key *key, int64_t v,
		     const struct cr_pprof_opts *o, bool old, char *cell, size_t n)
{
	char a[64], pc[32];
	int64_t of = old ? key->total : t->total;
	if (old)
		scale1(o, t->sample_unit, v, a, sizeof a);
	else
		cr_pprof_format(o, t->sample_unit, v, a, sizeof a);
	if (of > 0) {
		cr_units_percent(pc, sizeof pc, v, of);
		snprintf(cell, n, "%s (%s):", a, pc);
	} else {
		snprintf(cell, n, "%s:", a);
	}
}

/* pprof prints -tags through a right-aligning tabwriter flushed at each
 * key's blank line: per key, the key cell and the " " cells of its values
 * share a column, the "V (P%):" cells another. */
static void print_tags_text(const struct cr_tags *t, const struct cr_pprof_opts *o)
{
	char a[64], b[64], pc[32], cell[128];
	bool old = cr_pprof_release && cr_pprof_release < 25; /* "Total 17.0", shares of the key */
	for (size_t k = 0; k < t->nkeys; k++) {
		const struct cr_tag_key *key = &t->keys[k];
		/* column 0: "KEY:" and " ", plus the padding of 1 */
		size_t kw = runes(key->key) + 1, w1 = 0, w0 = (kw > 1 ? kw : 1) + 1;
		for (size_t i = 0; i < key->nvalues; i++) {
			tag_cell(t, key, key->values[i].value, o, old, cell, sizeof cell);
			if (runes(cell) + 1 > w1)
				w1 = runes(cell) + 1;
		}
		for (size_t i = kw; i < w0; i++)
			putchar(' ');
		cr_fputs_safe(stdout, key->key);
		if (old) {
			scale1(o, t->sample_unit, key->total, a, sizeof a);
			printf(": Total %s\n", a);
		} else {
			cr_pprof_format(o, t->sample_unit, key->total, a, sizeof a);
			cr_pprof_format(o, t->sample_unit, t->total, b, sizeof b);
			if (t->total > 0) {
				cr_units_percent(pc, sizeof pc, key->total, t->total);
				printf(": Total %s of %s (%s)\n", a, b, pc);
			} else {
				printf(": Total %s of %s\n", a, b);
			}
		}
		for (size_t i = 0; i < key->nvalues; i++) {
			tag_cell(t, key, key->values[i].value, o, old, cell, sizeof cell);
			printf("%*s%*s ", (int)w0, " ", (int)w1, cell);
			cr_fputs_safe(stdout, key->values[i].name);
			putchar('\n');
		}
		putchar('\n');
	}
}

static void print_tags_json(const struct cr_tags *t)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kstr(&j, "sample_type", t->sample_type);
	cr_json_kstr(&j, "unit", t->sample_unit);
	cr_json_kint(&j, "total", t->total);
	cr_json_key(&j, "tags");
	cr_json_arr(&j);
	for (size_t k = 0; k < t->nkeys; k++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "key", t->keys[k].key);
		cr_json_kint(&j, "total", t->keys[k].total);
		cr_json_key(&j, "values");
		cr_json_arr(&j);
		for (size_t i = 0; i < t->keys[k].nvalues; i++) {
			cr_json_obj(&j);
			cr_json_kstr(&j, "value", t->keys[k].values[i].name);
			cr_json_kint(&j, "total", t->keys[k].values[i].value);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

int cmd_pprof_report(int which, const struct cmd_pprof_req *r)
{
	struct cr_pprof_opts o = { .gran = (enum cr_granularity)r->gran, .noinlines = r->noinlines,
				   .unit = r->unit, .merged = r->npaths > 1 || r->diff_base || r->base };
	/* before go1.21 pprof merged a single profile too */
	if (cr_pprof_release && cr_pprof_release < 21)
		o.merged = true;
	if (r->divide_by && (!cmd_parse_double(r->divide_by, -1e308, 1e308, &o.divide_by) || o.divide_by == 0)) {
		fprintf(stderr, "invalid value \"%s\" for flag -divide_by: parse error\n", r->divide_by);
		return 2;
	}
	struct cr_error e = { 0 };
	struct cr_profile p;
	struct cmd_filters f;
	struct cr_filter_matches fm;
	int rc;
	cr_profile_init(&p);
	if ((rc = cmd_filters_compile(r->filt, &f, true)) || (rc = load(&p, r)))
		goto out;
	o.sample_index = cr_profile_sample_index(&p, r->sample_index);
	if (o.sample_index < 0) {
		rc = cmd_bad_sample_index("pprof", r->sample_index, "the profile", &p);
		goto out;
	}
	if (o.merged && r->npaths == 1 && !r->diff_base && !r->base) {
		/* an old pprof's merge of one profile: its equal samples summed */
		struct cr_merger m;
		if (cr_merger_init(&m, &p, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		cr_merger_release(&m);
	}
	/* pprof's total: before the filters */
	int64_t total = cr_profile_total(&p, o.sample_index);
	if (cr_profile_filter_m(&p, &f.re, &fm, &e) || cr_profile_filter_tags(&p, &f.tag[0], &f.tag[1], &fm, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	filter_warnings(&f, &fm);
	if (which == 't') {
		struct cr_traces t;
		if (cr_traces_compute(&t, &p, &o, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		if (r->fmt == CR_FMT_JSON)
			print_traces_json(&t);
		else
			print_traces_text(&t, &p, &o, total);
		cr_traces_release(&t);
	} else {
		struct cr_tags t;
		if (cr_tags_compute(&t, &p, &o, total, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		if (r->fmt == CR_FMT_JSON)
			print_tags_json(&t);
		else
			print_tags_text(&t, &o);
		cr_tags_release(&t);
	}
out:
	cmd_filters_release(&f);
	cr_profile_release(&p);
	return rc;
}
