/* Retained growth across three heap snapshots A, B, C (gperftools#1375):
 * what was allocated between A and B and is still in use at C.
 *
 * Heap profiles carry cumulative allocations and the in-use set at the last
 * GC, not object identities, so per stack only bounds can be known:
 *   at most   min(alloc_B - alloc_A, inuse_C)
 *   at least  inuse_C - (alloc_C - alloc_B) - inuse_A   (clamped to 0)
 * (what is live at C was allocated before A — at most inuse_A of it — or
 * between A and B, or after B — at most alloc_C - alloc_B of it).
 * The result is a profile with the bounds as sample types, so top, flame and
 * the writer work on it. */
#include "coroner/retained.h"

#include <string.h>

static int type_index(const struct cr_profile *p, const char *name)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (strcmp(cr_profile_str(p, p->types[i].type), name) == 0)
			return (int)i;
	return -1;
}

static const char *const heap_types[4] = { "alloc_objects", "alloc_space", "inuse_objects", "inuse_space" };

enum cr_err cr_profile_retained(struct cr_profile *out, const struct cr_profile *snap[3],
				struct cr_error *e)
{
	enum cr_err rc;
	struct cr_profile m;
	struct cr_hmap keys;
	int64_t (*acc)[3][4] = NULL;
	uint32_t *first = NULL;
	size_t nkeys = 0, cap = 0, cap_first = 0;
	int idx[3][4];
	for (int s = 0; s < 3; s++)
		for (int k = 0; k < 4; k++)
			if ((idx[s][k] = type_index(snap[s], heap_types[k])) < 0)
				return cr_fail(e, CR_FORMAT, "%s: --retained needs heap profiles with %s values",
					       snap[s]->name ? snap[s]->name : "profile", heap_types[k]);
	if ((rc = cr_profile_init(&m)))
		return cr_fail(e, rc, "out of memory");
	cr_hmap_init(&keys);
	/* merge the three, keeping their samples apart with a label */
	for (int s = 0; s < 3; s++) {
		struct cr_profile t;
		char tag[2] = { (char)('0' + s), 0 };
		if ((rc = cr_profile_init(&t)))
			goto fail;
		if ((rc = cr_profile_merge(&t, snap[s], e)) ||
		    (rc = cr_profile_add_label_all(&t, "coroner::snapshot", tag))) {
			cr_profile_release(&t);
			goto fail;
		}
		/* align value layouts: the first snapshot's type order wins */
		rc = cr_profile_merge(&m, &t, e);
		cr_profile_release(&t);
		if (rc)
			goto fail;
	}
	uint32_t snap_key = cr_profile_intern_z(&m, "coroner::snapshot");
	for (size_t i = 0; i < m.nsamples; i++) {
		const struct cr_sample *sm = &m.samples[i];
		int s = -1;
		for (uint32_t k = 0; k < sm->nlabel; k++)
			if (m.labels[sm->label_start + k].key == snap_key)
				s = cr_profile_str(&m, m.labels[sm->label_start + k].str)[0] - '0';
		if (s < 0 || s > 2)
			continue;
		bool found;
		uint32_t *v = cr_hmap_put(&keys, &m.stack[sm->loc_start], sm->nloc * sizeof(uint32_t),
					  (uint32_t)nkeys, &found);
		if (!v)
			goto nomem;
		if (!found) {
			if (cr_grow(&acc, &cap, nkeys + 1, sizeof *acc) ||
			    cr_grow(&first, &cap_first, nkeys + 1, sizeof *first))
				goto nomem;
			memset(acc[nkeys], 0, sizeof *acc);
			first[nkeys] = (uint32_t)i;
			nkeys++;
		}
		for (int k = 0; k < 4; k++)
			acc[*v][s][k] = cr_sat_add(acc[*v][s][k], m.values[i * m.ntypes + (size_t)idx[0][k]]);
	}
	/* the result is m rewritten in place: its locations, new types, one
	 * sample per stack */
	{
		struct cr_sample *ns = cr_calloc(nkeys + 1, sizeof *ns);
		int64_t *nv = cr_calloc((nkeys + 1) * 4, sizeof *nv);
		uint32_t *nst = cr_calloc(m.nstack + 1, sizeof *nst);
		struct cr_valuetype *nt = cr_calloc(4, sizeof *nt);
		if (!ns || !nv || !nst || !nt) {
			cr_free(ns); cr_free(nv); cr_free(nst); cr_free(nt);
			goto nomem;
		}
		static const char *const names[4] = { "retained_objects_min", "retained_space_min",
						      "retained_objects_max", "retained_space_max" };
		for (int t = 0; t < 4; t++) {
			nt[t].type = cr_profile_intern_z(&m, names[t]);
			nt[t].unit = cr_profile_intern_z(&m, t & 1 ? "bytes" : "count");
		}
		size_t o = 0, so = 0;
		for (size_t n = 0; n < nkeys; n++) {
			int64_t v[4];
			for (int k = 0; k < 2; k++) {
				int64_t a_alloc = acc[n][0][k], b_alloc = acc[n][1][k], c_alloc = acc[n][2][k];
				int64_t a_inuse = acc[n][0][k + 2], c_inuse = acc[n][2][k + 2];
				int64_t grown = cr_sat_sub(b_alloc, a_alloc);
				int64_t hi = grown < c_inuse ? grown : c_inuse;
				int64_t lo = cr_sat_sub(cr_sat_sub(c_inuse, cr_sat_sub(c_alloc, b_alloc)), a_inuse);
				v[k] = lo > 0 ? lo : 0;
				v[k + 2] = hi > 0 ? hi : 0;
			}
			if (!v[2] && !v[3])
				continue;
			const struct cr_sample *sm = &m.samples[first[n]];
			ns[o].loc_start = (uint32_t)so;
			ns[o].nloc = sm->nloc;
			memcpy(&nst[so], &m.stack[sm->loc_start], sm->nloc * sizeof *nst);
			so += sm->nloc;
			memcpy(&nv[o * 4], v, sizeof v);
			o++;
		}
		cr_free(m.samples); cr_free(m.values); cr_free(m.stack); cr_free(m.labels); cr_free(m.types);
		m.samples = ns; m.nsamples = o; m.cap_samples = nkeys + 1;
		m.values = nv; m.cap_values = (nkeys + 1) * 4;
		m.stack = nst; m.nstack = so; m.cap_stack = m.nstack + 1;
		m.labels = NULL; m.nlabels = m.cap_labels = 0;
		m.types = nt; m.ntypes = m.cap_types = 4;
		m.default_type = nt[1].type;
		m.name = snap[2]->name;
		m.time_nanos = snap[2]->time_nanos;
		m.drop_frames = m.keep_frames = 0;
	}
	*out = m;
	cr_hmap_release(&keys);
	cr_free(acc);
	cr_free(first);
	return CR_OK;
nomem:
	rc = cr_fail(e, CR_NOMEM, "out of memory computing retained growth");
fail:
	cr_hmap_release(&keys);
	cr_free(acc);
	cr_free(first);
	cr_profile_release(&m);
	return rc;
}
