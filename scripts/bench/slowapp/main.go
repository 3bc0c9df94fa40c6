// Command slowapp is the app of the Lambda-sized start-up measurements (docs/performance.md): it
// burns LWA_BENCH_START_CPU (a Go duration) of its own CPU time, as a framework loading its code
// would, then listens on 127.0.0.1:$AWS_LWA_PORT and answers every request with 200 "ok".
//
// It appends what it saw to the file named by LWA_BENCH_REPORT, one "event unix-nanoseconds" line
// each: "main" when main starts, "listen" just before listen(2), "request" when the first request
// arrives (the adapter's readiness check). The bench reads the file to time the start-up from
// inside the app, where the CPU quota it runs under cannot blur the figures.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	start := time.Now()
	if err := run(start); err != nil {
		fmt.Fprintln(os.Stderr, "slowapp:", err)
		os.Exit(1)
	}
}

func run(start time.Time) error {
	report, err := os.OpenFile(os.Getenv("LWA_BENCH_REPORT"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("LWA_BENCH_REPORT: %w", err)
	}
	note := func(event string, at time.Time) {
		fmt.Fprintf(report, "%s %d\n", event, at.UnixNano())
	}
	need, err := time.ParseDuration(os.Getenv("LWA_BENCH_START_CPU"))
	if err != nil {
		return fmt.Errorf("LWA_BENCH_START_CPU: %w", err)
	}
	port, err := strconv.Atoi(os.Getenv("AWS_LWA_PORT"))
	if err != nil {
		return fmt.Errorf("AWS_LWA_PORT: %w", err)
	}
	note("main", start)
	if err := burn(need); err != nil {
		return err
	}
	note("listen", time.Now())
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	var first sync.Once
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { note("request", time.Now()) })
		_, _ = w.Write([]byte("ok"))
	}))
}

// burn spins until the process has used need of CPU time (user + system), checking every ~50 µs
// of work.
func burn(need time.Duration) error {
	x := uint64(1)
	for {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return fmt.Errorf("getrusage: %w", err)
		}
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= need {
			runtime.KeepAlive(x) // the work is the point: keep it
			return nil
		}
		for i := range 20000 {
			x = x*6364136223846793005 + uint64(i)
		}
	}
}
