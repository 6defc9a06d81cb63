// heapprog allocates through many distinct call paths and writes heap
// profiles at two points of its run. See testdata/gen/README.md.
package main

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
)

// ---- small functions that the compiler inlines ----

type point struct{ x, y, z int64 }

func newPoint(i int) *point { return &point{int64(i), int64(i * 2), int64(i * 3)} }

func smallBuf(n int) []byte { return make([]byte, n) }

func keyFor(i int) string { return "key-" + strconv.Itoa(i) }

// ---- retained memory ----

type record struct {
	id      int
	name    string
	payload []byte
	tags    []string
}

var (
	retainedRecords []*record
	retainedPoints  []*point
	registry        = map[string]*record{}
	blobs           [][]byte
	tree            *node
)

type node struct {
	kids [2]*node
	val  [6]int64
}

//go:noinline
func makeRecord(i int, rng *rand.Rand) *record {
	r := &record{id: i, name: keyFor(i)}
	r.payload = fillPayload(64 << uint(rng.Intn(3)))
	r.tags = makeTags(i)
	return r
}

//go:noinline
func fillPayload(n int) []byte {
	b := smallBuf(n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

//go:noinline
func makeTags(i int) []string {
	tags := make([]string, 0, 2)
	tags = append(tags, "t"+strconv.Itoa(i%7))
	tags = append(tags, "u"+strconv.Itoa(i%13))
	return tags
}

//go:noinline
func retainRecords(n int, rng *rand.Rand) {
	for i := 0; i < n; i++ {
		retainedRecords = append(retainedRecords, makeRecord(len(retainedRecords), rng))
	}
}

//go:noinline
func growRegistry(n int, rng *rand.Rand) {
	base := len(registry)
	for i := 0; i < n; i++ {
		registry[keyFor(base+i)] = &record{id: base + i}
	}
}

//go:noinline
func retainPoints(n int) {
	for i := 0; i < n; i++ {
		retainedPoints = append(retainedPoints, newPoint(i))
	}
}

//go:noinline
func buildTree(depth int) *node {
	if depth == 0 {
		return nil
	}
	n := &node{}
	for i := range n.kids {
		// one call site, so the recursion gives only depth-many stacks
		n.kids[i] = buildTree(depth - 1)
	}
	return n
}

//go:noinline
func retainBlob(size int) {
	blobs = append(blobs, allocBlob(size))
}

//go:noinline
func allocBlob(size int) []byte {
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

// ---- churn: allocates a lot and drops it ----

var sink int

//go:noinline
func churn(rounds int, rng *rand.Rand) {
	for r := 0; r < rounds; r++ {
		churnStrings(200)
		churnSlices(50, rng)
		churnMaps(20)
	}
}

//go:noinline
func churnStrings(n int) {
	parts := make([]string, 0)
	for i := 0; i < n; i++ {
		parts = append(parts, "item-"+strconv.Itoa(i%10))
	}
	sink += len(parts)
}

//go:noinline
func churnSlices(n int, rng *rand.Rand) {
	for i := 0; i < n; i++ {
		b := smallBuf(256 << uint(rng.Intn(4)))
		sink += len(b)
	}
}

//go:noinline
func churnMaps(n int) {
	m := make(map[int][]int)
	for i := 0; i < n; i++ {
		m[i] = make([]int, i+1)
	}
	sink += len(m)
}

//go:noinline
func encodeJSONish(recs []*record) int {
	total := 0
	for _, r := range recs {
		s := fmt.Sprintf("{\"id\":%d,\"name\":%q}", r.id, r.name)
		total += len(s)
	}
	return total
}

func writeProfile(name, path string, debugLevel int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, debugLevel); err != nil {
		panic(err)
	}
	f.Close()
}

//go:noinline
func phase1(rng *rand.Rand) {
	retainRecords(3000, rng)
	growRegistry(5000, rng)
	retainPoints(4000)
	tree = buildTree(10)
	retainBlob(256 << 10)
	churn(30, rng)
	sink += encodeJSONish(retainedRecords[:500])
}

//go:noinline
func phase2(rng *rand.Rand) {
	retainRecords(6000, rng)
	growRegistry(20000, rng)
	retainPoints(8000)
	retainBlob(1 << 20)
	churn(30, rng)
	sink += encodeJSONish(retainedRecords)
}

func main() {
	runtime.MemProfileRate = 512
	debug.SetGCPercent(100)
	out := "."
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	rng := rand.New(rand.NewSource(1))

	phase1(rng)
	runtime.GC()
	writeProfile("heap", out+"/heap.pb.gz", 0)
	writeProfile("allocs", out+"/allocs.pb.gz", 0)
	writeProfile("heap", out+"/heap.txt", 1)

	phase2(rng)
	runtime.GC()
	writeProfile("heap", out+"/heap2.pb.gz", 0)
	writeProfile("heap", out+"/heap2.txt", 1)

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("records=%d registry=%d points=%d blobs=%d HeapInuse=%d sink=%d\n",
		len(retainedRecords), len(registry), len(retainedPoints), len(blobs), ms.HeapInuse, sink)
}
