// symprog is the Go program behind testdata/bin/gosym*: inlined helpers called
// in loops, methods, closures, goroutines blocked in varied ways, and a
// deliberate nil dereference (run with GOTRACEBACK=crash to get a core).
// See testdata/gen/README.md.
//
//	symprog run                      compute and exit 0
//	symprog crash [SMAPS MAPS]       copy /proc/self/{smaps,maps}, then crash
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// ---- small functions the compiler inlines into loops ----

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func mix(h, v uint64) uint64 { return (h ^ v) * 0x100000001b3 }

func square(x int) int { return x * x }

type vec struct{ x, y float64 }

func (v vec) add(w vec) vec       { return vec{v.x + w.x, v.y + w.y} }
func (v vec) scale(f float64) vec { return vec{v.x * f, v.y * f} }
func (v vec) dot(w vec) float64   { return v.x*w.x + v.y*w.y }

//go:noinline
func checksum(data []int) uint64 {
	h := uint64(14695981039346656037)
	for _, d := range data {
		h = mix(h, uint64(clamp(d, -1000, 1000)))
	}
	return h
}

//go:noinline
func sumSquares(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += square(i % 97)
	}
	return s
}

//go:noinline
func integrate(steps int) float64 {
	p, v := vec{0, 0}, vec{1, 0.5}
	e := 0.0
	for i := 0; i < steps; i++ {
		p = p.add(v.scale(0.01))
		e += p.dot(v)
	}
	return e
}

// ---- a small state machine with methods and a closure ----

type account struct {
	id      int
	balance int64
	history []int64
}

type ledger struct {
	mu       sync.Mutex
	accounts map[int]*account
}

//go:noinline
func (l *ledger) transfer(from, to int, amt int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, b := l.accounts[from], l.accounts[to]
	a.balance -= amt
	b.balance += amt
	a.history = append(a.history, -amt)
	b.history = append(b.history, amt)
}

//go:noinline
func (l *ledger) audit(visit func(*account) bool) int {
	n := 0
	for i := 0; i < len(l.accounts); i++ {
		if visit(l.accounts[i]) {
			n++
		}
	}
	return n
}

// ---- goroutines blocked in various ways ----

var (
	blockMu sync.Mutex
	gate    = make(chan struct{})
	wg      sync.WaitGroup
)

func parkedReceiver(id int) { <-gate }

func parkedSelect() {
	select {
	case <-gate:
	case <-time.After(time.Hour):
	}
}

func parkedMutex() { blockMu.Lock() }

func parkedSleep() { time.Sleep(time.Hour) }

func parkedWait() { wg.Wait() }

func startParked() {
	blockMu.Lock()
	wg.Add(1)
	for i := 0; i < 3; i++ {
		go parkedReceiver(i)
	}
	go parkedSelect()
	go parkedMutex()
	go parkedSleep()
	go parkedWait()
	time.Sleep(20 * time.Millisecond)
}

// ---- the crash ----

type config struct {
	name  string
	limit *int
}

type handler struct{ cfg *config }

//go:noinline
func (h *handler) limit() int { return *h.cfg.limit } // h.cfg.limit is nil

//go:noinline
func serve(h *handler, reqs int) int {
	total := 0
	for i := 0; i < reqs; i++ {
		total += clamp(i, 0, h.limit())
	}
	return total
}

func copyProc(name, dst string) {
	b, err := os.ReadFile("/proc/self/" + name)
	if err == nil {
		err = os.WriteFile(dst, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copy", name, err)
	}
}

func work() {
	data := make([]int, 4096)
	for i := range data {
		data[i] = (i*7919)%4001 - 2000
	}
	l := &ledger{accounts: map[int]*account{}}
	for i := 0; i < 8; i++ {
		l.accounts[i] = &account{id: i, balance: 1000}
	}
	for i := 0; i < 100; i++ {
		l.transfer(i%8, (i*3+1)%8, int64(i))
	}
	rich := l.audit(func(a *account) bool { return a.balance > 1000 })
	fmt.Printf("checksum=%x squares=%d integral=%.3f rich=%d\n",
		checksum(data), sumSquares(10000), integrate(1000), rich)
}

func main() {
	debug.SetGCPercent(20)
	runtime.GOMAXPROCS(2)
	work()
	if len(os.Args) > 1 && os.Args[1] == "crash" {
		startParked()
		if len(os.Args) > 3 {
			copyProc("smaps", os.Args[2])
			copyProc("maps", os.Args[3])
		}
		h := &handler{cfg: &config{name: "svc"}}
		fmt.Println(serve(h, 10))
	}
}
