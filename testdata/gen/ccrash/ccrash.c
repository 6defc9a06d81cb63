/* A C program that dies one way (argv[1]) in a worker thread while another
 * thread waits in pthread_cond_wait and main waits in pthread_join:
 *   null    NULL dereference through an always-inlined helper
 *   assert  a failed assert()
 *   recurse unbounded recursion (stack overflow into the guard page)
 *   qsort   NULL dereference inside a qsort() comparison callback
 *   lib     NULL dereference inside libccrashlib.so */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern int lib_store(int *p, int v);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	ready++;
	while (ready < 100)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

struct item { int key; int *weight; };

static inline __attribute__((always_inline)) int weigh(const struct item *it)
{
	return *it->weight * 3;
}

__attribute__((noinline)) static int total(struct item *items, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += weigh(&items[i]);
	return s;
}

__attribute__((noinline)) static int depth(volatile int n)
{
	volatile char pad[256];
	pad[n & 255] = (char)n;
	return depth(n + 1) + pad[(n * 7) & 255];
}

static int by_weight(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return *x->weight - *y->weight;
}

__attribute__((noinline)) static int check_count(int n)
{
	assert(n < 3 && "too many items");
	return n;
}

static void *worker(void *arg)
{
	const char *mode = arg;
	static int w[4] = { 4, 3, 2, 1 };
	struct item items[4] = { { 0, &w[0] }, { 1, &w[1] }, { 2, NULL }, { 3, &w[3] } };
	pthread_mutex_lock(&mu);
	while (ready < 2) {
		pthread_mutex_unlock(&mu);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	usleep(100000); /* main is in pthread_join by now */
	int r = 0;
	if (strcmp(mode, "null") == 0)
		r = total(items, 4);
	else if (strcmp(mode, "assert") == 0)
		r = check_count(4);
	else if (strcmp(mode, "recurse") == 0)
		r = depth(0);
	else if (strcmp(mode, "qsort") == 0)
		qsort(items, 4, sizeof items[0], by_weight);
	else if (strcmp(mode, "lib") == 0)
		r = lib_store(items[2].weight, 7);
	printf("%d\n", r);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pthread_t a, b;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, &at, worker, argv[1]);
	pthread_mutex_lock(&mu);
	ready++;
	pthread_mutex_unlock(&mu);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	return 0;
}
