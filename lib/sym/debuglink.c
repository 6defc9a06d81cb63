/* Separate debug files, found as gdb and elfutils find them:
 *   1. DIR/.build-id/xx/rest.debug for each --debug-dir DIR, then
 *      SYSROOT/usr/lib/debug (with --sysroot), then /usr/lib/debug;
 *   2. the debuginfod client cache, read offline:
 *      $DEBUGINFOD_CACHE_PATH or ~/.cache/debuginfod_client, BUILDID/debuginfo;
 *   3. .gnu_debuglink NAME next to the file (a file a core named: there
 *      under --sysroot, as gdb looks), in its .debug/ directory, and
 *      under each debug directory + the file's directory; the CRC32 the
 *      link records must match the file's.
 * A file found is used only when its GNU build id equals the binary's
 * (when the binary has one); a mismatch is reported with both ids and the
 * search goes on. Found files are opened with cr_binary_open: the paths
 * are the user's own directories, not names read from an input. */
#include "coroner/sym.h"
#include "coroner/binary.h"
#include "coroner/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

enum { ANY, CRC, ALT, SUP }; /* how a candidate is checked besides its build id */

static bool alt_link(const struct cr_binary *d, bool want_sup, char *name, size_t nn, char *id, size_t idn, bool *sup);
static bool check_candidate(const char *want, const char *p, int how, uint32_t crc, struct cr_binary *d,
			    struct cr_binary **out, struct cr_buf *why);

/* Try one candidate. Returns true when it was taken (*out set). want:
 * the build id it must have ("" for any); how: CRC (it must have crc),
 * ALT (the shared DWARF of a debug file's .gnu_debugaltlink), SUP (of its
 * .debug_sup: want is the checksum of the shared file's own .debug_sup). */
static bool try_id(const char *want, const char *p, int how, uint32_t crc, struct cr_binary **out,
		   struct cr_buf *why)
{
	if (!is_file(p))
		return false;
	struct cr_binary *d = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open(&d, p, &e)) {
		if (why->len < 4096)
			cr_buf_addf(why, "%s (not used); ", e.msg);
		return false;
	}
	return check_candidate(want, p, how, crc, d, out, why);
}

/* A candidate a core names (the debug link beside a file opened under
 * --sysroot): looked for and opened there, as cr_binary_open_named does. */
static bool try_named(const char *want, const char *p, uint32_t crc, struct cr_binary **out, struct cr_buf *why)
{
	char real[4096];
	if (snprintf(real, sizeof real, "%s%s", cr_sysroot, p) >= (int)sizeof real || !is_file(real))
		return false;
	struct cr_binary *d = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open_named(&d, p, &e)) {
		if (why->len < 4096)
			cr_buf_addf(why, "%s (not used); ", e.msg);
		return false;
	}
	return check_candidate(want, p, CRC, crc, d, out, why);
}

/* The checks of an opened candidate d (see try_id); d is closed unless taken. */
static bool check_candidate(const char *want, const char *p, int how, uint32_t crc, struct cr_binary *d,
			    struct cr_binary **out, struct cr_buf *why)
{
	if (how == CRC) {
		uint32_t got = (uint32_t)crc32(0L, d->data, (uInt)0);
		size_t off = 0;
		while (off < d->len) {
			size_t n = d->len - off > (1u << 30) ? (1u << 30) : d->len - off;
			got = (uint32_t)crc32(got, d->data + off, (uInt)n);
			off += n;
		}
		if (got != crc) {
			if (why->len < 4096)
				cr_buf_addf(why, "%s: CRC32 %08x, the debug link wants %08x (not used); ", p, got, crc);
			cr_binary_close(d);
			return false;
		}
	}
	char sid[129], none[2];
	bool sup;
	const char *got = d->gnu_build_id;
	if (how == SUP)
		got = alt_link(d, true, none, sizeof none, sid, sizeof sid, &sup) ? sid : "";
	if (want[0] && strcmp(want, got) != 0) {
		if (why->len < 4096)
			cr_buf_addf(why, "%s: %s %s, the %s has %s (not used); ", p,
				    how == SUP ? ".debug_sup checksum" : "build id", got[0] ? got : "(none)",
				    how == ALT || how == SUP ? "link" : "binary", want);
		cr_binary_close(d);
		return false;
	}
	if (!cr_binary_debug_section(d, ".debug_info") && !cr_binary_nsymbols(d)) {
		if (why->len < 4096)
			cr_buf_addf(why, "%s: no DWARF and no symbols (not used); ", p);
		cr_binary_close(d);
		return false;
	}
	*out = d;
	return true;
}

static bool try_file(const struct cr_binary *b, const char *p, bool check_crc, uint32_t crc,
		     struct cr_binary **out, struct cr_buf *why)
{
	return try_id(b->gnu_build_id, p, check_crc ? CRC : ANY, crc, out, why);
}

/* The debug directories, in order: dirs, SYSROOT/usr/lib/debug,
 * /usr/lib/debug (sysdbg holds the second). */
static size_t debug_dirs(const char *const *dirs, size_t ndirs, const char **all, char *sysdbg, size_t n)
{
	size_t nall = 0;
	for (size_t i = 0; i < ndirs && nall < 36; i++)
		all[nall++] = dirs[i];
	if (cr_sysroot && strcmp(cr_sysroot, "/") != 0) {
		snprintf(sysdbg, n, "%s/usr/lib/debug", cr_sysroot);
		all[nall++] = sysdbg;
	}
	all[nall++] = "/usr/lib/debug";
	return nall;
}

/* The debuginfod client cache's file for build id (path[0] = 0 if none) */
static void cache_path(char *path, size_t n, const char *id)
{
	const char *cache = getenv("DEBUGINFOD_CACHE_PATH");
	const char *home = getenv("HOME");
	if (cache && *cache)
		snprintf(path, n, "%s/%s/debuginfo", cache, id);
	else if (home && *home)
		snprintf(path, n, "%s/.cache/debuginfod_client/%s/debuginfo", home, id);
	else
		path[0] = 0;
}

/* The k-th place a debug file with build id id may be: DIR/.build-id/xx/rest.debug
 * for each of the nall debug directories, then the debuginfod cache. False
 * when there is no k-th place (or the id is too short to name one). */
static bool id_path(const char *const *all, size_t nall, const char *id, size_t k, char *path, size_t n)
{
	if (strlen(id) <= 2 || k > nall)
		return false;
	if (k < nall) {
		snprintf(path, n, "%s/.build-id/%.2s/%s.debug", all[k], id, id + 2);
		return true;
	}
	cache_path(path, n, id);
	return path[0] != 0;
}

enum cr_err cr_debug_find(const struct cr_binary *b, const char *const *dirs, size_t ndirs,
			  struct cr_binary **out, struct cr_error *e)
{
	*out = NULL;
	struct cr_buf why = { 0 };
	char path[4096];
	const char *all[40];
	char sysdbg[4096] = "";
	size_t nall = debug_dirs(dirs, ndirs, all, sysdbg, sizeof sysdbg);
	const char *id = b->gnu_build_id;
	for (size_t k = 0; id_path(all, nall, id, k, path, sizeof path); k++)
		if (try_file(b, path, false, 0, out, &why))
			goto found;
	struct cr_elf_section *s = cr_binary_section(b, ".gnu_debuglink");
	if (s) {
		const uint8_t *d;
		size_t n;
		struct cr_error le = { 0 };
		if (cr_binary_section_data((struct cr_binary *)b, s, &d, &n, &le) == CR_OK && n >= 8) {
			size_t nl = strnlen((const char *)d, n);
			size_t crcoff = (nl + 4) & ~(size_t)3;
			if (nl && nl < n && crcoff + 4 <= n && !memchr(d, '/', nl) && nl < 256) {
				char name[256];
				memcpy(name, d, nl);
				name[nl] = 0;
				uint32_t crc = cr_binary_u32(b, d + crcoff);
				char dir[2048];
				const char *slash = strrchr(b->path, '/');
				if (slash)
					snprintf(dir, sizeof dir, "%.*s", (int)(slash - b->path), b->path);
				else
					snprintf(dir, sizeof dir, ".");
				/* beside a file a core named: under --sysroot, as gdb */
				bool in_root = b->named && cr_sysroot && strcmp(cr_sysroot, "/") != 0 && dir[0] == '/';
				snprintf(path, sizeof path, "%s/%s", dir, name);
				/* the link names another file than the binary itself */
				if (strcmp(path, b->path) != 0 &&
				    (in_root ? try_named(b->gnu_build_id, path, crc, out, &why) : try_file(b, path, true, crc, out, &why)))
					goto found;
				snprintf(path, sizeof path, "%s/.debug/%s", dir, name);
				if (in_root ? try_named(b->gnu_build_id, path, crc, out, &why) : try_file(b, path, true, crc, out, &why))
					goto found;
				for (size_t i = 0; i < nall; i++) {
					snprintf(path, sizeof path, "%s/%s/%s", all[i], dir[0] == '/' ? dir + 1 : dir, name);
					if (try_file(b, path, true, crc, out, &why))
						goto found;
				}
			} else {
				cr_buf_addf(&why, "%s: malformed .gnu_debuglink; ", b->path);
			}
		}
	}
	if (why.len) {
		why.len -= 2; /* "; " */
		cr_fail(e, CR_NOTFOUND, "%.*s", (int)why.len, why.data);
	} else {
		cr_fail(e, CR_NOTFOUND, "%s: no separate debug file found", b->path);
	}
	cr_buf_release(&why);
	return CR_NOTFOUND;
found:
	cr_buf_release(&why);
	return CR_OK;
}

/* The link of a dwz-processed debug file to the file it shares DIEs and
 * strings with: its .gnu_debugaltlink (NAME, NUL, build id) or DWARF 5
 * .debug_sup (version 5, is_supplementary, NAME, NUL, ULEB checksum length,
 * checksum; the shared file has one too, flag 1 and no name, with the same
 * checksum). *name, *id (hex) set, *sup for .debug_sup; false if there is
 * none or it is malformed (*name "" then). With want_sup, the shared file's
 * own .debug_sup is read instead (*name then ""). */
static bool alt_link(const struct cr_binary *d, bool want_sup, char *name, size_t nn, char *id, size_t idn, bool *sup)
{
	name[0] = id[0] = 0;
	struct cr_elf_section *s = want_sup ? NULL : cr_binary_section(d, ".gnu_debugaltlink");
	*sup = !s;
	if (*sup && !(s = cr_binary_section(d, ".debug_sup")))
		return false;
	const uint8_t *p;
	size_t n;
	struct cr_error le = { 0 };
	if (cr_binary_section_data((struct cr_binary *)d, s, &p, &n, &le) || n < 2)
		return false;
	size_t o = 0;
	if (*sup) {
		if (n < 4 || cr_binary_u16(d, p) != 5 || p[2] != want_sup)
			return false;
		o = 3;
	}
	size_t nl = strnlen((const char *)p + o, n - o);
	if ((!nl && !want_sup) || o + nl >= n || nl >= nn)
		return false;
	memcpy(name, p + o, nl);
	name[nl] = 0;
	o += nl + 1;
	size_t idl = n - o;
	if (*sup) { /* a one-byte ULEB length: build ids are short */
		if (o >= n || p[o] & 0x80 || p[o] > n - o - 1)
			return false;
		idl = p[o++];
	}
	if (!idl || 2 * idl >= idn) {
		name[0] = 0;
		return false;
	}
	for (size_t i = 0; i < idl; i++)
		snprintf(id + 2 * i, 3, "%02x", p[o + i]);
	return true;
}

enum cr_err cr_debug_find_alt(const struct cr_binary *d, const char *const *dirs, size_t ndirs,
			      struct cr_binary **out, struct cr_error *e)
{
	*out = NULL;
	char name[1024], id[129], path[4096];
	bool sup;
	if (!alt_link(d, false, name, sizeof name, id, sizeof id, &sup)) {
		if (!cr_binary_section(d, ".gnu_debugaltlink") && !cr_binary_section(d, ".debug_sup"))
			return CR_OK;
		if (!cr_binary_section(d, ".gnu_debugaltlink") && alt_link(d, true, name, sizeof name, id, sizeof id, &sup))
			return CR_OK; /* a shared file itself: it links to none */
		return cr_fail(e, CR_FORMAT, "%s: malformed %s: names from its shared DWARF unknown", d->path,
			       cr_binary_section(d, ".gnu_debugaltlink") ? ".gnu_debugaltlink" : ".debug_sup");
	}
	int how = sup ? SUP : ALT;
	struct cr_buf why = { 0 };
	const char *all[40];
	char sysdbg[4096] = "";
	size_t nall = debug_dirs(dirs, ndirs, all, sysdbg, sizeof sysdbg);
	/* as gdb: the name (absolute, under the sysroot first; relative to
	 * the debug file's real directory), the build id in the debug
	 * directories and the debuginfod cache, then each debug directory
	 * with the absolute name under it (/usr/lib/debug/.dwz/...) */
	if (name[0] == '/') {
		if (cr_sysroot && strcmp(cr_sysroot, "/") != 0) {
			snprintf(path, sizeof path, "%s%s", cr_sysroot, name);
			if (try_id(id, path, how, 0, out, &why))
				goto found;
		}
		if (try_id(id, name, how, 0, out, &why))
			goto found;
	} else {
		char *real = realpath(d->path, NULL);
		const char *base = real ? real : d->path;
		const char *slash = strrchr(base, '/');
		if (slash)
			snprintf(path, sizeof path, "%.*s/%s", (int)(slash - base), base, name);
		else
			snprintf(path, sizeof path, "%s", name);
		free(real);
		if (try_id(id, path, how, 0, out, &why))
			goto found;
	}
	for (size_t k = 0; id_path(all, nall, id, k, path, sizeof path); k++)
		if (try_id(id, path, how, 0, out, &why))
			goto found;
	for (size_t i = 0; i < nall && name[0] == '/'; i++) {
		snprintf(path, sizeof path, "%s%s", all[i], name);
		if (try_id(id, path, how, 0, out, &why))
			goto found;
	}
	if (why.len)
		why.len -= 2; /* "; " */
	cr_fail(e, CR_NOTFOUND, "%s: its shared DWARF %s (build id %s) not found%s%.*s: names from it unknown", d->path,
		name, id, why.len ? ": " : "", (int)why.len, why.data ? why.data : "");
	cr_buf_release(&why);
	return CR_NOTFOUND;
found:
	cr_buf_release(&why);
	return CR_OK;
}
