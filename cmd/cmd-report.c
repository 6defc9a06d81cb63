/* coroner report: one diagnosis of one or more captures. */
#include "cmd.h"
#include "options.h"
#include "coroner/outfile.h"
#include "coroner/report.h"
#include "report-render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cmd_spec spec = {
	.name = "report",
	.usage = "coroner report [--format=text|json|html] [-o FILE] CAPTURE [CAPTURE...]",
	.about =
"Diagnose what was captured from a sick Go process: read every file of each\n"
"capture (recognised by content, gzip/zstd or not), run every analysis the\n"
"files allow and print findings ranked by severity, each with its evidence\n"
"and a next step. A CAPTURE is a directory, or a list of files; a file whose\n"
"kind is already in the current list starts the next capture. Give captures\n"
"oldest first: growth is read from the first to the last. A directory of\n"
"capture directories gives one capture each, ordered by the profiles' times.\n"
"\n"
"Files used: heap and allocs profiles (protobuf or debug=1), goroutine dumps\n"
"(protobuf, debug=1, debug=2, panic, SIGQUIT), /proc/PID/smaps_rollup, smaps,\n"
"status, cgroup memory.stat, MemStats JSON, GODEBUG=gctrace=1 logs, an ELF\n"
"core with its binary, and (by name) the cgroup files memory.events,\n"
"memory.max, memory.peak, memory.current (v2), memory.oom_control,\n"
"memory.limit_in_bytes, memory.max_usage_in_bytes, memory.usage_in_bytes,\n"
"memory.failcnt (v1), a kernel log (dmesg, journalctl -k) with an OOM-killer\n"
"report, race-detector reports (WARNING: DATA RACE, from a -race build). A\n"
"binary given on its own serves every capture (it names the map frames a\n"
"Go <= 1.23 debug=1 heap profile hides).\n"
"\n"
"findings (kind: subject):\n"
"  inputs_mismatch  pid, process, build_id or time: files that do not agree\n"
"  crash            the function that panicked or faulted, with its stack\n"
"  data_race        the functions of the two accesses of a race report, once\n"
"                   per pair of stacks (how often, goroutines, stacks)\n"
"  oom_kill         cgroup or system: the kernel's OOM killer ended a process\n"
"                   (who, with how much, the limit, the Go heap at the end)\n"
"  goroutine_leak   the function where goroutines pile up across captures\n"
"  rss_gap          the RSS component beyond the Go heap that explains most\n"
"                   (non_go_anon, go_heap_idle, go_stacks, ...)\n"
"  heap_growth      the function whose in-use heap grew most (with a core:\n"
"                   the roots retaining the most: who keeps it)\n"
"  retained_by      the root retaining the most of a core's Go heap (as\n"
"                   coroner heap); leaks then say what their stacks retain\n"
"  map_growth       the function whose map assignments allocate > 15%\n"
"  alloc_hotspot    the function allocating the largest share of bytes\n"
"  gc_pressure      gc: GC running too often or taking too much CPU\n"
"Functions are the innermost frame of your code (outside the runtime and\n"
"the standard library) of each stack.\n",
	.epilogue =
"examples:\n"
"  coroner report testdata/capture/before testdata/capture/after\n"
"  coroner report testdata/capture    (its before/ and after/, and the binary)\n"
"  coroner report ./server core.1234 goroutines.txt\n"
"  coroner report --format=json /var/tmp/capture-0900 /var/tmp/capture-0930\n"
"  coroner report --format=html -o incident.html testdata/capture\n"
"  coroner report heap-1.pb.gz goroutines-1.txt heap-2.pb.gz goroutines-2.txt\n",
};

static void progress(void *ctx, const char *what)
{
	(void)ctx;
	cmd_progress("reading %s", what);
}

/* ---- text ---- */

struct style {
	const char *bold, *dim, *red, *yellow, *cyan, *green, *off;
};

static const char *sev_color(const struct style *s, enum cr_fsev v)
{
	return v == CR_FSEV_HIGH ? s->red : v == CR_FSEV_MEDIUM ? s->yellow : s->cyan;
}

/* Print text wrapped at 80 columns, every line indented by ind. */
static void wrap(FILE *out, const char *text, int ind, int first_used)
{
	struct cr_buf b = { 0 };
	cr_escape_text(&b, text, strlen(text), 4096);
	const char *s = cr_buf_str(&b);
	int col = first_used;
	if (col < ind) {
		fprintf(out, "%*s", ind - col, "");
		col = ind;
	}
	bool line_start = true;
	while (*s) {
		size_t w = strcspn(s, " ");
		if (!line_start && col + 1 + (int)w > 79) {
			fprintf(out, "\n%*s", ind, "");
			col = ind;
			line_start = true;
		}
		if (!line_start) {
			putc(' ', out);
			col++;
		}
		fwrite(s, 1, w, out);
		col += (int)w;
		line_start = false;
		s += w;
		while (*s == ' ')
			s++;
	}
	putc('\n', out);
	cr_buf_release(&b);
}

void report_fact_value(const struct cr_fact *f, char *b, size_t n)
{
	switch (f->kind) {
	case CR_FACT_BYTES: {
		char u[48];
		cr_units_bytes(u, sizeof u, f->i);
		if (f->i >= 1024 || f->i <= -1024)
			snprintf(b, n, "%s (%" PRId64 " B)", u, f->i);
		else
			snprintf(b, n, "%s", u);
		break;
	}
	case CR_FACT_INT: snprintf(b, n, "%" PRId64, f->i); break;
	case CR_FACT_PCT: snprintf(b, n, "%.1f%%", f->d); break;
	case CR_FACT_DOUBLE: snprintf(b, n, "%.3g", f->d); break;
	case CR_FACT_STR: snprintf(b, n, "%s", f->s ? f->s : ""); break;
	}
}

static void print_table(FILE *out, const struct cr_table *t, int ind)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return;
	cr_table_print_text(t, m);
	fclose(m);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		while (n && line[n - 1] == ' ')
			n--;
		fprintf(out, "%*s%.*s\n", ind, "", (int)n, line);
		line = nl ? nl + 1 : line + strlen(line);
	}
	free(buf);
}

void report_when(int64_t nanos, char *b, size_t n)
{
	time_t t = (time_t)(nanos / 1000000000);
	struct tm tm;
	if (nanos <= 0 || !gmtime_r(&t, &tm) || !strftime(b, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(b, n, "time unknown");
}

static void print_text(const struct cr_report *r, bool quiet, FILE *out)
{
	struct style st = { "", "", "", "", "", "", "" };
	if (out == stdout && cmd_color()) /* never into an -o file */
		st = (struct style){ "\033[1m", "\033[2m", "\033[1;31m", "\033[1;33m", "\033[1;36m", "\033[32m", "\033[0m" };
	size_t nfiles = 0, nused = 0;
	for (size_t i = 0; i < r->in.ncaps; i++)
		for (size_t k = 0; k < r->in.caps[i].nfiles; k++) {
			nfiles++;
			nused += !r->in.caps[i].files[k].problem;
		}
	fprintf(out, "%scoroner report%s: %zu capture%s, %zu file%s read", st.bold, st.off, r->in.ncaps,
	       r->in.ncaps == 1 ? "" : "s", nused, nused == 1 ? "" : "s");
	if (nused < nfiles)
		fprintf(out, " (%zu not usable)", nfiles - nused);
	putc('\n', out);
	for (size_t i = 0; i < r->in.ncaps; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		char tb[64];
		report_when(c->time_nanos, tb, sizeof tb);
		if (i > 0 && c->time_nanos > 0 && r->in.caps[i - 1].time_nanos > 0)
			memmove(tb, tb + 11, strlen(tb + 11) + 1); /* the date once is enough */
		fprintf(out, "  %zu. ", i + 1);
		cr_fputs_safe(out, c->path);
		if (c->nfiles > 1 && c->path_is_file)
			fprintf(out, " +%zu", c->nfiles - 1); /* a list of files, named by its first */
		fprintf(out, "%s", st.dim);
		if (c->time_nanos > 0 || c->pid >= 0 || c->process)
			putc(' ', out);
		if (c->time_nanos > 0)
			fprintf(out, " %s", tb);
		if (i > 0 && c->time_nanos > 0 && r->in.caps[i - 1].time_nanos > 0)
			fprintf(out, " (%+.1f s)", (double)(c->time_nanos - r->in.caps[i - 1].time_nanos) / 1e9);
		if (c->pid >= 0)
			fprintf(out, "%s pid %" PRId64, c->time_nanos > 0 ? "," : "", c->pid);
		if (c->process) {
			fprintf(out, " ");
			cr_fputs_safe(out, c->process);
		}
		fprintf(out, "%s\n", st.off);
		/* the files not used, each with its reason */
		for (size_t k = 0; k < c->nfiles; k++) {
			const struct cr_capture_file *f = &c->files[k];
			if (!f->problem)
				continue;
			fprintf(out, "     %snot usable: ", st.dim);
			size_t pl = strlen(f->path);
			if (strncmp(f->problem, f->path, pl) != 0) {
				cr_fputs_safe(out, f->path);
				fprintf(out, ": ");
			}
			cr_fputs_safe(out, f->problem);
			fprintf(out, "%s\n", st.off);
		}
	}
	putc('\n', out);
	if (r->nfindings == 0)
		fprintf(out, "No findings: nothing in these files looks wrong to the analyses that could run.\n\n");
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct cr_rfinding *f = &r->findings[i];
		char head[64];
		snprintf(head, sizeof head, "%-6s", f->severity == CR_FSEV_HIGH ? "HIGH" : f->severity == CR_FSEV_MEDIUM ? "MEDIUM" : "LOW");
		fprintf(out, "%s%s%s %s%s%s  ", sev_color(&st, f->severity), head, st.off, st.bold, f->kind, st.off);
		cr_fputs_safe(out, f->subject);
		putc('\n', out);
		wrap(out, f->summary, 7, 0);
		if (!quiet) {
			int lw = 0;
			for (size_t k = 0; k < f->nfacts; k++) {
				int l = (int)strlen(f->facts[k].label);
				lw = l > lw ? (l > 36 ? 36 : l) : lw;
			}
			for (size_t k = 0; k < f->nfacts; k++) {
				char v[1024];
				report_fact_value(&f->facts[k], v, sizeof v);
				/* labels may be made from directory names: escaped */
				struct cr_buf lb = { 0 };
				cr_escape_text(&lb, f->facts[k].label, strlen(f->facts[k].label), 256);
				fprintf(out, "%s       %-*s%s  ", st.dim, lw, cr_buf_str(&lb), st.off);
				int ll = (int)lb.len;
				cr_buf_release(&lb);
				wrap(out, v, 7 + lw + 2, 7 + (ll > lw ? ll : lw) + 2);
			}
			for (size_t k = 0; k < f->ntables; k++) {
				if (f->tables[k].t.nrows == 0)
					continue;
				fprintf(out, "%s       ", st.dim);
				cr_fputs_safe(out, f->tables[k].title);
				fprintf(out, ":%s\n", st.off);
				print_table(out, &f->tables[k].t, 9);
			}
		}
		if (*f->next_step) {
			fprintf(out, "%s       next:%s", st.green, st.off);
			wrap(out, f->next_step, 13, 12);
		}
		putc('\n', out);
	}
	if (!quiet && r->notes.len) {
		fprintf(out, "%salso checked:%s\n", st.dim, st.off);
		const char *s = cr_buf_str(&r->notes);
		while (*s) {
			size_t n = strcspn(s, "\n");
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)n, s);
			fprintf(out, "%s  -", st.dim);
			wrap(out, line, 4, 3);
			fprintf(out, "%s", st.off);
			s += n + (s[n] == '\n');
		}
		putc('\n', out);
	}
	size_t nh = 0, nm = 0, nl = 0;
	for (size_t i = 0; i < r->nfindings; i++) {
		if (r->findings[i].severity == CR_FSEV_HIGH)
			nh++;
		else if (r->findings[i].severity == CR_FSEV_MEDIUM)
			nm++;
		else
			nl++;
	}
	fprintf(out, "%s%zu finding%s%s", st.bold, r->nfindings, r->nfindings == 1 ? "" : "s", st.off);
	const char *sep = " (";
	if (nh)
		fprintf(out, "%s%s%zu high%s", sep, sev_color(&st, CR_FSEV_HIGH), nh, st.off), sep = ", ";
	if (nm)
		fprintf(out, "%s%s%zu medium%s", sep, sev_color(&st, CR_FSEV_MEDIUM), nm, st.off), sep = ", ";
	if (nl)
		fprintf(out, "%s%s%zu low%s", sep, sev_color(&st, CR_FSEV_LOW), nl, st.off), sep = ", ";
	fprintf(out, "%s in %zu capture%s, %zu file%s\n", *sep == ',' ? ")" : "", r->in.ncaps,
	       r->in.ncaps == 1 ? "" : "s", nused, nused == 1 ? "" : "s");
}

/* ---- JSON ---- */

void report_print_json(const struct cr_report *r, FILE *out)
{
	struct cr_json j;
	char tb[64];
	cr_json_init(&j, out, true);
	cr_json_obj(&j);
	cr_json_key(&j, "captures");
	cr_json_arr(&j);
	for (size_t i = 0; i < r->in.ncaps; i++) {
		const struct cr_capture *c = &r->in.caps[i];
		cr_json_obj(&j);
		cr_json_kstr(&j, "path", c->path);
		cr_json_key(&j, "pid");
		if (c->pid >= 0)
			cr_json_int(&j, c->pid);
		else
			cr_json_null(&j);
		cr_json_key(&j, "process");
		if (c->process)
			cr_json_str(&j, c->process);
		else
			cr_json_null(&j);
		cr_json_key(&j, "time");
		if (c->time_nanos > 0) {
			time_t t = (time_t)(c->time_nanos / 1000000000);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", &tm);
			cr_json_str(&j, tb);
		} else {
			cr_json_null(&j);
		}
		cr_json_key(&j, "ledger");
		const struct cr_capledger *l = r->ledgers ? &r->ledgers[i] : NULL;
		if (l && l->have) {
			cr_json_obj(&j);
			cr_json_kint(&j, "rss", l->rss);
			cr_json_kstr(&j, "rss_source", l->rss_source);
			cr_json_key(&j, "components");
			cr_json_obj(&j);
			for (int k = 0; k < CR_C_COUNT; k++)
				cr_json_kint(&j, cr_component_name((enum cr_component)k), l->comp[k]);
			cr_json_obj_end(&j);
			cr_json_obj_end(&j);
		} else {
			cr_json_null(&j);
		}
		cr_json_key(&j, "files");
		cr_json_arr(&j);
		for (size_t k = 0; k < c->nfiles; k++) {
			const struct cr_capture_file *f = &c->files[k];
			cr_json_obj(&j);
			cr_json_kstr(&j, "path", f->path);
			cr_json_kstr(&j, "kind", f->problem ? "unknown" : cr_kind_name(f->kind));
			if (f->role)
				cr_json_kstr(&j, "role", f->role);
			if (f->problem)
				cr_json_kstr(&j, "problem", f->problem);
			cr_json_obj_end(&j);
		}
		cr_json_arr_end(&j);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_key(&j, "findings");
	cr_json_arr(&j);
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct cr_rfinding *f = &r->findings[i];
		cr_json_obj(&j);
		cr_json_kstr(&j, "kind", f->kind);
		cr_json_kstr(&j, "subject", f->subject);
		cr_json_kstr(&j, "severity", cr_fsev_name(f->severity));
		cr_json_kstr(&j, "summary", f->summary);
		cr_json_key(&j, "evidence");
		cr_json_obj(&j);
		for (size_t k = 0; k < f->nfacts; k++) {
			const struct cr_fact *x = &f->facts[k];
			switch (x->kind) {
			case CR_FACT_BYTES:
			case CR_FACT_INT: cr_json_kint(&j, x->key, x->i); break;
			case CR_FACT_PCT:
			case CR_FACT_DOUBLE: cr_json_kdouble(&j, x->key, x->d); break;
			case CR_FACT_STR: cr_json_kstr(&j, x->key, x->s ? x->s : ""); break;
			}
		}
		for (size_t k = 0; k < f->ntables; k++) {
			cr_json_key(&j, f->tables[k].key);
			cr_table_print_json(&f->tables[k].t, &j);
		}
		cr_json_kstr(&j, "next_step", f->next_step);
		cr_json_obj_end(&j);
		cr_json_obj_end(&j);
	}
	cr_json_arr_end(&j);
	cr_json_obj_end(&j);
	cr_json_end(&j);
}

/* The report in fmt to -o FILE (atomically: a failed run leaves the file
 * as it was) or to stdout. */
static int write_out(const struct cr_report *r, enum cr_format fmt, bool quiet, const char *output)
{
	struct cr_error e = { 0 };
	struct cr_outfile of = { 0 };
	if (!output && fmt == CR_FMT_HTML && cmd_stdout_tty())
		return cmd_usage_error("report", "not writing HTML to a terminal: use -o FILE.html or redirect");
	if (output && cr_outfile_open(&of, output, &e))
		return cmd_error(&e);
	FILE *out = output ? of.f : stdout;
	int rc = 0;
	if (fmt == CR_FMT_HTML) {
		if (report_print_html(r, out, &e))
			rc = cmd_error(&e);
	} else if (fmt == CR_FMT_JSON) {
		report_print_json(r, out);
	} else {
		print_text(r, quiet, out);
	}
	if (output) {
		if (rc)
			cr_outfile_abort(&of);
		else if (cr_outfile_commit(&of, &e))
			rc = cmd_error(&e);
	}
	return rc;
}

int cmd_report(int argc, char **argv)
{
	enum cr_format fmt = CR_FMT_TEXT;
	bool quiet = false;
	const char *output = NULL;
	struct cmd_option opts[] = {
		OPT_FORMAT_ARGH(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON) | CMD_FMT(HTML), "text|json|html",
			   "text for people (default), JSON for scripts: {\"captures\": [...], \"findings\": "
			   "[{\"kind\", \"subject\", \"severity\": \"high|medium|low\", \"summary\", \"evidence\"}]}; "
			   "html: one self-contained page (charts, flame graphs, the JSON embedded) to pass around"),
		OPT_OUTPUT(&output, "FILE", "write there (atomically) instead of stdout"),
		OPT_BOOL('q', "quiet", &quiet, "text: leave out the evidence, headlines only"),
		OPT_END(),
	};
	int argi, rc = 0;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	if (argi >= argc)
		return cmd_usage_error("report", "no capture given (a directory or files)");
	size_t n = (size_t)(argc - argi);
	size_t *starts = calloc(n, sizeof *starts), *counts = calloc(n, sizeof *counts);
	struct cr_report r;
	struct cr_error e = { 0 };
	cr_report_init(&r);
	r.progress = progress;
	r.keep_cores = fmt == CR_FMT_HTML; /* the page lists a core's threads */
	if (!starts || !counts) {
		cr_fail(&e, CR_NOMEM, "out of memory");
		rc = cmd_error(&e);
		goto out;
	}
	const char *const *args = (const char *const *)(argv + argi);
	size_t ng = cr_capture_group_args(args, n, starts, counts);
	for (size_t g = 0; g < ng; g++) {
		if (cr_report_add_capture(&r, args + starts[g], counts[g], &e)) {
			cmd_progress_done();
			if (e.code != CR_EMPTY) {
				rc = cmd_error(&e);
				goto out;
			}
			/* an empty capture is left out; the others can still be analysed */
			cmd_warnings(e.msg);
			cr_error_clear(&e);
		}
	}
	if (r.in.ncaps == 0) {
		cr_fail(&e, CR_EMPTY, "nothing coroner can read in %s", args[0]);
		rc = cmd_error(&e);
		goto out;
	}
	cmd_progress("analysing");
	if (cr_report_run(&r, &e)) {
		cmd_progress_done();
		rc = cmd_error(&e);
		goto out;
	}
	cmd_progress_done();
	cmd_warnings(cr_buf_str(&r.warnings));
	rc = write_out(&r, fmt, quiet, output);
out:
	cmd_progress_done();
	cr_report_release(&r);
	free(starts);
	free(counts);
	return rc;
}
