/* The option engine: a command's table (options.h) turned into getopt_long's
 * arrays for parsing, and into its --help text. */
#include "options.h"
#include "cmd.h"
#include "coroner/filter.h"
#include "coroner/top.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTS 128
#define VAL_BASE 256 /* getopt vals above any short option character */

bool cmd_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno == ERANGE || v < min || v > max)
		return false;
	*out = (int64_t)v;
	return true;
}

bool cmd_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

bool cmd_parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return false; /* strtoull would take "-1" as a huge size */
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end || (shift && v > (~0ull >> shift)))
		return false;
	*out = (size_t)(v << shift);
	return true;
}

int cmd_opt_granularity(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	int g = cr_granularity_parse(arg);
	if (g < 0)
		return cmd_usage_error(st->cmd, "unknown granularity '%s'", arg);
	*(int *)o->value = g;
	return 0;
}

const char *cmd_parse_take_operand(const struct cmd_parse_state *st)
{
	if (optind >= st->argc || st->argv[optind][0] == '-')
		return NULL;
	return st->argv[optind++];
}

static bool takes_arg(const struct cmd_option *o)
{
	return o->argh || o->type == CMD_OPT_FORMAT || (o->flags & CMD_OPTF_TAKES_ARG) ||
	       o->type == CMD_OPT_STRING || o->type == CMD_OPT_INT || o->type == CMD_OPT_DOUBLE;
}

static bool hidden(const struct cmd_option *o)
{
	return o->type == CMD_OPT_ALIAS || o->type == CMD_OPT_NOOP || o->type == CMD_OPT_END ||
	       (!o->help && o->type != CMD_OPT_FORMAT && o->type != CMD_OPT_HEADING);
}

static const char *const format_names[] = { "text", "json", "csv", "svg", "folded", "html" };

/* "  -i, --sample-index=NAME|N" */
static size_t lead(const struct cmd_option *o, char *buf, size_t n)
{
	char fmts[64] = "";
	const char *argh = o->argh;
	if (o->type == CMD_OPT_FORMAT && !argh) {
		size_t k = 0;
		for (unsigned f = 0; f < sizeof format_names / sizeof *format_names; f++)
			if (o->set & (1u << f))
				k += (size_t)snprintf(fmts + k, sizeof fmts - k, "%s%s", k ? "|" : "", format_names[f]);
		argh = fmts;
	}
	int w;
	if (o->short_name && o->long_name)
		w = snprintf(buf, n, "  -%c, --%s", o->short_name, o->long_name);
	else if (o->short_name)
		w = snprintf(buf, n, "  -%c", o->short_name);
	else
		w = snprintf(buf, n, "      --%s", o->long_name);
	if (argh && w >= 0 && (size_t)w < n)
		w += snprintf(buf + w, n - (size_t)w, "%s%s", (o->flags & CMD_OPTF_SPACED_ARG) ? " " : "=", argh);
	return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}

/* help words from column col, lines of at most 80 columns */
static void wrap_help(const char *s, size_t col, size_t at)
{
	size_t c = at;
	bool first = true;
	while (*s) {
		if (*s == '\n') {
			printf("\n%*s", (int)col, "");
			c = col, first = true, s++;
			continue;
		}
		size_t w = strcspn(s, " \n");
		if (!first && c + 1 + w > 80) {
			printf("\n%*s", (int)col, "");
			c = col, first = true;
		}
		if (!first)
			putchar(' '), c++;
		fwrite(s, 1, w, stdout);
		c += w, first = false, s += w;
		while (*s == ' ')
			s++;
	}
	putchar('\n');
}

void cmd_print_help(const struct cmd_spec *spec, const struct cmd_option *opts)
{
	char buf[128];
	const char *u = spec->usage;
	for (bool first = true; *u; first = false) {
		size_t n = strcspn(u, "\n");
		printf("%s%.*s\n", first ? "usage: " : "       ", (int)n, u);
		u += n + (u[n] == '\n');
	}
	printf("\n%s", spec->about);
	size_t col = 0;
	for (const struct cmd_option *o = opts; o->type != CMD_OPT_END; o++) {
		size_t w = o->type == CMD_OPT_HEADING || hidden(o) || !o->help ? 0 : lead(o, buf, sizeof buf);
		if (w <= 27 && w > col)
			col = w;
	}
	col = col + 2 < 24 ? 24 : col + 2; /* long leads alone: their help on the next line */
	bool any = false;
	for (const struct cmd_option *o = opts; o->type != CMD_OPT_END; o++) {
		if (o->type == CMD_OPT_HEADING) {
			printf("%s%s\n", any ? "" : "\n", o->long_name);
			any = true;
			continue;
		}
		if (hidden(o))
			continue;
		if (!any)
			printf("\noptions:\n");
		any = true;
		size_t w = lead(o, buf, sizeof buf);
		fputs(buf, stdout);
		if (!o->help) {
			putchar('\n');
			continue;
		}
		if (w + 2 > col) {
			printf("\n%*s", (int)col, "");
			w = col;
		} else {
			printf("%*s", (int)(col - w), "");
			w = col;
		}
		wrap_help(o->help, col, w);
	}
	if (spec->epilogue)
		printf("\n%s", spec->epilogue);
}

/* Store one option's argument; returns 0 or an exit code. */
static int apply(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	switch (o->type) {
	case CMD_OPT_STRING: *(const char **)o->value = arg; return 0;
	case CMD_OPT_BOOL: *(bool *)o->value = !(o->flags & CMD_OPTF_CLEAR); return 0;
	case CMD_OPT_SET_INT: *(int *)o->value = (int)o->set; return 0;
	case CMD_OPT_INT:
		if (!cmd_parse_int(arg, o->lo, o->hi, (int64_t *)o->value))
			goto bad_number;
		return 0;
	case CMD_OPT_DOUBLE:
		if (!cmd_parse_double(arg, o->min, o->max, (double *)o->value))
			goto bad_number;
		return 0;
	case CMD_OPT_FORMAT:
		return cmd_parse_format(st->cmd, arg, (unsigned)o->set, (enum cr_format *)o->value) ? 0 : 2;
	case CMD_OPT_CALLBACK: return o->cb(o, arg, st);
	default: return 0;
	}
bad_number:
	if (o->err)
		return cmd_usage_error(st->cmd, "%s", o->err);
	return cmd_usage_error(st->cmd, "--%s takes a number", o->long_name);
}

int cmd_parse(const struct cmd_spec *spec, const struct cmd_option *opts, int argc, char **argv, int *argi)
{
	struct option lo[MAX_OPTS + 2];
	char shorts[2 * MAX_OPTS + 2];
	const struct cmd_option *by_val[MAX_OPTS] = { 0 };
	size_t nlo = 0, ns = 0;
	struct cmd_parse_state st = { spec->name, argc, argv };
	for (size_t i = 0; opts[i].type != CMD_OPT_END; i++) {
		const struct cmd_option *o = &opts[i], *t = o;
		if (i >= MAX_OPTS)
			abort(); /* a table larger than the engine's arrays: a programming error */
		if (o->type == CMD_OPT_HEADING)
			continue;
		if (o->type == CMD_OPT_ALIAS) {
			t = NULL;
			for (size_t k = 0; opts[k].type != CMD_OPT_END && !t; k++)
				if (opts[k].type != CMD_OPT_ALIAS && opts[k].long_name &&
				    !strcmp(opts[k].long_name, o->alias_of))
					t = &opts[k];
			if (!t)
				abort();
		}
		size_t ti = (size_t)(t - opts);
		by_val[ti] = t;
		if (o->long_name)
			lo[nlo++] = (struct option){ o->long_name, takes_arg(t) ? required_argument : no_argument,
						     NULL, VAL_BASE + (int)ti };
		if (o->short_name) {
			shorts[ns++] = (char)o->short_name;
			if (takes_arg(t))
				shorts[ns++] = ':';
		}
	}
	lo[nlo++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[nlo] = (struct option){ 0, 0, 0, 0 };
	shorts[ns++] = 'h';
	shorts[ns] = 0;

	optind = 1;
	int c;
	while ((c = spec->one_dash ? getopt_long_only(argc, argv, shorts, lo, NULL)
				   : getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct cmd_option *o = NULL;
		if (c == 'h') {
			cmd_print_help(spec, opts);
			return 0;
		}
		if (c >= VAL_BASE && c < VAL_BASE + MAX_OPTS)
			o = by_val[c - VAL_BASE];
		for (size_t i = 0; !o && c > 0 && c < VAL_BASE && opts[i].type != CMD_OPT_END; i++)
			if (opts[i].short_name == c)
				o = opts[i].type == CMD_OPT_ALIAS ? NULL : &opts[i];
		if (!o)
			return cmd_usage_error(spec->name, "bad option");
		int rc = apply(o, optarg, &st);
		if (rc)
			return rc;
	}
	*argi = optind;
	return -1;
}
