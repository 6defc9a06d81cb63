/* Memory accounting, arenas, growable arrays, hash maps and string interning.
 *
 * Every heap allocation of libcoroner goes through cr_malloc/cr_realloc/cr_free,
 * which count bytes against cr_limits.max_memory: an input can make us fail
 * with CR_LIMIT (exit 3), never make us take the machine down.
 */
#ifndef CORONER_UTIL_H
#define CORONER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/error.h"

/* Resource caps. The CLI sets them from --max-* flags before any work;
 * the defaults are in cr_limits_default(). */
struct cr_limits {
	size_t max_memory;       /* bytes the library may hold at once (default 4 GiB) */
	size_t max_inflate;      /* bytes one compressed input may inflate to (256 MiB) */
	size_t max_core_inflate; /* bytes a compressed core may inflate to (16 GiB) */
	size_t max_debug;        /* total decompressed debug sections of a binary (1 GiB) */
	unsigned max_ratio;      /* compressed-section inflation ratio (1032, zlib's ceiling) */
	unsigned max_depth;      /* DIE nesting, reference chains (256) */
	unsigned max_frames;     /* frames per stack, when unwinding or parsing (4096) */
	size_t max_line;         /* longest text line accepted in dumps (1 MiB) */
};
extern struct cr_limits cr_limits;
void cr_limits_default(struct cr_limits *l);

/* Accounted allocation. Return NULL when the budget or the system is out of
 * memory; sizes are overflow-checked. cr_free(NULL) is a no-op. */
void *cr_malloc(size_t n);
void *cr_calloc(size_t n, size_t size);
void *cr_realloc(void *p, size_t n);
void cr_free(void *p);
char *cr_strndup(const char *s, size_t n);
size_t cr_mem_in_use(void);  /* bytes currently accounted */
size_t cr_mem_peak(void);
/* How many allocations the budget (cr_limits.max_memory) refused so far:
 * a failure or a fallback after one may be the cap's doing, not the input's. */
size_t cr_mem_refused(void);

/* Grow *arr (element size elsize, capacity *cap) to hold at least need
 * elements; doubles. Returns CR_OK or CR_NOMEM (arr untouched). */
enum cr_err cr_grow(void *arr, size_t *cap, size_t need, size_t elsize);
/* The same to exactly `need` elements (a size known in advance). */
enum cr_err cr_grow_exact(void *arr, size_t *cap, size_t need, size_t elsize);
/* Binary search of an array sorted by a uint64_t key: how many of its n
 * elements have a key <= x (the index after the last of them; 0: none).
 * CR_UPPER_BOUND(arr, n, field, x) reads the key from member `field`. */
static inline size_t cr_upper_bound(const void *arr, size_t n, size_t elsize, size_t key_offset, uint64_t x)
{
	const unsigned char *a = arr;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k;
		__builtin_memcpy(&k, a + mid * elsize + key_offset, sizeof k);
		if (k <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
#define CR_UPPER_BOUND(arr, n, field, x) \
	cr_upper_bound((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), field), (x))
/* Ask for huge pages under a big buffer about to be filled (fewer page
 * faults); a hint, without effect on small buffers or where unsupported. */
void cr_mem_hint_huge(void *p, size_t n);
/* The hint alone, for a buffer whose parts are mapped by several threads
 * (cr_mem_prefault each). */
void cr_mem_advise_huge(void *p, size_t n);
/* Map the pages of a buffer about to be filled in one call rather than a
 * page fault each (any size; where unsupported, nothing). */
void cr_mem_prefault(void *p, size_t n);
/* Grow the C heap by n bytes now, on huge pages where the kernel grants
 * them when asked, and keep allocations up to n there rather than in
 * mappings of their own: for a run that makes many small allocations
 * (libdwarf's) and would otherwise take a page fault for each 4 KiB of
 * heap. glibc only; a hint, without effect elsewhere (or under a
 * sanitizer's allocator). */
void cr_mem_heap_huge(size_t n);
/* Keep up to n bytes the program frees in the C heap for its next
 * allocations, and serve blocks under n/2 from there rather than from
 * mappings of their own: for a run that allocates and frees blocks of
 * about the same sizes over and over, on several threads (a profile per
 * file), which would otherwise hand the pages back and fault fresh ones
 * in each time. glibc only; a hint, without effect elsewhere. */
void cr_mem_keep_freed(size_t n);

/* A bump allocator; everything in it is freed by cr_arena_release. */
struct cr_arena_chunk;
struct cr_arena {
	struct cr_arena_chunk *head;
	char *cur, *end;
	size_t total;
	size_t first; /* the first chunk's size (0: 64 KiB); each next one doubles the total */
};
void cr_arena_init(struct cr_arena *a);
void cr_arena_release(struct cr_arena *a);
void *cr_arena_alloc(struct cr_arena *a, size_t n);   /* 16-aligned; NULL on NOMEM */
char *cr_arena_strndup(struct cr_arena *a, const char *s, size_t n);

/* Hash map from byte strings to uint32 values. Keys are copied into the
 * map's arena. */
struct cr_hmap {
	struct cr_arena arena;
	struct cr_hslot { const char *key; uint32_t len, val; uint64_t hash; } *slots;
	size_t cap, count;
};
void cr_hmap_init(struct cr_hmap *m);
void cr_hmap_release(struct cr_hmap *m);
uint64_t cr_hash(const void *key, size_t len);
/* Look up key; NULL if absent. */
uint32_t *cr_hmap_get(struct cr_hmap *m, const void *key, size_t len);
/* Look up key, inserting it with value `val` if absent; *found says which.
 * Returns the value slot, NULL on NOMEM. */
uint32_t *cr_hmap_put(struct cr_hmap *m, const void *key, size_t len, uint32_t val, bool *found);

/* String interning: id 0 is always "". Strings are NUL-terminated copies. */
struct cr_strtab {
	struct cr_hmap map;
	const char **strs;
	uint32_t *lens;
	uint64_t *hashes; /* each string's cr_hash: found in another table without hashing it again */
	size_t n, cap;
};
/* On failure (CR_NOMEM) nothing is held: no release needed. */
enum cr_err cr_strtab_init(struct cr_strtab *t);
void cr_strtab_release(struct cr_strtab *t);
/* Returns the id, or UINT32_MAX on NOMEM. */
uint32_t cr_strtab_intern(struct cr_strtab *t, const char *s, size_t len);
static inline const char *cr_strtab_get(const struct cr_strtab *t, uint32_t id)
{
	return id < t->n ? t->strs[id] : "";
}

/* [start, end): an address range (a core's heap arenas, a mapping). */
struct cr_range {
	uint64_t start, end;
};

/* A growable byte buffer (for building strings). */
struct cr_buf {
	char *data;
	size_t len, cap;
};
void cr_buf_release(struct cr_buf *b);
enum cr_err cr_buf_add(struct cr_buf *b, const void *p, size_t n);
enum cr_err cr_buf_addf(struct cr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline const char *cr_buf_str(const struct cr_buf *b) { return b->data ? b->data : ""; }
/* One warning line (at most 511 bytes, a newline added) into a list of
 * warnings that stops growing at 64 KiB: a hostile input could produce
 * millions. */
void cr_warn_linev(struct cr_buf *w, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* One line into b: the text (cut to max - 1 bytes, at most 1023; max 0:
 * 1023) and a newline. */
void cr_buf_linev(struct cr_buf *b, size_t max, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
void cr_buf_linef(struct cr_buf *b, size_t max, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Host-order loads from unaligned bytes (cores are read on a host of their
 * byte order: checked when they are opened). */
static inline uint64_t cr_ld64(const unsigned char *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
static inline uint32_t cr_ld32(const unsigned char *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline uint16_t cr_ld16(const unsigned char *p) { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }

/* Checked arithmetic on untrusted sizes. */
static inline bool cr_add_ok(size_t a, size_t b, size_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline bool cr_mul_ok(size_t a, size_t b, size_t *r) { return !__builtin_mul_overflow(a, b, r); }
/* a + b, saturated at INT64_MAX / INT64_MIN: sums of values from hostile
 * inputs must not overflow. */
static inline int64_t cr_sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}
/* |a|, INT64_MIN giving INT64_MAX */
static inline int64_t cr_sat_abs(int64_t a) { return a >= 0 ? a : a == INT64_MIN ? INT64_MAX : -a; }
static inline int64_t cr_sat_sub(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}
/* off+len lies within [0,size]? */
static inline bool cr_in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

#endif
