package adapter

// The adapter's test helpers, one for each job: look here before writing one.
//
//	testEnv, testConfig          the environment (and configuration) of an adapter for an app and an API
//	testLogger, logBuffer        a debug logger, a log buffer safe to read while the adapter writes
//	newTestAdapter, runAdapter   an Adapter registered with the Extensions API; Run until the test ends
//	startMain, waitExit          Main in a goroutine until the test ends; its exit code
//	invoke                       one invocation through the in-process Runtime API (testenv.FakeAPI)
//	eventually                   poll a condition

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// testEnv is the environment of an adapter in front of the app at appAddr with the Lambda API at
// apiAddr; kv are extra variables as name, value pairs, overriding these.
func testEnv(appAddr, apiAddr string, kv ...string) map[string]string {
	host, port, _ := net.SplitHostPort(appAddr)
	m := map[string]string{"AWS_LAMBDA_RUNTIME_API": apiAddr, "AWS_LWA_HOST": host, "AWS_LWA_PORT": port}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// testConfig is a valid configuration for an app at appAddr and a Lambda API at apiAddr.
func testConfig(tb testing.TB, appAddr, apiAddr string, kv ...string) config.Config {
	tb.Helper()
	c, _, err := config.FromEnv(config.MapLookup(testEnv(appAddr, apiAddr, kv...)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// logBuffer collects log lines for assertions.
type logBuffer = testenv.SyncBuffer

// testLogger logs at debug level to w (nil: discarded).
func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newTestAdapter is an adapter for cfg, registered with the Extensions API, logging to logs.
func newTestAdapter(t *testing.T, cfg config.Config, logs io.Writer) *Adapter {
	t.Helper()
	hc := newLambdaHTTPClient(cfg.MaxConcurrency)
	ext := lambdaapi.NewExtensionClient(cfg.ExtensionsAPI, hc)
	if err := ext.Register(context.Background(), ExtensionName, []string{lambdaapi.EventShutdown}); err != nil {
		t.Fatal(err)
	}
	return New(cfg, testLogger(logs), lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, hc), ext, "test")
}

// runAdapter runs a until the test ends and returns a channel with Run's result.
func runAdapter(tb testing.TB, a *Adapter) (<-chan error, context.CancelFunc) {
	tb.Helper()
	done := make(chan error, 1)
	cancel := untilCleanup(tb, context.Background(), "adapter did not stop", func(ctx context.Context) { done <- a.Run(ctx) })
	return done, cancel
}

// untilCleanup runs f in a goroutine with a context that ends when the test does (or cancel is
// called), and at the end of the test waits up to 5 s for f to return, failing with msg if it does not.
func untilCleanup(tb testing.TB, ctx context.Context, msg string, f func(context.Context)) (cancel context.CancelFunc) {
	ctx, cancel = context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { f(ctx); close(finished) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			tb.Error(msg)
		}
	})
	return cancel
}

// startMain runs Main (until ctx ends or the test does) for the app at appAddr and the Lambda API at
// apiAddr, kv being extra variables. Its exit code arrives on the channel.
func startMain(t *testing.T, ctx context.Context, apiAddr, appAddr string, kv ...string) (<-chan int, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	code := make(chan int, 1)
	untilCleanup(t, ctx, "Main did not return", func(ctx context.Context) {
		code <- Main(ctx, config.MapLookup(testEnv(appAddr, apiAddr, kv...)), logs, "test")
	})
	return code, logs
}

// waitExit waits for Main's exit code.
func waitExit(t *testing.T, code <-chan int, within time.Duration, logs *logBuffer) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(within):
		t.Fatalf("the adapter did not exit within %s:\n%s", within, logs)
		return -1
	}
}

// invoke sends payload through api with a 5 s function timeout.
func invoke(t *testing.T, api *testenv.FakeAPI, payload []byte) *testenv.Outcome {
	t.Helper()
	return invokeWith(t, api, payload, 5*time.Second, nil)
}

// invokeWith sends payload through api with the given function timeout and Runtime API headers
// (nil: none), waiting 10 s past the timeout for the outcome.
func invokeWith(t *testing.T, api *testenv.FakeAPI, payload []byte, timeout time.Duration, headers map[string]string) *testenv.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	o, err := api.Invoke(ctx, payload, timeout, headers)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, cond func() bool, msg string) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
