package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The servers here are real: net/http's httptest.Server where a well-behaved peer will do, and
// rawServer, a TCP listener whose connections each test scripts byte by byte, for peers that
// answer early, close at odd moments or frame their answers unusually.

// wait is how long a test waits for something that takes microseconds on loopback before it calls
// the client stuck; generous, so that a slow -race run does not fail for want of time.
const wait = 5 * time.Second

// rawServer accepts TCP connections and hands each to serve, with its 1-based accept number.
type rawServer struct {
	ln      net.Listener
	accepts atomic.Int32
	done    chan struct{} // closed when the test ends: serve functions waiting on the test give up

	mu     sync.Mutex
	closed bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newRawServer(t testing.TB, serve func(c net.Conn, n int)) *rawServer {
	t.Helper()
	return newRawServerS(t, func(_ *rawServer, c net.Conn, n int) { serve(c, n) })
}

// newRawServerS is newRawServer for serve functions that need the server (its done channel).
func newRawServerS(t testing.TB, serve func(s *rawServer, c net.Conn, n int)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(s.accepts.Add(1))
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				c.Close()
				continue
			}
			s.conns = append(s.conns, c)
			s.wg.Add(1)
			s.mu.Unlock()
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(s, c, n)
			}()
		}
	}()
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.mu.Lock()
		s.closed = true
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

func (s *rawServer) addr() string { return s.ln.Addr().String() }

// readRequest reads one request and its whole body (trailers included, in req.Trailer).
func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	return req, body, err
}

// serveLoop answers requests on c until the client closes it or answer says to close. answer
// returns the raw bytes to write, and whether to close the connection after them. serveLoop
// returns the error that ended the loop: io.EOF when the client closed the connection.
func serveLoop(c net.Conn, answer func(req *http.Request, body []byte) (string, bool)) error {
	br := bufio.NewReader(c)
	for {
		req, body, err := readRequest(br)
		if err != nil {
			return err
		}
		raw, closeAfter := answer(req, body)
		if _, err := io.WriteString(c, raw); err != nil {
			return err
		}
		if closeAfter {
			return nil
		}
	}
}

// ok is a keep-alive answer with body s.
func ok(s string) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(s)) + "\r\n\r\n" + s
}

// newCountingServer is an httptest.Server that counts the connections it accepted.
func newCountingServer(t testing.TB, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &n
}

// fetch sends a request with c and reads the whole answer.
func fetch(ctx context.Context, c *Client, method, url string, body io.Reader, h http.Header) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, "", err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// mustFetch is fetch that fails the test on error or on a status other than 200.
func mustFetch(t testing.TB, c *Client, method, url string, body io.Reader, h http.Header) string {
	t.Helper()
	resp, b, err := fetch(context.Background(), c, method, url, body, h)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %q", method, url, resp.StatusCode, b)
	}
	return b
}

// idleCount is how many idle connections c keeps for addr.
func idleCount(c *Client, addr string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.idle[addr])
}

// age makes every idle connection of c look idle for d longer than it has been.
func age(c *Client, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, list := range c.idle {
		for _, pc := range list {
			pc.idleAt = pc.idleAt.Add(-d)
		}
	}
}

// recv waits for a value on ch, failing the test after wait.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("%s: nothing after %v", what, wait)
		panic("unreachable")
	}
}

// within runs f and fails the test if f has not returned after wait, so that a client that
// blocks fails the test instead of hanging it. f keeps running then: the servers' cleanup, which
// closes their connections, ends it. f must not call t's methods.
func within(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatalf("%s: still blocked after %v", what, wait)
	}
}

// doWithin is c.Do(req) under within.
func doWithin(t testing.TB, c *Client, req *http.Request) (resp *http.Response, err error) {
	t.Helper()
	within(t, "Do", func() { resp, err = c.Do(req) })
	return resp, err
}

// closeRecorder is a request body that reports its Close.
type closeRecorder struct {
	io.Reader
	once   sync.Once
	closed chan struct{}
}

func newCloseRecorder(r io.Reader) *closeRecorder {
	return &closeRecorder{Reader: r, closed: make(chan struct{})}
}

func (c *closeRecorder) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *closeRecorder) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

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

func TestKeepAliveReuse(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	})
	c := &Client{MaxIdle: 4}
	defer c.CloseIdle()
	for i := range 20 {
		p := "/" + strconv.Itoa(i)
		if got := mustFetch(t, c, "GET", s.URL+p, nil, nil); got != p {
			t.Fatalf("got %q want %q", got, p)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential requests used %d connections; want 1", n)
	}
	if n := idleCount(c, s.Listener.Addr().String()); n != 1 {
		t.Errorf("%d idle connections; want 1", n)
	}
}

func TestServerConnectionCloseNotReused(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	c := &Client{MaxIdle: 4}
	defer c.CloseIdle()
	for range 3 {
		if got := mustFetch(t, c, "GET", s.URL, nil, nil); got != "bye" {
			t.Fatal(got)
		}
		if n := idleCount(c, s.Listener.Addr().String()); n != 0 {
			t.Errorf("%d idle connections after Connection: close", n)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("3 requests answered with Connection: close used %d connections; want 3", n)
	}
}

func TestRequestCloseNotReused(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Close)
	})
	c := &Client{MaxIdle: 4}
	defer c.CloseIdle()
	for range 2 {
		req, _ := http.NewRequest("GET", s.URL, nil)
		req.Close = true
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "true" {
			t.Errorf("server saw Close %s", b)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections; want 2", n)
	}
}

// TestRequestCloseAgainstKeepAliveServer: a client that said Connection: close does not send
// another request on that connection, even when the server answers as if it had not.
func TestRequestCloseAgainstKeepAliveServer(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	req, _ := http.NewRequest("GET", s.url("/"), nil)
	req.Close = true
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := idleCount(c, s.addr()); n != 0 {
		t.Errorf("%d idle connections after a request that said Connection: close", n)
	}
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "2" {
		t.Errorf("next request on connection %s; want 2", conn)
	}
}

// TestContextEndedBeforeBufferedBody: the whole answer is already in the client's buffer when the
// request's context ends; reading it to its end must not put the connection, on which the
// context's end set a past deadline, back in the pool.
func TestContextEndedBeforeBufferedBody(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok("conn " + strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url("/"), nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	// The body is most likely read from the buffer, in full; if it was not, the read fails.
	b, err := io.ReadAll(resp.Body)
	if err == nil && string(b) != "conn 1" || err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("body %q, %v", b, err)
	}
	resp.Body.Close()
	if n := idleCount(c, s.addr()); n != 0 {
		t.Errorf("%d idle connections: one whose context ended went back to the pool", n)
	}
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 2" {
		t.Errorf("next request answered by %s; want conn 2", got)
	}
}

func TestMaxIdleZeroSendsConnectionClose(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			mu.Lock()
			seen = append(seen, req.Header.Get("Connection"))
			mu.Unlock()
			// Answer as keep-alive: only the request's header makes the client close.
			return ok(strconv.Itoa(n)), false
		})
	})
	var c Client // the zero value: no idle connections
	for i := range 3 {
		if got := mustFetch(t, &c, "GET", s.url("/"), nil, nil); got != strconv.Itoa(i+1) {
			t.Errorf("request %d on connection %s", i+1, got)
		}
	}
	if n := idleCount(&c, s.addr()); n != 0 {
		t.Errorf("%d idle connections with MaxIdle 0", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, v := range seen {
		if !strings.EqualFold(v, "close") {
			t.Errorf("request %d: Connection %q; want close", i+1, v)
		}
	}
	if len(seen) != 3 {
		t.Errorf("server saw %d requests", len(seen))
	}
}

// endlessServer answers with a chunked body it never ends, and reports the error that stopped
// its writing (the client closed the connection).
func endlessServer(t *testing.T, stopped chan<- error) *rawServer {
	return newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		req, _, err := readRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/conn" {
			io.WriteString(c, ok(strconv.Itoa(n)))
			io.Copy(io.Discard, br)
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
			stopped <- err
			return
		}
		chunk := fmt.Sprintf("%x\r\n%s\r\n", 1024, strings.Repeat("x", 1024))
		for {
			if _, err := io.WriteString(c, chunk); err != nil {
				stopped <- err
				return
			}
		}
	})
}

func TestBodyClosedEarly(t *testing.T) {
	stopped := make(chan error, 1)
	s := endlessServer(t, stopped)
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	req, _ := http.NewRequest("GET", s.url("/endless"), nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	// Close drains nothing: it must not wait for a body that never ends.
	start := time.Now()
	var closeErr error
	within(t, "Body.Close of an endless body", func() { closeErr = resp.Body.Close() })
	if closeErr != nil {
		t.Errorf("Close: %v", closeErr)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := recv(t, stopped, "server writing an endless body after the client closed it"); err == nil {
		t.Error("server's write ended without an error")
	}
	if n := idleCount(c, s.addr()); n != 0 {
		t.Errorf("%d idle connections after an early Close", n)
	}
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "2" {
		t.Errorf("next request on connection %s; want a new one, 2", conn)
	}
	// A second Close is harmless.
	if err := resp.Body.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBodyClosedEarlyContentLength(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			if req.URL.Path == "/conn" {
				return ok(strconv.Itoa(n)), false
			}
			return ok(strings.Repeat("y", 10000)), false
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	req, _ := http.NewRequest("GET", s.url("/big"), nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 9999)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // one byte short of the end
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "2" {
		t.Errorf("after a body closed one byte short, next request on connection %s; want 2", conn)
	}
}

func TestCloseEndsBlockedRead(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		if _, _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst")
		io.Copy(io.Discard, br) // the rest never comes
	})
	req, _ := http.NewRequest("GET", s.url("/"), nil)
	resp, err := (&Client{MaxIdle: 1}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := resp.Body.Read(make([]byte, 100))
		readErr <- err
	}()
	<-started
	time.Sleep(20 * time.Millisecond) // most likely blocked in Read by now; either way Read must end
	resp.Body.Close()
	if err := recv(t, readErr, "Read blocked while Close was called"); err == nil {
		t.Error("Read after Close returned no error")
	}
}

// silentServer reads a request and never answers; it reports each request it read.
func silentServer(t *testing.T, got chan<- struct{}) *rawServer {
	return newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		if _, _, err := readRequest(br); err != nil {
			return
		}
		got <- struct{}{}
		io.Copy(io.Discard, br)
	})
}

func TestContextDeadlineWaitingForHeaders(t *testing.T) {
	got := make(chan struct{}, 1)
	s := silentServer(t, got)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	var err error
	within(t, "Do past its deadline", func() { _, _, err = fetch(ctx, &Client{}, "GET", s.url("/"), nil, nil) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v; want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Do returned %v after a 100ms deadline", d)
	}
	recv(t, got, "server reading the request")
}

func TestContextCancelWaitingForHeaders(t *testing.T) {
	got := make(chan struct{}, 1)
	s := silentServer(t, got)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-got // the request has arrived: Do is waiting for the answer
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, _, err := fetch(ctx, &Client{MaxIdle: 1}, "POST", s.url("/"), strings.NewReader("body"), nil)
		done <- err
	}()
	if err := recv(t, done, "Do after its context was canceled"); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want one wrapping context.Canceled", err)
	}
}

// stallingBodyServer answers with the head and the first part of a body, then nothing more.
func stallingBodyServer(t *testing.T) *rawServer {
	return newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		if _, _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
		io.Copy(io.Discard, br)
	})
}

func TestContextWhileReadingBody(t *testing.T) {
	for _, deadline := range []bool{true, false} {
		s := stallingBodyServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		want := context.Canceled
		if deadline {
			ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
			want = context.DeadlineExceeded
		}
		c := &Client{MaxIdle: 1}
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url("/"), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
		if !deadline {
			time.AfterFunc(50*time.Millisecond, cancel)
		}
		start := time.Now()
		within(t, "Body.Read past the context's end", func() { _, err = resp.Body.Read(make([]byte, 10)) })
		if !errors.Is(err, want) {
			t.Errorf("deadline %v: Read error %v; want one wrapping %v", deadline, err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("deadline %v: Read returned after %v", deadline, d)
		}
		resp.Body.Close()
		if n := idleCount(c, s.addr()); n != 0 {
			t.Errorf("%d idle connections after a body cut by its context", n)
		}
		cancel()
	}
}

// TestContextEndAfterBodyKeepsConnection: once a body was read to its end, ending the request's
// context must not touch the connection that went back to the pool.
func TestContextEndAfterBodyKeepsConnection(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	ctx, cancel := context.WithCancel(context.Background())
	if _, body, err := fetch(ctx, c, "GET", s.url("/"), nil, nil); err != nil || body != "1" {
		t.Fatal(body, err)
	}
	cancel()
	// A deadline set by the cancel on the pooled connection would fail this request.
	if conn := mustFetch(t, c, "POST", s.url("/"), strings.NewReader("x"), nil); conn != "1" {
		t.Errorf("after the first request's context ended, next request on connection %s; want 1", conn)
	}
}

func TestServerClosedIdleConnectionRedialed(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		// One answer per connection, then the server closes it.
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), true })
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	for i := 1; i <= 3; i++ {
		if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != strconv.Itoa(i) {
			t.Errorf("request %d on connection %s", i, conn)
		}
	}
}

// TestBufferedUnsolicitedBytes: the server sent more than was asked for, and the client's buffer
// took it in with the answer. The connection is not used again: those bytes answer nothing.
func TestBufferedUnsolicitedBytes(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) {
			return ok("conn "+strconv.Itoa(n)) + ok("stale"), false
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 1" {
		t.Fatal(got)
	}
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 2" {
		t.Errorf("answer %q; want conn 2's, not the stale bytes buffered from conn 1", got)
	}
}

func TestIdleTimeoutClosesConnection(t *testing.T) {
	eofs := make(chan int, 4)
	s := newRawServer(t, func(c net.Conn, n int) {
		err := serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false })
		if err == io.EOF {
			eofs <- n
		}
	})
	c := &Client{MaxIdle: 4, IdleTimeout: time.Minute}
	defer c.CloseIdle()

	// Two idle connections: the first body is still open while the second request is sent.
	req, _ := http.NewRequest("GET", s.url("/"), nil)
	held, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "2" {
		t.Fatalf("second request on connection %s", conn)
	}
	io.ReadAll(held.Body)
	held.Body.Close()
	if n := idleCount(c, s.addr()); n != 2 {
		t.Fatalf("%d idle connections; want 2", n)
	}
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "1" {
		t.Errorf("within IdleTimeout, request on connection %s; want the most recently used, 1", conn)
	}

	age(c, 2*time.Minute)
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "3" {
		t.Errorf("past IdleTimeout, request on connection %s; want a new one, 3", conn)
	}
	closed := map[int]bool{recv(t, eofs, "server waiting for EOF"): true, recv(t, eofs, "server waiting for EOF"): true}
	if !closed[1] || !closed[2] {
		t.Errorf("connections the client closed: %v; want 1 and 2", closed)
	}
	if n := idleCount(c, s.addr()); n != 1 {
		t.Errorf("%d idle connections; want 1 (the new one)", n)
	}
}

// TestIdleTimeoutRealClock is TestIdleTimeoutClosesConnection on the wall clock.
func TestIdleTimeoutRealClock(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := &Client{MaxIdle: 4, IdleTimeout: 10 * time.Millisecond}
	defer c.CloseIdle()
	mustFetch(t, c, "GET", s.URL, nil, nil)
	time.Sleep(30 * time.Millisecond) // > IdleTimeout: the pooled connection is stale
	mustFetch(t, c, "GET", s.URL, nil, nil)
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections; want 2", n)
	}
}

func TestFreshAfter(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})
	c := &Client{MaxIdle: 4, FreshAfter: time.Minute}
	defer c.CloseIdle()
	step := func(method string, h http.Header, stale bool, wantConns int32) {
		t.Helper()
		if stale {
			age(c, 2*time.Minute)
		}
		var body io.Reader
		if method == "POST" || method == "PATCH" {
			body = strings.NewReader("data")
		}
		mustFetch(t, c, method, s.URL, body, h)
		if n := conns.Load(); n != wantConns {
			t.Errorf("%s (idle %v, header %v): %d connections so far; want %d", method, stale, h, n, wantConns)
		}
	}
	step("GET", nil, false, 1)
	step("POST", nil, false, 1)  // idle for microseconds: reused
	step("POST", nil, true, 2)   // idle >= FreshAfter: a new connection
	step("GET", nil, true, 2)    // repeatable: the stale one is fine
	step("PATCH", nil, true, 3)  // not repeatable
	step("DELETE", nil, true, 3) // repeatable
	step("POST", http.Header{"Idempotency-Key": {"k1"}}, true, 3)
	step("POST", http.Header{"X-Idempotency-Key": {"k2"}}, true, 3)
	// The stale connections left for repeatable requests are still there.
	if n := idleCount(c, s.Listener.Addr().String()); n != 3 {
		t.Errorf("%d idle connections; want 3", n)
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

func TestValidateBeforeDialing(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	build := func(mod func(r *http.Request)) *http.Request {
		r, _ := http.NewRequest("POST", s.url("/"), nil)
		mod(r)
		return r
	}
	cases := []struct {
		name string
		req  *http.Request
		want string
	}{
		{"header name with space", build(func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }), "invalid header field name"},
		{"header name with colon", build(func(r *http.Request) { r.Header["X:Y"] = []string{"v"} }), "invalid header field name"},
		{"empty header name", build(func(r *http.Request) { r.Header[""] = []string{"v"} }), "invalid header field name"},
		{"header value with CRLF", build(func(r *http.Request) { r.Header.Set("X-Inject", "a\r\nEvil: 1") }), "invalid header field value"},
		{"header value with NUL", build(func(r *http.Request) { r.Header.Set("X-A", "a\x00") }), "invalid header field value"},
		{"header value with DEL", build(func(r *http.Request) { r.Header.Set("X-A", "a\x7f") }), "invalid header field value"},
		{"trailer name", build(func(r *http.Request) { r.Trailer = http.Header{"Bad Trailer": nil} }), "invalid header field name"},
		{"trailer value", build(func(r *http.Request) { r.Trailer = http.Header{"X-T": {"\n"}} }), "invalid header field value"},
		{"method", build(func(r *http.Request) { r.Method = "GET /x" }), "invalid method"},
		{"https", build(func(r *http.Request) { r.URL.Scheme = "https" }), "unsupported protocol scheme"},
		{"ftp", build(func(r *http.Request) { r.URL.Scheme = "ftp" }), "unsupported protocol scheme"},
		{"no scheme", build(func(r *http.Request) { r.URL.Scheme = "" }), "unsupported protocol scheme"},
		{"no host", build(func(r *http.Request) { r.URL.Host = "" }), "no host"},
		{"no URL", build(func(r *http.Request) { r.URL = nil }), "no URL"},
	}
	for _, tc := range cases {
		body := newCloseRecorder(strings.NewReader("data"))
		tc.req.Body = body
		tc.req.ContentLength = 4
		resp, err := c.Do(tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, %v; want an error with %q", tc.name, resp, err, tc.want)
		}
		if !body.isClosed() {
			t.Errorf("%s: request body not closed", tc.name)
		}
	}
	// Tab in a value is allowed.
	mustFetch(t, c, "GET", s.url("/"), nil, http.Header{"X-Tab": {"a\tb"}})
	// Connections are accepted in the order they were made: had any refused request dialed, the
	// valid one would not have come on connection 1.
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "1" {
		t.Errorf("the first valid request came on connection %s; refused requests dialed", conn)
	}
}

func TestCloseIdle(t *testing.T) {
	eofs := make(chan int, 4)
	s := newRawServer(t, func(c net.Conn, n int) {
		if err := serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok(strconv.Itoa(n)), false }); err == io.EOF {
			eofs <- n
		}
	})
	c := &Client{MaxIdle: 4}
	req, _ := http.NewRequest("GET", s.url("/"), nil)
	held, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	mustFetch(t, c, "GET", s.url("/"), nil, nil)
	io.ReadAll(held.Body)
	held.Body.Close()
	if n := idleCount(c, s.addr()); n != 2 {
		t.Fatalf("%d idle connections; want 2", n)
	}
	c.CloseIdle()
	closed := map[int]bool{recv(t, eofs, "server waiting for EOF"): true, recv(t, eofs, "server waiting for EOF"): true}
	if !closed[1] || !closed[2] {
		t.Errorf("server saw EOF on %v; want 1 and 2", closed)
	}
	if n := idleCount(c, s.addr()); n != 0 {
		t.Errorf("%d idle connections after CloseIdle", n)
	}
	if conn := mustFetch(t, c, "GET", s.url("/"), nil, nil); conn != "3" {
		t.Errorf("after CloseIdle, request on connection %s; want 3", conn)
	}
	c.CloseIdle()
	c.CloseIdle() // twice, and on an empty pool: harmless
}

func TestConcurrent(t *testing.T) {
	for _, maxIdle := range []int{8, 2} {
		t.Run("MaxIdle="+strconv.Itoa(maxIdle), func(t *testing.T) {
			s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				w.Write(body)
			})
			addr := s.Listener.Addr().String()
			c := &Client{MaxIdle: maxIdle, IdleTimeout: time.Minute, FreshAfter: time.Minute}
			defer c.CloseIdle()
			const workers, each = 8, 200
			errs := make(chan error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						msg := fmt.Sprintf("w%d-i%d", w, i)
						method := "GET"
						if i%3 == 0 {
							method = "POST"
						}
						_, got, err := fetch(context.Background(), c, method, s.URL+"/", strings.NewReader(msg), nil)
						if err == nil && got != msg {
							err = fmt.Errorf("sent %q, got %q back", msg, got)
						}
						if n := idleCount(c, addr); err == nil && n > maxIdle {
							err = fmt.Errorf("%d idle connections, MaxIdle %d", n, maxIdle)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := idleCount(c, addr); n > maxIdle || n == 0 {
				t.Errorf("%d idle connections at the end; want 1..%d", n, maxIdle)
			}
			// Each worker holds at most one connection at a time, and with MaxIdle >= workers
			// none is ever closed for want of room: no more connections than workers.
			if n := conns.Load(); maxIdle >= workers && n > workers {
				t.Errorf("%d connections for %d workers", n, workers)
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

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"http://example.com/x":      "example.com:80",
		"http://example.com:8080/x": "example.com:8080",
		"http://[::1]/":             "[::1]:80",
		"http://[::1]:9/":           "[::1]:9",
		"http://127.0.0.1:1/":       "127.0.0.1:1",
	} {
		req, _ := http.NewRequest("GET", in, nil)
		if got := hostPort(req.URL); got != want {
			t.Errorf("hostPort(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	body := newCloseRecorder(strings.NewReader("x"))
	req, _ := http.NewRequest("POST", "http://"+addr+"/", body)
	req.ContentLength = 1
	if _, err := (&Client{}).Do(req); err == nil {
		t.Error("no error from a refused connection")
	}
	if !body.isClosed() {
		t.Error("request body not closed after a dial error")
	}
}
