#include "coroner/util.h"
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct cr_limits cr_limits = {
	.max_memory = (size_t)4 << 30,
	.max_inflate = (size_t)256 << 20,
	.max_core_inflate = (size_t)16 << 30,
	.max_debug = (size_t)1 << 30,
	.max_ratio = 1032,
	.max_depth = 256,
	.max_frames = 4096,
	.max_line = (size_t)1 << 20,
};

void cr_limits_default(struct cr_limits *l)
{
	l->max_memory = (size_t)4 << 30;
	l->max_inflate = (size_t)256 << 20;
	l->max_core_inflate = (size_t)16 << 30;
	l->max_debug = (size_t)1 << 30;
	l->max_ratio = 1032;
	l->max_depth = 256;
	l->max_frames = 4096;
	l->max_line = (size_t)1 << 20;
}

/* Each block carries its size in a 16-byte header so frees can be counted.
 * The counts are atomic: profiles are read on several threads. */
#define HDR 16
static size_t in_use, peak, refused;

static bool reserve(size_t n)
{
	size_t cur = __atomic_load_n(&in_use, __ATOMIC_RELAXED), next;
	do {
		if (n > cr_limits.max_memory || cur > cr_limits.max_memory - n) {
			__atomic_fetch_add(&refused, 1, __ATOMIC_RELAXED);
			return false;
		}
		next = cur + n;
	} while (!__atomic_compare_exchange_n(&in_use, &cur, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	size_t p = __atomic_load_n(&peak, __ATOMIC_RELAXED);
	while (next > p && !__atomic_compare_exchange_n(&peak, &p, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return true;
}

static void unreserve(size_t n)
{
	__atomic_fetch_sub(&in_use, n, __ATOMIC_RELAXED);
}

void *cr_malloc(size_t n)
{
	size_t total;
	if (!cr_add_ok(n, HDR, &total) || !reserve(total))
		return NULL;
	char *p = malloc(total);
	if (!p) {
		unreserve(total);
		return NULL;
	}
	memcpy(p, &total, sizeof total);
	return p + HDR;
}

void *cr_calloc(size_t n, size_t size)
{
	size_t total;
	if (!cr_mul_ok(n, size, &total))
		return NULL;
	void *p = cr_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *cr_realloc(void *p, size_t n)
{
	if (!p)
		return cr_malloc(n);
	char *base = (char *)p - HDR;
	size_t old, total;
	memcpy(&old, base, sizeof old);
	if (!cr_add_ok(n, HDR, &total))
		return NULL;
	if (total > old && !reserve(total - old))
		return NULL;
	char *q = realloc(base, total);
	if (!q) {
		if (total > old)
			unreserve(total - old);
		return NULL;
	}
	if (total < old)
		unreserve(old - total);
	memcpy(q, &total, sizeof total);
	return q + HDR;
}

void cr_free(void *p)
{
	if (!p)
		return;
	char *base = (char *)p - HDR;
	size_t total;
	memcpy(&total, base, sizeof total);
	unreserve(total);
	free(base);
}

char *cr_strndup(const char *s, size_t n)
{
	char *p = cr_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

size_t cr_mem_in_use(void) { return __atomic_load_n(&in_use, __ATOMIC_RELAXED); }
size_t cr_mem_peak(void) { return __atomic_load_n(&peak, __ATOMIC_RELAXED); }
size_t cr_mem_refused(void) { return __atomic_load_n(&refused, __ATOMIC_RELAXED); }

enum cr_err cr_grow(void *arr, size_t *cap, size_t need, size_t elsize)
{
	void **pp = arr;
	if (need <= *cap)
		return CR_OK;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return CR_NOMEM;
		ncap *= 2;
	}
	size_t bytes;
	if (!cr_mul_ok(ncap, elsize, &bytes))
		return CR_NOMEM;
	void *np = cr_realloc(*pp, bytes);
	if (!np)
		return CR_NOMEM;
	*pp = np;
	*cap = ncap;
	return CR_OK;
}

enum cr_err cr_grow_exact(void *arr, size_t *cap, size_t need, size_t elsize)
{
	void **pp = arr;
	if (need <= *cap)
		return CR_OK;
	size_t bytes;
	if (!cr_mul_ok(need, elsize, &bytes))
		return CR_NOMEM;
	void *np = cr_realloc(*pp, bytes);
	if (!np)
		return CR_NOMEM;
	*pp = np;
	*cap = need;
	return CR_OK;
}

void cr_mem_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = 2u << 20;
	if (!p || n < 2 * huge)
		return;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

void cr_mem_hint_huge(void *p, size_t n)
{
	if (!p || n < (4u << 20))
		return;
	cr_mem_advise_huge(p, n);
	/* and map it all in one call: a page fault per 4 KiB page costs more
	 * (where huge pages are not granted) than the writes themselves */
	cr_mem_prefault(p, n);
}

void cr_mem_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	const uintptr_t page = 4096;
	uintptr_t pa = ((uintptr_t)p + page - 1) & ~(page - 1), pb = ((uintptr_t)p + n) & ~(page - 1);
	if (p && pb > pa)
		madvise((void *)pa, pb - pa, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

void cr_mem_heap_huge(size_t n)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE) && \
	(__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	const uintptr_t huge = 2u << 20;
	if (n < 2 * huge || n > (size_t)1 << 30)
		return;
	/* the heap grows by the top pad whenever it grows: one allocation
	 * larger than the free space at its top makes it grow now */
	struct mallinfo2 mi = mallinfo2();
	if (!mi.arena || mi.keepcost > n)
		return; /* not glibc's heap (a sanitizer's), or already large */
	if (!mallopt(M_TOP_PAD, (int)n) || !mallopt(M_MMAP_THRESHOLD, (int)(n / 2)))
		return;
	void *lo = sbrk(0);
	char *volatile p = malloc(mi.keepcost + 4096); /* (volatile: not elided) */
	void *hi = sbrk(0);
	uintptr_t top = (uintptr_t)p; /* where the free space at the top began */
	free(p);
	if (lo == (void *)-1 || hi == (void *)-1 || (uintptr_t)hi <= (uintptr_t)lo)
		return;
	uintptr_t a = ((uintptr_t)lo + huge - 1) & ~(huge - 1), b = (uintptr_t)hi & ~(huge - 1);
	if (b <= a)
		return;
	madvise((void *)a, b - a, MADV_HUGEPAGE);
	/* the heap below the first 2 MiB boundary cannot be on a huge page
	 * (up to 2 MiB, a fault per 4 KiB): a block is taken from there and
	 * kept, never touched, so that what is allocated next lies above */
	static void *below;
	if (!below && top < a && a - top > 4096)
		below = malloc(a - top - 64);
#else
	(void)n;
#endif
}

void cr_mem_keep_freed(size_t n)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD) && \
	(__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	if (n < 2 * 4096 || n > (size_t)1 << 30 || !mallinfo2().arena)
		return; /* (no arena: not glibc's heap, a sanitizer's) */
	/* glibc refuses a mapping threshold over 32 MiB (64-bit) */
	size_t mm = n / 2 < (size_t)32 << 20 ? n / 2 : (size_t)32 << 20;
	/* both: a trim threshold set alone turns off the sliding mapping
	 * threshold, and every block over 128 KiB gets a mapping of its own */
	if (mallopt(M_MMAP_THRESHOLD, (int)mm))
		mallopt(M_TRIM_THRESHOLD, (int)n);
#else
	(void)n;
#endif
}

/* ---- arena ---- */
struct cr_arena_chunk {
	struct cr_arena_chunk *next;
	size_t size;
	_Alignas(16) char data[];
};

void cr_arena_init(struct cr_arena *a) { memset(a, 0, sizeof *a); }

void cr_arena_release(struct cr_arena *a)
{
	struct cr_arena_chunk *c = a->head;
	while (c) {
		struct cr_arena_chunk *n = c->next;
		cr_free(c);
		c = n;
	}
	memset(a, 0, sizeof *a);
}

void *cr_arena_alloc(struct cr_arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n)
		return NULL;
	if ((size_t)(a->end - a->cur) < need || !a->cur) {
		size_t first = a->first ? a->first : (size_t)1 << 16;
		size_t sz = a->total < first ? first : a->total;
		if (sz > ((size_t)64 << 20))
			sz = (size_t)64 << 20;
		if (sz < need)
			sz = need;
		struct cr_arena_chunk *c = cr_malloc(sizeof *c + sz);
		if (!c)
			return NULL;
		c->next = a->head;
		c->size = sz;
		a->head = c;
		a->cur = c->data;
		a->end = c->data + sz;
		a->total += sz;
	}
	void *p = a->cur;
	a->cur += need;
	return p;
}

char *cr_arena_strndup(struct cr_arena *a, const char *s, size_t n)
{
	char *p = cr_arena_alloc(a, n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* ---- hash map ---- */
uint64_t cr_hash(const void *key, size_t len)
{
	/* FNV-1a over 8-byte words, then a final mix: fast and good enough. */
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	while (len--) {
		h = (h ^ *p++) * 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

void cr_hmap_init(struct cr_hmap *m)
{
	memset(m, 0, sizeof *m);
	cr_arena_init(&m->arena);
}

void cr_hmap_release(struct cr_hmap *m)
{
	cr_arena_release(&m->arena);
	cr_free(m->slots);
	memset(m, 0, sizeof *m);
}

static struct cr_hslot *find(struct cr_hmap *m, const void *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;
	for (;;) {
		struct cr_hslot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & mask;
	}
}

uint32_t *cr_hmap_get(struct cr_hmap *m, const void *key, size_t len)
{
	if (!m->cap || len > UINT32_MAX)
		return NULL;
	struct cr_hslot *s = find(m, key, len, cr_hash(key, len));
	return s->key ? &s->val : NULL;
}

static bool rehash(struct cr_hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct cr_hslot *old = m->slots;
	size_t ocap = m->cap;
	m->slots = cr_calloc(ncap, sizeof *m->slots);
	if (!m->slots) {
		m->slots = old;
		return false;
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].key) {
			size_t mask = ncap - 1, j = old[i].hash & mask;
			while (m->slots[j].key)
				j = (j + 1) & mask;
			m->slots[j] = old[i];
		}
	}
	cr_free(old);
	return true;
}

uint32_t *cr_hmap_put(struct cr_hmap *m, const void *key, size_t len, uint32_t val, bool *found)
{
	if (len > UINT32_MAX)
		return NULL;
	if ((m->count + 1) * 4 > m->cap * 3 && !rehash(m))
		return NULL;
	uint64_t h = cr_hash(key, len);
	struct cr_hslot *s = find(m, key, len, h);
	if (s->key) {
		if (found)
			*found = true;
		return &s->val;
	}
	char *k = cr_arena_strndup(&m->arena, key, len);
	if (!k)
		return NULL;
	s->key = k;
	s->len = (uint32_t)len;
	s->hash = h;
	s->val = val;
	m->count++;
	if (found)
		*found = false;
	return &s->val;
}

/* ---- string table ---- */
enum cr_err cr_strtab_init(struct cr_strtab *t)
{
	memset(t, 0, sizeof *t);
	cr_hmap_init(&t->map);
	if (cr_strtab_intern(t, "", 0) == 0)
		return CR_OK;
	cr_strtab_release(t); /* a failed init holds nothing */
	return CR_NOMEM;
}

void cr_strtab_release(struct cr_strtab *t)
{
	cr_hmap_release(&t->map);
	cr_free(t->strs);
	cr_free(t->lens);
	cr_free(t->hashes);
	memset(t, 0, sizeof *t);
}

uint32_t cr_strtab_intern(struct cr_strtab *t, const char *s, size_t len)
{
	if (t->n >= UINT32_MAX - 1)
		return UINT32_MAX;
	/* room first, so that a refusal leaves no map entry naming an id that
	 * does not exist; the three arrays grow alike and the capacity is kept
	 * only once all three have it (one that grew alone is merely larger) */
	size_t cap1 = t->cap, cap2 = t->cap, cap3 = t->cap;
	if (t->n >= t->cap && (cr_grow(&t->strs, &cap1, t->n + 1, sizeof *t->strs) ||
			       cr_grow(&t->lens, &cap2, t->n + 1, sizeof *t->lens) ||
			       cr_grow(&t->hashes, &cap3, t->n + 1, sizeof *t->hashes))) {
		return UINT32_MAX;
	}
	t->cap = cap1;
	bool found;
	uint32_t *v = cr_hmap_put(&t->map, s, len, (uint32_t)t->n, &found);
	if (!v)
		return UINT32_MAX;
	if (found)
		return *v;
	/* the key copy in the map's arena is NUL-terminated: share it */
	struct cr_hslot *slot = (struct cr_hslot *)((char *)v - offsetof(struct cr_hslot, val));
	t->strs[t->n] = slot->key;
	t->lens[t->n] = (uint32_t)len;
	t->hashes[t->n] = slot->hash;
	return (uint32_t)t->n++;
}

/* ---- buffers ---- */
void cr_buf_release(struct cr_buf *b)
{
	cr_free(b->data);
	memset(b, 0, sizeof *b);
}

enum cr_err cr_buf_add(struct cr_buf *b, const void *p, size_t n)
{
	size_t need;
	if (!cr_add_ok(b->len, n + 1, &need) || cr_grow(&b->data, &b->cap, need, 1))
		return CR_NOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return CR_OK;
}

enum cr_err cr_buf_addf(struct cr_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CR_FORMAT;
	if ((size_t)n < sizeof tmp)
		return cr_buf_add(b, tmp, (size_t)n);
	size_t need;
	if (!cr_add_ok(b->len, (size_t)n + 1, &need) || cr_grow(&b->data, &b->cap, need, 1))
		return CR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CR_OK;
}

void cr_buf_linev(struct cr_buf *b, size_t max, const char *fmt, va_list ap)
{
	char tmp[1024];
	vsnprintf(tmp, max && max < sizeof tmp ? max : sizeof tmp, fmt, ap);
	cr_buf_addf(b, "%s\n", tmp);
}

void cr_buf_linef(struct cr_buf *b, size_t max, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cr_buf_linev(b, max, fmt, ap);
	va_end(ap);
}

void cr_warn_linev(struct cr_buf *w, const char *fmt, va_list ap)
{
	if (w->len < 64 * 1024)
		cr_buf_linev(w, 512, fmt, ap);
}
