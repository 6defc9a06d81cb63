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

f = {
    "g_size": g_size, "g_stack_lo": g["stack"] + stack["lo"], "g_stack_hi": g["stack"] + stack["hi"],
    "g_m": g["m"], "g_sched": g["sched"], "g_syscallsp": g["syscallsp"], "g_syscallpc": g["syscallpc"],
    "g_atomicstatus": g["atomicstatus"], "g_goid": g["goid"], "g_waitsince": g["waitsince"],
    "g_waitreason": g["waitreason"], "g_lockedm": g["lockedm"], "g_sig": g["sig"],
    "g_sigcode0": g["sigcode0"], "g_sigcode1": g["sigcode1"], "g_sigpc": g["sigpc"], "g_gopc": g["gopc"],
    "g_startpc": g["startpc"],
    "gobuf_sp": gobuf["sp"], "gobuf_pc": gobuf["pc"], "gobuf_lr": gobuf["lr"], "gobuf_bp": gobuf["bp"],
    "m_size": m_size, "m_g0": m["g0"], "m_procid": m["procid"], "m_gsignal": m["gsignal"],
    "m_curg": m["curg"], "m_id": m["id"], "m_alllink": m["alllink"],
    "sched_lastpoll": sched["lastpoll"], "sched_mnext": sched["mnext"], "sched_maxmcount": sched["maxmcount"],
    "ms_heapstats": mstats["heapStats"] + chs["stats"], "ms_stacks_sys": mstats["stacks_sys"],
    "ms_mspan_sys": mstats["mspan_sys"], "ms_mcache_sys": mstats["mcache_sys"],
    "ms_buckhash_sys": mstats["buckhash_sys"], "ms_gcmisc_sys": mstats["gcMiscSys"],
    "ms_other_sys": mstats["other_sys"], "ms_last_gc_unix": mstats["last_gc_unix"],
    "ms_pause_total_ns": mstats["pause_total_ns"], "ms_numgc": mstats["numgc"],
    "ms_last_gc_nanotime": mstats["last_gc_nanotime"],
    "hsd_size": hsd_size, "hsd_committed": hsd["committed"], "hsd_released": hsd["released"],
    "hsd_inheap": hsd["inHeap"], "hsd_instacks": hsd["inStacks"], "hsd_inworkbufs": hsd["inWorkBufs"],
    "hsd_inptrscalarbits": hsd["inPtrScalarBits"], "hsd_tinyalloccount": hsd["tinyAllocCount"],
    "hsd_largealloc": hsd["largeAlloc"], "hsd_largealloccount": hsd["largeAllocCount"],
    "hsd_smallalloccount": hsd["smallAllocCount"], "hsd_largefree": hsd["largeFree"],
    "hsd_largefreecount": hsd["largeFreeCount"], "hsd_smallfreecount": hsd["smallFreeCount"],
    "hsd_n": array_len(chs_t["stats"]), "nsizeclasses": array_len(hsd_t["smallAllocCount"]),
    "mheap_allarenas": mheap["allArenas"],
}
print("\t{")
print(f'\t\t/* {prefix}: from the DWARF of a go{prefix[2:]} build (testdata/gen/gort-layout.py) */')
print(f'\t\t.version_prefix = "{prefix}", .have_mem = true,')
items = [f".{k} = {v}" for k, v in f.items()]
line = "\t\t"
for it in items:
    if len(line) + len(it) + 2 > 100:
        print(line.rstrip())
        line = "\t\t"
    line += it + ", "
print(line.rstrip())
print("\t},")
