package h1

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
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
