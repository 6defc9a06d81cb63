/* gperfprog: a C program profiled by gperftools' own profilers (libprofiler
 * CPU profile, tcmalloc heap profile), for testdata/legacy/gperf: the real
 * output of the profilers whose formats pprof's legacy parser reads.
 * usage: gperfprog OUTDIR   (writes OUTDIR/cpu.prof, OUTDIR/heap.0001.heap,
 * and with sample.cc OUTDIR/heap.sample (heap_v2, run with
 * TCMALLOC_SAMPLE_PARAMETER set) and OUTDIR/growth) */
#include <gperftools/heap-profiler.h>
#include <gperftools/profiler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gperf_write_samples(const char *heap_path, const char *growth_path); /* sample.cc */

static volatile unsigned long sink;
static void *keep[4096];
static int nkeep;

__attribute__((noinline)) static unsigned long spin_hash(unsigned long n)
{
	unsigned long h = 1469598103934665603ul;
	for (unsigned long i = 0; i < n; i++)
		h = (h ^ i) * 1099511628211ul;
	return h;
}

__attribute__((noinline)) static unsigned long spin_sum(unsigned long n)
{
	unsigned long s = 0;
	for (unsigned long i = 0; i < n; i++)
		s += i * i % 7;
	return s;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* two thirds of the time in spin_hash, one third in spin_sum */
__attribute__((noinline)) static void burn(double secs)
{
	double end = now() + secs;
	while (now() < end) {
		sink += spin_hash(2000000);
		sink += spin_hash(2000000);
		sink += spin_sum(2000000);
	}
}

__attribute__((noinline)) static void alloc_records(int n, size_t size)
{
	for (int i = 0; i < n && nkeep < 4096; i++) {
		char *p = malloc(size);
		memset(p, i, size);
		keep[nkeep++] = p;
	}
}

__attribute__((noinline)) static void alloc_buffers(int n, size_t size)
{
	for (int i = 0; i < n && nkeep < 4096; i++) {
		char *p = malloc(size);
		memset(p, i, size);
		keep[nkeep++] = p;
	}
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc != 2) {
		fprintf(stderr, "usage: gperfprog OUTDIR\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/cpu.prof", argv[1]);
	ProfilerStart(path);
	burn(3.0);
	ProfilerStop();
	snprintf(path, sizeof path, "%s/heap", argv[1]);
	HeapProfilerStart(path);
	alloc_records(1000, 1024);
	alloc_buffers(64, 256 * 1024);
	HeapProfilerDump("final");
	HeapProfilerStop();
	char growth[4096];
	snprintf(path, sizeof path, "%s/heap.sample", argv[1]);
	snprintf(growth, sizeof growth, "%s/growth", argv[1]);
	gperf_write_samples(path, growth);
	return (int)(sink & 0) + (nkeep > 0 ? 0 : 1);
}
