/* One pprof file's reading through a fleet's dictionary (fleet.c: the
 * strings and tables; fleet_head.c: the header and mappings). Not
 * installed. */
#ifndef CORONER_PROFILE_FLEET_READ_H
#define CORONER_PROFILE_FLEET_READ_H

#include "fleet_int.h"
#include "pprof_int.h"

/* One file's reading: its strings as the dictionary's ids, its tables'
 * ids as the dictionary's (dense arrays from the file's ids). */
struct fr {
	struct cr_fleet_dict *d;
	struct cr_fleet_file *f;
	size_t nstr, nspans;
	uint64_t maxid[3]; /* mappings, functions, locations */
	size_t count[3];
	size_t nsamp, sampbytes; /* the Sample messages, and their bytes */
	uint32_t *dense[3];
	uint64_t time, duration, period, drop, keep, deftype;
	uint64_t maxstr; /* the largest string index of the top level's fields */
	struct fspan ptype;
	size_t lo[P_FUNCTION + 1], hi[P_FUNCTION + 1]; /* each kind's spans are within [lo, hi) */
};

/* The next varint field of a message whose tags are one byte (as Go
 * writes them); false at its end or on anything else (*bad then). */
static inline bool vfield(struct pbuf *m, uint32_t *f, uint64_t *v, bool *bad)
{
	if (m->p >= m->end)
		return false;
	uint8_t t = *m->p;
	if (t >= 0x80 || t < 1 << 3 || (t & 7) != WT_VARINT) {
		*bad = true;
		return false;
	}
	m->p++;
	*f = t >> 3;
	if (!pb_varint(m, v)) {
		*bad = true;
		return false;
	}
	return true;
}

/* Whether a varint field of tag t is next in m, its value then in *v
 * (*bad when it does not end). */
static inline bool next_field(struct pbuf *m, uint8_t t, uint64_t *v, bool *bad)
{
	if (m->p >= m->end || *m->p != t)
		return false;
	m->p++;
	if (pb_varint(m, v))
		return true;
	*bad = true;
	return false;
}

/* The file's header profile: sample and period types, default type,
 * comments, times and period; false for drop_frames (pprof prunes with
 * them) or anything but Go's shape. */
bool cr_fleet_header(struct fr *r);
/* Arrays from the file's mapping, function and location ids to the
 * dictionary's (0: none yet), when the ids are small as Go's are. */
bool cr_fleet_dense_maps(struct fr *r);
/* The mappings in the header, each with its dictionary id. */
bool cr_fleet_mappings(struct fr *r);

#endif
