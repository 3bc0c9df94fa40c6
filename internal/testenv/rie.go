// Package testenv runs the real AWS Lambda Runtime Interface Emulator (RIE) for end-to-end tests.
//
// RIE looks for extensions in /opt/extensions, with no flag to change it. Each RIE here runs in a
// private mount and PID namespace (unshare, as root) with a test's own directory bound on /opt, so the
// host's /opt is never touched and nothing outlives the test.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/packager/build"
)

// Tool returns the path of a tool the tests need, failing the test when it is missing: tests never
// skip for a missing tool (scripts/install-tools.sh installs them all).
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := LookTool(name)
	if err != nil {
		t.Fatalf("%v (run scripts/install-tools.sh)", err)
	}
	return p
}

// LookTool finds a tool in $(go env GOPATH)/bin, then on PATH.
func LookTool(name string) (string, error) {
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(gopath, "bin")} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("test tool %q not found in GOBIN, GOPATH/bin or PATH", name)
	}
	return p, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and that no earlier call
// in this process returned.
func FreePort(t testing.TB) int {
	t.Helper()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		// Held until we return, so that the kernel offers another port next time round.
		held = append(held, l)
		if p := l.Addr().(*net.TCPAddr).Port; issued.claim(p) {
			return p
		}
	}
	t.Fatal("free port: the kernel offered only ports this process handed out already")
	return 0
}

// issued records the ports FreePort handed out in this process. The kernel may offer a port just
// released to the next bind(0), and two of a test's servers then share it: seen once, an app and
// RIE's Runtime API on one port, the adapter taking RIE for the ready app. Ports belong to the
// process, so this record does too.
var issued = portSet{ports: map[int]bool{}}

type portSet struct {
	mu    sync.Mutex
	ports map[int]bool
}

// claim reports whether p was not handed out before, and records it.
func (s *portSet) claim(p int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ports[p] {
		return false
	}
	s.ports[p] = true
	return true
}

// BuildAdapter builds the lambda-adapter binary for this machine into dir and returns its path.
// moduleDir is the repository root (the directory holding go.mod).
func BuildAdapter(moduleDir, dir, version string) (string, error) {
	out := filepath.Join(dir, "lambda-adapter")
	// The release's flags and tags (packager/build.AdapterTags), so tests run what ships.
	cmd := exec.Command("go", "build", "-trimpath", "-tags", build.AdapterTags, "-ldflags", build.AdapterLDFlags(version), "-o", out, "./adapter/cmd/lambda-adapter")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build lambda-adapter: %w\n%s", err, b)
	}
	return out, nil
}

// ModuleRoot walks up from the working directory to the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// OptDir makes a directory to bind on /opt holding extensions/lambda-adapter (a copy of adapter),
// readable by every user (Managed Instances mode runs the runtime as uid 993).
func OptDir(t testing.TB, adapter string) string {
	t.Helper()
	opt := WorldDir(t)
	ext := filepath.Join(opt, "extensions")
	if err := os.MkdirAll(ext, 0o755); err != nil {
		t.Fatal(err)
	}
	if adapter != "" {
		b, err := os.ReadFile(adapter)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ext, "lambda-adapter"), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return opt
}

// WorldDir is a temporary directory every user can traverse (t.TempDir is 0700).
func WorldDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	for p := d; p != os.TempDir() && p != "/" && p != "."; p = filepath.Dir(p) {
		_ = os.Chmod(p, 0o755)
	}
	return d
}

// VarDir is a directory to bind on /var for Managed Instances mode, which reads the runtime from
// /var/runtime: it holds runtime/ and task/, and a tmp/ anyone may write to (sticky, as /tmp).
func VarDir(t testing.TB) string {
	t.Helper()
	d := WorldDir(t)
	for _, sub := range []string{"runtime", "task", "tmp"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(d, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	return d
}

// Options configures one RIE.
type Options struct {
	Opt       string   // bound on /opt: extensions/ and, for zip functions, bootstrap
	Var       string   // optional: bound on /var (Managed Instances mode reads /var/task, /var/runtime)
	Tmp       string   // optional: bound on /tmp, private to the function as on Lambda (mode 1777 advised); RIE then starts in /, since a test's working directory may itself be under /tmp
	VarRO     bool     // Var bound read-only, as Lambda's /var/task is
	Bootstrap []string // classic mode: the runtime command (for an image, the app itself)
	Env       []string // RIE's environment, which it forwards to the runtime and the extensions
	// Cgroups are cgroup directories (e.g. /sys/fs/cgroup/cpu/NAME) the whole sandbox joins before
	// RIE starts, so RIE, the extensions and the runtime share one CPU quota, as in Lambda.
	Cgroups []string
}

// RIE is a running emulator.
type RIE struct {
	InvokeURL  string // POST here to invoke
	RuntimeAPI string // host:port of its Runtime API
	cmd        *exec.Cmd
	logs       *SyncBuffer
	done       chan struct{}
	once       sync.Once
}

// StartRIE starts the emulator in its own mount and PID namespaces and stops it when the test ends.
func StartRIE(t testing.TB, o Options) *RIE {
	t.Helper()
	rie := Tool(t, "aws-lambda-rie")
	if os.Geteuid() != 0 {
		t.Fatal("the end-to-end tests need root (unshare and mount for a private /opt)")
	}
	invokePort, apiPort := FreePort(t), FreePort(t)
	// "echo 0" moves the writing shell itself; RIE and everything it starts inherit the cgroups.
	// A private /tmp hides whatever the host keeps there, the installed RIE too when GOPATH is
	// under /tmp (a CI runner's): RIE is then opened before the mounts and started through that
	// descriptor. Only then, since its process is named after the path it was started from ("3"),
	// and the benchmarks find RIE's process by its name.
	script := `set -e; if [ -n "$LWA_TEST_RIE_FD" ]; then exec 3<"$1"; shift; set -- /proc/self/fd/3 "$@"; fi; for d in $LWA_TEST_CGROUPS; do echo 0 >"$d/cgroup.procs"; done; mount --bind "$LWA_TEST_OPT" /opt; if [ -n "$LWA_TEST_VAR" ]; then mount --bind "$LWA_TEST_VAR" /var; fi; if [ -n "$LWA_TEST_VAR_RO" ]; then mount -o remount,bind,ro /var; fi; if [ -n "$LWA_TEST_TMP" ]; then mount --bind "$LWA_TEST_TMP" /tmp; cd /; fi; exec "$@"`
	args := []string{"--mount", "--propagation", "private", "--pid", "--fork", "--kill-child=SIGTERM", "--",
		"sh", "-c", script, "rie",
		rie, "--runtime-interface-emulator-address", "127.0.0.1:" + strconv.Itoa(invokePort),
		"--runtime-api-address", "127.0.0.1:" + strconv.Itoa(apiPort)}
	args = append(args, o.Bootstrap...)
	cmd := exec.Command("unshare", args...)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=/tmp", "LWA_TEST_OPT=" + o.Opt, "LWA_TEST_VAR=" + o.Var, "LWA_TEST_TMP=" + o.Tmp,
		"LWA_TEST_CGROUPS=" + strings.Join(o.Cgroups, " ")}
	if o.VarRO {
		env = append(env, "LWA_TEST_VAR_RO=1")
	}
	if o.Tmp != "" && strings.HasPrefix(rie, "/tmp/") {
		env = append(env, "LWA_TEST_RIE_FD=1")
	}
	cmd.Env = append(env, o.Env...)
	logs := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start RIE: %v", err)
	}
	r := &RIE{
		InvokeURL:  fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", invokePort),
		RuntimeAPI: "127.0.0.1:" + strconv.Itoa(apiPort),
		cmd:        cmd,
		logs:       logs,
		done:       make(chan struct{}),
	}
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("RIE output:\n%s", r.Logs())
		}
	})
	if err := waitListening(invokePort, 10*time.Second, r.done); err != nil {
		t.Fatalf("RIE did not start: %v\n%s", err, logs.String())
	}
	return r
}

// Logs is everything RIE, the runtime and the extensions printed so far.
func (r *RIE) Logs() string { return r.logs.String() }

// WaitLog waits until the logs contain s.
func (r *RIE) WaitLog(s string, timeout time.Duration) bool {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if strings.Contains(r.Logs(), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// Terminate asks RIE to shut the sandbox down (SIGTERM, as --kill-child forwards it) without waiting.
func (r *RIE) Terminate() {
	if r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL) // unshare dies; its child RIE gets SIGTERM
	}
}

// Done is closed when RIE has exited.
func (r *RIE) Done() <-chan struct{} { return r.done }

// Stop terminates RIE and waits for it (and everything in its PID namespace) to exit.
func (r *RIE) Stop() {
	r.once.Do(func() {
		r.Terminate()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			<-r.done
		}
	})
}

// Result is one invocation's answer from RIE.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
	Took   time.Duration
}

// Invoke posts payload to RIE's invoke endpoint. headers may set X-Amzn-RequestId and friends.
func (r *RIE) Invoke(ctx context.Context, payload []byte, headers map[string]string) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.InvokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: read: %w", err)
	}
	return &Result{Status: resp.StatusCode, Header: resp.Header, Body: body, Took: time.Since(start)}, nil
}

func waitListening(port int, timeout time.Duration, done <-chan struct{}) error {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		select {
		case <-done:
			return fmt.Errorf("exited")
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("port %d not listening after %s", port, timeout)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers (logs under test).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
