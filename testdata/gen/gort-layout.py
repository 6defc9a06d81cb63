#!/usr/bin/env python3
"""Print a struct-layout table for lib/gort/layout.c (the `gort_layouts[]` entries
used when a Go binary has no DWARF, i.e. built with -ldflags='-s -w') from
an UNSTRIPPED build of the same Go version, read with llvm-dwarfdump (an
independent DWARF reader: the table is not derived from coroner's own code).

usage: gort-layout.py BINARY VERSION_PREFIX   (e.g. gosym-1.23 go1.23)

Fields follow struct layout in layout.c: TYPE.MEMBER offsets
(DW_AT_data_member_location), TYPE sizes (DW_AT_byte_size), and two nested
members (g.stack + stack.lo/hi, mstats.heapStats + consistentHeapStats.stats).
hsd_n is the element count of consistentHeapStats.stats ([3]heapStatsDelta),
nsizeclasses the element count of heapStatsDelta.smallAllocCount."""
import re
import subprocess
import sys

binary, prefix = sys.argv[1], sys.argv[2]
DUMP = "llvm-dwarfdump-14"


def struct(name):
    out = subprocess.run([DUMP, "-n", name, "-c", binary], capture_output=True, text=True, check=True).stdout
    size, members, cur, depth = None, {}, None, None
    types = {}
    for line in out.splitlines():
        m = re.match(r"^0x[0-9a-f]+:(\s+)(DW_TAG_\w+)", line)
        if m:
            tag, depth = m.group(2), len(m.group(1))
            cur = {} if tag == "DW_TAG_member" else None
            if tag == "DW_TAG_structure_type" and size is not None:
                break  # a second type of the same name (another unit): the first is enough
            continue
        a = re.match(r"^\s+(DW_AT_\w+)\s+\((.*)\)$", line)
        if not a:
            continue
        k, v = a.group(1), a.group(2)
        if cur is None:
            if k == "DW_AT_byte_size" and size is None:
                size = int(v, 0)
            continue
        if k == "DW_AT_name":
            cur["name"] = v.strip('"')
        elif k == "DW_AT_data_member_location":
            cur["off"] = int(v, 0)
            members[cur["name"]] = cur["off"]
        elif k == "DW_AT_type":
            t = re.search(r'"(.*)"', v)
            if t and "name" in cur:
                types[cur["name"]] = t.group(1)
    if size is None:
        sys.exit(f"{binary}: no DWARF type {name}")
    return size, members, types


def array_len(typename):
    # llvm-dwarfdump spells Go's [3]T as "T[3]"
    m = re.search(r"\[(\d+)\]$", typename) or re.match(r"^\[(\d+)\]", typename)
    if not m:
        sys.exit(f"{binary}: {typename} is not an array type")
    return int(m.group(1))


g_size, g, _ = struct("runtime.g")
_, stack, _ = struct("runtime.stack")
_, gobuf, _ = struct("runtime.gobuf")
m_size, m, _ = struct("runtime.m")
_, sched, _ = struct("runtime.schedt")
_, mstats, _ = struct("runtime.mstats")
_, chs, chs_t = struct("runtime.consistentHeapStats")
hsd_size, hsd, hsd_t = struct("runtime.heapStatsDelta")
_, mheap, _ = struct("runtime.mheap")

missing = []


class Fields(dict):
    """member offsets; a member this release does not have is recorded
    and yields None (the table then says so instead of a number)"""

    def __init__(self, typ, d):
        super().__init__(d)
        self.typ = typ

    def __missing__(self, k):
        missing.append(f"{self.typ}.{k}")
        raise KeyError(k)


g, stack, gobuf, m = Fields("g", g), Fields("stack", stack), Fields("gobuf", gobuf), Fields("m", m)
sched, mstats, chs, hsd = Fields("schedt", sched), Fields("mstats", mstats), Fields("consistentHeapStats", chs), Fields("heapStatsDelta", hsd)
mheap = Fields("mheap", mheap)
exprs = {
    "g_size": lambda: g_size, "g_stack_lo": lambda: g["stack"] + stack["lo"], "g_stack_hi": lambda: g["stack"] + stack["hi"],
    "g_m": lambda: g["m"], "g_sched": lambda: g["sched"], "g_syscallsp": lambda: g["syscallsp"], "g_syscallpc": lambda: g["syscallpc"],
    "g_atomicstatus": lambda: g["atomicstatus"], "g_goid": lambda: g["goid"], "g_waitsince": lambda: g["waitsince"],
    "g_waitreason": lambda: g["waitreason"], "g_lockedm": lambda: g["lockedm"], "g_sig": lambda: g["sig"],
    "g_sigcode0": lambda: g["sigcode0"], "g_sigcode1": lambda: g["sigcode1"], "g_sigpc": lambda: g["sigpc"], "g_gopc": lambda: g["gopc"],
    "g_startpc": lambda: g["startpc"],
    "gobuf_sp": lambda: gobuf["sp"], "gobuf_pc": lambda: gobuf["pc"], "gobuf_lr": lambda: gobuf["lr"], "gobuf_bp": lambda: gobuf["bp"],
    "m_size": lambda: m_size, "m_g0": lambda: m["g0"], "m_procid": lambda: m["procid"], "m_gsignal": lambda: m["gsignal"],
    "m_curg": lambda: m["curg"], "m_id": lambda: m["id"], "m_alllink": lambda: m["alllink"],
    "sched_lastpoll": lambda: sched["lastpoll"], "sched_mnext": lambda: sched["mnext"], "sched_maxmcount": lambda: sched["maxmcount"],
    "ms_heapstats": lambda: mstats["heapStats"] + chs["stats"], "ms_stacks_sys": lambda: mstats["stacks_sys"],
    "ms_mspan_sys": lambda: mstats["mspan_sys"], "ms_mcache_sys": lambda: mstats["mcache_sys"],
    "ms_buckhash_sys": lambda: mstats["buckhash_sys"], "ms_gcmisc_sys": lambda: mstats["gcMiscSys"],
    "ms_other_sys": lambda: mstats["other_sys"], "ms_last_gc_unix": lambda: mstats["last_gc_unix"],
    "ms_pause_total_ns": lambda: mstats["pause_total_ns"], "ms_numgc": lambda: mstats["numgc"],
    "ms_last_gc_nanotime": lambda: mstats["last_gc_nanotime"],
    "hsd_size": lambda: hsd_size, "hsd_committed": lambda: hsd["committed"], "hsd_released": lambda: hsd["released"],
    "hsd_inheap": lambda: hsd["inHeap"], "hsd_instacks": lambda: hsd["inStacks"], "hsd_inworkbufs": lambda: hsd["inWorkBufs"],
    "hsd_inptrscalarbits": lambda: hsd["inPtrScalarBits"], "hsd_tinyalloccount": lambda: hsd["tinyAllocCount"],
    "hsd_largealloc": lambda: hsd["largeAlloc"], "hsd_largealloccount": lambda: hsd["largeAllocCount"],
    "hsd_smallalloccount": lambda: hsd["smallAllocCount"], "hsd_largefree": lambda: hsd["largeFree"],
    "hsd_largefreecount": lambda: hsd["largeFreeCount"], "hsd_smallfreecount": lambda: hsd["smallFreeCount"],
    "hsd_n": lambda: array_len(chs_t["stats"]), "nsizeclasses": lambda: array_len(hsd_t["smallAllocCount"]),
    "mheap_allarenas": lambda: mheap["allArenas"],
}
f = {}
for k, fn in exprs.items():
    try:
        f[k] = fn()
    except KeyError:
        f[k] = None
print("\t{")
print(f'\t\t/* {prefix}: from the DWARF of a go{prefix[2:]} build (testdata/gen/gort-layout.py) */')
print(f'\t\t.version_prefix = "{prefix}", .have_mem = true,')
items = [f".{k} = {v}" for k, v in f.items() if v is not None]
line = "\t\t"
for it in items:
    if len(line) + len(it) + 2 > 100:
        print(line.rstrip())
        line = "\t\t"
    line += it + ", "
print(line.rstrip())
for k, v in f.items():
    if v is None:
        print(f"\t\t/* .{k}: not in this release's DWARF */")
if missing:
    print(f"\t\t/* members not found: {', '.join(sorted(set(missing)))} */")
# more of what a core reader needs, for the record (not in gort.c's table
# format): "TYPE.member@offset", or "TYPE.member@-" where the release has none
extra = []
for typ, names in (("runtime.g", ["_panic", "_defer", "param", "parentGoid", "labels", "coroarg", "syncGroup", "bubble"]),
                   ("runtime._panic", ["argp", "arg", "link", "startPC", "startSP", "sp", "lr", "fp", "retpc", "recovered", "goexit"]),
                   ("runtime.mheap", ["arenas", "arenaHints", "curArena", "allspans", "heapArenaAlloc", "allArenas", "pages"]),
                   ("runtime.schedt", ["ngsys", "gFree", "lock"])):
    try:
        _, mem, _ = struct(typ)
    except SystemExit:
        extra.append(f"{typ}@-")
        continue
    extra += [f"{typ[8:]}.{n}@{mem[n] if n in mem else '-'}" for n in names]
for i in range(0, len(extra), 6):
    print("\t\t/* extra: " + " ".join(extra[i:i + 6]) + " */")
print("\t},")
