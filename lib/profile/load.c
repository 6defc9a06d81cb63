/* The profile reader dispatch: a file's kind (from its content) picks the
 * reader. */
#include "coroner/detect.h"
#include "coroner/goroutine.h"
#include "coroner/input.h"
#include "coroner/net.h"
#include "coroner/perf.h"
#include "coroner/profile.h"
#include "coroner/text.h"
#include "legacy_int.h"
#include "pprof_int.h"
#include "profile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum cr_kind cr_kind_of(const unsigned char *data, size_t len)
{
	if (cr_net_detect(data, len) != CR_NET_UNKNOWN)
		return CR_KIND_NET;
	if (cr_perf_script_detect(data, len))
		return CR_KIND_PERF_SCRIPT;
	enum cr_kind k = cr_detect_kind(data, len);
	if (k == CR_KIND_UNKNOWN && cr_folded_detect(data, len))
		return CR_KIND_FOLDED;
	return k;
}

/* The legacy text profiles, by their first line that is not blank. */
static enum cr_err read_other_text(struct cr_profile *p, const unsigned char *data, size_t len,
				   const char *name, struct cr_buf *warn, struct cr_error *e)
{
	struct cr_lines it;
	const char *s = "";
	size_t n = 0;
	enum cr_err rc;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, 4096, NULL) && cr_skip_ws(s, n, 0) == n)
		;
	if (cr_java_text_profile(data, len))
		rc = cr_profile_read_java(p, data, len, name, warn, e);
	else if (cr_contention_header(s, n))
		return cr_profile_read_contention(p, data, len, name, warn, e);
	else if (cr_starts(s, n, "--- threadz") || cr_starts(s, n, "--- Thread "))
		rc = cr_profile_read_threadz(p, data, len, name, warn, e);
	else if (memmem(s, n, " profile: total ", 16)) {
		/* threadcreate and other count profiles: pprof gives their
		 * addresses a mapping with no file */
		rc = cr_profile_read_goroutine_text(p, data, len, name, warn, e);
		if (!rc && cr_legacy_maps(p, "", 0))
			rc = cr_fail(e, CR_NOMEM, "%s: count profile: out of memory (limit %zu MiB)", name,
				     cr_limits.max_memory >> 20);
		return rc;
	}
	else
		return cr_fail(e, CR_UNSUPPORTED, "%s: is %s, not a profile", name,
			       cr_kind_article(CR_KIND_OTHER_TEXT_PROFILE));
	return rc ? rc : cr_profile_prune(p, e);
}

enum cr_err cr_profile_parse(struct cr_profile *p, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e)
{
	enum cr_kind k = cr_kind_of(data, len);
	enum cr_err rc;
	switch (k) {
	case CR_KIND_PPROF:
		rc = cr_profile_read_pprof(p, data, len, name, e);
		return rc ? rc : cr_profile_prune(p, e);
	case CR_KIND_HEAP_TEXT:
		rc = cr_profile_read_heap_text(p, data, len, name, e);
		return rc ? rc : cr_profile_prune(p, e);
	case CR_KIND_GOROUTINE_TEXT:
		return cr_profile_read_goroutine_text(p, data, len, name, warn, e);
	case CR_KIND_TRACEBACK:
		return cr_profile_read_traceback(p, data, len, name, warn, e);
	case CR_KIND_OTHER_TEXT_PROFILE:
		return read_other_text(p, data, len, name, warn, e);
	case CR_KIND_LEGACY_CPU:
		rc = cr_profile_read_legacy_cpu(p, data, len, name, warn, e);
		return rc ? rc : cr_profile_prune(p, e);
	case CR_KIND_PERF_SCRIPT:
		return cr_profile_read_perf_script(p, data, len, name, warn, e);
	case CR_KIND_FOLDED:
		return cr_profile_read_folded(p, data, len, name, warn, e);
	case CR_KIND_RACE:
		/* a -race build that also crashed: its traceback is the profile */
		if (cr_traceback_anywhere(data, len))
			return cr_profile_read_traceback(p, data, len, name, warn, e);
		return cr_fail(e, CR_UNSUPPORTED, "%s: is %s, not a profile", name, cr_kind_article(k));
	case CR_KIND_UNKNOWN:
		if (len == 0)
			return cr_fail(e, CR_FORMAT, "%s: empty file", name);
		if (cr_looks_text(data, len < 4096 ? len : 4096) && cr_traceback_anywhere(data, len))
			return cr_profile_read_traceback(p, data, len, name, warn, e);
		return cr_fail(e, CR_UNSUPPORTED, "%s: not a profile (unrecognised content)", name);
	default:
		return cr_fail(e, CR_UNSUPPORTED, "%s: is %s, not a profile", name, cr_kind_article(k));
	}
}

/* A file being inflated on a second thread: a pprof profile is read
 * behind the inflation; anything else once it is all there. */
static enum cr_err parse_async(struct cr_profile *p, struct cr_input *in, struct cr_buf *warn,
			       struct cr_error *e)
{
	bool again = false;
	enum cr_err rc;
	if (cr_kind_of(in->data, cr_input_ready(in, 4096)) == CR_KIND_PPROF) {
		rc = cr_pprof_read_input(p, in, &again, e);
		if (!again)
			return rc ? rc : cr_profile_prune(p, e);
		bool one = p->one_thread;
		unsigned char leave = p->leave_out;
		cr_profile_release(p);
		if (cr_profile_init(p))
			return cr_fail(e, CR_NOMEM, "%s: out of memory", in->name);
		p->one_thread = one, p->leave_out = leave;
	} else if ((rc = cr_input_finish(in, &again, e))) {
		return rc;
	}
	return cr_profile_parse(p, in->data, in->len, in->name, warn, e);
}

enum cr_err cr_profile_load(struct cr_profile *p, const char *path, struct cr_buf *warn,
			    struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open_async(&in, path, 0, e);
	if (rc)
		return rc;
	if (in.bg)
		rc = parse_async(p, &in, warn, e);
	else
		rc = cr_profile_parse(p, in.data, in.len, in.name, warn, e);
	cr_input_close(&in);
	return rc;
}

/* Files smaller than this are read into the caller's scratch buffer. */
#define HERE_MAX ((size_t)1 << 20)

bool cr_profile_read_small(const char *path, struct cr_buf *scratch)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		  (size_t)st.st_size <= HERE_MAX && !cr_grow(&scratch->data, &scratch->cap, (size_t)st.st_size, 1);
	size_t len = 0, want = ok ? (size_t)st.st_size : 0;
	while (ok && len < want) {
		ssize_t n = read(fd, scratch->data + len, want - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ok = false;
		else
			len += (size_t)n;
	}
	close(fd);
	scratch->len = len;
	return ok;
}

enum cr_err cr_profile_input_here(struct cr_input *in, const char *path, struct cr_buf *scratch,
				  struct cr_error *e)
{
	if (strcmp(path, "-") && cr_profile_read_small(path, scratch))
		return cr_profile_input_small(in, path, scratch, e);
	return cr_input_open(in, path, 0, e);
}

enum cr_err cr_profile_input_small(struct cr_input *in, const char *path, const struct cr_buf *scratch,
				   struct cr_error *e)
{
	return cr_input_from_memory(in, path, scratch->data, scratch->len, cr_limits.max_inflate, e);
}

enum cr_err cr_profile_parse_here(struct cr_profile *p, const struct cr_input *in, struct cr_buf *warn,
				  struct cr_error *e)
{
	p->one_thread = true;
	enum cr_err rc = cr_profile_parse(p, in->data, in->len, in->name, warn, e);
	p->one_thread = false;
	return rc;
}

enum cr_err cr_profile_load_here(struct cr_profile *p, const char *path, struct cr_buf *scratch,
				 struct cr_buf *warn, struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_profile_input_here(&in, path, scratch, e);
	if (rc)
		return rc;
	rc = cr_profile_parse_here(p, &in, warn, e);
	cr_input_close(&in);
	return rc;
}

enum cr_err cr_goroutines_parse(struct cr_profile *p, const unsigned char *data, size_t len,
				const char *name, struct cr_buf *warn, struct cr_error *e)
{
	return cr_profile_parse(p, data, len, name, warn, e);
}

enum cr_err cr_goroutines_load(struct cr_profile *p, const char *path, struct cr_buf *warn,
			       struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_goroutines_parse(p, in.data, in.len, in.name, warn, e);
	cr_input_close(&in);
	return rc;
}

enum cr_err cr_goroutines_load_dump(struct cr_profile *p, const char *path, size_t which,
				    struct cr_buf *warn, struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	enum cr_kind k = cr_kind_of(in.data, in.len);
	if (k == CR_KIND_TRACEBACK || (k == CR_KIND_RACE && cr_traceback_anywhere(in.data, in.len)) ||
	    (k == CR_KIND_UNKNOWN && cr_looks_text(in.data, in.len < 4096 ? in.len : 4096) &&
	     cr_traceback_anywhere(in.data, in.len)))
		rc = cr_profile_read_traceback_dump(p, in.data, in.len, in.name, which, warn, e);
	else if (k != CR_KIND_UNKNOWN)
		rc = cr_fail(e, CR_UNSUPPORTED, "%s: is %s, not a goroutine dump", in.name, cr_kind_article(k));
	else
		rc = cr_fail(e, CR_UNSUPPORTED, "%s: not a goroutine dump", in.name);
	cr_input_close(&in);
	return rc;
}
