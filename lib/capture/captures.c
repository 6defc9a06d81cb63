/* Whole captures: a directory (or a list of files) whose files are each
 * recognised by content and loaded into their slot of a struct cr_capture;
 * a directory of capture directories; arguments grouped into captures. */
#include "coroner/capture.h"
#include "coroner/mem.h"
#include "coroner/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cr_captures_init(struct cr_captures *s)
{
	memset(s, 0, sizeof *s);
	cr_arena_init(&s->arena);
}

void cr_captures_release(struct cr_captures *s)
{
	for (size_t i = 0; i < s->ncaps; i++) {
		struct cr_capture *c = &s->caps[i];
		struct cr_profile *ps[4] = { c->heap, c->allocs, c->goroutine, c->goroutineleak };
		for (int k = 0; k < 4; k++)
			if (ps[k]) {
				cr_profile_release(ps[k]);
				cr_free(ps[k]);
			}
		cr_free(c->files);
		if (c->gocore) {
			cr_gocore_close(c->gocore);
			cr_free(c->gocore);
		}
	}
	cr_free(s->caps);
	cr_buf_release(&s->warnings);
	cr_buf_release(&s->notes);
	cr_arena_release(&s->arena);
	memset(s, 0, sizeof *s);
}

bool cr_capture_keep_gocore(struct cr_capture *c, struct cr_gocore *gc)
{
	if (c->gocore)
		return false;
	c->gocore = gc;
	return true;
}

/* Copy into the arena; NULL on NOMEM. */
static const char *cap_strdup(struct cr_captures *s, const char *str)
{
	return cr_arena_strndup(&s->arena, str, strlen(str));
}

/* The role a profile takes in a capture: "goroutine", "goroutineleak",
 * "heap", "allocs", "cpu" or "profile". */
static const char *profile_role(const struct cr_profile *p)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(cr_profile_str(p, p->types[i].type), "goroutineleak"))
			return "goroutineleak";
	if (p->source == CR_SRC_GOROUTINE_TEXT || p->source == CR_SRC_TRACEBACK || p->source == CR_SRC_CORE)
		return "goroutine";
	if (p->source == CR_SRC_HEAP_TEXT)
		return "heap";
	bool inuse = false, alloc = false;
	for (size_t i = 0; i < p->ntypes; i++) {
		const char *t = cr_profile_str(p, p->types[i].type);
		if (!strcmp(t, "inuse_space"))
			inuse = true;
		else if (!strcmp(t, "alloc_space"))
			alloc = true;
		else if (!strcmp(t, "goroutine"))
			return "goroutine";
		else if (!strcmp(t, "cpu"))
			return "cpu";
	}
	if (inuse && alloc)
		return !strcmp(cr_profile_str(p, p->default_type), "alloc_space") ? "allocs" : "heap";
	if (alloc)
		return "allocs";
	return "profile";
}

/* Read Pid and Name from a /proc/PID/status file. */
static void read_status(struct cr_capture *c, struct cr_captures *cs, const unsigned char *d, size_t n)
{
	struct cr_lines it;
	const char *s;
	size_t len;
	cr_lines_init(&it, d, n);
	while (cr_lines_next(&it, &s, &len, 4096, NULL)) {
		if (cr_starts(s, len, "Pid:")) {
			size_t i = cr_skip_ws(s, len, 4);
			int64_t v;
			if (cr_parse_i64(s, len, &i, &v))
				c->pid = v;
		} else if (cr_starts(s, len, "Name:")) {
			size_t i = cr_skip_ws(s, len, 5);
			c->process = cr_arena_strndup(&cs->arena, s + i, len - i);
		}
	}
}

/* Does this profile beat the one already chosen for its role? Protobuf
 * over text for heaps (inlined frames); for goroutines a traceback (states,
 * wait times, creators) over the rest. */
static bool better(const struct cr_profile *cand, const struct cr_profile *cur, const char *role)
{
	if (!cur)
		return true;
	if (!strcmp(role, "goroutine"))
		return cand->source == CR_SRC_TRACEBACK && cur->source != CR_SRC_TRACEBACK;
	return cand->source == CR_SRC_PPROF && cur->source != CR_SRC_PPROF;
}

/* A profile of a capture: parsed, and kept when it is the best of its role. */
static enum cr_err add_profile(struct cr_captures *cs, struct cr_capture *c, struct cr_capture_file *cf,
			       const struct cr_input *in, struct cr_error *e)
{
	struct cr_error fe = { 0 };
	enum cr_err rc;
	struct cr_profile *p = cr_malloc(sizeof *p);
	struct cr_buf warn = { 0 };
	if (!p || cr_profile_init(p)) {
		cr_free(p);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	p->name = cf->path;
	rc = cr_profile_parse(p, in->data, in->len, cf->path, &warn, &fe);
	if (warn.len) {
		size_t nl = 0;
		for (size_t k = 0; k < warn.len; k++)
			nl += warn.data[k] == '\n';
		cr_buf_linef(&cs->warnings, 1024, "%s: %zu warning%s (first: %.*s)", cf->path, nl ? nl : 1,
			     nl > 1 ? "s" : "", (int)strcspn(cr_buf_str(&warn), "\n"), cr_buf_str(&warn));
	}
	cr_buf_release(&warn);
	if (rc) {
		cr_profile_release(p);
		cr_free(p);
		if (rc == CR_NOMEM || rc == CR_LIMIT)
			return cr_fail(e, rc, "%s", fe.msg);
		cf->problem = cap_strdup(cs, fe.msg);
		cr_buf_linef(&cs->warnings, 1024, "%s", fe.msg);
		return CR_OK;
	}
	const char *role = profile_role(p);
	cf->role = role;
	if (cf->kind == CR_KIND_HEAP_TEXT && !c->heap_text)
		c->heap_text = cf->path;
	if (p->time_nanos > c->time_nanos)
		c->time_nanos = p->time_nanos;
	struct cr_profile **slot = !strcmp(role, "heap") ? &c->heap
				   : !strcmp(role, "allocs") ? &c->allocs
				   : !strcmp(role, "goroutine") ? &c->goroutine
				   : !strcmp(role, "goroutineleak") ? &c->goroutineleak : NULL;
	const char **pslot = !strcmp(role, "heap") ? &c->heap_path
			     : !strcmp(role, "allocs") ? &c->allocs_path
			     : !strcmp(role, "goroutine") ? &c->goroutine_path
			     : !strcmp(role, "goroutineleak") ? &c->goroutineleak_path : NULL;
	if (slot && better(p, *slot, role)) {
		if (*slot) {
			cr_profile_release(*slot);
			cr_free(*slot);
		}
		*slot = p;
		*pslot = cf->path;
	} else {
		cr_profile_release(p);
		cr_free(p);
	}
	return CR_OK;
}

/* A file of no other kind: runtime.MemStats as JSON (expvar's /debug/vars,
 * json.Marshal), or not recognised. */
static enum cr_err add_other(struct cr_capture *c, struct cr_capture_file *cf, const struct cr_input *in,
			     struct cr_error *e)
{
	size_t k = 0;
	while (k < in->len && k < 64 && (in->data[k] == ' ' || in->data[k] == '\n' || in->data[k] == '\t' ||
					  in->data[k] == '\r'))
		k++;
	if (k < in->len && in->data[k] == '{') {
		struct cr_memsnap ms;
		cr_memsnap_init(&ms);
		enum cr_err mr = cr_memsnap_parse(&ms, in->data, in->len, cf->path, NULL, NULL);
		bool ok = mr == CR_OK && ms.src == CR_MS_MEMSTATS;
		cr_memsnap_release(&ms);
		if (mr == CR_NOMEM)
			return cr_fail(e, CR_NOMEM, "out of memory");
		if (ok) {
			c->memstats = cf->path;
			cf->role = "memstats";
			return CR_OK;
		}
	}
	cf->problem = "not recognised";
	return CR_OK;
}

static enum cr_err add_file(struct cr_captures *cs, struct cr_capture *c, const char *path,
			    struct cr_error *e)
{
	if (cr_grow(&c->files, &c->cap_files, c->nfiles + 1, sizeof *c->files))
		return cr_fail(e, CR_NOMEM, "out of memory");
	struct cr_capture_file *cf = &c->files[c->nfiles];
	memset(cf, 0, sizeof *cf);
	cf->path = cap_strdup(cs, path);
	if (!cf->path)
		return cr_fail(e, CR_NOMEM, "out of memory");
	c->nfiles++;
	if (cs->progress)
		cs->progress(cs->progress_ctx, path);

	struct cr_input in;
	struct cr_error fe = { 0 };
	enum cr_err rc = cr_capture_input_open(&in, path, &fe);
	if (rc) {
		if (rc == CR_NOMEM)
			return cr_fail(e, rc, "%s", fe.msg);
		cf->problem = cap_strdup(cs, fe.msg);
		cr_buf_linef(&cs->warnings, 1024, "%s", fe.msg);
		return CR_OK;
	}
	if (cr_cgroup_file_version(path)) {
		/* most hold one number: known by name, read by the memory analyses */
		cf->kind = CR_KIND_CGROUP_FILE;
		cf->role = "cgroup";
		if (c->ncgroup_files < sizeof c->cgroup_files / sizeof c->cgroup_files[0])
			c->cgroup_files[c->ncgroup_files++] = cf->path;
		cr_input_close(&in);
		return CR_OK;
	}
	cf->kind = cr_kind_of(in.data, in.len);
	switch (cf->kind) {
	case CR_KIND_PPROF:
	case CR_KIND_HEAP_TEXT:
	case CR_KIND_GOROUTINE_TEXT:
	case CR_KIND_TRACEBACK:
	case CR_KIND_OTHER_TEXT_PROFILE:
	case CR_KIND_LEGACY_CPU:
		rc = add_profile(cs, c, cf, &in, e);
		break;
	case CR_KIND_SMAPS_ROLLUP: c->smaps_rollup = cf->path; break;
	case CR_KIND_SMAPS: c->smaps = cf->path; break;
	case CR_KIND_STATUS:
		c->status = cf->path;
		read_status(c, cs, in.data, in.len);
		break;
	case CR_KIND_MEMORY_STAT: c->memory_stat = cf->path; break;
	case CR_KIND_KERNEL_LOG: c->kernel_log = cf->path; break;
	case CR_KIND_GCTRACE: c->gctrace = cf->path; break;
	case CR_KIND_GO_METRICS: /* MemStats' figures; a MemStats JSON wins */
		if (!c->memstats)
			c->memstats = cf->path;
		cf->role = "memstats";
		break;
	case CR_KIND_RACE: /* read by cr_report_analyse_race */
		if (!c->race)
			c->race = cf->path;
		/* a -race build that also crashed: its traceback too */
		if (cr_traceback_anywhere(in.data, in.len))
			rc = add_profile(cs, c, cf, &in, e);
		if (!cf->role)
			cf->role = "race";
		break;
	case CR_KIND_NET: cf->role = "net"; break; /* read by cr_report_analyse_net */
	case CR_KIND_ELF_CORE: c->core = cf->path; break;
	case CR_KIND_ELF_EXEC: c->binary = cf->path; break;
	default:
		rc = add_other(c, cf, &in, e);
		break;
	}
	cr_input_close(&in);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_cap_time(const void *a, const void *b)
{
	const struct cr_capture *x = a, *y = b;
	return x->time_nanos < y->time_nanos ? -1 : x->time_nanos > y->time_nanos;
}

static enum cr_err add_capture(struct cr_captures *cs, const char *const *paths, size_t n, int depth,
			       struct cr_error *e)
{
	if (n == 0)
		return cr_fail(e, CR_USAGE, "empty capture");
	if (cr_grow(&cs->caps, &cs->cap_caps, cs->ncaps + 1, sizeof *cs->caps))
		return cr_fail(e, CR_NOMEM, "out of memory");
	size_t ci = cs->ncaps++;
	struct cr_capture *c = &cs->caps[ci];
	memset(c, 0, sizeof *c);
	c->pid = -1;
	c->path = cap_strdup(cs, paths[0]);
	enum cr_err rc = CR_OK;
	struct stat st;
	const char **subdirs = NULL;
	size_t nsub = 0, capsub = 0;
	if (n == 1 && strcmp(paths[0], "-") && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(paths[0]);
		if (!d) {
			cs->ncaps--;
			return cr_fail(e, CR_IO, "%s: cannot read directory: %s", paths[0], strerror(errno));
		}
		const char **names = NULL;
		size_t nn = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d)) && !rc) {
			if (de->d_name[0] == '.')
				continue;
			char full[4096];
			snprintf(full, sizeof full, "%s/%s", paths[0], de->d_name);
			if (stat(full, &st) != 0)
				continue;
			if (S_ISDIR(st.st_mode) && depth == 0) {
				if (cr_grow(&subdirs, &capsub, nsub + 1, sizeof *subdirs) ||
				    !(subdirs[nsub++] = cap_strdup(cs, full)))
					rc = cr_fail(e, CR_NOMEM, "out of memory");
				continue;
			}
			if (!S_ISREG(st.st_mode))
				continue;
			if (cr_grow(&names, &cap, nn + 1, sizeof *names) ||
			    !(names[nn++] = cap_strdup(cs, full)))
				rc = cr_fail(e, CR_NOMEM, "out of memory");
			if (nn > 10000 || nsub > 1000)
				rc = cr_fail(e, CR_LIMIT, "%s: more than 10000 files", paths[0]);
		}
		closedir(d);
		if (!rc && nn > 1)
			qsort(names, nn, sizeof *names, cmp_str);
		for (size_t i = 0; i < nn && !rc; i++)
			rc = add_file(cs, &cs->caps[ci], names[i], e);
		cr_free(names);
	} else {
		c->path_is_file = true;
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_file(cs, c, paths[i], e);
	}
	c = &cs->caps[ci];
	if (rc) {
		cr_free(subdirs);
		return rc;
	}
	if (c->path_is_file) {
		/* a list of files is named by its first usable one */
		for (size_t i = 0; i < c->nfiles; i++)
			if (!c->files[i].problem) {
				c->path = c->files[i].path;
				break;
			}
	}
	bool any = false;
	size_t nbin = 0, ndata = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cr_capture_file *f = &c->files[i];
		if (f->problem)
			continue;
		/* under a capture root, a directory of MemStats JSON alone (say,
		 * reference outputs) is no capture */
		if (depth > 0 && f->role && !strcmp(f->role, "memstats"))
			continue;
		any = true;
		nbin += f->kind == CR_KIND_ELF_EXEC;
		ndata += f->kind != CR_KIND_ELF_EXEC;
	}
	/* only binaries (given alone), or a directory of capture directories
	 * (its binaries serve them all): not a capture itself */
	if (!any || (nbin && !ndata && (n == c->nfiles || nsub)) || (!ndata && nsub)) {
		const char *bin = nbin ? c->binary : NULL;
		cr_free(c->files);
		cs->ncaps--;
		if (bin)
			cs->binary = bin; /* in the arena */
		if (nsub) {
			qsort(subdirs, nsub, sizeof *subdirs, cmp_str);
			size_t first = cs->ncaps;
			for (size_t i = 0; i < nsub && !rc; i++) {
				rc = add_capture(cs, &subdirs[i], 1, depth + 1, e);
				if (rc == CR_EMPTY) {
					cr_buf_linef(&cs->notes, 1024, "%s", e->msg);
					cr_error_clear(e);
					rc = CR_OK;
				}
			}
			/* oldest first, when every one of them says when it was taken */
			bool timed = cs->ncaps - first > 1;
			for (size_t i = first; i < cs->ncaps; i++)
				timed = timed && cs->caps[i].time_nanos > 0;
			if (!rc && timed)
				qsort(&cs->caps[first], cs->ncaps - first, sizeof *cs->caps, cmp_cap_time);
			cr_free(subdirs);
			if (rc)
				return rc;
			if (cs->ncaps > first)
				return CR_OK;
			return cr_fail(e, CR_EMPTY, "%s: no file coroner can read in this capture", paths[0]);
		}
		if (bin)
			return CR_OK;
		return cr_fail(e, CR_EMPTY, "%s: no file coroner can read in this capture", paths[0]);
	}
	cr_free(subdirs);
	return CR_OK;
}

/* The slot a file would take in a capture, from its content (for grouping
 * args): role and format, so heap.pb.gz and heap.txt of one moment, or a
 * goroutine profile and a debug=2 dump, share a capture. NULL for files
 * that take no slot (unrecognised ones). */
static const char *arg_role(const char *path)
{
	struct cr_input in;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (cr_cgroup_file_version(path))
		return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (cr_input_open(&in, path, 0, NULL))
		return NULL;
	enum cr_kind k = cr_kind_of(in.data, in.len);
	const char *role = k == CR_KIND_UNKNOWN ? NULL : cr_kind_name(k);
	if (k == CR_KIND_PPROF) {
		struct cr_profile p;
		role = "profile/pprof";
		if (cr_profile_init(&p) == CR_OK && cr_profile_parse(&p, in.data, in.len, path, NULL, NULL) == CR_OK) {
			const char *pr = profile_role(&p);
			role = !strcmp(pr, "heap") ? "heap/pprof" : !strcmp(pr, "allocs") ? "allocs/pprof"
			       : !strcmp(pr, "goroutine") ? "goroutine/pprof" : !strcmp(pr, "cpu") ? "cpu/pprof"
			       : "profile/pprof";
		}
		cr_profile_release(&p);
	}
	cr_input_close(&in);
	return role;
}

size_t cr_capture_group_args(const char *const *args, size_t n, size_t *starts, size_t *counts)
{
	size_t ng = 0;
	const char *roles[64];
	size_t nroles = 0;
	bool open = false;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		bool dir = strcmp(args[i], "-") && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode);
		if (dir) {
			starts[ng] = i;
			counts[ng++] = 1;
			open = false;
			continue;
		}
		const char *role = arg_role(args[i]);
		if (role && !strcmp(role, cr_kind_name(CR_KIND_ELF_EXEC))) {
			starts[ng] = i;
			counts[ng++] = 1;
			open = false;
			continue;
		}
		bool repeat = false;
		for (size_t k = 0; role && k < nroles; k++)
			if (!strcmp(roles[k], role))
				repeat = true;
		if (!open || repeat) {
			starts[ng] = i;
			counts[ng++] = 0;
			open = true;
			nroles = 0;
		}
		counts[ng - 1]++;
		if (role && nroles < 64)
			roles[nroles++] = role;
	}
	return ng;
}

enum cr_err cr_captures_add(struct cr_captures *s, const char *const *paths, size_t n,
			    struct cr_error *e)
{
	return add_capture(s, paths, n, 0, e);
}

/* The order key of a capture: 2 for one holding a core (the crash ends the
 * process: after every snapshot), else 1 with its profiles' time, else 0
 * with its files' newest mtime (dumps, /proc files). */
struct okey { int cls; int64_t t, mt; size_t i; };

static int cmp_okey(const void *a, const void *b)
{
	const struct okey *x = a, *y = b;
	if ((x->cls == 2) != (y->cls == 2))
		return x->cls == 2 ? 1 : -1;
	if (x->cls != 2 && x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i; /* stable: the order given */
}

enum cr_err cr_captures_order(struct cr_captures *s, bool *moved)
{
	*moved = false;
	if (s->ncaps < 2)
		return CR_OK;
	struct okey *k = cr_malloc(s->ncaps * sizeof *k);
	struct cr_capture *tmp = cr_malloc(s->ncaps * sizeof *tmp);
	if (!k || !tmp) {
		cr_free(k);
		cr_free(tmp);
		return CR_NOMEM;
	}
	/* profiles' times when every capture without a core has one, else
	 * mtimes when every one has a file; else only the cores move */
	bool all_t = true, all_mt = true;
	for (size_t i = 0; i < s->ncaps; i++) {
		const struct cr_capture *c = &s->caps[i];
		k[i] = (struct okey){ .cls = c->core ? 2 : 1, .t = c->time_nanos, .i = i };
		for (size_t f = 0; f < c->nfiles; f++) {
			struct stat st;
			if (!c->files[f].problem && stat(c->files[f].path, &st) == 0) {
				int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
				if (mt > k[i].mt)
					k[i].mt = mt;
			}
		}
		if (k[i].cls == 1) {
			all_t = all_t && k[i].t > 0;
			all_mt = all_mt && k[i].mt > 0;
		}
	}
	/* files unpacked or checked out together get mtimes a moment apart
	 * in no particular order: mtimes order only when a second or more
	 * apart */
	for (size_t i = 0; all_mt && !all_t && i < s->ncaps; i++)
		for (size_t j = i + 1; j < s->ncaps; j++)
			if (k[i].cls == 1 && k[j].cls == 1 && llabs(k[i].mt - k[j].mt) < 1000000000)
				all_mt = false;
	for (size_t i = 0; i < s->ncaps; i++)
		if (k[i].cls == 1)
			k[i].t = all_t ? k[i].t : all_mt ? k[i].mt : 0;
	qsort(k, s->ncaps, sizeof *k, cmp_okey);
	for (size_t i = 0; i < s->ncaps; i++) {
		tmp[i] = s->caps[k[i].i];
		*moved = *moved || k[i].i != i;
	}
	memcpy(s->caps, tmp, s->ncaps * sizeof *tmp);
	cr_free(k);
	cr_free(tmp);
	return CR_OK;
}
