package compress

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/lwa-go/lwa/adapter/event"
)

// FuzzApply checks that a compressed body always decompresses to the original, and that an
// uncompressed one is untouched.
func FuzzApply(f *testing.F) {
	f.Add("gzip, br;q=0.5", "text/html", []byte("<p>hello hello hello hello hello hello</p>"))
	f.Add("br", "image/svg+xml", bytes.Repeat([]byte("<svg/>"), 20))
	f.Add("*;q=0.1, gzip;q=0", "", bytes.Repeat([]byte{0}, 100))
	f.Add("identity", "image/png", []byte("abc"))
	f.Fuzz(func(t *testing.T, accept, contentType string, body []byte) {
		resp := &event.Response{StatusCode: 200, Header: http.Header{"Content-Type": {contentType}}, Body: body}
		if err := Apply(resp, accept); err != nil {
			t.Fatal(err)
		}
		enc := resp.Header.Get("Content-Encoding")
		switch enc {
		case "":
			if !bytes.Equal(resp.Body, body) {
				t.Fatal("body changed without Content-Encoding")
			}
		case Gzip, Brotli:
			if enc != Negotiate(accept) {
				t.Fatalf("encoded %s, negotiated %s", enc, Negotiate(accept))
			}
			if got := decompress(t, enc, resp.Body); !bytes.Equal(got, body) {
				t.Fatal("round trip differs")
			}
		default:
			t.Fatalf("Content-Encoding %q", enc)
		}
	})
}
