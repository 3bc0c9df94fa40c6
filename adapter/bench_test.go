package adapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/event"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// The forwarding and large-body figures in docs/performance.md come from these benchmarks
// (scripts/bench/run.sh runs them):
//
//	go test -run '^$' -bench 'Forward|LargeBody' -benchmem ./adapter/
//
// The app is a net/http server on loopback in the same process, so its allocations count in
// allocs/op on both sides of each comparison; the difference is the adapter's own.

// benchRange is the 1 KB text body the app serves, as go-httpbin's /range/1024 does.
var benchRange = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 40)[:1024]

// benchApp serves /range/1024 (1 KB of text), /bytes (largeBody bytes of binary) and /echo (the
// request body back, as binary). It sizes its buffers and declares Content-Length, as a tuned app
// would, so the figures show the adapter's costs rather than the app's.
func benchApp(b *testing.B) *httptest.Server {
	b.Helper()
	blob := make([]byte, largeBody)
	for i := range blob {
		blob[i] = byte(i*7 + i>>11)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/range/1024":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Etag", "range1024")
			_, _ = w.Write(benchRange)
		case "/bytes":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(blob)))
			_, _ = w.Write(blob)
		case "/echo":
			body := make([]byte, max(r.ContentLength, 0))
			if _, err := io.ReadFull(r.Body, body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(app.Close)
	return app
}

// benchAdapter is an adapter whose readiness check has passed, for the app at addr. Its Lambda API
// clients are never used: the benchmarks stop where the response would be posted.
func benchAdapter(b *testing.B, addr string) *Adapter {
	b.Helper()
	cfg := testConfig(b, addr, "127.0.0.1:9", "AWS_LAMBDA_FUNCTION_NAME", "bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
	a := New(cfg, slog.New(slog.DiscardHandler), nil, nil, "bench")
	close(a.ready)
	return a
}

func benchInvocation(payload []byte) *lambdaapi.Invocation {
	return &lambdaapi.Invocation{
		RequestID:   "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Deadline:    time.Now().Add(time.Hour),
		TraceID:     "Root=1-5e1b4151-5ac6c58f5b5dbd6a5f5d0e1c;Parent=1;Sampled=1",
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:bench",
		Payload:     payload,
	}
}

// forward is one buffered invocation up to the payload for /response: the pipeline's stages
// (invoke.go) without the final POST, which the native handler pays too. It encodes without the
// encode stage's check of the payload against Lambda's 6 MiB limit, so that BenchmarkLargeBody can
// measure a 6 MiB body's encoding (8 MiB in base64).
func forward(ctx context.Context, a *Adapter, inv *lambdaapi.Invocation) ([]byte, error) {
	if err := a.awaitReady(ctx); err != nil {
		return nil, err
	}
	ev, err := a.decode(ctx, a.log, inv)
	if err != nil {
		return nil, err
	}
	req, err := a.request(ctx, a.log, inv, ev)
	if err != nil {
		return nil, err
	}
	resp, err := a.send(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readResponse(ctx, resp)
	if err != nil {
		return nil, err
	}
	return event.Encode(ev, &event.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body})
}

// direct is the floor: the same GET sent straight to the app with the adapter's own HTTP client.
func direct(ctx context.Context, a *Adapter, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.app.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// BenchmarkForward compares one 1 KB buffered invocation through the adapter (HTTP API v2 event →
// request → app → API Gateway response JSON) with a direct GET of the same URL. The interleaved
// sub-benchmark alternates the two and reports both medians and their difference (the goal: at
// most +100 µs); the other two report allocs/op each.
func BenchmarkForward(b *testing.B) {
	app := benchApp(b)
	a := benchAdapter(b, app.Listener.Addr().String())
	ctx := context.Background()
	url := app.URL + "/range/1024"
	inv := benchInvocation(testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/range/1024", Headers: map[string]string{"accept": "text/plain"}}))
	checkForward := func(b *testing.B, out []byte, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Contains(out, benchRange[:64]) {
			b.Fatalf("unexpected answer %.200s", out)
		}
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := direct(ctx, a, url)
			checkForward(b, out, err)
		}
	})
	b.Run("adapter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := forward(ctx, a, inv)
			checkForward(b, out, err)
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var d, f []time.Duration
		for b.Loop() {
			start := time.Now()
			out, err := direct(ctx, a, url)
			d = append(d, time.Since(start))
			checkForward(b, out, err)
			start = time.Now()
			out, err = forward(ctx, a, inv)
			f = append(f, time.Since(start))
			checkForward(b, out, err)
		}
		pd, pf := median(d), median(f)
		b.ReportMetric(micros(pd), "direct-p50-µs")
		b.ReportMetric(micros(pf), "adapter-p50-µs")
		b.ReportMetric(micros(pf-pd), "added-p50-µs")
	})
}

// largeBody is Lambda's 6 MB payload limit's worth of binary data.
const largeBody = 6 << 20

// BenchmarkLargeBody compares a buffered 6 MiB binary response (the app's body read by the adapter
// and base64-encoded into the API Gateway JSON) with the one step no implementation can skip,
// base64-encoding 6 MiB into a fresh buffer. The goal is a ratio of at most 3 (interleaved, ratio).
// The echo case sends the same 6 MiB in the event too (base64 decoded, POSTed to the app, echoed):
// for information, since decoding the request is a second pass over the data. Events and answers
// this large exceed Lambda's 6 MB limits once base64-encoded; the benchmark measures the work.
func BenchmarkLargeBody(b *testing.B) {
	app := benchApp(b)
	a := benchAdapter(b, app.Listener.Addr().String())
	ctx := context.Background()
	body := make([]byte, largeBody)
	for i := range body {
		body[i] = byte(i*7 + i>>11)
	}
	get := benchInvocation(testenv.V2(testenv.HTTPEvent{Method: "GET", Path: "/bytes"}))
	echo := benchInvocation(testenv.V2(testenv.HTTPEvent{
		Method: "POST", Path: "/echo", Body: body, Base64: true,
		Headers: map[string]string{"content-type": "application/octet-stream"},
	}))
	want := []byte(base64.StdEncoding.EncodeToString(body[:3072])) // a multiple of 3: no padding
	encode := func() []byte {
		dst := make([]byte, base64.StdEncoding.EncodedLen(len(body)))
		base64.StdEncoding.Encode(dst, body)
		return dst
	}
	roundTrip := func(b *testing.B, inv *lambdaapi.Invocation) {
		out, err := forward(ctx, a, inv)
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Contains(out, want) || !bytes.HasSuffix(out, []byte(`"isBase64Encoded":true}`)) {
			b.Fatalf("unexpected answer %.200s", out)
		}
	}
	b.Run("base64", func(b *testing.B) {
		b.SetBytes(largeBody)
		b.ReportAllocs()
		for b.Loop() {
			_ = encode()
		}
	})
	b.Run("response", func(b *testing.B) {
		b.SetBytes(largeBody)
		b.ReportAllocs()
		for b.Loop() {
			roundTrip(b, get)
		}
	})
	b.Run("echo", func(b *testing.B) {
		b.SetBytes(largeBody)
		b.ReportAllocs()
		for b.Loop() {
			roundTrip(b, echo)
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var e, r, ec []time.Duration
		var ecpu, rcpu time.Duration
		for b.Loop() {
			start, c0 := time.Now(), benchCPU()
			_ = encode()
			e = append(e, time.Since(start))
			start, c1 := time.Now(), benchCPU()
			roundTrip(b, get)
			r = append(r, time.Since(start))
			start, c2 := time.Now(), benchCPU()
			roundTrip(b, echo)
			ec = append(ec, time.Since(start))
			ecpu += c1 - c0
			rcpu += c2 - c1
		}
		pe, pr, pec := median(e), median(r), median(ec)
		b.ReportMetric(micros(pe), "base64-p50-µs")
		b.ReportMetric(micros(pr), "response-p50-µs")
		b.ReportMetric(float64(pr)/float64(pe), "ratio")
		b.ReportMetric(float64(pec)/float64(pe), "echo-ratio")
		b.ReportMetric(float64(rcpu)/float64(ecpu), "cpu-ratio")
	})
}

// benchCPU is the CPU time this process has used (every thread: the app's goroutines too).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
