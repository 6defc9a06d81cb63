#!/usr/bin/env python3
"""coroner heap beside goref on the same retainprog cores (testdata/retain).

goref's profiles and `go tool pprof -top` of them are recorded in
testdata/retain/goref (testdata/gen/goref.sh). goref gives an object to the
first root whose walk reaches it (globals, then goroutines' locals, then
finalizers, then what is left of frames and segments), where coroner gives
a root only what it dominates; on the program's roots, each reachable
through one root alone, the two must agree:
  - main.list, main.ring, main.iface: the same bytes and objects;
  - main.registry: the same on go1.24+ (maps without an overflow record);
    before, coroner counts one 24-byte object more: the map's mapextra
    (hmap.extra), which goref's map walk does not follow;
  - the leaked goroutines: goref's local `buf` of main.leak (named after the
    frame's function: main.buildLeaks.gowrap1 when leak is inlined into its
    go wrapper) holds what coroner's 8 main.leak stack roots retain;
  - the finalizer's closure: from go1.23 (closure layouts in DWARF),
    goref's runtime.SetFinalizer.fn is coroner's finalizer root plus the
    16-byte closure once more (goref records the closure and adds it to
    its parent); before, goref does not follow the closure's captured
    pointer, so the finObj and its buffer are not in its profile at all.
  - totals: goref's total, less the closure counted twice and plus what it
    does not find (above), is coroner's reachable heap within 0.1% (the
    rest: stack words and dead locals goref scans without the stack maps).
usage: goref.py CORONER TESTDATA TMPDIR
"""
import gzip, json, os, re, shutil, subprocess, sys

coroner, td, tmp = sys.argv[1:4]
fail = 0
def check(ok, what):
    global fail
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail += 1

def top(path):
    """go tool pprof -top: name -> cum, and the total"""
    cum, total = {}, None
    for line in open(path):
        m = re.search(r"of (\d+)B total", line)
        if m:
            total = int(m.group(1))
        f = line.split(None, 5)
        if len(f) == 6 and f[3].endswith("B") and f[3][:-1].isdigit():
            cum[f[5].rstrip("\n")] = int(f[3][:-1])
    return cum, total

d = os.path.join(td, "retain")
g = os.path.join(d, "goref")
if not os.path.isdir(g):
    print("SKIP: no testdata/retain/goref")
    sys.exit(77)
vers = sorted(f[len("goref-"):-len(".top.txt")] for f in os.listdir(g)
              if f.startswith("goref-") and f.endswith(".top.txt") and ".objects." not in f)
for v in vers:
    minor = int(v.split(".")[1])
    binp, core = os.path.join(tmp, "goref-bin-" + v), os.path.join(tmp, "goref-core-" + v)
    with gzip.open(os.path.join(d, "retain-%s.gz" % v)) as f, open(binp, "wb") as o:
        shutil.copyfileobj(f, o)
    subprocess.run(["zstd", "-d", "-q", "-f", os.path.join(d, "core-%s.zst" % v), "-o", core], check=True)
    r = subprocess.run([coroner, "heap", "--format=json", binp, core], capture_output=True, text=True)
    os.unlink(core)
    os.unlink(binp)
    check(r.returncode == 0, "go%s: coroner heap exits 0 (%s)" % (v, r.stderr.strip()[:200]))
    if r.returncode:
        continue
    j = json.loads(r.stdout)
    gb, gtotal = top(os.path.join(g, "goref-%s.top.txt" % v))
    go, gobjs = top(os.path.join(g, "goref-%s.objects.top.txt" % v))
    roots = {x["name"]: x for x in j["roots"] if x["kind"] == "global"}
    for name in ("main.list", "main.ring", "main.iface", "main.registry"):
        c = roots.get(name, {"retained_bytes": 0, "retained_objects": 0})
        db, do = (0, 0) if name != "main.registry" or minor >= 24 else (24, 1)
        check(gb.get(name) == c["retained_bytes"] - db and go.get(name) == c["retained_objects"] - do,
              "go%s: %s: goref %s B / %s objects, coroner %d B / %d objects (less %d B / %d for hmap.extra)" %
              (v, name, gb.get(name), go.get(name), c["retained_bytes"], c["retained_objects"], db, do))
    leak = [x for x in j["roots"] if x["kind"] == "stack" and x.get("function") == "main.leak"]
    lb, lo = sum(x["retained_bytes"] for x in leak), sum(x["retained_objects"] for x in leak)
    gl = [n for n in gb if n in ("main.leak.buf", "main.buildLeaks.gowrap1.buf")]
    check(len(gl) == 1 and gb[gl[0]] == lb and go[gl[0]] == lo,
          "go%s: the leaked goroutines: goref %s %s B / %s objects, coroner's 8 main.leak roots %d B / %d" %
          (v, gl, [gb.get(n) for n in gl], [go.get(n) for n in gl], lb, lo))
    fin = [x for x in j["roots"] if x["kind"] == "finalizer" and x["retained_bytes"] > 200000]
    check(len(fin) == 1, "go%s: coroner's finalizer root holds the finObj" % v)
    fb = fin[0]["retained_bytes"] if fin else 0
    fo = fin[0]["retained_objects"] if fin else 0
    sf = "runtime.SetFinalizer.fn"
    if minor >= 23:
        check(gb.get(sf) == fb + 16 and go.get(sf) == fo + 1,
              "go%s: goref %s %s B / %s objects = coroner's finalizer %d B / %d + the closure again" %
              (v, sf, gb.get(sf), go.get(sf), fb, fo))
        missed = 0
    else:
        check(not any("finObj" in n for n in gb),
              "go%s: goref does not reach the finObj through the closure (no closure layout in DWARF)" % v)
        missed = fb - 16  # the finObj and its buffer; the closure itself goref finds
    adj = gtotal - 16 * (go.get(sf, 0) > 0) + missed
    check(abs(adj - j["heap_bytes"]) <= 0.001 * j["heap_bytes"],
          "go%s: goref's total %d (%d adjusted) against coroner's reachable %d (%+d B)" %
          (v, gtotal, adj, j["heap_bytes"], adj - j["heap_bytes"]))
sys.exit(1 if fail else 0)
