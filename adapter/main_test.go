package adapter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// TestMainLeavesRuntimeTuning runs Main through a whole life (register, readiness, an invocation,
// SHUTDOWN) with one runtime loop and neither GOMAXPROCS nor GOGC set, the case where the command
// tunes the runtime, and checks that the process's GOMAXPROCS and GC percent are what they were:
// the tuning is cmd/lambda-adapter's, so no later test in this binary inherits it.
func TestMainLeavesRuntimeTuning(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	// SetGCPercent returns the previous setting: read it by setting it, then put it back.
	gc := debug.SetGCPercent(100)
	debug.SetGCPercent(gc)

	app := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer app.Close()
	api := testenv.NewFakeAPI(t)
	code, logs := startMain(t, context.Background(), api.Addr, app.Listener.Addr().String(), "AWS_LAMBDA_MAX_CONCURRENCY", "1")
	if o := invoke(t, api, v2("GET", "/", "")); o.Error {
		t.Fatalf("invocation failed: %s", o)
	}
	api.Shutdown(time.Now().Add(2 * time.Second))
	if c := waitExit(t, code, 10*time.Second, logs); c != 0 {
		t.Fatalf("exit code %d:\n%s", c, logs)
	}

	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS is %d after Main, was %d", got, procs)
	}
	after := debug.SetGCPercent(gc)
	if after != gc {
		t.Errorf("GC percent is %d after Main, was %d", after, gc)
	}
}
