/* -topproto: pprof's top report as a profile (its printTopProto): the
 * nodes of -top's trimmed graph, in -top's order, each one sample of one
 * location of one line, with the values cum and flat in the report's
 * output unit; gzipped protobuf to stdout (or -output). */
#include "pprof-cmd.h"
#include "coroner/profile.h"
#include "coroner/pprof.h"
#include "coroner/out.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A function of the written profile for the node's name and file (pprof's
 * functionMap: its original name and start line are not kept by -top's
 * nodes); index+1, UINT32_MAX when out of memory. */
static uint32_t node_function(struct cr_profile *q, const struct cr_pprof_frame *f)
{
	uint32_t n = cr_profile_intern_z(q, f->name ? f->name : ""), file = cr_profile_intern_z(q, f->file ? f->file : "");
	if (n == UINT32_MAX || file == UINT32_MAX)
		return UINT32_MAX;
	for (size_t i = 0; i < q->nfunctions; i++)
		if (q->functions[i].name == n && q->functions[i].filename == file)
			return (uint32_t)i + 1;
	const struct cr_function fn = { .id = q->nfunctions + 1, .name = n, .filename = file };
	return cr_profile_add_function(q, &fn);
}

/* Go's int64(f) on amd64: truncated; out of range (or NaN) the minimum */
static int64_t go_int64(double f)
{
	return f > -9223372036854775808.0 && f < 9223372036854775808.0 ? (int64_t)f : INT64_MIN;
}

static enum cr_err build(struct cr_profile *q, const struct cr_pgraph *g, const struct cr_profile *p,
			 struct cr_error *e)
{
	const char *unit = g->output_unit;
	if (cr_profile_add_type(q, "cum", unit) || cr_profile_add_type(q, "flat", unit))
		return cr_fail(e, CR_NOMEM, "out of memory");
	q->period_type.type = cr_profile_intern_z(q, cr_profile_str(p, p->period_type.type));
	q->period_type.unit = cr_profile_intern_z(q, cr_profile_str(p, p->period_type.unit));
	q->period_type_empty = p->period_type_empty;
	q->period = p->period;
	q->time_nanos = p->time_nanos;
	q->duration_nanos = p->duration_nanos;
	if (q->period_type.type == UINT32_MAX || q->period_type.unit == UINT32_MAX)
		return cr_fail(e, CR_NOMEM, "out of memory");
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct cr_pgraph_node *n = &g->nodes[i];
		const struct cr_pprof_frame *f = &g->names.frame[n->slot];
		uint32_t fn = node_function(q, f);
		if (fn == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "out of memory");
		const struct cr_line ln = { .function = fn, .line = f->line };
		uint32_t li = cr_profile_add_location(q, i + 1, f->address, 0, &ln, 1);
		if (li == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "out of memory");
		/* pprof's measurement.Scale, truncated to an integer */
		const char *u;
		int64_t v[2] = { go_int64(cr_units_scale(cr_pgraph_cum(n), g->sample_unit, unit, &u)),
				 go_int64(cr_units_scale(cr_pgraph_flat(n), g->sample_unit, unit, &u)) };
		if (cr_profile_add_sample(q, &li, 1, v, NULL, 0))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	return CR_OK;
}

int cmd_pprof_topproto(const struct cmd_pprof_req *r, const struct cr_pprof_opts *o, const struct cr_profile *p,
		       int64_t total)
{
	/* -top's trimming: every node unless -nodecount, -nodefraction 0.005 */
	struct cr_pgraph_trim tr = { .nodecount = 0, .nodefraction = 0.005, .edgefraction = 0.001, .cum = r->cum };
	struct cr_error e = { 0 };
	int urc = cmd_pprof_trim_flags(r, &tr);
	if (urc)
		return urc;
	if (r->notrim)
		tr.nodecount = 0, tr.nodefraction = 0, tr.edgefraction = 0;
	struct cr_pgraph g;
	if (cr_pgraph_compute(&g, p, o, &tr, total, &e))
		return cmd_error(&e);
	struct cr_profile q;
	int rc = 0;
	if (cr_profile_init(&q)) {
		cr_pgraph_release(&g);
		fprintf(stderr, "%s: out of memory\n", cmd_progname);
		return 1;
	}
	if (build(&q, &g, p, &e) || cr_profile_write_pprof(&q, "-", &e))
		rc = cmd_error(&e);
	cr_profile_release(&q);
	cr_pgraph_release(&g);
	return rc;
}
