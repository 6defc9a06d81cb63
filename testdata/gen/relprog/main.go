// relprog is the one program built by every Go release coroner reads
// (testdata/gen/gorel.sh -> testdata/gorel/go1.N/): a growing map cache,
// goroutines leaked in four wait states (chan receive, select, sync.Mutex,
// IO wait on a pipe) and 32 MiB held through cgo. It captures twice, or
// crashes with a nil dereference after the same two phases.
//
//	relprog capture OUTDIR   OUTDIR/{before,after}/ profiles, MemStats, smaps, status
//	relprog crash            both phases, then a nil dereference
package main

/*
#include <stdlib.h>
#include <string.h>

static void *native_alloc(size_t n) {
	void *p = malloc(n);
	if (p) memset(p, 0x5a, n); // touch every page (and compress in a core)
	return p;
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ---- leaks, one function per wait state ----

var parked int64 // leaked goroutines that reached their wait

type session struct {
	id      int
	replies chan []byte
}

// awaitReply: chan receive on a channel nobody else holds.
func (s *session) awaitReply() {
	atomic.AddInt64(&parked, 1)
	b := <-s.replies
	_ = b
}

// pollBoth: select over two channels nobody else holds.
func pollBoth(a, b chan int) {
	atomic.AddInt64(&parked, 1)
	select {
	case <-a:
	case <-b:
	}
}

var stuck sync.Mutex // locked forever by main

// lockShared: sync.Mutex that is never unlocked.
func lockShared() {
	atomic.AddInt64(&parked, 1)
	stuck.Lock()
	stuck.Unlock()
}

var pipes []*os.File // write ends, kept open and never written

// readPipe: IO wait on a pipe whose writer never writes.
func readPipe(r *os.File) {
	atomic.AddInt64(&parked, 1)
	var b [1]byte
	r.Read(b[:])
}

//go:noinline
func leak(recv, sel, mu, io int) {
	want := atomic.LoadInt64(&parked) + int64(recv+sel+mu+io)
	for i := 0; i < recv; i++ {
		s := &session{id: i, replies: make(chan []byte)}
		go s.awaitReply()
	}
	for i := 0; i < sel; i++ {
		go pollBoth(make(chan int), make(chan int))
	}
	for i := 0; i < mu; i++ {
		go lockShared()
	}
	for i := 0; i < io; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		pipes = append(pipes, w)
		go readPipe(r)
	}
	for atomic.LoadInt64(&parked) < want {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let them park
}

// ---- growing map cache ----

type item struct {
	key     string
	created int64
	data    [40]byte
}

type cache struct{ m map[string]*item }

//go:noinline
func (c *cache) put(k string, v *item) { c.m[k] = v }

//go:noinline
func (c *cache) fill(n int) {
	base := len(c.m)
	for i := 0; i < n; i++ {
		k := "user:" + strconv.Itoa(base+i)
		c.put(k, &item{key: k, created: int64(base + i)})
	}
}

// ---- C memory ----

var (
	native      []unsafe.Pointer
	nativeBytes int64
)

//go:noinline
func holdNative(mib int) {
	for i := 0; i < mib; i++ {
		p := C.native_alloc(1 << 20)
		if p == nil {
			panic("malloc")
		}
		native = append(native, p)
		nativeBytes += 1 << 20
	}
}

// ---- capture ----

func writeProfile(name, path string, dbg int) {
	p := pprof.Lookup(name)
	if p == nil {
		return // goroutineleak: only where the release has it
	}
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := p.WriteTo(f, dbg); err != nil {
		panic(err)
	}
	f.Close()
}

func snapshot(dir, name string, c *cache) {
	d := dir + "/" + name
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	runtime.GC()
	writeProfile("heap", d+"/heap.pb.gz", 0)
	writeProfile("allocs", d+"/allocs.pb.gz", 0)
	writeProfile("heap", d+"/heap.txt", 1)
	writeProfile("goroutine", d+"/goroutine.pb.gz", 0)
	writeProfile("goroutine", d+"/goroutine.txt", 1)
	writeProfile("goroutine", d+"/goroutine2.txt", 2)
	writeProfile("goroutineleak", d+"/goroutineleak.pb.gz", 0)
	writeProfile("goroutineleak", d+"/goroutineleak.txt", 1)
	writeProfile("goroutineleak", d+"/goroutineleak2.txt", 2)
	for _, n := range []string{"smaps", "status"} {
		b, err := os.ReadFile("/proc/self/" + n)
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(d+"/"+n, b, 0o644); err != nil {
			panic(err)
		}
	}
	ng := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	js, _ := json.MarshalIndent(&ms, "", "  ")
	if err := os.WriteFile(d+"/memstats.json", append(js, '\n'), 0o644); err != nil {
		panic(err)
	}
	fmt.Printf("snapshot=%s parked=%d NumGoroutine=%d cache_entries=%d cmalloc_bytes=%d HeapInuse=%d HeapAlloc=%d Sys=%d NumGC=%d\n",
		name, atomic.LoadInt64(&parked), ng, len(c.m), nativeBytes, ms.HeapInuse, ms.HeapAlloc, ms.Sys, ms.NumGC)
}

type handler struct{ limit *int }

//go:noinline
func (h *handler) crash() int { return *h.limit }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: relprog capture OUTDIR | relprog crash")
		os.Exit(2)
	}
	runtime.MemProfileRate = 4096
	debug.SetGCPercent(100)
	stuck.Lock()
	c := &cache{m: make(map[string]*item)}
	dir := ""
	if os.Args[1] == "capture" {
		dir = os.Args[2]
	}

	holdNative(16)
	c.fill(8000)
	leak(80, 20, 10, 5)
	if dir != "" {
		snapshot(dir, "before", c)
	}

	holdNative(16)
	c.fill(16000)
	leak(160, 40, 20, 10)
	if dir != "" {
		snapshot(dir, "after", c)
		runtime.KeepAlive(native)
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("parked=%d NumGoroutine=%d cache_entries=%d cmalloc_bytes=%d HeapInuse=%d HeapAlloc=%d HeapSys=%d StackInuse=%d Sys=%d NumGC=%d\n",
		atomic.LoadInt64(&parked), runtime.NumGoroutine(), len(c.m), nativeBytes,
		ms.HeapInuse, ms.HeapAlloc, ms.HeapSys, ms.StackInuse, ms.Sys, ms.NumGC)
	h := &handler{}
	fmt.Println(h.crash())
	runtime.KeepAlive(native)
}
