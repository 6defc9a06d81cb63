/* What the profile.proto reader's files share (pprof_read.c: the passes
 * over the top level and the tables; pprof_sample.c: the samples, on one
 * or two threads). Not installed. */
#ifndef CORONER_PROFILE_PPROF_INT_H
#define CORONER_PROFILE_PPROF_INT_H

#include "coroner/input.h"
#include "coroner/profile.h"
#include "wire.h"

/* Profile */
enum { P_SAMPLE_TYPE = 1, P_SAMPLE, P_MAPPING, P_LOCATION, P_FUNCTION, P_STRING_TABLE,
       P_DROP_FRAMES, P_KEEP_FRAMES, P_TIME_NANOS, P_DURATION_NANOS, P_PERIOD_TYPE,
       P_PERIOD, P_COMMENT, P_DEFAULT_SAMPLE_TYPE };

/* id -> index for location/function/mapping ids: dense array when the ids
 * are small, else a hash map. */
struct idmap {
	uint32_t *dense; /* dense[id] = index+1 */
	uint64_t ndense;
	struct cr_hmap h;
	bool use_hash;
};

/* Samples decoded by pass 1 as the input is inflated (pprof_early.c),
 * straight into the profile's arrays, which grow as they fill; their
 * location ids (less one) and string indexes as the file has them, until
 * the tables are read. */
struct early {
	bool on;        /* decoding the samples as pass 1 meets them */
	bool done;      /* all of them (pass 1 ended with it on) */
	bool keep_stk, keep_labs;
	size_t ntypes;
	uint64_t max_loc, max_str; /* the largest location id and string index */
	size_t mapped[4];          /* bytes of each array mapped so far */
};

struct rd {
	struct cr_profile *p;
	const char *name;
	struct cr_error *e;
	const uint8_t *base, *end;
	struct cr_input *in;    /* being inflated on a second thread, or NULL */
	const uint8_t *ready;   /* what of it is there */
	bool stopped;           /* the inflation stopped short of what was needed */
	uint32_t *strmap; size_t nstr, cap_str; /* string_table index -> our id */
	uint64_t *loc_ids, *fn_ids, *map_ids; /* in order of appearance */
	size_t nloc, nfn, nmap, cap_loc, cap_fn, cap_map;
	struct idmap locs, fns, maps;
	/* pass 2: the Mapping, Function and Location messages in file order */
	struct tabmsg { const uint8_t *p, *end; uint8_t f; } *tab; size_t cap_tab;
	int64_t *vals; size_t cap_vals;
	uint32_t *stk; size_t cap_stk;
	struct cr_label *labs; size_t cap_labs;
	struct cr_line *lines; size_t cap_lines;
	/* counted in pass 1 to size the profile's arrays once (a malformed
	 * sample stops the count; pass 2 reports it) */
	size_t count_samples, count_stack, count_labels, count_types;
	/* where the samples can be cut in two (pass 1's counts before the
	 * sample at each checkpoint), and the samples' extent */
	struct ck { size_t off, samples, stack, labels; } ck[64];
	size_t nck, next_ck, samples_from, samples_to;
	/* another field after the first sample (pass 1), and before a later
	 * one: the samples are not one run the sweeps can step over */
	bool other_seen, interleaved;
	bool sized;    /* the sample arrays were sized from pass 1's counts */
	bool early_allowed; /* pass 1 may decode the samples (struct early) */
	struct early early;
	bool no_grow;  /* a part of several: never grow the profile's arrays */
};

enum cr_err cr_pprof_fail_at(struct rd *r, const struct pbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define BAD(b, ...) cr_pprof_fail_at(r, (b), __VA_ARGS__)

static inline enum cr_err nomem(struct rd *r)
{
	return cr_fail(r->e, CR_NOMEM, "%s: pprof: out of memory (limit %zu MiB; raise --max-memory)",
		       r->name, cr_limits.max_memory >> 20);
}

/* index+1, 0 if absent */
static inline uint32_t idmap_get(const struct idmap *m, uint64_t id)
{
	if (!m->use_hash)
		return id < m->ndense ? m->dense[id] : 0;
	uint32_t *v = cr_hmap_get((struct cr_hmap *)&m->h, &id, sizeof id);
	return v ? *v : 0;
}

static inline bool str_ok(struct rd *r, uint64_t idx, uint32_t *out)
{
	if (idx >= r->nstr)
		return false;
	*out = r->strmap[idx];
	return true;
}

/* The record of a sample whose nstk stack entries and nlabs labels were
 * decoded in place at the ends of p's arrays; false when the counts would
 * pass what a record holds. */
static inline __attribute__((always_inline)) bool sample_record(struct cr_profile *p, size_t nstk, size_t nlabs)
{
	if (p->nstack + nstk >= UINT32_MAX || p->nlabels + nlabs >= UINT32_MAX)
		return false;
	struct cr_sample *sm = &p->samples[p->nsamples++];
	sm->loc_start = (uint32_t)p->nstack;
	sm->nloc = (uint32_t)nstk;
	sm->label_start = (uint32_t)p->nlabels;
	sm->nlabel = (uint32_t)nlabs;
	p->nstack += nstk;
	p->nlabels += nlabs;
	return true;
}

/* One Sample message m (msg: where its field starts), its location ids
 * resolved, appended to r->p. */
enum cr_err cr_pprof_read_sample(struct rd *r, struct pbuf m, const struct pbuf *msg);

/* The top level's fields after the tables: the samples that start before
 * the offset `cut` (len for all of them) and the other fields. */
enum cr_err cr_pprof_read_rest(struct rd *r, const uint8_t *data, size_t len, size_t cut);

/* The samples (and the fields cr_pprof_read_rest reads), on two threads
 * when they are many. */
enum cr_err cr_pprof_read_samples(struct rd *r, const uint8_t *data, size_t len);

/* Pass 1's decoding of the samples (struct early). At the first sample:
 * start when allowed and the profile suits. Each sample after: decoded and
 * counted, or false (the decoding stopped for good, the profile's arrays
 * emptied; the caller counts it). pos: the offset where the sample ends. */
void cr_pprof_early_start(struct rd *r);
bool cr_pprof_early_sample(struct rd *r, struct pbuf m, size_t pos);
void cr_pprof_early_stop(struct rd *r);
/* Once the tables are read: the samples' ids and indexes resolved, CR_OK;
 * else (anything the decoding could not settle) the decoding stopped, and
 * the samples are to be read as if it had not run. */
enum cr_err cr_pprof_early_finish(struct rd *r);
/* Tests: pass 1 decodes the samples of data already there too (it does
 * only behind an inflation). */
extern bool cr_pprof_early_always;

/* A pprof profile in `in` (opened with cr_input_open_async): its first
 * pass runs behind the inflation, the rest once it is all there. *again:
 * the content turned out other than what was inflated (several members,
 * trailing bytes, not a pprof profile, the inflation failed for the second
 * thread only): release p and read in->data, in->len from scratch. */
enum cr_err cr_pprof_read_input(struct cr_profile *p, struct cr_input *in, bool *again,
				struct cr_error *e);

#endif
