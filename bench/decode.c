/* Decoding a profile: our wire decoder (cr_profile_read_pprof, which also
 * builds the model) against protobuf-c's unpacking of the same bytes.
 * usage: bench-decode PROFILE [RUNS]  (prints best-of-RUNS seconds and ratio) */
#include "coroner/input.h"
#include "coroner/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROFILE [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	struct cr_error e = { 0 };
	struct cr_input in;
	if (cr_input_open(&in, argv[1], 0, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	double best_ours = 1e9, best_pbc = 1e9;
	for (int r = 0; r < runs; r++) {
		struct cr_profile p;
		cr_profile_init(&p);
		double t0 = now();
		if (cr_profile_read_pprof(&p, in.data, in.len, in.name, &e)) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		double t1 = now();
		cr_profile_release(&p);
		struct cr_pbc_stats st;
		double t2 = now();
		if (cr_pprof_pbc_stats(in.data, in.len, &st, &e)) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		double t3 = now();
		if (t1 - t0 < best_ours) best_ours = t1 - t0;
		if (t3 - t2 < best_pbc) best_pbc = t3 - t2;
	}
	printf("%zu bytes: wire decoder + model %.3f s, protobuf-c unpack %.3f s (%.1fx)\n",
	       in.len, best_ours, best_pbc, best_pbc / best_ours);
	cr_input_close(&in);
	return 0;
}
