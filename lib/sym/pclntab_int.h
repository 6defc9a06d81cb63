/* The pclntab reader's state, shared by its files (pclntab.c: the table,
 * its functions and inline trees; pcvalue.c: the pc-value streams). */
#ifndef CORONER_PCLNTAB_INT_H
#define CORONER_PCLNTAB_INT_H
#include "coroner/sym.h"

struct cr_pclntab {
	struct cr_binary *bin;  /* may be NULL */
	const char *name;
	const uint8_t *data;
	size_t len;
	uint64_t addr;
	unsigned version;
	bool be;
	uint8_t quantum, ptrsize;
	uint64_t nfunc, nfiles;
	uint64_t text_start;
	/* offsets into data, each < len */
	size_t funcnametab, cutab, filetab, pctab, pcln, functab;
	size_t functab_size; /* bytes of one functab field */
	bool have_gofunc;
	uint64_t gofunc;
	/* Go 1.2 layout only: which release's _func tail and inline tree */
	bool nfuncdata_i32;     /* Go <= 1.9: nfuncdata is the whole last word */
	uint8_t inl_pcdata, inl_funcdata, inl_size; /* inl_size 0: no tree */
	/* decoded pc-value tables, keyed by table offset (runs are relative
	 * to the function entry, so a table shared by functions decodes once):
	 * a symbolizer asks about many pcs of the same functions */
	struct pcv_run { uint32_t end; int32_t val; } *runs;
	size_t nruns, cap_runs;
	struct pcv_slot { uint32_t off, start, n; } *slots;
	size_t nslots, cap_slots; /* open addressing, cap a power of two */
	bool cache_off;
	/* cache_off: the tables of the function asked about last, decoded
	 * only as far as a pc asked needs (see pcv_inc) */
	struct pcv_inc {
		uint32_t off;          /* table offset; 0: free */
		uint64_t entry;        /* of the function it is decoded for */
		const uint8_t *p;      /* where decoding goes on */
		int64_t v;
		uint64_t cur;          /* absolute pc the runs reach */
		bool first, ended;     /* ended: the stream's end or a corrupt step */
		struct pcv_arun { uint64_t end; int32_t val; } *runs; /* absolute ends */
		size_t n, cap;
	} inc[4];
	unsigned inc_next;
	/* the function found last (sorted lookups ask about it again) */
	struct cr_gofunc last;
	bool have_last;
	size_t str_end; /* a string starting before it ends inside the table */
};

#endif
