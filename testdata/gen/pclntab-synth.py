#!/usr/bin/env python3
"""Write tiny synthetic Go pclntabs, one per layout (Go 1.2, 1.16, 1.18,
1.20), little endian, 8-byte pointers, pc quantum 1, text at 0x401000:

  main.a  [0x401000, 0x401020)  a.go  line 10 on [0,0x10), 11 on [0x10,0x20)
                                pcsp 0 on [0,4), 8 on [4,0x20)
  main.b  [0x401020, 0x401050)  b.go  line 20

The layouts are written from Go's runtime/symtab.go and
cmd/link/internal/ld/pcln.go of each version (see lib/sym/pclntab.c).
Used as fuzz seeds (fuzz/corpus/pclntab) and by tests/sym/test-sym.c.
usage: pclntab-synth.py OUTDIR
"""
import struct, sys, os

TEXT = 0x401000

def uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def pcvalue(runs):
    """runs: [(value, length)] -> Go pc-value stream"""
    out, prev = bytearray(), -1
    for val, length in runs:
        d = val - prev
        z = (d << 1) if d >= 0 else ((-d << 1) - 1)
        out += uvarint(z) + uvarint(length)
        prev = val
    return bytes(out + b"\0")

FUNCS = [  # name, entry offset, size, pcfile runs, pcln runs, pcsp runs
    ("main.a", 0x00, 0x20, "a.go", [(10, 0x10), (11, 0x10)], [(0, 4), (8, 0x1c)]),
    ("main.b", 0x20, 0x30, "b.go", [(20, 0x30)], [(0, 0x30)]),
]

def build(ver):
    names = b"".join(f[0].encode() + b"\0" for f in FUNCS)
    nameoff = [0, len(FUNCS[0][0]) + 1]
    files = ["a.go", "b.go"]
    filetab = b"".join(f.encode() + b"\0" for f in files)
    fileoff = [0, 5]
    # pctab: leading pad so that offset 0 means "no table"
    pctab = bytearray(b"\0")
    offs = []
    for i, f in enumerate(FUNCS):
        fno = i + 1 if ver == 102 else i  # Go 1.2 file numbers index the file table from 1
        o = {}
        o["pcfile"] = len(pctab); pctab += pcvalue([(fno, f[2])])
        o["pcln"] = len(pctab); pctab += pcvalue(f[4])
        o["pcsp"] = len(pctab); pctab += pcvalue(f[5])
        offs.append(o)
    end = FUNCS[-1][1] + FUNCS[-1][2]
    if ver == 102:
        return build_12(names, nameoff, filetab, bytes(pctab), offs, end)
    cutab = struct.pack("<2I", *fileoff)
    hdr_words = 8 if ver >= 118 else 7
    hdr = 8 + 8 * hdr_words
    funcname_off = hdr
    cu_off = funcname_off + len(names)
    cu_off = (cu_off + 3) & ~3
    filetab_off = cu_off + len(cutab)
    pctab_off = filetab_off + len(filetab)
    pcln_off = (pctab_off + len(pctab) + 7) & ~7
    fsz = 4 if ver >= 118 else 8
    ftab_len = (2 * len(FUNCS) + 1) * fsz
    recs, funcoffs = bytearray(), []
    for i, f in enumerate(FUNCS):
        pos = (ftab_len + len(recs) + 7) & ~7
        recs += b"\0" * (pos - ftab_len - len(recs))
        funcoffs.append(pos)
        o = offs[i]
        if ver >= 118:
            r = struct.pack("<I", f[1])
        else:
            r = struct.pack("<Q", TEXT + f[1])
        r += struct.pack("<iiIIIIII", nameoff[i], 0, 0, pctab_off_rel(o["pcsp"]), o["pcfile"], o["pcln"], 0, 0)
        if ver >= 120:
            r += struct.pack("<i", f[4][0][0] - 1)  # startLine
        r += bytes([0, 0, 0, 0])  # funcID, flag, pad, nfuncdata
        recs += r
    ftab = bytearray()
    for i, f in enumerate(FUNCS):
        ftab += struct.pack("<II" if fsz == 4 else "<QQ", (f[1] if ver >= 118 else TEXT + f[1]), funcoffs[i])
    ftab += struct.pack("<I" if fsz == 4 else "<Q", end if ver >= 118 else TEXT + end)
    magic = {116: 0xfffffffa, 118: 0xfffffff0, 120: 0xfffffff1}[ver]
    words = [len(FUNCS), len(files)]
    if ver >= 118:
        words.append(TEXT)
    words += [funcname_off, cu_off, filetab_off, pctab_off, pcln_off]
    out = bytearray(struct.pack("<IBBBB", magic, 0, 0, 1, 8) + struct.pack("<%dQ" % len(words), *words))
    out += names
    out += b"\0" * (cu_off - len(out))
    out += cutab + filetab + pctab
    out += b"\0" * (pcln_off - len(out))
    out += ftab + recs
    return bytes(out)

def pctab_off_rel(x):
    return x

def build_12(names, nameoff, filetab_s, pctab, offs, end):
    # Go 1.2: everything is relative to the table start
    n = len(FUNCS)
    ftab_off = 16
    ftab_len = (2 * n + 1) * 8
    filetab_ptr_off = ftab_off + ftab_len          # u32 offset of the file table
    names_off = filetab_ptr_off + 4
    strs_off = names_off + len(names)               # file name strings
    pct_off = strs_off + len(filetab_s)
    recs_off = (pct_off + len(pctab) + 7) & ~7
    rec_len = 8 + 28 + 4
    filetab_off = recs_off + n * rec_len
    out = bytearray(struct.pack("<IBBBB", 0xfffffffb, 0, 0, 1, 8) + struct.pack("<Q", n))
    for i, f in enumerate(FUNCS):
        out += struct.pack("<QQ", TEXT + f[1], recs_off + i * rec_len)
    out += struct.pack("<Q", TEXT + end)
    out += struct.pack("<I", filetab_off)
    out += names + filetab_s + pctab
    out += b"\0" * (recs_off - len(out))
    for i, f in enumerate(FUNCS):
        o = offs[i]
        out += struct.pack("<Q", TEXT + f[1])
        out += struct.pack("<iiIIIII", names_off + nameoff[i], 0, 0,
                           pct_off + o["pcsp"], pct_off + o["pcfile"], pct_off + o["pcln"], 0)
        out += bytes([0, 0, 0, 0])
    # file table: count (entries incl. #0), then offsets of the names
    out += struct.pack("<III", 3, strs_off, strs_off + 5)
    return bytes(out)

outdir = sys.argv[1]
os.makedirs(outdir, exist_ok=True)
for ver in (102, 116, 118, 120):
    with open(os.path.join(outdir, "synth-go%d" % ver), "wb") as f:
        f.write(build(ver))
