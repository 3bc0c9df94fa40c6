//go:build e2e

package lambdaemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/lambdaemu"
	"github.com/lwa-go/lwa/internal/testenv"
)

type diffCase struct {
	name    string
	payload []byte
}

func diffCases(t *testing.T) []diffCase {
	root := testenv.ModuleRoot(t)
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(root, "adapter", "event", "testdata", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return []diffCase{
		{"v2 get", testenv.V2(testenv.HTTPEvent{Path: "/anything/a", Query: "x=1&x=2", Headers: map[string]string{"x-multi": "1,2"}, Cookies: []string{"a=1", "b=2"}})},
		{"v2 post", testenv.V2(testenv.HTTPEvent{Method: "POST", Path: "/anything/p", Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"k":"v"}`)})},
		{"v2 binary up", testenv.V2(testenv.HTTPEvent{Method: "PUT", Path: "/anything/bin", Headers: map[string]string{"content-type": "application/octet-stream"}, Body: []byte{0, 1, 2, 0xff}, Base64: true})},
		{"v2 binary down", testenv.V2(testenv.HTTPEvent{Path: "/bytes/512", Query: "seed=3"})},
		{"v2 set cookies", testenv.V2(testenv.HTTPEvent{Path: "/cookies/set", Query: "only=1"})},
		{"v2 unicode path", testenv.V2(testenv.HTTPEvent{Path: "/anything/caf%C3%A9"})},
		{"v2 status 500", testenv.V2(testenv.HTTPEvent{Path: "/status/500"})},
		{"rest api", file("aws-apigw-request.json")},
		{"alb multi-value", file("aws-alb-lambda-target-request-multivalue-headers.json")},
		{"alb single", file("aws-alb-lambda-target-request-headers-only.json")},
		{"function url", file("aws-lambda-urls-request.json")},
		{"lattice", file("lwa-lattice-v2.json")},
		{"sqs pass-through", file("aws-sqs-event.json")},
		{"app down: function error", testenv.V2(testenv.HTTPEvent{Path: "/status/502"})},
	}
}

// The same adapter binary and the same events give the same results through this emulator and
// through AWS's Runtime Interface Emulator, for every buffered case RIE can show. Headers that
// carry per-invocation values (request context time, trace id, deadline) are left out of the
// comparison. What cannot be compared, and why:
//   - streaming: RIE buffers a stream, so only its bytes can agree (TestE2EEmulatorAgreesWithRIEOnStreamBytes),
//     not its timing, trailers or sizes over 6 MiB (the streaming e2e tests of lwa-pack local and
//     the adapter's FakeAPI tests check those against this emulator);
//   - restore/next: RIE has no SnapStart restore;
//   - timeouts: RIE answers "Task timed out after N seconds" as text and resets the sandbox; this
//     emulator answers Lambda's JSON error (errorType Sandbox.Timedout).
func TestE2EEmulatorAgreesWithRIE(t *testing.T) {
	root := testenv.ModuleRoot(t)
	adapter, err := testenv.BuildAdapter(root, testenv.WorldDir(t), "diff")
	if err != nil {
		t.Fatal(err)
	}
	cases := diffCases(t)

	rieApp := testenv.FreePort(t)
	rie := testenv.StartRIE(t, testenv.Options{
		Opt:       testenv.OptDir(t, adapter),
		Bootstrap: testenv.HTTPBin(t, rieApp),
		Env:       []string{"AWS_LWA_PORT=" + strconv.Itoa(rieApp), "AWS_LAMBDA_FUNCTION_NAME=diff", "AWS_LWA_ERROR_STATUS_CODES=502", "AWS_LWA_PASS_THROUGH_PATH=/anything/events"},
	})
	emuApp := testenv.FreePort(t)
	emu := startWithEmulator(t, adapter, testenv.HTTPBin(t, emuApp),
		[]string{"AWS_LWA_PORT=" + strconv.Itoa(emuApp), "AWS_LAMBDA_FUNCTION_NAME=diff", "AWS_LWA_ERROR_STATUS_CODES=502", "AWS_LWA_PASS_THROUGH_PATH=/anything/events"})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rr, res, body := invokeBoth(ctx, t, rie, emu, c.payload, "diff-"+strconv.Itoa(i))
			if rr.Status != http.StatusOK {
				t.Fatalf("RIE answered %d: %s", rr.Status, rr.Body)
			}
			want, got := normalise(t, rr.Body), normalise(t, body)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("results differ\nRIE:      %s\nemulator: %s", rr.Body, body)
			}
			// RIE classic mode gives no error header; whether the invocation failed shows in the body.
			isErr := bytes.Contains(rr.Body, []byte(`"errorType"`))
			if isErr != (res.FunctionError != "") {
				t.Fatalf("RIE error=%v, emulator FunctionError=%q", isErr, res.FunctionError)
			}
		})
	}
}

// invokeBoth sends payload with the request id id through RIE and through the emulator, and
// returns RIE's answer, the emulator's result and the emulator's body, read to its end.
func invokeBoth(ctx context.Context, t *testing.T, rie *testenv.RIE, emu *lambdaemu.Emulator, payload []byte, id string) (*testenv.Result, *lambdaemu.Result, []byte) {
	t.Helper()
	rr, err := rie.Invoke(ctx, payload, map[string]string{"X-Amzn-RequestId": id})
	if err != nil {
		t.Fatal(err)
	}
	res, err := emu.Invoke(ctx, lambdaemu.Request{Payload: payload, RequestID: id})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return rr, res, body
}

// normalise decodes a result and, when its body is go-httpbin's echo, drops the headers whose
// values differ per invocation by design.
func normalise(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, b)
	}
	outer, ok := v.(map[string]any)
	if !ok {
		return v
	}
	body, _ := outer["body"].(string)
	var echo map[string]any
	if json.Unmarshal([]byte(body), &echo) == nil {
		dropPerInvocation(echo)
		outer["body"] = echo
	}
	dropPerInvocation(outer) // a pass-through answer is the app's echo itself
	if h, ok := outer["headers"].(map[string]any); ok {
		delete(h, "date")
		delete(h, "content-length")
	}
	if h, ok := outer["multiValueHeaders"].(map[string]any); ok {
		delete(h, "date")
		delete(h, "content-length")
	}
	return outer
}

// dropPerInvocation removes from go-httpbin's echo what differs by design: the Lambda context and
// trace headers (deadline, trace id), and the app's own address (each side runs its own
// go-httpbin, which pass-through requests are addressed to).
func dropPerInvocation(echo map[string]any) {
	if h, ok := echo["headers"].(map[string]any); ok {
		for _, k := range []string{"X-Amzn-Lambda-Context", "X-Amzn-Trace-Id"} {
			delete(h, k)
		}
		if host, _ := h["Host"].([]any); len(host) == 1 && strings.HasPrefix(host[0].(string), "127.0.0.1:") {
			delete(h, "Host")
		}
	}
	if u, ok := echo["url"].(string); ok {
		echo["url"] = appAddr.ReplaceAllString(u, "http://APP/")
	}
}

var appAddr = regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/`)

// startWithEmulator runs the adapter as an extension and app as the runtime against a fresh
// emulator, in Lambda's order, and waits until Init completes.
func startWithEmulator(t *testing.T, adapter string, app, env []string) *lambdaemu.Emulator {
	t.Helper()
	emu := lambdaemu.New(lambdaemu.Config{FunctionName: "diff", Extensions: 1, Timeout: 30 * time.Second})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	base := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=/tmp",
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"), "AWS_LAMBDA_FUNCTION_TIMEOUT=30"}, env...)
	logs := &testenv.SyncBuffer{}
	start := func(argv []string) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = base
		cmd.Stdout, cmd.Stderr = logs, logs
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	}
	start([]string{adapter})
	end := time.Now().Add(10 * time.Second)
	for emu.Registered() == 0 && time.Now().Before(end) {
		time.Sleep(time.Millisecond)
	}
	start(app)
	select {
	case <-emu.InitDone():
	case <-time.After(10 * time.Second):
		t.Fatalf("Init did not complete:\n%s", logs.String())
	}
	return emu
}

// In response_stream mode RIE buffers the stream, so only the bytes can agree, not their timing:
// the prelude (bar Date), the 8 NUL bytes and the body are the same through both.
func TestE2EEmulatorAgreesWithRIEOnStreamBytes(t *testing.T) {
	root := testenv.ModuleRoot(t)
	adapter, err := testenv.BuildAdapter(root, testenv.WorldDir(t), "diff")
	if err != nil {
		t.Fatal(err)
	}
	env := func(port int) []string {
		return []string{"AWS_LWA_PORT=" + strconv.Itoa(port), "AWS_LAMBDA_FUNCTION_NAME=diff", "AWS_LWA_INVOKE_MODE=response_stream"}
	}
	rieApp, emuApp := testenv.FreePort(t), testenv.FreePort(t)
	rie := testenv.StartRIE(t, testenv.Options{Opt: testenv.OptDir(t, adapter), Bootstrap: testenv.HTTPBin(t, rieApp), Env: env(rieApp)})
	emu := startWithEmulator(t, adapter, testenv.HTTPBin(t, emuApp), env(emuApp))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, c := range []diffCase{
		{"stream bytes", testenv.V2(testenv.HTTPEvent{Path: "/bytes/2048", Query: "seed=9"})},
		{"stream echo", testenv.V2(testenv.HTTPEvent{Path: "/anything/s", Cookies: []string{"a=1"}})},
		{"stream status", testenv.V2(testenv.HTTPEvent{Path: "/status/404"})},
	} {
		t.Run(c.name, func(t *testing.T) {
			rr, res, body := invokeBoth(ctx, t, rie, emu, c.payload, "stream-"+strconv.Itoa(i))
			if !res.Streaming {
				t.Fatalf("the emulator's result is not streamed: %s", body)
			}
			wp, wb := splitStream(t, rr.Body)
			gp, gb := splitStream(t, body)
			if !reflect.DeepEqual(wp, gp) {
				t.Fatalf("preludes differ\nRIE:      %v\nemulator: %v", wp, gp)
			}
			var we, ge map[string]any
			if json.Unmarshal(wb, &we) == nil && json.Unmarshal(gb, &ge) == nil {
				dropPerInvocation(we)
				dropPerInvocation(ge)
				if !reflect.DeepEqual(we, ge) {
					t.Fatalf("echoes differ\nRIE:      %s\nemulator: %s", wb, gb)
				}
			} else if !bytes.Equal(wb, gb) {
				t.Fatalf("bodies differ: %d bytes through RIE, %d through the emulator", len(wb), len(gb))
			}
		})
	}
}

// splitStream cuts a streamed answer at its 8 NUL bytes and decodes the prelude, without Date and
// Content-Length (an echo's length changes with the per-invocation headers it echoes; bodies are
// compared on their own).
func splitStream(t *testing.T, b []byte) (map[string]any, []byte) {
	t.Helper()
	var p map[string]any
	body := testenv.SplitStream(t, b, &p)
	if h, ok := p["headers"].(map[string]any); ok {
		delete(h, "date")
		delete(h, "content-length")
	}
	return p, body
}
