// leakprog leaks goroutines in main.leakWorker while a fixed set of steady
// goroutines sit blocked in various ways, and writes goroutine profiles.
// See testdata/gen/README.md.
//
//	leakprog snap OUTDIR WAITSEC   two snapshots, then blocks until SIGQUIT
//	leakprog panic                 steady goroutines + 5 leaks, then panics
//	leakprog bigdump N FILE        N blocked goroutines, one debug=2 dump
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ---- the leak ----

type request struct {
	id    int
	reply chan string
}

var leaked int64 // number of leakWorker goroutines started and parked

// leakWorker waits for a reply that nobody ever sends.
func leakWorker(req *request) {
	atomic.AddInt64(&leaked, 1)
	s := <-req.reply
	fmt.Println(s)
}

//go:noinline
func dispatch(n int, base int) {
	for i := 0; i < n; i++ {
		req := &request{id: base + i, reply: make(chan string)}
		go leakWorker(req)
	}
}

func leakTo(target int64) {
	cur := atomic.LoadInt64(&leaked)
	dispatch(int(target-cur), int(cur))
	for atomic.LoadInt64(&leaked) < target {
		time.Sleep(time.Millisecond)
	}
}

// ---- steady goroutines, blocked in different ways ----

var (
	mu       sync.Mutex
	wg       sync.WaitGroup
	condMu   sync.Mutex
	cond     = sync.NewCond(&condMu)
	never    = make(chan int)
	never2   = make(chan int)
	fullChan = make(chan int) // unbuffered, nobody receives
	nilChan  chan int
	started  sync.WaitGroup
	listener net.Listener
)

func selectLoop() {
	started.Done()
	select {
	case <-never:
	case <-never2:
	}
}

func mutexWaiter() {
	started.Done()
	mu.Lock() // main holds mu forever
	mu.Unlock()
}

func sleeper() {
	started.Done()
	time.Sleep(24 * time.Hour)
}

func acceptLoop(l net.Listener) {
	started.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func waitGroupWaiter() {
	started.Done()
	wg.Wait() // wg.Add(1) without Done
}

func condWaiter() {
	started.Done()
	condMu.Lock()
	cond.Wait()
	condMu.Unlock()
}

func blockedSender() {
	started.Done()
	fullChan <- 1
}

func nilReceiver() {
	started.Done()
	<-nilChan
}

// supervisor starts its own children, so their tracebacks end in
// "created by main.supervisor".
func supervisor() {
	for i := 0; i < 3; i++ {
		started.Add(1)
		go childWorker(i)
	}
	started.Done()
	select {}
}

func childWorker(i int) {
	started.Done()
	<-never
}

func startSteady() {
	mu.Lock()
	wg.Add(1)
	var err error
	listener, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fs := []func(){selectLoop, mutexWaiter, sleeper, waitGroupWaiter, condWaiter, blockedSender, nilReceiver, supervisor}
	started.Add(len(fs) + 1)
	for _, f := range fs {
		go f()
	}
	go acceptLoop(listener)
	started.Wait()
	time.Sleep(50 * time.Millisecond) // let them park
}

func write(path string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, debug); err != nil {
		panic(err)
	}
	f.Close()
}

func snapshot(dir string, n int) {
	time.Sleep(50 * time.Millisecond)
	runtime.GC() // stamps waitsince of goroutines that were not yet stamped
	ng := runtime.NumGoroutine()
	p := fmt.Sprintf("%s/goroutine.%d.", dir, n)
	write(p+"pb.gz", 0)
	write(p+"txt", 1)
	write(p+"dump", 2)
	fmt.Printf("snapshot=%d leakWorker=%d NumGoroutine=%d\n", n, atomic.LoadInt64(&leaked), ng)
}

// ---- panic mode ----

type handler struct{ routes []string }

//go:noinline
func (h *handler) route(i int) string { return h.routes[i] }

func handleRequest(h *handler, id int) {
	fmt.Fprintln(os.Stderr, "handling", h.route(id))
}

func main() {
	switch os.Args[1] {
	case "snap":
		dir := os.Args[2]
		wait, _ := strconv.Atoi(os.Args[3])
		startSteady()
		leakTo(50)
		runtime.GC() // from here on the first 50 leaks and the steady ones count their wait
		time.Sleep(time.Duration(wait) * time.Second)
		snapshot(dir, 1)
		leakTo(250)
		snapshot(dir, 2)
		fmt.Printf("ready pid=%d\n", os.Getpid())
		os.Stdout.Sync()
		select {} // regen.sh sends SIGQUIT now
	case "panic":
		startSteady()
		leakTo(5)
		h := &handler{routes: []string{"/a", "/b", "/c"}}
		done := make(chan bool)
		go func() {
			for id := 0; id < 10; id++ {
				handleRequest(h, id)
			}
			done <- true
		}()
		<-done
	case "bigdump":
		n, _ := strconv.Atoi(os.Args[2])
		startSteady()
		leakTo(int64(n))
		write(os.Args[3], 2)
	}
}
