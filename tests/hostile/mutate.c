/* Mutation harness: runs the CLI on truncated and corrupted copies of a real
 * input and checks coroner's promise on hostile input for each: no signal, no hang
 * (a time limit), bounded memory (RLIMIT_AS), and a message on stderr for
 * every non-zero exit.
 *
 * usage: mutate [-n COUNT] [-s SEED] [-t SECONDS] [-v KBYTES] [-o SAVEDIR] [-r BYTES] [-2]
 *               INPUT -- COMMAND ARGS...
 * ARGS contain @@ where the mutant's path goes. Mutants are deterministic
 * for a given SEED and INPUT (xorshift), so a failure is reproducible; it is
 * also saved to SAVEDIR (default: the current directory) as mutant-*.
 * -v 0 leaves the address space alone (needed under ASan); -r BYTES keeps
 * random edits in the first BYTES of the input (truncations go anywhere);
 * -2 makes exit 2 (usage) a failure: bad content should exit 1. Exit 0 when
 * every run kept the promise, 1 otherwise.
 */
/* memmem needs _GNU_SOURCE: set by meson (banned.h is included first) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static size_t below(size_t n) { return n ? (size_t)(next() % n) : 0; }

/* random edits land in the first `range` bytes (0 = anywhere): headers,
 * notes and tables of a big core rather than its memory */
static size_t range;
static int strict_usage; /* -2: exit 2 counts as a failure */

static const uint8_t interesting[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x0a, 0x0d, 0x1b, 0x20 };

/* One mutant of in[0..n) into out (capacity n*2+64); returns its length.
 * The first mutants are systematic truncations, then random edits. */
static size_t mutate(const uint8_t *in, size_t n, uint8_t *out, unsigned iter, char *what, size_t wn)
{
	static const unsigned fractions[] = { 0, 1, 2, 16, 64, 128, 192, 240, 255 };
	if (iter < sizeof fractions / sizeof *fractions) {
		size_t cut = fractions[iter] < 2 ? fractions[iter] : n * fractions[iter] / 256;
		if (cut > n)
			cut = n;
		memcpy(out, in, cut);
		snprintf(what, wn, "truncated at %zu of %zu", cut, n);
		return cut;
	}
	memcpy(out, in, n);
	size_t len = n;
	unsigned edits = 1 + (unsigned)below(8);
	int w = snprintf(what, wn, "%u edits:", edits);
	for (unsigned k = 0; k < edits && len; k++) {
		size_t at = below(range && range < len ? range : len);
		unsigned op = (unsigned)below(7);
		switch (op) {
		case 0: /* bit flip */
			out[at] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* interesting byte */
			out[at] = interesting[below(sizeof interesting)];
			break;
		case 2: { /* random run */
			size_t l = 1 + below(16);
			for (size_t i = at; i < len && i < at + l; i++)
				out[i] = (uint8_t)next();
			break;
		}
		case 3: { /* delete a chunk */
			size_t l = 1 + below(len - at < 256 ? len - at : 256);
			memmove(out + at, out + at + l, len - at - l);
			len -= l;
			break;
		}
		case 4: { /* duplicate a chunk (bounded growth) */
			size_t l = 1 + below(len - at < 256 ? len - at : 256);
			if (len + l > n * 2 + 64)
				break;
			memmove(out + at + l, out + at, len - at);
			len += l;
			break;
		}
		case 5: { /* 32-bit value: 0, -1, 2^31, a big one */
			static const uint32_t vals[] = { 0, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x10000u };
			uint32_t v = vals[below(5)];
			if (at + 4 <= len)
				memcpy(out + at, &v, 4);
			break;
		}
		case 6: /* truncate here */
			len = at;
			break;
		}
		if (w > 0 && (size_t)w < wn)
			w += snprintf(what + w, wn - (size_t)w, " %u@%zu", op, at);
	}
	return len;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	uint8_t *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			uint8_t *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	*n = len;
	return b;
}

int main(int argc, char **argv)
{
	unsigned count = 100, seconds = 20;
	unsigned long long seed = 1, vkb = 4000000;
	const char *save = ".";
	int opt;
	while ((opt = getopt(argc, argv, "+n:s:t:v:o:r:2")) != -1) {
		switch (opt) {
		case 'n': count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': vkb = strtoull(optarg, NULL, 10); break;
		case 'o': save = optarg; break;
		case '2': strict_usage = 1; break;
		case 'r': range = (size_t)strtoull(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (optind + 2 >= argc || strcmp(argv[optind + 1], "--") != 0) {
usage:
		fprintf(stderr, "usage: mutate [-n N] [-s SEED] [-t SECS] [-v KB] [-o DIR] [-r BYTES] [-2] INPUT -- CMD ARGS (@@ = mutant)\n");
		return 2;
	}
	const char *input = argv[optind];
	char **cmd = argv + optind + 2;
	int ncmd = argc - optind - 2;
	size_t n;
	uint8_t *in = read_all(input, &n);
	if (!in) {
		fprintf(stderr, "mutate: %s: %s\n", input, strerror(errno));
		return 2;
	}
	uint8_t *out = malloc(n * 2 + 64);
	char tmpl[] = "/tmp/coroner-mutate-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!out || !dir)
		return 2;
	char mpath[512], epath[512];
	const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
	snprintf(mpath, sizeof mpath, "%s/%s", dir, base);
	snprintf(epath, sizeof epath, "%s/stderr", dir);
	char **av = calloc((size_t)ncmd + 1, sizeof *av);
	for (int i = 0; i < ncmd; i++)
		av[i] = strcmp(cmd[i], "@@") == 0 ? mpath : cmd[i];

	/* the seed names the input too, so every input gets its own mutants */
	rng = seed * 0x9e3779b97f4a7c15ull ^ 0x2545f4914f6cdd1dull;
	for (const char *c = base; *c; c++)
		rng = (rng ^ (uint8_t)*c) * 0x100000001b3ull;
	if (!rng)
		rng = 1;
	unsigned failures = 0, refused = 0, accepted = 0, usage = 0;
	double worst = 0;
	for (unsigned it = 0; it < count; it++) {
		char what[256];
		size_t len = mutate(in, n, out, it, what, sizeof what);
		if (write_file(mpath, out, len) < 0) {
			fprintf(stderr, "mutate: %s: %s\n", mpath, strerror(errno));
			return 2;
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = fork();
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDWR);
			int efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(efd, 2);
			if (vkb) {
				struct rlimit rl = { (rlim_t)vkb * 1024, (rlim_t)vkb * 1024 };
				setrlimit(RLIMIT_AS, &rl);
			}
			alarm(seconds); /* SIGALRM kills a hung child */
			execv(av[0], av);
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (secs > worst)
			worst = secs;
		struct stat es;
		int has_msg = stat(epath, &es) == 0 && es.st_size > 0;
		const char *bad = NULL;
		char why[64];
		if (WIFSIGNALED(st)) {
			snprintf(why, sizeof why, "%s signal %d",
				 WTERMSIG(st) == SIGALRM ? "hang: killed after the time limit," : "killed by",
				 WTERMSIG(st));
			bad = why;
		} else if (WEXITSTATUS(st) > 3) {
			snprintf(why, sizeof why, "exit %d (not 0-3: sanitizer report?)", WEXITSTATUS(st));
			bad = why;
		} else if (WEXITSTATUS(st) != 0 && !has_msg) {
			bad = "non-zero exit without a message";
		}
		if (!bad && has_msg) {
			size_t en = 0;
			char *err = (char *)read_all(epath, &en);
			if (err) {
				/* sanitizers exit 1 too: look for their reports */
				if (memmem(err, en, "Sanitizer", 9) || memmem(err, en, "runtime error:", 14))
					bad = "sanitizer report";
				else if (WEXITSTATUS(st) != 0 && (en < 7 || memcmp(err, "coroner", 7) != 0))
					bad = "stderr does not start with a coroner message";
				free(err);
			}
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
			/* a usage error caused by file content: the input's fault should be 1 */
			usage++;
			if (strict_usage && !bad)
				bad = "exit 2 (usage) for a bad input";
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			accepted++;
		else
			refused++;
		if (bad) {
			failures++;
			char spath[600];
			snprintf(spath, sizeof spath, "%s/mutant-%s-s%llu-%u", save, base, seed, it);
			write_file(spath, out, len);
			fprintf(stderr, "FAIL %s mutant %u (%s): %s; saved as %s\n", base, it, what, bad, spath);
			char *err = NULL;
			size_t en = 0;
			if ((err = (char *)read_all(epath, &en))) {
				fprintf(stderr, "  stderr: %.*s\n", (int)(en > 600 ? 600 : en), err);
				free(err);
			}
		}
	}
	unlink(mpath);
	unlink(epath);
	rmdir(dir);
	printf("%s: %u mutants, %u accepted, %u refused (%u as usage errors), %u failures, slowest %.2f s\n",
	       base, count, accepted, refused, usage, failures, worst);
	free(in);
	free(out);
	free(av);
	return failures ? 1 : 0;
}
