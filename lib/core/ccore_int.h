/* What lib/core/ccore*.c share about a C core's modules. Not installed. */
#ifndef CORONER_CCORE_INT_H
#define CORONER_CCORE_INT_H

#include "coroner/core.h"
#include "coroner/frame.h"

/* Most frames made up for the tail calls between two frames (ccore_tail.c). */
#define CCORE_TAIL_MAX 16

/* The module whose mappings hold runtime address pc; NULL if none. */
struct cr_cmodule *ccore_module_of(struct cr_ccore *cc, uint64_t pc);
/* Open m's files for symbolization, once. */
void ccore_open_module(struct cr_ccore *cc, struct cr_cmodule *m);
/* The frames of pc (looked up at addr: pc, or pc-1 for a return address),
 * innermost first, into out[0, max); how many (1 at least). */
size_t ccore_name_pc(struct cr_ccore *cc, uint64_t pc, uint64_t addr, struct cr_frame *out, size_t max);
/* The frames gdb makes up for functions left by tail calls between a callee
 * (entry: the runtime entry of its concrete function, 0 if unknown) and its
 * caller (ret: the return address the callee returns to), innermost first,
 * into out[0, CCORE_TAIL_MAX); how many (0: none, or not known for sure). */
size_t ccore_tail_frames(struct cr_ccore *cc, uint64_t entry, uint64_t ret, struct cr_frame *out);

#endif
