// Package h1 is the adapter's HTTP/1.1 client: plain TCP to the few addresses the adapter talks to
// (the app, the Lambda Runtime and Extensions APIs), keep-alive connections, and the request and
// response framing of net/http (http.Request.Write, http.ReadResponse).
//
// It takes the place of net/http's Client and Transport, for three reasons measured in
// docs/performance.md ("h1"): the Transport links crypto/tls and x509 whether or not TLS is ever
// used, it runs two goroutines per connection and hands every exchange between them, and its pool
// reports a connection the peer has closed only from a background read.
// Here an exchange runs on the caller's goroutine (a second one only while a request body of
// unknown or large size is written), and a pooled connection is checked with one non-blocking
// peek before it is reused.
//
// What it does not do, because nothing in the adapter needs it: TLS, proxies, HTTP/2, redirects,
// cookies, transparent decompression, Expect: 100-continue.
//
// Files: h1.go (Client, Do), resend.go (when a failed request goes again), pool.go (connections
// kept alive), exchange.go (one request and its response head), body.go (the response body that
// frees the connection), validate.go (what net/http would refuse to send), peek_*.go and
// rawio_*.go (Linux socket I/O without the scheduler's syscall hand-off).
package h1

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
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
	resp, err := c.exchange(ctx, addr, pc, req)
	if err == nil {
		return resp, nil
	}
	var first *exchangeError
	if !errors.As(err, &first) || !shouldResend(ctx, req, reused, first) {
		return nil, unwrapExchange(err)
	}
	return c.resend(ctx, addr, req, first)
}

// resend sends req once more, on a new connection, after it failed with first on a reused one.
func (c *Client) resend(ctx context.Context, addr string, req *http.Request, first *exchangeError) (*http.Response, error) {
	again := *req
	if req.GetBody != nil {
		var err error
		if again.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("%w (replaying the request body to send it again: %w)", first.Err, err)
		}
	}
	pc, err := c.dial(ctx, addr)
	if err != nil {
		closeBody(&again)
		return nil, &ResendError{First: first.Err, Err: err}
	}
	resp, err := c.exchange(ctx, addr, pc, &again)
	if err != nil {
		return nil, &ResendError{First: first.Err, Err: unwrapExchange(err)}
	}
	return resp, nil
}

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
