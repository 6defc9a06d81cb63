/* A fleet's profiles (many small profiles of one program) read through a
 * reading thread's dictionary (fleet.c) and merged by content from it
 * (merge.c). Not installed. */
#ifndef CORONER_PROFILE_FLEET_INT_H
#define CORONER_PROFILE_FLEET_INT_H

#include "coroner/profile.h"

/* The dictionary's entries live in blocks that never move, found through
 * a directory of fixed size: the merging thread reads the entries a file
 * published while the reading thread adds more. */
#define FLEET_BLK_SHIFT 12
#define FLEET_BLK ((size_t)1 << FLEET_BLK_SHIFT)
#define FLEET_BLKS 4096

struct fleet_str {
	const char *s; /* the input's bytes (NUL-free), kept in the dictionary's table */
	uint32_t len;
};
struct fleet_fn {
	uint32_t name, sys, file; /* string ids of the dictionary */
	int64_t start_line;
};
struct fleet_loc {
	uint64_t address;
	uint32_t mapping; /* the dictionary's mapping id (1-based), 0 = none */
	uint32_t nlines;
	const struct cr_line *lines; /* function: the dictionary's function id (1-based), 0 = none */
};

struct cr_fleet_dict {
	struct fleet_str *sblk[FLEET_BLKS];
	struct fleet_fn *fblk[FLEET_BLKS];
	struct fleet_loc *lblk[FLEET_BLKS];
	size_t ns, nf, nl; /* entries; function and location ids are 1-based */
	struct cr_arena arena; /* the strings' bytes (NUL-terminated) and the locations' lines */
	/* the tables by content, open addressing; each slot starts with the
	 * key's hash and the id + 1 (0: empty), and holds the key's content
	 * (a location's with one line: most of them), so that a lookup
	 * touches one slot */
	struct sslot { uint64_t h; uint32_t idx, len; const char *s; } *sslots;
	struct fslot { uint64_t h; uint32_t idx, name, sys, file; int64_t start_line; } *fslots;
	struct lslot { uint64_t h; uint32_t idx, mapping; uint64_t address; int64_t line; uint32_t fn, nlines; } *lslots;
	size_t scap, fcap, lcap;
	struct fleet_map { uint64_t start, limit, offset; uint32_t file, build; } *maps;
	size_t nmaps, cap_maps;
	/* one file's scratch, kept for the next */
	uint32_t *strmap; size_t cap_strmap;              /* the file's string index -> string id */
	uint32_t *dense; size_t cap_dense;                /* a file id -> the dictionary's id */
	struct fspan { const uint8_t *p, *end; uint64_t id; uint8_t f; } *spans; size_t cap_spans;
	struct fspan *strs; size_t cap_strs;               /* the file's strings */
	uint64_t *hash; size_t cap_hash;                  /* each string's, function's or location's */
	struct fleet_fn *fq; size_t cap_fq;               /* the file's functions, decoded */
	uint32_t *res; size_t cap_res;                    /* their ids in the dictionary */
	struct lq { uint64_t address; uint32_t mapping, nlines, line0; } *lq; size_t cap_lq;
	struct cr_line *lines; size_t cap_lines;
	uint8_t *simplify; size_t cap_simplify;           /* by function id: 1 kept, 2 simplified by pprof */
};

static inline const struct fleet_str *fleet_str(const struct cr_fleet_dict *d, uint32_t id)
{
	return &d->sblk[id >> FLEET_BLK_SHIFT][id & (FLEET_BLK - 1)];
}
static inline const struct fleet_fn *fleet_fn(const struct cr_fleet_dict *d, uint32_t id)
{
	return &d->fblk[(id - 1) >> FLEET_BLK_SHIFT][(id - 1) & (FLEET_BLK - 1)];
}
static inline const struct fleet_loc *fleet_loc(const struct cr_fleet_dict *d, uint32_t id)
{
	return &d->lblk[(id - 1) >> FLEET_BLK_SHIFT][(id - 1) & (FLEET_BLK - 1)];
}

/* One file read through a dictionary: its header and mappings as a
 * profile of its own, the rest in the dictionary's ids. */
struct cr_fleet_file {
	struct cr_profile hdr;
	const struct cr_fleet_dict *d;
	size_t ns, nf, nl;  /* the dictionary's entries when the file was read */
	uint32_t *map_ids;  /* hdr's mapping i: the dictionary's mapping id */
	uint32_t *locs;     /* the file's locations in its order: location ids */
	size_t nlocs;
	size_t nsamples, nstack, nlabels;
	size_t cap_snloc, cap_snlabel, cap_stack, cap_values, cap_labels;
	uint32_t *snloc, *snlabel; /* per sample */
	uint32_t *stack;    /* location ids */
	int64_t *values;
	struct cr_label *labels; /* string ids of the dictionary */
};

#endif
