/* Files one by one: opening with the right cap, recognising a file's kind,
 * and the profiles named on a command line merged into one (top, flame). */
#include "coroner/capture.h"
#include "coroner/sym.h"

#include <string.h>
#include <sys/stat.h>

enum cr_err cr_capture_input_open(struct cr_input *in, const char *path, struct cr_error *e)
{
	/* the cap from the first bytes: a core's for an ELF core (cores are
	 * large), the profile cap for everything else; never a second read
	 * with a larger cap */
	return cr_input_open(in, path, cr_input_cap_for(path), e);
}

enum cr_kind cr_capture_kind(const char *path, bool core_cap, bool *goroutine, struct cr_error *e)
{
	struct cr_input in;
	if (goroutine)
		*goroutine = false;
	else {
		/* the kind alone: from a bounded, decompressed prefix */
		unsigned char head[4096];
		size_t n = cr_input_peek(path, head, sizeof head);
		if (n)
			return cr_kind_of(head, n);
	}
	struct cr_error first = { 0 };
	enum cr_err rc = cr_input_open(&in, path, 0, &first);
	if (rc == CR_LIMIT && core_cap)
		rc = cr_input_open(&in, path, cr_limits.max_core_inflate, e);
	else if (rc)
		cr_fail(e, rc, "%s", first.msg);
	if (rc)
		return CR_KIND_UNKNOWN;
	enum cr_kind k = cr_kind_of(in.data, in.len);
	if (k == CR_KIND_PPROF && goroutine) {
		struct cr_profile p;
		cr_profile_init(&p);
		if (cr_profile_read_pprof(&p, in.data, in.len, in.name, NULL) == CR_OK && p.ntypes == 1 &&
		    (strcmp(cr_profile_str(&p, p.types[0].type), "goroutine") == 0 ||
		     strcmp(cr_profile_str(&p, p.types[0].type), "goroutineleak") == 0))
			*goroutine = true;
		cr_profile_release(&p);
	}
	cr_input_close(&in);
	return k;
}

/* Append a file's warnings to warn, each line ending in a newline. */
static void add_warnings(struct cr_buf *warn, const char *text)
{
	size_t n = strlen(text);
	if (!warn || !n)
		return;
	cr_buf_add(warn, text, n);
	if (text[n - 1] != '\n')
		cr_buf_add(warn, "\n", 1);
}

/* A core's goroutines as a profile (gort), read with its binary. */
static enum cr_err load_core(struct cr_profile *p, const char *core_path, const char *binary,
			     struct cr_buf *warn, struct cr_error *e)
{
	if (!binary)
		return cr_fail(e, CR_USAGE, "%s: a core needs its binary: give it as an argument or with --binary",
			       core_path);
	struct cr_gocore gc;
	enum cr_err rc = cr_gocore_open(&gc, binary, core_path, e);
	if (!rc)
		rc = cr_gort_profile(&gc.g, p, e);
	if (gc.gort_open)
		add_warnings(warn, cr_buf_str(&gc.g.warn));
	cr_gocore_close(&gc);
	return rc;
}

enum cr_err cr_capture_load_profiles(struct cr_profile *dst, const char *const *paths, size_t n,
				     const char *binary, struct cr_buf *warn,
				     cr_progress_fn *progress, void *progress_ctx, struct cr_error *e)
{
	/* what each path is: 0 a profile, 1 a core, 2 a binary */
	unsigned char *what = n ? cr_calloc(n, 1) : NULL;
	if (n && !what)
		return cr_fail(e, CR_NOMEM, "out of memory");
	/* an ELF binary among the arguments is the binary of the cores */
	const char *core_bin = binary;
	for (size_t i = 0; i < n; i++) {
		/* only regular files are looked at twice: a pipe or stdin is read
		 * once, as a profile */
		struct stat st;
		if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		enum cr_kind k = cr_capture_kind(paths[i], true, NULL, NULL);
		what[i] = k == CR_KIND_ELF_CORE ? 1 : k == CR_KIND_ELF_EXEC ? 2 : 0;
		if (what[i] == 2 && !core_bin)
			core_bin = paths[i];
	}
	enum cr_err rc = CR_OK;
	size_t loaded = 0;
	/* one merger for all the files: each merge costs that file's samples */
	struct cr_merger mg;
	bool merging = false;
	for (size_t i = 0; i < n && !rc; i++) {
		if (what[i] == 2)
			continue;
		struct cr_profile p;
		struct cr_buf fwarn = { 0 };
		if (cr_profile_init(&p)) {
			rc = cr_fail(e, CR_NOMEM, "out of memory");
			break;
		}
		if (progress)
			progress(progress_ctx, paths[i]);
		if (what[i] == 1) {
			rc = load_core(&p, paths[i], core_bin, warn, e);
		} else {
			rc = cr_profile_load(&p, paths[i], &fwarn, e);
			if (!rc && binary)
				rc = cr_profile_symbolize_file(&p, binary, e);
		}
		add_warnings(warn, cr_buf_str(&fwarn));
		cr_buf_release(&fwarn);
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
	}
	if (merging)
		cr_merger_release(&mg);
	cr_free(what);
	if (!rc && !loaded)
		rc = cr_fail(e, CR_USAGE, "no profile given (only binaries)");
	return rc;
}
