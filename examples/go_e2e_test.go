//go:build e2e

package examples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

var goBuild struct {
	once sync.Once
	path string
	err  error
}

// goBootstrap compiles examples/go (its own module) into a binary named bootstrap, as `sam build`
// does, once per test binary; go vet checks the module first, since the repository's vet does not
// reach a nested module.
func goBootstrap(t *testing.T) string {
	t.Helper()
	goBuild.once.Do(func() {
		goBuild.path = filepath.Join(workDir, "go-example", "bootstrap")
		for _, args := range [][]string{{"vet", "./..."}, {"build", "-trimpath", "-o", goBuild.path, "."}} {
			cmd := exec.Command("go", args...)
			cmd.Dir = "go"
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				goBuild.err = fmt.Errorf("go %s in examples/go: %w\n%s", strings.Join(args, " "), err, out)
				return
			}
		}
	})
	if goBuild.err != nil {
		t.Fatal(goBuild.err)
	}
	return goBuild.path
}

func TestGo(t *testing.T) {
	f := startFunction(t, "go", withFile("bootstrap", goBootstrap(t)))
	for _, tr := range streamTriggers {
		t.Run(tr.name, func(t *testing.T) {
			p, body := splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/hello/lambda", Cookies: []string{"visits=6"}})))
			if p.StatusCode != 200 || p.Headers["content-type"] != "application/json" || strings.TrimSpace(string(body)) != `{"greeting":"hello, lambda","visits":7}` {
				t.Errorf("GET /hello/lambda: %+v %q", p, body)
			}
			if len(p.Cookies) != 1 || !hasCookie(p.Cookies, "visits", "7") {
				t.Errorf("GET /hello/lambda: cookies %q", p.Cookies)
			}
			p, body = splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/nope"})))
			if p.StatusCode != 404 || !strings.Contains(string(body), `"path":"/nope"`) {
				t.Errorf("GET /nope: %+v %q", p, body)
			}
			p, body = splitStream(t, f.invokeRaw(t, tr.build(testenv.HTTPEvent{Path: "/events", Query: "n=3&interval=10ms"})))
			if data := sseData(body); p.StatusCode != 200 || p.Headers["content-type"] != "text/event-stream" || len(data) != 3 || data[2] != `{"tick":3,"of":3}` {
				t.Errorf("GET /events: %+v %q", p, body)
			}
		})
	}

	// Shutting the environment down: Lambda (here RIE) sends the runtime SIGTERM, and the server
	// finishes through http.Server.Shutdown before the process exits.
	f.rie.Terminate()
	select {
	case <-f.rie.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("RIE still running 10 s after SIGTERM")
	}
	logs := f.rie.Logs()
	if !strings.Contains(logs, `"msg":"SIGTERM: shutting down"`) || !strings.Contains(logs, `"msg":"shutdown complete"`) {
		t.Errorf("no graceful shutdown in the logs:\n%s", logs)
	}
}

// TestGoStreamPace checks that the server-sent events reach Lambda one by one, as the app flushes
// them, against the in-process Runtime API (RIE would buffer them).
func TestGoStreamPace(t *testing.T) {
	d := startDirect(t, "go", withFile("bootstrap", goBootstrap(t)))
	const n, interval = 5, 250 * time.Millisecond
	o := d.invoke(t, testenv.V2(testenv.HTTPEvent{Path: "/events", Query: fmt.Sprintf("n=%d&interval=%s", n, interval)}))
	p, body := splitStream(t, o.Body)
	if p.StatusCode != 200 || len(sseData(body)) != n {
		t.Fatalf("GET /events: %+v %q", p, body)
	}
	wantPaced(t, eventTimes(t, o, n), interval)
}
