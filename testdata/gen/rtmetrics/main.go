// rtmetrics prints, for one quiet moment after a GC, what a Go program can
// say about its memory: runtime.ReadMemStats (the reference) and every
// runtime/metrics sample, read back to back with nothing allocating between.
//
//	rtmetrics DIR   writes DIR/metrics.txt ("NAME: VALUE" per metric, as the
//	                runtime/metrics package's example prints them: %d for
//	                uint64, %f for float64, the median bucket of a histogram),
//	                DIR/metrics.json (name -> value of the scalar metrics) and
//	                DIR/reference.json (the program's own figures:
//	                NumGoroutine, GOMAXPROCS, GOGC, GOMEMLIMIT, and the
//	                MemStats of ReadMemStats as json.Marshal writes them),
//	                DIR/status (its /proc/self/status right after)
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

var sink [][]byte

func same(a, b []metrics.Sample) bool {
	for i := range a {
		switch a[i].Value.Kind() {
		case metrics.KindUint64:
			if a[i].Value.Uint64() != b[i].Value.Uint64() {
				return false
			}
		}
	}
	return true
}

func median(h *metrics.Float64Histogram) float64 {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	var run uint64
	for i, c := range h.Counts {
		run += c
		if run*2 >= total && total > 0 {
			return h.Buckets[i]
		}
	}
	return 0
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: rtmetrics DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	// a heap worth reading, and goroutines that wait
	for i := 0; i < 3000; i++ {
		sink = append(sink, make([]byte, 512+i%4096))
	}
	block := make(chan struct{})
	for i := 0; i < 7; i++ {
		go func() { <-block }()
	}
	gogc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gogc)
	memlimit := debug.SetMemoryLimit(-1)

	descs := metrics.All()
	a := make([]metrics.Sample, len(descs))
	b := make([]metrics.Sample, len(descs))
	for i := range descs {
		a[i].Name = descs[i].Name
		b[i].Name = descs[i].Name
	}
	metrics.Read(a) // histograms get their buffers here, not below
	metrics.Read(b)
	var ms runtime.MemStats
	procs := runtime.GOMAXPROCS(0)
	quiet := false
	ngo := 0
	for try := 0; try < 20 && !quiet; try++ {
		runtime.GC()
		metrics.Read(a)
		runtime.ReadMemStats(&ms)
		ngo = runtime.NumGoroutine()
		metrics.Read(b)
		quiet = same(a, b)
	}
	// the process's own RSS right after, for a ledger (coroner mem)
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		if err := os.WriteFile(filepath.Join(dir, "status"), st, 0o644); err != nil {
			panic(err)
		}
	}

	txt, err := os.Create(filepath.Join(dir, "metrics.txt"))
	if err != nil {
		panic(err)
	}
	scalars := map[string]interface{}{}
	for _, s := range b {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(txt, "%s: %d\n", s.Name, s.Value.Uint64())
			scalars[s.Name] = s.Value.Uint64()
		case metrics.KindFloat64:
			fmt.Fprintf(txt, "%s: %f\n", s.Name, s.Value.Float64())
			if f := s.Value.Float64(); !math.IsNaN(f) && !math.IsInf(f, 0) {
				scalars[s.Name] = f
			}
		case metrics.KindFloat64Histogram:
			fmt.Fprintf(txt, "%s: %f\n", s.Name, median(s.Value.Float64Histogram()))
		}
	}
	txt.Close()
	write := func(name string, v interface{}) {
		data, err := json.MarshalIndent(v, "", "\t")
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644); err != nil {
			panic(err)
		}
	}
	write("metrics.json", scalars)
	// MemStats as json.Marshal writes it, without its arrays (PauseNs,
	// PauseEnd, BySize), which no metric replaces
	raw, err := json.Marshal(ms)
	if err != nil {
		panic(err)
	}
	msmap := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &msmap); err != nil {
		panic(err)
	}
	delete(msmap, "PauseNs")
	delete(msmap, "PauseEnd")
	delete(msmap, "BySize")
	write("reference.json", map[string]interface{}{
		"NumGoroutine": ngo,
		"GOMAXPROCS":   procs,
		"GOGC":         gogc,
		"GOMEMLIMIT":   memlimit,
		"MemStats":     msmap,
	})
	close(block)
}
