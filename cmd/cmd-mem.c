/* coroner mem: the RSS ledger — where resident memory went, against the Go heap. */
#include "cmd.h"
#include "options.h"
#include "coroner/capture.h"
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/gort.h"
#include "coroner/input.h"
#include "coroner/mem.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "mem",
	.usage = "coroner mem [SMAPS_ROLLUP|FILE|DIR]... [--smaps F] [--status F]\n"
		 "            [--heap F] [--memstat F] [--memory-stat F] [--gctrace F]\n"
		 "            [--core BIN CORE] [options]",
	.about =
"Split the RSS of a Go process into what holds it: Go heap in use, idle heap\n"
"still resident, goroutine stacks, Go runtime metadata, non-Go anonymous\n"
"memory (cgo, C libraries), file-backed pages, shared memory, and what is\n"
"left unexplained. The components add up to RSS exactly. Give any subset of\n"
"the snapshots; the more, the sharper the answer. Files given without an\n"
"option are recognised by their content; a directory (a capture) gives those\n"
"of its files that are memory snapshots or a gctrace log.\n",
	.epilogue =
"JSON: {\"rss\", \"rss_source\", \"components\": [{\"name\", \"bytes\", \"source\",\n"
"\"note\"}], \"findings\": [{\"id\", \"severity\", \"message\"}], \"mappings\":\n"
"[{\"label\", \"count\", \"size\", \"rss\", \"pss\", \"anonymous\", \"swap\"}], \"gc\",\n"
"\"warnings\"}. Bytes are exact integers.\n"
"\n"
"examples:\n"
"  coroner mem smaps_rollup --smaps smaps --status status --heap heap.txt\n"
"  coroner mem /proc/1234/smaps_rollup --smaps /proc/1234/smaps --format=json\n"
"  coroner mem testdata/capture/after\n",
};

enum slot { S_ROLLUP, S_SMAPS, S_STATUS, S_MEMSTATS, S_CGROUP, S_NSLOTS };

static enum slot slot_of(enum cr_memsrc s)
{
	switch (s) {
	case CR_MS_SMAPS_ROLLUP: return S_ROLLUP;
	case CR_MS_SMAPS: return S_SMAPS;
	case CR_MS_STATUS: return S_STATUS;
	case CR_MS_MEMSTATS: return S_MEMSTATS;
	default: return S_CGROUP;
	}
}

static const char *sev_name(enum cr_severity s)
{
	return s == CR_SEV_HIGH ? "high" : s == CR_SEV_WARN ? "warn" : "info";
}

static bool parse_range(const char *s, struct cr_range *r)
{
	char *end;
	unsigned long long a = strtoull(s, &end, 16);
	if (end == s || *end != '-')
		return false;
	const char *t = end + 1;
	unsigned long long b = strtoull(t, &end, 16);
	if (end == t || *end || b <= a)
		return false;
	r->start = a;
	r->end = b;
	return true;
}

/* The scavenger's lines of a gctrace log (struct cr_scavenge). */
static void print_scavenger(const struct cr_scavenge *sc)
{
	if (sc->scvg_lines && sc->consumed_mb >= 0)
		printf("scavenger (scvg, %zu lines): %.0f MB released to the OS, %.0f MB consumed (sys %.0f, heap in use %.0f, idle %.0f MB) at the last line; %.0f MB released by the lines\n",
		       sc->scvg_lines, sc->released_mb, sc->consumed_mb, sc->sys_mb, sc->inuse_mb, sc->idle_mb, sc->freed_mb);
	else if (sc->scvg_lines)
		printf("scavenger (scvg, %zu lines): %.0f MB released by the lines\n", sc->scvg_lines, sc->freed_mb);
	if (sc->scav_lines)
		printf("scavenger (scav, %zu lines): %.1f MB released to the OS at the last line, %.1f MB released by the lines, %d%% of the retained heap in use\n",
		       sc->scav_lines, sc->released_mb, sc->freed_mb, sc->util_pct);
}

/* MB figures: null when absent (-1) */
static void json_mb(struct cr_json *j, const char *k, double v)
{
	cr_json_key(j, k);
	if (v < 0)
		cr_json_null(j);
	else
		cr_json_double(j, v);
}

/* A count the input may lack (negative): null then. */
static void json_int_or_null(struct cr_json *j, const char *k, int64_t v)
{
	cr_json_key(j, k);
	if (v < 0)
		cr_json_null(j);
	else
		cr_json_int(j, v);
}

static void json_scavenger(struct cr_json *j, const struct cr_scavenge *sc)
{
	cr_json_key(j, "scavenger");
	if (!sc->scvg_lines && !sc->scav_lines) {
		cr_json_null(j);
		return;
	}
	cr_json_obj(j);
	cr_json_kint(j, "scvg_lines", (int64_t)sc->scvg_lines);
	cr_json_kint(j, "scav_lines", (int64_t)sc->scav_lines);
	json_mb(j, "released_mb", sc->released_mb);
	cr_json_kdouble(j, "released_by_lines_mb", sc->freed_mb);
	json_mb(j, "consumed_mb", sc->consumed_mb);
	json_mb(j, "sys_mb", sc->sys_mb);
	json_mb(j, "inuse_mb", sc->inuse_mb);
	json_mb(j, "idle_mb", sc->idle_mb);
	json_int_or_null(j, "util_percent", sc->util_pct);
	cr_json_obj_end(j);
}

static void print_cgroup(const struct cr_cgroup_view *v)
{
	char b[32], c[32];
	char c2[32];
	printf("\ncgroup v%d:", v->version);
	if (v->have_stat) {
		cr_units_bytes(b, sizeof b, v->anon > 0 ? v->anon : 0);
		cr_units_bytes(c, sizeof c, v->file > 0 ? v->file : 0);
		printf(" anonymous %s, page cache %s,", b, c);
	}
	if (v->limit >= 0 && v->limit != CR_CGROUP_UNLIMITED) {
		cr_units_bytes(c2, sizeof c2, v->limit);
		printf(" limit %s (%s)", c2, v->limit_from);
	} else
		printf(" limit %s", v->limit == CR_CGROUP_UNLIMITED ? "none" : "unknown");
	if (v->usage >= 0)
		cr_units_bytes(c2, sizeof c2, v->usage), printf(", usage %s", c2);
	if (v->peak >= 0)
		cr_units_bytes(c2, sizeof c2, v->peak), printf(", peak %s", c2);
	if (v->limit_hits >= 0)
		printf(", limit hit %" PRId64 " times", v->limit_hits);
	if (v->oom_kills >= 0)
		printf(", OOM kills %" PRId64, v->oom_kills);
	putchar('\n');
}

/* smaps_rollup checked against the sum over smaps */
static void print_rollup_check(const struct cr_memdiff *rv)
{
	char b[32];
	size_t both = 0, same = 0;
	struct cr_buf d = { 0 };
	for (size_t i = 0; i < rv->nrows; i++) {
		const struct cr_memdiff_row *r = &rv->rows[i];
		if (!r->in_base || !r->in_new)
			continue;
		both++;
		if (!r->delta) {
			same++;
			continue;
		}
		cr_units_bytes(b, sizeof b, r->delta < 0 ? -r->delta : r->delta);
		cr_buf_addf(&d, "%s%s %s%s", d.len ? ", " : "", r->name, r->delta < 0 ? "-" : "+", b);
	}
	printf("\nsmaps_rollup vs the sum over smaps: %zu of %zu fields equal%s", same, both,
	       d.len ? "; smaps - rollup: " : "");
	cr_fputs_safe(stdout, cr_buf_str(&d)); /* field names come from the files */
	putchar('\n');
	cr_buf_release(&d);
}

/* Lines "what: why" of the inputs the ledger could not use. */
static void print_unread_text(const char *u)
{
	if (!*u)
		return;
	printf("\nnot read (the ledger is made without them):\n");
	while (*u) {
		const char *nl = strchr(u, '\n');
		size_t n = nl ? (size_t)(nl - u) : strlen(u);
		fputs("  ", stdout);
		cr_fput_escaped(stdout, u, n, SIZE_MAX, CR_ESC_TERM);
		putchar('\n');
		u += n + (nl ? 1 : 0);
	}
}

static void print_text(const struct cr_ledger *l, const struct cr_memsnap *smaps, bool list_maps,
		       const struct cr_memdiff *rv)
{
	char b[32], c[32];
	bool color = cmd_color();
	cr_units_bytes(b, sizeof b, l->rss);
	printf("RSS %s (%s)", b, l->rss_source);
	if (l->process[0]) {
		printf(" of ");
		cr_fputs_safe(stdout, l->process);
	}
	if (l->pid >= 0)
		printf(", pid %" PRId64, l->pid);
	putchar('\n');
	/* one-line summary: the largest components */
	int64_t go = cr_sat_add(cr_sat_add(l->comp[CR_C_GO_HEAP_INUSE].bytes, l->comp[CR_C_GO_HEAP_IDLE].bytes),
				cr_sat_add(l->comp[CR_C_GO_STACKS].bytes, l->comp[CR_C_GO_RUNTIME].bytes));
	cr_units_bytes(b, sizeof b, go);
	cr_units_bytes(c, sizeof c, l->comp[CR_C_NON_GO_ANON].bytes);
	printf("= Go %s + non-Go anonymous %s", b, c);
	cr_units_bytes(b, sizeof b, cr_sat_add(l->comp[CR_C_FILE_BACKED].bytes, l->comp[CR_C_SHMEM].bytes));
	cr_units_bytes(c, sizeof c, l->comp[CR_C_UNEXPLAINED].bytes);
	printf(" + files/shmem %s + unexplained %s\n\n", b, c);

	struct cr_table t;
	static const struct cr_col cols[] = {
		{ NULL, "component", CR_LEFT }, { NULL, "bytes", CR_RIGHT }, { NULL, "size", CR_RIGHT },
		{ NULL, "%rss", CR_RIGHT }, { NULL, "source", CR_LEFT },
	};
	cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
	for (int i = 0; i < CR_C_COUNT; i++) {
		char pct[32];
		const struct cr_ledger_comp *k = &l->comp[i];
		cr_units_bytes(b, sizeof b, k->bytes);
		snprintf(pct, sizeof pct, "%.1f%%", l->rss ? 100.0 * (double)k->bytes / (double)l->rss : 0.0);
		cr_table_row(&t);
		cr_table_str(&t, cr_component_name((enum cr_component)i));
		cr_table_int(&t, k->bytes, NULL);
		cr_table_str(&t, b);
		cr_table_str(&t, pct);
		cr_table_str(&t, k->source);
	}
	cr_table_row(&t);
	cr_table_str(&t, "rss");
	cr_table_int(&t, l->rss, NULL);
	cr_units_bytes(b, sizeof b, l->rss);
	cr_table_str(&t, b);
	cr_table_str(&t, "100%");
	cr_table_str(&t, l->rss_source);
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);

	printf("\nnotes:\n");
	for (int i = 0; i < CR_C_COUNT; i++) {
		printf("  %-14s ", cr_component_name((enum cr_component)i));
		cr_fputs_safe(stdout, l->comp[i].note);
		putchar('\n');
	}

	if (l->have_labels) {
		printf("\nmappings by label:\n");
		cr_table_init(&t);
		static const char *const hdr[] = { "label", "count", "size", "rss", "pss", "anonymous", "swap" };
		for (int i = 0; i < 7; i++)
			cr_table_col(&t, NULL, hdr[i], i ? CR_RIGHT : CR_LEFT);
		int order[CR_ML_COUNT];
		for (int i = 0; i < CR_ML_COUNT; i++)
			order[i] = i;
		for (int i = 1; i < CR_ML_COUNT; i++) /* by rss, descending */
			for (int j = i; j > 0 && l->labels[order[j]].rss > l->labels[order[j - 1]].rss; j--) {
				int x = order[j];
				order[j] = order[j - 1];
				order[j - 1] = x;
			}
		for (int k = 0; k < CR_ML_COUNT; k++) {
			const struct cr_labelsum *s = &l->labels[order[k]];
			if (!s->count)
				continue;
			int64_t v[5] = { s->size, s->rss, s->pss, s->anon, s->swap };
			cr_table_row(&t);
			cr_table_str(&t, cr_maplabel_name((enum cr_maplabel)order[k]));
			cr_table_int(&t, s->count, NULL);
			for (int i = 0; i < 5; i++) {
				cr_units_bytes(b, sizeof b, v[i]);
				cr_table_int(&t, v[i], b);
			}
		}
		cr_table_print_text(&t, stdout);
		cr_table_release(&t);
	}
	if (list_maps && smaps) {
		printf("\nmappings:\n");
		for (size_t i = 0; i < smaps->nmaps; i++) {
			const struct cr_memmap *m = &smaps->maps[i];
			cr_units_bytes(b, sizeof b, m->rss > 0 ? m->rss : 0);
			printf("  %012" PRIx64 "-%012" PRIx64 " %s %-12s %10s  ", m->start, m->end, m->perms,
			       cr_maplabel_name(m->label), b);
			cr_fputs_safe(stdout, m->path);
			putchar('\n');
		}
	}
	if (l->have_cgroup)
		print_cgroup(&l->cgroup);
	if (rv)
		print_rollup_check(rv);
	if (l->have_gc && l->gc.count && l->gc.old) {
		const struct cr_gcstats *g = &l->gc;
		printf("\ngc: %zu GCs (Go <= 1.4 lines: no time, CPU share or goal); STW pause p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms;\n"
		       "    heap after last GC %.0f MB\n",
		       g->count, g->pause_p50_ms, g->pause_p90_ms, g->pause_p99_ms, g->pause_max_ms, g->live_last_mb);
	} else if (l->have_gc && l->gc.count) {
		const struct cr_gcstats *g = &l->gc;
		printf("\ngc: %zu GCs over %.2f s (every %.0f ms), %zu forced; STW pause p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms;\n"
		       "    heap goal %.0f -> %.0f MB (max %.0f), live after last GC %.0f MB, ~%.0f MB/s allocated, GC CPU %d%%\n",
		       g->count, g->span_s, g->interval_ms, g->forced, g->pause_p50_ms, g->pause_p90_ms,
		       g->pause_p99_ms, g->pause_max_ms, g->goal_first_mb, g->goal_last_mb, g->goal_max_mb,
		       g->live_last_mb, g->alloc_mb_s, g->cpu_pct_last);
		if (g->leak_checks)
			printf("    %zu of them the goroutine leak profile's detection GC\n", g->leak_checks);
		if (g->scan_objs_last >= 0 && g->scan_spans_last >= 0)
			printf("    last GC scanned %" PRId64 " objects, %" PRId64 " spans (gctrace=2; spans: the Green Tea collector)\n",
			       g->scan_objs_last, g->scan_spans_last);
		else if (g->scan_objs_last >= 0)
			printf("    last GC scanned %" PRId64 " objects (gctrace=2; no span counts: not the Green Tea collector)\n",
			       g->scan_objs_last);
	}
	if (l->have_gc)
		print_scavenger(&l->gc.scav);
	printf("\nfindings:\n");
	if (!l->nfindings)
		printf("  none: no component stands out\n");
	for (size_t i = 0; i < l->nfindings; i++) {
		const struct cr_finding *f = &l->findings[i];
		bool hl = color && f->severity == CR_SEV_HIGH;
		printf("  %s[%s]%s ", hl ? "\033[1;31m" : "", sev_name(f->severity), hl ? "\033[0m" : "");
		cr_fputs_safe(stdout, f->text);
		putchar('\n');
	}
}

/* The gctrace figures of the ledger ("gc": null without a gctrace). */
static void json_gc(struct cr_json *j, const struct cr_gcstats *g)
{
	cr_json_key(j, "gc");
	if (!g) {
		cr_json_null(j);
		return;
	}
	cr_json_obj(j);
	cr_json_kint(j, "count", (int64_t)g->count);
	cr_json_kint(j, "forced", (int64_t)g->forced);
	cr_json_kint(j, "last_gc", (int64_t)g->last_num);
	cr_json_kdouble(j, "span_s", g->span_s);
	cr_json_kdouble(j, "interval_ms", g->interval_ms);
	cr_json_kdouble(j, "pause_p50_ms", g->pause_p50_ms);
	cr_json_kdouble(j, "pause_p90_ms", g->pause_p90_ms);
	cr_json_kdouble(j, "pause_p99_ms", g->pause_p99_ms);
	cr_json_kdouble(j, "pause_max_ms", g->pause_max_ms);
	json_mb(j, "goal_first_mb", g->goal_first_mb);
	json_mb(j, "goal_last_mb", g->goal_last_mb);
	json_mb(j, "goal_max_mb", g->goal_max_mb);
	cr_json_kdouble(j, "live_last_mb", g->live_last_mb);
	cr_json_kdouble(j, "alloc_mb_per_s", g->alloc_mb_s);
	cr_json_kint(j, "gc_cpu_percent", g->cpu_pct_last);
	cr_json_kint(j, "leak_checks", (int64_t)g->leak_checks);
	json_int_or_null(j, "scan_objs_last", g->scan_objs_last);
	json_int_or_null(j, "scan_spans_last", g->scan_spans_last);
	cr_json_key(j, "go14_lines");
	cr_json_bool(j, g->old);
	json_scavenger(j, &g->scav);
	cr_json_obj_end(j);
}

static void print_json(const struct cr_ledger *l, const struct cr_memdiff *rv, const char *unread)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kint(&j, "rss", l->rss);
	cr_json_kstr(&j, "rss_source", l->rss_source);
	cr_json_key(&j, "process");
	cr_json_obj(&j);
	cr_json_key(&j, "pid");
	if (l->pid >= 0)
		cr_json_int(&j, l->pid);
	else
		cr_json_null(&j);
	cr_json_kstr(&j, "name", l->process);
	cr_json_obj_end(&j);
	cr_json_key(&j, "components");
	cr_json_arr(&j);
	for (int i = 0; i < CR_C_COUNT; i++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "name", cr_component_name((enum cr_component)i));
		cr_json_kint(&j, "bytes", l->comp[i].bytes);
		cr_json_kstr(&j, "source", l->comp[i].source);
		cr_json_kstr(&j, "note", l->comp[i].note);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "findings");
	cr_json_arr(&j);
	for (size_t i = 0; i < l->nfindings; i++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "id", l->findings[i].id);
		cr_json_kstr(&j, "severity", sev_name(l->findings[i].severity));
		cr_json_kstr(&j, "message", l->findings[i].text);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "mappings");
	cr_json_arr(&j);
	for (int k = 0; l->have_labels && k < CR_ML_COUNT; k++) {
		const struct cr_labelsum *s = &l->labels[k];
		if (!s->count)
			continue;
		cr_json_obj(&j);
		cr_json_kstr(&j, "label", cr_maplabel_name((enum cr_maplabel)k));
		cr_json_kint(&j, "count", s->count);
		cr_json_kint(&j, "size", s->size);
		cr_json_kint(&j, "rss", s->rss);
		cr_json_kint(&j, "pss", s->pss);
		cr_json_kint(&j, "anonymous", s->anon);
		cr_json_kint(&j, "swap", s->swap);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	json_gc(&j, l->have_gc ? &l->gc : NULL);
	cr_json_key(&j, "cgroup");
	if (l->have_cgroup) {
		cr_json_obj(&j);
		const struct cr_cgroup_view *v = &l->cgroup;
		cr_json_kint(&j, "version", v->version);
		cr_json_kint(&j, "anon", v->anon > 0 ? v->anon : 0);
		cr_json_kint(&j, "file", v->file > 0 ? v->file : 0);
		const struct { const char *k; int64_t v; } opt[] = {
			{ "limit", v->limit == CR_CGROUP_UNLIMITED ? -1 : v->limit }, { "usage", v->usage }, { "peak", v->peak },
			{ "oom_kills", v->oom_kills }, { "limit_hits", v->limit_hits },
		};
		for (size_t i = 0; i < sizeof opt / sizeof *opt; i++)
			json_int_or_null(&j, opt[i].k, opt[i].v);
		cr_json_obj_end(&j);
	} else {
		cr_json_null(&j);
	}
	if (rv) {
		/* smaps_rollup's totals next to the sums over smaps (equal when
		 * both were read at the same moment) */
		cr_json_key(&j, "rollup_vs_smaps");
		cr_json_arr(&j);
		for (size_t i = 0; i < rv->nrows; i++) {
			const struct cr_memdiff_row *r = &rv->rows[i];
			if (!r->in_base || !r->in_new)
				continue;
			cr_json_obj(&j);
			cr_json_kstr(&j, "name", r->name);
			cr_json_kint(&j, "smaps_rollup", r->base);
			cr_json_kint(&j, "smaps_sum", r->new_);
			cr_json_kint(&j, "delta", r->delta);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
	}
	cr_json_key(&j, "warnings");
	cr_json_arr(&j);
	const char *w = cr_buf_str(&l->warnings);
	while (*w) {
		const char *nl = strchr(w, '\n');
		size_t n = nl ? (size_t)(nl - w) : strlen(w);
		if (n)
			cr_json_strn(&j, w, n);
		w += n + (nl ? 1 : 0);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "not_read");
	cr_json_arr(&j);
	for (const char *u = unread; *u;) {
		const char *nl = strchr(u, '\n');
		size_t n = nl ? (size_t)(nl - u) : strlen(u);
		if (n)
			cr_json_strn(&j, u, n);
		u += n + (nl ? 1 : 0);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

/* Load one positional file into its slot. In a directory (quiet) files of
 * other kinds are skipped and a second snapshot of a kind is ignored with a
 * warning; given by name, both are errors. Returns an exit code (0 = go on). */
static int take_file(const char *path, bool quiet, struct cr_memsnap *snap, bool *have,
		     struct cr_gctrace *gt, const char **gctrace, struct cr_buf *cgfiles, struct cr_buf *warn)
{
	struct cr_memsnap tmp;
	struct cr_error e = { 0 };
	const char *shown = cr_input_display_name(path);
	if (cr_cgroup_file_version(path)) {
		/* a cgroup control file (memory.max, memory.events, ...), known
		 * by name: added to the cgroup snapshot once every memory.stat is
		 * in ('q' / 'n' + path + NUL: skipped quietly when unreadable?) */
		if (cr_buf_addf(cgfiles, "%c%s", quiet ? 'q' : 'n', path) || cr_buf_add(cgfiles, "", 1)) {
			fprintf(stderr, "coroner: out of memory\n");
			return 3;
		}
		return 0;
	}
	cr_memsnap_init(&tmp);
	if (cr_memsnap_load(&tmp, path, warn, &e)) {
		cr_memsnap_release(&tmp);
		if (e.code == CR_UNSUPPORTED && !gt->n) {
			struct cr_error e2 = { 0 };
			if (!cr_gctrace_load(gt, path, warn, &e2)) {
				*gctrace = path;
				return 0;
			}
			cr_gctrace_release(gt);
			cr_gctrace_init(gt);
		}
		if (quiet && e.code != CR_NOMEM && e.code != CR_LIMIT) {
			if (e.code != CR_UNSUPPORTED)
				cr_buf_addf(warn, "%s: skipped: %s\n", shown, e.msg);
			return 0;
		}
		return cmd_error(&e);
	}
	enum slot s = slot_of(tmp.src);
	if (tmp.src == CR_MS_MAPS) {
		cr_memsnap_release(&tmp);
		if (quiet)
			return 0;
		fprintf(stderr, "coroner: %s: is maps (no residency); give smaps instead\n", shown);
		return 1;
	}
	if (have[s]) {
		cr_memsnap_check_pair(&snap[s], &tmp, 60, warn);
		cr_memsnap_release(&tmp);
		if (quiet) {
			cr_buf_addf(warn, "%s: a second %s snapshot, ignored (%s is used)\n", shown,
				    cr_memsrc_name(snap[s].src), snap[s].name);
			return 0;
		}
		fprintf(stderr, "coroner: %s: a second %s snapshot (one of each kind)\n", shown,
			cr_memsrc_name(snap[s].src));
		return 2;
	}
	snap[s] = tmp;
	have[s] = true;
	return 0;
}

/* --arena=START-END, repeatable */
struct arenas {
	struct cr_range r[64];
	size_t n;
};

static int opt_arena(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	struct arenas *a = o->value;
	if (a->n >= sizeof a->r / sizeof *a->r || !parse_range(arg, &a->r[a->n]))
		return cmd_usage_error(st->cmd, "--arena takes START-END in hex (at most 64 ranges), got '%s'", arg);
	a->n++;
	return 0;
}

/* --core BIN CORE: the core is the next operand */
static int opt_core(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	const char **bin_core = o->value;
	const char *core = cmd_parse_take_operand(st);
	if (!core)
		return cmd_usage_error(st->cmd, "--core takes two arguments: BINARY CORE");
	bin_core[0] = arg;
	bin_core[1] = core;
	return 0;
}

struct mem_args {
	/* per slot: the path given by option (expected kind) */
	const char *path[S_NSLOTS];
	const char *heap, *gctrace, *binary, *core[2];
	struct arenas arenas;
	bool list_maps;
	enum cr_format fmt;
	char **files;
	int nfiles;
};

static int mem_parse(struct mem_args *a, int argc, char **argv)
{
	struct cmd_option opts[] = {
		OPT_HEADING("inputs:"),
		OPT_STRING(0, "smaps", &a->path[S_SMAPS], "F", "/proc/PID/smaps: labels every mapping and "
			   "measures the Go arena, [heap], thread stacks, files"),
		OPT_STRING(0, "status", &a->path[S_STATUS], "F", "/proc/PID/status (VmRSS, RssAnon, RssShmem, "
			   "pid, name)"),
		OPT_STRING(0, "heap", &a->heap, "F", "a debug=1 heap profile: its '# runtime.MemStats' block"),
		OPT_STRING(0, "memstat", &a->path[S_MEMSTATS], "F", "runtime.MemStats as JSON (json.Marshal or "
			   "expvar), or Go runtime metrics (Prometheus /metrics text, runtime/metrics lines or JSON)"),
		OPT_ALIAS("memstats", "memstat"),
		OPT_STRING(0, "memory-stat", &a->path[S_CGROUP], "F", "the cgroup's memory.stat (v1 or v2)"),
		OPT_STRING(0, "cgroup", &a->path[S_CGROUP], "DIR", "the cgroup's directory (or a copy of it): "
			   "memory.stat and the limit, usage, peak and OOM-kill counters of "
			   "memory.max/current/peak/events (v2) or memory.limit_in_bytes/usage_in_bytes/"
			   "max_usage_in_bytes/\nfailcnt/oom_control (v1); in a capture directory these files "
			   "are recognised by name"),
		OPT_STRING(0, "gctrace", &a->gctrace, "F", "GODEBUG=gctrace=1 output (stderr of the program)"),
		{ .type = CMD_OPT_CALLBACK, .long_name = "core", .value = a->core, .argh = "BIN CORE",
		  .flags = CMD_OPTF_SPACED_ARG, .cb = opt_core,
		  .help = "a core dump and its binary: exact Go arena ranges and the runtime's memory "
			  "figures (instead of --heap)" },
		OPT_HEADING("options:"),
		OPT_STRING(0, "binary", &a->binary, "PATH", "the main binary's path as it appears in smaps "
			   "(default: the file of the lowest mapping)"),
		OPT_CALLBACK(0, "arena", &a->arenas, "START-END", "an exact Go heap arena range (hex; "
			     "repeatable); default: the runtime's arena hints (0xc000000000...)", opt_arena),
		OPT_BOOL(0, "mappings", &a->list_maps, "text: list every mapping with its label"),
		OPT_FORMAT(&a->fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argi >= argc && !a->path[S_SMAPS] && !a->path[S_STATUS] && !a->path[S_MEMSTATS] && !a->heap &&
	    !a->path[S_CGROUP] && !a->gctrace && !a->core[0])
		return cmd_usage_error("mem", "no input given");
	a->files = argv + argi;
	a->nfiles = argc - argi;
	return -1;
}

/* Positional files, recognised by content; a directory (a capture)
 * contributes the files of it that are memory snapshots or gctrace logs.
 * Returns 0 or an exit code (printed). */
static int take_files(char **files, int n, struct cr_memsnap *snap, bool *have, struct cr_gctrace *gt,
		      const char **gctrace_dir, struct cr_buf *cgfiles, struct cr_buf *warn)
{
	int rc = 0;
	for (int a = 0; a < n; a++) {
		struct stat sb;
		if (strcmp(files[a], "-") != 0 && stat(files[a], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			struct dirent **ents = NULL;
			int ne = scandir(files[a], &ents, NULL, alphasort);
			if (ne < 0) {
				fprintf(stderr, "coroner: %s: %s\n", files[a], strerror(errno));
				return 1;
			}
			for (int k = 0; k < ne && !rc; k++) {
				char p[4096];
				struct stat fs;
				snprintf(p, sizeof p, "%s/%s", files[a], ents[k]->d_name);
				if (ents[k]->d_name[0] != '.' && stat(p, &fs) == 0 && S_ISREG(fs.st_mode))
					rc = take_file(p, true, snap, have, gt, gctrace_dir, cgfiles, warn);
			}
			for (int k = 0; k < ne; k++)
				free(ents[k]);
			free(ents);
			if (rc)
				return rc;
			continue;
		}
		if ((rc = take_file(files[a], false, snap, have, gt, gctrace_dir, cgfiles, warn)))
			return rc;
	}
	return 0;
}

/* The figures of a core (with its binary) into the MemStats slot ms. */
static int open_core(struct cr_gocore *gc, const char *bin, const char *core, struct cr_memsnap *ms)
{
	struct cr_error e = { 0 };
	enum cr_err r = cr_gocore_open(gc, bin, core, &e);
	if (gc->core_open)
		cmd_warnings(cr_buf_str(&gc->core.warn));
	if (gc->gort_open)
		cmd_warnings(cr_buf_str(&gc->g.warn));
	if (r || cr_memsnap_from_gort(ms, &gc->g.mem, cr_input_display_name(core), &e))
		return cmd_error(&e);
	return 0;
}

/* The files given by option into their slots. One that does not read is a
 * line of unread (the ledger is made from the others); one of another kind
 * than its option says is the command line's mistake (1). */
static int load_slots(const char *const *path, struct cr_memsnap *snap, bool *have, struct cr_buf *warn,
		      struct cr_buf *unread)
{
	static const enum cr_memsrc want[S_NSLOTS] = { CR_MS_SMAPS_ROLLUP, CR_MS_SMAPS, CR_MS_STATUS,
						      CR_MS_MEMSTATS, CR_MS_CGROUP_V1 };
	struct cr_error e = { 0 };
	for (int i = 0; i < S_NSLOTS; i++) {
		if (!path[i])
			continue;
		if ((i == S_CGROUP ? cr_memsnap_load_cgroup(&snap[i], path[i], warn, &e)
				   : cr_memsnap_load(&snap[i], path[i], warn, &e))) {
			if (e.code == CR_NOMEM || e.code == CR_LIMIT)
				return cmd_error(&e);
			cr_buf_addf(unread, "%s\n", e.msg);
			cr_error_clear(&e);
			cr_memsnap_release(&snap[i]);
			cr_memsnap_init(&snap[i]);
			continue;
		}
		if (slot_of(snap[i].src) != (enum slot)i) {
			fprintf(stderr, "coroner: %s: is %s, expected %s\n", cr_input_display_name(path[i]),
				cr_memsrc_name(snap[i].src), cr_memsrc_name(want[i]));
			return 1;
		}
		have[i] = true;
	}
	return 0;
}

/* The cgroup files found among the files named ('q' before a path: found
 * in a directory, skipped with a warning when it does not read). */
static int add_cgroup_files(const struct cr_buf *cgfiles, struct cr_memsnap *cg, bool *have, struct cr_buf *warn)
{
	struct cr_error e = { 0 };
	for (size_t k = 0; k < cgfiles->len; k += strlen(cgfiles->data + k) + 1) {
		const char *cp = cgfiles->data + k + 1;
		if (cr_memsnap_add_cgroup_path(cg, cp, &e)) {
			if (cgfiles->data[k] == 'q' && e.code != CR_NOMEM && e.code != CR_LIMIT) {
				cr_buf_addf(warn, "%s: skipped: %s\n", cr_input_display_name(cp), e.msg);
				cr_error_clear(&e);
				continue;
			}
			return cmd_error(&e);
		}
		*have = true;
	}
	return 0;
}

/* No source of RSS: why each input failed, or a usage error. */
static int no_rss_source(const char *unread)
{
	if (!*unread)
		return cmd_usage_error("mem", "no source of RSS: give smaps_rollup, smaps, status or the cgroup's memory.stat");
	for (const char *u = unread; *u; u += strcspn(u, "\n") + 1) {
		fprintf(stderr, "coroner: ");
		cr_fput_escaped(stderr, u, strcspn(u, "\n"), SIZE_MAX, CR_ESC_TERM);
		fputc('\n', stderr);
	}
	return 1;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_args a = { .fmt = CR_FMT_TEXT };
	int rc = mem_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	rc = 0;
	const char **path = a.path;
	const char *heap = a.heap, *gctrace = a.gctrace, *gctrace_dir = NULL, *binary = a.binary,
		   *core_bin = a.core[0], *core_path = a.core[1];
	size_t narenas = a.arenas.n;
	const struct cr_range *arena_list = a.arenas.r;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 }, cgfiles = { 0 }, unread = { 0 };
	struct cr_memsnap snap[S_NSLOTS];
	bool have[S_NSLOTS] = { 0 };
	struct cr_gctrace gt;
	struct cr_ledger led = { 0 };
	struct cr_gocore gc = { 0 };
	cr_gctrace_init(&gt);
	for (int i = 0; i < S_NSLOTS; i++)
		cr_memsnap_init(&snap[i]);

	/* --heap and --memstat both fill the MemStats slot; --memstat wins
	 * (a JSON dump is usually taken closer to the /proc reads) */
	if (heap && !path[S_MEMSTATS])
		path[S_MEMSTATS] = heap;
	if (core_bin) {
		/* a core's figures are exact: they replace --heap/--memstat */
		path[S_MEMSTATS] = NULL;
		if ((rc = open_core(&gc, core_bin, core_path, &snap[S_MEMSTATS])))
			goto out;
		have[S_MEMSTATS] = true;
		if (!narenas && gc.g.mem.narenas) {
			arena_list = gc.g.mem.arenas;
			narenas = gc.g.mem.narenas;
		}
	}
	if ((rc = load_slots(path, snap, have, &warn, &unread)) ||
	    (rc = take_files(a.files, a.nfiles, snap, have, &gt, &gctrace_dir, &cgfiles, &warn)) ||
	    (rc = add_cgroup_files(&cgfiles, &snap[S_CGROUP], &have[S_CGROUP], &warn)))
		goto out;
	if (gctrace_dir && !gctrace)
		gctrace = gctrace_dir;
	/* --heap and --memstat both given: the one used is --memstat's; the
	 * other only checks that they are of the same moment */
	if (heap && have[S_MEMSTATS] && path[S_MEMSTATS] != heap) {
		struct cr_memsnap h;
		cr_memsnap_init(&h);
		if (cr_memsnap_load(&h, heap, &warn, &e)) {
			cr_memsnap_release(&h);
			rc = cmd_error(&e);
			goto out;
		}
		cr_memsnap_check_pair(&h, &snap[S_MEMSTATS], 60, &warn);
		cr_memsnap_release(&h);
	}
	bool gt_read = gt.n || gt.scav.scvg_lines || gt.scav.scav_lines; /* read as a positional file */
	if (gctrace && !gt_read && cr_gctrace_load(&gt, gctrace, &warn, &e)) {
		if (e.code == CR_NOMEM || e.code == CR_LIMIT) {
			rc = cmd_error(&e);
			goto out;
		}
		cr_buf_addf(&unread, "%s\n", e.msg);
		cr_error_clear(&e);
		cr_gctrace_release(&gt);
		cr_gctrace_init(&gt);
	}
	struct cr_ledger_in in = {
		.rollup = have[S_ROLLUP] ? &snap[S_ROLLUP] : NULL,
		.smaps = have[S_SMAPS] ? &snap[S_SMAPS] : NULL,
		.status = have[S_STATUS] ? &snap[S_STATUS] : NULL,
		.memstats = have[S_MEMSTATS] ? &snap[S_MEMSTATS] : NULL,
		.cgroup = have[S_CGROUP] ? &snap[S_CGROUP] : NULL,
		.gctrace = gt.n || gt.scav.scvg_lines || gt.scav.scav_lines ? &gt : NULL,
		.arenas = narenas ? arena_list : NULL,
		.narenas = narenas,
		.binary = binary,
	};
	if (!in.rollup && !in.smaps && !in.status && !in.cgroup) {
		rc = no_rss_source(cr_buf_str(&unread));
		goto out;
	}
	if (cr_ledger_compute(&led, &in, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	cmd_warnings(cr_buf_str(&warn));
	for (const char *u = cr_buf_str(&unread); *u; u += strcspn(u, "\n") + 1) {
		fprintf(stderr, "coroner: warning: not read: ");
		cr_fput_escaped(stderr, u, strcspn(u, "\n"), SIZE_MAX, CR_ESC_TERM);
		fputc('\n', stderr);
	}
	cmd_warnings(cr_buf_str(&led.warnings));
	struct cr_memdiff rv;
	cr_memdiff_init(&rv);
	bool have_rv = in.rollup && in.smaps && !cr_memdiff_fields(&rv, in.rollup, in.smaps, NULL);
	if (a.fmt == CR_FMT_JSON)
		print_json(&led, have_rv ? &rv : NULL, cr_buf_str(&unread));
	else
		print_text(&led, in.smaps, a.list_maps, have_rv ? &rv : NULL), print_unread_text(cr_buf_str(&unread));
	cr_memdiff_release(&rv);
out:
	cr_gocore_close(&gc);
	cr_ledger_release(&led);
	cr_gctrace_release(&gt);
	for (int i = 0; i < S_NSLOTS; i++)
		cr_memsnap_release(&snap[i]);
	cr_buf_release(&warn);
	cr_buf_release(&cgfiles);
	cr_buf_release(&unread);
	return rc;
}
