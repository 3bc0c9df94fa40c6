//go:build e2e

package adapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/testenv"
)

var (
	badappOnce sync.Once
	badappPath string
	badappErr  error
)

// badapp builds the misbehaving app once, next to adapterBin (TestMain removes that directory).
func badapp(t *testing.T) string {
	t.Helper()
	badappOnce.Do(func() {
		out := filepath.Join(filepath.Dir(adapterBin), "badapp")
		cmd := exec.Command("go", "build", "-o", out, "./adapter/testenv/badapp")
		cmd.Dir = testenv.ModuleRoot(t)
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			badappErr = err
			t.Logf("%s", b)
			return
		}
		badappPath = out
	})
	if badappErr != nil {
		t.Fatalf("build badapp: %v", badappErr)
	}
	return badappPath
}

// startBad runs the adapter in front of badapp under RIE. args are badapp's flags.
func startBad(t *testing.T, env []string, args ...string) *fn {
	t.Helper()
	bin := badapp(t)
	return startFn(t, fnOptions{env: env, bootstrap: func(port int) []string {
		return append([]string{bin, "-addr", "127.0.0.1:" + strconv.Itoa(port)}, args...)
	}})
}

// The fault suite through the real RIE (issue 9), with badapp as the function's app. Each test
// checks the caller's error, the adapter's log line, and that the next invocation is served — by the
// same adapter (one "app is ready" in the logs) unless the fault resets the sandbox.

// rawInvoke invokes and returns RIE's answer as it is.
func rawInvoke(t *testing.T, f *fn, payload []byte, headers map[string]string) *testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, payload, headers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// lambdaError is an invocation error as RIE returns it.
type lambdaError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// wantE2EError checks that res is an invocation error of errType saying every want, logged too.
func wantE2EError(t *testing.T, f *fn, res *testenv.Result, errType string, want ...string) {
	t.Helper()
	var e lambdaError
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Type != errType {
		t.Fatalf("want a %s error, got %d %q", errType, res.Status, res.Body)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error %q does not say %q", e.Message, w)
		}
	}
	if !strings.Contains(f.rie.Logs(), "type="+errType) {
		t.Errorf("not logged:\n%s", f.rie.Logs())
	}
}

// echoE2E is what badapp's /echo/ answers.
type echoE2E struct {
	Method   string              `json:"method"`
	RawPath  string              `json:"rawPath"`
	RawQuery string              `json:"rawQuery"`
	Query    map[string][]string `json:"query"`
	Header   map[string][]string `json:"header"`
	Body     string              `json:"body"`
	Runs     int                 `json:"runs"`
	Start    string              `json:"start"`
}

// echoInvoke invokes badapp's /echo/<id> and checks it answered 200.
func echoInvoke(t *testing.T, f *fn, e testenv.HTTPEvent, headers map[string]string) echoE2E {
	t.Helper()
	res := rawInvoke(t, f, testenv.V2(e), headers)
	var hr httpResult
	var out echoE2E
	if err := json.Unmarshal(res.Body, &hr); err != nil || hr.StatusCode != 200 || json.Unmarshal([]byte(hr.Body), &out) != nil {
		t.Fatalf("%s %s: invoke answered %d %.500q", e.Method, e.Path, res.Status, res.Body)
	}
	return out
}

// wantSameAdapter checks that one adapter served everything: no sandbox reset, no restart.
func wantSameAdapter(t *testing.T, f *fn) {
	t.Helper()
	logs := f.rie.Logs()
	if n := strings.Count(logs, `msg="app is ready"`) + strings.Count(logs, `"msg":"app is ready"`); n != 1 { // text or JSON logs
		t.Errorf("the adapter started %d times: want 1 (alive through the fault)", n)
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("panic:\n%s", logs)
	}
}

func TestE2EFaultAppCrashes(t *testing.T) {
	// A process manager restarts the app (badapp -supervise): the runtime process lives on, and so
	// does the adapter.
	f := startBad(t, nil, "-supervise")
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm"}, nil)
	for i, tc := range []struct {
		method, path string
		want         []string
	}{
		// POST is not repeated: the error is the first attempt's.
		{"POST", "/crash", []string{"POST /crash failed", "the app closed the connection without answering (did it crash?)", "EOF"}},
		// net/http repeats a GET once on a new connection, which the dying app refuses or resets.
		{"GET", "/crash", []string{"GET /crash failed", "the app closed the connection without answering"}},
		{"GET", "/crash-mid-body", []string{"app closed the connection mid-body, after 40 of 100000 bytes", "unexpected EOF"}},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Method: tc.method, Path: tc.path, Body: []byte("x")}), nil)
			wantE2EError(t, f, res, "Runtime.AppError", tc.want...)
			start := fmt.Sprintf("start %d,", i+2)
			if !f.rie.WaitLog(start, 5*time.Second) {
				t.Fatalf("the app was not restarted:\n%s", f.rie.Logs())
			}
			if e := echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/after-" + strconv.Itoa(i)}, nil); e.Start != strconv.Itoa(i+2) {
				t.Errorf("served by app start %q, want %d", e.Start, i+2)
			}
		})
	}
	wantSameAdapter(t, f)
}

// Without a process manager the app is the runtime process: its crash ends the sandbox, RIE
// resets it, and the next invocation runs a new Init.
func TestE2EFaultAppCrashResetsSandbox(t *testing.T) {
	f := startBad(t, nil)
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm"}, nil)
	res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/crash"}), nil)
	var e lambdaError
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Type == "" {
		t.Fatalf("want an error, got %d %q", res.Status, res.Body)
	}
	// Who reports first is a race: the adapter (the app closed the connection) or RIE (the runtime
	// exited). Either names the failure.
	if !(e.Type == "Runtime.AppError" && strings.Contains(e.Message, "closed the connection without answering")) && e.Type != "Runtime.ExitError" {
		t.Errorf("error %+v names neither the app's failure nor the runtime's exit", e)
	}
	t.Logf("caller got %d %s", res.Status, res.Body)
	// When the adapter reported first, RIE learns of the exit only as the next invocation starts: that
	// one fails with Runtime.ExitError (as in Lambda) and the sandbox is reset for the one after.
	res = rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/echo/after"}), nil)
	if bytes.Contains(res.Body, []byte(`"errorType":"Runtime.ExitError"`)) {
		t.Logf("next invocation: %d %s", res.Status, res.Body)
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/after"}, nil)
	} else if !bytes.Contains(res.Body, []byte(`"statusCode":200`)) {
		t.Fatalf("next invocation: %d %s", res.Status, res.Body)
	}
	if n := strings.Count(f.rie.Logs(), "INIT START"); n != 2 {
		t.Errorf("%d Inits, want 2 (the crash resets the sandbox)", n)
	}
}

func TestE2EFaultAppClosesConnection(t *testing.T) {
	f := startBad(t, nil)
	for _, tc := range []struct {
		method, path string
		want         []string
	}{
		{"GET", "/close-mid-body", []string{"app closed the connection mid-body, after 12 of 100000 bytes"}},
		{"POST", "/close-no-answer", []string{"the app closed the connection without answering", "EOF"}},
	} {
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/before"}, nil)
		res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Method: tc.method, Path: tc.path}), nil)
		wantE2EError(t, f, res, "Runtime.AppError", tc.want...)
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/after"}, nil)
	}
	wantSameAdapter(t, f)
}

func TestE2EFaultAppHangsPastDeadline(t *testing.T) {
	f := startBad(t, []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=2"})
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm"}, nil)
	for _, tc := range []struct{ path, want string }{
		{"/hang", "app did not answer GET /hang within 1."},
		{"/hang-body", "app response body not complete before the invocation deadline (21 bytes read)"},
	} {
		res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: tc.path}), nil)
		if bytes.Contains(res.Body, []byte("Task timed out")) {
			t.Fatalf("the caller got Lambda's timeout, not the adapter's error: %s", res.Body)
		}
		wantE2EError(t, f, res, "Runtime.AppTimeout", tc.want)
		if res.Took < 1800*time.Millisecond || res.Took > 2100*time.Millisecond {
			t.Errorf("answered after %s with a 2 s timeout", res.Took)
		}
		t.Logf("%s: %s after %s", tc.path, res.Body, res.Took.Round(time.Millisecond))
		res = rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/hanging"}), nil)
		var hr httpResult
		if err := json.Unmarshal(res.Body, &hr); err != nil || hr.Body != "0" {
			t.Errorf("the app still has a hung request open: %s", res.Body)
		}
	}
	wantSameAdapter(t, f)
}

func TestE2EFaultAppNeverHealthy(t *testing.T) {
	t.Run("with a readiness timeout", func(t *testing.T) {
		healthy := filepath.Join(testenv.WorldDir(t), "healthy")
		f := startBad(t, []string{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS=2", "AWS_LWA_READINESS_CHECK_PATH=/health"}, "-health-file", healthy)
		res := rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/echo/1"}), nil)
		url := fmt.Sprintf("http://127.0.0.1:%d/health", f.appPort)
		wantE2EError(t, f, res, "Runtime.AppNotReady", "app not ready after 2s (AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS)", url, "last result: status 503")
		if !strings.Contains(f.rie.Logs(), `msg="init failed"`) {
			t.Errorf("Init failure not logged:\n%s", f.rie.Logs())
		}
		t.Logf("caller got %d %s after %s", res.Status, res.Body, res.Took.Round(time.Millisecond))
		// Once the app is healthy, the next invocation's Init passes and it is served.
		if err := os.WriteFile(healthy, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/2"}, nil)
	})
	t.Run("without", func(t *testing.T) {
		healthy := filepath.Join(testenv.WorldDir(t), "healthy")
		f := startBad(t, []string{"AWS_LWA_READINESS_CHECK_PATH=/health"}, "-health-file", healthy)
		served := make(chan error, 1)
		go func() {
			res, err := f.rie.Invoke(context.Background(), testenv.V2(testenv.HTTPEvent{Path: "/echo/1"}), nil)
			if err == nil && !bytes.Contains(res.Body, []byte(`"statusCode":200`)) {
				err = fmt.Errorf("answered %d %s", res.Status, res.Body)
			}
			served <- err
		}()
		// Progress every 2 s, each naming the URL and the last result.
		if !f.rie.WaitLog("app is not ready after 4", 8*time.Second) {
			t.Fatalf("no progress logs:\n%s", f.rie.Logs())
		}
		url := fmt.Sprintf("url=http://127.0.0.1:%d/health", f.appPort)
		var lines []string
		for _, l := range strings.Split(f.rie.Logs(), "\n") {
			if strings.Contains(l, "app is not ready after") {
				lines = append(lines, l)
				if !strings.Contains(l, url) || !strings.Contains(l, `last="status 503`) {
					t.Errorf("progress line does not name the URL and last status: %s", l)
				}
			}
		}
		if len(lines) != 2 {
			t.Errorf("%d progress lines in ~4 s, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		if err := os.WriteFile(healthy, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("not served once healthy")
		}
		wantSameAdapter(t, f)
	})
}

// #830 in AWS's adapter: a kept-alive connection the app closes while idle.
func TestE2EFaultStaleKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		// The app closes connections idle for 1 s; the next invocation comes at 1.1 s.
		{"idle timeout", []string{"-idle", "1s"}},
		// The race after a freeze, made certain: the app closes the connection as the request arrives.
		{"closed as the request arrives", []string{"-idle", "0", "-drop-stale", "1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startBad(t, nil, tc.args...)
			for _, method := range []string{"GET", "PUT", "DELETE", "POST", "PATCH"} {
				echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm-" + method}, nil)
				time.Sleep(1100 * time.Millisecond)
				e := echoInvoke(t, f, testenv.HTTPEvent{Method: method, Path: "/echo/" + method, Body: []byte("body of " + method)}, nil)
				if e.Runs != 1 || e.Body != "body of "+method {
					t.Errorf("%s: the app ran it %d times, body %q", method, e.Runs, e.Body)
				}
			}
			if tc.args[1] == "0" && !strings.Contains(f.rie.Logs(), "badapp: dropping a connection") {
				t.Errorf("the race never happened:\n%s", f.rie.Logs())
			}
			if strings.Contains(f.rie.Logs(), "level=ERROR") {
				t.Errorf("errors logged:\n%s", f.rie.Logs())
			}
			wantSameAdapter(t, f)
		})
	}
}

// A freeze: adapter and app stopped past the app's keep-alive timeout, then thawed as the next
// invocation arrives. The adapter resumes 50 ms before the app, so its request reaches a connection
// whose owner has not yet run its overdue idle timer: the app then closes it with the request
// unread, the race of #830 in AWS's adapter.
func TestE2EFaultFreeze(t *testing.T) {
	token := fmt.Sprintf("lwa-freeze-%d", time.Now().UnixNano())
	f := startBad(t, []string{"LWA_FAULT_TOKEN=" + token}, "-idle", "1s")
	echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm"}, nil)
	adapter, app := sandboxPIDs(t, token)
	for _, method := range []string{"GET", "PUT", "DELETE", "POST"} {
		echoInvoke(t, f, testenv.HTTPEvent{Path: "/echo/warm-" + method}, nil)
		signalAll(t, syscall.SIGSTOP, adapter, app)
		time.Sleep(1200 * time.Millisecond)
		type answer struct {
			res *testenv.Result
			err error
		}
		done := make(chan answer, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Method: method, Path: "/echo/" + method, Body: []byte("thawed")}), nil)
			done <- answer{res, err}
		}()
		time.Sleep(20 * time.Millisecond) // the invocation waits at the frozen adapter
		signalAll(t, syscall.SIGCONT, adapter)
		time.Sleep(50 * time.Millisecond)
		signalAll(t, syscall.SIGCONT, app)
		a := <-done
		if a.err != nil {
			t.Fatal(a.err)
		}
		var hr httpResult
		var e echoE2E
		if json.Unmarshal(a.res.Body, &hr) != nil || hr.StatusCode != 200 || json.Unmarshal([]byte(hr.Body), &e) != nil {
			t.Errorf("%s after a freeze: %d %s", method, a.res.Status, a.res.Body)
			continue
		}
		if e.Runs != 1 || e.Body != "thawed" {
			t.Errorf("%s after a freeze: ran %d times, body %q", method, e.Runs, e.Body)
		}
	}
	if strings.Contains(f.rie.Logs(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", f.rie.Logs())
	}
	wantSameAdapter(t, f)
}

// sandboxPIDs finds the adapter and the app of the RIE whose environment holds token.
func sandboxPIDs(t *testing.T, token string) (adapter, app int) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte("LWA_FAULT_TOKEN="+token)) {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		switch strings.TrimSpace(string(comm)) {
		case "lambda-adapter":
			adapter = pid
		case "badapp":
			app = pid
		}
	}
	if adapter == 0 || app == 0 {
		t.Fatalf("adapter (pid %d) or app (pid %d) not found", adapter, app)
	}
	return adapter, app
}

func signalAll(t *testing.T, sig syscall.Signal, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatalf("signal %d: %v", pid, err)
		}
	}
}

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

// Lambda Managed Instances mode: 64 concurrent loops under RIE, invocations with distinct bodies.
// RIE refuses an invocation at once (400, Runtime.Unavailable) when no loop is polling at that
// moment; those are sent again. Every answer must be its own request's, and the adapter's memory
// (RSS, from /proc) must stay flat. TestFaultConcurrency64 runs the same load against FakeAPI, where
// goroutines can be counted.
func TestE2EFaultManagedInstancesConcurrency64(t *testing.T) {
	const loops, warm, total = 64, 1000, 10000
	token := fmt.Sprintf("lwa-mi-%d", time.Now().UnixNano())
	appPort := testenv.FreePort(t)
	varDir := testenv.WorldDir(t)
	for _, d := range []string{"runtime", "task", "tmp"} {
		if err := os.MkdirAll(filepath.Join(varDir, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(filepath.Join(varDir, "tmp"), 0o1777)
	b, err := os.ReadFile(badapp(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "badapp"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nexec /var/runtime/badapp -addr 127.0.0.1:%d -idle 0\n", appPort)
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := testenv.StartRIE(t, testenv.Options{Opt: testenv.OptDir(t, adapterBin), Var: varDir, Env: []string{
		"AWS_LWA_PORT=" + strconv.Itoa(appPort), "AWS_LAMBDA_MAX_CONCURRENCY=" + strconv.Itoa(loops), "LWA_FAULT_TOKEN=" + token}})
	f := &fn{rie: r, appPort: appPort}

	var refused, seq atomic.Int64
	run := func(n int64) []string {
		var mu sync.Mutex
		var bad []string
		var wg sync.WaitGroup
		end := seq.Load() + n
		for range loops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := seq.Add(1)
					if i > end {
						return
					}
					id := strconv.FormatInt(i, 10)
					body := strings.Repeat(id+".", int(i%97)+1)
					if err := miInvoke(r, id, body, &refused); err != nil {
						mu.Lock()
						bad = append(bad, err.Error())
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return bad
	}
	// Init is eager in this mode; the first invocations may find no poller yet.
	if bad := run(warm); len(bad) > 0 {
		t.Fatalf("%d of %d warm-up invocations failed; first: %s", len(bad), warm, bad[0])
	}
	adapter, _ := sandboxPIDs(t, token)
	rss0 := rssKiB(t, adapter)
	start := time.Now()
	bad := run(total)
	took := time.Since(start)
	rss1 := rssKiB(t, adapter)
	if len(bad) > 0 {
		t.Errorf("%d of %d invocations failed; first: %s", len(bad), total, bad[0])
	}
	if rss1 > rss0+16<<10 {
		t.Errorf("adapter RSS grew from %d to %d KiB over %d invocations", rss0, rss1, total)
	}
	wantSameAdapter(t, f)
	t.Logf("%d invocations on %d loops through RIE in %s (%.0f/s), %d refused by RIE for want of a poller and sent again; adapter RSS %d → %d KiB",
		total, loops, took.Round(time.Millisecond), float64(total)/took.Seconds(), refused.Load(), rss0, rss1)
}

// miInvoke sends one invocation until RIE finds a poller for it, and checks the answer is its own.
func miInvoke(r *testenv.RIE, id, body string, refused *atomic.Int64) error {
	payload := testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/echo/" + id, Query: "id=" + id, Body: []byte(body)})
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := r.Invoke(ctx, payload, nil)
		cancel()
		if err != nil {
			return err
		}
		if res.Status == 400 && bytes.Contains(res.Body, []byte("Runtime.Unavailable")) && attempt < 1000 {
			refused.Add(1)
			time.Sleep(time.Millisecond)
			continue
		}
		var hr httpResult
		var e echoE2E
		if json.Unmarshal(res.Body, &hr) != nil || hr.StatusCode != 200 || json.Unmarshal([]byte(hr.Body), &e) != nil {
			return fmt.Errorf("invocation %s: %d %.300s", id, res.Status, res.Body)
		}
		if e.Body != body || e.RawQuery != "id="+id || e.Runs != 1 {
			return fmt.Errorf("invocation %s answered for %q (body %.40q, runs %d): cross-talk", id, e.RawQuery, e.Body, e.Runs)
		}
		return nil
	}
}

// rssKiB is a process's resident set size.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("no VmRSS for %d", pid)
	return 0
}
