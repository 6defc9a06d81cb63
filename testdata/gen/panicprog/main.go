// panicprog dies in one of several ways, each the shape of a crash that
// coroner's report explains: usage `panicprog MODE [DIR]`.
//
//	nilmap    assignment to a nil map (runtime.plainError)
//	index     slice index out of range (runtime.boundsError)
//	errorsnew panic(errors.New(...)) (*errors.errorString)
//	wrap      panic(fmt.Errorf("...: %w", err)) (*fmt.wrapError)
//	string    panic("...") (a string)
//	deadlock  every goroutine blocked: "all goroutines are asleep"
//	mapwrites two goroutines writing one map: "concurrent map writes"
//	overflow  unbounded recursion: "stack overflow"
//	exec      a nil *exec.Cmd run: the fault is inside os/exec
//	leak      leaks goroutines, writes goroutine dumps DIR/t0 and DIR/t1
//	          (debug=2 text and the debug=0 profile), then assigns to a nil map
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

var sink map[string]int
var errDisk = errors.New("the disk is full")

func store(m map[string]int, k string) { m[k] = len(k) }

func lookup(s []int, i int) int { return s[i] }

func flush() error { return errDisk }

func loadConfig() {
	if err := flush(); err != nil {
		panic(fmt.Errorf("open config: %w", err))
	}
}

func worker(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	<-ch
}

func recurse(n int) int { return recurse(n+1) + 1 }

func writer(m map[int]int, base int) {
	for i := 0; ; i++ {
		m[i%1000+base] = i
	}
}

func waitForever(ch chan struct{}) { <-ch }

func dump(dir, name string) {
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	for _, v := range []struct {
		file  string
		debug int
	}{{"goroutine.txt", 2}, {"goroutine.pb.gz", 0}} {
		f, err := os.Create(filepath.Join(d, v.file))
		if err != nil {
			panic(err)
		}
		if err := pprof.Lookup("goroutine").WriteTo(f, v.debug); err != nil {
			panic(err)
		}
		f.Close()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: panicprog MODE [DIR]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "nilmap":
		store(sink, "key")
	case "index":
		fmt.Println(lookup([]int{1, 2, 3}, len(os.Args)+3))
	case "errorsnew":
		panic(flush())
	case "wrap":
		loadConfig()
	case "string":
		panic("state machine reached an impossible state")
	case "deadlock":
		var wg sync.WaitGroup
		ch := make(chan int)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go worker(ch, &wg)
		}
		wg.Wait()
	case "mapwrites":
		m := map[int]int{}
		go writer(m, 0)
		writer(m, 1000)
	case "overflow":
		fmt.Println(recurse(0))
	case "exec":
		var c *exec.Cmd
		fmt.Println(c.Run())
	case "leak":
		dir := os.Args[2]
		for round, n := range []int{5, 12} {
			for i := 0; i < n; i++ {
				go waitForever(make(chan struct{}))
			}
			time.Sleep(100 * time.Millisecond)
			dump(dir, fmt.Sprintf("t%d", round))
			time.Sleep(1100 * time.Millisecond) // distinct mtimes
		}
		store(sink, "key")
	}
}
