package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// benchEvent returns a real HTTP API v2 event carrying body (base64 when binary).
func benchEvent(b *testing.B, fixture string, body []byte, binary bool) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", fixture))
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	if binary {
		m["body"] = base64.StdEncoding.EncodeToString(body)
	} else {
		m["body"] = string(body)
	}
	m["isBase64Encoded"] = binary
	out, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkRoundTrip measures one invocation's translation work: Decode, Request, Encode, for a
// request and a response body of the same size. 1KB bodies are JSON text; 1MB bodies are binary
// (base64 in both directions), and 1MB-text is JSON, escaped in both directions.
func BenchmarkRoundTrip(b *testing.B) {
	opts := goldenOptions()
	for _, tc := range []struct {
		name    string
		fixture string
		size    int
		binary  bool
	}{
		{"v2/1KB", "aws-apigw-v2-request-no-authorizer.json", 1 << 10, false},
		{"v2/1MB", "aws-apigw-v2-request-no-authorizer.json", 1 << 20, true},
		{"v2/1MB-text", "aws-apigw-v2-request-no-authorizer.json", 1 << 20, false},
		{"v1/1KB", "aws-apigw-request.json", 1 << 10, false},
		{"v1/1MB", "aws-apigw-request.json", 1 << 20, true},
		{"alb/1KB", "lwa-alb-multivalue-encoded.json", 1 << 10, false},
	} {
		body := bytes.Repeat([]byte(`{"k":"v","n":1}`), tc.size/15+1)[:tc.size]
		ct := "application/json"
		if tc.binary {
			for i := range body {
				body[i] = byte(i * 7)
			}
			ct = "application/octet-stream"
		}
		payload := benchEvent(b, tc.fixture, body, tc.binary)
		respHeader := http.Header{"Content-Type": {ct}, "Set-Cookie": {"a=1", "b=2"}, "Date": {"Wed, 27 May 2026 10:00:00 GMT"}}
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				e, err := Decode(payload)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Request(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
				if _, err := Encode(e, &Response{StatusCode: 200, Header: respHeader, Body: body}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSteps splits the 1KB v2 round trip into its steps.
func BenchmarkSteps(b *testing.B) {
	opts := goldenOptions()
	body := bytes.Repeat([]byte(`{"k":"v","n":1}`), 1<<10/15+1)[:1<<10]
	payload := benchEvent(b, "aws-apigw-v2-request-no-authorizer.json", body, false)
	e, err := Decode(payload)
	if err != nil {
		b.Fatal(err)
	}
	resp := &Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	lc := LambdaContext{RequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", Deadline: 1542409706888, InvokedFunctionARN: "arn:aws:lambda:us-east-2:123456789012:function:web"}
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Request(context.Background(), opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode(e, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LambdaContext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = lc.Marshal()
		}
	})
	b.Run("StreamPrelude", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := StreamPrelude(200, resp.Header); err != nil {
				b.Fatal(err)
			}
		}
	})
}
