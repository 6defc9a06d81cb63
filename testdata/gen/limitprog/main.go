// limitprog: a Go service near its container's limits, for the GOMEMLIMIT
// and GOMAXPROCS advice (testdata/gen/limits.sh runs it in a memory cgroup
// of 64 MiB and a CPU cgroup of half a CPU). It holds about 54 MiB of heap,
// then writes a capture into OUTDIR: heap.txt (debug=1, with MemStats),
// /proc/self/status and smaps_rollup, and its cgroups' files (the memory
// and cpu directories given). stdout: its own runtime.Version(),
// runtime.GOMAXPROCS(0) and NumCPU.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

var keep [][]byte

func hold(mib int) {
	for i := 0; i < mib; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
	}
}

func copyFile(src, dst string) {
	b, err := os.ReadFile(src)
	if err != nil {
		return // a file this cgroup version lacks
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		panic(err)
	}
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: limitprog OUTDIR MEMCG_DIR CPUCG_DIR")
		os.Exit(2)
	}
	out, memcg, cpucg := os.Args[1], os.Args[2], os.Args[3]
	hold(54)
	runtime.GC()
	if err := os.MkdirAll(out, 0o755); err != nil {
		panic(err)
	}
	f, err := os.Create(filepath.Join(out, "heap.txt"))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 1); err != nil {
		panic(err)
	}
	f.Close()
	for _, n := range []string{"status", "smaps_rollup"} {
		copyFile("/proc/self/"+n, filepath.Join(out, n))
	}
	for _, n := range []string{"memory.limit_in_bytes", "memory.usage_in_bytes", "memory.max_usage_in_bytes",
		"memory.stat", "memory.max", "memory.current", "memory.peak", "memory.events"} {
		copyFile(filepath.Join(memcg, n), filepath.Join(out, n))
	}
	for _, n := range []string{"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.max"} {
		copyFile(filepath.Join(cpucg, n), filepath.Join(out, n))
	}
	fmt.Printf("version=%s gomaxprocs=%d numcpu=%d held_mib=%d\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), len(keep))
}
