/* Writing the profile model as profile.proto, packed by protobuf-c (the
 * generated code of proto/profile.proto) and gzip-compressed as pprof writes
 * it. Ids are positions + 1; the string table is the profile's interned
 * table (id 0 is ""). All of protobuf-c's structs live in one arena. */
#include "coroner/profile.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define NEW(a, T) ((T *)cr_arena_alloc((a), sizeof(T)))
#define NEWN(a, T, n) ((T *)cr_arena_alloc((a), sizeof(T) * ((n) ? (n) : 1)))

static int64_t sid(uint32_t id) { return (int64_t)id; }

/* The process's umask, for the mode of a file made with mkstemp (0600). */
static mode_t current_umask(void)
{
	mode_t m = umask(022);
	umask(m);
	return m;
}

enum cr_err cr_profile_encode_pprof(const struct cr_profile *p, unsigned char **out, size_t *outlen,
				    struct cr_error *e)
{
	struct cr_arena a;
	cr_arena_init(&a);
	enum cr_err rc = CR_NOMEM;
	unsigned char *buf = NULL;
	Perftools__Profiles__Profile pb;
	perftools__profiles__profile__init(&pb);

	pb.n_string_table = p->str.n;
	pb.string_table = NEWN(&a, char *, p->str.n);
	if (!pb.string_table)
		goto out;
	for (size_t i = 0; i < p->str.n; i++)
		pb.string_table[i] = (char *)p->str.strs[i];

	pb.n_sample_type = p->ntypes;
	pb.sample_type = NEWN(&a, Perftools__Profiles__ValueType *, p->ntypes);
	if (!pb.sample_type)
		goto out;
	for (size_t i = 0; i < p->ntypes; i++) {
		Perftools__Profiles__ValueType *vt = NEW(&a, Perftools__Profiles__ValueType);
		if (!vt)
			goto out;
		perftools__profiles__value_type__init(vt);
		vt->type = sid(p->types[i].type);
		vt->unit = sid(p->types[i].unit);
		pb.sample_type[i] = vt;
	}
	if (p->period_type.type || p->period_type.unit) {
		Perftools__Profiles__ValueType *vt = NEW(&a, Perftools__Profiles__ValueType);
		if (!vt)
			goto out;
		perftools__profiles__value_type__init(vt);
		vt->type = sid(p->period_type.type);
		vt->unit = sid(p->period_type.unit);
		pb.period_type = vt;
	}
	pb.period = p->period;
	pb.time_nanos = p->time_nanos;
	pb.duration_nanos = p->duration_nanos;
	pb.drop_frames = sid(p->drop_frames);
	pb.keep_frames = sid(p->keep_frames);
	pb.default_sample_type = sid(p->default_type);
	pb.n_comment = p->ncomments;
	pb.comment = NEWN(&a, int64_t, p->ncomments);
	if (!pb.comment)
		goto out;
	for (size_t i = 0; i < p->ncomments; i++)
		pb.comment[i] = sid(p->comments[i]);

	/* samples: one location-id array for all */
	uint64_t *ids = NEWN(&a, uint64_t, p->nstack);
	Perftools__Profiles__Sample *samples = NEWN(&a, Perftools__Profiles__Sample, p->nsamples);
	Perftools__Profiles__Label *labels = NEWN(&a, Perftools__Profiles__Label, p->nlabels);
	Perftools__Profiles__Label **labelp = NEWN(&a, Perftools__Profiles__Label *, p->nlabels);
	pb.sample = NEWN(&a, Perftools__Profiles__Sample *, p->nsamples);
	if (!ids || !samples || !labels || !labelp || !pb.sample)
		goto out;
	for (size_t i = 0; i < p->nstack; i++)
		ids[i] = (uint64_t)p->stack[i] + 1;
	for (size_t i = 0; i < p->nlabels; i++) {
		Perftools__Profiles__Label *l = &labels[i];
		perftools__profiles__label__init(l);
		l->key = sid(p->labels[i].key);
		l->str = sid(p->labels[i].str);
		l->num = p->labels[i].str ? 0 : p->labels[i].num;
		l->num_unit = p->labels[i].str ? 0 : sid(p->labels[i].num_unit);
		labelp[i] = l;
	}
	pb.n_sample = p->nsamples;
	for (size_t i = 0; i < p->nsamples; i++) {
		Perftools__Profiles__Sample *s = &samples[i];
		const struct cr_sample *cs = &p->samples[i];
		perftools__profiles__sample__init(s);
		s->n_location_id = cs->nloc;
		s->location_id = ids + cs->loc_start;
		s->n_value = p->ntypes;
		s->value = (int64_t *)&p->values[i * p->ntypes];
		s->n_label = cs->nlabel;
		s->label = labelp + cs->label_start;
		pb.sample[i] = s;
	}

	pb.n_mapping = p->nmappings;
	pb.mapping = NEWN(&a, Perftools__Profiles__Mapping *, p->nmappings);
	if (!pb.mapping)
		goto out;
	for (size_t i = 0; i < p->nmappings; i++) {
		const struct cr_mapping *m = &p->mappings[i];
		Perftools__Profiles__Mapping *pm = NEW(&a, Perftools__Profiles__Mapping);
		if (!pm)
			goto out;
		perftools__profiles__mapping__init(pm);
		pm->id = i + 1;
		pm->memory_start = m->start;
		pm->memory_limit = m->limit;
		pm->file_offset = m->offset;
		pm->filename = sid(m->filename);
		pm->build_id = sid(m->build_id);
		pm->has_functions = m->has_functions;
		pm->has_filenames = m->has_filenames;
		pm->has_line_numbers = m->has_line_numbers;
		pm->has_inline_frames = m->has_inline_frames;
		pb.mapping[i] = pm;
	}

	pb.n_location = p->nlocations;
	pb.location = NEWN(&a, Perftools__Profiles__Location *, p->nlocations);
	Perftools__Profiles__Line *lines = NEWN(&a, Perftools__Profiles__Line, p->nlines);
	Perftools__Profiles__Line **linep = NEWN(&a, Perftools__Profiles__Line *, p->nlines);
	if (!pb.location || !lines || !linep)
		goto out;
	for (size_t i = 0; i < p->nlines; i++) {
		perftools__profiles__line__init(&lines[i]);
		lines[i].function_id = p->lines[i].function;
		lines[i].line = p->lines[i].line;
		linep[i] = &lines[i];
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct cr_location *l = &p->locations[i];
		Perftools__Profiles__Location *pl = NEW(&a, Perftools__Profiles__Location);
		if (!pl)
			goto out;
		perftools__profiles__location__init(pl);
		pl->id = i + 1;
		pl->mapping_id = l->mapping;
		pl->address = l->address;
		pl->is_folded = l->is_folded;
		pl->n_line = l->nlines;
		pl->line = linep + l->line_start;
		pb.location[i] = pl;
	}

	pb.n_function = p->nfunctions;
	pb.function = NEWN(&a, Perftools__Profiles__Function *, p->nfunctions);
	if (!pb.function)
		goto out;
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct cr_function *f = &p->functions[i];
		Perftools__Profiles__Function *pf = NEW(&a, Perftools__Profiles__Function);
		if (!pf)
			goto out;
		perftools__profiles__function__init(pf);
		pf->id = i + 1;
		pf->name = sid(f->name);
		pf->system_name = sid(f->system_name);
		pf->filename = sid(f->filename);
		pf->start_line = f->start_line;
		pb.function[i] = pf;
	}

	size_t n = perftools__profiles__profile__get_packed_size(&pb);
	buf = cr_malloc(n ? n : 1);
	if (!buf)
		goto out;
	perftools__profiles__profile__pack(&pb, buf);
	*out = buf;
	*outlen = n;
	buf = NULL;
	rc = CR_OK;
out:
	cr_free(buf);
	cr_arena_release(&a);
	if (rc)
		return cr_fail(e, rc, "%s: out of memory encoding the profile", p->name ? p->name : "profile");
	return CR_OK;
}

enum cr_err cr_profile_write_pprof(const struct cr_profile *p, const char *path, struct cr_error *e)
{
	unsigned char *raw;
	size_t n;
	enum cr_err rc = cr_profile_encode_pprof(p, &raw, &n, e);
	if (rc)
		return rc;
	/* a file is written beside itself and renamed into place: a reader
	 * never sees half a profile, a failed write leaves the old file */
	bool to_stdout = strcmp(path, "-") == 0;
	char *tmp = NULL;
	int fd = 1;
	if (!to_stdout) {
		size_t pl = strlen(path);
		tmp = cr_malloc(pl + 16);
		if (!tmp) {
			cr_free(raw);
			return cr_fail(e, CR_NOMEM, "%s: out of memory", path);
		}
		memcpy(tmp, path, pl);
		memcpy(tmp + pl, ".tmp.XXXXXX", 12);
		fd = mkstemp(tmp);
		if (fd < 0) {
			int err = errno;
			cr_free(tmp);
			cr_free(raw);
			return cr_fail(e, CR_IO, "%s: cannot open for writing: %s", path, strerror(err));
		}
		fchmod(fd, 0666 & ~current_umask());
	}
	gzFile gz = gzdopen(to_stdout ? dup(1) : fd, "wb");
	if (!gz) {
		int err = errno;
		if (!to_stdout) {
			close(fd);
			unlink(tmp);
			cr_free(tmp);
		}
		cr_free(raw);
		return cr_fail(e, CR_IO, "%s: cannot open for writing: %s", path, strerror(err));
	}
	size_t off = 0;
	rc = CR_OK;
	while (off < n) {
		unsigned chunk = n - off > (1u << 30) ? (1u << 30) : (unsigned)(n - off);
		int w = gzwrite(gz, raw + off, chunk);
		if (w <= 0) {
			rc = CR_IO;
			break;
		}
		off += (size_t)w;
	}
	cr_free(raw);
	if (gzclose(gz) != Z_OK)
		rc = CR_IO;
	if (!to_stdout) {
		if (!rc && rename(tmp, path) != 0)
			rc = CR_IO;
		if (rc)
			unlink(tmp);
		cr_free(tmp);
	}
	if (rc)
		return cr_fail(e, CR_IO, "%s: write failed", path);
	return CR_OK;
}

/* protobuf-c's allocator over the accounted heap: unpacking amplifies memory
 * 8-60x, so it must fail cleanly at the budget like everything else. */
static void *pbc_alloc(void *data, size_t n) { (void)data; return cr_malloc(n); }
static void pbc_free(void *data, void *p) { (void)data; cr_free(p); }
static ProtobufCAllocator pbc_allocator = { pbc_alloc, pbc_free, NULL };

enum cr_err cr_pprof_pbc_stats(const unsigned char *data, size_t len, struct cr_pbc_stats *st,
			       struct cr_error *e)
{
	Perftools__Profiles__Profile *pb =
		perftools__profiles__profile__unpack(&pbc_allocator, len, data);
	if (!pb)
		return cr_fail(e, CR_FORMAT, "protobuf-c: cannot unpack the profile");
	memset(st, 0, sizeof *st);
	st->nsamples = pb->n_sample;
	st->nlocations = pb->n_location;
	st->nfunctions = pb->n_function;
	st->nmappings = pb->n_mapping;
	st->nstrings = pb->n_string_table;
	st->ntypes = pb->n_sample_type;
	for (size_t i = 0; i < pb->n_sample; i++)
		for (size_t k = 0; k < pb->sample[i]->n_value && k < 8; k++)
			st->sums[k] = cr_sat_add(st->sums[k], pb->sample[i]->value[k]);
	perftools__profiles__profile__free_unpacked(pb, &pbc_allocator);
	return CR_OK;
}
