/* Separate debug files, found as gdb and elfutils find them:
 *   1. DIR/.build-id/xx/rest.debug for each --debug-dir DIR, then
 *      SYSROOT/usr/lib/debug (with --sysroot), then /usr/lib/debug;
 *   2. the debuginfod client cache, read offline:
 *      $DEBUGINFOD_CACHE_PATH or ~/.cache/debuginfod_client, BUILDID/debuginfo;
 *   3. .gnu_debuglink NAME next to the file, in its .debug/ directory, and
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

/* Try one candidate. Returns true when it was taken (*out set). */
static bool try_file(const struct cr_binary *b, const char *p, bool check_crc, uint32_t crc,
		     struct cr_binary **out, struct cr_buf *why)
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
	if (check_crc) {
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
	if (b->gnu_build_id[0] && strcmp(b->gnu_build_id, d->gnu_build_id) != 0) {
		if (why->len < 4096)
			cr_buf_addf(why, "%s: build id %s, the binary has %s (not used); ", p,
				    d->gnu_build_id[0] ? d->gnu_build_id : "(none)", b->gnu_build_id);
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

enum cr_err cr_debug_find(const struct cr_binary *b, const char *const *dirs, size_t ndirs,
			  struct cr_binary **out, struct cr_error *e)
{
	*out = NULL;
	struct cr_buf why = { 0 };
	char path[4096];
	/* the debug directories, in order */
	const char *all[40];
	size_t nall = 0;
	char sysdbg[4096] = "";
	for (size_t i = 0; i < ndirs && nall < 36; i++)
		all[nall++] = dirs[i];
	if (cr_sysroot && strcmp(cr_sysroot, "/") != 0) {
		snprintf(sysdbg, sizeof sysdbg, "%s/usr/lib/debug", cr_sysroot);
		all[nall++] = sysdbg;
	}
	all[nall++] = "/usr/lib/debug";
	const char *id = b->gnu_build_id;
	size_t idlen = strlen(id);
	if (idlen > 2) {
		for (size_t i = 0; i < nall; i++) {
			snprintf(path, sizeof path, "%s/.build-id/%.2s/%s.debug", all[i], id, id + 2);
			if (try_file(b, path, false, 0, out, &why))
				goto found;
		}
		const char *cache = getenv("DEBUGINFOD_CACHE_PATH");
		const char *home = getenv("HOME");
		if (cache && *cache)
			snprintf(path, sizeof path, "%s/%s/debuginfo", cache, id);
		else if (home && *home)
			snprintf(path, sizeof path, "%s/.cache/debuginfod_client/%s/debuginfo", home, id);
		else
			path[0] = 0;
		if (path[0] && try_file(b, path, false, 0, out, &why))
			goto found;
	}
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
				snprintf(path, sizeof path, "%s/%s", dir, name);
				/* the link names another file than the binary itself */
				if (strcmp(path, b->path) != 0 && try_file(b, path, true, crc, out, &why))
					goto found;
				snprintf(path, sizeof path, "%s/.debug/%s", dir, name);
				if (try_file(b, path, true, crc, out, &why))
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
