/* Declarative command-line options: one table per command binds each option
 * to a variable and carries its help line; cmd_parse() parses argv with it
 * and prints --help from it.
 *
 * A command declares (locals, so entries can point at its variables):
 *
 *	static const struct cmd_spec spec = {
 *		.name = "leaks", .usage = "coroner leaks [options] SNAPSHOT...",
 *		.about = "...", .epilogue = "...examples...",
 *	};
 *	struct cmd_option opts[] = {
 *		OPT_BOOL(0, "no-goleak-rules", &noleak, "do not apply ..."),
 *		OPT_SHOWN_STACKS(&nodecount, &frames, "show at most N candidates ..."),
 *		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
 *		OPT_END(),
 *	};
 *	int argi;
 *	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
 *	// operands are argv[argi..argc); --help (exit 0) and usage errors
 *	// (exit 2) have returned
 *
 * Every spelling getopt_long accepts works: --opt=value, --opt value,
 * unambiguous prefixes, -x value / -xvalue for a short name; with
 * spec.one_dash (getopt_long_only) also -opt=value, as go tool pprof spells
 * its flags. -h and --help are always there. A bad option or value prints
 * one line and "(see 'coroner CMD --help')" and gives exit code 2.
 *
 * Shared groups (OPT_PPROF_FILTERS, OPT_SAMPLE_INDEX, OPT_OUTPUT,
 * OPT_BINARY, OPT_SHOWN_STACKS) are macros expanding to several entries,
 * bound to the caller's variables: every command spells and documents them
 * alike. */
#ifndef CORONER_CMD_OPTIONS_H
#define CORONER_CMD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "coroner/out.h"

enum cmd_opt_type {
	CMD_OPT_END,
	CMD_OPT_HEADING,  /* a heading in --help ("inputs:"); no option */
	CMD_OPT_STRING,   /* const char **value = the argument */
	CMD_OPT_BOOL,     /* bool *value = true (false with CMD_OPTF_CLEAR) */
	CMD_OPT_SET_INT,  /* int *value = set */
	CMD_OPT_INT,      /* int64_t *value = a decimal in [min, max] */
	CMD_OPT_DOUBLE,   /* double *value = a number in [min, max] */
	CMD_OPT_FORMAT,   /* enum cr_format *value, one of the mask in set */
	CMD_OPT_CALLBACK, /* cb(option, argument or NULL, parse state) */
	CMD_OPT_ALIAS,    /* another spelling of the option named alias_of */
	CMD_OPT_NOOP,     /* accepted and ignored (another tool's spelling) */
};

enum {
	CMD_OPTF_CLEAR = 1,       /* CMD_OPT_BOOL sets false */
	CMD_OPTF_SPACED_ARG = 2,  /* --help shows "--opt ARG" (not "--opt=ARG") */
	CMD_OPTF_TAKES_ARG = 4,   /* a hidden option (help NULL) with an argument */
};

struct cmd_parse_state {
	const char *cmd;  /* the command's name, for messages */
	int argc;
	char **argv;      /* a callback may take more operands (getopt's optind) */
};

struct cmd_option;
/* Returns 0, or an exit code (2) after printing a usage error. */
typedef int (*cmd_option_cb)(const struct cmd_option *o, const char *arg,
			     const struct cmd_parse_state *st);

struct cmd_option {
	enum cmd_opt_type type;
	int short_name;         /* 0: none */
	const char *long_name;  /* NULL: none (heading text for CMD_OPT_HEADING) */
	void *value;
	const char *argh;       /* the argument's name in --help; NULL: no argument */
	const char *help;       /* NULL: hidden from --help */
	unsigned flags;         /* CMD_OPTF_* */
	int64_t set;            /* SET_INT: the value; FORMAT: the allowed mask */
	int64_t lo, hi;         /* INT bounds */
	double min, max;        /* DOUBLE bounds */
	const char *err;        /* usage error for a bad value (default: "--NAME takes a number") */
	cmd_option_cb cb;
	const char *alias_of;   /* ALIAS: the long name it stands for */
};

#define OPT_END() { .type = CMD_OPT_END }
#define OPT_HEADING(text) { .type = CMD_OPT_HEADING, .long_name = (text) }
#define OPT_STRING(s, l, v, a, h) \
	{ .type = CMD_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h) }
#define OPT_BOOL(s, l, v, h) \
	{ .type = CMD_OPT_BOOL, .short_name = (s), .long_name = (l), .value = (v), .help = (h) }
#define OPT_CLEAR(s, l, v, h) \
	{ .type = CMD_OPT_BOOL, .short_name = (s), .long_name = (l), .value = (v), .help = (h), \
	  .flags = CMD_OPTF_CLEAR }
#define OPT_SET_INT(l, v, val, h) \
	{ .type = CMD_OPT_SET_INT, .long_name = (l), .value = (v), .set = (val), .help = (h) }
/* int64_t *v: a decimal in [lo, hi], else usage error e (NULL: "--NAME takes a number") */
#define OPT_INT(l, v, a, h, min_, max_, e) \
	{ .type = CMD_OPT_INT, .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .lo = (min_), .hi = (max_), .err = (e) }
#define OPT_DOUBLE(l, v, a, h, lo, hi, e) \
	{ .type = CMD_OPT_DOUBLE, .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .min = (lo), .max = (hi), .err = (e) }
#define OPT_CALLBACK(s, l, v, a, h, fn) \
	{ .type = CMD_OPT_CALLBACK, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), \
	  .help = (h), .cb = (fn) }
#define OPT_ALIAS(l, target) { .type = CMD_OPT_ALIAS, .long_name = (l), .alias_of = (target) }
#define OPT_NOOP(s, l) { .type = CMD_OPT_NOOP, .short_name = (s), .long_name = (l) }

/* --format=A|B: mask is CMD_FMT(TEXT) | CMD_FMT(JSON) ...; argh NULL: the
 * names in the mask, h NULL: no more than that */
#define CMD_FMT(x) (1u << CR_FMT_##x)
#define OPT_FORMAT(v, mask, h) \
	{ .type = CMD_OPT_FORMAT, .long_name = "format", .value = (v), .set = (mask), .help = (h) }
#define OPT_FORMAT_ARGH(v, mask, a, h) \
	{ .type = CMD_OPT_FORMAT, .long_name = "format", .value = (v), .set = (mask), .argh = (a), .help = (h) }

/* ---- shared groups ---- */

/* pprof's sample filters, as `go tool pprof` spells them */
struct cmd_filter_args {
	const char *re[5];   /* by enum cr_filter_kind: focus, ignore, hide, show, show_from */
	const char *tag[2];  /* tagfocus, tagignore */
};
#define OPT_PPROF_FILTERS(fa)                                                                      \
	OPT_STRING(0, "focus", &(fa)->re[0], "RE", "only samples with a frame matching RE (an extended regex)"), \
	OPT_STRING(0, "ignore", &(fa)->re[1], "RE", "drop samples with a frame matching RE"),                  \
	OPT_STRING(0, "hide", &(fa)->re[2], "RE", "drop frames matching RE from the stacks"),                  \
	OPT_STRING(0, "show", &(fa)->re[3], "RE", "keep only frames matching RE"),                             \
	OPT_STRING(0, "show-from", &(fa)->re[4], "RE", "drop the frames above the highest one matching RE"),     \
	OPT_STRING(0, "tagfocus", &(fa)->tag[0], "[KEY=]V",                                                    \
		   "pprof's tag filters: V a numeric range of a numeric label (64kb:, :1kb, 16b:256b) or regexes " \
		   "(comma-separated) over string labels"),                                                    \
	OPT_STRING(0, "tagignore", &(fa)->tag[1], "[KEY=]V", "drop the samples --tagfocus's V would keep")

/* -i, --sample-index=NAME|N */
#define OPT_SAMPLE_INDEX(v, h) OPT_STRING('i', "sample-index", (v), "NAME|N", (h))
/* -o, --output=FILE */
#define OPT_OUTPUT(v, a, h) OPT_STRING('o', "output", (v), (a), (h))
/* --binary=FILE: the binary that names address-only frames, or a core's */
#define OPT_BINARY(v, h) OPT_STRING(0, "binary", (v), "FILE", (h))
/* --nodecount=N --frames=N of the stack listings (goroutines, leaks) */
#define OPT_SHOWN_STACKS(nodecount, frames, nodecount_help)                                        \
	OPT_INT("nodecount", (nodecount), "N", (nodecount_help), 0, INT64_MAX, NULL),                      \
	OPT_INT("frames", (frames), "N", "frames shown per stack in text (default 12; 0 = all)", 0, INT64_MAX, NULL)

/* --granularity=G (value: int *, an enum cr_granularity) */
int cmd_opt_granularity(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st);

/* For a callback whose option takes two values (--core BIN CORE): the next
 * operand, taken from argv; NULL when there is none or it is an option. */
const char *cmd_parse_take_operand(const struct cmd_parse_state *st);

struct cmd_spec {
	const char *name;      /* "top" */
	const char *usage;     /* usage lines without "usage: ", '\n' between */
	const char *about;     /* the paragraphs between usage and options */
	const char *epilogue;  /* after the options: output shapes, notes, examples */
	bool one_dash;         /* long options with one dash too (pprof's spellings) */
};

/* Parse argv[1..argc) with opts (terminated by OPT_END()). Returns -1 and
 * sets *argi to the first operand, or an exit code: 0 after printing --help
 * to stdout, 2 after a usage error on stderr. */
int cmd_parse(const struct cmd_spec *spec, const struct cmd_option *opts, int argc, char **argv, int *argi);
/* cmd_parse(), returning its exit code from the calling command when it
 * is done (--help printed, or a usage error). */
#define CMD_PARSE_OR_RETURN(spec, opts, argc, argv, argi)                 \
	do {                                                              \
		int parse_rc_ = cmd_parse((spec), (opts), (argc), (argv), (argi)); \
		if (parse_rc_ >= 0)                                       \
			return parse_rc_;                                 \
	} while (0)
/* The --help text generated from spec and opts, on stdout. */
void cmd_print_help(const struct cmd_spec *spec, const struct cmd_option *opts);

/* ---- the checked number parsers (the whole string, no overflow) ---- */

/* A decimal integer in [min, max] (leading blanks and a sign allowed, as strtoll). */
bool cmd_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* A decimal number in [min, max] (not NaN). */
bool cmd_parse_double(const char *s, double min, double max, double *out);
/* A size like "256M", "4G", "4GiB", "1024" (bytes). */
bool cmd_parse_size(const char *s, size_t *out);

#endif
