package adapter

// The Lambda half of the fault suite (issue 9): a Runtime or Extensions API that fails, SIGTERM and
// SHUTDOWN with an invocation in flight. RIE cannot be made to fail like this, so these run against
// hand-made APIs and the in-process FakeAPI.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// stubAPI is a Lambda API whose /runtime/invocation/next is whatever the test makes it.
type stubAPI struct {
	addr      string
	polls     atomic.Int32
	responses chan string // bodies posted to /response
}

func newStubAPI(t *testing.T, next http.HandlerFunc, eventNext http.HandlerFunc) *stubAPI {
	t.Helper()
	s := &stubAPI{responses: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Lambda-Extension-Identifier", "stub")
		_, _ = io.WriteString(w, `{}`)
	})
	if eventNext == nil {
		eventNext = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	}
	mux.HandleFunc("GET /2020-01-01/extension/event/next", eventNext)
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		s.polls.Add(1)
		next(w, r)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.responses <- string(b)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.addr = srv.Listener.Addr().String()
	return s
}

// serveInvocation answers /next with one API Gateway v2 GET /ok.
func serveInvocation(w http.ResponseWriter, id string) {
	w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
	w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(5*time.Second).UnixMilli(), 10))
	_, _ = w.Write(v2("GET", "/ok", "id="+id))
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
		c.Close()
	}
}

func TestFaultRuntimeAPIFailsWhilePolling(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	for _, tc := range []struct {
		name  string
		next  http.HandlerFunc
		loops int
		want  string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"errorType":"ServiceException"}`, http.StatusInternalServerError)
		}, 3, "status 500"},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) { dropConnection(w) }, 1, "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newStubAPI(t, tc.next, nil)
			start := time.Now()
			code, logs := startMain(t, context.Background(), api.addr, app.addr(), "AWS_LAMBDA_MAX_CONCURRENCY", strconv.Itoa(tc.loops))
			if c := waitExit(t, code, 20*time.Second, logs); c != 1 {
				t.Errorf("exit code %d, want 1", c)
			}
			took := time.Since(start)
			// Backoff: 12 attempts, 10 ms doubling up to 1 s, about 5 s in all; not a tight loop.
			if took < 4*time.Second {
				t.Errorf("gave up after %s: no backoff", took)
			}
			if n := int(api.polls.Load()); n < startupRetries*tc.loops || n > (startupRetries+1)*tc.loops {
				t.Errorf("%d polls from %d loops, want %d attempts each", n, tc.loops, startupRetries)
			}
			for _, want := range []string{"runtime API next failed; retrying", tc.want, "runtime API unusable; this loop stops",
				fmt.Sprintf("all %d runtime loops failed", tc.loops), "after 12 attempts"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("logs do not say %q:\n%s", want, logs)
				}
			}
			t.Logf("exit 1 after %s and %d polls", took.Round(time.Millisecond), api.polls.Load())
		})
	}
}

// One loop's failure leaves the others serving; the adapter exits only once every loop has stopped.
func TestFaultOneLoopFailsOthersServe(t *testing.T) {
	t.Parallel()
	app := newFaultApp(t, 0, 0)
	var (
		mu      sync.Mutex
		holding bool              // one /next is held open, as Lambda holds a poll until an event
		release = make(chan bool) // true: answer the held poll with an invocation; false: fail it
		broken  atomic.Bool
	)
	api := newStubAPI(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if holding || broken.Load() {
			mu.Unlock()
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		holding = true
		mu.Unlock()
		defer func() { mu.Lock(); holding = false; mu.Unlock() }()
		select {
		case ok := <-release:
			if ok {
				serveInvocation(w, "held-1")
				return
			}
			http.Error(w, "gone", http.StatusInternalServerError)
		case <-r.Context().Done():
		}
	}, nil)
	code, logs := startMain(t, context.Background(), api.addr, app.addr(), "AWS_LAMBDA_MAX_CONCURRENCY", "2")
	// The loop that cannot poll gives up after its retries...
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), "this loop stops") {
		if time.Now().After(deadline) {
			t.Fatalf("no loop gave up:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case c := <-code:
		t.Fatalf("the adapter exited (%d) with a loop still serving:\n%s", c, logs)
	default:
	}
	// ...while the other still serves.
	release <- true
	select {
	case body := <-api.responses:
		if !strings.Contains(body, `"statusCode":200`) || !strings.Contains(body, "ok GET") {
			t.Errorf("response %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the remaining loop did not serve:\n%s", logs)
	}
	// Then the API breaks for good: the last loop gives up too, and the adapter exits 1.
	broken.Store(true)
	go func() {
		select {
		case release <- false:
		case <-time.After(15 * time.Second):
		}
	}()
	if c := waitExit(t, code, 20*time.Second, logs); c != 1 {
		t.Errorf("exit code %d, want 1", c)
	}
	if !strings.Contains(logs.String(), "all 2 runtime loops failed") {
		t.Errorf("logs:\n%s", logs)
	}
}

// Connections to the Runtime API that drop while polling are retried; the invocation after is served.
func TestFaultRuntimeAPIRecovers(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	var calls atomic.Int32
	api := newStubAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch n := calls.Add(1); {
		case n <= 3:
			dropConnection(w)
		case n <= 6:
			http.Error(w, "throttled", http.StatusInternalServerError)
		case n == 7:
			serveInvocation(w, "after-drops")
		default:
			<-r.Context().Done()
		}
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	code, logs := startMain(t, ctx, api.addr, app.addr())
	select {
	case body := <-api.responses:
		if !strings.Contains(body, "ok GET") {
			t.Errorf("response %s", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("not served after the API recovered:\n%s", logs)
	}
	cancel()
	if c := waitExit(t, code, 5*time.Second, logs); c != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", c, logs)
	}
}

func TestFaultExtensionsAPIFails(t *testing.T) {
	t.Parallel()
	app := newFaultApp(t, 0, 0)
	api := newStubAPI(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "broken", http.StatusInternalServerError) })
	code, logs := startMain(t, context.Background(), api.addr, app.addr())
	if c := waitExit(t, code, 15*time.Second, logs); c != 1 {
		t.Errorf("exit code %d, want 1", c)
	}
	if !strings.Contains(logs.String(), "extensions API unusable after 12 attempts") || !strings.Contains(logs.String(), "status 500") {
		t.Errorf("logs:\n%s", logs)
	}
}

// SIGTERM (Main's context) or SHUTDOWN with an invocation in flight: it completes, then exit 0.
func TestFaultShutdownDuringInvoke(t *testing.T) {
	for _, how := range []string{"SIGTERM", "SHUTDOWN"} {
		t.Run(how, func(t *testing.T) {
			started := make(chan struct{}, 1)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					started <- struct{}{}
					time.Sleep(500 * time.Millisecond)
					_, _ = io.WriteString(w, "finished")
				}
			}))
			defer app.Close()
			api := testenv.NewFakeAPI(t)
			ctx, sigterm := context.WithCancel(context.Background())
			defer sigterm()
			code, logs := startMain(t, ctx, api.Addr, app.Listener.Addr().String())
			result := make(chan *testenv.Outcome, 1)
			go func() { result <- invoke(t, api, v2("GET", "/slow", "")) }()
			<-started
			stopAt := time.Now()
			if how == "SIGTERM" {
				sigterm()
			} else {
				api.Shutdown(time.Now().Add(2 * time.Second))
			}
			o := <-result
			if o.Error || !strings.Contains(string(o.Body), "finished") {
				t.Errorf("in-flight invocation: %s", o)
			}
			c := waitExit(t, code, 3*time.Second, logs)
			took := time.Since(stopAt)
			if c != 0 {
				t.Errorf("exit code %d, want 0:\n%s", c, logs)
			}
			if took < 400*time.Millisecond || took > 1800*time.Millisecond {
				t.Errorf("exited %s after %s: want after the invocation (~500 ms) and within the budget", took, how)
			}
			t.Logf("%s: invocation completed, exit 0 after %s", how, took.Round(time.Millisecond))
		})
	}
}

// An invocation longer than the shutdown budget does not hold the exit past it.
func TestFaultShutdownBudgetSpent(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api := testenv.NewFakeAPI(t)
	ctx, sigterm := context.WithCancel(context.Background())
	defer sigterm()
	code, logs := startMain(t, ctx, api.Addr, app.addr())
	go func() {
		ictx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
		defer cancel()
		_, _ = api.Invoke(ictx, v2("GET", "/hang", ""), 5*time.Second, nil)
	}()
	eventually(t, 5*time.Second, func() bool { return app.hanging.Load() == 1 }, "the invocation never reached the app")
	start := time.Now()
	sigterm()
	if c := waitExit(t, code, 4*time.Second, logs); c != 0 {
		t.Errorf("exit code %d", c)
	}
	if took := time.Since(start); took < defaultShutdownBudget-50*time.Millisecond || took > defaultShutdownBudget+time.Second {
		t.Errorf("exited %s after SIGTERM, want the %s budget", took, defaultShutdownBudget)
	}
	if !strings.Contains(logs.String(), "shutdown budget spent with invocations still in flight") {
		t.Errorf("logs:\n%s", logs)
	}
}
