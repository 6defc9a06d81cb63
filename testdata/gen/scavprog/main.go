// scavprog makes the Go runtime collect and return memory to the OS, for
// the GC and scavenger trace lines of GODEBUG=gctrace=1,scavtrace=1 (see
// testdata/gen/scavtrace.sh): it allocates 64 MiB in 1 MiB blocks (several
// GCs as the heap grows), drops them, and calls debug.FreeOSMemory (a
// forced GC and a forced scavenge). It prints the MiB it allocated.
package main

import (
	"fmt"
	"runtime/debug"
	"time"
)

var keep [][]byte

func main() {
	const blocks = 64
	for i := 0; i < blocks; i++ {
		keep = append(keep, make([]byte, 1<<20))
	}
	keep = nil
	debug.FreeOSMemory()
	time.Sleep(100 * time.Millisecond)
	fmt.Println(blocks, "MiB allocated and dropped")
}
