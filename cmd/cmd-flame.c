/* coroner flame: an interactive SVG flame graph or folded stacks of any profile. */
#include "cmd.h"
#include "options.h"
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/flame.h"
#include "coroner/outfile.h"
#include "coroner/gort.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/filter.h"
#include "coroner/sym.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "flame",
	.usage = "coroner flame [options] PROFILE...\n"
		 "coroner flame [options] BINARY CORE",
	.about =
"Draw a flame graph of one or more profiles (merged): a self-contained SVG\n"
"(hover a frame for its name, value and share; click to zoom; Search or\n"
"Ctrl-F highlights frames matching a regex; --icicle hangs it from the top;\n"
"--sandwich=FUNC shows FUNC's callers above it and its callees below) or\n"
"the folded stacks that\n"
"flamegraph.pl and speedscope read. PROFILE is any profile coroner reads:\n"
"pprof protobuf (heap, allocs, cpu, goroutine, block, mutex), a Go debug=1\n"
"heap profile, a goroutine dump of any format, or a core dump with the\n"
"binary that produced it (its goroutines, one each); '-' reads stdin.\n",
	.epilogue =
"Frames are function names with inlined calls expanded, root first, as in\n"
"pprof's flame graph; folded values are the sums `go tool pprof -traces`\n"
"shows per stack.\n"
"\n"
"examples:\n"
"  coroner flame -o heap.svg heap.pb.gz\n"
"  coroner flame --format=folded allocs.pb.gz | flamegraph.pl > allocs.svg\n"
"  coroner flame --diff-base=before/heap.pb.gz -o growth.svg after/heap.pb.gz\n"
"  coroner flame -o goroutines.svg goroutine-dump.txt\n"
"  coroner flame -o core.svg ./server core.1234\n",
};

/* The path as given when short (so before/heap.pb.gz and after/heap.pb.gz
 * stay apart), else its last element. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	if (strlen(path) <= 48 || !s || !s[1])
		return path;
	return s + 1;
}

static void write_json(struct cr_flame *f, FILE *out)
{
	struct cr_json j;
	cr_json_init(&j, out, false);
	cr_json_obj(&j);
	cr_json_kstr(&j, "sample_type", f->sample_type);
	cr_json_kstr(&j, "unit", f->unit);
	cr_json_kint(&j, "total", f->nodes[0].value);
	if (f->has_base)
		cr_json_kint(&j, "base_total", f->nodes[0].base);
	cr_json_key(&j, "nodes");
	cr_json_arr(&j);
	for (size_t i = 0; i < f->nnodes; i++) {
		const struct cr_flame_node *n = &f->nodes[i];
		cr_json_obj(&j);
		cr_json_kint(&j, "id", (int64_t)i);
		cr_json_kint(&j, "parent", n->parent == CR_FLAME_NONE ? -1 : (int64_t)n->parent);
		cr_json_kstr(&j, "name", cr_strtab_get(&f->names, n->name));
		cr_json_kint(&j, "value", n->value);
		if (f->has_base)
			cr_json_kint(&j, "base", n->base);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

struct flame_args {
	const char *sample_index, *output, *diff_base, *title, *binary, *sandwich;
	bool icicle;
	int width;
	enum cr_format fmt;
	char **paths;
	int npaths;
};

/* --sandwich=FUNC: callers above, callees below. */
static int write_sandwich(struct cr_flame *f, const char *func, const struct cr_flame_svg_opts *o, FILE *out)
{
	struct cr_flame callers, callees;
	struct cr_error e = { 0 };
	int rc = 0;
	enum cr_err r1 = cr_flame_init(&callers), r2 = cr_flame_init(&callees);
	if (r1 || r2)
		cr_fail(&e, CR_NOMEM, "out of memory");
	char t[512];
	snprintf(t, sizeof t, "callers of %s (%s)", func, o->title ? o->title : "");
	struct cr_flame_svg_opts so = *o;
	so.title = t;
	if (e.code || cr_flame_sandwich(f, func, &callers, &callees, &e) ||
	    cr_flame_write_sandwich_svg(&callers, &callees, &so, out, &e))
		rc = cmd_error(&e);
	cr_flame_release(&callers);
	cr_flame_release(&callees);
	return rc;
}

static int flame_run(const struct flame_args *a, const struct cmd_filter_args *filt)
{
	const char *title = a->title;
	struct cr_error e = { 0 };
	struct cr_profile p, b;
	struct cmd_filters flt;
	struct cr_flame f;
	FILE *out = stdout;
	int rc = 0;
	memset(&flt, 0, sizeof flt);
	cr_profile_init(&p);
	cr_profile_init(&b);
	if (cr_flame_init(&f)) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		rc = cmd_error(&e);
		goto out;
	}
	if ((rc = cmd_filters_compile(filt, &flt, false)))
		goto out;
	if (cmd_load_profiles(&p, a->paths, a->npaths, a->binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	char *bp[1] = { (char *)a->diff_base };
	if (a->diff_base && cmd_load_profiles(&b, bp, 1, a->binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	int si = cr_profile_sample_index(&p, a->sample_index);
	int bsi = a->diff_base ? cr_profile_sample_index(&b, a->sample_index ? a->sample_index
						     : cr_profile_str(&p, p.types[si < 0 ? 0 : si].type)) : 0;
	if (si < 0 || bsi < 0) {
		const struct cr_profile *q = si < 0 ? &p : &b;
		rc = cmd_bad_sample_index("flame", a->sample_index, q->name ? q->name : "the profile", q);
		goto out;
	}
	cmd_progress("building the flame graph");
	f.first_seen_order = a->fmt == CR_FMT_JSON; /* the listing shows node ids */
	if (a->fmt == CR_FMT_SVG && !a->sandwich && !a->diff_base) {
		struct cr_flame_svg_opts po = { .width = a->width };
		cr_flame_prune_for_svg(&f, &po);
	}
	if (cr_profile_filter(&p, &flt.re, &e) || (a->diff_base && cr_profile_filter(&b, &flt.re, &e)) ||
	    cr_profile_filter_tags(&p, &flt.tag[0], &flt.tag[1], NULL, &e) ||
	    (a->diff_base && cr_profile_filter_tags(&b, &flt.tag[0], &flt.tag[1], NULL, &e)) ||
	    cr_flame_add(&f, &p, si, false, &e) || (a->diff_base && cr_flame_add(&f, &b, bsi, true, &e))) {
		rc = cmd_error(&e);
		goto out;
	}
	if (f.nodes[0].value == 0 && !(a->diff_base && f.nodes[0].base)) {
		cr_fail(&e, CR_EMPTY, "%s: no samples with a non-zero %s value", a->paths[0], f.sample_type);
		rc = cmd_error(&e);
		goto out;
	}
	struct cr_outfile of = { 0 };
	if (a->output && cr_outfile_open(&of, a->output, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (a->output)
		out = of.f;
	cmd_progress("writing the flame graph");
	if (a->fmt == CR_FMT_FOLDED) {
		if (cr_flame_write_folded(&f, out, &e))
			rc = cmd_error(&e);
	} else if (a->fmt == CR_FMT_JSON) {
		write_json(&f, out);
	} else {
		char t[512], sub[512], tot[64], btot[64];
		if (!title) {
			snprintf(t, sizeof t, "%s: %s%s", base_name(a->paths[0]), f.sample_type,
				 a->npaths > 1 ? " (merged)" : "");
			title = t;
		}
		if (!strcmp(f.unit, "bytes")) {
			cr_units_bytes(tot, sizeof tot, f.nodes[0].value);
			cr_units_bytes(btot, sizeof btot, f.nodes[0].base);
		} else {
			snprintf(tot, sizeof tot, "%lld %s", (long long)f.nodes[0].value, f.unit);
			snprintf(btot, sizeof btot, "%lld %s", (long long)f.nodes[0].base, f.unit);
		}
		if (a->diff_base)
			snprintf(sub, sizeof sub, "total %s; base %s: %s (red grew, blue shrank)", tot,
				 base_name(a->diff_base), btot);
		else
			snprintf(sub, sizeof sub, "total %s in %zu samples", tot, p.nsamples);
		struct cr_flame_svg_opts so = { .title = title, .subtitle = sub, .width = a->width,
						.icicle = a->icicle };
		if (a->sandwich)
			rc = write_sandwich(&f, a->sandwich, &so, out);
		else if (cr_flame_write_svg(&f, &so, out, &e))
			rc = cmd_error(&e);
	}
	if (a->output) {
		/* atomically: the previous file stays unless every byte is written */
		if (rc)
			cr_outfile_abort(&of);
		else if (cr_outfile_commit(&of, &e))
			rc = cmd_error(&e);
		out = stdout;
	}
out:
	cmd_progress_done();
	cr_flame_release(&f);
	cmd_filters_release(&flt);
	cr_profile_release(&p);
	cr_profile_release(&b);
	return rc;
}

int cmd_flame(int argc, char **argv)
{
	const char *sample_index = NULL, *output = NULL, *diff_base = NULL, *title = NULL, *binary = NULL;
	const char *sandwich = NULL;
	bool icicle = false;
	struct cmd_filter_args filt = { 0 };
	int64_t width = 1200;
	enum cr_format fmt = CR_FMT_SVG;
	struct cmd_option opts[] = {
		OPT_SAMPLE_INDEX(&sample_index, "value to draw (default: the profile's default, e.g. "
			         "inuse_space; alloc_space, alloc_objects, ...)"),
		OPT_STRING(0, "diff-base", &diff_base, "BASE",
			   "differential graph: widths are PROFILE, colour is PROFILE minus BASE (red grew, "
			   "blue shrank); with --format=folded, lines are \"stack BASE NEW\" (difffolded.pl's "
			   "format)"),
		OPT_OUTPUT(&output, "FILE", "write there instead of stdout"),
		OPT_FORMAT_ARGH(&fmt, CMD_FMT(SVG) | CMD_FMT(FOLDED) | CMD_FMT(JSON) | CMD_FMT(TEXT),
				"svg|folded|json",
				"svg (default); folded: \"root;...;leaf value\" one line per distinct stack; "
				"json: the tree as a flat node list (text is the same as folded)"),
		OPT_BOOL(0, "icicle", &icicle, "SVG: the root at the top, stacks hanging down"),
		OPT_STRING(0, "sandwich", &sandwich, "FUNC",
			   "SVG: the callers of FUNC (a flame graph above it) and its callees (an icicle "
			   "below it), summed over every call of FUNC"),
		OPT_STRING(0, "title", &title, "TEXT", "SVG title (default: file and sample type)"),
		OPT_INT("width", &width, "PIXELS", "SVG width (default 1200)", 100, 100000,
			"--width takes a number of pixels (100 to 100000)"),
		OPT_PPROF_FILTERS(&filt),
		OPT_BINARY(&binary, "symbolize addresses that carry no function names; the binary of a core"),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (fmt == CR_FMT_TEXT)
		fmt = CR_FMT_FOLDED;
	if (argi >= argc)
		return cmd_usage_error("flame", "no profile given");
	if (fmt == CR_FMT_SVG && !output && cmd_stdout_tty())
		return cmd_usage_error("flame", "not writing SVG to a terminal: use -o FILE.svg or redirect");
	if (sandwich && fmt != CR_FMT_SVG)
		return cmd_usage_error("flame", "--sandwich draws an SVG: leave out --format");
	struct flame_args a = { sample_index, output, diff_base, title, binary, sandwich, icicle, (int)width, fmt,
				argv + argi, argc - argi };
	return flame_run(&a, &filt);
}
