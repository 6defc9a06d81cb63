/* Goroutine stacks as roots, precisely where the binary says where the
 * pointers are: each frame is unwound with the pclntab (frame size from
 * the pcsp table at the frame's pc), and its live pointer slots are read
 * from the stack maps the compiler left in the funcdata (locals:
 * FUNCDATA_LocalsPointerMaps below the frame's saved frame pointer; args:
 * FUNCDATA_ArgsPointerMaps from the caller's outgoing arguments up),
 * indexed by PCDATA_StackMapIndex at the call (pc-1 for a return address),
 * as the runtime's own scanframeworker does. The frame layouts:
 *   amd64: the call pushed the return address at fp-8 (fp = sp + the
 *     pcsp delta + 8), the saved frame pointer below it; args from fp;
 *   arm64: the return address (LR) is saved at 0(sp) of a frame that has
 *     one (fp = sp + the pcsp delta; a leaf still holds it in LR), the
 *     frame pointer is saved below sp, so the runtime again takes the word
 *     at fp-8 out of the locals; args from fp+8 (above the caller's saved
 *     LR).
 * A frame without maps, a pc outside Go code or an unreadable return
 * address ends the precise walk: the rest of the stack is scanned
 * conservatively and the root says so. Stack objects (address-taken
 * locals the maps leave out) are not read. */
#include "heap_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FUNCDATA_ARGS 0
#define FUNCDATA_LOCALS 1
#define PCDATA_STACKMAP 1
#define MAX_FRAMES 4096

/* Bit vector idx of a runtime.stackmap {n int32, nbit int32, bytedata}. */
static const uint8_t *stackmap(struct hpriv *P, uint64_t addr, int32_t idx, int32_t *nbit)
{
	const uint8_t *h = heap_mem(P, addr, 8);
	if (!h)
		return NULL;
	int32_t n, nb;
	memcpy(&n, h, 4);
	memcpy(&nb, h + 4, 4);
	if (idx < 0 || idx >= n || nb < 0 || nb > (1 << 24))
		return NULL;
	*nbit = nb;
	uint64_t row = ((uint64_t)nb + 7) / 8;
	return heap_mem(P, addr + 8 + row * (uint64_t)idx, (size_t)row);
}


static enum cr_err scan_bits(struct cr_heap *h, uint64_t base, const uint8_t *bits, int32_t nbit, word_fn fn,
			     void *arg)
{
	struct hpriv *P = h->priv;
	for (int32_t i = 0; i < nbit; i++) {
		if (!((bits[i / 8] >> (i % 8)) & 1))
			continue;
		uint64_t v;
		if (!heap_u64(P, base + (uint64_t)i * 8, &v))
			continue;
		enum cr_err rc = fn(h, arg, v);
		if (rc)
			return rc;
	}
	return CR_OK;
}

/* amd64 rt_sigframe: the return address (sa_restorer, one of the
 * runtime's sigreturn functions), then the ucontext whose mcontext (at +48
 * from it) holds rsp at +120 and rip at +128. */
static bool sigframe_amd64(struct hpriv *P, uint64_t tsp, uint64_t lo, uint64_t hi, struct heap_ctx *x)
{
	static const char *const names[] = { "runtime.sigreturn__sigaction", "runtime.sigreturn" };
	uint64_t ret[2] = { 0, 0 };
	for (size_t i = 0; i < 2; i++) {
		struct cr_gofunc f;
		if (cr_pclntab_func_by_name(P->tab, names[i], &f))
			ret[i] = f.entry + P->bias;
	}
	for (uint64_t a = tsp & ~7ull, end = a + 65536; a < end; a += 8) {
		uint64_t w, rsp, rip;
		if (!heap_u64(P, a, &w))
			return false;
		if (!w || (w != ret[0] && w != ret[1]))
			continue;
		if (heap_u64(P, a + 168, &rsp) && heap_u64(P, a + 176, &rip) && rsp >= lo && rsp < hi) {
			x->pc = rip;
			x->sp = rsp;
			x->lr = 0;
			return true;
		}
	}
	return false;
}

/* arm64 rt_sigframe (no return address: the handler returns through the
 * vDSO): siginfo (128 bytes, si_signo first), then the ucontext: uc_flags,
 * uc_link, uc_stack (24), uc_sigmask (8), 120 unused, then the sigcontext
 * at +176 (aligned to 16): fault_address, x0..x30, sp, pc, pstate, and its
 * reserved area (+288) starting with the FP/SIMD record (magic
 * 0x46508001, size 528). So from the frame: x30 at +552, sp +560, pc +568,
 * the record at +592. The frame is 16-aligned. */
static bool sigframe_arm64(struct hpriv *P, uint64_t tsp, uint64_t lo, uint64_t hi, struct heap_ctx *x)
{
	for (uint64_t a = (tsp + 15) & ~15ull, end = a + 65536; a < end; a += 16) {
		const uint8_t *m = heap_mem(P, a + 592, 8);
		if (!m)
			return false;
		uint32_t magic, size, signo;
		memcpy(&magic, m, 4);
		memcpy(&size, m + 4, 4);
		if (magic != 0x46508001u || size != 528)
			continue;
		const uint8_t *si = heap_mem(P, a, 4);
		uint64_t lr, sp, pc;
		if (!si)
			continue;
		memcpy(&signo, si, 4);
		if (signo >= 1 && signo <= 64 && heap_u64(P, a + 552, &lr) && heap_u64(P, a + 560, &sp) &&
		    heap_u64(P, a + 568, &pc) && sp >= lo && sp < hi) {
			x->pc = pc;
			x->sp = sp;
			x->lr = lr;
			return true;
		}
	}
	return false;
}

bool heap_signal_context(struct cr_heap *h, uint64_t tsp, uint64_t lo, uint64_t hi, struct heap_ctx *x)
{
	struct hpriv *P = h->priv;
	if (!P->tab)
		return false;
	if (P->amd64)
		return sigframe_amd64(P, tsp, lo, hi, x);
	if (P->arm64)
		return sigframe_arm64(P, tsp, lo, hi, x);
	return false;
}

/* The function a frame's slots belong to: the innermost inlined function
 * at the call outside package runtime, else the innermost one. */
static const char *frame_function(struct hpriv *P, uint64_t q, const struct cr_gofunc *f)
{
	struct cr_frame fr[16];
	size_t n = cr_pclntab_frames(P->tab, q, fr, 16);
	for (size_t i = 0; i < n; i++)
		if (strncmp(cr_frame_or(fr[i].function, "??"), "runtime.", 8) != 0)
			return cr_frame_or(fr[i].function, "??");
	return n ? cr_frame_or(fr[0].function, "??") : f->name;
}

enum cr_err heap_scan_stack(struct cr_heap *h, const struct heap_ctx *start, uint64_t lo, uint64_t hi,
			    bool innermost, word_fn fn, void *arg, bool *conservative, const char **frame)
{
	struct hpriv *P = h->priv;
	enum cr_err rc = CR_OK;
	uint64_t pc = start->pc, sp = start->sp, lr = start->lr;
	bool arm64 = P->arm64;
	uint64_t ra_size = arm64 ? 0 : 8; /* the return address the call pushed */
	uint64_t min_frame = arm64 ? 8 : 0; /* the caller's saved LR below the args */
	*conservative = false;
	*frame = NULL;
	for (int n = 0; P->tab && (P->amd64 || arm64) && n < MAX_FRAMES; n++, innermost = false) {
		struct cr_gofunc f;
		int32_t delta, idx = -1;
		if (sp < lo || sp >= hi || pc < P->bias || !cr_pclntab_find_func(P->tab, pc - P->bias, &f) ||
		    !cr_pclntab_spdelta(P->tab, &f, pc - P->bias, &delta) || delta < 0 ||
		    sp + (uint64_t)delta + ra_size > hi)
			break;
		if (!strcmp(f.name, "runtime.goexit") || !strcmp(f.name, "runtime.mstart") ||
		    !strcmp(f.name, "runtime.rt0_go"))
			return CR_OK;
		uint64_t fp = sp + (uint64_t)delta + ra_size;
		uint64_t varp = fp - ra_size;
		if (varp > sp)
			varp -= 8; /* the saved frame pointer (arm64: where the runtime leaves it out too) */
		uint64_t tpc = pc - P->bias;
		if (tpc != f.entry) {
			uint64_t q = innermost ? tpc : tpc - 1;
			if (!cr_pclntab_pcdata(P->tab, &f, PCDATA_STACKMAP, q, &idx))
				idx = -1;
		}
		if (idx < 0)
			idx = 0;
		*frame = frame_function(P, tpc == f.entry || innermost ? tpc : tpc - 1, &f);
		uint64_t ma;
		if (varp > sp) {
			int32_t nbit;
			const uint8_t *bits;
			if (!cr_pclntab_funcdata(P->tab, &f, FUNCDATA_LOCALS, &ma) ||
			    !(bits = stackmap(P, ma + P->bias, idx, &nbit)) || (uint64_t)nbit * 8 > varp - sp)
				break;
			if ((rc = scan_bits(h, varp - (uint64_t)nbit * 8, bits, nbit, fn, arg)))
				return rc;
		}
		uint64_t argp = fp + min_frame;
		if (f.args > 0 && cr_pclntab_funcdata(P->tab, &f, FUNCDATA_ARGS, &ma)) {
			int32_t nbit;
			const uint8_t *bits = stackmap(P, ma + P->bias, idx, &nbit);
			if (bits && (uint64_t)nbit * 8 <= (uint64_t)f.args && argp + (uint64_t)nbit * 8 <= hi &&
			    (rc = scan_bits(h, argp, bits, nbit, fn, arg)))
				return rc;
		}
		uint64_t ret;
		if (arm64 && innermost && sp == fp && lr)
			ret = lr; /* a leaf (or at its entry): the return address is still in LR */
		else if (!heap_u64(P, arm64 ? sp : fp - 8, &ret))
			break;
		pc = ret;
		sp = fp;
	}
	/* the rest, conservatively */
	*conservative = true;
	*frame = NULL;
	if (sp < lo || sp >= hi)
		sp = lo;
	for (uint64_t a = sp & ~7ull; a + 8 <= hi; a += 8) {
		uint64_t v;
		if (heap_u64(P, a, &v) && (rc = fn(h, arg, v)))
			return rc;
	}
	return CR_OK;
}
