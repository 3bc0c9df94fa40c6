//go:build bench

package suite

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// adapterProc is lambda-adapter running as a child process, as Lambda runs it.
type adapterProc struct {
	cmd  *exec.Cmd
	logs *testenv.SyncBuffer
	done chan struct{}
}

// startAdapter runs the adapter with env (plus PATH) and stops it (SIGTERM, then SIGKILL) when the
// test ends. LWA_BENCH_ADAPTER_ENV adds space-separated KEY=VALUE pairs, for experiments
// (GODEBUG=gctrace=1, GOGC=...); the adapter's output is logged when it is set.
func startAdapter(t *testing.T, env ...string) *adapterProc {
	t.Helper()
	return startBinary(t, bins.adapter, env...)
}

// startBinary is startAdapter for another binary: a baseline adapter, or the native handler.
func startBinary(t *testing.T, bin string, env ...string) *adapterProc {
	t.Helper()
	cmd := exec.Command(bin)
	extra := strings.Fields(os.Getenv("LWA_BENCH_ADAPTER_ENV"))
	cmd.Env = append(append([]string{"PATH=/usr/bin:/bin"}, env...), extra...)
	logs := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &adapterProc{cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() || len(extra) > 0 {
			t.Logf("lambda-adapter output:\n%s", logs.String())
		}
	})
	return p
}

func (p *adapterProc) pid() int { return p.cmd.Process.Pid }

func (p *adapterProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has ended.
func (p *adapterProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// watchAPI is a Runtime and Extensions API that serves no invocation: it notes when the extension
// registered and when the first /runtime/invocation/next arrived, which is all the readiness
// measure needs. (testenv.FakeAPI counts polls but does not time them.)
//
// Given the client's PID (SetPID), it also notes the client's CPU time (every thread, from
// /proc/PID/task/*/schedstat) as it registers and as it first asks for /next, before answering.
type watchAPI struct {
	Addr       string
	registered chan struct{}
	firstNext  chan time.Time
	regOnce    sync.Once
	nextSeen   atomic.Bool
	pid        atomic.Int64
	regCPU     chan time.Duration // the client's CPU when it registered
	nextCPU    chan time.Duration // the client's CPU at its first /next
}

// SetPID names the process whose CPU the API notes.
func (w *watchAPI) SetPID(pid int) { w.pid.Store(int64(pid)) }

// clientCPU is the client's CPU so far; it waits briefly for SetPID (the client may call before
// its starter has stored the PID).
func (w *watchAPI) clientCPU() time.Duration {
	for end := time.Now().Add(time.Second); w.pid.Load() == 0 && time.Now().Before(end); {
		time.Sleep(50 * time.Microsecond)
	}
	if w.pid.Load() == 0 {
		return -1
	}
	c, err := taskCPU(int(w.pid.Load()))
	if err != nil {
		return -1
	}
	return c
}

func newWatchAPI(t *testing.T) *watchAPI {
	t.Helper()
	w := &watchAPI{registered: make(chan struct{}), firstNext: make(chan time.Time, 1),
		regCPU: make(chan time.Duration, 1), nextCPU: make(chan time.Duration, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case w.regCPU <- w.clientCPU():
		default:
		}
		rw.Header().Set("Lambda-Extension-Identifier", "bench-ext")
		_, _ = io.WriteString(rw, `{"functionName":"bench","functionVersion":"$LATEST","handler":"x"}`)
		w.regOnce.Do(func() { close(w.registered) })
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(rw http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(rw http.ResponseWriter, r *http.Request) {
		now := time.Now()
		if w.nextSeen.CompareAndSwap(false, true) {
			w.nextCPU <- w.clientCPU()
			w.firstNext <- now
		}
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	w.Addr = strings.TrimPrefix(srv.URL, "http://")
	return w
}
