/* Go pclntab (lib/sym/pclntab.c): the input is the table itself, linked at
 * 0x401000: header, function table, _func records, names, files, and the
 * pc-value streams of every function reached. */
#include "coroner/sym.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_pclntab *t;
	struct cr_error e = { 0 };
	enum cr_err rc = cr_pclntab_parse(data, size, 0x500000, 0x401000, NULL, "fuzz", &t, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		size_t n = cr_pclntab_nfuncs(t);
		struct cr_symframe fr[8];
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
		cr_pclntab_close(t);
	}
	fuzz_check_balanced(before);
	return 0;
}
