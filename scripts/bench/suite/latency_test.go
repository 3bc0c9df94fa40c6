//go:build bench

package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// latencyInvokes is how many invocations each side gets, interleaved one for one.
const latencyInvokes = 2000

// TestLatency measures the latency lambda-adapter adds per invocation, against the floor: RIEs
// (classic mode) alive at once, one running go-httpbin behind lambda-adapter, one running a native
// aws-lambda-go handler that answers with the very response the adapter produced (1 KB of text from
// go-httpbin's /range/1024, same headers). Invocations rotate between them, and so does which goes
// first, so machine noise lands on every side alike. LWA_BENCH_BASELINE_ADAPTER adds a third side,
// another lambda-adapter binary in front of its own go-httpbin: a before/after within one run.
func TestLatency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	payload := testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/range/1024", Headers: map[string]string{"accept": "text/plain"}})

	lwa, first, lwaCold := startAdapterRIE(ctx, t, bins.adapter, "bench-lwa", payload, nil)
	var resp v2Response
	if err := json.Unmarshal(first, &resp); err != nil || resp.StatusCode != http.StatusOK || len(resp.Body) != 1024 || resp.IsBase64Encoded {
		t.Fatalf("adapter answered %s (%v): want status 200 and 1024 bytes of text", first, err)
	}

	// The native handler answers the adapter's own response, so both send the same bytes back.
	canned := filepath.Join(testenv.WorldDir(t), "response.json")
	if err := os.WriteFile(canned, first, 0o644); err != nil {
		t.Fatal(err)
	}
	native, nfirst, nativeCold := startNativeRIE(ctx, t, "bench-native", canned, "", payload, nil)
	var nresp v2Response
	if err := json.Unmarshal(nfirst, &nresp); err != nil || nresp.Body != resp.Body || nresp.StatusCode != resp.StatusCode {
		t.Fatalf("native handler answered %s (%v), want the adapter's %s", nfirst, err, first)
	}
	// The same handler fetching its body from a go-httpbin over loopback: the hop any adapter adds.
	appPort := testenv.FreePort(t)
	startHTTPBin(t, appPort)
	hop, hfirst, _ := startNativeRIE(ctx, t, "bench-native-hop", canned, fmt.Sprintf("http://127.0.0.1:%d/range/1024", appPort), payload, nil)
	t.Logf("response sizes: adapter %d bytes, native %d bytes", len(first), len(nfirst))
	t.Logf("cold start (RIE start → first answer, lazy Init): adapter %s, native %s", lwaCold.Round(time.Millisecond), nativeCold.Round(time.Millisecond))

	sides := []*side{
		{name: "lambda-adapter", rie: lwa, want: len(first)},
		{name: "native", rie: native, want: len(nfirst)},
		{name: "native+hop", rie: hop, want: len(hfirst)},
	}
	if base := os.Getenv("LWA_BENCH_BASELINE_ADAPTER"); base != "" {
		r, b, _ := startAdapterRIE(ctx, t, base, "bench-baseline", payload, nil)
		sides = append(sides, &side{name: "baseline " + filepath.Base(base), rie: r, want: len(b)})
	}
	for range 200 { // warm-up: connections, caches, the Go runtimes' heaps
		for _, s := range sides {
			s.invoke(ctx, t, payload)
		}
	}
	for _, s := range sides {
		s.took = s.took[:0]
	}
	names := []string{"lambda-adapter", "go-httpbin", "native", "aws-lambda-rie"}
	cpu0 := cpuByName(names...)
	for i := range latencyInvokes {
		for j := range sides {
			sides[(i+j)%len(sides)].invoke(ctx, t, payload)
		}
	}
	cpu1 := cpuByName(names...)
	for _, n := range names {
		t.Logf("CPU time of every %s process: %s per round of invocations", n, us((cpu1[n]-cpu0[n])/latencyInvokes))
	}
	ns := summarize(sides[1].took)
	for i, s := range sides {
		t.Logf("%-16s %s", s.name+":", summarize(s.took))
		if i == 1 {
			continue
		}
		ls := summarize(s.took)
		t.Logf("%s vs native: p50 %.3f×, p99 %.3f×; added p50 %s", s.name, float64(ls.p50)/float64(ns.p50), float64(ls.p99)/float64(ns.p99), us(ls.p50-ns.p50))
	}
	ls, hs := summarize(sides[0].took), summarize(sides[2].took)
	p50 := float64(ls.p50) / float64(ns.p50)
	p99 := float64(ls.p99) / float64(ns.p99)
	record(t, "added latency, median (RIE, 1 KB, 2,000 interleaved)",
		fmt.Sprintf("%.2f× (adapter %s, native %s, +%s)", p50, us(ls.p50), us(ns.p50), us(ls.p50-ns.p50)),
		"≤ 1.10× native", p50 <= 1.10)
	record(t, "added latency, p99",
		fmt.Sprintf("%.2f× (adapter %s, native %s)", p99, us(ls.p99), us(ns.p99)),
		"≤ 1.25× native", p99 <= 1.25)
	record(t, "added latency vs native+hop: a handler that GETs the body from go-httpbin (info)",
		fmt.Sprintf("%.2f× (adapter %s, native+hop %s; the hop alone: native+hop/native %.2f×)",
			float64(ls.p50)/float64(hs.p50), us(ls.p50), us(hs.p50), float64(hs.p50)/float64(ns.p50)),
		"—", true)
	record(t, "cold start, RIE start → first answer (info)",
		fmt.Sprintf("adapter %s, native %s", lwaCold.Round(time.Millisecond), nativeCold.Round(time.Millisecond)),
		"—", true)
}

// startAdapterRIE starts an RIE with adapter as its extension and go-httpbin as the app, and makes
// the first invocation (Init is lazy in classic mode). It returns that answer and how long from the
// RIE's start it took.
// q, when not nil, is the CPU quota the whole sandbox runs under.
func startAdapterRIE(ctx context.Context, t *testing.T, adapter, name string, payload []byte, q *quota) (*testenv.RIE, []byte, time.Duration) {
	t.Helper()
	appPort := testenv.FreePort(t)
	start := time.Now()
	r := testenv.StartRIE(t, testenv.Options{
		Opt:       testenv.OptDir(t, adapter),
		Bootstrap: testenv.HTTPBin(t, appPort),
		// LWA_BENCH_ADAPTER_ENV reaches the adapter through RIE's environment (and the app, too).
		Env: append([]string{
			"AWS_LWA_PORT=" + strconv.Itoa(appPort),
			"AWS_LAMBDA_FUNCTION_NAME=" + name,
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(q.memorySize()),
		}, strings.Fields(os.Getenv("LWA_BENCH_ADAPTER_ENV"))...),
		Cgroups: q.cgroups(),
	})
	first := mustInvoke(ctx, t, r, payload)
	return r, first, time.Since(start)
}

// startNativeRIE starts an RIE running the native handler (answering canned; fetching appURL
// first when set) and makes the first invocation.
func startNativeRIE(ctx context.Context, t *testing.T, name, canned, appURL string, payload []byte, q *quota) (*testenv.RIE, []byte, time.Duration) {
	t.Helper()
	start := time.Now()
	r := testenv.StartRIE(t, testenv.Options{
		Opt:       testenv.OptDir(t, ""),
		Bootstrap: []string{bins.native},
		Env: []string{"LWA_BENCH_RESPONSE=" + canned, "LWA_BENCH_APP_URL=" + appURL,
			"AWS_LAMBDA_FUNCTION_NAME=" + name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(q.memorySize())},
		Cgroups: q.cgroups(),
	})
	first := mustInvoke(ctx, t, r, payload)
	return r, first, time.Since(start)
}

// startHTTPBin runs go-httpbin on 127.0.0.1:port until the test ends.
func startHTTPBin(t *testing.T, port int) {
	t.Helper()
	args := testenv.HTTPBin(t, port)
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start go-httpbin: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for end := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(end) {
			t.Fatalf("go-httpbin not listening: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// v2Response is the part of an HTTP API v2 response the test checks.
type v2Response struct {
	StatusCode      int    `json:"statusCode"`
	Body            string `json:"body"`
	IsBase64Encoded bool   `json:"isBase64Encoded"`
}

// side is one function under test with the latencies seen so far.
type side struct {
	name string
	rie  *testenv.RIE
	want int // response size
	took []time.Duration
}

func (s *side) invoke(ctx context.Context, t *testing.T, payload []byte) {
	t.Helper()
	res, err := s.rie.Invoke(ctx, payload, nil)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	if res.Status != http.StatusOK || len(res.Body) != s.want || !bytes.Contains(res.Body, []byte(`"statusCode":200`)) {
		t.Fatalf("%s answered %d: %.300s", s.name, res.Status, res.Body)
	}
	s.took = append(s.took, res.Took)
}

func mustInvoke(ctx context.Context, t *testing.T, r *testenv.RIE, payload []byte) []byte {
	t.Helper()
	res, err := r.Invoke(ctx, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("invoke answered %d: %s\n%s", res.Status, res.Body, r.Logs())
	}
	return res.Body
}
