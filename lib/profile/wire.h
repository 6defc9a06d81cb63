/* Protobuf wire-format cursor over untrusted bytes: every read is bounds
 * checked and every loop advances. Field numbers of profile.proto are in
 * proto/profile.proto. */
#ifndef CORONER_WIRE_H
#define CORONER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pbuf {
	const uint8_t *p, *end, *base;
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static inline bool pb_varint(struct pbuf *b, uint64_t *out)
{
	uint64_t v = 0;
	/* one and two bytes, the common sizes, without the loop */
	if (b->end - b->p >= 2) {
		uint8_t c0 = b->p[0], c1 = b->p[1];
		if (c0 < 0x80) {
			b->p++;
			*out = c0;
			return true;
		}
		if (c1 < 0x80) {
			b->p += 2;
			*out = (uint64_t)(c0 & 0x7f) | (uint64_t)c1 << 7;
			return true;
		}
	}
	for (int shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return false;
		uint8_t c = *b->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			if (shift == 63 && c > 1)
				return false; /* over 64 bits */
			*out = v;
			return true;
		}
	}
	return false; /* more than 10 bytes */
}

/* Read a tag; returns false at end or on error (check b->p < b->end). */
static inline bool pb_tag(struct pbuf *b, uint32_t *field, uint32_t *wt)
{
	uint64_t t;
	if (!pb_varint(b, &t) || (t >> 3) == 0 || (t >> 3) > 0x1fffffff)
		return false;
	*field = (uint32_t)(t >> 3);
	*wt = (uint32_t)(t & 7);
	return true;
}

/* Length-delimited payload as a sub-buffer. */
static inline bool pb_bytes(struct pbuf *b, struct pbuf *sub)
{
	uint64_t n;
	if (!pb_varint(b, &n) || n > (uint64_t)(b->end - b->p))
		return false;
	sub->p = b->p;
	sub->end = b->p + n;
	sub->base = b->base;
	b->p += n;
	return true;
}

static inline bool pb_skip(struct pbuf *b, uint32_t wt)
{
	uint64_t v;
	struct pbuf s;
	switch (wt) {
	case WT_VARINT: return pb_varint(b, &v);
	case WT_I64:
		if (b->end - b->p < 8) return false;
		b->p += 8;
		return true;
	case WT_I32:
		if (b->end - b->p < 4) return false;
		b->p += 4;
		return true;
	case WT_LEN: return pb_bytes(b, &s);
	default: return false;
	}
}

static inline size_t pb_off(const struct pbuf *b) { return (size_t)(b->p - b->base); }

#endif
