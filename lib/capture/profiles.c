/* Files one by one: opening with the right cap, recognising a file's kind,
 * and the profiles named on a command line merged into one (top, flame). */
#include "coroner/capture.h"
#include "coroner/sym.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The merge of the files named on a command line, in their order: each
 * file's profile is merged into dst as it comes (the first one becomes dst). */
struct merging {
	struct cr_profile *dst;
	struct cr_merger mg;
	bool merging;
	size_t loaded;
	cr_load_skip_fn *skip; /* NULL: a file that cannot be read stops the load */
	void *skip_ctx;
	bool exact_types;
	struct cr_unit_clash *clash;
	unsigned char leave_out; /* each profile's, before it is read */
	bool merge_failed; /* with skip: the files after it are still offered to skip */
	bool fleet_full;   /* cr_merger_add_fleet's *full */
	/* the files read on every core (load_parallel) */
	const char *const *paths;
	size_t n;
	struct cr_buf *warn;
	cr_progress_fn *progress;
	void *progress_ctx;
	const char *core_bin; /* the binary of the cores, once one is met */
	bool core_bin_known;
};

/* The index in q of the sample type named t, or -1 */
static long type_index(const struct cr_profile *q, const char *t)
{
	for (size_t i = 0; i < q->ntypes; i++)
		if (!strcmp(cr_profile_str(q, q->types[i].type), t))
			return (long)i;
	return -1;
}

/* pprof's compatibilizeSampleTypes: q's values reduced to the types
 * named in common (in that order, each one q has); its default type
 * kept when it is among them, else the first of them. Nothing changes
 * when q has those types alone, in that order. */
static enum cr_err keep_types(struct cr_profile *q, const char *const *common, size_t nc, struct cr_error *e)
{
	size_t *map = cr_calloc(nc, sizeof *map);
	int64_t *row = cr_calloc(nc, sizeof *row);
	struct cr_valuetype *types = cr_calloc(nc, sizeof *types);
	bool same = nc == q->ntypes;
	enum cr_err rc = CR_OK;
	if (!map || !row || !types) {
		rc = cr_fail(e, CR_NOMEM, "out of memory merging");
		goto out;
	}
	for (size_t i = 0; i < nc; i++) {
		map[i] = (size_t)type_index(q, common[i]);
		types[i] = q->types[map[i]];
		same &= map[i] == i;
	}
	if (same)
		goto out;
	const char *def = cr_profile_str(q, q->default_type);
	bool kept = false;
	for (size_t i = 0; i < nc && !kept; i++)
		kept = !strcmp(def, common[i]);
	if (!kept && (q->default_type = cr_profile_intern_z(q, common[0])) == UINT32_MAX) {
		rc = cr_fail(e, CR_NOMEM, "out of memory merging");
		goto out;
	}
	/* rows move down (nc <= ntypes): each read whole before it is written */
	for (size_t s = 0; s < q->nsamples; s++) {
		for (size_t i = 0; i < nc; i++)
			row[i] = q->values[s * q->ntypes + map[i]];
		memcpy(&q->values[s * nc], row, nc * sizeof *row);
	}
	memcpy(q->types, types, nc * sizeof *types);
	q->ntypes = nc;
out:
	cr_free(map);
	cr_free(row);
	cr_free(types);
	return rc;
}

/* pprof's CompatibilizeSampleTypes before each merge: dst (the files so
 * far) and p reduced to the types both have, in dst's order. None in
 * common: CR_FORMAT. */
static enum cr_err common_types(struct merging *m, struct cr_profile *p, struct cr_error *e)
{
	struct cr_profile *dst = m->dst;
	const char **common = cr_calloc(dst->ntypes + 1, sizeof *common);
	size_t nc = 0;
	enum cr_err rc = CR_OK;
	if (!common)
		return cr_fail(e, CR_NOMEM, "out of memory merging");
	for (size_t i = 0; i < dst->ntypes; i++)
		if (type_index(p, cr_profile_str(dst, dst->types[i].type)) >= 0)
			common[nc++] = cr_profile_str(dst, dst->types[i].type);
	if (nc == 0) {
		rc = cr_fail(e, CR_FORMAT, "%s: sample types differ from the first profile's, none in common; cannot merge",
			     p->name ? p->name : "profile");
	} else if (nc != dst->ntypes || nc != p->ntypes) {
		/* dst's strings stay put while its types are cut (the names of
		 * common are dst's); a merger indexes dst: started again */
		if (nc != dst->ntypes && m->merging) {
			cr_merger_release(&m->mg);
			m->merging = false;
		}
		rc = keep_types(p, common, nc, e);
		if (!rc)
			rc = keep_types(dst, common, nc, e);
	}
	cr_free(common);
	return rc;
}

/* Whether the load goes on past file i's error (pprof's fetch: the others
 * are merged); never past a cap or an allocation failure. */
static bool skip_file(struct merging *m, size_t i, const struct cr_error *fe)
{
	return m->skip && fe->code != CR_NOMEM && fe->code != CR_LIMIT && m->skip(m->skip_ctx, i, fe);
}

/* pprof's units made one between the merge and p (the header is enough):
 * samples of the merge may go, and a merger indexes them by position, so
 * it starts again; then a merger ready for p. */
static enum cr_err units_and_merger(struct merging *m, struct cr_profile *p, struct cr_error *e)
{
	size_t ns = m->dst->nsamples;
	enum cr_err rc = cr_profile_scale_units(m->dst, p, m->clash, e);
	if (!rc && m->dst->nsamples != ns && m->merging) {
		cr_merger_release(&m->mg);
		m->merging = false;
	}
	if (!rc && !m->merging && !(rc = cr_merger_init(&m->mg, m->dst, e)))
		m->merging = true;
	return rc;
}

static enum cr_err merge_one(struct merging *m, struct cr_profile *p, struct cr_error *e)
{
	struct cr_profile *dst = m->dst;
	enum cr_err rc = CR_OK;
	m->loaded++;
	if (dst->nsamples == 0 && dst->ntypes == 0) {
		cr_profile_release(dst);
		*dst = *p;
		memset(p, 0, sizeof *p); /* dst owns it all now */
		return CR_OK;
	}
	if (!m->exact_types)
		rc = common_types(m, p, e);
	if (!rc)
		rc = units_and_merger(m, p, e);
	if (!rc)
		rc = cr_merger_add(&m->mg, p, e);
	m->fleet_full = true;
	return rc;
}

/* Whether file f can be merged from its dictionary: dst holds a profile
 * of the same sample types (names and units, in order), so that nothing
 * but its header changes before the merge (pprof's units made one). */
static bool fleet_fits(const struct merging *m, struct cr_fleet_file *f)
{
	const struct cr_profile *dst = m->dst, *h = cr_fleet_file_header(f);
	if ((dst->nsamples == 0 && dst->ntypes == 0) || dst->ntypes != h->ntypes)
		return false;
	for (size_t i = 0; i < h->ntypes; i++)
		if (strcmp(cr_profile_str(dst, dst->types[i].type), cr_profile_str(h, h->types[i].type)) ||
		    strcmp(cr_profile_str(dst, dst->types[i].unit), cr_profile_str(h, h->types[i].unit)))
			return false;
	return true;
}

/* merge_one of a file read through a dictionary (fleet_fits). */
static enum cr_err merge_one_fleet(struct merging *m, struct cr_fleet_file *f, struct cr_fleet_view *v,
				   struct cr_error *e)
{
	m->loaded++;
	enum cr_err rc = units_and_merger(m, cr_fleet_file_header(f), e);
	if (!rc)
		rc = cr_merger_add_fleet(&m->mg, v, f, &m->fleet_full, e);
	return rc;
}

/* cr_capture_kind of a command-line argument where it may be an ELF core
 * or binary; CR_KIND_UNKNOWN for any other kind. Only the ELF header is
 * inflated first (a thousand profiles are named at times): a kind of ELF
 * is known by its first 18 bytes alone. */
static enum cr_kind elf_kind(const char *path)
{
	unsigned char head[64];
	size_t n = cr_input_peek(path, head, sizeof head);
	if (n == 0 || (n >= 18 && memcmp(head, "\177ELF", 4) == 0))
		return cr_capture_kind(path, true, NULL, NULL);
	return CR_KIND_UNKNOWN;
}

/* What the loader makes of a path named with profiles: 0 a profile, 1 a
 * core, 2 a binary (the binary of the cores, not read as a profile). Only
 * regular files are looked at: a pipe or stdin is read once, as a profile. */
static unsigned char path_what(const char *path)
{
	struct stat st;
	if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	enum cr_kind k = elf_kind(path);
	return k == CR_KIND_ELF_CORE ? 1 : k == CR_KIND_ELF_EXEC ? 2 : 0;
}

/* The binary of the cores among paths[0..n) (none given): the first binary. */
static const char *first_binary(const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (path_what(paths[i]) == 2)
			return paths[i];
	return NULL;
}

/* Files read and decoded on every core while the calling thread merges
 * them in the order given: workers take the next file to read, at most
 * `window` files ahead of the one being merged, so memory stays a few
 * profiles above the merge's. What each file gives (profile, warnings,
 * error) is kept in its ring slot until the merge takes it, so the output,
 * warnings and first error are those of reading the files one by one. */
struct loaded {
	struct cr_profile p;
	struct cr_fleet_file *fleet; /* read through its thread's dictionary, else p */
	size_t worker;
	struct cr_buf warn;
	struct cr_error e;
	enum cr_err rc;
	unsigned char what; /* path_what's: a core and a binary are not read */
	bool ready;
};

struct pool {
	const char *const *paths;
	size_t n, window;
	struct loaded *ring;
	size_t next, taken; /* next file to read; files merged so far */
	struct cr_fleet_dict **dicts; /* one per reading thread (NULL entries: none) */
	unsigned char leave_out;
	size_t workers;
	bool stop;
	pthread_mutex_t mu;
	/* each side woken only when the other has what it waits for: the
	 * merging thread when the file it waits for is read (wanted), a
	 * reading thread when one waits (waiting) and a file was merged */
	pthread_cond_t read, merged;
	size_t wanted, waiting;
};

/* p read the usual way (cr_profile_load_here), or from the bytes of in */
static void read_profile(struct loaded *l, const char *path, const struct cr_input *in, struct cr_buf *scratch,
			 unsigned char leave_out)
{
	if (cr_profile_init(&l->p)) {
		l->rc = cr_fail(&l->e, CR_NOMEM, "out of memory");
		return;
	}
	l->p.leave_out = leave_out;
	l->rc = in ? cr_profile_parse_here(&l->p, in, &l->warn, &l->e)
		   : cr_profile_load_here(&l->p, path, scratch, &l->warn, &l->e);
}

/* File i read on a reading thread, opened once: a small file's bytes are
 * read first and its kind (a core, a binary: l->what) decided from them,
 * as path_what would from a look at its start (path_what itself where
 * they may be an ELF file's, or do not decompress; before the
 * decompression when it may be large: a core is never inflated here),
 * then its profile read from them through the thread's dictionary d, or
 * the usual way. Other paths: path_what, then read the usual way. */
static void read_file(struct pool *pl, size_t i, struct cr_fleet_dict *d, struct cr_buf *scratch, struct loaded *l)
{
	const char *path = pl->paths[i];
	if (!strcmp(path, "-") || !cr_profile_read_small(path, scratch)) {
		if (strcmp(path, "-") && (l->what = path_what(path)))
			return;
		/* the first file becomes the merge whole (merge_one) */
		if (i > 0)
			l->fleet = cr_fleet_read(d, path, scratch);
		if (!l->fleet)
			read_profile(l, path, NULL, scratch, pl->leave_out);
		return;
	}
	const unsigned char *raw = (const unsigned char *)scratch->data;
	size_t len = scratch->len, gz = cr_gzip_size(raw, len);
	bool look_first = cr_sniff_compression(raw, len) != CR_COMP_NONE && (gz == 0 || gz > ((size_t)1 << 20));
	unsigned char head[64];
	size_t nh = look_first ? cr_input_peek_data(raw, len, head, sizeof head) : 0;
	if (look_first && (nh == 0 || (nh >= 18 && !memcmp(head, "\177ELF", 4))) && (l->what = path_what(path)))
		return;
	struct cr_input in;
	l->rc = cr_profile_input_small(&in, path, scratch, &l->e);
	if (!look_first && (l->rc || (in.len >= 4 && !memcmp(in.data, "\177ELF", 4))) &&
	    (l->what = path_what(path))) {
		if (!l->rc)
			cr_input_close(&in);
		l->rc = CR_OK;
		memset(&l->e, 0, sizeof l->e);
		return;
	}
	if (l->rc)
		return;
	if (i > 0)
		l->fleet = cr_fleet_read_data(d, in.data, in.len, in.name);
	if (!l->fleet)
		read_profile(l, path, &in, scratch, pl->leave_out);
	cr_input_close(&in);
}

static void *load_worker(void *arg)
{
	struct pool *pl = arg;
	struct cr_buf scratch = { 0 }; /* each file's bytes, reused */
	pthread_mutex_lock(&pl->mu);
	size_t w = pl->workers++;
	struct cr_fleet_dict *d = pl->dicts[w];
	for (;;) {
		while (!pl->stop && pl->next < pl->n && pl->next >= pl->taken + pl->window) {
			pl->waiting++;
			pthread_cond_wait(&pl->merged, &pl->mu);
			pl->waiting--;
		}
		if (pl->stop || pl->next >= pl->n)
			break;
		size_t i = pl->next++;
		pthread_mutex_unlock(&pl->mu);
		struct loaded l;
		memset(&l, 0, sizeof l);
		l.worker = w;
		read_file(pl, i, d, &scratch, &l);
		l.ready = true;
		pthread_mutex_lock(&pl->mu);
		pl->ring[i % pl->window] = l;
		if (pl->wanted == i)
			pthread_cond_signal(&pl->read);
	}
	pthread_mutex_unlock(&pl->mu);
	cr_buf_release(&scratch);
	return NULL;
}

/* How many threads read files: one per online CPU, at most 8. */
static size_t load_threads(size_t n)
{
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = c > 1 ? (size_t)c : 1;
	if (t > 8)
		t = 8;
	return t < n ? t : n;
}

/* File i's reading (l) merged as the loop of cr_capture_load_profiles_opts
 * merges it (*rc: the first error; v: the view of l's dictionary); a core
 * is read here, with the first binary named. false: the load stops. */
static bool merge_loaded(struct merging *m, size_t i, struct loaded *l, struct cr_fleet_view *v,
			 struct cr_buf *scratch, enum cr_err *rc, struct cr_error *e)
{
	const char *path = m->paths[i];
	if (l->what == 2)
		return true;
	if (l->fleet && !*rc && !fleet_fits(m, l->fleet)) {
		/* merged as its own profile: read again the usual way */
		cr_fleet_file_free(l->fleet);
		l->fleet = NULL;
		read_profile(l, path, NULL, scratch, m->leave_out);
	}
	if (m->progress)
		m->progress(m->progress_ctx, path);
	if (l->what == 1) {
		if (!m->core_bin_known)
			m->core_bin = first_binary(m->paths, m->n);
		m->core_bin_known = true;
		if (cr_profile_init(&l->p)) {
			l->rc = cr_fail(&l->e, CR_NOMEM, "out of memory");
		} else {
			l->p.leave_out = m->leave_out;
			l->rc = load_core(&l->p, path, m->core_bin, m->warn, &l->e);
		}
	}
	add_warnings(m->warn, cr_buf_str(&l->warn));
	cr_buf_release(&l->warn);
	bool go = true;
	if (l->rc && skip_file(m, i, &l->e)) {
		/* skipped: the others are merged */
	} else if (l->rc && *rc) {
		go = false;
	} else if (l->rc) {
		*rc = l->rc;
		if (e && !e->code)
			*e = l->e;
	} else if (!*rc) {
		*rc = l->fleet ? merge_one_fleet(m, l->fleet, v, e) : merge_one(m, &l->p, e);
		m->merge_failed = *rc && m->skip && *rc != CR_NOMEM && *rc != CR_LIMIT;
	}
	cr_fleet_file_free(l->fleet);
	cr_profile_release(&l->p);
	return go;
}

/* Load and merge m->paths (no binary to symbolize with) on `threads`
 * reading threads. false: no thread could be started (nothing was read;
 * the caller reads the files itself). */
static bool load_parallel(struct merging *m, size_t threads, enum cr_err *rcp, struct cr_error *e)
{
	struct pool pl;
	memset(&pl, 0, sizeof pl);
	pl.paths = m->paths;
	pl.leave_out = m->leave_out;
	pl.n = m->n;
	pl.window = 2 * threads + 2;
	pl.ring = cr_calloc(pl.window, sizeof *pl.ring);
	pthread_t *tids = cr_calloc(threads, sizeof *tids);
	pl.dicts = cr_calloc(threads, sizeof *pl.dicts);
	struct cr_fleet_view **views = cr_calloc(threads, sizeof *views);
	if (!pl.ring || !tids || !pl.dicts || !views) {
		cr_free(pl.ring);
		cr_free(tids);
		cr_free(pl.dicts);
		cr_free(views);
		return false;
	}
	/* a thread without its dictionary and view reads every file the usual way */
	for (size_t t = 0; t < threads; t++) {
		pl.dicts[t] = cr_fleet_dict_new();
		views[t] = cr_fleet_view_new();
		if (!pl.dicts[t] || !views[t]) {
			cr_fleet_dict_free(pl.dicts[t]);
			pl.dicts[t] = NULL;
		}
	}
	struct cr_buf scratch = { 0 };
	pl.wanted = SIZE_MAX;
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.read, NULL);
	pthread_cond_init(&pl.merged, NULL);
	size_t started = 0;
	while (started < threads && pthread_create(&tids[started], NULL, load_worker, &pl) == 0)
		started++;
	enum cr_err rc = CR_OK;
	for (size_t i = 0; started && i < pl.n && (!rc || m->merge_failed); i++) {
		struct loaded *slot = &pl.ring[i % pl.window];
		pthread_mutex_lock(&pl.mu);
		pl.wanted = i;
		while (!slot->ready)
			pthread_cond_wait(&pl.read, &pl.mu);
		pl.wanted = SIZE_MAX;
		struct loaded l = *slot;
		slot->ready = false;
		pl.taken = i + 1;
		if (pl.waiting)
			pthread_cond_signal(&pl.merged);
		pthread_mutex_unlock(&pl.mu);
		if (!merge_loaded(m, i, &l, views[l.worker], &scratch, &rc, e))
			break;
	}
	pthread_mutex_lock(&pl.mu);
	pl.stop = true;
	pthread_cond_broadcast(&pl.merged);
	pthread_mutex_unlock(&pl.mu);
	for (size_t t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	/* files read past a failure */
	for (size_t k = 0; k < pl.window; k++)
		if (pl.ring[k].ready) {
			cr_fleet_file_free(pl.ring[k].fleet);
			cr_profile_release(&pl.ring[k].p);
			cr_buf_release(&pl.ring[k].warn);
		}
	pthread_cond_destroy(&pl.read);
	pthread_cond_destroy(&pl.merged);
	pthread_mutex_destroy(&pl.mu);
	for (size_t t = 0; t < threads; t++) {
		cr_fleet_dict_free(pl.dicts[t]);
		cr_fleet_view_free(views[t]);
	}
	cr_buf_release(&scratch);
	cr_free(pl.dicts);
	cr_free(views);
	cr_free(pl.ring);
	cr_free(tids);
	*rcp = rc;
	return started > 0;
}

enum cr_err cr_capture_load_profiles(struct cr_profile *dst, const char *const *paths, size_t n,
				     const char *binary, struct cr_buf *warn,
				     cr_progress_fn *progress, void *progress_ctx, struct cr_error *e)
{
	return cr_capture_load_profiles_opts(dst, paths, n, binary, warn, progress, progress_ctx, NULL, NULL, e);
}

enum cr_err cr_capture_load_profiles_opts(struct cr_profile *dst, const char *const *paths, size_t n,
					  const char *binary, struct cr_buf *warn, cr_progress_fn *progress,
					  void *progress_ctx, const struct cr_load_opts *opts, size_t *loaded,
					  struct cr_error *e)
{
	static const struct cr_load_opts none;
	if (!opts)
		opts = &none;
	cr_load_skip_fn *skip = opts->skip;
	enum cr_err rc = CR_OK;
	/* each file's profile is built and freed in turn (by another thread
	 * when they are read on every core): its memory is kept for the next
	 * rather than handed back and faulted in again */
	if (n > 1)
		cr_mem_keep_freed((size_t)64 << 20);
	/* one merger for all the files: each merge costs that file's samples */
	struct merging m = { .dst = dst, .skip = skip, .skip_ctx = opts->skip_ctx, .exact_types = opts->exact_types,
			    .clash = opts->clash, .leave_out = opts->leave_out, .paths = paths, .n = n, .warn = warn,
			    .progress = progress, .progress_ctx = progress_ctx };
	/* without a binary to symbolize with, files are read on every core,
	 * each one's kind (path_what) decided there */
	size_t threads = binary ? 1 : load_threads(n);
	unsigned char *what = NULL;
	if (threads < 2 || !load_parallel(&m, threads, &rc, e)) {
		what = n ? cr_calloc(n, 1) : NULL;
		if (n && !what)
			return cr_fail(e, CR_NOMEM, "out of memory");
		/* an ELF binary among the arguments is the binary of the cores */
		const char *core_bin = binary;
		for (size_t i = 0; i < n; i++) {
			what[i] = path_what(paths[i]);
			if (what[i] == 2 && !core_bin)
				core_bin = paths[i];
		}
		for (size_t i = 0; i < n && (!rc || m.merge_failed); i++) {
			if (what[i] == 2)
				continue;
			struct cr_profile p;
			struct cr_buf fwarn = { 0 };
			if (cr_profile_init(&p)) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			p.leave_out = opts->leave_out;
			if (progress)
				progress(progress_ctx, paths[i]);
			struct cr_error fe = { 0 };
			enum cr_err frc;
			if (what[i] == 1) {
				frc = load_core(&p, paths[i], core_bin, warn, &fe);
			} else {
				frc = cr_profile_load(&p, paths[i], &fwarn, &fe);
				if (!frc && binary)
					frc = cr_profile_symbolize_file(&p, binary, &fe);
			}
			add_warnings(warn, cr_buf_str(&fwarn));
			cr_buf_release(&fwarn);
			if (frc && skip_file(&m, i, &fe)) {
				/* skipped: the others are merged */
			} else if (frc && rc) {
				cr_profile_release(&p);
				break;
			} else if (frc) {
				rc = frc;
				if (e && !e->code)
					*e = fe;
			} else if (!rc) {
				rc = merge_one(&m, &p, e);
				m.merge_failed = rc && skip && rc != CR_NOMEM && rc != CR_LIMIT;
			}
			cr_profile_release(&p);
		}
	}
	if (m.merging)
		cr_merger_release(&m.mg);
	cr_free(what);
	if (loaded)
		*loaded = m.loaded;
	if (!rc && !m.loaded && !skip)
		rc = cr_fail(e, CR_USAGE, "no profile given (only binaries)");
	return rc;
}
