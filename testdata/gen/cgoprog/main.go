// cgoprog is the cgo program behind testdata/core/cgo*: goroutines parked
// in Go, one goroutine blocked inside C (a C function that sleeps in
// nanosleep, called through cgo), and a crash inside C: the main goroutine
// calls into C, which calls two C functions (noinline) and then abort()s.
// Run with GOTRACEBACK=crash and `ulimit -c unlimited` to get a core; the
// runtime prints its traceback, and gdb's `bt` on the core is the oracle for
// the C frames. See testdata/gen/README.md (core2).
//
//	cgoprog crash     park goroutines, block one in C, then abort in C
package main

/*
#cgo CFLAGS: -O1 -g -fno-omit-frame-pointer
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static int cgo_leaf(int depth, int *slot) {
	*slot = depth;
	if (depth > 2)
		abort();
	return depth + 1;
}

__attribute__((noinline)) static int cgo_middle(int depth) {
	int slot = 0;
	int r = cgo_leaf(depth + 1, &slot);
	return r + slot;
}

__attribute__((noinline)) int cgo_crash(int depth) {
	int r = cgo_middle(depth + 1);
	return r * 2;
}

__attribute__((noinline)) void cgo_block(int seconds) {
	struct timespec ts = { seconds, 0 };
	nanosleep(&ts, NULL);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

var gate = make(chan struct{})

func parkedReceiver() { <-gate }

//go:noinline
func blockInC() { C.cgo_block(3600) }

//go:noinline
func crashInC() int { return int(C.cgo_crash(C.int(1))) }

func main() {
	runtime.GOMAXPROCS(2)
	if len(os.Args) < 2 || os.Args[1] != "crash" {
		fmt.Println("usage: cgoprog crash")
		return
	}
	var mu sync.Mutex
	mu.Lock()
	for i := 0; i < 2; i++ {
		go parkedReceiver()
	}
	go func() { mu.Lock() }()
	go blockInC()
	time.Sleep(50 * time.Millisecond)
	fmt.Println(crashInC())
}
