//go:build e2e

package examples

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// RIE buffers streamed responses, so through RIE the tests check the wire format (prelude, 8 NUL
// bytes, body); the pace of the chunks is checked against testenv.FakeAPI, an in-process Runtime API
// that records when each chunk arrived.

// prelude is the JSON a streamed HTTP response starts with.
type prelude struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
}

// splitStream splits a streamed answer into its prelude and body.
func splitStream(t *testing.T, b []byte) (prelude, []byte) {
	t.Helper()
	var p prelude
	body := testenv.SplitStream(t, b, &p)
	return p, body
}

// directFunction is an example's start script and the adapter from the layer, both run by the test
// against a FakeAPI (the Runtime and Extensions APIs), with the template's environment.
type directFunction struct {
	api  *testenv.FakeAPI
	logs *testenv.SyncBuffer
}

func startDirect(t *testing.T, name string, opts ...fnOption) *directFunction {
	t.Helper()
	fn, task, c := prepare(t, name, opts)
	d := &directFunction{api: testenv.NewFakeAPI(t), logs: &testenv.SyncBuffer{}}
	env := append(functionEnv(name, fn, testenv.FreePort(t), c), "LAMBDA_TASK_ROOT="+task, "AWS_LAMBDA_RUNTIME_API="+d.api.Addr)
	d.start(t, filepath.Join(task, fn.Properties.Handler), task, env)
	d.start(t, adapterBin, task, env)
	return d
}

// start runs one process in its own process group, killed with the group when the test ends.
func (d *directFunction) start(t *testing.T, path, dir string, env []string) {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = d.logs, d.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(path), d.logs.String())
		}
	})
}

func (d *directFunction) invoke(t *testing.T, payload []byte) *testenv.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o, err := d.api.Invoke(ctx, payload, 30*time.Second, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, d.logs.String())
	}
	if o.Error || o.Header.Get("Lambda-Runtime-Function-Response-Mode") != "streaming" {
		t.Fatalf("not a streamed response: %s", o)
	}
	return o
}

// eventTimes returns when each SSE event (by its "id: N" line) reached the Runtime API.
func eventTimes(t *testing.T, o *testenv.Outcome, n int) []time.Duration {
	t.Helper()
	var times []time.Duration
	var seen []byte
	for _, c := range o.Chunks {
		seen = append(seen, c.Data...)
		for len(times) < n && bytes.Contains(seen, []byte("id: "+strconv.Itoa(len(times)+1)+"\n")) {
			times = append(times, c.At)
		}
	}
	if len(times) != n {
		t.Fatalf("%d of %d events arrived: %q", len(times), n, o.Body)
	}
	return times
}

// wantPaced checks that events arrived one by one, about interval apart, not all at once at the end.
func wantPaced(t *testing.T, times []time.Duration, interval time.Duration) {
	t.Helper()
	t.Logf("events arrived at %v (since the response began)", times)
	for i := 1; i < len(times); i++ {
		if gap := times[i] - times[i-1]; gap < interval/2 {
			t.Errorf("event %d arrived %v after event %d, want about %v (buffered, not streamed?): %v", i+1, gap, i, interval, times)
		}
	}
	if total := times[len(times)-1] - times[0]; total < time.Duration(len(times)-1)*interval*3/4 {
		t.Errorf("events spread over %v, want about %v: %v", total, time.Duration(len(times)-1)*interval, times)
	}
}

// sseData returns the data lines of an SSE body.
func sseData(body []byte) []string {
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}
