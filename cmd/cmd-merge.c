/* coroner merge: many profiles into one, as `go tool pprof -proto a b c`. */
#include "cmd.h"
#include "options.h"
#include "coroner/input.h"
#include "coroner/profile.h"

#include <stdlib.h>
#include <string.h>

int cmd_merge(int argc, char **argv)
{
	static const struct cmd_spec spec = {
		.name = "merge",
		.usage = "coroner merge -o OUT.pb.gz [options] PROFILE...",
		.about =
"Merge profiles into one pprof profile (gzip), with pprof's semantics:\n"
"samples with the same stack and labels are summed; the earliest time is\n"
"kept and durations are summed. The sample types must be the same in every\n"
"profile. Merging merges gives the merge of all: a fleet too big for one\n"
"machine is merged in shards (xargs -P, GNU parallel, a batch job) and the\n"
"shards merged again. PROFILE is anything `coroner top` reads; '-' reads stdin.\n",
		.epilogue =
"JSON: {\"profiles\", \"samples\", \"locations\", \"functions\", \"output\"}.\n"
"\n"
"examples:\n"
"  coroner merge -o fleet.pb.gz pod-*/heap.pb.gz\n"
"  ls pods/*.pb.gz | parallel -N 250 'coroner merge -o shard-{#}.pb.gz {}'\n"
"  coroner merge -o fleet.pb.gz shard-*.pb.gz\n",
	};
	const char *output = NULL, *binary = NULL;
	enum cr_format fmt = CR_FMT_TEXT;
	struct cmd_option opts[] = {
		OPT_OUTPUT(&output, "FILE", "where to write the merged profile ('-': stdout); written "
			   "atomically (a temporary file renamed)"),
		OPT_BINARY(&binary, "symbolize addresses that carry no function names"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), "the summary printed on stdout (with -o FILE)"),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (!output)
		return cmd_usage_error("merge", "no output: give -o OUT.pb.gz ('-' for stdout)");
	if (argi >= argc)
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
	if (cmd_load_profiles(&p, argv + argi, argc - argi, binary, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (p.ntypes == 0) {
		cr_fail(&e, CR_EMPTY, "%s: profile has no sample types", cr_input_display_name(argv[argi]));
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
		cr_json_kint(&j, "profiles", argc - argi);
		cr_json_kint(&j, "samples", (int64_t)p.nsamples);
		cr_json_kint(&j, "locations", (int64_t)p.nlocations);
		cr_json_kint(&j, "functions", (int64_t)p.nfunctions);
		cr_json_kstr(&j, "output", output);
		cr_json_obj_end(&j);
		cr_json_end(&j);
	} else {
		printf("merged %d profile%s: %zu samples, %zu locations, %zu functions -> ",
		       argc - argi, argc - argi == 1 ? "" : "s", p.nsamples, p.nlocations, p.nfunctions);
		cr_fputs_safe(stdout, output);
		putchar('\n');
	}
out:
	cr_profile_release(&p);
	return rc;
}
