package adapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/adapter/testenv"
)

// hookApp is an app that records every request other than readiness probes, with the client
// connection it came on, and follows each connection's state.
type hookApp struct {
	srv     *httptest.Server
	healthy atomic.Bool
	status  sync.Map // path → int: a hook's answer (default 200)

	mu     sync.Mutex
	hits   []hit
	probes []time.Time // readiness probes
	closed map[string]bool
}

type hit struct {
	method, path, remote string
	at                   time.Time
}

func newHookApp(t *testing.T) *hookApp {
	t.Helper()
	a := &hookApp{closed: map[string]bool{}}
	a.healthy.Store(true)
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			a.mu.Lock()
			a.closed[c.RemoteAddr().String()] = true
			a.mu.Unlock()
		}
	}
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

func (a *hookApp) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		a.probes = append(a.probes, time.Now())
		a.mu.Unlock()
		if !a.healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}
	a.hits = append(a.hits, hit{r.Method, r.URL.EscapedPath(), r.RemoteAddr, time.Now()})
	a.mu.Unlock()
	if v, ok := a.status.Load(r.URL.Path); ok {
		w.WriteHeader(v.(int))
		fmt.Fprintf(w, "hook %s refused: pool not drained\n", r.URL.Path)
		return
	}
	fmt.Fprint(w, "app")
}

func (a *hookApp) addr() string { return a.srv.Listener.Addr().String() }

func (a *hookApp) recorded() ([]hit, []time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]hit(nil), a.hits...), append([]time.Time(nil), a.probes...)
}

func (a *hookApp) isClosed(remote string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed[remote]
}

// waitFor polls cond for up to 10 s: generous, the machine is shared.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

var snapEnv = []string{
	"AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start",
	"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_lwa/before",
	"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/_lwa/after",
}

func TestSnapStartSequence(t *testing.T) {
	for _, pool := range []bool{false, true} {
		// The config disables pooling under SnapStart; with pooling forced on, only the adapter's
		// own drops keep a connection from crossing the snapshot.
		t.Run(fmt.Sprintf("pool=%v", pool), func(t *testing.T) {
			app := newHookApp(t)
			api := testenv.NewFakeAPI(t)
			cfg := testConfig(t, app.addr(), api.Addr, snapEnv...)
			if cfg.PoolEnabled {
				t.Fatal("pooling enabled under SnapStart")
			}
			// A long idle timeout: only the adapter's drops may close a pooled connection.
			cfg.PoolEnabled, cfg.PoolIdleTimeout = pool, time.Minute
			a := newTestAdapter(t, cfg, nil)
			runAdapter(t, a)

			waitFor(t, "restore/next", func() bool { return api.RestoreCalls() == 1 })
			hits, probes := app.recorded()
			if len(hits) != 1 || hits[0].method != "POST" || hits[0].path != "/_lwa/before" {
				t.Fatalf("before the snapshot the app saw %+v, want one POST /_lwa/before", hits)
			}
			if len(probes) == 0 || probes[0].After(hits[0].at) {
				t.Errorf("before-checkpoint hook called before the app was ready (probes %v)", probes)
			}
			before := hits[0].remote
			waitFor(t, "the before-checkpoint connection to close", func() bool { return app.isClosed(before) })
			time.Sleep(50 * time.Millisecond)
			if api.NextPolls() != 0 {
				t.Errorf("%d invocation polls before the restore", api.NextPolls())
			}

			want := "POST /_lwa/before, POST /_lwa/after, GET /work"
			if pool {
				// Something pooled while waiting for the restore must not be reused after it either.
				resp, err := a.app.hc.Get("http://" + app.addr() + "/while-waiting")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				want = "POST /_lwa/before, GET /while-waiting, POST /_lwa/after, GET /work"
			}

			api.Restore()
			o := invoke(t, api, v2("GET", "/work", ""))
			if o.Error || !strings.Contains(string(o.Body), `"statusCode":200`) {
				t.Fatalf("invocation after restore: %s", o)
			}
			hits, probes = app.recorded()
			var paths []string
			for _, h := range hits {
				paths = append(paths, h.method+" "+h.path)
			}
			if got := strings.Join(paths, ", "); got != want {
				t.Fatalf("app saw %s, want %s", got, want)
			}
			// Every connection opened before the restore is gone: the after-restore hook and the
			// invocation (the last two) came on new ones.
			n := len(hits)
			for _, h := range hits[n-2:] {
				for _, old := range hits[:n-2] {
					if h.remote == old.remote {
						t.Errorf("%s %s reused the connection of %s %s from before the restore", h.method, h.path, old.method, old.path)
					}
				}
			}
			var recheck bool
			for _, p := range probes {
				recheck = recheck || (p.After(hits[n-2].at) && p.Before(hits[n-1].at))
			}
			if !recheck {
				t.Error("no readiness check between the after-restore hook and the first invocation")
			}
			if api.RestoreCalls() != 1 {
				t.Errorf("restore/next called %d times", api.RestoreCalls())
			}
			select {
			case p := <-api.InitErrors:
				t.Errorf("init error posted: %s", p.Body)
			case p := <-api.RestoreErrors:
				t.Errorf("restore error posted: %s", p.Body)
			default:
			}
		})
	}
}

// TestSnapStartWithoutHooks: SnapStart still waits for restore/next and checks readiness again.
func TestSnapStartWithoutHooks(t *testing.T) {
	app := newHookApp(t)
	api := testenv.NewFakeAPI(t)
	a := newTestAdapter(t, testConfig(t, app.addr(), api.Addr, "AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"), nil)
	runAdapter(t, a)
	waitFor(t, "restore/next", func() bool { return api.RestoreCalls() == 1 })
	_, probes := app.recorded()
	restored := time.Now()
	api.Restore()
	if o := invoke(t, api, v2("GET", "/x", "")); o.Error {
		t.Fatalf("invocation: %s", o)
	}
	_, after := app.recorded()
	if len(after) <= len(probes) || after[len(probes)].Before(restored) {
		t.Error("readiness not checked again after the restore")
	}
}

// TestSnapStartShutdownWhileWaitingForRestore: the Init copy of a SnapStart function may be shut
// down while it waits on restore/next. That is no failure.
func TestSnapStartShutdownWhileWaitingForRestore(t *testing.T) {
	app := newHookApp(t)
	api := testenv.NewFakeAPI(t)
	a := newTestAdapter(t, testConfig(t, app.addr(), api.Addr, snapEnv...), nil)
	done, _ := runAdapter(t, a)
	waitFor(t, "restore/next", func() bool { return api.RestoreCalls() == 1 })
	api.Shutdown(time.Now().Add(2 * time.Second))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("adapter did not stop on SHUTDOWN while waiting for a restore")
	}
	if len(api.InitErrors)+len(api.RestoreErrors) != 0 {
		t.Error("an error was posted for a shutdown")
	}
}

// mainRun runs Main against api with env until the test ends; the exit code arrives on the channel.
func mainRun(t *testing.T, api *testenv.FakeAPI, app string, kv ...string) (<-chan int, *logBuffer) {
	t.Helper()
	host, port, _ := net.SplitHostPort(app)
	m := map[string]string{"AWS_LAMBDA_RUNTIME_API": api.Addr, "AWS_LWA_HOST": host, "AWS_LWA_PORT": port}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	code := make(chan int, 1)
	finished := make(chan struct{})
	go func() { code <- Main(ctx, config.MapLookup(m), logs, "test"); close(finished) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Error("Main did not return")
		}
	})
	return code, logs
}

func exitCode(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(15 * time.Second):
		t.Fatal("Main did not exit")
	}
	return 0
}

// posted takes the one error posted on ch, checking that its type is valid for Lambda (Managed
// Instances requires the pattern) and the same in header and body.
func posted(t *testing.T, ch chan testenv.Posted, endpoint string) lambdaapi.ErrorResponse {
	t.Helper()
	var body lambdaapi.ErrorResponse
	select {
	case p := <-ch:
		if err := json.Unmarshal(p.Body, &body); err != nil {
			t.Fatalf("%s body %q: %v", endpoint, p.Body, err)
		}
		if h := p.Header.Get(lambdaapi.HeaderErrorType); h != body.Type || !errorTypeRE.MatchString(h) {
			t.Errorf("%s error type %q, header %q: want equal, matching %s", endpoint, body.Type, h, errorTypeRE)
		}
	default:
		t.Fatalf("nothing posted to %s", endpoint)
	}
	return body
}

var errorTypeRE = regexp.MustCompile(`^(Runtime|Function)\.[A-Z][a-zA-Z]+$`)

func TestSnapStartErrorTypes(t *testing.T) {
	for _, typ := range []string{errTypeBeforeCheckpoint, errTypeAfterRestore, errTypeRestoreNotReady, errTypeReadiness} {
		if !errorTypeRE.MatchString(typ) {
			t.Errorf("error type %q does not match %s", typ, errorTypeRE)
		}
	}
}

func TestSnapStartBeforeCheckpointHookFailsInit(t *testing.T) {
	app := newHookApp(t)
	app.status.Store("/_lwa/before", http.StatusInternalServerError)
	api := testenv.NewFakeAPI(t)
	code, logs := mainRun(t, api, app.addr(), snapEnv...)
	if c := exitCode(t, code); c == 0 {
		t.Error("exit 0 after a failed before-checkpoint hook")
	}
	e := posted(t, api.InitErrors, "init/error")
	for _, want := range []string{"/_lwa/before", "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "500 Internal Server Error", "pool not drained"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("init error %q does not name %q", e.Message, want)
		}
	}
	if e.Type != errTypeBeforeCheckpoint {
		t.Errorf("type %q", e.Type)
	}
	if api.RestoreCalls() != 0 || len(api.RestoreErrors) != 0 {
		t.Errorf("restore/next called %d times, %d restore errors, after a failed Init", api.RestoreCalls(), len(api.RestoreErrors))
	}
	if hits, _ := app.recorded(); len(hits) != 1 {
		t.Errorf("app saw %+v", hits)
	}
	if !strings.Contains(logs.String(), "init failed") {
		t.Errorf("not logged:\n%s", logs)
	}
}

func TestSnapStartReadinessBoundedBeforeSnapshot(t *testing.T) {
	app := newHookApp(t)
	app.healthy.Store(false)
	api := testenv.NewFakeAPI(t)
	start := time.Now()
	code, _ := mainRun(t, api, app.addr(), append(snapEnv, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.3")...)
	if c := exitCode(t, code); c == 0 {
		t.Error("exit 0 with an app that never became ready")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 0.3 s readiness timeout took %s", d)
	}
	e := posted(t, api.InitErrors, "init/error")
	if e.Type != errTypeReadiness || !strings.Contains(e.Message, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS") {
		t.Errorf("init error %+v", e)
	}
	if hits, _ := app.recorded(); len(hits) != 0 || api.RestoreCalls() != 0 {
		t.Errorf("hook or restore reached with an app that was never ready: %+v, %d", hits, api.RestoreCalls())
	}
}

func TestSnapStartRestoreFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		breakApp func(*hookApp)
		typ      string
		want     []string
	}{
		{"hook", func(a *hookApp) { a.status.Store("/_lwa/after", http.StatusInternalServerError) },
			errTypeAfterRestore, []string{"/_lwa/after", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "500 Internal Server Error", "pool not drained"}},
		{"readiness", func(a *hookApp) { a.healthy.Store(false) },
			errTypeRestoreNotReady, []string{"readiness check after restore", "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "status 503"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newHookApp(t)
			api := testenv.NewFakeAPI(t)
			code, logs := mainRun(t, api, app.addr(), append(snapEnv, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.3")...)
			waitFor(t, "restore/next", func() bool { return api.RestoreCalls() == 1 })
			tc.breakApp(app)
			api.Restore()
			if c := exitCode(t, code); c == 0 {
				t.Error("exit 0 after a failed restore")
			}
			e := posted(t, api.RestoreErrors, "restore/error")
			if e.Type != tc.typ {
				t.Errorf("type %q, want %q", e.Type, tc.typ)
			}
			for _, want := range tc.want {
				if !strings.Contains(e.Message, want) {
					t.Errorf("restore error %q does not name %q", e.Message, want)
				}
			}
			if len(api.InitErrors) != 0 {
				t.Errorf("a restore failure was also posted to init/error: %s", (<-api.InitErrors).Body)
			}
			if api.NextPolls() != 0 {
				t.Errorf("%d invocation polls after a failed restore", api.NextPolls())
			}
			if !strings.Contains(logs.String(), "restore failed") {
				t.Errorf("not logged:\n%s", logs)
			}
		})
	}
}

// TestAsyncInitIgnored: under SnapStart and provisioned concurrency AWS_LWA_ASYNC_INIT is dropped
// with one warning. Under SnapStart, async init would leave Init without ever reaching the
// checkpoint; here the app is slow to become ready and the sequence still runs.
func TestAsyncInitIgnored(t *testing.T) {
	for _, initType := range []string{"snap-start", "provisioned-concurrency"} {
		t.Run(initType, func(t *testing.T) {
			app := newHookApp(t)
			app.healthy.Store(false)
			api := testenv.NewFakeAPI(t)
			_, logs := mainRun(t, api, app.addr(), "AWS_LAMBDA_INITIALIZATION_TYPE", initType, "AWS_LWA_ASYNC_INIT", "true",
				"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_lwa/before")
			time.Sleep(300 * time.Millisecond)
			if api.RestoreCalls() != 0 || api.NextPolls() != 0 {
				t.Fatalf("Init ended before the app was ready: %d restore, %d next", api.RestoreCalls(), api.NextPolls())
			}
			ready := time.Now()
			app.healthy.Store(true)
			if initType == "snap-start" {
				waitFor(t, "restore/next", func() bool { return api.RestoreCalls() == 1 })
				if hits, _ := app.recorded(); len(hits) != 1 || hits[0].at.Before(ready) {
					t.Errorf("before-checkpoint hook %+v, app ready at %s", hits, ready)
				}
			} else {
				waitFor(t, "next", func() bool { return api.NextPolls() > 0 })
				if hits, _ := app.recorded(); len(hits) != 0 {
					t.Errorf("SnapStart hook called outside SnapStart: %+v", hits)
				}
			}
			if n := strings.Count(logs.String(), "AWS_LWA_ASYNC_INIT is ignored"); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, logs)
			}
		})
	}
}
