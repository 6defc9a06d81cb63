/* coroner symbolize: addresses to function, file:line and inlined frames
 * (pclntab for Go, DWARF for C), like llvm-symbolizer; --annotate rewrites a
 * crash log; PROFILE -o OUT names an address-only profile. */
#include "cmd.h"
#include "options.h"
#include "core-c.h"
#include "symbolize.h"
#include "coroner/core.h"
#include "coroner/input.h"
#include "coroner/sym.h"
#include "coroner/text.h"

#include <inttypes.h>
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* memmem without _GNU_SOURCE */
static const char *find_in(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(h + i, needle, k) == 0)
			return h + i;
	return NULL;
}

static const struct cmd_spec spec = {
	.name = "symbolize",
	.usage = "coroner symbolize -e BINARY [options] [ADDR...]\n"
		 "coroner symbolize --core CORE [-e BINARY] [options] [ADDR...]\n"
		 "coroner symbolize -e BINARY --annotate [FILE|-]\n"
		 "coroner symbolize -e BINARY PROFILE -o OUT.pb.gz",
	.about =
"Print the function, file:line and inlined frames of each address, innermost\n"
"frame first, as llvm-symbolizer does. Go binaries are read through their\n"
"pclntab (works on stripped binaries; names and inline call lines are the\n"
"ones the Go runtime prints), C/C++ through DWARF 2-5 (compressed sections\n"
"too). Addresses are hex, with or without 0x, as arguments or one per line\n"
"on stdin.\n"
"\n"
"With --core, addresses are runtime addresses of the process that dumped\n"
"CORE: one in the mapping of BINARY is named through it, one in another\n"
"file the core maps (a shared library; the executable when -e is not given)\n"
"through that file, read under --sysroot=DIR (its build id and first page\n"
"must be the core's), with its separate debug file found as `coroner core`\n"
"finds it (--debug-dir, /usr/lib/debug/.build-id, the debuginfod cache,\n"
".gnu_debuglink).\n",
	.epilogue =
"Text: function, then file:line:column, a blank line after each address\n"
"(llvm-symbolizer's LLVM style; ?? for unknown). JSON: one object per line,\n"
"{\"address\": \"0x4b5a2a\", \"frames\": [{\"function\", \"file\", \"line\"}]},\n"
"innermost first; an unknown address has \"frames\": [].\n"
"\n"
"examples:\n"
"  coroner symbolize -e ./server 0x4b5a2a\n"
"  grep -o 'pc=0x[0-9a-f]*' crash.txt | cut -d= -f2 | \\\n"
"      coroner symbolize -e ./server --return-addresses --maps smaps\n"
"  coroner symbolize -e ./server --annotate crash.txt\n"
"  coroner --sysroot=/ symbolize --core core.1234 0x7f3a1c2a9e8c\n"
"  coroner symbolize -e ./cprog cpu.prof -o cpu.sym.pb.gz\n",
};

/* C++ names are demangled as llvm-symbolizer does (its default), with the
 * C++ runtime's own demangler, loaded when first needed: coroner does not
 * link libstdc++, and without it names stay mangled. libstdc++ writes gcc's
 * clone suffixes as " [clone .isra.0]", llvm as " (.isra.0)": rewritten. */
typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
bool sym_demangle_on = true;

static const char *demangle(const char *name)
{
	static demangle_fn fn;
	static bool tried;
	static struct { const char *in; char *out; } cache[1024];
	if (!sym_demangle_on || name[0] != '_' || name[1] != 'Z')
		return name;
	size_t h = ((uintptr_t)name >> 3) % (sizeof cache / sizeof cache[0]);
	if (cache[h].in == name)
		return cache[h].out ? cache[h].out : name;
	if (!tried) {
		tried = true;
		void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (lib)
			fn = (demangle_fn)(uintptr_t)dlsym(lib, "__cxa_demangle");
	}
	int st = -1;
	char *d = fn ? fn(name, NULL, NULL, &st) : NULL;
	if (d && st == 0) {
		/* " [clone .x]" -> " (.x)" */
		char *c;
		while ((c = strstr(d, " [clone ")) != NULL) {
			char *e = strchr(c, ']');
			if (!e)
				break;
			size_t inner = (size_t)(e - (c + 8));
			c[1] = '(';
			memmove(c + 2, c + 8, inner);
			c[2 + inner] = ')';
			memmove(c + 3 + inner, e + 1, strlen(e + 1) + 1);
		}
	} else {
		free(d);
		d = NULL;
	}
	free(cache[h].out);
	cache[h].in = name;
	cache[h].out = d;
	return d ? d : name;
}

static bool tout_room(struct tout *t, size_t n)
{
	if (t->len + n <= t->cap)
		return true;
	if (t->f && t->len) {
		fwrite_unlocked(t->b, 1, t->len, t->f);
		t->len = 0;
		if (n <= t->cap)
			return true;
	}
	size_t cap = t->cap ? t->cap : 1 << 16;
	while (cap < t->len + n)
		cap *= 2;
	char *nb = realloc(t->b, cap);
	if (!nb) {
		t->fail = true;
		return false;
	}
	t->b = nb;
	t->cap = cap;
	return true;
}

void sym_tout_flush(struct tout *t)
{
	if (t->f && t->len)
		fwrite_unlocked(t->b, 1, t->len, t->f);
	t->len = 0;
}

void sym_tout_put(struct tout *t, const char *s, size_t n)
{
	if (tout_room(t, n)) {
		memcpy(t->b + t->len, s, n);
		t->len += n;
	}
}

/* sep then v in decimal (printf is a tenth of the run time at 100k addresses) */
static void put_u(struct tout *t, char sep, uint32_t v)
{
	char b[16];
	size_t i = sizeof b;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	b[--i] = sep;
	sym_tout_put(t, b + i, sizeof b - i);
}

/* An untrusted name: copied as is when it is printable ASCII (one pass),
 * else escaped as cr_fputs_safe does. */
static void put_name(struct tout *t, const char *s)
{
	size_t n = strlen(s);
	unsigned bad = 0;
	for (size_t i = 0; i < n; i++) /* no early exit: the compiler vectorizes it */
		bad |= (unsigned char)(s[i] - 0x20) >= 0x5f;
	if (!bad) {
		sym_tout_put(t, s, n);
		return;
	}
	struct cr_buf b = { 0 };
	if (cr_escape(&b, s, n, n, CR_ESC_TERM))
		t->fail = true;
	else
		sym_tout_put(t, cr_buf_str(&b), b.len);
	cr_buf_release(&b);
}

/* Frames of addr (a return address with ret): through BINARY, or through
 * the core's file mapping it. */
static size_t resolve_as(struct ctx *c, uint64_t addr, bool ret, struct cr_frame *out, size_t max)
{
	uint64_t at = ret && addr ? addr - 1 : addr;
	if (c->cc && (!c->s || at < c->exe_lo || at >= c->exe_hi))
		return cr_ccore_frames(c->cc, addr, ret, c->inlines, out, max);
	uint64_t link = addr - (uint64_t)c->bias;
	if (ret)
		return cr_symbolize_return(c->s, link, c->inlines, out, max);
	return cr_symbolize(c->s, link, c->inlines, out, max);
}

size_t sym_resolve(struct ctx *c, uint64_t addr, struct cr_frame *out, size_t max)
{
	return resolve_as(c, addr, c->retaddr, out, max);
}

void sym_print_frames(struct ctx *c, struct tout *o, uint64_t addr, const struct cr_frame *frames, size_t n)
{
	if (c->fmt == CR_FMT_JSON) {
		sym_tout_flush(o);
		cr_json_init(&c->j, o->f, false);
		cr_json_obj(&c->j);
		cr_json_key(&c->j, "address");
		cr_json_hex(&c->j, addr);
		cr_json_key(&c->j, "frames");
		cr_json_arr(&c->j);
		for (size_t i = 0; i < n; i++) {
			cr_json_obj(&c->j);
			/* unknown parts are "" as in llvm-symbolizer's JSON */
			const struct cr_frame *f = &frames[i];
			cr_json_kstr(&c->j, "function", *f->function ? demangle(f->function) : "");
			cr_json_kstr(&c->j, "file", f->file);
			cr_json_kint(&c->j, "line", frames[i].line);
			cr_json_obj_end(&c->j);
		}
		cr_json_arr_end(&c->j);
		cr_json_obj_end(&c->j);
		cr_json_end(&c->j);
		return;
	}
	if (n == 0) {
		sym_tout_put(o, "??\n??:0:0\n\n", 11);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		put_name(o, cr_frame_or(demangle(frames[i].function), "??"));
		sym_tout_put(o, "\n", 1);
		put_name(o, cr_frame_or(frames[i].file, "??"));
		put_u(o, ':', (uint32_t)frames[i].line);
		put_u(o, ':', frames[i].column);
		sym_tout_put(o, "\n", 1);
	}
	sym_tout_put(o, "\n", 1);
}

static void print_addr(struct ctx *c, uint64_t addr)
{
	struct tout o = { .f = stdout };
	sym_print_frames(c, &o, addr, c->frames, sym_resolve(c, addr, c->frames, 256));
	sym_tout_flush(&o);
	free(o.b);
}

void sym_print_unparsed(struct ctx *c, struct tout *to, const char *l, size_t n)
{
	FILE *o = to->f;
	if (!o) {
		to->fail = true;
		return;
	}
	sym_tout_flush(to);
	/* llvm-symbolizer echoes what it cannot parse */
	if (c->fmt == CR_FMT_JSON) {
		cr_json_init(&c->j, o, false);
		cr_json_obj(&c->j);
		cr_json_kstr(&c->j, "error", "not a hex address");
		cr_json_key(&c->j, "input");
		cr_json_strn(&c->j, l, n);
		cr_json_obj_end(&c->j);
		cr_json_end(&c->j);
	} else {
		struct cr_buf t = { 0 };
		cr_escape_text(&t, l, n, 256);
		fprintf(o, "%s\n\n", cr_buf_str(&t));
		cr_buf_release(&t);
	}
}

bool sym_parse_addr(const char *s, size_t n, uint64_t *out)
{
	size_t i = cr_skip_ws(s, n, 0);
	if (!cr_parse_hex(s, n, &i, out))
		return false;
	i = cr_skip_ws(s, n, i);
	return i == n;
}

/* --annotate: every "pc=0x..." or bare "0x..." token of at least 4 hex
 * digits whose address lies in a function of the binary gets its frames
 * appended to the line. In a Go traceback every pc is a return address
 * (ADDR-1 is looked up), except the frame right after runtime.sigpanic,
 * whose pc is the faulting instruction itself (the runtime's rule). */
static int annotate(struct ctx *c, const char *path)
{
	struct cr_input in;
	struct cr_error e = { 0 };
	if (cr_input_open(&in, path, 0, &e))
		return cmd_error(&e);
	struct cr_lines it;
	cr_lines_init(&it, in.data, in.len);
	const char *l;
	size_t n;
	bool cut, after_sigpanic = false;
	while (cr_lines_next(&it, &l, &n, cr_limits.max_line, &cut)) {
		fwrite(l, 1, n, stdout);
		if (cr_starts(l, n, "goroutine "))
			after_sigpanic = false;
		bool traceback_pc = false;
		for (size_t i = 0; i + 2 < n; i++) {
			bool pc = i >= 3 && memcmp(l + i - 3, "pc=", 3) == 0;
			if (l[i] != '0' || (l[i + 1] != 'x' && l[i + 1] != 'X'))
				continue;
			if (i > 0 && !pc && (l[i - 1] == '_' || (l[i - 1] >= '0' && l[i - 1] <= '9') ||
					     ((l[i - 1] | 32) >= 'a' && (l[i - 1] | 32) <= 'z') || l[i - 1] == '+'))
				continue;
			size_t k = i;
			uint64_t a;
			if (!cr_parse_hex(l, n, &k, &a) || k - i < 6) {
				i = k > i ? k - 1 : i;
				continue;
			}
			/* a Go frame line: "\tfile:line +0x.. fp=.. sp=.. pc=.." */
			bool go_frame = pc && find_in(l, n, " sp=") != NULL;
			bool ret = c->retaddr || (go_frame && !after_sigpanic);
			uint64_t link = a - (uint64_t)c->bias;
			size_t nf = resolve_as(c, a, ret && (c->cc || link), c->frames, 256);
			if (go_frame) {
				traceback_pc = true;
				after_sigpanic = nf && strcmp(c->frames[nf - 1].function, "runtime.sigpanic") == 0;
			}
			if (nf) {
				printf("  [0x%llx:", (unsigned long long)a);
				for (size_t f = 0; f < nf; f++) {
					fputs(f ? " <- " : " ", stdout);
					cr_fputs_safe(stdout, cr_frame_or(demangle(c->frames[f].function), "??"));
					putchar(' ');
					cr_fputs_safe(stdout, cr_frame_or(c->frames[f].file, "??"));
					printf(":%" PRId64, c->frames[f].line);
					if (c->frames[f].inlined)
						fputs(" (inlined)", stdout);
				}
				putchar(']');
			}
			i = k - 1;
		}
		(void)traceback_pc;
		putchar('\n');
	}
	cr_input_close(&in);
	return 0;
}

static int write_profile(const char *binary, const char *prof, const char *out)
{
	struct cr_profile p;
	struct cr_error e = { 0 };
	struct cr_buf warn = { 0 };
	if (cr_profile_init(&p))
		return cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	enum cr_err rc = cr_profile_load(&p, prof, &warn, &e);
	cmd_warnings(cr_buf_str(&warn));
	cr_buf_release(&warn);
	if (!rc)
		rc = cr_profile_symbolize_file(&p, binary, &e);
	if (!rc)
		rc = cr_profile_write_pprof(&p, out, &e);
	cr_profile_release(&p);
	return rc ? cmd_error(&e) : 0;
}

/* The load bias of the binary from --base, --maps or --core (at most one);
 * 0 or an exit code (printed). */
static int set_bias(struct ctx *c, const char *exe, const char *base, const char *maps, const char *core)
{
	struct cr_error e = { 0 };
	int rc = 0;
	struct cr_binary *b = cr_symbolizer_binary(c->s);
	if (base) {
		size_t i = 0;
		uint64_t v;
		if (!cr_parse_hex(base, strlen(base), &i, &v) || base[i]) {
			rc = cmd_usage_error("symbolize", "--base takes a hex address");
			return rc;
		}
		uint64_t first = UINT64_MAX;
		for (size_t k = 0; k < b->nsegments; k++)
			if (b->segments[k].type == CR_PT_LOAD && b->segments[k].vaddr - b->segments[k].offset < first)
				first = b->segments[k].vaddr - b->segments[k].offset;
		c->bias = (int64_t)(v - (first == UINT64_MAX ? 0 : first));
	} else if (maps) {
		struct cr_input in;
		char chosen[1024];
		if (cr_input_open(&in, maps, 0, &e) ||
		    cr_binary_bias_from_maps(b, (const char *)in.data, in.len, NULL, &c->bias, chosen, sizeof chosen,
					     &e)) {
			if (in.data || e.code != CR_IO)
				cr_input_close(&in);
			return cmd_error(&e);
		}
		cr_input_close(&in);
		/* say which mapping stands for the binary when its name differs */
		const char *cb = strrchr(chosen, '/'), *bb = strrchr(exe, '/');
		cb = cb ? cb + 1 : chosen;
		bb = bb ? bb + 1 : exe;
		if (strncmp(cb, bb, strlen(cb)) != 0 || (bb[strlen(cb)] && strcmp(bb + strlen(cb), ".gz") &&
							 strcmp(bb + strlen(cb), ".zst"))) {
			char msg[1200];
			snprintf(msg, sizeof msg, "using the mapping of %s: its load segments match %s", chosen, exe);
			cmd_warnings(msg);
		}
	} else if (core) {
		/* the mapping with the lowest file offset of a file named like
		 * the binary (a shared library too), else of the executable */
		const struct cr_core *cc = &c->cc->core;
		const char *exe_path = cr_core_exe_path(cc);
		const char *want = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
		size_t wl = strlen(want);
		if (wl > 3 && strcmp(want + wl - 3, ".gz") == 0)
			wl -= 3;
		else if (wl > 4 && strcmp(want + wl - 4, ".zst") == 0)
			wl -= 4;
		const struct cr_core_file *best = NULL;
		for (int pass = 0; pass < 2 && !best; pass++)
			for (size_t k = 0; k < cc->nfiles; k++) {
				const struct cr_core_file *f = &cc->files[k];
				const char *bn = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
				bool match = pass == 0 ? strlen(bn) == wl && strncmp(bn, want, wl) == 0
						       : exe_path && strcmp(f->path, exe_path) == 0;
				if (match && (!best || f->offset < best->offset))
					best = f;
			}
		if (!best)
			return cmd_error((cr_fail(&e, CR_NOTFOUND, "%s: no mapping of the executable in the core's NT_FILE note",
						  cr_input_display_name(core)), &e));
		if (cr_binary_bias_for_mapping(b, best->start, best->offset, &c->bias, &e))
			return cmd_error(&e);
		c->exe_lo = UINT64_MAX;
		for (size_t k = 0; k < cc->nfiles; k++)
			if (strcmp(cc->files[k].path, best->path) == 0) {
				if (cc->files[k].start < c->exe_lo)
					c->exe_lo = cc->files[k].start;
				if (cc->files[k].end > c->exe_hi)
					c->exe_hi = cc->files[k].end;
			}
	}
	return rc;
}

int cmd_symbolize(int argc, char **argv)
{
	const char *exe = NULL, *base = NULL, *maps = NULL, *core = NULL, *out = NULL;
	bool ann = false, retaddr = false, inlines = true;
	enum cr_format fmt = CR_FMT_TEXT;
	struct cmd_debug_dirs debug_dirs = { 0 };
	struct cmd_option opts[] = {
		OPT_STRING('e', "exe", &exe, "BINARY", "the ELF binary (gzip/zstd-compressed is fine)"),
		OPT_ALIAS("obj", "exe"),
		OPT_STRING(0, "base", &base, "ADDR",
			   "runtime address of the binary's first PT_LOAD segment (for PIE / shared objects)"),
		OPT_STRING(0, "maps", &maps, "FILE",
			   "find the load address in a /proc/PID/maps or smaps snapshot of the process"),
		OPT_STRING(0, "core", &core, "CORE", "addresses of the process that dumped CORE: BINARY's "
			   "load address from its mapped-file note (NT_FILE), the other files it maps named "
			   "through themselves (under --sysroot)"),
		OPT_CALLBACK(0, "debug-dir", &debug_dirs, "DIR", "with --core: also look for separate debug "
			     "files in DIR/.build-id/xx/rest.debug and DIR/PATH/DEBUGLINK (repeatable)",
			     cmd_opt_debug_dir),
		OPT_BOOL(0, "return-addresses", &retaddr, "treat addresses as return addresses (look up "
			 "ADDR-1), as pprof and the Go runtime do for caller frames"),
		OPT_CLEAR(0, "no-inlines", &inlines, "only the physical function (with the innermost line)"),
		OPT_CLEAR(0, "no-demangle", &sym_demangle_on, "print C++ names as they are in the binary"),
		OPT_BOOL(0, "annotate", &ann, "copy text (a panic, a crash log) appending the frames of "
			 "every pc=0x... / 0x... token inside the binary"),
		OPT_OUTPUT(&out, "OUT", "with a PROFILE argument: write it symbolized (pprof gz)"),
		OPT_FORMAT(&fmt, CMD_FMT(TEXT) | CMD_FMT(JSON), NULL),
		OPT_NOOP('i', NULL), /* llvm-symbolizer's -i (inlines are on by default) */
		OPT_END(),
	};
	int argi, rc = 0;
	CMD_PARSE_OR_RETURN(&spec, opts, argc, argv, &argi);
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	c->inlines = inlines;
	c->retaddr = retaddr;
	c->fmt = fmt;
	if (!exe && (!core || out || base || maps)) {
		free(c);
		return cmd_usage_error("symbolize", "-e BINARY is required (see --help)");
	}
	if (debug_dirs.n && !core) {
		free(c);
		return cmd_usage_error("symbolize", "--debug-dir goes with --core");
	}
	if (!!base + !!maps + !!core > 1) {
		free(c);
		return cmd_usage_error("symbolize", "--base, --maps and --core exclude each other");
	}
	if (out) {
		if (argi + 1 != argc) {
			free(c);
			return cmd_usage_error("symbolize", "-o takes exactly one PROFILE argument");
		}
		free(c);
		return write_profile(exe, argv[argi], out);
	}
	static char outbuf[1 << 16];
	if (!cmd_stdout_tty())
		setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct cr_error e = { 0 };
	if (exe && cr_symbolizer_open(&c->s, exe, &e)) {
		free(c);
		return cmd_error(&e);
	}
	if (core) {
		c->cc = calloc(1, sizeof *c->cc);
		if (!c->cc) {
			rc = cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
			goto out;
		}
		if (cr_ccore_open_modules(c->cc, core, exe, debug_dirs.dirs, debug_dirs.n, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		cmd_warnings(cr_buf_str(&c->cc->core.warn));
	}
	if (exe && (rc = set_bias(c, exe, base, maps, core)))
		goto out;
	if (ann) {
		const char *in = argi < argc ? argv[argi] : "-";
		if (argi + 1 < argc) {
			rc = cmd_usage_error("symbolize", "--annotate takes one FILE");
			goto out;
		}
		rc = annotate(c, in);
		goto out;
	}
	if (argi < argc) {
		for (int i = argi; i < argc; i++) {
			uint64_t a;
			if (!sym_parse_addr(argv[i], strlen(argv[i]), &a)) {
				rc = cmd_usage_error("symbolize", "'%s' is not a hex address", argv[i]);
				goto out;
			}
			print_addr(c, a);
		}
	} else {
		struct cr_input in;
		if (cr_input_open(&in, "-", 0, &e)) {
			rc = cmd_error(&e);
			goto out;
		}
		rc = sym_stdin(c, in.data, in.len);
		cr_input_close(&in);
	}
out:
	/* a broken DWARF is a warning when other engines answered (it may
	 * only be read on first need, so it is reported at the end) */
	if (c->s && cr_symbolizer_warning(c->s)[0])
		cmd_warnings(cr_symbolizer_warning(c->s));
	cr_symbolizer_close(c->s);
	if (c->cc) {
		fflush(stdout); /* the files of the core that could not be read, after the answers */
		cmd_warnings(cr_buf_str(&c->cc->warn));
		cr_ccore_close(c->cc);
		free(c->cc);
	}
	free(c);
	return rc;
}
