package h1

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkGet1K compares Client.Do with net/http's Client on a loopback GET of a 1 KB body, on a
// kept-alive connection. The server is net/http's, in this process: its allocations count in
// allocs/op on both sides, and the difference is the clients'.
//
//	go test -run '^$' -bench . -benchmem ./adapter/internal/h1/
func BenchmarkGet1K(b *testing.B) {
	payload := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 32) // 1024 bytes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	defer srv.Close()
	buf := make([]byte, 4096)
	run := func(b *testing.B, do func(*http.Request) (*http.Response, error)) {
		req, err := http.NewRequest("GET", srv.URL+"/range/1024", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			resp, err := do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.ReadFull(resp.Body, buf[:len(payload)])
			if err != nil || n != len(payload) {
				b.Fatal(n, err)
			}
			if _, err := resp.Body.Read(buf); err != io.EOF {
				b.Fatal("body longer than 1 KB, or", err)
			}
			resp.Body.Close()
		}
	}
	b.Run("h1", func(b *testing.B) {
		c := &Client{MaxIdle: 4}
		defer c.CloseIdle()
		run(b, c.Do)
	})
	// What a request that must not go on a stale connection (FreshAfter) pays: a new connection.
	b.Run("h1_new_connection", func(b *testing.B) {
		run(b, (&Client{}).Do)
	})
	b.Run("net_http", func(b *testing.B) {
		tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		run(b, c.Do)
	})
}
