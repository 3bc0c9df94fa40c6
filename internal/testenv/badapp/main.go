// Command badapp is a misbehaving web app for the adapter's fault tests: routes that crash mid-request,
// close the connection mid-body, hang, send huge bodies or exit, a keep-alive idle timeout that closes
// pooled connections, and a health check that fails until a file exists. go-httpbin cannot misbehave
// enough for these faults.
//
// With -supervise it runs itself as a child and restarts the child whenever it exits, as a process
// manager would, so a crash does not end the Lambda runtime process and the adapter outlives it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Printf("badapp: %v", err)
		os.Exit(1)
	}
}

type options struct {
	addr         string
	idle         time.Duration
	dropStale    time.Duration
	healthFile   string
	supervise    bool
	restartDelay time.Duration
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("badapp", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.DurationVar(&o.idle, "idle", time.Second, "keep-alive idle timeout: idle connections are closed after it (0: never)")
	fs.DurationVar(&o.dropStale, "drop-stale", 0, "close a kept-alive connection when a request arrives on it after this much idleness, "+
		"without answering: the race of an idle timer firing as the request arrives (after a freeze)")
	fs.StringVar(&o.healthFile, "health-file", "", "GET /health answers 503 until this file exists")
	fs.BoolVar(&o.supervise, "supervise", false, "run the app as a child process and restart it when it exits")
	fs.DurationVar(&o.restartDelay, "restart-delay", 100*time.Millisecond, "with -supervise: pause before a restart")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.supervise {
		return supervise(o.restartDelay)
	}
	return serve(o)
}

// supervise restarts this program without -supervise until SIGTERM.
func supervise(delay time.Duration) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	var args []string
	for _, a := range os.Args[1:] {
		if a != "-supervise" && a != "--supervise" {
			args = append(args, a)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	for start := 1; ; start++ {
		cmd := exec.Command(self, args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), "BADAPP_START="+strconv.Itoa(start))
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start app: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case s := <-sig:
			_ = cmd.Process.Signal(s)
			<-exited
			return nil
		case err := <-exited:
			log.Printf("badapp: supervisor: app exited (%v); restarting in %s", err, delay)
		}
		time.Sleep(delay)
	}
}

// app is the server's state.
type app struct {
	o       options
	runs    sync.Map // echo id → *atomic.Int32: how many times a handler ran for it
	hanging atomic.Int32
	idleAt  sync.Map // net.Conn → time.Time it went idle
	dropped sync.Map // net.Conn → struct{}: closed by -drop-stale, its request must not be handled
}

type connKey struct{}

func serve(o options) error {
	a := &app{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", a.health)
	mux.HandleFunc("/echo/", a.echo)
	mux.HandleFunc("/crash", a.crash)
	mux.HandleFunc("/crash-mid-body", a.crashMidBody)
	mux.HandleFunc("/close-mid-body", a.closeMidBody)
	mux.HandleFunc("/close-no-answer", a.closeNoAnswer)
	mux.HandleFunc("/hang", a.hang)
	mux.HandleFunc("/hang-body", a.hangBody)
	mux.HandleFunc("/hanging", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, a.hanging.Load()) })
	mux.HandleFunc("/big", a.big)
	mux.HandleFunc("/exit", a.exit)
	srv := &http.Server{
		Handler:     a.unlessDropped(mux),
		IdleTimeout: o.idle, // 0: connections stay open while idle
		ConnState:   a.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Printf("badapp: listening on %s (start %s, pid %d)", o.addr, os.Getenv("BADAPP_START"), os.Getpid())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// connState implements -drop-stale: a connection that turns active after being idle too long is
// closed before its request is handled, as if the idle timer had fired just then.
func (a *app) connState(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateIdle:
		a.idleAt.Store(c, time.Now())
	case http.StateActive:
		v, ok := a.idleAt.LoadAndDelete(c)
		if ok && a.o.dropStale > 0 && time.Since(v.(time.Time)) >= a.o.dropStale {
			log.Printf("badapp: dropping a connection idle for %s as its request arrives", time.Since(v.(time.Time)).Round(time.Millisecond))
			a.dropped.Store(c, struct{}{})
			_ = c.Close()
		}
	case http.StateClosed, http.StateHijacked:
		a.idleAt.Delete(c)
	}
}

// unlessDropped skips the handler of a request whose connection -drop-stale closed: net/http has
// already read it and would otherwise run it.
func (a *app) unlessDropped(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		if _, gone := a.dropped.LoadAndDelete(c); gone {
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (a *app) health(w http.ResponseWriter, _ *http.Request) {
	if a.o.healthFile != "" {
		if _, err := os.Stat(a.o.healthFile); err != nil {
			http.Error(w, "not healthy yet", http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

// echoed is what /echo/ answers: the request as the app saw it, and how often this id was served.
type echoed struct {
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	RawPath  string              `json:"rawPath"`
	RawQuery string              `json:"rawQuery"`
	Query    map[string][]string `json:"query"`
	Header   map[string][]string `json:"header"`
	Body     string              `json:"body"`
	Runs     int32               `json:"runs"`
	Start    string              `json:"start"`
}

func (a *app) echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	n, _ := a.runs.LoadOrStore(r.URL.Path, new(atomic.Int32))
	e := echoed{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Query: r.URL.Query(), Header: r.Header, Body: string(body), Runs: n.(*atomic.Int32).Add(1),
		Start: os.Getenv("BADAPP_START")}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(e)
}

// crash reads the request and dies without answering.
func (a *app) crash(_ http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	log.Printf("badapp: crashing mid-request")
	os.Exit(3)
}

// crashMidBody sends a status, headers and part of the body, then dies.
func (a *app) crashMidBody(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "100000")
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "the first part of a body that never ends")
	w.(http.Flusher).Flush()
	time.Sleep(20 * time.Millisecond)
	log.Printf("badapp: crashing mid-body")
	os.Exit(3)
}

// closeMidBody promises 100000 bytes, sends a few and closes the connection; the process lives on.
func (a *app) closeMidBody(w http.ResponseWriter, _ *http.Request) {
	conn, buf := hijack(w)
	if conn == nil {
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\npartial body")
	_ = buf.Flush()
}

// closeNoAnswer closes the connection without a byte of answer; the process lives on.
func (a *app) closeNoAnswer(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if conn, _ := hijack(w); conn != nil {
		conn.Close()
	}
}

func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	h, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return nil, nil
	}
	conn, buf, err := h.Hijack()
	if err != nil {
		return nil, nil
	}
	return conn, buf
}

// hang never answers; /hanging tells how many such requests are still open.
func (a *app) hang(_ http.ResponseWriter, r *http.Request) {
	a.hanging.Add(1)
	defer a.hanging.Add(-1)
	<-r.Context().Done()
}

// hangBody answers a status and part of the body, then hangs.
func (a *app) hangBody(w http.ResponseWriter, r *http.Request) {
	a.hanging.Add(1)
	defer a.hanging.Add(-1)
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "started, then nothing")
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// big answers ?n= bytes of text; ?cl=0 leaves out Content-Length (chunked).
func (a *app) big(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 {
		http.Error(w, "n: want a byte count", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	if r.URL.Query().Get("cl") != "0" {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = 'a' + byte(i%26)
	}
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

// exit answers, then ends the process (a supervisor restarts it).
func (a *app) exit(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "bye")
	w.(http.Flusher).Flush()
	go func() {
		time.Sleep(10 * time.Millisecond)
		log.Printf("badapp: exiting on request")
		os.Exit(0)
	}()
}
