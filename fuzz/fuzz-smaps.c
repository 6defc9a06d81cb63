/* Memory snapshots: smaps, smaps_rollup, maps, status, memory.stat and
 * MemStats (text block or JSON), detected by content as `coroner mem` does;
 * then the ledger (alone, and joined with small fixed smaps, status and
 * MemStats), labels, a field diff and a per-label diff over what parsed; and the same
 * bytes as cgroup control files (memory.max, memory.events, ...) and as a
 * kernel log with OOM-killer reports. */
#include "coroner/mem.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static void parse_fixed(struct cr_memsnap *m, const char *name, const char *text)
{
	struct cr_error e = { 0 };
	cr_memsnap_init(m);
	if (cr_memsnap_parse(m, (const unsigned char *)text, strlen(text), name, NULL, &e) != CR_OK)
		abort(); /* the fixed texts below are valid */
}

/* Small valid files to join a hostile one with (parsed once: the ledger
 * only sets their mappings' labels, the same each time). */
static struct cr_memsnap fixed_smaps, fixed_status, fixed_memstats;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_limits();
	parse_fixed(&fixed_smaps, "smaps",
		    "c000000000-c004000000 rw-p 00000000 00:00 0 \nSize: 65536 kB\nRss: 8192 kB\nAnonymous: 8192 kB\n"
		    "01000000-01400000 rw-p 00000000 00:00 0 [heap]\nSize: 4096 kB\nRss: 2048 kB\nAnonymous: 2048 kB\n");
	parse_fixed(&fixed_status, "status", "Name:\tx\nPid:\t1\nVmSize:\t 70000 kB\nVmRSS:\t 10240 kB\n"
		    "RssAnon:\t 10240 kB\nRssFile:\t 0 kB\nRssShmem:\t 0 kB\n");
	parse_fixed(&fixed_memstats, "memstats",
		    "{\"Sys\": 20000000, \"HeapSys\": 16000000, \"HeapIdle\": 9000000, "
		    "\"HeapInuse\": 7000000, \"HeapReleased\": 1000000, \"HeapObjects\": 1000, "
		    "\"StackInuse\": 300000, \"StackSys\": 300000, \"GCSys\": 900000, \"NumGC\": 3}");
	return 0;
}

/* The ledger joins the sources: a hostile MemStats with the small smaps (a
 * Go arena, a C heap) and status, with status alone, and a hostile smaps
 * with the small MemStats, so that sums and differences across files are
 * fuzzed. */
static void ledger_with_fixed(struct cr_memsnap *s)
{
	struct cr_ledger_in ins[2] = { { .smaps = s, .memstats = &fixed_memstats } };
	size_t n = 1;
	if (s->src == CR_MS_MEMSTATS) {
		ins[0] = (struct cr_ledger_in){ .smaps = &fixed_smaps, .status = &fixed_status, .memstats = s };
		ins[1] = (struct cr_ledger_in){ .status = &fixed_status, .memstats = s };
		n = 2;
	}
	for (size_t i = 0; i < n; i++) {
		struct cr_ledger l;
		struct cr_error e = { 0 };
		fuzz_check_error(cr_ledger_compute(&l, &ins[i], &e), &e);
		cr_ledger_release(&l);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	size_t before = cr_mem_in_use();
	struct cr_memsnap s;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_memsnap_init(&s);
	enum cr_err rc = cr_memsnap_parse(&s, data, size, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	if (rc == CR_OK) {
		struct cr_ledger_in in = { 0 };
		switch (s.src) {
		case CR_MS_SMAPS: in.smaps = &s; break;
		case CR_MS_SMAPS_ROLLUP: in.rollup = &s; break;
		case CR_MS_STATUS: in.status = &s; break;
		default: break;
		}
		if (in.smaps || in.rollup || in.status) {
			struct cr_ledger l;
			struct cr_error e2 = { 0 };
			fuzz_check_error(cr_ledger_compute(&l, &in, &e2), &e2);
			cr_ledger_release(&l);
		}
		if (s.src == CR_MS_MEMSTATS || s.src == CR_MS_SMAPS)
			ledger_with_fixed(&s);
		if (s.src == CR_MS_SMAPS) {
			struct cr_memdiff d;
			struct cr_error e3 = { 0 };
			cr_memdiff_init(&d);
			fuzz_check_error(cr_memdiff_labels(&d, &s, &s, &e3), &e3);
			cr_memdiff_release(&d);
		}
		if (s.src != CR_MS_MAPS) {
			struct cr_memdiff d;
			struct cr_error e3 = { 0 };
			cr_memdiff_init(&d);
			fuzz_check_error(cr_memdiff_fields(&d, &s, &s, &e3), &e3);
			cr_memdiff_release(&d);
		}
	}
	/* the same bytes as cgroup control files (known by name, not content):
	 * a one-value file and two keyed ones, joined into one cgroup
	 * snapshot with the memory.stat above when it was one, then the
	 * ledger's cgroup view and findings */
	if (rc == CR_OK && (s.src == CR_MS_CGROUP_V1 || s.src == CR_MS_CGROUP_V2)) {
		static const char *const names[] = { "memory.max", "memory.events", "memory.oom_control" };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
			struct cr_error ec = { 0 };
			fuzz_check_error(cr_memsnap_add_cgroup_file(&s, names[i], data, size, names[i], &ec), &ec);
		}
	} else {
		static const char *const names[] = { "memory.peak", "memory.events", "memory.oom_control" };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
			struct cr_memsnap c;
			struct cr_error ec = { 0 };
			cr_memsnap_init(&c);
			enum cr_err crc = cr_memsnap_add_cgroup_file(&c, names[i], data, size, names[i], &ec);
			fuzz_check_error(crc, &ec);
			if (crc == CR_OK) {
				struct cr_cgroup_view v;
				cr_cgroup_view(&c, &v);
			}
			cr_memsnap_release(&c);
		}
	}
	if (s.src == CR_MS_CGROUP_V1 || s.src == CR_MS_CGROUP_V2) {
		/* the cgroup part of the ledger (an RSS source is required) */
		static const char status[] = "Name:\tx\nPid:\t1\nVmRSS:\t 4 kB\n";
		struct cr_memsnap st;
		struct cr_error es = { 0 }, el = { 0 };
		cr_memsnap_init(&st);
		if (cr_memsnap_parse(&st, (const unsigned char *)status, sizeof status - 1, "status", NULL, &es) == CR_OK) {
			struct cr_ledger_in in = { .status = &st, .cgroup = &s };
			struct cr_ledger l;
			fuzz_check_error(cr_ledger_compute(&l, &in, &el), &el);
			cr_ledger_release(&l);
		}
		cr_memsnap_release(&st);
	}
	/* and as a kernel log with OOM-killer reports */
	{
		struct cr_ooms o = { 0 };
		struct cr_error ek = { 0 };
		fuzz_check_error(cr_ooms_parse(&o, data, size, "fuzz", &ek), &ek);
		cr_ooms_release(&o);
	}
	cr_memsnap_release(&s);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
