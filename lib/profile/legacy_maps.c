/* The memory map section at the end of legacy profiles (gperftools CPU,
 * heapz, growthz, contentionz, threadz), read as pprof's legacy parser
 * reads it. Two line forms:
 *
 *   00400000-00fcb000 r-xp 00000000 00:00 21306940   /path/binary   (/proc/PID/maps)
 *   00400000-00fcb000: /path/binary (@1000) 0123abcd                 (brief: file,
 *                                                  optional offset and build id)
 *
 * The range may have 0x prefixes and a space instead of '-'; a line with
 * permissions lacking 'x' is skipped. A line that is no mapping but reads
 * "key=value" makes "$key" stand for value in the lines after it. A glog
 * prefix ("I0102 03:04:05.678 file.cc:12] ") is removed first.
 */
#include "coroner/profile.h"
#include "coroner/text.h"
#include "legacy_int.h"

#include <string.h>

#define MAX_ATTRS 64

bool cr_legacy_maps_sentinel(const char *s, size_t n)
{
	return memmem(s, n, "--- Memory map: ---", 19) || memmem(s, n, "MAPPED_LIBRARIES:", 17);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v';
}

static bool is_xdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && is_ws(s[i]))
		i++;
	return i;
}

/* hex digits at s[i..]: their span; false if none or more than 16 (pprof's
 * ParseUint fails: the line is then no mapping) */
static bool hexrun(const char *s, size_t n, size_t *i, uint64_t *v)
{
	size_t k = *i;
	uint64_t x = 0;
	while (k < n && is_xdigit(s[k])) {
		char c = s[k];
		x = x << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		k++;
	}
	if (k == *i || k - *i > 16)
		return false;
	*i = k;
	*v = x;
	return true;
}

struct ment {
	uint64_t start, limit, offset;
	const char *file; size_t filelen;
	const char *bid; size_t bidlen;
	bool skip; /* not executable */
};

/* "START[-| ]END[:]" with optional 0x and spaces */
static bool range(const char *s, size_t n, size_t *i, struct ment *m)
{
	size_t k = skip_ws(s, n, *i);
	if (k + 1 < n && s[k] == '0' && s[k + 1] == 'x' && k + 2 < n && is_xdigit(s[k + 2]))
		k += 2;
	if (!hexrun(s, n, &k, &m->start))
		return false;
	if (k < n && (is_ws(s[k]) || s[k] == '-'))
		k++;
	k = skip_ws(s, n, k);
	if (k + 1 < n && s[k] == '0' && s[k + 1] == 'x' && k + 2 < n && is_xdigit(s[k + 2]))
		k += 2;
	if (!hexrun(s, n, &k, &m->limit))
		return false;
	if (k < n && s[k] == ':')
		k++;
	*i = k;
	return true;
}

/* the next token after at least one space: [*ts, *te); false if none */
static bool token(const char *s, size_t n, size_t i, size_t *ts, size_t *te)
{
	if (i >= n || !is_ws(s[i]))
		return false;
	size_t k = skip_ws(s, n, i);
	if (k >= n)
		return false;
	*ts = k;
	while (k < n && !is_ws(s[k]))
		k++;
	*te = k;
	return true;
}

static size_t perm_prefix(const char *s, size_t a, size_t b)
{
	size_t k = a;
	while (k < b && (s[k] == '-' || s[k] == 'r' || s[k] == 'w' || s[k] == 'x' || s[k] == 'p'))
		k++;
	return k - a;
}

static void set_perm(struct ment *m, const char *s, size_t a, size_t len)
{
	m->skip = len > 0 && !memchr(s + a, 'x', len);
}

/* START END [PERM] [OFFSET] DEV:DEV INODE [FILE] */
static bool proc_line(const char *s, size_t n, struct ment *m)
{
	size_t i = 0, a, b;
	memset(m, 0, sizeof *m);
	if (!range(s, n, &i, m) || !token(s, n, i, &a, &b))
		return false;
	size_t pl = perm_prefix(s, a, b);
	if (pl > 0 && pl == b - a) {
		set_perm(m, s, a, pl);
		i = b;
		if (!token(s, n, i, &a, &b))
			return false;
	}
	size_t k = a;
	uint64_t off;
	if (hexrun(s, b, &k, &off) && k == b) { /* a whole hex token: the offset */
		m->offset = off;
		i = b;
		if (!token(s, n, i, &a, &b))
			return false;
	}
	k = a;
	uint64_t d;
	if (!hexrun(s, b, &k, &d) || k >= b || s[k] != ':' || (k++, !hexrun(s, b, &k, &d)))
		return false;
	i = k;
	if (!token(s, n, i, &a, &b) || !(s[a] >= '0' && s[a] <= '9'))
		return false;
	k = a;
	while (k < b && s[k] >= '0' && s[k] <= '9')
		k++;
	if (k == b && token(s, n, b, &a, &b)) {
		m->file = s + a;
		m->filelen = b - a;
	}
	return true;
}

/* START END [PERM] [FILE] [(@OFFSET)] [BUILDID] */
static bool brief_line(const char *s, size_t n, struct ment *m)
{
	size_t i = 0, a, b;
	memset(m, 0, sizeof *m);
	if (!range(s, n, &i, m))
		return false;
	if (!token(s, n, i, &a, &b))
		return true;
	size_t pl = perm_prefix(s, a, b);
	if (pl > 0) {
		set_perm(m, s, a, pl);
		if (pl < b - a)
			return true;
		i = b;
		if (!token(s, n, i, &a, &b))
			return true;
	}
	m->file = s + a;
	m->filelen = b - a;
	i = b;
	if (!token(s, n, i, &a, &b))
		return true;
	if (b - a > 2 && s[a] == '(' && s[a + 1] == '@') {
		size_t k = a + 2;
		uint64_t off;
		if (hexrun(s, b, &k, &off) && k < b && s[k] == ')') {
			m->offset = off;
			i = k + 1;
			if (!token(s, n, i, &a, &b))
				return true;
		}
	}
	size_t k = a;
	while (k < b && is_xdigit(s[k]))
		k++;
	if (k > a) {
		m->bid = s + a;
		m->bidlen = k - a;
	}
	return true;
}

/* "I0102 03:04:05.678 file.cc:12] " */
static size_t glog_prefix(const char *s, size_t n)
{
	size_t r = 0;
	while (r < n && s[r] != '[' && s[r] != ']')
		r++;
	if (r >= n || s[r] != ']' || r + 1 >= n || !is_ws(s[r + 1]))
		return 0;
	size_t d = r;
	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	if (d == r || d < 2 || s[d - 1] != ':')
		return 0;
	return r + 2;
}

struct attr {
	const char *k; size_t kl;
	const char *v; size_t vl;
};

static const char *trim(const char *s, size_t n, size_t *out)
{
	while (n > 0 && is_ws(*s))
		s++, n--;
	while (n > 0 && is_ws(s[n - 1]))
		n--;
	*out = n;
	return s;
}

/* "$key" replaced by value (first defined key wins at a place), into b */
static enum cr_err substitute(struct cr_buf *b, const char *s, size_t n, const struct attr *at,
			      size_t nat)
{
	b->len = 0;
	for (size_t i = 0; i < n;) {
		size_t j;
		for (j = 0; j < nat; j++)
			if (s[i] == '$' && n - i - 1 >= at[j].kl && memcmp(s + i + 1, at[j].k, at[j].kl) == 0)
				break;
		if (j < nat && b->len + at[j].vl <= cr_limits.max_line) {
			if (cr_buf_add(b, at[j].v, at[j].vl))
				return CR_NOMEM;
			i += 1 + at[j].kl;
		} else {
			if (cr_buf_add(b, s + i, 1))
				return CR_NOMEM;
			i++;
		}
	}
	return cr_buf_add(b, "", 1) ? CR_NOMEM : CR_OK;
}

static uint32_t intern_n(struct cr_profile *p, const char *s, size_t n)
{
	return cr_profile_intern_bytes(p, s, n < 4096 ? n : 4096);
}

static enum cr_err add_mapping(struct cr_profile *p, const struct ment *m)
{
	if (cr_grow(&p->mappings, &p->cap_mappings, p->nmappings + 1, sizeof *p->mappings))
		return CR_NOMEM;
	struct cr_mapping *d = &p->mappings[p->nmappings];
	memset(d, 0, sizeof *d);
	d->start = m->start;
	d->limit = m->limit;
	d->offset = m->offset;
	d->filename = intern_n(p, m->file ? m->file : "", m->filelen);
	d->build_id = intern_n(p, m->bid ? m->bid : "", m->bidlen);
	if (d->filename == UINT32_MAX || d->build_id == UINT32_MAX)
		return CR_NOMEM;
	p->nmappings++;
	return CR_OK;
}

static bool adjacent(const struct cr_profile *p, const struct cr_mapping *a, const struct cr_mapping *b)
{
	if (a->filename && b->filename && a->filename != b->filename)
		return false;
	if (a->build_id && b->build_id && a->build_id != b->build_id)
		return false;
	if (a->limit != b->start)
		return false;
	(void)p;
	return !(a->offset && b->offset && a->offset + (a->limit - a->start) != b->offset);
}

/* a shared library by pprof's test: ".so" at the end, or ".so." / ".so_"
 * followed by a digit */
static bool is_lib(const char *f)
{
	size_t n = strlen(f);
	if (n >= 3 && memcmp(f + n - 3, ".so", 3) == 0)
		return true;
	for (const char *q = f; (q = strstr(q, ".so")); q++)
		if ((q[3] == '.' || q[3] == '_') && q[4] >= '0' && q[4] <= '9')
			return true;
	return false;
}

static bool main_candidate(const struct cr_profile *p, const struct cr_mapping *m)
{
	const char *f = cr_profile_str(p, m->filename);
	/* without "(deleted)", trimmed */
	char buf[4200];
	size_t o = 0;
	for (size_t i = 0; f[i] && o + 1 < sizeof buf;) {
		if (strncmp(f + i, "(deleted)", 9) == 0) {
			i += 9;
			continue;
		}
		buf[o++] = f[i++];
	}
	buf[o] = 0;
	size_t tl;
	const char *t = trim(buf, o, &tl);
	if (tl == 0 || t[0] == '[')
		return false;
	char tb[4200];
	memcpy(tb, t, tl);
	tb[tl] = 0;
	return !is_lib(tb);
}

static void massage(struct cr_profile *p)
{
	if (p->nmappings > 1) {
		size_t o = 1;
		for (size_t i = 1; i < p->nmappings; i++) {
			struct cr_mapping *lm = &p->mappings[o - 1], *m = &p->mappings[i];
			if (adjacent(p, lm, m)) {
				lm->limit = m->limit;
				if (m->filename)
					lm->filename = m->filename;
				if (m->build_id)
					lm->build_id = m->build_id;
				continue;
			}
			p->mappings[o++] = *m;
		}
		p->nmappings = o;
	}
	for (size_t i = 0; i < p->nmappings; i++) {
		if (!main_candidate(p, &p->mappings[i]))
			continue;
		struct cr_mapping t = p->mappings[0];
		p->mappings[0] = p->mappings[i];
		p->mappings[i] = t;
		break;
	}
	if (p->nmappings > 1 &&
	    strncmp(cr_profile_str(p, p->mappings[0].filename), "/anon_hugepage", 14) == 0 &&
	    p->mappings[0].limit == p->mappings[1].start) {
		memmove(p->mappings, p->mappings + 1, (p->nmappings - 1) * sizeof *p->mappings);
		p->nmappings--;
	}
	if (p->nmappings > 0 && p->mappings[0].start - p->mappings[0].offset == 0x400000) {
		p->mappings[0].start = 0x400000;
		p->mappings[0].offset = 0;
	}
}

static enum cr_err assign(struct cr_profile *p)
{
	uint32_t fake = 0;
	for (size_t li = 0; li < p->nlocations; li++) {
		struct cr_location *l = &p->locations[li];
		uint64_t a = l->address;
		if (l->mapping || a == 0)
			continue;
		for (size_t i = 0; i < p->nmappings && !l->mapping; i++)
			if (p->mappings[i].start <= a && a < p->mappings[i].limit)
				l->mapping = (uint32_t)i + 1;
		for (size_t i = 0; i < p->nmappings && !l->mapping; i++) {
			struct cr_mapping *m = &p->mappings[i];
			if (m->offset != 0 && m->start - m->offset <= a && a < m->start) {
				m->start -= m->offset;
				m->offset = 0;
				l->mapping = (uint32_t)i + 1;
			}
		}
		if (l->mapping)
			continue;
		if (!fake) {
			struct ment f = { .limit = UINT64_MAX };
			if (add_mapping(p, &f))
				return CR_NOMEM;
			fake = (uint32_t)p->nmappings;
		}
		l->mapping = fake;
	}
	for (size_t i = 0; i < p->nmappings; i++)
		p->mappings[i].id = i + 1;
	return CR_OK;
}

enum cr_err cr_legacy_maps(struct cr_profile *p, const char *data, size_t len)
{
	struct cr_lines it;
	const char *s;
	size_t n;
	bool cut;
	struct attr at[MAX_ATTRS];
	size_t nat = 0;
	struct cr_buf b = { 0 };
	enum cr_err rc = CR_OK;
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &s, &n, cr_limits.max_line, &cut)) {
		if (cut)
			continue;
		size_t g = glog_prefix(s, n);
		if ((rc = substitute(&b, s + g, n - g, at, nat)))
			goto out;
		const char *l = cr_buf_str(&b);
		size_t ll = b.len - 1;
		struct ment m;
		if (proc_line(l, ll, &m) || brief_line(l, ll, &m)) {
			if (!m.skip && (rc = add_mapping(p, &m)))
				goto out;
			continue;
		}
		const char *eq = memchr(l, '=', ll);
		if (!eq || nat == MAX_ATTRS)
			continue;
		/* "key=value": $key stands for value from the next line on */
		size_t kl, vl;
		const char *k = trim(l, (size_t)(eq - l), &kl);
		const char *v = trim(eq + 1, (size_t)(l + ll - eq - 1), &vl);
		char *copy = cr_malloc(kl + vl + 1);
		if (!copy) {
			rc = CR_NOMEM;
			goto out;
		}
		memcpy(copy, k, kl);
		memcpy(copy + kl, v, vl);
		at[nat++] = (struct attr){ copy, kl, copy + kl, vl };
	}
	massage(p);
	rc = assign(p);
out:
	for (size_t i = 0; i < nat; i++)
		cr_free((void *)at[i].k);
	cr_buf_release(&b);
	return rc;
}
