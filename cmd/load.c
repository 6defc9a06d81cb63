/* Loading the profiles named on a command line, shared by top and flame:
 * any profile kind, goroutine dumps, and cores with their binary (an ELF
 * binary among the arguments, or --binary), merged into one profile. */
#include "cmd.h"
#include "coroner/core.h"
#include "coroner/elf.h"
#include "coroner/gort.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "coroner/sym.h"

#include <string.h>
#include <sys/stat.h>

/* A core's goroutines as a profile (gort), read with its binary. */
static enum cr_err load_core(struct cr_profile *p, const char *core_path, const char *binary,
			     struct cr_error *e)
{
	if (!binary)
		return cr_fail(e, CR_USAGE, "%s: a core needs its binary: give it as an argument or with --binary",
			       core_path);
	struct cr_binary *bin = NULL;
	struct cr_core core;
	struct cr_gort g;
	bool core_open = false;
	memset(&g, 0, sizeof g);
	enum cr_err rc = cr_binary_open(&bin, binary, e);
	if (!rc && !(rc = cr_core_open(&core, core_path, e)))
		core_open = true;
	if (!rc)
		rc = cr_gort_open(&g, &core, bin, e);
	if (!rc)
		rc = cr_gort_profile(&g, p, e);
	cmd_warnings(cr_buf_str(&g.warn));
	cr_gort_release(&g);
	if (core_open)
		cr_core_close(&core);
	cr_binary_close(bin);
	return rc;
}

/* Is a file an ELF core or binary? From its first bytes (decompressed). */
static enum cr_kind kind_of(const char *path)
{
	unsigned char head[64];
	size_t n;
	if (cr_input_head(path, head, sizeof head, &n, NULL))
		return CR_KIND_UNKNOWN;
	enum cr_kind k = cr_detect_kind(head, n);
	return k == CR_KIND_ELF_CORE || k == CR_KIND_ELF_EXEC ? k : CR_KIND_UNKNOWN;
}

int cmd_load_profiles(struct cr_profile *dst, char **paths, int n, const char *binary,
		      struct cr_error *e)
{
	/* an ELF binary among the arguments is the binary of the cores */
	const char *core_bin = binary;
	bool is_bin[256] = { 0 }, is_core[256] = { 0 };
	for (int i = 0; i < n && i < 256; i++) {
		/* only regular files are looked at twice: a pipe or stdin is read
		 * once, as a profile */
		struct stat st;
		if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		enum cr_kind k = kind_of(paths[i]);
		is_core[i] = k == CR_KIND_ELF_CORE;
		is_bin[i] = k == CR_KIND_ELF_EXEC;
		if (is_bin[i] && !core_bin)
			core_bin = paths[i];
	}
	int loaded = 0, ret = 0;
	/* one merger for all the files: each merge costs that file's samples */
	struct cr_merger mg;
	bool merging = false;
	for (int i = 0; i < n; i++) {
		if (i < 256 && is_bin[i])
			continue;
		struct cr_profile p;
		struct cr_buf warn = { 0 };
		if (cr_profile_init(&p)) {
			cr_fail(e, CR_NOMEM, "out of memory");
			return 1;
		}
		cmd_progress("reading %s", paths[i]);
		enum cr_err rc;
		if (i < 256 && is_core[i]) {
			rc = load_core(&p, paths[i], core_bin, e);
		} else {
			rc = cr_profile_load(&p, paths[i], &warn, e);
			if (!rc && binary)
				rc = cr_profile_symbolize_file(&p, binary, e);
		}
		cmd_warnings(cr_buf_str(&warn));
		cr_buf_release(&warn);
		if (!rc) {
			loaded++;
			if (dst->nsamples == 0 && dst->ntypes == 0) {
				cr_profile_release(dst);
				*dst = p;
				continue;
			}
			if (!merging && !(rc = cr_merger_init(&mg, dst, e)))
				merging = true;
			if (!rc)
				rc = cr_merger_add(&mg, &p, e);
		}
		cr_profile_release(&p);
		if (rc) {
			ret = 1;
			break;
		}
	}
	if (merging)
		cr_merger_release(&mg);
	if (!ret && !loaded) {
		cr_fail(e, CR_USAGE, "no profile given (only binaries)");
		return 1;
	}
	return ret;
}
