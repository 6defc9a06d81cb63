#!/usr/bin/env python3
"""A profile.proto (gzip or raw) written again with each location id x
replaced by x * MUL + ADD, in the Location messages and the samples alike:
the same profile, with ids that are not 1, 2, ... in file order (a reader's
id maps then take another path). Output is raw, padded to an odd size by an
unknown field (the pprof target compares some reads on odd sizes only).
  usage: renumber-ids.py IN OUT MUL ADD"""
import gzip
import sys


def get_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def varint(v):
    out = bytearray()
    while True:
        c, v = v & 0x7F, v >> 7
        out.append(c | 0x80 if v else c)
        if not v:
            return bytes(out)


def fields(b):
    i = 0
    while i < len(b):
        tag, i = get_varint(b, i)
        f, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = get_varint(b, i)
        elif wt == 2:
            n, i = get_varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            n = 8 if wt == 1 else 4
            v, i = b[i:i + n], i + n
        yield f, wt, v


def field(f, wt, v):
    if wt == 0:
        return varint(f << 3) + varint(v)
    if wt == 2:
        return varint(f << 3 | 2) + varint(len(v)) + v
    return varint(f << 3 | wt) + v


def main():
    src, dst, mul, add = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = open(src, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    new = lambda x: x * mul + add
    out = bytearray()
    for f, wt, v in fields(data):
        if f in (2, 4) and wt == 2:  # Sample, Location
            msg = bytearray()
            for g, gwt, w in fields(v):
                if f == 2 and g == 1 and gwt == 2:  # packed location ids
                    ids, j = [], 0
                    while j < len(w):
                        x, j = get_varint(w, j)
                        ids.append(varint(new(x)))
                    w = b''.join(ids)
                elif g == 1 and gwt == 0:  # one location id, or the Location's id
                    w = new(w)
                msg += field(g, gwt, w)
            v = bytes(msg)
        out += field(f, wt, v)
    if len(out) % 2 == 0:
        out += field(99, 0, 5)  # three bytes
    open(dst, 'wb').write(out)


main()
