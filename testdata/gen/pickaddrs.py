#!/usr/bin/env python3
"""Prints N addresses chosen at random (fixed seed) inside functions of BIN.

usage: pickaddrs.py BIN SEED N [REGEX]
Functions are the llvm-nm --print-size --defined-only symbols of type t/T/W
with a non-zero size (and, if REGEX is given, a name matching it); a function is chosen uniformly, then an offset uniformly
within [start, start+size). Output: one 0x-prefixed hex address per line,
sorted ascending, duplicates removed.
"""
import random
import re
import subprocess
import sys

binpath, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pat = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
out = subprocess.run(["llvm-nm", "--print-size", "--defined-only", binpath],
                     check=True, capture_output=True, text=True).stdout
funcs = []
for line in out.splitlines():
    f = line.split(None, 3)
    if len(f) == 4 and f[2] in ("t", "T", "W", "w"):
        start, size = int(f[0], 16), int(f[1], 16)
        if size > 0 and (pat is None or pat.search(f[3])):
            funcs.append((start, size, f[3]))
funcs.sort()
rng = random.Random(seed)
addrs = set()
total = sum(size for _, size, _ in funcs)
n = min(n, total)
while len(addrs) < n:
    start, size, _ = funcs[rng.randrange(len(funcs))]
    addrs.add(start + rng.randrange(size))
for a in sorted(addrs):
    print("0x%x" % a)
