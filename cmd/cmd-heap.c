/* coroner heap: who keeps the memory, from a Go core dump. */
#include "cmd.h"
#include "options.h"
#include "coroner/capture.h"
#include "coroner/binary.h"
#include "coroner/core.h"
#include "coroner/gort.h"
#include "coroner/heap.h"
#include "coroner/profile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void print_text(const struct cr_heap *h, size_t top)
{
	char a[32], b[32], c[32];
	printf("go version: ");
	cr_fputs_safe(stdout, h->go_version && *h->go_version ? h->go_version : "?");
	printf("\n");
	cr_units_bytes(a, sizeof a, (int64_t)h->reachable_bytes);
	cr_units_bytes(b, sizeof b, (int64_t)h->unreachable_bytes);
	printf("reachable: %s in %" PRIu64 " objects; unreachable (not yet swept): %s in %" PRIu64
	       " objects; %" PRIu64 " spans\n",
	       a, h->reachable_objects, b, h->unreachable_objects, h->nspans);
	if (h->have_heap_alloc) {
		cr_units_bytes(c, sizeof c, (int64_t)h->heap_alloc);
		int64_t d = (int64_t)h->heap_alloc - (int64_t)h->reachable_bytes;
		cr_units_bytes(a, sizeof a, cr_sat_abs(d));
		printf("HeapAlloc (runtime.memstats): %s; reachable is %s %s it%s\n", c, a, d >= 0 ? "under" : "over",
		       d >= 0 ? " (garbage not yet swept, and objects freed since the last GC's count)" : "");
	}
	printf("typed objects: %" PRIu64 " recorded, %" PRIu64 " inferred from a typed parent, of %" PRIu64
	       "; scanned conservatively: %" PRIu64 " objects\n",
	       h->typed_objects, h->inferred_objects, h->reachable_objects, h->conservative_objects);
	if (h->layout_from_table || h->no_symbols)
		printf("binary: %s%s%s\n", h->layout_from_table ? "no DWARF: struct layouts from the release's table" : "",
		       h->layout_from_table && h->no_symbols ? "; " : "",
		       h->no_symbols ? "no symbol table: globals are named by section+offset, one root per word" : "");
	if (h->partial)
		printf("PARTIAL: parts of the heap could not be read (see the warnings)\n");
	printf("\nroots retaining the most:\n");
	printf("%12s %10s  %-9s %s\n", "retained", "objects", "kind", "root -> types down its largest branch");
	size_t shown = 0;
	uint64_t rest_b = 0, rest_o = 0, nrest = 0;
	for (size_t i = 0; i < h->nroots; i++) {
		const struct cr_heap_root *r = &h->roots[i];
		if (!r->retained_bytes)
			continue;
		if (shown >= top) {
			rest_b += r->retained_bytes;
			rest_o += r->retained_objects;
			nrest++;
			continue;
		}
		shown++;
		cr_units_bytes(a, sizeof a, (int64_t)r->retained_bytes);
		printf("%12s %10" PRIu64 "  %-9s ", a, r->retained_objects, cr_heap_root_kind_name(r->kind));
		cr_fputs_safe(stdout, r->name);
		if (r->function) {
			printf(" (");
			cr_fputs_safe(stdout, r->function);
			printf(")");
		}
		if (r->conservative)
			printf(" [conservative]");
		if (r->path && *r->path) {
			printf(" -> ");
			cr_fputs_safe(stdout, r->path);
		}
		printf("\n");
	}
	if (nrest) {
		cr_units_bytes(a, sizeof a, (int64_t)rest_b);
		printf("%12s %10" PRIu64 "  [%" PRIu64 " other roots]\n", a, rest_o, nrest);
	}
	printf("\ntypes (reachable objects):\n%12s %10s  %s\n", "bytes", "count", "type");
	rest_b = rest_o = nrest = 0;
	for (size_t i = 0; i < h->ntypes; i++) {
		const struct cr_heap_type *t = &h->types[i];
		if (i >= top) {
			rest_b += t->bytes;
			rest_o += t->count;
			nrest++;
			continue;
		}
		cr_units_bytes(a, sizeof a, (int64_t)t->bytes);
		printf("%12s %10" PRIu64 "  ", a, t->count);
		cr_fputs_safe(stdout, t->type);
		printf("\n");
	}
	if (nrest) {
		cr_units_bytes(a, sizeof a, (int64_t)rest_b);
		printf("%12s %10" PRIu64 "  [%" PRIu64 " other types]\n", a, rest_o, nrest);
	}
}

static void print_json(const struct cr_heap *h)
{
	struct cr_json j;
	cr_json_init(&j, stdout, true);
	cr_json_obj(&j);
	cr_json_kstr(&j, "go_version", h->go_version ? h->go_version : "");
	cr_json_kint(&j, "heap_bytes", (int64_t)h->reachable_bytes);
	cr_json_kint(&j, "objects", (int64_t)h->reachable_objects);
	cr_json_kint(&j, "unreachable_bytes", (int64_t)h->unreachable_bytes);
	cr_json_kint(&j, "unreachable_objects", (int64_t)h->unreachable_objects);
	cr_json_key(&j, "heap_alloc");
	if (h->have_heap_alloc)
		cr_json_int(&j, (int64_t)h->heap_alloc);
	else
		cr_json_null(&j);
	cr_json_kint(&j, "typed_objects", (int64_t)h->typed_objects);
	cr_json_kint(&j, "inferred_objects", (int64_t)h->inferred_objects);
	cr_json_kint(&j, "conservative_objects", (int64_t)h->conservative_objects);
	cr_json_key(&j, "partial");
	cr_json_bool(&j, h->partial);
	cr_json_kstr(&j, "layout", h->layout_from_table ? "table" : "dwarf");
	cr_json_key(&j, "symbols");
	cr_json_bool(&j, !h->no_symbols);
	cr_json_key(&j, "roots");
	cr_json_arr(&j);
	for (size_t i = 0; i < h->nroots; i++) {
		const struct cr_heap_root *r = &h->roots[i];
		if (!r->retained_bytes)
			continue;
		cr_json_obj(&j);
		cr_json_kstr(&j, "kind", cr_heap_root_kind_name(r->kind));
		cr_json_kstr(&j, "name", r->name);
		if (r->kind == CR_ROOT_STACK) {
			cr_json_kint(&j, "goroutine", r->goroutine);
			cr_json_kstr(&j, "function", r->function ? r->function : "");
		}
		cr_json_kstr(&j, "type", r->path ? r->path : "");
		cr_json_kint(&j, "retained_bytes", (int64_t)r->retained_bytes);
		cr_json_kint(&j, "retained_objects", (int64_t)r->retained_objects);
		cr_json_key(&j, "conservative");
		cr_json_bool(&j, r->conservative);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "types");
	cr_json_arr(&j);
	for (size_t i = 0; i < h->ntypes; i++) {
		cr_json_obj(&j);
		cr_json_kstr(&j, "type", h->types[i].type);
		cr_json_kint(&j, "count", (int64_t)h->types[i].count);
		cr_json_kint(&j, "bytes", (int64_t)h->types[i].bytes);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

int cmd_heap(int argc, char **argv)
{
	static const struct cmd_spec spec = {
		.name = "heap",
		.usage = "coroner heap [options] BINARY CORE",
		.about =
"Read the Go heap of a core dump with the binary that produced it: every\n"
"allocated object (typed where the runtime records a type: go1.22+ malloc\n"
"headers and large spans), the roots that reference them (globals by\n"
"symbol, goroutine stacks, finalizers and cleanups), what is reachable, and\n"
"what each root retains (its dominator subtree: objects reachable only\n"
"through it). Ranked roots with the types down their largest branch, a\n"
"histogram by type, and the totals set against runtime.MemStats.HeapAlloc.\n"
"Objects allocated but no longer reachable (garbage not yet swept) are\n"
"counted apart. A binary built with -ldflags='-s -w' is read with the\n"
"release's struct layouts (go1.19, go1.21 to go1.27), its globals named by\n"
"section and offset (\"bss+0x1a0\").\n",
		.epilogue =
"JSON: {\"go_version\", \"heap_bytes\" (reachable), \"objects\" (reachable),\n"
"\"unreachable_bytes\", \"unreachable_objects\", \"heap_alloc\", \"partial\",\n"
"\"layout\": \"dwarf\"|\"table\", \"symbols\": true|false,\n"
"\"roots\": [{\"kind\": \"global\"|\"stack\"|\"finalizer\"|\"runtime\", \"name\",\n"
"\"goroutine\", \"function\", \"type\", \"retained_bytes\", \"retained_objects\",\n"
"\"conservative\"}], \"types\": [{\"type\", \"count\", \"bytes\"}]}.\n"
"\n"
"examples:\n"
"  coroner heap ./server core.1234\n"
"  coroner heap --paths=main.session ./server core.1234\n"
"  coroner heap -o refs.pb.gz ./server core.1234 && go tool pprof -top refs.pb.gz\n",
	};
	enum cr_format fmt = CR_FMT_TEXT;
	const char *paths = NULL, *out = NULL;
	int64_t maxpaths = 10, top = 20, maxobj = 0;
	struct cmd_option opts[] = {
		OPT_STRING(0, "paths", &paths, "TYPE|ADDR",
			   "print the shortest retainer path of each object of TYPE (as in the type histogram) "
			   "or of the object holding ADDR (0x...), root first"),
		OPT_INT("max-paths", &maxpaths, "N", "objects whose paths --paths prints (default 10)", 0,
			INT64_MAX, NULL),
		OPT_OUTPUT(&out, "OUT.pb.gz", "write a pprof profile of references: one sample per retention "
			   "path, root outermost, values inuse_objects and inuse_space"),
		OPT_INT("nodecount", &top, "N", "roots and types shown in text output (default 20)", 0,
			INT64_MAX, NULL),
		OPT_INT("max-objects", &maxobj, "N", "object slots accepted before giving up (exit 3; "
			"default 100000000)", 1, INT64_MAX, "--max-objects takes a positive number"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_END(),
	};
	int argi;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argc - argi != 2)
		return cmd_usage_error("heap", "expected BINARY and CORE");
	const char *binpath = argv[argi], *corepath = argv[argi + 1];
	struct cr_heap_opts ho = { 0 };
	ho.max_objects = (size_t)maxobj;

	struct cr_error e = { 0 };
	struct cr_gocore gc;
	struct cr_heap h;
	int rc = 0;
	memset(&gc, 0, sizeof gc);
	memset(&h, 0, sizeof h);
	bool heap_open = false;
	cmd_progress("reading core %s", corepath);
	enum cr_err r = cr_gocore_open(&gc, binpath, corepath, &e);
	if (gc.core_open)
		cmd_warnings(cr_buf_str(&gc.core.warn));
	if (gc.gort_open)
		cmd_warnings(cr_buf_str(&gc.g.warn));
	if (r) {
		cmd_progress_done();
		rc = cmd_error(&e);
		goto done;
	}
	cmd_progress("reading the heap");
	r = cr_heap_open(&h, &gc.g, &gc.core, gc.bin, &ho, &e);
	heap_open = true;
	cmd_progress_done();
	cmd_warnings(cr_buf_str(&h.warn));
	if (r) {
		rc = cmd_error(&e);
		goto done;
	}
	if (out) {
		struct cr_profile p;
		if (cr_profile_init(&p)) {
			cr_fail(&e, CR_NOMEM, "out of memory");
			rc = cmd_error(&e);
			goto done;
		}
		if (cr_heap_profile(&h, &p, &e) || cr_profile_write_pprof(&p, out, &e))
			rc = cmd_error(&e);
		cr_profile_release(&p);
		if (rc)
			goto done;
	}
	if (paths) {
		struct cr_buf buf = { 0 };
		size_t n = 0;
		if (cr_heap_paths(&h, paths, (size_t)maxpaths, &buf, &n, &e)) {
			cr_buf_release(&buf);
			rc = cmd_error(&e);
			goto done;
		}
		if (fmt == CR_FMT_JSON) {
			struct cr_json j;
			cr_json_init(&j, stdout, true);
			cr_json_obj(&j);
			cr_json_kstr(&j, "query", paths);
			cr_json_kint(&j, "objects", (int64_t)n);
			cr_json_key(&j, "paths");
			cr_json_arr(&j);
			const char *s = cr_buf_str(&buf);
			while (*s) {
				const char *nl = strchr(s, '\n');
				size_t len = nl ? (size_t)(nl - s) : strlen(s);
				cr_json_strn(&j, s, len);
				s += len + (nl ? 1 : 0);
			}
			cr_json_arr_end(&j);
			cr_json_obj_end(&j);
			cr_json_end(&j);
		} else {
			printf("%zu object%s; shortest retainer paths%s:\n", n, n == 1 ? "" : "s",
			       n > (size_t)maxpaths ? " of the first ones" : "");
			const char *s = cr_buf_str(&buf);
			while (*s) {
				const char *nl = strchr(s, '\n');
				size_t len = nl ? (size_t)(nl - s) : strlen(s);
				char *line = cr_strndup(s, len);
				if (line)
					cr_fputs_safe(stdout, line);
				printf("\n");
				cr_free(line);
				s += len + (nl ? 1 : 0);
			}
		}
		cr_buf_release(&buf);
	} else if (fmt == CR_FMT_JSON) {
		print_json(&h);
	} else {
		print_text(&h, (size_t)top);
	}
	rc = cmd_finish(0);
done:
	if (heap_open)
		cr_heap_release(&h);
	cr_gocore_close(&gc);
	return rc;
}
