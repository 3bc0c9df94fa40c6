package adapter

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// FuzzInvocation drives whole invocations through the adapter (decode, request, the app, encode,
// the Runtime API) with arbitrary payloads: the event package's fuzz targets check each pure step,
// this one the adapter code around them. Every payload must end in a response or an invocation
// error, never a panic or a Runtime API failure.
func FuzzInvocation(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("event", "testdata", "events", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{`, `null`, `[]`, "\xff\xfe",
		`{"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"POST"}},"isBase64Encoded":true,"body":"%%%"}`,
		`{"version":"2.0","rawPath":"/a\u0000b\r\nX: 1","rawQueryString":"a=1+2&b=100%&c=%zz","headers":{"x\r\ny":"1","h":"v\r\nX: 1"},"requestContext":{"http":{"method":"GET"}}}`,
		`{"httpMethod":"G\u0000T","path":"//x/../y","headers":{"Host":"a b"},"requestContext":{"httpMethod":"G T"}}`,
		`{"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"HEAD"}},"headers":{"content-length":"99","transfer-encoding":"chunked","expect":"100-continue"}}`,
	} {
		f.Add([]byte(s))
	}
	// The app answers with what it got, every request header echoed back as a response header.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for k, vs := range r.Header {
			for _, v := range vs {
				w.Header().Add("X-Echo-"+k, v)
			}
		}
		_, _ = w.Write(body)
	}))
	defer app.Close()
	var unexpected atomic.Int32 // calls to anything but /response and /error
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !strings.HasSuffix(r.URL.Path, "/response") && !strings.HasSuffix(r.URL.Path, "/error") {
			unexpected.Add(1)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer api.Close()
	cfg := testConfig(f, app.Listener.Addr().String(), api.Listener.Addr().String())
	hc := newLambdaHTTPClient(1)
	a := New(cfg, slog.New(slog.DiscardHandler), lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, hc), nil, "fuzz")
	close(a.ready)

	f.Fuzz(func(t *testing.T, payload []byte) {
		inv := &lambdaapi.Invocation{RequestID: "fuzz", Deadline: time.Now().Add(5 * time.Second), Payload: payload}
		err := a.invoke(context.Background(), slog.New(slog.DiscardHandler), inv)
		var ie *invokeError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("neither a response nor an invocation error: %v", err)
		}
		if ie != nil && ie.errType == errTypeApp {
			t.Fatalf("the adapter failed to talk to a healthy app: %v", ie)
		}
		if n := unexpected.Load(); n > 0 {
			t.Fatalf("%d unexpected Runtime API calls", n)
		}
	})
}
