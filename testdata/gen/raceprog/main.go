// raceprog has two distinct data races, for the race-detector reports that
// coroner reads (built with -race; see testdata/gen/race.sh):
//
//	hits: worker goroutines increment a shared counter without a lock
//	      (goroutine against goroutine, hit once per round)
//	config: the main goroutine reads a setting that a loader goroutine
//	      writes (the main goroutine against a finished goroutine)
//
// Between rounds it logs a line to stderr, so the reports come interleaved
// with ordinary log output. usage: raceprog [ROUNDS [panic]]; with "panic"
// it then panics, as a -race test that also crashes does.
package main

import (
	"fmt"
	"log"
	"os"
	"strconv"
	"sync"
	"time"
)

type stats struct {
	hits int
}

type config struct {
	name string
	port int
}

func (s *stats) bump() { s.hits++ }

func worker(s *stats, wg *sync.WaitGroup) {
	defer wg.Done()
	s.bump()
}

// round starts two workers on a fresh counter: each round is one race on a
// new address with the same two stacks.
func round(i int) int {
	s := &stats{}
	var wg sync.WaitGroup
	for j := 0; j < 2; j++ {
		wg.Add(1)
		go worker(s, &wg)
	}
	wg.Wait()
	return s.hits
}

func load(c *config) {
	c.port = 8080
}

func main() {
	rounds := 3
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil {
			rounds = n
		}
	}
	log.SetFlags(0)
	for i := 0; i < rounds; i++ {
		log.Printf("round %d: %d hits", i, round(i))
	}
	c := &config{name: "svc"}
	go load(c)
	time.Sleep(200 * time.Millisecond) // no happens-before: the read races
	fmt.Fprintln(os.Stderr, "serving")
	fmt.Println(c.name, c.port)
	if len(os.Args) > 2 && os.Args[2] == "panic" {
		var ports map[string]int
		ports[c.name] = c.port // assignment to a nil map
	}
}
