// genericprog allocates through generic functions whose instantiations carry
// shape names with parenthesised groups (method signatures of an interface
// type argument, a func type argument), writes a heap profile, and prints
// nothing else. pprof's -top simplifies such names (it removes "(...)"
// groups from names that look like demangled C++: they contain [ ] < > or ::);
// testdata/generics records what it prints.
//
//	genericprog OUT.pb.gz
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

type Iter[T any] interface {
	At() T
	Err() error
}

type counter struct{ n uint64 }

func (c *counter) At() uint64 { c.n++; return c.n }
func (c *counter) Err() error { return nil }

var keep [][]uint64
var keepFns []func(int) error
var keepPairs []*pair[string, func(int) error]

type pair[K comparable, V any] struct {
	k K
	v V
}

//go:noinline
func Collect[T any, I Iter[T]](it I, n int) []T {
	out := make([]T, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, it.At())
	}
	return out
}

//go:noinline
func NewPair[K comparable, V any](k K, v V) *pair[K, V] {
	return &pair[K, V]{k: k, v: v}
}

//go:noinline
func (p *pair[K, V]) Clone() *pair[K, V] {
	q := *p
	return &q
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genericprog OUT.pb.gz")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	var it Iter[uint64] = &counter{}
	for i := 0; i < 200; i++ {
		keep = append(keep, Collect[uint64, Iter[uint64]](it, 64))
	}
	f := func(int) error { return nil }
	for i := 0; i < 300; i++ {
		p := NewPair(fmt.Sprint(i), f)
		keepPairs = append(keepPairs, p, p.Clone())
	}
	runtime.GC()
	out, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := out.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
