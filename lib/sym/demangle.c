/* C++ link names (Itanium ABI, "_Z...") demangled by the C++ runtime's
 * __cxa_demangle (libstdc++: the demangler c++filt uses), when the build
 * found it; otherwise names are returned as they are. */
#include "coroner/sym.h"

#include <stdlib.h>
#include <string.h>

#ifdef CORONER_HAVE_CXA_DEMANGLE
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);
#endif

/* longer names are left alone (the demangler's time and memory grow
 * with them) */
#define DEMANGLE_MAX 4096

const char *cr_demangle(struct cr_arena *a, const char *name)
{
	if (!name || strncmp(name, "_Z", 2) != 0)
		return name;
#ifdef CORONER_HAVE_CXA_DEMANGLE
	/* a symbol version (_ZSt9terminatev@@GLIBCXX_3.4) is kept after the
	 * demangled name */
	const char *at = strchr(name, '@');
	size_t n = at ? (size_t)(at - name) : strnlen(name, DEMANGLE_MAX + 1);
	if (n > DEMANGLE_MAX)
		return name;
	char buf[DEMANGLE_MAX + 1];
	memcpy(buf, name, n);
	buf[n] = 0;
	int st = -1;
	char *d = __cxa_demangle(buf, NULL, NULL, &st);
	if (st != 0 || !d) {
		free(d); /* the runtime's malloc */
		return name;
	}
	size_t dl = strlen(d), vl = at ? strlen(at) : 0;
	char *r = cr_arena_alloc(a, dl + vl + 1);
	if (r) {
		memcpy(r, d, dl);
		if (vl)
			memcpy(r + dl, at, vl);
		r[dl + vl] = 0;
	}
	free(d);
	return r ? r : name;
#else
	(void)a;
	return name;
#endif
}
