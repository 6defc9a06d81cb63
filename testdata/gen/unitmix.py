#!/usr/bin/env python3
"""unitmix writes small pprof profiles (profile.proto, gzipped) whose sample
and period types name the same quantity in different units, or different
period types, as profiles of one program from two collectors can: pprof
scales such profiles to the finest unit before it merges them, and refuses
period types of different kinds. The protobuf wire format is written by
hand; deterministic (gzip with no name and no time).

    unitmix.py OUTDIR
"""
import gzip
import os
import sys


def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field_varint(f, v):
    return varint(f << 3) + varint(v) if v else b""


def field_bytes(f, b):
    return varint(f << 3 | 2) + varint(len(b)) + b


def packed(f, vals):
    return field_bytes(f, b"".join(varint(v) for v in vals))


class Strings:
    def __init__(self):
        self.tab = [""]

    def __call__(self, s):
        if s not in self.tab:
            self.tab.append(s)
        return self.tab.index(s)


FUNCS = ["main.main", "main.work", "main.alloc", "main.copy"]
# location id -> (address, function index + 1, line)
LOCS = {1: (0x401010, 1, 12), 2: (0x401120, 2, 30), 3: (0x401230, 3, 45), 4: (0x401340, 4, 60)}


def profile(types, period_type, period, samples):
    """types: [(type, unit)]; period_type: (type, unit) or None; samples:
    [(location ids leaf first, values)]"""
    st = Strings()
    out = b""
    for t, u in types:
        out += field_bytes(1, field_varint(1, st(t)) + field_varint(2, st(u)))
    for locs, vals in samples:
        out += field_bytes(2, packed(1, locs) + packed(2, vals))
    out += field_bytes(3, field_varint(1, 1) + field_varint(2, 0x400000) + field_varint(3, 0x500000) +
                       field_varint(5, st("/bin/prog")) + field_varint(7, 1) + field_varint(8, 1) +
                       field_varint(9, 1))
    for lid, (addr, fn, line) in sorted(LOCS.items()):
        out += field_bytes(4, field_varint(1, lid) + field_varint(2, 1) + field_varint(3, addr) +
                           field_bytes(4, field_varint(1, fn) + field_varint(2, line)))
    for i, name in enumerate(FUNCS):
        out += field_bytes(5, field_varint(1, i + 1) + field_varint(2, st(name)) + field_varint(3, st(name)) +
                           field_varint(4, st("/src/prog/main.go")) + field_varint(5, 10 * i + 1))
    names = [field_bytes(6, s.encode()) for s in st.tab]
    out += b"".join(names)
    out += field_varint(9, 1700000000000000000) + field_varint(10, 10000000000)
    if period_type:
        out += field_bytes(11, field_varint(1, st(period_type[0])) + field_varint(2, st(period_type[1])))
        # the period type's strings may be new: the table is written again below
        out = out.replace(b"".join(names), b"".join(field_bytes(6, s.encode()) for s in st.tab))
    out += field_varint(12, period)
    return out


def heap(unit, scale, period, extra=()):
    """alloc_objects/count and alloc_space/UNIT (bytes divided by scale)"""
    rows = [([3, 2, 1], [4, 4096 * 1024]), ([4, 2, 1], [2, 1536 * 1024]), ([2, 1], [1, 3 * 1024 * 1024])]
    return profile([("alloc_objects", "count"), ("alloc_space", unit)], ("space", unit), period,
                   [(l, [v[0], v[1] // scale]) for l, v in rows] + list(extra))


def cpu(unit, scale, period, ptype="cpu", extra=()):
    rows = [([3, 2, 1], [7, 70000000]), ([4, 2, 1], [3, 30000000]), ([1], [1, 10000000])]
    return profile([("samples", "count"), ("cpu", unit)], (ptype, unit), period,
                   [(l, [v[0], v[1] // scale]) for l, v in rows] + list(extra))


def main():
    d = sys.argv[1]
    files = {
        "heap-b.pb.gz": heap("bytes", 1, 524288),
        # kilobytes; one sample of 300 bytes written as 0 kB with 1 object
        "heap-kb.pb.gz": heap("kilobytes", 1024, 512, [([3, 1], [1, 0])]),
        "heap-mb.pb.gz": heap("megabytes", 1024 * 1024, 1),
        "cpu-ns.pb.gz": cpu("nanoseconds", 1, 10000000),
        "cpu-ms.pb.gz": cpu("milliseconds", 1000000, 10),
        "cpu-us.pb.gz": cpu("microseconds", 1000, 10000),
        # the same samples with a wall-clock period type
        "cpu-wall.pb.gz": cpu("nanoseconds", 1, 10000000, "wall"),
        # a period type of another kind of unit
        "cpu-count.pb.gz": profile([("samples", "count"), ("cpu", "nanoseconds")], ("cpu", "count"), 100,
                                   [([3, 2, 1], [7, 70000000])]),
        # no period type
        "cpu-none.pb.gz": profile([("samples", "count"), ("cpu", "nanoseconds")], None, 0,
                                  [([3, 2, 1], [7, 70000000])]),
        # a sample type of another unit kind
        "cpu-cnt.pb.gz": profile([("samples", "count"), ("cpu", "count")], ("cpu", "nanoseconds"), 10000000,
                                 [([3, 2, 1], [7, 7])]),
    }
    # Google Compute Units, pprof's third kind of unit: milli and whole
    cost = [([3, 2, 1], [7, 7250000]), ([4, 2, 1], [3, 1500]), ([1], [1, 40])]
    files["cost-mgcu.pb.gz"] = profile([("samples", "count"), ("cost", "milligcu")], ("cost", "milligcu"), 1, cost)
    files["cost-gcu.pb.gz"] = profile([("samples", "count"), ("cost", "gcu")], ("cost", "gcu"), 1,
                                      [(l, [v[0], v[1] // 1000]) for l, v in cost])
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(gzip.compress(data, 9, mtime=0))


if __name__ == "__main__":
    main()
