package adapter

// Load against the in-process Runtime API (issue 9): 64 loops, 10,000 invocations.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// 64 loops, 10,000 invocations with distinct bodies: every answer is its own request's, memory stays
// flat, and once the adapter stops every goroutine it started is gone. Under -race (10× slower) the
// run is 2,000 invocations; make test also runs it without -race (the e2e step) at full size.
func TestFaultConcurrency64(t *testing.T) {
	const loops, warm = 64, 1000
	total := 10000
	if raceEnabled() {
		total = 2000
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Query", r.URL.RawQuery)
		_, _ = w.Write(body)
	}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	measure := func() (int, uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapInuse
	}
	gStart, _ := measure()

	cfg := testConfig(t, app.Listener.Addr().String(), api.Addr, "AWS_LAMBDA_MAX_CONCURRENCY", strconv.Itoa(loops))
	hc := newLambdaHTTPClient(loops)
	ext := lambdaapi.NewExtensionClient(cfg.ExtensionsAPI, hc)
	if err := ext.Register(context.Background(), ExtensionName, []string{lambdaapi.EventShutdown}); err != nil {
		t.Fatal(err)
	}
	a := New(cfg, slog.New(slog.DiscardHandler), lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, hc), ext, "test")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	stopped := make(chan error, 1)
	go func() { stopped <- a.Run(ctx) }()

	var next atomic.Int64
	run := func(n int) (bad []string) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		end := next.Load() + int64(n)
		for range 2 * loops { // more callers than loops: every loop is always busy
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > end {
						return
					}
					id := strconv.FormatInt(i, 10)
					body := strings.Repeat(id+"-", int(i%64)+1)
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					o, err := api.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/c", Query: "id=" + id, Body: []byte(body)}), time.Minute, nil)
					cancel()
					var r v2Result
					if err == nil && (o.Error || json.Unmarshal(o.Body, &r) != nil) {
						err = fmt.Errorf("outcome %s", o)
					}
					q := headerValue(r.Headers, "X-Echo-Query")
					if err == nil && (r.Body != body || q != "id="+id) {
						err = fmt.Errorf("invocation %s answered %q (query %q): cross-talk", id, r.Body, q)
					}
					if err != nil {
						mu.Lock()
						bad = append(bad, err.Error())
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return bad
	}
	if bad := run(warm); len(bad) > 0 {
		t.Fatalf("%d of %d warm-up invocations failed; first: %s", len(bad), warm, bad[0])
	}
	gWarm, h0 := measure()
	start := time.Now()
	bad := run(total)
	took := time.Since(start)
	gDone, h1 := measure()
	if len(bad) > 0 {
		t.Errorf("%d of %d invocations failed; first: %s", len(bad), total, bad[0])
	}
	if h1 > h0+8<<20 {
		t.Errorf("heap in use grew from %d to %d bytes over %d invocations", h0, h1, total)
	}
	// Stopped, with its pooled connections closed, the adapter leaves no goroutine behind.
	stop()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	hc.CloseIdle()
	a.app.dropConnections()
	deadline := time.Now().Add(5 * time.Second)
	gEnd := runtime.NumGoroutine()
	for ; gEnd > gStart && time.Now().Before(deadline); gEnd = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if gEnd > gStart {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before the adapter started, %d after it stopped:\n%s", gStart, gEnd, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("%d invocations on %d loops in %s (%.0f/s); goroutines %d before, %d warm, %d after the run, %d once stopped; heap in use %.1f → %.1f MiB",
		total, loops, took.Round(time.Millisecond), float64(total)/took.Seconds(), gStart, gWarm, gDone, gEnd, float64(h0)/(1<<20), float64(h1)/(1<<20))
}

// raceEnabled reports a test binary built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// headerValue looks a response header up whatever the case of its name.
func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
