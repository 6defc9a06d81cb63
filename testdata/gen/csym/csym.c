/* csym: C program behind testdata/bin/csym-*: static inline helpers that gcc
 * inlines at -O2 (some several levels deep), noinline functions, recursion,
 * function pointers, and a static (file-local) function table.
 * See testdata/gen/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

struct point { double x, y; };

static inline double sq(double v) { return v * v; }
static inline double dist2(struct point a, struct point b) { return sq(a.x - b.x) + sq(a.y - b.y); }
static inline uint32_t rotl(uint32_t v, int r) { return (v << r) | (v >> (32 - r)); }
static inline uint32_t mix32(uint32_t h, uint32_t k) {
	k *= 0xcc9e2d51u;
	k = rotl(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	return rotl(h, 13) * 5 + 0xe6546b64u;
}
static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

NOINLINE uint32_t hash_bytes(const unsigned char *p, size_t n) {
	uint32_t h = 0x9747b28cu;
	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint32_t k;
		memcpy(&k, p + i, 4);
		h = mix32(h, k);
	}
	return h ^ (uint32_t)n;
}

NOINLINE double nearest(const struct point *pts, int n, struct point q) {
	double best = 1e300;
	for (int i = 0; i < n; i++) {
		double d = dist2(pts[i], q);
		if (d < best)
			best = d;
	}
	return best;
}

NOINLINE long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOINLINE int histogram(const int *v, int n, int *bins, int nbins) {
	int over = 0;
	for (int i = 0; i < n; i++) {
		int b = clampi(v[i] / 16, 0, nbins - 1);
		bins[b]++;
		over += v[i] >= 16 * nbins;
	}
	return over;
}

struct node { struct node *next; int key; };

static NOINLINE struct node *list_push(struct node *head, int key) {
	struct node *n = malloc(sizeof *n);
	n->next = head;
	n->key = key;
	return n;
}

static NOINLINE int list_sum(const struct node *n) {
	int s = 0;
	for (; n; n = n->next)
		s += n->key;
	return s;
}

static NOINLINE void list_free(struct node *n) {
	while (n) {
		struct node *next = n->next;
		free(n);
		n = next;
	}
}

typedef long (*op_fn)(long, long);
static NOINLINE long op_add(long a, long b) { return a + b; }
static NOINLINE long op_mul(long a, long b) { return a * b; }
static NOINLINE long op_xor(long a, long b) { return a ^ b; }
static const op_fn ops[] = { op_add, op_mul, op_xor };

NOINLINE long fold(const long *v, int n, int which) {
	long acc = which == 1 ? 1 : 0;
	for (int i = 0; i < n; i++)
		acc = ops[which](acc, v[i]);
	return acc;
}

int main(int argc, char **argv) {
	unsigned char buf[256];
	for (int i = 0; i < 256; i++)
		buf[i] = (unsigned char)(i * 31 + argc);
	struct point pts[64];
	for (int i = 0; i < 64; i++)
		pts[i] = (struct point){ i * 0.5, (i % 7) * 1.5 };
	int vals[200], bins[8] = { 0 };
	for (int i = 0; i < 200; i++)
		vals[i] = (i * 37) % 150;
	long lv[10];
	for (int i = 0; i < 10; i++)
		lv[i] = i + 1;
	struct node *l = NULL;
	for (int i = 0; i < 100; i++)
		l = list_push(l, i);
	printf("hash=%08x nearest=%.2f fib=%ld over=%d fold=%ld,%ld,%ld list=%d argv0=%c\n",
	       hash_bytes(buf, sizeof buf), nearest(pts, 64, (struct point){ 3.2, 4.1 }), fib(20),
	       histogram(vals, 200, bins, 8), fold(lv, 10, 0), fold(lv, 10, 1), fold(lv, 10, 2),
	       list_sum(l), argv[0][0]);
	list_free(l);
	return 0;
}
