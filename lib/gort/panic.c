/* The value a goroutine panicked with, read from a core: g._panic, its
 * argument (an eface: type, data), the type's name from the binary's type
 * data, and the value printed as the runtime's printpanicval prints it for
 * the types whose text is in memory (no method can run on a core).
 *
 * Before printing, the runtime replaces an error or Stringer argument by
 * its text (preprintpanics): a core written by the crash (GOTRACEBACK=crash)
 * holds a string, which is what the tests check (Go 1.19 and 1.26). The
 * error types below are read when the core was taken before that (another
 * goroutine's fault while this one panicked); those paths follow the
 * release sources, with no core of their own. */
#include "coroner/gort.h"
#include "coroner/sym.h"
#include "gort_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* g._panic is at 32 (after stack, stackguard0, stackguard1) in every
 * release read; _panic began with argp until go1.25 and starts with arg
 * from go1.26 (runtime2.go of go1.19-go1.27; the DWARF of go1.19 and
 * go1.26 builds, testdata/gen/rt-layout.py ref: _panic.arg@8 link@24, then
 * arg@0 link@16). */
static void panic_offsets(const char *version, unsigned *g_panic, unsigned *arg, unsigned *link)
{
	int minor = 0;
	if (version && !strncmp(version, "go1.", 4))
		minor = (int)strtol(version + 4, NULL, 10);
	*g_panic = 32;
	if (minor > 0 && minor <= 25) { /* argp first since before go1.19 too */
		*arg = 8;
		*link = 24;
	} else {
		*arg = 0;
		*link = 16;
	}
}

/* A Go string (ptr, len) at addr into buf (truncated to n-1). */
static bool read_str(const struct cr_core *c, uint64_t addr, char *buf, size_t n)
{
	uint64_t p, len;
	if (!cr_core_read_u64(c, addr, &p) || !cr_core_read_u64(c, addr + 8, &len))
		return false;
	if (len > n - 1)
		len = n - 1;
	size_t got = cr_core_read(c, p, buf, (size_t)len);
	buf[got] = 0;
	return got == len;
}

/* The name of the runtime type at t (abi.Type: str nameOff at 40, tflag at
 * 20; the name is flags, a varint length, the bytes). */
static bool type_name(struct cr_gort *g, uint64_t t, char *out, size_t n, uint8_t *kind)
{
	struct priv *P = g->priv;
	const struct cr_elf_symbol *s = cr_binary_symbol_by_name(P->bin, "runtime.types");
	unsigned char hdr[48];
	if (!s || cr_core_read(P->core, t, hdr, sizeof hdr) != sizeof hdr)
		return false;
	int32_t off = (int32_t)cr_ld32(hdr + 40);
	uint8_t tflag = hdr[20];
	*kind = hdr[23] & 0x1f;
	unsigned char nb[8 + 256];
	uint64_t na = s->value + g->bias + (uint64_t)(int64_t)off;
	size_t got = cr_core_read(P->core, na, nb, sizeof nb);
	if (got < 2)
		return false;
	uint64_t len = 0;
	size_t i = 1;
	for (int sh = 0; i < got && sh < 28; sh += 7) {
		len |= (uint64_t)(nb[i] & 0x7f) << sh;
		if (!(nb[i++] & 0x80))
			break;
	}
	if (len > got - i)
		return false;
	const char *nm = (const char *)nb + i;
	if ((tflag & 2) && len && *nm == '*') { /* tflagExtraStar */
		nm++;
		len--;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, nm, (size_t)len);
	out[len] = 0;
	return true;
}

static const char *const bounds_fmt[] = {
	"index out of range [%x] with length %y", "slice bounds out of range [:%x] with length %y",
	"slice bounds out of range [:%x] with capacity %y", "slice bounds out of range [%x:%y]",
	"slice bounds out of range [::%x] with length %y", "slice bounds out of range [::%x] with capacity %y",
	"slice bounds out of range [:%x:%y]", "slice bounds out of range [%x:%y:]",
	"cannot convert slice with length %y to array or pointer to array with length %x",
};
static const char *const bounds_neg_fmt[] = {
	"index out of range [%x]", "slice bounds out of range [:%x]", "slice bounds out of range [:%x]",
	"slice bounds out of range [%x:]", "slice bounds out of range [::%x]", "slice bounds out of range [::%x]",
	"slice bounds out of range [:%x:]", "slice bounds out of range [%x::]",
};

/* runtime.boundsError.Error(): x int64 at 0, y int at 8, signed bool at 16,
 * code uint8 at 17 (runtime/error.go, go1.19-go1.27). */
static bool bounds_text(const struct cr_core *c, uint64_t a, char *out, size_t n)
{
	unsigned char b[18];
	if (cr_core_read(c, a, b, sizeof b) != sizeof b)
		return false;
	int64_t x = (int64_t)cr_ld64(b), y = (int64_t)cr_ld64(b + 8);
	bool sgn = b[16];
	uint8_t code = b[17];
	if (code >= sizeof bounds_fmt / sizeof *bounds_fmt)
		return false;
	const char *f = sgn && x < 0 && code < sizeof bounds_neg_fmt / sizeof *bounds_neg_fmt ? bounds_neg_fmt[code]
											 : bounds_fmt[code];
	size_t k = (size_t)snprintf(out, n, "runtime error: ");
	for (; *f && k + 1 < n; f++) {
		if (*f == '%' && (f[1] == 'x' || f[1] == 'y')) {
			char num[32];
			if (f[1] == 'x' && !sgn)
				snprintf(num, sizeof num, "%" PRIu64, (uint64_t)x);
			else
				snprintf(num, sizeof num, "%" PRId64, f[1] == 'x' ? x : y);
			k += (size_t)snprintf(out + k, n - k, "%s", num);
			f++;
			if (k >= n)
				k = n - 1;
			continue;
		}
		out[k++] = *f;
		out[k] = 0;
	}
	return true;
}

const char *cr_gort_panic_value(struct cr_gort *g, const struct cr_goroutine *G, const char **type)
{
	struct priv *P = g->priv;
	const struct cr_core *c = P->core;
	unsigned og, oarg, olink;
	panic_offsets(g->go_version, &og, &oarg, &olink);
	*type = NULL;
	uint64_t pa, t, d;
	if (!G || !cr_core_read_u64(c, G->addr + og, &pa) || !pa || !cr_core_read_u64(c, pa + oarg, &t) ||
	    !cr_core_read_u64(c, pa + oarg + 8, &d))
		return NULL;
	if (!t)
		return "nil";
	char tn[256], v[1024];
	uint8_t kind;
	if (!type_name(g, t, tn, sizeof tn, &kind))
		return NULL;
	*type = gort_arena_fmt(g, "%s", tn);
	bool ok = false;
	if (!strcmp(tn, "string") || !strcmp(tn, "runtime.plainError"))
		ok = read_str(c, d, v, sizeof v);
	else if (!strcmp(tn, "runtime.errorString")) {
		char s[1000];
		ok = read_str(c, d, s, sizeof s);
		snprintf(v, sizeof v, "runtime error: %s", s);
	} else if (!strcmp(tn, "*errors.errorString") || !strcmp(tn, "*fmt.wrapError") ||
		   !strcmp(tn, "*fmt.wrapErrors"))
		ok = read_str(c, d, v, sizeof v); /* s / msg: the first field */
	else if (!strcmp(tn, "runtime.boundsError"))
		ok = bounds_text(c, d, v, sizeof v);
	else if (kind >= 2 && kind <= 6 && !strchr(tn, '.')) { /* int, int8..int64 */
		uint64_t x = 0;
		unsigned sz = kind == 3 ? 1 : kind == 4 ? 2 : kind == 5 ? 4 : 8;
		ok = cr_core_read(c, d, &x, sz) == sz;
		int64_t sx = sz == 1 ? (int8_t)x : sz == 2 ? (int16_t)x : sz == 4 ? (int32_t)x : (int64_t)x;
		snprintf(v, sizeof v, "%" PRId64, sx);
	} else if (kind >= 7 && kind <= 12 && !strchr(tn, '.')) { /* uint.. uintptr */
		uint64_t x = 0;
		unsigned sz = kind == 8 ? 1 : kind == 9 ? 2 : kind == 10 ? 4 : 8;
		ok = cr_core_read(c, d, &x, sz) == sz;
		snprintf(v, sizeof v, "%" PRIu64, x);
	}
	if (!ok)
		return NULL;
	return gort_arena_fmt(g, "%s", v);
}
