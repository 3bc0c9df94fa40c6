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

	"github.com/lwa-go/lwa/adapter/internal/httpsyntax"
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
		`{"requestContext":{"http":{"method":"G T"}}}`,
		`{"requestContext":{"http":{}},"cookies":["a=1","b=2"],"headers":{"cookie":"a=1; b=2","Cookie":["c=3"]}}`,
		`{"httpMethod":"GET","requestContext":{"httpMethod":"GET"},"headers":{"cookie":"a=1"},"multiValueHeaders":{"cookie":["a=1"]}}`, "{\"a\":1}\x00", `{"a":-01}`, `{"a":1.}`, `{"a":"\x"}`,
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
			if !httpsyntax.IsToken(k) {
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
			checkCookiesOnce(t, payload, req.Header)
			out, err := Encode(e, &Response{StatusCode: 200, Header: req.Header, Body: e.Body})
			if err != nil || !json.Valid(out) {
				t.Fatalf("Encode: %v %q", err, out)
			}
		}
	})
}

// checkCookiesOnce fails when a cookie reaches the app more often than any one of the event's cookie
// sources carries it: the cookies array, the cookie entries of headers, those of multiValueHeaders
// (issue 14: a Function URL sends its cookies in two of them, and the app got each twice).
func checkCookiesOnce(t *testing.T, payload []byte, h http.Header) {
	t.Helper()
	sources := eventCookies(payload)
	for c, n := range cookieCounts(h["Cookie"]) {
		most := 0
		for _, src := range sources {
			most = max(most, src[c])
		}
		// most is 0 only for a cookie whose invalid UTF-8 next to a control byte encoding/json and
		// stripControl rewrite differently: it cannot be matched to a source, so it is not counted.
		if most > 0 && n > most {
			t.Fatalf("cookie %q reaches the app %d times; no source of the event has it more than %d times (Cookie %q)", c, n, most, h["Cookie"])
		}
	}
}

// eventCookies counts the cookies of each source, read with encoding/json. A top-level field
// repeated keeps its last value, as in Decode; a header name repeated adds its values, as in Decode.
func eventCookies(payload []byte) [3]map[string]int {
	var top map[string]json.RawMessage
	var out [3]map[string]int
	if json.Unmarshal(payload, &top) != nil {
		return out
	}
	var arr []*string
	if json.Unmarshal(top["cookies"], &arr) == nil {
		out[0] = cookieCounts(derefAll(arr))
	}
	out[1] = cookieCounts(headerCookies(top["headers"]))
	out[2] = cookieCounts(headerCookies(top["multiValueHeaders"]))
	return out
}

// headerCookies returns the values of every Cookie entry (any case) of a header map whose values
// are strings or arrays of strings.
func headerCookies(raw json.RawMessage) []string {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var vals []string
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return vals
		}
		var v json.RawMessage
		if d.Decode(&v) != nil {
			return vals
		}
		if name, _ := key.(string); http.CanonicalHeaderKey(name) != "Cookie" {
			continue
		}
		var one string
		var many []*string
		if json.Unmarshal(v, &one) == nil {
			vals = append(vals, one)
		} else if json.Unmarshal(v, &many) == nil {
			vals = append(vals, derefAll(many)...)
		}
	}
	return vals
}

func derefAll(ps []*string) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// cookieCounts splits Cookie values into cookie-pairs (RFC 6265 section 4.2.1: separated by ";"),
// as the app reads them after control bytes are stripped, and counts each.
func cookieCounts(vals []string) map[string]int {
	n := make(map[string]int)
	for _, v := range vals {
		for p := range strings.SplitSeq(replaceInvalidUTF8(stripControl(v)), ";") {
			if p = strings.Trim(p, " \t"); p != "" {
				n[p]++
			}
		}
	}
	return n
}

// replaceInvalidUTF8 replaces each byte that is not UTF-8 with U+FFFD, as encoding/json does.
func replaceInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // ranging yields U+FFFD for each invalid byte
	}
	return b.String()
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
