package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/lwa-go/lwa/adapter/event"
)

func TestNegotiate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, br", "br"},
		{"br;q=0.5, gzip", "gzip"},
		{"gzip;q=0.8, br;q=0.8", "br"},
		{"gzip;q=0, br;q=0", ""},
		{"br;q=0, gzip", "gzip"},
		{"*", "br"},
		{"*;q=0.5, gzip", "gzip"},
		{"*, br;q=0", "gzip"},
		{"*;q=0", ""},
		{"identity", ""},
		{"deflate", ""},
		{"x-gzip", "gzip"},
		{"GZIP;Q=1", "gzip"},
		{"gzip;q=garbage", ""},
		{"gzip;q=2", ""},
		{" , ;, gzip ; q=0.1", "gzip"},
		{"br;level=5", "br"},
	}
	for _, tc := range tests {
		if got := Negotiate(tc.in); got != tc.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

var page = []byte(strings.Repeat("<p>hello, compressible world</p>\n", 64))

func decompress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case Brotli:
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name       string
		header     http.Header
		body       []byte
		accept     string
		wantEnc    string
		wantVary   []string
		wantLength bool // Content-Length kept
	}{
		{"gzip", http.Header{"Content-Type": {"text/html"}, "Content-Length": {"2112"}}, page, "gzip", "gzip", []string{"Accept-Encoding"}, false},
		{"br preferred", http.Header{"Content-Type": {"application/json"}}, page, "gzip, br", "br", []string{"Accept-Encoding"}, false},
		{"client accepts none: Vary still set", http.Header{"Content-Type": {"text/html"}, "Content-Length": {"2112"}}, page, "", "", []string{"Accept-Encoding"}, true},
		{"vary appended", http.Header{"Vary": {"Origin"}}, page, "gzip", "gzip", []string{"Origin", "Accept-Encoding"}, false},
		{"vary already there", http.Header{"Vary": {"origin, accept-encoding"}}, page, "gzip", "gzip", []string{"origin, accept-encoding"}, false},
		{"vary star", http.Header{"Vary": {"*"}}, page, "gzip", "gzip", []string{"*"}, false},
		{"too small", http.Header{"Content-Length": {"5"}}, []byte("hello"), "gzip", "", nil, true},
		{"already encoded", http.Header{"Content-Encoding": {"gzip"}}, page, "br", "", nil, false},
		{"png", http.Header{"Content-Type": {"image/png"}}, page, "gzip", "", nil, false},
		{"svg", http.Header{"Content-Type": {"image/svg+xml"}}, page, "gzip", "gzip", []string{"Accept-Encoding"}, false},
		{"sse", http.Header{"Content-Type": {"text/event-stream"}}, page, "gzip", "", nil, false},
		{"grpc", http.Header{"Content-Type": {"application/grpc+proto"}}, page, "gzip", "", nil, false},
		{"no-transform", http.Header{"Cache-Control": {"public, no-transform"}}, page, "gzip", "", nil, false},
		{"incompressible", http.Header{"Content-Length": {"64"}}, []byte("\x8a\x13\xf2\x01\x9c\x55\x72\xe0\x11\x39\xb8\x7a\x2d\x04\xc6\x93\x5e\x0f\x81\x27\xda\x6b\x33\x90\x4c\xa8\x1f\x77\xe5\x02\xbd\x68"), "gzip", "", []string{"Accept-Encoding"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := &event.Response{StatusCode: 200, Header: tc.header, Body: tc.body}
			if err := Apply(resp, tc.accept); err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Content-Encoding"); tc.wantEnc != "" && got != tc.wantEnc {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.wantEnc)
			}
			if tc.wantEnc == "" && !bytes.Equal(resp.Body, tc.body) {
				t.Fatal("body changed")
			}
			if tc.wantEnc != "" {
				if got := decompress(t, tc.wantEnc, resp.Body); !bytes.Equal(got, tc.body) {
					t.Fatal("decompressed body differs")
				}
			}
			if got := resp.Header.Values("Vary"); strings.Join(got, "|") != strings.Join(tc.wantVary, "|") {
				t.Errorf("Vary %q, want %q", got, tc.wantVary)
			}
			if _, ok := resp.Header["Content-Length"]; ok != tc.wantLength {
				t.Errorf("Content-Length present %v, want %v", ok, tc.wantLength)
			}
		})
	}
}

func TestApplyWeakensETag(t *testing.T) {
	resp := &event.Response{Header: http.Header{"Etag": {`"abc"`}}, Body: page}
	if err := Apply(resp, "gzip"); err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Etag"); got != `W/"abc"` {
		t.Errorf("ETag %q", got)
	}
}

func TestApplyNil(t *testing.T) {
	if err := Apply(nil, "gzip"); err != nil {
		t.Fatal(err)
	}
	resp := &event.Response{Body: page}
	if err := Apply(resp, "br"); err != nil || resp.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("nil header: %v %v", err, resp.Header)
	}
}

// TestPooledWritersAreClean compresses different bodies in turn: a pooled writer must not leak
// state from one response into the next.
func TestPooledWritersAreClean(t *testing.T) {
	for i := range 20 {
		for _, enc := range []string{Gzip, Brotli} {
			body := bytes.Repeat([]byte{byte('a' + i%26), ' '}, 100+i*37)
			resp := &event.Response{Header: http.Header{}, Body: body}
			if err := Apply(resp, enc); err != nil {
				t.Fatal(err)
			}
			if got := decompress(t, enc, resp.Body); !bytes.Equal(got, body) {
				t.Fatalf("%s round %d: body differs", enc, i)
			}
		}
	}
}

func BenchmarkApply(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		line := []byte(`{"id":12345,"name":"widget","tags":["a","b","c"],"price":9.99}` + "\n")
		body := bytes.Repeat(line, size/len(line)+1)[:size]
		for _, enc := range []string{Gzip, Brotli} {
			b.Run(enc+"/"+sizeName(size), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					resp := &event.Response{Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
					if err := Apply(resp, enc); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return "1MB"
	}
	return "1KB"
}
