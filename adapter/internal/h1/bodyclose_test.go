package h1

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
