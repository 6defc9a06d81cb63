#!/usr/bin/env python3
"""A profile.proto (gzip or raw) written again with each location id x
replaced by x * MUL + ADD, in the Location messages and the samples alike:
the same profile, with ids that are not 1, 2, ... in file order (a reader's
id maps then take another path). Output is raw, padded to an odd size by an
unknown field (the pprof target compares some reads on odd sizes only).
The wire format's helpers are tests/hostile/make-cases.py's.
  usage: renumber-ids.py IN OUT MUL ADD"""
import gzip
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'cases', os.path.join(here, '..', 'tests', 'hostile', 'make-cases.py'))
pb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pb)


def main():
    src, dst, mul, add = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    data = open(src, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    new = lambda x: x * mul + add
    top = []
    for f, wt, v in pb.fields(data):
        if f in (2, 4) and wt == 2:  # Sample, Location
            msg = []
            for g, gwt, w in pb.fields(v):
                if f == 2 and g == 1 and gwt == 2:  # packed location ids
                    w = b''.join(pb.varint(new(x)) for x in pb.unpack_varints(w))
                elif g == 1 and gwt == 0:  # one location id, or the Location's id
                    w = new(w)
                msg.append((g, gwt, w))
            v = pb.encode(msg)
        top.append((f, wt, v))
    out = pb.encode(top)
    if len(out) % 2 == 0:
        out += pb.fv(99, 5)  # three bytes
    open(dst, 'wb').write(out)


main()
