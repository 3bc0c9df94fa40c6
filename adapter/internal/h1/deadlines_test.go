package h1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
