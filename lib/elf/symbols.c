/* Symbols of an ELF file, read on first need (see binary.h).
 *
 * Sorting a C library's debug-file symbol table (10,000 symbols) took a
 * C core's run more time and page faults than looking its few frames up:
 * until SEEN_MAX distinct addresses have been asked, cr_binary_symbol_at()
 * answers from one pass over the raw table, keeping the WALK symbols the
 * sorted table would put last at or below the address (the ones the sorted
 * lookup walks back over), and remembers each answer. Names are looked up
 * the same way until NAMED_MAX distinct ones have been asked. */
#include "binary_int.h"

#include <stdlib.h>
#include <string.h>

enum { SEEN_MAX = 64, WALK = 16, NAMED_MAX = 16 };

static int sym_cmp(const void *a, const void *b)
{
	const struct cr_elf_symbol *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* functions before other kinds at the same address, then by name, so
	 * the choice among aliases is deterministic */
	if ((x->type == CR_STT_FUNC) != (y->type == CR_STT_FUNC))
		return x->type == CR_STT_FUNC ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The raw table: .symtab, else .dynsym. */
struct rawtab {
	const uint8_t *s, *strs;
	size_t n, entsize, strsz;
	bool nul_end; /* the strings end in a NUL: each name ends inside */
};

static bool rawtab(const struct cr_binary *b, struct rawtab *t)
{
	const struct cr_elf_section *tab = NULL;
	for (size_t i = 1; i < b->nsections && !tab; i++)
		if (b->sections[i].type == CR_SHT_SYMTAB)
			tab = &b->sections[i];
	for (size_t i = 1; i < b->nsections && !tab; i++)
		if (b->sections[i].type == CR_SHT_DYNSYM)
			tab = &b->sections[i];
	if (!tab || tab->link >= b->nsections)
		return false;
	const struct cr_elf_section *str = &b->sections[tab->link];
	if (str->type == CR_SHT_NOBITS || tab->type == CR_SHT_NOBITS || (str->flags & CR_SHF_COMPRESSED))
		return false;
	t->entsize = b->is64 ? 24 : 16;
	t->n = tab->file_size / t->entsize;
	t->s = b->data + tab->offset;
	t->strs = b->data + str->offset;
	t->strsz = str->file_size;
	t->nul_end = t->strsz && t->strs[t->strsz - 1] == 0;
	return true;
}

/* Entry i: true when it is a symbol the table keeps (*y filled);
 * *cur_file follows the STT_FILE entries. */
static bool decode(const struct cr_binary *b, const struct rawtab *t, size_t i, const char **cur_file,
		   struct cr_elf_symbol *y)
{
	const uint8_t *p = t->s + i * t->entsize;
	uint32_t name = cr_binary_u32(b, p);
	y->file = NULL;
	if (b->is64) {
		y->type = p[4] & 15;
		y->bind = p[4] >> 4;
		y->shndx = cr_binary_u16(b, p + 6);
		y->value = cr_binary_u64(b, p + 8);
		y->size = cr_binary_u64(b, p + 16);
	} else {
		y->value = cr_binary_u32(b, p + 4);
		y->size = cr_binary_u32(b, p + 8);
		y->type = p[12] & 15;
		y->bind = p[12] >> 4;
		y->shndx = cr_binary_u16(b, p + 14);
	}
	if (y->type == CR_STT_FILE) {
		/* names the source of the local symbols that follow */
		*cur_file = NULL;
		if (name < t->strsz && memchr(t->strs + name, 0, t->strsz - name) && t->strs[name])
			*cur_file = (const char *)t->strs + name;
		return false;
	}
	if (y->bind == 0 /* STB_LOCAL */)
		y->file = *cur_file;
	if (y->shndx == 0 || y->shndx == 0xfff1 /* ABS */ || y->type == CR_STT_TLS || y->type > 2)
		return false;
	if (name >= t->strsz)
		return false;
	const char *nm = (const char *)t->strs + name;
	if ((!t->nul_end && !memchr(nm, 0, t->strsz - name)) || !nm[0])
		return false;
	/* mapping symbols of ARM/AArch64 ($x, $d) carry no names */
	if (nm[0] == '$')
		return false;
	y->name = nm;
	return true;
}

static void load(const struct cr_binary *b)
{
	struct cr_binary_priv *pv = b->priv;
	if (pv->syms_loaded)
		return;
	pv->syms_loaded = true;
	struct rawtab t;
	if (!rawtab(b, &t) || !t.n)
		return;
	pv->syms = cr_calloc(t.n, sizeof *pv->syms);
	if (!pv->syms)
		return;
	size_t k = 0;
	const char *cur_file = NULL;
	for (size_t i = 1; i < t.n; i++)
		if (decode(b, &t, i, &cur_file, &pv->syms[k]))
			k++;
	pv->nsyms = k;
	if (k)
		qsort(pv->syms, k, sizeof *pv->syms, sym_cmp); /* glibc's: a stable merge sort */
}

const struct cr_elf_symbol *cr_binary_symbols(const struct cr_binary *b, size_t *n)
{
	load(b);
	*n = b->priv->nsyms;
	return b->priv->syms;
}

size_t cr_binary_nsymbols(const struct cr_binary *b)
{
	load(b);
	return b->priv->nsyms;
}

static enum cr_err build_byname(struct cr_binary *b)
{
	struct cr_binary_priv *pv = b->priv;
	for (size_t i = 0; i < pv->nsyms; i++) {
		bool found;
		const char *n = pv->syms[i].name;
		if (!cr_hmap_put(&pv->byname, n, strlen(n), (uint32_t)i, &found))
			return CR_NOMEM;
	}
	/* a default version's symbol (sem_wait@@GLIBC_2.34, in a .symtab) is
	 * also found by its bare name, as gdb finds it, unless one has it */
	for (size_t i = 0; i < pv->nsyms; i++) {
		bool found;
		const char *n = pv->syms[i].name, *at = strstr(n, "@@");
		if (at && at > n && !cr_hmap_put(&pv->byname, n, (size_t)(at - n), (uint32_t)i, &found))
			return CR_NOMEM;
	}
	pv->byname_built = true;
	return CR_OK;
}

/* The symbol build_byname's index gives for name, from one pass over the
 * raw table: of the symbols named name the first in sorted order
 * (sym_cmp), else of those named name@@VERSION. Only the entries whose
 * name starts with name are decoded (and the STT_FILE ones, for the
 * local symbols' files). */
static bool scan_name(const struct cr_binary *b, const char *name, struct cr_elf_symbol *out)
{
	struct rawtab t;
	if (!rawtab(b, &t))
		return false;
	size_t len = strlen(name), tyo = b->is64 ? 4 : 12;
	bool versioned = len && !strstr(name, "@@") && name[len - 1] != '@', have = false, exact = false;
	const char *cur_file = NULL;
	for (size_t i = 1; i < t.n; i++) {
		const uint8_t *p = t.s + i * t.entsize;
		struct cr_elf_symbol y;
		uint32_t no = cr_binary_u32(b, p);
		if ((p[tyo] & 15) != CR_STT_FILE &&
		    (no >= t.strsz || t.strsz - no <= len || memcmp(t.strs + no, name, len) != 0))
			continue;
		if (!decode(b, &t, i, &cur_file, &y))
			continue;
		bool ex = y.name[len] == 0;
		if (!ex && !(versioned && y.name[len] == '@' && y.name[len + 1] == '@'))
			continue;
		if (ex ? !exact || sym_cmp(&y, out) < 0 : !exact && (!have || sym_cmp(&y, out) < 0)) {
			*out = y;
			have = true;
			exact |= ex;
		}
	}
	return have;
}

/* A name looked up before the index was built: its answer from one pass
 * (a C core's tail-call frames look a few names of the C library up
 * again and again); false when the index is to answer. */
static bool named(struct cr_binary *b, const char *name, const struct cr_elf_symbol **out)
{
	struct cr_binary_priv *pv = b->priv;
	if (pv->byname_built)
		return false;
	for (size_t i = 0; i < pv->nnamed; i++)
		if (strcmp(pv->named[i].name, name) == 0) {
			*out = pv->named[i].y;
			return true;
		}
	if (pv->nnamed >= NAMED_MAX)
		return false;
	if (!pv->named && !(pv->named = cr_calloc(NAMED_MAX, sizeof *pv->named)))
		return false;
	struct cr_elf_symbol y, *copy = NULL;
	const char *key = cr_arena_strndup(&pv->arena, name, strlen(name));
	if (!key)
		return false;
	if (scan_name(b, name, &y)) {
		if (!(copy = cr_arena_alloc(&pv->arena, sizeof *copy)))
			return false;
		*copy = y;
	}
	pv->named[pv->nnamed++] = (struct cr_sym_named){ key, copy };
	*out = copy;
	return true;
}

const struct cr_elf_symbol *cr_binary_symbol_by_name(struct cr_binary *b, const char *name)
{
	const struct cr_elf_symbol *y;
	if (named(b, name, &y))
		return y;
	load(b);
	if (!b->priv->byname_built && build_byname(b))
		return NULL;
	uint32_t *v = cr_hmap_get(&b->priv->byname, name, strlen(name));
	return v ? &b->priv->syms[*v] : NULL;
}

void cr_binary_symbols_named(struct cr_binary *b, const char *const *names, size_t n,
			     struct cr_elf_symbol *out, bool *found)
{
	struct rawtab t;
	memset(found, 0, n * sizeof *found);
	if (b->priv->syms_loaded) {
		/* the index may be built already (or the table sorted) */
		for (size_t k = 0; k < n; k++) {
			const struct cr_elf_symbol *y = cr_binary_symbol_by_name(b, names[k]);
			if ((found[k] = y != NULL))
				out[k] = *y;
		}
		return;
	}
	if (!rawtab(b, &t))
		return;
	const char *cur_file = NULL;
	for (size_t i = 1; i < t.n; i++) {
		struct cr_elf_symbol y;
		if (!decode(b, &t, i, &cur_file, &y))
			continue;
		/* the first of equal names in the sorted table (sym_cmp) wins */
		for (size_t k = 0; k < n; k++)
			if (y.name[0] == names[k][0] && strcmp(y.name, names[k]) == 0 &&
			    (!found[k] || sym_cmp(&y, &out[k]) < 0)) {
				out[k] = y;
				found[k] = true;
			}
	}
}

/* The lookup over the last candidates at or below addr, in table order
 * (c[0, n), ascending): the one covering addr, else the nearest sized-0
 * one within its section. */
static const struct cr_elf_symbol *pick(const struct cr_binary *b, const struct cr_elf_symbol *const *c, size_t n,
					uint64_t addr)
{
	if (!n)
		return NULL;
	uint64_t nearest = c[n - 1]->value;
	/* walk back over a few aliases / nested symbols for one that covers addr */
	for (size_t k = 0; k < WALK && n > 0; k++, n--) {
		const struct cr_elf_symbol *y = c[n - 1];
		if (addr - y->value < y->size)
			return y;
		if (y->size == 0 && y->value == nearest) {
			/* a sized-0 symbol covers up to the next symbol (as llvm-symbolizer
			 * sizes it), so only the nearest one below addr can; within its section */
			if (y->shndx < b->nsections) {
				const struct cr_elf_section *s = &b->sections[y->shndx];
				if (addr >= s->addr && addr - s->addr < s->file_size)
					return y;
			}
		}
	}
	return NULL;
}

/* A candidate of the pass: the symbol and its place in the raw table
 * (ties of sym_cmp keep table order, as the stable sort does). */
struct cand { struct cr_elf_symbol y; size_t i; };

static int cand_cmp(const struct cand *x, const struct cand *y)
{
	int c = sym_cmp(&x->y, &y->y);
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

/* A min-heap of the WALK greatest candidates */
static void sift_down(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && cand_cmp(&h[l], &h[m]) < 0)
			m = l;
		if (l + 1 < n && cand_cmp(&h[l + 1], &h[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		struct cand t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_add(struct cand *h, size_t *n, const struct cand *c)
{
	if (*n < WALK) {
		size_t i = (*n)++;
		h[i] = *c;
		while (i && cand_cmp(&h[i], &h[(i - 1) / 2]) < 0) {
			struct cand t = h[i];
			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (cand_cmp(c, &h[0]) > 0) {
		h[0] = *c;
		sift_down(h, *n, 0);
	}
}

static int candp_cmp(const void *a, const void *b)
{
	return cand_cmp(a, b);
}

/* The answer for addr from its candidates h[0, nh) (sorted here), copied
 * into the arena. false when out of memory. */
static bool answer(const struct cr_binary *b, uint64_t addr, struct cand *h, size_t nh,
		   const struct cr_elf_symbol **out);

/* One pass over the raw table; the answer copied into the arena. false
 * when out of memory. */
static bool scan(const struct cr_binary *b, uint64_t addr, const struct cr_elf_symbol **out)
{
	struct rawtab t;
	struct cand h[WALK];
	size_t nh = 0;
	*out = NULL;
	if (!rawtab(b, &t))
		return true;
	const char *cur_file = NULL;
	for (size_t i = 1; i < t.n; i++) {
		struct cand c;
		if (decode(b, &t, i, &cur_file, &c.y) && c.y.value <= addr) {
			c.i = i;
			heap_add(h, &nh, &c);
		}
	}
	return answer(b, addr, h, nh, out);
}

void cr_binary_symbols_at_prefetch(const struct cr_binary *b, const uint64_t *addrs, size_t n)
{
	struct cr_binary_priv *pv = b->priv;
	struct rawtab t;
	if (pv->syms_loaded || !n || !rawtab(b, &t))
		return;
	if (!pv->seen && !(pv->seen = cr_calloc(SEEN_MAX, sizeof *pv->seen)))
		return;
	/* the addresses not answered yet, once each, while they fit */
	uint64_t want[SEEN_MAX];
	size_t nw = 0;
	for (size_t k = 0; k < n; k++) {
		bool have = false;
		for (size_t i = 0; i < pv->nseen && !have; i++)
			have = pv->seen[i].addr == addrs[k];
		for (size_t i = 0; i < nw && !have; i++)
			have = want[i] == addrs[k];
		if (have)
			continue;
		if (pv->nseen + nw >= SEEN_MAX)
			return; /* too many: the sorted table will answer */
		want[nw++] = addrs[k];
	}
	if (!nw)
		return;
	struct cand(*h)[WALK] = cr_malloc(nw * sizeof *h);
	size_t *nh = cr_calloc(nw, sizeof *nh);
	/* lo[k]: the least value a symbol must have to enter h[k], once full
	 * (a C library's 10,000 symbols pass by some 30 addresses) */
	uint64_t lo[SEEN_MAX] = { 0 };
	if (h && nh) {
		const char *cur_file = NULL;
		for (size_t i = 1; i < t.n; i++) {
			struct cand c;
			if (!decode(b, &t, i, &cur_file, &c.y))
				continue;
			c.i = i;
			for (size_t k = 0; k < nw; k++)
				if (c.y.value <= want[k] && c.y.value >= lo[k]) {
					heap_add(h[k], &nh[k], &c);
					if (nh[k] == WALK)
						lo[k] = h[k][0].y.value;
				}
		}
		for (size_t k = 0; k < nw; k++) {
			const struct cr_elf_symbol *y;
			if (!answer(b, want[k], h[k], nh[k], &y))
				break;
			pv->seen[pv->nseen++] = (struct cr_sym_seen){ want[k], y };
		}
	}
	cr_free(h);
	cr_free(nh);
}

static bool answer(const struct cr_binary *b, uint64_t addr, struct cand *h, size_t nh,
		   const struct cr_elf_symbol **out)
{
	*out = NULL;
	qsort(h, nh, sizeof *h, candp_cmp);
	const struct cr_elf_symbol *c[WALK];
	for (size_t i = 0; i < nh; i++)
		c[i] = &h[i].y;
	const struct cr_elf_symbol *y = pick(b, c, nh, addr);
	if (!y)
		return true;
	struct cr_elf_symbol *copy = cr_arena_alloc(&b->priv->arena, sizeof *copy);
	if (!copy)
		return false;
	*copy = *y;
	*out = copy;
	return true;
}

const struct cr_elf_symbol *cr_binary_symbol_at(const struct cr_binary *b, uint64_t addr)
{
	struct cr_binary_priv *pv = b->priv;
	if (!pv->syms_loaded) {
		for (size_t i = 0; i < pv->nseen; i++)
			if (pv->seen[i].addr == addr)
				return pv->seen[i].y;
		if (!pv->seen)
			pv->seen = cr_calloc(SEEN_MAX, sizeof *pv->seen);
		const struct cr_elf_symbol *y;
		if (pv->seen && pv->nseen < SEEN_MAX && scan(b, addr, &y)) {
			pv->seen[pv->nseen++] = (struct cr_sym_seen){ addr, y };
			return y;
		}
		load(b); /* many addresses: the sorted table */
	}
	const struct cr_elf_symbol *syms = pv->syms;
	size_t lo = CR_UPPER_BOUND(syms, pv->nsyms, value, addr);
	const struct cr_elf_symbol *c[WALK];
	size_t n = lo < WALK ? lo : WALK;
	for (size_t i = 0; i < n; i++)
		c[i] = &syms[lo - n + i];
	return pick(b, c, n, addr);
}
