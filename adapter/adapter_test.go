package adapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// v2 is a minimal HTTP API v2 event.
func v2(method, path, query string) []byte {
	return testenv.V2(testenv.HTTPEvent{Method: method, Path: path, Query: query})
}

type v2Result struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func TestForwardsHTTPAPIv2(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, r.URL.RawQuery)
	}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	a := newTestAdapter(t, testConfig(t, app.Listener.Addr().String(), api.Addr), nil)
	runAdapter(t, a)
	o := invoke(t, api, v2("PUT", "/items/7", "a=1&b=2"))
	var r v2Result
	if err := json.Unmarshal(o.Body, &r); err != nil || o.Error {
		t.Fatalf("outcome %s: %v", o, err)
	}
	if r.StatusCode != 200 || r.Body != "PUT /items/7 a=1&b=2" {
		t.Errorf("result %+v", r)
	}
}

// An app on the IPv6 loopback (AWS_LWA_HOST=::1): readiness in both protocols and forwarding
// reach it, and the request the app sees keeps the client's Host.
func TestForwardsToIPv6App(t *testing.T) {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("no IPv6 loopback here: %v", err)
	}
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s host=%s", r.Method, r.URL.Path, r.Host)
	}))
	app.Listener.Close()
	app.Listener = l
	app.Start()
	defer app.Close()
	for _, proto := range []string{"http", "tcp"} {
		t.Run(proto, func(t *testing.T) {
			api := testenv.NewFakeAPI(t)
			cfg := testConfig(t, l.Addr().String(), api.Addr, "AWS_LWA_READINESS_CHECK_PROTOCOL", proto)
			if cfg.Host != "::1" {
				t.Fatalf("host %q", cfg.Host)
			}
			runAdapter(t, newTestAdapter(t, cfg, nil))
			o := invoke(t, api, testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/v6", Headers: map[string]string{"host": "api.example.com"}}))
			var r v2Result
			if err := json.Unmarshal(o.Body, &r); err != nil || o.Error {
				t.Fatalf("outcome %s: %v", o, err)
			}
			if r.StatusCode != 200 || r.Body != "POST /v6 host=api.example.com" {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestAsyncInitWaitsOnFirstInvocation(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	api := testenv.NewFakeAPI(t)
	cfg := testConfig(t, addr, api.Addr, "AWS_LWA_ASYNC_INIT", "true", "AWS_LAMBDA_MAX_CONCURRENCY", "3")
	a := newTestAdapter(t, cfg, nil)
	// Init would wait 9.8 s; a test cannot. Start the loops as Init would after it.
	go a.checkReadiness(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 {
		go func() { _ = a.loop(ctx, i) }()
	}
	results := make(chan *testenv.Outcome, 3)
	for range 3 {
		go func() { results <- invoke(t, api, v2("GET", "/x", "")) }()
	}
	time.Sleep(200 * time.Millisecond)
	var served atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/x" {
			served.Add(1)
		}
	})}
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	for range 3 {
		if o := <-results; o.Error {
			t.Errorf("invocation failed while the app was starting: %s", o)
		}
	}
	if served.Load() != 3 {
		t.Errorf("app served %d of 3", served.Load())
	}
}

func TestConcurrentLoops(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(200 * time.Millisecond)
		}
		_, _ = io.WriteString(w, r.URL.RawQuery)
	}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	a := newTestAdapter(t, testConfig(t, app.Listener.Addr().String(), api.Addr, "AWS_LAMBDA_MAX_CONCURRENCY", "4"), nil)
	runAdapter(t, a)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := invoke(t, api, v2("GET", "/slow", "i="+strconv.Itoa(i)))
			var r v2Result
			if err := json.Unmarshal(o.Body, &r); err != nil || r.Body != "i="+strconv.Itoa(i) {
				t.Errorf("invocation %d answered %s", i, o)
			}
		}()
	}
	wg.Wait()
	// 8 invocations of 200 ms on 4 loops: two rounds.
	if d := time.Since(start); d < 390*time.Millisecond || d > 1200*time.Millisecond {
		t.Errorf("8 × 200 ms on 4 loops took %s", d)
	}
}

func TestShutdownLetsInFlightInvocationFinish(t *testing.T) {
	started := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, "finished")
		}
	}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	a := newTestAdapter(t, testConfig(t, app.Listener.Addr().String(), api.Addr), nil)
	done, _ := runAdapter(t, a)
	result := make(chan *testenv.Outcome, 1)
	go func() { result <- invoke(t, api, v2("GET", "/slow", "")) }()
	<-started
	api.Shutdown(time.Now().Add(2 * time.Second))
	o := <-result
	if o.Error || !strings.Contains(string(o.Body), "finished") {
		t.Errorf("in-flight invocation: %s", o)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after SHUTDOWN: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("adapter did not stop after SHUTDOWN")
	}
}

func TestMainReportsConfigError(t *testing.T) {
	api := testenv.NewFakeAPI(t)
	var logs logBuffer
	code := Main(context.Background(), config.MapLookup(map[string]string{
		"AWS_LAMBDA_RUNTIME_API": api.Addr, "AWS_LWA_READINESS_CHECK_PROTOCOL": "udp",
	}), &logs, "test")
	if code == 0 {
		t.Fatal("exit 0 with an invalid variable")
	}
	select {
	case p := <-api.InitErrors:
		var body lambdaapi.ErrorResponse
		if err := json.Unmarshal(p.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Type != "Runtime.AdapterConfigError" || p.Header.Get(lambdaapi.HeaderErrorType) != body.Type {
			t.Errorf("error type %q / header %q", body.Type, p.Header.Get(lambdaapi.HeaderErrorType))
		}
		want := `invalid AWS_LWA_READINESS_CHECK_PROTOCOL="udp": accepted: http or tcp (any case)`
		if body.Message != want {
			t.Errorf("message %q, want %q", body.Message, want)
		}
		if !strings.Contains(logs.String(), "udp") {
			t.Errorf("not logged: %s", logs.String())
		}
	default:
		t.Fatal("no init error posted")
	}
	if api.Registered() != 1 {
		t.Errorf("registered %d times", api.Registered())
	}
}

func TestMainUnreachableRuntimeAPI(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs logBuffer
	start := time.Now()
	code := Main(context.Background(), config.MapLookup(map[string]string{"AWS_LAMBDA_RUNTIME_API": addr}), &logs, "test")
	if code == 0 {
		t.Fatal("exit 0 without a Runtime API")
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("gave up after %s: no backoff", d)
	}
	if !strings.Contains(logs.String(), "register extension failed") || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("log does not say what failed:\n%s", logs.String())
	}
}

func TestAuthorizationSourceMovedAndMissingWarnedOnce(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "auth="+r.Header.Get("Authorization"))
	}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	var logs logBuffer
	cfg := testConfig(t, app.Listener.Addr().String(), api.Addr, "AWS_LWA_AUTHORIZATION_SOURCE", "X-Api-Auth")
	a := newTestAdapter(t, cfg, &logs)
	runAdapter(t, a)
	with := testenv.V2(testenv.HTTPEvent{Path: "/x", Headers: map[string]string{"x-api-auth": "Bearer t", "authorization": "Basic old"}})
	var r v2Result
	if err := json.Unmarshal(invoke(t, api, with).Body, &r); err != nil || r.Body != "auth=Bearer t" {
		t.Errorf("auth source not moved: %+v %v", r, err)
	}
	for range 3 {
		invoke(t, api, v2("GET", "/x", ""))
	}
	if n := strings.Count(logs.String(), "AWS_LWA_AUTHORIZATION_SOURCE header absent"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, logs.String())
	}
}
