/* go tool pprof's local symbolization of a loaded (merged) profile, done
 * before any report:
 *
 * - the binary named before the profiles is the first mapping's file (a
 *   profile with no mapping gets one, id 1, holding every location), and
 *   -buildid's id its build id when it has none;
 * - each mapping that has locations and none of the has_* flags is
 *   symbolized from its file: the first mapping without a file gives
 *   "Main binary filename not available.", a later one counts as missing;
 *   the system mappings ([vdso], //anon, /memfd: ...) and http(s) URLs
 *   are skipped; a file that cannot be opened as an object file gives
 *   "Local symbolization failed for BASE: open FILE: ERROR" and counts as
 *   missing; a Go binary names each location it knows (the physical
 *   function, the innermost file:line); any other file names nothing (Go's
 *   object reader has no C symbolizer);
 * - a missing file ends the messages with pprof's PPROF_BINARY_PATH hint;
 * - then the legacy frames to drop (a heap profile's allocator) are pruned.
 *
 * pprof's legacy parsers keep only addresses: the names coroner's text
 * readers take from the `#` comment lines of Go's debug=1 profiles are
 * dropped first from the locations pprof symbolizes (a location at address
 * 0, a Java frame, keeps the name the parser gave it).
 */
#include "coroner/capture.h"
#include "coroner/sym.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* pprof's Mapping.Unsymbolizable */
static bool unsymbolizable(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base && base[1] ? base + 1 : file;
	return *base == '[' || !strncmp(base, "linux-vdso", 10) || !strncmp(file, "/dev/dri/", 9) ||
	       !strcmp(file, "//anon") || !*file || !strncmp(file, "/memfd:", 7);
}

/* Go's url.Parse(f).IsAbs() with an http scheme, near enough: SCHEME://... */
static bool http_url(const char *f)
{
	size_t n = strspn(f, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (!n || f[n] != ':' || !((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z')))
		return false;
	for (size_t i = 0; i + 4 <= n; i++)
		if (!strncasecmp(f + i, "http", 4))
			return true;
	return false;
}

/* Go's os error text for errno */
static const char *go_errno(int err)
{
	switch (err) {
	case ENOENT: return "no such file or directory";
	case EACCES: return "permission denied";
	case ENOTDIR: return "not a directory";
	case ELOOP: return "too many levels of symbolic links";
	case ENAMETOOLONG: return "file name too long";
	default: return strerror(err);
	}
}

/* Can Go's objfile open path? NULL, or why not (into why) */
static const char *open_error(const char *path, char *why, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, n, "open %s: %s", path, go_errno(errno));
		return why;
	}
	unsigned char magic[4];
	struct stat st;
	bool elf = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 &&
		   !memcmp(magic, "\177ELF", 4);
	close(fd);
	if (!elf) {
		snprintf(why, n, "open %s: unrecognized object file", path);
		return why;
	}
	return NULL;
}

static enum cr_err say(struct cr_buf *msg, struct cr_error *e, const char *a, const char *b, const char *c)
{
	if (cr_buf_add(msg, a, strlen(a)) || cr_buf_add(msg, b, strlen(b)) || cr_buf_add(msg, c, strlen(c)))
		return cr_fail(e, CR_NOMEM, "out of memory");
	return CR_OK;
}

enum cr_err cr_capture_pprof_symbolize(struct cr_profile *p, const char *exec, const char *buildid,
				       struct cr_buf *msg, struct cr_error *e)
{
	if (buildid && !*buildid)
		buildid = NULL;
	if (exec || buildid) {
		if (!p->nmappings) {
			if (cr_grow(&p->mappings, &p->cap_mappings, 1, sizeof *p->mappings))
				return cr_fail(e, CR_NOMEM, "out of memory");
			p->mappings[0] = (struct cr_mapping){ .id = 1 };
			p->nmappings = 1;
			for (size_t i = 0; i < p->nlocations; i++)
				p->locations[i].mapping = 1;
		}
		uint32_t id = exec ? cr_profile_intern(p, exec, strlen(exec)) : 0;
		uint32_t bid = buildid ? cr_profile_intern(p, buildid, strlen(buildid)) : 0;
		if (id == UINT32_MAX || bid == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "out of memory");
		if (exec)
			p->mappings[0].filename = id;
		if (buildid && !*cr_profile_str(p, p->mappings[0].build_id))
			p->mappings[0].build_id = bid;
	}
	if (!p->nmappings)
		return CR_OK;
	/* which mappings have locations */
	unsigned char *used = cr_calloc(p->nmappings, 1);
	if (!used)
		return cr_fail(e, CR_NOMEM, "out of memory");
	for (size_t i = 0; i < p->nlocations; i++)
		if (p->locations[i].mapping && p->locations[i].mapping <= p->nmappings)
			used[p->locations[i].mapping - 1] = 1;
	bool missing = false, named = false;
	enum cr_err rc = CR_OK;
	for (size_t mi = 0; mi < p->nmappings && !rc; mi++) {
		const struct cr_mapping *m = &p->mappings[mi];
		if (!used[mi] || m->has_functions || m->has_filenames || m->has_line_numbers)
			continue;
		if (p->source != CR_SRC_PPROF) /* the text readers' names are not pprof's */
			for (size_t i = 0; i < p->nlocations; i++)
				if (p->locations[i].mapping == mi + 1 && p->locations[i].address)
					p->locations[i].nlines = 0;
		const char *file = cr_profile_str(p, m->filename), *bid = cr_profile_str(p, m->build_id);
		if (!*file) {
			if (mi == 0)
				rc = say(msg, e, "Main binary filename not available.\n", "", "");
			else
				missing = true;
			continue;
		}
		if (unsymbolizable(file) || (!*bid && http_url(file)))
			continue;
		const char *base = strrchr(file, '/');
		base = base && base[1] ? base + 1 : file;
		char why[4200];
		if (open_error(file, why, sizeof why)) {
			missing = true;
			if ((rc = say(msg, e, "Local symbolization failed for ", base, "")) ||
			    (*bid && (rc = say(msg, e, " (build ID ", bid, ")"))) || (rc = say(msg, e, ": ", why, "\n")))
				break;
			continue;
		}
		size_t before = p->nlines;
		struct cr_error se = { 0 };
		rc = cr_profile_symbolize_mapping_go(p, mi, file, &se);
		if (rc == CR_NOMEM) {
			*e = se;
			break;
		}
		rc = CR_OK; /* a file Go's reader cannot read names nothing */
		named |= p->nlines != before;
	}
	cr_free(used);
	if (!rc && missing)
		rc = say(msg, e, "Some binary filenames not available. Symbolization may be incomplete.\n",
			 "Try setting PPROF_BINARY_PATH to the search path for local binaries.\n", "");
	if (!rc && named)
		rc = cr_profile_prune(p, e);
	return rc;
}
