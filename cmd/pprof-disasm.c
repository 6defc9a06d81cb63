/* coroner pprof -disasm: as the standalone pprof does it with binutils,
 * `nm -n` finds the symbols matching RE in the binaries the profile's
 * mappings name (the binary given before the profiles for the first one),
 * `objdump --disassemble` prints their instructions, each annotated with
 * the samples at its address (lib/report/pprof_disasm.c). The tools run
 * without a shell; their text is read under --max-inflate. */
#include "pprof-cmd.h"
#include "coroner/binary.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/profile.h"
#include "coroner/sym.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Start argv[0] (found on PATH) with one end of a new pipe as its fd
 * child_fd (0: we write its stdin; 1: we read its stdout), its stderr to
 * /dev/null when quiet. Returns our end of the pipe, or -1 with the error
 * in *err (ENOENT: the tool is not installed). */
int cmd_spawn_pipe(char *const argv[], int child_fd, bool quiet, pid_t *pid, int *err)
{
	int fd[2];
	if (pipe(fd) < 0) {
		*err = errno;
		return -1;
	}
	int theirs = fd[child_fd == 0 ? 0 : 1], ours = fd[child_fd == 0 ? 1 : 0];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, theirs, child_fd);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	*err = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(theirs);
	if (*err) {
		close(ours);
		return -1;
	}
	return ours;
}

/* The exit status of pid, waited for. */
int cmd_wait(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Run argv (found on PATH) and read its stdout into out. Returns 0, 1 when
 * it could not run or failed (said on stderr), 3 when its output passed the
 * cap. */
static int run_tool(char *const argv[], struct cr_buf *out)
{
	pid_t pid;
	int err, rd = cmd_spawn_pipe(argv, 1, true, &pid, &err);
	if (rd < 0) {
		if (err == ENOENT)
			fprintf(stderr, "%s: pprof -disasm: binutils' %s is not installed (install the binutils package)\n",
				cmd_progname, argv[0]);
		else
			fprintf(stderr, "%s: pprof -disasm: cannot run %s: %s\n", cmd_progname, argv[0], strerror(err));
		return 1;
	}
	int rc = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(rd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > cr_limits.max_inflate) {
			fprintf(stderr, "%s: pprof -disasm: %s printed more than --max-inflate (%zu bytes)\n", cmd_progname,
				argv[0], cr_limits.max_inflate);
			rc = 3;
			break;
		}
		if (cr_buf_add(out, chunk, (size_t)n)) {
			fprintf(stderr, "%s: out of memory\n", cmd_progname);
			rc = 1;
			break;
		}
	}
	close(rd);
	if (rc)
		kill(pid, SIGKILL);
	int st = cmd_wait(pid);
	if (!rc && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		rc = -1; /* the tool failed: the caller says what pprof says */
	return rc;
}

/* Go's strconv.ParseUint(s, 0, 64): 0x, 0o, 0b or a leading 0 set the base,
 * underscores between digits */
static bool go_parse_uint0(const char *s, uint64_t *v)
{
	unsigned base = 10;
	bool prefixed = false;
	if (s[0] == '0' && s[1]) {
		char c = (char)tolower((unsigned char)s[1]);
		base = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 8;
		s += c == 'x' || c == 'o' || c == 'b' ? 2 : 1;
		prefixed = true;
	}
	uint64_t x = 0;
	bool any = false, under_ok = prefixed; /* "_" after a prefix or a digit */
	for (; *s; s++) {
		if (*s == '_') {
			if (!under_ok)
				return false;
			under_ok = false;
			continue;
		}
		int d = isdigit((unsigned char)*s) ? *s - '0' : isalpha((unsigned char)*s) ? tolower(*s) - 'a' + 10 : 99;
		if (d >= (int)base || x > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		x = x * base + (uint64_t)d;
		any = true, under_ok = true;
	}
	if (!any && !(prefixed && base == 8)) /* "0" alone is 0 */
		return false;
	if (s[-1] == '_')
		return false;
	*v = x;
	return true;
}

/* pprof's relocation base of a file mapped at [start, limit) from offset:
 * start - offset + the executable segment's offset - its address (0 for an
 * executable loaded where it was linked) */
static uint64_t file_base(const char *path, const struct cr_mapping *m)
{
	struct cr_binary *b;
	struct cr_error e = { 0 };
	uint64_t base = 0;
	if (m->start == 0 || cr_binary_open(&b, path, &e))
		return 0;
	for (size_t i = 0; i < b->nsegments; i++) {
		const struct cr_elf_segment *s = &b->segments[i];
		if (s->type == 1 /* PT_LOAD */ && (s->flags & 1) /* PF_X */) {
			base = m->start - m->offset + s->offset - s->vaddr;
			break;
		}
	}
	cr_binary_close(b);
	return base;
}

struct dsym {
	const struct cr_dis_sym *sym;
	const char *path;
	struct cr_dis_range r;
};

static int cmp_dsym(const void *x, const void *y)
{
	const struct dsym *a = x, *b = y;
	int c = strcmp(a->sym->names[0], b->sym->names[0]);
	if (c)
		return c;
	return a->sym->start < b->sym->start ? -1 : a->sym->start > b->sym->start;
}

/* the instruction text, escaped, padded to 40 runes as Go's %-40s */
static void put_padded(struct cr_buf *b, const char *s, int width)
{
	size_t n = strlen(s), before = b->len;
	cr_escape(b, s, n, n, CR_ESC_TERM);
	int runes = 0;
	for (size_t i = before; i < b->len; i++)
		runes += ((unsigned char)b->data[i] & 0xc0) != 0x80;
	for (; runes < width; runes++)
		cr_buf_add(b, " ", 1);
}

static void put_value(struct cr_buf *b, const struct cr_pprof_opts *o, const char *unit, int64_t v)
{
	char t[64];
	if (v == 0)
		snprintf(t, sizeof t, ".");
	else
		cr_pprof_format(o, unit, v, t, sizeof t);
	cr_buf_addf(b, "%10s ", t);
}

static void routine_json(struct cr_json *j, const struct cr_dis_sym *s, const struct cr_dis_insts *in, int64_t flat,
			 int64_t cum)
{
	cr_json_obj(j);
	cr_json_kstr(j, "name", s->names[0]);
	cr_json_key(j, "aka");
	cr_json_arr(j);
	for (size_t i = 1; i < s->nnames; i++)
		cr_json_str(j, s->names[i]);
	cr_json_arr_end(j);
	cr_json_key(j, "start");
	cr_json_hex(j, s->start);
	cr_json_kint(j, "flat", flat);
	cr_json_kint(j, "cum", cum);
	cr_json_key(j, "instructions");
	cr_json_arr(j);
	for (size_t i = 0; i < in->n; i++) {
		const struct cr_dis_inst *t = &in->insts[i];
		cr_json_obj(j);
		cr_json_key(j, "address");
		cr_json_hex(j, t->addr);
		cr_json_kstr(j, "text", t->text);
		cr_json_kstr(j, "function", t->function);
		cr_json_kstr(j, "file", t->file);
		cr_json_kint(j, "line", t->line);
		cr_json_kint(j, "flat", t->flat);
		cr_json_kint(j, "cum", t->cum);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	cr_json_obj_end(j);
}

/* One ROUTINE: objdump over [start, end], annotated, as text into b or
 * as JSON into j */
static int print_routine(struct cr_buf *b, struct cr_json *j, const struct dsym *d, const struct cr_pgraph *g,
			 const struct cr_pprof_opts *o, int64_t total, bool intel)
{
	char a0[40], a1[40], v0[64], v1[64], pc[32];
	const struct cr_dis_sym *s = d->sym;
	/* the end is inclusive: objdump's stop address is one past it (the
	 * last symbol's unknown end stays where it is) */
	snprintf(a0, sizeof a0, "--start-address=0x%llx", (unsigned long long)s->start);
	snprintf(a1, sizeof a1, "--stop-address=0x%llx",
		 (unsigned long long)(s->end != UINT64_MAX ? s->end + 1 : s->end));
	char *argv[] = { "objdump", "--disassemble", "--demangle", "--no-show-raw-insn", "--line-numbers",
			 a0, a1, intel ? "-M" : (char *)d->path, intel ? "intel" : NULL, (char *)d->path, NULL };
	struct cr_buf out = { 0 };
	int rc = run_tool(argv, &out);
	if (rc < 0) {
		fprintf(stderr, "%s: pprof -disasm: objdump failed on %s (%s %s)\n", cmd_progname, d->path, a0, a1);
		rc = 1;
	}
	if (rc) {
		cr_buf_release(&out);
		return rc;
	}
	struct cr_dis_insts in;
	struct cr_error e = { 0 };
	memset(&in, 0, sizeof in);
	cr_arena_init(&in.arena);
	int64_t flat, cum;
	cr_disasm_sym_nodes(g, &d->r, &flat, &cum);
	if (cr_disasm_parse(&in, out.data ? out.data : "", out.len, &e) ||
	    cr_disasm_annotate(&in, g, &d->r, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	if (j) {
		routine_json(j, s, &in, flat, cum);
		goto out;
	}
	cr_buf_add(b, "ROUTINE ======================== ", 33);
	cr_escape(b, s->names[0], strlen(s->names[0]), strlen(s->names[0]), CR_ESC_TERM);
	cr_buf_add(b, "\n", 1);
	for (size_t i = 1; i < s->nnames; i++) {
		cr_buf_add(b, "    AKA ======================== ", 33);
		cr_escape(b, s->names[i], strlen(s->names[i]), strlen(s->names[i]), CR_ESC_TERM);
		cr_buf_add(b, "\n", 1);
	}
	cr_pprof_format(o, g->sample_unit, flat, v0, sizeof v0);
	cr_pprof_format(o, g->sample_unit, cum, v1, sizeof v1);
	cr_units_percent(pc, sizeof pc, cum, total);
	cr_buf_addf(b, "%10s %10s (flat, cum) %s of Total\n", v0, v1, pc);
	const char *fn = "", *file = "";
	int64_t line = 0;
	struct cr_buf loc = { 0 };
	for (size_t i = 0; i < in.n; i++) {
		const struct cr_dis_inst *t = &in.insts[i];
		loc.len = 0;
		/* the source location, when it changed since the last instruction */
		if (strcmp(t->function, fn) || strcmp(t->file, file) || t->line != line) {
			fn = t->function, file = t->file, line = t->line;
			if (*fn)
				cr_buf_addf(&loc, "%s ", fn);
			if (*file) {
				cr_buf_addf(&loc, "%s", file);
				if (line)
					cr_buf_addf(&loc, ":%lld", (long long)line);
			}
		}
		bool long_inst = strlen(t->text) >= 40;
		if (loc.len && long_inst) {
			cr_buf_addf(b, "%74s;", "");
			cr_escape(b, loc.data, loc.len, loc.len, CR_ESC_TERM);
			cr_buf_add(b, "\n", 1);
		}
		put_value(b, o, g->sample_unit, t->flat);
		put_value(b, o, g->sample_unit, t->cum);
		cr_buf_addf(b, "%10llx: ", (unsigned long long)t->addr);
		if (loc.len && !long_inst) {
			put_padded(b, t->text, 40);
			cr_buf_add(b, ";", 1);
			cr_escape(b, loc.data, loc.len, loc.len, CR_ESC_TERM);
		} else {
			put_padded(b, t->text, 0);
		}
		cr_buf_add(b, "\n", 1);
	}
	cr_buf_release(&loc);
out:
	cr_disasm_insts_release(&in);
	cr_buf_release(&out);
	return rc;
}

/* Go's error text of errno: strerror's, starting lower case */
/* Whether rx matches the name pprof's symbolizer (binutils' addr2line)
 * would give a node of file the profile left unnamed: the function of nm's
 * symbols of path at its address, demangled and simplified as pprof
 * simplifies C++ names. 0, or run_tool's error. */
static int unnamed_match(const struct cr_pgraph *g, const char *file, const char *path, const struct cr_mapping *m,
			 const regex_t *rx, bool *matched)
{
	bool any = false;
	for (size_t i = 0; i < g->nnodes && !any; i++) {
		const struct cr_pprof_frame *f = &g->names.frame[g->nodes[i].slot];
		any = !strcmp(f->objfile, file) && !f->name[0];
	}
	if (!any)
		return 0;
	struct cr_buf out = { 0 };
	struct cr_dis_syms all;
	memset(&all, 0, sizeof all);
	cr_arena_init(&all.arena);
	char *argv[] = { "nm", "-n", (char *)path, NULL };
	int rc = run_tool(argv, &out);
	struct cr_error e = { 0 };
	if (rc == 0 && cr_disasm_symbols(&all, out.data ? out.data : "", out.len, NULL, 0, &e))
		rc = cmd_error(&e);
	uint64_t base = rc == 0 ? file_base(path, m) : 0;
	for (size_t i = 0; rc == 0 && i < g->nnodes && !*matched; i++) {
		const struct cr_pprof_frame *f = &g->names.frame[g->nodes[i].slot];
		if (strcmp(f->objfile, file) || f->name[0])
			continue;
		uint64_t a = f->address - base;
		for (size_t k = 0; k < all.n && !*matched; k++) {
			if (a < all.syms[k].start || a > all.syms[k].end)
				continue;
			const char *name = all.syms[k].names[0], *d = cr_demangle(&all.arena, name);
			char *t = d != name ? cr_arena_strndup(&all.arena, d, strlen(d)) : NULL;
			if (t) {
				cr_remove_matching(t, '(', ')');
				cr_remove_matching(t, '<', '>');
				name = t;
			}
			*matched = regexec(rx, name, 0, NULL, 0) == 0;
			break;
		}
	}
	cr_disasm_syms_release(&all);
	cr_buf_release(&out);
	return rc < 0 ? 0 : rc;
}

static void go_errno(char *out, size_t n, int err)
{
	snprintf(out, n, "%s", strerror(err));
	out[0] = (char)tolower((unsigned char)out[0]);
}

int cmd_pprof_disasm(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o0, const struct cr_profile *p,
		     int64_t total, const char *binary)
{
	struct cr_error e = { 0 };
	struct cr_filter sym;
	memset(&sym, 0, sizeof sym);
	if (cr_filter_set(&sym, 0, r->symbol, &e))
		return cmd_symbol_regexp_error(r->symbol, &e);
	uint64_t addr = 0;
	bool have_addr = go_parse_uint0(r->symbol, &addr);
	/* pprof's -disasm graph: addresses, inlined frames folded, untrimmed */
	struct cr_pprof_opts o = *o0;
	o.gran = CR_GRAN_ADDRESSES;
	o.noinlines = true;
	struct cr_pgraph_trim tr = { 0 };
	struct cr_pgraph g;
	struct cr_dis_syms syms;
	memset(&syms, 0, sizeof syms);
	cr_arena_init(&syms.arena);
	struct dsym *ds = NULL;
	size_t nds = 0;
	struct cr_buf b = { 0 }, nmout = { 0 };
	int rc = 0;
	if (cr_pgraph_compute(&g, p, &o, &tr, total, &e)) {
		cr_filter_release(&sym);
		cr_disasm_syms_release(&syms);
		return cmd_error(&e);
	}
	/* the object files of the nodes RE matches */
	for (size_t mi = 0; mi < p->nmappings && !rc; mi++) {
		const struct cr_mapping *m = &p->mappings[mi];
		const char *file = cr_profile_str(p, m->filename);
		bool matched = false;
		for (size_t i = 0; *file && i < g.nnodes && !matched; i++) {
			const struct cr_pprof_frame *f = &g.names.frame[g.nodes[i].slot];
			matched = !strcmp(f->objfile, file) && regexec(&sym.re[0], g.nodes[i].name, 0, NULL, 0) == 0;
		}
		const char *path = mi == 0 && binary ? binary : file;
		struct stat st;
		if (!matched && *file && stat(path, &st) == 0 &&
		    (rc = unnamed_match(&g, file, path, m, &sym.re[0], &matched)))
			break;
		if (!matched && (!have_addr || m->start > addr || addr > m->limit))
			continue;
		if (stat(path, &st) != 0) {
			char er[128];
			go_errno(er, sizeof er, errno);
			printf("stat %s: %s\n", path, er); /* pprof's line, on stdout; it goes on */
			continue;
		}
		size_t before = syms.n;
		nmout.len = 0;
		char *argv[] = { "nm", "-n", (char *)path, NULL };
		int t = run_tool(argv, &nmout);
		if (t > 0) {
			rc = t;
			break;
		}
		if (t < 0) /* pprof skips a file nm cannot read */
			continue;
		if (cr_disasm_symbols(&syms, nmout.data ? nmout.data : "", nmout.len, &sym.re[0], have_addr ? addr : 0,
				      &e)) {
			rc = cmd_error(&e);
			break;
		}
		uint64_t base = file_base(path, m);
		struct dsym *t2 = cr_realloc(ds, (nds + syms.n - before + 1) * sizeof *ds);
		if (!t2) {
			fprintf(stderr, "%s: out of memory\n", cmd_progname);
			rc = 1;
			break;
		}
		ds = t2;
		for (size_t k = before; k < syms.n; k++) /* syms may move: by index, fixed below */
			ds[nds++] = (struct dsym){ (const struct cr_dis_sym *)(uintptr_t)k, path,
						   { .base = base, .map_start = m->start, .map_limit = m->limit } };
	}
	if (rc)
		goto out;
	/* the symbols with samples, by name then address */
	size_t nsel = 0, nfound = nds;
	for (size_t i = 0; i < nds; i++) {
		ds[i].sym = &syms.syms[(uintptr_t)ds[i].sym];
		ds[i].r.start = ds[i].sym->start, ds[i].r.end = ds[i].sym->end;
		int64_t f, c;
		if (cr_disasm_sym_nodes(&g, &ds[i].r, &f, &c))
			ds[nsel++] = ds[i];
	}
	if (nsel == 0) {
		fflush(stdout);
		if (!have_addr)
			fprintf(stderr, "pprof: no matches found for regexp %s\n", r->symbol);
		else if (nfound == 0)
			fprintf(stderr, "pprof: no matches found for address 0x%llx\n", (unsigned long long)addr);
		else
			fprintf(stderr, "pprof: address 0x%llx found in binary, but the corresponding symbols do not "
					"have samples in the profile\n", (unsigned long long)addr);
		rc = 2;
		goto out;
	}
	qsort(ds, nsel, sizeof *ds, cmp_dsym);
	/* the report is kept until it is complete, as pprof does */
	char *jtext = NULL, tot[64];
	size_t jlen = 0;
	FILE *jf = NULL;
	struct cr_json j;
	if (r->fmt == CR_FMT_JSON) {
		if (!(jf = open_memstream(&jtext, &jlen))) {
			fprintf(stderr, "%s: out of memory\n", cmd_progname);
			rc = 1;
			goto out;
		}
		cr_json_init(&j, jf, true);
		cr_json_obj(&j);
		cr_json_kstr(&j, "sample_type", g.sample_type);
		cr_json_kstr(&j, "unit", g.sample_unit);
		cr_json_kint(&j, "total", total);
		cr_json_key(&j, "routines");
		cr_json_arr(&j);
	} else {
		cr_pprof_format(&o, g.sample_unit, total, tot, sizeof tot);
		cr_buf_addf(&b, "Total: %s\n", tot);
	}
	for (size_t i = 0; i < nsel && !rc; i++)
		rc = print_routine(&b, jf ? &j : NULL, &ds[i], &g, &o, total, r->intel_syntax);
	if (jf) {
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
		cr_json_end(&j);
		if (fclose(jf) == 0 && !rc)
			fwrite(jtext, 1, jlen, stdout);
		free(jtext);
	} else if (!rc && b.len) {
		fwrite(b.data, 1, b.len, stdout);
	}
out:
	cr_free(ds);
	cr_buf_release(&b);
	cr_buf_release(&nmout);
	cr_disasm_syms_release(&syms);
	cr_pgraph_release(&g);
	cr_filter_release(&sym);
	return rc;
}
