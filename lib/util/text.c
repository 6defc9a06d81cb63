#include "coroner/text.h"
#include <string.h>

bool cr_lines_next(struct cr_lines *it, const char **line, size_t *len, size_t max, bool *cut)
{
	if (it->p >= it->end)
		return false;
	const char *s = it->p;
	const char *nl = memchr(s, '\n', (size_t)(it->end - s));
	const char *e = nl ? nl : it->end;
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	size_t n = (size_t)(e - s);
	if (n && s[n - 1] == '\r')
		n--;
	if (cut)
		*cut = false;
	if (n > max) {
		n = max;
		if (cut)
			*cut = true;
	}
	*line = s;
	*len = n;
	return true;
}

bool cr_starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

size_t cr_skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

bool cr_parse_u64(const char *s, size_t n, size_t *i, uint64_t *out)
{
	size_t k = *i;
	uint64_t v = 0;
	if (k >= n || s[k] < '0' || s[k] > '9')
		return false;
	while (k < n && s[k] >= '0' && s[k] <= '9') {
		if (v > (UINT64_MAX - (uint64_t)(s[k] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[k] - '0');
		k++;
	}
	*i = k;
	*out = v;
	return true;
}

bool cr_parse_i64(const char *s, size_t n, size_t *i, int64_t *out)
{
	size_t k = *i;
	bool neg = false;
	if (k < n && s[k] == '-') {
		neg = true;
		k++;
	}
	uint64_t v;
	if (!cr_parse_u64(s, n, &k, &v))
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*i = k;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

bool cr_parse_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
	size_t k = *i;
	if (k + 1 < n && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X'))
		k += 2;
	uint64_t v = 0;
	size_t start = k;
	while (k < n && hexval(s[k]) >= 0) {
		if (v >> 60)
			return false;
		v = (v << 4) | (uint64_t)hexval(s[k]);
		k++;
	}
	if (k == start)
		return false;
	*i = k;
	*out = v;
	return true;
}

bool cr_looks_text(const unsigned char *p, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return false;
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			bad++;
	}
	return bad * 20 <= n;
}

size_t cr_lines_probe(struct cr_lines *it, const unsigned char *data, size_t len, size_t max)
{
	size_t probe = len < max ? len : max;
	if (!probe || !cr_looks_text(data, probe))
		return 0;
	cr_lines_init(it, data, probe);
	return probe;
}
