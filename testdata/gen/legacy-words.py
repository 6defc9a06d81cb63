#!/usr/bin/env python3
"""The gperftools CPU profile cppbench.cpu (64-bit little-endian words)
rewritten in the word formats pprof also reads: 64-bit big-endian, and
32-bit big-endian (addresses cut to their low 32 bits, as a 32-bit
profiler's would be). The memory map text after the records is kept.
usage: legacy-words.py DIR   (reads DIR/cppbench.cpu, writes DIR/cppbench.cpu.64be, .32be)"""
import os
import struct
import sys

d = sys.argv[1]
b = open(os.path.join(d, 'cppbench.cpu'), 'rb').read()
words = list(struct.unpack_from('<5Q', b, 0))
i = 40
while True:
    count, depth = struct.unpack_from('<2Q', b, i)
    i += 16
    pcs = list(struct.unpack_from('<%dQ' % depth, b, i))
    i += 8 * depth
    words += [count, depth] + pcs
    if count == 0 and depth == 1 and pcs[0] == 0:
        break
rest = b[i:]
with open(os.path.join(d, 'cppbench.cpu.64be'), 'wb') as f:
    f.write(struct.pack('>%dQ' % len(words), *words) + rest)
w32 = [w & 0xffffffff for w in words]
with open(os.path.join(d, 'cppbench.cpu.32be'), 'wb') as f:
    f.write(struct.pack('>%dI' % len(w32), *w32) + rest)
