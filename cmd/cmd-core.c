/* coroner core: threads, goroutines and memory from an ELF core dump. */
#include "cmd.h"
#include "options.h"
#include "core-c.h"
#include "coroner/capture.h"
#include "coroner/core.h"
#include "coroner/binary.h"
#include "coroner/goroutine.h"
#include "coroner/gort.h"
#include "coroner/profile.h"
#include "coroner/sym.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_spec spec = {
	.name = "core",
	.usage = "coroner core [options] BINARY CORE",
	.about =
"Read a Go program's ELF core dump with the binary that produced it: the\n"
"fatal signal, the crashing thread and goroutine, every goroutine with its\n"
"state (as the runtime's traceback spells it), wait minutes, creator and\n"
"stack (inlined frames included, unwound with the binary's pclntab, so\n"
"stripped binaries work, -ldflags='-s -w' included), grouped; the threads,\n"
"with C frames (libunwind) where they run C code; and the runtime's\n"
"memory figures (memstats, heap arenas) joined with the core's mappings.\n"
"CORE may be gzip- or zstd-compressed (systemd-coredump's .zst) or '-'.\n"
"\n"
"A BINARY without a Go symbol table is read as a C/C++ program: each\n"
"thread's registers and frames (inlined ones, those left by tail calls as\n"
"gdb shows them, file:line) through the DWARF of the binary and of the\n"
"libraries the core maps (under --sysroot, build\n"
"ids checked), debug files found by build id (--debug-dir, /usr/lib/debug,\n"
"the debuginfod cache) or .gnu_debuglink; threads grouped by stack.\n",
	.epilogue =
"JSON: {\"signal\": {\"number\", \"name\", \"code\", \"addr\"}, \"go_version\",\n"
"\"threads\": [{\"tid\", \"frames\"}], \"goroutines\": [{\"id\", \"state\",\n"
"\"wait_minutes\", \"created_by\", \"frames\": [{\"function\", \"file\", \"line\"}]}],\n"
"\"groups\", \"memstats\", \"mappings\"}.\n"
"\n"
"examples:\n"
"  coroner core ./server core.1234\n"
"  coroner core --group=function ./server core.server.1234.zst\n"
"  coroner core --format=json --goroutine-profile=g.pb.gz ./server core\n",
};

static const char *sig_name(int s)
{
	static char buf[16];
	return cr_signal_name(s, buf, sizeof buf);
}

static bool fault_signal(int s) { return s == 4 || s == 5 || s == 7 || s == 8 || s == 11; }

static void print_frames_text(const struct cr_gstack *s, const char *indent)
{
	for (size_t i = 0; i < s->nframes; i++) {
		const struct cr_frame *f = &s->frames[i];
		printf("%s", indent);
		cr_fputs_safe(stdout, cr_frame_or(cr_gort_print_name(f->function), "?"));
		printf("%s\n%s    ", f->inlined ? "(...)" : "()", indent);
		cr_fputs_safe(stdout, cr_frame_or(f->file, "?"));
		printf(":%" PRId64, f->line);
		if (!f->inlined && f->entry && f->pc >= f->entry)
			printf(" +0x%" PRIx64, f->pc - f->entry);
		printf("\n");
	}
	if (s->stop) {
		printf("%s... stack incomplete: ", indent);
		cr_fputs_safe(stdout, s->stop);
		printf("\n");
	}
}

static void json_frames(struct cr_json *j, const struct cr_gstack *s)
{
	cr_json_key(j, "frames");
	cr_json_arr(j);
	for (size_t i = 0; i < s->nframes; i++) {
		const struct cr_frame *f = &s->frames[i];
		cr_json_obj(j);
		cr_json_kstr(j, "function", cr_frame_or(cr_gort_print_name(f->function), "?"));
		cr_json_kstr(j, "file", cr_frame_or(f->file, "?"));
		cr_json_kint(j, "line", f->line);
		cr_json_key(j, "pc");
		cr_json_hex(j, f->pc);
		cr_json_key(j, "inlined");
		cr_json_bool(j, f->inlined);
		if (f->native) {
			cr_json_key(j, "native");
			cr_json_bool(j, true);
		}
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
	if (s->stop)
		cr_json_kstr(j, "incomplete", s->stop);
}

/* What a core segment holds, for the mappings table. */
static const char *seg_label(const struct cr_core *c, const struct cr_gort *g, uint64_t start,
			     uint64_t end, const char **path)
{
	*path = NULL;
	for (size_t i = 0; i < c->nfiles; i++)
		if (start < c->files[i].end && end > c->files[i].start) {
			*path = c->files[i].path;
			const char *exe = cr_core_exe_path(c);
			return exe && strcmp(exe, *path) == 0 ? "binary" : "file";
		}
	for (size_t i = 0; i < g->mem.narenas; i++)
		if (start < g->mem.arenas[i].end && end > g->mem.arenas[i].start)
			return "go heap arena";
	for (size_t i = 0; i < g->ngs; i++)
		if (g->gs[i].stack_lo >= start && g->gs[i].stack_hi <= end)
			return "go stacks/runtime";
	return "anonymous";
}

struct memrow { const char *key; uint64_t v; };

/* What the renderers read: the loaded core and runtime, and figures
 * derived from them once. */
struct core_view {
	const char *binpath, *corepath;
	const struct cr_core *core;
	const struct cr_gort *g;
	const struct cr_goroutines *groups;
	enum cr_group_by by;
	bool all;
	int signo;
	size_t nsys;
	const struct cr_goroutine *crashg;
	struct memrow mem[19];
	size_t nmem;
};

static void core_view_init(struct core_view *v)
{
	const struct cr_gort *g = v->g;
	const struct cr_core *core = v->core;
	for (size_t i = 0; i < g->ngs; i++)
		v->nsys += g->gs[i].system;
	for (size_t i = 0; i < g->ngs; i++)
		if (g->gs[i].goid == g->crash_goid)
			v->crashg = &g->gs[i];
	v->signo = core->sig.present ? core->sig.signo : (core->nthreads ? core->threads[0].cursig : 0);
	const struct cr_gort_mem *M = &g->mem;
	const struct memrow mem[] = {
		{ "HeapAlloc", M->heap_alloc }, { "HeapInuse", M->heap_inuse }, { "HeapIdle", M->heap_idle },
		{ "HeapReleased", M->heap_released }, { "HeapSys", M->heap_sys },
		{ "StackInuse", M->stack_inuse }, { "StackSys", M->stack_sys }, { "MSpanSys", M->mspan_sys },
		{ "MCacheSys", M->mcache_sys }, { "BuckHashSys", M->buckhash_sys }, { "GCSys", M->gc_sys },
		{ "OtherSys", M->other_sys }, { "Sys", M->sys }, { "TotalAlloc", M->total_alloc },
		{ "Mallocs", M->mallocs }, { "Frees", M->frees }, { "NumGC", M->num_gc },
		{ "PauseTotalNs", M->pause_total_ns }, { "LastGC", M->last_gc_unix },
	};
	_Static_assert(sizeof mem == sizeof v->mem, "memrow count");
	memcpy(v->mem, mem, sizeof mem);
	v->nmem = sizeof mem / sizeof *mem;
}

static void json_signal(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "signal");
	if (v->signo) {
		cr_json_obj(j);
		cr_json_kint(j, "number", v->signo);
		cr_json_kstr(j, "name", sig_name(v->signo));
		cr_json_kint(j, "code", v->core->sig.present ? v->core->sig.code : 0);
		cr_json_key(j, "addr");
		if (v->core->sig.present && fault_signal(v->signo) && v->core->sig.code > 0)
			cr_json_hex(j, v->core->sig.addr);
		else
			cr_json_null(j);
		cr_json_kint(j, "thread", v->g->crash_tid);
		cr_json_obj_end(j);
	} else {
		cr_json_null(j);
	}
	cr_json_key(j, "go_fault");
	if (v->g->go_sig) {
		cr_json_obj(j);
		cr_json_kint(j, "number", v->g->go_sig);
		cr_json_kstr(j, "name", sig_name(v->g->go_sig));
		cr_json_key(j, "addr");
		cr_json_hex(j, v->g->go_sigaddr);
		cr_json_key(j, "pc");
		cr_json_hex(j, v->g->go_sigpc);
		cr_json_kint(j, "goroutine", v->g->go_sig_goid);
		cr_json_obj_end(j);
	} else {
		cr_json_null(j);
	}
	cr_json_kstr(j, "go_version", v->g->go_version);
	cr_json_kstr(j, "arch", v->g->arch);
	cr_json_kint(j, "nanotime_estimate", v->g->now);
	cr_json_kint(j, "pid", v->core->ps.present ? v->core->ps.pid : 0);
	cr_json_key(j, "crash_goroutine");
	if (v->g->crash_goid >= 0)
		cr_json_int(j, v->g->crash_goid);
	else
		cr_json_null(j);
}

static void json_threads(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "threads");
	cr_json_arr(j);
	for (size_t i = 0; i < v->g->nthreads; i++) {
		const struct cr_gthread *T = &v->g->threads[i];
		cr_json_obj(j);
		cr_json_kint(j, "tid", T->tid);
		cr_json_key(j, "pc");
		cr_json_hex(j, T->regs.pc);
		cr_json_key(j, "sp");
		cr_json_hex(j, T->regs.sp);
		cr_json_kint(j, "m", T->mid);
		cr_json_key(j, "goroutine");
		if (T->curg >= 0)
			cr_json_int(j, T->curg);
		else
			cr_json_null(j);
		cr_json_kstr(j, "stack", T->on);
		json_frames(j, T->stack);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

static void json_goroutines(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "goroutines");
	cr_json_arr(j);
	for (size_t i = 0; i < v->g->ngs; i++) {
		const struct cr_goroutine *G = &v->g->gs[i];
		cr_json_obj(j);
		cr_json_kint(j, "id", G->goid);
		cr_json_kstr(j, "state", G->state);
		cr_json_kint(j, "wait_minutes", G->wait_minutes);
		cr_json_key(j, "created_by");
		if (G->created_by)
			cr_json_str(j, G->created_by);
		else
			cr_json_null(j);
		if (G->created_by) {
			char at[512];
			snprintf(at, sizeof at, "%s:%d", cr_frame_or(G->created_file, "?"),
				 G->created_line);
			cr_json_kstr(j, "created_at", at);
		}
		cr_json_key(j, "thread");
		if (G->tid)
			cr_json_int(j, G->tid);
		else
			cr_json_null(j);
		cr_json_key(j, "locked_to_thread");
		cr_json_bool(j, G->locked);
		cr_json_key(j, "system");
		cr_json_bool(j, G->system);
		cr_json_kint(j, "stack_bytes", (int64_t)(G->stack_hi - G->stack_lo));
		json_frames(j, G->stack);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

static void json_groups(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "groups");
	cr_json_arr(j);
	for (size_t i = 0; i < v->groups->ngroups; i++) {
		const struct cr_ggroup *G = &v->groups->groups[i];
		cr_json_obj(j);
		cr_json_kint(j, "count", G->count);
		cr_json_kstr(j, "function", G->function ? G->function : "");
		cr_json_kstr(j, "state", G->state ? G->state : "");
		cr_json_kint(j, "wait_min", G->has_wait ? G->wait_min : 0);
		cr_json_kint(j, "wait_max", G->has_wait ? G->wait_max : 0);
		cr_json_key(j, "created_by");
		if (G->created_by)
			cr_json_str(j, G->created_by);
		else
			cr_json_null(j);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

static void json_memstats(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "memstats");
	if (v->g->mem.present) {
		cr_json_obj(j);
		for (size_t i = 0; i < v->nmem; i++) {
			if (!v->g->mem.have_alloc && (i == 0 || (i >= 13 && i <= 15)))
				continue;
			cr_json_key(j, v->mem[i].key);
			cr_json_uint(j, v->mem[i].v);
		}
		cr_json_key(j, "arenas");
		cr_json_arr(j);
		for (size_t i = 0; i < v->g->mem.narenas; i++) {
			cr_json_obj(j);
			cr_json_key(j, "start");
			cr_json_hex(j, v->g->mem.arenas[i].start);
			cr_json_key(j, "end");
			cr_json_hex(j, v->g->mem.arenas[i].end);
			cr_json_obj_end(j);
		}
		cr_json_arr_end(j);
		cr_json_obj_end(j);
	} else {
		cr_json_null(j);
	}
}

static void json_mappings(struct cr_json *j, const struct core_view *v)
{
	cr_json_key(j, "mappings");
	cr_json_arr(j);
	for (size_t i = 0; i < v->core->nsegs; i++) {
		const struct cr_core_seg *s = &v->core->segs[i];
		const char *path;
		const char *label = seg_label(v->core, v->g, s->vaddr, s->vaddr + s->memsz, &path);
		char perm[4] = { s->flags & 4 ? 'r' : '-', s->flags & 2 ? 'w' : '-', s->flags & 1 ? 'x' : '-', 0 };
		cr_json_obj(j);
		cr_json_key(j, "start");
		cr_json_hex(j, s->vaddr);
		cr_json_key(j, "end");
		cr_json_hex(j, s->vaddr + s->memsz);
		cr_json_kstr(j, "perm", perm);
		cr_json_kint(j, "dumped_bytes", (int64_t)s->filesz);
		cr_json_kstr(j, "label", label);
		cr_json_key(j, "path");
		if (path)
			cr_json_str(j, path);
		else
			cr_json_null(j);
		cr_json_obj_end(j);
	}
	cr_json_arr_end(j);
}

static void render_json(const struct core_view *v)
{
	struct cr_json js;
	struct cr_json *j = &js;
	cr_json_init(j, stdout, true);
	cr_json_obj(j);
	json_signal(j, v);
	json_threads(j, v);
	json_goroutines(j, v);
	json_groups(j, v);
	json_memstats(j, v);
	json_mappings(j, v);
	cr_json_key(j, "truncated");
	cr_json_bool(j, v->core->truncated);
	cr_json_obj_end(j);
	cr_json_end(j);
}

static void text_header(const struct core_view *v)
{
	/* ---- text ---- */
	bool color = cmd_color();
	printf("core ");
	cr_fputs_safe(stdout, v->corepath);
	printf(" of ");
	cr_fputs_safe(stdout, v->binpath);
	printf(": %s %s", v->g->go_version[0] ? v->g->go_version : "(unknown Go version)", v->g->arch);
	if (v->core->ps.present) {
		printf(", pid %d (", v->core->ps.pid);
		cr_fputs_safe(stdout, v->core->ps.fname);
		printf(")");
	}
	printf("\n");
	if (v->signo) {
		printf("signal: %s%s%s (%d)", color ? "\033[1m" : "", sig_name(v->signo), color ? "\033[0m" : "", v->signo);
		if (v->core->sig.present) {
			printf(" code=%d", v->core->sig.code);
			if (fault_signal(v->signo) && v->core->sig.code > 0)
				printf(" addr=0x%" PRIx64, v->core->sig.addr);
			else if (v->core->sig.code <= 0)
				printf(" (sent by pid %d)", v->core->sig.pid);
		}
		printf(" on thread %d\n", v->g->crash_tid);
	}
	if (v->g->go_sig)
		printf("go fault: %s addr=0x%" PRIx64 " pc=0x%" PRIx64 " in goroutine %" PRId64 "\n",
		       sig_name(v->g->go_sig), v->g->go_sigaddr, v->g->go_sigpc, v->g->go_sig_goid);
	if (v->core->truncated)
		printf("core is TRUNCATED: %" PRIu64 " bytes missing; results are partial\n", v->core->missing);
	printf("%zu goroutines (%zu runtime), %zu groups, %zu threads\n", v->g->ngs, v->nsys, v->groups->ngroups, v->g->nthreads);

	if (v->crashg) {
		printf("\ncrashing goroutine %" PRId64 " [%s] on thread %d:\n", v->crashg->goid, v->crashg->state, v->g->crash_tid);
		print_frames_text(v->crashg->stack, "  ");
	} else if (v->g->nthreads) {
		printf("\ncrashing thread %d (no goroutine):\n", v->g->crash_tid);
		print_frames_text(v->g->threads[0].stack, "  ");
	}

}

static void text_groups(const struct core_view *v)
{
	printf("\ngoroutine groups (by %s):\n", v->by == CR_GROUP_EXACT ? "exact stack" : v->by == CR_GROUP_FUNCTION ? "function" : "user frame");
	struct cr_table t;
	static const struct cr_col cols[] = {
		{ "count", "COUNT", CR_RIGHT }, { "state", "STATE", CR_LEFT }, { "wait", "WAIT", CR_RIGHT },
		{ "function", "FUNCTION", CR_LEFT }, { "created_by", "CREATED BY", CR_LEFT },
	};
	cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < v->groups->ngroups; i++) {
		const struct cr_ggroup *G = &v->groups->groups[i];
		char w[64] = "";
		if (G->has_wait && G->wait_max > 0) {
			if (G->wait_min == G->wait_max)
				snprintf(w, sizeof w, "%" PRId64 "m", G->wait_max);
			else
				snprintf(w, sizeof w, "%" PRId64 "-%" PRId64 "m", G->wait_min, G->wait_max);
		}
		char st[256];
		snprintf(st, sizeof st, "%s%s", G->state ? G->state : "", G->nstates > 1 ? " +" : "");
		cr_table_row(&t);
		cr_table_int(&t, G->count, NULL);
		cr_table_str(&t, st);
		cr_table_str(&t, w);
		cr_table_str(&t, G->function ? G->function : "");
		cr_table_str(&t, G->created_by ? G->created_by : "");
	}
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);

}

static void text_goroutines(const struct core_view *v)
{
	if (v->all) {
		for (size_t i = 0; i < v->g->ngs; i++) {
			const struct cr_goroutine *G = &v->g->gs[i];
			printf("\ngoroutine %" PRId64 " [%s", G->goid, G->state);
			if (G->wait_minutes >= 1)
				printf(", %" PRId64 " minutes", G->wait_minutes);
			if (G->locked)
				printf(", locked to thread");
			printf("]:\n");
			print_frames_text(G->stack, "");
			if (G->created_by) {
				printf("created by ");
				cr_fputs_safe(stdout, G->created_by);
				printf("\n    ");
				cr_fputs_safe(stdout, cr_frame_or(G->created_file, "?"));
				printf(":%d +0x%x\n", G->created_line, G->created_off);
			}
		}
	}

}

static void text_threads(const struct core_view *v)
{
	struct cr_table t;
	printf("\nthreads:\n");
	static const struct cr_col cols[] = {
		{ "tid", "TID", CR_RIGHT }, { "m", "M", CR_RIGHT }, { "stack", "ON", CR_LEFT },
		{ "goroutine", "GOROUTINE", CR_RIGHT }, { "pc", "PC", CR_LEFT },
		{ "function", "FUNCTION", CR_LEFT },
	};
	cr_table_init_cols(&t, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < v->g->nthreads; i++) {
		const struct cr_gthread *T = &v->g->threads[i];
		char pc[32], fn[512];
		snprintf(pc, sizeof pc, "0x%" PRIx64, T->regs.pc);
		if (T->stack->nframes)
			snprintf(fn, sizeof fn, "%s %s:%" PRId64, cr_frame_or(T->stack->frames[0].function, "?"),
				 cr_frame_or(T->stack->frames[0].file, "?"), T->stack->frames[0].line);
		else
			snprintf(fn, sizeof fn, "?");
		cr_table_row(&t);
		cr_table_int(&t, T->tid, NULL);
		if (T->mid >= 0)
			cr_table_int(&t, T->mid, NULL);
		else
			cr_table_str(&t, "-");
		cr_table_str(&t, T->on);
		if (T->curg >= 0)
			cr_table_int(&t, T->curg, NULL);
		else
			cr_table_str(&t, "-");
		cr_table_str(&t, pc);
		cr_table_str(&t, fn);
	}
	cr_table_print_text(&t, stdout);
	cr_table_release(&t);

}

static void text_memory(const struct core_view *v)
{
	if (v->g->mem.present) {
		printf("\nmemory (runtime.memstats):\n");
		for (size_t i = 0; i < v->nmem; i++) {
			if (!v->g->mem.have_alloc && (i == 0 || (i >= 13 && i <= 15)))
				continue;
			char b[32];
			bool bytes = strcmp(v->mem[i].key, "Mallocs") && strcmp(v->mem[i].key, "Frees") &&
				     strcmp(v->mem[i].key, "NumGC") && strcmp(v->mem[i].key, "PauseTotalNs") &&
				     strcmp(v->mem[i].key, "LastGC");
			if (bytes)
				cr_units_bytes(b, sizeof b, (int64_t)v->mem[i].v);
			else
				snprintf(b, sizeof b, "%" PRIu64, v->mem[i].v);
			printf("  %-13s %14" PRIu64 "  %s\n", v->mem[i].key, v->mem[i].v, bytes ? b : "");
		}
		for (size_t i = 0; i < v->g->mem.narenas; i++) {
			char b[32];
			cr_units_bytes(b, sizeof b, (int64_t)(v->g->mem.arenas[i].end - v->g->mem.arenas[i].start));
			printf("  heap arena    0x%" PRIx64 "-0x%" PRIx64 "  %s\n", v->g->mem.arenas[i].start,
			       v->g->mem.arenas[i].end, b);
		}
	}
}

static void render_text(const struct core_view *v)
{
	text_header(v);
	text_groups(v);
	text_goroutines(v);
	text_threads(v);
	text_memory(v);
}

/* A binary without a Go pclntab is read as a C program. */
static bool is_go_binary(const char *path)
{
	struct cr_binary *b = NULL;
	struct cr_pclntab *t = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open(&b, path, &e))
		return true; /* let the Go path say what is wrong */
	enum cr_err rc = cr_pclntab_open(b, &t, &e);
	cr_pclntab_close(t);
	cr_binary_close(b);
	return rc != CR_NOTFOUND;
}

static int opt_group(const struct cmd_option *o, const char *arg, const struct cmd_parse_state *st)
{
	int b = cr_group_by_parse(arg);
	if (b < 0)
		return cmd_usage_error(st->cmd, "unknown --group '%s' (exact, function, user)", arg);
	*(int *)o->value = b;
	return 0;
}

int cmd_core(int argc, char **argv)
{
	enum cr_format fmt = CR_FMT_TEXT;
	int by = CR_GROUP_USER;
	const char *gprof = NULL;
	bool all = false;
	struct cmd_debug_dirs debug_dirs = { 0 };
	struct cmd_option opts[] = {
		OPT_CALLBACK(0, "group", &by, "exact|function|user",
			     "how goroutines are grouped (default user: innermost frame outside the "
			     "runtime/std lib)", opt_group),
		OPT_STRING(0, "goroutine-profile", &gprof, "OUT.pb.gz", "also write the goroutines as a "
			   "goroutine profile (go tool pprof, coroner leaks read it)"),
		OPT_BOOL(0, "all", &all, "list every goroutine in text output, not only groups"),
		OPT_CALLBACK(0, "debug-dir", &debug_dirs, "DIR", "C cores: also look for separate debug files in "
			     "DIR/.build-id/xx/rest.debug and DIR/PATH/DEBUGLINK (repeatable)", cmd_opt_debug_dir),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi, rc = 0;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argc - argi != 2)
		return cmd_usage_error("core", "expected BINARY and CORE");
	const char *binpath = argv[argi], *corepath = argv[argi + 1];
	if (!is_go_binary(binpath))
		return cmd_core_c(binpath, corepath, fmt, debug_dirs.dirs, debug_dirs.n);

	struct cr_error e = { 0 };
	struct cr_gocore gc = { 0 };
	struct cr_profile prof;
	struct cr_goroutines groups = { 0 };
	cr_profile_init(&prof);
	bool groups_open = false;

	cmd_progress("reading core %s", corepath);
	enum cr_err r = cr_gocore_open(&gc, binpath, corepath, &e);
	cmd_progress_done();
	if (gc.core_open)
		cmd_warnings(cr_buf_str(&gc.core.warn));
	if (gc.gort_open)
		cmd_warnings(cr_buf_str(&gc.g.warn));
	if (r) {
		rc = cmd_error(&e);
		goto out;
	}
	/* grouping works on goroutines folded by stack/state/creator (memory
	 * proportional to distinct stacks); the exported profile has one sample
	 * per goroutine, with its id */
	if (cr_gort_profile_grouped(&gc.g, &prof, &e) || cr_goroutines_compute(&groups, &prof, (enum cr_group_by)by, &e)) {
		rc = cmd_error(&e);
		goto out;
	}
	groups_open = true;
	if (gprof) {
		struct cr_profile full;
		cr_profile_init(&full);
		enum cr_err w = cr_gort_profile(&gc.g, &full, &e);
		if (!w)
			w = cr_profile_write_pprof(&full, gprof, &e);
		cr_profile_release(&full);
		if (w) {
			rc = cmd_error(&e);
			goto out;
		}
	}

	struct core_view v = { binpath, corepath, &gc.core, &gc.g, &groups, (enum cr_group_by)by, all };
	core_view_init(&v);
	if (fmt == CR_FMT_JSON)
		render_json(&v);
	else
		render_text(&v);
out:
	if (groups_open)
		cr_goroutines_release(&groups);
	cr_profile_release(&prof);
	cr_gocore_close(&gc);
	return rc;
}
