//go:build e2e

package examples

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

func TestNginx(t *testing.T) {
	f := startFunction(t, "nginx")
	css, err := os.ReadFile("nginx/public/style.css")
	if err != nil {
		t.Fatal(err)
	}
	logo, err := os.ReadFile("nginx/public/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range httpTriggers {
		t.Run(tr.name, func(t *testing.T) {
			r := f.invoke(t, tr, testenv.HTTPEvent{Path: "/"})
			if r.StatusCode != 200 || r.HeaderLine("content-type") != "text/html" || !strings.Contains(r.Body, "Served by nginx on AWS Lambda") {
				t.Errorf("GET /: %d %q %.80q", r.StatusCode, r.HeaderLine("content-type"), r.Body)
			}

			// nginx compresses the stylesheet itself; the adapter passes the gzip bytes through.
			r = f.invoke(t, tr, testenv.HTTPEvent{Path: "/style.css", Headers: map[string]string{"accept-encoding": "gzip"}})
			if r.StatusCode != 200 || r.HeaderLine("content-encoding") != "gzip" || r.HeaderLine("content-type") != "text/css" || !r.IsBase64Encoded {
				t.Fatalf("GET /style.css with gzip: %d headers %v %v base64=%v", r.StatusCode, r.Headers, r.MultiValueHeaders, r.IsBase64Encoded)
			}
			zr, err := gzip.NewReader(bytes.NewReader(r.BodyBytes(t)))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, css) {
				t.Errorf("gunzipped /style.css differs from the file (%v)", err)
			}
			if len(r.BodyBytes(t)) >= len(css) {
				t.Errorf("gzip body %d bytes, the file %d", len(r.BodyBytes(t)), len(css))
			}
			// Without Accept-Encoding, the file as it is.
			r = f.invoke(t, tr, testenv.HTTPEvent{Path: "/style.css"})
			if r.HeaderLine("content-encoding") != "" || !bytes.Equal(r.BodyBytes(t), css) {
				t.Errorf("GET /style.css without gzip: encoding %q, %d bytes", r.HeaderLine("content-encoding"), len(r.BodyBytes(t)))
			}

			f.wantFile(t, tr, "/logo.png", "image/png", logo)

			r = f.invoke(t, tr, testenv.HTTPEvent{Path: "/missing/page"})
			if r.StatusCode != 404 || r.HeaderLine("content-type") != "text/html" || !strings.Contains(r.Body, "404: no such page") {
				t.Errorf("GET /missing/page: %d %q %.80q", r.StatusCode, r.HeaderLine("content-type"), r.Body)
			}
		})
	}
}
