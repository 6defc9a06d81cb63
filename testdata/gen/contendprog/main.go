// contendprog makes mutex and channel contention with every event sampled
// (SetMutexProfileFraction(1), SetBlockProfileRate(1)) and writes the
// runtime's mutex and block profiles as debug=1 text (mutex.txt, block.txt)
// and as protobuf (mutex.pb.gz, block.pb.gz) into the directory given.
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var mu sync.Mutex
var shared int

//go:noinline
func holdLock(d time.Duration) {
	mu.Lock()
	shared++
	time.Sleep(d)
	mu.Unlock()
}

//go:noinline
func fightForLock(n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		holdLock(200 * time.Microsecond)
	}
}

//go:noinline
func waitOnChannel(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range ch {
	}
}

//go:noinline
func slowProducer(ch chan int) {
	for i := 0; i < 50; i++ {
		time.Sleep(100 * time.Microsecond)
		ch <- i
	}
	close(ch)
}

func write(dir, name string, debug int) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	kind := name[:len(name)-len(filepath.Ext(name))]
	if debug == 0 {
		kind = kind[:len(kind)-len(".pb")]
	}
	if err := pprof.Lookup(kind).WriteTo(f, debug); err != nil {
		panic(err)
	}
	f.Close()
}

func main() {
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go fightForLock(40, &wg)
	}
	ch := make(chan int)
	wg.Add(1)
	go waitOnChannel(ch, &wg)
	slowProducer(ch)
	wg.Wait()
	dir := os.Args[1]
	write(dir, "mutex.txt", 1)
	write(dir, "block.txt", 1)
	write(dir, "mutex.pb.gz", 0)
	write(dir, "block.pb.gz", 0)
}
