// Package h1 is the adapter's HTTP/1.1 client: plain TCP to the few addresses the adapter talks to
// (the app, the Lambda Runtime and Extensions APIs), keep-alive connections, and the request and
// response framing of net/http (http.Request.Write, http.ReadResponse).
//
// It takes the place of net/http's Client and Transport, for three reasons measured in
// docs/performance.md: the Transport links crypto/tls and x509 whether or not TLS is ever used
// (1.8 MB of a 6.4 MB binary), it runs two goroutines per connection and hands every exchange
// between them, and its pool reports a connection the peer has closed only from a background read.
// Here an exchange runs on the caller's goroutine (a second one only while a request body of
// unknown or large size is written), and a pooled connection is checked with one non-blocking
// peek before it is reused.
//
// What it does not do, because nothing in the adapter needs it: TLS, proxies, HTTP/2, redirects,
// cookies, transparent decompression, Expect: 100-continue.
package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of Client's fields.
const (
	DefaultDialTimeout    = 5 * time.Second
	DefaultMaxHeaderBytes = 1 << 20
)

// syncBodyMax is the largest request body written on the caller's goroutine before the response is
// read: it fits a loopback socket's send buffer at once, so the write cannot wait on a peer that
// answers before reading. Larger bodies, and bodies of unknown length (streams), are written by a
// second goroutine while the caller reads the answer, which may come first.
const syncBodyMax = 64 << 10

// writerGrace is how long an ended exchange waits for the goroutine writing its request body:
// long enough for one that is merely finishing (net/http's Transport waits 50 ms too), short
// enough not to hold an answer that came before the peer read the whole request.
const writerGrace = 50 * time.Millisecond

// maxInterim bounds the 1xx informational responses read before the final one.
const maxInterim = 16

// Client sends HTTP/1.1 requests over plain TCP. Its zero value is usable: 5 s to connect, no
// idle connections kept. A Client is safe for concurrent use; set its fields before the first Do.
type Client struct {
	// DialTimeout bounds connecting (0: DefaultDialTimeout).
	DialTimeout time.Duration
	// MaxIdle is how many idle connections are kept per address for reuse. 0 keeps none, and
	// every request says Connection: close.
	MaxIdle int
	// IdleTimeout is how long an idle connection may wait for its next request (0: no limit). One
	// idle for longer is closed when the pool next looks at it.
	IdleTimeout time.Duration
	// FreshAfter keeps requests that must not be repeated (POST, PATCH; see Idempotent) off
	// connections idle for this long or more (0: no limit): the peer may be closing such a
	// connection on its own idle timer just as the request arrives, and the request could then
	// not be sent again. They go on a new connection instead.
	FreshAfter time.Duration
	// MaxHeaderBytes bounds a response's status line and headers (0: DefaultMaxHeaderBytes).
	MaxHeaderBytes int64

	mu   sync.Mutex
	idle map[string][]*conn // per address, most recently used last
}

// Do sends req and returns the response. The caller must close the response body; the connection
// goes back to the pool when the body has been read to its end. req's context bounds the whole
// exchange, the body included. req.URL must be an http URL; req.Body is closed, as net/http does.
//
// A request that fails on a reused connection before any byte of an answer arrived is sent once
// more on a new connection when that cannot repeat its effect: nothing of it had been sent, or it
// is idempotent (Idempotent) and its body can be replayed (nil, http.NoBody, or GetBody set).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := validate(req); err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	addr := hostPort(req.URL)
	freshAfter := time.Duration(0)
	if !Idempotent(req) {
		freshAfter = c.FreshAfter
	}
	pc, reused, err := c.conn(ctx, addr, freshAfter)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, ex := c.exchange(ctx, addr, pc, req)
	if ex.err == nil {
		return resp, nil
	}
	if !reused || ex.received > 0 || ctx.Err() != nil || !replayable(req) || ex.sent > 0 && !Idempotent(req) {
		return nil, ex.err
	}
	// The connection was closed under the request, which may be sent again: once, on a new one.
	again := *req
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("%w (replaying the request body to send it again: %w)", ex.err, err)
		}
	}
	if pc, err = c.dial(ctx, addr); err != nil {
		closeBody(&again)
		return nil, &ResendError{First: ex.err, Err: err}
	}
	resp, again2 := c.exchange(ctx, addr, pc, &again)
	if again2.err != nil {
		return nil, &ResendError{First: ex.err, Err: again2.err}
	}
	return resp, nil
}

// ResendError is a request that failed on a reused connection, was sent again on a new one, and
// failed there too.
type ResendError struct {
	First error // on the reused connection
	Err   error // on the new one
}

func (e *ResendError) Error() string {
	return fmt.Sprintf("%v (then, sent again on a new connection: %v)", e.First, e.Err)
}

// Unwrap makes both failures visible to errors.Is and errors.As.
func (e *ResendError) Unwrap() []error { return []error{e.First, e.Err} }

// CloseIdle closes every idle connection (after a snapshot restore they are dead).
func (c *Client) CloseIdle() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			pc.nc.Close()
		}
	}
}

// Idempotent reports a request that may be sent twice with the effect of once (RFC 9110 section
// 9.2.2), or that carries an Idempotency-Key (or X-Idempotency-Key) saying so.
func Idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// hostPort is the address to dial for u: its host, port 80 when it names none. The pool is keyed
// by it, so it is taken as it stands when it has a port (no allocation per request).
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// conn is one connection and its buffers.
type conn struct {
	nc     net.Conn
	peeker peeker // how alive looks at it while idle (peek_*.go)
	expire func() // ends a blocked read or write at once; made once, used by every exchange
	r      countingReader
	br     *bufio.Reader
	w      countingWriter
	bw     *bufio.Writer
	idleAt time.Time
}

// countingReader counts what one exchange reads, and limits what the response head may take.
type countingReader struct {
	nc    net.Conn
	n     int64 // read during this exchange
	limit int64 // while > 0: how much more the head may read
	head  bool  // the head is being read
	over  bool  // the head was longer than allowed
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.head {
		if r.limit <= 0 {
			r.over = true
			return 0, errHeadTooLong
		}
		if int64(len(p)) > r.limit {
			p = p[:r.limit]
		}
	}
	n, err := r.nc.Read(p)
	r.n += int64(n)
	if r.head {
		r.limit -= int64(n)
	}
	return n, err
}

var errHeadTooLong = errors.New("response status line and headers too long")

// countingWriter counts what one exchange had the kernel accept, and keeps the connection's write
// error apart from the request body's.
type countingWriter struct {
	nc  net.Conn
	n   atomic.Int64 // written by the body goroutine, read by the caller's meanwhile
	err error        // the connection's; read only after the writing goroutine is done
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.nc.Write(p)
	w.n.Add(int64(n))
	if err != nil {
		w.err = err
	}
	return n, err
}

// conn returns a pooled connection to addr, or a new one. A request that must not be repeated
// (freshAfter > 0) gets a new connection when the most recently used one has been idle that long.
func (c *Client) conn(ctx context.Context, addr string, freshAfter time.Duration) (*conn, bool, error) {
	for {
		pc := c.pop(addr, freshAfter)
		if pc == nil {
			break
		}
		if alive(pc) {
			return pc, true, nil
		}
		pc.nc.Close()
	}
	pc, err := c.dial(ctx, addr)
	return pc, false, err
}

// pop takes the most recently used idle connection to addr, closing any idle past IdleTimeout.
func (c *Client) pop(addr string, freshAfter time.Duration) *conn {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.idle[addr]
	if len(list) == 0 {
		return nil
	}
	pc := list[len(list)-1]
	idle := now.Sub(pc.idleAt)
	if c.IdleTimeout > 0 && idle > c.IdleTimeout {
		// The most recent is past its time, so are all below it.
		for _, old := range list {
			old.nc.Close()
		}
		delete(c.idle, addr)
		return nil
	}
	if freshAfter > 0 && idle >= freshAfter {
		return nil // left for a request that may be repeated
	}
	list[len(list)-1] = nil
	c.idle[addr] = list[:len(list)-1]
	return pc
}

// put returns pc to the pool. A full pool gives up its longest-idle connection for pc: that one
// is the likeliest to have been closed by the peer, or to be too old for the next POST.
func (c *Client) put(addr string, pc *conn) {
	if c.MaxIdle <= 0 {
		pc.nc.Close()
		return
	}
	pc.idleAt = time.Now()
	var evicted *conn
	c.mu.Lock()
	if c.idle == nil {
		c.idle = make(map[string][]*conn)
	}
	list := c.idle[addr]
	if len(list) >= c.MaxIdle {
		evicted = list[0]
		copy(list, list[1:])
		list = list[:len(list)-1]
	}
	c.idle[addr] = append(list, pc)
	c.mu.Unlock()
	if evicted != nil {
		evicted.nc.Close()
	}
}

func (c *Client) dial(ctx context.Context, addr string) (*conn, error) {
	timeout := c.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	nc = wrapConn(nc)
	pc := &conn{nc: nc}
	pc.peeker.init(nc)
	pc.expire = func() { nc.SetDeadline(aLongTimeAgo) }
	pc.r.nc = nc
	pc.w.nc = nc
	pc.br = bufio.NewReaderSize(&pc.r, 4<<10)
	pc.bw = bufio.NewWriterSize(&pc.w, 4<<10)
	return pc, nil
}

// exchangeError is a failed exchange and how far it got.
type exchangeError struct {
	err      error
	sent     int64 // request bytes the kernel accepted
	received int64 // response bytes read
}

// aLongTimeAgo is a deadline in the past: setting it ends any blocked read or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on pc and reads the response head. On success the response body owns pc.
func (c *Client) exchange(ctx context.Context, addr string, pc *conn, req *http.Request) (*http.Response, exchangeError) {
	pc.r.n, pc.r.over = 0, false
	pc.w.n.Store(0)
	pc.w.err = nil
	stop := context.AfterFunc(ctx, pc.expire)
	if c.MaxIdle <= 0 && !req.Close {
		again := *req
		again.Close = true // Connection: close
		req = &again
	}

	// http.Request.Write reports a failed body Read in a type that hides the cause: keep it.
	// Bodies with GetBody are in-memory readers that cannot fail (and net/http writes their head
	// and body in one send only when it can see their type); a WriterTo keeps its WriteTo.
	var rec *bodyRecorder
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		if _, ok := req.Body.(io.WriterTo); !ok {
			rec = &bodyRecorder{ReadCloser: req.Body}
			again := *req
			again.Body = rec
			req = &again
		}
	}
	bodyFailed := func(werr error) error {
		if rec != nil && rec.err != nil {
			werr = rec.err
		}
		return fmt.Errorf("request body: %w", werr)
	}

	var writeErr error
	var written chan error // set when the body is written by a second goroutine
	if n := req.ContentLength; req.Body == nil || req.Body == http.NoBody || 0 < n && n <= syncBodyMax {
		writeErr = pc.write(req)
	} else {
		written = make(chan error, 1)
		go func() {
			err := pc.write(req)
			if err != nil && pc.w.err == nil {
				// The request's body failed, not the connection: the peer waits for the rest,
				// which will not come. Closing ends the read of an answer that will not come either.
				pc.nc.Close()
			}
			written <- err
		}()
	}

	fail := func(err error) (*http.Response, exchangeError) {
		stop()
		pc.nc.Close()
		if written != nil {
			// The writer ends once the connection is closed (and the request body is closed then),
			// unless it waits in the body's Read: that one is ended by closing the body, in the
			// background, as Close may itself wait for the Read.
			t := time.NewTimer(writerGrace)
			select {
			case werr := <-written:
				if werr != nil && pc.w.err == nil {
					err = bodyFailed(werr)
				}
			case <-ctx.Done():
				go closeBody(req)
			case <-t.C:
				go closeBody(req)
			}
			t.Stop()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		return nil, exchangeError{err: err, sent: pc.w.n.Load(), received: pc.r.n}
	}
	if writeErr != nil && pc.w.err == nil {
		return fail(bodyFailed(writeErr))
	}

	// Even after the connection failed a write, the peer may have answered (then closed): its
	// answer says more than the write error.
	resp, err := c.readHead(pc, req)
	if err != nil {
		if writeErr != nil && pc.r.n == 0 {
			return fail(fmt.Errorf("write request: %w", writeErr))
		}
		return fail(fmt.Errorf("read response: %w", err))
	}
	b := &body{
		c: c, pc: pc, addr: addr, ctx: ctx, stop: stop, written: written,
		keep: writeErr == nil && !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols,
		rc:   resp.Body,
	}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp, exchangeError{}
	}
	resp.Body = b
	return resp, exchangeError{}
}

// write sends req through pc's buffer and flushes it.
func (pc *conn) write(req *http.Request) error {
	if err := req.Write(pc.bw); err != nil {
		return err
	}
	return pc.bw.Flush()
}

// readHead reads the final response head, skipping informational (1xx) ones but 101.
func (c *Client) readHead(pc *conn, req *http.Request) (*http.Response, error) {
	limit := c.MaxHeaderBytes
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	for range maxInterim + 1 { // the final response may follow maxInterim interim ones
		pc.r.head, pc.r.limit = true, limit
		resp, err := http.ReadResponse(pc.br, req)
		pc.r.head = false
		if pc.r.over {
			return nil, fmt.Errorf("%w: more than %d bytes", errHeadTooLong, limit)
		}
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
	return nil, fmt.Errorf("more than %d informational (1xx) responses", maxInterim)
}

// body is a response body; reading it to its end frees the connection for the next request.
type body struct {
	c       *Client
	pc      *conn
	addr    string
	ctx     context.Context
	stop    func() bool
	written chan error
	keep    bool // the response allows the connection to be reused
	rc      io.ReadCloser
	done    atomic.Bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		if b.ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(b.ctx), err)
		}
	}
	return n, err
}

// Close releases the connection: to the pool after the whole body was read, else closed (which
// also ends a Read blocked in another goroutine). The rest of a body is never drained.
func (b *body) Close() error {
	b.finish(false)
	return nil
}

func (b *body) finish(eof bool) {
	if b.done.Swap(true) {
		return
	}
	stopped := b.stop() // false once the context's end has set a deadline on the connection
	keep := eof && b.keep && stopped
	if keep && b.written != nil {
		// The writer may be just past its last write: the peer read it all before answering.
		t := time.NewTimer(writerGrace)
		select {
		case err := <-b.written:
			keep = err == nil
		case <-t.C:
			keep = false // the answer came before the request's body was all sent
		}
		t.Stop()
	}
	if keep {
		b.c.put(b.addr, b.pc)
		return
	}
	b.pc.nc.Close()
}

// alive reports whether an idle connection can carry a request: nothing buffered, and a
// non-blocking peek finds it neither closed by the peer nor holding bytes nobody asked for.
func alive(pc *conn) bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	return pc.peeker.alive()
}

// validate refuses what net/http's Transport refuses before sending: a request line or header
// http.Request.Write would write malformed.
func validate(req *http.Request) error {
	if req.URL == nil {
		return errors.New("h1: request has no URL")
	}
	if req.URL.Scheme != "http" {
		return fmt.Errorf("h1: unsupported protocol scheme %q (plain http only)", req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return fmt.Errorf("h1: no host in request URL %q", req.URL.Redacted())
	}
	for _, part := range [2]string{req.URL.RawQuery, req.URL.Opaque} {
		if hasControl(part) {
			return fmt.Errorf("h1: control byte in request URL %q", req.URL.Redacted())
		}
	}
	if req.Method != "" && !isToken(req.Method) {
		return fmt.Errorf("h1: invalid method %q", req.Method)
	}
	for _, h := range [2]http.Header{req.Header, req.Trailer} {
		for k, vv := range h {
			if !isToken(k) {
				return fmt.Errorf("h1: invalid header field name %q", k)
			}
			for _, v := range vv {
				if !validValue(v) {
					return fmt.Errorf("h1: invalid header field value for %q", k)
				}
			}
		}
	}
	return nil
}

// isToken reports an RFC 9110 token: one or more tchar.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!', c == '#', c == '$', c == '%', c == '&', c == '\'', c == '*', c == '+',
			c == '-', c == '.', c == '^', c == '_', c == '`', c == '|', c == '~':
		default:
			return false
		}
	}
	return true
}

// validValue reports a field value without control bytes other than horizontal tab.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// hasControl reports a control byte (tab included), which a request line cannot carry. A URL's
// Path is escaped when written; its RawQuery and Opaque are written as they are.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// bodyRecorder keeps the error of a request body's Read.
type bodyRecorder struct {
	io.ReadCloser
	err error // set by the writing goroutine; read after it is done
}

func (b *bodyRecorder) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
