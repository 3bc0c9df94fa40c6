package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenOptions are the request options of every golden request: fixed, so the output is stable.
func goldenOptions() RequestOptions {
	lc := LambdaContext{
		RequestID:          "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Deadline:           1542409706888,
		InvokedFunctionARN: "arn:aws:lambda:us-east-2:123456789012:function:web",
		XRayTraceID:        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		TenantID:           "tenant-a",
		EnvConfig:          EnvConfig{FunctionName: "web", Memory: 512, Version: "$LATEST", LogStream: "2026/05/27/[$LATEST]abc", LogGroup: "/aws/lambda/web"},
	}
	return RequestOptions{
		Host:                "127.0.0.1:8080",
		PassThroughPath:     "/events",
		AuthorizationSource: "X-Api-Token",
		LambdaContext:       lc.Marshal(),
		TraceID:             lc.XRayTraceID,
		TenantID:            lc.TenantID,
	}
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// dumpRequest renders a request as text: request line, Host, sorted headers, body (base64 when not
// UTF-8).
func dumpRequest(t *testing.T, e *Event, req *http.Request) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# kind: %s\n", e.Kind)
	fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL.String())
	fmt.Fprintf(&b, "Host: %s\n", req.Host)
	fmt.Fprintf(&b, "Content-Length: %d\n", req.ContentLength)
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(body)) != req.ContentLength {
			t.Errorf("body is %d bytes, ContentLength says %d", len(body), req.ContentLength)
		}
		if utf8.Valid(body) {
			b.Write(body)
		} else {
			b.WriteString("base64:" + base64.StdEncoding.EncodeToString(body))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// TestGoldenRequests turns every fixture event into a request and compares it with its golden dump.
// Each request must also be writable by net/http, the check that decides whether an invocation
// reaches the app at all.
func TestGoldenRequests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	// A real server and transport: net/http's client checks header names and values that
	// Request.Write does not.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer app.Close()
	transport := &http.Transport{DisableCompression: true}
	defer transport.CloseIdleConnections()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := Decode(payload)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			req, err := e.Request(context.Background(), goldenOptions())
			if err != nil {
				t.Fatalf("Request: %v", err)
			}
			checkGolden(t, filepath.Join("requests", name+".txt"), dumpRequest(t, e, req))
			if req.GetBody != nil {
				if req.Body, err = req.GetBody(); err != nil {
					t.Fatal(err)
				}
			}
			req.URL.Host = strings.TrimPrefix(app.URL, "http://")
			resp, err := transport.RoundTrip(req)
			if err != nil {
				t.Fatalf("net/http cannot send the request: %v", err)
			}
			resp.Body.Close()
		})
	}
}

// goldenResponses are the app answers every kind is encoded for.
func goldenResponses() []struct {
	name string
	resp Response
} {
	return []struct {
		name string
		resp Response
	}{
		{"html-cookies", Response{StatusCode: 200, Header: http.Header{
			"Content-Type":      {"text/html; charset=utf-8"},
			"Set-Cookie":        {"session=abc; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT"},
			"X-Multi":           {"one", "two"},
			"Transfer-Encoding": {"chunked"},
			"Connection":        {"keep-alive, X-Hop"},
			"X-Hop":             {"dropped"},
			"Keep-Alive":        {"timeout=5"},
		}, Body: []byte("<h1>héllo \"wörld\"</h1>\n\t\u2028")}},
		{"binary-untyped", Response{StatusCode: 200, Header: http.Header{}, Body: []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F'}}},
		{"text-untyped", Response{StatusCode: 201, Header: http.Header{"Location": {"/items/1"}}, Body: []byte("created ✓")}},
		{"json", Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: []byte(`{"ok":true,"n":[1,2]}`)}},
		{"gzip", Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}, "Content-Encoding": {"gzip"}}, Body: []byte{0x1f, 0x8b, 0x08, 0x00, 'a', 'b'}}},
		{"octet-ascii", Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: []byte("abc")}},
		{"text-latin1", Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain; charset=iso-8859-1"}}, Body: []byte{'c', 'a', 'f', 0xe9}}},
		{"empty-204", Response{StatusCode: 204, Header: http.Header{"Content-Length": {"0"}}}},
		{"teapot", Response{StatusCode: 418, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("short and stout")}},
		{"svg-text-override", Response{StatusCode: 200, Header: http.Header{"Content-Type": {"image/svg"}, "X-Lambda-Http-Content-Encoding": {"text"}},
			Body: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>héllo</text></svg>`)}},
	}
}

// TestGoldenResponses encodes every golden response for one event of each kind, compares the JSON
// with its golden file, and checks that decoding the JSON gives back the app's exact body bytes.
func TestGoldenResponses(t *testing.T) {
	events := map[string]string{
		"v1":          "aws-apigw-request.json",
		"v2":          "aws-apigw-v2-request-no-authorizer.json",
		"url":         "aws-lambda-urls-request.json",
		"alb-single":  "aws-alb-lambda-target-request-headers-only.json",
		"alb-multi":   "aws-alb-lambda-target-request-multivalue-headers.json",
		"lattice":     "lwa-lattice-v2.json",
		"passthrough": "aws-sqs-event.json",
	}
	for ename, file := range events {
		payload, err := os.ReadFile(filepath.Join("testdata", "events", file))
		if err != nil {
			t.Fatal(err)
		}
		e, err := Decode(payload)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range goldenResponses() {
			t.Run(ename+"/"+tc.name, func(t *testing.T) {
				out, err := Encode(e, &tc.resp)
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(out) {
					t.Fatalf("invalid JSON: %s", out)
				}
				if e.Kind != KindPassThrough {
					if got := bodyOf(t, out); !bytes.Equal(got, tc.resp.Body) {
						t.Errorf("body round trip: got %q, want %q", got, tc.resp.Body)
					}
				}
				checkGolden(t, filepath.Join("responses", ename+"-"+tc.name+".json"), append(out, '\n'))
			})
		}
	}
}

// bodyOf decodes the body an encoded response carries.
func bodyOf(t *testing.T, out []byte) []byte {
	t.Helper()
	var r struct {
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
