#!/usr/bin/env python3
"""coroner heap against retainprog's own measurements (testdata/retain).

For each committed release (amd64; -stripped: built with -ldflags='-s -w';
-arm64: linux/arm64, run under qemu-aarch64): every root's retained bytes within 2% of the
HeapAlloc delta the program measured across building it (3% for the
goroutine stacks, whose delta also counts the goroutines' g structs, which
the runtime's allgs holds), the exact object count of every type the
program knows (releases that record types: go1.22+), the reachable total
within 3% of HeapAlloc after the last runtime.GC(), and the garbage the
program dropped after it counted as unreachable, not retained.
usage: retain.py CORONER TESTDATA TMPDIR
"""
import gzip, json, os, shutil, subprocess, sys

coroner, td, tmp = sys.argv[1:4]
fail = 0
def check(ok, what):
    global fail
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail += 1

def unpack(src, dst, zstd):
    if zstd:
        subprocess.run(["zstd", "-d", "-q", "-f", src, "-o", dst], check=True)
    else:
        with gzip.open(src) as f, open(dst, "wb") as o:
            shutil.copyfileobj(f, o)

d = os.path.join(td, "retain")
vers = sorted(f[len("retain-"):-len(".stdout")] for f in os.listdir(os.path.join(d, "expected"))
              if f.startswith("retain-") and f.endswith(".stdout"))
# a binary without DWARF or symbols of a release with a layout table
# (testdata/core's gosym-stripped, go1.19): read, and said so
stripped, score = os.path.join(tmp, "gosym-stripped"), os.path.join(tmp, "core-stripped")
if os.path.exists(os.path.join(td, "core", "core-stripped.zst")):
    unpack(os.path.join(td, "bin", "gosym-stripped.gz"), stripped, False)
    unpack(os.path.join(td, "core", "core-stripped.zst"), score, True)
    r = subprocess.run([coroner, "heap", "--format=json", stripped, score], capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout)["layout"] == "table" and json.loads(r.stdout)["symbols"] is False,
          "gosym-stripped: read with the release's layout table (%d: %s)" % (r.returncode, r.stderr.strip()[-160:]))
    os.unlink(stripped)
    os.unlink(score)
if not vers:
    print("SKIP: no testdata/retain")
    sys.exit(77)
for v in vers:
    # "1.22-stripped": the -ldflags='-s -w' build of the same program; its
    # globals have no names: a measured global root is the one root whose
    # retained bytes match it (the program's roots differ by far more than 2%)
    strip = v.endswith("-stripped")
    minor = int(v.split(".")[1].split("-")[0])
    binp, core = os.path.join(tmp, "retain-" + v), os.path.join(tmp, "core-" + v)
    unpack(os.path.join(d, "retain-%s.gz" % v), binp, False)
    unpack(os.path.join(d, "core-%s.zst" % v), core, True)
    ref, types, heapalloc, garbage = {}, {}, None, None
    for line in open(os.path.join(d, "expected", "retain-%s.stdout" % v)):
        f = line.rstrip("\n").split("\t")
        if f[0] == "root": ref[f[1]] = int(f[2])
        elif f[0] == "type": types[f[1]] = int(f[2])
        elif f[0] == "heapalloc": heapalloc = int(f[1])
        elif f[0] == "garbage": garbage = int(f[1])
    r = subprocess.run([coroner, "heap", "--format=json", binp, core], capture_output=True, text=True)
    check(r.returncode == 0, "go%s: coroner heap exits 0 (%s)" % (v, r.stderr.strip()[:200]))
    if r.returncode:
        continue
    j = json.loads(r.stdout)
    check(not j["partial"], "go%s: the answer is complete" % v)
    check(j["layout"] == ("table" if strip else "dwarf") and j["symbols"] == (not strip),
          "go%s: layout %s, symbols %s" % (v, j["layout"], j["symbols"]))
    got = {}
    for root in j["roots"]:
        k = None
        if root["kind"] == "global" and root["name"] in ref: k = root["name"]
        elif strip and root["kind"] == "global":
            near = [n for n in ref if not n.startswith(("main.leak", "finalizer")) and
                    abs(root["retained_bytes"] - ref[n]) <= 0.02 * ref[n]]
            if len(near) == 1 and near[0] not in got:
                k = near[0]
                check(root["name"].startswith(("bss+0x", "data+0x")), "go%s: %s is %s (section+offset)" %
                      (v, k, root["name"]))
        elif root["kind"] == "stack" and root.get("function") == "main.leak": k = "main.leak"
        elif root["kind"] == "finalizer" and root["name"].startswith("finalizer of ") and root["retained_bytes"] > 200000:
            k = "finalizer"
        if k: got[k] = got.get(k, 0) + root["retained_bytes"]
    for k, want in ref.items():
        tol = 0.03 if k == "main.leak" else 0.02
        g = got.get(k, 0)
        check(abs(g - want) <= tol * want, "go%s: root %s retains %d, the program measured %d (%+.2f%%)" %
              (v, k, g, want, 100.0 * (g - want) / want))
    nleak = sum(1 for root in j["roots"] if root["kind"] == "stack" and root.get("function") == "main.leak")
    check(nleak == 8, "go%s: 8 leaked goroutines' stacks are roots (%d)" % (v, nleak))
    # amd64 and arm64 (the -arm64 cores, from qemu-aarch64): every stack
    # is read with the compiler's stack maps, the crashed goroutine's from
    # the registers of its signal frame
    cons = [root["name"] for root in j["roots"] if root["kind"] == "stack" and root["conservative"]]
    check(not cons and j["conservative_objects"] == 0,
          "go%s: no stack scanned conservatively (%s)" % (v, ", ".join(cons[:4]) or "none"))
    if minor >= 22:
        counts = {t["type"]: t["count"] for t in j["types"]}
        for k, want in types.items():
            check(counts.get(k) == want, "go%s: %d objects of %s (program: %d)" % (v, counts.get(k, 0), k, want))
    h = j["heap_bytes"]
    check(abs(h - heapalloc) <= 0.03 * heapalloc, "go%s: reachable %d within 3%% of HeapAlloc %d" % (v, h, heapalloc))
    check(j["unreachable_bytes"] >= garbage, "go%s: unreachable %d counts the %d bytes of garbage" %
          (v, j["unreachable_bytes"], garbage))
    # --paths: every main.node is reached through main.list (go1.22+ types)
    if minor >= 22 and not strip:
        r = subprocess.run([coroner, "heap", "--paths=main.ifaceVal", binp, core], capture_output=True, text=True)
        check(r.returncode == 0 and "\nmain.iface -> main.ifaceVal@0x" in r.stdout,
              "go%s: --paths=main.ifaceVal starts at main.iface" % v)
    # -o: the profile of references as go tool pprof reads it: the total is
    # the reachable heap, a root's cumulative value what it retains
    gotool = shutil.which("go")
    if gotool and not strip:
        prof = os.path.join(tmp, "refs-%s.pb.gz" % v)
        r = subprocess.run([coroner, "heap", "-o", prof, binp, core], capture_output=True, text=True)
        check(r.returncode == 0, "go%s: coroner heap -o exits 0" % v)
        r = subprocess.run([gotool, "tool", "pprof", "-top", "-unit=B", "-nodefraction=0", "-nodecount=100000",
                            "-sample_index=inuse_space", prof], capture_output=True, text=True)
        total = cum = None
        for line in r.stdout.splitlines():
            if " total" in line and "accounting for" in line:
                total = int(line.split(" of ")[1].split("B")[0])
            f = line.split()
            if len(f) == 6 and f[5] == "main.registry":
                cum = int(f[3].rstrip("B"))
        check(total == j["heap_bytes"], "go%s: go tool pprof total %s = reachable %d" % (v, total, j["heap_bytes"]))
        reg = [root["retained_bytes"] for root in j["roots"] if root["name"] == "main.registry"]
        check(reg and cum == reg[0], "go%s: pprof cum of main.registry %s = its retained bytes %s" % (v, cum, reg))
        os.unlink(prof)
    elif not strip:
        print("skip go%s: no go for the pprof check" % v)
    r = subprocess.run([coroner, "heap", "--max-objects=100", binp, core], capture_output=True, text=True)
    check(r.returncode == 3 and "--max-objects" in r.stderr and r.stderr.count("\n") <= 8,
          "go%s: --max-objects=100: exit 3 naming the flag (%d)" % (v, r.returncode))
    os.unlink(core)
    os.unlink(binp)
sys.exit(1 if fail else 0)
