// typemix writes a real heap profile (runtime/pprof) and two rewrites of
// it with fewer sample types, as collectors that keep part of a heap
// profile's values store them: inuse.pb.gz keeps the in-use values only,
// in the other order (inuse_space, inuse_objects); counts.pb.gz keeps the
// object counts only (inuse_objects, alloc_objects) and no default type.
// go tool pprof merges such profiles on the sample types they share.
// Used by testdata/gen/pproffetch.sh.
//
//	typemix OUTDIR
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

var keep [][]byte

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 96))
	}
}

//go:noinline
func allocLarge(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 128<<10))
	}
}

//go:noinline
func churn(n int) {
	for i := 0; i < n; i++ {
		_ = make([]byte, 4096)
	}
}

// only: the profile with the sample types named, in that order
func only(p *profile.Profile, def string, types ...string) *profile.Profile {
	q := p.Copy()
	idx := make([]int, len(types))
	q.SampleType = nil
	for i, t := range types {
		idx[i] = -1
		for j, st := range p.SampleType {
			if st.Type == t {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			panic("no sample type " + t)
		}
		q.SampleType = append(q.SampleType, &profile.ValueType{Type: t, Unit: p.SampleType[idx[i]].Unit})
	}
	for _, s := range q.Sample {
		v := make([]int64, len(types))
		for i, j := range idx {
			v[i] = s.Value[j]
		}
		s.Value = v
	}
	q.DefaultSampleType = def
	return q
}

func write(p *profile.Profile, path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := p.Write(f); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	out := os.Args[1]
	runtime.MemProfileRate = 1
	allocSmall(3000)
	allocLarge(6)
	churn(2000)
	runtime.GC()
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 0); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(out, "heap.pb.gz"), b.Bytes(), 0o644); err != nil {
		panic(err)
	}
	p, err := profile.Parse(&b)
	if err != nil {
		panic(err)
	}
	write(only(p, "inuse_space", "inuse_space", "inuse_objects"), filepath.Join(out, "inuse.pb.gz"))
	write(only(p, "", "inuse_objects", "alloc_objects"), filepath.Join(out, "counts.pb.gz"))
}
