// captureprog is the demo service for coroner's capture fixtures: it leaks
// goroutines in main.(*session).awaitReply, grows a map in main.(*cache).put,
// and holds memory through C malloc. It takes two snapshots of everything a
// post-mortem capture contains. See testdata/gen/README.md.
//
//	captureprog OUTDIR STDERRFILE    (GODEBUG=gctrace=1, stderr -> STDERRFILE)
package main

/*
#include <stdlib.h>
#include <string.h>

static void *native_alloc(size_t n) {
	void *p = malloc(n);
	if (p) memset(p, 0x33, n); // touch every page
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
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// ---- leak: sessions whose reply never comes ----

type session struct {
	id      int
	replies chan []byte
}

var waiting int64 // sessions parked in awaitReply

func (s *session) awaitReply() {
	atomic.AddInt64(&waiting, 1)
	b := <-s.replies // nobody ever replies
	_ = b
}

type server struct{ nextID int }

//go:noinline
func (sv *server) handle(n int) {
	for i := 0; i < n; i++ {
		s := &session{id: sv.nextID, replies: make(chan []byte)}
		sv.nextID++
		go s.awaitReply()
	}
	for atomic.LoadInt64(&waiting) < int64(sv.nextID) {
		time.Sleep(time.Millisecond)
	}
}

// ---- growing map ----

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

// ---- native memory ----

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

// ---- steady background goroutines ----

var stop = make(chan struct{})

func flusher() {
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Hour):
		}
	}
}

func janitor() {
	for {
		time.Sleep(time.Hour)
	}
}

// ---- capture ----

func writeProfile(name, path string, dbg int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, dbg); err != nil {
		panic(err)
	}
	f.Close()
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func cgroupMemoryStat() string {
	var cands []string
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			p := strings.SplitN(l, ":", 3)
			if len(p) != 3 {
				continue
			}
			if p[0] == "0" && p[1] == "" {
				cands = append(cands, "/sys/fs/cgroup"+p[2]+"/memory.stat")
			} else if p[1] == "memory" {
				cands = append(cands, "/sys/fs/cgroup/memory"+p[2]+"/memory.stat")
			}
		}
	}
	cands = append(cands, "/sys/fs/cgroup/memory.stat", "/sys/fs/cgroup/memory/memory.stat")
	for _, p := range cands {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return cands[0]
}

func snapshot(dir, name, stderrFile string, c *cache) {
	d := dir + "/" + name
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	runtime.GC()
	writeProfile("heap", d+"/heap.pb.gz", 0)
	writeProfile("allocs", d+"/allocs.pb.gz", 0)
	writeProfile("heap", d+"/heap.txt", 1)
	writeProfile("goroutine", d+"/goroutine.pb.gz", 0)
	writeProfile("goroutine", d+"/goroutine.txt", 2)
	ng := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for _, n := range []string{"smaps_rollup", "smaps", "status"} {
		if err := copyFile("/proc/self/"+n, d+"/"+n); err != nil {
			panic(err)
		}
	}
	cg := cgroupMemoryStat()
	cgNote := "copied from " + cg
	if err := copyFile(cg, d+"/memory.stat"); err != nil {
		cgNote = "not readable: " + err.Error()
	}
	if err := copyFile(stderrFile, d+"/gctrace.txt"); err != nil {
		panic(err)
	}
	js, _ := json.MarshalIndent(&ms, "", "  ")
	if err := os.WriteFile(dir+"/"+name+".memstats.json", append(js, '\n'), 0o644); err != nil {
		panic(err)
	}
	fmt.Printf("snapshot=%s awaitReply_goroutines=%d NumGoroutine=%d cache_entries=%d cmalloc_bytes=%d HeapInuse=%d HeapAlloc=%d HeapIdle=%d HeapReleased=%d HeapSys=%d Sys=%d NumGC=%d memory.stat=%q\n",
		name, atomic.LoadInt64(&waiting), ng, len(c.m), nativeBytes,
		ms.HeapInuse, ms.HeapAlloc, ms.HeapIdle, ms.HeapReleased, ms.HeapSys, ms.Sys, ms.NumGC, cgNote)
}

func main() {
	runtime.MemProfileRate = 4096
	debug.SetGCPercent(100)
	dir, stderrFile := os.Args[1], os.Args[2]

	go flusher()
	go janitor()
	sv := &server{}
	c := &cache{m: make(map[string]*item)}

	holdNative(24)
	c.fill(100000)
	sv.handle(200)
	time.Sleep(100 * time.Millisecond)
	snapshot(dir, "before", stderrFile, c)

	holdNative(16)
	c.fill(300000)
	sv.handle(800)
	time.Sleep(3 * time.Second)
	snapshot(dir, "after", stderrFile, c)
	runtime.KeepAlive(native)
}
