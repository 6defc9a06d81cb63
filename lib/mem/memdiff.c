/* Differences of two memory snapshots (coroner diff): field by field
 * for smaps_rollup / status / memory.stat / MemStats, per mapping label for
 * smaps. */
#include "coroner/mem.h"

#include <stdlib.h>
#include <string.h>

void cr_memdiff_init(struct cr_memdiff *d)
{
	memset(d, 0, sizeof *d);
	cr_arena_init(&d->arena);
}

void cr_memdiff_release(struct cr_memdiff *d)
{
	cr_free(d->rows);
	cr_arena_release(&d->arena);
	memset(d, 0, sizeof *d);
}

static enum cr_err add_row(struct cr_memdiff *d, const char *name, int64_t base, int64_t new_,
			   enum cr_memunit unit, bool in_base, bool in_new)
{
	if (cr_grow(&d->rows, &d->cap, d->nrows + 1, sizeof *d->rows))
		return CR_NOMEM;
	struct cr_memdiff_row *r = &d->rows[d->nrows];
	if (!(r->name = cr_arena_strndup(&d->arena, name, strlen(name))))
		return CR_NOMEM;
	r->base = base;
	r->new_ = new_;
	/* saturate instead of overflowing on absurd inputs */
	if (__builtin_sub_overflow(new_, base, &r->delta))
		r->delta = new_ > base ? INT64_MAX : INT64_MIN;
	r->unit = unit;
	r->in_base = in_base;
	r->in_new = in_new;
	d->nrows++;
	return CR_OK;
}

/* kinds that compare field by field with each other */
static int family(enum cr_memsrc s)
{
	switch (s) {
	case CR_MS_SMAPS_ROLLUP: case CR_MS_SMAPS: return 1; /* smaps' fields are its sums */
	case CR_MS_CGROUP_V1: case CR_MS_CGROUP_V2: return 3;
	default: return (int)s + 10;
	}
}

enum cr_err cr_memdiff_fields(struct cr_memdiff *d, const struct cr_memsnap *base,
			      const struct cr_memsnap *new_, struct cr_error *e)
{
	if (family(base->src) != family(new_->src) || base->src == CR_MS_MAPS)
		return cr_fail(e, CR_FORMAT, "%s (%s) and %s (%s) are not the same kind of file", base->name,
			       cr_memsrc_name(base->src), new_->name, cr_memsrc_name(new_->src));
	d->src = base->src;
	for (size_t i = 0; i < base->nfields; i++) {
		const struct cr_memfield *f = &base->fields[i];
		if (f->unit == CR_MU_TEXT)
			continue;
		const struct cr_memfield *g = cr_memsnap_field(new_, f->name);
		bool in_new = g && g->unit != CR_MU_TEXT;
		if (add_row(d, f->name, f->value, in_new ? g->value : 0, f->unit, true, in_new))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < new_->nfields; i++) {
		const struct cr_memfield *g = &new_->fields[i];
		if (g->unit == CR_MU_TEXT)
			continue;
		const struct cr_memfield *f = cr_memsnap_field(base, g->name);
		if (f && f->unit != CR_MU_TEXT)
			continue;
		if (add_row(d, g->name, 0, g->value, g->unit, false, true))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	return CR_OK;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct cr_memdiff_row *x = a, *y = b;
	int64_t dx = x->delta < 0 ? -x->delta : x->delta, dy = y->delta < 0 ? -y->delta : y->delta;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

enum cr_err cr_memdiff_labels(struct cr_memdiff *d, struct cr_memsnap *base, struct cr_memsnap *new_,
			      struct cr_error *e)
{
	if (base->src != CR_MS_SMAPS || new_->src != CR_MS_SMAPS)
		return cr_fail(e, CR_FORMAT, "%s and %s: a per-label diff needs two smaps files (got %s and %s)",
			       base->name, new_->name, cr_memsrc_name(base->src), cr_memsrc_name(new_->src));
	struct cr_labelsum a[CR_ML_COUNT], b[CR_ML_COUNT];
	cr_memsnap_label(base, NULL, 0, NULL);
	cr_memsnap_label(new_, NULL, 0, NULL);
	cr_memsnap_label_sums(base, a);
	cr_memsnap_label_sums(new_, b);
	d->src = CR_MS_SMAPS;
	for (int l = 0; l < CR_ML_COUNT; l++) {
		if (!a[l].count && !b[l].count)
			continue;
		if (add_row(d, cr_maplabel_name((enum cr_maplabel)l), a[l].rss, b[l].rss, CR_MU_BYTES,
			    a[l].count > 0, b[l].count > 0))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	qsort(d->rows, d->nrows, sizeof *d->rows, cmp_rows);
	return CR_OK;
}
