//go:build e2e

package adapter_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// These run the adapter binary against testenv.FakeAPI, with go-httpbin as a process of its own:
// incremental delivery, an app that dies mid-body and memory over 100 MB, which RIE cannot show.

// stDirect is the adapter binary run by the test itself against a FakeAPI, with an app process.
type stDirect struct {
	api     *testenv.FakeAPI
	adapter *exec.Cmd
	app     *exec.Cmd
	logs    *bytes.Buffer
	mu      *sync.Mutex
}

// stStartDirect starts app (its command line; none: the app is already listening) and the adapter
// binary in streaming mode. Both are killed when the test ends.
func stStartDirect(t testing.TB, appPort int, app []string, env ...string) *stDirect {
	t.Helper()
	d := &stDirect{api: testenv.NewFakeAPI(t), logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	if len(app) > 0 {
		d.app = exec.Command(app[0], app[1:]...)
		d.app.Stderr = os.Stderr
		if err := d.app.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.app.Process.Kill(); _ = d.app.Wait() })
	}
	d.adapter = exec.Command(adapterBin)
	d.adapter.Env = append([]string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_RUNTIME_API=" + d.api.Addr,
		"AWS_LWA_PORT=" + strconv.Itoa(appPort), "AWS_LWA_INVOKE_MODE=response_stream"}, env...)
	pr, pw := io.Pipe()
	d.adapter.Stdout, d.adapter.Stderr = pw, pw
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			d.mu.Lock()
			d.logs.WriteString(s.Text() + "\n")
			d.mu.Unlock()
		}
	}()
	if err := d.adapter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.adapter.Process.Signal(syscall.SIGTERM)
		_ = d.adapter.Wait()
		pw.Close()
		if t.Failed() {
			t.Logf("adapter logs:\n%s", d.Logs())
		}
	})
	return d
}

// Logs is what the adapter printed so far.
func (d *stDirect) Logs() string { d.mu.Lock(); defer d.mu.Unlock(); return d.logs.String() }

func (d *stDirect) invoke(t testing.TB, payload []byte, timeout time.Duration) *testenv.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	o, err := d.api.Invoke(ctx, payload, timeout, nil)
	if err != nil {
		t.Fatalf("%v\nadapter logs:\n%s", err, d.Logs())
	}
	return o
}

// stArrivals returns when each byte after the prelude reached the Runtime API, per chunk.
func stArrivals(t *testing.T, o *testenv.Outcome) (times []time.Duration, body []byte) {
	t.Helper()
	end := bytes.Index(o.Body, testenv.PreludeEnd)
	if end < 0 {
		t.Fatalf("no prelude: %s", o)
	}
	end += len(testenv.PreludeEnd)
	seen := 0
	for _, c := range o.Chunks {
		from := max(end-seen, 0)
		seen += len(c.Data)
		if from < len(c.Data) {
			times = append(times, c.At)
			body = append(body, c.Data[from:]...)
		}
	}
	return times, body
}

func TestE2EStreamArrivesAtTheAppsPace(t *testing.T) {
	port := testenv.FreePort(t)
	d := stStartDirect(t, port, testenv.HTTPBin(t, port))
	// /drip writes one byte every 400 ms; /sse one event every 400 ms.
	for _, tc := range []struct{ path, query, unit string }{
		{"/drip", "duration=2s&numbytes=5&delay=0", "*"},
		{"/sse", "count=5&duration=2s", "event: ping"},
	} {
		o := d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: tc.path, Query: tc.query}), 30*time.Second)
		times, body := stArrivals(t, o)
		if n := strings.Count(string(body), tc.unit); n != 5 {
			t.Fatalf("%s: %d pieces in %q", tc.path, n, body)
		}
		// Held back, the pieces would arrive together at the end; at the app's pace the first
		// arrives at once and the last ~1.6 s later, in at least 5 separate chunks.
		spread := times[len(times)-1] - times[0]
		t.Logf("%s: %d chunks, first at %s, last at %s", tc.path, len(times), times[0], times[len(times)-1])
		if len(times) < 5 || spread < time.Second || times[0] > 300*time.Millisecond {
			t.Errorf("%s: %d chunks over %s (first at %s): not forwarded as the app wrote them", tc.path, len(times), spread, times[0])
		}
	}
}

func TestE2EStreamAppCrashGivesTrailers(t *testing.T) {
	port := testenv.FreePort(t)
	d := stStartDirect(t, port, testenv.HTTPBin(t, port))
	go func() {
		time.Sleep(time.Second)
		_ = d.app.Process.Kill() // the app dies mid-/drip
	}()
	o := d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: "/drip", Query: "duration=4s&numbytes=8&delay=0"}), 30*time.Second)
	_, body := stArrivals(t, o)
	if len(body) == 0 || len(body) >= 8 || strings.Trim(string(body), "*") != "" {
		t.Errorf("body %q: want the bytes sent before the crash", body)
	}
	if o.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "Runtime.StreamError" || o.Trailer.Get("Lambda-Runtime-Function-Error-Body") == "" {
		t.Errorf("trailers %v", o.Trailer)
	}
}

// vmHWM is a process's peak resident set size.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/pid/status")
	return 0
}

// A 100 MB stream leaves the adapter's peak RSS where a 1 MB one does. RIE caps streams at 6 MiB,
// so this runs the adapter binary against FakeAPI, which counts the bytes without keeping them.
func TestE2EStream100MBMemoryFlat(t *testing.T) {
	const size = 100_000_000
	port := testenv.FreePort(t)
	d := stStartDirect(t, port, append(testenv.HTTPBin(t, port), "-max-body-size", strconv.Itoa(size)))
	d.api.DiscardBodies()
	o := d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: "/stream-bytes/1000000", Query: "seed=3"}), time.Minute)
	if o.Error || o.Size < 1_000_000 {
		t.Fatalf("1 MB stream: %s", o)
	}
	small := vmHWM(t, d.adapter.Process.Pid)
	start := time.Now()
	o = d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: "/stream-bytes/" + strconv.Itoa(size), Query: "seed=3&chunk_size=65536"}), 2*time.Minute)
	took := time.Since(start)
	p, _ := stSplit(t, o.Body)
	prelude := bytes.Index(o.Body, testenv.PreludeEnd) + len(testenv.PreludeEnd)
	if o.Error || p.StatusCode != 200 || o.Size != int64(prelude+size) || o.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "" {
		t.Fatalf("100 MB stream: %d bytes after a %d-byte prelude, %s", o.Size-int64(prelude), prelude, o)
	}
	big := vmHWM(t, d.adapter.Process.Pid)
	t.Logf("adapter peak RSS: %.1f MiB after 1 MB, %.1f MiB after 100 MB (streamed in %s)", float64(small)/(1<<20), float64(big)/(1<<20), took)
	if big > 40<<20 || big-small > 8<<20 {
		t.Errorf("peak RSS grew from %d to %d bytes with a 100 MB stream: not flat", small, big)
	}
}

// BenchmarkE2EStreamThroughputBinary streams 1 GiB through the adapter binary, as deployed (one P
// when one runtime loop serves), and with GOMAXPROCS=2; the app and the fake Runtime API run in
// the benchmark's process:
//
//	go test -tags e2e -run '^$' -bench BenchmarkE2EStreamThroughputBinary -benchtime 5x ./adapter/
func BenchmarkE2EStreamThroughputBinary(b *testing.B) {
	const size = 1 << 30
	block := make([]byte, 1<<20)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			return
		}
		for sent := 0; sent < size; sent += len(block) {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}))
	defer app.Close()
	port := app.Listener.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		name string
		env  []string
	}{{"as-deployed", nil}, {"GOMAXPROCS=2", []string{"GOMAXPROCS=2"}}} {
		b.Run(tc.name, func(b *testing.B) {
			d := stStartDirect(b, port, nil, tc.env...)
			d.api.DiscardBodies()
			payload := testenv.V2(testenv.HTTPEvent{Path: "/gib"})
			b.SetBytes(size)
			for b.Loop() {
				if o := d.invoke(b, payload, time.Minute); o.Error || o.Size < size {
					b.Fatalf("stream incomplete: %d bytes, %s", o.Size, o)
				}
			}
		})
	}
}
