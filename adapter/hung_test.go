package adapter

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/adapter/readiness"
	"github.com/lwa-go/lwa/internal/testenv"
)

// An app that stops answering altogether (a blocked event loop, a deadlock) fails the invocation
// that found it with Runtime.AppTimeout before the deadline, and then fails its readiness check:
// the adapter stops and exits with the reason, so that Lambda starts a new environment, as its own
// timeout would have. In buffered and streaming mode.
func TestHungAppStopsTheAdapter(t *testing.T) {
	for _, mode := range []string{"buffered", "response_stream"} {
		t.Run(mode, func(t *testing.T) {
			frozen := make(chan struct{})
			released := make(chan struct{})
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/freeze" {
					close(frozen)
				}
				select {
				case <-frozen: // from now on nothing is answered: the whole app is stuck
					select {
					case <-released:
					case <-r.Context().Done():
					}
				default:
				}
			}))
			defer func() { close(released); app.Close() }()
			api := testenv.NewFakeAPI(t)
			logs := &logBuffer{}
			a := newTestAdapter(t, testConfig(t, app.Listener.Addr().String(), api.Addr, "AWS_LWA_INVOKE_MODE", mode), logs)
			done, _ := runAdapter(t, a)

			start := time.Now()
			o := invokeWith(t, api, v2("GET", "/freeze", ""), 500*time.Millisecond, nil)
			var doc lambdaapi.ErrorResponse
			if !o.Error || json.Unmarshal(o.Body, &doc) != nil || doc.Type != errTypeAppTimeout {
				t.Fatalf("the invocation that found the app stuck: %s", o)
			}
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "fails its readiness check") ||
					!strings.Contains(err.Error(), "exiting so that Lambda starts a new environment") {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(readiness.AttemptLimit + 3*time.Second):
				t.Fatalf("the adapter kept polling in front of a stuck app\n%s", logs)
			}
			if took := time.Since(start); took > readiness.AttemptLimit+2*time.Second {
				t.Errorf("stopped %s after the invocation started", took)
			}
			if !strings.Contains(logs.String(), "app is not answering") {
				t.Errorf("no log line says why:\n%s", logs)
			}
		})
	}
}
