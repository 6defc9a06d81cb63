/* cprog: CPU-bound C work for `perf record -g` on two threads: a deep
 * recursion (fib), a checksum loop (crc) and qsort's callback (cmp). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static uint32_t crc(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffff;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & (0u - (c & 1)));
	}
	return ~c;
}

static int cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double deadline;

static void *worker(void *arg)
{
	static unsigned char buf[1 << 16];
	int *v = malloc(50000 * sizeof *v);
	(void)arg;
	while (now() < deadline) {
		sink += fib(24);
		sink += crc(buf, sizeof buf);
		for (int i = 0; i < 50000; i++)
			v[i] = (i * 7919) % 50000;
		qsort(v, 50000, sizeof *v, cmp);
	}
	free(v);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	pthread_t t;
	deadline = now() + secs;
	pthread_create(&t, NULL, worker, NULL);
	worker(NULL);
	pthread_join(t, NULL);
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
