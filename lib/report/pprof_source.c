/* go tool pprof's -list (report.printSource) and the source files it reads.
 *
 * File names: before each graph report pprof rewrites every function's
 * file name with trimPath(name, -trim_path, -source_path): when -trim_path
 * is empty, the part after "/BASE/" for the first BASE (a search
 * directory's base name) found in it; else the first -trim_path prefix (a
 * '/' added) it starts with; then /proc/self/cwd/./ and /proc/self/cwd/.
 *
 * -list: the graph at line granularity (untrimmed; -noinlines kept); the
 * nodes whose function name matches RE grouped by name (sorted), then by
 * file (sorted). Per file: the sum of the nodes' flat and cum, and the lines
 * from the function's start line (else the first node's line - 5) to the
 * last node's line + 5, each with the flat and cum of the nodes on it,
 * until the file ends. pprof finds a file as openSourceFile does: trimmed
 * again against the search path, opened as is when absolute, else joined to
 * each search directory and each of its parents in turn.
 */
#include "coroner/input.h"
#include "coroner/out.h"
#include "coroner/pprof.h"
#include "pprof_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_CAP 4096

/* Go's filepath.Base */
static size_t go_base(const char *s, size_t n, const char **out)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n == 0) {
		*out = ".";
		return 1;
	}
	if (n == 1 && s[0] == '/') {
		*out = "/";
		return 1;
	}
	size_t i = n;
	while (i > 0 && s[i - 1] != '/')
		i--;
	*out = s + i;
	return n - i;
}

/* The next element of a ':'-separated list (Go's filepath.SplitList: none
 * for ""); false when done. */
static bool next_elem(const char **cur, const char **el, size_t *n)
{
	if (!*cur)
		return false;
	const char *c = strchr(*cur, ':');
	*el = *cur;
	*n = c ? (size_t)(c - *cur) : strlen(*cur);
	*cur = c ? c + 1 : NULL;
	return true;
}

const char *cr_pprof_trim_path(const char *path, const char *trim, const char *search)
{
	const char *cur, *el;
	size_t n;
	char want[PATH_CAP + 2];
	if (!trim || !*trim) {
		for (cur = search && *search ? search : NULL; next_elem(&cur, &el, &n);) {
			const char *b;
			size_t bn = go_base(el, n, &b);
			snprintf(want, sizeof want, "/%.*s/", (int)bn, b);
			const char *f = strstr(path, want);
			if (f)
				return f + strlen(want);
		}
	}
	static const char *const dflt[] = { "/proc/self/cwd/./", "/proc/self/cwd/" };
	for (cur = trim && *trim ? trim : NULL;;) {
		if (!next_elem(&cur, &el, &n))
			break;
		snprintf(want, sizeof want, "%.*s%s", (int)n, el, n && el[n - 1] == '/' ? "" : "/");
		if (!strncmp(path, want, strlen(want)))
			return path + strlen(want);
	}
	for (int k = 0; k < 2; k++)
		if (!strncmp(path, dflt[k], strlen(dflt[k])))
			return path + strlen(dflt[k]);
	return path;
}

enum cr_err cr_pprof_trim_paths(struct cr_profile *p, const char *trim, const char *search, struct cr_error *e)
{
	for (size_t i = 0; i < p->nfunctions; i++) {
		const char *f = cr_profile_str(p, p->functions[i].filename);
		const char *t = cr_pprof_trim_path(f, trim, search);
		if (t == f)
			continue;
		uint32_t id = cr_profile_intern(p, t, strlen(t));
		if (id == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "out of memory trimming file names");
		p->functions[i].filename = id;
	}
	return CR_OK;
}

/* ---- reading the source files ---- */

struct src_file {
	char *path;              /* as pprof names it (the node's file) */
	struct cr_input in;
	bool open;
	const char *err;         /* why it could not be opened (arena) */
	size_t *line_off;        /* start of line i+1; nlines lines */
	size_t *line_len;
	size_t nlines;
};

struct reader {
	struct cr_srclist *l;
	const char *search, *trim;
	struct src_file *files;
	size_t nfiles, cap;
};

/* bufio.Scanner's lines: '\n' ends a line, a '\r' before it is dropped,
 * a last line without '\n' counts; a line of 64 KiB or more stops it. */
static enum cr_err split_lines(struct src_file *f)
{
	const char *d = (const char *)f->in.data;
	size_t n = f->in.len, cap = 0, capl = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(d + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - d) : n, len = end - i;
		if (len >= 65536)
			break;
		if (nl && len && d[end - 1] == '\r')
			len--;
		else if (!nl && len && d[end - 1] == '\r')
			len--;
		if (cr_grow(&f->line_off, &cap, f->nlines + 1, sizeof *f->line_off) ||
		    cr_grow(&f->line_len, &capl, f->nlines + 1, sizeof *f->line_len))
			return CR_NOMEM;
		f->line_off[f->nlines] = i;
		f->line_len[f->nlines++] = len;
		i = nl ? end + 1 : n;
	}
	return CR_OK;
}

static bool try_open(struct src_file *f, const char *path)
{
	struct cr_error e = { 0 };
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if (cr_input_open(&f->in, path, 0, &e) != CR_OK)
		return false;
	f->open = true;
	return true;
}

/* Go's filepath.Join(dir, rel) (both as given, rel relative) into out */
static void go_join(const char *dir, size_t dn, const char *rel, char *out)
{
	char tmp[2 * PATH_CAP + 2];
	if (dn)
		snprintf(tmp, sizeof tmp, "%.*s/%s", (int)dn, dir, rel);
	else
		snprintf(tmp, sizeof tmp, "%s", rel);
	cr_pprof_clean_path(tmp, out, PATH_CAP);
}

/* openSourceFile */
static enum cr_err open_source(struct reader *r, struct src_file *f)
{
	const char *path = cr_pprof_trim_path(f->path, r->trim, r->search);
	char buf[3 * PATH_CAP];
	if (path[0] == '/') {
		if (!try_open(f, path)) {
			struct stat st;
			int err = stat(path, &st) != 0 ? errno : EISDIR;
			char msg[256];
			snprintf(msg, sizeof msg, "%s", err == EISDIR ? "is not a regular file" : strerror(err));
			if (msg[0] >= 'A' && msg[0] <= 'Z')
				msg[0] = (char)(msg[0] - 'A' + 'a');
			snprintf(buf, sizeof buf, "open %s: %s", path, msg);
		}
	} else {
		const char *cur = r->search && *r->search ? r->search : NULL, *el;
		size_t n;
		char dir[PATH_CAP], cand[PATH_CAP];
		while (!f->open && next_elem(&cur, &el, &n)) {
			snprintf(dir, sizeof dir, "%.*s", (int)n, el);
			for (int guard = 0; guard < PATH_CAP; guard++) {
				go_join(dir, strlen(dir), path, cand);
				if (try_open(f, cand))
					break;
				/* filepath.Dir: the part before the last '/', cleaned */
				char parent[PATH_CAP];
				char *sl = strrchr(dir, '/');
				if (!sl)
					snprintf(parent, sizeof parent, ".");
				else
					cr_pprof_clean_path(sl == dir ? "/" : (*sl = 0, dir), parent, sizeof parent);
				if (sl && sl != dir)
					*sl = '/';
				if (!strcmp(parent, dir))
					break;
				snprintf(dir, sizeof dir, "%s", parent);
			}
		}
		if (!f->open)
			snprintf(buf, sizeof buf, "could not find file %s on path %s", path, r->search ? r->search : "");
	}
	if (f->open)
		return split_lines(f);
	f->err = cr_arena_strndup(&r->l->arena, buf, strlen(buf));
	return f->err ? CR_OK : CR_NOMEM;
}

static struct src_file *reader_file(struct reader *r, const char *path, enum cr_err *rc)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	if (cr_grow(&r->files, &r->cap, r->nfiles + 1, sizeof *r->files)) {
		*rc = CR_NOMEM;
		return NULL;
	}
	struct src_file *f = &r->files[r->nfiles++];
	memset(f, 0, sizeof *f);
	f->path = cr_arena_strndup(&r->l->arena, path, strlen(path));
	if (!f->path || open_source(r, f)) {
		*rc = CR_NOMEM;
		return NULL;
	}
	return f;
}

static void reader_release(struct reader *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		if (r->files[i].open)
			cr_input_close(&r->files[i].in);
		cr_free(r->files[i].line_off);
		cr_free(r->files[i].line_len);
	}
	cr_free(r->files);
}

/* ---- -list ---- */

struct lnode {
	const char *name, *file;
	int64_t line, start_line, flat, cum;
	uint32_t order; /* pprof's node order within a function and file */
};

static int cmp_lnode(const void *a, const void *b)
{
	const struct lnode *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->file, y->file);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The start line of the function named name in file (0 if unknown) */
static int64_t start_line(const struct cr_profile *p, const char *name, const char *file)
{
	char path[PATH_CAP];
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct cr_function *fn = &p->functions[i];
		if (fn->start_line && !strcmp(cr_profile_str(p, fn->name), name)) {
			cr_pprof_clean_path(cr_profile_str(p, fn->filename), path, sizeof path);
			if (!strcmp(path, file))
				return fn->start_line;
		}
	}
	return 0;
}

/* One routine: the function's nodes in one file, [a, b) of ns */
static enum cr_err add_routine(struct cr_srclist *l, struct reader *r, const struct lnode *ns, size_t a, size_t b)
{
	struct cr_src_routine *rt = &l->routines[l->nroutines++];
	rt->name = ns[a].name;
	rt->file = ns[a].file;
	if (!*rt->file)
		return CR_OK;
	int64_t start = ns[a].start_line ? ns[a].start_line : ns[a].line - 5, end = ns[a].line + 5;
	for (size_t i = a; i < b; i++) {
		int64_t s = ns[i].start_line ? ns[i].start_line : ns[i].line - 5;
		rt->flat = wadd(rt->flat, ns[i].flat);
		rt->cum = wadd(rt->cum, ns[i].cum);
		if (s < start)
			start = s;
		else if (ns[i].line + 5 > end)
			end = ns[i].line + 5;
	}
	if (start < 1)
		start = 1;
	enum cr_err rc = CR_OK;
	struct src_file *f = reader_file(r, rt->file, &rc);
	if (!f)
		return rc;
	if (f->err) {
		rt->error = f->err;
		return CR_OK;
	}
	if (end < start || (uint64_t)start > f->nlines)
		return CR_OK;
	int64_t last = end < (int64_t)f->nlines ? end : (int64_t)f->nlines;
	rt->lines = cr_arena_alloc(&l->arena, (size_t)(last - start + 1) * sizeof *rt->lines);
	if (!rt->lines)
		return CR_NOMEM;
	for (int64_t ln = start; ln <= last; ln++) {
		struct cr_src_line *sl = &rt->lines[rt->nlines++];
		*sl = (struct cr_src_line){ .lineno = ln };
		for (size_t i = a; i < b; i++)
			if (ns[i].line == ln)
				sl->flat = wadd(sl->flat, ns[i].flat), sl->cum = wadd(sl->cum, ns[i].cum);
		sl->text = cr_arena_strndup(&l->arena, (const char *)f->in.data + f->line_off[ln - 1],
					    f->line_len[ln - 1]);
		if (!sl->text)
			return CR_NOMEM;
	}
	return CR_OK;
}

enum cr_err cr_srclist_compute(struct cr_srclist *l, const struct cr_profile *p, const struct cr_pprof_opts *o0,
			       const regex_t *rx, const char *search, const char *trim, int64_t total,
			       struct cr_error *e)
{
	memset(l, 0, sizeof *l);
	cr_arena_init(&l->arena);
	l->total = total;
	struct cr_pprof_opts o = *o0;
	o.gran = CR_GRAN_LINES;
	struct cr_pgraph g;
	struct cr_pgraph_trim tr = { 0 };
	if (cr_pgraph_compute(&g, p, &o, &tr, total, e))
		return e->code;
	l->sample_type = g.sample_type;
	l->sample_unit = g.sample_unit;
	struct reader r = { .l = l, .search = search, .trim = trim };
	struct lnode *ns = cr_calloc(g.nnodes + 1, sizeof *ns);
	size_t n = 0;
	enum cr_err rc = CR_NOMEM;
	if (!ns)
		goto out;
	for (size_t i = 0; i < g.nnodes; i++) {
		const struct cr_pprof_frame *f = &g.names.frame[g.nodes[i].slot];
		if (regexec(rx, f->name, 0, NULL, 0) != 0)
			continue;
		/* the node's parts outlive the graph */
		const char *name = cr_arena_strndup(&l->arena, f->name, strlen(f->name));
		const char *file = cr_arena_strndup(&l->arena, f->file, strlen(f->file));
		if (!name || !file)
			goto out;
		ns[n] = (struct lnode){ name, file, f->line, 0, g.nodes[i].flat, g.nodes[i].cum, (uint32_t)n };
		ns[n].start_line = *file ? start_line(p, name, file) : 0;
		n++;
	}
	qsort(ns, n, sizeof *ns, cmp_lnode);
	l->routines = cr_calloc(n + 1, sizeof *l->routines);
	if (!l->routines)
		goto out;
	for (size_t a = 0; a < n;) {
		size_t b = a + 1, c;
		while (b < n && !strcmp(ns[b].name, ns[a].name))
			b++;
		/* the nodes without a file are left out; none with one: no source */
		size_t first = a;
		while (first < b && !*ns[first].file)
			first++;
		if (first == b) {
			l->routines[l->nroutines++] = (struct cr_src_routine){ .name = ns[a].name, .file = "" };
		}
		for (size_t s = first; s < b; s = c) {
			for (c = s + 1; c < b && !strcmp(ns[c].file, ns[s].file);)
				c++;
			if (add_routine(l, &r, ns, s, c))
				goto out;
		}
		a = b;
	}
	rc = CR_OK;
out:
	reader_release(&r);
	cr_free(ns);
	cr_pgraph_release(&g);
	if (rc) {
		cr_srclist_release(l);
		return cr_fail(e, rc, "out of memory listing the sources");
	}
	return CR_OK;
}

void cr_srclist_release(struct cr_srclist *l)
{
	cr_free(l->routines);
	cr_arena_release(&l->arena);
	memset(l, 0, sizeof *l);
}
