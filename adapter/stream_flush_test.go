package adapter

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lwa-go/lwa/adapter/lambdaapi"
)

// liveAPI is a one-invocation Runtime API that exposes the streamed body while it arrives, so a
// test can make the app wait until its last write reached Lambda: a chunk held back anywhere on the
// way then shows as a deadlock (a timeout), not as a timing that depends on the machine's load.
type liveAPI struct {
	addr    string
	payload []byte
	mu      sync.Mutex
	body    []byte
	trailer http.Header
	done    chan struct{}
}

func newLiveAPI(t *testing.T, payload []byte) *liveAPI {
	l := &liveAPI{payload: payload, done: make(chan struct{})}
	var served atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		if served.Swap(true) {
			<-r.Context().Done() // one invocation only
			return
		}
		w.Header().Set(lambdaapi.HeaderRequestID, "live-1")
		w.Header().Set(lambdaapi.HeaderDeadlineMs, strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		_, _ = w.Write(l.payload)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		for {
			n, err := r.Body.Read(buf)
			l.mu.Lock()
			l.body = append(l.body, buf[:n]...)
			l.mu.Unlock()
			if err != nil {
				break
			}
		}
		l.mu.Lock()
		l.trailer = r.Trailer.Clone()
		l.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		close(l.done)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	l.addr = srv.Listener.Addr().String()
	return l
}

// waitFor waits until the body received so far ends with want.
func (l *liveAPI) waitFor(want []byte, timeout time.Duration) bool {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		l.mu.Lock()
		ok := bytes.HasSuffix(l.body, want)
		l.mu.Unlock()
		if ok {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// pieces are the app's writes: small, empty-line SSE-like, and one larger than a chunk.
func streamPieces() [][]byte {
	big := bytes.Repeat([]byte("0123456789abcdef"), 300<<10/16)
	return [][]byte{[]byte("data: one\n\n"), []byte("x"), big, []byte("data: last\n\n")}
}

func TestStreamForwardsEachFlushAtOnce(t *testing.T) {
	for _, framing := range []string{"chunked", "content-length", "close-delimited"} {
		t.Run(framing, func(t *testing.T) {
			pieces := streamPieces()
			total := 0
			for _, p := range pieces {
				total += len(p)
			}
			var live *liveAPI
			appErr := make(chan string, 1)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/" {
					return
				}
				var out io.Writer = w
				flush := w.(http.Flusher).Flush
				switch framing {
				case "content-length":
					w.Header().Set("Content-Length", strconv.Itoa(total))
				case "close-delimited":
					conn, bw, err := http.NewResponseController(w).Hijack()
					if err != nil {
						appErr <- err.Error()
						return
					}
					defer conn.Close()
					_, _ = bw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
					out, flush = bw, func() { _ = bw.Flush() }
				}
				if framing != "close-delimited" {
					w.Header().Set("Content-Type", "text/event-stream")
				}
				for i, p := range pieces {
					_, _ = out.Write(p)
					flush()
					// The next write waits until this one reached the Runtime API.
					if !live.waitFor(p, 5*time.Second) {
						appErr <- fmt.Sprintf("piece %d (%d bytes) did not reach the Runtime API while the app waited: held back", i, len(p))
						return
					}
				}
			}))
			defer app.Close()
			live = newLiveAPI(t, v2("GET", "/events", ""))
			startAdapterAt(t, live.addr, app.Listener.Addr().String())
			select {
			case <-live.done:
			case msg := <-appErr:
				t.Fatal(msg)
			case <-time.After(30 * time.Second):
				t.Fatal("no response")
			}
			select {
			case msg := <-appErr:
				t.Fatal(msg)
			default:
			}
			_, body, ok := bytes.Cut(live.body, preludeEnd)
			if !ok || !bytes.Equal(body, bytes.Join(pieces, nil)) {
				t.Errorf("body after the prelude is %d bytes, want the %d the app wrote", len(body), total)
			}
			if live.trailer.Get(lambdaapi.HeaderErrorType) != "" {
				t.Errorf("error trailer on a clean stream: %v", live.trailer)
			}
		})
	}
}
