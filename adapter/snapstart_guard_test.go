package adapter

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/internal/testenv"
)

// Minimal events of each HTTP trigger, in the shapes event.Decode recognises.

func restV1Event(path string) []byte {
	return mustJSON(map[string]any{
		"resource": "/{proxy+}", "path": path, "httpMethod": "POST", "headers": map[string]string{},
		"requestContext": map[string]any{"httpMethod": "POST", "stage": "prod", "requestId": "r1", "resourcePath": "/{proxy+}"},
	})
}

func albEvent(path string) []byte {
	return mustJSON(map[string]any{
		"requestContext": map[string]any{"elb": map[string]string{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"}},
		"httpMethod":     "POST", "path": path, "headers": map[string]string{},
	})
}

func latticeEvent(path string) []byte {
	return mustJSON(map[string]any{
		"version": "2.0", "path": path, "method": "POST", "headers": map[string][]string{},
		"requestContext": map[string]any{
			"serviceNetworkArn": "arn:aws:vpc-lattice:us-east-2:123456789012:servicenetwork/sn-1",
			"serviceArn":        "arn:aws:vpc-lattice:us-east-2:123456789012:service/svc-1",
		},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings only: cannot happen
	}
	return b
}

// statusOf reads the status code of an HTTP trigger's answer: buffered JSON, or a stream prelude.
func statusOf(t *testing.T, body []byte) int {
	t.Helper()
	if i := bytes.Index(body, make([]byte, 8)); i >= 0 {
		body = body[:i]
	}
	var r struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return r.StatusCode
}

// TestHookGuardEveryEventType: whatever the trigger and invoke mode, a request whose path (as it
// would reach the app, after the base path is removed) is a hook route gets 403 and never reaches
// the app; neighbouring routes and pass-through events do. The guard is on whenever a hook path is
// set, SnapStart or not: the app has the routes either way.
func TestHookGuardEveryEventType(t *testing.T) {
	builders := map[string]func(string) []byte{
		"rest-v1": restV1Event,
		"http-v2": func(p string) []byte { return v2("POST", p, "") },
		"alb":     albEvent,
		"lattice": latticeEvent,
	}
	refused := []string{
		"/_lwa/before", "/_LWA//After/", "/%5Flwa/before", "/x/../_lwa/after", "/_lwa%2Fbefore",
		"/%255Flwa/after", `/_lwa\before`, "/_lwa/before;jsessionid=1",
		"/api/_lwa/before", "/api//_lwa/after/", // base path removed first: the app would see the hook
	}
	allowed := map[string]string{ // event path → path the app sees
		"/_lwa/beforex":      "/_lwa/beforex",
		"/api/_lwa/x":        "/_lwa/x",
		"/api%2F_lwa/before": "/api%2F_lwa/before", // no base path to remove: the app routes /api/_lwa/before
	}
	for _, mode := range []string{"buffered", "response_stream"} {
		t.Run(mode, func(t *testing.T) {
			app := newHookApp(t)
			api := testenv.NewFakeAPI(t)
			var logs logBuffer
			// The guard's 403 is the adapter's answer, not the app's: AWS_LWA_ERROR_STATUS_CODES, which
			// judges the app, must not turn it into a failed invocation.
			cfg := testConfig(t, app.addr(), api.Addr, "AWS_LWA_INVOKE_MODE", mode, "AWS_LWA_REMOVE_BASE_PATH", "/api",
				"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_lwa/before", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/_lwa/after",
				"AWS_LWA_ERROR_STATUS_CODES", "400-599")
			runAdapter(t, newTestAdapter(t, cfg, &logs))
			for kind, build := range builders {
				seen, _ := app.recorded()
				for _, p := range refused {
					o := invoke(t, api, build(p))
					if o.Error || statusOf(t, o.Body) != 403 {
						t.Errorf("%s %q: %s, want 403", kind, p, o)
					}
				}
				if hits, _ := app.recorded(); len(hits) != len(seen) {
					t.Fatalf("%s: a hook spelling reached the app: %+v", kind, hits[len(seen):])
				}
				for p, want := range allowed {
					o := invoke(t, api, build(p))
					hits, _ := app.recorded()
					if o.Error || statusOf(t, o.Body) != 200 || len(hits) == 0 || hits[len(hits)-1].path != want {
						t.Errorf("%s %q: %s; app saw %+v, want %s", kind, p, o, hits, want)
					}
				}
			}
			// A pass-through event goes to the pass-through path, which startup validation keeps apart
			// from the hooks.
			o := invoke(t, api, []byte(`{"Records":[{"eventSource":"aws:sqs","body":"x"}]}`))
			hits, _ := app.recorded()
			if o.Error || string(o.Body) != `"app"` || hits[len(hits)-1].path != "/events" {
				t.Errorf("pass-through: %s, app saw %+v", o, hits[len(hits)-1])
			}
			if n := strings.Count(logs.String(), `msg="refused a request for a SnapStart hook path"`); n != len(refused)*len(builders) {
				t.Errorf("%d refusals logged, want %d", n, len(refused)*len(builders))
			}
		})
	}
}
