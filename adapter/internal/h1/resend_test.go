package h1

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// received is what a resend server read, request by request.
type received struct {
	mu   sync.Mutex
	reqs []string // "METHOD /path conn.k body"
}

func (r *received) add(req *http.Request, n, k int, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+" "+strconv.Itoa(n)+"."+strconv.Itoa(k)+" "+string(body))
}

// copies lists the requests for path.
func (r *received) copies(path string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.reqs {
		if strings.Fields(s)[1] == path {
			out = append(out, s)
		}
	}
	return out
}

// dropServer answers each request on each connection unless drop(n, k) (connection n, its k-th
// request): then it reads the whole request and closes the connection without a byte of answer,
// as an app does whose idle timer fires as the request arrives.
func dropServer(t *testing.T, drop func(n, k int) bool) (*rawServer, *received) {
	rec := &received{}
	s := newRawServer(t, func(c net.Conn, n int) {
		k := 0
		serveLoop(c, func(req *http.Request, body []byte) (string, bool) {
			k++
			rec.add(req, n, k, body)
			if drop(n, k) {
				return "", true
			}
			return ok("conn " + strconv.Itoa(n)), false
		})
	})
	return s, rec
}

// secondOnFirst drops the second request on connection 1: the first reuse of a kept-alive one.
func secondOnFirst(n, k int) bool { return n == 1 && k == 2 }

// warm sends a request that leaves connection 1 in c's pool.
func warm(t *testing.T, c *Client, s *rawServer) {
	t.Helper()
	if got := mustFetch(t, c, "GET", s.url("/warm"), nil, nil); got != "conn 1" {
		t.Fatalf("warm-up request: %q", got)
	}
}

// oneShotBody is a request body without GetBody: it cannot be read twice.
func oneShotBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func TestResendRules(t *testing.T) {
	big := strings.Repeat("b", 3*syncBodyMax) // written by the second goroutine
	cases := []struct {
		name   string
		method string
		header http.Header
		body   func(req *http.Request) // sets the body; nil: none
		want   int                     // copies the server reads
		errHas string                  // when the request fails: part of its error
	}{
		{name: "GET", method: "GET", want: 2},
		{name: "HEAD", method: "HEAD", want: 2},
		{name: "OPTIONS", method: "OPTIONS", want: 2},
		{name: "DELETE", method: "DELETE", want: 2},
		{name: "PUT replayable", method: "PUT", body: setBody("put-data", true), want: 2},
		{name: "PUT large replayable", method: "PUT", body: setBody(big, true), want: 2},
		{name: "PUT one-shot body", method: "PUT", body: setBody("once", false), want: 1, errHas: "EOF"},
		{name: "PUT GetBody fails", method: "PUT", body: func(req *http.Request) {
			setBody("put-data", true)(req)
			req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("no second copy") }
		}, want: 1, errHas: "no second copy"},
		{name: "POST", method: "POST", body: setBody("post-data", true), want: 1, errHas: "EOF"},
		{name: "POST no body", method: "POST", want: 1, errHas: "EOF"},
		{name: "PATCH", method: "PATCH", body: setBody("patch-data", true), want: 1, errHas: "EOF"},
		{name: "POST Idempotency-Key", method: "POST", header: http.Header{"Idempotency-Key": {"k"}}, body: setBody("post-data", true), want: 2},
		{name: "POST X-Idempotency-Key", method: "POST", header: http.Header{"X-Idempotency-Key": {"k"}}, body: setBody("post-data", true), want: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rec := dropServer(t, secondOnFirst)
			c := &Client{MaxIdle: 2}
			defer c.CloseIdle()
			warm(t, c, s)
			req, _ := http.NewRequest(tc.method, s.url("/t"), nil)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			if tc.body != nil {
				tc.body(req)
			}
			sent := ""
			if req.GetBody != nil {
				if b, err := req.GetBody(); err == nil {
					all, _ := io.ReadAll(b)
					sent = string(all)
				}
			}
			resp, err := c.Do(req)
			copies := rec.copies("/t")
			if len(copies) != tc.want {
				t.Errorf("server read %d copies %q; want %d", len(copies), copies, tc.want)
			}
			if tc.errHas == "" {
				if err != nil {
					t.Fatalf("error %v; want the answer from a new connection", err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || (tc.method != "HEAD" && string(b) != "conn 2") {
					t.Errorf("answer %d %q; want 200 from connection 2", resp.StatusCode, b)
				}
				for _, cp := range copies {
					if !strings.HasSuffix(cp, " "+sent) {
						t.Errorf("a copy's body differs from what was sent: %.60q", cp)
					}
				}
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("no error; want one with %q", tc.errHas)
			}
			if !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("error %v; want one with %q", err, tc.errHas)
			}
			var re *ResendError
			if errors.As(err, &re) {
				t.Errorf("a request that must not be repeated was: %v", err)
			}
		})
	}
}

func setBody(s string, replayable bool) func(*http.Request) {
	return func(req *http.Request) {
		req.ContentLength = int64(len(s))
		if !replayable {
			req.Body = oneShotBody(s)
			return
		}
		req.Body = io.NopCloser(strings.NewReader(s))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
	}
}

func TestNoResendOnNewConnection(t *testing.T) {
	s, rec := dropServer(t, func(n, k int) bool { return k == 1 }) // every connection's first
	_, _, err := fetch(context.Background(), &Client{MaxIdle: 2}, "GET", s.url("/t"), nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	wantSentOnce(t, err, rec, "a request that failed on a new connection")
}

func TestNoResendAfterPartialAnswer(t *testing.T) {
	rec := &received{}
	s := newRawServer(t, func(c net.Conn, n int) {
		k := 0
		serveLoop(c, func(req *http.Request, body []byte) (string, bool) {
			k++
			rec.add(req, n, k, body)
			if n == 1 && k == 2 {
				return "HTTP/1.1 200 OK\r\nContent-Le", true // part of an answer, then gone
			}
			return ok("conn " + strconv.Itoa(n)), false
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	_, _, err := fetch(context.Background(), c, "GET", s.url("/t"), nil, nil)
	if err == nil {
		t.Fatal("no error from a cut answer")
	}
	wantSentOnce(t, err, rec, "a request cut after part of an answer")
}

// wantSentOnce checks that the failed request to /t reached the server once and was not resent.
func wantSentOnce(t *testing.T, err error, rec *received, what string) {
	t.Helper()
	var re *ResendError
	if errors.As(err, &re) {
		t.Errorf("%s was sent again: %v", what, err)
	}
	if n := len(rec.copies("/t")); n != 1 {
		t.Errorf("%s: server read %d copies; want 1", what, n)
	}
}

func TestResendErrorBothFail(t *testing.T) {
	s, rec := dropServer(t, func(n, k int) bool { return n == 1 && k == 2 || n == 2 })
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	_, _, err := fetch(context.Background(), c, "PUT", s.url("/t"), strings.NewReader("v"), nil)
	var re *ResendError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T); want a *ResendError", err, err)
	}
	if re.First == nil || re.Err == nil {
		t.Errorf("ResendError{First: %v, Err: %v}; want both", re.First, re.Err)
	}
	if !strings.Contains(err.Error(), "sent again on a new connection") {
		t.Errorf("message %q", err)
	}
	// Both failures are visible through the error: the answer never began either time.
	if !errors.Is(re.First, io.ErrUnexpectedEOF) || !errors.Is(re.Err, io.ErrUnexpectedEOF) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("First %v, Err %v; want both to wrap io.ErrUnexpectedEOF", re.First, re.Err)
	}
	copies := rec.copies("/t")
	if len(copies) != 2 || !strings.Contains(copies[0], " 1.2 ") || !strings.Contains(copies[1], " 2.1 ") {
		t.Errorf("server read %q; want the request on connection 1, then on connection 2", copies)
	}
}

// TestResendErrorRefused is the adapter's "the app crashed" case: the app closes the connection
// under the request and then refuses a new one.
func TestResendErrorRefused(t *testing.T) {
	var once sync.Once
	s := newRawServerS(t, func(s *rawServer, c net.Conn, n int) {
		k := 0
		serveLoop(c, func(req *http.Request, body []byte) (string, bool) {
			k++
			if k == 2 {
				once.Do(func() { s.ln.Close() }) // nothing listens any more
				return "", true
			}
			return ok("conn " + strconv.Itoa(n)), false
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	_, _, err := fetch(context.Background(), c, "GET", s.url("/t"), nil, nil)
	var re *ResendError
	if !errors.As(err, &re) || !errors.Is(re.Err, syscall.ECONNREFUSED) {
		t.Errorf("error %v; want a *ResendError whose Err is ECONNREFUSED", err)
	}
}

// TestResendReplaysBody checks the second copy of a PUT carries the same body, GetBody's.
func TestResendReplaysBody(t *testing.T) {
	s, rec := dropServer(t, secondOnFirst)
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	payload := bytes.Repeat([]byte("0123456789"), 1000)
	req, _ := http.NewRequest("PUT", s.url("/t"), bytes.NewReader(payload))
	if req.GetBody == nil {
		t.Fatal("http.NewRequest set no GetBody for a bytes.Reader")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	copies := rec.copies("/t")
	if len(copies) != 2 {
		t.Fatalf("%d copies", len(copies))
	}
	for i, cp := range copies {
		if !strings.HasSuffix(cp, " "+string(payload)) {
			t.Errorf("copy %d has a different body (%d bytes)", i+1, len(cp))
		}
	}
}

// TestResendPutDeleteEffectOnce shows why PUT and DELETE are resent (net/http's Transport does not
// resend them without an Idempotency-Key): even in the worst case, an app that acted on the first
// copy and then closed the connection without answering, the second copy leaves the app's state as
// one copy does, and the client gets the answer instead of an error. A POST that appends would not:
// it is not resent.
func TestResendPutDeleteEffectOnce(t *testing.T) {
	cases := []struct {
		method, body string
		before, want []string // the app's items before and after
		wantErr      bool
	}{
		{"PUT", "v1", nil, []string{"v1"}, false},         // store the representation
		{"DELETE", "", []string{"v0"}, []string{}, false}, // remove it
		{"POST", "v1", nil, []string{"v1"}, true},         // append: not resent, so the effect is once
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			var mu sync.Mutex
			items := append([]string{}, tc.before...)
			s := newRawServer(t, func(c net.Conn, n int) {
				k := 0
				serveLoop(c, func(req *http.Request, body []byte) (string, bool) {
					k++
					if req.URL.Path == "/t" {
						mu.Lock()
						switch req.Method {
						case "PUT":
							items = []string{string(body)}
						case "DELETE":
							items = []string{}
						case "POST":
							items = append(items, string(body))
						}
						mu.Unlock()
					}
					if secondOnFirst(n, k) {
						return "", true // the app acted, then its idle timer closed the connection unanswered
					}
					return ok("conn " + strconv.Itoa(n)), false
				})
			})
			c := &Client{MaxIdle: 2}
			defer c.CloseIdle()
			warm(t, c, s)
			req, _ := http.NewRequest(tc.method, s.url("/t"), strings.NewReader(tc.body))
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("error %v; want an error: %v", err, tc.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(items, ",") != strings.Join(tc.want, ",") || len(items) != len(tc.want) {
				t.Errorf("the app holds %q; want %q, the effect of one copy", items, tc.want)
			}
		})
	}
}

func TestIdempotent(t *testing.T) {
	for _, tc := range []struct {
		method string
		h      http.Header
		want   bool
	}{
		{"", nil, true}, {"GET", nil, true}, {"HEAD", nil, true}, {"OPTIONS", nil, true},
		{"TRACE", nil, true}, {"PUT", nil, true}, {"DELETE", nil, true},
		{"POST", nil, false}, {"PATCH", nil, false}, {"CONNECT", nil, false}, {"PROPFIND", nil, false},
		{"POST", http.Header{"Idempotency-Key": {"a"}}, true},
		{"PATCH", http.Header{"X-Idempotency-Key": {"a"}}, true},
		{"POST", http.Header{"Idempotency-Key": {""}}, false},
	} {
		req := &http.Request{Method: tc.method, Header: tc.h}
		if req.Header == nil {
			req.Header = http.Header{}
		}
		if got := Idempotent(req); got != tc.want {
			t.Errorf("Idempotent(%q, %v) = %v", tc.method, tc.h, got)
		}
	}
}
