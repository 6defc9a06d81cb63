// gctraceprog: a few garbage collections for GODEBUG=gctrace=1 to print
// (testdata/gen/gctrace.sh runs it under each Go release). It allocates a
// retained slice of buffers and garbage beside it, forces two GCs, writes
// the goroutine leak profile where the release has one (its detection GC
// prints "(checking for goroutine leaks)" on go1.26 with the experiment and
// on go1.27), and prints its own count of GCs (runtime.ReadMemStats NumGC)
// last on stdout.
package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
)

var keep [][]byte

func churn(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		b := make([]byte, 4096)
		b[i%4096] = byte(i)
		s += int(b[0])
	}
	return s
}

func main() {
	s := 0
	for round := 0; round < 6; round++ {
		for i := 0; i < 256; i++ {
			keep = append(keep, make([]byte, 8192))
		}
		s += churn(2000)
	}
	runtime.GC()
	ch := make(chan int)
	go func() { <-ch }() // blocked forever: what the leak profile finds
	if p := pprof.Lookup("goroutineleak"); p != nil {
		_ = p.WriteTo(io.Discard, 0)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("retained=%d churn=%d numgc=%d\n", len(keep), s, ms.NumGC)
}
