/* The heap reader on hostile variants of a real core (testdata/retain,
 * go1.26): the regions it reads its structure from (cr_heap_inputs) are
 * overwritten one at a time — the span table's length, an mspan record,
 * alloc bits, span-inline pointer bits, a malloc header, a special
 * record's link, the moduledata — and each run must end with a clean code, bounded, and
 * where it goes on, with the damage named in a warning and the answer
 * marked partial. The facts asserted of the intact core come from the
 * program's own counts (expected/retain-1.26.stdout). */
#include "../unit.h"
#include "coroner/binary.h"
#include "coroner/core.h"
#include "coroner/gort.h"
#include "coroner/heap.h"
#include "coroner/input.h"

#include <unistd.h>

static struct cr_binary *bin;
static uint8_t *core;
static size_t corelen;

struct region { const char *what; uint64_t addr; size_t len; };
static struct region regs[200];
static size_t nregs;

static void on_input(void *arg, const char *what, uint64_t addr, size_t len)
{
	(void)arg;
	if (nregs < 200)
		regs[nregs++] = (struct region){ what, addr, len };
}

/* Open the heap of the (patched) core; fills h (caller releases). */
static enum cr_err run(struct cr_heap *h, const struct cr_heap_opts *o, struct cr_error *e, bool collect)
{
	struct cr_core c;
	struct cr_gort g;
	enum cr_err rc = cr_core_parse(&c, core, corelen, "core-1.26", e);
	memset(h, 0, sizeof *h);
	if (rc)
		return rc;
	rc = cr_gort_open_flags(&g, &c, bin, CR_GORT_NO_NATIVE, e);
	if (!rc) {
		rc = cr_heap_open(h, &g, &c, bin, o, e);
		if (collect)
			cr_heap_inputs(h, on_input, NULL);
		/* h's strings live in its arena; g and c are only read during open */
	}
	cr_gort_release(&g);
	cr_core_close(&c);
	return rc;
}

static uint8_t *at(uint64_t addr, size_t n)
{
	struct cr_core c;
	struct cr_error e = { 0 };
	if (cr_core_parse(&c, core, corelen, "core", &e))
		return NULL;
	const uint8_t *p = cr_core_ptr(&c, addr, n);
	cr_core_close(&c);
	return (uint8_t *)p; /* into core[] */
}

static const struct region *find(const char *what, size_t nth)
{
	for (size_t i = 0; i < nregs; i++)
		if (!strcmp(regs[i].what, what) && nth-- == 0)
			return &regs[i];
	return NULL;
}

/* Patch region r with fill (or the 8-byte value v at off), run, restore. */
static void patched(const char *name, const struct region *r, size_t off, int fill, uint64_t v, enum cr_err want,
		    const char *warn_has, bool want_partial)
{
	if (!r) {
		fprintf(stderr, "%s: no region\n", name);
		CHECK(r != NULL);
		return;
	}
	uint8_t *p = at(r->addr, r->len), save[4096];
	size_t n = r->len < sizeof save ? r->len : sizeof save;
	CHECK(p != NULL);
	if (!p)
		return;
	memcpy(save, p, n);
	if (fill >= 0)
		memset(p, fill, n);
	else if (off + 8 <= n)
		memcpy(p + off, &v, 8);
	struct cr_heap h;
	struct cr_error e = { 0 };
	enum cr_err rc = run(&h, NULL, &e, false);
	fprintf(stderr, "%s: rc %d %s; partial %d; %s", name, rc, e.msg, h.partial, cr_buf_str(&h.warn));
	CHECK_EQ_INT(rc, want);
	if (rc)
		CHECK(e.msg[0] != 0);
	if (!rc && warn_has)
		CHECK(strstr(cr_buf_str(&h.warn), warn_has) != NULL);
	if (!rc)
		CHECK_EQ_INT(h.partial, want_partial);
	cr_heap_release(&h);
	memcpy(p, save, n);
}

static uint64_t type_count(const struct cr_heap *h, const char *type)
{
	for (size_t i = 0; i < h->ntypes; i++)
		if (!strcmp(h->types[i].type, type))
			return h->types[i].count;
	return 0;
}

int main(void)
{
	char path[4096];
	struct cr_error e = { 0 };
	struct cr_input in;
	if (!unit_data("retain/retain-1.26.gz", path, sizeof path) ||
	    cr_binary_open(&bin, path, &e) != CR_OK) {
		printf("SKIP: no testdata/retain binary (%s)\n", e.msg);
		return 77;
	}
	if (!unit_data("retain/core-1.26.zst", path, sizeof path) || cr_input_open(&in, path, (size_t)1 << 30, &e)) {
		printf("SKIP: no testdata/retain core\n");
		return 77;
	}
	core = malloc(in.len);
	memcpy(core, in.data, in.len);
	corelen = in.len;
	cr_input_close(&in);

	/* intact: complete, the program's exact counts */
	struct cr_heap h;
	enum cr_err rc = run(&h, NULL, &e, true);
	CHECK_EQ_INT(rc, CR_OK);
	CHECK(!h.partial);
	CHECK_EQ_INT(type_count(&h, "main.entry"), 2000);
	uint64_t objects = h.objects, reachable = h.reachable_bytes;
	cr_heap_release(&h);
	CHECK(nregs > 20);

	/* the core as a file of 64 MiB or more (sparse past its end), whose
	 * spans are copied with pread rather than read through the mapping:
	 * the program's counts again, and the same answer */
	char tmp[] = "/tmp/coroner-heap-core-XXXXXX";
	int fd = mkstemp(tmp);
	CHECK(fd >= 0);
	if (fd >= 0) {
		bool ok = write(fd, core, corelen) == (ssize_t)corelen && ftruncate(fd, (off_t)corelen + (64 << 20)) == 0;
		close(fd);
		struct cr_core c;
		struct cr_gort g;
		CHECK(ok);
		CHECK_EQ_INT(cr_core_open(&c, tmp, &e), CR_OK);
		unlink(tmp);
		CHECK(c.in.have_fd);
		CHECK_EQ_INT(cr_gort_open_flags(&g, &c, bin, CR_GORT_NO_NATIVE, &e), CR_OK);
		CHECK_EQ_INT(cr_heap_open(&h, &g, &c, bin, NULL, &e), CR_OK);
		CHECK_EQ_INT(h.objects, objects);
		CHECK_EQ_INT(h.reachable_bytes, reachable);
		CHECK_EQ_INT(type_count(&h, "main.entry"), 2000);
		cr_heap_release(&h);
		cr_gort_release(&g);
		cr_core_close(&c);
	}

	/* a cap on objects: CR_LIMIT */
	struct cr_heap_opts o = { .max_objects = 100 };
	rc = run(&h, &o, &e, false);
	CHECK_EQ_INT(rc, CR_LIMIT);
	CHECK(strstr(e.msg, "--max-objects") != NULL);
	cr_heap_release(&h);

	/* the span table claims 2^40 spans: not in the core */
	patched("allspans len", find("allspans", 0), 8, -1, 1ull << 40, CR_FORMAT, NULL, false);
	/* span pointers into nowhere */
	patched("spans garbage", find("spans", 0), 0, 0x41, 0, CR_OK, "not in the core", true);
	/* an mspan record of 0x01 bytes: in use, but nothing adds up */
	patched("mspan 0x01", find("mspan", 3), 0, 0x01, 0, CR_OK, "inconsistent", true);
	patched("mspan 0xff", find("mspan", 5), 0, 0xff, 0, CR_OK, NULL, false);
	/* every slot allocated, every word a pointer: bigger, not broken */
	patched("allocbits 0xff", find("allocbits", 2), 0, 0xff, 0, CR_OK, NULL, false);
	patched("heapbits 0xff", find("heapbits", 0), 0, 0xff, 0, CR_OK, NULL, false);
	/* a malloc header pointing nowhere: that type is unreadable */
	patched("header wild", find("header", 0), 0, -1, 0x4141414141414140ull, CR_OK, "type at 0x4141414141414140", true);
	/* a special record linked to itself */
	const struct region *sp = find("special", 0);
	patched("special loop", sp, 0, -1, sp ? sp->addr : 0, CR_OK, "points to itself", true);
	/* moduledata zeroed: no globals, but stacks and the rest */
	patched("moduledata 0", find("moduledata", 0), 0, 0x00, 0, CR_OK, "moduledata", true);

	rc = run(&h, NULL, &e, false);
	CHECK_EQ_INT(rc, CR_OK);
	CHECK_EQ_INT(h.objects, objects); /* every patch was undone */
	cr_heap_release(&h);
	free(core);
	cr_binary_close(bin);
	return unit_done();
}
