/* profile.proto's samples: each decoded in place at the ends of the
 * profile's arrays (sized by pass 1), many of them on two threads. */
#include "pprof_int.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

static enum cr_err read_label(struct rd *r, struct pbuf m, struct cr_label *l)
{
	uint32_t f, wt;
	uint64_t v;
	memset(l, 0, sizeof *l);
	while (m.p < m.end) {
		struct pbuf at = m;
		if (!pb_tag(&m, &f, &wt))
			return BAD(&at, "Label: bad tag");
		if (f >= 1 && f <= 4 && wt == WT_VARINT) {
			if (!pb_varint(&m, &v))
				return BAD(&at, "Label: bad varint");
			bool ok = true;
			switch (f) {
			case 1: ok = str_ok(r, v, &l->key); break;
			case 2: ok = str_ok(r, v, &l->str); break;
			case 3: l->num = (int64_t)v; break;
			case 4: ok = str_ok(r, v, &l->num_unit); break;
			}
			if (!ok)
				return BAD(&at, "Label: string index %llu out of range", (unsigned long long)v);
		} else if (!pb_skip(&m, wt)) {
			return BAD(&at, "Label: truncated");
		}
	}
	return CR_OK;
}

/* The packed location ids at q[0, n) into stk as indexes (stk NULL: only
 * checked, *nstk 0); false on anything but ids of one or two bytes that
 * are known. */
static bool fast_ids(const struct rd *r, const uint8_t *q, size_t n, uint32_t *stk, size_t *nstk)
{
	const uint8_t *e = q + n;
	const uint32_t *dense = r->locs.dense;
	const uint64_t nd = r->locs.ndense;
	size_t k = 0;
	while (q < e) {
		uint64_t id;
		if (q[0] < 0x80) {
			id = *q++;
		} else if (e - q >= 2 && q[1] < 0x80) {
			id = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
			q += 2;
		} else {
			return false;
		}
		uint32_t ix = id < nd ? dense[id] : 0;
		if (!ix)
			return false;
		if (stk)
			stk[k++] = ix - 1;
	}
	*nstk = k;
	return true;
}

/* One label's fields (one-byte tags) into l; false on anything the
 * general reader would treat otherwise or refuse. */
static bool fast_label(struct rd *r, struct pbuf m, struct cr_label *l)
{
	memset(l, 0, sizeof *l);
	while (m.p < m.end) {
		uint8_t t = *m.p++;
		uint64_t v;
		if ((t & 7) != WT_VARINT || t < 1 << 3 || t > 4 << 3 || !pb_varint(&m, &v))
			return false;
		bool ok = true;
		switch (t >> 3) {
		case 1: ok = str_ok(r, v, &l->key); break;
		case 2: ok = str_ok(r, v, &l->str); break;
		case 3: l->num = (int64_t)v; break;
		case 4: ok = str_ok(r, v, &l->num_unit); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* A sample of the shape Go writes (its location ids packed, then its
 * values packed, then its labels; each length one byte), decoded in place
 * when all of it fits the arrays pass 1 sized. False, with nothing
 * counted, for any other shape or anything wrong: the general reader
 * below reads that sample again and says what is wrong. */
static bool fast_sample(struct rd *r, struct pbuf m)
{
	struct cr_profile *p = r->p;
	const size_t ntypes = p->ntypes;
	const bool keep_stk = !(p->leave_out & CR_LEAVE_STACKS), keep_labs = !(p->leave_out & CR_LEAVE_LABELS);
	/* (nsamples < cap_samples, which pass 1 bounded by the input's size:
	 * the product does not wrap) */
	if (r->locs.use_hash || (keep_stk && !p->stack) || !ntypes || p->nsamples >= p->cap_samples ||
	    (p->nsamples + 1) * ntypes > p->cap_values)
		return false;
	const uint8_t *q = m.p, *e = m.end;
	size_t nstk = 0, nlabs = 0;
	if (e - q >= 2 && q[0] == (1 << 3 | WT_LEN) && q[1] < 0x80) {
		if (q[1] > e - q - 2 || (keep_stk && q[1] > p->cap_stack - p->nstack) ||
		    !fast_ids(r, q + 2, q[1], keep_stk ? p->stack + p->nstack : NULL, &nstk))
			return false;
		q += 2 + q[1];
	}
	if (e - q < 2 || q[0] != (2 << 3 | WT_LEN) || q[1] >= 0x80 || q[1] > e - q - 2)
		return false;
	struct pbuf vb = { q + 2, q + 2 + q[1], m.base };
	int64_t *vals = p->values + p->nsamples * ntypes;
	for (size_t k = 0; k < ntypes; k++)
		if (!pb_varint(&vb, (uint64_t *)&vals[k]))
			return false;
	if (vb.p != vb.end)
		return false;
	q = vb.end;
	while (q < e) {
		struct cr_label left;
		if (e - q < 2 || q[0] != (3 << 3 | WT_LEN) || q[1] >= 0x80 || q[1] > e - q - 2 ||
		    (keep_labs && (!p->labels || nlabs >= p->cap_labels - p->nlabels)))
			return false;
		struct pbuf lb = { q + 2, q + 2 + q[1], m.base };
		if (!fast_label(r, lb, keep_labs ? &p->labels[p->nlabels + nlabs] : &left))
			return false;
		nlabs += keep_labs;
		q = lb.end;
	}
	return sample_record(p, nstk, nlabs);
}

/* Sample location ids are resolved while decoding: a specialised copy of
 * the packed loop that maps each id to its index. The stack, values and
 * labels are decoded in place, at the ends of the profile's arrays (sized
 * by the first pass), when they fit; else into r's scratch arrays. */
enum cr_err cr_pprof_read_sample(struct rd *r, struct pbuf m, const struct pbuf *msg)
{
	uint32_t f, wt;
	size_t nstk = 0, nvals = 0, nlabs = 0;
	if (fast_sample(r, m))
		return CR_OK;
	struct cr_profile *p = r->p;
	const size_t ntypes = p->ntypes;
	uint32_t *stk = p->stack ? p->stack + p->nstack : NULL;
	size_t room = p->stack ? p->cap_stack - p->nstack : 0;
	/* values past the sample types are counted, not kept (an error) */
	int64_t *vals = p->cap_values >= (p->nsamples + 1) * ntypes && p->cap_values > 0
				? p->values + p->nsamples * ntypes : NULL;
	if (!vals) {
		if (cr_grow(&r->vals, &r->cap_vals, ntypes + 1, sizeof *r->vals))
			return nomem(r);
		vals = r->vals;
	}
	struct cr_label *labs = p->labels ? p->labels + p->nlabels : NULL;
	size_t lroom = p->labels ? p->cap_labels - p->nlabels : 0;
	const bool keep_stk = !(p->leave_out & CR_LEAVE_STACKS), keep_labs = !(p->leave_out & CR_LEAVE_LABELS);
	const uint32_t *dense = r->locs.use_hash ? NULL : r->locs.dense;
	const uint64_t ndense = r->locs.ndense;
	while (m.p < m.end) {
		struct pbuf at = m;
		if (!pb_tag(&m, &f, &wt))
			return BAD(&at, "Sample: bad tag");
		if (f == 1 && (wt == WT_LEN || wt == WT_VARINT)) {
			struct pbuf pk;
			if (wt == WT_LEN) {
				if (!pb_bytes(&m, &pk))
					return BAD(&at, "Sample.location_id past the end");
			} else {
				pk = m;
			}
			/* room for the run at once: a varint takes a byte at least */
			size_t need = nstk + (wt == WT_LEN ? (size_t)(pk.end - pk.p) : 1);
			if (!keep_stk) {
				/* checked below, not kept */
			} else if (stk != r->stk && need > room) {
				if (cr_grow(&r->stk, &r->cap_stk, need, sizeof *r->stk))
					return nomem(r);
				if (nstk)
					memcpy(r->stk, stk, nstk * sizeof *stk);
				stk = r->stk;
			} else if (stk == r->stk) {
				if (cr_grow(&r->stk, &r->cap_stk, need, sizeof *r->stk))
					return nomem(r);
				stk = r->stk;
			}
			do {
				struct pbuf xat = pk;
				uint64_t id;
				if (!pb_varint(&pk, &id))
					return BAD(&xat, "Sample.location_id: bad varint");
				uint32_t ix = dense ? (id < ndense ? dense[id] : 0) : idmap_get(&r->locs, id);
				if (!ix)
					return BAD(&xat, "sample refers to unknown location id %llu", (unsigned long long)id);
				if (keep_stk)
					stk[nstk++] = ix - 1;
			} while (wt == WT_LEN && pk.p < pk.end);
			if (wt == WT_VARINT)
				m = pk;
		} else if (f == 2 && (wt == WT_LEN || wt == WT_VARINT)) {
			struct pbuf pk;
			if (wt == WT_LEN) {
				if (!pb_bytes(&m, &pk))
					return BAD(&at, "packed field past the end");
			} else {
				pk = m;
			}
			/* a packed run may be empty; an unpacked value is one varint */
			for (bool first = true; wt == WT_VARINT ? first : pk.p < pk.end; first = false) {
				uint64_t x;
				if (!pb_varint(&pk, &x))
					return wt == WT_LEN ? BAD(&pk, "bad packed varint") : BAD(&at, "bad varint");
				if (nvals < ntypes)
					vals[nvals] = (int64_t)x;
				nvals++;
			}
			if (wt == WT_VARINT)
				m = pk;
		} else if (f == 2) {
			return BAD(&at, "bad wire type %u", wt);
		} else if (f == 3 && wt == WT_LEN) {
			struct pbuf s;
			struct cr_label left;
			if (!pb_bytes(&m, &s))
				return BAD(&at, "Sample.label past the end");
			if (!keep_labs) {
				enum cr_err rc = read_label(r, s, &left);
				if (rc)
					return rc;
				continue;
			}
			if (labs != r->labs && nlabs >= lroom) {
				if (cr_grow(&r->labs, &r->cap_labs, nlabs + 1, sizeof *r->labs))
					return nomem(r);
				if (nlabs)
					memcpy(r->labs, labs, nlabs * sizeof *labs);
				labs = r->labs;
			} else if (labs == r->labs) {
				if (cr_grow(&r->labs, &r->cap_labs, nlabs + 1, sizeof *r->labs))
					return nomem(r);
				labs = r->labs;
			}
			enum cr_err rc = read_label(r, s, &labs[nlabs]);
			if (rc)
				return rc;
			nlabs++;
		} else if (!pb_skip(&m, wt)) {
			return BAD(&at, "Sample: truncated");
		}
	}
	if (nvals != ntypes)
		return BAD(msg, "sample has %zu values, profile has %zu sample types", nvals, ntypes);
	if ((keep_stk && stk == r->stk) || vals == r->vals || (nlabs && labs == r->labs) || p->nsamples >= p->cap_samples) {
		/* not all in place: added by copy (in-place parts copy onto themselves) */
		if (stk != r->stk && nstk) {
			if (cr_grow(&r->stk, &r->cap_stk, nstk, sizeof *r->stk))
				return nomem(r);
			memcpy(r->stk, stk, nstk * sizeof *stk);
		}
		if (vals != r->vals) {
			if (cr_grow(&r->vals, &r->cap_vals, ntypes + 1, sizeof *r->vals))
				return nomem(r);
			memcpy(r->vals, vals, ntypes * sizeof *vals);
		}
		if (nlabs && labs != r->labs) {
			if (cr_grow(&r->labs, &r->cap_labs, nlabs, sizeof *r->labs))
				return nomem(r);
			memcpy(r->labs, labs, nlabs * sizeof *labs);
		}
		if (r->no_grow && (p->nsamples >= p->cap_samples || nstk > p->cap_stack - p->nstack ||
				   nlabs > p->cap_labels - p->nlabels ||
				   (p->nsamples + 1) * ntypes > p->cap_values)) {
			return CR_FORMAT;
		}
		return cr_profile_add_sample(p, r->stk, nstk, r->vals, r->labs, nlabs) ? nomem(r) : CR_OK;
	}
	/* all in place: the sample's record is all that is left */
	return sample_record(p, nstk, nlabs) ? CR_OK : nomem(r);
}

/* ---- many samples: two parts, on two threads ---- */

/* The sample arrays' pages from q's on (all of them, or a part's
 * stretch), mapped in one call each by the thread that fills them (a
 * fault per 4 KiB page costs more than the writes, where huge pages are
 * not granted). */
static void map_arrays(const struct cr_profile *q)
{
	const size_t most = (size_t)1 << 20;
	size_t n[4] = { q->cap_samples * sizeof *q->samples, q->cap_values * sizeof *q->values,
			q->cap_stack * sizeof *q->stack, q->cap_labels * sizeof *q->labels };
	void *a[4] = { q->samples, q->values, q->stack, q->labels };
	for (int i = 0; i < 4; i++)
		if (a[i] && n[i] >= most)
			cr_mem_prefault(a[i], n[i]);
}

/* Fewer bytes of samples than this are read on one thread. */
#define SPLIT_MIN ((size_t)1 << 20)

/* The second part: the samples from the offset `cut` on, into q, whose
 * arrays are the profile's from pass 1's counts at the cut on. */
struct part {
	struct rd r;
	struct cr_profile q;
	struct cr_error e;
	const uint8_t *data;
	size_t len, cut, stack0, labels0;
	enum cr_err rc;
};

static void *read_part(void *arg)
{
	struct part *pt = arg;
	struct rd *r = &pt->r;
	struct pbuf b = { pt->data + pt->cut, pt->data + pt->len, pt->data };
	uint32_t f, wt;
	map_arrays(&pt->q);
	while (b.p < b.end && !pt->rc) {
		struct pbuf at = b, s;
		if (!pb_tag(&b, &f, &wt))
			pt->rc = CR_FORMAT;
		else if (f == P_SAMPLE && wt == WT_LEN)
			pt->rc = pb_bytes(&b, &s) ? cr_pprof_read_sample(r, s, &at) : CR_FORMAT;
		else if (!pb_skip(&b, wt))
			pt->rc = CR_FORMAT;
	}
	/* the records' offsets, from the part's arrays to the profile's */
	for (size_t i = 0; !pt->rc && i < pt->q.nsamples; i++) {
		pt->q.samples[i].loc_start += (uint32_t)pt->stack0;
		pt->q.samples[i].label_start += (uint32_t)pt->labels0;
	}
	return NULL;
}

static size_t dist(size_t a, size_t b)
{
	return a > b ? a - b : b - a;
}

/* The checkpoint nearest the middle of the samples' bytes, when they are
 * worth two threads and the arrays were sized for them; else NULL. */
static const struct ck *pick_cut(const struct rd *r)
{
	const struct cr_profile *p = r->p;
	if (!r->sized || p->one_thread || r->samples_to - r->samples_from < SPLIT_MIN || !p->ntypes || !p->values ||
	    (!p->stack && !(p->leave_out & CR_LEAVE_STACKS)) || r->count_stack >= UINT32_MAX ||
	    r->count_labels >= UINT32_MAX || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return NULL;
	size_t mid = r->samples_from + (r->samples_to - r->samples_from) / 2;
	const struct ck *best = NULL;
	for (size_t i = 1; i < r->nck; i++) /* [0] is the first sample */
		if (!best || dist(r->ck[i].off, mid) < dist(best->off, mid))
			best = &r->ck[i];
	return best;
}

/* The samples and the top level's other fields. Many samples are cut in
 * two at a checkpoint of pass 1, each part read on its own thread into its
 * own stretch of the arrays pass 1 sized (growing none of them). Anything
 * unexpected in either part (an error, a sample that does not fit its
 * stretch, counts that are not pass 1's) reads them all again on one
 * thread, which finds the error a one-thread read finds: the profile is
 * always the one-thread read's. */
enum cr_err cr_pprof_read_samples(struct rd *r, const uint8_t *data, size_t len)
{
	struct cr_profile *p = r->p;
	const struct ck *c = pick_cut(r);
	struct part *pt = c ? cr_calloc(1, sizeof *pt) : NULL;
	if (!pt) {
		if (r->sized)
			map_arrays(p);
		return cr_pprof_read_rest(r, data, len, len);
	}
	pt->data = data;
	pt->len = len;
	pt->cut = c->off;
	pt->stack0 = c->stack;
	pt->labels0 = c->labels;
	pt->r = *r;
	pt->r.p = &pt->q;
	pt->r.e = &pt->e;
	pt->r.vals = NULL, pt->r.cap_vals = 0;
	pt->r.stk = NULL, pt->r.cap_stk = 0;
	pt->r.labs = NULL, pt->r.cap_labs = 0;
	pt->r.lines = NULL, pt->r.cap_lines = 0;
	pt->r.no_grow = true;
	size_t nv0 = c->samples * p->ntypes;
	pt->q = *p;
	pt->q.samples = p->samples + c->samples, pt->q.cap_samples = p->cap_samples - c->samples;
	pt->q.values = p->values + nv0, pt->q.cap_values = p->cap_values - nv0;
	pt->q.stack = p->stack ? p->stack + c->stack : NULL, pt->q.cap_stack = p->cap_stack - c->stack;
	pt->q.labels = p->labels ? p->labels + c->labels : NULL;
	pt->q.cap_labels = p->cap_labels - c->labels;
	pt->q.nsamples = pt->q.nstack = pt->q.nlabels = 0;
	/* the first part: this thread, into the arrays up to the cut */
	size_t caps[4] = { p->cap_samples, p->cap_values, p->cap_stack, p->cap_labels };
	p->cap_samples = c->samples, p->cap_values = nv0, p->cap_stack = c->stack, p->cap_labels = c->labels;
	struct cr_error *e = r->e, mine = { 0 };
	size_t ncomments = p->ncomments;
	r->e = &mine;
	r->no_grow = true;
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, read_part, pt) == 0;
	if (threaded)
		map_arrays(p);
	enum cr_err rc = threaded ? cr_pprof_read_rest(r, data, len, c->off) : CR_FORMAT;
	if (threaded)
		pthread_join(t, NULL);
	r->e = e;
	r->no_grow = false;
	p->cap_samples = caps[0], p->cap_values = caps[1], p->cap_stack = caps[2], p->cap_labels = caps[3];
	bool ok = threaded && !rc && !pt->rc && p->nsamples == c->samples && p->nstack == c->stack &&
		  p->nlabels == c->labels;
	if (ok) {
		p->nsamples += pt->q.nsamples;
		p->nstack += pt->q.nstack;
		p->nlabels += pt->q.nlabels;
	}
	cr_free(pt->r.vals);
	cr_free(pt->r.stk);
	cr_free(pt->r.labs);
	cr_free(pt);
	if (ok)
		return CR_OK;
	p->nsamples = p->nstack = p->nlabels = 0;
	p->ncomments = ncomments;
	return cr_pprof_read_rest(r, data, len, len);
}

