//go:build linux && (amd64 || arm64)

package h1

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitReadable waits until the most recently pooled connection to addr has something to read
// (bytes, or the peer's FIN), without consuming it: the state the peek must then see.
func waitReadable(t *testing.T, c *Client, addr string) {
	t.Helper()
	c.mu.Lock()
	list := c.idle[addr]
	c.mu.Unlock()
	if len(list) == 0 {
		t.Fatal("no idle connection")
	}
	pc := list[len(list)-1]
	rc, err := pc.nc.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	pc.nc.SetReadDeadline(time.Now().Add(wait))
	defer pc.nc.SetReadDeadline(time.Time{})
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return rerr != syscall.EAGAIN
	})
	if err != nil {
		t.Fatalf("idle connection never became readable: %v", err)
	}
}

// TestPeekFindsClosedIdleConnection: the server closes a kept-alive connection while it is idle.
// A POST, which is never sent twice, must not be written to it: the peek finds the FIN first.
func TestPeekFindsClosedIdleConnection(t *testing.T) {
	posts := make(chan int, 4)
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(req *http.Request, _ []byte) (string, bool) {
			if req.Method == "POST" {
				posts <- n
			}
			return ok("conn " + strconv.Itoa(n)), n == 1 // connection 1 closes after its answer
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	if n := idleCount(c, s.addr()); n != 1 {
		t.Fatalf("%d idle connections; want 1", n)
	}
	waitReadable(t, c, s.addr())
	if got := mustFetch(t, c, "POST", s.url("/"), strings.NewReader("once"), nil); got != "conn 2" {
		t.Errorf("POST answered by %s; want conn 2", got)
	}
	if n := recv(t, posts, "server reading the POST"); n != 2 {
		t.Errorf("POST read on connection %d; want 2", n)
	}
	if len(posts) != 0 {
		t.Errorf("POST read more than once")
	}
}

// TestPeekFindsUnsolicitedBytes: bytes a server sent on an idle connection, unasked, would be
// taken for the next request's answer. Such a connection is not used.
func TestPeekFindsUnsolicitedBytes(t *testing.T) {
	stale := make(chan struct{})
	s := newRawServerS(t, func(s *rawServer, c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) {
			if n == 1 {
				go func() {
					// Once the client has read the answer and pooled the connection.
					select {
					case <-stale:
						io.WriteString(c, ok("stale"))
					case <-s.done:
					}
				}()
			}
			return ok("conn " + strconv.Itoa(n)), false
		})
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s)
	close(stale)
	waitReadable(t, c, s.addr())
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 2" {
		t.Errorf("answer %q; want conn 2's, not the stale bytes on conn 1", got)
	}
	if n := idleCount(c, s.addr()); n != 1 {
		t.Errorf("%d idle connections; want 1", n)
	}
}

// TestPeekKeepsQuietConnection: an idle connection with nothing to read is used, every time.
func TestPeekKeepsQuietConnection(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok("conn " + strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	for range 50 {
		if got := mustFetch(t, c, "POST", s.url("/"), strings.NewReader("x"), nil); got != "conn 1" {
			t.Fatalf("answer %q; want conn 1", got)
		}
	}
}
