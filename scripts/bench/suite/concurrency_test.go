//go:build bench

package suite

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// benchBody is the app's 1 KB text answer, as go-httpbin's /range/1024.
var benchBody = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 40)[:1024]

// startApp serves benchBody on every path except "/" (the readiness check), on loopback.
func startApp(t *testing.T) *httptest.Server {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Path != "/" {
			_, _ = w.Write(benchBody)
		}
	}))
	t.Cleanup(app.Close)
	return app
}

// fakeFunction is lambda-adapter (a child process) polling an in-test Runtime API, in front of app.
type fakeFunction struct {
	api  *testenv.FakeAPI // the footprint measure's
	lean *leanAPI         // or the concurrency measure's
	proc *adapterProc
}

// startFakeFunction runs the adapter against a testenv.FakeAPI.
func startFakeFunction(t *testing.T, app *httptest.Server, env ...string) *fakeFunction {
	t.Helper()
	api := testenv.NewFakeAPI(t)
	return &fakeFunction{api: api, proc: startAdapterFor(t, api.Addr, app, env...)}
}

// startLeanFunction runs the adapter against a leanAPI.
func startLeanFunction(t *testing.T, app *httptest.Server, env ...string) *fakeFunction {
	t.Helper()
	api := newLeanAPI(t)
	return &fakeFunction{lean: api, proc: startAdapterFor(t, api.Addr, app, env...)}
}

func startAdapterFor(t *testing.T, apiAddr string, app *httptest.Server, env ...string) *adapterProc {
	t.Helper()
	addr := app.Listener.Addr().String()
	return startAdapter(t, append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + apiAddr,
		"AWS_LWA_PORT=" + addr[strings.LastIndexByte(addr, ':')+1:],
		"AWS_LAMBDA_FUNCTION_NAME=bench",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
	}, env...)...)
}

var benchPayload = testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/range/1024"})

// invoke runs one invocation and checks it succeeded with the 1 KB body.
func (f *fakeFunction) invoke(ctx context.Context) error {
	if f.lean != nil {
		return f.lean.invoke(ctx, benchPayload)
	}
	o, err := f.api.Invoke(ctx, benchPayload, time.Minute, nil)
	if err != nil {
		return err
	}
	if o.Error || !bytes.Contains(o.Body, []byte(`"statusCode":200`)) || !bytes.Contains(o.Body, benchBody[:64]) {
		return fmt.Errorf("invocation failed: %s", o)
	}
	return nil
}

// load runs n concurrent clients against f for d and returns the invocations completed and the
// errors seen.
func (f *fakeFunction) load(ctx context.Context, n int, d time.Duration) (done int64, errs []error) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var count atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if err := f.invoke(ctx); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return count.Load(), errs
}

// TestConcurrency measures throughput with AWS_LAMBDA_MAX_CONCURRENCY 1, 2, 8 and 64 runtime loops,
// each loaded by as many concurrent invocations, against the in-test Runtime API. All four adapters
// run at once and the levels take turns, in several short rounds, so a busy spell on the machine
// hits every level alike. Goal: up to the core count, at least 0.8× linear scaling; beyond it, no
// errors and no collapse.
func TestConcurrency(t *testing.T) {
	levels := []int{1, 2, 8, 64}
	const (
		rounds = 9
		slice  = 400 * time.Millisecond
	)
	ctx := context.Background()
	app := startApp(t)
	fns := make([]*fakeFunction, len(levels))
	for i, n := range levels {
		fns[i] = startLeanFunction(t, app, "AWS_LAMBDA_MAX_CONCURRENCY="+strconv.Itoa(n))
	}
	for i, f := range fns { // warm-up: Init, connection pools, heaps
		if _, errs := f.load(ctx, levels[i], 300*time.Millisecond); len(errs) > 0 {
			t.Fatalf("concurrency %d warm-up: %v", levels[i], errs[0])
		}
	}
	tput := make([][]float64, len(levels))
	cpu := make([]time.Duration, len(levels)) // the adapter process's CPU time under load
	count := make([]int64, len(levels))
	for range rounds {
		for i, f := range fns {
			c0, err := procCPU(f.proc.pid())
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			n, errs := f.load(ctx, levels[i], slice)
			if len(errs) > 0 {
				t.Fatalf("concurrency %d: %d errors, first: %v", levels[i], len(errs), errs[0])
			}
			tput[i] = append(tput[i], float64(n)/time.Since(start).Seconds())
			c1, err := procCPU(f.proc.pid())
			if err != nil {
				t.Fatal(err)
			}
			cpu[i] += c1 - c0
			count[i] += n
		}
	}
	// Speed-ups are taken within each round (the levels ran seconds apart) and their median kept:
	// a ratio of medians from different moments would mix in the machine's mood.
	var figs []string
	ok := true
	for i, n := range levels {
		ratios := make([]float64, rounds)
		for r := range rounds {
			ratios[r] = tput[i][r] / tput[0][r]
		}
		speedup, perSec := medianFloat(ratios), medianFloat(tput[i])
		want := 0.8 * float64(min(n, cores()))
		t.Logf("concurrency %2d: %6.0f invocations/s median %v, speed-up %.2f× (per round %.2f), goal ≥ %.2f×; adapter CPU %s per invocation",
			n, perSec, roundAll(tput[i]), speedup, ratios, want, us(cpu[i]/time.Duration(max(count[i], 1))))
		figs = append(figs, fmt.Sprintf("%d: %.0f/s (%.2f×)", n, perSec, speedup))
		if speedup < want {
			ok = false
		}
	}
	record(t, fmt.Sprintf("concurrency 1/2/8/64 (in-test Runtime API, %d cores, no errors)", cores()),
		strings.Join(figs, ", "),
		fmt.Sprintf("≥ 0.8× linear up to %d cores", cores()), ok)
}

func medianFloat(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func roundAll(v []float64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x + 0.5)
	}
	return out
}
