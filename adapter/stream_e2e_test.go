//go:build e2e

package adapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// Streaming end to end. RIE accepts streamed responses but buffers them (and caps them at 6 MiB +
// 100 bytes): through RIE these tests check the wire format, cookies, pass-through events, the 413
// over the cap and, in Managed Instances mode (the only one that reads trailers), the error
// trailers. Incremental delivery, big bodies and memory are checked with the real adapter binary and
// go-httpbin against testenv.FakeAPI, which records every chunk with its arrival time.

// stPrelude is the JSON before the 8 NUL bytes.
type stPrelude struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
}

// get looks a header up by name in any case: the prelude's case is the event package's choice.
func (p stPrelude) get(name string) string {
	for k, v := range p.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func stSplit(t *testing.T, b []byte) (stPrelude, []byte) {
	t.Helper()
	var p stPrelude
	body := testenv.SplitStream(t, b, &p)
	return p, body
}

func stStartFn(t *testing.T, env ...string) *fn {
	t.Helper()
	return startFn(t, fnOptions{env: append([]string{"AWS_LWA_INVOKE_MODE=response_stream"}, env...)})
}

// stInvoke invokes through RIE and records when the first byte of its answer arrived.
func stInvoke(t *testing.T, f *fn, payload []byte) (status int, body []byte, first, total time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.rie.InvokeURL, bytes.NewReader(payload))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && body == nil {
			first = time.Since(start)
		}
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	return resp.StatusCode, body, first, time.Since(start)
}

func TestE2EStreamWireFormatThroughRIE(t *testing.T) {
	f := stStartFn(t)
	status, raw, first, total := stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/drip", Query: "duration=1&numbytes=5&delay=0"}))
	p, body := stSplit(t, raw)
	if status != 200 || p.StatusCode != 200 || string(body) != "*****" {
		t.Errorf("RIE answered %d, prelude %+v, body %q", status, p, body)
	}
	if !strings.HasPrefix(p.get("Content-Type"), "text/plain") {
		t.Errorf("prelude headers %v", p.Headers)
	}
	// Not asserted: this is RIE's behaviour, not the adapter's.
	t.Logf("/drip over 1 s through RIE: first byte of RIE's answer after %s, last after %s (RIE buffers streams)", first, total)

	_, raw, _, _ = stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/sse", Query: "count=3&duration=300ms"}))
	p, body = stSplit(t, raw)
	if !strings.HasPrefix(p.get("Content-Type"), "text/event-stream") || strings.Count(string(body), "event: ping") != 3 {
		t.Errorf("/sse: prelude %+v, body %q", p, body)
	}
}

func TestE2EStreamCookiesAndHeadersThroughRIE(t *testing.T) {
	f := stStartFn(t)
	_, raw, _, _ := stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/cookies/set", Query: "k1=v1&k2=v2"}))
	p, _ := stSplit(t, raw)
	slices.Sort(p.Cookies)
	if p.StatusCode != http.StatusFound || len(p.Cookies) != 2 || !strings.HasPrefix(p.Cookies[0], "k1=v1") || !strings.HasPrefix(p.Cookies[1], "k2=v2") {
		t.Errorf("prelude %+v: want a 302 with both cookies", p)
	}
	for k := range p.Headers {
		if strings.EqualFold(k, "set-cookie") {
			t.Errorf("Set-Cookie left in the prelude's headers: %v", p.Headers)
		}
	}
	_, raw, _, _ = stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/response-headers", Query: "X-Multi=a&X-Multi=b"}))
	p, body := stSplit(t, raw)
	if p.get("X-Multi") != "a,b" || !json.Valid(body) {
		t.Errorf("prelude %+v, body %q", p, body)
	}
}

func TestE2EStreamPassThroughThroughRIE(t *testing.T) {
	f := stStartFn(t, "AWS_LWA_PASS_THROUGH_PATH=/anything/events")
	sqs := `{"Records":[{"messageId":"m1","eventSource":"aws:sqs","body":"hello"}]}`
	status, raw, _, _ := stInvoke(t, f, []byte(sqs))
	var echo anything
	if err := json.Unmarshal(raw, &echo); err != nil || status != 200 {
		t.Fatalf("RIE answered %d %q: want the app's JSON, no prelude (%v)", status, testenv.Truncate(raw), err)
	}
	if echo.Method != "POST" || echo.Data != sqs || !strings.HasSuffix(echo.URL, "/anything/events") {
		t.Errorf("the app saw %s %s with %q", echo.Method, echo.URL, echo.Data)
	}
}

// Over RIE's 6 MiB cap the Runtime API answers 413 mid-stream; the adapter logs it and serves on.
func TestE2EStreamOverRIECap(t *testing.T) {
	f := stStartFn(t)
	_, raw, _, _ := stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/stream-bytes/" + strconv.Itoa(7<<20), Query: "seed=1"}))
	if !bytes.Contains(raw, []byte("ResponseSizeTooLarge")) {
		t.Errorf("caller got %q, want Lambda's size error", testenv.Truncate(raw))
	}
	if !f.rie.WaitLog("status 413", 5*time.Second) {
		t.Errorf("the adapter did not log the Runtime API's 413:\n%s", f.rie.Logs())
	}
	t.Logf("caller got %q", testenv.Truncate(raw))
	_, raw, _, _ = stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/bytes/100", Query: "seed=1"}))
	if _, body := stSplit(t, raw); len(body) != 100 {
		t.Errorf("next invocation: %d bytes", len(body))
	}
}

// stManaged starts RIE in Managed Instances mode (the one that reads trailers) with the adapter in
// streaming mode and bootstrap as /var/runtime/bootstrap; files are copied into /var/runtime.
func stManaged(t *testing.T, bootstrap string, files []string, env ...string) *testenv.RIE {
	t.Helper()
	varDir := testenv.VarDir(t)
	for _, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(varDir, "runtime", filepath.Base(src)), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "bootstrap"), []byte("#!/bin/sh\n"+bootstrap+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return testenv.StartRIE(t, testenv.Options{
		Opt: testenv.OptDir(t, adapterBin),
		Var: varDir,
		Env: append([]string{"AWS_LAMBDA_MAX_CONCURRENCY=1", "AWS_LWA_INVOKE_MODE=response_stream"}, env...),
	})
}

// stManagedInvoke invokes until the function serves (Init is eager in this mode and an invoke
// before the loop polls is refused) and returns the first real answer.
func stManagedInvoke(t *testing.T, r *testenv.RIE, payload []byte) *testenv.Result {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := r.Invoke(context.Background(), payload, nil)
		if err == nil && !(res.Status == http.StatusBadRequest && strings.Contains(string(res.Body), "Runtime.Unavailable")) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("function never served: %v %+v\n%s", err, res, r.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestE2EStreamErrorTrailersThroughRIEManagedInstances(t *testing.T) {
	bin := badapp(t)
	t.Run("app crashes mid-body", func(t *testing.T) {
		port := testenv.FreePort(t)
		r := stManaged(t, "exec /var/runtime/badapp -supervise -addr 127.0.0.1:"+strconv.Itoa(port), []string{bin},
			"AWS_LWA_PORT="+strconv.Itoa(port))
		res := stManagedInvoke(t, r, testenv.V2(testenv.HTTPEvent{Path: "/crash-mid-body"}))
		var doc struct{ ErrorType, ErrorMessage string }
		_ = json.Unmarshal(res.Body, &doc)
		if res.Header.Get("Error-Type") != "Runtime.StreamError" || doc.ErrorType != "Runtime.StreamError" ||
			!strings.Contains(doc.ErrorMessage, "app failed mid-body") {
			t.Errorf("RIE answered %d %v %q: want the adapter's error trailers", res.Status, res.Header, res.Body)
		}
	})
	t.Run("deadline mid-stream", func(t *testing.T) {
		port := testenv.FreePort(t)
		httpbin := testenv.HTTPBin(t, port)
		r := stManaged(t, "exec /var/runtime/go-httpbin "+strings.Join(httpbin[1:], " "), httpbin[:1],
			"AWS_LWA_PORT="+strconv.Itoa(port), "AWS_LAMBDA_FUNCTION_TIMEOUT=2")
		start := time.Now()
		res := stManagedInvoke(t, r, testenv.V2(testenv.HTTPEvent{Path: "/drip", Query: "duration=8&numbytes=16&delay=0"}))
		var doc struct{ ErrorType, ErrorMessage string }
		_ = json.Unmarshal(res.Body, &doc)
		if res.Header.Get("Error-Type") != "Runtime.AppTimeout" || !strings.Contains(doc.ErrorMessage, "before the invocation deadline") {
			t.Errorf("RIE answered %d %v %q after %s: want the adapter's timeout trailers, before RIE's own timeout",
				res.Status, res.Header, res.Body, time.Since(start))
		}
	})
}

// Classic mode reads the streamed body whole and drops the trailers: the caller gets the prelude and
// the partial body with a 200, and only the adapter's log tells of the failure.
func TestE2EStreamFailureThroughClassicRIE(t *testing.T) {
	bin := badapp(t)
	f := startFn(t, fnOptions{env: []string{"AWS_LWA_INVOKE_MODE=response_stream"}, bootstrap: func(port int) []string {
		return []string{bin, "-addr", "127.0.0.1:" + strconv.Itoa(port)}
	}})
	status, raw, _, _ := stInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/close-mid-body"}))
	p, body := stSplit(t, raw)
	if p.StatusCode != 200 || string(body) != "partial body" {
		t.Errorf("RIE answered %d, prelude %+v, body %q", status, p, body)
	}
	if !f.rie.WaitLog("app failed mid-stream", 5*time.Second) {
		t.Errorf("the adapter did not report the failure:\n%s", f.rie.Logs())
	}
	t.Logf("classic RIE answered %d with the %d bytes of prelude and partial body: the error trailers are not visible to the caller", status, len(raw))
}
