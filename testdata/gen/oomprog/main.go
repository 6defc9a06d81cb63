// oomprog fills a Go cache until its cgroup's memory limit makes the kernel's
// OOM killer end it. Every 4 MiB it takes a capture of itself into OUTDIR
// (heap profile, debug=1 heap text with MemStats, smaps_rollup, status), each
// file written whole and renamed into place, so what is left after the
// SIGKILL is the last complete capture before death. See
// testdata/gen/README.md and the "oom" section of regen.sh.
//
//	oomprog OUTDIR    (run inside a memory cgroup, GODEBUG=gctrace=1, stderr -> gctrace.txt)
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

type cache struct {
	entries map[int][]byte
}

// fill stores one 256 KiB entry with every page touched.
func (c *cache) fill(key int) {
	b := make([]byte, 256<<10)
	for i := range b {
		b[i] = byte(i + key)
	}
	c.entries[key] = b
}

func put(dir, name string, data []byte) {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		panic(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		panic(err)
	}
}

func self(dir, name string) {
	data, err := os.ReadFile("/proc/self/" + name)
	if err != nil {
		panic(err)
	}
	put(dir, name, data)
}

func capture(dir string) {
	var pb, txt bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&pb, 0); err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(&txt, 1); err != nil {
		panic(err)
	}
	put(dir, "heap.pb.gz", pb.Bytes())
	put(dir, "heap.txt", txt.Bytes())
	self(dir, "smaps_rollup")
	self(dir, "status")
}

func main() {
	dir := os.Args[1]
	c := &cache{entries: map[int][]byte{}}
	for k := 0; ; k++ {
		c.fill(k)
		if k%16 == 15 {
			capture(dir)
			fmt.Printf("captured with %d MiB held\n", (k+1)/4)
		}
	}
}
