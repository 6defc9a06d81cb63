#!/usr/bin/env python3
"""A debug file with two broken compilation units, for the partial DWARF
reader's "unit skipped" line (tests/core/core-c-badunits.sh):

    badunits.py IN.debug OUT.debug LINE_CU ABBREV_CU

IN's debug sections are inflated (objcopy --decompress-debug-sections);
in the unit whose DW_AT_name ends with LINE_CU the line table's header gets
version 0x63 (its DW_AT_stmt_list), in the one named ABBREV_CU the first
abbreviation's first attribute gets form 0x7f (none such); the sections
are compressed again (objcopy --compress-debug-sections=zlib), so they are
read unit by unit. The units are found with readelf, which is the
reference: prints "CU OFFSET LINE_OFFSET ABBREV_OFFSET NAME" for each.
Needs readelf and objcopy (binutils)."""
import re
import struct
import subprocess
import sys
import tempfile


def units(path):
    """readelf's units: (header offset, name, stmt_list, abbrev offset)."""
    out = subprocess.run(['readelf', '--debug-dump=info', '--dwarf-depth=1', path],
                         capture_output=True, text=True, check=True).stdout
    res, cur = [], None
    for line in out.splitlines():
        m = re.match(r'\s*Compilation Unit @ offset (0x[0-9a-f]+):', line)
        if m:
            cur = {'off': int(m.group(1), 16)}
            res.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r'\s*Abbrev Offset: (0x[0-9a-f]+)', line)
        if m:
            cur['abbrev'] = int(m.group(1), 16)
        m = re.match(r'\s*<[0-9a-f]+>\s+DW_AT_stmt_list\s*: (0x[0-9a-f]+)', line)
        if m:
            cur['line'] = int(m.group(1), 16)
        m = re.match(r'\s*<[0-9a-f]+>\s+DW_AT_name\s*: (?:\(.*\): )?(.*)$', line)
        if m and 'name' not in cur:
            cur['name'] = m.group(1).strip()
    return res


def sections(b):
    """name -> (file offset, size) of an ELF64 little-endian file."""
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
    hdrs = [struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    res = {}
    for h in hdrs:
        name = b[stroff + h[0]:b.index(0, stroff + h[0])].decode()
        res[name] = (h[4], h[5])
    return res


def uleb(b, o):
    v = s = 0
    while True:
        c = b[o]
        o += 1
        v |= (c & 0x7f) << s
        s += 7
        if not c & 0x80:
            return v, o


def main():
    src, dst, line_cu, abbrev_cu = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as t:
        plain = t + '/plain'
        subprocess.run(['objcopy', '--decompress-debug-sections', src, plain], check=True)
        us = units(plain)
        lu = next(u for u in us if u.get('name', '').endswith(line_cu))
        au = next(u for u in us if u.get('name', '').endswith(abbrev_cu))
        b = bytearray(open(plain, 'rb').read())
        secs = sections(b)
        lo = secs['.debug_line'][0] + lu['line']
        # unit_length (4, or 12 for DWARF64), then the version
        lo += 12 if struct.unpack_from('<I', b, lo)[0] == 0xffffffff else 4
        struct.pack_into('<H', b, lo, 0x63)
        ao = secs['.debug_abbrev'][0] + au['abbrev']
        _, o = uleb(b, ao)  # code
        _, o = uleb(b, o)   # tag
        o += 1              # children
        _, o = uleb(b, o)   # first attribute
        assert b[o] < 0x80
        b[o] = 0x7f         # its form
        open(t + '/bad', 'wb').write(b)
        subprocess.run(['objcopy', '--compress-debug-sections=zlib', t + '/bad', dst], check=True)
        for u in (lu, au):
            print('CU 0x%x 0x%x 0x%x %s' % (u['off'], u['line'], u['abbrev'], u['name']))


if __name__ == '__main__':
    main()
