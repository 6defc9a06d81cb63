/* A fleet file's header profile read through the dictionary (fleet.c):
 * its sample and period types, comments, times and mappings, and the
 * arrays that make its ids the dictionary's. */
#include "fleet_read.h"

#include <string.h>

static const struct fleet_str *fstr(const struct fr *r, uint64_t idx)
{
	return fleet_str(r->d, r->d->strmap[idx]);
}

/* The file's string idx in the header profile; UINT32_MAX on no memory. */
static uint32_t hstr(struct fr *r, uint64_t idx)
{
	const struct fleet_str *s = fstr(r, idx);
	return cr_profile_intern(&r->f->hdr, s->s, s->len);
}

/* The dictionary's mapping id of m's content (as the merge tells mappings
 * apart); 0: none. */
static uint32_t dict_map(struct cr_fleet_dict *d, const struct fleet_map *m)
{
	for (size_t i = 0; i < d->nmaps; i++)
		if (!memcmp(&d->maps[i], m, sizeof *m))
			return (uint32_t)i + 1;
	if (d->nmaps >= UINT32_MAX - 1 || cr_grow(&d->maps, &d->cap_maps, d->nmaps + 1, sizeof *d->maps))
		return 0;
	d->maps[d->nmaps++] = *m;
	return (uint32_t)d->nmaps;
}

/* A ValueType message into the header's (type, unit). */
static bool valuetype(struct fr *r, struct fspan s, struct cr_valuetype *vt)
{
	struct pbuf m = { s.p, s.end, s.p };
	uint32_t f;
	uint64_t v;
	bool bad = false;
	uint64_t t = 0, u = 0;
	while (vfield(&m, &f, &v, &bad)) {
		if ((f != 1 && f != 2) || v >= r->nstr)
			return false;
		*(f == 1 ? &t : &u) = v;
	}
	if (bad)
		return false;
	vt->type = hstr(r, t);
	vt->unit = hstr(r, u);
	return vt->type != UINT32_MAX && vt->unit != UINT32_MAX;
}

/* The header profile: sample and period types, default type, comments,
 * times and period; false for drop_frames (pprof prunes with them). */
bool cr_fleet_header(struct fr *r)
{
	struct cr_profile *h = &r->f->hdr;
	h->source = CR_SRC_PPROF;
	if (r->maxstr >= r->nstr || fstr(r, r->drop)->len)
		return false;
	for (size_t i = r->lo[P_SAMPLE_TYPE]; i < r->hi[P_SAMPLE_TYPE]; i++) {
		if (r->d->spans[i].f != P_SAMPLE_TYPE)
			continue;
		if (cr_grow(&h->types, &h->cap_types, h->ntypes + 1, sizeof *h->types) ||
		    !valuetype(r, r->d->spans[i], &h->types[h->ntypes]))
			return false;
		h->ntypes++;
	}
	if (!h->ntypes || (r->ptype.f && !valuetype(r, r->ptype, &h->period_type)))
		return false;
	for (size_t i = 0; i < h->ncomments; i++)
		if (h->comments[i] >= r->nstr || (h->comments[i] = hstr(r, h->comments[i])) == UINT32_MAX)
			return false;
	h->default_type = hstr(r, r->deftype);
	h->time_nanos = (int64_t)r->time;
	h->duration_nanos = (int64_t)r->duration;
	h->period = (int64_t)r->period;
	return h->default_type != UINT32_MAX;
}

/* Arrays from the file's mapping, function and location ids to the
 * dictionary's (0: none yet), when the ids are small as Go's are. */
bool cr_fleet_dense_maps(struct fr *r)
{
	struct cr_fleet_dict *d = r->d;
	size_t total = 0;
	for (int k = 0; k < 3; k++) {
		if (r->maxid[k] > 4 * (uint64_t)r->count[k] + 1024)
			return false; /* the reader keeps such ids in a hash map */
		total += (size_t)r->maxid[k] + 1;
	}
	if (cr_grow(&d->dense, &d->cap_dense, total, sizeof *d->dense))
		return false;
	memset(d->dense, 0, total * sizeof *d->dense);
	r->dense[0] = d->dense;
	r->dense[1] = r->dense[0] + r->maxid[0] + 1;
	r->dense[2] = r->dense[1] + r->maxid[1] + 1;
	return true;
}

/* The mappings in the header, each with its dictionary id. */
bool cr_fleet_mappings(struct fr *r)
{
	struct cr_profile *h = &r->f->hdr;
	if (r->count[0] && (cr_grow(&h->mappings, &h->cap_mappings, r->count[0], sizeof *h->mappings) ||
			    !(r->f->map_ids = cr_calloc(r->count[0], sizeof *r->f->map_ids))))
		return false;
	for (size_t i = r->lo[P_MAPPING]; i < r->hi[P_MAPPING]; i++) {
		const struct fspan *s = &r->d->spans[i];
		if (s->f != P_MAPPING)
			continue;
		struct cr_mapping *mp = &h->mappings[h->nmappings];
		memset(mp, 0, sizeof *mp);
		struct pbuf m = { s->p, s->end, s->p };
		uint32_t f;
		uint64_t v, file = 0, build = 0;
		bool bad = false;
		while (vfield(&m, &f, &v, &bad)) {
			switch (f) {
			case 1:
				if (v != s->id)
					return false; /* the id pass 1 noted is the last one */
				mp->id = v;
				break;
			case 2: mp->start = v; break;
			case 3: mp->limit = v; break;
			case 4: mp->offset = v; break;
			case 5: file = v; bad |= v >= r->nstr; break; /* each one checked, as the reader does */
			case 6: build = v; bad |= v >= r->nstr; break;
			case 7: mp->has_functions = v != 0; break;
			case 8: mp->has_filenames = v != 0; break;
			case 9: mp->has_line_numbers = v != 0; break;
			case 10: mp->has_inline_frames = v != 0; break;
			default: return false;
			}
		}
		if (bad || file >= r->nstr || build >= r->nstr || r->dense[0][mp->id])
			return false;
		const struct fleet_map key = { mp->start, mp->limit, mp->offset, r->d->strmap[file], r->d->strmap[build] };
		uint32_t id = dict_map(r->d, &key);
		if (!id || (mp->filename = hstr(r, file)) == UINT32_MAX || (mp->build_id = hstr(r, build)) == UINT32_MAX)
			return false;
		r->f->map_ids[h->nmappings] = id;
		r->dense[0][mp->id] = (uint32_t)++h->nmappings;
	}
	return true;
}

