//go:build e2e

package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// adapterBin is the lambda-adapter built once for this test binary (see TestMain).
var adapterBin string

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-e2e-bin-", func(root, dir string) (err error) {
		adapterBin, err = testenv.BuildAdapter(root, dir, "e2e-test")
		return err
	}))
}

// fn is one function under RIE: the adapter as extension, go-httpbin as the app.
type fn struct {
	rie     *testenv.RIE
	appPort int
}

type fnOptions struct {
	env       []string
	bootstrap func(appPort int) []string // default: go-httpbin
}

func startFn(t *testing.T, o fnOptions) *fn {
	t.Helper()
	appPort := testenv.FreePort(t)
	boot := testenv.HTTPBin(t, appPort)
	if o.bootstrap != nil {
		boot = o.bootstrap(appPort)
	}
	env := append([]string{
		"AWS_LWA_PORT=" + strconv.Itoa(appPort),
		"AWS_LAMBDA_FUNCTION_NAME=e2e-fn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
	}, o.env...)
	r := testenv.StartRIE(t, testenv.Options{Opt: testenv.OptDir(t, adapterBin), Bootstrap: boot, Env: env})
	return &fn{rie: r, appPort: appPort}
}

// anything is what go-httpbin's /anything echoes.
type anything struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Args    map[string][]string `json:"args"`
	Headers map[string][]string `json:"headers"`
	Data    string              `json:"data"`
}

func invokeHTTP(t *testing.T, f *fn, payload []byte) (testenv.HTTPResult, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.rie.Invoke(ctx, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hr testenv.HTTPResult
	if err := json.Unmarshal(res.Body, &hr); err != nil {
		t.Fatalf("invoke answered %d %q: %v", res.Status, res.Body, err)
	}
	return hr, res.Took
}

func TestE2EHTTPAPIv2Echo(t *testing.T) {
	f := startFn(t, fnOptions{})
	start := time.Now()
	payload := testenv.V2(testenv.HTTPEvent{
		Method:  "POST",
		Path:    "/anything/a b/Año",
		Query:   "q=1&q=2&plus=a%2Bb&space=a+b&empty=&uni=%C3%B1",
		Headers: map[string]string{"x-custom": "v1", "content-type": "text/plain"},
		Cookies: []string{"a=1", "b=2"},
		Body:    []byte("hello from the event"),
	})
	hr, _ := invokeHTTP(t, f, payload)
	t.Logf("cold start (first invoke, RIE lazy Init included): %s", time.Since(start))
	if hr.StatusCode != 200 {
		t.Fatalf("status %d, body %s", hr.StatusCode, hr.Body)
	}
	var echo anything
	if err := json.Unmarshal([]byte(hr.Body), &echo); err != nil {
		t.Fatalf("app body %q: %v", hr.Body, err)
	}
	if echo.Method != "POST" {
		t.Errorf("method %q", echo.Method)
	}
	if echo.Data != "hello from the event" {
		t.Errorf("body reached the app as %q", echo.Data)
	}
	if !strings.Contains(echo.URL, "/anything/a%20b/A%C3%B1o") {
		t.Errorf("url %q: path not encoded once", echo.URL)
	}
	wantArgs := map[string][]string{"q": {"1", "2"}, "plus": {"a+b"}, "space": {"a b"}, "empty": {""}, "uni": {"ñ"}}
	for k, v := range wantArgs {
		if !slices.Equal(echo.Args[k], v) {
			t.Errorf("arg %s = %q, want %q", k, echo.Args[k], v)
		}
	}
	if got := echo.Headers["X-Custom"]; !slices.Equal(got, []string{"v1"}) {
		t.Errorf("x-custom %q", got)
	}
	if got := strings.Join(echo.Headers["Cookie"], ";"); got != "a=1; b=2" {
		t.Errorf("cookie %q", got)
	}
	var lc map[string]any
	if err := json.Unmarshal([]byte(strings.Join(echo.Headers["X-Amzn-Lambda-Context"], "")), &lc); err != nil {
		t.Fatalf("x-amzn-lambda-context: %v (%q)", err, echo.Headers["X-Amzn-Lambda-Context"])
	}
	if lc["request_id"] == "" || lc["request_id"] == nil {
		t.Errorf("lambda context has no request id: %v", lc)
	}
	if env, _ := lc["env_config"].(map[string]any); env["function_name"] != "e2e-fn" {
		t.Errorf("lambda context env_config %v", lc["env_config"])
	}
	if len(echo.Headers["X-Amzn-Request-Context"]) != 1 {
		t.Errorf("x-amzn-request-context missing: %v", echo.Headers)
	}
	if ct := hr.Headers["content-type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("response content-type %q", ct)
	}
}

func TestE2EResponseCookiesAndBinary(t *testing.T) {
	f := startFn(t, fnOptions{})
	hr, _ := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Path: "/cookies/set", Query: "k1=v1&k2=v2"}))
	slices.Sort(hr.Cookies)
	if len(hr.Cookies) != 2 || !strings.HasPrefix(hr.Cookies[0], "k1=v1") || !strings.HasPrefix(hr.Cookies[1], "k2=v2") {
		t.Errorf("cookies %q (status %d, headers %v)", hr.Cookies, hr.StatusCode, hr.Headers)
	}
	if _, ok := hr.Headers["set-cookie"]; ok {
		t.Errorf("set-cookie left in headers: %v", hr.Headers)
	}
	hr, _ = invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Path: "/bytes/4096", Query: "seed=7"}))
	if !hr.IsBase64Encoded {
		t.Fatalf("binary body not base64: %+v", hr.Headers)
	}
}

func TestE2ESequentialInvokes(t *testing.T) {
	f := startFn(t, fnOptions{})
	const n = 200
	var took []time.Duration
	for i := range n {
		q := "i=" + strconv.Itoa(i)
		hr, d := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Path: "/anything", Query: q}))
		if hr.StatusCode != 200 {
			t.Fatalf("invoke %d: status %d", i, hr.StatusCode)
		}
		var echo anything
		if err := json.Unmarshal([]byte(hr.Body), &echo); err != nil || !slices.Equal(echo.Args["i"], []string{strconv.Itoa(i)}) {
			t.Fatalf("invoke %d answered for another request: %v %v", i, echo.Args, err)
		}
		if i > 0 { // the first includes Init
			took = append(took, d)
		}
	}
	slices.Sort(took)
	t.Logf("%d sequential invokes through RIE: median %s, p99 %s", n-1, took[len(took)/2], took[len(took)*99/100])
}

func TestE2EAppStartsLate(t *testing.T) {
	f := startFn(t, fnOptions{bootstrap: func(port int) []string {
		return append([]string{"sh", "-c", `sleep 3; exec "$@"`, "late"}, testenv.HTTPBin(t, port)...)
	}})
	start := time.Now()
	hr, _ := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Path: "/get"}))
	if hr.StatusCode != 200 {
		t.Fatalf("status %d: %s", hr.StatusCode, hr.Body)
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("answered after %s: before the app could have started", d)
	}
	if !f.rie.WaitLog("app is not ready after", time.Second) {
		t.Errorf("no progress log while waiting:\n%s", f.rie.Logs())
	}
}

func TestE2EInvalidConfigFailsInit(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"AWS_LWA_PORT=abc", "a port number from 1 to 65535"},
		{"AWS_LWA_READINESS_CHECK_PROTOCOL=udp", "http or tcp"},
		{"AWS_LWA_INVOKE_MODE=stream", "buffered or response_stream"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			f := startFn(t, fnOptions{env: []string{tc.env}})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := f.rie.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Path: "/get"}), nil)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.SplitN(tc.env, "=", 2)[0]
			if !strings.Contains(string(res.Body), tc.want) || !strings.Contains(string(res.Body), name) ||
				!strings.Contains(string(res.Body), "Runtime.AdapterConfigError") {
				t.Errorf("invoker got %d %q, want the config error naming %q", res.Status, res.Body, tc.want)
			}
			if !strings.Contains(f.rie.Logs(), tc.want) || !strings.Contains(f.rie.Logs(), "invalid "+name) {
				t.Errorf("logs do not name %q:\n%s", tc.want, f.rie.Logs())
			}
		})
	}
}

// RIE resets an in-flight invoke at once on SIGTERM (the invoker's connection closes), sends SHUTDOWN
// to extensions only once the runtime is gone, and SIGKILLs what has not exited by its deadline. So
// this checks what RIE can show: the adapter gets SHUTDOWN mid-request, stops cleanly and in time. That
// an in-flight invocation completes is shown against the in-process Runtime API
// (TestShutdownLetsInFlightInvocationFinish).
func TestE2EShutdownWithInFlightRequest(t *testing.T) {
	f := startFn(t, fnOptions{env: []string{"AWS_LAMBDA_LOG_LEVEL=debug"}})
	if hr, _ := invokeHTTP(t, f, testenv.V2(testenv.HTTPEvent{Path: "/get"})); hr.StatusCode != 200 {
		t.Fatalf("status %d", hr.StatusCode)
	}
	go func() {
		_, _ = f.rie.Invoke(context.Background(), testenv.V2(testenv.HTTPEvent{Path: "/delay/1"}), nil)
	}()
	if !f.rie.WaitLog("INVOKE START", 2*time.Second) {
		t.Fatal("second invoke never started")
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	f.rie.Terminate()
	select {
	case <-f.rie.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("RIE did not exit")
	}
	logs := f.rie.Logs()
	if !strings.Contains(logs, `msg="shutdown event" reason=SandboxTerminated`) || !strings.Contains(logs, `msg="adapter stopped"`) {
		t.Errorf("adapter did not stop on SHUTDOWN:\n%s", logs)
	}
	if strings.Contains(logs, "SIGKILL to extension-lambda-adapter") {
		t.Errorf("adapter had to be killed:\n%s", logs)
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("panic during shutdown:\n%s", logs)
	}
	t.Logf("RIE and the adapter exited %s after SIGTERM", time.Since(start))
}

func TestE2EManagedInstancesConcurrency(t *testing.T) {
	appPort := testenv.FreePort(t)
	// Managed Instances mode ignores bootstrap arguments: the app starts from /var/runtime/bootstrap.
	varDir := testenv.VarDir(t)
	httpbin := testenv.HTTPBin(t, appPort)
	binCopy := filepath.Join(varDir, "runtime", "go-httpbin")
	b, err := os.ReadFile(httpbin[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binCopy, b, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec /var/runtime/go-httpbin " + strings.Join(httpbin[1:], " ") + "\n"
	if err := os.WriteFile(filepath.Join(varDir, "runtime", "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := testenv.StartRIE(t, testenv.Options{
		Opt: testenv.OptDir(t, adapterBin),
		Var: varDir,
		Env: []string{"AWS_LWA_PORT=" + strconv.Itoa(appPort), "AWS_LAMBDA_MAX_CONCURRENCY=4"},
	})
	// Init is eager in this mode: wait until every loop polls (an invoke with no idle poller is refused).
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := r.Invoke(context.Background(), testenv.V2(testenv.HTTPEvent{Path: "/get"}), nil)
		if err == nil && res.Status == 200 && strings.Contains(string(res.Body), `"statusCode":200`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("function never served: %v %+v", err, res)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	// Four invokes of 500 ms each at once: served concurrently they finish in well under 2 s.
	var wg sync.WaitGroup
	start := time.Now()
	errs := make([]string, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := r.Invoke(ctx, testenv.V2(testenv.HTTPEvent{Path: "/delay/0.5", Query: "i=" + strconv.Itoa(i)}), nil)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			var hr testenv.HTTPResult
			if err := json.Unmarshal(res.Body, &hr); err != nil || hr.StatusCode != 200 {
				errs[i] = fmt.Sprintf("status %d body %q", res.Status, res.Body)
				return
			}
			var echo anything
			if err := json.Unmarshal([]byte(hr.Body), &echo); err != nil || !slices.Equal(echo.Args["i"], []string{strconv.Itoa(i)}) {
				errs[i] = fmt.Sprintf("cross-talk: %q", hr.Body)
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("invoke %d: %s", i, e)
		}
	}
	if d := time.Since(start); d > 1800*time.Millisecond {
		t.Errorf("4 concurrent 500 ms invokes took %s: not concurrent", d)
	}
}
