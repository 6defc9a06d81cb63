#!/bin/sh
# Rebuild the seed corpora of the fuzz targets from testdata/ (real inputs).
# The committed corpora under fuzz/corpus/ started from these seeds and
# were then grown by fuzzing and minimised with libFuzzer's -merge=1:
#   BUILD=build ./fuzz/seed.sh /tmp/seeds
#   build-fuzz-lf/fuzz/fuzz-pprof -merge=1 fuzz/corpus/pprof /tmp/seeds/pprof NEW...
# Keep each seed small (a few KB): big inputs slow every fuzz iteration.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
td=$top/testdata
out=${1:?usage: seed.sh OUTDIR}
mkdir -p "$out/pprof" "$out/pprof-gz" "$out/heaptext" "$out/detect" "$out/goroutine" "$out/flame" "$out/corenotes"

# raw profile.proto: heap, allocs and goroutine profiles from real programs
for f in heap/heap.pb.gz heap/allocs.pb.gz capture/before/heap.pb.gz \
	 capture/before/allocs.pb.gz capture/before/goroutine.pb.gz goroutines/goroutine.1.pb.gz; do
	[ -f "$td/$f" ] || continue
	gzip -dc "$td/$f" > "$out/pprof/$(echo "$f" | tr / _ | sed 's/\.gz$//')"
done
# the heap profile with location ids not 1, 2, ... in file order: ids the
# reader maps through an array, and ids it maps through a hash
python3 "$top/fuzz/renumber-ids.py" "$td/heap/heap.pb.gz" "$out/pprof/heap_ids_dense.pb" 1 1000
python3 "$top/fuzz/renumber-ids.py" "$td/heap/heap.pb.gz" "$out/pprof/heap_ids_hashed.pb" 1000003 7
# as found on disk: gzip, and the same profiles zstd-compressed
for f in heap/heap.pb.gz capture/before/heap.pb.gz capture/before/goroutine.pb.gz; do
	[ -f "$td/$f" ] || continue
	n=$(echo "$f" | tr / _)
	cp "$td/$f" "$out/pprof-gz/$n"
	gzip -dc "$td/$f" | zstd -q -19 -c > "$out/pprof-gz/${n%.gz}.zst" 2>/dev/null || true
done
# zstd cut short and corrupted, and a profile not compressed at all
if [ -f "$out/pprof-gz/heap_heap.pb.zst" ]; then
	z=$out/pprof-gz/heap_heap.pb.zst
	head -c $(( $(wc -c <"$z") / 2 )) "$z" > "$out/pprof-gz/zstd_truncated.zst"
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xff; sys.stdout.buffer.write(b)' "$z" > "$out/pprof-gz/zstd_corrupt.zst"
fi
gzip -dc "$td/heap/heap.pb.gz" > "$out/pprof-gz/heap_raw.pb"
# the gzip and zstd edge cases of tests/hostile (members, trailing bytes,
# bad checks, truncation, bombs that stop at the cap): made by make-cases.py
for f in gzip-bad-crc.pb.gz gzip-bad-isize.pb.gz gzip-concat-profiles.pb.gz gzip-header-only.pb.gz \
	 gzip-trailing-garbage.pb.gz gzip-trailing-zeros.pb.gz gzip-truncated.pb.gz \
	 gzip-two-members.heap.txt.gz gzip-bomb-16M.gz zstd-bomb-1G.zst; do
	[ -f "$top/tests/hostile/cases/$f" ] && cp "$top/tests/hostile/cases/$f" "$out/pprof-gz/hostile_$f"
done
# debug=1 heap text: the small one whole; the big one's first records plus
# its MemStats block
cp "$td/mem/heap.txt" "$out/heaptext/mem_heap.txt"
if [ -f "$td/heap/heap.txt" ]; then
	ms=$(grep -n '^# runtime.MemStats' "$td/heap/heap.txt" | cut -d: -f1)
	{ head -n 60 "$td/heap/heap.txt"; tail -n +"$ms" "$td/heap/heap.txt"; } > "$out/heaptext/heap_head_memstats.txt"
fi
[ -f "$td/capture/before/heap.txt" ] && head -c 6000 "$td/capture/before/heap.txt" > "$out/heaptext/capture_heap_head.txt"

# detection: one small real sample of every kind (heads of the big ones)
cp "$td/mem/smaps_rollup" "$out/detect/smaps_rollup"
cp "$td/mem/status" "$out/detect/status"
cp "$td/mem/memory.stat" "$out/detect/memory.stat"
cp "$td/mem/gctrace.txt" "$out/detect/gctrace.txt"
head -c 3000 "$td/mem/smaps" > "$out/detect/smaps_head"
[ -f "$td/bin/crash.maps" ] && head -c 2000 "$td/bin/crash.maps" > "$out/detect/maps_head"
head -c 2500 "$td/mem/heap.txt" > "$out/detect/heap_text_head"
for f in goroutines/panic.txt goroutines/goroutine.1.txt; do
	[ -f "$td/$f" ] && head -c 3000 "$td/$f" > "$out/detect/$(basename "$f")"
done
[ -f "$td/goroutines/sigquit.txt" ] && head -c 3000 "$td/goroutines/sigquit.txt" > "$out/detect/sigquit_head.txt"
gzip -dc "$td/capture/before/goroutine.pb.gz" > "$out/detect/goroutine.pb"
[ -f "$td/bin/csym-pie.gz" ] && gzip -dc "$td/bin/csym-pie.gz" | head -c 1024 > "$out/detect/elf_exec_head"
[ -f "$td/bin/core-gosym.zst" ] && zstd -dc "$td/bin/core-gosym.zst" 2>/dev/null | head -c 1024 > "$out/detect/elf_core_head" || true
# goroutine dumps: the debug=1 profile text reader when the input starts
# "goroutine profile: total", else the traceback reader (fuzz-goroutine.c);
# a traceback with a CRI log prefix on every line too
for f in goroutines/goroutine.1.txt goroutines/goroutine.2.txt goroutines/panic.txt goroutines/panic_all.txt \
	goroutines/sigquit.txt bin/crash.txt; do
	[ -f "$td/$f" ] && head -c 3000 "$td/$f" > "$out/goroutine/$(basename "$f")"
done
[ -f "$td/goroutines/panic_all.txt" ] &&
	awk '{ printf "2024-05-01T10:00:%02d.%dZ stderr F %s\n", NR % 60, 100000 + NR * 7, $0 }' \
		"$td/goroutines/panic_all.txt" > "$out/goroutine/cri_panic_all.txt"
# flame: any profile kind
gzip -dc "$td/heap/heap.pb.gz" > "$out/flame/heap.pb"
head -c 3000 "$td/mem/heap.txt" > "$out/flame/heap_text_head"
head -c 3000 "$td/goroutines/goroutine.1.txt" > "$out/flame/goroutine1_head"
# core notes: 'E' + a real core cut after its notes (headers, notes; its
# PT_LOADs then lie past the end: a truncated core), and the PT_NOTE payload
# alone of the amd64 core (even first byte)
if [ -f "$td/bin/core-gosym.zst" ]; then
	zstd -qdc "$td/bin/core-gosym.zst" > "$out/core.tmp"
	python3 - "$out/core.tmp" "$out/corenotes/notes-amd64" "$out/corenotes/core-head" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
for i in range(phnum):
    t, fl, off, va, pa, fsz = struct.unpack_from('<IIQQQQ', b, phoff + i * phentsize)
    if t == 4:
        open(sys.argv[2], 'wb').write(b'\0' + b[off:off + fsz])
        open(sys.argv[3], 'wb').write(b'E' + b[:off + fsz])
        break
PY
	rm -f "$out/core.tmp"
fi
# call frame information (cfi): the .eh_frame of the arm64 C crash program,
# of the one whose CFI is DWARF expressions (cfiexpr)
# and of its library with their addresses (first byte 0: .eh_frame), and
# the library built small (4 KiB pages, stripped) whole, as an unwinder's
# core with registers at one of its functions ('U'; sp and x29 in its data)
if [ -f "$td/ccore-arm64/libccrashlib.so" ]; then
	mkdir -p "$out/cfi"
	tiny=$out/cfi-tiny.so
	aarch64-linux-gnu-gcc -shared -nostdlib -fPIC -O1 -fno-omit-frame-pointer -Wl,-z,max-page-size=4096 \
		-Wl,-z,common-page-size=4096 -Wl,-z,norelro -Wl,--build-id=none -o "$tiny" "$top/testdata/gen/ccrash/ccrashlib.c" &&
		aarch64-linux-gnu-strip "$tiny" || cp "$td/ccore-arm64/libccrashlib.so" "$tiny"
	python3 - "$td/ccore-arm64" "$out/cfi" "$tiny" <<'PY'
import struct, sys
d, out, tiny = sys.argv[1], sys.argv[2], sys.argv[3]
def sections(b):
    shoff, = struct.unpack_from('<Q', b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3a)
    hdr = lambda i: struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize)
    stro = hdr(shstrndx)[4]
    for i in range(shnum):
        h = hdr(i)
        yield b[stro + h[0]:b.index(b'\0', stro + h[0])].decode(), h[3], h[4], h[5]
for f in ('ccrash-plain', 'libccrashlib.so', 'cfiexpr-plain'):
    b = open(d + '/' + f, 'rb').read()
    for name, addr, off, size in sections(b):
        if name == '.eh_frame':
            open(out + '/eh-' + f, 'wb').write(b'\0' + struct.pack('<Q', addr) + b[off:off + size])
b = open(tiny, 'rb').read()
text = [s for s in sections(b) if s[0] == '.text'][0]
data = [s for s in sections(b) if s[0] in ('.dynamic', '.data', '.got')][0]
regs = [0] * 33
regs[29] = regs[31] = data[1]   # a frame record in the file's data
regs[30] = text[1] + 8
regs[32] = text[1]
open(out + '/unwind-lib', 'wb').write(b'U' + b + struct.pack('<33Q', *regs))
PY
	rm -f "$tiny"
fi
# legacy profiles (testdata/legacy): gperftools/Java CPU, threadz, Java text
mkdir -p "$out/legacy-cpu" "$out/threadz" "$out/java"
for f in cppbench.cpu cppbench.cpu.32be go.crc32.cpu java.cpu gperf/cpu.prof; do
	[ -f "$td/legacy/$f" ] && cp "$td/legacy/$f" "$out/legacy-cpu/$(echo "$f" | tr / _)"
done
for f in cppbench.thread cppbench.thread.all cppbench.thread.none; do
	[ -f "$td/legacy/$f" ] && cp "$td/legacy/$f" "$out/threadz/"
done
for f in java.heap java.contention; do
	[ -f "$td/legacy/$f" ] && cp "$td/legacy/$f" "$out/java/"
done
# Go runtime metrics (testdata/rtmetrics): runtime/metrics lines and JSON,
# client_golang's Prometheus text (its defaults whole, the head of MetricsAll)
mkdir -p "$out/rtmetrics"
[ -f "$td/rtmetrics/go1.25/metrics.txt" ] && cp "$td/rtmetrics/go1.25/metrics.txt" "$out/rtmetrics/metrics.txt"
[ -f "$td/rtmetrics/go1.21/metrics.json" ] && cp "$td/rtmetrics/go1.21/metrics.json" "$out/rtmetrics/metrics.json"
[ -f "$td/rtmetrics/go1.24/prom-default.txt" ] && cp "$td/rtmetrics/go1.24/prom-default.txt" "$out/rtmetrics/prom-default.txt"
[ -f "$td/rtmetrics/go1.23/prom-all.txt.gz" ] && gzip -dc "$td/rtmetrics/go1.23/prom-all.txt.gz" | head -c 6000 >"$out/rtmetrics/prom-all-head.txt"
# DWARF read in part: small ELF files of three compile units each, their
# .debug_info and .debug_aranges compressed (gcc -gz), DWARF 4 and 5
if command -v gcc >/dev/null; then
	mkdir -p "$out/dwarf-part"
	src=$(mktemp -d)
	printf 'static inline int sq(int x) { return x * x; }\nint fa(int n) { int s = 0; for (int i = 0; i < n; i++) s += sq(i); return s; }\n' >"$src/a.c"
	printf 'struct pt { int x, y; };\nstatic inline int dot(struct pt a, struct pt b) { return a.x * b.x + a.y * b.y; }\nint fb(int n) { struct pt p = { n, n + 1 }; return dot(p, p); }\n' >"$src/b.c"
	printf 'int fa(int); int fb(int);\nint main(int argc, char **argv) { (void)argv; return fa(argc) + fb(argc); }\n' >"$src/m.c"
	for v in 4 5; do
		gcc -O2 -g -gdwarf-$v -gz=zlib -nostartfiles -Wl,-e,main -o "$out/dwarf-part/multi-cu-dwarf$v-gz" \
			"$src/a.c" "$src/b.c" "$src/m.c" || true
	done
	rm -rf "$src"
fi
# and a debug file whose units refer into a dwz partial unit of the same
# file (DW_FORM_ref_addr; testdata/gen/ccrash/dwzpart.sh), compressed
[ -f "$td/ccore/dwzpart.debug" ] && mkdir -p "$out/dwarf-part" && cp "$td/ccore/dwzpart.debug" "$out/dwarf-part/dwzpart-debug"
# dwz's shared DWARF (fuzz-altlink.c): [u32 LE length][debug file][shared
# file], from testdata/ccore's dwz output (testdata/gen/ccrash/dwz.sh): the
# .gnu_debugaltlink pair as made, the same with the link's name absolute,
# the DWARF 5 .debug_sup pair (dwz --dwarf-5), a debug file alone and one
# with a shared file of another build id
ccd=$td/ccore
if [ -f "$ccd/ccrash-dwz.debug" ]; then
	mkdir -p "$out/altlink"
	pack() { python3 -c 'import struct, sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read() if sys.argv[2] != "-" else b""
sys.stdout.buffer.write(struct.pack("<I", len(a)) + a + b)' "$@"; }
	pack "$ccd/ccrash-dwz.debug" "$ccd/ccrash-dwz-common.debug" >"$out/altlink/altlink-rel"
	pack "$ccd/ccrash-dwz.debug" - >"$out/altlink/altlink-missing"
	[ -f "$ccd/ccrash-sup-common.debug" ] && # a shared file of another id
		pack "$ccd/ccrash-dwz.debug" "$ccd/ccrash-sup-common.debug" >"$out/altlink/altlink-other-id"
	if command -v objcopy >/dev/null; then
		t=$(mktemp -d)
		objcopy --dump-section .gnu_debugaltlink="$t/link" "$ccd/ccrash-dwz.debug" "$t/copy"
		{ printf /; cat "$t/link"; } >"$t/abs"
		objcopy --update-section .gnu_debugaltlink="$t/abs" "$ccd/ccrash-dwz.debug" "$t/abs.debug" &&
			pack "$t/abs.debug" "$ccd/ccrash-dwz-common.debug" >"$out/altlink/altlink-abs"
		rm -rf "$t"
	fi
	if [ -f "$ccd/ccrash-sup.debug" ] && command -v objcopy >/dev/null; then
		# the link renamed to the name the target writes the shared file as
		t=$(mktemp -d)
		objcopy --dump-section .debug_sup="$t/sup" "$ccd/ccrash-sup.debug" "$t/copy"
		python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); i = b.index(0, 3)
sys.stdout.buffer.write(b[:3] + b"ccrash-dwz-common.debug" + b[i:])' "$t/sup" >"$t/sup2"
		objcopy --update-section .debug_sup="$t/sup2" "$ccd/ccrash-sup.debug" "$t/sup.debug" &&
			pack "$t/sup.debug" "$ccd/ccrash-sup-common.debug" >"$out/altlink/debug-sup"
		rm -rf "$t"
	fi
fi
# goglobals, pclntab, gort: patches of the real Go binaries and core of
# testdata/bin, one seed per region (the region's own bytes), written by the
# targets themselves (fuzz/gobin.h); needs a build: BUILD=build ./fuzz/seed.sh OUTDIR
for t in goglobals pclntab gort; do
	[ -n "${BUILD:-}" ] && [ -x "$BUILD/fuzz/replay-$t" ] || continue
	mkdir -p "$out/$t"
	env "FUZZ_$(echo "$t" | tr a-z A-Z)_SEEDS=$out/$t" "$BUILD/fuzz/replay-$t" /nonexistent >/dev/null 2>&1 || true
done
echo "seeds in $out:"; for d in "$out"/*; do echo "  $(basename "$d"): $(ls "$d" | wc -l) files, $(cat "$d"/* | wc -c) bytes"; done
