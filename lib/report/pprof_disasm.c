/* pprof's -disasm over what binutils prints: the symbols of `nm -n`, the
 * instructions of `objdump --disassemble --line-numbers`, each annotated
 * with the samples of the profile's nodes at its address. The tools are
 * run by the caller; this reads their text as pprof reads it. */
#include "coroner/pprof.h"
#include "coroner/profile.h"
#include "coroner/sym.h"

#include <stdlib.h>
#include <string.h>

/* Go's \s (RE2: [\t\n\f\r ]) */
static bool re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool xdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* s[0..n) as a hex number; false when empty or over 64 bits */
static bool parse_hex(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (x >> 60)
			return false;
		char c = s[i];
		x = x * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*v = x;
	return true;
}

/* Go's strings.TrimSpace over ASCII (the tools print ASCII) */
static void trim(const char **s, size_t *n)
{
	while (*n && strchr(" \t\n\v\f\r", (*s)[0]))
		(*s)++, (*n)--;
	while (*n && strchr(" \t\n\v\f\r", (*s)[*n - 1]))
		(*n)--;
}

/* A line of `nm -n`: "ADDR TYPE NAME" (pprof's pattern: hex, spaces, one
 * character, spaces, the rest) */
static bool nm_line(const char *s, size_t n, uint64_t *addr, const char **name, size_t *nn)
{
	size_t i = 0;
	while (i < n && xdigit(s[i]))
		i++;
	if (!parse_hex(s, i, addr) || i >= n || !re_space(s[i]))
		return false;
	while (i < n && re_space(s[i]))
		i++;
	/* (.) then \s+: the type character is any but a newline */
	if (i + 1 >= n || !re_space(s[i + 1]))
		return false;
	i++;
	while (i < n && re_space(s[i]))
		i++;
	*name = s + i;
	*nn = n - i;
	return true;
}

struct symgroup {
	const char **names;
	size_t n, cap;
	uint64_t start;
};

static enum cr_err group_add(struct symgroup *g, const char *name)
{
	if (g->n == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 8;
		const char **t = cr_realloc(g->names, c * sizeof *t);
		if (!t)
			return CR_NOMEM;
		g->names = t, g->cap = c;
	}
	g->names[g->n++] = name;
	return CR_OK;
}

/* A C++ link name's demangled forms pprof tries a regexp on, in its order
 * (else NULL): whole but for " [clone ...]" suffixes; without parameter
 * lists; without template arguments too. */
static const char *demangled_form(struct cr_arena *a, const char *name, int k)
{
	const char *d = cr_demangle(a, name);
	if (d == name)
		return NULL;
	char *t = cr_arena_strndup(a, d, strlen(d));
	if (!t)
		return NULL;
	char *c = strstr(t, " [clone ");
	if (c)
		*c = 0;
	if (k >= 1)
		cr_remove_matching(t, '(', ')');
	if (k >= 2)
		cr_remove_matching(t, '<', '>');
	return t;
}

/* pprof's matchSymbol: all the names when addr falls in the group's range,
 * else the first name rx matches, or the first demangled form of one
 * (that form is the name then) */
static enum cr_err match_group(struct cr_dis_syms *out, const struct symgroup *g, uint64_t end, const regex_t *rx,
			       uint64_t addr)
{
	size_t from = 0, count = 0;
	const char *form = NULL;
	if (addr != 0 && addr >= g->start && addr <= end) {
		count = g->n;
	} else {
		for (size_t i = 0; i < g->n && !count; i++) {
			if (!rx || regexec(rx, g->names[i], 0, NULL, 0) == 0) {
				from = i, count = 1;
				break;
			}
			for (int k = 0; k < 3 && !count && !strncmp(g->names[i], "_Z", 2); k++) {
				const char *d = demangled_form(&out->arena, g->names[i], k);
				if (d && regexec(rx, d, 0, NULL, 0) == 0)
					form = d, count = 1;
			}
		}
	}
	if (!count)
		return CR_OK;
	if (out->n == out->cap) {
		size_t c = out->cap ? out->cap * 2 : 16;
		struct cr_dis_sym *t = cr_realloc(out->syms, c * sizeof *t);
		if (!t)
			return CR_NOMEM;
		out->syms = t, out->cap = c;
	}
	const char **names = cr_arena_alloc(&out->arena, count * sizeof *names);
	if (!names)
		return CR_NOMEM;
	memcpy(names, g->names + from, count * sizeof *names);
	if (form)
		names[0] = form;
	out->syms[out->n++] = (struct cr_dis_sym){ names, count, g->start, end };
	return CR_OK;
}

enum cr_err cr_disasm_symbols(struct cr_dis_syms *out, const char *text, size_t len, const regex_t *rx, uint64_t addr,
			      struct cr_error *e)
{
	struct symgroup g = { 0 };
	enum cr_err rc = CR_OK;
	bool open = false;
	const char *p = text, *end = text + len;
	while (rc == CR_OK) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (p >= end) {
			/* the last group ends where the next address would be
			 * (0): its end wraps to the top of the address space */
			if (open)
				rc = match_group(out, &g, (uint64_t)0 - 1, rx, addr);
			break;
		}
		const char *s = p, *name;
		size_t n = (size_t)((nl ? nl : end) - p), nn;
		p = nl ? nl + 1 : end;
		uint64_t a;
		trim(&s, &n);
		if (!nm_line(s, n, &a, &name, &nn))
			continue;
		char *nm = cr_arena_strndup(&out->arena, name, nn);
		if (!nm) {
			rc = CR_NOMEM;
			break;
		}
		if (open && a == g.start) {
			rc = group_add(&g, nm);
			continue;
		}
		if (open)
			rc = match_group(out, &g, a - 1, rx, addr);
		g.n = 0, g.start = a, open = true;
		if (rc == CR_OK)
			rc = group_add(&g, nm);
	}
	cr_free(g.names);
	if (rc)
		return cr_fail(e, rc, "out of memory reading the symbols");
	return CR_OK;
}

/* The prefix ";?\s?" of pprof's objdump patterns: its choices in the
 * order the matcher tries them (both, the semicolon alone, none). */
static size_t prefix_choices(const char *s, size_t n, size_t out[3])
{
	size_t k = 0;
	if (n && s[0] == ';') {
		if (n > 1 && re_space(s[1]))
			out[k++] = 2;
		out[k++] = 1;
	}
	out[k++] = 0; /* a trimmed line does not start with a space */
	return k;
}

/* "FILE:LINE" (the last colon followed by a digit; anything after the
 * digits, as a discriminator, ignored) */
static bool file_line(const char *s, size_t n, const char **file, size_t *fn, const char **digits, size_t *dn)
{
	size_t pre[3];
	prefix_choices(s, n, pre);
	s += pre[0], n -= pre[0]; /* (.*) accepts anything: the first choice */
	for (size_t i = n; i-- > 0;) {
		if (s[i] == ':' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			*file = s, *fn = i, *digits = s + i + 1, *dn = j - i - 1;
			return true;
		}
	}
	return false;
}

/* "NAME():" (GNU objdump's function line): NAME from a non-space to the
 * last "():" */
static bool gnu_function(const char *s, size_t n, const char **name, size_t *nn)
{
	size_t pre[3], k = prefix_choices(s, n, pre);
	for (size_t c = 0; c < k; c++) {
		const char *r = s + pre[c];
		size_t rn = n - pre[c];
		if (rn == 0 || re_space(r[0]))
			continue;
		for (size_t i = rn; i-- > 1;)
			if (i + 3 <= rn && !memcmp(r + i, "():", 3)) {
				*name = r, *nn = i;
				return true;
			}
	}
	return false;
}

/* "[HEX][ ]NAME:" (llvm-objdump's function line, as pprof also reads
 * other lines): NAME up to the last colon */
static bool llvm_function(const char *s, size_t n, const char **name, size_t *nn)
{
	const char *colon = NULL;
	for (size_t i = n; i-- > 0;)
		if (s[i] == ':') {
			colon = s + i;
			break;
		}
	if (!colon)
		return false;
	size_t i = 0;
	while (s + i < colon && xdigit(s[i]))
		i++;
	if (s + i < colon && re_space(s[i]))
		i++;
	*name = s + i, *nn = (size_t)(colon - s - (ptrdiff_t)i);
	return true;
}

static enum cr_err inst_add(struct cr_dis_insts *out, const struct cr_dis_inst *in)
{
	if (out->n == out->cap) {
		size_t c = out->cap ? out->cap * 2 : 256;
		struct cr_dis_inst *t = cr_realloc(out->insts, c * sizeof *t);
		if (!t)
			return CR_NOMEM;
		out->insts = t, out->cap = c;
	}
	out->insts[out->n++] = *in;
	return CR_OK;
}

enum cr_err cr_disasm_parse(struct cr_dis_insts *out, const char *text, size_t len, struct cr_error *e)
{
	const char *function = "", *file = "";
	int64_t line = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *s = p, *a, *b;
		size_t n = (size_t)((nl ? nl : end) - p), an, bn;
		p = nl ? nl + 1 : end;
		trim(&s, &n);
		/* an instruction: "HEX:" spaces, the text */
		size_t i = 0;
		uint64_t addr;
		while (i < n && xdigit(s[i]))
			i++;
		if (i < n && s[i] == ':' && i + 1 < n && re_space(s[i + 1]) && parse_hex(s, i, &addr)) {
			i++;
			while (i < n && re_space(s[i]))
				i++;
			struct cr_dis_inst in = { .addr = addr, .function = function, .file = file, .line = line,
						  .text = cr_arena_strndup(&out->arena, s + i, n - i) };
			if (!in.text || inst_add(out, &in))
				return cr_fail(e, CR_NOMEM, "out of memory reading the instructions");
			continue;
		}
		if (file_line(s, n, &a, &an, &b, &bn)) {
			uint64_t l = 0;
			bool ok = bn <= 10;
			for (size_t k = 0; ok && k < bn; k++)
				l = l * 10 + (uint64_t)(b[k] - '0');
			if (ok && l <= 0xffffffffu) { /* pprof reads it as 32 bits; else it keeps the last */
				file = cr_arena_strndup(&out->arena, a, an);
				line = (int64_t)l;
				if (!file)
					return cr_fail(e, CR_NOMEM, "out of memory reading the instructions");
			}
			continue;
		}
		if (gnu_function(s, n, &a, &an) || llvm_function(s, n, &a, &an)) {
			function = cr_arena_strndup(&out->arena, a, an);
			if (!function)
				return cr_fail(e, CR_NOMEM, "out of memory reading the instructions");
			continue;
		}
		function = "", file = "", line = 0; /* pprof resets on other lines */
	}
	return CR_OK;
}

void cr_disasm_syms_release(struct cr_dis_syms *s)
{
	cr_free(s->syms);
	cr_arena_release(&s->arena);
	memset(s, 0, sizeof *s);
	cr_arena_init(&s->arena);
}

void cr_disasm_insts_release(struct cr_dis_insts *s)
{
	cr_free(s->insts);
	cr_arena_release(&s->arena);
	memset(s, 0, sizeof *s);
	cr_arena_init(&s->arena);
}

/* filepath.Base */
static const char *base_name(struct cr_arena *a, const char *f)
{
	size_t n = strlen(f);
	while (n > 1 && f[n - 1] == '/')
		n--;
	if (n == 1 && f[0] == '/')
		return "/";
	size_t s = n;
	while (s > 0 && f[s - 1] != '/')
		s--;
	return cr_arena_strndup(a, f + s, n - s);
}

struct byaddr {
	uint64_t addr;
	uint32_t node;
};

static int cmp_byaddr(const void *x, const void *y)
{
	const struct byaddr *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

/* Is node i in the file's symbol [start, end]? Its address must lie in
 * the file's mapping [ms, ml) (when that is known), then, less the base,
 * in the symbol. */
static bool node_in(const struct cr_pgraph *g, size_t i, const struct cr_dis_range *r, uint64_t *a)
{
	uint64_t x = g->names.frame[g->nodes[i].slot].address;
	if (r->map_start < r->map_limit && (x < r->map_start || x >= r->map_limit))
		return false;
	*a = x - r->base;
	return *a >= r->start && *a <= r->end;
}

size_t cr_disasm_sym_nodes(const struct cr_pgraph *g, const struct cr_dis_range *r, int64_t *flat, int64_t *cum)
{
	size_t k = 0;
	*flat = *cum = 0;
	for (size_t i = 0; i < g->nnodes; i++) {
		uint64_t a;
		if (node_in(g, i, r, &a)) {
			*flat = (int64_t)((uint64_t)*flat + (uint64_t)g->nodes[i].flat);
			*cum = (int64_t)((uint64_t)*cum + (uint64_t)g->nodes[i].cum);
			k++;
		}
	}
	return k;
}

enum cr_err cr_disasm_annotate(struct cr_dis_insts *in, const struct cr_pgraph *g, const struct cr_dis_range *r,
			       struct cr_error *e)
{
	size_t nn = 0;
	struct byaddr *s = cr_calloc(g->nnodes + 1, sizeof *s);
	if (!s)
		return cr_fail(e, CR_NOMEM, "out of memory annotating the instructions");
	for (size_t i = 0; i < g->nnodes; i++) {
		uint64_t a;
		if (node_in(g, i, r, &a))
			s[nn++] = (struct byaddr){ a, (uint32_t)i };
	}
	qsort(s, nn, sizeof *s, cmp_byaddr);
	size_t k = 0;
	for (size_t i = 0; i < in->n; i++) {
		struct cr_dis_inst *t = &in->insts[i];
		if (*t->file && !(t->file = base_name(&in->arena, t->file))) {
			cr_free(s);
			return cr_fail(e, CR_NOMEM, "out of memory annotating the instructions");
		}
		uint64_t next = i + 1 < in->n ? in->insts[i + 1].addr : (uint64_t)0 - 1;
		/* the samples up to the next instruction (pprof's order: by
		 * address); -mean: the sums over the sums of their divisors */
		int64_t fd = 0, cd = 0;
		for (; k < nn && s[k].addr < next; k++) {
			const struct cr_pgraph_node *n = &g->nodes[s[k].node];
			const struct cr_pprof_frame *f = &g->names.frame[n->slot];
			t->flat = (int64_t)((uint64_t)t->flat + (uint64_t)n->flat);
			t->cum = (int64_t)((uint64_t)t->cum + (uint64_t)n->cum);
			fd = (int64_t)((uint64_t)fd + (uint64_t)n->flat_div);
			cd = (int64_t)((uint64_t)cd + (uint64_t)n->cum_div);
			if (*f->file && !*t->file && !(t->file = base_name(&in->arena, f->file))) {
				cr_free(s);
				return cr_fail(e, CR_NOMEM, "out of memory annotating the instructions");
			}
			if (f->line && !t->line)
				t->line = f->line;
			if (*f->name && !*t->function)
				t->function = f->name;
		}
		t->flat = cr_pprof_mean(t->flat, fd);
		t->cum = cr_pprof_mean(t->cum, cd);
	}
	cr_free(s);
	return CR_OK;
}
