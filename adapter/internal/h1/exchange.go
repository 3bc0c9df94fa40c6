package h1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// exchangeError is a failed exchange and how far it got: what Do needs to decide whether the
// request may be sent again (shouldResend). Do returns Err, the failure itself.
type exchangeError struct {
	Err      error
	Sent     int64 // request bytes the kernel accepted
	Received int64 // response bytes read
}

func (e *exchangeError) Error() string { return e.Err.Error() }

func (e *exchangeError) Unwrap() error { return e.Err }

// unwrapExchange returns the failure an exchangeError carries, as Do reports it.
func unwrapExchange(err error) error {
	var ex *exchangeError
	if errors.As(err, &ex) {
		return ex.Err
	}
	return err
}

// aLongTimeAgo is a deadline in the past: setting it ends any blocked read or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on pc and reads the response head. On success the response body owns pc;
// on failure pc is closed and the error is an *exchangeError.
func (c *Client) exchange(ctx context.Context, addr string, pc *conn, req *http.Request) (*http.Response, error) {
	x := exchange{ctx: ctx, pc: pc, req: c.framed(req)}
	x.rec, x.req = recordBody(x.req)
	pc.reset()
	x.stop = context.AfterFunc(ctx, pc.expire)

	writeErr := x.send()
	if writeErr != nil && pc.w.err == nil {
		return nil, x.fail(x.bodyFailed(writeErr))
	}
	// Even after the connection failed a write, the peer may have answered (then closed): its
	// answer says more than the write error.
	resp, err := c.readHead(pc, x.req)
	switch {
	case err != nil && writeErr != nil && pc.r.n == 0:
		return nil, x.fail(fmt.Errorf("write request: %w", writeErr))
	case err != nil:
		return nil, x.fail(fmt.Errorf("read response: %w", err))
	}
	b := &body{
		c: c, pc: pc, addr: addr, ctx: ctx, stop: x.stop, written: x.written,
		keep: writeErr == nil && !resp.Close && !x.req.Close && resp.StatusCode != http.StatusSwitchingProtocols,
		rc:   resp.Body,
	}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// exchange is the state of one request on one connection, while its head is being exchanged.
type exchange struct {
	ctx     context.Context
	pc      *conn
	req     *http.Request
	rec     *bodyRecorder // nil unless the body's Read errors must be kept (recordBody)
	stop    func() bool   // cancels the context's deadline on pc
	written chan error    // set when the body is written by a second goroutine
}

// framed returns req as it goes on the wire: with Connection: close when the connection will not
// be kept.
func (c *Client) framed(req *http.Request) *http.Request {
	if c.MaxIdle > 0 || req.Close {
		return req
	}
	again := *req
	again.Close = true
	return &again
}

// recordBody returns req with a body that keeps its Read error: http.Request.Write reports a failed
// body Read in a type that hides the cause. Bodies with GetBody are in-memory readers that cannot
// fail (and net/http writes their head and body in one send only when it can see their type); a
// WriterTo keeps its WriteTo.
func recordBody(req *http.Request) (*bodyRecorder, *http.Request) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil, req
	}
	if _, ok := req.Body.(io.WriterTo); ok {
		return nil, req
	}
	rec := &bodyRecorder{ReadCloser: req.Body}
	again := *req
	again.Body = rec
	return rec, &again
}

// send writes the request: at once when its body is small and of known length, else from a second
// goroutine while the caller reads the answer, which may come first (syncBodyMax). It returns the
// error of a write made at once.
func (x *exchange) send() error {
	if n := x.req.ContentLength; x.req.Body == nil || x.req.Body == http.NoBody || 0 < n && n <= syncBodyMax {
		return x.pc.write(x.req)
	}
	x.written = make(chan error, 1)
	go writeAsync(x.pc, x.req, x.written)
	return nil
}

// writeAsync writes req on pc and reports the result on written.
func writeAsync(pc *conn, req *http.Request, written chan<- error) {
	err := pc.write(req)
	if err != nil && pc.w.err == nil {
		// The request's body failed, not the connection: the peer waits for the rest, which will
		// not come. Closing ends the read of an answer that will not come either.
		pc.nc.Close()
	}
	written <- err
}

// bodyFailed wraps the failure of the request body, its own Read error when it was recorded.
func (x *exchange) bodyFailed(werr error) error {
	if x.rec != nil && x.rec.err != nil {
		werr = x.rec.err
	}
	return fmt.Errorf("request body: %w", werr)
}

// fail ends a failed exchange: the connection closed, the body writer waited for (briefly), the
// context's cause put first when it ended the exchange.
func (x *exchange) fail(err error) error {
	x.stop()
	x.pc.nc.Close()
	if x.written != nil {
		err = x.awaitWriter(err)
	}
	if x.ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", context.Cause(x.ctx), err)
	}
	return &exchangeError{Err: err, Sent: x.pc.w.n.Load(), Received: x.pc.r.n}
}

// awaitWriter waits for the body writer of a failed exchange, returning the body's error when that
// is what failed. The writer ends once the connection is closed (and the request body is closed
// then), unless it waits in the body's Read: that one is ended by closing the body, in the
// background, as Close may itself wait for the Read.
func (x *exchange) awaitWriter(err error) error {
	t := time.NewTimer(writerGrace)
	defer t.Stop()
	select {
	case werr := <-x.written:
		if werr != nil && x.pc.w.err == nil {
			return x.bodyFailed(werr)
		}
	case <-x.ctx.Done():
		go closeBody(x.req)
	case <-t.C:
		go closeBody(x.req)
	}
	return err
}

// reset clears the counters of the previous exchange on pc.
func (pc *conn) reset() {
	pc.r.n, pc.r.over = 0, false
	pc.w.n.Store(0)
	pc.w.err = nil
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
