#!/usr/bin/env python3
"""Print a `heap_layouts[]` entry for lib/heap/layout.c (the runtime struct
offsets coroner heap uses when a Go binary has no DWARF, i.e. built with
-ldflags='-s -w') from an UNSTRIPPED build of the same Go release, read with
llvm-dwarfdump (an independent DWARF reader, not coroner's own code).

usage: heap-layout.py BINARY VERSION_PREFIX   (e.g. retain-1.22 go1.22)

Each field of struct hoff (lib/heap/heap_int.h) is TYPE.MEMBER's
DW_AT_data_member_location, or TYPE's DW_AT_byte_size; optional members a
release does not have are MISSING."""
import re
import subprocess
import sys

binary, prefix = sys.argv[1], sys.argv[2]
DUMP = "llvm-dwarfdump-14"


def struct(name):
    out = subprocess.run([DUMP, "-n", name, "-c", binary], capture_output=True, text=True, check=True).stdout
    size, members, cur = None, {}, None
    for line in out.splitlines():
        m = re.match(r"^0x[0-9a-f]+:\s+(DW_TAG_\w+)", line)
        if m:
            tag = m.group(1)
            if tag == "DW_TAG_structure_type" and size is not None:
                break  # another unit's copy of the type
            cur = {} if tag == "DW_TAG_member" else None
            continue
        a = re.match(r"^\s+(DW_AT_\w+)\s+\((.*)\)$", line)
        if not a:
            continue
        k, v = a.group(1), a.group(2)
        if cur is None:
            if k == "DW_AT_byte_size" and size is None:
                size = int(v, 0)
        elif k == "DW_AT_name":
            cur["name"] = v.strip('"')
        elif k == "DW_AT_data_member_location" and "name" in cur:
            members[cur["name"]] = int(v, 0)
    if size is None:
        sys.exit(f"{binary}: no DWARF type {name}")
    return size, members


# field of struct hoff: (type, member or None for the size, optional)
fields = [
    ("mheap_allspans", "runtime.mheap", "allspans", False), ("mheap_arenas", "runtime.mheap", "arenas", True),
    ("span_size", "runtime.mspan", None, False), ("span_startaddr", "runtime.mspan", "startAddr", False),
    ("span_npages", "runtime.mspan", "npages", False), ("span_freeindex", "runtime.mspan", "freeindex", False),
    ("span_nelems", "runtime.mspan", "nelems", False), ("span_allocbits", "runtime.mspan", "allocBits", False),
    ("span_spanclass", "runtime.mspan", "spanclass", False), ("span_state", "runtime.mspan", "state", False),
    ("span_elemsize", "runtime.mspan", "elemsize", False), ("span_specials", "runtime.mspan", "specials", False),
    ("span_largetype", "runtime.mspan", "largeType", True),
    ("md_types", "runtime.moduledata", "types", False), ("md_etypes", "runtime.moduledata", "etypes", False),
    ("md_data", "runtime.moduledata", "data", False), ("md_edata", "runtime.moduledata", "edata", False),
    ("md_bss", "runtime.moduledata", "bss", False), ("md_ebss", "runtime.moduledata", "ebss", False),
    ("md_gcdatamask", "runtime.moduledata", "gcdatamask", False),
    ("md_gcbssmask", "runtime.moduledata", "gcbssmask", False), ("md_next", "runtime.moduledata", "next", False),
    ("bv_n", "runtime.bitvector", "n", False), ("bv_bytedata", "runtime.bitvector", "bytedata", False),
    ("sp_next", "runtime.special", "next", False), ("sp_offset", "runtime.special", "offset", False),
    ("sp_kind", "runtime.special", "kind", False), ("sp_size", "runtime.special", None, False),
    ("arena_bitmap", "runtime.heapArena", "bitmap", True),
    ("g_sched", "runtime.g", "sched", False), ("g_syscallsp", "runtime.g", "syscallsp", False),
    ("g_syscallpc", "runtime.g", "syscallpc", False), ("gobuf_sp", "runtime.gobuf", "sp", False),
    ("gobuf_pc", "runtime.gobuf", "pc", False),
]
cache = {}
vals = []
for f, typ, mem, opt in fields:
    if typ not in cache:
        cache[typ] = struct(typ)
    size, members = cache[typ]
    if mem is None:
        vals.append((f, str(size)))
    elif mem in members:
        vals.append((f, str(members[mem])))
    elif opt:
        vals.append((f, "MISSING"))
    else:
        sys.exit(f"{binary}: {typ} has no member {mem}")
print("\t{")
print(f'\t\t/* {prefix}: from the DWARF of a {prefix} build (testdata/gen/heap-layout.py) */')
print(f'\t\t"{prefix}", {{')
line = "\t\t\t"
for f, v in vals:
    it = f".{f} = {v},"
    if len(line) + len(it) + 1 > 100:
        print(line.rstrip())
        line = "\t\t\t"
    line += it + " "
print(line.rstrip())
print("\t\t},")
print("\t},")
