/* A core's goroutines as a profile (one sample per goroutine, or one per
 * group of equal goroutines). */
#include "coroner/gort.h"
#include "gort_int.h"

#include <stdio.h>
#include <string.h>

struct gkey {
	const struct cr_gstack *stack;
	const char *state, *created_by, *created_file;
	int64_t wait;
	int32_t line;
	uint32_t locked;
};

static enum cr_err build_profile(const struct cr_gort *g, struct cr_profile *p, bool grouped,
				 struct cr_error *e)
{
	p->source = CR_SRC_CORE;
	if (cr_profile_add_type(p, "goroutine", "count"))
		return cr_fail(e, CR_NOMEM, "out of memory");
	p->period_type.type = cr_profile_intern_z(p, "goroutine");
	p->period_type.unit = cr_profile_intern_z(p, "count");
	p->period = 1;
	uint32_t *stack = NULL;
	size_t scap = 0;
	enum cr_err rc = CR_OK;
	uint32_t k_goid = cr_profile_intern_z(p, "goid"), k_state = cr_profile_intern_z(p, "state"),
		 k_wait = cr_profile_intern_z(p, "wait"), k_cb = cr_profile_intern_z(p, "created_by"),
		 k_ca = cr_profile_intern_z(p, "created_at"), k_lock = cr_profile_intern_z(p, "locked_to_thread"),
		 u_min = cr_profile_intern_z(p, "minutes");
	/* grouped: representative goroutine index and count per key */
	struct cr_hmap map;
	size_t *rep = NULL, nrep = 0, caprep = 0;
	int64_t *cnt = NULL;
	size_t capcnt = 0;
	cr_hmap_init(&map);
	size_t n = g->ngs;
	if (grouped) {
		for (size_t i = 0; i < g->ngs; i++) {
			const struct cr_goroutine *G = &g->gs[i];
			struct gkey k;
			memset(&k, 0, sizeof k);
			k.stack = G->stack;
			k.state = G->state;
			k.created_by = G->created_by;
			k.created_file = G->created_file;
			k.wait = G->wait_minutes;
			k.line = G->created_line;
			k.locked = G->locked;
			bool found;
			uint32_t *v = cr_hmap_put(&map, &k, sizeof k, (uint32_t)nrep, &found);
			if (!v || (!found && (cr_grow(&rep, &caprep, nrep + 1, sizeof *rep) ||
					      cr_grow(&cnt, &capcnt, nrep + 1, sizeof *cnt)))) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				goto out;
			}
			if (!found) {
				rep[nrep] = i;
				cnt[nrep++] = 0;
			}
			cnt[*v]++;
		}
		n = nrep;
	}
	for (size_t s = 0; s < n && !rc; s++) {
		const struct cr_goroutine *G = &g->gs[grouped ? rep[s] : s];
		const struct cr_gstack *S = G->stack;
		size_t nloc = 0;
		if (cr_grow(&stack, &scap, S->nframes + 1, sizeof *stack)) {
			rc = cr_fail(e, CR_NOMEM, "out of memory");
			break;
		}
		for (size_t j = 0; j < S->nframes;) {
			/* one location per physical frame: inlined frames + the physical one */
			size_t k = j;
			while (k < S->nframes && S->frames[k].inlined)
				k++;
			if (k == S->nframes)
				k--;
			struct cr_line lines[FBUF_MAX];
			size_t nl = 0;
			for (size_t x = j; x <= k && nl < FBUF_MAX; x++) {
				/* unknown is "?" in the profile, as the runtime prints it */
				lines[nl].function = cr_profile_function(p, cr_frame_or(S->frames[x].function, "?"),
									 cr_frame_or(S->frames[x].file, "?"), 0);
				lines[nl].line = S->frames[x].line;
				nl++;
			}
			uint32_t loc = cr_profile_location(p, S->frames[k].pc, 0, lines, nl);
			if (loc == UINT32_MAX) {
				rc = cr_fail(e, CR_NOMEM, "out of memory");
				break;
			}
			stack[nloc++] = loc;
			j = k + 1;
		}
		if (rc)
			break;
		struct cr_label lb[6];
		size_t nlb = 0;
		if (!grouped)
			lb[nlb++] = (struct cr_label){ .key = k_goid, .num = G->goid };
		lb[nlb++] = (struct cr_label){ .key = k_state, .str = cr_profile_intern_z(p, G->state) };
		if (G->wait_minutes >= 1)
			lb[nlb++] = (struct cr_label){ .key = k_wait, .num = G->wait_minutes, .num_unit = u_min };
		if (G->created_by) {
			lb[nlb++] = (struct cr_label){ .key = k_cb, .str = cr_profile_intern_z(p, G->created_by) };
			char at[512];
			snprintf(at, sizeof at, "%s:%d", cr_frame_or(G->created_file, "?"),
				 G->created_line);
			lb[nlb++] = (struct cr_label){ .key = k_ca, .str = cr_profile_intern_z(p, at) };
		}
		if (G->locked)
			lb[nlb++] = (struct cr_label){ .key = k_lock, .str = cr_profile_intern_z(p, "true") };
		int64_t one = grouped ? cnt[s] : 1;
		if (cr_profile_add_sample(p, stack, nloc, &one, lb, nlb))
			rc = cr_fail(e, CR_NOMEM, "out of memory");
	}
out:
	cr_hmap_release(&map);
	cr_free(rep);
	cr_free(cnt);
	cr_free(stack);
	return rc;
}

enum cr_err cr_gort_profile(const struct cr_gort *g, struct cr_profile *p, struct cr_error *e)
{
	return build_profile(g, p, false, e);
}

enum cr_err cr_gort_profile_grouped(const struct cr_gort *g, struct cr_profile *p, struct cr_error *e)
{
	return build_profile(g, p, true, e);
}

