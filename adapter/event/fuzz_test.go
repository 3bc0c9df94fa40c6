package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeRequest checks that any payload either fails to decode, exactly when it is not valid
// JSON (or its base64 body is invalid), or becomes a request net/http can send: no panic, no
// control byte or space on the request line, no invalid header.
func FuzzDecodeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "/api")
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `"x"`, `1e5`, `{"a":[{"b":{}}]}`, `{"httpMethod":"GET","requestContext":{"httpMethod":"GET"},"path":"/api"}`,
		`{"requestContext":{"http":{"method":"GET"}},"rawPath":"/\u0000","rawQueryString":"a b#c","body":"\ud800x","isBase64Encoded":false}`,
		`{"requestContext":{"http":{}},"body":"YQ","isBase64Encoded":true}`,
		`{"requestContext":{"elb":{}},"httpMethod":"POST","multiValueHeaders":{"a":["1",null,"2"]},"headers":{"b":"x"}}`,
		`{"version":"2.0","requestContext":{"serviceNetworkArn":"a"},"path":"/x?y=z","headers":{"a":"1","b":["2"]}}`,
		`{"requestContext":{"http":{"method":"G T"}}}`, "{\"a\":1}\x00", `{"a":-01}`, `{"a":1.}`, `{"a":"\x"}`,
	} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, payload []byte, basePath string) {
		e, err := Decode(payload)
		valid := json.Valid(payload)
		if err != nil {
			if valid && !strings.Contains(err.Error(), "base64") {
				t.Fatalf("valid JSON rejected: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid JSON accepted as %s", e.Kind)
		}
		opts := RequestOptions{Host: "127.0.0.1:8080", RemoveBasePath: basePath, AuthorizationSource: "x-api-key",
			LambdaContext: []byte(`{"request_id":"r"}`), TraceID: "Root=1", TenantID: "t"}
		req, err := e.Request(context.Background(), opts)
		if err != nil {
			if strings.Contains(err.Error(), "invalid method") {
				return
			}
			t.Fatalf("Request: %v", err)
		}
		uri := req.URL.RequestURI()
		if !strings.HasPrefix(uri, "/") {
			t.Fatalf("request URI %q does not start with /", uri)
		}
		for i := 0; i < len(uri); i++ {
			if c := uri[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("request URI %q has byte %#x", uri, c)
			}
		}
		for k, vs := range req.Header {
			if !validName(k) {
				t.Fatalf("invalid header name %q", k)
			}
			for _, v := range vs {
				if strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
					t.Fatalf("control byte in %s: %q", k, v)
				}
			}
		}
		if err := req.Write(io.Discard); err != nil {
			t.Fatalf("net/http cannot send it: %v", err)
		}
		// x-amzn-request-context: exactly one value, JSON, null for a pass-through event.
		rc := req.Header[HeaderRequestContext]
		if len(rc) != 1 || !json.Valid([]byte(rc[0])) || e.Kind == KindPassThrough && rc[0] != "null" {
			t.Fatalf("%s %q for a %s event", HeaderRequestContext, rc, e.Kind)
		}
		if e.Kind != KindPassThrough {
			out, err := Encode(e, &Response{StatusCode: 200, Header: req.Header, Body: e.Body})
			if err != nil || !json.Valid(out) {
				t.Fatalf("Encode: %v %q", err, out)
			}
		}
	})
}

// parseHeader turns "Name: value" lines into a header, for the fuzzers.
func parseHeader(blob string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(blob, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(k, v)
		}
	}
	return h
}

// FuzzEncode checks that every response encodes to valid JSON that carries the exact body bytes.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(2), 200, "Content-Type: text/html\nSet-Cookie: a=1\nSet-Cookie: b=2", []byte("<p>hi</p>"), false)
	f.Add(uint8(1), 404, "X-A: 1\nX-A: 2", []byte{0xff, 0x00, 0xfe}, false)
	f.Add(uint8(3), 301, "Location: /x\nTransfer-Encoding: chunked", []byte(""), true)
	f.Add(uint8(4), 500, "Content-Type: application/json", []byte(`{"a":"\u2028"}`), false)
	f.Add(uint8(0), 200, "", []byte(`{"batchItemFailures":[]}`), false)
	f.Add(uint8(0), 200, "", []byte("not json \xff"), false)
	f.Add(uint8(2), 200, "Content-Encoding: gzip", []byte("\x1f\x8b"), false)
	f.Add(uint8(3), 200, "Content-Type: image/svg\nX-Lambda-Http-Content-Encoding: text", []byte("<svg/>"), true)
	f.Add(uint8(4), 200, "Content-Type: image/png\nX-Lambda-Http-Content-Encoding: TEXT", []byte("\x89PNG\xff"), false)
	f.Add(uint8(1), 200, "Content-Encoding: br\nX-Lambda-Http-Content-Encoding: text", []byte("ok"), false)
	f.Fuzz(func(t *testing.T, kind uint8, status int, headerBlob string, body []byte, multi bool) {
		e := &Event{Kind: Kind(kind % 5), MultiValue: multi}
		h := parseHeader(headerBlob)
		out, err := Encode(e, &Response{StatusCode: status, Header: h, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		if e.Kind == KindPassThrough {
			checkPassThrough(t, out, body)
			return
		}
		var r struct {
			StatusCode      int      `json:"statusCode"`
			Body            string   `json:"body"`
			IsBase64Encoded bool     `json:"isBase64Encoded"`
			Cookies         []string `json:"cookies"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatal(err)
		}
		got := []byte(r.Body)
		if r.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(r.Body); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, body) || r.StatusCode != status {
			t.Fatalf("round trip: status %d body %q, want %d %q", r.StatusCode, got, status, body)
		}
		if e.Kind == KindAPIGatewayV2 && len(r.Cookies) != len(h["Set-Cookie"]) {
			t.Fatalf("cookies %q, want %q", r.Cookies, h["Set-Cookie"])
		}
	})
}

// checkPassThrough checks a pass-through result: the JSON body itself, null, or the body as a string
// (base64 when not UTF-8).
func checkPassThrough(t *testing.T, out, body []byte) {
	t.Helper()
	switch {
	case len(body) == 0:
		if string(out) != "null" {
			t.Fatalf("empty body: %q", out)
		}
	case json.Valid(body):
		if !bytes.Equal(out, body) {
			t.Fatalf("JSON body changed: %q", out)
		}
	default:
		var s string
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatal(err)
		}
		got := []byte(s)
		if !utf8.Valid(body) {
			var err error
			if got, err = base64.StdEncoding.DecodeString(s); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("body %q, want %q", got, body)
		}
	}
}

// FuzzStreamPrelude checks the prelude is JSON followed by exactly 8 NUL bytes, with every cookie.
func FuzzStreamPrelude(f *testing.F) {
	f.Add(200, "Content-Type: text/plain\nSet-Cookie: a=1\nSet-Cookie: b=2\nX: 1\nX: 2")
	f.Add(500, "")
	f.Add(-1, "Set-Cookie: \xff\nConnection: x\nX: \x00")
	f.Fuzz(func(t *testing.T, status int, headerBlob string) {
		h := parseHeader(headerBlob)
		p, err := StreamPrelude(status, h)
		if err != nil {
			t.Fatal(err)
		}
		js, ok := bytes.CutSuffix(p, []byte(preludeSeparator))
		if !ok || bytes.IndexByte(js, 0) >= 0 {
			t.Fatalf("prelude %q", p)
		}
		var r struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Cookies    []string          `json:"cookies"`
		}
		if err := json.Unmarshal(js, &r); err != nil {
			t.Fatalf("%v: %q", err, js)
		}
		if r.StatusCode != status || len(r.Cookies) != len(h["Set-Cookie"]) || r.Headers["content-type"] == "" && len(h["Content-Type"]) == 0 {
			t.Fatalf("prelude %s for %v", js, h)
		}
	})
}
