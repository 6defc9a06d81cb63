/* The pprof reader and writer on real profiles: reading a written profile
 * gives back the file's samples (values and the function names of every
 * frame), and counts the file states. */
#include "../unit.h"
#include "coroner/input.h"
#include "coroner/profile.h"
#include "profile/pprof_int.h" /* cr_pprof_early_always */

static void frames(const struct cr_profile *p, size_t s, struct cr_buf *b)
{
	const struct cr_sample *sm = &p->samples[s];
	b->len = 0;
	for (uint32_t k = 0; k < sm->nloc; k++) {
		const struct cr_location *l = &p->locations[p->stack[sm->loc_start + k]];
		cr_buf_addf(b, "%llx:", (unsigned long long)l->address);
		for (uint32_t i = 0; i < l->nlines; i++)
			cr_buf_addf(b, "%s@%s:%lld;", cr_line_function_name(p, &p->lines[l->line_start + i]),
				    cr_line_file_name(p, &p->lines[l->line_start + i]),
				    (long long)p->lines[l->line_start + i].line);
		cr_buf_add(b, "|", 1);
	}
	for (uint32_t k = 0; k < sm->nlabel; k++) {
		const struct cr_label *l = &p->labels[sm->label_start + k];
		cr_buf_addf(b, "%s=%s/%lld ", cr_profile_str(p, l->key), cr_profile_str(p, l->str), (long long)l->num);
	}
}

static void roundtrip(const char *rel)
{
	char path[4096];
	if (!unit_data(rel, path, sizeof path))
		SKIP("TESTDATA not set");
	struct cr_profile a, b;
	struct cr_error e = { 0 };
	cr_profile_init(&a);
	cr_profile_init(&b);
	CHECK_EQ_INT(cr_profile_load(&a, path, NULL, &e), CR_OK);
	unsigned char *buf;
	size_t n;
	CHECK_EQ_INT(cr_profile_encode_pprof(&a, &buf, &n, &e), CR_OK);
	CHECK_EQ_INT(cr_profile_read_pprof(&b, buf, n, "roundtrip", &e), CR_OK);
	CHECK_EQ_INT(b.nsamples, a.nsamples);
	CHECK_EQ_INT(b.ntypes, a.ntypes);
	CHECK_EQ_INT(b.time_nanos, a.time_nanos);
	CHECK_EQ_INT(b.period, a.period);
	struct cr_buf fa = { 0 }, fb = { 0 };
	size_t same = 0;
	for (size_t i = 0; i < a.nsamples && i < b.nsamples; i++) {
		frames(&a, i, &fa);
		frames(&b, i, &fb);
		if (strcmp(cr_buf_str(&fa), cr_buf_str(&fb)) == 0 &&
		    memcmp(cr_sample_values(&a, i), cr_sample_values(&b, i), a.ntypes * sizeof(int64_t)) == 0)
			same++;
	}
	CHECK_EQ_INT(same, a.nsamples);
	cr_buf_release(&fa);
	cr_buf_release(&fb);
	cr_free(buf);
	cr_profile_release(&a);
	cr_profile_release(&b);
}

/* Totals from pprof -raw of the same file (pprof merges identical samples
 * and drops all-zero ones, so compare per-type sums, not sample counts). */
static void counts(void)
{
	char path[4096], raw[4096];
	if (!unit_data("heap/heap.pb.gz", path, sizeof path) ||
	    !unit_data("heap/expected/heap.pb.gz.raw.txt", raw, sizeof raw))
		SKIP("TESTDATA not set");
	FILE *f = fopen(raw, "r");
	if (!f)
		SKIP("no raw reference");
	char line[8192];
	int in = 0;
	long long want[4] = { 0 };
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Samples:", 8) == 0) { in = 1; continue; }
		if (strncmp(line, "Locations", 9) == 0) break;
		long long v[4];
		if (in && sscanf(line, "%lld %lld %lld %lld:", &v[0], &v[1], &v[2], &v[3]) == 4)
			for (int k = 0; k < 4; k++)
				want[k] += v[k];
	}
	fclose(f);
	struct cr_profile p;
	struct cr_error e = { 0 };
	cr_profile_init(&p);
	CHECK_EQ_INT(cr_profile_load(&p, path, NULL, &e), CR_OK);
	long long got[4] = { 0 };
	for (size_t i = 0; i < p.nsamples; i++)
		for (int k = 0; k < 4; k++)
			got[k] += cr_sample_values(&p, i)[k];
	for (int k = 0; k < 4; k++)
		CHECK_EQ_INT(got[k], want[k]);
	CHECK(want[3] > 0);
	CHECK_EQ_INT(p.ntypes, 4);
	CHECK_EQ_STR(cr_profile_str(&p, p.types[3].type), "inuse_space");
	CHECK_EQ_INT(cr_profile_sample_index(&p, NULL), 3);
	cr_profile_release(&p);
}

/* Our wire decoder against protobuf-c's unpacking of the same bytes. */
static void crosscheck(const char *rel)
{
	char path[4096];
	if (!unit_data(rel, path, sizeof path))
		SKIP("TESTDATA not set");
	struct cr_input in;
	struct cr_error e = { 0 };
	if (cr_input_open(&in, path, 0, &e) != CR_OK) {
		fprintf(stderr, "%s\n", e.msg);
		CHECK(0);
		return;
	}
	struct cr_pbc_stats st;
	struct cr_profile p;
	cr_profile_init(&p);
	CHECK_EQ_INT(cr_pprof_pbc_stats(in.data, in.len, &st, &e), CR_OK);
	CHECK_EQ_INT(cr_profile_read_pprof(&p, in.data, in.len, in.name, &e), CR_OK);
	CHECK_EQ_INT(p.nsamples, st.nsamples);
	CHECK_EQ_INT(p.nlocations, st.nlocations);
	CHECK_EQ_INT(p.nfunctions, st.nfunctions);
	CHECK_EQ_INT(p.nmappings, st.nmappings);
	CHECK_EQ_INT(p.ntypes, st.ntypes);
	for (size_t k = 0; k < p.ntypes && k < 8; k++) {
		int64_t sum = 0;
		for (size_t i = 0; i < p.nsamples; i++)
			sum += cr_sample_values(&p, i)[k];
		CHECK_EQ_INT(sum, st.sums[k]);
	}
	cr_profile_release(&p);
	cr_input_close(&in);
}

static uint64_t varint(const unsigned char *p, size_t *i)
{
	uint64_t v = 0;
	for (int sh = 0; sh < 64; sh += 7) {
		unsigned char c = p[(*i)++];
		v |= (uint64_t)(c & 0x7f) << sh;
		if (c < 0x80)
			break;
	}
	return v;
}

/* Where the first location id of the sample nearest offset `near` is. */
static size_t first_id_near(const unsigned char *buf, size_t n, size_t near)
{
	size_t i = 0, best = 0, bestd = SIZE_MAX;
	while (i < n) {
		uint64_t tag = varint(buf, &i);
		uint64_t len = (tag & 7) == 2 ? varint(buf, &i) : 0;
		if ((tag & 7) == 0)
			varint(buf, &i);
		if (tag == (2 << 3 | 2) && buf[i] == (1 << 3 | 2)) {
			size_t d = i > near ? i - near : near - i;
			if (d < bestd)
				best = i + 2, bestd = d; /* past the field's tag and (one-byte) length */
		}
		i += len;
	}
	return best;
}

/* Enough samples to be read on two threads (the heap profile's, 1,600 times)
 * read back as written, sample by sample; a location id changed to 0 in
 * either half of them is refused at its byte, as on one thread. The same
 * with the samples decoded by the first pass (as behind an inflation). */
static void many_read(const struct cr_profile *a, unsigned char *buf, size_t n);

static void many_samples(void)
{
	char path[4096];
	if (!unit_data("heap/heap.pb.gz", path, sizeof path))
		SKIP("TESTDATA not set");
	struct cr_profile a;
	struct cr_error e = { 0 };
	cr_profile_init(&a);
	CHECK_EQ_INT(cr_profile_load(&a, path, NULL, &e), CR_OK);
	size_t n0 = a.nsamples;
	uint32_t stk[4096];
	struct cr_label labs[64];
	int64_t vals[16];
	for (int k = 1; k < 1600; k++)
		for (size_t i = 0; i < n0; i++) {
			const struct cr_sample *sm = &a.samples[i];
			if (sm->nloc > 4096 || sm->nlabel > 64 || a.ntypes > 16)
				continue;
			memcpy(stk, &a.stack[sm->loc_start], sm->nloc * sizeof *stk);
			memcpy(labs, &a.labels[sm->label_start], sm->nlabel * sizeof *labs);
			memcpy(vals, cr_sample_values(&a, i), a.ntypes * sizeof *vals);
			vals[0] += k;
			CHECK_EQ_INT(cr_profile_add_sample(&a, stk, sm->nloc, vals, labs, sm->nlabel), CR_OK);
		}
	unsigned char *buf;
	size_t n;
	CHECK_EQ_INT(cr_profile_encode_pprof(&a, &buf, &n, &e), CR_OK);
	CHECK(n > (size_t)2 << 20);
	for (int early = 0; early < 2; early++) {
		cr_pprof_early_always = early;
		many_read(&a, buf, n);
	}
	cr_pprof_early_always = false;
	cr_free(buf);
	cr_profile_release(&a);
}

static void many_read(const struct cr_profile *a, unsigned char *buf, size_t n)
{
	struct cr_profile b;
	struct cr_error e = { 0 };
	cr_profile_init(&b);
	CHECK_EQ_INT(cr_profile_read_pprof(&b, buf, n, "many", &e), CR_OK);
	CHECK_EQ_INT(b.nsamples, a->nsamples);
	CHECK_EQ_INT(b.nstack, a->nstack);
	CHECK_EQ_INT(b.nlabels, a->nlabels);
	struct cr_buf fa = { 0 }, fb = { 0 };
	size_t same = 0;
	for (size_t i = 0; i < a->nsamples && i < b.nsamples; i++) {
		frames(a, i, &fa);
		frames(&b, i, &fb);
		if (strcmp(cr_buf_str(&fa), cr_buf_str(&fb)) == 0 &&
		    memcmp(cr_sample_values(a, i), cr_sample_values(&b, i), a->ntypes * sizeof(int64_t)) == 0)
			same++;
	}
	CHECK_EQ_INT(same, a->nsamples);
	cr_buf_release(&fa);
	cr_buf_release(&fb);
	cr_profile_release(&b);
	for (int q = 1; q <= 3; q += 2) {
		size_t at = first_id_near(buf, n, n / 4 * q);
		CHECK(at > 0 && buf[at] < 0x80);
		unsigned char was = buf[at];
		buf[at] = 0;
		char want[200];
		snprintf(want, sizeof want, "many: pprof: offset 0x%zx: sample refers to unknown location id 0", at);
		struct cr_error be = { 0 };
		cr_profile_init(&b);
		CHECK_EQ_INT(cr_profile_read_pprof(&b, buf, n, "many", &be), CR_FORMAT);
		CHECK_EQ_STR(be.msg, want);
		cr_profile_release(&b);
		buf[at] = was;
	}
}

/* Does b hold a's samples, sample by sample? */
static void same_samples(const struct cr_profile *a, const struct cr_profile *b)
{
	CHECK_EQ_INT(b->nsamples, a->nsamples);
	struct cr_buf fa = { 0 }, fb = { 0 };
	size_t same = 0;
	for (size_t i = 0; i < a->nsamples && i < b->nsamples; i++) {
		frames(a, i, &fa);
		frames(b, i, &fb);
		if (strcmp(cr_buf_str(&fa), cr_buf_str(&fb)) == 0 &&
		    memcmp(cr_sample_values(a, i), cr_sample_values(b, i), a->ntypes * sizeof(int64_t)) == 0)
			same++;
	}
	CHECK_EQ_INT(same, a->nsamples);
	cr_buf_release(&fa);
	cr_buf_release(&fb);
}

static void put_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(p, 1, n, f) == n);
	if (f)
		fclose(f);
}

/* cr_profile_load's error for path ("" if none). */
static void load_error(const char *path, char *msg, size_t n)
{
	struct cr_profile b;
	struct cr_error e = { 0 };
	cr_profile_init(&b);
	cr_profile_load(&b, path, NULL, &e);
	snprintf(msg, n, "%s", e.code ? e.msg : "");
	cr_profile_release(&b);
}

/* a's gzip file at path, on two threads or one (with ISA-L, past the
 * first 256 KiB the encoding is deflated in chunks on both cores), read
 * back by the input layer: the bytes a encodes to in memory */
static void gzip_is_encoding(struct cr_profile *a, const char *path, bool one_thread)
{
	struct cr_error e = { 0 };
	unsigned char *raw;
	size_t n;
	struct cr_input in;
	a->one_thread = one_thread;
	CHECK_EQ_INT(cr_profile_write_pprof(a, path, &e), CR_OK);
	a->one_thread = false;
	CHECK_EQ_INT(cr_profile_encode_pprof(a, &raw, &n, &e), CR_OK);
	CHECK_EQ_INT(cr_input_open(&in, path, (size_t)64 << 20, &e), CR_OK);
	CHECK(in.len == n && memcmp(in.data, raw, n) == 0);
	cr_input_close(&in);
	cr_free(raw);
}

/* A gzip file of several megabytes (inflated on a second thread while it
 * is read) reads back as written; cut short, with a bad CRC or length,
 * or as two members, it gives the errors zlib finds where it finds them
 * (from the file's size), as for a file inflated before it is read. */
static void big_gzip(void)
{
	char path[4096], tmp[] = "/tmp/coroner-unit-XXXXXX";
	if (!unit_data("heap/heap.pb.gz", path, sizeof path))
		SKIP("TESTDATA not set");
	CHECK(mkdtemp(tmp) != NULL);
	struct cr_profile a, b;
	struct cr_error e = { 0 };
	cr_profile_init(&a);
	CHECK_EQ_INT(cr_profile_load(&a, path, NULL, &e), CR_OK);
	size_t n0 = a.nsamples;
	uint32_t stk[4096];
	struct cr_label labs[64];
	int64_t vals[16];
	uint64_t x = 88172645463325252ull;
	for (int k = 1; k < 1600; k++)
		for (size_t i = 0; i < n0; i++) {
			const struct cr_sample *sm = &a.samples[i];
			if (sm->nloc > 4096 || sm->nlabel > 64 || a.ntypes > 16)
				continue;
			memcpy(stk, &a.stack[sm->loc_start], sm->nloc * sizeof *stk);
			memcpy(labs, &a.labels[sm->label_start], sm->nlabel * sizeof *labs);
			for (size_t t = 0; t < a.ntypes; t++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* values deflate cannot shrink */
				vals[t] = (int64_t)(x >> 4);
			}
			CHECK_EQ_INT(cr_profile_add_sample(&a, stk, sm->nloc, vals, labs, sm->nlabel), CR_OK);
		}
	char gz[64], bad[64], msg[1100], want[1100];
	snprintf(gz, sizeof gz, "%.30s/big.pb.gz", tmp);
	snprintf(bad, sizeof bad, "%.30s/bad.pb.gz", tmp);
	CHECK_EQ_INT(cr_profile_write_pprof(&a, gz, &e), CR_OK);
	const size_t zcap = (size_t)32 << 20;
	FILE *f = fopen(gz, "rb");
	unsigned char *z = cr_malloc(zcap);
	size_t n = f && z ? fread(z, 1, zcap, f) : 0;
	if (f)
		fclose(f);
	if (!(n > (size_t)1 << 20 && n <= zcap / 2)) {
		CHECK(0);
		return;
	}
	cr_profile_init(&b);
	CHECK_EQ_INT(cr_profile_load(&b, gz, NULL, &e), CR_OK);
	same_samples(&a, &b);
	cr_profile_release(&b);
	/* cut in the middle */
	put_file(bad, z, n / 2);
	load_error(bad, msg, sizeof msg);
	snprintf(want, sizeof want, "%s: gzip: offset 0x%zx: truncated (unexpected end of compressed data)", bad, n / 2);
	CHECK_EQ_STR(msg, want);
	/* the trailer's CRC, then its length (zlib stops past the field) */
	z[n - 8] ^= 1;
	put_file(bad, z, n);
	load_error(bad, msg, sizeof msg);
	snprintf(want, sizeof want, "%s: gzip: offset 0x%zx: incorrect data check", bad, n - 4);
	CHECK_EQ_STR(msg, want);
	z[n - 8] ^= 1;
	z[n - 4] ^= 1;
	put_file(bad, z, n);
	load_error(bad, msg, sizeof msg);
	snprintf(want, sizeof want, "%s: gzip: offset 0x%zx: incorrect length check", bad, n);
	CHECK_EQ_STR(msg, want);
	z[n - 4] ^= 1;
	/* two members: two profiles (pprof refuses them) */
	memcpy(z + n, z, n);
	put_file(bad, z, 2 * n);
	load_error(bad, msg, sizeof msg);
	CHECK(strstr(msg, "concatenated profiles detected") != NULL);
	/* over the cap: refused before any thread */
	size_t cap = cr_limits.max_inflate;
	cr_limits.max_inflate = (size_t)2 << 20;
	load_error(gz, msg, sizeof msg);
	snprintf(want, sizeof want, "%s: gzip: inflates past 2097152 bytes (raise --max-inflate)", gz);
	CHECK_EQ_STR(msg, want);
	cr_limits.max_inflate = cap;
	/* an element longer than a chunk, past the first chunks */
	char *big = cr_malloc((size_t)600 << 10);
	if (big) {
		for (size_t i = 0; i < (size_t)600 << 10; i++)
			big[i] = (char)('a' + (i * 7 + i / 4096) % 26);
		CHECK(cr_profile_intern(&a, big, (size_t)600 << 10) != UINT32_MAX);
		cr_free(big);
	}
	gzip_is_encoding(&a, gz, false);
	gzip_is_encoding(&a, gz, true);
	cr_free(z);
	remove(gz);
	remove(bad);
	remove(tmp);
	cr_profile_release(&a);
}

int main(void)
{
	crosscheck("heap/heap.pb.gz");
	crosscheck("heap/allocs.pb.gz");
	crosscheck("kinds/cpu.pb.gz");
	crosscheck("kinds/mutex.pb.gz");
	crosscheck("goroutines/goroutine.2.pb.gz");
	roundtrip("heap/heap.pb.gz");
	roundtrip("heap/allocs.pb.gz");
	roundtrip("heap/heap.txt");
	roundtrip("goroutines/goroutine.1.pb.gz");
	counts();
	many_samples();
	big_gzip();
	CHECK_EQ_INT(cr_mem_in_use(), 0);
	return unit_done();
}
