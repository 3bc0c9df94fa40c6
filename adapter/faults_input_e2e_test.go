//go:build e2e

package adapter_test

// Bad input and oversized output through the real RIE (issue 9); see faults_e2e_test.go.

import (
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

func TestE2EFaultResponseTooLarge(t *testing.T) {
	f := startBad(t, nil)
	for _, q := range []string{"n=7340032", "n=7340032&cl=0"} {
		res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/big", Query: q}), nil)
		want := "is 7340032 bytes (Content-Length), over Lambda's buffered response limit of 6291456 bytes"
		if strings.HasSuffix(q, "cl=0") {
			want = "over 6291456 bytes (no Content-Length; reading stopped there)"
		}
		wantE2EError(t, f, res, "Runtime.ResponseSizeTooLarge", want, "AWS_LWA_INVOKE_MODE=response_stream")
		t.Logf("%s: %s", q, res.Body)
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/after"}, nil)
	}
	wantSameAdapter(t, f)
}

func TestE2EFaultBadEvents(t *testing.T) {
	f := startBad(t, nil)
	res := rawInvoke(t, f, []byte(`{"version":"2.0","rawPath":"/echo/x","requestContext":{"http":{"method":"POST"}},"isBase64Encoded":true,"body":"%%%"}`), nil)
	wantE2EError(t, f, res, "Runtime.InvalidEvent", "isBase64Encoded=true but is not valid base64")
	res = rawInvoke(t, f, []byte(`{"version":"2.0","rawPath":`), nil)
	wantE2EError(t, f, res, "Runtime.InvalidEvent", "decode")
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/after"}, nil)

	e := echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/a\x00b\r\nX-Injected: 1", Query: "a=1+2&b=100%&c=%2B&d=%zz",
		Headers: map[string]string{"x-ctl": "v\r\nX-Injected: 1", "x-big": strings.Repeat("h", 64<<10)}}, nil)
	if e.RawPath != "/echo/a%00b%0D%0AX-Injected:%201" {
		t.Errorf("path reached the app as %q", e.RawPath)
	}
	if _, ok := e.Header["X-Injected"]; ok || strings.Join(e.Header["X-Ctl"], ",") != "vX-Injected: 1" {
		t.Errorf("header injection: x-ctl %q, x-injected %q", e.Header["X-Ctl"], e.Header["X-Injected"])
	}
	if len(strings.Join(e.Header["X-Big"], "")) != 64<<10 {
		t.Errorf("64 KiB header lost")
	}
	for k, v := range map[string]string{"a": "1 2", "b": "100%", "c": "+", "d": "%zz"} {
		if got := e.Query[k]; len(got) != 1 || got[0] != v {
			t.Errorf("query %s = %q, want %q (raw %q)", k, got, v, e.RawQuery)
		}
	}
	wantSameAdapter(t, f)
}

func TestE2EFaultSpoofedContextHeaders(t *testing.T) {
	f := startBad(t, nil)
	spoof := map[string]string{"x-amzn-lambda-context": `{"request_id":"spoofed"}`,
		"x-amzn-request-context": `{"accountId":"spoofed"}`, "x-amz-tenant-id": "spoofed"}
	e := echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/spoof", Headers: spoof},
		map[string]string{"X-Amzn-RequestId": "real-request-1", "X-Amz-Tenant-Id": "real-tenant"})
	for name, vs := range e.Header {
		for _, v := range vs {
			if strings.Contains(v, "spoofed") {
				t.Errorf("the client's %s reached the app: %q", name, v)
			}
		}
	}
	lc := strings.Join(e.Header["X-Amzn-Lambda-Context"], "")
	if !strings.Contains(lc, `"request_id":"real-request-1"`) || !strings.Contains(lc, `"tenant_id":"real-tenant"`) {
		t.Errorf("x-amzn-lambda-context %s", lc)
	}
	if got := e.Header["X-Amz-Tenant-Id"]; len(got) != 1 || got[0] != "real-tenant" {
		t.Errorf("x-amz-tenant-id %q", got)
	}
	if rc := strings.Join(e.Header["X-Amzn-Request-Context"], ""); !strings.Contains(rc, `"apiId":"abc123"`) {
		t.Errorf("x-amzn-request-context %s", rc)
	}
	// Without a tenant, a client-sent x-amz-tenant-id is removed.
	e = echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/spoof2", Headers: spoof}, nil)
	if got, ok := e.Header["X-Amz-Tenant-Id"]; ok {
		t.Errorf("x-amz-tenant-id %q without a tenant", got)
	}
}
