package adapter

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// An AWS_LWA_ERROR_STATUS_CODES failure carries the errorMessage AWS's adapter sends,
// {"statusCode":N,"body":"..."} with the body whole (up to 1 MiB), in buffered and streaming mode,
// while the log line says it in words.
func TestErrorStatusMessageIsRustAdapterJSON(t *testing.T) {
	big := strings.Repeat("x", errorStatusBodyMax+10)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
		case "/html":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`<b>"down" & out</b>` + "\n\xff"))
		case "/big":
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(big))
		case "/empty":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer app.Close()
	for _, mode := range []string{"buffered", "response_stream"} {
		t.Run(mode, func(t *testing.T) {
			api := testenv.NewFakeAPI(t)
			logs := &logBuffer{}
			a := newTestAdapter(t, testConfig(t, app.Listener.Addr().String(), api.Addr,
				"AWS_LWA_ERROR_STATUS_CODES", "500-599", "AWS_LWA_INVOKE_MODE", mode), logs)
			runAdapter(t, a)
			for _, tc := range []struct{ path, want string }{
				{"/html", `{"statusCode":502,"body":"<b>\"down\" & out</b>\n\ufffd"}`},
				{"/empty", `{"statusCode":503,"body":""}`},
				{"/big", `{"statusCode":500,"body":"` + big[:errorStatusBodyMax] + `"}`},
			} {
				o := invoke(t, api, v2("GET", tc.path, ""))
				var doc lambdaapi.ErrorResponse
				if err := json.Unmarshal(o.Body, &doc); err != nil || !o.Error {
					t.Fatalf("%s: outcome %s", tc.path, o)
				}
				if doc.Type != errTypeErrorStatus || doc.Message != tc.want {
					t.Errorf("%s: type %q, message %.200q; want %.200q", tc.path, doc.Type, doc.Message, tc.want)
				}
			}
			if l := logs.String(); !strings.Contains(l, "app answered status 502 (AWS_LWA_ERROR_STATUS_CODES=500-599)") {
				t.Errorf("log line:\n%.2000s", l)
			}
		})
	}
}
