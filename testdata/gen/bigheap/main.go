// bigheap builds a large heap for bench/heap.sh: N records (default
// 5,000,000) of 48 bytes, each holding a 160-byte buffer, on 16 linked lists
// hung from a global, so 2N objects (about 1 GiB for the default), then
// crashes (run with GOTRACEBACK=crash and core dumps enabled).
// usage: bigheap [N]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

type rec struct {
	next *rec
	buf  []byte
	id   int64
}

var lists [16]*rec

func main() {
	n := 5000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	for i := 0; i < n; i++ {
		l := i % len(lists)
		lists[l] = &rec{next: lists[l], buf: make([]byte, 160), id: int64(i)}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("heapalloc\t%d\nobjects\t%d\n", m.HeapAlloc, m.HeapObjects)
	panic("bigheap: crash for the core")
}
