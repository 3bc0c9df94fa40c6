//go:build e2e

package local

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
	"github.com/lwa-go/lwa/internal/testenv"
)

// BenchmarkFrontDoorOverhead measures, in one environment (adapter + go-httpbin), the same GET
// /get two ways, alternating: an invocation handed straight to the emulator with a prepared event
// (the adapter alone), and a plain HTTP request through the front door (HTTP → event →
// invocation → answer → HTTP). It reports both medians and the median of the per-pair difference;
// the goal is a difference ≤ 1 ms (docs/performance.md).
func BenchmarkFrontDoorOverhead(b *testing.B) {
	adapter, err := testenv.BuildAdapter(testenv.ModuleRoot(b), b.TempDir(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	app := testenv.FreePort(b)
	o := &Options{Adapter: adapter, Command: testenv.HTTPBin(b, app), TaskRoot: b.TempDir(),
		Env: []string{"AWS_LWA_PORT=" + strconv.Itoa(app)}, Environ: []string{"PATH=" + os.Getenv("PATH")}}
	if err := o.Check(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	env, err := startEnvironment(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer env.shutdown()
	fd := &frontDoor{o: o, env: env}
	srv := httptest.NewServer(fd)
	defer srv.Close()
	payload, err := o.Trigger.Event(Incoming{Method: "GET", Target: "/get", Host: "127.0.0.1", Header: http.Header{},
		SourceIP: "127.0.0.1", RequestID: lambdaemu.NewRequestID(), Time: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{}
	direct := func() {
		res, err := env.emu.Invoke(ctx, lambdaemu.Request{Payload: payload})
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Wait()
	}
	through := func() {
		resp, err := hc.Get(srv.URL + "/get")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	for range 50 { // warm the connections and the app
		direct()
		through()
	}
	var d, f, diff []float64
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		direct()
		t1 := time.Now()
		through()
		t2 := time.Now()
		d = append(d, us(t1.Sub(t0)))
		f = append(f, us(t2.Sub(t1)))
		diff = append(diff, us(t2.Sub(t1))-us(t1.Sub(t0)))
	}
	b.ReportMetric(median(d), "adapter-p50-µs")
	b.ReportMetric(median(f), "frontdoor-p50-µs")
	b.ReportMetric(median(diff), "overhead-p50-µs")
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
