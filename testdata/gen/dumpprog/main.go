// dumpprog writes two goroutine dumps of itself to stderr, as a service log
// holds them: the first header glued to the end of a log line, the second
// after more workers started, then exits 1 (`go run` adds "exit status 1").
// One goroutine blocks 150 calls deep, so the tracebacks elide frames.
// It prints its own counts (runtime.NumGoroutine before each dump, the
// workers it started) as the references.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var block = make(chan int)

//go:noinline
func leakWorker(id int) int { return <-block + id }

//go:noinline
func deep(n int) int {
	if n == 0 {
		return <-block
	}
	return deep(n-1) + 1
}

func start(n int) {
	for i := 0; i < n; i++ {
		go leakWorker(i)
	}
}

func dump(k int) {
	time.Sleep(200 * time.Millisecond)
	fmt.Fprintf(os.Stderr, "dumpprog: dump %d: %d goroutines; some log text ", k, runtime.NumGoroutine())
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
}

func main() {
	go deep(150)
	start(3)
	fmt.Fprintf(os.Stderr, "dumpprog: started 3 workers\n")
	dump(1)
	start(4)
	fmt.Fprintf(os.Stderr, "dumpprog: started 4 workers\n")
	dump(2)
	os.Exit(1)
}
