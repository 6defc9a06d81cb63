/* ELF and pclntab readers against facts recorded by other tools:
 * `file` (class, byte order, machine, type, build ids), `llvm-nm` (function
 * addresses and names), and the Go runtime's own crash traceback (fp - sp of
 * every frame = the pcsp value + the return address slot). Plus hostile
 * variants of real files: each must fail with a clear code, not crash. */
#include "../unit.h"
#include "coroner/binary.h"
#include "coroner/input.h"
#include "coroner/sym.h"
#include "coroner/text.h"

/* memmem without _GNU_SOURCE */
static const char *find_in(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(h + i, needle, k) == 0)
			return h + i;
	return NULL;
}

static char path_buf[4096];

static const char *data(const char *rel)
{
	const char *p = unit_data(rel, path_buf, sizeof path_buf);
	if (!p)
		SKIP("TESTDATA not set");
	return p;
}

static struct cr_binary *open_bin(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof rel, "bin/%s.gz", name);
	struct cr_binary *b = NULL;
	struct cr_error e = { 0 };
	if (cr_binary_open(&b, data(rel), &e)) {
		fprintf(stderr, "%s\n", e.msg);
		SKIP("test binary missing");
	}
	return b;
}

/* testdata/bin/expected/binaries.file.txt: one `file` line per binary */
static void test_file_facts(void)
{
	struct cr_input in;
	struct cr_error e = { 0 };
	if (cr_input_open(&in, data("bin/expected/binaries.file.txt"), 0, &e))
		SKIP("no binaries.file.txt");
	struct cr_lines it;
	cr_lines_init(&it, in.data, in.len);
	const char *l;
	size_t n;
	bool cut;
	int seen = 0;
	while (cr_lines_next(&it, &l, &n, 1 << 16, &cut)) {
		char line[2048], name[64];
		snprintf(line, sizeof line, "%.*s", (int)n, l);
		const char *colon = strchr(line, ':');
		if (!colon)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(colon - line), line);
		struct cr_binary *b = open_bin(name);
		seen++;
		CHECK_EQ_INT(b->is64, strstr(line, "64-bit") != NULL);
		CHECK_EQ_INT(b->big_endian, strstr(line, "MSB") != NULL);
		CHECK_EQ_STR(cr_binary_arch(b), strstr(line, "aarch64") ? "arm64" : "amd64");
		CHECK_EQ_INT(b->type, strstr(line, "pie executable") ? CR_ET_DYN : CR_ET_EXEC);
		const char *g = strstr(line, "Go BuildID=");
		if (g) {
			char want[256];
			snprintf(want, sizeof want, "%.*s", (int)strcspn(g + 11, ", "), g + 11);
			CHECK_EQ_STR(b->go_build_id, want);
		}
		const char *s = strstr(line, "BuildID[sha1]=");
		if (s) {
			char want[256];
			snprintf(want, sizeof want, "%.*s", (int)strcspn(s + 14, ", "), s + 14);
			CHECK_EQ_STR(b->gnu_build_id, want);
		}
		bool stripped = strstr(line, ", stripped") != NULL;
		CHECK_EQ_INT(cr_binary_nsymbols(b) == 0, stripped);
		cr_binary_close(b);
	}
	CHECK(seen >= 7);
	cr_input_close(&in);
}

/* llvm-nm --print-size -n gosym: every sized Go text symbol is a pclntab
 * function with that entry and name (assembly functions are NAME.abi0 in
 * the symbol table and NAME in the pclntab). The stripped build (same
 * .text) must give the same answers from its pclntab alone. */
static void test_pclntab_vs_nm(void)
{
	struct cr_binary *b = open_bin("gosym"), *bs = open_bin("gosym-stripped");
	struct cr_pclntab *t = NULL, *ts = NULL;
	struct cr_error e = { 0 };
	CHECK_EQ_INT(cr_pclntab_open(b, &t, &e), CR_OK);
	CHECK_EQ_INT(cr_pclntab_open(bs, &ts, &e), CR_OK);
	if (!t || !ts)
		return;
	CHECK_EQ_INT(cr_pclntab_version(t), 118); /* Go 1.19.8 writes the 1.18 layout */
	CHECK_EQ_INT(cr_pclntab_ptrsize(t), 8);
	CHECK_EQ_INT(cr_pclntab_quantum(t), 1);
	uint64_t g1 = 0, g2 = 0;
	CHECK(cr_pclntab_gofunc(t, &g1));
	CHECK(cr_pclntab_gofunc(ts, &g2)); /* found through moduledata */
	CHECK_EQ_INT(g1, 0x4b5178);        /* llvm-nm: go.func.* */
	CHECK_EQ_INT(g2, g1);
	CHECK_EQ_INT(cr_pclntab_text_start(t), 0x401000); /* llvm-nm: runtime.text */

	struct cr_input in;
	if (cr_input_open(&in, data("bin/expected/gosym.nm.txt"), 0, &e))
		SKIP("no gosym.nm.txt");
	struct cr_lines it;
	cr_lines_init(&it, in.data, in.len);
	const char *l;
	size_t n;
	bool cut;
	int funcs = 0, bad = 0;
	while (cr_lines_next(&it, &l, &n, 1 << 16, &cut)) {
		size_t i = 0;
		uint64_t addr, size;
		if (!cr_parse_hex(l, n, &i, &addr) || i >= n || l[i] != ' ')
			continue;
		i++;
		if (!cr_parse_hex(l, n, &i, &size) || i + 3 > n || (l[i + 1] != 'T' && l[i + 1] != 't') || !size)
			continue;
		char name[512];
		snprintf(name, sizeof name, "%.*s", (int)(n - i - 3), l + i + 3);
		size_t nl = strlen(name);
		if (nl > 5 && strcmp(name + nl - 5, ".abi0") == 0)
			name[nl - 5] = 0;
		/* the linker names array equality functions type..eq.[N]T in the
		 * symbol table and type..eq.[...]T in the pclntab */
		if (strncmp(name, "type..eq.[", 10) == 0 && strchr(name, ']')) {
			char tmp[512];
			snprintf(tmp, sizeof tmp, "type..eq.[...]%s", strchr(name, ']') + 1);
			snprintf(name, sizeof name, "%s", tmp);
		}
		struct cr_gofunc f, fs;
		bool ok = cr_pclntab_find_func(t, addr + size - 1, &f);
		bool oks = cr_pclntab_find_func(ts, addr, &fs);
		if (!ok || f.entry != addr || strcmp(f.name, name) != 0 || !oks || fs.entry != addr ||
		    strcmp(fs.name, name) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "nm %s at 0x%llx: pclntab says %s at 0x%llx\n", name,
					(unsigned long long)addr, ok ? f.name : "-", ok ? (unsigned long long)f.entry : 0ULL);
		}
		funcs++;
	}
	cr_input_close(&in);
	CHECK(funcs > 1500);
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(cr_pclntab_nfuncs(t), cr_pclntab_nfuncs(ts));
	struct cr_gofunc f;
	CHECK(cr_pclntab_func_by_name(ts, "main.main", &f));
	const struct cr_elf_symbol *mm = cr_binary_symbol_by_name(b, "main.main");
	CHECK(mm && f.entry == mm->value);
	/* several names in one scan, a repeated and a missing one among them:
	 * entries as the ELF symbol table has them */
	const char *names[] = { "runtime.main", "no.such.func", "main.main", "runtime.main" };
	struct cr_gofunc fs4[4];
	bool found[4];
	CHECK_EQ_INT(cr_pclntab_funcs_by_name(ts, names, 4, fs4, found), 3);
	CHECK(found[0] && !found[1] && found[2] && found[3]);
	for (size_t k = 0; k < 4; k++) {
		const struct cr_elf_symbol *y = cr_binary_symbol_by_name(b, names[k]);
		CHECK(found[k] == (y != NULL));
		if (found[k] && y)
			CHECK(fs4[k].entry == y->value && strcmp(fs4[k].name, names[k]) == 0);
	}
	CHECK(!cr_pclntab_find_func(t, 0x1000, &f));
	cr_pclntab_close(t);
	cr_pclntab_close(ts);
	cr_binary_close(b);
	cr_binary_close(bs);
}

/* crash.txt (GOTRACEBACK=crash): the runtime computes fp = sp + pcsp(pc) +
 * 8 on amd64 (return address slot); so fp - sp - 8 is the pcsp value at the
 * printed pc, for every frame. */
static void test_pcsp_vs_traceback(const char *bin, const char *tb, const char *maps)
{
	struct cr_binary *b = open_bin(bin);
	struct cr_pclntab *t = NULL;
	struct cr_error e = { 0 };
	CHECK_EQ_INT(cr_pclntab_open(b, &t, &e), CR_OK);
	int64_t bias = 0;
	struct cr_input in;
	if (maps) {
		char rel[256];
		snprintf(rel, sizeof rel, "bin/%s", maps);
		CHECK_EQ_INT(cr_input_open(&in, data(rel), 0, &e), CR_OK);
		CHECK_EQ_INT(cr_binary_bias_from_maps(b, (const char *)in.data, in.len, NULL, &bias, NULL, 0, &e), CR_OK);
		cr_input_close(&in);
	}
	char rel[256];
	snprintf(rel, sizeof rel, "bin/%s", tb);
	if (cr_input_open(&in, data(rel), 0, &e))
		SKIP("no traceback");
	struct cr_lines it;
	cr_lines_init(&it, in.data, in.len);
	const char *l;
	size_t n;
	bool cut;
	int frames = 0, bad = 0;
	while (t && cr_lines_next(&it, &l, &n, 1 << 16, &cut)) {
		const char *fp = find_in(l, n, " fp="), *sp = find_in(l, n, " sp="), *pc = find_in(l, n, " pc=");
		if (!fp || !sp || !pc)
			continue;
		uint64_t vfp, vsp, vpc;
		size_t i = (size_t)(fp - l) + 4, j = (size_t)(sp - l) + 4, k = (size_t)(pc - l) + 4;
		if (!cr_parse_hex(l, n, &i, &vfp) || !cr_parse_hex(l, n, &j, &vsp) || !cr_parse_hex(l, n, &k, &vpc))
			continue;
		struct cr_gofunc f;
		int32_t sd;
		uint64_t link = vpc - (uint64_t)bias;
		if (!cr_pclntab_find_func(t, link, &f) || !cr_pclntab_spdelta(t, &f, link, &sd) ||
		    (uint64_t)sd + 8 != vfp - vsp) {
			if (bad++ < 5)
				fprintf(stderr, "%s: pc=0x%llx: fp-sp=%llu\n", tb, (unsigned long long)vpc,
					(unsigned long long)(vfp - vsp));
		}
		frames++;
	}
	fprintf(stderr, "%s: %d frames, %d bad\n", tb, frames, bad);
	CHECK(frames >= 50);
	CHECK_EQ_INT(bad, 0);
	cr_input_close(&in);
	cr_pclntab_close(t);
	cr_binary_close(b);
}

/* A copy of a real binary, modified, must fail cleanly. */
static uint8_t *load_copy(const char *name, size_t *len)
{
	char rel[256];
	snprintf(rel, sizeof rel, "bin/%s.gz", name);
	struct cr_input in;
	struct cr_error e = { 0 };
	if (cr_input_open(&in, data(rel), 0, &e))
		SKIP("binary missing");
	uint8_t *p = malloc(in.len);
	memcpy(p, in.data, in.len);
	*len = in.len;
	cr_input_close(&in);
	return p;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_hostile_elf(void)
{
	size_t len;
	uint8_t *orig = load_copy("csym-dwarf4-gz", &len), *p = malloc(len);
	struct cr_binary *b;
	struct cr_error e = { 0 };

	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", "not an elf", 10, &e), CR_FORMAT);
	e = (struct cr_error){ 0 };
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", orig, 40, &e), CR_FORMAT); /* truncated header */
	e = (struct cr_error){ 0 };
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", orig, len - 100, &e), CR_FORMAT); /* shdrs cut */
	e = (struct cr_error){ 0 };

	memcpy(p, orig, len);
	put64(p + 40, (uint64_t)len + 8); /* e_shoff past EOF */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_FORMAT);
	CHECK(strstr(e.msg, "past the end") != NULL);
	e = (struct cr_error){ 0 };

	memcpy(p, orig, len);
	p[60] = 0xff, p[61] = 0xff; /* e_shnum 65535: table overflows the file */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_FORMAT);
	e = (struct cr_error){ 0 };

	/* a section whose size passes the end, and a compressed section that
	 * lies about its size (1 TiB) or whose stream is corrupt */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", orig, len, &e), CR_OK);
	struct cr_elf_section *s = cr_binary_section(b, ".debug_info");
	CHECK(s && (s->flags & CR_SHF_COMPRESSED));
	size_t idx = (size_t)(s - b->sections);
	uint64_t shoff = 0;
	for (int i = 0; i < 8; i++)
		shoff |= (uint64_t)orig[40 + i] << (8 * i);
	uint64_t choff = s->offset;
	cr_binary_close(b);

	memcpy(p, orig, len);
	put64(p + shoff + idx * 64 + 32, (uint64_t)len); /* sh_size */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_FORMAT);
	e = (struct cr_error){ 0 };

	memcpy(p, orig, len);
	put64(p + choff + 8, (uint64_t)1 << 40); /* ch_size 1 TiB */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_OK);
	const uint8_t *d;
	size_t dl;
	s = cr_binary_section(b, ".debug_info");
	size_t before = cr_mem_in_use();
	CHECK_EQ_INT(cr_binary_section_data(b, s, &d, &dl, &e), CR_FORMAT);
	CHECK_EQ_INT(cr_mem_in_use(), before);
	cr_binary_close(b);
	e = (struct cr_error){ 0 };

	memcpy(p, orig, len);
	p[choff + 24 + 10] ^= 0x55; /* corrupt deflate data */
	p[choff + 24 + 11] ^= 0xaa;
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_OK);
	s = cr_binary_section(b, ".debug_info");
	CHECK_EQ_INT(cr_binary_section_data(b, s, &d, &dl, &e), CR_FORMAT);
	cr_binary_close(b);
	e = (struct cr_error){ 0 };

	/* the symbolizer keeps going on a corrupt DWARF: a warning, and the
	 * symbol table names functions (llvm-symbolizer's fallback) */
	memcpy(p, orig, len);
	p[choff + 24 + 10] ^= 0x55;
	p[choff + 24 + 11] ^= 0xaa;
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_OK);
	struct cr_symbolizer *sy = NULL;
	CHECK_EQ_INT(cr_symbolizer_new(&sy, b, &e), CR_OK);
	if (sy) {
		CHECK(strstr(cr_symbolizer_warning(sy), "corrupt compressed data") != NULL);
		const struct cr_elf_symbol *mainsym = cr_binary_symbol_by_name(b, "main");
		struct cr_frame fr[4];
		CHECK(mainsym != NULL);
		if (mainsym) {
			CHECK_EQ_INT(cr_symbolize(sy, mainsym->value + 1, true, fr, 4), 1);
			CHECK_EQ_STR(fr[0].function, "main");
			CHECK_EQ_STR(fr[0].file, ""); /* unknown */
		}
		cr_symbolizer_close(sy); /* closes b */
	}
	e = (struct cr_error){ 0 };

	memcpy(p, orig, len);
	p[choff] = 7; /* unknown ch_type */
	CHECK_EQ_INT(cr_binary_from_memory(&b, "x", p, len, &e), CR_OK);
	s = cr_binary_section(b, ".debug_info");
	CHECK(cr_binary_section_data(b, s, &d, &dl, &e) != CR_OK);
	cr_binary_close(b);
	free(p);
	free(orig);
}

static void test_hostile_pclntab(void)
{
	struct cr_binary *b = open_bin("gosym");
	struct cr_elf_section *s = cr_binary_section(b, ".gopclntab");
	CHECK(s != NULL);
	if (!s)
		return;
	size_t len = s->file_size;
	uint8_t *p = malloc(len);
	struct cr_pclntab *t;
	struct cr_error e = { 0 };

	memcpy(p, b->data + s->offset, len);
	put64(p + 8, (uint64_t)1 << 60); /* nfunc: golang/go#81191 */
	CHECK_EQ_INT(cr_pclntab_parse(p, len, s->addr, 0, NULL, "x", &t, &e), CR_FORMAT);
	e = (struct cr_error){ 0 };

	memcpy(p, b->data + s->offset, len);
	put64(p + 8 + 7 * 8, (uint64_t)len + 1); /* pclnOffset past the end */
	CHECK_EQ_INT(cr_pclntab_parse(p, len, s->addr, 0, NULL, "x", &t, &e), CR_FORMAT);
	e = (struct cr_error){ 0 };

	memcpy(p, b->data + s->offset, len);
	p[0] = 0x12; /* unknown magic */
	CHECK_EQ_INT(cr_pclntab_parse(p, len, s->addr, 0, NULL, "x", &t, &e), CR_UNSUPPORTED);
	e = (struct cr_error){ 0 };

	/* pc-value tables overwritten with 0xff (endless varints): lookups
	 * fail, they do not hang or read past the data */
	memcpy(p, b->data + s->offset, len);
	CHECK_EQ_INT(cr_pclntab_parse(p, len, s->addr, 0, NULL, "x", &t, &e), CR_OK);
	uint64_t pctab = 0;
	for (int i = 0; i < 8; i++)
		pctab |= (uint64_t)p[8 + 6 * 8 + i] << (8 * i);
	uint64_t pcln = 0;
	for (int i = 0; i < 8; i++)
		pcln |= (uint64_t)p[8 + 7 * 8 + i] << (8 * i);
	memset(p + pctab, 0xff, pcln - pctab);
	struct cr_frame fr[8];
	int found = 0;
	for (uint64_t a = 0x401000; a < 0x490000; a += 0x1000) {
		size_t nf = cr_pclntab_frames(t, a, fr, 8);
		found += nf > 0;
		CHECK(nf == 0 || fr[0].line == 0);
	}
	CHECK(found > 0);
	cr_pclntab_close(t);
	free(p);
	cr_binary_close(b);
}

/* cr_profile_symbolize_file on a profile whose locations carry only
 * addresses: C binaries get llvm-symbolizer's frames (inlines included; the
 * PIE through a mapping at 0x555555554000), Go binaries go tool addr2line's
 * (go tool pprof's objfile symbolizer: physical function, innermost line). */
static void test_profile_symbolize(const char *bin, const char *ref, bool go, uint64_t map_start)
{
	char rel[256], want[4096];
	snprintf(rel, sizeof rel, "bin/expected/%s.addrs", bin);
	struct cr_input ai, ri;
	struct cr_error e = { 0 };
	if (cr_input_open(&ai, data(rel), 0, &e))
		SKIP("no addrs");
	snprintf(rel, sizeof rel, "bin/expected/%s", ref);
	if (cr_input_open(&ri, data(rel), 0, &e))
		SKIP("no reference");
	struct cr_profile p;
	CHECK_EQ_INT(cr_profile_init(&p), CR_OK);
	uint32_t m = 0;
	if (map_start) {
		CHECK_EQ_INT(cr_grow(&p.mappings, &p.cap_mappings, 1, sizeof *p.mappings), CR_OK);
		memset(&p.mappings[0], 0, sizeof p.mappings[0]);
		p.mappings[0].id = 1;
		p.mappings[0].start = map_start;
		p.mappings[0].limit = map_start + 0x100000;
		p.nmappings = 1;
		m = 1;
	}
	struct cr_lines it;
	cr_lines_init(&it, ai.data, ai.len);
	const char *l;
	size_t n;
	bool cut;
	size_t naddr = 0;
	while (cr_lines_next(&it, &l, &n, 4096, &cut)) {
		size_t i = 0;
		uint64_t a;
		if (!cr_parse_hex(l, n, &i, &a))
			continue;
		cr_profile_add_location(&p, ++naddr, a + map_start, m, NULL, 0);
	}
	char path[4096];
	snprintf(rel, sizeof rel, "bin/%s.gz", bin);
	snprintf(path, sizeof path, "%s", data(rel));
	CHECK_EQ_INT(cr_profile_symbolize_file(&p, path, &e), CR_OK);
	/* render as the reference does and compare the whole text */
	struct cr_buf got = { 0 };
	for (size_t k = 0; k < p.nlocations; k++) {
		const struct cr_location *lc = &p.locations[k];
		for (uint32_t j = 0; j < lc->nlines; j++) {
			const struct cr_line *ln = &p.lines[lc->line_start + j];
			const char *fn = cr_line_function_name(&p, ln), *fl = cr_line_file_name(&p, ln);
			if (go)
				cr_buf_addf(&got, "%s\n%s:%lld\n", fn, fl, (long long)ln->line);
			else
				cr_buf_addf(&got, "%s\n%s:%lld\n", fn, fl[0] ? fl : "??", (long long)ln->line);
		}
		if (!go)
			cr_buf_add(&got, "\n", 1);
	}
	/* the llvm reference has :column, which the profile model does not keep */
	struct cr_buf ref_b = { 0 };
	cr_lines_init(&it, ri.data, ri.len);
	while (cr_lines_next(&it, &l, &n, 4096, &cut)) {
		size_t len = n;
		if (!go && n && memchr(l, ':', n)) {
			const char *c2 = NULL;
			for (size_t q = n; q > 0; q--)
				if (l[q - 1] == ':') {
					c2 = l + q - 1;
					break;
				}
			if (c2)
				len = (size_t)(c2 - l);
		}
		cr_buf_add(&ref_b, l, len);
		cr_buf_add(&ref_b, "\n", 1);
	}
	snprintf(want, sizeof want, "%s", bin);
	bool same = got.len == ref_b.len && memcmp(cr_buf_str(&got), cr_buf_str(&ref_b), got.len) == 0;
	if (!same)
		fprintf(stderr, "%s: profile symbolization differs from %s\n", bin, ref);
	CHECK(same);
	CHECK(naddr >= 100);
	cr_buf_release(&got);
	cr_buf_release(&ref_b);
	cr_profile_release(&p);
	cr_input_close(&ai);
	cr_input_close(&ri);
}

/* The four pclntab layouts on tiny tables written by
 * testdata/gen/pclntab-synth.py (fuzz/corpus/pclntab/synth-go*): what the
 * generator encoded must come back. */
static void test_pclntab_layouts(void)
{
	static const unsigned vers[] = { 102, 116, 118, 120 };
	const char *tests = getenv("TESTS");
	if (!tests)
		SKIP("TESTS not set");
	for (size_t v = 0; v < 4; v++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/../fuzz/corpus/pclntab/synth-go%u", tests, vers[v]);
		struct cr_input in;
		struct cr_error e = { 0 };
		if (cr_input_open(&in, path, 0, &e)) {
			fprintf(stderr, "%s\n", e.msg);
			CHECK(0);
			continue;
		}
		struct cr_pclntab *t = NULL;
		CHECK_EQ_INT(cr_pclntab_parse(in.data, in.len, 0x500000, 0x401000, NULL, "synth", &t, &e), CR_OK);
		if (!t) {
			fprintf(stderr, "go%u: %s\n", vers[v], e.msg);
			cr_input_close(&in);
			continue;
		}
		CHECK_EQ_INT(cr_pclntab_version(t), vers[v]);
		CHECK_EQ_INT(cr_pclntab_nfuncs(t), 2);
		struct cr_gofunc f;
		const char *file = NULL;
		int32_t line = 0, sp = -1;
		CHECK(cr_pclntab_find_func(t, 0x401015, &f));
		CHECK_EQ_STR(f.name, "main.a");
		CHECK_EQ_INT(f.entry, 0x401000);
		CHECK_EQ_INT(f.end, 0x401020);
		CHECK(cr_pclntab_line(t, &f, 0x401015, &file, &line));
		CHECK_EQ_STR(file, "a.go");
		CHECK_EQ_INT(line, 11);
		CHECK(cr_pclntab_line(t, &f, 0x40100f, &file, &line));
		CHECK_EQ_INT(line, 10);
		CHECK(cr_pclntab_spdelta(t, &f, 0x401003, &sp));
		CHECK_EQ_INT(sp, 0);
		CHECK(cr_pclntab_spdelta(t, &f, 0x401004, &sp));
		CHECK_EQ_INT(sp, 8);
		CHECK_EQ_INT(f.start_line, vers[v] >= 120 ? 9 : 0);
		CHECK(cr_pclntab_find_func(t, 0x40104f, &f));
		CHECK_EQ_STR(f.name, "main.b");
		CHECK(cr_pclntab_line(t, &f, 0x401020, &file, &line));
		CHECK_EQ_STR(file, "b.go");
		CHECK_EQ_INT(line, 20);
		struct cr_frame fr[4];
		CHECK_EQ_INT(cr_pclntab_frames(t, 0x401030, fr, 4), 1);
		CHECK_EQ_STR(fr[0].function, "main.b");
		CHECK(!cr_pclntab_find_func(t, 0x401050, &f));
		CHECK(!cr_pclntab_find_func(t, 0x400fff, &f));
		CHECK(cr_pclntab_func_by_name(t, "main.b", &f));
		cr_pclntab_close(t);
		cr_input_close(&in);
	}
}

int main(void)
{
	test_file_facts();
	test_pclntab_vs_nm();
	test_pcsp_vs_traceback("gosym", "crash.txt", NULL);
	test_pcsp_vs_traceback("gosym-pie", "crash-pie.txt", "crash-pie.smaps");
	test_hostile_elf();
	test_hostile_pclntab();
	test_pclntab_layouts();
	test_profile_symbolize("csym-dwarf5", "csym-dwarf5.llvm.txt", false, 0);
	test_profile_symbolize("csym-pie", "csym-pie.llvm.txt", false, 0x555555554000);
	test_profile_symbolize("gosym", "gosym.addr2line.txt", true, 0);
	return unit_done();
}
