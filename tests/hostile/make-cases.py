#!/usr/bin/env python3
"""Generate the hostile inputs of tests/hostile/cases/ from real testdata.

Each case is a known bug class of parsers in this field with a public
precedent (a CVE or an upstream fix), or a crash found by fuzzing, built by
editing a real input (testdata/heap/heap.pb.gz, the debug=1 heap text) or by
writing a minimal profile.proto by hand. The expected exit
code and stderr substring of each case are in tests/hostile/CASES; where a
hostile input must still be *read* (ids near 2^63, CRLF, gzip members), the
expected stdout is what `go tool pprof` prints for the same file, recorded
here as cases/NAME.pprof.txt (needs `go` on PATH; skipped otherwise).

Run from anywhere: python3 tests/hostile/make-cases.py. Deterministic:
regenerating gives the same bytes (gzip mtime 0).
"""
import gzip
import io
import os
import shutil
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TD = os.path.join(TOP, 'testdata')
OUT = os.path.join(HERE, 'cases')

# ---- protobuf wire format (field numbers: proto/profile.proto) ----


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint(field << 3 | wt)


def fv(field, v):          # varint field
    return key(field, 0) + varint(v)


def fb(field, data):       # length-delimited field
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def packed(field, vals):
    return fb(field, b''.join(varint(v) for v in vals))


def read_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """Top-level fields of a message: [(field, wt, value)] (value: int or bytes)."""
    i, out = 0, []
    while i < len(b):
        t, i = read_varint(b, i)
        f, wt = t >> 3, t & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError('wire type %d' % wt)
        out.append((f, wt, v))
    return out


def encode(fs):
    out = bytearray()
    for f, wt, v in fs:
        if wt == 0:
            out += fv(f, v)
        elif wt == 2:
            out += fb(f, v)
        else:
            out += key(f, wt) + v
    return bytes(out)


def unpack_varints(b):
    i, out = 0, []
    while i < len(b):
        v, i = read_varint(b, i)
        out.append(v)
    return out


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode='wb', mtime=0, compresslevel=9) as g:
        g.write(data)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)


# A minimal valid profile: strings ["", "alloc_objects", "count", "f", "f.go"],
# one sample type, function 1, location 1 (line f.go:7), one sample.
def mini(sample_values=(1,), loc_ids=(1,), fn_ref=1, map_ref=0, loc_id=1, fn_id=1,
         extra=b'', strings=('', 'alloc_objects', 'count', 'f', 'f.go'), name_ix=3):
    p = b''.join(fb(6, s) for s in strings)
    p += fb(1, fv(1, 1) + fv(2, 2))                                  # sample_type
    p += fb(5, fv(1, fn_id) + fv(2, name_ix) + fv(4, 4))             # function
    loc = fv(1, loc_id) + fv(3, 0x401000) + fb(4, fv(1, fn_ref) + fv(2, 7))
    if map_ref:
        loc += fv(2, map_ref)
    p += fb(4, loc)                                                  # location
    p += fb(2, packed(1, loc_ids) + packed(2, sample_values))        # sample
    return p + extra


# ---- ELF64 little-endian patching ----
import struct


def shdrs(b):
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
    strtab_off, = struct.unpack_from('<Q', b, shoff + shstrndx * shentsize + 0x18)
    out = {}
    for i in range(shnum):
        at = shoff + i * shentsize
        name, typ = struct.unpack_from('<II', b, at)
        end = b.index(b'\0', strtab_off + name)
        out[b[strtab_off + name:end].decode()] = at
    return out


def put(b, fmt, off, *v):
    b = bytearray(b)
    struct.pack_into(fmt, b, off, *v)
    return bytes(b)


def elf_cases(elf):
    sh = shdrs(elf)
    size = len(elf)
    w = lambda name, data: write(name, gz(data))
    w('elf-shoff-past-eof.gz', put(elf, '<Q', 0x28, size + 0x1000))
    w('elf-phoff-past-eof.gz', put(elf, '<Q', 0x20, 1 << 62))
    w('elf-shnum-overflow.gz', put(elf, '<HH', 0x3a, 0xffff, 0xffff))
    # extended numbering: e_shnum 0, the count in section 0's sh_size
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    w('elf-shnum-extended-huge.gz', put(put(elf, '<H', 0x3c, 0), '<Q', shoff + 0x20, (1 << 64) - 1))
    w('elf-shstrndx-oob.gz', put(elf, '<H', 0x3e, 0xfffe))
    info = sh['.debug_info']
    w('elf-section-past-eof.gz', put(elf, '<Q', info + 0x18, (1 << 64) - 0x10))
    w('elf-section-size-huge.gz', put(elf, '<Q', info + 0x20, 1 << 40))
    w('elf-debug-nobits.gz', put(elf, '<I', info + 4, 8))           # SHT_NOBITS
    w('elf-symtab-entsize-0.gz', put(elf, '<Q', sh['.symtab'] + 0x38, 0))
    # the symbol table's string section made SHT_NULL with an offset 2^64 - 2^35:
    # a NULL section has no data, whatever its offset says (fuzz-elf)
    w('elf-strtab-null-far-offset.gz',
      put(put(elf, '<I', sh['.strtab'] + 4, 0), '<Q', sh['.strtab'] + 0x18, 0xfffffff700000000))
    # compressed section that lies: Elf64_Chdr.ch_size = 1 TiB; unknown ch_type
    off, = struct.unpack_from('<Q', elf, info + 0x18)
    w('elf-chdr-size-1t.gz', put(elf, '<Q', off + 8, 1 << 40))
    w('elf-chdr-type-bad.gz', put(elf, '<I', off, 7))
    # a DWARF unit length that wraps: decompress .debug_info, patch, store raw
    # (sh_flags without SHF_COMPRESSED), keeping the file layout: append it
    csize, = struct.unpack_from('<Q', elf, info + 0x20)
    raw = zlib.decompress(elf[off + 24:off + csize])
    for name, unit in (('elf-dwarf-unit-len-wrap.gz', struct.pack('<I', 0xfffffff0) + raw[4:]),
                       ('elf-dwarf-unit-len-64-huge.gz',
                        struct.pack('<IQ', 0xffffffff, (1 << 64) - 8) + raw[4:]),
                       ('elf-dwarf-abbrev-oob.gz', raw[:6] + struct.pack('<I', 0x7ffffff0) + raw[10:])):
        b = elf + unit
        b = put(b, '<Q', info + 0x08, 0)                          # sh_flags: not compressed
        b = put(b, '<QQ', info + 0x18, len(elf), len(unit))
        w(name, b)


def core_cases():
    z = os.path.join(TD, 'bin', 'core-gosym.zst')
    if not shutil.which('zstd') or not os.path.exists(z):
        return
    core = subprocess.run(['zstd', '-qdc', z], capture_output=True, check=True).stdout
    phoff, = struct.unpack_from('<Q', core, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', core, 0x36)
    note = None
    for i in range(phnum):
        t, fl, off, va, pa, fsz = struct.unpack_from('<IIQQQQ', core, phoff + i * phentsize)
        if t == 4:
            note = (off, fsz)
    off, fsz = note
    cut = core[:off + fsz]
    write('core-truncated-after-notes.zst', subprocess.run(['zstd', '-q', '-19', '-c'], input=cut,
          capture_output=True, check=True).stdout)
    # first note's namesz and descsz near 2^32 (sizes that wrap when rounded)
    w = lambda name, data: write(name, subprocess.run(['zstd', '-q', '-19', '-c'], input=data,
                                 capture_output=True, check=True).stdout)
    w('core-note-namesz-wrap.zst', put(cut, '<I', off, 0xfffffffd))
    w('core-note-descsz-wrap.zst', put(cut, '<I', off + 4, 0xfffffffe))
    # NT_FILE (0x46494c45): count = 2^63 in its first word
    i = off
    while i + 12 <= off + fsz:
        namesz, descsz, typ = struct.unpack_from('<III', cut, i)
        dstart = i + 12 + ((namesz + 3) & ~3)
        if typ == 0x46494c45:
            w('core-ntfile-count-huge.zst', put(cut, '<Q', dstart, 1 << 63))
            break
        i = dstart + ((descsz + 3) & ~3)


def pprof_top(path, args):
    if not shutil.which('go'):
        return None
    r = subprocess.run(['go', 'tool', 'pprof', '-top'] + args + [path], capture_output=True,
                       env=dict(os.environ, TZ='UTC', HOME=os.environ.get('HOME', '/tmp')))
    return r.stdout if r.returncode == 0 else None


def main():
    os.makedirs(OUT, exist_ok=True)
    heap_gz = open(os.path.join(TD, 'heap', 'heap.pb.gz'), 'rb').read()
    heap = gzip.decompress(heap_gz)
    heap_txt = open(os.path.join(TD, 'mem', 'heap.txt'), 'rb').read()
    big_txt = open(os.path.join(TD, 'heap', 'heap.txt'), 'rb').read()

    # ---- I/O edge cases (directory, FIFO, /dev/zero are made by the test) ----
    write('empty', b'')
    write('one-byte', b'\x0a')
    write('one-byte-gzip-magic', b'\x1f')

    # ---- gzip ----
    write('gzip-truncated.pb.gz', heap_gz[:len(heap_gz) // 2])
    write('gzip-header-only.pb.gz', heap_gz[:10])
    bad = bytearray(heap_gz)
    bad[-8] ^= 0xff                      # CRC32 of the trailer
    write('gzip-bad-crc.pb.gz', bytes(bad))
    bad = bytearray(heap_gz)
    bad[-1] ^= 0x01                      # ISIZE of the trailer
    write('gzip-bad-isize.pb.gz', bytes(bad))
    # two members of one profile = two profiles concatenated (pprof:
    # "concatenated profiles detected")
    write('gzip-concat-profiles.pb.gz', heap_gz + heap_gz)
    # one debug=1 text split in two members: gzip -dc reads it whole (the
    # big heap text, whose pprof reference is testdata/heap/expected/)
    half = big_txt.index(b'\n', len(big_txt) // 2) + 1
    write('gzip-two-members.heap.txt.gz', gz(big_txt[:half]) + gz(big_txt[half:]))
    write('gzip-trailing-garbage.pb.gz', heap_gz + b'GARBAGE!')
    write('gzip-trailing-zeros.pb.gz', heap_gz + b'\0' * 16)
    # decompression bombs: 16 MiB of zeros (16 KB of gzip; the test lowers
    # --max-inflate), 1 GiB of zeros in 33 KB of zstd (over the default cap)
    zeros = b'\0' * (16 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    write('gzip-bomb-16M.gz', co.compress(zeros) + co.flush())
    if shutil.which('zstd'):
        z = subprocess.run(['sh', '-c', 'head -c 1073741824 /dev/zero | zstd -q -19 -c'],
                           capture_output=True, check=True).stdout
        write('zstd-bomb-1G.zst', z)
        # a zstd profile whose content checksum (the frame's last 4 bytes) is
        # wrong, and the same cut in half
        z = subprocess.run(['zstd', '-q', '-19', '-c'], input=gzip.decompress(heap_gz),
                           capture_output=True, check=True).stdout
        write('zstd-bad-checksum.pb.zst', z[:-1] + bytes([z[-1] ^ 0xff]))
        write('zstd-truncated.pb.zst', z[:len(z) // 2])
    # decompression x allocation bomb: 4M samples of one zero value (16 MiB
    # of protobuf, 16 KB of gzip, ~100 MB of samples once read): memory, not
    # inflation, is the limit
    body = b''.join(fb(6, s) for s in ('', 'objects', 'count')) + fb(1, fv(1, 1) + fv(2, 2))
    body += b'\x12\x02\x10\x00' * (4 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    write('bomb-empty-samples.pb.gz', co.compress(body) + co.flush())
    body = fb(6, '') + b'\x32\x00' * (8 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    write('bomb-empty-strings.pb.gz', co.compress(body) + co.flush())

    # ---- protobuf wire format ----
    write('pb-valid-mini.pb', mini())
    write('pb-len-past-end.pb', mini() + key(6, 2) + varint(1000) + b'abc')
    write('pb-len-2g.pb', mini() + key(6, 2) + varint(1 << 31) + b'abc')
    write('pb-len-2p64.pb', mini() + key(6, 2) + varint((1 << 64) - 1) + b'abc')
    write('pb-varint-11-bytes.pb', mini() + key(9, 0) + b'\xff' * 10 + b'\x01')
    write('pb-tag-11-bytes.pb', mini() + b'\xff' * 11)
    for wt in (3, 4, 6, 7):
        write('pb-wire-type-%d.pb' % wt, mini() + key(9, wt) + b'\0' * 8)
    write('pb-field-0.pb', mini() + b'\x00\x00')
    write('pb-truncated-fixed64.pb', mini() + key(20, 1) + b'\0\0\0')
    write('pb-truncated-real.pb', heap[:len(heap) * 2 // 3])
    write('pb-nested-len-past-msg.pb', mini() + fb(4, fv(1, 9) + key(4, 2) + varint(50)))

    # ---- references (pprof CheckValid, fuzz fixes 42b93ca, 4f5906c) ----
    write('ref-string-index-oob.pb', mini(name_ix=99))
    write('ref-string-index-2p63.pb', mini(name_ix=(1 << 63) + 3))
    write('ref-string0-not-empty.pb', mini(strings=('x', 'alloc_objects', 'count', 'f', 'f.go')))
    write('ref-location-id-0.pb', mini(loc_id=0, loc_ids=(0,)))
    write('ref-function-id-0.pb', mini(fn_id=0, fn_ref=0))
    write('ref-duplicate-location.pb',
          mini(extra=fb(4, fv(1, 1) + fv(3, 0x402000))))
    write('ref-duplicate-function.pb', mini(extra=fb(5, fv(1, 1) + fv(2, 3))))
    write('ref-dangling-location.pb', mini(loc_ids=(1, 2)))
    write('ref-dangling-function.pb', mini(fn_ref=5))
    write('ref-dangling-mapping.pb', mini(map_ref=3))
    write('ref-values-fewer.pb', mini(sample_values=()))
    write('ref-values-more.pb', mini(sample_values=(1, 2)))
    # ids near 2^63 (and 2^64-1): pprof falls back to a map; we must read the
    # profile exactly as with small ids
    big = (1 << 63) - 7
    remapped = []
    for f, wt, v in fields(heap):
        if wt == 2 and f in (3, 4, 5):
            sub = []
            for sf, swt, sv in fields(v):
                if sf == 1 and swt == 0:
                    sv = big + sv * (1 << 40) if f != 3 else (1 << 64) - sv
                elif f == 4 and sf == 2 and swt == 0 and sv:
                    sv = (1 << 64) - sv                              # mapping_id
                elif f == 4 and sf == 4 and swt == 2:                # Line.function_id
                    sv = encode([(lf, lwt, big + lv * (1 << 40) if lf == 1 and lv else lv)
                                 for lf, lwt, lv in fields(sv)])
                sub.append((sf, swt, sv))
            v = encode(sub)
        elif wt == 2 and f == 2:                                     # Sample.location_id
            sub = []
            for sf, swt, sv in fields(v):
                if sf == 1 and swt == 2:
                    sv = b''.join(varint(big + x * (1 << 40)) for x in unpack_varints(sv))
                elif sf == 1 and swt == 0:    # Go writes 1-2 ids unpacked
                    sv = big + sv * (1 << 40)
                sub.append((sf, swt, sv))
            v = encode(sub)
        remapped.append((f, wt, v))
    write('ids-near-2p63.pb.gz', gz(encode(remapped)))

    # ---- untrusted strings: ANSI escapes and control bytes in names ----
    evil = '\x1b[31mmain.evil\x1b[0m\x07\x08\rspoof\x1b]0;title\x07'
    write('ansi-in-names.pb',
          mini(strings=('', 'alloc_objects', 'count', evil, 'f\x1b[2J.go')))

    # ---- debug=1 heap text ----
    write('text-crlf.heap.txt.gz', gz(big_txt.replace(b'\n', b'\r\n')))
    write('text-nul-bytes.heap.txt', heap_txt[:200] + b'\0\0\0' + heap_txt[200:])
    nl = heap_txt.index(b'\n', 3000)
    write('text-nul-late.heap.txt', heap_txt[:nl + 1] + b'1: 8192 [1: 8192] @ 0x4\0\0' + heap_txt[nl + 1:])
    # 2 MiB line (committed gzipped: the CLI inflates it)
    nl5 = heap_txt.index(b'\n', 5000)
    write('text-nul-after-4k.heap.txt', heap_txt[:nl5 + 1] + b'1: 8192 [1: 8192] @ 0x4\0\n' + heap_txt[nl5 + 1:])
    write('text-long-line.heap.txt.gz',
          gz(heap_txt[:nl + 1] + b'#\t0x40f66d\tmain.' + b'x' * (1 << 21) + b'\tf.go:1\n' + heap_txt[nl + 1:]))
    write('text-cut-mid-record.heap.txt', heap_txt[:nl - 20])
    first = heap_txt.index(b'\n') + 1
    write('text-20-digit-values.heap.txt',
          heap_txt[:first] + b'1: 99999999999999999999 [1: 1] @ 0x40f66e\n' + heap_txt[first:])
    write('text-negative-rate.heap.txt',
          heap_txt.replace(b'@ heap/8192', b'@ heap/-8192', 1))
    write('text-header-only.heap.txt', heap_txt[:first])
    write('text-garbage-after-header.heap.txt', heap_txt[:first] + b'\xff\xfe\x1b[31m not a record\n')

    # ---- goroutine dumps (gostackparse#10, panicparse#79): a SIGQUIT dump ----
    sq = open(os.path.join(TD, 'goroutines', 'sigquit.txt'), 'rb').read()
    write('gr-crlf.txt.gz', gz(sq.replace(b'\n', b'\r\n')))
    fl = sq.index(b'\n\t', 20000)                 # a frame's file line
    fn = sq.rindex(b'\n', 0, fl) + 1               # its function line
    write('gr-nul-in-frame.txt.gz', gz(sq[:fn] + b'main.f\0\0oo()' + sq[fl:]))
    write('gr-long-line.txt.gz', gz(sq[:fn] + b'main.' + b'x' * (1 << 21) + b'()' + sq[fl:]))
    write('gr-cut-mid-frame.txt', sq[:fl + 1])
    write('gr-ansi-state.txt.gz', gz(sq[:sq.index(b'[', 10)] + b'[\x1b[31mchan receive\x1b]0;x\x07' + sq[sq.index(b']', 10):]))

    # ---- smaps (CVE-2018-1124): testdata/mem/smaps edited ----
    sm = open(os.path.join(TD, 'mem', 'smaps'), 'rb').read()
    rss = sm.index(b'\nRss:') + 1
    eol = sm.index(b'\n', rss)
    write('smaps-20-digit.txt', sm[:rss] + b'Rss:            99999999999999999999 kB' + sm[eol:])
    write('smaps-missing-unit.txt', sm[:rss] + b'Rss:            1234' + sm[eol:])
    write('smaps-key-first.txt', b'Rss:                   4 kB\n' + sm)
    nl = sm.index(b'\n')
    write('smaps-deleted.txt', sm[:nl] + b' (deleted)' + sm[nl:])

    # ---- Go runtime metrics: a stray line, truncated JSON, open labels,
    # an escape sequence in a name not understood ----
    write('rtm-bad-line.txt', b'/gc/heap/goal:bytes: 5\ngarbage line\n')
    write('rtm-json-truncated.json', b'{"/gc/heap/goal:bytes": 5, "/sched/goroutines:goroutines": {"nested": [1, "}"')
    write('prom-unterminated.txt', b'# TYPE go_goroutines gauge\ngo_goroutines{a="x 5\n')
    write('prom-escape.txt', b'# TYPE go_goroutines gauge\ngo_goroutines 3\ngo_\x1b[31mred 5\n')

    # ---- ELF (a small C binary whose DWARF 4 sections are zlib-compressed) ----
    elf_cases(gzip.decompress(open(os.path.join(TD, 'bin', 'csym-dwarf4-gz.gz'), 'rb').read()))
    # ---- core: the real core cut after its notes (every PT_LOAD past EOF) ----
    core_cases()
    escape_cases()
    html_cases()

    # references from go tool pprof for the inputs that must still be read
    for name, ref in (('ids-near-2p63.pb.gz', 'heap.pb.gz'),):
        out = pprof_top(os.path.join(OUT, name), ['-nodefraction=0', '-nodecount=25', '-unit=B'])
        if out is not None:
            write(name + '.pprof.txt', out)
    print('cases in', OUT)


# ---- untrusted strings in every output context (escape.sh) ----
def multi(names, typ='alloc_space', unit='bytes', mapping_file='', build_id='', comments=()):
    """One function, location and sample per name (value i+1)."""
    strings = ['', typ, unit, 'f.go', mapping_file, build_id] + list(comments) + list(names)
    base = 6 + len(comments)
    p = b''.join(fb(6, s.encode('utf-8', 'surrogatepass') if isinstance(s, str) else s)
                 for s in strings)
    p += fb(1, fv(1, 1) + fv(2, 2))
    if mapping_file:
        p += fb(3, fv(1, 1) + fv(2, 0x400000) + fv(3, 0x500000) + fv(5, 4) + fv(6, 5))
    for i, _ in enumerate(names):
        p += fb(5, fv(1, i + 1) + fv(2, base + i) + fv(4, 3))
        loc = fv(1, i + 1) + fv(3, 0x401000 + i) + fb(4, fv(1, i + 1) + fv(2, 7))
        if mapping_file:
            loc += fv(2, 1)
        p += fb(4, loc)
        p += fb(2, packed(1, [i + 1]) + packed(2, [(i + 1) * 1000]))
    for k in range(len(comments)):
        p += fv(13, 6 + k)
    return p


def escape_cases():
    esc = b'\x1b]52;c;Y2FsYw==\x07\x1b]0;owned\x07\x1b[2J'
    bad_utf8 = [b'sur\xed\xa0\x80rogate', b'past\xf4\x90\x80\x80max', b'byte\xf5\xff',
                b'overlong\xc0\xaf\xe0\x80\xaf', b'nonchar\xef\xbf\xbe\xef\xbf\xbf',
                b'c1\xc2\x85\xc2\x9b', b'cut\xe2\x82', b'nul\x00inside', b'ok\xc3\xa9\xe2\x82\xac']
    csv = [b'=cmd|\' /C calc\'!A0', b'+1+1', b'-2', b'@SUM(A1)', b'comma,' + esc + b'x',
           b'new\nline', b'quo"te', b'amp&lt<gt>\'"']
    write('esc-names.pb', multi(bad_utf8 + csv + [b'term' + esc],
                                typ=b'space' + esc, unit=b'<script>alert(1)</script>a&b',
                                mapping_file=b'/srv/' + esc + b'bin', build_id=b'id' + esc,
                                comments=[b'comment' + esc]))


def heap_names(names, mapping_file=b''):
    """A heap profile (alloc_objects, alloc_space, inuse_objects,
    inuse_space) with one function, location and sample per name."""
    strings = [b'', b'alloc_objects', b'count', b'alloc_space', b'bytes', b'inuse_objects',
               b'inuse_space', b'f.go', b'space', mapping_file] + list(names)
    base = 10
    p = b''.join(fb(6, s) for s in strings)
    for t, u in ((1, 2), (3, 4), (5, 2), (6, 4)):
        p += fb(1, fv(1, t) + fv(2, u))
    if mapping_file:
        p += fb(3, fv(1, 1) + fv(2, 0x400000) + fv(3, 0x500000) + fv(5, 9))
    for i, _ in enumerate(names):
        p += fb(5, fv(1, i + 1) + fv(2, base + i) + fv(4, 7))
        loc = fv(1, i + 1) + fv(3, 0x401000 + i) + fb(4, fv(1, i + 1) + fv(2, 7))
        if mapping_file:
            loc += fv(2, 1)
        p += fb(4, loc)
        n = (i + 1) * (20 if i == 3 else 1)  # one hot spot: a finding's subject
        p += fb(2, packed(1, [i + 1]) + packed(2, [n, n * 4096, n, n * 2048]))
    p += fb(11, fv(1, 8) + fv(2, 4))  # period_type space/bytes
    return p


def html_cases():
    """Function names that try to act in an HTML page, its SVG and its
    embedded JSON: each must render as text and run nothing."""
    names = [b'evil.com/x.<script>alert(1)</script>',
             b'evil.com/x."><img src=x onerror=alert(2)>',
             b"evil.com/x.'><svg onload=alert(3)>",
             b'evil.com/x.</svg><script>alert(4)</script>',
             b'evil.com/x.</script><script>alert(5)</script>',
             b'evil.com/x.]]><script>alert(6)</script>',
             b'evil.com/x.<!--<script>alert(7)</script>',
             b'evil.com/x.ctl\x01\x1b[31m\x7f\xc2\x85end',
             b'evil.com/x.\u2028\u2029' + '\u2028'.encode(),
             b'evil.com/x.javascript:alert(8)']
    write('html-names.pb', heap_names(names, mapping_file=b'/srv/</script><script>alert(9)</script>'))


if __name__ == '__main__':
    sys.exit(main())
