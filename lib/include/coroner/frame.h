/* One frame of a stack, the same type in every layer: what the symbolizers
 * give for an address (lib/sym), the Go runtime's unwinder over a core
 * (lib/gort), a C core's threads (lib/core) and goroutine groups read from
 * dumps and profiles (lib/report). Arrays of frames are innermost first.
 *
 * Unknown has one spelling: a string nobody knows is "" (never NULL), a
 * number nobody knows is 0. What to print for an unknown string is the
 * renderer's choice, made through cr_frame_or(): "?" where the Go runtime
 * prints one, "??" where addr2line, llvm-symbolizer and gdb do.
 *
 * The strings belong to whoever filled the frame (a symbolizer's binary, a
 * handle's arena); the frame owns nothing.
 */
#ifndef CORONER_FRAME_H
#define CORONER_FRAME_H

#include <stdbool.h>
#include <stdint.h>

struct cr_frame {
	const char *function; /* as the binary names it (C++ mangled), "" if unknown */
	const char *file;     /* "" if unknown */
	const char *module;   /* C cores: the mapped file holding pc; "" if none */
	int64_t line;         /* 0 if unknown */
	uint32_t column;      /* 0 if unknown (DWARF gives it) */
	bool inlined;         /* inlined into the next (outer) frame */
	bool native;          /* in a Go stack: a C frame (libunwind); its file is
			       * the library's path when there is no line info */
	bool signal;          /* C cores: the signal return trampoline (gdb's
			       * "<signal handler called>"); the next frame is
			       * where the signal interrupted its thread */
	bool tail_call;       /* C cores: a function left by a tail call (a jump),
			       * made up from DWARF call-site records as gdb does;
			       * pc is the return address its call site would have */
	uint64_t pc;          /* runtime address (return address of a caller,
			       * trap pc of the innermost); 0 if unknown. The
			       * symbolizers leave it 0: their caller knows it */
	uint64_t entry;       /* start of the (physical or inlined) function, 0 if unknown */
};

/* s, or unknown when s is "" (or NULL). */
static inline const char *cr_frame_or(const char *s, const char *unknown)
{
	return s && *s ? s : unknown;
}

#endif
