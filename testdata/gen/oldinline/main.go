// oldinline panics inside a chain of inlined calls. Built by Go 1.15 (the
// last release whose pclntab has the Go 1.2 layout), its GOTRACEBACK=system
// traceback names the inlined frames the runtime expanded from one pc: the
// reference for reading the older inline tables.
//
//	oldinline   (exits 2 with the traceback on stderr)
package main

import "os"

var table map[string]int

func leaf(k string) {
	table[k] = len(k) // nil map: panics here
}

func mid(k string) {
	leaf(k + "!")
}

//go:noinline
func outer(k string) int {
	mid(k)
	return len(k)
}

func main() {
	os.Exit(outer(os.Args[0]))
}
