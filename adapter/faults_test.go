package adapter

// The app half of the fault suite (issue 9) against the in-process Runtime API: an app that fails
// mid-request, hangs, closes kept-alive connections (faults_input_test.go: bad input, too large).
// Each case checks the error the caller gets, that it was logged, and that the next invocation is
// served by the same adapter. faults_e2e_test.go runs the same faults through the real RIE.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// faultApp is an app whose handlers misbehave by path; every other path answers "ok <method>".
type faultApp struct {
	srv     *httptest.Server
	runs    sync.Map // path → *atomic.Int32: how many times a handler ran for it
	hanging atomic.Int32
}

// newFaultApp starts the app; idle > 0 is its keep-alive idle timeout. dropStale > 0 closes a kept-alive connection, without handling its
// request, when the request arrives after that much idleness: the race of an app's idle timer
// firing just as the adapter reuses the connection (the common case after a sandbox freeze).
func newFaultApp(t *testing.T, dropStale, idle time.Duration) *faultApp {
	t.Helper()
	fa := &faultApp{}
	var idleAt, dropped sync.Map
	type connKey struct{}
	fa.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, gone := dropped.LoadAndDelete(r.Context().Value(connKey{})); gone {
			return
		}
		fa.serve(w, r)
	}))
	fa.srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	fa.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateIdle:
			idleAt.Store(c, time.Now())
		case http.StateActive:
			if v, ok := idleAt.LoadAndDelete(c); ok && dropStale > 0 && time.Since(v.(time.Time)) >= dropStale {
				dropped.Store(c, true)
				_ = c.Close()
			}
		}
	}
	fa.srv.Config.IdleTimeout = idle
	fa.srv.Start()
	t.Cleanup(fa.srv.Close)
	return fa
}

func (fa *faultApp) addr() string { return fa.srv.Listener.Addr().String() }

// ran is how many times a handler ran for path.
func (fa *faultApp) ran(path string) int32 {
	v, ok := fa.runs.Load(path)
	if !ok {
		return 0
	}
	return v.(*atomic.Int32).Load()
}

func (fa *faultApp) serve(w http.ResponseWriter, r *http.Request) {
	n, _ := fa.runs.LoadOrStore(r.URL.Path, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
	body, _ := io.ReadAll(r.Body)
	route := r.URL.Path
	for _, prefix := range []string{"/echo", "/close-no-answer"} {
		if strings.HasPrefix(route, prefix) {
			route = prefix
		}
	}
	switch route {
	case "/close-no-answer":
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
	case "/close-mid-body":
		if c, buf, err := w.(http.Hijacker).Hijack(); err == nil {
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial body")
			_ = buf.Flush()
			c.Close()
		}
	case "/hang", "/hang-body":
		fa.hanging.Add(1)
		defer fa.hanging.Add(-1)
		if r.URL.Path == "/hang-body" {
			_, _ = io.WriteString(w, "started, then nothing")
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	case "/big":
		var n int
		var chunked bool
		_, _ = fmt.Sscanf(r.URL.RawQuery, "n=%d&chunked=%t", &n, &chunked)
		if !chunked {
			w.Header().Set("Content-Length", fmt.Sprint(n))
		}
		_, _ = w.Write(bytes.Repeat([]byte{'a'}, n))
	case "/binary":
		var n int
		_, _ = fmt.Sscanf(r.URL.RawQuery, "n=%d", &n)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(bytes.Repeat([]byte{0xff, 0x00}, n/2))
	case "/echo":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "rawPath": r.URL.EscapedPath(),
			"rawQuery": r.URL.RawQuery, "query": r.URL.Query(), "header": r.Header, "body": string(body)})
	default:
		fmt.Fprintf(w, "ok %s %s", r.Method, body)
	}
}

// faultAdapter runs an adapter in front of app with the in-process Runtime API; kv are extra
// variables.
func faultAdapter(t *testing.T, app string, kv ...string) (*testenv.FakeAPI, *logBuffer) {
	t.Helper()
	api := testenv.NewFakeAPI(t)
	logs := &logBuffer{}
	runAdapter(t, newTestAdapter(t, testConfig(t, app, api.Addr, kv...), logs))
	return api, logs
}

// wantFailure checks that o is an invocation error of errType whose message has every want, and that
// the log line names it too.
func wantFailure(t *testing.T, o *testenv.Outcome, logs *logBuffer, errType string, want ...string) lambdaapi.ErrorResponse {
	t.Helper()
	var e lambdaapi.ErrorResponse
	if !o.Error || json.Unmarshal(o.Body, &e) != nil {
		t.Fatalf("want an invocation error, got %s", o)
	}
	if e.Type != errType || o.Header.Get(lambdaapi.HeaderErrorType) != errType {
		t.Errorf("error type %q (header %q), want %s: %s", e.Type, o.Header.Get(lambdaapi.HeaderErrorType), errType, e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error message %q does not say %q", e.Message, w)
		}
	}
	if logs != nil && !strings.Contains(logs.String(), "type="+errType) {
		t.Errorf("failure not logged:\n%s", logs)
	}
	return e
}

// wantServed checks that an ordinary invocation after a fault is answered by the app.
func wantServed(t *testing.T, api *testenv.FakeAPI, method string) {
	t.Helper()
	o := invoke(t, api, v2(method, "/ok", "after=fault"))
	var r v2Result
	if o.Error || json.Unmarshal(o.Body, &r) != nil || r.StatusCode != 200 || r.Body != "ok "+method+" " {
		t.Fatalf("the invocation after the fault was not served: %s", o)
	}
}

func TestFaultAppClosesMidRequest(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, logs := faultAdapter(t, app.addr())
	for _, tc := range []struct {
		name, method, path, errType string
		want                        []string
		runs                        int32
	}{
		// The first request on a new connection: nothing to retry, whatever the method.
		{"no answer GET", "GET", "/close-no-answer", errTypeApp, []string{"GET /close-no-answer", "closed the connection without answering", "EOF"}, 1},
		{"no answer POST", "POST", "/close-no-answer", errTypeApp, []string{"POST /close-no-answer", "closed the connection without answering"}, 1},
		{"mid-body", "GET", "/close-mid-body", errTypeApp, []string{"closed the connection mid-body, after 12 of 100000 bytes", "unexpected EOF"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app.srv.CloseClientConnections() // the app restarted: no kept-alive connection survives
			before := app.ran(tc.path)
			o := invoke(t, api, testenv.V2(testenv.HTTPEvent{Method: tc.method, Path: tc.path, Body: []byte("payload")}))
			wantFailure(t, o, logs, tc.errType, tc.want...)
			if n := app.ran(tc.path) - before; n != tc.runs {
				t.Errorf("the app handled the request %d times, want %d", n, tc.runs)
			}
			wantServed(t, api, tc.method)
		})
	}
}

// The app reads a request on a kept-alive connection and closes it without answering: it may have
// acted on it, so only idempotent methods are sent again (net/http repeats GET, HEAD, OPTIONS, TRACE;
// the adapter PUT and DELETE), each once, on a new connection; POST and PATCH fail at once.
func TestFaultAppReadThenClosed(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, logs := faultAdapter(t, app.addr())
	for _, tc := range []struct {
		method string
		runs   int32
	}{{"GET", 2}, {"PUT", 2}, {"DELETE", 2}, {"POST", 1}, {"PATCH", 1}} {
		t.Run(tc.method, func(t *testing.T) {
			wantServed(t, api, "GET") // a kept-alive connection, idle for less than staleIdle
			path := "/close-no-answer/" + tc.method
			o := invoke(t, api, testenv.V2(testenv.HTTPEvent{Method: tc.method, Path: path, Body: []byte("b")}))
			wantFailure(t, o, logs, errTypeApp, tc.method+" "+path+" failed: the app closed the connection without answering")
			if n := app.ran(path); n != tc.runs {
				t.Errorf("the app got %s %d times, want %d", tc.method, n, tc.runs)
			}
			wantServed(t, api, tc.method)
		})
	}
}

func TestFaultAppNotListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "ok %s %s", r.Method, body)
	})}
	go func() { _ = srv.Serve(l) }()
	api, logs := faultAdapter(t, addr)
	wantServed(t, api, "GET")
	// The app dies between two invocations; its kept-alive connection closes with it.
	_ = srv.Close()
	for _, method := range []string{"GET", "POST"} {
		o := invoke(t, api, v2(method, "/x", ""))
		wantFailure(t, o, logs, errTypeApp, "app request "+method+" /x failed: nothing accepts connections at "+addr, "not running", "connection refused")
	}
	// It comes back on the same port.
	if l, err = net.Listen("tcp", addr); err != nil {
		t.Fatal(err)
	}
	srv = &http.Server{Handler: srv.Handler}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	wantServed(t, api, "POST")
}

func TestFaultAppHangsPastDeadline(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, logs := faultAdapter(t, app.addr())
	for _, path := range []string{"/hang", "/hang-body"} {
		t.Run(path, func(t *testing.T) {
			const timeout = 700 * time.Millisecond
			start := time.Now()
			deadline := start.Add(timeout)
			o := invokeWith(t, api, v2("GET", path, ""), timeout, nil)
			want := "app did not answer GET /hang within"
			if path == "/hang-body" {
				want = "app response body not complete before the invocation deadline (21 bytes read)"
			}
			wantFailure(t, o, logs, errTypeAppTimeout, want)
			// The error reaches Lambda before the deadline, so the caller reads it rather than a timeout
			// (with 50 ms for a scheduler under other builds' load).
			if o.Started.After(deadline.Add(50 * time.Millisecond)) {
				t.Errorf("error posted %s after the deadline", o.Started.Sub(deadline))
			}
			if early := deadline.Sub(o.Started); early > deadlineMargin+150*time.Millisecond {
				t.Errorf("gave up %s before the deadline: too early", early)
			}
			// The adapter closed the connection: the app's handler was released.
			eventually(t, time.Second, func() bool { return app.hanging.Load() == 0 }, "the hanging request is still open in the app")
			wantServed(t, api, "GET")
		})
	}
}

// The app's idle timer closes a kept-alive connection just as the adapter sends the next request on
// it (#830 in AWS's adapter): no error reaches the caller, and no request runs twice.
func TestFaultStaleKeepAlive(t *testing.T) {
	app := newFaultApp(t, 300*time.Millisecond, 0)
	// Two loops leave two connections in the pool: a retry on another pooled connection would find it
	// stale too.
	api, logs := faultAdapter(t, app.addr(), "AWS_LAMBDA_MAX_CONCURRENCY", "2")
	for _, method := range []string{"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					invoke(t, api, v2("GET", fmt.Sprintf("/warm/%d", i), ""))
				}()
			}
			wg.Wait()
			time.Sleep(600 * time.Millisecond) // past the app's 300 ms, and past staleIdle
			path := "/" + method
			o := invoke(t, api, testenv.V2(testenv.HTTPEvent{Method: method, Path: path, Body: []byte("body-" + method)}))
			var r v2Result
			if o.Error || json.Unmarshal(o.Body, &r) != nil || r.StatusCode != 200 {
				t.Fatalf("stale connection reached the caller: %s\n%s", o, logs)
			}
			if method != "HEAD" && r.Body != "ok "+method+" body-"+method {
				t.Errorf("body %q: the retry lost the request body", r.Body)
			}
			if n := app.ran(path); n != 1 {
				t.Errorf("the app handled %s %d times, want 1", method, n)
			}
		})
	}
}

// With no race, an app that closes idle connections after its own timeout (1 s here, invoked at
// 1.1 s) costs nothing: the transport saw the close and dials anew.
func TestFaultIdleTimeoutBeforeInvoke(t *testing.T) {
	app := newFaultApp(t, 0, time.Second)
	api, logs := faultAdapter(t, app.addr())
	for _, method := range []string{"GET", "POST"} {
		wantServed(t, api, method)
		time.Sleep(1100 * time.Millisecond)
		wantServed(t, api, method)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
}
