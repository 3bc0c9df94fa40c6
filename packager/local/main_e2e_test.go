//go:build e2e

package local_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// bins holds lwa-pack and the adapter, built once for this test binary into a directory every
// user can read (one test runs them as nobody).
var bins struct{ dir, lwaPack, adapter, root string }

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, "lwa-local-e2e-", func(root, dir string) error {
		bins.dir, bins.root = dir, root
		bins.lwaPack = filepath.Join(dir, "lwa-pack")
		build := exec.Command("go", "build", "-o", bins.lwaPack, "./packager/cmd/lwa-pack")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build lwa-pack: %w\n%s", err, out)
		}
		var err error
		bins.adapter, err = testenv.BuildAdapter(root, dir, "e2e")
		return err
	}))
}

// run is one `lwa-pack local` process.
type run struct {
	cmd  *exec.Cmd
	url  string
	logs *testenv.SyncBuffer
	done chan struct{}
	err  error
}

// localArgs are the arguments for `lwa-pack local` in front of go-httpbin on a free port.
func httpbinArgs(t *testing.T, port, app int, extra ...string) []string {
	args := append([]string{"local", "--port", strconv.Itoa(port), "--adapter-binary", bins.adapter,
		"--env", "AWS_LWA_PORT=" + strconv.Itoa(app)}, extra...)
	return append(append(args, "--"), testenv.HTTPBin(t, app)...)
}

// startLocal starts lwa-pack with args and waits until its front door accepts connections.
func startLocal(t *testing.T, port int, args []string, cred *syscall.Credential) *run {
	t.Helper()
	r := &run{url: "http://127.0.0.1:" + strconv.Itoa(port), logs: &testenv.SyncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bins.lwaPack, args...)
	r.cmd.Dir = bins.dir
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if cred != nil {
		r.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		r.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/tmp"}
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start lwa-pack: %v", err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() {
			t.Logf("lwa-pack output:\n%s", r.logs.String())
		}
	})
	end := time.Now().Add(20 * time.Second)
	for time.Now().Before(end) {
		select {
		case <-r.done:
			t.Fatalf("lwa-pack local exited before serving: %v\n%s", r.err, r.logs.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
			c.Close()
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("lwa-pack local did not listen on %d in 20 s\n%s", port, r.logs.String())
	return nil
}

// waitLog waits up to 5 s for the output to satisfy ok.
func (r *run) waitLog(ok func(string) bool) bool {
	end := time.Now().Add(5 * time.Second)
	for !ok(r.logs.String()) {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// interrupt sends Ctrl-C (SIGINT) and waits for the exit.
func (r *run) interrupt(t *testing.T) error {
	t.Helper()
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
		return r.err
	case <-time.After(15 * time.Second):
		t.Fatal("lwa-pack did not exit 15 s after SIGINT")
		return nil
	}
}

func (r *run) stop(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// runOnce runs lwa-pack to completion, returning stdout, stderr and the exit error.
func runOnce(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(bins.lwaPack, args...)
	cmd.Dir = bins.dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return stdout.String(), stderr.String(), err
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("lwa-pack %v did not finish in 60 s\n%s", args, stderr.String())
		return "", "", nil
	}
}

var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableCompression: true},
}

func itoa(i int) string { return strconv.Itoa(i) }

// twoPorts returns two different free ports (FreePort never repeats one): the front door's and
// the app's.
func twoPorts(t *testing.T) (int, int) {
	t.Helper()
	return testenv.FreePort(t), testenv.FreePort(t)
}
