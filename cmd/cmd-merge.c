/* coroner merge: many profiles into one, as `go tool pprof -proto a b c`. */
#include "cmd.h"
#include "coroner/input.h"
#include "coroner/profile.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
	printf(
"usage: coroner merge -o OUT.pb.gz [options] PROFILE...\n"
"\n"
"Merge profiles into one pprof profile (gzip), with pprof's semantics:\n"
"samples with the same stack and labels are summed; the earliest time is\n"
"kept and durations are summed. The sample types must be the same in every\n"
"profile. Merging merges gives the merge of all: a fleet too big for one\n"
"machine is merged in shards (xargs -P, GNU parallel, a batch job) and the\n"
"shards merged again. PROFILE is anything `coroner top` reads; '-' reads stdin.\n"
"\n"
"options:\n"
"  -o, --output=FILE          where to write the merged profile ('-': stdout);\n"
"                             written atomically (a temporary file renamed)\n"
"      --binary=FILE          symbolize addresses that carry no function names\n"
"      --format=text|json     the summary printed on stdout (with -o FILE)\n"
"\n"
"JSON: {\"profiles\", \"samples\", \"locations\", \"functions\", \"output\"}.\n"
"\n"
"examples:\n"
"  coroner merge -o fleet.pb.gz pod-*/heap.pb.gz\n"
"  ls pods/*.pb.gz | parallel -N 250 'coroner merge -o shard-{#}.pb.gz {}'\n"
"  coroner merge -o fleet.pb.gz shard-*.pb.gz\n");
}

int cmd_merge(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_BINARY };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "binary", required_argument, 0, O_BINARY },
		{ "format", required_argument, 0, O_FORMAT },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *output = NULL, *binary = NULL;
	enum cr_format fmt = CR_FMT_TEXT;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case O_BINARY: binary = optarg; break;
		case O_FORMAT:
			if (!cmd_parse_format("merge", optarg, 1u << CR_FMT_TEXT | 1u << CR_FMT_JSON, &fmt))
				return 2;
			break;
		case 'h': help(); return 0;
		default: return cmd_usage_error("merge", "bad option");
		}
	}
	if (!output)
		return cmd_usage_error("merge", "no output: give -o OUT.pb.gz ('-' for stdout)");
	if (optind >= argc)
		return cmd_usage_error("merge", "no profile given");
	if (strcmp(output, "-") == 0 && cmd_stdout_tty())
		return cmd_usage_error("merge", "not writing a profile to a terminal: use -o FILE or redirect");

	struct cr_error e = { 0 };
	struct cr_profile p;
	int rc = 0;
	if (cr_profile_init(&p)) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		return cmd_error(&e);
	}
	if (cmd_load_profiles(&p, argv + optind, argc - optind, binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (p.ntypes == 0) {
		cr_fail(&e, CR_EMPTY, "%s: profile has no sample types", cr_input_display_name(argv[optind]));
		rc = cmd_error(&e);
		goto out;
	}
	if (cr_profile_write_pprof(&p, output, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (strcmp(output, "-") == 0)
		goto out;
	if (fmt == CR_FMT_JSON) {
		struct cr_json j;
		cr_json_init(&j, stdout, true);
		cr_json_obj(&j);
		cr_json_kint(&j, "profiles", argc - optind);
		cr_json_kint(&j, "samples", (int64_t)p.nsamples);
		cr_json_kint(&j, "locations", (int64_t)p.nlocations);
		cr_json_kint(&j, "functions", (int64_t)p.nfunctions);
		cr_json_kstr(&j, "output", output);
		cr_json_obj_end(&j);
		cr_json_end(&j);
	} else {
		printf("merged %d profile%s: %zu samples, %zu locations, %zu functions -> ",
		       argc - optind, argc - optind == 1 ? "" : "s", p.nsamples, p.nlocations, p.nfunctions);
		cr_fputs_safe(stdout, output);
		putchar('\n');
	}
out:
	cr_profile_release(&p);
	return rc;
}
