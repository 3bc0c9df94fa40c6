package h1

import (
	"context"
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

// A full pool keeps the connections used last: a POST after a quiet spell goes on a new
// connection, and that one, not the stale one, is what the next request finds.
func TestFullPoolEvictsLongestIdle(t *testing.T) {
	var mu sync.Mutex
	var conns atomic.Int32
	closed := map[string]bool{} // the server's view: remote address → closed
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, r.RemoteAddr)
	}))
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed:
			closed[c.RemoteAddr().String()] = true
		}
	}
	s.Start()
	defer s.Close()
	c := &Client{MaxIdle: 1, FreshAfter: time.Minute}
	defer c.CloseIdle()
	first := mustFetch(t, c, "GET", s.URL, nil, nil)
	age(c, 2*time.Minute)
	second := mustFetch(t, c, "POST", s.URL, strings.NewReader("x"), nil)
	if second == first || conns.Load() != 2 {
		t.Fatalf("the POST after a quiet spell went on %s (first %s), %d connections; want a new one", second, first, conns.Load())
	}
	if n := idleCount(c, s.Listener.Addr().String()); n != 1 {
		t.Fatalf("%d idle connections; want MaxIdle = 1", n)
	}
	if third := mustFetch(t, c, "GET", s.URL, nil, nil); third != second {
		t.Errorf("the next GET went on %s; want the connection used last, %s", third, second)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		done := closed[first]
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the evicted, longest-idle connection was not closed")
		}
		time.Sleep(5 * time.Millisecond)
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
