/* coroner: offline post-mortem analysis of Go services. */
#include "cmd.h"
#include "options.h"
#include "coroner/top.h"
#include "coroner/input.h"
#include "coroner/util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

const char *cmd_progname = "coroner";

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

/* The command table: one row per command (see cmd.h for the checklist). */
static const struct command commands[] = {
	{ "report", cmd_report, "diagnose a whole capture: ranked findings with evidence" },
	{ "top", cmd_top, "rank functions of profiles by flat/cum value (pprof -top)" },
	{ "diff", cmd_diff, "what grew between two snapshots of any kind" },
	{ "goroutines", cmd_goroutines, "group the goroutines of a dump by stack" },
	{ "leaks", cmd_leaks, "rank goroutine leak candidates across dumps" },
	{ "mem", cmd_mem, "the RSS ledger: where resident memory went" },
	{ "symbolize", cmd_symbolize, "addresses to function, file:line and inlined frames" },
	{ "core", cmd_core, "threads, goroutines and memory from an ELF core dump" },
	{ "heap", cmd_heap, "who keeps the memory: roots and retained bytes from a Go core" },
	{ "flame", cmd_flame, "flame graph (SVG) or folded stacks of a profile" },
	{ "net", cmd_net, "file descriptors, TCP sockets and network goroutines of captures" },
	{ "merge", cmd_merge, "merge profiles into one pprof profile (pprof -proto)" },
	{ "pprof", cmd_pprof, "go tool pprof's reports from its own command line (-top, -traces, -tags)" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: coroner [--max-inflate=SIZE] [--max-memory=SIZE] [--pprof-release=1.N] COMMAND [ARGS]\n"
		"\n"
		"Offline post-mortem analysis of Go services: profiles, goroutine dumps,\n"
		"/proc snapshots, GC traces, binaries and core dumps.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\n"
		"Every command takes --format=text|json and --help; '-' reads stdin; gzip and\n"
		"zstd inputs are detected from their content.\n"
		"\n"
		"examples:\n"
		"  coroner report testdata/capture/before testdata/capture/after\n"
		"  coroner top -i alloc_space heap.pb.gz\n"
		"  coroner flame -o heap.svg heap.pb.gz\n"
		"  coroner symbolize -e ./server 0x4b5a2a\n"
		"\n"
		"global options (before or after the command):\n"
		"  --max-inflate=SIZE  most bytes one compressed input may inflate to (256M)\n"
		"  --max-memory=SIZE   most bytes coroner may hold at once (4G)\n"
		"  --pprof-release=1.N print pprof's headers as that Go release's pprof did\n"
		"                      (the Time: layout changed in 1.24; default: newest)\n"
		"  --sysroot=DIR       read the libraries a core names from DIR ('/' for this\n"
		"                      machine); without it they are never opened\n"
		"\n"
		"exit codes: 0 done, 1 input unusable, 2 usage, 3 resource limit hit.\n"
		"Colour on a terminal unless NO_COLOR is set. 'coroner help COMMAND' or\n"
		"'coroner COMMAND --help' for each command; coroner(1) and docs/ for more.\n");
}

/* Edit distance (bounded: names are short) for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 31 || lb > 31)
		return 99;
	size_t d[32][32];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

static const char *closest_command(const char *c)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		const char *n = commands[i].name;
		size_t d = strncmp(n, c, strlen(c)) == 0 && *c ? 1 : distance(c, n);
		if (d < bd)
			bd = d, best = n;
	}
	return best;
}

int cmd_error(const struct cr_error *e)
{
	if (e->msg[0]) {
		/* messages quote input (paths, names): escaped for the terminal */
		fprintf(stderr, "%s: ", cmd_progname);
		cr_fputs_safe(stderr, e->msg);
		/* every out-of-memory message says which flag to raise */
		if (e->code == CR_NOMEM && !strstr(e->msg, "--max-memory")) {
			if (strstr(e->msg, "(limit "))
				fputs(" (raise --max-memory)", stderr);
			else
				fprintf(stderr, " (limit %zu bytes; raise --max-memory)", cr_limits.max_memory);
		}
		if (e->code != CR_NOMEM && cr_exit_code(e->code) == 1 && cr_mem_refused())
			fprintf(stderr, " (after an allocation was refused under the limit of %zu bytes: raise --max-memory)",
				cr_limits.max_memory);
		fputc('\n', stderr);
	} else
		fprintf(stderr, "%s: %s%s\n", cmd_progname, cr_strerror(e->code),
			e->code == CR_NOMEM || (cr_exit_code(e->code) == 1 && cr_mem_refused()) ? " (raise --max-memory)" : "");
	/* a failure that follows a refused allocation is the cap's, not the input's */
	int rc = cr_exit_code(e->code);
	return rc == 1 && cr_mem_refused() ? 3 : rc;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char msg[4096];
	fprintf(stderr, "%s %s: ", cmd_progname, cmd);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cr_fputs_safe(stderr, msg); /* may quote input (sample types, names) */
	fprintf(stderr, "\n(see '%s %s --help')\n", cmd_progname, cmd);
	return 2;
}

void cmd_report_after_profile(const char *output)
{
	if (!output || strcmp(output, "-") != 0)
		return;
	fflush(stdout);
	dup2(2, 1);
}

void cmd_warnings(const char *text)
{
	if (!text)
		return;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		if (n) {
			fprintf(stderr, "%s: warning: ", cmd_progname);
			cr_fwrite_safe(stderr, text, n);
			fputc('\n', stderr);
		}
		text += n + (nl ? 1 : 0);
	}
}

bool cmd_parse_format(const char *cmd, const char *arg, unsigned allowed, enum cr_format *out)
{
	int f = cr_format_parse(arg);
	if (f < 0 || !(allowed & (1u << f))) {
		cmd_usage_error(cmd, "unknown --format '%s'", arg);
		return false;
	}
	*out = (enum cr_format)f;
	return true;
}

int cmd_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "%s: writing output: %s\n", cmd_progname, strerror(errno));
		return rc ? rc : 1;
	}
	/* an answer given after the cap refused an allocation may lack what
	 * that allocation was for: exit 3, naming the flag */
	if (rc == 0 && cr_mem_refused()) {
		fprintf(stderr, "%s: warning: %zu allocation(s) refused under the limit of %zu bytes: the output may be "
				"incomplete (raise --max-memory)\n", cmd_progname, cr_mem_refused(), cr_limits.max_memory);
		return 3;
	}
	return rc;
}

bool cmd_stdout_tty(void) { return isatty(1) == 1; }

bool cmd_color(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	return cmd_stdout_tty() && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

/* Progress: two message buffers so the timer never reads one being written. */
static char progress_msg[2][256];
static volatile sig_atomic_t progress_cur = -1, progress_shown, progress_armed;
static struct timespec progress_start;

static void progress_tick(int sig)
{
	(void)sig;
	int c = progress_cur;
	if (c < 0)
		return;
	int saved = errno;
	const char *m = progress_msg[c];
	size_t n = strlen(m);
	/* " (12s)": elapsed time, formatted by hand (async-signal-safe) */
	char el[24];
	size_t k = sizeof el;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long secs = (long)(now.tv_sec - progress_start.tv_sec);
	el[--k] = ')';
	el[--k] = 's';
	do
		el[--k] = (char)('0' + secs % 10);
	while ((secs /= 10) > 0 && k > 3);
	el[--k] = '(';
	el[--k] = ' ';
	if (write(2, "\r\033[K", 4) >= 0 && write(2, m, n) >= 0 && write(2, el + k, sizeof el - k) >= 0)
		progress_shown = 1;
	errno = saved;
}

void cmd_progress(const char *fmt, ...)
{
	if (isatty(2) != 1)
		return;
	int next = progress_cur == 0 ? 1 : 0;
	va_list ap;
	int n = snprintf(progress_msg[next], sizeof progress_msg[next], "%s: ", cmd_progname);
	va_start(ap, fmt);
	vsnprintf(progress_msg[next] + n, sizeof progress_msg[next] - (size_t)n, fmt, ap);
	va_end(ap);
	/* keep it to one terminal line of plain bytes */
	for (char *p = progress_msg[next]; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	progress_msg[next][78] = 0;
	progress_cur = next;
	if (progress_shown)
		progress_tick(0);
	if (!progress_armed) {
		clock_gettime(CLOCK_MONOTONIC, &progress_start);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = progress_tick;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		struct itimerval it = { .it_interval = { 0, 500000 }, .it_value = { 1, 0 } };
		if (sigaction(SIGALRM, &sa, NULL) == 0 && setitimer(ITIMER_REAL, &it, NULL) == 0)
			progress_armed = 1;
	}
}

void cmd_progress_done(void)
{
	if (progress_armed) {
		struct itimerval it = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &it, NULL);
		progress_armed = 0;
	}
	progress_cur = -1;
	if (progress_shown) {
		if (write(2, "\r\033[K", 4) < 0)
			(void)0;
		progress_shown = 0;
	}
}


/* Global resource flags may appear anywhere before or after the command. */
static int take_global(int *argc, char **argv)
{
	int o = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		size_t *target = NULL;
		const char *val = NULL;
		if (strncmp(a, "--max-inflate=", 14) == 0)
			target = &cr_limits.max_inflate, val = a + 14;
		else if (strncmp(a, "--max-memory=", 13) == 0)
			target = &cr_limits.max_memory, val = a + 13;
		else if (strncmp(a, "--max-debug=", 12) == 0)
			target = &cr_limits.max_debug, val = a + 12;
		else if (strncmp(a, "--max-core-inflate=", 19) == 0)
			target = &cr_limits.max_core_inflate, val = a + 19;
		if (strncmp(a, "--pprof-release=", 16) == 0) {
			char *end;
			const char *v = a + 16;
			unsigned long minor = 0;
			if (strncmp(v, "go", 2) == 0)
				v += 2;
			if (strncmp(v, "1.", 2) == 0)
				minor = strtoul(v + 2, &end, 10);
			if (strncmp(v, "1.", 2) != 0 || end == v + 2 || (*end && *end != '.') || minor < 1 || minor > 999) {
				fprintf(stderr, "%s: bad release in '%s' (e.g. 1.23)\n", cmd_progname, a);
				return 2;
			}
			cr_pprof_release = (unsigned)minor;
			continue;
		}
		if (target) {
			if (!cmd_parse_size(val, target)) {
				fprintf(stderr, "%s: bad size in '%s' (e.g. 256M, 4G)\n", cmd_progname, a);
				return 2;
			}
			continue;
		}
		if (strncmp(a, "--sysroot=", 10) == 0 && a[10]) {
			cr_sysroot = a + 10;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Last line of defence: bound the address space (mmap'd inputs included). */
static void backstop(void)
{
#ifndef UNDER_ASAN
	struct rlimit rl;
	rlim_t want = (rlim_t)cr_limits.max_memory + ((rlim_t)64 << 30);
	if (getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want)) {
		rl.rlim_cur = want;
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
}

/* A mapped input that shrinks while read raises SIGBUS: name the file and
 * exit 1 (async-signal-safe: write(2) and _exit only). */
static void put_err(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(2, s, n);
		if (w <= 0)
			return;
		s += w, n -= (size_t)w;
	}
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	const char *name = si ? cr_mapping_find(si->si_addr) : NULL;
	put_err("coroner: ", 9);
	if (name) {
		for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
			if (*p < 0x20 || *p >= 0x7f) {
				char x[4] = { '\\', 'x', "0123456789abcdef"[*p >> 4], "0123456789abcdef"[*p & 15] };
				put_err(x, 4);
			} else
				put_err((const char *)p, 1);
		}
		put_err(": ", 2);
	}
	const char *m = "changed while reading (the file shrank under coroner; read a stable copy)\n";
	put_err(m, strlen(m));
	_exit(1);
}

static void catch_sigbus(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

int main(int argc, char **argv)
{
	if (take_global(&argc, argv))
		return 2;
	backstop();
	catch_sigbus();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		if (argc > 2 && strcmp(c, "help") == 0) {
			char *av[] = { argv[2], "--help", NULL };
			for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].fn(2, av);
		}
		usage(stdout);
		return cmd_finish(0);
	}
	if (!strcmp(c, "--version") || !strcmp(c, "version") || !strcmp(c, "-V")) {
		printf("coroner %s\n", CORONER_VERSION);
		printf("reads pprof profiles, Go heap/goroutine dumps, /proc memory files, gctrace logs,\n"
		       "ELF binaries (Go pclntab 1.2-1.20+, DWARF 2-5) and core dumps\n");
		return cmd_finish(0);
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(commands[i].name, c))
			return cmd_finish(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "%s: '%s' is not a command (see '%s --help')\n", cmd_progname, c, cmd_progname);
	const char *near = closest_command(c);
	if (near)
		fprintf(stderr, "\nThe most similar command is\n\t%s\n", near);
	return 2;
}
