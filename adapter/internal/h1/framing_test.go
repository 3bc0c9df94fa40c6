package h1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestRoundTrips sends one request of each kind, checks the answer as framed on the wire, then
// checks whether the connection was kept for a second request.
func TestRoundTrips(t *testing.T) {
	cases := []struct {
		name, method, path string
		body               string
		wantBody           string
		wantLength         int64
		wantChunked        bool
		wantReuse          bool
	}{
		{name: "GET Content-Length", method: "GET", path: "/cl", wantBody: "hello", wantLength: 5, wantReuse: true},
		{name: "GET chunked", method: "GET", path: "/chunked", wantBody: "hello world", wantLength: -1, wantChunked: true, wantReuse: true},
		{name: "GET close-delimited", method: "GET", path: "/eof", wantBody: "until the end", wantLength: -1},
		{name: "GET HTTP/1.0", method: "GET", path: "/http10", wantBody: "old", wantLength: 3},
		{name: "HEAD", method: "HEAD", path: "/cl", wantBody: "", wantLength: 5, wantReuse: true},
		{name: "HEAD chunked", method: "HEAD", path: "/chunked", wantBody: "", wantLength: -1, wantChunked: true, wantReuse: true},
		{name: "POST Content-Length", method: "POST", path: "/echo", body: "ping", wantBody: "POST ping", wantLength: 9, wantReuse: true},
		{name: "PUT empty", method: "PUT", path: "/echo", wantBody: "PUT ", wantLength: 4, wantReuse: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newRawServer(t, func(c net.Conn, n int) {
				serveLoop(c, func(req *http.Request, body []byte) (string, bool) {
					switch req.URL.Path {
					case "/cl":
						if req.Method == "HEAD" {
							return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false
						}
						return ok("hello"), false
					case "/chunked":
						if req.Method == "HEAD" {
							return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false
						}
						return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false
					case "/eof":
						return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", true
					case "/http10":
						return "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold", false
					case "/echo":
						if req.ContentLength != int64(len(body)) {
							return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", true
						}
						return ok(req.Method + " " + string(body)), false
					case "/conn":
						return ok(strconv.Itoa(n)), false
					}
					return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false
				})
			})
			c := &Client{MaxIdle: 2}
			defer c.CloseIdle()
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			resp, got, err := fetch(context.Background(), c, tc.method, s.url(tc.path), body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || got != tc.wantBody || resp.ContentLength != tc.wantLength {
				t.Errorf("status %d, body %q, ContentLength %d; want 200, %q, %d",
					resp.StatusCode, got, resp.ContentLength, tc.wantBody, tc.wantLength)
			}
			if chunked := len(resp.TransferEncoding) == 1 && resp.TransferEncoding[0] == "chunked"; chunked != tc.wantChunked {
				t.Errorf("TransferEncoding %q", resp.TransferEncoding)
			}
			if got := idleCount(c, s.addr()); got != map[bool]int{true: 1}[tc.wantReuse] {
				t.Errorf("%d idle connections after the body was read; want reuse %v", got, tc.wantReuse)
			}
			conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil)
			if want := map[bool]string{true: "1", false: "2"}[tc.wantReuse]; conn != want {
				t.Errorf("second request on connection %s; want %s (reuse %v)", conn, want, tc.wantReuse)
			}
			if n := s.accepts.Load(); n != map[bool]int32{true: 1, false: 2}[tc.wantReuse] {
				t.Errorf("server accepted %d connections", n)
			}
		})
	}
}

func TestHTTPServerRoundTrips(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		switch r.URL.Path {
		case "/stream":
			for i := range 3 {
				fmt.Fprintf(w, "part%d;", i)
				w.(http.Flusher).Flush()
			}
		default:
			fmt.Fprintf(w, "%s %s %q", r.Method, r.URL.RequestURI(), body)
		}
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	if got := mustFetch(t, c, "GET", s.URL+"/a?b=c", nil, nil); got != `GET /a?b=c ""` {
		t.Errorf("GET: %q", got)
	}
	if got := mustFetch(t, c, "POST", s.URL+"/p", strings.NewReader("x=1"), nil); got != `POST /p "x=1"` {
		t.Errorf("POST: %q", got)
	}
	resp, got, err := fetch(context.Background(), c, "GET", s.URL+"/stream", nil, nil)
	if err != nil || got != "part0;part1;part2;" || resp.ContentLength != -1 {
		t.Errorf("streamed GET: %q, length %d, %v", got, resp.ContentLength, err)
	}
	resp, got, err = fetch(context.Background(), c, "HEAD", s.URL+"/h", nil, nil)
	if err != nil || got != "" || resp.Header.Get("X-Method") != "HEAD" {
		t.Errorf("HEAD: %q, %v, %v", got, resp.Header, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 4 sequential requests; want 1", n)
	}
}

func TestResponseTrailers(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) {
			return "HTTP/1.1 200 OK\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"3\r\nabc\r\n3\r\ndef\r\n0\r\nX-Checksum: 42\r\nX-Undeclared: yes\r\n\r\n", false
		})
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	req, _ := http.NewRequest("GET", s.url("/"), nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v, declared := resp.Trailer["X-Checksum"]; !declared || v != nil {
		t.Errorf("before the body: Trailer %v; want X-Checksum declared without a value", resp.Trailer)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "abcdef" {
		t.Fatalf("body %q, %v", b, err)
	}
	if got := resp.Trailer.Get("X-Checksum"); got != "42" {
		t.Errorf("after EOF: X-Checksum trailer %q, want 42", got)
	}
	if got := resp.Trailer.Get("X-Undeclared"); got != "yes" {
		t.Errorf("after EOF: X-Undeclared trailer %q, want yes", got)
	}
	if got := resp.Header.Get("X-Checksum"); got != "" {
		t.Errorf("trailer leaked into the header: %q", got)
	}
	if n := idleCount(c, s.addr()); n != 1 {
		t.Errorf("%d idle connections after a body with trailers was read; want 1", n)
	}
}

func TestHTTPServerTrailers(t *testing.T) {
	s, _ := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Count")
		io.WriteString(w, "data")
		w.(http.Flusher).Flush()
		w.Header().Set("X-Count", "4")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	resp, body, err := fetch(context.Background(), c, "GET", s.URL, nil, nil)
	if err != nil || body != "data" {
		t.Fatalf("%q, %v", body, err)
	}
	if resp.Trailer.Get("X-Count") != "4" || resp.Trailer.Get("X-Late") != "late" {
		t.Errorf("trailers %v", resp.Trailer)
	}
}

func TestInterimResponsesSkipped(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			if req.URL.Path == "/conn" {
				return ok(strconv.Itoa(n)), false
			}
			return "HTTP/1.1 100 Continue\r\n\r\n" +
				"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
				"HTTP/1.1 102 Processing\r\n\r\n" +
				"HTTP/1.1 201 Created\r\nContent-Length: 4\r\nX-Final: 1\r\n\r\ndone", false
		})
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	resp, body, err := fetch(context.Background(), c, "POST", s.url("/"), strings.NewReader("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || body != "done" || resp.Header.Get("X-Final") != "1" {
		t.Errorf("status %d body %q header %v; want the final 201", resp.StatusCode, body, resp.Header)
	}
	if resp.Header.Get("Link") != "" {
		t.Errorf("an interim response's header reached the final one: %v", resp.Header)
	}
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "1" {
		t.Errorf("next request on connection %s; want the same one, 1", conn)
	}
}

// interimServer answers every request with n 103 responses, then a 200.
func interimServer(t *testing.T, n int) *rawServer {
	return newRawServer(t, func(c net.Conn, _ int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) {
			return strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", n) + ok("final"), false
		})
	})
}

func TestInterimResponsesBounded(t *testing.T) {
	for _, n := range []int{maxInterim - 1, 1000} {
		s := interimServer(t, n)
		resp, body, err := fetch(context.Background(), &Client{}, "GET", s.url("/"), nil, nil)
		switch {
		case n < maxInterim && (err != nil || resp.StatusCode != 200 || body != "final"):
			t.Errorf("%d interim responses: %v", n, err)
		case n > maxInterim && (err == nil || !strings.Contains(err.Error(), "informational")):
			t.Errorf("%d interim responses: error %v; want one about informational responses", n, err)
		}
	}
}

// TestInterimResponsesExactlyMax: the error says "more than 16 informational (1xx) responses", so
// 16 of them before the final answer are within the bound.
func TestInterimResponsesExactlyMax(t *testing.T) {
	s := interimServer(t, maxInterim)
	resp, body, err := fetch(context.Background(), &Client{}, "GET", s.url("/"), nil, nil)
	if err != nil || resp.StatusCode != 200 || body != "final" {
		t.Errorf("%d interim responses, then 200: %v; the limit is documented as more than %d",
			maxInterim, err, maxInterim)
	}
}

func TestSwitchingProtocolsNotReused(t *testing.T) {
	eof := make(chan error, 1)
	s := newRawServer(t, func(c net.Conn, n int) {
		err := serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			if req.URL.Path == "/conn" {
				return ok(strconv.Itoa(n)), false
			}
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false
		})
		if n == 1 {
			eof <- err
		}
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	req, _ := http.NewRequest("GET", s.url("/ws"), nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "websocket" {
		t.Errorf("status %d header %v; want the 101 itself", resp.StatusCode, resp.Header)
	}
	resp.Body.Close()
	if err := recv(t, eof, "server waiting for the upgraded connection to close"); err != io.EOF {
		t.Errorf("server's read after the 101: %v; want EOF (the client closed it)", err)
	}
	if n := idleCount(c, s.addr()); n != 0 {
		t.Errorf("%d idle connections after a 101", n)
	}
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "2" {
		t.Errorf("next request on connection %s; want a new one, 2", conn)
	}
}

func TestNoBodyStatusesReuse(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			switch req.URL.Path {
			case "/204":
				return "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n", false
			case "/304":
				// Content-Length here is the length of the representation, not of this answer.
				return "HTTP/1.1 304 Not Modified\r\nEtag: \"v1\"\r\nContent-Length: 100\r\n\r\n", false
			}
			return ok(strconv.Itoa(n)), false
		})
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	for _, path := range []string{"/204", "/304", "/204"} {
		req, _ := http.NewRequest("GET", s.url(path), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(path, err)
		}
		want, _ := strconv.Atoi(path[1:])
		if resp.StatusCode != want {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		// Nothing to read: the connection is back in the pool before the body is even closed.
		if n := idleCount(c, s.addr()); n != 1 {
			t.Errorf("%s: %d idle connections before Body.Close; want 1", path, n)
		}
		if b, err := io.ReadAll(resp.Body); len(b) != 0 || err != nil {
			t.Errorf("%s: body %q, %v", path, b, err)
		}
		resp.Body.Close()
	}
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "1" {
		t.Errorf("after 204 and 304 answers, a request went on connection %s; want 1", conn)
	}
	if n := s.accepts.Load(); n != 1 {
		t.Errorf("server accepted %d connections; want 1", n)
	}
}

func TestHeaderTooLong(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			size, _ := strconv.Atoi(req.URL.Query().Get("size"))
			return "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", size) + "\r\nContent-Length: 2\r\n\r\nok", false
		})
	})
	c := &Client{MaxIdle: 1, MaxHeaderBytes: 4096}
	defer c.CloseIdle()
	if b := mustFetch(t, c, "GET", s.url("/?size=3000"), nil, nil); b != "ok" {
		t.Errorf("a head under the limit: %q", b)
	}
	_, _, err := fetch(context.Background(), c, "GET", s.url("/?size=8000"), nil, nil)
	if !errors.Is(err, errHeadTooLong) || !strings.Contains(err.Error(), "4096") {
		t.Errorf("a head over 4096 bytes: %v; want a head-too-long error naming the limit", err)
	}
	// The default limit, 1 MiB.
	_, _, err = fetch(context.Background(), &Client{}, "GET", s.url("/?size=2000000"), nil, nil)
	if !errors.Is(err, errHeadTooLong) || !strings.Contains(err.Error(), strconv.Itoa(DefaultMaxHeaderBytes)) {
		t.Errorf("a 2 MB head with the default limit: %v", err)
	}
}

func TestHeaderTooLongAcrossInterim(t *testing.T) {
	// Each head is under the limit; the bound is per head, not per exchange.
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) {
			hint := "HTTP/1.1 103 Early Hints\r\nLink: " + strings.Repeat("l", 600) + "\r\n\r\n"
			return hint + hint + hint + ok("fine"), false
		})
	})
	c := &Client{MaxHeaderBytes: 1024}
	if b := mustFetch(t, c, "GET", s.url("/"), nil, nil); b != "fine" {
		t.Errorf("%q", b)
	}
}
