// labelprog runs goroutines and CPU work under pprof labels (pprof.Do), the
// way servers tag work by request handler and tenant, and writes what pprof's
// tag filters (-tagfocus, -tagignore) read: a goroutine profile (protobuf,
// and debug=1 text with its "# labels:" lines) and a CPU profile. See
// testdata/gen/README.md and regen.sh's "labels" section.
//
//	labelprog OUTDIR
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

var sink uint64

func park(ctx context.Context, ch chan struct{}) { <-ch }

func serve(ctx context.Context, n int, ch chan struct{}) {
	for i := 0; i < n; i++ {
		go park(ctx, ch)
	}
}

// burn spins for d, in a function of its own per handler so that stacks differ.
func burnUsers(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 1000; i++ {
			sink += uint64(i) * 7
		}
	}
}

func burnOrders(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 1000; i++ {
			sink ^= uint64(i) * 13
		}
	}
}

func write(dir, name string, debug int, p *pprof.Profile) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := p.WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	ch := make(chan struct{})
	for _, l := range []struct {
		handler, tenant string
		n               int
	}{
		{"/api/users", "a", 5}, {"/api/users", "b", 3}, {"/api/orders", "a", 7}, {"/health", "", 2},
	} {
		labels := pprof.Labels("handler", l.handler)
		if l.tenant != "" {
			labels = pprof.Labels("handler", l.handler, "tenant", l.tenant)
		}
		n := l.n
		pprof.Do(context.Background(), labels, func(ctx context.Context) { serve(ctx, n, ch) })
	}
	time.Sleep(100 * time.Millisecond)
	write(dir, "goroutine.pb.gz", 0, pprof.Lookup("goroutine"))
	write(dir, "goroutine.txt", 1, pprof.Lookup("goroutine"))

	f, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	for _, w := range []struct {
		handler, tenant string
		d               time.Duration
		f               func(time.Duration)
	}{
		{"/api/users", "a", 1200 * time.Millisecond, burnUsers},
		{"/api/orders", "b", 600 * time.Millisecond, burnOrders},
	} {
		w := w
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("handler", w.handler, "tenant", w.tenant),
			func(ctx context.Context) { defer wg.Done(); w.f(w.d) })
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		panic(err)
	}
	close(ch)
}
