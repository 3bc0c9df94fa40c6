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
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
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
		cmd := exec.Command("go", "build", "-o", out, "./internal/testenv/badapp")
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
	var hr testenv.HTTPResult
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
	if n := strings.Count(logs, `msg="app is ready"`) + strings.Count(logs, `"message":"app is ready"`); n != 1 { // text or JSON logs
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
		// Not late: that would be RIE's "Task timed out", checked above. Not early either.
		if res.Took < 1700*time.Millisecond {
			t.Errorf("gave up after %s with a 2 s timeout: too early", res.Took)
		}
		t.Logf("%s: %s after %s", tc.path, res.Body, res.Took.Round(time.Millisecond))
		res = rawInvoke(t, f, testenv.V2(testenv.HTTPEvent{Path: "/hanging"}), nil)
		var hr testenv.HTTPResult
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
