// memprog holds a known amount of C memory, a growing Go map and idle Go heap
// left over from a burst, then copies its own /proc memory files and writes
// its heap profile and runtime.MemStats. See testdata/gen/README.md.
//
//	memprog OUTDIR    (run with GODEBUG=gctrace=1, stderr -> gctrace.txt)
package main

/*
#include <stdlib.h>
#include <string.h>

static void *hold_c(size_t n) {
	void *p = malloc(n);
	if (p) memset(p, 0x5a, n); // touch every page
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
	"strings"
	"unsafe"
)

const (
	cMiB     = 48 // C memory held, MiB
	burstMiB = 64 // Go heap allocated and dropped before the capture
	mapN     = 300000
)

type entry struct {
	key   int64
	value [48]byte
}

var (
	cblocks []unsafe.Pointer
	cbytes  int64
	index   map[int64]*entry
	sink    int
)

//go:noinline
func holdCMemory(mib int) {
	for i := 0; i < mib; i++ { // 1 MiB blocks: each is its own mmap in glibc
		p := C.hold_c(C.size_t(1 << 20))
		if p == nil {
			panic("malloc failed")
		}
		cblocks = append(cblocks, p)
		cbytes += 1 << 20
	}
}

//go:noinline
func growIndex(n int) {
	if index == nil {
		index = make(map[int64]*entry)
	}
	for i := 0; i < n; i++ {
		k := int64(len(index))
		index[k] = &entry{key: k}
	}
}

//go:noinline
func burst(mib int) {
	bufs := make([][]byte, 0, mib)
	for i := 0; i < mib; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(j)
		}
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		sink += int(b[4096])
	}
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// cgroupMemoryStat returns the path of this process's cgroup memory.stat:
// cgroup v2 ("0::/path") if there is one, else the v1 memory controller.
func cgroupMemoryStat() string {
	var cands []string
	b, err := os.ReadFile("/proc/self/cgroup")
	if err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			parts := strings.SplitN(l, ":", 3)
			if len(parts) != 3 {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				cands = append(cands, "/sys/fs/cgroup"+parts[2]+"/memory.stat")
			case parts[1] == "memory":
				cands = append(cands, "/sys/fs/cgroup/memory"+parts[2]+"/memory.stat")
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

func capture(dir string) {
	f, err := os.Create(dir + "/heap.txt")
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 1); err != nil {
		panic(err)
	}
	f.Close()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	js, _ := json.MarshalIndent(&ms, "", "  ")
	// The /proc files are read right after ReadMemStats; nothing big is
	// allocated in between.
	for _, n := range []string{"smaps_rollup", "smaps", "status"} {
		if err := copyFile("/proc/self/"+n, dir+"/"+n); err != nil {
			panic(err)
		}
	}
	if err := os.WriteFile(dir+"/memstats.json", append(js, '\n'), 0o644); err != nil {
		panic(err)
	}
	cg := cgroupMemoryStat()
	if err := copyFile(cg, dir+"/memory.stat"); err != nil {
		fmt.Printf("memory.stat: not readable: %v\n", err)
	} else {
		fmt.Printf("memory.stat: copied from %s\n", cg)
	}
	fmt.Printf("cmalloc_bytes=%d\n", cbytes)
	fmt.Printf("cmalloc_blocks=%d\n", len(cblocks))
	fmt.Printf("map_entries=%d\n", len(index))
	fmt.Printf("HeapAlloc=%d HeapInuse=%d HeapIdle=%d HeapReleased=%d HeapSys=%d Sys=%d NumGC=%d\n",
		ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.HeapSys, ms.Sys, ms.NumGC)
}

func main() {
	runtime.MemProfileRate = 4096
	debug.SetGCPercent(100)
	dir := os.Args[1]

	holdCMemory(cMiB)
	growIndex(mapN / 3)
	burst(burstMiB)
	growIndex(mapN - len(index))
	runtime.GC() // the burst is garbage now; its spans stay idle (no FreeOSMemory)
	capture(dir)
	runtime.KeepAlive(cblocks)
}
