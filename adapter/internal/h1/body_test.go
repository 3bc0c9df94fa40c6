package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Request bodies: streamed, large, failing, and answered before they were all sent.

// pieceServer reads a request's body as it comes and reports each piece it read on pieces; once
// the body ends it answers with what it saw, then serves further requests on the connection.
func pieceServer(t *testing.T, pieces chan<- string) *rawServer {
	return newRawServerS(t, func(s *rawServer, c net.Conn, n int) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		var all []byte
		buf := make([]byte, 256)
		for {
			k, err := req.Body.Read(buf)
			if k > 0 {
				all = append(all, buf[:k]...)
				select {
				case pieces <- string(buf[:k]):
				case <-s.done:
					return
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
		}
		io.WriteString(c, ok(fmt.Sprintf("te=%v length=%d trailer=%q body=%s",
			req.TransferEncoding, req.ContentLength, req.Trailer.Get("X-Digest"), all)))
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok("conn " + strconv.Itoa(n)), false })
	})
}

// streamPieces writes each piece to pw and waits for the server to have read it before writing
// the next: a client that buffered a piece instead of sending it would never see it arrive.
func streamPieces(t *testing.T, pw *io.PipeWriter, pieces <-chan string, want []string) {
	t.Helper()
	for i, p := range want {
		if _, err := pw.Write([]byte(p)); err != nil {
			t.Fatalf("piece %d: %v", i, err)
		}
		got := ""
		for got != p {
			select {
			case s := <-pieces:
				got += s
			case <-time.After(wait):
				pw.CloseWithError(errors.New("test gave up"))
				t.Fatalf("piece %d (%q) not at the server %v after it was written (got %q): buffered?", i, p, wait, got)
			}
		}
	}
}

func TestStreamedRequestBody(t *testing.T) {
	pieces := make(chan string)
	s := pieceServer(t, pieces)
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.url("/stream"), pr)
	req.ContentLength = -1
	req.Trailer = http.Header{"X-Digest": nil} // declared now, its value set before EOF
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.Do(req)
		done <- result{resp, err}
	}()
	want := []string{"piece-0;", "piece-1;", "piece-2;", "piece-3;"}
	streamPieces(t, pw, pieces, want)
	req.Trailer.Set("X-Digest", "sha-xyz")
	pw.Close()
	r := recv(t, done, "Do after the body ended")
	if r.err != nil {
		t.Fatal(r.err)
	}
	b, _ := io.ReadAll(r.resp.Body)
	r.resp.Body.Close()
	if w := `te=[chunked] length=-1 trailer="sha-xyz" body=` + strings.Join(want, ""); string(b) != w {
		t.Errorf("server saw %s\nwant       %s", b, w)
	}
	// The whole body was sent and the answer read: the connection is kept.
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 1" {
		t.Errorf("after a streamed request, next request on %s; want conn 1", got)
	}
}

// TestStreamedBodyZeroContentLength: for client requests net/http treats ContentLength 0 with a
// body other than nil or http.NoBody as unknown length, and http.NewRequest leaves it 0 for any
// reader but bytes.Buffer, bytes.Reader and strings.Reader. Such a body is a stream: it must not
// hold Do until it ends, since the server may answer first (here after the first piece).
func TestStreamedBodyZeroContentLength(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(req.Body, buf); err != nil {
			return
		}
		io.WriteString(c, ok(fmt.Sprintf("te=%v first=%s", req.TransferEncoding, buf)))
		io.Copy(io.Discard, br)
	})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.url("/"), pr)
	if req.ContentLength != 0 {
		t.Fatalf("ContentLength %d", req.ContentLength)
	}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := (&Client{}).Do(req)
		done <- result{resp, err}
	}()
	if _, err := pw.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	// The producer writes more only once it has the answer, as a proxy relaying a peer might.
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		b, _ := io.ReadAll(r.resp.Body)
		r.resp.Body.Close()
		if string(b) != "te=[chunked] first=first" {
			t.Errorf("server saw %s", b)
		}
		pw.Close()
	case <-time.After(time.Second):
		pw.CloseWithError(errors.New("test gave up"))
		r := <-done
		t.Errorf("Do still blocked 1s after the server answered: a ContentLength 0 body with a Body is written "+
			"on the caller's goroutine to its end (then: %v)", r.err)
	}
}

// earlyAnswerServer answers 413 as soon as it has read a request's head, without reading its
// body, and does not close the connection: only the unfinished request makes the client drop it.
// Once told to (drain), it reads what the client sent until EOF and reports how much.
func earlyAnswerServer(t *testing.T, drain <-chan struct{}, drained chan<- int64) *rawServer {
	return newRawServerS(t, func(s *rawServer, c net.Conn, n int) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/conn" {
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, ok(strconv.Itoa(n)))
			io.Copy(io.Discard, br)
			return
		}
		io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 7\r\n\r\ntoo big")
		select {
		case <-drain:
		case <-s.done:
			return
		}
		k, _ := io.Copy(io.Discard, br) // until the client's close
		drained <- k
	})
}

func TestEarlyAnswerLargeBody(t *testing.T) {
	drain, drained := make(chan struct{}), make(chan int64, 1)
	s := earlyAnswerServer(t, drain, drained)
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	const size = 64 << 20 // far more than the socket buffers hold
	body := newCloseRecorder(io.LimitReader(zeros{}, size))
	req, _ := http.NewRequest("PUT", s.url("/upload"), body)
	req.ContentLength = size
	resp, err := doWithin(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || string(b) != "too big" {
		t.Errorf("answer %d %q; want the early 413", resp.StatusCode, b)
	}
	recv(t, body.closed, "request body's Close after the early answer")
	close(drain)
	if k := recv(t, drained, "server reading until the client closes"); k >= size {
		t.Errorf("server read %d bytes: the whole body was sent", k)
	}
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "2" {
		t.Errorf("after an early answer, next request on connection %s; want 2", conn)
	}
}

func TestEarlyAnswerStreamedBody(t *testing.T) {
	drain, drained := make(chan struct{}), make(chan int64, 1)
	s := earlyAnswerServer(t, drain, drained)
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	pr, pw := io.Pipe()
	// The producer writes until the client stops taking its pieces.
	produced := make(chan error, 1)
	go func() {
		piece := []byte(strings.Repeat("p", 1000))
		for {
			if _, err := pw.Write(piece); err != nil {
				produced <- err
				return
			}
		}
	}()
	req, _ := http.NewRequest("POST", s.url("/upload"), pr)
	req.ContentLength = -1
	resp, err := doWithin(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || string(b) != "too big" {
		t.Errorf("answer %d %q; want the early 413", resp.StatusCode, b)
	}
	// The request body is closed: the producer's next write fails.
	if err := recv(t, produced, "producer of a body whose request was answered"); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("producer's write: %v; want io.ErrClosedPipe (the client closed the body)", err)
	}
	close(drain)
	recv(t, drained, "server reading until the client closes")
	if conn := mustFetch(t, c, "GET", s.url("/conn"), nil, nil); conn != "2" {
		t.Errorf("after an early answer, next request on connection %s; want 2", conn)
	}
}

// TestEarlyAnswerNetHTTPServer: net/http's server answers an unread large body and closes the
// connection (with a lingering close that lets its answer arrive). The client sees the answer.
func TestEarlyAnswerNetHTTPServer(t *testing.T) {
	s, _ := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too big", http.StatusRequestEntityTooLarge)
	})
	body := newCloseRecorder(io.LimitReader(zeros{}, 32<<20))
	req, _ := http.NewRequest("PUT", s.URL, body)
	req.ContentLength = 32 << 20
	resp, err := doWithin(t, &Client{MaxIdle: 1}, req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || strings.TrimSpace(string(b)) != "too big" {
		t.Errorf("answer %d %q", resp.StatusCode, b)
	}
	recv(t, body.closed, "request body's Close")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

var errBoom = errors.New("boom: the body's source failed")

// failingBody yields n bytes, then errBoom.
func failingBody(n int64) *closeRecorder {
	return newCloseRecorder(io.MultiReader(io.LimitReader(zeros{}, n), errReader{}))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

func TestRequestBodyReadError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		length  int64 // declared
		yielded int64 // before the error
	}{
		{"small, on the caller's goroutine", 10, 3},
		{"large, on a second goroutine", 1 << 20, 200 << 10},
		{"streamed", -1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan error, 1)
			s := newRawServer(t, func(c net.Conn, n int) {
				_, _, err := readRequest(bufio.NewReader(c))
				got <- err // the body never ends well; nothing is answered
			})
			body := failingBody(tc.yielded)
			req, _ := http.NewRequest("POST", s.url("/"), body)
			req.ContentLength = tc.length
			start := time.Now()
			resp, err := doWithin(t, &Client{MaxIdle: 1}, req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "request body") || !strings.Contains(err.Error(), errBoom.Error()) {
				t.Errorf("error %q; want one saying the request body failed, with its error", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Do took %v", d)
			}
			if !body.isClosed() {
				t.Error("request body not closed")
			}
			if err := recv(t, got, "server reading the request"); err == nil {
				t.Error("server read a whole request from a body that failed")
			}
		})
	}
}

// TestRequestBodyReadErrorUnwraps: net/http's Transport returns the body's own error (it unwraps
// http.Request.Write's internal requestBodyReadError), so errors.Is finds it; so should Do.
func TestRequestBodyReadErrorUnwraps(t *testing.T) {
	for _, length := range []int64{10, -1} {
		s := newRawServer(t, func(c net.Conn, n int) { io.Copy(io.Discard, c) })
		req, _ := http.NewRequest("POST", s.url("/"), failingBody(3))
		req.ContentLength = length
		_, err := doWithin(t, &Client{}, req)
		if !errors.Is(err, errBoom) {
			t.Errorf("ContentLength %d: errors.Is(%q, errBoom) is false", length, err)
		}
	}
}

// TestContextEndsDoWhileRequestBodyStalls: the context bounds the whole exchange, so Do must
// return once it ends even while the request body's source has nothing more to give.
func TestContextEndsDoWhileRequestBodyStalls(t *testing.T) {
	got := make(chan struct{}, 1)
	s := newRawServer(t, func(c net.Conn, n int) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.ReadFull(req.Body, make([]byte, 5)); err != nil {
			return
		}
		got <- struct{}{}
		io.Copy(io.Discard, br) // never answers
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	body := newCloseRecorder(pr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url("/"), body)
	req.ContentLength = -1
	done := make(chan error, 1)
	go func() {
		resp, err := (&Client{}).Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		done <- err
	}()
	if _, err := pw.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	recv(t, got, "server reading the first piece")
	cancel() // the source of the body stays silent
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v; want one wrapping context.Canceled", err)
		}
		// net/http allows the body to be closed after Do returns, from another goroutine; but
		// closed it must be, or whatever is blocked in its Read stays so for good.
		recv(t, body.closed, "request body's Close after Do returned")
	case <-time.After(time.Second):
		pw.CloseWithError(errors.New("test gave up"))
		err := <-done
		t.Errorf("Do still blocked 1s after its context was canceled, while the request body's Read waited "+
			"(returned only once the body failed: %v)", err)
	}
}

// TestRequestURLControlByte: http.Request.Write refuses a request target with a control byte.
// Do should refuse it before taking a connection, and not blame the request body.
func TestRequestURLControlByte(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, n int) {
		serveLoop(c, func(*http.Request, []byte) (string, bool) { return ok("conn " + strconv.Itoa(n)), false })
	})
	c := &Client{MaxIdle: 2}
	defer c.CloseIdle()
	warm(t, c, s) // connection 1 idle in the pool
	req, _ := http.NewRequest("GET", s.url("/q"), nil)
	req.URL.RawQuery = "a=\x01"
	_, err := doWithin(t, c, req)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "request body") {
		t.Errorf("error %q blames the request body, which is nil", err)
	}
	var re *ResendError
	if errors.As(err, &re) {
		t.Errorf("a request that cannot be written was sent again on a new connection: %v", err)
	}
	if got := mustFetch(t, c, "GET", s.url("/"), nil, nil); got != "conn 1" {
		t.Errorf("after the refused request, next request on %s; want the pooled conn 1 untouched", got)
	}
}

// TestReuseAfterSecondGoroutineBody: a request whose body the second goroutine wrote (unknown
// length, or over syncBodyMax), read in full by the server before it answered, leaves the
// connection reusable. The writer may not yet have reported its end when the answer has been
// read: body.finish must wait for it rather than drop the connection (net/http's Transport waits
// up to 50ms for this, maxWriteWaitBeforeConnReuse).
func TestReuseAfterSecondGoroutineBody(t *testing.T) {
	s, conns := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		io.WriteString(w, strconv.FormatInt(n, 10))
	})
	c := &Client{MaxIdle: 1}
	defer c.CloseIdle()
	big := strings.Repeat("z", syncBodyMax+1)
	const rounds = 200
	for i := range rounds {
		body, length := io.Reader(strings.NewReader("streamed")), int64(-1)
		if i%2 == 1 {
			body, length = strings.NewReader(big), int64(len(big))
		}
		req, _ := http.NewRequest("POST", s.URL, io.NopCloser(body))
		req.ContentLength = length
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	// One connection when every writer goroutine reports within writerGrace. On a loaded machine
	// one may be descheduled longer between its last write and its report, and that connection is
	// then rightly dropped. Every request here has its body written by the second goroutine: a
	// connection never reused after such a body would need all 200, and a finish that did not wait
	// for the writer at all used tens of them.
	if n := conns.Load(); n > 3 {
		t.Errorf("%d sequential requests, each body read in full before the answer, used %d connections; want 1 (3 at most on a loaded machine)", rounds, n)
	}
}
