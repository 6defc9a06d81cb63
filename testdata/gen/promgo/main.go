// promgo writes the Prometheus text exposition of a Go service's /metrics
// as prometheus/client_golang's Go collector serves it, after a GC:
//
//	promgo all      the collector with every runtime/metrics metric
//	                (collectors.WithGoCollectorRuntimeMetrics(MetricsAll)):
//	                the go_memstats_* names and those derived from
//	                runtime/metrics (go_memory_classes_*, go_gc_*, go_sched_*)
//	promgo default  the collector as collectors.NewGoCollector() sets it up
//
// The go_memstats_* values are the collector's own MemStats, computed from
// the same runtime/metrics sample as the other names: the reference for
// what a reader derives from those names alone.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

var sink [][]byte

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "all" && os.Args[1] != "default") {
		fmt.Fprintln(os.Stderr, "usage: promgo all|default")
		os.Exit(2)
	}
	for i := 0; i < 3000; i++ {
		sink = append(sink, make([]byte, 512+i%4096))
	}
	block := make(chan struct{})
	for i := 0; i < 7; i++ {
		go func() { <-block }()
	}
	reg := prometheus.NewRegistry()
	if os.Args[1] == "all" {
		reg.MustRegister(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)))
	} else {
		reg.MustRegister(collectors.NewGoCollector())
	}
	runtime.GC()
	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(os.Stdout, mf); err != nil {
			panic(err)
		}
	}
	close(block)
}
