// bigprofile writes a large synthetic Go-style heap profile (profile.proto,
// gzipped) for benchmarks. Standard library only; the protobuf wire format is
// encoded by hand. Deterministic: same flags, same bytes.
//
//	bigprofile [-samples N] [-funcs N] [-seed N] [-shape tree|random] [-sampleseed N] [-used] [-gzip=true] OUT
//
// -shape tree (the default) walks the call graph, so stacks share prefixes as
// in a real service; -shape random draws every frame of every stack at random
// (no shared structure: the worst case for stack hashing and compression).
// -sampleseed N keeps the program (functions, locations, addresses: one
// binary) of -seed and draws other samples: a fleet of pods of one service.
// -used writes only the locations and functions the samples use, numbered in
// order of first use, as runtime/pprof writes a profile (without it, every
// profile carries the whole program's tables: 10,625 locations and 3,000
// functions, twice what 2,000 samples use).
// -pool N draws a population of N (stack, allocation size) pairs from the
// program (-seed's sequence: every pod of one binary has the same), and each
// sample picks one by a Zipf law (-zipf S: pair k is drawn with weight
// 1/(1+k)^S), as a fleet's pods of one service share their hot stacks; a
// -unique fraction of the samples walk a stack of their own instead. Each
// pool pair's size is its numeric "bytes" label, as in a Go heap profile,
// so equal stacks of two pods carry equal labels and merge.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
)

// ---- protobuf wire format ----

type pbuf struct{ b []byte }

func (p *pbuf) varint(v uint64) {
	for v >= 0x80 {
		p.b = append(p.b, byte(v)|0x80)
		v >>= 7
	}
	p.b = append(p.b, byte(v))
}

func (p *pbuf) key(field, wire int) { p.varint(uint64(field)<<3 | uint64(wire)) }

func (p *pbuf) uint(field int, v uint64) {
	if v == 0 {
		return
	}
	p.key(field, 0)
	p.varint(v)
}

func (p *pbuf) int(field int, v int64) { p.uint(field, uint64(v)) }

func (p *pbuf) bool(field int, v bool) {
	if v {
		p.uint(field, 1)
	}
}

func (p *pbuf) bytes(field int, b []byte) {
	p.key(field, 2)
	p.varint(uint64(len(b)))
	p.b = append(p.b, b...)
}

func (p *pbuf) str(field int, s string) {
	p.key(field, 2)
	p.varint(uint64(len(s)))
	p.b = append(p.b, s...)
}

// packed writes a packed repeated varint field.
func (p *pbuf) packedU(field int, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	var tmp pbuf
	for _, v := range vs {
		tmp.varint(v)
	}
	p.bytes(field, tmp.b)
}

func (p *pbuf) packedI(field int, vs []int64) {
	if len(vs) == 0 {
		return
	}
	var tmp pbuf
	for _, v := range vs {
		tmp.varint(uint64(v))
	}
	p.bytes(field, tmp.b)
}

// message encodes a sub-message built by fn as field.
func (p *pbuf) message(field int, fn func(m *pbuf)) {
	var m pbuf
	fn(&m)
	p.bytes(field, m.b)
}

// ---- profile.proto field numbers ----

const (
	profSampleType    = 1
	profSample        = 2
	profMapping       = 3
	profLocation      = 4
	profFunction      = 5
	profStringTable   = 6
	profTimeNanos     = 9
	profDurationNanos = 10
	profPeriodType    = 11
	profPeriod        = 12
	profComment       = 13

	vtType = 1
	vtUnit = 2

	sampleLocationID = 1
	sampleValue      = 2
	sampleLabel      = 3

	labelKey     = 1
	labelStr     = 2
	labelNum     = 3
	labelNumUnit = 4

	mapID          = 1
	mapStart       = 2
	mapLimit       = 3
	mapOffset      = 4
	mapFilename    = 5
	mapBuildID     = 6
	mapHasFuncs    = 7
	mapHasFiles    = 8
	mapHasLines    = 9
	mapHasInlFrame = 10

	locID        = 1
	locMappingID = 2
	locAddress   = 3
	locLine      = 4

	lineFunctionID = 1
	lineLine       = 2

	fnID         = 1
	fnName       = 2
	fnSystemName = 3
	fnFilename   = 4
	fnStartLine  = 5
)

// ---- string table ----

type strtab struct {
	idx  map[string]int64
	list []string
}

func (s *strtab) id(v string) int64 {
	if i, ok := s.idx[v]; ok {
		return i
	}
	i := int64(len(s.list))
	s.idx[v] = i
	s.list = append(s.list, v)
	return i
}

// ---- synthetic program ----

type function struct {
	id        uint64
	newID     uint64 // -used: its id in the output
	name      string
	file      string
	startLine int64
	level     int
	sites     []*location // call sites (and allocation sites) in this function
}

type location struct {
	id      uint64
	newID   uint64 // -used: its id in the output, 0 while unused
	addr    uint64
	fn      *function
	line    int64
	callees []*function // functions called from this site
	weights []int
}

var sizeClasses = []int64{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

const maxDepth = 40

func main() {
	nSamples := flag.Int("samples", 400000, "number of samples")
	nFuncs := flag.Int("funcs", 3000, "number of functions")
	seed := flag.Int64("seed", 1, "random seed")
	gz := flag.Bool("gzip", true, "gzip the output (as pprof writes it)")
	shape := flag.String("shape", "tree", "stack shape: tree or random")
	sampleSeed := flag.Int64("sampleseed", 0, "seed of the samples alone (0: continue -seed's sequence)")
	used := flag.Bool("used", false, "only the locations and functions the samples use, numbered in order of first use")
	poolN := flag.Int("pool", 0, "draw the samples from a shared population of N stacks (0: every sample walks its own)")
	zipfS := flag.Float64("zipf", 1.1, "-pool: the Zipf exponent of the stacks' popularity (> 1)")
	unique := flag.Float64("unique", 0.02, "-pool: the fraction of samples that walk a stack of their own")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bigprofile [flags] OUT")
		os.Exit(2)
	}
	rng := rand.New(rand.NewSource(*seed))

	pkgs := []string{"main", "net/http", "encoding/json", "database/sql", "github.com/acme/svc/api",
		"github.com/acme/svc/store", "github.com/acme/svc/cache", "github.com/acme/svc/auth",
		"github.com/acme/svc/queue", "github.com/acme/svc/render", "google.golang.org/grpc",
		"google.golang.org/protobuf/proto", "bufio", "strings", "bytes", "fmt", "sort", "sync",
		"compress/gzip", "crypto/tls"}
	types := []string{"Server", "Client", "Conn", "Decoder", "Encoder", "Store", "Cache", "Queue",
		"Handler", "Router", "Session", "Buffer", "Reader", "Writer", "Pool", "Tx", "Stmt", "Row"}
	verbs := []string{"Get", "Put", "Read", "Write", "Decode", "Encode", "Serve", "Handle",
		"Process", "Flush", "Scan", "Load", "Store", "Parse", "Render", "Dial", "Accept", "Grow",
		"append", "alloc", "build", "next", "fill", "init", "merge", "split", "walk", "visit"}

	// Functions with levels 0..maxDepth-1; level 0 and 1 are the roots.
	funcs := make([]*function, *nFuncs)
	byLevel := make([][]*function, maxDepth)
	seen := map[string]bool{}
	for i := range funcs {
		f := &function{id: uint64(i + 1)}
		switch i {
		case 0:
			f.name, f.file, f.level = "runtime.goexit", "runtime/asm_amd64.s", 0
		case 1:
			f.name, f.file, f.level = "runtime.main", "runtime/proc.go", 1
		case 2:
			f.name, f.file, f.level = "main.main", "main.go", 2
		default:
			for {
				pkg := pkgs[rng.Intn(len(pkgs))]
				short := pkg[lastSlash(pkg)+1:]
				var n string
				if rng.Intn(3) > 0 {
					n = fmt.Sprintf("%s.(*%s).%s%d", pkg, types[rng.Intn(len(types))], verbs[rng.Intn(len(verbs))], rng.Intn(50))
				} else {
					n = fmt.Sprintf("%s.%s%s%d", pkg, verbs[rng.Intn(len(verbs))], types[rng.Intn(len(types))], rng.Intn(50))
				}
				if rng.Intn(10) == 0 {
					n += ".func" + fmt.Sprint(1+rng.Intn(3))
				}
				if !seen[n] {
					seen[n] = true
					f.name = n
					f.file = fmt.Sprintf("%s/%s%d.go", pkg, short, rng.Intn(6))
					break
				}
			}
			f.level = 3 + rng.Intn(maxDepth-3)
		}
		f.startLine = int64(10 + rng.Intn(2000))
		funcs[i] = f
		byLevel[f.level] = append(byLevel[f.level], f)
	}

	// Call sites: 1-6 per function, each with an address and a line.
	var locs []*location
	addr := uint64(0x401000)
	for _, f := range funcs {
		n := 1 + rng.Intn(6)
		line := f.startLine
		for j := 0; j < n; j++ {
			line += int64(1 + rng.Intn(30))
			addr += uint64(4 + rng.Intn(60))
			l := &location{id: uint64(len(locs) + 1), addr: addr, fn: f, line: line}
			locs = append(locs, l)
			f.sites = append(f.sites, l)
		}
		addr += 0x40
	}
	// Callees: each site calls 1-4 functions of a deeper level (shared prefixes).
	for _, l := range locs {
		if l.fn.level == maxDepth-1 {
			continue
		}
		n := 1 + rng.Intn(4)
		for j := 0; j < n; j++ {
			lv := l.fn.level + 1 + rng.Intn(3)
			if lv >= maxDepth {
				lv = maxDepth - 1
			}
			for len(byLevel[lv]) == 0 {
				lv--
			}
			cands := byLevel[lv]
			l.callees = append(l.callees, cands[rng.Intn(len(cands))])
			l.weights = append(l.weights, 1+rng.Intn(8)*rng.Intn(8))
		}
	}
	limit := addr + 0x1000
	if *shape != "tree" && *shape != "random" {
		fmt.Fprintln(os.Stderr, "bigprofile: -shape is tree or random")
		os.Exit(2)
	}

	st := &strtab{idx: map[string]int64{}}
	st.id("")
	var p pbuf
	for _, vt := range [][2]string{{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}} {
		p.message(profSampleType, func(m *pbuf) {
			m.int(vtType, st.id(vt[0]))
			m.int(vtUnit, st.id(vt[1]))
		})
	}

	// Samples: a random walk down the call graph to a target depth 10..40
	// (skewed towards shallow stacks), leaf first as in profile.proto.
	const rate = 512 * 1024
	bytesKey := st.id("bytes")
	stack, scratch := []*location(nil), make([]*location, 0, maxDepth)
	// walk draws one stack (root first) into stack with rng.
	walk := func(rng *rand.Rand, stack []*location) []*location {
		target := 10 + int(rng.ExpFloat64()*4)
		if target > maxDepth {
			target = maxDepth
		}
		stack = stack[:0]
		f := funcs[0]
		for *shape == "random" && len(stack) < target+10 {
			stack = append(stack, locs[rng.Intn(len(locs))])
		}
		for *shape == "tree" {
			l := f.sites[rng.Intn(len(f.sites))]
			stack = append(stack, l)
			if len(stack) >= target || len(l.callees) == 0 {
				break
			}
			tot := 0
			for _, w := range l.weights {
				tot += w
			}
			r := rng.Intn(tot)
			k := 0
			for r >= l.weights[k] {
				r -= l.weights[k]
				k++
			}
			f = l.callees[k]
		}
		return stack
	}
	// sizeOf draws an allocation size class.
	sizeOf := func(rng *rand.Rand) int64 { return sizeClasses[int(rng.ExpFloat64()*8)%len(sizeClasses)] }
	// -pool: the shared population, drawn from the program's sequence
	var pool [][]*location
	var poolSize []int64
	for k := 0; k < *poolN; k++ {
		pool = append(pool, walk(rng, nil))
		poolSize = append(poolSize, sizeOf(rng))
	}
	if *sampleSeed != 0 {
		rng = rand.New(rand.NewSource(*sampleSeed))
	}
	var zipf *rand.Zipf
	if *poolN > 0 {
		if zipf = rand.NewZipf(rng, *zipfS, 1, uint64(*poolN-1)); zipf == nil {
			fmt.Fprintln(os.Stderr, "bigprofile: -zipf must be > 1")
			os.Exit(2)
		}
	}
	ids := make([]uint64, 0, maxDepth)
	var usedLocs []*location   // -used: in order of first use
	taken := map[uint64]bool{} // -pool: the pairs this profile holds
	for s := 0; s < *nSamples; s++ {
		var size int64
		if *poolN > 0 && rng.Float64() >= *unique {
			// a pod's profile holds each (stack, size) once, as the
			// runtime sums them: redraw one already taken
			k := zipf.Uint64()
			for taken[k] && len(taken) < *poolN {
				k = zipf.Uint64()
			}
			taken[k] = true
			stack, size = pool[k], poolSize[k]
		} else {
			scratch = walk(rng, scratch)
			stack, size = scratch, sizeOf(rng)
		}
		ids = ids[:0]
		for i := len(stack) - 1; i >= 0; i-- {
			l := stack[i]
			if !*used {
				ids = append(ids, l.id)
				continue
			}
			if l.newID == 0 {
				usedLocs = append(usedLocs, l)
				l.newID = uint64(len(usedLocs))
			}
			ids = append(ids, l.newID)
		}
		objs := int64(1 + rng.Intn(1+int(rate/size)/64))
		inuse := int64(0)
		if rng.Intn(3) == 0 {
			inuse = 1 + rng.Int63n(objs)
		}
		p.message(profSample, func(m *pbuf) {
			m.packedU(sampleLocationID, ids)
			m.packedI(sampleValue, []int64{objs, objs * size, inuse, inuse * size})
			m.message(sampleLabel, func(lb *pbuf) {
				lb.int(labelKey, bytesKey)
				lb.int(labelNum, size)
			})
		})
	}

	p.message(profMapping, func(m *pbuf) {
		m.uint(mapID, 1)
		m.uint(mapStart, 0x400000)
		m.uint(mapLimit, limit)
		m.uint(mapOffset, 0)
		m.int(mapFilename, st.id("/usr/local/bin/bigservice"))
		m.int(mapBuildID, st.id("d7a5c0c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7"))
		m.bool(mapHasFuncs, true)
		m.bool(mapHasFiles, true)
		m.bool(mapHasLines, true)
	})
	outLocs, outFuncs := locs, funcs
	if *used {
		outLocs, outFuncs = usedLocs, nil
		for _, l := range usedLocs {
			if l.fn.newID == 0 {
				outFuncs = append(outFuncs, l.fn)
				l.fn.newID = uint64(len(outFuncs))
			}
			l.id, l.fn.id = l.newID, l.fn.newID
		}
	}
	for _, l := range outLocs {
		p.message(profLocation, func(m *pbuf) {
			m.uint(locID, l.id)
			m.uint(locMappingID, 1)
			m.uint(locAddress, l.addr)
			m.message(locLine, func(ln *pbuf) {
				ln.uint(lineFunctionID, l.fn.id)
				ln.int(lineLine, l.line)
			})
		})
	}
	for _, f := range outFuncs {
		p.message(profFunction, func(m *pbuf) {
			m.uint(fnID, f.id)
			m.int(fnName, st.id(f.name))
			m.int(fnSystemName, st.id(f.name))
			m.int(fnFilename, st.id(f.file))
			m.int(fnStartLine, f.startLine)
		})
	}
	p.int(profTimeNanos, 1700000000*1e9)
	p.message(profPeriodType, func(m *pbuf) {
		m.int(vtType, st.id("space"))
		m.int(vtUnit, st.id("bytes"))
	})
	p.int(profPeriod, rate)
	comment := fmt.Sprintf("synthetic heap profile: %d samples, %d functions, seed %d", *nSamples, *nFuncs, *seed)
	if *poolN > 0 {
		// one comment for the whole fleet: pods of one service differ
		// in their samples only, and pprof prints a comment once
		comment += fmt.Sprintf(", shape %s, a pod's sample", *shape)
	} else if *shape != "tree" || *sampleSeed != 0 {
		comment += fmt.Sprintf(", shape %s, sample seed %d", *shape, *sampleSeed)
	}
	if *used {
		comment += ", used tables"
	}
	if *poolN > 0 {
		comment += fmt.Sprintf(", pool %d zipf %g unique %g", *poolN, *zipfS, *unique)
	}
	p.int(profComment, st.id(comment))
	for _, s := range st.list {
		p.str(profStringTable, s)
	}
	_ = profDurationNanos

	out, err := os.Create(flag.Arg(0))
	if err != nil {
		fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	var w io.Writer = bw
	var zw *gzip.Writer
	if *gz {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if _, err := w.Write(p.b); err != nil {
		fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		fatal(err)
	}
	if err := out.Close(); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "bigprofile: %d samples, %d functions, %d locations, %d bytes of protobuf\n",
		*nSamples, len(outFuncs), len(outLocs), len(p.b))
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bigprofile:", err)
	os.Exit(1)
}
