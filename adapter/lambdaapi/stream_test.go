package lambdaapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// wireRequest is a streamed request as a raw HTTP/1.1 server reads it off the connection.
type wireRequest struct {
	line    string
	header  textproto.MIMEHeader
	chunks  chan []byte // each chunk as framed on the wire, as soon as it is complete
	trailer chan textproto.MIMEHeader
}

// rawRuntimeAPI accepts one connection and parses the request by hand, so the test sees the
// chunk framing and the trailers exactly as sent. answer writes the response once the request
// has been read up to its headers (early) or to its end.
func rawRuntimeAPI(t *testing.T, early bool, answer string) (addr string, reqs chan *wireRequest) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	reqs = make(chan *wireRequest, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tp := textproto.NewReader(bufio.NewReader(conn))
		w := &wireRequest{chunks: make(chan []byte, 64), trailer: make(chan textproto.MIMEHeader, 1)}
		if w.line, err = tp.ReadLine(); err != nil {
			return
		}
		if w.header, err = tp.ReadMIMEHeader(); err != nil {
			return
		}
		reqs <- w
		if early {
			_, _ = io.WriteString(conn, answer)
			time.Sleep(time.Second) // leave the connection open, unread, for a while
			return
		}
		defer close(w.chunks)
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			size, err := strconv.ParseInt(line, 16, 64)
			if err != nil {
				return
			}
			if size == 0 {
				tr, _ := tp.ReadMIMEHeader()
				w.trailer <- tr
				_, _ = io.WriteString(conn, answer)
				return
			}
			data := make([]byte, size+2)
			if _, err := io.ReadFull(tp.R, data); err != nil {
				return
			}
			w.chunks <- data[:size]
		}
	}()
	return l.Addr().String(), reqs
}

const accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"

// pacedBody returns each piece from its channel as one Read, and EOF when it is closed.
type pacedBody struct {
	pieces chan []byte
	closed atomic.Bool
}

func (b *pacedBody) Read(p []byte) (int, error) {
	piece, ok := <-b.pieces
	if !ok {
		return 0, io.EOF
	}
	if len(piece) > len(p) {
		panic("test piece larger than the client's read buffer")
	}
	return copy(p, piece), nil
}

func (b *pacedBody) Close() error { b.closed.Store(true); return nil }

func TestStreamWireFormatAndFlushPerRead(t *testing.T) {
	addr, reqs := rawRuntimeAPI(t, false, accepted)
	c := NewRuntimeClient(addr, &http.Client{})
	body := &pacedBody{pieces: make(chan []byte)}
	trailer := http.Header{HeaderErrorType: nil, HeaderErrorBody: nil}
	done := make(chan error, 1)
	go func() { done <- c.Stream(context.Background(), "id-1", body, trailer) }()

	var w *wireRequest
	pieces := [][]byte{[]byte("{\"statusCode\":200}\x00\x00\x00\x00\x00\x00\x00\x00"), []byte("a"), bytes.Repeat([]byte("b"), 20000)}
	for i, p := range pieces {
		body.pieces <- p
		if w == nil {
			w = <-reqs
		}
		// The piece must be on the wire, as one chunk, before the body produces the next one: no
		// timing involved, a held-back chunk blocks here until the timeout.
		select {
		case got := <-w.chunks:
			if !bytes.Equal(got, p) {
				t.Fatalf("piece %d arrived as a chunk of %d bytes, want exactly its %d", i, len(got), len(p))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("piece %d not on the wire while the body waits for it to be sent: held back", i)
		}
	}
	trailer.Set(HeaderErrorType, "Runtime.StreamError")
	trailer.Set(HeaderErrorBody, "ZXJy")
	close(body.pieces)
	select {
	case tr := <-w.trailer:
		if tr.Get(HeaderErrorType) != "Runtime.StreamError" || tr.Get(HeaderErrorBody) != "ZXJy" {
			t.Errorf("trailers on the wire: %v", tr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no end of body")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w.line != "POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1" {
		t.Errorf("request line %q", w.line)
	}
	want := map[string]string{
		"Transfer-Encoding":                     "chunked",
		"Lambda-Runtime-Function-Response-Mode": "streaming",
		"Content-Type":                          "application/vnd.awslambda.http-integration-response",
	}
	for k, v := range want {
		if got := w.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	declared := strings.Join(w.header.Values("Trailer"), ",")
	if !strings.Contains(declared, HeaderErrorType) || !strings.Contains(declared, HeaderErrorBody) {
		t.Errorf("Trailer header %q does not declare both error trailers", declared)
	}
	if w.header.Get("Content-Length") != "" {
		t.Errorf("Content-Length on a stream: %v", w.header)
	}
	if !body.closed.Load() {
		t.Error("body not closed")
	}
}

// writerToBody writes its pieces through WriteTo, as the adapter's stream body does.
type writerToBody struct{ pieces [][]byte }

func (b *writerToBody) Read([]byte) (int, error) {
	return 0, errors.New("Read called: WriteTo expected")
}

func (b *writerToBody) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, p := range b.pieces {
		m, err := w.Write(p)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// With WriteTo, a chunk is one Write, whatever its size: not cut at the client's 32 KiB copy buffer.
func TestStreamWriterToChunks(t *testing.T) {
	addr, reqs := rawRuntimeAPI(t, false, accepted)
	c := NewRuntimeClient(addr, &http.Client{})
	pieces := [][]byte{bytes.Repeat([]byte("x"), 200<<10), []byte("y")}
	done := make(chan error, 1)
	go func() { done <- c.Stream(context.Background(), "id-2", &writerToBody{pieces}, http.Header{}) }()
	w := <-reqs
	var sizes []int
	for chunk := range w.chunks {
		sizes = append(sizes, len(chunk))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != fmt.Sprint([]int{200 << 10, 1}) {
		t.Errorf("chunks of %v bytes, want one per Write", sizes)
	}
}

// endlessBody never ends by itself.
type endlessBody struct{ closed chan struct{} }

func (b *endlessBody) Read(p []byte) (int, error) {
	select {
	case <-b.closed:
		return 0, errors.New("read after close")
	default:
	}
	clear(p)
	return len(p), nil
}

func (b *endlessBody) Close() error { close(b.closed); return nil }

// A Runtime API that answers before the body ends (RIE's 413 over 6 MiB) ends Stream with its
// status, and the client lets go of the body soon after.
func TestStreamEarlyAnswer(t *testing.T) {
	addr, _ := rawRuntimeAPI(t, true, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n")
	c := NewRuntimeClient(addr, &http.Client{})
	body := &endlessBody{closed: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.Stream(ctx, "id-3", body, http.Header{})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("Stream returned %v, want the 413", err)
	}
	select {
	case <-body.closed:
	case <-time.After(5 * time.Second):
		t.Error("body never closed")
	}
}
