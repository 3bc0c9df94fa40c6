package adapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// testConfig is a valid configuration for an app at appAddr and a Lambda API at apiAddr.
func testConfig(t *testing.T, appAddr, apiAddr string, kv ...string) config.Config {
	t.Helper()
	host, port, _ := net.SplitHostPort(appAddr)
	m := map[string]string{"AWS_LAMBDA_RUNTIME_API": apiAddr, "AWS_LWA_HOST": host, "AWS_LWA_PORT": port}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	c, _, err := config.FromEnv(config.MapLookup(m))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// logBuffer collects log lines for assertions.
type logBuffer = testenv.SyncBuffer

func newTestAdapter(t *testing.T, cfg config.Config, logs io.Writer) *Adapter {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hc := newLambdaHTTPClient(cfg.MaxConcurrency)
	ext := lambdaapi.NewExtensionClient(cfg.ExtensionsAPI, hc)
	if err := ext.Register(context.Background(), ExtensionName, []string{lambdaapi.EventShutdown}); err != nil {
		t.Fatal(err)
	}
	return New(cfg, log, lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, hc), ext, "test")
}

// v2 is a minimal HTTP API v2 event.
func v2(method, path, query string) []byte {
	return testenv.V2(testenv.HTTPEvent{Method: method, Path: path, Query: query})
}

// runAdapter runs a until the test ends and returns a channel with Run's result.
func runAdapter(t *testing.T, a *Adapter) (<-chan error, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() { done <- a.Run(ctx); close(finished) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Error("adapter did not stop")
		}
	})
	return done, cancel
}

type v2Result struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func invoke(t *testing.T, api *testenv.FakeAPI, payload []byte) *testenv.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, err := api.Invoke(ctx, payload, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
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

// A readiness path may carry a query, sent as configured.
func TestReadinessPathWithQuery(t *testing.T) {
	got := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Path + "?" + r.URL.RawQuery:
		default:
		}
	}))
	defer app.Close()
	cfg := testConfig(t, app.Listener.Addr().String(), "127.0.0.1:9", "AWS_LWA_READINESS_CHECK_PATH", "/health?deep=1&x=%20y")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if q := <-got; q != "/health?deep=1&x=%20y" {
		t.Errorf("readiness GET for %q; want /health?deep=1&x=%%20y", q)
	}
}

func TestReadinessHTTP(t *testing.T) {
	var healthy atomic.Bool
	var probes atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		if r.URL.Path != "/health" {
			t.Errorf("probed %s", r.URL.Path)
		}
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer app.Close()
	cfg := testConfig(t, app.Listener.Addr().String(), "127.0.0.1:9", "AWS_LWA_READINESS_CHECK_PATH", "/health",
		"AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
	done := make(chan error, 1)
	go func() { done <- a.waitReady(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("ready while the app answers 503: %v", err)
	default:
	}
	if n := probes.Load(); n < 5 || n > 60 {
		t.Errorf("%d probes in 100 ms against an unhealthy app; want a steady retry without hammering", n)
	}
	healthy.Store(true)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("not ready after the app became healthy")
	}
}

func TestReadinessSeesLateListenerQuickly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, proto := range []string{"http", "tcp"} {
		t.Run(proto, func(t *testing.T) {
			cfg := testConfig(t, addr, "127.0.0.1:9", "AWS_LWA_READINESS_CHECK_PROTOCOL", proto)
			a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
			done := make(chan time.Time, 1)
			go func() {
				if err := a.waitReady(context.Background()); err != nil {
					t.Error(err)
				}
				done <- time.Now()
			}()
			time.Sleep(50 * time.Millisecond)
			l, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			listening := time.Now()
			srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
			go func() { _ = srv.Serve(l) }()
			defer srv.Close()
			select {
			case at := <-done:
				// The goal is 2 ms; allow scheduling noise on a loaded CI machine.
				if d := at.Sub(listening); d > 20*time.Millisecond {
					t.Errorf("ready %s after the app listened", d)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("never ready")
			}
		})
	}
}

func TestReadinessTimeoutNamesURLAndLastResult(t *testing.T) {
	// Accepts connections and never answers: the per-attempt limit keeps the check going, and the
	// overall timeout ends it with a clear error.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg := testConfig(t, l.Addr().String(), "127.0.0.1:9", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.3",
		"AWS_LWA_READINESS_CHECK_PATH", "/ready")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
	start := time.Now()
	err = a.waitReady(context.Background())
	if err == nil {
		t.Fatal("ready against a server that never answers")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout of 0.3 s took %s", d)
	}
	msg := err.Error()
	for _, want := range []string{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "http://" + l.Addr().String() + "/ready", "last result"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestReadinessUnhealthyStatusInError(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer app.Close()
	cfg := testConfig(t, app.Listener.Addr().String(), "127.0.0.1:9", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.2")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
	err := a.waitReady(context.Background())
	if err == nil || !strings.Contains(err.Error(), "status 500 (healthy: 100-499)") {
		t.Fatalf("err %v", err)
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

func TestReadinessEndsWithContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: the check waits between attempts
	cfg := testConfig(t, addr, "127.0.0.1:9")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "test")
	ctx, cancel := context.WithCancel(context.Background())
	// Late enough that the schedule has left its quick phase and waits longer between attempts.
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	if err := a.waitReady(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waitReady after shutdown began: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waitReady returned %s after it began, long after the cancel at 300 ms", d)
	}
}
