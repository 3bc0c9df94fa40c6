//go:build e2e

package local_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
)

// In response_stream mode, /drip's bytes reach the HTTP client at the app's pace.
func TestE2ELocalStreamsAtTheAppsPace(t *testing.T) {
	port, app := twoPorts(t)
	r := startLocal(t, port, httpbinArgs(t, port, app, "--trigger", "function-url", "--env", "AWS_LWA_INVOKE_MODE=response_stream"), nil)
	start := time.Now()
	resp, err := client.Get(r.url + "/drip?duration=2&numbytes=5&delay=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var at []time.Duration
	br := bufio.NewReader(resp.Body)
	for {
		if _, err := br.ReadByte(); err != nil {
			break
		}
		at = append(at, time.Since(start))
	}
	if resp.StatusCode != 200 || len(at) != 5 {
		t.Fatalf("status %d, %d bytes; want 200 and 5 bytes", resp.StatusCode, len(at))
	}
	// go-httpbin writes one byte every 400 ms: the first must arrive long before the last.
	if spread := at[4] - at[0]; spread < 1200*time.Millisecond {
		t.Fatalf("bytes arrived at %v: spread %v, want the app's ~1.6 s (buffered, not streamed)", at, spread)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i] - at[i-1]; gap < 200*time.Millisecond {
			t.Fatalf("bytes arrived at %v: gap %v between %d and %d, want ~400 ms each", at, gap, i-1, i)
		}
	}
}

// A hung app past the function timeout gets the trigger's answer for a failed invocation, the
// REPORT line shows the invocation ended at the deadline, and the next request is served.
func TestE2ELocalTimeoutThenNextRequest(t *testing.T) {
	port, app := twoPorts(t)
	r := startLocal(t, port, httpbinArgs(t, port, app, "--timeout", "1s"), nil)
	start := time.Now()
	hung := send(t, r.url, reqCase{method: "GET", target: "/delay/5"})
	took := time.Since(start)
	if hung.status != http.StatusBadGateway || string(hung.body) != `{"message":"Internal Server Error"}` {
		t.Fatalf("hung app: %d %s, want 502 and API Gateway's body", hung.status, hung.body)
	}
	if took > 2*time.Second {
		t.Fatalf("hung app answered after %v, want about the 1 s timeout", took)
	}
	if ok := send(t, r.url, reqCase{method: "GET", target: "/get"}); ok.status != 200 {
		t.Fatalf("request after the timeout: %d %s", ok.status, ok.body)
	}
	// The REPORT line follows the answer: wait for it.
	if !r.waitLog(func(logs string) bool { return strings.Count(logs, "REPORT RequestId:") == 2 }) ||
		!strings.Contains(r.logs.String(), "Runtime.AppTimeout") {
		t.Fatalf("logs lack the timeout or the two REPORT lines:\n%s", r.logs.String())
	}
}

// Over the payload limits: the trigger's own answers, and the environment keeps serving.
func TestE2ELocalPayloadLimits(t *testing.T) {
	port, app := twoPorts(t)
	r := startLocal(t, port, httpbinArgs(t, port, app, "--trigger", "rest-api"), nil)
	big := bytes.Repeat([]byte("a"), 7<<20)
	in := send(t, r.url, reqCase{method: "POST", target: "/anything", header: http.Header{"Content-Type": {"text/plain"}}, body: big})
	if in.status != 500 || string(in.body) != `{"message": "Internal server error"}` {
		t.Fatalf("7 MB request through rest-api: %d %s", in.status, in.body)
	}
	out := send(t, r.url, reqCase{method: "GET", target: "/bytes/7000000"})
	if out.status != 502 || string(out.body) != `{"message": "Internal server error"}` {
		t.Fatalf("7 MB answer through rest-api: %d %.200s", out.status, out.body)
	}
	if ok := send(t, r.url, reqCase{method: "GET", target: "/get"}); ok.status != 200 {
		t.Fatalf("after the limits: %d", ok.status)
	}

	aport, aapp := twoPorts(t)
	alb := startLocal(t, aport, httpbinArgs(t, aport, aapp, "--trigger", "alb"), nil)
	in = send(t, alb.url, reqCase{method: "POST", target: "/anything", header: http.Header{"Content-Type": {"text/plain"}}, body: big[:2<<20]})
	if in.status != 413 || !strings.Contains(string(in.body), "413 Request Entity Too Large") {
		t.Fatalf("2 MB request through alb (1 MB limit): %d %s", in.status, in.body)
	}
}

// Ctrl-C lets an in-flight request finish, stops the app and the adapter, and exits 0.
func TestE2ELocalCtrlCDrains(t *testing.T) {
	port, app := twoPorts(t)
	r := startLocal(t, port, httpbinArgs(t, port, app), nil)
	got := make(chan answer, 1)
	go func() {
		a, err := trySend(r.url, reqCase{method: "GET", target: "/delay/1"})
		if err != nil {
			a.body = []byte(err.Error())
		}
		got <- a
	}()
	time.Sleep(300 * time.Millisecond)
	if err := r.interrupt(t); err != nil {
		t.Fatalf("exit after Ctrl-C: %v, want 0", err)
	}
	a := <-got
	if a.status != 200 {
		t.Fatalf("in-flight request: %d %s, want 200", a.status, a.body)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+itoa(app), 200*time.Millisecond); err == nil {
		c.Close()
		t.Fatal("the app still listens after lwa-pack exited")
	}
	if !strings.Contains(r.logs.String(), "stopping: finishing in-flight requests") {
		t.Fatalf("no drain step in the output:\n%s", r.logs.String())
	}
}

// local invoke sends aws-lambda-go's SQS sample event through the adapter's pass-through path.
func TestE2ELocalInvokeSQS(t *testing.T) {
	sample := filepath.Join(moduleDir(t, "github.com/aws/aws-lambda-go"), "events", "testdata", "sqs-event.json")
	event, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	app := testenv.FreePort(t)
	args := append([]string{"local", "invoke", "--event", "-", "--adapter-binary", bins.adapter,
		"--env", "AWS_LWA_PORT=" + itoa(app), "--env", "AWS_LWA_PASS_THROUGH_PATH=/anything/events", "--"}, testenv.HTTPBin(t, app)...)
	stdout, stderr, err := runOnce(t, string(event), args...)
	if err != nil {
		t.Fatalf("local invoke: %v\n%s", err, stderr)
	}
	var echo struct {
		Method string          `json:"method"`
		URL    string          `json:"url"`
		JSON   json.RawMessage `json:"json"`
	}
	if err := json.Unmarshal([]byte(stdout), &echo); err != nil {
		t.Fatalf("result is not go-httpbin's echo: %v\n%s", err, stdout)
	}
	var sent, got any
	_ = json.Unmarshal(event, &sent)
	_ = json.Unmarshal(echo.JSON, &got)
	if echo.Method != "POST" || !strings.HasSuffix(echo.URL, "/anything/events") || !jsonEqual(sent, got) {
		t.Fatalf("the app did not receive the SQS event as sent: %s %s\n%s", echo.Method, echo.URL, echo.JSON)
	}
	if !strings.Contains(stderr, "REPORT RequestId:") || !strings.Contains(stderr, "Init Duration:") {
		t.Fatalf("no REPORT line:\n%s", stderr)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func moduleDir(t *testing.T, mod string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = bins.root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", mod, err)
	}
	return strings.TrimSpace(string(out))
}

// The whole loop runs as an ordinary user: lwa-pack, the adapter and the app as nobody.
func TestE2ELocalAsUnprivilegedUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to the user nobody, which needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	httpbin := testenv.Tool(t, "go-httpbin")
	world := testenv.WorldDir(t)
	copied := filepath.Join(world, "go-httpbin")
	copyFile(t, httpbin, copied)
	port, app := twoPorts(t)
	args := []string{"local", "--port", itoa(port), "--adapter-binary", bins.adapter, "--task-root", world,
		"--env", "AWS_LWA_PORT=" + itoa(app), "--", copied, "-host", "127.0.0.1", "-port", itoa(app)}
	r := startLocal(t, port, args, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)})
	a := send(t, r.url, reqCase{method: "GET", target: "/get"})
	if a.status != 200 {
		t.Fatalf("as nobody: %d %s", a.status, a.body)
	}
	if owner := procOwner(t, app); owner != uid {
		t.Fatalf("the app runs as uid %d, want nobody (%d)", owner, uid)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// procOwner is the uid of the process listening on port (Linux /proc).
func procOwner(t *testing.T, port int) int {
	t.Helper()
	out, err := exec.Command("ss", "-Hltnp", "sport = :"+itoa(port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	s := string(out)
	i := strings.Index(s, "pid=")
	if i < 0 {
		t.Fatalf("no process on port %d: %s", port, s)
	}
	pid := strings.FieldsFunc(s[i+4:], func(r rune) bool { return r < '0' || r > '9' })[0]
	st, err := os.Stat("/proc/" + pid)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// Clear errors: a command that exits at once, a port in use (naming its process), an app that
// never becomes ready (naming the readiness URL and the last result).
func TestE2ELocalClearErrors(t *testing.T) {
	port := testenv.FreePort(t)
	_, stderr, err := runOnce(t, "", "local", "--port", itoa(port), "--adapter-binary", bins.adapter, "--", "false")
	if err == nil || !strings.Contains(stderr, `the app "false" exited during Init`) {
		t.Fatalf("exiting command: %v\n%s", err, stderr)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	_, stderr, err = runOnce(t, "", "local", "--port", itoa(busy), "--adapter-binary", bins.adapter, "--", "true")
	if err == nil || !strings.Contains(stderr, "is already in use by pid "+itoa(os.Getpid())) {
		t.Fatalf("port in use: %v\n%s", err, stderr)
	}

	app := testenv.FreePort(t)
	_, stderr, err = runOnce(t, "", "local", "--port", itoa(port), "--adapter-binary", bins.adapter,
		"--env", "AWS_LWA_PORT="+itoa(app), "--env", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS=1", "--", "sleep", "30")
	if err == nil || !strings.Contains(stderr, "http://127.0.0.1:"+itoa(app)+"/") || !strings.Contains(stderr, "last result") {
		t.Fatalf("never ready: %v\n%s", err, stderr)
	}
}

// One invocation at a time per environment: concurrent requests queue. With
// AWS_LAMBDA_MAX_CONCURRENCY=2 (Lambda Managed Instances) two run at once.
func TestE2ELocalRequestsQueue(t *testing.T) {
	for _, c := range []struct {
		extra    []string
		min, max time.Duration
	}{
		{nil, 1900 * time.Millisecond, 4 * time.Second},
		{[]string{"--env", "AWS_LAMBDA_MAX_CONCURRENCY=2"}, 900 * time.Millisecond, 1800 * time.Millisecond},
	} {
		port, app := twoPorts(t)
		r := startLocal(t, port, httpbinArgs(t, port, app, c.extra...), nil)
		start := time.Now()
		done := make(chan int, 2)
		for range 2 {
			go func() {
				a, _ := trySend(r.url, reqCase{method: "GET", target: "/delay/1"})
				done <- a.status
			}()
		}
		for range 2 {
			if s := <-done; s != 200 {
				t.Fatalf("%v: status %d", c.extra, s)
			}
		}
		if took := time.Since(start); took < c.min || took > c.max {
			t.Fatalf("%v: two 1 s requests took %v, want %v to %v", c.extra, took, c.min, c.max)
		}
	}
}

// Without --adapter-binary, lwa-pack builds the adapter for this machine from the checkout it
// runs in, as `lwa-pack layer` finds its source, and runs it.
func TestE2ELocalBuildsTheAdapter(t *testing.T) {
	app := testenv.FreePort(t)
	args := append([]string{"local", "invoke", "--env", "AWS_LWA_PORT=" + itoa(app),
		"--env", "AWS_LWA_PASS_THROUGH_PATH=/anything/built", "--"}, testenv.HTTPBin(t, app)...)
	cmd := exec.Command(bins.lwaPack, args...)
	cmd.Dir = bins.root
	cmd.Stdin = strings.NewReader(`{"source":"aws.events"}`)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("local invoke: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "building the adapter for") || !strings.Contains(stdout.String(), "/anything/built") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

// Lambda's own timeout: with the adapter frozen (SIGSTOP), nothing answers before the deadline;
// the invocation ends in Sandbox.Timedout, the trigger's failure answer, and a fresh environment
// (a second Init) serves the next request.
func TestE2ELocalLambdaTimeoutResetsTheEnvironment(t *testing.T) {
	port, app := twoPorts(t)
	r := startLocal(t, port, httpbinArgs(t, port, app, "--timeout", "1s"), nil)
	if a := send(t, r.url, reqCase{method: "GET", target: "/get"}); a.status != 200 {
		t.Fatalf("first request: %d", a.status)
	}
	pid := childRunning(t, r.cmd.Process.Pid, bins.adapter)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	hung := send(t, r.url, reqCase{method: "GET", target: "/get"})
	if hung.status != 502 || string(hung.body) != `{"message":"Internal Server Error"}` || time.Since(start) > 3*time.Second {
		t.Fatalf("frozen adapter: %d %s after %v", hung.status, hung.body, time.Since(start))
	}
	if a := send(t, r.url, reqCase{method: "GET", target: "/get"}); a.status != 200 {
		t.Fatalf("request after the reset: %d %s", a.status, a.body)
	}
	ok := r.waitLog(func(logs string) bool {
		return strings.Count(logs, "REPORT RequestId:") == 3 && strings.Count(logs, "Init Duration:") == 2
	})
	logs := r.logs.String()
	if !ok || !strings.Contains(logs, "Task timed out after 1.00 seconds") || !strings.Contains(logs, "Status: timeout") {
		t.Fatalf("want a timeout line, a REPORT with Status: timeout and a second Init:\n%s", logs)
	}
}

// childRunning finds the child of parent running exe (Linux /proc).
func childRunning(t *testing.T, parent int, exe string) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cmdline), exe+"\x00") {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name in parentheses: state, then the parent's pid.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == itoa(parent) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	t.Fatalf("no child of %d running %s", parent, exe)
	return 0
}
