/* coroner report: the report object, its captures (loaded by lib/capture),
 * and the run of every analysis (one file each: findings_*.c). */
#include "coroner/capture.h"
#include "coroner/report.h"
#include "report/findings_int.h"

#include <string.h>

void cr_report_init(struct cr_report *r)
{
	memset(r, 0, sizeof *r);
	cr_arena_init(&r->arena);
	cr_captures_init(&r->in);
}

void cr_report_release(struct cr_report *r)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		struct cr_rfinding *f = &r->findings[i];
		for (size_t k = 0; k < f->ntables; k++)
			cr_table_release(&f->tables[k].t);
		cr_free(f->tables);
		cr_free(f->facts);
	}
	cr_captures_release(&r->in);
	cr_free(r->ledgers);
	cr_free(r->findings);
	cr_buf_release(&r->warnings);
	cr_buf_release(&r->notes);
	cr_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

/* Move what the loader said into the report's own lines, in order (as
 * cr_report_warn, a line that finds no memory is lost, not an error). */
static void take_lines(struct cr_buf *dst, struct cr_buf *src)
{
	if (src->len)
		cr_buf_add(dst, src->data, src->len);
	src->len = 0;
	if (src->data)
		src->data[0] = 0;
}

enum cr_err cr_report_add_capture(struct cr_report *r, const char *const *paths, size_t n,
				  struct cr_error *e)
{
	r->in.progress = r->progress;
	r->in.progress_ctx = r->progress_ctx;
	enum cr_err rc = cr_captures_add(&r->in, paths, n, e);
	take_lines(&r->warnings, &r->in.warnings);
	take_lines(&r->notes, &r->in.notes);
	return rc;
}

enum cr_err cr_report_run(struct cr_report *r, struct cr_error *e)
{
	enum cr_err rc = CR_OK;
	enum cr_err (*const steps[])(struct cr_report *) = {
		cr_report_analyse_mismatch, cr_report_analyse_cores, cr_report_analyse_crash, cr_report_analyse_race,
		cr_report_analyse_leaks,
		cr_report_analyse_oom, cr_report_analyse_mem,
		cr_report_analyse_heap_growth, cr_report_analyse_map_growth, cr_report_analyse_alloc_hotspot, cr_report_analyse_gc, cr_report_analyse_net,
		cr_report_analyse_limits, cr_report_analyse_retention,
	};
	bool moved = false;
	rc = cr_captures_order(&r->in, &moved);
	if (moved)
		cr_report_note(r, "captures read in the order they were taken (a core last: it is the crash), "
			       "not the order given");
	for (size_t i = 0; i < sizeof steps / sizeof *steps && !rc; i++)
		rc = steps[i](r);
	if (rc)
		return cr_fail(e, rc, "report: %s", cr_strerror(rc));
	cr_report_rank(r);
	return CR_OK;
}

