/* Go's regexp syntax errors (regexp/syntax, Perl flags) for pprof's
 * patterns: coroner matches with POSIX regcomp, which takes some patterns
 * Go refuses ("a)", "\q") and words its refusals its own way. This walks a
 * pattern as Go's parser does far enough to find the errors people make:
 * an unmatched or unexpected parenthesis, an unclosed or backward class,
 * a bad escape, a repetition with nothing to repeat or after another, a
 * repeat count past 1000, unsupported (?...) syntax. Go's message is
 * "CODE: `EXPR`", EXPR the part of the pattern Go names.
 */
#include "coroner/filter.h"
#include "coroner/top.h"

#include <ctype.h>
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
			while (is_hex(*q))
				q++;
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
	return fail(g, "invalid escape sequence", s, 2);
}

/* A bracket class at s ('['); *end past its ']' */
static bool bracket(struct gore *g, const char *s, const char **end)
{
	const char *t = s + 1;
	if (*t == '^')
		t++;
	for (bool first = true; first || *t != ']'; first = false) {
		if (!*t)
			return fail(g, "missing closing ]", s, strlen(s));
		if (t[0] == '[' && t[1] == ':') {
			const char *q = strstr(t + 2, ":]");
			if (q) {
				t = q + 2;
				continue;
			}
		}
		const char *rng = t;
		unsigned lo, hi;
		if (*t == '\\') {
			if (!escape(g, t, true, &t))
				return false;
			lo = (unsigned char)rng[1];
		} else {
			lo = (unsigned char)*t++;
		}
		if (t[0] == '-' && t[1] && t[1] != ']') {
			const char *h = ++t;
			if (*t == '\\') {
				if (!escape(g, t, true, &t))
					return false;
				hi = (unsigned char)h[1];
				/* an escape's value is its letter only when it is punctuation */
				if (isalnum((int)hi))
					continue;
			} else {
				hi = (unsigned char)*t++;
			}
			if (rng[0] != '\\' && hi < lo)
				return fail(g, "invalid character class range", rng, (size_t)(t - rng));
		}
	}
	*end = t + 1;
	return true;
}

/* A repeat count {n}, {n,} or {n,m} at s: its end, or NULL when s is a
 * literal '{'; *bad: a count Go refuses (past 1000, max below min). */
static const char *repeat_count(const char *s, bool *bad)
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
		} else if ((*t == ':' || *t == ')') && (any || !neg) && t > s + 2 - (*t == ':')) {
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

bool cr_go_regexp_check(const char *re, char *msg, size_t n)
{
	struct gore g = { re, msg, n };
	/* Go checks the encoding before anything else, naming the rest of
	 * the pattern from the first bad byte */
	const char *enc = bad_utf8(re);
	if (enc)
		return fail(&g, "invalid UTF-8", enc, strlen(enc));
	size_t depth = 0;
	bool atom = false;        /* something to repeat before s */
	const char *last = NULL;  /* the repetition just read, for "a**" */
	for (const char *s = re; *s;) {
		const char *op = s, *next = NULL;
		bool bad = false;
		if (*s == '*' || *s == '+' || *s == '?' || (*s == '{' && (next = repeat_count(s, &bad)))) {
			const char *after = next ? next : s + 1;
			if (*after == '?')
				after++;
			if (bad)
				return fail(&g, "invalid repeat count", op, (size_t)((next ? next : s + 1) - op));
			if (last)
				return fail(&g, "invalid nested repetition operator", last, (size_t)(after - last));
			if (!atom)
				return fail(&g, "missing argument to repetition operator", op, (size_t)(after - op));
			last = op, s = after;
			continue;
		}
		last = NULL;
		switch (*s) {
		case '(':
			if (s[1] == '?') {
				bool group = false;
				if (!perl_group(&g, s, &s, &group))
					return false;
				depth += group, atom = false;
				continue;
			}
			depth++, atom = false, s++;
			continue;
		case ')':
			if (!depth)
				return fail(&g, "unexpected )", re, strlen(re));
			depth--, atom = true, s++;
			continue;
		case '|':
			atom = false, s++;
			continue;
		case '[':
			if (!bracket(&g, s, &s))
				return false;
			atom = true;
			continue;
		case '\\':
			if (s[1] == 'Q') {
				const char *q = strstr(s + 2, "\\E");
				s = q ? q + 2 : s + strlen(s);
				atom = true;
				continue;
			}
			if (!escape(&g, s, false, &s))
				return false;
			atom = true;
			continue;
		default:
			atom = true, s++;
			continue;
		}
	}
	if (depth)
		return fail(&g, "missing closing )", re, strlen(re));
	return true;
}
