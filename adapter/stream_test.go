package adapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
	"github.com/lwa-go/lwa/internal/testenv"
)

// startStreamAdapter runs an adapter in response_stream mode for the app at appAddr against a fresh
// FakeAPI, until the test ends. kv are extra environment variables.
func startStreamAdapter(tb testing.TB, appAddr string, kv ...string) *testenv.FakeAPI {
	tb.Helper()
	api := testenv.NewFakeAPI(tb)
	startAdapterAt(tb, api.Addr, appAddr, kv...)
	return api
}

// startAdapterAt runs an adapter in response_stream mode against the Runtime API at apiAddr. kv are
// extra environment variables.
func startAdapterAt(tb testing.TB, apiAddr, appAddr string, kv ...string) {
	tb.Helper()
	startAdapterLog(tb, io.Discard, apiAddr, appAddr, kv...)
}

func startAdapterLog(tb testing.TB, logs io.Writer, apiAddr, appAddr string, kv ...string) {
	tb.Helper()
	cfg := testConfig(tb, appAddr, apiAddr, append([]string{"AWS_LWA_INVOKE_MODE", "response_stream"}, kv...)...)
	runAdapter(tb, New(cfg, testLogger(logs), lambdaapi.NewRuntimeClient(cfg.RuntimeAPI, newLambdaHTTPClient(cfg.MaxConcurrency)), nil, "test"))
}

// preludeEnd is the 8 NUL bytes that end the prelude.
var preludeEnd = []byte("\x00\x00\x00\x00\x00\x00\x00\x00")

// firstBodyByte is when the first byte after the prelude reached the Runtime API.
func firstBodyByte(o *testenv.Outcome) (time.Time, bool) {
	end := bytes.Index(o.Body, preludeEnd)
	if end < 0 {
		return time.Time{}, false
	}
	end += len(preludeEnd)
	seen := 0
	for _, c := range o.Chunks {
		seen += len(c.Data)
		if seen > end {
			return o.Started.Add(c.At), true
		}
	}
	return time.Time{}, false
}

// streamed splits a streamed outcome into its prelude and body.
func streamed(t *testing.T, o *testenv.Outcome) (prelude streamPrelude, body []byte) {
	t.Helper()
	if o.Error {
		t.Fatalf("posted to /error: %s", o)
	}
	if o.Header.Get(lambdaapi.HeaderResponseMode) != "streaming" || o.Header.Get("Content-Type") != lambdaapi.StreamContentType {
		t.Errorf("not a streamed response: %v", o.Header)
	}
	for _, k := range []string{lambdaapi.HeaderErrorType, lambdaapi.HeaderErrorBody} {
		if _, ok := o.Trailer[k]; !ok {
			t.Errorf("trailer %s not declared: %v", k, o.Trailer)
		}
	}
	js, body, ok := bytes.Cut(o.Body, preludeEnd)
	if !ok {
		t.Fatalf("no 8 NUL bytes after the prelude: %s", o)
	}
	if err := json.Unmarshal(js, &prelude); err != nil {
		t.Fatalf("prelude %q: %v", js, err)
	}
	return prelude, body
}

type streamPrelude struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
}

// header looks a header up by name in any case: the prelude's case is the event package's choice.
func (p streamPrelude) header(name string) (string, bool) {
	for k, v := range p.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func (p streamPrelude) get(name string) string { v, _ := p.header(name); return v }

// streamError decodes the error trailers; empty type when there are none.
func streamError(t *testing.T, o *testenv.Outcome) (errType string, doc lambdaapi.ErrorResponse) {
	t.Helper()
	errType = o.Trailer.Get(lambdaapi.HeaderErrorType)
	if errType == "" {
		return "", doc
	}
	raw, err := base64.StdEncoding.DecodeString(o.Trailer.Get(lambdaapi.HeaderErrorBody))
	if err != nil {
		t.Fatalf("error body trailer is not base64: %v", err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("error body trailer %q: %v", raw, err)
	}
	return errType, doc
}

func TestStreamAppFailsMidBody(t *testing.T) {
	// Each case starts a response, sends "partial" and then fails; what the app sent is forwarded.
	cases := map[string]func(w http.ResponseWriter){
		"connection closed mid-chunk": func(w http.ResponseWriter) {
			conn, bw, _ := http.NewResponseController(w).Hijack()
			_, _ = bw.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\npar\r\n10\r\ntial")
			_ = bw.Flush()
			time.Sleep(50 * time.Millisecond)
			conn.Close()
		},
		"short of content-length": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		},
		"connection reset": func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
			conn, _, _ := http.NewResponseController(w).Hijack()
			_ = conn.(*net.TCPConn).SetLinger(0) // close with RST
			conn.Close()
		},
		"handler panics": func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
			panic(http.ErrAbortHandler)
		},
	}
	for name, fail := range cases {
		t.Run(name, func(t *testing.T) {
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/":
				case "/ok":
					_, _ = io.WriteString(w, "fine")
				default:
					w.Header().Set("Content-Type", "text/plain")
					fail(w)
				}
			}))
			defer app.Close()
			logs := &logBuffer{}
			api := testenv.NewFakeAPI(t)
			startAdapterLog(t, logs, api.Addr, app.Listener.Addr().String())
			o := invoke(t, api, v2("GET", "/fail", ""))
			_, body := streamed(t, o)
			if string(body) != "partial" {
				t.Errorf("body %q, want what the app sent before failing", body)
			}
			errType, doc := streamError(t, o)
			if errType != "Runtime.StreamError" || doc.Type != errType || !strings.Contains(doc.Message, "app failed mid-body") {
				t.Errorf("trailers %v, error document %+v", o.Trailer, doc)
			}
			if !waitLog(logs, "app failed mid-stream") {
				t.Errorf("failure not logged:\n%s", logs)
			}
			// The adapter goes on serving.
			if _, body := streamed(t, invoke(t, api, v2("GET", "/ok", ""))); string(body) != "fine" {
				t.Errorf("next invocation answered %q", body)
			}
		})
	}
}

func TestStreamPrelude(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = nil // no sniffing: the app sends no Content-Type at all
		h.Add("Set-Cookie", "a=1; Path=/")
		h.Add("Set-Cookie", "b=2; HttpOnly")
		h.Add("X-Multi", "one")
		h.Add("X-Multi", "two")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte{0, 1, 2})
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String())
	p, body := streamed(t, invoke(t, api, v2("GET", "/p", "")))
	if p.StatusCode != http.StatusCreated || p.get("Content-Type") != "application/octet-stream" || p.get("X-Multi") != "one,two" {
		t.Errorf("prelude %+v", p)
	}
	if !slices.Equal(p.Cookies, []string{"a=1; Path=/", "b=2; HttpOnly"}) {
		t.Errorf("cookies %q", p.Cookies)
	}
	for k := range p.Headers {
		if strings.EqualFold(k, "Set-Cookie") || strings.EqualFold(k, "Transfer-Encoding") {
			t.Errorf("header %s in the prelude: %+v", k, p.Headers)
		}
	}
	if !bytes.Equal(body, []byte{0, 1, 2}) {
		t.Errorf("body %q", body)
	}
}

func TestStreamDeadlineMidStream(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
		case "/ok":
			_, _ = io.WriteString(w, "fine")
		default: // streams until the client goes away
			for r.Context().Err() == nil {
				_, _ = io.WriteString(w, ".")
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const timeout = time.Second
	start := time.Now()
	o, err := api.Invoke(ctx, v2("GET", "/forever", ""), timeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	_, body := streamed(t, o)
	if len(body) == 0 || strings.Trim(string(body), ".") != "" {
		t.Errorf("body %q", body)
	}
	errType, doc := streamError(t, o)
	if errType != "Runtime.AppTimeout" || !strings.Contains(doc.Message, "before the invocation deadline") {
		t.Errorf("trailers %v, document %+v", o.Trailer, doc)
	}
	// Reported just before the deadline (the adapter keeps 100 ms to report), never after it.
	if took > timeout {
		t.Errorf("stream ended %s after the invocation started, past its %s deadline", took, timeout)
	}
	if _, body := streamed(t, invoke(t, api, v2("GET", "/ok", ""))); string(body) != "fine" {
		t.Errorf("next invocation answered %q", body)
	}
}

func TestStreamCompressionIsOff(t *testing.T) {
	text := strings.Repeat("compressible text ", 4096)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Saw-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		_, _ = io.WriteString(w, text)
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String(), "AWS_LWA_ENABLE_COMPRESSION", "true")
	ev := testenv.V2(testenv.HTTPEvent{Path: "/text", Headers: map[string]string{"accept-encoding": "gzip, br"}})
	p, body := streamed(t, invoke(t, api, ev))
	if _, ok := p.header("Content-Encoding"); ok || string(body) != text {
		t.Errorf("streamed body changed (%d bytes, headers %v)", len(body), p.Headers)
	}
	if p.get("X-Saw-Accept-Encoding") != "gzip, br" {
		t.Errorf("the app saw Accept-Encoding %q, want the client's", p.get("X-Saw-Accept-Encoding"))
	}
}

func TestStreamPassThroughEvent(t *testing.T) {
	sqs := []byte(`{"Records":[{"messageId":"m1","eventSource":"aws:sqs","body":"hello"}]}`)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/events" {
			return
		}
		got, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":%q,"same":%t}`, r.Method, bytes.Equal(got, sqs))
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String())
	o := invoke(t, api, sqs)
	if o.Error || string(o.Body) != `{"method":"POST","same":true}` {
		t.Errorf("outcome %s, want the app's JSON as the whole result", o)
	}
	if o.Header.Get(lambdaapi.HeaderResponseMode) != "" {
		t.Errorf("pass-through result sent as a stream: %v", o.Header)
	}
}

func TestStreamErrorStatusFailsInvocation(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "database down", http.StatusServiceUnavailable)
		}
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String(), "AWS_LWA_ERROR_STATUS_CODES", "500-599")
	o := invoke(t, api, v2("GET", "/down", ""))
	var doc lambdaapi.ErrorResponse
	if err := json.Unmarshal(o.Body, &doc); err != nil || !o.Error || doc.Type != "Function.ErrorStatusCode" ||
		!strings.Contains(doc.Message, "503") || !strings.Contains(doc.Message, "database down") {
		t.Errorf("outcome %s", o)
	}
}

func TestStreamLargeBodyExact(t *testing.T) {
	data := make([]byte, 9<<20) // over Lambda's 6 MiB buffered limit
	for i := range data {
		data[i] = byte(i*31 + i>>13)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 100_000)
			_, _ = w.Write(rest[:n])
			rest = rest[n:]
		}
	}))
	defer app.Close()
	api := startStreamAdapter(t, app.Listener.Addr().String())
	_, body := streamed(t, invoke(t, api, v2("GET", "/big", "")))
	if !bytes.Equal(body, data) {
		t.Errorf("body of %d bytes differs from the app's %d", len(body), len(data))
	}
}

// The HTTP client normally reads through WriteTo; Read must keep the same contract.
func TestStreamBodyRead(t *testing.T) {
	src := io.MultiReader(strings.NewReader("abc"), iotestErrReader{})
	b := newStreamBody(context.Background(), []byte("P\x00"), src)
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "P\x00abc" {
		t.Fatalf("read %q, %v: want the prelude, the data and a clean end", got, err)
	}
	if b.trailer.Get(lambdaapi.HeaderErrorType) != "Runtime.StreamError" || b.failure() == nil {
		t.Errorf("trailers %v, failure %v", b.trailer, b.failure())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b = newStreamBody(ctx, nil, iotestErrReader{})
	if n, err := b.Read(make([]byte, 8)); n != 0 || err != io.EOF || b.trailer.Get(lambdaapi.HeaderErrorType) != "Runtime.AppTimeout" {
		t.Errorf("after the deadline: %d, %v, trailers %v", n, err, b.trailer)
	}
	b = newStreamBody(context.Background(), nil, strings.NewReader("ok"))
	if got, _ := io.ReadAll(b); string(got) != "ok" || b.failure() != nil || len(b.trailer.Get(lambdaapi.HeaderErrorType)) != 0 {
		t.Errorf("clean body: %q, %v, %v", got, b.failure(), b.trailer)
	}
}

// waitLog waits a little for a log line written after the Runtime API got the outcome.
func waitLog(logs *logBuffer, s string) bool {
	for range 200 {
		if strings.Contains(logs.String(), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

type writeSizes []int

func (w *writeSizes) Write(p []byte) (int, error) {
	*w = append(*w, len(p))
	return len(p), nil
}

// A bulk body grows the read buffer (bigger chunks) up to its bound; each read is one write.
func TestStreamBodyChunkSizes(t *testing.T) {
	b := newStreamBody(context.Background(), []byte("prelude"), bytes.NewReader(make([]byte, 1<<20)))
	var sizes writeSizes
	n, err := b.WriteTo(&sizes)
	want := []int{7, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 256 << 10, 256 << 10, 32 << 10}
	if err != nil || n != 7+1<<20 || !slices.Equal(sizes, want) {
		t.Errorf("wrote %d bytes as %v (%v), want %v", n, sizes, err, want)
	}
}
