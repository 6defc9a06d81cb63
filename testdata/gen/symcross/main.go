package main

import "fmt"

func sq(x int) int { return x * x }

//go:noinline
func sum(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += sq(i)
	}
	return s
}

func main() { fmt.Println(sum(10)) }
