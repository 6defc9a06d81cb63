/* The RSS ledger: RSS split into Go heap in use, idle heap still resident,
 * goroutine stacks, Go runtime metadata, non-Go anonymous memory, file-backed
 * pages and shared memory, plus a signed catch-all so the parts add up to RSS
 * exactly. Then findings in plain words. */
#include "coroner/mem.h"
#include "coroner/out.h"
#include "coroner/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cr_component_name(enum cr_component c)
{
	static const char *const names[CR_C_COUNT] = {
		"go_heap_inuse", "go_heap_idle", "go_stacks", "go_runtime",
		"non_go_anon", "file_backed", "shmem", "unexplained",
	};
	return (unsigned)c < CR_C_COUNT ? names[c] : "?";
}

void cr_ledger_release(struct cr_ledger *l)
{
	cr_free(l->findings);
	cr_buf_release(&l->warnings);
	memset(l, 0, sizeof *l);
}

static void comp(struct cr_ledger *l, enum cr_component c, int64_t bytes, const char *source,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void comp(struct cr_ledger *l, enum cr_component c, int64_t bytes, const char *source,
		 const char *fmt, ...)
{
	struct cr_ledger_comp *o = &l->comp[c];
	o->bytes = bytes;
	snprintf(o->source, sizeof o->source, "%s", source);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->note, sizeof o->note, fmt, ap);
	va_end(ap);
}

static void finding(struct cr_ledger *l, const char *id, enum cr_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finding(struct cr_ledger *l, const char *id, enum cr_severity sev, const char *fmt, ...)
{
	if (cr_grow(&l->findings, &l->cap_findings, l->nfindings + 1, sizeof *l->findings))
		return;
	struct cr_finding *f = &l->findings[l->nfindings++];
	f->id = id;
	f->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

static const char *hb(char *buf, int64_t v)
{
	cr_units_bytes(buf, 32, v);
	return buf;
}

static int64_t ms(const struct cr_memsnap *m, const char *k)
{
	int64_t v;
	return m && cr_memsnap_get(m, k, &v) ? v : 0;
}

static bool has(const struct cr_memsnap *m, const char *k)
{
	int64_t v;
	return m && cr_memsnap_get(m, k, &v);
}

/* The values come from files: every sum and difference saturates. */
static int64_t sum6(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f)
{
	return cr_sat_add(cr_sat_add(cr_sat_add(a, b), cr_sat_add(c, d)), cr_sat_add(e, f));
}

/* Two totals of the same thing read at different moments: far apart? */
static bool far(int64_t a, int64_t b)
{
	int64_t d = cr_sat_abs(cr_sat_sub(a, b)), m = a > b ? a : b;
	return d > (4 << 20) && d > m / 20;
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* The part of the runtime's off-heap metadata (MemStats *Sys) that is likely
 * resident. Sys counts what was mapped; measured on Go 1.19 programs, the
 * non-arena anonymous RSS of a pure Go process is well below it: GCSys holds
 * the heap bitmap (1/32 of the arena, touched only where the heap has been)
 * and page-allocator summaries that are mapped sparse; BuckHashSys starts
 * with a 1.4 MB hash table (179999 pointers) of which only used buckets'
 * pages are touched. */
static int64_t runtime_resident(const struct cr_memsnap *m, int64_t *sys_out, char *how, size_t hown)
{
	int64_t mspan = has(m, "MSpanSys") ? ms(m, "MSpanSys") : ms(m, "MSpanInuse");
	int64_t mcache = has(m, "MCacheSys") ? ms(m, "MCacheSys") : ms(m, "MCacheInuse");
	int64_t other = ms(m, "OtherSys"), bh = ms(m, "BuckHashSys"), gc = ms(m, "GCSys");
	int64_t stack_os = cr_sat_sub(ms(m, "StackSys"), ms(m, "StackInuse"));
	if (stack_os < 0)
		stack_os = 0;
	*sys_out = sum6(mspan, mcache, other, bh, gc, stack_os);
	const int64_t table = 179999 * 8;
	int64_t bh_res = bh;
	if (bh >= table) {
		int64_t used = bh - table;
		bh_res = used + (used < table ? used : table);
	}
	int64_t heap = cr_sat_add(ms(m, "HeapSys"), ms(m, "StackInuse"));
	int64_t gc_res = sum6(heap / 32, heap / 1024, ms(m, "HeapObjects") / 2, 256 << 10, 0, 0);
	if (gc_res > gc)
		gc_res = gc;
	snprintf(how, hown, "GCSys %" PRId64 " -> ~%" PRId64 ", BuckHashSys %" PRId64 " -> ~%" PRId64,
		 gc, gc_res, bh, bh_res);
	return sum6(mspan, mcache, other, bh_res, gc_res, stack_os);
}

/* What the steps of cr_ledger_compute share: the inputs and the figures
 * one step finds and a later one uses. */
struct lx {
	const struct cr_memsnap *R, *S, *T, *M; /* smaps_rollup, smaps, status, MemStats */
	int64_t arena_rss, arena_size, anon_pool, file, shmem; /* from smaps' labels */
	bool arena_found;
	bool gcest;          /* the Go figures are the gctrace's, no MemStats */
	bool cgrss;          /* RSS is the cgroup's anon + file: no /proc file given */
	int64_t inuse, idle, stacks, rt, nongo, unexpl; /* the components */
	int64_t idle_short, nongo_short;                /* what an estimate overshot by */
};

/* The inputs' kinds, RSS from the best source, the process. */
static enum cr_err ledger_rss(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x,
			      struct cr_error *e)
{
	if (x->S && x->S->src != CR_MS_SMAPS)
		return cr_fail(e, CR_USAGE, "%s: is %s, not smaps", x->S->name, cr_memsrc_name(x->S->src));
	if (x->R && x->R->src != CR_MS_SMAPS_ROLLUP)
		return cr_fail(e, CR_USAGE, "%s: is %s, not smaps_rollup", x->R->name, cr_memsrc_name(x->R->src));
	if (x->T && x->T->src != CR_MS_STATUS)
		return cr_fail(e, CR_USAGE, "%s: is %s, not status", x->T->name, cr_memsrc_name(x->T->src));
	if (x->M && x->M->src != CR_MS_MEMSTATS)
		return cr_fail(e, CR_USAGE, "%s: is %s, not runtime.MemStats", x->M->name, cr_memsrc_name(x->M->src));

	/* ---- RSS ---- */
	if (x->R) {
		l->rss = ms(x->R, "Rss");
		snprintf(l->rss_source, sizeof l->rss_source, "smaps_rollup Rss");
	} else if (x->S) {
		l->rss = ms(x->S, "Rss");
		snprintf(l->rss_source, sizeof l->rss_source, "smaps (sum of Rss)");
	} else if (x->T) {
		l->rss = ms(x->T, "VmRSS");
		snprintf(l->rss_source, sizeof l->rss_source, "status VmRSS");
	} else if (in->cgroup) {
		/* the cgroup's memory: its processes together, the best left */
		struct cr_cgroup_view v;
		cr_cgroup_view(in->cgroup, &v);
		l->cgroup = v; /* ledger_cgroup fills it again, the same */
		if (!v.have_stat)
			return cr_fail(e, CR_USAGE, "no source of RSS: give smaps_rollup, smaps, status or the cgroup's memory.stat");
		l->rss = cr_sat_add(v.anon > 0 ? v.anon : 0, v.file > 0 ? v.file : 0);
		snprintf(l->rss_source, sizeof l->rss_source, "cgroup memory.stat anon + file");
		x->cgrss = true;
	} else {
		return cr_fail(e, CR_USAGE, "no source of RSS: give smaps_rollup, smaps, status or the cgroup's memory.stat");
	}
	if (x->T) {
		int64_t pid;
		const struct cr_memfield *nm = cr_memsnap_field(x->T, "Name");
		if (cr_memsnap_get(x->T, "Pid", &pid))
			l->pid = pid;
		if (nm && nm->text)
			snprintf(l->process, sizeof l->process, "%s", nm->text);
	}
	return CR_OK;
}

/* smaps: every mapping labelled and summed by label. */
static void ledger_mappings(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	/* ---- the mappings ---- */
	if (x->S) {
		cr_memsnap_label((struct cr_memsnap *)x->S, in->arenas, in->narenas, in->binary);
		cr_memsnap_label_sums(x->S, l->labels);
		l->have_labels = true;
		x->arena_rss = l->labels[CR_ML_GO_ARENA].rss;
		x->arena_size = l->labels[CR_ML_GO_ARENA].size;
		x->arena_found = l->labels[CR_ML_GO_ARENA].count > 0;
		static const enum cr_maplabel anon_labels[] = { CR_ML_BRK_HEAP, CR_ML_MALLOC_ARENA,
			CR_ML_THREAD_STACK, CR_ML_MAIN_STACK, CR_ML_ANON, CR_ML_RESERVED };
		for (size_t i = 0; i < sizeof anon_labels / sizeof *anon_labels; i++)
			x->anon_pool = cr_sat_add(x->anon_pool, l->labels[anon_labels[i]].rss);
		x->file = sum6(l->labels[CR_ML_BINARY].rss, l->labels[CR_ML_SHARED_LIB].rss,
			    l->labels[CR_ML_FILE].rss, l->labels[CR_ML_KERNEL].rss, 0, 0);
		x->shmem = l->labels[CR_ML_SHMEM].rss;
		if (!l->process[0]) {
			for (size_t i = 0; i < x->S->nmaps; i++)
				if (x->S->maps[i].label == CR_ML_BINARY) {
					snprintf(l->process, sizeof l->process, "%s", base_name(x->S->maps[i].path));
					break;
				}
		}
	}
}

/* Warnings when the inputs do not belong together; the gctrace summary. */
static void ledger_consistency(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	char b1[32], b2[32], b3[32];
	/* ---- do the inputs belong together? ---- */
	if (x->R && x->S && far(ms(x->R, "Rss"), ms(x->S, "Rss")))
		cr_buf_addf(&l->warnings, "smaps_rollup Rss %s and the sum over smaps %s differ by %s: not read at the same moment, or not the same process\n",
			    hb(b1, ms(x->R, "Rss")), hb(b2, ms(x->S, "Rss")), hb(b3, cr_sat_abs(cr_sat_sub(ms(x->R, "Rss"), ms(x->S, "Rss")))));
	if (x->T && (x->R || x->S) && far(l->rss, ms(x->T, "VmRSS")))
		cr_buf_addf(&l->warnings, "status VmRSS %s and %s %s differ by %s: not read at the same moment, or not the same process\n",
			    hb(b1, ms(x->T, "VmRSS")), l->rss_source, hb(b2, l->rss), hb(b3, cr_sat_abs(cr_sat_sub(ms(x->T, "VmRSS"), l->rss))));
	if (x->T && x->S) {
		const struct cr_memfield *nm = cr_memsnap_field(x->T, "Name");
		const char *bin = NULL;
		for (size_t i = 0; i < x->S->nmaps && !bin; i++)
			if (x->S->maps[i].label == CR_ML_BINARY && x->S->maps[i].path[0])
				bin = base_name(x->S->maps[i].path);
		/* the kernel's comm is at most 15 bytes */
		if (nm && nm->text && bin && strncmp(nm->text, bin, 15) != 0)
			cr_buf_addf(&l->warnings, "status is of process '%s' (pid %" PRId64 ") but smaps maps '%s': two different processes?\n",
				    nm->text, l->pid, bin);
		int64_t vmsize = ms(x->T, "VmSize"), size = ms(x->S, "Size");
		if (vmsize && size && far(vmsize, size) && cr_sat_abs(cr_sat_sub(vmsize, size)) > ((int64_t)256 << 20))
			cr_buf_addf(&l->warnings, "status VmSize %s and smaps' total Size %s differ by %s: two different processes or moments?\n",
				    hb(b1, vmsize), hb(b2, size), hb(b3, cr_sat_abs(cr_sat_sub(vmsize, size))));
	}
	if (x->M && x->S && x->arena_found && x->arena_size < ms(x->M, "HeapInuse"))
		cr_buf_addf(&l->warnings, "MemStats HeapInuse %s exceeds the size of the Go arena mappings %s: MemStats of another process or time\n",
			    hb(b1, ms(x->M, "HeapInuse")), hb(b2, x->arena_size));
	if (x->M && x->T && has(x->T, "VmSize") && ms(x->M, "Sys") > ms(x->T, "VmSize"))
		cr_buf_addf(&l->warnings, "MemStats Sys %s exceeds status VmSize %s: MemStats of another process\n",
			    hb(b1, ms(x->M, "Sys")), hb(b2, ms(x->T, "VmSize")));
	if (in->gctrace && (in->gctrace->n || in->gctrace->scav.scvg_lines || in->gctrace->scav.scav_lines)) {
		cr_gctrace_stats(in->gctrace, &l->gc); /* count 0: scavenger lines only */
		l->have_gc = true;
		if (x->M && has(x->M, "NumGC") && in->gctrace->n) {
			int64_t ng = ms(x->M, "NumGC");
			if ((uint64_t)ng > l->gc.last_num)
				cr_buf_addf(&l->warnings, "gctrace ends at gc %" PRIu64 " but MemStats counts NumGC=%" PRId64 ": the log stops before the snapshot (or is of another process)\n",
					    l->gc.last_num, ng);
			else if (l->gc.last_num > (uint64_t)ng + 0)
				cr_buf_addf(&l->warnings, "gctrace goes on to gc %" PRIu64 " after the MemStats snapshot (NumGC=%" PRId64 "): it also covers later GCs\n",
					    l->gc.last_num, ng);
		}
	}
}

/* The Go components: heap in use, idle heap, stacks, runtime metadata. */
static void ledger_go(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	char b1[32];
	/* ---- components ---- */
	int64_t rt_sys = 0;
	char how[160] = "";
	const char *msrc = x->M ? x->M->name : "";
	if (x->M) {
		x->inuse = ms(x->M, "HeapInuse");
		x->stacks = ms(x->M, "StackInuse");
		x->rt = runtime_resident(x->M, &rt_sys, how, sizeof how);
		char src[160];
		snprintf(src, sizeof src, "MemStats HeapInuse (%s)", msrc);
		comp(l, CR_C_GO_HEAP_INUSE, x->inuse, src,
		     "exact as of the MemStats snapshot: spans holding objects, live or not yet swept; the heap profile's inuse_space is sampled and reflects the last GC");
		snprintf(src, sizeof src, "MemStats StackInuse (%s)", msrc);
		comp(l, CR_C_GO_STACKS, x->stacks, src, "goroutine stack spans, inside the Go arena");
		if (x->S && x->arena_found) {
			x->idle = cr_sat_sub(cr_sat_sub(x->arena_rss, x->inuse), x->stacks);
			if (x->idle < 0) {
				x->idle_short = cr_sat_abs(x->idle);
				x->idle = 0;
			}
			comp(l, CR_C_GO_HEAP_IDLE, x->idle, "smaps: Rss of the Go arena mappings - HeapInuse - StackInuse",
			     "measured: arena pages still resident but holding no objects (MemStats says HeapIdle-HeapReleased = %s)%s",
			     hb(b1, cr_sat_sub(ms(x->M, "HeapIdle"), ms(x->M, "HeapReleased"))),
			     x->idle_short ? "; in-use spans exceed the arena's resident pages (untouched fresh spans, or MemStats and smaps taken at different times)" : "");
		} else {
			x->idle = cr_sat_sub(ms(x->M, "HeapIdle"), ms(x->M, "HeapReleased"));
			if (x->idle < 0)
				x->idle = 0;
			snprintf(src, sizeof src, "MemStats HeapIdle - HeapReleased (%s)", msrc);
			comp(l, CR_C_GO_HEAP_IDLE, x->idle, src,
			     "upper bound: idle pages not yet returned to the OS; %s",
			     x->S ? "no mapping at the Go arena hints in smaps (a non-standard address space?)"
			       : "give --smaps to measure the arena's residency");
		}
		snprintf(src, sizeof src, "MemStats MSpan/MCache/BuckHash/GC/Other Sys (%s)", msrc);
		comp(l, CR_C_GO_RUNTIME, x->rt, src,
		     "estimate: Sys values count mapped memory (%s); the resident part is estimated (%s)",
		     hb(b1, rt_sys), how);
	} else {
		const struct cr_gc *last = in->gctrace && in->gctrace->n ? &in->gctrace->gcs[in->gctrace->n - 1] : NULL;
		if (x->S && x->arena_found) {
			x->inuse = x->arena_rss;
			comp(l, CR_C_GO_HEAP_INUSE, x->inuse, "smaps: Rss of the Go arena mappings",
			     "whole arena residency (heap in use + idle + stacks): give --heap or --memstat to split it");
		} else if (last) {
			/* the gctrace's last GC: the heap at its start is the most the
			 * heap held then; it may have grown since (up to the goal) */
			double mb = last->heap_start_mb > last->heap_end_mb ? last->heap_start_mb : last->heap_end_mb;
			x->inuse = mb > 0 && mb < 1e12 ? (int64_t)(mb * 1048576.0) : 0;
			x->gcest = true;
			char src[160];
			if (last->old) {
				snprintf(src, sizeof src, "gctrace: the heap before gc %" PRIu64 " (a Go <= 1.4 line)", last->num);
				comp(l, CR_C_GO_HEAP_INUSE, x->inuse, src,
				     "estimate from the gctrace (no MemStats): %.0f MB before that GC, %.0f MB after it; the heap may have grown since, and idle pages are not counted",
				     last->heap_start_mb, last->heap_end_mb);
			} else {
				snprintf(src, sizeof src, "gctrace: the heap at the start of gc %" PRIu64 " @%.3fs", last->num, last->at_s);
				comp(l, CR_C_GO_HEAP_INUSE, x->inuse, src,
				     "estimate from the gctrace (no MemStats): %.0f MB at that GC's start, %.0f MB at its end, %.0f MB live, goal %.0f MB; the heap may have grown toward the goal since, and idle pages are not counted",
				     last->heap_start_mb, last->heap_end_mb, last->live_mb, last->goal_mb);
			}
			if (last->stacks_mb >= 0 && last->stacks_mb < 1e12) {
				x->stacks = (int64_t)(last->stacks_mb * 1048576.0);
				snprintf(src, sizeof src, "gctrace: stacks of gc %" PRIu64, last->num);
				comp(l, CR_C_GO_STACKS, x->stacks, src,
				     "estimate from the gctrace: the stacks the GC scanned (Go 1.18+), not the stack spans");
			}
		} else {
			comp(l, CR_C_GO_HEAP_INUSE, 0, "not given", "needs runtime.MemStats (--heap heap.txt with debug=1, or --memstat)");
		}
		comp(l, CR_C_GO_HEAP_IDLE, 0, "not given", "needs runtime.MemStats");
		if (!x->stacks)
			comp(l, CR_C_GO_STACKS, 0, "not given", "needs runtime.MemStats");
		comp(l, CR_C_GO_RUNTIME, 0, "not given", "needs runtime.MemStats; Go metadata is counted in non_go_anon");
	}
}

/* Non-Go anonymous memory, file-backed, shmem, and what is left unexplained. */
static void ledger_rest(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	char b1[32], b2[32], b3[32], b4[32];
	/* the Go memory inside anon_pool besides the runtime's metadata */
	int64_t go_outside_arena = x->arena_found ? 0 : sum6(x->inuse, x->idle, x->stacks, 0, 0, 0);
	if (x->S && x->M && x->rt > cr_sat_sub(x->anon_pool, go_outside_arena)) {
		/* metadata cannot exceed the anonymous memory it lives in */
		int64_t cap = cr_sat_sub(x->anon_pool, go_outside_arena);
		x->rt = cap > 0 ? cap : 0;
		l->comp[CR_C_GO_RUNTIME].bytes = x->rt;
		size_t k = strlen(l->comp[CR_C_GO_RUNTIME].note);
		snprintf(l->comp[CR_C_GO_RUNTIME].note + k, sizeof l->comp[CR_C_GO_RUNTIME].note - k,
			 "; capped at the anonymous memory outside the arena");
	}
	if (x->S) {
		int64_t go_in_pool = x->M || x->gcest ? cr_sat_add(x->rt, go_outside_arena) : x->rt;
		x->nongo = cr_sat_sub(x->anon_pool, go_in_pool);
		if (x->nongo < 0) {
			x->nongo_short = cr_sat_abs(x->nongo);
			x->nongo = 0;
		}
		comp(l, CR_C_NON_GO_ANON, x->nongo, "smaps: anonymous mappings outside the Go arena - go_runtime",
		     "measured minus the go_runtime estimate: [heap] %s, malloc arenas %s, thread stacks %s, other anonymous %s%s",
		     hb(b1, l->labels[CR_ML_BRK_HEAP].rss), hb(b2, l->labels[CR_ML_MALLOC_ARENA].rss),
		     hb(b3, cr_sat_add(l->labels[CR_ML_THREAD_STACK].rss, l->labels[CR_ML_MAIN_STACK].rss)),
		     hb(b4, l->labels[CR_ML_ANON].rss),
		     x->M ? "" : x->gcest ? "; the Go heap is the gctrace's estimate; includes Go runtime metadata (no MemStats given)"
				  : "; includes Go runtime metadata (no MemStats given)");
		comp(l, CR_C_FILE_BACKED, x->file, "smaps: Rss of the binary, shared libraries, mapped files, vdso",
		     "measured; includes the copy-on-write data and bss of the binary and libraries");
		comp(l, CR_C_SHMEM, x->shmem, "smaps: Rss of shared memory mappings", "measured (Rss, not Pss: shared pages count fully)");
	} else {
		int64_t anon, fil, sh;
		const char *src;
		if (x->cgrss) {
			anon = l->cgroup.anon > 0 ? l->cgroup.anon : 0;
			fil = l->cgroup.file > 0 ? l->cgroup.file : 0;
			sh = 0;
			src = "cgroup memory.stat anon";
		} else if (x->R) {
			anon = ms(x->R, "Anonymous");
			sh = x->T ? ms(x->T, "RssShmem") : 0;
			fil = cr_sat_sub(cr_sat_sub(ms(x->R, "Rss"), anon), sh);
			src = x->T ? "smaps_rollup Anonymous; status RssShmem" : "smaps_rollup Anonymous";
		} else {
			anon = ms(x->T, "RssAnon");
			fil = ms(x->T, "RssFile");
			sh = ms(x->T, "RssShmem");
			src = "status RssAnon/RssFile/RssShmem";
		}
		int64_t go = x->M || x->gcest ? sum6(x->inuse, x->idle, x->stacks, x->rt, 0, 0) : 0;
		x->nongo = cr_sat_sub(anon, go);
		if (x->nongo < 0) {
			x->nongo_short = cr_sat_abs(x->nongo);
			x->nongo = 0;
		}
		char s2[160];
		snprintf(s2, sizeof s2, "%s - Go components", src);
		comp(l, CR_C_NON_GO_ANON, x->nongo, x->M || x->gcest ? s2 : src,
		     "%s; give --smaps to measure the Go arena instead of estimating it%s",
		     x->M ? "anonymous RSS minus the Go components"
		     : x->gcest ? "anonymous RSS minus the gctrace's estimate of the Go heap and stacks (Go runtime metadata included)"
				: "all anonymous RSS: Go and non-Go cannot be told apart without MemStats",
		     x->cgrss ? "; the cgroup's memory, all its processes (no /proc file of the process given)" : "");
		comp(l, CR_C_FILE_BACKED, fil,
		     x->cgrss ? "cgroup memory.stat file" : x->R ? "smaps_rollup Rss - Anonymous - shmem" : "status RssFile",
		     x->cgrss ? "page cache charged to the cgroup, not only this process's mappings"
		     : x->R && !x->T ? "shared memory is included here (smaps_rollup has no Rss split for it; give --status)" : "measured");
		comp(l, CR_C_SHMEM, sh, x->T ? "status RssShmem" : "not given", x->T ? "measured" : "needs --status or --smaps");
	}

	int64_t sum = 0;
	for (int c = 0; c < CR_C_UNEXPLAINED; c++)
		sum = cr_sat_add(sum, l->comp[c].bytes);
	x->unexpl = cr_sat_sub(l->rss, sum);
	{
		struct cr_buf why = { 0 };
		if (x->unexpl < 0) {
			cr_buf_addf(&why, "negative: the estimates overshoot RSS by %s", hb(b1, cr_sat_abs(x->unexpl)));
			if (x->idle_short)
				cr_buf_addf(&why, "; HeapInuse+StackInuse exceed the arena's resident pages by %s", hb(b1, x->idle_short));
			if (x->nongo_short)
				cr_buf_addf(&why, "; the Go estimates exceed the anonymous memory by %s (%s)", hb(b1, x->nongo_short),
					    x->gcest ? "the gctrace's heap counts spans allocated, not pages resident, or RSS was read at another moment"
					    : x->S ? "go_runtime's resident estimate is too high" : "HeapIdle-HeapReleased or the Sys values count pages that are not resident");
		} else {
			cr_buf_addf(&why, "what the other components do not cover");
		}
		if (x->R && x->S && ms(x->R, "Rss") != ms(x->S, "Rss"))
			cr_buf_addf(&why, "; includes %s%s between smaps_rollup and smaps (read at different moments)",
				    ms(x->R, "Rss") > ms(x->S, "Rss") ? "+" : "-", hb(b1, cr_sat_abs(cr_sat_sub(ms(x->R, "Rss"), ms(x->S, "Rss")))));
		comp(l, CR_C_UNEXPLAINED, x->unexpl, "RSS - the sum of the other components", "%s", cr_buf_str(&why));
		cr_buf_release(&why);
	}
}

/* Findings about the components and the GCs. */
static void ledger_findings(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	char b1[32];
	/* ---- findings, largest concern first ---- */
	int64_t rss = l->rss > 0 ? l->rss : 1;
#define PCT(v) (100.0 * (double)(v) / (double)rss)
	if (x->nongo > ((int64_t)32 << 20) && x->nongo > rss / 4 && (x->M || x->gcest || x->arena_found))
		finding(l, "non_go_anon", x->M || x->arena_found ? CR_SEV_HIGH : CR_SEV_WARN,
			"%s (%.0f%% of RSS) is anonymous memory the Go runtime does not account for: C allocations through cgo (malloc, C libraries' own mmap). No Go profile shows it; look at the cgo call sites that allocate and never free (C.malloc, C.CString), and at C libraries' caches.%s",
			hb(b1, x->nongo), PCT(x->nongo),
			x->M || x->arena_found ? ""
			: " This rests on the gctrace's heap at its last GC (no MemStats): a heap grown since then counts here; give --memstat or --smaps to be sure.");
	if (x->M && x->idle > ((int64_t)16 << 20) && x->idle > rss / 5)
		finding(l, "idle_heap", CR_SEV_HIGH,
			"%s (%.0f%% of RSS) is idle Go heap still resident: freed by the GC but not yet returned to the OS. The background scavenger returns it gradually; debug.FreeOSMemory() returns it now; GOMEMLIMIT (Go 1.19+) makes the runtime return it under a limit; on Go 1.12-1.15 GODEBUG=madvdontneed=1 makes RSS drop at once.",
			hb(b1, x->idle), PCT(x->idle));
	if (x->M && x->inuse > rss / 2 && x->inuse > ((int64_t)32 << 20))
		finding(l, "heap_inuse", CR_SEV_WARN,
			"the Go heap in use is %s (%.0f%% of RSS): see what holds it with `coroner top -i inuse_space HEAP_PROFILE`; the profile is sampled and reflects the last GC.",
			hb(b1, x->inuse), PCT(x->inuse));
	if (x->M && x->stacks > ((int64_t)64 << 20))
		finding(l, "stacks", CR_SEV_WARN,
			"goroutine stacks take %s: many goroutines or deep recursion; see `coroner goroutines` / `coroner leaks` on a goroutine dump.",
			hb(b1, x->stacks));
	if (x->M && x->rt > ((int64_t)64 << 20) && x->rt > rss / 10)
		finding(l, "go_runtime", CR_SEV_WARN,
			"Go runtime metadata takes about %s: usually proportional to the heap (bitmaps, spans); a very large heap or many small spans.",
			hb(b1, x->rt));
	int64_t thp = x->R ? ms(x->R, "AnonHugePages") : (x->S ? ms(x->S, "AnonHugePages") : 0);
	if (thp > ((int64_t)64 << 20) && thp > rss / 10)
		finding(l, "thp", CR_SEV_WARN,
			"%s of RSS is in transparent huge pages: a 2 MiB page stays resident while any byte of it is used, so freed memory (Go's scavenger works in 4 KiB pages) may not leave RSS. Check /sys/kernel/mm/transparent_hugepage/enabled (madvise instead of always).",
			hb(b1, thp));
	int64_t lazy = x->R ? ms(x->R, "LazyFree") : (x->S ? ms(x->S, "LazyFree") : 0);
	if (lazy > ((int64_t)16 << 20))
		finding(l, "lazyfree", CR_SEV_INFO,
			"%s is MADV_FREE'd memory still counted in RSS until the kernel needs it (Go 1.12-1.15 default; GODEBUG=madvdontneed=1 avoids it).",
			hb(b1, lazy));
	int64_t swap = x->R ? ms(x->R, "Swap") : (x->S ? ms(x->S, "Swap") : (x->T ? ms(x->T, "VmSwap") : 0));
	if (swap > ((int64_t)16 << 20))
		finding(l, "swap", CR_SEV_WARN, "%s is swapped out: not in RSS, but part of the process's memory.", hb(b1, swap));
	if (x->file > ((int64_t)128 << 20) && x->file > rss / 4)
		finding(l, "file_backed", CR_SEV_INFO,
			"%s (%.0f%% of RSS) is file-backed pages (binary, libraries, mapped files): reclaimable page cache, not a leak.",
			hb(b1, x->file), PCT(x->file));
	if (x->shmem > ((int64_t)64 << 20))
		finding(l, "shmem", CR_SEV_INFO, "%s is shared memory (/dev/shm, memfd, SysV): it outlives the process's own allocations.", hb(b1, x->shmem));
	if (cr_sat_abs(x->unexpl) > ((int64_t)16 << 20) && cr_sat_abs(x->unexpl) > rss / 10)
		finding(l, "unexplained", CR_SEV_WARN, "%s%s (%.0f%% of RSS) is not explained: %s.",
			x->unexpl < 0 ? "-" : "", hb(b1, cr_sat_abs(x->unexpl)), PCT(cr_sat_abs(x->unexpl)), l->comp[CR_C_UNEXPLAINED].note);
	if (l->have_gc) {
		const struct cr_gcstats *g = &l->gc;
		if (g->count >= 5 && g->span_s >= 2 && g->interval_ms > 0 && g->interval_ms < 100)
			finding(l, "gc_frequent", CR_SEV_WARN,
				"GC every %.0f ms (%zu GCs in %.1f s), allocating about %.0f MB/s; heap goal %.0f -> %.0f MB%s. Reduce allocation in hot paths (see `coroner top -i alloc_space`), or raise GOGC / set GOMEMLIMIT.",
				g->interval_ms, g->count, g->span_s, g->alloc_mb_s, g->goal_first_mb, g->goal_last_mb,
				g->goal_last_mb > 1.5 * g->goal_first_mb ? " (rising: the live heap grows)" : "");
		else if (g->count >= 3 && g->goal_last_mb > 2 * g->goal_first_mb && g->goal_last_mb > 64)
			finding(l, "gc_goal_rising", CR_SEV_INFO,
				"heap goal rose from %.0f to %.0f MB over %zu GCs: the live heap grows (%.0f MB after the last GC).",
				g->goal_first_mb, g->goal_last_mb, g->count, g->live_last_mb);
		if (g->cpu_pct_last >= 10)
			finding(l, "gc_cpu", CR_SEV_WARN, "GC used %d%% of the CPU since the start: allocation pressure.", g->cpu_pct_last);
		if (g->pause_max_ms >= 10)
			finding(l, "gc_pause", CR_SEV_INFO, "longest GC stop-the-world pause %.1f ms (p99 %.1f ms).",
				g->pause_max_ms, g->pause_p99_ms);
		/* the leak profile's detection GC is "(forced)" too (go1.26+) */
		size_t user = g->forced > g->leak_checks ? g->forced - g->leak_checks : 0;
		if (user)
			finding(l, "gc_forced", CR_SEV_INFO, "%zu of %zu GCs were forced (runtime.GC or debug.FreeOSMemory calls%s).",
				user, g->count, g->leak_checks ? "; not counting the goroutine leak profile's detection GCs" : "");
	}
#undef PCT
}

/* Findings about the cgroup's limit and OOM kills. */
static void ledger_cgroup(struct cr_ledger *l, const struct cr_ledger_in *in, struct lx *x)
{
	char b1[32], b2[32], b3[32], b4[32];
	if (in->cgroup) {
		struct cr_cgroup_view *v = &l->cgroup;
		cr_cgroup_view(in->cgroup, v);
		int64_t limit = v->limit == CR_CGROUP_UNLIMITED ? -1 : v->limit;
		int64_t canon = v->anon > 0 ? v->anon : 0, cache = v->file > 0 ? v->file : 0;
		l->have_cgroup = true;
		/* saturating: memory.stat values come from a file */
		int64_t used = v->usage >= 0 ? v->usage : canon > INT64_MAX - cache ? INT64_MAX : canon + cache;
		if (v->oom_kills > 0) {
			char b5[32];
			finding(l, "cgroup_oom_kill", CR_SEV_HIGH,
				"the cgroup's OOM killer killed %" PRId64 " process%s (%s oom_kill)%s%s%s%s: the kernel ended the process for the cgroup's total, whatever the Go heap held; set GOMEMLIMIT below the limit.",
				v->oom_kills, v->oom_kills == 1 ? "" : "es", v->oom_from,
				v->peak >= 0 ? ", memory peaked at " : "", v->peak >= 0 ? hb(b1, v->peak) : "",
				limit > 0 ? " of the limit " : "", limit > 0 ? hb(b5, limit) : "");
		}
		if (limit > 0 && used > limit / 10 * 8 + limit % 10 * 8 / 10) {
			char parts[96] = "";
			if (v->have_stat)
				snprintf(parts, sizeof parts, " (anonymous %s, page cache %s)", hb(b3, canon), hb(b4, cache));
			finding(l, "cgroup_limit", CR_SEV_HIGH,
				"the cgroup uses %s of its %s limit%s: the OOM killer acts on the cgroup's total, not on this process's RSS.",
				hb(b1, used), hb(b2, limit), parts);
		}
		else if (cache > canon && cache > ((int64_t)256 << 20))
			finding(l, "cgroup_cache", CR_SEV_INFO,
				"the cgroup holds %s of page cache beside %s anonymous: cache counts toward a memory limit but is reclaimed first.",
				hb(b1, cache), hb(b2, canon));
	}
}

enum cr_err cr_ledger_compute(struct cr_ledger *l, const struct cr_ledger_in *in, struct cr_error *e)
{
	memset(l, 0, sizeof *l);
	l->pid = -1;
	struct lx x = { .R = in->rollup, .S = in->smaps, .T = in->status, .M = in->memstats };
	enum cr_err rc = ledger_rss(l, in, &x, e);
	if (rc)
		return rc;
	ledger_mappings(l, in, &x);
	ledger_consistency(l, in, &x);
	ledger_go(l, in, &x);
	ledger_rest(l, in, &x);
	ledger_findings(l, in, &x);
	ledger_cgroup(l, in, &x);
	/* most severe first, otherwise in the order found (stable) */
	for (size_t i = 1; i < l->nfindings; i++) {
		struct cr_finding f = l->findings[i];
		size_t j = i;
		for (; j > 0 && l->findings[j - 1].severity < f.severity; j--)
			l->findings[j] = l->findings[j - 1];
		l->findings[j] = f;
	}
	return CR_OK;
}
