/* pprof's sample filters: -focus/-ignore keep or drop whole samples by
 * whether any location matches; -hide/-show remove matching / non-matching
 * lines (frames) from locations; -show_from cuts stacks above the outermost
 * match. A location matches when any of its lines' function name or file
 * name matches, or its mapping's file does. */
#include "coroner/report.h"

#include <string.h>

/* pprof's patterns are Go RE2; POSIX ERE lacks its shorthand classes and
 * flags. Translate the common ones: \d \w \s (and negations) outside and
 * inside brackets, a leading (?i). */
static enum cr_err translate_re2(const char *re, struct cr_buf *out, int *flags)
{
	bool in_br = false;
	if (strncmp(re, "(?i)", 4) == 0) {
		*flags |= REG_ICASE;
		re += 4;
	}
	for (const char *p = re; *p; p++) {
		const char *rep = NULL;
		if (*p == '\\' && p[1]) {
			switch (p[1]) {
			case 'd': rep = in_br ? "0-9" : "[0-9]"; break;
			case 'D': rep = in_br ? NULL : "[^0-9]"; break;
			case 'w': rep = in_br ? "[:alnum:]_" : "[[:alnum:]_]"; break;
			case 'W': rep = in_br ? NULL : "[^[:alnum:]_]"; break;
			case 's': rep = in_br ? "[:space:]" : "[[:space:]]"; break;
			case 'S': rep = in_br ? NULL : "[^[:space:]]"; break;
			}
			if (rep) {
				if (cr_buf_add(out, rep, strlen(rep)))
					return CR_NOMEM;
				p++;
				continue;
			}
			if (in_br) {
				/* POSIX brackets have no escapes: \. inside means '.' */
				if (cr_buf_add(out, p + 1, 1))
					return CR_NOMEM;
				p++;
				continue;
			}
			if (cr_buf_add(out, p, 2))
				return CR_NOMEM;
			p++;
			continue;
		}
		if (!in_br && *p == '[') {
			in_br = true;
			if (cr_buf_add(out, p, 1))
				return CR_NOMEM;
			/* a ']' or '^]' right after '[' is literal */
			if (p[1] == '^' && cr_buf_add(out, ++p, 1))
				return CR_NOMEM;
			if (p[1] == ']' && cr_buf_add(out, ++p, 1))
				return CR_NOMEM;
			continue;
		}
		if (in_br && *p == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");
			if (end) {
				if (cr_buf_add(out, p, (size_t)(end + 2 - p)))
					return CR_NOMEM;
				p = end + 1;
				continue;
			}
		}
		if (in_br && *p == ']')
			in_br = false;
		if (cr_buf_add(out, p, 1))
			return CR_NOMEM;
	}
	return CR_OK;
}

enum cr_err cr_filter_set(struct cr_filter *f, int which, const char *re, struct cr_error *e)
{
	if (!re)
		return CR_OK;
	if (f->set[which]) {
		regfree(&f->re[which]);
		f->set[which] = false;
	}
	struct cr_buf b = { 0 };
	int flags = REG_EXTENDED | REG_NOSUB;
	if (translate_re2(re, &b, &flags)) {
		cr_buf_release(&b);
		return cr_fail(e, CR_NOMEM, "out of memory");
	}
	int rc = regcomp(&f->re[which], cr_buf_str(&b), flags);
	cr_buf_release(&b);
	if (rc) {
		char msg[200];
		regerror(rc, &f->re[which], msg, sizeof msg);
		return cr_fail(e, CR_USAGE, "bad regular expression '%s': %s", re, msg);
	}
	f->set[which] = true;
	f->text[which] = re;
	return CR_OK;
}

void cr_filter_release(struct cr_filter *f)
{
	for (int i = 0; i < 5; i++)
		if (f->set[i])
			regfree(&f->re[i]);
	memset(f, 0, sizeof *f);
}

bool cr_filter_any(const struct cr_filter *f)
{
	for (int i = 0; i < 5; i++)
		if (f->set[i])
			return true;
	return false;
}

static bool m(const regex_t *re, const char *s) { return regexec(re, s, 0, NULL, 0) == 0; }

static bool line_matches(const struct cr_profile *p, const regex_t *re, const struct cr_line *l)
{
	if (!l->function)
		return false;
	return m(re, cr_line_function_name(p, l)) || m(re, cr_line_file_name(p, l));
}

static bool mapping_matches(const struct cr_profile *p, const regex_t *re, const struct cr_location *l)
{
	return l->mapping && l->mapping <= p->nmappings &&
	       m(re, cr_profile_str(p, p->mappings[l->mapping - 1].filename));
}

static bool loc_matches(const struct cr_profile *p, const regex_t *re, const struct cr_location *l)
{
	for (uint32_t k = 0; k < l->nlines; k++)
		if (line_matches(p, re, &p->lines[l->line_start + k]))
			return true;
	return mapping_matches(p, re, l);
}

/* Keep lines of l for which keep(match) holds (lines without a function
 * always stay, as in pprof). */
static void filter_lines(struct cr_profile *p, const regex_t *re, struct cr_location *l, bool keep_matching)
{
	uint32_t o = 0;
	for (uint32_t k = 0; k < l->nlines; k++) {
		struct cr_line ln = p->lines[l->line_start + k];
		bool keep = !ln.function || (keep_matching == line_matches(p, re, &ln));
		if (keep)
			p->lines[l->line_start + o++] = ln;
	}
	l->nlines = o;
}

enum cr_err cr_profile_filter(struct cr_profile *p, const struct cr_filter *f, struct cr_error *e)
{
	if (!cr_filter_any(f))
		return CR_OK;
	size_t nl = p->nlocations;
	/* 0 = neither, 1 = focus, 2 = ignore */
	uint8_t *fi = cr_calloc(nl + 1, 1);
	uint8_t *hidden = cr_calloc(nl + 1, 1);
	uint8_t *from = cr_calloc(nl + 1, 1);
	if (!fi || !hidden || !from) {
		cr_free(fi);
		cr_free(hidden);
		cr_free(from);
		return cr_fail(e, CR_NOMEM, "out of memory filtering");
	}
	bool any_hidden = false;
	for (size_t i = 0; i < nl; i++) {
		struct cr_location *l = &p->locations[i];
		if (f->set[CR_IGNORE] && loc_matches(p, &f->re[CR_IGNORE], l))
			fi[i] = 2;
		else if (!f->set[CR_FOCUS] || loc_matches(p, &f->re[CR_FOCUS], l))
			fi[i] = 1;
		if (f->set[CR_HIDE] && loc_matches(p, &f->re[CR_HIDE], l)) {
			if (mapping_matches(p, &f->re[CR_HIDE], l))
				l->nlines = 0;
			else
				filter_lines(p, &f->re[CR_HIDE], l, false);
			if (l->nlines == 0)
				hidden[i] = 1, any_hidden = true;
		}
		if (f->set[CR_SHOW]) {
			if (!mapping_matches(p, &f->re[CR_SHOW], l))
				filter_lines(p, &f->re[CR_SHOW], l, true);
			if (l->nlines == 0)
				hidden[i] = 1, any_hidden = true;
		}
	}
	if (f->set[CR_SHOW_FROM]) {
		for (size_t i = 0; i < nl; i++) {
			struct cr_location *l = &p->locations[i];
			if (mapping_matches(p, &f->re[CR_SHOW_FROM], l)) {
				from[i] = 1;
				continue;
			}
			/* keep lines up to the outermost matching one */
			for (uint32_t k = l->nlines; k-- > 0;)
				if (line_matches(p, &f->re[CR_SHOW_FROM], &p->lines[l->line_start + k])) {
					l->nlines = k + 1;
					from[i] = 1;
					break;
				}
		}
	}
	size_t o = 0;
	for (size_t s = 0; s < p->nsamples; s++) {
		struct cr_sample sm = p->samples[s];
		bool focused = false, ignored = false;
		for (uint32_t k = 0; k < sm.nloc; k++) {
			uint8_t v = fi[p->stack[sm.loc_start + k]];
			if (v == 2) {
				ignored = true;
				break;
			}
			if (v == 1)
				focused = true;
		}
		if (!focused || ignored)
			continue;
		/* drop hidden locations, compacting the stack in place */
		uint32_t w = 0;
		for (uint32_t k = 0; k < sm.nloc; k++) {
			uint32_t li = p->stack[sm.loc_start + k];
			if (!hidden[li])
				p->stack[sm.loc_start + w++] = li;
		}
		if (any_hidden && w == 0)
			continue;
		sm.nloc = w;
		if (f->set[CR_SHOW_FROM]) {
			bool hit = false;
			for (uint32_t k = sm.nloc; k-- > 0;)
				if (from[p->stack[sm.loc_start + k]]) {
					sm.nloc = k + 1;
					hit = true;
					break;
				}
			if (!hit)
				continue;
		}
		if (o != s)
			memmove(&p->values[o * p->ntypes], &p->values[s * p->ntypes], p->ntypes * sizeof *p->values);
		p->samples[o++] = sm;
	}
	p->nsamples = o;
	cr_free(fi);
	cr_free(hidden);
	cr_free(from);
	return CR_OK;
}
