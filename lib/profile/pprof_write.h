/* The profile.proto encoder's output (pprof_write.c) and the gzip writers
 * that take it (pprof_gzip.c). */
#ifndef CORONER_PPROF_WRITE_H
#define CORONER_PPROF_WRITE_H

#include "coroner/outfile.h"
#include "coroner/profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the encoding goes: room(n) is where the next n bytes are written
 * (NULL when out of memory or the sink failed). In memory: one buffer of
 * the exact size; to a gzip stream: a buffer deflated each time it fills. */
struct sink {
	uint8_t *buf, *o, *end;
	bool (*flush)(struct sink *s, size_t need); /* make room for need bytes */
	void *arg;
};

static inline uint8_t *room(struct sink *s, size_t n)
{
	if ((size_t)(s->end - s->o) < n && !s->flush(s, n))
		return NULL;
	return s->o;
}

/* the profile into s; false when s failed */
bool cr_pprof_encode(const struct cr_profile *p, struct sink *s);

/* The profile's encoding gzipped to of (with ISA-L encoded as it is
 * deflated, else raw[0, n) from cr_profile_encode_pprof); false on a write
 * error (errno set) or when out of memory (*nomem). */
#ifdef CORONER_HAVE_ISAL
bool cr_pprof_write_gzip(struct cr_outfile *of, const struct cr_profile *p, bool *nomem);
#else
bool cr_pprof_write_gzip(struct cr_outfile *of, const unsigned char *raw, size_t n, bool *nomem);
#endif

#endif
