#!/usr/bin/env python3
"""The runtime's struct offsets, per Go release, read from the DWARF of an
UNSTRIPPED build of that release with llvm-dwarfdump (an independent DWARF
reader: nothing here comes from coroner's own code).

usage:
  rt-layout.py table go1.19=BINARY go1.21=BINARY ...
      the rows of lib/gort/layout.c's rt_releases[] table (what gort and
      heap read in binaries without DWARF, -ldflags='-s -w'), oldest
      release first: the first release's offsets in full, each later one as
      its differences from the one before (RT_GONE: the release dropped it)
  rt-layout.py ref BINARY VERSION_PREFIX
      the reference tests/core/layout-tables.sh compares the table with
      (expected/layout.c of testdata/gorel and testdata/gover): gort's
      fields by name, and more of what a core reader needs, for the record

A fact is TYPE.MEMBER's DW_AT_data_member_location, or TYPE's
DW_AT_byte_size (member NULL)."""
import re
import subprocess
import sys

DUMP = "llvm-dwarfdump-14"

# the types gort and heap read, and the members of each they use
TYPES = {
    "runtime.g": ["stack", "m", "sched", "syscallsp", "syscallpc", "atomicstatus", "goid", "waitsince",
                  "waitreason", "lockedm", "sig", "sigcode0", "sigcode1", "sigpc", "gopc", "startpc"],
    "runtime.stack": ["lo", "hi"],
    "runtime.gobuf": ["sp", "pc", "lr", "bp"],
    "runtime.m": ["g0", "procid", "gsignal", "curg", "id", "alllink"],
    "runtime.schedt": ["lastpoll", "mnext", "maxmcount"],
    "runtime.mstats": ["heapStats", "stacks_sys", "mspan_sys", "mcache_sys", "buckhash_sys", "gcMiscSys",
                       "other_sys", "last_gc_unix", "pause_total_ns", "numgc", "last_gc_nanotime"],
    "runtime.consistentHeapStats": ["stats"],
    "runtime.heapStatsDelta": ["committed", "released", "inHeap", "inStacks", "inWorkBufs", "inPtrScalarBits",
                               "tinyAllocCount", "largeAlloc", "largeAllocCount", "smallAllocCount",
                               "largeFree", "largeFreeCount", "smallFreeCount"],
    "runtime.mheap": ["allspans", "arenas", "allArenas", "heapArenas"],
    "runtime.mspan": ["startAddr", "npages", "freeindex", "nelems", "allocBits", "spanclass", "state",
                      "elemsize", "specials", "largeType"],
    "runtime.moduledata": ["types", "etypes", "data", "edata", "bss", "ebss", "gcdatamask", "gcbssmask", "next"],
    "runtime.bitvector": ["n", "bytedata"],
    "runtime.special": ["next", "offset", "kind"],
    "runtime.heapArena": ["bitmap"],
}
# the types whose size (DW_AT_byte_size) is read
SIZES = ["runtime.g", "runtime.m", "runtime.heapStatsDelta", "runtime.mspan", "runtime.special"]
# array lengths lib/gort/gort_int.h takes as constants (the runtime's
# numStatsDeltas and _NumSizeClasses): a release that changes them needs
# the code changed, not a table row
CONSTANTS = {("runtime.consistentHeapStats", "stats"): 3, ("runtime.heapStatsDelta", "smallAllocCount"): 68}


def struct(binary, name):
    out = subprocess.run([DUMP, "-n", name, "-c", binary], capture_output=True, text=True, check=True).stdout
    size, members, types, cur = None, {}, {}, None
    for line in out.splitlines():
        m = re.match(r"^0x[0-9a-f]+:\s+(DW_TAG_\w+)", line)
        if m:
            tag = m.group(1)
            if tag == "DW_TAG_structure_type" and size is not None:
                break  # a second type of the same name (another unit): the first is enough
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
        elif k == "DW_AT_type" and "name" in cur:
            t = re.search(r'"(.*)"', v)
            if t:
                types[cur["name"]] = t.group(1)
    if size is None:
        return None
    return size, members, types


def array_len(binary, typename):
    # llvm-dwarfdump spells Go's [3]T as "T[3]"
    m = re.search(r"\[(\d+)\]$", typename) or re.match(r"^\[(\d+)\]", typename)
    if not m:
        sys.exit(f"{binary}: {typename} is not an array type")
    return int(m.group(1))


def facts(binary):
    """{(type, member or None): offset} of the release built as binary"""
    f = {}
    for typ, names in TYPES.items():
        s = struct(binary, typ)
        if s is None:
            continue
        size, members, types = s
        if typ in SIZES:
            f[(typ, None)] = size
        for n in names:
            if n in members:
                f[(typ, n)] = members[n]
        for (t, n), want in CONSTANTS.items():
            if t == typ and n in types and array_len(binary, types[n]) != want:
                sys.exit(f"{binary}: {t}.{n} has {array_len(binary, types[n])} elements, not {want}: "
                         "change lib/gort/gort_int.h")
    return f


def c_fact(typ, member, off):
    return '{ "%s", %s, %s }' % (typ, f'"{member}"' if member else "NULL", off)


def table(args):
    prev = {}
    order = [(t, None) for t in SIZES] + [(t, n) for t, ns in TYPES.items() for n in ns]
    for arg in args:
        prefix, binary = arg.split("=", 1)
        cur = facts(binary)
        diff = [(k, cur[k]) for k in order if k in cur and prev.get(k) != cur[k]]
        diff += [(k, "RT_GONE") for k in order if k in prev and k not in cur]
        name = prefix.replace(".", "_")
        what = "in full" if not prev else "what changed since the release before"
        print(f"/* {prefix}: {what} */")
        print(f"static const struct rtfact {name}[] = {{")
        line = "\t"
        for (typ, member), off in diff:
            it = c_fact(typ, member, off) + ","
            if len(line) + len(it) + 1 > 100:
                print(line.rstrip())
                line = "\t"
            line += it + " "
        print(line.rstrip())
        print("\t{ NULL, NULL, 0 },")
        print("};")
        prev = cur


def ref(binary, prefix):
    """gort's fields by name (lib/gort/layout.c's struct layout), then extra
    members for the record: "TYPE.member@offset", "@-" where there is none"""
    notfound = []

    def get(t, m):
        if (t, m) not in facts_:
            notfound.append(f"{t[8:]}.{m}")
            return None
        return facts_[(t, m)]

    facts_ = facts(binary)
    g, gb, m, sc, ms, hsd = "runtime.g", "runtime.gobuf", "runtime.m", "runtime.schedt", "runtime.mstats", \
        "runtime.heapStatsDelta"

    def add(a, b):
        return None if a is None or b is None else a + b

    f = {"g_size": get(g, None), "g_stack_lo": add(get(g, "stack"), get("runtime.stack", "lo")),
         "g_stack_hi": add(get(g, "stack"), get("runtime.stack", "hi"))}
    for n in ["m", "sched", "syscallsp", "syscallpc", "atomicstatus", "goid", "waitsince", "waitreason",
              "lockedm", "sig", "sigcode0", "sigcode1", "sigpc", "gopc", "startpc"]:
        f["g_" + n] = get(g, n)
    for n in ["sp", "pc", "lr", "bp"]:
        f["gobuf_" + n] = get(gb, n)
    f["m_size"] = get(m, None)
    for n in ["g0", "procid", "gsignal", "curg", "id", "alllink"]:
        f["m_" + n] = get(m, n)
    for n in ["lastpoll", "mnext", "maxmcount"]:
        f["sched_" + n] = get(sc, n)
    f["ms_heapstats"] = add(get(ms, "heapStats"), get("runtime.consistentHeapStats", "stats"))
    for n, k in [("stacks_sys", "stacks_sys"), ("mspan_sys", "mspan_sys"), ("mcache_sys", "mcache_sys"),
                 ("buckhash_sys", "buckhash_sys"), ("gcmisc_sys", "gcMiscSys"), ("other_sys", "other_sys"),
                 ("last_gc_unix", "last_gc_unix"), ("pause_total_ns", "pause_total_ns"), ("numgc", "numgc"),
                 ("last_gc_nanotime", "last_gc_nanotime")]:
        f["ms_" + n] = get(ms, k)
    f["hsd_size"] = get(hsd, None)
    for n in TYPES[hsd]:
        f["hsd_" + n.lower()] = get(hsd, n)
    f["hsd_n"], f["nsizeclasses"] = 3, 68  # checked by facts()
    f["mheap_allarenas"] = get("runtime.mheap", "allArenas")
    missing = [k for k, v in f.items() if v is None]
    print("\t{")
    print(f'\t\t/* {prefix}: from the DWARF of a go{prefix[2:]} build (testdata/gen/rt-layout.py) */')
    print(f'\t\t.version_prefix = "{prefix}", .have_mem = true,')
    line = "\t\t"
    for k, v in f.items():
        if v is None:
            continue
        it = f".{k} = {v}"
        if len(line) + len(it) + 2 > 100:
            print(line.rstrip())
            line = "\t\t"
        line += it + ", "
    print(line.rstrip())
    for k in missing:
        print(f"\t\t/* .{k}: not in this release's DWARF */")
    if notfound:
        print(f"\t\t/* members not found: {', '.join(sorted(set(notfound)))} */")
    extra = []
    for typ, names in (("runtime.g", ["_panic", "_defer", "param", "parentGoid", "labels", "coroarg", "syncGroup",
                                      "bubble"]),
                       ("runtime._panic", ["argp", "arg", "link", "startPC", "startSP", "sp", "lr", "fp", "retpc",
                                           "recovered", "goexit"]),
                       ("runtime.mheap", ["arenas", "arenaHints", "curArena", "allspans", "heapArenaAlloc",
                                          "allArenas", "pages"]),
                       ("runtime.schedt", ["ngsys", "gFree", "lock"])):
        s = struct(binary, typ)
        if s is None:
            extra.append(f"{typ}@-")
            continue
        mem = s[1]
        extra += [f"{typ[8:]}.{n}@{mem[n] if n in mem else '-'}" for n in names]
    for i in range(0, len(extra), 6):
        print("\t\t/* extra: " + " ".join(extra[i:i + 6]) + " */")
    print("\t},")


if len(sys.argv) >= 3 and sys.argv[1] == "table":
    table(sys.argv[2:])
elif len(sys.argv) == 4 and sys.argv[1] == "ref":
    ref(sys.argv[2], sys.argv[3])
else:
    sys.exit(__doc__)
