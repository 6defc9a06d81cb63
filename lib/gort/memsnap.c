/* A core's runtime memory figures as a memory snapshot (what `mem` shows
 * for a core: the same fields as runtime.MemStats). */
#include "coroner/gort.h"
#include "coroner/mem.h"

#include <string.h>

enum cr_err cr_memsnap_from_gort(struct cr_memsnap *s, const struct cr_gort_mem *m, const char *name,
				 struct cr_error *e)
{
	if (!(s->name = cr_arena_strndup(&s->arena, name, strlen(name))))
		return cr_fail(e, CR_NOMEM, "out of memory");
	s->src = CR_MS_MEMSTATS;
	if (!m->present)
		return cr_fail(e, CR_EMPTY, "%s: no runtime memory figures could be read from the core", name);
	const struct { const char *k; uint64_t v; enum cr_memunit u; } f[] = {
		{ "Sys", m->sys, CR_MU_BYTES },
		{ "HeapAlloc", m->heap_alloc, CR_MU_BYTES },
		{ "HeapSys", m->heap_sys, CR_MU_BYTES },
		{ "HeapIdle", m->heap_idle, CR_MU_BYTES },
		{ "HeapInuse", m->heap_inuse, CR_MU_BYTES },
		{ "HeapReleased", m->heap_released, CR_MU_BYTES },
		{ "StackInuse", m->stack_inuse, CR_MU_BYTES },
		{ "StackSys", m->stack_sys, CR_MU_BYTES },
		{ "MSpanSys", m->mspan_sys, CR_MU_BYTES },
		{ "MCacheSys", m->mcache_sys, CR_MU_BYTES },
		{ "BuckHashSys", m->buckhash_sys, CR_MU_BYTES },
		{ "GCSys", m->gc_sys, CR_MU_BYTES },
		{ "OtherSys", m->other_sys, CR_MU_BYTES },
		{ "NumGC", m->num_gc, CR_MU_COUNT },
		{ "PauseTotalNs", m->pause_total_ns, CR_MU_COUNT },
		{ "LastGC", m->last_gc_unix, CR_MU_COUNT },
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		if (!m->have_alloc && !strcmp(f[i].k, "HeapAlloc"))
			continue;
		int64_t v = f[i].v > INT64_MAX ? INT64_MAX : (int64_t)f[i].v;
		if (cr_memsnap_set(s, f[i].k, v, f[i].u))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	if (m->have_alloc) {
		if (cr_memsnap_set(s, "TotalAlloc", (int64_t)(m->total_alloc > INT64_MAX ? INT64_MAX : m->total_alloc), CR_MU_BYTES) ||
		    cr_memsnap_set(s, "Mallocs", (int64_t)(m->mallocs > INT64_MAX ? INT64_MAX : m->mallocs), CR_MU_COUNT) ||
		    cr_memsnap_set(s, "Frees", (int64_t)(m->frees > INT64_MAX ? INT64_MAX : m->frees), CR_MU_COUNT))
			return cr_fail(e, CR_NOMEM, "out of memory");
	}
	return CR_OK;
}
