/* coroner symbolize: the addresses of stdin. */
#include "cmd.h"
#include "symbolize.h"
#include "coroner/text.h"

#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Addresses from stdin are resolved in batches in address order (the
 * pclntab and line tables are then walked with locality: ~3x faster on
 * 100k random addresses of a big binary) and printed in input order. */
struct pending {
	const char *line;
	uint32_t len, fstart, nf;
	bool ok, pend;
	uint8_t part;
	uint64_t addr;
};
struct pkey { uint64_t addr; uint32_t idx; };


/* LSD radix sort of k[0..n) by address, 8 bits a pass, passes whose byte
 * is the same everywhere skipped; stable, so equal addresses keep input
 * order. tmp has room for n keys. */
static void radix_sort(struct pkey *k, struct pkey *tmp, size_t n)
{
	uint64_t all_or = 0, all_and = ~(uint64_t)0;
	for (size_t i = 0; i < n; i++) {
		all_or |= k[i].addr;
		all_and &= k[i].addr;
	}
	struct pkey *src = k, *dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue;
		size_t cnt[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			cnt[((src[i].addr >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			cnt[b + 1] += cnt[b];
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i].addr >> shift) & 0xff]++] = src[i];
		struct pkey *t = src;
		src = dst;
		dst = t;
	}
	if (src != k)
		memcpy(k, src, n * sizeof *k);
}

/* A batch sorted by address is resolved in two parts, the lower and the
 * upper addresses, on two threads: each through its own pclntab (with
 * its own cache of decoded tables: the parts share few functions). */
struct part {
	struct ctx *c;
	struct cr_pclntab *t;   /* this thread's pclntab, NULL: through sym_resolve() */
	struct pending *p;      /* the batch, input order */
	const struct pkey *k;   /* its keys by address: this part's are [lo, hi) */
	size_t lo, hi;
	struct cr_frame *fr;
	size_t cap, used;
	bool pend;              /* an address left to sym_resolve(): the pclntab had no answer */
	bool nomem;
};

static bool part_room(struct part *h)
{
	if (cr_grow(&h->fr, &h->cap, h->used + 256, sizeof *h->fr)) {
		h->nomem = true;
		return false;
	}
	return true;
}

/* Resolve the part's addresses in address order: through the pclntab
 * when h->t (what it cannot answer is left to resolve_rest()), else
 * through sym_resolve(); part `id` of the batch. rest: only those left. */
static void resolve_part(struct part *h, uint8_t id, bool rest)
{
	struct ctx *c = h->c;
	struct pending *p = h->p;
	const struct pkey *k = h->k;
	if (!rest) {
		h->used = 0;
		h->pend = false;
	}
	for (size_t i = h->lo; i < h->hi && !h->nomem; i++) {
		struct pending *q = &p[k[i].idx];
		if (rest && !q->pend)
			continue;
		if (i > h->lo && k[i - 1].addr == k[i].addr) {
			q->fstart = p[k[i - 1].idx].fstart;
			q->nf = p[k[i - 1].idx].nf;
			q->pend = p[k[i - 1].idx].pend;
			q->part = id;
			continue;
		}
		if (!part_room(h))
			return;
		q->fstart = (uint32_t)h->used;
		q->part = id;
		q->pend = false;
		if (h->t && !rest) {
			uint64_t link = q->addr - (uint64_t)c->bias;
			q->nf = (uint32_t)cr_symbolize_pclntab(h->t, link, c->retaddr, c->inlines, h->fr + h->used, 256);
			q->pend = q->nf == 0;
			h->pend |= q->pend;
		} else
			q->nf = (uint32_t)sym_resolve(c, q->addr, h->fr + h->used, 256);
		h->used += q->nf;
	}
}

static void *part_thread(void *arg)
{
	resolve_part(arg, 1, false);
	return NULL;
}

/* Printing a range of the batch, in input order (the second thread prints
 * the second half into memory). */
struct printing {
	struct ctx *c;
	const struct pending *p;
	size_t n;
	const struct part *parts;
	struct tout *o;
};

static void print_range(struct printing *w)
{
	for (size_t i = 0; i < w->n && !w->o->fail; i++) {
		const struct pending *q = &w->p[i];
		if (q->ok)
			sym_print_frames(w->c, w->o, q->addr, w->parts[q->part].fr + q->fstart, q->nf);
		else
			sym_print_unparsed(w->c, w->o, q->line, q->len);
	}
}

static void *print_thread(void *arg)
{
	print_range(arg);
	return NULL;
}

/* May the second thread print? Text only, and no C++ name (demangled
 * through a cache only the main thread uses). */
static bool print_two(const struct ctx *c, const struct part *parts, size_t np, size_t n)
{
	if (c->fmt != CR_FMT_TEXT || np < 2 || n < 1024)
		return false;
	for (size_t h = 0; h < np; h++)
		for (size_t i = 0; sym_demangle_on && i < parts[h].used; i++)
			if (parts[h].fr[i].function[0] == '_' && parts[h].fr[i].function[1] == 'Z')
				return false;
	return true;
}

static int flush_batch(struct part *parts, size_t np, struct tout *o, struct pending *p, struct pkey *k, size_t n)
{
	size_t nk = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].ok)
			k[nk++] = (struct pkey){ p[i].addr, (uint32_t)i };
	radix_sort(k, k + n, nk);
	/* the parts meet between two different addresses */
	size_t mid = np == 2 && nk >= 1024 ? nk / 2 : nk;
	while (mid > 0 && mid < nk && k[mid - 1].addr == k[mid].addr)
		mid++;
	for (size_t h = 0; h < 2; h++)
		parts[h].p = p, parts[h].k = k;
	parts[0].lo = 0, parts[0].hi = mid;
	parts[1].lo = mid, parts[1].hi = nk;
	parts[1].used = 0;
	pthread_t tid;
	bool two = mid < nk && pthread_create(&tid, NULL, part_thread, &parts[1]) == 0;
	resolve_part(&parts[0], 0, false);
	if (two)
		pthread_join(tid, NULL);
	else if (mid < nk)
		resolve_part(&parts[1], 1, false);
	/* what the pclntab left, in address order as one thread would */
	for (size_t h = 0; h < 2; h++)
		if (parts[h].pend)
			resolve_part(&parts[h], (uint8_t)h, true);
	if (parts[0].nomem || parts[1].nomem)
		return cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	size_t half = print_two(parts[0].c, parts, np, n) ? n / 2 : n;
	o[1].len = 0;
	o[1].fail = false;
	struct printing w[2] = {
		{ .c = parts[0].c, .p = p, .n = half, .parts = parts, .o = &o[0] },
		{ .c = parts[0].c, .p = p + half, .n = n - half, .parts = parts, .o = &o[1] },
	};
	two = half < n && pthread_create(&tid, NULL, print_thread, &w[1]) == 0;
	print_range(&w[0]);
	if (two)
		pthread_join(tid, NULL);
	if (two && !o[1].fail)
		sym_tout_put(&o[0], o[1].b, o[1].len);
	else if (half < n) {
		w[1].o = &o[0];
		print_range(&w[1]);
	}
	return o[0].fail ? cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" }) : 0;
}

/* Go binaries without --core: see struct part. */
int sym_stdin_batches(struct ctx *c, const unsigned char *data, size_t len)
{
	enum { BATCH = 1 << 12 };
	struct cr_pclntab *pt = c->s && !c->cc ? cr_symbolizer_pclntab(c->s) : NULL;
	struct part parts[2] = { { .c = c }, { .c = c } };
	struct tout o[2] = { { .f = stdout }, { 0 } };
	if (pt && cr_pclntab_clone(pt, false, &parts[0].t))
		return cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	size_t np = pt && sysconf(_SC_NPROCESSORS_ONLN) > 1 && cr_pclntab_clone(pt, false, &parts[1].t) == CR_OK ? 2 : 1;
	struct pending *p = cr_calloc(BATCH, sizeof *p);
	struct pkey *k = cr_calloc(2 * (size_t)BATCH, sizeof *k); /* keys + radix scratch */
	size_t n = 0;
	int rc = 0;
	if (!p || !k)
		rc = cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	struct cr_lines it;
	cr_lines_init(&it, data, len);
	const char *l;
	size_t ln;
	bool cut;
	while (!rc && cr_lines_next(&it, &l, &ln, 4096, &cut)) {
		if (ln == 0)
			continue;
		struct pending *q = &p[n];
		q->line = l;
		q->len = (uint32_t)ln;
		q->ok = sym_parse_addr(l, ln, &q->addr);
		if (!q->ok)
			q->addr = 0;
		if (++n == BATCH) {
			rc = flush_batch(parts, np, o, p, k, n);
			n = 0;
		}
	}
	if (!rc && n)
		rc = flush_batch(parts, np, o, p, k, n);
	sym_tout_flush(&o[0]);
	free(o[0].b);
	free(o[1].b);
	cr_pclntab_close(parts[0].t);
	cr_pclntab_close(parts[1].t);
	cr_free(parts[0].fr);
	cr_free(parts[1].fr);
	cr_free(k);
	cr_free(p);
	return rc;
}

/* Text for a Go binary: every address of the input sorted at once (each
 * function's tables are then decoded once for all its addresses), each
 * distinct address's text written in address order (its names are then
 * in cache) into the buffer of the thread that resolved it, then copied
 * out in input order. What the pclntab cannot answer is resolved after,
 * on the main thread; a C++ name (demangled through a cache of the main
 * thread's) sends the input back to the batches. */
struct chunk { uint64_t off; uint32_t len; uint8_t part; };
enum { UNPARSED = UINT32_MAX, PEND = UINT32_MAX - 1 };
/* past this much text a thread (long names, deep inlining) the batches,
 * which print as they go, answer instead */
#define SORTED_TEXT_MAX ((size_t)256 << 20)

struct spart {
	struct ctx *c;
	struct cr_pclntab *t;   /* NULL: through sym_resolve() */
	const struct pkey *k;   /* this part's keys are [lo, hi) */
	size_t lo, hi;
	struct chunk *ch;       /* by input line */
	struct tout o;          /* the texts */
	uint8_t id;
	bool fail;
	struct cr_frame fr[256];
};

static void sorted_part(struct spart *h)
{
	struct ctx *c = h->c;
	for (size_t i = h->lo; i < h->hi && !h->fail; i++) {
		struct chunk *q = &h->ch[h->k[i].idx];
		if (i > h->lo && h->k[i - 1].addr == h->k[i].addr) {
			*q = h->ch[h->k[i - 1].idx];
			continue;
		}
		if (!h->t && q->len != PEND)
			continue;
		size_t nf;
		if (h->t) {
			nf = cr_symbolize_pclntab(h->t, h->k[i].addr - (uint64_t)c->bias, c->retaddr, c->inlines, h->fr, 256);
			for (size_t f = 0; f < nf && sym_demangle_on; f++)
				h->fail |= h->fr[f].function[0] == '_' && h->fr[f].function[1] == 'Z';
		} else
			nf = sym_resolve(c, h->k[i].addr, h->fr, 256);
		size_t off = h->o.len;
		if (nf || !h->t)
			sym_print_frames(c, &h->o, h->k[i].addr, h->fr, nf);
		h->fail |= h->o.fail || h->o.len - off >= PEND || h->o.len > SORTED_TEXT_MAX;
		*q = (struct chunk){ off, nf || !h->t ? (uint32_t)(h->o.len - off) : PEND, h->id };
	}
}

static void *sorted_thread(void *arg)
{
	sorted_part(arg);
	return NULL;
}

/* The keys of the input's addresses by line (ch), then sorted. */
static bool sorted_keys(const unsigned char *data, size_t len, struct chunk **ch, size_t *n, struct pkey **k,
			size_t *nk)
{
	size_t cap_ch = 0, cap_k = 0, lines = 1;
	struct cr_lines it;
	const char *l;
	size_t ln;
	bool cut;
	/* sized once from the newlines (the arrays are not copied as they grow) */
	for (const unsigned char *p = data, *e = data + len; p < e && (p = memchr(p, '\n', (size_t)(e - p))); p++)
		lines++;
	if (lines >= (1u << 15) && !cr_grow_exact(ch, &cap_ch, lines, sizeof **ch) &&
	    !cr_grow_exact(k, &cap_k, 2 * lines, sizeof **k)) {
		cr_mem_prefault(*ch, cap_ch * sizeof **ch);
		cr_mem_prefault(*k, cap_k * sizeof **k);
	}
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &l, &ln, 4096, &cut)) {
		if (ln == 0)
			continue;
		uint64_t a;
		bool ok = sym_parse_addr(l, ln, &a);
		if (*n >= UINT32_MAX || cr_grow(ch, &cap_ch, *n + 1, sizeof **ch) ||
		    (ok && cr_grow(k, &cap_k, 2 * (*nk + 1), sizeof **k)))
			return false;
		(*ch)[*n] = (struct chunk){ .len = UNPARSED };
		if (ok)
			(*k)[(*nk)++] = (struct pkey){ a, (uint32_t)*n };
		++*n;
	}
	if (*nk)
		radix_sort(*k, *k + *nk, *nk);
	return true;
}

/* Resolve and write the texts; false: the batches must answer. */
static bool sorted_resolve(struct spart *parts, struct cr_pclntab *const *t, size_t np, size_t nk)
{
	const struct pkey *k = parts[0].k;
	/* the parts meet between two different addresses */
	size_t mid = np == 2 && nk >= 1024 ? nk / 2 : nk;
	while (mid > 0 && mid < nk && k[mid - 1].addr == k[mid].addr)
		mid++;
	parts[0].t = t[0];
	parts[1].t = t[1] ? t[1] : t[0];
	parts[0].hi = parts[1].lo = mid;
	parts[1].hi = nk;
	/* about 120 bytes of text an address (two or three frames): mapped at
	 * once, in huge pages where granted, not faulted in a page at a time;
	 * twice that reserved (a realloc copies) */
	for (size_t h = 0; h < 2; h++) {
		size_t cnt = parts[h].hi - parts[h].lo;
		void *b;
		if (cnt >= (1u << 15) && posix_memalign(&b, 2u << 20, cnt * 256) == 0) {
			parts[h].o.b = b;
			parts[h].o.cap = cnt * 256;
			cr_mem_hint_huge(parts[h].o.b, cnt * 128);
		}
	}
	pthread_t tid;
	bool two = mid < nk && t[1] && pthread_create(&tid, NULL, sorted_thread, &parts[1]) == 0;
	sorted_part(&parts[0]);
	if (two)
		pthread_join(tid, NULL);
	else
		sorted_part(&parts[1]);
	if (parts[0].fail || parts[1].fail)
		return false;
	/* what the pclntab left, in address order, into the first part's text */
	parts[0].t = NULL;
	parts[0].hi = nk;
	sorted_part(&parts[0]);
	return !parts[0].fail;
}

/* -1: the batches must answer (nothing printed), else an exit code. */
static int sorted_run(struct ctx *c, struct cr_pclntab *const *t, size_t np, const unsigned char *data, size_t len)
{
	struct chunk *ch = NULL;
	struct pkey *k = NULL;
	size_t n = 0, nk = 0;
	struct spart *parts = calloc(2, sizeof *parts);
	int rc = -1;
	if (parts && sorted_keys(data, len, &ch, &n, &k, &nk)) {
		for (uint8_t h = 0; h < 2; h++)
			parts[h] = (struct spart){ .c = c, .k = k, .ch = ch, .id = h };
		if (sorted_resolve(parts, t, np, nk))
			rc = 0;
	}
	/* the texts in input order */
	struct tout o = { .f = stdout };
	if (rc == 0) {
		struct cr_lines it;
		const char *l;
		size_t ln, i = 0;
		bool cut;
		cr_lines_init(&it, data, len);
		while (i < n && !o.fail && cr_lines_next(&it, &l, &ln, 4096, &cut)) {
			if (ln == 0)
				continue;
			const struct chunk *q = &ch[i++];
			/* the text of the line a few ahead is asked for now */
			if (i + 8 < n && ch[i + 8].len != UNPARSED) {
				const char *a = parts[ch[i + 8].part].o.b + ch[i + 8].off;
				__builtin_prefetch(a);
				__builtin_prefetch(a + 64);
			}
			if (q->len == UNPARSED)
				sym_print_unparsed(c, &o, l, ln);
			else
				sym_tout_put(&o, parts[q->part].o.b + q->off, q->len);
		}
		sym_tout_flush(&o);
		if (o.fail)
			rc = cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	}
	free(o.b);
	if (parts) {
		free(parts[0].o.b);
		free(parts[1].o.b);
	}
	free(parts);
	cr_free(ch);
	cr_free(k);
	return rc;
}

int sym_stdin(struct ctx *c, const unsigned char *data, size_t len)
{
	struct cr_pclntab *pt = c->s && !c->cc ? cr_symbolizer_pclntab(c->s) : NULL;
	if (!pt || c->fmt != CR_FMT_TEXT)
		return sym_stdin_batches(c, data, len);
	struct cr_pclntab *t[2] = { NULL, NULL };
	if (cr_pclntab_clone(pt, false, &t[0]))
		return cmd_error(&(struct cr_error){ CR_NOMEM, "out of memory" });
	size_t np = sysconf(_SC_NPROCESSORS_ONLN) > 1 && cr_pclntab_clone(pt, false, &t[1]) == CR_OK ? 2 : 1;
	int rc = sorted_run(c, t, np, data, len);
	cr_pclntab_close(t[0]);
	cr_pclntab_close(t[1]);
	return rc < 0 ? sym_stdin_batches(c, data, len) : rc;
}
