// addrprog writes Go's debug=1 text profiles, which carry only addresses
// for go tool pprof (it reads none of the `#` comment lines): heap,
// goroutine, threadcreate, mutex and block, each also with the process's
// memory map appended after pprof's "--- Memory map: ---" sentinel (the
// legacy form pprof reads mappings from, naming this binary's path).
// Used by testdata/gen/pprofsym.sh.
//
//	addrprog OUTDIR
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var keep [][]byte

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 64))
	}
}

//go:noinline
func allocLarge(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 256<<10))
	}
}

var mu sync.Mutex

//go:noinline
func contend(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 200; i++ {
		mu.Lock()
		time.Sleep(20 * time.Microsecond)
		mu.Unlock()
	}
}

//go:noinline
func waitOn(ch chan struct{}) { <-ch }

func main() {
	out := os.Args[1]
	runtime.MemProfileRate = 1
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	allocSmall(2000)
	allocLarge(8)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go contend(&wg)
	}
	wg.Wait()
	ch := make(chan struct{})
	for i := 0; i < 3; i++ {
		go waitOn(ch)
	}
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"heap", "goroutine", "threadcreate", "mutex", "block"} {
		var b bytes.Buffer
		if err := pprof.Lookup(name).WriteTo(&b, 1); err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".txt"), b.Bytes(), 0o644); err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "--- Memory map: ---\n%s", maps)
		if err := os.WriteFile(filepath.Join(out, name+".maps.txt"), b.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
	close(ch)
	fmt.Println(len(keep))
}
