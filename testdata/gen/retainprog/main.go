// retainprog holds known amounts of heap through known roots, measures each
// root's share itself (runtime.GC() + MemStats.HeapAlloc before and after
// building it), prints the measurements, leaves some garbage unswept and
// crashes (run it with GOTRACEBACK=crash and core dumps enabled).
//
// Output, one line each (tab-separated):
//
//	root	NAME	BYTES	   the HeapAlloc delta across building the root
//	type	NAME	COUNT	   objects of a type the program allocated (exact)
//	heapalloc	BYTES	   HeapAlloc after the last runtime.GC()
//	garbage	BYTES	   allocated and dropped after that GC (not yet swept)
//
// With RETAIN_PROFILES=DIR the run also writes, for coroner report's
// joins, DIR/early/heap.pb.gz (a heap profile before the first root is
// built), DIR/early/goroutines.txt (a goroutine dump once the first leaked
// goroutine waits) and DIR/late/heap.pb.gz (before the crash): the core
// then belongs with the late capture.
//
// Types whose objects are over 512 bytes and hold pointers (entry, node,
// ifaceVal, finObj) carry a malloc header from Go 1.22 on, so the core
// records their type; the buffers ([]byte) are pointer-free.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
)

const (
	nEntries   = 2000
	entryBuf   = 1000
	nNodes     = 5000
	nCycle     = 3000
	nLeaks     = 8
	leakBuf    = 48 << 10
	ifaceBytes = 300 << 10
	finBytes   = 200 << 10
)

type entry struct {
	name    string
	payload []byte
	pad     [64]uint64
}

type node struct {
	next *node
	pad  [66]uint64
}

type cnode struct {
	next *cnode
	val  [5]uint64
}

type ifaceVal struct {
	data []byte
	pad  [70]uint64
}

type finObj struct {
	buf []byte
	pad [70]uint64
}

type keeperT struct{ x [4]uint64 }

var (
	registry map[string]*entry
	list     *node
	ring     *cnode
	iface    interface{}
	keeper   *keeperT
	block    = make(chan struct{})
	sink     *finObj
	sizeVar  = leakBuf
)

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

type meas struct {
	name  string
	bytes uint64
}

var results []meas

func measure(name string, build func()) {
	h0 := heapAlloc()
	build()
	h1 := heapAlloc()
	results = append(results, meas{name, h1 - h0})
}

func buildRegistry() {
	registry = make(map[string]*entry)
	for i := 0; i < nEntries; i++ {
		k := "key-" + strconv.Itoa(i)
		registry[k] = &entry{name: k, payload: make([]byte, entryBuf)}
	}
}

func buildList() {
	for i := 0; i < nNodes; i++ {
		list = &node{next: list}
	}
}

func buildRing() {
	first := &cnode{}
	cur := first
	for i := 1; i < nCycle; i++ {
		n := &cnode{}
		cur.next = n
		cur = n
	}
	cur.next = first
	ring = first
}

func buildIface() {
	iface = &ifaceVal{data: make([]byte, ifaceBytes)}
}

func leak(n int, ready chan struct{}) {
	buf := make([]byte, n)
	buf[0] = 1
	ready <- struct{}{}
	<-block
	runtime.KeepAlive(buf)
}

// writeProfile writes profile name (debug: its format) to DIR/sub/file when
// RETAIN_PROFILES=DIR is set; the heap profile after a runtime.GC().
func writeProfile(sub, file, name string, debugLevel int) {
	dir := os.Getenv("RETAIN_PROFILES")
	if dir == "" {
		return
	}
	if name == "heap" {
		runtime.GC()
	}
	p := filepath.Join(dir, sub)
	if err := os.MkdirAll(p, 0o755); err != nil {
		panic(err)
	}
	f, err := os.Create(filepath.Join(p, file))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debugLevel); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func buildLeaks() {
	ready := make(chan struct{})
	for i := 0; i < nLeaks; i++ {
		go leak(sizeVar, ready)
		<-ready
		if i == 0 {
			writeProfile("early", "goroutines.txt", "goroutine", 2)
		}
	}
}

func buildFinalizer() {
	// The finalizer's closure is the only reference to held: it is kept by
	// the finalizer record of keeper, which stays reachable (so the
	// finalizer never runs).
	held := &finObj{buf: make([]byte, finBytes)}
	runtime.SetFinalizer(keeper, func(k *keeperT) { sink = held })
}

//go:noinline
func makeGarbage() uint64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g := make([][]byte, 0, 64)
	for i := 0; i < 64; i++ {
		g = append(g, make([]byte, 4096))
	}
	g = nil
	runtime.ReadMemStats(&m1)
	return m1.HeapAlloc - m0.HeapAlloc
}

func main() {
	debug.SetGCPercent(-1) // only the program's own runtime.GC() calls collect
	keeper = &keeperT{}
	results = make([]meas, 0, 16)
	writeProfile("early", "heap.pb.gz", "heap", 0)
	measure("main.registry", buildRegistry)
	measure("main.list", buildList)
	measure("main.ring", buildRing)
	measure("main.iface", buildIface)
	measure("main.leak", buildLeaks)
	measure("finalizer", buildFinalizer)
	var out []byte
	for _, r := range results {
		out = append(out, fmt.Sprintf("root\t%s\t%d\n", r.name, r.bytes)...)
	}
	out = append(out, fmt.Sprintf("type\tmain.entry\t%d\ntype\tmain.node\t%d\ntype\tmain.ifaceVal\t1\ntype\tmain.finObj\t1\n", nEntries, nNodes)...)
	os.Stdout.Write(out)
	out = nil
	writeProfile("late", "heap.pb.gz", "heap", 0)
	h := heapAlloc()
	fmt.Printf("heapalloc\t%d\n", h)
	fmt.Printf("garbage\t%d\n", makeGarbage())
	if len(os.Args) > 1 && os.Args[1] == "wait" {
		select {}
	}
	panic("retainprog: crash for the core")
}
