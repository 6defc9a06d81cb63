/* The pprof reader and writer on real profiles: reading a written profile
 * gives back the file's samples (values and the function names of every
 * frame), and counts the file states. */
#include "../unit.h"
#include "coroner/input.h"
#include "coroner/profile.h"

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
	CHECK_EQ_INT(cr_mem_in_use(), 0);
	return unit_done();
}
