/* Shared by the debug=1 text readers (heap and goroutine profiles): the `#`
 * comment line the runtime prints for each frame of a record,
 *     #\t0x4b5a29\tmain.f+0x49\t/path/x.go:12
 * (pc of the call, function+offset from the physical function's entry,
 * file:line). Pointers point into the line: this is the parser's view of
 * one line, not a frame of the model (that is struct cr_frame). */
#ifndef CORONER_PROFILE_FRAMES_H
#define CORONER_PROFILE_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_comment_frame {
	uint64_t pc, entry; /* entry = pc - offset: shared by a physical frame's inlined frames */
	const char *fn; size_t fnlen;
	const char *file; size_t filelen;
	int64_t line;       /* 0 if absent */
	size_t phys;        /* for the readers: index of the frame naming the physical function */
};

/* Parse one comment line (starting with '#'); false if it is not a frame. */
bool cr_parse_comment_frame(const char *s, size_t n, struct cr_comment_frame *f);
/* The frame of comment line s appended to *frames (*n of them, capacity
 * *cap) when s names one and fewer than max are held. Returns 1 when added,
 * 0 when s is no frame, 2 when it is one past max, -1 on NOMEM. */
int cr_comment_frame_add(const char *s, size_t n, struct cr_comment_frame **frames, size_t *nframes,
			 size_t *cap, size_t max);

#endif
