/* pprof's RemoveUninteresting / Prune: drop_frames and keep_frames are
 * regexes over function names (anchored: ^(re)$); leaf frames up to the
 * outermost dropped frame below the first "user" frame (seen from the root)
 * are removed from each sample. Legacy heap profiles get pprof's allocator
 * list as their drop_frames. */
#include "coroner/profile.h"
#include "profile_int.h"

#include <regex.h>
#include <string.h>

/* pprof's allocRxStr / allocSkipRxStr (legacy_profile.go), as data. */
const char cr_alloc_drop_frames[] =
	"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|"
	"tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|"
	"tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|tc_new_nothrow|"
	"tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|"
	"malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|runtime\\..*|BaseArena::.*|"
	"(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|DoSampledAllocation|"
	"MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|"
	"__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|__libc_malloc|"
	"__malloc_alloc_template::allocate|allocate|cpp_alloc|operator new(\\[\\])?|"
	"simple_alloc::allocate";
const char cr_alloc_keep_frames[] = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";

static bool compile(regex_t *re, const char *s)
{
	struct cr_buf b = { 0 };
	bool ok = cr_buf_addf(&b, "^(%s)$", s) == CR_OK &&
		  regcomp(re, cr_buf_str(&b), REG_EXTENDED | REG_NOSUB) == 0;
	cr_buf_release(&b);
	return ok;
}

/* pprof strips an argument list from unsimplified (C++) names before matching */
static bool matches(const regex_t *re, const char *name)
{
	char tmp[1024];
	if (*name == '.')
		name++;
	const char *par = strchr(name, '(');
	if (par && par > name && strncmp(name, "(anonymous namespace)", 21) != 0 &&
	    strstr(name, "operator()") == NULL) {
		size_t n = (size_t)(par - name);
		if (n >= sizeof tmp)
			n = sizeof tmp - 1;
		memcpy(tmp, name, n);
		tmp[n] = 0;
		name = tmp;
	}
	return regexec(re, name, 0, NULL, 0) == 0;
}

static enum cr_err prune_frames(struct cr_profile *p, struct cr_error *e)
{
	const char *drop = cr_profile_str(p, p->drop_frames), *keep = cr_profile_str(p, p->keep_frames);
	if (!*drop)
		return CR_OK;
	regex_t dre, kre;
	if (!compile(&dre, drop))
		return CR_OK; /* pprof ignores a drop_frames it cannot compile */
	bool has_keep = *keep && compile(&kre, keep);
	uint8_t *mark = cr_calloc(p->nlocations + 1, 1); /* 1 prune, 2 prune beneath */
	if (!mark) {
		regfree(&dre);
		if (has_keep)
			regfree(&kre);
		return cr_fail(e, CR_NOMEM, "%s: out of memory", p->name);
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cr_location *l = &p->locations[i];
		int k;
		for (k = (int)l->nlines - 1; k >= 0; k--) {
			const struct cr_line *ln = &p->lines[l->line_start + (uint32_t)k];
			const char *fn = cr_line_function_name(p, ln);
			if (ln->function && *fn && matches(&dre, fn) && !(has_keep && matches(&kre, fn)))
				break;
		}
		if (k >= 0) {
			if (k == (int)l->nlines - 1) {
				mark[i] = 1;
			} else {
				mark[i] = 2;
				l->line_start += (uint32_t)k + 1;
				l->nlines -= (uint32_t)k + 1;
			}
		}
	}
	for (size_t s = 0; s < p->nsamples; s++) {
		struct cr_sample *sm = &p->samples[s];
		bool user = false;
		for (uint32_t k = sm->nloc; k-- > 0;) {
			uint8_t m = mark[p->stack[sm->loc_start + k]];
			if (!m) {
				user = true;
				continue;
			}
			if (!user)
				continue;
			uint32_t cut = m == 1 ? k + 1 : k;
			sm->loc_start += cut;
			sm->nloc -= cut;
			break;
		}
	}
	cr_free(mark);
	regfree(&dre);
	if (has_keep)
		regfree(&kre);
	return CR_OK;
}

/* Does a name look like demangled C++ to pprof? Java's "class.<init>" and
 * Go's "pkg.(*T[...]).Method" do not; anything else with [ ] < > or :: does
 * (so Go's generic instantiations "pkg.F[go.shape...]" do). */
static bool looks_demangled_cxx(const char *s)
{
	/* each test below needs one of these: most names (Go's, C's) have
	 * none and are passed over in one scan */
	if (!s[strcspn(s, "<>[]:")])
		return false;
	if (strstr(s, ".<") || strstr(s, "])."))
		return false;
	return strpbrk(s, "<>[]") || strstr(s, "::");
}

void cr_remove_matching(char *s, char open, char close)
{
	size_t n = strlen(s), w = 0, first = 0;
	int depth = 0;
	for (size_t r = 0; r < n; r++) {
		char c = s[r];
		if (c == close) {
			if (--depth < 0) {
				memmove(s + w, s + r, n - r + 1);
				return;
			}
			if (depth == 0) {
				w = first;
				continue;
			}
		} else if (c == open && depth++ == 0) {
			first = w;
		}
		s[w++] = c;
	}
	s[w] = 0;
}

bool cr_name_simplifies(const char *sys)
{
	return looks_demangled_cxx(sys) && !(sys[0] == '_' && sys[1] == 'Z');
}

enum cr_err cr_profile_simplify_names(struct cr_profile *p, struct cr_error *e)
{
	for (size_t i = 0; i < p->nfunctions; i++) {
		struct cr_function *fn = &p->functions[i];
		if (fn->name && fn->system_name != fn->name)
			continue; /* named apart from its symbol: pprof keeps the name */
		const char *sys = cr_profile_str(p, fn->system_name);
		if (!cr_name_simplifies(sys))
			continue;
		char *tmp = cr_strndup(sys, strlen(sys));
		if (!tmp)
			return cr_fail(e, CR_NOMEM, "%s: out of memory", p->name);
		cr_remove_matching(tmp, '(', ')');
		cr_remove_matching(tmp, '<', '>');
		uint32_t id = cr_profile_intern_z(p, tmp);
		cr_free(tmp);
		if (id == UINT32_MAX)
			return cr_fail(e, CR_NOMEM, "%s: out of memory", p->name);
		fn->name = id;
	}
	return CR_OK;
}

enum cr_err cr_profile_prune(struct cr_profile *p, struct cr_error *e)
{
	enum cr_err rc = prune_frames(p, e);
	return rc ? rc : cr_profile_simplify_names(p, e);
}
