/* go tool pprof's options that rewrite the profile before a report:
 * -prune_from (Profile.PruneFrom) and -tagshow/-taghide
 * (Profile.FilterTagsByName). */
#include "coroner/pprof.h"

#include <stdlib.h>
#include <string.h>

/* pprof's simplifyFunc: without a leading '.', cut at the first '(' that
 * does not open "(anonymous namespace)" (nor belongs to "operator()"). */
static size_t simplified_len(const char *s, const char **start)
{
	static const char *const reserved[] = { "(anonymous namespace)", "operator()" };
	if (*s == '.')
		s++;
	*start = s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t skip = 0;
		for (int k = 0; k < 2 && !skip; k++)
			if (!strncmp(s + i, reserved[k], strlen(reserved[k])))
				skip = strlen(reserved[k]);
		if (skip) {
			i += skip;
			continue;
		}
		if (s[i] == '(')
			return i;
		i++;
	}
	return n;
}

enum cr_err cr_profile_prune_from(struct cr_profile *p, const regex_t *rx, struct cr_error *e)
{
	bool *prune = cr_calloc(p->nlocations + 1, sizeof *prune);
	char *tmp = NULL;
	size_t cap = 0;
	if (!prune)
		return cr_fail(e, CR_NOMEM, "out of memory pruning the profile");
	for (size_t li = 0; li < p->nlocations; li++) {
		struct cr_location *l = &p->locations[li];
		for (uint32_t i = 0; i < l->nlines; i++) {
			const struct cr_line *ln = &p->lines[l->line_start + i];
			if (!ln->function || ln->function > p->nfunctions)
				continue;
			const char *name = cr_profile_str(p, p->functions[ln->function - 1].name), *s;
			if (!*name)
				continue;
			size_t n = simplified_len(name, &s);
			if (cr_grow(&tmp, &cap, n + 1, 1)) {
				cr_free(prune);
				return cr_fail(e, CR_NOMEM, "out of memory pruning the profile");
			}
			memcpy(tmp, s, n);
			tmp[n] = 0;
			if (regexec(rx, tmp, 0, NULL, 0) == 0) {
				prune[li] = true;
				l->line_start += i;
				l->nlines -= i;
				break;
			}
		}
	}
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cr_sample *sm = &p->samples[si];
		for (uint32_t k = 0; k < sm->nloc; k++) {
			if (prune[p->stack[sm->loc_start + k]]) {
				sm->loc_start += k;
				sm->nloc -= k;
				break;
			}
		}
	}
	cr_free(tmp);
	cr_free(prune);
	return CR_OK;
}

void cr_profile_filter_tag_names(struct cr_profile *p, const regex_t *show, const regex_t *hide, bool *sm,
				 bool *hm)
{
	*sm = *hm = false;
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cr_sample *s = &p->samples[si];
		uint32_t kept = 0;
		for (uint32_t k = 0; k < s->nlabel; k++) {
			struct cr_label *l = &p->labels[s->label_start + k];
			const char *key = cr_profile_str(p, l->key);
			bool ms = !show || regexec(show, key, 0, NULL, 0) == 0;
			bool mh = hide && regexec(hide, key, 0, NULL, 0) == 0;
			*sm |= ms;
			*hm |= mh;
			if (ms && !mh)
				p->labels[s->label_start + kept++] = *l;
		}
		s->nlabel = kept;
	}
}
