package adapter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/config"
	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// The failure branches of the SnapStart sequence, run through Main so that what reaches Lambda
// (init/error or restore/error) and the exit code are what is checked.

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
	for _, typ := range []string{errTypeBeforeCheckpoint, errTypeAfterRestore, errTypeRestoreNotReady, errTypeRestoreNext, errTypeReadiness} {
		if !errorTypeRE.MatchString(typ) {
			t.Errorf("error type %q does not match %s", typ, errorTypeRE)
		}
	}
}

func TestSnapStartBeforeCheckpointHookFailsInit(t *testing.T) {
	app := newHookApp(t)
	app.status.Store("/_lwa/before", http.StatusInternalServerError)
	api := testenv.NewFakeAPI(t)
	code, logs := startMain(t, context.Background(), api.Addr, app.addr(), snapEnv...)
	if c := waitExit(t, code, 15*time.Second, logs); c == 0 {
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
	code, logs := startMain(t, context.Background(), api.Addr, app.addr(), append(snapEnv, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.3")...)
	if c := waitExit(t, code, 15*time.Second, logs); c == 0 {
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
			code, logs := startMain(t, context.Background(), api.Addr, app.addr(), append(snapEnv, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.3")...)
			eventually(t, 10*time.Second, func() bool { return api.RestoreCalls() == 1 }, "timed out waiting for restore/next")
			tc.breakApp(app)
			api.Restore()
			if c := waitExit(t, code, 15*time.Second, logs); c == 0 {
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
			_, logs := startMain(t, context.Background(), api.Addr, app.addr(), "AWS_LAMBDA_INITIALIZATION_TYPE", initType, "AWS_LWA_ASYNC_INIT", "true",
				"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_lwa/before")
			time.Sleep(300 * time.Millisecond)
			if api.RestoreCalls() != 0 || api.NextPolls() != 0 {
				t.Fatalf("Init ended before the app was ready: %d restore, %d next", api.RestoreCalls(), api.NextPolls())
			}
			ready := time.Now()
			app.healthy.Store(true)
			if initType == "snap-start" {
				eventually(t, 10*time.Second, func() bool { return api.RestoreCalls() == 1 }, "timed out waiting for restore/next")
				if hits, _ := app.recorded(); len(hits) != 1 || hits[0].at.Before(ready) {
					t.Errorf("before-checkpoint hook %+v, app ready at %s", hits, ready)
				}
			} else {
				eventually(t, 10*time.Second, func() bool { return api.NextPolls() > 0 }, "timed out waiting for next")
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

// TestSnapStartRestoreNextRefused: a Runtime API that answers restore/next with an error (the real
// RIE answers 404 unless started with --enable-init-caching) fails Init with a message saying so.
func TestSnapStartRestoreNextRefused(t *testing.T) {
	app := newHookApp(t)
	api := testenv.NewFakeAPI(t)
	target, _ := url.Parse("http://" + api.Addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/restore/next" {
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	code := Main(context.Background(), config.MapLookup(testEnv(app.addr(), front.Listener.Addr().String(),
		"AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")), &logBuffer{}, "test")
	if code == 0 {
		t.Error("exit 0 when restore/next is refused")
	}
	e := posted(t, api.InitErrors, "init/error")
	for _, want := range []string{"restore/next", "404", "AWS_LAMBDA_INITIALIZATION_TYPE=snap-start"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("init error %q does not name %q", e.Message, want)
		}
	}
	if e.Type != errTypeRestoreNext {
		t.Errorf("type %q", e.Type)
	}
}
