package adapter

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/internal/testenv"
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

			eventually(t, 10*time.Second, func() bool { return api.RestoreCalls() == 1 }, "timed out waiting for restore/next")
			hits, probes := app.recorded()
			if len(hits) != 1 || hits[0].method != "POST" || hits[0].path != "/_lwa/before" {
				t.Fatalf("before the snapshot the app saw %+v, want one POST /_lwa/before", hits)
			}
			if len(probes) == 0 || probes[0].After(hits[0].at) {
				t.Errorf("before-checkpoint hook called before the app was ready (probes %v)", probes)
			}
			before := hits[0].remote
			eventually(t, 10*time.Second, func() bool { return app.isClosed(before) }, "timed out waiting for the before-checkpoint connection to close")
			time.Sleep(50 * time.Millisecond)
			if api.NextPolls() != 0 {
				t.Errorf("%d invocation polls before the restore", api.NextPolls())
			}

			want := "POST /_lwa/before, POST /_lwa/after, GET /work"
			if pool {
				// Something pooled while waiting for the restore must not be reused after it either.
				req, err := http.NewRequest(http.MethodGet, "http://"+app.addr()+"/while-waiting", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := a.app.hc.Do(req)
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
	eventually(t, 10*time.Second, func() bool { return api.RestoreCalls() == 1 }, "timed out waiting for restore/next")
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
	eventually(t, 10*time.Second, func() bool { return api.RestoreCalls() == 1 }, "timed out waiting for restore/next")
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
