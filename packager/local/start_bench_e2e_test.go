//go:build e2e

package local_test

import (
	"net/http"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// BenchmarkStartToFirstRequest is the time from starting `lwa-pack local` (adapter already built,
// --adapter-binary) to the first request answered through its front door by go-httpbin. The goal
// is ≤ 1 s (docs/performance.md).
func BenchmarkStartToFirstRequest(b *testing.B) {
	hc := &http.Client{Timeout: time.Second}
	var took []float64
	for b.Loop() {
		port, app := testenv.FreePort(b), testenv.FreePort(b)
		args := append([]string{"local", "--quiet", "--port", itoa(port), "--adapter-binary", bins.adapter,
			"--env", "AWS_LWA_PORT=" + itoa(app), "--"}, testenv.HTTPBin(b, app)...)
		cmd := exec.Command(bins.lwaPack, args...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		url := "http://127.0.0.1:" + itoa(port) + "/get"
		for {
			resp, err := hc.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 20*time.Second {
				_ = cmd.Process.Kill()
				b.Fatalf("no answer from %s in 20 s", url)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, float64(time.Since(start))/float64(time.Millisecond))
		b.StopTimer()
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.StartTimer()
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "start-to-first-p50-ms")
	b.ReportMetric(took[len(took)-1], "start-to-first-max-ms")
}
