package event

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestStreamPrelude(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		header      http.Header
		wantHeaders map[string]string
		wantCookies []string
	}{
		{"default content type", 200, http.Header{}, map[string]string{"content-type": "application/octet-stream"}, []string{}},
		{"nil header", 204, nil, map[string]string{"content-type": "application/octet-stream"}, []string{}},
		{"multi-value and cookies", 201, http.Header{
			"Content-Type":      {"text/event-stream"},
			"Cache-Control":     {"no-cache", "no-transform"},
			"Set-Cookie":        {"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"},
			"Transfer-Encoding": {"chunked"},
			"Connection":        {"keep-alive"},
			"X-Quote":           {`say "hi"`},
		}, map[string]string{"content-type": "text/event-stream", "cache-control": "no-cache,no-transform", "x-quote": `say "hi"`},
			[]string{"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := StreamPrelude(tc.status, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			js, ok := bytes.CutSuffix(p, []byte(preludeSeparator))
			if !ok || bytes.IndexByte(js, 0) >= 0 {
				t.Fatalf("prelude does not end with exactly 8 NUL bytes: %q", p)
			}
			var got struct {
				StatusCode int               `json:"statusCode"`
				Headers    map[string]string `json:"headers"`
				Cookies    []string          `json:"cookies"`
			}
			if err := json.Unmarshal(js, &got); err != nil {
				t.Fatalf("%v: %s", err, js)
			}
			if got.StatusCode != tc.status || !reflect.DeepEqual(got.Headers, tc.wantHeaders) || !reflect.DeepEqual(got.Cookies, tc.wantCookies) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestStreamPreludeExact(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		want   string
	}{
		{"sorted, joined, default type", 200, http.Header{"X-B": {"2"}, "X-A": {"1", "", "3"}},
			`{"statusCode":200,"headers":{"content-type":"application/octet-stream","x-a":"1,,3","x-b":"2"},"cookies":[]}`},
		{"headers named in Connection dropped", 500, http.Header{"Connection": {"close, X-Hop"}, "X-Hop": {"1"}, "Content-Type": {"text/plain"}},
			`{"statusCode":500,"headers":{"content-type":"text/plain"},"cookies":[]}`},
		{"names in any case", 302, http.Header{"content-type": {"text/html"}, "set-cookie": {"a=1"}, "Location": {"/x"}, "location": {"/y"}},
			`{"statusCode":302,"headers":{"content-type":"text/html","location":"/x,/y"},"cookies":["a=1"]}`},
		{"text mark sent on, no isBase64Encoded", 200, http.Header{"Content-Type": {"image/svg"}, "X-Lambda-Http-Content-Encoding": {"text"}},
			`{"statusCode":200,"headers":{"content-type":"image/svg","x-lambda-http-content-encoding":"text"},"cookies":[]}`},
		{"escaping", 200, http.Header{"Content-Type": {"text/plain"}, "X-Bad": {"\xff\x01<\u2028"}},
			`{"statusCode":200,"headers":{"content-type":"text/plain","x-bad":"\ufffd\u0001<\u2028"},"cookies":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := StreamPrelude(tc.status, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.want + preludeSeparator; string(p) != want {
				t.Errorf("prelude\n%q\nwant\n%q", p, want)
			}
		})
	}
}
