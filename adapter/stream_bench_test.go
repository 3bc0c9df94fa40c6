package adapter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The streaming figures in docs/streaming.md come from these benchmarks:
//
//	go test -run '^$' -bench 'BenchmarkStream(Throughput|Floor)' -benchtime 5x -count 3 ./adapter/
//	go test -run '^$' -bench 'BenchmarkStreamTTFB' -benchtime 300x -count 3 ./adapter/
//
// Everything runs in one process on loopback: the app (net/http), the adapter and the fake Runtime API
// share the machine's cores, as the app and the adapter share a Lambda sandbox's.

// BenchmarkStreamThroughput streams 1 GiB from the app through the adapter to the Runtime API.
func BenchmarkStreamThroughput(b *testing.B) {
	app := httptest.NewServer(gibApp())
	defer app.Close()
	api := startStreamAdapter(b, app.Listener.Addr().String())
	api.DiscardBodies()
	payload := v2("GET", "/gib", "")
	b.SetBytes(gib)
	cpu0 := cpuTime(b)
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		o, err := api.Invoke(ctx, payload, time.Minute, nil)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if o.Error || o.Size < gib || o.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "" {
			b.Fatalf("stream incomplete: %d bytes, %s", o.Size, o)
		}
	}
	// CPU time per GiB for the app, the adapter and the fake together: less sensitive than MB/s to
	// other work on a shared machine.
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/GiB")
}

// BenchmarkStreamFloor is BenchmarkStreamThroughput's floor on the same machine: the same app's
// GiB carried the same two loopback hops by net/http alone (a GET, its body copied into a chunked
// POST to a server that discards it), with no event, no prelude and no Runtime API. Loopback
// copies differ several-fold between hosts, so the adapter's MB/s is read against this one.
func BenchmarkStreamFloor(b *testing.B) {
	app := httptest.NewServer(gibApp())
	defer app.Close()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer sink.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	b.SetBytes(gib)
	for b.Loop() {
		resp, err := client.Get(app.URL + "/gib")
		if err != nil {
			b.Fatal(err)
		}
		// Wrapped so that the POST's length is unknown and it is sent chunked, as a stream is.
		body := struct{ io.Reader }{resp.Body}
		post, err := client.Post(sink.URL, "application/octet-stream", body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		post.Body.Close()
		if post.StatusCode != http.StatusOK {
			b.Fatalf("sink answered %s", post.Status)
		}
	}
}

// gib is what the throughput benchmarks stream: 1 GiB.
const gib = 1 << 30

// gibApp answers any path but / (the readiness check) with 1 GiB written 1 MiB at a time.
func gibApp() http.Handler {
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(i * 7)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		for sent := 0; sent < gib; sent += len(block) {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	})
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStreamTTFB compares the time to the first body byte through the adapter (from the
// invocation's hand-off by the Runtime API to the byte's arrival there) with calling the app
// directly. The app flushes one byte, then holds the response open for 5 ms: a held-back byte would
// show as a time to first byte above 5 ms.
func BenchmarkStreamTTFB(b *testing.B) {
	const hold = 5 * time.Millisecond
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "x")
		w.(http.Flusher).Flush()
		time.Sleep(hold)
		_, _ = io.WriteString(w, "y")
	}))
	defer app.Close()
	api := startStreamAdapter(b, app.Listener.Addr().String())
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	payload := v2("GET", "/first", "")
	var direct, adapter []time.Duration
	for b.Loop() {
		start := time.Now()
		resp, err := client.Get(app.URL + "/first")
		if err != nil {
			b.Fatal(err)
		}
		one := make([]byte, 1)
		if _, err := io.ReadFull(resp.Body, one); err != nil {
			b.Fatal(err)
		}
		direct = append(direct, time.Since(start))
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start = time.Now()
		o, err := api.Invoke(ctx, payload, 5*time.Second, nil)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		at, ok := firstBodyByte(o)
		if !ok {
			b.Fatalf("no body byte: %s", o)
		}
		adapter = append(adapter, at.Sub(start))
	}
	// Medians: a shared machine's stalls would dominate means.
	slices.Sort(direct)
	slices.Sort(adapter)
	d, a := direct[len(direct)/2], adapter[len(adapter)/2]
	b.ReportMetric(float64(d), "direct-p50-ns")
	b.ReportMetric(float64(a), "adapter-p50-ns")
	b.ReportMetric(float64(a-d), "added-p50-ns")
}
