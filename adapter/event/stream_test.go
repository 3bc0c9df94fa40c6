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
		{"default content type", 200, http.Header{}, map[string]string{"Content-Type": "application/octet-stream"}, []string{}},
		{"nil header", 204, nil, map[string]string{"Content-Type": "application/octet-stream"}, []string{}},
		{"multi-value and cookies", 201, http.Header{
			"Content-Type":      {"text/event-stream"},
			"Cache-Control":     {"no-cache", "no-transform"},
			"Set-Cookie":        {"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"},
			"Transfer-Encoding": {"chunked"},
			"Connection":        {"keep-alive"},
			"X-Quote":           {`say "hi"`},
		}, map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache,no-transform", "X-Quote": `say "hi"`},
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
