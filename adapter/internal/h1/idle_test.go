package h1

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
