package h1

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
