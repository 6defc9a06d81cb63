/* Go's regexp syntax (regexp/syntax, Perl flags) for pprof's patterns,
 * which coroner matches with POSIX regcomp. First the check: regcomp takes
 * some patterns Go refuses ("a)", "\q") and words its refusals its own
 * way, so this walks a pattern as Go's parser does far enough to find the
 * errors people make: an unmatched or unexpected parenthesis, an unclosed
 * or backward class, an unknown class name, a bad escape, a repetition
 * with nothing to repeat or after another, a repeat count past 1000,
 * unsupported (?...) syntax. Go's message is "CODE: `EXPR`", EXPR the part
 * of the pattern Go names. Then the rewrite (below).
 */
#include "coroner/filter.h"
#include "coroner/top.h"
#include "coroner/util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct gore {
	const char *re;    /* the whole pattern */
	char *msg;
	size_t n;
};

static bool fail(struct gore *g, const char *code, const char *at, size_t len)
{
	snprintf(g->msg, g->n, "%s: `%.*s`", code, (int)len, at);
	return false;
}

enum { F_I = 1, F_S = 2 }; /* the flags (?i) and (?s) */

struct bset {
	uint64_t w[4];
};

static void bs_add(struct bset *s, unsigned c) { s->w[c >> 6 & 3] |= 1ull << (c & 63); }
static bool bs_has(const struct bset *s, unsigned c) { return s->w[c >> 6 & 3] >> (c & 63) & 1; }
static void bs_range(struct bset *s, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi && c < 256; c++)
		bs_add(s, c);
}
static void bs_or(struct bset *d, const struct bset *s)
{
	for (int k = 0; k < 4; k++)
		d->w[k] |= s->w[k];
}
static void bs_not(struct bset *s)
{
	for (int k = 0; k < 4; k++)
		s->w[k] = ~s->w[k];
}
static void bs_fold(struct bset *s)
{
	for (unsigned c = 'a'; c <= 'z'; c++)
		if (bs_has(s, c) || bs_has(s, c - 32))
			bs_add(s, c), bs_add(s, c - 32);
}

/* Go's named ASCII classes ([:NAME:]) */
static bool named_class(const char *name, size_t n, struct bset *s)
{
	static const struct { const char *name, *ranges; } tab[] = {
		{ "alnum", "09AZaz" }, { "alpha", "AZaz" }, { "ascii", "\001\177" }, { "blank", "\t\t  " },
		{ "cntrl", "\001\037\177\177" }, { "digit", "09" }, { "graph", "!~" }, { "lower", "az" },
		{ "print", " ~" }, { "punct", "!/:@[`{~" }, { "space", "\t\r  " }, { "upper", "AZ" },
		{ "word", "09AZaz__" }, { "xdigit", "09AFaf" },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i].name) == n && !memcmp(tab[i].name, name, n)) {
			for (const char *r = tab[i].ranges; *r; r += 2)
				bs_range(s, (unsigned char)r[0], (unsigned char)r[1]);
			return true;
		}
	return false;
}

/* \d \D \s \S \w \W at p into s (negated ones negated); false if p is none */
static bool perl_class(const char *p, int flags, struct bset *s)
{
	if (p[0] != '\\' || !p[1] || !strchr("dDsSwW", p[1]))
		return false;
	struct bset c = { { 0 } };
	switch (tolower((unsigned char)p[1])) {
	case 'd': bs_range(&c, '0', '9'); break;
	case 's': bs_range(&c, '\t', '\n'), bs_range(&c, '\f', '\r'), bs_add(&c, ' '); break;
	default: named_class("word", 4, &c); break;
	}
	if (flags & F_I)
		bs_fold(&c);
	if (isupper((unsigned char)p[1]))
		bs_not(&c);
	bs_or(s, &c);
	return true;
}

/* the UTF-8 sequence at *pp (checked valid), *pp moved past it */
static uint32_t char_at_raw(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	unsigned n = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	uint32_t r = n == 1 ? p[0] : p[0] & (0x7fu >> n);
	unsigned k = 1;
	for (; k < n && p[k]; k++)
		r = r << 6 | (p[k] & 0x3f);
	*pp += k;
	return r;
}

/* one character at *pp (an escape or a UTF-8 sequence), *pp moved past
 * it; UINT32_MAX for a Unicode class (refused) */
static uint32_t char_at(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	uint32_t r;
	if (p[0] != '\\')
		return char_at_raw(pp);
	if (!p[1]) { /* (the check refuses a trailing backslash) */
		*pp += 1;
		return '\\';
	}
	const char *q = *pp + 2;
	switch (p[1]) {
	case 'a': r = 7; break;
	case 'f': r = 12; break;
	case 't': r = 9; break;
	case 'n': r = 10; break;
	case 'r': r = 13; break;
	case 'v': r = 11; break;
	case 'p': case 'P': *pp = q; return UINT32_MAX;
	case 'x':
		r = 0;
		if (*q == '{') {
			for (q++; isxdigit((unsigned char)*q); q++)
				r = r < 0x110000 ? r * 16 + (uint32_t)(isdigit((unsigned char)*q) ? *q - '0' : (*q | 32) - 'a' + 10) : r;
			q += *q == '}';
		} else {
			for (int k = 0; k < 2 && isxdigit((unsigned char)*q); k++, q++)
				r = r * 16 + (uint32_t)(isdigit((unsigned char)*q) ? *q - '0' : (*q | 32) - 'a' + 10);
		}
		break;
	default:
		if (p[1] >= '0' && p[1] <= '7') { /* octal: up to three digits */
			r = p[1] - '0';
			for (int k = 1; k < 3 && *q >= '0' && *q <= '7'; k++, q++)
				r = r * 8 + (uint32_t)(*q - '0');
		} else {
			r = p[1]; /* escaped punctuation */
		}
		break;
	}
	*pp = q;
	return r;
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* The escape at s ('\\' first) as Go's parseEscape reads it; *end past it.
 * in_class: inside brackets (no \b \B \A \z \Q there). */
static bool escape(struct gore *g, const char *s, bool in_class, const char **end)
{
	char c = s[1];
	const char *t = s + 2;
	if (!c)
		return fail(g, "trailing backslash at end of expression", "", 0);
	if ((unsigned char)c < 0x80 && !isalnum((unsigned char)c)) {
		*end = t;
		return true;
	}
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (*t < '0' || *t > '7')
			break;
		/* fall through */
	case '0':
		for (int k = 0; k < 2 && *t >= '0' && *t <= '7'; k++)
			t++;
		*end = t;
		return true;
	case 'x':
		if (*t == '{') {
			const char *q = t + 1;
			for (unsigned long v = 0; is_hex(*q); q++) {
				v = v * 16 + (unsigned long)(isdigit((unsigned char)*q) ? *q - '0' : (*q | 32) - 'a' + 10);
				if (v > 0x10ffff) /* past the last rune: Go stops at this digit */
					return fail(g, "invalid escape sequence", s, (size_t)(q + 1 - s));
			}
			if (q == t + 1 || *q != '}')
				return fail(g, "invalid escape sequence", s, (size_t)(q + (*q != 0) - s));
			*end = q + 1;
			return true;
		}
		if (!is_hex(t[0]) || !is_hex(t[1]))
			return fail(g, "invalid escape sequence", s, (size_t)(t + (t[0] != 0) + (t[0] && t[1]) - s));
		*end = t + 2;
		return true;
	case 'p': case 'P':
		if (*t == '{') {
			const char *q = strchr(t, '}');
			if (!q)
				return fail(g, "invalid character class range", s, strlen(s));
			/* a Unicode table's name, "^" first to negate: letters and
			 * '_' ("Old_Italic"); a name of other bytes is no table */
			const char *n = t + 1 + (t[1] == '^');
			if (n == q || strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") != (size_t)(q - n))
				return fail(g, "invalid character class range", s, (size_t)(q + 1 - s));
			*end = q + 1;
		} else if (*t && strchr("CLMNPSZ", *t)) { /* the one-letter Unicode categories */
			*end = t + 1;
		} else if (*t) {
			return fail(g, "invalid character class range", s, 3);
		} else {
			return fail(g, "invalid character class range", s, strlen(s));
		}
		return true;
	case 'a': case 'f': case 'n': case 'r': case 't': case 'v':
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
		*end = t;
		return true;
	case 'b': case 'B': case 'A': case 'z':
		if (in_class)
			break;
		*end = t;
		return true;
	default:
		break;
	}
	unsigned char b = (unsigned char)c; /* Go names the whole escaped rune */
	return fail(g, "invalid escape sequence", s, 1 + (b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4));
}

/* A character of a class at *t (an escape or a UTF-8 sequence) into *r,
 * *t moved past it. A class escape (\d, \pL) cannot be one: Go reads it
 * as an escape there, and refuses it. */
static bool class_char(struct gore *g, const char **t, uint32_t *r)
{
	const char *c = *t;
	if (c[0] == '\\' && c[1] && strchr("dDsSwWpP", c[1]))
		return fail(g, "invalid escape sequence", c, 2);
	if (c[0] == '\\' && !escape(g, c, true, t))
		return false;
	*r = char_at(&c);
	*t = c;
	return true;
}

/* A bracket class at s ('['); *end past its ']'. Go reads each item as a
 * named class ([:alpha:]), a Unicode or Perl class (\pL, \d), else a
 * character or a range of them. */
static bool bracket(struct gore *g, const char *s, const char **end)
{
	const char *t = s + 1;
	if (*t == '^')
		t++;
	for (bool first = true; first || *t != ']'; first = false) {
		if (!*t)
			return fail(g, "missing closing ]", s, strlen(s));
		if (t[0] == '[' && t[1] == ':') {
			const char *q = strstr(t + 2, ":]"), *nm = t + 2 + (t[2] == '^');
			struct bset c = { { 0 } };
			if (q && !named_class(nm, (size_t)(q - nm), &c))
				return fail(g, "invalid character class range", t, (size_t)(q + 2 - t));
			if (q) {
				t = q + 2;
				continue;
			}
		}
		if (t[0] == '\\' && t[1] && strchr("dDsSwWpP", t[1])) {
			if (!escape(g, t, true, &t))
				return false;
			continue;
		}
		const char *rng = t;
		uint32_t lo, hi;
		if (!class_char(g, &t, &lo))
			return false;
		if (t[0] == '-' && t[1] && t[1] != ']') {
			t++;
			if (!class_char(g, &t, &hi))
				return false;
			if (hi < lo)
				return fail(g, "invalid character class range", rng, (size_t)(t - rng));
		}
	}
	*end = t + 1;
	return true;
}

/* A repeat count {n}, {n,} or {n,m} at s: its end, or NULL when s is a
 * literal '{'; *bad: a count Go refuses (past 1000, max below min). */
static const char *repeat_count(const char *s, bool *bad, long *min, long *max)
{
	const char *t = s + 1;
	long lo = 0, hi;
	if (!isdigit((unsigned char)*t))
		return NULL;
	while (isdigit((unsigned char)*t))
		lo = lo < 100000 ? lo * 10 + (*t++ - '0') : (t++, lo);
	hi = lo;
	if (*t == ',') {
		t++;
		if (*t == '}') {
			hi = -1;
		} else {
			if (!isdigit((unsigned char)*t))
				return NULL;
			hi = 0;
			while (isdigit((unsigned char)*t))
				hi = hi < 100000 ? hi * 10 + (*t++ - '0') : (t++, hi);
		}
	}
	if (*t != '}')
		return NULL;
	*bad = lo > 1000 || hi > 1000 || (hi >= 0 && hi < lo);
	if (min)
		*min = lo, *max = hi;
	return t + 1;
}

/* "(?" at s: flags, a non-capturing group or a named one; *end past the
 * part read, *group: a group opens */
static bool perl_group(struct gore *g, const char *s, const char **end, bool *group)
{
	const char *t = s + 2;
	bool named = t[0] == 'P' && t[1] == '<';
	if (named || (t[0] == '<' && (!cr_pprof_release || cr_pprof_release >= 22))) {
		const char *q = t + (named ? 2 : 1), *name = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		if (*q != '>' || q == name)
			return fail(g, "invalid named capture", s, *q == '>' ? (size_t)(q + 1 - s) : strlen(s));
		*end = q + 1, *group = true;
		return true;
	}
	bool neg = false, any = false;
	for (; *t; t++) {
		if (strchr("imsU", *t)) {
			any = true;
		} else if (*t == '-' && !neg) {
			neg = true, any = false;
		} else if ((*t == ':' || *t == ')') && (any || !neg)) { /* "(?)" and "(?:" too */
			*end = t + 1, *group = *t == ':';
			return true;
		} else {
			break;
		}
	}
	return fail(g, "invalid or unsupported Perl syntax", s, (size_t)(t + (*t != 0) - s));
}

/* The first byte of s that does not start a valid UTF-8 sequence (Go's
 * utf8.DecodeRuneInString: no overlong forms, surrogates or runes past
 * U+10FFFF); NULL if there is none. */
static const char *bad_utf8(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned c = *p, len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
						c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (!len)
			return (const char *)p;
		unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (unsigned k = 1; k < len; k++)
			if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
				return (const char *)p;
		p += len;
	}
	return NULL;
}

/* How deep groups nest here: Go refuses a pattern whose capturing groups
 * nest 1000 deep (its parse tree's height) */
#define MAXNEST 1000

bool cr_go_regexp_check(const char *re, char *msg, size_t n)
{
	struct gore g = { re, msg, n };
	/* Go checks the encoding before anything else, naming the rest of
	 * the pattern from the first bad byte */
	const char *enc = bad_utf8(re);
	if (enc)
		return fail(&g, "invalid UTF-8", enc, strlen(enc));
	/* Go also refuses a counted repetition that would copy what it
	 * repeats more than 1000 times in all, inner counts multiplied
	 * ("(a{30}){40}"). Each atom's copies (0: none to repeat), each open
	 * group's most copied atom so far, kept per level. */
	uint32_t atom = 0, most = 0, outer[MAXNEST + 1];
	bool capture[MAXNEST + 1];
	size_t depth = 0, captures = 0;
	const char *last = NULL;  /* the repetition just read, for "a**" */
	for (const char *s = re; *s;) {
		const char *op = s, *next = NULL;
		bool bad = false;
		long min = 0, max = 0;
		if (*s == '*' || *s == '+' || *s == '?' || (*s == '{' && (next = repeat_count(s, &bad, &min, &max)))) {
			const char *after = next ? next : s + 1;
			if (*after == '?')
				after++;
			if (bad)
				return fail(&g, "invalid repeat count", op, (size_t)((next ? next : s + 1) - op));
			if (last)
				return fail(&g, "invalid nested repetition operator", last, (size_t)(after - last));
			if (!atom)
				return fail(&g, "missing argument to repetition operator", op, (size_t)(after - op));
			long copies = max >= 0 ? max : min;
			if (next && (min >= 2 || max >= 2) && copies * (long)atom > 1000)
				return fail(&g, "invalid repeat count", op, (size_t)(after - op));
			if (next)
				atom = copies ? (uint32_t)(copies * (long)atom) : 1;
			most = atom > most ? atom : most;
			last = op, s = after;
			continue;
		}
		last = NULL;
		if (*s == '(') {
			bool group = true, cap = s[1] != '?' || s[2] == '<' || (s[2] == 'P' && s[3] == '<');
			if (s[1] == '?' && !perl_group(&g, s, &s, &group))
				return false;
			if (!group) /* flags alone leave the atom before them repeatable */
				continue;
			if (depth == MAXNEST || (cap && captures + 1 >= MAXNEST))
				return fail(&g, "expression nests too deeply", re, strlen(re));
			s += op[1] != '?';
			capture[depth] = cap;
			captures += cap;
			outer[depth++] = most;
			atom = most = 0;
			continue;
		}
		switch (*s) {
		case ')':
			if (!depth)
				return fail(&g, "unexpected )", re, strlen(re));
			captures -= capture[--depth];
			atom = most ? most : 1;
			most = outer[depth] > atom ? outer[depth] : atom, s++;
			continue;
		case '|':
			atom = 0, s++;
			continue;
		case '[':
			if (!bracket(&g, s, &s))
				return false;
			break;
		case '\\':
			if (s[1] == 'Q') {
				const char *q = strstr(s + 2, "\\E"), *e = q ? q + 2 : s + strlen(s);
				bool empty = (q ? q : e) == s + 2;
				s = e;
				if (empty) /* nothing: what came before stays repeatable */
					continue;
				break;
			}
			if (!escape(&g, s, false, &s))
				return false;
			break;
		default:
			s++;
			break;
		}
		atom = 1, most = most ? most : 1;
	}
	if (depth)
		return fail(&g, "missing closing )", re, strlen(re));
	return true;
}

/* The rewrite: Go's regexp syntax (RE2, Perl flags) as a POSIX extended regex
 * for regcomp in the C locale, for the patterns cr_go_regexp_check takes.
 * Every class becomes a set of bytes written out as one bracket (Go's \d \w
 * \s, its named classes [:word:] [:^alpha:], escapes inside brackets); the
 * flags (?i) and (?s) act where Go's do (to the end of the group): (?i)
 * writes each letter as [xX], (?s) decides whether '.' takes '\n'. (?m) and
 * (?U) change nothing a name can show (names hold no newline; laziness
 * changes what a match spans, not whether there is one). A character past
 * ASCII is matched whole: a class listing some becomes an alternative, a
 * class taking them all ('.', a negated class) takes one UTF-8 sequence;
 * a range of them, or a negated class naming some, is refused. */

struct tr {
	struct cr_buf *out;
	const char **why;
	bool nomem, refused;
};

static void put(struct tr *t, const char *s, size_t n)
{
	if (!t->nomem && cr_buf_add(t->out, s, n))
		t->nomem = true;
}
static void puts0(struct tr *t, const char *s) { put(t, s, strlen(s)); }

static bool refuse(struct tr *t, const char *why)
{
	if (!t->refused)
		*t->why = why;
	t->refused = true;
	return false;
}

static void utf8(struct tr *t, uint32_t r)
{
	char b[4];
	size_t n;
	if (r < 0x800)
		b[0] = (char)(0xc0 | r >> 6), b[1] = (char)(0x80 | (r & 0x3f)), n = 2;
	else if (r < 0x10000)
		b[0] = (char)(0xe0 | r >> 12), b[1] = (char)(0x80 | (r >> 6 & 0x3f)), b[2] = (char)(0x80 | (r & 0x3f)), n = 3;
	else
		b[0] = (char)(0xf0 | r >> 18), b[1] = (char)(0x80 | (r >> 12 & 0x3f)), b[2] = (char)(0x80 | (r >> 6 & 0x3f)),
		b[3] = (char)(0x80 | (r & 0x3f)), n = 4;
	put(t, b, n);
}

/* one character as a literal (a group: repeating it repeats it whole) */
static void literal(struct tr *t, uint32_t r, int flags)
{
	if (r == 0) { /* no name holds a NUL: a group that never matches */
		puts0(t, "(x^)");
	} else if (r >= 0x80) {
		put(t, "(", 1), utf8(t, r), put(t, ")", 1);
	} else if ((flags & F_I) && isalpha((int)r)) {
		char b[4] = { '[', (char)tolower((int)r), (char)toupper((int)r), ']' };
		put(t, b, 4);
	} else {
		char b[2] = { '\\', (char)r };
		bool special = strchr(".[]()*+?{}|^$\\", (int)r) != NULL;
		put(t, special ? b : b + 1, special ? 2 : 1);
	}
}

/* the ASCII bytes of s (NUL aside) as one POSIX bracket, or a group that
 * never matches for none */
static void ascii_class(struct tr *t, const struct bset *s)
{
	unsigned n = 0;
	for (unsigned c = 1; c < 0x80; c++)
		n += bs_has(s, c);
	if (n == 0) {
		puts0(t, "(x^)");
		return;
	}
	put(t, "[", 1);
	for (unsigned c = 1; c < 0x80;) {
		if (!bs_has(s, c)) {
			c++;
			continue;
		}
		unsigned e = c;
		while (e + 1 < 0x80 && bs_has(s, e + 1))
			e++;
		for (unsigned k = c; k <= e;) {
			/* ']' '-' '^' '[' as collating symbols, never as a range's end */
			if (strchr("]-^[", (int)k)) {
				char b[5] = { '[', '.', (char)k, '.', ']' };
				put(t, b, 5);
				k++;
				continue;
			}
			unsigned h = k;
			while (h < e && !strchr("]-^[", (int)(h + 1)))
				h++;
			char b[3] = { (char)k, '-', (char)h };
			if (h - k >= 2)
				put(t, b, 3);
			else
				for (unsigned x = k; x <= h; x++) {
					char one = (char)x;
					put(t, &one, 1);
				}
			k = h + 1;
		}
		c = e + 1;
	}
	put(t, "]", 1);
}

/* A class as POSIX: its ASCII bytes as a bracket; when it takes every
 * character past ASCII too (a negated class, '.'), any one UTF-8 sequence
 * as well, whole: a lead byte and its continuation bytes, so that no match
 * starts or ends inside a character. */
static void class_out(struct tr *t, const struct bset *s)
{
	if (!bs_has(s, 0x80)) {
		ascii_class(t, s);
		return;
	}
	put(t, "(", 1);
	for (unsigned c = 1; c < 0x80; c++)
		if (bs_has(s, c)) {
			ascii_class(t, s);
			put(t, "|", 1);
			break;
		}
	puts0(t, "[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf][\x80-\xbf]|"
		 "[\xf0-\xf4][\x80-\xbf][\x80-\xbf][\x80-\xbf])");
}

/* a bracket class at p ('['), written as a POSIX one; the position past it */
static const char *bracket_out(struct tr *t, const char *p, int flags)
{
	const char *q = p + 1;
	bool neg = *q == '^';
	q += neg;
	struct bset s = { { 0 } };
	struct cr_buf alt = { 0 }; /* the characters past ASCII, as alternatives */
	bool wide = false;         /* a range past ASCII */
	for (bool first = true; *q && (first || *q != ']'); first = false) {
		if (q[0] == '[' && q[1] == ':') {
			const char *e = strstr(q + 2, ":]"), *nm = q + 2 + (q[2] == '^');
			if (e) {
				struct bset c = { { 0 } };
				if (!named_class(nm, (size_t)(e - nm), &c)) {
					refuse(t, "a class name Go does not know");
					break;
				}
				if (flags & F_I)
					bs_fold(&c);
				if (q[2] == '^')
					bs_not(&c);
				bs_or(&s, &c);
				q = e + 2;
				continue;
			}
		}
		if (perl_class(q, flags, &s)) {
			q += 2;
			continue;
		}
		uint32_t lo = char_at(&q), hi = lo;
		if (q[0] == '-' && q[1] && q[1] != ']') {
			q++;
			hi = char_at(&q);
		}
		if (lo == UINT32_MAX || hi == UINT32_MAX) {
			refuse(t, "Unicode classes (\\p, \\P) are not supported");
			break;
		}
		if (hi >= 0x80 && lo == hi) {
			struct cr_buf *o = t->out;
			t->out = &alt;
			put(t, "|", 1), utf8(t, hi);
			t->out = o;
			continue;
		}
		wide |= hi >= 0x80;
		struct bset c = { { 0 } };
		bs_range(&c, lo, hi < 0x80 ? hi : 0x7f);
		if (flags & F_I)
			bs_fold(&c);
		bs_or(&s, &c);
	}
	/* characters past ASCII the class names one by one, or by a range:
	 * nothing to write when it takes them all already (\D, [:^alpha:]) */
	bool all = bs_has(&s, 0x80);
	if (!all && wide)
		refuse(t, "a class range past ASCII is not supported");
	else if (!all && neg && alt.len)
		refuse(t, "a negated class of characters past ASCII is not supported");
	if (!t->refused) {
		if (neg)
			bs_not(&s);
		bool a = alt.len && !all;
		if (a)
			put(t, "(", 1);
		class_out(t, &s);
		if (a)
			put(t, alt.data, alt.len), put(t, ")", 1);
	}
	cr_buf_release(&alt);
	return *q ? q + 1 : q;
}

/* "(?" at p: flags for the rest of the group, or a group (*opens: with
 * flags, or named); the position past what was read */
static const char *perl_paren(const char *p, int *flags, bool *opens)
{
	const char *q = p + 2;
	*opens = true;
	if (*q == '<' || (*q == 'P' && q[1] == '<')) {
		const char *gt = strchr(q, '>');
		return gt ? gt + 1 : q + strlen(q);
	}
	bool off = false;
	for (; *q && *q != ':' && *q != ')'; q++) {
		int bit = *q == 'i' ? F_I : *q == 's' ? F_S : 0;
		if (*q == '-')
			off = true;
		*flags = off ? *flags & ~bit : *flags | bit;
	}
	*opens = *q == ':';
	return *q ? q + 1 : q;
}

/* a backslash escape at p outside brackets; the position past it */
static const char *escape_out(struct tr *t, const char *p, int flags)
{
	struct bset s = { { 0 } };
	if (perl_class(p, flags, &s)) {
		class_out(t, &s);
		return p + 2;
	}
	switch (p[1]) {
	case 'A': puts0(t, "^"); return p + 2;
	case 'z': puts0(t, "$"); return p + 2;
	case 'b': case 'B': put(t, p, 2); return p + 2;
	case 'Q': { /* literals, each its own atom: a repetition after \E repeats the last one */
		const char *q = p + 2, *e = strstr(q, "\\E"), *end = e ? e : q + strlen(q);
		while (q < end)
			literal(t, char_at_raw(&q), flags);
		return e ? e + 2 : end;
	}
	default:
		break;
	}
	uint32_t r = char_at(&p);
	if (r == UINT32_MAX)
		refuse(t, "Unicode classes (\\p, \\P) are not supported");
	else
		literal(t, r, flags);
	return p;
}

/* A repetition at p of what starts at out[at], which matches only the
 * empty string (an assertion, a group of them): that itself when the
 * repetition takes it at least once, else nothing. regcomp refuses "^*",
 * and a large count of them can keep its matcher busy for minutes. Where
 * the repetition ends. */
static const char *repeat_empty(struct tr *t, const char *p, size_t at)
{
	bool bad;
	long min = 1, max;
	const char *e = *p == '{' ? repeat_count(p, &bad, &min, &max) : p + 1;
	if (*p == '*' || *p == '?' || min == 0) {
		t->out->len = at;
		if (t->out->data)
			t->out->data[at] = 0;
		put(t, "()", 2);
	}
	return e + (*e == '?');
}

/* a level of groups: the flags to restore, whether all it holds so far
 * matches only the empty string, where its '(' is written */
struct level {
	int flags;
	bool empty;
	size_t at;
	unsigned long wb;
};

/* At most this many \b and \B, each counted as often as a repetition
 * copies it: glibc's matcher takes time exponential in them where they
 * may match empty ("(a|\b){20,}": seconds; 24: minutes) */
#define MAXWB 12

enum cr_err cr_go_regexp_posix(const char *re, struct cr_buf *out, const char **why)
{
	struct tr t = { out, why, false, false };
	struct level *stack = cr_calloc(strlen(re) + 1, sizeof *stack);
	if (!stack)
		return CR_NOMEM;
	size_t depth = 0, at = 0; /* at: where the last atom starts */
	int flags = 0;
	bool bad, empty = false; /* the last atom matches only the empty string */
	bool group_empty = true; /* so does all the group holds so far */
	unsigned long wb = 0, wb_atom = 0; /* \b and \B in the group so far, in the last atom */
	for (const char *p = re; *p && !t.refused && !t.nomem;) {
		bool opens = *p == '(';
		int before = flags;
		if (*p == '(' && p[1] == '?') {
			p = perl_paren(p, &flags, &opens);
			if (!opens)
				continue;
		} else if (opens) {
			p++;
		}
		if (opens) {
			stack[depth++] = (struct level){ before, group_empty, out->len, wb };
			put(&t, "(", 1);
			group_empty = true, wb = 0;
			continue;
		}
		if (empty && (*p == '*' || *p == '+' || *p == '?' || (*p == '{' && repeat_count(p, &bad, NULL, NULL)))) {
			p = repeat_empty(&t, p, at);
			continue;
		}
		const char *tok = p;
		size_t here = out->len;
		switch (*p) {
		case ')':
			if (depth) {
				struct level *l = &stack[--depth];
				flags = l->flags, empty = group_empty, at = l->at;
				group_empty = l->empty && group_empty;
				wb_atom = wb, wb = l->wb + wb;
			}
			put(&t, ")", 1), p++;
			continue;
		case '|':
			put(&t, "|", 1), p++;
			continue;
		case '*': case '+': case '?':
			wb += *p == '?' ? 0 : wb_atom; /* (counted as two copies) */
			put(&t, p, 1), p++;
			p += *p == '?'; /* lazy: the same matches */
			continue;
		case '{': {
			long min, max;
			if (repeat_count(p, &bad, &min, &max)) {
				const char *e = strchr(p, '}') + 1;
				long copies = max >= 0 ? max : min + 1;
				wb += wb_atom * (unsigned long)(copies > 0 ? copies - 1 : 0);
				put(&t, p, (size_t)(e - p));
				p = e + (*e == '?');
				continue;
			}
			literal(&t, '{', flags), p++;
			break;
		}
		case '.': {
			struct bset dot = { { 0 } };
			bs_not(&dot); /* any character; but '\n' without (?s) */
			if (!(flags & F_S))
				dot.w[0] &= ~(1ull << '\n');
			class_out(&t, &dot), p++;
			break;
		}
		case '^': case '$':
			put(&t, p, 1), p++;
			break;
		case '[':
			p = bracket_out(&t, p, flags);
			break;
		case '\\':
			p = escape_out(&t, p, flags);
			break;
		default:
			literal(&t, char_at(&p), flags);
			break;
		}
		if (out->len == here) /* "\Q\E": nothing, the atom before stays */
			continue;
		empty = *tok == '^' || *tok == '$' || (tok[0] == '\\' && tok[1] && strchr("AzbB", tok[1]));
		at = here;
		group_empty = group_empty && empty;
		wb_atom = tok[0] == '\\' && (tok[1] == 'b' || tok[1] == 'B');
		wb += wb_atom;
	}
	if (wb > MAXWB && !t.refused)
		refuse(&t, "more than 12 word boundaries (\\b, \\B, each counted as often as it repeats) are not supported");
	cr_free(stack);
	if (t.nomem)
		return CR_NOMEM;
	return t.refused ? CR_USAGE : CR_OK;
}
