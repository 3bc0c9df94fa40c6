package adapter

// Bad input and oversized output, against the in-process Runtime API (issue 9): responses over
// Lambda's 6 MiB, malformed events, huge headers, control bytes, spoofed context headers.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

func TestFaultResponseTooLarge(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, logs := faultAdapter(t, app.addr())
	limit := fmt.Sprint(MaxBufferedResponse)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"declared", "n=7340032&chunked=false", []string{"is 7340032 bytes (Content-Length)", "limit of " + limit + " bytes", "response_stream"}},
		{"chunked", "n=7340032&chunked=true", []string{"over " + limit + " bytes (no Content-Length", "response_stream"}},
		// 5 MiB of binary fits as a body but not once base64-encoded into the JSON answer.
		{"encoded", "n=5242880&binary=true", []string{"bytes once encoded for Lambda (body 5242880 bytes)", "limit of " + limit + " bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/big"
			if strings.HasSuffix(tc.query, "binary=true") {
				path = "/binary"
			}
			o := invoke(t, api, v2("GET", path, tc.query))
			wantFailure(t, o, logs, errTypeTooLarge, tc.want...)
			wantServed(t, api, "GET")
		})
	}
	// Just under the limit passes.
	o := invoke(t, api, v2("GET", "/big", fmt.Sprintf("n=%d&chunked=false", MaxBufferedResponse-1024)))
	if o.Error || len(o.Body) < MaxBufferedResponse-1024 {
		t.Errorf("a %d-byte body failed: %.300s", MaxBufferedResponse-1024, o)
	}
}

// echoSeen is what /echo reports.
type echoSeen struct {
	Method   string              `json:"method"`
	RawPath  string              `json:"rawPath"`
	RawQuery string              `json:"rawQuery"`
	Query    map[string][]string `json:"query"`
	Header   map[string][]string `json:"header"`
	Body     string              `json:"body"`
}

// invokeEcho invokes and decodes what the app saw.
func invokeEcho(t *testing.T, api *testenv.FakeAPI, payload []byte, headers map[string]string) (v2Result, echoSeen) {
	t.Helper()
	o := invokeWith(t, api, payload, 5*time.Second, headers)
	var r v2Result
	var e echoSeen
	if o.Error || json.Unmarshal(o.Body, &r) != nil {
		t.Fatalf("outcome %s", o)
	}
	if r.StatusCode == 200 {
		if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
			t.Fatalf("echo %q: %v", r.Body, err)
		}
	}
	return r, e
}

func TestFaultBadEvents(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, logs := faultAdapter(t, app.addr())
	t.Run("invalid base64 body", func(t *testing.T) {
		p := []byte(`{"version":"2.0","rawPath":"/echo","requestContext":{"http":{"method":"POST","path":"/echo"}},"isBase64Encoded":true,"body":"not base64!"}`)
		wantFailure(t, invoke(t, api, p), logs, errTypeInvalidEvent, "isBase64Encoded=true but is not valid base64")
		wantServed(t, api, "GET")
	})
	for _, p := range []string{`{"version":"2.0","rawPath":`, `{"version":"2.0","rawPath":5,"requestContext":{"http":{"method":"GET"}}}`, "\xff\xfe", ``} {
		t.Run(fmt.Sprintf("malformed %.12q", p), func(t *testing.T) {
			o := invoke(t, api, []byte(p))
			t.Logf("outcome: %.200s", o)
			// Not an HTTP event: an error naming the decoding step, or passed through to /events as is.
			if o.Error {
				wantFailure(t, o, logs, errTypeInvalidEvent, "decode")
			} else if !strings.Contains(string(o.Body), "ok POST ") {
				t.Errorf("neither an error nor passed through: %s", o)
			}
			wantServed(t, api, "GET")
		})
	}
	t.Run("huge header", func(t *testing.T) {
		big := strings.Repeat("h", 64<<10)
		_, e := invokeEcho(t, api, testenv.V2(testenv.HTTPEvent{Path: "/echo", Headers: map[string]string{"x-big": big}}), nil)
		if got := strings.Join(e.Header["X-Big"], ""); got != big {
			t.Errorf("a 64 KiB header reached the app as %d bytes", len(got))
		}
		// Over the app's own limit (net/http: 1 MiB): its 431 answer goes back to the caller.
		r, _ := invokeEcho(t, api, testenv.V2(testenv.HTTPEvent{Path: "/echo", Headers: map[string]string{"x-big": strings.Repeat("h", 2<<20)}}), nil)
		if r.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("a 2 MiB header: status %d, want the app's 431", r.StatusCode)
		}
		wantServed(t, api, "GET")
	})
	t.Run("control bytes", func(t *testing.T) {
		_, e := invokeEcho(t, api, testenv.V2(testenv.HTTPEvent{Path: "/echo/a\x00b\r\nX-Injected: 1 \x7f", Headers: map[string]string{
			"x-ctl": "v\r\nX-Injected: 1\x00", "bad\r\nname": "x", "x-tab": "a\tb"}}), nil)
		if e.RawPath != "/echo/a%00b%0D%0AX-Injected:%201%20%7F" {
			t.Errorf("path reached the app as %q", e.RawPath)
		}
		if got := e.Header["X-Ctl"]; len(got) != 1 || got[0] != "vX-Injected: 1" {
			t.Errorf("x-ctl reached the app as %q", got)
		}
		if _, ok := e.Header["X-Injected"]; ok {
			t.Errorf("header injection: %v", e.Header)
		}
		if got := e.Header["X-Tab"]; len(got) != 1 || got[0] != "a\tb" {
			t.Errorf("x-tab reached the app as %q", got)
		}
		for k := range e.Header {
			if strings.ContainsAny(k, "\r\n") || strings.HasPrefix(k, "Bad") {
				t.Errorf("an invalid header name reached the app: %q", k)
			}
		}
	})
	t.Run("plus and percent in queries", func(t *testing.T) {
		_, e := invokeEcho(t, api, testenv.V2(testenv.HTTPEvent{Path: "/echo", Query: "a=1+2&b=100%&c=%2B&d=%zz&e=%25&f=a%20b"}), nil)
		want := map[string]string{"a": "1 2", "b": "100%", "c": "+", "d": "%zz", "e": "%", "f": "a b"}
		for k, v := range want {
			if got := e.Query[k]; len(got) != 1 || got[0] != v {
				t.Errorf("query %s = %q, want %q (raw query at the app: %q)", k, got, v, e.RawQuery)
			}
		}
	})
}

func TestFaultSpoofedContextHeaders(t *testing.T) {
	app := newFaultApp(t, 0, 0)
	api, _ := faultAdapter(t, app.addr())
	spoof := map[string]string{
		"x-amzn-lambda-context":  `{"request_id":"spoofed"}`,
		"x-amzn-request-context": `{"accountId":"spoofed"}`,
		"x-amz-tenant-id":        "spoofed",
	}
	for _, tenant := range []string{"tenant-42", ""} {
		t.Run("tenant="+tenant, func(t *testing.T) {
			var h map[string]string
			if tenant != "" {
				h = map[string]string{lambdaapi.HeaderTenantID: tenant}
			}
			_, e := invokeEcho(t, api, testenv.V2(testenv.HTTPEvent{Path: "/echo", Headers: spoof}), h)
			for name, vs := range e.Header {
				if len(vs) != 1 && strings.HasPrefix(name, "X-Amz") {
					t.Errorf("%s sent %d times: %q", name, len(vs), vs)
				}
				for _, v := range vs {
					if strings.Contains(v, "spoofed") {
						t.Errorf("the client's %s reached the app: %q", name, v)
					}
				}
			}
			var lc struct {
				RequestID string  `json:"request_id"`
				TenantID  *string `json:"tenant_id"`
			}
			if err := json.Unmarshal([]byte(strings.Join(e.Header["X-Amzn-Lambda-Context"], "")), &lc); err != nil || !strings.HasPrefix(lc.RequestID, "req-") {
				t.Errorf("x-amzn-lambda-context %q: %v", e.Header["X-Amzn-Lambda-Context"], err)
			}
			if !strings.Contains(strings.Join(e.Header["X-Amzn-Request-Context"], ""), `"apiId":"abc123"`) {
				t.Errorf("x-amzn-request-context %q is not the event's", e.Header["X-Amzn-Request-Context"])
			}
			got := e.Header["X-Amz-Tenant-Id"]
			if tenant == "" && len(got) != 0 || tenant != "" && (len(got) != 1 || got[0] != tenant) {
				t.Errorf("x-amz-tenant-id %q, want %q", got, tenant)
			}
			if tenant != "" && (lc.TenantID == nil || *lc.TenantID != tenant) {
				t.Errorf("lambda context tenant %v, want %q", lc.TenantID, tenant)
			}
		})
	}
}
