// perfprog: CPU-bound Go work for `perf record -g`: three functions with
// known shares of the work (hash 3, sortwork 2, parse 1), on two goroutines.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

var sink int

//go:noinline
func hash(buf []byte) {
	for i := 0; i < 3; i++ {
		s := sha256.Sum256(buf)
		sink += int(s[0])
	}
}

//go:noinline
func sortwork(n int) {
	for i := 0; i < 2; i++ {
		v := make([]int, n)
		for j := range v {
			v[j] = (j * 7919) % n
		}
		sort.Ints(v)
		sink += v[0]
	}
}

//go:noinline
func parse(n int) {
	for i := 0; i < n; i++ {
		x, _ := strconv.Atoi(strconv.Itoa(i))
		sink += x
	}
}

func worker(deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, 64<<10)
	for time.Now().Before(deadline) {
		hash(buf)
		sortwork(20000)
		parse(20000)
	}
}

func main() {
	d := 2 * time.Second
	if len(os.Args) > 1 {
		v, err := time.ParseDuration(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		d = v
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	wg.Add(2)
	go worker(deadline, &wg)
	go worker(deadline, &wg)
	wg.Wait()
	fmt.Println(sink)
}
