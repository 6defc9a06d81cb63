/* Go pclntab (lib/sym/pclntab.c). Two kinds of input:
 *
 * - The table itself (anything not starting "GOPT"), linked at 0x401000:
 *   header, function table, _func records, names, files, and the pc-value
 *   streams of every function reached. No binary: physical frames only.
 *
 * - "GOPT", a selector byte, then a patch of a real Go binary (gobin.h):
 *   the amd64 stripped (selector bit 7 clear) or arm64 test binary of
 *   testdata/bin, opened as coroner opens it (cr_pclntab_open: text start,
 *   funcdata base from go:func.* or the moduledata), with one region
 *   overwritten: the pclntab header or its section header (the table is
 *   then found by symbol or by a scan), or, for the functions of testdata/gen/symprog that have
 *   inlined calls (and runtime.main), the _func record, the pcsp, pcfile,
 *   pcln and inline-index streams, or the inline tree. Then every function
 *   near the patch is walked pc by pc: frames with inlining (what symbolize
 *   and the core tracebacks print), file and line, frame size.
 *
 * Seeds for the patch mode are the regions' own bytes: run any build of this
 * target with FUZZ_PCLNTAB_SEEDS=DIR to write them (fuzz/seed.sh does).
 */
#include "coroner/sym.h"
#include "fuzz.h"
#include "gobin.h"

static struct gobin images[2] = { { .file = "bin/gosym-stripped.gz" }, { .file = "bin/gosym-arm64.gz" } };
/* a region of function fname; its key is the function's entry (0 for the
 * header regions) */
static void add(struct gobin *im, const struct cr_binary *b, uint64_t addr, size_t len, const char *what,
		const char *fname, uint64_t entry)
{
	char w[64];
	snprintf(w, sizeof w, "%s %s", what, fname);
	struct gobin_region *r = gobin_region(im, b, addr, len, w);
	if (r)
		r->key = entry;
}

static void load_image(struct gobin *im)
{
	struct cr_binary *b;
	struct cr_pclntab *t;
	if (!gobin_open(im, &b, &t))
		return;
	struct cr_elf_section *s = cr_binary_section(b, ".gopclntab");
	unsigned ps = cr_pclntab_ptrsize(t);
	uint64_t pctab;
	/* Go 1.18+ header: magic, pad, quantum, ptrsize, then nfunc, nfiles,
	 * textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset */
	if (!s || cr_pclntab_version(t) < 118 || !cr_binary_read_addr(b, s->addr + 8 + 6 * (uint64_t)ps, &pctab)) {
		fprintf(stderr, "fuzz-pclntab: %s: not a Go 1.18+ pclntab\n", im->file);
		exit(1);
	}
	add(im, b, s->addr, 8 + 8 * (size_t)ps, "header", "", 0);
	/* its section header: a pclntab found by symbol or by scanning instead */
	gobin_region_off(im, (size_t)(s - b->sections) * 64 + (size_t)cr_binary_u64(b, im->data + 0x28), 64,
			 "section header gopclntab");
	for (size_t i = 0; i < cr_pclntab_nfuncs(t); i++) {
		struct cr_gofunc f;
		uint64_t tree;
		if (!cr_pclntab_func(t, i, &f) ||
		    (strncmp(f.name, "main.", 5) != 0 && strcmp(f.name, "runtime.main") != 0) ||
		    !cr_pclntab_funcdata(t, &f, CR_FUNCDATA_INLTREE, &tree))
			continue;
		add(im, b, s->addr + f.rec_off, 44 + 4 * ((size_t)f.npcdata + f.nfuncdata), "func", f.name, f.entry);
		add(im, b, s->addr + pctab + f.pcsp, 64, "pcsp", f.name, f.entry);
		add(im, b, s->addr + pctab + f.pcfile, 64, "pcfile", f.name, f.entry);
		add(im, b, s->addr + pctab + f.pcln, 128, "pcln", f.name, f.entry);
		uint32_t inl = cr_pclntab_pcdata_off(t, &f, CR_PCDATA_INLTREEINDEX);
		if (inl)
			add(im, b, s->addr + pctab + inl, 64, "pcinl", f.name, f.entry);
		add(im, b, tree, 128, "inltree", f.name, f.entry);
	}
	cr_pclntab_close(t);
	cr_binary_close(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gobin_init_pair(images, load_image, "FUZZ_PCLNTAB_SEEDS", "GOPT");
	return 0;
}

/* Every query a traceback or symbolize makes, over n pcs of f. */
static void walk(const struct cr_pclntab *t, const struct cr_gofunc *f, size_t n)
{
	struct cr_frame fr[8];
	uint64_t len = f->end > f->entry ? f->end - f->entry : 0, step = len / n + 1;
	for (uint64_t pc = f->entry; pc < f->end && len; pc += step) {
		int32_t v;
		const char *file;
		cr_pclntab_frames(t, pc, fr, 8);
		cr_pclntab_spdelta(t, f, pc, &v);
		cr_pclntab_line(t, f, pc, &file, &v);
		cr_pclntab_pcdata(t, f, CR_PCDATA_UNSAFEPOINT, pc, &v);
	}
}

/* the patched binary's pclntab: the functions around the patch, pc by pc */
static void run_patched(struct cr_binary *b, const struct gobin_region *r)
{
	struct cr_pclntab *t;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_pclntab_open(b, &t, &e);
	fuzz_check_error(rc, &e);
	if (rc != CR_OK)
		return;
	struct cr_gofunc f;
	struct cr_pclntab *u = NULL; /* a clone without cache: streams decoded as far as asked */
	if (r->key && cr_pclntab_find_func(t, r->key, &f)) {
		walk(t, &f, 256);
		if (cr_pclntab_clone(t, false, &u) == CR_OK)
			walk(u, &f, 256);
		/* its neighbours share the streams' neighbourhood */
		struct cr_gofunc g;
		if (f.idx && cr_pclntab_func(t, f.idx - 1, &g))
			walk(t, &g, 16);
		if (cr_pclntab_func(t, f.idx + 1, &g))
			walk(t, &g, 16);
	} else { /* the header: a few functions across the table */
		size_t n = cr_pclntab_nfuncs(t);
		for (size_t i = 0; i < n; i += n / 16 + 1)
			if (cr_pclntab_func(t, i, &f))
				walk(t, &f, 4);
	}
	cr_pclntab_close(u);
	cr_pclntab_close(t);
}

static void table_walk(const struct cr_pclntab *t)
{
	size_t n = cr_pclntab_nfuncs(t);
	struct cr_frame fr[8];
	for (size_t i = 0; i < n && i < 256; i++) {
		struct cr_gofunc f;
		if (!cr_pclntab_func(t, i, &f))
			continue;
		int32_t v;
		const char *file;
		cr_pclntab_spdelta(t, &f, f.entry, &v);
		cr_pclntab_line(t, &f, f.end > f.entry ? f.end - 1 : f.entry, &file, &v);
		cr_pclntab_pcdata(t, &f, CR_PCDATA_INLTREEINDEX, f.entry, &v);
		uint64_t a;
		cr_pclntab_funcdata(t, &f, CR_FUNCDATA_INLTREE, &a);
		cr_pclntab_frames(t, f.entry + (f.end - f.entry) / 2, fr, 8);
	}
	cr_pclntab_frames(t, 0x401000, fr, 8);
}

static void table_mode(const uint8_t *data, size_t size)
{
	struct cr_pclntab *t, *u;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_pclntab_parse(data, size, 0x500000, 0x401000, NULL, "fuzz", &t, &e);
	fuzz_check_error(rc, &e);
	if (rc != CR_OK)
		return;
	table_walk(t);
	/* and through a clone without cache (streams decoded as far as asked) */
	if (cr_pclntab_clone(t, false, &u) == CR_OK)
		table_walk(u);
	cr_pclntab_close(u);
	cr_pclntab_close(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	if (size >= 5 && memcmp(data, "GOPT", 4) == 0)
		gobin_pair_patch_run(images, data + 4, size - 4, run_patched);
	else
		table_mode(data, size);
	fuzz_check_balanced(before);
	return 0;
}
