/* pprof's search for the binaries a profile's mappings name (its
 * locateBinaries), done on every profile it loads before any report:
 *
 * - the directories: PPROF_BINARY_PATH, ':'-separated (an empty part is
 *   the current directory), else $HOME/pprof/binaries;
 * - for a mapping with a build id B, in each directory D: D/B/BASE, every
 *   entry of D/B in name order, D/FILE/B and D/B[0:2]/B[2:].debug; for a
 *   mapping with a file FILE (BASE its last element, DIR the rest): D/BASE,
 *   D/FILE, D/FILE.debug, D/DIR/.debug/BASE.debug and
 *   D/usr/lib/debug/DIR/BASE.debug (each joined and cleaned as Go's
 *   filepath.Join does);
 * - the first that is an ELF file pprof can open names the mapping from
 *   then on (-raw's Mappings, -callgrind's ob=, the File: header, the file
 *   -disasm reads), unless the mapping has a build id and the file another
 *   one: then pprof's "Ignoring local file ..." line on stderr and the
 *   search goes on. go tool pprof reads no build id from a file: a mapping
 *   with one is never found by it, each candidate ignored with that line.
 */
#include "pprof-cmd.h"
#include "coroner/binary.h"
#include "coroner/capture.h"
#include "coroner/pprof.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOC_PATH 4096

/* Go's filepath.Join of the non-empty parts, cleaned; false when too long */
static bool join(char *out, const char *const *parts, int n)
{
	char tmp[LOC_PATH];
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (!l)
			continue;
		if (len + l + 2 > sizeof tmp)
			return false;
		if (len)
			tmp[len++] = '/';
		memcpy(tmp + len, parts[i], l);
		len += l;
	}
	tmp[len] = 0;
	if (!len) {
		*out = 0;
		return true;
	}
	cr_pprof_clean_path(tmp, out, LOC_PATH);
	return true;
}

/* Can pprof open name as an object file (an ELF file here)? go tool
 * pprof's files have no build id (its object tool gives none; the
 * standalone pprof reads the GNU one): id "". */
static bool open_object(const char *name, char *id, size_t idn)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	unsigned char magic[4];
	struct stat st;
	bool elf = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 &&
		   !memcmp(magic, "\177ELF", 4);
	close(fd);
	if (!elf)
		return false;
	struct cr_binary *b;
	struct cr_error e = { 0 };
	if (cr_binary_open(&b, name, &e))
		return false;
	snprintf(id, idn, "%s", "");
	cr_binary_close(b);
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (Go's Glob(dir/"*")): sorted, malloc'd; *n of them */
static char **dir_entries(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	size_t cap = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **t = nc < 65536 ? realloc(v, nc * sizeof *v) : NULL;
			if (!t)
				break;
			v = t, cap = nc;
		}
		if (!(v[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	return v;
}

struct cand {
	char (*name)[LOC_PATH];
	size_t n, cap;
};

static void add(struct cand *c, const char *const *parts, int n)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? 2 * c->cap : 16;
		void *t = nc < 65536 ? realloc(c->name, nc * sizeof *c->name) : NULL;
		if (!t)
			return;
		c->name = t, c->cap = nc;
	}
	if (join(c->name[c->n], parts, n))
		c->n++;
}

/* pprof's candidate names for a mapping in directory path */
static void candidates(struct cand *c, const char *path, const char *file, const char *bid)
{
	char base[LOC_PATH], dir[LOC_PATH];
	const char *slash = strrchr(file, '/');
	cr_pprof_clean_path(file, base, sizeof base); /* Go's filepath.Base */
	const char *b = strrchr(base, '/');
	if (b && b[1])
		memmove(base, b + 1, strlen(b + 1) + 1);
	else if (!*base)
		snprintf(base, sizeof base, ".");
	if (!slash) /* Go's filepath.Dir */
		snprintf(dir, sizeof dir, ".");
	else
	{
		char t[LOC_PATH];
		snprintf(t, sizeof t, "%.*s", (int)(slash - file + 1), file);
		cr_pprof_clean_path(t, dir, sizeof dir);
	}
	c->n = 0;
	if (*bid) {
		add(c, (const char *[]){ path, bid, base }, 3);
		char bdir[LOC_PATH];
		size_t ne = 0;
		char **ents = join(bdir, (const char *[]){ path, bid }, 2) ? dir_entries(*bdir ? bdir : ".", &ne) : NULL;
		for (size_t i = 0; i < ne; i++) {
			add(c, (const char *[]){ bdir, ents[i] }, 2);
			free(ents[i]);
		}
		free(ents);
		add(c, (const char *[]){ path, file, bid }, 3);
		if (strlen(bid) >= 2) {
			char two[3] = { bid[0], bid[1], 0 }, rest[LOC_PATH];
			if (snprintf(rest, sizeof rest, "%s.debug", bid + 2) < (int)sizeof rest)
				add(c, (const char *[]){ path, two, rest }, 3);
		}
	}
	if (*file) {
		char dbg[LOC_PATH], bdbg[LOC_PATH];
		if (snprintf(dbg, sizeof dbg, "%s.debug", file) >= (int)sizeof dbg ||
		    snprintf(bdbg, sizeof bdbg, "%s.debug", base) >= (int)sizeof bdbg)
			return; /* longer than a path can be */
		add(c, (const char *[]){ path, base }, 2);
		add(c, (const char *[]){ path, file }, 2);
		add(c, (const char *[]){ path, dbg }, 2);
		add(c, (const char *[]){ path, dir, ".debug", bdbg }, 4);
		add(c, (const char *[]){ path, "usr", "lib", "debug", dir, bdbg }, 6);
	}
}

/* The search path: PPROF_BINARY_PATH, else $HOME/pprof/binaries (in def) */
static const char *search_path(char *def)
{
	const char *env = getenv("PPROF_BINARY_PATH"), *home = getenv("HOME");
	if (env && *env)
		return env;
	return join(def, (const char *[]){ home ? home : "", "pprof", "binaries" }, 3) ? def : NULL;
}

bool cmd_pprof_locate_active(void)
{
	char def[LOC_PATH];
	const char *s = search_path(def);
	for (; s;) { /* is any of its directories there? */
		size_t l = strcspn(s, ":");
		char d[LOC_PATH];
		struct stat st;
		snprintf(d, sizeof d, "%.*s", (int)(l < sizeof d ? l : sizeof d - 1), s);
		if (stat(*d ? d : ".", &st) == 0 && S_ISDIR(st.st_mode))
			return true;
		if (!s[l])
			break;
		s += l + 1;
	}
	return false;
}

int cmd_pprof_locate(struct cr_profile *p)
{
	if (p->nmappings == 0 && p->nlocations > 0) {
		/* pprof's locateBinaries: a profile without mappings gets an
		 * empty one holding every location, for its symbolizer */
		if (cr_grow(&p->mappings, &p->cap_mappings, 1, sizeof *p->mappings)) {
			fprintf(stderr, "%s: out of memory\n", cmd_progname);
			return 1;
		}
		memset(&p->mappings[0], 0, sizeof p->mappings[0]);
		p->mappings[0].id = 1;
		p->nmappings = 1;
		for (size_t i = 0; i < p->nlocations; i++)
			p->locations[i].mapping = 1;
	}
	char def[LOC_PATH];
	const char *env = search_path(def);
	if (!env || !cmd_pprof_locate_active())
		return 0;
	struct cand c = { 0 };
	for (size_t mi = 0; mi < p->nmappings; mi++) {
		struct cr_mapping *m = &p->mappings[mi];
		const char *file = cr_profile_str(p, m->filename), *bid = cr_profile_str(p, m->build_id);
		if (!*file && !*bid)
			continue;
		bool found = false;
		for (const char *s = env; !found;) { /* Go's filepath.SplitList */
			size_t l = strcspn(s, ":");
			char path[LOC_PATH];
			snprintf(path, sizeof path, "%.*s", (int)(l < sizeof path ? l : sizeof path - 1), s);
			candidates(&c, path, file, bid);
			for (size_t i = 0; i < c.n && !found; i++) {
				char id[129];
				const char *name = c.name[i];
				if (!*name || !open_object(name, id, sizeof id))
					continue;
				if (*bid && strcmp(bid, id)) {
					fputs("Ignoring local file ", stderr);
					cr_fputs_safe(stderr, name);
					fputs(": build-id mismatch (", stderr);
					cr_fputs_safe(stderr, bid);
					fprintf(stderr, " != %s)\n", id);
					continue;
				}
				uint32_t nid = cr_profile_intern(p, name, strlen(name));
				if (nid == UINT32_MAX) {
					free(c.name);
					fprintf(stderr, "%s: out of memory\n", cmd_progname);
					return 1;
				}
				m = &p->mappings[mi];
				m->filename = nid;
				found = true;
			}
			if (!s[l])
				break;
			s += l + 1;
		}
	}
	free(c.name);
	return 0;
}

int cmd_pprof_symbolize(struct cr_profile *p, const char *binary, const char *buildid)
{
	struct cr_buf msg = { 0 };
	struct cr_error e = { 0 };
	enum cr_err rc = cr_capture_pprof_symbolize(p, binary, buildid, &msg, &e);
	for (const char *t = msg.len ? cr_buf_str(&msg) : ""; *t;) { /* a line at a time, escaped */
		size_t n = strcspn(t, "\n");
		cr_fwrite_safe(stderr, t, n);
		fputc('\n', stderr);
		t += n + (t[n] != 0);
	}
	cr_buf_release(&msg);
	return rc ? cmd_error(&e) : 0;
}

bool cmd_pprof_no_common_types(char **paths, int n)
{
	struct cr_profile first;
	bool none = true, ok = true, have = false;
	cr_profile_init(&first);
	for (int i = 0; i < n && ok; i++) {
		struct cr_profile q;
		struct cr_buf warn = { 0 };
		struct cr_error e = { 0 };
		cr_profile_init(&q);
		const char *one[1] = { paths[i] };
		bool read = cr_capture_load_profiles(have ? &q : &first, one, 1, NULL, &warn, NULL, NULL, &e) == CR_OK;
		cr_buf_release(&warn);
		ok = read || (e.code != CR_NOMEM && e.code != CR_LIMIT); /* unread: left out, as pprof's fetch */
		if (read && have) { /* the first profile's types every other one has */
			for (size_t t = 0; t < first.ntypes; t++) {
				if (first.types[t].type == UINT32_MAX)
					continue;
				bool has = false;
				for (size_t u = 0; u < q.ntypes && !has; u++)
					has = !strcmp(cr_profile_str(&first, first.types[t].type),
						      cr_profile_str(&q, q.types[u].type));
				if (!has)
					first.types[t].type = UINT32_MAX;
			}
		}
		cr_profile_release(&q);
		have |= read;
	}
	for (size_t t = 0; t < first.ntypes && ok; t++)
		none &= first.types[t].type == UINT32_MAX;
	cr_profile_release(&first);
	return ok && none;
}

bool cmd_pprof_types_disjoint(const struct cr_profile *a, const struct cr_profile *b)
{
	for (size_t t = 0; t < a->ntypes; t++)
		for (size_t u = 0; u < b->ntypes; u++)
			if (!strcmp(cr_profile_str(a, a->types[t].type), cr_profile_str(b, b->types[u].type)))
				return false;
	return true;
}
