// netleak: a client that never closes response bodies, against a loopback
// server that closes idle connections, with a known RLIMIT_NOFILE. It
// captures, twice, what an engineer captures from a process that runs out
// of connections: /proc/self/limits, `ls -l /proc/PID/fd`, /proc/self/net/
// {tcp,tcp6,udp,udp6,unix}, a goroutine dump (debug=2), and from outside
// the process `ss -tanpi`, `netstat -anp` and `lsof -p PID`.
//
// A second listener (raw socket, backlog 2) is never accepted from and gets
// 6 dials, so its accept queue is full.
//
//	go run . OUTDIR
//
// writes OUTDIR/before and OUTDIR/after. Loopback only.
//
//	go run . -transport OUTDIR
//
// is the other classic leak: a new http.Client with its own http.Transport
// for every request, bodies read and closed, against a server that never
// closes idle connections (no IdleTimeout). Each request's connection goes
// back to its own Transport's idle pool and is never used again nor closed:
// ESTABLISHED and idle, held by a readLoop goroutine waiting in netpoll.
// 25 requests, more than a minute idle, the first capture; 35 more, more
// than a minute, the second (so the dump shows "[IO wait, N minutes]");
// ss runs as `ss -tanpio` (timers too).
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

const (
	softLimit = 128
	hardLimit = 256
	before    = 30  // leaked responses at the first capture
	after     = 100 // and at the second

	transportBefore = 25 // -transport: requests before the first capture
	transportAfter  = 60 // and before the second
)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "netleak:", err)
		os.Exit(1)
	}
}

func copyFile(dst, src string) {
	b, err := os.ReadFile(src)
	check(err)
	check(os.WriteFile(dst, b, 0o644))
}

func run(dst string, name string, args ...string) {
	out, err := exec.Command(name, args...).Output()
	check(err)
	check(os.WriteFile(dst, out, 0o644))
}

// ssArgs: ss's options; -transport adds -o (timers)
var ssArgs = "-tanpi"

func capture(dir string) {
	check(os.MkdirAll(dir, 0o755))
	pid := strconv.Itoa(os.Getpid())
	copyFile(filepath.Join(dir, "limits"), "/proc/self/limits")
	for _, t := range []string{"tcp", "tcp6", "udp", "udp6", "unix"} {
		copyFile(filepath.Join(dir, "net-"+t), "/proc/self/net/"+t)
	}
	run(filepath.Join(dir, "fd.txt"), "ls", "-l", "/proc/"+pid+"/fd")
	f, err := os.Create(filepath.Join(dir, "goroutine.txt"))
	check(err)
	check(pprof.Lookup("goroutine").WriteTo(f, 2))
	check(f.Close())
	run(filepath.Join(dir, "ss.txt"), "ss", ssArgs)
	run(filepath.Join(dir, "netstat.txt"), "netstat", "-anp")
	run(filepath.Join(dir, "lsof.txt"), "lsof", "-n", "-P", "-p", pid)
}

// A listener nobody accepts from: the kernel queues up to backlog+1
// completed connections, then drops SYNs.
func fullListener() {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	check(err)
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	check(syscall.Bind(fd, sa))
	check(syscall.Listen(fd, 2))
	got, err := syscall.Getsockname(fd)
	check(err)
	port := got.(*syscall.SockaddrInet4).Port
	for i := 0; i < 6; i++ {
		go func() {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 30*time.Second)
			if err == nil {
				defer c.Close()
				time.Sleep(time.Hour)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
}

// A Transport per request against a server that keeps idle connections.
func transportPerRequest(out string) {
	ssArgs = "-tanpio"
	check(syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 1024, Max: 4096}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String() + "/"
	get := func(n int) {
		for i := 0; i < n; i++ {
			// the bug: a new Transport (and its idle pool) per request
			c := &http.Client{Transport: &http.Transport{}}
			resp, err := c.Get(url)
			check(err)
			_, err = io.Copy(io.Discard, resp.Body)
			check(err)
			check(resp.Body.Close())
		}
		// a goroutine's wait is timed by the collections that see it
		// blocked (from the previous one's time: the first capture shows
		// no minutes, the second "[IO wait, 2 minutes]"): collect now,
		// then idle a minute
		runtime.GC()
		time.Sleep(65 * time.Second)
	}
	get(transportBefore)
	capture(filepath.Join(out, "before"))
	get(transportAfter - transportBefore)
	capture(filepath.Join(out, "after"))
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-transport" {
		transportPerRequest(os.Args[2])
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: netleak [-transport] OUTDIR")
		os.Exit(2)
	}
	out := os.Args[1]
	check(syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: softLimit, Max: hardLimit}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello\n")
		}),
		IdleTimeout: 100 * time.Millisecond,
	}
	go srv.Serve(ln)
	fullListener()

	url := "http://" + ln.Addr().String() + "/"
	leak := func(n int) {
		for i := 0; i < n; i++ {
			resp, err := http.Get(url)
			check(err)
			_ = resp // the bug: resp.Body is never closed
			if i%10 == 9 {
				// let the server close its ends (its own fds count too)
				time.Sleep(200 * time.Millisecond)
			}
		}
		// the server closes the idle connections; the client's ends stay
		// in CLOSE_WAIT
		time.Sleep(500 * time.Millisecond)
	}
	leak(before)
	capture(filepath.Join(out, "before"))
	leak(after - before)
	capture(filepath.Join(out, "after"))
}
