// coreprog parks N goroutines in several kinds of waits (chan receive,
// select, sync.Mutex, sleep, sync.WaitGroup, sync.Cond, chan send) across a
// few call depths, then dereferences nil. Run with GOTRACEBACK=crash and
// `ulimit -c unlimited` it writes a core with N+ goroutines (see
// testdata/gen/bigcore.sh) for coroner core's benchmark against dlv core.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

var (
	mu   sync.Mutex
	wg   sync.WaitGroup
	cond = sync.NewCond(&sync.Mutex{})
	never = make(chan int)
	full  = make(chan int)
	ready sync.WaitGroup
)

//go:noinline
func receiver(depth int) int {
	if depth > 0 {
		return receiver(depth-1) + 1
	}
	return <-never
}

//go:noinline
func selector() {
	select {
	case <-never:
	case <-time.After(time.Hour):
	}
}

//go:noinline
func locker() { mu.Lock(); mu.Unlock() }

//go:noinline
func sleeper() { time.Sleep(time.Hour) }

//go:noinline
func waiter() { wg.Wait() }

//go:noinline
func condWaiter() {
	cond.L.Lock()
	cond.Wait()
	cond.L.Unlock()
}

//go:noinline
func sender() { full <- 1 }

type handler struct{ limit *int }

//go:noinline
func (h *handler) crash() int { return *h.limit }

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	mu.Lock()
	wg.Add(1)
	kinds := []func(){
		func() { receiver(0) }, func() { receiver(3) }, func() { receiver(7) },
		selector, locker, sleeper, waiter, condWaiter, sender,
	}
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		go k()
	}
	for runtime.NumGoroutine() < n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Println("goroutines", runtime.NumGoroutine())
	h := &handler{}
	fmt.Println(h.crash())
}
