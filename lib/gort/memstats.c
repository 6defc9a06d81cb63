/* The runtime's memory figures in a core: memstats, heapStats, mheap_'s
 * arenas (what `mem` shows for a core). */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mheap_: allArenas is a slice of arena indices, 0 < len <= cap */
static bool check_mheap(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	uint64_t p, n, cap, idx;
	if (P->L->mheap_allarenas == LAYOUT_NONE)
		return false;
	uint64_t o = a + P->L->mheap_allarenas;
	return cr_core_read_u64(P->core, o, &p) && cr_core_read_u64(P->core, o + 8, &n) &&
	       cr_core_read_u64(P->core, o + 16, &cap) && n > 0 && n <= cap && cap < ((uint64_t)1 << 22) &&
	       cr_core_read_u64(P->core, p, &idx) && idx < ((uint64_t)1 << 22);
}

/* memstats: heap stats that add up (0 < in heap <= committed, released >= 0;
 * released is counted apart from committed), sane *_sys figures and GC count */
static bool check_memstats(struct cr_gort *g, uint64_t a)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	if (P->G.mheap.addr && a == P->G.mheap.addr + g->bias)
		return false;
	int64_t committed = 0, released = 0, inheap = 0;
	for (unsigned k = 0; k < L->hsd_n; k++) {
		uint64_t base = a + L->ms_heapstats + (uint64_t)k * L->hsd_size, v1, v2, v3;
		if (!cr_core_read_u64(P->core, base + L->hsd_committed, &v1) ||
		    !cr_core_read_u64(P->core, base + L->hsd_released, &v2) ||
		    !cr_core_read_u64(P->core, base + L->hsd_inheap, &v3))
			return false;
		/* wrapping sums (Go's int64 arithmetic): hostile cores overflow */
		committed = (int64_t)((uint64_t)committed + v1);
		released = (int64_t)((uint64_t)released + v2);
		inheap = (int64_t)((uint64_t)inheap + v3);
	}
	if (committed <= 0 || inheap <= 0 || inheap > committed || released < 0)
		return false;
	unsigned offs[] = { L->ms_stacks_sys, L->ms_mspan_sys, L->ms_mcache_sys, L->ms_buckhash_sys,
			    L->ms_gcmisc_sys, L->ms_other_sys };
	for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
		uint64_t v;
		if (!cr_core_read_u64(P->core, a + offs[i], &v) || v >= ((uint64_t)1 << 44))
			return false;
	}
	uint32_t numgc;
	return cr_core_read_u32(P->core, a + L->ms_numgc, &numgc) && numgc < (1u << 30);
}

void gort_read_mem(struct cr_gort *g)
{
	struct priv *P = g->priv;
	const struct layout *L = P->L;
	struct cr_gort_mem *M = &g->mem;
	if (!L->have_mem) {
		gort_warnf(g, "no memory figures: the offsets of runtime.mstats/mheap for %s are not known without DWARF",
			   g->go_version);
		return;
	}
	uint64_t mh = gort_glob_addr(g, &P->G.mheap, "mheap_", check_mheap), sp, sl;
	uint64_t ms = gort_glob_addr(g, &P->G.memstats, "memstats", check_memstats);
	if (!ms)
		return;
	uint64_t v[16] = { 0 };
	/* heapStats: sum of all generations, as consistentHeapStats.unsafeRead */
	int64_t committed = 0, released = 0, inheap = 0, instacks = 0, inwb = 0, inpsb = 0;
	uint64_t tiny = 0, lalloc = 0, lallocn = 0, lfree = 0, lfreen = 0, salloc = 0, sfree = 0;
	uint64_t csize_addr, csize_len = 0;
	csize_addr = gort_glob_addr(g, &P->G.class_to_size, "class_to_size", NULL);
	(void)csize_len;
	uint16_t csz[128] = { 0 };
	bool have_sizes = csize_addr && L->nsizeclasses <= 128 &&
			  cr_core_read(P->core, csize_addr, csz, L->nsizeclasses * 2) == L->nsizeclasses * 2;
	/* offsets from DWARF are input: every field inside the struct */
	unsigned hf[] = { L->hsd_committed, L->hsd_released, L->hsd_inheap, L->hsd_instacks, L->hsd_inworkbufs,
			  L->hsd_tinyalloccount, L->hsd_largealloc, L->hsd_largealloccount, L->hsd_largefree,
			  L->hsd_largefreecount };
	bool ok = L->nsizeclasses <= 128 && (uint64_t)L->hsd_smallalloccount + 8u * L->nsizeclasses <= L->hsd_size &&
		  (uint64_t)L->hsd_smallfreecount + 8u * L->nsizeclasses <= L->hsd_size;
	for (size_t i = 0; i < sizeof hf / sizeof *hf && ok; i++)
		ok = (uint64_t)hf[i] + 8 <= L->hsd_size;
	for (unsigned k = 0; k < L->hsd_n && ok; k++) {
		unsigned char hb[2048];
		uint64_t base = ms + L->ms_heapstats + (uint64_t)k * L->hsd_size;
		if (L->hsd_size > sizeof hb || cr_core_read(P->core, base, hb, L->hsd_size) != L->hsd_size) {
			ok = false;
			break;
		}
		/* wrapping sums (Go's int64 arithmetic): hostile cores overflow */
		committed = (int64_t)((uint64_t)committed + cr_ld64(hb + L->hsd_committed));
		released = (int64_t)((uint64_t)released + cr_ld64(hb + L->hsd_released));
		inheap = (int64_t)((uint64_t)inheap + cr_ld64(hb + L->hsd_inheap));
		instacks = (int64_t)((uint64_t)instacks + cr_ld64(hb + L->hsd_instacks));
		inwb = (int64_t)((uint64_t)inwb + cr_ld64(hb + L->hsd_inworkbufs));
		if (L->hsd_inptrscalarbits != LAYOUT_NONE && L->hsd_inptrscalarbits + 8 <= L->hsd_size)
			inpsb = (int64_t)((uint64_t)inpsb + cr_ld64(hb + L->hsd_inptrscalarbits));
		tiny += cr_ld64(hb + L->hsd_tinyalloccount);
		lalloc += cr_ld64(hb + L->hsd_largealloc);
		lallocn += cr_ld64(hb + L->hsd_largealloccount);
		lfree += cr_ld64(hb + L->hsd_largefree);
		lfreen += cr_ld64(hb + L->hsd_largefreecount);
		for (unsigned i = 0; i < L->nsizeclasses; i++) {
			uint64_t a = cr_ld64(hb + L->hsd_smallalloccount + 8 * i);
			uint64_t f = cr_ld64(hb + L->hsd_smallfreecount + 8 * i);
			salloc += a * csz[i];
			sfree += f * csz[i];
			v[0] += a;
			v[1] += f;
		}
	}
	unsigned offs[] = { L->ms_stacks_sys, L->ms_mspan_sys, L->ms_mcache_sys, L->ms_buckhash_sys,
			    L->ms_gcmisc_sys, L->ms_other_sys, L->ms_last_gc_unix, L->ms_pause_total_ns };
	uint64_t sysv[8];
	for (size_t i = 0; i < 8 && ok; i++)
		ok = cr_core_read_u64(P->core, ms + offs[i], &sysv[i]);
	uint32_t numgc = 0;
	if (ok)
		ok = cr_core_read_u32(P->core, ms + L->ms_numgc, &numgc);
	if (!ok) {
		gort_warnf(g, "runtime.memstats unreadable in the core: no memory figures");
		return;
	}
	M->present = true;
	M->heap_inuse = (uint64_t)inheap;
	M->heap_released = (uint64_t)released;
	int64_t retained = (int64_t)((uint64_t)committed - (uint64_t)instacks - (uint64_t)inwb - (uint64_t)inpsb);
	M->heap_idle = ((uint64_t)retained - (uint64_t)inheap) + (uint64_t)released;
	M->heap_sys = M->heap_inuse + M->heap_idle;
	M->stack_inuse = (uint64_t)instacks;
	M->stack_sys = (uint64_t)instacks + sysv[0];
	M->mspan_sys = sysv[1];
	M->mcache_sys = sysv[2];
	M->buckhash_sys = sysv[3];
	M->gc_sys = sysv[4] + (uint64_t)inwb + (uint64_t)inpsb;
	M->other_sys = sysv[5];
	M->last_gc_unix = sysv[6];
	M->pause_total_ns = sysv[7];
	M->num_gc = numgc;
	M->sys = M->heap_sys + M->stack_sys + M->mspan_sys + M->mcache_sys + M->buckhash_sys +
		 M->gc_sys + M->other_sys;
	if (have_sizes) {
		M->have_alloc = true;
		M->total_alloc = lalloc + salloc;
		M->mallocs = lallocn + v[0] + tiny;
		M->frees = lfreen + v[1] + tiny;
		M->heap_alloc = M->total_alloc - (lfree + sfree);
	}
	/* arenas */
	M->arena_bytes = (uint64_t)64 << 20;
	if (mh && L->mheap_allarenas != LAYOUT_NONE && cr_core_read_u64(P->core, mh + L->mheap_allarenas, &sp) &&
	    cr_core_read_u64(P->core, mh + L->mheap_allarenas + 8, &sl) && sl < (1u << 22)) {
		uint64_t base = P->arm64 ? 0 : 0xffff800000000000ull;
		size_t cap = 0;
		for (uint64_t i = 0; i < sl; i++) {
			uint64_t idx;
			if (!cr_core_read_u64(P->core, sp + 8 * i, &idx))
				break;
			uint64_t start = idx * M->arena_bytes + base, end = start + M->arena_bytes;
			if (M->narenas && M->arenas[M->narenas - 1].end == start) {
				M->arenas[M->narenas - 1].end = end;
				continue;
			}
			if (cr_grow(&M->arenas, &cap, M->narenas + 1, sizeof *M->arenas))
				break;
			M->arenas[M->narenas].start = start;
			M->arenas[M->narenas].end = end;
			M->narenas++;
		}
	}
	uint64_t lgn;
	if (cr_core_read_u64(P->core, ms + L->ms_last_gc_nanotime, &lgn) && (int64_t)lgn > g->now)
		g->now = (int64_t)lgn;
}
