// threadprog starts a few OS threads (goroutines locked to their thread
// while others block), then writes the threadcreate profile twice: as a
// gzipped protobuf (debug=0) and as Go's debug=1 text. Go 1.26 no longer
// records where threads were created: its stacks are all 0x0, which
// go tool pprof reads as <unknown> frames. Used by
// testdata/gen/threadcreate.sh.
//
//	threadprog OUT.pb.gz OUT.txt
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
)

//go:noinline
func lockedWorker(ready *sync.WaitGroup, stop chan struct{}) {
	runtime.LockOSThread()
	ready.Done()
	<-stop // the thread stays with this goroutine: the next one needs a new one
}

func write(path string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("threadcreate").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	var ready sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		ready.Add(1)
		go lockedWorker(&ready, stop)
	}
	ready.Wait()
	write(os.Args[1], 0)
	write(os.Args[2], 1)
	close(stop)
}
