/* coroner flame: an interactive SVG flame graph or folded stacks of any profile. */
#include "cmd.h"
#include "coroner/core.h"
#include "coroner/elf.h"
#include "coroner/flame.h"
#include "coroner/outfile.h"
#include "coroner/gort.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/report.h"
#include "coroner/sym.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(
"usage: coroner flame [options] PROFILE...\n"
"       coroner flame [options] BINARY CORE\n"
"\n"
"Draw a flame graph of one or more profiles (merged): a self-contained SVG\n"
"(hover a frame for its name, value and share; click to zoom; Search or\n"
"Ctrl-F highlights frames matching a regex) or the folded stacks that\n"
"flamegraph.pl and speedscope read. PROFILE is any profile coroner reads:\n"
"pprof protobuf (heap, allocs, cpu, goroutine, block, mutex), a Go debug=1\n"
"heap profile, a goroutine dump of any format, or a core dump with the\n"
"binary that produced it (its goroutines, one each); '-' reads stdin.\n"
"\n"
"options:\n"
"  -i, --sample-index=NAME|N  value to draw (default: the profile's default,\n"
"                             e.g. inuse_space; alloc_space, alloc_objects, ...)\n"
"      --diff-base=BASE       differential graph: widths are PROFILE, colour is\n"
"                             PROFILE minus BASE (red grew, blue shrank); with\n"
"                             --format=folded, lines are \"stack BASE NEW\"\n"
"                             (difffolded.pl's format)\n"
"  -o, --output=FILE          write there instead of stdout\n"
"      --format=svg|folded|json\n"
"                             svg (default); folded: \"root;...;leaf value\"\n"
"                             one line per distinct stack; json: the tree as\n"
"                             a flat node list (text is the same as folded)\n"
"      --title=TEXT           SVG title (default: file and sample type)\n"
"      --width=PIXELS         SVG width (default 1200)\n"
"      --focus=RE --ignore=RE --hide=RE --show=RE --show-from=RE\n"
"                             pprof's sample filters (extended regexes)\n"
"      --tagfocus=[KEY=]V --tagignore=[KEY=]V\n"
"                             pprof's tag filters (as coroner top's)\n"
"      --binary=FILE          symbolize addresses that carry no function names;\n"
"                             the binary of a core\n"
"\n"
"Frames are function names with inlined calls expanded, root first, as in\n"
"pprof's flame graph; folded values are the sums `go tool pprof -traces`\n"
"shows per stack.\n"
"\n"
"examples:\n"
"  coroner flame -o heap.svg heap.pb.gz\n"
"  coroner flame --format=folded allocs.pb.gz | flamegraph.pl > allocs.svg\n"
"  coroner flame --diff-base=before/heap.pb.gz -o growth.svg after/heap.pb.gz\n"
"  coroner flame -o goroutines.svg goroutine-dump.txt\n"
"  coroner flame -o core.svg ./server core.1234\n");
}


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

int cmd_flame(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_DIFFBASE, O_TITLE, O_WIDTH, O_FOCUS, O_IGNORE, O_HIDE, O_SHOW,
	       O_SHOWFROM, O_BINARY, O_TAGFOCUS, O_TAGIGNORE };
	static const struct option opts[] = {
		{ "sample-index", required_argument, 0, 'i' },
		{ "output", required_argument, 0, 'o' },
		{ "format", required_argument, 0, O_FORMAT },
		{ "diff-base", required_argument, 0, O_DIFFBASE },
		{ "title", required_argument, 0, O_TITLE },
		{ "width", required_argument, 0, O_WIDTH },
		{ "focus", required_argument, 0, O_FOCUS },
		{ "ignore", required_argument, 0, O_IGNORE },
		{ "hide", required_argument, 0, O_HIDE },
		{ "show", required_argument, 0, O_SHOW },
		{ "show-from", required_argument, 0, O_SHOWFROM },
		{ "tagfocus", required_argument, 0, O_TAGFOCUS },
		{ "tagignore", required_argument, 0, O_TAGIGNORE },
		{ "binary", required_argument, 0, O_BINARY },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *sample_index = NULL, *output = NULL, *diff_base = NULL, *title = NULL, *binary = NULL;
	const char *re[5] = { 0 }, *tagre[2] = { 0 };
	int width = 1200;
	enum cr_format fmt = CR_FMT_SVG;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:o:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'i': sample_index = optarg; break;
		case 'o': output = optarg; break;
		case O_FORMAT:
			if (!cmd_parse_format("flame", optarg,
					      1u << CR_FMT_SVG | 1u << CR_FMT_FOLDED | 1u << CR_FMT_JSON | 1u << CR_FMT_TEXT,
					      &fmt))
				return 2;
			if (fmt == CR_FMT_TEXT)
				fmt = CR_FMT_FOLDED;
			break;
		case O_DIFFBASE: diff_base = optarg; break;
		case O_TITLE: title = optarg; break;
		case O_WIDTH:
			width = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || width < 100 || width > 100000)
				return cmd_usage_error("flame", "--width takes a number of pixels (100 to 100000)");
			break;
		case O_FOCUS: re[CR_FOCUS] = optarg; break;
		case O_IGNORE: re[CR_IGNORE] = optarg; break;
		case O_HIDE: re[CR_HIDE] = optarg; break;
		case O_SHOW: re[CR_SHOW] = optarg; break;
		case O_SHOWFROM: re[CR_SHOW_FROM] = optarg; break;
		case O_TAGFOCUS: tagre[0] = optarg; break;
		case O_TAGIGNORE: tagre[1] = optarg; break;
		case O_BINARY: binary = optarg; break;
		case 'h': help(); return 0;
		default: return cmd_usage_error("flame", "bad option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error("flame", "no profile given");
	if (fmt == CR_FMT_SVG && !output && cmd_stdout_tty())
		return cmd_usage_error("flame", "not writing SVG to a terminal: use -o FILE.svg or redirect");

	struct cr_error e = { 0 };
	struct cr_profile p, b;
	struct cr_filter flt;
	struct cr_tagfilter tf[2];
	struct cr_flame f;
	FILE *out = stdout;
	int rc = 0;
	memset(&flt, 0, sizeof flt);
	memset(tf, 0, sizeof tf);
	cr_profile_init(&p);
	cr_profile_init(&b);
	if (cr_flame_init(&f)) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		rc = cmd_error(&e);
		goto out;
	}
	for (int k = 0; k < 5; k++)
		if (cr_filter_set(&flt, k, re[k], &e)) {
			rc = cmd_error(&e);
			goto out;
		}
	for (int k = 0; k < 2; k++)
		if (cr_tagfilter_set(&tf[k], k ? "tagignore" : "tagfocus", tagre[k], NULL, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
	if (cmd_load_profiles(&p, argv + optind, argc - optind, binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	char *bp[1] = { (char *)diff_base };
	if (diff_base && cmd_load_profiles(&b, bp, 1, binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	int si = cr_profile_sample_index(&p, sample_index);
	int bsi = diff_base ? cr_profile_sample_index(&b, sample_index ? sample_index
						     : cr_profile_str(&p, p.types[si < 0 ? 0 : si].type)) : 0;
	if (si < 0 || bsi < 0) {
		const struct cr_profile *q = si < 0 ? &p : &b;
		struct cr_buf types = { 0 };
		for (size_t i = 0; i < q->ntypes; i++)
			cr_buf_addf(&types, "%s%s", i ? ", " : "", cr_profile_str(q, q->types[i].type));
		rc = cmd_usage_error("flame", "sample index '%s' not in %s (it has: %s)",
				     sample_index ? sample_index : "", q->name ? q->name : "the profile",
				     cr_buf_str(&types));
		cr_buf_release(&types);
		goto out;
	}
	cmd_progress("building the flame graph");
	if (cr_profile_filter(&p, &flt, &e) || (diff_base && cr_profile_filter(&b, &flt, &e)) ||
	    cr_profile_filter_tags(&p, &tf[0], &tf[1], NULL, &e) ||
	    (diff_base && cr_profile_filter_tags(&b, &tf[0], &tf[1], NULL, &e)) ||
	    cr_flame_add(&f, &p, si, false, &e) || (diff_base && cr_flame_add(&f, &b, bsi, true, &e))) {
		rc = cmd_error(&e);
		goto out;
	}
	if (f.nodes[0].value == 0 && !(diff_base && f.nodes[0].base)) {
		cr_fail(&e, CR_EMPTY, "%s: no samples with a non-zero %s value", argv[optind], f.sample_type);
		rc = cmd_error(&e);
		goto out;
	}
	struct cr_outfile of = { 0 };
	if (output && cr_outfile_open(&of, output, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (output)
		out = of.f;
	cmd_progress("writing the flame graph");
	if (fmt == CR_FMT_FOLDED) {
		if (cr_flame_write_folded(&f, out, &e))
			rc = cmd_error(&e);
	} else if (fmt == CR_FMT_JSON) {
		write_json(&f, out);
	} else {
		char t[512], sub[512], tot[64], btot[64];
		if (!title) {
			snprintf(t, sizeof t, "%s: %s%s", base_name(argv[optind]), f.sample_type,
				 argc - optind > 1 ? " (merged)" : "");
			title = t;
		}
		if (!strcmp(f.unit, "bytes")) {
			cr_units_bytes(tot, sizeof tot, f.nodes[0].value);
			cr_units_bytes(btot, sizeof btot, f.nodes[0].base);
		} else {
			snprintf(tot, sizeof tot, "%lld %s", (long long)f.nodes[0].value, f.unit);
			snprintf(btot, sizeof btot, "%lld %s", (long long)f.nodes[0].base, f.unit);
		}
		if (diff_base)
			snprintf(sub, sizeof sub, "total %s; base %s: %s (red grew, blue shrank)", tot,
				 base_name(diff_base), btot);
		else
			snprintf(sub, sizeof sub, "total %s in %zu samples", tot, p.nsamples);
		struct cr_flame_svg_opts so = { .title = title, .subtitle = sub, .width = width };
		if (cr_flame_write_svg(&f, &so, out, &e))
			rc = cmd_error(&e);
	}
	if (output) {
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
	cr_filter_release(&flt);
	cr_tagfilter_release(&tf[0]);
	cr_tagfilter_release(&tf[1]);
	cr_profile_release(&p);
	cr_profile_release(&b);
	return rc;
}
