/* pprof protobuf (raw, already inflated): the wire-format reader, pprof's
 * validity rules, drop/keep_frames pruning, then top over the result; for a
 * quarter of the inputs each, a merge of the profile with itself, the
 * --retained diff of three copies (which sum the values of equal stacks),
 * the fleet's reader (lib/profile/fleet.c): it must refuse what the
 * reader refuses, and its merge of the input into the profile must be the
 * merge of the profile read the usual way; the reader leaving out
 * stacks, labels or both (as a report that does not look at them); and,
 * for half of them, the samples decoded by pass 1 as when the input is
 * inflated on another thread. */
#include "coroner/profile.h"
#include "coroner/retained.h"
#include "profile/pprof_int.h"
#include "top-common.h"

#include <stdlib.h>
#include <string.h>

/* Whether a and b are the same profile, string for string. */
static bool same_profile(const struct cr_profile *a, const struct cr_profile *b)
{
	if (a->str.n != b->str.n || a->nsamples != b->nsamples || a->ntypes != b->ntypes ||
	    a->nlocations != b->nlocations || a->nfunctions != b->nfunctions || a->nmappings != b->nmappings ||
	    a->nstack != b->nstack || a->nlabels != b->nlabels || a->nlines != b->nlines ||
	    a->time_nanos != b->time_nanos || a->period != b->period || a->ncomments != b->ncomments)
		return false;
	for (size_t i = 0; i < a->str.n; i++)
		if (strcmp(cr_profile_str(a, (uint32_t)i), cr_profile_str(b, (uint32_t)i)))
			return false;
	for (size_t i = 0; i < a->nlocations; i++) {
		const struct cr_location *x = &a->locations[i], *y = &b->locations[i];
		if (x->address != y->address || x->mapping != y->mapping || x->nlines != y->nlines ||
		    x->line_start != y->line_start)
			return false;
	}
	for (size_t i = 0; i < a->nlines; i++)
		if (a->lines[i].function != b->lines[i].function || a->lines[i].line != b->lines[i].line)
			return false;
	for (size_t i = 0; i < a->nfunctions; i++) {
		const struct cr_function *x = &a->functions[i], *y = &b->functions[i];
		if (x->name != y->name || x->system_name != y->system_name || x->filename != y->filename ||
		    x->start_line != y->start_line)
			return false;
	}
	for (size_t i = 0; i < a->nmappings; i++) {
		const struct cr_mapping *x = &a->mappings[i], *y = &b->mappings[i];
		if (x->start != y->start || x->limit != y->limit || x->offset != y->offset ||
		    x->filename != y->filename || x->build_id != y->build_id)
			return false;
	}
	for (size_t i = 0; i < a->nlabels; i++) {
		const struct cr_label *x = &a->labels[i], *y = &b->labels[i];
		if (x->key != y->key || x->str != y->str || x->num != y->num || x->num_unit != y->num_unit)
			return false;
	}
	return (!a->nsamples || (!memcmp(a->samples, b->samples, a->nsamples * sizeof *a->samples) &&
				 (!a->ntypes || !memcmp(a->values, b->values, a->nsamples * a->ntypes * sizeof *a->values)))) &&
	       (!a->nstack || !memcmp(a->stack, b->stack, a->nstack * sizeof *a->stack));
}

/* The input read through a fleet's dictionary (twice: the second time
 * from the entries the first added) and merged into the profile p read
 * the usual way, against p merged into itself by cr_merger_add. */
static void fleet_check(const uint8_t *data, size_t size, bool read_ok)
{
	struct cr_fleet_dict *d = cr_fleet_dict_new();
	struct cr_fleet_view *v = cr_fleet_view_new();
	struct cr_fleet_file *f1 = d ? cr_fleet_read_data(d, data, size, "fuzz") : NULL;
	struct cr_fleet_file *f2 = f1 ? cr_fleet_read_data(d, data, size, "fuzz") : NULL;
	if (f1 && !read_ok)
		abort(); /* the fleet's reader took what the reader refuses */
	struct cr_profile a, b, src;
	bool init = f2 && v && !cr_profile_init(&a) && (cr_profile_init(&b) ? (cr_profile_release(&a), false) : true);
	if (init && !cr_profile_init(&src)) {
		struct cr_error e = { 0 };
		struct cr_merger ma, mb;
		bool full = false;
		if (!cr_profile_read_pprof(&a, data, size, "fuzz", &e) && !cr_profile_prune(&a, &e) &&
		    !cr_profile_read_pprof(&b, data, size, "fuzz", &e) && !cr_profile_prune(&b, &e) &&
		    !cr_profile_read_pprof(&src, data, size, "fuzz", &e) && !cr_profile_prune(&src, &e) &&
		    (a.ntypes || a.nsamples) && !cr_merger_init(&ma, &a, &e)) {
			if (!cr_merger_init(&mb, &b, &e)) {
				bool ok = !cr_merger_add(&ma, &src, &e) && !cr_merger_add_fleet(&mb, v, f1, &full, &e) &&
					  !cr_merger_add_fleet(&mb, v, f2, &full, &e) && !cr_merger_add(&ma, &src, &e);
				if (ok && !same_profile(&a, &b))
					abort(); /* the fleet's merge differs from the merge */
				cr_merger_release(&mb);
			}
			cr_merger_release(&ma);
		}
		cr_profile_release(&src);
	}
	if (init) {
		cr_profile_release(&a);
		cr_profile_release(&b);
	}
	cr_fleet_file_free(f1);
	cr_fleet_file_free(f2);
	cr_fleet_view_free(v);
	cr_fleet_dict_free(d);
}

static bool same_labels(const struct cr_profile *a, const struct cr_sample *x, const struct cr_profile *b,
			const struct cr_sample *y)
{
	if (x->nlabel != y->nlabel)
		return false;
	for (uint32_t k = 0; k < x->nlabel; k++) {
		const struct cr_label *l = &a->labels[x->label_start + k], *m = &b->labels[y->label_start + k];
		if (l->key != m->key || l->str != m->str || l->num != m->num || l->num_unit != m->num_unit)
			return false;
	}
	return true;
}

/* The input read again with leave_out, and with its samples decoded by
 * pass 1 when early (as when it is inflated on another thread): the same
 * error, else the same profile (leaving nothing out), or the same samples
 * and values with the same stacks and labels where kept. */
static void reread_check(const uint8_t *data, size_t size, const struct cr_profile *p, enum cr_err rc,
			 const struct cr_error *e, unsigned char leave, bool early)
{
	struct cr_profile q;
	if (rc == CR_NOMEM || rc == CR_LIMIT || cr_profile_init(&q))
		return; /* (what it leaves out may let it fit) */
	q.leave_out = leave;
	struct cr_error qe = { 0 };
	cr_pprof_early_always = early;
	enum cr_err qrc = cr_profile_read_pprof(&q, data, size, "fuzz", &qe);
	cr_pprof_early_always = false;
	if (qrc == CR_OK)
		qrc = cr_profile_prune(&q, &qe);
	if (early && (qrc == CR_NOMEM || qrc == CR_LIMIT)) {
		cr_profile_release(&q);
		return; /* (the arrays it grows may take more) */
	}
	if (qrc != rc || (rc && strcmp(qe.msg, e->msg)))
		abort(); /* an error of its own */
	if (rc == CR_OK && !leave && !same_profile(p, &q))
		abort(); /* not the profile the reader reads */
	size_t nv = q.nsamples * q.ntypes;
	if (rc == CR_OK && (q.nsamples != p->nsamples || q.ntypes != p->ntypes ||
			    (nv && memcmp(q.values, p->values, nv * sizeof *q.values))))
		abort();
	for (size_t s = 0; rc == CR_OK && s < q.nsamples; s++) {
		const struct cr_sample *x = &q.samples[s], *y = &p->samples[s];
		bool stk = leave & CR_LEAVE_STACKS ? x->nloc == 0
						   : x->nloc == y->nloc &&
							     (!x->nloc || !memcmp(&q.stack[x->loc_start], &p->stack[y->loc_start],
										  x->nloc * sizeof *q.stack));
		/* (the reader keeps the labels of a diff's profile, and says so) */
		bool lab = q.leave_out & CR_LEAVE_LABELS ? x->nlabel == 0 : same_labels(&q, x, p, y);
		if (!stk || !lab)
			abort(); /* a sample not as the whole read's */
	}
	cr_profile_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_profile p;
	if (cr_profile_init(&p))
		return 0;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_profile_read_pprof(&p, data, size, "fuzz", &e);
	if (rc == CR_OK)
		rc = cr_profile_prune(&p, &e);
	fuzz_check_error(rc, &e);
	if (size % 4 == 3) /* (before top, which filters p) */
		reread_check(data, size, &p, rc, &e, (unsigned char)(1 + size / 4 % 3), size / 12 % 2);
	if (size % 2 == 1)
		reread_check(data, size, &p, rc, &e, 0, true);
	if (rc == CR_OK)
		fuzz_top_all(&p, data, size);
	if (rc == CR_OK && size % 4 == 0) {
		/* merging a profile with itself adds the values of equal stacks */
		struct cr_profile m;
		struct cr_error me = { 0 };
		if (cr_profile_init(&m) == CR_OK) {
			enum cr_err mrc = cr_profile_merge(&m, &p, &me);
			if (mrc == CR_OK)
				mrc = cr_profile_merge(&m, &p, &me);
			fuzz_check_error(mrc, &me);
			cr_profile_release(&m);
		}
	} else if (rc == CR_OK && size % 4 == 1) {
		/* `coroner diff --retained` over three copies of a heap profile */
		const struct cr_profile *snap[3] = { &p, &p, &p };
		struct cr_profile r;
		struct cr_error re = { 0 };
		enum cr_err rrc = cr_profile_retained(&r, snap, &re);
		fuzz_check_error(rrc, &re);
		if (rrc == CR_OK)
			cr_profile_release(&r);
	}
	if (size % 4 == 2)
		fleet_check(data, size, rc == CR_OK);

	cr_profile_release(&p);
	fuzz_check_balanced(before);
	return 0;
}
