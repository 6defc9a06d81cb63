// profkinds writes one profile of each remaining kind pprof reads from a Go
// program — cpu, block, mutex — so `coroner top` can be checked against
// `go tool pprof -top` on each (sample types, Duration header, units).
package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"
)

var sink []byte

//go:noinline
func hashLoop(n int) {
	b := make([]byte, 4096)
	for i := 0; i < n; i++ {
		s := sha256.Sum256(b)
		b[i%len(b)] = s[0]
	}
	sink = b
}

//go:noinline
func sortLoop(n int) {
	for i := 0; i < n; i++ {
		xs := make([]int, 2048)
		for j := range xs {
			xs[j] = (j * 7919) % 2048
		}
		sort.Ints(xs)
	}
}

func contend(mu *sync.Mutex, wg *sync.WaitGroup, hold time.Duration) {
	defer wg.Done()
	for i := 0; i < 20; i++ {
		mu.Lock()
		time.Sleep(hold)
		mu.Unlock()
	}
}

func chanWait(wg *sync.WaitGroup) {
	defer wg.Done()
	c := make(chan int)
	go func() { time.Sleep(30 * time.Millisecond); c <- 1 }()
	<-c
}

func main() {
	dir := os.Args[1]
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	f, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		hashLoop(2000)
		sortLoop(50)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go contend(&mu, &wg, time.Millisecond)
		go chanWait(&wg)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	f.Close()
	for _, name := range []string{"block", "mutex"} {
		out, err := os.Create(filepath.Join(dir, name+".pb.gz"))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup(name).WriteTo(out, 0); err != nil {
			panic(err)
		}
		out.Close()
	}
}
